/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-distribution-chart.c — host overhead distribution per path (see
 * lsc-distribution-chart.h).
 *
 * Histogram bars are shares of each path's launches (so a path with ten times the launches
 * does not dwarf the others); the CDF is evaluated once per pixel column.  On a linear axis
 * the range ends just above the largest p99.5 so the bulk stays readable, and what lies
 * beyond is counted in a note; the log axis shows everything.  Drawing, hover and the
 * axis/scale choice share one set of per-pixel-column caches, which is why they stay together
 * here (about 870 lines) rather than split as the overhead chart is.
 */
#include "lsc-distribution-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-chart-draw.h"
#include "lsc-format.h"

#define PAD 12.0
#define MAX_BINS 160

G_DEFINE_ENUM_TYPE (LscDistributionMode, lsc_distribution_mode,
                    G_DEFINE_ENUM_VALUE (LSC_DISTRIBUTION_MODE_HISTOGRAM, "histogram"),
                    G_DEFINE_ENUM_VALUE (LSC_DISTRIBUTION_MODE_CDF, "cdf"))

static const LscChartPath legend_order[] = {
  LSC_CHART_PATH_FAST, LSC_CHART_PATH_DEFAULT, LSC_CHART_PATH_RAW, LSC_CHART_PATH_GRAPH,
};
static const LscChartPath draw_order[] = {
  LSC_CHART_PATH_RAW, LSC_CHART_PATH_GRAPH, LSC_CHART_PATH_DEFAULT, LSC_CHART_PATH_FAST,
};
static const double marked_percentiles[] = { 50, 90, 99 };

typedef struct {
  gboolean valid;
  graphene_rect_t plot;
  LscAxisScale x, y;
  double *edges; /* histogram bin edges of the frame, n_bins + 1 */
  guint n_bins;
} Frame;

struct _LscDistributionChart {
  GtkWidget parent_instance;

  LscDistribution *dists[LSC_CHART_N_PATHS];
  char *labels[LSC_CHART_N_PATHS]; /* NULL: the path's name */
  double raw_floor_ns;
  LscDistributionMode mode;
  gboolean log_x;

  LscChartCache cache;
  Frame frame;

  gboolean hover;
  double hover_x;
};

G_DEFINE_FINAL_TYPE (LscDistributionChart, lsc_distribution_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODE,
  PROP_LOG_X,
  PROP_RAW_FLOOR_NS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
series_label (LscDistributionChart *self, guint p)
{
  return self->labels[p] ? self->labels[p] : lsc_chart_path_label (p);
}

static gboolean
path_has_data (LscDistributionChart *self, guint p)
{
  return self->dists[p] != NULL && lsc_distribution_get_n (self->dists[p]) > 0;
}

static void
invalidate (LscDistributionChart *self)
{
  lsc_chart_cache_invalidate (&self->cache, GTK_WIDGET (self));
}

static double
x_of (const Frame *f, double value)
{
  return f->plot.origin.x + f->plot.size.width * lsc_axis_scale_normalize (&f->x, value);
}

static double
y_of (const Frame *f, double value)
{
  return f->plot.origin.y + f->plot.size.height * (1.0 - lsc_axis_scale_normalize (&f->y, value));
}

/* The overhead axis; returns the launches it leaves out on the right. */
static guint64
compute_x_scale (LscDistributionChart *self, LscAxisScale *x, guint max_ticks)
{
  double lo = G_MAXDOUBLE, hi = 0, top = 0, far = 0;
  guint64 beyond = 0;

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    if (path_has_data (self, p))
      {
        lo = MIN (lo, lsc_distribution_get_min (self->dists[p]));
        hi = MAX (hi, lsc_distribution_get_max (self->dists[p]));
        top = MAX (top, lsc_distribution_percentile (self->dists[p], 99.5));
        far = MAX (far, lsc_distribution_percentile (self->dists[p], 99.9));
      }
  if (self->raw_floor_ns > 0)
    {
      lo = MIN (lo, self->raw_floor_ns);
      top = MAX (top, self->raw_floor_ns);
      far = MAX (far, self->raw_floor_ns);
      hi = MAX (hi, self->raw_floor_ns);
    }

  x->log_scale = self->log_x;
  if (self->log_x)
    {
      /* The tail up to 10× the largest p99.9; a few launches that took a second (a module
       * load, a compile) would otherwise squeeze the whole distribution into one edge. */
      x->min = MAX (lo, 1) / 1.15;
      x->max = MAX (MIN (hi, far * 10) * 1.15, x->min * 10);
    }
  else
    {
      x->min = lo;
      x->max = MAX (top * 1.05, lo + 10);
      lsc_chart_nice_range (&x->min, &x->max, max_ticks);
      x->min = MAX (x->min, 0);
    }
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    if (path_has_data (self, p))
      beyond += lsc_distribution_get_n (self->dists[p]) - lsc_distribution_count_at_most (self->dists[p], x->max);
  return beyond;
}

/* Bin edges for the frame: nice widths of at least 1 ns on a linear axis (values are whole
 * nanoseconds, so narrower bins would alternate between full and empty), even steps in log10
 * on a log axis. */
static guint
compute_edges (const LscAxisScale *x, double plot_w, double *edges)
{
  guint target = CLAMP ((guint) (plot_w / 4), 10, MAX_BINS - 2);

  if (x->log_scale)
    {
      lsc_histogram_edges (x->min, x->max, TRUE, target, edges);
      return target;
    }

  double step = MAX (lsc_chart_nice_step (x->min, x->max, target), 1.0);
  double first = floor (x->min / step) * step;
  guint n = 0;
  while (n < MAX_BINS && first + n * step < x->max)
    {
      edges[n] = first + n * step;
      n++;
    }
  edges[n] = first + n * step;
  return n;
}

static char *
format_percent (double fraction, double step)
{
  int decimals = step >= 0.01 - 1e-12 ? 0 : step >= 0.001 - 1e-12 ? 1 : 2;
  return g_strdup_printf ("%.*f %%", decimals, fraction * 100);
}

static void
draw_axes (LscDistributionChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const Frame *f)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const graphene_rect_t *r = &f->plot;
  double left = r->origin.x, top = r->origin.y, w = r->size.width, h = r->size.height;
  double ticks[32], step;

  /* Share of launches. */
  guint n = lsc_chart_linear_ticks (f->y.min, f->y.max, 5, ticks, G_N_ELEMENTS (ticks), &step);
  for (guint i = 0; i < n; i++)
    {
      double y = round (y_of (f, ticks[i]));
      if (ticks[i] > f->y.min)
        lsc_chart_fill_rect (snapshot, &pal->grid, left, y, w, 1);
      g_autofree char *label = format_percent (ticks[i], step);
      lsc_chart_draw_text (widget, snapshot, label, LSC_CHART_TEXT_CAPTION, &pal->dim, left - 8, y + 0.5, 1, 0.5,
                           NULL);
    }

  /* Overhead. */
  double last_right = -G_MAXDOUBLE;
  if (f->x.log_scale)
    {
      LscLogTick lt[64];
      n = lsc_chart_log_ticks (f->x.min, f->x.max, CLAMP ((guint) (w / 60), 3, 12), lt, G_N_ELEMENTS (lt));
      for (guint i = 0; i < n; i++)
        {
          double x = round (x_of (f, lt[i].value));
          GdkRGBA c = pal->grid;
          if (!lt[i].major)
            c.alpha *= 0.6f;
          lsc_chart_fill_rect (snapshot, &c, x, top, 1, h);
          if (!lt[i].major)
            continue;
          lsc_chart_fill_rect (snapshot, &pal->axis, x, top + h, 1, 4);
          g_autofree char *label = lsc_chart_format_tick_ns (lt[i].value);
          lsc_chart_draw_tick_label (widget, snapshot, label, &pal->dim, x + 0.5, top + h + 6, left + w + PAD - 2, &last_right);
        }
    }
  else
    {
      n = lsc_chart_linear_ticks (f->x.min, f->x.max, CLAMP ((guint) (w / 80), 2, 12), ticks, G_N_ELEMENTS (ticks),
                                  &step);
      for (guint i = 0; i < n; i++)
        {
          double x = round (x_of (f, ticks[i]));
          lsc_chart_fill_rect (snapshot, &pal->grid, x, top, 1, h);
          lsc_chart_fill_rect (snapshot, &pal->axis, x, top + h, 1, 4);
          g_autofree char *label = lsc_chart_format_axis_ns (ticks[i], f->x.max, step);
          lsc_chart_draw_tick_label (widget, snapshot, label, &pal->dim, x + 0.5, top + h + 6, left + w + PAD - 2, &last_right);
        }
    }
  lsc_chart_fill_rect (snapshot, &pal->axis, left, round (top + h), w, 1);
}

static void
draw_histogram (LscDistributionChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const Frame *f,
                guint64 *const counts[LSC_CHART_N_PATHS])
{
  const graphene_rect_t *r = &f->plot;
  double bottom = r->origin.y + r->size.height;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, r);

  cairo_rectangle (cr, r->origin.x, r->origin.y - 1, r->size.width, r->size.height + 1);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);

  for (guint i = 0; i < G_N_ELEMENTS (draw_order); i++)
    {
      guint p = draw_order[i];
      if (!path_has_data (self, p))
        continue;
      double n = lsc_distribution_get_n (self->dists[p]);

      /* The outline of the bars as one step path, filled faintly and stroked. */
      cairo_new_path (cr);
      cairo_move_to (cr, x_of (f, f->edges[0]), bottom);
      for (guint b = 0; b < f->n_bins; b++)
        {
          double y = round (y_of (f, counts[p][b] / n)) + 0.5;
          cairo_line_to (cr, round (x_of (f, f->edges[b])) + 0.5, y);
          cairo_line_to (cr, round (x_of (f, f->edges[b + 1])) + 0.5, y);
        }
      cairo_line_to (cr, round (x_of (f, f->edges[f->n_bins])) + 0.5, bottom);
      GdkRGBA fill = pal->paths[p];
      fill.alpha = pal->dark ? 0.30f : 0.22f;
      gdk_cairo_set_source_rgba (cr, &fill);
      cairo_fill_preserve (cr);
      gdk_cairo_set_source_rgba (cr, &pal->paths[p]);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
draw_cdf (LscDistributionChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const Frame *f)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const graphene_rect_t *r = &f->plot;

  /* Guides at the marked percentiles, labelled at the right. */
  for (guint k = 0; k < G_N_ELEMENTS (marked_percentiles); k++)
    {
      double y = round (y_of (f, marked_percentiles[k] / 100)) + 0.5;
      lsc_chart_dashed_line (snapshot, &pal->axis, r->origin.x, y, r->origin.x + r->size.width, y, 1, 2);
      g_autofree char *label = g_strdup_printf ("p%.0f", marked_percentiles[k]);
      lsc_chart_draw_text (widget, snapshot, label, LSC_CHART_TEXT_CAPTION, &pal->dim, r->origin.x + r->size.width + 4,
                           y, 0, 0.5, NULL);
    }

  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (r->origin.x - 6, r->origin.y - 6,
                                                                          r->size.width + 12, r->size.height + 12));
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < G_N_ELEMENTS (draw_order); i++)
    {
      guint p = draw_order[i];
      if (!path_has_data (self, p))
        continue;
      const LscDistribution *d = self->dists[p];

      cairo_new_path (cr);
      for (int px = 0; px <= (int) r->size.width; px++)
        {
          double v = lsc_axis_scale_denormalize (&f->x, px / r->size.width);
          double y = y_of (f, lsc_distribution_cdf (d, v));
          if (px == 0)
            cairo_move_to (cr, r->origin.x + px, y);
          else
            cairo_line_to (cr, r->origin.x + px, y);
        }
      gdk_cairo_set_source_rgba (cr, &pal->paths[p]);
      cairo_stroke (cr);

      /* Dots where the curve crosses the marked percentiles. */
      for (guint k = 0; k < G_N_ELEMENTS (marked_percentiles); k++)
        {
          double x = x_of (f, lsc_distribution_percentile (d, marked_percentiles[k]));
          double y = y_of (f, marked_percentiles[k] / 100);
          if (x < r->origin.x - 1 || x > r->origin.x + r->size.width + 1)
            continue;
          gdk_cairo_set_source_rgba (cr, &pal->background);
          cairo_arc (cr, x, y, 5, 0, 2 * G_PI);
          cairo_fill (cr);
          gdk_cairo_set_source_rgba (cr, &pal->paths[p]);
          cairo_arc (cr, x, y, 3.5, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  cairo_destroy (cr);
}

/* Histogram mode: each path's p50, p90 and p99 as a stem from the axis up to its bar, with a
 * dot and a label on top — the marks sit on the distribution they describe.  Labels that
 * would overprint an earlier one are left off (the legend has the values). */
static void
draw_percentile_marks (LscDistributionChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal,
                       const Frame *f, guint64 *const counts[LSC_CHART_N_PATHS])
{
  GtkWidget *widget = GTK_WIDGET (self);
  const graphene_rect_t *r = &f->plot;
  double bottom = r->origin.y + r->size.height;
  graphene_rect_t placed[LSC_CHART_N_PATHS * G_N_ELEMENTS (marked_percentiles)];
  guint n_placed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (legend_order); i++)
    {
      guint p = legend_order[i];
      if (!path_has_data (self, p))
        continue;
      const LscDistribution *d = self->dists[p];
      double n = lsc_distribution_get_n (d);

      for (guint k = 0; k < G_N_ELEMENTS (marked_percentiles); k++)
        {
          double v = lsc_distribution_percentile (d, marked_percentiles[k]);
          if (v < f->x.min || v > f->x.max)
            continue;
          guint b = 0;
          while (b + 1 < f->n_bins && f->edges[b + 1] <= v)
            b++;
          double x = round (x_of (f, v)) + 0.5;
          double y = MAX (y_of (f, counts[p][b] / n), r->origin.y + 14);
          GdkRGBA c = pal->paths[p];

          if (k == 0)
            lsc_chart_fill_rect (snapshot, &c, x - 0.5, y, 1, bottom - y);
          else
            lsc_chart_dashed_line (snapshot, &c, x, y, x, bottom, 1, 2);

          cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x - 6, y - 6, 12, 12));
          gdk_cairo_set_source_rgba (cr, &pal->background);
          cairo_arc (cr, x, y, 4.5, 0, 2 * G_PI);
          cairo_fill (cr);
          gdk_cairo_set_source_rgba (cr, &c);
          cairo_arc (cr, x, y, 3, 0, 2 * G_PI);
          cairo_fill (cr);
          cairo_destroy (cr);

          g_autofree char *label = g_strdup_printf ("p%.0f", marked_percentiles[k]);
          graphene_rect_t ext;
          lsc_chart_draw_text (widget, NULL, label, LSC_CHART_TEXT_CAPTION, NULL, x, y - 5, 0.5, 1, &ext);
          gboolean clear = ext.origin.y >= r->origin.y - 2;
          for (guint j = 0; j < n_placed && clear; j++)
            clear = !graphene_rect_intersection (&ext, &placed[j], NULL);
          if (!clear)
            continue;
          placed[n_placed++] = ext;
          GdkRGBA halo = pal->background;
          halo.alpha = 0.8f;
          lsc_chart_fill_rect (snapshot, &halo, ext.origin.x - 2, ext.origin.y + 1, ext.size.width + 4, ext.size.height - 2);
          lsc_chart_draw_text (widget, snapshot, label, LSC_CHART_TEXT_CAPTION, &c, x, y - 5, 0.5, 1, NULL);
        }
    }
}

static void
draw_chart (LscDistributionChart *self, GtkSnapshot *snapshot, int width, int height, Frame *out)
{
  GtkWidget *widget = GTK_WIDGET (self);
  LscChartPalette pal;
  Frame f = { 0 };
  guint n_paths = 0;

  lsc_chart_palette_init (&pal, widget);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    n_paths += path_has_data (self, p);
  if (out)
    out->valid = FALSE;

  if (n_paths == 0)
    {
      lsc_chart_draw_empty (widget, snapshot, &pal, width, height, _("No launches to show"),
                            _("This report has no launches with host timing."));
      return;
    }

  /* Legend entries carry the numbers: count and the marked percentiles. */
  LscChartLegendItem items[LSC_CHART_N_PATHS + 1];
  char *texts[LSC_CHART_N_PATHS + 1] = { NULL };
  guint n_items = 0;
  for (guint i = 0; i < G_N_ELEMENTS (legend_order); i++)
    {
      guint p = legend_order[i];
      if (!path_has_data (self, p))
        continue;
      const LscDistribution *d = self->dists[p];
      g_autofree char *p50 = lsc_format_duration_ns (lsc_distribution_percentile (d, 50));
      g_autofree char *p90 = lsc_format_duration_ns (lsc_distribution_percentile (d, 90));
      g_autofree char *p99 = lsc_format_duration_ns (lsc_distribution_percentile (d, 99));
      g_autofree char *count = lsc_format_count ((gint64) lsc_distribution_get_n (d));
      /* Translators: a legend entry: path name, launch count, then three percentiles. */
      texts[n_items] = g_strdup_printf (_("%s (%s)  p50 %s · p90 %s · p99 %s"), series_label (self, p), count, p50,
                                        p90, p99);
      items[n_items] = (LscChartLegendItem) { &pal.paths[p], texts[n_items], LSC_CHART_SWATCH_BOX, FALSE };
      n_items++;
    }
  if (self->raw_floor_ns > 0)
    {
      g_autofree char *v = lsc_format_duration_ns (self->raw_floor_ns);
      texts[n_items] = g_strdup_printf (_("Raw floor (p50) %s"), v);
      items[n_items] = (LscChartLegendItem) { &pal.paths[LSC_CHART_PATH_RAW], texts[n_items], LSC_CHART_SWATCH_DASHED,
                                              FALSE };
      n_items++;
    }

  double label_w, label_h;
  PangoLayout *probe = lsc_chart_layout_new (widget, "100 %", LSC_CHART_TEXT_CAPTION);
  lsc_chart_layout_get_size (probe, &label_w, &label_h);
  g_object_unref (probe);

  double left = PAD + label_w + 8;
  double right = width - PAD - (self->mode == LSC_DISTRIBUTION_MODE_CDF ? 28 : 0); /* CDF guide labels */
  double legend_h = lsc_chart_measure_legend (widget, items, n_items, width - PAD - left);
  f.plot = GRAPHENE_RECT_INIT (left, round (PAD + legend_h + 12), floor (right - left), 0);
  f.plot.size.height = floor (height - PAD - label_h - 8 - f.plot.origin.y);

  if (f.plot.size.width >= 40 && f.plot.size.height >= 30)
    {
      guint64 beyond = compute_x_scale (self, &f.x, CLAMP ((guint) (f.plot.size.width / 80), 2, 12));
      guint64 *counts[LSC_CHART_N_PATHS] = { NULL };
      double edges[MAX_BINS + 1];

      f.y = (LscAxisScale) { 0, 1, FALSE };
      if (self->mode == LSC_DISTRIBUTION_MODE_HISTOGRAM)
        {
          f.n_bins = compute_edges (&f.x, f.plot.size.width, edges);
          double top = 0;
          for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
            {
              if (!path_has_data (self, p))
                continue;
              counts[p] = g_new (guint64, f.n_bins);
              lsc_distribution_histogram (self->dists[p], edges, f.n_bins, counts[p]);
              double n = lsc_distribution_get_n (self->dists[p]);
              for (guint b = 0; b < f.n_bins; b++)
                top = MAX (top, counts[p][b] / n);
            }
          f.y.max = MAX (top * 1.12, 0.01); /* room for the percentile labels */
          lsc_chart_nice_range (&f.y.min, &f.y.max, 5);
          f.edges = edges;
        }

      lsc_chart_draw_legend (widget, snapshot, &pal, items, n_items, left, PAD, width - PAD - left, NULL);
      draw_axes (self, snapshot, &pal, &f);
      if (self->mode == LSC_DISTRIBUTION_MODE_HISTOGRAM)
        {
          draw_histogram (self, snapshot, &pal, &f, counts);
          draw_percentile_marks (self, snapshot, &pal, &f, counts);
        }
      else
        draw_cdf (self, snapshot, &pal, &f);

      if (self->raw_floor_ns > 0 && self->raw_floor_ns >= f.x.min && self->raw_floor_ns <= f.x.max)
        {
          double x = round (x_of (&f, self->raw_floor_ns)) + 0.5;
          lsc_chart_dashed_line (snapshot, &pal.paths[LSC_CHART_PATH_RAW], x, f.plot.origin.y, x,
                                 f.plot.origin.y + f.plot.size.height, 1.5, 5);
        }

      if (beyond > 0)
        {
          g_autofree char *count = lsc_format_count ((gint64) beyond);
          g_autofree char *limit = lsc_format_duration_ns (f.x.max);
          g_autofree char *note = g_strdup_printf (g_dngettext (NULL, "%s launch above %s not shown",
                                                                "%s launches above %s not shown", beyond),
                                                   count, limit);
          lsc_chart_draw_text (widget, snapshot, note, LSC_CHART_TEXT_CAPTION, &pal.dim,
                               f.plot.origin.x + f.plot.size.width - 4, f.plot.origin.y + 4, 1, 0, NULL);
        }

      for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
        g_free (counts[p]);
      f.valid = TRUE;
      if (out)
        {
          g_free (out->edges);
          *out = f;
          out->edges = f.n_bins ? g_memdup2 (edges, (f.n_bins + 1) * sizeof (double)) : NULL;
        }
    }

  for (guint i = 0; i < n_items; i++)
    g_free (texts[i]);
}

static void
draw_for_png (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height)
{
  draw_chart (LSC_DISTRIBUTION_CHART (widget), snapshot, width, height, NULL);
}

/* On screen the frame is kept for hit testing and overlays. */
static void
draw_on_screen (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height)
{
  LscDistributionChart *self = LSC_DISTRIBUTION_CHART (widget);
  draw_chart (self, snapshot, width, height, &self->frame);
}

static void
lsc_distribution_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LscDistributionChart *self = LSC_DISTRIBUTION_CHART (widget);
  if (!lsc_chart_cache_snapshot (&self->cache, widget, snapshot, draw_on_screen))
    return;

  if (self->hover && self->frame.valid)
    {
      LscChartPalette pal;
      lsc_chart_palette_init (&pal, widget);
      GdkRGBA guide = pal.fg;
      guide.alpha = 0.3f;
      lsc_chart_fill_rect (snapshot, &guide, round (self->hover_x), self->frame.plot.origin.y, 1,
                           self->frame.plot.size.height);
    }
}

static gboolean
lsc_distribution_chart_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard G_GNUC_UNUSED,
                                      GtkTooltip *tooltip)
{
  LscDistributionChart *self = LSC_DISTRIBUTION_CHART (widget);
  const Frame *f = &self->frame;

  if (!f->valid || !graphene_rect_contains_point (&f->plot, &GRAPHENE_POINT_INIT (x, y)))
    return FALSE;

  double v = lsc_axis_scale_denormalize (&f->x, (x - f->plot.origin.x) / f->plot.size.width);
  GString *s = g_string_new (NULL);

  if (self->mode == LSC_DISTRIBUTION_MODE_HISTOGRAM && f->edges != NULL)
    {
      /* The bin under the pointer. */
      guint b = 0;
      while (b + 1 < f->n_bins && f->edges[b + 1] <= v)
        b++;
      double lo = f->edges[b], hi = f->edges[b + 1];
      g_autofree char *a = lsc_format_duration_ns (lo);
      g_autofree char *z = lsc_format_duration_ns (hi);
      g_string_append_printf (s, "<b>%s – %s</b>", a, z);
      for (guint i = 0; i < G_N_ELEMENTS (legend_order); i++)
        {
          guint p = legend_order[i];
          if (!path_has_data (self, p))
            continue;
          guint64 count;
          lsc_distribution_histogram (self->dists[p], &f->edges[b], 1, &count);
          if (b + 1 < f->n_bins) /* inner bins are half-open */
            count -= lsc_distribution_count_at_most (self->dists[p], hi) -
                     lsc_distribution_count_at_most (self->dists[p], nextafter (hi, 0));
          g_autofree char *n = lsc_format_count ((gint64) count);
          g_string_append_printf (s, "\n%s: %.1f %% (%s)", series_label (self, p),
                                  100.0 * count / lsc_distribution_get_n (self->dists[p]), n);
        }
    }
  else
    {
      g_autofree char *a = lsc_format_duration_ns (v);
      g_string_append_printf (s, "<b>≤ %s</b>", a);
      for (guint i = 0; i < G_N_ELEMENTS (legend_order); i++)
        {
          guint p = legend_order[i];
          if (path_has_data (self, p))
            g_string_append_printf (s, "\n%s: %.1f %%", series_label (self, p),
                                    100.0 * lsc_distribution_cdf (self->dists[p], v));
        }
    }

  gtk_tooltip_set_markup (tooltip, s->str);
  g_string_free (s, TRUE);
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller G_GNUC_UNUSED, double x, double y, LscDistributionChart *self)
{
  gboolean inside = self->frame.valid && graphene_rect_contains_point (&self->frame.plot, &GRAPHENE_POINT_INIT (x, y));
  if (inside == self->hover && (!inside || self->hover_x == x))
    return;
  self->hover = inside;
  self->hover_x = x;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller G_GNUC_UNUSED, LscDistributionChart *self)
{
  self->hover = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
lsc_distribution_chart_measure (GtkWidget *widget G_GNUC_UNUSED, GtkOrientation orientation, int for_size G_GNUC_UNUSED,
                                int *minimum, int *natural, int *minimum_baseline G_GNUC_UNUSED,
                                int *natural_baseline G_GNUC_UNUSED)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = 240, *natural = 480;
  else
    *minimum = 180, *natural = 320;
}

static void
lsc_distribution_chart_size_allocate (GtkWidget *widget, int width, int height, int baseline G_GNUC_UNUSED)
{
  lsc_chart_cache_resize (&LSC_DISTRIBUTION_CHART (widget)->cache, width, height);
}

static void
lsc_distribution_chart_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (lsc_distribution_chart_parent_class)->css_changed (widget, change);
  invalidate (LSC_DISTRIBUTION_CHART (widget));
}

/* --- Public API --------------------------------------------------------------------------- */

GtkWidget *
lsc_distribution_chart_new (void)
{
  return g_object_new (LSC_TYPE_DISTRIBUTION_CHART, NULL);
}

static void
update_description (LscDistributionChart *self)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (legend_order); i++)
    {
      guint p = legend_order[i];
      if (!path_has_data (self, p))
        continue;
      g_autofree char *p50 = lsc_format_duration_ns (lsc_distribution_percentile (self->dists[p], 50));
      g_autofree char *p99 = lsc_format_duration_ns (lsc_distribution_percentile (self->dists[p], 99));
      if (s->len)
        g_string_append (s, "; ");
      g_string_append_printf (s, _("%s: median %s, p99 %s"), series_label (self, p), p50, p99);
    }
  lsc_chart_set_description (GTK_WIDGET (self), s, _("No launches"));
}

void
lsc_distribution_chart_set_distribution (LscDistributionChart *self, LscChartPath path, LscDistribution *dist)
{
  g_return_if_fail (LSC_IS_DISTRIBUTION_CHART (self));
  g_return_if_fail ((guint) path < LSC_CHART_N_PATHS);

  g_clear_pointer (&self->dists[path], lsc_distribution_free);
  self->dists[path] = dist;
  update_description (self);
  invalidate (self);
}

void
lsc_distribution_chart_set_label (LscDistributionChart *self, LscChartPath path, const char *label)
{
  g_return_if_fail (LSC_IS_DISTRIBUTION_CHART (self));
  g_return_if_fail ((guint) path < LSC_CHART_N_PATHS);

  g_free (self->labels[path]);
  self->labels[path] = g_strdup (label);
  update_description (self);
  invalidate (self);
}

void
lsc_distribution_chart_set_series (LscDistributionChart *self, const LscSeries *series)
{
  g_return_if_fail (LSC_IS_DISTRIBUTION_CHART (self));

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      g_clear_pointer (&self->dists[p], lsc_distribution_free);
      if (series != NULL)
        self->dists[p] = lsc_distribution_new_from_series (series, p);
    }
  update_description (self);
  invalidate (self);
}

void
lsc_distribution_chart_clear (LscDistributionChart *self)
{
  lsc_distribution_chart_set_series (self, NULL);
}

void
lsc_distribution_chart_set_raw_floor (LscDistributionChart *self, double p50_ns)
{
  g_return_if_fail (LSC_IS_DISTRIBUTION_CHART (self));
  if (!lsc_chart_update_raw_floor (&self->raw_floor_ns, p50_ns))
    return;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RAW_FLOOR_NS]);
}

double
lsc_distribution_chart_get_raw_floor (LscDistributionChart *self)
{
  g_return_val_if_fail (LSC_IS_DISTRIBUTION_CHART (self), 0);
  return self->raw_floor_ns;
}

void
lsc_distribution_chart_set_mode (LscDistributionChart *self, LscDistributionMode mode)
{
  g_return_if_fail (LSC_IS_DISTRIBUTION_CHART (self));
  g_return_if_fail (mode == LSC_DISTRIBUTION_MODE_HISTOGRAM || mode == LSC_DISTRIBUTION_MODE_CDF);
  if (self->mode == mode)
    return;
  self->mode = mode;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

LscDistributionMode
lsc_distribution_chart_get_mode (LscDistributionChart *self)
{
  g_return_val_if_fail (LSC_IS_DISTRIBUTION_CHART (self), LSC_DISTRIBUTION_MODE_HISTOGRAM);
  return self->mode;
}

void
lsc_distribution_chart_set_log_x (LscDistributionChart *self, gboolean log_x)
{
  g_return_if_fail (LSC_IS_DISTRIBUTION_CHART (self));
  log_x = !!log_x;
  if (self->log_x == log_x)
    return;
  self->log_x = log_x;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_X]);
}

gboolean
lsc_distribution_chart_get_log_x (LscDistributionChart *self)
{
  g_return_val_if_fail (LSC_IS_DISTRIBUTION_CHART (self), FALSE);
  return self->log_x;
}

gboolean
lsc_distribution_chart_save_png (LscDistributionChart *self, const char *filename, int width, int height,
                                 GError **error)
{
  g_return_val_if_fail (LSC_IS_DISTRIBUTION_CHART (self), FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);

  return lsc_chart_widget_save_png (GTK_WIDGET (self), draw_for_png, width, height, filename, error);
}

/* --- GObject ------------------------------------------------------------------------------ */

static void
lsc_distribution_chart_dispose (GObject *object)
{
  LscDistributionChart *self = LSC_DISTRIBUTION_CHART (object);
  lsc_chart_cache_clear (&self->cache);
  G_OBJECT_CLASS (lsc_distribution_chart_parent_class)->dispose (object);
}

static void
lsc_distribution_chart_finalize (GObject *object)
{
  LscDistributionChart *self = LSC_DISTRIBUTION_CHART (object);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      lsc_distribution_free (self->dists[p]);
      g_free (self->labels[p]);
    }
  g_free (self->frame.edges);
  G_OBJECT_CLASS (lsc_distribution_chart_parent_class)->finalize (object);
}

static void
lsc_distribution_chart_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscDistributionChart *self = LSC_DISTRIBUTION_CHART (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_LOG_X:
      g_value_set_boolean (value, self->log_x);
      break;
    case PROP_RAW_FLOOR_NS:
      g_value_set_double (value, self->raw_floor_ns);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_distribution_chart_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LscDistributionChart *self = LSC_DISTRIBUTION_CHART (object);

  switch (prop_id)
    {
    case PROP_MODE:
      lsc_distribution_chart_set_mode (self, g_value_get_enum (value));
      break;
    case PROP_LOG_X:
      lsc_distribution_chart_set_log_x (self, g_value_get_boolean (value));
      break;
    case PROP_RAW_FLOOR_NS:
      lsc_distribution_chart_set_raw_floor (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_distribution_chart_class_init (LscDistributionChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lsc_distribution_chart_dispose;
  object_class->finalize = lsc_distribution_chart_finalize;
  object_class->get_property = lsc_distribution_chart_get_property;
  object_class->set_property = lsc_distribution_chart_set_property;

  widget_class->snapshot = lsc_distribution_chart_snapshot;
  widget_class->measure = lsc_distribution_chart_measure;
  widget_class->size_allocate = lsc_distribution_chart_size_allocate;
  widget_class->css_changed = lsc_distribution_chart_css_changed;
  widget_class->query_tooltip = lsc_distribution_chart_query_tooltip;

  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, LSC_TYPE_DISTRIBUTION_MODE, LSC_DISTRIBUTION_MODE_HISTOGRAM,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_X] =
    g_param_spec_boolean ("log-x", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RAW_FLOOR_NS] =
    g_param_spec_double ("raw-floor-ns", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  lsc_chart_class_setup (widget_class, "distributionchart");
}

static void
lsc_distribution_chart_init (LscDistributionChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  lsc_chart_widget_setup (widget, _("Distribution of host overhead per path"), G_CALLBACK (on_motion),
                          G_CALLBACK (on_leave));
  update_description (self);
}
