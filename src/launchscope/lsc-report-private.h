/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-private.h — what the reader (lsc-report*.c), the exporters (lsc-export*.c) and the
 * checker share; not installed.
 */
#pragma once

#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "lsc-report.h"
#include "lsc-saturate.h"

#if defined(__GNUC__)
#define LSC__PRINTF(f, a) __attribute__ ((format (printf, f, a)))
#else
#define LSC__PRINTF(f, a)
#endif

/* An open report: lsc-report.c opens and verifies it; the summary, the row reader and the
 * exporters read through db. */
struct lsc_report {
  sqlite3 *db;
  char *path;
  char *warning;
  const volatile sig_atomic_t *interrupt;
  int (*cancelled) (void *data);
  void *cancel_data;
  int64_t schema_version;
};

/* The read-only connection, for the library's own readers and writers and for tests.  Read
 * base tables only; the file's views are not to be trusted.  Owned by the report. */
sqlite3 *lsc_report_db (lsc_report *report);

/* Fills error (may be NULL) with code and a printf-style message. */
void lsc__error_set (lsc_error *error, lsc_error_code code, const char *fmt, ...) LSC__PRINTF (3, 4);

/* Maps an SQLite result code to an lsc_error_code. */
lsc_error_code lsc__error_code_from_sqlite (int rc);

/* Opens path read-only and hardened (defensive, untrusted schema, no triggers, limits,
 * busy timeout), checks the SQLite header, and retries immutable when a WAL file cannot get
 * its -shm.  Does not check application_id or the schema.  *immutable tells which way it
 * opened.  Returns the connection or NULL with error set. */
sqlite3 *lsc__open_hardened (const char *path, bool *immutable, lsc_error *error);

/* application_id LSC_APPLICATION_ID and user_version 1 to LSC_SCHEMA_VERSION: the report's
 * identity.  Returns false with error set (FOREIGN, NEWER, OLDER or an SQLite failure). */
bool lsc__verify_identity (sqlite3 *db, const char *path, lsc_error *error);

/* The reference schema of a report of schema version `version` (1 to LSC_SCHEMA_VERSION): an
 * in-memory database built from LSC_SCHEMA_SQL less the columns added after that version, which
 * verification compares the file against.  Returns NULL with error set. */
sqlite3 *lsc__reference_schema_for (int64_t version, const char *path, lsc_error *error);
/* The same for the report at path, whose version it reads through a connection of its own:
 * for callers that hold the report but not its version. */
sqlite3 *lsc__reference_schema (const char *path, lsc_error *error);

/* Compares one table of the file against the reference.  Calls func (problem = true) for
 * each difference when func is non-NULL; with stop_at_first, stops at the first and sets
 * error.  Returns the number of differences, -1 on an SQLite failure (error set). */
int lsc__verify_schema (sqlite3 *db, sqlite3 *ref, const char *path, bool stop_at_first, lsc_check_func func,
                        void *user_data, lsc_error *error);

/* Marks where a value was cut: "…" (U+2026, in UTF-8). */
#define LSC__CUT_MARK "\xe2\x80\xa6"

/* Length of the valid UTF-8 sequence at p (at most n bytes, n >= 1), or 0 when invalid. */
size_t lsc__utf8_sequence (const unsigned char *p, size_t n);

/* A copy of s (n bytes) that is valid UTF-8, each invalid byte replaced by U+FFFD: text read
 * from a report goes to GTK labels and terminals, which expect it.  NULL when out of memory. */
char *lsc__utf8_valid_dup (const char *s, size_t n);

/* The length of the longest prefix of s (n bytes) of at most max bytes that splits no valid
 * UTF-8 sequence: n itself when n <= max. */
size_t lsc__utf8_cut (const char *s, size_t n, size_t max);

/* lsc-report-ranges.c: the summary's NVTX ranges (sum->ranges), from sessions already loaded. */
int lsc__summarize_ranges (sqlite3 *db, lsc_report_summary *sum);
void lsc__range_summary_clear (lsc_range_summary *range);

/* PRAGMA user_version of db's main database (0 when unreadable). */
int64_t lsc__schema_version (sqlite3 *db);

/* present when a report of version has table.column, else absent (for a column added after
 * version 1, which an older report lacks). */
/* Whether a report of schema version `version` has table (false for a table added later). */
bool lsc__table_present (int64_t version, const char *table);

const char *lsc__column_or_default (int64_t version, const char *table, const char *column, const char *present,
                                    const char *absent);

/* Fills the session's savings estimate and its kernels' (lsc-report-savings.c) from their gaps,
 * launch-call p50s and jit_launches and the session's calibration. */
void lsc__savings_estimate (lsc_session_summary *session);

/* JSON string writer: quotes, escapes control characters, replaces invalid UTF-8 with
 * U+FFFD so a hostile file cannot make the output unparsable.  len < 0: NUL-terminated. */
void lsc__json_string (FILE *out, const char *s, int len);

/* The same for at most max bytes of s (lsc__utf8_cut), ending with LSC__CUT_MARK when cut. */
void lsc__json_string_cut (FILE *out, const char *s, int len, size_t max);

/* Finishes writing out: flushes and reports a write error naming out_name.  Returns 0 or -1. */
int lsc__finish_stream (FILE *out, const char *out_name, lsc_error *error);

/* Reads a top-level-looking integer member "key": N from a JSON text (the session settings);
 * enough for recorder-written settings, tolerant of anything else (returns false). */
bool lsc__json_find_int (const char *json, const char *key, int64_t *out);

/* A growable array of int64 values, for the reader's passes over launches. */
typedef struct {
  int64_t *v;
  size_t n, cap;
} i64_vec;

/* Appends x; false when memory runs out (the vector is left as it was). */
static inline bool
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
