/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-cli.c — launchscope-cli: global options and dispatch to one subcommand.
 *
 * Adding a command is one entry in `commands` plus its cmd-NAME.c file.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-cli.h"

static const lsc_cli_command commands[] = {
  { "demo", "run add8 through the default and fast launchers, toggling alignment, debug and the skip switch",
    lsc_cmd_demo },
  { "bench", "measure per-launch host cost: raw cuLaunchKernel, default, fast, fast+sink, CUDA graph", lsc_cmd_bench },
  { "record", "run a workload through the engine and record every launch into a report (.lsdb)", lsc_cmd_record },
  { "overhead", "measure what recording costs per launch: recorder, CUPTI callbacks, activity", lsc_cmd_overhead },
  { "report", "summarize a report: per path and per spec counts, p50/p90/p99, hits, misses, fallbacks", lsc_cmd_report },
  { "export", "export a report as CSV, an SQLite copy, JSON, an Nsight Systems SQLite file or a trace", lsc_cmd_export },
  { "check", "check a report's integrity, schema and rows; list every problem", lsc_cmd_check },
  { "diff", "compare two reports: per path, kernel, spec, stage and process, B - A with an interval and a verdict",
    lsc_cmd_diff },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

int
lsc_cli_fl_error (const char *cmd, const char *what, fl_status st)
{
  fprintf (stderr, "%s %s: %s: %s: %s\n", LSC_CLI_NAME, cmd, what, fl_status_str (st), fl_last_error ());
  return LSC_EXIT_RUNTIME;
}

int
lsc_cli_cu_error (const char *cmd, const char *what, CUresult r)
{
  fprintf (stderr, "%s %s: %s: %s\n", LSC_CLI_NAME, cmd, what, fl_cuda_error_name (r));
  return LSC_EXIT_RUNTIME;
}

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage: %s [--help] [--version] COMMAND [OPTIONS]\n"
           "\n"
           "Inspect the host-side cost of launching CUDA kernels with the fastlaunch engine.\n"
           "\n"
           "Commands:\n",
           LSC_CLI_NAME);
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf (out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Options:\n"
           "  -h, --help     show this help and exit\n"
           "  -V, --version  show the version and exit\n"
           "\n"
           "Run '%s COMMAND --help' for a command's options.\n"
           "\n"
           "Exit status:\n"
           "  0  success\n"
           "  1  runtime error (a launch, compile or result check failed)\n"
           "  2  usage error\n"
           "  3  no GPU: the CUDA driver (libcuda.so.1), NVRTC or a device is missing\n"
           "  4  diff --fail-if-slower: B is significantly slower than A\n",
           LSC_CLI_NAME);
}

int
main (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
  };
  opterr = 0;
  int c;
  /* '+': stop at the command name; its options belong to the command. */
  while ((c = getopt_long (argc, argv, "+:hV", longopts, NULL)) != -1)
    switch (c)
      {
      case 'h':
        print_usage (stdout);
        return LSC_EXIT_OK;
      case 'V':
        printf ("%s %s (fastlaunch engine, built against CUDA_VERSION %d)\n", LSC_CLI_NAME, LSC_VERSION,
                CUDA_VERSION);
        return LSC_EXIT_OK;
      default:
        return lsc_cli_bad_option (NULL, c, argv);
      }
  if (optind >= argc)
    {
      fprintf (stderr, "%s: no command given\n\n", LSC_CLI_NAME);
      print_usage (stderr);
      return LSC_EXIT_USAGE;
    }
  const char *name = argv[optind];
  if (strcmp (name, "help") == 0)
    {
      if (optind + 1 < argc)
        for (size_t i = 0; i < N_COMMANDS; i++)
          if (strcmp (argv[optind + 1], commands[i].name) == 0)
            {
              char *sub_argv[] = { (char *) commands[i].name, (char *) "--help", NULL };
              optind = 0;
              return commands[i].run (2, sub_argv);
            }
      print_usage (stdout);
      return LSC_EXIT_OK;
    }
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp (name, commands[i].name) == 0)
      {
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 0; /* GNU getopt: 0 re-initialises for the command's own parse */
        return commands[i].run (sub_argc, sub_argv);
      }
  return lsc_cli_usage_error (NULL, "unknown command '%s'", name);
}
