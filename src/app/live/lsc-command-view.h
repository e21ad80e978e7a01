/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-command-view.h — the live page while it records a command: Stop (the window's
 * live.stop), the command and its state, cards for what the growing report holds so far
 * (launch rate, launches, kernels, the launch call's and the gap's p50, the launch-bound
 * share), and the program's output in an expander.  It shows what the page tells it.
 */
#pragma once

#include <adwaita.h>

#include "lsc-command-runner.h"

G_BEGIN_DECLS

#define LSC_TYPE_COMMAND_VIEW (lsc_command_view_get_type ())
G_DECLARE_FINAL_TYPE (LscCommandView, lsc_command_view, LSC, COMMAND_VIEW, GtkWidget)

/* A new recording: the command line shown, the output and the cards emptied. */
void lsc_command_view_reset (LscCommandView *self, const char *command_line, const char *cupti_mode);
void lsc_command_view_set_state (LscCommandView *self, LscCommandRunnerState state);
/* Recording time as m:ss; negative: none. */
void lsc_command_view_set_elapsed (LscCommandView *self, gint64 seconds);
void lsc_command_view_set_progress (LscCommandView *self, const LscCommandRunnerProgress *progress);
/* One line of the program's (or record's) output; the oldest go past OUTPUT_LINES. */
void lsc_command_view_append_output (LscCommandView *self, const char *line);

/* For tests and automation logs: the cards, "title: value (detail)" one a line, and the output. */
char *lsc_command_view_describe_cards (LscCommandView *self);
char *lsc_command_view_dup_output (LscCommandView *self);
void lsc_command_view_set_output_expanded (LscCommandView *self, gboolean expanded);

G_END_DECLS
