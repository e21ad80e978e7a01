/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-specs-view.h — the spec-cache inspector: one row per compiled specialization with its
 * decoded key (pointer alignment, integer classes, debug, instrumentation, compile hook),
 * hits, misses, compile time and first/last use; every column sortable.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_SPECS_VIEW (lsc_specs_view_get_type ())
G_DECLARE_FINAL_TYPE (LscSpecsView, lsc_specs_view, LSC, SPECS_VIEW, GtkWidget)

void lsc_specs_view_set_document (LscSpecsView *self, LscDocument *document);

G_END_DECLS
