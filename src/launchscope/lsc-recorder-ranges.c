/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-recorder-ranges.c — the writer's side of NVTX ranges: nvtx_range rows.
 *
 * A range's row is written when its opening record is drained, with no end, and given its end
 * when the closing record comes: a range still open when the recording stops (or when the
 * process is killed) reads as open, with nothing kept for it in memory.  The rows still open
 * are found by key in a table of the writer's own (open addressing, linear probing).
 *
 * Writer thread only.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "lsc-recorder-private.h"

/* A program that opens start/end ranges and never ends them must not grow the table without
 * bound: past this many, new ranges keep no end (their rows read as still open). */
#define LSC__OPEN_RANGES_MAX (1u << 20)

/* The key in the writer's table: a push/pop range's sequence number is its thread's. */
static uint64_t
lsc__range_key (const lsc__ring *ring, unsigned kind, uint64_t key)
{
  return kind == LSC__RANGE_PUSH ? (uint64_t) ring->tid << 32 | (key & 0xffffffffu) : key;
}

static unsigned
lsc__range_slot (uint64_t key, unsigned cap)
{
  return (unsigned) ((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* The entry of key, or NULL. */
static struct lsc__open_range *
lsc__open_find (lsc_recorder *rec, uint64_t key)
{
  if (!rec->open_count)
    return NULL;
  for (unsigned j = lsc__range_slot (key, rec->open_cap);; j = (j + 1) & (rec->open_cap - 1))
    {
      struct lsc__open_range *e = &rec->open_ranges[j];
      if (!e->key)
        return NULL;
      if (e->key == key)
        return e;
    }
}

/* Backward-shift deletion: the entries after it that probed past it move up, so lookups stop at
 * the first empty entry without tombstones. */
static void
lsc__open_remove (lsc_recorder *rec, struct lsc__open_range *e)
{
  unsigned mask = rec->open_cap - 1, hole = (unsigned) (e - rec->open_ranges);
  for (unsigned j = (hole + 1) & mask; rec->open_ranges[j].key; j = (j + 1) & mask)
    {
      unsigned home = lsc__range_slot (rec->open_ranges[j].key, rec->open_cap);
      /* Movable when its home is not cyclically within (hole, j]. */
      if (((j - home) & mask) >= ((j - hole) & mask))
        {
          rec->open_ranges[hole] = rec->open_ranges[j];
          hole = j;
        }
    }
  rec->open_ranges[hole].key = 0;
  rec->open_count--;
}

/* Adds an entry (the key must not be there); false when the table is full or out of memory. */
static bool
lsc__open_add (lsc_recorder *rec, struct lsc__open_range entry)
{
  if (rec->open_count + 1 > rec->open_cap / 2)
    {
      unsigned cap = rec->open_cap ? rec->open_cap * 2 : 64;
      if (cap > LSC__OPEN_RANGES_MAX)
        return false;
      struct lsc__open_range *grown = calloc (cap, sizeof *grown);
      if (!grown)
        return false;
      for (unsigned i = 0; i < rec->open_cap; i++)
        if (rec->open_ranges[i].key)
          {
            unsigned j = lsc__range_slot (rec->open_ranges[i].key, cap);
            while (grown[j].key)
              j = (j + 1) & (cap - 1);
            grown[j] = rec->open_ranges[i];
          }
      free (rec->open_ranges);
      rec->open_ranges = grown;
      rec->open_cap = cap;
    }
  unsigned j = lsc__range_slot (entry.key, rec->open_cap);
  while (rec->open_ranges[j].key)
    j = (j + 1) & (rec->open_cap - 1);
  rec->open_ranges[j] = entry;
  rec->open_count++;
  return true;
}

/* Past the max_launches bound no new range is written: a program that annotates every operator
 * (PyTorch's emit_nvtx) would otherwise go on growing the report the bound keeps small.  The
 * ranges already written still get their ends. */
static bool
lsc__past_launch_bound (const lsc_recorder *rec)
{
  return rec->max_launches && rec->launch_rows >= rec->max_launches;
}

/* A RANGE record at tail, its name in the slots after it. */
void
lsc__write_range (lsc_recorder *rec, const lsc__ring *ring, uint64_t tail)
{
  const lsc__rec *r = &ring->slots[tail & ring->mask].rec;
  if (lsc__past_launch_bound (rec))
    return;
  char name[LSC__RANGE_NAME_MAX + 1];
  size_t len = r->host_ns <= LSC__RANGE_NAME_MAX ? (size_t) r->host_ns : LSC__RANGE_NAME_MAX;
  for (size_t at = 0; at < len; at += sizeof (lsc__slot))
    memcpy (name + at, ring->slots[(tail + 1 + at / sizeof (lsc__slot)) & ring->mask].bytes,
            len - at < sizeof (lsc__slot) ? len - at : sizeof (lsc__slot));
  name[len] = '\0';
  uint64_t key = lsc__range_key (ring, r->path, r->key);
  struct lsc__open_range *ended = lsc__open_find (rec, key);
  if (ended && ended->row)
    {
      /* A key seen again: its thread ended and another got its id, or the sequence wrapped.
       * The older range was never closed. */
      lsc__open_remove (rec, ended);
      ended = NULL;
    }
  sqlite3_stmt *st = rec->ins_range;
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, rec->session_id);
  sqlite3_bind_int64 (st, 2, ring->tid);
  if (r->u.range.domain)
    sqlite3_bind_text (st, 3, r->u.range.domain, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (st, 3);
  if (r->reason)
    sqlite3_bind_text (st, 4, name, (int) len, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (st, 4);
  if (r->status >= 0)
    sqlite3_bind_int (st, 5, r->status);
  else
    sqlite3_bind_null (st, 5);
  sqlite3_bind_int64 (st, 6, (int64_t) r->start_ns);
  if (ended)
    sqlite3_bind_int64 (st, 7, (int64_t) ended->end_ns);
  else
    sqlite3_bind_null (st, 7);
  if (sqlite3_step (st) != SQLITE_DONE)
    {
      lsc__writer_fail (rec, "inserting an nvtx_range row");
      return;
    }
  if (ended)
    lsc__open_remove (rec, ended);
  else
    lsc__open_add (rec, (struct lsc__open_range){ .key = key, .row = sqlite3_last_insert_rowid (rec->db) });
}

/* A RANGE_END record: the end of the row its range has, or, for a start/end range whose start
 * is in a ring not drained yet, an end waiting for it.  The close of a range opened before the
 * recording started finds nothing and is dropped. */
void
lsc__write_range_end (lsc_recorder *rec, const lsc__ring *ring, const lsc__rec *r)
{
  uint64_t key = lsc__range_key (ring, r->path, r->key);
  struct lsc__open_range *e = lsc__open_find (rec, key);
  if (!e)
    {
      if (r->path == LSC__RANGE_START && !lsc__past_launch_bound (rec))
        lsc__open_add (rec, (struct lsc__open_range){ .key = key, .end_ns = r->start_ns });
      return;
    }
  if (!e->row)
    return; /* a second end of one range: the first stands */
  sqlite3_stmt *st = rec->end_range;
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, (int64_t) r->start_ns);
  sqlite3_bind_int64 (st, 2, e->row);
  if (sqlite3_step (st) != SQLITE_DONE)
    lsc__writer_fail (rec, "ending an nvtx_range row");
  lsc__open_remove (rec, e);
}

void
lsc__free_open_ranges (lsc_recorder *rec)
{
  free (rec->open_ranges);
  rec->open_ranges = NULL;
  rec->open_cap = rec->open_count = 0;
}
