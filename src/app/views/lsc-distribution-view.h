/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-distribution-view.h — the distribution of launch overhead per path (histogram or
 * CDF, linear or log axis) in an LscDistributionChart.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_DISTRIBUTION_VIEW (lsc_distribution_view_get_type ())
G_DECLARE_FINAL_TYPE (LscDistributionView, lsc_distribution_view, LSC, DISTRIBUTION_VIEW, GtkWidget)

void lsc_distribution_view_set_document (LscDistributionView *self, LscDocument *document);
GtkWidget *lsc_distribution_view_get_chart (LscDistributionView *self);

G_END_DECLS
