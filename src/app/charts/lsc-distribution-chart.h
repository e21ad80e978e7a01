/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-distribution-chart.h — the distribution of host overhead per path, as a histogram or
 * a CDF, with a linear or log overhead axis, p50/p90/p99 markers and a legend.
 *
 * Holds one LscDistribution (sorted values) per path; every redraw is binary searches over
 * them, so a million launches redraw in O(bins · log n).
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-chart-data.h"

G_BEGIN_DECLS

typedef enum {
  LSC_DISTRIBUTION_MODE_HISTOGRAM,
  LSC_DISTRIBUTION_MODE_CDF,
} LscDistributionMode;

GType lsc_distribution_mode_get_type (void);
#define LSC_TYPE_DISTRIBUTION_MODE (lsc_distribution_mode_get_type ())

#define LSC_TYPE_DISTRIBUTION_CHART (lsc_distribution_chart_get_type ())
G_DECLARE_FINAL_TYPE (LscDistributionChart, lsc_distribution_chart, LSC, DISTRIBUTION_CHART, GtkWidget)

GtkWidget *lsc_distribution_chart_new (void);

/* Sets one path's values (transfer full: the chart frees dist; NULL removes the path).
 * Build the LscDistribution off the main loop for big reports (it sorts). */
void lsc_distribution_chart_set_distribution (LscDistributionChart *self, LscChartPath path,
                                              LscDistribution *dist);
/* Convenience: replaces every path's distribution with the launches of series (not taken:
 * the values are copied and sorted on the calling thread; NULL clears). */
void lsc_distribution_chart_set_series (LscDistributionChart *self, const LscSeries *series);
void lsc_distribution_chart_clear (LscDistributionChart *self);
/* Names the distribution in path's slot in the legend, tooltip and description instead of
 * the path (a comparison puts report A and report B in two slots); NULL restores the name. */
void lsc_distribution_chart_set_label (LscDistributionChart *self, LscChartPath path, const char *label);

/* The session's raw cuLaunchKernel p50 as a marker; NAN or <= 0 hides it. */
void lsc_distribution_chart_set_raw_floor (LscDistributionChart *self, double p50_ns);
double lsc_distribution_chart_get_raw_floor (LscDistributionChart *self);

void lsc_distribution_chart_set_mode (LscDistributionChart *self, LscDistributionMode mode);
LscDistributionMode lsc_distribution_chart_get_mode (LscDistributionChart *self);

/* A log overhead (x) axis: launch overheads span decades once spikes are in. */
void lsc_distribution_chart_set_log_x (LscDistributionChart *self, gboolean log_x);
gboolean lsc_distribution_chart_get_log_x (LscDistributionChart *self);

/* Renders to a PNG as lsc_overhead_chart_save_png() does (<= 0: current size or 960 × 400). */
gboolean lsc_distribution_chart_save_png (LscDistributionChart *self, const char *filename, int width,
                                          int height, GError **error);

G_END_DECLS
