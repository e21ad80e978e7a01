/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-selection-panel.h — the timeline's side panel for a selected time range: its ends and
 * length, then per path the launches and their p50/p90/p99, the fallbacks by reason, the specs
 * hit and the compiles (LscSelectionStats).  Its Clear button activates
 * "timeline.clear-selection".
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-selection-stats.h"

G_BEGIN_DECLS

#define LSC_TYPE_SELECTION_PANEL (lsc_selection_panel_get_type ())
G_DECLARE_FINAL_TYPE (LscSelectionPanel, lsc_selection_panel, LSC, SELECTION_PANEL, GtkWidget)

/* Shows the range [t0_ns, t1_ns) with its statistics still being computed. */
void lsc_selection_panel_set_range (LscSelectionPanel *self, double t0_ns, double t1_ns);
/* Shows stats (copied) for the range they were computed for. */
void lsc_selection_panel_set_stats (LscSelectionPanel *self, const LscSelectionStats *stats);
/* The statistics shown, or NULL while they are computed. */
const LscSelectionStats *lsc_selection_panel_get_stats (LscSelectionPanel *self);

G_END_DECLS
