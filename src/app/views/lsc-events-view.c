/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-events-view.c — the event list: LscTableModel → GtkFilterListModel (kind + search
 * text) → column view.  Events are few per report (the recorder writes a fallback event when
 * the reason changes, not per launch), so filtering in GTK is cheap.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-columns.h"
#include "lsc-events-view.h"
#include "lsc-format.h"
#include "lsc-row.h"

struct _LscEventsView
{
  GtkWidget parent_instance;

  GtkDropDown *kind_dropdown;
  GtkSearchEntry *search_entry;
  GtkLabel *count_label;
  GtkStack *stack;
  GtkColumnView *column_view;

  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  LscTableModel *events;
  char *needle; /* casefolded search text, or NULL */
};

G_DEFINE_FINAL_TYPE (LscEventsView, lsc_events_view, GTK_TYPE_WIDGET)

/* The dropdown's entries, in order. */
static const char *const kinds[] = { NULL, "fallback", "toggle", "compile", "error", "info" };

static gboolean
contains_folded (const char *haystack, const char *needle)
{
  g_autofree char *folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
filter_func (gpointer item, gpointer data)
{
  LscEventsView *self = data;
  LscRow *row = item;
  guint k = gtk_drop_down_get_selected (self->kind_dropdown);

  if (k > 0 && k < G_N_ELEMENTS (kinds) && g_strcmp0 (lsc_row_get_text (row, LSC_EVENT_COL_KIND), kinds[k]) != 0)
    return FALSE;
  if (!self->needle)
    return TRUE;
  return contains_folded (lsc_row_get_text (row, LSC_EVENT_COL_TEXT), self->needle)
         || contains_folded (lsc_row_get_text (row, LSC_EVENT_COL_KERNEL), self->needle)
         || contains_folded (lsc_row_get_text (row, LSC_EVENT_COL_KIND), self->needle);
}

static void
update_count (LscEventsView *self)
{
  if (!self->filtered)
    {
      gtk_label_set_label (self->count_label, "");
      return;
    }
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->events));
  g_autofree char *s = lsc_format_count (shown);
  g_autofree char *t = lsc_format_count (total);
  g_autofree char *text = g_strdup_printf (_("%s of %s events · double-click one to see it on the timeline"), s, t);
  gtk_label_set_label (self->count_label, text);
  gtk_stack_set_visible_child_name (self->stack, shown > 0 ? "table" : "empty");
}

/* An activated event (double-click, Enter) is shown on the timeline, at its time. */
static void
activate_cb (LscEventsView *self, guint position, GtkColumnView *view)
{
  GListModel *rows = G_LIST_MODEL (gtk_column_view_get_model (view));
  g_autoptr (LscRow) row = rows ? g_list_model_get_item (rows, position) : NULL;
  double t_ns = row ? lsc_row_get_number (row, LSC_EVENT_COL_TIME) : NAN;
  if (isfinite (t_ns))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-time", "x", (gint64) t_ns);
}

static void
filter_changed_cb (LscEventsView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_clear_pointer (&self->needle, g_free);
  if (text && *text)
    self->needle = g_utf8_casefold (text, -1);
  if (self->filter)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
}

void
lsc_events_view_set_document (LscEventsView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_EVENTS_VIEW (self));

  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->filtered);
  g_clear_object (&self->events);
  if (document)
    {
      self->events = g_object_ref (lsc_document_get_events (document));
      self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->events)),
                                                  GTK_FILTER (g_object_ref (self->filter)));
      /* the document's filter reloads the events */
      g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (update_count), self, G_CONNECT_SWAPPED);
      GtkSortListModel *sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->filtered)),
                                                          g_object_ref (gtk_column_view_get_sorter (self->column_view)));
      GtkMultiSelection *selection = gtk_multi_selection_new (G_LIST_MODEL (sorted));
      gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
      g_object_unref (selection);
    }
  update_count (self);
}

void
lsc_events_view_focus_search (LscEventsView *self)
{
  g_return_if_fail (LSC_IS_EVENTS_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
lsc_events_view_dispose (GObject *object)
{
  LscEventsView *self = LSC_EVENTS_VIEW (object);

  if (self->column_view)
    gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->filtered);
  g_clear_object (&self->events);
  g_clear_object (&self->filter);
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_EVENTS_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_events_view_parent_class)->dispose (object);
}

static void
lsc_events_view_finalize (GObject *object)
{
  g_free (LSC_EVENTS_VIEW (object)->needle);
  G_OBJECT_CLASS (lsc_events_view_parent_class)->finalize (object);
}

static void
lsc_events_view_class_init (LscEventsViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_events_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = lsc_events_view_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-events-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscEventsView, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LscEventsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LscEventsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, LscEventsView, stack);
  gtk_widget_class_bind_template_child (widget_class, LscEventsView, column_view);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
}

static void
lsc_events_view_init (LscEventsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);

  GtkColumnView *v = self->column_view;
  lsc_columns_enable_copy (v);
  lsc_columns_append (v, C_("column", "Time"), LSC_EVENT_COL_TIME, LSC_COLUMN_NUMERIC, 11);
  lsc_columns_append (v, C_("column", "Kind"), LSC_EVENT_COL_KIND, LSC_COLUMN_TEXT, 8);
  lsc_columns_append (v, C_("column", "Kernel"), LSC_EVENT_COL_KERNEL, LSC_COLUMN_TEXT, 8);
  lsc_columns_append (v, C_("column", "Event"), LSC_EVENT_COL_TEXT, LSC_COLUMN_EXPAND | LSC_COLUMN_TOOLTIP, 0);
}
