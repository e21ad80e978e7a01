/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-live-model.c — the live page's models, headless (suite unit): the chart feed (buckets,
 * time order, gaps, markers) against a plain reference, the weighted live ring, the cards'
 * texts, the --live-script parser and the kernel log annotation.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-chart-data.h"
#include "lsc-kernel-log.h"
#include "lsc-live-cards.h"
#include "lsc-live-feed.h"
#include "lsc-live-script.h"

static lsc_live_point
point (guint64 seq, guint64 t_ns, guint32 host_ns, guint8 path)
{
  return (lsc_live_point) { .seq = seq, .t_ns = t_ns, .host_ns = host_ns, .path = path, .status_ok = 1 };
}

static GArray *
take_all (LscLiveFeed *feed)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (LscLiveSample));
  LscLiveSample buf[7]; /* small: exercises the batching */
  gsize n;
  while ((n = lsc_live_feed_take (feed, buf, G_N_ELEMENTS (buf))) > 0)
    g_array_append_vals (out, buf, (guint) n);
  return out;
}

START_TEST (test_feed_buckets_match_reference)
{
  /* 200,000 launches over 2 s on two paths, with spikes, fed in uneven batches */
  enum { N = 200000 };
  lsc_live_point *pts = g_new (lsc_live_point, N);
  GRand *rand = g_rand_new_with_seed (7);
  guint64 t = 0;
  for (guint i = 0; i < N; i++)
    {
      t += g_rand_int_range (rand, 1, 20000);
      guint8 path = (i / 5000) % 3 == 2 ? 1 : 0;
      guint32 v = 1500 + g_rand_int_range (rand, 0, 500) + (i % 9973 == 0 ? 90000 : 0);
      pts[i] = point (i, t, v, path);
    }
  LscLiveFeed *feed = lsc_live_feed_new ();
  ck_assert_uint_eq (lsc_live_feed_get_after_seq (feed), G_MAXUINT64);
  for (gsize at = 0; at < N;)
    {
      gsize n = MIN ((gsize) g_rand_int_range (rand, 1, 40000), N - at);
      lsc_live_feed_add (feed, pts + at, n);
      at += n;
    }
  lsc_live_feed_flush (feed);
  ck_assert_uint_eq (lsc_live_feed_get_launches (feed), N);
  ck_assert_uint_eq (lsc_live_feed_get_missed (feed), 0);
  ck_assert_uint_eq (lsc_live_feed_get_after_seq (feed), N - 1);
  ck_assert_uint_eq (lsc_live_feed_get_last_t (feed), t);

  GArray *samples = take_all (feed);
  ck_assert_uint_lt (samples->len, N / 10); /* far fewer samples than launches */
  /* in time order (the chart's ring relies on it), counts adding up */
  guint64 total = 0;
  for (guint i = 0; i < samples->len; i++)
    {
      const LscLiveSample *s = &g_array_index (samples, LscLiveSample, i);
      if (i > 0)
        ck_assert_uint_ge (s->t_ns, g_array_index (samples, LscLiveSample, i - 1).t_ns);
      total += s->column.count;
    }
  ck_assert_uint_eq (total, N);

  /* The columns a chart draws from the samples equal the columns of the raw launches, for
   * columns at least a bucket wide: min, max (spikes survive), count and sum exactly. */
  enum { COLS = 500 };
  LscColumn *ref[LSC_CHART_N_PATHS], *got[LSC_CHART_N_PATHS];
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      ref[p] = g_new (LscColumn, COLS);
      got[p] = g_new (LscColumn, COLS);
      lsc_columns_clear (ref[p], COLS);
      lsc_columns_clear (got[p], COLS);
    }
  /* buckets are 1 ms and aligned: 2 ms columns hold whole buckets */
  double t0 = 0, t1 = COLS * 2e6;
  guint64 *ts = g_new (guint64, N);
  guint32 *vs = g_new (guint32, N);
  guint8 *ps = g_new (guint8, N);
  for (guint i = 0; i < N; i++)
    ts[i] = pts[i].t_ns, vs[i] = pts[i].host_ns, ps[i] = pts[i].path;
  lsc_downsample_min_max (ts, vs, ps, N, t0, t1, ref, COLS);
  LscRing *ring = lsc_ring_new (samples->len);
  for (guint i = 0; i < samples->len; i++)
    {
      const LscLiveSample *s = &g_array_index (samples, LscLiveSample, i);
      if (s->column.count == 1)
        lsc_ring_append (ring, s->t_ns, s->column.max, s->path);
      else
        lsc_ring_append_column (ring, s->t_ns, &s->column, s->path);
    }
  lsc_ring_downsample (ring, t0, t1, got, COLS);
  for (guint p = 0; p < 2; p++)
    for (guint c = 0; c < COLS; c++)
      {
        ck_assert_uint_eq (got[p][c].count, ref[p][c].count);
        if (!ref[p][c].count)
          continue;
        ck_assert_uint_eq (got[p][c].min, ref[p][c].min);
        ck_assert_uint_eq (got[p][c].max, ref[p][c].max);
        ck_assert (fabs (got[p][c].sum - ref[p][c].sum) < 1e-6 * ref[p][c].sum);
      }
  guint32 vmax = 0;
  lsc_ring_get_extent (ring, NULL, NULL, NULL, &vmax);
  ck_assert_uint_ge (vmax, 90000); /* the spikes */

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    g_free (ref[p]), g_free (got[p]);
  g_free (ts), g_free (vs), g_free (ps);
  lsc_ring_free (ring);
  g_array_unref (samples);
  lsc_live_feed_free (feed);
  g_rand_free (rand);
  g_free (pts);
}
END_TEST

START_TEST (test_feed_sparse_gaps_failures)
{
  LscLiveFeed *feed = lsc_live_feed_new ();
  /* sparse launches (10 ms apart) stay single launches */
  lsc_live_point a[] = { point (0, 1000, 900, 0), point (1, 10001000, 950, 0), point (2, 20001000, 990, 1) };
  lsc_live_feed_add (feed, a, 3);
  GArray *s = take_all (feed);
  ck_assert_uint_eq (s->len, 2); /* each launch closed the bucket before; the last is open */
  ck_assert_uint_eq (g_array_index (s, LscLiveSample, 0).column.count, 1);
  ck_assert_uint_eq (g_array_index (s, LscLiveSample, 0).t_ns, 1000);
  ck_assert_uint_eq (g_array_index (s, LscLiveSample, 1).column.max, 950);
  g_array_unref (s);
  lsc_live_feed_flush (feed);
  s = take_all (feed);
  ck_assert_uint_eq (s->len, 1);
  ck_assert_uint_eq (g_array_index (s, LscLiveSample, 0).path, 1);
  g_array_unref (s);

  /* a jump in seq counts as missed; old seqs are ignored; failed launches are not charted */
  lsc_live_point b[] = { point (1, 5, 1, 0), point (10, 30000000, 1000, 0), point (11, 30000100, 1200, 0) };
  b[2].status_ok = 0;
  lsc_live_feed_add (feed, b, 3);
  ck_assert_uint_eq (lsc_live_feed_get_missed (feed), 7);
  ck_assert_uint_eq (lsc_live_feed_get_launches (feed), 5);
  ck_assert_uint_eq (lsc_live_feed_get_after_seq (feed), 11);
  lsc_live_feed_flush (feed);
  s = take_all (feed);
  ck_assert_uint_eq (s->len, 1);
  ck_assert_uint_eq (g_array_index (s, LscLiveSample, 0).column.max, 1000);
  g_array_unref (s);

  /* markers */
  lsc_live_feed_add_marker (feed, lsc_live_feed_get_last_t (feed), "skip on");
  lsc_live_feed_add_marker (feed, 40000000, NULL);
  gsize n;
  const LscChartMarker *m = lsc_live_feed_get_markers (feed, &n);
  ck_assert_uint_eq (n, 2);
  ck_assert_uint_eq (m[0].t_ns, 30000100);
  ck_assert_str_eq (m[0].label, "skip on");
  ck_assert_str_eq (m[1].label, "");
  lsc_live_feed_free (feed);

  /* the bucket widens with the session */
  ck_assert_uint_eq (lsc_live_feed_bucket_ns (0), 1000000);
  ck_assert_uint_eq (lsc_live_feed_bucket_ns (60000000000ull), 6000000);
}
END_TEST

START_TEST (test_ring_weights)
{
  LscRing *ring = lsc_ring_new (4);
  lsc_ring_append (ring, 0, 100, 0);
  lsc_ring_append (ring, 10, 300, 0);
  LscColumn c = { 50, 900, 10, 4000 };
  lsc_ring_append_column (ring, 20, &c, 1);
  ck_assert_uint_eq (lsc_ring_get_count (ring, 0), 1);
  ck_assert_uint_eq (lsc_ring_get_count (ring, 2), 10);
  guint32 v;
  lsc_ring_get (ring, 2, NULL, &v, NULL);
  ck_assert_uint_eq (v, 900);
  guint32 vmin, vmax;
  ck_assert (lsc_ring_get_extent (ring, NULL, NULL, &vmin, &vmax));
  ck_assert_uint_eq (vmin, 50);
  ck_assert_uint_eq (vmax, 900);
  /* wrap: the oldest single launches go, weights stay right */
  lsc_ring_append (ring, 30, 200, 0);
  lsc_ring_append (ring, 40, 250, 0);
  ck_assert_uint_eq (lsc_ring_get_length (ring), 4);
  LscColumn col0, col1;
  lsc_columns_clear (&col0, 1);
  lsc_columns_clear (&col1, 1);
  LscColumn *cols[LSC_CHART_N_PATHS] = { &col0, &col1, NULL, NULL };
  lsc_ring_downsample (ring, 0, 100, cols, 1);
  ck_assert_uint_eq (col0.count, 3);
  ck_assert_uint_eq (col0.min, 200);
  ck_assert_uint_eq (col0.max, 300);
  ck_assert (col0.sum == 750);
  ck_assert_uint_eq (col1.count, 10);
  ck_assert (col1.sum == 4000);
  LscColumn empty = { G_MAXUINT32, 0, 0, 0 };
  lsc_ring_append_column (ring, 50, &empty, 0); /* ignored */
  ck_assert_uint_eq (lsc_ring_get_total (ring), 5);
  lsc_ring_free (ring);
}
END_TEST

START_TEST (test_cards)
{
  LscLiveCardText cards[LSC_LIVE_N_CARDS] = { 0 };
  lsc_live_snapshot s = { 0 };
  lsc_live_cards_compute (&s, cards);
  ck_assert_str_eq (cards[LSC_LIVE_CARD_RATE].value, "0");
  ck_assert_ptr_null (cards[LSC_LIVE_CARD_FAST].value);
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FAST].detail, "No recent launches on this path");
  ck_assert_ptr_null (cards[LSC_LIVE_CARD_FLOOR].value);
  ck_assert_ptr_null (cards[LSC_LIVE_CARD_ERRORS].tone);

  s.launches = 123456;
  s.launches_per_s = 45678.4;
  s.p50_ns[0] = 1520, s.p90_ns[0] = 1700, s.p99_ns[0] = 2500;
  s.p50_ns[1] = 6100, s.p90_ns[1] = 6900, s.p99_ns[1] = 9000;
  s.floor = (lsc_floor_figures){ .rounds = 12,
                                 .floor_p50_ns = 1400,
                                 .above_floor = { [FL_PATH_FAST] = { 12, 120, 90, 150 } },
                                 .observer = { 12, 8, -3, 20 } };
  s.fallbacks[FL_FALLBACK_SKIP_SWITCH] = 5000;
  s.fallbacks[FL_FALLBACK_GLOBALS_CHANGED] = 3;
  s.fallbacks[FL_FALLBACK_ARGUMENTS] = 40;
  s.errors = 2;
  snprintf (s.last_error, sizeof s.last_error, "kernel 'add4': global LSC_LIVE_GLOBAL changed from 0 to 7\nmore");
  s.recorder.rows_written = 123000;
  s.recorder.rows_dropped = 5;
  s.push_ns = 35.2;
  lsc_live_cards_compute (&s, cards);
  ck_assert_str_eq (cards[LSC_LIVE_CARD_RATE].value, "45\u202f678");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_RATE].detail, "123\u202f456 launches so far");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FAST].value, "1.52 µs");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FAST].detail, "p90 1.70 µs · p99 2.50 µs");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_BASELINE].value, "6.10 µs");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FLOOR].value, "+120 ns");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FALLBACKS].value, "5\u202f043");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FALLBACKS].detail, "skip-switch 5\u202f000 · arguments 40");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_ERRORS].detail, "kernel 'add4': global LSC_LIVE_GLOBAL changed from 0 to 7");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_ERRORS].tone, "error");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_DROPPED].value, "5");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_DROPPED].tone, "warning");
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FLOOR].detail, "Fast path above a bare cuLaunchKernel (p50 1.40 µs) of the "
                                                       "same binary, timed in this session · 95%: +90 ns to +150 ns · "
                                                       "12 rounds");
  /* an interval holding zero is noise, not a distance */
  ck_assert_str_eq (cards[LSC_LIVE_CARD_OBSERVER].value, "Within noise");
  ck_assert_ptr_nonnull (strstr (cards[LSC_LIVE_CARD_OBSERVER].detail, "push 35 ns"));
  s.floor.above_floor[FL_PATH_FAST] = (lsc_paired_estimate){ 12, -185, -240, -20 };
  lsc_live_cards_compute (&s, cards);
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FLOOR].value, "−185 ns");
  s.floor.above_floor[FL_PATH_FAST] = (lsc_paired_estimate){ 12, -185, -240, 20 };
  lsc_live_cards_compute (&s, cards);
  ck_assert_str_eq (cards[LSC_LIVE_CARD_FLOOR].value, "Within noise");
  s.floor = (lsc_floor_figures){ 0 };
  lsc_live_cards_compute (&s, cards);
  ck_assert_ptr_null (cards[LSC_LIVE_CARD_OBSERVER].value);
  ck_assert_str_eq (cards[LSC_LIVE_CARD_OBSERVER].detail, "Not measured in this session (the recorder's push alone: 35 ns)");
  lsc_live_cards_clear (cards);
  ck_assert_ptr_null (cards[0].title);

  g_autofree char *line = lsc_live_first_line ("NVRTC failed to compile kernel 'x' (NVRTC_ERROR_COMPILATION):\nx.cu(3): error");
  ck_assert_str_eq (line, "NVRTC failed to compile kernel 'x' (NVRTC_ERROR_COMPILATION)");
}
END_TEST

START_TEST (test_script)
{
  g_autoptr (GError) error = NULL;
  GArray *steps = lsc_live_script_parse ("debug@2, offset@4,skip@6,skip=off@8,global=7@9.5,pause@1,callbacks=on@1",
                                         &error);
  ck_assert_msg (steps != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (steps->len, 7);
  const LscLiveStep *s = (const LscLiveStep *) steps->data;
  ck_assert (s[0].at_s == 1 && s[0].what == LSC_LIVE_SCRIPT_PAUSE && s[0].kind == LSC_LIVE_STEP_FLIP);
  ck_assert (s[1].at_s == 1 && s[1].what == LSC_LIVE_CALLBACKS && s[1].kind == LSC_LIVE_STEP_SET && s[1].value == 1);
  ck_assert (s[2].at_s == 2 && s[2].what == LSC_LIVE_DEBUG);
  ck_assert (s[5].what == LSC_LIVE_SKIP && s[5].kind == LSC_LIVE_STEP_SET && s[5].value == 0);
  ck_assert (s[6].what == LSC_LIVE_SCRIPT_GLOBAL && s[6].value == 7 && s[6].at_s == 9.5);
  g_autofree char *d0 = lsc_live_step_describe (&s[2]);
  g_autofree char *d1 = lsc_live_step_describe (&s[5]);
  g_autofree char *d2 = lsc_live_step_describe (&s[6]);
  ck_assert_str_eq (d0, "debug flipped");
  ck_assert_str_eq (d1, "skip off");
  ck_assert_str_eq (d2, "global = 7");
  g_array_unref (steps);

  steps = lsc_live_script_parse (NULL, &error);
  ck_assert_uint_eq (steps->len, 0);
  g_array_unref (steps);
  static const char *const bad[] = { "debug", "debug@", "debug@-1", "debgu@2", "global@2", "global=x@2",
                                     "skip=maybe@1", "skip@2s" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      ck_assert_msg (lsc_live_script_parse (bad[i], &error) == NULL, "%s parsed", bad[i]);
      ck_assert (strstr (error->message, bad[i]) != NULL);
    }
}
END_TEST

START_TEST (test_kernel_log)
{
  const char *source = "// launchscope: entry=k\n// launchscope: signature=i32\nline three\n  line four  \n";
  const char *log = "k.cu(3): error: identifier \"x\" is undefined\n"
                    "k.cu(4): warning: unused\n"
                    "k.cu(3): error: again\n"
                    "\n1 error detected in the compilation of \"k.cu\".";
  guint lines[8];
  ck_assert_uint_eq (lsc_kernel_log_lines (log, lines, 8), 2);
  ck_assert_uint_eq (lines[0], 3);
  ck_assert_uint_eq (lines[1], 4);
  g_autofree char *a = lsc_kernel_log_annotate (log, source);
  ck_assert_str_eq (a, "k.cu(3): error: identifier \"x\" is undefined\n"
                       "    3 | line three\n"
                       "k.cu(4): warning: unused\n"
                       "    4 |   line four\n"
                       "k.cu(3): error: again\n"
                       "    3 | line three\n"
                       "\n1 error detected in the compilation of \"k.cu\".");
  /* the header parser's file:line: form; lines past the end and no source */
  g_autofree char *h = lsc_kernel_log_annotate ("k.cu:1: unknown key 'entyr'\nk.cu:99: nope", source);
  ck_assert_str_eq (h, "k.cu:1: unknown key 'entyr'\n    1 | // launchscope: entry=k\nk.cu:99: nope");
  g_autofree char *n = lsc_kernel_log_annotate (log, NULL);
  ck_assert_str_eq (n, log);
  ck_assert_uint_eq (lsc_kernel_log_lines ("no line numbers: here (x): y", lines, 8), 0);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("live-model");
  TCase *tc = tcase_create ("model");
  tcase_add_test (tc, test_feed_buckets_match_reference);
  tcase_add_test (tc, test_feed_sparse_gaps_failures);
  tcase_add_test (tc, test_ring_weights);
  tcase_add_test (tc, test_cards);
  tcase_add_test (tc, test_script);
  tcase_add_test (tc, test_kernel_log);
  suite_add_tcase (suite, tc);
  SRunner *runner = srunner_create (suite);
  srunner_run_all (runner, CK_ENV);
  int failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
