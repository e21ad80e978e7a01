/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export-sqlite.c — a compacted copy of the report holding only Launchscope's
 * own schema objects (lsc_export_sqlite).
 */
#include <string.h>

#include "lsc-export-private.h"
#include "lsc-report-private.h"
#include "lsc-schema.h"

/* Leaves in the copy at path only Launchscope's own schema objects: a report from elsewhere
 * may carry triggers, views, indexes or tables of its own, which whatever opens the copy next
 * (perhaps less carefully than the reader) must not inherit.  Our views and indexes are put
 * back as we define them.  The copy's tables passed the reader's schema check when the report
 * opened.  Returns 0, or -1 with error set naming dest. */
static int
keep_own_objects (lsc_report *report, const char *path, const char *dest, lsc_error *error)
{
  sqlite3 *ref = lsc__reference_schema (lsc_report_path (report), error);
  sqlite3 *db = NULL;
  sqlite3_stmt *objects = NULL, *ours = NULL;
  char *script = NULL; /* the DROP and CREATE statements, run once the listing is finished */
  int rc;
  if (!ref)
    return -1;
  rc = sqlite3_exec (ref, LSC_SCHEMA_INDEX_SQL, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_extended_result_codes (db, 1);
      sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *) NULL);
      sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *) NULL);
      sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *) NULL);
      /* Triggers and views first: they may name the indexes and tables dropped after them. */
      rc = sqlite3_prepare_v2 (db,
                               "SELECT type, name, sql FROM main.sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' "
                               "ESCAPE '\\' ORDER BY CASE type WHEN 'trigger' THEN 0 WHEN 'view' THEN 1 "
                               "WHEN 'index' THEN 2 ELSE 3 END",
                               -1, &objects, NULL);
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (ref, "SELECT sql FROM sqlite_schema WHERE type = ?1 AND name = ?2 COLLATE NOCASE", -1,
                             &ours, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (objects)) == SQLITE_ROW)
    {
      const char *type = (const char *) sqlite3_column_text (objects, 0);
      const char *name = (const char *) sqlite3_column_text (objects, 1);
      const char *sql = (const char *) sqlite3_column_text (objects, 2);
      const char *keyword = !type                           ? NULL
                            : strcmp (type, "trigger") == 0 ? "TRIGGER"
                            : strcmp (type, "view") == 0    ? "VIEW"
                            : strcmp (type, "index") == 0   ? "INDEX"
                            : strcmp (type, "table") == 0   ? "TABLE"
                                                            : NULL;
      rc = SQLITE_OK;
      if (!keyword || !name)
        continue;
      sqlite3_reset (ours);
      sqlite3_bind_text (ours, 1, type, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (ours, 2, name, -1, SQLITE_TRANSIENT);
      const char *own = sqlite3_step (ours) == SQLITE_ROW ? (const char *) sqlite3_column_text (ours, 0) : NULL;
      /* Names as SQLite compares them: a table spelt LAUNCH is our launch. */
      if (own && sql && (strcmp (keyword, "TABLE") == 0 || strcmp (own, sql) == 0))
        continue;
      /* A view or index of ours that differs is replaced by our definition. */
      char *more = sqlite3_mprintf ("%zDROP %s main.\"%w\";\n%s%s", script, keyword, name, own ? own : "",
                                    own ? ";\n" : "");
      if (!more)
        rc = SQLITE_NOMEM;
      script = more;
    }
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  sqlite3_finalize (objects);
  sqlite3_finalize (ours);
  if (rc == SQLITE_OK && script)
    {
      rc = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, script, NULL, NULL, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
      /* What was dropped left free pages: the copy stays compacted, as VACUUM INTO made it. */
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, "VACUUM", NULL, NULL, NULL);
    }
  sqlite3_free (script);
  if (rc != SQLITE_OK)
    {
      if (db)
        lsc__export_dest_error (error, db, dest);
      else
        lsc__error_set (error, lsc__error_code_from_sqlite (rc), "cannot write %s: %s", dest, sqlite3_errstr (rc));
    }
  if (db && sqlite3_close (db) != SQLITE_OK && rc == SQLITE_OK)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: closing it failed", dest);
      rc = SQLITE_ERROR;
    }
  sqlite3_close (ref);
  return rc == SQLITE_OK ? 0 : -1;
}

int
lsc_export_sqlite (lsc_report *report, const char *dest, bool force, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report");
      return -1;
    }
  lsc__out_file of;
  if (lsc__export_is_source (report, dest, error) || lsc__out_file_begin (&of, dest, force, false, error) != 0)
    return -1;
  lsc__out_file_release_fd (&of);
  sqlite3 *db = lsc_report_db (report);
  sqlite3_stmt *stmt = NULL;
  /* VACUUM INTO accepts an existing empty file: the temporary one just created.  query_only
   * would refuse it; the connection itself stays SQLITE_OPEN_READONLY, so the report cannot
   * be written meanwhile either. */
  int rc = sqlite3_exec (db, "PRAGMA query_only=OFF", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "VACUUM INTO ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, of.tmp_path, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      /* Before the next statement resets them. */
      int sys = sqlite3_system_errno (db);
      lsc__error_set (error, lsc__error_code_from_sqlite (sqlite3_extended_errcode (db)), "cannot write %s: %s%s%s%s",
                      dest, sqlite3_errmsg (db), sys ? " (" : "", sys ? strerror (sys) : "", sys ? ")" : "");
      sqlite3_finalize (stmt);
      sqlite3_exec (db, "PRAGMA query_only=ON", NULL, NULL, NULL);
      lsc__out_file_abort (&of);
      return -1;
    }
  sqlite3_finalize (stmt);
  sqlite3_exec (db, "PRAGMA query_only=ON", NULL, NULL, NULL);
  if (keep_own_objects (report, of.tmp_path, dest, error) != 0)
    {
      lsc__out_file_abort (&of);
      return -1;
    }
  return lsc__out_file_commit (&of, force, error);
}
