/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-check.c — `check`: everything that can be wrong with a report, listed.
 *
 * Where lsc_report_open stops at the first reason to refuse a file, this goes on and names
 * every finding: SQLite's full integrity_check, each schema difference, objects a recorder
 * never writes (triggers, altered views), and row-level sanity that SQLite's constraints do
 * not enforce (references between tables, enum ranges, value types, counts).  The file is
 * opened with the same hardening as any report.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-file.h"
#include "lsc-report-private.h"

typedef struct {
  lsc_check_func func;
  void *user_data;
  int problems;
  const char *path;
} checker;

static void
report_finding (checker *c, bool problem, const char *fmt, ...) LSC__PRINTF (3, 4);

static void
report_finding (checker *c, bool problem, const char *fmt, ...)
{
  char text[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (text, sizeof text, fmt, ap);
  va_end (ap);
  if (problem)
    c->problems++;
  if (c->func)
    c->func (problem, text, c->user_data);
}

static void
count_problem (bool problem, const char *message, void *user_data)
{
  checker *c = user_data;
  if (problem)
    c->problems++;
  if (c->func)
    c->func (problem, message, c->user_data);
}

/* Runs a count query; returns the count, or -1 after reporting the SQLite failure. */
static int64_t
count_rows (checker *c, sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  int64_t n = -1;
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    report_finding (c, true, "a sanity query failed: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return n;
}

/* Reports a problem when the count query finds rows. */
static void
expect_none (checker *c, sqlite3 *db, const char *sql, const char *what)
{
  int64_t n = count_rows (c, db, sql);
  if (n > 0)
    report_finding (c, true, "%" PRId64 " %s", n, what);
}

/* Whitespace-insensitive comparison of CREATE statements. */
static bool
same_sql (const char *a, const char *b)
{
  if (!a || !b)
    return a == b;
  for (;;)
    {
      while (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r')
        a++;
      while (*b == ' ' || *b == '\n' || *b == '\t' || *b == '\r')
        b++;
      if (*a != *b)
        return false;
      if (!*a)
        return true;
      a++;
      b++;
    }
}

static void
check_objects (checker *c, sqlite3 *db, sqlite3 *ref)
{
  sqlite3_stmt *stmt = NULL, *lookup = NULL;
  /* Objects in the file: triggers never belong; views must be ours, unchanged. */
  if (sqlite3_prepare_v2 (db,
                          "SELECT type, name, tbl_name, sql FROM main.sqlite_schema WHERE type IN ('trigger', 'view') "
                          "ORDER BY type, name",
                          -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (ref, "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = ?1", -1, &lookup, NULL) !=
        SQLITE_OK)
    {
      report_finding (c, true, "cannot list the schema: %s", sqlite3_errmsg (db));
      goto out;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *type = (const char *) sqlite3_column_text (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      const char *table = (const char *) sqlite3_column_text (stmt, 2);
      const char *sql = (const char *) sqlite3_column_text (stmt, 3);
      if (!type || !name)
        continue;
      if (strcmp (type, "trigger") == 0)
        {
          report_finding (c, true, "unexpected trigger %.100s on %.100s (a recorder writes none; triggers are not run)",
                          name, table ? table : "?");
          continue;
        }
      sqlite3_reset (lookup);
      sqlite3_bind_text (lookup, 1, name, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (lookup) != SQLITE_ROW)
        report_finding (c, true, "unexpected view %.100s (Launchscope reads no views)", name);
      else if (!same_sql (sql, (const char *) sqlite3_column_text (lookup, 0)))
        report_finding (c, true, "view %.100s differs from Launchscope's definition (Launchscope reads no views)",
                        name);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  /* Views of ours the file lacks. */
  if (sqlite3_prepare_v2 (ref, "SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name", -1, &stmt, NULL) ==
      SQLITE_OK)
    {
      sqlite3_stmt *have = NULL;
      if (sqlite3_prepare_v2 (db, "SELECT 1 FROM main.sqlite_schema WHERE type = 'view' AND name = ?1", -1, &have,
                              NULL) == SQLITE_OK)
        while (sqlite3_step (stmt) == SQLITE_ROW)
          {
            const char *name = (const char *) sqlite3_column_text (stmt, 0);
            sqlite3_reset (have);
            sqlite3_bind_text (have, 1, name, -1, SQLITE_TRANSIENT);
            if (sqlite3_step (have) != SQLITE_ROW)
              report_finding (c, true, "view %s is missing", name);
          }
      sqlite3_finalize (have);
    }
out:
  sqlite3_finalize (stmt);
  sqlite3_finalize (lookup);
}

/* Values whose storage class does not match the declared type: SQLite stores what it is given
 * unless the table is STRICT, so a hostile or damaged file can hold text in host_ns. */
static void
check_value_types (checker *c, sqlite3 *db, sqlite3 *ref)
{
  static const char *const tables[] = { "session", "kernel", "spec", "launch", "event", "gpu_activity" };
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
    {
      sqlite3_stmt *cols = NULL;
      if (sqlite3_prepare_v2 (ref, "SELECT name, type, \"notnull\" FROM pragma_table_info(?1)", -1, &cols, NULL) !=
          SQLITE_OK)
        continue;
      sqlite3_bind_text (cols, 1, tables[t], -1, SQLITE_STATIC);
      while (sqlite3_step (cols) == SQLITE_ROW)
        {
          const char *name = (const char *) sqlite3_column_text (cols, 0);
          const char *type = (const char *) sqlite3_column_text (cols, 1);
          bool notnull = sqlite3_column_int (cols, 2) != 0;
          const char *allowed = strcmp (type, "INTEGER") == 0 ? "'integer'"
                                : strcmp (type, "REAL") == 0  ? "'real', 'integer'"
                                                              : "'text'";
          char sql[512], what[256];
          snprintf (sql, sizeof sql, "SELECT count(*) FROM main.\"%s\" WHERE typeof(\"%s\") NOT IN (%s%s)", tables[t],
                    name, allowed, notnull ? "" : ", 'null'");
          snprintf (what, sizeof what, "%s rows have a %s that is not %s%s", tables[t], name,
                    strcmp (type, "INTEGER") == 0 ? "an integer" : strcmp (type, "REAL") == 0 ? "a number" : "text",
                    notnull ? " (NOT NULL)" : "");
          expect_none (c, db, sql, what);
        }
      sqlite3_finalize (cols);
    }
}

static void
check_rows (checker *c, sqlite3 *db)
{
  int64_t sessions = count_rows (c, db, "SELECT count(*) FROM main.session");
  if (sessions == 0)
    report_finding (c, true, "no session row");

  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2 (db, "SELECT id, start_ns, stop_ns, dropped_rows FROM main.session ORDER BY id", -1, &stmt,
                          NULL) == SQLITE_OK)
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        char holder[400];
        if (sqlite3_column_type (stmt, 2) == SQLITE_NULL && lsc__file_lock_held (c->path, NULL, holder, sizeof holder))
          report_finding (c, false, "session %" PRId64 " has no stop time: still being recorded by %s", id, holder);
        else if (sqlite3_column_type (stmt, 2) == SQLITE_NULL)
          report_finding (c, false,
                          "session %" PRId64 " has no stop time: nobody records it now (its recorder crashed or was "
                          "killed, or the report was copied while it was recorded)",
                          id);
        else if (sqlite3_column_int64 (stmt, 2) < sqlite3_column_int64 (stmt, 1))
          report_finding (c, true, "session %" PRId64 " stops before it starts", id);
        if (sqlite3_column_int64 (stmt, 3) < 0)
          report_finding (c, true, "session %" PRId64 " has a negative dropped_rows", id);
        else if (sqlite3_column_int64 (stmt, 3) > 0)
          report_finding (c, false, "session %" PRId64 " dropped %" PRId64 " rows (rings full)", id,
                          (int64_t) sqlite3_column_int64 (stmt, 3));
      }
  sqlite3_finalize (stmt);

  expect_none (c, db, "SELECT count(*) FROM main.kernel WHERE session_id NOT IN (SELECT id FROM main.session)",
               "kernel rows reference a missing session");
  expect_none (c, db, "SELECT count(*) FROM main.spec WHERE kernel_id NOT IN (SELECT id FROM main.kernel)",
               "spec rows reference a missing kernel");
  expect_none (c, db,
               "SELECT count(*) FROM (SELECT 1 FROM main.spec GROUP BY kernel_id, key HAVING count(*) > 1)",
               "spec keys appear more than once for the same kernel");
  expect_none (c, db, "SELECT count(*) FROM main.launch WHERE session_id NOT IN (SELECT id FROM main.session)",
               "launch rows reference a missing session");
  expect_none (c, db,
               "SELECT count(*) FROM main.launch WHERE kernel_id IS NOT NULL AND kernel_id NOT IN "
               "(SELECT id FROM main.kernel)",
               "launch rows reference a missing kernel");
  expect_none (c, db,
               "SELECT count(*) FROM main.launch WHERE spec_id IS NOT NULL AND spec_id NOT IN (SELECT id FROM main.spec)",
               "launch rows reference a missing spec");
  expect_none (c, db,
               "SELECT count(*) FROM main.launch AS l JOIN main.spec AS s ON s.id = l.spec_id "
               "WHERE l.kernel_id IS NOT s.kernel_id",
               "launch rows name a spec of another kernel");
  expect_none (c, db,
               "SELECT count(*) FROM main.launch AS l JOIN main.kernel AS k ON k.id = l.kernel_id "
               "WHERE k.session_id IS NOT l.session_id",
               "launch rows name a kernel of another session");
  expect_none (c, db, "SELECT count(*) FROM main.launch WHERE path NOT BETWEEN 0 AND 3",
               "launch rows have an unknown path");
  expect_none (c, db, "SELECT count(*) FROM main.launch WHERE outcome NOT BETWEEN 0 AND 3",
               "launch rows have an unknown outcome");
  expect_none (c, db, "SELECT count(*) FROM main.launch WHERE reason NOT BETWEEN 0 AND 9",
               "launch rows have an unknown fallback reason");
  expect_none (c, db, "SELECT count(*) FROM main.launch WHERE outcome = 2 AND reason = 0",
               "fallback launch rows have no reason");
  expect_none (c, db, "SELECT count(*) FROM main.launch WHERE outcome <> 2 AND reason <> 0",
               "launch rows that are not fallbacks carry a fallback reason");
  expect_none (c, db,
               "SELECT count(*) FROM main.launch WHERE host_ns < 0 OR api_ns < 0 OR gpu_ns < 0 OR resolve_ns < 0 OR "
               "bind_ns < 0 OR specialize_ns < 0 OR key_ns < 0 OR lookup_ns < 0 OR globals_ns < 0 OR "
               "metadata_ns < 0 OR launch_ns < 0",
               "launch rows have a negative duration");
  expect_none (c, db,
               "SELECT count(*) FROM main.launch AS l JOIN main.session AS s ON s.id = l.session_id "
               "WHERE l.start_ns < s.start_ns OR (s.stop_ns IS NOT NULL AND l.start_ns > s.stop_ns)",
               "launch rows start outside their session");
  expect_none (c, db,
               "SELECT count(*) FROM (SELECT 1 FROM main.launch WHERE correlation_id IS NOT NULL "
               "GROUP BY session_id, correlation_id HAVING count(*) > 1)",
               "CUPTI correlation ids appear on more than one launch row");
  expect_none (c, db, "SELECT count(*) FROM main.event WHERE session_id NOT IN (SELECT id FROM main.session)",
               "event rows reference a missing session");
  expect_none (c, db, "SELECT count(*) FROM main.gpu_activity WHERE session_id NOT IN (SELECT id FROM main.session)",
               "gpu_activity rows reference a missing session");
  expect_none (c, db, "SELECT count(*) FROM main.gpu_activity WHERE end_ns < start_ns",
               "gpu_activity rows end before they start");

  int64_t unknown_kinds = count_rows (
    c, db, "SELECT count(*) FROM main.event WHERE kind NOT IN ('toggle', 'fallback', 'error', 'compile', 'info')");
  if (unknown_kinds > 0)
    report_finding (c, false, "%" PRId64 " event rows have a kind this Launchscope does not know", unknown_kinds);
  /* IN (subquery) builds one temporary index: no scan of launch per row, with or without the
   * indexes a stopped recording adds. */
  int64_t unmatched = count_rows (c, db,
                                  "SELECT count(*) FROM main.gpu_activity WHERE correlation_id NOT IN (SELECT "
                                  "correlation_id FROM main.launch WHERE correlation_id IS NOT NULL)");
  if (unmatched > 0)
    report_finding (c, false, "%" PRId64 " kernel executions match no launch row (launched outside the engine?)",
                    unmatched);

  /* The engine's per-spec counters (written at stop) see every launch, the launch rows only
   * those not dropped: rows can never outnumber the counters of a stopped session.
   * A miss row is a miss or, since version 2, a wait. */
  char sql[768];
  snprintf (sql, sizeof sql,
            "WITH c AS (SELECT spec_id, sum(outcome = 0) AS h, sum(outcome = 1) AS m "
            "FROM main.launch WHERE spec_id IS NOT NULL GROUP BY spec_id) "
            "SELECT s.id, s.hits, s.misses, c.h, c.m, %s FROM c JOIN main.spec AS s ON s.id = c.spec_id "
            "JOIN main.kernel AS k ON k.id = s.kernel_id "
            "JOIN main.session AS ss ON ss.id = k.session_id WHERE ss.stop_ns IS NOT NULL",
            lsc__column_or_default (lsc__schema_version (db), "spec", "waits", "s.waits", "0"));
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK)
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        int64_t hits = sqlite3_column_int64 (stmt, 1), misses = sqlite3_column_int64 (stmt, 2);
        int64_t row_hits = sqlite3_column_int64 (stmt, 3), row_misses = sqlite3_column_int64 (stmt, 4);
        int64_t waits = sqlite3_column_int64 (stmt, 5);
        if (hits < 0 || misses < 0 || waits < 0)
          report_finding (c, true, "spec %" PRId64 " has negative hit, miss or wait counters", id);
        if (row_hits > hits)
          report_finding (c, true, "spec %" PRId64 ": %" PRId64 " hit launch rows but the spec counts %" PRId64 " hits",
                          id, row_hits, hits);
        if (row_misses > lsc__add_sat (misses, waits))
          report_finding (c, true,
                          "spec %" PRId64 ": %" PRId64 " miss launch rows but the spec counts %" PRId64
                          " misses and %" PRId64 " waits",
                          id, row_misses, misses, waits);
      }
  else
    report_finding (c, true, "a sanity query failed: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
}

int
lsc_report_check (const char *path, lsc_check_func func, void *user_data, lsc_error *error)
{
  checker c = { func, user_data, 0, path };
  lsc_error local;
  lsc_error_clear (error);
  bool immutable = false;
  sqlite3 *db = lsc__open_hardened (path, &immutable, &local);
  if (!db)
    {
      if (local.code == LSC_ERROR_IO || local.code == LSC_ERROR_USAGE || local.code == LSC_ERROR_NOMEM)
        {
          if (error)
            *error = local;
          return -1;
        }
      report_finding (&c, true, "%s", local.message);
      return c.problems;
    }
  if (immutable)
    report_finding (&c, false,
                    "opened immutable (its -shm could not be created): pages still in %s-wal are not checked", path);
  if (!lsc__verify_identity (db, path, &local))
    {
      /* Not ours, or not a version this build understands: nothing further is meaningful. */
      report_finding (&c, true, "%s", local.message);
      sqlite3_close (db);
      return c.problems;
    }

  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2 (db, "PRAGMA integrity_check(100)", -1, &stmt, NULL) == SQLITE_OK)
    {
      int rc;
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *line = (const char *) sqlite3_column_text (stmt, 0);
          if (line && strcmp (line, "ok") != 0)
            report_finding (&c, true, "integrity: %.900s", line);
        }
      if (rc != SQLITE_DONE)
        report_finding (&c, true, "integrity check stopped: %s", sqlite3_errmsg (db));
    }
  else
    report_finding (&c, true, "integrity check failed: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);

  sqlite3 *ref = lsc__reference_schema_for (lsc__schema_version (db), path, &local);
  if (!ref)
    {
      sqlite3_close (db);
      if (error)
        *error = local;
      return -1;
    }
  int schema_problems = lsc__verify_schema (db, ref, path, false, count_problem, &c, &local);
  if (schema_problems < 0)
    report_finding (&c, true, "%s", local.message);
  check_objects (&c, db, ref);
  /* Row checks query every table: only meaningful once the tables are there as expected. */
  if (schema_problems == 0)
    {
      sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
      check_value_types (&c, db, ref);
      check_rows (&c, db);
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    }
  else
    report_finding (&c, false, "row checks skipped: the schema is not Launchscope's");
  sqlite3_close (ref);
  sqlite3_close (db);
  return c.problems;
}
