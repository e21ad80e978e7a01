/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-export.c — `launchscope-cli export`: a report as CSV, an SQLite copy, JSON, an Nsight
 * Systems-shaped SQLite file or a Chrome/Perfetto trace.
 *
 * Each file is written under a temporary name and renamed into place when complete: a failed
 * export (disk full) leaves nothing under the name asked for.
 */
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "lsc-cli.h"
#include "lsc-export.h"

#define CMD "export"
#define MAX_TARGETS 16

/* The signal that interrupted the export, 0 if none: the export then stops and removes its
 * temporary file, and the command ends as the signal would have ended it. */
static volatile sig_atomic_t interrupt_signal;

static void
on_interrupt (int sig)
{
  interrupt_signal = sig;
}

typedef enum { TARGET_CSV, TARGET_SQLITE, TARGET_JSON, TARGET_NSYS, TARGET_TRACE } target_kind;

/* What each target's option is called and wants, for usage errors: argv cannot say which
 * option an empty value belongs to. */
static const char *const target_usage[] = {
  [TARGET_CSV] = "--csv wants a directory name",
  [TARGET_SQLITE] = "--sqlite wants a file name",
  [TARGET_NSYS] = "--nsys-sqlite wants a file name",
  [TARGET_TRACE] = "--trace-json wants a file name",
};

typedef struct {
  target_kind kind;
  const char *dest;
} target;

static void
print_help (void)
{
  printf ("Usage: %s %s REPORT.lsdb TARGET... [--force]\n"
          "\n"
          "Export a report.  TARGET is one or more of:\n"
          "      --csv DIR            one RFC 4180 CSV per table (session, kernel, spec, launch,\n"
          "                           event, gpu_activity, and api_call where the report has it)\n"
          "                           with a header row; DIR is created\n"
          "      --sqlite FILE        a consistent, compacted copy of the report (VACUUM INTO)\n"
          "      --json               the summary (as `report --json`) on standard output\n"
          "      --nsys-sqlite FILE   the tables of an Nsight Systems SQLite export that SQL users\n"
          "                           query (StringIds, CUPTI_ACTIVITY_KIND_RUNTIME and _KERNEL,\n"
          "                           TARGET_INFO_GPU, TARGET_INFO_SESSION_START_TIME,\n"
          "                           ENUM_NSYS_EVENT_CLASS, META_DATA_EXPORT, PROCESSES) with nsys's\n"
          "                           names, order and ns units, plus FL_SESSION, FL_SPEC, FL_LAUNCH\n"
          "                           and FL_RAW_FLOOR, joinable by correlationId\n"
          "      --trace-json FILE    Chrome Trace Event Format for Perfetto or chrome://tracing:\n"
          "                           launch spans per thread, kernel spans per stream, toggles and\n"
          "                           fallbacks as instant events\n"
          "\n"
          "Options:\n"
          "  -f, --force   replace existing files (otherwise an existing file is an error)\n"
          "  -h, --help    show this help and exit\n"
          "\n"
          "Only regular files are replaced: a FIFO, device or socket in a target's place is\n"
          "refused, even with --force.  SIGINT, SIGTERM or SIGHUP stop an export and leave\n"
          "nothing under its name.\n"
          "\n"
          "Exit status: 0 ok, 1 the report cannot be read or an export failed (the message names\n"
          "the file; nothing is left under a failed export's name), 2 usage error.\n",
          LSC_CLI_NAME, CMD);
}

int
lsc_cmd_export (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "csv", required_argument, NULL, 'c' },   { "sqlite", required_argument, NULL, 's' },
    { "json", no_argument, NULL, 'j' },        { "nsys-sqlite", required_argument, NULL, 'n' },
    { "trace-json", required_argument, NULL, 't' }, { "force", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
  };
  target targets[MAX_TARGETS];
  size_t n_targets = 0;
  bool force = false;
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":fh", longopts, NULL)) != -1)
    {
      target t = { TARGET_JSON, NULL };
      switch (c)
        {
        case 'c': t = (target) { TARGET_CSV, optarg }; break;
        case 's': t = (target) { TARGET_SQLITE, optarg }; break;
        case 'j': t = (target) { TARGET_JSON, NULL }; break;
        case 'n': t = (target) { TARGET_NSYS, optarg }; break;
        case 't': t = (target) { TARGET_TRACE, optarg }; break;
        case 'f': force = true; continue;
        case 'h': print_help (); return LSC_EXIT_OK;
        default: return lsc_cli_bad_option (CMD, c, argv);
        }
      if (t.dest && !*t.dest)
        return lsc_cli_usage_error (CMD, "%s, got ''", target_usage[t.kind]);
      if (n_targets == MAX_TARGETS)
        return lsc_cli_usage_error (CMD, "at most %d targets at once", MAX_TARGETS);
      targets[n_targets++] = t;
    }
  if (optind >= argc)
    return lsc_cli_usage_error (CMD, "no report file given");
  if (argc - optind > 1)
    return lsc_cli_usage_error (CMD, "one report at a time (got '%s' and '%s')", argv[optind], argv[optind + 1]);
  if (n_targets == 0)
    return lsc_cli_usage_error (CMD, "nothing to export: give --csv DIR, --sqlite FILE, --json, --nsys-sqlite FILE "
                                     "or --trace-json FILE");
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
  struct sigaction sa = { .sa_handler = on_interrupt };
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  lsc_report_set_interrupt (report, &interrupt_signal);
  int rc = LSC_EXIT_OK;
  for (size_t i = 0; i < n_targets && rc == LSC_EXIT_OK; i++)
    {
      int r;
      switch (targets[i].kind)
        {
        case TARGET_CSV: r = lsc_export_csv (report, targets[i].dest, force, &error); break;
        case TARGET_SQLITE: r = lsc_export_sqlite (report, targets[i].dest, force, &error); break;
        case TARGET_NSYS: r = lsc_export_nsys_sqlite (report, targets[i].dest, force, &error); break;
        case TARGET_TRACE: r = lsc_export_trace_json (report, targets[i].dest, force, &error); break;
        case TARGET_JSON:
        default: r = lsc_export_json (report, stdout, "standard output", &error); break;
        }
      if (r != 0 && interrupt_signal)
        {
          fprintf (stderr, "%s %s: interrupted: %s%s not written\n", LSC_CLI_NAME, CMD,
                   targets[i].dest ? targets[i].dest : "the summary", targets[i].dest ? "" : " was");
          rc = LSC_EXIT_RUNTIME;
        }
      else if (r != 0)
        {
          fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, error.message);
          rc = LSC_EXIT_RUNTIME;
        }
    }
  lsc_report_free (report);
  if (interrupt_signal)
    {
      /* End as the signal would have: the shell and scripts see what stopped the export. */
      signal (interrupt_signal, SIG_DFL);
      raise (interrupt_signal);
    }
  return rc;
}
