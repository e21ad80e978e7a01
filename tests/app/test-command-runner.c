/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-command-runner.c — recording a command from the app (LscCommandRunner) without a GPU:
 * `launchscope-cli record` of the stand-in CUDA program (fake-cuda-app, launching through the
 * fake libcupti), its report read while it grows, Stop's SIGINT reaching the program and the
 * report gathered, SIGTERM after the grace period for a program that ignores SIGINT, the CLI's
 * own message when the command does not exist, the environment and working directory the
 * command gets, and the refusals before anything runs.
 *
 *   test-command-runner CLI FAKE-CUDA-APP FAKE-CUPTI
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-command-runner.h"
#include "lsc-report.h"
#include "lsc-test-files.h"

static const char *cli, *app, *cupti;
static char dir[256];

static void
setup (void)
{
  ck_assert (lsc_test_dir_make (dir, sizeof dir, "lsc-command-runner"));
  setenv ("LSC_CLI", cli, 1);
}

static void
teardown (void)
{
  lsc_test_dir_remove (dir);
}

/* Runs the main loop until done returns TRUE or seconds pass; returns done's last answer. */
static gboolean
iterate_until (gboolean (*done) (LscCommandRunner *runner), LscCommandRunner *runner, double seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (!done (runner) && g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  return done (runner);
}

static gboolean
finished (LscCommandRunner *runner)
{
  return lsc_command_runner_get_state (runner) == LSC_COMMAND_RUNNER_FINISHED;
}

static gboolean
fifty_launches_read (LscCommandRunner *runner)
{
  LscCommandRunnerProgress p;
  lsc_command_runner_get_progress (runner, &p);
  lsc_command_runner_progress_clear (&p);
  return p.progress.launches >= 50;
}

static void
collect_output (LscCommandRunner *runner, const char *line, GString *out)
{
  (void) runner;
  g_string_append_printf (out, "%s\n", line);
}

static LscCommandRunner *
start (const char *command_line, const char *environment, const char *directory, const char *report, GString *out)
{
  LscCommandRunner *runner = lsc_command_runner_new ();
  g_signal_connect (runner, "output", G_CALLBACK (collect_output), out);
  g_autoptr (GError) error = NULL;
  LscCommandRunOptions o = { .command_line = command_line, .environment = environment, .directory = directory,
                             .cupti_mode = "callbacks", .report_path = report, .cupti_library = cupti };
  ck_assert_msg (lsc_command_runner_start (runner, &o, &error), "%s", error ? error->message : "");
  return runner;
}

static int64_t
report_launches (const char *path)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  int64_t n = 0;
  for (size_t i = 0; i < sum->n_sessions; i++)
    n += sum->sessions[i].launches;
  lsc_report_summary_free (sum);
  lsc_report_free (r);
  return n;
}

/* The report is read while the program runs; Stop's SIGINT reaches the program through record
 * (status 130: ended by SIGINT, long before the grace period), and every launch the live view
 * had counted is in the gathered report. */
START_TEST (test_grows_then_stops)
{
  g_autofree char *report = g_build_filename (dir, "run.lsdb", NULL);
  g_autofree char *command = g_strdup_printf ("'%s' 1000000 0 slow 1000", app);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (LscCommandRunner) runner = start (command, NULL, NULL, report, out);
  ck_assert_msg (iterate_until (fifty_launches_read, runner, 30), "no launches read; output:\n%s", out->str);

  LscCommandRunnerProgress p;
  lsc_command_runner_get_progress (runner, &p);
  ck_assert_uint_eq (p.progress.processes, 1);
  ck_assert_int_eq (p.progress.kernels, 2);
  ck_assert_int_gt (p.progress.call_p50_ns, 0);
  ck_assert_ptr_null (p.read_error);
  ck_assert (!g_file_test (report, G_FILE_TEST_EXISTS)); /* gathered only at the end */
  int64_t seen = p.progress.launches;
  lsc_command_runner_progress_clear (&p);

  gint64 stop_at = g_get_monotonic_time ();
  lsc_command_runner_stop (runner, 20000);
  ck_assert_int_eq (lsc_command_runner_get_state (runner), LSC_COMMAND_RUNNER_STOPPING);
  ck_assert_msg (iterate_until (finished, runner, 30), "record did not end; output:\n%s", out->str);
  ck_assert_msg (g_get_monotonic_time () - stop_at < 15 * G_USEC_PER_SEC, "ended by SIGTERM, not SIGINT");
  ck_assert_msg (lsc_command_runner_get_exit_status (runner) == 130, "status %d; output:\n%s",
                 lsc_command_runner_get_exit_status (runner), out->str);
  ck_assert_msg (g_file_test (report, G_FILE_TEST_IS_REGULAR), "no report; output:\n%s", out->str);
  ck_assert_int_ge (report_launches (report), seen);
  ck_assert_msg (strstr (lsc_command_runner_get_messages (runner), "launchscope-cli record: "), "%s",
                 lsc_command_runner_get_messages (runner));
}
END_TEST

/* A program that ignores SIGINT gets SIGTERM after the grace period. */
START_TEST (test_sigterm_after_grace)
{
  g_autofree char *report = g_build_filename (dir, "stubborn.lsdb", NULL);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (LscCommandRunner) runner
    = start ("sh -c 'trap \"\" INT; echo ready; while :; do sleep 0.05; done'", NULL, NULL, report, out);
  while (!strstr (out->str, "ready"))
    g_main_context_iteration (NULL, TRUE);
  lsc_command_runner_stop (runner, 300);
  ck_assert_msg (iterate_until (finished, runner, 30), "record did not end; output:\n%s", out->str);
  ck_assert_int_eq (lsc_command_runner_get_exit_status (runner), 128 + 15);
}
END_TEST

/* A process of the command that outlives record keeps the output open: the recording still ends
 * soon after record does, with everything record said. */
START_TEST (test_outliving_process)
{
  g_autofree char *report = g_build_filename (dir, "outlived.lsdb", NULL);
  g_autoptr (GString) out = g_string_new (NULL);
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (LscCommandRunner) runner = start ("sh -c 'sleep 6 & echo started'", NULL, NULL, report, out);
  ck_assert (iterate_until (finished, runner, 30));
  ck_assert_msg (g_get_monotonic_time () - t0 < 4 * G_USEC_PER_SEC, "waited for the outliving process");
  ck_assert_int_eq (lsc_command_runner_get_exit_status (runner), 0);
  ck_assert_msg (strstr (out->str, "started\n"), "%s", out->str);
}
END_TEST

/* A command that does not exist: record's own message, and no report. */
START_TEST (test_command_not_found)
{
  g_autofree char *report = g_build_filename (dir, "none.lsdb", NULL);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (LscCommandRunner) runner = start ("no-such-program-lsc --flag", NULL, NULL, report, out);
  ck_assert (iterate_until (finished, runner, 30));
  ck_assert_int_ne (lsc_command_runner_get_exit_status (runner), 0);
  ck_assert_msg (strstr (lsc_command_runner_get_messages (runner),
                         "launchscope-cli record: cannot run no-such-program-lsc: No such file or directory"),
                 "%s", lsc_command_runner_get_messages (runner));
  ck_assert (!g_file_test (report, G_FILE_TEST_EXISTS));
}
END_TEST

/* The environment lines and the working directory reach the command; its output is passed on. */
START_TEST (test_environment_and_directory)
{
  g_autofree char *report = g_build_filename (dir, "env.lsdb", NULL);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (LscCommandRunner) runner
    = start ("sh -c 'echo \"got $LSC_A/$LSC_B in $(pwd)\"'", "# a comment\nLSC_A=one two\n\n  LSC_B=x=y  \n", dir,
             report, out);
  ck_assert (iterate_until (finished, runner, 30));
  g_autofree char *want = g_strdup_printf ("got one two/x=y in %s\n", dir);
  ck_assert_msg (strstr (out->str, want), "%s", out->str);
  ck_assert_int_eq (lsc_command_runner_get_exit_status (runner), 0);
}
END_TEST

static GError *
start_error (const char *command_line, const char *environment, const char *directory)
{
  g_autoptr (LscCommandRunner) runner = lsc_command_runner_new ();
  g_autofree char *report = g_build_filename (dir, "refused.lsdb", NULL);
  LscCommandRunOptions o = { .command_line = command_line, .environment = environment, .directory = directory,
                             .cupti_mode = "callbacks", .report_path = report };
  GError *error = NULL;
  ck_assert (!lsc_command_runner_start (runner, &o, &error));
  ck_assert_int_eq (lsc_command_runner_get_state (runner), LSC_COMMAND_RUNNER_NEW);
  return error;
}

START_TEST (test_refusals)
{
  g_autoptr (GError) empty = start_error ("   ", NULL, NULL);
  ck_assert_msg (strstr (empty->message, "No command"), "%s", empty->message);
  g_autoptr (GError) quote = start_error ("echo 'open", NULL, NULL);
  ck_assert_msg (strstr (quote->message, "command line"), "%s", quote->message);
  g_autoptr (GError) env = start_error ("true", "A=1\n2B=3\n", NULL);
  ck_assert_msg (strstr (env->message, "line 2") && strstr (env->message, "2B=3"), "%s", env->message);
  g_autoptr (GError) cwd = start_error ("true", NULL, "/nonexistent/lsc");
  ck_assert_msg (strstr (cwd->message, "/nonexistent/lsc"), "%s", cwd->message);
  setenv ("LSC_CLI", "/nonexistent/launchscope-cli", 1);
  g_autoptr (GError) missing = start_error ("true", NULL, NULL);
  ck_assert_msg (strstr (missing->message, "LSC_CLI names /nonexistent/launchscope-cli"), "%s", missing->message);
}
END_TEST

/* Without LSC_CLI, a test binary has no launchscope-cli beside it: every place is named. */
START_TEST (test_cli_not_found)
{
  unsetenv ("LSC_CLI");
  const char *path = getenv ("PATH");
  g_autofree char *saved = g_strdup (path);
  setenv ("PATH", "/nonexistent", 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *found = lsc_command_runner_find_cli (&error);
  setenv ("PATH", saved, 1);
  ck_assert_ptr_null (found);
  ck_assert_msg (strstr (error->message, "launchscope-cli") && strstr (error->message, "LSC_CLI")
                   && strstr (error->message, "PATH"),
                 "%s", error->message);
}
END_TEST

int
main (int argc, char **argv)
{
  if (argc < 4)
    {
      fprintf (stderr, "usage: %s CLI FAKE-CUDA-APP FAKE-CUPTI\n", argv[0]);
      return 2;
    }
  cli = argv[1];
  app = argv[2];
  cupti = argv[3];
  Suite *s = suite_create ("command-runner");
  TCase *tc = tcase_create ("runner");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_grows_then_stops);
  tcase_add_test (tc, test_sigterm_after_grace);
  tcase_add_test (tc, test_outliving_process);
  tcase_add_test (tc, test_command_not_found);
  tcase_add_test (tc, test_environment_and_directory);
  tcase_add_test (tc, test_refusals);
  tcase_add_test (tc, test_cli_not_found);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
