/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-document.c — loading a report off the main loop and holding what the views show.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-document.h"
/* times from the file are any int64, and t - session start must not overflow */
#include "lsc-saturate.h"

/* Toggle markers beyond this many are not drawn (a hostile file could hold millions). */
#define MAX_MARKERS 10000

struct _LscDocument
{
  GObject parent_instance;

  GFile *file;
  char *path;

  /* progress, shared with the worker */
  GMutex progress_mutex;
  double fraction;
  char *message;
  guint progress_idle;
  /* main-thread copies the getters return */
  double shown_fraction;
  char *shown_message;

  gboolean loaded;
  double open_ms, summary_ms, series_ms;
  lsc_report *report;
  lsc_report_summary *summary;
  LscSeriesIndex *series_index;
  LscDistribution *distributions[LSC_CHART_N_PATHS];
  LscStageSummary *stages;
  GArray *markers;
  LscTracks *tracks;
  LscTableModel *launches, *specs, *events;
  GCancellable *charts_cancellable;
  gboolean charts_ready;
  char *charts_error;
  gboolean launch_ids_set; /* the launch list got its rows (the first chart pass) */
  gint64 n_launches;

  /* what the summaries and charts are about; filtered_summary is phase 2's for it */
  lsc_row_filter filter;
  lsc_report_summary *filtered_summary;
  GCancellable *lists_cancellable;
};

G_DEFINE_FINAL_TYPE (LscDocument, lsc_document, G_TYPE_OBJECT)

G_DEFINE_QUARK (lsc-document-error-quark, lsc_document_error)

enum {
  PROP_0,
  PROP_FILE,
  PROP_FRACTION,
  PROP_MESSAGE,
  PROP_LOADED,
  PROP_CHARTS_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum { FILTER_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- how the lists show each table's columns ------------------------------------------- */

static const LscCellKind launch_kinds[LSC_LAUNCH_N_COLS] = {
  [LSC_LAUNCH_COL_ID] = LSC_CELL_INT,
  [LSC_LAUNCH_COL_TIME] = LSC_CELL_OFFSET,
  [LSC_LAUNCH_COL_KERNEL] = LSC_CELL_KERNEL,
  [LSC_LAUNCH_COL_PATH] = LSC_CELL_PATH,
  [LSC_LAUNCH_COL_OUTCOME] = LSC_CELL_OUTCOME,
  [LSC_LAUNCH_COL_REASON] = LSC_CELL_REASON,
  [LSC_LAUNCH_COL_HOST_NS] = LSC_CELL_DURATION,
  [LSC_LAUNCH_COL_API_NS] = LSC_CELL_DURATION,
  [LSC_LAUNCH_COL_GPU_NS] = LSC_CELL_DURATION,
  [LSC_LAUNCH_COL_SPEC] = LSC_CELL_INT,
  [LSC_LAUNCH_COL_STATUS] = LSC_CELL_STATUS,
  [LSC_LAUNCH_COL_THREAD] = LSC_CELL_INT,
};

static const LscCellKind spec_kinds[LSC_SPEC_N_COLS] = {
  [LSC_SPEC_COL_ID] = LSC_CELL_INT,
  [LSC_SPEC_COL_KERNEL] = LSC_CELL_TEXT,
  [LSC_SPEC_COL_KEY] = LSC_CELL_HEX,
  [LSC_SPEC_COL_DESCRIPTION] = LSC_CELL_SPEC_DESCRIPTION,
  [LSC_SPEC_COL_ALIGNMENT] = LSC_CELL_TEXT,
  [LSC_SPEC_COL_INT_CLASSES] = LSC_CELL_TEXT,
  [LSC_SPEC_COL_DEBUG] = LSC_CELL_BOOL,
  [LSC_SPEC_COL_INSTRUMENTATION] = LSC_CELL_TEXT,
  [LSC_SPEC_COL_HOOK] = LSC_CELL_BOOL,
  [LSC_SPEC_COL_HITS] = LSC_CELL_COUNT,
  [LSC_SPEC_COL_MISSES] = LSC_CELL_COUNT,
  [LSC_SPEC_COL_COMPILE_MS] = LSC_CELL_MS,
  [LSC_SPEC_COL_FIRST] = LSC_CELL_OFFSET,
  [LSC_SPEC_COL_LAST] = LSC_CELL_OFFSET,
};

static const LscCellKind event_kinds[LSC_EVENT_N_COLS] = {
  [LSC_EVENT_COL_ID] = LSC_CELL_INT,
  [LSC_EVENT_COL_TIME] = LSC_CELL_OFFSET,
  [LSC_EVENT_COL_KIND] = LSC_CELL_TEXT,
  [LSC_EVENT_COL_KERNEL] = LSC_CELL_TEXT,
  [LSC_EVENT_COL_TEXT] = LSC_CELL_TEXT,
};

/* ---- progress --------------------------------------------------------------------------- */

static gboolean
progress_idle_cb (gpointer data)
{
  LscDocument *self = data;

  g_mutex_lock (&self->progress_mutex);
  self->progress_idle = 0;
  self->shown_fraction = self->fraction;
  g_free (self->shown_message);
  self->shown_message = g_strdup (self->message);
  g_mutex_unlock (&self->progress_mutex);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
  return G_SOURCE_REMOVE;
}

/* Any thread.  message NULL keeps the current one. */
static void
set_progress (LscDocument *self, double fraction, const char *message)
{
  g_mutex_lock (&self->progress_mutex);
  self->fraction = CLAMP (fraction, 0.0, 1.0);
  if (message)
    {
      g_free (self->message);
      self->message = g_strdup (message);
    }
  if (!self->progress_idle)
    self->progress_idle = g_idle_add_full (G_PRIORITY_LOW, progress_idle_cb, g_object_ref (self), g_object_unref);
  g_mutex_unlock (&self->progress_mutex);
}

/* ---- loading: phase 1, what the overview needs ------------------------------------------ */

typedef struct {
  lsc_report *report;
  lsc_report_summary *summary;
  GArray *spec_ids, *event_ids;
  double open_ms, summary_ms;
} LoadResult;

static void
load_result_free (LoadResult *r)
{
  lsc_report_free (r->report);
  lsc_report_summary_free (r->summary);
  g_clear_pointer (&r->spec_ids, g_array_unref);
  g_clear_pointer (&r->event_ids, g_array_unref);
  g_free (r);
}

static int
cancelled_handler (void *data)
{
  return g_cancellable_is_cancelled (G_CANCELLABLE (data));
}

static void
watch_cancellable (lsc_report *report, GCancellable *cancellable)
{
  if (cancellable)
    lsc_report_set_cancel (report, cancelled_handler, cancellable);
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LscDocument *self = source;
  LoadResult *r = g_new0 (LoadResult, 1);
  lsc_error err;
  (void) task_data;

  gint64 t0 = g_get_monotonic_time ();
  set_progress (self, 0.05, _("Checking the report"));
  r->report = lsc_report_open (self->path, LSC_REPORT_OPEN_DEFAULT, &err);
  if (!r->report)
    {
      g_task_return_new_error (task, LSC_DOCUMENT_ERROR, err.code, "%s", err.message);
      load_result_free (r);
      return;
    }
  r->open_ms = (double) (g_get_monotonic_time () - t0) / 1000.0;
  if (g_task_return_error_if_cancelled (task))
    {
      load_result_free (r);
      return;
    }

  set_progress (self, 0.45, _("Summarizing the launches"));
  gint64 t1 = g_get_monotonic_time ();
  watch_cancellable (r->report, cancellable);
  r->summary = lsc_report_summarize (r->report, &err);
  r->summary_ms = (double) (g_get_monotonic_time () - t1) / 1000.0;
  GError *error = NULL;
  if (r->summary)
    r->spec_ids = lsc_table_model_query_rowids (r->report, LSC_TABLE_SPEC, NULL, -1, FALSE, cancellable, &error);
  if (r->spec_ids)
    r->event_ids = lsc_table_model_query_rowids (r->report, LSC_TABLE_EVENT, NULL, -1, FALSE, cancellable, &error);
  lsc_report_set_cancel (r->report, NULL, NULL);

  if (g_cancellable_is_cancelled (cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  else if (!r->summary)
    g_task_return_new_error (task, LSC_DOCUMENT_ERROR, err.code, "%s", err.message);
  else if (error)
    g_task_return_new_error (task, LSC_DOCUMENT_ERROR, LSC_ERROR_SQLITE, "%s", error->message);
  else
    {
      set_progress (self, 1.0, _("Done"));
      g_task_return_pointer (task, g_steal_pointer (&r), (GDestroyNotify) load_result_free);
    }
  g_clear_error (&error);
  if (r)
    load_result_free (r);
}

/* ---- loading: phase 2, the chart data and the launch list ---------------------------------
 * One pass over the launch table on a connection of its own, after the overview is shown. */

typedef struct {
  LscSeriesIndex *series_index;
  LscDistribution *distributions[LSC_CHART_N_PATHS];
  LscStageSummary *stages;
  GArray *markers;
  LscTracks *tracks;
  GArray *launch_ids;
  lsc_report_summary *filtered_summary;
  double ms;
} ChartResult;

/* What a chart pass is asked for (the task data). */
typedef struct {
  char *path;
  lsc_row_filter filter;
  gboolean collect_ids; /* the launch list's rows, needed once */
} ChartRequest;

static void
chart_request_free (ChartRequest *request)
{
  g_free (request->path);
  g_free (request);
}

static void
marker_clear (gpointer data)
{
  LscMarker *m = data;
  g_free (m->text);
}

static void
stage_summary_free (LscStageSummary *stages)
{
  if (stages)
    {
      g_free (stages->label);
      g_free (stages);
    }
}

static void
chart_result_free (ChartResult *r)
{
  g_clear_pointer (&r->series_index, lsc_series_index_unref);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    g_clear_pointer (&r->distributions[p], lsc_distribution_free);
  stage_summary_free (r->stages);
  g_clear_pointer (&r->markers, g_array_unref);
  g_clear_pointer (&r->tracks, lsc_tracks_free);
  g_clear_pointer (&r->launch_ids, g_array_unref);
  lsc_report_summary_free (r->filtered_summary);
  g_free (r);
}

/* What one pass over the launches builds. */
typedef struct {
  gboolean have_session;
  gint64 kernel_id; /* LSC_ROW_ANY: every kernel */
  gint64 session_id, session_start;
  LscSeries *series;
  gsize cap;
  GArray *launch_ids;
  GArray *stage_rows;
} ChartScan;

static bool
chart_scan_launch (const lsc_launch_row *row, void *data)
{
  ChartScan *s = data;
  if (s->launch_ids)
    g_array_append_val (s->launch_ids, row->id);

  if (!s->have_session || !row->has_session || row->session_id != s->session_id)
    return TRUE;
  if (s->kernel_id != LSC_ROW_ANY && (!row->has_kernel || row->kernel_id != s->kernel_id))
    return TRUE;
  if (!row->has_host || row->status != 0 || !row->has_path)
    return TRUE; /* no host time, or a failed launch: not overhead */
  if (row->path < 0 || row->path >= LSC_CHART_N_PATHS)
    return TRUE;
  LscSeries *series = s->series;
  gsize n = series->n;
  if (n == s->cap)
    {
      LscSeries *bigger = lsc_series_new (s->cap * 2, TRUE);
      memcpy (bigger->t_ns, series->t_ns, n * sizeof *series->t_ns);
      memcpy (bigger->value_ns, series->value_ns, n * sizeof *series->value_ns);
      memcpy (bigger->path, series->path, n * sizeof *series->path);
      memcpy (bigger->outcome, series->outcome, n * sizeof *series->outcome);
      memcpy (bigger->reason, series->reason, n * sizeof *series->reason);
      memcpy (bigger->spec_id, series->spec_id, n * sizeof *series->spec_id);
      memcpy (bigger->kernel_id, series->kernel_id, n * sizeof *series->kernel_id);
      memcpy (bigger->correlation_id, series->correlation_id, n * sizeof *series->correlation_id);
      lsc_series_free (series);
      s->series = series = bigger;
      s->cap *= 2;
    }
  gint64 t = lsc__sub_sat (row->start_ns, s->session_start);
  series->t_ns[n] = t > 0 ? (guint64) t : 0;
  series->value_ns[n] = (guint32) CLAMP (row->host_ns, 0, (gint64) G_MAXUINT32);
  series->path[n] = (guint8) row->path;
  series->outcome[n] = (guint8) CLAMP (row->outcome, 0, 255);
  series->reason[n] = (guint8) CLAMP (row->reason, 0, 255);
  series->spec_id[n] = row->has_spec ? row->spec_id : -1;
  series->kernel_id[n] = row->has_kernel ? row->kernel_id : -1;
  series->correlation_id[n] = row->has_correlation && row->correlation_id >= 0 ? row->correlation_id : -1;
  series->n = n + 1;

  if (row->path == LSC_CHART_PATH_DEFAULT && row->has_stages)
    {
      guint32 stage[LSC_STAGE_COUNT];
      for (int k = 0; k < LSC_STAGE_COUNT; k++)
        stage[k] = (guint32) CLAMP (row->stage_ns[k], 0, (gint64) G_MAXUINT32);
      g_array_append_vals (s->stage_rows, stage, 1);
    }
  return TRUE;
}

typedef struct {
  gint64 session_start;
  GArray *markers;
} MarkerScan;

static bool
marker_scan_event (const lsc_event_row *row, void *data)
{
  MarkerScan *s = data;
  gint64 t = lsc__sub_sat (row->t_ns, s->session_start);
  LscMarker m = { t > 0 ? (guint64) t : 0, g_utf8_make_valid (row->text ? row->text : "", (gssize) row->text_len) };
  g_array_append_val (s->markers, m);
  return TRUE;
}

typedef struct {
  gint64 session_start;
  LscTrackKind kind;
  LscTracks *tracks;
} SpanScan;

static bool
span_scan (const lsc_span_row *row, void *data)
{
  SpanScan *s = data;
  gint64 t = lsc__sub_sat (row->start_ns, s->session_start);
  g_autofree char *name = row->name ? g_utf8_make_valid (row->name, (gssize) row->name_len) : NULL;
  lsc_tracks_add (s->tracks, s->kind, row->track, t > 0 ? (guint64) t : 0, (guint64) row->duration_ns,
                  row->has_correlation && row->correlation_id >= 0 ? row->correlation_id : -1, name);
  return TRUE;
}

/* The charted session's API calls per thread and kernels per stream; NULL with neither.  The
 * tracks add to the launch chart: a file whose calls or activity cannot be read shows the chart
 * without them rather than no chart. */
static LscTracks *
scan_tracks (lsc_report *report, gint64 session_id, gint64 session_start)
{
  LscTracks *tracks = lsc_tracks_new ();
  SpanScan scan = { session_start, LSC_TRACK_API, tracks };
  lsc_error err;
  if (lsc_report_scan_spans (report, session_id, LSC_SPAN_API, span_scan, &scan, &err) < 0)
    {
      g_debug ("no API tracks: %s", err.message);
      lsc_tracks_free (tracks);
      return NULL;
    }
  scan.kind = LSC_TRACK_KERNEL;
  if (lsc_report_scan_spans (report, session_id, LSC_SPAN_KERNEL, span_scan, &scan, &err) < 0)
    {
      g_debug ("no kernel tracks: %s", err.message);
      lsc_tracks_free (tracks);
      return NULL;
    }
  lsc_tracks_finish (tracks);
  if (lsc_tracks_get_n (tracks) == 0)
    g_clear_pointer (&tracks, lsc_tracks_free);
  return tracks;
}

static void
chart_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const ChartRequest *request = task_data;
  gint64 t0 = g_get_monotonic_time ();
  lsc_error err;
  (void) source;

  lsc_report *report = lsc_report_open (request->path, LSC_REPORT_OPEN_NO_QUICK_CHECK, &err);
  if (!report)
    {
      g_task_return_new_error (task, LSC_DOCUMENT_ERROR, err.code, "%s", err.message);
      return;
    }
  watch_cancellable (report, cancellable);

  ChartScan scan = { FALSE, request->filter.kernel_id, 0, 0, NULL, 0, NULL, NULL };
  gint64 total = lsc_report_count_rows (report, LSC_TABLE_LAUNCH, NULL);
  scan.have_session = lsc_report_first_session (report, &scan.session_id, &scan.session_start, NULL);
  /* the summary of the filtered launches, for the overview (the unfiltered one is phase 1's) */
  lsc_report_summary *filtered_summary = NULL;
  char *error = NULL;
  if (request->filter.session_id != LSC_ROW_ANY || request->filter.kernel_id != LSC_ROW_ANY)
    {
      filtered_summary = lsc_report_summarize_filtered (report, &request->filter, &err);
      if (!filtered_summary)
        error = g_strdup (err.message);
      /* a process chosen: its session is the one charted */
      for (size_t i = 0; filtered_summary && i < filtered_summary->n_sessions; i++)
        if (filtered_summary->sessions[i].id == request->filter.session_id)
          {
            scan.have_session = TRUE;
            scan.session_id = filtered_summary->sessions[i].id;
            scan.session_start = filtered_summary->sessions[i].start_ns;
          }
    }
  /* Capacity from the count; a file that lies about it only costs a regrow. */
  scan.cap = (gsize) CLAMP (total, 16, G_MAXUINT32);
  scan.series = lsc_series_new (scan.cap, TRUE);
  scan.series->n = 0;
  if (request->collect_ids)
    scan.launch_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) MIN (scan.cap, (gsize) G_MAXUINT32));
  scan.stage_rows = g_array_new (FALSE, FALSE, sizeof (guint32) * LSC_STAGE_COUNT);
  if (!error && lsc_report_scan_launches (report, chart_scan_launch, &scan, &err) < 0)
    error = g_strdup (err.message);
  LscSeries *series = scan.series;
  GArray *launch_ids = scan.launch_ids, *stage_rows = scan.stage_rows;

  /* toggle markers of the charted session */
  GArray *markers = g_array_new (FALSE, TRUE, sizeof (LscMarker));
  g_array_set_clear_func (markers, marker_clear);
  MarkerScan markers_scan = { scan.session_start, markers };
  if (scan.have_session && !error)
    lsc_report_scan_events (report, scan.session_id, "toggle", MAX_MARKERS, marker_scan_event, &markers_scan, NULL);
  LscTracks *tracks = NULL;
  if (scan.have_session && !error)
    tracks = scan_tracks (report, scan.session_id, scan.session_start);
  lsc_report_free (report);

  if (error || g_cancellable_is_cancelled (cancellable))
    {
      if (g_cancellable_is_cancelled (cancellable))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      else
        g_task_return_new_error (task, LSC_DOCUMENT_ERROR, LSC_ERROR_SQLITE, "%s", error);
      g_free (error);
      lsc_series_free (series);
      lsc_report_summary_free (filtered_summary);
      if (launch_ids)
        g_array_unref (launch_ids);
      g_array_unref (stage_rows);
      g_array_unref (markers);
      lsc_tracks_free (tracks);
      return;
    }

  ChartResult *r = g_new0 (ChartResult, 1);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      LscDistribution *d = lsc_distribution_new_from_series (series, (LscChartPath) p);
      if (lsc_distribution_get_n (d) > 0)
        r->distributions[p] = d;
      else
        lsc_distribution_free (d);
    }
  if (stage_rows->len > 0)
    {
      r->stages = g_new0 (LscStageSummary, 1);
      lsc_stage_summary_compute ((const guint32 *) (gpointer) stage_rows->data, stage_rows->len, r->stages);
    }
  g_array_unref (stage_rows);
  if (tracks)
    lsc_tracks_set_launches (tracks, series->correlation_id, series->n);
  r->series_index = lsc_series_index_new (series);
  r->markers = markers;
  r->tracks = tracks;
  r->launch_ids = launch_ids;
  r->filtered_summary = filtered_summary;
  r->ms = (double) (g_get_monotonic_time () - t0) / 1000.0;
  g_task_return_pointer (task, r, (GDestroyNotify) chart_result_free);
}

static void
charts_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  LscDocument *self = LSC_DOCUMENT (source);
  g_autoptr (GError) error = NULL;
  (void) data;

  ChartResult *r = g_task_propagate_pointer (G_TASK (result), &error);
  if (!r)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("%s", error->message);
      self->charts_error = g_strdup (error->message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHARTS_READY]);
      return;
    }
  self->series_index = g_steal_pointer (&r->series_index);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    self->distributions[p] = g_steal_pointer (&r->distributions[p]);
  self->stages = g_steal_pointer (&r->stages);
  self->markers = g_steal_pointer (&r->markers);
  g_clear_pointer (&self->tracks, lsc_tracks_free);
  self->tracks = g_steal_pointer (&r->tracks);
  if (!self->launch_ids_set)
    self->series_ms = r->ms;
  lsc_report_summary_free (self->filtered_summary);
  self->filtered_summary = g_steal_pointer (&r->filtered_summary);
  if (self->launches && r->launch_ids)
    {
      self->n_launches = r->launch_ids->len;
      lsc_table_model_set_rowids (self->launches, g_steal_pointer (&r->launch_ids));
      self->launch_ids_set = TRUE;
    }
  chart_result_free (r);
  self->charts_ready = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHARTS_READY]);
}

/* Starts phase 2 for the current filter, dropping chart data of an earlier one. */
static void
start_charts (LscDocument *self)
{
  if (self->charts_cancellable)
    g_cancellable_cancel (self->charts_cancellable);
  g_clear_object (&self->charts_cancellable);
  g_clear_pointer (&self->series_index, lsc_series_index_unref);
  g_clear_pointer (&self->tracks, lsc_tracks_free);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    g_clear_pointer (&self->distributions[p], lsc_distribution_free);
  g_clear_pointer (&self->stages, stage_summary_free);
  g_clear_pointer (&self->markers, g_array_unref);
  g_clear_pointer (&self->filtered_summary, lsc_report_summary_free);
  g_clear_pointer (&self->charts_error, g_free);
  gboolean was_ready = self->charts_ready;
  self->charts_ready = FALSE;

  self->charts_cancellable = g_cancellable_new ();
  ChartRequest *request = g_new0 (ChartRequest, 1);
  request->path = g_strdup (self->path);
  request->filter = self->filter;
  request->collect_ids = !self->launch_ids_set;
  GTask *task = g_task_new (self, self->charts_cancellable, charts_done_cb, NULL);
  g_task_set_source_tag (task, start_charts);
  g_task_set_task_data (task, request, (GDestroyNotify) chart_request_free);
  g_task_run_in_thread (task, chart_thread);
  g_object_unref (task);
  if (was_ready)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHARTS_READY]);
}

static void
list_reloaded_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  (void) data;
  if (!lsc_table_model_reload_finish (LSC_TABLE_MODEL (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("%s", error->message);
}

void
lsc_document_set_filter (LscDocument *self, gint64 session_id, gint64 kernel_id)
{
  g_return_if_fail (LSC_IS_DOCUMENT (self));
  g_return_if_fail (self->loaded);
  if (self->filter.session_id == session_id && self->filter.kernel_id == kernel_id)
    return;
  self->filter.session_id = session_id;
  self->filter.kernel_id = kernel_id;

  /* the spec and event lists are short: they follow here, the launch list in its view */
  if (self->lists_cancellable)
    g_cancellable_cancel (self->lists_cancellable);
  g_clear_object (&self->lists_cancellable);
  self->lists_cancellable = g_cancellable_new ();
  lsc_table_model_reload_async (self->specs, &self->filter, -1, FALSE, self->lists_cancellable, list_reloaded_cb, NULL);
  lsc_table_model_reload_async (self->events, &self->filter, -1, FALSE, self->lists_cancellable, list_reloaded_cb, NULL);

  start_charts (self);
  g_signal_emit (self, signals[FILTER_CHANGED], 0);
}

void
lsc_document_get_filter (LscDocument *self, lsc_row_filter *filter)
{
  g_return_if_fail (LSC_IS_DOCUMENT (self));
  *filter = self->filter;
}

gboolean
lsc_document_is_filtered (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), FALSE);
  return self->filter.session_id != LSC_ROW_ANY || self->filter.kernel_id != LSC_ROW_ANY;
}

const lsc_session_summary *
lsc_document_get_filtered_session (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  if (!lsc_document_is_filtered (self))
    return lsc_document_get_session (self);
  const lsc_report_summary *sum = self->filtered_summary;
  if (!sum || sum->n_sessions == 0)
    return NULL;
  for (size_t i = 0; i < sum->n_sessions; i++)
    if (sum->sessions[i].id == self->filter.session_id)
      return &sum->sessions[i];
  return &sum->sessions[0];
}

gint64
lsc_document_get_n_launches (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), 0);
  return self->n_launches;
}

void
lsc_document_load_async (LscDocument *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_return_if_fail (LSC_IS_DOCUMENT (self));

  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lsc_document_load_async);
  if (!self->path)
    {
      char *uri = g_file_get_uri (self->file);
      g_task_return_new_error (task, LSC_DOCUMENT_ERROR, LSC_ERROR_IO,
                               _("Cannot open %s: reports must be local files"), uri);
      g_free (uri);
    }
  else if (self->loaded)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS, _("The report is already loaded"));
  else
    g_task_run_in_thread (task, load_thread);
  g_object_unref (task);
}

gboolean
lsc_document_load_finish (LscDocument *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  LoadResult *r = g_task_propagate_pointer (G_TASK (result), error);
  if (!r)
    return FALSE;

  self->report = g_steal_pointer (&r->report);
  self->summary = g_steal_pointer (&r->summary);
  self->open_ms = r->open_ms;
  self->summary_ms = r->summary_ms;

  self->launches = lsc_table_model_new (self->report, LSC_TABLE_LAUNCH, launch_kinds);
  self->specs = lsc_table_model_new (self->report, LSC_TABLE_SPEC, spec_kinds);
  self->events = lsc_table_model_new (self->report, LSC_TABLE_EVENT, event_kinds);
  lsc_table_model_set_rowids (self->specs, g_steal_pointer (&r->spec_ids));
  lsc_table_model_set_rowids (self->events, g_steal_pointer (&r->event_ids));
  load_result_free (r);

  self->loaded = TRUE;
  /* the coalesced progress idle may not have run yet: show the end state now */
  self->shown_fraction = 1.0;
  g_free (self->shown_message);
  self->shown_message = g_strdup (_("Done"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);

  /* phase 2: the charts and the launch list, while the overview is on screen */
  start_charts (self);
  return TRUE;
}

void
lsc_document_cancel (LscDocument *self)
{
  g_return_if_fail (LSC_IS_DOCUMENT (self));
  if (self->charts_cancellable)
    g_cancellable_cancel (self->charts_cancellable);
  if (self->lists_cancellable)
    g_cancellable_cancel (self->lists_cancellable);
}

gboolean
lsc_document_get_charts_ready (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), FALSE);
  return self->charts_ready;
}

const char *
lsc_document_get_charts_error (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->charts_error;
}

/* ---- object ----------------------------------------------------------------------------- */

static void
lsc_document_dispose (GObject *object)
{
  LscDocument *self = LSC_DOCUMENT (object);

  /* The models borrow the connection: detach them before it closes (a view may keep one). */
  LscTableModel **models[] = { &self->launches, &self->specs, &self->events };
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    if (*models[i])
      {
        lsc_table_model_close (*models[i]);
        g_clear_object (models[i]);
      }

  G_OBJECT_CLASS (lsc_document_parent_class)->dispose (object);
}

static void
lsc_document_finalize (GObject *object)
{
  LscDocument *self = LSC_DOCUMENT (object);

  g_clear_pointer (&self->series_index, lsc_series_index_unref);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    g_clear_pointer (&self->distributions[p], lsc_distribution_free);
  stage_summary_free (self->stages);
  g_clear_pointer (&self->markers, g_array_unref);
  g_clear_pointer (&self->tracks, lsc_tracks_free);
  g_clear_object (&self->charts_cancellable);
  g_clear_object (&self->lists_cancellable);
  lsc_report_summary_free (self->filtered_summary);
  g_free (self->charts_error);
  lsc_report_summary_free (self->summary);
  lsc_report_free (self->report);
  g_mutex_clear (&self->progress_mutex);
  g_free (self->message);
  g_free (self->shown_message);
  g_free (self->path);
  g_clear_object (&self->file);

  G_OBJECT_CLASS (lsc_document_parent_class)->finalize (object);
}

static void
lsc_document_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscDocument *self = LSC_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->shown_fraction);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->shown_message);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_CHARTS_READY:
      g_value_set_boolean (value, self->charts_ready);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_document_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LscDocument *self = LSC_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      self->path = self->file ? g_file_get_path (self->file) : NULL;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_document_class_init (LscDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lsc_document_dispose;
  object_class->finalize = lsc_document_finalize;
  object_class->get_property = lsc_document_get_property;
  object_class->set_property = lsc_document_set_property;

  properties[PROP_FILE] = g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                                               G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHARTS_READY] = g_param_spec_boolean ("charts-ready", NULL, NULL, FALSE,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* lsc_document_set_filter changed what the summaries and lists are about. */
  signals[FILTER_CHANGED] = g_signal_new ("filter-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                          NULL, NULL, G_TYPE_NONE, 0);
}

static void
lsc_document_init (LscDocument *self)
{
  g_mutex_init (&self->progress_mutex);
  lsc_row_filter_init (&self->filter);
}

LscDocument *
lsc_document_new (GFile *file)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  return g_object_new (LSC_TYPE_DOCUMENT, "file", file, NULL);
}

GFile *
lsc_document_get_file (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->file;
}

const char *
lsc_document_get_path (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->path;
}

double
lsc_document_get_fraction (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), 0.0);
  return self->shown_fraction;
}

const char *
lsc_document_get_message (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->shown_message;
}

gboolean
lsc_document_is_loaded (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), FALSE);
  return self->loaded;
}

void
lsc_document_get_load_times (LscDocument *self, double *open_ms, double *summary_ms, double *series_ms)
{
  g_return_if_fail (LSC_IS_DOCUMENT (self));
  if (open_ms)
    *open_ms = self->open_ms;
  if (summary_ms)
    *summary_ms = self->summary_ms;
  if (series_ms)
    *series_ms = self->series_ms;
}

lsc_report *
lsc_document_get_report (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->report;
}

const lsc_report_summary *
lsc_document_get_summary (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->summary;
}

const lsc_session_summary *
lsc_document_get_session (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  if (!self->summary || self->summary->n_sessions == 0)
    return NULL;
  return &self->summary->sessions[0];
}

const LscSeriesIndex *
lsc_document_get_series_index (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->series_index;
}

LscSeriesIndex *
lsc_document_take_series_index (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return g_steal_pointer (&self->series_index);
}

LscDistribution *
lsc_document_take_distribution (LscDocument *self, LscChartPath path)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  if ((guint) path >= LSC_CHART_N_PATHS)
    return NULL;
  return g_steal_pointer (&self->distributions[path]);
}

const LscDistribution *
lsc_document_get_distribution (LscDocument *self, LscChartPath path)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  if ((guint) path >= LSC_CHART_N_PATHS)
    return NULL;
  return self->distributions[path];
}

const LscStageSummary *
lsc_document_get_stages (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->stages;
}

LscTracks *
lsc_document_take_tracks (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return g_steal_pointer (&self->tracks);
}

const LscMarker *
lsc_document_get_markers (LscDocument *self, guint *n_markers)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  if (n_markers)
    *n_markers = self->markers ? self->markers->len : 0;
  return self->markers ? (const LscMarker *) (gpointer) self->markers->data : NULL;
}

LscTableModel *
lsc_document_get_launches (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->launches;
}

LscTableModel *
lsc_document_get_specs (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->specs;
}

LscTableModel *
lsc_document_get_events (LscDocument *self)
{
  g_return_val_if_fail (LSC_IS_DOCUMENT (self), NULL);
  return self->events;
}
