/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-stages-view.h — the baseline launch broken into its stages (LscStageChart), median or
 * mean per stage.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_STAGES_VIEW (lsc_stages_view_get_type ())
G_DECLARE_FINAL_TYPE (LscStagesView, lsc_stages_view, LSC, STAGES_VIEW, GtkWidget)

void lsc_stages_view_set_document (LscStagesView *self, LscDocument *document);
/* The chart, or NULL when the report has no stage times. */
GtkWidget *lsc_stages_view_get_chart (LscStagesView *self);

G_END_DECLS
