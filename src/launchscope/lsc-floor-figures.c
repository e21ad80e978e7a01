/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-floor-figures.c — the in-session floor's estimates from its blocks (lsc-floor.h): the
 * statistics alone, shared by the probe that times the blocks and the reader of stored ones.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-floor.h"

static int
lsc__cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
lsc__median_of_sorted (const double *v, size_t n)
{
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The sign test's interval for a median: the largest 1-based rank j with P(B <= j - 1) <= 2.5%
 * for B ~ Binomial(m, 1/2), so that x_(j) .. x_(m - j + 1) holds the median with at least 95%;
 * 0 when even the whole range holds it with less (m < 6). */
static size_t
lsc__median_interval_rank (size_t m)
{
  double cdf = 0, log_half_m = (double) m * log (0.5);
  size_t j = 0;
  for (size_t i = 0; i <= m / 2; i++)
    {
      cdf += exp (lgamma ((double) m + 1) - lgamma ((double) i + 1) - lgamma ((double) (m - i) + 1) + log_half_m);
      if (cdf > 0.025)
        break;
      j = i + 1;
    }
  return j;
}

void
lsc_paired_estimate_compute (const double *a, const double *b, size_t n, double *scratch, lsc_paired_estimate *out)
{
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite (a[i]) && isfinite (b[i]))
      scratch[m++] = a[i] - b[i];
  *out = (lsc_paired_estimate){ .rounds = m };
  if (m == 0)
    return;
  qsort (scratch, m, sizeof *scratch, lsc__cmp_double);
  out->median_ns = lsc__median_of_sorted (scratch, m);
  size_t j = lsc__median_interval_rank (m);
  out->low_ns = scratch[j ? j - 1 : 0];
  out->high_ns = scratch[j ? m - j : m - 1];
}

bool
lsc_paired_estimate_within_noise (const lsc_paired_estimate *e)
{
  return e->rounds > 0 && e->low_ns <= 0 && e->high_ns >= 0;
}

int
lsc_floor_figures_compute (const lsc_floor_round *rounds, size_t n, lsc_floor_figures *out)
{
  memset (out, 0, sizeof *out);
  out->floor_p50_ns = NAN;
  if (n == 0)
    return 0;
  double *a = malloc (n * sizeof *a), *b = malloc (n * sizeof *b), *scratch = malloc (n * sizeof *scratch);
  if (!a || !b || !scratch)
    {
      free (a);
      free (b);
      free (scratch);
      return -1;
    }
  out->rounds = n;
  size_t bare = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite (rounds[i].p50_ns[LSC_FLOOR_BARE]))
      scratch[bare++] = rounds[i].p50_ns[LSC_FLOOR_BARE];
  if (bare)
    {
      qsort (scratch, bare, sizeof *scratch, lsc__cmp_double);
      out->floor_p50_ns = lsc__median_of_sorted (scratch, bare);
    }
  for (int path = FL_PATH_FAST; path <= FL_PATH_DEFAULT; path++)
    {
      size_t m = 0;
      for (size_t i = 0; i < n; i++)
        if ((int) rounds[i].path == path)
          {
            a[m] = rounds[i].p50_ns[LSC_FLOOR_UNRECORDED];
            b[m++] = rounds[i].p50_ns[LSC_FLOOR_BARE];
          }
      lsc_paired_estimate_compute (a, b, m, scratch, &out->above_floor[path]);
    }
  for (size_t i = 0; i < n; i++)
    {
      a[i] = rounds[i].p50_ns[LSC_FLOOR_RECORDED];
      b[i] = rounds[i].p50_ns[LSC_FLOOR_UNRECORDED];
    }
  lsc_paired_estimate_compute (a, b, n, scratch, &out->observer);
  free (a);
  free (b);
  free (scratch);
  return 0;
}

static void
lsc__print_estimate (FILE *out, const char *indent, const char *what, const lsc_paired_estimate *e,
                     const char *unit_note)
{
  if (e->rounds == 0)
    return;
  fprintf (out, "%s  %s: ", indent, what);
  if (lsc_paired_estimate_within_noise (e))
    fputs ("within noise (", out);
  fprintf (out, "%+.0f ns%s95%% interval %+.0f .. %+.0f ns over %zu rounds)%s\n", e->median_ns,
           lsc_paired_estimate_within_noise (e) ? ", " : " (", e->low_ns, e->high_ns, e->rounds, unit_note);
}

void
lsc_floor_figures_print (FILE *out, const char *indent, const lsc_floor_figures *f)
{
  if (f->rounds == 0)
    {
      fprintf (out, "%sin-session floor and observer cost: not measured (no round of floor blocks ran)\n", indent);
      return;
    }
  if (isfinite (f->floor_p50_ns))
    fprintf (out, "%sin-session floor: bare cuLaunchKernel p50 %.0f ns, %zu rounds of %d-launch blocks\n", indent,
             f->floor_p50_ns, f->rounds, LSC_FLOOR_BLOCK);
  else
    fprintf (out, "%sin-session floor: no bare block ran (the spec had no binary of its own), %zu rounds\n", indent,
             f->rounds);
  lsc__print_estimate (out, indent, "fast path above the floor", &f->above_floor[FL_PATH_FAST], "");
  lsc__print_estimate (out, indent, "baseline above the floor", &f->above_floor[FL_PATH_DEFAULT], "");
  lsc__print_estimate (out, indent, "observer cost per launch", &f->observer,
                       "; excludes being subscribed to CUPTI at all");
}
