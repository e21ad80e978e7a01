/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-cli-timing.c — the statistics bench and overhead report (src/cli/lsc-cli-timing.c),
 * against references computed here by counting, not by the same sort-and-index.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "lsc-cli.h"

/* A median by definition: a value with at least half the values at or below it and at least
 * half at or above it; for an even count, the mean of the two middle ones. */
static double
median_by_counting (const double *v, size_t n)
{
  double lo = NAN, hi = NAN;
  for (size_t i = 0; i < n; i++)
    {
      size_t below = 0, above = 0;
      for (size_t j = 0; j < n; j++)
        {
          below += v[j] <= v[i];
          above += v[j] >= v[i];
        }
      if (below >= (n + 1) / 2 && above >= n / 2 + 1 && (isnan (lo) || v[i] > lo))
        lo = v[i]; /* the lower middle */
      if (above >= (n + 1) / 2 && below >= n / 2 + 1 && (isnan (hi) || v[i] < hi))
        hi = v[i]; /* the upper middle */
    }
  return n % 2 ? lo : (lo + hi) / 2;
}

START_TEST (test_paired_median)
{
  srand (7);
  for (size_t n = 1; n <= 41; n++)
    {
      double a[41], b[41], d[41];
      for (size_t i = 0; i < n; i++)
        {
          a[i] = rand () % 5000;
          b[i] = rand () % 5000; /* differences of both signs */
          d[i] = a[i] - b[i];
        }
      ck_assert_double_eq_tol (lsc_paired_median (a, b, n), median_by_counting (d, n), 1e-9);
      /* Paired: a common drift per round cancels exactly. */
      double a2[41], b2[41];
      for (size_t i = 0; i < n; i++)
        {
          a2[i] = a[i] + 1000.0 * (double) i;
          b2[i] = b[i] + 1000.0 * (double) i;
        }
      ck_assert_double_eq_tol (lsc_paired_median (a2, b2, n), lsc_paired_median (a, b, n), 1e-9);
    }
  double x = 1;
  ck_assert_double_eq (lsc_paired_median (&x, &x, 0), 0);
}
END_TEST

/* p90 - p10 (nearest rank) of values 0..n-1 in any order is ceil(0.9 n) - ceil(0.1 n); the
 * input is left as it was. */
START_TEST (test_spread_p10_p90)
{
  srand (13);
  for (size_t n = 2; n <= 60; n++)
    {
      double v[60], copy[60];
      for (size_t i = 0; i < n; i++)
        v[i] = (double) i;
      for (size_t i = n - 1; i > 0; i--) /* shuffle */
        {
          size_t j = (size_t) rand () % (i + 1);
          double t = v[i];
          v[i] = v[j];
          v[j] = t;
        }
      for (size_t i = 0; i < n; i++)
        copy[i] = v[i];
      double want = (double) ((9 * n + 9) / 10) - (double) ((n + 9) / 10);
      ck_assert_double_eq (lsc_spread_p10_p90 (v, n), want);
      for (size_t i = 0; i < n; i++)
        ck_assert_double_eq (v[i], copy[i]);
    }
  double one = 5;
  ck_assert_double_eq (lsc_spread_p10_p90 (&one, 1), 0);
}
END_TEST

START_TEST (test_summarize_nearest_rank)
{
  srand (11);
  for (size_t n = 1; n <= 300; n += 7)
    {
      uint64_t v[300], copy[300];
      for (size_t i = 0; i < n; i++)
        copy[i] = v[i] = (uint64_t) (rand () % 1000);
      lsc_summary s;
      lsc_summarize (v, n, 1, &s);
      ck_assert_uint_eq (s.n, n);
      const double ps[3] = { 0.50, 0.90, 0.99 };
      const double got[3] = { s.p50, s.p90, s.p99 };
      for (int k = 0; k < 3; k++)
        {
          /* Nearest rank: the smallest value with at least p of the samples at or below it. */
          double want = INFINITY;
          for (size_t i = 0; i < n; i++)
            {
              size_t at_or_below = 0;
              for (size_t j = 0; j < n; j++)
                at_or_below += copy[j] <= copy[i];
              if ((double) at_or_below >= ps[k] * (double) n - 1e-9 && (double) copy[i] < want)
                want = (double) copy[i];
            }
          ck_assert_double_eq (got[k], want);
        }
    }
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("cli-timing");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, test_paired_median);
  tcase_add_test (tc, test_spread_p10_p90);
  tcase_add_test (tc, test_summarize_nearest_rank);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
