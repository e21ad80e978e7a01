/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-columns.c — column view columns over LscRow cells (see the header).
 */
#include "config.h"

#include <math.h>

#include "lsc-columns.h"
#include "lsc-copy.h"
#include "lsc-row.h"

typedef struct {
  guint cell;
  LscColumnFlags flags;
  LscColumnTextFunc func; /* NULL: show cell */
  gpointer func_data;
} ColumnInfo;

/* The tooltip a computed cell asked for, and its column, kept on its inscription. */
#define CELL_TOOLTIP_KEY "lsc-cell-tooltip"
#define COLUMN_INFO_KEY "lsc-column-info"
/* The list item a cell's inscription shows, for the row under a right click. */
#define LIST_ITEM_KEY "lsc-list-item"
/* The text of the cell last right-clicked, kept on the column view for copy.value. */
#define COPY_VALUE_KEY "lsc-copy-value"

/* Whether text needs more room than the inscription has: wider than its width, or, wrapped,
 * more lines than it shows. */
static gboolean
text_is_cut (GtkInscription *label, const char *text)
{
  int width = gtk_widget_get_width (GTK_WIDGET (label));
  if (width <= 0)
    return FALSE;
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (label), text);
  gboolean cut;
  if (gtk_inscription_get_nat_lines (label) > 1)
    {
      pango_layout_set_width (layout, width * PANGO_SCALE);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      cut = pango_layout_get_line_count (layout) > (int) gtk_inscription_get_nat_lines (label);
    }
  else
    {
      int text_width;
      pango_layout_get_pixel_size (layout, &text_width, NULL);
      cut = text_width > width;
    }
  g_object_unref (layout);
  return cut;
}

const char *
lsc_columns_cell_tooltip (GtkWidget *cell)
{
  g_return_val_if_fail (GTK_IS_INSCRIPTION (cell), NULL);
  GtkInscription *label = GTK_INSCRIPTION (cell);
  const ColumnInfo *info = g_object_get_data (G_OBJECT (label), COLUMN_INFO_KEY);
  const char *own = g_object_get_data (G_OBJECT (label), CELL_TOOLTIP_KEY);
  const char *text = gtk_inscription_get_text (label);
  if (own)
    return own;
  if (!info || !text || !*text || (!(info->flags & LSC_COLUMN_TOOLTIP) && !text_is_cut (label, text)))
    return NULL;
  return text;
}

static gboolean
query_tooltip_cb (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, gpointer data)
{
  (void) x;
  (void) y;
  (void) keyboard;
  (void) data;
  const char *text = lsc_columns_cell_tooltip (widget);
  if (text)
    gtk_tooltip_set_text (tooltip, text);
  return text != NULL;
}

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
  if (info->flags & LSC_COLUMN_WRAP)
    {
      /* list rows take their cells' minimum height: ask for both lines there */
      gtk_inscription_set_min_lines (GTK_INSCRIPTION (label), 2);
      gtk_inscription_set_nat_lines (GTK_INSCRIPTION (label), 2);
      gtk_inscription_set_wrap_mode (GTK_INSCRIPTION (label), PANGO_WRAP_WORD_CHAR);
    }
  gtk_widget_set_has_tooltip (label, TRUE);
  g_object_set_data (G_OBJECT (label), COLUMN_INFO_KEY, info);
  g_object_set_data (G_OBJECT (label), LIST_ITEM_KEY, item);
  g_signal_connect (label, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  gtk_list_item_set_child (item, label);
}

static void
bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, ColumnInfo *info)
{
  (void) factory;
  LscRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  if (info->func && LSC_IS_ROW (row))
    {
      double number;
      char *tooltip = NULL;
      g_autofree char *text = info->func (row, &number, &tooltip, info->func_data);
      gtk_inscription_set_text (GTK_INSCRIPTION (label), text);
      g_object_set_data_full (G_OBJECT (label), CELL_TOOLTIP_KEY, tooltip, g_free);
      return;
    }
  gtk_inscription_set_text (GTK_INSCRIPTION (label), LSC_IS_ROW (row) ? lsc_row_get_text (row, info->cell) : "");
}

static void
unbind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, ColumnInfo *info)
{
  (void) factory;
  (void) info;
  GtkWidget *label = gtk_list_item_get_child (item);
  gtk_inscription_set_text (GTK_INSCRIPTION (label), NULL);
  g_object_set_data (G_OBJECT (label), CELL_TOOLTIP_KEY, NULL);
}

static double
row_number (LscRow *row, const ColumnInfo *info)
{
  if (!info->func)
    return lsc_row_get_number (row, info->cell);
  double number = NAN;
  g_free (info->func (row, &number, NULL, info->func_data));
  return number;
}

static char *
row_text (LscRow *row, const ColumnInfo *info)
{
  if (!info->func)
    return g_strdup (lsc_row_get_text (row, info->cell));
  double number;
  return info->func (row, &number, NULL, info->func_data);
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
      double x = row_number (ra, info), y = row_number (rb, info);
      /* empty cells after every number */
      if (isnan (x) || isnan (y))
        return isnan (x) == isnan (y) ? GTK_ORDERING_EQUAL : isnan (x) ? GTK_ORDERING_LARGER : GTK_ORDERING_SMALLER;
      return x < y ? GTK_ORDERING_SMALLER : x > y ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
    }
  g_autofree char *ta = row_text (ra, info), *tb = row_text (rb, info);
  int c = g_utf8_collate (ta, tb);
  return c < 0 ? GTK_ORDERING_SMALLER : c > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static GtkColumnViewColumn *
append_column (GtkColumnView *view, const char *title, ColumnInfo *info, int min_chars)
{
  LscColumnFlags flags = info->flags;

  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), info);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), info);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), info);
  g_object_set_data_full (G_OBJECT (factory), COLUMN_INFO_KEY, info, g_free);

  GtkColumnViewColumn *column = gtk_column_view_column_new (title, factory);
  GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (compare_rows, info, NULL));
  gtk_column_view_column_set_sorter (column, sorter);
  g_object_unref (sorter);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_expand (column, (flags & LSC_COLUMN_EXPAND) != 0);
  /* the header shows the title and, once sorted, an arrow: never clip it */
  int title_width;
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (view), title);
  pango_layout_get_pixel_size (layout, &title_width, NULL);
  g_object_unref (layout);
  int width = MAX (min_chars > 0 ? min_chars * 9 + 16 : 0, title_width + 12 + 16);
  gtk_column_view_column_set_fixed_width (column, width);
  gtk_column_view_append_column (view, column);
  g_object_unref (column);
  return column;
}

GtkColumnViewColumn *
lsc_columns_append (GtkColumnView *view, const char *title, guint cell, LscColumnFlags flags, int min_chars)
{
  ColumnInfo *info = g_new0 (ColumnInfo, 1);
  info->cell = cell;
  info->flags = flags;
  return append_column (view, title, info, min_chars);
}

GtkColumnViewColumn *
lsc_columns_append_computed (GtkColumnView *view, const char *title, LscColumnTextFunc func, gpointer data,
                             LscColumnFlags flags, int min_chars)
{
  ColumnInfo *info = g_new0 (ColumnInfo, 1);
  info->cell = G_MAXUINT;
  info->flags = flags;
  info->func = func;
  info->func_data = data;
  return append_column (view, title, info, min_chars);
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

/* ---- copying ------------------------------------------------------------------------------ */

char *
lsc_columns_dup_selected_text (GtkColumnView *view)
{
  g_return_val_if_fail (GTK_IS_COLUMN_VIEW (view), NULL);
  GtkSelectionModel *model = gtk_column_view_get_model (view);
  if (!model)
    return NULL;
  g_autoptr (GtkBitset) selected = gtk_selection_model_get_selection (model);
  if (gtk_bitset_is_empty (selected))
    return NULL;

  /* the columns as shown: in the order the user dragged them to, hidden ones left out */
  GListModel *columns = gtk_column_view_get_columns (view);
  g_autoptr (GPtrArray) shown = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      GtkColumnViewColumn *column = g_list_model_get_item (columns, i);
      if (gtk_column_view_column_get_visible (column))
        g_ptr_array_add (shown, column);
      else
        g_object_unref (column);
    }

  GString *text = g_string_new (NULL);
  for (guint c = 0; c < shown->len; c++)
    lsc_copy_append_field (text, gtk_column_view_column_get_title (shown->pdata[c]), c == 0);
  g_string_append_c (text, '\n');
  GtkBitsetIter iter;
  guint position;
  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (model), position);
      if (!LSC_IS_ROW (item))
        continue;
      for (guint c = 0; c < shown->len; c++)
        {
          GtkListItemFactory *factory = gtk_column_view_column_get_factory (shown->pdata[c]);
          const ColumnInfo *info = g_object_get_data (G_OBJECT (factory), COLUMN_INFO_KEY);
          g_autofree char *cell = info ? row_text (LSC_ROW (item), info) : NULL;
          lsc_copy_append_field (text, cell, c == 0);
        }
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

/* The row and cell under a right click: the row is selected (alone, unless it already was),
 * the cell's text kept for copy.value. */
static gboolean
prepare_copy (GtkWidget *widget, double x, double y, gpointer data)
{
  (void) data;
  GtkColumnView *view = GTK_COLUMN_VIEW (widget);
  GtkWidget *picked = gtk_widget_pick (widget, x, y, GTK_PICK_DEFAULT);
  while (picked && picked != widget && !g_object_get_data (G_OBJECT (picked), LIST_ITEM_KEY))
    picked = gtk_widget_get_parent (picked);
  GtkListItem *item = picked && picked != widget ? g_object_get_data (G_OBJECT (picked), LIST_ITEM_KEY) : NULL;
  GtkSelectionModel *model = gtk_column_view_get_model (view);
  if (!item || !model || gtk_list_item_get_position (item) == GTK_INVALID_LIST_POSITION)
    return FALSE; /* a header or the empty space below the rows */
  g_object_set_data_full (G_OBJECT (view), COPY_VALUE_KEY,
                          g_strdup (gtk_inscription_get_text (GTK_INSCRIPTION (picked))), g_free);
  guint position = gtk_list_item_get_position (item);
  if (!gtk_selection_model_is_selected (model, position))
    gtk_selection_model_select_item (model, position, TRUE);
  return TRUE;
}

static void
copy_rows_cb (GSimpleAction *action, GVariant *param, gpointer data)
{
  (void) action;
  (void) param;
  g_autofree char *text = lsc_columns_dup_selected_text (GTK_COLUMN_VIEW (data));
  if (text)
    lsc_copy_text (GTK_WIDGET (data), text);
}

static void
copy_value_cb (GSimpleAction *action, GVariant *param, gpointer data)
{
  (void) action;
  (void) param;
  const char *value = g_object_get_data (G_OBJECT (data), COPY_VALUE_KEY);
  if (value)
    lsc_copy_text (GTK_WIDGET (data), value);
}

void
lsc_columns_enable_copy (GtkColumnView *view)
{
  g_return_if_fail (GTK_IS_COLUMN_VIEW (view));
  static const GActionEntry entries[] = {
    { "rows", copy_rows_cb, NULL, NULL, NULL, { 0 } },
    { "value", copy_value_cb, NULL, NULL, NULL, { 0 } },
  };
  lsc_copy_add_actions (GTK_WIDGET (view), entries, G_N_ELEMENTS (entries), view);
  lsc_copy_attach_menu (GTK_WIDGET (view), "rows_menu", prepare_copy, NULL);
  lsc_copy_add_shortcut (GTK_WIDGET (view), "copy.rows");
}
