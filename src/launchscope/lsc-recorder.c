/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-recorder.c — per-thread rings and the SQLite writer thread.
 *
 * Producer side (engine sink, CUPTI API callback): called on the launching thread inside or
 * right after a launch.  It must not allocate, lock or make a syscall: it writes one 64-byte
 * record into the thread's single-producer ring and publishes it with a release store.  The
 * CUPTI API record (inside cuLaunchKernel) is parked beside the ring and travels in the engine's
 * LAUNCH record that follows on the same thread, so a launch is one push; an API record no
 * engine launch claims is pushed on its own.  A thread's ring is allocated, faulted in and
 * registered once per thread, before its first launch where the caller allows.  The kernel name
 * CUPTI gives a launch is copied into the ring once per name and thread (a SYMBOL record), so a
 * launch of a known kernel costs a compare, not a copy.
 *
 * Consumer side: one writer thread drains the rings in batches, one transaction per batch,
 * and keeps per-spec counters.  A failed write (disk full) keeps the committed batches intact and
 * counts everything after as lost, with the error kept for lsc_recorder_stop().
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cupti_driver_cbid.h>
#include <sqlite3.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "lsc-cupti.h"
#include "lsc-file.h"
#include "lsc-host.h"
#include "lsc-recorder.h"
#include "lsc-schema.h"

enum {
  LSC__REC_LAUNCH = 1,
  LSC__REC_COMPILE,
  LSC__REC_ERROR,
  LSC__REC_NOTE,
  LSC__REC_API,
  LSC__REC_GPU,
  LSC__REC_SYMBOL, /* a kernel name in the slots after it; API records refer to it by tag */
};

/* LAUNCH flags, in aux. */
enum {
  LSC__LAUNCH_API = 1u << 0,    /* carries the CUPTI API record of this launch (u.launch.api_*) */
  LSC__LAUNCH_STAGES = 1u << 1, /* the next slot of the same ring holds its stage times */
  LSC__LAUNCH_API_NO_END = 1u << 2, /* a raw row whose API exit time was never read (api_ns NULL) */
  LSC__LAUNCH_WAITED = 1u << 3, /* a miss that raced on its new spec (fl_event.waited) */
};

/* API flags, in reason: made inside an engine launch, whose end stands for the exit time. */
enum { LSC__API_IN_ENGINE = 1u << 0 };

/* One ring slot: one cache line, so a launch costs the launching thread one line written.
 * Stage times (the baseline with stage timing on, rare) take a second slot. */
typedef struct {
  uint8_t type, path, outcome, reason;
  int32_t status;          /* GPU: shared memory bytes */
  uint32_t correlation_id; /* LAUNCH with LSC__LAUNCH_API, API, GPU */
  uint32_t aux;            /* LAUNCH: LSC__LAUNCH_* flags; API: cbid; GPU: stream id */
  uint64_t start_ns;
  uint64_t host_ns; /* LAUNCH: host ns; API: api ns; GPU: end ns */
  uint64_t key;     /* spec key; GPU: context id */
  union {
    struct {
      const void *bound;
      uint64_t api_start_ns, api_ns;
    } launch; /* LAUNCH, API */
    struct {
      const void *bound;
      char *text; /* malloc'd by the producer (off the hot path), freed by the writer */
      double compile_ms;
    } event; /* COMPILE, ERROR, NOTE */
    struct {
      char *text; /* kernel name, as event.text */
      uint16_t grid[3], block[3];
      uint16_t device, registers;
    } gpu;
  } u;
} lsc__rec;

typedef union {
  lsc__rec rec;
  uint32_t stage_ns[FL_STAGE_COUNT]; /* after a LAUNCH with LSC__LAUNCH_STAGES */
  char bytes[64];                    /* after a SYMBOL: its name, continued over as many slots */
} lsc__slot;

_Static_assert (sizeof (lsc__slot) == 64, "ring slots are one cache line");

/* The kernel names a thread's launches went to lately.  CUPTI's symbolName is valid only inside
 * the callback, and once a module is unloaded the same address may hold another name, so a hit
 * compares the text as well as the address.  A SYMBOL record carries the entry's index and
 * serial; the API records that follow carry both as their tag (serial << 3 | index), which the
 * writer, keeping the same table per ring, turns into a kernel row. */
#define LSC__SYMBOLS 8
#define LSC__SYMBOL_MAX LSC_RECORDER_KERNEL_NAME_MAX
typedef struct {
  const char *ptr;
  uint32_t serial; /* 0: empty */
  uint16_t len;
  bool truncated;
  char name[LSC__SYMBOL_MAX + 1];
} lsc__symbol;

_Static_assert (sizeof (lsc__symbol) == 512, "a symbol entry is eight cache lines");

struct lsc__named_kernel;

typedef struct lsc__ring {
  struct lsc__ring *next;
  uint32_t tid;
  uint64_t mask;
  size_t map_size;
  _Alignas (64) atomic_uint_fast64_t head;
  uint64_t cached_tail;
  atomic_uint_fast64_t dropped;
  /* The CUPTI API record of the launch in progress on this thread, until the engine's LAUNCH
   * event carries it (one push per launch, not two).  Written only by the producer; the writer
   * reads it once, after the last launch (lsc_recorder_stop), for a record nobody claimed. */
  atomic_bool has_parked;
  uint32_t symbol_serial;
  _Alignas (64) lsc__rec parked;
  lsc__symbol symbols[LSC__SYMBOLS]; /* producer-only */
  _Alignas (64) atomic_uint_fast64_t tail;
  struct {
    uint32_t serial;
    struct lsc__named_kernel *kernel; /* in the recorder's named-kernel table */
  } writer_symbols[LSC__SYMBOLS]; /* writer-only: the table as the SYMBOL records drained left it */
  _Alignas (64) lsc__slot slots[];
} lsc__ring;

typedef struct {
  const fl_bound_kernel *bound;
  int64_t id;
  fl_fallback last_reason; /* writer-only */
} lsc__kernel;

#define LSC__MAX_KERNELS 1024
/* A pass that found fewer rows than this and was over quickly sends the writer to sleep: at GPU
 * launch rates a writer that drained again at once would chase the producer a few rows at a
 * time, pulling each ring's head line away from the launching thread on every pass.  A long
 * pass (the producer near the writer's own rate, or the writer starved of CPU) is followed at
 * once by the next: sleeping then would let the backlog compound towards a full ring. */
#define LSC__BUSY_ROWS 1024
#define LSC__IDLE_SLEEP_NS 2000000
#define LSC__QUICK_PASS_NS (LSC__IDLE_SLEEP_NS / 8)
/* How often the writer makes sure the report's path still names its file (one stat). */
#define LSC__IDENTITY_CHECK_NS 250000000
#define LSC__MANY 32      /* lean launch rows per INSERT */
#define LSC__LEAN_COLS 10 /* session_id .. host_ns */

typedef struct {
  int64_t kernel_id;
  uint64_t key;
  int64_t id;
  uint64_t hits, misses, waits, first_ns, last_ns;
  double compile_ms;
  bool dirty, used;
} lsc__spec;

struct lsc_recorder {
  sqlite3 *db;
  char *path;
  lsc_file_lock *file_lock; /* held from start to stop: one writer per report */
  dev_t file_dev;           /* the report's identity, to notice it removed or replaced */
  ino_t file_ino;
  int64_t session_id;
  uint64_t serial;
  unsigned ring_capacity;
  unsigned batch_rows;
  uint64_t start_ns;

  /* The line above is what launching threads read (serial, on every push): the writer never
   * writes it, so taking the locks below does not cost them a cache miss. */
  _Alignas (64) pthread_mutex_t db_lock; /* the connection: writer passes and lsc_recorder_add_kernel */
  pthread_mutex_t lock;    /* rings list, kernels array, stats strings; taken after db_lock */
  lsc__ring *rings;
  /* Fixed capacity, so the writer can read entries without the lock once it has seen the count. */
  lsc__kernel kernels[LSC__MAX_KERNELS];
  atomic_uint n_kernels;

  pthread_t writer;
  atomic_bool stopping;
  atomic_bool writer_failed;
  atomic_bool file_lost; /* path no longer names the file being written */
  atomic_uint_fast64_t dropped_no_ring;
  atomic_uint_fast64_t rows_written, rows_lost, batches;
  char error[1024];
  char cupti_status[256];
  char *cupti_library;
  bool foreign_process;
  double raw_floor_p50;
  bool have_raw_floor;

  /* writer-only */
  lsc__spec *specs;
  unsigned spec_cap, spec_count;
  /* Names CUPTI saw launched (open addressing on the name's hash), with their kernel row once a
   * launch not the engine's needed one (id 0 until then). */
  struct lsc__named_kernel {
    int64_t id;
    char name[];
  } **named;
  unsigned named_cap, named_count;
  sqlite3_stmt *ins_launch, *ins_launch_lean, *ins_event, *ins_spec, *ins_gpu, *upd_spec, *ins_named_kernel;
  /* Lean launch rows wait here and go in LSC__MANY at a time: one statement step per row is
   * most of what a row costs the writer.  Flushed before any other launch row (ids keep the
   * arrival order) and before every commit. */
  sqlite3_stmt *ins_launch_many;
  int64_t many[LSC__MANY][LSC__LEAN_COLS];
  uint16_t many_nulls[LSC__MANY]; /* bit c: column c is NULL */
  unsigned n_many;
  bool in_txn;
  unsigned txn_rows;
  fl_event_sink sink;
};

static _Atomic (lsc_recorder *) lsc__active;
static atomic_uint_fast64_t lsc__serial_counter;
static _Thread_local struct {
  uint64_t serial;
  lsc__ring *ring;
} lsc__tls;

/* Every timestamp that is joined with engine events comes from the engine's event clock. */
static inline uint64_t
lsc__now_ns (void)
{
  return fl_clock_ns ();
}

static void
lsc__set_err (char *err, size_t size, const char *fmt, ...)
{
  if (!err || !size)
    return;
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (err, size, fmt, ap);
  va_end (ap);
}

/* ---- producer side ------------------------------------------------------------------------ */

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

static void
lsc__ring_free (lsc__ring *ring)
{
  if (ring)
    munmap (ring, ring->map_size);
}

/* Creating a ring takes a lock, a syscall and faults in its pages: done once per thread, ideally
 * before its first launch (lsc_recorder_start, lsc_recorder_add_kernel, lsc_recorder_attach_thread). */
static lsc__ring *
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

/* The slot index for n records (n <= 2) in the calling thread's ring, or false when there is no
 * ring or no room: then they count as one dropped record (n = 2 is one launch). */
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

static void
lsc__push_launch (lsc_recorder *rec, const fl_event *ev)
{
  lsc__ring *ring = lsc__ring_for_thread (rec);
  uint32_t flags = 0;
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

static void
lsc__on_engine_event (const fl_event *ev, void *user_data)
{
  if (__builtin_expect (ev->type == FL_EVENT_LAUNCH, 1))
    lsc__push_launch (user_data, ev);
  else
    lsc__push_rare_event (user_data, ev);
}

/* Slots a SYMBOL record of a name of len bytes takes. */
static inline unsigned
lsc__symbol_slots (uint64_t len)
{
  return 1 + (unsigned) ((len + sizeof (lsc__slot) - 1) / sizeof (lsc__slot));
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
static void
lsc__on_cupti_api (const lsc_cupti_api_record *api, void *user_data)
{
  lsc_recorder *rec = user_data;
  lsc__ring *ring = lsc__ring_for_thread (rec);
  if (__builtin_expect (!ring, 0))
    {
      atomic_fetch_add_explicit (&rec->dropped_no_ring, 1, memory_order_relaxed);
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
       * (a program recorded by injection may never make one, or be killed first). */
      lsc__push (rec, &r);
      return;
    }
  ring->parked = r;
  /* Release: the writer may read the record after the last launch (lsc__flush_parked). */
  atomic_store_explicit (&ring->has_parked, true, memory_order_release);
}

static void
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

/* ---- writer side ---------------------------------------------------------------------------- */

static void
lsc__writer_fail (lsc_recorder *rec, const char *what)
{
  if (atomic_exchange (&rec->writer_failed, true))
    return;
  int code = sqlite3_extended_errcode (rec->db);
  pthread_mutex_lock (&rec->lock);
  snprintf (rec->error, sizeof rec->error, "%s: %s failed: %s%s", rec->path, what, sqlite3_errmsg (rec->db),
            (code & 0xff) == SQLITE_FULL ? " (the disk or the report's size limit is full; rows committed before "
                                           "this point are intact)"
                                         : "");
  pthread_mutex_unlock (&rec->lock);
}

static bool
lsc__exec (lsc_recorder *rec, const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec (rec->db, sql, NULL, NULL, &msg);
  sqlite3_free (msg);
  return rc == SQLITE_OK;
}

static int64_t
lsc__kernel_id (lsc_recorder *rec, const void *bound, lsc__kernel **out)
{
  /* Entries are published before the count (release), and never move. */
  unsigned n = atomic_load_explicit (&rec->n_kernels, memory_order_acquire);
  for (unsigned i = n; i-- > 0;)
    if (rec->kernels[i].bound == bound)
      {
        *out = &rec->kernels[i];
        return rec->kernels[i].id;
      }
  *out = NULL;
  return 0;
}

static lsc__spec *
lsc__spec_get (lsc_recorder *rec, int64_t kernel_id, const void *bound, uint64_t key, uint64_t t_ns)
{
  if (rec->spec_count * 2 >= rec->spec_cap)
    {
      unsigned cap = rec->spec_cap ? rec->spec_cap * 2 : 256;
      lsc__spec *ns = calloc (cap, sizeof *ns);
      if (!ns)
        return NULL;
      for (unsigned i = 0; i < rec->spec_cap; i++)
        if (rec->specs[i].used)
          {
            unsigned j = (unsigned) ((rec->specs[i].key * 0x9e3779b97f4a7c15ull + (uint64_t) rec->specs[i].kernel_id)
                                     & (cap - 1));
            while (ns[j].used)
              j = (j + 1) & (cap - 1);
            ns[j] = rec->specs[i];
          }
      free (rec->specs);
      rec->specs = ns;
      rec->spec_cap = cap;
    }
  unsigned j = (unsigned) ((key * 0x9e3779b97f4a7c15ull + (uint64_t) kernel_id) & (rec->spec_cap - 1));
  while (rec->specs[j].used && !(rec->specs[j].kernel_id == kernel_id && rec->specs[j].key == key))
    j = (j + 1) & (rec->spec_cap - 1);
  lsc__spec *s = &rec->specs[j];
  if (s->used)
    return s;

  /* A new spec row, decoded for people reading the report. */
  char desc[512] = "", align[FL_MAX_ARGS + 1] = "", classes[FL_MAX_ARGS + 1] = "";
  const fl_signature *sig = bound ? fl_kernel_signature (fl_bound_kernel_kernel (bound)) : NULL;
  if (bound)
    fl_spec_key_describe (bound, key, desc, sizeof desc);
  if (sig)
    {
      unsigned np = 0, ni = 0, n_ptr = 0;
      for (unsigned i = 0; i < sig->n_args; i++)
        n_ptr += sig->types[i] <= FL_TYPE_PTR_LAST;
      for (unsigned i = 0; i < sig->n_args; i++)
        {
          fl_type t = sig->types[i];
          if (t <= FL_TYPE_PTR_LAST)
            {
              align[np] = ((key >> np) & 1) ? 'A' : 'U';
              np++;
            }
          else if (t >= FL_TYPE_I8 && t <= FL_TYPE_U64)
            {
              unsigned c = (unsigned) ((key >> (n_ptr + 2 * ni)) & 3);
              classes[ni++] = c == FL_INT_CLASS_ONE ? '1' : c == FL_INT_CLASS_DIV16 ? 'D' : 'O';
            }
        }
      align[np] = classes[ni] = '\0';
    }
  static const char *const instr[] = { "none", "lineinfo", "?", "?" };
  sqlite3_stmt *st = rec->ins_spec;
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, kernel_id);
  sqlite3_bind_int64 (st, 2, (int64_t) key);
  sqlite3_bind_text (st, 3, desc, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 4, align, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 5, classes, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (st, 6, (int) ((key >> FL_KEY_DEBUG_BIT) & 1));
  sqlite3_bind_text (st, 7, instr[(key >> FL_KEY_INSTR_SHIFT) & 3], -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 8, (int) ((key >> FL_KEY_HOOK_BIT) & 1));
  sqlite3_bind_int64 (st, 9, (int64_t) t_ns);
  if (sqlite3_step (st) != SQLITE_DONE)
    {
      lsc__writer_fail (rec, "inserting a spec row");
      return NULL;
    }
  s->used = true;
  s->kernel_id = kernel_id;
  s->key = key;
  s->id = sqlite3_last_insert_rowid (rec->db);
  s->first_ns = t_ns;
  rec->spec_count++;
  return s;
}

static void
lsc__write_event (lsc_recorder *rec, uint64_t t_ns, const char *kind, int64_t kernel_id, const char *text)
{
  sqlite3_stmt *st = rec->ins_event;
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, rec->session_id);
  sqlite3_bind_int64 (st, 2, (int64_t) t_ns);
  sqlite3_bind_text (st, 3, kind, -1, SQLITE_STATIC);
  if (kernel_id)
    sqlite3_bind_int64 (st, 4, kernel_id);
  else
    sqlite3_bind_null (st, 4);
  sqlite3_bind_text (st, 5, text, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (st) != SQLITE_DONE)
    lsc__writer_fail (rec, "inserting an event row");
}

/* Launch rows; stages is NULL without stage times. */
/* Binds the ten columns every launch row has, from values and a NULL mask, at 1 + first. */
static void
lsc__bind_lean (sqlite3_stmt *st, int first, const int64_t *v, unsigned nulls)
{
  for (int c = 0; c < LSC__LEAN_COLS; c++)
    if (nulls & (1u << c))
      sqlite3_bind_null (st, first + c + 1);
    else
      sqlite3_bind_int64 (st, first + c + 1, v[c]);
}

/* Writes the waiting lean rows: LSC__MANY in one statement when there are that many, else one
 * by one (a partial batch before a commit or another launch row). */
static void
lsc__flush_many (lsc_recorder *rec)
{
  if (rec->n_many == 0)
    return;
  if (rec->n_many == LSC__MANY)
    {
      sqlite3_stmt *st = rec->ins_launch_many;
      sqlite3_reset (st);
      for (unsigned i = 0; i < LSC__MANY; i++)
        lsc__bind_lean (st, (int) i * LSC__LEAN_COLS, rec->many[i], rec->many_nulls[i]);
      if (sqlite3_step (st) != SQLITE_DONE)
        lsc__writer_fail (rec, "inserting launch rows");
    }
  else
    for (unsigned i = 0; i < rec->n_many; i++)
      {
        sqlite3_stmt *st = rec->ins_launch_lean;
        sqlite3_reset (st);
        lsc__bind_lean (st, 0, rec->many[i], rec->many_nulls[i]);
        if (sqlite3_step (st) != SQLITE_DONE)
          {
            /* SQLite may have rolled the whole transaction back (SQLITE_FULL): a row inserted
             * after this would commit on its own while the batch is counted as lost. */
            lsc__writer_fail (rec, "inserting a launch row");
            break;
          }
      }
  rec->n_many = 0;
}

/* Launch rows; stages may be NULL (no stage times), the CUPTI fields come with r. */
static void
lsc__write_launch (lsc_recorder *rec, const lsc__ring *ring, const lsc__rec *r, const uint32_t *stages,
                   int64_t kernel_id, int64_t spec_id)
{
  bool api = r->aux & LSC__LAUNCH_API;
  const int64_t v[LSC__LEAN_COLS] = { rec->session_id, kernel_id, spec_id, ring->tid, r->path, r->outcome,
                                      r->reason, r->status, (int64_t) r->start_ns, (int64_t) r->host_ns };
  const unsigned nulls = (kernel_id ? 0 : 1u << 1) | (spec_id ? 0 : 1u << 2) | (r->host_ns ? 0 : 1u << 9);
  /* Most rows have neither stage times nor a CUPTI record: they wait for a many-row INSERT. */
  if (!stages && !api)
    {
      memcpy (rec->many[rec->n_many], v, sizeof v);
      rec->many_nulls[rec->n_many] = (uint16_t) nulls;
      if (++rec->n_many == LSC__MANY)
        lsc__flush_many (rec);
      return;
    }
  lsc__flush_many (rec);
  sqlite3_stmt *st = rec->ins_launch;
  sqlite3_reset (st);
  lsc__bind_lean (st, 0, v, nulls);
  for (unsigned i = 0; i < FL_STAGE_COUNT; i++)
    if (stages)
      sqlite3_bind_int64 (st, 11 + (int) i, stages[i]);
    else
      sqlite3_bind_null (st, 11 + (int) i);
  if (api)
    {
      sqlite3_bind_int64 (st, 19, r->correlation_id);
      sqlite3_bind_int64 (st, 20, (int64_t) r->u.launch.api_start_ns);
      if (r->aux & LSC__LAUNCH_API_NO_END)
        sqlite3_bind_null (st, 21);
      else
        sqlite3_bind_int64 (st, 21, (int64_t) r->u.launch.api_ns);
    }
  else
    for (int i = 19; i <= 21; i++)
      sqlite3_bind_null (st, i);
  if (sqlite3_step (st) != SQLITE_DONE)
    lsc__writer_fail (rec, "inserting a launch row");
}

static uint64_t
lsc__name_hash (const char *name)
{
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *) name; *p; p++)
    h = (h ^ *p) * 0x100000001b3ull;
  return h;
}

/* The table entry for name, added the first time (NULL only when out of memory).  Entries do
 * not move, so a ring's table can point at them. */
static struct lsc__named_kernel *
lsc__named_kernel (lsc_recorder *rec, const char *name)
{
  if (rec->named_count + 1 > rec->named_cap / 2)
    {
      unsigned cap = rec->named_cap ? rec->named_cap * 2 : 64;
      struct lsc__named_kernel **grown = calloc (cap, sizeof *grown);
      if (!grown)
        return NULL;
      for (unsigned i = 0; i < rec->named_cap; i++)
        if (rec->named[i])
          {
            unsigned j = (unsigned) lsc__name_hash (rec->named[i]->name) & (cap - 1);
            while (grown[j])
              j = (j + 1) & (cap - 1);
            grown[j] = rec->named[i];
          }
      free (rec->named);
      rec->named = grown;
      rec->named_cap = cap;
    }
  unsigned j = (unsigned) lsc__name_hash (name) & (rec->named_cap - 1);
  for (; rec->named[j]; j = (j + 1) & (rec->named_cap - 1))
    if (strcmp (rec->named[j]->name, name) == 0)
      return rec->named[j];
  size_t size = strlen (name) + 1;
  struct lsc__named_kernel *named = malloc (sizeof *named + size);
  if (!named)
    return NULL;
  named->id = 0;
  memcpy (named->name, name, size);
  rec->named[j] = named;
  rec->named_count++;
  return named;
}

/* A SYMBOL record: its name, gathered from the slots after it, becomes the ring's table entry. */
static void
lsc__take_symbol (lsc_recorder *rec, lsc__ring *ring, uint64_t tail)
{
  const lsc__rec *r = &ring->slots[tail & ring->mask].rec;
  char name[LSC__SYMBOL_MAX + 1];
  size_t len = r->host_ns <= LSC__SYMBOL_MAX ? (size_t) r->host_ns : LSC__SYMBOL_MAX;
  for (size_t at = 0; at < len; at += sizeof (lsc__slot))
    memcpy (name + at, ring->slots[(tail + 1 + at / sizeof (lsc__slot)) & ring->mask].bytes,
            len - at < sizeof (lsc__slot) ? len - at : sizeof (lsc__slot));
  name[len] = '\0';
  struct lsc__named_kernel *named = lsc__named_kernel (rec, name);
  unsigned index = r->aux % LSC__SYMBOLS;
  ring->writer_symbols[index].serial = named ? (uint32_t) r->key : 0;
  ring->writer_symbols[index].kernel = named;
}

/* The kernel row of the name an API record's tag refers to, made the first time a launch needs
 * it: a kernel the engine did not launch (nothing is known of it but its name), or a raw launch
 * of one of the engine's modules (CUPTI knows its entry point, not which bound kernel it came
 * from).  0 when the record has no name. */
static int64_t
lsc__api_kernel_id (lsc_recorder *rec, const lsc__ring *ring, uint64_t tag)
{
  unsigned index = (unsigned) (tag & (LSC__SYMBOLS - 1));
  uint32_t serial = (uint32_t) (tag >> 3);
  if (!serial || ring->writer_symbols[index].serial != serial)
    return 0;
  struct lsc__named_kernel *named = ring->writer_symbols[index].kernel;
  if (!named->id)
    {
      sqlite3_stmt *st = rec->ins_named_kernel;
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, rec->session_id);
      sqlite3_bind_text (st, 2, named->name, -1, SQLITE_STATIC);
      if (sqlite3_step (st) != SQLITE_DONE)
        {
          lsc__writer_fail (rec, "inserting a kernel row");
          return 0;
        }
      named->id = sqlite3_last_insert_rowid (rec->db);
    }
  return named->id;
}

/* A CUPTI API record no engine launch claimed (raw cuLaunchKernel, another library): its own row,
 * with the kernel CUPTI named. */
static void
lsc__write_raw_launch (lsc_recorder *rec, const lsc__ring *ring, const lsc__rec *api)
{
  lsc__rec raw = *api;
  raw.path = api->aux == CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch || api->aux == CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch_ptsz
                 ? FL_PATH_GRAPH
                 : FL_PATH_RAW;
  raw.outcome = FL_OUTCOME_DEFAULT;
  raw.reason = 0;
  /* Made inside an engine launch (from a hook) but not the one it claimed: its exit was not
   * stamped. */
  raw.aux = LSC__LAUNCH_API | (api->reason & LSC__API_IN_ENGINE ? LSC__LAUNCH_API_NO_END : 0);
  lsc__write_launch (rec, ring, &raw, NULL, lsc__api_kernel_id (rec, ring, api->key), 0);
}

static char **
lsc__rec_text (lsc__rec *r)
{
  switch (r->type)
    {
    case LSC__REC_COMPILE:
    case LSC__REC_ERROR:
    case LSC__REC_NOTE:
      return &r->u.event.text;
    case LSC__REC_GPU:
      return &r->u.gpu.text;
    default:
      return NULL;
    }
}

/* Slots a record takes in its ring. */
static unsigned
lsc__rec_slots (const lsc__rec *r)
{
  if (r->type == LSC__REC_SYMBOL)
    return lsc__symbol_slots (r->host_ns);
  return r->type == LSC__REC_LAUNCH && (r->aux & LSC__LAUNCH_STAGES) ? 2 : 1;
}

static void
lsc__process (lsc_recorder *rec, lsc__ring *ring, lsc__rec *r, const uint32_t *stages)
{
  lsc__kernel *k = NULL;
  switch (r->type)
    {
    case LSC__REC_API:
      lsc__write_raw_launch (rec, ring, r);
      break;
    case LSC__REC_LAUNCH:
      {
        const void *bound = r->u.launch.bound;
        int64_t kid = lsc__kernel_id (rec, bound, &k);
        lsc__spec *s = kid ? lsc__spec_get (rec, kid, bound, r->key, r->start_ns) : NULL;
        if (s)
          {
            if (r->outcome == FL_OUTCOME_HIT)
              s->hits++;
            else if (r->outcome == FL_OUTCOME_MISS && (r->aux & LSC__LAUNCH_WAITED))
              s->waits++;
            else if (r->outcome == FL_OUTCOME_MISS)
              s->misses++;
            s->last_ns = r->start_ns;
            s->dirty = true;
          }
        lsc__write_launch (rec, ring, r, stages, kid, s ? s->id : 0);
        /* Fallbacks become events when the reason changes, not once per launch. */
        fl_fallback reason = r->outcome == FL_OUTCOME_FALLBACK ? (fl_fallback) r->reason : FL_FALLBACK_NONE;
        if (k && reason != k->last_reason)
          {
            char text[256];
            if (reason != FL_FALLBACK_NONE)
              snprintf (text, sizeof text, "%s: fallback to the default path (%s)", fl_kernel_name (fl_bound_kernel_kernel (k->bound)),
                        fl_fallback_str (reason));
            else
              snprintf (text, sizeof text, "%s: fast path resumed (was %s)", fl_kernel_name (fl_bound_kernel_kernel (k->bound)),
                        fl_fallback_str (k->last_reason));
            lsc__write_event (rec, r->start_ns, "fallback", kid, text);
            k->last_reason = reason;
          }
        break;
      }
    case LSC__REC_COMPILE:
      {
        const char *text = r->u.event.text;
        int64_t kid = lsc__kernel_id (rec, r->u.event.bound, &k);
        lsc__spec *s = kid ? lsc__spec_get (rec, kid, r->u.event.bound, r->key, r->start_ns) : NULL;
        if (s)
          {
            s->compile_ms = r->u.event.compile_ms;
            s->dirty = true;
          }
        lsc__write_event (rec, r->start_ns, "compile", kid, text ? text : "compiled");
        break;
      }
    case LSC__REC_ERROR:
      lsc__write_event (rec, r->start_ns, "error", lsc__kernel_id (rec, r->u.event.bound, &k),
                        r->u.event.text ? r->u.event.text : "error");
      break;
    case LSC__REC_NOTE:
      {
        const char *both = r->u.event.text;
        const char *kind = both ? both : "info";
        const char *text = both ? both + strlen (both) + 1 : "";
        lsc__write_event (rec, r->start_ns, *kind ? kind : "info", 0, text);
        break;
      }
    case LSC__REC_GPU:
      {
        sqlite3_stmt *st = rec->ins_gpu;
        sqlite3_reset (st);
        sqlite3_bind_int64 (st, 1, r->correlation_id);
        sqlite3_bind_int64 (st, 2, rec->session_id);
        sqlite3_bind_int64 (st, 3, (int64_t) r->start_ns);
        sqlite3_bind_int64 (st, 4, (int64_t) r->host_ns);
        sqlite3_bind_int (st, 5, r->u.gpu.device);
        sqlite3_bind_int64 (st, 6, (int64_t) r->key);
        sqlite3_bind_int64 (st, 7, r->aux);
        sqlite3_bind_text (st, 8, r->u.gpu.text ? r->u.gpu.text : "", -1, SQLITE_TRANSIENT);
        for (int i = 0; i < 3; i++)
          {
            sqlite3_bind_int (st, 9 + i, r->u.gpu.grid[i]);
            sqlite3_bind_int (st, 12 + i, r->u.gpu.block[i]);
          }
        sqlite3_bind_int64 (st, 15, r->status);
        sqlite3_bind_int (st, 16, r->u.gpu.registers);
        if (sqlite3_step (st) != SQLITE_DONE)
          lsc__writer_fail (rec, "inserting a gpu_activity row");
        break;
      }
    }
  char **text = lsc__rec_text (r);
  if (text)
    {
      free (*text);
      *text = NULL;
    }
}

static void
lsc__flush_specs (lsc_recorder *rec)
{
  for (unsigned i = 0; i < rec->spec_cap; i++)
    {
      lsc__spec *s = &rec->specs[i];
      if (!s->used || !s->dirty)
        continue;
      sqlite3_stmt *st = rec->upd_spec;
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, (int64_t) s->hits);
      sqlite3_bind_int64 (st, 2, (int64_t) s->misses);
      if (s->compile_ms > 0)
        sqlite3_bind_double (st, 3, s->compile_ms);
      else
        sqlite3_bind_null (st, 3);
      sqlite3_bind_int64 (st, 4, (int64_t) s->last_ns);
      sqlite3_bind_int64 (st, 5, s->id);
      sqlite3_bind_int64 (st, 6, (int64_t) s->waits);
      if (sqlite3_step (st) != SQLITE_DONE)
        lsc__writer_fail (rec, "updating spec counters");
      s->dirty = false;
    }
}

static void
lsc__commit (lsc_recorder *rec)
{
  if (!rec->in_txn)
    return;
  if (!atomic_load (&rec->writer_failed))
    {
      lsc__flush_many (rec);
      lsc__flush_specs (rec);
    }
  rec->n_many = 0; /* after a failure: counted as lost with the rest of the batch */
  if (atomic_load (&rec->writer_failed) || !lsc__exec (rec, "COMMIT"))
    {
      lsc__writer_fail (rec, "committing a batch");
      lsc__exec (rec, "ROLLBACK");
      atomic_fetch_add (&rec->rows_lost, rec->txn_rows);
    }
  else
    {
      atomic_fetch_add (&rec->rows_written, rec->txn_rows);
      atomic_fetch_add (&rec->batches, 1);
    }
  rec->in_txn = false;
  rec->txn_rows = 0;
}

/* Drains what is in the rings now; returns the number of records taken. */
static uint64_t
lsc__drain (lsc_recorder *rec)
{
  pthread_mutex_lock (&rec->lock);
  lsc__ring *rings = rec->rings; /* rings are only prepended, never removed while recording */
  pthread_mutex_unlock (&rec->lock);
  uint64_t taken = 0;
  for (lsc__ring *ring = rings; ring; ring = ring->next)
    {
      uint64_t tail = atomic_load_explicit (&ring->tail, memory_order_relaxed);
      uint64_t head = atomic_load_explicit (&ring->head, memory_order_acquire);
      while (tail != head)
        {
          lsc__rec *r = &ring->slots[tail & ring->mask].rec;
          /* A record and the slots after it are published together, so all are below head. */
          unsigned n = lsc__rec_slots (r);
          if (atomic_load (&rec->writer_failed))
            {
              char **text = lsc__rec_text (r);
              if (text)
                free (*text);
              if (r->type != LSC__REC_SYMBOL) /* not a row */
                atomic_fetch_add (&rec->rows_lost, 1);
            }
          else
            {
              if (!rec->in_txn)
                {
                  if (!lsc__exec (rec, "BEGIN"))
                    lsc__writer_fail (rec, "starting a batch");
                  rec->in_txn = true;
                }
              if (r->type == LSC__REC_SYMBOL)
                lsc__take_symbol (rec, ring, tail);
              else
                {
                  lsc__process (rec, ring, r, n == 2 ? ring->slots[(tail + 1) & ring->mask].stage_ns : NULL);
                  if (++rec->txn_rows >= rec->batch_rows)
                    lsc__commit (rec);
                }
            }
          tail += n;
          taken++;
          if ((taken & 1023) == 0) /* hand slots back to the producer while draining */
            atomic_store_explicit (&ring->tail, tail, memory_order_release);
        }
      atomic_store_explicit (&ring->tail, tail, memory_order_release);
    }
  return taken;
}

/* True while the report's path still names the file this recorder writes.  Once it does not
 * (removed, or another file renamed over it), says so in the recorder's error, once: launches
 * go on being written into the file this recorder holds open, which stop saves elsewhere. */
static bool
lsc__file_still_ours (lsc_recorder *rec)
{
  if (atomic_load (&rec->file_lost))
    return false;
  struct stat st;
  if (stat (rec->path, &st) == 0 && st.st_dev == rec->file_dev && st.st_ino == rec->file_ino)
    return true;
  atomic_store (&rec->file_lost, true);
  pthread_mutex_lock (&rec->lock);
  if (!rec->error[0])
    snprintf (rec->error, sizeof rec->error,
              "%s was removed or replaced while it was being recorded: recording goes on, and what is recorded "
              "is saved beside it when the recording stops",
              rec->path);
  pthread_mutex_unlock (&rec->lock);
  return false;
}

static void *
lsc__writer_main (void *data)
{
  lsc_recorder *rec = data;
  uint64_t next_identity_check = 0;
  for (;;)
    {
      bool stopping = atomic_load (&rec->stopping);
      uint64_t pass_start = lsc__now_ns ();
      if (pass_start >= next_identity_check)
        {
          lsc__file_still_ours (rec);
          next_identity_check = pass_start + LSC__IDENTITY_CHECK_NS;
        }
      pthread_mutex_lock (&rec->db_lock);
      uint64_t n = lsc__drain (rec);
      bool idle = n == 0 || (n < LSC__BUSY_ROWS && lsc__now_ns () - pass_start < LSC__QUICK_PASS_NS);
      if (idle || rec->txn_rows >= rec->batch_rows / 4)
        lsc__commit (rec);
      pthread_mutex_unlock (&rec->db_lock);
      if (stopping)
        {
          if (n == 0)
            break;
        }
      else if (idle)
        nanosleep (&(struct timespec){ 0, LSC__IDLE_SLEEP_NS }, NULL);
    }
  pthread_mutex_lock (&rec->lock);
  lsc__ring *rings = rec->rings;
  pthread_mutex_unlock (&rec->lock);
  /* API records still parked: their launches were not the engine's (or the sink was off). */
  for (lsc__ring *ring = rings; ring; ring = ring->next)
    {
      if (!atomic_load_explicit (&ring->has_parked, memory_order_acquire))
        continue;
      atomic_store_explicit (&ring->has_parked, false, memory_order_relaxed);
      if (atomic_load (&rec->writer_failed))
        {
          atomic_fetch_add (&rec->rows_lost, 1);
          continue;
        }
      if (!rec->in_txn)
        {
          lsc__exec (rec, "BEGIN");
          rec->in_txn = true;
        }
      lsc__write_raw_launch (rec, ring, &ring->parked);
      rec->txn_rows++;
    }
  lsc__commit (rec);
  return NULL;
}

/* ---- session set-up ------------------------------------------------------------------------ */

static void
lsc__free_writer_state (lsc_recorder *rec)
{
  sqlite3_stmt *statements[] = { rec->ins_launch, rec->ins_launch_lean, rec->ins_launch_many, rec->ins_event,
                                 rec->ins_spec,   rec->ins_gpu,         rec->upd_spec,        rec->ins_named_kernel };
  for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++)
    sqlite3_finalize (statements[i]);
  for (unsigned i = 0; i < rec->named_cap; i++)
    free (rec->named[i]);
  free (rec->named);
  rec->named = NULL;
  rec->named_cap = rec->named_count = 0;
}

/* Starts CUPTI in mode (CUPTI must be stopped); true when it runs as asked. */
static bool
lsc__cupti_switch (lsc_recorder *rec, lsc_cupti_mode mode)
{
  lsc_cupti_sinks sinks = { .api = lsc__on_cupti_api, .kernel = lsc__on_cupti_kernel, .user_data = rec };
  char status[256];
  bool ok = false;
  if (mode == LSC_CUPTI_OFF)
    {
      snprintf (status, sizeof status, "off");
      ok = true;
    }
  else if (!fl_driver_ready () && !rec->foreign_process)
    snprintf (status, sizeof status, "off: no CUDA driver");
  else
    ok = lsc_cupti_start (rec->cupti_library, mode == LSC_CUPTI_ACTIVITY, &sinks, status, sizeof status)
         == LSC_CUPTI_OK;
  pthread_mutex_lock (&rec->lock);
  snprintf (rec->cupti_status, sizeof rec->cupti_status, "%s", status);
  pthread_mutex_unlock (&rec->lock);
  return ok;
}

static void
lsc__cpu_model (char *buf, size_t size)
{
  char model[200];
  lsc_host_cpu_model (model, sizeof model);
  snprintf (buf, size, "%s (%ld cores)", model, sysconf (_SC_NPROCESSORS_ONLN));
}

static void
lsc__gpu_name (char *buf, size_t size)
{
  const fl_driver *d = fl_driver_get ();
  snprintf (buf, size, "none (no CUDA driver)");
  if (!d)
    return;
  int count = 0;
  d->cuDeviceGetCount (&count);
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < count && used < size; i++)
    {
      char name[256] = "?";
      CUdevice dev;
      if (d->cuDeviceGet (&dev, i) == CUDA_SUCCESS)
        d->cuDeviceGetName (name, sizeof name, dev);
      int n = snprintf (buf + used, size - used, "%s%d: %s", i ? "; " : "", i, name);
      used += n > 0 ? (size_t) n : 0;
    }
}

static bool
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

/* A report is written in place (a killed recording must still open, and the app shows a report
 * as it grows), so the target and the side files SQLite opens beside it must be regular files
 * or absent; only an existing report is replaced, and only when asked. */
static int
lsc__check_target (const lsc_recorder_options *o, char *err, size_t err_size)
{
  char name[4200], kind[64];
  snprintf (name, sizeof name, "%s", o->path);
  if (!lsc__file_replaceable (name, kind, sizeof kind)
      || !lsc__side_files_replaceable (o->path, name, sizeof name, kind, sizeof kind))
    {
      lsc__set_err (err, err_size, "cannot record into %s: %s is %s, not a regular file (refused even with --force)",
                    o->path, name, kind);
      return -1;
    }
  struct stat st;
  if (stat (o->path, &st) != 0)
    return 0;
  if (!o->overwrite)
    {
      lsc__set_err (err, err_size, "%s already exists (use --force to overwrite it)", o->path);
      return -1;
    }
  for (size_t i = 0; i <= LSC__SIDE_FILES; i++)
    {
      snprintf (name, sizeof name, "%s%s", o->path, i ? lsc__side_suffixes[i - 1] : "");
      if (unlink (name) != 0 && errno != ENOENT)
        {
          lsc__set_err (err, err_size, "cannot replace %s: removing %s: %s", o->path, name, strerror (errno));
          return -1;
        }
    }
  return 0;
}

int
lsc_recorder_start (const lsc_recorder_options *o, lsc_recorder **out, char *err, size_t err_size)
{
  if (out)
    *out = NULL;
  if (!o || !o->path || !out)
    {
      lsc__set_err (err, err_size, "recorder: no report path given");
      return -1;
    }
  if (atomic_load (&lsc__active))
    {
      lsc__set_err (err, err_size, "%s: another recording is already running in this process", o->path);
      return -1;
    }
  /* The lock first: until it is ours, another recorder may be writing this report, and
   * nothing here may touch it, --force or not. */
  lsc_file_lock *file_lock = lsc__file_lock_acquire (o->path, err, err_size);
  if (!file_lock)
    return -1;
  if (lsc__check_target (o, err, err_size) != 0)
    {
      lsc__file_lock_release (file_lock);
      return -1;
    }

  lsc_recorder *rec = calloc (1, sizeof *rec);
  if (!rec || !(rec->path = strdup (o->path)))
    {
      free (rec);
      lsc__file_lock_release (file_lock);
      lsc__set_err (err, err_size, "%s: out of memory", o->path);
      return -1;
    }
  rec->file_lock = file_lock;
  unsigned cap = o->ring_records ? o->ring_records : 65536;
  rec->ring_capacity = 64;
  while (rec->ring_capacity < cap)
    rec->ring_capacity <<= 1;
  rec->batch_rows = o->batch_rows ? o->batch_rows : 16384;
  rec->serial = atomic_fetch_add (&lsc__serial_counter, 1) + 1;
  pthread_mutex_init (&rec->lock, NULL);
  pthread_mutex_init (&rec->db_lock, NULL);
  /* The thread that starts a recording usually launches too: its ring is ready before the first
   * launch (a failure here is retried by that launch). */
  lsc__ring_create_for_thread (rec);

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
      goto fail;
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
      goto fail;
    }
  struct stat st;
  if (stat (o->path, &st) != 0)
    {
      lsc__set_err (err, err_size, "%s: the report vanished as it was created: %s", o->path, strerror (errno));
      goto fail;
    }
  rec->file_dev = st.st_dev;
  rec->file_ino = st.st_ino;
  if (o->max_db_bytes)
    {
      snprintf (sql, sizeof sql, "PRAGMA max_page_count=%" PRIu64 ";", o->max_db_bytes / 4096 + 1);
      lsc__exec (rec, sql);
    }

  /* The session row. */
  char host[256] = "?", cpu[256], gpu[1024], nvrtc[32], wall[64];
  struct utsname u;
  if (uname (&u) == 0)
    snprintf (host, sizeof host, "%s (%s %s)", u.nodename, u.sysname, u.release);
  lsc__cpu_model (cpu, sizeof cpu);
  if (o->foreign_process)
    snprintf (gpu, sizeof gpu, "unknown (read when the recording stops)");
  else
    lsc__gpu_name (gpu, sizeof gpu);
  int nv_major = 0, nv_minor = 0;
  fl_nvrtc_version (&nv_major, &nv_minor);
  snprintf (nvrtc, sizeof nvrtc, "%d.%d", nv_major, nv_minor);
  time_t now = time (NULL);
  struct tm tm;
  gmtime_r (&now, &tm);
  strftime (wall, sizeof wall, "%Y-%m-%dT%H:%M:%SZ", &tm);
  rec->start_ns = lsc__now_ns ();

  /* CUPTI before the sink, so the first launch is already seen. */
  static const char *const mode_names[] = { "off", "callbacks", "activity" };
  rec->cupti_library = o->cupti_library ? strdup (o->cupti_library) : NULL;
  rec->foreign_process = o->foreign_process;
  lsc__cupti_switch (rec, o->cupti);

  sqlite3_stmt *ins = NULL;
  if (!lsc__prepare (rec,
                     "INSERT INTO session (host, gpu, driver_version, toolkit, nvrtc, cpu, settings, workload, start_ns, "
                     "start_wall, cupti_mode, cupti_status, observer_overhead_ns) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     &ins))
    {
      lsc__set_err (err, err_size, "%s: %s", o->path, sqlite3_errmsg (rec->db));
      goto fail_cupti;
    }
  char toolkit[32];
  snprintf (toolkit, sizeof toolkit, "CUDA %d.%d (headers)", CUDA_VERSION / 1000, (CUDA_VERSION % 1000) / 10);
  sqlite3_bind_text (ins, 1, host, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 2, gpu, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (ins, 3, fl_driver_version ());
  sqlite3_bind_text (ins, 4, toolkit, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 5, nvrtc, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 6, cpu, -1, SQLITE_TRANSIENT);
  if (o->settings_json)
    sqlite3_bind_text (ins, 7, o->settings_json, -1, SQLITE_TRANSIENT);
  if (o->workload)
    sqlite3_bind_text (ins, 8, o->workload, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (ins, 9, (int64_t) rec->start_ns);
  sqlite3_bind_text (ins, 10, wall, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 11, mode_names[o->cupti <= LSC_CUPTI_ACTIVITY ? o->cupti : 0], -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 12, rec->cupti_status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (ins, 13, lsc_recorder_measure_push_ns ());
  rc = sqlite3_step (ins);
  sqlite3_finalize (ins);
  if (rc != SQLITE_DONE)
    {
      lsc__set_err (err, err_size, "%s: cannot write the session row: %s", o->path, sqlite3_errmsg (rec->db));
      goto fail_cupti;
    }
  rec->session_id = sqlite3_last_insert_rowid (rec->db);

  if (!lsc__prepare (rec,
                     "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, reason, status, "
                     "start_ns, host_ns, resolve_ns, bind_ns, specialize_ns, key_ns, lookup_ns, globals_ns, metadata_ns, "
                     "launch_ns, correlation_id, api_start_ns, api_ns) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     &rec->ins_launch)
      || !lsc__prepare (rec,
                        "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, reason, status, "
                        "start_ns, host_ns) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        &rec->ins_launch_lean)
      || !lsc__prepare_many (rec)
      || !lsc__prepare (rec, "INSERT INTO event (session_id, t_ns, kind, kernel_id, text) VALUES (?,?,?,?,?)",
                        &rec->ins_event)
      || !lsc__prepare (rec,
                        "INSERT INTO spec (kernel_id, key, description, ptr_alignment, int_classes, debug, "
                        "instrumentation, compile_hook, first_ns) VALUES (?,?,?,?,?,?,?,?,?)",
                        &rec->ins_spec)
      || !lsc__prepare (rec,
                        "INSERT OR REPLACE INTO gpu_activity (correlation_id, session_id, start_ns, end_ns, device_id, "
                        "context_id, stream_id, name, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_mem, "
                        "registers) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        &rec->ins_gpu)
      || !lsc__prepare (rec, "UPDATE spec SET hits = ?1, misses = ?2, waits = ?6, "
                             "compile_ms = coalesce(?3, compile_ms), last_ns = ?4 WHERE id = ?5",
                        &rec->upd_spec)
      || !lsc__prepare (rec, "INSERT INTO kernel (session_id, name, entry) VALUES (?1, ?2, ?2)", &rec->ins_named_kernel))
    {
      lsc__set_err (err, err_size, "%s: %s", o->path, sqlite3_errmsg (rec->db));
      goto fail_cupti;
    }

  if (pthread_create (&rec->writer, NULL, lsc__writer_main, rec) != 0)
    {
      lsc__set_err (err, err_size, "%s: cannot start the writer thread", o->path);
      goto fail_cupti;
    }
  atomic_store (&lsc__active, rec);
  rec->sink.emit = lsc__on_engine_event;
  rec->sink.user_data = rec;
  fl_event_sink_set (&rec->sink);
  *out = rec;
  return 0;

fail_cupti:
  lsc_cupti_stop ();
fail:
  free (rec->cupti_library);
  lsc__free_writer_state (rec);
  sqlite3_close (rec->db);
  for (lsc__ring *r = rec->rings, *next; r; r = next)
    {
      next = r->next;
      lsc__ring_free (r);
    }
  pthread_mutex_destroy (&rec->lock);
  pthread_mutex_destroy (&rec->db_lock);
  lsc__file_lock_release (rec->file_lock);
  free (rec->path);
  free (rec);
  return -1;
}

int
lsc_recorder_add_kernel (lsc_recorder *rec, const fl_bound_kernel *bound, const char *config_text)
{
  if (!rec || !bound)
    return -1;
  lsc__ring_for_thread (rec); /* kernels are registered on the thread that will launch them, mostly */
  const fl_kernel *k = fl_bound_kernel_kernel (bound);
  const fl_signature *sig = fl_kernel_signature (k);
  char signature[FL_MAX_ARGS * 12] = "";
  size_t used = 0;
  for (unsigned i = 0; sig && i < sig->n_args && used < sizeof signature; i++)
    {
      int n = snprintf (signature + used, sizeof signature - used, "%s%s", i ? ", " : "", fl_type_name (sig->types[i]));
      used += n > 0 ? (size_t) n : 0;
    }
  /* The writer thread uses the same connection: hold the recorder lock so the kernel row and
   * the registry entry appear together, before any launch of this kernel is drained. */
  pthread_mutex_lock (&rec->db_lock);
  pthread_mutex_lock (&rec->lock);
  int rc = -1;
  sqlite3_stmt *st = NULL;
  unsigned n = atomic_load (&rec->n_kernels);
  if (n == LSC__MAX_KERNELS)
    goto out;
  if (sqlite3_prepare_v2 (rec->db, "INSERT INTO kernel (session_id, name, entry, signature, config) VALUES (?,?,?,?,?)",
                          -1, &st, NULL)
      != SQLITE_OK)
    goto out;
  sqlite3_bind_int64 (st, 1, rec->session_id);
  sqlite3_bind_text (st, 2, fl_kernel_name (k), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, fl_kernel_entry (k), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 4, signature, -1, SQLITE_TRANSIENT);
  if (config_text)
    sqlite3_bind_text (st, 5, config_text, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (st) == SQLITE_DONE)
    {
      rec->kernels[n].bound = bound;
      rec->kernels[n].id = sqlite3_last_insert_rowid (rec->db);
      rec->kernels[n].last_reason = FL_FALLBACK_NONE;
      atomic_store_explicit (&rec->n_kernels, n + 1, memory_order_release);
      rc = 0;
    }
out:
  sqlite3_finalize (st);
  pthread_mutex_unlock (&rec->lock);
  pthread_mutex_unlock (&rec->db_lock);
  return rc;
}

void
lsc_recorder_forget_inherited (lsc_recorder *rec)
{
  if (rec)
    lsc__file_lock_drop_inherited (rec->file_lock);
}

void
lsc_recorder_set_raw_floor (lsc_recorder *rec, double p50_ns)
{
  if (!rec)
    return;
  pthread_mutex_lock (&rec->lock);
  rec->raw_floor_p50 = p50_ns;
  rec->have_raw_floor = true;
  pthread_mutex_unlock (&rec->lock);
}

void
lsc_recorder_set_engine_events (lsc_recorder *rec, bool on)
{
  if (rec)
    fl_event_sink_set (on ? &rec->sink : NULL);
}

void
lsc_recorder_get_stats (lsc_recorder *rec, lsc_recorder_stats *out)
{
  memset (out, 0, sizeof *out);
  if (!rec)
    return;
  out->rows_written = atomic_load (&rec->rows_written);
  out->rows_lost = atomic_load (&rec->rows_lost);
  out->batches = atomic_load (&rec->batches);
  pthread_mutex_lock (&rec->lock);
  out->rows_dropped = atomic_load (&rec->dropped_no_ring);
  for (lsc__ring *r = rec->rings; r; r = r->next)
    out->rows_dropped += atomic_load (&r->dropped);
  snprintf (out->cupti_status, sizeof out->cupti_status, "%s", rec->cupti_status);
  snprintf (out->error, sizeof out->error, "%s", rec->error);
  pthread_mutex_unlock (&rec->lock);
}

/* The report's name was taken from under the recording: copy what this recorder wrote (all of it
 * is still in the file it holds open) to a new name beside it, REPORT.recovered-PID.lsdb, and
 * leave whatever is at the old name alone. */
static void
lsc__rescue (lsc_recorder *rec, char *err, size_t err_size)
{
  /* Closing a WAL database deletes its -wal by name: that name may be another report's now. */
  int persist = 1;
  sqlite3_file_control (rec->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  size_t n = strlen (rec->path) + 64;
  char *rescue = malloc (n);
  if (!rescue)
    {
      lsc__set_err (err, err_size, "%s was removed or replaced while it was being recorded, and what was recorded "
                    "could not be saved: out of memory", rec->path);
      return;
    }
  size_t stem = strlen (rec->path);
  if (stem > 5 && strcmp (rec->path + stem - 5, ".lsdb") == 0)
    stem -= 5;
  snprintf (rescue, n, "%.*s.recovered-%ld.lsdb", (int) stem, rec->path, (long) getpid ());
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (rec->db, "VACUUM INTO ?", -1, &st, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, rescue, -1, SQLITE_STATIC);
      rc = sqlite3_step (st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (rec->db);
    }
  if (rc == SQLITE_OK)
    lsc__set_err (err, err_size,
                  "%s was removed or replaced while it was being recorded: the %" PRIu64
                  " rows recorded were saved to %s instead",
                  rec->path, (uint64_t) atomic_load (&rec->rows_written), rescue);
  else
    lsc__set_err (err, err_size,
                  "%s was removed or replaced while it was being recorded, and saving what was recorded to %s "
                  "failed: %s",
                  rec->path, rescue, sqlite3_errmsg (rec->db));
  sqlite3_finalize (st);
  free (rescue);
}

int
lsc_recorder_stop (lsc_recorder *rec, lsc_recorder_stats *final_stats, char *err, size_t err_size)
{
  if (!rec)
    return -1;
  fl_event_sink_set (NULL);
  bool cupti_was_running = lsc_cupti_running ();
  bool detached = lsc_cupti_stop (); /* flushes the last kernel records into the rings */
  if (cupti_was_running)
    lsc_recorder_note (rec, "info",
                       detached ? "CUPTI detached from the process (cuptiFinalize): launches no longer pay for it"
                                : "CUPTI unsubscribed but still attached (cuptiFinalize unavailable or not reached): "
                                  "launches in this process may stay slower");
  atomic_store (&rec->stopping, true);
  pthread_join (rec->writer, NULL);

  lsc_recorder_stats stats;
  lsc_recorder_get_stats (rec, &stats);
  int result = atomic_load (&rec->writer_failed) ? -1 : 0;

  /* Closing facts; a report whose writes failed still gets them if the disk allows. */
  char sql[1024];
  snprintf (sql, sizeof sql,
            "UPDATE session SET stop_ns = %" PRIu64 ", dropped_rows = %" PRIu64 " WHERE id = %" PRId64 ";",
            lsc__now_ns (), stats.rows_dropped + stats.rows_lost, rec->session_id);
  bool closed = lsc__exec (rec, sql);
  if (rec->foreign_process && fl_driver_load_without_nvrtc () == FL_OK)
    {
      /* The program's driver is initialised by now: the facts its start could not read. */
      char gpu[1024];
      lsc__gpu_name (gpu, sizeof gpu);
      sqlite3_stmt *st = NULL;
      if (sqlite3_prepare_v2 (rec->db, "UPDATE session SET gpu = ?, driver_version = ? WHERE id = ?", -1, &st, NULL)
          == SQLITE_OK)
        {
          sqlite3_bind_text (st, 1, gpu, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int (st, 2, fl_driver_version ());
          sqlite3_bind_int64 (st, 3, rec->session_id);
          closed = sqlite3_step (st) == SQLITE_DONE && closed;
        }
      sqlite3_finalize (st);
    }
  if (rec->have_raw_floor)
    {
      snprintf (sql, sizeof sql, "UPDATE session SET raw_floor_p50_ns = %.1f WHERE id = %" PRId64 ";",
                rec->raw_floor_p50, rec->session_id);
      closed = lsc__exec (rec, sql) && closed;
    }
  /* Join kernel execution times to launches, and build the indices the app's queries use (built
   * here rather than up front, so inserts while recording stay cheap). */
  closed = lsc__exec (rec, "UPDATE launch SET gpu_start_ns = g.start_ns, gpu_ns = g.end_ns - g.start_ns "
                           "FROM gpu_activity g WHERE launch.correlation_id = g.correlation_id;")
           && closed;
  closed = lsc__exec (rec, LSC_SCHEMA_INDEX_SQL) && closed;
  if (!closed && result == 0)
    {
      lsc__writer_fail (rec, "closing the session");
      result = -1;
    }
  lsc__exec (rec, "PRAGMA wal_checkpoint(TRUNCATE);");
  bool lost = !lsc__file_still_ours (rec);
  if (lost)
    {
      lsc__rescue (rec, err, err_size);
      result = -1;
    }
  else
    {
      /* A finished report is one file: copied alone it loses nothing, and readers (read-only, as
       * reports from elsewhere are opened) leave no -wal/-shm beside it.  Where another
       * connection still has it open (the app's live view) it stays in WAL mode, which is
       * harmless. */
      lsc__exec (rec, "PRAGMA journal_mode=DELETE;");
    }
  if (result != 0 && !lost)
    lsc__set_err (err, err_size, "%s", rec->error);
  lsc_recorder_get_stats (rec, &stats);
  if (final_stats)
    *final_stats = stats;

  lsc__free_writer_state (rec);
  if (sqlite3_close (rec->db) != SQLITE_OK && result == 0)
    {
      lsc__set_err (err, err_size, "%s: closing the report failed", rec->path);
      result = -1;
    }
  if (lost && access (rec->path, F_OK) != 0)
    {
      /* Nothing is at the report's name any more: the -wal and -shm there are ours, now stale. */
      char side[4200];
      for (size_t i = 0; i < LSC__SIDE_FILES; i++)
        {
          snprintf (side, sizeof side, "%s%s", rec->path, lsc__side_suffixes[i]);
          unlink (side);
        }
    }
  lsc__file_lock_release (rec->file_lock);
  for (lsc__ring *r = rec->rings, *next; r; r = next)
    {
      next = r->next;
      lsc__ring_free (r);
    }
  atomic_store (&lsc__active, NULL);
  pthread_mutex_destroy (&rec->lock);
  pthread_mutex_destroy (&rec->db_lock);
  free (rec->specs);
  free (rec->cupti_library);
  free (rec->path);
  free (rec);
  return result;
}
