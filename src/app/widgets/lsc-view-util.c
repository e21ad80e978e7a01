/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-view-util.c — plumbing the chart views share (see lsc-view-util.h).
 */
#include "lsc-view-util.h"

void
lsc_view_show_page (GtkStack *stack, GtkSpinner *spinner, const char *page)
{
  gtk_stack_set_visible_child_name (stack, page);
  gtk_spinner_set_spinning (spinner, g_strcmp0 (gtk_stack_get_visible_child_name (stack), "loading") == 0);
}

gboolean
lsc_view_charts_ready (LscDocument *document, GtkStack *stack, GtkSpinner *spinner)
{
  if (document && lsc_document_get_charts_ready (document))
    return TRUE;
  gboolean failed = document && lsc_document_get_charts_error (document);
  lsc_view_show_page (stack, spinner, document && !failed ? "loading" : "chart");
  return FALSE;
}

void
lsc_view_follow_document (gpointer view, LscDocument **slot, LscDocument *document, GCallback charts_ready)
{
  if (*slot)
    g_signal_handlers_disconnect_by_func (*slot, charts_ready, view);
  g_set_object (slot, document);
  if (document)
    g_signal_connect_swapped (document, "notify::charts-ready", charts_ready, view);
}

void
lsc_view_dispose (GtkWidget *view, GType type, LscDocument **document, GSettings **settings, GCallback charts_ready)
{
  if (*document)
    g_signal_handlers_disconnect_by_func (*document, charts_ready, view);
  g_clear_object (document);
  g_clear_object (settings);
  gtk_widget_dispose_template (view, type);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (view));)
    gtk_widget_unparent (child);
}
