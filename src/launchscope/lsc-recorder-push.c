/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-recorder-push.c — the launching threads' side of the recorder: per-thread rings and the
 * sinks the engine and CUPTI call.
 *
 * Called on the launching thread inside or right after a launch: it must not allocate, lock or
 * make a syscall.  It writes one 64-byte record into the thread's single-producer ring and
 * publishes it with a release store.  The CUPTI API record (inside cuLaunchKernel) is parked
 * beside the ring and travels in the engine's LAUNCH record that follows on the same thread, so
 * a launch is one push; an API record no engine launch claims is pushed on its own.  A thread's
 * ring is allocated, faulted in and registered once per thread, before its first launch where
 * the caller allows.  The kernel name CUPTI gives a launch is copied into the ring once per name
 * and thread (a SYMBOL record), so a launch of a known kernel costs a compare, not a copy.
 *
 * The whole push path is in this one file: without LTO, a helper in another file would be a
 * call per launch (bench/callgrind-recorder counts it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fastlaunch.h"
#include "lsc-cupti.h"
#include "lsc-recorder-private.h"

static _Thread_local struct {
  uint64_t serial;
  lsc__ring *ring;
} lsc__tls;

/* The whole ring is faulted in here, once per thread: left to the first lap, a page fault every
 * 64 records cost the launching thread more than the push itself (on the test double,
 * first-lap pushes were about three times the steady-state cost). */
static lsc__ring *
lsc__ring_new (unsigned capacity)
{
  size_t size = sizeof (lsc__ring) + (size_t) capacity * sizeof (lsc__slot);
  void *map = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (map == MAP_FAILED)
    return NULL;
  lsc__ring *ring = map; /* zero-filled */
  ring->mask = capacity - 1;
  ring->map_size = size;
  return ring;
}

void
lsc__ring_free (lsc__ring *ring)
{
  if (ring)
    munmap (ring, ring->map_size);
}

/* Creating a ring takes a lock, a syscall and faults in its pages: done once per thread, ideally
 * before its first launch (lsc_recorder_start, lsc_recorder_add_kernel, lsc_recorder_attach_thread). */
lsc__ring *
lsc__ring_create_for_thread (lsc_recorder *rec)
{
  lsc__ring *ring = lsc__ring_new (rec->ring_capacity);
  if (!ring)
    return NULL;
  ring->tid = (uint32_t) syscall (SYS_gettid);
  pthread_mutex_lock (&rec->lock);
  ring->next = rec->rings;
  rec->rings = ring;
  pthread_mutex_unlock (&rec->lock);
  lsc__tls.serial = rec->serial;
  lsc__tls.ring = ring;
  return ring;
}

static inline lsc__ring *
lsc__ring_for_thread (lsc_recorder *rec)
{
  if (__builtin_expect (lsc__tls.serial == rec->serial, 1))
    return lsc__tls.ring;
  return lsc__ring_create_for_thread (rec);
}

/* Whether n slots from head are free, asking the writer's tail only when the cached one says no. */
static inline bool
lsc__room (lsc__ring *ring, uint64_t head, unsigned n)
{
  if (__builtin_expect (head + n - 1 - ring->cached_tail > ring->mask, 0))
    {
      ring->cached_tail = atomic_load_explicit (&ring->tail, memory_order_acquire);
      if (head + n - 1 - ring->cached_tail > ring->mask)
        return false;
    }
  return true;
}

/* The slot index for n slots in the calling thread's ring, or false when there is no ring or no
 * room: then they count as one dropped record (n slots are one record: a launch and its stage
 * times, a range and its name). */
static inline bool
lsc__reserve (lsc_recorder *rec, lsc__ring *ring, unsigned n, uint64_t *head_out)
{
  if (__builtin_expect (!ring, 0))
    {
      atomic_fetch_add_explicit (&rec->dropped_no_ring, 1, memory_order_relaxed);
      return false;
    }
  uint64_t head = atomic_load_explicit (&ring->head, memory_order_relaxed);
  if (!lsc__room (ring, head, n))
    {
      atomic_fetch_add_explicit (&ring->dropped, 1, memory_order_relaxed);
      return false;
    }
  *head_out = head;
  return true;
}

static inline void
lsc__publish (lsc__ring *ring, uint64_t head, unsigned n)
{
  atomic_store_explicit (&ring->head, head + n, memory_order_release);
  /* The next record's slot, fetched now for writing.  The ring is larger than the caches, so
   * every slot is cold; a store that misses waits in the store buffer until the driver's next
   * fence inside cuLaunchKernel, and the next launch pays the memory latency.  Fetched here, the
   * line arrives during the microseconds until then. */
  __builtin_prefetch (&ring->slots[(head + n) & ring->mask], 1, 3);
}

static bool
lsc__push (lsc_recorder *rec, const lsc__rec *r)
{
  lsc__ring *ring = lsc__ring_for_thread (rec);
  uint64_t head;
  if (!lsc__reserve (rec, ring, 1, &head))
    return false;
  ring->slots[head & ring->mask].rec = *r;
  lsc__publish (ring, head, 1);
  return true;
}

/* An API record no engine launch claimed (a launch the engine did not make, or one whose window
 * does not contain it): its own record, written as a raw launch row. */
static void
lsc__push_parked (lsc_recorder *rec, lsc__ring *ring)
{
  atomic_store_explicit (&ring->has_parked, false, memory_order_relaxed);
  lsc__push (rec, &ring->parked);
}

static inline void
lsc__push_launch (lsc_recorder *rec, const fl_event *ev, uint32_t flags)
{
  lsc__ring *ring = lsc__ring_for_thread (rec);
  const lsc__rec *api = NULL;
  if (__builtin_expect (ring && atomic_load_explicit (&ring->has_parked, memory_order_relaxed), 0))
    {
      /* The writer's join rule, applied here: the API call belongs to the launch whose
       * [start, start + host_ns] contains its start. */
      if (ring->parked.start_ns >= ev->start_ns && ring->parked.start_ns <= ev->start_ns + ev->host_ns)
        {
          api = &ring->parked;
          flags |= LSC__LAUNCH_API;
          atomic_store_explicit (&ring->has_parked, false, memory_order_relaxed);
        }
      else
        lsc__push_parked (rec, ring);
    }
  _Static_assert (FL_STAGE_COUNT == 8, "the test below reads every stage");
  const uint64_t *sn = ev->stage_ns;
  /* Written out: the loop gcc -O2 makes of it costs twice the instructions on every launch. */
  uint64_t any_stage = (sn[0] | sn[1]) | (sn[2] | sn[3]) | (sn[4] | sn[5]) | (sn[6] | sn[7]);
  if (__builtin_expect (ev->waited, 0))
    flags |= LSC__LAUNCH_WAITED;
  unsigned n = 1;
  if (__builtin_expect (any_stage != 0, 0))
    {
      flags |= LSC__LAUNCH_STAGES;
      n = 2;
    }
  uint64_t head;
  if (!lsc__reserve (rec, ring, n, &head))
    return;
  uint64_t api_ns = 0;
  if (api)
    api_ns = api->reason & LSC__API_IN_ENGINE ? ev->start_ns + ev->host_ns - api->u.launch.api_start_ns
                                              : api->u.launch.api_ns;
  lsc__rec *r = &ring->slots[head & ring->mask].rec;
  *r = (lsc__rec){
    .type = LSC__REC_LAUNCH,
    .path = (uint8_t) ev->path,
    .outcome = (uint8_t) ev->outcome,
    .reason = (uint8_t) ev->reason,
    .status = ev->status,
    .correlation_id = api ? api->correlation_id : 0,
    .aux = flags,
    .start_ns = ev->start_ns,
    .host_ns = ev->host_ns,
    .key = ev->spec_key,
    .u.launch = { ev->bound, api ? api->u.launch.api_start_ns : 0, api_ns },
  };
  if (n == 2)
    {
      lsc__slot *stages = &ring->slots[(head + 1) & ring->mask];
      for (unsigned i = 0; i < FL_STAGE_COUNT; i++)
        stages->stage_ns[i] = ev->stage_ns[i] > UINT32_MAX ? UINT32_MAX : (uint32_t) ev->stage_ns[i];
    }
  lsc__publish (ring, head, n);
}

/* Out of line, so the launch path does not pay for this one's stack frame. */
static __attribute__ ((noinline)) void
lsc__push_rare_event (lsc_recorder *rec, const fl_event *ev)
{
  lsc__rec r = { .status = ev->status, .start_ns = ev->start_ns, .key = ev->spec_key, .u.event.bound = ev->bound };
  switch (ev->type)
    {
    case FL_EVENT_LAUNCH:
      break;
    case FL_EVENT_COMPILE:
      {
        /* Compiles are rare and slow (NVRTC ran): the text is made here, while the bound kernel
         * surely exists; by the time the writer drains the record it may have been freed. */
        char desc[400] = "", text[600];
        if (ev->bound)
          fl_spec_key_describe (ev->bound, ev->spec_key, desc, sizeof desc);
        snprintf (text, sizeof text, "%s: compiled in %.1f ms (%s)",
                  ev->bound ? fl_kernel_name (fl_bound_kernel_kernel (ev->bound)) : "?", ev->compile_ms, desc);
        r.type = LSC__REC_COMPILE;
        r.u.event.compile_ms = ev->compile_ms;
        r.u.event.text = strdup (text);
        break;
      }
    case FL_EVENT_ERROR:
      /* Errors are off the hot path: copying the message is allowed here. */
      r.type = LSC__REC_ERROR;
      r.u.event.text = strdup (ev->message ? ev->message : fl_status_str (ev->status));
      break;
    }
  if (!lsc__push (rec, &r))
    free (r.u.event.text);
}

void
lsc__on_engine_event (const fl_event *ev, void *user_data)
{
  if (__builtin_expect (ev->type == FL_EVENT_LAUNCH, 1))
    lsc__push_launch (user_data, ev, 0);
  else
    lsc__push_rare_event (user_data, ev);
}

void
lsc__on_probe_event (const fl_event *ev, void *user_data)
{
  if (ev->type == FL_EVENT_LAUNCH)
    lsc__push_launch (user_data, ev, LSC__LAUNCH_PROBE);
  else
    lsc__push_rare_event (user_data, ev);
}

const fl_event_sink *
lsc_recorder_probe_sink (lsc_recorder *rec)
{
  return rec ? &rec->probe_sink : NULL;
}

/* A name not in the thread's table: copied there and into the ring.  Once per kernel and thread
 * (more where a thread cycles through more kernels than the table holds).  0 when the ring has
 * no room: the launch is then recorded without its kernel, and the next one tries again. */
static __attribute__ ((noinline)) uint64_t
lsc__symbol_new (lsc__ring *ring, unsigned index, const char *name)
{
  lsc__symbol *sym = &ring->symbols[index];
  size_t len = strnlen (name, LSC__SYMBOL_MAX + 1);
  sym->truncated = len > LSC__SYMBOL_MAX;
  if (sym->truncated)
    len = LSC__SYMBOL_MAX;
  memcpy (sym->name, name, len);
  sym->name[len] = '\0';
  sym->len = (uint16_t) len;
  sym->ptr = name;
  if (++ring->symbol_serial == 0)
    ring->symbol_serial = 1;
  sym->serial = ring->symbol_serial;
  unsigned n = lsc__symbol_slots (len);
  uint64_t head = atomic_load_explicit (&ring->head, memory_order_relaxed);
  if (!lsc__room (ring, head, n))
    {
      sym->ptr = NULL;
      sym->serial = 0;
      return 0;
    }
  ring->slots[head & ring->mask].rec = (lsc__rec){ .type = LSC__REC_SYMBOL, .aux = index, .key = sym->serial, .host_ns = len };
  for (unsigned i = 1; i < n; i++)
    {
      size_t at = (size_t) (i - 1) * sizeof (lsc__slot);
      memcpy (ring->slots[(head + i) & ring->mask].bytes, sym->name + at,
              len - at < sizeof (lsc__slot) ? len - at : sizeof (lsc__slot));
    }
  lsc__publish (ring, head, n);
  return (uint64_t) sym->serial << 3 | index;
}

static inline bool
lsc__symbol_is (const lsc__symbol *sym, const char *name)
{
  size_t len = sym->len, i = 0;
  /* The first bytes without a call: most kernel names end within them.  (A shorter name stops
   * the loop at its NUL, which the entry's name has no copy of.) */
  for (; i < len && i < 16; i++)
    if (name[i] != sym->name[i])
      return false;
  if (i < len && strncmp (name + i, sym->name + i, len - i) != 0)
    return false;
  return sym->truncated || name[len] == '\0';
}

/* The tag of the kernel named name (0 for none): an address compare and a string compare when
 * this thread launched it lately. */
static inline uint64_t
lsc__symbol_tag (lsc__ring *ring, const char *name)
{
  if (!name)
    return 0;
  _Static_assert (LSC__SYMBOLS == 8, "the index is the top three bits of the hash");
  unsigned index = (unsigned) (((uintptr_t) name * 0x9e3779b97f4a7c15ull) >> 61);
  const lsc__symbol *sym = &ring->symbols[index];
  if (__builtin_expect (sym->ptr == name && lsc__symbol_is (sym, name), 1))
    return (uint64_t) sym->serial << 3 | index;
  return lsc__symbol_new (ring, index, name);
}

/* Inside cuLaunchKernel: parked for the engine's LAUNCH event that follows on this thread. */
void
lsc__on_cupti_api (const lsc_cupti_api_record *api, void *user_data)
{
  lsc_recorder *rec = user_data;
  lsc__ring *ring = lsc__ring_for_thread (rec);
  if (__builtin_expect (!ring, 0))
    {
      atomic_fetch_add_explicit (&rec->dropped_no_ring, 1, memory_order_relaxed);
      return;
    }
  if (api->kind >= LSC_CALL_SYNC)
    {
      /* A call between launches: a row of its own, named by its cbid. */
      lsc__rec call = { .type = LSC__REC_CALL, .path = (uint8_t) api->kind, .status = api->return_value,
                        .correlation_id = api->correlation_id, .aux = api->cbid, .start_ns = api->api_start_ns,
                        .host_ns = api->api_ns, .reason = api->in_engine_launch ? LSC__CALL_NO_END : 0 };
      lsc__push (rec, &call);
      return;
    }
  /* Before the SYMBOL record below: the parked record's tag refers to the table as it was. */
  if (atomic_load_explicit (&ring->has_parked, memory_order_relaxed))
    lsc__push_parked (rec, ring);
  /* The engine's own launches need no name: their LAUNCH record, next, claims this one. */
  uint64_t symbol = api->in_engine_launch ? 0 : lsc__symbol_tag (ring, api->symbol_name);
  lsc__rec r = { .type = LSC__REC_API, .reason = api->in_engine_launch ? LSC__API_IN_ENGINE : 0,
                 .status = api->return_value, .correlation_id = api->correlation_id, .aux = api->cbid,
                 .start_ns = api->api_start_ns, .host_ns = api->api_ns, .key = symbol,
                 .u.launch = { NULL, api->api_start_ns, api->api_ns } };
  if (!api->in_engine_launch)
    {
      /* No engine launch will claim it: a raw row now, not when the thread's next call comes
       * (a program recorded by injection may never make one, or be killed first), with the
       * launch's configuration in the slot after it. */
      uint64_t head;
      if (!lsc__reserve (rec, ring, 2, &head))
        return;
      r.reason |= LSC__API_CONFIG;
      ring->slots[head & ring->mask].rec = r;
      const lsc_cupti_launch_config *c = api->config;
      ring->slots[(head + 1) & ring->mask].config
        = c ? (lsc__launch_config){ .grid = { c->grid[0], c->grid[1], c->grid[2] },
                                    .block = { c->block[0], c->block[1], c->block[2] },
                                    .shared_mem = c->shared_mem,
                                    .captured = c->captured,
                                    .stream = c->stream,
                                    .seen = 1,
                                    .function = c->function,
                                    .param_key = c->param_key,
                                    .params = c->params }
            : (lsc__launch_config){ .seen = 0 };
      lsc__publish (ring, head, 2);
      return;
    }
  ring->parked = r;
  /* Release: the writer may read the record after the last launch (the end of lsc__writer_main). */
  atomic_store_explicit (&ring->has_parked, true, memory_order_release);
}

void
lsc__on_cupti_kernel (const lsc_cupti_kernel_record *k, void *user_data)
{
  lsc__rec r = { .type = LSC__REC_GPU, .correlation_id = k->correlation_id, .aux = k->stream_id,
                 .start_ns = k->start_ns, .host_ns = k->end_ns, .key = k->context_id, .status = k->shared_mem };
  for (unsigned i = 0; i < 3; i++)
    {
      r.u.gpu.grid[i] = (uint16_t) (k->grid[i] > 65535 ? 65535 : k->grid[i]);
      r.u.gpu.block[i] = (uint16_t) k->block[i];
    }
  r.u.gpu.device = (uint16_t) k->device_id;
  r.u.gpu.registers = (uint16_t) k->registers;
  r.u.gpu.text = k->name ? strdup (k->name) : NULL; /* CUPTI's thread, not a launching thread */
  if (!lsc__push (user_data, &r))
    free (r.u.gpu.text);
}

/* The range's name travels in the slots after its record (as a SYMBOL's does): copied once, at
 * its opening, since the program's string may be gone by its close. */
void
lsc__push_range (lsc_recorder *rec, const lsc__range_open *range)
{
  lsc__ring *ring = lsc__ring_for_thread (rec);
  size_t len = range->name ? range->name_len : 0;
  unsigned n = lsc__symbol_slots (len);
  uint64_t head;
  if (!lsc__reserve (rec, ring, n, &head))
    return;
  ring->slots[head & ring->mask].rec
    = (lsc__rec){ .type = LSC__REC_RANGE, .path = range->kind, .reason = range->name != NULL,
                  .status = range->depth, .key = range->key, .start_ns = range->start_ns, .host_ns = len,
                  .u.range.domain = range->domain };
  for (unsigned i = 1; i < n; i++)
    {
      size_t at = (size_t) (i - 1) * sizeof (lsc__slot);
      memcpy (ring->slots[(head + i) & ring->mask].bytes, range->name + at,
              len - at < sizeof (lsc__slot) ? len - at : sizeof (lsc__slot));
    }
  lsc__publish (ring, head, n);
}

void
lsc__push_range_end (lsc_recorder *rec, unsigned kind, uint64_t key, uint64_t end_ns)
{
  lsc__rec r = { .type = LSC__REC_RANGE_END, .path = (uint8_t) kind, .key = key, .start_ns = end_ns };
  lsc__push (rec, &r);
}

/* Once per function a program loads, on its thread: off the launch path, so the name is copied. */
void
lsc__on_cupti_function (uint64_t function, const char *name, void *user_data)
{
  lsc__rec r = { .type = LSC__REC_FUNCTION, .start_ns = lsc__now_ns (), .key = function,
                 .u.event.text = name ? strdup (name) : NULL };
  if (!lsc__push (user_data, &r))
    free (r.u.event.text);
}

void
lsc_recorder_note (lsc_recorder *rec, const char *kind, const char *text)
{
  if (!rec || !text)
    return;
  size_t klen = kind ? strlen (kind) : 0;
  char *both = malloc (klen + 1 + strlen (text) + 1);
  if (!both)
    {
      atomic_fetch_add (&rec->dropped_no_ring, 1);
      return;
    }
  /* "kind\0text": the writer splits it. */
  memcpy (both, kind ? kind : "", klen + 1);
  strcpy (both + klen + 1, text);
  lsc__rec r = { .type = LSC__REC_NOTE, .start_ns = lsc__now_ns (), .u.event.text = both };
  if (!lsc__push (rec, &r))
    free (both);
}

void
lsc_recorder_floor_block (lsc_recorder *rec, const lsc_floor_block *block)
{
  if (!rec || !block)
    return;
  lsc__rec r = { .type = LSC__REC_FLOOR,
                 .path = (uint8_t) block->path,
                 .outcome = (uint8_t) block->kind,
                 .status = (int32_t) block->launches,
                 .aux = block->round,
                 .start_ns = block->start_ns,
                 .host_ns = block->p50_ns,
                 .key = block->spec_key,
                 .u.launch.bound = block->bound };
  lsc__push (rec, &r);
}

int
lsc_recorder_attach_thread (lsc_recorder *rec)
{
  return rec && lsc__ring_for_thread (rec) ? 0 : -1;
}

double
lsc_recorder_measure_push_ns (void)
{
  /* The engine sink's own work for a fast-path launch, into a ring of the default size that is
   * already faulted in (as every ring is now), with the writer's part played by moving the tail:
   * what each launch costs the launching thread once recording runs. */
  enum { N = 200000, CAPACITY = 65536 };
  lsc_recorder tmp = { .serial = UINT64_MAX - 1, .ring_capacity = CAPACITY };
  pthread_mutex_init (&tmp.lock, NULL);
  uint64_t saved_serial = lsc__tls.serial;
  lsc__ring *saved_ring = lsc__tls.ring;
  lsc__tls.serial = 0;
  lsc__ring *ring = lsc__ring_for_thread (&tmp);
  double result = 0;
  if (ring)
    {
      fl_event ev = { .type = FL_EVENT_LAUNCH, .path = FL_PATH_FAST, .outcome = FL_OUTCOME_HIT, .host_ns = 1 };
      uint64_t t0 = lsc__now_ns ();
      for (unsigned i = 0; i < N; i++)
        {
          ev.start_ns = i;
          lsc__on_engine_event (&ev, &tmp);
          if ((i & 1023) == 1023)
            atomic_store_explicit (&ring->tail, atomic_load_explicit (&ring->head, memory_order_relaxed),
                                   memory_order_relaxed);
        }
      result = (double) (lsc__now_ns () - t0) / N;
    }
  lsc__ring_free (tmp.rings);
  lsc__tls.serial = saved_serial;
  lsc__tls.ring = saved_ring;
  pthread_mutex_destroy (&tmp.lock);
  return result;
}
