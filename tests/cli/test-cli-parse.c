/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-cli-parse.c — launchscope-cli's parsers of untrusted text (src/cli/lsc-cli-parse.c),
 * case by case: record's toggles, workload lists and whole command line, with the usage message
 * each refusal prints.  tests/fuzz/fuzz-cli.c feeds the same functions random input.
 */
#include <check.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsc-cli-parse.h"
#include "lsc-floor.h"

/* stderr of the last call, captured. */
static char captured[4096];
static FILE *capture_file;
static int saved_stderr = -1;

static void
capture_begin (void)
{
  fflush (stderr);
  capture_file = tmpfile ();
  ck_assert_ptr_nonnull (capture_file);
  saved_stderr = dup (STDERR_FILENO);
  dup2 (fileno (capture_file), STDERR_FILENO);
}

static void
capture_end (void)
{
  fflush (stderr);
  dup2 (saved_stderr, STDERR_FILENO);
  close (saved_stderr);
  rewind (capture_file);
  size_t n = fread (captured, 1, sizeof captured - 1, capture_file);
  captured[n] = '\0';
  fclose (capture_file);
}

#define ASSERT_SAID(text) ck_assert_msg (strstr (captured, (text)) != NULL, "stderr lacks \"%s\": %s", (text), captured)

static bool
toggle (const char *text, lsc_toggle *t)
{
  capture_begin ();
  bool ok = lsc_cli_parse_toggle ("record", text, t);
  capture_end ();
  return ok;
}

START_TEST (test_toggles)
{
  lsc_toggle t;
  static const struct {
    const char *text;
    lsc_toggle_kind kind;
    long at;
  } good[] = {
    { "debug@5000", LSC_TOGGLE_DEBUG, 5000 },       { "offset@0", LSC_TOGGLE_OFFSET, 0 },
    { "skip@15000", LSC_TOGGLE_SKIP, 15000 },       { "timing@7", LSC_TOGGLE_TIMING, 7 },
    { "lineinfo@1000000000", LSC_TOGGLE_LINEINFO, 1000000000 }, { "default@1", LSC_TOGGLE_DEFAULT_PATH, 1 },
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    {
      ck_assert_msg (toggle (good[i].text, &t), "%s: %s", good[i].text, captured);
      ck_assert_int_eq (t.kind, good[i].kind);
      ck_assert_int_eq (t.at, good[i].at);
      ck_assert_str_eq (captured, "");
    }
  ck_assert (!toggle ("debug", &t));
  ASSERT_SAID ("--toggle wants NAME@LAUNCH (e.g. debug@5000), got 'debug'");
  ASSERT_SAID ("Try 'launchscope-cli record --help'.");
  ck_assert (!toggle ("debu@5", &t));
  ASSERT_SAID ("unknown toggle 'debu' in 'debu@5'");
  ck_assert (!toggle ("@5", &t));
  ASSERT_SAID ("unknown toggle '' in '@5'");
  ck_assert (!toggle ("debugx@5", &t));
  ck_assert (!toggle ("debug@-1", &t));
  ASSERT_SAID ("--toggle's launch count wants an integer from 0 to 1000000000, got '-1'");
  ck_assert (!toggle ("debug@1000000001", &t));
  ck_assert (!toggle ("debug@5x", &t));
  ck_assert (!toggle ("debug@", &t));
  ck_assert (!toggle ("debug@99999999999999999999999", &t));
}
END_TEST

static int
workloads (const char *list, lsc_workload_spec *w)
{
  capture_begin ();
  int n = lsc_cli_parse_workloads ("record", list, w);
  capture_end ();
  return n;
}

START_TEST (test_workloads)
{
  lsc_workload_spec w[LSC_CLI_MAX_WORKLOADS];
  ck_assert_int_eq (workloads ("add8", w), 1);
  ck_assert_str_eq (w[0].name, "add8");
  ck_assert_uint_eq (w[0].n_ptrs, 8);
  ck_assert_int_eq (workloads ("add8,empty,add2,add32", w), 4);
  ck_assert_uint_eq (w[1].n_ptrs, 0);
  ck_assert_str_eq (w[1].name, "empty");
  ck_assert_uint_eq (w[2].n_ptrs, 2);
  ck_assert_uint_eq (w[3].n_ptrs, 32);
  ck_assert_int_eq (workloads ("add4,", w), 1); /* a trailing comma is allowed */
  ck_assert_int_eq (workloads ("add2,add2,add2,add2,add2,add2,add2,add2", w), 8);

  ck_assert_int_eq (workloads ("add2,add2,add2,add2,add2,add2,add2,add2,add2", w), -1);
  ASSERT_SAID ("at most 8 workloads");
  ck_assert_int_eq (workloads ("", w), -1);
  ASSERT_SAID ("--workload is empty");
  ck_assert_int_eq (workloads ("add1", w), -1);
  ASSERT_SAID ("unknown workload 'add1' (add2 .. add32, or empty)");
  ck_assert_int_eq (workloads ("add33", w), -1);
  ck_assert_int_eq (workloads ("add", w), -1);
  ck_assert_int_eq (workloads ("add8x", w), -1);
  ck_assert_int_eq (workloads ("emptyx", w), -1);
  ck_assert_int_eq (workloads ("add8,,add4", w), -1);
  ASSERT_SAID ("unknown workload ''");
  ck_assert_int_eq (workloads ("add0000000000000008", w), -1); /* 15 characters or more: refused */
  ck_assert_int_eq (workloads ("mul8", w), -1);
}
END_TEST

static int
record_args (lsc_record_args *a, ...)
{
  char *argv[200] = { (char *) "record" };
  int argc = 1;
  va_list ap;
  va_start (ap, a);
  for (const char *s; (s = va_arg (ap, const char *)) != NULL && argc < 199;)
    argv[argc++] = (char *) s;
  va_end (ap);
  argv[argc] = NULL;
  optind = 0;
  capture_begin ();
  int rc = lsc_cli_parse_record_args (argc, argv, a);
  capture_end ();
  return rc;
}

START_TEST (test_record_args)
{
  lsc_record_args a;
  ck_assert_int_eq (record_args (&a, "-o", "r.lsdb", NULL), LSC_EXIT_OK);
  ck_assert (!a.help);
  ck_assert_str_eq (a.output, "r.lsdb");
  ck_assert_str_eq (a.workload, "add8");
  ck_assert_int_eq (a.iters, 20000);
  ck_assert_int_eq (a.n, 4096);
  ck_assert_int_eq (a.device, 0);
  ck_assert_int_eq (a.ring, 65536);
  ck_assert_int_eq (a.floor_every, LSC_FLOOR_EVERY);
  ck_assert_int_eq (a.cupti, LSC_CUPTI_CALLBACKS);
  ck_assert (!a.force);
  ck_assert_uint_eq (a.n_toggles, 0);
  ck_assert_uint_eq (a.n_workloads, 1);

  ck_assert_int_eq (record_args (&a, "--output=x.lsdb", "-w", "add4,add16,empty", "-i", "77", "--n", "33", "-d", "2",
                                 "--ring", "64", "--floor-every", "0", "--cupti", "off", "--cupti-lib", "/l.so", "-t",
                                 "skip@9", "--toggle", "debug@3", "--toggle=offset@3", "-f", "-q", NULL),
                    LSC_EXIT_OK);
  ck_assert_str_eq (a.output, "x.lsdb");
  ck_assert_int_eq (a.iters, 77);
  ck_assert_int_eq (a.n, 33);
  ck_assert_int_eq (a.device, 2);
  ck_assert_int_eq (a.ring, 64);
  ck_assert_int_eq (a.floor_every, 0);
  ck_assert_int_eq (a.cupti, LSC_CUPTI_OFF);
  ck_assert_str_eq (a.cupti_lib, "/l.so");
  ck_assert (a.force && a.quiet);
  ck_assert_uint_eq (a.n_workloads, 3);
  ck_assert_uint_eq (a.n_toggles, 3); /* sorted by launch */
  ck_assert_int_eq (a.toggles[0].at, 3);
  ck_assert_int_eq (a.toggles[1].at, 3);
  ck_assert_int_eq (a.toggles[2].kind, LSC_TOGGLE_SKIP);
  ck_assert_int_eq (record_args (&a, "-o", "r", "--cupti", "activity", NULL), LSC_EXIT_OK);
  ck_assert_int_eq (a.cupti, LSC_CUPTI_ACTIVITY);

  /* -h wins over what follows it, not over an error before it. */
  ck_assert_int_eq (record_args (&a, "-h", "--bogus", NULL), LSC_EXIT_OK);
  ck_assert (a.help);
  ck_assert_int_eq (record_args (&a, "-i", "0", "-h", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("--iters wants an integer from 1 to 1000000000, got '0'");

  ck_assert_int_eq (record_args (&a, NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("no report file given (-o REPORT.lsdb)");
  ck_assert_int_eq (record_args (&a, "-o", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("option '-o' needs a value");
  ck_assert_int_eq (record_args (&a, "--bogus", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("unknown option '--bogus'");
  /* A flag given a value is known: it is the value that is wrong. */
  ck_assert_int_eq (record_args (&a, "-o", "r", "--force=1", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("option '--force' takes no value (got '--force=1')");
  ck_assert_int_eq (record_args (&a, "-o", "r", "--quiet=", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("option '--quiet' takes no value (got '--quiet=')");
  ck_assert_int_eq (record_args (&a, "-o", "r", "--bogus=1", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("unknown option '--bogus=1'");
  ck_assert_int_eq (record_args (&a, "-x", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("unknown option '-x'");
  ck_assert_int_eq (record_args (&a, "-o", "r", "extra", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("unexpected argument 'extra'");
  ck_assert_int_eq (record_args (&a, "-o", "r", "--ring", "63", NULL), LSC_EXIT_USAGE);
  ck_assert_int_eq (record_args (&a, "-o", "r", "-n", "268435457", NULL), LSC_EXIT_USAGE);
  ck_assert_int_eq (record_args (&a, "-o", "r", "-d", "1025", NULL), LSC_EXIT_USAGE);
  ck_assert_int_eq (record_args (&a, "-o", "r", "--floor-every", "1000000001", NULL), LSC_EXIT_USAGE);
  ck_assert_int_eq (record_args (&a, "-o", "r", "--cupti", "sometimes", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("--cupti wants off, callbacks or activity, got 'sometimes'");
  ck_assert_int_eq (record_args (&a, "-o", "r", "-w", "add99", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("unknown workload 'add99'");
  ck_assert_int_eq (record_args (&a, "-o", "r", "-t", "nope@1", NULL), LSC_EXIT_USAGE);
  ck_assert_int_eq (record_args (&a, "-o", "r", "--append", NULL), LSC_EXIT_OK);
  ck_assert (a.append);
  ck_assert_int_eq (record_args (&a, "-o", "r", "--append", "--force", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("--append adds a session to the report and --force replaces it");
  ck_assert_int_eq (record_args (&a, "-o", "r", "--append", "--", "prog", NULL), LSC_EXIT_USAGE);
  ASSERT_SAID ("--append adds a built-in workload's session");

  /* 64 toggles fit; the 65th is refused. */
  char *argv[200] = { (char *) "record", (char *) "-o", (char *) "r" };
  int argc = 3;
  for (int i = 0; i < 65; i++)
    {
      argv[argc++] = (char *) "-t";
      argv[argc++] = (char *) "skip@1";
    }
  optind = 0;
  capture_begin ();
  int rc = lsc_cli_parse_record_args (argc - 2, argv, &a);
  capture_end ();
  ck_assert_int_eq (rc, LSC_EXIT_OK);
  ck_assert_uint_eq (a.n_toggles, 64);
  optind = 0;
  capture_begin ();
  rc = lsc_cli_parse_record_args (argc, argv, &a);
  capture_end ();
  ck_assert_int_eq (rc, LSC_EXIT_USAGE);
  ASSERT_SAID ("at most 64 toggles");
}
END_TEST

START_TEST (test_parse_long)
{
  long v = -1;
  capture_begin ();
  ck_assert (lsc_cli_parse_long ("x", "--n", "42", 0, 100, &v));
  ck_assert_int_eq (v, 42);
  ck_assert (lsc_cli_parse_long ("x", "--n", "-7", -10, 0, &v));
  ck_assert_int_eq (v, -7);
  ck_assert (!lsc_cli_parse_long ("x", "--n", "", 0, 100, &v));
  ck_assert (!lsc_cli_parse_long ("x", "--n", "101", 0, 100, &v));
  ck_assert (!lsc_cli_parse_long ("x", "--n", "4 2", 0, 100, &v));
  ck_assert (!lsc_cli_parse_long ("x", "--n", "0x10", 0, 100, &v));
  ck_assert (!lsc_cli_parse_long ("x", "--n", "9223372036854775808", 0, 100, &v));
  capture_end ();
  ck_assert_int_eq (v, -7); /* untouched by refusals */
  ASSERT_SAID ("launchscope-cli x: --n wants an integer from 0 to 100, got '101'");
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("cli-parse");
  TCase *tc = tcase_create ("parse");
  tcase_add_test (tc, test_toggles);
  tcase_add_test (tc, test_workloads);
  tcase_add_test (tc, test_record_args);
  tcase_add_test (tc, test_parse_long);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
