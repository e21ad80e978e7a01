/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * make-synthetic-report.c — writes a SYNTHETIC report (.lsdb) for the app's tests and the
 * first-paint measurement: schema-conformant (LSC_SCHEMA_SQL, application_id, user_version),
 * shaped like a `launchscope-cli record` run with debug, offset (alignment), skip and
 * default-path/stage-timing toggles mid-run.  Every number in it is made up by a seeded PRNG:
 * it is test data, never a measurement, and it says so in the session row (host, GPU, CPU,
 * settings) and in an info event.  It is never installed.
 *
 * usage: make-synthetic-report [--extremes] [--seed=N] [--fast-slower=PCT] OUTPUT [LAUNCHES]
 *        (default 20000 launches; OUTPUT is replaced; --seed=N: other made-up noise, the same
 *        shape, as a second run of the same workload would give; --fast-slower=PCT: fast-path
 *        hits PCT per cent slower, as after a change that slowed them, for comparisons)
 *
 * --extremes then overwrites the numbers with the worst a hostile file can hold: INT64_MIN and
 * INT64_MAX in every integer column (session times, durations, counters, ids, status, stage
 * times), +-1e308 and +-infinity in every REAL column (SQLite stores no NaN), spread over the
 * rows so that every path still has launches and every difference the app takes overflows.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lsc-schema.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng_next (void)
{
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

static double
rng_uniform (void)
{
  return (double) (rng_next () >> 11) / 9007199254740992.0;
}

/* A latency around median_ns: log-normal body plus rare spikes (so p99 is not p50 + noise). */
static int64_t
latency (double median_ns, double sigma)
{
  double u1 = rng_uniform (), u2 = rng_uniform ();
  double g = sqrt (-2.0 * log (u1 + 1e-12)) * cos (6.283185307179586 * u2);
  double v = median_ns * exp (sigma * g);
  if (rng_uniform () < 0.008)
    v *= 2.0 + 6.0 * rng_uniform ();
  return (int64_t) v;
}

static void
die (sqlite3 *db, const char *what)
{
  fprintf (stderr, "make-synthetic-report: %s: %s\n", what, db ? sqlite3_errmsg (db) : "?");
  exit (1);
}

static void
exec (sqlite3 *db, const char *sql)
{
  char *err = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
    {
      fprintf (stderr, "make-synthetic-report: %s\n  in: %.200s\n", err ? err : "?", sql);
      exit (1);
    }
}

#define MIN64 "-9223372036854775808"
#define MAX64 "9223372036854775807"
/* ext(n): INT64_MAX, INT64_MIN, 0 or -1 by rowid, so sums, differences and ranges overflow
 * whichever way the reader pairs the rows.  9e999 is how SQL spells infinity. */
#define EXT(col) col " = CASE rowid % 4 WHEN 0 THEN " MAX64 " WHEN 1 THEN " MIN64 " WHEN 2 THEN -1 ELSE " col " END"

static const char extremes_sql[] =
  /* the session starts at INT64_MIN and stops at INT64_MAX: its duration and every launch's
   * offset from its start overflow */
  "UPDATE session SET start_ns = " MIN64 ", stop_ns = " MAX64 ", dropped_rows = " MIN64 ", driver_version = " MIN64
  ", observer_overhead_ns = 9e999, raw_floor_p50_ns = 1e308;"
  /* the fast path's p50 at INT64_MAX, the baseline's at INT64_MIN: "saved per launch" overflows */
  "UPDATE launch SET host_ns = CASE path WHEN 0 THEN " MAX64 " ELSE " MIN64 " END WHERE rowid % 3 != 0;"
  "UPDATE launch SET " EXT ("start_ns") ", " EXT ("api_start_ns") ", " EXT ("api_ns") ", " EXT ("gpu_start_ns") ", "
  EXT ("gpu_ns") ", " EXT ("thread") ", " EXT ("spec_id") ", " EXT ("correlation_id") ", " EXT ("resolve_ns") ", "
  EXT ("bind_ns") ", " EXT ("specialize_ns") ", " EXT ("key_ns") ", " EXT ("lookup_ns") ", " EXT ("globals_ns") ", "
  EXT ("metadata_ns") ", " EXT ("launch_ns") ";"
  "UPDATE launch SET status = CASE rowid % 3 WHEN 0 THEN " MAX64 " WHEN 1 THEN " MIN64 " ELSE 4294967296 END,"
  " reason = " MAX64 ", outcome = " MIN64 " WHERE rowid % 97 = 5;"
  "UPDATE launch SET path = " MAX64 " WHERE rowid % 101 = 7;"
  "UPDATE spec SET hits = " MAX64 ", misses = " MAX64 ", key = CASE rowid WHEN 1 THEN " MIN64 " WHEN 2 THEN " MAX64
  " ELSE key END, debug = " MIN64 ", compile_hook = " MAX64
  ", first_ns = " MAX64 ", last_ns = " MIN64 ", compile_ms = CASE rowid % 3 WHEN 0 THEN 9e999 WHEN 1 THEN -9e999 ELSE"
  " 1e308 END;"
  "UPDATE event SET " EXT ("t_ns") ", " EXT ("launch_seq") ";"
  /* invalid UTF-8 (a stray continuation byte, a 0xff, a sequence cut short) in the text the
   * views show */
  "UPDATE session SET workload = workload || CAST(X'80ff' AS TEXT), host = CAST(X'686f7374c3' AS TEXT),"
  " gpu = CAST(X'ff475055' AS TEXT);"
  "UPDATE kernel SET name = name || CAST(X'e282' AS TEXT);"
  "UPDATE spec SET description = CAST(X'80' AS TEXT) || description;"
  "UPDATE event SET text = text || CAST(X'c0af' AS TEXT);";

typedef struct {
  const char *desc, *align, *ints;
  int debug;
  double compile_ms;
  int64_t id, hits, misses, first_ns, last_ns;
} spec_row;

enum { SPEC_ALIGNED, SPEC_DEBUG, SPEC_UNALIGNED, N_SPECS };

static spec_row specs[N_SPECS] = {
  { "arg0=aligned arg1=aligned arg2=aligned arg3=div16 debug=off instr=none hook=off", "AAA", "D", 0, 812.4 },
  { "arg0=aligned arg1=aligned arg2=aligned arg3=div16 debug=on instr=none hook=off", "AAA", "D", 1, 1093.7 },
  { "arg0=unaligned arg1=unaligned arg2=unaligned arg3=div16 debug=off instr=none hook=off", "UUU", "D", 0, 798.1 },
};
static const int64_t spec_keys[N_SPECS] = { 0x17, 0x10017, 0x10 };

int
main (int argc, char **argv)
{
  bool extremes = false;
  double fast_scale = 1.0;
  for (; argc > 1 && strncmp (argv[1], "--", 2) == 0; argc--, argv++)
    if (strcmp (argv[1], "--extremes") == 0)
      extremes = true;
    else if (strncmp (argv[1], "--fast-slower=", 14) == 0)
      fast_scale = 1.0 + strtod (argv[1] + 14, NULL) / 100.0;
    else if (strncmp (argv[1], "--seed=", 7) == 0)
      rng_state ^= strtoull (argv[1] + 7, NULL, 10) * 0x2545f4914f6cdd1dull; /* another run's noise */
    else
      break;
  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: %s [--extremes] [--seed=N] [--fast-slower=PCT] OUTPUT [LAUNCHES]\n", argv[0]);
      return 2;
    }
  const char *out = argv[1];
  long n = argc > 2 ? strtol (argv[2], NULL, 10) : 20000;
  if (n < 100)
    n = 100;
  unlink (out);

  sqlite3 *db = NULL;
  if (sqlite3_open (out, &db) != SQLITE_OK)
    die (db, out);
  char pragma[256];
  snprintf (pragma, sizeof pragma,
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA application_id=%d; PRAGMA user_version=%d;",
            LSC_APPLICATION_ID, LSC_SCHEMA_VERSION);
  exec (db, pragma);
  exec (db, "BEGIN");
  exec (db, LSC_SCHEMA_SQL);

  /* Toggle points, as fractions of the run (the recorder's "toggles" setting). */
  const long t_default_on = n * 15 / 100, t_default_off = n * 30 / 100;
  const long t_debug_on = n * 40 / 100, t_debug_off = n * 50 / 100;
  const long t_offset_on = n * 55 / 100, t_offset_off = n * 65 / 100;
  const long t_skip_on = n * 72 / 100, t_skip_off = n * 82 / 100;

  const int64_t start_ns = INT64_C (1000000000000);
  const double period_ns = 9000.0; /* one launch every ~9 µs of wall time */

  char settings[1024];
  snprintf (settings, sizeof settings,
            "{\"synthetic\": true, \"note\": \"SYNTHETIC TEST DATA, not a measurement\", \"pid\": 4242, "
            "\"workload\": \"add3\", \"iters\": %ld, \"n\": 1048576, \"device\": 0, \"cupti\": \"callbacks\", "
            "\"toggles\": [\"default@%ld\", \"timing@%ld\", \"default@%ld\", \"timing@%ld\", \"debug@%ld\", "
            "\"debug@%ld\", \"offset@%ld\", \"offset@%ld\", \"skip@%ld\", \"skip@%ld\"]}",
            n, t_default_on, t_default_on, t_default_off, t_default_off, t_debug_on, t_debug_off, t_offset_on,
            t_offset_off, t_skip_on, t_skip_off);

  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db,
                          "INSERT INTO session (id, host, gpu, driver_version, toolkit, nvrtc, cpu, settings, workload, "
                          "start_ns, stop_ns, start_wall, dropped_rows, observer_overhead_ns, cupti_mode, cupti_status, "
                          "raw_floor_p50_ns) VALUES (1, 'synthetic-test-host', 'Synthetic GPU (test data, not a "
                          "measurement)', 13000, '13.0', '13.0', 'Synthetic CPU (test data)', ?, 'add3 (synthetic)', ?, "
                          "NULL, '2026-11-25T12:00:00Z', 0, 41.5, 'callbacks', 'callbacks on', 3850.0)",
                          -1, &st, NULL)
      != SQLITE_OK)
    die (db, "session");
  sqlite3_bind_text (st, 1, settings, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 2, start_ns);
  if (sqlite3_step (st) != SQLITE_DONE)
    die (db, "session");
  sqlite3_finalize (st);
  exec (db, "INSERT INTO kernel (id, session_id, name, entry, signature, config) VALUES (1, 1, 'add3', 'add3', "
            "'*fp32, *fp32, *fp32, i32', 'num_warps=4 block=128x1x1 n=1048576')");

  sqlite3_stmt *ins_launch = NULL, *ins_stage = NULL, *ins_event = NULL;
  if (sqlite3_prepare_v2 (db,
                          "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, reason, status, "
                          "start_ns, host_ns, correlation_id, api_start_ns, api_ns) VALUES (1, 1, ?, 4243, ?, ?, ?, 0, "
                          "?, ?, ?, ?, ?)",
                          -1, &ins_launch, NULL)
          != SQLITE_OK
      || sqlite3_prepare_v2 (db,
                             "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, reason, status, "
                             "start_ns, host_ns, resolve_ns, bind_ns, specialize_ns, key_ns, lookup_ns, globals_ns, "
                             "metadata_ns, launch_ns, correlation_id, api_start_ns, api_ns) VALUES (1, 1, ?, 4243, 1, 3, "
                             "0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             -1, &ins_stage, NULL)
             != SQLITE_OK
      || sqlite3_prepare_v2 (db, "INSERT INTO event (session_id, t_ns, kind, kernel_id, text) VALUES (1, ?, ?, ?, ?)",
                             -1, &ins_event, NULL)
             != SQLITE_OK)
    die (db, "prepare");

#define EVENT(t, kind, kid, ...)                                                                    \
  do                                                                                                \
    {                                                                                               \
      char text_[300];                                                                              \
      snprintf (text_, sizeof text_, __VA_ARGS__);                                                  \
      sqlite3_reset (ins_event);                                                                    \
      sqlite3_bind_int64 (ins_event, 1, (t));                                                       \
      sqlite3_bind_text (ins_event, 2, (kind), -1, SQLITE_STATIC);                                  \
      if (kid)                                                                                      \
        sqlite3_bind_int64 (ins_event, 3, (kid));                                                   \
      else                                                                                          \
        sqlite3_bind_null (ins_event, 3);                                                           \
      sqlite3_bind_text (ins_event, 4, text_, -1, SQLITE_TRANSIENT);                                \
      if (sqlite3_step (ins_event) != SQLITE_DONE)                                                  \
        die (db, "event");                                                                          \
    }                                                                                               \
  while (0)

  EVENT (start_ns, "info", 0, "SYNTHETIC TEST DATA generated by tests/support/make-synthetic-report: not a measurement");

  for (int i = 0; i < N_SPECS; i++)
    specs[i].id = i + 1;

  bool debug = false, offset = false, skip = false, use_default = false;
  int last_reason = 0;
  double t = (double) start_ns + 50000.0;
  uint32_t correlation = 1;
  for (long i = 0; i < n; i++)
    {
      int64_t ts = (int64_t) t;
      /* toggles, noted as the CLI notes them */
      if (i == t_default_on || i == t_default_off)
        {
          use_default = i == t_default_on;
          EVENT (ts, "toggle", 0, "timing %s at launch %ld", use_default ? "on" : "off", i);
          EVENT (ts, "toggle", 0, "default %s at launch %ld", use_default ? "on" : "off", i);
        }
      if (i == t_debug_on || i == t_debug_off)
        {
          debug = i == t_debug_on;
          EVENT (ts, "toggle", 0, "debug %s at launch %ld", debug ? "on" : "off", i);
        }
      if (i == t_offset_on || i == t_offset_off)
        {
          offset = i == t_offset_on;
          EVENT (ts, "toggle", 0, "offset %s at launch %ld", offset ? "on" : "off", i);
        }
      if (i == t_skip_on || i == t_skip_off)
        {
          skip = i == t_skip_on;
          EVENT (ts, "toggle", 0, "skip %s at launch %ld", skip ? "on" : "off", i);
        }

      int si = debug ? SPEC_DEBUG : offset ? SPEC_UNALIGNED : SPEC_ALIGNED;
      spec_row *sp = &specs[si];
      int path = 0, outcome = 0, reason = 0;
      int64_t host_ns;
      int64_t api_ns = latency (3650.0, 0.06);
      if (use_default)
        {
          /* the baseline with stage timing: every stage recorded */
          int64_t stg[8] = { latency (310, 0.1), latency (690, 0.1), latency (540, 0.1), latency (420, 0.1),
                             latency (380, 0.1), latency (160, 0.1), latency (930, 0.1), api_ns + latency (120, 0.2) };
          host_ns = 0;
          for (int k = 0; k < 8; k++)
            host_ns += stg[k];
          sqlite3_reset (ins_stage);
          sqlite3_bind_int64 (ins_stage, 1, sp->id);
          sqlite3_bind_int64 (ins_stage, 2, ts);
          sqlite3_bind_int64 (ins_stage, 3, host_ns);
          for (int k = 0; k < 8; k++)
            sqlite3_bind_int64 (ins_stage, 4 + k, stg[k]);
          sqlite3_bind_int64 (ins_stage, 12, correlation++);
          sqlite3_bind_int64 (ins_stage, 13, ts + stg[0] + stg[1] + stg[2] + stg[3] + stg[4] + stg[5] + stg[6]);
          sqlite3_bind_int64 (ins_stage, 14, api_ns);
          if (sqlite3_step (ins_stage) != SQLITE_DONE)
            die (db, "launch");
          t += period_ns * (0.9 + 0.2 * rng_uniform ()) + (double) host_ns;
          continue;
        }
      if (skip)
        {
          path = 1;
          outcome = 2;
          reason = 3; /* skip-switch */
          host_ns = latency (7600.0, 0.08);
        }
      else if (sp->misses == 0)
        {
          outcome = 1; /* miss: compiled once */
          host_ns = (int64_t) (sp->compile_ms * 1e6);
          sp->misses = 1;
          sp->first_ns = ts;
          EVENT (ts, "compile", 1, "add3: compiled in %.1f ms (%s)", sp->compile_ms, sp->desc);
        }
      else
        {
          outcome = 0;
          host_ns = latency ((sp->debug ? 4350.0 : 4020.0) * fast_scale, 0.05);
          sp->hits++;
        }
      if (reason != last_reason)
        {
          if (reason)
            EVENT (ts, "fallback", 1, "add3: fallback to the default path (skip-switch)");
          else
            EVENT (ts, "fallback", 1, "add3: fast path resumed (was skip-switch)");
          last_reason = reason;
        }
      sp->last_ns = ts;
      sqlite3_reset (ins_launch);
      sqlite3_bind_int64 (ins_launch, 1, sp->id);
      sqlite3_bind_int (ins_launch, 2, path);
      sqlite3_bind_int (ins_launch, 3, outcome);
      sqlite3_bind_int (ins_launch, 4, reason);
      sqlite3_bind_int64 (ins_launch, 5, ts);
      sqlite3_bind_int64 (ins_launch, 6, host_ns);
      sqlite3_bind_int64 (ins_launch, 7, correlation++);
      sqlite3_bind_int64 (ins_launch, 8, ts + host_ns - api_ns - 60);
      sqlite3_bind_int64 (ins_launch, 9, api_ns);
      if (sqlite3_step (ins_launch) != SQLITE_DONE)
        die (db, "launch");
      t += period_ns * (0.9 + 0.2 * rng_uniform ()) + (double) (outcome == 1 ? host_ns : 0);
    }
  EVENT ((int64_t) t, "info", 0, "recording stopped after %ld launches", n);
  char stop_sql[128];
  snprintf (stop_sql, sizeof stop_sql, "UPDATE session SET stop_ns = %" PRId64 " WHERE id = 1", (int64_t) t + 1000000);
  exec (db, stop_sql);

  sqlite3_stmt *ins_spec = NULL;
  if (sqlite3_prepare_v2 (db,
                          "INSERT INTO spec (id, kernel_id, key, description, ptr_alignment, int_classes, debug, "
                          "instrumentation, compile_hook, compile_ms, hits, misses, first_ns, last_ns) VALUES (?, 1, ?, "
                          "?, ?, ?, ?, 'none', 0, ?, ?, ?, ?, ?)",
                          -1, &ins_spec, NULL)
      != SQLITE_OK)
    die (db, "spec");
  for (int i = 0; i < N_SPECS; i++)
    {
      spec_row *sp = &specs[i];
      sqlite3_reset (ins_spec);
      sqlite3_bind_int64 (ins_spec, 1, sp->id);
      sqlite3_bind_int64 (ins_spec, 2, spec_keys[i]);
      sqlite3_bind_text (ins_spec, 3, sp->desc, -1, SQLITE_STATIC);
      sqlite3_bind_text (ins_spec, 4, sp->align, -1, SQLITE_STATIC);
      sqlite3_bind_text (ins_spec, 5, sp->ints, -1, SQLITE_STATIC);
      sqlite3_bind_int (ins_spec, 6, sp->debug);
      sqlite3_bind_double (ins_spec, 7, sp->compile_ms);
      sqlite3_bind_int64 (ins_spec, 8, sp->hits);
      sqlite3_bind_int64 (ins_spec, 9, sp->misses);
      if (sp->misses)
        {
          sqlite3_bind_int64 (ins_spec, 10, sp->first_ns);
          sqlite3_bind_int64 (ins_spec, 11, sp->last_ns);
        }
      else
        {
          sqlite3_bind_null (ins_spec, 10);
          sqlite3_bind_null (ins_spec, 11);
        }
      if (sqlite3_step (ins_spec) != SQLITE_DONE)
        die (db, "spec");
    }
  sqlite3_finalize (ins_spec);
  sqlite3_finalize (ins_launch);
  sqlite3_finalize (ins_stage);
  sqlite3_finalize (ins_event);
  if (extremes)
    exec (db, extremes_sql);
  exec (db, LSC_SCHEMA_INDEX_SQL);
  exec (db, "COMMIT");
  if (sqlite3_close (db) != SQLITE_OK)
    die (db, "close");
  printf ("%s: %ld synthetic launches%s\n", out, n, extremes ? ", extreme values" : "");
  return 0;
}
