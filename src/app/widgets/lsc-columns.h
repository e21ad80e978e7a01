/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-columns.h — GtkColumnView columns over LscRow cells, shared by the list views (no
 * GObject type): a text cell per column (GtkInscription, right-aligned for numbers), a
 * sorter per column (numbers as numbers, empty cells last), and reading back which column
 * header the user sorted by, so big tables can sort in SQL instead of in a GtkSortListModel.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  LSC_COLUMN_TEXT = 0,
  LSC_COLUMN_NUMERIC = 1 << 0, /* right-aligned, sorted by number */
  LSC_COLUMN_EXPAND = 1 << 1,  /* takes the spare width */
  LSC_COLUMN_TOOLTIP = 1 << 2, /* the full text as tooltip (long, ellipsized cells) */
} LscColumnFlags;

/* Appends a column showing cell `cell` of each LscRow; min_chars sizes it.  Returns the
 * column (owned by the view). */
GtkColumnViewColumn *lsc_columns_append (GtkColumnView *view, const char *title, guint cell, LscColumnFlags flags,
                                         int min_chars);

/* Which column the view's sorter sorts by first, and in which direction; FALSE when the user
 * has not picked one.  (GTK 4.8 has no gtk_column_view_sorter_get_primary_sort_column.) */
gboolean lsc_columns_get_sort (GtkColumnView *view, guint *cell, gboolean *descending);

G_END_DECLS
