/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-panel.h — the live page's side panel: the workload (kernel, arrays, problem size,
 * rate, how many launches), the report file, and the live switches with the guarded global.
 * The workload and the report folder are remembered in GSettings (live-* keys).
 *
 * The panel knows nothing of sessions: the page asks it what to record, tells it what the
 * session allows (lsc_live_panel_set_session()), and hears the switches and the global change
 * through "toggle-changed" (lsc_live_toggle, gboolean) and "global-changed" (gint64), emitted
 * for a person's change or a set_toggle()/set_global() call, never for a sync_*() call.
 */
#pragma once

#include <adwaita.h>

#include "lsc-live.h"

G_BEGIN_DECLS

#define LSC_TYPE_LIVE_PANEL (lsc_live_panel_get_type ())
G_DECLARE_FINAL_TYPE (LscLivePanel, lsc_live_panel, LSC, LIVE_PANEL, GtkWidget)

/* Overrides of the workload panel for one run (automation); NULL / negative fields keep the
 * panel's value.  Nothing of it is saved in the settings. */
typedef struct {
  const char *workload;    /* "add2" .. "add32", "empty" */
  const char *kernel_path; /* a .cu file: "your own kernel" */
  long n;                  /* elements; <= 0 keeps */
  double rate;             /* launches per second, 0 as fast as possible; < 0 keeps */
  long max_launches;       /* < 0 keeps */
  const char *report_path; /* the report file (overwritten) */
} LscLivePageConfig;

void lsc_live_panel_configure (LscLivePanel *self, const LscLivePageConfig *config);

/* What the panel says to record. */
typedef struct {
  char *workload;    /* "addN" or "empty" (the engine's name; "empty" for your own kernel too) */
  char *kernel_path; /* your own kernel's .cu file, or NULL for a built-in one */
  long n;
  double rate;       /* 0: as fast as possible */
  long max_launches; /* 0: until stopped */
} LscLiveWorkload;

/* FALSE with error set when "your own kernel" is chosen without a file. */
gboolean lsc_live_panel_get_workload (LscLivePanel *self, LscLiveWorkload *out, GError **error);
void lsc_live_workload_clear (LscLiveWorkload *workload);

/* The next recording's file: the one chosen (or configured), or else a new
 * live-YYYYMMDD-HHMMSS.lsdb in the report folder (made if needed; *chosen FALSE).  NULL with
 * error set when the folder cannot be made. */
char *lsc_live_panel_dup_report_path (LscLivePanel *self, gboolean *chosen, GError **error);
/* A report file that does not exist yet in the report folder, PREFIX-YYYYMMDD-HHMMSS.lsdb
 * (a recorded command's report is always a new file: record refuses to replace one). */
char *lsc_live_panel_dup_new_report_path (LscLivePanel *self, const char *prefix, GError **error);

/* What the session allows: editing the workload and the report file (no session), changing
 * the global (a running one), and the CUPTI switches (NULL cupti_status: not known yet; else
 * they work only when it starts with "callbacks"). */
void lsc_live_panel_set_session (LscLivePanel *self, gboolean editable, gboolean running, const char *cupti_status);
/* The report row names path (the file being written), or with NULL the next one. */
void lsc_live_panel_set_recording (LscLivePanel *self, const char *path);

/* Flips a switch as a click would ("toggle-changed"); sync_toggle() shows a state without. */
void lsc_live_panel_set_toggle (LscLivePanel *self, lsc_live_toggle toggle, gboolean on);
void lsc_live_panel_sync_toggle (LscLivePanel *self, lsc_live_toggle toggle, gboolean on);
gboolean lsc_live_panel_get_toggle (LscLivePanel *self, lsc_live_toggle toggle);
gboolean lsc_live_panel_get_toggle_sensitive (LscLivePanel *self, lsc_live_toggle toggle);

/* The global's value as set ("global-changed"), and the value compiled into the kernel: shown
 * without a signal, and named in the row. */
void lsc_live_panel_set_global (LscLivePanel *self, gint64 value);
gint64 lsc_live_panel_get_global (LscLivePanel *self);
void lsc_live_panel_show_compiled_global (LscLivePanel *self, gint64 value);

G_END_DECLS
