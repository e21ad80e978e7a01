/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-diff-stats.c — the statistics of comparing two reports (lsc-report-diff.h): the
 * block bootstrap over one recording's launches, and Student's t and Welch's interval for
 * sessions as the unit.  Pure functions of the values they are given; no report is read here.
 *
 * A row's bootstrap costs O(blocks x log bins) per replicate, never O(launches): a replicate's
 * quantile is found by binary search over per-block cumulative histograms, stored bin-major so
 * that one probe reads the blocks' counts for one bin from consecutive memory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-percentile.h"
#include "lsc-report-diff-private.h"
#include "lsc-report-diff.h"

static const double metric_pct[] = { 50, 90, 99, 0 };

/* ---- the bootstrap ------------------------------------------------------------------------------ */

static uint64_t
splitmix64 (uint64_t *state)
{
  uint64_t z = (*state += UINT64_C (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static unsigned
draw_block (uint64_t *state, unsigned k)
{
  return (unsigned) (((splitmix64 (state) >> 32) * k) >> 32);
}

/* 1 ns bins below 8192 ns, then 4096 per doubling (12 significant bits, 0.025 %): launch
 * overheads of a few µs are exact, and a 10 ms outlier costs no more bins than a 10 µs one. */
#define SUB_BITS 12
static uint32_t
bin_of (int64_t v)
{
  if (v < (INT64_C (1) << SUB_BITS))
    return v <= 0 ? 0 : (uint32_t) v;
  unsigned e = 63u - (unsigned) __builtin_clzll ((unsigned long long) v);
  return (uint32_t) ((e - SUB_BITS) << SUB_BITS) + (uint32_t) ((uint64_t) v >> (e - SUB_BITS));
}

/* One side of a row: k blocks of consecutive values; cum[c * k + b] counts block b's values in
 * compact bins 0..c. */
typedef struct {
  const int64_t *v;
  size_t n;
  unsigned k;
  uint32_t *len;
  uint32_t *cum;
  double *sum;
} side_blocks;

static size_t
block_start (size_t n, unsigned k, unsigned b)
{
  return (size_t) ((uint64_t) n * b / k);
}

/* A row's bins: the occupied ones of both sides, numbered 0..K-1, each with its smallest value. */
typedef struct {
  uint32_t lo;
  uint32_t *compact; /* bin - lo -> compact index + 1, 0 for an empty bin */
  size_t K;
  int64_t *rep;
} row_bins;

static void
row_bins_clear (row_bins *rb)
{
  free (rb->compact);
  free (rb->rep);
}

static int
row_bins_build (row_bins *rb, const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
  memset (rb, 0, sizeof *rb);
  uint32_t lo = UINT32_MAX, hi = 0;
  for (size_t i = 0; i < na + nb; i++)
    {
      uint32_t x = bin_of (i < na ? a[i] : b[i - na]);
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
  rb->lo = lo;
  size_t range = (size_t) (hi - lo) + 1;
  if (!(rb->compact = calloc (range, sizeof *rb->compact)))
    return -1;
  for (size_t i = 0; i < na + nb; i++)
    rb->compact[bin_of (i < na ? a[i] : b[i - na]) - lo] = 1;
  size_t K = 0;
  for (size_t x = 0; x < range; x++)
    if (rb->compact[x])
      rb->compact[x] = (uint32_t) ++K;
  rb->K = K;
  if (!(rb->rep = malloc (K * sizeof *rb->rep)))
    return -1;
  for (size_t c = 0; c < K; c++)
    rb->rep[c] = INT64_MAX;
  for (size_t i = 0; i < na + nb; i++)
    {
      int64_t v = i < na ? a[i] : b[i - na];
      size_t c = rb->compact[bin_of (v) - lo] - 1;
      if (v < rb->rep[c])
        rb->rep[c] = v;
    }
  return 0;
}

static size_t
compact_of (const row_bins *rb, int64_t v)
{
  return rb->compact[bin_of (v) - rb->lo] - 1;
}

static void
side_clear (side_blocks *s)
{
  free (s->len);
  free (s->cum);
  free (s->sum);
}

static int
side_build (side_blocks *s, const int64_t *v, size_t n, const row_bins *rb, bool histogram)
{
  memset (s, 0, sizeof *s);
  s->v = v;
  s->n = n;
  s->k = n < LSC_DIFF_BLOCKS ? (unsigned) n : LSC_DIFF_BLOCKS;
  unsigned k = s->k;
  s->len = calloc (k, sizeof *s->len);
  s->sum = calloc (k, sizeof *s->sum);
  if (!s->len || !s->sum)
    return -1;
  if (histogram && !(s->cum = calloc (rb->K * k, sizeof *s->cum)))
    return -1;
  for (unsigned b = 0; b < k; b++)
    {
      size_t from = block_start (n, k, b), to = block_start (n, k, b + 1);
      s->len[b] = (uint32_t) (to - from);
      double total = 0;
      for (size_t i = from; i < to; i++)
        {
          total += (double) v[i];
          if (histogram)
            s->cum[compact_of (rb, v[i]) * k + b]++;
        }
      s->sum[b] = total;
    }
  if (histogram)
    for (size_t c = 1; c < rb->K; c++)
      for (unsigned b = 0; b < k; b++)
        s->cum[c * k + b] += s->cum[(c - 1) * k + b];
  return 0;
}

/* The metric of a replicate whose block b was drawn w[b] times. */
static double
side_replicate (const side_blocks *s, const row_bins *rb, const uint32_t *w, lsc_diff_metric metric)
{
  uint64_t total = 0;
  double sum = 0;
  for (unsigned b = 0; b < s->k; b++)
    {
      total += (uint64_t) w[b] * s->len[b];
      sum += w[b] * s->sum[b];
    }
  if (metric == LSC_DIFF_METRIC_MEAN)
    return sum / (double) total;
  uint64_t rank = (uint64_t) lsc_percentile_index ((size_t) total, metric_pct[metric]) + 1;
  size_t lo = 0, hi = rb->K - 1;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      const uint32_t *row = s->cum + mid * s->k;
      uint64_t below = 0;
      for (unsigned b = 0; b < s->k; b++)
        below += (uint64_t) w[b] * row[b];
      if (below >= rank)
        hi = mid;
      else
        lo = mid + 1;
    }
  return (double) rb->rep[lo];
}


/* The metric over all of a side's values, exactly: the quantile's bin from the histograms, then
 * the value of that rank among the values in the bin. */
static int
side_exact (const side_blocks *s, const row_bins *rb, lsc_diff_metric metric, double *out)
{
  if (metric == LSC_DIFF_METRIC_MEAN)
    {
      long double total = 0;
      for (size_t i = 0; i < s->n; i++)
        total += (long double) s->v[i];
      *out = (double) (total / (long double) s->n);
      return 0;
    }
  uint64_t rank = (uint64_t) lsc_percentile_index (s->n, metric_pct[metric]) + 1;
  size_t c = 0;
  uint64_t below = 0; /* values in bins before c */
  for (;; c++)
    {
      uint64_t upto = 0;
      for (unsigned b = 0; b < s->k; b++)
        upto += s->cum[c * s->k + b];
      if (upto >= rank)
        break;
      below = upto;
    }
  size_t m = 0;
  for (size_t i = 0; i < s->n; i++)
    m += compact_of (rb, s->v[i]) == c;
  int64_t *in_bin = malloc (m * sizeof *in_bin);
  if (!in_bin)
    return -1;
  m = 0;
  for (size_t i = 0; i < s->n; i++)
    if (compact_of (rb, s->v[i]) == c)
      in_bin[m++] = s->v[i];
  qsort (in_bin, m, sizeof *in_bin, lsc_cmp_i64);
  *out = (double) in_bin[rank - below - 1];
  free (in_bin);
  return 0;
}

int
lsc_diff_bootstrap (const int64_t *a, size_t na, const int64_t *b, size_t nb, lsc_diff_metric metric, uint64_t seed,
                    unsigned replicates, double *replicate_diffs, lsc_diff_estimate *out)
{
  memset (out, 0, sizeof *out);
  if (!na || !nb)
    return -1;
  bool histogram = metric != LSC_DIFF_METRIC_MEAN;
  row_bins rb = { 0 };
  side_blocks sa = { 0 }, sb = { 0 };
  uint32_t *w = calloc (2 * LSC_DIFF_BLOCKS, sizeof *w);
  int rc = -1;
  if (!w || (histogram && row_bins_build (&rb, a, na, b, nb) != 0) || side_build (&sa, a, na, &rb, histogram) != 0
      || side_build (&sb, b, nb, &rb, histogram) != 0)
    goto out;
  if (side_exact (&sa, &rb, metric, &out->value_a) != 0 || side_exact (&sb, &rb, metric, &out->value_b) != 0)
    goto out;
  out->diff_ns = out->value_b - out->value_a;
  out->blocks_a = sa.k;
  out->blocks_b = sb.k;
  uint32_t *wa = w, *wb = w + LSC_DIFF_BLOCKS;
  uint64_t state = seed;
  double mean = 0, m2 = 0; /* Welford */
  for (unsigned r = 0; r < replicates; r++)
    {
      memset (w, 0, 2 * LSC_DIFF_BLOCKS * sizeof *w);
      for (unsigned j = 0; j < sa.k; j++)
        wa[draw_block (&state, sa.k)]++;
      for (unsigned j = 0; j < sb.k; j++)
        wb[draw_block (&state, sb.k)]++;
      double d = side_replicate (&sb, &rb, wb, metric) - side_replicate (&sa, &rb, wa, metric);
      if (replicate_diffs)
        replicate_diffs[r] = d;
      double delta = d - mean;
      mean += delta / (r + 1);
      m2 += delta * (d - mean);
    }
  out->sd_ns = replicates > 1 ? sqrt (m2 / (replicates - 1)) : 0;
  rc = 0;
out:
  free (w);
  row_bins_clear (&rb);
  side_clear (&sa);
  side_clear (&sb);
  return rc;
}

/* z with P(|Z| > z) = p for a standard normal Z. */
double
lsc__diff_z_two_sided (double p)
{
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; i++)
    {
      double mid = (lo + hi) / 2;
      if (erfc (mid / 1.4142135623730951) > p)
        lo = mid;
      else
        hi = mid;
    }
  return (lo + hi) / 2;
}

/* ---- sessions as the unit ------------------------------------------------------------------------ */

/* ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: 15 digits); lgamma itself writes signgam, which
 * two comparisons running at once would race on. */
static double
log_gamma (double x)
{
  static const double c[9] = { 0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                               771.32342877765313,   -176.61502916214059,   12.507343278686905,
                               -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7 };
  if (x < 0.5)
    return log (M_PI / sin (M_PI * x)) - log_gamma (1 - x);
  x -= 1;
  double sum = c[0], t = x + 7.5;
  for (int i = 1; i < 9; i++)
    sum += c[i] / (x + i);
  return 0.5 * log (2 * M_PI) + (x + 0.5) * log (t) - t + log (sum);
}

/* The continued fraction of the incomplete beta function (modified Lentz). */
static double
beta_fraction (double a, double b, double x)
{
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (fabs (d) < tiny ? tiny : d);
  double h = d;
  for (int m = 1; m <= 500; m++)
    {
      for (int odd = 0; odd < 2; odd++)
        {
          double num = odd ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                           : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
          d = 1 + num * d;
          d = 1 / (fabs (d) < tiny ? tiny : d);
          c = 1 + num / c;
          c = fabs (c) < tiny ? tiny : c;
          h *= d * c;
          if (odd && fabs (d * c - 1) < 1e-15)
            return h;
        }
    }
  return h;
}

/* The regularised incomplete beta function I_x(a, b). */
static double
incomplete_beta (double x, double a, double b)
{
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  double front = exp (log_gamma (a + b) - log_gamma (a) - log_gamma (b) + a * log (x) + b * log1p (-x));
  return x < (a + 1) / (a + b + 2) ? front * beta_fraction (a, b, x) / a
                                   : 1 - front * beta_fraction (b, a, 1 - x) / b;
}

double
lsc_diff_student_t (double alpha, double df)
{
  /* P(|T| > t) = I_{df / (df + t²)}(df / 2, 1 / 2), falling in t: bisect on log t. */
  double lo = -20, hi = 20;
  for (int i = 0; i < 200; i++)
    {
      double mid = (lo + hi) / 2, t = exp (mid);
      if (incomplete_beta (df / (df + t * t), df / 2, 0.5) > alpha)
        lo = mid;
      else
        hi = mid;
    }
  return exp ((lo + hi) / 2);
}

double
lsc__diff_metric_of (int64_t *v, size_t n, lsc_diff_metric metric)
{
  if (metric == LSC_DIFF_METRIC_MEAN)
    {
      long double total = 0;
      for (size_t i = 0; i < n; i++)
        total += (long double) v[i];
      return (double) (total / (long double) n);
    }
  qsort (v, n, sizeof *v, lsc_cmp_i64);
  return (double) v[lsc_percentile_index (n, metric_pct[metric])];
}

static void
mean_and_variance (const double *x, long n, double *mean, double *variance)
{
  double sum = 0, squares = 0;
  for (long i = 0; i < n; i++)
    sum += x[i];
  *mean = sum / (double) n;
  for (long i = 0; i < n; i++)
    squares += (x[i] - *mean) * (x[i] - *mean);
  *variance = n > 1 ? squares / (double) (n - 1) : 0;
}

void
lsc__diff_welch (const double *a, long na, const double *b, long nb, double alpha, double *mean_a, double *mean_b,
                 double *half)
{
  double va, vb;
  mean_and_variance (a, na, mean_a, &va);
  mean_and_variance (b, nb, mean_b, &vb);
  double sa = va / (double) na, sb = vb / (double) nb, se2 = sa + sb;
  double parts = sa * sa / (double) (na - 1) + sb * sb / (double) (nb - 1);
  double df = parts > 0 ? se2 * se2 / parts : (double) (na + nb - 2);
  *half = se2 > 0 ? lsc_diff_student_t (alpha, df) * sqrt (se2) : 0;
}
