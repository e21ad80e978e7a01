/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-selection-panel.c — the statistics of the timeline's selected range (see the header).
 * The grids' rows depend on the range (the paths and fallback reasons it holds), so they are
 * filled here; the frame around them is the template.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-chart-draw.h"
#include "lsc-format.h"
#include "lsc-report.h"
#include "lsc-selection-panel.h"

struct _LscSelectionPanel
{
  GtkWidget parent_instance;

  GtkLabel *range_label;
  GtkStack *stack;
  GtkGrid *paths_grid;
  GtkGrid *fallbacks_grid;
  GtkGrid *cache_grid;

  gboolean has_stats;
  LscSelectionStats stats;
};

G_DEFINE_FINAL_TYPE (LscSelectionPanel, lsc_selection_panel, GTK_TYPE_WIDGET)

/* Paths in the order the chart's legend names them. */
static const LscChartPath path_order[] = {
  LSC_CHART_PATH_FAST, LSC_CHART_PATH_DEFAULT, LSC_CHART_PATH_RAW, LSC_CHART_PATH_GRAPH,
};

static void
clear_grid (GtkGrid *grid)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (grid))) != NULL)
    gtk_grid_remove (grid, child);
}

/* A cell: text left-aligned (a name) or right-aligned in tabular figures (a number). */
static void
attach (GtkGrid *grid, const char *text, int column, int row, gboolean number, gboolean header)
{
  GtkWidget *label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), number ? 1.0f : 0.0f);
  gtk_widget_set_hexpand (label, !number);
  if (number)
    gtk_widget_add_css_class (label, "numeric");
  if (header)
    {
      gtk_widget_add_css_class (label, "caption-heading");
      gtk_widget_add_css_class (label, "dim-label");
    }
  gtk_grid_attach (grid, label, column, row, 1, 1);
}

static void
attach_count (GtkGrid *grid, const char *name, guint64 count, int row)
{
  g_autofree char *text = lsc_format_count ((gint64) count);
  attach (grid, name, 0, row, FALSE, FALSE);
  attach (grid, text, 1, row, TRUE, FALSE);
}

static void
fill_paths (LscSelectionPanel *self)
{
  const LscSelectionStats *st = &self->stats;
  int row = 0;

  clear_grid (self->paths_grid);
  attach (self->paths_grid, _("Path"), 0, row, FALSE, TRUE);
  attach (self->paths_grid, _("Launches"), 1, row, TRUE, TRUE);
  attach (self->paths_grid, "p50", 2, row, TRUE, TRUE);
  attach (self->paths_grid, "p90", 3, row, TRUE, TRUE);
  attach (self->paths_grid, "p99", 4, row, TRUE, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (path_order); i++)
    {
      const LscSelectionPath *p = &st->paths[path_order[i]];
      if (p->count == 0)
        continue;
      row++;
      g_autofree char *count = lsc_format_count ((gint64) p->count);
      g_autofree char *p50 = lsc_format_duration_ns (p->p50_ns);
      g_autofree char *p90 = lsc_format_duration_ns (p->p90_ns);
      g_autofree char *p99 = lsc_format_duration_ns (p->p99_ns);
      attach (self->paths_grid, lsc_chart_path_label (path_order[i]), 0, row, FALSE, FALSE);
      attach (self->paths_grid, count, 1, row, TRUE, FALSE);
      attach (self->paths_grid, p50, 2, row, TRUE, FALSE);
      attach (self->paths_grid, p90, 3, row, TRUE, FALSE);
      attach (self->paths_grid, p99, 4, row, TRUE, FALSE);
    }
  if (row == 0)
    attach (self->paths_grid, _("No launches in the range"), 0, 1, FALSE, FALSE);
}

static void
fill_fallbacks (LscSelectionPanel *self)
{
  const LscSelectionStats *st = &self->stats;
  int row = 0;

  clear_grid (self->fallbacks_grid);
  for (guint r = 0; r < LSC_SELECTION_N_REASONS; r++)
    if (st->fallbacks_by_reason[r] > 0)
      attach_count (self->fallbacks_grid, lsc_reason_name (r), st->fallbacks_by_reason[r], row++);
  if (row == 0)
    attach (self->fallbacks_grid, _("None"), 0, 0, FALSE, FALSE);
}

static void
fill_cache (LscSelectionPanel *self)
{
  const LscSelectionStats *st = &self->stats;

  clear_grid (self->cache_grid);
  attach_count (self->cache_grid, _("Hits"), st->hits, 0);
  attach_count (self->cache_grid, _("Specs hit"), st->specs_hit, 1);
  attach_count (self->cache_grid, _("Compiles"), st->compiles, 2);
  if (st->compiles > 0)
    {
      g_autofree char *slowest = lsc_format_duration_ns (st->compile_max_ns);
      attach (self->cache_grid, _("Slowest compile"), 0, 3, FALSE, FALSE);
      attach (self->cache_grid, slowest, 1, 3, TRUE, FALSE);
    }
}

void
lsc_selection_panel_set_range (LscSelectionPanel *self, double t0_ns, double t1_ns)
{
  g_return_if_fail (LSC_IS_SELECTION_PANEL (self));

  g_autofree char *start = lsc_format_offset_ns ((gint64) t0_ns);
  g_autofree char *end = lsc_format_offset_ns ((gint64) t1_ns);
  g_autofree char *length = lsc_format_duration_ns (t1_ns - t0_ns);
  /* TRANSLATORS: a selected time range: its start, end and length */
  g_autofree char *text = g_strdup_printf (_("%s to %s (%s)"), start, end, length);
  gtk_label_set_text (self->range_label, text);
  self->has_stats = FALSE;
  gtk_stack_set_visible_child_name (self->stack, "computing");
}

void
lsc_selection_panel_set_stats (LscSelectionPanel *self, const LscSelectionStats *stats)
{
  g_return_if_fail (LSC_IS_SELECTION_PANEL (self));
  g_return_if_fail (stats != NULL);

  lsc_selection_panel_set_range (self, stats->t0_ns, stats->t1_ns);
  self->stats = *stats;
  self->has_stats = TRUE;
  fill_paths (self);
  fill_fallbacks (self);
  fill_cache (self);
  gtk_stack_set_visible_child_name (self->stack, "stats");
}

const LscSelectionStats *
lsc_selection_panel_get_stats (LscSelectionPanel *self)
{
  g_return_val_if_fail (LSC_IS_SELECTION_PANEL (self), NULL);
  return self->has_stats ? &self->stats : NULL;
}

static void
lsc_selection_panel_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_SELECTION_PANEL);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_selection_panel_parent_class)->dispose (object);
}

static void
lsc_selection_panel_class_init (LscSelectionPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_selection_panel_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-selection-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LscSelectionPanel, range_label);
  gtk_widget_class_bind_template_child (widget_class, LscSelectionPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, LscSelectionPanel, paths_grid);
  gtk_widget_class_bind_template_child (widget_class, LscSelectionPanel, fallbacks_grid);
  gtk_widget_class_bind_template_child (widget_class, LscSelectionPanel, cache_grid);
}

static void
lsc_selection_panel_init (LscSelectionPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
