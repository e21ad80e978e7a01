/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-run-view.h — the live page's run view: Record / Pause / Stop (the window's live.*
 * actions), the state line with the elapsed time and the device, the cards, and the overhead
 * chart, or in its place what the page is waiting for.  It shows what the page tells it.
 */
#pragma once

#include <adwaita.h>

#include "lsc-live-cards.h"
#include "lsc-live-state.h"
#include "lsc-overhead-chart.h"

G_BEGIN_DECLS

#define LSC_TYPE_LIVE_RUN_VIEW (lsc_live_run_view_get_type ())
G_DECLARE_FINAL_TYPE (LscLiveRunView, lsc_live_run_view, LSC, LIVE_RUN_VIEW, GtkWidget)

/* The state line, the spinner, Pause or Resume, and what stands in for the chart. */
void lsc_live_run_view_set_state (LscLiveRunView *self, LscLivePageState state);
void lsc_live_run_view_set_device (LscLiveRunView *self, const char *device);
/* Recording time as m:ss; negative: none. */
void lsc_live_run_view_set_elapsed (LscLiveRunView *self, gint64 seconds);
/* texts: LSC_LIVE_N_CARDS of them. */
void lsc_live_run_view_set_cards (LscLiveRunView *self, const LscLiveCardText *texts);

LscOverheadChart *lsc_live_run_view_get_chart (LscLiveRunView *self);
/* Shows the settings panel when the window is too narrow to keep it beside the run (the page
 * binds it to its flap). */
GtkToggleButton *lsc_live_run_view_get_settings_button (LscLiveRunView *self);
/* The chart (TRUE, once launches arrived) or the status page in its place. */
void lsc_live_run_view_show_chart (LscLiveRunView *self, gboolean chart);

G_END_DECLS
