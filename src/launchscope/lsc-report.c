/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report.c — opening a report as untrusted input, verifying it, and its summary.
 *
 * Threat model: a report may come from anywhere (a colleague, a bug tracker).  SQLite's own
 * advice for untrusted databases is followed: read-only, SQLITE_DBCONFIG_DEFENSIVE,
 * trusted_schema off (no non-innocuous functions or virtual tables reachable from the
 * schema), triggers off, bounded string length, cell_size_check, no mmap, and a quick_check
 * before use.  The reader's SQL touches base tables only, never views the file defines, and
 * everything computed (percentiles, counts) is computed here, so a view or lookup table
 * rigged to lie changes nothing.  Values are read with column types checked: a TEXT in an
 * INTEGER column is data, not a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lsc-file.h"
#include "lsc-report-private.h"
#include "lsc-schema.h"

/* Longest string or blob a report may hold.  The largest legitimate values are kernel
 * signatures and settings JSON, far below this; a hostile 1 GiB row fails cleanly with
 * SQLITE_TOOBIG instead of exhausting memory. */
#define LSC_MAX_VALUE_BYTES (16 << 20)
#define LSC_MAX_SQL_BYTES (1 << 20)
#define LSC_BUSY_TIMEOUT_MS 5000

struct lsc_report {
  sqlite3 *db;
  char *path;
  char *warning;
  const volatile sig_atomic_t *interrupt;
  int64_t schema_version;
};

/* Columns added after version 1.  A report of an older version lacks them, and readers take the
 * column's default; the reference schema leaves them out, so what it lists is what every
 * readable version has.  A report of their version or later must have them. */
static const struct {
  const char *table, *column;
  int64_t since;
} added_columns[] = {
  { "spec", "waits", 2 },
};

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

const char *const lsc_event_kind_names[LSC_EVENT_KIND_COUNT] = {
  "toggle", "fallback", "error", "compile", "info", "other",
};

/* ---- errors --------------------------------------------------------------------------- */

void
lsc_error_clear (lsc_error *error)
{
  if (error)
    {
      error->code = LSC_ERROR_NONE;
      error->message[0] = '\0';
    }
}

void
lsc__error_set (lsc_error *error, lsc_error_code code, const char *fmt, ...)
{
  if (!error)
    return;
  va_list ap;
  va_start (ap, fmt);
  error->code = code;
  vsnprintf (error->message, sizeof error->message, fmt, ap);
  va_end (ap);
}

lsc_error_code
lsc__error_code_from_sqlite (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_NOTADB: return LSC_ERROR_NOT_SQLITE;
    case SQLITE_CORRUPT: return LSC_ERROR_CORRUPT;
    case SQLITE_NOMEM: return LSC_ERROR_NOMEM;
    case SQLITE_INTERRUPT: return LSC_ERROR_INTERRUPTED;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PERM:
    case SQLITE_READONLY: return LSC_ERROR_IO;
    default: return LSC_ERROR_SQLITE;
    }
}

/* ---- names ---------------------------------------------------------------------------- */

static const char *const path_names[LSC_PATH_COUNT] = { "fast", "default", "raw", "graph" };
static const char *const outcome_names[LSC_OUTCOME_COUNT] = { "hit", "miss", "fallback", "default" };
static const char *const reason_names[LSC_REASON_COUNT] = {
  "none",    "skip-env",        "priming-failed",  "skip-switch",       "capture",
  "context-changed", "globals-changed", "constexpr-changed", "arguments", "table-full",
};

const char *
lsc_path_name (int64_t path)
{
  return path >= 0 && path < LSC_PATH_COUNT ? path_names[path] : "unknown";
}

const char *
lsc_outcome_name (int64_t outcome)
{
  return outcome >= 0 && outcome < LSC_OUTCOME_COUNT ? outcome_names[outcome] : "unknown";
}

const char *
lsc_reason_name (int64_t reason)
{
  return reason >= 0 && reason < LSC_REASON_COUNT ? reason_names[reason] : "unknown";
}

/* ---- hardened open -------------------------------------------------------------------- */

/* Percent-encodes path into a file: URI (RFC 3986 unreserved characters and '/' kept), so a
 * file name containing '?' or '#' cannot smuggle URI parameters. */
static char *
immutable_uri (const char *path)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t len = strlen (path);
  char *uri = malloc (len * 3 + sizeof "file:?immutable=1");
  if (!uri)
    return NULL;
  char *o = stpcpy (uri, "file:");
  for (const unsigned char *p = (const unsigned char *) path; *p; p++)
    {
      unsigned char c = *p;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_' || c == '~' || c == '/')
        *o++ = (char) c;
      else
        {
          *o++ = '%';
          *o++ = hex[c >> 4];
          *o++ = hex[c & 15];
        }
    }
  strcpy (o, "?immutable=1");
  return uri;
}

static void
configure_hardened (sqlite3 *db)
{
  sqlite3_extended_result_codes (db, 1);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *) NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *) NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *) NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *) NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DQS_DML, 0, (int *) NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *) NULL);
  /* Views stay enabled: check compares the file's views against ours, and nothing here ever
   * selects from one. */
  sqlite3_limit (db, SQLITE_LIMIT_LENGTH, LSC_MAX_VALUE_BYTES);
  sqlite3_limit (db, SQLITE_LIMIT_SQL_LENGTH, LSC_MAX_SQL_BYTES);
  sqlite3_busy_timeout (db, LSC_BUSY_TIMEOUT_MS);
}

/* Opens and forces the first read (the schema), where SQLite finds out whether the file is a
 * database, whether it is corrupt, and whether its WAL can be read.  Returns the SQLite code of
 * the first failing step; *out is the connection (closed on failure). */
static int
try_open (const char *name, bool uri, sqlite3 **out, char *msg, size_t msg_size)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0);
  int rc = sqlite3_open_v2 (name, &db, flags, NULL);
  if (rc == SQLITE_OK)
    {
      configure_hardened (db);
      rc = sqlite3_exec (db,
                         "PRAGMA trusted_schema=OFF; PRAGMA cell_size_check=ON; PRAGMA mmap_size=0;"
                         "PRAGMA query_only=ON; SELECT count(*) FROM sqlite_schema;",
                         NULL, NULL, NULL);
    }
  if (rc != SQLITE_OK)
    {
      snprintf (msg, msg_size, "%s", db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      rc = db ? sqlite3_extended_errcode (db) : rc;
      sqlite3_close (db);
      db = NULL;
    }
  *out = db;
  return rc;
}

sqlite3 *
lsc__open_hardened (const char *path, bool *immutable, lsc_error *error)
{
  *immutable = false;
  if (!path || !*path)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report file given");
      return NULL;
    }
  /* Look at the header ourselves first: SQLite opens a non-database lazily and would call an
   * empty file an empty database.  O_NONBLOCK and fstat on what was opened: a FIFO must be
   * refused, not waited on. */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  struct stat st;
  if (fd < 0)
    {
      int e = errno;
      /* A socket cannot be opened at all: name what it is rather than ENXIO. */
      if (stat (path, &st) == 0 && !S_ISREG (st.st_mode))
        lsc__error_set (error, LSC_ERROR_IO, "cannot open report %s: it is %s, not a regular file", path,
                        lsc__file_kind_name (st.st_mode));
      else
        lsc__error_set (error, LSC_ERROR_IO, "cannot open report %s: %s", path, strerror (e));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot open report %s: it is %s, not a regular file", path,
                      lsc__file_kind_name (st.st_mode));
      close (fd);
      return NULL;
    }
  char side[4200], kind[64];
  if (!lsc__side_files_replaceable (path, side, sizeof side, kind, sizeof kind))
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot open report %s: %s beside it is %s, not a regular file", path, side,
                      kind);
      close (fd);
      return NULL;
    }
  unsigned char header[100];
  size_t got = 0;
  while (got < sizeof header)
    {
      ssize_t n = read (fd, header + got, sizeof header - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          close (fd);
          lsc__error_set (error, LSC_ERROR_IO, "cannot read report %s: %s", path, strerror (e));
          return NULL;
        }
      if (n == 0)
        break;
      got += (size_t) n;
    }
  close (fd);
  if (got == 0)
    {
      lsc__error_set (error, LSC_ERROR_NOT_SQLITE, "not a Launchscope report: %s is empty", path);
      return NULL;
    }
  if (got < sizeof header || memcmp (header, "SQLite format 3", 16) != 0)
    {
      lsc__error_set (error, LSC_ERROR_NOT_SQLITE, "not a Launchscope report: %s is not an SQLite database", path);
      return NULL;
    }
  bool wal = header[18] == 2 || header[19] == 2;

  char msg[512];
  sqlite3 *db = NULL;
  lsc__sqlite_refuse_special_files ();
  int rc = try_open (path, false, &db, msg, sizeof msg);
  /* A read-only connection to a WAL database needs the -shm file, and creates it when it is
   * missing — impossible in a read-only directory or on a read-only medium.  immutable=1 opens
   * without -shm and without locks; the cost is that pages still only in the -wal (a report
   * being written, or left by a crash before a checkpoint) are not seen, which the caller is
   * told through lsc_report_warning. */
  if (rc != SQLITE_OK && wal && (rc & 0xff) != SQLITE_NOTADB && (rc & 0xff) != SQLITE_CORRUPT &&
      (rc & 0xff) != SQLITE_NOMEM)
    {
      char *uri = immutable_uri (path);
      if (!uri)
        {
          lsc__error_set (error, LSC_ERROR_NOMEM, "cannot open report %s: out of memory", path);
          return NULL;
        }
      char msg2[512];
      int rc2 = try_open (uri, true, &db, msg2, sizeof msg2);
      free (uri);
      if (rc2 == SQLITE_OK)
        {
          *immutable = true;
          rc = SQLITE_OK;
        }
    }
  if (rc != SQLITE_OK)
    {
      lsc_error_code code = lsc__error_code_from_sqlite (rc);
      if (code == LSC_ERROR_NOT_SQLITE)
        lsc__error_set (error, code, "not a Launchscope report: %s is not an SQLite database", path);
      else if (code == LSC_ERROR_CORRUPT)
        lsc__error_set (error, code, "report %s is corrupt: %s", path, msg);
      else
        lsc__error_set (error, code, "cannot open report %s: %s", path, msg);
      return NULL;
    }
  return db;
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

/* Whether path-wal exists and holds frames: data an immutable open cannot see. */
static bool
wal_pending (const char *path)
{
  size_t n = strlen (path) + 5;
  char *wal = malloc (n);
  struct stat st;
  bool pending = false;
  if (wal)
    {
      snprintf (wal, n, "%s-wal", path);
      pending = stat (wal, &st) == 0 && st.st_size > 0;
      free (wal);
    }
  return pending;
}

/* After an immutable open, a failed verification most likely means the schema or rows are
 * still in the -wal: say that rather than "foreign file" or "table missing". */
static void
explain_immutable (lsc_error *error, const char *path)
{
  if (!wal_pending (path))
    return;
  lsc__error_set (error, LSC_ERROR_IO,
                  "cannot read report %s: it is in WAL mode with data in %s-wal, and %s-shm cannot be created "
                  "(read-only directory or medium?); copy the report and its -wal to a writable directory",
                  path, path, path);
}

lsc_report *
lsc_report_open (const char *path, unsigned flags, lsc_error *error)
{
  lsc_error_clear (error);
  bool immutable = false;
  sqlite3 *db = lsc__open_hardened (path, &immutable, error);
  if (!db)
    return NULL;
  if (!lsc__verify_identity (db, path, error))
    {
      if (immutable)
        explain_immutable (error, path);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3 *ref = lsc__reference_schema_for (lsc__schema_version (db), path, error);
  if (!ref)
    {
      sqlite3_close (db);
      return NULL;
    }
  int problems = lsc__verify_schema (db, ref, path, true, NULL, NULL, error);
  sqlite3_close (ref);
  if (problems != 0)
    {
      if (immutable && problems > 0)
        explain_immutable (error, path);
      sqlite3_close (db);
      return NULL;
    }
  if (!(flags & LSC_REPORT_OPEN_NO_QUICK_CHECK))
    {
      sqlite3_stmt *stmt = NULL;
      int rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check(1)", -1, &stmt, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_step (stmt);
      const char *result = rc == SQLITE_ROW ? (const char *) sqlite3_column_text (stmt, 0) : NULL;
      if (rc != SQLITE_ROW || !result || strcmp (result, "ok") != 0)
        {
          if (rc == SQLITE_ROW)
            lsc__error_set (error, LSC_ERROR_CORRUPT, "report %s is corrupt: %.300s", path,
                            result ? result : "quick_check returned nothing");
          else
            lsc__error_set (error, lsc__error_code_from_sqlite (sqlite3_extended_errcode (db)) == LSC_ERROR_SQLITE
                                       ? LSC_ERROR_CORRUPT
                                       : lsc__error_code_from_sqlite (sqlite3_extended_errcode (db)),
                            "report %s is corrupt: %s", path, sqlite3_errmsg (db));
          sqlite3_finalize (stmt);
          sqlite3_close (db);
          return NULL;
        }
      sqlite3_finalize (stmt);
    }

  lsc_report *report = calloc (1, sizeof *report);
  if (report)
    report->path = strdup (path);
  if (report && immutable)
    {
      const char *note = "opened immutable (its -shm could not be created): rows not yet checkpointed from %s-wal "
                         "are not shown";
      if (wal_pending (path))
        {
          size_t n = strlen (note) + strlen (path) + 1;
          report->warning = malloc (n);
          if (report->warning)
            snprintf (report->warning, n, note, path);
        }
    }
  if (!report || !report->path)
    {
      if (report)
        free (report->path);
      free (report);
      sqlite3_close (db);
      lsc__error_set (error, LSC_ERROR_NOMEM, "cannot open report %s: out of memory", path);
      return NULL;
    }
  report->db = db;
  report->schema_version = lsc__schema_version (db);
  return report;
}

void
lsc_report_free (lsc_report *report)
{
  if (!report)
    return;
  sqlite3_close (report->db);
  free (report->path);
  free (report->warning);
  free (report);
}

const char *
lsc_report_path (const lsc_report *report)
{
  return report ? report->path : NULL;
}

static int
interrupt_requested (void *data)
{
  const lsc_report *report = data;
  return *report->interrupt != 0;
}

void
lsc_report_set_interrupt (lsc_report *report, const volatile sig_atomic_t *flag)
{
  if (!report)
    return;
  report->interrupt = flag;
  /* Every 1000 virtual machine steps: well under a millisecond, and nothing measurable. */
  sqlite3_progress_handler (report->db, flag ? 1000 : 0, flag ? interrupt_requested : NULL, report);
}

bool
lsc_report_being_recorded (const lsc_report *report, char *holder, size_t holder_size)
{
  if (holder_size)
    holder[0] = '\0';
  return report && lsc__file_lock_held (report->path, NULL, holder, holder_size);
}

const char *
lsc_report_warning (const lsc_report *report)
{
  return report ? report->warning : NULL;
}

sqlite3 *
lsc_report_db (lsc_report *report)
{
  return report ? report->db : NULL;
}

/* ---- summary -------------------------------------------------------------------------- */

typedef struct {
  int64_t *v;
  size_t n, cap;
} i64_vec;

static bool
vec_push (i64_vec *vec, int64_t x)
{
  if (vec->n == vec->cap)
    {
      size_t cap = vec->cap ? vec->cap * 2 : 64;
      int64_t *v = realloc (vec->v, cap * sizeof *v);
      if (!v)
        return false;
      vec->v = v;
      vec->cap = cap;
    }
  vec->v[vec->n++] = x;
  return true;
}

static int
cmp_i64 (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return (x > y) - (x < y);
}

/* Nearest rank: the value at rank ceil(pct/100 * n) of sorted v (ranks from 1). */
static int64_t
nearest_rank (const int64_t *sorted, size_t n, unsigned pct)
{
  if (n == 0)
    return 0;
  uint64_t rank = ((uint64_t) pct * n + 99) / 100;
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return sorted[rank - 1];
}

static char *
dup_text (sqlite3_stmt *stmt, int col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  const unsigned char *t = sqlite3_column_text (stmt, col);
  if (!t)
    return NULL;
  return lsc__utf8_valid_dup ((const char *) t, strnlen ((const char *) t, (size_t) sqlite3_column_bytes (stmt, col)));
}

static bool
col_int (sqlite3_stmt *stmt, int col, int64_t *out)
{
  if (sqlite3_column_type (stmt, col) != SQLITE_INTEGER)
    return false;
  *out = sqlite3_column_int64 (stmt, col);
  return true;
}

static bool
col_real (sqlite3_stmt *stmt, int col, double *out)
{
  int t = sqlite3_column_type (stmt, col);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT)
    return false;
  *out = sqlite3_column_double (stmt, col);
  return isfinite (*out);
}

static void
spec_clear (lsc_spec_summary *s)
{
  free (s->description);
  free (s->ptr_alignment);
  free (s->int_classes);
  free (s->instrumentation);
}

static void
session_clear (lsc_session_summary *s)
{
  free (s->host);
  free (s->gpu);
  free (s->toolkit);
  free (s->nvrtc);
  free (s->cpu);
  free (s->settings);
  free (s->workload);
  free (s->start_wall);
  free (s->cupti_mode);
  free (s->cupti_status);
  for (size_t i = 0; i < s->n_specs; i++)
    spec_clear (&s->specs[i]);
  free (s->specs);
  for (size_t i = 0; i < s->n_kernel_list; i++)
    free (s->kernel_list[i].name);
  free (s->kernel_list);
}

void
lsc_report_summary_free (lsc_report_summary *summary)
{
  if (!summary)
    return;
  for (size_t i = 0; i < summary->n_sessions; i++)
    session_clear (&summary->sessions[i]);
  free (summary->sessions);
  free (summary->path);
  free (summary->being_recorded_by);
  free (summary);
}

static lsc_session_summary *
find_session (lsc_report_summary *sum, int64_t id)
{
  size_t lo = 0, hi = sum->n_sessions;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (sum->sessions[mid].id < id)
        lo = mid + 1;
      else if (sum->sessions[mid].id > id)
        hi = mid;
      else
        return &sum->sessions[mid];
    }
  return NULL;
}

/* Where a spec id lives: its session and index there, and its host_ns values. */
typedef struct {
  int64_t id;
  lsc_session_summary *session;
  size_t index;
  i64_vec values;
} spec_slot;

static spec_slot *
find_spec (spec_slot *slots, size_t n, int64_t id)
{
  size_t lo = 0, hi = n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (slots[mid].id < id)
        lo = mid + 1;
      else if (slots[mid].id > id)
        hi = mid;
      else
        return &slots[mid];
    }
  return NULL;
}

static int
load_sessions (sqlite3 *db, lsc_report_summary *sum)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT id, host, gpu, driver_version, toolkit, nvrtc, cpu, settings, workload, "
                               "start_ns, stop_ns, start_wall, dropped_rows, observer_overhead_ns, cupti_mode, "
                               "cupti_status, raw_floor_p50_ns FROM main.session ORDER BY id",
                               -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  size_t cap = 0;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (sqlite3_column_type (stmt, 0) != SQLITE_INTEGER)
        continue; /* a session the launches cannot reference; `check` names it */
      if (sum->n_sessions == cap)
        {
          cap = cap ? cap * 2 : 4;
          lsc_session_summary *s = realloc (sum->sessions, cap * sizeof *s);
          if (!s)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          sum->sessions = s;
        }
      lsc_session_summary *s = &sum->sessions[sum->n_sessions++];
      memset (s, 0, sizeof *s);
      s->id = sqlite3_column_int64 (stmt, 0);
      s->host = dup_text (stmt, 1);
      s->gpu = dup_text (stmt, 2);
      s->has_driver_version = col_int (stmt, 3, &s->driver_version);
      s->toolkit = dup_text (stmt, 4);
      s->nvrtc = dup_text (stmt, 5);
      s->cpu = dup_text (stmt, 6);
      s->settings = dup_text (stmt, 7);
      s->workload = dup_text (stmt, 8);
      col_int (stmt, 9, &s->start_ns);
      s->stopped = col_int (stmt, 10, &s->stop_ns);
      s->start_wall = dup_text (stmt, 11);
      col_int (stmt, 12, &s->dropped_rows);
      s->has_observer_overhead = col_real (stmt, 13, &s->observer_overhead_ns);
      s->cupti_mode = dup_text (stmt, 14);
      s->cupti_status = dup_text (stmt, 15);
      s->has_raw_floor = col_real (stmt, 16, &s->raw_floor_p50_ns);
      if (s->settings)
        {
          s->has_pid = lsc__json_find_int (s->settings, "pid", &s->pid);
          s->has_rank = lsc__json_find_int (s->settings, "rank", &s->rank);
          s->has_local_rank = lsc__json_find_int (s->settings, "local_rank", &s->local_rank);
        }
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Each kernel's name once, in its session: specs point at it, so that a long name shared by
 * many specs is neither copied nor read once per spec. */
static int
load_kernel_names (sqlite3 *db, lsc_report_summary *sum)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT id, session_id, name FROM main.kernel ORDER BY id", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t id, session_id;
      lsc_session_summary *sess = col_int (stmt, 1, &session_id) ? find_session (sum, session_id) : NULL;
      if (!sess || !col_int (stmt, 0, &id) ||
          (sess->n_kernel_list > 0 && sess->kernel_list[sess->n_kernel_list - 1].id == id))
        continue;
      /* Capacity doubles at each power of two. */
      size_t n = sess->n_kernel_list;
      if ((n & (n - 1)) == 0)
        {
          lsc_kernel_summary *v = realloc (sess->kernel_list, (n ? n * 2 : 1) * sizeof *v);
          if (!v)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          sess->kernel_list = v;
        }
      lsc_kernel_summary *k = &sess->kernel_list[n];
      memset (k, 0, sizeof *k);
      k->id = id;
      if (sqlite3_column_type (stmt, 2) != SQLITE_NULL && !(k->name = dup_text (stmt, 2)))
        {
          rc = SQLITE_NOMEM;
          break;
        }
      sess->n_kernel_list++;
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static lsc_kernel_summary *
find_kernel (const lsc_session_summary *sess, int64_t id)
{
  size_t lo = 0, hi = sess->n_kernel_list;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (sess->kernel_list[mid].id < id)
        lo = mid + 1;
      else if (sess->kernel_list[mid].id > id)
        hi = mid;
      else
        return &sess->kernel_list[mid];
    }
  return NULL;
}

static const char *
find_kernel_name (const lsc_session_summary *sess, int64_t id)
{
  const lsc_kernel_summary *k = find_kernel (sess, id);
  return k ? k->name : NULL;
}

static int
load_specs (sqlite3 *db, lsc_report_summary *sum, spec_slot **slots_out, size_t *n_slots_out)
{
  sqlite3_stmt *stmt = NULL;
  spec_slot *slots = NULL;
  size_t n_slots = 0, cap = 0;
  char sql[512];
  snprintf (sql, sizeof sql,
            "SELECT s.id, s.kernel_id, s.key, s.description, s.ptr_alignment, s.int_classes, s.debug, "
            "s.instrumentation, s.compile_hook, s.compile_ms, s.hits, s.misses, k.session_id, %s "
            "FROM main.spec AS s LEFT JOIN main.kernel AS k ON k.id = s.kernel_id ORDER BY s.id",
            lsc__column_or_default (sum->schema_version, "spec", "waits", "s.waits", "0"));
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t id, session_id;
      if (!col_int (stmt, 0, &id) || !col_int (stmt, 12, &session_id))
        continue; /* orphan spec: no kernel or no session; `check` names it */
      lsc_session_summary *sess = find_session (sum, session_id);
      if (!sess)
        continue;
      if (n_slots == cap)
        {
          cap = cap ? cap * 2 : 16;
          spec_slot *s = realloc (slots, cap * sizeof *s);
          if (!s)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          slots = s;
        }
      lsc_spec_summary *specs = realloc (sess->specs, (sess->n_specs + 1) * sizeof *specs);
      if (!specs)
        {
          rc = SQLITE_NOMEM;
          break;
        }
      sess->specs = specs;
      lsc_spec_summary *sp = &sess->specs[sess->n_specs];
      memset (sp, 0, sizeof *sp);
      sp->id = id;
      col_int (stmt, 1, &sp->kernel_id);
      col_int (stmt, 2, &sp->key);
      sp->description = dup_text (stmt, 3);
      sp->ptr_alignment = dup_text (stmt, 4);
      sp->int_classes = dup_text (stmt, 5);
      col_int (stmt, 6, &sp->debug);
      sp->instrumentation = dup_text (stmt, 7);
      col_int (stmt, 8, &sp->compile_hook);
      sp->has_compile_ms = col_real (stmt, 9, &sp->compile_ms);
      col_int (stmt, 10, &sp->hits);
      col_int (stmt, 11, &sp->misses);
      col_int (stmt, 13, &sp->waits);
      sp->kernel_name = find_kernel_name (sess, sp->kernel_id);
      slots[n_slots] = (spec_slot) { .id = id, .session = sess, .index = sess->n_specs };
      n_slots++;
      sess->n_specs++;
    }
  sqlite3_finalize (stmt);
  *slots_out = slots;
  *n_slots_out = n_slots;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static size_t
event_kind_index (const unsigned char *kind)
{
  if (!kind)
    return LSC_EVENT_KIND_COUNT - 1;
  for (size_t i = 0; i + 1 < LSC_EVENT_KIND_COUNT; i++)
    if (strcmp ((const char *) kind, lsc_event_kind_names[i]) == 0)
      return i;
  return LSC_EVENT_KIND_COUNT - 1;
}

lsc_report_summary *
lsc_report_summarize (lsc_report *report, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report");
      return NULL;
    }
  sqlite3 *db = report->db;
  lsc_report_summary *sum = calloc (1, sizeof *sum);
  spec_slot *slots = NULL;
  size_t n_slots = 0;
  i64_vec *path_values = NULL;
  i64_vec *kernel_values = NULL; /* each session's kernels in turn, from kernel_base[session] */
  size_t *kernel_base = NULL, n_kernel_values = 0;
  sqlite3_stmt *stmt = NULL;
  bool began = false;
  int rc = SQLITE_NOMEM;
  if (!sum || !(sum->path = strdup (report->path)))
    goto fail;
  sum->schema_version = report->schema_version;
  char holder[400];
  if (lsc_report_being_recorded (report, holder, sizeof holder) && !(sum->being_recorded_by = strdup (holder)))
    goto fail;

  /* Everything below reads one consistent snapshot, even while a recorder appends (inside
   * the caller's transaction when it has one open). */
  began = sqlite3_get_autocommit (db) != 0;
  if (began && (rc = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK)
    {
      began = false;
      goto fail;
    }
  rc = load_sessions (db, sum);
  if (rc == SQLITE_OK)
    rc = load_kernel_names (db, sum);
  if (rc == SQLITE_OK)
    rc = load_specs (db, sum, &slots, &n_slots);
  if (rc != SQLITE_OK)
    goto fail;

  path_values = calloc (sum->n_sessions * (LSC_PATH_COUNT + 1) + 1, sizeof *path_values);
  kernel_base = calloc (sum->n_sessions + 1, sizeof *kernel_base);
  for (size_t si = 0; kernel_base && si < sum->n_sessions; si++)
    {
      kernel_base[si] = n_kernel_values;
      n_kernel_values += sum->sessions[si].n_kernel_list;
    }
  kernel_values = calloc (n_kernel_values + 1, sizeof *kernel_values);
  if (!path_values || !kernel_base || !kernel_values)
    {
      rc = SQLITE_NOMEM;
      goto fail;
    }

  rc = sqlite3_prepare_v2 (db,
                           "SELECT session_id, path, spec_id, outcome, reason, status, host_ns, kernel_id FROM main.launch", -1,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id, path = -1, spec_id, outcome = -1, reason = -1, status = 1, host_ns;
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      if (!sess)
        {
          sum->orphan_launches++;
          continue;
        }
      col_int (stmt, 1, &path);
      col_int (stmt, 3, &outcome);
      col_int (stmt, 4, &reason);
      col_int (stmt, 5, &status);
      size_t pi = path >= 0 && path < LSC_PATH_COUNT ? (size_t) path : LSC_PATH_COUNT;
      size_t oi = outcome >= 0 && outcome < LSC_OUTCOME_COUNT ? (size_t) outcome : LSC_OUTCOME_COUNT;
      size_t ri = reason >= 0 && reason < LSC_REASON_COUNT ? (size_t) reason : LSC_REASON_COUNT;
      lsc_path_summary *ps = &sess->paths[pi];
      sess->launches++;
      ps->launches++;
      ps->outcomes[oi]++;
      if (oi == LSC_OUTCOME_FALLBACK)
        {
          ps->fallbacks_by_reason[ri]++;
          sess->fallbacks_by_reason[ri]++;
        }
      spec_slot *slot = col_int (stmt, 2, &spec_id) ? find_spec (slots, n_slots, spec_id) : NULL;
      lsc_spec_summary *sp = slot ? &slot->session->specs[slot->index] : NULL;
      if (sp)
        {
          sp->launches++;
          sp->launch_hits += oi == LSC_OUTCOME_HIT;
          sp->launch_misses += oi == LSC_OUTCOME_MISS;
          sp->launch_fallbacks += oi == LSC_OUTCOME_FALLBACK;
        }
      size_t si = (size_t) (sess - sum->sessions);
      int64_t kernel_id;
      lsc_kernel_summary *ks = col_int (stmt, 7, &kernel_id) ? find_kernel (sess, kernel_id) : NULL;
      i64_vec *kv = ks ? &kernel_values[kernel_base[si] + (size_t) (ks - sess->kernel_list)] : NULL;
      if (ks)
        ks->launches++;
      if (status != 0)
        {
          ps->errors++;
          if (ks)
            ks->errors++;
          continue;
        }
      if (!col_int (stmt, 6, &host_ns))
        continue;
      if (!vec_push (&path_values[si * (LSC_PATH_COUNT + 1) + pi], host_ns) || (sp && !vec_push (&slot->values, host_ns))
          || (kv && !vec_push (kv, host_ns)))
        {
          rc = SQLITE_NOMEM;
          goto fail;
        }
    }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);
  stmt = NULL;

  for (size_t si = 0; si < sum->n_sessions; si++)
    for (size_t pi = 0; pi <= LSC_PATH_COUNT; pi++)
      {
        i64_vec *vec = &path_values[si * (LSC_PATH_COUNT + 1) + pi];
        lsc_path_summary *ps = &sum->sessions[si].paths[pi];
        ps->count = (int64_t) vec->n;
        if (!vec->n)
          continue;
        qsort (vec->v, vec->n, sizeof *vec->v, cmp_i64);
        ps->p50_ns = nearest_rank (vec->v, vec->n, 50);
        ps->p90_ns = nearest_rank (vec->v, vec->n, 90);
        ps->p99_ns = nearest_rank (vec->v, vec->n, 99);
        ps->min_ns = vec->v[0];
        ps->max_ns = vec->v[vec->n - 1];
        long double total = 0;
        for (size_t i = 0; i < vec->n; i++)
          total += (long double) vec->v[i];
        ps->mean_ns = (double) (total / (long double) vec->n);
      }
  for (size_t si = 0; si < sum->n_sessions; si++)
    for (size_t k = 0; k < sum->sessions[si].n_kernel_list; k++)
      {
        i64_vec *vec = &kernel_values[kernel_base[si] + k];
        lsc_kernel_summary *ks = &sum->sessions[si].kernel_list[k];
        ks->count = (int64_t) vec->n;
        if (!vec->n)
          continue;
        qsort (vec->v, vec->n, sizeof *vec->v, cmp_i64);
        ks->p50_ns = nearest_rank (vec->v, vec->n, 50);
        ks->p90_ns = nearest_rank (vec->v, vec->n, 90);
        ks->p99_ns = nearest_rank (vec->v, vec->n, 99);
        vec->n = 0; /* reused for the gaps below */
      }

  /* Each launch's gap since the previous one on its thread returned.  A hostile file's sums
   * overflow into REAL in SQL and are skipped, as are negative gaps (clock steps). */
  rc = sqlite3_prepare_v2 (db,
                           "SELECT session_id, kernel_id, start_ns - lag(start_ns + host_ns) OVER "
                           "(PARTITION BY session_id, thread ORDER BY start_ns, id) FROM main.launch "
                           "WHERE status = 0 AND typeof(host_ns) = 'integer' AND typeof(start_ns) = 'integer'",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id, kernel_id, gap;
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      lsc_kernel_summary *ks = sess && col_int (stmt, 1, &kernel_id) ? find_kernel (sess, kernel_id) : NULL;
      if (!ks || !col_int (stmt, 2, &gap) || gap < 0)
        continue;
      size_t si = (size_t) (sess - sum->sessions);
      if (!vec_push (&kernel_values[kernel_base[si] + (size_t) (ks - sess->kernel_list)], gap))
        {
          rc = SQLITE_NOMEM;
          goto fail;
        }
    }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);
  stmt = NULL;
  for (size_t si = 0; si < sum->n_sessions; si++)
    for (size_t k = 0; k < sum->sessions[si].n_kernel_list; k++)
      {
        i64_vec *vec = &kernel_values[kernel_base[si] + k];
        lsc_kernel_summary *ks = &sum->sessions[si].kernel_list[k];
        ks->gap_count = (int64_t) vec->n;
        if (!vec->n)
          continue;
        qsort (vec->v, vec->n, sizeof *vec->v, cmp_i64);
        ks->gap_p50_ns = nearest_rank (vec->v, vec->n, 50);
        ks->gap_p90_ns = nearest_rank (vec->v, vec->n, 90);
      }
  for (size_t i = 0; i < n_slots; i++)
    {
      lsc_spec_summary *sp = &slots[i].session->specs[slots[i].index];
      sp->count = (int64_t) slots[i].values.n;
      if (slots[i].values.n)
        {
          qsort (slots[i].values.v, slots[i].values.n, sizeof (int64_t), cmp_i64);
          sp->p50_ns = nearest_rank (slots[i].values.v, slots[i].values.n, 50);
        }
    }

  rc = sqlite3_prepare_v2 (db, "SELECT session_id, kind, count(*) FROM main.event GROUP BY session_id, kind", -1,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id;
      int64_t n = sqlite3_column_int64 (stmt, 2);
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      if (!sess)
        {
          sum->orphan_events += n;
          continue;
        }
      const unsigned char *kind = sqlite3_column_type (stmt, 1) == SQLITE_TEXT ? sqlite3_column_text (stmt, 1) : NULL;
      sess->events_by_kind[event_kind_index (kind)] += n;
      sess->events += n;
    }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);

  rc = sqlite3_prepare_v2 (db, "SELECT session_id, count(*) FROM main.kernel GROUP BY session_id", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id;
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      if (sess)
        sess->kernels += sqlite3_column_int64 (stmt, 1);
    }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (began)
    sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);

  for (size_t i = 0; i < n_slots; i++)
    free (slots[i].values.v);
  free (slots);
  for (size_t i = 0; i < sum->n_sessions * (LSC_PATH_COUNT + 1); i++)
    free (path_values[i].v);
  free (path_values);
  for (size_t i = 0; i < n_kernel_values; i++)
    free (kernel_values[i].v);
  free (kernel_values);
  free (kernel_base);
  return sum;

fail:
  if (rc == SQLITE_NOMEM || (sum && !sum->path))
    lsc__error_set (error, LSC_ERROR_NOMEM, "cannot summarize report %s: out of memory", report->path);
  else
    lsc__error_set (error, lsc__error_code_from_sqlite (sqlite3_extended_errcode (db)),
                    "cannot summarize report %s: %s", report->path, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  if (began)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  for (size_t i = 0; i < n_slots; i++)
    free (slots[i].values.v);
  free (slots);
  if (path_values && sum)
    for (size_t i = 0; i < sum->n_sessions * (LSC_PATH_COUNT + 1); i++)
      free (path_values[i].v);
  free (path_values);
  for (size_t i = 0; kernel_values && i < n_kernel_values; i++)
    free (kernel_values[i].v);
  free (kernel_values);
  free (kernel_base);
  lsc_report_summary_free (sum);
  return NULL;
}

/* ---- output helpers ------------------------------------------------------------------- */

size_t
lsc__utf8_sequence (const unsigned char *p, size_t n)
{
  unsigned char c = p[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  else if (c >= 0xc2 && c <= 0xdf)
    len = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, cp = c & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++)
    {
      if ((p[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

void
lsc_json_write_string (FILE *out, const char *s)
{
  if (s)
    lsc__json_string (out, s, -1);
  else
    fputs ("null", out);
}

char *
lsc__utf8_valid_dup (const char *s, size_t n)
{
  /* At worst every byte becomes the three of U+FFFD. */
  char *out = malloc (3 * n + 1), *o = out;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n;)
    {
      size_t len = lsc__utf8_sequence ((const unsigned char *) s + i, n - i);
      if (len)
        {
          memcpy (o, s + i, len);
          o += len;
          i += len;
        }
      else
        {
          memcpy (o, "\xef\xbf\xbd", 3);
          o += 3;
          i++;
        }
    }
  *o = '\0';
  return out;
}

size_t
lsc__utf8_cut (const char *s, size_t n, size_t max)
{
  const unsigned char *p = (const unsigned char *) s;
  if (n <= max)
    return n;
  size_t i = 0;
  while (i < n)
    {
      size_t l = lsc__utf8_sequence (p + i, n - i);
      if (l == 0)
        l = 1;
      if (i + l > max)
        break;
      i += l;
    }
  return i;
}

/* The inside of a JSON string: the bytes of p, escaped. */
static void
json_chars (FILE *out, const unsigned char *p, size_t n)
{
  size_t i = 0;
  while (i < n)
    {
      unsigned char c = p[i];
      if (c == '"' || c == '\\')
        {
          putc ('\\', out);
          putc (c, out);
          i++;
        }
      else if (c < 0x20 || c == 0x7f)
        {
          switch (c)
            {
            case '\n': fputs ("\\n", out); break;
            case '\t': fputs ("\\t", out); break;
            case '\r': fputs ("\\r", out); break;
            default: fprintf (out, "\\u%04x", c); break;
            }
          i++;
        }
      else
        {
          size_t l = lsc__utf8_sequence (p + i, n - i);
          if (l == 0)
            {
              fputs ("\\ufffd", out);
              i++;
            }
          else
            {
              fwrite (p + i, 1, l, out);
              i += l;
            }
        }
    }
}

void
lsc__json_string (FILE *out, const char *s, int len)
{
  putc ('"', out);
  json_chars (out, (const unsigned char *) s, len < 0 ? strlen (s) : (size_t) len);
  putc ('"', out);
}

void
lsc__json_string_cut (FILE *out, const char *s, int len, size_t max)
{
  size_t n = len < 0 ? strlen (s) : (size_t) len;
  size_t keep = lsc__utf8_cut (s, n, max);
  putc ('"', out);
  json_chars (out, (const unsigned char *) s, keep);
  if (keep < n)
    fputs (LSC__CUT_MARK, out);
  putc ('"', out);
}

int
lsc__finish_stream (FILE *out, const char *out_name, lsc_error *error)
{
  errno = 0;
  int failed = fflush (out) != 0 || ferror (out);
  if (failed)
    {
      int e = errno ? errno : EIO;
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", out_name, strerror (e));
      return -1;
    }
  return 0;
}

bool
lsc__json_find_int (const char *json, const char *key, int64_t *out)
{
  size_t klen = strlen (key);
  for (const char *p = json; (p = strchr (p, '"')); p++)
    {
      if (strncmp (p + 1, key, klen) != 0 || p[1 + klen] != '"')
        continue;
      const char *q = p + 2 + klen;
      while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
        q++;
      if (*q != ':')
        continue;
      q++;
      while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
        q++;
      char *end;
      errno = 0;
      long long v = strtoll (q, &end, 10);
      if (end == q || errno)
        return false;
      *out = v;
      return true;
    }
  return false;
}

static void
json_key (FILE *out, bool *first, const char *key)
{
  if (!*first)
    putc (',', out);
  *first = false;
  lsc__json_string (out, key, -1);
  putc (':', out);
}

static void
json_str_member (FILE *out, bool *first, const char *key, const char *value)
{
  json_key (out, first, key);
  if (value)
    lsc__json_string (out, value, -1);
  else
    fputs ("null", out);
}

static void
json_int_member (FILE *out, bool *first, const char *key, int64_t value)
{
  json_key (out, first, key);
  fprintf (out, "%" PRId64, value);
}

static void
json_opt_int_member (FILE *out, bool *first, const char *key, bool has, int64_t value)
{
  json_key (out, first, key);
  if (has)
    fprintf (out, "%" PRId64, value);
  else
    fputs ("null", out);
}

static void
json_opt_real_member (FILE *out, bool *first, const char *key, bool has, double value)
{
  json_key (out, first, key);
  if (has && isfinite (value))
    fprintf (out, "%.15g", value);
  else
    fputs ("null", out);
}

static void
json_reasons (FILE *out, const int64_t *by_reason)
{
  bool first = true;
  putc ('{', out);
  for (size_t r = 0; r <= LSC_REASON_COUNT; r++)
    if (by_reason[r])
      json_int_member (out, &first, r < LSC_REASON_COUNT ? reason_names[r] : "unknown", by_reason[r]);
  putc ('}', out);
}

int
lsc_report_summary_write_json (const lsc_report_summary *sum, FILE *out, const char *out_name, lsc_error *error)
{
  bool first = true;
  putc ('{', out);
  json_str_member (out, &first, "file", sum->path);
  json_int_member (out, &first, "schema_version", sum->schema_version);
  json_int_member (out, &first, "orphan_launches", sum->orphan_launches);
  json_int_member (out, &first, "orphan_events", sum->orphan_events);
  json_str_member (out, &first, "being_recorded_by", sum->being_recorded_by);
  json_key (out, &first, "sessions");
  putc ('[', out);
  for (size_t i = 0; i < sum->n_sessions; i++)
    {
      const lsc_session_summary *s = &sum->sessions[i];
      bool f = true;
      if (i)
        putc (',', out);
      putc ('{', out);
      json_int_member (out, &f, "id", s->id);
      json_str_member (out, &f, "workload", s->workload);
      json_str_member (out, &f, "host", s->host);
      json_str_member (out, &f, "gpu", s->gpu);
      json_opt_int_member (out, &f, "driver_version", s->has_driver_version, s->driver_version);
      json_str_member (out, &f, "toolkit", s->toolkit);
      json_str_member (out, &f, "nvrtc", s->nvrtc);
      json_str_member (out, &f, "cpu", s->cpu);
      json_str_member (out, &f, "start_wall", s->start_wall);
      json_int_member (out, &f, "start_ns", s->start_ns);
      json_opt_int_member (out, &f, "stop_ns", s->stopped, s->stop_ns);
      json_key (out, &f, "stopped");
      fputs (s->stopped ? "true" : "false", out);
      json_opt_int_member (out, &f, "duration_ns", s->stopped, lsc__sub_sat (s->stop_ns, s->start_ns));
      json_str_member (out, &f, "cupti_mode", s->cupti_mode);
      json_str_member (out, &f, "cupti_status", s->cupti_status);
      json_int_member (out, &f, "dropped_rows", s->dropped_rows);
      json_opt_real_member (out, &f, "observer_overhead_ns", s->has_observer_overhead, s->observer_overhead_ns);
      json_opt_real_member (out, &f, "raw_floor_p50_ns", s->has_raw_floor, s->raw_floor_p50_ns);
      json_opt_int_member (out, &f, "pid", s->has_pid, s->pid);
      json_opt_int_member (out, &f, "rank", s->has_rank, s->rank);
      json_opt_int_member (out, &f, "local_rank", s->has_local_rank, s->local_rank);
      json_str_member (out, &f, "settings", s->settings);
      json_int_member (out, &f, "launches", s->launches);
      json_int_member (out, &f, "kernels", s->kernels);
      json_int_member (out, &f, "events", s->events);
      json_key (out, &f, "events_by_kind");
      {
        bool g = true;
        putc ('{', out);
        for (size_t k = 0; k < LSC_EVENT_KIND_COUNT; k++)
          if (s->events_by_kind[k])
            json_int_member (out, &g, lsc_event_kind_names[k], s->events_by_kind[k]);
        putc ('}', out);
      }
      json_key (out, &f, "fallback_reasons");
      json_reasons (out, s->fallbacks_by_reason);
      json_key (out, &f, "paths");
      putc ('{', out);
      bool pf = true;
      for (size_t p = 0; p <= LSC_PATH_COUNT; p++)
        {
          const lsc_path_summary *ps = &s->paths[p];
          if (!ps->launches)
            continue;
          bool g = true;
          json_key (out, &pf, p < LSC_PATH_COUNT ? path_names[p] : "unknown");
          putc ('{', out);
          json_int_member (out, &g, "launches", ps->launches);
          json_int_member (out, &g, "errors", ps->errors);
          json_int_member (out, &g, "count", ps->count);
          json_opt_int_member (out, &g, "p50_ns", ps->count > 0, ps->p50_ns);
          json_opt_int_member (out, &g, "p90_ns", ps->count > 0, ps->p90_ns);
          json_opt_int_member (out, &g, "p99_ns", ps->count > 0, ps->p99_ns);
          json_opt_int_member (out, &g, "min_ns", ps->count > 0, ps->min_ns);
          json_opt_int_member (out, &g, "max_ns", ps->count > 0, ps->max_ns);
          json_opt_real_member (out, &g, "mean_ns", ps->count > 0, ps->mean_ns);
          json_int_member (out, &g, "hits", ps->outcomes[LSC_OUTCOME_HIT]);
          json_int_member (out, &g, "misses", ps->outcomes[LSC_OUTCOME_MISS]);
          json_int_member (out, &g, "fallbacks", ps->outcomes[LSC_OUTCOME_FALLBACK]);
          json_int_member (out, &g, "defaults", ps->outcomes[LSC_OUTCOME_DEFAULT]);
          json_key (out, &g, "fallback_reasons");
          json_reasons (out, ps->fallbacks_by_reason);
          putc ('}', out);
        }
      putc ('}', out);
      /* Names once per kernel, not per spec: a long name shared by many specs would multiply. */
      json_key (out, &f, "kernel_list");
      putc ('[', out);
      for (size_t k = 0; k < s->n_kernel_list; k++)
        {
          const lsc_kernel_summary *ks = &s->kernel_list[k];
          bool g = true;
          if (k)
            putc (',', out);
          putc ('{', out);
          json_int_member (out, &g, "id", ks->id);
          json_str_member (out, &g, "name", ks->name);
          json_int_member (out, &g, "launches", ks->launches);
          json_int_member (out, &g, "errors", ks->errors);
          json_int_member (out, &g, "count", ks->count);
          json_opt_int_member (out, &g, "p50_ns", ks->count > 0, ks->p50_ns);
          json_opt_int_member (out, &g, "p90_ns", ks->count > 0, ks->p90_ns);
          json_opt_int_member (out, &g, "p99_ns", ks->count > 0, ks->p99_ns);
          json_int_member (out, &g, "gap_count", ks->gap_count);
          json_opt_int_member (out, &g, "gap_p50_ns", ks->gap_count > 0, ks->gap_p50_ns);
          json_opt_int_member (out, &g, "gap_p90_ns", ks->gap_count > 0, ks->gap_p90_ns);
          putc ('}', out);
        }
      putc (']', out);
      json_key (out, &f, "specs");
      putc ('[', out);
      for (size_t k = 0; k < s->n_specs; k++)
        {
          const lsc_spec_summary *sp = &s->specs[k];
          bool g = true;
          if (k)
            putc (',', out);
          putc ('{', out);
          json_int_member (out, &g, "id", sp->id);
          json_int_member (out, &g, "kernel_id", sp->kernel_id);
          json_int_member (out, &g, "key", sp->key);
          json_str_member (out, &g, "description", sp->description);
          json_str_member (out, &g, "ptr_alignment", sp->ptr_alignment);
          json_str_member (out, &g, "int_classes", sp->int_classes);
          json_int_member (out, &g, "debug", sp->debug);
          json_str_member (out, &g, "instrumentation", sp->instrumentation);
          json_int_member (out, &g, "compile_hook", sp->compile_hook);
          json_opt_real_member (out, &g, "compile_ms", sp->has_compile_ms, sp->compile_ms);
          json_int_member (out, &g, "hits", sp->hits);
          json_int_member (out, &g, "misses", sp->misses);
          json_int_member (out, &g, "waits", sp->waits);
          json_int_member (out, &g, "launches", sp->launches);
          json_int_member (out, &g, "launch_hits", sp->launch_hits);
          json_int_member (out, &g, "launch_misses", sp->launch_misses);
          json_int_member (out, &g, "launch_fallbacks", sp->launch_fallbacks);
          json_int_member (out, &g, "count", sp->count);
          json_opt_int_member (out, &g, "p50_ns", sp->count > 0, sp->p50_ns);
          putc ('}', out);
        }
      fputs ("]}", out);
    }
  fputs ("]}\n", out);
  return lsc__finish_stream (out, out_name, error);
}

/* Prints s for a terminal in at most width bytes (0: 255): control bytes (escape sequences
 * from a hostile file) and invalid UTF-8 become '?', and a cut never splits a UTF-8 sequence
 * and ends with LSC__CUT_MARK, counted as one column. */
static void
text_cell (FILE *out, const char *s, int width, bool left)
{
  char buf[256 + sizeof LSC__CUT_MARK];
  size_t max = width > 0 && width < 256 ? (size_t) width : 255;
  size_t n = 0;
  const unsigned char *p = (const unsigned char *) (s ? s : "-");
  size_t len = strlen ((const char *) p);
  /* Each byte read becomes at most one byte written: what is longer than max is cut, and the
   * mark takes a column (a fixed width) or its bytes (the 255-byte cap) from the text. */
  bool cut = len > max;
  if (cut)
    max -= width > 0 ? 1 : sizeof LSC__CUT_MARK - 1;
  size_t i = 0;
  int cols = 0;
  while (i < len && n < max)
    {
      if (p[i] < 0x20 || p[i] == 0x7f)
        {
          buf[n++] = '?';
          i++;
          cols++;
          continue;
        }
      size_t l = lsc__utf8_sequence (p + i, len - i);
      if (l == 0)
        {
          buf[n++] = '?';
          i++;
          cols++;
          continue;
        }
      if (n + l > max)
        break;
      memcpy (buf + n, p + i, l);
      n += l;
      i += l;
      cols++;
    }
  if (cut)
    {
      memcpy (buf + n, LSC__CUT_MARK, sizeof LSC__CUT_MARK - 1);
      n += sizeof LSC__CUT_MARK - 1;
      cols++;
    }
  buf[n] = '\0';
  int pad = width > cols ? width - cols : 0;
  if (!left)
    fprintf (out, "%*s", pad, "");
  fputs (buf, out);
  if (left)
    fprintf (out, "%*s", pad, "");
}

/* "  label value" for the first fact of a line, ", label value" after; nothing for NULL. */
static void
text_fact (FILE *out, bool *first, const char *label, const char *value)
{
  if (!value)
    return;
  fprintf (out, "%s%s ", *first ? "  " : ", ", label);
  text_cell (out, value, 0, true);
  *first = false;
}

static void
text_ns (FILE *out, bool has, int64_t ns, int width)
{
  if (has)
    fprintf (out, " %*" PRId64, width, ns);
  else
    fprintf (out, " %*s", width, "-");
}

/* C++ kernel names as CUPTI reports them are mangled; the C++ runtime that demangles them is
 * loaded on first use, and where there is none the mangled name is shown. */
typedef char *(*lsc__demangle_fn) (const char *, char *, size_t *, int *);
static lsc__demangle_fn lsc__demangle;
static pthread_once_t lsc__demangle_once = PTHREAD_ONCE_INIT;

static void
lsc__load_demangler (void)
{
  void *lib = dlopen ("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
  void *sym = lib ? dlsym (lib, "__cxa_demangle") : NULL;
  memcpy (&lsc__demangle, &sym, sizeof sym);
}

char *
lsc_kernel_name_demangle (const char *name)
{
  if (!name || strncmp (name, "_Z", 2) != 0)
    return NULL;
  pthread_once (&lsc__demangle_once, lsc__load_demangler);
  int status = -1;
  char *out = lsc__demangle ? lsc__demangle (name, NULL, NULL, &status) : NULL;
  if (status != 0)
    {
      free (out);
      return NULL;
    }
  return out;
}

static int
cmp_kernel_launches (const void *a, const void *b)
{
  const lsc_kernel_summary *x = *(const lsc_kernel_summary *const *) a, *y = *(const lsc_kernel_summary *const *) b;
  if (x->launches != y->launches)
    return x->launches < y->launches ? 1 : -1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* The most launched kernels first, at most LSC__TEXT_KERNELS of them. */
#define LSC__TEXT_KERNELS 20
static void
text_kernels (FILE *out, const lsc_session_summary *s)
{
  const lsc_kernel_summary **order = malloc ((s->n_kernel_list + 1) * sizeof *order);
  size_t n = 0;
  for (size_t k = 0; order && k < s->n_kernel_list; k++)
    if (s->kernel_list[k].launches > 0)
      order[n++] = &s->kernel_list[k];
  if (n == 0)
    {
      free (order);
      return;
    }
  qsort (order, n, sizeof *order, cmp_kernel_launches);
  /* The name goes last and is cut only at the usual cap: C++ kernels often differ only deep in
   * their template arguments. */
  fprintf (out, "\n  %10s %8s %10s %10s %10s %10s  %s\n", "launches", "errors", "p50 ns", "p90 ns", "p99 ns",
           "gap p50 ns", "kernel");
  for (size_t i = 0; i < n && i < LSC__TEXT_KERNELS; i++)
    {
      fprintf (out, "  %10" PRId64 " %8" PRId64, order[i]->launches, order[i]->errors);
      text_ns (out, order[i]->count > 0, order[i]->p50_ns, 10);
      text_ns (out, order[i]->count > 0, order[i]->p90_ns, 10);
      text_ns (out, order[i]->count > 0, order[i]->p99_ns, 10);
      text_ns (out, order[i]->gap_count > 0, order[i]->gap_p50_ns, 10);
      fputs ("  ", out);
      char *readable = lsc_kernel_name_demangle (order[i]->name);
      text_cell (out, readable ? readable : order[i]->name ? order[i]->name : "(unnamed)", 0, true);
      free (readable);
      putc ('\n', out);
    }
  if (n > LSC__TEXT_KERNELS)
    fprintf (out, "  ... and %zu more kernels (report --json lists them all)\n", n - LSC__TEXT_KERNELS);
  fputs ("  (gap: time on the launching thread since its previous launch returned)\n", out);
  free (order);
}

int
lsc_report_summary_write_text (const lsc_report_summary *sum, FILE *out, const char *out_name, lsc_error *error)
{
  fputs ("Report ", out);
  text_cell (out, sum->path, 0, true);
  fprintf (out, " (schema version %" PRId64 ")\n", sum->schema_version);
  if (sum->n_sessions == 0)
    fputs ("no sessions\n", out);
  for (size_t i = 0; i < sum->n_sessions; i++)
    {
      const lsc_session_summary *s = &sum->sessions[i];
      fprintf (out, "\nSession %" PRId64 ": workload ", s->id);
      text_cell (out, s->workload, 0, true);
      fputs (", started ", out);
      text_cell (out, s->start_wall, 0, true);
      if (s->stopped)
        fprintf (out, ", ran %.3f s\n", ((double) s->stop_ns - (double) s->start_ns) / 1e9);
      else
        fprintf (out, ", %s%s\n", sum->being_recorded_by ? "still being recorded by " : "",
                 sum->being_recorded_by ? sum->being_recorded_by
                                        : "no stop time: nobody records it now (its recorder crashed or was killed, "
                                          "or the report was copied while it was recorded)");
      /* Facts the session has; a report from an older or partial recorder may lack some. */
      {
        bool first = true;
        text_fact (out, &first, "host", s->host);
        text_fact (out, &first, "GPU", s->gpu);
        if (s->has_driver_version)
          {
            char v[32];
            snprintf (v, sizeof v, "%" PRId64, s->driver_version);
            text_fact (out, &first, "driver", v);
          }
        text_fact (out, &first, "toolkit", s->toolkit);
        text_fact (out, &first, "NVRTC", s->nvrtc);
        if (!first)
          putc ('\n', out);
        first = true;
        text_fact (out, &first, "CPU", s->cpu);
        text_fact (out, &first, "CUPTI", s->cupti_mode);
        if (s->cupti_status)
          {
            fputs (first ? "  (" : " (", out);
            text_cell (out, s->cupti_status, 0, true);
            putc (')', out);
            first = false;
          }
        if (!first)
          putc ('\n', out);
      }
      fprintf (out, "  dropped rows %" PRId64 "%s", s->dropped_rows,
               s->dropped_rows ? " (the per-thread rings overflowed: these launches are missing below)" : "");
      if (s->has_observer_overhead)
        fprintf (out, ", observer overhead %.1f ns/launch", s->observer_overhead_ns);
      if (s->has_raw_floor)
        fprintf (out, ", raw cuLaunchKernel p50 %.0f ns", s->raw_floor_p50_ns);
      fprintf (out, "\n  %" PRId64 " launches, %" PRId64 " kernel%s, %zu spec%s, %" PRId64 " event%s", s->launches,
               s->kernels, s->kernels == 1 ? "" : "s", s->n_specs, s->n_specs == 1 ? "" : "s", s->events,
               s->events == 1 ? "" : "s");
      {
        bool first = true;
        for (size_t k = 0; k < LSC_EVENT_KIND_COUNT; k++)
          if (s->events_by_kind[k])
            {
              fprintf (out, "%s%s %" PRId64, first ? " (" : ", ", lsc_event_kind_names[k], s->events_by_kind[k]);
              first = false;
            }
        fputs (first ? "\n" : ")\n", out);
      }

      fprintf (out, "\n  %-8s %10s %8s %10s %10s %10s %10s %10s %10s %10s\n", "path", "launches", "errors", "p50 ns",
               "p90 ns", "p99 ns", "max ns", "hits", "misses", "fallbacks");
      for (size_t p = 0; p <= LSC_PATH_COUNT; p++)
        {
          const lsc_path_summary *ps = &s->paths[p];
          if (!ps->launches)
            continue;
          fprintf (out, "  %-8s %10" PRId64 " %8" PRId64, p < LSC_PATH_COUNT ? path_names[p] : "unknown",
                   ps->launches, ps->errors);
          text_ns (out, ps->count > 0, ps->p50_ns, 10);
          text_ns (out, ps->count > 0, ps->p90_ns, 10);
          text_ns (out, ps->count > 0, ps->p99_ns, 10);
          text_ns (out, ps->count > 0, ps->max_ns, 10);
          fprintf (out, " %10" PRId64 " %10" PRId64 " %10" PRId64 "\n", ps->outcomes[LSC_OUTCOME_HIT],
                   ps->outcomes[LSC_OUTCOME_MISS], ps->outcomes[LSC_OUTCOME_FALLBACK]);
        }
      bool any_fallback = false;
      for (size_t r = 0; r <= LSC_REASON_COUNT; r++)
        any_fallback |= s->fallbacks_by_reason[r] != 0;
      if (any_fallback)
        {
          fputs ("\n  fallbacks by reason:", out);
          bool first = true;
          for (size_t r = 0; r <= LSC_REASON_COUNT; r++)
            if (s->fallbacks_by_reason[r])
              {
                fprintf (out, "%s %s %" PRId64, first ? "" : ",", r < LSC_REASON_COUNT ? reason_names[r] : "unknown",
                         s->fallbacks_by_reason[r]);
                first = false;
              }
          putc ('\n', out);
        }
      text_kernels (out, s);
      if (s->n_specs)
        {
          /* The decoded key goes last and uncut: specs often differ only at its end. */
          fprintf (out, "\n  %-6s %-20s %9s %10s %10s %8s %6s %10s  %s\n", "spec", "kernel", "launches", "p50 ns",
                   "hits", "misses", "waits", "compile ms", "description");
          for (size_t k = 0; k < s->n_specs; k++)
            {
              const lsc_spec_summary *sp = &s->specs[k];
              fprintf (out, "  %-6" PRId64 " ", sp->id);
              text_cell (out, sp->kernel_name, 20, true);
              fprintf (out, " %9" PRId64, sp->launches);
              text_ns (out, sp->count > 0, sp->p50_ns, 10);
              /* The engine's counters (written at stop) include launches the rings dropped; a
               * report without a stop time has only the launch rows to go by. */
              int64_t hits = s->stopped ? sp->hits : sp->launch_hits;
              /* Miss rows include the waits, which only the spec row tells apart. */
              int64_t misses = s->stopped ? sp->misses : lsc__sub_sat (sp->launch_misses, sp->waits);
              fprintf (out, " %10" PRId64 " %8" PRId64 " %6" PRId64, hits, misses < 0 ? 0 : misses, sp->waits);
              if (sp->has_compile_ms)
                fprintf (out, " %10.2f  ", sp->compile_ms);
              else
                fprintf (out, " %10s  ", "-");
              text_cell (out, sp->description, 0, true);
              putc ('\n', out);
            }
        }
    }
  if (sum->orphan_launches || sum->orphan_events)
    fprintf (out, "\n%" PRId64 " launch rows and %" PRId64 " event rows name no session (run `check`)\n",
             sum->orphan_launches, sum->orphan_events);
  return lsc__finish_stream (out, out_name, error);
}
