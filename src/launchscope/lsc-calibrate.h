/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-calibrate.h — what a launch costs the host on this machine, per path, measured before a
 * recorded program runs (record --calibrate), for the savings estimate of `report`.
 *
 * Three paths launch the same built-in add8 binary on one created stream: the engine's fast
 * path hitting its spec cache, a bare cuLaunchKernel (the floor), and the replay of a captured
 * graph of that kernel, whose host time is shared by its nodes.  They run in blocks in a
 * rotating order with a stream synchronisation after each block, so drift on the host hits all
 * three alike and the GPU queue never fills.  Each path's figure is the median of its timed
 * calls with a 95% confidence interval from the order statistics.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lsc-report.h"

/* The 1-based ranks (low, high) of the order statistics that bound the median of n samples with
 * at least 95% confidence: the largest j with P(B <= j - 1) <= 0.025 for B ~ Binomial(n, 1/2),
 * and n + 1 - j.  With fewer than 6 samples no such j exists and the ranks are 1 and n (the
 * range; less than 95%).  Both 0 when n is 0. */
void lsc_median_interval_ranks (size_t n, size_t *low_rank, size_t *high_rank);

/* Sorts samples (ns) in place and fills out with their nearest-rank median (lsc-percentile.h)
 * and its 95% interval (lsc_median_interval_ranks), each divided by divisor (a graph's nodes,
 * for its per-node cost; 1 otherwise), and samples = n.  n 0: all zero. */
void lsc_calibration_from_samples (uint64_t *samples, size_t n, double divisor, lsc_calibration *out);

typedef struct {
  unsigned warmup;      /* untimed calls per path first; 0: 500 */
  unsigned launches;    /* timed calls per path (fast, raw); 0: 4000 */
  unsigned block;       /* calls per block; 0: 250 */
  unsigned graph_nodes; /* kernel nodes of the replayed graph; 0: 20.  Each block replays it
                           block / graph_nodes times (at least once) */
} lsc_calibrate_options;

/* Measures the three paths (out indexed by lsc_calibration_path) on the current context: needs a
 * driver and NVRTC (it compiles add8) with a context current on the calling thread.  options
 * may be NULL.  Installs no event sink and leaves none behind; takes about a second on a GPU
 * with the defaults.  Returns 0, or -1 with err naming the step and the error (a failed launch
 * or capture, a fast path that did not hit on every call). */
int lsc_calibrate_measure (const lsc_calibrate_options *options, lsc_calibration out[LSC_CALIBRATION_COUNT],
                           char *err, size_t err_size);

/* Adds rows (indexed by lsc_calibration_path) as calibration rows of every session of the
 * report at path, in one transaction.  The report must be writable and not being recorded.
 * Returns 0, or -1 with err naming the file. */
int lsc_calibration_store (const char *path, const lsc_calibration rows[LSC_CALIBRATION_COUNT], char *err,
                           size_t err_size);
