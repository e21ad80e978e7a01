/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-schema.h — the report (.lsdb) schema, version LSC_SCHEMA_VERSION.
 *
 * A report is an SQLite database with application_id LSC_APPLICATION_ID and
 * PRAGMA user_version = LSC_SCHEMA_VERSION.  Times are nanoseconds; *_ns columns that start
 * with t_ or start_ are CLOCK_MONOTONIC nanoseconds of the recording host, and
 * session.start_ns is the zero every report view measures from.  The README documents every
 * table; change both together and bump the version.
 *
 * Version 3's launch columns follow the older ones' closing comment, each with its comma before
 * it, so the reader's reference schema for an older version can drop them (ALTER TABLE DROP
 * COLUMN cuts from the comma before a column to its end).
 *
 * Versions: 1; 2 added spec.waits (and misses stopped counting the launches that raced on a
 * new spec and waited for its one compile: misses are the compiles needed); 3 added each
 * launch's configuration (stream, grid, block, shared memory, captured) and the api_call table
 * (the synchronisation, copy and allocation calls between a program's launches); 4 added each
 * launch's function (the CUfunction: one binary) and, with record --params, the spec key its
 * parameter values give (param_key; params says why there is none); 5 added the nvtx_range table
 * (the ranges a recorded program pushes), the calibration table (costs measured on the recording
 * host that savings estimates use), the floor_block table (the in-session floor and observer
 * cost, lsc-floor.h), the module_function table (the functions a program got from modules it
 * loaded itself: a JIT's kernels) and api_call kind 5 (runtime calls, with record --api
 * runtime).  Every version
 * is read: a column or table a report's version predates reads as its default or as empty
 * (lsc-report.c lists them).
 * Plan a change's columns so the next one adds rather than rewrites.
 */
#pragma once

#define LSC_APPLICATION_ID 0x4c534442 /* "LSDB" */
#define LSC_SCHEMA_VERSION 5

/* Enum values stored in the report; they equal the engine's fl_path/fl_outcome/fl_fallback. */
#define LSC_SCHEMA_SQL                                                                                      \
  "CREATE TABLE session (\n"                                                                                \
  "  id INTEGER PRIMARY KEY,\n"                                                                             \
  "  host TEXT, gpu TEXT, driver_version INTEGER, toolkit TEXT, nvrtc TEXT, cpu TEXT,\n"                    \
  "  settings TEXT,                 -- JSON: workload, iterations, toggles, cupti mode\n"                   \
  "  workload TEXT,\n"                                                                                      \
  "  start_ns INTEGER NOT NULL,     -- CLOCK_MONOTONIC at start\n"                                          \
  "  stop_ns INTEGER,               -- NULL while recording (or after a crash)\n"                           \
  "  start_wall TEXT,               -- ISO 8601 UTC\n"                                                      \
  "  dropped_rows INTEGER NOT NULL DEFAULT 0,\n"                                                            \
  "  observer_overhead_ns REAL,     -- measured cost per launch of recording itself\n"                      \
  "  cupti_mode TEXT, cupti_status TEXT,\n"                                                                 \
  "  raw_floor_p50_ns REAL          -- bare cuLaunchKernel p50 measured in the same process\n"              \
  ");\n"                                                                                                    \
  "CREATE TABLE path (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"                                \
  "INSERT INTO path VALUES (0,'fast'),(1,'default'),(2,'raw'),(3,'graph');\n"                               \
  "CREATE TABLE outcome (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"                             \
  "INSERT INTO outcome VALUES (0,'hit'),(1,'miss'),(2,'fallback'),(3,'default');\n"                         \
  "CREATE TABLE reason (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"                              \
  "INSERT INTO reason VALUES (0,'none'),(1,'skip-env'),(2,'priming-failed'),(3,'skip-switch'),"             \
  "(4,'capture'),(5,'context-changed'),(6,'globals-changed'),(7,'constexpr-changed'),(8,'arguments'),"      \
  "(9,'table-full');\n"                                                                                     \
  "CREATE TABLE kernel (\n"                                                                                 \
  "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES session(id),\n"                         \
  "  name TEXT NOT NULL, entry TEXT, signature TEXT, config TEXT\n"                                         \
  ");\n"                                                                                                    \
  "CREATE TABLE spec (\n"                                                                                   \
  "  id INTEGER PRIMARY KEY, kernel_id INTEGER NOT NULL REFERENCES kernel(id),\n"                           \
  "  key INTEGER NOT NULL,          -- the engine's 64-bit spec key (as a signed integer)\n"                \
  "  description TEXT,              -- decoded: 'arg0=aligned arg2=div16 debug=off ...'\n"                  \
  "  ptr_alignment TEXT,            -- one character per pointer argument: A aligned, U unaligned\n"        \
  "  int_classes TEXT,              -- one character per specialized integer: 1, D (div16), O (other)\n"    \
  "  debug INTEGER, instrumentation TEXT, compile_hook INTEGER,\n"                                          \
  "  compile_ms REAL, hits INTEGER NOT NULL DEFAULT 0, misses INTEGER NOT NULL DEFAULT 0,\n"                \
  "  first_ns INTEGER, last_ns INTEGER,\n"                                                                  \
  "  waits INTEGER NOT NULL DEFAULT 0, -- since version 2: racers on a new spec\n"                          \
  "  UNIQUE (kernel_id, key)\n"                                                                             \
  ");\n"                                                                                                    \
  "CREATE TABLE launch (\n"                                                                                 \
  "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, kernel_id INTEGER, spec_id INTEGER,\n"            \
  "  thread INTEGER,                -- OS thread id of the launching thread\n"                              \
  "  path INTEGER NOT NULL, outcome INTEGER NOT NULL, reason INTEGER NOT NULL DEFAULT 0,\n"                 \
  "  status INTEGER NOT NULL DEFAULT 0, -- fl_status; 0 = ok\n"                                             \
  "  start_ns INTEGER NOT NULL, host_ns INTEGER,\n"                                                         \
  "  resolve_ns INTEGER, bind_ns INTEGER, specialize_ns INTEGER, key_ns INTEGER,\n"                         \
  "  lookup_ns INTEGER, globals_ns INTEGER, metadata_ns INTEGER, launch_ns INTEGER,\n"                      \
  "  correlation_id INTEGER,        -- CUPTI correlation id, NULL without callbacks\n"                      \
  "  api_start_ns INTEGER, api_ns INTEGER, -- cuLaunchKernel as CUPTI saw it\n"                             \
  "  gpu_start_ns INTEGER, gpu_ns INTEGER  -- kernel execution, with activity tracing\n"                    \
  "  , stream INTEGER, grid_x INTEGER, grid_y INTEGER, grid_z INTEGER, block_x INTEGER\n"                  \
  "  , block_y INTEGER, block_z INTEGER, shared_mem INTEGER, captured INTEGER NOT NULL DEFAULT 0\n"        \
  "  , function INTEGER, param_key INTEGER, params INTEGER\n"                                             \
  ");\n"                                                                                                    \
  "CREATE TABLE api_call (          -- since version 3\n"                                                  \
  "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, thread INTEGER,\n"                              \
  "  kind INTEGER NOT NULL,         -- 2 sync, 3 copy, 4 alloc, 5 runtime (since version 5)\n"            \
  "  name TEXT,                     -- the function: cuStreamSynchronize, cudaLaunchKernel, ...\n"         \
  "  correlation_id INTEGER, start_ns INTEGER NOT NULL, api_ns INTEGER,\n"                                \
  "  status INTEGER NOT NULL DEFAULT 0 -- its CUresult\n"                                                 \
  ");\n"                                                                                                    \
  "CREATE TABLE nvtx_range (        -- since version 5\n"                                                 \
  "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, thread INTEGER,\n"                               \
  "  domain TEXT,                   -- NULL: NVTX's default domain\n"                                       \
  "  name TEXT,\n"                                                                                          \
  "  depth INTEGER,                 -- 0 outermost push on its thread; NULL a start/end range\n"           \
  "  start_ns INTEGER NOT NULL, end_ns INTEGER -- NULL: still open when recording stopped\n"               \
  ");\n"                                                                                                    \
  "CREATE TABLE calibration (       -- since version 5\n"                                                  \
  "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL,\n"                                               \
  "  name TEXT NOT NULL,            -- fast | raw | graph_node: a launch's host cost on this path\n"        \
  "  p50_ns REAL, low_ns REAL, high_ns REAL, -- median and its 95% interval\n"                             \
  "  samples INTEGER\n"                                                                                     \
  ");\n"                                                                                                    \
  "CREATE TABLE floor_block (       -- since version 5\n"                                                  \
  "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL,\n"                                               \
  "  round INTEGER NOT NULL,        -- a round's blocks are compared with each other\n"                    \
  "  kind INTEGER NOT NULL,         -- 0 bare cuLaunchKernel, 1 the engine unrecorded, 2 recorded\n"       \
  "  path INTEGER,                  -- the engine's path in the round\n"                                   \
  "  kernel_id INTEGER, spec_id INTEGER,\n"                                                                \
  "  start_ns INTEGER NOT NULL, launches INTEGER NOT NULL,\n"                                              \
  "  p50_ns INTEGER                 -- the block's median launch, timed around the call\n"                 \
  ");\n"                                                                                                   \
  "CREATE TABLE module_function (   -- since version 5\n"                                                  \
  "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL,\n"                                               \
  "  function INTEGER NOT NULL,     -- a CUfunction the program got from cuModuleGetFunction\n"            \
  "  name TEXT                      -- the name it asked for\n"                                             \
  ");\n"                                                                                                    \
  "CREATE TABLE event (\n"                                                                                  \
  "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, t_ns INTEGER NOT NULL,\n"                         \
  "  kind TEXT NOT NULL,            -- toggle | fallback | error | compile | info\n"                        \
  "  kernel_id INTEGER, launch_seq INTEGER, text TEXT NOT NULL\n"                                           \
  ");\n"                                                                                                    \
  "CREATE TABLE gpu_activity (\n"                                                                           \
  "  correlation_id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL,\n"                                    \
  "  start_ns INTEGER, end_ns INTEGER, device_id INTEGER, context_id INTEGER, stream_id INTEGER,\n"         \
  "  name TEXT, grid_x INTEGER, grid_y INTEGER, grid_z INTEGER, block_x INTEGER, block_y INTEGER,\n"        \
  "  block_z INTEGER, shared_mem INTEGER, registers INTEGER\n"                                              \
  ");\n"                                                                                                    \
  "CREATE VIEW path_percentiles AS\n"                                                                       \
  "  WITH ranked AS (\n"                                                                                    \
  "    SELECT path, host_ns, ROW_NUMBER() OVER (PARTITION BY path ORDER BY host_ns) AS rn,\n"               \
  "           COUNT(*) OVER (PARTITION BY path) AS n\n"                                                     \
  "    FROM launch WHERE host_ns IS NOT NULL AND status = 0)\n"                                             \
  "  SELECT p.name AS path, r.n AS launches,\n"                                                             \
  "         MIN(CASE WHEN r.rn >= 0.50 * r.n THEN r.host_ns END) AS p50_ns,\n"                              \
  "         MIN(CASE WHEN r.rn >= 0.90 * r.n THEN r.host_ns END) AS p90_ns,\n"                              \
  "         MIN(CASE WHEN r.rn >= 0.99 * r.n THEN r.host_ns END) AS p99_ns,\n"                              \
  "         MAX(r.host_ns) AS max_ns\n"                                                                     \
  "  FROM ranked r JOIN path p ON p.id = r.path GROUP BY r.path;\n"                                         \
  "CREATE VIEW fallback_reasons AS\n"                                                                       \
  "  SELECT r.name AS reason, COUNT(*) AS launches FROM launch l JOIN reason r ON r.id = l.reason\n"        \
  "  WHERE l.outcome = 2 GROUP BY l.reason ORDER BY launches DESC;\n"                                       \
  "CREATE VIEW launch_named AS\n"                                                                           \
  "  SELECT l.*, p.name AS path_name, o.name AS outcome_name, r.name AS reason_name, k.name AS kernel_name\n" \
  "  FROM launch l JOIN path p ON p.id = l.path JOIN outcome o ON o.id = l.outcome\n"                       \
  "  JOIN reason r ON r.id = l.reason LEFT JOIN kernel k ON k.id = l.kernel_id;\n"

/* Built when a recording stops (inserts stay cheap while recording); a report from a crashed
 * recorder lacks them, which costs query speed only. */
#define LSC_SCHEMA_INDEX_SQL \
  "CREATE INDEX IF NOT EXISTS launch_by_time ON launch (session_id, start_ns);\n" \
  "CREATE INDEX IF NOT EXISTS launch_by_path ON launch (path, host_ns);\n" \
  "CREATE INDEX IF NOT EXISTS launch_by_spec ON launch (kernel_id, spec_id);\n" \
  "CREATE INDEX IF NOT EXISTS launch_by_correlation ON launch (correlation_id);\n" \
  "CREATE INDEX IF NOT EXISTS event_by_time ON event (session_id, t_ns);\n" \
  "CREATE INDEX IF NOT EXISTS api_call_by_thread ON api_call (session_id, thread, start_ns);\n"
