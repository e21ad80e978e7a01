/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-cli-timing.c — percentile summaries of individually timed calls.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-cli.h"

static int
cmp_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p of the samples at or below it. */
static double
rank (const uint64_t *sorted, size_t n, double p)
{
  size_t idx = (size_t) ceil (p * (double) n - 1e-9);
  if (idx == 0)
    idx = 1;
  if (idx > n)
    idx = n;
  return (double) sorted[idx - 1];
}

void
lsc_summarize (uint64_t *samples, size_t n, double divisor, lsc_summary *out)
{
  memset (out, 0, sizeof *out);
  out->n = n;
  if (n == 0)
    return;
  if (divisor <= 0)
    divisor = 1;
  qsort (samples, n, sizeof *samples, cmp_u64);
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += (double) samples[i];
  out->mean = sum / (double) n / divisor;
  out->min = (double) samples[0] / divisor;
  out->p50 = rank (samples, n, 0.50) / divisor;
  out->p90 = rank (samples, n, 0.90) / divisor;
  out->p99 = rank (samples, n, 0.99) / divisor;
  out->max = (double) samples[n - 1] / divisor;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
lsc_paired_median (const double *a, const double *b, size_t n)
{
  if (n == 0)
    return 0;
  double *d = malloc (n * sizeof *d);
  if (!d)
    return NAN;
  for (size_t i = 0; i < n; i++)
    d[i] = a[i] - b[i];
  qsort (d, n, sizeof *d, cmp_double);
  double median = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
  free (d);
  return median;
}

double
lsc_spread_p10_p90 (const double *v, size_t n)
{
  if (n < 2)
    return 0;
  double *sorted = malloc (n * sizeof *sorted);
  if (!sorted)
    return 0;
  memcpy (sorted, v, n * sizeof *sorted);
  qsort (sorted, n, sizeof *sorted, cmp_double);
  double spread = sorted[(size_t) (0.9 * (double) (n - 1))] - sorted[(size_t) (0.1 * (double) (n - 1))];
  free (sorted);
  return spread;
}
