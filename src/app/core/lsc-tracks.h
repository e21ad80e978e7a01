/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-tracks.h — the timeline's thin tracks under the launch chart: CUDA API calls per thread
 * and kernel executions per stream, each track's spans sorted by start, and the joins by
 * CUPTI's correlation id that link a launch to its call and its kernel.
 *
 * Built once (lsc_tracks_add, then lsc_tracks_finish) on the document's loader thread; then
 * read-only.  Spans are 24 bytes, the correlation joins 16 bytes a span; a report without API
 * times or kernel activity has no tracks of that kind.  GLib only: tested headlessly.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LSC_TRACK_API,    /* one thread's CUDA API calls */
  LSC_TRACK_KERNEL, /* one stream's kernel executions */
} LscTrackKind;

typedef struct {
  guint64 t0_ns, t1_ns; /* since the session start */
  gint64 correlation_id; /* -1: none */
  const char *name;      /* the function or kernel, NULL for a launch's own call (interned) */
} LscSpan;

typedef struct {
  LscTrackKind kind;
  gint64 id;    /* thread or stream */
  LscSpan *spans; /* ascending t0_ns */
  gsize n_spans;
  guint64 max_length_ns; /* the longest span: how far before a window a span may start and reach into it */
} LscTrack;

typedef struct _LscTracks LscTracks;

LscTracks *lsc_tracks_new (void);
void lsc_tracks_free (LscTracks *tracks);
/* The label of a track: "Thread 437" or "Stream 7" (translated); free with g_free(). */
char *lsc_track_label (const LscTrack *track);
/* Adds a span to the track of kind and id (made on first use); name is copied (interned). */
void lsc_tracks_add (LscTracks *tracks, LscTrackKind kind, gint64 id, guint64 t0_ns, guint64 length_ns,
                     gint64 correlation_id, const char *name);
/* Sorts: API tracks first, then kernel tracks, each by id; spans by start.  Call once, after
 * the last add and before any query. */
void lsc_tracks_finish (LscTracks *tracks);

guint lsc_tracks_get_n (const LscTracks *tracks);
const LscTrack *lsc_tracks_get (const LscTracks *tracks, guint i);
/* First span of track with t0_ns >= time (n_spans when none). */
gsize lsc_track_lower_bound (const LscTrack *track, double time);
/* The span of kind with correlation_id: FALSE when none (several: the earliest on the first
 * track). */
gboolean lsc_tracks_find (const LscTracks *tracks, LscTrackKind kind, gint64 correlation_id, guint *track,
                          gsize *span);

/* Joins the chart's launches to the spans: correlation_ids[i] is launch i's (-1 none), as
 * LscSeries.correlation_id; copied.  After lsc_tracks_finish. */
void lsc_tracks_set_launches (LscTracks *tracks, const gint64 *correlation_ids, gsize n);
/* The launch (series position) with correlation_id: FALSE when none. */
gboolean lsc_tracks_find_launch (const LscTracks *tracks, gint64 correlation_id, gsize *launch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LscTracks, lsc_tracks_free)

G_END_DECLS
