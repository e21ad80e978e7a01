/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-floor.h — the in-session floor and observer cost: what a launch costs above a bare
 * cuLaunchKernel of its own binary, and what recording it costs, measured inside the session
 * under the session's own conditions.
 *
 * A session's launches go through lsc_floor_probe_launch.  Every `every` launches (default
 * 2,560) the probe runs a round of LSC_FLOOR_BLOCK launches of each of three kinds, of the spec
 * the session was launching, repeating its last launch: recorded (the recorder's push and
 * CUPTI's callbacks as the session has them, the rows left unwritten), in a block of its own;
 * then unrecorded (no engine events, CUPTI's callbacks and activity paused) alternating launch
 * by launch with a bare cuLaunchKernel of that spec's binary with the same arguments, grid,
 * block and stream, so that the distance to the floor is taken at one moment of a machine
 * whose speed drifts.  Which comes first turns with the round.  Each is timed after as many
 * untimed launches in its own conditions (the first launches after CUPTI's callbacks are
 * switched pay for the switch).
 * The 192 extra launches per round (7.5%) count toward nothing else and
 * leave no launch row.  Every launch of a block is timed around the call on the engine's event
 * clock, the clock launch.host_ns is read on; a block keeps its median.  Each round's three
 * medians are stored (floor_block rows), and the estimates are paired over rounds, as `bench`
 * and `overhead` compute theirs: the median over rounds of the round's difference, with a
 * distribution-free 95% interval.
 *
 * What the blocks cannot remove: being subscribed to CUPTI at all, and having registered for
 * activity; the observer cost excludes both.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fastlaunch.h"
#include "lsc-recorder.h"

#define LSC_FLOOR_BLOCK 32
#define LSC_FLOOR_EVERY 2560

typedef enum { LSC_FLOOR_BARE = 0, LSC_FLOOR_UNRECORDED = 1, LSC_FLOOR_RECORDED = 2, LSC_FLOOR_KINDS } lsc_floor_kind;

/* A paired estimate: the median over rounds of a per-round difference, and its 95% interval.
 * rounds 0: no estimate. */
typedef struct {
  size_t rounds;
  double median_ns, low_ns, high_ns;
} lsc_paired_estimate;

/* From n pairs (a[i], b[i]), those with both finite: the median of a[i] - b[i] and the
 * distribution-free 95% interval of that median (the sign test's order statistics, from the
 * binomial distribution; the whole range below 6 rounds, where no narrower one reaches 95%).
 * scratch holds n doubles. */
void lsc_paired_estimate_compute (const double *a, const double *b, size_t n, double *scratch, lsc_paired_estimate *out);

/* The interval holds zero: the difference is not told apart from noise. */
bool lsc_paired_estimate_within_noise (const lsc_paired_estimate *e);

/* One round's three block medians (NAN where the block could not run), for the estimates. */
typedef struct {
  fl_path path; /* the session's launches in the round: fast or default */
  double p50_ns[LSC_FLOOR_KINDS];
} lsc_floor_round;

/* The session figures the rounds give: the floor (median of the bare blocks), how far the
 * engine's path is above it (unrecorded - bare, per path) and what recording costs (recorded
 * - unrecorded). */
typedef struct {
  size_t rounds;
  double floor_p50_ns; /* NAN: no bare block */
  lsc_paired_estimate above_floor[2]; /* FL_PATH_FAST, FL_PATH_DEFAULT */
  lsc_paired_estimate observer;
} lsc_floor_figures;

/* Returns -1 when memory runs out (figures zeroed). */
int lsc_floor_figures_compute (const lsc_floor_round *rounds, size_t n, lsc_floor_figures *out);

/* The figures as `record` and `report` print them: the floor, each distance with its interval,
 * "within noise" where the interval holds zero, never a bare negative distance. */
void lsc_floor_figures_print (FILE *out, const char *indent, const lsc_floor_figures *figures);

/* A bare cuLaunchKernel of a bound kernel's binary: its function, and the arguments packed as
 * the driver takes them (params point into slots, so use the struct where it was prepared,
 * never a copy). */
typedef struct {
  CUfunction function;
  uint64_t slots[FL_MAX_ARGS];
  void *params[FL_MAX_ARGS];
} lsc_raw_launch;

/* Prepares out for `args` (constexpr arguments left out, as they are compiled in) and the
 * binary of the spec `key`, or with any_spec of the first spec compiled.  false when there is
 * no such binary yet or there are more than FL_MAX_ARGS arguments. */
bool lsc_raw_launch_prepare (const fl_bound_kernel *bound, const fl_arg *args, unsigned n_args, bool any_spec,
                             uint64_t key, lsc_raw_launch *out);

typedef struct lsc_floor_probe lsc_floor_probe;

/* every: launches between rounds; 0 the default.  NULL when memory runs out. */
lsc_floor_probe *lsc_floor_probe_new (lsc_recorder *rec, uint64_t every);
void lsc_floor_probe_free (lsc_floor_probe *probe);

/* Launches as the session does (fl_launch, or fl_launch_default when use_default) and, when a
 * round is due, runs it after the launch.  A NULL probe just launches. */
fl_status lsc_floor_probe_launch (lsc_floor_probe *probe, fl_bound_kernel *bound, fl_grid grid, CUstream stream,
                                  const fl_arg *args, unsigned n_args, bool use_default, fl_launch_info *info);

/* The figures of the rounds so far; safe from another thread than the launching one. */
void lsc_floor_probe_figures (lsc_floor_probe *probe, lsc_floor_figures *out);
