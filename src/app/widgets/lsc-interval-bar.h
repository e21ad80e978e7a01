/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-interval-bar.h — a difference's confidence interval as a small bar: a zero line, the
 * interval as a bar and the point as a tick, on a scale shared by the rows of one table, in
 * the widget's CSS colour (so a verdict's style class colours it).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LSC_TYPE_INTERVAL_BAR (lsc_interval_bar_get_type ())
G_DECLARE_FINAL_TYPE (LscIntervalBar, lsc_interval_bar, LSC, INTERVAL_BAR, GtkWidget)

/* low <= point <= high, drawn on [-scale, +scale] (scale > 0; values beyond are clamped). */
GtkWidget *lsc_interval_bar_new (double low, double point, double high, double scale);

G_END_DECLS
