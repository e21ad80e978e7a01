/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-automation.h — the command line's automation of one window, for tests and machines
 * where nobody clicks: --view, --screenshot, --measure-first-paint, and --live with its
 * options (record, run the switch script, save screenshots, stop, show the report, quit).
 *
 * It drives the window only through the window's public methods and signals; the window does
 * not know it exists.  One per window, owned by the window (lsc_automation_for_window()), and
 * quiet once the window is destroyed.  Main thread only.
 */
#pragma once

#include <glib-object.h>

#include "lsc-window.h"

G_BEGIN_DECLS

#define LSC_TYPE_AUTOMATION (lsc_automation_get_type ())
G_DECLARE_FINAL_TYPE (LscAutomation, lsc_automation, LSC, AUTOMATION, GObject)

/* window's automation, made on the first call; owned by window. */
LscAutomation *lsc_automation_for_window (LscWindow *window);

/* --view, --screenshot, --measure-first-paint: shows the named view (now or once a report is
 * shown; an unknown name is said on stderr).  With screenshot_path, once the report is shown
 * (or failed, or none was asked for) and delay_ms passed, saves the window as a PNG (and an
 * open error dialog to <path without .png>-dialog.png), then quits.  With
 * measure_first_paint, prints the time from process start to the first frame showing the
 * report and to the charts, then quits. */
void lsc_automation_run_report (LscAutomation *self, const char *view, const char *screenshot_path, guint delay_ms,
                                gboolean measure_first_paint);

/* --select-range: once the report's charts are ready, selects [t0_ns, t1_ns) on the timeline;
 * a screenshot waits for the selection's statistics. */
void lsc_automation_select_range (LscAutomation *self, double t0_ns, double t1_ns);

/* --measure-first-paint --compare A B: compares a with b once report a (being opened in the
 * window) has its charts, as Compare With… on a loaded report does, then prints the time from
 * both reports being open to the first frame of the finished comparison, and quits. */
void lsc_automation_measure_compare (LscAutomation *self, GFile *a, GFile *b);

/* --live and its options: what to record, the switch script, how long, and where to save the
 * window (DIR/live-02s.png, ..., DIR/live-report.png).  NULL / negative fields keep the live
 * page's settings. */
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
 * FALSE with error set when the options are wrong (a bad script, a folder that cannot be
 * made). */
gboolean lsc_automation_run_live (LscAutomation *self, const LscLiveAutomation *options, GError **error);

/* --record-command=CMDLINE (with --live-duration, --live-screenshots, --live-screenshot-every):
 * opens Record a Command… with the command line typed in (the rest as remembered), saves
 * DIR/record-command-dialog.png, presses Record, saves DIR/record-command-NNs.png while it runs,
 * stops it after the duration (<= 0: when it ends by itself), and saves
 * DIR/record-command-report.png of the report it opens, then quits: status 0, or 1 when the
 * command could not start or left no report (DIR/record-command-error.png). */
typedef struct {
  const char *command_line;
  double duration_s;
  const char *screenshots_dir;
  double screenshot_every_s;
} LscCommandAutomation;

gboolean lsc_automation_run_command (LscAutomation *self, const LscCommandAutomation *options, GError **error);

G_END_DECLS
