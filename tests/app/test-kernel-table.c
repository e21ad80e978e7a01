/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-kernel-table.c — the Kernels view's rows (lsc-kernel-table.c) against figures computed
 * here from the launch rows themselves: a report recorded by the engine on the driver TEST
 * DOUBLE (lsc_live, add4), and a SYNTHETIC recorded program's report written with SQL (a JIT's
 * kernel and an eager one, with parameter keys, GPU times, kernel activity and calibration).
 */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fl-test-driver.h"
#include "lsc-format.h"
#include "lsc-kernel-table.h"
#include "lsc-live.h"
#include "lsc-report-rows.h"
#include "lsc-row.h"
#include "lsc-schema.h"

static char dir[64];

static void
setup (void)
{
  snprintf (dir, sizeof dir, "/tmp/lsc-kernel-table-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (dir));
  setenv ("XDG_CACHE_HOME", dir, 1);
  fl_test_driver_install ();
}

static void
teardown (void)
{
  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq (system (cmd), 0);
}

static int
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

/* Nearest rank, ceil(p * n / 100), sorting values. */
static gint64
ref_rank (GArray *values, int p)
{
  g_array_sort (values, cmp_i64);
  gsize rank = (gsize) ceil ((double) ((gsize) p * values->len) / 100.0);
  return g_array_index (values, gint64, MAX (rank, 1) - 1);
}

static void
assert_duration_cell (LscRow *row, guint column, GArray *values, int p)
{
  if (values->len == 0)
    {
      ck_assert_str_eq (lsc_row_get_text (row, column), "—");
      ck_assert (isnan (lsc_row_get_number (row, column)));
      return;
    }
  gint64 ref = ref_rank (values, p);
  g_autofree char *text = lsc_format_duration_ns ((double) ref);
  ck_assert_str_eq (lsc_row_get_text (row, column), text);
  ck_assert (lsc_row_get_number (row, column) == (double) ref);
}

static void
assert_count_cell (LscRow *row, guint column, gint64 n)
{
  g_autofree char *text = lsc_format_count (n);
  ck_assert_str_eq (lsc_row_get_text (row, column), text);
}

static LscRow *
row_of (GListStore *rows, gint64 kernel_id)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (rows)); i++)
    {
      LscRow *row = g_list_model_get_item (G_LIST_MODEL (rows), i);
      if (lsc_row_get_rowid (row) == kernel_id)
        return row;
      g_object_unref (row);
    }
  ck_abort_msg ("no row for kernel %" G_GINT64_FORMAT, kernel_id);
  return NULL;
}

/* ---- the engine's report, on the driver test double ----------------------------------------- */

typedef struct {
  gint64 kernel_id;
  GArray *host[3];   /* host_ns of successful launches on the fast, baseline and raw paths */
  gint64 launches, outcomes[LSC_OUTCOME_COUNT];
} KernelReference;

static bool
reference_scan (const lsc_launch_row *row, void *data)
{
  KernelReference *ref = data;
  if (!row->has_kernel || row->kernel_id != ref->kernel_id)
    return true;
  ref->launches++;
  if (row->outcome >= 0 && row->outcome < LSC_OUTCOME_COUNT)
    ref->outcomes[row->outcome]++;
  if (row->status == 0 && row->has_host && row->has_path && row->path >= 0 && row->path < 3)
    g_array_append_val (ref->host[row->path], row->host_ns);
  return true;
}

START_TEST (test_engine_report_rows)
{
  char path[128];
  snprintf (path, sizeof path, "%s/engine.lsdb", dir);
  lsc_live_options o = { .report_path = path, .overwrite = true, .workload = "add4", .n = 64, .max_launches = 3000,
                         .cupti_library = "/nonexistent/libcupti.so" };
  lsc_live *live = NULL;
  char err[1024] = "";
  ck_assert_msg (lsc_live_start (&o, &live, err, sizeof err) == 0, "start: %s", err);
  lsc_live_snapshot snap;
  for (int waited = 0;; waited += 5)
    {
      lsc_live_get_snapshot (live, &snap);
      if (snap.state == LSC_LIVE_FINISHED)
        break;
      ck_assert_msg (waited < 20000, "the workload did not finish");
      nanosleep (&(struct timespec){ 0, 5000000 }, NULL);
    }
  ck_assert_int_eq (lsc_live_stop (live, NULL, err, sizeof err), 0);

  lsc_error e;
  lsc_report *report = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (report != NULL, "%s", e.message);
  lsc_report_summary *summary = lsc_report_summarize (report, &e);
  ck_assert_msg (summary != NULL, "%s", e.message);
  ck_assert_uint_eq (summary->n_sessions, 1);
  ck_assert_uint_ge (summary->sessions[0].n_kernel_list, 1);
  const lsc_kernel_summary *ks = &summary->sessions[0].kernel_list[0];

  KernelReference ref = { .kernel_id = ks->id };
  for (int p = 0; p < 3; p++)
    ref.host[p] = g_array_new (FALSE, FALSE, sizeof (gint64));
  ck_assert_int_eq (lsc_report_scan_launches (report, reference_scan, &ref, &e), 0);
  ck_assert_int_gt (ref.launches, 2000);
  ck_assert_uint_gt (ref.host[0]->len, 0);

  g_autoptr (GListStore) rows = lsc_kernel_table_new (summary, LSC_ROW_ANY);
  g_autoptr (LscRow) row = row_of (rows, ks->id);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_NAME), ks->name);
  assert_count_cell (row, LSC_KERNEL_COL_LAUNCHES, ref.launches);
  static const guint first_column[3] = { LSC_KERNEL_COL_FAST_P50, LSC_KERNEL_COL_BASELINE_P50, LSC_KERNEL_COL_RAW_P50 };
  for (int p = 0; p < 3; p++)
    {
      assert_duration_cell (row, first_column[p], ref.host[p], 50);
      assert_duration_cell (row, first_column[p] + 1, ref.host[p], 90);
      assert_duration_cell (row, first_column[p] + 2, ref.host[p], 99);
    }
  assert_count_cell (row, LSC_KERNEL_COL_HITS, ref.outcomes[LSC_OUTCOME_HIT]);
  assert_count_cell (row, LSC_KERNEL_COL_MISSES, ref.outcomes[LSC_OUTCOME_MISS]);
  assert_count_cell (row, LSC_KERNEL_COL_FALLBACKS, ref.outcomes[LSC_OUTCOME_FALLBACK]);

  /* specs: the spec rows naming the kernel, and their compile time summed */
  lsc_row_filter filter;
  lsc_row_filter_init (&filter);
  filter.kernel_id = ks->id;
  size_t n_specs = 0;
  int64_t *spec_ids = lsc_report_row_ids (report, LSC_TABLE_SPEC, &filter, -1, false, &n_specs, &e);
  ck_assert_ptr_nonnull (spec_ids);
  ck_assert_uint_gt (n_specs, 0);
  lsc_row_reader *reader = lsc_row_reader_new (report, LSC_TABLE_SPEC, &e);
  lsc_value values[LSC_SPEC_N_COLS];
  double compile_ms = 0;
  for (size_t i = 0; i < n_specs; i++)
    {
      ck_assert_int_eq (lsc_row_reader_fetch (reader, spec_ids[i], values, &e), 1);
      if (values[LSC_SPEC_COL_COMPILE_MS].type == LSC_VALUE_REAL || values[LSC_SPEC_COL_COMPILE_MS].type == LSC_VALUE_INT)
        compile_ms += values[LSC_SPEC_COL_COMPILE_MS].r;
    }
  lsc_row_reader_free (reader);
  free (spec_ids);
  assert_count_cell (row, LSC_KERNEL_COL_SPECS, (gint64) n_specs);
  g_autofree char *compile = lsc_format_duration_ns (compile_ms * 1e6);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_COMPILE), compile);
  /* the engine's own workload is no recorded program: no framework time or savings */
  ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_FRAMEWORK), "—");
  ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_FAST_SAVING), "—");

  for (int p = 0; p < 3; p++)
    g_array_unref (ref.host[p]);
  lsc_report_summary_free (summary);
  lsc_report_free (report);
}
END_TEST

/* ---- a recorded program's report ------------------------------------------------------------ */

#define JIT_LAUNCHES 11
#define EAGER_LAUNCHES 6

static void
exec_sql (sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  ck_assert_msg (sqlite3_exec (db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
}

typedef struct {
  gint64 start, host, gpu, param_key; /* param_key < 0: none */
} ProgramLaunch;

/* Launch i of the JIT kernel (thread 7) and of the eager one (thread 8). */
static ProgramLaunch
jit_launch (int i)
{
  return (ProgramLaunch) { 10000 + i * 5000 + (i % 3) * 700, 100 + i * 10, 2000 + i * 3, i % 4 == 0 ? 5 : i % 2 };
}

static ProgramLaunch
eager_launch (int i)
{
  return (ProgramLaunch) { 12000 + i * 7000 + (i % 2) * 900, 200 + (i % 3) * 40, 3000, -1 };
}

static void
write_program_report (const char *path)
{
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, "BEGIN");
  exec_sql (db, LSC_SCHEMA_SQL);
  char sql[1024];
  snprintf (sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;", LSC_APPLICATION_ID,
            LSC_SCHEMA_VERSION);
  exec_sql (db, sql);
  exec_sql (db, "INSERT INTO session (id, host, gpu, settings, workload, start_ns, stop_ns) VALUES (1, 'testhost', "
                "'SYNTHETIC GPU', '{\"source\": \"injection\", \"pid\": 77}', 'python train.py', 0, 1000000000);"
                "INSERT INTO kernel (id, session_id, name) VALUES (1, 1, 'jit_kernel'), (2, 1, 'eager_kernel');"
                "INSERT INTO module_function (session_id, function, name) VALUES (1, 161, 'jit_kernel');"
                "INSERT INTO calibration (session_id, name, p50_ns, low_ns, high_ns, samples) VALUES "
                "(1, 'fast', 1500, 1450, 1550, 4000), (1, 'raw', 1200, 1180, 1220, 4000),"
                "(1, 'graph_node', 250, 240, 260, 200);");
  gint64 correlation = 1;
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < (k ? EAGER_LAUNCHES : JIT_LAUNCHES); i++)
      {
        ProgramLaunch l = k ? eager_launch (i) : jit_launch (i);
        char key[32] = "NULL";
        if (l.param_key >= 0)
          snprintf (key, sizeof key, "%" G_GINT64_FORMAT, l.param_key);
        snprintf (sql, sizeof sql,
                  "INSERT INTO launch (session_id, kernel_id, thread, path, outcome, status, start_ns, host_ns, "
                  "api_start_ns, api_ns, correlation_id, gpu_start_ns, gpu_ns, function, param_key, params) VALUES "
                  "(1, %d, %d, 2, 3, 0, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                  ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                  ", %d, %s, 1);"
                  "INSERT INTO gpu_activity (correlation_id, session_id, start_ns, end_ns, stream_id) VALUES (%"
                  G_GINT64_FORMAT ", 1, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 3);",
                  k + 1, k ? 8 : 7, l.start, l.host, l.start, l.host, correlation, l.start + 3000, l.gpu,
                  k ? 178 : 161, key, correlation, l.start + 3000, l.start + 3000 + l.gpu);
        exec_sql (db, sql);
        correlation++;
      }
  exec_sql (db, "COMMIT");
  ck_assert_int_eq (sqlite3_close (db), SQLITE_OK);
}

typedef struct {
  gint64 start, end, api_start;
  int kernel;
} Execution;

static int
by_start (gconstpointer a, gconstpointer b)
{
  const Execution *x = a, *y = b;
  return (x->start > y->start) - (x->start < y->start);
}

START_TEST (test_program_report_rows)
{
  char path[128];
  snprintf (path, sizeof path, "%s/program.lsdb", dir);
  write_program_report (path);
  lsc_error e;
  lsc_report *report = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (report != NULL, "%s", e.message);
  lsc_report_summary *summary = lsc_report_summarize (report, &e);
  ck_assert_msg (summary != NULL, "%s", e.message);
  g_autoptr (GListStore) rows = lsc_kernel_table_new (summary, LSC_ROW_ANY);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (rows)), 2);

  /* every execution on the one stream, for the launch-bound share: the GPU waited for the host
   * when the launch call began after the previous kernel ended, or the kernel started over 2 µs
   * after it */
  GArray *executions = g_array_new (FALSE, FALSE, sizeof (Execution));
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < (k ? EAGER_LAUNCHES : JIT_LAUNCHES); i++)
      {
        ProgramLaunch l = k ? eager_launch (i) : jit_launch (i);
        Execution x = { l.start + 3000, l.start + 3000 + l.gpu, l.start, k };
        g_array_append_val (executions, x);
      }
  g_array_sort (executions, by_start);

  for (int k = 0; k < 2; k++)
    {
      int n = k ? EAGER_LAUNCHES : JIT_LAUNCHES;
      g_autoptr (LscRow) row = row_of (rows, k + 1);
      g_autoptr (GArray) host = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr (GArray) gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr (GArray) gpu = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr (GHashTable) keys = g_hash_table_new (g_int64_hash, g_int64_equal);
      gint64 keyed = 0, key_values[JIT_LAUNCHES];
      for (int i = 0; i < n; i++)
        {
          ProgramLaunch l = k ? eager_launch (i) : jit_launch (i);
          g_array_append_val (host, l.host);
          g_array_append_val (gpu, l.gpu);
          if (i > 0)
            {
              /* each kernel has a thread of its own: the gap is from its previous launch's end */
              ProgramLaunch prev = k ? eager_launch (i - 1) : jit_launch (i - 1);
              gint64 gap = l.start - (prev.start + prev.host);
              g_array_append_val (gaps, gap);
            }
          if (l.param_key >= 0)
            {
              key_values[keyed] = l.param_key;
              g_hash_table_add (keys, &key_values[keyed]);
              keyed++;
            }
        }
      assert_count_cell (row, LSC_KERNEL_COL_LAUNCHES, n);
      assert_duration_cell (row, LSC_KERNEL_COL_RAW_P50, host, 50);
      assert_duration_cell (row, LSC_KERNEL_COL_RAW_P99, host, 99);
      assert_duration_cell (row, LSC_KERNEL_COL_FRAMEWORK, gaps, 50);
      assert_duration_cell (row, LSC_KERNEL_COL_GPU, gpu, 50);

      gint64 followers = 0, waited = 0;
      for (guint i = 1; i < executions->len; i++)
        {
          const Execution *x = &g_array_index (executions, Execution, i), *prev = x - 1;
          if (x->kernel != k)
            continue;
          followers++;
          waited += x->api_start > prev->end || x->start - prev->end > 2000;
        }
      g_autofree char *share = lsc_format_percent ((double) waited / (double) followers);
      ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_LAUNCH_BOUND), share);

      if (keyed > 0)
        {
          g_autofree char *rate = lsc_format_percent (1.0 - (double) g_hash_table_size (keys) / (double) keyed);
          ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_HIT_RATE), rate);
        }
      else
        ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_HIT_RATE), "—");

      /* the savings estimate (README): a fast launcher, for the JIT's kernel only, saves the gap
       * p50 less fast - raw per launch; graphs the gap p50 and the launch call p50 less a node */
      gint64 gap_p50 = ref_rank (gaps, 50), host_p50 = ref_rank (host, 50);
      if (k == 0)
        {
          g_autofree char *fast = lsc_format_duration_ns (MAX (0.0, (double) gap_p50 - (1500 - 1200)) * n);
          ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_FAST_SAVING), fast);
        }
      else
        ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_FAST_SAVING), "—");
      g_autofree char *graphs = lsc_format_duration_ns (MAX (0.0, (double) (gap_p50 + host_p50) - 250) * n);
      ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_GRAPH_SAVING), graphs);
      /* the process is the recorded program's */
      ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_PROCESS), "process 77");
    }
  /* most launched first */
  g_autoptr (LscRow) first = g_list_model_get_item (G_LIST_MODEL (rows), 0);
  ck_assert_int_eq (lsc_row_get_rowid (first), 1);
  g_array_unref (executions);
  lsc_report_summary_free (summary);
  lsc_report_free (report);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("kernel-table");
  TCase *tc = tcase_create ("rows");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_engine_report_rows);
  tcase_add_test (tc, test_program_report_rows);
  suite_add_tcase (suite, tc);
  SRunner *runner = srunner_create (suite);
  srunner_run_all (runner, CK_ENV);
  int failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
