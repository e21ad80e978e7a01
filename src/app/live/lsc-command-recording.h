/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-command-recording.h — Record a Command… on the live page: the dialog, the `record`
 * subprocess (LscCommandRunner) and the command view it feeds (its cards read from the growing
 * report ten times a second, the program's output line by line).
 *
 * The page hands over to it and hears back: "started" (const char *report_path) once a command
 * runs, "state-changed" () whenever the runner's state does (what Stop and Record allow),
 * "warning-changed" () when the injection library says a process is not recorded, and
 * "finished" (const char *report_path, const char *error) when record has exited: error is
 * NULL when it left a report, else record's own words (lsc_command_recording_get_error()).
 * Main thread only.
 */
#pragma once

#include <adwaita.h>

#include "lsc-command-runner.h"
#include "lsc-command-view.h"
#include "lsc-frame-monitor.h"
#include "lsc-live-panel.h"
#include "lsc-record-command-dialog.h"

G_BEGIN_DECLS

#define LSC_TYPE_COMMAND_RECORDING (lsc_command_recording_get_type ())
G_DECLARE_FINAL_TYPE (LscCommandRecording, lsc_command_recording, LSC, COMMAND_RECORDING, GObject)

/* view shows the recording; panel names its report (a new command-*.lsdb in the report folder). */
LscCommandRecording *lsc_command_recording_new (LscCommandView *view, LscLivePanel *panel);

/* While the engine records a command may not start: the page says so as its state changes. */
void lsc_command_recording_set_blocked (LscCommandRecording *self, gboolean blocked);
/* Not blocked and no command running. */
gboolean lsc_command_recording_can_start (LscCommandRecording *self);
/* A command runs: from a start until record has exited and its output is read to the end. */
gboolean lsc_command_recording_is_active (LscCommandRecording *self);
/* A command runs and has not been told to stop yet. */
gboolean lsc_command_recording_can_stop (LscCommandRecording *self);

/* The dialog, made once and presented; its Record starts the recording, or shows why not. */
LscRecordCommandDialog *lsc_command_recording_show_dialog (LscCommandRecording *self, GtkWindow *parent);
/* FALSE with error (a recording runs; the command line, the environment lines, the directory,
 * the report folder, or the CLI not found). */
gboolean lsc_command_recording_start (LscCommandRecording *self, const char *command_line, const char *directory,
                                      const char *environment, const char *cupti_mode, GError **error);
/* SIGINT through record to the command, SIGTERM after the grace period. */
void lsc_command_recording_stop (LscCommandRecording *self);

LscCommandRunner *lsc_command_recording_get_runner (LscCommandRecording *self); /* NULL before any */
/* Why the last command left no report, or NULL. */
const char *lsc_command_recording_get_error (LscCommandRecording *self);
/* The injection library's line while the command runs (CUPTI held by another tool), or NULL. */
const char *lsc_command_recording_get_warning (LscCommandRecording *self);

/* Tests and automation: SIGTERM follows Stop's SIGINT after grace_ms (0: 5 s); the CUPTI
 * library the command's processes load (NULL: their own); a monitor told how long each poll took. */
void lsc_command_recording_set_grace (LscCommandRecording *self, guint grace_ms);
void lsc_command_recording_set_cupti_library (LscCommandRecording *self, const char *path);
void lsc_command_recording_set_frame_monitor (LscCommandRecording *self, LscFrameMonitor *monitor);

G_END_DECLS
