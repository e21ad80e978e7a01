/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-window.c — the main window (see the header); the live.* actions are in
 * lsc-window-live.c, the exports in lsc-window-export.c.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-window-private.h"

G_DEFINE_FINAL_TYPE (LscWindow, lsc_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_LIVE_SHOWN, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { STATE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

LscWindowState
lsc_window_get_state (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), LSC_WINDOW_EMPTY);
  if (self->live_shown)
    return LSC_WINDOW_LIVE;
  if (self->loading)
    return LSC_WINDOW_LOADING;
  return self->document ? LSC_WINDOW_REPORT : LSC_WINDOW_EMPTY;
}

GtkWidget *
lsc_window_get_visible_chart (LscWindow *self)
{
  if (lsc_window_get_state (self) != LSC_WINDOW_REPORT)
    return NULL;
  GtkWidget *child = adw_view_stack_get_visible_child (self->view_stack);
  if (child == GTK_WIDGET (self->timeline_view))
    return lsc_timeline_view_get_chart (self->timeline_view);
  if (child == GTK_WIDGET (self->distribution_view))
    return lsc_distribution_view_get_chart (self->distribution_view);
  if (child == GTK_WIDGET (self->stages_view))
    return lsc_stages_view_get_chart (self->stages_view);
  if (child == GTK_WIDGET (self->compare_view) && lsc_window_get_comparison (self)
      && !lsc_window_is_comparing (self))
    return lsc_compare_view_get_chart (self->compare_view);
  return NULL;
}

/* The filter is shown with a report's views of launches: the session's facts and the
 * comparison are not about one kernel's launches. */
static void
update_filter_bar (LscWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);
  gtk_widget_set_visible (GTK_WIDGET (self->filter_bar), lsc_window_get_state (self) == LSC_WINDOW_REPORT
                                                           && g_strcmp0 (name, "session") != 0
                                                           && g_strcmp0 (name, "compare") != 0);
}

void
lsc_window_update_actions (LscWindow *self)
{
  LscWindowState state = lsc_window_get_state (self);
  update_filter_bar (self);
  gboolean shown = self->document != NULL && state != LSC_WINDOW_LIVE;
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (widget, "win.export", shown);
  gtk_widget_action_set_enabled (widget, "win.export-report", shown);
  gtk_widget_action_set_enabled (widget, "win.export-csv", shown);
  gtk_widget_action_set_enabled (widget, "win.export-nsys", shown);
  gtk_widget_action_set_enabled (widget, "win.export-trace", shown);
  gtk_widget_action_set_enabled (widget, "win.export-png", lsc_window_get_visible_chart (self) != NULL);
  gtk_widget_action_set_enabled (widget, "win.view", state == LSC_WINDOW_REPORT);
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), shown && state != LSC_WINDOW_LIVE);
  lsc_window_live_update_actions (self);
  lsc_window_compare_update_actions (self);
}

/* ---- views ------------------------------------------------------------------------------ */

static void
set_views_document (LscWindow *self, LscDocument *document)
{
  lsc_overview_view_set_document (self->overview_view, document);
  lsc_timeline_view_set_document (self->timeline_view, document);
  lsc_distribution_view_set_document (self->distribution_view, document);
  lsc_stages_view_set_document (self->stages_view, document);
  lsc_specs_view_set_document (self->specs_view, document);
  lsc_events_view_set_document (self->events_view, document);
  lsc_launches_view_set_document (self->launches_view, document);
  lsc_kernels_view_set_document (self->kernels_view, document);
  lsc_session_view_set_document (self->session_view, document);
  lsc_filter_bar_set_document (self->filter_bar, document);
}

gboolean
lsc_window_set_view (LscWindow *self, const char *name)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), FALSE);
  if (!name || !adw_view_stack_get_child_by_name (self->view_stack, name))
    return FALSE;
  if (lsc_window_get_state (self) == LSC_WINDOW_REPORT)
    adw_view_stack_set_visible_child_name (self->view_stack, name);
  else
    {
      g_free (self->pending_view);
      self->pending_view = g_strdup (name);
    }
  return TRUE;
}

char **
lsc_window_dup_view_names (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), NULL);
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr (GtkSelectionModel) pages = adw_view_stack_get_pages (self->view_stack);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr (AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      if (adw_view_stack_page_get_name (page))
        g_strv_builder_add (names, adw_view_stack_page_get_name (page));
    }
  return g_strv_builder_end (names);
}

static void
visible_view_changed_cb (LscWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);
  /* the Compare view shows another report too: the next report opened starts elsewhere */
  if (name && lsc_window_get_state (self) == LSC_WINDOW_REPORT && g_strcmp0 (name, "compare") != 0)
    g_settings_set_string (self->settings, "last-view", name);
  lsc_window_update_actions (self);
}

static void
update_title (LscWindow *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  if (self->live_shown)
    {
      title = g_strdup (_("Live Recording — Launchscope"));
      /* the device is on the page's toolbar; the file being written goes here */
      const char *report = lsc_live_page_get_report_path (self->live_page);
      subtitle = lsc_live_page_is_busy (self->live_page) && report ? g_filename_display_basename (report) : NULL;
      adw_view_switcher_title_set_title (self->switcher_title, _("Live Recording"));
    }
  else if (self->document)
    {
      g_autofree char *base = g_file_get_basename (lsc_document_get_file (self->document));
      subtitle = g_filename_display_name (base);
      title = g_strdup_printf (_("%s — Launchscope"), subtitle);
      adw_view_switcher_title_set_title (self->switcher_title, _("Launchscope"));
    }
  else
    {
      title = g_strdup (_("Launchscope"));
      adw_view_switcher_title_set_title (self->switcher_title, _("Launchscope"));
    }
  if (self->test_label)
    {
      /* a test-only build says so everywhere a person could look */
      g_autofree char *marked = g_strdup_printf ("[%s] %s", self->test_label, title);
      g_free (title);
      title = g_steal_pointer (&marked);
      g_autofree char *sub = g_strdup_printf ("%s%s%s", self->test_label, subtitle && *subtitle ? " · " : "",
                                              subtitle ? subtitle : "");
      g_free (subtitle);
      subtitle = g_steal_pointer (&sub);
    }
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_view_switcher_title_set_subtitle (self->switcher_title, subtitle && *subtitle ? subtitle : NULL);
}

/* The bottom switcher stands in for the header's when the window is narrow, and only while a
 * report is shown (bound to title-visible alone, it also showed on the start and live pages). */
static void
update_switcher_bar (LscWindow *self)
{
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    lsc_window_get_state (self) == LSC_WINDOW_REPORT
                                        && adw_view_switcher_title_get_title_visible (self->switcher_title));
}

void
lsc_window_show_state (LscWindow *self)
{
  LscWindowState state = lsc_window_get_state (self);
  const char *page = state == LSC_WINDOW_LIVE      ? "live"
                     : state == LSC_WINDOW_LOADING ? "loading"
                     : state == LSC_WINDOW_REPORT  ? "report"
                                                   : "empty";
  gtk_stack_set_visible_child_name (self->main_stack, page);
  /* the view switcher only means something with a report */
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, state == LSC_WINDOW_REPORT);
  update_switcher_bar (self);
  update_title (self);
  lsc_window_update_actions (self);
  g_signal_emit (self, signals[STATE_CHANGED], 0);
}

/* ---- loading ---------------------------------------------------------------------------- */

static void
progress_changed_cb (LscWindow *self, GParamSpec *pspec, LscDocument *document)
{
  (void) pspec;
  if (document != self->loading)
    return;
  gtk_progress_bar_set_fraction (self->progress_bar, lsc_document_get_fraction (document));
  const char *message = lsc_document_get_message (document);
  gtk_label_set_label (self->progress_label, message ? message : "");
}

static const char *
error_heading (const GError *error)
{
  if (error->domain != LSC_DOCUMENT_ERROR)
    return _("Cannot Open the Report");
  switch ((lsc_error_code) error->code)
    {
    case LSC_ERROR_NOT_SQLITE:
    case LSC_ERROR_FOREIGN:
      return _("Not a Launchscope Report");
    case LSC_ERROR_NEWER:
      return _("Report From a Newer Launchscope");
    case LSC_ERROR_OLDER:
      return _("Report From an Older Launchscope");
    case LSC_ERROR_CORRUPT:
    case LSC_ERROR_SCHEMA:
      return _("Damaged Report");
    case LSC_ERROR_IO:
      return _("Cannot Read the Report");
    default:
      return _("Cannot Open the Report");
    }
}

static void
error_dialog_response_cb (LscWindow *self)
{
  self->error_dialog = NULL;
}

void
lsc_window_show_error (LscWindow *self, const char *heading, const char *body)
{
  if (self->error_dialog)
    gtk_window_destroy (GTK_WINDOW (self->error_dialog));
  /* also in the log: a run without a screen still says what went wrong */
  g_message ("%s: %s", heading, body);
  self->error_dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  adw_message_dialog_add_response (self->error_dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (self->error_dialog, "close");
  g_signal_connect_object (self->error_dialog, "response", G_CALLBACK (error_dialog_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->error_dialog));
  g_signal_emit (self, signals[STATE_CHANGED], 0);
}

AdwMessageDialog *
lsc_window_get_error_dialog (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), NULL);
  return self->error_dialog;
}

static void
load_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  LscDocument *document = LSC_DOCUMENT (source);
  g_autoptr (LscWindow) self = data;
  g_autoptr (GError) error = NULL;

  gboolean ok = lsc_document_load_finish (document, result, &error);
  if (document != self->loading)
    return; /* cancelled or superseded: nothing to show */
  g_clear_object (&self->load_cancellable);
  LscDocument *loaded = g_steal_pointer (&self->loading);

  if (!ok)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *path = g_file_get_path (lsc_document_get_file (loaded));
          GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
          if (app && path && !g_file_test (path, G_FILE_TEST_EXISTS))
            lsc_application_remove_recent (LSC_APPLICATION (app), path);
          lsc_window_show_state (self);
          lsc_window_show_error (self, error_heading (error), error->message);
        }
      else
        lsc_window_show_state (self);
      g_object_unref (loaded);
      return;
    }

  if (self->document)
    {
      lsc_document_cancel (self->document);
      set_views_document (self, NULL);
      g_clear_object (&self->document);
    }
  self->document = loaded;
  set_views_document (self, self->document);

  const char *path = lsc_document_get_path (self->document);
  LscApplication *app = LSC_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autofree char *sample = lsc_application_dup_sample_path ();
  if (app && path && g_strcmp0 (path, sample) != 0)
    lsc_application_add_recent (app, path);

  g_autofree char *view = self->pending_view ? g_strdup (self->pending_view)
                                             : g_settings_get_string (self->settings, "last-view");
  g_clear_pointer (&self->pending_view, g_free);
  lsc_window_show_state (self);
  if (adw_view_stack_get_child_by_name (self->view_stack, view))
    adw_view_stack_set_visible_child_name (self->view_stack, view);

  const char *warning = lsc_report_warning (lsc_document_get_report (self->document));
  if (warning)
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (warning));
}

void
lsc_window_open (LscWindow *self, GFile *file)
{
  g_return_if_fail (LSC_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->loading);

  self->loading = lsc_document_new (file);
  self->load_cancellable = g_cancellable_new ();
  if (!lsc_live_page_is_busy (self->live_page))
    self->live_shown = FALSE; /* a report opened over the live page replaces it */
  g_signal_connect_object (self->loading, "notify::fraction", G_CALLBACK (progress_changed_cb), self,
                           G_CONNECT_SWAPPED);

  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *name = g_filename_display_name (base);
  adw_status_page_set_description (self->loading_page, name);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_label_set_label (self->progress_label, _("Opening"));
  lsc_window_show_state (self);

  lsc_document_load_async (self->loading, self->load_cancellable, load_done_cb, g_object_ref (self));
}

void
lsc_window_close_report (LscWindow *self)
{
  g_return_if_fail (LSC_IS_WINDOW (self));

  if (self->loading)
    {
      g_cancellable_cancel (self->load_cancellable);
      g_clear_object (&self->load_cancellable);
      g_clear_object (&self->loading);
    }
  else if (self->document)
    {
      lsc_document_cancel (self->document);
      set_views_document (self, NULL);
      g_clear_object (&self->document);
    }
  lsc_window_show_state (self);
}

LscDocument *
lsc_window_get_document (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), NULL);
  return self->document;
}

void
lsc_window_select_range (LscWindow *self, double t0_ns, double t1_ns)
{
  g_return_if_fail (LSC_IS_WINDOW (self));
  lsc_timeline_view_select_range (self->timeline_view, t0_ns, t1_ns);
}

gboolean
lsc_window_get_selection_pending (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), FALSE);
  return lsc_timeline_view_get_selection_pending (self->timeline_view);
}

const char *
lsc_window_get_view (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), NULL);
  return adw_view_stack_get_visible_child_name (self->view_stack);
}

LscLivePage *
lsc_window_get_live_page (LscWindow *self)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), NULL);
  return self->live_page;
}

void
lsc_window_set_animated (LscWindow *self, gboolean animated)
{
  g_return_if_fail (LSC_IS_WINDOW (self));
  gtk_stack_set_transition_type (self->main_stack,
                                 animated ? GTK_STACK_TRANSITION_TYPE_CROSSFADE : GTK_STACK_TRANSITION_TYPE_NONE);
}

/* ---- opening files: dialog, recent list, drag and drop ---------------------------------- */

static void
file_chooser_response_cb (GtkNativeDialog *dialog, int response, gpointer data)
{
  LscWindow *self = LSC_WINDOW (data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file)
        lsc_window_open (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
open_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  (void) param;

  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Open a Report"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  GtkFileFilter *reports = gtk_file_filter_new ();
  gtk_file_filter_set_name (reports, _("Launchscope reports"));
  gtk_file_filter_add_pattern (reports, "*.lsdb");
  gtk_file_filter_add_mime_type (reports, "application/vnd.launchscope.report");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), reports);
  GtkFileFilter *all = gtk_file_filter_new ();
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_object_unref (reports);
  g_object_unref (all);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Ctrl+W: closes the report, or the window when it shows none. */
static void
close_report_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  (void) param;
  LscWindowState state = lsc_window_get_state (self);
  if (state == LSC_WINDOW_LIVE)
    {
      /* back to the report (or the start page); never in the middle of a recording */
      if (!lsc_live_page_is_busy (self->live_page))
        lsc_window_set_live_shown (self, FALSE);
    }
  else if (state == LSC_WINDOW_EMPTY)
    gtk_window_close (GTK_WINDOW (widget));
  else
    lsc_window_close_report (self);
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  (void) param;
  gtk_menu_button_popup (self->export_button);
}

static void
export_report_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_window_export_report (LSC_WINDOW (widget));
}

static void
export_csv_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_window_export_csv (LSC_WINDOW (widget));
}

static void
export_nsys_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_window_export_nsys (LSC_WINDOW (widget));
}

static void
export_trace_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_window_export_trace (LSC_WINDOW (widget));
}

static void
export_png_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_window_export_png (LSC_WINDOW (widget));
}

static void
view_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  lsc_window_set_view (LSC_WINDOW (widget), g_variant_get_string (param, NULL));
}

/* A row of a list (an event, a launch) asks to be seen on the timeline: its time since the
 * session start. */
static void
show_time_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  if (lsc_window_get_state (self) != LSC_WINDOW_REPORT)
    return;
  lsc_window_set_view (self, "timeline");
  lsc_timeline_view_show_time (self->timeline_view, g_variant_get_int64 (param));
}

/* A kernel chosen (the Kernels view's rows): every view shows its launches; LSC_ROW_ANY shows
 * every kernel's again. */
static void
filter_kernel_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  if (lsc_window_get_state (self) == LSC_WINDOW_REPORT)
    lsc_filter_bar_set_kernel (self->filter_bar, g_variant_get_int64 (param));
}

static void
find_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  (void) param;
  if (lsc_window_get_state (self) != LSC_WINDOW_REPORT)
    return;
  adw_view_stack_set_visible_child_name (self->view_stack, "events");
  lsc_events_view_focus_search (self->events_view);
}

static void
recent_row_activated_cb (GtkListBox *box, GtkListBoxRow *row, LscWindow *self)
{
  (void) box;
  const char *path = g_object_get_data (G_OBJECT (row), "lsc-path");
  if (path)
    {
      g_autoptr (GFile) file = g_file_new_for_path (path);
      lsc_window_open (self, file);
    }
}

static void
rebuild_recent_list (LscWindow *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))))
    gtk_list_box_remove (self->recent_list, child);

  g_auto (GStrv) paths = g_settings_get_strv (self->settings, "recent-reports");
  guint shown = 0;
  for (guint i = 0; paths[i] && shown < 5; i++)
    {
      g_autofree char *base = g_path_get_basename (paths[i]);
      g_autofree char *name = g_filename_display_name (base);
      g_autofree char *dir = g_path_get_dirname (paths[i]);
      g_autofree char *dir_name = g_filename_display_name (dir);
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), dir_name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      g_object_set_data_full (G_OBJECT (row), "lsc-path", g_strdup (paths[i]), g_free);
      gtk_list_box_append (self->recent_list, row);
      shown++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_list), shown > 0);
}

static gboolean
drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, LscWindow *self)
{
  (void) target;
  (void) x;
  (void) y;
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (!files)
    return FALSE;
  lsc_window_open (self, G_FILE (files->data));
  g_slist_free (files);
  return TRUE;
}

/* ---- object ------------------------------------------------------------------------------ */

static gboolean
lsc_window_close_request (GtkWindow *window)
{
  LscWindow *self = LSC_WINDOW (window);
  int width = 0, height = 0;

  if (lsc_live_page_is_busy (self->live_page))
    {
      /* finish the report first (in a thread); the window closes when it is done */
      self->close_after_live = TRUE;
      lsc_live_page_stop (self->live_page);
      if (lsc_live_page_is_busy (self->live_page))
        return TRUE;
    }

  gtk_window_get_default_size (window, &width, &height);
  if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", MAX (width, 360));
      g_settings_set_int (self->settings, "window-height", MAX (height, 294));
    }
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  return GTK_WINDOW_CLASS (lsc_window_parent_class)->close_request (window);
}

static void
lsc_window_dispose (GObject *object)
{
  LscWindow *self = LSC_WINDOW (object);

  lsc_window_compare_cancel (self);
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->loading);
  if (self->document)
    {
      lsc_document_cancel (self->document);
      set_views_document (self, NULL);
    }
  g_clear_object (&self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), LSC_TYPE_WINDOW);

  G_OBJECT_CLASS (lsc_window_parent_class)->dispose (object);
}

static void
lsc_window_finalize (GObject *object)
{
  LscWindow *self = LSC_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->pending_view);
  g_free (self->test_label);

  G_OBJECT_CLASS (lsc_window_parent_class)->finalize (object);
}

void
lsc_window_set_live_shown (LscWindow *self, gboolean shown)
{
  g_return_if_fail (LSC_IS_WINDOW (self));
  shown = !!shown;
  if (self->live_shown == shown)
    return;
  /* the page stays while a recording runs */
  if (!shown && lsc_live_page_is_busy (self->live_page))
    return;
  self->live_shown = shown;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE_SHOWN]);
  lsc_window_show_state (self);
}

static void
lsc_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscWindow *self = LSC_WINDOW (object);
  switch (prop_id)
    {
    case PROP_LIVE_SHOWN:
      g_value_set_boolean (value, self->live_shown);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LscWindow *self = LSC_WINDOW (object);
  switch (prop_id)
    {
    case PROP_LIVE_SHOWN:
      lsc_window_set_live_shown (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_window_class_init (LscWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lsc_window_dispose;
  object_class->finalize = lsc_window_finalize;
  object_class->get_property = lsc_window_get_property;
  object_class->set_property = lsc_window_set_property;

  /* Whether the live recording page is shown (the win.show-live action's state). */
  properties[PROP_LIVE_SHOWN] = g_param_spec_boolean ("live-shown", NULL, NULL, FALSE,
                                                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The window re-evaluated what it shows (lsc_window_get_state()), or an error dialog
   * appeared: for whoever drives it from outside (the command line's automation). */
  signals[STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 0);
  window_class->close_request = lsc_window_close_request;

  g_type_ensure (LSC_TYPE_OVERVIEW_VIEW);
  g_type_ensure (LSC_TYPE_TIMELINE_VIEW);
  g_type_ensure (LSC_TYPE_DISTRIBUTION_VIEW);
  g_type_ensure (LSC_TYPE_STAGES_VIEW);
  g_type_ensure (LSC_TYPE_SPECS_VIEW);
  g_type_ensure (LSC_TYPE_EVENTS_VIEW);
  g_type_ensure (LSC_TYPE_LAUNCHES_VIEW);
  g_type_ensure (LSC_TYPE_KERNELS_VIEW);
  g_type_ensure (LSC_TYPE_FILTER_BAR);
  g_type_ensure (LSC_TYPE_SESSION_VIEW);
  g_type_ensure (LSC_TYPE_LIVE_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LscWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, export_button);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, no_gpu_label);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, sample_button);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, kernels_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, recent_section);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, overview_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, timeline_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, distribution_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, stages_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, specs_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, events_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, launches_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, session_view);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, live_page);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, live_button);
  gtk_widget_class_bind_template_child (widget_class, LscWindow, live_empty_button);
  gtk_widget_class_bind_template_callback (widget_class, recent_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, visible_view_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_switcher_bar);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.close-report", NULL, close_report_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.export-report", NULL, export_report_action);
  gtk_widget_class_install_action (widget_class, "win.export-csv", NULL, export_csv_action);
  gtk_widget_class_install_action (widget_class, "win.export-nsys", NULL, export_nsys_action);
  gtk_widget_class_install_action (widget_class, "win.export-trace", NULL, export_trace_action);
  gtk_widget_class_install_action (widget_class, "win.export-png", NULL, export_png_action);
  gtk_widget_class_install_action (widget_class, "win.view", "s", view_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.show-time", "x", show_time_action);
  gtk_widget_class_install_action (widget_class, "win.filter-kernel", "x", filter_kernel_action);
  gtk_widget_class_install_property_action (widget_class, "win.show-live", "live-shown");
  lsc_window_live_class_init (widget_class);
  lsc_window_compare_class_init (widget_class);
}

static void
lsc_window_init (LscWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (LSC_APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  /* settings.* actions: the views' toggles (log scales, CDF, markers, stage statistic) */
  GSimpleActionGroup *group = g_simple_action_group_new ();
  static const char *const toggles[] = { "log-scale", "show-cdf", "show-markers", "timeline-log-scale",
                                         "stage-statistic" };
  for (guint i = 0; i < G_N_ELEMENTS (toggles); i++)
    {
      g_autoptr (GAction) action = g_settings_create_action (self->settings, toggles[i]);
      g_action_map_add_action (G_ACTION_MAP (group), action);
    }
  gtk_widget_insert_action_group (GTK_WIDGET (self), "settings", G_ACTION_GROUP (group));
  g_object_unref (group);

  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  gtk_widget_set_visible (self->no_gpu_label, !lsc_application_has_cuda_driver ());
  g_autofree char *sample = lsc_application_dup_sample_path ();
  gtk_widget_set_visible (self->sample_button, sample != NULL);

  g_signal_connect_object (self->settings, "changed::recent-reports", G_CALLBACK (rebuild_recent_list), self,
                           G_CONNECT_SWAPPED);
  rebuild_recent_list (self);
  lsc_window_compare_init (self);

  lsc_window_show_state (self);
}

LscWindow *
lsc_window_new (LscApplication *application)
{
  LscWindow *self = g_object_new (LSC_TYPE_WINDOW, "application", application, NULL);
  g_menu_append_section (self->recent_section, NULL,
                         G_MENU_MODEL (lsc_application_get_recent_menu (application)));
  return self;
}
