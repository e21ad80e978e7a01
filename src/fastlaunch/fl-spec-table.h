/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-spec-table.h — the fast launcher's spec table: a fixed open-addressing table from 64-bit
 * spec keys to CUfunctions.
 *
 * Readers (the launch hot path) never lock: a slot's tag is published with a release store
 * after its function is written, and read with an acquire load.  Writers insert under the bound
 * kernel's lock.  Slots are never removed while the bound kernel lives, so a reader can never
 * see a torn or recycled entry.  Internal: tests include it for the reference-model test.
 */
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#include <cuda.h>

#define FL__TABLE_SIZE 64u
#define FL__TABLE_MAX_FILL 48u /* beyond 3/4 full, probes get long: new keys fall back instead */
#define FL__SLOT_USED (1ull << 63)

typedef struct {
  _Atomic uint64_t tag; /* 0: empty; else key | FL__SLOT_USED */
  CUfunction function;
  atomic_uint_fast64_t hits;
  double compile_ms;
} fl__spec_slot;

typedef struct {
  fl__spec_slot slots[FL__TABLE_SIZE];
  atomic_uint count;
} fl__spec_table;

static inline unsigned
fl__spec_table_home (uint64_t key)
{
  return (unsigned) ((key * 0x9e3779b97f4a7c15ull) >> 58); /* top 6 bits: 64 slots */
}

/* Lock-free lookup; NULL when absent. */
static inline fl__spec_slot *
fl__spec_table_find (fl__spec_table *table, uint64_t key)
{
  const uint64_t tag = key | FL__SLOT_USED;
  unsigned i = fl__spec_table_home (key);
  for (unsigned probe = 0; probe < FL__TABLE_SIZE; probe++, i = (i + 1) & (FL__TABLE_SIZE - 1))
    {
      uint64_t t = atomic_load_explicit (&table->slots[i].tag, memory_order_acquire);
      if (t == tag)
        return &table->slots[i];
      if (t == 0)
        return NULL;
    }
  return NULL;
}

/* Caller holds the writer lock.  Returns the slot holding key (existing or new), or NULL when
 * the table is full.  Keys must not use bit 63. */
static inline fl__spec_slot *
fl__spec_table_insert (fl__spec_table *table, uint64_t key, CUfunction function, double compile_ms)
{
  fl__spec_slot *existing = fl__spec_table_find (table, key);
  if (existing)
    return existing;
  if (atomic_load_explicit (&table->count, memory_order_relaxed) >= FL__TABLE_MAX_FILL)
    return NULL;
  unsigned i = fl__spec_table_home (key);
  while (atomic_load_explicit (&table->slots[i].tag, memory_order_relaxed) != 0)
    i = (i + 1) & (FL__TABLE_SIZE - 1);
  table->slots[i].function = function;
  table->slots[i].compile_ms = compile_ms;
  atomic_store_explicit (&table->slots[i].hits, 0, memory_order_relaxed);
  atomic_store_explicit (&table->slots[i].tag, key | FL__SLOT_USED, memory_order_release);
  atomic_fetch_add_explicit (&table->count, 1, memory_order_relaxed);
  return &table->slots[i];
}
