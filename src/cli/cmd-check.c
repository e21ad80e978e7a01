/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-check.c — `launchscope-cli check`: integrity, schema and row-level sanity of a report,
 * every finding listed.
 */
#include <getopt.h>
#include <string.h>

#include "lsc-cli.h"
#include "lsc-report.h"

#define CMD "check"

static void
print_help (void)
{
  printf ("Usage: %s %s [OPTIONS] REPORT.lsdb\n"
          "\n"
          "Check a report thoroughly and list every finding: SQLite's integrity_check, the file's\n"
          "identity (application_id, schema version), every table and column with its type,\n"
          "objects a recorder never writes (triggers, altered views), and row-level sanity:\n"
          "references between tables, enum ranges, value types, spec key uniqueness, counts.\n"
          "Notes (a session without a stop time, dropped rows) are shown but are not problems.\n"
          "Every finding, a file that cannot be read included, goes to standard output as\n"
          "'REPORT: problem: ...' or 'REPORT: note: ...', then the verdict.\n"
          "\n"
          "Options:\n"
          "  -q, --quiet   print only problems and the verdict\n"
          "  -h, --help    show this help and exit\n"
          "\n"
          "Exit status: 0 the report is sound, 1 problems found (or the file cannot be read),\n"
          "2 usage error.\n",
          LSC_CLI_NAME, CMD);
}

typedef struct {
  const char *path;
  bool quiet;
} check_ctx;

static void
on_finding (bool problem, const char *message, void *user_data)
{
  const check_ctx *ctx = user_data;
  if (!problem && ctx->quiet)
    return;
  printf ("%s: %s: %s\n", ctx->path, problem ? "problem" : "note", message);
}

int
lsc_cmd_check (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  check_ctx ctx = { NULL, false };
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":qh", longopts, NULL)) != -1)
    switch (c)
      {
      case 'q': ctx.quiet = true; break;
      case 'h': print_help (); return LSC_EXIT_OK;
      default: return lsc_cli_bad_option (CMD, c, argv);
      }
  if (optind >= argc)
    return lsc_cli_usage_error (CMD, "no report file given");
  if (argc - optind > 1)
    return lsc_cli_usage_error (CMD, "one report at a time (got '%s' and '%s')", argv[optind], argv[optind + 1]);
  ctx.path = argv[optind];

  lsc_error error;
  int problems = lsc_report_check (ctx.path, on_finding, &ctx, &error);
  /* A file that cannot be examined at all (missing, unreadable) is reported where and as every
   * other problem is, so that one reader of standard output sees them all. */
  if (problems < 0)
    {
      on_finding (true, error.message, &ctx);
      problems = 1;
    }
  if (problems == 0)
    printf ("%s: OK\n", ctx.path);
  else
    printf ("%s: %d problem%s\n", ctx.path, problems, problems == 1 ? "" : "s");
  if (fflush (stdout) != 0)
    {
      fprintf (stderr, "%s %s: cannot write standard output\n", LSC_CLI_NAME, CMD);
      return LSC_EXIT_RUNTIME;
    }
  return problems == 0 ? LSC_EXIT_OK : LSC_EXIT_RUNTIME;
}
