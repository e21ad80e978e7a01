/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-feed.h — the live chart's data: the engine's launches, copied from the live session
 * in batches, reduced to what the overhead chart's ring holds, plus the markers of the switches
 * flipped during the session.
 *
 * A session may launch a million kernels a second; the chart shows minutes of them.  Launches
 * are grouped per path into time buckets (1 ms, widening as the session grows so a long one
 * stays bounded); a bucket becomes one sample with its launches' exact min, max, count and sum,
 * and a launch alone in its bucket stays a single launch.  Nothing here allocates per launch.
 *
 * GLib only, no GTK (tested headlessly).  Plain data: one thread at a time.
 */
#pragma once

#include <glib.h>

#include "lsc-chart-data.h"
#include "lsc-live.h"

G_BEGIN_DECLS

typedef struct {
  guint64 t_ns;     /* the bucket's first launch, ns since the session started */
  guint8 path;      /* LscChartPath */
  LscColumn column; /* count 1: one launch, value column.max */
} LscLiveSample;

typedef struct _LscLiveFeed LscLiveFeed;

LscLiveFeed *lsc_live_feed_new (void);
void lsc_live_feed_free (LscLiveFeed *feed);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LscLiveFeed, lsc_live_feed_free)

/* The bucket width for a launch at t_ns since the start: 1 ms, or t_ns / 10,000 once that is
 * wider (so a session holds about 10,000 buckets a path per tenfold of its length). */
guint64 lsc_live_feed_bucket_ns (guint64 t_ns);

/* Adds launches in seq order, as lsc_live_copy_points gives them.  A jump in seq (the engine's
 * ring overwrote launches before they were copied) counts as missed; failed launches
 * (status_ok 0) carry no overhead worth charting and are skipped. */
void lsc_live_feed_add (LscLiveFeed *feed, const lsc_live_point *points, gsize n);
/* Closes the open buckets now (nothing new arrived: paused, stopped, or a slow rate). */
void lsc_live_feed_flush (LscLiveFeed *feed);
/* Moves up to max closed samples into out, oldest first; returns how many. */
gsize lsc_live_feed_take (LscLiveFeed *feed, LscLiveSample *out, gsize max);

/* The seq to pass to lsc_live_copy_points as after_seq (G_MAXUINT64 before the first launch,
 * which the engine's "after" arithmetic turns into launch 0). */
guint64 lsc_live_feed_get_after_seq (const LscLiveFeed *feed);
/* Time of the newest launch added (0 before any). */
guint64 lsc_live_feed_get_last_t (const LscLiveFeed *feed);
guint64 lsc_live_feed_get_launches (const LscLiveFeed *feed); /* added, failed ones included */
guint64 lsc_live_feed_get_missed (const LscLiveFeed *feed);

/* Markers: a switch flipped at t_ns (use lsc_live_feed_get_last_t after draining the points
 * that came before the flip).  The label is copied. */
void lsc_live_feed_add_marker (LscLiveFeed *feed, guint64 t_ns, const char *label);
const LscChartMarker *lsc_live_feed_get_markers (const LscLiveFeed *feed, gsize *n);

G_END_DECLS
