/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-compare-view.h — two reports compared: both distributions of a path overlaid, the
 * table of differences with their intervals and verdicts, the session facts side by side,
 * the comparison's warnings, and its export as CSV or JSON.
 */
#pragma once

#include <adwaita.h>

#include "lsc-comparison.h"

G_BEGIN_DECLS

#define LSC_TYPE_COMPARE_VIEW (lsc_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (LscCompareView, lsc_compare_view, LSC, COMPARE_VIEW, GtkWidget)

/* Shows comparison: a spinner until it is ready (call again once run_finish succeeded), then
 * its results.  NULL shows the invitation to compare. */
void lsc_compare_view_set_comparison (LscCompareView *self, LscComparison *comparison);
LscComparison *lsc_compare_view_get_comparison (LscCompareView *self);

GtkWidget *lsc_compare_view_get_chart (LscCompareView *self);

/* The export without the file chooser (its answer; tests): a toast-less write, errors to the
 * window's dialog.  FALSE with error set when the file cannot be written. */
gboolean lsc_compare_view_export_to (LscCompareView *self, LscComparisonFormat format, GFile *file, GError **error);

G_END_DECLS
