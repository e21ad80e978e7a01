/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-record-command-dialog.c — Record a Command… (see the header).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-record-command-dialog.h"

static const char *const cupti_modes[] = { "callbacks", "activity" };

struct _LscRecordCommandDialog
{
  AdwWindow parent_instance;

  AdwEntryRow *command_row;
  AdwEntryRow *directory_row;
  AdwComboRow *cupti_row;
  GtkTextView *environment_view;
  GtkLabel *error_label;

  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (LscRecordCommandDialog, lsc_record_command_dialog, ADW_TYPE_WINDOW)

enum { RECORD, N_SIGNALS };
static guint signals[N_SIGNALS];

const char *
lsc_record_command_dialog_get_command_line (LscRecordCommandDialog *self)
{
  g_return_val_if_fail (LSC_IS_RECORD_COMMAND_DIALOG (self), "");
  return gtk_editable_get_text (GTK_EDITABLE (self->command_row));
}

const char *
lsc_record_command_dialog_get_directory (LscRecordCommandDialog *self)
{
  g_return_val_if_fail (LSC_IS_RECORD_COMMAND_DIALOG (self), "");
  return gtk_editable_get_text (GTK_EDITABLE (self->directory_row));
}

char *
lsc_record_command_dialog_dup_environment (LscRecordCommandDialog *self)
{
  g_return_val_if_fail (LSC_IS_RECORD_COMMAND_DIALOG (self), NULL);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->environment_view);
  GtkTextIter start, end;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

const char *
lsc_record_command_dialog_get_cupti_mode (LscRecordCommandDialog *self)
{
  g_return_val_if_fail (LSC_IS_RECORD_COMMAND_DIALOG (self), cupti_modes[0]);
  guint i = adw_combo_row_get_selected (self->cupti_row);
  return cupti_modes[i < G_N_ELEMENTS (cupti_modes) ? i : 0];
}

void
lsc_record_command_dialog_set_command_line (LscRecordCommandDialog *self, const char *command_line)
{
  g_return_if_fail (LSC_IS_RECORD_COMMAND_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->command_row), command_line ? command_line : "");
}

void
lsc_record_command_dialog_show_error (LscRecordCommandDialog *self, const char *message)
{
  g_return_if_fail (LSC_IS_RECORD_COMMAND_DIALOG (self));
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

const char *
lsc_record_command_dialog_get_error (LscRecordCommandDialog *self)
{
  g_return_val_if_fail (LSC_IS_RECORD_COMMAND_DIALOG (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label)) ? gtk_label_get_label (self->error_label) : NULL;
}

/* Remembered as typed, whether or not the recording then starts: a typo is fixed, not retyped. */
static void
save_settings (LscRecordCommandDialog *self)
{
  g_autofree char *environment = lsc_record_command_dialog_dup_environment (self);
  g_settings_set_string (self->settings, "command-line", lsc_record_command_dialog_get_command_line (self));
  g_settings_set_string (self->settings, "command-directory", lsc_record_command_dialog_get_directory (self));
  g_settings_set_string (self->settings, "command-environment", environment);
  g_settings_set_string (self->settings, "command-cupti", lsc_record_command_dialog_get_cupti_mode (self));
}

void
lsc_record_command_dialog_record (LscRecordCommandDialog *self)
{
  g_return_if_fail (LSC_IS_RECORD_COMMAND_DIALOG (self));
  save_settings (self);
  lsc_record_command_dialog_show_error (self, NULL);
  g_signal_emit (self, signals[RECORD], 0);
}

static void
record_clicked_cb (LscRecordCommandDialog *self)
{
  lsc_record_command_dialog_record (self);
}

static void
cancel_clicked_cb (LscRecordCommandDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
directory_chosen_cb (GtkNativeDialog *chooser, int response, gpointer data)
{
  LscRecordCommandDialog *self = LSC_RECORD_COMMAND_DIALOG (data);
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        gtk_editable_set_text (GTK_EDITABLE (self->directory_row), path);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
choose_directory_cb (LscRecordCommandDialog *self)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (
      _("Working Directory of the Command"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Choose"),
      _("_Cancel"));
  const char *current = lsc_record_command_dialog_get_directory (self);
  if (*current)
    {
      g_autoptr (GFile) folder = g_file_new_for_path (current);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
    }
  g_signal_connect (chooser, "response", G_CALLBACK (directory_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

LscRecordCommandDialog *
lsc_record_command_dialog_new (GtkWindow *parent)
{
  return g_object_new (LSC_TYPE_RECORD_COMMAND_DIALOG, "transient-for", parent, NULL);
}

static void
lsc_record_command_dialog_dispose (GObject *object)
{
  LscRecordCommandDialog *self = LSC_RECORD_COMMAND_DIALOG (object);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_RECORD_COMMAND_DIALOG);
  G_OBJECT_CLASS (lsc_record_command_dialog_parent_class)->dispose (object);
}

static void
lsc_record_command_dialog_class_init (LscRecordCommandDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = lsc_record_command_dialog_dispose;

  /* Record was pressed; the fields are saved.  The handler starts the recording. */
  signals[RECORD] = g_signal_new ("record", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-record-command-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LscRecordCommandDialog, command_row);
  gtk_widget_class_bind_template_child (widget_class, LscRecordCommandDialog, directory_row);
  gtk_widget_class_bind_template_child (widget_class, LscRecordCommandDialog, cupti_row);
  gtk_widget_class_bind_template_child (widget_class, LscRecordCommandDialog, environment_view);
  gtk_widget_class_bind_template_child (widget_class, LscRecordCommandDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, record_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_directory_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lsc_record_command_dialog_init (LscRecordCommandDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (LSC_APP_ID);
  g_autofree char *command_line = g_settings_get_string (self->settings, "command-line");
  g_autofree char *directory = g_settings_get_string (self->settings, "command-directory");
  g_autofree char *environment = g_settings_get_string (self->settings, "command-environment");
  g_autofree char *cupti = g_settings_get_string (self->settings, "command-cupti");
  gtk_editable_set_text (GTK_EDITABLE (self->command_row), command_line);
  gtk_editable_set_text (GTK_EDITABLE (self->directory_row), directory);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->environment_view), environment, -1);
  adw_combo_row_set_selected (self->cupti_row, g_strcmp0 (cupti, "activity") == 0 ? 1 : 0);
}
