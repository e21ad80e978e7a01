/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-columns.h — GtkColumnView columns over LscRow cells, shared by the list views (no
 * GObject type): a text cell per column (GtkInscription, right-aligned for numbers), a
 * sorter per column (numbers as numbers, empty cells last), and reading back which column
 * header the user sorted by, so big tables can sort in SQL instead of in a GtkSortListModel.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-row.h"

G_BEGIN_DECLS

typedef enum {
  LSC_COLUMN_TEXT = 0,
  LSC_COLUMN_NUMERIC = 1 << 0, /* right-aligned, sorted by number */
  LSC_COLUMN_EXPAND = 1 << 1,  /* takes the spare width */
  LSC_COLUMN_TOOLTIP = 1 << 2, /* the full text as tooltip even when it fits */
  LSC_COLUMN_WRAP = 1 << 3,    /* up to two lines, wrapped at spaces */
} LscColumnFlags;

/* A column computed from a row instead of read from one of its cells: returns the text to show
 * (transfer full), the number to sort by in *number (NAN: none, sorted last) and, when tooltip
 * is not NULL, a tooltip (transfer full) or NULL. */
typedef char *(*LscColumnTextFunc) (LscRow *row, double *number, char **tooltip, gpointer data);

/* Appends a column showing cell `cell` of each LscRow; min_chars sizes it, widened so the
 * title and its sort arrow fit.  A cell whose text does not fit shows the full text as its
 * tooltip.  Returns the column (owned by the view). */
GtkColumnViewColumn *lsc_columns_append (GtkColumnView *view, const char *title, guint cell, LscColumnFlags flags,
                                         int min_chars);

/* The same for a computed column: func(row, ..., data) gives each cell; data must outlive the
 * view's columns. */
GtkColumnViewColumn *lsc_columns_append_computed (GtkColumnView *view, const char *title, LscColumnTextFunc func,
                                                  gpointer data, LscColumnFlags flags, int min_chars);

/* The tooltip cell (a cell widget of these columns) shows: a computed cell's own, else its
 * full text where it does not fit (or the column asks for it always), else NULL. */
const char *lsc_columns_cell_tooltip (GtkWidget *cell);

/* Which column the view's sorter sorts by first, and in which direction; FALSE when the user
 * has not picked one.  (GTK 4.8 has no gtk_column_view_sorter_get_primary_sort_column.) */
gboolean lsc_columns_get_sort (GtkColumnView *view, guint *cell, gboolean *descending);

/* Makes the view's rows copyable: Ctrl+C copies the selected rows, a right click or long
 * press offers the value under the pointer and the selected rows (selecting the row under it
 * first).  The view's model should be a GtkMultiSelection. */
void lsc_columns_enable_copy (GtkColumnView *view);

/* The selected rows as the view shows them: a header line of the visible columns' titles,
 * then one line per row, fields separated by tabs.  NULL when nothing is selected. */
char *lsc_columns_dup_selected_text (GtkColumnView *view);

G_END_DECLS
