/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-document.c — loading a report off the main loop and holding what the views show.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <sqlite3.h>

#include "lsc-document.h"
/* lsc__sub_sat: times from the file are any int64, and t - session start must not overflow */
#include "lsc-report-private.h"

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
  LscTableModel *launches, *specs, *events;
  GCancellable *charts_cancellable;
  gboolean charts_ready;
  char *charts_error;
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

/* ---- the tables the lists show ------------------------------------------------------------
 * Base tables only; every expression is a constant of this file. */

#define SESSION_START "(SELECT s.start_ns FROM main.session s WHERE s.id = session_id)"
#define KERNEL_NAME "(SELECT k.name FROM main.kernel k WHERE k.id = kernel_id)"
#define SPEC_SESSION_START                                                                   \
  "(SELECT s.start_ns FROM main.kernel k JOIN main.session s ON s.id = k.session_id WHERE " \
  "k.id = kernel_id)"

static const LscTableColumn launch_columns[LSC_LAUNCH_N_COLS] = {
  [LSC_LAUNCH_COL_ID] = { "id", "rowid", LSC_CELL_INT, NULL },
  [LSC_LAUNCH_COL_TIME] = { "time", "start_ns - " SESSION_START, LSC_CELL_OFFSET, "start_ns" },
  [LSC_LAUNCH_COL_KERNEL] = { "kernel", KERNEL_NAME, LSC_CELL_KERNEL, "kernel_id" },
  [LSC_LAUNCH_COL_PATH] = { "path", "path", LSC_CELL_PATH, NULL },
  [LSC_LAUNCH_COL_OUTCOME] = { "outcome", "outcome", LSC_CELL_OUTCOME, NULL },
  [LSC_LAUNCH_COL_REASON] = { "reason", "reason", LSC_CELL_REASON, NULL },
  [LSC_LAUNCH_COL_HOST_NS] = { "host_ns", "host_ns", LSC_CELL_DURATION, NULL },
  [LSC_LAUNCH_COL_API_NS] = { "api_ns", "api_ns", LSC_CELL_DURATION, NULL },
  [LSC_LAUNCH_COL_GPU_NS] = { "gpu_ns", "gpu_ns", LSC_CELL_DURATION, NULL },
  [LSC_LAUNCH_COL_SPEC] = { "spec", "spec_id", LSC_CELL_INT, NULL },
  /* + LSC_STATUS_CUDA (2^32) where the status is a CUresult */
  [LSC_LAUNCH_COL_STATUS] = { "status", "CASE WHEN path = 2 AND status != 0 THEN status + 4294967296 ELSE status END",
                              LSC_CELL_STATUS, "status" },
  [LSC_LAUNCH_COL_THREAD] = { "thread", "thread", LSC_CELL_INT, NULL },
};

static const LscTableColumn spec_columns[LSC_SPEC_N_COLS] = {
  [LSC_SPEC_COL_ID] = { "id", "rowid", LSC_CELL_INT, NULL },
  [LSC_SPEC_COL_KERNEL] = { "kernel", KERNEL_NAME, LSC_CELL_TEXT, NULL },
  [LSC_SPEC_COL_KEY] = { "key", "key", LSC_CELL_HEX, NULL },
  [LSC_SPEC_COL_DESCRIPTION] = { "description", "description", LSC_CELL_TEXT, NULL },
  [LSC_SPEC_COL_ALIGNMENT] = { "ptr_alignment", "ptr_alignment", LSC_CELL_TEXT, NULL },
  [LSC_SPEC_COL_INT_CLASSES] = { "int_classes", "int_classes", LSC_CELL_TEXT, NULL },
  [LSC_SPEC_COL_DEBUG] = { "debug", "debug", LSC_CELL_BOOL, NULL },
  [LSC_SPEC_COL_INSTRUMENTATION] = { "instrumentation", "instrumentation", LSC_CELL_TEXT, NULL },
  [LSC_SPEC_COL_HOOK] = { "compile_hook", "compile_hook", LSC_CELL_BOOL, NULL },
  [LSC_SPEC_COL_HITS] = { "hits", "hits", LSC_CELL_COUNT, NULL },
  [LSC_SPEC_COL_MISSES] = { "misses", "misses", LSC_CELL_COUNT, NULL },
  [LSC_SPEC_COL_COMPILE_MS] = { "compile_ms", "compile_ms", LSC_CELL_MS, NULL },
  [LSC_SPEC_COL_FIRST] = { "first", "first_ns - " SPEC_SESSION_START, LSC_CELL_OFFSET, NULL },
  [LSC_SPEC_COL_LAST] = { "last", "last_ns - " SPEC_SESSION_START, LSC_CELL_OFFSET, NULL },
};

static const LscTableColumn event_columns[LSC_EVENT_N_COLS] = {
  [LSC_EVENT_COL_ID] = { "id", "rowid", LSC_CELL_INT, NULL },
  [LSC_EVENT_COL_TIME] = { "time", "t_ns - " SESSION_START, LSC_CELL_OFFSET, "t_ns" },
  [LSC_EVENT_COL_KIND] = { "kind", "kind", LSC_CELL_TEXT, NULL },
  [LSC_EVENT_COL_KERNEL] = { "kernel", KERNEL_NAME, LSC_CELL_TEXT, NULL },
  [LSC_EVENT_COL_TEXT] = { "text", "text", LSC_CELL_TEXT, NULL },
};

const LscTableColumn *
lsc_document_launch_columns (void)
{
  return launch_columns;
}

const LscTableColumn *
lsc_document_spec_columns (void)
{
  return spec_columns;
}

const LscTableColumn *
lsc_document_event_columns (void)
{
  return event_columns;
}

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
  sqlite3 *db = lsc_report_db (r->report);
  if (cancellable)
    sqlite3_progress_handler (db, 100000, cancelled_handler, cancellable);
  r->summary = lsc_report_summarize (r->report, &err);
  r->summary_ms = (double) (g_get_monotonic_time () - t1) / 1000.0;
  GError *error = NULL;
  if (r->summary)
    r->spec_ids = lsc_table_model_query_rowids (db, "spec", NULL, NULL, FALSE, cancellable, &error);
  if (r->spec_ids)
    r->event_ids = lsc_table_model_query_rowids (db, "event", NULL, NULL, FALSE, cancellable, &error);
  if (cancellable)
    sqlite3_progress_handler (db, 0, NULL, NULL);

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
  GArray *launch_ids;
  double ms;
} ChartResult;

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
  g_clear_pointer (&r->series_index, lsc_series_index_free);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    g_clear_pointer (&r->distributions[p], lsc_distribution_free);
  stage_summary_free (r->stages);
  g_clear_pointer (&r->markers, g_array_unref);
  g_clear_pointer (&r->launch_ids, g_array_unref);
  g_free (r);
}

static void
chart_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LscDocument *self = source;
  const char *path = task_data;
  gint64 t0 = g_get_monotonic_time ();
  lsc_error err;

  lsc_report *report = lsc_report_open (path, LSC_REPORT_OPEN_NO_QUICK_CHECK, &err);
  if (!report)
    {
      g_task_return_new_error (task, LSC_DOCUMENT_ERROR, err.code, "%s", err.message);
      return;
    }
  (void) self;
  sqlite3 *db = lsc_report_db (report);
  if (cancellable)
    sqlite3_progress_handler (db, 100000, cancelled_handler, cancellable);
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);

  gint64 total = 0, session_id = 0, session_start = 0;
  gboolean have_session = FALSE;
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM main.launch", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    total = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (sqlite3_prepare_v2 (db, "SELECT id, start_ns FROM main.session ORDER BY id LIMIT 1", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    {
      have_session = TRUE;
      session_id = sqlite3_column_int64 (stmt, 0);
      session_start = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_finalize (stmt);

  /* Capacity from the count; a file that lies about it only costs a regrow. */
  gsize cap = (gsize) CLAMP (total, 16, G_MAXUINT32);
  LscSeries *series = lsc_series_new (cap, TRUE);
  gsize n = 0;
  GArray *launch_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) MIN (cap, (gsize) G_MAXUINT32));
  GArray *stage_rows = g_array_new (FALSE, FALSE, sizeof (guint32) * LSC_STAGE_COUNT);

  int rc = sqlite3_prepare_v2 (db,
                               "SELECT rowid, session_id, start_ns, host_ns, path, outcome, reason, status, spec_id, "
                               "resolve_ns, bind_ns, specialize_ns, key_ns, lookup_ns, globals_ns, metadata_ns, "
                               "launch_ns FROM main.launch ORDER BY rowid",
                               -1, &stmt, NULL);
  while (stmt && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rowid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (launch_ids, rowid);

      if (!have_session || sqlite3_column_type (stmt, 1) != SQLITE_INTEGER
          || sqlite3_column_int64 (stmt, 1) != session_id)
        continue;
      if (sqlite3_column_type (stmt, 3) != SQLITE_INTEGER || sqlite3_column_int64 (stmt, 7) != 0
          || sqlite3_column_type (stmt, 4) != SQLITE_INTEGER)
        continue; /* no host time, or a failed launch: not overhead */
      gint64 lpath = sqlite3_column_int64 (stmt, 4);
      if (lpath < 0 || lpath >= LSC_CHART_N_PATHS)
        continue;
      if (n == cap)
        {
          LscSeries *bigger = lsc_series_new (cap * 2, TRUE);
          memcpy (bigger->t_ns, series->t_ns, n * sizeof *series->t_ns);
          memcpy (bigger->value_ns, series->value_ns, n * sizeof *series->value_ns);
          memcpy (bigger->path, series->path, n * sizeof *series->path);
          memcpy (bigger->outcome, series->outcome, n * sizeof *series->outcome);
          memcpy (bigger->reason, series->reason, n * sizeof *series->reason);
          memcpy (bigger->spec_id, series->spec_id, n * sizeof *series->spec_id);
          lsc_series_free (series);
          series = bigger;
          cap *= 2;
        }
      gint64 t = lsc__sub_sat (sqlite3_column_int64 (stmt, 2), session_start);
      gint64 host = sqlite3_column_int64 (stmt, 3);
      gint64 outcome = sqlite3_column_int64 (stmt, 5), reason = sqlite3_column_int64 (stmt, 6);
      series->t_ns[n] = t > 0 ? (guint64) t : 0;
      series->value_ns[n] = (guint32) CLAMP (host, 0, (gint64) G_MAXUINT32);
      series->path[n] = (guint8) lpath;
      series->outcome[n] = (guint8) CLAMP (outcome, 0, 255);
      series->reason[n] = (guint8) CLAMP (reason, 0, 255);
      series->spec_id[n] = sqlite3_column_type (stmt, 8) == SQLITE_INTEGER ? sqlite3_column_int64 (stmt, 8) : -1;
      n++;

      if (lpath == LSC_CHART_PATH_DEFAULT && sqlite3_column_type (stmt, 9) == SQLITE_INTEGER)
        {
          guint32 stage[LSC_STAGE_COUNT];
          gboolean complete = TRUE;
          for (int k = 0; k < LSC_STAGE_COUNT && complete; k++)
            {
              complete = sqlite3_column_type (stmt, 9 + k) == SQLITE_INTEGER;
              stage[k] = (guint32) CLAMP (sqlite3_column_int64 (stmt, 9 + k), 0, (gint64) G_MAXUINT32);
            }
          if (complete)
            g_array_append_vals (stage_rows, stage, 1);
        }
    }
  series->n = n;
  char *error = NULL;
  if (rc != SQLITE_DONE)
    error = g_strdup_printf (_("Cannot read the launches of %s: %s"), path, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);

  /* toggle markers of the charted session */
  GArray *markers = g_array_new (FALSE, TRUE, sizeof (LscMarker));
  g_array_set_clear_func (markers, marker_clear);
  if (have_session && !error
      && sqlite3_prepare_v2 (db,
                             "SELECT t_ns, text FROM main.event WHERE kind = 'toggle' AND session_id = ?1 "
                             "ORDER BY t_ns, rowid LIMIT " G_STRINGIFY (MAX_MARKERS),
                             -1, &stmt, NULL)
             == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, session_id);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 t = lsc__sub_sat (sqlite3_column_int64 (stmt, 0), session_start);
          const unsigned char *text = sqlite3_column_text (stmt, 1);
          LscMarker m = { t > 0 ? (guint64) t : 0,
                          g_utf8_make_valid (text ? (const char *) text : "", sqlite3_column_bytes (stmt, 1)) };
          g_array_append_val (markers, m);
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  lsc_report_free (report);

  if (error || g_cancellable_is_cancelled (cancellable))
    {
      if (g_cancellable_is_cancelled (cancellable))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      else
        g_task_return_new_error (task, LSC_DOCUMENT_ERROR, LSC_ERROR_SQLITE, "%s", error);
      g_free (error);
      lsc_series_free (series);
      g_array_unref (launch_ids);
      g_array_unref (stage_rows);
      g_array_unref (markers);
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
  r->series_index = lsc_series_index_new (series);
  r->markers = markers;
  r->launch_ids = launch_ids;
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
  self->series_ms = r->ms;
  if (self->launches)
    lsc_table_model_set_rowids (self->launches, g_steal_pointer (&r->launch_ids));
  chart_result_free (r);
  self->charts_ready = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHARTS_READY]);
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

  sqlite3 *db = lsc_report_db (self->report);
  self->launches = lsc_table_model_new (db, self->path, "launch", launch_columns, LSC_LAUNCH_N_COLS);
  self->specs = lsc_table_model_new (db, self->path, "spec", spec_columns, LSC_SPEC_N_COLS);
  self->events = lsc_table_model_new (db, self->path, "event", event_columns, LSC_EVENT_N_COLS);
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
  self->charts_cancellable = g_cancellable_new ();
  GTask *task = g_task_new (self, self->charts_cancellable, charts_done_cb, NULL);
  g_task_set_source_tag (task, lsc_document_load_finish);
  g_task_set_task_data (task, g_strdup (self->path), g_free);
  g_task_run_in_thread (task, chart_thread);
  g_object_unref (task);
  return TRUE;
}

void
lsc_document_cancel (LscDocument *self)
{
  g_return_if_fail (LSC_IS_DOCUMENT (self));
  if (self->charts_cancellable)
    g_cancellable_cancel (self->charts_cancellable);
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

  g_clear_pointer (&self->series_index, lsc_series_index_free);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    g_clear_pointer (&self->distributions[p], lsc_distribution_free);
  stage_summary_free (self->stages);
  g_clear_pointer (&self->markers, g_array_unref);
  g_clear_object (&self->charts_cancellable);
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
}

static void
lsc_document_init (LscDocument *self)
{
  g_mutex_init (&self->progress_mutex);
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
