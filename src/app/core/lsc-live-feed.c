/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-feed.c — launches to chart samples and markers (see the header).
 */
#include "config.h"

#include <string.h>

#include "lsc-live-feed.h"

#define MIN_BUCKET_NS 1000000u /* 1 ms */
#define BUCKETS_PER_SPAN 10000u

typedef struct {
  gboolean open;
  guint64 t0, end; /* the bucket is [t0's bucket start, end) */
  guint64 first_t;
  LscColumn column;
} Bucket;

struct _LscLiveFeed {
  Bucket open[LSC_CHART_N_PATHS];
  GArray *samples; /* LscLiveSample, closed, not yet taken */
  gsize taken;     /* samples[0 .. taken) were taken */
  guint64 after_seq;
  guint64 last_t;
  guint64 next_end; /* the earliest end of an open bucket, G_MAXUINT64 when none is open */
  guint64 launches, missed;
  GArray *markers; /* LscChartMarker, labels owned */
};

LscLiveFeed *
lsc_live_feed_new (void)
{
  LscLiveFeed *feed = g_new0 (LscLiveFeed, 1);
  feed->samples = g_array_sized_new (FALSE, FALSE, sizeof (LscLiveSample), 1024);
  feed->markers = g_array_new (FALSE, FALSE, sizeof (LscChartMarker));
  feed->after_seq = G_MAXUINT64;
  feed->next_end = G_MAXUINT64;
  return feed;
}

void
lsc_live_feed_free (LscLiveFeed *feed)
{
  if (feed == NULL)
    return;
  for (guint i = 0; i < feed->markers->len; i++)
    g_free ((char *) g_array_index (feed->markers, LscChartMarker, i).label);
  g_array_unref (feed->markers);
  g_array_unref (feed->samples);
  g_free (feed);
}

guint64
lsc_live_feed_bucket_ns (guint64 t_ns)
{
  return MAX (MIN_BUCKET_NS, t_ns / BUCKETS_PER_SPAN);
}

static void
close_bucket (LscLiveFeed *feed, guint path)
{
  Bucket *b = &feed->open[path];
  if (!b->open)
    return;
  LscLiveSample sample = { b->first_t, (guint8) path, b->column };
  g_array_append_val (feed->samples, sample);
  b->open = FALSE;
}

/* Closes the buckets that end at or before t (all of them for G_MAXUINT64), oldest first, so
 * samples leave in time order: buckets are aligned to their width, so every bucket still open
 * afterwards starts after each one closed here. */
static void
close_until (LscLiveFeed *feed, guint64 t)
{
  for (;;)
    {
      int oldest = -1;
      for (guint path = 0; path < LSC_CHART_N_PATHS; path++)
        {
          const Bucket *b = &feed->open[path];
          if (b->open && (t == G_MAXUINT64 || b->end <= t)
              && (oldest < 0 || b->first_t < feed->open[oldest].first_t))
            oldest = (int) path;
        }
      if (oldest < 0)
        return;
      close_bucket (feed, (guint) oldest);
    }
}

void
lsc_live_feed_add (LscLiveFeed *feed, const lsc_live_point *points, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      const lsc_live_point *p = &points[i];
      guint64 expected = feed->after_seq + 1; /* wraps to 0 before the first launch */
      if (p->seq > expected)
        feed->missed += p->seq - expected;
      else if (p->seq < expected)
        continue; /* already seen */
      feed->after_seq = p->seq;
      feed->launches++;
      if (p->t_ns > feed->last_t)
        {
          feed->last_t = p->t_ns;
          if (feed->last_t >= feed->next_end)
            {
              close_until (feed, feed->last_t);
              feed->next_end = G_MAXUINT64;
              for (guint path = 0; path < LSC_CHART_N_PATHS; path++)
                if (feed->open[path].open)
                  feed->next_end = MIN (feed->next_end, feed->open[path].end);
            }
        }
      if (!p->status_ok || p->path >= LSC_CHART_N_PATHS)
        continue;

      Bucket *b = &feed->open[p->path];
      if (!b->open)
        {
          guint64 t = MAX (p->t_ns, feed->last_t); /* launches are in time order; be safe */
          guint64 width = lsc_live_feed_bucket_ns (t);
          b->open = TRUE;
          b->first_t = t;
          b->end = t - t % width + width;
          feed->next_end = MIN (feed->next_end, b->end);
          lsc_columns_clear (&b->column, 1);
        }
      lsc_column_add (&b->column, p->host_ns);
    }
}

void
lsc_live_feed_flush (LscLiveFeed *feed)
{
  close_until (feed, G_MAXUINT64);
  feed->next_end = G_MAXUINT64;
}

gsize
lsc_live_feed_take (LscLiveFeed *feed, LscLiveSample *out, gsize max)
{
  gsize n = MIN (max, feed->samples->len - feed->taken);
  if (n > 0)
    memcpy (out, &g_array_index (feed->samples, LscLiveSample, feed->taken), n * sizeof (LscLiveSample));
  feed->taken += n;
  if (feed->taken == feed->samples->len)
    {
      g_array_set_size (feed->samples, 0);
      feed->taken = 0;
    }
  return n;
}

guint64
lsc_live_feed_get_after_seq (const LscLiveFeed *feed)
{
  return feed->after_seq;
}

guint64
lsc_live_feed_get_last_t (const LscLiveFeed *feed)
{
  return feed->last_t;
}

guint64
lsc_live_feed_get_launches (const LscLiveFeed *feed)
{
  return feed->launches;
}

guint64
lsc_live_feed_get_missed (const LscLiveFeed *feed)
{
  return feed->missed;
}

void
lsc_live_feed_add_marker (LscLiveFeed *feed, guint64 t_ns, const char *label)
{
  LscChartMarker marker = { t_ns, g_strdup (label ? label : "") };
  g_array_append_val (feed->markers, marker);
}

const LscChartMarker *
lsc_live_feed_get_markers (const LscLiveFeed *feed, gsize *n)
{
  *n = feed->markers->len;
  return (const LscChartMarker *) feed->markers->data;
}
