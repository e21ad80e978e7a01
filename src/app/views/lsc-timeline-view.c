/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-timeline-view.c — the timeline: the document's series index and toggle markers in an
 * LscOverheadChart; log scale and markers follow GSettings.  A selected range's statistics are
 * computed on a worker thread (a million launches take tens of ms to sort) a moment after the
 * range stops changing, and shown in the side panel.
 */
#include "config.h"

#include <math.h>

#include "lsc-overhead-chart.h"
#include "lsc-selection-panel.h"
#include "lsc-timeline-view.h"
#include "lsc-view-util.h"

struct _LscTimelineView
{
  GtkWidget parent_instance;

  LscOverheadChart *chart;
  GtkWidget *reset_button;
  GtkStack *stack;
  GtkSpinner *loading_spinner; /* spins only while shown: a spinning one, even hidden, ticks every frame */
  GtkRevealer *selection_revealer;
  LscSelectionPanel *selection_panel;

  GSettings *settings;
  LscDocument *document;
  gboolean has_pending_time; /* shown once the chart data is ready */
  gint64 pending_time;
  gboolean has_pending_selection; /* selected once the chart data is ready */
  double pending_sel_t0, pending_sel_t1;

  GCancellable *selection_cancellable; /* the statistics being computed */
  guint selection_source;              /* ... or about to be */
};

/* How much of the session the chart shows around a moment asked for. */
#define SHOW_TIME_FRACTION 0.05
/* While a shift-drag moves, the statistics wait until the range rests this long. */
#define SELECTION_DELAY_MS 80

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

static void
cancel_selection_stats (LscTimelineView *self)
{
  g_clear_handle_id (&self->selection_source, g_source_remove);
  if (self->selection_cancellable)
    g_cancellable_cancel (self->selection_cancellable);
  g_clear_object (&self->selection_cancellable);
}

static void
stats_ready_cb (GObject *source G_GNUC_UNUSED, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree LscSelectionStats *stats = lsc_selection_stats_compute_finish (result, &error);
  /* Cancelled (a newer range, another report, the view gone): data may be freed. */
  if (stats == NULL)
    return;
  LscTimelineView *self = data;
  g_clear_object (&self->selection_cancellable);
  lsc_selection_panel_set_stats (self->selection_panel, stats);
}

static gboolean
compute_selection_cb (gpointer data)
{
  LscTimelineView *self = data;
  double t0, t1;

  self->selection_source = 0;
  LscSeriesIndex *index = lsc_overhead_chart_get_index (self->chart);
  if (index == NULL || !lsc_overhead_chart_get_selection (self->chart, &t0, &t1))
    return G_SOURCE_REMOVE;
  self->selection_cancellable = g_cancellable_new ();
  lsc_selection_stats_compute_async (index, t0, t1, self->selection_cancellable, stats_ready_cb, self);
  return G_SOURCE_REMOVE;
}

static void
selection_changed_cb (LscTimelineView *self)
{
  double t0, t1;
  gboolean selected = lsc_overhead_chart_get_selection (self->chart, &t0, &t1);

  cancel_selection_stats (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.clear-selection", selected);
  gtk_revealer_set_reveal_child (self->selection_revealer, selected);
  if (!selected)
    return;
  lsc_selection_panel_set_range (self->selection_panel, t0, t1);
  self->selection_source = g_timeout_add (SELECTION_DELAY_MS, compute_selection_cb, self);
}

static void
clear_selection_action (GtkWidget *widget, const char *action_name G_GNUC_UNUSED, GVariant *parameter G_GNUC_UNUSED)
{
  lsc_overhead_chart_clear_selection (LSC_TIMELINE_VIEW (widget)->chart);
}

/* Kernel id -> name for the chart's tooltip, from the charted session. */
static GHashTable *
kernel_names (const lsc_session_summary *s)
{
  GHashTable *names = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  for (gsize i = 0; s != NULL && i < s->n_kernel_list; i++)
    if (s->kernel_list[i].name != NULL)
      g_hash_table_replace (names, g_memdup2 (&s->kernel_list[i].id, sizeof (gint64)),
                            g_utf8_make_valid (s->kernel_list[i].name, -1));
  return names;
}

/* Fills the chart once the document's chart data is ready (loading phase 2). */
static void
charts_ready_cb (LscTimelineView *self)
{
  if (!lsc_view_charts_ready (self->document, self->stack, self->loading_spinner))
    return;
  const lsc_session_summary *s = lsc_document_get_session (self->document);
  lsc_overhead_chart_set_index (self->chart, lsc_document_take_series_index (self->document));
  lsc_overhead_chart_set_tracks (self->chart, lsc_document_take_tracks (self->document));
  g_autoptr (GHashTable) names = kernel_names (s);
  lsc_overhead_chart_set_kernel_names (self->chart, names);
  lsc_overhead_chart_set_raw_floor (self->chart, s && s->has_raw_floor ? s->raw_floor_p50_ns : NAN);
  update_markers (self);
  lsc_view_show_page (self->stack, self->loading_spinner, "chart");
  if (self->has_pending_time)
    lsc_timeline_view_show_time (self, self->pending_time);
  if (self->has_pending_selection)
    lsc_timeline_view_select_range (self, self->pending_sel_t0, self->pending_sel_t1);
}

void
lsc_timeline_view_select_range (LscTimelineView *self, double t0_ns, double t1_ns)
{
  g_return_if_fail (LSC_IS_TIMELINE_VIEW (self));
  g_return_if_fail (t1_ns > t0_ns);

  self->has_pending_selection = lsc_overhead_chart_get_index (self->chart) == NULL;
  self->pending_sel_t0 = t0_ns;
  self->pending_sel_t1 = t1_ns;
  if (!self->has_pending_selection)
    lsc_overhead_chart_set_selection (self->chart, t0_ns, t1_ns);
}

const LscSelectionStats *
lsc_timeline_view_get_selection_stats (LscTimelineView *self)
{
  g_return_val_if_fail (LSC_IS_TIMELINE_VIEW (self), NULL);
  if (!lsc_overhead_chart_get_selection (self->chart, NULL, NULL))
    return NULL;
  return lsc_selection_panel_get_stats (self->selection_panel);
}

gboolean
lsc_timeline_view_get_selection_pending (LscTimelineView *self)
{
  g_return_val_if_fail (LSC_IS_TIMELINE_VIEW (self), FALSE);
  if (self->has_pending_selection)
    return TRUE;
  return lsc_overhead_chart_get_selection (self->chart, NULL, NULL) &&
         lsc_selection_panel_get_stats (self->selection_panel) == NULL;
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
  self->has_pending_selection = FALSE;
  lsc_view_follow_document (self, &self->document, document, G_CALLBACK (charts_ready_cb));
  lsc_overhead_chart_clear (self->chart);
  lsc_overhead_chart_set_kernel_names (self->chart, NULL);
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

  cancel_selection_stats (self);
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
  g_type_ensure (LSC_TYPE_SELECTION_PANEL);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-timeline-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, chart);
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, reset_button);
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, stack);
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, selection_revealer);
  gtk_widget_class_bind_template_child (widget_class, LscTimelineView, selection_panel);
  gtk_widget_class_bind_template_callback (widget_class, reset_zoom_cb);
  gtk_widget_class_bind_template_callback (widget_class, selection_changed_cb);
  gtk_widget_class_install_action (widget_class, "timeline.clear-selection", NULL, clear_selection_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "timeline.clear-selection", NULL);
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
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.clear-selection", FALSE);
}
