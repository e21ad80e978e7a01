/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report.c — opening a report as untrusted input (its schema is checked in
 * lsc-report-schema.c).
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
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lsc-file.h"
#include "lsc-report-private.h"
#include "lsc-report-rows.h"
#include "lsc-schema.h"

/* Longest string or blob a report may hold.  The largest legitimate values are kernel
 * signatures and settings JSON, far below this; a hostile 1 GiB row fails cleanly with
 * SQLITE_TOOBIG instead of exhausting memory. */
#define LSC_MAX_VALUE_BYTES (16 << 20)
#define LSC_MAX_SQL_BYTES (1 << 20)
#define LSC_BUSY_TIMEOUT_MS 5000

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
stop_requested (void *data)
{
  const lsc_report *report = data;
  return (report->interrupt && *report->interrupt != 0)
         || (report->cancelled && report->cancelled (report->cancel_data));
}

static void
update_progress_handler (lsc_report *report)
{
  bool watch = report->interrupt || report->cancelled;
  /* Every 1000 virtual machine steps: well under a millisecond, and nothing measurable. */
  sqlite3_progress_handler (report->db, watch ? 1000 : 0, watch ? stop_requested : NULL, report);
}

void
lsc_report_set_interrupt (lsc_report *report, const volatile sig_atomic_t *flag)
{
  if (!report)
    return;
  report->interrupt = flag;
  update_progress_handler (report);
}

void
lsc_report_set_cancel (lsc_report *report, int (*cancelled) (void *data), void *data)
{
  if (!report)
    return;
  report->cancelled = cancelled;
  report->cancel_data = cancelled ? data : NULL;
  update_progress_handler (report);
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
