/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-comparison.h — two reports compared: the library's diff (lsc-report-diff.h) plus each
 * side's distribution per path, for the Compare view.
 *
 * run_async opens both reports (the hardened open, integrity check included, in two threads)
 * and runs lsc_report_diff_compute on a GTask thread; the per-path values it compares come
 * from the diff's own pass over the launches (on_value), so the distributions cost no second
 * read.  They are the values of the path rows: launches of every compared session with status
 * 0, host time (a raw launch recorded by injection: its API time).  Everything but run_async
 * is for the main thread, and the getters only after run_finish succeeded.  GLib only, no
 * GTK: tested headlessly.
 */
#pragma once

#include <gio/gio.h>

#include "lsc-chart-data.h"
#include "lsc-report-diff.h"

G_BEGIN_DECLS

typedef enum {
  LSC_COMPARISON_SIDE_A,
  LSC_COMPARISON_SIDE_B,
} LscComparisonSide;

typedef enum {
  LSC_COMPARISON_FORMAT_CSV,
  LSC_COMPARISON_FORMAT_JSON,
} LscComparisonFormat;

#define LSC_TYPE_COMPARISON (lsc_comparison_get_type ())
G_DECLARE_FINAL_TYPE (LscComparison, lsc_comparison, LSC, COMPARISON, GObject)

LscComparison *lsc_comparison_new (GFile *a, GFile *b);

GFile *lsc_comparison_get_file (LscComparison *self, LscComparisonSide side);

/* The metric compared: the library's default (p50) unless set before run_async. */
void lsc_comparison_set_metric (LscComparison *self, lsc_diff_metric metric);
lsc_diff_metric lsc_comparison_get_metric (LscComparison *self);

/* The noise floors of the verdicts, in ns and in per cent (both >= 0; the library's defaults
 * unless set).  Before run_async they are the run's; once it finished, the verdicts and the
 * warning that depends on them are decided again at once (lsc_report_diff_decide), without
 * reading the reports; while it runs, its result gets them when it is ready.  FALSE for a
 * bad floor, which changes nothing. */
gboolean lsc_comparison_set_noise (LscComparison *self, double noise_ns, double noise_pct);
void lsc_comparison_get_noise (LscComparison *self, double *noise_ns, double *noise_pct);

/* Errors are LSC_DOCUMENT_ERROR's (the reader's verdict on the file, whose message names it),
 * or G_IO_ERROR_CANCELLED. */
void lsc_comparison_run_async (LscComparison *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean lsc_comparison_run_finish (LscComparison *self, GAsyncResult *result, GError **error);

/* How far the run has read the launches, 0..1 (0 while the reports are being opened; in steps
 * of 65,536 launches): for a progress bar polled a few times a second, which costs far less
 * than a spinner's redraw every frame on a software renderer. */
double lsc_comparison_get_fraction (LscComparison *self);

/* run_finish succeeded. */
gboolean lsc_comparison_is_ready (LscComparison *self);

const lsc_report_diff *lsc_comparison_get_diff (LscComparison *self);
/* NULL when that side has no launches on the path. */
const LscDistribution *lsc_comparison_get_distribution (LscComparison *self, LscComparisonSide side,
                                                        LscChartPath path);

/* Milliseconds the worker spent opening both reports, and comparing them (the diff and the
 * distributions); the monotonic time (µs) at which both were open. */
void lsc_comparison_get_times (LscComparison *self, double *open_ms, double *compare_ms, gint64 *opened_at);

/* Writes the comparison with the library's CSV or JSON writer (its metric and the noise
 * floors last set).  FALSE with error set (naming
 * the file) when it cannot be written. */
gboolean lsc_comparison_export (LscComparison *self, LscComparisonFormat format, GFile *file, GError **error);

G_END_DECLS
