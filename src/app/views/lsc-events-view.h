/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-events-view.h — the report's events (fallbacks with their reasons, toggles, compiles,
 * errors, notes) with a kind filter and a search entry.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_EVENTS_VIEW (lsc_events_view_get_type ())
G_DECLARE_FINAL_TYPE (LscEventsView, lsc_events_view, LSC, EVENTS_VIEW, GtkWidget)

void lsc_events_view_set_document (LscEventsView *self, LscDocument *document);
void lsc_events_view_focus_search (LscEventsView *self);

G_END_DECLS
