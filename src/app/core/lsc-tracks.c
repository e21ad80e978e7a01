/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-tracks.c — API calls per thread and kernel executions per stream (see the header).
 */
#include "lsc-tracks.h"

#include <glib/gi18n.h>

#include <stdlib.h>

typedef struct {
  gint64 correlation_id;
  guint32 track;
  guint32 span;
} Join;

struct _LscTracks {
  GPtrArray *tracks;   /* LscTrack *, each with a GArray of spans while building */
  GArray **building;   /* parallel: the spans being added */
  GHashTable *by_key;  /* (kind, id) -> track index + 1, while building */
  GStringChunk *names;
  Join *joins[3];      /* per kind, ascending correlation id; [2]: the launches */
  gsize n_joins[3];
  gboolean finished;
};

LscTracks *
lsc_tracks_new (void)
{
  LscTracks *tracks = g_new0 (LscTracks, 1);
  tracks->tracks = g_ptr_array_new ();
  tracks->by_key = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, NULL);
  tracks->names = g_string_chunk_new (4096);
  return tracks;
}

void
lsc_tracks_free (LscTracks *tracks)
{
  if (tracks == NULL)
    return;
  for (guint i = 0; i < tracks->tracks->len; i++)
    {
      LscTrack *track = g_ptr_array_index (tracks->tracks, i);
      if (tracks->building && tracks->building[i])
        g_array_unref (tracks->building[i]);
      else
        g_free (track->spans);
      g_free (track);
    }
  g_free (tracks->building);
  g_ptr_array_unref (tracks->tracks);
  g_clear_pointer (&tracks->by_key, g_hash_table_unref);
  g_string_chunk_free (tracks->names);
  g_free (tracks->joins[0]);
  g_free (tracks->joins[1]);
  g_free (tracks->joins[2]);
  g_free (tracks);
}

void
lsc_tracks_add (LscTracks *tracks, LscTrackKind kind, gint64 id, guint64 t0_ns, guint64 length_ns,
                gint64 correlation_id, const char *name)
{
  g_return_if_fail (!tracks->finished);

  gint64 key[2] = { kind, id };
  g_autoptr (GBytes) bytes = g_bytes_new (key, sizeof key);
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (tracks->by_key, bytes));
  if (index == 0)
    {
      LscTrack *track = g_new0 (LscTrack, 1);
      track->kind = kind;
      track->id = id;
      g_ptr_array_add (tracks->tracks, track);
      tracks->building = g_renew (GArray *, tracks->building, tracks->tracks->len);
      tracks->building[tracks->tracks->len - 1] = g_array_new (FALSE, FALSE, sizeof (LscSpan));
      index = tracks->tracks->len;
      g_hash_table_insert (tracks->by_key, g_steal_pointer (&bytes), GUINT_TO_POINTER (index));
    }
  LscTrack *track = g_ptr_array_index (tracks->tracks, index - 1);
  guint64 t1 = t0_ns + MIN (length_ns, G_MAXUINT64 - t0_ns);
  LscSpan span = { t0_ns, t1, correlation_id, name ? g_string_chunk_insert_const (tracks->names, name) : NULL };
  g_array_append_val (tracks->building[index - 1], span);
  track->max_length_ns = MAX (track->max_length_ns, t1 - t0_ns);
}

static gint
compare_span (gconstpointer a, gconstpointer b)
{
  const LscSpan *x = a, *y = b;
  return (x->t0_ns > y->t0_ns) - (x->t0_ns < y->t0_ns);
}

static gint
compare_track (gconstpointer a, gconstpointer b)
{
  const LscTrack *x = *(LscTrack *const *) a, *y = *(LscTrack *const *) b;
  if (x->kind != y->kind)
    return x->kind == LSC_TRACK_API ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static gint
compare_join (gconstpointer a, gconstpointer b)
{
  const Join *x = a, *y = b;
  if (x->correlation_id != y->correlation_id)
    return x->correlation_id < y->correlation_id ? -1 : 1;
  /* equal ids: the first track, then the first span, as the header promises */
  if (x->track != y->track)
    return x->track < y->track ? -1 : 1;
  return (x->span > y->span) - (x->span < y->span);
}

void
lsc_tracks_finish (LscTracks *tracks)
{
  g_return_if_fail (!tracks->finished);
  tracks->finished = TRUE;

  for (guint i = 0; i < tracks->tracks->len; i++)
    {
      LscTrack *track = g_ptr_array_index (tracks->tracks, i);
      GArray *spans = tracks->building[i];
      g_array_sort (spans, compare_span);
      track->n_spans = spans->len;
      track->spans = (LscSpan *) (gpointer) g_array_free (spans, FALSE);
    }
  g_clear_pointer (&tracks->building, g_free);
  g_clear_pointer (&tracks->by_key, g_hash_table_unref);
  g_ptr_array_sort (tracks->tracks, compare_track);

  for (int kind = 0; kind < 2; kind++)
    {
      gsize n = 0;
      for (guint i = 0; i < tracks->tracks->len; i++)
        {
          const LscTrack *track = g_ptr_array_index (tracks->tracks, i);
          if ((int) track->kind == kind)
            for (gsize k = 0; k < track->n_spans; k++)
              n += track->spans[k].correlation_id >= 0;
        }
      Join *joins = g_new (Join, MAX (n, 1));
      n = 0;
      for (guint i = 0; i < tracks->tracks->len; i++)
        {
          const LscTrack *track = g_ptr_array_index (tracks->tracks, i);
          if ((int) track->kind == kind)
            for (gsize k = 0; k < track->n_spans && k <= G_MAXUINT32; k++)
              if (track->spans[k].correlation_id >= 0)
                joins[n++] = (Join) { track->spans[k].correlation_id, i, (guint32) k };
        }
      qsort (joins, n, sizeof (Join), compare_join);
      tracks->joins[kind] = joins;
      tracks->n_joins[kind] = n;
    }
}

guint
lsc_tracks_get_n (const LscTracks *tracks)
{
  return tracks->tracks->len;
}

const LscTrack *
lsc_tracks_get (const LscTracks *tracks, guint i)
{
  g_return_val_if_fail (i < tracks->tracks->len, NULL);
  return g_ptr_array_index (tracks->tracks, i);
}

gsize
lsc_track_lower_bound (const LscTrack *track, double time)
{
  gsize lo = 0, hi = track->n_spans;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if ((double) track->spans[mid].t0_ns < time)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

char *
lsc_track_label (const LscTrack *track)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, track->id);
  if (track->kind == LSC_TRACK_API)
    /* TRANSLATORS: a timeline track of one thread's CUDA API calls; %s is the thread id */
    return g_strdup_printf (_("Thread %s"), id);
  /* TRANSLATORS: a timeline track of one GPU stream's kernels; %s is the stream id */
  return g_strdup_printf (_("Stream %s"), id);
}

void
lsc_tracks_set_launches (LscTracks *tracks, const gint64 *correlation_ids, gsize n)
{
  g_return_if_fail (tracks->finished);
  gsize m = 0;
  for (gsize i = 0; i < n && i <= G_MAXUINT32; i++)
    m += correlation_ids[i] >= 0;
  Join *joins = g_new (Join, MAX (m, 1));
  m = 0;
  for (gsize i = 0; i < n && i <= G_MAXUINT32; i++)
    if (correlation_ids[i] >= 0)
      joins[m++] = (Join) { correlation_ids[i], 0, (guint32) i };
  qsort (joins, m, sizeof (Join), compare_join);
  g_free (tracks->joins[2]);
  tracks->joins[2] = joins;
  tracks->n_joins[2] = m;
}

/* The first join with correlation_id in joins[which], or FALSE. */
static gboolean
find_join (const LscTracks *tracks, guint which, gint64 correlation_id, const Join **found)
{
  const Join *joins = tracks->joins[which];
  gsize lo = 0, hi = tracks->n_joins[which];
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (joins[mid].correlation_id < correlation_id)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == tracks->n_joins[which] || joins[lo].correlation_id != correlation_id)
    return FALSE;
  *found = &joins[lo];
  return TRUE;
}

gboolean
lsc_tracks_find_launch (const LscTracks *tracks, gint64 correlation_id, gsize *launch)
{
  const Join *join;
  if (correlation_id < 0 || !find_join (tracks, 2, correlation_id, &join))
    return FALSE;
  *launch = join->span;
  return TRUE;
}

gboolean
lsc_tracks_find (const LscTracks *tracks, LscTrackKind kind, gint64 correlation_id, guint *track, gsize *span)
{
  g_return_val_if_fail (tracks->finished, FALSE);
  const Join *join;
  if (correlation_id < 0 || !find_join (tracks, kind, correlation_id, &join))
    return FALSE;
  *track = join->track;
  *span = join->span;
  return TRUE;
}
