/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-overhead-chart.c — per-launch host overhead over time (see lsc-overhead-chart.h).
 *
 * Each frame asks the data for one LscColumn (min, max, count, sum) per pixel column and
 * path: from the multi-resolution index for a report (O(width · log n)) or by one pass over
 * the live ring.  Dense data is drawn as a min/max envelope per column with the column mean
 * as the line, so a lone 100× spike still reaches its height; sparse data as points.
 *
 * The finished chart is kept as a render node and replayed while only the hover overlay
 * changes; any change of data, view, size or style drops it.
 */
#include "lsc-overhead-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-chart-draw.h"

#define PAD 12.0
#define MIN_SPAN_NS 1000.0     /* zooming stops at 1 µs across */
#define HOVER_RADIUS 16.0      /* px: how near the pointer a launch must be for the tooltip */
#define HOVER_SCAN_LIMIT 200000 /* launches examined per pointer move, at most */
#define MARKER_ROW_H 16.0
#define MARKER_MAX_ROWS 3

/* Paths in drawing order: the raw floor below, the fast path on top. */
static const LscChartPath draw_order[] = {
  LSC_CHART_PATH_RAW, LSC_CHART_PATH_GRAPH, LSC_CHART_PATH_DEFAULT, LSC_CHART_PATH_FAST,
};

/* The report's outcome and reason names (lsc-schema.h); reasons stay identifiers, as the CLI
 * and the event list print them. */
static const char *const reason_ids[] = {
  "none", "skip-env", "priming-failed", "skip-switch", "capture", "context-changed",
  "globals-changed", "constexpr-changed", "arguments", "table-full",
};

static const char *
outcome_label (guint outcome)
{
  switch (outcome)
    {
    case 0:
      return _("hit");
    case 1:
      return _("miss");
    case 2:
      return _("fallback");
    case 3:
      return _("default");
    default:
      return _("unknown");
    }
}

/* Geometry of the last frame drawn on screen, for hit testing between frames. */
typedef struct {
  gboolean valid;
  graphene_rect_t plot;
  double t0, t1;
  LscAxisScale y;
  guint n_legend;
  graphene_rect_t legend_rects[LSC_CHART_N_PATHS + 2];
  int legend_paths[LSC_CHART_N_PATHS + 2]; /* -1: not a path (raw floor line, markers) */
} Frame;

typedef struct {
  gboolean valid;
  guint path;
  gsize index; /* series position, or ring position in live mode */
  double t, v;
} Hover;

struct _LscOverheadChart {
  GtkWidget parent_instance;

  LscSeriesIndex *index; /* a report's launches, or NULL */
  LscRing *ring;         /* live launches, or NULL */
  gsize live_capacity;
  guint tick_id;

  LscChartMarker *markers; /* labels owned */
  gsize n_markers;

  double raw_floor_ns;
  gboolean log_scale;
  gboolean hidden[LSC_CHART_N_PATHS];

  /* View: follow shows all data (and new live launches); otherwise [view_t0, view_t1]. */
  gboolean follow;
  double view_t0, view_t1;

  /* Column buffers reused between frames. */
  LscColumn *cols[LSC_CHART_N_PATHS];
  guint n_cols_alloc;

  LscChartCache cache;
  Frame frame;

  /* Interaction state. */
  Hover hover;
  gboolean pointer_inside;
  double pointer_x, pointer_y;
  gboolean dragging;
  double drag_t0, drag_t1;
  double zoom_t0, zoom_t1;
};

G_DEFINE_FINAL_TYPE (LscOverheadChart, lsc_overhead_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOG_SCALE,
  PROP_RAW_FLOOR_NS,
  PROP_LIVE_CAPACITY,
  PROP_ZOOMED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- Data extent and view ----------------------------------------------------------------- */

static gboolean
has_data (LscOverheadChart *self)
{
  if (self->ring != NULL)
    return lsc_ring_get_length (self->ring) > 0;
  return self->index != NULL && lsc_series_index_get_extent (self->index, NULL, NULL, NULL, NULL);
}

/* The full time range [t0, t1) that shows every launch. */
static gboolean
data_extent (LscOverheadChart *self, double *t0, double *t1)
{
  guint64 a, b;

  if (self->ring != NULL)
    {
      gsize n = lsc_ring_get_length (self->ring);
      if (n == 0)
        return FALSE;
      /* Live launches arrive in time order: the ends are the extremes. */
      lsc_ring_get (self->ring, 0, &a, NULL, NULL);
      lsc_ring_get (self->ring, n - 1, &b, NULL, NULL);
      a = MIN (a, b);
    }
  else if (self->index == NULL || !lsc_series_index_get_extent (self->index, &a, &b, NULL, NULL))
    return FALSE;

  double span = (double) (b - a);
  if (span < MIN_SPAN_NS)
    {
      double mid = ((double) a + (double) b) / 2;
      *t0 = mid - MIN_SPAN_NS / 2;
      *t1 = mid + MIN_SPAN_NS / 2;
      return TRUE;
    }
  /* Start at the session's zero when the first launch is near it (times count from there),
   * and a sliver past the last launch keeps it inside the half-open last column. */
  *t0 = (double) a < span * 0.05 ? 0.0 : (double) a;
  *t1 = (double) b + span * 0.002 + 1;
  return TRUE;
}

static void
invalidate (LscOverheadChart *self)
{
  lsc_chart_cache_invalidate (&self->cache, GTK_WIDGET (self));
}

static void
set_follow (LscOverheadChart *self, gboolean follow)
{
  if (self->follow == follow)
    return;
  self->follow = follow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOMED]);
}

/* Clamps [t0, t1] into the data and applies it. */
static void
set_view (LscOverheadChart *self, double t0, double t1)
{
  double full0, full1;
  if (!data_extent (self, &full0, &full1))
    return;

  double full = full1 - full0;
  double span = CLAMP (t1 - t0, MIN (MIN_SPAN_NS, full), full);
  if (span >= full * 0.9999)
    {
      set_follow (self, TRUE);
      invalidate (self);
      return;
    }
  t0 = CLAMP (t0, full0, full1 - span);
  self->view_t0 = t0;
  self->view_t1 = t0 + span;
  set_follow (self, FALSE);
  invalidate (self);
}

static gboolean
current_view (LscOverheadChart *self, double *t0, double *t1)
{
  if (self->follow)
    return data_extent (self, t0, t1);
  *t0 = self->view_t0;
  *t1 = self->view_t1;
  return has_data (self);
}

/* Zooms by factor (< 1 zooms in) keeping the time under plot x coordinate x fixed. */
static void
zoom_at (LscOverheadChart *self, double factor, double x)
{
  double t0, t1;
  if (!current_view (self, &t0, &t1) || !self->frame.valid)
    return;

  const graphene_rect_t *plot = &self->frame.plot;
  double f = CLAMP ((x - plot->origin.x) / plot->size.width, 0.0, 1.0);
  double anchor = t0 + f * (t1 - t0);
  double span = (t1 - t0) * factor;
  set_view (self, anchor - f * span, anchor - f * span + span);
}

static void
pan_by (LscOverheadChart *self, double fraction)
{
  double t0, t1;
  if (!current_view (self, &t0, &t1))
    return;
  double d = (t1 - t0) * fraction;
  set_view (self, t0 + d, t1 + d);
}

/* --- Drawing ------------------------------------------------------------------------------ */

/* Fills self->cols for the visible paths over [t0, t1); returns which paths have launches. */
static guint
compute_columns (LscOverheadChart *self, double t0, double t1, guint n_cols)
{
  guint present = 0;

  if (n_cols > self->n_cols_alloc)
    {
      for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
        self->cols[p] = g_renew (LscColumn, self->cols[p], n_cols);
      self->n_cols_alloc = n_cols;
    }

  if (self->ring != NULL)
    {
      LscColumn *cols[LSC_CHART_N_PATHS];
      for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
        {
          lsc_columns_clear (self->cols[p], n_cols);
          cols[p] = self->cols[p];
        }
      lsc_ring_downsample (self->ring, t0, t1, cols, n_cols);
      /* A path counts as present when it has launches anywhere in the ring, so its legend
       * entry does not come and go while panning. */
      for (gsize i = 0, n = lsc_ring_get_length (self->ring); i < n; i++)
        {
          guint8 p;
          lsc_ring_get (self->ring, i, NULL, NULL, &p);
          if (p < LSC_CHART_N_PATHS)
            present |= 1u << p;
          if (present == (1u << LSC_CHART_N_PATHS) - 1)
            break;
        }
      return present;
    }

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      const LscMinMaxIndex *idx = self->index ? lsc_series_index_get_path (self->index, p) : NULL;
      if (idx == NULL)
        {
          lsc_columns_clear (self->cols[p], n_cols);
          continue;
        }
      present |= 1u << p;
      if (self->hidden[p])
        lsc_columns_clear (self->cols[p], n_cols);
      else
        lsc_min_max_index_columns (idx, t0, t1, self->cols[p], n_cols);
    }
  return present;
}

static int
compare_float (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

/* The overhead axis.  Log: whole decades around the visible extremes.  Linear: from zero —
 * to the largest visible value when launches are sparse, but for dense data to 1.6× the
 * 99th percentile of the column means, so the levels being compared (fast against baseline
 * against the raw floor) fill the plot instead of hugging its bottom under a 100 µs spike.
 * Columns reaching above are clipped at the top edge and flagged there (and the log scale
 * shows them whole).  Returns TRUE when clipped. */
static gboolean
compute_y_scale (LscOverheadChart *self, guint present, guint n_cols, LscAxisScale *y)
{
  guint32 vmin = G_MAXUINT32, vmax = 0;
  float *means = g_new (float, (gsize) n_cols * LSC_CHART_N_PATHS + 1);
  gsize n_means = 0;
  guint64 visible = 0;
  gboolean clipped = FALSE;

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      if (!(present & (1u << p)) || self->hidden[p])
        continue;
      for (guint c = 0; c < n_cols; c++)
        if (self->cols[p][c].count > 0)
          {
            const LscColumn *col = &self->cols[p][c];
            vmin = MIN (vmin, col->min);
            vmax = MAX (vmax, col->max);
            means[n_means++] = (float) (col->sum / col->count);
            visible += col->count;
          }
    }
  if (self->raw_floor_ns > 0)
    {
      vmin = MIN (vmin, (guint32) self->raw_floor_ns);
      vmax = MAX (vmax, (guint32) ceil (self->raw_floor_ns));
    }
  if (vmax == 0)
    vmin = 0, vmax = 1000;

  y->log_scale = self->log_scale;
  if (self->log_scale)
    {
      y->min = MAX (vmin, 1);
      y->max = MAX (vmax, y->min * 1.01);
      lsc_chart_log_range (&y->min, &y->max);
    }
  else
    {
      double top = vmax;
      if (n_means >= 20 && visible > n_cols)
        {
          qsort (means, n_means, sizeof (float), compare_float);
          double level = means[lsc_nearest_rank (n_means, 99) - 1] * 1.6;
          level = MAX (level, self->raw_floor_ns * 1.2);
          if (vmax > level * 1.25)
            {
              top = level;
              clipped = TRUE;
            }
        }
      y->min = 0;
      y->max = top * 1.04; /* headroom so the top line does not ride the edge */
      lsc_chart_nice_range (&y->min, &y->max, 6);
    }
  g_free (means);
  return clipped;
}

static double
y_of (const Frame *f, double value)
{
  double n = lsc_axis_scale_normalize (&f->y, value);
  return f->plot.origin.y + f->plot.size.height * (1.0 - n);
}

static double
x_of (const Frame *f, double t)
{
  return f->plot.origin.x + (t - f->t0) / (f->t1 - f->t0) * f->plot.size.width;
}

static void
draw_axes (LscOverheadChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const Frame *f)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const graphene_rect_t *r = &f->plot;
  double left = r->origin.x, top = r->origin.y, w = r->size.width, h = r->size.height;

  /* Overhead ticks: horizontal grid lines and labels in the left gutter. */
  if (f->y.log_scale)
    {
      LscLogTick ticks[64];
      guint n = lsc_chart_log_ticks (f->y.min, f->y.max, 8, ticks, G_N_ELEMENTS (ticks));
      for (guint i = 0; i < n; i++)
        {
          double y = round (y_of (f, ticks[i].value));
          GdkRGBA c = pal->grid;
          if (!ticks[i].major)
            c.alpha *= 0.6f;
          lsc_chart_fill_rect (snapshot, &c, left, y, w, 1);
          if (ticks[i].major)
            {
              g_autofree char *label = lsc_chart_format_tick_ns (ticks[i].value);
              lsc_chart_draw_text (widget, snapshot, label, LSC_CHART_TEXT_CAPTION, &pal->dim, left - 8, y + 0.5, 1,
                                   0.5, NULL);
            }
        }
    }
  else
    {
      double ticks[32], step;
      guint n = lsc_chart_linear_ticks (f->y.min, f->y.max, 6, ticks, G_N_ELEMENTS (ticks), &step);
      for (guint i = 0; i < n; i++)
        {
          double y = round (y_of (f, ticks[i]));
          if (ticks[i] > f->y.min)
            lsc_chart_fill_rect (snapshot, &pal->grid, left, y, w, 1);
          g_autofree char *label = lsc_chart_format_axis_ns (ticks[i], f->y.max, step);
          lsc_chart_draw_text (widget, snapshot, label, LSC_CHART_TEXT_CAPTION, &pal->dim, left - 8, y + 0.5, 1, 0.5,
                               NULL);
        }
    }

  /* Time ticks: vertical grid lines and labels under the plot. */
  double ticks[32], step;
  guint max_ticks = CLAMP ((guint) (w / 90), 2, 12);
  guint n = lsc_chart_linear_ticks (f->t0, f->t1, max_ticks, ticks, G_N_ELEMENTS (ticks), &step);
  double last_right = -G_MAXDOUBLE;
  for (guint i = 0; i < n; i++)
    {
      double x = round (x_of (f, ticks[i]));
      if (x < left - 0.5 || x > left + w + 0.5)
        continue;
      lsc_chart_fill_rect (snapshot, &pal->grid, x, top, 1, h);
      lsc_chart_fill_rect (snapshot, &pal->axis, x, top + h, 1, 4);
      g_autofree char *label = lsc_chart_format_axis_ns (ticks[i], MAX (fabs (f->t0), fabs (f->t1)), step);
      lsc_chart_draw_tick_label (widget, snapshot, label, &pal->dim, x + 0.5, top + h + 6, left + w + PAD - 2, &last_right);
    }

  /* The base line. */
  lsc_chart_fill_rect (snapshot, &pal->axis, left, round (top + h), w, 1);
}

/* One path's columns: an envelope from min to max per column with the mean as the line when
 * dense; a dot per column (and its min–max stick when it holds several) when sparse. */
static void
draw_path (LscOverheadChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const Frame *f, guint p,
           guint n_cols, gboolean clipped)
{
  const LscColumn *cols = self->cols[p];
  const graphene_rect_t *r = &f->plot;
  guint64 visible = 0;
  guint nonempty = 0;

  for (guint c = 0; c < n_cols; c++)
    if (cols[c].count > 0)
      {
        visible += cols[c].count;
        nonempty++;
      }
  if (visible == 0)
    return;

  GdkRGBA color = pal->paths[p];
  GdkRGBA fill = color;
  fill.alpha = pal->dark ? 0.30f : 0.22f;
  double bottom = r->origin.y + r->size.height;
  gboolean sparse = visible <= (guint64) n_cols / 4 || visible <= (guint64) nonempty * 1.2;

  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, r);
  cairo_rectangle (cr, r->origin.x, r->origin.y, r->size.width, r->size.height);
  cairo_clip (cr);

  if (sparse)
    {
      /* Sticks where a column holds several launches, then the dots on top. */
      gdk_cairo_set_source_rgba (cr, &fill);
      for (guint c = 0; c < n_cols; c++)
        if (cols[c].count > 1 && cols[c].max > cols[c].min)
          {
            double y0 = y_of (f, cols[c].max), y1 = y_of (f, cols[c].min);
            cairo_rectangle (cr, r->origin.x + c, y0, 1, MAX (y1 - y0, 1));
          }
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &color);
      double radius = visible < (guint64) n_cols / 12 ? 2.75 : 2.0;
      for (guint c = 0; c < n_cols; c++)
        if (cols[c].count > 0)
          {
            double y = y_of (f, cols[c].sum / cols[c].count);
            cairo_new_sub_path (cr);
            cairo_arc (cr, r->origin.x + c + 0.5, y, radius, 0, 2 * G_PI);
          }
      cairo_fill (cr);
    }
  else
    {
      /* Whole-pixel columns: cairo fills pixel-aligned boxes without tessellating them, which
       * matters where a live chart redraws 20 times a second on a CPU renderer. */
      gdk_cairo_set_source_rgba (cr, &fill);
      for (guint c = 0; c < n_cols; c++)
        if (cols[c].count > 0)
          {
            double y0 = y_of (f, cols[c].max), y1 = y_of (f, cols[c].min);
            y0 = floor (MAX (y0, r->origin.y - 1));
            y1 = ceil (MIN (y1, bottom + 1));
            cairo_rectangle (cr, floor (r->origin.x) + c, y0, 1, MAX (y1 - y0, 1));
          }
      cairo_fill (cr);

      /* The mean line, broken where the data has a gap of a few columns (bevel joins: a
       * round join per column is most of the stroking cost, and looks the same at 1.5 px). */
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_set_line_width (cr, 1.5);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
      guint gap = 0;
      gboolean open = FALSE;
      for (guint c = 0; c < n_cols; c++)
        {
          if (cols[c].count == 0)
            {
              if (++gap > 3)
                open = FALSE;
              continue;
            }
          double x = r->origin.x + c + 0.5, y = y_of (f, cols[c].sum / cols[c].count);
          if (open)
            cairo_line_to (cr, x, y);
          else
            cairo_move_to (cr, x, y);
          open = TRUE;
          gap = 0;
        }
      cairo_stroke (cr);
    }

  /* Clipped spikes: a tick on the top edge in the path's colour. */
  if (clipped)
    {
      gdk_cairo_set_source_rgba (cr, &color);
      for (guint c = 0; c < n_cols; c++)
        if (cols[c].count > 0 && cols[c].max > f->y.max)
          cairo_rectangle (cr, r->origin.x + c - 0.5, r->origin.y, 2, 3);
      cairo_fill (cr);
    }
  cairo_destroy (cr);
}

typedef struct {
  double x;       /* the line */
  double label_x; /* the label's left edge */
  guint row;
  gboolean labelled;
  char *label;
} MarkerPlace;

/* Places marker labels in up to MARKER_MAX_ROWS rows, first fit, so close toggles stack
 * instead of overprinting; a label goes right of its line, or left of it where it would run
 * off the chart; one that fits nowhere is left off (its line still shows).  Markers are kept
 * sorted by time.  Returns the rows used. */
static guint
place_markers (LscOverheadChart *self, const Frame *f, MarkerPlace *places, gsize *n_places)
{
  double row_end[MARKER_MAX_ROWS];
  double right_limit = f->plot.origin.x + f->plot.size.width + PAD - 2;
  guint rows = 0;
  gsize n = 0;

  for (guint i = 0; i < MARKER_MAX_ROWS; i++)
    row_end[i] = -G_MAXDOUBLE;

  for (gsize i = 0; i < self->n_markers; i++)
    {
      double t = (double) self->markers[i].t_ns;
      if (t < f->t0 || t > f->t1)
        continue;
      MarkerPlace *m = &places[n++];
      m->x = round (x_of (f, t)) + 0.5;
      m->labelled = FALSE;
      m->label = g_strdup (self->markers[i].label ? self->markers[i].label : "");
      if (*m->label == '\0')
        continue;

      double w;
      PangoLayout *layout = lsc_chart_layout_new (GTK_WIDGET (self), m->label, LSC_CHART_TEXT_CAPTION);
      lsc_chart_layout_get_size (layout, &w, NULL);
      g_object_unref (layout);
      m->label_x = m->x + 4;
      if (m->label_x + w > right_limit)
        m->label_x = m->x - 4 - w;

      for (guint row = 0; row < MARKER_MAX_ROWS; row++)
        if (m->label_x > row_end[row] + 6 && m->x > row_end[row])
          {
            m->row = row;
            m->labelled = TRUE;
            row_end[row] = MAX (m->label_x + w, m->x);
            rows = MAX (rows, row + 1);
            break;
          }
    }
  *n_places = n;
  return rows;
}

static void
draw_chart (LscOverheadChart *self, GtkSnapshot *snapshot, int width, int height, Frame *out)
{
  GtkWidget *widget = GTK_WIDGET (self);
  LscChartPalette pal;
  Frame f = { 0 };

  lsc_chart_palette_init (&pal, widget);
  if (out)
    out->valid = FALSE;

  if (!has_data (self))
    {
      if (self->ring != NULL)
        lsc_chart_draw_empty (widget, snapshot, &pal, width, height, _("Waiting for launches…"),
                              _("Launches appear here as they are recorded."));
      else
        lsc_chart_draw_empty (widget, snapshot, &pal, width, height, _("No launches to show"),
                              _("This report has no launches with host timing."));
      return;
    }

  if (!current_view (self, &f.t0, &f.t1))
    return;

  /* Gutters: the widest overhead label on the left, time labels below. */
  double label_w, label_h;
  PangoLayout *probe = lsc_chart_layout_new (widget, "888.8 µs", LSC_CHART_TEXT_CAPTION);
  lsc_chart_layout_get_size (probe, &label_w, &label_h);
  g_object_unref (probe);

  double left = PAD + label_w + 8, right = width - PAD;
  double plot_w = floor (right - left);
  if (plot_w < 16 || height < 80)
    return;

  guint n_cols = (guint) plot_w;
  guint present = compute_columns (self, f.t0, f.t1, n_cols);
  if (self->ring != NULL)
    for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
      if (self->hidden[p])
        lsc_columns_clear (self->cols[p], n_cols);

  /* Legend: the paths there are, the raw floor, the markers. */
  LscChartLegendItem items[LSC_CHART_N_PATHS + 2];
  int item_paths[LSC_CHART_N_PATHS + 2];
  guint n_items = 0;
  static const LscChartPath legend_order[] = {
    LSC_CHART_PATH_FAST, LSC_CHART_PATH_DEFAULT, LSC_CHART_PATH_RAW, LSC_CHART_PATH_GRAPH,
  };
  for (guint i = 0; i < G_N_ELEMENTS (legend_order); i++)
    {
      guint p = legend_order[i];
      if (!(present & (1u << p)))
        continue;
      item_paths[n_items] = p;
      items[n_items++] = (LscChartLegendItem) { &pal.paths[p], lsc_chart_path_label (p), LSC_CHART_SWATCH_BOX,
                                                self->hidden[p] };
    }
  if (self->raw_floor_ns > 0)
    {
      item_paths[n_items] = -1;
      items[n_items++] = (LscChartLegendItem) { &pal.paths[LSC_CHART_PATH_RAW], _("Raw floor (p50)"),
                                                LSC_CHART_SWATCH_DASHED, FALSE };
    }
  if (self->n_markers > 0)
    {
      item_paths[n_items] = -1;
      items[n_items++] = (LscChartLegendItem) { &pal.marker, _("Toggle"), LSC_CHART_SWATCH_DASHED, FALSE };
    }
  double legend_h = lsc_chart_measure_legend (widget, items, n_items, width - 2 * PAD);

  /* Plot rectangle: below the legend and the marker label band, above the time labels. */
  f.plot = GRAPHENE_RECT_INIT (left, PAD + legend_h + 10, plot_w, 0);
  MarkerPlace *places = g_new0 (MarkerPlace, MAX (self->n_markers, 1));
  gsize n_places = 0;
  guint marker_rows = place_markers (self, &f, places, &n_places);
  double band = marker_rows * MARKER_ROW_H + (marker_rows ? 4 : 0);
  f.plot.origin.y = round (f.plot.origin.y + band);
  f.plot.size.height = floor (height - PAD - label_h - 8 - f.plot.origin.y);
  if (f.plot.size.height < 24)
    {
      for (gsize i = 0; i < n_places; i++)
        g_free (places[i].label);
      g_free (places);
      return;
    }

  gboolean clipped = compute_y_scale (self, present, n_cols, &f.y);

  graphene_rect_t legend_rects[LSC_CHART_N_PATHS + 2];
  lsc_chart_draw_legend (widget, snapshot, &pal, items, n_items, left, PAD, width - PAD - left, legend_rects);
  draw_axes (self, snapshot, &pal, &f);

  for (guint i = 0; i < G_N_ELEMENTS (draw_order); i++)
    {
      guint p = draw_order[i];
      if ((present & (1u << p)) && !self->hidden[p])
        draw_path (self, snapshot, &pal, &f, p, n_cols, clipped);
    }

  /* The raw floor: a dashed line across, labelled at its right end. */
  if (self->raw_floor_ns > 0)
    {
      double y = round (y_of (&f, self->raw_floor_ns)) + 0.5;
      if (y >= f.plot.origin.y && y <= f.plot.origin.y + f.plot.size.height)
        {
          const GdkRGBA *c = &pal.paths[LSC_CHART_PATH_RAW];
          lsc_chart_dashed_line (snapshot, c, f.plot.origin.x, y, f.plot.origin.x + f.plot.size.width, y, 1.5, 5);
          g_autofree char *value = lsc_format_duration_ns (self->raw_floor_ns);
          g_autofree char *text = g_strdup_printf (_("raw floor %s"), value);
          graphene_rect_t ext;
          /* Below the line: nothing runs faster than the floor, so that side is clear. */
          double lx = f.plot.origin.x + f.plot.size.width - 4;
          double ly = y + 3;
          gboolean below = ly + label_h <= f.plot.origin.y + f.plot.size.height;
          lsc_chart_draw_text (widget, NULL, text, LSC_CHART_TEXT_CAPTION, c, lx, below ? ly : y - 3, 1, below ? 0 : 1,
                               &ext);
          GdkRGBA halo = pal.background;
          halo.alpha = 0.8f;
          lsc_chart_fill_rect (snapshot, &halo, ext.origin.x - 3, ext.origin.y, ext.size.width + 6, ext.size.height);
          lsc_chart_draw_text (widget, snapshot, text, LSC_CHART_TEXT_CAPTION, c, lx, below ? ly : y - 3, 1,
                               below ? 0 : 1, NULL);
        }
    }

  /* Toggle markers: dashed lines through the plot, labels in the band above it. */
  double band_top = f.plot.origin.y - band;
  for (gsize i = 0; i < n_places; i++)
    {
      MarkerPlace *m = &places[i];
      double y_start = m->labelled ? band_top + m->row * MARKER_ROW_H + 2 : f.plot.origin.y;
      lsc_chart_dashed_line (snapshot, &pal.marker, m->x, y_start, m->x, f.plot.origin.y + f.plot.size.height, 1, 3);
      if (m->labelled)
        lsc_chart_draw_text (widget, snapshot, m->label, LSC_CHART_TEXT_CAPTION, &pal.fg, m->label_x,
                             band_top + m->row * MARKER_ROW_H, 0, 0, NULL);
      g_free (m->label);
    }
  g_free (places);

  if (clipped)
    {
      g_autofree char *top = lsc_chart_format_tick_ns (f.y.max);
      g_autofree char *note = g_strdup_printf (_("Spikes above %s clipped; the log scale shows them"), top);
      graphene_rect_t ext;
      double nx = f.plot.origin.x + f.plot.size.width - 6, ny = f.plot.origin.y + 6;
      lsc_chart_draw_text (widget, NULL, note, LSC_CHART_TEXT_CAPTION, NULL, nx, ny, 1, 0, &ext);
      GdkRGBA halo = pal.background;
      halo.alpha = 0.85f;
      lsc_chart_fill_rect (snapshot, &halo, ext.origin.x - 4, ext.origin.y - 1, ext.size.width + 8, ext.size.height + 2);
      lsc_chart_draw_text (widget, snapshot, note, LSC_CHART_TEXT_CAPTION, &pal.dim, nx, ny, 1, 0, NULL);
    }

  f.valid = TRUE;
  f.n_legend = n_items;
  memcpy (f.legend_rects, legend_rects, n_items * sizeof (graphene_rect_t));
  memcpy (f.legend_paths, item_paths, n_items * sizeof (int));
  if (out)
    *out = f;
}

static void
draw_for_png (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height)
{
  draw_chart (LSC_OVERHEAD_CHART (widget), snapshot, width, height, NULL);
}

/* On screen the frame is kept for hit testing and overlays. */
static void
draw_on_screen (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (widget);
  draw_chart (self, snapshot, width, height, &self->frame);
}

static void
lsc_overhead_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (widget);
  if (!lsc_chart_cache_snapshot (&self->cache, widget, snapshot, draw_on_screen))
    return;

  /* Keyboard focus (the chart zooms and pans with + - 0 and the arrow keys): a ring around
   * the plot, drawn only when focus came from the keyboard. */
  if (gtk_widget_has_visible_focus (widget) && self->frame.valid)
    {
      LscChartPalette pal;
      lsc_chart_palette_init (&pal, widget);
      GskRoundedRect outline;
      GdkRGBA ring = pal.paths[LSC_CHART_PATH_FAST];
      ring.alpha = 0.5f;
      graphene_rect_t r;
      graphene_rect_inset_r (&self->frame.plot, -3, -3, &r);
      gsk_rounded_rect_init_from_rect (&outline, &r, 4);
      gtk_snapshot_append_border (snapshot, &outline, (float[4]) { 2, 2, 2, 2 },
                                  (GdkRGBA[4]) { ring, ring, ring, ring });
    }

  /* The hover overlay: a guide line and a ringed dot on the launch under the pointer. */
  if (self->hover.valid && self->frame.valid)
    {
      const Frame *f = &self->frame;
      LscChartPalette pal;
      lsc_chart_palette_init (&pal, widget);
      double x = x_of (f, self->hover.t), y = y_of (f, self->hover.v);
      y = CLAMP (y, f->plot.origin.y, f->plot.origin.y + f->plot.size.height);
      GdkRGBA guide = pal.fg;
      guide.alpha = 0.25f;
      lsc_chart_fill_rect (snapshot, &guide, round (x), f->plot.origin.y, 1, f->plot.size.height);

      cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x - 8, y - 8, 16, 16));
      gdk_cairo_set_source_rgba (cr, &pal.background);
      cairo_arc (cr, x, y, 6, 0, 2 * G_PI);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &pal.paths[self->hover.path]);
      cairo_arc (cr, x, y, 4, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_destroy (cr);
    }
}

static void
lsc_overhead_chart_measure (GtkWidget *widget G_GNUC_UNUSED, GtkOrientation orientation, int for_size G_GNUC_UNUSED, int *minimum,
                            int *natural, int *minimum_baseline G_GNUC_UNUSED, int *natural_baseline G_GNUC_UNUSED)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = 240, *natural = 640;
  else
    *minimum = 160, *natural = 320;
}

static void
lsc_overhead_chart_size_allocate (GtkWidget *widget, int width, int height, int baseline G_GNUC_UNUSED)
{
  lsc_chart_cache_resize (&LSC_OVERHEAD_CHART (widget)->cache, width, height);
}

static void
lsc_overhead_chart_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (lsc_overhead_chart_parent_class)->css_changed (widget, change);
  /* Light/dark switches change the text colour and so the palette. */
  invalidate (LSC_OVERHEAD_CHART (widget));
}

/* --- Hover and tooltip -------------------------------------------------------------------- */

static void
consider (LscOverheadChart *self G_GNUC_UNUSED, const Frame *f, guint p, gsize index, double t, double v, double px, double py,
          double *best, Hover *hover)
{
  double dx = x_of (f, t) - px;
  double y = CLAMP (y_of (f, v), f->plot.origin.y, f->plot.origin.y + f->plot.size.height);
  double dy = y - py, d = dx * dx + dy * dy;
  if (d < *best)
    {
      *best = d;
      *hover = (Hover) { TRUE, p, index, t, v };
    }
}

/* The launch nearest the pointer within HOVER_RADIUS, searched among launches within the
 * radius in time (binary search), examining at most HOVER_SCAN_LIMIT of them. */
static Hover
find_hover (LscOverheadChart *self, double px, double py)
{
  const Frame *f = &self->frame;
  Hover hover = { FALSE };
  double best = HOVER_RADIUS * HOVER_RADIUS;

  if (!f->valid || !graphene_rect_contains_point (&f->plot, &GRAPHENE_POINT_INIT (px, py)))
    return hover;

  double ns_per_px = (f->t1 - f->t0) / f->plot.size.width;
  double ta = f->t0 + (px - HOVER_RADIUS - f->plot.origin.x) * ns_per_px;
  double tb = f->t0 + (px + HOVER_RADIUS - f->plot.origin.x) * ns_per_px;

  if (self->ring != NULL)
    {
      gsize n = lsc_ring_get_length (self->ring), scanned = 0;
      for (gsize i = n; i-- > 0 && scanned < HOVER_SCAN_LIMIT; scanned++)
        {
          guint64 t;
          guint32 v;
          guint8 p;
          lsc_ring_get (self->ring, i, &t, &v, &p);
          if (t < ta || t > tb || p >= LSC_CHART_N_PATHS || self->hidden[p])
            continue;
          consider (self, f, p, i, (double) t, v, px, py, &best, &hover);
        }
      return hover;
    }

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      const LscMinMaxIndex *idx = self->index ? lsc_series_index_get_path (self->index, p) : NULL;
      if (idx == NULL || self->hidden[p])
        continue;
      const guint64 *t = lsc_min_max_index_get_times (idx);
      const guint32 *v = lsc_min_max_index_get_values (idx);
      gsize a = lsc_min_max_index_lower_bound (idx, ta), b = lsc_min_max_index_lower_bound (idx, tb);
      /* Too many to scan: look at the slice nearest the pointer's time. */
      if (b - a > HOVER_SCAN_LIMIT)
        {
          gsize mid = lsc_min_max_index_lower_bound (idx, f->t0 + (px - f->plot.origin.x) * ns_per_px);
          a = mid > HOVER_SCAN_LIMIT / 2 ? mid - HOVER_SCAN_LIMIT / 2 : 0;
          b = MIN (a + HOVER_SCAN_LIMIT, lsc_min_max_index_get_n (idx));
        }
      for (gsize k = a; k < b; k++)
        consider (self, f, p, k, (double) t[k], v[k], px, py, &best, &hover);
      if (hover.valid && hover.path == p)
        hover.index = lsc_series_index_get_member (self->index, p, hover.index);
    }
  return hover;
}

/* trigger: ask GTK for the tooltip again (not from inside query-tooltip itself). */
static void
set_hover (LscOverheadChart *self, Hover hover, gboolean trigger)
{
  if (hover.valid == self->hover.valid && (!hover.valid || (hover.path == self->hover.path &&
                                                            hover.index == self->hover.index)))
    return;
  self->hover = hover;
  gtk_widget_queue_draw (GTK_WIDGET (self)); /* the cached chart stays; only the overlay changes */
  if (trigger)
    gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
}

static char *
hover_markup (LscOverheadChart *self)
{
  const Hover *h = &self->hover;
  GString *s = g_string_new (NULL);
  g_autofree char *value = lsc_format_duration_ns (h->v);
  g_autofree char *time = g_strdup_printf ("%.6f s", h->t / 1e9);
  guint64 number = h->index;

  guint32 weight = 1;
  if (self->ring != NULL)
    {
      number = lsc_ring_get_total (self->ring) - lsc_ring_get_length (self->ring) + h->index;
      if (h->index < lsc_ring_get_length (self->ring))
        weight = lsc_ring_get_count (self->ring, h->index);
    }
  g_autofree char *num = lsc_chart_format_count (number);

  g_string_append_printf (s, "<b>%s</b>", value);
  g_string_append_printf (s, "\n%s", lsc_chart_path_label (h->path));
  if (self->index != NULL)
    {
      const LscSeries *series = lsc_series_index_get_series (self->index);
      if (series->outcome != NULL)
        g_string_append_printf (s, " · %s", outcome_label (series->outcome[h->index]));
      if (series->reason != NULL && series->reason[h->index] != 0)
        {
          guint r = series->reason[h->index];
          g_string_append_printf (s, "\n%s %s", _("Reason:"), r < G_N_ELEMENTS (reason_ids) ? reason_ids[r] : "?");
        }
      if (series->spec_id != NULL && series->spec_id[h->index] >= 0)
        g_string_append_printf (s, "\n%s %" G_GINT64_FORMAT, _("Spec:"), series->spec_id[h->index]);
    }
  if (weight > 1)
    {
      /* an aggregate of live launches: its value is their maximum */
      g_autofree char *n = lsc_chart_format_count (weight);
      g_string_append_printf (s, "\n");
      g_string_append_printf (s, _("Slowest of %s launches"), n);
    }
  else
    g_string_append_printf (s, "\n%s %s", _("Launch:"), num);
  g_string_append_printf (s, "\n%s %s", _("Time:"), time);
  return g_string_free (s, FALSE);
}

static gboolean
lsc_overhead_chart_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (widget);

  if (!keyboard)
    set_hover (self, find_hover (self, x, y), FALSE);
  if (!self->hover.valid || !self->frame.valid)
    return FALSE;

  g_autofree char *markup = hover_markup (self);
  gtk_tooltip_set_markup (tooltip, markup);
  double hx = x_of (&self->frame, self->hover.t), hy = y_of (&self->frame, self->hover.v);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) hx - 6, (int) hy - 6, 12, 12 });
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller G_GNUC_UNUSED, double x, double y, LscOverheadChart *self)
{
  self->pointer_inside = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  set_hover (self, find_hover (self, x, y), TRUE);
}

static void
on_leave (GtkEventControllerMotion *controller G_GNUC_UNUSED, LscOverheadChart *self)
{
  self->pointer_inside = FALSE;
  set_hover (self, (Hover) { FALSE }, TRUE);
}

/* --- Zoom and pan ------------------------------------------------------------------------- */

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, LscOverheadChart *self)
{
  if (!self->frame.valid)
    return FALSE;

  /* A wheel notch is ±1; touchpads report pixels. */
  gboolean wheel = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL;
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  double x = self->pointer_inside ? self->pointer_x
                                  : self->frame.plot.origin.x + self->frame.plot.size.width / 2;

  if (mods & GDK_SHIFT_MASK)
    {
      dx = dx != 0 ? dx : dy;
      dy = 0;
    }
  if (dx != 0)
    pan_by (self, wheel ? dx * 0.1 : dx / self->frame.plot.size.width);
  if (dy != 0)
    zoom_at (self, pow (1.25, wheel ? dy : dy / 20.0), x);
  set_hover (self, (Hover) { FALSE }, TRUE);
  return TRUE;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, LscOverheadChart *self)
{
  if (!self->frame.valid || !graphene_rect_contains_point (&self->frame.plot, &GRAPHENE_POINT_INIT (x, y)) ||
      !current_view (self, &self->drag_t0, &self->drag_t1))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->dragging = FALSE;
}

static void
on_drag_update (GtkGestureDrag *gesture, double ox, double oy G_GNUC_UNUSED, LscOverheadChart *self)
{
  if (!self->dragging && fabs (ox) < 3)
    return; /* a click (legend, double-click), not yet a drag */
  if (!self->dragging)
    {
      self->dragging = TRUE;
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
    }
  double ns_per_px = (self->drag_t1 - self->drag_t0) / self->frame.plot.size.width;
  set_view (self, self->drag_t0 - ox * ns_per_px, self->drag_t1 - ox * ns_per_px);
  set_hover (self, (Hover) { FALSE }, TRUE);
}

static void
on_drag_end (GtkGestureDrag *gesture G_GNUC_UNUSED, double ox G_GNUC_UNUSED, double oy G_GNUC_UNUSED, LscOverheadChart *self)
{
  self->dragging = FALSE;
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
on_zoom_begin (GtkGesture *gesture, GdkEventSequence *sequence G_GNUC_UNUSED, LscOverheadChart *self)
{
  if (!current_view (self, &self->zoom_t0, &self->zoom_t1))
    gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_DENIED);
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture, double scale, LscOverheadChart *self)
{
  double cx, cy;
  if (!self->frame.valid || scale <= 0 || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    return;
  const graphene_rect_t *plot = &self->frame.plot;
  double f = CLAMP ((cx - plot->origin.x) / plot->size.width, 0.0, 1.0);
  double anchor = self->zoom_t0 + f * (self->zoom_t1 - self->zoom_t0);
  double span = (self->zoom_t1 - self->zoom_t0) / scale;
  set_view (self, anchor - f * span, anchor - f * span + span);
}

static void
on_click (GtkGestureClick *gesture G_GNUC_UNUSED, int n_press, double x, double y, LscOverheadChart *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (!self->frame.valid)
    return;

  /* A click on a legend entry shows or hides that path. */
  for (guint i = 0; i < self->frame.n_legend; i++)
    if (self->frame.legend_paths[i] >= 0 &&
        graphene_rect_contains_point (&self->frame.legend_rects[i], &GRAPHENE_POINT_INIT (x, y)))
      {
        guint p = self->frame.legend_paths[i];
        lsc_overhead_chart_set_path_visible (self, p, self->hidden[p]);
        return;
      }

  if (n_press == 2 && graphene_rect_contains_point (&self->frame.plot, &GRAPHENE_POINT_INIT (x, y)))
    lsc_overhead_chart_reset_zoom (self);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller G_GNUC_UNUSED, guint keyval, guint keycode G_GNUC_UNUSED, GdkModifierType state G_GNUC_UNUSED,
                LscOverheadChart *self)
{
  double cx = self->frame.plot.origin.x + self->frame.plot.size.width / 2;
  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      zoom_at (self, 1 / 1.5, cx);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      zoom_at (self, 1.5, cx);
      return TRUE;
    case GDK_KEY_0:
    case GDK_KEY_KP_0:
    case GDK_KEY_Home:
      lsc_overhead_chart_reset_zoom (self);
      return TRUE;
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      pan_by (self, -0.1);
      return TRUE;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      pan_by (self, 0.1);
      return TRUE;
    case GDK_KEY_l:
      lsc_overhead_chart_set_log_scale (self, !self->log_scale);
      return TRUE;
    default:
      return FALSE;
    }
}

/* --- Live data ---------------------------------------------------------------------------- */

static gboolean
live_tick (GtkWidget *widget, GdkFrameClock *clock G_GNUC_UNUSED, gpointer user_data G_GNUC_UNUSED)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (widget);
  /* Every append since the last frame becomes this one redraw. */
  self->tick_id = 0;
  invalidate (self);
  return G_SOURCE_REMOVE;
}

static void
update_description (LscOverheadChart *self)
{
  g_autofree char *text = NULL;
  gsize n = 0;

  if (self->ring != NULL)
    n = lsc_ring_get_length (self->ring);
  else if (self->index != NULL)
    n = lsc_series_index_get_series (self->index)->n;
  g_autofree char *count = lsc_chart_format_count (n);
  text = g_strdup_printf (_("%s launches; scroll to zoom, drag to pan, double-click to show all"), count);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
ensure_ring (LscOverheadChart *self)
{
  if (self->ring == NULL)
    {
      g_clear_pointer (&self->index, lsc_series_index_free);
      self->ring = lsc_ring_new (self->live_capacity);
      self->hover.valid = FALSE;
      update_description (self);
    }
}

static void
queue_live_redraw (LscOverheadChart *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), live_tick, NULL, NULL);
}

void
lsc_overhead_chart_append (LscOverheadChart *self, guint64 t_ns, guint32 value_ns, guint8 path)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));

  ensure_ring (self);
  lsc_ring_append (self->ring, t_ns, value_ns, path);
  queue_live_redraw (self);
}

void
lsc_overhead_chart_append_column (LscOverheadChart *self, guint64 t_ns, const LscColumn *column, guint8 path)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  g_return_if_fail (column != NULL);

  ensure_ring (self);
  lsc_ring_append_column (self->ring, t_ns, column, path);
  queue_live_redraw (self);
}

/* --- Public API --------------------------------------------------------------------------- */

GtkWidget *
lsc_overhead_chart_new (void)
{
  return g_object_new (LSC_TYPE_OVERHEAD_CHART, NULL);
}

void
lsc_overhead_chart_set_index (LscOverheadChart *self, LscSeriesIndex *index)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));

  g_clear_pointer (&self->index, lsc_series_index_free);
  g_clear_pointer (&self->ring, lsc_ring_free);
  self->index = index;
  self->hover.valid = FALSE;
  set_follow (self, TRUE);
  update_description (self);
  invalidate (self);
}

void
lsc_overhead_chart_set_series (LscOverheadChart *self, LscSeries *series)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  lsc_overhead_chart_set_index (self, series != NULL ? lsc_series_index_new (series) : NULL);
}

static gint
compare_marker (gconstpointer a, gconstpointer b, gpointer user_data G_GNUC_UNUSED)
{
  guint64 x = ((const LscChartMarker *) a)->t_ns, y = ((const LscChartMarker *) b)->t_ns;
  return (x > y) - (x < y);
}

static void
free_markers (LscOverheadChart *self)
{
  for (gsize i = 0; i < self->n_markers; i++)
    g_free ((char *) self->markers[i].label);
  g_clear_pointer (&self->markers, g_free);
  self->n_markers = 0;
}

void
lsc_overhead_chart_set_markers (LscOverheadChart *self, const LscChartMarker *markers, gsize n)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  g_return_if_fail (markers != NULL || n == 0);

  free_markers (self);
  if (n > 0)
    {
      self->markers = g_new (LscChartMarker, n);
      for (gsize i = 0; i < n; i++)
        self->markers[i] = (LscChartMarker) { markers[i].t_ns, g_strdup (markers[i].label) };
      self->n_markers = n;
      /* Label placement walks them left to right. */
      g_qsort_with_data (self->markers, (gint) n, sizeof (LscChartMarker), compare_marker, NULL);
    }
  invalidate (self);
}

void
lsc_overhead_chart_set_raw_floor (LscOverheadChart *self, double p50_ns)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  if (!lsc_chart_update_raw_floor (&self->raw_floor_ns, p50_ns))
    return;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RAW_FLOOR_NS]);
}

double
lsc_overhead_chart_get_raw_floor (LscOverheadChart *self)
{
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), 0);
  return self->raw_floor_ns;
}

void
lsc_overhead_chart_set_log_scale (LscOverheadChart *self, gboolean log_scale)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  log_scale = !!log_scale;
  if (self->log_scale == log_scale)
    return;
  self->log_scale = log_scale;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
}

gboolean
lsc_overhead_chart_get_log_scale (LscOverheadChart *self)
{
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), FALSE);
  return self->log_scale;
}

void
lsc_overhead_chart_set_path_visible (LscOverheadChart *self, LscChartPath path, gboolean visible)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  g_return_if_fail ((guint) path < LSC_CHART_N_PATHS);
  if (self->hidden[path] == !visible)
    return;
  self->hidden[path] = !visible;
  self->hover.valid = FALSE;
  invalidate (self);
}

gboolean
lsc_overhead_chart_get_path_visible (LscOverheadChart *self, LscChartPath path)
{
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), FALSE);
  g_return_val_if_fail ((guint) path < LSC_CHART_N_PATHS, FALSE);
  return !self->hidden[path];
}

void
lsc_overhead_chart_clear (LscOverheadChart *self)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  g_clear_pointer (&self->ring, lsc_ring_free);
  free_markers (self);
  lsc_overhead_chart_set_index (self, NULL);
}

gboolean
lsc_overhead_chart_get_visible_range (LscOverheadChart *self, double *t0_ns, double *t1_ns)
{
  double a, b;
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), FALSE);
  if (!current_view (self, &a, &b))
    return FALSE;
  if (t0_ns)
    *t0_ns = a;
  if (t1_ns)
    *t1_ns = b;
  return TRUE;
}

void
lsc_overhead_chart_set_visible_range (LscOverheadChart *self, double t0_ns, double t1_ns)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  if (t1_ns > t0_ns)
    set_view (self, t0_ns, t1_ns);
}

void
lsc_overhead_chart_reset_zoom (LscOverheadChart *self)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  set_follow (self, TRUE);
  invalidate (self);
}

gboolean
lsc_overhead_chart_get_zoomed (LscOverheadChart *self)
{
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), FALSE);
  return !self->follow;
}

gboolean
lsc_overhead_chart_save_png (LscOverheadChart *self, const char *filename, int width, int height, GError **error)
{
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);

  return lsc_chart_widget_save_png (GTK_WIDGET (self), draw_for_png, width, height, filename, error);
}

/* --- GObject ------------------------------------------------------------------------------ */

static void
lsc_overhead_chart_dispose (GObject *object)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  lsc_chart_cache_clear (&self->cache);
  G_OBJECT_CLASS (lsc_overhead_chart_parent_class)->dispose (object);
}

static void
lsc_overhead_chart_finalize (GObject *object)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (object);

  lsc_series_index_free (self->index);
  lsc_ring_free (self->ring);
  free_markers (self);
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    g_free (self->cols[p]);
  G_OBJECT_CLASS (lsc_overhead_chart_parent_class)->finalize (object);
}

static void
lsc_overhead_chart_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (object);

  switch (prop_id)
    {
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, self->log_scale);
      break;
    case PROP_RAW_FLOOR_NS:
      g_value_set_double (value, self->raw_floor_ns);
      break;
    case PROP_LIVE_CAPACITY:
      g_value_set_uint (value, (guint) self->live_capacity);
      break;
    case PROP_ZOOMED:
      g_value_set_boolean (value, !self->follow);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_overhead_chart_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (object);

  switch (prop_id)
    {
    case PROP_LOG_SCALE:
      lsc_overhead_chart_set_log_scale (self, g_value_get_boolean (value));
      break;
    case PROP_RAW_FLOOR_NS:
      lsc_overhead_chart_set_raw_floor (self, g_value_get_double (value));
      break;
    case PROP_LIVE_CAPACITY:
      self->live_capacity = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_overhead_chart_class_init (LscOverheadChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lsc_overhead_chart_dispose;
  object_class->finalize = lsc_overhead_chart_finalize;
  object_class->get_property = lsc_overhead_chart_get_property;
  object_class->set_property = lsc_overhead_chart_set_property;

  widget_class->snapshot = lsc_overhead_chart_snapshot;
  widget_class->measure = lsc_overhead_chart_measure;
  widget_class->size_allocate = lsc_overhead_chart_size_allocate;
  widget_class->css_changed = lsc_overhead_chart_css_changed;
  widget_class->query_tooltip = lsc_overhead_chart_query_tooltip;

  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RAW_FLOOR_NS] =
    g_param_spec_double ("raw-floor-ns", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LIVE_CAPACITY] =
    g_param_spec_uint ("live-capacity", NULL, NULL, 1, G_MAXUINT32, LSC_OVERHEAD_CHART_DEFAULT_LIVE_CAPACITY,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOMED] =
    g_param_spec_boolean ("zoomed", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  lsc_chart_class_setup (widget_class, "overheadchart");
}

static void
lsc_overhead_chart_init (LscOverheadChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  self->follow = TRUE;
  self->live_capacity = LSC_OVERHEAD_CHART_DEFAULT_LIVE_CAPACITY;

  gtk_widget_set_focusable (widget, TRUE);
  lsc_chart_widget_setup (widget, _("Host overhead per launch over time"), G_CALLBACK (on_motion),
                          G_CALLBACK (on_leave));
  update_description (self);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (on_zoom_begin), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_click), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (widget, controller);
}
