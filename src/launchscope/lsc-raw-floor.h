/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-raw-floor.h — the bare cuLaunchKernel cost the fast path is compared with.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "fastlaunch.h"

/* A bare cuLaunchKernel of a bound kernel's first compiled binary: its function, and the
 * arguments packed as the driver takes them (params point into slots, so use the struct where
 * it was prepared, never a copy). */
typedef struct {
  CUfunction function;
  uint64_t slots[FL_MAX_ARGS];
  void *params[FL_MAX_ARGS];
} lsc_raw_launch;

/* Prepares out for `args` (constexpr arguments left out, as they are compiled in).  false when
 * the kernel has no compiled binary yet or there are more than FL_MAX_ARGS arguments. */
bool lsc_raw_launch_prepare (const fl_bound_kernel *bound, const fl_arg *args, unsigned n_args, lsc_raw_launch *out);

/* p50 of `count` bare cuLaunchKernel calls of the bound kernel's first compiled binary with
 * `args` packed once, after `warmup` untimed ones, read on the engine's event clock, the clock
 * launch.host_ns is read on.  The context is synchronised every 250 calls, so the queue never
 * fills.  With CUPTI on, every call is also a raw row of the report.  Returns 0 when the kernel
 * has no compiled binary yet, a call fails, or memory runs out. */
double lsc_raw_floor_measure (const fl_bound_kernel *bound, fl_grid grid, unsigned block_x, const fl_arg *args,
                              unsigned n_args, unsigned warmup, unsigned count);
