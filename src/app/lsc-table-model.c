/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-table-model.c — a lazy GListModel over one report table (see the header).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <sqlite3.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "lsc-format.h"
#include "lsc-report.h"
#include "lsc-row.h"
#include "lsc-table-model.h"

/* Direct-mapped cache of built rows, by rowid: a screenful of rows costs one lookup each the
 * first time and none while it stays in view. */
#define CACHE_SLOTS 1024
/* Longest text shown in a cell; longer values (a hostile file) are cut. */
#define MAX_CELL_CHARS 2000

struct _LscTableModel
{
  GObject parent_instance;

  sqlite3 *db;
  char *report_path;
  char *table;
  const LscTableColumn *columns;
  guint n_columns;

  GArray *rowids;
  sqlite3_stmt *fetch;
  gboolean fetch_failed;
  LscRow *cache[CACHE_SLOTS];
  guint n_fetched;
  guint generation;
};

static void lsc_table_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LscTableModel, lsc_table_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, lsc_table_model_list_model_init))

/* ---- formatting ------------------------------------------------------------------------- */

static const char *
path_label (gint64 path)
{
  switch (path)
    {
    case 0: return C_("launch path", "fast");
    case 1: return C_("launch path", "baseline");
    case 2: return C_("launch path", "raw");
    case 3: return C_("launch path", "graph");
    default: return C_("launch path", "unknown");
    }
}

static const char *
outcome_label (gint64 outcome)
{
  switch (outcome)
    {
    case 0: return C_("launch outcome", "hit");
    case 1: return C_("launch outcome", "miss");
    case 2: return C_("launch outcome", "fallback");
    case 3: return C_("launch outcome", "baseline");
    default: return C_("launch outcome", "unknown");
    }
}

char *
lsc_table_model_format_value (LscCellKind kind, gint64 value)
{
  switch (kind)
    {
    case LSC_CELL_COUNT:
      return lsc_format_count (value);
    case LSC_CELL_DURATION:
      return lsc_format_duration_ns ((double) value);
    case LSC_CELL_OFFSET:
      return lsc_format_offset_ns (value);
    case LSC_CELL_MS:
      return g_strdup_printf ("%.1f ms", (double) value);
    case LSC_CELL_PATH:
      return g_strdup (path_label (value));
    case LSC_CELL_OUTCOME:
      return g_strdup (outcome_label (value));
    case LSC_CELL_REASON:
      /* reason names are identifiers shared with the CLI and the engine: not translated */
      return g_strdup (value == 0 ? "" : lsc_reason_name (value));
    case LSC_CELL_STATUS:
      if (value == 0)
        return g_strdup (C_("launch status", "ok"));
      if (value > LSC_STATUS_CUDA && value <= LSC_STATUS_CUDA + G_MAXINT32)
        return g_strdup (fl_cuda_error_name ((CUresult) (value - LSC_STATUS_CUDA)));
      if (value > 0 && value <= FL_ERR_IO)
        return g_strdup (fl_status_str ((fl_status) value));
      return g_strdup_printf ("%" G_GINT64_FORMAT, value);
    case LSC_CELL_BOOL:
      return g_strdup (value ? C_("switch state", "on") : C_("switch state", "off"));
    case LSC_CELL_HEX:
      return g_strdup_printf ("0x%016" G_GINT64_MODIFIER "x", (guint64) value);
    case LSC_CELL_INT:
    case LSC_CELL_TEXT:
    default:
      return g_strdup_printf ("%" G_GINT64_FORMAT, value);
    }
}

static char *
clean_text (const unsigned char *text, int len)
{
  if (!text)
    return NULL;
  char *valid = g_utf8_make_valid ((const char *) text, len);
  if (g_utf8_strlen (valid, -1) > MAX_CELL_CHARS)
    {
      char *end = g_utf8_offset_to_pointer (valid, MAX_CELL_CHARS);
      *end = '\0';
      char *cut = g_strconcat (valid, "…", NULL);
      g_free (valid);
      return cut;
    }
  return valid;
}

static void
fill_cell (LscRow *row, guint i, LscCellKind kind, sqlite3_stmt *stmt)
{
  int type = sqlite3_column_type (stmt, (int) i);

  if (type == SQLITE_NULL)
    {
      lsc_row_take_cell (row, i, NULL, NAN);
      return;
    }
  if (kind == LSC_CELL_KERNEL && type == SQLITE_TEXT)
    {
      char *readable = lsc_kernel_name_demangle ((const char *) sqlite3_column_text (stmt, (int) i));
      if (readable)
        {
          lsc_row_take_cell (row, i, clean_text ((const unsigned char *) readable, -1), NAN);
          free (readable);
          return;
        }
    }
  if (kind == LSC_CELL_TEXT || kind == LSC_CELL_KERNEL || type == SQLITE_TEXT || type == SQLITE_BLOB)
    {
      /* a text column, or a value of the wrong type in a numeric one: show it as it is */
      const unsigned char *text = sqlite3_column_text (stmt, (int) i);
      int len = sqlite3_column_bytes (stmt, (int) i);
      lsc_row_take_cell (row, i, clean_text (text, len), NAN);
      return;
    }
  if (kind == LSC_CELL_MS)
    {
      double v = sqlite3_column_double (stmt, (int) i);
      lsc_row_take_cell (row, i, g_strdup_printf ("%.1f ms", v), v);
      return;
    }
  if (type == SQLITE_FLOAT && kind == LSC_CELL_DURATION)
    {
      double v = sqlite3_column_double (stmt, (int) i);
      lsc_row_take_cell (row, i, lsc_format_duration_ns (v), v);
      return;
    }
  gint64 v = sqlite3_column_int64 (stmt, (int) i);
  lsc_row_take_cell (row, i, lsc_table_model_format_value (kind, v), (double) v);
}

/* ---- GListModel ------------------------------------------------------------------------- */

static GType
lsc_table_model_get_item_type (GListModel *model)
{
  (void) model;
  return LSC_TYPE_ROW;
}

static guint
lsc_table_model_get_n_items (GListModel *model)
{
  LscTableModel *self = LSC_TABLE_MODEL (model);
  return self->rowids->len;
}

static gboolean
prepare_fetch (LscTableModel *self)
{
  if (self->fetch || self->fetch_failed)
    return self->fetch != NULL;
  GString *sql = g_string_new ("SELECT ");
  for (guint i = 0; i < self->n_columns; i++)
    g_string_append_printf (sql, "%s(%s)", i ? ", " : "", self->columns[i].expr);
  g_string_append_printf (sql, " FROM main.\"%s\" WHERE rowid = ?1", self->table);
  if (sqlite3_prepare_v2 (self->db, sql->str, -1, &self->fetch, NULL) != SQLITE_OK)
    {
      g_warning ("cannot read table %s: %s", self->table, sqlite3_errmsg (self->db));
      self->fetch = NULL;
      self->fetch_failed = TRUE;
    }
  g_string_free (sql, TRUE);
  return self->fetch != NULL;
}

static gpointer
lsc_table_model_get_item (GListModel *model, guint position)
{
  LscTableModel *self = LSC_TABLE_MODEL (model);

  if (position >= self->rowids->len)
    return NULL;
  gint64 rowid = g_array_index (self->rowids, gint64, position);
  guint slot = (guint) ((guint64) rowid % CACHE_SLOTS);
  if (self->cache[slot] && lsc_row_get_rowid (self->cache[slot]) == rowid)
    return g_object_ref (self->cache[slot]);

  LscRow *row = lsc_row_new (rowid, self->n_columns);
  if (self->db && prepare_fetch (self))
    {
      sqlite3_reset (self->fetch);
      sqlite3_bind_int64 (self->fetch, 1, rowid);
      if (sqlite3_step (self->fetch) == SQLITE_ROW)
        for (guint i = 0; i < self->n_columns; i++)
          fill_cell (row, i, self->columns[i].kind, self->fetch);
      sqlite3_reset (self->fetch);
    }
  self->n_fetched++;
  g_set_object (&self->cache[slot], row);
  return row;
}

static void
lsc_table_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = lsc_table_model_get_item_type;
  iface->get_n_items = lsc_table_model_get_n_items;
  iface->get_item = lsc_table_model_get_item;
}

/* ---- object ----------------------------------------------------------------------------- */

static void
clear_cache (LscTableModel *self)
{
  for (guint i = 0; i < CACHE_SLOTS; i++)
    g_clear_object (&self->cache[i]);
}

static void
lsc_table_model_finalize (GObject *object)
{
  LscTableModel *self = LSC_TABLE_MODEL (object);

  clear_cache (self);
  if (self->fetch)
    sqlite3_finalize (self->fetch);
  g_array_unref (self->rowids);
  g_free (self->report_path);
  g_free (self->table);

  G_OBJECT_CLASS (lsc_table_model_parent_class)->finalize (object);
}

static void
lsc_table_model_class_init (LscTableModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lsc_table_model_finalize;
}

static void
lsc_table_model_init (LscTableModel *self)
{
  self->rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
}

LscTableModel *
lsc_table_model_new (sqlite3 *db, const char *report_path, const char *table,
                     const LscTableColumn *columns, guint n_columns)
{
  g_return_val_if_fail (table != NULL, NULL);
  g_return_val_if_fail (columns != NULL || n_columns == 0, NULL);

  LscTableModel *self = g_object_new (LSC_TYPE_TABLE_MODEL, NULL);
  self->db = db;
  self->report_path = g_strdup (report_path);
  self->table = g_strdup (table);
  self->columns = columns;
  self->n_columns = n_columns;
  return self;
}

void
lsc_table_model_close (LscTableModel *self)
{
  g_return_if_fail (LSC_IS_TABLE_MODEL (self));

  if (self->fetch)
    sqlite3_finalize (self->fetch);
  self->fetch = NULL;
  self->db = NULL;
  g_clear_pointer (&self->report_path, g_free);
  clear_cache (self);
  lsc_table_model_set_rowids (self, g_array_new (FALSE, FALSE, sizeof (gint64)));
}

guint
lsc_table_model_get_n_columns (LscTableModel *self)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), 0);
  return self->n_columns;
}

const LscTableColumn *
lsc_table_model_get_column (LscTableModel *self, guint column)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), NULL);
  return column < self->n_columns ? &self->columns[column] : NULL;
}

int
lsc_table_model_find_column (LscTableModel *self, const char *id)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), -1);
  for (guint i = 0; i < self->n_columns; i++)
    if (g_strcmp0 (self->columns[i].id, id) == 0)
      return (int) i;
  return -1;
}

static int
progress_cancelled (void *data)
{
  return g_cancellable_is_cancelled (G_CANCELLABLE (data));
}

GArray *
lsc_table_model_query_rowids (sqlite3 *db, const char *table, const char *where, const char *order_expr,
                              gboolean descending, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (db != NULL && table != NULL, NULL);

  const char *dir = descending ? "DESC" : "ASC";
  char *sql;
  if (order_expr)
    sql = g_strdup_printf ("SELECT rowid FROM main.\"%s\"%s%s ORDER BY (%s) %s, rowid %s", table,
                           where ? " WHERE " : "", where ? where : "", order_expr, dir, dir);
  else
    sql = g_strdup_printf ("SELECT rowid FROM main.\"%s\"%s%s ORDER BY rowid %s", table, where ? " WHERE " : "",
                           where ? where : "", dir);
  if (cancellable)
    sqlite3_progress_handler (db, 10000, progress_cancelled, cancellable);

  sqlite3_stmt *stmt = NULL;
  GArray *rowids = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);
          g_array_append_val (rowids, id);
        }
    }
  if (rc != SQLITE_DONE)
    {
      if (g_cancellable_is_cancelled (cancellable))
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot read the table “%s”: %s"), table,
                     sqlite3_errmsg (db));
      g_clear_pointer (&rowids, g_array_unref);
    }
  sqlite3_finalize (stmt);
  if (cancellable)
    sqlite3_progress_handler (db, 0, NULL, NULL);
  g_free (sql);
  return rowids;
}

void
lsc_table_model_set_rowids (LscTableModel *self, GArray *rowids)
{
  g_return_if_fail (LSC_IS_TABLE_MODEL (self));
  g_return_if_fail (rowids != NULL);

  guint removed = self->rowids->len;
  g_array_unref (self->rowids);
  self->rowids = rowids;
  self->generation++;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, rowids->len);
}

static const char *
order_expr_for (LscTableModel *self, int column)
{
  if (column < 0 || (guint) column >= self->n_columns)
    return NULL;
  return self->columns[column].sort_expr ? self->columns[column].sort_expr : self->columns[column].expr;
}

gboolean
lsc_table_model_reload (LscTableModel *self, const char *where, int column, gboolean descending, GError **error)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), FALSE);
  if (!self->db)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The report is closed"));
      return FALSE;
    }
  GArray *rowids = lsc_table_model_query_rowids (self->db, self->table, where, order_expr_for (self, column),
                                                 descending, NULL, error);
  if (!rowids)
    return FALSE;
  lsc_table_model_set_rowids (self, rowids);
  return TRUE;
}

typedef struct {
  char *path, *table, *where, *order_expr;
  gboolean descending;
  guint generation;
} ReloadData;

static void
reload_data_free (ReloadData *data)
{
  g_free (data->path);
  g_free (data->table);
  g_free (data->where);
  g_free (data->order_expr);
  g_free (data);
}

static void
reload_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ReloadData *data = task_data;
  lsc_error err;
  (void) source;

  lsc_report *report = lsc_report_open (data->path, LSC_REPORT_OPEN_NO_QUICK_CHECK, &err);
  if (!report)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err.message);
      return;
    }
  GError *error = NULL;
  GArray *rowids = lsc_table_model_query_rowids (lsc_report_db (report), data->table, data->where, data->order_expr,
                                                 data->descending, cancellable, &error);
  lsc_report_free (report);
  if (!rowids)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rowids, (GDestroyNotify) g_array_unref);
}

void
lsc_table_model_reload_async (LscTableModel *self, const char *where, int column, gboolean descending,
                              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (LSC_IS_TABLE_MODEL (self));

  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lsc_table_model_reload_async);
  if (!self->report_path)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The report is closed"));
      g_object_unref (task);
      return;
    }
  ReloadData *data = g_new0 (ReloadData, 1);
  data->path = g_strdup (self->report_path);
  data->table = g_strdup (self->table);
  data->where = g_strdup (where);
  data->order_expr = g_strdup (order_expr_for (self, column));
  data->descending = descending;
  data->generation = ++self->generation;
  g_task_set_task_data (task, data, (GDestroyNotify) reload_data_free);
  g_task_run_in_thread (task, reload_thread);
  g_object_unref (task);
}

gboolean
lsc_table_model_reload_finish (LscTableModel *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  ReloadData *data = g_task_get_task_data (G_TASK (result));
  GArray *rowids = g_task_propagate_pointer (G_TASK (result), error);
  if (!rowids)
    return FALSE;
  if (data->generation != self->generation)
    {
      /* a newer reload (or set_rowids) came after this one: its order wins */
      g_array_unref (rowids);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Superseded by a newer request"));
      return FALSE;
    }
  lsc_table_model_set_rowids (self, rowids);
  return TRUE;
}

gint64
lsc_table_model_get_rowid (LscTableModel *self, guint position)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), -1);
  if (position >= self->rowids->len)
    return -1;
  return g_array_index (self->rowids, gint64, position);
}

gint64
lsc_table_model_find_rowid (LscTableModel *self, gint64 rowid)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), -1);
  for (guint i = 0; i < self->rowids->len; i++)
    if (g_array_index (self->rowids, gint64, i) == rowid)
      return i;
  return -1;
}

guint
lsc_table_model_get_n_fetched (LscTableModel *self)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), 0);
  return self->n_fetched;
}
