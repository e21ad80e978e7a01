/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-table-model.c — a lazy GListModel over one report table (see the header).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

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

  lsc_report *report;
  char *report_path;
  lsc_table table;
  const LscCellKind *kinds;
  guint n_columns;

  GArray *rowids;
  lsc_row_reader *reader;
  gboolean reader_failed;
  lsc_value *values;
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
      return lsc_format_duration_ns ((double) value * 1e6);
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
clean_text (const char *text, gssize len)
{
  if (!text)
    return NULL;
  char *valid = g_utf8_make_valid (text, len);
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
fill_cell (LscRow *row, guint i, LscCellKind kind, const lsc_value *v)
{
  if (v->type == LSC_VALUE_NULL)
    {
      lsc_row_take_cell (row, i, NULL, NAN);
      return;
    }
  if (kind == LSC_CELL_KERNEL && v->type == LSC_VALUE_TEXT)
    {
      g_autofree char *name = g_strndup (v->text, v->len);
      char *readable = lsc_kernel_name_demangle (name);
      if (readable)
        {
          lsc_row_take_cell (row, i, clean_text (readable, -1), NAN);
          free (readable);
          return;
        }
    }
  if (kind == LSC_CELL_SPEC_DESCRIPTION && v->type == LSC_VALUE_TEXT)
    {
      g_autofree char *text = clean_text (v->text, (gssize) v->len);
      lsc_row_take_cell (row, i, lsc_format_spec_description (text), NAN);
      return;
    }
  if (kind == LSC_CELL_TEXT || kind == LSC_CELL_KERNEL || kind == LSC_CELL_SPEC_DESCRIPTION
      || v->type == LSC_VALUE_TEXT)
    {
      /* a text column, or a value of the wrong type in a numeric one: show it as it is */
      if (v->type == LSC_VALUE_TEXT)
        lsc_row_take_cell (row, i, clean_text (v->text, (gssize) v->len), NAN);
      else if (v->type == LSC_VALUE_REAL)
        lsc_row_take_cell (row, i, g_strdup_printf ("%g", v->r), NAN);
      else
        lsc_row_take_cell (row, i, g_strdup_printf ("%" G_GINT64_FORMAT, v->i), NAN);
      return;
    }
  if (kind == LSC_CELL_MS)
    {
      lsc_row_take_cell (row, i, lsc_format_duration_ns (v->r * 1e6), v->r);
      return;
    }
  if (v->type == LSC_VALUE_REAL && kind == LSC_CELL_DURATION)
    {
      lsc_row_take_cell (row, i, lsc_format_duration_ns (v->r), v->r);
      return;
    }
  lsc_row_take_cell (row, i, lsc_table_model_format_value (kind, v->i), (double) v->i);
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
ensure_reader (LscTableModel *self)
{
  if (self->reader || self->reader_failed)
    return self->reader != NULL;
  lsc_error err;
  self->reader = lsc_row_reader_new (self->report, self->table, &err);
  if (!self->reader)
    {
      g_warning ("%s", err.message);
      self->reader_failed = TRUE;
    }
  return self->reader != NULL;
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
  if (self->report && ensure_reader (self))
    {
      lsc_error err;
      int found = lsc_row_reader_fetch (self->reader, rowid, self->values, &err);
      if (found > 0)
        for (guint i = 0; i < self->n_columns; i++)
          fill_cell (row, i, self->kinds[i], &self->values[i]);
      else if (found < 0)
        g_warning ("%s", err.message);
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
  lsc_row_reader_free (self->reader);
  g_free (self->values);
  g_array_unref (self->rowids);
  g_free (self->report_path);

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
lsc_table_model_new (lsc_report *report, lsc_table table, const LscCellKind *kinds)
{
  g_return_val_if_fail (lsc_table_n_columns (table) > 0, NULL);
  g_return_val_if_fail (kinds != NULL, NULL);

  LscTableModel *self = g_object_new (LSC_TYPE_TABLE_MODEL, NULL);
  self->report = report;
  self->report_path = g_strdup (lsc_report_path (report));
  self->table = table;
  self->kinds = kinds;
  self->n_columns = (guint) lsc_table_n_columns (table);
  self->values = g_new0 (lsc_value, self->n_columns);
  return self;
}

void
lsc_table_model_close (LscTableModel *self)
{
  g_return_if_fail (LSC_IS_TABLE_MODEL (self));

  g_clear_pointer (&self->reader, lsc_row_reader_free);
  self->report = NULL;
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

LscCellKind
lsc_table_model_get_column_kind (LscTableModel *self, guint column)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), LSC_CELL_TEXT);
  return column < self->n_columns ? self->kinds[column] : LSC_CELL_TEXT;
}

int
lsc_table_model_find_column (LscTableModel *self, const char *id)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), -1);
  for (guint i = 0; i < self->n_columns; i++)
    if (g_strcmp0 (lsc_table_column_id (self->table, i), id) == 0)
      return (int) i;
  return -1;
}

static int
progress_cancelled (void *data)
{
  return g_cancellable_is_cancelled (G_CANCELLABLE (data));
}

GArray *
lsc_table_model_query_rowids (lsc_report *report, lsc_table table, const lsc_row_filter *filter, int column,
                              gboolean descending, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (report != NULL, NULL);

  if (cancellable)
    lsc_report_set_cancel (report, progress_cancelled, cancellable);
  size_t n = 0;
  lsc_error err;
  int64_t *ids = lsc_report_row_ids (report, table, filter, column, descending, &n, &err);
  if (cancellable)
    lsc_report_set_cancel (report, NULL, NULL);
  if (!ids)
    {
      if (g_cancellable_is_cancelled (cancellable))
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, err.message);
      return NULL;
    }
  G_STATIC_ASSERT (sizeof (gint64) == sizeof (int64_t));
  GArray *rowids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) MIN (n, G_MAXUINT));
  g_array_append_vals (rowids, ids, (guint) MIN (n, G_MAXUINT));
  free (ids);
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

gboolean
lsc_table_model_reload (LscTableModel *self, const lsc_row_filter *filter, int column, gboolean descending,
                        GError **error)
{
  g_return_val_if_fail (LSC_IS_TABLE_MODEL (self), FALSE);
  if (!self->report)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The report is closed"));
      return FALSE;
    }
  GArray *rowids = lsc_table_model_query_rowids (self->report, self->table, filter, column, descending, NULL, error);
  if (!rowids)
    return FALSE;
  lsc_table_model_set_rowids (self, rowids);
  return TRUE;
}

typedef struct {
  char *path;
  lsc_table table;
  gboolean has_filter;
  lsc_row_filter filter;
  int column;
  gboolean descending;
  guint generation;
} ReloadData;

static void
reload_data_free (ReloadData *data)
{
  g_free (data->path);
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
  GArray *rowids = lsc_table_model_query_rowids (report, data->table, data->has_filter ? &data->filter : NULL,
                                                 data->column, data->descending, cancellable, &error);
  lsc_report_free (report);
  if (!rowids)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rowids, (GDestroyNotify) g_array_unref);
}

void
lsc_table_model_reload_async (LscTableModel *self, const lsc_row_filter *filter, int column, gboolean descending,
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
  data->table = self->table;
  data->has_filter = filter != NULL;
  if (filter)
    data->filter = *filter;
  data->column = column;
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
