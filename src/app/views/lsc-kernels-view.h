/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-kernels-view.h — one row per kernel: its launches, host-time percentiles per path, hits,
 * misses, fallbacks, specs and compile time and, for a recorded program, the framework's time
 * per launch, GPU time, launch-bound share, a spec cache's simulated hit rate and the savings
 * estimate; every column sortable.  Choosing a row filters the window's other views to that
 * kernel (win.filter-kernel); the row of the document's filter stays chosen.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_KERNELS_VIEW (lsc_kernels_view_get_type ())
G_DECLARE_FINAL_TYPE (LscKernelsView, lsc_kernels_view, LSC, KERNELS_VIEW, GtkWidget)

void lsc_kernels_view_set_document (LscKernelsView *self, LscDocument *document);

G_END_DECLS
