/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-recorder-report.c — the recorder's report file: created in WAL mode with its schema, and
 * the statements the writer needs prepared once (and finalized at the end).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "lsc-file.h"
#include "lsc-recorder-private.h"
#include "lsc-schema.h"

/* ---- the report file ------------------------------------------------------------------------ */

/* Creates the report at o->path, whose target is checked and locked; 0, or -1 with err set. */
int
lsc__report_create (lsc_recorder *rec, const lsc_recorder_options *o, char *err, size_t err_size)
{
  /* SQLite's allocation statistics take a global mutex on every malloc, several per inserted
   * row.  Only possible before SQLite initialises; where the process used SQLite first it
   * fails harmlessly and the statistics stay on. */
  sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
  lsc__sqlite_refuse_special_files ();
  int rc = sqlite3_open_v2 (o->path, &rec->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      lsc__set_err (err, err_size, "%s: cannot create the report: %s", o->path,
                    rec->db ? sqlite3_errmsg (rec->db) : sqlite3_errstr (rc));
      return -1;
    }
  char sql[512];
  snprintf (sql, sizeof sql,
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=16384; "
            "PRAGMA cache_size=-65536; PRAGMA application_id=%d; PRAGMA user_version=%d;",
            LSC_APPLICATION_ID, LSC_SCHEMA_VERSION);
  char *msg = NULL;
  if (sqlite3_exec (rec->db, sql, NULL, NULL, &msg) != SQLITE_OK
      || sqlite3_exec (rec->db, "BEGIN;" LSC_SCHEMA_SQL "COMMIT;", NULL, NULL, &msg) != SQLITE_OK)
    {
      lsc__set_err (err, err_size, "%s: cannot write the report schema: %s", o->path, msg ? msg : "?");
      sqlite3_free (msg);
      return -1;
    }
  struct stat st;
  if (stat (o->path, &st) != 0)
    {
      lsc__set_err (err, err_size, "%s: the report vanished as it was created: %s", o->path, strerror (errno));
      return -1;
    }
  rec->file_dev = st.st_dev;
  rec->file_ino = st.st_ino;
  if (o->max_db_bytes)
    {
      snprintf (sql, sizeof sql, "PRAGMA max_page_count=%" PRIu64 ";", o->max_db_bytes / 4096 + 1);
      lsc__exec (rec, sql);
    }
  return 0;
}

bool
lsc__prepare (lsc_recorder *rec, const char *sql, sqlite3_stmt **out)
{
  return sqlite3_prepare_v3 (rec->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) == SQLITE_OK;
}

static bool
lsc__prepare_many (lsc_recorder *rec)
{
  static const char head[] = "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, reason, "
                             "status, start_ns, host_ns) VALUES ";
  static const char row[] = "(?,?,?,?,?,?,?,?,?,?),";
  char sql[sizeof head + LSC__MANY * (sizeof row - 1)];
  char *p = sql + sizeof head - 1;
  memcpy (sql, head, sizeof head - 1);
  for (unsigned i = 0; i < LSC__MANY; i++, p += sizeof row - 1)
    memcpy (p, row, sizeof row - 1);
  p[-1] = '\0'; /* the last row's comma */
  return lsc__prepare (rec, sql, &rec->ins_launch_many);
}

/* The statements the writer uses for every row; false with the connection's error set. */
bool
lsc__writer_prepare (lsc_recorder *rec)
{
  return lsc__prepare (rec,
                       "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, reason, status, "
                       "start_ns, host_ns, resolve_ns, bind_ns, specialize_ns, key_ns, lookup_ns, globals_ns, metadata_ns, "
                       "launch_ns, correlation_id, api_start_ns, api_ns, stream, grid_x, grid_y, grid_z, block_x, "
                       "block_y, block_z, shared_mem, captured, function, param_key, params) VALUES (?,?,?,?,?,?,?,?,?,"
                       "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       &rec->ins_launch)
         && lsc__prepare (rec,
                          "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, reason, status, "
                          "start_ns, host_ns) VALUES (?,?,?,?,?,?,?,?,?,?)",
                          &rec->ins_launch_lean)
         && lsc__prepare_many (rec)
         && lsc__prepare (rec, "INSERT INTO event (session_id, t_ns, kind, kernel_id, text) VALUES (?,?,?,?,?)",
                          &rec->ins_event)
         && lsc__prepare (rec,
                          "INSERT INTO spec (kernel_id, key, description, ptr_alignment, int_classes, debug, "
                          "instrumentation, compile_hook, first_ns) VALUES (?,?,?,?,?,?,?,?,?)",
                          &rec->ins_spec)
         && lsc__prepare (rec,
                          "INSERT OR REPLACE INTO gpu_activity (correlation_id, session_id, start_ns, end_ns, device_id, "
                          "context_id, stream_id, name, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_mem, "
                          "registers) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                          &rec->ins_gpu)
         && lsc__prepare (rec, "UPDATE spec SET hits = ?1, misses = ?2, waits = ?6, "
                               "compile_ms = coalesce(?3, compile_ms), last_ns = ?4 WHERE id = ?5",
                          &rec->upd_spec)
         && lsc__prepare (rec, "INSERT INTO kernel (session_id, name, entry) VALUES (?1, ?2, ?2)", &rec->ins_named_kernel)
         && lsc__prepare (rec,
                          "INSERT INTO api_call (session_id, thread, kind, name, correlation_id, start_ns, api_ns, status) "
                          "VALUES (?,?,?,?,?,?,?,?)",
                          &rec->ins_call)
         && lsc__prepare (rec,
                          "INSERT INTO floor_block (session_id, round, kind, path, kernel_id, spec_id, start_ns, "
                          "launches, p50_ns) VALUES (?,?,?,?,?,?,?,?,?)",
                          &rec->ins_floor)
         && lsc__prepare (rec, "INSERT INTO module_function (session_id, function, name) VALUES (?,?,?)",
                          &rec->ins_function)
         && lsc__prepare (rec,
                          "INSERT INTO nvtx_range (session_id, thread, domain, name, depth, start_ns, end_ns) "
                          "VALUES (?,?,?,?,?,?,?)",
                          &rec->ins_range)
         && lsc__prepare (rec, "UPDATE nvtx_range SET end_ns = ? WHERE id = ?", &rec->end_range);
}

void
lsc__free_writer_state (lsc_recorder *rec)
{
  sqlite3_stmt *statements[] = { rec->ins_launch, rec->ins_launch_lean, rec->ins_launch_many, rec->ins_event,
                                 rec->ins_spec,   rec->ins_gpu,         rec->upd_spec,        rec->ins_named_kernel,
                                 rec->ins_call,   rec->ins_floor,       rec->ins_function, rec->ins_range,
                                 rec->end_range };
  for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++)
    sqlite3_finalize (statements[i]);
  for (unsigned i = 0; i < rec->named_cap; i++)
    free (rec->named[i]);
  free (rec->named);
  rec->named = NULL;
  rec->named_cap = rec->named_count = 0;
  lsc__free_open_ranges (rec);
}
