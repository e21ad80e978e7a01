/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-timeline-view.c — the timeline: the document's series index and toggle markers in an
 * LscOverheadChart; log scale and markers follow GSettings.
 */
#include "config.h"

#include <math.h>

#include "lsc-overhead-chart.h"
#include "lsc-timeline-view.h"
#include "lsc-view-util.h"

struct _LscTimelineView
{
  GtkWidget parent_instance;

  LscOverheadChart *chart;
  GtkWidget *reset_button;
  GtkStack *stack;
  GtkSpinner *loading_spinner; /* spins only while shown: a spinning one, even hidden, ticks every frame */

  GSettings *settings;
  LscDocument *document;
  gboolean has_pending_time; /* shown once the chart data is ready */
  gint64 pending_time;
};

/* How much of the session the chart shows around a moment asked for. */
#define SHOW_TIME_FRACTION 0.05

G_DEFINE_FINAL_TYPE (LscTimelineView, lsc_timeline_view, GTK_TYPE_WIDGET)

static void
update_markers (LscTimelineView *self)
{
  guint n = 0;
  const LscMarker *markers = self->document ? lsc_document_get_markers (self->document, &n) : NULL;
  if (!g_settings_get_boolean (self->settings, "show-markers") || n == 0)
    {
      lsc_overhead_chart_set_markers (self->chart, NULL, 0);
      return;
    }
  LscChartMarker *chart_markers = g_new (LscChartMarker, n);
  for (guint i = 0; i < n; i++)
    chart_markers[i] = (LscChartMarker) { markers[i].t_ns, lsc_chart_marker_label (markers[i].text) };
  lsc_overhead_chart_set_markers (self->chart, chart_markers, n);
  for (guint i = 0; i < n; i++)
    g_free ((char *) chart_markers[i].label);
  g_free (chart_markers);
}

/* Fills the chart once the document's chart data is ready (loading phase 2). */
static void
charts_ready_cb (LscTimelineView *self)
{
  if (!lsc_view_charts_ready (self->document, self->stack, self->loading_spinner))
    return;
  const lsc_session_summary *s = lsc_document_get_session (self->document);
  lsc_overhead_chart_set_index (self->chart, lsc_document_take_series_index (self->document));
  lsc_overhead_chart_set_raw_floor (self->chart, s && s->has_raw_floor ? s->raw_floor_p50_ns : NAN);
  update_markers (self);
  lsc_view_show_page (self->stack, self->loading_spinner, "chart");
  if (self->has_pending_time)
    lsc_timeline_view_show_time (self, self->pending_time);
}

void
lsc_timeline_view_show_time (LscTimelineView *self, gint64 t_ns)
{
  g_return_if_fail (LSC_IS_TIMELINE_VIEW (self));

  lsc_overhead_chart_reset_zoom (self->chart);
  double full_t0, full_t1, t0, t1;
  self->has_pending_time = !lsc_overhead_chart_get_visible_range (self->chart, &full_t0, &full_t1);
  self->pending_time = t_ns;
  if (self->has_pending_time)
    return;
  lsc_chart_window_around ((double) t_ns, full_t0, full_t1, SHOW_TIME_FRACTION, &t0, &t1);
  lsc_overhead_chart_set_visible_range (self->chart, t0, t1);
}

void
lsc_timeline_view_set_document (LscTimelineView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_TIMELINE_VIEW (self));

  self->has_pending_time = FALSE;
  lsc_view_follow_document (self, &self->document, document, G_CALLBACK (charts_ready_cb));
  lsc_overhead_chart_clear (self->chart);
  lsc_overhead_chart_set_raw_floor (self->chart, NAN);
  charts_ready_cb (self);
}

GtkWidget *
lsc_timeline_view_get_chart (LscTimelineView *self)
{
  g_return_val_if_fail (LSC_IS_TIMELINE_VIEW (self), NULL);
  return GTK_WIDGET (self->chart);
}

static void
reset_zoom_cb (LscTimelineView *self)
{
  lsc_overhead_chart_reset_zoom (self->chart);
}

static void
lsc_timeline_view_dispose (GObject *object)
{
  LscTimelineView *self = LSC_TIMELINE_VIEW (object);

  lsc_view_dispose (GTK_WIDGET (object), LSC_TYPE_TIMELINE_VIEW, &self->document, &self->settings,
                    G_CALLBACK (charts_ready_cb));
  G_OBJECT_CLASS (lsc_timeline_view_parent_class)->dispose (object);
}

static void
lsc_timeline_view_class_init (LscTimelineViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_timeline_view_dispose;
  g_type_ensure (LSC_TYPE_OVERHEAD_CHART);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-timeline-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, chart);
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, reset_button);
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, stack);
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, loading_spinner);
  gtk_widget_class_bind_template_callback (widget_class, reset_zoom_cb);
}

static void
lsc_timeline_view_init (LscTimelineView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (LSC_APP_ID);
  g_settings_bind (self->settings, "timeline-log-scale", self->chart, "log-scale", G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->settings, "changed::show-markers", G_CALLBACK (update_markers), self,
                           G_CONNECT_SWAPPED);
  g_object_bind_property (self->chart, "zoomed", self->reset_button, "sensitive", G_BINDING_SYNC_CREATE);
}
