/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-automation.c — the command line's automation of a window (see the header).
 *
 * Two runs share the object: the report run (--view, --screenshot, --measure-first-paint)
 * follows the window's "state-changed"; the live run (--live ...) follows the live page's
 * state and a 50 ms tick that plays the switch script and takes the timed screenshots.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "lsc-application.h"
#include "lsc-automation.h"
#include "lsc-frame-monitor.h"

struct _LscAutomation
{
  GObject parent_instance;

  LscWindow *window; /* owns us; NULL once destroyed */
  gint64 mapped_at;  /* monotonic µs when the window was first mapped */

  /* the report run */
  char *screenshot_path;
  guint screenshot_delay_ms;
  gboolean measure_first_paint;
  gboolean armed;
  guint screenshot_source;
  gint64 settled_at; /* monotonic µs when the screenshot first found the charts ready */
  guint draw_retries; /* screenshot attempts that found nothing drawn yet */
  gboolean window_saved; /* ... and the window's is saved: the error dialog's may follow */
  gboolean charts_measured;  /* --measure-first-paint printed charts-ready */
  gboolean compare_armed;    /* ... and waits for the first frame of the finished comparison */
  gboolean compare_measured; /* ... and printed compare-ready */
  GFile *compare_a, *compare_b; /* ... to compare once the charts are ready */
  gboolean has_select_range;    /* --select-range, applied once the charts are ready */
  gboolean range_selected;
  double select_t0_ns, select_t1_ns;

  /* the live run */
  gboolean live;
  GArray *script;   /* LscLiveStep */
  guint next_step;
  double duration_s; /* <= 0: until stopped */
  char *shots_dir;
  double shot_every_s;
  double next_shot_s;
  gboolean measure_frames;
  LscFrameMonitor *monitor;
  gboolean started;   /* Record was pressed */
  gboolean recorded;  /* it reached RECORDING */
  gboolean stopping;  /* Stop was pressed by the automation */
  gboolean failed;    /* the engine gave up: exit status 1 */
  guint pending_shots; /* screenshots waiting for their frame */
  gboolean quit_pending;
  gint64 t0;
  guint live_source;
  guint report_source;
  guint report_phase;

  /* the recorded command (--record-command) */
  char *command_line;
  guint command_phase;
};

G_DEFINE_FINAL_TYPE (LscAutomation, lsc_automation, G_TYPE_OBJECT)

/* ---- quitting ----------------------------------------------------------------------------- */

static void
quit_app (LscAutomation *self)
{
  GtkApplication *app = self->window ? gtk_window_get_application (GTK_WINDOW (self->window)) : NULL;
  if (app)
    g_application_quit (G_APPLICATION (app));
}

static void
really_quit (LscAutomation *self)
{
  self->quit_pending = FALSE;
  quit_app (self);
}

/* Quits once the screenshots asked for are saved. */
static void
quit_with (LscAutomation *self, int status)
{
  GtkApplication *app = self->window ? gtk_window_get_application (GTK_WINDOW (self->window)) : NULL;
  if (app && LSC_IS_APPLICATION (app))
    lsc_application_set_exit_status (LSC_APPLICATION (app), status);
  g_clear_handle_id (&self->live_source, g_source_remove);
  self->live = FALSE;
  self->quit_pending = TRUE;
  if (self->pending_shots == 0)
    really_quit (self);
}

/* ---- the report run ----------------------------------------------------------------------- */

static gboolean
screenshot_cb (gpointer data)
{
  LscAutomation *self = LSC_AUTOMATION (data);
  LscWindow *window = self->window;
  LscDocument *document = lsc_window_get_document (window);
  g_autoptr (GError) error = NULL;

  gboolean charts_pending = (document && !lsc_document_get_charts_ready (document)
                             && !lsc_document_get_charts_error (document))
                            || lsc_window_is_comparing (window);
  if (!charts_pending && document && self->has_select_range && !self->range_selected)
    {
      lsc_window_select_range (window, self->select_t0_ns, self->select_t1_ns);
      self->range_selected = TRUE;
    }
  /* the selection's statistics are computed on a worker: the shot shows them */
  charts_pending |= lsc_window_get_selection_pending (window);
  gint64 now = g_get_monotonic_time ();
  if (charts_pending)
    self->settled_at = 0;
  else if (!self->settled_at)
    self->settled_at = now; /* the charts just arrived: give them a few frames to lay out */
  if (gtk_widget_get_width (GTK_WIDGET (window)) <= 0 || !self->mapped_at || charts_pending
      || now - self->mapped_at < 800 * G_TIME_SPAN_MILLISECOND || now - self->settled_at < 300 * G_TIME_SPAN_MILLISECOND)
    {
      /* not mapped yet, the header's switcher may still be crossfading, or the charts are
       * still being read: try again */
      self->screenshot_source = g_timeout_add (100, screenshot_cb, self);
      return G_SOURCE_REMOVE;
    }
  self->screenshot_source = 0;

  if (!self->window_saved)
    {
      gboolean saved = lsc_window_save_widget_png (GTK_WIDGET (window), self->screenshot_path, &error);
      if (!saved && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) && self->draw_retries++ < 50)
        {
          /* nothing drawn yet: a loaded machine can take seconds to draw the first frame */
          self->screenshot_source = g_timeout_add (100, screenshot_cb, self);
          return G_SOURCE_REMOVE;
        }
      self->window_saved = TRUE;
      if (!saved)
        g_printerr ("launchscope: screenshot failed: %s\n", error->message);
      else
        g_print ("screenshot: %s (%dx%d, view %s, state %s)\n", self->screenshot_path,
                 gtk_widget_get_width (GTK_WIDGET (window)), gtk_widget_get_height (GTK_WIDGET (window)),
                 lsc_window_get_view (window),
                 lsc_window_get_state (window) == LSC_WINDOW_REPORT ? "report" : "empty");
      AdwMessageDialog *dialog = lsc_window_get_error_dialog (window);
      if (dialog)
        g_print ("error dialog: %s: %s\n", adw_message_dialog_get_heading (dialog),
                 adw_message_dialog_get_body (dialog));
      self->draw_retries = 0;
    }
  AdwMessageDialog *dialog = lsc_window_get_error_dialog (window);
  if (dialog)
    {
      g_autofree char *stem = g_str_has_suffix (self->screenshot_path, ".png")
                                  ? g_strndup (self->screenshot_path, strlen (self->screenshot_path) - 4)
                                  : g_strdup (self->screenshot_path);
      g_autofree char *dialog_path = g_strdup_printf ("%s-dialog.png", stem);
      g_clear_error (&error);
      if (lsc_window_save_widget_png (GTK_WIDGET (dialog), dialog_path, &error))
        g_print ("screenshot: %s (error dialog)\n", dialog_path);
      else if ((g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)
                || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED))
               && self->draw_retries++ < 50)
        {
          /* the dialog is not mapped or drawn yet: on a loaded machine (or under a sanitizer)
           * that can take longer than the screenshot delay */
          self->screenshot_source = g_timeout_add (100, screenshot_cb, self);
          return G_SOURCE_REMOVE;
        }
      else
        g_printerr ("launchscope: screenshot of the error dialog failed: %s\n", error->message);
    }
  self->armed = FALSE;
  quit_app (self);
  return G_SOURCE_REMOVE;
}

static double
ms_since_exec (void)
{
  gint64 exec = lsc_application_get_exec_time ();
  return exec ? (double) (g_get_monotonic_time () - exec) / 1000.0 : -1.0;
}

static void
measured_charts_cb (LscAutomation *self)
{
  LscDocument *document = self->window ? lsc_window_get_document (self->window) : NULL;
  if (!document || !lsc_document_get_charts_ready (document))
    {
      if (document && lsc_document_get_charts_error (document))
        {
          g_printerr ("charts: %s\n", lsc_document_get_charts_error (document));
          quit_app (self);
        }
      return;
    }
  g_signal_handlers_disconnect_by_func (document, measured_charts_cb, self);
  double series_ms = 0;
  lsc_document_get_load_times (document, NULL, NULL, &series_ms);
  g_print ("charts-ready: %.0f ms since exec (chart pass %.0f ms)\n", ms_since_exec (), series_ms);
  self->charts_measured = TRUE;
  if (self->compare_a)
    {
      g_autoptr (GFile) a = g_steal_pointer (&self->compare_a);
      g_autoptr (GFile) b = g_steal_pointer (&self->compare_b);
      lsc_window_compare (self->window, a, b);
      return;
    }
  if (!lsc_window_get_comparison (self->window) || self->compare_measured)
    quit_app (self);
}

/* --compare with --measure-first-paint: the first frame drawn after the comparison finished,
 * timed from the moment both reports were open (their opening and integrity check is the
 * reader's cost, measured by bench/app-first-paint). */
static void
compare_painted_cb (GdkFrameClock *clock, LscAutomation *self)
{
  g_signal_handlers_disconnect_by_func (clock, compare_painted_cb, self);
  LscComparison *comparison = self->window ? lsc_window_get_comparison (self->window) : NULL;
  if (!comparison)
    return;
  double open_ms = 0, compare_ms = 0;
  gint64 opened_at = 0;
  lsc_comparison_get_times (comparison, &open_ms, &compare_ms, &opened_at);
  const lsc_report_diff *d = lsc_comparison_get_diff (comparison);
  g_print ("compare-ready: %.0f ms after both reports opened, view %s (launches %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT
           "; worker: open+check of both %.0f ms, comparison %.0f ms)\n",
           (double) (g_get_monotonic_time () - opened_at) / 1000.0, lsc_window_get_view (self->window), d->a.launches,
           d->b.launches, open_ms, compare_ms);
  self->compare_measured = TRUE;
  if (self->charts_measured)
    quit_app (self);
}

void
lsc_automation_select_range (LscAutomation *self, double t0_ns, double t1_ns)
{
  g_return_if_fail (LSC_IS_AUTOMATION (self));
  self->has_select_range = TRUE;
  self->range_selected = FALSE;
  self->select_t0_ns = t0_ns;
  self->select_t1_ns = t1_ns;
}

void
lsc_automation_measure_compare (LscAutomation *self, GFile *a, GFile *b)
{
  g_return_if_fail (LSC_IS_AUTOMATION (self));
  g_set_object (&self->compare_a, a);
  g_set_object (&self->compare_b, b);
}

static void
follow_comparison (LscAutomation *self)
{
  LscComparison *comparison = lsc_window_get_comparison (self->window);
  if (!comparison && self->charts_measured && !self->compare_measured)
    {
      g_printerr ("compare-ready: no comparison shown\n");
      self->compare_measured = TRUE;
      quit_app (self);
      return;
    }
  if (self->compare_armed || !comparison || !lsc_comparison_is_ready (comparison)
      || lsc_window_get_state (self->window) != LSC_WINDOW_REPORT)
    return;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->window));
  if (!clock)
    return;
  self->compare_armed = TRUE;
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (compare_painted_cb), self, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self->window));
}

static void
after_paint_cb (GdkFrameClock *clock, LscAutomation *self)
{
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, self);
  LscDocument *document = self->window ? lsc_window_get_document (self->window) : NULL;
  if (!document)
    return;
  double since_exec = ms_since_exec ();
  double open_ms = 0, summary_ms = 0;
  lsc_document_get_load_times (document, &open_ms, &summary_ms, NULL);
  const lsc_session_summary *s = lsc_document_get_session (document);
  g_print ("first-paint: %.0f ms since exec, %.0f ms since main (launches %" G_GINT64_FORMAT
           "; worker: open+check %.0f ms, summary %.0f ms)\n",
           since_exec, (double) (g_get_monotonic_time () - lsc_application_get_main_time ()) / 1000.0,
           s ? s->launches : 0, open_ms, summary_ms);
  /* then wait for the charts and the launch list (loading phase 2) */
  g_signal_connect_object (document, "notify::charts-ready", G_CALLBACK (measured_charts_cb), self, G_CONNECT_SWAPPED);
  measured_charts_cb (self);
}

static void
arm_first_paint (LscAutomation *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->window));
  if (!clock)
    {
      g_signal_connect_object (self->window, "realize", G_CALLBACK (arm_first_paint), self, G_CONNECT_SWAPPED);
      return;
    }
  g_signal_handlers_disconnect_by_func (self->window, arm_first_paint, self);
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (after_paint_cb), self, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self->window));
}

static void
window_state_changed_cb (LscAutomation *self)
{
  if (self->measure_first_paint)
    follow_comparison (self);
  if (!self->armed)
    return;
  g_clear_handle_id (&self->screenshot_source, g_source_remove);

  LscWindowState state = lsc_window_get_state (self->window);
  if (state == LSC_WINDOW_LOADING)
    return;
  if (self->measure_first_paint)
    {
      if (state == LSC_WINDOW_REPORT)
        {
          self->armed = FALSE;
          arm_first_paint (self);
        }
      else if (lsc_window_get_error_dialog (self->window))
        {
          g_printerr ("first-paint: no report shown\n");
          self->armed = FALSE;
          quit_app (self);
        }
      return;
    }
  if (self->screenshot_path)
    self->screenshot_source = g_timeout_add (MAX (self->screenshot_delay_ms, 50), screenshot_cb, self);
}

void
lsc_automation_run_report (LscAutomation *self, const char *view, const char *screenshot_path, guint delay_ms,
                           gboolean measure_first_paint)
{
  g_return_if_fail (LSC_IS_AUTOMATION (self));
  g_return_if_fail (self->window != NULL);

  if (view && !lsc_window_set_view (self->window, view))
    g_printerr ("launchscope: unknown view “%s”\n", view);
  g_free (self->screenshot_path);
  self->screenshot_path = g_strdup (screenshot_path);
  self->screenshot_delay_ms = delay_ms;
  self->measure_first_paint = measure_first_paint;
  self->armed = screenshot_path != NULL || measure_first_paint;
  if (!self->armed)
    return;
  lsc_window_set_animated (self->window, FALSE);
  window_state_changed_cb (self);
}

/* ---- screenshots of the live run ---------------------------------------------------------- */

/* A widget renders into a PNG only from the render node of its last frame, which any redraw
 * queued since (the live chart queues one 20 times a second) drops: so a shot is taken right
 * after the widget's next frame is painted. */
typedef struct {
  LscAutomation *automation;
  GtkWidget *widget;
  char *path;
  gulong handler;
  int tries;
} Shot;

static void
shot_free (Shot *shot)
{
  LscAutomation *self = shot->automation;
  g_object_unref (shot->widget);
  g_free (shot->path);
  g_free (shot);
  if (--self->pending_shots == 0 && self->quit_pending)
    really_quit (self);
  g_object_unref (self);
}

static gboolean
is_window (LscAutomation *self, GtkWidget *widget)
{
  return self->window && widget == GTK_WIDGET (self->window);
}

static void
shot_after_paint_cb (GdkFrameClock *clock, Shot *shot)
{
  LscAutomation *self = shot->automation;
  g_autoptr (GError) error = NULL;
  gboolean saved = lsc_window_save_widget_png (shot->widget, shot->path, &error);
  if (self->monitor)
    lsc_frame_monitor_forgive (self->monitor); /* encoding a PNG is the automation's time */
  if (saved)
    g_print ("screenshot: %s (%dx%d)\n", shot->path, gtk_widget_get_width (shot->widget),
             gtk_widget_get_height (shot->widget));
  else if (++shot->tries < 10)
    {
      gtk_widget_queue_draw (shot->widget);
      if (self->monitor && is_window (self, shot->widget))
        lsc_frame_monitor_skip_next_frame (self->monitor);
      return; /* the next frame */
    }
  else
    g_printerr ("launchscope: screenshot %s failed: %s\n", shot->path, error->message);
  g_signal_handler_disconnect (clock, shot->handler);
  shot_free (shot);
}

static void
save_shot (LscAutomation *self, GtkWidget *widget, const char *name)
{
  if (!self->shots_dir)
    return;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  g_autofree char *path = g_build_filename (self->shots_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  if (!clock)
    {
      if (!lsc_window_save_widget_png (widget, path, &error))
        g_printerr ("launchscope: screenshot %s failed: %s\n", path, error->message);
      return;
    }
  Shot *shot = g_new0 (Shot, 1);
  shot->automation = g_object_ref (self);
  self->pending_shots++;
  shot->widget = g_object_ref (widget);
  shot->path = g_steal_pointer (&path);
  shot->handler = g_signal_connect (clock, "after-paint", G_CALLBACK (shot_after_paint_cb), shot);
  gtk_widget_queue_draw (widget);
  if (self->monitor && is_window (self, widget))
    lsc_frame_monitor_skip_next_frame (self->monitor); /* the whole window, for the picture */
}

static void
save_window_shot (LscAutomation *self, const char *name)
{
  if (self->window)
    save_shot (self, GTK_WIDGET (self->window), name);
}

/* ---- the live run ------------------------------------------------------------------------- */

static LscLivePage *
live_page (LscAutomation *self)
{
  return self->window ? lsc_window_get_live_page (self->window) : NULL;
}

static void
drop_monitor (LscAutomation *self)
{
  if (live_page (self))
    lsc_live_page_set_frame_monitor (live_page (self), NULL);
  g_clear_pointer (&self->monitor, lsc_frame_monitor_free);
}

static void
print_frames (LscAutomation *self)
{
  if (!self->monitor)
    return;
  LscFrameStats stats;
  lsc_frame_monitor_get_stats (self->monitor, &stats);
  g_autofree char *text = lsc_frame_stats_describe (&stats);
  double worst = MAX (stats.longest_frame_ms, MAX (stats.longest_callback_ms, stats.longest_stall_ms));
  g_print ("frames: %s\n", text);
  g_print ("frames: %s: the longest main-loop frame or stall was %.1f ms (limit 50 ms)\n",
           worst <= 50.0 ? "ok" : "SLOW", worst);
  drop_monitor (self);
}

static void
print_progress (LscAutomation *self, double t)
{
  lsc_live_snapshot s;
  lsc_live_page_get_snapshot (live_page (self), &s);
  g_print ("live: %5.1f s: %" G_GUINT64_FORMAT " launches (%.0f/s), fast p50 %.0f ns, baseline p50 %.0f ns, "
           "floor %.0f ns, fast above it %+.0f [%+.0f, %+.0f] ns, observer %+.0f [%+.0f, %+.0f] ns over %zu rounds, "
           "errors %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT ", markers %zu\n",
           t, s.launches, s.launches_per_s, s.p50_ns[0], s.p50_ns[1], s.floor.floor_p50_ns,
           s.floor.above_floor[FL_PATH_FAST].median_ns, s.floor.above_floor[FL_PATH_FAST].low_ns,
           s.floor.above_floor[FL_PATH_FAST].high_ns, s.floor.observer.median_ns, s.floor.observer.low_ns,
           s.floor.observer.high_ns, s.floor.rounds, s.errors, s.recorder.rows_dropped,
           lsc_live_page_get_n_markers (live_page (self)));
}

/* After the recording: the report's overview, then its timeline with the markers, then quit. */
static gboolean
report_shot_cb (gpointer data)
{
  LscAutomation *self = LSC_AUTOMATION (data);
  LscWindow *window = self->window;
  LscDocument *doc = lsc_window_get_document (window);

  if (self->pending_shots > 0)
    return G_SOURCE_CONTINUE; /* the last one is not saved yet */
  if (lsc_window_get_state (window) != LSC_WINDOW_REPORT || !doc
      || (!lsc_document_get_charts_ready (doc) && !lsc_document_get_charts_error (doc)))
    {
      AdwMessageDialog *dialog = lsc_window_get_error_dialog (window);
      if (dialog)
        {
          save_shot (self, GTK_WIDGET (dialog), "live-report-error.png");
          self->report_source = 0;
          quit_with (self, 1);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE; /* still loading */
    }
  switch (self->report_phase++)
    {
    case 0:
      lsc_window_set_view (window, "overview");
      return G_SOURCE_CONTINUE; /* laid out by the next round */
    case 1:
      save_window_shot (self, "live-report.png");
      return G_SOURCE_CONTINUE;
    case 2:
      lsc_window_set_view (window, "timeline");
      return G_SOURCE_CONTINUE;
    case 3:
      save_window_shot (self, "live-report-timeline.png");
      return G_SOURCE_CONTINUE;
    default:
      break;
    }
  const lsc_session_summary *s = lsc_document_get_session (doc);
  guint n_markers = 0;
  lsc_document_get_markers (doc, &n_markers);
  g_print ("live: report %s: %" G_GINT64_FORMAT " launches, %u toggle events, %" G_GINT64_FORMAT " dropped rows\n",
           lsc_document_get_path (doc), s ? s->launches : 0, n_markers, s ? s->dropped_rows : 0);
  self->report_source = 0;
  quit_with (self, self->failed ? 1 : 0);
  return G_SOURCE_REMOVE;
}

static gboolean
live_tick_cb (gpointer data)
{
  LscAutomation *self = LSC_AUTOMATION (data);
  LscLivePage *page = live_page (self);
  double t = (double) (g_get_monotonic_time () - self->t0) / G_USEC_PER_SEC;

  if (lsc_live_page_get_kernel_dialog (page))
    {
      save_shot (self, GTK_WIDGET (lsc_live_page_get_kernel_dialog (page)), "live-kernel-error.png");
      g_printerr ("launchscope: the kernel did not compile\n");
      self->live_source = 0;
      quit_with (self, 1);
      return G_SOURCE_REMOVE;
    }
  if (self->stopping)
    return G_SOURCE_CONTINUE;

  while (self->script && self->next_step < self->script->len)
    {
      const LscLiveStep *step = &g_array_index (self->script, LscLiveStep, self->next_step);
      if (step->at_s > t)
        break;
      g_autofree char *what = lsc_live_step_describe (step);
      lsc_live_page_apply_step (page, step);
      g_print ("live: %5.1f s: %s\n", t, what);
      self->next_step++;
    }
  if (t + 1e-3 >= self->next_shot_s)
    {
      g_autofree char *name = g_strdup_printf ("live-%02.0fs.png", self->next_shot_s);
      print_progress (self, t);
      save_window_shot (self, name);
      self->next_shot_s += self->shot_every_s;
    }
  if (self->duration_s > 0 && t >= self->duration_s && self->pending_shots == 0)
    {
      /* (after the last shot while recording is saved) */
      print_progress (self, t);
      print_frames (self);
      save_window_shot (self, "live-stopping.png");
      self->stopping = TRUE;
      lsc_live_page_stop (page);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
unavailable_shot_cb (gpointer data)
{
  LscAutomation *self = LSC_AUTOMATION (data);
  self->live_source = 0;
  if (gtk_widget_get_width (GTK_WIDGET (self->window)) <= 0 || !self->mapped_at
      || g_get_monotonic_time () - self->mapped_at < 500 * G_TIME_SPAN_MILLISECOND)
    {
      self->live_source = g_timeout_add (100, unavailable_shot_cb, self);
      return G_SOURCE_REMOVE;
    }
  save_window_shot (self, "live-unavailable.png");
  quit_with (self, 2);
  return G_SOURCE_REMOVE;
}

static gboolean
failed_shot_cb (gpointer data)
{
  LscAutomation *self = LSC_AUTOMATION (data);
  self->live_source = 0;
  save_window_shot (self, "live-error.png");
  quit_with (self, 1);
  return G_SOURCE_REMOVE;
}

static void
live_state_cb (LscAutomation *self)
{
  if (!self->live)
    return;
  LscLivePage *page = live_page (self);
  switch (lsc_live_page_get_state (page))
    {
    case LSC_LIVE_PAGE_READY:
      if (!self->started)
        {
          self->started = TRUE;
          g_print ("live: recording on %s\n", lsc_live_page_get_device (page));
          lsc_live_page_record (page);
        }
      else if (!self->recorded && !self->live_source)
        {
          /* the start failed: the banner (or the kernel dialog) says why */
          const char *why = lsc_live_page_get_banner_text (page);
          if (!lsc_live_page_get_kernel_dialog (page))
            g_printerr ("launchscope: live recording did not start: %s\n", why);
          else
            {
              g_printerr ("launchscope: your kernel was rejected\n");
              save_shot (self, GTK_WIDGET (lsc_live_page_get_kernel_dialog (page)), "live-kernel-error.png");
            }
          self->live_source = g_timeout_add (400, failed_shot_cb, self);
        }
      else if (self->recorded && !self->report_source)
        {
          /* stopped: the report opens (or the kernel dialog says why it cannot) */
          g_clear_handle_id (&self->live_source, g_source_remove);
          if (lsc_live_page_get_kernel_dialog (page))
            {
              save_shot (self, GTK_WIDGET (lsc_live_page_get_kernel_dialog (page)), "live-kernel-error.png");
              g_printerr ("launchscope: the kernel did not compile\n");
              quit_with (self, 1);
              return;
            }
          if (!self->stopping)
            {
              /* the person at the window stopped it: the report is theirs to look at */
              print_frames (self);
              self->live = FALSE;
              return;
            }
          print_frames (self);
          self->report_source = g_timeout_add (300, report_shot_cb, self);
        }
      break;
    case LSC_LIVE_PAGE_UNAVAILABLE:
      if (!self->live_source)
        {
          g_printerr ("launchscope: live recording is not available: %s — %s\n", lsc_live_page_get_banner_title (page),
                      lsc_live_page_get_banner_text (page));
          self->live_source = g_timeout_add (100, unavailable_shot_cb, self);
        }
      break;
    case LSC_LIVE_PAGE_RECORDING:
      if (!self->recorded)
        {
          self->recorded = TRUE;
          self->t0 = g_get_monotonic_time ();
          self->next_shot_s = self->shot_every_s;
          if (self->measure_frames)
            {
              self->monitor = lsc_frame_monitor_new (GTK_WIDGET (self->window));
              lsc_live_page_set_frame_monitor (page, self->monitor);
            }
          self->live_source = g_timeout_add (50, live_tick_cb, self);
        }
      break;
    case LSC_LIVE_PAGE_FAILED:
      if (!self->stopping)
        {
          g_printerr ("launchscope: the engine stopped: %s\n", lsc_live_page_get_banner_text (page));
          save_window_shot (self, "live-failed.png");
          self->stopping = TRUE;
          self->failed = TRUE;
          lsc_live_page_stop (page);
        }
      break;
    default:
      break;
    }
}

gboolean
lsc_automation_run_live (LscAutomation *self, const LscLiveAutomation *a, GError **error)
{
  g_return_val_if_fail (LSC_IS_AUTOMATION (self), FALSE);
  g_return_val_if_fail (self->window != NULL, FALSE);
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
  g_clear_pointer (&self->script, g_array_unref);
  self->script = script;
  self->next_step = 0;
  self->duration_s = a->duration_s;
  g_free (self->shots_dir);
  self->shots_dir = g_strdup (a->screenshots_dir);
  self->shot_every_s = a->screenshot_every_s > 0 ? a->screenshot_every_s : 2.0;
  self->measure_frames = a->measure_frames;
  self->live = TRUE;

  LscLivePage *page = live_page (self);
  LscLivePageConfig config = {
    .workload = a->workload,
    .kernel_path = a->kernel_path,
    .n = a->n,
    .rate = a->rate,
    .max_launches = -1,
    .report_path = a->report_path,
  };
  lsc_live_page_configure (page, &config);
  g_signal_connect_object (page, "notify::state", G_CALLBACK (live_state_cb), self, G_CONNECT_SWAPPED);
  lsc_window_set_animated (self->window, FALSE);
  lsc_window_set_live_shown (self->window, TRUE);
  live_state_cb (self);
  return TRUE;
}

/* ---- recording a command ------------------------------------------------------------------ */

enum { COMMAND_WAIT_MAP, COMMAND_DIALOG, COMMAND_PRESS, COMMAND_RECORDING, COMMAND_STOPPING, COMMAND_REPORT };

static void
print_command_progress (LscAutomation *self, double t)
{
  LscCommandView *view = lsc_live_page_get_command_view (live_page (self));
  g_autofree char *cards = lsc_command_view_describe_cards (view);
  g_strdelimit (cards, "\n", ' ');
  g_print ("record-command: %5.1f s: %s\n", t, cards);
}

/* As a person would: open Record a Command…, type the command, press Record; screenshots while
 * it runs; Stop after the duration; the report it opens; then quit. */
static gboolean
command_tick_cb (gpointer data)
{
  LscAutomation *self = LSC_AUTOMATION (data);
  LscLivePage *page = live_page (self);
  LscRecordCommandDialog *dialog = NULL;
  double t = (double) (g_get_monotonic_time () - self->t0) / G_USEC_PER_SEC;
  if (self->pending_shots > 0)
    return G_SOURCE_CONTINUE;
  switch (self->command_phase)
    {
    case COMMAND_WAIT_MAP:
      if (!self->mapped_at || g_get_monotonic_time () - self->mapped_at < 500 * G_TIME_SPAN_MILLISECOND)
        return G_SOURCE_CONTINUE;
      gtk_widget_activate_action_variant (GTK_WIDGET (self->window), "live.record-command", NULL);
      dialog = lsc_live_page_show_command_dialog (page);
      lsc_record_command_dialog_set_command_line (dialog, self->command_line);
      self->command_phase = COMMAND_DIALOG;
      self->t0 = g_get_monotonic_time ();
      return G_SOURCE_CONTINUE;
    case COMMAND_DIALOG:
      if (t < 0.5)
        return G_SOURCE_CONTINUE; /* the entry's title has moved aside for the text */
      save_shot (self, GTK_WIDGET (lsc_live_page_show_command_dialog (page)), "record-command-dialog.png");
      self->command_phase = COMMAND_PRESS;
      return G_SOURCE_CONTINUE;
    case COMMAND_PRESS:
      dialog = g_object_ref (lsc_live_page_show_command_dialog (page));
      lsc_record_command_dialog_record (dialog); /* closes it once the command runs */
      if (!lsc_live_page_get_command_runner (page) || lsc_record_command_dialog_get_error (dialog))
        {
          g_printerr ("launchscope: the command did not start: %s\n", lsc_record_command_dialog_get_error (dialog));
          save_shot (self, GTK_WIDGET (dialog), "record-command-error.png");
          g_object_unref (dialog);
          self->live_source = 0;
          quit_with (self, 1);
          return G_SOURCE_REMOVE;
        }
      g_object_unref (dialog);
      self->t0 = g_get_monotonic_time ();
      self->next_shot_s = self->shot_every_s;
      self->command_phase = COMMAND_RECORDING;
      return G_SOURCE_CONTINUE;
    default:
      break;
    }
  LscCommandRunner *runner = lsc_live_page_get_command_runner (page);
  gboolean ended = lsc_command_runner_get_state (runner) == LSC_COMMAND_RUNNER_FINISHED;
  if (self->command_phase == COMMAND_RECORDING && !ended)
    {
      if (t + 1e-3 >= self->next_shot_s)
        {
          g_autofree char *name = g_strdup_printf ("record-command-%02.0fs.png", self->next_shot_s);
          print_command_progress (self, t);
          save_window_shot (self, name);
          self->next_shot_s += self->shot_every_s;
        }
      else if (self->duration_s > 0 && t >= self->duration_s)
        {
          print_command_progress (self, t);
          lsc_live_page_stop (page);
          self->command_phase = COMMAND_STOPPING;
        }
      return G_SOURCE_CONTINUE;
    }
  if (!ended)
    return G_SOURCE_CONTINUE;
  LscDocument *doc = lsc_window_get_document (self->window);
  if (lsc_window_get_state (self->window) == LSC_WINDOW_REPORT && doc)
    {
      if (!lsc_document_get_charts_ready (doc) && !lsc_document_get_charts_error (doc))
        return G_SOURCE_CONTINUE;
      if (self->command_phase != COMMAND_REPORT)
        {
          save_window_shot (self, "record-command-report.png");
          self->command_phase = COMMAND_REPORT;
          return G_SOURCE_CONTINUE;
        }
      const lsc_session_summary *s = lsc_document_get_session (doc);
      g_print ("record-command: report %s: %" G_GINT64_FORMAT " launches\n", lsc_document_get_path (doc),
               s ? s->launches : 0);
      self->live_source = 0;
      quit_with (self, 0);
      return G_SOURCE_REMOVE;
    }
  if (lsc_window_get_state (self->window) == LSC_WINDOW_LIVE && *lsc_live_page_get_banner_title (page))
    {
      /* no report: the banner gives record's words */
      g_printerr ("launchscope: %s: %s\n", lsc_live_page_get_banner_title (page), lsc_live_page_get_banner_text (page));
      save_window_shot (self, "record-command-error.png");
      self->live_source = 0;
      quit_with (self, 1);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

gboolean
lsc_automation_run_command (LscAutomation *self, const LscCommandAutomation *a, GError **error)
{
  g_return_val_if_fail (LSC_IS_AUTOMATION (self), FALSE);
  g_return_val_if_fail (self->window != NULL, FALSE);
  if (a->screenshots_dir && g_mkdir_with_parents (a->screenshots_dir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", a->screenshots_dir);
      return FALSE;
    }
  g_free (self->command_line);
  self->command_line = g_strdup (a->command_line);
  self->duration_s = a->duration_s;
  g_free (self->shots_dir);
  self->shots_dir = g_strdup (a->screenshots_dir);
  self->shot_every_s = a->screenshot_every_s > 0 ? a->screenshot_every_s : 2.0;
  self->command_phase = COMMAND_WAIT_MAP;
  lsc_window_set_animated (self->window, FALSE);
  lsc_window_set_live_shown (self->window, TRUE);
  g_clear_handle_id (&self->live_source, g_source_remove);
  self->live_source = g_timeout_add (50, command_tick_cb, self);
  return TRUE;
}

/* ---- object ------------------------------------------------------------------------------- */

static void
stop (LscAutomation *self)
{
  g_clear_handle_id (&self->screenshot_source, g_source_remove);
  g_clear_handle_id (&self->live_source, g_source_remove);
  g_clear_handle_id (&self->report_source, g_source_remove);
  self->armed = FALSE;
  self->live = FALSE;
}

/* The window is going: its children are already gone, so nothing of it is touched again. */
static void
window_destroy_cb (LscAutomation *self)
{
  stop (self);
  g_clear_pointer (&self->monitor, lsc_frame_monitor_free);
  self->window = NULL;
}

static void
window_map_cb (LscAutomation *self)
{
  if (!self->mapped_at)
    self->mapped_at = g_get_monotonic_time ();
}

static void
lsc_automation_finalize (GObject *object)
{
  LscAutomation *self = LSC_AUTOMATION (object);
  g_clear_object (&self->compare_a);
  g_clear_object (&self->compare_b);

  stop (self);
  g_clear_pointer (&self->monitor, lsc_frame_monitor_free);
  g_clear_pointer (&self->script, g_array_unref);
  g_free (self->shots_dir);
  g_free (self->screenshot_path);
  g_free (self->command_line);
  G_OBJECT_CLASS (lsc_automation_parent_class)->finalize (object);
}

static void
lsc_automation_class_init (LscAutomationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lsc_automation_finalize;
}

static void
lsc_automation_init (LscAutomation *self)
{
  (void) self;
}

LscAutomation *
lsc_automation_for_window (LscWindow *window)
{
  g_return_val_if_fail (LSC_IS_WINDOW (window), NULL);

  LscAutomation *self = g_object_get_data (G_OBJECT (window), "lsc-automation");
  if (self)
    return self;
  self = g_object_new (LSC_TYPE_AUTOMATION, NULL);
  self->window = window;
  if (gtk_widget_get_mapped (GTK_WIDGET (window)))
    self->mapped_at = g_get_monotonic_time ();
  g_signal_connect_object (window, "map", G_CALLBACK (window_map_cb), self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (window, "state-changed", G_CALLBACK (window_state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (window, "destroy", G_CALLBACK (window_destroy_cb), self, G_CONNECT_SWAPPED);
  g_object_set_data_full (G_OBJECT (window), "lsc-automation", self, g_object_unref);
  return self;
}
