/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-command-recording.c — Record a Command… on the live page (see the header).
 *
 * It runs beside the page's engine state machine, not in it: the page asks it whether a
 * command is active (so neither recording starts over the other), hands Stop to it while one
 * is, and shows the command view and the banner it asks for.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lsc-command-recording.h"

#define POLL_MS 100 /* a recorded command's cards: 10 updates a second */

struct _LscCommandRecording
{
  GObject parent_instance;

  LscCommandView *view;
  LscLivePanel *panel;
  LscCommandRunner *runner;
  LscRecordCommandDialog *dialog;
  guint poll_id;
  gint64 started_us;
  guint grace_ms;
  gboolean blocked;
  char *cupti_library;
  LscFrameMonitor *monitor;
  char *error;   /* why the command left no report: the CLI's own words */
  char *warning; /* the injection library's, while it runs (CUPTI held by another tool) */
};

G_DEFINE_FINAL_TYPE (LscCommandRecording, lsc_command_recording, G_TYPE_OBJECT)

enum { STARTED, STATE_CHANGED, WARNING_CHANGED, FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- state -------------------------------------------------------------------------------- */

void
lsc_command_recording_set_blocked (LscCommandRecording *self, gboolean blocked)
{
  g_return_if_fail (LSC_IS_COMMAND_RECORDING (self));
  self->blocked = blocked;
}

gboolean
lsc_command_recording_is_active (LscCommandRecording *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RECORDING (self), FALSE);
  return self->runner && lsc_command_runner_get_state (self->runner) != LSC_COMMAND_RUNNER_FINISHED;
}

gboolean
lsc_command_recording_can_start (LscCommandRecording *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RECORDING (self), FALSE);
  /* no GPU here is record's to say: the program may still run, and record says what it saw */
  return !self->blocked && !lsc_command_recording_is_active (self);
}

gboolean
lsc_command_recording_can_stop (LscCommandRecording *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RECORDING (self), FALSE);
  return self->runner && lsc_command_runner_get_state (self->runner) == LSC_COMMAND_RUNNER_RUNNING;
}

LscCommandRunner *
lsc_command_recording_get_runner (LscCommandRecording *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RECORDING (self), NULL);
  return self->runner;
}

const char *
lsc_command_recording_get_error (LscCommandRecording *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RECORDING (self), NULL);
  return self->error;
}

const char *
lsc_command_recording_get_warning (LscCommandRecording *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RECORDING (self), NULL);
  return self->warning;
}

/* ---- the running command ------------------------------------------------------------------ */

static void
poll (LscCommandRecording *self)
{
  LscCommandRunnerProgress progress;
  lsc_command_runner_get_progress (self->runner, &progress);
  lsc_command_view_set_progress (self->view, &progress);
  lsc_command_runner_progress_clear (&progress);
  lsc_command_view_set_elapsed (self->view, (g_get_monotonic_time () - self->started_us) / G_USEC_PER_SEC);
}

static gboolean
poll_cb (gpointer data)
{
  LscCommandRecording *self = data;
  gint64 t0 = g_get_monotonic_time ();
  gint64 cpu0 = self->monitor ? lsc_frame_monitor_thread_cpu_us () : 0;
  poll (self);
  if (self->monitor)
    lsc_frame_monitor_note_callback (self->monitor, g_get_monotonic_time () - t0,
                                     lsc_frame_monitor_thread_cpu_us () - cpu0);
  return G_SOURCE_CONTINUE;
}

static void
runner_state_cb (LscCommandRecording *self)
{
  lsc_command_view_set_state (self->view, lsc_command_runner_get_state (self->runner));
  g_signal_emit (self, signals[STATE_CHANGED], 0);
}

static void
runner_output_cb (LscCommandRecording *self, const char *line)
{
  lsc_command_view_append_output (self->view, line);
  /* the injection library says so when CUPTI is held by another profiler in that process */
  if (g_str_has_prefix (line, "launchscope-inject[") && strstr (line, "not recording"))
    {
      g_free (self->warning);
      self->warning = g_strdup (line);
      g_signal_emit (self, signals[WARNING_CHANGED], 0);
    }
}

static void
runner_finished_cb (LscCommandRecording *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  poll (self);
  const char *report = lsc_command_runner_get_report_path (self->runner);
  int status = lsc_command_runner_get_exit_status (self->runner);
  g_print ("record-command: ended with status %d\n", status);
  if (g_file_test (report, G_FILE_TEST_IS_REGULAR))
    {
      g_signal_emit (self, signals[FINISHED], 0, report, NULL);
      return;
    }
  /* No report: record said why (nothing initialised CUDA, the command could not run, the
   * gathering failed and the processes' reports were kept: it names their folder). */
  const char *messages = lsc_command_runner_get_messages (self->runner);
  g_free (self->error);
  self->error = *messages ? g_strdup (messages)
                          : g_strdup_printf (_("launchscope-cli record ended with status %d and wrote no "
                                               "report; its output is below."),
                                             status);
  lsc_command_view_set_output_expanded (self->view, TRUE);
  g_signal_emit (self, signals[FINISHED], 0, report, self->error);
}

gboolean
lsc_command_recording_start (LscCommandRecording *self, const char *command_line, const char *directory,
                             const char *environment, const char *cupti_mode, GError **error)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RECORDING (self), FALSE);
  if (!lsc_command_recording_can_start (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("A recording is running: stop it before recording a command."));
      return FALSE;
    }
  g_autofree char *report = lsc_live_panel_dup_new_report_path (self->panel, "command", error);
  if (!report)
    return FALSE;
  g_autoptr (LscCommandRunner) runner = lsc_command_runner_new ();
  LscCommandRunOptions options = { .command_line = command_line, .directory = directory,
                                   .environment = environment, .cupti_mode = cupti_mode,
                                   .report_path = report, .cupti_library = self->cupti_library };
  if (!lsc_command_runner_start (runner, &options, error))
    return FALSE;
  g_print ("record-command: recording %s into %s\n", command_line, report);

  if (self->runner)
    g_signal_handlers_disconnect_by_data (self->runner, self);
  g_set_object (&self->runner, runner);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->warning, g_free);
  lsc_command_view_reset (self->view, command_line, cupti_mode);
  lsc_command_view_set_state (self->view, lsc_command_runner_get_state (runner));
  g_signal_connect_object (runner, "output", G_CALLBACK (runner_output_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (runner, "notify::state", G_CALLBACK (runner_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (runner, "finished", G_CALLBACK (runner_finished_cb), self, G_CONNECT_SWAPPED);
  self->started_us = g_get_monotonic_time ();
  g_clear_handle_id (&self->poll_id, g_source_remove);
  self->poll_id = g_timeout_add (POLL_MS, poll_cb, self);
  g_signal_emit (self, signals[STARTED], 0, report);
  return TRUE;
}

void
lsc_command_recording_stop (LscCommandRecording *self)
{
  g_return_if_fail (LSC_IS_COMMAND_RECORDING (self));
  if (self->runner)
    lsc_command_runner_stop (self->runner, self->grace_ms);
}

/* ---- the dialog --------------------------------------------------------------------------- */

static void
dialog_record_cb (LscCommandRecording *self, LscRecordCommandDialog *dialog)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *environment = lsc_record_command_dialog_dup_environment (dialog);
  if (!lsc_command_recording_start (self, lsc_record_command_dialog_get_command_line (dialog),
                                    lsc_record_command_dialog_get_directory (dialog), environment,
                                    lsc_record_command_dialog_get_cupti_mode (dialog), &error))
    {
      lsc_record_command_dialog_show_error (dialog, error->message);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
dialog_destroy_cb (LscCommandRecording *self)
{
  self->dialog = NULL;
}

LscRecordCommandDialog *
lsc_command_recording_show_dialog (LscCommandRecording *self, GtkWindow *parent)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RECORDING (self), NULL);
  if (!self->dialog)
    {
      self->dialog = lsc_record_command_dialog_new (parent);
      g_signal_connect_object (self->dialog, "record", G_CALLBACK (dialog_record_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->dialog, "destroy", G_CALLBACK (dialog_destroy_cb), self, G_CONNECT_SWAPPED);
    }
  gtk_window_present (GTK_WINDOW (self->dialog));
  return self->dialog;
}

/* ---- settings ----------------------------------------------------------------------------- */

void
lsc_command_recording_set_grace (LscCommandRecording *self, guint grace_ms)
{
  g_return_if_fail (LSC_IS_COMMAND_RECORDING (self));
  self->grace_ms = grace_ms;
}

void
lsc_command_recording_set_cupti_library (LscCommandRecording *self, const char *path)
{
  g_return_if_fail (LSC_IS_COMMAND_RECORDING (self));
  g_free (self->cupti_library);
  self->cupti_library = g_strdup (path);
}

void
lsc_command_recording_set_frame_monitor (LscCommandRecording *self, LscFrameMonitor *monitor)
{
  g_return_if_fail (LSC_IS_COMMAND_RECORDING (self));
  self->monitor = monitor;
}

/* ---- object ------------------------------------------------------------------------------- */

LscCommandRecording *
lsc_command_recording_new (LscCommandView *view, LscLivePanel *panel)
{
  g_return_val_if_fail (LSC_IS_COMMAND_VIEW (view), NULL);
  g_return_val_if_fail (LSC_IS_LIVE_PANEL (panel), NULL);
  LscCommandRecording *self = g_object_new (LSC_TYPE_COMMAND_RECORDING, NULL);
  self->view = g_object_ref (view);
  self->panel = g_object_ref (panel);
  return self;
}

static void
lsc_command_recording_dispose (GObject *object)
{
  LscCommandRecording *self = LSC_COMMAND_RECORDING (object);

  if (self->dialog)
    gtk_window_destroy (GTK_WINDOW (self->dialog));
  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (self->runner)
    {
      /* a command still running is ended as Stop would; record gathers its report by itself */
      g_signal_handlers_disconnect_by_data (self->runner, self);
      lsc_command_runner_stop (self->runner, self->grace_ms);
      g_clear_object (&self->runner);
    }
  g_clear_object (&self->view);
  g_clear_object (&self->panel);
  G_OBJECT_CLASS (lsc_command_recording_parent_class)->dispose (object);
}

static void
lsc_command_recording_finalize (GObject *object)
{
  LscCommandRecording *self = LSC_COMMAND_RECORDING (object);

  g_free (self->cupti_library);
  g_free (self->error);
  g_free (self->warning);
  G_OBJECT_CLASS (lsc_command_recording_parent_class)->finalize (object);
}

static void
lsc_command_recording_class_init (LscCommandRecordingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lsc_command_recording_dispose;
  object_class->finalize = lsc_command_recording_finalize;

  signals[STARTED] = g_signal_new ("started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 0);
  signals[WARNING_CHANGED] = g_signal_new ("warning-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 0);
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
lsc_command_recording_init (LscCommandRecording *self)
{
  (void) self;
}
