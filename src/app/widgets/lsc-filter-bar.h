/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-filter-bar.h — the window's filter, in its header bar: which process (a session of the
 * report; shown when it holds several) and which kernel (a searchable drop-down) every view
 * of launches shows.
 * It sets the document's filter (lsc_document_set_filter); the views follow the document.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_FILTER_BAR (lsc_filter_bar_get_type ())
G_DECLARE_FINAL_TYPE (LscFilterBar, lsc_filter_bar, LSC, FILTER_BAR, GtkWidget)

/* A new report starts unfiltered.  NULL empties the bar. */
void lsc_filter_bar_set_document (LscFilterBar *self, LscDocument *document);

/* Chooses the kernel with this id (LSC_ROW_ANY: all kernels), and its process when another is
 * chosen; an id the report does not hold chooses all kernels. */
void lsc_filter_bar_set_kernel (LscFilterBar *self, gint64 kernel_id);

G_END_DECLS
