/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-overhead-chart-draw.c — the overhead chart's drawing: per pixel column a min/max
 * envelope and the mean line (points when sparse), the axes, the legend, the raw floor line,
 * the toggle markers in their rows above the plot, the compile launches as markers, and the
 * overlays (hover, selection).  Called from
 * snapshot; everything it reads is on the main thread.
 */
#include <glib/gi18n.h>
#include <math.h>

#include "lsc-format.h"
#include "lsc-overhead-chart-private.h"

#define PAD 12.0
#define MARKER_ROW_H 16.0
#define MARKER_MAX_ROWS 3
#define COMPILE_MARK 5.0 /* half the width of a compile launch's triangle */

/* Paths in drawing order: the raw floor below, the fast path on top. */
static const LscChartPath draw_order[] = {
  LSC_CHART_PATH_RAW, LSC_CHART_PATH_GRAPH, LSC_CHART_PATH_DEFAULT, LSC_CHART_PATH_FAST,
};

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
 * to the largest visible value when launches are sparse, but for dense data to twice the
 * 95th percentile of the column means, so the levels being compared (fast against baseline
 * against the raw floor) fill the plot instead of hugging its bottom under a 100 µs spike.
 * (The 99th was the largest mean or next to it where bursts of launches fill a hundred
 * columns, and the axis jumped fourfold as the plot narrowed by a few columns.)
 * Columns reaching above are clipped at the top edge and flagged there (and the log scale
 * shows them whole).  Compile launches are never part of it: they are not in the columns, and
 * are marked on their own.  Returns TRUE when clipped. */
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
          double level = means[lsc_nearest_rank (n_means, 95) - 1] * 2.0;
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

double
lsc_overhead_chart_y_of (const LscOverheadFrame *f, double value)
{
  double n = lsc_axis_scale_normalize (&f->y, value);
  return f->plot.origin.y + f->plot.size.height * (1.0 - n);
}

double
lsc_overhead_chart_compile_y (const LscOverheadFrame *f, double value)
{
  double top = f->plot.origin.y, bottom = top + f->plot.size.height;
  return CLAMP (lsc_overhead_chart_y_of (f, value), top + COMPILE_MARK, bottom);
}

/* The room the tracks take under the plot: a gap, then a row per track. */
static double
tracks_height (guint n_tracks)
{
  return n_tracks ? 8 + n_tracks * LSC_OVERHEAD_TRACK_PITCH : 0;
}

double
lsc_overhead_chart_track_y (const LscOverheadFrame *f, guint i)
{
  return f->tracks_top + i * LSC_OVERHEAD_TRACK_PITCH;
}

static GdkRGBA
track_color (const LscChartPalette *pal, LscTrackKind kind)
{
  if (kind == LSC_TRACK_API)
    return pal->marker;
  /* GNOME's green: kernels are neither a launch path's colour nor the text's */
  return pal->dark ? (GdkRGBA) { 0.18f, 0.76f, 0.49f, 1 } : (GdkRGBA) { 0.15f, 0.64f, 0.41f, 1 };
}

/* Each track: its label in the left gutter, a faint band, and its spans in the view as boxes
 * of at least a pixel, neighbours within half a pixel merged, so a million calls cost a pass,
 * not a million rectangles. */
static void
draw_tracks (LscOverheadChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const LscOverheadFrame *f)
{
  GtkWidget *widget = GTK_WIDGET (self);
  double left = f->plot.origin.x, right = left + f->plot.size.width;

  for (guint i = 0; i < f->n_tracks; i++)
    {
      const LscTrack *track = lsc_tracks_get (self->tracks, i);
      double y = lsc_overhead_chart_track_y (f, i);
      lsc_chart_fill_rect (snapshot, &pal->grid, left, y, f->plot.size.width, LSC_OVERHEAD_TRACK_H);
      g_autofree char *label = lsc_track_label (track);
      lsc_chart_draw_text (widget, snapshot, label, LSC_CHART_TEXT_CAPTION, &pal->dim, left - 8,
                           y + LSC_OVERHEAD_TRACK_H / 2, 1, 0.5, NULL);

      GdkRGBA color = track_color (pal, track->kind);
      gsize a = lsc_track_lower_bound (track, f->t0 - (double) track->max_length_ns);
      gsize b = lsc_track_lower_bound (track, f->t1);
      double run0 = 0, run1 = -1;
      for (gsize k = a; k <= b; k++)
        {
          double x0 = G_MAXDOUBLE, x1 = G_MAXDOUBLE;
          if (k < b)
            {
              const LscSpan *span = &track->spans[k];
              if ((double) span->t1_ns < f->t0)
                continue;
              x0 = MAX (lsc_overhead_chart_x_of (f, (double) span->t0_ns), left);
              x1 = MIN (lsc_overhead_chart_x_of (f, (double) span->t1_ns), right);
              x1 = MAX (x1, x0 + 1);
              if (run1 >= run0 && x0 <= run1 + 0.5)
                {
                  run1 = MAX (run1, x1);
                  continue;
                }
            }
          if (run1 >= run0)
            lsc_chart_fill_rect (snapshot, &color, run0, y + 1, run1 - run0, LSC_OVERHEAD_TRACK_H - 2);
          run0 = x0;
          run1 = x1;
        }
    }
}

double
lsc_overhead_chart_hover_y (const LscOverheadFrame *f, const LscOverheadHover *hover)
{
  if (hover->compile)
    return lsc_overhead_chart_compile_y (f, hover->v) - COMPILE_MARK;
  return CLAMP (lsc_overhead_chart_y_of (f, hover->v), f->plot.origin.y, f->plot.origin.y + f->plot.size.height);
}

double
lsc_overhead_chart_x_of (const LscOverheadFrame *f, double t)
{
  return f->plot.origin.x + (t - f->t0) / (f->t1 - f->t0) * f->plot.size.width;
}

static void
draw_axes (LscOverheadChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const LscOverheadFrame *f)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const graphene_rect_t *r = &f->plot;
  double left = r->origin.x, top = r->origin.y, w = r->size.width, h = r->size.height;
  double below = tracks_height (f->n_tracks);

  /* Overhead ticks: horizontal grid lines and labels in the left gutter. */
  if (f->y.log_scale)
    {
      LscLogTick ticks[64];
      guint n = lsc_chart_log_ticks (f->y.min, f->y.max, 8, ticks, G_N_ELEMENTS (ticks));
      for (guint i = 0; i < n; i++)
        {
          double y = round (lsc_overhead_chart_y_of (f, ticks[i].value));
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
          double y = round (lsc_overhead_chart_y_of (f, ticks[i]));
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
      double x = round (lsc_overhead_chart_x_of (f, ticks[i]));
      if (x < left - 0.5 || x > left + w + 0.5)
        continue;
      lsc_chart_fill_rect (snapshot, &pal->grid, x, top, 1, h);
      /* the tracks, when there are any, sit between the plot and the time labels */
      lsc_chart_fill_rect (snapshot, &pal->axis, x, top + h + below, 1, 4);
      g_autofree char *label = lsc_chart_format_axis_ns (ticks[i], MAX (fabs (f->t0), fabs (f->t1)), step);
      lsc_chart_draw_tick_label (widget, snapshot, label, &pal->dim, x + 0.5, top + h + below + 6, left + w + PAD - 2,
                                 &last_right);
    }

  /* The base line. */
  lsc_chart_fill_rect (snapshot, &pal->axis, left, round (top + h), w, 1);
}

/* One path's columns: an envelope from min to max per column with the mean as the line when
 * dense; a dot per column (and its min–max stick when it holds several) when sparse. */
static void
draw_path (LscOverheadChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const LscOverheadFrame *f, guint p,
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
            double y0 = lsc_overhead_chart_y_of (f, cols[c].max), y1 = lsc_overhead_chart_y_of (f, cols[c].min);
            cairo_rectangle (cr, r->origin.x + c, y0, 1, MAX (y1 - y0, 1));
          }
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &color);
      double radius = visible < (guint64) n_cols / 12 ? 2.75 : 2.0;
      for (guint c = 0; c < n_cols; c++)
        if (cols[c].count > 0)
          {
            double y = lsc_overhead_chart_y_of (f, cols[c].sum / cols[c].count);
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
            double y0 = lsc_overhead_chart_y_of (f, cols[c].max), y1 = lsc_overhead_chart_y_of (f, cols[c].min);
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
          double x = r->origin.x + c + 0.5, y = lsc_overhead_chart_y_of (f, cols[c].sum / cols[c].count);
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

/* Compile launches: a triangle in the path's colour pointing down at the launch's value, on
 * the top edge when the value is above the axis; one per pixel column (the slowest there), so a
 * report of nothing but misses draws as fast as any other.  Returns how many visible ones are
 * above the axis and the largest of those. */
static guint
draw_compiles (LscOverheadChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const LscOverheadFrame *f,
               guint n_cols, guint32 *off_scale_max)
{
  gsize n_compiles;
  guint off_scale = 0;
  *off_scale_max = 0;
  if (self->index == NULL || n_cols == 0)
    return 0;
  const LscCompileLaunch *compiles = lsc_series_index_get_compiles (self->index, &n_compiles);
  gsize a = lsc_series_index_compile_lower_bound (self->index, f->t0);
  gsize b = lsc_series_index_compile_lower_bound (self->index, f->t1);
  if (a >= b)
    return 0;

  /* the slowest compile launch per column, as its position in compiles + 1 (0: none) */
  gsize *slowest = g_new0 (gsize, n_cols);
  for (gsize i = a; i < b; i++)
    {
      const LscCompileLaunch *c = &compiles[i];
      gint64 col = lsc_chart_column_for_time ((double) c->t_ns, f->t0, f->t1, n_cols);
      if (self->hidden[c->path] || col < 0)
        continue;
      if (c->value_ns > f->y.max)
        {
          off_scale++;
          *off_scale_max = MAX (*off_scale_max, c->value_ns);
        }
      if (slowest[col] == 0 || compiles[slowest[col] - 1].value_ns < c->value_ns)
        slowest[col] = i + 1;
    }

  graphene_rect_t area;
  graphene_rect_inset_r (&f->plot, -COMPILE_MARK - 2, -COMPILE_MARK - 2, &area);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &area);
  cairo_set_line_width (cr, 1.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint col = 0; col < n_cols; col++)
    {
      if (slowest[col] == 0)
        continue;
      const LscCompileLaunch *c = &compiles[slowest[col] - 1];
      double x = round (lsc_overhead_chart_x_of (f, (double) c->t_ns)) + 0.5;
      double y = lsc_overhead_chart_compile_y (f, c->value_ns);
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x - COMPILE_MARK, y - COMPILE_MARK * 1.6);
      cairo_line_to (cr, x + COMPILE_MARK, y - COMPILE_MARK * 1.6);
      cairo_close_path (cr);
      gdk_cairo_set_source_rgba (cr, &pal->paths[c->path]);
      cairo_fill_preserve (cr);
      gdk_cairo_set_source_rgba (cr, &pal->background);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
  g_free (slowest);
  return off_scale;
}

/* Notes in the plot's top right corner, one under the other, each on a halo. */
static void
draw_note (GtkWidget *widget, GtkSnapshot *snapshot, const LscChartPalette *pal, const LscOverheadFrame *f,
           const char *note, double *ny)
{
  graphene_rect_t ext;
  double nx = f->plot.origin.x + f->plot.size.width - 6;
  lsc_chart_draw_text (widget, NULL, note, LSC_CHART_TEXT_CAPTION, NULL, nx, *ny, 1, 0, &ext);
  GdkRGBA halo = pal->background;
  halo.alpha = 0.85f;
  lsc_chart_fill_rect (snapshot, &halo, ext.origin.x - 4, ext.origin.y - 1, ext.size.width + 8, ext.size.height + 2);
  lsc_chart_draw_text (widget, snapshot, note, LSC_CHART_TEXT_CAPTION, &pal->dim, nx, *ny, 1, 0, NULL);
  *ny += ext.size.height + 3;
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
place_markers (LscOverheadChart *self, const LscOverheadFrame *f, MarkerPlace *places, gsize *n_places)
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
      m->x = round (lsc_overhead_chart_x_of (f, t)) + 0.5;
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
draw_chart (LscOverheadChart *self, GtkSnapshot *snapshot, int width, int height, LscOverheadFrame *out)
{
  GtkWidget *widget = GTK_WIDGET (self);
  LscChartPalette pal;
  LscOverheadFrame f = { 0 };

  lsc_chart_palette_init (&pal, widget);
  if (out)
    out->valid = FALSE;

  if (!lsc_overhead_chart_has_data (self))
    {
      if (self->ring != NULL)
        lsc_chart_draw_empty (widget, snapshot, &pal, width, height, _("Waiting for launches…"),
                              _("Launches appear here as they are recorded."));
      else
        lsc_chart_draw_empty (widget, snapshot, &pal, width, height, _("No launches to show"),
                              _("This report has no launches with host timing."));
      return;
    }

  if (!lsc_overhead_chart_current_view (self, &f.t0, &f.t1))
    return;

  /* Gutters: the widest overhead label on the left, time labels below. */
  double label_w, label_h;
  PangoLayout *probe = lsc_chart_layout_new (widget, "888.8 µs", LSC_CHART_TEXT_CAPTION);
  lsc_chart_layout_get_size (probe, &label_w, &label_h);
  g_object_unref (probe);

  /* the tracks' labels share the gutter */
  guint n_tracks = self->tracks != NULL && self->index != NULL ? lsc_tracks_get_n (self->tracks) : 0;
  for (guint i = 0; i < n_tracks; i++)
    {
      double w;
      g_autofree char *text = lsc_track_label (lsc_tracks_get (self->tracks, i));
      PangoLayout *layout = lsc_chart_layout_new (widget, text, LSC_CHART_TEXT_CAPTION);
      lsc_chart_layout_get_size (layout, &w, NULL);
      g_object_unref (layout);
      label_w = MAX (label_w, w);
    }
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
  LscChartLegendItem items[LSC_CHART_N_PATHS + 3];
  int item_paths[LSC_CHART_N_PATHS + 3];
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
  gsize n_compiles = 0;
  if (self->index != NULL)
    lsc_series_index_get_compiles (self->index, &n_compiles);
  if (n_compiles > 0)
    {
      item_paths[n_items] = -1;
      items[n_items++] = (LscChartLegendItem) { &pal.fg, _("Compile launch"), LSC_CHART_SWATCH_TRIANGLE, FALSE };
    }
  double legend_h = lsc_chart_measure_legend (widget, items, n_items, width - 2 * PAD);

  /* Plot rectangle: below the legend and the marker label band, above the time labels. */
  f.plot = GRAPHENE_RECT_INIT (left, PAD + legend_h + 10, plot_w, 0);
  MarkerPlace *places = g_new0 (MarkerPlace, MAX (self->n_markers, 1));
  gsize n_places = 0;
  guint marker_rows = place_markers (self, &f, places, &n_places);
  double band = marker_rows * MARKER_ROW_H + (marker_rows ? 4 : 0);
  f.plot.origin.y = round (f.plot.origin.y + band);
  f.plot.size.height = floor (height - PAD - label_h - 8 - f.plot.origin.y - tracks_height (n_tracks));
  f.n_tracks = n_tracks;
  f.tracks_top = f.plot.origin.y + f.plot.size.height + 8;
  if (f.plot.size.height < 24)
    {
      for (gsize i = 0; i < n_places; i++)
        g_free (places[i].label);
      g_free (places);
      return;
    }

  gboolean clipped = compute_y_scale (self, present, n_cols, &f.y);

  graphene_rect_t legend_rects[LSC_CHART_N_PATHS + 3];
  lsc_chart_draw_legend (widget, snapshot, &pal, items, n_items, left, PAD, width - PAD - left, legend_rects);
  draw_axes (self, snapshot, &pal, &f);
  draw_tracks (self, snapshot, &pal, &f);

  for (guint i = 0; i < G_N_ELEMENTS (draw_order); i++)
    {
      guint p = draw_order[i];
      if ((present & (1u << p)) && !self->hidden[p])
        draw_path (self, snapshot, &pal, &f, p, n_cols, clipped);
    }

  /* The raw floor: a dashed line across, labelled at its right end. */
  if (self->raw_floor_ns > 0)
    {
      double y = round (lsc_overhead_chart_y_of (&f, self->raw_floor_ns)) + 0.5;
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

  guint32 off_scale_max;
  guint off_scale = draw_compiles (self, snapshot, &pal, &f, n_cols, &off_scale_max);
  double note_y = f.plot.origin.y + COMPILE_MARK * 1.6 + 6;
  if (off_scale > 0)
    {
      g_autofree char *count = lsc_format_count (off_scale);
      g_autofree char *top = lsc_format_duration_ns (off_scale_max);
      g_autofree char *note = g_strdup_printf (ngettext ("▼ %s compile launch above the axis (%s)",
                                                         "▼ %s compile launches above the axis (up to %s)", off_scale),
                                               count, top);
      draw_note (widget, snapshot, &pal, &f, note, &note_y);
    }
  if (clipped)
    {
      g_autofree char *top = lsc_chart_format_tick_ns (f.y.max);
      g_autofree char *note = g_strdup_printf (_("Spikes above %s clipped; the log scale shows them"), top);
      draw_note (widget, snapshot, &pal, &f, note, &note_y);
    }

  f.valid = TRUE;
  f.n_legend = n_items;
  memcpy (f.legend_rects, legend_rects, n_items * sizeof (graphene_rect_t));
  memcpy (f.legend_paths, item_paths, n_items * sizeof (int));
  if (out)
    *out = f;
}

void
lsc_overhead_chart_draw_png (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height)
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

/* The correlation id that links h to the tracks: its launch's, else its span's; -1 none. */
static gint64
link_id (LscOverheadChart *self, const LscOverheadHover *h)
{
  const LscSeries *series = self->index ? lsc_series_index_get_series (self->index) : NULL;
  if (!h->no_launch && series && series->correlation_id && h->index < series->n)
    return series->correlation_id[h->index];
  if (h->on_span && h->track < lsc_tracks_get_n (self->tracks))
    return lsc_tracks_get (self->tracks, h->track)->spans[h->span].correlation_id;
  return -1;
}

/* Outlines a span of track i, at least 5 px wide so a 2 µs kernel in a 1 s view is found. */
static void
outline_span (GtkSnapshot *snapshot, const LscChartPalette *pal, const LscOverheadFrame *f, const LscTrack *track,
              guint i, gsize k, double *x_out)
{
  const LscSpan *span = &track->spans[k];
  double x0 = lsc_overhead_chart_x_of (f, (double) span->t0_ns), x1 = lsc_overhead_chart_x_of (f, (double) span->t1_ns);
  double mid = (x0 + x1) / 2;
  if (x1 - x0 < 5)
    x0 = mid - 2.5, x1 = mid + 2.5;
  double y = lsc_overhead_chart_track_y (f, i);
  GskRoundedRect outline;
  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (x0 - 1.5, y - 1.5, x1 - x0 + 3, LSC_OVERHEAD_TRACK_H + 3), 2);
  GdkRGBA c = pal->fg;
  gtk_snapshot_append_border (snapshot, &outline, (float[4]) { 2, 2, 2, 2 }, (GdkRGBA[4]) { c, c, c, c });
  *x_out = mid;
}

/* A launch's call and kernel outlined on their tracks, and a line from the launch down to its
 * kernel: how long after the call the GPU ran it. */
static void
draw_link (LscOverheadChart *self, GtkSnapshot *snapshot, const LscChartPalette *pal, const LscOverheadHover *h)
{
  const LscOverheadFrame *f = &self->frame;
  if (self->tracks == NULL || f->n_tracks == 0)
    return;
  gint64 id = link_id (self, h);
  double kernel_x = NAN, unused;
  guint i;
  gsize k;
  if (id >= 0)
    {
      if (lsc_tracks_find (self->tracks, LSC_TRACK_API, id, &i, &k) && i < f->n_tracks)
        outline_span (snapshot, pal, f, lsc_tracks_get (self->tracks, i), i, k, &unused);
      if (lsc_tracks_find (self->tracks, LSC_TRACK_KERNEL, id, &i, &k) && i < f->n_tracks)
        outline_span (snapshot, pal, f, lsc_tracks_get (self->tracks, i), i, k, &kernel_x);
    }
  else if (h->on_span && h->track < f->n_tracks)
    outline_span (snapshot, pal, f, lsc_tracks_get (self->tracks, h->track), h->track, h->span, &unused);

  if (!h->no_launch && isfinite (kernel_x) && lsc_tracks_find (self->tracks, LSC_TRACK_KERNEL, id, &i, &k))
    {
      double x = lsc_overhead_chart_x_of (f, h->t), y = lsc_overhead_chart_hover_y (f, h);
      GdkRGBA c = pal->fg;
      c.alpha = 0.6f;
      lsc_chart_dashed_line (snapshot, &c, x, y, kernel_x, lsc_overhead_chart_track_y (f, i), 1, 3);
    }
}

static void
draw_launch_dot (GtkSnapshot *snapshot, const LscChartPalette *pal, const LscOverheadFrame *f, const LscOverheadHover *h,
                 gboolean guide_line)
{
  double x = lsc_overhead_chart_x_of (f, h->t), y = lsc_overhead_chart_hover_y (f, h);
  if (guide_line)
    {
      GdkRGBA guide = pal->fg;
      guide.alpha = 0.25f;
      lsc_chart_fill_rect (snapshot, &guide, round (x), f->plot.origin.y, 1, f->plot.size.height);
    }
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x - 8, y - 8, 16, 16));
  gdk_cairo_set_source_rgba (cr, &pal->background);
  cairo_arc (cr, x, y, 6, 0, 2 * G_PI);
  cairo_fill (cr);
  gdk_cairo_set_source_rgba (cr, &pal->paths[h->path]);
  cairo_arc (cr, x, y, 4, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_destroy (cr);
}

void
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

  /* The selection: the range shaded, its edges drawn, over the cached chart. */
  if (self->has_selection && self->frame.valid)
    {
      const LscOverheadFrame *f = &self->frame;
      LscChartPalette pal;
      lsc_chart_palette_init (&pal, widget);
      double left = f->plot.origin.x, right = left + f->plot.size.width;
      double x0 = lsc_overhead_chart_x_of (f, self->sel_t0), x1 = lsc_overhead_chart_x_of (f, self->sel_t1);
      GdkRGBA shade = pal.paths[LSC_CHART_PATH_FAST], edge = shade;
      shade.alpha = pal.dark ? 0.22f : 0.14f;
      edge.alpha = 0.8f;
      double a = CLAMP (x0, left, right), b = CLAMP (x1, left, right);
      if (b - a < 1 && x1 >= left && x0 <= right)
        b = a + 1; /* narrower than a pixel: still seen */
      if (b > a)
        lsc_chart_fill_rect (snapshot, &shade, a, f->plot.origin.y, b - a, f->plot.size.height);
      if (x0 >= left && x0 <= right)
        lsc_chart_fill_rect (snapshot, &edge, round (x0), f->plot.origin.y, 1, f->plot.size.height);
      if (x1 >= left && x1 <= right)
        lsc_chart_fill_rect (snapshot, &edge, round (x1), f->plot.origin.y, 1, f->plot.size.height);
    }

  if (!self->frame.valid)
    return;
  LscChartPalette pal;
  lsc_chart_palette_init (&pal, widget);
  if (self->pinned.valid)
    draw_link (self, snapshot, &pal, &self->pinned);
  if (self->hover.valid)
    draw_link (self, snapshot, &pal, &self->hover);

  /* The hover overlay: a guide line and a ringed dot on the launch under the pointer; a ringed
   * dot on the pinned one. */
  if (self->pinned.valid && !self->pinned.no_launch)
    draw_launch_dot (snapshot, &pal, &self->frame, &self->pinned, FALSE);
  if (self->hover.valid && !self->hover.no_launch)
    draw_launch_dot (snapshot, &pal, &self->frame, &self->hover, TRUE);
}

