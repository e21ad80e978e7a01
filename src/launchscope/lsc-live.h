/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-live.h — a live profiling session: the engine launching a workload on its own worker
 * thread while the recorder writes the report, with toggles that take effect on the next
 * launch and aggregates a UI can poll at frame rate.
 *
 * The controller (start, pause, toggles, snapshot, stop) is called from one thread (the UI's
 * main loop); it never waits on a launch except in lsc_live_stop.  Recorded as it runs, so a
 * crash or a closed window loses at most the recorder's last batch.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lsc-floor.h"
#include "lsc-recorder.h"

typedef struct lsc_live lsc_live;

typedef enum {
  LSC_LIVE_RUNNING = 0,
  LSC_LIVE_PAUSED,
  LSC_LIVE_FINISHED, /* max_launches reached, still open until stopped */
  LSC_LIVE_FAILED,   /* the worker stopped on an error that cannot recover (sticky CUDA error) */
  LSC_LIVE_STOPPED,
} lsc_live_state;

typedef enum {
  LSC_LIVE_DEBUG = 0,    /* engine debug knob: -G binaries, new spec entries */
  LSC_LIVE_OFFSET,       /* pointers offset by 4 bytes: the unaligned spec */
  LSC_LIVE_SKIP,         /* skip switch: every launch on the default path */
  LSC_LIVE_TIMING,       /* per-stage timing of the default path */
  LSC_LIVE_HOOKS,        /* launch enter/exit hooks installed (wanting metadata) */
  LSC_LIVE_CALLBACKS,    /* CUPTI launch callbacks */
  LSC_LIVE_ACTIVITY,     /* CUPTI kernel activity */
  LSC_LIVE_TOGGLE_COUNT
} lsc_live_toggle;

const char *lsc_live_toggle_name (lsc_live_toggle toggle);

typedef struct {
  const char *report_path;      /* required; overwritten when overwrite */
  bool overwrite;
  const char *workload;         /* "add2".."add32", "empty"; ignored when user_kernel_path is set */
  const char *user_kernel_path; /* a .cu file with a launchscope header (lsc-user-kernel.h) */
  long n;                       /* elements per buffer; 0: 4096 */
  double target_rate;           /* launches per second; 0: as fast as possible */
  long max_launches;            /* 0: until stopped */
  int device;
  const char *cupti_library;
  bool cupti_activity;          /* subscribe with activity (so it can be toggled on later) */
} lsc_live_options;

/* Recent launches for the charts: a copy, oldest first. */
typedef struct {
  uint64_t seq;      /* launch number in the session */
  uint64_t t_ns;     /* since the session started */
  uint32_t host_ns;
  uint8_t path, outcome, reason, status_ok;
} lsc_live_point;

typedef struct {
  uint64_t launches, errors;
  uint64_t by_path[4];
  uint64_t by_outcome[4];
  uint64_t fallbacks[FL_FALLBACK_COUNT];
  double p50_ns[2], p90_ns[2], p99_ns[2]; /* fast, default: over the last LSC_LIVE_WINDOW launches */
  double launches_per_s;                  /* over the last second */
  lsc_floor_figures floor;                /* the in-session floor and observer cost so far */
  double push_ns;                         /* the recorder's own push per launch, timed apart:
                                             part of the observer cost, not all of it */
  lsc_live_state state;
  bool toggles[LSC_LIVE_TOGGLE_COUNT];
  char last_error[1024];                  /* the engine's message, "" if none */
  lsc_recorder_stats recorder;
} lsc_live_snapshot;

#define LSC_LIVE_WINDOW 4096
#define LSC_LIVE_RING 65536

/* What kept a live session from starting, for a caller that reacts to each differently. */
typedef enum {
  LSC_LIVE_START_OK = 0,
  LSC_LIVE_START_NO_DRIVER, /* no usable CUDA driver, or the device cannot be used */
  LSC_LIVE_START_KERNEL,    /* the user's kernel file: I/O, header, signature */
  LSC_LIVE_START_REPORT,    /* the report cannot be created */
  LSC_LIVE_START_FAILED,    /* anything else (memory, threads, the engine refusing the kernel) */
} lsc_live_start_error;

/* Loads the workload (compiling nothing yet), creates the report and starts the worker.
 * Returns LSC_LIVE_START_OK (0), or the kind of failure with err naming what failed. */
lsc_live_start_error lsc_live_start (const lsc_live_options *options, lsc_live **out, char *err, size_t err_size);

void lsc_live_pause (lsc_live *live, bool paused);

/* Takes effect on the worker's next launch; recorded as a toggle event. */
void lsc_live_set_toggle (lsc_live *live, lsc_live_toggle toggle, bool on);

/* Sets an engine global (the workload declares LSC_LIVE_GLOBAL): a change from the compiled
 * value makes launches fail with FL_ERR_GLOBAL_CHANGED until it is restored. */
void lsc_live_set_global (lsc_live *live, int64_t value);

/* Counters and percentiles now (cheap: one short lock). */
void lsc_live_get_snapshot (lsc_live *live, lsc_live_snapshot *out);

/* Copies launches after `after_seq` into points (at most max, the newest if more); returns
 * how many were copied.  For incremental charts. */
size_t lsc_live_copy_points (lsc_live *live, uint64_t after_seq, lsc_live_point *points, size_t max);

/* Stops the worker, finishes the report.  Returns 0 or -1 with err; live is freed. */
int lsc_live_stop (lsc_live *live, lsc_recorder_stats *stats, char *err, size_t err_size);
