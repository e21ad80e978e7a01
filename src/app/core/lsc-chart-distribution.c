/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-chart-distribution.c — a path's launch times sorted once (radix sort), and what the
 * distribution chart and the stage chart ask of them: nearest-rank percentiles, counts at
 * most x, the CDF, histograms over given edges, and per-stage medians and means
 * (lsc-chart-data.h).  GLib only; built once per data set, possibly on a worker thread, then
 * read-only.
 */
#include "lsc-chart-data.h"
#include "lsc-percentile.h"

#include <math.h>
#include <string.h>

/* --- Sorting and distributions ------------------------------------------------------------ */

void
lsc_sort_u32 (guint32 *values, gsize n)
{
  if (n < 2)
    return;
  if (n < 64)
    {
      for (gsize i = 1; i < n; i++) /* insertion sort: radix passes cost more for few values */
        {
          guint32 x = values[i];
          gsize j = i;
          for (; j > 0 && values[j - 1] > x; j--)
            values[j] = values[j - 1];
          values[j] = x;
        }
      return;
    }

  guint32 *tmp = g_new (guint32, n);
  guint32 *src = values, *dst = tmp;
  for (guint shift = 0; shift < 32; shift += 8)
    {
      gsize count[256] = { 0 };
      for (gsize i = 0; i < n; i++)
        count[(src[i] >> shift) & 0xff]++;
      if (count[(src[0] >> shift) & 0xff] == n)
        continue; /* every value shares this byte: the pass would not move anything */
      gsize pos = 0;
      for (guint b = 0; b < 256; b++)
        {
          gsize c = count[b];
          count[b] = pos;
          pos += c;
        }
      for (gsize i = 0; i < n; i++)
        dst[count[(src[i] >> shift) & 0xff]++] = src[i];
      guint32 *swap = src;
      src = dst;
      dst = swap;
    }
  if (src != values)
    memcpy (values, src, n * sizeof (guint32));
  g_free (tmp);
}

struct _LscDistribution {
  guint32 *sorted;
  gsize n;
  double mean;
};

LscDistribution *
lsc_distribution_new_take (guint32 *values, gsize n)
{
  LscDistribution *dist = g_new0 (LscDistribution, 1);
  dist->sorted = values != NULL ? values : g_new (guint32, 1);
  dist->n = n;
  lsc_sort_u32 (dist->sorted, n);

  double sum = 0;
  for (gsize i = 0; i < n; i++)
    sum += dist->sorted[i];
  dist->mean = n > 0 ? sum / n : 0;
  return dist;
}

LscDistribution *
lsc_distribution_new (const guint32 *values, gsize n)
{
  return lsc_distribution_new_take (n > 0 ? g_memdup2 (values, n * sizeof (guint32)) : NULL, n);
}

LscDistribution *
lsc_distribution_new_from_series (const LscSeries *series, LscChartPath path)
{
  gsize count = 0;
  for (gsize i = 0; i < series->n; i++)
    count += series->path[i] == path;

  guint32 *values = g_new (guint32, MAX (count, 1));
  gsize k = 0;
  for (gsize i = 0; i < series->n; i++)
    if (series->path[i] == path)
      values[k++] = series->value_ns[i];
  return lsc_distribution_new_take (values, count);
}

void
lsc_distribution_free (LscDistribution *dist)
{
  if (dist == NULL)
    return;
  g_free (dist->sorted);
  g_free (dist);
}

gsize
lsc_distribution_get_n (const LscDistribution *dist)
{
  return dist->n;
}

const guint32 *
lsc_distribution_get_sorted (const LscDistribution *dist)
{
  return dist->sorted;
}

guint32
lsc_distribution_get_min (const LscDistribution *dist)
{
  return dist->n > 0 ? dist->sorted[0] : 0;
}

guint32
lsc_distribution_get_max (const LscDistribution *dist)
{
  return dist->n > 0 ? dist->sorted[dist->n - 1] : 0;
}

double
lsc_distribution_get_mean (const LscDistribution *dist)
{
  return dist->mean;
}

gsize
lsc_nearest_rank (gsize n, double p)
{
  /* the library's one definition (lsc-percentile.h), as a 1-based rank */
  return n == 0 ? 0 : lsc_percentile_index (n, p) + 1;
}

guint32
lsc_distribution_percentile (const LscDistribution *dist, double p)
{
  if (dist->n == 0)
    return 0;
  return dist->sorted[lsc_nearest_rank (dist->n, p) - 1];
}

gsize
lsc_distribution_count_at_most (const LscDistribution *dist, double x)
{
  gsize lo = 0, hi = dist->n;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if ((double) dist->sorted[mid] <= x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Number of values < x. */
static gsize
count_below (const LscDistribution *dist, double x)
{
  gsize lo = 0, hi = dist->n;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if ((double) dist->sorted[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

double
lsc_distribution_cdf (const LscDistribution *dist, double x)
{
  if (dist->n == 0)
    return 0;
  return (double) lsc_distribution_count_at_most (dist, x) / (double) dist->n;
}

void
lsc_distribution_histogram (const LscDistribution *dist, const double *edges, guint n_bins, guint64 *counts)
{
  if (n_bins == 0)
    return;
  gsize prev = count_below (dist, edges[0]);
  for (guint b = 0; b < n_bins; b++)
    {
      gsize next = b + 1 == n_bins ? lsc_distribution_count_at_most (dist, edges[b + 1])
                                   : count_below (dist, edges[b + 1]);
      counts[b] = next >= prev ? next - prev : 0;
      prev = MAX (prev, next);
    }
}

void
lsc_histogram_edges (double lo, double hi, gboolean log_scale, guint n_bins, double *edges)
{
  if (log_scale && lo > 0 && hi > lo)
    {
      double a = log10 (lo), b = log10 (hi);
      for (guint i = 0; i <= n_bins; i++)
        edges[i] = pow (10.0, a + (b - a) * i / n_bins);
    }
  else
    for (guint i = 0; i <= n_bins; i++)
      edges[i] = lo + (hi - lo) * i / n_bins;
  /* Exact ends, so the extreme values fall inside despite pow() rounding. */
  edges[0] = lo;
  edges[n_bins] = hi;
}

/* --- Stage summaries ---------------------------------------------------------------------- */

void
lsc_stage_summary_compute (const guint32 *stage_ns, gsize n, LscStageSummary *out)
{
  out->n = n;
  guint32 *column = g_new (guint32, MAX (n, 1));
  for (guint s = 0; s < LSC_STAGE_COUNT; s++)
    {
      double sum = 0;
      for (gsize i = 0; i < n; i++)
        {
          column[i] = stage_ns[i * LSC_STAGE_COUNT + s];
          sum += column[i];
        }
      out->mean_ns[s] = n > 0 ? sum / n : 0;
      if (n == 0)
        {
          out->median_ns[s] = 0;
          continue;
        }
      lsc_sort_u32 (column, n);
      out->median_ns[s] = column[lsc_nearest_rank (n, 50) - 1];
    }
  g_free (column);
}
