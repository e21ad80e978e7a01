/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-row.h — one row of a report table as the list views show it: the row's rowid, and per
 * column the text to display and (for numeric columns) the number to sort by.  Immutable
 * once its model has filled it; created only when a view asks for it (LscTableModel).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define LSC_TYPE_ROW (lsc_row_get_type ())
G_DECLARE_FINAL_TYPE (LscRow, lsc_row, LSC, ROW, GObject)

LscRow *lsc_row_new (gint64 rowid, guint n_columns);

gint64 lsc_row_get_rowid (LscRow *self);
guint lsc_row_get_n_columns (LscRow *self);

/* Takes ownership of text (NULL shows as empty); number NAN for "not a number". */
void lsc_row_take_cell (LscRow *self, guint column, char *text, double number);

/* Never NULL: "" for an empty or out-of-range cell. */
const char *lsc_row_get_text (LscRow *self, guint column);

/* NAN for text cells, NULL values and out-of-range columns. */
double lsc_row_get_number (LscRow *self, guint column);

G_END_DECLS
