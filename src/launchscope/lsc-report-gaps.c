/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-gaps.c — each launch's gap since its thread's previous CUDA call (see the header).
 */
#include <stdlib.h>

#include "lsc-report-gaps.h"
#include "lsc-report-private.h"

static uint64_t
thread_hash (int64_t session_id, int64_t thread)
{
  uint64_t h = (uint64_t) session_id * 0x9e3779b97f4a7c15ull ^ (uint64_t) thread * 0xc2b2ae3d27d4eb4full;
  return h ^ (h >> 29);
}

/* The state of (session, thread), added the first time; NULL when out of memory. */
static thread_state *
thread_state_get (gap_tracker *g, int64_t session_id, int64_t thread)
{
  if ((g->n + 1) * 2 > g->cap)
    {
      size_t cap = g->cap ? g->cap * 2 : 64;
      thread_state *slots = calloc (cap, sizeof *slots);
      if (!slots)
        return NULL;
      for (size_t i = 0; i < g->cap; i++)
        if (g->slots[i].used)
          {
            size_t j = thread_hash (g->slots[i].session_id, g->slots[i].thread) & (cap - 1);
            while (slots[j].used)
              j = (j + 1) & (cap - 1);
            slots[j] = g->slots[i];
          }
      free (g->slots);
      g->slots = slots;
      g->cap = cap;
    }
  size_t j = thread_hash (session_id, thread) & (g->cap - 1);
  while (g->slots[j].used && (g->slots[j].session_id != session_id || g->slots[j].thread != thread))
    j = (j + 1) & (g->cap - 1);
  if (!g->slots[j].used)
    {
      g->slots[j] = (thread_state){ .session_id = session_id, .thread = thread, .used = true };
      g->n++;
    }
  return &g->slots[j];
}

/* Loads the calls between launches (none before version 3) and gives each thread its range.
 * Only the driver's synchronisation, copy and allocation calls: a runtime call (kind 5)
 * encloses a driver call, a launch's too, and would end the gap after the launch it made. */
int
lsc__gap_tracker_load_calls (sqlite3 *db, int64_t version, gap_tracker *g)
{
  if (!lsc__table_present (version, "api_call"))
    return SQLITE_OK;
  _Static_assert (LSC_CALL_KINDS == 3, "the calls between launches are kinds 2 to 4");
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT session_id, coalesce(thread, -9223372036854775808), start_ns, start_ns + api_ns "
                               "FROM main.api_call WHERE kind BETWEEN 2 AND 4 AND typeof(session_id) = 'integer' AND "
                               "typeof(start_ns) = 'integer' AND typeof(api_ns) = 'integer' AND "
                               "typeof(start_ns + api_ns) = 'integer' ORDER BY 1, 2, 3",
                               -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  size_t cap = 0;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (g->n_calls == cap)
        {
          size_t more = cap ? cap * 2 : 256;
          call_span *v = realloc (g->calls, more * sizeof *v);
          if (!v)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          g->calls = v;
          cap = more;
        }
      g->calls[g->n_calls++] = (call_span){ sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1),
                                            sqlite3_column_int64 (stmt, 2), sqlite3_column_int64 (stmt, 3) };
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return rc;
  for (size_t i = 0; i < g->n_calls;)
    {
      size_t end = i;
      while (end < g->n_calls && g->calls[end].session_id == g->calls[i].session_id
             && g->calls[end].thread == g->calls[i].thread)
        end++;
      thread_state *t = thread_state_get (g, g->calls[i].session_id, g->calls[i].thread);
      if (!t)
        return SQLITE_NOMEM;
      t->call_next = i;
      t->call_end = end;
      i = end;
    }
  return SQLITE_OK;
}

/* A successful launch on (session, thread) from start to end: its gap, false when it has none
 * (the thread's first call, or a clock step backwards).  -1 when out of memory. */
int
lsc__gap_tracker_launch (gap_tracker *g, int64_t session_id, int64_t thread, int64_t start, int64_t end, int64_t *gap)
{
  thread_state *t = thread_state_get (g, session_id, thread);
  if (!t)
    return -1;
  /* as ORDER BY start, calls before launches at the same start: the previous call is the last
   * of this thread's calls that started no later than this launch */
  for (; t->call_next < t->call_end && g->calls[t->call_next].start_ns <= start; t->call_next++)
    {
      t->last_end = g->calls[t->call_next].end_ns;
      t->has_end = true;
    }
  /* a hostile file's times can be any int64: a difference that overflows is no gap */
  bool has = t->has_end && start >= t->last_end && !__builtin_sub_overflow (start, t->last_end, gap);
  t->last_end = end;
  t->has_end = true;
  return has;
}

void
lsc__gap_tracker_clear (gap_tracker *g)
{
  free (g->slots);
  free (g->calls);
}
