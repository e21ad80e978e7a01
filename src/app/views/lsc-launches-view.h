/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-launches-view.h — every launch of a report, lazily: a 1,000,000-launch report scrolls
 * without creating a million rows.  Filtering by path and outcome and sorting by a column
 * header run in SQL on a worker thread.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_LAUNCHES_VIEW (lsc_launches_view_get_type ())
G_DECLARE_FINAL_TYPE (LscLaunchesView, lsc_launches_view, LSC, LAUNCHES_VIEW, GtkWidget)

void lsc_launches_view_set_document (LscLaunchesView *self, LscDocument *document);

G_END_DECLS
