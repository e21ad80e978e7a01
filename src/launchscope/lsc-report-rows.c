/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-rows.c — a report's rows for lists and charts (see the header).
 *
 * Every expression below is a constant of this file over base tables: a column is chosen by
 * index and a filter is bound as parameters, so nothing a caller passes becomes SQL text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-report-private.h"
#include "lsc-report-rows.h"

typedef struct {
  const char *id;
  const char *expr;      /* what the list shows */
  const char *sort_expr; /* a cheaper expression with the same order, or NULL */
} column_def;

#define SESSION_START "(SELECT s.start_ns FROM main.session s WHERE s.id = session_id)"
#define KERNEL_NAME "(SELECT k.name FROM main.kernel k WHERE k.id = kernel_id)"
/* A raw launch of a report older than CUPTI-named kernels has no kernel row: the name CUPTI's
 * activity record gave its kernel, found by correlation id (every version has both). */
#define LAUNCH_KERNEL_NAME                                                                           \
  "coalesce(" KERNEL_NAME ", (SELECT g.name FROM main.gpu_activity g WHERE g.correlation_id = "  \
  "launch.correlation_id AND g.session_id = launch.session_id))"
#define SPEC_SESSION_START                                                                   \
  "(SELECT s.start_ns FROM main.kernel k JOIN main.session s ON s.id = k.session_id WHERE " \
  "k.id = kernel_id)"

static const column_def launch_columns[LSC_LAUNCH_N_COLS] = {
  [LSC_LAUNCH_COL_ID] = { "id", "rowid", NULL },
  [LSC_LAUNCH_COL_TIME] = { "time", "start_ns - " SESSION_START, "start_ns" },
  [LSC_LAUNCH_COL_KERNEL] = { "kernel", LAUNCH_KERNEL_NAME, "kernel_id" },
  [LSC_LAUNCH_COL_PATH] = { "path", "path", NULL },
  [LSC_LAUNCH_COL_OUTCOME] = { "outcome", "outcome", NULL },
  [LSC_LAUNCH_COL_REASON] = { "reason", "reason", NULL },
  [LSC_LAUNCH_COL_HOST_NS] = { "host_ns", "host_ns", NULL },
  [LSC_LAUNCH_COL_API_NS] = { "api_ns", "api_ns", NULL },
  [LSC_LAUNCH_COL_GPU_NS] = { "gpu_ns", "gpu_ns", NULL },
  [LSC_LAUNCH_COL_SPEC] = { "spec", "spec_id", NULL },
  [LSC_LAUNCH_COL_STATUS] = { "status", "CASE WHEN path = 2 AND status != 0 THEN status + 4294967296 ELSE status END",
                              "status" },
  [LSC_LAUNCH_COL_THREAD] = { "thread", "thread", NULL },
};

static const column_def spec_columns[LSC_SPEC_N_COLS] = {
  [LSC_SPEC_COL_ID] = { "id", "rowid", NULL },
  [LSC_SPEC_COL_KERNEL] = { "kernel", KERNEL_NAME, NULL },
  [LSC_SPEC_COL_KEY] = { "key", "key", NULL },
  [LSC_SPEC_COL_DESCRIPTION] = { "description", "description", NULL },
  [LSC_SPEC_COL_ALIGNMENT] = { "ptr_alignment", "ptr_alignment", NULL },
  [LSC_SPEC_COL_INT_CLASSES] = { "int_classes", "int_classes", NULL },
  [LSC_SPEC_COL_DEBUG] = { "debug", "debug", NULL },
  [LSC_SPEC_COL_INSTRUMENTATION] = { "instrumentation", "instrumentation", NULL },
  [LSC_SPEC_COL_HOOK] = { "compile_hook", "compile_hook", NULL },
  [LSC_SPEC_COL_HITS] = { "hits", "hits", NULL },
  [LSC_SPEC_COL_MISSES] = { "misses", "misses", NULL },
  [LSC_SPEC_COL_COMPILE_MS] = { "compile_ms", "compile_ms", NULL },
  [LSC_SPEC_COL_FIRST] = { "first", "first_ns - " SPEC_SESSION_START, NULL },
  [LSC_SPEC_COL_LAST] = { "last", "last_ns - " SPEC_SESSION_START, NULL },
};

static const column_def event_columns[LSC_EVENT_N_COLS] = {
  [LSC_EVENT_COL_ID] = { "id", "rowid", NULL },
  [LSC_EVENT_COL_TIME] = { "time", "t_ns - " SESSION_START, "t_ns" },
  [LSC_EVENT_COL_KIND] = { "kind", "kind", NULL },
  [LSC_EVENT_COL_KERNEL] = { "kernel", KERNEL_NAME, NULL },
  [LSC_EVENT_COL_TEXT] = { "text", "text", NULL },
};

static const struct {
  const char *name;
  const column_def *columns;
  size_t n_columns;
  const char *session_clause; /* how a row is of session ?1 */
  bool has_kernel, is_launch;
} tables[LSC_TABLE_COUNT] = {
  [LSC_TABLE_LAUNCH] = { "launch", launch_columns, LSC_LAUNCH_N_COLS, "session_id = ?1", true, true },
  /* a spec has no session of its own: its kernel's */
  [LSC_TABLE_SPEC] = { "spec", spec_columns, LSC_SPEC_N_COLS,
                       "kernel_id IN (SELECT id FROM main.kernel WHERE session_id = ?1)", true, false },
  [LSC_TABLE_EVENT] = { "event", event_columns, LSC_EVENT_N_COLS, "session_id = ?1", true, false },
};

const char *const lsc_stage_names[LSC_STAGE_COUNT] = {
  "resolve", "bind", "specialize", "key", "lookup", "globals", "metadata", "launch",
};

static bool
table_valid (lsc_table table)
{
  return (unsigned) table < LSC_TABLE_COUNT;
}

size_t
lsc_table_n_columns (lsc_table table)
{
  return table_valid (table) ? tables[table].n_columns : 0;
}

const char *
lsc_table_column_id (lsc_table table, size_t column)
{
  return table_valid (table) && column < tables[table].n_columns ? tables[table].columns[column].id : NULL;
}

void
lsc_row_filter_init (lsc_row_filter *filter)
{
  filter->session_id = filter->kernel_id = filter->path = filter->outcome = filter->thread = LSC_ROW_ANY;
}

static void
set_sqlite_error (lsc_report *report, lsc_error *error, const char *what)
{
  int rc = sqlite3_extended_errcode (report->db);
  lsc__error_set (error, lsc__error_code_from_sqlite (rc), "cannot read %s of report %s: %s", what, report->path,
                  rc == SQLITE_INTERRUPT ? "stopped" : sqlite3_errmsg (report->db));
}

/* A growable buffer of SQL text built from this file's constants only. */
typedef struct {
  char text[1024];
  size_t len;
  bool overflow;
} sql_buf;

static void
sql_add (sql_buf *b, const char *s)
{
  size_t n = strlen (s);
  if (b->len + n >= sizeof b->text)
    {
      b->overflow = true;
      return;
    }
  memcpy (b->text + b->len, s, n + 1);
  b->len += n;
}

int64_t *
lsc_report_row_ids (lsc_report *report, lsc_table table, const lsc_row_filter *filter, int sort_column,
                    bool descending, size_t *n_out, lsc_error *error)
{
  lsc_error_clear (error);
  *n_out = 0;
  if (!report || !table_valid (table) || (sort_column >= 0 && (size_t) sort_column >= tables[table].n_columns))
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no such table or column to sort by");
      return NULL;
    }

  /* Each filter column with the parameter it binds: ?1 session, ?2 kernel, ?3 path, ?4 outcome,
   * ?5 thread. */
  lsc_row_filter any;
  lsc_row_filter_init (&any);
  const lsc_row_filter *f = filter ? filter : &any;
  const struct {
    bool applies;
    int64_t value;
    const char *clause;
  } conditions[] = {
    { tables[table].session_clause != NULL, f->session_id, tables[table].session_clause },
    { tables[table].has_kernel, f->kernel_id, "kernel_id = ?2" },
    { tables[table].is_launch, f->path, "path = ?3" },
    { tables[table].is_launch, f->outcome, "outcome = ?4" },
    { tables[table].is_launch, f->thread, "thread = ?5" },
  };

  sql_buf sql = { .len = 0 };
  sql_add (&sql, "SELECT rowid FROM main.");
  sql_add (&sql, tables[table].name);
  bool first = true;
  for (size_t i = 0; i < sizeof conditions / sizeof conditions[0]; i++)
    if (conditions[i].applies && conditions[i].value != LSC_ROW_ANY)
      {
        sql_add (&sql, first ? " WHERE " : " AND ");
        sql_add (&sql, conditions[i].clause);
        first = false;
      }
  const char *dir = descending ? " DESC" : " ASC";
  sql_add (&sql, " ORDER BY ");
  if (sort_column >= 0)
    {
      const column_def *c = &tables[table].columns[sort_column];
      sql_add (&sql, "(");
      sql_add (&sql, c->sort_expr ? c->sort_expr : c->expr);
      sql_add (&sql, ")");
      sql_add (&sql, dir);
      sql_add (&sql, ", ");
    }
  sql_add (&sql, "rowid");
  sql_add (&sql, dir);
  if (sql.overflow)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "query for table %s too long", tables[table].name);
      return NULL;
    }

  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (report->db, sql.text, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (report, error, tables[table].name);
      return NULL;
    }
  for (size_t i = 0; i < sizeof conditions / sizeof conditions[0]; i++)
    if (conditions[i].applies && conditions[i].value != LSC_ROW_ANY)
      sqlite3_bind_int64 (stmt, (int) i + 1, conditions[i].value);

  size_t n = 0, cap = 1024;
  int64_t *ids = malloc (cap * sizeof *ids);
  while (ids && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (n == cap)
        {
          int64_t *bigger = realloc (ids, cap * 2 * sizeof *ids);
          if (!bigger)
            {
              free (ids);
              ids = NULL;
              break;
            }
          ids = bigger;
          cap *= 2;
        }
      ids[n++] = sqlite3_column_int64 (stmt, 0);
    }
  if (!ids)
    lsc__error_set (error, LSC_ERROR_NOMEM, "cannot read %s of report %s: out of memory", tables[table].name,
                    report->path);
  else if (rc != SQLITE_DONE)
    {
      set_sqlite_error (report, error, tables[table].name);
      free (ids);
      ids = NULL;
    }
  sqlite3_finalize (stmt);
  if (ids)
    *n_out = n;
  return ids;
}

int64_t
lsc_report_count_rows (lsc_report *report, lsc_table table, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report || !table_valid (table))
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no such table");
      return -1;
    }
  char sql[64];
  snprintf (sql, sizeof sql, "SELECT count(*) FROM main.%s", tables[table].name);
  sqlite3_stmt *stmt = NULL;
  int64_t count = -1;
  if (sqlite3_prepare_v2 (report->db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  else
    set_sqlite_error (report, error, tables[table].name);
  sqlite3_finalize (stmt);
  return count;
}

/* ---- one row at a time ------------------------------------------------------------------ */

struct lsc_row_reader {
  lsc_report *report;
  lsc_table table;
  sqlite3_stmt *fetch;
};

lsc_row_reader *
lsc_row_reader_new (lsc_report *report, lsc_table table, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report || !table_valid (table))
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no such table");
      return NULL;
    }
  sql_buf sql = { .len = 0 };
  sql_add (&sql, "SELECT ");
  for (size_t i = 0; i < tables[table].n_columns; i++)
    {
      sql_add (&sql, i ? ", (" : "(");
      sql_add (&sql, tables[table].columns[i].expr);
      sql_add (&sql, ")");
    }
  sql_add (&sql, " FROM main.");
  sql_add (&sql, tables[table].name);
  sql_add (&sql, " WHERE rowid = ?1");

  lsc_row_reader *reader = calloc (1, sizeof *reader);
  if (!reader || sql.overflow)
    {
      free (reader);
      lsc__error_set (error, LSC_ERROR_NOMEM, "cannot read %s of report %s: out of memory", tables[table].name,
                      report->path);
      return NULL;
    }
  if (sqlite3_prepare_v2 (report->db, sql.text, -1, &reader->fetch, NULL) != SQLITE_OK)
    {
      set_sqlite_error (report, error, tables[table].name);
      free (reader);
      return NULL;
    }
  reader->report = report;
  reader->table = table;
  return reader;
}

static void
read_value (sqlite3_stmt *stmt, int col, lsc_value *v)
{
  memset (v, 0, sizeof *v);
  switch (sqlite3_column_type (stmt, col))
    {
    case SQLITE_INTEGER:
      v->type = LSC_VALUE_INT;
      v->i = sqlite3_column_int64 (stmt, col);
      v->r = (double) v->i;
      break;
    case SQLITE_FLOAT:
      v->type = LSC_VALUE_REAL;
      v->r = sqlite3_column_double (stmt, col);
      v->i = sqlite3_column_int64 (stmt, col);
      break;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      v->type = LSC_VALUE_TEXT;
      v->text = (const char *) sqlite3_column_text (stmt, col);
      v->len = v->text ? (size_t) sqlite3_column_bytes (stmt, col) : 0;
      if (!v->text)
        v->type = LSC_VALUE_NULL;
      break;
    default:
      v->type = LSC_VALUE_NULL;
      break;
    }
}

int
lsc_row_reader_fetch (lsc_row_reader *reader, int64_t id, lsc_value *values, lsc_error *error)
{
  lsc_error_clear (error);
  size_t n = tables[reader->table].n_columns;
  memset (values, 0, n * sizeof *values);
  sqlite3_reset (reader->fetch);
  sqlite3_bind_int64 (reader->fetch, 1, id);
  int rc = sqlite3_step (reader->fetch);
  if (rc == SQLITE_ROW)
    {
      for (size_t i = 0; i < n; i++)
        read_value (reader->fetch, (int) i, &values[i]);
      return 1;
    }
  if (rc == SQLITE_DONE)
    return 0;
  set_sqlite_error (reader->report, error, tables[reader->table].name);
  return -1;
}

void
lsc_row_reader_free (lsc_row_reader *reader)
{
  if (!reader)
    return;
  sqlite3_finalize (reader->fetch);
  free (reader);
}

/* ---- passes ----------------------------------------------------------------------------- */

int
lsc_report_scan_launches (lsc_report *report, bool (*func) (const lsc_launch_row *row, void *data), void *data,
                          lsc_error *error)
{
  lsc_error_clear (error);
  /* One read transaction: a report still being recorded grows, and a pass sees one state. */
  sqlite3_exec (report->db, "BEGIN", NULL, NULL, NULL);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (report->db,
                               "SELECT rowid, session_id, start_ns, host_ns, path, outcome, reason, status, spec_id, "
                               "resolve_ns, bind_ns, specialize_ns, key_ns, lookup_ns, globals_ns, metadata_ns, "
                               "launch_ns, kernel_id, api_ns, correlation_id FROM main.launch ORDER BY rowid",
                               -1, &stmt, NULL);
  while (stmt && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      lsc_launch_row row = {
        .id = sqlite3_column_int64 (stmt, 0),
        .has_session = sqlite3_column_type (stmt, 1) == SQLITE_INTEGER,
        .session_id = sqlite3_column_int64 (stmt, 1),
        .start_ns = sqlite3_column_int64 (stmt, 2),
        .has_host = sqlite3_column_type (stmt, 3) == SQLITE_INTEGER,
        .host_ns = sqlite3_column_int64 (stmt, 3),
        .has_path = sqlite3_column_type (stmt, 4) == SQLITE_INTEGER,
        .path = sqlite3_column_int64 (stmt, 4),
        .outcome = sqlite3_column_int64 (stmt, 5),
        .reason = sqlite3_column_int64 (stmt, 6),
        .status = sqlite3_column_int64 (stmt, 7),
        .has_spec = sqlite3_column_type (stmt, 8) == SQLITE_INTEGER,
        .spec_id = sqlite3_column_int64 (stmt, 8),
        .has_stages = true,
      };
      /* Most launches have no stage times: the first missing one ends the reads, which are
       * half the cost of a pass over a report of such launches. */
      for (int k = 0; k < LSC_STAGE_COUNT && row.has_stages; k++)
        {
          row.has_stages = sqlite3_column_type (stmt, 9 + k) == SQLITE_INTEGER;
          row.stage_ns[k] = row.has_stages ? sqlite3_column_int64 (stmt, 9 + k) : 0;
        }
      row.has_kernel = sqlite3_column_type (stmt, 17) == SQLITE_INTEGER;
      row.kernel_id = sqlite3_column_int64 (stmt, 17);
      row.has_api = sqlite3_column_type (stmt, 18) == SQLITE_INTEGER;
      row.api_ns = sqlite3_column_int64 (stmt, 18);
      row.has_correlation = sqlite3_column_type (stmt, 19) == SQLITE_INTEGER;
      row.correlation_id = sqlite3_column_int64 (stmt, 19);
      if (!func (&row, data))
        {
          rc = SQLITE_DONE;
          break;
        }
    }
  if (rc != SQLITE_DONE)
    set_sqlite_error (report, error, "the launches");
  sqlite3_finalize (stmt);
  sqlite3_exec (report->db, "COMMIT", NULL, NULL, NULL);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Integer start and a duration of at least 0 that did not overflow into a REAL. */
#define SPAN_WHERE(start, duration) \
  " WHERE session_id = ?1 AND typeof(" start ") = 'integer' AND typeof(" duration ") = 'integer' AND " duration " >= 0"

int
lsc_report_scan_spans (lsc_report *report, int64_t session_id, lsc_span_kind kind,
                       bool (*func) (const lsc_span_row *row, void *data), void *data, lsc_error *error)
{
  lsc_error_clear (error);
  const char *sql;
  if (kind == LSC_SPAN_KERNEL)
    sql = "SELECT stream_id, start_ns, end_ns - start_ns, correlation_id, name, 0 FROM main.gpu_activity"
          SPAN_WHERE ("start_ns", "end_ns - start_ns");
  else if (lsc__table_present (report->schema_version, "api_call"))
    sql = "SELECT thread, api_start_ns, api_ns, correlation_id, NULL, 1 FROM main.launch"
          SPAN_WHERE ("api_start_ns", "api_ns")
          " UNION ALL SELECT thread, start_ns, api_ns, correlation_id, name, 0 FROM main.api_call"
          SPAN_WHERE ("start_ns", "api_ns");
  else
    sql = "SELECT thread, api_start_ns, api_ns, correlation_id, NULL, 1 FROM main.launch"
          SPAN_WHERE ("api_start_ns", "api_ns");

  sqlite3_exec (report->db, "BEGIN", NULL, NULL, NULL);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (report->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, session_id);
  while (stmt && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      lsc_span_row row = {
        .track = sqlite3_column_int64 (stmt, 0),
        .start_ns = sqlite3_column_int64 (stmt, 1),
        .duration_ns = sqlite3_column_int64 (stmt, 2),
        .has_correlation = sqlite3_column_type (stmt, 3) == SQLITE_INTEGER,
        .correlation_id = sqlite3_column_int64 (stmt, 3),
        .name = (const char *) sqlite3_column_text (stmt, 4),
        .is_launch = sqlite3_column_int (stmt, 5) != 0,
      };
      row.name_len = row.name ? (size_t) sqlite3_column_bytes (stmt, 4) : 0;
      if (!func (&row, data))
        {
          rc = SQLITE_DONE;
          break;
        }
    }
  if (rc != SQLITE_DONE)
    set_sqlite_error (report, error, kind == LSC_SPAN_KERNEL ? "the kernel activity" : "the API calls");
  sqlite3_finalize (stmt);
  sqlite3_exec (report->db, "COMMIT", NULL, NULL, NULL);
  return rc == SQLITE_DONE ? 0 : -1;
}

int
lsc_report_scan_events (lsc_report *report, int64_t session_id, const char *kind, size_t limit,
                        bool (*func) (const lsc_event_row *row, void *data), void *data, lsc_error *error)
{
  lsc_error_clear (error);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (report->db,
                               "SELECT rowid, session_id, t_ns, kind, text FROM main.event "
                               "WHERE session_id = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY t_ns, rowid LIMIT ?3",
                               -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, session_id);
      if (kind)
        sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, limit > INT64_MAX ? INT64_MAX : (int64_t) limit);
    }
  while (stmt && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      lsc_event_row row = {
        .id = sqlite3_column_int64 (stmt, 0),
        .session_id = sqlite3_column_int64 (stmt, 1),
        .t_ns = sqlite3_column_int64 (stmt, 2),
        .kind = (const char *) sqlite3_column_text (stmt, 3),
        .text = (const char *) sqlite3_column_text (stmt, 4),
      };
      row.text_len = row.text ? (size_t) sqlite3_column_bytes (stmt, 4) : 0;
      if (!func (&row, data))
        {
          rc = SQLITE_DONE;
          break;
        }
    }
  if (rc != SQLITE_DONE)
    set_sqlite_error (report, error, "the events");
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? 0 : -1;
}

bool
lsc_report_first_session (lsc_report *report, int64_t *session_id, int64_t *start_ns, lsc_error *error)
{
  lsc_error_clear (error);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (report->db, "SELECT id, start_ns FROM main.session ORDER BY id LIMIT 1", -1, &stmt,
                               NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  bool found = rc == SQLITE_ROW;
  if (found)
    {
      *session_id = sqlite3_column_int64 (stmt, 0);
      *start_ns = sqlite3_column_int64 (stmt, 1);
    }
  else if (rc != SQLITE_DONE)
    set_sqlite_error (report, error, "the sessions");
  sqlite3_finalize (stmt);
  return found;
}

void
lsc_report_sqlite_version (char *buf, size_t size)
{
  snprintf (buf, size, "%s (built with %s)", sqlite3_libversion (), SQLITE_VERSION);
}
