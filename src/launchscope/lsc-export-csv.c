/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export-csv.c — one RFC 4180 CSV file per report table (lsc_export_csv).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lsc-export-private.h"
#include "lsc-report-private.h"

/* The tables CSV exports, in order; their columns come from the reference schema. */
static const char *const export_tables[] = { "session", "kernel", "spec", "launch", "event", "gpu_activity", "api_call",
                                              "nvtx_range", "calibration", "floor_block", "module_function" };

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
  if (!lsc__export_source_begin (report, &began, error))
    {
      sqlite3_close (ref);
      return -1;
    }
  int result = 0;
  for (size_t t = 0; t < n_tables && result == 0; t++)
    {
      if (!lsc__table_present (report->schema_version, export_tables[t]))
        continue; /* an older report: no file, rather than an empty one that claims the table */
      char **names = NULL;
      int n_cols = 0;
      sqlite3_stmt *stmt = NULL;
      lsc__out_file of;
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
          lsc__export_source_error (error, report, export_tables[t]);
          result = -1;
        }
      else if (lsc__out_file_begin (&of, path, force, true, error) != 0)
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
              lsc__export_source_error (error, report, export_tables[t]);
              lsc__out_file_abort (&of);
              result = -1;
            }
          else if (lsc__out_file_commit (&of, force, error) != 0)
            result = -1;
        }
      sqlite3_finalize (stmt);
      for (int c = 0; c < n_cols; c++)
        free (names[c]);
      free (names);
      free (sql);
    }
  lsc__export_source_end (report, began);
  sqlite3_close (ref);
  return result;
}
