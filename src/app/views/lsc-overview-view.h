/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-overview-view.h — the overview of a report: cards with the per-path percentiles, the
 * fast-vs-baseline speed-up, the distance of the fast path to the raw driver floor, launches,
 * fallbacks, spec cache, dropped rows and observer overhead; and a table per launch path.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_OVERVIEW_VIEW (lsc_overview_view_get_type ())
G_DECLARE_FINAL_TYPE (LscOverviewView, lsc_overview_view, LSC, OVERVIEW_VIEW, GtkWidget)

/* document NULL clears the view. */
void lsc_overview_view_set_document (LscOverviewView *self, LscDocument *document);

/* The per-path table as its context menu copies it: the header line and row row (row > 0),
 * or every row (row 0), fields separated by tabs. */
char *lsc_overview_view_dup_table_text (LscOverviewView *self, int row);

G_END_DECLS
