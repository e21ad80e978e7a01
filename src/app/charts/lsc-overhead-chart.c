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
 *
 * This file: the data (a report's index or the live ring), the visible range, the public API
 * and the GObject.  Drawing is in lsc-overhead-chart-draw.c, the pointer and keys in
 * lsc-overhead-chart-input.c (their shared state in lsc-overhead-chart-private.h).
 */
#include "lsc-overhead-chart-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-format.h"

#define MIN_SPAN_NS 1000.0 /* zooming stops at 1 µs across */

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

enum {
  SIGNAL_SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- Data extent and view ----------------------------------------------------------------- */

gboolean
lsc_overhead_chart_has_data (LscOverheadChart *self)
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

void
lsc_overhead_chart_invalidate (LscOverheadChart *self)
{
  lsc_chart_cache_invalidate (&self->cache, GTK_WIDGET (self));
}

void
lsc_overhead_chart_set_follow (LscOverheadChart *self, gboolean follow)
{
  if (self->follow == follow)
    return;
  self->follow = follow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOMED]);
}

/* Clamps [t0, t1] into the data and applies it. */
void
lsc_overhead_chart_set_view (LscOverheadChart *self, double t0, double t1)
{
  double full0, full1;
  if (!data_extent (self, &full0, &full1))
    return;

  double full = full1 - full0;
  double span = CLAMP (t1 - t0, MIN (MIN_SPAN_NS, full), full);
  if (span >= full * 0.9999)
    {
      lsc_overhead_chart_set_follow (self, TRUE);
      lsc_overhead_chart_invalidate (self);
      return;
    }
  t0 = CLAMP (t0, full0, full1 - span);
  self->view_t0 = t0;
  self->view_t1 = t0 + span;
  lsc_overhead_chart_set_follow (self, FALSE);
  lsc_overhead_chart_invalidate (self);
}

gboolean
lsc_overhead_chart_current_view (LscOverheadChart *self, double *t0, double *t1)
{
  if (self->follow)
    return data_extent (self, t0, t1);
  *t0 = self->view_t0;
  *t1 = self->view_t1;
  return lsc_overhead_chart_has_data (self);
}

/* Zooms by factor (< 1 zooms in) keeping the time under plot x coordinate x fixed. */
void
lsc_overhead_chart_zoom_at (LscOverheadChart *self, double factor, double x)
{
  double t0, t1;
  if (!lsc_overhead_chart_current_view (self, &t0, &t1) || !self->frame.valid)
    return;

  const graphene_rect_t *plot = &self->frame.plot;
  double f = CLAMP ((x - plot->origin.x) / plot->size.width, 0.0, 1.0);
  double anchor = t0 + f * (t1 - t0);
  double span = (t1 - t0) * factor;
  lsc_overhead_chart_set_view (self, anchor - f * span, anchor - f * span + span);
}

void
lsc_overhead_chart_change_selection (LscOverheadChart *self, gboolean has_selection, double t0, double t1)
{
  if (has_selection)
    {
      double full0, full1;
      if (t1 < t0)
        {
          double swap = t0;
          t0 = t1;
          t1 = swap;
        }
      if (!data_extent (self, &full0, &full1))
        has_selection = FALSE;
      else
        {
          t0 = CLAMP (t0, full0, full1);
          t1 = CLAMP (t1, full0, full1);
          has_selection = t1 > t0;
        }
    }
  if (has_selection == self->has_selection && (!has_selection || (t0 == self->sel_t0 && t1 == self->sel_t1)))
    return;
  self->has_selection = has_selection;
  self->sel_t0 = has_selection ? t0 : 0;
  self->sel_t1 = has_selection ? t1 : 0;
  /* The shading is an overlay on the cached chart. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

void
lsc_overhead_chart_pan_by (LscOverheadChart *self, double fraction)
{
  double t0, t1;
  if (!lsc_overhead_chart_current_view (self, &t0, &t1))
    return;
  double d = (t1 - t0) * fraction;
  lsc_overhead_chart_set_view (self, t0 + d, t1 + d);
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
  lsc_overhead_chart_invalidate (LSC_OVERHEAD_CHART (widget));
}

/* --- Live data ---------------------------------------------------------------------------- */

static gboolean
live_tick (GtkWidget *widget, GdkFrameClock *clock G_GNUC_UNUSED, gpointer user_data G_GNUC_UNUSED)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (widget);
  /* Every append since the last frame becomes this one redraw. */
  self->tick_id = 0;
  lsc_overhead_chart_invalidate (self);
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
  g_autofree char *count = lsc_format_count ((gint64) n);
  text = g_strdup_printf (_("%s launches; scroll to zoom, drag to pan, shift-drag to select a range, double-click to show all"), count);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
ensure_ring (LscOverheadChart *self)
{
  if (self->ring == NULL)
    {
      g_clear_pointer (&self->index, lsc_series_index_unref);
      g_clear_pointer (&self->tracks, lsc_tracks_free);
      self->ring = lsc_ring_new (self->live_capacity);
      self->hover.valid = FALSE;
      lsc_overhead_chart_change_selection (self, FALSE, 0, 0);
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

  g_clear_pointer (&self->index, lsc_series_index_unref);
  g_clear_pointer (&self->ring, lsc_ring_free);
  self->index = index;
  self->hover.valid = FALSE;
  self->pinned.valid = FALSE;
  lsc_overhead_chart_change_selection (self, FALSE, 0, 0);
  lsc_overhead_chart_set_follow (self, TRUE);
  update_description (self);
  lsc_overhead_chart_invalidate (self);
}

void
lsc_overhead_chart_set_series (LscOverheadChart *self, LscSeries *series)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  lsc_overhead_chart_set_index (self, series != NULL ? lsc_series_index_new (series) : NULL);
}

void
lsc_overhead_chart_set_tracks (LscOverheadChart *self, LscTracks *tracks)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  g_clear_pointer (&self->tracks, lsc_tracks_free);
  if (tracks != NULL && lsc_tracks_get_n (tracks) == 0)
    g_clear_pointer (&tracks, lsc_tracks_free);
  self->tracks = tracks;
  self->hover.valid = FALSE;
  self->pinned.valid = FALSE;
  lsc_overhead_chart_invalidate (self);
}

void
lsc_overhead_chart_set_kernel_names (LscOverheadChart *self, GHashTable *names)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  if (names)
    g_hash_table_ref (names);
  g_clear_pointer (&self->kernel_names, g_hash_table_unref);
  self->kernel_names = names;
}

gboolean
lsc_overhead_chart_get_selection (LscOverheadChart *self, double *t0_ns, double *t1_ns)
{
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), FALSE);
  if (t0_ns)
    *t0_ns = self->sel_t0;
  if (t1_ns)
    *t1_ns = self->sel_t1;
  return self->has_selection;
}

void
lsc_overhead_chart_set_selection (LscOverheadChart *self, double t0_ns, double t1_ns)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  g_return_if_fail (t1_ns > t0_ns);
  lsc_overhead_chart_change_selection (self, TRUE, t0_ns, t1_ns);
}

void
lsc_overhead_chart_clear_selection (LscOverheadChart *self)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  lsc_overhead_chart_change_selection (self, FALSE, 0, 0);
}

LscSeriesIndex *
lsc_overhead_chart_get_index (LscOverheadChart *self)
{
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), NULL);
  return self->index;
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
  lsc_overhead_chart_invalidate (self);
}

void
lsc_overhead_chart_set_raw_floor (LscOverheadChart *self, double p50_ns)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  if (!lsc_chart_update_raw_floor (&self->raw_floor_ns, p50_ns))
    return;
  lsc_overhead_chart_invalidate (self);
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
  lsc_overhead_chart_invalidate (self);
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
  lsc_overhead_chart_invalidate (self);
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
  g_clear_pointer (&self->tracks, lsc_tracks_free);
  lsc_overhead_chart_set_index (self, NULL);
}

gboolean
lsc_overhead_chart_get_visible_range (LscOverheadChart *self, double *t0_ns, double *t1_ns)
{
  double a, b;
  g_return_val_if_fail (LSC_IS_OVERHEAD_CHART (self), FALSE);
  if (!lsc_overhead_chart_current_view (self, &a, &b))
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
    lsc_overhead_chart_set_view (self, t0_ns, t1_ns);
}

void
lsc_overhead_chart_reset_zoom (LscOverheadChart *self)
{
  g_return_if_fail (LSC_IS_OVERHEAD_CHART (self));
  lsc_overhead_chart_set_follow (self, TRUE);
  lsc_overhead_chart_invalidate (self);
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

  return lsc_chart_widget_save_png (GTK_WIDGET (self), lsc_overhead_chart_draw_png, width, height, filename, error);
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

  lsc_series_index_unref (self->index);
  lsc_ring_free (self->ring);
  free_markers (self);
  g_clear_pointer (&self->kernel_names, g_hash_table_unref);
  g_clear_pointer (&self->tracks, lsc_tracks_free);
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

  signals[SIGNAL_SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  lsc_chart_class_setup (widget_class, "overheadchart");
}

static void
lsc_overhead_chart_init (LscOverheadChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  self->follow = TRUE;
  self->live_capacity = LSC_OVERHEAD_CHART_DEFAULT_LIVE_CAPACITY;

  gtk_widget_set_focusable (widget, TRUE);
  lsc_chart_widget_setup (widget, _("Host overhead per launch over time"), G_CALLBACK (lsc_overhead_chart_on_motion),
                          G_CALLBACK (lsc_overhead_chart_on_leave));
  update_description (self);
  lsc_overhead_chart_add_controllers (self);
}
