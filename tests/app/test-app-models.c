/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-app-models.c — the app's data layer without a display: loading a report off the main
 * loop (LscDocument), the lazy GListModel over SQLite rows (LscTableModel: row objects only
 * in get_item, SQL sorting and filtering, superseded reloads, closing), the chart data the
 * loader builds, refusals of bad files with the reader's message, and value formatting.
 *
 * argv[1] is a synthetic report from make-synthetic-report (20,000 launches), argv[2] one
 * with --extremes (INT64_MIN/MAX in every integer column, +-1e308 and infinity in every REAL
 * one) and argv[3] the fuzzers' hostile report seeds (tests/fuzz/corpus/fuzz-report): every
 * one that opens is read through everything the views show, which under the sanitizer build
 * (build-aux/test-variants asan-app) proves no value in a file overflows the app's arithmetic.
 */
#include <check.h>
#include <gio/gio.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-document.h"
#include "lsc-format.h"
#include "lsc-row.h"
#include "lsc-session-text.h"
#include "lsc-summary-figures.h"
#include "lsc-table-model.h"
#include "lsc-test-files.h"

static const char *report_path, *extreme_report_path, *hostile_dir;
static char tmp_dir[256];

static void
setup (void)
{
  ck_assert (lsc_test_dir_make (tmp_dir, sizeof tmp_dir, "lsc-app-models"));
}

static void
teardown (void)
{
  lsc_test_dir_remove (tmp_dir);
}

static gint64
query_int (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;
  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  ck_assert_int_eq (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return v;
}

static void
exec_sql (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);
}

/* ---- loading ---------------------------------------------------------------------------- */

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *error;
  guint progress_notifies;
} LoadState;

static void
loaded_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  LoadState *state = data;
  state->ok = lsc_document_load_finish (LSC_DOCUMENT (source), result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
progress_cb (GObject *object, GParamSpec *pspec, gpointer data)
{
  (void) object;
  (void) pspec;
  ((LoadState *) data)->progress_notifies++;
}

/* Loads path; returns the document (loaded or not) and fills *error on failure. */
static LscDocument *
load (const char *path, GError **error, guint *progress_notifies)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  LscDocument *doc = lsc_document_new (file);
  LoadState state = { .loop = g_main_loop_new (NULL, FALSE) };
  g_signal_connect (doc, "notify::fraction", G_CALLBACK (progress_cb), &state);
  lsc_document_load_async (doc, NULL, loaded_cb, &state);
  g_main_loop_run (state.loop);
  g_main_loop_unref (state.loop);
  g_signal_handlers_disconnect_by_func (doc, progress_cb, &state);
  if (progress_notifies)
    *progress_notifies = state.progress_notifies;
  if (!state.ok)
    g_propagate_error (error, state.error);
  return doc;
}

static void
charts_ready_cb (GObject *object, GParamSpec *pspec, gpointer data)
{
  (void) object;
  (void) pspec;
  g_main_loop_quit (data);
}

/* Phase 2 (chart data, launch list) runs by itself after phase 1: wait for it. */
static void
wait_charts (LscDocument *doc)
{
  if (lsc_document_get_charts_ready (doc))
    return;
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);
  gulong id = g_signal_connect (doc, "notify::charts-ready", G_CALLBACK (charts_ready_cb), loop);
  g_main_loop_run (loop);
  g_signal_handler_disconnect (doc, id);
  g_main_loop_unref (loop);
  ck_assert_msg (lsc_document_get_charts_ready (doc), "chart pass failed: %s", lsc_document_get_charts_error (doc));
}

static LscDocument *
load_ok (const char *path)
{
  GError *error = NULL;
  LscDocument *doc = load (path, &error, NULL);
  if (error)
    ck_abort_msg ("loading %s failed: %s", path, error->message);
  ck_assert (lsc_document_is_loaded (doc));
  wait_charts (doc);
  return doc;
}

START_TEST (test_document_load)
{
  guint notifies = 0;
  GError *error = NULL;
  g_autoptr (LscDocument) doc = load (report_path, &error, &notifies);
  ck_assert_ptr_null (error);
  ck_assert (lsc_document_is_loaded (doc));
  ck_assert_uint_gt (notifies, 0); /* progress reached the main thread */
  ck_assert (lsc_document_get_fraction (doc) == 1.0);

  const lsc_session_summary *s = lsc_document_get_session (doc);
  ck_assert_ptr_nonnull (s);
  gint64 launches = query_int (report_path, "SELECT count(*) FROM launch");
  ck_assert_int_eq (s->launches, launches);

  /* phase 1 is enough for the overview; the launch list and the charts come with phase 2 */
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (lsc_document_get_specs (doc))), 3);
  wait_charts (doc);
  ck_assert_int_eq (g_list_model_get_n_items (G_LIST_MODEL (lsc_document_get_launches (doc))), launches);

  /* the chart data: every status-0 launch with a host time, per path */
  const LscSeriesIndex *index = lsc_document_get_series_index (doc);
  ck_assert_ptr_nonnull (index);
  ck_assert_uint_eq (lsc_series_index_get_series (index)->n, (gsize) launches);
  const LscDistribution *fast = lsc_document_get_distribution (doc, LSC_CHART_PATH_FAST);
  ck_assert_ptr_nonnull (fast);
  ck_assert_uint_eq (lsc_distribution_get_n (fast), (gsize) s->paths[0].count);
  /* the app's percentiles over the chart data are the library's summary percentiles */
  for (guint p = LSC_CHART_PATH_FAST; p <= LSC_CHART_PATH_RAW; p++)
    {
      const LscDistribution *d = lsc_document_get_distribution (doc, p);
      if (s->paths[p].count == 0)
        continue;
      ck_assert_ptr_nonnull (d);
      ck_assert_uint_eq (lsc_distribution_get_n (d), (gsize) s->paths[p].count);
      ck_assert_uint_eq (lsc_distribution_percentile (d, 50), (guint32) s->paths[p].p50_ns);
      ck_assert_uint_eq (lsc_distribution_percentile (d, 90), (guint32) s->paths[p].p90_ns);
      ck_assert_uint_eq (lsc_distribution_percentile (d, 99), (guint32) s->paths[p].p99_ns);
      ck_assert_uint_eq (lsc_distribution_percentile (d, 0), (guint32) s->paths[p].min_ns);
      ck_assert_uint_eq (lsc_distribution_percentile (d, 100), (guint32) s->paths[p].max_ns);
    }
  ck_assert_ptr_null (lsc_document_get_distribution (doc, LSC_CHART_PATH_GRAPH));

  const LscStageSummary *stages = lsc_document_get_stages (doc);
  ck_assert_ptr_nonnull (stages);
  ck_assert_int_eq ((gint64) stages->n, query_int (report_path, "SELECT count(*) FROM launch WHERE resolve_ns IS NOT NULL"));

  guint n_markers = 0;
  const LscMarker *markers = lsc_document_get_markers (doc, &n_markers);
  ck_assert_int_eq (n_markers, query_int (report_path, "SELECT count(*) FROM event WHERE kind = 'toggle'"));
  for (guint i = 1; i < n_markers; i++)
    ck_assert (markers[i - 1].t_ns <= markers[i].t_ns);

  /* handing chart data to a widget takes it once */
  LscSeriesIndex *taken = lsc_document_take_series_index (doc);
  ck_assert_ptr_nonnull (taken);
  ck_assert_ptr_null (lsc_document_take_series_index (doc));
  lsc_series_index_unref (taken);
}
END_TEST

START_TEST (test_document_errors)
{
  /* missing file */
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.lsdb", NULL);
  GError *error = NULL;
  g_autoptr (LscDocument) d1 = load (missing, &error, NULL);
  ck_assert (g_error_matches (error, LSC_DOCUMENT_ERROR, LSC_ERROR_IO));
  ck_assert_ptr_nonnull (strstr (error->message, missing)); /* the message names the file */
  ck_assert (!lsc_document_is_loaded (d1));
  g_clear_error (&error);

  /* random bytes */
  g_autofree char *garbage = g_build_filename (tmp_dir, "garbage.lsdb", NULL);
  char bytes[8192];
  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (char) (i * 7919 % 251);
  ck_assert (g_file_set_contents (garbage, bytes, sizeof bytes, NULL));
  g_autoptr (LscDocument) d2 = load (garbage, &error, NULL);
  ck_assert (g_error_matches (error, LSC_DOCUMENT_ERROR, LSC_ERROR_NOT_SQLITE));
  ck_assert_ptr_nonnull (strstr (error->message, "garbage.lsdb"));
  g_clear_error (&error);

  /* an SQLite database that is not a report */
  g_autofree char *foreign = g_build_filename (tmp_dir, "foreign.lsdb", NULL);
  exec_sql (foreign, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  g_autoptr (LscDocument) d3 = load (foreign, &error, NULL);
  ck_assert (g_error_matches (error, LSC_DOCUMENT_ERROR, LSC_ERROR_FOREIGN));
  g_clear_error (&error);

  /* a report from a newer version */
  g_autofree char *newer = g_build_filename (tmp_dir, "newer.lsdb", NULL);
  g_autoptr (GFile) src = g_file_new_for_path (report_path);
  g_autoptr (GFile) dst = g_file_new_for_path (newer);
  ck_assert (g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL));
  exec_sql (newer, "PRAGMA user_version = 999;");
  g_autoptr (LscDocument) d4 = load (newer, &error, NULL);
  ck_assert (g_error_matches (error, LSC_DOCUMENT_ERROR, LSC_ERROR_NEWER));
  g_clear_error (&error);
}
END_TEST

/* A report of schema version 1 (before spec.waits) opens with its specs and launches. */
START_TEST (test_document_version1)
{
  g_autofree char *v1 = g_build_filename (tmp_dir, "version1.lsdb", NULL);
  g_autoptr (GFile) src = g_file_new_for_path (report_path);
  g_autoptr (GFile) dst = g_file_new_for_path (v1);
  ck_assert (g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL));
  exec_sql (v1, "ALTER TABLE spec DROP COLUMN waits; PRAGMA user_version = 1;");
  g_autoptr (LscDocument) doc = load_ok (v1);
  ck_assert_int_eq (lsc_document_get_summary (doc)->schema_version, 1);
  GListModel *specs = G_LIST_MODEL (lsc_document_get_specs (doc));
  ck_assert_int_eq (g_list_model_get_n_items (specs), query_int (v1, "SELECT count(*) FROM spec"));
  g_autoptr (LscRow) row = g_list_model_get_item (specs, 1);
  ck_assert (lsc_row_get_number (row, LSC_SPEC_COL_MISSES)
             == (double) query_int (v1, "SELECT misses FROM spec WHERE rowid = 2"));
  ck_assert_int_eq (g_list_model_get_n_items (G_LIST_MODEL (lsc_document_get_launches (doc))),
                    query_int (v1, "SELECT count(*) FROM launch"));
}
END_TEST

/* ---- the lazy model --------------------------------------------------------------------- */

static guint changes_removed, changes_added, changes_count;

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, gpointer data)
{
  (void) model;
  (void) data;
  ck_assert_uint_eq (position, 0);
  changes_removed = removed;
  changes_added = added;
  changes_count++;
}

START_TEST (test_model_lazy)
{
  g_autoptr (LscDocument) doc = load_ok (report_path);
  LscTableModel *launches = lsc_document_get_launches (doc);
  GListModel *model = G_LIST_MODEL (launches);
  guint n = g_list_model_get_n_items (model);
  ck_assert_int_eq (n, query_int (report_path, "SELECT count(*) FROM launch"));
  ck_assert (g_list_model_get_item_type (model) == LSC_TYPE_ROW);

  /* opening built no row objects */
  ck_assert_uint_eq (lsc_table_model_get_n_fetched (launches), 0);

  g_autoptr (LscRow) row = g_list_model_get_item (model, 5);
  ck_assert_ptr_nonnull (row);
  ck_assert_int_eq (lsc_row_get_rowid (row), 6);
  ck_assert_uint_eq (lsc_table_model_get_n_fetched (launches), 1);
  /* asked again: the cached object */
  g_autoptr (LscRow) again = g_list_model_get_item (model, 5);
  ck_assert_ptr_eq (row, again);
  ck_assert_uint_eq (lsc_table_model_get_n_fetched (launches), 1);

  /* cells: formatted text plus the number to sort by */
  gint64 host = query_int (report_path, "SELECT host_ns FROM launch WHERE rowid = 6");
  ck_assert (lsc_row_get_number (row, LSC_LAUNCH_COL_HOST_NS) == (double) host);
  g_autofree char *host_text = lsc_format_duration_ns ((double) host);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_LAUNCH_COL_HOST_NS), host_text);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_LAUNCH_COL_PATH), "fast");
  ck_assert_str_eq (lsc_row_get_text (row, LSC_LAUNCH_COL_OUTCOME), "hit");
  ck_assert_str_eq (lsc_row_get_text (row, LSC_LAUNCH_COL_KERNEL), "add3");
  ck_assert_str_eq (lsc_row_get_text (row, LSC_LAUNCH_COL_STATUS), "ok");
  ck_assert_str_eq (lsc_row_get_text (row, LSC_LAUNCH_COL_GPU_NS), ""); /* NULL: empty */
  ck_assert (isnan (lsc_row_get_number (row, LSC_LAUNCH_COL_GPU_NS)));

  /* the ends, and past the end */
  g_autoptr (LscRow) last = g_list_model_get_item (model, n - 1);
  ck_assert_int_eq (lsc_row_get_rowid (last), query_int (report_path, "SELECT max(rowid) FROM launch"));
  ck_assert_ptr_null (g_list_model_get_item (model, n));

  /* scrolling through a window of rows builds exactly those */
  guint before = lsc_table_model_get_n_fetched (launches);
  for (guint i = 10000; i < 10060; i++)
    g_object_unref (g_list_model_get_item (model, i));
  ck_assert_uint_eq (lsc_table_model_get_n_fetched (launches), before + 60);
}
END_TEST

START_TEST (test_model_sort_filter)
{
  g_autoptr (LscDocument) doc = load_ok (report_path);
  LscTableModel *launches = lsc_document_get_launches (doc);
  GListModel *model = G_LIST_MODEL (launches);
  guint n = g_list_model_get_n_items (model);
  changes_count = 0;
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), NULL);

  /* descending host time: in SQL, one items-changed */
  GError *error = NULL;
  ck_assert (lsc_table_model_reload (launches, NULL, LSC_LAUNCH_COL_HOST_NS, TRUE, &error));
  ck_assert_uint_eq (changes_count, 1);
  ck_assert_uint_eq (changes_removed, n);
  ck_assert_uint_eq (changes_added, n);
  g_autoptr (LscRow) first = g_list_model_get_item (model, 0);
  ck_assert (lsc_row_get_number (first, LSC_LAUNCH_COL_HOST_NS)
             == (double) query_int (report_path, "SELECT max(host_ns) FROM launch"));
  double prev = INFINITY;
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (LscRow) r = g_list_model_get_item (model, i);
      double v = lsc_row_get_number (r, LSC_LAUNCH_COL_HOST_NS);
      ck_assert (v <= prev);
      prev = v;
    }
  /* sorting did not build the rows it reordered */
  ck_assert_uint_lt (lsc_table_model_get_n_fetched (launches), 300);

  /* ascending by a text column (kernel) then rowid: ties keep recording order */
  ck_assert (lsc_table_model_reload (launches, NULL, LSC_LAUNCH_COL_KERNEL, FALSE, &error));
  ck_assert_int_eq (lsc_table_model_get_rowid (launches, 0), 1);

  /* a filter: baseline-path launches only */
  lsc_row_filter baseline;
  lsc_row_filter_init (&baseline);
  baseline.path = 1;
  ck_assert (lsc_table_model_reload (launches, &baseline, -1, FALSE, &error));
  ck_assert_int_eq (g_list_model_get_n_items (model), query_int (report_path, "SELECT count(*) FROM launch WHERE path = 1"));
  g_autoptr (LscRow) base = g_list_model_get_item (model, 0);
  ck_assert_str_eq (lsc_row_get_text (base, LSC_LAUNCH_COL_PATH), "baseline");
  ck_assert_int_eq (lsc_table_model_find_rowid (launches, lsc_row_get_rowid (base)), 0);

  /* a column that does not exist is an error, not a crash, and keeps the rows */
  guint shown = g_list_model_get_n_items (model);
  ck_assert (!lsc_table_model_reload (launches, NULL, LSC_LAUNCH_N_COLS, FALSE, &error));
  ck_assert_ptr_nonnull (error);
  g_clear_error (&error);
  ck_assert_uint_eq (g_list_model_get_n_items (model), shown);

  /* closing the report empties the model, which stays usable */
  lsc_table_model_close (launches);
  ck_assert_uint_eq (g_list_model_get_n_items (model), 0);
  ck_assert_ptr_null (g_list_model_get_item (model, 0));
  ck_assert (!lsc_table_model_reload (launches, NULL, -1, FALSE, &error));
  g_clear_error (&error);
}
END_TEST

typedef struct {
  GMainLoop *loop;
  int done;
  gboolean ok[2];
  GError *errors[2];
  LscTableModel *model;
} AsyncState;

static void
reload_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncState *state = data;
  int i = state->done++;
  state->ok[i] = lsc_table_model_reload_finish (LSC_TABLE_MODEL (source), result, &state->errors[i]);
  if (state->done == 2)
    g_main_loop_quit (state->loop);
}

START_TEST (test_model_reload_async)
{
  g_autoptr (LscDocument) doc = load_ok (report_path);
  LscTableModel *launches = lsc_document_get_launches (doc);
  AsyncState state = { .loop = g_main_loop_new (NULL, FALSE) };

  /* two requests in a row: the newer one's order wins, the older one reports itself superseded */
  lsc_table_model_reload_async (launches, NULL, LSC_LAUNCH_COL_HOST_NS, FALSE, NULL, reload_cb, &state);
  lsc_row_filter misses;
  lsc_row_filter_init (&misses);
  misses.outcome = 1;
  lsc_table_model_reload_async (launches, &misses, -1, FALSE, NULL, reload_cb, &state);
  g_main_loop_run (state.loop);
  g_main_loop_unref (state.loop);

  int oks = state.ok[0] + state.ok[1];
  ck_assert_int_eq (oks, 1);
  for (int i = 0; i < 2; i++)
    if (!state.ok[i])
      {
        ck_assert (g_error_matches (state.errors[i], G_IO_ERROR, G_IO_ERROR_CANCELLED));
        g_clear_error (&state.errors[i]);
      }
  ck_assert_int_eq (g_list_model_get_n_items (G_LIST_MODEL (launches)), query_int (report_path, "SELECT count(*) FROM launch WHERE outcome = 1"));
}
END_TEST

START_TEST (test_model_hostile_values)
{
  /* a TEXT where an integer belongs, and invalid UTF-8 in a text column */
  g_autofree char *copy = g_build_filename (tmp_dir, "hostile.lsdb", NULL);
  g_autoptr (GFile) src = g_file_new_for_path (report_path);
  g_autoptr (GFile) dst = g_file_new_for_path (copy);
  ck_assert (g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL));
  exec_sql (copy, "UPDATE launch SET host_ns = 'abc' WHERE rowid = 3;"
                  "UPDATE event SET text = CAST(x'666fff6f' AS TEXT) WHERE rowid = 1;");

  g_autoptr (LscDocument) doc = load_ok (copy);
  GListModel *launches = G_LIST_MODEL (lsc_document_get_launches (doc));
  g_autoptr (LscRow) row = g_list_model_get_item (launches, 2);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_LAUNCH_COL_HOST_NS), "abc");
  ck_assert (isnan (lsc_row_get_number (row, LSC_LAUNCH_COL_HOST_NS)));
  /* the chart series left that launch out */
  const lsc_session_summary *s = lsc_document_get_session (doc);
  ck_assert_uint_eq (lsc_series_index_get_series (lsc_document_get_series_index (doc))->n, (gsize) s->launches - 1);

  GListModel *events = G_LIST_MODEL (lsc_document_get_events (doc));
  g_autoptr (LscRow) ev = g_list_model_get_item (events, 0);
  ck_assert (g_utf8_validate (lsc_row_get_text (ev, LSC_EVENT_COL_TEXT), -1, NULL));
}
END_TEST

/* A kernel of a recorded program comes with its mangled C++ name: the Launches view shows
 * what a C++ programmer reads. */
START_TEST (test_launches_kernel_demangled)
{
  g_autofree char *copy = g_build_filename (tmp_dir, "mangled.lsdb", NULL);
  g_autoptr (GFile) src = g_file_new_for_path (report_path);
  g_autoptr (GFile) dst = g_file_new_for_path (copy);
  ck_assert (g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL));
  exec_sql (copy, "UPDATE kernel SET name = '_Z3addPfS_i' WHERE id = (SELECT kernel_id FROM launch WHERE rowid = 1);");
  g_autoptr (LscDocument) doc = load_ok (copy);
  g_autoptr (LscRow) row = g_list_model_get_item (G_LIST_MODEL (lsc_document_get_launches (doc)), 0);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_LAUNCH_COL_KERNEL), "add(float*, float*, int)");
}
END_TEST

/* A raw launch recorded before raw launches had kernel rows names its kernel by what CUPTI's
 * activity record called it. */
START_TEST (test_raw_launch_named_by_cupti)
{
  g_autofree char *copy = g_build_filename (tmp_dir, "raw-unnamed.lsdb", NULL);
  g_autoptr (GFile) src = g_file_new_for_path (report_path);
  g_autoptr (GFile) dst = g_file_new_for_path (copy);
  ck_assert (g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL));
  exec_sql (copy, "UPDATE launch SET kernel_id = NULL, path = 2, correlation_id = 900001 WHERE rowid = 1;"
                  "UPDATE launch SET kernel_id = NULL, path = 2, correlation_id = NULL WHERE rowid = 2;"
                  "INSERT INTO gpu_activity (correlation_id, session_id, start_ns, end_ns, name) "
                  "SELECT 900001, session_id, start_ns, start_ns + 1000, 'add_kernel' FROM launch WHERE rowid = 1;");
  g_autoptr (LscDocument) doc = load_ok (copy);
  GListModel *launches = G_LIST_MODEL (lsc_document_get_launches (doc));
  g_autoptr (LscRow) named = g_list_model_get_item (launches, 0);
  ck_assert_str_eq (lsc_row_get_text (named, LSC_LAUNCH_COL_KERNEL), "add_kernel");
  g_autoptr (LscRow) unnamed = g_list_model_get_item (launches, 1);
  ck_assert_str_eq (lsc_row_get_text (unnamed, LSC_LAUNCH_COL_KERNEL), "");
}
END_TEST

/* ---- tracks: API calls per thread, kernels per stream ------------------------------------- */

START_TEST (test_tracks_order_and_joins)
{
  g_autoptr (LscTracks) tracks = lsc_tracks_new ();
  lsc_tracks_add (tracks, LSC_TRACK_KERNEL, 7, 500, 40, 11, "add_kernel");
  lsc_tracks_add (tracks, LSC_TRACK_API, 30, 300, 10, 12, NULL);
  lsc_tracks_add (tracks, LSC_TRACK_API, 20, 200, 5, 11, NULL);
  lsc_tracks_add (tracks, LSC_TRACK_API, 20, 100, 50, -1, "cuStreamSynchronize");
  lsc_tracks_add (tracks, LSC_TRACK_KERNEL, 7, 400, 10, 12, "add_kernel");
  lsc_tracks_finish (tracks);

  /* API tracks first, each kind by id, spans by start */
  ck_assert_uint_eq (lsc_tracks_get_n (tracks), 3);
  const LscTrack *t0 = lsc_tracks_get (tracks, 0), *t1 = lsc_tracks_get (tracks, 1), *t2 = lsc_tracks_get (tracks, 2);
  ck_assert (t0->kind == LSC_TRACK_API && t0->id == 20 && t0->n_spans == 2);
  ck_assert (t1->kind == LSC_TRACK_API && t1->id == 30 && t1->n_spans == 1);
  ck_assert (t2->kind == LSC_TRACK_KERNEL && t2->id == 7 && t2->n_spans == 2);
  ck_assert_uint_eq (t0->spans[0].t0_ns, 100);
  ck_assert_uint_eq (t0->spans[0].t1_ns, 150);
  ck_assert_str_eq (t0->spans[0].name, "cuStreamSynchronize");
  ck_assert_ptr_null (t0->spans[1].name);
  ck_assert_uint_eq (t0->max_length_ns, 50);
  ck_assert_uint_eq (t2->spans[0].t0_ns, 400);
  ck_assert_uint_eq (lsc_track_lower_bound (t2, 401), 1);
  ck_assert_uint_eq (lsc_track_lower_bound (t2, 1e9), 2);
  g_autofree char *label = lsc_track_label (t2);
  ck_assert_str_eq (label, "Stream 7");

  /* correlation 11: the call on thread 20 and the kernel at 500 */
  guint track;
  gsize span;
  ck_assert (lsc_tracks_find (tracks, LSC_TRACK_API, 11, &track, &span));
  ck_assert (track == 0 && span == 1);
  ck_assert (lsc_tracks_find (tracks, LSC_TRACK_KERNEL, 11, &track, &span));
  ck_assert (track == 2 && span == 1);
  ck_assert (lsc_tracks_find (tracks, LSC_TRACK_KERNEL, 12, &track, &span));
  ck_assert (track == 2 && span == 0);
  ck_assert (!lsc_tracks_find (tracks, LSC_TRACK_API, 13, &track, &span));
  ck_assert (!lsc_tracks_find (tracks, LSC_TRACK_API, -1, &track, &span));

  /* and back from a span to its launch */
  gint64 launches[] = { 12, -1, 11 };
  lsc_tracks_set_launches (tracks, launches, G_N_ELEMENTS (launches));
  gsize launch;
  ck_assert (lsc_tracks_find_launch (tracks, 11, &launch));
  ck_assert_uint_eq (launch, 2);
  ck_assert (lsc_tracks_find_launch (tracks, 12, &launch));
  ck_assert_uint_eq (launch, 0);
  ck_assert (!lsc_tracks_find_launch (tracks, -1, &launch));
  ck_assert (!lsc_tracks_find_launch (tracks, 99, &launch));
}
END_TEST

START_TEST (test_document_tracks)
{
  /* the synthetic report: every launch's call timed by CUPTI, on one thread; no kernel activity */
  g_autoptr (LscDocument) doc = load_ok (report_path);
  g_autoptr (LscTracks) tracks = lsc_document_take_tracks (doc);
  ck_assert_ptr_nonnull (tracks);
  ck_assert_ptr_null (lsc_document_take_tracks (doc));
  gsize spans = 0;
  for (guint i = 0; i < lsc_tracks_get_n (tracks); i++)
    {
      const LscTrack *track = lsc_tracks_get (tracks, i);
      ck_assert (track->kind == LSC_TRACK_API);
      ck_assert_int_eq (track->id, query_int (report_path, "SELECT min(thread) FROM launch"));
      spans += track->n_spans;
      for (gsize k = 1; k < track->n_spans; k++)
        ck_assert_uint_le (track->spans[k - 1].t0_ns, track->spans[k].t0_ns);
    }
  ck_assert_int_eq ((gint64) spans, query_int (report_path, "SELECT count(*) FROM launch WHERE api_start_ns IS NOT NULL "
                                                            "AND api_ns >= 0"));
  /* a launch finds its call, and the call its launch */
  const LscSeries *series = lsc_series_index_get_series (lsc_document_get_series_index (doc));
  gsize i = series->n / 2, launch;
  guint track;
  gsize span;
  ck_assert (lsc_tracks_find (tracks, LSC_TRACK_API, series->correlation_id[i], &track, &span));
  ck_assert (lsc_tracks_find_launch (tracks, lsc_tracks_get (tracks, track)->spans[span].correlation_id, &launch));
  ck_assert_uint_eq (launch, i);

  /* with kernel activity and a runtime call, their tracks come too, in the session's time */
  g_autofree char *copy = g_build_filename (tmp_dir, "tracks.lsdb", NULL);
  g_autoptr (GFile) src = g_file_new_for_path (report_path);
  g_autoptr (GFile) dst = g_file_new_for_path (copy);
  ck_assert (g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL));
  exec_sql (copy, "INSERT INTO gpu_activity (correlation_id, session_id, start_ns, end_ns, stream_id, name) "
                  "SELECT correlation_id, session_id, start_ns + 9000, start_ns + 11000, 7, 'add3' FROM launch "
                  "WHERE rowid <= 3;"
                  "INSERT INTO gpu_activity (correlation_id, session_id, start_ns, end_ns, stream_id, name) "
                  "VALUES (99999999, 1, 10, 5, 7, 'ends before it starts');"
                  "INSERT INTO api_call (session_id, thread, kind, name, correlation_id, start_ns, api_ns, status) "
                  "SELECT 1, 77, 2, 'cuStreamSynchronize', NULL, start_ns + 500, 3000, 0 FROM launch WHERE rowid = 2;");
  g_autoptr (LscDocument) with_gpu = load_ok (copy);
  g_autoptr (LscTracks) gpu_tracks = lsc_document_take_tracks (with_gpu);
  guint n = lsc_tracks_get_n (gpu_tracks);
  const LscTrack *stream = lsc_tracks_get (gpu_tracks, n - 1);
  ck_assert (stream->kind == LSC_TRACK_KERNEL && stream->id == 7);
  ck_assert_uint_eq (stream->n_spans, 3); /* the span that ends before it starts is left out */
  ck_assert_uint_eq (stream->spans[0].t1_ns - stream->spans[0].t0_ns, 2000);
  ck_assert_int_eq ((gint64) stream->spans[0].t0_ns,
                    query_int (copy, "SELECT start_ns + 9000 - (SELECT start_ns FROM session) FROM launch WHERE rowid = 1"));
  ck_assert_str_eq (stream->spans[0].name, "add3");
  /* the synchronisation call on a thread of its own: API tracks by thread id, 77 first */
  ck_assert_uint_eq (n, 3);
  const LscTrack *sync = lsc_tracks_get (gpu_tracks, 0);
  ck_assert (sync->kind == LSC_TRACK_API && sync->id == 77 && sync->n_spans == 1);
  ck_assert_str_eq (sync->spans[0].name, "cuStreamSynchronize");
  ck_assert_uint_eq (sync->spans[0].t1_ns - sync->spans[0].t0_ns, 3000);
  ck_assert_int_eq (sync->spans[0].correlation_id, -1);

  /* without CUPTI times or activity: no tracks at all */
  exec_sql (copy, "UPDATE launch SET api_start_ns = NULL; DELETE FROM gpu_activity; DELETE FROM api_call;");
  g_autoptr (LscDocument) without = load_ok (copy);
  ck_assert_ptr_null (lsc_document_take_tracks (without));
}
END_TEST

START_TEST (test_specs_model)
{
  g_autoptr (LscDocument) doc = load_ok (report_path);
  GListModel *specs = G_LIST_MODEL (lsc_document_get_specs (doc));
  ck_assert_int_eq (g_list_model_get_n_items (specs), query_int (report_path, "SELECT count(*) FROM spec"));
  g_autoptr (LscRow) row = g_list_model_get_item (specs, 1);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_SPEC_COL_DEBUG), "on");
  ck_assert_str_eq (lsc_row_get_text (row, LSC_SPEC_COL_ALIGNMENT), "AAA");
  ck_assert_str_eq (lsc_row_get_text (row, LSC_SPEC_COL_KEY), "0x0000000000010017");
  ck_assert_str_eq (lsc_row_get_text (row, LSC_SPEC_COL_COMPILE_MS), "1.09 s");
  ck_assert (lsc_row_get_number (row, LSC_SPEC_COL_HITS) == (double) query_int (report_path, "SELECT hits FROM spec WHERE rowid = 2"));
  /* first use is measured from the session start */
  ck_assert (lsc_row_get_number (row, LSC_SPEC_COL_FIRST)
             == (double) query_int (report_path, "SELECT first_ns - (SELECT start_ns FROM session) FROM spec WHERE rowid = 2"));
}
END_TEST

/* The unit is chosen after rounding to three digits: no "1000 ns", "1000 µs" or "100.0 µs". */
START_TEST (test_format_duration_boundaries)
{
  struct {
    double ns;
    const char *text;
  } cases[] = {
    { 0.4, "0 ns" },           { -0.4, "0 ns" },           { 99.5, "100 ns" },         { 999.4, "999 ns" },
    { 999.5, "1.00 µs" },      { 999.7, "1.00 µs" },       { 1000, "1.00 µs" },        { -999.7, "-1.00 µs" },
    { 1004.9, "1.00 µs" },     { 1005, "1.01 µs" },        { 9994.9, "9.99 µs" },      { 9995, "10.0 µs" },
    { 99949, "99.9 µs" },      { 99950, "100 µs" },        { 999499, "999 µs" },       { 999500, "1.00 ms" },
    { 999999, "1.00 ms" },     { 1e6, "1.00 ms" },         { 999.4e6, "999 ms" },      { 999.5e6, "1.00 s" },
    { 999999999, "1.00 s" },   { 12.345e9, "12.3 s" },     { 999.4e9, "999 s" },       { 999.5e9, "1000 s" },
    { 1234.4e9, "1234 s" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = lsc_format_duration_ns (cases[i].ns);
      ck_assert_msg (strcmp (text, cases[i].text) == 0, "%.17g ns: \"%s\", expected \"%s\"", cases[i].ns, text,
                     cases[i].text);
    }
  /* axis labels share the unit rule */
  double divisor = 0;
  ck_assert_str_eq (lsc_format_duration_unit (999.4, &divisor), "ns");
  ck_assert (divisor == 1);
  ck_assert_str_eq (lsc_format_duration_unit (999.7, &divisor), "µs");
  ck_assert (divisor == 1e3);
  ck_assert_str_eq (lsc_format_duration_unit (-999999, &divisor), "ms");
  ck_assert (divisor == 1e6);
}
END_TEST

START_TEST (test_spec_description)
{
  /* two keys that differ only in their debug field both show it once the runs are merged */
  const char *on = "arg0=aligned arg1=aligned arg2=aligned arg3=aligned arg4=aligned arg5=aligned arg6=aligned "
                   "arg7=aligned arg8=div16 debug=on instr=none hook=off";
  g_autofree char *compact = lsc_format_spec_description (on);
  ck_assert_str_eq (compact, "arg0–7=aligned arg8=div16 debug=on instr=none hook=off");
  g_autofree char *broken = lsc_format_spec_description ("arg0=A arg2=A arg3=A arg4=U argx=1 arg5=U");
  ck_assert_str_eq (broken, "arg0=A arg2–3=A arg4=U argx=1 arg5=U");
  g_autofree char *plain = lsc_format_spec_description ("arg0=div16 debug=off");
  ck_assert_str_eq (plain, "arg0=div16 debug=off");
  g_autofree char *none = lsc_format_spec_description (NULL);
  ck_assert_str_eq (none, "");
  g_autofree char *huge = lsc_format_spec_description ("arg99999999999999999999=A arg1=A");
  ck_assert_str_eq (huge, "arg99999999999999999999=A arg1=A");
}
END_TEST

START_TEST (test_spec_compile_text)
{
  char *why;
  g_autofree char *compiled = lsc_spec_compile_text (72.3, 2999, 1, &why);
  ck_assert_str_eq (compiled, "72.3 ms");
  ck_assert_ptr_null (why);
  /* the engine records no compile time for a cubin it loaded from its disk cache */
  g_autofree char *cached = lsc_spec_compile_text (NAN, 3000, 1, &why);
  ck_assert_str_eq (cached, "disk cache");
  ck_assert_ptr_nonnull (why);
  g_free (why);
  g_autofree char *zero = lsc_spec_compile_text (0, 5, 0, NULL);
  ck_assert_str_eq (zero, "disk cache");
  g_autofree char *unused = lsc_spec_compile_text (NAN, 0, 0, &why);
  ck_assert_str_eq (unused, "");
  ck_assert_ptr_null (why);
}
END_TEST

START_TEST (test_settings_parse)
{
  g_auto (GStrv) keys = NULL, values = NULL;
  ck_assert (lsc_settings_parse ("{\"pid\": 437, \"workload\": \"add8,add2\", \"toggles\": [\"timing@0\", "
                                 "\"default@1000\"], \"cupti\": {\"mode\": \"activity\", \"ok\": true}, "
                                 "\"note\": \"a \\\"quoted\\\" \\u00e9\", \"none\": null}",
                                 &keys, &values));
  ck_assert_uint_eq (g_strv_length (keys), 6);
  ck_assert_str_eq (keys[0], "pid");
  ck_assert_str_eq (values[0], "437");
  ck_assert_str_eq (values[1], "add8,add2");
  ck_assert_str_eq (keys[2], "toggles");
  ck_assert_str_eq (values[2], "timing@0, default@1000");
  ck_assert_str_eq (values[3], "mode: activity, ok: true");
  ck_assert_str_eq (values[4], "a \"quoted\" é");
  ck_assert_str_eq (values[5], "null");

  g_auto (GStrv) k2 = NULL, v2 = NULL;
  ck_assert (lsc_settings_parse (" { } ", &k2, &v2));
  ck_assert_ptr_null (k2[0]);

  /* what is not one object is refused, so the view shows the stored text instead */
  const char *bad[] = { NULL, "", "[1, 2]", "{\"a\": 1", "{\"a\" 1}", "{\"a\": 1} trailing", "{\"a\": \"\\u12\"}",
                        "{\"a\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "{a: 1}", "{\"a\": }",
                        "{\"a\"", "{\"a\": [1", "{\"a\": {\"b\"", "{\"a\": \"x\\", "{\"a\": 1,", "{\"a\": [1," };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      char **k, **v;
      ck_assert_msg (!lsc_settings_parse (bad[i], &k, &v), "accepted %s", bad[i]);
      ck_assert_ptr_null (k);
      ck_assert_ptr_null (v);
    }
}
END_TEST

START_TEST (test_wall_time)
{
  g_autoptr (GTimeZone) plus2 = g_time_zone_new_identifier ("+02:00");
  ck_assert_ptr_nonnull (plus2);
  g_autofree char *utc = NULL;
  g_autofree char *local = lsc_format_wall_time ("2026-11-25T13:12:51Z", plus2, &utc);
  ck_assert_ptr_nonnull (local);
  ck_assert_msg (g_str_has_prefix (local, "2026-11-25 15:12:51"), "%s", local);
  ck_assert_str_eq (utc, "2026-11-25 13:12:51 UTC");
  g_autofree char *bad_utc = NULL;
  ck_assert_ptr_null (lsc_format_wall_time ("yesterday", plus2, &bad_utc));
  ck_assert_ptr_null (bad_utc);
  ck_assert_ptr_null (lsc_format_wall_time (NULL, plus2, NULL));
}
END_TEST

/* Counts are grouped by threes even where the locale groups nothing (the C locale here). */
START_TEST (test_format_count_groups)
{
  g_autofree char *big = lsc_format_count (1234567);
  ck_assert_str_eq (big, "1\u202f234\u202f567");
  g_autofree char *small = lsc_format_count (999);
  ck_assert_str_eq (small, "999");
  g_autofree char *thousand = lsc_format_count (-1000);
  ck_assert_str_eq (thousand, "-1\u202f000");
  g_autofree char *min = lsc_format_count (G_MININT64);
  ck_assert_str_eq (min, "-9\u202f223\u202f372\u202f036\u202f854\u202f775\u202f808");
}
END_TEST

/* The Fallbacks card says "All" only when one reason holds every fallback, and a mean above
 * the p99 gets a note naming the compiles that raised it. */
START_TEST (test_overview_notes)
{
  lsc_session_summary s = { 0 };
  s.fallbacks_by_reason[3] = 2000;
  LscOverviewFigures fig;
  lsc_overview_figures_compute (&s, &fig);
  g_autofree char *all = lsc_fallbacks_detail (&s, &fig);
  ck_assert_str_eq (all, "All skip-switch (2\u202f000)");
  s.fallbacks_by_reason[4] = 10;
  lsc_overview_figures_compute (&s, &fig);
  g_autofree char *mostly = lsc_fallbacks_detail (&s, &fig);
  ck_assert_str_eq (mostly, "Mostly skip-switch (2\u202f000)");
  lsc_session_summary none = { 0 };
  lsc_overview_figures_compute (&none, &fig);
  g_autofree char *no_fallbacks = lsc_fallbacks_detail (&none, &fig);
  ck_assert_str_eq (no_fallbacks, "Every fast-path call stayed on the fast path");

  lsc_path_summary fast = { .count = 17001, .p50_ns = 5890, .p99_ns = 13745, .max_ns = 133074215, .mean_ns = 49800 };
  fast.outcomes[LSC_OUTCOME_MISS] = 11;
  g_autofree char *compiles = lsc_mean_note (&fast, "Fast path");
  ck_assert_ptr_nonnull (compiles);
  ck_assert_msg (strstr (compiles, "49.8 µs") && strstr (compiles, "11 launches compiled") && strstr (compiles, "133 ms"),
                 "%s", compiles);
  fast.outcomes[LSC_OUTCOME_MISS] = 0;
  g_autofree char *slow = lsc_mean_note (&fast, "Raw driver");
  ck_assert_ptr_nonnull (slow);
  ck_assert_ptr_null (strstr (slow, "compiled"));
  lsc_path_summary steady = { .count = 3000, .p50_ns = 6224, .p99_ns = 11907, .max_ns = 32476, .mean_ns = 6510 };
  ck_assert_ptr_null (lsc_mean_note (&steady, "Baseline"));
  lsc_path_summary untimed = { .count = 0, .mean_ns = 1e9 };
  ck_assert_ptr_null (lsc_mean_note (&untimed, "Baseline"));
}
END_TEST

/* The live views' recording time: minutes past 59 stay minutes, none yet is no text. */
START_TEST (test_format_elapsed)
{
  g_autofree char *start = lsc_format_elapsed (0);
  ck_assert_str_eq (start, "0:00");
  g_autofree char *seconds = lsc_format_elapsed (7);
  ck_assert_str_eq (seconds, "0:07");
  g_autofree char *hour = lsc_format_elapsed (3665);
  ck_assert_str_eq (hour, "61:05");
  g_autofree char *none = lsc_format_elapsed (-1);
  ck_assert_str_eq (none, "");
}
END_TEST

START_TEST (test_format)
{
  struct {
    double ns;
    const char *text;
  } cases[] = {
    { 0, "0 ns" },          { 812, "812 ns" },           { 4063, "4.06 µs" },      { 12345, "12.3 µs" },
    { 123456, "123 µs" },   { 812400000, "812 ms" },     { 1500000, "1.50 ms" },   { 2.5e9, "2.50 s" },
    { -4063, "-4.06 µs" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = lsc_format_duration_ns (cases[i].ns);
      ck_assert_str_eq (text, cases[i].text);
    }
  g_autofree char *nan_text = lsc_format_duration_ns (NAN);
  ck_assert_str_eq (nan_text, "—");
  g_autofree char *inf_text = lsc_format_duration_ns (-INFINITY);
  ck_assert_str_eq (inf_text, "—");
  g_autofree char *ratio = lsc_format_ratio (1.8);
  ck_assert_str_eq (ratio, "1.80×");
  /* a share: one decimal, never "100.0 %" short of all of it */
  g_autofree char *share = lsc_format_percent (0.875);
  ck_assert_str_eq (share, "87.5 %");
  g_autofree char *almost = lsc_format_percent (0.99996);
  ck_assert_str_eq (almost, "99.9 %");
  g_autofree char *all = lsc_format_percent (1.0);
  ck_assert_str_eq (all, "100.0 %");
  g_autofree char *no_share = lsc_format_percent (NAN);
  ck_assert_str_eq (no_share, "—");
  g_autofree char *offset = lsc_format_offset_ns (1234567890);
  ck_assert_str_eq (offset, "1.234568 s");
  g_autofree char *hex = lsc_table_model_format_value (LSC_CELL_HEX, -1);
  ck_assert_str_eq (hex, "0xffffffffffffffff");
  g_autofree char *reason = lsc_table_model_format_value (LSC_CELL_REASON, 3);
  ck_assert_str_eq (reason, "skip-switch");
  g_autofree char *none = lsc_table_model_format_value (LSC_CELL_REASON, 0);
  ck_assert_str_eq (none, "");
  g_autofree char *unknown = lsc_table_model_format_value (LSC_CELL_PATH, 42);
  ck_assert_str_eq (unknown, "unknown");
  /* A raw row's status is CUDA's result, not an fl_status of the same number (named without a
   * driver). */
  g_autofree char *engine_status = lsc_table_model_format_value (LSC_CELL_STATUS, 1);
  g_autofree char *cuda_status = lsc_table_model_format_value (LSC_CELL_STATUS, LSC_STATUS_CUDA + 1);
  ck_assert_str_eq (cuda_status, "CUDA_ERROR_INVALID_VALUE");
  ck_assert_str_ne (engine_status, cuda_status);
}
END_TEST

/* ---- hostile values: everything a view shows, from every row ------------------------------ */

static void
read_every_row (LscTableModel *model)
{
  GListModel *list = G_LIST_MODEL (model);
  guint n = g_list_model_get_n_items (list);
  guint n_columns = lsc_table_model_get_n_columns (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (LscRow) row = g_list_model_get_item (list, i);
      ck_assert_ptr_nonnull (row);
      for (guint c = 0; c < n_columns; c++)
        {
          const char *text = lsc_row_get_text (row, c);
          ck_assert (text == NULL || g_utf8_validate (text, -1, NULL));
          (void) lsc_row_get_number (row, c);
        }
    }
}

/* The chart views' arithmetic over the document's chart data: axes from the extents, columns,
 * histograms, percentiles, stage means, markers. */
static void
chart_every_path (LscDocument *doc)
{
  const LscSeriesIndex *index = lsc_document_get_series_index (doc);
  ck_assert_ptr_nonnull (index);
  const LscSeries *series = lsc_series_index_get_series (index);
  guint64 t_min = 0, t_max = 0;
  guint32 v_min = 0, v_max = 0;
  gsize in_distributions = 0;
  if (lsc_series_index_get_extent (index, &t_min, &t_max, &v_min, &v_max))
    {
      ck_assert (t_min <= t_max && v_min <= v_max);
      double t0 = (double) t_min, t1 = MAX ((double) t_max, t0 + 1), lo = v_min, hi = MAX ((double) v_max, lo + 1);
      double ticks[64];
      LscLogTick log_ticks[64];
      lsc_chart_nice_range (&t0, &t1, 8);
      lsc_chart_linear_ticks (t0, t1, 8, ticks, G_N_ELEMENTS (ticks), NULL);
      lsc_chart_nice_range (&lo, &hi, 6);
      lsc_chart_linear_ticks (lo, hi, 6, ticks, G_N_ELEMENTS (ticks), NULL);
      double log_lo = MAX (v_min, 1), log_hi = MAX ((double) v_max, log_lo * 1.01);
      lsc_chart_log_range (&log_lo, &log_hi);
      lsc_chart_log_ticks (log_lo, log_hi, 8, log_ticks, G_N_ELEMENTS (log_ticks));
      for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
        {
          const LscMinMaxIndex *mm = lsc_series_index_get_path (index, (LscChartPath) p);
          LscColumn cols[200];
          if (!mm)
            continue;
          lsc_min_max_index_columns (mm, t0, t1, cols, G_N_ELEMENTS (cols));
          guint64 counted = 0;
          for (guint c = 0; c < G_N_ELEMENTS (cols); c++)
            counted += cols[c].count;
          /* the columns cover [t0, t1) exactly */
          ck_assert_uint_eq (counted, lsc_min_max_index_lower_bound (mm, t1) - lsc_min_max_index_lower_bound (mm, t0));
        }
    }
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      const LscDistribution *d = lsc_document_get_distribution (doc, (LscChartPath) p);
      if (!d)
        continue;
      in_distributions += lsc_distribution_get_n (d);
      double edges[65];
      guint64 counts[64], binned = 0;
      double lo = lsc_distribution_get_min (d), hi = MAX ((double) lsc_distribution_get_max (d), lo + 1);
      lsc_histogram_edges (lo, hi, FALSE, 64, edges);
      lsc_distribution_histogram (d, edges, 64, counts);
      for (guint b = 0; b < 64; b++)
        binned += counts[b];
      ck_assert_uint_eq (binned, lsc_distribution_get_n (d));
      ck_assert (lsc_distribution_percentile (d, 50) <= lsc_distribution_percentile (d, 99.9));
      ck_assert (isfinite (lsc_distribution_get_mean (d)));
      g_autofree char *p99 = lsc_format_duration_ns (lsc_distribution_percentile (d, 99));
    }
  ck_assert_uint_eq (in_distributions, series->n);
  const LscStageSummary *stages = lsc_document_get_stages (doc);
  for (guint s = 0; stages && s < LSC_STAGE_COUNT; s++)
    ck_assert (isfinite (stages->mean_ns[s]) && stages->median_ns[s] <= G_MAXUINT32);
  guint n_markers = 0;
  const LscMarker *markers = lsc_document_get_markers (doc, &n_markers);
  for (guint i = 0; i < n_markers; i++)
    {
      g_autofree char *label = lsc_chart_marker_label (markers[i].text);
      ck_assert (g_utf8_validate (label, -1, NULL));
    }
}

/* What the overview, specs and session views compute and print for every session. */
static void
summarize_every_session (LscDocument *doc)
{
  const lsc_report_summary *summary = lsc_document_get_summary (doc);
  LscSpecTotals totals = { 0 };
  for (size_t i = 0; i < summary->n_sessions; i++)
    {
      const lsc_session_summary *s = &summary->sessions[i];
      LscOverviewFigures fig;
      lsc_overview_figures_compute (s, &fig);
      lsc_spec_totals_add_session (&totals, s);
      g_autofree char *duration = lsc_format_duration_ns ((double) fig.duration_ns);
      g_autofree char *saved = lsc_format_duration_ns ((double) fig.saved_ns);
      g_autofree char *fallbacks = lsc_format_count (fig.fallbacks);
      g_autofree char *compile = lsc_format_duration_ns (fig.specs.compile_ms * 1e6);
      ck_assert (!fig.has_duration || fig.duration_ns > 0);
      ck_assert (fig.top_reason >= -1 && fig.top_reason <= LSC_REASON_COUNT);
      ck_assert (isfinite (fig.specs.compile_ms));
    }
}

static void
open_everything (LscDocument *doc)
{
  summarize_every_session (doc);
  read_every_row (lsc_document_get_launches (doc));
  read_every_row (lsc_document_get_specs (doc));
  read_every_row (lsc_document_get_events (doc));
  chart_every_path (doc);
}

START_TEST (test_extreme_values)
{
  g_autoptr (LscDocument) doc = load_ok (extreme_report_path);
  const lsc_session_summary *s = lsc_document_get_session (doc);
  ck_assert_ptr_nonnull (s);
  ck_assert (s->start_ns == G_MININT64 && s->stop_ns == G_MAXINT64);

  LscOverviewFigures fig;
  lsc_overview_figures_compute (s, &fig);
  /* differences and sums saturate, as in the CLI's output */
  ck_assert (fig.has_duration && fig.duration_ns == G_MAXINT64);
  gint64 duration = 0;
  ck_assert (lsc_session_duration_ns (s, &duration) && duration == G_MAXINT64);
  ck_assert (s->paths[LSC_CHART_PATH_FAST].p50_ns == G_MAXINT64);
  ck_assert (s->paths[LSC_CHART_PATH_DEFAULT].p50_ns == G_MININT64);
  ck_assert (fig.has_speedup && fig.saved_ns == G_MININT64 && fig.speedup < 0);
  ck_assert (fig.specs.hits == G_MAXINT64 && fig.specs.misses == G_MAXINT64);
  /* the infinite compile times are left out, the finite 1e308 counted */
  ck_assert (fig.specs.compile_ms == 1e308);

  /* a launch's offset from the INT64_MIN start saturates at INT64_MAX (it would wrap to a
   * negative time, shown as 0), unless the launch also started at INT64_MIN */
  const LscSeries *series = lsc_series_index_get_series (lsc_document_get_series_index (doc));
  gint64 at_max = 0;
  for (gsize i = 0; i < series->n; i++)
    {
      ck_assert (series->t_ns[i] == 0 || series->t_ns[i] == (guint64) G_MAXINT64);
      at_max += series->t_ns[i] != 0;
    }
  ck_assert_int_gt (at_max, 0);
  ck_assert_int_eq (at_max, query_int (extreme_report_path,
                                       "SELECT count(*) FROM launch WHERE status = 0 AND typeof(host_ns) = 'integer'"
                                       " AND path BETWEEN 0 AND 3 AND start_ns != -9223372036854775808"));

  /* the file's invalid UTF-8 reaches the views made valid (GTK warns on anything else) */
  const char *texts[] = { s->workload, s->host, s->gpu };
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    ck_assert_msg (texts[i] && g_utf8_validate (texts[i], -1, NULL), "session text %" G_GSIZE_FORMAT, i);
  ck_assert_ptr_nonnull (strstr (s->gpu, "\xef\xbf\xbd"));
  for (gsize k = 0; k < s->n_kernel_list; k++)
    ck_assert (!s->kernel_list[k].name || g_utf8_validate (s->kernel_list[k].name, -1, NULL));
  for (gsize k = 0; k < s->n_specs; k++)
    ck_assert (g_utf8_validate (s->specs[k].description, -1, NULL)
               && (!s->specs[k].kernel_name || g_utf8_validate (s->specs[k].kernel_name, -1, NULL)));

  open_everything (doc);
}
END_TEST

START_TEST (test_hostile_corpus)
{
  g_autoptr (GDir) dir = g_dir_open (hostile_dir, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  guint opened = 0, refused = 0;
  for (const char *name; (name = g_dir_read_name (dir));)
    {
      g_autofree char *path = g_build_filename (hostile_dir, name, NULL);
      GError *error = NULL;
      g_autoptr (LscDocument) doc = load (path, &error, NULL);
      if (error)
        {
          ck_assert_msg (error->message && *error->message, "%s refused without a message", name);
          g_clear_error (&error);
          refused++;
          continue;
        }
      wait_charts (doc);
      open_everything (doc);
      opened++;
    }
  /* the seeds hold both: reports that open and files the reader must refuse */
  ck_assert_uint_gt (opened, 0);
  ck_assert_uint_gt (refused, 0);
}
END_TEST

int
main (int argc, char **argv)
{
  if (argc < 4)
    {
      fprintf (stderr, "usage: %s SYNTHETIC-REPORT EXTREME-REPORT HOSTILE-REPORT-DIR\n", argv[0]);
      return 2;
    }
  report_path = argv[1];
  extreme_report_path = argv[2];
  hostile_dir = argv[3];

  Suite *suite = suite_create ("app-models");
  TCase *tc = tcase_create ("models");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_document_load);
  tcase_add_test (tc, test_document_errors);
  tcase_add_test (tc, test_document_version1);
  tcase_add_test (tc, test_model_lazy);
  tcase_add_test (tc, test_model_sort_filter);
  tcase_add_test (tc, test_model_reload_async);
  tcase_add_test (tc, test_model_hostile_values);
  tcase_add_test (tc, test_launches_kernel_demangled);
  tcase_add_test (tc, test_raw_launch_named_by_cupti);
  tcase_add_test (tc, test_tracks_order_and_joins);
  tcase_add_test (tc, test_document_tracks);
  tcase_add_test (tc, test_specs_model);
  tcase_add_test (tc, test_format);
  tcase_add_test (tc, test_format_elapsed);
  tcase_add_test (tc, test_spec_description);
  tcase_add_test (tc, test_spec_compile_text);
  tcase_add_test (tc, test_settings_parse);
  tcase_add_test (tc, test_format_count_groups);
  tcase_add_test (tc, test_overview_notes);
  tcase_add_test (tc, test_wall_time);
  tcase_add_test (tc, test_format_duration_boundaries);
  tcase_add_test (tc, test_extreme_values);
  tcase_add_test (tc, test_hostile_corpus);
  suite_add_tcase (suite, tc);

  SRunner *runner = srunner_create (suite);
  srunner_run_all (runner, CK_ENV);
  int failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
