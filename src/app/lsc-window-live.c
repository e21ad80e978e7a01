/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-window-live.c — the window's side of live recording: the live.* actions, opening the
 * finished recording as a report, and the --live automation (record, run the switch script,
 * save screenshots, stop, show the report, quit), for the GPU machine where nobody clicks.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lsc-application.h"
#include "lsc-window-private.h"

/* ---- actions ------------------------------------------------------------------------------ */

static void
record_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscWindow *self = LSC_WINDOW (widget);
  (void) action_name;
  (void) param;
  lsc_window_set_live_shown (self, TRUE);
  lsc_live_page_record (self->live_page);
}

static void
pause_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_live_page_toggle_pause (LSC_WINDOW (widget)->live_page);
}

static void
stop_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  (void) action_name;
  (void) param;
  lsc_live_page_stop (LSC_WINDOW (widget)->live_page);
}

void
lsc_window_live_update_actions (LscWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean busy = lsc_live_page_is_busy (self->live_page);
  gtk_widget_action_set_enabled (widget, "live.record", lsc_live_page_can_record (self->live_page));
  gtk_widget_action_set_enabled (widget, "live.pause", lsc_live_page_can_pause (self->live_page));
  gtk_widget_action_set_enabled (widget, "live.stop", lsc_live_page_can_stop (self->live_page));
  /* leaving the page mid-recording would hide the only Stop button */
  gtk_widget_action_set_enabled (widget, "win.show-live", !busy || !self->live_shown);
  gtk_widget_action_set_enabled (widget, "win.open", !busy);
}

void
lsc_window_set_test_label (LscWindow *self, const char *label)
{
  g_return_if_fail (LSC_IS_WINDOW (self));
  g_free (self->test_label);
  self->test_label = g_strdup (label);
  lsc_window_show_state (self);
}

/* ---- the page ----------------------------------------------------------------------------- */

static void live_automation_state (LscWindow *self);

static void
live_state_cb (LscWindow *self)
{
  if (lsc_window_get_state (self) == LSC_WINDOW_LIVE)
    lsc_window_show_state (self); /* the title names the device once it is found */
  else
    lsc_window_update_actions (self);
  if (self->live_auto)
    live_automation_state (self);
}

/* A recording stopped: open its report like any other. */
static void
live_finished_cb (LscWindow *self, const char *report_path, const char *error)
{
  if (self->close_after_live)
    {
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  if (!report_path || !g_file_test (report_path, G_FILE_TEST_IS_REGULAR))
    {
      lsc_window_show_error (self, _("The Recording Left No Report"), error ? error : _("The report file is missing."));
      return;
    }
  self->live_shown = FALSE;
  g_object_notify (G_OBJECT (self), "live-shown");
  g_autoptr (GFile) file = g_file_new_for_path (report_path);
  lsc_window_open (self, file);
  if (error)
    lsc_window_show_error (self, _("The Report Was Not Finished Cleanly"), error);
}

void
lsc_window_live_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, live_state_cb);
  gtk_widget_class_bind_template_callback (widget_class, live_finished_cb);
  gtk_widget_class_install_action (widget_class, "live.record", NULL, record_action);
  gtk_widget_class_install_action (widget_class, "live.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "live.stop", NULL, stop_action);
}

/* ---- automation --------------------------------------------------------------------------- */

static void
really_quit (LscWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  self->live_quit_pending = FALSE;
  if (app)
    g_application_quit (G_APPLICATION (app));
}

/* Quits once the screenshots asked for are saved. */
static void
quit_with (LscWindow *self, int status)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  if (app && LSC_IS_APPLICATION (app))
    lsc_application_set_exit_status (LSC_APPLICATION (app), status);
  if (self->live_source)
    g_source_remove (self->live_source);
  self->live_source = 0;
  self->live_auto = FALSE;
  self->live_quit_pending = TRUE;
  if (self->live_pending_shots == 0)
    really_quit (self);
}

/* A widget renders into a PNG only from the render node of its last frame, which any redraw
 * queued since (the live chart queues one 20 times a second) drops: so a shot is taken right
 * after the widget's next frame is painted. */
typedef struct {
  LscWindow *window;
  GtkWidget *widget;
  char *path;
  gulong handler;
  int tries;
} Shot;

static void really_quit (LscWindow *self);

static void
shot_free (Shot *shot)
{
  LscWindow *self = shot->window;
  g_object_unref (shot->widget);
  g_free (shot->path);
  g_free (shot);
  if (--self->live_pending_shots == 0 && self->live_quit_pending)
    really_quit (self);
  g_object_unref (self);
}

static void
shot_after_paint_cb (GdkFrameClock *clock, Shot *shot)
{
  g_autoptr (GError) error = NULL;
  gboolean saved = lsc_window_save_widget_png (shot->widget, shot->path, &error);
  if (shot->window->live_monitor)
    lsc_frame_monitor_forgive (shot->window->live_monitor); /* encoding a PNG is the automation's time */
  if (saved)
    g_print ("screenshot: %s (%dx%d)\n", shot->path, gtk_widget_get_width (shot->widget),
             gtk_widget_get_height (shot->widget));
  else if (++shot->tries < 10)
    {
      gtk_widget_queue_draw (shot->widget);
      if (shot->window->live_monitor && shot->widget == GTK_WIDGET (shot->window))
        lsc_frame_monitor_skip_next_frame (shot->window->live_monitor);
      return; /* the next frame */
    }
  else
    g_printerr ("launchscope: screenshot %s failed: %s\n", shot->path, error->message);
  g_signal_handler_disconnect (clock, shot->handler);
  shot_free (shot);
}

static void
save_shot (LscWindow *self, GtkWidget *widget, const char *name)
{
  if (!self->live_shots_dir)
    return;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  g_autofree char *path = g_build_filename (self->live_shots_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  if (!clock)
    {
      if (!lsc_window_save_widget_png (widget, path, &error))
        g_printerr ("launchscope: screenshot %s failed: %s\n", path, error->message);
      return;
    }
  Shot *shot = g_new0 (Shot, 1);
  shot->window = g_object_ref (self);
  self->live_pending_shots++;
  shot->widget = g_object_ref (widget);
  shot->path = g_steal_pointer (&path);
  shot->handler = g_signal_connect (clock, "after-paint", G_CALLBACK (shot_after_paint_cb), shot);
  gtk_widget_queue_draw (widget);
  if (self->live_monitor && widget == GTK_WIDGET (self))
    lsc_frame_monitor_skip_next_frame (self->live_monitor); /* the whole window, for the picture */
}

static void
print_frames (LscWindow *self)
{
  if (!self->live_monitor)
    return;
  LscFrameStats stats;
  lsc_frame_monitor_get_stats (self->live_monitor, &stats);
  g_autofree char *text = lsc_frame_stats_describe (&stats);
  double worst = MAX (stats.longest_frame_ms, MAX (stats.longest_callback_ms, stats.longest_stall_ms));
  g_print ("frames: %s\n", text);
  g_print ("frames: %s: the longest main-loop frame or stall was %.1f ms (limit 50 ms)\n",
           worst <= 50.0 ? "ok" : "SLOW", worst);
  g_clear_pointer (&self->live_monitor, lsc_frame_monitor_free);
  lsc_live_page_set_frame_monitor (self->live_page, NULL);
}

static void
print_progress (LscWindow *self, double t)
{
  lsc_live_snapshot s;
  lsc_live_page_get_snapshot (self->live_page, &s);
  g_print ("live: %5.1f s: %" G_GUINT64_FORMAT " launches (%.0f/s), fast p50 %.0f ns, baseline p50 %.0f ns, "
           "raw floor %.0f ns, errors %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT ", markers %zu\n",
           t, s.launches, s.launches_per_s, s.p50_ns[0], s.p50_ns[1], s.raw_floor_p50_ns, s.errors,
           s.recorder.rows_dropped, lsc_live_page_get_n_markers (self->live_page));
}

/* After the recording: the report's overview, then its timeline with the markers, then quit. */
static gboolean
report_shot_cb (gpointer data)
{
  LscWindow *self = LSC_WINDOW (data);
  LscDocument *doc = self->document;

  if (self->live_pending_shots > 0)
    return G_SOURCE_CONTINUE; /* the last one is not saved yet */
  if (lsc_window_get_state (self) != LSC_WINDOW_REPORT || !doc
      || (!lsc_document_get_charts_ready (doc) && !lsc_document_get_charts_error (doc)))
    {
      if (self->error_dialog)
        {
          save_shot (self, GTK_WIDGET (self->error_dialog), "live-report-error.png");
          self->live_report_source = 0;
          quit_with (self, 1);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE; /* still loading */
    }
  switch (self->live_report_phase++)
    {
    case 0:
      adw_view_stack_set_visible_child_name (self->view_stack, "overview");
      return G_SOURCE_CONTINUE; /* laid out by the next round */
    case 1:
      save_shot (self, GTK_WIDGET (self), "live-report.png");
      return G_SOURCE_CONTINUE;
    case 2:
      adw_view_stack_set_visible_child_name (self->view_stack, "timeline");
      return G_SOURCE_CONTINUE;
    case 3:
      save_shot (self, GTK_WIDGET (self), "live-report-timeline.png");
      return G_SOURCE_CONTINUE;
    default:
      break;
    }
  const lsc_session_summary *s = lsc_document_get_session (doc);
  guint n_markers = 0;
  lsc_document_get_markers (doc, &n_markers);
  g_print ("live: report %s: %" G_GINT64_FORMAT " launches, %u toggle events, %" G_GINT64_FORMAT " dropped rows\n",
           lsc_document_get_path (doc), s ? s->launches : 0, n_markers, s ? s->dropped_rows : 0);
  self->live_report_source = 0;
  quit_with (self, self->live_failed ? 1 : 0);
  return G_SOURCE_REMOVE;
}

static gboolean
live_tick_cb (gpointer data)
{
  LscWindow *self = LSC_WINDOW (data);
  double t = (double) (g_get_monotonic_time () - self->live_t0) / G_USEC_PER_SEC;

  if (lsc_live_page_get_kernel_dialog (self->live_page))
    {
      save_shot (self, GTK_WIDGET (lsc_live_page_get_kernel_dialog (self->live_page)), "live-kernel-error.png");
      g_printerr ("launchscope: the kernel did not compile\n");
      self->live_source = 0;
      quit_with (self, 1);
      return G_SOURCE_REMOVE;
    }
  if (self->live_stopping)
    return G_SOURCE_CONTINUE;

  while (self->live_script && self->live_next_step < self->live_script->len)
    {
      const LscLiveStep *step = &g_array_index (self->live_script, LscLiveStep, self->live_next_step);
      if (step->at_s > t)
        break;
      g_autofree char *what = lsc_live_step_describe (step);
      lsc_live_page_apply_step (self->live_page, step);
      g_print ("live: %5.1f s: %s\n", t, what);
      self->live_next_step++;
    }
  if (t + 1e-3 >= self->live_next_shot_s)
    {
      g_autofree char *name = g_strdup_printf ("live-%02.0fs.png", self->live_next_shot_s);
      print_progress (self, t);
      save_shot (self, GTK_WIDGET (self), name);
      self->live_next_shot_s += self->live_shot_every_s;
    }
  if (self->live_duration_s > 0 && t >= self->live_duration_s && self->live_pending_shots == 0)
    {
      /* (after the last shot while recording is saved) */
      print_progress (self, t);
      print_frames (self);
      save_shot (self, GTK_WIDGET (self), "live-stopping.png");
      self->live_stopping = TRUE;
      lsc_live_page_stop (self->live_page);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
unavailable_shot_cb (gpointer data)
{
  LscWindow *self = LSC_WINDOW (data);
  self->live_source = 0;
  if (gtk_widget_get_width (GTK_WIDGET (self)) <= 0 || !self->mapped_at
      || g_get_monotonic_time () - self->mapped_at < 500 * G_TIME_SPAN_MILLISECOND)
    {
      self->live_source = g_timeout_add (100, unavailable_shot_cb, self);
      return G_SOURCE_REMOVE;
    }
  save_shot (self, GTK_WIDGET (self), "live-unavailable.png");
  quit_with (self, 2);
  return G_SOURCE_REMOVE;
}

static gboolean
failed_shot_cb (gpointer data)
{
  LscWindow *self = LSC_WINDOW (data);
  self->live_source = 0;
  save_shot (self, GTK_WIDGET (self), "live-error.png");
  quit_with (self, 1);
  return G_SOURCE_REMOVE;
}

static void
live_automation_state (LscWindow *self)
{
  LscLivePageState state = lsc_live_page_get_state (self->live_page);
  switch (state)
    {
    case LSC_LIVE_PAGE_READY:
      if (!self->live_started)
        {
          self->live_started = TRUE;
          g_print ("live: recording on %s\n", lsc_live_page_get_device (self->live_page));
          lsc_live_page_record (self->live_page);
        }
      else if (!self->live_recorded && !self->live_source)
        {
          /* the start failed: the banner (or the kernel dialog) says why */
          const char *why = lsc_live_page_get_banner_text (self->live_page);
          if (!lsc_live_page_get_kernel_dialog (self->live_page))
            g_printerr ("launchscope: live recording did not start: %s\n", why);
          else
            {
              g_printerr ("launchscope: your kernel was rejected\n");
              save_shot (self, GTK_WIDGET (lsc_live_page_get_kernel_dialog (self->live_page)), "live-kernel-error.png");
            }
          self->live_source = g_timeout_add (400, failed_shot_cb, self);
        }
      else if (self->live_recorded && !self->live_report_source)
        {
          /* stopped: the report opens (or the kernel dialog says why it cannot) */
          if (self->live_source)
            g_source_remove (self->live_source);
          self->live_source = 0;
          if (lsc_live_page_get_kernel_dialog (self->live_page))
            {
              save_shot (self, GTK_WIDGET (lsc_live_page_get_kernel_dialog (self->live_page)), "live-kernel-error.png");
              g_printerr ("launchscope: the kernel did not compile\n");
              quit_with (self, 1);
              return;
            }
          if (!self->live_stopping)
            {
              /* the person at the window stopped it: the report is theirs to look at */
              print_frames (self);
              self->live_auto = FALSE;
              return;
            }
          print_frames (self);
          self->live_report_source = g_timeout_add (300, report_shot_cb, self);
        }
      break;
    case LSC_LIVE_PAGE_UNAVAILABLE:
      if (!self->live_source)
        {
          g_printerr ("launchscope: live recording is not available: %s — %s\n",
                      lsc_live_page_get_banner_title (self->live_page), lsc_live_page_get_banner_text (self->live_page));
          self->live_source = g_timeout_add (100, unavailable_shot_cb, self);
        }
      break;
    case LSC_LIVE_PAGE_RECORDING:
      if (!self->live_recorded)
        {
          self->live_recorded = TRUE;
          self->live_t0 = g_get_monotonic_time ();
          self->live_next_shot_s = self->live_shot_every_s;
          if (self->live_measure)
            {
              self->live_monitor = lsc_frame_monitor_new (GTK_WIDGET (self));
              lsc_live_page_set_frame_monitor (self->live_page, self->live_monitor);
            }
          self->live_source = g_timeout_add (50, live_tick_cb, self);
        }
      break;
    case LSC_LIVE_PAGE_FAILED:
      if (!self->live_stopping)
        {
          g_printerr ("launchscope: the engine stopped: %s\n", lsc_live_page_get_banner_text (self->live_page));
          save_shot (self, GTK_WIDGET (self), "live-failed.png");
          self->live_stopping = TRUE;
          self->live_failed = TRUE;
          lsc_live_page_stop (self->live_page);
        }
      break;
    default:
      break;
    }
}

gboolean
lsc_window_automate_live (LscWindow *self, const LscLiveAutomation *a, GError **error)
{
  g_return_val_if_fail (LSC_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (a != NULL, FALSE);

  GArray *script = lsc_live_script_parse (a->script, error);
  if (!script)
    return FALSE;
  if (a->screenshots_dir && g_mkdir_with_parents (a->screenshots_dir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", a->screenshots_dir);
      g_array_unref (script);
      return FALSE;
    }
  g_clear_pointer (&self->live_script, g_array_unref);
  self->live_script = script;
  self->live_next_step = 0;
  self->live_duration_s = a->duration_s;
  g_free (self->live_shots_dir);
  self->live_shots_dir = g_strdup (a->screenshots_dir);
  self->live_shot_every_s = a->screenshot_every_s > 0 ? a->screenshot_every_s : 2.0;
  self->live_measure = a->measure_frames;
  self->live_auto = TRUE;

  LscLivePageConfig config = {
    .workload = a->workload,
    .kernel_path = a->kernel_path,
    .n = a->n,
    .rate = a->rate,
    .max_launches = -1,
    .report_path = a->report_path,
  };
  lsc_live_page_configure (self->live_page, &config);
  /* screenshots must not catch a crossfade halfway */
  gtk_stack_set_transition_type (self->main_stack, GTK_STACK_TRANSITION_TYPE_NONE);
  lsc_window_set_live_shown (self, TRUE);
  live_automation_state (self);
  return TRUE;
}

void
lsc_window_live_dispose (LscWindow *self)
{
  if (self->live_source)
    g_source_remove (self->live_source);
  self->live_source = 0;
  if (self->live_report_source)
    g_source_remove (self->live_report_source);
  self->live_report_source = 0;
  if (self->live_page)
    lsc_live_page_set_frame_monitor (self->live_page, NULL);
  g_clear_pointer (&self->live_monitor, lsc_frame_monitor_free);
  g_clear_pointer (&self->live_script, g_array_unref);
  g_clear_pointer (&self->live_shots_dir, g_free);
}
