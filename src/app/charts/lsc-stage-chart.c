/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-stage-chart.c — stacked bars of the baseline path's stages (see lsc-stage-chart.h).
 *
 * All bars share one duration axis so kernels compare by length.  A segment is labelled
 * inside when the label fits, with the text colour picked for contrast with the segment.
 * Stage medians need not add up to the median launch; the bar shows the sum of the medians
 * and the footer says which statistic it is.
 */
#include "lsc-stage-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-copy.h"
#include "lsc-chart-draw.h"
#include "lsc-format.h"

#define PAD 12.0
#define MAX_ROWS 64

G_DEFINE_ENUM_TYPE (LscStageStatistic, lsc_stage_statistic,
                    G_DEFINE_ENUM_VALUE (LSC_STAGE_STATISTIC_MEDIAN, "median"),
                    G_DEFINE_ENUM_VALUE (LSC_STAGE_STATISTIC_MEAN, "mean"))

static const char *
stage_label (guint stage)
{
  switch (stage)
    {
    case 0:
      return _("Resolve");
    case 1:
      return _("Bind");
    case 2:
      return _("Specialize");
    case 3:
      return _("Key");
    case 4:
      return _("Lookup");
    case 5:
      return _("Globals");
    case 6:
      return _("Metadata");
    case 7:
      return _("Launch");
    default:
      return "";
    }
}

typedef struct {
  gboolean valid;
  guint n_rows;
  graphene_rect_t segments[MAX_ROWS][LSC_STAGE_COUNT];
} Frame;

struct _LscStageChart {
  GtkWidget parent_instance;

  LscStageSummary *rows;
  guint n_rows;
  LscStageStatistic statistic;

  LscChartCache cache;
  Frame frame;

  int hover_row, hover_stage; /* -1: none */
};

G_DEFINE_FINAL_TYPE (LscStageChart, lsc_stage_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATISTIC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
invalidate (LscStageChart *self)
{
  lsc_chart_cache_invalidate (&self->cache, GTK_WIDGET (self));
}

static const double *
row_values (LscStageChart *self, const LscStageSummary *row)
{
  return self->statistic == LSC_STAGE_STATISTIC_MEAN ? row->mean_ns : row->median_ns;
}

static double
row_total (LscStageChart *self, const LscStageSummary *row)
{
  const double *v = row_values (self, row);
  double total = 0;
  for (guint s = 0; s < LSC_STAGE_COUNT; s++)
    total += v[s];
  return total;
}

static const char *
row_label (const LscStageSummary *row)
{
  return row->label != NULL ? row->label : _("All kernels");
}

char *
lsc_stage_chart_dup_text (LscStageChart *self)
{
  g_return_val_if_fail (LSC_IS_STAGE_CHART (self), NULL);
  GString *text = g_string_new (NULL);
  g_string_append_printf (text, "%s\t%s\t%s\t%s\t%s\n", C_("column", "Kernel"), C_("column", "Launches"),
                          C_("column", "Stage"), C_("column", "Median"), C_("column", "Mean"));
  for (guint i = 0; i < self->n_rows; i++)
    {
      const LscStageSummary *row = &self->rows[i];
      g_autofree char *n = lsc_format_count ((gint64) row->n);
      for (guint st = 0; st < LSC_STAGE_COUNT; st++)
        {
          g_autofree char *median = lsc_format_duration_ns (row->median_ns[st]);
          g_autofree char *mean = lsc_format_duration_ns (row->mean_ns[st]);
          lsc_copy_append_field (text, row_label (row), TRUE);
          lsc_copy_append_field (text, n, FALSE);
          lsc_copy_append_field (text, stage_label (st), FALSE);
          lsc_copy_append_field (text, median, FALSE);
          lsc_copy_append_field (text, mean, FALSE);
          g_string_append_c (text, '\n');
        }
    }
  return g_string_free (text, FALSE);
}

/* Dark text on light segments, white on dark ones. */
static GdkRGBA
text_on (const GdkRGBA *c)
{
  double l = 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
  return l > 0.55 ? (GdkRGBA) { 0, 0, 0, 0.8f } : (GdkRGBA) { 1, 1, 1, 1 };
}

static void
draw_chart (LscStageChart *self, GtkSnapshot *snapshot, int width, int height, Frame *out)
{
  GtkWidget *widget = GTK_WIDGET (self);
  LscChartPalette pal;
  guint n_rows = MIN (self->n_rows, MAX_ROWS);

  lsc_chart_palette_init (&pal, widget);
  if (out)
    out->valid = FALSE;

  if (n_rows == 0)
    {
      lsc_chart_draw_empty (widget, snapshot, &pal, width, height,
                            _("No launches on the baseline path with stage timing"),
                            _("Stage times are recorded for launches that take the baseline path."));
      return;
    }

  /* Legend of the stages. */
  LscChartLegendItem items[LSC_STAGE_COUNT];
  for (guint s = 0; s < LSC_STAGE_COUNT; s++)
    items[s] = (LscChartLegendItem) { &pal.stages[s], stage_label (s), LSC_CHART_SWATCH_BOX, FALSE };
  double legend_h = lsc_chart_measure_legend (widget, items, LSC_STAGE_COUNT, width - 2 * PAD);

  /* Row labels: the kernel name over its launch count, in a column as wide as the widest
   * (at most a third of the chart; longer names are ellipsized). */
  double label_w = 0, name_h = 0, count_h = 0;
  for (guint i = 0; i < n_rows; i++)
    {
      double w, h;
      PangoLayout *l = lsc_chart_layout_new (widget, row_label (&self->rows[i]), LSC_CHART_TEXT_BODY);
      lsc_chart_layout_get_size (l, &w, &name_h);
      label_w = MAX (label_w, w);
      g_object_unref (l);
      g_autofree char *count = lsc_format_count ((gint64) self->rows[i].n);
      g_autofree char *text = g_strdup_printf (g_dngettext (NULL, "%s launch", "%s launches", self->rows[i].n), count);
      l = lsc_chart_layout_new (widget, text, LSC_CHART_TEXT_CAPTION);
      lsc_chart_layout_get_size (l, &w, &h);
      count_h = h;
      label_w = MAX (label_w, w);
      g_object_unref (l);
    }
  label_w = MIN (ceil (label_w), floor (width / 3.0));

  double total_w, axis_h;
  PangoLayout *probe = lsc_chart_layout_new (widget, "888.88 µs", LSC_CHART_TEXT_CAPTION);
  lsc_chart_layout_get_size (probe, &total_w, &axis_h);
  g_object_unref (probe);

  double bars_x = PAD + label_w + 14;
  double bars_w = floor (width - PAD - total_w - 8 - bars_x);
  double top = round (PAD + legend_h + 16);
  double footer_h = axis_h + 6;
  double bottom = height - PAD - axis_h - 8 - footer_h;
  if (bars_w < 40 || bottom - top < 20)
    return;

  /* Rows at most 64 px apart, the block of bars and axis centred in the space there is. */
  double slot = MIN ((bottom - top) / n_rows, 64);
  double spare = (bottom - top) - slot * n_rows;
  top = round (top + spare / 2);
  bottom = top + slot * n_rows;
  /* About as tall as the two-line row label, unless rows are crowded. */
  double bar_h = round (CLAMP (slot * 0.62, 22, MAX (name_h + count_h, 22)));
  if (bar_h > slot - 4)
    bar_h = MAX (floor (slot - 4), 8);

  /* One axis for every bar. */
  LscAxisScale x = { 0, 0, FALSE };
  for (guint i = 0; i < n_rows; i++)
    x.max = MAX (x.max, row_total (self, &self->rows[i]));
  if (!(x.max > 0))
    x.max = 1000;
  double ticks[32], step;
  guint n_ticks = lsc_chart_linear_ticks (0, x.max, CLAMP ((guint) (bars_w / 90), 2, 10), ticks, G_N_ELEMENTS (ticks),
                                          &step);
  if (n_ticks > 0 && n_ticks < G_N_ELEMENTS (ticks) && ticks[n_ticks - 1] < x.max)
    {
      ticks[n_ticks] = ticks[n_ticks - 1] + step; /* end the axis on a tick past the longest bar */
      n_ticks++;
    }
  if (n_ticks > 0)
    x.max = ticks[n_ticks - 1];

  lsc_chart_draw_legend (widget, snapshot, &pal, items, LSC_STAGE_COUNT, PAD, PAD, width - 2 * PAD, NULL);

  double axis_y = round (bottom + 4);
  double last_right = -G_MAXDOUBLE;
  for (guint i = 0; i < n_ticks; i++)
    {
      double tx = round (bars_x + bars_w * lsc_axis_scale_normalize (&x, ticks[i]));
      lsc_chart_fill_rect (snapshot, &pal.grid, tx, top - 6, 1, axis_y - top + 6);
      lsc_chart_fill_rect (snapshot, &pal.axis, tx, axis_y, 1, 4);
      g_autofree char *label = lsc_chart_format_axis_ns (ticks[i], x.max, step);
      lsc_chart_draw_tick_label (widget, snapshot, label, &pal.dim, tx + 0.5, axis_y + 6, width - 2, &last_right);
    }
  lsc_chart_fill_rect (snapshot, &pal.axis, bars_x, axis_y, bars_w, 1);

  Frame f = { .valid = TRUE, .n_rows = n_rows };
  for (guint i = 0; i < n_rows; i++)
    {
      const LscStageSummary *row = &self->rows[i];
      const double *v = row_values (self, row);
      double cy = top + slot * i + slot / 2;
      double by = round (cy - bar_h / 2);

      /* Label column: name, then the launch count. */
      PangoLayout *name = lsc_chart_layout_new (widget, row_label (row), LSC_CHART_TEXT_BODY);
      pango_layout_set_width (name, (int) (label_w * PANGO_SCALE));
      pango_layout_set_ellipsize (name, PANGO_ELLIPSIZE_MIDDLE);
      pango_layout_set_alignment (name, PANGO_ALIGN_RIGHT);
      double nh = name_h + count_h;
      lsc_chart_append_layout (snapshot, name, PAD, cy - nh / 2, &pal.fg);
      g_object_unref (name);
      g_autofree char *count = lsc_format_count ((gint64) row->n);
      g_autofree char *text = g_strdup_printf (g_dngettext (NULL, "%s launch", "%s launches", row->n), count);
      lsc_chart_draw_text (widget, snapshot, text, LSC_CHART_TEXT_CAPTION, &pal.dim, PAD + label_w, cy - nh / 2 + name_h,
                           1, 0, NULL);

      /* The stacked segments, separated by a hairline of background. */
      double sx = bars_x, total = 0;
      for (guint s = 0; s < LSC_STAGE_COUNT; s++)
        {
          double w = bars_w * v[s] / x.max;
          total += v[s];
          graphene_rect_init (&f.segments[i][s], sx, by, w, bar_h);
          if (w <= 0)
            continue;
          double x0 = round (sx), x1 = round (sx + w);
          GdkRGBA c = pal.stages[s];
          if (self->hover_row == (int) i && self->hover_stage == (int) s && out != NULL)
            c.alpha = 0.85f;
          lsc_chart_fill_rect (snapshot, &c, x0, by, MAX (x1 - x0 - (x1 - x0 > 3 ? 1 : 0), 1), bar_h);

          /* "Bind 1.20 µs", or just "1.20 µs", or nothing, whichever fits. */
          g_autofree char *value = lsc_format_duration_ns (v[s]);
          g_autofree char *full = g_strdup_printf ("%s %s", stage_label (s), value);
          const char *choices[] = { full, value };
          GdkRGBA tc = text_on (&pal.stages[s]);
          for (guint k = 0; k < G_N_ELEMENTS (choices); k++)
            {
              graphene_rect_t ext;
              lsc_chart_draw_text (widget, NULL, choices[k], LSC_CHART_TEXT_CAPTION, NULL, 0, 0, 0, 0, &ext);
              if (ext.size.width + 8 <= x1 - x0 && ext.size.height <= bar_h)
                {
                  lsc_chart_draw_text (widget, snapshot, choices[k], LSC_CHART_TEXT_CAPTION, &tc, (x0 + x1 - 1) / 2, cy,
                                       0.5, 0.5, NULL);
                  break;
                }
            }
          sx += w;
        }

      g_autofree char *sum = lsc_format_duration_ns (total);
      lsc_chart_draw_text (widget, snapshot, sum, LSC_CHART_TEXT_BODY, &pal.fg, round (sx) + 8, cy, 0, 0.5, NULL);
    }

  const char *footer = self->statistic == LSC_STAGE_STATISTIC_MEAN ? _("Mean of each stage")
                                                                    : _("Median of each stage");
  lsc_chart_draw_text (widget, snapshot, footer, LSC_CHART_TEXT_CAPTION, &pal.dim, width - PAD, height - PAD, 1, 1,
                       NULL);

  if (out)
    *out = f;
}

static void
draw_for_png (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height)
{
  draw_chart (LSC_STAGE_CHART (widget), snapshot, width, height, NULL);
}

/* On screen the frame is kept for hit testing and overlays. */
static void
draw_on_screen (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height)
{
  LscStageChart *self = LSC_STAGE_CHART (widget);
  draw_chart (self, snapshot, width, height, &self->frame);
}

static void
lsc_stage_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  lsc_chart_cache_snapshot (&LSC_STAGE_CHART (widget)->cache, widget, snapshot, draw_on_screen);
}

static gboolean
hit_test (LscStageChart *self, double x, double y, int *row, int *stage)
{
  if (!self->frame.valid)
    return FALSE;
  for (guint i = 0; i < self->frame.n_rows; i++)
    for (guint s = 0; s < LSC_STAGE_COUNT; s++)
      if (self->frame.segments[i][s].size.width > 0 &&
          graphene_rect_contains_point (&self->frame.segments[i][s], &GRAPHENE_POINT_INIT (x, y)))
        {
          *row = i;
          *stage = s;
          return TRUE;
        }
  return FALSE;
}

static gboolean
lsc_stage_chart_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard G_GNUC_UNUSED, GtkTooltip *tooltip)
{
  LscStageChart *self = LSC_STAGE_CHART (widget);
  int i, s;

  if (!hit_test (self, x, y, &i, &s))
    return FALSE;

  const LscStageSummary *row = &self->rows[i];
  double total = row_total (self, row), v = row_values (self, row)[s];
  g_autofree char *median = lsc_format_duration_ns (row->median_ns[s]);
  g_autofree char *mean = lsc_format_duration_ns (row->mean_ns[s]);
  g_autofree char *count = lsc_format_count ((gint64) row->n);
  g_autofree char *launches = g_strdup_printf (g_dngettext (NULL, "%s launch", "%s launches", row->n), count);
  g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>  %.0f %%\n%s %s\n%s %s\n%s · %s", stage_label (s),
                                                     total > 0 ? 100.0 * v / total : 0.0, _("Median"), median,
                                                     _("Mean"), mean, row_label (row), launches);
  gtk_tooltip_set_markup (tooltip, markup);
  const graphene_rect_t *r = &self->frame.segments[i][s];
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) r->origin.x, (int) r->origin.y, (int) r->size.width,
                                                       (int) r->size.height });
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller G_GNUC_UNUSED, double x, double y, LscStageChart *self)
{
  int row = -1, stage = -1;
  hit_test (self, x, y, &row, &stage);
  if (row == self->hover_row && stage == self->hover_stage)
    return;
  self->hover_row = row;
  self->hover_stage = stage;
  invalidate (self); /* the highlight is part of the (small) cached chart */
}

static void
on_leave (GtkEventControllerMotion *controller G_GNUC_UNUSED, LscStageChart *self)
{
  if (self->hover_row < 0)
    return;
  self->hover_row = self->hover_stage = -1;
  invalidate (self);
}

static void
lsc_stage_chart_measure (GtkWidget *widget, GtkOrientation orientation, int for_size G_GNUC_UNUSED, int *minimum,
                         int *natural, int *minimum_baseline G_GNUC_UNUSED, int *natural_baseline G_GNUC_UNUSED)
{
  LscStageChart *self = LSC_STAGE_CHART (widget);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = 260, *natural = 640;
  else
    {
      guint rows = MAX (MIN (self->n_rows, MAX_ROWS), 1);
      *minimum = 120 + 30 * rows;
      *natural = 130 + 52 * rows;
    }
}

static void
lsc_stage_chart_size_allocate (GtkWidget *widget, int width, int height, int baseline G_GNUC_UNUSED)
{
  lsc_chart_cache_resize (&LSC_STAGE_CHART (widget)->cache, width, height);
}

static void
lsc_stage_chart_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (lsc_stage_chart_parent_class)->css_changed (widget, change);
  invalidate (LSC_STAGE_CHART (widget));
}

/* --- Public API --------------------------------------------------------------------------- */

GtkWidget *
lsc_stage_chart_new (void)
{
  return g_object_new (LSC_TYPE_STAGE_CHART, NULL);
}

static void
free_rows (LscStageChart *self)
{
  for (guint i = 0; i < self->n_rows; i++)
    g_free (self->rows[i].label);
  g_clear_pointer (&self->rows, g_free);
  self->n_rows = 0;
}

static void
update_description (LscStageChart *self)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < self->n_rows; i++)
    {
      g_autofree char *total = lsc_format_duration_ns (row_total (self, &self->rows[i]));
      if (s->len)
        g_string_append (s, "; ");
      g_string_append_printf (s, "%s: %s", row_label (&self->rows[i]), total);
    }
  lsc_chart_set_description (GTK_WIDGET (self), s, _("No launches on the baseline path with stage timing"));
}

void
lsc_stage_chart_set_rows (LscStageChart *self, const LscStageSummary *rows, guint n_rows)
{
  g_return_if_fail (LSC_IS_STAGE_CHART (self));
  g_return_if_fail (rows != NULL || n_rows == 0);

  free_rows (self);
  self->rows = g_new0 (LscStageSummary, MAX (n_rows, 1));
  for (guint i = 0; i < n_rows; i++)
    {
      if (rows[i].n == 0)
        continue;
      LscStageSummary *r = &self->rows[self->n_rows++];
      *r = rows[i];
      r->label = g_strdup (rows[i].label);
    }
  self->hover_row = self->hover_stage = -1;
  update_description (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  invalidate (self);
}

void
lsc_stage_chart_clear (LscStageChart *self)
{
  lsc_stage_chart_set_rows (self, NULL, 0);
}

void
lsc_stage_chart_set_statistic (LscStageChart *self, LscStageStatistic statistic)
{
  g_return_if_fail (LSC_IS_STAGE_CHART (self));
  g_return_if_fail (statistic == LSC_STAGE_STATISTIC_MEDIAN || statistic == LSC_STAGE_STATISTIC_MEAN);
  if (self->statistic == statistic)
    return;
  self->statistic = statistic;
  update_description (self);
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATISTIC]);
}

LscStageStatistic
lsc_stage_chart_get_statistic (LscStageChart *self)
{
  g_return_val_if_fail (LSC_IS_STAGE_CHART (self), LSC_STAGE_STATISTIC_MEDIAN);
  return self->statistic;
}

gboolean
lsc_stage_chart_save_png (LscStageChart *self, const char *filename, int width, int height, GError **error)
{
  g_return_val_if_fail (LSC_IS_STAGE_CHART (self), FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);

  return lsc_chart_widget_save_png (GTK_WIDGET (self), draw_for_png, width, height, filename, error);
}

/* --- GObject ------------------------------------------------------------------------------ */

static void
lsc_stage_chart_dispose (GObject *object)
{
  LscStageChart *self = LSC_STAGE_CHART (object);
  lsc_chart_cache_clear (&self->cache);
  G_OBJECT_CLASS (lsc_stage_chart_parent_class)->dispose (object);
}

static void
lsc_stage_chart_finalize (GObject *object)
{
  free_rows (LSC_STAGE_CHART (object));
  G_OBJECT_CLASS (lsc_stage_chart_parent_class)->finalize (object);
}

static void
lsc_stage_chart_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscStageChart *self = LSC_STAGE_CHART (object);

  switch (prop_id)
    {
    case PROP_STATISTIC:
      g_value_set_enum (value, self->statistic);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_stage_chart_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LscStageChart *self = LSC_STAGE_CHART (object);

  switch (prop_id)
    {
    case PROP_STATISTIC:
      lsc_stage_chart_set_statistic (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_stage_chart_class_init (LscStageChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lsc_stage_chart_dispose;
  object_class->finalize = lsc_stage_chart_finalize;
  object_class->get_property = lsc_stage_chart_get_property;
  object_class->set_property = lsc_stage_chart_set_property;

  widget_class->snapshot = lsc_stage_chart_snapshot;
  widget_class->measure = lsc_stage_chart_measure;
  widget_class->size_allocate = lsc_stage_chart_size_allocate;
  widget_class->css_changed = lsc_stage_chart_css_changed;
  widget_class->query_tooltip = lsc_stage_chart_query_tooltip;

  properties[PROP_STATISTIC] =
    g_param_spec_enum ("statistic", NULL, NULL, LSC_TYPE_STAGE_STATISTIC, LSC_STAGE_STATISTIC_MEDIAN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  lsc_chart_class_setup (widget_class, "stagechart");
}

static void
lsc_stage_chart_init (LscStageChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  self->hover_row = self->hover_stage = -1;
  lsc_chart_widget_setup (widget, _("Baseline launch time by stage"), G_CALLBACK (on_motion),
                          G_CALLBACK (on_leave));
  update_description (self);
}
