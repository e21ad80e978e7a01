/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-view-util.h — plumbing the chart views share (no GObject type): following a
 * document's charts-ready, the loading page, and disposing a templated view.
 *
 * Main thread only, like all GTK calls.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

/* Shows page in stack.  The spinner spins only while the loading page shows: a spinning one,
 * even hidden, ticks every frame. */
void lsc_view_show_page (GtkStack *stack, GtkSpinner *spinner, const char *page);

/* Whether document's chart data is ready.  When it is not, shows the loading page, or the
 * chart page (empty) when there is no document or loading failed. */
gboolean lsc_view_charts_ready (LscDocument *document, GtkStack *stack, GtkSpinner *spinner);

/* Replaces *slot with document (a new reference) and calls charts_ready (view) whenever the
 * new document's charts-ready changes; the old document's handler is disconnected. */
void lsc_view_follow_document (gpointer view, LscDocument **slot, LscDocument *document, GCallback charts_ready);

/* The dispose of a view following a document: disconnects charts_ready, drops the document
 * and the settings, disposes the template of type and unparents what else is left. */
void lsc_view_dispose (GtkWidget *view, GType type, LscDocument **document, GSettings **settings,
                       GCallback charts_ready);

G_END_DECLS
