/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-session.c — the live controller in a GObject (see the header).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fastlaunch-driver.h"
#include "lsc-live-session.h"

/* lsc_live_copy_points hands out the newest launches when more are waiting than asked for, so
 * one copy takes as many as the engine's ring holds: smaller batches would skip launches. */
#define POLL_BATCH LSC_LIVE_RING

struct _LscLiveSession
{
  GObject parent_instance;

  lsc_live_options options; /* strings below */
  char *report_path, *workload, *user_kernel_path, *cupti_library;

  LscLiveSessionState state;
  lsc_live *live; /* from start until stop begins */
  lsc_live_point *batch;
};

G_DEFINE_FINAL_TYPE (LscLiveSession, lsc_live_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (lsc-live-session-error-quark, lsc_live_session_error)

enum { PROP_0, PROP_STATE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
set_state (LscLiveSession *self, LscLiveSessionState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

LscLiveSession *
lsc_live_session_new (const lsc_live_options *options)
{
  g_return_val_if_fail (options != NULL && options->report_path != NULL, NULL);

  LscLiveSession *self = g_object_new (LSC_TYPE_LIVE_SESSION, NULL);
  self->options = *options;
  self->options.report_path = self->report_path = g_strdup (options->report_path);
  self->options.workload = self->workload = g_strdup (options->workload);
  self->options.user_kernel_path = self->user_kernel_path = g_strdup (options->user_kernel_path);
  self->options.cupti_library = self->cupti_library = g_strdup (options->cupti_library);
  return self;
}

LscLiveSessionState
lsc_live_session_get_state (LscLiveSession *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_SESSION (self), LSC_LIVE_SESSION_NEW);
  return self->state;
}

const char *
lsc_live_session_get_report_path (LscLiveSession *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_SESSION (self), NULL);
  return self->report_path;
}

gboolean
lsc_live_session_is_active (LscLiveSession *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_SESSION (self), FALSE);
  return self->live != NULL;
}

/* ---- start ---------------------------------------------------------------------------------- */

static void
start_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LscLiveSession *self = source;
  (void) data;
  (void) cancellable;
  char err[2048] = "";

  lsc_live *live = NULL;
  lsc_live_start_error failure = lsc_live_start (&self->options, &live, err, sizeof err);
  if (failure != LSC_LIVE_START_OK)
    {
      LscLiveSessionError code = LSC_LIVE_SESSION_ERROR_FAILED;
      switch (failure)
        {
        case LSC_LIVE_START_NO_DRIVER: code = LSC_LIVE_SESSION_ERROR_NO_DRIVER; break;
        case LSC_LIVE_START_KERNEL: code = LSC_LIVE_SESSION_ERROR_KERNEL; break;
        case LSC_LIVE_START_REPORT: code = LSC_LIVE_SESSION_ERROR_REPORT; break;
        case LSC_LIVE_START_OK:
        case LSC_LIVE_START_FAILED: break;
        }
      g_task_return_new_error (task, LSC_LIVE_SESSION_ERROR, code, "%s", err[0] ? err : "the live session did not start");
      return;
    }
  g_task_return_pointer (task, live, NULL);
}

void
lsc_live_session_start_async (LscLiveSession *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (LSC_IS_LIVE_SESSION (self));
  g_return_if_fail (self->state == LSC_LIVE_SESSION_NEW);

  set_state (self, LSC_LIVE_SESSION_STARTING);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lsc_live_session_start_async);
  g_task_run_in_thread (task, start_thread);
  g_object_unref (task);
}

gboolean
lsc_live_session_start_finish (LscLiveSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  lsc_live *live = g_task_propagate_pointer (G_TASK (result), error);
  if (!live)
    {
      set_state (self, LSC_LIVE_SESSION_STOPPED);
      return FALSE;
    }
  self->live = live;
  set_state (self, LSC_LIVE_SESSION_RUNNING);
  return TRUE;
}

/* ---- while running -------------------------------------------------------------------------- */

void
lsc_live_session_pause (LscLiveSession *self, gboolean paused)
{
  g_return_if_fail (LSC_IS_LIVE_SESSION (self));
  if (!self->live)
    return;
  lsc_live_pause (self->live, paused);
  if (self->state == LSC_LIVE_SESSION_RUNNING || self->state == LSC_LIVE_SESSION_PAUSED)
    set_state (self, paused ? LSC_LIVE_SESSION_PAUSED : LSC_LIVE_SESSION_RUNNING);
}

void
lsc_live_session_set_toggle (LscLiveSession *self, lsc_live_toggle toggle, gboolean on)
{
  g_return_if_fail (LSC_IS_LIVE_SESSION (self));
  if (self->live)
    lsc_live_set_toggle (self->live, toggle, on);
}

void
lsc_live_session_set_global (LscLiveSession *self, gint64 value)
{
  g_return_if_fail (LSC_IS_LIVE_SESSION (self));
  if (self->live)
    lsc_live_set_global (self->live, value);
}

gsize
lsc_live_session_poll (LscLiveSession *self, LscLiveFeed *feed, gsize max_points)
{
  g_return_val_if_fail (LSC_IS_LIVE_SESSION (self), 0);
  if (!self->live)
    return 0;
  if (!self->batch)
    self->batch = g_new (lsc_live_point, POLL_BATCH);

  gsize total = 0;
  while (total < max_points)
    {
      /* one short lock per copy: the worker publishes between them */
      gsize want = MIN (POLL_BATCH, max_points - total);
      gsize n = lsc_live_copy_points (self->live, lsc_live_feed_get_after_seq (feed), self->batch, want);
      if (n == 0)
        break;
      lsc_live_feed_add (feed, self->batch, n);
      total += n;
      if (n < want)
        break;
    }
  return total;
}

gboolean
lsc_live_session_get_snapshot (LscLiveSession *self, lsc_live_snapshot *out)
{
  g_return_val_if_fail (LSC_IS_LIVE_SESSION (self), FALSE);
  if (!self->live)
    {
      memset (out, 0, sizeof *out);
      return FALSE;
    }
  lsc_live_get_snapshot (self->live, out);
  switch (out->state)
    {
    case LSC_LIVE_RUNNING:
      set_state (self, LSC_LIVE_SESSION_RUNNING);
      break;
    case LSC_LIVE_PAUSED:
      set_state (self, LSC_LIVE_SESSION_PAUSED);
      break;
    case LSC_LIVE_FINISHED:
      set_state (self, LSC_LIVE_SESSION_FINISHED);
      break;
    case LSC_LIVE_FAILED:
      set_state (self, LSC_LIVE_SESSION_FAILED);
      break;
    case LSC_LIVE_STOPPED:
      break;
    }
  return TRUE;
}

/* ---- stop ----------------------------------------------------------------------------------- */

typedef struct {
  lsc_live *live;
  lsc_recorder_stats stats;
  char err[1024];
} StopData;

static void
stop_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  StopData *d = data;
  (void) source;
  (void) cancellable;
  if (lsc_live_stop (d->live, &d->stats, d->err, sizeof d->err) != 0)
    g_task_return_new_error (task, LSC_LIVE_SESSION_ERROR, LSC_LIVE_SESSION_ERROR_REPORT, "%s",
                             d->err[0] ? d->err : "the report could not be finished");
  else
    g_task_return_boolean (task, TRUE);
}

void
lsc_live_session_stop_async (LscLiveSession *self, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (LSC_IS_LIVE_SESSION (self));

  GTask *task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, lsc_live_session_stop_async);
  if (!self->live)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "the live session is not running");
      g_object_unref (task);
      return;
    }
  StopData *d = g_new0 (StopData, 1);
  d->live = g_steal_pointer (&self->live);
  g_task_set_task_data (task, d, g_free);
  set_state (self, LSC_LIVE_SESSION_STOPPING);
  g_task_run_in_thread (task, stop_thread);
  g_object_unref (task);
}

gboolean
lsc_live_session_stop_finish (LscLiveSession *self, GAsyncResult *result, lsc_recorder_stats *stats, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  StopData *d = g_task_get_task_data (G_TASK (result));
  if (stats)
    {
      if (d)
        *stats = d->stats;
      else
        memset (stats, 0, sizeof *stats);
    }
  if (d)
    set_state (self, LSC_LIVE_SESSION_STOPPED);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- probe ---------------------------------------------------------------------------------- */

static void
probe_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  (void) data;
  (void) cancellable;
  fl_probe_result probe;
  if (fl_probe (FL_PROBE_COMPILE, 0, &probe) != FL_OK)
    {
      g_task_return_new_error (task, LSC_LIVE_SESSION_ERROR, LSC_LIVE_SESSION_ERROR_NO_DRIVER, "%s", probe.why);
      return;
    }
  if (probe.driver_version > 0)
    g_task_return_pointer (task,
                           g_strdup_printf ("%s · CUDA %d.%d", probe.device_name, probe.driver_version / 1000,
                                            (probe.driver_version % 1000) / 10),
                           g_free);
  else
    g_task_return_pointer (task, g_strdup (probe.device_name), g_free);
}

void
lsc_live_session_probe_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, lsc_live_session_probe_async);
  g_task_run_in_thread (task, probe_thread);
  g_object_unref (task);
}

char *
lsc_live_session_probe_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- object --------------------------------------------------------------------------------- */

static void
lsc_live_session_dispose (GObject *object)
{
  LscLiveSession *self = LSC_LIVE_SESSION (object);

  /* The last reference went while recording (the window closed): finish the report here
   * rather than leave the worker launching. */
  if (self->live)
    {
      char err[1024];
      if (lsc_live_stop (g_steal_pointer (&self->live), NULL, err, sizeof err) != 0)
        g_warning ("live session: %s", err);
    }
  G_OBJECT_CLASS (lsc_live_session_parent_class)->dispose (object);
}

static void
lsc_live_session_finalize (GObject *object)
{
  LscLiveSession *self = LSC_LIVE_SESSION (object);

  g_free (self->report_path);
  g_free (self->workload);
  g_free (self->user_kernel_path);
  g_free (self->cupti_library);
  g_free (self->batch);
  G_OBJECT_CLASS (lsc_live_session_parent_class)->finalize (object);
}

static void
lsc_live_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscLiveSession *self = LSC_LIVE_SESSION (object);
  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, (int) self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_live_session_class_init (LscLiveSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lsc_live_session_dispose;
  object_class->finalize = lsc_live_session_finalize;
  object_class->get_property = lsc_live_session_get_property;

  /* An LscLiveSessionState. */
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, LSC_LIVE_SESSION_NEW, LSC_LIVE_SESSION_STOPPED,
                                             LSC_LIVE_SESSION_NEW,
                                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lsc_live_session_init (LscLiveSession *self)
{
  self->state = LSC_LIVE_SESSION_NEW;
}
