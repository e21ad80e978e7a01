/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-cli-timing.c — percentile summaries of individually timed calls.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-cli.h"
#include "lsc-percentile.h"

static double
rank (const uint64_t *sorted, size_t n, double p)
{
  return (double) sorted[lsc_percentile_index (n, p * 100.0)];
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
  qsort (samples, n, sizeof *samples, lsc_cmp_u64);
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

/* The sample median (the mean of the middle two for even n), not a nearest-rank percentile:
 * an estimate of the typical paired difference over a handful of blocks, where the midpoint
 * is the better estimator and no single block should decide the figure. */
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
  double spread = sorted[lsc_percentile_index (n, 90)] - sorted[lsc_percentile_index (n, 10)];
  free (sorted);
  return spread;
}
