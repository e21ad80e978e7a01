/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-table-model.h — a lazy GListModel over one table of a report.
 *
 * The model holds only an array of rowids in display order (8 bytes per row); a row object
 * (LscRow) is created when a view asks for that position, by one indexed lookup, and kept in
 * a small direct-mapped cache.  A 1,000,000-launch table therefore costs 8 MB and no row
 * objects until rows scroll into view.  Sorting and filtering are the report reader's
 * (lsc-report-rows.h): the rowid array is recomputed (on a worker thread with a handle of its
 * own, for big tables) and swapped in with one items-changed.  Values keep the type the file
 * holds, so a report with a TEXT in an INTEGER column shows the text instead of crashing.
 *
 * Thread safety: use a model from the main thread (or the one thread that owns its report).
 * lsc_table_model_query_rowids() is safe on any thread that owns `report`.
 */
#pragma once

#include <gio/gio.h>

#include "lsc-report-rows.h"

G_BEGIN_DECLS

typedef enum {
  LSC_CELL_TEXT,
  LSC_CELL_KERNEL,   /* a kernel's name, demangled when it is a mangled C++ name */
  LSC_CELL_SPEC_DESCRIPTION, /* a decoded spec key, argument runs merged (lsc_format_spec_description) */
  LSC_CELL_INT,      /* plain integer: ids, thread ids */
  LSC_CELL_COUNT,    /* integer with thousands separators */
  LSC_CELL_DURATION, /* nanoseconds: "4.06 µs" */
  LSC_CELL_OFFSET,   /* nanoseconds since the session start: "1.234567 s" */
  LSC_CELL_MS,       /* real milliseconds, shown as a duration: "812 ms" */
  LSC_CELL_PATH,     /* launch path enum: "fast", "baseline", ... */
  LSC_CELL_OUTCOME,  /* outcome enum: "hit", "miss", ... */
  LSC_CELL_REASON,   /* fallback reason enum: "skip-switch", ... ("" for none) */
  LSC_CELL_STATUS,   /* fl_status: "ok" or the error's name; a CUresult + LSC_STATUS_CUDA */
  LSC_CELL_BOOL,     /* 0/1: "off"/"on" */
  LSC_CELL_HEX,      /* a 64-bit key: "0x0000000000010017" */
} LscCellKind;

#define LSC_TYPE_TABLE_MODEL (lsc_table_model_get_type ())
G_DECLARE_FINAL_TYPE (LscTableModel, lsc_table_model, LSC, TABLE_MODEL, GObject)

/* report is borrowed: its owner keeps it open until it calls lsc_table_model_close(); the
 * model reads rows through a row reader of its own and reloads on a worker thread with a
 * handle of its own, opened by the report's path.  kinds holds how each of the table's
 * columns is shown (lsc_table_n_columns entries, static storage).  The model starts empty. */
LscTableModel *lsc_table_model_new (lsc_report *report, lsc_table table, const LscCellKind *kinds);

/* Forgets the report before its owner closes it: the model empties (items-changed) and stays
 * usable, with no rows. */
void lsc_table_model_close (LscTableModel *self);

guint lsc_table_model_get_n_columns (LscTableModel *self);
LscCellKind lsc_table_model_get_column_kind (LscTableModel *self, guint column);
/* Index of the column with this id (lsc_table_column_id), or -1. */
int lsc_table_model_find_column (LscTableModel *self, const char *id);

/* The ids of table's rows passing filter (NULL: all), ordered by column (-1: id), ties by id,
 * as an array of gint64.  Runs on the calling thread with report, which no other thread may
 * be using; stops when cancellable is cancelled.  Returns NULL with error set on failure. */
GArray *lsc_table_model_query_rowids (lsc_report *report, lsc_table table, const lsc_row_filter *filter, int column,
                                      gboolean descending, GCancellable *cancellable, GError **error);

/* Replaces the displayed rows (transfers rowids, an array of gint64) and emits items-changed. */
void lsc_table_model_set_rowids (LscTableModel *self, GArray *rowids);

/* Synchronous reload with the model's own report: for small tables and tests.  column is a
 * column index to order by, or -1 for id order. */
gboolean lsc_table_model_reload (LscTableModel *self, const lsc_row_filter *filter, int column, gboolean descending,
                                 GError **error);

/* The same on a worker thread with its own handle; _finish swaps the rows in.  A newer call
 * supersedes an older one (its result is dropped). */
void lsc_table_model_reload_async (LscTableModel *self, const lsc_row_filter *filter, int column, gboolean descending,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean lsc_table_model_reload_finish (LscTableModel *self, GAsyncResult *result, GError **error);

/* The rowid at position, or -1. */
gint64 lsc_table_model_get_rowid (LscTableModel *self, guint position);

/* Position of rowid in the current order, or -1 (a linear scan). */
gint64 lsc_table_model_find_rowid (LscTableModel *self, gint64 rowid);

/* How many row objects were read from the report so far (tests check laziness with it). */
guint lsc_table_model_get_n_fetched (LscTableModel *self);

/* Formats a value of kind as a cell (used by the model and by the views for summaries). */
char *lsc_table_model_format_value (LscCellKind kind, gint64 value);

G_END_DECLS
