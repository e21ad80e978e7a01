/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-stage-chart.h — the baseline (default path) launch broken into its stages (resolve,
 * bind, specialize, key, lookup, globals, metadata, launch): one stacked horizontal bar per
 * row — all kernels, or one per kernel — of the median or mean ns per stage, with labels and
 * a legend.
 *
 * Takes pre-aggregated LscStageSummary rows (lsc_stage_summary_compute), so the chart holds a
 * few numbers per kernel whatever the report's size.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-chart-data.h"

G_BEGIN_DECLS

typedef enum {
  LSC_STAGE_STATISTIC_MEDIAN,
  LSC_STAGE_STATISTIC_MEAN,
} LscStageStatistic;

GType lsc_stage_statistic_get_type (void);
#define LSC_TYPE_STAGE_STATISTIC (lsc_stage_statistic_get_type ())

#define LSC_TYPE_STAGE_CHART (lsc_stage_chart_get_type ())
G_DECLARE_FINAL_TYPE (LscStageChart, lsc_stage_chart, LSC, STAGE_CHART, GtkWidget)

GtkWidget *lsc_stage_chart_new (void);

/* Sets the bars, top to bottom (deep copy: the caller keeps rows; n_rows 0 clears).  A row
 * with label NULL is shown as "All kernels"; rows with n == 0 are left out. */
void lsc_stage_chart_set_rows (LscStageChart *self, const LscStageSummary *rows, guint n_rows);
void lsc_stage_chart_clear (LscStageChart *self);

/* The bars as a table for the clipboard: a header line, then per bar and stage its kernel,
 * launches, stage, median and mean, separated by tabs. */
char *lsc_stage_chart_dup_text (LscStageChart *self);

void lsc_stage_chart_set_statistic (LscStageChart *self, LscStageStatistic statistic);
LscStageStatistic lsc_stage_chart_get_statistic (LscStageChart *self);

/* Renders to a PNG as lsc_overhead_chart_save_png() does (<= 0: current size or 960 × 400). */
gboolean lsc_stage_chart_save_png (LscStageChart *self, const char *filename, int width, int height,
                                   GError **error);

G_END_DECLS
