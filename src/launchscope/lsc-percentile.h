/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-percentile.h — the one percentile definition every figure uses: the report's summary,
 * the live page, the raw floor, the CLI's timings and the app's charts.
 *
 * Nearest rank: pN of n sorted values is the value at rank ceil(N/100 * n), ranks counted from
 * 1, so p50 of {1, 2} is 1 and p100 is the maximum.  Always one of the values, never an
 * interpolation, so a percentile of integer nanoseconds is itself a measured launch.
 */
#pragma once

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Ascending order for qsort, the sort before a percentile. */
static inline int
lsc_cmp_i64 (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return (x > y) - (x < y);
}

static inline int
lsc_cmp_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return (x > y) - (x < y);
}

/* The 0-based index of percentile pct (0 < pct <= 100, in steps down to 0.001) among n sorted
 * values; 0 when n is 0.  Exact integer arithmetic: p99 of 100 values is index 98, not 99. */
static inline size_t
lsc_percentile_index (size_t n, double pct)
{
  if (n == 0)
    return 0;
  uint64_t milli = pct <= 0 ? 0 : pct >= 100 ? 100000 : (uint64_t) llround (pct * 1000.0);
  uint64_t rank = ((uint64_t) n * milli + 99999) / 100000;
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return (size_t) (rank - 1);
}
