/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-kernels-view.c — the per-kernel table (see the header).  Kernels are few next to
 * launches, so their rows are built at once from the phase-1 summary (lsc-kernel-table.c) and
 * sorted by a GtkSortListModel with the column view's sorter.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-columns.h"
#include "lsc-format.h"
#include "lsc-kernel-table.h"
#include "lsc-kernels-view.h"

struct _LscKernelsView
{
  GtkWidget parent_instance;

  GtkLabel *summary_label;
  GtkStack *stack;
  GtkColumnView *column_view;

  GtkColumnViewColumn *columns[LSC_KERNEL_N_COLS]; /* a reference each: the view holds the shown ones */
  LscDocument *document;
  GtkSingleSelection *selection;
  gint64 session_id;  /* the process the rows are of */
  gboolean following; /* choosing the row of the document's filter, not the user's choice */
};

G_DEFINE_FINAL_TYPE (LscKernelsView, lsc_kernels_view, GTK_TYPE_WIDGET)

/* A column is shown when some row has a figure in it: a report of the engine has no framework
 * time, a recorded program no fast path, specs or hits (counts of zero everywhere).  Columns
 * are taken out of the view rather than hidden: GTK 4.8 still lays out the width of a hidden
 * column, so the expanding Kernel column got none of the spare width. */
static void
show_columns_with_figures (LscKernelsView *self, GListModel *rows)
{
  guint n = g_list_model_get_n_items (rows);
  const lsc_report_summary *summary = self->document ? lsc_document_get_summary (self->document) : NULL;
  for (guint c = 0; c < LSC_KERNEL_N_COLS; c++)
    {
      gboolean count = c == LSC_KERNEL_COL_ERRORS || c == LSC_KERNEL_COL_HITS || c == LSC_KERNEL_COL_MISSES
                       || c == LSC_KERNEL_COL_FALLBACKS || c == LSC_KERNEL_COL_SPECS;
      gboolean shown = c == LSC_KERNEL_COL_NAME || c == LSC_KERNEL_COL_LAUNCHES;
      if (c == LSC_KERNEL_COL_PROCESS)
        shown = summary && summary->n_sessions > 1 && self->session_id == LSC_ROW_ANY;
      else
        for (guint i = 0; i < n && !shown; i++)
          {
            g_autoptr (LscRow) row = g_list_model_get_item (rows, i);
            double v = lsc_row_get_number (row, c);
            shown = isfinite (v) && (v != 0 || !count);
          }
      if (gtk_column_view_column_get_column_view (self->columns[c]))
        gtk_column_view_remove_column (self->column_view, self->columns[c]);
      if (shown)
        gtk_column_view_append_column (self->column_view, self->columns[c]);
    }
}

/* Chooses the row of the document's kernel filter, or none. */
static void
follow_filter (LscKernelsView *self)
{
  if (!self->selection)
    return;
  lsc_row_filter filter;
  lsc_document_get_filter (self->document, &filter);
  GListModel *rows = G_LIST_MODEL (self->selection);
  guint chosen = GTK_INVALID_LIST_POSITION;
  for (guint i = 0, n = g_list_model_get_n_items (rows); i < n && filter.kernel_id != LSC_ROW_ANY; i++)
    {
      g_autoptr (LscRow) row = g_list_model_get_item (rows, i);
      if (lsc_row_get_rowid (row) == filter.kernel_id)
        chosen = i;
    }
  self->following = TRUE;
  gtk_single_selection_set_selected (self->selection, chosen);
  self->following = FALSE;
}

static void
selection_changed_cb (LscKernelsView *self)
{
  if (self->following)
    return;
  LscRow *row = gtk_single_selection_get_selected_item (self->selection);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.filter-kernel", "x", row ? lsc_row_get_rowid (row) : LSC_ROW_ANY);
}

static void
fill (LscKernelsView *self)
{
  if (self->selection)
    g_signal_handlers_disconnect_by_func (self->selection, selection_changed_cb, self);
  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->selection);
  if (!self->document)
    {
      gtk_label_set_label (self->summary_label, "");
      return;
    }
  const lsc_report_summary *summary = lsc_document_get_summary (self->document);
  GListStore *store = lsc_kernel_table_new (summary, self->session_id);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  GtkSortListModel *sorted = gtk_sort_list_model_new (G_LIST_MODEL (store),
                                                      g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (sorted));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  show_columns_with_figures (self, G_LIST_MODEL (self->selection));
  follow_filter (self);
  g_signal_connect_swapped (self->selection, "selection-changed", G_CALLBACK (selection_changed_cb), self);

  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "table" : "empty");
  g_autofree char *count = lsc_format_count (n);
  g_autofree char *text
    = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                    "%s kernel launched. Choose one to show only its launches in the other views.",
                                    "%s kernels launched. Choose one to show only its launches in the other views.",
                                    n),
                       count);
  gtk_label_set_label (self->summary_label, text);
}

static void
filter_changed_cb (LscKernelsView *self)
{
  lsc_row_filter filter;
  lsc_document_get_filter (self->document, &filter);
  if (filter.session_id != self->session_id)
    {
      self->session_id = filter.session_id;
      fill (self);
    }
  else
    follow_filter (self);
}

void
lsc_kernels_view_set_document (LscKernelsView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_KERNELS_VIEW (self));

  if (self->document)
    g_signal_handlers_disconnect_by_func (self->document, filter_changed_cb, self);
  g_set_object (&self->document, document);
  self->session_id = LSC_ROW_ANY;
  if (document)
    {
      lsc_row_filter filter;
      lsc_document_get_filter (document, &filter);
      self->session_id = filter.session_id;
      g_signal_connect_swapped (document, "filter-changed", G_CALLBACK (filter_changed_cb), self);
    }
  fill (self);
}

static void
lsc_kernels_view_dispose (GObject *object)
{
  LscKernelsView *self = LSC_KERNELS_VIEW (object);

  if (self->document)
    g_signal_handlers_disconnect_by_func (self->document, filter_changed_cb, self);
  g_clear_object (&self->document);
  if (self->selection)
    g_signal_handlers_disconnect_by_func (self->selection, selection_changed_cb, self);
  if (self->column_view)
    gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->selection);
  for (guint c = 0; c < LSC_KERNEL_N_COLS; c++)
    g_clear_object (&self->columns[c]);
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_KERNELS_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_kernels_view_parent_class)->dispose (object);
}

static void
lsc_kernels_view_class_init (LscKernelsViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_kernels_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-kernels-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscKernelsView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LscKernelsView, stack);
  gtk_widget_class_bind_template_child (widget_class, LscKernelsView, column_view);
}

static void
lsc_kernels_view_init (LscKernelsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->session_id = LSC_ROW_ANY;

  static const struct {
    const char *context_title;
    guint cell;
    LscColumnFlags flags;
    int chars;
  } columns[LSC_KERNEL_N_COLS] = {
    { NC_ ("column", "Kernel"), LSC_KERNEL_COL_NAME, LSC_COLUMN_EXPAND, 8 },
    { NC_ ("column", "Process"), LSC_KERNEL_COL_PROCESS, LSC_COLUMN_TEXT, 20 },
    { NC_ ("column", "Launches"), LSC_KERNEL_COL_LAUNCHES, LSC_COLUMN_NUMERIC, 7 },
    { NC_ ("column", "Errors"), LSC_KERNEL_COL_ERRORS, LSC_COLUMN_NUMERIC, 4 },
    { NC_ ("column", "Fast p50"), LSC_KERNEL_COL_FAST_P50, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Fast p90"), LSC_KERNEL_COL_FAST_P90, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Fast p99"), LSC_KERNEL_COL_FAST_P99, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Baseline p50"), LSC_KERNEL_COL_BASELINE_P50, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Baseline p90"), LSC_KERNEL_COL_BASELINE_P90, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Baseline p99"), LSC_KERNEL_COL_BASELINE_P99, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Raw p50"), LSC_KERNEL_COL_RAW_P50, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Raw p90"), LSC_KERNEL_COL_RAW_P90, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Raw p99"), LSC_KERNEL_COL_RAW_P99, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Hits"), LSC_KERNEL_COL_HITS, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Misses"), LSC_KERNEL_COL_MISSES, LSC_COLUMN_NUMERIC, 4 },
    { NC_ ("column", "Fallbacks"), LSC_KERNEL_COL_FALLBACKS, LSC_COLUMN_NUMERIC, 5 },
    { NC_ ("column", "Specs"), LSC_KERNEL_COL_SPECS, LSC_COLUMN_NUMERIC, 3 },
    { NC_ ("column", "Compile"), LSC_KERNEL_COL_COMPILE, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Framework"), LSC_KERNEL_COL_FRAMEWORK, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "GPU p50"), LSC_KERNEL_COL_GPU, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Launch-bound"), LSC_KERNEL_COL_LAUNCH_BOUND, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Cache hit rate"), LSC_KERNEL_COL_HIT_RATE, LSC_COLUMN_NUMERIC, 6 },
    { NC_ ("column", "Fast launcher saves"), LSC_KERNEL_COL_FAST_SAVING, LSC_COLUMN_NUMERIC, 7 },
    { NC_ ("column", "Graphs save"), LSC_KERNEL_COL_GRAPH_SAVING, LSC_COLUMN_NUMERIC, 7 },
  };
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    self->columns[columns[c].cell] = g_object_ref (
      lsc_columns_append (self->column_view, g_dpgettext2 (GETTEXT_PACKAGE, "column", columns[c].context_title),
                          columns[c].cell, columns[c].flags, columns[c].chars));
}
