/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-recorder-gpu.c — the recorder with real CUPTI on a real GPU: a callback record for every
 * engine launch, correlation ids that match the kernel activity records, launches made outside
 * the engine recorded with the kernel CUPTI names, and a second CUPTI subscriber refused with a
 * message naming the holder.  Exits 77 (skipped) without a driver.
 */
#include <check.h>
#include <cupti.h>
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "lsc-recorder.h"

#define N_PTRS 4
#define N_ELEMS 4096
#define LAUNCHES 2000

static char dir[64];
static char path[128];
static CUdeviceptr bufs[N_PTRS];
static fl_kernel *kernel;
static fl_bound_kernel *bound;

static void
setup (void)
{
  snprintf (dir, sizeof dir, "/tmp/lsc-recgpu-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (dir));
  snprintf (path, sizeof path, "%s/r.lsdb", dir);
  setenv ("XDG_CACHE_HOME", dir, 1);
  ck_assert_int_eq (fl_driver_load (), FL_OK);
  ck_assert_int_eq (fl_use_device (0), FL_OK);
  const fl_driver *d = fl_driver_get ();
  for (int i = 0; i < N_PTRS; i++)
    {
      ck_assert_int_eq (d->cuMemAlloc (&bufs[i], N_ELEMS * sizeof (float)), CUDA_SUCCESS);
      ck_assert_int_eq (d->cuMemsetD8 (bufs[i], 0, N_ELEMS * sizeof (float)), CUDA_SUCCESS);
    }
  ck_assert_int_eq (fl_workload_add_kernel (N_PTRS, &kernel), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (kernel, NULL, &bound), FL_OK);
}

static void
teardown (void)
{
  fl_bound_kernel_free (bound);
  fl_kernel_free (kernel);
  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
}

static int64_t
query_int (const char *sql)
{
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st = NULL;
  ck_assert_msg (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg (db));
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

static lsc_recorder *
start_recording (lsc_cupti_mode mode)
{
  lsc_recorder *rec = NULL;
  char err[1024] = "";
  lsc_recorder_options o = { .path = path, .overwrite = true, .workload = "add4", .cupti = mode };
  ck_assert_msg (lsc_recorder_start (&o, &rec, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq (lsc_recorder_add_kernel (rec, bound, "gpu test"), 0);
  return rec;
}

static void
record (lsc_cupti_mode mode, lsc_recorder_stats *stats)
{
  lsc_recorder *rec = start_recording (mode);
  char err[1024] = "";
  fl_arg args[N_PTRS + 1];
  for (int i = 0; i < N_PTRS; i++)
    args[i] = FL_PTR (bufs[i]);
  args[N_PTRS] = FL_INT (N_ELEMS);
  for (int i = 0; i < LAUNCHES; i++)
    {
      if (i == LAUNCHES / 2)
        fl_knob_set_skip_fast (true);
      ck_assert_int_eq (fl_launch (bound, (fl_grid){ 8, 1, 1 }, NULL, args, N_PTRS + 1, NULL), FL_OK);
    }
  fl_knob_set_skip_fast (false);
  ck_assert_int_eq (fl_driver_get ()->cuCtxSynchronize (), CUDA_SUCCESS);
  ck_assert_msg (lsc_recorder_stop (rec, stats, err, sizeof err) == 0, "%s", err);
  printf ("  cupti: %s; rows written %llu, dropped %llu\n", stats->cupti_status,
          (unsigned long long) stats->rows_written, (unsigned long long) stats->rows_dropped);
}

START_TEST (test_callbacks_for_every_launch)
{
  lsc_recorder_stats s;
  record (LSC_CUPTI_CALLBACKS, &s);
  ck_assert_str_eq (s.cupti_status, "callbacks on");
  ck_assert_uint_eq (s.rows_dropped, 0);
  ck_assert_int_eq (query_int ("SELECT count(*) FROM launch WHERE kernel_id IS NOT NULL"), LAUNCHES);
  /* Every engine launch, fast or default, carries its own CUPTI record, which ends where the
   * engine's own end stamp does (the callback does not read the clock at exit). */
  ck_assert_int_eq (query_int ("SELECT count(*) FROM launch WHERE kernel_id IS NOT NULL AND correlation_id IS NOT NULL "
                               "AND api_ns > 0 AND api_start_ns >= start_ns AND api_start_ns + api_ns = start_ns + host_ns"),
                    LAUNCHES);
  ck_assert_int_eq (query_int ("SELECT count(DISTINCT correlation_id) FROM launch WHERE kernel_id IS NOT NULL"), LAUNCHES);
  ck_assert_int_eq (query_int ("SELECT count(*) FROM launch WHERE path = 2"), 0); /* no unmatched launches */
}
END_TEST

/* Stopping detaches CUPTI (cuptiFinalize); each later session in the process attaches again and
 * sees every launch, whichever mode came before it. */
START_TEST (test_sessions_attach_again)
{
  const lsc_cupti_mode modes[] = { LSC_CUPTI_CALLBACKS, LSC_CUPTI_ACTIVITY, LSC_CUPTI_CALLBACKS, LSC_CUPTI_CALLBACKS };
  for (unsigned m = 0; m < sizeof modes / sizeof modes[0]; m++)
    {
      lsc_recorder_stats s;
      record (modes[m], &s);
      ck_assert_msg (strncmp (s.cupti_status, "callbacks", 9) == 0, "session %u: %s", m, s.cupti_status);
      ck_assert_int_eq (query_int ("SELECT count(DISTINCT correlation_id) FROM launch WHERE kernel_id IS NOT NULL "
                                   "AND api_ns > 0"),
                        LAUNCHES);
      if (modes[m] == LSC_CUPTI_ACTIVITY)
        ck_assert_int_eq (query_int ("SELECT count(*) FROM gpu_activity"), LAUNCHES);
      /* cuptiFinalize was reached, not the unsubscribe fallback. */
      ck_assert_int_eq (query_int ("SELECT count(*) FROM event WHERE text LIKE 'CUPTI detached%'"), 1);
    }
}
END_TEST

START_TEST (test_activity_joins_by_correlation)
{
  lsc_recorder_stats s;
  record (LSC_CUPTI_ACTIVITY, &s);
  ck_assert_str_eq (s.cupti_status, "callbacks and kernel activity on");
  ck_assert_int_eq (query_int ("SELECT count(*) FROM gpu_activity"), LAUNCHES);
  ck_assert_int_eq (query_int ("SELECT count(*) FROM launch l JOIN gpu_activity g USING (correlation_id) "
                               "WHERE g.name = 'add' AND g.end_ns > g.start_ns AND l.gpu_ns = g.end_ns - g.start_ns"),
                    LAUNCHES);
  /* The GPU ran each kernel after its launch call began (50 us allowed for the clock conversion). */
  ck_assert_int_eq (query_int ("SELECT count(*) FROM launch WHERE gpu_start_ns + 50000 < api_start_ns"), 0);
}
END_TEST

/* Launches the engine did not make (here: cuLaunchKernel called directly on the fast path's own
 * function, as the raw floor does) are rows of their own, with the kernel CUPTI named. */
START_TEST (test_raw_launches_named)
{
  lsc_recorder *rec = start_recording (LSC_CUPTI_CALLBACKS);
  char err[1024] = "";
  fl_arg args[N_PTRS + 1];
  int n = N_ELEMS;
  void *params[N_PTRS + 1];
  for (int i = 0; i < N_PTRS; i++)
    {
      args[i] = FL_PTR (bufs[i]);
      params[i] = &bufs[i];
    }
  args[N_PTRS] = FL_INT (N_ELEMS);
  params[N_PTRS] = &n;
  const fl_driver *d = fl_driver_get ();
  const int engine = 20, raw = 100;
  for (int i = 0; i < engine / 2; i++)
    ck_assert_int_eq (fl_launch (bound, (fl_grid){ 8, 1, 1 }, NULL, args, N_PTRS + 1, NULL), FL_OK);
  fl_spec_entry spec;
  ck_assert_uint_eq (fl_bound_kernel_spec_entries (bound, &spec, 1), 1);
  for (int i = 0; i < raw; i++)
    ck_assert_int_eq (d->cuLaunchKernel (spec.function, 8, 1, 1, 128, 1, 1, 0, NULL, params, NULL), CUDA_SUCCESS);
  for (int i = 0; i < engine / 2; i++)
    ck_assert_int_eq (fl_launch (bound, (fl_grid){ 8, 1, 1 }, NULL, args, N_PTRS + 1, NULL), FL_OK);
  ck_assert_int_eq (d->cuCtxSynchronize (), CUDA_SUCCESS);
  lsc_recorder_stats s;
  ck_assert_msg (lsc_recorder_stop (rec, &s, err, sizeof err) == 0, "%s", err);
  ck_assert_str_eq (s.cupti_status, "callbacks on");
  ck_assert_uint_eq (s.rows_dropped, 0);
  ck_assert_int_eq (query_int ("SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE l.path = 2 "
                               "AND k.name = 'add' AND k.entry = 'add' AND k.signature IS NULL AND l.api_ns > 0 "
                               "AND l.correlation_id IS NOT NULL"),
                    raw);
  ck_assert_int_eq (query_int ("SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE l.path != 2 "
                               "AND k.signature IS NOT NULL AND k.entry = 'add' AND l.correlation_id IS NOT NULL"),
                    engine);
  ck_assert_int_eq (query_int ("SELECT count(*) FROM kernel"), 2);
  ck_assert_int_eq (query_int ("SELECT count(DISTINCT correlation_id) FROM launch"), engine + raw);
}
END_TEST

static void CUPTIAPI
other_tool_callback (void *u, CUpti_CallbackDomain d, CUpti_CallbackId id, const void *data)
{
  (void) u, (void) d, (void) id, (void) data;
}

START_TEST (test_second_subscriber_refused)
{
  /* Play "another tool": subscribe first, under a name. */
  void *lib = dlopen ("libcupti.so.13", RTLD_NOW);
  ck_assert_ptr_nonnull (lib);
  CUptiResult (*sub_v2) (CUpti_SubscriberHandle *, CUpti_CallbackFunc, void *, CUpti_SubscriberParams *);
  CUptiResult (*unsub) (CUpti_SubscriberHandle);
  void *p = dlsym (lib, "cuptiSubscribe_v2");
  memcpy (&sub_v2, &p, sizeof p);
  p = dlsym (lib, "cuptiUnsubscribe");
  memcpy (&unsub, &p, sizeof p);
  ck_assert_ptr_nonnull (sub_v2);
  CUpti_SubscriberHandle other;
  CUpti_SubscriberParams params = { .structSize = CUpti_SubscriberParams_STRUCT_SIZE, .subscriberName = "OtherTool" };
  ck_assert_int_eq (sub_v2 (&other, other_tool_callback, NULL, &params), CUPTI_SUCCESS);

  lsc_recorder_stats s;
  record (LSC_CUPTI_CALLBACKS, &s);
  ck_assert_msg (strstr (s.cupti_status, "CUPTI is held by") && strstr (s.cupti_status, "OtherTool"),
                 "status should name the holder: %s", s.cupti_status);
  /* Engine events are recorded anyway. */
  ck_assert_int_eq (query_int ("SELECT count(*) FROM launch"), LAUNCHES);
  ck_assert_int_eq (query_int ("SELECT count(*) FROM session WHERE cupti_status LIKE 'CUPTI is held by%'"), 1);
  unsub (other);
}
END_TEST

/* Whether a usable driver is there, asked in a child: CUDA does not survive fork(), and Check
 * forks every test from this process, so this one must never initialise CUDA itself. */
static bool
driver_present (char *why, size_t size)
{
  int fds[2];
  if (pipe (fds) != 0)
    return false;
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (fds[0]);
      fl_status st = fl_driver_load ();
      if (st == FL_OK)
        st = fl_use_device (0);
      const char *msg = st == FL_OK ? "" : fl_last_error ();
      ssize_t w = write (fds[1], msg, strlen (msg));
      (void) w;
      _exit (st == FL_OK ? 0 : 1);
    }
  close (fds[1]);
  ssize_t n = read (fds[0], why, size - 1);
  why[n > 0 ? n : 0] = '\0';
  close (fds[0]);
  int status = 0;
  waitpid (pid, &status, 0);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

int
main (void)
{
  char why[1024];
  if (!driver_present (why, sizeof why))
    {
      printf ("SKIP: %s\n", why);
      return 77;
    }
  Suite *s = suite_create ("recorder-gpu");
  TCase *tc = tcase_create ("cupti");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_callbacks_for_every_launch);
  tcase_add_test (tc, test_activity_joins_by_correlation);
  tcase_add_test (tc, test_sessions_attach_again);
  tcase_add_test (tc, test_raw_launches_named);
  tcase_add_test (tc, test_second_subscriber_refused);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_VERBOSE);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
