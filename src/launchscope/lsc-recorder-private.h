/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-recorder-private.h — what the recorder's three parts share: the record and ring layout
 * and the recorder itself.  lsc-recorder-push.c writes records on the launching threads,
 * lsc-recorder-writer.c drains them into the report, lsc-recorder.c starts and stops a session.
 */
#ifndef LSC_RECORDER_PRIVATE_H
#define LSC_RECORDER_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "fastlaunch.h"
#include "lsc-cupti.h"
#include "lsc-file.h"
#include "lsc-recorder.h"

enum {
  LSC__REC_LAUNCH = 1,
  LSC__REC_COMPILE,
  LSC__REC_ERROR,
  LSC__REC_NOTE,
  LSC__REC_API,
  LSC__REC_GPU,
  LSC__REC_SYMBOL, /* a kernel name in the slots after it; API records refer to it by tag */
  LSC__REC_CALL,   /* a synchronisation, copy, allocation or runtime call (path: its lsc_call_kind) */
  LSC__REC_FLOOR,  /* a floor block: outcome its kind, aux its round, status its launches,
                      host_ns its median, key and u.launch.bound its spec */
  LSC__REC_FUNCTION, /* a function from cuModuleGetFunction (key), its name in u.event.text */
  LSC__REC_RANGE,  /* an NVTX range opened (lsc__push_range); its name in the slots after it */
  LSC__REC_RANGE_END, /* an NVTX range closed (lsc__push_range_end) */
};

/* How an NVTX range nests, in RANGE and RANGE_END records (path). */
enum {
  LSC__RANGE_PUSH = 0, /* push/pop: closed on its own thread; key: its sequence number there */
  LSC__RANGE_START,    /* start/end: closed on any thread; key: unique in the process */
};

/* LAUNCH flags, in aux. */
enum {
  LSC__LAUNCH_API = 1u << 0,    /* carries the CUPTI API record of this launch (u.launch.api_*) */
  LSC__LAUNCH_STAGES = 1u << 1, /* the next slot of the same ring holds its stage times */
  LSC__LAUNCH_API_NO_END = 1u << 2, /* a raw row whose API exit time was never read (api_ns NULL) */
  LSC__LAUNCH_WAITED = 1u << 3, /* a miss that raced on its new spec (fl_event.waited) */
  LSC__LAUNCH_PROBE = 1u << 4,  /* a floor block's recorded launch: paid for, never written */
};

/* API flags, in reason: made inside an engine launch, whose end stands for the exit time; the
 * next slot of the same ring holds the launch's configuration (lsc__launch_config). */
enum { LSC__API_IN_ENGINE = 1u << 0, LSC__API_CONFIG = 1u << 1 };

/* CALL flags, in reason: made inside an engine launch, so its exit time was not read. */
enum { LSC__CALL_NO_END = 1u << 0 };

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
      const char *domain; /* NULL: NVTX's default domain; the caller keeps it to the stop */
    } range;                /* RANGE */
    struct {
      char *text; /* kernel name, as event.text */
      uint16_t grid[3], block[3];
      uint16_t device, registers;
    } gpu;
  } u;
} lsc__rec;

/* A launch as the call configured it, from CUPTI's view of the call. */
typedef struct {
  uint32_t grid[3], block[3];
  uint32_t shared_mem;
  uint16_t captured;
  uint16_t seen; /* 0: the call's parameters were not readable: NULL columns */
  uint64_t stream;
  uint64_t function;
  uint64_t param_key;
  uint8_t params; /* lsc_cupti_launch_config.params */
} lsc__launch_config;

typedef union {
  lsc__rec rec;
  uint32_t stage_ns[FL_STAGE_COUNT]; /* after a LAUNCH with LSC__LAUNCH_STAGES */
  lsc__launch_config config;         /* after an API record with LSC__API_CONFIG */
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
  uint64_t max_launches;                /* 0: unbounded */
  bool params;                          /* record --params */
  bool profiler_range;                  /* record --capture-range cudaProfilerApi */
  bool runtime_api;                     /* record --api runtime */
  uint64_t launch_rows;                 /* writer-only: launch rows written */
  atomic_uint_fast64_t launches_beyond; /* left out at the bound */
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
  sqlite3_stmt *ins_launch, *ins_launch_lean, *ins_event, *ins_spec, *ins_gpu, *upd_spec, *ins_named_kernel, *ins_call,
    *ins_floor, *ins_function;
  /* NVTX ranges still open: their row, written when the range opened, gets its end when the
   * closing record comes (open addressing on the key).  A start/end range may be closed on
   * another thread, whose ring can be drained first: its end then waits here for the row. */
  struct lsc__open_range {
    uint64_t key; /* 0: empty */
    int64_t row;  /* 0: the end came first */
    uint64_t end_ns;
  } *open_ranges;
  unsigned open_cap, open_count;
  sqlite3_stmt *ins_range, *end_range;
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
  fl_event_sink probe_sink; /* lsc_recorder_probe_sink */
};

/* Every timestamp that is joined with engine events comes from the engine's event clock. */
static inline uint64_t
lsc__now_ns (void)
{
  return fl_clock_ns ();
}

/* Slots a SYMBOL record of a name of len bytes takes. */
static inline unsigned
lsc__symbol_slots (uint64_t len)
{
  return 1 + (unsigned) ((len + sizeof (lsc__slot) - 1) / sizeof (lsc__slot));
}

/* lsc-recorder-push.c: the launching threads' side. */
lsc__ring *lsc__ring_create_for_thread (lsc_recorder *rec);
void lsc__ring_free (lsc__ring *ring);
void lsc__on_engine_event (const fl_event *ev, void *user_data);
void lsc__on_probe_event (const fl_event *ev, void *user_data);
void lsc__on_cupti_api (const lsc_cupti_api_record *api, void *user_data);
void lsc__on_cupti_kernel (const lsc_cupti_kernel_record *k, void *user_data);
void lsc__on_cupti_function (uint64_t function, const char *name, void *user_data);

/* An NVTX range, as the injection's NVTX callbacks pass it on (lsc-nvtx.c). */
#define LSC__RANGE_NAME_MAX 255 /* bytes of a name kept; longer ones are cut */
typedef struct {
  uint8_t kind;       /* LSC__RANGE_PUSH or LSC__RANGE_START */
  int32_t depth;      /* push: its nesting level on its thread and domain; start: -1 */
  uint64_t key;       /* as the record's (LSC__RANGE_*); never 0 */
  uint64_t start_ns;
  const char *domain; /* NULL: the default domain; must stay valid until the recorder stops */
  const char *name;   /* NULL: the range had no message */
  size_t name_len;    /* at most LSC__RANGE_NAME_MAX */
} lsc__range_open;

/* On the calling thread, lock-free and without allocation like a launch's push. */
void lsc__push_range (lsc_recorder *rec, const lsc__range_open *range);
void lsc__push_range_end (lsc_recorder *rec, unsigned kind, uint64_t key, uint64_t end_ns);

/* lsc-recorder-writer.c: the report file and the writer thread. */
int lsc__report_create (lsc_recorder *rec, const lsc_recorder_options *o, char *err, size_t err_size);
bool lsc__prepare (lsc_recorder *rec, const char *sql, sqlite3_stmt **out);
bool lsc__writer_prepare (lsc_recorder *rec);
void *lsc__writer_main (void *data);
void lsc__writer_fail (lsc_recorder *rec, const char *what);
bool lsc__exec (lsc_recorder *rec, const char *sql);
bool lsc__file_still_ours (lsc_recorder *rec);
void lsc__free_writer_state (lsc_recorder *rec);

/* lsc-recorder-ranges.c: the writer's nvtx_range rows. */
void lsc__write_range (lsc_recorder *rec, const lsc__ring *ring, uint64_t tail);
void lsc__write_range_end (lsc_recorder *rec, const lsc__ring *ring, const lsc__rec *r);
void lsc__free_open_ranges (lsc_recorder *rec);

/* lsc-recorder.c */
void lsc__set_err (char *err, size_t size, const char *fmt, ...);

#endif
