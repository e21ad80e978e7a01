/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-frame-monitor.c — frame, callback and main-loop stall times (see the header).
 */
#include "config.h"

#include <time.h>

#include "lsc-frame-monitor.h"

#define HEARTBEAT_MS 5

struct _LscFrameMonitor
{
  GtkWidget *widget; /* weak */
  GdkFrameClock *clock;
  gulong before_id, after_id, realize_id, layout_id, paint_id;
  guint heartbeat_id;
  gint64 started, frame_start, frame_start_cpu, last_beat, layout_end;
  guint skip_frames;
  double sum_frame_cpu_ms;
  LscFrameStats stats;
};

gint64
lsc_frame_monitor_thread_cpu_us (void)
{
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
before_paint_cb (GdkFrameClock *clock, LscFrameMonitor *m)
{
  (void) clock;
  m->frame_start = g_get_monotonic_time ();
  m->frame_start_cpu = lsc_frame_monitor_thread_cpu_us ();
}

/* Connected after GTK's own handlers (at realize): these run when its phase work is done. */
static void
layout_cb (GdkFrameClock *clock, LscFrameMonitor *m)
{
  (void) clock;
  m->layout_end = g_get_monotonic_time ();
  if (m->frame_start && !m->skip_frames)
    m->stats.longest_layout_ms = MAX (m->stats.longest_layout_ms, (double) (m->layout_end - m->frame_start) / 1000.0);
}

static void
paint_cb (GdkFrameClock *clock, LscFrameMonitor *m)
{
  (void) clock;
  gint64 start = m->layout_end > m->frame_start ? m->layout_end : m->frame_start;
  if (m->frame_start && !m->skip_frames)
    m->stats.longest_paint_ms = MAX (m->stats.longest_paint_ms, (double) (g_get_monotonic_time () - start) / 1000.0);
}

static void
after_paint_cb (GdkFrameClock *clock, LscFrameMonitor *m)
{
  (void) clock;
  if (!m->frame_start)
    return;
  double ms = (double) (g_get_monotonic_time () - m->frame_start) / 1000.0;
  double cpu_ms = (double) (lsc_frame_monitor_thread_cpu_us () - m->frame_start_cpu) / 1000.0;
  m->frame_start = 0;
  if (m->skip_frames > 0)
    {
      m->skip_frames--;
      return;
    }
  m->stats.frames++;
  if (ms > m->stats.longest_frame_ms)
    {
      m->stats.longest_frame_ms = ms;
      m->stats.longest_frame_at_s = (double) (g_get_monotonic_time () - m->started) / 1e6;
    }
  m->stats.longest_frame_cpu_ms = MAX (m->stats.longest_frame_cpu_ms, cpu_ms);
  m->sum_frame_cpu_ms += cpu_ms;
  m->stats.frames_over_16ms += ms > 16.7;
  m->stats.frames_over_50ms += ms > 50.0;
}

static void
attach_clock (LscFrameMonitor *m)
{
  GdkFrameClock *clock = m->widget ? gtk_widget_get_frame_clock (m->widget) : NULL;
  if (!clock || clock == m->clock)
    return;
  m->clock = g_object_ref (clock);
  m->before_id = g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), m);
  m->layout_id = g_signal_connect (clock, "layout", G_CALLBACK (layout_cb), m);
  m->paint_id = g_signal_connect (clock, "paint", G_CALLBACK (paint_cb), m);
  m->after_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), m);
}

static gboolean
heartbeat_cb (gpointer data)
{
  LscFrameMonitor *m = data;
  gint64 now = g_get_monotonic_time ();
  double late = (double) (now - m->last_beat) / 1000.0 - HEARTBEAT_MS;
  m->stats.longest_stall_ms = MAX (m->stats.longest_stall_ms, late);
  m->last_beat = now;
  return G_SOURCE_CONTINUE;
}

LscFrameMonitor *
lsc_frame_monitor_new (GtkWidget *widget)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  LscFrameMonitor *m = g_new0 (LscFrameMonitor, 1);
  m->widget = widget;
  g_object_add_weak_pointer (G_OBJECT (widget), (gpointer *) &m->widget);
  m->started = m->last_beat = g_get_monotonic_time ();
  m->realize_id = g_signal_connect_swapped (widget, "realize", G_CALLBACK (attach_clock), m);
  attach_clock (m);
  /* above the redraw priority, so a long frame shows as a stall too */
  m->heartbeat_id = g_timeout_add_full (G_PRIORITY_HIGH, HEARTBEAT_MS, heartbeat_cb, m, NULL);
  return m;
}

void
lsc_frame_monitor_free (LscFrameMonitor *m)
{
  if (!m)
    return;
  if (m->clock)
    {
      g_signal_handler_disconnect (m->clock, m->before_id);
      g_signal_handler_disconnect (m->clock, m->layout_id);
      g_signal_handler_disconnect (m->clock, m->paint_id);
      g_signal_handler_disconnect (m->clock, m->after_id);
      g_object_unref (m->clock);
    }
  if (m->widget)
    {
      g_signal_handler_disconnect (m->widget, m->realize_id);
      g_object_remove_weak_pointer (G_OBJECT (m->widget), (gpointer *) &m->widget);
    }
  g_source_remove (m->heartbeat_id);
  g_free (m);
}

void
lsc_frame_monitor_note_callback (LscFrameMonitor *m, gint64 wall_us, gint64 cpu_us)
{
  m->stats.callbacks++;
  if ((double) wall_us / 1000.0 > m->stats.longest_callback_ms)
    {
      m->stats.longest_callback_ms = (double) wall_us / 1000.0;
      m->stats.longest_callback_at_s = (double) (g_get_monotonic_time () - m->started) / 1e6;
    }
  m->stats.longest_callback_cpu_ms = MAX (m->stats.longest_callback_cpu_ms, (double) cpu_us / 1000.0);
}

void
lsc_frame_monitor_forgive (LscFrameMonitor *m)
{
  m->last_beat = g_get_monotonic_time ();
  m->frame_start = 0;
}

void
lsc_frame_monitor_skip_next_frame (LscFrameMonitor *m)
{
  m->skip_frames++;
}

void
lsc_frame_monitor_get_stats (LscFrameMonitor *m, LscFrameStats *out)
{
  *out = m->stats;
  out->seconds = (double) (g_get_monotonic_time () - m->started) / 1e6;
  out->mean_frame_cpu_ms = m->stats.frames ? m->sum_frame_cpu_ms / m->stats.frames : 0;
}

char *
lsc_frame_stats_describe (const LscFrameStats *s)
{
  return g_strdup_printf ("longest frame %.1f ms (CPU %.1f ms, at %.1f s; longest layout %.1f ms, paint %.1f ms), "
                          "longest live update %.1f ms (CPU %.1f ms, at %.1f s), longest main-loop stall %.1f ms; "
                          "%u frames in %.1f s (%.0f fps, %.1f ms CPU each on average), %u over 16.7 ms, %u over 50 ms; "
                          "%u live updates",
                          s->longest_frame_ms, s->longest_frame_cpu_ms, s->longest_frame_at_s, s->longest_layout_ms,
                          s->longest_paint_ms, s->longest_callback_ms, s->longest_callback_cpu_ms,
                          s->longest_callback_at_s, MAX (s->longest_stall_ms, 0.0), s->frames, s->seconds,
                          s->seconds > 0 ? s->frames / s->seconds : 0.0, s->mean_frame_cpu_ms, s->frames_over_16ms,
                          s->frames_over_50ms, s->callbacks);
}
