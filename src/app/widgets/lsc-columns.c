/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-columns.c — column view columns over LscRow cells (see the header).
 */
#include "config.h"

#include <math.h>

#include "lsc-columns.h"
#include "lsc-row.h"

typedef struct {
  guint cell;
  LscColumnFlags flags;
} ColumnInfo;

static void
setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, ColumnInfo *info)
{
  (void) factory;
  GtkWidget *label = gtk_inscription_new (NULL);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (label), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  if (info->flags & LSC_COLUMN_NUMERIC)
    {
      gtk_inscription_set_xalign (GTK_INSCRIPTION (label), 1.0f);
      gtk_widget_add_css_class (label, "numeric");
    }
  gtk_list_item_set_child (item, label);
}

static void
bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, ColumnInfo *info)
{
  (void) factory;
  LscRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  const char *text = LSC_IS_ROW (row) ? lsc_row_get_text (row, info->cell) : "";
  gtk_inscription_set_text (GTK_INSCRIPTION (label), text);
  if (info->flags & LSC_COLUMN_TOOLTIP)
    gtk_widget_set_tooltip_text (label, *text ? text : NULL);
}

static void
unbind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, ColumnInfo *info)
{
  (void) factory;
  (void) info;
  GtkWidget *label = gtk_list_item_get_child (item);
  gtk_inscription_set_text (GTK_INSCRIPTION (label), NULL);
}

/* A pair of rows the probe in lsc_columns_get_sort() compares; a column sorter that sees them
 * reports its cell instead of comparing. */
static LscRow *probe_a, *probe_b;
static int probe_cell = -1;

static int
compare_rows (gconstpointer a, gconstpointer b, gpointer data)
{
  ColumnInfo *info = data;

  if (a == probe_a && b == probe_b)
    {
      if (probe_cell < 0)
        probe_cell = (int) info->cell;
      return GTK_ORDERING_SMALLER;
    }
  LscRow *ra = LSC_ROW ((gpointer) a), *rb = LSC_ROW ((gpointer) b);
  if (info->flags & LSC_COLUMN_NUMERIC)
    {
      double x = lsc_row_get_number (ra, info->cell), y = lsc_row_get_number (rb, info->cell);
      /* empty cells after every number */
      if (isnan (x) || isnan (y))
        return isnan (x) == isnan (y) ? GTK_ORDERING_EQUAL : isnan (x) ? GTK_ORDERING_LARGER : GTK_ORDERING_SMALLER;
      return x < y ? GTK_ORDERING_SMALLER : x > y ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
    }
  int c = g_utf8_collate (lsc_row_get_text (ra, info->cell), lsc_row_get_text (rb, info->cell));
  return c < 0 ? GTK_ORDERING_SMALLER : c > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

GtkColumnViewColumn *
lsc_columns_append (GtkColumnView *view, const char *title, guint cell, LscColumnFlags flags, int min_chars)
{
  ColumnInfo *info = g_new0 (ColumnInfo, 1);
  info->cell = cell;
  info->flags = flags;

  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), info);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), info);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), info);
  g_object_set_data_full (G_OBJECT (factory), "lsc-column-info", info, g_free);

  GtkColumnViewColumn *column = gtk_column_view_column_new (title, factory);
  GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (compare_rows, info, NULL));
  gtk_column_view_column_set_sorter (column, sorter);
  g_object_unref (sorter);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_expand (column, (flags & LSC_COLUMN_EXPAND) != 0);
  if (min_chars > 0)
    gtk_column_view_column_set_fixed_width (column, min_chars * 9 + 16);
  gtk_column_view_append_column (view, column);
  g_object_unref (column);
  return column;
}

gboolean
lsc_columns_get_sort (GtkColumnView *view, guint *cell, gboolean *descending)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (view);
  if (!sorter)
    return FALSE;
  if (!probe_a)
    {
      probe_a = lsc_row_new (-1, 0);
      probe_b = lsc_row_new (-2, 0);
    }
  probe_cell = -1;
  GtkOrdering order = gtk_sorter_compare (sorter, probe_a, probe_b);
  if (probe_cell < 0 || order == GTK_ORDERING_EQUAL)
    return FALSE;
  if (cell)
    *cell = (guint) probe_cell;
  if (descending)
    *descending = order == GTK_ORDERING_LARGER;
  return TRUE;
}
