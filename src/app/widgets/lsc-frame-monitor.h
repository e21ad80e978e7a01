/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-frame-monitor.h — how responsive the main loop stays (--measure-frames, the live UI
 * test): the longest frame (the frame clock's update, layout and paint), the longest callback
 * a caller reports, and the longest stall of the main loop (a 5 ms heartbeat that any busy
 * callback or frame delays).  Main thread only.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  guint frames;
  double seconds;             /* since the monitor started */
  double longest_frame_ms;    /* before-paint to after-paint of one frame, wall clock */
  double longest_callback_ms; /* the longest lsc_frame_monitor_note_callback(), wall clock */
  double longest_stall_ms;    /* the heartbeat's longest delay past its period */
  /* The same frame and callback in the main thread's CPU time: what our code cost, without
   * the time the kernel gave other processes (a shared CI machine). */
  double longest_frame_cpu_ms;
  double longest_callback_cpu_ms;
  double longest_frame_at_s;    /* when the longest frame ended, s since the monitor started */
  double longest_layout_ms;     /* of a frame: the update and layout phases (measure, allocate) */
  double longest_paint_ms;      /* of a frame: the paint phase (snapshot and render) */
  double mean_frame_cpu_ms;
  double longest_callback_at_s;
  guint frames_over_16ms;       /* wall clock: frames that missed a 60 Hz refresh */
  guint frames_over_50ms;
  guint callbacks;
} LscFrameStats;

typedef struct _LscFrameMonitor LscFrameMonitor;

/* Starts measuring the frames of widget's surface (once it is realized) and the main loop. */
LscFrameMonitor *lsc_frame_monitor_new (GtkWidget *widget);
void lsc_frame_monitor_free (LscFrameMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LscFrameMonitor, lsc_frame_monitor_free)

/* The main thread's CPU time in µs (CLOCK_THREAD_CPUTIME_ID), to pass to note_callback. */
gint64 lsc_frame_monitor_thread_cpu_us (void);
/* A callback of the caller's took wall_us, and cpu_us of the thread's CPU time. */
void lsc_frame_monitor_note_callback (LscFrameMonitor *monitor, gint64 wall_us, gint64 cpu_us);
/* The main loop was busy on purpose just now (a screenshot saved for automation): the time
 * since the last heartbeat is not counted as a stall. */
void lsc_frame_monitor_forgive (LscFrameMonitor *monitor);
/* The next frame is one the automation forced (a whole-window redraw for a screenshot): it is
 * not counted. */
void lsc_frame_monitor_skip_next_frame (LscFrameMonitor *monitor);
void lsc_frame_monitor_get_stats (LscFrameMonitor *monitor, LscFrameStats *out);
/* "longest frame 4.1 ms (CPU 3.9 ms), longest live update 1.2 ms (CPU 1.1 ms), longest
 * main-loop stall 6.0 ms (812 frames in 10.0 s, 81 fps; ...)", for logs. */
char *lsc_frame_stats_describe (const LscFrameStats *stats);

G_END_DECLS
