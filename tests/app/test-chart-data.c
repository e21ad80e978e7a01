/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-chart-data.c — unit suite for the chart data layer (src/app/lsc-chart-data.c), headless:
 * normalisation and log mapping, min/max downsampling (a lone spike among 1M points survives),
 * the multi-resolution index against the direct downsampler, the live ring, histograms, CDF,
 * nearest-rank percentiles, stage medians, nice ticks and labels.
 *
 * The "perf" case times downsampling 1M points into 1000 columns and the index build and
 * prints the numbers; it asserts nothing about speed (machines differ), only correctness.
 * Tests pass with CK_FORK=no too: none keeps state between tests.
 */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lsc-chart-data.h"

#define N_BIG 1000000

/* --- Scales ------------------------------------------------------------------------------- */

START_TEST (test_normalize_linear)
{
  LscAxisScale s = { .min = 100, .max = 300, .log_scale = FALSE };
  ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, 100), 0.0, 1e-12);
  ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, 200), 0.5, 1e-12);
  ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, 300), 1.0, 1e-12);
  ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, 400), 1.5, 1e-12); /* not clamped */
  for (double f = 0; f <= 1.0; f += 0.125)
    ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, lsc_axis_scale_denormalize (&s, f)), f, 1e-12);

  double in[3] = { 100, 250, 300 };
  float out[3];
  lsc_axis_scale_normalize_array (&s, in, out, 3);
  ck_assert_float_eq_tol (out[0], 0.0f, 1e-6f);
  ck_assert_float_eq_tol (out[1], 0.75f, 1e-6f);
  ck_assert_float_eq_tol (out[2], 1.0f, 1e-6f);
}
END_TEST

START_TEST (test_normalize_log)
{
  LscAxisScale s = { .min = 100, .max = 100000, .log_scale = TRUE }; /* three decades */
  ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, 100), 0.0, 1e-12);
  ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, 1000), 1.0 / 3, 1e-12);
  ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, 10000), 2.0 / 3, 1e-12);
  ck_assert_double_eq_tol (lsc_axis_scale_normalize (&s, 100000), 1.0, 1e-12);
  /* Equal ratios are equal distances. */
  double a = lsc_axis_scale_normalize (&s, 200) - lsc_axis_scale_normalize (&s, 100);
  double b = lsc_axis_scale_normalize (&s, 4000) - lsc_axis_scale_normalize (&s, 2000);
  ck_assert_double_eq_tol (a, b, 1e-12);
  ck_assert (lsc_axis_scale_normalize (&s, 0) < 0); /* zero sits below the axis, never NaN */
  ck_assert_double_eq_tol (lsc_axis_scale_denormalize (&s, 0.5), pow (10, 3.5), 1e-6);
}
END_TEST

/* --- Downsampling ------------------------------------------------------------------------- */

/* 1M points of noisy 1000–1100 ns, one of them 100× the rest. */
static void
make_noise (guint64 *t, guint32 *v, gsize n, gsize spike_at)
{
  GRand *r = g_rand_new_with_seed (42);
  for (gsize i = 0; i < n; i++)
    {
      t[i] = (guint64) i * 1000;
      v[i] = 1000 + g_rand_int_range (r, 0, 100);
    }
  v[spike_at] = 100000;
  g_rand_free (r);
}

START_TEST (test_downsample_spike_survives)
{
  guint64 *t = g_new (guint64, N_BIG);
  guint32 *v = g_new (guint32, N_BIG);
  gsize spike = 777777;
  make_noise (t, v, N_BIG, spike);

  guint n_cols = 1000;
  LscColumn *cols = g_new (LscColumn, n_cols);
  LscColumn *per_path[LSC_CHART_N_PATHS] = { cols, NULL, NULL, NULL };
  lsc_columns_clear (cols, n_cols);
  lsc_downsample_min_max (t, v, NULL, N_BIG, 0, (double) N_BIG * 1000, per_path, n_cols);

  gint64 spike_col = lsc_chart_column_for_time ((double) t[spike], 0, (double) N_BIG * 1000, n_cols);
  ck_assert_int_eq (spike_col, 777);
  guint64 total = 0;
  for (guint c = 0; c < n_cols; c++)
    {
      total += cols[c].count;
      ck_assert_uint_eq (cols[c].count, 1000);
      if ((gint64) c == spike_col)
        ck_assert_uint_eq (cols[c].max, 100000);
      else
        ck_assert_uint_lt (cols[c].max, 1100);
      ck_assert_uint_ge (cols[c].min, 1000);
    }
  ck_assert_uint_eq (total, N_BIG);

  /* Stride sampling (every 1000th point) would have lost it: the contrast this design exists for. */
  ck_assert (spike % 1000 != 0);

  /* The index gives the same columns. */
  LscMinMaxIndex *index = lsc_min_max_index_new (t, v, N_BIG);
  LscColumn *cols2 = g_new (LscColumn, n_cols);
  lsc_min_max_index_columns (index, 0, (double) N_BIG * 1000, cols2, n_cols);
  for (guint c = 0; c < n_cols; c++)
    {
      ck_assert_uint_eq (cols2[c].min, cols[c].min);
      ck_assert_uint_eq (cols2[c].max, cols[c].max);
      ck_assert_uint_eq (cols2[c].count, cols[c].count);
      ck_assert_double_eq_tol (cols2[c].sum, cols[c].sum, 1e-6);
    }
  lsc_min_max_index_free (index);
  g_free (cols2);
  g_free (cols);
  g_free (t);
  g_free (v);
}
END_TEST

START_TEST (test_downsample_paths_and_bounds)
{
  guint64 t[] = { 0, 5, 10, 15, 20, 25, 99, 100 };
  guint32 v[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  guint8 p[] = { 0, 1, 0, 1, 0, 2, 0, 0 };
  LscColumn a[4], b[4];
  LscColumn *cols[LSC_CHART_N_PATHS] = { a, b, NULL, NULL }; /* path 2 skipped */
  lsc_columns_clear (a, 4);
  lsc_columns_clear (b, 4);
  lsc_downsample_min_max (t, v, p, G_N_ELEMENTS (t), 0, 100, cols, 4); /* columns of 25 ns */

  ck_assert_uint_eq (a[0].count, 3); /* t 0, 10, 20 */
  ck_assert_uint_eq (a[0].min, 1);
  ck_assert_uint_eq (a[0].max, 5);
  ck_assert_uint_eq (a[3].count, 1); /* t 99; t 100 is outside [0, 100) */
  ck_assert_uint_eq (a[3].max, 7);
  ck_assert_uint_eq (b[0].count, 2);
  ck_assert_double_eq (b[0].sum, 6);
  ck_assert_uint_eq (a[1].count + b[1].count, 0); /* t 25 is path 2 */
  ck_assert_int_eq (lsc_chart_column_for_time (100, 0, 100, 4), -1);
  ck_assert_int_eq (lsc_chart_column_for_time (-1, 0, 100, 4), -1);
  ck_assert_int_eq (lsc_chart_column_for_time (24.999, 0, 100, 4), 0);
  ck_assert_int_eq (lsc_chart_column_for_time (25, 0, 100, 4), 1);
}
END_TEST

/* An event's moment on the timeline: centred, unless that would leave the data. */
START_TEST (test_window_around)
{
  double t0, t1;
  lsc_chart_window_around (500, 0, 1000, 0.1, &t0, &t1);
  ck_assert_double_eq (t0, 450);
  ck_assert_double_eq (t1, 550);
  lsc_chart_window_around (10, 0, 1000, 0.1, &t0, &t1);
  ck_assert_double_eq (t0, 0);
  ck_assert_double_eq (t1, 100);
  lsc_chart_window_around (1000, 0, 1000, 0.1, &t0, &t1);
  ck_assert_double_eq (t0, 900);
  ck_assert_double_eq (t1, 1000);
  lsc_chart_window_around (5000, 0, 1000, 0.1, &t0, &t1); /* outside the data: its end */
  ck_assert_double_eq (t0, 900);
  lsc_chart_window_around (7, 7, 7, 0.1, &t0, &t1);
  ck_assert (t0 < 7 && t1 > 7);
}
END_TEST

/* The index's arbitrary range queries against a linear scan, on many random ranges and sizes
 * (including sizes not a multiple of the fan-out, and duplicate times). */
START_TEST (test_index_matches_reference)
{
  GRand *r = g_rand_new_with_seed (7);
  static const gsize sizes[] = { 0, 1, 2, 7, 8, 9, 63, 64, 65, 511, 513, 4097, 100003 };

  for (guint si = 0; si < G_N_ELEMENTS (sizes); si++)
    {
      gsize n = sizes[si];
      guint64 *t = g_new (guint64, MAX (n, 1));
      guint32 *v = g_new (guint32, MAX (n, 1));
      guint64 now = 0;
      for (gsize i = 0; i < n; i++)
        {
          now += g_rand_int_range (r, 0, 3); /* repeats times */
          t[i] = now;
          v[i] = g_rand_int (r);
        }
      LscMinMaxIndex *index = lsc_min_max_index_new (t, v, n);
      ck_assert_uint_eq (lsc_min_max_index_get_n (index), n);

      for (int q = 0; q < 300; q++)
        {
          gsize a = n ? g_rand_int_range (r, 0, (gint32) n + 1) : 0;
          gsize b = n ? g_rand_int_range (r, 0, (gint32) n + 1) : 0;
          gsize lo = MIN (a, b), hi = MAX (a, b);
          LscColumn got, want;
          lsc_columns_clear (&want, 1);
          for (gsize i = lo; i < hi; i++)
            lsc_column_add (&want, v[i]);
          lsc_min_max_index_query (index, lo, hi, &got);
          ck_assert_uint_eq (got.count, want.count);
          if (want.count > 0)
            {
              ck_assert_uint_eq (got.min, want.min);
              ck_assert_uint_eq (got.max, want.max);
              ck_assert_double_eq_tol (got.sum, want.sum, 1e-3);
            }
        }

      /* Columns over a random window match the direct downsampler. */
      for (int q = 0; q < 10 && n > 0; q++)
        {
          double t0 = g_rand_double_range (r, -10, (double) now);
          double t1 = t0 + g_rand_double_range (r, 1, (double) now + 20);
          guint n_cols = g_rand_int_range (r, 1, 300);
          LscColumn *c1 = g_new (LscColumn, n_cols), *c2 = g_new (LscColumn, n_cols);
          LscColumn *cols[LSC_CHART_N_PATHS] = { c1, NULL, NULL, NULL };
          lsc_columns_clear (c1, n_cols);
          lsc_downsample_min_max (t, v, NULL, n, t0, t1, cols, n_cols);
          lsc_min_max_index_columns (index, t0, t1, c2, n_cols);
          for (guint c = 0; c < n_cols; c++)
            {
              ck_assert_uint_eq (c1[c].count, c2[c].count);
              if (c1[c].count)
                {
                  ck_assert_uint_eq (c1[c].min, c2[c].min);
                  ck_assert_uint_eq (c1[c].max, c2[c].max);
                }
            }
          g_free (c1);
          g_free (c2);
        }
      lsc_min_max_index_free (index);
      g_free (t);
      g_free (v);
    }
  g_rand_free (r);
}
END_TEST

START_TEST (test_series_index)
{
  /* Two paths, out of time order (as interleaved threads record them). */
  g_autoptr (LscSeries) s = lsc_series_new (6, TRUE);
  guint64 t[] = { 30, 10, 20, 50, 40, 60 };
  guint32 v[] = { 3, 1, 2, 5, 4, 6 };
  guint8 p[] = { 0, 0, 1, 1, 0, 7 }; /* 7: unknown path, ignored */
  for (int i = 0; i < 6; i++)
    {
      s->t_ns[i] = t[i];
      s->value_ns[i] = v[i];
      s->path[i] = p[i];
      s->outcome[i] = 0;
      s->reason[i] = 0;
      s->spec_id[i] = i;
    }
  LscSeries *copy = lsc_series_copy (s);
  ck_assert_uint_eq (copy->spec_id[5], 5);

  LscSeriesIndex *index = lsc_series_index_new (copy);
  const LscMinMaxIndex *fast = lsc_series_index_get_path (index, LSC_CHART_PATH_FAST);
  ck_assert_uint_eq (lsc_min_max_index_get_n (fast), 3);
  ck_assert_uint_eq (lsc_min_max_index_get_times (fast)[0], 10);
  ck_assert_uint_eq (lsc_min_max_index_get_times (fast)[2], 40);
  ck_assert_uint_eq (lsc_series_index_get_member (index, LSC_CHART_PATH_FAST, 0), 1);
  ck_assert_uint_eq (lsc_series_index_get_member (index, LSC_CHART_PATH_FAST, 1), 0);
  ck_assert_ptr_null (lsc_series_index_get_path (index, LSC_CHART_PATH_RAW));

  guint64 t0, t1;
  guint32 v0, v1;
  ck_assert (lsc_series_index_get_extent (index, &t0, &t1, &v0, &v1));
  ck_assert_uint_eq (t0, 10);
  ck_assert_uint_eq (t1, 50); /* t 60 is on an unknown path */
  ck_assert_uint_eq (v0, 1);
  ck_assert_uint_eq (v1, 5);
  lsc_series_index_unref (index);

  LscSeriesIndex *empty = lsc_series_index_new (NULL);
  ck_assert (!lsc_series_index_get_extent (empty, NULL, NULL, NULL, NULL));
  lsc_series_index_unref (empty);
}
END_TEST

START_TEST (test_ring)
{
  LscRing *ring = lsc_ring_new (4);
  ck_assert (!lsc_ring_get_extent (ring, NULL, NULL, NULL, NULL));
  for (guint i = 0; i < 10; i++)
    lsc_ring_append (ring, i * 10, 100 + i, i % 2);
  ck_assert_uint_eq (lsc_ring_get_length (ring), 4);
  ck_assert_uint_eq (lsc_ring_get_total (ring), 10);

  guint64 t;
  guint32 v;
  guint8 p;
  lsc_ring_get (ring, 0, &t, &v, &p); /* oldest held: launch 6 */
  ck_assert_uint_eq (t, 60);
  ck_assert_uint_eq (v, 106);
  ck_assert_uint_eq (p, 0);
  lsc_ring_get (ring, 3, &t, &v, &p);
  ck_assert_uint_eq (t, 90);

  guint64 t0, t1;
  guint32 v0, v1;
  ck_assert (lsc_ring_get_extent (ring, &t0, &t1, &v0, &v1));
  ck_assert_uint_eq (t0, 60);
  ck_assert_uint_eq (t1, 90);
  ck_assert_uint_eq (v0, 106);
  ck_assert_uint_eq (v1, 109);

  /* Downsampling sees both halves of the wrapped ring. */
  LscColumn a[1], b[1];
  LscColumn *cols[LSC_CHART_N_PATHS] = { a, b, NULL, NULL };
  lsc_columns_clear (a, 1);
  lsc_columns_clear (b, 1);
  lsc_ring_downsample (ring, 0, 1000, cols, 1);
  ck_assert_uint_eq (a[0].count + b[0].count, 4);
  ck_assert_uint_eq (a[0].min, 106);
  ck_assert_uint_eq (b[0].max, 109);

  lsc_ring_clear (ring);
  ck_assert_uint_eq (lsc_ring_get_length (ring), 0);
  lsc_ring_free (ring);
}
END_TEST

/* --- Distributions ------------------------------------------------------------------------ */

static int
cmp_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return (x > y) - (x < y);
}

START_TEST (test_sort)
{
  GRand *r = g_rand_new_with_seed (3);
  static const gsize sizes[] = { 0, 1, 5, 63, 64, 1000, 65537 };
  for (guint si = 0; si < G_N_ELEMENTS (sizes); si++)
    {
      gsize n = sizes[si];
      guint32 *a = g_new (guint32, MAX (n, 1)), *b = g_new (guint32, MAX (n, 1));
      for (gsize i = 0; i < n; i++)
        a[i] = b[i] = si % 2 ? g_rand_int (r) : (guint32) g_rand_int_range (r, 0, 300); /* narrow and wide */
      lsc_sort_u32 (a, n);
      qsort (b, n, sizeof (guint32), cmp_u32);
      for (gsize i = 0; i < n; i++)
        ck_assert_uint_eq (a[i], b[i]);
      g_free (a);
      g_free (b);
    }
  g_rand_free (r);
}
END_TEST

START_TEST (test_percentiles_nearest_rank)
{
  guint32 ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
  LscDistribution *d = lsc_distribution_new (ten, 10);
  ck_assert_uint_eq (lsc_distribution_percentile (d, 50), 5);  /* rank ceil(5) = 5 */
  ck_assert_uint_eq (lsc_distribution_percentile (d, 90), 9);  /* rank 9, not 10 */
  ck_assert_uint_eq (lsc_distribution_percentile (d, 99), 10); /* rank ceil(9.9) = 10 */
  ck_assert_uint_eq (lsc_distribution_percentile (d, 0), 1);
  ck_assert_uint_eq (lsc_distribution_percentile (d, 100), 10);
  ck_assert_uint_eq (lsc_distribution_percentile (d, 51), 6);
  ck_assert_uint_eq (lsc_distribution_get_min (d), 1);
  ck_assert_uint_eq (lsc_distribution_get_max (d), 10);
  ck_assert_double_eq_tol (lsc_distribution_get_mean (d), 5.5, 1e-12);
  lsc_distribution_free (d);

  /* Against the definition on random data, including 99.9. */
  GRand *r = g_rand_new_with_seed (11);
  for (gsize n = 1; n < 2000; n += 37)
    {
      guint32 *v = g_new (guint32, n);
      for (gsize i = 0; i < n; i++)
        v[i] = g_rand_int_range (r, 0, 1000000);
      LscDistribution *dd = lsc_distribution_new (v, n);
      qsort (v, n, sizeof (guint32), cmp_u32);
      static const double ps[] = { 1, 25, 50, 90, 99, 99.9 };
      for (guint k = 0; k < G_N_ELEMENTS (ps); k++)
        {
          /* rank = smallest r with r >= p/100 · n, by exact integer comparison */
          gsize rank = 1;
          while ((double) rank * 1000.0 < ps[k] * 1000.0 * n / 100.0 - 1e-6)
            rank++;
          ck_assert_uint_eq (lsc_distribution_percentile (dd, ps[k]), v[rank - 1]);
        }
      lsc_distribution_free (dd);
      g_free (v);
    }
  g_rand_free (r);

  LscDistribution *empty = lsc_distribution_new (NULL, 0);
  ck_assert_uint_eq (lsc_distribution_percentile (empty, 50), 0);
  ck_assert_double_eq (lsc_distribution_cdf (empty, 10), 0);
  lsc_distribution_free (empty);
}
END_TEST

START_TEST (test_histogram_sums_to_n)
{
  GRand *r = g_rand_new_with_seed (5);
  gsize n = 100000;
  guint32 *v = g_new (guint32, n);
  for (gsize i = 0; i < n; i++)
    v[i] = (guint32) (1000 * exp (g_rand_double_range (r, 0, 5))); /* log-uniform 1 µs–148 µs */
  LscDistribution *d = lsc_distribution_new_take (v, n);

  for (int log_scale = 0; log_scale <= 1; log_scale++)
    for (guint bins = 1; bins <= 200; bins = bins * 3 + 1)
      {
        double *edges = g_new (double, bins + 1);
        guint64 *counts = g_new (guint64, bins);
        lsc_histogram_edges (lsc_distribution_get_min (d), lsc_distribution_get_max (d), log_scale, bins, edges);
        for (guint b = 0; b < bins; b++)
          ck_assert (edges[b] < edges[b + 1]);
        lsc_distribution_histogram (d, edges, bins, counts);
        guint64 sum = 0;
        for (guint b = 0; b < bins; b++)
          sum += counts[b];
        ck_assert_uint_eq (sum, n);
        g_free (edges);
        g_free (counts);
      }

  /* Half-open bins: a value on an inner edge counts in the upper bin. */
  guint32 w[] = { 0, 10, 10, 20 };
  LscDistribution *e = lsc_distribution_new (w, 4);
  double edges[] = { 0, 10, 20 };
  guint64 counts[2];
  lsc_distribution_histogram (e, edges, 2, counts);
  ck_assert_uint_eq (counts[0], 1);
  ck_assert_uint_eq (counts[1], 3); /* 10, 10 and the closed top edge 20 */
  lsc_distribution_free (e);
  lsc_distribution_free (d);
  g_rand_free (r);
}
END_TEST

START_TEST (test_cdf_monotone)
{
  GRand *r = g_rand_new_with_seed (9);
  gsize n = 50000;
  LscSeries *s = lsc_series_new (n, FALSE);
  for (gsize i = 0; i < n; i++)
    {
      s->t_ns[i] = i;
      s->value_ns[i] = g_rand_int_range (r, 500, 50000);
      s->path[i] = i % 3 ? LSC_CHART_PATH_DEFAULT : LSC_CHART_PATH_FAST;
    }
  LscDistribution *d = lsc_distribution_new_from_series (s, LSC_CHART_PATH_FAST);
  ck_assert_uint_eq (lsc_distribution_get_n (d), (n + 2) / 3);

  double prev = 0;
  for (double x = 0; x <= 60000; x += 7.5)
    {
      double c = lsc_distribution_cdf (d, x);
      ck_assert (c >= prev);
      ck_assert (c >= 0 && c <= 1);
      prev = c;
    }
  ck_assert_double_eq (lsc_distribution_cdf (d, lsc_distribution_get_max (d)), 1.0);
  ck_assert_double_eq (lsc_distribution_cdf (d, lsc_distribution_get_min (d) - 1.0), 0.0);
  /* The CDF at the nearest-rank p50 is at least one half. */
  ck_assert (lsc_distribution_cdf (d, lsc_distribution_percentile (d, 50)) >= 0.5);
  lsc_distribution_free (d);
  lsc_series_free (s);
  g_rand_free (r);
}
END_TEST

START_TEST (test_stage_summary)
{
  /* 3 launches × 8 stages: stage s of launch i = (i + 1) · (s + 1), launch 2 slow in stage 0. */
  guint32 rows[3 * LSC_STAGE_COUNT];
  for (int i = 0; i < 3; i++)
    for (int s = 0; s < LSC_STAGE_COUNT; s++)
      rows[i * LSC_STAGE_COUNT + s] = (i + 1) * (s + 1);
  rows[2 * LSC_STAGE_COUNT] = 900;

  LscStageSummary sum = { 0 };
  lsc_stage_summary_compute (rows, 3, &sum);
  ck_assert_uint_eq (sum.n, 3);
  ck_assert_double_eq (sum.median_ns[0], 2); /* 1, 2, 900: the spike moves the mean only */
  ck_assert_double_eq_tol (sum.mean_ns[0], 301, 1e-9);
  ck_assert_double_eq (sum.median_ns[7], 16);
  ck_assert_str_eq (lsc_chart_stage_ids[2], "specialize");

  LscStageSummary none = { 0 };
  lsc_stage_summary_compute (NULL, 0, &none);
  ck_assert_double_eq (none.median_ns[3], 0);
}
END_TEST

/* --- Ticks and labels --------------------------------------------------------------------- */

static gboolean
is_nice (double step)
{
  double e = floor (log10 (step));
  double m = step / pow (10, e);
  return fabs (m - 1) < 1e-9 || fabs (m - 2) < 1e-9 || fabs (m - 5) < 1e-9 || fabs (m - 10) < 1e-9;
}

START_TEST (test_nice_ticks)
{
  double ticks[64], step;
  guint n = lsc_chart_linear_ticks (0, 10, 6, ticks, 64, &step);
  ck_assert_double_eq (step, 2);
  ck_assert_uint_eq (n, 6); /* 0 2 4 6 8 10 */
  ck_assert_double_eq (ticks[5], 10);

  n = lsc_chart_linear_ticks (1234, 5678, 5, ticks, 64, &step);
  ck_assert_double_eq (step, 1000);
  ck_assert_uint_eq (n, 4); /* 2000 … 5000 */
  ck_assert_double_eq (ticks[0], 2000);

  GRand *r = g_rand_new_with_seed (13);
  for (int k = 0; k < 2000; k++)
    {
      double lo = g_rand_double_range (r, -1e6, 1e6);
      double hi = lo + pow (10, g_rand_double_range (r, -3, 9));
      guint max_ticks = g_rand_int_range (r, 2, 12);
      n = lsc_chart_linear_ticks (lo, hi, max_ticks, ticks, 64, &step);
      ck_assert (is_nice (step));
      ck_assert_uint_le (n, max_ticks);
      ck_assert_uint_ge (n, 1);
      for (guint i = 0; i < n; i++)
        {
          ck_assert (ticks[i] >= lo - step * 1e-6 && ticks[i] <= hi + step * 1e-6);
          double q = ticks[i] / step;
          ck_assert (fabs (q - round (q)) < 1e-6);
        }
      /* A nice range starts and ends on ticks and holds the data. */
      double a = lo, b = hi;
      double s2 = lsc_chart_nice_range (&a, &b, max_ticks);
      ck_assert (is_nice (s2));
      ck_assert (a <= lo && b >= hi);
      ck_assert (fabs (a / s2 - round (a / s2)) < 1e-6 && fabs (b / s2 - round (b / s2)) < 1e-6);
    }
  g_rand_free (r);

  double a = 0, b = 7300;
  lsc_chart_nice_range (&a, &b, 6);
  ck_assert_double_eq (a, 0);
  ck_assert_double_eq (b, 8000);
}
END_TEST

START_TEST (test_log_ticks)
{
  LscLogTick ticks[64];
  guint n = lsc_chart_log_ticks (100, 1e6, 8, ticks, 64); /* 5 decades: decades only */
  ck_assert_uint_eq (n, 5);
  for (guint i = 0; i < n; i++)
    {
      ck_assert (ticks[i].major);
      ck_assert_double_eq_tol (ticks[i].value, pow (10, 2 + i), 1e-6);
    }

  n = lsc_chart_log_ticks (1000, 100000, 9, ticks, 64); /* 2 decades: 1, 2, 5 with minors */
  ck_assert_uint_eq (n, 7);                              /* 1k 2k 5k 10k 20k 50k 100k */
  ck_assert (ticks[0].major && !ticks[1].major && !ticks[2].major && ticks[3].major);

  n = lsc_chart_log_ticks (1500, 8000, 9, ticks, 64); /* no decade inside: label 2k and 5k */
  ck_assert_uint_eq (n, 2);
  ck_assert (ticks[0].major && ticks[1].major);
  ck_assert_double_eq_tol (ticks[0].value, 2000, 1e-9);

  double lo = 1500, hi = 82000;
  lsc_chart_log_range (&lo, &hi);
  ck_assert_double_eq_tol (lo, 1000, 1e-9);
  ck_assert_double_eq_tol (hi, 100000, 1e-9);
  ck_assert_uint_eq (lsc_chart_log_ticks (0, 10, 5, ticks, 64), 0);
}
END_TEST

/* Windows and axis ranges that are infinite, NaN or huge (a hostile report's times, a floor
 * of 1e308): every point still lands in one column, no count is converted out of range. */
START_TEST (test_non_finite_ranges)
{
  static const double edge[] = { NAN, INFINITY, -INFINITY, 1e308, -1e308, 0, 1, 9.2e18, 1.8e19, 1e-300 };
  guint64 t[] = { 0, 1, 1000, G_MAXINT64, G_MAXUINT64 };
  guint32 v[] = { 1, 2, 3, 4, 5 };
  LscColumn a[7];
  LscColumn *cols[LSC_CHART_N_PATHS] = { a, NULL, NULL, NULL };
  LscRing *ring = lsc_ring_new (8);
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    {
      LscColumn one = { v[i], v[i], 1, v[i] };
      lsc_ring_append_column (ring, t[i], &one, 0); /* the weighted downsampler */
    }

  /* every point is inside [-inf, inf): each lands in a column */
  lsc_columns_clear (a, G_N_ELEMENTS (a));
  lsc_downsample_min_max (t, v, NULL, G_N_ELEMENTS (t), -INFINITY, INFINITY, cols, G_N_ELEMENTS (a));
  guint32 counted = 0;
  for (guint c = 0; c < G_N_ELEMENTS (a); c++)
    counted += a[c].count;
  ck_assert_uint_eq (counted, G_N_ELEMENTS (t));
  gint64 c = lsc_chart_column_for_time (1, -INFINITY, INFINITY, 7);
  ck_assert (c >= 0 && c < 7);
  c = lsc_chart_column_for_time (1, -1e300, 1e300, 7);
  ck_assert_int_eq (c, 3); /* the middle, as for any symmetric window */

  double ticks[64], edges[65];
  LscLogTick log_ticks[64];
  for (guint i = 0; i < G_N_ELEMENTS (edge); i++)
    for (guint j = 0; j < G_N_ELEMENTS (edge); j++)
      {
        double lo = edge[i], hi = edge[j];
        lsc_columns_clear (a, G_N_ELEMENTS (a));
        lsc_downsample_min_max (t, v, NULL, G_N_ELEMENTS (t), lo, hi, cols, G_N_ELEMENTS (a));
        lsc_ring_downsample (ring, lo, hi, cols, G_N_ELEMENTS (a));
        (void) lsc_chart_column_for_time (1, lo, hi, 7);
        (void) lsc_chart_nice_step (lo, hi, 8);
        ck_assert_uint_le (lsc_chart_linear_ticks (lo, hi, 8, ticks, G_N_ELEMENTS (ticks), NULL), G_N_ELEMENTS (ticks));
        ck_assert_uint_le (lsc_chart_log_ticks (lo, hi, 8, log_ticks, G_N_ELEMENTS (log_ticks)), G_N_ELEMENTS (log_ticks));
        lsc_histogram_edges (lo, hi, TRUE, 64, edges);
        g_free (lsc_chart_format_axis_ns (lo, hi, lo));
        g_free (lsc_chart_format_tick_ns (lo));
        double nice_lo = lo, nice_hi = hi;
        lsc_chart_nice_range (&nice_lo, &nice_hi, 8);
        nice_lo = lo, nice_hi = hi;
        lsc_chart_log_range (&nice_lo, &nice_hi);
      }
  /* an infinite top has no decades to name */
  ck_assert_uint_eq (lsc_chart_log_ticks (1, INFINITY, 8, log_ticks, G_N_ELEMENTS (log_ticks)), 0);
  lsc_ring_free (ring);
}
END_TEST

START_TEST (test_labels)
{
  g_autofree char *a = lsc_chart_format_axis_ns (1500, 3000, 500);
  ck_assert_str_eq (a, "1.5 µs");
  g_autofree char *b = lsc_chart_format_axis_ns (2000, 3000, 500);
  ck_assert_str_eq (b, "2.0 µs");
  g_autofree char *c = lsc_chart_format_axis_ns (0, 3000, 500);
  ck_assert_str_eq (c, "0");
  g_autofree char *d = lsc_chart_format_axis_ns (400, 800, 200);
  ck_assert_str_eq (d, "400 ns");
  g_autofree char *e = lsc_chart_format_axis_ns (7.5e9, 2e10, 2.5e9);
  ck_assert_str_eq (e, "7.5 s");
  g_autofree char *e2 = lsc_chart_format_axis_ns (2.5e6, 1e7, 2.5e6);
  ck_assert_str_eq (e2, "2.5 ms");

  g_autofree char *f = lsc_format_duration_ns (812);
  ck_assert_str_eq (f, "812 ns");
  g_autofree char *g = lsc_format_duration_ns (1250);
  ck_assert_str_eq (g, "1.25 µs");
  g_autofree char *h = lsc_format_duration_ns (999.7);
  ck_assert_str_eq (h, "1.00 µs");
  g_autofree char *i = lsc_format_duration_ns (14.04e6);
  ck_assert_str_eq (i, "14.0 ms");
  g_autofree char *t1 = lsc_chart_format_tick_ns (1000);
  ck_assert_str_eq (t1, "1 µs");
  g_autofree char *t2 = lsc_chart_format_tick_ns (2.5e6);
  ck_assert_str_eq (t2, "2.5 ms");
  g_autofree char *t3 = lsc_chart_format_tick_ns (100);
  ck_assert_str_eq (t3, "100 ns");
  g_autofree char *t4 = lsc_chart_format_tick_ns (20000);
  ck_assert_str_eq (t4, "20 µs");
  /* the charts count as the cards do */
  g_autofree char *j = lsc_format_count (1000000);
  ck_assert_str_eq (j, "1\u202f000\u202f000");

  g_autofree char *m1 = lsc_chart_marker_label ("debug on at launch 5000");
  ck_assert_str_eq (m1, "debug on");
  g_autofree char *m2 = lsc_chart_marker_label ("alignment offset");
  ck_assert_str_eq (m2, "alignment offset");
  g_autofree char *m3 = lsc_chart_marker_label ("skip on at launch x");
  ck_assert_str_eq (m3, "skip on at launch x");
  g_autofree char *m4 = lsc_chart_marker_label (NULL);
  ck_assert_str_eq (m4, "");
  /* one name for the path: the "default" toggle marks the baseline */
  g_autofree char *m5 = lsc_chart_marker_label ("default on at launch 1000");
  ck_assert_str_eq (m5, "baseline on");
  g_autofree char *m6 = lsc_chart_marker_label ("defaults kept");
  ck_assert_str_eq (m6, "defaults kept");
}
END_TEST

/* --- Timings ------------------------------------------------------------------------------ */

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

START_TEST (test_perf)
{
  guint64 *t = g_new (guint64, N_BIG);
  guint32 *v = g_new (guint32, N_BIG);
  make_noise (t, v, N_BIG, 123457);
  guint n_cols = 1000;
  LscColumn *cols = g_new (LscColumn, n_cols);
  LscColumn *per_path[LSC_CHART_N_PATHS] = { cols, NULL, NULL, NULL };
  double span = (double) N_BIG * 1000;
  int reps = 10;

  gint64 s = g_get_monotonic_time ();
  for (int i = 0; i < reps; i++)
    {
      lsc_columns_clear (cols, n_cols);
      lsc_downsample_min_max (t, v, NULL, N_BIG, 0, span, per_path, n_cols);
    }
  double direct = ms_since (s) / reps;

  s = g_get_monotonic_time ();
  LscMinMaxIndex *index = NULL;
  for (int i = 0; i < reps; i++)
    {
      lsc_min_max_index_free (index);
      index = lsc_min_max_index_new (t, v, N_BIG);
    }
  double build = ms_since (s) / reps;

  s = g_get_monotonic_time ();
  for (int i = 0; i < reps * 10; i++)
    lsc_min_max_index_columns (index, 0, span, cols, n_cols);
  double query_full = ms_since (s) / (reps * 10);
  ck_assert_uint_eq (cols[123].max, 100000);

  s = g_get_monotonic_time ();
  for (int i = 0; i < reps * 10; i++)
    lsc_min_max_index_columns (index, span * 0.4, span * 0.41, cols, n_cols); /* 10k points */
  double query_zoom = ms_since (s) / (reps * 10);

  /* A whole report's series: 1M launches on three paths. */
  LscSeries *series = lsc_series_new (N_BIG, TRUE);
  for (gsize i = 0; i < N_BIG; i++)
    {
      series->t_ns[i] = t[i];
      series->value_ns[i] = v[i];
      series->path[i] = i % 10 == 0 ? LSC_CHART_PATH_RAW : i % 2 ? LSC_CHART_PATH_FAST : LSC_CHART_PATH_DEFAULT;
      series->outcome[i] = series->reason[i] = 0;
      series->spec_id[i] = 1;
    }
  LscSeries *copy = lsc_series_copy (series);
  s = g_get_monotonic_time ();
  LscSeriesIndex *sindex = lsc_series_index_new (copy);
  double series_build = ms_since (s);

  s = g_get_monotonic_time ();
  LscDistribution *d = lsc_distribution_new_from_series (series, LSC_CHART_PATH_FAST);
  double dist_build = ms_since (s);

  gsize mem = 0;
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    if (lsc_series_index_get_path (sindex, p))
      mem += lsc_min_max_index_get_n (lsc_series_index_get_path (sindex, p));

  printf ("perf: direct min/max downsample 1M points -> 1000 columns: %.2f ms\n", direct);
  printf ("perf: multi-resolution index build, 1M points (fan-out %d): %.2f ms\n", LSC_MIN_MAX_FANOUT, build);
  printf ("perf: index -> 1000 columns, full range: %.3f ms; zoomed to 1%%: %.3f ms\n", query_full, query_zoom);
  printf ("perf: series index build, 1M launches on 3 paths (split + 3 indexes): %.2f ms (%zu points)\n",
          series_build, mem);
  printf ("perf: distribution build (extract + radix sort) of %zu fast-path values: %.2f ms\n",
          lsc_distribution_get_n (d), dist_build);

  lsc_distribution_free (d);
  lsc_series_index_unref (sindex);
  lsc_series_free (series);
  lsc_min_max_index_free (index);
  g_free (cols);
  g_free (t);
  g_free (v);
}
END_TEST

static Suite *
chart_data_suite (void)
{
  Suite *s = suite_create ("chart-data");

  TCase *tc = tcase_create ("scales");
  tcase_add_test (tc, test_normalize_linear);
  tcase_add_test (tc, test_normalize_log);
  suite_add_tcase (s, tc);

  tc = tcase_create ("downsample");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_downsample_spike_survives);
  tcase_add_test (tc, test_downsample_paths_and_bounds);
  tcase_add_test (tc, test_window_around);
  tcase_add_test (tc, test_index_matches_reference);
  tcase_add_test (tc, test_series_index);
  tcase_add_test (tc, test_ring);
  suite_add_tcase (s, tc);

  tc = tcase_create ("distribution");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_sort);
  tcase_add_test (tc, test_percentiles_nearest_rank);
  tcase_add_test (tc, test_histogram_sums_to_n);
  tcase_add_test (tc, test_cdf_monotone);
  tcase_add_test (tc, test_stage_summary);
  suite_add_tcase (s, tc);

  tc = tcase_create ("axes");
  tcase_add_test (tc, test_nice_ticks);
  tcase_add_test (tc, test_log_ticks);
  tcase_add_test (tc, test_labels);
  tcase_add_test (tc, test_non_finite_ranges);
  suite_add_tcase (s, tc);

  tc = tcase_create ("perf");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_perf);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  /* Labels are checked in the C locale ("1,000,000" falls back to a comma there). */
  setlocale (LC_ALL, "C");
  SRunner *sr = srunner_create (chart_data_suite ());
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
