/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-selection-stats.h — what a time range of the timeline holds: per path the launches and
 * their p50/p90/p99, the fallbacks by reason, the specs hit and the compiles.
 *
 * Computed from the chart's LscSeriesIndex: each path's launches in the range are one binary
 * search away, so the cost is O(k) for the k launches selected (a radix sort per path), never
 * a pass over the report.  A selection of a million launches takes tens of ms, so the view
 * computes it on a worker thread (lsc_selection_stats_compute_async), which holds a reference
 * to the index.  GLib only, no GTK: tested headlessly.
 */
#pragma once

#include <gio/gio.h>

#include "lsc-chart-data.h"

G_BEGIN_DECLS

/* Reason ids a report stores fit a byte in the series; the names are the reader's
 * (lsc_reason_name). */
#define LSC_SELECTION_N_REASONS 256

typedef struct {
  guint64 count; /* launches on the path in the range, compile launches included */
  guint32 p50_ns, p90_ns, p99_ns; /* nearest rank (lsc_nearest_rank); 0 when count is 0 */
} LscSelectionPath;

typedef struct {
  double t0_ns, t1_ns; /* the range [t0, t1), ns since the session start */
  guint64 launches;    /* on every path */
  LscSelectionPath paths[LSC_CHART_N_PATHS];
  guint64 fallbacks;
  guint64 fallbacks_by_reason[LSC_SELECTION_N_REASONS];
  guint64 hits;      /* launches that hit the spec cache */
  guint64 specs_hit; /* distinct specs those hit */
  guint64 compiles;  /* compile launches (outcome miss) */
  guint32 compile_max_ns;
} LscSelectionStats;

/* The statistics of the launches with t in [t0_ns, t1_ns).  Cancellable may be NULL; a
 * cancelled computation returns NULL.  Any thread: index is only read. */
LscSelectionStats *lsc_selection_stats_compute (const LscSeriesIndex *index, double t0_ns, double t1_ns,
                                                GCancellable *cancellable);

/* The same on a worker thread, holding a reference to index until done. */
void lsc_selection_stats_compute_async (LscSeriesIndex *index, double t0_ns, double t1_ns, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
/* NULL with error set (G_IO_ERROR_CANCELLED when cancelled).  Free with g_free(). */
LscSelectionStats *lsc_selection_stats_compute_finish (GAsyncResult *result, GError **error);

G_END_DECLS
