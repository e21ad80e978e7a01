/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-timeline-view.h — per-launch overhead over time (LscOverheadChart) with its toolbar:
 * log scale, toggle markers, undo zoom, and the selected range's statistics in a side panel.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"
#include "lsc-selection-stats.h"

G_BEGIN_DECLS

#define LSC_TYPE_TIMELINE_VIEW (lsc_timeline_view_get_type ())
G_DECLARE_FINAL_TYPE (LscTimelineView, lsc_timeline_view, LSC, TIMELINE_VIEW, GtkWidget)

void lsc_timeline_view_set_document (LscTimelineView *self, LscDocument *document);
/* Zooms the chart to a twentieth of the session around t_ns (since the session start), once
 * the chart has its data. */
void lsc_timeline_view_show_time (LscTimelineView *self, gint64 t_ns);
/* Selects [t0_ns, t1_ns) (since the session start) on the chart, once it has its data, and
 * shows the range's statistics beside it. */
void lsc_timeline_view_select_range (LscTimelineView *self, double t0_ns, double t1_ns);
/* The statistics the side panel shows, or NULL (no selection, or still computing). */
const LscSelectionStats *lsc_timeline_view_get_selection_stats (LscTimelineView *self);
/* TRUE while a selection waits for the chart's data or its statistics. */
gboolean lsc_timeline_view_get_selection_pending (LscTimelineView *self);
/* The chart widget, for the PNG export. */
GtkWidget *lsc_timeline_view_get_chart (LscTimelineView *self);

G_END_DECLS
