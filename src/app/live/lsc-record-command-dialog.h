/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-record-command-dialog.h — Record a Command…: the command line, its working directory,
 * environment additions (KEY=VALUE lines) and the CUPTI mode, remembered in GSettings
 * (command-line, command-directory, command-environment, command-cupti).
 *
 * Record saves the fields and emits "record"; the handler starts the recording, and either
 * closes the dialog or shows why it could not start (lsc_record_command_dialog_show_error),
 * leaving every field as typed.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LSC_TYPE_RECORD_COMMAND_DIALOG (lsc_record_command_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LscRecordCommandDialog, lsc_record_command_dialog, LSC, RECORD_COMMAND_DIALOG, AdwWindow)

LscRecordCommandDialog *lsc_record_command_dialog_new (GtkWindow *parent);

/* The fields as they are now (owned by the dialog, valid until the next change). */
const char *lsc_record_command_dialog_get_command_line (LscRecordCommandDialog *self);
const char *lsc_record_command_dialog_get_directory (LscRecordCommandDialog *self);
char *lsc_record_command_dialog_dup_environment (LscRecordCommandDialog *self);
const char *lsc_record_command_dialog_get_cupti_mode (LscRecordCommandDialog *self); /* "callbacks", "activity" */

/* Fills the command line as if typed (automation, tests). */
void lsc_record_command_dialog_set_command_line (LscRecordCommandDialog *self, const char *command_line);
/* Presses Record. */
void lsc_record_command_dialog_record (LscRecordCommandDialog *self);
/* Why the recording did not start, under the fields; NULL hides it. */
void lsc_record_command_dialog_show_error (LscRecordCommandDialog *self, const char *message);
const char *lsc_record_command_dialog_get_error (LscRecordCommandDialog *self);

G_END_DECLS
