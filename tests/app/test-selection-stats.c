/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-selection-stats.c — unit suite for a timeline selection's statistics
 * (src/app/core/lsc-selection-stats.c), headless: on synthetic launches out of time order,
 * with every path, outcome and a few fallback reasons, each range's counts, percentiles,
 * fallbacks, specs hit and compiles equal a reference that scans the raw series with none of
 * the index's machinery; compile launches stay off the per-path index and on the compile list;
 * the worker-thread variant gives the same answer and keeps the index alive; a cancelled one
 * gives none.
 */
#include <check.h>
#include <stdlib.h>

#include "lsc-selection-stats.h"

#define N_LAUNCHES 20000

/* A deterministic series: paths, outcomes, reasons and specs from a small LCG, times mostly
 * rising with jitter (threads interleave), compile launches tens of ms long. */
static LscSeries *
make_series (gsize n, guint32 seed)
{
  LscSeries *s = lsc_series_new (n, TRUE);
  guint32 x = seed;
#define NEXT() (x = x * 1664525u + 1013904223u, x >> 8)
  for (gsize i = 0; i < n; i++)
    {
      guint32 r = NEXT ();
      s->t_ns[i] = (guint64) i * 1000 + (NEXT () % 3000); /* out of order by up to 3 launches */
      s->path[i] = (guint8) (r % 100 < 60 ? 0 : r % 100 < 85 ? 1 : r % 100 < 97 ? 2 : 3);
      s->value_ns[i] = 3000 + NEXT () % 9000;
      s->outcome[i] = (guint8) (NEXT () % 4);
      s->reason[i] = s->outcome[i] == LSC_CHART_OUTCOME_FALLBACK ? (guint8) (1 + NEXT () % 9) : 0;
      s->spec_id[i] = NEXT () % 10 == 0 ? -1 : (gint64) (NEXT () % 40);
      s->kernel_id[i] = (gint64) (NEXT () % 4);
      if (s->outcome[i] == LSC_CHART_OUTCOME_MISS && NEXT () % 50 != 0)
        s->outcome[i] = LSC_CHART_OUTCOME_HIT; /* misses are rare */
      if (s->outcome[i] == LSC_CHART_OUTCOME_MISS)
        s->value_ns[i] = 20000000 + NEXT () % 80000000;
    }
#undef NEXT
  return s;
}

static int
compare_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return (x > y) - (x < y);
}

/* Nearest rank written out: the ceil(p/100 · n)-th smallest, 1-based. */
static guint32
reference_percentile (const guint32 *sorted, gsize n, guint p)
{
  gsize rank = (p * n + 99) / 100;
  return sorted[MAX (rank, 1) - 1];
}

/* The statistics by one plain pass over the raw series. */
static void
reference_stats (const LscSeries *s, double t0, double t1, LscSelectionStats *ref)
{
  guint32 *values[LSC_CHART_N_PATHS];
  gsize counts[LSC_CHART_N_PATHS] = { 0 };
  gboolean spec_hit[64] = { FALSE };

  memset (ref, 0, sizeof *ref);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    values[p] = g_new (guint32, s->n);
  for (gsize i = 0; i < s->n; i++)
    {
      double t = (double) s->t_ns[i];
      if (t < t0 || t >= t1 || s->path[i] >= LSC_CHART_N_PATHS)
        continue;
      values[s->path[i]][counts[s->path[i]]++] = s->value_ns[i];
      ref->launches++;
      if (s->outcome[i] == LSC_CHART_OUTCOME_HIT)
        {
          ref->hits++;
          if (s->spec_id[i] >= 0)
            spec_hit[s->spec_id[i]] = TRUE;
        }
      else if (s->outcome[i] == LSC_CHART_OUTCOME_FALLBACK)
        {
          ref->fallbacks++;
          ref->fallbacks_by_reason[s->reason[i]]++;
        }
      else if (s->outcome[i] == LSC_CHART_OUTCOME_MISS)
        {
          ref->compiles++;
          ref->compile_max_ns = MAX (ref->compile_max_ns, s->value_ns[i]);
        }
    }
  for (guint k = 0; k < G_N_ELEMENTS (spec_hit); k++)
    ref->specs_hit += spec_hit[k];
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      qsort (values[p], counts[p], sizeof (guint32), compare_u32);
      ref->paths[p].count = counts[p];
      if (counts[p] > 0)
        {
          ref->paths[p].p50_ns = reference_percentile (values[p], counts[p], 50);
          ref->paths[p].p90_ns = reference_percentile (values[p], counts[p], 90);
          ref->paths[p].p99_ns = reference_percentile (values[p], counts[p], 99);
        }
      g_free (values[p]);
    }
}

static void
assert_stats_equal (const LscSelectionStats *got, const LscSelectionStats *ref)
{
  ck_assert_uint_eq (got->launches, ref->launches);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      ck_assert_uint_eq (got->paths[p].count, ref->paths[p].count);
      ck_assert_uint_eq (got->paths[p].p50_ns, ref->paths[p].p50_ns);
      ck_assert_uint_eq (got->paths[p].p90_ns, ref->paths[p].p90_ns);
      ck_assert_uint_eq (got->paths[p].p99_ns, ref->paths[p].p99_ns);
    }
  ck_assert_uint_eq (got->fallbacks, ref->fallbacks);
  for (guint r = 0; r < LSC_SELECTION_N_REASONS; r++)
    ck_assert_uint_eq (got->fallbacks_by_reason[r], ref->fallbacks_by_reason[r]);
  ck_assert_uint_eq (got->hits, ref->hits);
  ck_assert_uint_eq (got->specs_hit, ref->specs_hit);
  ck_assert_uint_eq (got->compiles, ref->compiles);
  ck_assert_uint_eq (got->compile_max_ns, ref->compile_max_ns);
}

START_TEST (test_stats_match_reference)
{
  g_autoptr (LscSeriesIndex) index = lsc_series_index_new (make_series (N_LAUNCHES, 7));
  const LscSeries *s = lsc_series_index_get_series (index);
  /* whole, empty, a sliver, one launch wide, halves, and ranges reaching past either end */
  const double ranges[][2] = {
    { 0, 1e12 }, { 5e6, 5e6 + 1 }, { 1234567, 1236000 }, { 0, 10e6 }, { 10e6, 25e6 },
    { 3.3e6, 17.7e6 }, { -1e6, 2e6 }, { 19e6, 40e6 }, { 30e6, 40e6 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (ranges); k++)
    {
      LscSelectionStats ref;
      reference_stats (s, ranges[k][0], ranges[k][1], &ref);
      g_autofree LscSelectionStats *got = lsc_selection_stats_compute (index, ranges[k][0], ranges[k][1], NULL);
      ck_assert_ptr_nonnull (got);
      ck_assert_double_eq (got->t0_ns, ranges[k][0]);
      ck_assert_double_eq (got->t1_ns, ranges[k][1]);
      assert_stats_equal (got, &ref);
    }

  /* the whole range holds every launch, several paths, fallbacks and compiles: the cases above
   * were not vacuous */
  g_autofree LscSelectionStats *all = lsc_selection_stats_compute (index, 0, 1e12, NULL);
  ck_assert_uint_eq (all->launches, N_LAUNCHES);
  ck_assert_uint_gt (all->paths[LSC_CHART_PATH_GRAPH].count, 0);
  ck_assert_uint_gt (all->fallbacks, 0);
  ck_assert_uint_gt (all->compiles, 10);
  ck_assert_uint_gt (all->specs_hit, 30);
  ck_assert_uint_ge (all->compile_max_ns, 20000000);

  /* a range around one compile launch: it counts on its path, in the percentiles too */
  gsize n_compiles;
  const LscCompileLaunch *c = lsc_series_index_get_compiles (index, &n_compiles);
  double t = (double) c[n_compiles / 2].t_ns;
  g_autofree LscSelectionStats *one = lsc_selection_stats_compute (index, t, t + 1, NULL);
  ck_assert_uint_ge (one->compiles, 1);
  ck_assert_uint_ge (one->paths[c[n_compiles / 2].path].p99_ns, 20000000);
}
END_TEST

START_TEST (test_compiles_kept_apart)
{
  g_autoptr (LscSeriesIndex) index = lsc_series_index_new (make_series (N_LAUNCHES, 11));
  const LscSeries *s = lsc_series_index_get_series (index);
  gsize n_compiles, misses = 0, indexed = 0;
  const LscCompileLaunch *compiles = lsc_series_index_get_compiles (index, &n_compiles);

  for (gsize i = 0; i < s->n; i++)
    misses += s->outcome[i] == LSC_CHART_OUTCOME_MISS;
  ck_assert_uint_gt (misses, 0);
  ck_assert_uint_eq (n_compiles, misses);
  for (gsize c = 0; c < n_compiles; c++)
    {
      ck_assert_uint_eq (s->outcome[compiles[c].member], LSC_CHART_OUTCOME_MISS);
      ck_assert_uint_eq (s->t_ns[compiles[c].member], compiles[c].t_ns);
      ck_assert_uint_eq (s->value_ns[compiles[c].member], compiles[c].value_ns);
      ck_assert_uint_eq (s->path[compiles[c].member], compiles[c].path);
      if (c > 0)
        ck_assert_uint_le (compiles[c - 1].t_ns, compiles[c].t_ns);
    }
  /* no path's index holds a compile launch: its columns' maximum stays µs-scale */
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      const LscMinMaxIndex *idx = lsc_series_index_get_path (index, p);
      if (idx == NULL)
        continue;
      indexed += lsc_min_max_index_get_n (idx);
      LscColumn col;
      lsc_min_max_index_query (idx, 0, lsc_min_max_index_get_n (idx), &col);
      ck_assert_uint_lt (col.max, 20000000);
    }
  ck_assert_uint_eq (indexed + n_compiles, s->n);
  /* the extent still reaches the compiles */
  guint32 v_max;
  ck_assert (lsc_series_index_get_extent (index, NULL, NULL, NULL, &v_max));
  ck_assert_uint_ge (v_max, 20000000);
  /* lower bound over the compile list */
  ck_assert_uint_eq (lsc_series_index_compile_lower_bound (index, 0), 0);
  ck_assert_uint_eq (lsc_series_index_compile_lower_bound (index, 1e18), n_compiles);
  ck_assert_uint_eq (lsc_series_index_compile_lower_bound (index, (double) compiles[n_compiles - 1].t_ns),
                     n_compiles - 1 - (n_compiles > 1 && compiles[n_compiles - 2].t_ns == compiles[n_compiles - 1].t_ns));
}
END_TEST

typedef struct {
  GMainLoop *loop;
  LscSelectionStats *stats;
  GError *error;
} AsyncState;

static void
computed_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncState *state = data;
  (void) source;
  state->stats = lsc_selection_stats_compute_finish (result, &state->error);
  g_main_loop_quit (state->loop);
}

START_TEST (test_async_matches_and_holds_the_index)
{
  LscSeriesIndex *index = lsc_series_index_new (make_series (N_LAUNCHES, 3));
  g_autofree LscSelectionStats *sync = lsc_selection_stats_compute (index, 2e6, 15e6, NULL);
  AsyncState state = { g_main_loop_new (NULL, FALSE), NULL, NULL };

  lsc_selection_stats_compute_async (index, 2e6, 15e6, NULL, computed_cb, &state);
  lsc_series_index_unref (index); /* the worker keeps its own reference */
  g_main_loop_run (state.loop);
  ck_assert_ptr_null (state.error);
  ck_assert_ptr_nonnull (state.stats);
  assert_stats_equal (state.stats, sync);
  g_free (state.stats);

  /* cancelled before it ran: no statistics, and the error says so */
  index = lsc_series_index_new (make_series (N_LAUNCHES, 3));
  GCancellable *cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  state.stats = NULL;
  lsc_selection_stats_compute_async (index, 0, 1e12, cancellable, computed_cb, &state);
  lsc_series_index_unref (index);
  g_main_loop_run (state.loop);
  ck_assert_ptr_null (state.stats);
  ck_assert (g_error_matches (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&state.error);
  g_object_unref (cancellable);
  g_main_loop_unref (state.loop);
}
END_TEST

static Suite *
selection_stats_suite (void)
{
  Suite *s = suite_create ("selection-stats");
  TCase *tc = tcase_create ("stats");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_stats_match_reference);
  tcase_add_test (tc, test_compiles_kept_apart);
  tcase_add_test (tc, test_async_matches_and_holds_the_index);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (selection_stats_suite ());
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
