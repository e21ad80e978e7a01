/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-report-diff.c — comparing reports (lsc-report-diff.h) and `launchscope-cli diff`: the
 * block bootstrap against a brute-force resample of the same blocks with the same generator,
 * identical and A/A reports giving no verdict, one path made 20 % slower flagged on exactly that
 * path, rows in one report only, sessions matched by rank and command line, differing session
 * facts warned about, untrusted files refused as `report` refuses them, --fail-if-slower's exit
 * status, byte-identical output run after run, and the JSON and CSV forms.  Reports are built
 * here with SQL from LSC_SCHEMA_SQL in a mkdtemp folder.
 *
 * argv[1], when given, is launchscope-cli: the command's tests need it.
 */
#include <check.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsc-command.h"
#include "lsc-percentile.h"
#include "lsc-report-diff.h"
#include "lsc-report.h"
#include "lsc-report-rows.h"
#include "lsc-schema.h"
#include "lsc-test-files.h"

static const char *cli_path;
static char tmp_dir[256];

static void
setup (void)
{
  ck_assert (lsc_test_dir_make (tmp_dir, sizeof tmp_dir, "lsc-diff"));
}

static void
teardown (void)
{
  lsc_test_dir_remove (tmp_dir);
}

static const char *
tmp_path (const char *name)
{
  return lsc_test_path (tmp_dir, name);
}

static void
exec_sql (sqlite3 *db, const char *sql)
{
  char *err = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &err);
  ck_assert_msg (rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
}

/* ---- reports ------------------------------------------------------------------------------------ */

#define N_PATHS 4
static const int64_t path_base_ns[N_PATHS] = { 2000, 5000, 3000, 1500 };

typedef struct {
  const char *gpu;        /* NULL: "NVIDIA H100 80GB HBM3" */
  const char *cupti_mode; /* NULL: "callbacks" */
  int64_t pid;
  bool has_rank;
  int64_t rank;
  const char *command; /* a program recorded by injection, or NULL: an engine recording */
  int launches[N_PATHS];   /* per path */
  double scale[N_PATHS];   /* host time factor per path; 0: 1 */
  bool extra_kernel;       /* a raw kernel "only_here" */
  double floor_ns;         /* > 0: 20 rounds of in-session floor blocks, bare p50 near it */
} session_opts;

typedef struct {
  unsigned seed;
  int n_sessions;
  session_opts sessions[6];
} report_opts;

static uint64_t rng;

static uint32_t
rnd (void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t) (rng >> 11);
}

/* Each path's launches in turn, fast ones alternating between two specs of kernel add8 every 100
 * launches, default ones with their stage times; raw and graph ones of kernel copy4.  Host times
 * are the path's base plus 0..399 ns, one launch in a hundred three times as long. */
static void
build (const char *path, const report_opts *o)
{
  unlink (path);
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  char sql[2048];
  snprintf (sql, sizeof sql, "PRAGMA journal_mode=OFF; PRAGMA application_id=%d; PRAGMA user_version=%d;",
            LSC_APPLICATION_ID, LSC_SCHEMA_VERSION);
  exec_sql (db, sql);
  exec_sql (db, "BEGIN");
  exec_sql (db, LSC_SCHEMA_SQL);
  rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t) o->seed * 0x2545f4914f6cdd1dull);
  sqlite3_stmt *ins = NULL;
  ck_assert_int_eq (sqlite3_prepare_v2 (db,
                                        "INSERT INTO launch (session_id, kernel_id, spec_id, path, outcome, status, "
                                        "start_ns, host_ns, api_ns, resolve_ns, bind_ns, specialize_ns, key_ns, "
                                        "lookup_ns, globals_ns, metadata_ns, launch_ns) VALUES (?1, ?2, ?3, ?4, 0, 0, "
                                        "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                                        -1, &ins, NULL),
                    SQLITE_OK);
  int n_sessions = o->n_sessions ? o->n_sessions : 1;
  for (int s = 1; s <= n_sessions; s++)
    {
      const session_opts *so = &o->sessions[s - 1];
      char settings[512], rank[64] = "";
      if (so->has_rank)
        snprintf (rank, sizeof rank, ", \"rank\": %" PRId64, so->rank);
      if (so->command)
        snprintf (settings, sizeof settings,
                  "{\"source\": \"injection\", \"pid\": %" PRId64 ", \"ppid\": 1, \"command\": \"%s\"%s}", so->pid,
                  so->command, rank);
      else
        snprintf (settings, sizeof settings, "{\"pid\": %" PRId64 ", \"workload\": \"add8\", \"iters\": 10}", so->pid);
      sqlite3_stmt *st = NULL;
      ck_assert_int_eq (sqlite3_prepare_v2 (db,
                                            "INSERT INTO session (id, host, gpu, driver_version, toolkit, cpu, settings, "
                                            "workload, start_ns, stop_ns, observer_overhead_ns, cupti_mode, "
                                            "raw_floor_p50_ns) VALUES (?1, 'testhost', ?2, 13000, '13.0', 'Test CPU', ?3, "
                                            "?4, 1000, 999999999999, 35.5, ?5, 2100.5)",
                                            -1, &st, NULL),
                        SQLITE_OK);
      sqlite3_bind_int (st, 1, s);
      sqlite3_bind_text (st, 2, so->gpu ? so->gpu : "NVIDIA H100 80GB HBM3", -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 3, settings, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 4, so->command ? so->command : "add8", -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 5, so->cupti_mode ? so->cupti_mode : "callbacks", -1, SQLITE_STATIC);
      ck_assert_int_eq (sqlite3_step (st), SQLITE_DONE);
      sqlite3_finalize (st);
      snprintf (sql, sizeof sql,
                "INSERT INTO kernel (id, session_id, name) VALUES (%d, %d, 'add8'), (%d, %d, 'copy4'), (%d, %d, "
                "'only_here');"
                "INSERT INTO spec (id, kernel_id, key, description) VALUES (%d, %d, 1, 'arg0=aligned'), (%d, %d, 2, "
                "'arg0=unaligned');",
                s * 10 + 1, s, s * 10 + 2, s, s * 10 + 3, s, s * 10 + 1, s * 10 + 1, s * 10 + 2, s * 10 + 1);
      exec_sql (db, sql);
      for (int r = 0; so->floor_ns > 0 && r < 20; r++)
        {
          snprintf (sql, sizeof sql,
                    "INSERT INTO floor_block (session_id, round, kind, path, start_ns, launches, p50_ns) VALUES "
                    "(%d, %d, 0, 0, %d, 32, %.0f), (%d, %d, 1, 0, %d, 32, %.0f), (%d, %d, 2, 0, %d, 32, %.0f)",
                    s, r, r * 1000, so->floor_ns + rnd () % 50, s, r, r * 1000 + 1, so->floor_ns + 100 + rnd () % 50,
                    s, r, r * 1000 + 2, so->floor_ns + 300 + rnd () % 50);
          exec_sql (db, sql);
        }
      int64_t t = 1000;
      for (int p = 0; p < N_PATHS; p++)
        for (int i = 0; i < so->launches[p]; i++)
          {
            int64_t host = path_base_ns[p] + (int64_t) (rnd () % 400);
            if (rnd () % 100 == 0)
              host *= 3;
            if (so->scale[p] > 0)
              host = (int64_t) llround ((double) host * so->scale[p]);
            sqlite3_reset (ins);
            sqlite3_clear_bindings (ins);
            sqlite3_bind_int (ins, 1, s);
            bool extra = so->extra_kernel && p == 2 && i % 2;
            sqlite3_bind_int (ins, 2, s * 10 + (extra ? 3 : p < 2 ? 1 : 2));
            if (p == 0)
              sqlite3_bind_int (ins, 3, s * 10 + 1 + (i / 100) % 2);
            sqlite3_bind_int (ins, 4, p);
            sqlite3_bind_int64 (ins, 5, t);
            sqlite3_bind_int64 (ins, 6, host);
            sqlite3_bind_int64 (ins, 7, host - 100);
            if (p == 1)
              for (int k = 0; k < 8; k++)
                sqlite3_bind_int64 (ins, 8 + k, 100 + k * 50 + (int64_t) (rnd () % 40));
            ck_assert_int_eq (sqlite3_step (ins), SQLITE_DONE);
            t += 10000;
          }
    }
  sqlite3_finalize (ins);
  exec_sql (db, LSC_SCHEMA_INDEX_SQL);
  exec_sql (db, "COMMIT");
  ck_assert_int_eq (sqlite3_close (db), SQLITE_OK);
}

static report_opts
plain_opts (unsigned seed)
{
  return (report_opts){ .seed = seed,
                        .n_sessions = 1,
                        .sessions = { { .pid = 100 + seed, .launches = { 3000, 1500, 800, 400 } } } };
}

static lsc_report_diff *
diff_files (const char *a, const char *b, const lsc_diff_options *o)
{
  lsc_error e;
  lsc_report *ra = lsc_report_open (a, 0, &e);
  ck_assert_msg (ra != NULL, "%s", e.message);
  lsc_report *rb = lsc_report_open (b, 0, &e);
  ck_assert_msg (rb != NULL, "%s", e.message);
  lsc_report_diff *d = lsc_report_diff_compute (ra, rb, o, &e);
  ck_assert_msg (d != NULL, "%s", e.message);
  lsc_report_free (ra);
  lsc_report_free (rb);
  return d;
}

static const lsc_diff_row *
find_row (const lsc_report_diff *d, lsc_diff_row_kind kind, const char *name)
{
  for (size_t i = 0; i < d->n_rows; i++)
    if (d->rows[i].kind == kind && strcmp (d->rows[i].name, name) == 0)
      return &d->rows[i];
  return NULL;
}

/* ---- the bootstrap against a brute-force reference ---------------------------------------------- */

static uint64_t
ref_splitmix (uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static int
cmp_i64 (const void *x, const void *y)
{
  int64_t a = *(const int64_t *) x, b = *(const int64_t *) y;
  return (a > b) - (a < b);
}

/* The metric of the values of the drawn blocks taken together, by sorting them. */
static double
ref_resample (const int64_t *v, size_t n, uint64_t *state, lsc_diff_metric metric)
{
  unsigned k = n < 64 ? (unsigned) n : 64;
  int64_t *all = malloc (n * 2 * sizeof *all + 64 * sizeof *all);
  size_t m = 0;
  for (unsigned j = 0; j < k; j++)
    {
      unsigned b = (unsigned) (((ref_splitmix (state) >> 32) * k) >> 32);
      size_t from = n * b / k, to = n * (b + 1) / k;
      if (m + (to - from) > n * 2 + 64)
        all = realloc (all, (m + (to - from)) * sizeof *all);
      memcpy (all + m, v + from, (to - from) * sizeof *v);
      m += to - from;
    }
  double out;
  if (metric == LSC_DIFF_METRIC_MEAN)
    {
      long double sum = 0;
      for (size_t i = 0; i < m; i++)
        sum += all[i];
      out = (double) (sum / m);
    }
  else
    {
      static const double pct[] = { 50, 90, 99 };
      qsort (all, m, sizeof *all, cmp_i64);
      out = (double) all[lsc_percentile_index (m, pct[metric])];
    }
  free (all);
  return out;
}

static double
ref_metric (const int64_t *v, size_t n, lsc_diff_metric metric)
{
  int64_t *s = malloc (n * sizeof *s);
  memcpy (s, v, n * sizeof *s);
  double out;
  if (metric == LSC_DIFF_METRIC_MEAN)
    {
      long double sum = 0;
      for (size_t i = 0; i < n; i++)
        sum += s[i];
      out = (double) (sum / n);
    }
  else
    {
      static const double pct[] = { 50, 90, 99 };
      qsort (s, n, sizeof *s, cmp_i64);
      out = (double) s[lsc_percentile_index (n, pct[metric])];
    }
  free (s);
  return out;
}

static void
check_against_reference (const int64_t *a, size_t na, const int64_t *b, size_t nb, lsc_diff_metric metric,
                         bool exact_bins)
{
  const unsigned R = 300;
  const uint64_t seed = 0x1234abcd;
  double *got = calloc (R, sizeof *got);
  lsc_diff_estimate est;
  ck_assert_int_eq (lsc_diff_bootstrap (a, na, b, nb, metric, seed, R, got, &est), 0);
  ck_assert_int_eq (est.blocks_a, na < 64 ? na : 64);
  /* The point estimates are exact whatever the bins. */
  ck_assert_double_eq_tol (est.value_a, ref_metric (a, na, metric), 1e-9 * fabs (est.value_a) + 1e-9);
  ck_assert_double_eq_tol (est.value_b, ref_metric (b, nb, metric), 1e-9 * fabs (est.value_b) + 1e-9);
  uint64_t state = seed;
  double mean = 0, m2 = 0;
  for (unsigned r = 0; r < R; r++)
    {
      double va = ref_resample (a, na, &state, metric);
      double vb = ref_resample (b, nb, &state, metric);
      double want = vb - va;
      if (exact_bins || metric == LSC_DIFF_METRIC_MEAN)
        ck_assert_msg (fabs (got[r] - want) <= 1e-6 * (fabs (va) + fabs (vb)) + 1e-9,
                       "replicate %u (metric %d): got %.6f, brute force %.6f", r, metric, got[r], want);
      else /* above 8192 ns a bin spans 1/4096 of its value: within two bins */
        ck_assert_msg (fabs (got[r] - want) <= 2 * (fabs (va) + fabs (vb)) / 4096.0, "replicate %u: got %.3f, want %.3f",
                       r, got[r], want);
      double delta = got[r] - mean;
      mean += delta / (r + 1);
      m2 += delta * (got[r] - mean);
    }
  ck_assert_double_eq_tol (est.sd_ns, sqrt (m2 / (R - 1)), 1e-9 * est.sd_ns + 1e-12);
  free (got);
}

START_TEST (test_bootstrap_reference)
{
  /* Uneven blocks (1000 and 1301 values over 64 blocks), values below 8192 ns where the bins
   * are exact, drifting so that blocks differ; then a small sample (fewer values than blocks),
   * and values spread far above 8192 ns. */
  size_t na = 1000, nb = 1301;
  int64_t *a = malloc (nb * sizeof *a), *b = malloc (nb * sizeof *b);
  rng = 77;
  for (size_t i = 0; i < nb; i++)
    {
      a[i] = 1000 + (int64_t) (rnd () % 3000) + (int64_t) i;
      b[i] = 1100 + (int64_t) (rnd () % 3000) + (int64_t) (i % 500);
    }
  for (int m = 0; m <= LSC_DIFF_METRIC_MEAN; m++)
    {
      check_against_reference (a, na, b, nb, (lsc_diff_metric) m, true);
      check_against_reference (a, 37, b, 50, (lsc_diff_metric) m, true);
    }
  for (size_t i = 0; i < nb; i++)
    {
      a[i] = 10000 + (int64_t) (rnd () % 5000000);
      b[i] = 9000 + (int64_t) (rnd () % 5000000);
    }
  for (int m = 0; m <= LSC_DIFF_METRIC_MEAN; m++)
    check_against_reference (a, na, b, nb, (lsc_diff_metric) m, false);

  /* A known case: every value equal on each side, so every replicate has the same difference. */
  for (size_t i = 0; i < nb; i++)
    a[i] = 2500, b[i] = 2600;
  lsc_diff_estimate est;
  ck_assert_int_eq (lsc_diff_bootstrap (a, na, b, nb, LSC_DIFF_METRIC_P50, 9, 100, NULL, &est), 0);
  ck_assert_double_eq (est.diff_ns, 100);
  ck_assert_double_eq (est.sd_ns, 0);
  free (a);
  free (b);
}
END_TEST

START_TEST (test_blocks_see_correlation)
{
  /* Launches in stretches of 400 at one of two levels 200 ns apart (another process busy, then
   * not): consecutive launches are correlated.  The same values shuffled are independent.  The
   * blocks keep the stretches together, so the interval reflects how many slow stretches a run
   * happens to hold; shuffled, it shrinks to the spread of independent launches. */
  size_t n = 6400;
  int64_t *a = malloc (n * sizeof *a), *b = malloc (n * sizeof *b);
  int64_t *sa = malloc (n * sizeof *sa), *sb = malloc (n * sizeof *sb);
  rng = 99;
  int64_t level_a = 0, level_b = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (i % 400 == 0)
        {
          level_a = rnd () % 2 ? 200 : 0;
          level_b = rnd () % 2 ? 200 : 0;
        }
      sa[i] = a[i] = 2000 + level_a + (int64_t) (rnd () % 300);
      sb[i] = b[i] = 2000 + level_b + (int64_t) (rnd () % 300);
    }
  for (size_t i = n - 1; i > 0; i--)
    {
      size_t j = rnd () % (i + 1), k = rnd () % (i + 1);
      int64_t t = sa[i];
      sa[i] = sa[j], sa[j] = t;
      t = sb[i];
      sb[i] = sb[k], sb[k] = t;
    }
  for (int m = 0; m <= LSC_DIFF_METRIC_MEAN; m += 3) /* p50 and mean */
    {
      lsc_diff_estimate blocked, shuffled;
      ck_assert_int_eq (lsc_diff_bootstrap (a, n, b, n, (lsc_diff_metric) m, 5, 1000, NULL, &blocked), 0);
      ck_assert_int_eq (lsc_diff_bootstrap (sa, n, sb, n, (lsc_diff_metric) m, 5, 1000, NULL, &shuffled), 0);
      ck_assert_double_eq (blocked.diff_ns, shuffled.diff_ns); /* the same values */
      ck_assert_msg (blocked.sd_ns > 3 * shuffled.sd_ns, "metric %d: sd %.2f in blocks, %.2f shuffled", m,
                     blocked.sd_ns, shuffled.sd_ns);
    }
  free (a);
  free (b);
  free (sa);
  free (sb);
}
END_TEST

/* ---- rows and verdicts ---------------------------------------------------------------------------- */

typedef struct {
  pthread_t first;
  int calls, other;
} reading_threads;

static int
note_thread (void *data)
{
  reading_threads *t = data;
  t->calls++;
  t->other += !pthread_equal (pthread_self (), t->first);
  return 0;
}

START_TEST (test_identical_reports)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb"), *c = tmp_path ("c.lsdb");
  report_opts o = plain_opts (1);
  build (a, &o);
  build (b, &o);
  o.sessions[0].pid = 999; /* another run: only its pid and its noise differ */
  o.seed = 2;
  build (c, &o);
  lsc_diff_options opt;
  for (int m = 0; m <= LSC_DIFF_METRIC_MEAN; m++)
    {
      lsc_diff_options_init (&opt);
      opt.metric = (lsc_diff_metric) m;
      const char *others[2] = { b, c };
      for (int k = 0; k < 2; k++)
        {
          lsc_report_diff *d = diff_files (a, others[k], &opt);
          /* paths 4, kernels 2, specs 2, stages 8 */
          ck_assert_uint_eq (d->n_rows, 16);
          ck_assert_uint_eq (d->tested, 16);
          for (size_t i = 0; i < d->n_rows; i++)
            {
              const lsc_diff_row *r = &d->rows[i];
              ck_assert_msg (r->verdict == LSC_DIFF_SAME, "%s %s: %s (%.1f ns, [%.1f, %.1f])",
                             lsc_diff_row_kind_name (r->kind), r->name, lsc_diff_verdict_name (r->verdict), r->diff_ns,
                             r->ci_low_ns, r->ci_high_ns);
              ck_assert_int_eq (r->count_a, r->count_b);
              if (k == 0)
                {
                  ck_assert_double_eq (r->diff_ns, 0);
                  ck_assert_double_eq (r->ci_low_ns, -r->ci_high_ns);
                }
            }
          /* One session each: the intervals cannot see the scatter between recordings. */
          ck_assert_uint_eq (d->n_warnings, 1);
          ck_assert_msg (strstr (d->warnings[0], "A holds 1 session and B 1"), "%s", d->warnings[0]);
          for (size_t i = 0; i < d->n_facts; i++)
            ck_assert_msg (!d->facts[i].differs, "%s differs", d->facts[i].name);
          lsc_report_diff_free (d);
        }
    }
  /* One handle on both sides (the app comparing a report with itself): it is read from one
   * thread, which the reader's cancel callback, called as SQLite works, sees. */
  lsc_error e;
  lsc_report *r = lsc_report_open (a, 0, &e);
  reading_threads threads = { .first = pthread_self () };
  lsc_report_set_cancel (r, note_thread, &threads);
  lsc_report_diff *d = lsc_report_diff_compute (r, r, NULL, &e);
  ck_assert_int_gt (threads.calls, 0);
  ck_assert_int_eq (threads.other, 0);
  ck_assert_msg (d != NULL, "%s", e.message);
  ck_assert_uint_eq (d->n_rows, 16);
  for (size_t i = 0; i < d->n_rows; i++)
    {
      ck_assert_int_eq (d->rows[i].verdict, LSC_DIFF_SAME);
      ck_assert_double_eq (d->rows[i].diff_ns, 0);
    }
  lsc_report_diff_free (d);
  lsc_report_free (r);
}
END_TEST

START_TEST (test_one_path_slower)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = plain_opts (3);
  build (a, &o);
  o.seed = 4;
  o.sessions[0].scale[0] = 1.2;
  build (b, &o);
  lsc_report_diff *d = diff_files (a, b, NULL);
  for (size_t i = 0; i < d->n_rows; i++)
    {
      const lsc_diff_row *r = &d->rows[i];
      /* The fast path is all of spec arg0=*: those rows go with it. */
      bool slower = (r->kind == LSC_DIFF_ROW_PATH && strcmp (r->name, "fast") == 0) || r->kind == LSC_DIFF_ROW_SPEC;
      if (r->kind == LSC_DIFF_ROW_KERNEL)
        continue; /* add8 mixes fast and default launches */
      ck_assert_msg (r->verdict == (slower ? LSC_DIFF_SLOWER : LSC_DIFF_SAME), "%s %s: %s (%.1f ns, %.2f%%)",
                     lsc_diff_row_kind_name (r->kind), r->name, lsc_diff_verdict_name (r->verdict), r->diff_ns,
                     r->diff_pct);
    }
  const lsc_diff_row *fast = find_row (d, LSC_DIFF_ROW_PATH, "fast");
  ck_assert (fast->ci_low_ns > 0);
  ck_assert (fast->diff_pct > 15 && fast->diff_pct < 25);
  ck_assert (lsc_report_diff_slower_than (d, 10));
  ck_assert (!lsc_report_diff_slower_than (d, 30));
  lsc_report_diff_free (d);

  /* B to A: faster. */
  d = diff_files (b, a, NULL);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_FASTER);
  ck_assert (!lsc_report_diff_slower_than (d, 0));
  lsc_report_diff_free (d);

  /* A noise floor above the difference: no verdict. */
  lsc_diff_options opt;
  lsc_diff_options_init (&opt);
  opt.noise_pct = 30;
  d = diff_files (a, b, &opt);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_SAME);
  lsc_report_diff_free (d);
  lsc_diff_options_init (&opt);
  opt.noise_ns = 1000;
  d = diff_files (a, b, &opt);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_SAME);
  lsc_report_diff_free (d);
}
END_TEST

/* on_value sees each compared value once, on its side and path: its count and mean per path are
 * the path rows'. */
typedef struct {
  int64_t count[2][LSC_PATH_COUNT + 1];
  double sum[2][LSC_PATH_COUNT + 1];
} value_tally;

static void
tally_value (int side, int path, int64_t value_ns, void *data)
{
  value_tally *t = data;
  ck_assert (side == 0 || side == 1);
  ck_assert (path >= 0 && path <= LSC_PATH_COUNT);
  t->count[side][path]++;
  t->sum[side][path] += (double) value_ns;
}

START_TEST (test_on_value_sees_the_path_values)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = plain_opts (5);
  build (a, &o);
  o.seed = 6;
  o.sessions[0].scale[0] = 1.3;
  build (b, &o);
  value_tally tally = { 0 };
  lsc_diff_options opt;
  lsc_diff_options_init (&opt);
  opt.metric = LSC_DIFF_METRIC_MEAN;
  opt.on_value = tally_value;
  opt.on_value_data = &tally;
  lsc_report_diff *d = diff_files (a, b, &opt);
  static const char *const names[] = { "fast", "default", "raw", "graph" };
  int64_t seen = 0;
  for (int p = 0; p < LSC_PATH_COUNT; p++)
    {
      const lsc_diff_row *r = find_row (d, LSC_DIFF_ROW_PATH, names[p]);
      int64_t count_a = r ? r->count_a : 0, count_b = r ? r->count_b : 0;
      ck_assert_int_eq (tally.count[0][p], count_a);
      ck_assert_int_eq (tally.count[1][p], count_b);
      if (count_a > 0)
        ck_assert_double_eq_tol (tally.sum[0][p] / (double) count_a, r->value_a, 1e-6 * r->value_a + 1e-9);
      if (count_b > 0)
        ck_assert_double_eq_tol (tally.sum[1][p] / (double) count_b, r->value_b, 1e-6 * r->value_b + 1e-9);
      seen += count_a + count_b;
    }
  ck_assert_int_gt (seen, 0);
  lsc_report_diff_free (d);
}
END_TEST

START_TEST (test_only_in_one)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = plain_opts (5);
  build (a, &o);
  o.sessions[0].launches[3] = 0; /* no graph launches */
  o.sessions[0].extra_kernel = true;
  build (b, &o);
  lsc_report_diff *d = diff_files (a, b, NULL);
  const lsc_diff_row *graph = find_row (d, LSC_DIFF_ROW_PATH, "graph");
  ck_assert_ptr_nonnull (graph);
  ck_assert_int_eq (graph->verdict, LSC_DIFF_ONLY_A);
  ck_assert_int_eq (graph->count_b, 0);
  ck_assert_double_gt (graph->value_a, 1500);
  const lsc_diff_row *extra = find_row (d, LSC_DIFF_ROW_KERNEL, "only_here");
  ck_assert_ptr_nonnull (extra);
  ck_assert_int_eq (extra->verdict, LSC_DIFF_ONLY_B);
  ck_assert_int_eq (extra->count_b, 400);
  /* rows in one report only do not count towards the correction */
  ck_assert_uint_eq (d->tested, d->n_rows - 2);
  lsc_report_diff_free (d);

  /* A path that nearly vanished in B (the skip switch on): not tested, and said so, even
   * when its few launches are three times as slow. */
  o = plain_opts (5);
  o.sessions[0].launches[0] = 5;
  o.sessions[0].scale[0] = 3;
  build (b, &o);
  d = diff_files (a, b, NULL);
  const lsc_diff_row *fast = find_row (d, LSC_DIFF_ROW_PATH, "fast");
  ck_assert_int_eq (fast->count_b, 5);
  ck_assert_int_eq (fast->verdict, LSC_DIFF_TOO_FEW);
  ck_assert_str_eq (lsc_diff_verdict_name (fast->verdict), "too few launches");
  lsc_report_diff_free (d);
}
END_TEST

START_TEST (test_facts_and_warnings)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = plain_opts (6);
  build (a, &o);
  o.sessions[0].gpu = "NVIDIA H200";
  o.sessions[0].cupti_mode = "activity";
  o.sessions[0].pid = 31337;
  build (b, &o);
  lsc_report_diff *d = diff_files (a, b, NULL);
  int differing = 0;
  for (size_t i = 0; i < d->n_facts; i++)
    if (d->facts[i].differs)
      {
        differing++;
        ck_assert_msg (strcmp (d->facts[i].name, "gpu") == 0 || strcmp (d->facts[i].name, "cupti_mode") == 0, "%s",
                       d->facts[i].name);
        if (strcmp (d->facts[i].name, "gpu") == 0)
          {
            ck_assert_str_eq (d->facts[i].a, "NVIDIA H100 80GB HBM3");
            ck_assert_str_eq (d->facts[i].b, "NVIDIA H200");
          }
      }
  ck_assert_int_eq (differing, 2);
  ck_assert_uint_eq (d->n_warnings, 3);
  ck_assert_str_eq (d->warnings[0], "comparison doubtful: the GPU differs between A and B");
  ck_assert_str_eq (d->warnings[1], "comparison doubtful: the CUPTI mode differs between A and B");
  ck_assert_msg (strstr (d->warnings[2], "record 3 sessions or more"), "%s", d->warnings[2]);
  lsc_report_diff_free (d);
}
END_TEST

START_TEST (test_processes_matched)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  /* A: ranks 0 and 1, then an unranked helper; B: the same in another order, rank 1 slower. */
  report_opts oa = { .seed = 7, .n_sessions = 3 };
  report_opts ob = { .seed = 8, .n_sessions = 3 };
  session_opts r0 = { .pid = 10, .has_rank = true, .rank = 0, .command = "python train.py", .launches = { 0, 0, 2000, 0 } };
  session_opts r1 = r0, helper = r0;
  r1.rank = 1;
  r1.pid = 11;
  helper.has_rank = false;
  helper.command = "python helper.py";
  helper.pid = 12;
  oa.sessions[0] = r0, oa.sessions[1] = r1, oa.sessions[2] = helper;
  session_opts r1_slow = r1;
  r1_slow.scale[2] = 1.3;
  ob.sessions[0] = helper, ob.sessions[1] = r1_slow, ob.sessions[2] = r0;
  build (a, &oa);
  build (b, &ob);
  lsc_report_diff *d = diff_files (a, b, NULL);
  const lsc_diff_row *p0 = find_row (d, LSC_DIFF_ROW_PROCESS, "rank 0"), *p1 = find_row (d, LSC_DIFF_ROW_PROCESS, "rank 1");
  const lsc_diff_row *ph = find_row (d, LSC_DIFF_ROW_PROCESS, "python helper.py");
  ck_assert_ptr_nonnull (p0);
  ck_assert_ptr_nonnull (p1);
  ck_assert_ptr_nonnull (ph);
  ck_assert_int_eq (p0->session_a, 1);
  ck_assert_int_eq (p0->session_b, 3);
  ck_assert_int_eq (p1->session_a, 2);
  ck_assert_int_eq (p1->session_b, 2);
  ck_assert_int_eq (ph->session_a, 3);
  ck_assert_int_eq (ph->session_b, 1);
  ck_assert_int_eq (p0->verdict, LSC_DIFF_SAME);
  ck_assert_int_eq (ph->verdict, LSC_DIFF_SAME);
  ck_assert_int_eq (p1->verdict, LSC_DIFF_SLOWER);
  /* The facts shown are rank 0's on both sides: the same program, no warning. */
  ck_assert_int_eq (d->a.session_id, 1);
  ck_assert_int_eq (d->b.session_id, 3);
  ck_assert_uint_eq (d->n_warnings, 0);
  /* Raw launches of a program recorded by injection: the launch call's api_ns (host - 100). */
  const lsc_diff_row *raw = find_row (d, LSC_DIFF_ROW_PATH, "raw");
  ck_assert_int_eq (raw->count_a, 6000);
  /* Every raw launch is of kernel copy4: the two rows hold the same launches, and one interval. */
  const lsc_diff_row *copy4 = find_row (d, LSC_DIFF_ROW_KERNEL, "copy4");
  ck_assert_double_eq (raw->ci_low_ns, copy4->ci_low_ns);
  ck_assert_double_eq (raw->ci_high_ns, copy4->ci_high_ns);
  ck_assert_int_eq (raw->verdict, copy4->verdict);
  lsc_report_diff_free (d);

  /* One session of each: no process rows, and only those launches. */
  lsc_diff_options opt;
  lsc_diff_options_init (&opt);
  opt.has_session_a = opt.has_session_b = true;
  opt.session_a = 2;
  opt.session_b = 2;
  d = diff_files (a, b, &opt);
  ck_assert_ptr_null (find_row (d, LSC_DIFF_ROW_PROCESS, "rank 1"));
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "raw")->count_a, 2000);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "raw")->verdict, LSC_DIFF_SLOWER);
  lsc_report_diff_free (d);

  /* A session that is not there names the file and the sessions it has. */
  opt.session_b = 9;
  lsc_error e;
  lsc_report *ra = lsc_report_open (a, 0, &e), *rb = lsc_report_open (b, 0, &e);
  ck_assert_ptr_null (lsc_report_diff_compute (ra, rb, &opt, &e));
  ck_assert_msg (strstr (e.message, b) && strstr (e.message, "no session 9") && strstr (e.message, "1, 2, 3"), "%s",
                 e.message);
  lsc_report_free (ra);
  lsc_report_free (rb);
}
END_TEST

START_TEST (test_raw_uses_api_time)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = { .seed = 9, .n_sessions = 1 };
  o.sessions[0] = (session_opts){ .pid = 5, .command = "./app", .launches = { 0, 0, 500, 0 } };
  build (a, &o);
  o.sessions[0].command = NULL; /* the same launches recorded by the engine: host_ns */
  build (b, &o);
  lsc_diff_options opt;
  lsc_diff_options_init (&opt);
  opt.metric = LSC_DIFF_METRIC_MEAN;
  lsc_report_diff *d = diff_files (a, b, &opt);
  const lsc_diff_row *raw = find_row (d, LSC_DIFF_ROW_PATH, "raw");
  ck_assert_double_eq_tol (raw->diff_ns, 100, 1e-6);
  lsc_report_diff_free (d);
}
END_TEST

/* ---- writers ----------------------------------------------------------------------------------------- */

static char *
write_to_string (const lsc_report_diff *d, int (*writer) (const lsc_report_diff *, FILE *, const char *, lsc_error *))
{
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&buf, &size);
  lsc_error e;
  ck_assert_int_eq (writer (d, f, "memory", &e), 0);
  fclose (f);
  return buf;
}

START_TEST (test_student_t)
{
  /* Two-sided quantiles from the tables. */
  static const struct {
    double alpha, df, t;
  } table[] = { { 0.05, 1, 12.7062 }, { 0.05, 4, 2.7764 }, { 0.01, 10, 3.1693 }, { 0.05, 30, 2.0423 },
                { 0.001, 5, 6.8688 }, { 0.2, 2, 1.8856 },  { 0.05, 1e6, 1.9600 } };
  for (size_t i = 0; i < sizeof table / sizeof *table; i++)
    ck_assert_msg (fabs (lsc_diff_student_t (table[i].alpha, table[i].df) - table[i].t) < 5e-4, "t(%g, %g) = %.5f, want %.4f",
                   table[i].alpha, table[i].df, lsc_diff_student_t (table[i].alpha, table[i].df), table[i].t);
}
END_TEST

/* Each session's nearest-rank p50 of a path's host times, read straight from the file. */
static int
session_p50s (const char *path, int p, double *out)
{
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  int n = 0;
  for (int s = 1; s <= 6; s++)
    {
      char sql[256];
      snprintf (sql, sizeof sql, "SELECT host_ns FROM launch WHERE session_id = %d AND path = %d ORDER BY host_ns", s, p);
      sqlite3_stmt *st = NULL;
      ck_assert_int_eq (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), SQLITE_OK);
      int64_t v[4000];
      size_t k = 0;
      while (sqlite3_step (st) == SQLITE_ROW && k < 4000)
        v[k++] = sqlite3_column_int64 (st, 0);
      sqlite3_finalize (st);
      if (k)
        out[n++] = (double) v[lsc_percentile_index (k, 50)];
    }
  sqlite3_close (db);
  return n;
}

static report_opts
repeated_opts (unsigned seed, const double *scatter, int n, double fast_scale)
{
  report_opts o = { .seed = seed, .n_sessions = n };
  for (int i = 0; i < n; i++)
    {
      o.sessions[i] = (session_opts){ .pid = 100 + i, .launches = { 600, 300, 200, 0 } };
      for (int p = 0; p < 3; p++)
        o.sessions[i].scale[p] = scatter[i] * (p == 0 ? fast_scale : 1);
    }
  return o;
}

START_TEST (test_sessions_as_unit)
{
  /* Repeats of one recording whose sessions ran at different speeds, as on a shared machine. */
  static const double scatter_a[5] = { 1.00, 1.08, 0.95, 1.12, 0.97 }, scatter_b[5] = { 1.10, 0.93, 1.05, 0.99, 1.06 };
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts oa = repeated_opts (31, scatter_a, 5, 1), ob = repeated_opts (32, scatter_b, 5, 1);
  build (a, &oa);
  build (b, &ob);
  lsc_report_diff *d = diff_files (a, b, NULL);
  const lsc_diff_row *fast = find_row (d, LSC_DIFF_ROW_PATH, "fast");
  ck_assert_int_eq (fast->sessions_a, 5);
  ck_assert_int_eq (fast->sessions_b, 5);
  /* Welch's interval over the sessions' p50s, computed here from the files. */
  double xa[6], xb[6];
  ck_assert_int_eq (session_p50s (a, 0, xa), 5);
  ck_assert_int_eq (session_p50s (b, 0, xb), 5);
  double ma = 0, mb = 0, va = 0, vb = 0;
  for (int i = 0; i < 5; i++)
    ma += xa[i] / 5, mb += xb[i] / 5;
  for (int i = 0; i < 5; i++)
    va += (xa[i] - ma) * (xa[i] - ma) / 4, vb += (xb[i] - mb) * (xb[i] - mb) / 4;
  double se2 = va / 5 + vb / 5, df = se2 * se2 / ((va / 5) * (va / 5) / 4 + (vb / 5) * (vb / 5) / 4);
  double half = lsc_diff_student_t (1 - d->level, df) * sqrt (se2);
  ck_assert_double_eq_tol (fast->value_a, ma, 1e-9);
  ck_assert_double_eq_tol (fast->value_b, mb, 1e-9);
  ck_assert_double_eq_tol (fast->ci_low_ns, mb - ma - half, 1e-6);
  ck_assert_double_eq_tol (fast->ci_high_ns, mb - ma + half, 1e-6);
  /* The scatter between sessions is no change, on any row, and no process rows for repeats. */
  for (size_t i = 0; i < d->n_rows; i++)
    {
      ck_assert_msg (d->rows[i].verdict == LSC_DIFF_SAME, "%s %s: %s", lsc_diff_row_kind_name (d->rows[i].kind),
                     d->rows[i].name, lsc_diff_verdict_name (d->rows[i].verdict));
      ck_assert_int_ne (d->rows[i].kind, LSC_DIFF_ROW_PROCESS);
    }
  ck_assert_uint_eq (d->n_warnings, 0);
  lsc_report_diff_free (d);
  /* The same sessions as one recording each: blocks of launches see no scatter and call it. */
  report_opts one_a = repeated_opts (31, scatter_a + 3, 1, 1), one_b = repeated_opts (32, scatter_b + 1, 1, 1);
  build (a, &one_a);
  build (b, &one_b);
  d = diff_files (a, b, NULL);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_FASTER);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->sessions_a, 0);
  lsc_report_diff_free (d);
  /* A real change beyond the scatter, on one path only. */
  ob = repeated_opts (32, scatter_b, 5, 1.4);
  build (a, &oa);
  build (b, &ob);
  d = diff_files (a, b, NULL);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_SLOWER);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "default")->verdict, LSC_DIFF_SAME);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "raw")->verdict, LSC_DIFF_SAME);
  lsc_report_diff_free (d);
  /* The skip switch on for a whole run: B's fast path keeps a launch or two per session, too
   * few to test.  That row is left untested, and the sessions of the tested rows cover the
   * scatter: no warning that the intervals cover one recording only. */
  ob = repeated_opts (32, scatter_b, 5, 1);
  for (int i = 0; i < 5; i++)
    ob.sessions[i].launches[0] = 2;
  build (b, &ob);
  d = diff_files (a, b, NULL);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict, LSC_DIFF_TOO_FEW);
  ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_PATH, "default")->sessions_a, 5);
  for (size_t i = 0; i < d->n_warnings; i++)
    ck_assert_msg (!strstr (d->warnings[i], "cover the scatter within a recording"), "%s", d->warnings[i]);
  lsc_report_diff_free (d);
}
END_TEST

START_TEST (test_floor_moved_warning)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = plain_opts (3);
  o.sessions[0].floor_ns = 2500;
  build (a, &o);
  o.seed = 4;
  build (b, &o);
  lsc_report_diff *d = diff_files (a, b, NULL);
  for (size_t i = 0; i < d->n_warnings; i++)
    ck_assert_msg (!strstr (d->warnings[i], "floor"), "%s", d->warnings[i]);
  lsc_report_diff_free (d);
  o.sessions[0].floor_ns = 3400;
  build (b, &o);
  d = diff_files (a, b, NULL);
  bool warned = false;
  for (size_t i = 0; i < d->n_warnings; i++)
    warned = warned || strstr (d->warnings[i], "the in-session floor (a bare cuLaunchKernel) moved from");
  ck_assert_msg (warned, "no warning about the floor among %zu", d->n_warnings);
  lsc_report_diff_free (d);
}
END_TEST

/* Deciding a comparison's verdicts again for other noise floors gives exactly what comparing
 * the reports afresh with those floors gives: rows, the floor's warning and the thresholds, in
 * every writer's output, from one comparison taken through floors that flip the fast path's
 * verdict and the warning both ways. */
START_TEST (test_decide_matches_fresh_diff)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = plain_opts (3);
  o.sessions[0].floor_ns = 2500;
  build (a, &o);
  o.seed = 4;
  o.sessions[0].scale[0] = 1.2;
  o.sessions[0].floor_ns = 3400;
  o.sessions[0].extra_kernel = true;
  build (b, &o);
  static const double floors[][2] = { { 20, 2 },  { 0, 0 },    { 20, 30 }, { 1000, 2 }, { 50, 10 },
                                      { 0, 50 },  { 1e9, 1e9 }, { 5, 0.5 }, { 20, 2 } };
  for (int m = 0; m <= LSC_DIFF_METRIC_MEAN; m += LSC_DIFF_METRIC_MEAN)
    {
      lsc_diff_options opt;
      lsc_diff_options_init (&opt);
      opt.metric = (lsc_diff_metric) m;
      lsc_report_diff *d = diff_files (a, b, &opt);
      bool fast_slower = false, fast_same = false, warned = false, quiet = false;
      for (size_t f = 0; f < sizeof floors / sizeof *floors; f++)
        {
          opt.noise_ns = floors[f][0];
          opt.noise_pct = floors[f][1];
          lsc_error e;
          ck_assert_int_eq (lsc_report_diff_decide (d, opt.noise_ns, opt.noise_pct, &e), 0);
          lsc_report_diff *fresh = diff_files (a, b, &opt);
          ck_assert_uint_eq (d->n_rows, fresh->n_rows);
          for (size_t i = 0; i < d->n_rows; i++)
            ck_assert_msg (d->rows[i].verdict == fresh->rows[i].verdict, "floors %g ns %g %%, %s %s: %s, afresh %s",
                           floors[f][0], floors[f][1], lsc_diff_row_kind_name (d->rows[i].kind), d->rows[i].name,
                           lsc_diff_verdict_name (d->rows[i].verdict), lsc_diff_verdict_name (fresh->rows[i].verdict));
          ck_assert_int_eq (d->floor_moved, fresh->floor_moved);
          int (*writers[]) (const lsc_report_diff *, FILE *, const char *, lsc_error *)
            = { lsc_report_diff_write_json, lsc_report_diff_write_csv, lsc_report_diff_write_text };
          for (int w = 0; w < 3; w++)
            {
              char *x = write_to_string (d, writers[w]), *y = write_to_string (fresh, writers[w]);
              ck_assert_str_eq (x, y);
              free (x);
              free (y);
            }
          lsc_diff_verdict fast = find_row (d, LSC_DIFF_ROW_PATH, "fast")->verdict;
          fast_slower = fast_slower || fast == LSC_DIFF_SLOWER;
          fast_same = fast_same || fast == LSC_DIFF_SAME;
          warned = warned || d->floor_moved;
          quiet = quiet || !d->floor_moved;
          ck_assert_int_eq (find_row (d, LSC_DIFF_ROW_KERNEL, "only_here")->verdict, LSC_DIFF_ONLY_B);
          lsc_report_diff_free (fresh);
        }
      ck_assert (fast_slower && fast_same);
      ck_assert (warned && quiet);

      /* A bad floor is refused and changes nothing. */
      char *before = write_to_string (d, lsc_report_diff_write_json);
      static const double bad[][2] = { { -1, 2 }, { 20, -0.5 }, { NAN, 2 }, { 20, NAN } };
      for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        {
          lsc_error e;
          ck_assert_int_eq (lsc_report_diff_decide (d, bad[i][0], bad[i][1], &e), -1);
          ck_assert_int_eq (e.code, LSC_ERROR_USAGE);
        }
      char *after = write_to_string (d, lsc_report_diff_write_json);
      ck_assert_str_eq (before, after);
      free (before);
      free (after);
      ck_assert_int_eq (lsc_report_diff_decide (NULL, 20, 2, NULL), -1);
      lsc_report_diff_free (d);
    }
}
END_TEST

static char *
file_bytes (const char *path, size_t *n)
{
  FILE *f = fopen (path, "rb");
  ck_assert_ptr_nonnull (f);
  fseek (f, 0, SEEK_END);
  *n = (size_t) ftell (f);
  rewind (f);
  char *buf = malloc (*n + 1);
  ck_assert_uint_eq (fread (buf, 1, *n, f), *n);
  fclose (f);
  return buf;
}

START_TEST (test_append_sessions)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb"), *junk = tmp_path ("junk.lsdb");
  report_opts o = plain_opts (5);
  build (a, &o);
  o.seed = 6;
  build (b, &o);
  char err[1024] = "";
  /* Not a report: refused, and both files left as they were. */
  FILE *f = fopen (junk, "w");
  fputs ("not a report", f);
  fclose (f);
  size_t n_before, n_after;
  char *before = file_bytes (a, &n_before);
  ck_assert_int_ne (lsc_report_append (a, junk, err, sizeof err), 0);
  ck_assert_msg (strstr (err, junk), "%s", err);
  char *after = file_bytes (a, &n_after);
  ck_assert_uint_eq (n_before, n_after);
  ck_assert_int_eq (memcmp (before, after, n_before), 0);
  free (before);
  free (after);
  ck_assert_int_eq (access (junk, F_OK), 0);
  ck_assert_int_eq (lsc_report_append (a, b, err, sizeof err), 0);
  ck_assert_int_ne (access (b, F_OK), 0);
  lsc_error e;
  lsc_report *r = lsc_report_open (a, 0, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_ptr_nonnull (sum);
  ck_assert_uint_eq (sum->n_sessions, 2);
  ck_assert_int_eq (sum->sessions[0].launches + sum->sessions[1].launches, 2 * (3000 + 1500 + 800 + 400));
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

START_TEST (test_writers)
{
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = plain_opts (10);
  build (a, &o);
  o.sessions[0].scale[1] = 0.7;
  o.sessions[0].gpu = "GPU \"quoted\", with comma";
  build (b, &o);
  lsc_report_diff *d = diff_files (a, b, NULL);
  char *csv = write_to_string (d, lsc_report_diff_write_csv);
  ck_assert_msg (strncmp (csv, "kind,name,kernel,session_a,session_b,count_a,value_a_ns,count_b,value_b_ns,diff_ns,"
                               "diff_pct,ci_low_ns,ci_high_ns,verdict,interval_sessions_a,interval_sessions_b\r\n",
                          161)
                   == 0,
                 "%s", csv);
  int lines = 0;
  for (const char *p = csv; (p = strstr (p, "\r\n")); p += 2)
    lines++;
  ck_assert_int_eq (lines, 1 + (int) d->n_rows);
  ck_assert_ptr_nonnull (strstr (csv, "path,default,,,,1500,"));
  ck_assert_ptr_nonnull (strstr (csv, ",faster,,\r\n"));
  ck_assert_ptr_nonnull (strstr (csv, "spec,arg0=aligned,add8,"));
  /* people read "baseline"; the files keep the stored "default" */
  for (size_t i = 0; i < d->n_rows; i++)
    if (d->rows[i].kind == LSC_DIFF_ROW_PATH)
      ck_assert_str_eq (lsc_diff_row_display_name (&d->rows[i]),
                        strcmp (d->rows[i].name, "default") == 0 ? "baseline" : d->rows[i].name);

  char *text = write_to_string (d, lsc_report_diff_write_text);
  ck_assert_ptr_nonnull (strstr (text, "  faster                 baseline\n"));
  ck_assert_ptr_nonnull (strstr (text, "  no significant change  fast\n"));
  ck_assert_ptr_nonnull (strstr (text, "Session facts that differ:\n  gpu"));
  ck_assert_ptr_nonnull (strstr (text, "comparison doubtful: the GPU differs between A and B\n"));
  ck_assert_ptr_nonnull (strstr (text, "add8: arg0=aligned"));

  char *json = write_to_string (d, lsc_report_diff_write_json);
  ck_assert_ptr_nonnull (strstr (json, "\"gpu\": \"GPU \\\"quoted\\\", with comma\""));
  free (csv);
  free (text);
  free (json);
  lsc_report_diff_free (d);
}
END_TEST

/* Strings closed and brackets balanced outside them. */
static void
assert_json_balanced (const char *text)
{
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char *p = text; *p; p++)
    {
      if (in_string)
        {
          ck_assert_int_ge ((unsigned char) *p, 0x20);
          if (escaped)
            escaped = false;
          else if (*p == '\\')
            escaped = true;
          else if (*p == '"')
            in_string = false;
        }
      else if (*p == '"')
        in_string = true;
      else if (*p == '{' || *p == '[')
        depth++;
      else if (*p == '}' || *p == ']')
        ck_assert_int_ge (--depth, 0);
    }
  ck_assert (!in_string);
  ck_assert_int_eq (depth, 0);
}

START_TEST (test_extreme_values)
{
  /* What a hostile file may hold: INT64_MIN and INT64_MAX, 0 and -1 as host, API and stage
   * times, compared with an ordinary report both ways in every metric (the sanitizer builds
   * catch overflow here). */
  const char *a = tmp_path ("a.lsdb"), *x = tmp_path ("extreme.lsdb");
  report_opts o = plain_opts (15);
  build (a, &o);
  o.sessions[0].command = "./app";
  build (x, &o);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (x, &db), SQLITE_OK);
  exec_sql (db, "UPDATE launch SET host_ns = CASE id % 5 WHEN 0 THEN 9223372036854775807 WHEN 1 THEN "
                "-9223372036854775808 WHEN 2 THEN -1 WHEN 3 THEN 0 ELSE host_ns END, api_ns = CASE id % 3 WHEN 0 "
                "THEN -9223372036854775808 WHEN 1 THEN 9223372036854775807 ELSE api_ns END, bind_ns = CASE WHEN "
                "bind_ns IS NOT NULL AND id % 2 THEN 9223372036854775807 ELSE bind_ns END");
  sqlite3_close (db);
  for (int m = 0; m <= LSC_DIFF_METRIC_MEAN; m++)
    for (int way = 0; way < 2; way++)
      {
        lsc_diff_options opt;
        lsc_diff_options_init (&opt);
        opt.metric = (lsc_diff_metric) m;
        lsc_report_diff *d = diff_files (way ? x : a, way ? a : x, &opt);
        ck_assert_uint_eq (d->n_rows, 16);
        char *json = write_to_string (d, lsc_report_diff_write_json);
        assert_json_balanced (json);
        ck_assert_ptr_null (strstr (json, "nan"));
        ck_assert_ptr_null (strstr (json, "inf"));
        free (json);
        free (write_to_string (d, lsc_report_diff_write_text));
        free (write_to_string (d, lsc_report_diff_write_csv));
        lsc_report_diff_free (d);
      }
}
END_TEST

/* ---- the command ------------------------------------------------------------------------------------- */

/* Runs launchscope-cli with args, standard output into out_file (NULL: discarded) and standard
 * error into err (NUL-terminated); returns the exit status. */
static int
run_cli (const char *out_file, char *err, size_t err_size, const char *const *args)
{
  ck_assert_ptr_nonnull (cli_path);
  char err_file[600]; /* not tmp_path: its buffers hold the caller's paths */
  snprintf (err_file, sizeof err_file, "%s/stderr.txt", tmp_dir);
  pid_t pid = fork ();
  if (pid == 0)
    {
      int o = open (out_file ? out_file : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = open (err_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2 (o, 1);
      dup2 (e, 2);
      const char *argv[20] = { cli_path };
      for (int i = 0; args[i] && i < 18; i++)
        argv[i + 1] = args[i];
      execv (cli_path, (char *const *) argv);
      _exit (127);
    }
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  FILE *f = fopen (err_file, "r");
  size_t n = f ? fread (err, 1, err_size - 1, f) : 0;
  err[n] = '\0';
  if (f)
    fclose (f);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

#define RUN(out, err, ...) run_cli ((out), (err), sizeof (err), (const char *const[]){ __VA_ARGS__, NULL })

static char *
slurp (const char *path)
{
  FILE *f = fopen (path, "rb");
  ck_assert_ptr_nonnull (f);
  fseek (f, 0, SEEK_END);
  long n = ftell (f);
  fseek (f, 0, SEEK_SET);
  char *buf = malloc ((size_t) n + 1);
  ck_assert_int_eq (fread (buf, 1, (size_t) n, f), (size_t) n);
  buf[n] = '\0';
  fclose (f);
  return buf;
}

START_TEST (test_cli_fail_if_slower)
{
  ck_assert_msg (cli_path != NULL, "no launchscope-cli given (argv[1])");
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb"), *same = tmp_path ("same.lsdb");
  report_opts o = plain_opts (11);
  build (a, &o);
  build (same, &o);
  o.sessions[0].scale[0] = 1.2;
  build (b, &o);
  char err[4096];
  ck_assert_int_eq (RUN (NULL, err, "diff", a, b), 0);
  ck_assert_int_eq (RUN (NULL, err, "diff", "--fail-if-slower", "10", a, b), 4);
  ck_assert_msg (strstr (err, "launchscope-cli diff: B is significantly slower than A by more than 10%"), "%s", err);
  ck_assert_int_eq (RUN (NULL, err, "diff", "--fail-if-slower=30", a, b), 0);
  ck_assert_int_eq (RUN (NULL, err, "diff", "--fail-if-slower", "0", b, a), 0);
  ck_assert_int_eq (RUN (NULL, err, "diff", "--fail-if-slower", "0", a, same), 0);
  ck_assert_int_eq (RUN (NULL, err, "diff", "--json", "--fail-if-slower", "5", a, b), 4);
  ck_assert_int_eq (RUN (NULL, err, "diff", "--fail-if-slower", "10", "--noise-pct", "25", a, b), 0);
  ck_assert_int_eq (RUN (NULL, err, "diff", "--session-a", "7", a, b), 1);
  ck_assert_msg (strstr (err, "has no session 7 (--session-a)"), "%s", err);
}
END_TEST

START_TEST (test_cli_refuses_bad_reports)
{
  ck_assert_msg (cli_path != NULL, "no launchscope-cli given (argv[1])");
  const char *good = tmp_path ("good.lsdb"), *junk = tmp_path ("junk.lsdb"), *foreign = tmp_path ("foreign.lsdb");
  report_opts o = plain_opts (12);
  build (good, &o);
  FILE *f = fopen (junk, "wb");
  for (int i = 0; i < 4096; i++)
    putc (i * 7 & 0xff, f);
  fclose (f);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (foreign, &db), SQLITE_OK);
  exec_sql (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  sqlite3_close (db);
  /* A report with a page of garbage in the middle. */
  const char *flipped = tmp_path ("flipped.lsdb");
  char *bytes = NULL;
  {
    FILE *in = fopen (good, "rb");
    fseek (in, 0, SEEK_END);
    long n = ftell (in);
    fseek (in, 0, SEEK_SET);
    bytes = malloc ((size_t) n);
    ck_assert_int_eq (fread (bytes, 1, (size_t) n, in), (size_t) n);
    fclose (in);
    for (long i = n / 2; i < n / 2 + 4096 && i < n; i++)
      bytes[i] = (char) (i * 31);
    FILE *out = fopen (flipped, "wb");
    fwrite (bytes, 1, (size_t) n, out);
    fclose (out);
    free (bytes);
  }
  const char *bad[] = { junk, foreign, flipped, tmp_path ("missing.lsdb") };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      char report_err[4096], diff_err[4096];
      ck_assert_int_eq (RUN (NULL, report_err, "report", bad[i]), 1);
      const char *msg = report_err + strlen ("launchscope-cli report: ");
      ck_assert_int_eq (RUN (NULL, diff_err, "diff", bad[i], good), 1);
      ck_assert_msg (strncmp (diff_err, "launchscope-cli diff: ", 22) == 0 && strstr (diff_err, msg),
                     "diff said '%s', report said '%s'", diff_err, report_err);
      ck_assert_int_eq (RUN (NULL, diff_err, "diff", good, bad[i]), 1);
      ck_assert_msg (strstr (diff_err, msg), "diff said '%s', report said '%s'", diff_err, report_err);
    }
}
END_TEST

START_TEST (test_cli_deterministic_and_json)
{
  ck_assert_msg (cli_path != NULL, "no launchscope-cli given (argv[1])");
  const char *a = tmp_path ("a.lsdb"), *b = tmp_path ("b.lsdb");
  report_opts o = plain_opts (13);
  build (a, &o);
  o.seed = 14;
  o.sessions[0].scale[2] = 1.5;
  o.sessions[0].gpu = "Another GPU";
  build (b, &o);
  char err[4096];
  const char *formats[] = { "--json", "--csv", "--metric=p99" };
  const char *out1 = tmp_path ("out1"), *out2 = tmp_path ("out2");
  for (int i = 0; i < 3; i++)
    {
      ck_assert_int_eq (RUN (out1, err, "diff", formats[i], a, b), 0);
      ck_assert_int_eq (RUN (out2, err, "diff", formats[i], a, b), 0);
      char *x = slurp (out1), *y = slurp (out2);
      ck_assert_str_eq (x, y);
      ck_assert_uint_gt (strlen (x), 100);
      free (x);
      free (y);
    }
  const char *json = tmp_path ("diff.json");
  ck_assert_int_eq (RUN (json, err, "diff", "--json", a, b), 0);
  char *text = slurp (json);
  assert_json_balanced (text);
  static const char *const keys[] = { "\"a\": {\"file\": ", "\"b\": {\"file\": ", "\"warnings\": [", "\"thresholds\": {",
                                      "\"rows\": [", "\"kind\": \"path\"", "\"diff_ns\": ", "\"diff_pct\": ",
                                      "\"ci_low_ns\": ", "\"ci_high_ns\": ", "\"verdict\": \"slower\"",
                                      "\"differing_facts\": [\"gpu\"]", "\"metric\": \"p50\"", "\"noise_ns\": 20",
                                      "\"noise_pct\": 2", "\"facts\": {\"gpu\": " };
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    ck_assert_msg (strstr (text, keys[i]), "JSON lacks %s:\n%s", keys[i], text);
  free (text);
  if (system ("command -v jq >/dev/null 2>&1") == 0)
    {
      char cmd[1024];
      snprintf (cmd, sizeof cmd,
                "jq -e '(.rows | length) == 16 and (.rows[] | select(.kind == \"path\" and .name == \"raw\") | "
                ".verdict == \"slower\" and .ci_low_ns > 0 and .a.count == 800) and .thresholds.tested_rows == 16 "
                "and (.warnings | length) == 2 and .a.facts.gpu == \"NVIDIA H100 80GB HBM3\"' '%s' >/dev/null",
                json);
      ck_assert_msg (system (cmd) == 0, "jq check failed on %s", json);
    }
}
END_TEST

int
main (int argc, char **argv)
{
  cli_path = argc > 1 ? argv[1] : NULL;
  Suite *s = suite_create ("report-diff");
  TCase *tc = tcase_create ("diff");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_bootstrap_reference);
  tcase_add_test (tc, test_blocks_see_correlation);
  tcase_add_test (tc, test_identical_reports);
  tcase_add_test (tc, test_one_path_slower);
  tcase_add_test (tc, test_on_value_sees_the_path_values);
  tcase_add_test (tc, test_only_in_one);
  tcase_add_test (tc, test_facts_and_warnings);
  tcase_add_test (tc, test_processes_matched);
  tcase_add_test (tc, test_raw_uses_api_time);
  tcase_add_test (tc, test_writers);
  tcase_add_test (tc, test_student_t);
  tcase_add_test (tc, test_sessions_as_unit);
  tcase_add_test (tc, test_floor_moved_warning);
  tcase_add_test (tc, test_decide_matches_fresh_diff);
  tcase_add_test (tc, test_append_sessions);
  tcase_add_test (tc, test_extreme_values);
  tcase_add_test (tc, test_cli_fail_if_slower);
  tcase_add_test (tc, test_cli_refuses_bad_reports);
  tcase_add_test (tc, test_cli_deterministic_and_json);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
