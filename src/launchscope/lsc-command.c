/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-command.c — recording an unmodified program (see lsc-command.h).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lsc-calibrate.h"
#include "lsc-command.h"
#include "lsc-file.h"
#include "lsc-report.h"
#include "lsc-schema.h"

extern char **environ;

struct lsc_command {
  char *output;
  lsc_file_lock *lock;
  char parts_dir[4200];
  pid_t pid;
  bool waited;
  int status;
  bool calibrated;
  lsc_calibration calibration[LSC_CALIBRATION_COUNT];
};

/* ---- finding the injection library --------------------------------------------------------- */

bool
lsc_inject_library_find (char *path, size_t size)
{
  const char *env = getenv ("LSC_INJECT_LIBRARY");
  if (env && *env)
    {
      snprintf (path, size, "%s", env);
      return access (path, R_OK) == 0;
    }
  char exe[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  char *slash = strrchr (exe, '/');
  if (slash)
    *slash = '\0';
  const char *const relative[] = { "", "/../launchscope", "/../lib/launchscope", "/../lib64/launchscope",
                                   "/../lib/x86_64-linux-gnu/launchscope" };
  char tried[2048] = "";
  size_t used = 0;
  for (size_t i = 0; i < sizeof relative / sizeof relative[0] + 1; i++)
    {
      if (i < sizeof relative / sizeof relative[0])
        snprintf (path, size, "%s%s/liblaunchscope-inject.so", exe, relative[i]);
      else
        snprintf (path, size, "%s/liblaunchscope-inject.so", LSC_INJECT_INSTALL_DIR);
      char real[PATH_MAX];
      if (realpath (path, real) && access (real, R_OK) == 0)
        {
          snprintf (path, size, "%s", real);
          return true;
        }
      int w = snprintf (tried + used, sizeof tried - used, "%s%s", used ? ", " : "", path);
      used += w > 0 && (size_t) w < sizeof tried - used ? (size_t) w : 0;
    }
  snprintf (path, size, "%s", tried);
  return false;
}

/* ---- running the command ------------------------------------------------------------------- */

static void
lsc__command_free (lsc_command *c)
{
  lsc__file_lock_release (c->lock);
  free (c->output);
  free (c);
}

const char *
lsc_command_nvtx_held (void)
{
  const char *v = getenv ("NVTX_INJECTION64_PATH");
  if (!v || !*v)
    return NULL;
  const char *base = strrchr (v, '/');
  return strcmp (base ? base + 1 : v, "liblaunchscope-inject.so") == 0 ? NULL : v;
}

/* The program's environment plus ours; any LSC_INJECT_ setting of an outer run is replaced, and
 * so is an NVTX_INJECTION64_PATH naming our library (another tool's is kept). */
static char **
lsc__command_env (const lsc_command_options *o, const char *inject, const char *parts_dir)
{
  size_t n = 0;
  while (environ[n])
    n++;
  char **env = calloc (n + 14, sizeof *env);
  if (!env)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp (environ[i], "LSC_INJECT_", 11) != 0 && strncmp (environ[i], "LSC_CUPTI_LIBRARY=", 18) != 0
        && strncmp (environ[i], "NVTX_INJECTION64_PATH=", 22) != 0)
      env[k++] = environ[i];
  char buf[4400];
  const char *nvtx_held = lsc_command_nvtx_held ();
  if (nvtx_held || !o->no_nvtx)
    {
      snprintf (buf, sizeof buf, "NVTX_INJECTION64_PATH=%s", nvtx_held ? nvtx_held : inject);
      env[k++] = strdup (buf);
    }
  snprintf (buf, sizeof buf, "CUDA_INJECTION64_PATH=%s", inject);
  env[k++] = strdup (buf);
  snprintf (buf, sizeof buf, "LSC_INJECT_REPORT=%s/%%p.lsdb", parts_dir);
  env[k++] = strdup (buf);
  env[k++] = strdup (o->cupti == LSC_CUPTI_ACTIVITY ? "LSC_INJECT_CUPTI=activity" : "LSC_INJECT_CUPTI=callbacks");
  if (o->redact)
    env[k++] = strdup ("LSC_INJECT_REDACT=1");
  if (o->params)
    env[k++] = strdup ("LSC_INJECT_PARAMS=1");
  if (o->profiler_range)
    env[k++] = strdup ("LSC_INJECT_PROFILER_RANGE=1");
  if (o->runtime_api)
    env[k++] = strdup ("LSC_INJECT_API=runtime");
  if (o->max_launches)
    {
      snprintf (buf, sizeof buf, "LSC_INJECT_MAX_LAUNCHES=%" PRIu64, o->max_launches);
      env[k++] = strdup (buf);
    }
  if (o->delay_s > 0 || o->duration_s > 0)
    {
      /* Wall-clock deadlines, so every process of the command shares one window measured from
       * the command's start. */
      struct timespec now;
      clock_gettime (CLOCK_REALTIME, &now);
      uint64_t start = (uint64_t) now.tv_sec * 1000000000u + (uint64_t) now.tv_nsec + (uint64_t) (o->delay_s * 1e9);
      snprintf (buf, sizeof buf, "LSC_INJECT_START_AT=%" PRIu64, start);
      env[k++] = strdup (buf);
      if (o->duration_s > 0)
        {
          snprintf (buf, sizeof buf, "LSC_INJECT_STOP_AT=%" PRIu64, start + (uint64_t) (o->duration_s * 1e9));
          env[k++] = strdup (buf);
        }
    }
  if (o->cupti_library)
    {
      snprintf (buf, sizeof buf, "LSC_CUPTI_LIBRARY=%s", o->cupti_library);
      env[k++] = strdup (buf);
    }
  return env;
}

static void
lsc__command_env_free (char **env)
{
  if (!env)
    return;
  for (size_t i = 0; env[i]; i++)
    if (strncmp (env[i], "CUDA_INJECTION64_PATH=", 22) == 0 || strncmp (env[i], "LSC_INJECT_", 11) == 0
        || strncmp (env[i], "LSC_CUPTI_LIBRARY=", 18) == 0 || strncmp (env[i], "NVTX_INJECTION64_PATH=", 22) == 0)
      free (env[i]);
  free (env);
}

int
lsc_command_start (const lsc_command_options *o, lsc_command **out, char *err, size_t err_size)
{
  *out = NULL;
  if (!o || !o->output || !*o->output || !o->argv || !o->argv[0])
    {
      snprintf (err, err_size, "no report or no command given");
      return -1;
    }
  const char *held = getenv ("CUDA_INJECTION64_PATH");
  if (held && *held)
    {
      snprintf (err, err_size,
                "CUDA_INJECTION64_PATH is already set (to %s), so another tool (Nsight Systems?) injects into "
                "this run: the driver loads one injection library only; unset it to record with Launchscope",
                held);
      return -1;
    }
  char inject[4096];
  if (o->inject_library)
    snprintf (inject, sizeof inject, "%s", o->inject_library);
  else if (!lsc_inject_library_find (inject, sizeof inject))
    {
      const char *env = getenv ("LSC_INJECT_LIBRARY");
      if (env && *env)
        snprintf (err, err_size, "LSC_INJECT_LIBRARY names %s, which cannot be read", env);
      else
        snprintf (err, err_size, "cannot find liblaunchscope-inject.so (looked for %s); set LSC_INJECT_LIBRARY", inject);
      return -1;
    }

  lsc_command *c = calloc (1, sizeof *c);
  if (!c || !(c->output = strdup (o->output)))
    {
      free (c);
      snprintf (err, err_size, "%s: out of memory", o->output);
      return -1;
    }
  c->pid = -1;
  if ((c->calibrated = o->calibration != NULL))
    memcpy (c->calibration, o->calibration, sizeof c->calibration);
  if (!(c->lock = lsc__file_lock_acquire (o->output, err, err_size)))
    goto fail;
  char kind[64];
  struct stat st;
  if (!lsc__file_replaceable (o->output, kind, sizeof kind))
    {
      snprintf (err, err_size, "cannot record into %s: it is %s, not a regular file (refused even with --force)",
                o->output, kind);
      goto fail;
    }
  if (stat (o->output, &st) == 0 && !o->overwrite)
    {
      snprintf (err, err_size, "%s already exists (use --force to overwrite it)", o->output);
      goto fail;
    }
  snprintf (c->parts_dir, sizeof c->parts_dir, "%s.parts-XXXXXX", o->output);
  if (!mkdtemp (c->parts_dir))
    {
      snprintf (err, err_size, "cannot create a folder for the processes' reports beside %s: %s", o->output,
                strerror (errno));
      goto fail;
    }
  char **env = lsc__command_env (o, inject, c->parts_dir);
  int rc = env ? posix_spawnp (&c->pid, o->argv[0], NULL, NULL, o->argv, env) : ENOMEM;
  lsc__command_env_free (env);
  if (rc != 0)
    {
      snprintf (err, err_size, "cannot run %s: %s", o->argv[0], strerror (rc));
      rmdir (c->parts_dir);
      goto fail;
    }
  *out = c;
  return 0;

fail:
  lsc__command_free (c);
  return -1;
}

pid_t
lsc_command_pid (const lsc_command *c)
{
  return c ? c->pid : -1;
}

int
lsc_command_wait (lsc_command *c)
{
  if (!c->waited)
    {
      int status = 0;
      pid_t r;
      while ((r = waitpid (c->pid, &status, 0)) < 0 && errno == EINTR)
        ;
      c->waited = true;
      c->status = r < 0 ? 127 : WIFEXITED (status) ? WEXITSTATUS (status)
                              : WIFSIGNALED (status) ? 128 + WTERMSIG (status)
                                                     : 127;
    }
  return c->status;
}

/* ---- gathering ------------------------------------------------------------------------------ */

static int
lsc__exec (sqlite3 *db, const char *sql, char *err, size_t err_size, const char *what)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return 0;
  snprintf (err, err_size, "%s: %s", what, msg ? msg : sqlite3_errmsg (db));
  sqlite3_free (msg);
  return -1;
}

static int64_t
lsc__max_id (sqlite3 *db, const char *table)
{
  char sql[128];
  snprintf (sql, sizeof sql, "SELECT coalesce(max(id), 0) FROM main.%s", table);
  sqlite3_stmt *st = NULL;
  int64_t v = 0;
  if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step (st) == SQLITE_ROW)
    v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

/* INSERT INTO main.table (every column) SELECT ... FROM part.table, with the id columns moved
 * by their table's offset.  Column names come from the schema, so a column added to it is
 * carried without a change here. */
static int
lsc__copy_table (sqlite3 *db, const char *table, const char *const *shifted, const int64_t *offsets, bool keep_id,
                 const char *conflict, char *err, size_t err_size)
{
  char sql[256];
  snprintf (sql, sizeof sql, "SELECT name FROM pragma_table_info('%s', 'main') ORDER BY cid", table);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) != SQLITE_OK)
    {
      snprintf (err, err_size, "reading the columns of %s: %s", table, sqlite3_errmsg (db));
      return -1;
    }
  char *cols = NULL, *vals = NULL;
  size_t cs = 0, vs = 0;
  FILE *c = open_memstream (&cols, &cs), *v = open_memstream (&vals, &vs);
  bool first = true;
  while (c && v && sqlite3_step (st) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (st, 0);
      if (!name || (!keep_id && strcmp (name, "id") == 0))
        continue;
      fprintf (c, "%s\"%s\"", first ? "" : ", ", name);
      fprintf (v, "%s\"%s\"", first ? "" : ", ", name);
      for (size_t i = 0; shifted[i]; i++)
        if (strcmp (shifted[i], name) == 0)
          fprintf (v, " + %" PRId64, offsets[i]);
      first = false;
    }
  sqlite3_finalize (st);
  if (c)
    fclose (c);
  if (v)
    fclose (v);
  int rc = -1;
  if (cols && vals)
    {
      size_t n = strlen (cols) + strlen (vals) + 256;
      char *insert = malloc (n);
      if (insert)
        {
          snprintf (insert, n, "INSERT %s INTO main.\"%s\" (%s) SELECT %s FROM part.\"%s\" ORDER BY rowid", conflict,
                    table, cols, vals, table);
          char what[128];
          snprintf (what, sizeof what, "copying the %s rows", table);
          rc = lsc__exec (db, insert, err, err_size, what);
          free (insert);
        }
    }
  if (rc != 0 && err_size && !err[0])
    snprintf (err, err_size, "copying the %s rows: out of memory", table);
  free (cols);
  free (vals);
  return rc;
}

static int
lsc__gather_one (sqlite3 *db, const char *part, char *err, size_t err_size)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (part, LSC_REPORT_OPEN_DEFAULT, &e);
  if (!r)
    {
      snprintf (err, err_size, "%s", e.message);
      return -1;
    }
  lsc_report_free (r);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, "ATTACH ? AS part", -1, &st, NULL) != SQLITE_OK)
    {
      snprintf (err, err_size, "%s: %s", part, sqlite3_errmsg (db));
      return -1;
    }
  sqlite3_bind_text (st, 1, part, -1, SQLITE_STATIC);
  int rc = sqlite3_step (st) == SQLITE_DONE ? 0 : -1;
  if (rc != 0)
    snprintf (err, err_size, "%s: %s", part, sqlite3_errmsg (db));
  sqlite3_finalize (st);
  if (rc != 0)
    return -1;
  int64_t so = lsc__max_id (db, "session"), ko = lsc__max_id (db, "kernel"), po = lsc__max_id (db, "spec");
  const char *const session_cols[] = { "id", NULL };
  const char *const kernel_cols[] = { "id", "session_id", NULL };
  const char *const spec_cols[] = { "id", "kernel_id", NULL };
  const char *const launch_cols[] = { "session_id", "kernel_id", "spec_id", NULL };
  const char *const event_cols[] = { "session_id", "kernel_id", NULL };
  const char *const activity_cols[] = { "session_id", NULL };
  rc = lsc__copy_table (db, "session", session_cols, (int64_t[]){ so }, true, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "kernel", kernel_cols, (int64_t[]){ ko, so }, true, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "spec", spec_cols, (int64_t[]){ po, ko }, true, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "launch", launch_cols, (int64_t[]){ so, ko, po }, false, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "event", event_cols, (int64_t[]){ so, ko }, false, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "api_call", activity_cols, (int64_t[]){ so }, false, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "nvtx_range", activity_cols, (int64_t[]){ so }, false, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "calibration", activity_cols, (int64_t[]){ so }, false, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "floor_block", launch_cols, (int64_t[]){ so, ko, po }, false, "", err, err_size);
  if (rc == 0)
    rc = lsc__copy_table (db, "module_function", activity_cols, (int64_t[]){ so }, false, "", err, err_size);
  /* Correlation ids are per process: where two processes' kernel records share one, the later
   * one stays in its own launch rows (gpu_start_ns, gpu_ns), which the recorder filled in. */
  if (rc == 0)
    rc = lsc__copy_table (db, "gpu_activity", activity_cols, (int64_t[]){ so }, true, "OR IGNORE", err, err_size);
  if (rc != 0)
    {
      size_t used = strlen (err);
      snprintf (err + used, err_size - used, " (from %s)", part);
    }
  return rc;
}

int
lsc_reports_gather (const char *dest, const char *const *parts, size_t n_parts, char *err, size_t err_size)
{
  lsc__sqlite_refuse_special_files ();
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (dest, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      snprintf (err, err_size, "cannot create %s: %s", dest, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      unlink (dest);
      return -1;
    }
  char sql[256], what[4300];
  snprintf (sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d; PRAGMA journal_mode=DELETE;",
            LSC_APPLICATION_ID, LSC_SCHEMA_VERSION);
  snprintf (what, sizeof what, "writing %s", dest);
  rc = lsc__exec (db, sql, err, err_size, what);
  if (rc == 0)
    rc = lsc__exec (db, "BEGIN;" LSC_SCHEMA_SQL "COMMIT;", err, err_size, what);
  /* One transaction per part: a database is detached only outside one. */
  for (size_t i = 0; i < n_parts && rc == 0; i++)
    {
      rc = lsc__exec (db, "BEGIN", err, err_size, what);
      if (rc == 0)
        rc = lsc__gather_one (db, parts[i], err, err_size);
      if (rc == 0)
        rc = lsc__exec (db, "COMMIT", err, err_size, what);
      else
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      sqlite3_exec (db, "DETACH part", NULL, NULL, NULL);
    }
  if (rc == 0)
    rc = lsc__exec (db, LSC_SCHEMA_INDEX_SQL, err, err_size, what);
  if (sqlite3_close (db) != SQLITE_OK && rc == 0)
    {
      snprintf (err, err_size, "closing %s failed", dest);
      rc = -1;
    }
  if (rc != 0)
    unlink (dest);
  return rc;
}

int
lsc_report_append (const char *report, const char *part, char *err, size_t err_size)
{
  char joined[4096];
  if ((size_t) snprintf (joined, sizeof joined, "%s.appending-%ld", report, (long) getpid ()) >= sizeof joined)
    {
      snprintf (err, err_size, "cannot append to %s: the path is too long", report);
      return -1;
    }
  const char *parts[2] = { report, part };
  if (lsc_reports_gather (joined, parts, 2, err, err_size) != 0)
    return -1;
  if (rename (joined, report) != 0)
    {
      snprintf (err, err_size, "cannot replace %s with %s: %s", report, joined, strerror (errno));
      unlink (joined);
      return -1;
    }
  unlink (part);
  return 0;
}

static int
lsc__cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
lsc_command_finish (lsc_command *c, lsc_command_result *res, char *err, size_t err_size)
{
  memset (res, 0, sizeof *res);
  if (!c)
    return -1;
  lsc_command_wait (c);
  snprintf (res->parts_dir, sizeof res->parts_dir, "%s", c->parts_dir);
  DIR *d = opendir (c->parts_dir);
  char **parts = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int rc = 0;
  while (d && (e = readdir (d)))
    {
      size_t len = strlen (e->d_name);
      if (len < 6 || strcmp (e->d_name + len - 5, ".lsdb") != 0)
        continue;
      char *path = malloc (strlen (c->parts_dir) + len + 2);
      if (!path)
        continue;
      sprintf (path, "%s/%s", c->parts_dir, e->d_name);
      if (lsc__file_lock_held (path, NULL, NULL, 0))
        {
          /* A process that outlived the command still records: its part stays where it is. */
          res->left_recording++;
          free (path);
          continue;
        }
      if (n == cap)
        {
          char **grown = realloc (parts, (cap = cap ? cap * 2 : 8) * sizeof *parts);
          if (!grown)
            {
              free (path);
              break;
            }
          parts = grown;
        }
      parts[n++] = path;
    }
  if (d)
    closedir (d);
  if (n > 1)
    qsort (parts, n, sizeof *parts, lsc__cmp_str);
  if (n > 0)
    {
      /* Gathered under another name and renamed: a failure leaves an earlier report at the
       * output's name as it was. */
      char gathering[4300];
      snprintf (gathering, sizeof gathering, "%s/gathered.lsdb-tmp", c->parts_dir);
      rc = lsc_reports_gather (gathering, (const char *const *) parts, n, err, err_size);
      if (rc == 0 && c->calibrated && lsc_calibration_store (gathering, c->calibration, err, err_size) != 0)
        {
          unlink (gathering);
          rc = -1;
        }
      if (rc == 0 && rename (gathering, c->output) != 0)
        {
          snprintf (err, err_size, "cannot write %s: %s", c->output, strerror (errno));
          unlink (gathering);
          rc = -1;
        }
      if (rc == 0)
        res->processes = (unsigned) n; /* one session per process's report */
    }
  if (rc == 0 && res->left_recording == 0)
    {
      /* Gathered: the parts (and the side files of any that crashed) go. */
      d = opendir (c->parts_dir);
      while (d && (e = readdir (d)))
        if (e->d_name[0] != '.')
          {
            char path[4600];
            snprintf (path, sizeof path, "%s/%s", c->parts_dir, e->d_name);
            unlink (path);
          }
      if (d)
        closedir (d);
      rmdir (c->parts_dir);
    }
  for (size_t i = 0; i < n; i++)
    free (parts[i]);
  free (parts);
  lsc__command_free (c);
  return rc;
}
