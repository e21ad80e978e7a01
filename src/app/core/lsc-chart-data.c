/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-chart-data.c — plain data behind the chart widgets (see lsc-chart-data.h): launch
 * series, per-column downsampling, the multi-resolution min/max index, a report's series
 * index and the live ring.  Distributions and stage summaries are in lsc-chart-distribution.c,
 * axis scales, ticks and labels in lsc-chart-axes.c.
 *
 * GLib only, no GTK.  Everything a frame touches is O(columns · log n); everything O(n)
 * (sorting, index building) happens once per data set and may run on a worker thread.
 */
#include "lsc-chart-data.h"

#include <math.h>

const char *const lsc_chart_stage_ids[LSC_STAGE_COUNT] = {
  "resolve", "bind", "specialize", "key", "lookup", "globals", "metadata", "launch",
};

/* --- Series ------------------------------------------------------------------------------- */

LscSeries *
lsc_series_new (gsize n, gboolean with_details)
{
  LscSeries *series = g_new0 (LscSeries, 1);
  gsize alloc = MAX (n, 1); /* a valid pointer even when empty keeps callers branch-free */

  series->n = n;
  series->t_ns = g_new (guint64, alloc);
  series->value_ns = g_new (guint32, alloc);
  series->path = g_new (guint8, alloc);
  if (with_details)
    {
      series->outcome = g_new (guint8, alloc);
      series->reason = g_new (guint8, alloc);
      series->spec_id = g_new (gint64, alloc);
      series->kernel_id = g_new (gint64, alloc);
      series->correlation_id = g_new (gint64, alloc);
    }
  return series;
}

LscSeries *
lsc_series_copy (const LscSeries *series)
{
  if (series == NULL)
    return NULL;

  LscSeries *copy = g_new0 (LscSeries, 1);
  gsize n = series->n;

  copy->n = n;
  copy->t_ns = g_memdup2 (series->t_ns, MAX (n, 1) * sizeof (guint64));
  copy->value_ns = g_memdup2 (series->value_ns, MAX (n, 1) * sizeof (guint32));
  copy->path = g_memdup2 (series->path, MAX (n, 1));
  if (series->outcome != NULL)
    copy->outcome = g_memdup2 (series->outcome, MAX (n, 1));
  if (series->reason != NULL)
    copy->reason = g_memdup2 (series->reason, MAX (n, 1));
  if (series->spec_id != NULL)
    copy->spec_id = g_memdup2 (series->spec_id, MAX (n, 1) * sizeof (gint64));
  if (series->kernel_id != NULL)
    copy->kernel_id = g_memdup2 (series->kernel_id, MAX (n, 1) * sizeof (gint64));
  if (series->correlation_id != NULL)
    copy->correlation_id = g_memdup2 (series->correlation_id, MAX (n, 1) * sizeof (gint64));
  return copy;
}

void
lsc_series_free (LscSeries *series)
{
  if (series == NULL)
    return;
  g_free (series->t_ns);
  g_free (series->value_ns);
  g_free (series->path);
  g_free (series->outcome);
  g_free (series->reason);
  g_free (series->spec_id);
  g_free (series->kernel_id);
  g_free (series->correlation_id);
  g_free (series);
}

/* --- Columns and direct downsampling ------------------------------------------------------ */

void
lsc_columns_clear (LscColumn *cols, guint n_cols)
{
  for (guint i = 0; i < n_cols; i++)
    cols[i] = (LscColumn) { .min = G_MAXUINT32, .max = 0, .count = 0, .sum = 0 };
}

/* Static so that the downsampling loop inlines it: a call to the exported function may not
 * be inlined in position-independent code. */
static inline void
column_add (LscColumn *col, guint32 value)
{
  if (value < col->min)
    col->min = value;
  if (value > col->max)
    col->max = value;
  col->count++;
  col->sum += value;
}

void
lsc_column_add (LscColumn *col, guint32 value)
{
  column_add (col, value);
}

void
lsc_column_merge (LscColumn *a, const LscColumn *b)
{
  if (b->count == 0)
    return;
  if (b->min < a->min)
    a->min = b->min;
  if (b->max > a->max)
    a->max = b->max;
  a->count += b->count;
  a->sum += b->sum;
}

/* floor(x) as a column in [0, n_cols), clamped before the conversion: with infinite or huge
 * window ends x can be NaN or beyond any integer, and converting those is undefined. */
static inline gint64
clamp_column (double x, guint n_cols)
{
  double c = floor (x);
  if (c >= (double) n_cols - 1)
    return (gint64) n_cols - 1;
  return c >= 0 ? (gint64) c : 0;
}

/* Column of t with t < t0 giving -1 and t >= t1 giving n_cols: monotone in t, so the index
 * finds column boundaries by binary search on exactly the predicate the direct downsampler
 * uses, and the two agree point for point. */
static gint64
column_of (double t, double t0, double t1, guint n_cols)
{
  if (!(t >= t0))
    return -1;
  if (t >= t1)
    return n_cols;
  return clamp_column ((t - t0) * n_cols / (t1 - t0), n_cols);
}

void
lsc_chart_window_around (double t, double full_t0, double full_t1, double fraction, double *t0, double *t1)
{
  double width = (full_t1 - full_t0) * fraction;
  if (!(width > 0))
    {
      *t0 = t - 500;
      *t1 = t + 500;
      return;
    }
  double a = t - width / 2;
  if (a + width > full_t1)
    a = full_t1 - width;
  if (a < full_t0)
    a = full_t0;
  *t0 = a;
  *t1 = a + width;
}

gint64
lsc_chart_column_for_time (double t, double t0, double t1, guint n_cols)
{
  if (n_cols == 0 || !(t1 > t0))
    return -1;
  gint64 c = column_of (t, t0, t1, n_cols);
  return c >= (gint64) n_cols ? -1 : c;
}

void
lsc_downsample_min_max (const guint64 *t, const guint32 *v, const guint8 *path, gsize n, double t0,
                        double t1, LscColumn *const cols[LSC_CHART_N_PATHS], guint n_cols)
{
  if (n_cols == 0 || !(t1 > t0))
    return;

  double scale = n_cols / (t1 - t0);
  for (gsize i = 0; i < n; i++)
    {
      guint p = path != NULL ? path[i] : 0;
      if (p >= LSC_CHART_N_PATHS || cols[p] == NULL)
        continue;
      double ti = (double) t[i];
      if (!(ti >= t0) || ti >= t1)
        continue;
      column_add (&cols[p][clamp_column ((ti - t0) * scale, n_cols)], v[i]);
    }
}

/* --- Multi-resolution min/max index ------------------------------------------------------- */

typedef struct {
  guint32 min, max;
  guint64 sum;
} Block;

struct _LscMinMaxIndex {
  gsize n;
  guint64 *t;
  guint32 *v;
  guint n_levels;
  Block **levels;   /* levels[k] block e covers points [e·F^(k+1), (e+1)·F^(k+1)) ∩ [0, n) */
  gsize *level_len; /* blocks per level */
};

LscMinMaxIndex *
lsc_min_max_index_new (const guint64 *t, const guint32 *v, gsize n)
{
  LscMinMaxIndex *index = g_new0 (LscMinMaxIndex, 1);

  index->n = n;
  index->t = g_memdup2 (t, MAX (n, 1) * sizeof (guint64));
  index->v = g_memdup2 (v, MAX (n, 1) * sizeof (guint32));
  for (gsize i = 1; i < n; i++)
    g_return_val_if_fail (t[i - 1] <= t[i], index);

  /* Count levels: build until a level has a single block. */
  guint n_levels = 0;
  for (gsize len = n; len > 1; len = (len + LSC_MIN_MAX_FANOUT - 1) / LSC_MIN_MAX_FANOUT)
    n_levels++;
  index->n_levels = n_levels;
  index->levels = g_new0 (Block *, MAX (n_levels, 1));
  index->level_len = g_new0 (gsize, MAX (n_levels, 1));

  gsize below = n;
  for (guint k = 0; k < n_levels; k++)
    {
      gsize len = (below + LSC_MIN_MAX_FANOUT - 1) / LSC_MIN_MAX_FANOUT;
      Block *blocks = g_new (Block, len);

      for (gsize e = 0; e < len; e++)
        {
          gsize lo = e * LSC_MIN_MAX_FANOUT, hi = MIN (lo + LSC_MIN_MAX_FANOUT, below);
          Block b = { G_MAXUINT32, 0, 0 };

          if (k == 0)
            for (gsize i = lo; i < hi; i++)
              {
                guint32 x = index->v[i];
                b.min = MIN (b.min, x);
                b.max = MAX (b.max, x);
                b.sum += x;
              }
          else
            for (gsize i = lo; i < hi; i++)
              {
                const Block *c = &index->levels[k - 1][i];
                b.min = MIN (b.min, c->min);
                b.max = MAX (b.max, c->max);
                b.sum += c->sum;
              }
          blocks[e] = b;
        }
      index->levels[k] = blocks;
      index->level_len[k] = len;
      below = len;
    }
  return index;
}

void
lsc_min_max_index_free (LscMinMaxIndex *index)
{
  if (index == NULL)
    return;
  for (guint k = 0; k < index->n_levels; k++)
    g_free (index->levels[k]);
  g_free (index->levels);
  g_free (index->level_len);
  g_free (index->t);
  g_free (index->v);
  g_free (index);
}

gsize
lsc_min_max_index_get_n (const LscMinMaxIndex *index)
{
  return index->n;
}

const guint64 *
lsc_min_max_index_get_times (const LscMinMaxIndex *index)
{
  return index->t;
}

const guint32 *
lsc_min_max_index_get_values (const LscMinMaxIndex *index)
{
  return index->v;
}

gsize
lsc_min_max_index_lower_bound (const LscMinMaxIndex *index, double time)
{
  gsize lo = 0, hi = index->n;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if ((double) index->t[mid] < time)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
add_points (const LscMinMaxIndex *index, gsize lo, gsize hi, LscColumn *out)
{
  for (gsize i = lo; i < hi; i++)
    lsc_column_add (out, index->v[i]);
}

static void
add_blocks (const LscMinMaxIndex *index, guint level, gsize lo, gsize hi, LscColumn *out)
{
  const Block *blocks = index->levels[level];
  for (gsize e = lo; e < hi; e++)
    {
      if (blocks[e].min < out->min)
        out->min = blocks[e].min;
      if (blocks[e].max > out->max)
        out->max = blocks[e].max;
      out->sum += blocks[e].sum;
    }
}

void
lsc_min_max_index_query (const LscMinMaxIndex *index, gsize first, gsize last, LscColumn *out)
{
  *out = (LscColumn) { .min = G_MAXUINT32, .max = 0, .count = 0, .sum = 0 };
  last = MIN (last, index->n);
  if (first >= last)
    return;

  /* Walk up the pyramid: at each level take the unaligned ends one unit at a time and hand
   * the aligned middle to the level above.  lo and hi stay multiples of the current unit, so
   * every block used lies wholly inside [first, last). */
  out->count = (guint32) (last - first);
  gsize lo = first, hi = last, unit = 1;
  gint level = -1; /* -1: the points themselves */

  for (;;)
    {
      gsize next = unit * LSC_MIN_MAX_FANOUT;
      gsize lo_up = (lo + next - 1) / next * next;
      gsize hi_down = hi / next * next;

      if (lo_up >= hi_down || level + 1 >= (gint) index->n_levels)
        {
          if (level < 0)
            {
              LscColumn part = { G_MAXUINT32, 0, 0, 0 };
              add_points (index, lo, hi, &part);
              out->min = MIN (out->min, part.min);
              out->max = MAX (out->max, part.max);
              out->sum += part.sum;
            }
          else
            add_blocks (index, level, lo / unit, hi / unit, out);
          break;
        }

      if (level < 0)
        {
          LscColumn part = { G_MAXUINT32, 0, 0, 0 };
          add_points (index, lo, lo_up, &part);
          add_points (index, hi_down, hi, &part);
          out->min = MIN (out->min, part.min);
          out->max = MAX (out->max, part.max);
          out->sum += part.sum;
        }
      else
        {
          add_blocks (index, level, lo / unit, lo_up / unit, out);
          add_blocks (index, level, hi_down / unit, hi / unit, out);
        }
      lo = lo_up;
      hi = hi_down;
      unit = next;
      level++;
    }
}

/* First point whose column (column_of) is >= c, searching [lo, n). */
static gsize
column_boundary (const LscMinMaxIndex *index, gsize lo, gint64 c, double t0, double t1, guint n_cols)
{
  gsize hi = index->n;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (column_of ((double) index->t[mid], t0, t1, n_cols) < c)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

void
lsc_min_max_index_columns (const LscMinMaxIndex *index, double t0, double t1, LscColumn *cols,
                           guint n_cols)
{
  lsc_columns_clear (cols, n_cols);
  if (n_cols == 0 || !(t1 > t0) || index->n == 0)
    return;

  gsize start = column_boundary (index, 0, 0, t0, t1, n_cols);
  for (guint c = 0; c < n_cols && start < index->n; c++)
    {
      gsize end = column_boundary (index, start, (gint64) c + 1, t0, t1, n_cols);
      if (end > start)
        lsc_min_max_index_query (index, start, end, &cols[c]);
      start = end;
    }
}

/* --- Series index ------------------------------------------------------------------------- */

struct _LscSeriesIndex {
  LscSeries *series;
  LscMinMaxIndex *paths[LSC_CHART_N_PATHS];
  guint32 *members[LSC_CHART_N_PATHS];
  LscCompileLaunch *compiles;
  gsize n_compiles;
  gboolean empty;
  guint64 t_min, t_max;
  guint32 v_min, v_max;
};

static gint
compare_member_time (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const guint64 *t = user_data;
  guint64 x = t[*(const guint32 *) a], y = t[*(const guint32 *) b];
  return (x > y) - (x < y);
}

static gint
compare_compile_time (gconstpointer a, gconstpointer b, gpointer user_data G_GNUC_UNUSED)
{
  const LscCompileLaunch *x = a, *y = b;
  return (x->t_ns > y->t_ns) - (x->t_ns < y->t_ns);
}

static gboolean
is_compile (const LscSeries *series, gsize i)
{
  return series->outcome != NULL && series->outcome[i] == LSC_CHART_OUTCOME_MISS;
}

LscSeriesIndex *
lsc_series_index_new (LscSeries *series)
{
  LscSeriesIndex *index = g_atomic_rc_box_new0 (LscSeriesIndex);
  gsize counts[LSC_CHART_N_PATHS] = { 0 };

  index->series = series != NULL ? series : lsc_series_new (0, FALSE);
  series = index->series;
  index->empty = TRUE;
  /* Members are 32-bit series positions. */
  g_return_val_if_fail (series->n <= G_MAXUINT32, index);

  index->v_min = G_MAXUINT32;
  for (gsize i = 0; i < series->n; i++)
    if (series->path[i] < LSC_CHART_N_PATHS)
      {
        if (is_compile (series, i))
          index->n_compiles++;
        else
          counts[series->path[i]]++;
        index->empty = FALSE;
      }

  if (index->empty)
    return index;

  index->t_min = G_MAXUINT64;
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    if (counts[p] > 0)
      index->members[p] = g_new (guint32, counts[p]);
  if (index->n_compiles > 0)
    index->compiles = g_new (LscCompileLaunch, index->n_compiles);

  gsize fill[LSC_CHART_N_PATHS] = { 0 }, n_compiles = 0;
  for (gsize i = 0; i < series->n; i++)
    {
      guint p = series->path[i];
      if (p >= LSC_CHART_N_PATHS)
        continue;
      if (is_compile (series, i))
        index->compiles[n_compiles++] = (LscCompileLaunch) { series->t_ns[i], series->value_ns[i], (guint8) p,
                                                             (guint32) i };
      else
        index->members[p][fill[p]++] = (guint32) i;
      index->t_min = MIN (index->t_min, series->t_ns[i]);
      index->t_max = MAX (index->t_max, series->t_ns[i]);
      index->v_min = MIN (index->v_min, series->value_ns[i]);
      index->v_max = MAX (index->v_max, series->value_ns[i]);
    }
  if (n_compiles > 1)
    g_qsort_with_data (index->compiles, (gint) n_compiles, sizeof (LscCompileLaunch), compare_compile_time, NULL);

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      if (counts[p] == 0)
        continue;

      /* Launches from several threads interleave slightly out of time order; the index
       * needs them sorted, and a stable sort keeps recording order among equal times. */
      guint32 *m = index->members[p];
      gboolean sorted = TRUE;
      for (gsize k = 1; k < counts[p] && sorted; k++)
        sorted = series->t_ns[m[k - 1]] <= series->t_ns[m[k]];
      if (!sorted)
        g_qsort_with_data (m, (gint) counts[p], sizeof (guint32), compare_member_time, series->t_ns);

      guint64 *t = g_new (guint64, counts[p]);
      guint32 *v = g_new (guint32, counts[p]);
      for (gsize k = 0; k < counts[p]; k++)
        {
          t[k] = series->t_ns[m[k]];
          v[k] = series->value_ns[m[k]];
        }
      index->paths[p] = lsc_min_max_index_new (t, v, counts[p]);
      g_free (t);
      g_free (v);
    }
  return index;
}

static void
series_index_clear (gpointer data)
{
  LscSeriesIndex *index = data;
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      lsc_min_max_index_free (index->paths[p]);
      g_free (index->members[p]);
    }
  g_free (index->compiles);
  lsc_series_free (index->series);
}

LscSeriesIndex *
lsc_series_index_ref (LscSeriesIndex *index)
{
  return g_atomic_rc_box_acquire (index);
}

void
lsc_series_index_unref (LscSeriesIndex *index)
{
  if (index != NULL)
    g_atomic_rc_box_release_full (index, series_index_clear);
}

const LscCompileLaunch *
lsc_series_index_get_compiles (const LscSeriesIndex *index, gsize *n_compiles)
{
  *n_compiles = index->n_compiles;
  return index->compiles;
}

gsize
lsc_series_index_compile_lower_bound (const LscSeriesIndex *index, double time)
{
  gsize lo = 0, hi = index->n_compiles;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if ((double) index->compiles[mid].t_ns < time)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

const LscSeries *
lsc_series_index_get_series (const LscSeriesIndex *index)
{
  return index->series;
}

const LscMinMaxIndex *
lsc_series_index_get_path (const LscSeriesIndex *index, LscChartPath path)
{
  g_return_val_if_fail ((guint) path < LSC_CHART_N_PATHS, NULL);
  return index->paths[path];
}

gsize
lsc_series_index_get_member (const LscSeriesIndex *index, LscChartPath path, gsize k)
{
  g_return_val_if_fail ((guint) path < LSC_CHART_N_PATHS && index->members[path] != NULL, 0);
  return index->members[path][k];
}

/* Stores an extent through the get_extent out-parameters, any of which may be NULL. */
static void
store_extent (guint64 tmin, guint64 tmax, guint32 vmin, guint32 vmax, guint64 *t_min, guint64 *t_max,
              guint32 *v_min, guint32 *v_max)
{
  if (t_min)
    *t_min = tmin;
  if (t_max)
    *t_max = tmax;
  if (v_min)
    *v_min = vmin;
  if (v_max)
    *v_max = vmax;
}

gboolean
lsc_series_index_get_extent (const LscSeriesIndex *index, guint64 *t_min, guint64 *t_max,
                             guint32 *v_min, guint32 *v_max)
{
  if (index->empty)
    return FALSE;
  store_extent (index->t_min, index->t_max, index->v_min, index->v_max, t_min, t_max, v_min, v_max);
  return TRUE;
}

/* --- Live ring ---------------------------------------------------------------------------- */

struct _LscRing {
  gsize capacity, head, length; /* head: next slot written */
  guint64 total;
  guint64 *t;
  guint32 *v;    /* the value, or an aggregate's max */
  guint8 *path;
  /* Allocated by the first lsc_ring_append_column(), NULL until then: an entry's smallest
   * value, launch count and sum (a single launch is min = v, count 1, sum v). */
  guint32 *min;
  guint32 *count;
  double *sum;
};

LscRing *
lsc_ring_new (gsize capacity)
{
  LscRing *ring = g_new0 (LscRing, 1);
  ring->capacity = MAX (capacity, 1);
  ring->t = g_new (guint64, ring->capacity);
  ring->v = g_new (guint32, ring->capacity);
  ring->path = g_new (guint8, ring->capacity);
  return ring;
}

void
lsc_ring_free (LscRing *ring)
{
  if (ring == NULL)
    return;
  g_free (ring->t);
  g_free (ring->v);
  g_free (ring->path);
  g_free (ring->min);
  g_free (ring->count);
  g_free (ring->sum);
  g_free (ring);
}

void
lsc_ring_clear (LscRing *ring)
{
  ring->head = ring->length = 0;
  ring->total = 0;
}

void
lsc_ring_append (LscRing *ring, guint64 t_ns, guint32 value_ns, guint8 path)
{
  ring->t[ring->head] = t_ns;
  ring->v[ring->head] = value_ns;
  ring->path[ring->head] = path;
  if (ring->count != NULL)
    {
      ring->min[ring->head] = value_ns;
      ring->count[ring->head] = 1;
      ring->sum[ring->head] = value_ns;
    }
  ring->head = ring->head + 1 == ring->capacity ? 0 : ring->head + 1;
  if (ring->length < ring->capacity)
    ring->length++;
  ring->total++;
}

void
lsc_ring_append_column (LscRing *ring, guint64 t_ns, const LscColumn *column, guint8 path)
{
  g_return_if_fail (column != NULL);
  if (column->count == 0)
    return;
  if (ring->count == NULL)
    {
      /* Every slot gets a weight, so the held single launches count as one each. */
      ring->min = g_new (guint32, ring->capacity);
      ring->count = g_new (guint32, ring->capacity);
      ring->sum = g_new (double, ring->capacity);
      for (gsize s = 0; s < ring->capacity; s++)
        {
          ring->min[s] = s < ring->length || ring->length == ring->capacity ? ring->v[s] : 0;
          ring->count[s] = 1;
          ring->sum[s] = ring->min[s];
        }
    }
  gsize s = ring->head;
  lsc_ring_append (ring, t_ns, column->max, path);
  ring->min[s] = column->min;
  ring->count[s] = column->count;
  ring->sum[s] = column->sum;
}

gsize
lsc_ring_get_length (const LscRing *ring)
{
  return ring->length;
}

gsize
lsc_ring_get_capacity (const LscRing *ring)
{
  return ring->capacity;
}

guint64
lsc_ring_get_total (const LscRing *ring)
{
  return ring->total;
}

/* Slot of the i-th oldest held launch. */
static gsize
ring_slot (const LscRing *ring, gsize i)
{
  gsize oldest = (ring->head + ring->capacity - ring->length) % ring->capacity;
  return (oldest + i) % ring->capacity;
}

void
lsc_ring_get (const LscRing *ring, gsize i, guint64 *t_ns, guint32 *value_ns, guint8 *path)
{
  g_return_if_fail (i < ring->length);
  gsize s = ring_slot (ring, i);
  if (t_ns)
    *t_ns = ring->t[s];
  if (value_ns)
    *value_ns = ring->v[s];
  if (path)
    *path = ring->path[s];
}

guint32
lsc_ring_get_count (const LscRing *ring, gsize i)
{
  g_return_val_if_fail (i < ring->length, 0);
  return ring->count != NULL ? ring->count[ring_slot (ring, i)] : 1;
}

/* The weighted form of lsc_downsample_min_max over slots [first, first + n). */
static void
ring_downsample_weighted (const LscRing *ring, gsize first, gsize n, double t0, double t1,
                          LscColumn *const cols[LSC_CHART_N_PATHS], guint n_cols)
{
  if (n_cols == 0 || !(t1 > t0))
    return;
  double scale = n_cols / (t1 - t0);
  for (gsize s = first; s < first + n; s++)
    {
      guint p = ring->path[s];
      if (p >= LSC_CHART_N_PATHS || cols[p] == NULL)
        continue;
      double ti = (double) ring->t[s];
      if (!(ti >= t0) || ti >= t1)
        continue;
      gint64 c = clamp_column ((ti - t0) * scale, n_cols);
      LscColumn entry = { ring->min[s], ring->v[s], ring->count[s], ring->sum[s] };
      lsc_column_merge (&cols[p][c], &entry);
    }
}

void
lsc_ring_downsample (const LscRing *ring, double t0, double t1, LscColumn *const cols[LSC_CHART_N_PATHS],
                     guint n_cols)
{
  if (ring->length == 0)
    return;
  gsize first = ring_slot (ring, 0);
  gsize n1 = MIN (ring->length, ring->capacity - first);
  if (ring->count != NULL)
    {
      ring_downsample_weighted (ring, first, n1, t0, t1, cols, n_cols);
      ring_downsample_weighted (ring, 0, ring->length - n1, t0, t1, cols, n_cols);
      return;
    }
  lsc_downsample_min_max (ring->t + first, ring->v + first, ring->path + first, n1, t0, t1, cols, n_cols);
  lsc_downsample_min_max (ring->t, ring->v, ring->path, ring->length - n1, t0, t1, cols, n_cols);
}

gboolean
lsc_ring_get_extent (const LscRing *ring, guint64 *t_min, guint64 *t_max, guint32 *v_min, guint32 *v_max)
{
  if (ring->length == 0)
    return FALSE;

  guint64 tmin = G_MAXUINT64, tmax = 0;
  guint32 vmin = G_MAXUINT32, vmax = 0;
  /* Until the ring wraps, the held slots are [0, length); after, all of them: either way
   * [0, length), and extremes do not care about order. */
  for (gsize i = 0; i < ring->length; i++)
    {
      tmin = MIN (tmin, ring->t[i]);
      tmax = MAX (tmax, ring->t[i]);
      vmin = MIN (vmin, ring->min != NULL ? ring->min[i] : ring->v[i]);
      vmax = MAX (vmax, ring->v[i]);
    }
  store_extent (tmin, tmax, vmin, vmax, t_min, t_max, v_min, v_max);
  return TRUE;
}
