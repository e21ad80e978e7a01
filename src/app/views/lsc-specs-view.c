/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-specs-view.c — the spec-cache inspector.  Specs are few (one per distinct key), so the
 * lazy model is sorted by a GtkSortListModel with the column view's sorter.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lsc-columns.h"
#include "lsc-format.h"
#include "lsc-specs-view.h"
#include "lsc-summary-figures.h"

struct _LscSpecsView
{
  GtkWidget parent_instance;

  GtkLabel *summary_label;
  GtkStack *stack;
  GtkColumnView *column_view;
};

G_DEFINE_FINAL_TYPE (LscSpecsView, lsc_specs_view, GTK_TYPE_WIDGET)

void
lsc_specs_view_set_document (LscSpecsView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_SPECS_VIEW (self));

  if (!document)
    {
      gtk_column_view_set_model (self->column_view, NULL);
      gtk_label_set_label (self->summary_label, "");
      return;
    }
  LscTableModel *specs = lsc_document_get_specs (document);
  GtkSortListModel *sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (specs)),
                                                      g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  GtkNoSelection *selection = gtk_no_selection_new (G_LIST_MODEL (sorted));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  guint n = g_list_model_get_n_items (G_LIST_MODEL (specs));
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "table" : "empty");

  const lsc_report_summary *summary = lsc_document_get_summary (document);
  LscSpecTotals totals = { 0 };
  for (size_t i = 0; i < summary->n_sessions; i++)
    lsc_spec_totals_add_session (&totals, &summary->sessions[i]);
  g_autofree char *ns = lsc_format_count (n);
  g_autofree char *nk = lsc_format_count (totals.kernels);
  g_autofree char *h = lsc_format_count (totals.hits);
  g_autofree char *m = lsc_format_count (totals.misses);
  g_autofree char *text = g_strdup_printf (_("Specs: %s · kernels: %s · hits: %s · misses: %s. A spec is one "
                                             "compiled binary; its key holds exactly the facts that change it."),
                                           ns, nk, h, m);
  gtk_label_set_label (self->summary_label, text);
}

static void
lsc_specs_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_SPECS_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_specs_view_parent_class)->dispose (object);
}

static void
lsc_specs_view_class_init (LscSpecsViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_specs_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-specs-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscSpecsView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LscSpecsView, stack);
  gtk_widget_class_bind_template_child (widget_class, LscSpecsView, column_view);
}

static void
lsc_specs_view_init (LscSpecsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  GtkColumnView *v = self->column_view;
  lsc_columns_append (v, C_("column", "ID"), LSC_SPEC_COL_ID, LSC_COLUMN_NUMERIC, 4);
  lsc_columns_append (v, C_("column", "Kernel"), LSC_SPEC_COL_KERNEL, LSC_COLUMN_TEXT, 8);
  lsc_columns_append (v, C_("column", "Decoded key"), LSC_SPEC_COL_DESCRIPTION, LSC_COLUMN_EXPAND | LSC_COLUMN_TOOLTIP, 40);
  lsc_columns_append (v, C_("column", "Hits"), LSC_SPEC_COL_HITS, LSC_COLUMN_NUMERIC, 8);
  lsc_columns_append (v, C_("column", "Misses"), LSC_SPEC_COL_MISSES, LSC_COLUMN_NUMERIC, 6);
  lsc_columns_append (v, C_("column", "Compile"), LSC_SPEC_COL_COMPILE_MS, LSC_COLUMN_NUMERIC, 8);
  lsc_columns_append (v, C_("column", "First use"), LSC_SPEC_COL_FIRST, LSC_COLUMN_NUMERIC, 9);
  lsc_columns_append (v, C_("column", "Last use"), LSC_SPEC_COL_LAST, LSC_COLUMN_NUMERIC, 9);
  lsc_columns_append (v, C_("column", "Pointers"), LSC_SPEC_COL_ALIGNMENT, LSC_COLUMN_TEXT, 6);
  lsc_columns_append (v, C_("column", "Integers"), LSC_SPEC_COL_INT_CLASSES, LSC_COLUMN_TEXT, 6);
  lsc_columns_append (v, C_("column", "Debug"), LSC_SPEC_COL_DEBUG, LSC_COLUMN_TEXT, 5);
  lsc_columns_append (v, C_("column", "Instrumentation"), LSC_SPEC_COL_INSTRUMENTATION, LSC_COLUMN_TEXT, 10);
  lsc_columns_append (v, C_("column", "Hook"), LSC_SPEC_COL_HOOK, LSC_COLUMN_TEXT, 4);
  lsc_columns_append (v, C_("column", "Key"), LSC_SPEC_COL_KEY, LSC_COLUMN_TEXT, 18);
}
