/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export-nsys.c — the tables of an Nsight Systems SQLite export that SQL users
 * query, plus Launchscope's own FL_ tables (lsc_export_nsys_sqlite).
 *
 * The columns are declared once, in nsys's order (nsys_schema_sql); each filled table is one
 * entry of nsys_tables: its source query (or rows in memory), its INSERT, and the mapping of
 * a source row to its columns, all copied by one loop (nsys_copy).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lsc-export-private.h"
#include "lsc-report-private.h"

/* nsys's export schema whose column names and order the --nsys-sqlite tables follow. */
#define LSC_NSYS_SCHEMA_VERSION "3.16.1"

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
  " pushNs REAL, floorRounds INTEGER, fastAboveFloorNs REAL, fastAboveFloorLowNs REAL,"
  " fastAboveFloorHighNs REAL, observerCostNs REAL, observerCostLowNs REAL, observerCostHighNs REAL);\n";

/* Interns strings for StringIds; distinct kernel names are few, so a small open-addressing
 * table suffices and the 1M-row passes stay in C. */
struct lsc__string_ids {
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
string_ids_free (lsc__string_ids *t)
{
  for (size_t i = 0; i < t->cap; i++)
    free (t->keys[i]);
  free (t->keys);
  free (t->ids);
  sqlite3_finalize (t->insert);
}

/* Returns the id, -1 on out of memory, -2 on an SQLite error. */
int64_t
lsc__string_id (lsc__string_ids *t, const char *s)
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
  const char *t = lsc__col_text (src, col);
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
  if (lsc__col_int (src, col, &v))
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

/* ---- the tables ------------------------------------------------------------------------ */

/* What one export holds while its tables are copied. */
typedef struct {
  lsc_report *report;
  sqlite3 *db;  /* the report's connection */
  sqlite3 *out; /* the export's, inside one transaction */
  lsc_report_summary *sum;
  lsc__sess_list sessions;
  lsc__kernel_names kernels;
  lsc__string_ids strings;
  int64_t launch_name; /* "cuLaunchKernel" in StringIds */
  /* The table being copied.  On an error its statements stay open until the error is
   * reported: finalizing one can reset the error its connection reports. */
  sqlite3_stmt *src, *ins[2];
  const char *stage; /* the report table a source error names */
  bool dest_failed;  /* whether an error is the export's rather than the report's */
} nsys_export;

/* What a row mapping returns, unless an SQLite code of the export's connection. */
enum { NSYS_INSERT = -1, NSYS_SKIP = -2 };

/* One table of the export: where its rows come from (a query of the report, or rows in
 * memory), the statement that inserts a row, and the mapping that binds it.  The launch pass
 * fills two tables, so that each launch is read once. */
typedef struct {
  const char *name;
  const char *stage;      /* the report table read, named in errors; NULL: rows from memory */
  const char *source_sql; /* with stage: the query */
  bool kernel_of_gpu_row; /* the query's %s stands for lsc__gpu_kernel_sql */
  size_t (*n_rows) (const nsys_export *x); /* without stage: how many rows */
  const char *insert_sql[2];
  /* Binds ins from src's current row, or from the row'th row in memory: NSYS_INSERT,
   * NSYS_SKIP, or an SQLite code of the export's connection. */
  int (*map) (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2]);
} nsys_table;

/* META_DATA_EXPORT: what this file is, for tools that check before querying; the report's
 * path follows as LAUNCHSCOPE_REPORT. */
static const char *const nsys_meta[][2] = {
  { "EXPORT_SCHEMA_VERSION", LSC_NSYS_SCHEMA_VERSION },
  { "EXPORT_SOURCE", "launchscope" },
  { "EXPORT_SUBSET", "StringIds PROCESSES TARGET_INFO_GPU TARGET_INFO_SESSION_START_TIME ENUM_NSYS_EVENT_CLASS "
                     "META_DATA_EXPORT CUPTI_ACTIVITY_KIND_RUNTIME CUPTI_ACTIVITY_KIND_KERNEL" },
  { "TIMESTAMP_BASE", "session start (CLOCK_MONOTONIC of the recording host), ns" },
};
#define NSYS_META_ROWS (sizeof nsys_meta / sizeof nsys_meta[0])

static size_t
nsys_meta_rows (const nsys_export *x)
{
  (void) x;
  return NSYS_META_ROWS + 1;
}

static int
nsys_meta_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) src;
  bool report_row = row == NSYS_META_ROWS;
  sqlite3_bind_text (ins[0], 1, report_row ? "LAUNCHSCOPE_REPORT" : nsys_meta[row][0], -1, SQLITE_STATIC);
  sqlite3_bind_text (ins[0], 2, report_row ? lsc_report_path (x->report) : nsys_meta[row][1], -1, SQLITE_STATIC);
  return NSYS_INSERT;
}

/* TARGET_INFO_SESSION_START_TIME: the first session's start. */
static size_t
nsys_first_session (const nsys_export *x)
{
  return x->sessions.n > 0 ? 1 : 0;
}

static int
nsys_start_time_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) src;
  (void) row;
  int64_t epoch;
  const lsc__sess_info *s0 = &x->sessions.v[0];
  if (parse_utc (s0->start_wall, &epoch))
    sqlite3_bind_int64 (ins[0], 1, epoch);
  if (s0->start_wall)
    sqlite3_bind_text (ins[0], 2, s0->start_wall, -1, SQLITE_STATIC);
  return NSYS_INSERT;
}

static size_t
nsys_sessions (const nsys_export *x)
{
  return x->sessions.n;
}

static int
nsys_process_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) src;
  const lsc__sess_info *s = &x->sessions.v[row];
  sqlite3_bind_int64 (ins[0], 1, s->pid << 24);
  sqlite3_bind_int64 (ins[0], 2, s->pid);
  if (s->workload)
    sqlite3_bind_text (ins[0], 3, s->workload, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (ins[0], 3);
  return NSYS_INSERT;
}

static int
nsys_gpu_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) row;
  int64_t sid, dev = 0;
  const lsc__sess_info *s = lsc__col_int (src, 0, &sid) ? lsc__find_sess (&x->sessions, sid) : NULL;
  if (!s)
    return NSYS_SKIP;
  lsc__col_int (src, 1, &dev);
  sqlite3_bind_int64 (ins[0], 1, dev);
  /* One row per device: the session's GPU name would repeat on each. */
  char gpu[LSC_EXPORT_NAME_MAX + sizeof LSC__CUT_MARK];
  if (s->gpu)
    sqlite3_bind_text (ins[0], 2, lsc__cut_copy (gpu, s->gpu, "", LSC_EXPORT_NAME_MAX), -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (ins[0], 2);
  return NSYS_INSERT;
}

static int
nsys_session_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) row;
  int64_t sid, start, stop;
  const lsc__sess_info *s = lsc__col_int (src, 0, &sid) ? lsc__find_sess (&x->sessions, sid) : NULL;
  if (!s)
    return NSYS_SKIP;
  sqlite3_stmt *st = ins[0];
  sqlite3_bind_int64 (st, 1, sid);
  sqlite3_bind_int64 (st, 2, s->pid << 24);
  for (int c = 1; c <= 9; c++) /* workload .. start_wall; driver_version the one integer */
    if (c == 4)
      bind_opt_int (st, c + 2, src, c);
    else
      bind_opt_text (st, c + 2, src, c);
  if (lsc__col_int (src, 10, &start) && lsc__col_int (src, 11, &stop))
    sqlite3_bind_int64 (st, 12, lsc__sub_sat (stop, start));
  else
    sqlite3_bind_null (st, 12);
  bind_opt_int (st, 13, src, 12);
  bind_opt_real (st, 14, src, 13);
  bind_opt_text (st, 15, src, 14);
  bind_opt_text (st, 16, src, 15);
  return NSYS_INSERT;
}

static int
nsys_spec_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) row;
  int64_t sid = 0;
  const lsc__sess_info *s = lsc__col_int (src, 1, &sid) ? lsc__find_sess (&x->sessions, sid) : NULL;
  int64_t zero = s ? s->start_ns : 0;
  const lsc__kernel_name *kernel = lsc__find_kernel (&x->kernels, src, 2);
  for (int c = 0; c < 16; c++)
    {
      if (c == 3)
        {
          if (kernel && kernel->name_id >= 0)
            sqlite3_bind_int64 (ins[0], c + 1, kernel->name_id);
          else
            sqlite3_bind_null (ins[0], c + 1);
        }
      else if (c == 5 || c == 6 || c == 7 || c == 9)
        bind_opt_text (ins[0], c + 1, src, c);
      else if (c == 11)
        bind_opt_real (ins[0], c + 1, src, c);
      else if (c >= 14)
        bind_rel (ins[0], c + 1, src, c, zero);
      else
        bind_opt_int (ins[0], c + 1, src, c);
    }
  return NSYS_INSERT;
}

/* A launch: its API call in CUPTI_ACTIVITY_KIND_RUNTIME (ins[0]), all of it in FL_LAUNCH. */
static int
nsys_launch_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) row;
  int64_t sid, start, tid = 0, host_ns = 0, status = 0, api_start, api_ns, path = -1, outcome = -1, reason = 0;
  const lsc__sess_info *s = lsc__col_int (src, 1, &sid) ? lsc__find_sess (&x->sessions, sid) : NULL;
  if (!s || !lsc__col_int (src, 4, &start))
    return NSYS_SKIP;
  lsc__col_int (src, 3, &tid);
  lsc__col_int (src, 5, &host_ns);
  lsc__col_int (src, 12, &status);
  lsc__col_int (src, 9, &path);
  lsc__col_int (src, 10, &outcome);
  lsc__col_int (src, 11, &reason);
  int64_t global_tid = (int64_t) (((uint64_t) s->pid << 24) | ((uint64_t) tid & 0xffffff));
  int64_t rel = lsc__sub_sat (start, s->start_ns);
  int64_t end = lsc__add_sat (rel, host_ns > 0 ? host_ns : 0);
  int64_t api_rel = rel, api_end = end;
  if (lsc__col_int (src, 21, &api_start) && lsc__col_int (src, 22, &api_ns))
    {
      api_rel = lsc__sub_sat (api_start, s->start_ns);
      api_end = lsc__add_sat (api_rel, api_ns > 0 ? api_ns : 0);
    }
  sqlite3_stmt *api = ins[0], *fl = ins[1];
  sqlite3_bind_int64 (api, 1, api_rel);
  sqlite3_bind_int64 (api, 2, api_end);
  sqlite3_bind_int64 (api, 3, global_tid);
  bind_opt_int (api, 4, src, 2);
  sqlite3_bind_int64 (api, 5, x->launch_name);
  sqlite3_bind_int64 (api, 6, status);

  bind_opt_int (fl, 1, src, 0);
  sqlite3_bind_int64 (fl, 2, sid);
  bind_opt_int (fl, 3, src, 2);
  sqlite3_bind_int64 (fl, 4, global_tid);
  sqlite3_bind_int64 (fl, 5, rel);
  sqlite3_bind_int64 (fl, 6, end);
  bind_opt_int (fl, 7, src, 6);
  const lsc__kernel_name *kernel = lsc__find_kernel (&x->kernels, src, 6);
  if (kernel && kernel->name_id >= 0)
    sqlite3_bind_int64 (fl, 8, kernel->name_id);
  else
    sqlite3_bind_null (fl, 8);
  bind_opt_int (fl, 9, src, 8);
  sqlite3_bind_text (fl, 10, lsc_path_name (path), -1, SQLITE_STATIC);
  sqlite3_bind_text (fl, 11, lsc_outcome_name (outcome), -1, SQLITE_STATIC);
  sqlite3_bind_text (fl, 12, lsc_reason_name (reason), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (fl, 13, status);
  bind_opt_int (fl, 14, src, 5);
  for (int c = 13; c <= 20; c++)
    bind_opt_int (fl, c + 2, src, c);
  bind_rel (fl, 23, src, 21, s->start_ns);
  bind_opt_int (fl, 24, src, 22);
  bind_rel (fl, 25, src, 23, s->start_ns);
  bind_opt_int (fl, 26, src, 24);
  return NSYS_INSERT;
}

/* A call between launches (driver) or around one (runtime, kind 5), as nsys exports CUDA API
 * calls: its eventClass says which API.  A launch's own driver call is the launch pass's row. */
static int
nsys_call_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) row;
  enum { NSYS_CUDA_RUNTIME = 0, NSYS_CUDA_DRIVER = 1 }; /* ENUM_NSYS_EVENT_CLASS */
  int64_t sid, tid = 0, kind = 0, start, api_ns = 0, status = 0;
  const lsc__sess_info *s = lsc__col_int (src, 0, &sid) ? lsc__find_sess (&x->sessions, sid) : NULL;
  if (!s || !lsc__col_int (src, 5, &start))
    return NSYS_SKIP;
  lsc__col_int (src, 1, &tid);
  lsc__col_int (src, 2, &kind);
  lsc__col_int (src, 6, &api_ns);
  lsc__col_int (src, 7, &status);
  const char *name = lsc__col_text (src, 3);
  int64_t name_id = lsc__string_id (&x->strings, name ? name : "(unknown call)");
  if (name_id < 0)
    return name_id == -1 ? SQLITE_NOMEM : sqlite3_errcode (x->out);
  int64_t rel = lsc__sub_sat (start, s->start_ns);
  sqlite3_stmt *st = ins[0];
  sqlite3_bind_int64 (st, 1, rel);
  sqlite3_bind_int64 (st, 2, lsc__add_sat (rel, api_ns > 0 ? api_ns : 0));
  sqlite3_bind_int64 (st, 3, kind == 5 /* runtime */ ? NSYS_CUDA_RUNTIME : NSYS_CUDA_DRIVER);
  sqlite3_bind_int64 (st, 4, (int64_t) (((uint64_t) s->pid << 24) | ((uint64_t) tid & 0xffffff)));
  bind_opt_int (st, 5, src, 4);
  sqlite3_bind_int64 (st, 6, name_id);
  sqlite3_bind_int64 (st, 7, status);
  return NSYS_INSERT;
}

static int
nsys_kernel_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) row;
  int64_t sid, v;
  const lsc__sess_info *s = lsc__col_int (src, 0, &sid) ? lsc__find_sess (&x->sessions, sid) : NULL;
  if (!s)
    return NSYS_SKIP;
  const char *name = lsc__col_text (src, 7);
  const lsc__kernel_name *kernel = name ? NULL : lsc__find_kernel (&x->kernels, src, 16);
  int64_t name_id = kernel && kernel->name_id >= 0 ? kernel->name_id
                                                   : lsc__string_id (&x->strings, name ? name : "(unknown kernel)");
  if (name_id < 0)
    return name_id == -1 ? SQLITE_NOMEM : sqlite3_errcode (x->out);
  sqlite3_stmt *st = ins[0];
  sqlite3_bind_int64 (st, 1, lsc__col_int (src, 1, &v) ? lsc__sub_sat (v, s->start_ns) : 0);
  sqlite3_bind_int64 (st, 2, lsc__col_int (src, 2, &v) ? lsc__sub_sat (v, s->start_ns) : 0);
  /* nsys exports NOT NULL columns with a default of 0 where CUPTI gave nothing. */
  sqlite3_bind_int64 (st, 3, lsc__col_int (src, 3, &v) ? v : 0);
  sqlite3_bind_int64 (st, 4, lsc__col_int (src, 4, &v) ? v : 0);
  sqlite3_bind_int64 (st, 5, lsc__col_int (src, 5, &v) ? v : 0);
  bind_opt_int (st, 6, src, 6);
  sqlite3_bind_int64 (st, 7, s->pid << 24);
  sqlite3_bind_int64 (st, 8, name_id);
  for (int c = 8; c <= 15; c++) /* registers, grid, block, shared (dynamic, as cuLaunchKernel passes it) */
    sqlite3_bind_int64 (st, c + 1, lsc__col_int (src, c, &v) ? v : 0);
  return NSYS_INSERT;
}

/* FL_RAW_FLOOR: the bare launch floor next to what the engine paths achieved. */
static size_t
nsys_summaries (const nsys_export *x)
{
  return x->sum->n_sessions;
}

static int
nsys_raw_floor_row (nsys_export *x, sqlite3_stmt *src, size_t row, sqlite3_stmt *const ins[2])
{
  (void) src;
  const lsc_session_summary *s = &x->sum->sessions[row];
  const lsc_path_summary *raw = &s->paths[2], *fast = &s->paths[0], *dflt = &s->paths[1];
  sqlite3_stmt *st = ins[0];
  sqlite3_bind_int64 (st, 1, s->id);
  if (s->has_raw_floor)
    sqlite3_bind_double (st, 2, s->raw_floor_p50_ns);
  sqlite3_bind_int64 (st, 3, raw->count);
  if (raw->count)
    {
      sqlite3_bind_int64 (st, 4, raw->p50_ns);
      sqlite3_bind_int64 (st, 5, raw->p90_ns);
      sqlite3_bind_int64 (st, 6, raw->p99_ns);
    }
  if (fast->count)
    sqlite3_bind_int64 (st, 7, fast->p50_ns);
  if (dflt->count)
    sqlite3_bind_int64 (st, 8, dflt->p50_ns);
  if (s->has_observer_overhead)
    sqlite3_bind_double (st, 9, s->observer_overhead_ns);
  sqlite3_bind_int64 (st, 10, (int64_t) s->floor.rounds);
  const lsc_paired_estimate *e[2] = { &s->floor.above_floor[FL_PATH_FAST], &s->floor.observer };
  for (int i = 0; i < 2; i++)
    if (e[i]->rounds)
      {
        sqlite3_bind_double (st, 11 + 3 * i, e[i]->median_ns);
        sqlite3_bind_double (st, 12 + 3 * i, e[i]->low_ns);
        sqlite3_bind_double (st, 13 + 3 * i, e[i]->high_ns);
      }
  return NSYS_INSERT;
}

/* In the order they are filled: the order decides where rows land in the file. */
static const nsys_table nsys_tables[] = {
  { .name = "META_DATA_EXPORT",
    .n_rows = nsys_meta_rows,
    .insert_sql = { "INSERT INTO META_DATA_EXPORT VALUES (?1, ?2)" },
    .map = nsys_meta_row },
  { .name = "TARGET_INFO_SESSION_START_TIME",
    .n_rows = nsys_first_session,
    .insert_sql = { "INSERT INTO TARGET_INFO_SESSION_START_TIME VALUES (?1, ?2, ?2)" },
    .map = nsys_start_time_row },
  { .name = "PROCESSES",
    .n_rows = nsys_sessions,
    .insert_sql = { "INSERT INTO PROCESSES VALUES (?1, ?2, ?3)" },
    .map = nsys_process_row },
  { .name = "TARGET_INFO_GPU",
    .stage = "gpu_activity devices",
    .source_sql = "SELECT s.id, d.device_id FROM main.session AS s LEFT JOIN (SELECT DISTINCT session_id, "
                  "device_id FROM main.gpu_activity) AS d ON d.session_id = s.id ORDER BY s.id",
    .insert_sql = { "INSERT INTO TARGET_INFO_GPU (vmId, id, name, cuDevice) SELECT 0, ?1, ?2, ?1 "
                    "WHERE NOT EXISTS (SELECT 1 FROM TARGET_INFO_GPU WHERE id = ?1)" },
    .map = nsys_gpu_row },
  { .name = "FL_SESSION",
    .stage = "session",
    .source_sql = "SELECT id, workload, host, gpu, driver_version, toolkit, nvrtc, cpu, settings, start_wall, "
                  "start_ns, stop_ns, dropped_rows, observer_overhead_ns, cupti_mode, cupti_status "
                  "FROM main.session",
    .insert_sql = { "INSERT INTO FL_SESSION VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)" },
    .map = nsys_session_row },
  { .name = "FL_SPEC",
    .stage = "spec",
    .source_sql = "SELECT s.id, k.session_id, s.kernel_id, NULL AS kernel_name_id, s.key, s.description, "
                  "s.ptr_alignment, s.int_classes, s.debug, s.instrumentation, s.compile_hook, s.compile_ms, "
                  "s.hits, s.misses, s.first_ns, s.last_ns FROM main.spec AS s LEFT JOIN main.kernel AS k "
                  "ON k.id = s.kernel_id",
    .insert_sql = { "INSERT INTO FL_SPEC VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)" },
    .map = nsys_spec_row },
  { .name = "CUPTI_ACTIVITY_KIND_RUNTIME and FL_LAUNCH",
    .stage = "launch",
    .source_sql = "SELECT l.id, l.session_id, l.correlation_id, l.thread, l.start_ns, l.host_ns, "
                  "l.kernel_id, NULL AS kernel_name_id, l.spec_id, l.path, l.outcome, l.reason, l.status, "
                  "l.resolve_ns, l.bind_ns, l.specialize_ns, l.key_ns, l.lookup_ns, l.globals_ns, "
                  "l.metadata_ns, l.launch_ns, l.api_start_ns, l.api_ns, l.gpu_start_ns, l.gpu_ns "
                  "FROM main.launch AS l",
    .insert_sql = { "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, NULL)",
                    "INSERT INTO FL_LAUNCH VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
                    "?17,?18,?19,?20,?21,?22,?23,?24,?25,?26)" },
    .map = nsys_launch_row },
  { .name = "CUPTI_ACTIVITY_KIND_RUNTIME",
    .stage = "api_call",
    .source_sql = "SELECT session_id, thread, kind, name, correlation_id, start_ns, api_ns, status "
                  "FROM main.api_call ORDER BY id",
    .insert_sql = { "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)" },
    .map = nsys_call_row },
  { .name = "CUPTI_ACTIVITY_KIND_KERNEL",
    .stage = "gpu_activity",
    .source_sql = "SELECT g.session_id, g.start_ns, g.end_ns, g.device_id, g.context_id, g.stream_id, "
                  "g.correlation_id, g.name, g.registers, g.grid_x, g.grid_y, g.grid_z, g.block_x, g.block_y, "
                  "g.block_z, g.shared_mem, %s FROM main.gpu_activity AS g",
    .kernel_of_gpu_row = true,
    .insert_sql = { "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8, ?8, "
                    "?8, NULL, NULL, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 0, ?16, 0, 0, 0, NULL, NULL, NULL)" },
    .map = nsys_kernel_row },
  { .name = "FL_RAW_FLOOR",
    .n_rows = nsys_summaries,
    .insert_sql = { "INSERT INTO FL_RAW_FLOOR VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)" },
    .map = nsys_raw_floor_row },
};

/* Copies one table; false with the SQLite code in *rc, x->dest_failed saying whose, and the
 * statements left open for the error report. */
static bool
nsys_copy (nsys_export *x, const nsys_table *t, int *rc)
{
  if (t->stage && !lsc__table_present (x->report->schema_version, t->stage))
    return true; /* a table the report's version predates: no rows */
  if (t->stage)
    {
      char sql[1024];
      if (t->kernel_of_gpu_row)
        snprintf (sql, sizeof sql, t->source_sql, lsc__gpu_kernel_sql (x->db));
      x->stage = t->stage;
      x->dest_failed = false;
      if ((*rc = sqlite3_prepare_v2 (x->db, t->kernel_of_gpu_row ? sql : t->source_sql, -1, &x->src, NULL))
          != SQLITE_OK)
        return false;
    }
  x->dest_failed = true;
  for (int i = 0; i < 2 && t->insert_sql[i]; i++)
    if ((*rc = sqlite3_prepare_v2 (x->out, t->insert_sql[i], -1, &x->ins[i], NULL)) != SQLITE_OK)
      return false;
  size_t n = x->src ? SIZE_MAX : t->n_rows (x);
  for (size_t row = 0; row < n; row++)
    {
      if (x->src && (*rc = sqlite3_step (x->src)) != SQLITE_ROW)
        break;
      for (int i = 0; i < 2 && x->ins[i]; i++)
        {
          sqlite3_reset (x->ins[i]);
          sqlite3_clear_bindings (x->ins[i]);
        }
      int mapped = t->map (x, x->src, row, x->ins);
      if (mapped == NSYS_SKIP)
        continue;
      if (mapped != NSYS_INSERT)
        {
          *rc = mapped;
          return false;
        }
      for (int i = 0; i < 2 && x->ins[i]; i++)
        if ((*rc = sqlite3_step (x->ins[i])) != SQLITE_DONE)
          return false;
    }
  if (x->src && *rc != SQLITE_DONE)
    {
      x->dest_failed = false;
      return false;
    }
  sqlite3_finalize (x->src);
  sqlite3_finalize (x->ins[0]);
  sqlite3_finalize (x->ins[1]);
  x->src = x->ins[0] = x->ins[1] = NULL;
  *rc = SQLITE_OK;
  return true;
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
  nsys_export x = { .report = report, .db = lsc_report_db (report), .stage = "session" };
  bool began = false;
  lsc__out_file of;
  int rc;

  /* The summary reads its own snapshot first; the export's snapshot follows.  Both run
   * inside this call, so a recorder appending meanwhile can at most add rows to the later one. */
  if (lsc__export_is_source (report, dest, error))
    return -1;
  x.sum = lsc_report_summarize (report, error);
  if (!x.sum)
    return -1;
  if (lsc__out_file_begin (&of, dest, force, false, error) != 0)
    {
      lsc_report_summary_free (x.sum);
      return -1;
    }
  lsc__out_file_release_fd (&of);
  if (!lsc__export_source_begin (report, &began, error))
    {
      lsc__out_file_abort (&of);
      lsc_report_summary_free (x.sum);
      return -1;
    }
  if (!lsc__load_sessions (report, &x.sessions, error))
    {
      lsc__export_source_end (report, began);
      lsc__out_file_abort (&of);
      lsc_report_summary_free (x.sum);
      return -1;
    }

  rc = sqlite3_open_v2 (of.tmp_path, &x.out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  x.dest_failed = true;
  if (rc != SQLITE_OK)
    goto fail;
  sqlite3_extended_result_codes (x.out, 1);
  /* A temporary file renamed into place only when complete needs no journal. */
  if ((rc = exec_out (x.out, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN")) != SQLITE_OK ||
      (rc = exec_out (x.out, nsys_schema_sql)) != SQLITE_OK)
    goto fail;
  if ((rc = sqlite3_prepare_v2 (x.out, "INSERT INTO StringIds (id, value) VALUES (?1, ?2)", -1, &x.strings.insert,
                                NULL)) != SQLITE_OK)
    goto fail;
  x.strings.next_id = 1;
  x.launch_name = lsc__string_id (&x.strings, "cuLaunchKernel");
  if (x.launch_name < 0)
    {
      rc = x.launch_name == -1 ? SQLITE_NOMEM : sqlite3_errcode (x.out);
      goto fail;
    }
  x.stage = "kernel";
  if ((rc = lsc__load_kernel_names (report, &x.strings, &x.kernels, &x.dest_failed)) != 0)
    {
      if (x.dest_failed)
        rc = sqlite3_errcode (x.out);
      goto fail;
    }

  for (size_t i = 0; i < sizeof nsys_tables / sizeof nsys_tables[0]; i++)
    if (!nsys_copy (&x, &nsys_tables[i], &rc))
      goto fail;

  x.dest_failed = true;
  if ((rc = exec_out (x.out, "COMMIT")) != SQLITE_OK)
    goto fail;
  string_ids_free (&x.strings);
  memset (&x.strings, 0, sizeof x.strings);
  lsc__kernel_names_free (&x.kernels);
  rc = sqlite3_close (x.out);
  x.out = NULL;
  if (rc != SQLITE_OK)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", dest, sqlite3_errstr (rc));
      goto fail_reported;
    }
  lsc__export_source_end (report, began);
  lsc__sess_list_free (&x.sessions);
  lsc_report_summary_free (x.sum);
  return lsc__out_file_commit (&of, force, error);

fail:
  if (rc == SQLITE_NOMEM)
    lsc__error_set (error, LSC_ERROR_NOMEM, "cannot write %s: out of memory", dest);
  else if (x.dest_failed && x.out)
    lsc__export_dest_error (error, x.out, dest);
  else if (x.dest_failed)
    lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", dest, sqlite3_errstr (rc));
  else
    lsc__export_source_error (error, report, x.stage);
fail_reported:
  sqlite3_finalize (x.src);
  sqlite3_finalize (x.ins[0]);
  sqlite3_finalize (x.ins[1]);
  string_ids_free (&x.strings);
  lsc__kernel_names_free (&x.kernels);
  sqlite3_close (x.out);
  lsc__export_source_end (report, began);
  lsc__sess_list_free (&x.sessions);
  lsc_report_summary_free (x.sum);
  lsc__out_file_abort (&of);
  return -1;
}
