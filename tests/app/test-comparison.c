/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-comparison.c — the Compare view's model without a display: LscComparison runs the
 * library's diff off the main loop, hands each side's per-path distribution built from the
 * diff's own pass (checked against the diff's rows: counts and the nearest-rank p50), reports
 * its progress, exports
 * with the library's writers, decides its verdicts again for new noise floors, names the file
 * at fault, and stops when cancelled.
 *
 * argv[1] is a synthetic report (report A), argv[2] the same shape with other noise and its
 * fast-path hits 15 % slower (report B), argv[3] a report with extreme values, argv[4] the
 * fuzzers' hostile report seeds (tests/fuzz/corpus/fuzz-report).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lsc-comparison.h"
#include "lsc-document.h"
#include "lsc-test-files.h"

static const char *a_path, *b_path, *extreme_path, *hostile_dir;
static char tmp_dir[256];

static void
setup (void)
{
  ck_assert (lsc_test_dir_make (tmp_dir, sizeof tmp_dir, "lsc-comparison"));
}

static void
teardown (void)
{
  lsc_test_dir_remove (tmp_dir);
}

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *error;
} RunState;

static void
done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  RunState *state = data;
  state->ok = lsc_comparison_run_finish (LSC_COMPARISON (source), result, &state->error);
  g_main_loop_quit (state->loop);
}

/* Runs the comparison of a with b; cancelled first when cancel.  NULL with error set on failure. */
static LscComparison *
compare (const char *a, const char *b, gboolean cancel, GError **error)
{
  g_autoptr (GFile) fa = g_file_new_for_path (a);
  g_autoptr (GFile) fb = g_file_new_for_path (b);
  LscComparison *c = lsc_comparison_new (fa, fb);
  ck_assert_double_eq (lsc_comparison_get_fraction (c), 0.0);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  if (cancel)
    g_cancellable_cancel (cancellable);
  RunState state = { g_main_loop_new (NULL, FALSE), FALSE, NULL };
  lsc_comparison_run_async (c, cancellable, done_cb, &state);
  ck_assert (!lsc_comparison_is_ready (c)); /* the work is on a thread, the result in a callback */
  g_main_loop_run (state.loop);
  g_main_loop_unref (state.loop);
  if (!state.ok)
    {
      g_propagate_error (error, state.error);
      g_object_unref (c);
      return NULL;
    }
  ck_assert (lsc_comparison_is_ready (c));
  ck_assert_double_eq (lsc_comparison_get_fraction (c), 1.0);
  return c;
}

static const lsc_diff_row *
find_row (const lsc_report_diff *d, lsc_diff_row_kind kind, const char *name)
{
  for (size_t i = 0; i < d->n_rows; i++)
    if (d->rows[i].kind == kind && strcmp (d->rows[i].name, name) == 0)
      return &d->rows[i];
  return NULL;
}

START_TEST (test_distributions_match_the_diff)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LscComparison) c = compare (a_path, b_path, FALSE, &error);
  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  const lsc_report_diff *d = lsc_comparison_get_diff (c);
  ck_assert_ptr_nonnull (d);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_SLOWER);

  static const char *const names[LSC_CHART_N_PATHS] = { "fast", "default", "raw", "graph" };
  guint paths_seen = 0;
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      const lsc_diff_row *r = find_row (d, LSC_DIFF_ROW_PATH, names[p]);
      const LscDistribution *da = lsc_comparison_get_distribution (c, LSC_COMPARISON_SIDE_A, (LscChartPath) p);
      const LscDistribution *db = lsc_comparison_get_distribution (c, LSC_COMPARISON_SIDE_B, (LscChartPath) p);
      if (!r)
        {
          ck_assert_ptr_null (da);
          ck_assert_ptr_null (db);
          continue;
        }
      paths_seen++;
      ck_assert_int_eq (da ? (gint64) lsc_distribution_get_n (da) : 0, r->count_a);
      ck_assert_int_eq (db ? (gint64) lsc_distribution_get_n (db) : 0, r->count_b);
      /* the diff's p50 is exact below 8192 ns, where these launches are: the same nearest rank */
      if (da && r->value_a < 8192)
        ck_assert_double_eq (lsc_distribution_percentile (da, 50), r->value_a);
      if (db && r->value_b < 8192)
        ck_assert_double_eq (lsc_distribution_percentile (db, 50), r->value_b);
    }
  ck_assert_uint_ge (paths_seen, 2);

  double open_ms = -1, compare_ms = -1;
  gint64 opened_at = 0;
  lsc_comparison_get_times (c, &open_ms, &compare_ms, &opened_at);
  ck_assert (open_ms >= 0 && compare_ms >= 0 && opened_at > 0);
}
END_TEST

static char *
read_all (const char *path)
{
  char *text = NULL;
  ck_assert_msg (g_file_get_contents (path, &text, NULL, NULL), "cannot read %s", path);
  return text;
}

static char *
library_output (const lsc_report_diff *d, gboolean json)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&buf, &size);
  lsc_error e;
  ck_assert_int_eq (json ? lsc_report_diff_write_json (d, f, "memory", &e) : lsc_report_diff_write_csv (d, f, "memory", &e),
                    0);
  fclose (f);
  return buf;
}

START_TEST (test_export)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LscComparison) c = compare (a_path, b_path, FALSE, &error);
  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  for (int json = 0; json < 2; json++)
    {
      g_autofree char *path = g_build_filename (tmp_dir, json ? "cmp.json" : "cmp.csv", NULL);
      g_autoptr (GFile) file = g_file_new_for_path (path);
      ck_assert (lsc_comparison_export (c, json ? LSC_COMPARISON_FORMAT_JSON : LSC_COMPARISON_FORMAT_CSV, file, &error));
      g_autofree char *got = read_all (path);
      char *want = library_output (lsc_comparison_get_diff (c), json);
      ck_assert_str_eq (got, want);
      free (want);
    }
  /* a folder that does not exist: the error names the file */
  g_autofree char *bad = g_build_filename (tmp_dir, "no-such-folder", "cmp.csv", NULL);
  g_autoptr (GFile) bad_file = g_file_new_for_path (bad);
  ck_assert (!lsc_comparison_export (c, LSC_COMPARISON_FORMAT_CSV, bad_file, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "cmp.csv"));
}
END_TEST

/* The noise floors: set before the run, they are the run's; set while it runs, its result
 * takes them; set once it finished, the verdicts follow at once, as a fresh comparison with
 * those floors gives them, and the export says so.  The metric is the run's. */
START_TEST (test_noise_floors_and_metric)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LscComparison) c = compare (a_path, b_path, FALSE, &error);
  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  const lsc_report_diff *d = lsc_comparison_get_diff (c);
  double ns = -1, pct = -1;
  lsc_comparison_get_noise (c, &ns, &pct);
  ck_assert_double_eq (ns, LSC_DIFF_DEFAULT_NOISE_NS);
  ck_assert_double_eq (pct, LSC_DIFF_DEFAULT_NOISE_PCT);
  ck_assert_int_eq (lsc_comparison_get_metric (c), LSC_DIFF_METRIC_P50);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_SLOWER);

  /* B's fast path is 15 % slower: a 50 % floor leaves no verdict there */
  ck_assert (lsc_comparison_set_noise (c, 20, 50));
  ck_assert_ptr_eq (lsc_comparison_get_diff (c), d);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_SAME);
  ck_assert_double_eq (d->noise_pct, 50);
  ck_assert (!lsc_comparison_set_noise (c, -1, 2));
  ck_assert (!lsc_comparison_set_noise (c, 20, NAN));
  lsc_comparison_get_noise (c, &ns, &pct);
  ck_assert (ns == 20 && pct == 50);
  g_autofree char *path = g_build_filename (tmp_dir, "cmp.json", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  ck_assert (lsc_comparison_export (c, LSC_COMPARISON_FORMAT_JSON, file, &error));
  g_autofree char *json = read_all (path);
  ck_assert_ptr_nonnull (strstr (json, "\"noise_pct\": 50,"));

  /* the same floors (and another metric) given before a run, and while one runs */
  for (int while_running = 0; while_running < 2; while_running++)
    {
      g_autoptr (GFile) fa = g_file_new_for_path (a_path);
      g_autoptr (GFile) fb = g_file_new_for_path (b_path);
      g_autoptr (LscComparison) other = lsc_comparison_new (fa, fb);
      if (!while_running)
        ck_assert (lsc_comparison_set_noise (other, 20, 50));
      RunState state = { g_main_loop_new (NULL, FALSE), FALSE, NULL };
      lsc_comparison_run_async (other, NULL, done_cb, &state);
      if (while_running)
        ck_assert (lsc_comparison_set_noise (other, 20, 50));
      g_main_loop_run (state.loop);
      g_main_loop_unref (state.loop);
      ck_assert_msg (state.ok, "%s", state.error ? state.error->message : "");
      const lsc_report_diff *o = lsc_comparison_get_diff (other);
      ck_assert_double_eq (o->noise_pct, 50);
      ck_assert_uint_eq (o->n_rows, d->n_rows);
      for (size_t i = 0; i < d->n_rows; i++)
        ck_assert_int_eq (o->rows[i].verdict, d->rows[i].verdict);
      char *x = library_output (o, TRUE), *y = library_output (d, TRUE);
      ck_assert_str_eq (x, y);
      free (x);
      free (y);
    }

  g_autoptr (GFile) fa = g_file_new_for_path (a_path);
  g_autoptr (GFile) fb = g_file_new_for_path (b_path);
  g_autoptr (LscComparison) mean = lsc_comparison_new (fa, fb);
  lsc_comparison_set_metric (mean, LSC_DIFF_METRIC_MEAN);
  RunState state = { g_main_loop_new (NULL, FALSE), FALSE, NULL };
  lsc_comparison_run_async (mean, NULL, done_cb, &state);
  g_main_loop_run (state.loop);
  g_main_loop_unref (state.loop);
  ck_assert (state.ok);
  ck_assert_int_eq (lsc_comparison_get_diff (mean)->metric, LSC_DIFF_METRIC_MEAN);
  ck_assert_int_eq (lsc_comparison_get_metric (mean), LSC_DIFF_METRIC_MEAN);
}
END_TEST

START_TEST (test_errors_name_the_file)
{
  g_autofree char *garbage = g_build_filename (tmp_dir, "not-a-report.lsdb", NULL);
  ck_assert (g_file_set_contents (garbage, "this is not an SQLite database, nor a report\n", -1, NULL));
  for (int side = 0; side < 2; side++)
    {
      g_autoptr (GError) error = NULL;
      LscComparison *c = side ? compare (a_path, garbage, FALSE, &error) : compare (garbage, b_path, FALSE, &error);
      ck_assert_ptr_null (c);
      ck_assert (error->domain == LSC_DOCUMENT_ERROR);
      ck_assert_msg (strstr (error->message, "not-a-report.lsdb") != NULL, "%s", error->message);
    }
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.lsdb", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (compare (a_path, missing, FALSE, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "missing.lsdb"));
}
END_TEST

START_TEST (test_cancelled)
{
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (compare (a_path, b_path, TRUE, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}
END_TEST

/* INT64_MIN/MAX in every column: values clamp into the charts' range, nothing overflows. */
START_TEST (test_extreme_values)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LscComparison) c = compare (extreme_path, a_path, FALSE, &error);
  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  const LscDistribution *d = lsc_comparison_get_distribution (c, LSC_COMPARISON_SIDE_A, LSC_CHART_PATH_FAST);
  if (d)
    ck_assert_uint_le (lsc_distribution_get_min (d), lsc_distribution_get_max (d));
}
END_TEST

/* Every hostile seed as report B (and as A): compared, or refused with an error naming it. */
START_TEST (test_hostile_reports)
{
  g_autoptr (GDir) dir = g_dir_open (hostile_dir, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  const char *name;
  guint seen = 0;
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (hostile_dir, name, NULL);
      for (int side = 0; side < 2; side++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (LscComparison) c = side ? compare (a_path, path, FALSE, &error) : compare (path, a_path, FALSE, &error);
          if (c)
            ck_assert_ptr_nonnull (lsc_comparison_get_diff (c));
          else
            ck_assert_msg (strstr (error->message, name) != NULL, "%s: %s", name, error->message);
        }
      seen++;
    }
  ck_assert_uint_gt (seen, 0);
}
END_TEST

int
main (int argc, char **argv)
{
  if (argc < 5)
    {
      fprintf (stderr, "usage: %s REPORT-A REPORT-B EXTREME-REPORT HOSTILE-REPORT-DIR\n", argv[0]);
      return 2;
    }
  a_path = argv[1];
  b_path = argv[2];
  extreme_path = argv[3];
  hostile_dir = argv[4];

  Suite *suite = suite_create ("comparison");
  TCase *tc = tcase_create ("comparison");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_distributions_match_the_diff);
  tcase_add_test (tc, test_export);
  tcase_add_test (tc, test_noise_floors_and_metric);
  tcase_add_test (tc, test_errors_name_the_file);
  tcase_add_test (tc, test_cancelled);
  tcase_add_test (tc, test_extreme_values);
  tcase_add_test (tc, test_hostile_reports);
  suite_add_tcase (suite, tc);
  SRunner *runner = srunner_create (suite);
  srunner_run_all (runner, CK_ENV);
  int failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed ? 1 : 0;
}
