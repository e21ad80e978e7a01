/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-command-view.c — the live page while it records a command (see the header).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-command-view.h"
#include "lsc-format.h"
#include "lsc-stat-card.h"

#define N_CARDS 6
#define OUTPUT_LINES 5000

struct _LscCommandView
{
  GtkWidget parent_instance;

  GtkSpinner *spinner;
  GtkLabel *state_label;
  GtkLabel *elapsed_label;
  GtkLabel *command_label;
  GtkGrid *cards_grid;
  GtkExpander *output_expander;
  GtkScrolledWindow *output_scroller;
  GtkTextView *output_view;

  LscStatCard *cards[N_CARDS];
  gboolean activity;
  guint output_lines;
};

G_DEFINE_FINAL_TYPE (LscCommandView, lsc_command_view, GTK_TYPE_WIDGET)

static void
set_card (LscCommandView *self, guint i, const char *title, const char *value, const char *detail, const char *tone)
{
  lsc_stat_card_set (self->cards[i], title, value, detail);
  lsc_stat_card_set_tone (self->cards[i], tone);
}

void
lsc_command_view_set_progress (LscCommandView *self, const LscCommandRunnerProgress *p)
{
  g_return_if_fail (LSC_IS_COMMAND_VIEW (self));
  const lsc_command_progress *c = &p->progress;
  gboolean any = c->launches > 0;

  g_autofree char *rate_count = lsc_format_count ((gint64) (p->launches_per_s + 0.5));
  /* Translators: launches per second */
  g_autofree char *rate = p->reads ? g_strdup_printf (_("%s/s"), rate_count) : NULL;
  set_card (self, 0, _("Launch rate"), rate, _("over the last second"), NULL);

  g_autofree char *launches = p->reads ? lsc_format_count (c->launches) : NULL;
  g_autofree char *processes
    = c->launch_bound_reached
          ? g_strdup (_("a process reached the launch bound: its later launches are not recorded"))
          : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "from %u process", "from %u processes", c->processes),
                             c->processes);
  set_card (self, 1, _("Launches"), launches, processes, c->launch_bound_reached ? "warning" : NULL);

  g_autofree char *kernels = p->reads ? lsc_format_count (c->kernels) : NULL;
  set_card (self, 2, _("Kernels"), kernels, _("distinct kernel names so far"), NULL);

  g_autofree char *call = any ? lsc_format_duration_ns ((double) c->call_p50_ns) : NULL;
  g_autofree char *call_p99 = any ? lsc_format_duration_ns ((double) c->call_p99_ns) : NULL;
  /* Translators: %s is a duration such as "4.1 µs" */
  g_autofree char *call_detail = any ? g_strdup_printf (_("p99 %s; the driver call, as CUPTI timed it"), call_p99)
                                     : g_strdup (_("the driver call, as CUPTI timed it"));
  set_card (self, 3, _("Launch call p50"), call, call_detail, NULL);

  g_autofree char *gap = any && c->gap_p50_ns > 0 ? lsc_format_duration_ns ((double) c->gap_p50_ns) : NULL;
  set_card (self, 4, _("Between launches p50"), gap, _("the program’s own time per launch (Python, dispatch)"), NULL);

  if (!self->activity)
    set_card (self, 5, _("Launch-bound share"), NULL, _("needs kernel activity: choose it as the CUPTI mode"), NULL);
  else if (c->activity_kernels == 0)
    set_card (self, 5, _("Launch-bound share"), NULL, _("no kernel activity recorded yet"), NULL);
  else
    {
      double share = (double) c->waited_for_host / (double) c->activity_kernels;
      g_autofree char *value = g_strdup_printf ("%.0f %%", 100.0 * share);
      set_card (self, 5, _("Launch-bound share"), value, _("of kernels the GPU waited for the host to launch"),
                share >= 0.5 ? "warning" : NULL);
    }
}

void
lsc_command_view_reset (LscCommandView *self, const char *command_line, const char *cupti_mode)
{
  g_return_if_fail (LSC_IS_COMMAND_VIEW (self));
  gtk_label_set_label (self->command_label, command_line ? command_line : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->command_label), command_line);
  self->activity = g_strcmp0 (cupti_mode, "activity") == 0;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->output_view), "", 0);
  self->output_lines = 0;
  LscCommandRunnerProgress none = { 0 };
  lsc_command_view_set_progress (self, &none);
  lsc_command_view_set_elapsed (self, -1);
}

void
lsc_command_view_set_state (LscCommandView *self, LscCommandRunnerState state)
{
  g_return_if_fail (LSC_IS_COMMAND_VIEW (self));
  const char *text = state == LSC_COMMAND_RUNNER_RUNNING    ? _("Recording the command")
                     : state == LSC_COMMAND_RUNNER_STOPPING ? _("Stopping: the command was sent Ctrl+C")
                     : state == LSC_COMMAND_RUNNER_FINISHED ? _("The command has ended")
                                                            : _("Starting");
  gtk_label_set_label (self->state_label, text);
  gtk_spinner_set_spinning (self->spinner, state == LSC_COMMAND_RUNNER_STOPPING);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), state == LSC_COMMAND_RUNNER_STOPPING);
  if (state == LSC_COMMAND_RUNNER_RUNNING)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "live-recording");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "live-recording");
}

void
lsc_command_view_set_elapsed (LscCommandView *self, gint64 seconds)
{
  g_return_if_fail (LSC_IS_COMMAND_VIEW (self));
  g_autofree char *text = lsc_format_elapsed (seconds);
  gtk_label_set_label (self->elapsed_label, text);
}

void
lsc_command_view_append_output (LscCommandView *self, const char *line)
{
  g_return_if_fail (LSC_IS_COMMAND_VIEW (self));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->output_view);
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (self->output_scroller);
  /* follow the output unless the user scrolled up to read */
  gboolean at_end = gtk_adjustment_get_value (v) + gtk_adjustment_get_page_size (v) >= gtk_adjustment_get_upper (v) - 4;
  GtkTextIter end;
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, line, -1);
  gtk_text_buffer_insert (buffer, &end, "\n", 1);
  if (++self->output_lines > OUTPUT_LINES)
    {
      GtkTextIter start, second;
      gtk_text_buffer_get_start_iter (buffer, &start);
      gtk_text_buffer_get_iter_at_line (buffer, &second, 1);
      gtk_text_buffer_delete (buffer, &start, &second);
      self->output_lines--;
    }
  if (at_end)
    {
      gtk_text_buffer_get_end_iter (buffer, &end);
      GtkTextMark *mark = gtk_text_buffer_get_insert (buffer);
      gtk_text_buffer_place_cursor (buffer, &end);
      gtk_text_view_scroll_mark_onscreen (self->output_view, mark);
    }
}

char *
lsc_command_view_describe_cards (LscCommandView *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_VIEW (self), NULL);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < N_CARDS; i++)
    {
      const char *value = lsc_stat_card_get_value (self->cards[i]);
      g_string_append_printf (s, "%u: %s\n", i, value ? value : "—");
    }
  return g_string_free (s, FALSE);
}

char *
lsc_command_view_dup_output (LscCommandView *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_VIEW (self), NULL);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->output_view);
  GtkTextIter start, end;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
lsc_command_view_set_output_expanded (LscCommandView *self, gboolean expanded)
{
  g_return_if_fail (LSC_IS_COMMAND_VIEW (self));
  gtk_expander_set_expanded (self->output_expander, expanded);
}

static void
lsc_command_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_COMMAND_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_command_view_parent_class)->dispose (object);
}

static void
lsc_command_view_class_init (LscCommandViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = lsc_command_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-command-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscCommandView, spinner);
  gtk_widget_class_bind_template_child (widget_class, LscCommandView, state_label);
  gtk_widget_class_bind_template_child (widget_class, LscCommandView, elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, LscCommandView, command_label);
  gtk_widget_class_bind_template_child (widget_class, LscCommandView, cards_grid);
  gtk_widget_class_bind_template_child (widget_class, LscCommandView, output_expander);
  gtk_widget_class_bind_template_child (widget_class, LscCommandView, output_scroller);
  gtk_widget_class_bind_template_child (widget_class, LscCommandView, output_view);
}

static void
lsc_command_view_init (LscCommandView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint i = 0; i < N_CARDS; i++)
    {
      self->cards[i] = LSC_STAT_CARD (lsc_stat_card_new ());
      lsc_stat_card_set_detail_lines (self->cards[i], 2);
      gtk_grid_attach (self->cards_grid, GTK_WIDGET (self->cards[i]), (int) (i % 3), (int) (i / 3), 1, 1);
    }
  lsc_command_view_reset (self, NULL, NULL);
  lsc_command_view_set_state (self, LSC_COMMAND_RUNNER_NEW);
}
