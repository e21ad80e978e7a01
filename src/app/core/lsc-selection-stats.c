/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-selection-stats.c — the statistics of a time range of a report's launches (see the
 * header).
 */
#include "lsc-selection-stats.h"

#include <glib/gi18n.h>

/* Launches between two looks at the cancellable. */
#define CANCEL_STRIDE 65536

static int
compare_spec (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

/* Counts a launch's outcome; a hit's spec goes to hit_specs for the distinct count. */
static void
count_outcome (LscSelectionStats *stats, const LscSeries *series, gsize member, GArray *hit_specs)
{
  if (series->outcome == NULL)
    return;
  switch (series->outcome[member])
    {
    case LSC_CHART_OUTCOME_HIT:
      stats->hits++;
      if (series->spec_id != NULL && series->spec_id[member] >= 0)
        g_array_append_val (hit_specs, series->spec_id[member]);
      break;
    case LSC_CHART_OUTCOME_FALLBACK:
      stats->fallbacks++;
      stats->fallbacks_by_reason[series->reason != NULL ? series->reason[member] : 0]++;
      break;
    default:
      break;
    }
}

LscSelectionStats *
lsc_selection_stats_compute (const LscSeriesIndex *index, double t0_ns, double t1_ns, GCancellable *cancellable)
{
  g_return_val_if_fail (index != NULL, NULL);

  LscSelectionStats *stats = g_new0 (LscSelectionStats, 1);
  const LscSeries *series = lsc_series_index_get_series (index);
  gsize n_compiles;
  const LscCompileLaunch *compiles = lsc_series_index_get_compiles (index, &n_compiles);
  gsize c0 = lsc_series_index_compile_lower_bound (index, t0_ns);
  gsize c1 = lsc_series_index_compile_lower_bound (index, t1_ns);
  g_autoptr (GArray) hit_specs = g_array_new (FALSE, FALSE, sizeof (gint64));

  stats->t0_ns = t0_ns;
  stats->t1_ns = t1_ns;
  for (gsize c = c0; c < c1; c++)
    {
      stats->compiles++;
      stats->compile_max_ns = MAX (stats->compile_max_ns, compiles[c].value_ns);
    }

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      const LscMinMaxIndex *idx = lsc_series_index_get_path (index, p);
      gsize a = 0, b = 0;
      if (idx != NULL && t1_ns > t0_ns)
        {
          a = lsc_min_max_index_lower_bound (idx, t0_ns);
          b = lsc_min_max_index_lower_bound (idx, t1_ns);
        }
      gsize n_path_compiles = 0;
      for (gsize c = c0; c < c1; c++)
        n_path_compiles += compiles[c].path == p;
      gsize n = (b - a) + n_path_compiles;
      if (n == 0)
        continue;

      guint32 *values = g_new (guint32, n);
      const guint32 *v = idx != NULL ? lsc_min_max_index_get_values (idx) : NULL;
      gsize k = 0;
      for (gsize i = a; i < b; i++)
        {
          if ((i - a) % CANCEL_STRIDE == 0 && g_cancellable_is_cancelled (cancellable))
            {
              g_free (values);
              g_free (stats);
              return NULL;
            }
          values[k++] = v[i];
          count_outcome (stats, series, lsc_series_index_get_member (index, p, i), hit_specs);
        }
      for (gsize c = c0; c < c1; c++)
        if (compiles[c].path == p)
          values[k++] = compiles[c].value_ns;

      lsc_sort_u32 (values, n);
      LscSelectionPath *sp = &stats->paths[p];
      sp->count = n;
      sp->p50_ns = values[lsc_nearest_rank (n, 50) - 1];
      sp->p90_ns = values[lsc_nearest_rank (n, 90) - 1];
      sp->p99_ns = values[lsc_nearest_rank (n, 99) - 1];
      stats->launches += n;
      g_free (values);
    }

  if (hit_specs->len > 0)
    {
      g_array_sort (hit_specs, compare_spec);
      const gint64 *specs = (const gint64 *) (gpointer) hit_specs->data;
      stats->specs_hit = 1;
      for (guint i = 1; i < hit_specs->len; i++)
        stats->specs_hit += specs[i] != specs[i - 1];
    }
  return stats;
}

typedef struct {
  LscSeriesIndex *index;
  double t0_ns, t1_ns;
} ComputeData;

static void
compute_data_free (ComputeData *data)
{
  lsc_series_index_unref (data->index);
  g_free (data);
}

static void
compute_thread (GTask *task, gpointer source G_GNUC_UNUSED, gpointer task_data, GCancellable *cancellable)
{
  ComputeData *data = task_data;
  LscSelectionStats *stats = lsc_selection_stats_compute (data->index, data->t0_ns, data->t1_ns, cancellable);
  if (stats == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  else
    g_task_return_pointer (task, stats, g_free);
}

void
lsc_selection_stats_compute_async (LscSeriesIndex *index, double t0_ns, double t1_ns, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (index != NULL);

  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, lsc_selection_stats_compute_async);
  ComputeData *data = g_new0 (ComputeData, 1);
  data->index = lsc_series_index_ref (index);
  data->t0_ns = t0_ns;
  data->t1_ns = t1_ns;
  g_task_set_task_data (task, data, (GDestroyNotify) compute_data_free);
  g_task_run_in_thread (task, compute_thread);
  g_object_unref (task);
}

LscSelectionStats *
lsc_selection_stats_compute_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
