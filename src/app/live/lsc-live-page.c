/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-page.c — the live recording page (see the header).
 *
 * State machine: PROBING → READY (or UNAVAILABLE, for good) → STARTING → RECORDING ⇄ PAUSED
 * → STOPPING → READY, with FAILED when the engine gives up mid-session (Stop still finishes
 * the report).  A start that fails returns to READY with the reason in the banner, or in the
 * kernel dialog for the user's own kernel.
 *
 * The page composes its banner, the side panel (LscLivePanel: workload, report file, switches)
 * and the run view (LscLiveRunView: buttons, cards, chart), and holds the session between them.
 * It stays one file of about a thousand lines because the state machine is one: every
 * transition touches the session, the banner and both halves, and split apart they would each
 * need the whole state.
 *
 * Record a Command… runs beside that machine, not in it: the page hands it to
 * LscCommandRecording, and while that records a program the command view replaces the panel
 * and the run view, the page counts as busy (so neither recording starts over the other), and
 * live.stop stops the command.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "lsc-command-recording.h"
#include "lsc-kernel-log.h"
#include "lsc-live-cards.h"
#include "lsc-live-feed.h"
#include "lsc-live-page.h"
#include "lsc-live-session.h"

#define POLL_MS 50         /* points to the chart: 20 updates a second */
#define SNAPSHOT_EVERY 2   /* polls per snapshot: cards 10 times a second */
#define SAMPLE_BATCH 4096
#define LIVE_GLOBAL "LSC_LIVE_GLOBAL"

typedef enum { BANNER_NONE, BANNER_INFO, BANNER_WARNING, BANNER_ERROR } BannerKind;
typedef enum { BANNER_ACTION_NONE, BANNER_ACTION_OPEN, BANNER_ACTION_RESTORE_GLOBAL } BannerAction;

struct _LscLivePage
{
  GtkWidget parent_instance;

  /* template children */
  GtkRevealer *banner_revealer;
  GtkWidget *banner_box;
  GtkImage *banner_icon;
  GtkLabel *banner_title;
  GtkLabel *banner_label;
  GtkButton *banner_button;
  AdwFlap *flap; /* the panel beside the run, or over it in a narrow window */
  LscLivePanel *panel;
  GtkWidget *panel_separator;
  GtkStack *run_stack;
  LscLiveRunView *run_view;
  LscCommandView *command_view;

  LscOverheadChart *chart; /* the run view's */
  LscLiveCardText card_texts[LSC_LIVE_N_CARDS];

  GCancellable *cancellable;
  LscLivePageState state;
  char *device;
  char *unavailable;  /* why recording is impossible */
  char *start_error;  /* why the last start failed (not a kernel error) */
  char *cupti_library;
  LscFrameMonitor *monitor;

  /* the session */
  LscLiveSession *session;
  char *report_path;
  gboolean report_auto; /* named by us: removed again when nothing came of it */
  char *kernel_path;    /* the session's own kernel, for the error dialog */
  char *kernel_error;   /* the kernel did not compile: stop, then show the log */
  LscLiveFeed *feed;
  gint64 anchor_us;  /* when the newest launch so far arrived ... */
  guint64 anchor_t;  /* ... and its time in the session */
  LscLiveSample *samples;
  guint64 charted;
  lsc_live_snapshot snapshot; /* launches_per_s: ours (update_rate) */
  gint64 rate_t[16];
  guint64 rate_n[16];
  guint rate_next;
  guint poll_id;
  guint polls;
  gint64 started_us, paused_us, paused_total_us;
  char *cupti_status;
  gint64 compiled_global;
  guint64 errors_seen;
  gboolean guard_refusing;

  /* a recorded command (record -- COMMAND), shown in the command view instead of the run view */
  LscCommandRecording *command;

  BannerAction banner_action;
  char *banner_title_text;
  char *banner_text;
  AdwMessageDialog *kernel_dialog;
};

G_DEFINE_FINAL_TYPE (LscLivePage, lsc_live_page, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STATE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void update_banner (LscLivePage *self);
static void update_controls (LscLivePage *self);
static void show_run (LscLivePage *self, const char *name);

/* ---- state -------------------------------------------------------------------------------- */

LscLivePageState
lsc_live_page_get_state (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), LSC_LIVE_PAGE_UNAVAILABLE);
  return self->state;
}

gboolean
lsc_live_page_is_busy (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), FALSE);
  return self->state >= LSC_LIVE_PAGE_STARTING || lsc_command_recording_is_active (self->command);
}

gboolean
lsc_live_page_can_record (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), FALSE);
  return self->state == LSC_LIVE_PAGE_READY && !lsc_command_recording_is_active (self->command);
}

gboolean
lsc_live_page_can_record_command (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), FALSE);
  return lsc_command_recording_can_start (self->command);
}

gboolean
lsc_live_page_can_pause (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), FALSE);
  return self->state == LSC_LIVE_PAGE_RECORDING || self->state == LSC_LIVE_PAGE_PAUSED;
}

gboolean
lsc_live_page_can_stop (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), FALSE);
  return self->state == LSC_LIVE_PAGE_RECORDING || self->state == LSC_LIVE_PAGE_PAUSED
         || self->state == LSC_LIVE_PAGE_FAILED
         || lsc_command_recording_can_stop (self->command);
}

static void
set_state (LscLivePage *self, LscLivePageState state)
{
  gboolean changed = self->state != state;
  self->state = state;
  lsc_command_recording_set_blocked (self->command, state >= LSC_LIVE_PAGE_STARTING);
  update_controls (self);
  update_banner (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
update_elapsed (LscLivePage *self)
{
  if (!self->started_us)
    {
      lsc_live_run_view_set_elapsed (self->run_view, -1);
      return;
    }
  gint64 now = self->paused_us ? self->paused_us : g_get_monotonic_time ();
  lsc_live_run_view_set_elapsed (self->run_view, (now - self->started_us - self->paused_total_us) / G_USEC_PER_SEC);
}

/* The panel's row names the file being written while a session has one. */
static void
update_report_row (LscLivePage *self)
{
  lsc_live_panel_set_recording (self->panel, lsc_live_page_is_busy (self) ? self->report_path : NULL);
}

static void
update_controls (LscLivePage *self)
{
  gboolean busy = lsc_live_page_is_busy (self);
  gboolean active = self->state == LSC_LIVE_PAGE_RECORDING || self->state == LSC_LIVE_PAGE_PAUSED;

  lsc_live_panel_set_session (self->panel, !busy && self->state != LSC_LIVE_PAGE_UNAVAILABLE, active,
                              self->cupti_status);
  lsc_live_run_view_set_state (self->run_view, self->state);
  lsc_live_run_view_set_device (self->run_view, self->device);
  update_elapsed (self);

  /* the window's live.* actions follow */
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_WINDOW);
  if (window)
    {
      gtk_widget_action_set_enabled (window, "live.record", lsc_live_page_can_record (self));
      gtk_widget_action_set_enabled (window, "live.pause", lsc_live_page_can_pause (self));
      gtk_widget_action_set_enabled (window, "live.stop", lsc_live_page_can_stop (self));
      gtk_widget_action_set_enabled (window, "live.record-command", lsc_live_page_can_record_command (self));
    }
}

/* ---- banner ------------------------------------------------------------------------------- */

static void
show_banner (LscLivePage *self, BannerKind kind, const char *title, const char *text, const char *button,
             BannerAction action)
{
  static const char *const classes[] = { NULL, "banner-info", "banner-warning", "banner-error" };
  static const char *const icons[] = { NULL, "dialog-information-symbolic", "dialog-warning-symbolic",
                                       "dialog-error-symbolic" };
  for (guint i = 1; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (self->banner_box, classes[i]);
  g_free (self->banner_title_text);
  g_free (self->banner_text);
  self->banner_title_text = g_strdup (kind ? title : "");
  self->banner_text = g_strdup (kind ? text : "");
  self->banner_action = action;
  if (kind != BANNER_NONE)
    {
      gtk_widget_add_css_class (self->banner_box, classes[kind]);
      gtk_image_set_from_icon_name (self->banner_icon, icons[kind]);
      gtk_label_set_label (self->banner_title, title);
      gtk_label_set_label (self->banner_label, text ? text : "");
      gtk_widget_set_visible (GTK_WIDGET (self->banner_label), text && *text);
      gtk_widget_set_visible (GTK_WIDGET (self->banner_button), button != NULL);
      if (button)
        gtk_button_set_label (self->banner_button, button);
    }
  gtk_revealer_set_reveal_child (self->banner_revealer, kind != BANNER_NONE);
}

/* The most important thing to say, or nothing. */
static void
update_banner (LscLivePage *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->run_stack), "command") == 0)
    {
      /* the engine's own availability says nothing about a recorded program */
      const char *error = lsc_command_recording_get_error (self->command);
      const char *warning = lsc_command_recording_get_warning (self->command);
      if (error)
        show_banner (self, BANNER_ERROR, _("The command was not recorded"), error, NULL, BANNER_ACTION_NONE);
      else if (warning)
        show_banner (self, BANNER_WARNING, _("A process of the command is not recorded"), warning, NULL,
                     BANNER_ACTION_NONE);
      else
        show_banner (self, BANNER_NONE, NULL, NULL, NULL, BANNER_ACTION_NONE);
      return;
    }
  if (self->state == LSC_LIVE_PAGE_UNAVAILABLE)
    {
      /* the driver loader's reason, as a sentence */
      g_autofree char *reason = g_strdup (self->unavailable ? self->unavailable : _("No CUDA driver"));
      if (g_ascii_islower (reason[0]))
        reason[0] = g_ascii_toupper (reason[0]);
      g_autofree char *text = g_strdup_printf (_("%s. Reports recorded on a GPU machine still open here."), reason);
      gboolean nvrtc = self->unavailable && (strstr (self->unavailable, "NVRTC") || strstr (self->unavailable, "libnvrtc"));
      show_banner (self, BANNER_ERROR,
                   nvrtc ? _("Live recording needs NVRTC, the CUDA runtime compiler")
                         : _("Live recording needs an NVIDIA GPU and its CUDA driver"),
                   text, _("_Open a Report…"), BANNER_ACTION_OPEN);
      return;
    }
  if (self->state == LSC_LIVE_PAGE_FAILED)
    {
      g_autofree char *line = lsc_live_first_line (self->snapshot.last_error);
      show_banner (self, BANNER_ERROR, _("The engine stopped launching"),
                   *line ? line : _("An error the session cannot recover from"), NULL, BANNER_ACTION_NONE);
      return;
    }
  if (self->start_error)
    {
      show_banner (self, BANNER_ERROR, _("Recording did not start"), self->start_error, NULL, BANNER_ACTION_NONE);
      return;
    }
  if (self->guard_refusing)
    {
      g_autofree char *line = lsc_live_first_line (self->snapshot.last_error);
      show_banner (self, BANNER_WARNING, _("The globals guard refuses every launch"), line,
                   _("_Restore the Global"), BANNER_ACTION_RESTORE_GLOBAL);
      return;
    }
  if (self->cupti_status && !g_str_has_prefix (self->cupti_status, "callbacks"))
    {
      show_banner (self, BANNER_INFO, _("Recording without CUPTI: its switches are off"), self->cupti_status, NULL,
                   BANNER_ACTION_NONE);
      return;
    }
  show_banner (self, BANNER_NONE, NULL, NULL, NULL, BANNER_ACTION_NONE);
}

static void
banner_button_clicked_cb (LscLivePage *self)
{
  switch (self->banner_action)
    {
    case BANNER_ACTION_OPEN:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.open", NULL);
      break;
    case BANNER_ACTION_RESTORE_GLOBAL:
      lsc_live_page_set_global (self, self->compiled_global);
      break;
    case BANNER_ACTION_NONE:
      break;
    }
}

const char *
lsc_live_page_get_banner_title (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), "");
  return self->banner_title_text ? self->banner_title_text : "";
}

const char *
lsc_live_page_get_banner_text (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), "");
  return self->banner_text ? self->banner_text : "";
}

/* ---- the panel's workload ----------------------------------------------------------------- */

void
lsc_live_page_configure (LscLivePage *self, const LscLivePageConfig *config)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  lsc_live_panel_configure (self->panel, config);
}

/* ---- kernel errors ------------------------------------------------------------------------ */

static void
kernel_dialog_response_cb (LscLivePage *self)
{
  self->kernel_dialog = NULL;
}

/* The kernel's header or compile errors, each with the source line it names. */
static void
show_kernel_error (LscLivePage *self, const char *path, const char *message, gboolean compile)
{
  if (self->kernel_dialog)
    gtk_window_destroy (GTK_WINDOW (self->kernel_dialog));
  g_message ("%s: %s", compile ? "kernel does not compile" : "kernel file rejected", message);

  g_autofree char *base = path ? g_filename_display_basename (path) : g_strdup ("?");
  g_autofree char *source = NULL;
  if (path)
    g_file_get_contents (path, &source, NULL, NULL);
  if (source && !g_utf8_validate (source, -1, NULL))
    g_clear_pointer (&source, g_free);
  /* the heading says what failed: the text shows NVRTC's log (or the header's message) */
  const char *log = message;
  if (compile && g_str_has_prefix (log, "NVRTC failed to compile") && strchr (log, '\n'))
    log = strchr (log, '\n') + 1;
  g_autofree char *annotated = lsc_kernel_log_annotate (log, source);
  g_strchomp (annotated);
  guint lines[64];
  guint n = lsc_kernel_log_lines (message, lines, G_N_ELEMENTS (lines));

  GString *where = g_string_new (NULL);
  for (guint i = 0; i < n && i < 5; i++)
    g_string_append_printf (where, "%s%u", i ? ", " : "", lines[i]);
  g_autofree char *body = NULL;
  if (n > 0)
    /* Translators: the first %s is a file name, the second a list of line numbers */
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s has a problem on line %s.", "%s has problems on lines %s.", n),
                            base, where->str);
  else
    body = g_strdup_printf (_("%s could not be used."), base);
  g_string_free (where, TRUE);

  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  self->kernel_dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
      parent, compile ? _("Your Kernel Does Not Compile") : _("Your Kernel File Needs a Fix"), body));
  g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource (LSC_RESOURCE_PATH "/lsc-kernel-log.ui");
  GtkTextView *view = GTK_TEXT_VIEW (gtk_builder_get_object (builder, "log_view"));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), annotated, -1);
  GtkWidget *scroller = GTK_WIDGET (gtk_builder_get_object (builder, "scroller"));
  adw_message_dialog_set_extra_child (self->kernel_dialog, scroller);
  adw_message_dialog_add_response (self->kernel_dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (self->kernel_dialog, "close");
  g_signal_connect_object (self->kernel_dialog, "response", G_CALLBACK (kernel_dialog_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->kernel_dialog));
}

AdwMessageDialog *
lsc_live_page_get_kernel_dialog (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), NULL);
  return self->kernel_dialog;
}

/* ---- polling ------------------------------------------------------------------------------ */

static void
drain_samples (LscLivePage *self)
{
  gsize n;
  while ((n = lsc_live_feed_take (self->feed, self->samples, SAMPLE_BATCH)) > 0)
    for (gsize i = 0; i < n; i++)
      {
        const LscLiveSample *s = &self->samples[i];
        if (s->column.count == 1)
          lsc_overhead_chart_append (self->chart, s->t_ns, s->column.max, s->path);
        else
          lsc_overhead_chart_append_column (self->chart, s->t_ns, &s->column, s->path);
        self->charted += s->column.count;
      }
  if (self->charted > 0)
    lsc_live_run_view_show_chart (self->run_view, TRUE);
}

/* Copies what the worker launched since the last poll into the chart. */
static void
poll_points (LscLivePage *self)
{
  if (!self->session)
    return;
  if (lsc_live_session_poll (self->session, self->feed, LSC_LIVE_RING) == 0)
    lsc_live_feed_flush (self->feed); /* nothing new: show the last bucket */
  else
    {
      self->anchor_us = g_get_monotonic_time ();
      self->anchor_t = lsc_live_feed_get_last_t (self->feed);
    }
  drain_samples (self);
}

/* The session's clock now, in ns since its start: the newest launch's time plus the wall time
 * since it arrived (paused, or refused by a guard, no launch says what time it is). */
static guint64
session_now (LscLivePage *self)
{
  if (!self->anchor_us)
    return lsc_live_feed_get_last_t (self->feed);
  return self->anchor_t + (guint64) (g_get_monotonic_time () - self->anchor_us) * 1000u;
}

static void
update_markers (LscLivePage *self)
{
  gsize n;
  const LscChartMarker *markers = lsc_live_feed_get_markers (self->feed, &n);
  lsc_overhead_chart_set_markers (self->chart, markers, n);
}

static void
add_marker (LscLivePage *self, const char *label)
{
  poll_points (self); /* so the marker lands after every launch made before the change */
  lsc_live_feed_add_marker (self->feed, MAX (session_now (self), lsc_live_feed_get_last_t (self->feed)), label);
  update_markers (self);
}

static void
update_cards (LscLivePage *self)
{
  lsc_live_cards_compute (&self->snapshot, self->card_texts);
  lsc_live_run_view_set_cards (self->run_view, self->card_texts);
}

static void stop_session (LscLivePage *self);

/* Launches per second over the last second, from the launch count: the snapshot's own figure
 * counts the launches of the last second still in the engine's ring, so it stops at the
 * ring's size (65,536/s) while an H100 launches faster. */
static void
update_rate (LscLivePage *self)
{
  gint64 now = g_get_monotonic_time ();
  guint n = G_N_ELEMENTS (self->rate_t);
  self->rate_t[self->rate_next % n] = now;
  self->rate_n[self->rate_next % n] = self->snapshot.launches;
  self->rate_next++;
  /* the oldest sample at most a second old */
  guint k = self->rate_next > n ? self->rate_next - n : 0;
  while (k + 1 < self->rate_next && now - self->rate_t[k % n] > G_USEC_PER_SEC)
    k++;
  gint64 dt = now - self->rate_t[k % n];
  if (dt > 0 && self->state != LSC_LIVE_PAGE_PAUSED)
    self->snapshot.launches_per_s = (double) (self->snapshot.launches - self->rate_n[k % n]) * G_USEC_PER_SEC / dt;
  else if (self->state == LSC_LIVE_PAGE_PAUSED)
    self->snapshot.launches_per_s = 0;
}

static void
update_snapshot (LscLivePage *self)
{
  if (!self->session || !lsc_live_session_get_snapshot (self->session, &self->snapshot))
    return;
  update_rate (self);
  const lsc_live_snapshot *s = &self->snapshot;
  update_cards (self);
  lsc_overhead_chart_set_raw_floor (self->chart, s->floor.floor_p50_ns);

  if (!self->cupti_status || strcmp (self->cupti_status, s->recorder.cupti_status) != 0)
    {
      g_free (self->cupti_status);
      self->cupti_status = g_strdup (s->recorder.cupti_status);
      update_controls (self);
    }

  /* your own kernel that never compiled: stop and show NVRTC's log */
  if (self->kernel_path && !self->kernel_error && s->errors > 0 && s->errors == s->launches
      && g_str_has_prefix (s->last_error, "NVRTC"))
    {
      self->kernel_error = g_strdup (s->last_error);
      stop_session (self);
      return;
    }

  gint64 global = lsc_live_panel_get_global (self->panel);
  gboolean refusing = global != self->compiled_global && s->errors > self->errors_seen
                      && strstr (s->last_error, LIVE_GLOBAL) != NULL;
  if (global == self->compiled_global)
    refusing = FALSE;
  else if (!refusing)
    refusing = self->guard_refusing; /* until the global is restored */
  self->errors_seen = s->errors;
  if (refusing != self->guard_refusing)
    {
      self->guard_refusing = refusing;
      update_banner (self);
    }

  switch (lsc_live_session_get_state (self->session))
    {
    case LSC_LIVE_SESSION_FINISHED:
      stop_session (self); /* every launch asked for is done */
      return;
    case LSC_LIVE_SESSION_FAILED:
      if (self->state != LSC_LIVE_PAGE_FAILED)
        set_state (self, LSC_LIVE_PAGE_FAILED);
      break;
    default:
      break;
    }
  update_elapsed (self);
}

static gboolean
poll_cb (gpointer data)
{
  LscLivePage *self = data;
  gint64 t0 = g_get_monotonic_time ();
  gint64 cpu0 = self->monitor ? lsc_frame_monitor_thread_cpu_us () : 0;

  poll_points (self);
  if (++self->polls % SNAPSHOT_EVERY == 0)
    update_snapshot (self);
  if (self->monitor)
    lsc_frame_monitor_note_callback (self->monitor, g_get_monotonic_time () - t0,
                                     lsc_frame_monitor_thread_cpu_us () - cpu0);
  return G_SOURCE_CONTINUE;
}

static void
stop_polling (LscLivePage *self)
{
  if (self->poll_id)
    g_source_remove (self->poll_id);
  self->poll_id = 0;
}

/* ---- record, pause, stop ------------------------------------------------------------------ */

static void
start_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (LscLivePage) self = data;
  LscLiveSession *session = LSC_LIVE_SESSION (source);
  g_autoptr (GError) error = NULL;

  gboolean ok = lsc_live_session_start_finish (session, result, &error);
  if (session != self->session)
    return; /* the page went away meanwhile; the session stops itself when freed */
  if (!ok)
    {
      g_clear_object (&self->session);
      if (g_error_matches (error, LSC_LIVE_SESSION_ERROR, LSC_LIVE_SESSION_ERROR_KERNEL))
        {
          set_state (self, LSC_LIVE_PAGE_READY);
          show_kernel_error (self, self->kernel_path, error->message, FALSE);
        }
      else if (g_error_matches (error, LSC_LIVE_SESSION_ERROR, LSC_LIVE_SESSION_ERROR_NO_DRIVER))
        {
          g_free (self->unavailable);
          self->unavailable = g_strdup (error->message);
          set_state (self, LSC_LIVE_PAGE_UNAVAILABLE);
        }
      else
        {
          g_message ("live recording did not start: %s", error->message);
          self->start_error = g_strdup (error->message);
          set_state (self, LSC_LIVE_PAGE_READY);
        }
      if (self->report_auto && self->report_path)
        g_unlink (self->report_path);
      update_report_row (self);
      return;
    }

  /* the switches set before Record are the session's starting point */
  lsc_live_session_get_snapshot (session, &self->snapshot);
  g_free (self->cupti_status);
  self->cupti_status = g_strdup (self->snapshot.recorder.cupti_status);
  gboolean cupti_on = g_str_has_prefix (self->cupti_status, "callbacks");
  for (guint t = 0; t < LSC_LIVE_TOGGLE_COUNT; t++)
    {
      gboolean want = lsc_live_panel_get_toggle (self->panel, t);
      if ((t == LSC_LIVE_CALLBACKS || t == LSC_LIVE_ACTIVITY) && !cupti_on)
        lsc_live_panel_sync_toggle (self->panel, t, FALSE);
      else if (want != self->snapshot.toggles[t])
        lsc_live_session_set_toggle (session, t, want);
    }
  int64_t global = 0;
  fl_global_get (LIVE_GLOBAL, &global);
  self->compiled_global = global;
  lsc_live_panel_show_compiled_global (self->panel, global);

  self->started_us = g_get_monotonic_time ();
  self->paused_us = self->paused_total_us = 0;
  self->poll_id = g_timeout_add (POLL_MS, poll_cb, self);
  set_state (self, LSC_LIVE_PAGE_RECORDING);
  update_report_row (self);
  update_cards (self);
}

void
lsc_live_page_record (LscLivePage *self)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  if (!lsc_live_page_can_record (self))
    return;

  show_run (self, "engine");
  g_clear_pointer (&self->start_error, g_free);
  g_clear_pointer (&self->kernel_error, g_free);
  g_clear_pointer (&self->kernel_path, g_free);
  g_clear_pointer (&self->cupti_status, g_free);
  self->guard_refusing = FALSE;
  self->errors_seen = 0;

  g_autoptr (GError) error = NULL;
  LscLiveWorkload workload;
  if (!lsc_live_panel_get_workload (self->panel, &workload, &error))
    {
      self->start_error = g_strdup (error->message);
      update_banner (self);
      return;
    }
  self->kernel_path = g_strdup (workload.kernel_path);

  gboolean chosen = FALSE;
  g_clear_pointer (&self->report_path, g_free);
  self->report_path = lsc_live_panel_dup_report_path (self->panel, &chosen, &error);
  self->report_auto = !chosen;
  if (!self->report_path)
    {
      self->start_error = g_strdup (error->message);
      update_banner (self);
      lsc_live_workload_clear (&workload);
      return;
    }

  lsc_live_options options = {
    .report_path = self->report_path,
    .overwrite = !self->report_auto,
    .workload = workload.workload,
    .user_kernel_path = self->kernel_path,
    .n = workload.n,
    .target_rate = workload.rate,
    .max_launches = workload.max_launches,
    .device = 0,
    .cupti_library = self->cupti_library,
    .cupti_activity = TRUE, /* subscribed with activity, so its switch works both ways */
  };
  self->session = lsc_live_session_new (&options);
  lsc_live_workload_clear (&workload);

  lsc_live_feed_free (self->feed);
  self->feed = lsc_live_feed_new ();
  self->charted = 0;
  self->anchor_us = 0;
  self->anchor_t = 0;
  self->rate_next = 0;
  memset (&self->snapshot, 0, sizeof self->snapshot);
  lsc_overhead_chart_clear (self->chart);
  lsc_overhead_chart_set_raw_floor (self->chart, NAN);
  lsc_live_run_view_show_chart (self->run_view, FALSE);
  update_cards (self);

  set_state (self, LSC_LIVE_PAGE_STARTING);
  update_report_row (self);
  lsc_live_session_start_async (self->session, self->cancellable, start_done_cb, g_object_ref (self));
}

void
lsc_live_page_toggle_pause (LscLivePage *self)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  if (!lsc_live_page_can_pause (self))
    return;
  gboolean pause = self->state == LSC_LIVE_PAGE_RECORDING;
  add_marker (self, pause ? "paused" : "resumed");
  lsc_live_session_pause (self->session, pause);
  gint64 now = g_get_monotonic_time ();
  if (pause)
    self->paused_us = now;
  else if (self->paused_us)
    {
      self->paused_total_us += now - self->paused_us;
      self->paused_us = 0;
    }
  set_state (self, pause ? LSC_LIVE_PAGE_PAUSED : LSC_LIVE_PAGE_RECORDING);
}

static void
stop_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (LscLivePage) self = data;
  LscLiveSession *session = LSC_LIVE_SESSION (source);
  g_autoptr (GError) error = NULL;
  lsc_recorder_stats stats;

  gboolean ok = lsc_live_session_stop_finish (session, result, &stats, &error);
  if (session != self->session)
    return;
  g_clear_object (&self->session);
  stop_polling (self);
  self->started_us = 0;
  set_state (self, LSC_LIVE_PAGE_READY);
  update_report_row (self);

  if (self->kernel_error)
    {
      /* nothing ran: the report holds only the failed attempts */
      if (self->report_auto)
        g_unlink (self->report_path);
      show_kernel_error (self, self->kernel_path, self->kernel_error, TRUE);
      return;
    }
  g_print ("live: stopped: %" G_GUINT64_FORMAT " rows written, %" G_GUINT64_FORMAT " dropped%s%s\n",
           stats.rows_written, stats.rows_dropped, ok ? "" : "; ", ok ? "" : error->message);
  g_signal_emit (self, signals[FINISHED], 0, self->report_path, ok ? NULL : error->message);
}

static void
stop_session (LscLivePage *self)
{
  if (!self->session || self->state == LSC_LIVE_PAGE_STOPPING)
    return;
  /* the last launches, then the report */
  poll_points (self);
  lsc_live_feed_flush (self->feed);
  drain_samples (self);
  lsc_live_session_get_snapshot (self->session, &self->snapshot);
  update_rate (self);
  update_cards (self);
  stop_polling (self);
  if (self->paused_us)
    {
      self->paused_total_us += g_get_monotonic_time () - self->paused_us;
      self->paused_us = 0;
    }
  set_state (self, LSC_LIVE_PAGE_STOPPING);
  lsc_live_session_stop_async (self->session, stop_done_cb, g_object_ref (self));
}

void
lsc_live_page_stop (LscLivePage *self)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  if (!lsc_live_page_can_stop (self))
    return;
  if (lsc_command_recording_is_active (self->command))
    {
      lsc_command_recording_stop (self->command);
      update_controls (self);
      return;
    }
  stop_session (self);
}

/* ---- recording a command ------------------------------------------------------------------ */

/* The workload panel says nothing about a recorded command: it goes while the command shows. */
static void
show_run (LscLivePage *self, const char *name)
{
  gboolean command = g_strcmp0 (name, "command") == 0;
  gtk_stack_set_visible_child_name (self->run_stack, name);
  gtk_widget_set_visible (GTK_WIDGET (self->panel), !command);
  gtk_widget_set_visible (self->panel_separator, !command);
}

/* The window keeps the page shown and Open off while a command runs, as it does for the
 * engine's recording: it follows the page's state, so it is told. */
static void
command_busy_changed (LscLivePage *self)
{
  update_controls (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
command_started_cb (LscLivePage *self, const char *report)
{
  g_free (self->report_path);
  self->report_path = g_strdup (report);
  show_run (self, "command");
  command_busy_changed (self);
  update_banner (self);
}

static void
command_finished_cb (LscLivePage *self, const char *report, const char *error)
{
  command_busy_changed (self);
  if (error)
    update_banner (self);
  /* the window opens the report or says why there is none, and closes now if it was waiting
   * for the recording to end */
  g_signal_emit (self, signals[FINISHED], 0, report, error);
}

gboolean
lsc_live_page_record_command (LscLivePage *self, const char *command_line, const char *directory,
                              const char *environment, const char *cupti_mode, GError **error)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), FALSE);
  return lsc_command_recording_start (self->command, command_line, directory, environment, cupti_mode, error);
}

LscRecordCommandDialog *
lsc_live_page_show_command_dialog (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), NULL);
  return lsc_command_recording_show_dialog (self->command, GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
}

LscCommandRunner *
lsc_live_page_get_command_runner (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), NULL);
  return lsc_command_recording_get_runner (self->command);
}

LscCommandView *
lsc_live_page_get_command_view (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), NULL);
  return self->command_view;
}

void
lsc_live_page_set_command_grace (LscLivePage *self, guint grace_ms)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  lsc_command_recording_set_grace (self->command, grace_ms);
}

/* ---- switches ----------------------------------------------------------------------------- */

static void
toggle_changed_cb (LscLivePage *self, guint toggle, gboolean on)
{
  if (!self->session || !lsc_live_session_is_active (self->session))
    return; /* the starting state of the next recording */
  /* the label the report's toggle event will carry (less its " at launch N") */
  g_autofree char *label = g_strdup_printf ("%s %s", lsc_live_toggle_name (toggle), on ? "on" : "off");
  add_marker (self, label);
  lsc_live_session_set_toggle (self->session, toggle, on);
}

void
lsc_live_page_set_toggle (LscLivePage *self, lsc_live_toggle toggle, gboolean on)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  lsc_live_panel_set_toggle (self->panel, toggle, on);
}

gboolean
lsc_live_page_get_toggle (LscLivePage *self, lsc_live_toggle toggle)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), FALSE);
  return lsc_live_panel_get_toggle (self->panel, toggle);
}

gboolean
lsc_live_page_get_toggle_sensitive (LscLivePage *self, lsc_live_toggle toggle)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), FALSE);
  return lsc_live_panel_get_toggle_sensitive (self->panel, toggle);
}

static void
global_changed_cb (LscLivePage *self, gint64 value)
{
  if (!self->session || !lsc_live_session_is_active (self->session))
    return;
  g_autofree char *label = g_strdup_printf ("global %s = %" G_GINT64_FORMAT, LIVE_GLOBAL, value);
  add_marker (self, label);
  lsc_live_session_set_global (self->session, value);
  if (value == self->compiled_global && self->guard_refusing)
    {
      self->guard_refusing = FALSE;
      update_banner (self);
    }
}

void
lsc_live_page_set_global (LscLivePage *self, gint64 value)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  lsc_live_panel_set_global (self->panel, value);
}

void
lsc_live_page_apply_step (LscLivePage *self, const LscLiveStep *step)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  if (step->what == LSC_LIVE_SCRIPT_GLOBAL)
    lsc_live_page_set_global (self, step->value);
  else if (step->what == LSC_LIVE_SCRIPT_PAUSE)
    {
      gboolean paused = self->state == LSC_LIVE_PAGE_PAUSED;
      gboolean want = step->kind == LSC_LIVE_STEP_FLIP ? !paused : step->value != 0;
      if (want != paused)
        lsc_live_page_toggle_pause (self);
    }
  else if (step->what < LSC_LIVE_TOGGLE_COUNT)
    {
      gboolean on = lsc_live_page_get_toggle (self, step->what);
      lsc_live_page_set_toggle (self, step->what, step->kind == LSC_LIVE_STEP_FLIP ? !on : step->value != 0);
    }
}

/* ---- accessors ---------------------------------------------------------------------------- */

const char *
lsc_live_page_get_device (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), NULL);
  return self->device;
}

const char *
lsc_live_page_get_report_path (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), NULL);
  return self->report_path;
}

gsize
lsc_live_page_get_n_markers (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), 0);
  gsize n = 0;
  if (self->feed)
    lsc_live_feed_get_markers (self->feed, &n);
  return n;
}

guint64
lsc_live_page_get_charted (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), 0);
  return self->charted;
}

void
lsc_live_page_get_snapshot (LscLivePage *self, lsc_live_snapshot *out)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  *out = self->snapshot;
}

char *
lsc_live_page_describe_cards (LscLivePage *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PAGE (self), NULL);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < LSC_LIVE_N_CARDS; i++)
    {
      const LscLiveCardText *t = &self->card_texts[i];
      if (t->title)
        g_string_append_printf (s, "%s: %s (%s)\n", t->title, t->value ? t->value : "—", t->detail ? t->detail : "");
    }
  return g_string_free (s, FALSE);
}

void
lsc_live_page_set_cupti_library (LscLivePage *self, const char *path)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  g_free (self->cupti_library);
  self->cupti_library = g_strdup (path);
  lsc_command_recording_set_cupti_library (self->command, path);
}

void
lsc_live_page_set_frame_monitor (LscLivePage *self, LscFrameMonitor *monitor)
{
  g_return_if_fail (LSC_IS_LIVE_PAGE (self));
  self->monitor = monitor;
  lsc_command_recording_set_frame_monitor (self->command, monitor);
}

/* ---- probe -------------------------------------------------------------------------------- */

static void
probe_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  g_autoptr (GError) error = NULL;
  char *device = lsc_live_session_probe_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  LscLivePage *self = LSC_LIVE_PAGE (data);
  if (!device)
    {
      g_free (self->unavailable);
      self->unavailable = g_strdup (error->message);
      set_state (self, LSC_LIVE_PAGE_UNAVAILABLE);
      return;
    }
  g_free (self->device);
  self->device = device;
  set_state (self, LSC_LIVE_PAGE_READY);
}

/* ---- object ------------------------------------------------------------------------------- */

static void
lsc_live_page_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (lsc_live_page_parent_class)->root (widget);
  update_controls (LSC_LIVE_PAGE (widget)); /* the window's actions */
}

static void
lsc_live_page_dispose (GObject *object)
{
  LscLivePage *self = LSC_LIVE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  stop_polling (self);
  if (self->kernel_dialog)
    gtk_window_destroy (GTK_WINDOW (self->kernel_dialog));
  /* a command still running is ended as Stop would; record gathers its report by itself.  The
   * object stays until finalize, so what asks the page whether it is busy meanwhile is told no. */
  g_signal_handlers_disconnect_by_data (self->command, self);
  g_object_run_dispose (G_OBJECT (self->command));
  /* a recording still running finishes its report as the session goes */
  g_clear_object (&self->session);
  self->chart = NULL; /* goes with the run view */
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_LIVE_PAGE);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_live_page_parent_class)->dispose (object);
}

static void
lsc_live_page_finalize (GObject *object)
{
  LscLivePage *self = LSC_LIVE_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->command);
  lsc_live_feed_free (self->feed);
  lsc_live_cards_clear (self->card_texts);
  g_free (self->samples);
  g_free (self->device);
  g_free (self->unavailable);
  g_free (self->start_error);
  g_free (self->cupti_library);
  g_free (self->report_path);
  g_free (self->kernel_path);
  g_free (self->kernel_error);
  g_free (self->cupti_status);
  g_free (self->banner_title_text);
  g_free (self->banner_text);
  G_OBJECT_CLASS (lsc_live_page_parent_class)->finalize (object);
}

static void
lsc_live_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscLivePage *self = LSC_LIVE_PAGE (object);
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
lsc_live_page_class_init (LscLivePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lsc_live_page_dispose;
  object_class->finalize = lsc_live_page_finalize;
  object_class->get_property = lsc_live_page_get_property;
  widget_class->root = lsc_live_page_root;

  /* An LscLivePageState. */
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, LSC_LIVE_PAGE_PROBING, LSC_LIVE_PAGE_STOPPING,
                                             LSC_LIVE_PAGE_PROBING,
                                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A recording stopped: (report path, error message or NULL when the report was finished). */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (LSC_TYPE_LIVE_PANEL);
  g_type_ensure (LSC_TYPE_LIVE_RUN_VIEW);
  g_type_ensure (LSC_TYPE_COMMAND_VIEW);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-live-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, banner_box);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, banner_icon);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, banner_title);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, banner_label);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, banner_button);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, flap);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, panel);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, panel_separator);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, run_stack);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, run_view);
  gtk_widget_class_bind_template_child (widget_class, LscLivePage, command_view);
  gtk_widget_class_bind_template_callback (widget_class, banner_button_clicked_cb);
}

static void
lsc_live_page_init (LscLivePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->samples = g_new (LscLiveSample, SAMPLE_BATCH);
  self->feed = lsc_live_feed_new ();
  self->state = LSC_LIVE_PAGE_PROBING;

  self->chart = lsc_live_run_view_get_chart (self->run_view);
  self->command = lsc_command_recording_new (self->command_view, self->panel);
  g_signal_connect_object (self->command, "started", G_CALLBACK (command_started_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->command, "state-changed", G_CALLBACK (command_busy_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->command, "warning-changed", G_CALLBACK (update_banner), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->command, "finished", G_CALLBACK (command_finished_cb), self, G_CONNECT_SWAPPED);
  GtkToggleButton *settings = lsc_live_run_view_get_settings_button (self->run_view);
  g_object_bind_property (self->flap, "folded", settings, "visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->flap, "reveal-flap", settings, "active",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_signal_connect_object (self->panel, "toggle-changed", G_CALLBACK (toggle_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->panel, "global-changed", G_CALLBACK (global_changed_cb), self, G_CONNECT_SWAPPED);
  update_cards (self);
  update_report_row (self);
  set_state (self, LSC_LIVE_PAGE_PROBING);

  lsc_live_session_probe_async (self->cancellable, probe_done_cb, self);
}
