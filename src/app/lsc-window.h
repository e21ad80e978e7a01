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

G_END_DECLS
