/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-live-session.c — the live session GObject on the driver TEST DOUBLE: a failed start
 * reports the kind of failure the live page acts on (kernel file, report file, no usable
 * device) from where it failed, whatever the message happens to contain.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl-test-driver.h"
#include "lsc-live-session.h"

static char dir[64];

static void
setup (void)
{
  snprintf (dir, sizeof dir, "/tmp/lsc-live-session-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (dir));
  setenv ("XDG_CACHE_HOME", dir, 1);
  fl_test_driver_install ();
}

static void
teardown (void)
{
  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
}

static void
write_file (const char *p, const char *text)
{
  FILE *f = fopen (p, "w");
  ck_assert_ptr_nonnull (f);
  fputs (text, f);
  fclose (f);
}

static void
on_started (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  *(GAsyncResult **) data = g_object_ref (result);
}

/* Starts a session with o and returns the error of a start that must fail. */
static GError *
start_failure (lsc_live_options o)
{
  o.cupti_library = "/nonexistent/libcupti.so";
  o.overwrite = true;
  LscLiveSession *session = lsc_live_session_new (&o);
  GAsyncResult *result = NULL;
  lsc_live_session_start_async (session, NULL, on_started, &result);
  while (!result)
    g_main_context_iteration (NULL, TRUE);
  GError *error = NULL;
  ck_assert_msg (!lsc_live_session_start_finish (session, result, &error), "the session started");
  ck_assert_ptr_nonnull (error);
  ck_assert_int_eq (lsc_live_session_get_state (session), LSC_LIVE_SESSION_STOPPED);
  g_object_unref (result);
  g_object_unref (session);
  return error;
}

START_TEST (test_report_path_naming_the_kernel_is_a_report_failure)
{
  /* The report's directory is missing and its path holds the kernel file's name: the message
   * names both, and only where it failed tells which one is at fault. */
  char cu[128], report[192];
  snprintf (cu, sizeof cu, "%s/scale.cu", dir);
  write_file (cu, "// launchscope: entry=scale\n// launchscope: signature=*fp32, i32\n"
                  "extern \"C\" __global__ void scale(float *y, int n) { }\n");
  snprintf (report, sizeof report, "%s/missing/scale.cu-signature.lsdb", dir);
  g_autoptr (GError) error = start_failure ((lsc_live_options){ .report_path = report, .user_kernel_path = cu });
  ck_assert_msg (g_error_matches (error, LSC_LIVE_SESSION_ERROR, LSC_LIVE_SESSION_ERROR_REPORT), "code %d: %s",
                 error->code, error->message);
  ck_assert_msg (strstr (error->message, report), "%s", error->message);
}
END_TEST

START_TEST (test_bad_kernel_file_is_a_kernel_failure)
{
  char cu[128], report[128];
  snprintf (cu, sizeof cu, "%s/scale.cu", dir);
  write_file (cu, "// launchscope: entry=scale\n// launchscope: signatur=*fp32\nextern \"C\" __global__ void scale() {}\n");
  snprintf (report, sizeof report, "%s/live.lsdb", dir);
  g_autoptr (GError) error = start_failure ((lsc_live_options){ .report_path = report, .user_kernel_path = cu });
  ck_assert_msg (g_error_matches (error, LSC_LIVE_SESSION_ERROR, LSC_LIVE_SESSION_ERROR_KERNEL), "code %d: %s",
                 error->code, error->message);
  ck_assert_msg (strstr (error->message, "scale.cu:2"), "%s", error->message);
}
END_TEST

START_TEST (test_missing_device_is_a_driver_failure)
{
  char report[128];
  snprintf (report, sizeof report, "%s/live.lsdb", dir);
  g_autoptr (GError) error = start_failure ((lsc_live_options){ .report_path = report, .workload = "add4", .device = 3 });
  ck_assert_msg (g_error_matches (error, LSC_LIVE_SESSION_ERROR, LSC_LIVE_SESSION_ERROR_NO_DRIVER), "code %d: %s",
                 error->code, error->message);
  ck_assert_msg (strstr (error->message, "device 3"), "%s", error->message);
}
END_TEST

START_TEST (test_unknown_workload_is_a_plain_failure)
{
  char report[128];
  snprintf (report, sizeof report, "%s/live.lsdb", dir);
  g_autoptr (GError) error = start_failure ((lsc_live_options){ .report_path = report, .workload = "add99" });
  ck_assert_msg (g_error_matches (error, LSC_LIVE_SESSION_ERROR, LSC_LIVE_SESSION_ERROR_FAILED), "code %d: %s",
                 error->code, error->message);
  ck_assert_msg (strstr (error->message, "add99"), "%s", error->message);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("live-session");
  TCase *tc = tcase_create ("start");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_report_path_naming_the_kernel_is_a_report_failure);
  tcase_add_test (tc, test_bad_kernel_file_is_a_kernel_failure);
  tcase_add_test (tc, test_missing_device_is_a_driver_failure);
  tcase_add_test (tc, test_unknown_workload_is_a_plain_failure);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
