/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-page.h — the live recording page: a banner over the side panel (LscLivePanel: the
 * workload, the report file, the live switches) and the run view (LscLiveRunView: Record /
 * Pause / Stop, and the cards and overhead chart fed from the running session at 10–20 updates
 * a second).  The page holds the session and tells both what it allows and shows.
 *
 * The engine runs on its own worker thread (LscLiveSession); this page polls it from the main
 * loop every 50 ms (points) and 100 ms (aggregates, cards), each poll one short lock.  When
 * recording is impossible (no driver, no device) a banner says exactly why and Record stays
 * off; CUPTI missing or held by another tool is said the same way while recording goes on
 * without it.  When a recording stops the page emits "finished" with the report's path; the
 * window opens it as a normal report.
 *
 * The actions (live.record, live.pause, live.stop) are the window's; it asks the page.
 */
#pragma once

#include <adwaita.h>

#include "lsc-command-view.h"
#include "lsc-frame-monitor.h"
#include "lsc-live-panel.h"
#include "lsc-live-run-view.h"
#include "lsc-live-script.h"
#include "lsc-live-state.h"
#include "lsc-live.h"
#include "lsc-record-command-dialog.h"

G_BEGIN_DECLS

#define LSC_TYPE_LIVE_PAGE (lsc_live_page_get_type ())
G_DECLARE_FINAL_TYPE (LscLivePage, lsc_live_page, LSC, LIVE_PAGE, GtkWidget)

/* LscLivePageState is in lsc-live-state.h; LscLivePageConfig in lsc-live-panel.h. */

LscLivePageState lsc_live_page_get_state (LscLivePage *self);
/* Whether a session is running, paused, failed or starting/stopping (the window stays on the
 * page meanwhile). */
gboolean lsc_live_page_is_busy (LscLivePage *self);
gboolean lsc_live_page_can_record (LscLivePage *self);
gboolean lsc_live_page_can_pause (LscLivePage *self);
gboolean lsc_live_page_can_stop (LscLivePage *self);

void lsc_live_page_record (LscLivePage *self);
void lsc_live_page_toggle_pause (LscLivePage *self);
void lsc_live_page_stop (LscLivePage *self);

/* Flips a switch as a click would: live now when recording, the starting state otherwise. */
void lsc_live_page_set_toggle (LscLivePage *self, lsc_live_toggle toggle, gboolean on);
gboolean lsc_live_page_get_toggle (LscLivePage *self, lsc_live_toggle toggle);
gboolean lsc_live_page_get_toggle_sensitive (LscLivePage *self, lsc_live_toggle toggle);
void lsc_live_page_set_global (LscLivePage *self, gint64 value);
/* Runs one --live-script step (flip or set a switch, pause, the global). */
void lsc_live_page_apply_step (LscLivePage *self, const LscLiveStep *step);

void lsc_live_page_configure (LscLivePage *self, const LscLivePageConfig *config);

/* Recording a command (launchscope-cli record -- COMMAND) instead of the engine's workload,
 * handed to LscCommandRecording: the command view replaces the run view, its cards read from
 * the growing report ten times a second, live.stop ends the command (SIGINT, then SIGTERM after
 * the grace period), and "finished" is emitted with the gathered report.  When no report came
 * of it, the banner gives record's own words and the view stays. */
gboolean lsc_live_page_can_record_command (LscLivePage *self);
/* Record a Command…: the dialog, made once and presented; its Record starts the recording. */
LscRecordCommandDialog *lsc_live_page_show_command_dialog (LscLivePage *self);
/* FALSE with error (the command line, the environment lines, the directory, or the CLI not found). */
gboolean lsc_live_page_record_command (LscLivePage *self, const char *command_line, const char *directory,
                                      const char *environment, const char *cupti_mode, GError **error);
LscCommandRunner *lsc_live_page_get_command_runner (LscLivePage *self); /* NULL before any */
LscCommandView *lsc_live_page_get_command_view (LscLivePage *self);
/* Tests: SIGTERM follows Stop's SIGINT after grace_ms (0: 5 s). */
void lsc_live_page_set_command_grace (LscLivePage *self, guint grace_ms);

/* What the page shows, for tests and automation logs. */
const char *lsc_live_page_get_banner_title (LscLivePage *self); /* "" when no banner */
const char *lsc_live_page_get_banner_text (LscLivePage *self);
const char *lsc_live_page_get_device (LscLivePage *self);       /* NULL until probed */
const char *lsc_live_page_get_report_path (LscLivePage *self);  /* of the running/last session */
gsize lsc_live_page_get_n_markers (LscLivePage *self);
guint64 lsc_live_page_get_charted (LscLivePage *self);          /* launches handed to the chart */
/* The session's aggregates as last polled (zeroed before any); launches_per_s is the page's
 * own, from the launch count over the last second. */
void lsc_live_page_get_snapshot (LscLivePage *self, lsc_live_snapshot *out);
/* The card texts, joined "title: value (detail)" one a line, for logs. */
char *lsc_live_page_describe_cards (LscLivePage *self);
/* The kernel error dialog, while one is open (tests). */
AdwMessageDialog *lsc_live_page_get_kernel_dialog (LscLivePage *self);

/* Tests and automation: the CUPTI library to load (a path that does not exist keeps CUPTI
 * off), and a monitor told how long each poll took. */
void lsc_live_page_set_cupti_library (LscLivePage *self, const char *path);
void lsc_live_page_set_frame_monitor (LscLivePage *self, LscFrameMonitor *monitor);

G_END_DECLS
