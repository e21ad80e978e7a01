/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-table-model.h — a lazy GListModel over one table of a report.
 *
 * The model holds only an array of rowids in display order (8 bytes per row); a row object
 * (LscRow) is created when a view asks for that position, by one indexed lookup, and kept in
 * a small direct-mapped cache.  A 1,000,000-launch table therefore costs 8 MB and no row
 * objects until rows scroll into view.  Sorting and filtering happen in SQL: the rowid array
 * is recomputed (on a worker thread with its own connection, for big tables) and swapped in
 * with one items-changed.
 *
 * The SQL names only base tables and column expressions compiled into the app (never the
 * report's views, never user text); values are read with their types checked, so a report
 * with a TEXT in an INTEGER column shows the text instead of crashing.
 *
 * Thread safety: use a model from the main thread (or the one thread that owns its
 * connection).  lsc_table_model_query_rowids() is safe on any thread that owns `db`.
 */
#pragma once

#include <gio/gio.h>

struct sqlite3;

G_BEGIN_DECLS

typedef enum {
  LSC_CELL_TEXT,
  LSC_CELL_KERNEL,   /* a kernel's name, demangled when it is a mangled C++ name */
  LSC_CELL_INT,      /* plain integer: ids, thread ids */
  LSC_CELL_COUNT,    /* integer with thousands separators */
  LSC_CELL_DURATION, /* nanoseconds: "4.06 µs" */
  LSC_CELL_OFFSET,   /* nanoseconds since the session start: "1.234567 s" */
  LSC_CELL_MS,       /* real milliseconds: "812.4 ms" */
  LSC_CELL_PATH,     /* launch path enum: "fast", "baseline", ... */
  LSC_CELL_OUTCOME,  /* outcome enum: "hit", "miss", ... */
  LSC_CELL_REASON,   /* fallback reason enum: "skip-switch", ... ("" for none) */
  LSC_CELL_STATUS,   /* fl_status: "ok" or the error's name; a CUresult + LSC_STATUS_CUDA */
  LSC_CELL_BOOL,     /* 0/1: "off"/"on" */
  LSC_CELL_HEX,      /* a 64-bit key: "0x0000000000010017" */
} LscCellKind;

/* Added to a launch's status where it is CUDA's own result (a raw row: a launch the engine did
 * not make, whose status is the CUresult CUPTI saw), so the two kinds of number stay apart. */
#define LSC_STATUS_CUDA (G_GINT64_CONSTANT (1) << 32)

typedef struct {
  const char *id;   /* stable name ("host_ns"), for settings and tests */
  const char *expr; /* SQL expression over the table's base columns (static storage) */
  LscCellKind kind;
  const char *sort_expr; /* cheaper expression with the same order, or NULL to sort by expr */
} LscTableColumn;

#define LSC_TYPE_TABLE_MODEL (lsc_table_model_get_type ())
G_DECLARE_FINAL_TYPE (LscTableModel, lsc_table_model, LSC, TABLE_MODEL, GObject)

/* db is borrowed: its owner keeps it open until it calls lsc_table_model_close().
 * report_path lets lsc_table_model_reload_async() open its own read-only connection.
 * columns must stay valid for the model's lifetime (static tables).  The model starts
 * empty. */
LscTableModel *lsc_table_model_new (struct sqlite3 *db, const char *report_path, const char *table,
                                    const LscTableColumn *columns, guint n_columns);

/* Forgets the connection before its owner closes it: the model empties (items-changed) and
 * stays usable, with no rows. */
void lsc_table_model_close (LscTableModel *self);

guint lsc_table_model_get_n_columns (LscTableModel *self);
const LscTableColumn *lsc_table_model_get_column (LscTableModel *self, guint column);
/* Index of the column with this id, or -1. */
int lsc_table_model_find_column (LscTableModel *self, const char *id);

/* The rowids of `table` matching where (NULL: all) ordered by order_expr (NULL: rowid), ties
 * by rowid.  Runs on the calling thread with db, which no other thread may be using.
 * Cancellable between SQLite steps.  Returns NULL with error set on failure. */
GArray *lsc_table_model_query_rowids (struct sqlite3 *db, const char *table, const char *where, const char *order_expr,
                                      gboolean descending, GCancellable *cancellable, GError **error);

/* Replaces the displayed rows (transfers rowids, an array of gint64) and emits items-changed. */
void lsc_table_model_set_rowids (LscTableModel *self, GArray *rowids);

/* Synchronous reload on the model's own connection: for small tables and tests.  column is a
 * column index to order by, or -1 for rowid order. */
gboolean lsc_table_model_reload (LscTableModel *self, const char *where, int column, gboolean descending,
                                 GError **error);

/* The same on a worker thread with its own connection; _finish swaps the rows in.  A newer
 * call supersedes an older one (its result is dropped). */
void lsc_table_model_reload_async (LscTableModel *self, const char *where, int column, gboolean descending,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean lsc_table_model_reload_finish (LscTableModel *self, GAsyncResult *result, GError **error);

/* The rowid at position, or -1. */
gint64 lsc_table_model_get_rowid (LscTableModel *self, guint position);

/* Position of rowid in the current order, or -1 (a linear scan). */
gint64 lsc_table_model_find_rowid (LscTableModel *self, gint64 rowid);

/* How many row objects were built from SQL so far (tests check laziness with it). */
guint lsc_table_model_get_n_fetched (LscTableModel *self);

/* Formats a value of kind as a cell (used by the model and by the views for summaries). */
char *lsc_table_model_format_value (LscCellKind kind, gint64 value);

G_END_DECLS
