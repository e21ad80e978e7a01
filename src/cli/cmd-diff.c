/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-diff.c — `launchscope-cli diff A.lsdb B.lsdb`: did launches get faster from A to B?
 *
 * Both reports are untrusted input, opened and verified as `report` opens one; the comparison
 * (matching, block bootstrap, verdicts) is liblaunchscope's (lsc-report-diff.h).  The two
 * reports are opened in parallel: their integrity checks are most of a large diff's time.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-cli.h"
#include "lsc-report-diff.h"

#define CMD "diff"

static void
print_help (void)
{
  printf ("Usage: %s %s [OPTIONS] A.lsdb B.lsdb\n"
          "\n"
          "Compare two reports: did launches get faster from A to B?  Rows are matched per path\n"
          "(fast, baseline, raw, graph), kernel (by name), spec (by decoded key, within its\n"
          "kernel), baseline stage and, for reports of several processes, process (by RANK, then\n"
          "command line, then order).  Each row shows both sides' launch counts and metric, the\n"
          "difference B - A in ns and %%, its confidence interval (Bonferroni-corrected over the\n"
          "rows) and a verdict: faster or slower when the interval excludes 0 and the difference\n"
          "exceeds both noise floors, else no significant change; too few launches when a side\n"
          "has fewer than %d.  Rows in one report only are listed as such.\n"
          "\n"
          "Separate runs of one program scatter more than launches within a run, so record\n"
          "several sessions of each side (record --append adds one): with %d or more a side,\n"
          "a row's interval is over its sessions (Welch's, on each session's metric); with\n"
          "fewer, it is a block bootstrap over consecutive launches, and the comparison warns\n"
          "that it cannot see the scatter between runs.  Session facts that differ (GPU, driver,\n"
          "CUPTI mode, settings, the in-session floor, ...) are listed; a different GPU, driver,\n"
          "CUPTI mode or workload, or a floor that moved, makes the comparison doubtful, and it\n"
          "says so.\n"
          "\n"
          "Options:\n"
          "      --metric M           p50 (default), p90, p99 or mean of host ns per launch\n"
          "      --noise-ns NS        smallest difference that counts, in ns (default %g)\n"
          "      --noise-pct PCT      smallest difference that counts, in %% (default %g)\n"
          "      --session-a N        compare only session N of A (default: all its sessions)\n"
          "      --session-b N        compare only session N of B\n"
          "      --fail-if-slower PCT exit 4 when a row is significantly slower by more than PCT %%\n"
          "      --json               print the comparison as one JSON object\n"
          "      --csv                print the rows as CSV\n"
          "  -h, --help               show this help and exit\n"
          "\n"
          "Exit status: 0 ok (whatever the verdicts, without --fail-if-slower), 1 a report cannot\n"
          "be read (not a report, newer schema, corrupt, no such session; the message names the\n"
          "file), 2 usage error, 4 a row is significantly slower by more than --fail-if-slower.\n",
          LSC_CLI_NAME, CMD, LSC_DIFF_MIN_LAUNCHES, LSC_DIFF_MIN_SESSIONS, LSC_DIFF_DEFAULT_NOISE_NS,
          LSC_DIFF_DEFAULT_NOISE_PCT);
}

static bool
parse_amount (const char *option, const char *text, double *out)
{
  char *end = NULL;
  errno = 0;
  double v = strtod (text, &end);
  if (errno || !end || end == text || *end != '\0' || !(v >= 0 && v <= 1e9))
    {
      lsc_cli_usage_error (CMD, "%s wants a number from 0 to 1000000000 (e.g. 2.5), got '%s'", option, text);
      return false;
    }
  *out = v;
  return true;
}

typedef struct {
  const char *path;
  lsc_report *report;
  lsc_error error;
} opening;

static void *
open_report (void *data)
{
  opening *o = data;
  o->report = lsc_report_open (o->path, LSC_REPORT_OPEN_DEFAULT, &o->error);
  return NULL;
}

int
lsc_cmd_diff (int argc, char **argv)
{
  enum { OPT_METRIC = 256, OPT_NOISE_NS, OPT_NOISE_PCT, OPT_SESSION_A, OPT_SESSION_B, OPT_FAIL, OPT_JSON, OPT_CSV };
  static const struct option longopts[] = {
    { "metric", required_argument, NULL, OPT_METRIC },
    { "noise-ns", required_argument, NULL, OPT_NOISE_NS },
    { "noise-pct", required_argument, NULL, OPT_NOISE_PCT },
    { "session-a", required_argument, NULL, OPT_SESSION_A },
    { "session-b", required_argument, NULL, OPT_SESSION_B },
    { "fail-if-slower", required_argument, NULL, OPT_FAIL },
    { "json", no_argument, NULL, OPT_JSON },
    { "csv", no_argument, NULL, OPT_CSV },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  lsc_diff_options options;
  lsc_diff_options_init (&options);
  bool json = false, csv = false, fail_if_slower = false;
  double fail_pct = 0;
  long session;
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":h", longopts, NULL)) != -1)
    switch (c)
      {
      case OPT_METRIC:
        if (!lsc_diff_metric_parse (optarg, &options.metric))
          return lsc_cli_usage_error (CMD, "--metric wants p50, p90, p99 or mean, got '%s'", optarg);
        break;
      case OPT_NOISE_NS:
        if (!parse_amount ("--noise-ns", optarg, &options.noise_ns))
          return LSC_EXIT_USAGE;
        break;
      case OPT_NOISE_PCT:
        if (!parse_amount ("--noise-pct", optarg, &options.noise_pct))
          return LSC_EXIT_USAGE;
        break;
      case OPT_SESSION_A:
      case OPT_SESSION_B:
        if (!lsc_cli_parse_long (CMD, c == OPT_SESSION_A ? "--session-a" : "--session-b", optarg, 0, LONG_MAX,
                                 &session))
          return LSC_EXIT_USAGE;
        if (c == OPT_SESSION_A)
          options.has_session_a = true, options.session_a = session;
        else
          options.has_session_b = true, options.session_b = session;
        break;
      case OPT_FAIL:
        if (!parse_amount ("--fail-if-slower", optarg, &fail_pct))
          return LSC_EXIT_USAGE;
        fail_if_slower = true;
        break;
      case OPT_JSON: json = true; break;
      case OPT_CSV: csv = true; break;
      case 'h': print_help (); return LSC_EXIT_OK;
      default: return lsc_cli_bad_option (CMD, c, argv);
      }
  if (json && csv)
    return lsc_cli_usage_error (CMD, "--json and --csv exclude each other: give one");
  if (argc - optind < 2)
    return lsc_cli_usage_error (CMD, argc - optind ? "one report given: compare two (A.lsdb B.lsdb)"
                                                   : "no reports given: compare two (A.lsdb B.lsdb)");
  if (argc - optind > 2)
    return lsc_cli_usage_error (CMD, "two reports at a time (got a third, '%s')", argv[optind + 2]);

  opening open[2] = { { .path = argv[optind] }, { .path = argv[optind + 1] } };
  pthread_t thread;
  bool threaded = pthread_create (&thread, NULL, open_report, &open[1]) == 0;
  open_report (&open[0]);
  if (threaded)
    pthread_join (thread, NULL);
  else
    open_report (&open[1]);
  int rc = LSC_EXIT_OK;
  for (int i = 0; i < 2; i++)
    if (!open[i].report)
      {
        fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, open[i].error.message);
        rc = LSC_EXIT_RUNTIME;
      }
    else if (lsc_report_warning (open[i].report))
      fprintf (stderr, "%s %s: warning: %s\n", LSC_CLI_NAME, CMD, lsc_report_warning (open[i].report));
  lsc_report_diff *diff = NULL;
  lsc_error error;
  if (rc == LSC_EXIT_OK)
    {
      diff = lsc_report_diff_compute (open[0].report, open[1].report, &options, &error);
      int written = !diff   ? -1
                    : json  ? lsc_report_diff_write_json (diff, stdout, "standard output", &error)
                    : csv   ? lsc_report_diff_write_csv (diff, stdout, "standard output", &error)
                            : lsc_report_diff_write_text (diff, stdout, "standard output", &error);
      if (written != 0)
        {
          fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, error.message);
          rc = LSC_EXIT_RUNTIME;
        }
      else if (fail_if_slower && lsc_report_diff_slower_than (diff, fail_pct))
        {
          fprintf (stderr, "%s %s: B is significantly slower than A by more than %g%% (--fail-if-slower)\n",
                   LSC_CLI_NAME, CMD, fail_pct);
          rc = LSC_EXIT_SLOWER;
        }
    }
  lsc_report_diff_free (diff);
  lsc_report_free (open[0].report);
  lsc_report_free (open[1].report);
  return rc;
}
