/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-session.h — one live recording as a GObject: the engine's live controller
 * (lsc-live.h) started and stopped in GTask threads, its failures as GErrors, and its state
 * as a property the page binds to.
 *
 * The engine launches on its own worker thread; this object lives on the main thread and only
 * ever takes the controller's one short lock (snapshot, point copies).  Starting (driver,
 * CUPTI, report file) and stopping (joining the worker, finishing the report) can each take a
 * while on a real GPU, so they run in threads and never block the main loop.
 *
 * GLib only, no GTK.
 */
#pragma once

#include <gio/gio.h>

#include "lsc-live-feed.h"
#include "lsc-live.h"

G_BEGIN_DECLS

typedef enum {
  LSC_LIVE_SESSION_NEW = 0,
  LSC_LIVE_SESSION_STARTING,
  LSC_LIVE_SESSION_RUNNING,
  LSC_LIVE_SESSION_PAUSED,
  LSC_LIVE_SESSION_FINISHED, /* the requested number of launches is done */
  LSC_LIVE_SESSION_FAILED,   /* the worker stopped on an error it cannot recover from */
  LSC_LIVE_SESSION_STOPPING,
  LSC_LIVE_SESSION_STOPPED,  /* the report is finished, or the start failed */
} LscLiveSessionState;

#define LSC_LIVE_SESSION_ERROR (lsc_live_session_error_quark ())
GQuark lsc_live_session_error_quark (void);

typedef enum {
  LSC_LIVE_SESSION_ERROR_NO_DRIVER, /* no usable CUDA driver or device: the message says why */
  LSC_LIVE_SESSION_ERROR_KERNEL,    /* the user's kernel file: header, signature, I/O */
  LSC_LIVE_SESSION_ERROR_REPORT,    /* the report file cannot be created */
  LSC_LIVE_SESSION_ERROR_FAILED,    /* anything else the engine refused */
} LscLiveSessionError;

#define LSC_TYPE_LIVE_SESSION (lsc_live_session_get_type ())
G_DECLARE_FINAL_TYPE (LscLiveSession, lsc_live_session, LSC, LIVE_SESSION, GObject)

/* Copies options (its strings included).  report_path is required. */
LscLiveSession *lsc_live_session_new (const lsc_live_options *options);

LscLiveSessionState lsc_live_session_get_state (LscLiveSession *self);
const char *lsc_live_session_get_report_path (LscLiveSession *self);
/* TRUE from a successful start until stop begins. */
gboolean lsc_live_session_is_active (LscLiveSession *self);

/* Starts the controller in a thread (NEW -> STARTING -> RUNNING, or STOPPED with an error). */
void lsc_live_session_start_async (LscLiveSession *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean lsc_live_session_start_finish (LscLiveSession *self, GAsyncResult *result, GError **error);

/* While active (otherwise ignored): each takes effect on the worker's next launch. */
void lsc_live_session_pause (LscLiveSession *self, gboolean paused);
void lsc_live_session_set_toggle (LscLiveSession *self, lsc_live_toggle toggle, gboolean on);
void lsc_live_session_set_global (LscLiveSession *self, gint64 value);

/* Copies the launches since the last call into feed, at most max_points (more than the
 * engine's ring, LSC_LIVE_RING, are never waiting), one short lock per LSC_LIVE_RING; returns
 * how many were copied.  Launches the engine overwrote before a poll count as the feed's
 * missed ones (the report has them all).  0 when not active. */
gsize lsc_live_session_poll (LscLiveSession *self, LscLiveFeed *feed, gsize max_points);
/* The controller's aggregates now; updates the state (PAUSED, FINISHED, FAILED) from them.
 * FALSE (out zeroed) when not active. */
gboolean lsc_live_session_get_snapshot (LscLiveSession *self, lsc_live_snapshot *out);

/* Stops the worker and finishes the report in a thread (-> STOPPING -> STOPPED).  The report
 * is kept even when finishing it fails (what was written stays readable). */
void lsc_live_session_stop_async (LscLiveSession *self, GAsyncReadyCallback callback, gpointer user_data);
gboolean lsc_live_session_stop_finish (LscLiveSession *self, GAsyncResult *result, lsc_recorder_stats *stats,
                                       GError **error);

/* Whether live recording can work here: loads the CUDA driver in a thread and names the
 * device ("NVIDIA H100 80GB HBM3"), or fails with LSC_LIVE_SESSION_ERROR_NO_DRIVER and the
 * driver loader's reason. */
void lsc_live_session_probe_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
char *lsc_live_session_probe_finish (GAsyncResult *result, GError **error);

G_END_DECLS
