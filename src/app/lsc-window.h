/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-window.h — the main window: one report at a time, its views in an AdwViewStack, the
 * open/close/export actions (win.*), drag and drop, loading progress and error dialogs.
 */
#pragma once

#include <adwaita.h>

#include "lsc-application.h"
#include "lsc-comparison.h"
#include "lsc-document.h"
#include "lsc-live-page.h"

G_BEGIN_DECLS

#define LSC_TYPE_WINDOW (lsc_window_get_type ())
G_DECLARE_FINAL_TYPE (LscWindow, lsc_window, LSC, WINDOW, AdwApplicationWindow)

LscWindow *lsc_window_new (LscApplication *application);

/* Loads file off the main loop; the current report stays until the new one is ready (or
 * failed, which shows an error dialog naming the file). */
void lsc_window_open (LscWindow *self, GFile *file);

/* Compares report a with report b off the main loop and shows the Compare view (a spinner
 * until it is ready; an error dialog naming the file when either cannot be read). */
void lsc_window_compare (LscWindow *self, GFile *a, GFile *b);
/* The comparison shown or being run, or NULL; whether it is being run. */
LscComparison *lsc_window_get_comparison (LscWindow *self);
gboolean lsc_window_is_comparing (LscWindow *self);

/* Closes the report (or cancels the load); the window shows "Open a Report". */
void lsc_window_close_report (LscWindow *self);

/* The shown report, or NULL. */
LscDocument *lsc_window_get_document (LscWindow *self);

/* Makes the named view visible (now, or when a report is shown).  FALSE for an unknown name. */
gboolean lsc_window_set_view (LscWindow *self, const char *name);

/* The names lsc_window_set_view() takes, in the switcher's order (free with g_strfreev). */
char **lsc_window_dup_view_names (LscWindow *self);

typedef enum {
  LSC_WINDOW_EMPTY,
  LSC_WINDOW_LOADING,
  LSC_WINDOW_REPORT,
  LSC_WINDOW_LIVE, /* the live recording page */
} LscWindowState;

/* What the window shows.  It emits "state-changed" whenever it re-evaluates this (a report
 * loaded or failed, the live page shown or left) and when an error dialog appears. */
LscWindowState lsc_window_get_state (LscWindow *self);

/* Selects [t0_ns, t1_ns) (since the session start) on the timeline, once its chart has the
 * report's data, and shows the range's statistics beside it. */
void lsc_window_select_range (LscWindow *self, double t0_ns, double t1_ns);
/* TRUE while a selection waits for the chart's data or its statistics. */
gboolean lsc_window_get_selection_pending (LscWindow *self);

/* The name of the visible report view ("overview", "timeline", ...). */
const char *lsc_window_get_view (LscWindow *self);

/* The error dialog while one is open, or NULL. */
AdwMessageDialog *lsc_window_get_error_dialog (LscWindow *self);

/* The live recording page, and whether it is the one shown (it stays while it records). */
LscLivePage *lsc_window_get_live_page (LscWindow *self);
void lsc_window_set_live_shown (LscWindow *self, gboolean shown);

/* Page changes crossfade unless animated is FALSE (screenshots must not catch one halfway).
 * Turning animations off altogether would make libadwaita 1.2's view switcher title warn. */
void lsc_window_set_animated (LscWindow *self, gboolean animated);

/* Renders widget (the window, a dialog, a chart) to a PNG at path; FALSE with error set when
 * it has no size or saving fails. */
gboolean lsc_window_save_widget_png (GtkWidget *widget, const char *path, GError **error);

G_END_DECLS
