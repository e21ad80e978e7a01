/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-recorder.c — the recorder against the driver test double: round trip, exact accounting
 * of every record (written, dropped on a full ring, or lost after a write error), disk full,
 * many threads, SIGKILL mid-recording, percentiles, refusal cases.
 */
#include <check.h>
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cupti.h>
#ifdef HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "fastlaunch-driver.h"
#include "fl-test-driver.h"
#include "lsc-calibrate.h"
#include "lsc-command.h"
#include "lsc-cupti.h"
#include "lsc-export.h"
#include "lsc-floor.h"
#include "lsc-percentile.h"
#include "lsc-recorder.h"
#include "lsc-report.h"
#include "lsc-schema.h"

#define N_PTRS 3
#define N_ELEMS 64

typedef struct {
  char dir[256];
  char path[300];
  CUdeviceptr bufs[N_PTRS];
  fl_kernel *kernel;
  fl_bound_kernel *bound;
} fixture;

static fixture fx;

static void
setup (void)
{
  snprintf (fx.dir, sizeof fx.dir, "/tmp/lsc-recorder-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (fx.dir));
  snprintf (fx.path, sizeof fx.path, "%s/report.lsdb", fx.dir);
  char cache[300];
  snprintf (cache, sizeof cache, "%s/cache", fx.dir);
  setenv ("XDG_CACHE_HOME", cache, 1);
  fl_test_driver_install ();
  fl_knob_set_debug (false);
  fl_knob_set_skip_fast (false);
  fl_knob_set_stage_timing (false);
  ck_assert_int_eq (fl_use_device (0), FL_OK);
  const fl_driver *d = fl_driver_get ();
  for (int i = 0; i < N_PTRS; i++)
    ck_assert_int_eq (d->cuMemAlloc (&fx.bufs[i], (N_ELEMS + 4) * sizeof (float)), CUDA_SUCCESS);
  ck_assert_int_eq (fl_workload_add_kernel (N_PTRS, &fx.kernel), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (fx.kernel, NULL, &fx.bound), FL_OK);
}

static void
teardown (void)
{
  fl_bound_kernel_free (fx.bound);
  fl_kernel_free (fx.kernel);
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", fx.dir);
}

static fl_status
launch_once (fl_bound_kernel *bound, bool offset)
{
  fl_arg args[N_PTRS + 1];
  for (int i = 0; i < N_PTRS; i++)
    args[i] = FL_PTR (fx.bufs[i] + (offset ? 4 : 0));
  args[N_PTRS] = FL_INT (N_ELEMS);
  return fl_launch (bound, (fl_grid){ 1, 1, 1 }, NULL, args, N_PTRS + 1, NULL);
}

static int64_t
query_int (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &st, NULL);
  ck_assert_msg (rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg (db));
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

/* The first column of the first row as text, malloc'd: for failure messages. */
static char *
query_text (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st = NULL;
  char *text = NULL;
  if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step (st) == SQLITE_ROW)
    text = strdup (sqlite3_column_text (st, 0) ? (const char *) sqlite3_column_text (st, 0) : "NULL");
  else
    text = strdup (sqlite3_errmsg (db));
  sqlite3_finalize (st);
  sqlite3_close (db);
  return text;
}

static lsc_recorder *
start (lsc_recorder_options o)
{
  o.path = fx.path;
  lsc_recorder *rec = NULL;
  char err[512] = "";
  ck_assert_msg (lsc_recorder_start (&o, &rec, err, sizeof err) == 0, "start: %s", err);
  ck_assert_int_eq (lsc_recorder_add_kernel (rec, fx.bound, "test"), 0);
  return rec;
}

static fl_status
probe_launch (lsc_floor_probe *probe, bool offset)
{
  fl_arg args[N_PTRS + 1];
  for (int i = 0; i < N_PTRS; i++)
    args[i] = FL_PTR (fx.bufs[i] + (offset ? 4 : 0));
  args[N_PTRS] = FL_INT (N_ELEMS);
  return lsc_floor_probe_launch (probe, fx.bound, (fl_grid){ 2, 1, 1 }, NULL, args, N_PTRS + 1, false, NULL);
}

/* The 95% interval of a median from the sign test: the ranks every statistics table gives
 * (n = 10: 2nd to 9th; 25: 8th to 18th; 100: 40th to 61st), the whole range below 6. */
START_TEST (test_paired_estimate)
{
  static const struct {
    size_t n, lo, hi; /* 1-based ranks */
  } table[] = { { 10, 2, 9 }, { 25, 8, 18 }, { 100, 40, 61 }, { 5, 1, 5 } };
  for (size_t t = 0; t < sizeof table / sizeof table[0]; t++)
    {
      size_t n = table[t].n;
      double a[100], b[100], scratch[100];
      /* differences a - b = 10 * rank, shuffled by a stride coprime with n */
      for (size_t i = 0; i < n; i++)
        {
          size_t rank = (i * 7) % n + 1;
          b[i] = 1000.0 + (double) i;
          a[i] = b[i] + 10.0 * (double) rank - 5.0 * (double) (n + 1);
        }
      lsc_paired_estimate e;
      lsc_paired_estimate_compute (a, b, n, scratch, &e);
      ck_assert_uint_eq (e.rounds, n);
      ck_assert_double_eq_tol (e.median_ns, 0, 1e-9); /* ranks centred on zero */
      ck_assert_double_eq_tol (e.low_ns, 10.0 * (double) table[t].lo - 5.0 * (double) (n + 1), 1e-9);
      ck_assert_double_eq_tol (e.high_ns, 10.0 * (double) table[t].hi - 5.0 * (double) (n + 1), 1e-9);
      ck_assert (lsc_paired_estimate_within_noise (&e));
    }
  /* pairs with a missing side are left out; a clear shift is not noise */
  double a[8] = { 110, 120, NAN, 130, 115, 125, 118, 122 }, b[8] = { 100, 100, 100, 100, 100, 100, 100, NAN };
  double scratch[8];
  lsc_paired_estimate e;
  lsc_paired_estimate_compute (a, b, 8, scratch, &e);
  ck_assert_uint_eq (e.rounds, 6);
  ck_assert_double_eq_tol (e.median_ns, 19, 1e-9);
  ck_assert (!lsc_paired_estimate_within_noise (&e) && e.low_ns == 10 && e.high_ns == 30);
}
END_TEST

/* A round every `every` launches: 32 recorded launches, 32 engine launches with nothing
 * recorded and 32 bare cuLaunchKernel calls of the spec's own binary, none counted or left as a
 * row; the report's figures are the probe's. */
START_TEST (test_floor_probe)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ .workload = "add3" });
  lsc_floor_probe *probe = lsc_floor_probe_new (rec, 128);
  ck_assert_ptr_nonnull (probe);
  uint64_t before = fl_test_driver_launch_count ();
  for (int i = 0; i < 3 * 128; i++)
    ck_assert_int_eq (probe_launch (probe, false), FL_OK);
  ck_assert_uint_eq (fl_test_driver_launch_count () - before, 3 * 128 + 3 * 6 * LSC_FLOOR_BLOCK);
  fl_spec_entry e;
  ck_assert_uint_eq (fl_bound_kernel_spec_entries (fx.bound, &e, 1), 1);
  fl_test_launch last;
  ck_assert (fl_test_driver_last_launch (&last));
  ck_assert_ptr_eq (last.function, e.function);
  ck_assert_uint_eq (last.grid[0], 2);
  ck_assert_uint_eq (last.n_params, N_PTRS + 1);
  for (int i = 0; i < N_PTRS; i++)
    ck_assert_uint_eq (last.params[i], fx.bufs[i]);
  ck_assert_uint_eq ((uint32_t) last.params[N_PTRS], N_ELEMS);

  lsc_floor_figures live;
  lsc_floor_probe_figures (probe, &live);
  ck_assert_uint_eq (live.rounds, 3);
  ck_assert (isfinite (live.floor_p50_ns) && live.floor_p50_ns > 0);
  ck_assert_uint_eq (live.above_floor[FL_PATH_FAST].rounds, 3);
  ck_assert_uint_eq (live.above_floor[FL_PATH_DEFAULT].rounds, 0);
  ck_assert_uint_eq (live.observer.rounds, 3);
  lsc_floor_probe_free (probe);
  char err[512] = "";
  ck_assert_msg (lsc_recorder_stop (rec, NULL, err, sizeof err) == 0, "%s", err);

  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch"), 3 * 128);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM floor_block"), 9);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(DISTINCT round) FROM floor_block"), 3);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM floor_block WHERE launches = 32 AND p50_ns > 0 AND "
                                        "path = 0 AND kernel_id IS NOT NULL AND spec_id IS NOT NULL"),
                    9);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM floor_block GROUP BY kind HAVING count(*) = 3"), 3);
  /* The bare launches alternate with the unrecorded ones in one block, timed from one start. */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM floor_block a JOIN floor_block b ON a.round = b.round "
                                        "AND a.kind = 0 AND b.kind = 1 AND a.start_ns = b.start_ns"),
                    3);

  lsc_error error;
  lsc_report *report = lsc_report_open (fx.path, LSC_REPORT_OPEN_DEFAULT, &error);
  ck_assert_msg (report != NULL, "%s", error.message);
  lsc_report_summary *sum = lsc_report_summarize (report, &error);
  ck_assert_msg (sum != NULL, "%s", error.message);
  const lsc_floor_figures *stored = &sum->sessions[0].floor;
  ck_assert_uint_eq (stored->rounds, 3);
  /* the stored medians are rounded to whole ns */
  ck_assert_double_eq_tol (stored->floor_p50_ns, live.floor_p50_ns, 0.51);
  ck_assert_double_eq_tol (stored->above_floor[FL_PATH_FAST].median_ns, live.above_floor[FL_PATH_FAST].median_ns, 1.01);
  ck_assert_double_eq_tol (stored->observer.median_ns, live.observer.median_ns, 1.01);
  /* the nsys export carries the same figures */
  char nsys[sizeof fx.path + 16];
  snprintf (nsys, sizeof nsys, "%s.nsys", fx.path);
  ck_assert_msg (lsc_export_nsys_sqlite (report, nsys, true, &error) == 0, "%s", error.message);
  char sql[300];
  snprintf (sql, sizeof sql,
            "SELECT count(*) FROM FL_RAW_FLOOR WHERE floorRounds = 3 AND observerCostNs = %.15g AND "
            "fastAboveFloorLowNs = %.15g AND pushNs > 0",
            stored->observer.median_ns, stored->above_floor[FL_PATH_FAST].low_ns);
  ck_assert_int_eq (query_int (nsys, sql), 1);
  unlink (nsys);
  lsc_report_summary_free (sum);
  lsc_report_free (report);
}
END_TEST

/* A round repeats a settled launch: when the launch it is due after compiled a new spec, it
 * waits for the next one, and repeats that one's spec, arguments and all. */
START_TEST (test_floor_probe_waits_for_a_settled_launch)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ .workload = "add3" });
  lsc_floor_probe *probe = lsc_floor_probe_new (rec, 64);
  uint64_t before = fl_test_driver_launch_count ();
  for (int i = 0; i < 64; i++)
    ck_assert_int_eq (probe_launch (probe, i == 63), FL_OK); /* the 64th: the unaligned spec, compiled */
  lsc_floor_figures f;
  lsc_floor_probe_figures (probe, &f);
  ck_assert_uint_eq (f.rounds, 0);
  ck_assert_uint_eq (fl_test_driver_launch_count () - before, 64);
  ck_assert_int_eq (probe_launch (probe, true), FL_OK); /* a hit: the round runs after it */
  lsc_floor_probe_figures (probe, &f);
  ck_assert_uint_eq (f.rounds, 1);
  ck_assert_uint_eq (fl_test_driver_launch_count () - before, 65 + 6 * LSC_FLOOR_BLOCK);
  fl_test_launch last; /* round 0 ends with its bare block */
  ck_assert (fl_test_driver_last_launch (&last));
  for (int i = 0; i < N_PTRS; i++)
    ck_assert_uint_eq (last.params[i], fx.bufs[i] + 4);
  lsc_floor_probe_free (probe);
  ck_assert_int_eq (lsc_recorder_stop (rec, NULL, NULL, 0), 0);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch"), 65);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM floor_block"), 3);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM floor_block b JOIN spec s ON s.id = b.spec_id WHERE "
                                        "s.ptr_alignment LIKE '%U%'"),
                    3);
}
END_TEST

/* The reference for the median's interval, in integers: the largest j with P(B <= j - 1) <= 1/40
 * for B ~ Binomial(n, 1/2), that is 40 * (C(n, 0) + ... + C(n, j - 1)) <= 2^n; 0 when none.
 * Exact for n <= 56 (the sums stay below 2^62). */
static size_t
ref_low_rank (size_t n)
{
  uint64_t c = 1, sum = 0;
  size_t j = 0;
  for (size_t i = 0; 2 * i < n; i++)
    {
      sum += c;
      if (sum * 40 > (UINT64_C (1) << n))
        break;
      j = i + 1;
      c = c * (n - i) / (i + 1);
    }
  return j;
}

/* The median and its 95% interval are the order statistics the binomial reference names. */
START_TEST (test_calibration_statistics)
{
  size_t low, high;
  for (size_t n = 0; n <= 56; n++)
    {
      size_t j = ref_low_rank (n);
      lsc_median_interval_ranks (n, &low, &high);
      ck_assert_msg (low == (j ? j : n ? 1 : 0) && high == (j ? n + 1 - j : n), "n %zu: ranks %zu, %zu; reference %zu",
                     n, low, high, j);
    }
  /* The published table's values, and the range where no pair reaches 95%. */
  lsc_median_interval_ranks (20, &low, &high);
  ck_assert (low == 6 && high == 15);
  lsc_median_interval_ranks (10, &low, &high);
  ck_assert (low == 2 && high == 9);
  lsc_median_interval_ranks (5, &low, &high);
  ck_assert (low == 1 && high == 5);
  /* Large n: the normal approximation n/2 - 0.98 sqrt(n), within a rank. */
  lsc_median_interval_ranks (4000, &low, &high);
  ck_assert_msg (low >= 1937 && low <= 1939 && high == 4001 - low, "4000 samples: ranks %zu, %zu", low, high);

  /* Known samples, shuffled: k-th smallest is 1000 + 10 (k - 1). */
  enum { N = 51 };
  uint64_t samples[N];
  for (size_t i = 0; i < N; i++)
    samples[(i * 13) % N] = 1000 + 10 * i; /* 13 and 51 share no factor: a permutation */
  lsc_calibration c;
  lsc_calibration_from_samples (samples, N, 4, &c);
  size_t j = ref_low_rank (N), median_rank = (N + 1) / 2;
  ck_assert_int_eq (c.samples, N);
  ck_assert (c.p50_ns == (1000.0 + 10.0 * (double) (median_rank - 1)) / 4);
  ck_assert (c.low_ns == (1000.0 + 10.0 * (double) (j - 1)) / 4);
  ck_assert (c.high_ns == (1000.0 + 10.0 * (double) (N - j)) / 4);
  ck_assert (c.low_ns < c.p50_ns && c.p50_ns < c.high_ns);
  lsc_calibration_from_samples (samples, 0, 1, &c);
  ck_assert (c.samples == 0 && c.p50_ns == 0);
}
END_TEST

/* The three paths measured on the driver test double: each launch made as it should be, the
 * samples counted, nothing left behind; a failed launch and a fast path that does not hit fail
 * it with a message. */
START_TEST (test_calibrate_measure)
{
  const lsc_calibrate_options o = { .warmup = 40, .launches = 200, .block = 50, .graph_nodes = 10 };
  lsc_calibration cal[LSC_CALIBRATION_COUNT];
  char err[1024] = "";
  uint64_t before = fl_test_driver_launch_count ();
  size_t graphs = fl_test_driver_live_graphs ();
  ck_assert_msg (lsc_calibrate_measure (&o, cal, err, sizeof err) == 0, "%s", err);
  /* priming 1 and capture 10, then per path 1 warm-up and 4 timed blocks: 50 fast and 50 raw
   * launches each, 5 replays of 10 nodes */
  ck_assert_uint_eq (fl_test_driver_launch_count () - before, 1 + 10 + 5 * (50 + 50 + 5 * 10));
  ck_assert_int_eq (cal[LSC_CALIBRATION_FAST].samples, 200);
  ck_assert_int_eq (cal[LSC_CALIBRATION_RAW].samples, 200);
  ck_assert_int_eq (cal[LSC_CALIBRATION_GRAPH_NODE].samples, 20);
  for (int p = 0; p < LSC_CALIBRATION_COUNT; p++)
    ck_assert_msg (cal[p].p50_ns > 0 && cal[p].low_ns <= cal[p].p50_ns && cal[p].p50_ns <= cal[p].high_ns,
                   "%s: %.1f [%.1f, %.1f]", lsc_calibration_names[p], cal[p].p50_ns, cal[p].low_ns, cal[p].high_ns);
  ck_assert_ptr_null (fl_event_sink_get ());
  ck_assert_uint_eq (fl_test_driver_live_graphs (), graphs);

  fl_test_driver_fail_nth ("cuLaunchKernel", 300, CUDA_ERROR_LAUNCH_FAILED);
  ck_assert_int_eq (lsc_calibrate_measure (&o, cal, err, sizeof err), -1);
  ck_assert_msg (strstr (err, "calibration: ") && strstr (err, "CUDA_ERROR_LAUNCH_FAILED"), "%s", err);
  ck_assert_uint_eq (fl_test_driver_live_graphs (), graphs);

  fl_knob_set_skip_fast (true);
  ck_assert_int_eq (lsc_calibrate_measure (&o, cal, err, sizeof err), -1);
  fl_knob_set_skip_fast (false);
  ck_assert_msg (strstr (err, "the fast path hit on 0 of 250 launches"), "%s", err);
}
END_TEST

/* Stored calibration rows belong to every session of a gathered report and read back. */
START_TEST (test_calibration_store)
{
  char parts[2][320], dest[320];
  for (int i = 0; i < 2; i++)
    {
      snprintf (parts[i], sizeof parts[i], "%s/part%d.lsdb", fx.dir, i);
      lsc_recorder *rec = NULL;
      char err[512] = "";
      ck_assert_msg (lsc_recorder_start (&(lsc_recorder_options){ .path = parts[i], .workload = "part" }, &rec, err,
                                         sizeof err)
                       == 0,
                     "%s", err);
      ck_assert_int_eq (lsc_recorder_stop (rec, NULL, err, sizeof err), 0);
    }
  snprintf (dest, sizeof dest, "%s/gathered.lsdb", fx.dir);
  char err[1024] = "";
  ck_assert_msg (lsc_reports_gather (dest, (const char *const[]){ parts[0], parts[1] }, 2, err, sizeof err) == 0, "%s",
                 err);
  const lsc_calibration rows[LSC_CALIBRATION_COUNT] = {
    [LSC_CALIBRATION_FAST] = { 1510.5, 1500, 1520, 4000 },
    [LSC_CALIBRATION_RAW] = { 1300, 1290, 1310, 4000 },
    [LSC_CALIBRATION_GRAPH_NODE] = { 210.25, 200, 220, 200 },
  };
  ck_assert_msg (lsc_calibration_store (dest, rows, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq (query_int (dest, "SELECT count(*) FROM calibration"), 6);
  ck_assert_int_eq (query_int (dest, "SELECT count(DISTINCT session_id) FROM calibration WHERE session_id IN "
                                     "(SELECT id FROM session)"),
                    2);
  lsc_error e;
  lsc_report *r = lsc_report_open (dest, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert_uint_eq (sum->n_sessions, 2);
  for (size_t s = 0; s < 2; s++)
    for (int p = 0; p < LSC_CALIBRATION_COUNT; p++)
      {
        const lsc_calibration *c = &sum->sessions[s].calibration[p];
        ck_assert (sum->sessions[s].has_calibration[p]);
        ck_assert (c->p50_ns == rows[p].p50_ns && c->low_ns == rows[p].low_ns && c->high_ns == rows[p].high_ns
                   && c->samples == rows[p].samples);
      }
  lsc_report_summary_free (sum);
  lsc_report_free (r);

  char missing[340];
  snprintf (missing, sizeof missing, "%s/missing.lsdb", fx.dir);
  ck_assert_int_eq (lsc_calibration_store (missing, rows, err, sizeof err), -1);
  ck_assert_msg (strstr (err, missing), "%s", err);
}
END_TEST

START_TEST (test_round_trip)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ .workload = "add3" });
  for (int i = 0; i < 3000; i++)
    {
      if (i == 1000)
        lsc_recorder_note (rec, "toggle", "offset on at launch 1000");
      if (i == 2000)
        fl_knob_set_skip_fast (true);
      if (i == 2500)
        fl_knob_set_skip_fast (false);
      ck_assert_int_eq (launch_once (fx.bound, i >= 1000), FL_OK);
    }
  lsc_recorder_stats s;
  char err[512] = "";
  ck_assert_msg (lsc_recorder_stop (rec, &s, err, sizeof err) == 0, "%s", err);
  ck_assert_uint_eq (s.rows_dropped, 0);
  ck_assert_uint_eq (s.rows_lost, 0);
  /* Stopped, the report is one file: no -wal beside it, and none made by reading it. */
  char side[sizeof fx.path + 8];
  snprintf (side, sizeof side, "%s-wal", fx.path);
  ck_assert_int_ne (access (side, F_OK), 0);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'delete'"), 1);
  ck_assert_int_ne (access (side, F_OK), 0);

  fl_stats fs;
  fl_bound_kernel_stats (fx.bound, &fs);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch"), 3000);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE outcome = 0"), (int64_t) fs.fast_hits);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE outcome = 1"), (int64_t) fs.fast_misses);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE outcome = 2 AND reason = 3"), 500);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM spec"), 2);
  ck_assert_int_eq (query_int (fx.path, "SELECT sum(hits) FROM spec"), (int64_t) fs.fast_hits);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM spec WHERE ptr_alignment = 'UUU'"), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM event WHERE kind = 'toggle' AND text LIKE 'offset on%'"), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM event WHERE kind = 'fallback'"), 2);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM event WHERE kind = 'compile'"), 2);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM session WHERE stop_ns IS NOT NULL AND dropped_rows = 0"), 1);
  ck_assert_int_eq (query_int (fx.path, "PRAGMA user_version"), LSC_SCHEMA_VERSION);
  ck_assert_int_eq (query_int (fx.path, "PRAGMA application_id"), 0x4c534442);
  /* Every launch row belongs to the kernel and to a spec; host time is recorded. */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE kernel_id IS NULL OR spec_id IS NULL "
                                        "OR host_ns IS NULL"),
                    0);
}
END_TEST

/* A launch that raced on a new spec and waited for its compile is a wait in the spec row, not a
 * miss: the row's misses are the compiles needed.  A pre-run hook launching the same spec from
 * inside the outer launch makes the race certain. */
static bool racing_armed;

static void
launch_same_spec_inside (const fl_pre_run_launch *launch, void *user_data)
{
  (void) user_data;
  if (racing_armed && launch->n_args == N_PTRS + 1 && launch->args[0].v.ptr % 16 != 0)
    {
      racing_armed = false;
      ck_assert_int_eq (launch_once (fx.bound, true), FL_OK);
    }
}

START_TEST (test_waits_in_spec_row)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ .workload = "add3" });
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK); /* primes; the aligned spec's miss */
  ck_assert_int_eq (fl_bound_kernel_add_pre_run_hook (fx.bound, launch_same_spec_inside, NULL), FL_OK);
  racing_armed = true;
  ck_assert_int_eq (launch_once (fx.bound, true), FL_OK); /* the offset spec: a miss and a wait */
  ck_assert (!racing_armed);
  ck_assert_int_eq (launch_once (fx.bound, true), FL_OK); /* a hit */
  char err[512] = "";
  ck_assert_msg (lsc_recorder_stop (rec, NULL, err, sizeof err) == 0, "%s", err);
  fl_stats fs;
  fl_bound_kernel_stats (fx.bound, &fs);
  ck_assert_uint_eq (fs.fast_misses, 2);
  ck_assert_uint_eq (fs.fast_waits, 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE outcome = 1"), 3);
  ck_assert_int_eq (query_int (fx.path, "SELECT misses FROM spec WHERE ptr_alignment = 'UUU'"), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT waits FROM spec WHERE ptr_alignment = 'UUU'"), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT hits FROM spec WHERE ptr_alignment = 'UUU'"), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT misses FROM spec WHERE ptr_alignment = 'AAA'"), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT waits FROM spec WHERE ptr_alignment = 'AAA'"), 0);
  ck_assert_int_eq (query_int (fx.path, "SELECT sum(misses) FROM spec"), (int64_t) fs.compiles);
  /* the report reads them, and check finds nothing wrong with miss rows beyond misses */
  lsc_error e;
  ck_assert_msg (lsc_report_check (fx.path, NULL, NULL, &e) == 0, "check found problems");
  lsc_report *r = lsc_report_open (fx.path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert_int_eq (sum->schema_version, LSC_SCHEMA_VERSION);
  int64_t waits = 0, misses = 0;
  for (size_t i = 0; i < sum->n_sessions; i++)
    for (size_t j = 0; j < sum->sessions[i].n_specs; j++)
      {
        waits += sum->sessions[i].specs[j].waits;
        misses += sum->sessions[i].specs[j].misses;
      }
  ck_assert_int_eq (waits, 1);
  ck_assert_int_eq (misses, 2);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* The view's nearest-rank percentiles against the same computed here. */
static int
cmp_i64 (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return (x > y) - (x < y);
}

START_TEST (test_percentile_view)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ 0 });
  for (int i = 0; i < 777; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  ck_assert_int_eq (lsc_recorder_stop (rec, NULL, NULL, 0), 0);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (fx.path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq (sqlite3_prepare_v2 (db, "SELECT host_ns FROM launch WHERE path = 0", -1, &st, NULL), SQLITE_OK);
  int64_t v[800];
  int n = 0;
  while (sqlite3_step (st) == SQLITE_ROW)
    v[n++] = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  qsort (v, (size_t) n, sizeof v[0], cmp_i64);
  const double q[] = { 0.5, 0.9, 0.99 };
  for (int i = 0; i < 3; i++)
    {
      int rank = (int) (q[i] * n + 0.999999); /* ceil */
      char sql[200];
      snprintf (sql, sizeof sql, "SELECT p%d_ns FROM path_percentiles WHERE path = 'fast'", i == 0 ? 50 : i == 1 ? 90 : 99);
      ck_assert_int_eq (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), SQLITE_OK);
      ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
      ck_assert_int_eq (sqlite3_column_int64 (st, 0), v[rank - 1]);
      sqlite3_finalize (st);
    }
  sqlite3_close (db);
}
END_TEST

/* A tiny ring and a burst: every launch is either a row or a counted drop, never lost silently. */
START_TEST (test_ring_overflow_accounting)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ .ring_records = 64 });
  const int n = 200000;
  for (int i = 0; i < n; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  int64_t rows = query_int (fx.path, "SELECT count(*) FROM launch");
  int64_t compiles = query_int (fx.path, "SELECT count(*) FROM event WHERE kind = 'compile'");
  ck_assert_msg (s.rows_dropped > 0, "a 64-record ring should overflow under a 200k-launch burst");
  ck_assert_int_eq (rows + compiles + (int64_t) s.rows_dropped, n + 1 /* compile event */);
  ck_assert_int_eq (query_int (fx.path, "SELECT dropped_rows FROM session"), (int64_t) s.rows_dropped);
}
END_TEST

typedef struct {
  int launches;
  pthread_barrier_t *barrier;
} thread_arg;

static void *
launch_thread (void *data)
{
  thread_arg *a = data;
  fl_use_device (0);
  pthread_barrier_wait (a->barrier);
  for (int i = 0; i < a->launches; i++)
    if (launch_once (fx.bound, false) != FL_OK)
      return (void *) 1;
  return NULL;
}

START_TEST (test_many_threads_exact)
{
  enum { THREADS = 8, PER_THREAD = 25000 };
  lsc_recorder *rec = start ((lsc_recorder_options){ 0 });
  pthread_barrier_t barrier;
  pthread_barrier_init (&barrier, NULL, THREADS);
  pthread_t t[THREADS];
  thread_arg a = { PER_THREAD, &barrier };
  for (int i = 0; i < THREADS; i++)
    pthread_create (&t[i], NULL, launch_thread, &a);
  for (int i = 0; i < THREADS; i++)
    {
      void *ret;
      pthread_join (t[i], &ret);
      ck_assert_ptr_null (ret);
    }
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  int64_t rows = query_int (fx.path, "SELECT count(*) FROM launch");
  ck_assert_int_eq (rows + (int64_t) s.rows_dropped, THREADS * PER_THREAD);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(DISTINCT thread) FROM launch"), THREADS);
  pthread_barrier_destroy (&barrier);
}
END_TEST

/* A report that cannot grow: a clear error naming the file; what was committed still opens. */
START_TEST (test_disk_full)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ .max_db_bytes = 256 * 1024, .batch_rows = 512 });
  const int n = 100000;
  for (int i = 0; i < n; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder_stats s;
  char err[1024] = "";
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, err, sizeof err), -1);
  ck_assert_msg (strstr (err, fx.path) && strstr (err, "full"), "error should name the file and say full: %s", err);
  ck_assert_uint_gt (s.rows_lost, 0);
  int64_t rows = query_int (fx.path, "SELECT count(*) FROM launch");
  int64_t events = query_int (fx.path, "SELECT count(*) FROM event WHERE kind = 'compile'");
  ck_assert_int_gt (rows, 0);
  ck_assert_int_eq (rows + events + (int64_t) (s.rows_lost + s.rows_dropped), n + 1);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (fx.path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  ck_assert_str_eq ((const char *) sqlite3_column_text (st, 0), "ok");
  sqlite3_finalize (st);
  sqlite3_close (db);
}
END_TEST

/* SIGKILL while recording: the report opens, passes integrity_check and keeps committed rows. */
START_TEST (test_sigkill_mid_recording)
{
  int ready[2];
  ck_assert_int_eq (pipe (ready), 0);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      lsc_recorder_options o = { .path = fx.path, .batch_rows = 256 };
      lsc_recorder *rec = NULL;
      char err[256];
      if (lsc_recorder_start (&o, &rec, err, sizeof err) != 0 || lsc_recorder_add_kernel (rec, fx.bound, "t") != 0)
        _exit (3);
      /* Ready once a batch is surely committed: after 20000 launches a plain run has committed
       * several, but under valgrind (one thread at a time) the writer may not have run yet. */
      bool told = false;
      for (long i = 0;; i++)
        {
          launch_once (fx.bound, false);
          if (!told && i >= 20000 && i % 1000 == 0)
            {
              lsc_recorder_stats s;
              lsc_recorder_get_stats (rec, &s);
              if (s.rows_written > 0 && write (ready[1], "x", 1) != 1)
                _exit (4);
              told = s.rows_written > 0;
            }
        }
    }
  char c;
  ck_assert_int_eq (read (ready[0], &c, 1), 1);
  usleep (50000);
  kill (pid, SIGKILL);
  int status;
  waitpid (pid, &status, 0);
  ck_assert (WIFSIGNALED (status));
  ck_assert_int_gt (query_int (fx.path, "SELECT count(*) FROM launch"), 0); /* at least one batch committed */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM session WHERE stop_ns IS NULL"), 1);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (fx.path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  ck_assert_str_eq ((const char *) sqlite3_column_text (st, 0), "ok");
  sqlite3_finalize (st);
  sqlite3_close (db);
}
END_TEST

START_TEST (test_refusals)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ 0 });
  lsc_recorder *second = NULL;
  char err[512] = "";
  char other[320];
  snprintf (other, sizeof other, "%s/other.lsdb", fx.dir);
  ck_assert_int_eq (lsc_recorder_start (&(lsc_recorder_options){ .path = other }, &second, err, sizeof err), -1);
  ck_assert_ptr_nonnull (strstr (err, "already running"));
  ck_assert_int_eq (lsc_recorder_stop (rec, NULL, NULL, 0), 0);
  /* The report exists now: no silent overwrite. */
  ck_assert_int_eq (lsc_recorder_start (&(lsc_recorder_options){ .path = fx.path }, &second, err, sizeof err), -1);
  ck_assert_ptr_nonnull (strstr (err, "already exists"));
  ck_assert_ptr_nonnull (strstr (err, fx.path));
  ck_assert_int_eq (lsc_recorder_start (&(lsc_recorder_options){ .path = fx.path, .overwrite = true }, &second, err, sizeof err), 0);
  ck_assert_int_eq (lsc_recorder_stop (second, NULL, NULL, 0), 0);
  /* A directory that does not exist. */
  ck_assert_int_eq (lsc_recorder_start (&(lsc_recorder_options){ .path = "/nonexistent/dir/r.lsdb" }, &second, err,
                                        sizeof err),
                    -1);
  ck_assert_ptr_nonnull (strstr (err, "/nonexistent/dir/r.lsdb"));
}
END_TEST

/* An explicit CUPTI library that is not there: recording goes on, the status says why. */
START_TEST (test_cupti_missing_is_reported)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ .cupti = LSC_CUPTI_CALLBACKS,
                                                     .cupti_library = "/nonexistent/libcupti.so.13" });
  for (int i = 0; i < 10; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  ck_assert_msg (strstr (s.cupti_status, "CUPTI not found"), "status: %s", s.cupti_status);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch"), 10);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM session WHERE cupti_status LIKE 'CUPTI not found%'"), 1);
}
END_TEST

START_TEST (test_stage_timing_recorded)
{
  lsc_recorder *rec = start ((lsc_recorder_options){ 0 });
  fl_knob_set_stage_timing (true);
  fl_arg args[N_PTRS + 1];
  for (int i = 0; i < N_PTRS; i++)
    args[i] = FL_PTR (fx.bufs[i]);
  args[N_PTRS] = FL_INT (N_ELEMS);
  for (int i = 0; i < 50; i++)
    ck_assert_int_eq (fl_launch_default (fx.bound, (fl_grid){ 1, 1, 1 }, NULL, args, N_PTRS + 1, NULL), FL_OK);
  fl_knob_set_stage_timing (false);
  ck_assert_int_eq (lsc_recorder_stop (rec, NULL, NULL, 0), 0);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE path = 1 AND resolve_ns IS NOT NULL AND "
                                        "launch_ns IS NOT NULL"),
                    50);
  /* The stages are parts of the whole call. */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE resolve_ns + bind_ns + specialize_ns + "
                                        "key_ns + lookup_ns + globals_ns + metadata_ns + launch_ns > host_ns"),
                    0);
}
END_TEST

/* ---- CUPTI's launch callback, through tests/support/fake-cupti.c (there is no CUPTI without a GPU) ---- */

static uint32_t (*fake_api_call) (uint32_t cbid, int result);
static unsigned (*fake_finalized) (void);
static void (*fake_set_symbol_name) (const char *name);
static bool hook_fires;          /* the pre-run hook makes the "API call" inside the launch */
static int hook_extra_calls;     /* ... and this many before it, as a hook of the caller's might */
static uint32_t hook_last_correlation;

static void
fake_cupti_load (void)
{
  const char *path = getenv ("LSC_FAKE_CUPTI");
  ck_assert_msg (path && *path, "LSC_FAKE_CUPTI must name build/tests/libfake-cupti.so (meson test sets it)");
  void *lib = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  ck_assert_msg (lib, "%s", dlerror ());
  void *sym = dlsym (lib, "fake_cupti_api_call");
  ck_assert_ptr_nonnull (sym);
  memcpy (&fake_api_call, &sym, sizeof sym);
  sym = dlsym (lib, "fake_cupti_finalized");
  ck_assert_ptr_nonnull (sym);
  memcpy (&fake_finalized, &sym, sizeof sym);
  sym = dlsym (lib, "fake_cupti_set_symbol_name");
  ck_assert_ptr_nonnull (sym);
  memcpy (&fake_set_symbol_name, &sym, sizeof sym);
}

/* Inside fl_launch, as cuLaunchKernel is. */
static void
hook_api_call (const fl_pre_run_launch *launch, void *user_data)
{
  (void) launch;
  (void) user_data;
  for (int i = 0; hook_fires && i < hook_extra_calls; i++)
    fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx, 0);
  if (hook_fires)
    hook_last_correlation = fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
}

static lsc_recorder *
start_with_fake_cupti (lsc_recorder_options o)
{
  fake_cupti_load ();
  o.cupti = LSC_CUPTI_CALLBACKS;
  o.cupti_library = getenv ("LSC_FAKE_CUPTI");
  ck_assert_int_eq (fl_bound_kernel_add_pre_run_hook (fx.bound, hook_api_call, NULL), FL_OK);
  hook_fires = true;
  lsc_recorder *rec = start (o);
  lsc_recorder_stats s;
  lsc_recorder_get_stats (rec, &s);
  ck_assert_msg (strcmp (s.cupti_status, "callbacks on") == 0, "fake CUPTI: %s", s.cupti_status);
  return rec;
}

/* The API record made inside a launch rides in that launch's record: one row, one record, with
 * the correlation id and API times inside the launch's window. */
START_TEST (test_cupti_api_joined_to_launch)
{
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK); /* primed and compiled before recording */
  lsc_recorder *rec = start_with_fake_cupti ((lsc_recorder_options){ 0 });
  const int n = 5000;
  for (int i = 0; i < n; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  uint32_t last = hook_last_correlation;
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  ck_assert_uint_eq (s.rows_dropped, 0);
  ck_assert_uint_eq (s.rows_written, (uint64_t) n + 1); /* one record per launch, not two; + the stop's CUPTI note */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch"), n);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE path = 2"), 0);
  /* Inside the engine's launch, the exit time is the engine's end: one clock read fewer. */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(DISTINCT correlation_id) FROM launch WHERE kernel_id IS NOT NULL "
                                        "AND api_ns > 0 AND api_start_ns >= start_ns "
                                        "AND api_start_ns + api_ns = start_ns + host_ns"),
                    n);
  ck_assert_int_eq (query_int (fx.path, "SELECT max(correlation_id) FROM launch"), last);
}
END_TEST

/* A launch API call made inside an engine launch that the engine's record does not claim (a hook
 * of the caller's launched something first): its own raw row, its start kept, its exit time
 * unknown rather than made up. */
START_TEST (test_cupti_call_inside_engine_launch)
{
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder *rec = start_with_fake_cupti ((lsc_recorder_options){ 0 });
  hook_extra_calls = 1;
  const int n = 40;
  for (int i = 0; i < n; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  hook_extra_calls = 0;
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  ck_assert_uint_eq (s.rows_dropped, 0);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE path = 2 AND correlation_id IS NOT NULL "
                                        "AND api_start_ns > 0 AND api_ns IS NULL AND host_ns IS NULL"),
                    n);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE path = 0 AND api_ns > 0 "
                                        "AND api_start_ns + api_ns = start_ns + host_ns"),
                    n);
}
END_TEST

/* The driver's cuCtxGetCurrent as CUPTI sees it: through the subscriber's callback. */
static PFN_cuCtxGetCurrent_v4000 real_ctx_get_current;
static CUresult
ctx_get_current_seen_by_cupti (CUcontext *ctx)
{
  CUresult r = real_ctx_get_current (ctx);
  fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuCtxGetCurrent, (int) r);
  return r;
}

/* Stopping detaches CUPTI (cuptiFinalize, from the exit of a driver call, where CUPTI says it is
 * safe), so launches afterwards do not pay for an attached tool; a later session attaches
 * again.  Where the call never reaches the callback, it falls back to unsubscribing. */
START_TEST (test_cupti_detached_at_stop)
{
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder *rec = start_with_fake_cupti ((lsc_recorder_options){ 0 });
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  unsigned before = fake_finalized ();
  /* The test double's cuCtxGetCurrent never calls CUPTI: unsubscribed, not finalized. */
  ck_assert_int_eq (lsc_recorder_stop (rec, NULL, NULL, 0), 0);
  ck_assert_uint_eq (fake_finalized (), before);
  ck_assert (!lsc_cupti_running ());
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM event WHERE kind = 'info' AND text LIKE "
                                        "'CUPTI unsubscribed but still attached%'"),
                    1);

  fl_driver with_cupti = *fl_driver_get ();
  real_ctx_get_current = with_cupti.cuCtxGetCurrent;
  with_cupti.cuCtxGetCurrent = ctx_get_current_seen_by_cupti;
  /* (The launch hook that makes the fake API call is in place from the first start.) */
  const lsc_recorder_options again = { .overwrite = true, .cupti = LSC_CUPTI_CALLBACKS,
                                       .cupti_library = getenv ("LSC_FAKE_CUPTI") };
  rec = start (again);
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  /* No compiles or launches from here on: the table loses NVRTC, which only compiles need. */
  ck_assert_int_eq (fl_driver_install (&with_cupti, NULL), FL_OK);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  ck_assert_uint_eq (fake_finalized (), before + 1);
  ck_assert (!lsc_cupti_running ());
  ck_assert_uint_eq (s.rows_written, 2); /* the launch recorded before detaching is kept, and the note */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch"), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM event WHERE text LIKE 'CUPTI detached%'"), 1);
  /* Only the stop's own call detached: one more does not finalize again. */
  CUcontext ctx;
  fl_driver_get ()->cuCtxGetCurrent (&ctx);
  ck_assert_uint_eq (fake_finalized (), before + 1);

  /* Attaching again works, with the launch callback on. */
  fl_test_driver_install ();
  rec = start (again);
  lsc_recorder_get_stats (rec, &s);
  ck_assert_msg (strcmp (s.cupti_status, "callbacks on") == 0, "attaching again: %s", s.cupti_status);
  ck_assert_int_eq (lsc_recorder_stop (rec, NULL, NULL, 0), 0);
}
END_TEST

/* API records no engine launch claims (a raw cuLaunchKernel by someone else, before or between
 * engine launches, or the last one before stopping) are rows of their own, as before. */
START_TEST (test_cupti_api_unclaimed)
{
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder *rec = start_with_fake_cupti ((lsc_recorder_options){ 0 });
  hook_fires = false;
  uint32_t a = fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK); /* its window does not contain a */
  uint32_t b = fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx, 0);
  uint32_t c = fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
  hook_fires = true;
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK); /* claims its own, d */
  uint32_t d = hook_last_correlation;
  hook_fires = false;
  uint32_t e = fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 701); /* parked until stop */
  ck_assert_uint_gt (a, 0);
  ck_assert_uint_gt (e, d);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  ck_assert_uint_eq (s.rows_dropped, 0);
  ck_assert_uint_eq (s.rows_written, 6 + 1); /* + the stop's CUPTI note */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch"), 6);
  char sql[300];
  uint32_t raw[] = { a, b, c, e };
  for (int i = 0; i < 4; i++)
    {
      snprintf (sql, sizeof sql,
                "SELECT count(*) FROM launch WHERE correlation_id = %u AND path = 2 AND outcome = 3 AND kernel_id IS NULL "
                "AND spec_id IS NULL AND start_ns = api_start_ns AND host_ns IS api_ns AND status = %d",
                raw[i], raw[i] == e ? 701 : 0);
      if (query_int (fx.path, sql) != 1)
        {
          char what[300];
          snprintf (what, sizeof what,
                    "SELECT printf('rows %%d: path %%s outcome %%s kernel %%s spec %%s start %%s api_start %%s host %%s "
                    "api %%s status %%s', count(*), path, outcome, kernel_id, spec_id, start_ns, api_start_ns, host_ns, "
                    "api_ns, status) FROM launch WHERE correlation_id = %u",
                    raw[i]);
          ck_abort_msg ("raw row for correlation id %u: %s", raw[i], query_text (fx.path, what));
        }
    }
  snprintf (sql, sizeof sql, "SELECT count(*) FROM launch WHERE correlation_id = %u AND path = 0 AND kernel_id IS NOT NULL",
            d);
  ck_assert_int_eq (query_int (fx.path, sql), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE path = 0 AND correlation_id IS NULL"), 1);
}
END_TEST

static int64_t
raw_launches_of (const char *path, const char *kernel_name)
{
  char sql[1200];
  snprintf (sql, sizeof sql,
            "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE l.path = 2 AND k.name = '%s' "
            "AND k.entry = k.name AND k.signature IS NULL",
            kernel_name);
  return query_int (path, sql);
}

/* Launches the engine did not make are rows with the kernel CUPTI named: one kernel row per
 * name, whatever address the name came at (the fake CUPTI hands every call's name over at one
 * address, and overwrites it after the callback, so a name kept by address would be wrong or
 * garbage).  The engine's own launches keep their bound kernel. */
START_TEST (test_cupti_symbol_names)
{
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder *rec = start_with_fake_cupti ((lsc_recorder_options){ 0 });
  hook_fires = false;
  char long_name[601];
  memset (long_name, 'k', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  const char *sequence[] = { "foreign_a", "foreign_a", "foreign_b", "foreign_a", long_name, "foreign_b", long_name, NULL };
  int raw = 0;
  for (unsigned i = 0; i < sizeof sequence / sizeof sequence[0]; i++, raw++)
    {
      fake_set_symbol_name (sequence[i]);
      ck_assert_uint_gt (fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0), 0);
    }
  /* More names than a thread's table holds, and than the writer's first table. */
  char name[32];
  for (int i = 0; i < 200; i++, raw++)
    {
      snprintf (name, sizeof name, "many_%03d", i);
      fake_set_symbol_name (name);
      fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx, 0);
    }
  fake_set_symbol_name ("add");
  hook_fires = true;
  const int engine = 50;
  for (int i = 0; i < engine; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  fake_set_symbol_name ("foreign_b");
  hook_fires = false;
  fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0); /* parked until stop */
  raw++;
  fake_set_symbol_name (NULL);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  ck_assert_uint_eq (s.rows_dropped, 0);
  ck_assert_uint_eq (s.rows_written, (uint64_t) (raw + engine + 1)); /* names are not rows; + the note */

  ck_assert_int_eq (raw_launches_of (fx.path, "foreign_a"), 3);
  ck_assert_int_eq (raw_launches_of (fx.path, "foreign_b"), 3);
  char cut[LSC_RECORDER_KERNEL_NAME_MAX + 1];
  memset (cut, 'k', LSC_RECORDER_KERNEL_NAME_MAX);
  cut[LSC_RECORDER_KERNEL_NAME_MAX] = '\0';
  ck_assert_int_eq (raw_launches_of (fx.path, cut), 2); /* kept cut, not lost */
  for (int i = 0; i < 200; i += 37)
    {
      snprintf (name, sizeof name, "many_%03d", i);
      ck_assert_int_eq (raw_launches_of (fx.path, name), 1);
    }
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE path = 2 AND kernel_id IS NULL"), 1);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM kernel WHERE signature IS NULL"), 3 + 200);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM kernel WHERE name LIKE '%#%'"), 0);
  /* The engine's launches: their bound kernel, whose entry point is the name CUPTI reports. */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id "
                                        "WHERE l.path = 0 AND k.signature IS NOT NULL AND k.entry = 'add'"),
                    engine);
}
END_TEST

/* Callbacks enabled but returning at once (the overhead command's "callbacks (empty)"): no API
 * records, launches recorded as without CUPTI; turning the work back on resumes the join. */
START_TEST (test_cupti_callback_work_off)
{
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder *rec = start_with_fake_cupti ((lsc_recorder_options){ 0 });
  lsc_cupti_set_callback_work (false);
  for (int i = 0; i < 300; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  ck_assert_uint_gt (hook_last_correlation, 0); /* CUPTI did dispatch to our callback */
  lsc_cupti_set_callback_work (true);
  for (int i = 0; i < 200; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  ck_assert_uint_eq (s.rows_written, 500 + 1); /* + the stop's CUPTI note */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE correlation_id IS NULL AND path = 0"), 300);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE correlation_id IS NOT NULL AND path = 0"), 200);
}
END_TEST

/* A tiny ring, CUPTI on, the baseline with stage timing (a launch is two slots then): every
 * launch is one row or one counted drop, never two, never none. */
START_TEST (test_drop_accounting_cupti_and_stages)
{
  fl_knob_set_stage_timing (true);
  fl_arg args[N_PTRS + 1];
  for (int i = 0; i < N_PTRS; i++)
    args[i] = FL_PTR (fx.bufs[i]);
  args[N_PTRS] = FL_INT (N_ELEMS);
  /* Both paths primed before recording, so every record is a launch. */
  ck_assert_int_eq (fl_launch_default (fx.bound, (fl_grid){ 1, 1, 1 }, NULL, args, N_PTRS + 1, NULL), FL_OK);
  ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder *rec = start_with_fake_cupti ((lsc_recorder_options){ .ring_records = 64 });
  const int n = 60000;
  for (int i = 0; i < n; i++)
    ck_assert_int_eq (i % 2 ? launch_once (fx.bound, false)
                            : fl_launch_default (fx.bound, (fl_grid){ 1, 1, 1 }, NULL, args, N_PTRS + 1, NULL),
                      FL_OK);
  fl_knob_set_stage_timing (false);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  int64_t rows = query_int (fx.path, "SELECT count(*) FROM launch");
  ck_assert_msg (s.rows_dropped > 0, "a 64-record ring should overflow");
  /* The stop's CUPTI note goes through the same full ring: written or counted as dropped. */
  int64_t notes = query_int (fx.path, "SELECT count(*) FROM event");
  ck_assert_int_le (notes, 1);
  ck_assert_int_eq (rows + notes + (int64_t) s.rows_dropped, n + 1);
  ck_assert_int_eq ((int64_t) s.rows_written, rows + notes);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE path = 2 OR correlation_id IS NULL"), 0);
  /* Stage times arrive with their launch, and only with the baseline's. */
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch WHERE (path = 1) != (resolve_ns IS NOT NULL "
                                        "AND launch_ns IS NOT NULL)"),
                    0);
  ck_assert_int_gt (query_int (fx.path, "SELECT count(*) FROM launch WHERE path = 1"), 0);
  ck_assert_int_eq (query_int (fx.path, "SELECT dropped_rows FROM session"), (int64_t) s.rows_dropped);
}
END_TEST

/* The fault bound, unless valgrind or a sanitizer (whose shadow memory faults on the launching
 * thread too) runs us: the plain build asserts it. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LSC_TEST_SANITIZED 1
#else
#define LSC_TEST_SANITIZED 0
#endif
#define ASSERT_FEW_FAULTS(faults, ...)                                                                      \
  do                                                                                                        \
    {                                                                                                       \
      if (!RUNNING_ON_VALGRIND && !LSC_TEST_SANITIZED)                                                      \
        ck_assert_msg ((faults) < 64, __VA_ARGS__);                                                         \
    }                                                                                                       \
  while (0)

static long
thread_minor_faults (void)
{
  struct rusage u;
  ck_assert_int_eq (getrusage (RUSAGE_THREAD, &u), 0);
  return u.ru_minflt;
}

/* The starting thread's ring exists and is faulted in before its first launch: a whole lap of
 * launches takes (almost) no page faults on the launching thread.  Lazily, one in 64 would. */
START_TEST (test_ring_ready_at_start)
{
  for (int i = 0; i < 5000; i++) /* the double's own buffers, warmed */
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  lsc_recorder *rec = start ((lsc_recorder_options){ .ring_records = 32768 });
  long before = thread_minor_faults ();
  for (int i = 0; i < 32768; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  long faults = thread_minor_faults () - before;
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, NULL, 0), 0);
  ASSERT_FEW_FAULTS (faults, "%ld page faults in 32768 recorded launches (a lazily faulted ring takes 512)", faults);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch") + (int64_t) s.rows_dropped, 32768);
}
END_TEST

typedef struct {
  lsc_recorder *rec;
  long faults;
  int attach_rc;
} attach_arg;

static void *
attached_launcher (void *data)
{
  attach_arg *a = data;
  fl_use_device (0);
  a->attach_rc = lsc_recorder_attach_thread (a->rec);
  long before = thread_minor_faults ();
  for (int i = 0; i < 32768; i++)
    if (launch_once (fx.bound, false) != FL_OK)
      return (void *) 1;
  a->faults = thread_minor_faults () - before;
  return NULL;
}

START_TEST (test_attach_thread)
{
  for (int i = 0; i < 5000; i++)
    ck_assert_int_eq (launch_once (fx.bound, false), FL_OK);
  attach_arg a = { .rec = start ((lsc_recorder_options){ .ring_records = 32768 }) };
  ck_assert_int_eq (lsc_recorder_attach_thread (NULL), -1);
  pthread_t t;
  ck_assert_int_eq (pthread_create (&t, NULL, attached_launcher, &a), 0);
  void *ret;
  pthread_join (t, &ret);
  ck_assert_ptr_null (ret);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (a.rec, &s, NULL, 0), 0);
  ck_assert_int_eq (a.attach_rc, 0);
  ASSERT_FEW_FAULTS (a.faults, "%ld page faults in 32768 launches on an attached thread", a.faults);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(*) FROM launch") + (int64_t) s.rows_dropped, 32768);
  ck_assert_int_eq (query_int (fx.path, "SELECT count(DISTINCT thread) FROM launch"), 1);
}
END_TEST

static Suite *
recorder_suite (void)
{
  Suite *s = suite_create ("recorder");
  TCase *tc = tcase_create ("recorder");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_waits_in_spec_row);
  tcase_add_test (tc, test_paired_estimate);
  tcase_add_test (tc, test_floor_probe);
  tcase_add_test (tc, test_floor_probe_waits_for_a_settled_launch);
  tcase_add_test (tc, test_calibration_statistics);
  tcase_add_test (tc, test_calibrate_measure);
  tcase_add_test (tc, test_calibration_store);
  tcase_add_test (tc, test_percentile_view);
  tcase_add_test (tc, test_ring_overflow_accounting);
  tcase_add_test (tc, test_many_threads_exact);
  tcase_add_test (tc, test_disk_full);
  tcase_add_test (tc, test_sigkill_mid_recording);
  tcase_add_test (tc, test_refusals);
  tcase_add_test (tc, test_cupti_missing_is_reported);
  tcase_add_test (tc, test_stage_timing_recorded);
  tcase_add_test (tc, test_ring_ready_at_start);
  tcase_add_test (tc, test_attach_thread);
  /* Last: once loaded, the fake CUPTI stays the process's libcupti (without fork, under valgrind). */
  tcase_add_test (tc, test_cupti_api_joined_to_launch);
  tcase_add_test (tc, test_cupti_api_unclaimed);
  tcase_add_test (tc, test_cupti_symbol_names);
  tcase_add_test (tc, test_cupti_call_inside_engine_launch);
  tcase_add_test (tc, test_cupti_callback_work_off);
  tcase_add_test (tc, test_cupti_detached_at_stop);
  tcase_add_test (tc, test_drop_accounting_cupti_and_stages);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (recorder_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
