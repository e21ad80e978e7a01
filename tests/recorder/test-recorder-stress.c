/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-recorder-stress.c — the recorder at scale, against the driver test double (suite
 * 'stress': not in the default run; build-aux/test-variants runs it).
 *
 *  - 8 threads x 1,000,000 launches with the recorder on: every launch is a launch row or a
 *    counted drop, the sum exact, and the session row says the same;
 *  - the disk fills up mid-recording (a 2 MiB tmpfs in a private mount namespace; where
 *    mounting is not allowed, the recorder's max_db_bytes): a clear error naming the file and
 *    saying full, every batch committed before it intact (the report holds exactly the rows
 *    the recorder counted as written), and the report opens, summarizes and passes
 *    `launchscope-cli check`;
 *  - the recording process is killed with SIGKILL, several times at different moments
 *    (including while it stops: index build, checkpoint): each report opens, summarizes and
 *    passes `launchscope-cli check`.
 *
 * argv[1] is launchscope-cli.  LSC_STRESS_LAUNCHES sets the launches per thread of the first
 * test (default 1000000).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "fl-test-driver.h"
#include "lsc-recorder.h"
#include "lsc-report.h"

#define THREADS 8

static const char *cli;
static char dir[256];
static fl_kernel *kernel;
static fl_bound_kernel *bound;

static void
setup (void)
{
  snprintf (dir, sizeof dir, "%s/lsc-stress-XXXXXX", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull (mkdtemp (dir));
  setenv ("FASTLAUNCH_DISK_CACHE", "0", 1);
  fl_test_driver_install ();
  ck_assert_int_eq (fl_use_device (0), FL_OK);
  ck_assert_int_eq (fl_workload_empty_kernel (&kernel), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (kernel, NULL, &bound), FL_OK);
}

static void
teardown (void)
{
  fl_bound_kernel_free (bound);
  fl_kernel_free (kernel);
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
}

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
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

/* `launchscope-cli check PATH`: its exit status, its output in out. */
static int
cli_check (const char *path, char *out, size_t size)
{
  int fds[2];
  ck_assert_int_eq (pipe (fds), 0);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      dup2 (fds[1], STDOUT_FILENO);
      dup2 (fds[1], STDERR_FILENO);
      close (fds[0]);
      close (fds[1]);
      execl (cli, cli, "check", path, (char *) NULL);
      _exit (127);
    }
  close (fds[1]);
  size_t len = 0;
  ssize_t r;
  while ((r = read (fds[0], out + len, size - 1 - len)) > 0 || (r < 0 && errno == EINTR))
    if (r > 0 && (len += (size_t) r) == size - 1)
      break;
  out[len] = '\0';
  close (fds[0]);
  int status = 0;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* The report opens (quick_check included), summarizes, and passes check, in the library and
 * through the CLI.  Returns its launch rows. */
static int64_t
assert_report_sound (const char *path, const char *when)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s: the report does not open: %s", when, e.message);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s: no summary: %s", when, e.message);
  ck_assert_uint_eq (sum->n_sessions, 1);
  int64_t launches = sum->sessions[0].launches;
  lsc_report_summary_free (sum);
  lsc_report_free (r);
  static char out[65536];
  int rc = cli_check (path, out, sizeof out);
  ck_assert_msg (rc == 0, "%s: launchscope-cli check exits %d:\n%s", when, rc, out);
  return launches;
}

/* ---- 8 threads x 1,000,000 launches ----------------------------------------------------------- */

typedef struct {
  long launches;
  pthread_barrier_t *barrier;
  atomic_long *failures;
} launcher_arg;

static void *
launcher (void *data)
{
  launcher_arg *a = data;
  if (fl_use_device (0) != FL_OK)
    atomic_fetch_add (a->failures, a->launches);
  pthread_barrier_wait (a->barrier);
  fl_arg args[1] = { FL_INT (1) };
  for (long i = 0; i < a->launches; i++)
    if (fl_launch (bound, (fl_grid){ 1, 1, 1 }, NULL, args, 1, NULL) != FL_OK)
      atomic_fetch_add (a->failures, 1);
  return NULL;
}

static long
run_launchers (int threads, long per_thread)
{
  pthread_barrier_t barrier;
  pthread_barrier_init (&barrier, NULL, (unsigned) threads);
  atomic_long failures = 0;
  pthread_t t[THREADS];
  launcher_arg a = { per_thread, &barrier, &failures };
  for (int i = 0; i < threads; i++)
    ck_assert_int_eq (pthread_create (&t[i], NULL, launcher, &a), 0);
  for (int i = 0; i < threads; i++)
    pthread_join (t[i], NULL);
  pthread_barrier_destroy (&barrier);
  return atomic_load (&failures);
}

START_TEST (test_eight_threads_million)
{
  long per_thread = 1000000;
  const char *env = getenv ("LSC_STRESS_LAUNCHES");
  if (env && atol (env) > 0)
    per_thread = atol (env);
  const int64_t total = (int64_t) THREADS * per_thread;
  char path[320], err[1024] = "";
  snprintf (path, sizeof path, "%s/million.lsdb", dir);
  lsc_recorder *rec = NULL;
  lsc_recorder_options o = { .path = path, .workload = "stress" };
  ck_assert_msg (lsc_recorder_start (&o, &rec, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq (lsc_recorder_add_kernel (rec, bound, "stress"), 0);
  double t0 = now_s ();
  ck_assert_int_eq (run_launchers (THREADS, per_thread), 0);
  double t1 = now_s ();
  lsc_recorder_stats s;
  ck_assert_msg (lsc_recorder_stop (rec, &s, err, sizeof err) == 0, "%s", err);
  double t2 = now_s ();

  fl_stats fs;
  fl_bound_kernel_stats (bound, &fs);
  ck_assert_uint_eq (fs.launches, (uint64_t) total);
  int64_t rows = query_int (path, "SELECT count(*) FROM launch");
  int64_t events = query_int (path, "SELECT count(*) FROM event");
  /* Every launch accounted for: a row, or a counted drop.  Nothing accepted was lost. */
  ck_assert_uint_eq (s.rows_lost, 0);
  ck_assert_msg (rows + (int64_t) s.rows_dropped == total, "%lld rows + %llu dropped != %lld launches",
                 (long long) rows, (unsigned long long) s.rows_dropped, (long long) total);
  ck_assert_int_eq (rows + events, (int64_t) s.rows_written);
  ck_assert_int_eq (query_int (path, "SELECT dropped_rows FROM session"), (int64_t) s.rows_dropped);
  ck_assert_int_eq (query_int (path, "SELECT count(DISTINCT thread) FROM launch"), THREADS);
  ck_assert_int_eq (assert_report_sound (path, "after 8 x 1M"), rows);
  printf ("%d threads x %ld launches = %lld: %lld rows written, %llu dropped (sum exact), launching %.1f s, "
          "stop %.1f s, check %.1f s\n",
          THREADS, per_thread, (long long) total, (long long) rows, (unsigned long long) s.rows_dropped, t1 - t0,
          t2 - t1, now_s () - t2);
}
END_TEST

/* ---- disk full mid-recording ------------------------------------------------------------------ */

/* A 2 MiB tmpfs on mnt in a mount namespace of this process only; false if not allowed. */
static bool
mount_small_tmpfs (const char *mnt)
{
  if (unshare (CLONE_NEWNS) != 0)
    return false;
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    return false;
  return mount ("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=2m") == 0;
}

START_TEST (test_disk_full)
{
  char mnt[300], path[340], err[1024] = "";
  snprintf (mnt, sizeof mnt, "%s/small", dir);
  ck_assert_int_eq (mkdir (mnt, 0700), 0);
  bool tmpfs = mount_small_tmpfs (mnt);
  snprintf (path, sizeof path, "%s/full.lsdb", mnt);
  lsc_recorder_options o = { .path = path, .workload = "disk full", .batch_rows = 512 };
  if (!tmpfs)
    o.max_db_bytes = 256 * 1024;
  lsc_recorder *rec = NULL;
  ck_assert_msg (lsc_recorder_start (&o, &rec, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq (lsc_recorder_add_kernel (rec, bound, "stress"), 0);
  const long per_thread = 100000;
  ck_assert_int_eq (run_launchers (4, per_thread), 0);
  lsc_recorder_stats s;
  ck_assert_int_eq (lsc_recorder_stop (rec, &s, err, sizeof err), -1);
  ck_assert_msg (strstr (err, path) && strstr (err, "full"), "the error should name the file and say full: %s", err);
  ck_assert_uint_gt (s.rows_lost, 0);

  /* Everything committed before the disk filled is there: exactly what the recorder counted as
   * written, and with what was lost or dropped, every record (launches + the one compile). */
  int64_t rows = query_int (path, "SELECT count(*) FROM launch");
  int64_t events = query_int (path, "SELECT count(*) FROM event");
  ck_assert_int_gt (rows, 0);
  ck_assert_int_eq (rows + events, (int64_t) s.rows_written);
  ck_assert_int_eq ((int64_t) (s.rows_written + s.rows_lost + s.rows_dropped), 4 * per_thread + 1);
  ck_assert_int_eq (assert_report_sound (path, "after disk full"), rows);
  printf ("disk full (%s): %lld launch rows kept, %llu lost, %llu dropped; error: %s\n",
          tmpfs ? "2 MiB tmpfs" : "max_db_bytes 256 KiB", (long long) rows, (unsigned long long) s.rows_lost,
          (unsigned long long) s.rows_dropped, err);
  if (tmpfs)
    umount2 (mnt, MNT_DETACH);
}
END_TEST

/* ---- SIGKILL mid-recording ----------------------------------------------------------------------- */

/* The child records with 4 launching threads; it writes one byte when recording (after
 * `launches` per thread, then it stops the recorder and writes another) and is killed. */
static void
record_child (const char *path, int ready_fd, long launches_before_stop)
{
  lsc_recorder_options o = { .path = path, .workload = "killed", .batch_rows = 1024 };
  lsc_recorder *rec = NULL;
  char err[256];
  if (lsc_recorder_start (&o, &rec, err, sizeof err) != 0 || lsc_recorder_add_kernel (rec, bound, "killed") != 0)
    _exit (3);
  run_launchers (4, 20000);
  if (write (ready_fd, "r", 1) != 1)
    _exit (4);
  if (launches_before_stop > 0)
    {
      run_launchers (4, launches_before_stop);
      if (write (ready_fd, "s", 1) != 1)
        _exit (4);
      lsc_recorder_stop (rec, NULL, NULL, 0);
      _exit (0);
    }
  for (;;)
    run_launchers (4, 100000);
}

START_TEST (test_sigkill)
{
  /* Kill points: ms after the child said it is recording (or stopping, for the last two). */
  static const struct {
    int delay_ms;
    bool during_stop;
  } kills[] = { { 0, false }, { 20, false }, { 80, false }, { 250, false }, { 600, false }, { 0, true }, { 30, true } };
  int64_t total_rows = 0;
  for (size_t i = 0; i < sizeof kills / sizeof kills[0]; i++)
    {
      char path[320], when[64];
      snprintf (path, sizeof path, "%s/killed-%zu.lsdb", dir, i);
      snprintf (when, sizeof when, "SIGKILL #%zu (%d ms%s)", i + 1, kills[i].delay_ms,
                kills[i].during_stop ? " into stop" : "");
      int ready[2];
      ck_assert_int_eq (pipe (ready), 0);
      pid_t pid = fork ();
      ck_assert_int_ge (pid, 0);
      if (pid == 0)
        {
          close (ready[0]);
          record_child (path, ready[1], kills[i].during_stop ? 200000 : 0);
        }
      close (ready[1]);
      char c;
      ck_assert_int_eq (read (ready[0], &c, 1), 1);
      if (kills[i].during_stop)
        ck_assert_int_eq (read (ready[0], &c, 1), 1);
      usleep ((useconds_t) kills[i].delay_ms * 1000);
      kill (pid, SIGKILL);
      int status;
      ck_assert_int_eq (waitpid (pid, &status, 0), pid);
      close (ready[0]);
      bool killed = WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL;
      ck_assert_msg (killed || (kills[i].during_stop && WIFEXITED (status) && WEXITSTATUS (status) == 0),
                     "%s: the child ended otherwise (status %#x)", when, status);
      int64_t rows = assert_report_sound (path, when);
      total_rows += rows;
      printf ("%s: %s, report opens and passes check with %lld launch rows\n", when,
              killed ? "killed" : "finished first", (long long) rows);
    }
  ck_assert_int_gt (total_rows, 0);
}
END_TEST

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s PATH-TO-launchscope-cli\n", argv[0]);
      return 2;
    }
  cli = argv[1];
  Suite *s = suite_create ("recorder-stress");
  TCase *tc = tcase_create ("stress");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_eight_threads_million);
  tcase_add_test (tc, test_disk_full);
  tcase_add_test (tc, test_sigkill);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
