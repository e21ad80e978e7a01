/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-window-compare.c — the window's side of comparing reports: win.compare (a file chooser
 * for report B against the open report), running the comparison off the main loop, and its
 * errors, shown as the errors of opening a report are.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-window-private.h"

static void
compare_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  LscComparison *comparison = LSC_COMPARISON (source);
  g_autoptr (LscWindow) self = data;
  g_autoptr (GError) error = NULL;

  gboolean ok = lsc_comparison_run_finish (comparison, result, &error);
  /* the window's template children are gone once it was disposed */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->compare_view
      || lsc_compare_view_get_comparison (self->compare_view) != comparison)
    return; /* superseded, or the window is going */
  g_clear_object (&self->compare_cancellable);
  if (!ok)
    {
      lsc_compare_view_set_comparison (self->compare_view, NULL);
      lsc_window_show_error (self, _("Cannot Compare the Reports"), error->message);
      return;
    }
  lsc_compare_view_set_comparison (self->compare_view, comparison);
  lsc_window_show_state (self);
}

/* Compares a with b with the metric and noise floors of the settings. */
static void
start (LscWindow *self, GFile *a, GFile *b)
{
  lsc_window_compare_cancel (self);
  g_autoptr (LscComparison) comparison = lsc_comparison_new (a, b);
  g_autofree char *metric_name = g_settings_get_string (self->settings, "compare-metric");
  lsc_diff_metric metric;
  if (lsc_diff_metric_parse (metric_name, &metric))
    lsc_comparison_set_metric (comparison, metric);
  lsc_comparison_set_noise (comparison, g_settings_get_double (self->settings, "compare-noise-ns"),
                            g_settings_get_double (self->settings, "compare-noise-pct"));
  self->compare_cancellable = g_cancellable_new ();
  lsc_compare_view_set_comparison (self->compare_view, comparison);
  lsc_comparison_run_async (comparison, self->compare_cancellable, compare_done_cb, g_object_ref (self));
}

void
lsc_window_compare (LscWindow *self, GFile *a, GFile *b)
{
  g_return_if_fail (LSC_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (a) && G_IS_FILE (b));

  start (self, a, b);
  lsc_window_set_view (self, "compare");
}

/* Another metric means other values compared: the shown (or running) comparison runs again. */
static void
metric_changed_cb (LscWindow *self)
{
  LscComparison *comparison = self->compare_view ? lsc_compare_view_get_comparison (self->compare_view) : NULL;
  g_autofree char *name = g_settings_get_string (self->settings, "compare-metric");
  lsc_diff_metric metric;
  if (!comparison || !lsc_diff_metric_parse (name, &metric) || metric == lsc_comparison_get_metric (comparison))
    return;
  g_autoptr (GFile) a = g_object_ref (lsc_comparison_get_file (comparison, LSC_COMPARISON_SIDE_A));
  g_autoptr (GFile) b = g_object_ref (lsc_comparison_get_file (comparison, LSC_COMPARISON_SIDE_B));
  start (self, a, b);
}

void
lsc_window_compare_init (LscWindow *self)
{
  g_signal_connect_object (self->settings, "changed::compare-metric", G_CALLBACK (metric_changed_cb), self,
                           G_CONNECT_SWAPPED);
  /* GSettings tells of changes only to keys read since a handler was connected */
  g_free (g_settings_get_string (self->settings, "compare-metric"));
}

void
lsc_window_compare_cancel (LscWindow *self)
{
  if (self->compare_cancellable)
    g_cancellable_cancel (self->compare_cancellable);
  g_clear_object (&self->compare_cancellable);
}

gboolean
lsc_window_is_comparing (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), FALSE);
  LscComparison *comparison = self->compare_view ? lsc_compare_view_get_comparison (self->compare_view) : NULL;
  return comparison && !lsc_comparison_is_ready (comparison);
}

LscComparison *
lsc_window_get_comparison (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), NULL);
  return self->compare_view ? lsc_compare_view_get_comparison (self->compare_view) : NULL;
}

static void
chooser_response_cb (GtkNativeDialog *dialog, int response, gpointer data)
{
  LscWindow *self = LSC_WINDOW (data);

  if (response == GTK_RESPONSE_ACCEPT && self->document)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file)
        lsc_window_compare (self, lsc_document_get_file (self->document), file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
compare_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  (void) param;
  if (!self->document)
    return;

  g_autofree char *base = g_file_get_basename (lsc_document_get_file (self->document));
  g_autofree char *name = g_filename_display_name (base);
  /* Translators: the title of the file chooser; %s is the open report (report A). */
  g_autofree char *title = g_strdup_printf (_("Compare %s With"), name);
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                                               _("_Compare"), _("_Cancel"));
  GtkFileFilter *reports = gtk_file_filter_new ();
  gtk_file_filter_set_name (reports, _("Launchscope reports"));
  gtk_file_filter_add_pattern (reports, "*.lsdb");
  gtk_file_filter_add_mime_type (reports, "application/vnd.launchscope.report");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), reports);
  GtkFileFilter *all = gtk_file_filter_new ();
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_autoptr (GFile) folder = g_file_get_parent (lsc_document_get_file (self->document));
  if (folder)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
lsc_window_compare_update_actions (LscWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.compare",
                                 self->document != NULL && lsc_window_get_state (self) == LSC_WINDOW_REPORT);
}

void
lsc_window_compare_class_init (GtkWidgetClass *widget_class)
{
  g_type_ensure (LSC_TYPE_COMPARE_VIEW);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, compare_view);
  gtk_widget_class_install_action (widget_class, "win.compare", NULL, compare_action);
}
