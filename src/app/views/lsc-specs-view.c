/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-specs-view.c — the spec-cache inspector.  Specs are few (one per distinct key), so the
 * lazy model is sorted by a GtkSortListModel with the column view's sorter.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

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
  /* spec id -> SpecLaunches, from the summary's launch rows per spec */
  GHashTable *launches;
  LscDocument *document;
};

typedef struct {
  gint64 launches;
  gint64 count, p50_ns; /* count: launches with a host time, which p50_ns is over */
} SpecLaunches;

G_DEFINE_FINAL_TYPE (LscSpecsView, lsc_specs_view, GTK_TYPE_WIDGET)

/* The line above the table: the whole report's specs, or under a kernel or process filter the
 * filtered summary's once the chart pass has made it. */
static void
show_totals (LscSpecsView *self)
{
  LscDocument *document = self->document;
  const lsc_report_summary *summary = lsc_document_get_summary (document);
  const lsc_session_summary *filtered = lsc_document_is_filtered (document)
                                            ? lsc_document_get_filtered_session (document)
                                            : NULL;
  LscSpecTotals totals = { 0 };
  gint64 n_specs = 0;
  if (filtered)
    {
      lsc_spec_totals_add_session (&totals, filtered);
      n_specs = (gint64) filtered->n_specs;
      /* the session's kernel count is the whole process's: count the kernels of these specs */
      g_autoptr (GHashTable) kernels = g_hash_table_new (g_int64_hash, g_int64_equal);
      for (size_t i = 0; i < filtered->n_specs; i++)
        g_hash_table_add (kernels, (gpointer) &filtered->specs[i].kernel_id);
      totals.kernels = g_hash_table_size (kernels);
    }
  else
    for (size_t i = 0; i < summary->n_sessions; i++)
      {
        lsc_spec_totals_add_session (&totals, &summary->sessions[i]);
        n_specs += (gint64) summary->sessions[i].n_specs;
      }
  g_autofree char *ns = lsc_format_count (n_specs);
  g_autofree char *nk = lsc_format_count (totals.kernels);
  g_autofree char *h = lsc_format_count (totals.hits);
  g_autofree char *m = lsc_format_count (totals.misses);
  g_autofree char *text = g_strdup_printf (_("Specs: %s · kernels: %s · hits: %s · misses: %s. A spec is one "
                                             "compiled binary; its key holds exactly the facts that change it."),
                                           ns, nk, h, m);
  gtk_label_set_label (self->summary_label, text);
}

void
lsc_specs_view_set_document (LscSpecsView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_SPECS_VIEW (self));

  g_hash_table_remove_all (self->launches);
  if (self->document)
    g_signal_handlers_disconnect_by_func (self->document, show_totals, self);
  g_set_object (&self->document, document);
  if (!document)
    {
      gtk_column_view_set_model (self->column_view, NULL);
      gtk_label_set_label (self->summary_label, "");
      return;
    }
  g_signal_connect_swapped (document, "notify::charts-ready", G_CALLBACK (show_totals), self);

  guint n = g_list_model_get_n_items (G_LIST_MODEL (lsc_document_get_specs (document)));
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "table" : "empty");

  const lsc_report_summary *summary = lsc_document_get_summary (document);
  for (size_t i = 0; i < summary->n_sessions; i++)
    {
      const lsc_session_summary *session = &summary->sessions[i];
      for (size_t j = 0; j < session->n_specs; j++)
        {
          SpecLaunches *l = g_new (SpecLaunches, 1);
          *l = (SpecLaunches) { session->specs[j].launches, session->specs[j].count, session->specs[j].p50_ns };
          g_hash_table_replace (self->launches, g_memdup2 (&session->specs[j].id, sizeof (gint64)), l);
        }
    }
  /* the computed columns read the table filled above */
  LscTableModel *specs = lsc_document_get_specs (document);
  GtkSortListModel *sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (specs)),
                                                      g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  GtkMultiSelection *selection = gtk_multi_selection_new (G_LIST_MODEL (sorted));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
  show_totals (self);
}

static const SpecLaunches *
spec_launches (LscSpecsView *self, LscRow *row)
{
  gint64 id = lsc_row_get_rowid (row);
  return g_hash_table_lookup (self->launches, &id);
}

static char *
launches_cell (LscRow *row, double *number, char **tooltip, gpointer data)
{
  (void) tooltip;
  const SpecLaunches *l = spec_launches (data, row);
  *number = l ? (double) l->launches : NAN;
  return l ? lsc_format_count (l->launches) : g_strdup ("");
}

static char *
p50_cell (LscRow *row, double *number, char **tooltip, gpointer data)
{
  const SpecLaunches *l = spec_launches (data, row);
  if (!l || l->count <= 0)
    {
      *number = NAN;
      return g_strdup ("");
    }
  *number = (double) l->p50_ns;
  if (tooltip)
    {
      g_autofree char *n = lsc_format_count (l->count);
      *tooltip = g_strdup_printf (_("Median host time of the %s launches with this spec that succeeded"), n);
    }
  return lsc_format_duration_ns ((double) l->p50_ns);
}

static char *
compile_cell (LscRow *row, double *number, char **tooltip, gpointer data)
{
  (void) data;
  *number = lsc_row_get_number (row, LSC_SPEC_COL_COMPILE_MS);
  return lsc_spec_compile_text (*number, lsc_row_get_number (row, LSC_SPEC_COL_HITS),
                                lsc_row_get_number (row, LSC_SPEC_COL_MISSES), tooltip);
}

static void
lsc_specs_view_finalize (GObject *object)
{
  g_hash_table_unref (LSC_SPECS_VIEW (object)->launches);
  G_OBJECT_CLASS (lsc_specs_view_parent_class)->finalize (object);
}

static void
lsc_specs_view_dispose (GObject *object)
{
  LscSpecsView *self = LSC_SPECS_VIEW (object);
  if (self->document)
    g_signal_handlers_disconnect_by_func (self->document, show_totals, self);
  g_clear_object (&self->document);
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
  G_OBJECT_CLASS (klass)->finalize = lsc_specs_view_finalize;
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
  self->launches = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  GtkColumnView *v = self->column_view;
  lsc_columns_enable_copy (v);
  lsc_columns_append (v, C_("column", "ID"), LSC_SPEC_COL_ID, LSC_COLUMN_NUMERIC, 4);
  lsc_columns_append (v, C_("column", "Kernel"), LSC_SPEC_COL_KERNEL, LSC_COLUMN_TEXT, 8);
  lsc_columns_append (v, C_("column", "Decoded key"), LSC_SPEC_COL_DESCRIPTION, LSC_COLUMN_EXPAND | LSC_COLUMN_WRAP, 40);
  lsc_columns_append_computed (v, C_("column", "Launches"), launches_cell, self, LSC_COLUMN_NUMERIC, 8);
  lsc_columns_append_computed (v, C_("column", "p50"), p50_cell, self, LSC_COLUMN_NUMERIC, 7);
  lsc_columns_append (v, C_("column", "Hits"), LSC_SPEC_COL_HITS, LSC_COLUMN_NUMERIC, 7);
  lsc_columns_append (v, C_("column", "Misses"), LSC_SPEC_COL_MISSES, LSC_COLUMN_NUMERIC, 5);
  lsc_columns_append_computed (v, C_("column", "Compile"), compile_cell, self, LSC_COLUMN_NUMERIC, 8);
  lsc_columns_append (v, C_("column", "First use"), LSC_SPEC_COL_FIRST, LSC_COLUMN_NUMERIC, 9);
  lsc_columns_append (v, C_("column", "Last use"), LSC_SPEC_COL_LAST, LSC_COLUMN_NUMERIC, 9);
  lsc_columns_append (v, C_("column", "Pointers"), LSC_SPEC_COL_ALIGNMENT, LSC_COLUMN_TEXT, 6);
  lsc_columns_append (v, C_("column", "Integers"), LSC_SPEC_COL_INT_CLASSES, LSC_COLUMN_TEXT, 6);
  lsc_columns_append (v, C_("column", "Debug"), LSC_SPEC_COL_DEBUG, LSC_COLUMN_TEXT, 5);
  lsc_columns_append (v, C_("column", "Instrumentation"), LSC_SPEC_COL_INSTRUMENTATION, LSC_COLUMN_TEXT, 10);
  lsc_columns_append (v, C_("column", "Hook"), LSC_SPEC_COL_HOOK, LSC_COLUMN_TEXT, 4);
  lsc_columns_append (v, C_("column", "Key"), LSC_SPEC_COL_KEY, LSC_COLUMN_TEXT, 18);
}
