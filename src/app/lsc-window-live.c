/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-window-live.c — the window's side of live recording: the live.* actions and opening the
 * finished recording as a report.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-window-private.h"

/* ---- actions ------------------------------------------------------------------------------ */

static void
record_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  (void) param;
  lsc_window_set_live_shown (self, TRUE);
  lsc_live_page_record (self->live_page);
}

static void
record_command_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  (void) param;
  lsc_window_set_live_shown (self, TRUE);
  lsc_live_page_show_command_dialog (self->live_page);
}

static void
pause_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_live_page_toggle_pause (LSC_WINDOW (widget)->live_page);
}

static void
stop_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_live_page_stop (LSC_WINDOW (widget)->live_page);
}

void
lsc_window_live_update_actions (LscWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean busy = lsc_live_page_is_busy (self->live_page);
  gtk_widget_action_set_enabled (widget, "live.record", lsc_live_page_can_record (self->live_page));
  gtk_widget_action_set_enabled (widget, "live.pause", lsc_live_page_can_pause (self->live_page));
  gtk_widget_action_set_enabled (widget, "live.stop", lsc_live_page_can_stop (self->live_page));
  gtk_widget_action_set_enabled (widget, "live.record-command", lsc_live_page_can_record_command (self->live_page));
  /* leaving the page mid-recording would hide the only Stop button */
  gtk_widget_action_set_enabled (widget, "win.show-live", !busy || !self->live_shown);
  gtk_widget_action_set_enabled (widget, "win.open", !busy);
}

void
lsc_window_set_test_label (LscWindow *self, const char *label)
{
  g_return_if_fail (LSC_IS_WINDOW (self));
  g_free (self->test_label);
  self->test_label = g_strdup (label);
  lsc_window_show_state (self);
}

/* ---- the page ----------------------------------------------------------------------------- */

static void
live_state_cb (LscWindow *self)
{
  if (lsc_window_get_state (self) == LSC_WINDOW_LIVE)
    lsc_window_show_state (self); /* the title names the device once it is found */
  else
    lsc_window_update_actions (self);
}

/* A recording stopped: open its report like any other. */
static void
live_finished_cb (LscWindow *self, const char *report_path, const char *error)
{
  if (self->close_after_live)
    {
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  if (!report_path || !g_file_test (report_path, G_FILE_TEST_IS_REGULAR))
    {
      lsc_window_show_error (self, _("The Recording Left No Report"), error ? error : _("The report file is missing."));
      return;
    }
  self->live_shown = FALSE;
  g_object_notify (G_OBJECT (self), "live-shown");
  g_autoptr (GFile) file = g_file_new_for_path (report_path);
  lsc_window_open (self, file);
  if (error)
    lsc_window_show_error (self, _("The Report Was Not Finished Cleanly"), error);
}

void
lsc_window_live_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, live_state_cb);
  gtk_widget_class_bind_template_callback (widget_class, live_finished_cb);
  gtk_widget_class_install_action (widget_class, "live.record", NULL, record_action);
  gtk_widget_class_install_action (widget_class, "live.record-command", NULL, record_command_action);
  gtk_widget_class_install_action (widget_class, "live.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "live.stop", NULL, stop_action);
}
