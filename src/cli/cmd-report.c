/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-report.c — `launchscope-cli report`: the summary of a report, per path and per spec.
 *
 * The report is untrusted input: lsc_report_open verifies it (hardened, read-only) and every
 * number shown is computed from its base tables, never from views it carries.
 */
#include <getopt.h>
#include <string.h>

#include "lsc-cli.h"
#include "lsc-report.h"

#define CMD "report"

static void
print_help (void)
{
  printf ("Usage: %s %s [OPTIONS] REPORT.lsdb\n"
          "\n"
          "Summarize a report: per path (fast, default, raw, graph) the launch count, errors,\n"
          "nearest-rank p50/p90/p99 and max of host ns (successful launches), hits, misses and\n"
          "fallbacks by reason; per spec its kernel, decoded key, launches, p50, hits, misses (the\n"
          "compiles needed), waits (launches that raced on the new spec and waited for its compile)\n"
          "and compile time; the session's host, GPU, driver, CUPTI mode, dropped rows and observer\n"
          "overhead.  A report still being written, or left by a crashed recorder, can be read.\n"
          "\n"
          "Options:\n"
          "      --json    print the summary as one JSON object instead\n"
          "  -h, --help    show this help and exit\n"
          "\n"
          "Exit status: 0 ok, 1 the report cannot be read (not a report, newer schema, corrupt;\n"
          "the message names the file), 2 usage error.\n",
          LSC_CLI_NAME, CMD);
}

int
lsc_cmd_report (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "json", no_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool json = false;
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":h", longopts, NULL)) != -1)
    switch (c)
      {
      case 'j': json = true; break;
      case 'h': print_help (); return LSC_EXIT_OK;
      default: return lsc_cli_bad_option (CMD, c, argv);
      }
  if (optind >= argc)
    return lsc_cli_usage_error (CMD, "no report file given");
  if (argc - optind > 1)
    return lsc_cli_usage_error (CMD, "one report at a time (got '%s' and '%s')", argv[optind], argv[optind + 1]);
  const char *path = argv[optind];

  lsc_error error;
  lsc_report *report = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &error);
  if (!report)
    {
      fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, error.message);
      return LSC_EXIT_RUNTIME;
    }
  if (lsc_report_warning (report))
    fprintf (stderr, "%s %s: warning: %s\n", LSC_CLI_NAME, CMD, lsc_report_warning (report));
  lsc_report_summary *summary = lsc_report_summarize (report, &error);
  int rc = LSC_EXIT_OK;
  if (!summary)
    rc = LSC_EXIT_RUNTIME;
  else if ((json ? lsc_report_summary_write_json (summary, stdout, "standard output", &error)
                 : lsc_report_summary_write_text (summary, stdout, "standard output", &error)) != 0)
    rc = LSC_EXIT_RUNTIME;
  if (rc != LSC_EXIT_OK)
    fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, error.message);
  lsc_report_summary_free (summary);
  lsc_report_free (report);
  return rc;
}
