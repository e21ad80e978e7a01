/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-run-view.c — the live page's run view (see the header).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-application.h"
#include "lsc-format.h"
#include "lsc-live-run-view.h"
#include "lsc-stat-card.h"

struct _LscLiveRunView
{
  GtkWidget parent_instance;

  /* template children */
  AdwButtonContent *pause_content;
  GtkSpinner *spinner;
  GtkLabel *state_label;
  GtkLabel *elapsed_label;
  GtkLabel *device_label;
  GtkGrid *cards_grid;
  GtkWidget *settings_button;
  GtkStack *chart_stack;
  AdwStatusPage *empty_page;
  GtkWidget *sample_button;
  LscOverheadChart *chart;

  LscStatCard *cards[LSC_LIVE_N_CARDS];
};

G_DEFINE_FINAL_TYPE (LscLiveRunView, lsc_live_run_view, GTK_TYPE_WIDGET)

static const char *
state_text (LscLivePageState state)
{
  switch (state)
    {
    case LSC_LIVE_PAGE_PROBING:
      return C_("live state", "Looking for a GPU…");
    case LSC_LIVE_PAGE_UNAVAILABLE:
      return C_("live state", "Not available");
    case LSC_LIVE_PAGE_READY:
      return C_("live state", "Ready");
    case LSC_LIVE_PAGE_STARTING:
      return C_("live state", "Starting…");
    case LSC_LIVE_PAGE_RECORDING:
      return C_("live state", "Recording");
    case LSC_LIVE_PAGE_PAUSED:
      return C_("live state", "Paused");
    case LSC_LIVE_PAGE_FAILED:
      return C_("live state", "Stopped by an error");
    case LSC_LIVE_PAGE_STOPPING:
      return C_("live state", "Finishing the report…");
    default:
      return "";
    }
}

/* What the chart's place says before the first launch arrives. */
static void
update_empty_page (LscLiveRunView *self, LscLivePageState state)
{
  g_autofree char *sample = state == LSC_LIVE_PAGE_UNAVAILABLE ? lsc_application_dup_sample_path () : NULL;
  gtk_widget_set_visible (self->sample_button, sample != NULL);
  /* no figures to come: the page is the reason and the way out */
  gtk_widget_set_visible (GTK_WIDGET (self->cards_grid), state != LSC_LIVE_PAGE_UNAVAILABLE);
  switch (state)
    {
    case LSC_LIVE_PAGE_UNAVAILABLE:
      adw_status_page_set_title (self->empty_page, _("No GPU to Record On"));
      adw_status_page_set_description (self->empty_page, _("Open a report recorded on a machine with an NVIDIA GPU."));
      break;
    case LSC_LIVE_PAGE_STARTING:
    case LSC_LIVE_PAGE_RECORDING:
    case LSC_LIVE_PAGE_PAUSED:
      adw_status_page_set_title (self->empty_page, _("Waiting for the First Launch"));
      adw_status_page_set_description (self->empty_page, _("The first launch compiles the kernel."));
      break;
    default:
      adw_status_page_set_title (self->empty_page, _("Ready to Record"));
      adw_status_page_set_description (
          self->empty_page, _("Record launches the workload and writes every launch to the report as it runs. Flip the "
                              "switches while it runs and watch the overhead move."));
      break;
    }
}

void
lsc_live_run_view_set_state (LscLiveRunView *self, LscLivePageState state)
{
  g_return_if_fail (LSC_IS_LIVE_RUN_VIEW (self));

  gtk_label_set_label (self->state_label, state_text (state));
  gtk_spinner_set_spinning (self->spinner, state == LSC_LIVE_PAGE_PROBING || state == LSC_LIVE_PAGE_STARTING
                                               || state == LSC_LIVE_PAGE_STOPPING);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), gtk_spinner_get_spinning (self->spinner));
  if (state == LSC_LIVE_PAGE_RECORDING)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "live-recording");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "live-recording");

  gboolean paused = state == LSC_LIVE_PAGE_PAUSED;
  adw_button_content_set_label (self->pause_content, paused ? _("_Resume") : _("_Pause"));
  adw_button_content_set_icon_name (self->pause_content,
                                    paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
  update_empty_page (self, state);
}

void
lsc_live_run_view_set_device (LscLiveRunView *self, const char *device)
{
  g_return_if_fail (LSC_IS_LIVE_RUN_VIEW (self));
  gtk_label_set_label (self->device_label, device ? device : "");
}

void
lsc_live_run_view_set_elapsed (LscLiveRunView *self, gint64 seconds)
{
  g_return_if_fail (LSC_IS_LIVE_RUN_VIEW (self));
  g_autofree char *text = lsc_format_elapsed (seconds);
  gtk_label_set_label (self->elapsed_label, text);
}

void
lsc_live_run_view_set_cards (LscLiveRunView *self, const LscLiveCardText *texts)
{
  g_return_if_fail (LSC_IS_LIVE_RUN_VIEW (self));
  for (guint i = 0; i < LSC_LIVE_N_CARDS; i++)
    {
      lsc_stat_card_set (self->cards[i], texts[i].title, texts[i].value, texts[i].detail);
      lsc_stat_card_set_tone (self->cards[i], texts[i].tone);
    }
}

LscOverheadChart *
lsc_live_run_view_get_chart (LscLiveRunView *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_RUN_VIEW (self), NULL);
  return self->chart;
}

void
lsc_live_run_view_show_chart (LscLiveRunView *self, gboolean chart)
{
  g_return_if_fail (LSC_IS_LIVE_RUN_VIEW (self));
  gtk_stack_set_visible_child_name (self->chart_stack, chart ? "chart" : "empty");
}

/* Expands as its content does: the page's box shares out spare width as it would to the content. */
static void
lsc_live_run_view_compute_expand (GtkWidget *widget, gboolean *hexpand, gboolean *vexpand)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  *hexpand = child && gtk_widget_compute_expand (child, GTK_ORIENTATION_HORIZONTAL);
  *vexpand = child && gtk_widget_compute_expand (child, GTK_ORIENTATION_VERTICAL);
}

static void
lsc_live_run_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_LIVE_RUN_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_live_run_view_parent_class)->dispose (object);
}

static void
lsc_live_run_view_class_init (LscLiveRunViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lsc_live_run_view_dispose;
  widget_class->compute_expand = lsc_live_run_view_compute_expand;

  g_type_ensure (LSC_TYPE_OVERHEAD_CHART);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-live-run-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, pause_content);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, spinner);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, state_label);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, device_label);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, cards_grid);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, settings_button);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, chart_stack);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, sample_button);
  gtk_widget_class_bind_template_child (widget_class, LscLiveRunView, chart);
}

static void
lsc_live_run_view_init (LscLiveRunView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < LSC_LIVE_N_CARDS; i++)
    {
      self->cards[i] = LSC_STAT_CARD (lsc_stat_card_new ());
      lsc_stat_card_set_detail_lines (self->cards[i], 2); /* the chart keeps its room */
      gtk_grid_attach (self->cards_grid, GTK_WIDGET (self->cards[i]), (int) (i % 4), (int) (i / 4), 1, 1);
    }
}

GtkToggleButton *
lsc_live_run_view_get_settings_button (LscLiveRunView *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_RUN_VIEW (self), NULL);
  return GTK_TOGGLE_BUTTON (self->settings_button);
}
