/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-gaps.h — each launch's gap since its thread's previous CUDA call, for the summary;
 * not installed.
 *
 * Each launch's gap is its start less the end of the previous call on its thread: a launch, or
 * (version 3) a synchronisation, copy or allocation.  Computed during the one pass over the
 * launch table, in the order the rows were written, which the recorder keeps per thread (each
 * thread's ring drains in order); sorting a million rows by thread and time in SQL took longer
 * than the rest of the summary together.  The calls, fewer, are read sorted by thread and
 * time, and each thread's launches walk its calls as they go.
 */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  int64_t session_id, thread, start_ns, end_ns;
} call_span;

typedef struct {
  int64_t session_id, thread;
  bool used, has_end;
  int64_t last_end;
  size_t call_next, call_end; /* this thread's calls not yet passed, in gaps.calls */
} thread_state;

typedef struct {
  thread_state *slots;
  size_t cap, n;
  call_span *calls;
  size_t n_calls;
} gap_tracker;

/* The calls between launches (none before schema version 3), each thread given its range. */
int lsc__gap_tracker_load_calls (sqlite3 *db, int64_t version, gap_tracker *g);

/* A successful launch on (session, thread) from start to end, in the order written: 1 with
 * *gap set, 0 when it has none (the thread's first call, or a clock step back), -1 when out of
 * memory. */
int lsc__gap_tracker_launch (gap_tracker *g, int64_t session_id, int64_t thread, int64_t start, int64_t end,
                             int64_t *gap);

void lsc__gap_tracker_clear (gap_tracker *g);
