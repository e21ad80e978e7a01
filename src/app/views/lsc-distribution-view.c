/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-distribution-view.c — the distribution chart fed with the document's per-path sorted
 * values (built in the loader thread); mode and axis follow GSettings.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-distribution-chart.h"
#include "lsc-distribution-view.h"
#include "lsc-format.h"
#include "lsc-view-util.h"

struct _LscDistributionView
{
  GtkWidget parent_instance;

  LscDistributionChart *chart;
  GtkLabel *summary_label;
  GtkStack *stack;
  GtkSpinner *loading_spinner; /* spins only while shown: a spinning one, even hidden, ticks every frame */

  GSettings *settings;
  LscDocument *document;
};

G_DEFINE_FINAL_TYPE (LscDistributionView, lsc_distribution_view, GTK_TYPE_WIDGET)

static void
mode_changed_cb (LscDistributionView *self)
{
  lsc_distribution_chart_set_mode (self->chart, g_settings_get_boolean (self->settings, "show-cdf")
                                                    ? LSC_DISTRIBUTION_MODE_CDF
                                                    : LSC_DISTRIBUTION_MODE_HISTOGRAM);
}

/* Fills the chart once the document's chart data is ready (loading phase 2). */
static void
charts_ready_cb (LscDistributionView *self)
{
  if (!lsc_view_charts_ready (self->document, self->stack, self->loading_spinner))
    return;
  /* a filter's pass may leave a path without launches: none of the earlier data stays */
  lsc_distribution_chart_clear (self->chart);
  gsize total = 0;
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      LscDistribution *dist = lsc_document_take_distribution (self->document, (LscChartPath) p);
      if (dist)
        {
          total += lsc_distribution_get_n (dist);
          lsc_distribution_chart_set_distribution (self->chart, (LscChartPath) p, dist);
        }
    }
  const lsc_session_summary *s = lsc_document_get_session (self->document);
  lsc_distribution_chart_set_raw_floor (self->chart, s && s->has_raw_floor ? s->raw_floor_p50_ns : NAN);
  g_autofree char *n = lsc_format_count ((gint64) total);
  g_autofree char *text = lsc_document_is_filtered (self->document)
                             ? g_strdup_printf (_("%s successful launches with a host time, of the chosen kernel or process"), n)
                             : g_strdup_printf (_("%s successful launches with a host time, first session"), n);
  gtk_label_set_label (self->summary_label, text);
  lsc_view_show_page (self->stack, self->loading_spinner, "chart");
}

void
lsc_distribution_view_set_document (LscDistributionView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_DISTRIBUTION_VIEW (self));

  lsc_view_follow_document (self, &self->document, document, G_CALLBACK (charts_ready_cb));
  lsc_distribution_chart_clear (self->chart);
  lsc_distribution_chart_set_raw_floor (self->chart, NAN);
  gtk_label_set_label (self->summary_label, "");
  charts_ready_cb (self);
}

GtkWidget *
lsc_distribution_view_get_chart (LscDistributionView *self)
{
  g_return_val_if_fail (LSC_IS_DISTRIBUTION_VIEW (self), NULL);
  return GTK_WIDGET (self->chart);
}

static void
lsc_distribution_view_dispose (GObject *object)
{
  LscDistributionView *self = LSC_DISTRIBUTION_VIEW (object);

  lsc_view_dispose (GTK_WIDGET (object), LSC_TYPE_DISTRIBUTION_VIEW, &self->document, &self->settings,
                    G_CALLBACK (charts_ready_cb));
  G_OBJECT_CLASS (lsc_distribution_view_parent_class)->dispose (object);
}

static void
lsc_distribution_view_class_init (LscDistributionViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_distribution_view_dispose;
  g_type_ensure (LSC_TYPE_DISTRIBUTION_CHART);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-distribution-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscDistributionView, chart);
  gtk_widget_class_bind_template_child (widget_class, LscDistributionView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LscDistributionView, stack);
  gtk_widget_class_bind_template_child (widget_class, LscDistributionView, loading_spinner);
}

static void
lsc_distribution_view_init (LscDistributionView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (LSC_APP_ID);
  g_settings_bind (self->settings, "log-scale", self->chart, "log-x", G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->settings, "changed::show-cdf", G_CALLBACK (mode_changed_cb), self, G_CONNECT_SWAPPED);
  mode_changed_cb (self);
}
