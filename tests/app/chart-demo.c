/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * chart-demo.c — shows the three chart widgets with synthetic launches (a recording of a
 * million launches with debug, alignment and skip toggles mid-run), for looking at them,
 * screenshots and timing, without a report or a GPU.
 *
 *   chart-demo [--n=N] [--dark] [--log] [--cdf] [--mean] [--per-kernel] [--live] [--empty]
 *              [--width=PX --height=PX] [--screenshot=FILE [--screenshot-delay=MS]]
 *              [--export-dir=DIR] [--check] [--bench]
 *
 * --screenshot renders the window itself to a PNG (TOOLCHAIN.md §6.1) and quits;
 * --export-dir writes each chart's own PNG through lsc_*_chart_save_png() from fresh widgets
 * that were never put in a window; --check then verifies each PNG (expected size, not blank)
 * and makes the exit status say so, which is how the ui suite runs it; --bench prints
 * data-load and frame-build times.
 */
#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lsc-distribution-chart.h"
#include "lsc-overhead-chart.h"
#include "lsc-stage-chart.h"

static struct {
  gint64 n;
  gboolean dark, log, cdf, mean, per_kernel, live, empty, bench, check;
  char *screenshot, *export_dir;
  int delay_ms, width, height;
} opt = { .n = 1000000, .delay_ms = 500, .width = 1280, .height = 800 };

static int exit_status = 0;

/* --check: a PNG must exist at the expected size and not be blank (a chart has text, lines
 * and fills in many shades; a blank or failed render has a handful of colours). */
static void
check_png (const char *path, int want_w, int want_h)
{
  GError *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_filename (path, &error);
  if (texture == NULL)
    {
      printf ("FAIL: %s: %s\n", path, error->message);
      g_error_free (error);
      exit_status = 1;
      return;
    }
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  guint32 *pixels = g_new (guint32, (gsize) w * h);
  gdk_texture_download (texture, (guchar *) pixels, (gsize) w * 4);
  GHashTable *colours = g_hash_table_new (NULL, NULL);
  for (gsize i = 0; i < (gsize) w * h && g_hash_table_size (colours) < 100000; i++)
    g_hash_table_add (colours, GUINT_TO_POINTER (pixels[i]));
  guint n = g_hash_table_size (colours);
  gboolean ok = w == want_w && h == want_h && n >= 64;
  printf ("%s: %s %d×%d (expected %d×%d), %u colours\n", ok ? "ok" : "FAIL", path, w, h, want_w, want_h, n);
  if (!ok)
    exit_status = 1;
  g_hash_table_destroy (colours);
  g_free (pixels);
  g_object_unref (texture);
}

typedef struct {
  GtkWidget *window;
  LscOverheadChart *overhead;
  LscDistributionChart *distribution;
  LscStageChart *stages;
  /* live mode */
  GRand *rand;
  guint64 live_t;
  guint64 live_i;
  guint live_source;
} Demo;

#define RAW_FLOOR_NS 1650.0

/* --- Synthetic data ----------------------------------------------------------------------- */

/* About N(0, 1) from the sum of uniforms: plenty for jitter. */
static double
gauss (GRand *r)
{
  double s = 0;
  for (int i = 0; i < 6; i++)
    s += g_rand_double (r);
  return (s - 3.0) / sqrt (0.5);
}

typedef struct {
  guint64 t;
  guint32 v;
  guint8 path, outcome, reason;
  gint64 spec;
} Launch;

/* Launch i of n, following the toggles: debug on over [25 %, 40 %), alignment offset from
 * 55 %, skip switch on over [70 %, 85 %).  The fast path is about 1.9 µs, the baseline 5.4 µs,
 * the raw driver floor 1.65 µs; rare spikes, a compile at each new spec, one 100× outlier. */
static Launch
synth_launch (GRand *r, guint64 i, guint64 n, guint64 *t)
{
  Launch l = { 0 };
  double f = (double) i / n;
  gboolean raw_phase = f < 0.02;
  gboolean debug = f >= 0.25 && f < 0.40;
  gboolean offset = f >= 0.55;
  gboolean skip = f >= 0.70 && f < 0.85;
  gboolean fast_attempt = !raw_phase && (i % 2 == 0);
  double base;

  if (raw_phase)
    {
      l.path = LSC_CHART_PATH_RAW;
      l.outcome = 3;
      base = RAW_FLOOR_NS;
      l.spec = -1;
    }
  else if (fast_attempt && !skip)
    {
      l.path = LSC_CHART_PATH_FAST;
      l.outcome = 0;
      base = 1900 + (debug ? 450 : 0) + (offset ? 180 : 0);
      l.spec = 1 + (debug ? 1 : 0) + (offset ? 2 : 0);
    }
  else
    {
      l.path = LSC_CHART_PATH_DEFAULT;
      l.outcome = fast_attempt ? 2 : 3;
      l.reason = fast_attempt ? 3 : 0; /* skip-switch */
      base = 5400 + (debug ? 600 : 0);
      l.spec = -1;
    }

  double v = base * exp (0.07 * gauss (r));
  if (g_rand_int_range (r, 0, 4000) == 0)
    v *= g_rand_double_range (r, 4, 30); /* preemption, page faults */
  /* The first fast launch of each new spec compiles. */
  static const double toggles[] = { 0.02, 0.25, 0.40, 0.55 };
  for (guint k = 0; k < G_N_ELEMENTS (toggles); k++)
    if (fast_attempt && i == (guint64) (toggles[k] * n) + (((guint64) (toggles[k] * n)) % 2))
      {
        v = 180000 + g_rand_double_range (r, 0, 40000);
        l.outcome = 1;
      }
  if (i == n * 62 / 100)
    v = base * 100; /* the outlier the downsampling must keep */

  l.v = (guint32) MIN (v, G_MAXUINT32);
  *t += l.v + 9000 + (guint64) g_rand_int_range (r, 0, 6000); /* the kernel and the loop */
  l.t = *t;
  return l;
}

static LscSeries *
make_series (guint64 n)
{
  LscSeries *s = lsc_series_new (n, TRUE);
  GRand *r = g_rand_new_with_seed (2026);
  guint64 t = 0;
  for (guint64 i = 0; i < n; i++)
    {
      Launch l = synth_launch (r, i, n, &t);
      s->t_ns[i] = l.t;
      s->value_ns[i] = l.v;
      s->path[i] = l.path;
      s->outcome[i] = l.outcome;
      s->reason[i] = l.reason;
      s->spec_id[i] = l.spec;
    }
  g_rand_free (r);
  return s;
}

static void
make_markers (const LscSeries *s, LscChartMarker *markers, char **texts)
{
  static const struct {
    double f;
    const char *what;
  } toggles[] = { { 0.25, "debug on" }, { 0.40, "debug off" }, { 0.55, "alignment offset" },
                  { 0.70, "skip on" }, { 0.85, "skip off" } };
  for (guint k = 0; k < G_N_ELEMENTS (toggles); k++)
    {
      gsize i = (gsize) (toggles[k].f * s->n);
      /* As the recorder words toggle events; the chart shows the label part. */
      g_autofree char *event = g_strdup_printf ("%s at launch %zu", toggles[k].what, i);
      texts[k] = lsc_chart_marker_label (event);
      markers[k] = (LscChartMarker) { s->t_ns[MIN (i, s->n - 1)], texts[k] };
    }
}

static const char *const kernels[] = { "saxpy", "reduce_sum<float, 256>", "stencil_2d" };

static guint
make_stage_rows (LscStageSummary *rows, gboolean per_kernel)
{
  /* Typical default-path stage costs in ns; launch (cuLaunchKernel itself) dominates. */
  static const double base[LSC_STAGE_COUNT] = { 310, 880, 640, 420, 560, 260, 380, 1750 };
  static const double kernel_scale[3][LSC_STAGE_COUNT] = {
    { 1, 0.7, 0.8, 0.8, 1, 0.6, 0.8, 1 },
    { 1, 1.3, 1.2, 1.1, 1, 1.4, 1.2, 1.05 },
    { 1, 1.8, 1.5, 1.6, 1, 2.2, 1.4, 1.1 },
  };
  GRand *r = g_rand_new_with_seed (7);
  guint n_rows = 0;
  gsize counts[3] = { 90000, 54000, 36000 }, total = 0;
  for (guint k = 0; k < 3; k++)
    total += counts[k];
  guint32 *all = g_new (guint32, total * LSC_STAGE_COUNT);

  gsize row = 0;
  for (guint k = 0; k < 3; k++)
    for (gsize i = 0; i < counts[k]; i++, row++)
      for (guint s = 0; s < LSC_STAGE_COUNT; s++)
        {
          double v = base[s] * kernel_scale[k][s] * exp (0.12 * gauss (r));
          if (g_rand_int_range (r, 0, 500) == 0)
            v *= 8; /* tails move the mean, not the median */
          all[row * LSC_STAGE_COUNT + s] = (guint32) v;
        }

  rows[n_rows] = (LscStageSummary) { .label = NULL };
  lsc_stage_summary_compute (all, total, &rows[n_rows++]);
  if (per_kernel)
    for (guint k = 0, first = 0; k < 3; first += counts[k], k++)
      {
        rows[n_rows] = (LscStageSummary) { .label = (char *) kernels[k] };
        lsc_stage_summary_compute (all + (gsize) first * LSC_STAGE_COUNT, counts[k], &rows[n_rows++]);
      }
  g_free (all);
  g_rand_free (r);
  return n_rows;
}

/* Loads the synthetic report into the charts, timing each step for --bench. */
static void
load_data (LscOverheadChart *overhead, LscDistributionChart *distribution, LscStageChart *stages)
{
  if (opt.empty)
    return;

  gint64 t0 = g_get_monotonic_time ();
  LscSeries *series = make_series (opt.n);
  gint64 t1 = g_get_monotonic_time ();
  if (distribution)
    lsc_distribution_chart_set_series (distribution, series);
  gint64 t2 = g_get_monotonic_time ();

  LscChartMarker markers[5];
  char *texts[5];
  make_markers (series, markers, texts);
  if (overhead)
    {
      lsc_overhead_chart_set_markers (overhead, markers, 5);
      lsc_overhead_chart_set_raw_floor (overhead, RAW_FLOOR_NS);
      lsc_overhead_chart_set_series (overhead, series); /* takes it */
    }
  else
    lsc_series_free (series);
  gint64 t3 = g_get_monotonic_time ();
  for (int i = 0; i < 5; i++)
    g_free (texts[i]);

  if (stages)
    {
      LscStageSummary rows[4];
      guint n = make_stage_rows (rows, opt.per_kernel);
      lsc_stage_chart_set_rows (stages, rows, n);
    }
  if (distribution)
    lsc_distribution_chart_set_raw_floor (distribution, RAW_FLOOR_NS);

  if (opt.bench)
    printf ("bench: synthesize %" G_GINT64_FORMAT " launches %.1f ms; distributions (4 paths, sort) %.1f ms; "
            "overhead index %.1f ms\n",
            opt.n, (t1 - t0) / 1e3, (t2 - t1) / 1e3, (t3 - t2) / 1e3);
}

/* --- Live mode ---------------------------------------------------------------------------- */

static gboolean
live_feed (gpointer user_data)
{
  Demo *demo = user_data;
  /* About 120k launches a second, as a busy recording delivers them. */
  for (int k = 0; k < 2000; k++, demo->live_i++)
    {
      Launch l = synth_launch (demo->rand, demo->live_i % 2000000, 2000000, &demo->live_t);
      lsc_overhead_chart_append (demo->overhead, l.t, l.v, l.path);
    }
  return G_SOURCE_CONTINUE;
}

/* --- Window ------------------------------------------------------------------------------- */

static GtkWidget *
section (const char *title, GtkWidget *chart, GtkWidget *extra)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *head = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (title);

  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (head), label);
  if (extra)
    gtk_box_append (GTK_BOX (head), extra);
  gtk_box_append (GTK_BOX (box), head);

  GtkWidget *frame = gtk_frame_new (NULL);
  gtk_widget_set_vexpand (chart, TRUE);
  gtk_widget_set_hexpand (chart, TRUE);
  gtk_frame_set_child (GTK_FRAME (frame), chart);
  gtk_widget_set_vexpand (frame, TRUE);
  gtk_box_append (GTK_BOX (box), frame);
  return box;
}

static GtkWidget *
check (const char *label, GObject *target, const char *property)
{
  GtkWidget *button = gtk_check_button_new_with_label (label);
  g_object_bind_property (target, property, button, "active", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  return button;
}

static gboolean
mode_to_active (GBinding *b G_GNUC_UNUSED, const GValue *from, GValue *to, gpointer user_data G_GNUC_UNUSED)
{
  g_value_set_boolean (to, g_value_get_enum (from) != 0);
  return TRUE;
}

static gboolean
active_to_mode (GBinding *b G_GNUC_UNUSED, const GValue *from, GValue *to, gpointer user_data G_GNUC_UNUSED)
{
  g_value_set_enum (to, g_value_get_boolean (from) ? 1 : 0);
  return TRUE;
}

static GtkWidget *
enum_check (const char *label, GObject *target, const char *property)
{
  GtkWidget *button = gtk_check_button_new_with_label (label);
  g_object_bind_property_full (target, property, button, "active", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               mode_to_active, active_to_mode, NULL, NULL);
  return button;
}

static gboolean
take_screenshot (gpointer user_data)
{
  Demo *demo = user_data;
  GtkWidget *win = demo->window;
  int w = gtk_widget_get_width (win), h = gtk_widget_get_height (win);

  if (w <= 0 || h <= 0)
    return G_SOURCE_CONTINUE; /* not laid out yet */

  GdkPaintable *paintable = gtk_widget_paintable_new (win);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (win));
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_autofree char *dir = g_path_get_dirname (opt.screenshot);
  g_mkdir_with_parents (dir, 0755);
  if (!gdk_texture_save_to_png (texture, opt.screenshot))
    {
      g_printerr ("chart-demo: could not write %s\n", opt.screenshot);
      exit_status = 1;
    }
  else
    {
      printf ("screenshot: %s (%d×%d, %s)\n", opt.screenshot, w, h, G_OBJECT_TYPE_NAME (renderer));
      if (opt.check)
        check_png (opt.screenshot, opt.width, opt.height);
    }
  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
  g_clear_handle_id (&demo->live_source, g_source_remove);
  gtk_window_destroy (GTK_WINDOW (win));
  return G_SOURCE_REMOVE;
}

/* Runs the widget's snapshot vfunc into a throwaway snapshot: the frame's CPU cost (node
 * building, downsampling, text layout) without GPU rasterisation. */
static double
time_snapshot (GtkWidget *widget)
{
  gint64 s = g_get_monotonic_time ();
  GtkSnapshot *snap = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snap);
  GskRenderNode *node = gtk_snapshot_free_to_node (snap);
  double ms = (g_get_monotonic_time () - s) / 1e3;
  g_clear_pointer (&node, gsk_render_node_unref);
  return ms;
}

/* Times each chart's frame: a full build (a property toggled, so the cached node is dropped)
 * and a replay of the cached node (what a hover redraw costs). */
static gboolean
run_bench (gpointer user_data)
{
  Demo *demo = user_data;
  GtkWidget *charts[] = { GTK_WIDGET (demo->overhead), GTK_WIDGET (demo->distribution), GTK_WIDGET (demo->stages) };
  const char *names[] = { "overhead", "distribution", "stages" };

  if (gtk_widget_get_width (charts[0]) <= 0)
    return G_SOURCE_CONTINUE;
  for (guint c = 0; c < G_N_ELEMENTS (charts); c++)
    {
      double total = 0, cached = 0;
      int reps = 20;
      for (int i = 0; i < reps; i++)
        {
          if (c == 0)
            lsc_overhead_chart_set_log_scale (demo->overhead, !lsc_overhead_chart_get_log_scale (demo->overhead));
          else if (c == 1)
            lsc_distribution_chart_set_log_x (demo->distribution,
                                              !lsc_distribution_chart_get_log_x (demo->distribution));
          else
            lsc_stage_chart_set_statistic (demo->stages, !lsc_stage_chart_get_statistic (demo->stages));
          total += time_snapshot (charts[c]);
          cached += time_snapshot (charts[c]);
        }
      printf ("bench: %s chart %d×%d: frame build %.2f ms, cached replay %.3f ms\n", names[c],
              gtk_widget_get_width (charts[c]), gtk_widget_get_height (charts[c]), total / reps, cached / reps);
    }

  /* Zoomed in to 1 % and to 0.01 % of the recording. */
  double t0, t1;
  if (lsc_overhead_chart_get_visible_range (demo->overhead, &t0, &t1))
    {
      static const double spans[] = { 0.01, 0.0001 };
      for (guint k = 0; k < G_N_ELEMENTS (spans); k++)
        {
          lsc_overhead_chart_set_visible_range (demo->overhead, t0 + (t1 - t0) * 0.6,
                                                t0 + (t1 - t0) * (0.6 + spans[k]));
          printf ("bench: overhead chart zoomed to %g%%: frame build %.2f ms\n", spans[k] * 100,
                  time_snapshot (charts[0]));
        }
      lsc_overhead_chart_reset_zoom (demo->overhead);
    }
  gtk_window_destroy (GTK_WINDOW (demo->window));
  return G_SOURCE_REMOVE;
}

static void
export_pngs (void)
{
  /* Fresh widgets never placed in a window: save_png must not need one. */
  LscOverheadChart *o = g_object_ref_sink (LSC_OVERHEAD_CHART (lsc_overhead_chart_new ()));
  LscDistributionChart *d = g_object_ref_sink (LSC_DISTRIBUTION_CHART (lsc_distribution_chart_new ()));
  LscStageChart *s = g_object_ref_sink (LSC_STAGE_CHART (lsc_stage_chart_new ()));
  GError *error = NULL;

  lsc_overhead_chart_set_log_scale (o, opt.log);
  lsc_distribution_chart_set_mode (d, opt.cdf ? LSC_DISTRIBUTION_MODE_CDF : LSC_DISTRIBUTION_MODE_HISTOGRAM);
  lsc_distribution_chart_set_log_x (d, opt.log);
  lsc_stage_chart_set_statistic (s, opt.mean ? LSC_STAGE_STATISTIC_MEAN : LSC_STAGE_STATISTIC_MEDIAN);
  load_data (o, d, s);

  const char *names[] = { "overhead.png", "distribution.png", "stages.png" };
  const int sizes[][2] = { { 1200, 420 }, { 800, 420 }, { 800, opt.per_kernel ? 360 : 220 } };
  g_mkdir_with_parents (opt.export_dir, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (opt.export_dir, names[i], NULL);
      int w = sizes[i][0], h = sizes[i][1];
      gboolean ok = i == 0   ? lsc_overhead_chart_save_png (o, path, w, h, &error)
                    : i == 1 ? lsc_distribution_chart_save_png (d, path, w, h, &error)
                             : lsc_stage_chart_save_png (s, path, w, h, &error);
      if (!ok)
        {
          g_printerr ("chart-demo: %s\n", error->message);
          g_clear_error (&error);
          exit_status = 1;
        }
      else
        {
          printf ("exported: %s\n", path);
          if (opt.check)
            check_png (path, w, h);
        }
    }
  g_object_unref (o);
  g_object_unref (d);
  g_object_unref (s);
}

static void
activate (GtkApplication *app, gpointer user_data)
{
  Demo *demo = user_data;

  if (opt.dark)
    g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);

  if (opt.export_dir)
    {
      export_pngs ();
      if (!opt.screenshot && !opt.bench)
        return;
    }

  demo->window = gtk_application_window_new (app);
  gtk_window_set_title (GTK_WINDOW (demo->window), "Launchscope charts");
  gtk_window_set_default_size (GTK_WINDOW (demo->window), opt.width, opt.height);

  demo->overhead = LSC_OVERHEAD_CHART (lsc_overhead_chart_new ());
  demo->distribution = LSC_DISTRIBUTION_CHART (lsc_distribution_chart_new ());
  demo->stages = LSC_STAGE_CHART (lsc_stage_chart_new ());
  lsc_overhead_chart_set_log_scale (demo->overhead, opt.log);
  lsc_distribution_chart_set_log_x (demo->distribution, opt.log);
  lsc_distribution_chart_set_mode (demo->distribution,
                                   opt.cdf ? LSC_DISTRIBUTION_MODE_CDF : LSC_DISTRIBUTION_MODE_HISTOGRAM);
  lsc_stage_chart_set_statistic (demo->stages, opt.mean ? LSC_STAGE_STATISTIC_MEAN : LSC_STAGE_STATISTIC_MEDIAN);

  if (opt.live)
    {
      demo->rand = g_rand_new_with_seed (99);
      lsc_overhead_chart_set_raw_floor (demo->overhead, RAW_FLOOR_NS);
      demo->live_source = g_timeout_add (16, live_feed, demo);
      lsc_stage_chart_set_rows (demo->stages, NULL, 0);
    }
  else
    load_data (demo->overhead, demo->distribution, demo->stages);

  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 18);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 18);
  gtk_widget_set_margin_start (grid, 18);
  gtk_widget_set_margin_end (grid, 18);
  gtk_widget_set_margin_top (grid, 18);
  gtk_widget_set_margin_bottom (grid, 18);

  GtkWidget *log = check (_("Log scale"), G_OBJECT (demo->overhead), "log-scale");
  GtkWidget *overhead = section (_("Host overhead per launch"), GTK_WIDGET (demo->overhead), log);
  gtk_widget_set_size_request (overhead, -1, 300);
  gtk_grid_attach (GTK_GRID (grid), overhead, 0, 0, 2, 1);

  GtkWidget *dist_opts = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_append (GTK_BOX (dist_opts), enum_check (_("CDF"), G_OBJECT (demo->distribution), "mode"));
  gtk_box_append (GTK_BOX (dist_opts), check (_("Log scale"), G_OBJECT (demo->distribution), "log-x"));
  gtk_grid_attach (GTK_GRID (grid), section (_("Distribution per path"), GTK_WIDGET (demo->distribution), dist_opts),
                   0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid),
                   section (_("Baseline stages"), GTK_WIDGET (demo->stages),
                            enum_check (_("Mean"), G_OBJECT (demo->stages), "statistic")),
                   1, 1, 1, 1);
  gtk_widget_set_vexpand (grid, TRUE);

  gtk_window_set_child (GTK_WINDOW (demo->window), grid);
  gtk_window_present (GTK_WINDOW (demo->window));

  if (opt.bench)
    g_timeout_add (300, run_bench, demo);
  else if (opt.screenshot)
    g_timeout_add (opt.delay_ms, take_screenshot, demo);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT64, &opt.n, "Synthetic launches (default 1000000)", "N" },
    { "dark", 0, 0, G_OPTION_ARG_NONE, &opt.dark, "Prefer the dark theme", NULL },
    { "log", 0, 0, G_OPTION_ARG_NONE, &opt.log, "Log overhead axes", NULL },
    { "cdf", 0, 0, G_OPTION_ARG_NONE, &opt.cdf, "Distribution as a CDF", NULL },
    { "mean", 0, 0, G_OPTION_ARG_NONE, &opt.mean, "Stage means instead of medians", NULL },
    { "per-kernel", 0, 0, G_OPTION_ARG_NONE, &opt.per_kernel, "One stage bar per kernel", NULL },
    { "live", 0, 0, G_OPTION_ARG_NONE, &opt.live, "Feed the overhead chart live", NULL },
    { "empty", 0, 0, G_OPTION_ARG_NONE, &opt.empty, "No data: the empty states", NULL },
    { "bench", 0, 0, G_OPTION_ARG_NONE, &opt.bench, "Print load and frame times, then quit", NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &opt.check, "Check the PNGs written (size, not blank); exit 1 if not", NULL },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &opt.screenshot, "Write the window to a PNG and quit", "FILE" },
    { "width", 0, 0, G_OPTION_ARG_INT, &opt.width, "Window width (1280)", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &opt.height, "Window height (800)", "PX" },
    { "screenshot-delay", 0, 0, G_OPTION_ARG_INT, &opt.delay_ms, "Delay before the screenshot (500)", "MS" },
    { "export-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.export_dir, "Save each chart's PNG into DIR", "DIR" },
    { NULL },
  };
  GError *error = NULL;
  GOptionContext *context = g_option_context_new ("— Launchscope chart widgets with synthetic data");

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("chart-demo: %s\n", error->message);
      return 2;
    }
  g_option_context_free (context);
  if (opt.n < 1)
    opt.n = 1;

  Demo demo = { 0 };
  /* NON_UNIQUE: a screenshot run must never hand itself to another instance (TOOLCHAIN §6.2). */
  GtkApplication *app = gtk_application_new ("org.launchscope.ChartDemo", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate), &demo);
  char *args[] = { argv[0], NULL };
  int status = g_application_run (G_APPLICATION (app), 1, args);
  g_object_unref (app);
  if (demo.rand)
    g_rand_free (demo.rand);
  g_free (opt.screenshot);
  g_free (opt.export_dir);
  return status != 0 ? status : exit_status;
}
