/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-summary-figures.h — the sums, differences and ratios the overview, specs and session
 * views show, computed from the reader's summary.
 *
 * Every integer in a summary comes from an untrusted file and may be INT64_MIN or INT64_MAX,
 * so sums and differences saturate (as the CLI's output does) instead of overflowing, and
 * REAL values that are infinite count as absent.  GLib only, no GTK: tested headlessly.
 */
#pragma once

#include <glib.h>

#include "lsc-report.h"

G_BEGIN_DECLS

typedef struct {
  gint64 kernels;    /* saturating sums over the sessions added */
  gint64 hits, misses;
  double compile_ms; /* sum of the finite compile times; 0 when none */
} LscSpecTotals;

typedef struct {
  gboolean has_duration;      /* stopped after it started */
  gint64 duration_ns;         /* stop - start, saturated */
  gboolean has_speedup;       /* launches on the fast and the baseline path, fast p50 > 0 */
  double speedup;             /* baseline p50 / fast p50 */
  gint64 saved_ns;            /* baseline p50 - fast p50, saturated */
  gint64 fallbacks;           /* saturating sum over the reasons */
  int top_reason;             /* reason with the most fallbacks, -1 when none */
  LscSpecTotals specs;        /* of this session */
} LscOverviewFigures;

/* stop - start, saturated at INT64_MIN / INT64_MAX; FALSE (and 0) when the session has no
 * stop time. */
gboolean lsc_session_duration_ns (const lsc_session_summary *session, gint64 *duration_ns);

/* Adds session's kernels and spec counters to totals (zero it first). */
void lsc_spec_totals_add_session (LscSpecTotals *totals, const lsc_session_summary *session);

/* A spec's Compile cell: its compile time, or, for a spec that was used (hits or misses) but
 * holds no positive compile time, "disk cache": the engine loads a cubin from its on-disk
 * cache without compiling and records no time for it.  "" for a spec never used.  compile_ms
 * is NAN when the file holds none.  *why (may be NULL) gets a sentence for a tooltip, or NULL. */
char *lsc_spec_compile_text (double compile_ms, double hits, double misses, char **why);

/* The Fallbacks card's detail: "All skip-switch (2,000)" when one reason holds every
 * fallback, "Mostly skip-switch (1,500)" when it holds the most, or the no-fallback sentence. */
char *lsc_fallbacks_detail (const lsc_session_summary *session, const LscOverviewFigures *figures);

/* Why a path's mean sits above its p99, for a note beside it: a few launches far slower than
 * the rest, on the fast path the ones that compiled a spec (misses).  NULL when the mean is not
 * above the p99 (or the path has no timed launches).  path_label names the path. */
char *lsc_mean_note (const lsc_path_summary *path, const char *path_label);

void lsc_overview_figures_compute (const lsc_session_summary *session, LscOverviewFigures *out);

G_END_DECLS
