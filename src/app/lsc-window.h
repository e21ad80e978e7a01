/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-window.h — the main window: one report at a time, its views in an AdwViewStack, the
 * open/close/export actions (win.*), drag and drop, loading progress and error dialogs.
 */
#pragma once

#include <adwaita.h>

#include "lsc-application.h"
#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_WINDOW (lsc_window_get_type ())
G_DECLARE_FINAL_TYPE (LscWindow, lsc_window, LSC, WINDOW, AdwApplicationWindow)

LscWindow *lsc_window_new (LscApplication *application);

/* Loads file off the main loop; the current report stays until the new one is ready (or
 * failed, which shows an error dialog naming the file). */
void lsc_window_open (LscWindow *self, GFile *file);

/* Closes the report (or cancels the load); the window shows "Open a Report". */
void lsc_window_close_report (LscWindow *self);

/* The shown report, or NULL. */
LscDocument *lsc_window_get_document (LscWindow *self);

/* Makes the named view visible (now, or when a report is shown).  FALSE for an unknown name. */
gboolean lsc_window_set_view (LscWindow *self, const char *name);

/* Automation for tests and machines without a screenshot tool: once the report is shown (or
 * failed, or none was asked for) and delay_ms passed, saves the window as a PNG to
 * screenshot_path (and an open error dialog to <path without .png>-dialog.png), then quits.
 * With measure_first_paint, prints the time from process start to the first frame showing
 * the report and quits. */
void lsc_window_automate (LscWindow *self, const char *screenshot_path, guint delay_ms, gboolean measure_first_paint);

/* --live and its options: what to record, the switch script, how long, and where the window
 * saves itself (DIR/live-02s.png, ..., DIR/live-report.png).  NULL / negative fields keep the
 * live page's settings. */
typedef struct {
  const char *workload;        /* "add2" .. "add32", "empty" */
  const char *kernel_path;     /* your own kernel (.cu) */
  long n;                      /* elements; <= 0 keeps */
  double rate;                 /* launches per second, 0 as fast as possible, < 0 keeps */
  const char *report_path;
  const char *script;          /* lsc-live-script.h */
  double duration_s;           /* then stop and open the report, save its screenshots, quit; <= 0: run until stopped */
  const char *screenshots_dir; /* NULL: none */
  double screenshot_every_s;   /* <= 0: 2 s */
  gboolean measure_frames;     /* print the longest frame and main-loop stall while live */
} LscLiveAutomation;

/* Shows the live page and starts recording as soon as the driver is found.  Quits the
 * application when done (with a non-zero exit status when recording was impossible or failed).
 * FALSE with error set when the options are wrong (a bad script). */
gboolean lsc_window_automate_live (LscWindow *self, const LscLiveAutomation *automation, GError **error);

G_END_DECLS
