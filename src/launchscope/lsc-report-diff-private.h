/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-diff-private.h — what lsc-report-diff.c takes from lsc-report-diff-stats.c.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lsc-report-diff.h"

/* z with P(|Z| > z) = p for a standard normal Z. */
double lsc__diff_z_two_sided (double p);

/* The metric of one session's values (n >= 1; sorts them). */
double lsc__diff_metric_of (int64_t *v, size_t n, lsc_diff_metric metric);

/* Welch's interval for mean(b) - mean(a) at two-sided level 1 - alpha (na, nb >= 2): the two
 * means and the interval's half-width (0 when both sides are constant). */
void lsc__diff_welch (const double *a, long na, const double *b, long nb, double alpha, double *mean_a, double *mean_b,
                      double *half);
