/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-command.h — recording an unmodified program: launchscope-cli record -- COMMAND.
 *
 * The command runs with CUDA_INJECTION64_PATH (and NVTX_INJECTION64_PATH, for its NVTX ranges)
 * naming liblaunchscope-inject.so, so every process of it that initialises CUDA records its own
 * report (one writer per file) into a parts folder beside the output.  When the command has ended, the parts are gathered into the
 * output, one session per process, and the folder is removed.  The output is locked for the
 * whole run, so nothing else records into it meanwhile; until the gathering succeeds the parts
 * are kept, so a failure loses nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lsc-recorder.h"
#include "lsc-report.h"

typedef struct lsc_command lsc_command;

typedef struct {
  const char *output;         /* the report to write */
  bool overwrite;             /* replace an existing report (a regular file nobody records) */
  lsc_cupti_mode cupti;       /* LSC_CUPTI_CALLBACKS or LSC_CUPTI_ACTIVITY */
  const char *cupti_library;  /* NULL: the program's own libcupti, by soname */
  bool redact;                /* keep no command lines in the report */
  double delay_s;             /* record launches only from this long after the start ... */
  double duration_s;          /* ... and for this long (0: to the end) */
  uint64_t max_launches;      /* keep each process's first this many launches (0: all) */
  bool params;                /* infer each launch's spec key from its parameter values */
  bool profiler_range;        /* record between the program's cudaProfilerStart and Stop */
  bool runtime_api;           /* record the program's CUDA runtime calls too (--api runtime) */
  bool no_nvtx;               /* record no NVTX ranges (NVTX_INJECTION64_PATH left unset) */
  const char *inject_library; /* liblaunchscope-inject.so; NULL: lsc_inject_library_find */
  /* LSC_CALIBRATION_COUNT rows (record --calibrate, measured before the command started),
   * stored as calibration rows of every session of the output; NULL: none. */
  const lsc_calibration *calibration;
  char *const *argv;          /* the command, argv[0] searched on PATH */
} lsc_command_options;

typedef struct {
  unsigned processes;        /* sessions gathered into the output */
  unsigned left_recording;   /* parts still locked by a process that outlived the command */
  char parts_dir[4200];      /* where the parts were (kept when gathering failed) */
} lsc_command_result;

/* Finds liblaunchscope-inject.so: $LSC_INJECT_LIBRARY, then beside the running program, the
 * build tree's src/launchscope, and the install folder.  Returns false with the places looked
 * in written to path. */
bool lsc_inject_library_find (char *path, size_t size);

/* The value of NVTX_INJECTION64_PATH when another tool set it: the command then runs with it as it
 * is, and no NVTX ranges are recorded.  NULL when unset or naming liblaunchscope-inject.so (then
 * the command's NVTX loads liblaunchscope-inject.so, unless no_nvtx). */
const char *lsc_command_nvtx_held (void);

/* Locks and checks the output, makes the parts folder, and starts the command.  Refuses (-1,
 * err naming the cause) when CUDA_INJECTION64_PATH is already set by another tool, the output
 * exists without overwrite, is not a regular file or is being recorded, or the command cannot
 * be started. */
int lsc_command_start (const lsc_command_options *options, lsc_command **out, char *err, size_t err_size);

/* The command's process id, for forwarding signals to it. */
pid_t lsc_command_pid (const lsc_command *command);

/* Waits for the command to end; returns its exit status as a shell gives it (128 + the signal
 * for a command killed by one). */
int lsc_command_wait (lsc_command *command);

/* Gathers the parts into the output and removes them, releases the output and frees command.
 * Returns 0, or -1 with err set (the parts are then kept, and result->parts_dir names them).
 * With no part at all (no process initialised CUDA) nothing is written and 0 is returned with
 * result->processes 0. */
int lsc_command_finish (lsc_command *command, lsc_command_result *result, char *err, size_t err_size);

/* Gathers reports (each one session or more) into dest, which must not exist: sessions, kernels,
 * specs, launches, events and kernel activity, with their ids renumbered.  Every part is
 * verified as a report first.  Returns 0, or -1 with err set and dest removed. */
int lsc_reports_gather (const char *dest, const char *const *parts, size_t n_parts, char *err, size_t err_size);

/* Adds the sessions of report part to report (both verified first), replacing report only once
 * the whole of both is written beside it, then removes part.  Returns 0, or -1 with err set and
 * both files as they were. */
int lsc_report_append (const char *report, const char *part, char *err, size_t err_size);
/* What a running record -- COMMAND has recorded so far, over the parts of the processes still
 * recording (a process that has stopped is no longer read: its part is about to be gathered).
 * The p50s are exact for one process; over several, the median of each process's p50 (each
 * kernel's, for the gap) weighted by its launches. */
typedef struct {
  unsigned processes;          /* parts read */
  unsigned unreadable;         /* parts that could not be read (the error names the first) */
  int64_t launches, errors;    /* launch rows; of them, raw launches that failed */
  int64_t kernels;             /* distinct kernel names */
  int64_t call_p50_ns, call_p99_ns; /* the launch call (CUPTI's API enter to exit); p99: the largest process's */
  int64_t gap_p50_ns;          /* the thread's own time since its previous CUDA call */
  int64_t activity_kernels;    /* kernels seen by kernel activity (--cupti activity), 0 without */
  int64_t waited_for_host;     /* of them, kernels the GPU waited for the host to launch */
  bool launch_bound_reached;   /* a process stopped recording at --max-launches */
} lsc_command_progress;

/* Reads the parts in parts_dir (REPORT.parts-XXXXXX of a running record -- COMMAND) read-only,
 * without blocking their writers.  Returns 0 (error set, and progress->unreadable counted, when
 * a part could not be read: the others are still summed), or -1 with error set when the folder
 * cannot be read.  Any thread; parts just created and still without a schema are skipped. */
int lsc_command_progress_read (const char *parts_dir, lsc_command_progress *progress, lsc_error *error);
