/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-record-command.c — launchscope-cli record -- COMMAND on a stand-in CUDA program
 * (fake-cuda-app, which loads liblaunchscope-inject.so as the driver would and launches
 * through the fake libcupti): every launch of every process recorded, one session per process,
 * the command's exit status passed through, nothing written when no process used CUDA, a
 * process killed mid-run keeps what it flushed, the program's NVTX ranges and the report's
 * launches per range, and the refusals.
 *
 *   test-record-command CLI FAKE-CUDA-APP FAKE-CUPTI
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsc-calibrate.h"
#include "lsc-command.h"
#include "lsc-percentile.h"
#include "lsc-report.h"
#include "lsc-report-private.h"
#include "lsc-test-files.h"

static const char *cli, *app, *cupti;
static char dir[256], out[65536];

static void
setup (void)
{
  ck_assert (lsc_test_dir_make (dir, sizeof dir, "lsc-command"));
}

static void
teardown (void)
{
  lsc_test_dir_remove (dir);
}

static const char *
in_dir (const char *name)
{
  return lsc_test_path (dir, name);
}

/* Runs the CLI with args (NULL-terminated); its output into out. */
static int
run (const char *const *args)
{
  const char *argv[32] = { cli };
  for (int i = 0; args[i] && i < 30; i++)
    argv[i + 1] = args[i];
  return lsc_test_run (argv, out, sizeof out);
}

#define RUN(...) run ((const char *const[]){ __VA_ARGS__, NULL })

static int64_t
query (const char *path, const char *sql)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  sqlite3_stmt *st = NULL;
  ck_assert_msg (sqlite3_prepare_v2 (lsc_report_db (r), sql, -1, &st, NULL) == SQLITE_OK, "%s", sql);
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  lsc_report_free (r);
  return v;
}

/* Nothing but the report: the processes' parts and every lock are gone. */
static void
only_the_report_left (const char *report_name)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  while (d && (e = readdir (d)))
    if (e->d_name[0] != '.')
      ck_assert_msg (report_name && strcmp (e->d_name, report_name) == 0, "left behind: %s", e->d_name);
  closedir (d);
}

START_TEST (test_one_process)
{
  const char *r = in_dir ("run.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "120", "7");
  ck_assert_msg (rc == 7, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "120 launches of 1 process recorded"), "%s", out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE path = 2 AND status = 0"), 120);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id "
                              "WHERE k.name = 'kernel_a'"),
                    80);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id "
                              "WHERE k.name = 'kernel_b'"),
                    40);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE correlation_id IS NULL OR api_ns IS NULL"), 0);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE workload LIKE '%fake-cuda-app 120 7' AND "
                              "stop_ns IS NOT NULL AND json_extract(settings, '$.source') = 'injection' AND "
                              "json_extract(settings, '$.pid') > 0"),
                    1);
  only_the_report_left ("run.lsdb");
}
END_TEST

START_TEST (test_two_processes)
{
  const char *r = in_dir ("two.lsdb");
  setenv ("RANK", "3", 1);
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "50", "0", "child", "30");
  unsetenv ("RANK");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session"), 2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 80);
  /* Each process's launches and kernels belong to its own session. */
  ck_assert_int_eq (query (r, "SELECT count(DISTINCT s.id) FROM session s JOIN launch l ON l.session_id = s.id "
                              "JOIN kernel k ON k.id = l.kernel_id AND k.session_id = s.id"),
                    2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM (SELECT session_id FROM launch GROUP BY session_id "
                              "HAVING count(*) IN (50, 30))"),
                    2);
  ck_assert_int_eq (query (r, "SELECT count(DISTINCT json_extract(settings, '$.pid')) FROM session"), 2);
  /* RANK from the environment, as torchrun sets it, is kept per process. */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE json_extract(settings, '$.rank') = 3"), 2);
  ck_assert_msg (strstr (out, "(rank 3)"), "%s", out);
  only_the_report_left ("two.lsdb");
}
END_TEST

/* A graph replay is one row on the graph path, not a kernel launch. */
START_TEST (test_graph_replays)
{
  const char *r = in_dir ("graph.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "30", "0", "graph", "12");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE path = 3 AND kernel_id IS NULL AND api_ns IS NOT NULL"),
                    12);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE path = 2"), 30);
}
END_TEST

/* The calls between launches are rows of their own, each launch carries its configuration, and
 * a launch made while its stream was being captured is marked as captured. */
START_TEST (test_calls_and_configuration)
{
  const char *r = in_dir ("calls.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "6", "0", "calls");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call"), 3);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind = 2 AND name = 'cuStreamSynchronize' AND "
                              "status = 0 AND api_ns IS NOT NULL AND correlation_id > 0"),
                    1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind = 3 AND name = 'cuMemcpyHtoDAsync_v2'"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind = 4 AND name = 'cuMemAlloc_v2' AND status = 2"), 1);
  /* the calls share the launches' thread */
  ck_assert_int_eq (query (r, "SELECT count(DISTINCT thread) FROM (SELECT thread FROM launch UNION ALL "
                              "SELECT thread FROM api_call)"),
                    1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 7);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE captured = 1 AND stream = 119 AND grid_x = 4 AND "
                              "grid_y = 2 AND grid_z = 1 AND block_x = 128 AND block_y = 1 AND block_z = 1 AND "
                              "shared_mem = 512"),
                    1);
  /* the others passed no parameters to read: their configuration is unknown, not zero */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE captured = 0 AND stream IS NULL"), 6);
  rc = RUN ("report", r);
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "between launches: 1 synchronisation (") && strstr (out, ", 1 copy (")
                   && strstr (out, ", 1 allocation ("),
                 "%s", out);
}
END_TEST

/* --api runtime: one kind-5 row per runtime call of interest, named without CUPTI's version
 * suffix, its interval enclosing its driver call's; each launch still one row, its driver
 * call's.  Without the option no runtime callback is even enabled. */
START_TEST (test_runtime_api)
{
  const char *r = in_dir ("runtime.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--api", "runtime", "--", app, "3", "0", "runtime");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  /* cudaLaunchKernel, _ptsz, ExC, Cooperative, __cudaLaunchKernel, cudaGraphLaunch, the
   * synchronisation, the copy and the allocation: not cudaLaunchHostFunc nor cudaGetDevice */
  ck_assert_msg (strstr (out, "fake-cuda-app: 9 runtime callbacks enabled"), "%s", out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE path = 2"), 3 + 5);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE path = 3"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id "
                              "WHERE k.name = 'kernel_rt'"),
                    5);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind = 5"), 9);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind = 5 AND name = 'cudaLaunchKernel'"), 4);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind = 5 AND name IN ('cudaLaunchKernelExC', "
                              "'cudaGraphLaunch', 'cudaStreamSynchronize', 'cudaMemcpyAsync')"),
                    4);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind = 5 AND name = 'cudaMalloc' AND status = 2"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind IN (2, 3, 4)"), 3);
  /* Each runtime launch encloses one launch row of its thread, under another correlation id. */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call a WHERE a.kind = 5 AND a.name LIKE 'cuda%Launch%' AND "
                              "(SELECT count(*) FROM launch l WHERE l.thread = a.thread AND l.api_start_ns >= "
                              "a.start_ns AND l.api_start_ns + l.api_ns <= a.start_ns + a.api_ns AND "
                              "l.correlation_id <> a.correlation_id) = 1"),
                    6);
  /* ... and each runtime synchronisation, copy and allocation its driver call. */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call a JOIN api_call d ON d.thread = a.thread AND "
                              "d.kind IN (2, 3, 4) AND d.start_ns >= a.start_ns AND d.start_ns + d.api_ns <= "
                              "a.start_ns + a.api_ns AND d.correlation_id <> a.correlation_id WHERE a.kind = 5"),
                    3);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE json_extract(settings, '$.api') = 'runtime'"), 1);
  rc = RUN ("report", r);
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "between launches: 1 synchronisation (") && strstr (out, ", 1 copy (")
                   && strstr (out, ", 1 allocation (") && !strstr (out, "synchronisations"),
                 "%s", out);

  r = in_dir ("driver.lsdb");
  rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "3", "0", "runtime");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "fake-cuda-app: 0 runtime callbacks enabled"), "%s", out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE path = 2"), 3 + 5);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE path = 3"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM api_call WHERE kind = 5"), 0);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE json_extract(settings, '$.api') = 'driver'"), 1);
}
END_TEST

/* --max-launches keeps each process's first N launches and says so where the user looks. */
START_TEST (test_max_launches)
{
  const char *r = in_dir ("bounded.lsdb");
  int rc = RUN ("record", "-o", r, "--max-launches", "25", "--cupti-lib", cupti, "--", app, "100", "0", "child", "10");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "(stopped at --max-launches: later launches not recorded)"), "%s", out);
  /* the parent stops at 25; the child's 10 stay under the bound */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 35);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM event WHERE text LIKE 'launch bound reached: the first 25 %'"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE json_extract(settings, '$.max_launches') = 25"), 2);
  rc = RUN ("report", r);
  ck_assert_msg (rc == 0 && strstr (out, "launch bound reached: the first 25 launches were recorded, later ones were not"),
                 "exit %d:\n%s", rc, out);
  rc = RUN ("report", "--json", r);
  ck_assert_msg (rc == 0 && strstr (out, "\"launch_bound\":25,\"launch_bound_reached\":true"), "exit %d:\n%s", rc, out);
  rc = RUN ("record", "-o", in_dir ("y.lsdb"), "--max-launches", "10");
  ck_assert_msg (rc == 2 && strstr (out, "--max-launches is for a command"), "exit %d:\n%s", rc, out);
  rc = RUN ("record", "-o", in_dir ("y.lsdb"), "--max-launches", "0", "--", app, "1", "0");
  ck_assert_msg (rc == 2 && strstr (out, "--max-launches"), "exit %d:\n%s", rc, out);
}
END_TEST

/* --params: each launch's spec key from its values; per kernel, specs, binaries and the hit
 * rate a per-spec cache would get, and the kernels whose layout the driver does not give. */
START_TEST (test_params)
{
  const char *r = in_dir ("params.lsdb");
  int rc = RUN ("record", "-o", r, "--params", "--cupti-lib", cupti, "--", app, "3", "0", "params");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(DISTINCT param_key) FROM launch l JOIN kernel k ON k.id = l.kernel_id "
                              "WHERE k.name = 'kernel_p' AND params = 1 AND function = 241"),
                    3);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE k.name = "
                              "'kernel_q' AND params = 2 AND param_key IS NULL AND function = 242"),
                    2);
  /* the plain launches before passed no parameters at all */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE params IS NULL AND function IS NULL"), 3);
  rc = RUN ("report", r);
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "         5        3        1     40.0%  kernel_p"), "%s", out);
  ck_assert_msg (strstr (out, "kernel_q  (2 launches: the driver gives no parameter layout)"), "%s", out);
  rc = RUN ("report", "--json", r);
  ck_assert_msg (rc == 0 && strstr (out, "\"functions\":1,\"param_launches\":5,\"param_specs\":3,\"params_no_layout\":0,"
                                         "\"params_no_values\":0,\"params_not_kept\":0,\"simulated_hit_rate\":0.4"),
                 "%s", out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE json_extract(settings, '$.params') LIKE "
                              "'%inferred from values%'"),
                    1);

  /* without --params no key is inferred, and the report has no such table */
  r = in_dir ("noparams.lsdb");
  rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "3", "0", "params");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch WHERE params IS NOT NULL OR param_key IS NOT NULL"), 0);
  ck_assert_int_eq (query (r, "SELECT count(DISTINCT function) FROM launch WHERE function IS NOT NULL"), 2);
  rc = RUN ("report", r);
  ck_assert_msg (rc == 0 && !strstr (out, "inferred from values"), "%s", out);
}
END_TEST

/* --capture-range cudaProfilerApi: only the launches between the program's own start and stop. */
START_TEST (test_profiler_range)
{
  const char *r = in_dir ("range.lsdb");
  int rc = RUN ("record", "-o", r, "--capture-range", "cudaProfilerApi", "--cupti-lib", cupti, "--", app, "7", "0",
                "range");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 5);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE k.name = "
                              "'kernel_in'"),
                    5);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM event WHERE text LIKE 'waiting for the program''s cudaProfilerStart%' "
                              "OR text LIKE 'capture range opened (cudaProfilerStart)%' OR text LIKE "
                              "'capture range closed (cudaProfilerStop)%'"),
                    3);
  /* without it, everything */
  r = in_dir ("norange.lsdb");
  rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "7", "0", "range");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 16);
  rc = RUN ("record", "-o", in_dir ("z.lsdb"), "--capture-range", "nvtx", "--", app, "1", "0");
  ck_assert_msg (rc == 2 && strstr (out, "--capture-range wants cudaProfilerApi"), "exit %d:\n%s", rc, out);
}
END_TEST

/* The launches per range name the report gives, computed here another way: for each launch, the
 * range of its thread that contains its call's start and began last (a query per launch), and
 * the nearest-rank p50 of those launches' call times.  Each name's JSON object must be there as
 * computed. */
static void
check_range_groups (const char *path, const char *json, int expected_groups)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  sqlite3 *db = lsc_report_db (r);
  sqlite3_stmt *groups = NULL, *inside = NULL;
  ck_assert_int_eq (sqlite3_prepare_v2 (db,
                                        "SELECT domain, name, count(*), total(end_ns IS NULL), "
                                        "total(end_ns - start_ns) FROM nvtx_range GROUP BY domain, name",
                                        -1, &groups, NULL),
                    SQLITE_OK);
  ck_assert_int_eq (sqlite3_prepare_v2 (db,
                                        "SELECT l.api_ns, l.status FROM launch l JOIN nvtx_range r ON r.id = "
                                        "(SELECT id FROM nvtx_range x WHERE x.session_id = l.session_id AND x.thread = "
                                        "l.thread AND x.start_ns <= coalesce(l.api_start_ns, l.start_ns) AND (x.end_ns "
                                        "IS NULL OR x.end_ns > coalesce(l.api_start_ns, l.start_ns)) ORDER BY "
                                        "x.start_ns DESC, x.id DESC LIMIT 1) WHERE r.domain IS ?1 AND r.name IS ?2 "
                                        "ORDER BY l.api_ns",
                                        -1, &inside, NULL),
                    SQLITE_OK);
  int n_groups = 0;
  while (sqlite3_step (groups) == SQLITE_ROW)
    {
      n_groups++;
      const char *domain = (const char *) sqlite3_column_text (groups, 0);
      const char *name = (const char *) sqlite3_column_text (groups, 1);
      sqlite3_reset (inside);
      sqlite3_bind_value (inside, 1, sqlite3_column_value (groups, 0));
      sqlite3_bind_value (inside, 2, sqlite3_column_value (groups, 1));
      int64_t values[256], launches = 0;
      size_t n = 0;
      while (sqlite3_step (inside) == SQLITE_ROW)
        {
          launches++;
          if (sqlite3_column_int64 (inside, 1) == 0 && n < 256)
            values[n++] = sqlite3_column_int64 (inside, 0);
        }
      char *expected = NULL;
      size_t size = 0;
      FILE *f = open_memstream (&expected, &size);
      fputs ("{\"domain\":", f);
      lsc_json_write_string (f, domain);
      fputs (",\"name\":", f);
      lsc_json_write_string (f, name);
      fprintf (f, ",\"ranges\":%lld,\"open\":%lld,\"total_ns\":%lld,\"launches\":%lld,\"count\":%zu,\"launch_p50_ns\":",
               (long long) sqlite3_column_int64 (groups, 2), (long long) sqlite3_column_double (groups, 3),
               (long long) sqlite3_column_double (groups, 4), (long long) launches, n);
      if (n)
        fprintf (f, "%lld}", (long long) values[lsc_percentile_index (n, 50)]);
      else
        fputs ("null}", f);
      fclose (f);
      ck_assert_msg (strstr (json, expected), "expected %s in\n%.1500s", expected,
                     strstr (json, "nvtx_ranges"));
      free (expected);
    }
  ck_assert_int_eq (n_groups, expected_groups);
  sqlite3_finalize (groups);
  sqlite3_finalize (inside);
  lsc_report_free (r);
}

/* The program's NVTX ranges (fake-cuda-app nvtx: make_nvtx_ranges), and the report's launches
 * per range name. */
START_TEST (test_nvtx_ranges)
{
  const char *r = in_dir ("nvtx.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "5", "0", "nvtx");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_msg (!strstr (out, "NVTX_INJECTION64_PATH"), "%s", out);
  /* pushed before the recording started: popped while recording, but not recorded */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE name = 'before'"), 0);
  /* nesting: the outer ranges at depth 0, inner ones at 1, each inside its parent */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE name = 'outer' AND domain IS NULL AND depth = 0 "
                              "AND end_ns > start_ns"),
                    2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range i JOIN nvtx_range o ON o.name = 'outer' AND o.start_ns "
                              "< i.start_ns AND i.end_ns < o.end_ns WHERE i.depth = 1 AND i.name IN ('inner', "
                              "'wide \xc3\xa9\xe4\xb8\xad')"),
                    2);
  /* a domain's registered string, and a wide message through the domain's start/end */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE domain = 'mydomain' AND name = 'registered' AND "
                              "depth = 0 AND end_ns IS NOT NULL"),
                    1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE domain = 'mydomain' AND name = 'dstart' AND "
                              "depth IS NULL AND end_ns IS NOT NULL"),
                    1);
  /* popping the domain's range left the default domain's open: it ends after it */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range o JOIN nvtx_range d ON d.name = 'registered' WHERE "
                              "o.name = 'outer' AND o.start_ns > d.start_ns AND o.end_ns > d.end_ns"),
                    1);
  /* start/end ranges, one ended on another thread; that thread's pop closed nothing */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE name IN ('startend', 'crossed') AND depth IS NULL "
                              "AND end_ns > start_ns"),
                    2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range o JOIN nvtx_range c ON c.name = 'crossed' WHERE "
                              "o.name = 'owned' AND o.depth = 0 AND o.end_ns > c.end_ns"),
                    1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE name IS NULL AND depth = 0 AND end_ns IS NOT NULL"),
                    2);
  /* 70 nested pushes: the first 64 recorded, every one closed by the pops */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE name = 'deep' AND end_ns IS NOT NULL"), 64);
  ck_assert_int_eq (query (r, "SELECT max(depth) FROM nvtx_range WHERE name = 'deep'"), 63);
  /* open when the program exited */
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE end_ns IS NULL AND ((name = 'open at exit' AND "
                              "depth = 0) OR (name = 'never ended' AND depth IS NULL))"),
                    2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range"), 77);
  ck_assert_int_eq (query (r, "SELECT count(DISTINCT thread) FROM nvtx_range"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range r JOIN session s ON s.id = r.session_id WHERE "
                              "r.start_ns < s.start_ns OR r.end_ns > s.stop_ns"),
                    0);

  rc = RUN ("report", "--json", r);
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  char *json = strdup (out);
  /* the launches make_nvtx_ranges made in each */
  static const char *const made[]
    = { "\"name\":\"outer\",\"ranges\":2,\"open\":0,", "\"launches\":7,",
        "\"domain\":\"mydomain\",\"name\":\"registered\",\"ranges\":1,", "\"launches\":2,",
        "\"name\":\"startend\",\"ranges\":1,", "\"launches\":4,",
        "\"name\":\"open at exit\",\"ranges\":1,\"open\":1,\"total_ns\":0,", "\"launches\":2,",
        "\"name\":\"deep\",\"ranges\":64,\"open\":0,", "\"launches\":0," };
  for (size_t i = 0; i < sizeof made / sizeof made[0]; i += 2)
    {
      const char *at = strstr (json, made[i]);
      const char *end = at ? strchr (at, '}') : NULL;
      const char *launches = at ? strstr (at, made[i + 1]) : NULL;
      ck_assert_msg (launches && launches < end, "%s ... %s in\n%.1500s", made[i], made[i + 1],
                     strstr (json, "nvtx_ranges"));
    }
  check_range_groups (r, json, 12);
  free (json);
  rc = RUN ("report", r);
  ck_assert_msg (rc == 0 && strstr (out, "\nNVTX ranges\n") && strstr (out, "  mydomain::registered\n")
                   && strstr (out, "  (no message)\n"),
                 "exit %d:\n%s", rc, out);
}
END_TEST

/* Past --max-launches no new range is written; those already open still end. */
START_TEST (test_nvtx_launch_bound)
{
  const char *r = in_dir ("nvtx-bounded.lsdb");
  /* The 10th launch is the second inside "inner", nested in "outer". */
  int rc = RUN ("record", "-o", r, "--max-launches", "10", "--cupti-lib", cupti, "--", app, "5", "0", "nvtx");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 10);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range"), 2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE name IN ('outer', 'inner') AND end_ns > start_ns"),
                    2);
}
END_TEST

/* A thread pushing and popping ranges while the process exits: the recording stops under it
 * (its calls in progress finished first, later ones recording nothing), and the program exits
 * as it would unrecorded. */
START_TEST (test_nvtx_busy_at_exit)
{
  const char *r = in_dir ("nvtx-busy.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "5", "0", "nvtx-busy");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE stop_ns IS NOT NULL"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 8);
  ck_assert_int_eq (query (r, "SELECT count(*) > 0 FROM nvtx_range WHERE name = 'busy' AND depth = 0"), 1);
  ck_assert_int_eq (query (r, "SELECT count(DISTINCT thread) FROM nvtx_range"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range WHERE thread = (SELECT thread FROM launch LIMIT 1)"), 0);
}
END_TEST

/* NVTX_INJECTION64_PATH set by another tool is left alone (so no ranges), with a note; --no-nvtx
 * records none either, and says nothing. */
START_TEST (test_nvtx_other_tool)
{
  const char *r = in_dir ("held.lsdb");
  setenv ("NVTX_INJECTION64_PATH", "/opt/other-tool/libnvtx-tool.so", 1);
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "5", "0", "nvtx");
  unsetenv ("NVTX_INJECTION64_PATH");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "record: NVTX_INJECTION64_PATH is already set (to /opt/other-tool/libnvtx-tool.so) by "
                              "another tool: left as it is, so no NVTX ranges are recorded\n"),
                 "%s", out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range"), 0);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 5 + 21); /* the plain ones, and those around the ranges */

  r = in_dir ("off.lsdb");
  rc = RUN ("record", "-o", r, "--no-nvtx", "--cupti-lib", cupti, "--", app, "5", "0", "nvtx");
  ck_assert_msg (rc == 0 && !strstr (out, "NVTX_INJECTION64_PATH"), "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM nvtx_range"), 0);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 5 + 21);
  rc = RUN ("report", r);
  ck_assert_msg (rc == 0 && !strstr (out, "NVTX ranges"), "exit %d:\n%s", rc, out);
  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--no-nvtx");
  ck_assert_msg (rc == 2 && strstr (out, "--no-nvtx is for a command"), "exit %d:\n%s", rc, out);
}
END_TEST

START_TEST (test_switched_recording)
{
  const char *r = in_dir ("switch.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "4", "0", "switch");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 6);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE k.name = "
                              "'kernel_on'"),
                    2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM event WHERE text LIKE 'the program switched recording off%'"), 1);
}
END_TEST

START_TEST (test_redact)
{
  const char *r = in_dir ("quiet.lsdb");
  int rc = RUN ("record", "-o", r, "--redact", "--cupti-lib", cupti, "--", app, "5", "0", "secret-token");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE instr(coalesce(workload, '') || "
                              "coalesce(settings, ''), 'secret-token') > 0"),
                    0);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 5);
}
END_TEST

START_TEST (test_no_cuda_writes_nothing)
{
  const char *r = in_dir ("none.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "0", "3");
  ck_assert_msg (rc == 3, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "nothing was recorded"), "%s", out);
  only_the_report_left (NULL);
}
END_TEST

START_TEST (test_killed_process_keeps_what_it_flushed)
{
  const char *r = in_dir ("killed.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "300", "0", "kill");
  ck_assert_msg (rc == 128 + 9, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM session WHERE stop_ns IS NULL"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 300);
}
END_TEST

/* A capture window shared by the command's processes: launches outside it are not recorded. */
/* The window is wall-clock time from the command's start, so its edges are seconds away from
 * the launches on either side: a loaded machine (a sanitizer build, CI) starting the program
 * slowly must not move a launch across one. */
START_TEST (test_capture_window)
{
  const char *r = in_dir ("delayed.lsdb");
  int rc = RUN ("record", "-o", r, "--delay", "1.5", "--cupti-lib", cupti, "--", app, "40", "0", "pause", "3500", "60");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 60);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id "
                              "WHERE k.name = 'kernel_late'"),
                    60);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM event WHERE text LIKE 'capture window opened%'"), 1);

  r = in_dir ("short.lsdb");
  rc = RUN ("record", "-o", r, "--duration", "1.5", "--cupti-lib", cupti, "--", app, "40", "0", "pause", "3500", "60");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 40);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM event WHERE text LIKE 'capture window closed%'"), 1);

  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--duration", "2");
  ck_assert_msg (rc == 2 && strstr (out, "--duration is for a command"), "exit %d:\n%s", rc, out);
  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--delay", "soon", "--", app, "1", "0");
  ck_assert_msg (rc == 2 && strstr (out, "--delay wants seconds"), "exit %d:\n%s", rc, out);
}
END_TEST

/* A forked child that outlives its killed parent does not keep the parent's report locked. */
START_TEST (test_forked_child_outlives_killed_parent)
{
  const char *r = in_dir ("forked.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "200", "0", "forkkill");
  ck_assert_msg (rc == 128 + 9, "exit %d:\n%s", rc, out);
  ck_assert_msg (!strstr (out, "still record"), "%s", out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 200);
}
END_TEST

START_TEST (test_refusals)
{
  const char *r = in_dir ("exists.lsdb");
  FILE *f = fopen (r, "w");
  fputs ("mine", f);
  fclose (f);
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "5", "0");
  ck_assert_msg (rc == 1 && strstr (out, "already exists"), "exit %d:\n%s", rc, out);
  struct stat st;
  ck_assert (stat (r, &st) == 0 && st.st_size == 4);

  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--iters", "5", "--", app, "5", "0");
  ck_assert_msg (rc == 2 && strstr (out, "--iters"), "exit %d:\n%s", rc, out);
  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--cupti", "off", "--", app, "5", "0");
  ck_assert_msg (rc == 2 && strstr (out, "--cupti off"), "exit %d:\n%s", rc, out);
  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--api", "both", "--", app, "5", "0");
  ck_assert_msg (rc == 2 && strstr (out, "--api wants driver") && strstr (out, "'both'"), "exit %d:\n%s", rc, out);
  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--api", "runtime");
  ck_assert_msg (rc == 2 && strstr (out, "--api is for a command to record"), "exit %d:\n%s", rc, out);
  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--", "/nonexistent/program");
  ck_assert_msg (rc == 1 && strstr (out, "/nonexistent/program"), "exit %d:\n%s", rc, out);

  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--");
  ck_assert_msg (rc == 2 && strstr (out, "no command after --"), "exit %d:\n%s", rc, out);
  setenv ("LSC_INJECT_LIBRARY", "/nonexistent/liblaunchscope-inject.so", 1);
  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--", app, "5", "0");
  unsetenv ("LSC_INJECT_LIBRARY");
  ck_assert_msg (rc == 1 && strstr (out, "LSC_INJECT_LIBRARY names /nonexistent/liblaunchscope-inject.so"),
                 "exit %d:\n%s", rc, out);

  setenv ("CUDA_INJECTION64_PATH", "/opt/other-tool/libinject.so", 1);
  rc = RUN ("record", "-o", in_dir ("x.lsdb"), "--", app, "5", "0");
  unsetenv ("CUDA_INJECTION64_PATH");
  ck_assert_msg (rc == 1 && strstr (out, "/opt/other-tool/libinject.so"), "exit %d:\n%s", rc, out);
  only_the_report_left ("exists.lsdb");
}
END_TEST

/* The line of report's savings estimate that ends with kernel, in a buffer of its own ("" when
 * there is none). */
static const char *
savings_line (const char *kernel)
{
  static char line[1024];
  line[0] = '\0';
  const char *section = strstr (out, "savings estimate (");
  for (const char *p = section ? section : ""; *p;)
    {
      size_t len = strcspn (p, "\n");
      size_t klen = strlen (kernel);
      if (len >= klen + 2 && memcmp (p + len - klen - 2, "  ", 2) == 0 && memcmp (p + len - klen, kernel, klen) == 0)
        {
          snprintf (line, sizeof line, "%.*s", (int) len, p);
          break;
        }
      p += len + (p[len] == '\n');
    }
  return line;
}

/* Functions a JIT got from cuModuleGetFunction are kept, and only those: a failed call and the
 * runtime's kernels are not, and report tells JIT launches from eager ones. */
START_TEST (test_jit_functions)
{
  const char *r = in_dir ("jit.lsdb");
  int rc = RUN ("record", "-o", r, "--cupti-lib", cupti, "--", app, "3", "0", "jit");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM module_function"), 1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM module_function WHERE function = 161 AND name = 'triton_add' "
                              "AND session_id = (SELECT id FROM session)"),
                    1);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch l JOIN module_function m ON m.function = l.function AND "
                              "m.session_id = l.session_id"),
                    4);
  /* What record --calibrate stores, so report gives the estimate. */
  const lsc_calibration rows[LSC_CALIBRATION_COUNT] = {
    [LSC_CALIBRATION_FAST] = { 1500, 1450, 1550, 4000 },
    [LSC_CALIBRATION_RAW] = { 1200, 1180, 1220, 4000 },
    [LSC_CALIBRATION_GRAPH_NODE] = { 250, 240, 260, 200 },
  };
  char err[512];
  ck_assert_msg (lsc_calibration_store (r, rows, err, sizeof err) == 0, "%s", err);
  rc = RUN ("report", r);
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (savings_line ("eager_op"), "n/a (not a JIT launcher)"), "%s", out);
  ck_assert_msg (!strstr (savings_line ("triton_add"), "n/a") && strstr (savings_line ("triton_add"), " ns "), "%s",
                 out);
  ck_assert_msg (strstr (out, "over 4 JIT launches"), "%s", out);
  rc = RUN ("report", "--json", r);
  ck_assert_msg (rc == 0 && strstr (out, "\"name\":\"triton_add\"") && strstr (out, "\"jit_launches\":4,"), "%s", out);

  /* Known from start to stop: functions got before the capture window opens still count. */
  r = in_dir ("late.lsdb");
  rc = RUN ("record", "-o", r, "--delay", "60", "--cupti-lib", cupti, "--", app, "3", "0", "jit");
  ck_assert_msg (rc == 0, "exit %d:\n%s", rc, out);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM launch"), 0);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM module_function WHERE function = 161"), 1);
}
END_TEST

/* Without a driver, --calibrate stops before the command starts and says what is missing. */
START_TEST (test_calibrate_without_driver)
{
  const char *r = in_dir ("cal.lsdb");
  int rc = RUN ("record", "-o", r, "--calibrate", "--cupti-lib", cupti, "--", app, "5", "0");
  ck_assert_msg (rc == 3, "exit %d:\n%s", rc, out);
  ck_assert_msg (strstr (out, "record: calibrating:") && strstr (out, "--calibrate") && strstr (out, "libcuda.so.1")
                   && strstr (out, "was not started"),
                 "%s", out);
  only_the_report_left (NULL);
  rc = RUN ("record", "-o", r, "--calibrate");
  ck_assert_msg (rc == 2 && strstr (out, "--calibrate is for a command to record"), "exit %d:\n%s", rc, out);
}
END_TEST

/* The calibration given to a command is stored in every session of its report. */
START_TEST (test_calibration_in_every_session)
{
  char inject[600];
  snprintf (inject, sizeof inject, "%s", cli);
  char *slash = strrchr (inject, '/');
  ck_assert_ptr_nonnull (slash);
  snprintf (slash, sizeof inject - (size_t) (slash - inject), "/../launchscope/liblaunchscope-inject.so");
  const lsc_calibration rows[LSC_CALIBRATION_COUNT] = {
    [LSC_CALIBRATION_FAST] = { 1500.5, 1450, 1550, 4000 },
    [LSC_CALIBRATION_RAW] = { 1200, 1180, 1220, 4001 },
    [LSC_CALIBRATION_GRAPH_NODE] = { 250.25, 240, 260, 200 },
  };
  char *argv[] = { (char *) app, "20", "0", "child", "10", NULL };
  const char *r = in_dir ("every.lsdb");
  lsc_command_options o = { .output = r, .cupti = LSC_CUPTI_CALLBACKS, .cupti_library = cupti,
                            .inject_library = inject, .calibration = rows, .argv = argv };
  lsc_command *c = NULL;
  char err[4600];
  ck_assert_msg (lsc_command_start (&o, &c, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq (lsc_command_wait (c), 0);
  lsc_command_result res;
  ck_assert_msg (lsc_command_finish (c, &res, err, sizeof err) == 0, "%s", err);
  ck_assert_uint_eq (res.processes, 2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM calibration"), 6);
  ck_assert_int_eq (query (r, "SELECT count(DISTINCT session_id) FROM calibration c JOIN session s ON s.id = "
                              "c.session_id"),
                    2);
  ck_assert_int_eq (query (r, "SELECT count(*) FROM calibration WHERE (name = 'fast' AND p50_ns = 1500.5 AND low_ns = "
                              "1450 AND high_ns = 1550 AND samples = 4000) OR (name = 'raw' AND p50_ns = 1200 AND "
                              "samples = 4001) OR (name = 'graph_node' AND p50_ns = 250.25 AND low_ns = 240 AND "
                              "high_ns = 260 AND samples = 200)"),
                    6);
  only_the_report_left ("every.lsdb");
}
END_TEST

int
main (int argc, char **argv)
{
  if (argc != 4)
    {
      fprintf (stderr, "usage: %s CLI FAKE-CUDA-APP FAKE-CUPTI\n", argv[0]);
      return 2;
    }
  cli = argv[1];
  app = argv[2];
  cupti = argv[3];
  Suite *s = suite_create ("record-command");
  TCase *tc = tcase_create ("command");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_one_process);
  tcase_add_test (tc, test_two_processes);
  tcase_add_test (tc, test_graph_replays);
  tcase_add_test (tc, test_calls_and_configuration);
  tcase_add_test (tc, test_runtime_api);
  tcase_add_test (tc, test_max_launches);
  tcase_add_test (tc, test_params);
  tcase_add_test (tc, test_profiler_range);
  tcase_add_test (tc, test_nvtx_ranges);
  tcase_add_test (tc, test_nvtx_launch_bound);
  tcase_add_test (tc, test_nvtx_busy_at_exit);
  tcase_add_test (tc, test_nvtx_other_tool);
  tcase_add_test (tc, test_switched_recording);
  tcase_add_test (tc, test_redact);
  tcase_add_test (tc, test_no_cuda_writes_nothing);
  tcase_add_test (tc, test_killed_process_keeps_what_it_flushed);
  tcase_add_test (tc, test_capture_window);
  tcase_add_test (tc, test_forked_child_outlives_killed_parent);
  tcase_add_test (tc, test_refusals);
  tcase_add_test (tc, test_jit_functions);
  tcase_add_test (tc, test_calibrate_without_driver);
  tcase_add_test (tc, test_calibration_in_every_session);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
