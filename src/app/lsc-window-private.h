/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-window-private.h — what lsc-window.c, lsc-window-live.c and lsc-window-export.c share.
 */
#pragma once

#include "lsc-compare-view.h"
#include "lsc-distribution-view.h"
#include "lsc-events-view.h"
#include "lsc-filter-bar.h"
#include "lsc-frame-monitor.h"
#include "lsc-kernels-view.h"
#include "lsc-launches-view.h"
#include "lsc-live-page.h"
#include "lsc-overview-view.h"
#include "lsc-session-view.h"
#include "lsc-specs-view.h"
#include "lsc-stages-view.h"
#include "lsc-timeline-view.h"
#include "lsc-window.h"

G_BEGIN_DECLS

struct _LscWindow
{
  AdwApplicationWindow parent_instance;

  /* template children */
  AdwToastOverlay *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar *switcher_bar;
  GtkMenuButton *export_button;
  GtkStack *main_stack;
  AdwStatusPage *empty_page;
  AdwStatusPage *loading_page;
  GtkWidget *no_gpu_label;
  GtkWidget *sample_button;
  GtkListBox *recent_list;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  AdwViewStack *view_stack;
  LscFilterBar *filter_bar;
  GMenu *recent_section;
  LscOverviewView *overview_view;
  LscTimelineView *timeline_view;
  LscDistributionView *distribution_view;
  LscStagesView *stages_view;
  LscSpecsView *specs_view;
  LscEventsView *events_view;
  LscLaunchesView *launches_view;
  LscKernelsView *kernels_view;
  LscSessionView *session_view;
  LscCompareView *compare_view;
  LscLivePage *live_page;
  GtkWidget *live_button;
  GtkWidget *live_empty_button;

  GSettings *settings;
  LscDocument *document; /* shown */
  LscDocument *loading;  /* being loaded */
  GCancellable *load_cancellable;
  char *pending_view;
  AdwMessageDialog *error_dialog;

  /* live recording */
  gboolean live_shown;   /* the live page is the visible one */
  char *test_label;      /* test-only builds: said in every title */
  gboolean close_after_live; /* closing waits for the report to be finished */

  GCancellable *compare_cancellable; /* the comparison being run */
};

/* lsc-window.c */
void lsc_window_update_actions (LscWindow *self);
void lsc_window_show_error (LscWindow *self, const char *heading, const char *body);
/* The chart widget of the visible view, or NULL when the view has none. */
GtkWidget *lsc_window_get_visible_chart (LscWindow *self);

/* lsc-window.c: re-evaluates the title, the stack page and the actions */
void lsc_window_show_state (LscWindow *self);

/* lsc-window-live.c */
void lsc_window_live_class_init (GtkWidgetClass *widget_class);
void lsc_window_live_update_actions (LscWindow *self);
/* A test-only build marks every title with label (e.g. "TEST DOUBLE, not a GPU"). */
void lsc_window_set_test_label (LscWindow *self, const char *label);

/* lsc-window-compare.c */
void lsc_window_compare_class_init (GtkWidgetClass *widget_class);
/* Compares anew when compare-metric changes (needs self->settings). */
void lsc_window_compare_init (LscWindow *self);
void lsc_window_compare_update_actions (LscWindow *self);
/* Stops the comparison being run, if any (closing the window). */
void lsc_window_compare_cancel (LscWindow *self);

/* lsc-window-export.c */
void lsc_window_export_report (LscWindow *self);
void lsc_window_export_csv (LscWindow *self);
void lsc_window_export_nsys (LscWindow *self);
void lsc_window_export_trace (LscWindow *self);
void lsc_window_export_png (LscWindow *self);
/* The same without the file chooser (the chooser's answer; tests): the file exports run in a
 * worker thread and end with a toast or an error dialog; the CSV goes into a new folder
 * <report>-csv inside folder. */
void lsc_window_export_report_to (LscWindow *self, GFile *file);
void lsc_window_export_csv_to (LscWindow *self, GFile *folder);
void lsc_window_export_nsys_to (LscWindow *self, GFile *file);
void lsc_window_export_trace_to (LscWindow *self, GFile *file);
void lsc_window_export_png_to (LscWindow *self, GFile *file);

G_END_DECLS
