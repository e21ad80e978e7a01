/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fuzz-report.c — libFuzzer target: reading an untrusted report (.lsdb).
 *
 * Input: the bytes of a file.  It is written to a private directory (no -wal, -shm or -journal
 * left from the previous input) and then opened with lsc_report_open() (quick_check included),
 * summarized, written as JSON and text, its launches and the timeline's API and kernel spans
 * read in one pass each, exported (JSON summary, trace, Nsight Systems SQLite,
 * CSV) into the same directory, compared with itself (diff), and checked
 * with lsc_report_check(), the code behind `launchscope-cli check`.  Seeds: valid reports and
 * hostile SQLite files (tests/fuzz/make-corpus.py).  Checks: each call succeeds or fails with an
 * error code and a message naming the file; a report that opens summarizes or says why not;
 * check returns a count of problems or -1 with an error, and the number of problems equals the
 * findings it reported as problems.  Memory errors, leaks, undefined behaviour and hangs (the
 * fuzzer's -timeout) are what libFuzzer and the sanitizers catch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lsc-export.h"
#include "lsc-report-diff.h"
#include "lsc-report-rows.h"
#include "lsc-report.h"

#define FUZZ_NAME "fuzz-report"
#include "fuzz-check.h"

static char dir[256], path[300], trace[300], nsys[300], csv[300];
static FILE *devnull;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
cleanup (void)
{
  static const char *const sides[] = { "", "-wal", "-shm", "-journal" };
  char p[400];
  for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++)
    {
      snprintf (p, sizeof p, "%s%s", path, sides[i]);
      unlink (p);
    }
  unlink (trace);
  unlink (nsys);
  static const char *const tables[] = { "session", "kernel", "spec", "launch", "event", "gpu_activity" };
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
    {
      snprintf (p, sizeof p, "%s/%s.csv", csv, tables[i]);
      unlink (p);
    }
  rmdir (csv);
}

static void
remove_dir (void)
{
  cleanup ();
  rmdir (dir);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  const char *tmp = getenv ("TMPDIR");
  snprintf (dir, sizeof dir, "%s/fuzz-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp (dir))
    abort ();
  snprintf (path, sizeof path, "%s/input.lsdb", dir);
  snprintf (trace, sizeof trace, "%s/trace.json", dir);
  snprintf (nsys, sizeof nsys, "%s/nsys.sqlite", dir);
  snprintf (csv, sizeof csv, "%s/csv", dir);
  atexit (remove_dir);
  devnull = fopen ("/dev/null", "w");
  return 0;
}

typedef struct {
  int problems;
} findings;

static void
on_finding (bool problem, const char *message, void *user_data)
{
  findings *f = user_data;
  CHECK (message && *message, "an empty finding");
  f->problems += problem;
}

static bool
count_launch (const lsc_launch_row *row, void *data)
{
  (void) row;
  ++*(size_t *) data;
  return true;
}

static bool
count_span (const lsc_span_row *row, void *data)
{
  CHECK (row->duration_ns >= 0, "a span of negative length");
  CHECK (row->name == NULL || strlen (row->name) <= row->name_len, "a span name longer than its length");
  ++*(size_t *) data;
  return true;
}

static void
check_error (const lsc_error *e, const char *what)
{
  CHECK (e->code != LSC_ERROR_NONE, "%s failed without an error code", what);
  CHECK (strstr (e->message, path) != NULL, "%s: the message does not name the file: %s", what, e->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > (1u << 20))
    return 0;
  cleanup ();
  FILE *f = fopen (path, "wb");
  CHECK (f && fwrite (data, 1, size, f) == size && fclose (f) == 0, "writing the input");

  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  if (!r)
    check_error (&e, "lsc_report_open");
  else
    {
      lsc_report_summary *sum = lsc_report_summarize (r, &e);
      if (!sum)
        check_error (&e, "lsc_report_summarize");
      else
        {
          lsc_report_summary_write_json (sum, devnull, "/dev/null", &e);
          lsc_report_summary_write_text (sum, devnull, "/dev/null", &e);
          lsc_report_summary_free (sum);
        }
      size_t rows = 0;
      int64_t session_id, start_ns;
      if (lsc_report_scan_launches (r, count_launch, &rows, &e) != 0)
        check_error (&e, "lsc_report_scan_launches");
      if (lsc_report_first_session (r, &session_id, &start_ns, &e))
        {
          if (lsc_report_scan_spans (r, session_id, LSC_SPAN_API, count_span, &rows, &e) != 0)
            check_error (&e, "lsc_report_scan_spans (API)");
          if (lsc_report_scan_spans (r, session_id, LSC_SPAN_KERNEL, count_span, &rows, &e) != 0)
            check_error (&e, "lsc_report_scan_spans (kernels)");
        }
      if (lsc_export_json (r, devnull, "/dev/null", &e) != 0)
        check_error (&e, "lsc_export_json");
      if (lsc_export_trace_json (r, trace, true, &e) != 0)
        CHECK (e.code != LSC_ERROR_NONE, "lsc_export_trace_json failed without an error code");
      if (lsc_export_nsys_sqlite (r, nsys, true, &e) != 0)
        CHECK (e.code != LSC_ERROR_NONE, "lsc_export_nsys_sqlite failed without an error code");
      if (lsc_export_csv (r, csv, true, &e) != 0)
        CHECK (e.code != LSC_ERROR_NONE, "lsc_export_csv failed without an error code");
      /* Compared with itself through a second handle, as `diff` compares two files. */
      lsc_report *r2 = lsc_report_open (path, LSC_REPORT_OPEN_NO_QUICK_CHECK, &e);
      if (r2)
        {
          lsc_report_diff *d = lsc_report_diff_compute (r, r2, NULL, &e);
          if (!d)
            check_error (&e, "lsc_report_diff_compute");
          else
            {
              lsc_report_diff_write_text (d, devnull, "/dev/null", &e);
              lsc_report_diff_write_json (d, devnull, "/dev/null", &e);
              lsc_report_diff_write_csv (d, devnull, "/dev/null", &e);
              lsc_report_diff_free (d);
            }
          lsc_report_free (r2);
        }
      lsc_report_free (r);
    }

  findings fd = { 0 };
  int problems = lsc_report_check (path, on_finding, &fd, &e);
  if (problems < 0)
    check_error (&e, "lsc_report_check");
  else
    CHECK (problems == fd.problems, "check returned %d but reported %d problems", problems, fd.problems);
  return 0;
}
