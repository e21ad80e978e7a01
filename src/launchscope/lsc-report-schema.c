/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-schema.c — which schema versions the reader accepts, and a file's schema checked
 * against the one its version must have.
 *
 * Every version is read side by side: the reference for a version is today's schema less the
 * columns and tables added after it, so a check compares a file with exactly what its version
 * had, and a reader asks lsc__column_or_default / lsc__table_present before touching something
 * newer.  Only an unknown version is refused.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lsc-report-private.h"
#include "lsc-schema.h"

/* Columns added after version 1.  A report of an older version lacks them, and readers take the
 * column's default; the reference schema leaves them out, so what it lists is what every
 * readable version has.  A report of their version or later must have them. */
static const struct {
  const char *table, *column;
  int64_t since;
} added_columns[] = {
  { "spec", "waits", 2 },
  { "launch", "stream", 3 },
  { "launch", "grid_x", 3 },
  { "launch", "grid_y", 3 },
  { "launch", "grid_z", 3 },
  { "launch", "block_x", 3 },
  { "launch", "block_y", 3 },
  { "launch", "block_z", 3 },
  { "launch", "shared_mem", 3 },
  { "launch", "captured", 3 },
  { "launch", "function", 4 },
  { "launch", "param_key", 4 },
  { "launch", "params", 4 },
};

/* Tables added after version 1: absent from older reports, read as empty there. */
static const struct {
  const char *table;
  int64_t since;
} added_tables[] = {
  { "api_call", 3 },
  { "nvtx_range", 5 },
  { "calibration", 5 },
  { "floor_block", 5 },
  { "module_function", 5 },
};

bool
lsc__table_present (int64_t version, const char *table)
{
  for (size_t i = 0; i < sizeof added_tables / sizeof added_tables[0]; i++)
    if (strcmp (added_tables[i].table, table) == 0)
      return version >= added_tables[i].since;
  return true;
}

int64_t
lsc__schema_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int64_t version = 0;
  if (sqlite3_prepare_v2 (db, "PRAGMA main.user_version", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

const char *
lsc__column_or_default (int64_t version, const char *table, const char *column, const char *present,
                        const char *absent)
{
  for (size_t i = 0; i < sizeof added_columns / sizeof added_columns[0]; i++)
    if (strcmp (added_columns[i].table, table) == 0 && strcmp (added_columns[i].column, column) == 0)
      return version >= added_columns[i].since ? present : absent;
  return present;
}

/* ---- verification --------------------------------------------------------------------- */

static int
query_int (sqlite3 *db, const char *sql, int64_t *out, char *msg, size_t msg_size)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *out = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
      else if (rc == SQLITE_DONE)
        {
          *out = 0;
          rc = SQLITE_OK;
        }
    }
  if (rc != SQLITE_OK)
    {
      snprintf (msg, msg_size, "%s", sqlite3_errmsg (db));
      rc = sqlite3_extended_errcode (db);
    }
  sqlite3_finalize (stmt);
  return rc;
}

sqlite3 *
lsc__reference_schema_for (int64_t version, const char *path, lsc_error *error)
{
  sqlite3 *ref = NULL;
  int rc = sqlite3_open_v2 (":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (ref, LSC_SCHEMA_SQL, NULL, NULL, NULL);
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof added_columns / sizeof added_columns[0]; i++)
    if (version < added_columns[i].since)
      {
        char *sql = sqlite3_mprintf ("ALTER TABLE \"%w\" DROP COLUMN \"%w\"", added_columns[i].table,
                                     added_columns[i].column);
        rc = sql ? sqlite3_exec (ref, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
        sqlite3_free (sql);
      }
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof added_tables / sizeof added_tables[0]; i++)
    if (version < added_tables[i].since)
      {
        char *sql = sqlite3_mprintf ("DROP TABLE \"%w\"", added_tables[i].table);
        rc = sql ? sqlite3_exec (ref, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
        sqlite3_free (sql);
      }
  if (rc != SQLITE_OK)
    {
      lsc__error_set (error, LSC_ERROR_SQLITE, "cannot check report %s: building the reference schema failed: %s",
                      path, ref ? sqlite3_errmsg (ref) : sqlite3_errstr (rc));
      sqlite3_close (ref);
      return NULL;
    }
  return ref;
}

sqlite3 *
lsc__reference_schema (const char *path, lsc_error *error)
{
  /* The caller holds the report open but passes only its path: a second read-only connection
   * reads the version (a report that will not open gets what every version has). */
  bool immutable = false;
  lsc_error ignored;
  sqlite3 *db = lsc__open_hardened (path, &immutable, &ignored);
  int64_t version = db ? lsc__schema_version (db) : 1;
  sqlite3_close (db);
  if (version < 1 || version > LSC_SCHEMA_VERSION)
    version = 1;
  return lsc__reference_schema_for (version, path, error);
}

typedef struct {
  char *name, *type;
  int64_t hidden;
} column_info;

static void
columns_free (column_info *cols, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (cols[i].name);
      free (cols[i].type);
    }
  free (cols);
}

static char *
column_dup (sqlite3_stmt *stmt, int col)
{
  const unsigned char *t = sqlite3_column_text (stmt, col);
  int n = sqlite3_column_bytes (stmt, col);
  if (!t)
    return strdup ("");
  char *s = malloc ((size_t) n + 1);
  if (s)
    {
      memcpy (s, t, (size_t) n);
      s[n] = '\0';
    }
  return s;
}

static int
table_columns (sqlite3 *db, const char *table, column_info **out, size_t *n_out)
{
  sqlite3_stmt *stmt = NULL;
  *out = NULL;
  *n_out = 0;
  int rc = sqlite3_prepare_v2 (db, "SELECT name, type, hidden FROM pragma_table_xinfo(?1)", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  column_info *cols = NULL;
  size_t n = 0, cap = 0;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (n == cap)
        {
          cap = cap ? cap * 2 : 32;
          column_info *c = realloc (cols, cap * sizeof *cols);
          if (!c)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          cols = c;
        }
      cols[n].name = column_dup (stmt, 0);
      cols[n].type = column_dup (stmt, 1);
      cols[n].hidden = sqlite3_column_int64 (stmt, 2);
      n++;
      if (!cols[n - 1].name || !cols[n - 1].type)
        {
          rc = SQLITE_NOMEM;
          break;
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      columns_free (cols, n);
      return rc;
    }
  *out = cols;
  *n_out = n;
  return SQLITE_OK;
}

/* A finding: passed to func, or (stop_at_first) turned into the error. */
static void
finding (lsc_check_func func, void *user_data, bool stop_at_first, lsc_error *error, const char *path,
         const char *fmt, ...) LSC__PRINTF (6, 7);

static void
finding (lsc_check_func func, void *user_data, bool stop_at_first, lsc_error *error, const char *path,
         const char *fmt, ...)
{
  char text[768];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (text, sizeof text, fmt, ap);
  va_end (ap);
  if (stop_at_first)
    lsc__error_set (error, LSC_ERROR_SCHEMA, "report %s does not have Launchscope's schema: %s", path, text);
  else if (func)
    func (true, text, user_data);
}

int
lsc__verify_schema (sqlite3 *db, sqlite3 *ref, const char *path, bool stop_at_first, lsc_check_func func,
                    void *user_data, lsc_error *error)
{
  sqlite3_stmt *tables = NULL, *lookup = NULL, *rowid_lookup = NULL;
  sqlite3 *failed = ref; /* the connection whose error message explains a failure */
  int problems = 0;
  int rc = sqlite3_prepare_v2 (ref,
                               "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
                               "ORDER BY rowid",
                               -1, &tables, NULL);
  if (rc == SQLITE_OK)
    {
      failed = db;
      rc = sqlite3_prepare_v2 (db, "SELECT type, sql FROM main.sqlite_schema WHERE name = ?1 COLLATE NOCASE", -1,
                               &lookup, NULL);
    }
  if (rc != SQLITE_OK)
    goto sqlite_fail;
  /* SQLite before 3.37 has no table_list: there, WITHOUT ROWID goes unchecked rather than
   * every report being refused. */
  if (sqlite3_prepare_v2 (db, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1 COLLATE NOCASE",
                          -1, &rowid_lookup, NULL) != SQLITE_OK)
    rowid_lookup = NULL;

  while ((rc = sqlite3_step (tables)) == SQLITE_ROW)
    {
      const char *table = (const char *) sqlite3_column_text (tables, 0);
      failed = db;
      sqlite3_reset (lookup);
      sqlite3_bind_text (lookup, 1, table, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (lookup);
      if (rc == SQLITE_DONE)
        {
          problems++;
          finding (func, user_data, stop_at_first, error, path, "table %s is missing", table);
          if (stop_at_first)
            goto out;
          continue;
        }
      if (rc != SQLITE_ROW)
        goto sqlite_fail;
      const char *type = (const char *) sqlite3_column_text (lookup, 0);
      const char *sql = (const char *) sqlite3_column_text (lookup, 1);
      if (!type || strcmp (type, "table") != 0)
        {
          problems++;
          finding (func, user_data, stop_at_first, error, path, "%s is a %s, not a table", table,
                   type ? type : "NULL");
          if (stop_at_first)
            goto out;
          continue;
        }
      if (sql && strncasecmp (sql, "CREATE VIRTUAL", 14) == 0)
        {
          problems++;
          finding (func, user_data, stop_at_first, error, path, "table %s is a virtual table", table);
          if (stop_at_first)
            goto out;
          continue;
        }
      /* Readers address rows by rowid (the app's lazy tables): such a table has none. */
      rc = SQLITE_DONE;
      if (rowid_lookup)
        {
          sqlite3_reset (rowid_lookup);
          sqlite3_bind_text (rowid_lookup, 1, table, -1, SQLITE_TRANSIENT);
          rc = sqlite3_step (rowid_lookup);
        }
      if (rc == SQLITE_ROW && sqlite3_column_int (rowid_lookup, 0) != 0)
        {
          problems++;
          finding (func, user_data, stop_at_first, error, path,
                   "table %s is declared WITHOUT ROWID, and Launchscope reads rows by rowid", table);
          if (stop_at_first)
            goto out;
          continue;
        }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        goto sqlite_fail;

      column_info *want = NULL, *have = NULL;
      size_t n_want = 0, n_have = 0;
      failed = ref;
      rc = table_columns (ref, table, &want, &n_want);
      if (rc == SQLITE_OK)
        {
          failed = db;
          rc = table_columns (db, table, &have, &n_have);
        }
      if (rc != SQLITE_OK)
        {
          columns_free (want, n_want);
          goto sqlite_fail;
        }
      for (size_t i = 0; i < n_want; i++)
        {
          const column_info *h = NULL;
          for (size_t j = 0; j < n_have && !h; j++)
            if (strcasecmp (want[i].name, have[j].name) == 0)
              h = &have[j];
          const char *what = NULL;
          char detail[256] = "";
          if (!h)
            what = "is missing";
          else if (h->hidden != 0)
            what = "is a generated or hidden column";
          else if (strcasecmp (h->type, want[i].type) != 0)
            {
              snprintf (detail, sizeof detail, "has type %.80s, expected %s", h->type[0] ? h->type : "(none)",
                        want[i].type);
              what = detail;
            }
          if (what)
            {
              problems++;
              finding (func, user_data, stop_at_first, error, path, "column %s.%s %s", table, want[i].name, what);
              if (stop_at_first)
                {
                  columns_free (want, n_want);
                  columns_free (have, n_have);
                  goto out;
                }
            }
        }
      columns_free (want, n_want);
      columns_free (have, n_have);
      failed = ref;
    }
  if (rc != SQLITE_DONE)
    goto sqlite_fail;
out:
  sqlite3_finalize (tables);
  sqlite3_finalize (lookup);
  sqlite3_finalize (rowid_lookup);
  return problems;

sqlite_fail:
  lsc__error_set (error, rc == SQLITE_NOMEM ? LSC_ERROR_NOMEM : lsc__error_code_from_sqlite (sqlite3_extended_errcode (failed)),
                  "cannot read the schema of report %s: %s", path,
                  rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg (failed));
  sqlite3_finalize (tables);
  sqlite3_finalize (lookup);
  sqlite3_finalize (rowid_lookup);
  return -1;
}

bool
lsc__verify_identity (sqlite3 *db, const char *path, lsc_error *error)
{
  char msg[512];
  int64_t app_id = 0, version = 0;
  int rc = query_int (db, "PRAGMA application_id", &app_id, msg, sizeof msg);
  if (rc == SQLITE_OK)
    rc = query_int (db, "PRAGMA user_version", &version, msg, sizeof msg);
  if (rc != SQLITE_OK)
    {
      lsc__error_set (error, lsc__error_code_from_sqlite (rc), "cannot read report %s: %s", path, msg);
      return false;
    }
  if ((uint32_t) app_id != (uint32_t) LSC_APPLICATION_ID)
    {
      lsc__error_set (error, LSC_ERROR_FOREIGN,
                      "foreign SQLite file: application_id 0x%08" PRIx32 " is not Launchscope's (0x%08x): %s",
                      (uint32_t) app_id, (unsigned) LSC_APPLICATION_ID, path);
      return false;
    }
  if (version > LSC_SCHEMA_VERSION)
    {
      lsc__error_set (error, LSC_ERROR_NEWER,
                      "report schema version %" PRId64
                      " is newer than this Launchscope understands (%d); upgrade Launchscope to read %s",
                      version, LSC_SCHEMA_VERSION, path);
      return false;
    }
  if (version < 1)
    {
      lsc__error_set (error, LSC_ERROR_OLDER,
                      "report %s has schema version %" PRId64 ", which this Launchscope cannot read (it reads versions "
                      "1 to %d)%s",
                      path, version, LSC_SCHEMA_VERSION,
                      version <= 0 ? "; the recorder may have stopped before writing the schema" : "");
      return false;
    }
  return true;
}
