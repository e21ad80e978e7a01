/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-cli-parse.h — launchscope-cli's command-line parsers that take untrusted text: integer
 * options, `record`'s toggles (NAME@LAUNCH) and workload lists (add8,empty,...), and `record`'s
 * whole command line.  Pure functions of their input apart from usage messages on stderr and
 * getopt's globals, with no GPU, file or engine state, so tests/fuzz/fuzz-cli.c can feed them
 * anything.
 */
#pragma once

#include <stdbool.h>

#include "lsc-cli.h"
#include "lsc-recorder.h"

/* ---- record's toggles ------------------------------------------------------------------------ */

typedef enum {
  LSC_TOGGLE_DEBUG,
  LSC_TOGGLE_OFFSET,
  LSC_TOGGLE_SKIP,
  LSC_TOGGLE_TIMING,
  LSC_TOGGLE_LINEINFO,
  LSC_TOGGLE_DEFAULT_PATH,
  LSC_TOGGLE_COUNT
} lsc_toggle_kind;

/* "debug", "offset", "skip", "timing", "lineinfo", "default", indexed by lsc_toggle_kind. */
extern const char *const lsc_toggle_names[LSC_TOGGLE_COUNT];

typedef struct {
  lsc_toggle_kind kind;
  long at; /* the launch index before which it flips, 0 .. 1000000000 */
} lsc_toggle;

/* Parses NAME@LAUNCH.  false (after a usage message naming cmd) when it does not parse. */
bool lsc_cli_parse_toggle (const char *cmd, const char *text, lsc_toggle *out);

/* ---- record's workload list ------------------------------------------------------------------- */

#define LSC_CLI_MAX_WORKLOADS 8

typedef struct {
  char name[16];   /* as given (at most 15 characters) */
  unsigned n_ptrs; /* add<N>: N (2 .. 32); 0: the empty kernel */
} lsc_workload_spec;

/* Parses a comma-separated list of addN (N = 2..32) and empty, at most LSC_CLI_MAX_WORKLOADS
 * (a trailing comma is allowed).  Returns the number of workloads, or -1 after a usage message
 * (unknown name, too many, none). */
int lsc_cli_parse_workloads (const char *cmd, const char *list, lsc_workload_spec out[LSC_CLI_MAX_WORKLOADS]);

/* ---- record's command line --------------------------------------------------------------------- */

#define LSC_CLI_MAX_TOGGLES 64

typedef struct {
  bool help;           /* -h given: print help, do nothing else */
  const char *output;  /* points into argv */
  const char *workload;
  const char *cupti_lib;
  long iters, n, device, ring, floor_every;
  lsc_cupti_mode cupti;
  bool force, quiet;
  bool append;         /* --append: add the session to the report when it exists */
  lsc_toggle toggles[LSC_CLI_MAX_TOGGLES]; /* sorted by launch index */
  unsigned n_toggles;
  lsc_workload_spec workloads[LSC_CLI_MAX_WORKLOADS];
  unsigned n_workloads;
  char **command;      /* after "--": a program to record instead of a workload (NULL-terminated) */
  bool redact;         /* --redact: keep no command lines in the report */
  double delay_s, duration_s; /* the command's capture window; 0: from its start, to its end */
  long max_launches;   /* --max-launches: each process's first this many (0: all) */
  bool params;         /* --params: infer each launch's spec key from its parameter values */
  bool profiler_range; /* --capture-range cudaProfilerApi */
  bool calibrate;      /* --calibrate: measure this host's launch costs before the command starts */
  bool runtime_api;    /* --api runtime: the CUDA runtime calls too */
  bool no_nvtx;        /* --no-nvtx */
  const char *engine_option; /* the first workload-only option given, for refusing it with a command */
} lsc_record_args;

/* Parses `record`'s argv (argv[0] is the command name) with getopt_long; the caller sets
 * optind = 0 first, as for any command.  Returns LSC_EXIT_OK (check args->help) or
 * LSC_EXIT_USAGE after a usage message. */
int lsc_cli_parse_record_args (int argc, char **argv, lsc_record_args *args);

/* Parses seconds (a decimal, 0 to 10^7) for option; prints a usage error and returns false
 * otherwise. */
bool lsc_cli_parse_seconds (const char *cmd, const char *option, const char *text, double *out);

/* record -- COMMAND (cmd-record-command.c): returns the command's exit status. */
int lsc_cmd_record_command (const lsc_record_args *args);
