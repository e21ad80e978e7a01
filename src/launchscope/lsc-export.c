/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export.c — what every export shares: destination files, target checks, the source
 * snapshot, and the sessions and kernel names read before the rows.  Each format is a file of
 * its own: lsc-export-csv.c, lsc-export-sqlite.c (the report copy), lsc-export-json.c,
 * lsc-export-nsys.c and lsc-export-trace.c.
 *
 * The source is the hardened read-only connection of an lsc_report: the exports read its base
 * tables only (never its views) inside one read transaction, so an export is one consistent
 * snapshot even while a recorder appends.  Destinations are written under a temporary name in
 * the destination's directory and renamed into place once complete (see lsc-export.h for the
 * no-clobber rule).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lsc-export-private.h"
#include "lsc-file.h"
#include "lsc-report-private.h"

/* ---- destination files ---------------------------------------------------------------- */

int
lsc__out_file_begin (lsc__out_file *of, const char *final_path, bool force, bool stream, lsc_error *error)
{
  static unsigned counter;
  struct stat st;
  memset (of, 0, sizeof *of);
  of->fd = -1;
  if (!final_path || !*final_path)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no destination file given");
      return -1;
    }
  char kind[64];
  if (!lsc__file_replaceable (final_path, kind, sizeof kind))
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: it is %s, not a regular file (refused even with --force)",
                      final_path, kind);
      return -1;
    }
  if (lstat (final_path, &st) == 0)
    {
      if (!force)
        {
          lsc__error_set (error, LSC_ERROR_EXISTS, "%s already exists (use --force to replace it)", final_path);
          return -1;
        }
    }
  size_t n = strlen (final_path) + 64;
  of->final_path = strdup (final_path);
  of->tmp_path = malloc (n);
  if (!of->final_path || !of->tmp_path)
    {
      lsc__error_set (error, LSC_ERROR_NOMEM, "cannot write %s: out of memory", final_path);
      goto fail;
    }
  for (int attempt = 0; attempt < 100; attempt++)
    {
      struct timespec ts;
      clock_gettime (CLOCK_MONOTONIC, &ts);
      snprintf (of->tmp_path, n, "%s.partial-%ld-%u", final_path, (long) getpid (),
                (unsigned) (__atomic_fetch_add (&counter, 1, __ATOMIC_RELAXED) * 2654435761u ^ (unsigned) ts.tv_nsec));
      of->fd = open (of->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (of->fd >= 0 || errno != EEXIST)
        break;
    }
  if (of->fd < 0)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", final_path, strerror (errno));
      goto fail;
    }
  if (stream)
    {
      of->fp = fdopen (of->fd, "w");
      if (!of->fp)
        {
          lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", final_path, strerror (errno));
          close (of->fd);
          unlink (of->tmp_path);
          goto fail;
        }
      setvbuf (of->fp, NULL, _IOFBF, 1 << 16);
    }
  return 0;

fail:
  free (of->final_path);
  free (of->tmp_path);
  memset (of, 0, sizeof *of);
  of->fd = -1;
  return -1;
}

/* Removes the temporary file: nothing appears under the final name. */
void
lsc__out_file_abort (lsc__out_file *of)
{
  if (of->fp)
    fclose (of->fp);
  else if (of->fd >= 0)
    close (of->fd);
  if (of->tmp_path)
    unlink (of->tmp_path);
  free (of->final_path);
  free (of->tmp_path);
  memset (of, 0, sizeof *of);
  of->fd = -1;
}

/* For SQLite destinations: SQLite opens the temporary file by name. */
void
lsc__out_file_release_fd (lsc__out_file *of)
{
  if (of->fd >= 0)
    close (of->fd);
  of->fd = -1;
}

int
lsc__out_file_commit (lsc__out_file *of, bool force, lsc_error *error)
{
  int rc = 0;
  if (of->fp)
    {
      errno = 0;
      if (fflush (of->fp) != 0 || ferror (of->fp))
        {
          lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", of->final_path, strerror (errno ? errno : EIO));
          lsc__out_file_abort (of);
          return -1;
        }
    }
  int fd = of->fd >= 0 ? of->fd : open (of->tmp_path, O_RDONLY | O_CLOEXEC);
  /* fsync before rename: after a crash the final name holds all of the data or none. */
  if (fd < 0 || (fsync (fd) != 0 && errno != EINVAL && errno != EROFS))
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", of->final_path, strerror (errno));
      if (fd >= 0 && fd != of->fd)
        close (fd);
      lsc__out_file_abort (of);
      return -1;
    }
  if (fd != of->fd)
    close (fd);
  if (of->fp)
    rc = fclose (of->fp);
  else if (of->fd >= 0)
    rc = close (of->fd);
  of->fp = NULL;
  of->fd = -1;
  if (rc != 0)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", of->final_path, strerror (errno));
      lsc__out_file_abort (of);
      return -1;
    }
  char kind[64];
  if (!lsc__file_replaceable (of->final_path, kind, sizeof kind))
    {
      /* It became one while the export was written. */
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: it is %s, not a regular file (refused even with --force)",
                      of->final_path, kind);
      lsc__out_file_abort (of);
      return -1;
    }
  if (force)
    rc = rename (of->tmp_path, of->final_path);
  else
    {
      /* link(2) fails with EEXIST instead of replacing: no window between check and rename. */
      rc = link (of->tmp_path, of->final_path);
      if (rc == 0)
        unlink (of->tmp_path);
      else if (errno == EEXIST)
        {
          lsc__error_set (error, LSC_ERROR_EXISTS, "%s already exists (use --force to replace it)", of->final_path);
          lsc__out_file_abort (of);
          return -1;
        }
      else
        {
          /* File systems without hard links: check, then rename. */
          struct stat st;
          if (lstat (of->final_path, &st) == 0)
            {
              lsc__error_set (error, LSC_ERROR_EXISTS, "%s already exists (use --force to replace it)",
                              of->final_path);
              lsc__out_file_abort (of);
              return -1;
            }
          rc = rename (of->tmp_path, of->final_path);
        }
    }
  if (rc != 0)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", of->final_path, strerror (errno));
      lsc__out_file_abort (of);
      return -1;
    }
  free (of->final_path);
  free (of->tmp_path);
  memset (of, 0, sizeof *of);
  of->fd = -1;
  return 0;
}

/* ---- targets, errors and the source snapshot ------------------------------------------- */

/* Replacing the report being read (export r.lsdb --sqlite r.lsdb --force) would also leave its
 * -wal beside a different database, which SQLite could then replay into it: refused. */
bool
lsc__export_is_source (lsc_report *report, const char *dest, lsc_error *error)
{
  struct stat a, b;
  if (dest && stat (dest, &b) == 0 && stat (lsc_report_path (report), &a) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "cannot export into %s: it is the report being exported", dest);
      return true;
    }
  return false;
}

void
lsc__export_source_error (lsc_error *error, lsc_report *report, const char *what)
{
  sqlite3 *db = lsc_report_db (report);
  int code = sqlite3_extended_errcode (db);
  lsc__error_set (error, code == SQLITE_NOMEM ? LSC_ERROR_NOMEM : lsc__error_code_from_sqlite (code),
                  "cannot export report %s (%s): %s", lsc_report_path (report), what, sqlite3_errmsg (db));
}

void
lsc__export_dest_error (lsc_error *error, sqlite3 *out, const char *final_path)
{
  int sys = sqlite3_system_errno (out);
  int code = sqlite3_extended_errcode (out);
  if (sys != 0 && code != SQLITE_OK)
    lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s (%s)", final_path, sqlite3_errmsg (out), strerror (sys));
  else
    lsc__error_set (error, lsc__error_code_from_sqlite (code), "cannot write %s: %s", final_path,
                    sqlite3_errmsg (out));
}

bool
lsc__col_int (sqlite3_stmt *stmt, int col, int64_t *out)
{
  if (sqlite3_column_type (stmt, col) != SQLITE_INTEGER)
    return false;
  *out = sqlite3_column_int64 (stmt, col);
  return true;
}

const char *
lsc__col_text (sqlite3_stmt *stmt, int col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  return (const char *) sqlite3_column_text (stmt, col);
}

/* Begins the read transaction that makes the export one snapshot, unless the caller (the app)
 * already has one open; *began says whether lsc__export_source_end has one to end. */
bool
lsc__export_source_begin (lsc_report *report, bool *began, lsc_error *error)
{
  sqlite3 *db = lsc_report_db (report);
  *began = sqlite3_get_autocommit (db) != 0;
  if (*began && sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    {
      *began = false;
      lsc__export_source_error (error, report, "begin");
      return false;
    }
  return true;
}

void
lsc__export_source_end (lsc_report *report, bool began)
{
  if (began)
    sqlite3_exec (lsc_report_db (report), "COMMIT", NULL, NULL, NULL);
}

/* ---- sessions and kernel names --------------------------------------------------------- */

void
lsc__sess_list_free (lsc__sess_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    {
      free (l->v[i].workload);
      free (l->v[i].gpu);
      free (l->v[i].start_wall);
    }
  free (l->v);
  l->v = NULL;
  l->n = 0;
}

static char *
dup_col (sqlite3_stmt *stmt, int col)
{
  const char *t = lsc__col_text (stmt, col);
  return t ? strndup (t, (size_t) sqlite3_column_bytes (stmt, col)) : NULL;
}

bool
lsc__load_sessions (lsc_report *report, lsc__sess_list *l, lsc_error *error)
{
  sqlite3_stmt *stmt = NULL;
  size_t cap = 0;
  memset (l, 0, sizeof *l);
  int rc = sqlite3_prepare_v2 (lsc_report_db (report),
                               "SELECT id, start_ns, settings, workload, gpu, start_wall FROM main.session ORDER BY id",
                               -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      lsc__export_source_error (error, report, "session");
      return false;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t id;
      if (!lsc__col_int (stmt, 0, &id))
        continue;
      if (l->n == cap)
        {
          cap = cap ? cap * 2 : 4;
          lsc__sess_info *v = realloc (l->v, cap * sizeof *v);
          if (!v)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          l->v = v;
        }
      lsc__sess_info *s = &l->v[l->n++];
      memset (s, 0, sizeof *s);
      s->id = id;
      lsc__col_int (stmt, 1, &s->start_ns);
      const char *settings = lsc__col_text (stmt, 2);
      if (settings)
        s->has_pid = lsc__json_find_int (settings, "pid", &s->pid);
      if (!s->has_pid || s->pid < 0 || s->pid > 0x7fffffffLL)
        {
          s->has_pid = false;
          s->pid = 0;
        }
      s->workload = dup_col (stmt, 3);
      s->gpu = dup_col (stmt, 4);
      s->start_wall = dup_col (stmt, 5);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      if (rc == SQLITE_NOMEM)
        lsc__error_set (error, LSC_ERROR_NOMEM, "cannot export report %s: out of memory", lsc_report_path (report));
      else
        lsc__export_source_error (error, report, "session");
      lsc__sess_list_free (l);
      return false;
    }
  return true;
}

const lsc__sess_info *
lsc__find_sess (const lsc__sess_list *l, int64_t id)
{
  size_t lo = 0, hi = l->n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (l->v[mid].id < id)
        lo = mid + 1;
      else if (l->v[mid].id > id)
        hi = mid;
      else
        return &l->v[mid];
    }
  return NULL;
}

void
lsc__kernel_names_free (lsc__kernel_names *k)
{
  for (size_t i = 0; i < k->n; i++)
    free (k->v[i].name);
  free (k->v);
  k->v = NULL;
  k->n = 0;
}

/* Returns 0, or an SQLite code (the source's, or SQLITE_NOMEM, or with strings the
 * destination's as lsc__string_id reports it: -2 becomes SQLITE_ERROR); *dest_failed says whose. */
int
lsc__load_kernel_names (lsc_report *report, lsc__string_ids *strings, lsc__kernel_names *k, bool *dest_failed)
{
  sqlite3_stmt *stmt = NULL;
  size_t cap = 0;
  memset (k, 0, sizeof *k);
  *dest_failed = false;
  int rc = sqlite3_prepare_v2 (lsc_report_db (report), "SELECT id, name FROM main.kernel ORDER BY id", -1, &stmt,
                               NULL);
  if (rc != SQLITE_OK)
    return rc;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t id;
      if (!lsc__col_int (stmt, 0, &id) || (k->n > 0 && k->v[k->n - 1].id == id))
        continue;
      if (k->n == cap)
        {
          cap = cap ? cap * 2 : 16;
          lsc__kernel_name *v = realloc (k->v, cap * sizeof *v);
          if (!v)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          k->v = v;
        }
      lsc__kernel_name *e = &k->v[k->n];
      memset (e, 0, sizeof *e);
      e->id = id;
      e->name_id = -1;
      const char *name = lsc__col_text (stmt, 1);
      if (name && strings)
        {
          e->name_id = lsc__string_id (strings, name);
          if (e->name_id < 0)
            {
              *dest_failed = e->name_id == -2;
              rc = e->name_id == -1 ? SQLITE_NOMEM : SQLITE_ERROR;
              break;
            }
        }
      else if (name)
        {
          size_t n = strlen (name), keep = lsc__utf8_cut (name, n, LSC_EXPORT_NAME_MAX);
          e->name = malloc (keep + sizeof LSC__CUT_MARK);
          if (!e->name)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          memcpy (e->name, name, keep);
          strcpy (e->name + keep, keep < n ? LSC__CUT_MARK : "");
        }
      k->n++;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      lsc__kernel_names_free (k);
      return rc;
    }
  return 0;
}

const lsc__kernel_name *
lsc__find_kernel (const lsc__kernel_names *k, sqlite3_stmt *stmt, int col)
{
  int64_t id;
  if (!lsc__col_int (stmt, col, &id))
    return NULL;
  size_t lo = 0, hi = k->n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (k->v[mid].id < id)
        lo = mid + 1;
      else if (k->v[mid].id > id)
        hi = mid;
      else
        return &k->v[mid];
    }
  return NULL;
}

/* Whether launch has an index led by correlation_id (a stopped recording builds one; a crashed
 * one may not).  Looking up a kernel name by correlation id without it would scan launch once
 * per kernel execution, so the lookup is only done with it. */
static bool
launch_indexed_by_correlation (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  bool found = false;
  if (sqlite3_prepare_v2 (db,
                          "SELECT 1 FROM pragma_index_list('launch') AS il, pragma_index_info(il.name) AS ii "
                          "WHERE ii.seqno = 0 AND ii.name = 'correlation_id' AND il.partial = 0",
                          -1, &stmt, NULL) == SQLITE_OK)
    found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

/* The kernel of a gpu_activity row g's launch, for a row without a name of its own. */
const char *
lsc__gpu_kernel_sql (sqlite3 *db)
{
  return launch_indexed_by_correlation (db)
           ? "(SELECT l.kernel_id FROM main.launch AS l WHERE l.correlation_id = g.correlation_id AND "
             "l.session_id = g.session_id LIMIT 1)"
           : "NULL";
}

/* s (NULL: fallback) cut to max bytes into buf, which holds max + sizeof LSC__CUT_MARK. */
const char *
lsc__cut_copy (char *buf, const char *s, const char *fallback, size_t max)
{
  if (!s)
    s = fallback;
  size_t n = strlen (s), keep = lsc__utf8_cut (s, n, max);
  memcpy (buf, s, keep);
  strcpy (buf + keep, keep < n ? LSC__CUT_MARK : "");
  return buf;
}
