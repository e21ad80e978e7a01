/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-launches-view.c — the launch list over LscTableModel.  No GtkSortListModel or
 * GtkFilterListModel here: both would build every row object; the model re-queries its rowid
 * order in SQL instead (lsc_table_model_reload_async) and swaps it in.  The process and kernel
 * come from the document's filter (the window's filter bar), path, outcome and thread from the
 * view's own toolbar.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>

#include "lsc-columns.h"
#include "lsc-format.h"
#include "lsc-launches-view.h"
#include "lsc-row.h"

struct _LscLaunchesView
{
  GtkWidget parent_instance;

  GtkDropDown *path_dropdown;
  GtkDropDown *outcome_dropdown;
  GtkSearchEntry *thread_entry;
  GtkSpinner *spinner;
  GtkLabel *count_label;
  GtkColumnView *column_view;

  LscTableModel *launches;
  LscDocument *document;
  GCancellable *cancellable;
  guint total;
  gboolean have_rows; /* the document's launch list got its rows */
};

G_DEFINE_FINAL_TYPE (LscLaunchesView, lsc_launches_view, GTK_TYPE_WIDGET)

/* SQL conditions for the dropdown entries: constants, never user text. */

static void
update_count (LscLaunchesView *self)
{
  if (!self->launches)
    {
      gtk_label_set_label (self->count_label, "");
      return;
    }
  if (lsc_document_get_n_launches (self->document) == 0 && !lsc_document_get_charts_ready (self->document))
    {
      gtk_label_set_label (self->count_label, lsc_document_get_charts_error (self->document)
                                                  ? lsc_document_get_charts_error (self->document)
                                                  : _("Reading the launches…"));
      return;
    }
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->launches));
  if (self->cancellable)
    return; /* a reload is under way: its rows come with the count */
  g_autofree char *s = lsc_format_count (shown);
  g_autofree char *t = lsc_format_count (self->total);
  g_autofree char *text = shown == self->total ? g_strdup_printf (_("%s launches"), t)
                                               : g_strdup_printf (_("%s of %s launches"), s, t);
  gtk_label_set_label (self->count_label, text);
}

static void
set_busy (LscLaunchesView *self, gboolean busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
reload_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = lsc_table_model_reload_finish (LSC_TABLE_MODEL (source), result, &error);

  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* superseded: the view may be gone, or a newer query owns the spinner */
  LscLaunchesView *self = LSC_LAUNCHES_VIEW (data);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  if (!ok)
    g_warning ("%s", error->message);
  update_count (self);
}

static void
query_changed_cb (LscLaunchesView *self)
{
  if (!self->launches || lsc_document_get_n_launches (self->document) == 0)
    return;
  /* the drop-downs list "All" and then the stored values in order */
  guint p = gtk_drop_down_get_selected (self->path_dropdown);
  guint o = gtk_drop_down_get_selected (self->outcome_dropdown);
  lsc_row_filter filter;
  lsc_document_get_filter (self->document, &filter);
  if (p >= 1 && p <= LSC_PATH_COUNT)
    filter.path = p - 1;
  if (o >= 1 && o <= LSC_OUTCOME_COUNT)
    filter.outcome = o - 1;
  const char *thread = gtk_editable_get_text (GTK_EDITABLE (self->thread_entry));
  gint64 thread_id;
  if (*thread && !g_ascii_string_to_signed (thread, 10, LSC_ROW_ANY + 1, G_MAXINT64, &thread_id, NULL))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->thread_entry), "error");
      return; /* the list keeps its rows until the thread ID reads as a number */
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->thread_entry), "error");
  if (*thread)
    filter.thread = thread_id;

  guint cell = 0;
  gboolean descending = FALSE;
  int column = lsc_columns_get_sort (self->column_view, &cell, &descending) ? (int) cell : -1;

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  lsc_table_model_reload_async (self->launches, &filter, column, descending, self->cancellable, reload_done_cb, self);
}

/* An activated launch (double-click, Enter) is shown on the timeline, at its time. */
static void
activate_cb (LscLaunchesView *self, guint position, GtkColumnView *view)
{
  GListModel *rows = G_LIST_MODEL (gtk_column_view_get_model (view));
  g_autoptr (LscRow) row = rows ? g_list_model_get_item (rows, position) : NULL;
  double t_ns = row ? lsc_row_get_number (row, LSC_LAUNCH_COL_TIME) : NAN;
  if (isfinite (t_ns))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-time", "x", (gint64) t_ns);
}

/* The launch list's rowids arrive with the chart data (loading phase 2). */
static void
charts_ready_cb (LscLaunchesView *self)
{
  /* the rows arrive with the first chart pass; a filter's pass brings none */
  gboolean ready = lsc_document_get_n_launches (self->document) > 0 || lsc_document_get_charts_ready (self->document);
  self->total = (guint) CLAMP (lsc_document_get_n_launches (self->document), 0, G_MAXUINT);
  set_busy (self, (!ready && !lsc_document_get_charts_error (self->document)) || self->cancellable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->path_dropdown), ready);
  gtk_widget_set_sensitive (GTK_WIDGET (self->outcome_dropdown), ready);
  gtk_widget_set_sensitive (GTK_WIDGET (self->thread_entry), ready);
  update_count (self);
  /* a filter chosen while the rows were being read applies now */
  if (!self->have_rows && lsc_document_get_n_launches (self->document) > 0)
    {
      self->have_rows = TRUE;
      if (lsc_document_is_filtered (self->document))
        query_changed_cb (self);
    }
}

void
lsc_launches_view_set_document (LscLaunchesView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_LAUNCHES_VIEW (self));

  if (self->document)
    {
      g_signal_handlers_disconnect_by_func (self->document, charts_ready_cb, self);
      g_signal_handlers_disconnect_by_func (self->document, query_changed_cb, self);
    }
  g_set_object (&self->document, document);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->launches);
  self->have_rows = FALSE;
  if (document)
    {
      self->launches = g_object_ref (lsc_document_get_launches (document));
      GtkMultiSelection *selection = gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (self->launches)));
      gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
      g_object_unref (selection);
      /* a new report starts unfiltered, in recording order */
      GObject *filters[] = { G_OBJECT (self->path_dropdown), G_OBJECT (self->outcome_dropdown),
                             G_OBJECT (self->thread_entry) };
      for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
        g_signal_handlers_block_by_func (filters[i], query_changed_cb, self);
      gtk_drop_down_set_selected (self->path_dropdown, 0);
      gtk_drop_down_set_selected (self->outcome_dropdown, 0);
      gtk_editable_set_text (GTK_EDITABLE (self->thread_entry), "");
      gtk_widget_remove_css_class (GTK_WIDGET (self->thread_entry), "error");
      for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
        g_signal_handlers_unblock_by_func (filters[i], query_changed_cb, self);
      GtkSorter *sorter = gtk_column_view_get_sorter (self->column_view);
      g_signal_handlers_block_by_func (sorter, query_changed_cb, self);
      gtk_column_view_sort_by_column (self->column_view, NULL, GTK_SORT_ASCENDING);
      g_signal_handlers_unblock_by_func (sorter, query_changed_cb, self);
      g_signal_connect_swapped (document, "notify::charts-ready", G_CALLBACK (charts_ready_cb), self);
      g_signal_connect_swapped (document, "filter-changed", G_CALLBACK (query_changed_cb), self);
      charts_ready_cb (self);
    }
  else
    update_count (self);
}

static void
lsc_launches_view_dispose (GObject *object)
{
  LscLaunchesView *self = LSC_LAUNCHES_VIEW (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->column_view)
    {
      g_signal_handlers_disconnect_by_func (gtk_column_view_get_sorter (self->column_view), query_changed_cb, self);
      gtk_column_view_set_model (self->column_view, NULL);
    }
  g_clear_object (&self->launches);
  if (self->document)
    {
      g_signal_handlers_disconnect_by_func (self->document, charts_ready_cb, self);
      g_signal_handlers_disconnect_by_func (self->document, query_changed_cb, self);
    }
  g_clear_object (&self->document);
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_LAUNCHES_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_launches_view_parent_class)->dispose (object);
}

static void
lsc_launches_view_class_init (LscLaunchesViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_launches_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-launches-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscLaunchesView, path_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LscLaunchesView, outcome_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LscLaunchesView, thread_entry);
  gtk_widget_class_bind_template_child (widget_class, LscLaunchesView, spinner);
  gtk_widget_class_bind_template_child (widget_class, LscLaunchesView, count_label);
  gtk_widget_class_bind_template_child (widget_class, LscLaunchesView, column_view);
  gtk_widget_class_bind_template_callback (widget_class, query_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
}

static void
lsc_launches_view_init (LscLaunchesView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  GtkColumnView *v = self->column_view;
  lsc_columns_enable_copy (v);
  lsc_columns_append (v, C_("column", "ID"), LSC_LAUNCH_COL_ID, LSC_COLUMN_NUMERIC, 7);
  lsc_columns_append (v, C_("column", "Time"), LSC_LAUNCH_COL_TIME, LSC_COLUMN_NUMERIC, 10);
  lsc_columns_append (v, C_("column", "Kernel"), LSC_LAUNCH_COL_KERNEL, LSC_COLUMN_EXPAND, 8);
  lsc_columns_append (v, C_("column", "Path"), LSC_LAUNCH_COL_PATH, LSC_COLUMN_TEXT, 6);
  lsc_columns_append (v, C_("column", "Outcome"), LSC_LAUNCH_COL_OUTCOME, LSC_COLUMN_TEXT, 7);
  lsc_columns_append (v, C_("column", "Fallback reason"), LSC_LAUNCH_COL_REASON, LSC_COLUMN_TEXT, 11);
  lsc_columns_append (v, C_("column", "Host time"), LSC_LAUNCH_COL_HOST_NS, LSC_COLUMN_NUMERIC, 8);
  lsc_columns_append (v, C_("column", "Driver API"), LSC_LAUNCH_COL_API_NS, LSC_COLUMN_NUMERIC, 8);
  lsc_columns_append (v, C_("column", "GPU time"), LSC_LAUNCH_COL_GPU_NS, LSC_COLUMN_NUMERIC, 8);
  lsc_columns_append (v, C_("column", "Spec"), LSC_LAUNCH_COL_SPEC, LSC_COLUMN_NUMERIC, 4);
  lsc_columns_append (v, C_("column", "Status"), LSC_LAUNCH_COL_STATUS, LSC_COLUMN_TEXT, 0);
  lsc_columns_append (v, C_("column", "Thread"), LSC_LAUNCH_COL_THREAD, LSC_COLUMN_NUMERIC, 7);

  g_signal_connect_swapped (gtk_column_view_get_sorter (v), "changed", G_CALLBACK (query_changed_cb), self);
}
