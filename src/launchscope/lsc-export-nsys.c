/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export-nsys.c — the tables of an Nsight Systems SQLite export that SQL users
 * query, plus Launchscope's own FL_ tables (lsc_export_nsys_sqlite).
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
  " observerOverheadNs REAL);\n";

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
  lsc__sess_list sessions = { 0 };
  lsc__string_ids strings = { 0 };
  lsc__kernel_names kernels = { 0 };
  sqlite3 *out = NULL;
  sqlite3_stmt *src = NULL, *ins = NULL, *ins2 = NULL;
  bool began = false;
  lsc__out_file of;
  const char *stage = "session";
  bool dest_failed = false;
  int rc;

  /* The summary reads its own snapshot first; the export's snapshot follows.  Both run
   * inside this call, so a recorder appending meanwhile can at most add rows to the later one. */
  if (lsc__export_is_source (report, dest, error))
    return -1;
  sum = lsc_report_summarize (report, error);
  if (!sum)
    return -1;
  if (lsc__out_file_begin (&of, dest, force, false, error) != 0)
    {
      lsc_report_summary_free (sum);
      return -1;
    }
  lsc__out_file_release_fd (&of);
  if (!lsc__export_source_begin (report, &began, error))
    {
      lsc__out_file_abort (&of);
      lsc_report_summary_free (sum);
      return -1;
    }
  if (!lsc__load_sessions (report, &sessions, error))
    {
      lsc__export_source_end (report, began);
      lsc__out_file_abort (&of);
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
  int64_t launch_name = lsc__string_id (&strings, "cuLaunchKernel");
  if (launch_name < 0)
    {
      rc = launch_name == -1 ? SQLITE_NOMEM : sqlite3_errcode (out);
      goto fail;
    }
  stage = "kernel";
  if ((rc = lsc__load_kernel_names (report, &strings, &kernels, &dest_failed)) != 0)
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
      const lsc__sess_info *s0 = &sessions.v[0];
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
      const lsc__sess_info *s = lsc__col_int (src, 0, &sid) ? lsc__find_sess (&sessions, sid) : NULL;
      if (!s)
        continue;
      lsc__col_int (src, 1, &dev);
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, dev);
      /* One row per device: the session's GPU name would repeat on each. */
      char gpu[LSC_EXPORT_NAME_MAX + sizeof LSC__CUT_MARK];
      if (s->gpu)
        sqlite3_bind_text (ins, 2, lsc__cut_copy (gpu, s->gpu, "", LSC_EXPORT_NAME_MAX), -1, SQLITE_TRANSIENT);
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
      const lsc__sess_info *s = lsc__col_int (src, 0, &sid) ? lsc__find_sess (&sessions, sid) : NULL;
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
      if (lsc__col_int (src, 10, &start) && lsc__col_int (src, 11, &stop))
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
      const lsc__sess_info *s = lsc__col_int (src, 1, &sid) ? lsc__find_sess (&sessions, sid) : NULL;
      int64_t zero = s ? s->start_ns : 0;
      sqlite3_reset (ins);
      const lsc__kernel_name *kernel = lsc__find_kernel (&kernels, src, 2);
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
      const lsc__sess_info *s = lsc__col_int (src, 1, &sid) ? lsc__find_sess (&sessions, sid) : NULL;
      if (!s || !lsc__col_int (src, 4, &start))
        continue;
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
      const lsc__kernel_name *kernel = lsc__find_kernel (&kernels, src, 6);
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
              lsc__gpu_kernel_sql (db));
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
      const lsc__sess_info *s = lsc__col_int (src, 0, &sid) ? lsc__find_sess (&sessions, sid) : NULL;
      if (!s)
        continue;
      const char *name = lsc__col_text (src, 7);
      const lsc__kernel_name *kernel = name ? NULL : lsc__find_kernel (&kernels, src, 16);
      int64_t name_id = kernel && kernel->name_id >= 0 ? kernel->name_id
                                                       : lsc__string_id (&strings, name ? name : "(unknown kernel)");
      if (name_id < 0)
        {
          rc = name_id == -1 ? SQLITE_NOMEM : sqlite3_errcode (out);
          goto fail;
        }
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, lsc__col_int (src, 1, &v) ? lsc__sub_sat (v, s->start_ns) : 0);
      sqlite3_bind_int64 (ins, 2, lsc__col_int (src, 2, &v) ? lsc__sub_sat (v, s->start_ns) : 0);
      /* nsys exports NOT NULL columns with a default of 0 where CUPTI gave nothing. */
      sqlite3_bind_int64 (ins, 3, lsc__col_int (src, 3, &v) ? v : 0);
      sqlite3_bind_int64 (ins, 4, lsc__col_int (src, 4, &v) ? v : 0);
      sqlite3_bind_int64 (ins, 5, lsc__col_int (src, 5, &v) ? v : 0);
      bind_opt_int (ins, 6, src, 6);
      sqlite3_bind_int64 (ins, 7, s->pid << 24);
      sqlite3_bind_int64 (ins, 8, name_id);
      for (int c = 8; c <= 15; c++) /* registers, grid, block, shared (dynamic, as cuLaunchKernel passes it) */
        sqlite3_bind_int64 (ins, c + 1, lsc__col_int (src, c, &v) ? v : 0);
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
  lsc__kernel_names_free (&kernels);
  rc = sqlite3_close (out);
  out = NULL;
  if (rc != SQLITE_OK)
    {
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", dest, sqlite3_errstr (rc));
      goto fail_reported;
    }
  lsc__export_source_end (report, began);
  lsc__sess_list_free (&sessions);
  lsc_report_summary_free (sum);
  return lsc__out_file_commit (&of, force, error);

fail:
  if (rc == SQLITE_NOMEM)
    lsc__error_set (error, LSC_ERROR_NOMEM, "cannot write %s: out of memory", dest);
  else if (dest_failed && out)
    lsc__export_dest_error (error, out, dest);
  else if (dest_failed)
    lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", dest, sqlite3_errstr (rc));
  else
    lsc__export_source_error (error, report, stage);
fail_reported:
  sqlite3_finalize (src);
  sqlite3_finalize (ins);
  sqlite3_finalize (ins2);
  string_ids_free (&strings);
  lsc__kernel_names_free (&kernels);
  sqlite3_close (out);
  lsc__export_source_end (report, began);
  lsc__sess_list_free (&sessions);
  lsc_report_summary_free (sum);
  lsc__out_file_abort (&of);
  return -1;
}
