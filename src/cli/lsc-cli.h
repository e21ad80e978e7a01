/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-cli.h — what the launchscope-cli commands share: the command table, exit codes, option
 * parsing helpers, GPU set-up with machine facts, and timing statistics.
 *
 * Plain C11 on the engine's public API: no GLib, and nothing links libcuda (every driver call
 * goes through fl_driver_get()).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"

#define LSC_CLI_NAME "launchscope-cli"
#ifndef LSC_VERSION
#define LSC_VERSION "unknown" /* meson passes the project version */
#endif

/* Documented exit codes (launchscope-cli --help lists them). */
enum {
  LSC_EXIT_OK = 0,
  LSC_EXIT_RUNTIME = 1, /* a launch, compile or check failed */
  LSC_EXIT_USAGE = 2,   /* bad command line */
  LSC_EXIT_NO_GPU = 3,  /* no CUDA driver, no NVRTC or no device */
  LSC_EXIT_SLOWER = 4,  /* diff --fail-if-slower: B is significantly slower */
};

/* One subcommand.  run() gets argv with argv[0] = the command name and must handle --help. */
typedef struct {
  const char *name;
  const char *summary;
  int (*run) (int argc, char **argv);
} lsc_cli_command;

int lsc_cmd_demo (int argc, char **argv);
int lsc_cmd_bench (int argc, char **argv);
int lsc_cmd_record (int argc, char **argv);
int lsc_cmd_overhead (int argc, char **argv);
int lsc_cmd_report (int argc, char **argv);
int lsc_cmd_export (int argc, char **argv);
int lsc_cmd_check (int argc, char **argv);
int lsc_cmd_diff (int argc, char **argv);

/* ---- option parsing (lsc-cli-parse.c; record's own parsers are in lsc-cli-parse.h) ---- */

/* Prints "launchscope-cli CMD: <message>" and "Try 'launchscope-cli CMD --help'." to stderr;
 * returns LSC_EXIT_USAGE. */
int lsc_cli_usage_error (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Reports the option getopt_long() just rejected ('?' or ':'); returns LSC_EXIT_USAGE. */
int lsc_cli_bad_option (const char *cmd, int c, char **argv);
/* Parses a decimal integer in [min, max]; false (after a usage message) otherwise. */
bool lsc_cli_parse_long (const char *cmd, const char *option, const char *text, long min, long max, long *out);

/* ---- GPU set-up and machine facts (lsc-cli-gpu.c) ---- */

typedef struct {
  int device;
  char gpu_name[256];
  int cc_major, cc_minor, sm_count;
  char kernel_driver[64]; /* NVIDIA kernel module version (/proc/driver/nvidia/version) */
  int driver_version;      /* cuDriverGetVersion: 13000 = CUDA 13.0 */
  int nvrtc_major, nvrtc_minor;
  char cpu_model[256];
  long online_cpus;
  char governor[64];
  char hostname[128];
  char date[64]; /* ISO 8601, UTC */
} lsc_machine;

/* Loads the driver and NVRTC, makes `device` current and fills m.  On failure prints why and
 * what still works without a GPU to stderr and returns LSC_EXIT_NO_GPU (or LSC_EXIT_RUNTIME
 * for a device error on a working driver); LSC_EXIT_OK otherwise. */
int lsc_cli_gpu_open (const char *cmd, int device, lsc_machine *m);
/* Fills only the host facts (CPU, governor, host name, date). */
void lsc_machine_host_facts (lsc_machine *m);
void lsc_machine_print (FILE *out, const lsc_machine *m);
/* Writes m as the members of a JSON object (no braces). */
void lsc_machine_print_json (FILE *out, const lsc_machine *m, const char *indent);

/* Prints "launchscope-cli CMD: <what>: <fl_status>: <fl_last_error()>" to stderr; returns
 * LSC_EXIT_RUNTIME. */
int lsc_cli_fl_error (const char *cmd, const char *what, fl_status st);
/* Same for a CUresult. */
int lsc_cli_cu_error (const char *cmd, const char *what, CUresult r);

/* ---- timing (lsc-cli-timing.c) ---- */

static inline uint64_t
lsc_now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

typedef struct {
  size_t n;
  double mean, p50, p90, p99, max, min;
} lsc_summary;

/* Sorts samples in place and summarizes them (nearest-rank percentiles) after dividing every
 * value by `divisor` (1 for per-call samples; K for a K-launch graph replay). */
void lsc_summarize (uint64_t *samples, size_t n, double divisor, lsc_summary *out);

/* Median over i of a[i] - b[i], for two series measured in the same rounds: the paired estimate
 * of their difference, which cancels drift between rounds.  0 when n is 0. */
double lsc_paired_median (const double *a, const double *b, size_t n);

/* p90 minus p10 of v (v[floor(p (n - 1))] of the sorted values; v is not changed): how widely
 * values such as per-round block p50s scatter.  0 when n < 2. */
double lsc_spread_p10_p90 (const double *v, size_t n);
