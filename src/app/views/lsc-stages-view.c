/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-stages-view.c — the stage breakdown: the document's stage summary in an LscStageChart.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-copy.h"
#include "lsc-format.h"
#include "lsc-stage-chart.h"
#include "lsc-stages-view.h"
#include "lsc-view-util.h"

struct _LscStagesView
{
  GtkWidget parent_instance;

  LscStageChart *chart;
  GtkLabel *summary_label;
  GtkStack *stack;
  GtkSpinner *loading_spinner; /* spins only while shown: a spinning one, even hidden, ticks every frame */

  GSettings *settings;
  LscDocument *document;
  gboolean has_data;
};

G_DEFINE_FINAL_TYPE (LscStagesView, lsc_stages_view, GTK_TYPE_WIDGET)

static void
statistic_changed_cb (LscStagesView *self)
{
  g_autofree char *statistic = g_settings_get_string (self->settings, "stage-statistic");
  lsc_stage_chart_set_statistic (self->chart, g_strcmp0 (statistic, "mean") == 0 ? LSC_STAGE_STATISTIC_MEAN
                                                                                  : LSC_STAGE_STATISTIC_MEDIAN);
}

/* Fills the chart once the document's chart data is ready (loading phase 2). */
static void
charts_ready_cb (LscStagesView *self)
{
  gboolean ready = self->document && lsc_document_get_charts_ready (self->document);
  const LscStageSummary *stages = ready ? lsc_document_get_stages (self->document) : NULL;
  self->has_data = stages && stages->n > 0;
  if (self->has_data)
    {
      lsc_stage_chart_set_rows (self->chart, stages, 1);
      g_autofree char *n = lsc_format_count ((gint64) stages->n);
      g_autofree char *text = g_strdup_printf (_("%s baseline launches with every stage timed"), n);
      gtk_label_set_label (self->summary_label, text);
    }
  else
    {
      lsc_stage_chart_clear (self->chart);
      gtk_label_set_label (self->summary_label, "");
    }
  const char *page = "chart";
  if (self->document && !ready && !lsc_document_get_charts_error (self->document))
    page = "loading";
  else if (self->document && !self->has_data)
    page = "empty";
  lsc_view_show_page (self->stack, self->loading_spinner, page);
}

void
lsc_stages_view_set_document (LscStagesView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_STAGES_VIEW (self));

  lsc_view_follow_document (self, &self->document, document, G_CALLBACK (charts_ready_cb));
  charts_ready_cb (self);
}

GtkWidget *
lsc_stages_view_get_chart (LscStagesView *self)
{
  g_return_val_if_fail (LSC_IS_STAGES_VIEW (self), NULL);
  return self->has_data ? GTK_WIDGET (self->chart) : NULL;
}

static void
lsc_stages_view_dispose (GObject *object)
{
  LscStagesView *self = LSC_STAGES_VIEW (object);

  lsc_view_dispose (GTK_WIDGET (object), LSC_TYPE_STAGES_VIEW, &self->document, &self->settings,
                    G_CALLBACK (charts_ready_cb));
  G_OBJECT_CLASS (lsc_stages_view_parent_class)->dispose (object);
}

static void
lsc_stages_view_class_init (LscStagesViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_stages_view_dispose;
  g_type_ensure (LSC_TYPE_STAGE_CHART);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-stages-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscStagesView, chart);
  gtk_widget_class_bind_template_child (widget_class, LscStagesView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LscStagesView, stack);
  gtk_widget_class_bind_template_child (widget_class, LscStagesView, loading_spinner);
}

static void
copy_stages_cb (GSimpleAction *action, GVariant *param, gpointer data)
{
  LscStagesView *self = data;
  (void) action;
  (void) param;
  if (!self->has_data)
    return;
  g_autofree char *text = lsc_stage_chart_dup_text (self->chart);
  lsc_copy_text (GTK_WIDGET (self), text);
}

static void
lsc_stages_view_init (LscStagesView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  static const GActionEntry entries[] = {
    { "stages", copy_stages_cb, NULL, NULL, NULL, { 0 } },
  };
  lsc_copy_add_actions (GTK_WIDGET (self), entries, G_N_ELEMENTS (entries), self);
  lsc_copy_attach_menu (GTK_WIDGET (self->chart), "stages_menu", NULL, NULL);
  lsc_copy_add_shortcut (GTK_WIDGET (self), "copy.stages");

  self->settings = g_settings_new (LSC_APP_ID);
  g_signal_connect_object (self->settings, "changed::stage-statistic", G_CALLBACK (statistic_changed_cb), self,
                           G_CONNECT_SWAPPED);
  statistic_changed_cb (self);
}
