/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-timeline-view.h — per-launch overhead over time (LscOverheadChart) with its toolbar:
 * log scale, toggle markers, undo zoom.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_TIMELINE_VIEW (lsc_timeline_view_get_type ())
G_DECLARE_FINAL_TYPE (LscTimelineView, lsc_timeline_view, LSC, TIMELINE_VIEW, GtkWidget)

void lsc_timeline_view_set_document (LscTimelineView *self, LscDocument *document);
/* Zooms the chart to a twentieth of the session around t_ns (since the session start), once
 * the chart has its data. */
void lsc_timeline_view_show_time (LscTimelineView *self, gint64 t_ns);
/* The chart widget, for the PNG export. */
GtkWidget *lsc_timeline_view_get_chart (LscTimelineView *self);

G_END_DECLS
