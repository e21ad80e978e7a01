/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-window-export.c — the window's exports (a copy of the report, CSV tables, an Nsight
 * Systems SQLite file, a Perfetto trace, the visible chart as PNG) and the PNG rendering the
 * command line's screenshots use too.
 *
 * The file exports run in GTask threads on their own read-only connection,
 * so a 1,000,000-launch report exports without freezing the window; the PNG is rendered on
 * the main thread from the widget's own snapshot.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-export.h"
#include "lsc-window-private.h"

/* ---- PNG rendering ------------------------------------------------------------------------ */

gboolean
lsc_window_save_widget_png (GtkWidget *widget, const char *path, GError **error)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GtkNative *native = gtk_widget_get_native (widget);

  if (width <= 0 || height <= 0 || !native || !gtk_native_get_renderer (native))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("Nothing to render: the widget is not shown"));
      return FALSE;
    }

  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height);
  if (!GTK_IS_WINDOW (widget))
    {
      /* a chart alone would be transparent: give it the window's background */
      GdkRGBA background = { 1, 1, 1, 1 };
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "window_bg_color", &background);
      G_GNUC_END_IGNORE_DEPRECATIONS
      gtk_snapshot_append_color (snapshot, &background, &bounds);
    }
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  gboolean ok = FALSE;
  if (node)
    {
      GdkTexture *texture = gsk_renderer_render_texture (gtk_native_get_renderer (native), node, &bounds);
      ok = gdk_texture_save_to_png (texture, path);
      g_object_unref (texture);
      gsk_render_node_unref (node);
    }
  g_object_unref (paintable);
  if (!node)
    /* laid out but not drawn yet (a busy machine): the caller may try again after a frame */
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, _("Nothing drawn yet"));
  else if (!ok)
    {
      g_autofree char *name = g_filename_display_name (path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write the image %s"), name);
    }
  return ok;
}

/* ---- file choosers ----------------------------------------------------------------------- */

typedef void (*ChosenFunc) (LscWindow *self, GFile *file);

static void
chooser_response_cb (GtkNativeDialog *dialog, int response, gpointer data)
{
  LscWindow *self = LSC_WINDOW (data);
  ChosenFunc func = (ChosenFunc) g_object_get_data (G_OBJECT (dialog), "lsc-chosen");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file)
        func (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
choose (LscWindow *self, const char *title, GtkFileChooserAction action, const char *accept, const char *suggested,
        ChosenFunc func)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, _("_Cancel"));
  if (suggested)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  g_object_set_data (G_OBJECT (chooser), "lsc-chosen", (gpointer) func);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* The report's file name without .lsdb, for suggested names. */
static char *
report_stem (LscWindow *self)
{
  g_autofree char *base = g_file_get_basename (lsc_document_get_file (self->document));
  g_autofree char *name = g_filename_display_name (base);
  if (g_str_has_suffix (name, ".lsdb"))
    name[strlen (name) - 5] = '\0';
  return g_steal_pointer (&name);
}

static void
toast (LscWindow *self, const char *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* ---- report copy, CSV, Nsight SQLite, Perfetto trace (worker threads) -------------------- */

typedef enum { EXPORT_SQLITE, EXPORT_CSV, EXPORT_NSYS, EXPORT_TRACE } ExportKind;

/* What the window says while an export runs, when it is done (%s: the file's name) and when it
 * failed (the error dialog's heading; the library's message names the file). */
static const struct {
  const char *running, *done, *failed;
} export_texts[] = {
  [EXPORT_SQLITE] = { N_("Copying the report…"), N_("Report copied to %s"), N_("Cannot Copy the Report") },
  [EXPORT_CSV] = { N_("Exporting the tables…"), N_("Tables exported to %s"), N_("Cannot Export the Tables") },
  [EXPORT_NSYS] = { N_("Exporting for Nsight Systems…"), N_("Nsight Systems SQLite file saved as %s"),
                    N_("Cannot Export for Nsight Systems") },
  [EXPORT_TRACE] = { N_("Exporting the Perfetto trace…"), N_("Perfetto trace saved as %s"),
                     N_("Cannot Export the Perfetto Trace") },
};

typedef struct {
  ExportKind kind;
  char *report_path;
  char *dest;
  AdwToast *progress; /* shown until the export ends */
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_free (job->report_path);
  g_free (job->dest);
  g_clear_object (&job->progress);
  g_free (job);
}

static void
export_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ExportJob *job = data;
  lsc_error err;
  (void) source;
  (void) cancellable;

  lsc_report *report = lsc_report_open (job->report_path, LSC_REPORT_OPEN_NO_QUICK_CHECK, &err);
  int rc = -1;
  /* a file chosen in the save dialog was confirmed there, so it is replaced */
  if (report)
    switch (job->kind)
      {
      case EXPORT_SQLITE:
        rc = lsc_export_sqlite (report, job->dest, TRUE, &err);
        break;
      case EXPORT_CSV:
        rc = lsc_export_csv (report, job->dest, FALSE, &err);
        break;
      case EXPORT_NSYS:
        rc = lsc_export_nsys_sqlite (report, job->dest, TRUE, &err);
        break;
      case EXPORT_TRACE:
        rc = lsc_export_trace_json (report, job->dest, TRUE, &err);
        break;
      }
  lsc_report_free (report);
  if (rc == 0)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, LSC_DOCUMENT_ERROR, err.code, "%s", err.message);
}

static void
export_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  LscWindow *self = LSC_WINDOW (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  (void) data;

  adw_toast_dismiss (job->progress);
  g_autofree char *name = g_filename_display_basename (job->dest);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *text = g_strdup_printf (_(export_texts[job->kind].done), name);
      toast (self, text);
    }
  else
    lsc_window_show_error (self, _(export_texts[job->kind].failed), error->message);
}

static void
start_export (LscWindow *self, ExportKind kind, const char *dest)
{
  ExportJob *job = g_new0 (ExportJob, 1);
  job->kind = kind;
  job->report_path = g_strdup (lsc_document_get_path (self->document));
  job->dest = g_strdup (dest);
  job->progress = adw_toast_new (_(export_texts[kind].running));
  adw_toast_set_timeout (job->progress, 0);
  g_object_ref (job->progress);
  adw_toast_overlay_add_toast (self->toast_overlay, job->progress);
  GTask *task = g_task_new (self, NULL, export_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
  g_object_unref (task);
}

/* A file export must not replace the report it reads. */
static gboolean
export_file_to (LscWindow *self, ExportKind kind, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  if (!self->document || !path)
    return FALSE;
  if (g_strcmp0 (path, lsc_document_get_path (self->document)) == 0)
    {
      lsc_window_show_error (self, _(export_texts[kind].failed),
                             _("Choose another file: the export cannot replace the report itself."));
      return FALSE;
    }
  start_export (self, kind, path);
  return TRUE;
}

void
lsc_window_export_report_to (LscWindow *self, GFile *file)
{
  export_file_to (self, EXPORT_SQLITE, file);
}

void
lsc_window_export_nsys_to (LscWindow *self, GFile *file)
{
  export_file_to (self, EXPORT_NSYS, file);
}

void
lsc_window_export_trace_to (LscWindow *self, GFile *file)
{
  export_file_to (self, EXPORT_TRACE, file);
}

void
lsc_window_export_csv_to (LscWindow *self, GFile *folder)
{
  g_autofree char *path = g_file_get_path (folder);
  if (!self->document || !path)
    return;
  /* one new folder per export: <report>-csv, so nothing in the chosen folder is overwritten */
  g_autofree char *stem = report_stem (self);
  g_autofree char *sub = g_strdup_printf ("%s-csv", stem);
  g_autofree char *dest = g_build_filename (path, sub, NULL);
  start_export (self, EXPORT_CSV, dest);
}

void
lsc_window_export_report (LscWindow *self)
{
  if (!self->document)
    return;
  g_autofree char *stem = report_stem (self);
  g_autofree char *suggested = g_strdup_printf ("%s-copy.lsdb", stem);
  choose (self, _("Save a Copy of the Report"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), suggested, lsc_window_export_report_to);
}

void
lsc_window_export_nsys (LscWindow *self)
{
  if (!self->document)
    return;
  g_autofree char *stem = report_stem (self);
  g_autofree char *suggested = g_strdup_printf ("%s-nsys.sqlite", stem);
  choose (self, _("Export for Nsight Systems (SQLite)"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), suggested,
          lsc_window_export_nsys_to);
}

void
lsc_window_export_trace (LscWindow *self)
{
  if (!self->document)
    return;
  g_autofree char *stem = report_stem (self);
  g_autofree char *suggested = g_strdup_printf ("%s-trace.json", stem);
  choose (self, _("Export a Perfetto Trace (JSON)"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), suggested,
          lsc_window_export_trace_to);
}

void
lsc_window_export_csv (LscWindow *self)
{
  if (!self->document)
    return;
  choose (self, _("Export the Tables as CSV Into a Folder"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Export"),
          NULL, lsc_window_export_csv_to);
}

void
lsc_window_export_png_to (LscWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  GtkWidget *chart = lsc_window_get_visible_chart (self);
  g_autoptr (GError) error = NULL;
  if (!chart || !path)
    return;
  if (lsc_window_save_widget_png (chart, path, &error))
    {
      g_autofree char *name = g_filename_display_basename (path);
      g_autofree char *text = g_strdup_printf (_("Chart saved as %s"), name);
      toast (self, text);
    }
  else
    lsc_window_show_error (self, _("Cannot Save the Chart"), error->message);
}

void
lsc_window_export_png (LscWindow *self)
{
  if (!lsc_window_get_visible_chart (self))
    return;
  g_autofree char *stem = report_stem (self);
  g_autofree char *suggested =
      g_strdup_printf ("%s-%s.png", stem, adw_view_stack_get_visible_child_name (self->view_stack));
  choose (self, _("Save the Chart as PNG"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), suggested, lsc_window_export_png_to);
}
