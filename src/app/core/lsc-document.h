/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-document.h — one opened report and everything the views show of it.
 *
 * Loading runs on worker threads (GTask) in two phases.  Phase 1 — the hardened open with its
 * integrity check, the reader's summary, the spec and event lists — is what load_finish
 * waits for: the overview can be shown.  Phase 2 then starts by itself: one pass over the
 * launch table, on a connection of its own, builds the chart data (series, per-path min/max
 * index, distributions, stage summary, toggle markers) and the launch list's rowids, and
 * sets charts-ready (views showing charts wait for it).  Progress crosses to the main thread
 * Sysprof's way: the worker updates it under a mutex and schedules one coalesced idle that
 * emits notify::fraction and notify::message.  Everything but the progress getters is for
 * the main thread, and only after load_finish succeeded.
 *
 * The charts show the report's first session (reports from `launchscope-cli record` hold
 * one); the lists show every row.  GLib and SQLite only, no GTK: tested headlessly.
 */
#pragma once

#include <gio/gio.h>

#include "lsc-chart-data.h"
#include "lsc-report.h"
#include "lsc-report-rows.h"
#include "lsc-table-model.h"
#include "lsc-tracks.h"

G_BEGIN_DECLS

/* Error codes equal lsc_error_code (lsc-report.h): the reader's verdict on the file. */
#define LSC_DOCUMENT_ERROR (lsc_document_error_quark ())
GQuark lsc_document_error_quark (void);

/* The list models' columns are the reader's: lsc_launch_column, lsc_spec_column and
 * lsc_event_column (lsc-report-rows.h). */

/* A toggle event of the charted session: where the debug knob, alignment or skip switch
 * changed. */
typedef struct {
  guint64 t_ns; /* since the session start */
  char *text;   /* the event's text, "debug on at launch 5000" */
} LscMarker;

#define LSC_TYPE_DOCUMENT (lsc_document_get_type ())
G_DECLARE_FINAL_TYPE (LscDocument, lsc_document, LSC, DOCUMENT, GObject)

LscDocument *lsc_document_new (GFile *file);

GFile *lsc_document_get_file (LscDocument *self);
/* The local path (reports are SQLite files: a GFile without a path cannot be opened). */
const char *lsc_document_get_path (LscDocument *self);

/* Progress of the load, 0..1, and what it is doing; main thread. */
double lsc_document_get_fraction (LscDocument *self);
const char *lsc_document_get_message (LscDocument *self);

void lsc_document_load_async (LscDocument *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean lsc_document_load_finish (LscDocument *self, GAsyncResult *result, GError **error);

gboolean lsc_document_is_loaded (LscDocument *self);

/* Phase 2 finished: the chart getters and the launch list have their data (notify::charts-ready).
 * When phase 2 failed it stays FALSE and charts_error says why. */
gboolean lsc_document_get_charts_ready (LscDocument *self);
const char *lsc_document_get_charts_error (LscDocument *self);
/* Stops phase 2 (closing the report). */
void lsc_document_cancel (LscDocument *self);

/* Milliseconds the workers spent: open with integrity check, summary (phase 1), the chart pass
 * (phase 2; 0 until it finished).  For --measure-first-paint. */
void lsc_document_get_load_times (LscDocument *self, double *open_ms, double *summary_ms, double *series_ms);

lsc_report *lsc_document_get_report (LscDocument *self);
const lsc_report_summary *lsc_document_get_summary (LscDocument *self);
/* The charted session (the first), or NULL for a report without sessions. */
const lsc_session_summary *lsc_document_get_session (LscDocument *self);

/* The chart data, handed over once (transfer full: the chart widgets take ownership); NULL
 * after it was taken.  get_ variants peek without taking. */
LscSeriesIndex *lsc_document_take_series_index (LscDocument *self);
const LscSeriesIndex *lsc_document_get_series_index (LscDocument *self);
/* NULL when the path has no launches with a host time (or it was taken). */
LscDistribution *lsc_document_take_distribution (LscDocument *self, LscChartPath path);
const LscDistribution *lsc_document_get_distribution (LscDocument *self, LscChartPath path);
/* The baseline stage summary over all kernels; NULL when no launch has stage times. */
const LscStageSummary *lsc_document_get_stages (LscDocument *self);
const LscMarker *lsc_document_get_markers (LscDocument *self, guint *n_markers);
/* The charted session's API calls per thread and kernels per stream, handed over once
 * (transfer full); NULL when the report has neither (or they were taken). */
LscTracks *lsc_document_take_tracks (LscDocument *self);

/* The filter: which launches the summaries, charts and lists are about, the launches of one
 * process (session_id) and of one kernel (kernel_id), LSC_ROW_ANY for all.  A different one
 * starts phase 2 again for it (charts-ready goes FALSE, then TRUE with the chart getters' data
 * and lsc_document_get_filtered_session filtered), reloads the spec and event lists on a
 * worker thread, and emits filter-changed (the launch list's view reloads it with its own
 * filters).  The charted session is the chosen process, else the first.  After load_finish. */
void lsc_document_set_filter (LscDocument *self, gint64 session_id, gint64 kernel_id);
/* Fills filter's session_id and kernel_id; the rest LSC_ROW_ANY. */
void lsc_document_get_filter (LscDocument *self, lsc_row_filter *filter);
gboolean lsc_document_is_filtered (LscDocument *self);
/* The charted session's summary over the filtered launches: the phase-1 summary's without a
 * filter; with one, NULL until charts-ready. */
const lsc_session_summary *lsc_document_get_filtered_session (LscDocument *self);
/* Launch rows in the report (0 until the first charts-ready). */
gint64 lsc_document_get_n_launches (LscDocument *self);

LscTableModel *lsc_document_get_launches (LscDocument *self);
LscTableModel *lsc_document_get_specs (LscDocument *self);
LscTableModel *lsc_document_get_events (LscDocument *self);

/* Column definitions, shared with tests. */

G_END_DECLS
