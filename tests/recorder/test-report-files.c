/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-report-files.c — a report is never clobbered, lost or waited on: one writer per report
 * (a second recorder is refused, --force or not, naming the holder; a dead holder's lock is
 * taken over), a recorder whose file is removed or replaced says so and saves its launches
 * beside it, FIFOs, devices and sockets are never opened as reports nor replaced by one (nor
 * the -wal/-shm/-journal beside one), and an interrupted export leaves nothing behind.
 *
 * Recordings run against the driver test double.  Anything that could hang on a FIFO runs in
 * a child process with an alarm, so a regression fails instead of stalling the suite.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "fl-test-driver.h"
#include "lsc-export.h"
#include "lsc-recorder.h"
#include "lsc-report.h"
#include "lsc-report-private.h"
#include "lsc-test-files.h"

#define N_PTRS 2
#define N_ELEMS 64

static char dir[256];
static CUdeviceptr bufs[N_PTRS];
static fl_kernel *kernel;
static fl_bound_kernel *bound;

static void
setup (void)
{
  ck_assert (lsc_test_dir_make (dir, sizeof dir, "lsc-files"));
  char cache[300];
  snprintf (cache, sizeof cache, "%s/cache", dir);
  setenv ("XDG_CACHE_HOME", cache, 1);
  fl_test_driver_install ();
  ck_assert_int_eq (fl_use_device (0), FL_OK);
  const fl_driver *d = fl_driver_get ();
  for (int i = 0; i < N_PTRS; i++)
    ck_assert_int_eq (d->cuMemAlloc (&bufs[i], (N_ELEMS + 4) * sizeof (float)), CUDA_SUCCESS);
  ck_assert_int_eq (fl_workload_add_kernel (N_PTRS, &kernel), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (kernel, NULL, &bound), FL_OK);
}

static void
teardown (void)
{
  fl_bound_kernel_free (bound);
  fl_kernel_free (kernel);
  lsc_test_dir_remove (dir);
}

static const char *
in_dir (const char *name)
{
  return lsc_test_path (dir, name);
}

static void
launch (int n)
{
  fl_arg args[N_PTRS + 1];
  for (int i = 0; i < N_PTRS; i++)
    args[i] = FL_PTR (bufs[i]);
  args[N_PTRS] = FL_INT (N_ELEMS);
  for (int i = 0; i < n; i++)
    ck_assert_int_eq (fl_launch (bound, (fl_grid){ 1, 1, 1 }, NULL, args, N_PTRS + 1, NULL), FL_OK);
}

static lsc_recorder *
start (const char *path, bool overwrite)
{
  lsc_recorder *rec = NULL;
  char err[1024] = "";
  ck_assert_msg (lsc_recorder_start (&(lsc_recorder_options){ .path = path, .overwrite = overwrite }, &rec, err,
                                     sizeof err)
                     == 0,
                 "start %s: %s", path, err);
  ck_assert_int_eq (lsc_recorder_add_kernel (rec, bound, "test"), 0);
  return rec;
}

static void
record_report (const char *path, int launches)
{
  lsc_recorder *rec = start (path, false);
  launch (launches);
  char err[1024] = "";
  ck_assert_msg (lsc_recorder_stop (rec, NULL, err, sizeof err) == 0, "%s", err);
}

static int64_t
launches_in (const char *path)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq (sqlite3_prepare_v2 (lsc_report_db (r), "SELECT count(*) FROM launch", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  int64_t n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  lsc_report_free (r);
  return n;
}

static bool
is_fifo (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0 && S_ISFIFO (st.st_mode);
}

/* Files in dir whose name contains part. */
static int
count_named (const char *part)
{
  DIR *d = opendir (dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir (d)))
    n += strstr (e->d_name, part) != NULL;
  if (d)
    closedir (d);
  return n;
}

/* ---- one writer per report ------------------------------------------------------------- */

static void
collect_findings (bool problem, const char *message, void *user_data)
{
  (void) problem;
  char *all = user_data;
  strncat (all, message, 4000 - strlen (all));
  strncat (all, "\n", 4000 - strlen (all));
}

/* What `check` says of the report at path, one finding per line. */
static const char *
check_findings (const char *path)
{
  static char all[4096];
  all[0] = '\0';
  lsc_error e;
  ck_assert_int_ge (lsc_report_check (path, collect_findings, all, &e), 0);
  return all;
}

/* A child process records into path and holds it until told (a byte on go[0]). */
static pid_t
hold_in_child (const char *path, int ready[2], int go[2], int launches)
{
  ck_assert_int_eq (pipe (ready), 0);
  ck_assert_int_eq (pipe (go), 0);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      lsc_recorder *rec = NULL;
      char err[1024];
      if (lsc_recorder_start (&(lsc_recorder_options){ .path = path }, &rec, err, sizeof err) != 0
          || lsc_recorder_add_kernel (rec, bound, "holder") != 0)
        _exit (3);
      launch (launches);
      char c = 1;
      if (write (ready[1], &c, 1) != 1 || read (go[0], &c, 1) != 1)
        _exit (4);
      _exit (lsc_recorder_stop (rec, NULL, err, sizeof err) == 0 ? 0 : 5);
    }
  char c;
  ck_assert_int_eq (read (ready[0], &c, 1), 1);
  return pid;
}

START_TEST (test_second_writer_refused)
{
  const char *path = in_dir ("same.lsdb");
  int ready[2], go[2];
  pid_t holder = hold_in_child (path, ready, go, 200);

  char err[1024] = "", pid_text[32];
  snprintf (pid_text, sizeof pid_text, "process %ld", (long) holder);
  for (int force = 0; force <= 1; force++)
    {
      lsc_recorder *rec = NULL;
      ck_assert_int_eq (lsc_recorder_start (&(lsc_recorder_options){ .path = path, .overwrite = force }, &rec, err,
                                            sizeof err),
                        -1);
      ck_assert_msg (strstr (err, path) && strstr (err, pid_text) && strstr (err, "being recorded"), "%s", err);
    }

  /* A reader may open it, and is told who records it. */
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  char who[400];
  ck_assert (lsc_report_being_recorded (r, who, sizeof who));
  ck_assert_msg (strstr (who, pid_text), "%s", who);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_ptr_nonnull (sum);
  ck_assert_ptr_nonnull (sum->being_recorded_by);
  lsc_report_summary_free (sum);
  const char *findings = check_findings (path);
  ck_assert_msg (strstr (findings, "still being recorded by") && strstr (findings, pid_text), "%s", findings);

  char c = 1;
  ck_assert_int_eq (write (go[1], &c, 1), 1);
  int status;
  ck_assert_int_eq (waitpid (holder, &status, 0), holder);
  ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  ck_assert (!lsc_report_being_recorded (r, who, sizeof who));
  lsc_report_free (r);
  /* Nothing the first recorder wrote was lost, and its lock file went with it. */
  ck_assert_int_eq (launches_in (path), 200);
  ck_assert_int_eq (count_named (".lock"), 0);
  for (int i = 0; i < 2; i++)
    {
      close (ready[i]);
      close (go[i]);
    }
}
END_TEST

/* A recorder killed while recording leaves its lock file; the kernel dropped its lock, so the
 * next recording goes ahead (with --force, as the killed report exists). */
START_TEST (test_dead_holders_lock_taken_over)
{
  const char *path = in_dir ("killed.lsdb");
  int ready[2], go[2];
  pid_t holder = hold_in_child (path, ready, go, 50);
  kill (holder, SIGKILL);
  int status;
  ck_assert_int_eq (waitpid (holder, &status, 0), holder);
  ck_assert_int_eq (count_named (".lock"), 1);
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  char who[400];
  ck_assert (!lsc_report_being_recorded (r, who, sizeof who));
  lsc_report_free (r);
  const char *findings = check_findings (path);
  ck_assert_msg (strstr (findings, "nobody records it now"), "%s", findings);
  lsc_recorder *rec = start (path, true);
  launch (7);
  ck_assert_int_eq (lsc_recorder_stop (rec, NULL, NULL, 0), 0);
  ck_assert_int_eq (launches_in (path), 7);
  ck_assert_int_eq (count_named (".lock"), 0);
  for (int i = 0; i < 2; i++)
    {
      close (ready[i]);
      close (go[i]);
    }
}
END_TEST

/* The report's name is taken away mid-recording: stop fails, saying so, and every launch is in
 * a recovered copy; whatever was put at the name is left as it is. */
static void
check_lost_file (bool replace)
{
  const char *path = in_dir ("moved.lsdb");
  lsc_recorder *rec = start (path, false);
  launch (300);
  ck_assert_int_eq (unlink (path), 0);
  if (replace)
    {
      FILE *f = fopen (path, "w");
      fputs ("someone else's file", f);
      fclose (f);
    }
  launch (200);
  char err[1024] = "";
  ck_assert_int_eq (lsc_recorder_stop (rec, NULL, err, sizeof err), -1);
  char recovered[512];
  snprintf (recovered, sizeof recovered, "%s/moved.recovered-%ld.lsdb", dir, (long) getpid ());
  ck_assert_msg (strstr (err, path) && strstr (err, "removed or replaced") && strstr (err, recovered), "%s", err);
  ck_assert_int_eq (launches_in (recovered), 500);
  if (replace)
    {
      char buf[64] = "";
      FILE *f = fopen (path, "r");
      ck_assert_ptr_nonnull (fgets (buf, sizeof buf, f));
      fclose (f);
      ck_assert_str_eq (buf, "someone else's file");
    }
  else
    ck_assert (access (path, F_OK) != 0);
}

START_TEST (test_removed_under_recorder)
{
  check_lost_file (false);
}
END_TEST

START_TEST (test_replaced_under_recorder)
{
  check_lost_file (true);
}
END_TEST

/* ---- regular files only ----------------------------------------------------------------- */

static const char *
make_socket (const char *name)
{
  const char *path = in_dir (name);
  int fd = socket (AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  snprintf (a.sun_path, sizeof a.sun_path, "%s", path);
  ck_assert_int_eq (bind (fd, (struct sockaddr *) &a, sizeof a), 0);
  close (fd);
  return path;
}

START_TEST (test_recorder_refuses_special_targets)
{
  const char *fifo = in_dir ("fifo.lsdb");
  ck_assert_int_eq (mkfifo (fifo, 0600), 0);
  const char *devlink = in_dir ("null.lsdb");
  ck_assert_int_eq (symlink ("/dev/null", devlink), 0);
  const char *sock = make_socket ("sock.lsdb");
  const char *targets[] = { fifo, devlink, sock };
  for (size_t i = 0; i < 3; i++)
    for (int force = 0; force <= 1; force++)
      {
        lsc_recorder *rec = NULL;
        char err[1024] = "";
        ck_assert_int_eq (lsc_recorder_start (&(lsc_recorder_options){ .path = targets[i], .overwrite = force }, &rec,
                                              err, sizeof err),
                          -1);
        ck_assert_msg (strstr (err, targets[i]) && strstr (err, "not a regular file"), "%s", err);
      }
  ck_assert (is_fifo (fifo));
  struct stat st;
  ck_assert (stat ("/dev/null", &st) == 0 && S_ISCHR (st.st_mode));

  /* A FIFO where SQLite would put the new report's WAL. */
  const char *path = in_dir ("fresh.lsdb");
  ck_assert_int_eq (mkfifo (in_dir ("fresh.lsdb-wal"), 0600), 0);
  lsc_recorder *rec = NULL;
  char err[1024] = "";
  ck_assert_int_eq (lsc_recorder_start (&(lsc_recorder_options){ .path = path, .overwrite = true }, &rec, err,
                                        sizeof err),
                    -1);
  ck_assert_msg (strstr (err, "fresh.lsdb-wal") && strstr (err, "a FIFO"), "%s", err);
  ck_assert (is_fifo (in_dir ("fresh.lsdb-wal")));
}
END_TEST

/* Opening must fail at once: the child is killed by its alarm if anything blocks. */
static void
open_fails_quickly (const char *path, const char *why)
{
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      alarm (5);
      lsc_error e;
      lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
      if (r)
        _exit (1);
      if (!strstr (e.message, why) || e.code != LSC_ERROR_IO)
        {
          fprintf (stderr, "unexpected message for %s: %s\n", path, e.message);
          _exit (2);
        }
      _exit (0);
    }
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status), "opening %s did not return (signal %d)", path,
                 WIFSIGNALED (status) ? WTERMSIG (status) : 0);
  ck_assert_msg (WEXITSTATUS (status) == 0, "opening %s: exit %d", path, WEXITSTATUS (status));
}

START_TEST (test_reader_refuses_special_files)
{
  const char *fifo = in_dir ("fifo.lsdb");
  ck_assert_int_eq (mkfifo (fifo, 0600), 0);
  open_fails_quickly (fifo, "a FIFO, not a regular file");
  open_fails_quickly (make_socket ("sock.lsdb"), "not a regular file");
  open_fails_quickly ("/dev/null", "a character device");
  open_fails_quickly (dir, "a directory");

  /* A real report with FIFOs beside it where SQLite looks for its journal and WAL. */
  const char *good = in_dir ("good.lsdb");
  record_report (good, 3);
  static const char *const sides[] = { "-wal", "-shm", "-journal" };
  for (size_t i = 0; i < 3; i++)
    {
      char side[600];
      snprintf (side, sizeof side, "%s%s", good, sides[i]);
      ck_assert_int_eq (mkfifo (side, 0600), 0);
      open_fails_quickly (good, side);
      ck_assert_int_eq (unlink (side), 0);
    }
  ck_assert_int_eq (launches_in (good), 3);
}
END_TEST

/* The check-then-open window closed: SQLite itself refuses a FIFO on the descriptor it opened,
 * whoever calls it in this process (here a plain sqlite3_open_v2, after liblaunchscope opened a
 * report once). */
START_TEST (test_sqlite_opens_no_fifo)
{
  const char *good = in_dir ("good.lsdb");
  record_report (good, 1);
  ck_assert_int_eq (launches_in (good), 1);
  const char *fifo = in_dir ("raw.db");
  ck_assert_int_eq (mkfifo (fifo, 0600), 0);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      alarm (5);
      sqlite3 *db = NULL;
      int rc = sqlite3_open_v2 (fifo, &db, SQLITE_OPEN_READONLY, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
      sqlite3_close (db);
      _exit (rc == SQLITE_CANTOPEN ? 0 : 1);
    }
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "status %d", status);
}
END_TEST

START_TEST (test_exports_refuse_special_targets)
{
  const char *src = in_dir ("src.lsdb");
  record_report (src, 5);
  lsc_error e;
  lsc_report *r = lsc_report_open (src, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  const char *fifo = in_dir ("out.fifo");
  ck_assert_int_eq (mkfifo (fifo, 0600), 0);
  const char *devlink = in_dir ("out.null");
  ck_assert_int_eq (symlink ("/dev/null", devlink), 0);
  const char *targets[] = { fifo, devlink };
  for (size_t i = 0; i < 2; i++)
    {
      ck_assert_int_eq (lsc_export_sqlite (r, targets[i], true, &e), -1);
      ck_assert_msg (strstr (e.message, targets[i]) && strstr (e.message, "not a regular file"), "%s", e.message);
      ck_assert_int_eq (lsc_export_trace_json (r, targets[i], true, &e), -1);
      ck_assert_msg (strstr (e.message, "not a regular file"), "%s", e.message);
      ck_assert_int_eq (lsc_export_nsys_sqlite (r, targets[i], true, &e), -1);
      ck_assert_msg (strstr (e.message, "not a regular file"), "%s", e.message);
    }
  ck_assert (is_fifo (fifo));
  struct stat st;
  ck_assert (lstat (devlink, &st) == 0 && S_ISLNK (st.st_mode));
  ck_assert (stat ("/dev/null", &st) == 0 && S_ISCHR (st.st_mode));
  ck_assert_int_eq (count_named (".partial-"), 0);
  /* A regular file is still replaced with --force. */
  const char *plain = in_dir ("out.json");
  FILE *f = fopen (plain, "w");
  fputs ("old", f);
  fclose (f);
  ck_assert_msg (lsc_export_trace_json (r, plain, true, &e) == 0, "%s", e.message);
  ck_assert (stat (plain, &st) == 0 && st.st_size > 3);
  lsc_report_free (r);
}
END_TEST

START_TEST (test_interrupted_export_leaves_nothing)
{
  const char *src = in_dir ("src.lsdb");
  record_report (src, 2000);
  lsc_error e;
  lsc_report *r = lsc_report_open (src, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  volatile sig_atomic_t flag = 1;
  lsc_report_set_interrupt (r, &flag);
  const char *outs[] = { in_dir ("x.lsdb"), in_dir ("x.json"), in_dir ("x.sqlite") };
  ck_assert_int_eq (lsc_export_sqlite (r, outs[0], false, &e), -1);
  ck_assert_msg (e.code == LSC_ERROR_INTERRUPTED, "%d %s", e.code, e.message);
  ck_assert_int_eq (lsc_export_trace_json (r, outs[1], false, &e), -1);
  ck_assert_int_eq (e.code, LSC_ERROR_INTERRUPTED);
  ck_assert_int_eq (lsc_export_nsys_sqlite (r, outs[2], false, &e), -1);
  ck_assert_int_eq (e.code, LSC_ERROR_INTERRUPTED);
  for (size_t i = 0; i < 3; i++)
    ck_assert_msg (access (outs[i], F_OK) != 0, "%s exists", outs[i]);
  ck_assert_int_eq (count_named (".partial-"), 0);
  /* Lowered again, the same report exports. */
  flag = 0;
  ck_assert_msg (lsc_export_trace_json (r, outs[1], false, &e) == 0, "%s", e.message);
  lsc_report_set_interrupt (r, NULL);
  lsc_report_free (r);
}
END_TEST

static const char *cli_path; /* argv[1] */

/* launchscope-cli export, interrupted by a real SIGINT while it writes (once its temporary file
 * is there): it ends by that signal and leaves neither the target nor the temporary file. */
START_TEST (test_cli_export_sigint)
{
  const char *src = in_dir ("big.lsdb");
  lsc_recorder *rec = NULL;
  char err[1024] = "";
  ck_assert_msg (lsc_recorder_start (&(lsc_recorder_options){ .path = src, .ring_records = 1 << 18 }, &rec, err,
                                     sizeof err)
                     == 0,
                 "%s", err);
  ck_assert_int_eq (lsc_recorder_add_kernel (rec, bound, "test"), 0);
  launch (150000);
  ck_assert_msg (lsc_recorder_stop (rec, NULL, err, sizeof err) == 0, "%s", err);

  const char *out = in_dir ("big.json");
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      int devnull = open ("/dev/null", O_WRONLY);
      dup2 (devnull, STDOUT_FILENO);
      execl (cli_path, cli_path, "export", src, "--trace-json", out, (char *) NULL);
      _exit (127);
    }
  bool seen = false;
  for (int i = 0; i < 20000 && !seen; i++)
    {
      seen = count_named ("big.json.partial-") > 0;
      if (!seen)
        usleep (500);
    }
  ck_assert_msg (seen, "the export never started writing");
  kill (pid, SIGINT);
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGINT, "status %d", status);
  ck_assert (access (out, F_OK) != 0);
  ck_assert_int_eq (count_named (".partial-"), 0);
}
END_TEST

static Suite *
report_files_suite (void)
{
  Suite *s = suite_create ("report-files");
  TCase *tc = tcase_create ("files");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_second_writer_refused);
  tcase_add_test (tc, test_dead_holders_lock_taken_over);
  tcase_add_test (tc, test_removed_under_recorder);
  tcase_add_test (tc, test_replaced_under_recorder);
  tcase_add_test (tc, test_recorder_refuses_special_targets);
  tcase_add_test (tc, test_reader_refuses_special_files);
  tcase_add_test (tc, test_sqlite_opens_no_fifo);
  tcase_add_test (tc, test_exports_refuse_special_targets);
  tcase_add_test (tc, test_interrupted_export_leaves_nothing);
  if (cli_path)
    tcase_add_test (tc, test_cli_export_sigint);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  cli_path = argc > 1 ? argv[1] : NULL;
  SRunner *sr = srunner_create (report_files_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
