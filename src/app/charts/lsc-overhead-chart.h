/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-overhead-chart.h — per-launch host overhead over time: fast, baseline and raw floor in
 * their colours, toggle markers, zoom and pan of the time axis, linear or log overhead axis,
 * a tooltip with the nearest launch, and a selected time range (shift-drag).  Compile launches
 * are marked on their own and kept off the overhead axis, so the µs-scale launches fill it.
 *
 * Shows either a report's launches (lsc_overhead_chart_set_series/_set_index) or live
 * launches (lsc_overhead_chart_append into a fixed-capacity ring).  Holds no per-launch
 * objects: a million launches are arrays plus a min/max index, and each frame draws
 * O(width) columns.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-chart-data.h"
#include "lsc-tracks.h"

G_BEGIN_DECLS

#define LSC_TYPE_OVERHEAD_CHART (lsc_overhead_chart_get_type ())
G_DECLARE_FINAL_TYPE (LscOverheadChart, lsc_overhead_chart, LSC, OVERHEAD_CHART, GtkWidget)

/* Default capacity of the live ring (the "live-capacity" construct property). */
#define LSC_OVERHEAD_CHART_DEFAULT_LIVE_CAPACITY 100000

GtkWidget *lsc_overhead_chart_new (void);

/* Shows series (transfer full: the chart frees it; NULL clears).  Builds the per-path index
 * on the calling thread, about 20 ms for 1M launches; for big reports build an
 * LscSeriesIndex in the loader thread and use lsc_overhead_chart_set_index() instead.
 * Leaves live mode and resets the zoom. */
void lsc_overhead_chart_set_series (LscOverheadChart *self, LscSeries *series);
/* As set_series, with an index built elsewhere (transfer full; NULL clears). */
void lsc_overhead_chart_set_index (LscOverheadChart *self, LscSeriesIndex *index);

/* Kernel names for the tooltip: kernel id (gint64 keys) -> name; the chart takes a reference.
 * NULL: launches are not named. */
void lsc_overhead_chart_set_kernel_names (LscOverheadChart *self, GHashTable *names);

/* The selected time range [t0_ns, t1_ns) in ns since the session start (shift-drag selects;
 * Escape or a click clears); FALSE when there is none.  The "selection-changed" signal says
 * when it changes, by the pointer or by these calls. */
gboolean lsc_overhead_chart_get_selection (LscOverheadChart *self, double *t0_ns, double *t1_ns);
/* Selects [t0_ns, t1_ns] (t1 > t0; clamped to the data). */
void lsc_overhead_chart_set_selection (LscOverheadChart *self, double t0_ns, double t1_ns);
void lsc_overhead_chart_clear_selection (LscOverheadChart *self);
/* The report's launches shown, or NULL (live mode, or none): for the selection's statistics. */
LscSeriesIndex *lsc_overhead_chart_get_index (LscOverheadChart *self);

/* Thin tracks under the plot: API calls per thread, kernels per stream (transfer full; NULL or
 * none: no tracks, and no room kept for them).  A launch links to its call and its kernel by
 * CUPTI's correlation id: hovering or clicking one highlights the others. */
void lsc_overhead_chart_set_tracks (LscOverheadChart *self, LscTracks *tracks);

/* Vertical markers (toggle events), copied; n 0 clears. */
void lsc_overhead_chart_set_markers (LscOverheadChart *self, const LscChartMarker *markers, gsize n);

/* The session's raw cuLaunchKernel p50, drawn as a horizontal line; NAN or <= 0 hides it.
 * Launches recorded on the raw path are drawn as points besides. */
void lsc_overhead_chart_set_raw_floor (LscOverheadChart *self, double p50_ns);
double lsc_overhead_chart_get_raw_floor (LscOverheadChart *self);

void lsc_overhead_chart_set_log_scale (LscOverheadChart *self, gboolean log_scale);
gboolean lsc_overhead_chart_get_log_scale (LscOverheadChart *self);

/* Hides or shows one path's series (the legend toggles these on click). */
void lsc_overhead_chart_set_path_visible (LscOverheadChart *self, LscChartPath path, gboolean visible);
gboolean lsc_overhead_chart_get_path_visible (LscOverheadChart *self, LscChartPath path);

/* Live data: appends one launch to the ring (O(1), no allocation after the first call),
 * switching the chart to live mode (dropping a report's series).  t_ns should not decrease.
 * Redraws are coalesced to one per frame through the frame clock.  Main thread only. */
void lsc_overhead_chart_append (LscOverheadChart *self, guint64 t_ns, guint32 value_ns, guint8 path);
/* As append, for column->count launches of path summarised as column (min, max, count, sum
 * exact), stamped t_ns: how a live session of a million launches a second fits the ring. */
void lsc_overhead_chart_append_column (LscOverheadChart *self, guint64 t_ns, const LscColumn *column, guint8 path);
/* Drops the series, the live ring and the markers. */
void lsc_overhead_chart_clear (LscOverheadChart *self);

/* The visible time range in ns since session start; FALSE when there is no data. */
gboolean lsc_overhead_chart_get_visible_range (LscOverheadChart *self, double *t0_ns, double *t1_ns);
/* Zooms to [t0_ns, t1_ns] (clamped to the data). */
void lsc_overhead_chart_set_visible_range (LscOverheadChart *self, double t0_ns, double t1_ns);
/* Shows all data again (and follows new live launches). */
void lsc_overhead_chart_reset_zoom (LscOverheadChart *self);
gboolean lsc_overhead_chart_get_zoomed (LscOverheadChart *self);

/* Renders the chart at width × height (<= 0: the current size, or 960 × 400 when it has none)
 * to a PNG file, without needing a window.  Returns FALSE with error set on failure. */
gboolean lsc_overhead_chart_save_png (LscOverheadChart *self, const char *filename, int width, int height,
                                      GError **error);

G_END_DECLS
