/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export.c — CSV, SQLite copy, JSON summary, Nsight Systems-shaped SQLite and Chrome
 * trace exports of a report.
 *
 * The source is the hardened read-only connection of an lsc_report: these functions read its
 * base tables only (never its views) inside one read transaction, so an export is one
 * consistent snapshot even while a recorder appends.  Destinations are written under a
 * temporary name in the destination's directory and renamed into place once complete
 * (see lsc-export.h for the no-clobber rule).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lsc-export.h"
#include "lsc-file.h"
#include "lsc-report-private.h"
#include "lsc-schema.h"

/* nsys's export schema whose column names and order the --nsys-sqlite tables follow. */
#define LSC_NSYS_SCHEMA_VERSION "3.16.1"
/* Kernel execution spans go on synthetic thread ids above any Linux tid (pid_max ≤ 2^22). */
#define LSC_STREAM_TID_BASE ((int64_t) 1 << 30)

/* ---- destination files ---------------------------------------------------------------- */

typedef struct {
  char *final_path;
  char *tmp_path;
  int fd;
  FILE *fp;
} out_file;

static int
out_file_begin (out_file *of, const char *final_path, bool force, bool stream, lsc_error *error)
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
static void
out_file_abort (out_file *of)
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
static void
out_file_release_fd (out_file *of)
{
  if (of->fd >= 0)
    close (of->fd);
  of->fd = -1;
}

static int
out_file_commit (out_file *of, bool force, lsc_error *error)
{
  int rc = 0;
  if (of->fp)
    {
      errno = 0;
      if (fflush (of->fp) != 0 || ferror (of->fp))
        {
          lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", of->final_path, strerror (errno ? errno : EIO));
          out_file_abort (of);
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
      out_file_abort (of);
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
      out_file_abort (of);
      return -1;
    }
  char kind[64];
  if (!lsc__file_replaceable (of->final_path, kind, sizeof kind))
    {
      /* It became one while the export was written. */
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: it is %s, not a regular file (refused even with --force)",
                      of->final_path, kind);
      out_file_abort (of);
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
          out_file_abort (of);
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
              out_file_abort (of);
              return -1;
            }
          rc = rename (of->tmp_path, of->final_path);
        }
    }
  if (rc != 0)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", of->final_path, strerror (errno));
      out_file_abort (of);
      return -1;
    }
  free (of->final_path);
  free (of->tmp_path);
  memset (of, 0, sizeof *of);
  of->fd = -1;
  return 0;
}

/* ---- shared helpers ------------------------------------------------------------------- */

/* Replacing the report being read (export r.lsdb --sqlite r.lsdb --force) would also leave its
 * -wal beside a different database, which SQLite could then replay into it: refused. */
static bool
is_source (lsc_report *report, const char *dest, lsc_error *error)
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

static void
source_error (lsc_error *error, lsc_report *report, const char *what)
{
  sqlite3 *db = lsc_report_db (report);
  int code = sqlite3_extended_errcode (db);
  lsc__error_set (error, code == SQLITE_NOMEM ? LSC_ERROR_NOMEM : lsc__error_code_from_sqlite (code),
                  "cannot export report %s (%s): %s", lsc_report_path (report), what, sqlite3_errmsg (db));
}

static void
dest_error (lsc_error *error, sqlite3 *out, const char *final_path)
{
  int sys = sqlite3_system_errno (out);
  int code = sqlite3_extended_errcode (out);
  if (sys != 0 && code != SQLITE_OK)
    lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s (%s)", final_path, sqlite3_errmsg (out), strerror (sys));
  else
    lsc__error_set (error, lsc__error_code_from_sqlite (code), "cannot write %s: %s", final_path,
                    sqlite3_errmsg (out));
}

static bool
col_int (sqlite3_stmt *stmt, int col, int64_t *out)
{
  if (sqlite3_column_type (stmt, col) != SQLITE_INTEGER)
    return false;
  *out = sqlite3_column_int64 (stmt, col);
  return true;
}

static const char *
col_text (sqlite3_stmt *stmt, int col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  return (const char *) sqlite3_column_text (stmt, col);
}

/* Begins the read transaction that makes the export one snapshot, unless the caller (the app)
 * already has one open; *began says whether source_end has one to end. */
static bool
source_begin (lsc_report *report, bool *began, lsc_error *error)
{
  sqlite3 *db = lsc_report_db (report);
  *began = sqlite3_get_autocommit (db) != 0;
  if (*began && sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    {
      *began = false;
      source_error (error, report, "begin");
      return false;
    }
  return true;
}

static void
source_end (lsc_report *report, bool began)
{
  if (began)
    sqlite3_exec (lsc_report_db (report), "COMMIT", NULL, NULL, NULL);
}

typedef struct {
  int64_t id, start_ns, pid;
  bool has_pid;
  char *workload, *gpu, *start_wall;
} sess_info;

typedef struct {
  sess_info *v;
  size_t n;
} sess_list;

static void
sess_list_free (sess_list *l)
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
  const char *t = col_text (stmt, col);
  return t ? strndup (t, (size_t) sqlite3_column_bytes (stmt, col)) : NULL;
}

static bool
load_sessions (lsc_report *report, sess_list *l, lsc_error *error)
{
  sqlite3_stmt *stmt = NULL;
  size_t cap = 0;
  memset (l, 0, sizeof *l);
  int rc = sqlite3_prepare_v2 (lsc_report_db (report),
                               "SELECT id, start_ns, settings, workload, gpu, start_wall FROM main.session ORDER BY id",
                               -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      source_error (error, report, "session");
      return false;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t id;
      if (!col_int (stmt, 0, &id))
        continue;
      if (l->n == cap)
        {
          cap = cap ? cap * 2 : 4;
          sess_info *v = realloc (l->v, cap * sizeof *v);
          if (!v)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          l->v = v;
        }
      sess_info *s = &l->v[l->n++];
      memset (s, 0, sizeof *s);
      s->id = id;
      col_int (stmt, 1, &s->start_ns);
      const char *settings = col_text (stmt, 2);
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
        source_error (error, report, "session");
      sess_list_free (l);
      return false;
    }
  return true;
}

static const sess_info *
find_sess (const sess_list *l, int64_t id)
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

/* The tables CSV exports, in order; their columns come from the reference schema. */
static const char *const export_tables[] = { "session", "kernel", "spec", "launch", "event", "gpu_activity" };

/* "SELECT "a", "b" FROM main."t"" with t's columns as the reference schema declares them. */
static char *
select_all_sql (sqlite3 *ref, const char *table, char ***names_out, int *n_out)
{
  sqlite3_stmt *stmt = NULL;
  size_t size = 64 + strlen (table), used = 0;
  char *sql = NULL;
  char **names = NULL;
  int n = 0;
  if (sqlite3_prepare_v2 (ref, "SELECT name FROM pragma_table_xinfo(?1)", -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  sql = malloc (size);
  if (!sql)
    goto fail;
  used = (size_t) snprintf (sql, size, "SELECT ");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      size_t need = used + strlen (name) + 8 + strlen (table) + 32;
      if (need > size)
        {
          size = need * 2;
          char *s = realloc (sql, size);
          if (!s)
            goto fail;
          sql = s;
        }
      used += (size_t) snprintf (sql + used, size - used, "%s\"%s\"", n ? ", " : "", name);
      char **nn = realloc (names, (size_t) (n + 1) * sizeof *nn);
      if (!nn)
        goto fail;
      names = nn;
      names[n] = strdup (name);
      if (!names[n])
        goto fail;
      n++;
    }
  snprintf (sql + used, size - used, " FROM main.\"%s\"", table);
  sqlite3_finalize (stmt);
  *names_out = names;
  *n_out = n;
  return sql;

fail:
  sqlite3_finalize (stmt);
  for (int i = 0; i < n; i++)
    free (names[i]);
  free (names);
  free (sql);
  return NULL;
}

/* Shortest %g form that reads back to the same double. */
static void
write_real (FILE *out, double v)
{
  char buf[64];
  if (!isfinite (v))
    {
      fputs (isnan (v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity", out);
      return;
    }
  for (int prec = 15; prec <= 17; prec++)
    {
      snprintf (buf, sizeof buf, "%.*g", prec, v);
      if (strtod (buf, NULL) == v)
        break;
    }
  fputs (buf, out);
}

/* Text as UTF-8: a byte that starts no valid sequence becomes U+FFFD, so that a hostile or
 * damaged report cannot hand spreadsheets and GTK text that is not UTF-8. */
static void
csv_text (FILE *out, const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *) s;
  bool quote = n == 0 || memchr (s, ',', n) || memchr (s, '"', n) || memchr (s, '\r', n) || memchr (s, '\n', n);
  if (quote)
    putc ('"', out);
  size_t run = 0; /* start of the bytes not yet written */
  for (size_t i = 0; i < n;)
    {
      size_t l = lsc__utf8_sequence (p + i, n - i);
      if (l == 0 || (quote && p[i] == '"'))
        {
          fwrite (p + run, 1, i - run, out);
          fputs (l == 0 ? "\xef\xbf\xbd" : "\"\"", out);
          i += l == 0 ? 1 : l;
          run = i;
          continue;
        }
      i += l;
    }
  fwrite (p + run, 1, n - run, out);
  if (quote)
    putc ('"', out);
}

static void
csv_field (FILE *out, sqlite3_stmt *stmt, int col)
{
  switch (sqlite3_column_type (stmt, col))
    {
    case SQLITE_NULL: break;
    case SQLITE_INTEGER: fprintf (out, "%lld", (long long) sqlite3_column_int64 (stmt, col)); break;
    case SQLITE_FLOAT: write_real (out, sqlite3_column_double (stmt, col)); break;
    case SQLITE_BLOB:
      {
        const unsigned char *b = sqlite3_column_blob (stmt, col);
        int n = sqlite3_column_bytes (stmt, col);
        for (int i = 0; i < n; i++)
          fprintf (out, "%02x", b[i]);
        break;
      }
    default:
      {
        const char *t = (const char *) sqlite3_column_text (stmt, col);
        csv_text (out, t ? t : "", (size_t) sqlite3_column_bytes (stmt, col));
        break;
      }
    }
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
static const char *
gpu_kernel_sql (sqlite3 *db)
{
  return launch_indexed_by_correlation (db)
           ? "(SELECT l.kernel_id FROM main.launch AS l WHERE l.correlation_id = g.correlation_id AND "
             "l.session_id = g.session_id LIMIT 1)"
           : "NULL";
}

typedef struct string_ids string_ids;
static int64_t string_id (string_ids *t, const char *s);

/* Kernel names by kernel id, read once: rows name their kernel by id, so a name is read and
 * written once per kernel, not once per launch that shares it. */
typedef struct {
  int64_t id;
  int64_t name_id; /* strings given: its StringIds id */
  char *name;      /* no strings: the name cut to LSC_EXPORT_NAME_MAX, NULL when NULL */
} kernel_name;

typedef struct {
  kernel_name *v;
  size_t n;
} kernel_names;

static void
kernel_names_free (kernel_names *k)
{
  for (size_t i = 0; i < k->n; i++)
    free (k->v[i].name);
  free (k->v);
  k->v = NULL;
  k->n = 0;
}

/* Returns 0, or an SQLite code (the source's, or SQLITE_NOMEM, or with strings the
 * destination's as string_id reports it: -2 becomes SQLITE_ERROR); *dest_failed says whose. */
static int
load_kernel_names (lsc_report *report, string_ids *strings, kernel_names *k, bool *dest_failed)
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
      if (!col_int (stmt, 0, &id) || (k->n > 0 && k->v[k->n - 1].id == id))
        continue;
      if (k->n == cap)
        {
          cap = cap ? cap * 2 : 16;
          kernel_name *v = realloc (k->v, cap * sizeof *v);
          if (!v)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          k->v = v;
        }
      kernel_name *e = &k->v[k->n];
      memset (e, 0, sizeof *e);
      e->id = id;
      e->name_id = -1;
      const char *name = col_text (stmt, 1);
      if (name && strings)
        {
          e->name_id = string_id (strings, name);
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
      kernel_names_free (k);
      return rc;
    }
  return 0;
}

static const kernel_name *
find_kernel (const kernel_names *k, sqlite3_stmt *stmt, int col)
{
  int64_t id;
  if (!col_int (stmt, col, &id))
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

/* ---- CSV -------------------------------------------------------------------------------- */

int
lsc_export_csv (lsc_report *report, const char *dir, bool force, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report || !dir || !*dir)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report or no destination directory given");
      return -1;
    }
  struct stat st;
  if (stat (dir, &st) != 0)
    {
      if (errno != ENOENT || mkdir (dir, 0777) != 0)
        {
          lsc__error_set (error, LSC_ERROR_IO, "cannot create directory %s: %s", dir, strerror (errno));
          return -1;
        }
    }
  else if (!S_ISDIR (st.st_mode))
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot export CSV into %s: it is not a directory", dir);
      return -1;
    }
  if (access (dir, W_OK | X_OK) != 0)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write into directory %s: %s", dir, strerror (errno));
      return -1;
    }

  size_t n_tables = sizeof export_tables / sizeof export_tables[0];
  char path[4096];
  /* Refuse before writing anything, so a refused export leaves the directory as it was. */
  for (size_t t = 0; t < n_tables && !force; t++)
    {
      snprintf (path, sizeof path, "%s/%s.csv", dir, export_tables[t]);
      if (lstat (path, &st) == 0)
        {
          lsc__error_set (error, LSC_ERROR_EXISTS, "%s already exists (use --force to replace it)", path);
          return -1;
        }
    }

  sqlite3 *ref = lsc__reference_schema (lsc_report_path (report), error);
  bool began = false;
  if (!ref)
    return -1;
  if (!source_begin (report, &began, error))
    {
      sqlite3_close (ref);
      return -1;
    }
  int result = 0;
  for (size_t t = 0; t < n_tables && result == 0; t++)
    {
      char **names = NULL;
      int n_cols = 0;
      sqlite3_stmt *stmt = NULL;
      out_file of;
      snprintf (path, sizeof path, "%s/%s.csv", dir, export_tables[t]);
      char *sql = select_all_sql (ref, export_tables[t], &names, &n_cols);
      if (!sql)
        {
          lsc__error_set (error, LSC_ERROR_NOMEM, "cannot write %s: out of memory", path);
          result = -1;
          break;
        }
      if (sqlite3_prepare_v2 (lsc_report_db (report), sql, -1, &stmt, NULL) != SQLITE_OK)
        {
          source_error (error, report, export_tables[t]);
          result = -1;
        }
      else if (out_file_begin (&of, path, force, true, error) != 0)
        result = -1;
      else
        {
          for (int c = 0; c < n_cols; c++)
            {
              if (c)
                putc (',', of.fp);
              csv_text (of.fp, names[c], strlen (names[c]));
            }
          fputs ("\r\n", of.fp);
          int rc;
          while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            {
              for (int c = 0; c < n_cols; c++)
                {
                  if (c)
                    putc (',', of.fp);
                  csv_field (of.fp, stmt, c);
                }
              fputs ("\r\n", of.fp);
              if (ferror (of.fp))
                break;
            }
          if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            {
              source_error (error, report, export_tables[t]);
              out_file_abort (&of);
              result = -1;
            }
          else if (out_file_commit (&of, force, error) != 0)
            result = -1;
        }
      sqlite3_finalize (stmt);
      for (int c = 0; c < n_cols; c++)
        free (names[c]);
      free (names);
      free (sql);
    }
  source_end (report, began);
  sqlite3_close (ref);
  return result;
}

/* ---- SQLite copy ---------------------------------------------------------------------- */

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
        dest_error (error, db, dest);
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
  out_file of;
  if (is_source (report, dest, error) || out_file_begin (&of, dest, force, false, error) != 0)
    return -1;
  out_file_release_fd (&of);
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
      out_file_abort (&of);
      return -1;
    }
  sqlite3_finalize (stmt);
  sqlite3_exec (db, "PRAGMA query_only=ON", NULL, NULL, NULL);
  if (keep_own_objects (report, of.tmp_path, dest, error) != 0)
    {
      out_file_abort (&of);
      return -1;
    }
  return out_file_commit (&of, force, error);
}

/* ---- JSON summary --------------------------------------------------------------------- */

int
lsc_export_json (lsc_report *report, FILE *out, const char *out_name, lsc_error *error)
{
  lsc_error_clear (error);
  lsc_report_summary *sum = lsc_report_summarize (report, error);
  if (!sum)
    return -1;
  int rc = lsc_report_summary_write_json (sum, out, out_name ? out_name : "output", error);
  lsc_report_summary_free (sum);
  return rc;
}

/* ---- Chrome trace --------------------------------------------------------------------- */

typedef struct {
  FILE *out;
  bool first;
} trace_writer;

static void
trace_begin_event (trace_writer *w)
{
  fputs (w->first ? "\n" : ",\n", w->out);
  w->first = false;
}

/* µs with three decimals: the trace format's unit, without losing the ns. */
static void
trace_us (FILE *out, int64_t ns)
{
  uint64_t a = ns < 0 ? (uint64_t) 0 - (uint64_t) ns : (uint64_t) ns;
  fprintf (out, "%s%" PRIu64 ".%03" PRIu64, ns < 0 ? "-" : "", a / 1000, a % 1000);
}

static void
trace_metadata (trace_writer *w, const char *name, int64_t pid, int64_t tid, const char *key, const char *text,
                int64_t number)
{
  trace_begin_event (w);
  fprintf (w->out, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"args\":{\"%s\":", name,
           pid, tid, key);
  if (text)
    lsc__json_string (w->out, text, -1);
  else
    fprintf (w->out, "%" PRId64, number);
  fputs ("}}", w->out);
}

static void
trace_arg_int (FILE *out, const char *key, sqlite3_stmt *stmt, int col)
{
  int64_t v;
  if (col_int (stmt, col, &v))
    fprintf (out, ",\"%s\":%" PRId64, key, v);
}

/* s (NULL: fallback) cut to max bytes into buf, which holds max + sizeof LSC__CUT_MARK. */
static const char *
cut_copy (char *buf, const char *s, const char *fallback, size_t max)
{
  if (!s)
    s = fallback;
  size_t n = strlen (s), keep = lsc__utf8_cut (s, n, max);
  memcpy (buf, s, keep);
  strcpy (buf + keep, keep < n ? LSC__CUT_MARK : "");
  return buf;
}

int
lsc_export_trace_json (lsc_report *report, const char *dest, bool force, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report");
      return -1;
    }
  sqlite3 *db = lsc_report_db (report);
  sess_list sessions;
  kernel_names kernels;
  out_file of;
  sqlite3_stmt *stmt = NULL;
  const char *stage = "session";
  bool began = false, dest_failed;
  int rc;
  if (is_source (report, dest, error) || !source_begin (report, &began, error))
    return -1;
  if (!load_sessions (report, &sessions, error))
    {
      source_end (report, began);
      return -1;
    }
  if ((rc = load_kernel_names (report, NULL, &kernels, &dest_failed)) != 0)
    {
      if (rc == SQLITE_NOMEM)
        lsc__error_set (error, LSC_ERROR_NOMEM, "cannot export report %s: out of memory", lsc_report_path (report));
      else
        source_error (error, report, "kernel");
      sess_list_free (&sessions);
      source_end (report, began);
      return -1;
    }
  if (out_file_begin (&of, dest, force, true, error) != 0)
    {
      kernel_names_free (&kernels);
      sess_list_free (&sessions);
      source_end (report, began);
      return -1;
    }
  FILE *out = of.fp;
  trace_writer w = { out, true };
  fputs ("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":\"launchscope\",\"report\":", out);
  lsc__json_string (out, lsc_report_path (report), -1);
  fputs ("},\"traceEvents\":[", out);

  for (size_t i = 0; i < sessions.n; i++)
    {
      const sess_info *s = &sessions.v[i];
      char workload[200 + sizeof LSC__CUT_MARK], gpu[200 + sizeof LSC__CUT_MARK], name[512];
      snprintf (name, sizeof name, "session %" PRId64 ": %s%s%s", s->id, cut_copy (workload, s->workload, "?", 200),
                s->gpu ? " on " : "", cut_copy (gpu, s->gpu, "", 200));
      trace_metadata (&w, "process_name", s->id, 0, "name", name, 0);
      trace_metadata (&w, "process_sort_index", s->id, 0, "sort_index", NULL, s->id);
      trace_metadata (&w, "thread_name", s->id, 0, "name", "events", 0);
    }

  /* Thread and stream names: DISTINCT keeps only the distinct pairs in memory. */
  stage = "launch threads";
  rc = sqlite3_prepare_v2 (db, "SELECT DISTINCT session_id, thread FROM main.launch", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto source_fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, tid;
      if (!col_int (stmt, 0, &sid) || !col_int (stmt, 1, &tid) || !find_sess (&sessions, sid) || tid == 0)
        continue;
      char name[64];
      snprintf (name, sizeof name, "thread %" PRId64, tid);
      trace_metadata (&w, "thread_name", sid, tid, "name", name, 0);
    }
  if (rc != SQLITE_DONE)
    goto source_fail;
  sqlite3_finalize (stmt);
  stage = "gpu_activity streams";
  rc = sqlite3_prepare_v2 (db, "SELECT DISTINCT session_id, stream_id FROM main.gpu_activity", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto source_fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, stream = 0;
      if (!col_int (stmt, 0, &sid) || !find_sess (&sessions, sid))
        continue;
      col_int (stmt, 1, &stream);
      char name[64];
      snprintf (name, sizeof name, "stream %" PRId64, stream);
      trace_metadata (&w, "thread_name", sid, lsc__add_sat (LSC_STREAM_TID_BASE, stream), "name", name, 0);
      trace_metadata (&w, "thread_sort_index", sid, lsc__add_sat (LSC_STREAM_TID_BASE, stream), "sort_index", NULL,
                      lsc__add_sat (1000000, stream));
    }
  if (rc != SQLITE_DONE)
    goto source_fail;
  sqlite3_finalize (stmt);

  /* Launch spans, with the CUPTI API span nested inside when recorded. */
  stage = "launch";
  rc = sqlite3_prepare_v2 (db,
                           "SELECT l.session_id, l.thread, l.path, l.outcome, l.reason, l.status, l.start_ns, l.host_ns, "
                           "l.correlation_id, l.api_start_ns, l.api_ns, l.spec_id, l.kernel_id, l.id, "
                           "l.resolve_ns, l.bind_ns, l.specialize_ns, l.key_ns, l.lookup_ns, l.globals_ns, "
                           "l.metadata_ns, l.launch_ns, l.gpu_ns "
                           "FROM main.launch AS l",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto source_fail;
  static const char *const stage_names[] = { "resolve_ns", "bind_ns", "specialize_ns", "key_ns",
                                              "lookup_ns",  "globals_ns", "metadata_ns", "launch_ns" };
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, tid = 0, path = -1, outcome = -1, reason = 0, status = 0, start, host_ns = 0, api_start, api_ns;
      const sess_info *s = col_int (stmt, 0, &sid) ? find_sess (&sessions, sid) : NULL;
      if (!s || !col_int (stmt, 6, &start))
        continue;
      col_int (stmt, 1, &tid);
      col_int (stmt, 2, &path);
      col_int (stmt, 3, &outcome);
      col_int (stmt, 4, &reason);
      col_int (stmt, 5, &status);
      /* Without a host time (or with a negative one) the span's length is unknown: an instant
       * event keeps the launch on its thread without drawing a made-up duration. */
      bool timed = col_int (stmt, 7, &host_ns) && host_ns >= 0;
      const kernel_name *kernel = find_kernel (&kernels, stmt, 12);
      const char *kname = kernel ? kernel->name : NULL;
      trace_begin_event (&w);
      fputs ("{\"name\":", out);
      lsc__json_string (out, kname ? kname : "launch", -1);
      fprintf (out, ",\"cat\":\"launch,%s\",\"ph\":\"%s\",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"ts\":",
               lsc_path_name (path), timed ? "X" : "i\",\"s\":\"t", sid, tid);
      trace_us (out, lsc__sub_sat (start, s->start_ns));
      if (timed)
        {
          fputs (",\"dur\":", out);
          trace_us (out, host_ns);
        }
      fprintf (out, ",\"args\":{\"path\":\"%s\",\"outcome\":\"%s\"", lsc_path_name (path), lsc_outcome_name (outcome));
      if (outcome == LSC_OUTCOME_FALLBACK || reason != 0)
        fprintf (out, ",\"reason\":\"%s\"", lsc_reason_name (reason));
      if (status != 0)
        fprintf (out, ",\"status\":%" PRId64, status);
      if (timed)
        fprintf (out, ",\"host_ns\":%" PRId64, host_ns);
      trace_arg_int (out, "launch_id", stmt, 13);
      trace_arg_int (out, "spec_id", stmt, 11);
      trace_arg_int (out, "kernel_id", stmt, 12);
      trace_arg_int (out, "correlation_id", stmt, 8);
      for (int k = 0; k < 8; k++)
        trace_arg_int (out, stage_names[k], stmt, 14 + k);
      trace_arg_int (out, "api_ns", stmt, 10);
      trace_arg_int (out, "gpu_ns", stmt, 22);
      fputs ("}}", out);
      if (col_int (stmt, 9, &api_start) && col_int (stmt, 10, &api_ns))
        {
          trace_begin_event (&w);
          fprintf (out, "{\"name\":\"cuLaunchKernel\",\"cat\":\"cupti\",\"ph\":\"X\",\"pid\":%" PRId64 ",\"tid\":%" PRId64
                        ",\"ts\":",
                   sid, tid);
          trace_us (out, lsc__sub_sat (api_start, s->start_ns));
          fputs (",\"dur\":", out);
          trace_us (out, api_ns < 0 ? 0 : api_ns);
          fputs (",\"args\":{", out);
          int64_t corr;
          if (col_int (stmt, 8, &corr))
            fprintf (out, "\"correlation_id\":%" PRId64, corr);
          fputs ("}}", out);
        }
      if (ferror (out))
        break;
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    goto source_fail;
  sqlite3_finalize (stmt);

  /* Kernel execution spans per stream. */
  stage = "gpu_activity";
  {
    char sql[1024];
    snprintf (sql, sizeof sql,
              "SELECT g.session_id, g.stream_id, g.start_ns, g.end_ns, g.correlation_id, g.device_id, g.name, g.grid_x, "
              "g.grid_y, g.grid_z, g.block_x, g.block_y, g.block_z, g.shared_mem, g.registers, g.context_id, %s "
              "FROM main.gpu_activity AS g",
              gpu_kernel_sql (db));
    rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  }
  if (rc != SQLITE_OK)
    goto source_fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, stream = 0, start, end;
      const sess_info *s = col_int (stmt, 0, &sid) ? find_sess (&sessions, sid) : NULL;
      if (!s || !col_int (stmt, 2, &start) || !col_int (stmt, 3, &end))
        continue;
      col_int (stmt, 1, &stream);
      const char *kname = col_text (stmt, 6);
      const kernel_name *kernel = kname ? NULL : find_kernel (&kernels, stmt, 16);
      trace_begin_event (&w);
      fputs ("{\"name\":", out);
      if (kname)
        lsc__json_string_cut (out, kname, -1, LSC_EXPORT_NAME_MAX);
      else
        lsc__json_string (out, kernel && kernel->name ? kernel->name : "kernel", -1);
      fprintf (out, ",\"cat\":\"gpu\",\"ph\":\"X\",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"ts\":", sid,
               lsc__add_sat (LSC_STREAM_TID_BASE, stream));
      trace_us (out, lsc__sub_sat (start, s->start_ns));
      fputs (",\"dur\":", out);
      trace_us (out, end > start ? lsc__sub_sat (end, start) : 0);
      fprintf (out, ",\"args\":{\"stream\":%" PRId64, stream);
      trace_arg_int (out, "correlation_id", stmt, 4);
      trace_arg_int (out, "device", stmt, 5);
      trace_arg_int (out, "context", stmt, 15);
      trace_arg_int (out, "grid_x", stmt, 7);
      trace_arg_int (out, "grid_y", stmt, 8);
      trace_arg_int (out, "grid_z", stmt, 9);
      trace_arg_int (out, "block_x", stmt, 10);
      trace_arg_int (out, "block_y", stmt, 11);
      trace_arg_int (out, "block_z", stmt, 12);
      trace_arg_int (out, "shared_mem", stmt, 13);
      trace_arg_int (out, "registers", stmt, 14);
      fputs ("}}", out);
      if (ferror (out))
        break;
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    goto source_fail;
  sqlite3_finalize (stmt);

  /* Toggles, fallbacks, errors, compiles as instant events. */
  stage = "event";
  rc = sqlite3_prepare_v2 (db, "SELECT session_id, t_ns, kind, text, kernel_id, launch_seq FROM main.event", -1, &stmt,
                           NULL);
  if (rc != SQLITE_OK)
    goto source_fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, t;
      const sess_info *s = col_int (stmt, 0, &sid) ? find_sess (&sessions, sid) : NULL;
      if (!s || !col_int (stmt, 1, &t))
        continue;
      const char *kind = col_text (stmt, 2);
      const char *text = col_text (stmt, 3);
      char kind_cut[40 + sizeof LSC__CUT_MARK], text_cut[100 + sizeof LSC__CUT_MARK], name[160];
      snprintf (name, sizeof name, "%s: %s", cut_copy (kind_cut, kind, "event", 40), cut_copy (text_cut, text, "", 100));
      trace_begin_event (&w);
      fputs ("{\"name\":", out);
      lsc__json_string (out, name, -1);
      fputs (",\"cat\":", out);
      lsc__json_string_cut (out, kind ? kind : "event", -1, LSC_EXPORT_NAME_MAX);
      fprintf (out, ",\"ph\":\"i\",\"s\":\"p\",\"pid\":%" PRId64 ",\"tid\":0,\"ts\":", sid);
      trace_us (out, lsc__sub_sat (t, s->start_ns));
      fputs (",\"args\":{\"text\":", out);
      lsc__json_string (out, text ? text : "", text ? sqlite3_column_bytes (stmt, 3) : 0);
      trace_arg_int (out, "kernel_id", stmt, 4);
      trace_arg_int (out, "launch_seq", stmt, 5);
      fputs ("}}", out);
      if (ferror (out))
        break;
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    goto source_fail;
  sqlite3_finalize (stmt);
  stmt = NULL;

  fputs ("\n]}\n", out);
  kernel_names_free (&kernels);
  sess_list_free (&sessions);
  source_end (report, began);
  return out_file_commit (&of, force, error);

source_fail:
  source_error (error, report, stage);
  sqlite3_finalize (stmt);
  out_file_abort (&of);
  kernel_names_free (&kernels);
  sess_list_free (&sessions);
  source_end (report, began);
  return -1;
}

/* ---- Nsight Systems-shaped SQLite ------------------------------------------------------ */

/* Column names, order and declarations of nsys's export schema 3.16 for the tables written. */
static const char nsys_schema_sql[] =
  "CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);\n"
  "CREATE TABLE PROCESSES (globalPid INTEGER, pid INTEGER, name TEXT);\n"
  "CREATE TABLE TARGET_INFO_SESSION_START_TIME (utcEpochNs INTEGER, utcTime TEXT, localTime TEXT);\n"
  "CREATE TABLE TARGET_INFO_GPU (vmId INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT, busLocation TEXT,"
  " isDiscrete INTEGER, l2CacheSize INTEGER, totalMemory INTEGER, memoryBandwidth INTEGER, clockRate INTEGER,"
  " smCount INTEGER, pwGpuId INTEGER, uuid TEXT, luid INTEGER, chipName TEXT, cuDevice INTEGER,"
  " ctxswDevPath TEXT, ctrlDevPath TEXT, revision INTEGER, nodeMask INTEGER, constantMemory INTEGER,"
  " maxIPC INTEGER, maxRegistersPerBlock INTEGER, maxShmemPerBlock INTEGER, maxShmemPerBlockOptin INTEGER,"
  " maxShmemPerSm INTEGER, maxRegistersPerSm INTEGER, threadsPerWarp INTEGER, asyncEngines INTEGER,"
  " maxWarpsPerSm INTEGER, maxBlocksPerSm INTEGER, maxThreadsPerBlock INTEGER, maxBlockDimX INTEGER,"
  " maxBlockDimY INTEGER, maxBlockDimZ INTEGER, maxGridDimX INTEGER, maxGridDimY INTEGER, maxGridDimZ INTEGER,"
  " computeMajor INTEGER, computeMinor INTEGER, smMajor INTEGER, smMinor INTEGER);\n"
  "CREATE TABLE META_DATA_EXPORT (name TEXT NOT NULL, value TEXT);\n"
  "CREATE TABLE ENUM_NSYS_EVENT_CLASS (id INTEGER NOT NULL PRIMARY KEY, name TEXT, label TEXT);\n"
  "INSERT INTO ENUM_NSYS_EVENT_CLASS VALUES (0, 'TRACE_PROCESS_EVENT_CUDA_RUNTIME', 'CUDA runtime'),"
  " (1, 'TRACE_PROCESS_EVENT_CUDA_DRIVER', 'CUDA driver');\n"
  "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL,"
  " deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, greenContextId INTEGER, streamId INTEGER NOT NULL,"
  " correlationId INTEGER, globalPid INTEGER, demangledName INTEGER NOT NULL, shortName INTEGER NOT NULL,"
  " mangledName INTEGER, launchType INTEGER, cacheConfig INTEGER, registersPerThread INTEGER NOT NULL,"
  " gridX INTEGER NOT NULL, gridY INTEGER NOT NULL, gridZ INTEGER NOT NULL, blockX INTEGER NOT NULL,"
  " blockY INTEGER NOT NULL, blockZ INTEGER NOT NULL, staticSharedMemory INTEGER NOT NULL,"
  " dynamicSharedMemory INTEGER NOT NULL, localMemoryPerThread INTEGER NOT NULL,"
  " localMemoryTotal INTEGER NOT NULL, gridId INTEGER NOT NULL, sharedMemoryExecuted INTEGER,"
  " graphNodeId INTEGER, sharedMemoryLimitConfig INTEGER);\n"
  "CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL,"
  " eventClass INTEGER NOT NULL, globalTid INTEGER, correlationId INTEGER, nameId INTEGER NOT NULL,"
  " returnValue INTEGER NOT NULL, callchainId INTEGER);\n"
  /* Launchscope's own tables: same time base (session-relative ns), same correlationId. */
  "CREATE TABLE FL_SESSION (id INTEGER PRIMARY KEY, globalPid INTEGER, workload TEXT, host TEXT, gpu TEXT,"
  " driverVersion INTEGER, toolkit TEXT, nvrtc TEXT, cpu TEXT, settings TEXT, startWall TEXT,"
  " duration INTEGER, droppedRows INTEGER, observerOverheadNs REAL, cuptiMode TEXT, cuptiStatus TEXT);\n"
  "CREATE TABLE FL_SPEC (id INTEGER PRIMARY KEY, sessionId INTEGER, kernelId INTEGER, kernelNameId INTEGER,"
  " key INTEGER, description TEXT, ptrAlignment TEXT, intClasses TEXT, debug INTEGER, instrumentation TEXT,"
  " compileHook INTEGER, compileMs REAL, hits INTEGER, misses INTEGER, first INTEGER, last INTEGER);\n"
  "CREATE TABLE FL_LAUNCH (id INTEGER PRIMARY KEY, sessionId INTEGER, correlationId INTEGER, globalTid INTEGER,"
  " start INTEGER NOT NULL, end INTEGER NOT NULL, kernelId INTEGER, kernelNameId INTEGER, specId INTEGER,"
  " path TEXT, outcome TEXT, reason TEXT, status INTEGER, hostNs INTEGER, resolveNs INTEGER, bindNs INTEGER,"
  " specializeNs INTEGER, keyNs INTEGER, lookupNs INTEGER, globalsNs INTEGER, metadataNs INTEGER,"
  " launchNs INTEGER, apiStart INTEGER, apiNs INTEGER, gpuStart INTEGER, gpuNs INTEGER);\n"
  "CREATE TABLE FL_RAW_FLOOR (sessionId INTEGER PRIMARY KEY, rawFloorP50Ns REAL, rawLaunches INTEGER,"
  " rawP50Ns INTEGER, rawP90Ns INTEGER, rawP99Ns INTEGER, fastP50Ns INTEGER, defaultP50Ns INTEGER,"
  " observerOverheadNs REAL);\n";

/* Interns strings for StringIds; distinct kernel names are few, so a small open-addressing
 * table suffices and the 1M-row passes stay in C. */
struct string_ids {
  char **keys;
  int64_t *ids;
  size_t cap, n;
  int64_t next_id;
  sqlite3_stmt *insert;
};

static uint64_t
fnv1a (const char *s)
{
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char) *s) * 1099511628211ull;
  return h;
}

static void
string_ids_free (string_ids *t)
{
  for (size_t i = 0; i < t->cap; i++)
    free (t->keys[i]);
  free (t->keys);
  free (t->ids);
  sqlite3_finalize (t->insert);
}

/* Returns the id, -1 on out of memory, -2 on an SQLite error. */
static int64_t
string_id (string_ids *t, const char *s)
{
  if (t->n * 2 >= t->cap)
    {
      size_t cap = t->cap ? t->cap * 2 : 64;
      char **keys = calloc (cap, sizeof *keys);
      int64_t *ids = calloc (cap, sizeof *ids);
      if (!keys || !ids)
        {
          free (keys);
          free (ids);
          return -1;
        }
      for (size_t i = 0; i < t->cap; i++)
        if (t->keys[i])
          {
            size_t j = fnv1a (t->keys[i]) & (cap - 1);
            while (keys[j])
              j = (j + 1) & (cap - 1);
            keys[j] = t->keys[i];
            ids[j] = t->ids[i];
          }
      free (t->keys);
      free (t->ids);
      t->keys = keys;
      t->ids = ids;
      t->cap = cap;
    }
  size_t j = fnv1a (s) & (t->cap - 1);
  while (t->keys[j])
    {
      if (strcmp (t->keys[j], s) == 0)
        return t->ids[j];
      j = (j + 1) & (t->cap - 1);
    }
  char *k = strdup (s);
  if (!k)
    return -1;
  int64_t id = t->next_id++;
  sqlite3_reset (t->insert);
  sqlite3_bind_int64 (t->insert, 1, id);
  sqlite3_bind_text (t->insert, 2, s, -1, SQLITE_STATIC);
  if (sqlite3_step (t->insert) != SQLITE_DONE)
    {
      free (k);
      return -2;
    }
  t->keys[j] = k;
  t->ids[j] = id;
  t->n++;
  return id;
}

static void
bind_opt_int (sqlite3_stmt *dst, int idx, sqlite3_stmt *src, int col)
{
  if (sqlite3_column_type (src, col) == SQLITE_INTEGER)
    sqlite3_bind_int64 (dst, idx, sqlite3_column_int64 (src, col));
  else
    sqlite3_bind_null (dst, idx);
}

static void
bind_opt_real (sqlite3_stmt *dst, int idx, sqlite3_stmt *src, int col)
{
  int t = sqlite3_column_type (src, col);
  if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
    sqlite3_bind_double (dst, idx, sqlite3_column_double (src, col));
  else
    sqlite3_bind_null (dst, idx);
}

static void
bind_opt_text (sqlite3_stmt *dst, int idx, sqlite3_stmt *src, int col)
{
  const char *t = col_text (src, col);
  if (t)
    sqlite3_bind_text (dst, idx, t, sqlite3_column_bytes (src, col), SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (dst, idx);
}

/* A relative time, or NULL when the source value is not an integer. */
static void
bind_rel (sqlite3_stmt *dst, int idx, sqlite3_stmt *src, int col, int64_t zero)
{
  int64_t v;
  if (col_int (src, col, &v))
    sqlite3_bind_int64 (dst, idx, lsc__sub_sat (v, zero));
  else
    sqlite3_bind_null (dst, idx);
}

/* "2026-11-25T12:00:00.123Z" → ns since the epoch; false when it does not parse. */
static bool
parse_utc (const char *text, int64_t *out)
{
  struct tm tm;
  memset (&tm, 0, sizeof tm);
  if (!text)
    return false;
  const char *p = strptime (text, "%Y-%m-%dT%H:%M:%S", &tm);
  if (!p)
    p = strptime (text, "%Y-%m-%d %H:%M:%S", &tm);
  if (!p)
    return false;
  int64_t frac = 0;
  if (*p == '.')
    {
      int digits = 0;
      for (p++; *p >= '0' && *p <= '9'; p++)
        if (digits < 9)
          {
            frac = frac * 10 + (*p - '0');
            digits++;
          }
      for (; digits < 9; digits++)
        frac *= 10;
    }
  time_t t = timegm (&tm);
  if (t == (time_t) -1)
    return false;
  *out = (int64_t) t * 1000000000 + frac;
  return true;
}

static int
exec_out (sqlite3 *out, const char *sql)
{
  return sqlite3_exec (out, sql, NULL, NULL, NULL);
}

int
lsc_export_nsys_sqlite (lsc_report *report, const char *dest, bool force, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report");
      return -1;
    }
  sqlite3 *db = lsc_report_db (report);
  lsc_report_summary *sum = NULL;
  sess_list sessions = { 0 };
  string_ids strings = { 0 };
  kernel_names kernels = { 0 };
  sqlite3 *out = NULL;
  sqlite3_stmt *src = NULL, *ins = NULL, *ins2 = NULL;
  bool began = false;
  out_file of;
  const char *stage = "session";
  bool dest_failed = false;
  int rc;

  /* The summary reads its own snapshot first; the export's snapshot follows.  Both run
   * inside this call, so a recorder appending meanwhile can at most add rows to the later one. */
  if (is_source (report, dest, error))
    return -1;
  sum = lsc_report_summarize (report, error);
  if (!sum)
    return -1;
  if (out_file_begin (&of, dest, force, false, error) != 0)
    {
      lsc_report_summary_free (sum);
      return -1;
    }
  out_file_release_fd (&of);
  if (!source_begin (report, &began, error))
    {
      out_file_abort (&of);
      lsc_report_summary_free (sum);
      return -1;
    }
  if (!load_sessions (report, &sessions, error))
    {
      source_end (report, began);
      out_file_abort (&of);
      lsc_report_summary_free (sum);
      return -1;
    }

  rc = sqlite3_open_v2 (of.tmp_path, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  dest_failed = true;
  if (rc != SQLITE_OK)
    goto fail;
  sqlite3_extended_result_codes (out, 1);
  /* A temporary file renamed into place only when complete needs no journal. */
  if ((rc = exec_out (out, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN")) != SQLITE_OK ||
      (rc = exec_out (out, nsys_schema_sql)) != SQLITE_OK)
    goto fail;
  if ((rc = sqlite3_prepare_v2 (out, "INSERT INTO StringIds (id, value) VALUES (?1, ?2)", -1, &strings.insert, NULL)) !=
      SQLITE_OK)
    goto fail;
  strings.next_id = 1;
  int64_t launch_name = string_id (&strings, "cuLaunchKernel");
  if (launch_name < 0)
    {
      rc = launch_name == -1 ? SQLITE_NOMEM : sqlite3_errcode (out);
      goto fail;
    }
  stage = "kernel";
  if ((rc = load_kernel_names (report, &strings, &kernels, &dest_failed)) != 0)
    {
      if (dest_failed)
        rc = sqlite3_errcode (out);
      goto fail;
    }
  dest_failed = true;

  /* META_DATA_EXPORT: what this file is, for tools that check before querying. */
  {
    static const char *const meta[][2] = {
      { "EXPORT_SCHEMA_VERSION", LSC_NSYS_SCHEMA_VERSION },
      { "EXPORT_SOURCE", "launchscope" },
      { "EXPORT_SUBSET", "StringIds PROCESSES TARGET_INFO_GPU TARGET_INFO_SESSION_START_TIME ENUM_NSYS_EVENT_CLASS "
                         "META_DATA_EXPORT CUPTI_ACTIVITY_KIND_RUNTIME CUPTI_ACTIVITY_KIND_KERNEL" },
      { "TIMESTAMP_BASE", "session start (CLOCK_MONOTONIC of the recording host), ns" },
    };
    if ((rc = sqlite3_prepare_v2 (out, "INSERT INTO META_DATA_EXPORT VALUES (?1, ?2)", -1, &ins, NULL)) != SQLITE_OK)
      goto fail;
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
      {
        sqlite3_reset (ins);
        sqlite3_bind_text (ins, 1, meta[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text (ins, 2, meta[i][1], -1, SQLITE_STATIC);
        if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
          goto fail;
      }
    sqlite3_reset (ins);
    sqlite3_bind_text (ins, 1, "LAUNCHSCOPE_REPORT", -1, SQLITE_STATIC);
    sqlite3_bind_text (ins, 2, lsc_report_path (report), -1, SQLITE_STATIC);
    if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
      goto fail;
    sqlite3_finalize (ins);
    ins = NULL;
  }

  /* Session start, processes, GPUs. */
  if (sessions.n > 0)
    {
      int64_t epoch;
      const sess_info *s0 = &sessions.v[0];
      if ((rc = sqlite3_prepare_v2 (out, "INSERT INTO TARGET_INFO_SESSION_START_TIME VALUES (?1, ?2, ?2)", -1, &ins,
                                    NULL)) != SQLITE_OK)
        goto fail;
      if (parse_utc (s0->start_wall, &epoch))
        sqlite3_bind_int64 (ins, 1, epoch);
      if (s0->start_wall)
        sqlite3_bind_text (ins, 2, s0->start_wall, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
        goto fail;
      sqlite3_finalize (ins);
      ins = NULL;
    }
  if ((rc = sqlite3_prepare_v2 (out, "INSERT INTO PROCESSES VALUES (?1, ?2, ?3)", -1, &ins, NULL)) != SQLITE_OK)
    goto fail;
  for (size_t i = 0; i < sessions.n; i++)
    {
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, sessions.v[i].pid << 24);
      sqlite3_bind_int64 (ins, 2, sessions.v[i].pid);
      if (sessions.v[i].workload)
        sqlite3_bind_text (ins, 3, sessions.v[i].workload, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (ins, 3);
      if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
        goto fail;
    }
  sqlite3_finalize (ins);
  ins = NULL;

  dest_failed = false;
  stage = "gpu_activity devices";
  if ((rc = sqlite3_prepare_v2 (db,
                                "SELECT s.id, d.device_id FROM main.session AS s LEFT JOIN (SELECT DISTINCT session_id, "
                                "device_id FROM main.gpu_activity) AS d ON d.session_id = s.id ORDER BY s.id",
                                -1, &src, NULL)) != SQLITE_OK)
    goto fail;
  dest_failed = true;
  if ((rc = sqlite3_prepare_v2 (out,
                                "INSERT INTO TARGET_INFO_GPU (vmId, id, name, cuDevice) SELECT 0, ?1, ?2, ?1 "
                                "WHERE NOT EXISTS (SELECT 1 FROM TARGET_INFO_GPU WHERE id = ?1)",
                                -1, &ins, NULL)) != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (src)) == SQLITE_ROW)
    {
      int64_t sid, dev = 0;
      const sess_info *s = col_int (src, 0, &sid) ? find_sess (&sessions, sid) : NULL;
      if (!s)
        continue;
      col_int (src, 1, &dev);
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, dev);
      /* One row per device: the session's GPU name would repeat on each. */
      char gpu[LSC_EXPORT_NAME_MAX + sizeof LSC__CUT_MARK];
      if (s->gpu)
        sqlite3_bind_text (ins, 2, cut_copy (gpu, s->gpu, "", LSC_EXPORT_NAME_MAX), -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (ins, 2);
      if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
        goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      dest_failed = false;
      goto fail;
    }
  sqlite3_finalize (src);
  sqlite3_finalize (ins);
  src = ins = NULL;

  /* FL_SESSION */
  dest_failed = false;
  stage = "session";
  if ((rc = sqlite3_prepare_v2 (db,
                                "SELECT id, workload, host, gpu, driver_version, toolkit, nvrtc, cpu, settings, start_wall, "
                                "start_ns, stop_ns, dropped_rows, observer_overhead_ns, cupti_mode, cupti_status "
                                "FROM main.session",
                                -1, &src, NULL)) != SQLITE_OK)
    goto fail;
  dest_failed = true;
  if ((rc = sqlite3_prepare_v2 (out, "INSERT INTO FL_SESSION VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
                                -1, &ins, NULL)) != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (src)) == SQLITE_ROW)
    {
      int64_t sid, start, stop;
      const sess_info *s = col_int (src, 0, &sid) ? find_sess (&sessions, sid) : NULL;
      if (!s)
        continue;
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, sid);
      sqlite3_bind_int64 (ins, 2, s->pid << 24);
      bind_opt_text (ins, 3, src, 1);
      bind_opt_text (ins, 4, src, 2);
      bind_opt_text (ins, 5, src, 3);
      bind_opt_int (ins, 6, src, 4);
      bind_opt_text (ins, 7, src, 5);
      bind_opt_text (ins, 8, src, 6);
      bind_opt_text (ins, 9, src, 7);
      bind_opt_text (ins, 10, src, 8);
      bind_opt_text (ins, 11, src, 9);
      if (col_int (src, 10, &start) && col_int (src, 11, &stop))
        sqlite3_bind_int64 (ins, 12, lsc__sub_sat (stop, start));
      else
        sqlite3_bind_null (ins, 12);
      bind_opt_int (ins, 13, src, 12);
      bind_opt_real (ins, 14, src, 13);
      bind_opt_text (ins, 15, src, 14);
      bind_opt_text (ins, 16, src, 15);
      if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
        goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      dest_failed = false;
      goto fail;
    }
  sqlite3_finalize (src);
  sqlite3_finalize (ins);
  src = ins = NULL;

  /* FL_SPEC */
  dest_failed = false;
  stage = "spec";
  if ((rc = sqlite3_prepare_v2 (db,
                                "SELECT s.id, k.session_id, s.kernel_id, NULL AS kernel_name_id, s.key, s.description, s.ptr_alignment, "
                                "s.int_classes, s.debug, s.instrumentation, s.compile_hook, s.compile_ms, s.hits, "
                                "s.misses, s.first_ns, s.last_ns FROM main.spec AS s LEFT JOIN main.kernel AS k "
                                "ON k.id = s.kernel_id",
                                -1, &src, NULL)) != SQLITE_OK)
    goto fail;
  dest_failed = true;
  if ((rc = sqlite3_prepare_v2 (out, "INSERT INTO FL_SPEC VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
                                -1, &ins, NULL)) != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (src)) == SQLITE_ROW)
    {
      int64_t sid = 0;
      const sess_info *s = col_int (src, 1, &sid) ? find_sess (&sessions, sid) : NULL;
      int64_t zero = s ? s->start_ns : 0;
      sqlite3_reset (ins);
      const kernel_name *kernel = find_kernel (&kernels, src, 2);
      for (int c = 0; c < 16; c++)
        {
          if (c == 3)
            {
              if (kernel && kernel->name_id >= 0)
                sqlite3_bind_int64 (ins, c + 1, kernel->name_id);
              else
                sqlite3_bind_null (ins, c + 1);
            }
          else if (c == 5 || c == 6 || c == 7 || c == 9)
            bind_opt_text (ins, c + 1, src, c);
          else if (c == 11)
            bind_opt_real (ins, c + 1, src, c);
          else if (c >= 14)
            bind_rel (ins, c + 1, src, c, zero);
          else
            bind_opt_int (ins, c + 1, src, c);
        }
      if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
        goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      dest_failed = false;
      goto fail;
    }
  sqlite3_finalize (src);
  sqlite3_finalize (ins);
  src = ins = NULL;

  /* CUPTI_ACTIVITY_KIND_RUNTIME and FL_LAUNCH in one pass over launch. */
  dest_failed = false;
  stage = "launch";
  if ((rc = sqlite3_prepare_v2 (db,
                                "SELECT l.id, l.session_id, l.correlation_id, l.thread, l.start_ns, l.host_ns, "
                                "l.kernel_id, NULL AS kernel_name_id, l.spec_id, l.path, l.outcome, l.reason, l.status, "
                                "l.resolve_ns, l.bind_ns, l.specialize_ns, l.key_ns, l.lookup_ns, l.globals_ns, "
                                "l.metadata_ns, l.launch_ns, l.api_start_ns, l.api_ns, l.gpu_start_ns, l.gpu_ns "
                                "FROM main.launch AS l",
                                -1, &src, NULL)) != SQLITE_OK)
    goto fail;
  dest_failed = true;
  if ((rc = sqlite3_prepare_v2 (out,
                                "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, NULL)", -1,
                                &ins, NULL)) != SQLITE_OK ||
      (rc = sqlite3_prepare_v2 (out,
                                "INSERT INTO FL_LAUNCH VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
                                "?17,?18,?19,?20,?21,?22,?23,?24,?25,?26)",
                                -1, &ins2, NULL)) != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (src)) == SQLITE_ROW)
    {
      int64_t sid, start, tid = 0, host_ns = 0, status = 0, api_start, api_ns, path = -1, outcome = -1, reason = 0;
      const sess_info *s = col_int (src, 1, &sid) ? find_sess (&sessions, sid) : NULL;
      if (!s || !col_int (src, 4, &start))
        continue;
      col_int (src, 3, &tid);
      col_int (src, 5, &host_ns);
      col_int (src, 12, &status);
      col_int (src, 9, &path);
      col_int (src, 10, &outcome);
      col_int (src, 11, &reason);
      int64_t global_tid = (int64_t) (((uint64_t) s->pid << 24) | ((uint64_t) tid & 0xffffff));
      int64_t rel = lsc__sub_sat (start, s->start_ns);
      int64_t end = lsc__add_sat (rel, host_ns > 0 ? host_ns : 0);
      int64_t api_rel = rel, api_end = end;
      if (col_int (src, 21, &api_start) && col_int (src, 22, &api_ns))
        {
          api_rel = lsc__sub_sat (api_start, s->start_ns);
          api_end = lsc__add_sat (api_rel, api_ns > 0 ? api_ns : 0);
        }
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, api_rel);
      sqlite3_bind_int64 (ins, 2, api_end);
      sqlite3_bind_int64 (ins, 3, global_tid);
      bind_opt_int (ins, 4, src, 2);
      sqlite3_bind_int64 (ins, 5, launch_name);
      sqlite3_bind_int64 (ins, 6, status);
      if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
        goto fail;

      sqlite3_reset (ins2);
      bind_opt_int (ins2, 1, src, 0);
      sqlite3_bind_int64 (ins2, 2, sid);
      bind_opt_int (ins2, 3, src, 2);
      sqlite3_bind_int64 (ins2, 4, global_tid);
      sqlite3_bind_int64 (ins2, 5, rel);
      sqlite3_bind_int64 (ins2, 6, end);
      bind_opt_int (ins2, 7, src, 6);
      const kernel_name *kernel = find_kernel (&kernels, src, 6);
      if (kernel && kernel->name_id >= 0)
        sqlite3_bind_int64 (ins2, 8, kernel->name_id);
      else
        sqlite3_bind_null (ins2, 8);
      bind_opt_int (ins2, 9, src, 8);
      sqlite3_bind_text (ins2, 10, lsc_path_name (path), -1, SQLITE_STATIC);
      sqlite3_bind_text (ins2, 11, lsc_outcome_name (outcome), -1, SQLITE_STATIC);
      sqlite3_bind_text (ins2, 12, lsc_reason_name (reason), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (ins2, 13, status);
      bind_opt_int (ins2, 14, src, 5);
      for (int c = 13; c <= 20; c++)
        bind_opt_int (ins2, c + 2, src, c);
      bind_rel (ins2, 23, src, 21, s->start_ns);
      bind_opt_int (ins2, 24, src, 22);
      bind_rel (ins2, 25, src, 23, s->start_ns);
      bind_opt_int (ins2, 26, src, 24);
      if ((rc = sqlite3_step (ins2)) != SQLITE_DONE)
        goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      dest_failed = false;
      goto fail;
    }
  sqlite3_finalize (src);
  sqlite3_finalize (ins);
  sqlite3_finalize (ins2);
  src = ins = ins2 = NULL;

  /* CUPTI_ACTIVITY_KIND_KERNEL from the activity records. */
  dest_failed = false;
  stage = "gpu_activity";
  {
    char sql[1024];
    snprintf (sql, sizeof sql,
              "SELECT g.session_id, g.start_ns, g.end_ns, g.device_id, g.context_id, g.stream_id, g.correlation_id, "
              "g.name, g.registers, g.grid_x, g.grid_y, g.grid_z, g.block_x, g.block_y, g.block_z, g.shared_mem, %s "
              "FROM main.gpu_activity AS g",
              gpu_kernel_sql (db));
    if ((rc = sqlite3_prepare_v2 (db, sql, -1, &src, NULL)) != SQLITE_OK)
      goto fail;
  }
  dest_failed = true;
  if ((rc = sqlite3_prepare_v2 (out,
                                "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8, ?8, "
                                "?8, NULL, NULL, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 0, ?16, 0, 0, 0, NULL, NULL, NULL)",
                                -1, &ins, NULL)) != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (src)) == SQLITE_ROW)
    {
      int64_t sid, v;
      const sess_info *s = col_int (src, 0, &sid) ? find_sess (&sessions, sid) : NULL;
      if (!s)
        continue;
      const char *name = col_text (src, 7);
      const kernel_name *kernel = name ? NULL : find_kernel (&kernels, src, 16);
      int64_t name_id = kernel && kernel->name_id >= 0 ? kernel->name_id
                                                       : string_id (&strings, name ? name : "(unknown kernel)");
      if (name_id < 0)
        {
          rc = name_id == -1 ? SQLITE_NOMEM : sqlite3_errcode (out);
          goto fail;
        }
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, col_int (src, 1, &v) ? lsc__sub_sat (v, s->start_ns) : 0);
      sqlite3_bind_int64 (ins, 2, col_int (src, 2, &v) ? lsc__sub_sat (v, s->start_ns) : 0);
      /* nsys exports NOT NULL columns with a default of 0 where CUPTI gave nothing. */
      sqlite3_bind_int64 (ins, 3, col_int (src, 3, &v) ? v : 0);
      sqlite3_bind_int64 (ins, 4, col_int (src, 4, &v) ? v : 0);
      sqlite3_bind_int64 (ins, 5, col_int (src, 5, &v) ? v : 0);
      bind_opt_int (ins, 6, src, 6);
      sqlite3_bind_int64 (ins, 7, s->pid << 24);
      sqlite3_bind_int64 (ins, 8, name_id);
      for (int c = 8; c <= 15; c++) /* registers, grid, block, shared (dynamic, as cuLaunchKernel passes it) */
        sqlite3_bind_int64 (ins, c + 1, col_int (src, c, &v) ? v : 0);
      if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
        goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      dest_failed = false;
      goto fail;
    }
  sqlite3_finalize (src);
  sqlite3_finalize (ins);
  src = ins = NULL;

  /* FL_RAW_FLOOR: the bare launch floor next to what the engine paths achieved. */
  if ((rc = sqlite3_prepare_v2 (out, "INSERT INTO FL_RAW_FLOOR VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", -1, &ins,
                                NULL)) != SQLITE_OK)
    goto fail;
  for (size_t i = 0; i < sum->n_sessions; i++)
    {
      const lsc_session_summary *s = &sum->sessions[i];
      const lsc_path_summary *raw = &s->paths[2], *fast = &s->paths[0], *dflt = &s->paths[1];
      sqlite3_reset (ins);
      sqlite3_clear_bindings (ins);
      sqlite3_bind_int64 (ins, 1, s->id);
      if (s->has_raw_floor)
        sqlite3_bind_double (ins, 2, s->raw_floor_p50_ns);
      sqlite3_bind_int64 (ins, 3, raw->count);
      if (raw->count)
        {
          sqlite3_bind_int64 (ins, 4, raw->p50_ns);
          sqlite3_bind_int64 (ins, 5, raw->p90_ns);
          sqlite3_bind_int64 (ins, 6, raw->p99_ns);
        }
      if (fast->count)
        sqlite3_bind_int64 (ins, 7, fast->p50_ns);
      if (dflt->count)
        sqlite3_bind_int64 (ins, 8, dflt->p50_ns);
      if (s->has_observer_overhead)
        sqlite3_bind_double (ins, 9, s->observer_overhead_ns);
      if ((rc = sqlite3_step (ins)) != SQLITE_DONE)
        goto fail;
    }
  sqlite3_finalize (ins);
  ins = NULL;

  if ((rc = exec_out (out, "COMMIT")) != SQLITE_OK)
    goto fail;
  string_ids_free (&strings);
  memset (&strings, 0, sizeof strings);
  kernel_names_free (&kernels);
  rc = sqlite3_close (out);
  out = NULL;
  if (rc != SQLITE_OK)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", dest, sqlite3_errstr (rc));
      goto fail_reported;
    }
  source_end (report, began);
  sess_list_free (&sessions);
  lsc_report_summary_free (sum);
  return out_file_commit (&of, force, error);

fail:
  if (rc == SQLITE_NOMEM)
    lsc__error_set (error, LSC_ERROR_NOMEM, "cannot write %s: out of memory", dest);
  else if (dest_failed && out)
    dest_error (error, out, dest);
  else if (dest_failed)
    lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", dest, sqlite3_errstr (rc));
  else
    source_error (error, report, stage);
fail_reported:
  sqlite3_finalize (src);
  sqlite3_finalize (ins);
  sqlite3_finalize (ins2);
  string_ids_free (&strings);
  kernel_names_free (&kernels);
  sqlite3_close (out);
  source_end (report, began);
  sess_list_free (&sessions);
  lsc_report_summary_free (sum);
  out_file_abort (&of);
  return -1;
}
