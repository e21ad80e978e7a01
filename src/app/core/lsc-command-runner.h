/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-command-runner.h — recording a command from the app: `launchscope-cli record -o REPORT --
 * COMMAND` as a subprocess, its output line by line, and what it has recorded so far.
 *
 * The growing report is read by a worker thread (lsc_command_progress_read: the processes'
 * parts, read-only, beside REPORT) ten times a second, or less often once a read takes longer
 * than 25 ms (at most a fifth of a core taken from the program); the main loop only copies the
 * last figures under one short lock, so a large report never stalls a frame.  Stopping sends SIGINT
 * to `record`, which passes it on to the command, then SIGTERM after a grace period; `record`
 * gathers whatever the processes wrote, so stopping (or a failing program) loses nothing.
 *
 * GLib only, no GTK.  One recording per runner.
 */
#pragma once

#include <gio/gio.h>

#include "lsc-command.h"

G_BEGIN_DECLS

typedef enum {
  LSC_COMMAND_RUNNER_NEW = 0,
  LSC_COMMAND_RUNNER_RUNNING,
  LSC_COMMAND_RUNNER_STOPPING, /* SIGINT sent; SIGTERM follows after the grace period */
  LSC_COMMAND_RUNNER_FINISHED, /* record has exited and its output is read to the end */
} LscCommandRunnerState;

typedef struct {
  const char *command_line; /* shell syntax, as typed */
  const char *directory;    /* the command's working directory; NULL or "": the app's */
  const char *environment;  /* KEY=VALUE lines added to the command's environment */
  const char *cupti_mode;   /* "callbacks" or "activity" */
  const char *report_path;  /* must not exist */
  const char *cupti_library; /* NULL: the program's own libcupti (tests name a stand-in) */
} LscCommandRunOptions;

/* What the page shows: the library's figures plus the rate this runner measured. */
typedef struct {
  lsc_command_progress progress;
  double launches_per_s;  /* over the last second or so of reads */
  guint reads;            /* completed reads of the parts so far */
  char *read_error;       /* the last read's problem, or NULL */
} LscCommandRunnerProgress;

void lsc_command_runner_progress_clear (LscCommandRunnerProgress *progress);

#define LSC_TYPE_COMMAND_RUNNER (lsc_command_runner_get_type ())
G_DECLARE_FINAL_TYPE (LscCommandRunner, lsc_command_runner, LSC, COMMAND_RUNNER, GObject)

LscCommandRunner *lsc_command_runner_new (void);

/* launchscope-cli: $LSC_CLI, beside the running program, the build tree's src/cli, the install
 * folder, then PATH.  NULL with an error naming every place looked in. */
char *lsc_command_runner_find_cli (GError **error);

/* Parses the command line and the environment lines, finds the CLI and starts `record`.
 * FALSE with error (G_IO_ERROR, naming the line or the program at fault) when it cannot. */
gboolean lsc_command_runner_start (LscCommandRunner *self, const LscCommandRunOptions *options, GError **error);

/* SIGINT now, SIGTERM after grace_ms if record has not exited (0: 5 s). */
void lsc_command_runner_stop (LscCommandRunner *self, guint grace_ms);

LscCommandRunnerState lsc_command_runner_get_state (LscCommandRunner *self);
const char *lsc_command_runner_get_report_path (LscCommandRunner *self);
/* The argv `record` runs with, for logs and tests. */
const char *const *lsc_command_runner_get_argv (LscCommandRunner *self);
/* A copy of the latest figures; clear with lsc_command_runner_progress_clear. */
void lsc_command_runner_get_progress (LscCommandRunner *self, LscCommandRunnerProgress *out);
/* The CLI's and the injection library's own lines so far ("launchscope-cli record: …"),
 * newest last, "\n"-joined; "" when none. */
const char *lsc_command_runner_get_messages (LscCommandRunner *self);
/* record's exit status (the command's, 128 + N after signal N); -1 until finished. */
int lsc_command_runner_get_exit_status (LscCommandRunner *self);

/* Signals: "output" (const char *line) for every line record or the command prints, on the
 * main loop; "finished" () once, when FINISHED is reached; notify::state. */

G_END_DECLS
