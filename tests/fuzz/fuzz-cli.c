/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-cli.c — libFuzzer target: launchscope-cli's parsers of untrusted text (lsc-cli-parse.c).
 *
 * Input: NUL-separated arguments.  They are parsed as `record`'s command line, and each one on
 * its own as a toggle, a workload list and an integer option.  Checks: every parser returns
 * success or a usage error (never anything else); what succeeds is in range: toggles known and
 * their launch counts in [0, 1e9] and sorted, 1..8 workloads each add2..add32 or empty, integers
 * in the bounds asked for, record's options in their documented ranges.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-cli-parse.h"

#define FUZZ_NAME "fuzz-cli"
#include "fuzz-check.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_workloads (const lsc_workload_spec *w, int n)
{
  CHECK (n >= 1 && n <= LSC_CLI_MAX_WORKLOADS, "%d workloads", n);
  for (int i = 0; i < n; i++)
    {
      CHECK (memchr (w[i].name, '\0', sizeof w[i].name) != NULL, "unterminated name");
      if (w[i].n_ptrs == 0)
        CHECK (strcmp (w[i].name, "empty") == 0, "workload '%s' with no pointers", w[i].name);
      else
        CHECK (w[i].n_ptrs >= 2 && w[i].n_ptrs <= 32 && strncmp (w[i].name, "add", 3) == 0, "workload '%s' = add%u",
               w[i].name, w[i].n_ptrs);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 8192)
    return 0;
  char *buf = malloc (size + 1);
  memcpy (buf, data, size);
  buf[size] = '\0';
  char *argv[MAX_ARGS + 2];
  int argc = 0;
  argv[argc++] = (char *) "record";
  for (char *s = buf; s <= buf + size && argc <= MAX_ARGS; s += strlen (s) + 1)
    argv[argc++] = s;
  argv[argc] = NULL;

  /* Each argument on its own. */
  for (int i = 1; i < argc; i++)
    {
      lsc_toggle t;
      if (lsc_cli_parse_toggle ("record", argv[i], &t))
        CHECK ((unsigned) t.kind < LSC_TOGGLE_COUNT && t.at >= 0 && t.at <= 1000000000L
                 && strncmp (argv[i], lsc_toggle_names[t.kind], strlen (lsc_toggle_names[t.kind])) == 0,
               "toggle '%s'", argv[i]);
      lsc_workload_spec w[LSC_CLI_MAX_WORKLOADS];
      int n = lsc_cli_parse_workloads ("record", argv[i], w);
      if (n != -1)
        check_workloads (w, n);
      long min = (long) (i * 7919) - 50000, max = min + (long) (i * 104729), v = 0;
      if (lsc_cli_parse_long ("record", "--x", argv[i], min, max, &v))
        CHECK (v >= min && v <= max, "%ld outside [%ld, %ld]", v, min, max);
    }

  /* The whole command line. */
  lsc_record_args a;
  optind = 0;
  int rc = lsc_cli_parse_record_args (argc, argv, &a);
  CHECK (rc == LSC_EXIT_OK || rc == LSC_EXIT_USAGE, "rc %d", rc);
  if (rc == LSC_EXIT_OK && !a.help)
    {
      CHECK (a.output != NULL, "no output");
      CHECK (a.iters >= 1 && a.iters <= 1000000000L && a.n >= 1 && a.n <= (1L << 28) && a.device >= 0
               && a.device <= 1024 && a.ring >= 64 && a.ring <= (1L << 24) && a.floor_every >= 0
               && a.floor_every <= 1000000000L,
             "an option out of range");
      CHECK (a.cupti == LSC_CUPTI_OFF || a.cupti == LSC_CUPTI_CALLBACKS || a.cupti == LSC_CUPTI_ACTIVITY, "cupti %d",
             (int) a.cupti);
      CHECK (a.n_toggles <= LSC_CLI_MAX_TOGGLES, "%u toggles", a.n_toggles);
      for (unsigned i = 0; i < a.n_toggles; i++)
        CHECK ((unsigned) a.toggles[i].kind < LSC_TOGGLE_COUNT && (i == 0 || a.toggles[i - 1].at <= a.toggles[i].at),
               "toggles unsorted");
      check_workloads (a.workloads, (int) a.n_workloads);
    }
  free (buf);
  return 0;
}
