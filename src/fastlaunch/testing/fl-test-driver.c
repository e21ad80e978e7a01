/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver.c — a test double of the CUDA driver and NVRTC (see fl-test-driver.h).
 *
 * TEST-ONLY: linked into unit tests and CPU benchmarks, never into user-facing binaries.
 *
 * One mutex guards all state; every entry point counts itself and honours injected faults
 * before doing anything.  Handles are the addresses of the structs below (the CUDA headers
 * leave their struct types incomplete, so this file completes them); every handle passed in is
 * looked up in its registry before it is dereferenced, so stale handles fail cleanly.  Objects
 * the driver would destroy implicitly (a destroyed context's modules) are flagged dead and
 * freed at the next install.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastlaunch-driver.h"
#include "fl-test-driver.h"

/* ---- entry points: names, call counters, injected faults ---------------------------------- */

#define TD_ENTRY_POINTS(X)                                                                          \
  X (cuInit) X (cuDriverGetVersion) X (cuGetErrorName) X (cuGetErrorString) X (cuDeviceGet)          \
  X (cuDeviceGetCount) X (cuDeviceGetName) X (cuDeviceGetAttribute) X (cuDevicePrimaryCtxRetain)     \
  X (cuDevicePrimaryCtxRelease) X (cuCtxCreate) X (cuCtxDestroy) X (cuCtxGetCurrent)                 \
  X (cuCtxSetCurrent) X (cuCtxGetDevice) X (cuCtxSynchronize) X (cuModuleLoadData)                   \
  X (cuModuleUnload) X (cuModuleGetFunction) X (cuLaunchKernel) X (cuStreamCreate)                   \
  X (cuStreamDestroy) X (cuStreamSynchronize) X (cuStreamBeginCapture) X (cuStreamEndCapture)        \
  X (cuStreamIsCapturing) X (cuGraphInstantiateWithFlags) X (cuGraphLaunch) X (cuGraphGetNodes)      \
  X (cuGraphDestroy) X (cuGraphExecDestroy) X (cuMemAlloc) X (cuMemFree) X (cuMemcpyHtoD)            \
  X (cuMemcpyDtoH) X (cuMemsetD8) X (nvrtcVersion) X (nvrtcGetErrorString) X (nvrtcCreateProgram)    \
  X (nvrtcCompileProgram) X (nvrtcGetProgramLogSize) X (nvrtcGetProgramLog) X (nvrtcGetCUBINSize)    \
  X (nvrtcGetCUBIN) X (nvrtcDestroyProgram)

#define TD_ENUM(name) TD_##name,
enum { TD_ENTRY_POINTS (TD_ENUM) TD_ENTRY_COUNT };
#undef TD_ENUM
#define TD_NAME(name) #name,
static const char *const td_entry_names[TD_ENTRY_COUNT] = { TD_ENTRY_POINTS (TD_NAME) };
#undef TD_NAME

#define TD_MAX_FAULTS 16
#define TD_LOG_SIZE 4096u
#define TD_MAX_PARAMS 256

/* ---- objects ------------------------------------------------------------------------------ */

struct CUctx_st {
  struct CUctx_st *next;
  int device;
  bool primary;
  int refcount;   /* primary: retains; active while > 0 */
  bool destroyed; /* cuCtxDestroy'd */
  CUresult sticky;
};

typedef struct {
  char *name;
  int n_params; /* -1: unknown */
} td_kernel;

typedef struct {
  char *name;
  char *value;
} td_define;

/* What a loaded cubin says; kept after unload so tests can ask about old launches. */
typedef struct td_binary {
  struct td_binary *next;
  uint64_t id;
  int arch_major, arch_minor;
  bool arch_specific; /* sm_90a: only that exact device */
  uint64_t source_hash;
  char **options;
  unsigned n_options;
  td_define *defines;
  unsigned n_defines;
  td_kernel *kernels;
  unsigned n_kernels;
  /* Specialization, per signature index, from the FL_* defines: -1 absent, else the value. */
  struct {
    int8_t constexpr_, align16, one, div16;
  } spec[FL_MAX_ARGS];
  int64_t nptrs;     /* FL_NPTRS, 0 if absent */
  bool all_aligned;  /* FL_ALL_ALIGNED=1 */
} td_binary;

struct CUfunc_st {
  struct CUfunc_st *next;
  struct CUmod_st *module;
  const td_kernel *kernel;
};

struct CUmod_st {
  struct CUmod_st *next;
  struct CUctx_st *ctx;
  td_binary *binary;
  struct CUfunc_st *functions;
  bool loaded; /* false once unloaded explicitly or with its context */
};

typedef struct {
  struct CUfunc_st *function;
  unsigned grid[3], block[3], shmem;
  unsigned n_words;
  uint64_t words[TD_MAX_PARAMS];
} td_launch_args;

struct CUgraphNode_st {
  td_launch_args args;
};

struct CUgraph_st {
  struct CUgraph_st *next;
  struct CUgraphNode_st **nodes;
  size_t n_nodes, cap;
};

struct CUgraphExec_st {
  struct CUgraphExec_st *next;
  td_launch_args *nodes;
  size_t n_nodes;
};

enum { TD_CAPTURE_NONE = 0, TD_CAPTURE_ACTIVE, TD_CAPTURE_INVALIDATED };

struct CUstream_st {
  struct CUstream_st *next;
  struct CUctx_st *ctx;
  unsigned flags;
  int capture;              /* TD_CAPTURE_* */
  CUstreamCaptureMode mode;
  uint64_t capture_thread;
  struct CUgraph_st *pending; /* the graph being captured */
};

struct _nvrtcProgram {
  struct _nvrtcProgram *next;
  char *source;
  char *name;
  char *log;
  char *cubin;
  size_t cubin_size;
  bool compiled;
};

typedef struct {
  uintptr_t base;
  size_t size;
} td_alloc;

typedef struct {
  int major, minor;
  struct CUctx_st *primary;
} td_device;

static pthread_mutex_t td_lock_mutex = PTHREAD_MUTEX_INITIALIZER;

static struct {
  bool initialized;
  uint64_t generation;
  int device_count;
  td_device devices[FL_TEST_DRIVER_MAX_DEVICES];
  struct CUctx_st *contexts;
  td_alloc *allocs;
  size_t n_allocs, cap_allocs;
  struct CUmod_st *modules;
  td_binary *binaries;
  uint64_t next_binary_id;
  struct CUstream_st *streams;
  struct CUgraph_st *graphs;
  struct CUgraphExec_st *execs;
  struct _nvrtcProgram *programs;
  uint64_t compiles, module_loads, module_unloads;
  char *last_options, *last_name;
  uint64_t calls[TD_ENTRY_COUNT];
  CUresult faults[TD_ENTRY_COUNT][TD_MAX_FAULTS];
  unsigned n_faults[TD_ENTRY_COUNT];
  uint64_t countdown[TD_ENTRY_COUNT]; /* fail_nth: the call that brings it to 0 fails */
  CUresult countdown_result[TD_ENTRY_COUNT];
  fl_test_launch *log; /* ring of TD_LOG_SIZE */
  uint64_t launch_count;
  uint64_t misaligned, illegal, cross_ctx, violations;
} g;

static _Thread_local struct {
  uint64_t generation;
  struct CUctx_st *current;
  uint64_t id;
} tl;

static atomic_uint_fast64_t td_next_thread_id = 1;

static uint64_t
td_thread_id (void)
{
  if (!tl.id)
    tl.id = atomic_fetch_add (&td_next_thread_id, 1);
  return tl.id;
}

static void
td_oom (void)
{
  fprintf (stderr, "fl-test-driver: out of memory\n");
  abort ();
}

static void *
td_malloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (!p)
    td_oom ();
  return p;
}

static char *
td_strdup (const char *s)
{
  char *p = strdup (s);
  if (!p)
    td_oom ();
  return p;
}

static char *
td_strndup (const char *s, size_t n)
{
  char *p = strndup (s, n);
  if (!p)
    td_oom ();
  return p;
}

static uint64_t
td_fnv (uint64_t h, const void *data, size_t n)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++)
    {
      h ^= p[i];
      h *= 0x100000001b3ull;
    }
  return h;
}
#define TD_FNV_SEED 0xcbf29ce484222325ull

/* Locks, counts the call and takes an injected fault.  Returns true (unlocked) with *fault set
 * when the call must fail; otherwise returns false with the lock held. */
static bool
td_begin (int entry, CUresult *fault)
{
  pthread_mutex_lock (&td_lock_mutex);
  g.calls[entry]++;
  if (g.countdown[entry] > 0 && --g.countdown[entry] == 0)
    {
      *fault = g.countdown_result[entry];
      pthread_mutex_unlock (&td_lock_mutex);
      return true;
    }
  if (g.n_faults[entry] > 0)
    {
      *fault = g.faults[entry][0];
      memmove (&g.faults[entry][0], &g.faults[entry][1], (TD_MAX_FAULTS - 1) * sizeof (CUresult));
      g.n_faults[entry]--;
      pthread_mutex_unlock (&td_lock_mutex);
      return true;
    }
  return false;
}

static void
td_end (void)
{
  pthread_mutex_unlock (&td_lock_mutex);
}

#define TD_CALL(entry, expr)                                                                        \
  do                                                                                                \
    {                                                                                               \
      CUresult td_r_;                                                                               \
      if (td_begin (TD_##entry, &td_r_))                                                            \
        return td_r_;                                                                               \
      td_r_ = (expr);                                                                               \
      td_end ();                                                                                    \
      return td_r_;                                                                                 \
    }                                                                                               \
  while (0)

#define TD_NVRTC_CALL(entry, expr)                                                                  \
  do                                                                                                \
    {                                                                                               \
      CUresult td_r_;                                                                               \
      if (td_begin (TD_##entry, &td_r_))                                                            \
        return (nvrtcResult) td_r_;                                                                 \
      nvrtcResult td_n_ = (expr);                                                                   \
      td_end ();                                                                                    \
      return td_n_;                                                                                 \
    }                                                                                               \
  while (0)

/* ---- registries (lock held) --------------------------------------------------------------- */

static struct CUctx_st *
ctx_find_l (CUcontext c)
{
  for (struct CUctx_st *x = g.contexts; x; x = x->next)
    if (x == c)
      return x;
  return NULL;
}

static struct CUctx_st *
current_l (void)
{
  return tl.generation == g.generation ? tl.current : NULL;
}

static void
set_current_l (struct CUctx_st *c)
{
  tl.generation = g.generation;
  tl.current = c;
}

/* The calling thread's context if it can be used, else the error the driver gives. */
static CUresult
ctx_usable_l (struct CUctx_st **out)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  struct CUctx_st *c = current_l ();
  if (!c)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (c->destroyed)
    return CUDA_ERROR_CONTEXT_IS_DESTROYED;
  if (c->primary && c->refcount <= 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (c->sticky != CUDA_SUCCESS)
    return c->sticky;
  *out = c;
  return CUDA_SUCCESS;
}

static struct CUmod_st *
module_find_l (CUmodule m)
{
  for (struct CUmod_st *x = g.modules; x; x = x->next)
    if (x == m && x->loaded)
      return x;
  return NULL;
}

static struct CUfunc_st *
function_find_l (CUfunction f)
{
  if (!f)
    return NULL;
  for (struct CUmod_st *m = g.modules; m; m = m->next)
    for (struct CUfunc_st *x = m->functions; x; x = x->next)
      if (x == f)
        return m->loaded ? x : NULL;
  return NULL;
}

static struct CUstream_st *
stream_find_l (CUstream s)
{
  for (struct CUstream_st *x = g.streams; x; x = x->next)
    if (x == s)
      return x;
  return NULL;
}

static bool
stream_is_legacy (CUstream s)
{
  return s == NULL || s == CU_STREAM_LEGACY;
}

static struct CUgraph_st *
graph_find_l (CUgraph gr)
{
  for (struct CUgraph_st *x = g.graphs; x; x = x->next)
    if (x == gr)
      return x;
  return NULL;
}

static struct CUgraphExec_st *
exec_find_l (CUgraphExec e)
{
  for (struct CUgraphExec_st *x = g.execs; x; x = x->next)
    if (x == e)
      return x;
  return NULL;
}

static struct _nvrtcProgram *
program_find_l (nvrtcProgram p)
{
  for (struct _nvrtcProgram *x = g.programs; x; x = x->next)
    if (x == p)
      return x;
  return NULL;
}

static td_binary *
binary_find_l (uint64_t id)
{
  for (td_binary *b = g.binaries; b; b = b->next)
    if (b->id == id)
      return b;
  return NULL;
}

/* The allocation holding [p, p + n), or NULL. */
static td_alloc *
alloc_find_l (uintptr_t p, size_t n)
{
  for (size_t i = 0; i < g.n_allocs; i++)
    {
      td_alloc *a = &g.allocs[i];
      if (p >= a->base && p - a->base <= a->size && n <= a->size - (p - a->base))
        return a;
    }
  return NULL;
}

/* ---- capture rules (lock held) ------------------------------------------------------------ */

/* Whether the calling thread may make a "potentially unsafe" call (memory management,
 * synchronization): not while it runs a non-relaxed capture, nor while any thread runs a
 * global-mode capture.  On refusal the offending captures are invalidated. */
static CUresult
capture_check_unsafe_l (void)
{
  uint64_t me = td_thread_id ();
  bool refused = false;
  for (struct CUstream_st *s = g.streams; s; s = s->next)
    {
      if (s->capture == TD_CAPTURE_NONE)
        continue;
      bool forbids = s->mode == CU_STREAM_CAPTURE_MODE_GLOBAL
                     || (s->mode == CU_STREAM_CAPTURE_MODE_THREAD_LOCAL && s->capture_thread == me);
      if (forbids)
        {
          s->capture = TD_CAPTURE_INVALIDATED;
          refused = true;
        }
    }
  return refused ? CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED : CUDA_SUCCESS;
}

/* Work on the legacy stream synchronizes with every blocking stream of the context, which is
 * illegal while one of them captures: the driver invalidates the capture. */
static CUresult
capture_check_legacy_l (struct CUctx_st *ctx)
{
  bool refused = false;
  for (struct CUstream_st *s = g.streams; s; s = s->next)
    if (s->ctx == ctx && s->capture != TD_CAPTURE_NONE && !(s->flags & CU_STREAM_NON_BLOCKING))
      {
        s->capture = TD_CAPTURE_INVALIDATED;
        refused = true;
      }
  return refused ? CUDA_ERROR_STREAM_CAPTURE_IMPLICIT : CUDA_SUCCESS;
}

/* ---- freeing ------------------------------------------------------------------------------ */

static void
binary_free (td_binary *b)
{
  for (unsigned i = 0; i < b->n_options; i++)
    free (b->options[i]);
  free (b->options);
  for (unsigned i = 0; i < b->n_defines; i++)
    {
      free (b->defines[i].name);
      free (b->defines[i].value);
    }
  free (b->defines);
  for (unsigned i = 0; i < b->n_kernels; i++)
    free (b->kernels[i].name);
  free (b->kernels);
  free (b);
}

static void
graph_free (struct CUgraph_st *gr)
{
  for (size_t i = 0; i < gr->n_nodes; i++)
    free (gr->nodes[i]);
  free (gr->nodes);
  free (gr);
}

static void
program_free (struct _nvrtcProgram *p)
{
  free (p->source);
  free (p->name);
  free (p->log);
  free (p->cubin);
  free (p);
}

static void
module_mark_unloaded (struct CUmod_st *m)
{
  m->loaded = false;
}

static void
td_reset_l (void)
{
  for (struct CUctx_st *c = g.contexts, *n; c; c = n)
    {
      n = c->next;
      free (c);
    }
  for (size_t i = 0; i < g.n_allocs; i++)
    free ((void *) g.allocs[i].base);
  free (g.allocs);
  for (struct CUmod_st *m = g.modules, *n; m; m = n)
    {
      n = m->next;
      for (struct CUfunc_st *f = m->functions, *fn; f; f = fn)
        {
          fn = f->next;
          free (f);
        }
      free (m);
    }
  for (td_binary *b = g.binaries, *n; b; b = n)
    {
      n = b->next;
      binary_free (b);
    }
  for (struct CUstream_st *s = g.streams, *n; s; s = n)
    {
      n = s->next;
      if (s->pending)
        graph_free (s->pending);
      free (s);
    }
  for (struct CUgraph_st *gr = g.graphs, *n; gr; gr = n)
    {
      n = gr->next;
      graph_free (gr);
    }
  for (struct CUgraphExec_st *e = g.execs, *n; e; e = n)
    {
      n = e->next;
      free (e->nodes);
      free (e);
    }
  for (struct _nvrtcProgram *p = g.programs, *n; p; p = n)
    {
      n = p->next;
      program_free (p);
    }
  free (g.last_options);
  free (g.last_name);
  free (g.log);
  uint64_t generation = g.generation;
  memset (&g, 0, sizeof g);
  g.generation = generation + 1;
  g.device_count = 1;
  for (int i = 0; i < FL_TEST_DRIVER_MAX_DEVICES; i++)
    {
      g.devices[i].major = 9;
      g.devices[i].minor = 0;
    }
  g.log = td_malloc (TD_LOG_SIZE * sizeof *g.log);
}

/* Frees what the double holds at exit, so valgrind's leak check sees only the engine's leaks. */
static void
td_atexit (void)
{
  pthread_mutex_lock (&td_lock_mutex);
  td_reset_l ();
  free (g.log);
  g.log = NULL;
  pthread_mutex_unlock (&td_lock_mutex);
}

/* ---- error names -------------------------------------------------------------------------- */

static const struct {
  CUresult code;
  const char *name, *text;
} td_errors[] = {
  { CUDA_SUCCESS, "CUDA_SUCCESS", "no error" },
  { CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument" },
  { CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory" },
  { CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error" },
  { CUDA_ERROR_DEINITIALIZED, "CUDA_ERROR_DEINITIALIZED", "driver shutting down" },
  { CUDA_ERROR_STUB_LIBRARY, "CUDA_ERROR_STUB_LIBRARY", "CUDA driver is a stub library" },
  { CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected" },
  { CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal" },
  { CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid" },
  { CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context" },
  { CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device" },
  { CUDA_ERROR_INVALID_SOURCE, "CUDA_ERROR_INVALID_SOURCE", "device kernel image is invalid" },
  { CUDA_ERROR_FILE_NOT_FOUND, "CUDA_ERROR_FILE_NOT_FOUND", "file not found" },
  { CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle" },
  { CUDA_ERROR_ILLEGAL_STATE, "CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in the present state" },
  { CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found" },
  { CUDA_ERROR_NOT_READY, "CUDA_ERROR_NOT_READY", "device not ready" },
  { CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered" },
  { CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch" },
  { CUDA_ERROR_LAUNCH_TIMEOUT, "CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated" },
  { CUDA_ERROR_CONTEXT_IS_DESTROYED, "CUDA_ERROR_CONTEXT_IS_DESTROYED", "context is destroyed" },
  { CUDA_ERROR_MISALIGNED_ADDRESS, "CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address" },
  { CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure" },
  { CUDA_ERROR_NOT_PERMITTED, "CUDA_ERROR_NOT_PERMITTED", "operation not permitted" },
  { CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported" },
  { CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing" },
  { CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "operation failed due to a previous error during capture" },
  { CUDA_ERROR_STREAM_CAPTURE_MERGE, "CUDA_ERROR_STREAM_CAPTURE_MERGE", "operation would result in a merge of separate capture sequences" },
  { CUDA_ERROR_STREAM_CAPTURE_UNMATCHED, "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED", "capture was not ended in the same stream as it began" },
  { CUDA_ERROR_STREAM_CAPTURE_UNJOINED, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED", "capturing stream has unjoined work" },
  { CUDA_ERROR_STREAM_CAPTURE_ISOLATION, "CUDA_ERROR_STREAM_CAPTURE_ISOLATION", "dependency created on uncaptured work in another stream" },
  { CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT", "operation would make the legacy stream depend on a capturing blocking stream" },
  { CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD", "attempt to terminate a thread-local capture sequence from another thread" },
  { CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error" },
};

static CUresult
td_cuGetErrorName (CUresult error, const char **pStr)
{
  CUresult fault;
  if (td_begin (TD_cuGetErrorName, &fault))
    return fault;
  td_end ();
  if (!pStr)
    return CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; i < sizeof td_errors / sizeof td_errors[0]; i++)
    if (td_errors[i].code == error)
      {
        *pStr = td_errors[i].name;
        return CUDA_SUCCESS;
      }
  *pStr = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}

static CUresult
td_cuGetErrorString (CUresult error, const char **pStr)
{
  CUresult fault;
  if (td_begin (TD_cuGetErrorString, &fault))
    return fault;
  td_end ();
  if (!pStr)
    return CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; i < sizeof td_errors / sizeof td_errors[0]; i++)
    if (td_errors[i].code == error)
      {
        *pStr = td_errors[i].text;
        return CUDA_SUCCESS;
      }
  *pStr = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}

/* ---- init, devices ------------------------------------------------------------------------ */

static CUresult
init_l (unsigned flags)
{
  if (flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  g.initialized = true;
  return CUDA_SUCCESS;
}

static CUresult
td_cuInit (unsigned int flags)
{
  TD_CALL (cuInit, init_l (flags));
}

static CUresult
driver_version_l (int *v)
{
  if (!v)
    return CUDA_ERROR_INVALID_VALUE;
  *v = 13000;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDriverGetVersion (int *v)
{
  TD_CALL (cuDriverGetVersion, driver_version_l (v));
}

static CUresult
device_get_l (CUdevice *dev, int ordinal)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!dev)
    return CUDA_ERROR_INVALID_VALUE;
  if (ordinal < 0 || ordinal >= g.device_count)
    return CUDA_ERROR_INVALID_DEVICE;
  *dev = ordinal;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDeviceGet (CUdevice *dev, int ordinal)
{
  TD_CALL (cuDeviceGet, device_get_l (dev, ordinal));
}

static CUresult
device_count_l (int *count)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!count)
    return CUDA_ERROR_INVALID_VALUE;
  *count = g.device_count;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDeviceGetCount (int *count)
{
  TD_CALL (cuDeviceGetCount, device_count_l (count));
}

static bool
device_valid_l (CUdevice dev)
{
  return dev >= 0 && dev < g.device_count;
}

static CUresult
device_name_l (char *name, int len, CUdevice dev)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!name || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  snprintf (name, (size_t) len, "%s", FL_TEST_DRIVER_DEVICE_NAME);
  return CUDA_SUCCESS;
}

static CUresult
td_cuDeviceGetName (char *name, int len, CUdevice dev)
{
  TD_CALL (cuDeviceGetName, device_name_l (name, len, dev));
}

static CUresult
device_attribute_l (int *pi, CUdevice_attribute attrib, CUdevice dev)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pi || (int) attrib <= 0 || attrib >= CU_DEVICE_ATTRIBUTE_MAX)
    return CUDA_ERROR_INVALID_VALUE;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  int v = 0;
  switch (attrib)
    {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: v = g.devices[dev].major; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: v = g.devices[dev].minor; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: v = 132; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: v = 64; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: v = 2147483647; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: v = 65535; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: v = 65535; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: v = 49152; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: v = 232448; break;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: v = 32; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: v = 2048; break;
    case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: v = 1; break;
    default: v = 0; break;
    }
  *pi = v;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDeviceGetAttribute (int *pi, CUdevice_attribute attrib, CUdevice dev)
{
  TD_CALL (cuDeviceGetAttribute, device_attribute_l (pi, attrib, dev));
}

/* ---- contexts ----------------------------------------------------------------------------- */

static struct CUctx_st *
ctx_new_l (int device, bool primary)
{
  struct CUctx_st *c = td_malloc (sizeof *c);
  c->device = device;
  c->primary = primary;
  c->next = g.contexts;
  g.contexts = c;
  return c;
}

/* What the driver does to a context's resources when it goes away. */
static void
ctx_teardown_l (struct CUctx_st *c)
{
  for (struct CUmod_st *m = g.modules; m; m = m->next)
    if (m->ctx == c && m->loaded)
      module_mark_unloaded (m);
  for (struct CUstream_st **ps = &g.streams; *ps;)
    {
      struct CUstream_st *s = *ps;
      if (s->ctx == c)
        {
          *ps = s->next;
          if (s->pending)
            graph_free (s->pending);
          free (s);
        }
      else
        ps = &s->next;
    }
  c->sticky = CUDA_SUCCESS;
}

static CUresult
primary_retain_l (CUcontext *pctx, CUdevice dev)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pctx)
    return CUDA_ERROR_INVALID_VALUE;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  td_device *d = &g.devices[dev];
  if (!d->primary)
    d->primary = ctx_new_l (dev, true);
  d->primary->refcount++;
  *pctx = d->primary;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDevicePrimaryCtxRetain (CUcontext *pctx, CUdevice dev)
{
  TD_CALL (cuDevicePrimaryCtxRetain, primary_retain_l (pctx, dev));
}

static CUresult
primary_release_l (CUdevice dev)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  td_device *d = &g.devices[dev];
  if (!d->primary || d->primary->refcount <= 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (--d->primary->refcount == 0)
    ctx_teardown_l (d->primary); /* the primary context is reset when its last retain goes */
  return CUDA_SUCCESS;
}

static CUresult
td_cuDevicePrimaryCtxRelease (CUdevice dev)
{
  TD_CALL (cuDevicePrimaryCtxRelease, primary_release_l (dev));
}

static CUresult
ctx_create_l (CUcontext *pctx, unsigned flags, CUdevice dev)
{
  (void) flags;
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pctx)
    return CUDA_ERROR_INVALID_VALUE;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  struct CUctx_st *c = ctx_new_l (dev, false);
  set_current_l (c); /* cuCtxCreate pushes the new context onto the calling thread */
  *pctx = c;
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxCreate (CUcontext *pctx, unsigned int flags, CUdevice dev)
{
  TD_CALL (cuCtxCreate, ctx_create_l (pctx, flags, dev));
}

static CUresult
ctx_destroy_l (CUcontext ctx)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  struct CUctx_st *c = ctx_find_l (ctx);
  if (!c || c->destroyed || c->primary)
    return CUDA_ERROR_INVALID_CONTEXT;
  ctx_teardown_l (c);
  c->destroyed = true;
  if (current_l () == c)
    set_current_l (NULL);
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxDestroy (CUcontext ctx)
{
  TD_CALL (cuCtxDestroy, ctx_destroy_l (ctx));
}

static CUresult
ctx_get_current_l (CUcontext *pctx)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pctx)
    return CUDA_ERROR_INVALID_VALUE;
  *pctx = current_l ();
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxGetCurrent (CUcontext *pctx)
{
  TD_CALL (cuCtxGetCurrent, ctx_get_current_l (pctx));
}

static CUresult
ctx_set_current_l (CUcontext ctx)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!ctx)
    {
      set_current_l (NULL);
      return CUDA_SUCCESS;
    }
  struct CUctx_st *c = ctx_find_l (ctx);
  if (!c)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (c->destroyed)
    return CUDA_ERROR_CONTEXT_IS_DESTROYED;
  set_current_l (c);
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxSetCurrent (CUcontext ctx)
{
  TD_CALL (cuCtxSetCurrent, ctx_set_current_l (ctx));
}

static CUresult
ctx_get_device_l (CUdevice *dev)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!dev)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUctx_st *c = current_l ();
  if (!c)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (c->destroyed)
    return CUDA_ERROR_CONTEXT_IS_DESTROYED;
  *dev = c->device;
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxGetDevice (CUdevice *dev)
{
  TD_CALL (cuCtxGetDevice, ctx_get_device_l (dev));
}

static CUresult
ctx_synchronize_l (void)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  return capture_check_unsafe_l ();
}

static CUresult
td_cuCtxSynchronize (void)
{
  TD_CALL (cuCtxSynchronize, ctx_synchronize_l ());
}

/* ---- memory ------------------------------------------------------------------------------- */

static CUresult
mem_alloc_l (CUdeviceptr *dptr, size_t bytesize)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (!dptr || bytesize == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = capture_check_unsafe_l ()) != CUDA_SUCCESS)
    return r;
  if (bytesize > ((size_t) 1 << 36))
    return CUDA_ERROR_OUT_OF_MEMORY;
  size_t rounded = (bytesize + 255) & ~(size_t) 255;
  void *p = aligned_alloc (256, rounded);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  memset (p, 0xa5, rounded); /* device memory is not zeroed: make stale reads visible */
  if (g.n_allocs == g.cap_allocs)
    {
      size_t cap = g.cap_allocs ? g.cap_allocs * 2 : 64;
      td_alloc *a = realloc (g.allocs, cap * sizeof *a);
      if (!a)
        td_oom ();
      g.allocs = a;
      g.cap_allocs = cap;
    }
  g.allocs[g.n_allocs++] = (td_alloc){ .base = (uintptr_t) p, .size = bytesize };
  *dptr = (CUdeviceptr) (uintptr_t) p;
  return CUDA_SUCCESS;
}

static CUresult
td_cuMemAlloc (CUdeviceptr *dptr, size_t bytesize)
{
  TD_CALL (cuMemAlloc, mem_alloc_l (dptr, bytesize));
}

static CUresult
mem_free_l (CUdeviceptr dptr)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (dptr == 0)
    return CUDA_SUCCESS;
  if ((r = capture_check_unsafe_l ()) != CUDA_SUCCESS)
    return r;
  for (size_t i = 0; i < g.n_allocs; i++)
    if (g.allocs[i].base == (uintptr_t) dptr)
      {
        free ((void *) g.allocs[i].base);
        g.allocs[i] = g.allocs[--g.n_allocs];
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_INVALID_VALUE;
}

static CUresult
td_cuMemFree (CUdeviceptr dptr)
{
  TD_CALL (cuMemFree, mem_free_l (dptr));
}

/* The legacy-stream synchronous copies and memset. */
static CUresult
mem_sync_op_check_l (CUdeviceptr dptr, size_t n)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (n == 0)
    return CUDA_SUCCESS;
  if ((r = capture_check_unsafe_l ()) != CUDA_SUCCESS)
    return r;
  if ((r = capture_check_legacy_l (c)) != CUDA_SUCCESS)
    return r;
  if (!alloc_find_l ((uintptr_t) dptr, n))
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

static CUresult
memcpy_htod_l (CUdeviceptr dst, const void *src, size_t n)
{
  CUresult r = mem_sync_op_check_l (dst, n);
  if (r != CUDA_SUCCESS || n == 0)
    return r;
  if (!src)
    return CUDA_ERROR_INVALID_VALUE;
  memmove ((void *) (uintptr_t) dst, src, n);
  return CUDA_SUCCESS;
}

static CUresult
td_cuMemcpyHtoD (CUdeviceptr dst, const void *src, size_t n)
{
  TD_CALL (cuMemcpyHtoD, memcpy_htod_l (dst, src, n));
}

static CUresult
memcpy_dtoh_l (void *dst, CUdeviceptr src, size_t n)
{
  CUresult r = mem_sync_op_check_l (src, n);
  if (r != CUDA_SUCCESS || n == 0)
    return r;
  if (!dst)
    return CUDA_ERROR_INVALID_VALUE;
  memmove (dst, (const void *) (uintptr_t) src, n);
  return CUDA_SUCCESS;
}

static CUresult
td_cuMemcpyDtoH (void *dst, CUdeviceptr src, size_t n)
{
  TD_CALL (cuMemcpyDtoH, memcpy_dtoh_l (dst, src, n));
}

static CUresult
memset_d8_l (CUdeviceptr dst, unsigned char uc, size_t n)
{
  CUresult r = mem_sync_op_check_l (dst, n);
  if (r != CUDA_SUCCESS || n == 0)
    return r;
  memset ((void *) (uintptr_t) dst, uc, n);
  return CUDA_SUCCESS;
}

static CUresult
td_cuMemsetD8 (CUdeviceptr dst, unsigned char uc, size_t n)
{
  TD_CALL (cuMemsetD8, memset_d8_l (dst, uc, n));
}

/* ---- source scanning (for NVRTC) ---------------------------------------------------------- */

/* A copy of src with comments, string and character literals blanked (newlines kept), so the
 * scanners below see only code and line numbers stay right. */
static char *
source_code_only (const char *src)
{
  char *s = td_strdup (src);
  size_t n = strlen (s);
  for (size_t i = 0; i < n;)
    {
      if (s[i] == '/' && i + 1 < n && s[i + 1] == '/')
        {
          while (i < n && s[i] != '\n')
            s[i++] = ' ';
        }
      else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*')
        {
          s[i++] = ' ';
          s[i++] = ' ';
          while (i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/'))
            {
              if (s[i] != '\n')
                s[i] = ' ';
              i++;
            }
          for (int k = 0; k < 2 && i < n; k++)
            s[i++] = ' ';
        }
      else if (s[i] == '"' || s[i] == '\'')
        {
          char q = s[i++];
          while (i < n && s[i] != q && s[i] != '\n')
            {
              if (s[i] == '\\' && i + 1 < n)
                s[i++] = ' ';
              s[i++] = ' ';
            }
          if (i < n && s[i] == q)
            i++;
        }
      else
        i++;
    }
  return s;
}

static bool
is_ident_start (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident_char (char c)
{
  return is_ident_start (c) || (c >= '0' && c <= '9');
}

/* Position of the first whole-word occurrence of word in s, or NULL. */
static const char *
find_word (const char *s, const char *word)
{
  size_t n = strlen (word);
  for (const char *p = strstr (s, word); p; p = strstr (p + 1, word))
    if ((p == s || !is_ident_char (p[-1])) && !is_ident_char (p[n]))
      return p;
  return NULL;
}

static const char *
skip_space (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\\')
    p++;
  return p;
}

/* p at '(' : returns the position after the matching ')' (or the end), counting top-level
 * commas in *commas and whether anything but whitespace or `void` is inside. */
static const char *
skip_parens (const char *p, int *commas, bool *nonempty)
{
  int depth = 0;
  const char *start = p + 1;
  *commas = 0;
  for (; *p; p++)
    {
      if (*p == '(' || *p == '[' || *p == '{')
        depth++;
      else if (*p == ')' || *p == ']' || *p == '}')
        {
          if (--depth == 0)
            {
              const char *q = skip_space (start);
              *nonempty = q < p && !(strncmp (q, "void", 4) == 0 && skip_space (q + 4) == p);
              return p + 1;
            }
        }
      else if (*p == ',' && depth == 1)
        (*commas)++;
    }
  *nonempty = true;
  return p;
}

/* Finds every __global__ function: its name and declared parameter count. */
static void
scan_kernels (const char *code, td_kernel **out, unsigned *n_out)
{
  td_kernel *k = NULL;
  unsigned n = 0;
  for (const char *p = find_word (code, "__global__"); p; p = find_word (p + 1, "__global__"))
    {
      const char *q = p + strlen ("__global__");
      while (*q && *q != ';' && *q != '{')
        {
          if (!is_ident_start (*q))
            {
              q++;
              continue;
            }
          const char *id = q;
          while (is_ident_char (*q))
            q++;
          size_t len = (size_t) (q - id);
          const char *after = skip_space (q);
          if (*after != '(')
            continue;
          int commas;
          bool nonempty;
          const char *end = skip_parens (after, &commas, &nonempty);
          bool attribute = (len == 17 && strncmp (id, "__launch_bounds__", len) == 0)
                           || (len == 13 && strncmp (id, "__attribute__", len) == 0)
                           || (len == 11 && strncmp (id, "__maxnreg__", len) == 0)
                           || (len == 16 && strncmp (id, "__cluster_dims__", len) == 0)
                           || (len == 7 && strncmp (id, "alignas", len) == 0);
          if (attribute)
            {
              q = end;
              continue;
            }
          k = realloc (k, (n + 1) * sizeof *k);
          if (!k)
            td_oom ();
          k[n].name = td_strndup (id, len);
          k[n].n_params = nonempty ? commas + 1 : 0;
          n++;
          break;
        }
    }
  *out = k;
  *n_out = n;
}

/* ---- NVRTC options ------------------------------------------------------------------------ */

typedef struct {
  const char *long_name, *short_name;
  int arg; /* 0 none, 1 required, 2 optional (only with '=') */
} td_option;

static const td_option td_options[] = {
  { "gpu-architecture", "arch", 1 }, { "device-c", "dc", 0 }, { "device-w", "dw", 0 },
  { "relocatable-device-code", "rdc", 1 }, { "extensible-whole-program", "ewp", 0 },
  { "device-debug", "G", 0 }, { "generate-line-info", "lineinfo", 0 }, { "dopt", "dopt", 1 },
  { "Ofast-compile", "Ofc", 1 }, { "ptxas-options", "Xptxas", 1 }, { "maxrregcount", "maxrregcount", 1 },
  { "ftz", "ftz", 1 }, { "prec-sqrt", "prec-sqrt", 1 }, { "prec-div", "prec-div", 1 }, { "fmad", "fmad", 1 },
  { "use_fast_math", "use_fast_math", 0 }, { "extra-device-vectorization", "extra-device-vectorization", 0 },
  { "modify-stack-limit", "modify-stack-limit", 1 }, { "dlink-time-opt", "dlto", 0 },
  { "gen-opt-lto", "gen-opt-lto", 0 }, { "optix-ir", "optix-ir", 0 }, { "jump-table-density", "jtd", 1 },
  { "device-stack-protector", "device-stack-protector", 2 }, { "no-cache", "no-cache", 0 },
  { "frandom-seed", "frandom-seed", 1 }, { "define-macro", "D", 1 }, { "undefine-macro", "U", 1 },
  { "include-path", "I", 1 }, { "pre-include", "include", 1 }, { "no-source-include", "no-source-include", 0 },
  { "std", "std", 1 }, { "builtin-move-forward", "builtin-move-forward", 1 },
  { "builtin-initializer-list", "builtin-initializer-list", 1 }, { "pch", "pch", 0 },
  { "create-pch", "create-pch", 1 }, { "use-pch", "use-pch", 1 }, { "pch-dir", "pch-dir", 1 },
  { "pch-verbose", "pch-verbose", 1 }, { "pch-messages", "pch-messages", 1 },
  { "instantiate-templates-in-pch", "instantiate-templates-in-pch", 1 }, { "disable-warnings", "w", 0 },
  { "restrict", "restrict", 0 }, { "device-as-default-execution-space", "default-device", 0 },
  { "device-int128", "device-int128", 0 }, { "device-float128", "device-float128", 0 },
  { "optimization-info", "opt-info", 1 }, { "display-error-number", "err-no", 0 },
  { "no-display-error-number", "no-err-no", 0 }, { "diag-error", "diag-error", 1 },
  { "diag-suppress", "diag-suppress", 1 }, { "diag-warn", "diag-warn", 1 },
  { "brief-diagnostics", "brief-diag", 1 }, { "time", "time", 1 }, { "split-compile", "split-compile", 1 },
  { "fdevice-syntax-only", "fdevice-syntax-only", 0 }, { "minimal", "minimal", 0 },
  { "fdevice-time-trace", "fdevice-time-trace", 1 },
};

typedef struct {
  const td_option *option;
  const char *value; /* NULL when none */
} td_parsed_option;

/* Parses options[*i] (and options[*i + 1] for a separate argument).  Returns false with a
 * message in why when NVRTC would reject it. */
static bool
parse_option (int n, const char *const *options, int *i, td_parsed_option *out, char *why, size_t why_size)
{
  const char *o = options[*i];
  if (!o || o[0] != '-')
    {
      snprintf (why, why_size, "nvrtc: error: unrecognized option '%s'", o ? o : "(null)");
      return false;
    }
  bool is_long = o[1] == '-';
  const char *name = o + (is_long ? 2 : 1);
  for (size_t k = 0; k < sizeof td_options / sizeof td_options[0]; k++)
    {
      const td_option *t = &td_options[k];
      const char *want = is_long ? t->long_name : t->short_name;
      size_t len = strlen (want);
      if (strncmp (name, want, len) != 0)
        continue;
      const char *rest = name + len;
      bool single_char = !is_long && len == 1 && (want[0] == 'D' || want[0] == 'U' || want[0] == 'I');
      if (*rest == '\0')
        {
          if (t->arg == 1)
            {
              if (*i + 1 >= n || !options[*i + 1])
                {
                  snprintf (why, why_size, "nvrtc: error: option '%s' needs an argument", o);
                  return false;
                }
              out->option = t;
              out->value = options[++*i];
              return true;
            }
          out->option = t;
          out->value = NULL;
          return true;
        }
      if (*rest == '=' && t->arg != 0)
        {
          out->option = t;
          out->value = rest + 1;
          return true;
        }
      if (single_char)
        {
          while (*rest == ' ')
            rest++;
          out->option = t;
          out->value = rest;
          return true;
        }
    }
  snprintf (why, why_size, "nvrtc: error: unrecognized option '%s'", o);
  return false;
}

static bool
parse_arch (const char *value, bool *virtual_arch, int *major, int *minor, bool *specific)
{
  static const int known[] = { 75, 80, 86, 87, 89, 90, 100, 101, 103, 120, 121 };
  const char *p;
  if (strncmp (value, "sm_", 3) == 0)
    {
      *virtual_arch = false;
      p = value + 3;
    }
  else if (strncmp (value, "compute_", 8) == 0)
    {
      *virtual_arch = true;
      p = value + 8;
    }
  else
    return false;
  char *end;
  long v = strtol (p, &end, 10);
  if (end == p)
    return false;
  bool ok = false;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    ok = ok || v == known[i];
  if (!ok)
    return false;
  *specific = false;
  if (*end == 'a' || *end == 'f')
    {
      if (v < 90 || (v == 90 && *end == 'f'))
        return false;
      *specific = *end == 'a';
      end++;
    }
  if (*end)
    return false;
  *major = (int) (v / 10);
  *minor = (int) (v % 10);
  return true;
}

/* ---- NVRTC -------------------------------------------------------------------------------- */

static const char *
nvrtc_error_string (nvrtcResult r)
{
  switch (r)
    {
    case NVRTC_SUCCESS: return "NVRTC_SUCCESS";
    case NVRTC_ERROR_OUT_OF_MEMORY: return "NVRTC_ERROR_OUT_OF_MEMORY";
    case NVRTC_ERROR_PROGRAM_CREATION_FAILURE: return "NVRTC_ERROR_PROGRAM_CREATION_FAILURE";
    case NVRTC_ERROR_INVALID_INPUT: return "NVRTC_ERROR_INVALID_INPUT";
    case NVRTC_ERROR_INVALID_PROGRAM: return "NVRTC_ERROR_INVALID_PROGRAM";
    case NVRTC_ERROR_INVALID_OPTION: return "NVRTC_ERROR_INVALID_OPTION";
    case NVRTC_ERROR_COMPILATION: return "NVRTC_ERROR_COMPILATION";
    case NVRTC_ERROR_BUILTIN_OPERATION_FAILURE: return "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE";
    case NVRTC_ERROR_INTERNAL_ERROR: return "NVRTC_ERROR_INTERNAL_ERROR";
    default: return "NVRTC_ERROR unknown";
    }
}

static nvrtcResult
td_nvrtcVersion (int *major, int *minor)
{
  CUresult fault;
  if (td_begin (TD_nvrtcVersion, &fault))
    return (nvrtcResult) fault;
  td_end ();
  if (!major || !minor)
    return NVRTC_ERROR_INVALID_INPUT;
  *major = 13;
  *minor = 0;
  return NVRTC_SUCCESS;
}

static const char *
td_nvrtcGetErrorString (nvrtcResult result)
{
  pthread_mutex_lock (&td_lock_mutex);
  g.calls[TD_nvrtcGetErrorString]++;
  pthread_mutex_unlock (&td_lock_mutex);
  return nvrtc_error_string (result);
}

static nvrtcResult
create_program_l (nvrtcProgram *prog, const char *src, const char *name, int num_headers)
{
  if (num_headers < 0)
    return NVRTC_ERROR_INVALID_INPUT;
  if (!prog)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!src)
    return NVRTC_ERROR_INVALID_INPUT;
  struct _nvrtcProgram *p = td_malloc (sizeof *p);
  p->source = td_strdup (src);
  p->name = td_strdup (name ? name : "default_program");
  p->log = td_strdup ("");
  p->next = g.programs;
  g.programs = p;
  *prog = p;
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcCreateProgram (nvrtcProgram *prog, const char *src, const char *name, int num_headers,
                       const char *const *headers, const char *const *include_names)
{
  (void) headers;
  (void) include_names;
  TD_NVRTC_CALL (nvrtcCreateProgram, create_program_l (prog, src, name, num_headers));
}

typedef struct {
  char *buf;
  size_t len, cap;
} td_buf;

static void
buf_add (td_buf *b, const void *data, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      size_t cap = b->cap ? b->cap : 256;
      while (b->len + n + 1 > cap)
        cap *= 2;
      char *p = realloc (b->buf, cap);
      if (!p)
        td_oom ();
      b->buf = p;
      b->cap = cap;
    }
  memcpy (b->buf + b->len, data, n);
  b->len += n;
  b->buf[b->len] = '\0';
}

static void
buf_printf (td_buf *b, const char *fmt, ...)
{
  char tmp[4096];
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (tmp, sizeof tmp, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  if ((size_t) n < sizeof tmp)
    {
      buf_add (b, tmp, (size_t) n);
      return;
    }
  char *big = td_malloc ((size_t) n + 1);
  va_start (ap, fmt);
  vsnprintf (big, (size_t) n + 1, fmt, ap);
  va_end (ap);
  buf_add (b, big, (size_t) n);
  free (big);
}

#define TD_CUBIN_MAGIC "FLFAKECUBIN\n"

/* The fake cubin:
 *   FLFAKECUBIN
 *   size <10 digits: the whole image in bytes>
 *   check <16 hex: FNV-1a of everything after this line>
 *   arch sm_<NN>[a]
 *   source-hash <16 hex>
 *   option <each compile option, one per line>
 *   kernel <name> <parameter count>
 *   nul <a NUL byte, as real cubins have>
 *   end                                                                                       */
static void
build_cubin (struct _nvrtcProgram *p, const char *arch, int n_options, const char *const *options,
             const td_kernel *kernels, unsigned n_kernels)
{
  td_buf body = { 0 };
  buf_printf (&body, "arch %s\n", arch);
  buf_printf (&body, "source-hash %016" PRIx64 "\n", td_fnv (TD_FNV_SEED, p->source, strlen (p->source)));
  for (int i = 0; i < n_options; i++)
    buf_printf (&body, "option %s\n", options[i]);
  for (unsigned i = 0; i < n_kernels; i++)
    buf_printf (&body, "kernel %s %d\n", kernels[i].name, kernels[i].n_params);
  buf_add (&body, "nul ", 4);
  buf_add (&body, "\0\n", 2);
  buf_add (&body, "end\n", 4);

  size_t head_len = strlen (TD_CUBIN_MAGIC) + strlen ("size 0000000000\n") + strlen ("check 0000000000000000\n");
  td_buf out = { 0 };
  buf_add (&out, TD_CUBIN_MAGIC, strlen (TD_CUBIN_MAGIC));
  buf_printf (&out, "size %010zu\n", head_len + body.len);
  buf_printf (&out, "check %016" PRIx64 "\n", td_fnv (TD_FNV_SEED, body.buf, body.len));
  buf_add (&out, body.buf, body.len);
  free (body.buf);
  p->cubin = out.buf;
  p->cubin_size = out.len;
}

static nvrtcResult
compile_program_l (nvrtcProgram prog, int num_options, const char *const *options)
{
  struct _nvrtcProgram *p = program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (num_options < 0 || (num_options > 0 && !options))
    return NVRTC_ERROR_INVALID_INPUT;

  g.compiles++;
  td_buf opts = { 0 };
  for (int i = 0; i < num_options; i++)
    buf_printf (&opts, "%s\n", options[i] ? options[i] : "(null)");
  free (g.last_options);
  g.last_options = opts.buf ? opts.buf : td_strdup ("");
  free (g.last_name);
  g.last_name = td_strdup (p->name);

  free (p->log);
  p->log = NULL;
  free (p->cubin);
  p->cubin = NULL;
  p->cubin_size = 0;
  p->compiled = false;

  char why[512];
  const char *arch = "compute_75"; /* NVRTC's default */
  bool virtual_arch = true, specific = false;
  int major = 7, minor = 5;
  for (int i = 0; i < num_options; i++)
    {
      td_parsed_option po;
      if (!parse_option (num_options, options, &i, &po, why, sizeof why))
        {
          p->log = td_strdup (why);
          return NVRTC_ERROR_INVALID_OPTION;
        }
      if (strcmp (po.option->long_name, "gpu-architecture") == 0)
        {
          if (!parse_arch (po.value, &virtual_arch, &major, &minor, &specific))
            {
              snprintf (why, sizeof why, "nvrtc: error: invalid value '%s' for option --gpu-architecture (-arch)",
                        po.value);
              p->log = td_strdup (why);
              return NVRTC_ERROR_INVALID_OPTION;
            }
          arch = po.value;
        }
    }

  char *code = source_code_only (p->source);
  const char *marker = find_word (code, "FL_TEST_COMPILE_ERROR");
  if (marker)
    {
      int line = 1;
      for (const char *c = code; c < marker; c++)
        line += *c == '\n';
      td_buf log = { 0 };
      buf_printf (&log,
                  "%s(%d): error: identifier \"FL_TEST_COMPILE_ERROR\" is undefined\n\n"
                  "1 error detected in the compilation of \"%s\".\n",
                  p->name, line, p->name);
      p->log = log.buf;
      free (code);
      return NVRTC_ERROR_COMPILATION;
    }

  td_kernel *kernels;
  unsigned n_kernels;
  scan_kernels (code, &kernels, &n_kernels);
  if (!virtual_arch)
    build_cubin (p, arch, num_options, options, kernels, n_kernels);
  for (unsigned i = 0; i < n_kernels; i++)
    free (kernels[i].name);
  free (kernels);
  free (code);
  p->log = td_strdup ("");
  p->compiled = true;
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcCompileProgram (nvrtcProgram prog, int num_options, const char *const *options)
{
  TD_NVRTC_CALL (nvrtcCompileProgram, compile_program_l (prog, num_options, options));
}

static nvrtcResult
log_size_l (nvrtcProgram prog, size_t *size)
{
  struct _nvrtcProgram *p = program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!size)
    return NVRTC_ERROR_INVALID_INPUT;
  *size = (p->log ? strlen (p->log) : 0) + 1;
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcGetProgramLogSize (nvrtcProgram prog, size_t *size)
{
  TD_NVRTC_CALL (nvrtcGetProgramLogSize, log_size_l (prog, size));
}

static nvrtcResult
log_l (nvrtcProgram prog, char *log)
{
  struct _nvrtcProgram *p = program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!log)
    return NVRTC_ERROR_INVALID_INPUT;
  strcpy (log, p->log ? p->log : "");
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcGetProgramLog (nvrtcProgram prog, char *log)
{
  TD_NVRTC_CALL (nvrtcGetProgramLog, log_l (prog, log));
}

static nvrtcResult
cubin_size_l (nvrtcProgram prog, size_t *size)
{
  struct _nvrtcProgram *p = program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!size)
    return NVRTC_ERROR_INVALID_INPUT;
  if (!p->compiled)
    return NVRTC_ERROR_INVALID_PROGRAM;
  *size = p->cubin_size; /* 0 for a virtual arch, as NVRTC documents */
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcGetCUBINSize (nvrtcProgram prog, size_t *size)
{
  TD_NVRTC_CALL (nvrtcGetCUBINSize, cubin_size_l (prog, size));
}

static nvrtcResult
cubin_l (nvrtcProgram prog, char *cubin)
{
  struct _nvrtcProgram *p = program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!cubin || !p->compiled || !p->cubin)
    return NVRTC_ERROR_INVALID_INPUT;
  memcpy (cubin, p->cubin, p->cubin_size);
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcGetCUBIN (nvrtcProgram prog, char *cubin)
{
  TD_NVRTC_CALL (nvrtcGetCUBIN, cubin_l (prog, cubin));
}

static nvrtcResult
destroy_program_l (nvrtcProgram *prog)
{
  if (!prog)
    return NVRTC_ERROR_INVALID_PROGRAM;
  for (struct _nvrtcProgram **pp = &g.programs; *pp; pp = &(*pp)->next)
    if (*pp == *prog)
      {
        struct _nvrtcProgram *p = *pp;
        *pp = p->next;
        program_free (p);
        *prog = NULL;
        return NVRTC_SUCCESS;
      }
  return NVRTC_ERROR_INVALID_PROGRAM;
}

static nvrtcResult
td_nvrtcDestroyProgram (nvrtcProgram *prog)
{
  TD_NVRTC_CALL (nvrtcDestroyProgram, destroy_program_l (prog));
}

/* ---- modules ------------------------------------------------------------------------------ */

/* Compares a prefix byte by byte, never reading past the first difference. */
static bool
image_has_prefix (const char *image, const char *prefix)
{
  for (size_t i = 0; prefix[i]; i++)
    if (image[i] != prefix[i])
      return false;
  return true;
}

static bool
parse_hex16 (const char *p, uint64_t *out)
{
  uint64_t v = 0;
  for (int i = 0; i < 16; i++)
    {
      char c = p[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0)
        return false;
      v = v << 4 | (uint64_t) d;
    }
  *out = v;
  return true;
}

static void
binary_add_define (td_binary *b, const char *def)
{
  const char *eq = strchr (def, '=');
  b->defines = realloc (b->defines, (b->n_defines + 1) * sizeof *b->defines);
  if (!b->defines)
    td_oom ();
  td_define *d = &b->defines[b->n_defines++];
  d->name = eq ? td_strndup (def, (size_t) (eq - def)) : td_strdup (def);
  d->value = td_strdup (eq ? eq + 1 : "1");
}

static const char *
binary_define (const td_binary *b, const char *name)
{
  const char *value = NULL; /* the last definition wins, as with the preprocessor */
  for (unsigned i = 0; i < b->n_defines; i++)
    if (strcmp (b->defines[i].name, name) == 0)
      value = b->defines[i].value;
  return value;
}

static bool
binary_define_int (const td_binary *b, const char *name, int64_t *value)
{
  const char *v = binary_define (b, name);
  if (!v)
    return false;
  char *end;
  long long x = strtoll (v, &end, 0);
  if (end == v || *end)
    return false;
  *value = x;
  return true;
}

/* Parses a fake cubin; NULL when the driver would reject it. */
static td_binary *
parse_cubin (const char *image)
{
  size_t magic_len = strlen (TD_CUBIN_MAGIC);
  if (!image_has_prefix (image, TD_CUBIN_MAGIC) || !image_has_prefix (image + magic_len, "size "))
    return NULL;
  const char *p = image + magic_len + 5;
  size_t size = 0;
  for (int i = 0; i < 10; i++)
    {
      if (p[i] < '0' || p[i] > '9')
        return NULL;
      size = size * 10 + (size_t) (p[i] - '0');
    }
  p += 10;
  if (!image_has_prefix (p, "\ncheck "))
    return NULL;
  p += 7;
  uint64_t check;
  if (!parse_hex16 (p, &check) || p[16] != '\n')
    return NULL;
  p += 17;
  size_t head = (size_t) (p - image);
  if (size < head + 4)
    return NULL;
  const char *end = image + size;
  if (td_fnv (TD_FNV_SEED, p, (size_t) (end - p)) != check || memcmp (end - 4, "end\n", 4) != 0)
    return NULL;

  td_binary *b = td_malloc (sizeof *b);
  bool have_arch = false, have_hash = false, ok = true;
  while (ok && p < end)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      if (!nl)
        {
          ok = false;
          break;
        }
      size_t len = (size_t) (nl - p);
      char *line = td_strndup (p, len);
      if (len == 3 && strcmp (line, "end") == 0)
        {
          free (line);
          p = nl + 1;
          ok = p == end;
          break;
        }
      if (len == 5 && memcmp (p, "nul \0", 5) == 0)
        ;
      else if (strncmp (line, "arch sm_", 8) == 0)
        {
          bool virt, specific;
          ok = parse_arch (line + 5, &virt, &b->arch_major, &b->arch_minor, &specific) && !virt;
          b->arch_specific = specific;
          have_arch = true;
        }
      else if (strncmp (line, "source-hash ", 12) == 0)
        ok = have_hash = parse_hex16 (line + 12, &b->source_hash);
      else if (strncmp (line, "option ", 7) == 0)
        {
          b->options = realloc (b->options, (b->n_options + 1) * sizeof *b->options);
          if (!b->options)
            td_oom ();
          b->options[b->n_options++] = td_strdup (line + 7);
        }
      else if (strncmp (line, "kernel ", 7) == 0)
        {
          char *sp = strrchr (line + 7, ' ');
          if (!sp)
            ok = false;
          else
            {
              b->kernels = realloc (b->kernels, (b->n_kernels + 1) * sizeof *b->kernels);
              if (!b->kernels)
                td_oom ();
              b->kernels[b->n_kernels].name = td_strndup (line + 7, (size_t) (sp - (line + 7)));
              b->kernels[b->n_kernels].n_params = atoi (sp + 1);
              b->n_kernels++;
            }
        }
      else
        ok = false;
      free (line);
      p = nl + 1;
    }
  if (!ok || !have_arch || !have_hash)
    {
      binary_free (b);
      return NULL;
    }

  /* The defines, in NVRTC's three spellings: -DX=1, -D X=1 (one string), --define-macro=X=1,
   * and the two-string forms -D / --define-macro followed by the definition. */
  for (unsigned i = 0; i < b->n_options; i++)
    {
      const char *o = b->options[i];
      const char *def = NULL;
      if (strncmp (o, "--define-macro", 14) == 0)
        def = o[14] == '=' ? o + 15 : o[14] == '\0' && i + 1 < b->n_options ? b->options[++i] : NULL;
      else if (strncmp (o, "-D", 2) == 0)
        {
          def = o + 2;
          if (*def == '=')
            def++;
          while (*def == ' ')
            def++;
          if (*def == '\0')
            def = i + 1 < b->n_options ? b->options[++i] : NULL;
        }
      if (def && *def)
        binary_add_define (b, def);
    }

  for (unsigned i = 0; i < FL_MAX_ARGS; i++)
    {
      static const char *const prefixes[4] = { "FL_CONSTEXPR_ARG", "FL_ALIGN16_ARG", "FL_ONE_ARG", "FL_DIV16_ARG" };
      int8_t *fields[4] = { &b->spec[i].constexpr_, &b->spec[i].align16, &b->spec[i].one, &b->spec[i].div16 };
      for (int k = 0; k < 4; k++)
        {
          char name[64];
          int64_t v;
          snprintf (name, sizeof name, "%s%u", prefixes[k], i);
          *fields[k] = binary_define_int (b, name, &v) ? (int8_t) (v != 0) : binary_define (b, name) ? 1 : -1;
        }
    }
  int64_t v;
  b->all_aligned = binary_define_int (b, "FL_ALL_ALIGNED", &v) && v != 0;
  /* The built-in add kernel's parameter count follows FL_NPTRS. */
  if (binary_define_int (b, "FL_NPTRS", &v) && v > 0 && v < FL_MAX_ARGS)
    {
      b->nptrs = v;
      for (unsigned i = 0; i < b->n_kernels; i++)
        if (strcmp (b->kernels[i].name, "add") == 0)
          b->kernels[i].n_params = (int) v + 1;
    }
  return b;
}

static CUresult
module_load_l (CUmodule *module, const void *image)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (!module || !image)
    return CUDA_ERROR_INVALID_VALUE;
  td_binary *b = parse_cubin (image);
  if (!b)
    return CUDA_ERROR_INVALID_IMAGE;
  const td_device *d = &g.devices[c->device];
  if (b->arch_major != d->major || b->arch_minor > d->minor || (b->arch_specific && b->arch_minor != d->minor))
    {
      binary_free (b);
      return CUDA_ERROR_NO_BINARY_FOR_GPU;
    }
  b->id = ++g.next_binary_id;
  b->next = g.binaries;
  g.binaries = b;
  struct CUmod_st *m = td_malloc (sizeof *m);
  m->ctx = c;
  m->binary = b;
  m->loaded = true;
  m->next = g.modules;
  g.modules = m;
  g.module_loads++;
  *module = m;
  return CUDA_SUCCESS;
}

static CUresult
td_cuModuleLoadData (CUmodule *module, const void *image)
{
  TD_CALL (cuModuleLoadData, module_load_l (module, image));
}

static CUresult
module_unload_l (CUmodule module)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  struct CUmod_st *m = module_find_l (module);
  if (!m)
    return CUDA_ERROR_INVALID_HANDLE;
  module_mark_unloaded (m);
  g.module_unloads++;
  return CUDA_SUCCESS;
}

static CUresult
td_cuModuleUnload (CUmodule module)
{
  TD_CALL (cuModuleUnload, module_unload_l (module));
}

static CUresult
module_get_function_l (CUfunction *hfunc, CUmodule hmod, const char *name)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!hfunc || !name)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUmod_st *m = module_find_l (hmod);
  if (!m)
    return CUDA_ERROR_INVALID_HANDLE;
  for (struct CUfunc_st *f = m->functions; f; f = f->next)
    if (strcmp (f->kernel->name, name) == 0)
      {
        *hfunc = f;
        return CUDA_SUCCESS;
      }
  for (unsigned i = 0; i < m->binary->n_kernels; i++)
    if (strcmp (m->binary->kernels[i].name, name) == 0)
      {
        struct CUfunc_st *f = td_malloc (sizeof *f);
        f->module = m;
        f->kernel = &m->binary->kernels[i];
        f->next = m->functions;
        m->functions = f;
        *hfunc = f;
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_NOT_FOUND;
}

static CUresult
td_cuModuleGetFunction (CUfunction *hfunc, CUmodule hmod, const char *name)
{
  TD_CALL (cuModuleGetFunction, module_get_function_l (hfunc, hmod, name));
}

/* ---- kernel execution --------------------------------------------------------------------- */

static int
int_class (int64_t v)
{
  return v == 1 ? 1 : v % 16 == 0 ? 2 : 0;
}

/* Counts arguments that contradict the binary's specialization defines.  Signature index i
 * maps to parameter i minus the constexpr slots before it (constexprs are compiled in). */
static void
check_specialization_l (const td_binary *b, const td_launch_args *a)
{
  unsigned param = 0;
  for (unsigned i = 0; i < FL_MAX_ARGS && param < a->n_words; i++)
    {
      if (b->spec[i].constexpr_ >= 0)
        continue;
      uint64_t word = a->words[param++];
      if (b->spec[i].align16 >= 0 && (b->spec[i].align16 != 0) != ((word & 15) == 0))
        g.violations++;
      if (b->spec[i].one >= 0 || b->spec[i].div16 >= 0)
        {
          int compiled = b->spec[i].one > 0 ? 1 : b->spec[i].div16 > 0 ? 2 : 0;
          if (compiled != int_class ((int32_t) (uint32_t) word))
            g.violations++;
        }
    }
}

/* out[j] = in_1[j] + ... + in_{N-1}[j], specialized as the real add<N> kernel is. */
static CUresult
run_add_l (const td_binary *b, const td_launch_args *a)
{
  int64_t nptrs = b->nptrs > 0 ? b->nptrs : (int64_t) a->n_words - 1;
  if (nptrs < 1 || nptrs >= FL_MAX_ARGS || (uint64_t) nptrs + 1 > a->n_words)
    return CUDA_ERROR_LAUNCH_FAILED;
  unsigned np = (unsigned) nptrs;
  if (b->all_aligned)
    for (unsigned k = 0; k < np; k++)
      if (a->words[k] & 15)
        {
          g.misaligned++;
          return CUDA_ERROR_MISALIGNED_ADDRESS; /* a float4 load on an unaligned address */
        }
  int32_t n = (int32_t) (uint32_t) a->words[np];
  int64_t count = n;
  if (b->spec[np].one > 0)
    count = 1;          /* n folded to the constant 1 */
  else if (b->spec[np].div16 > 0)
    count = n & ~15;    /* no tail loop */
  if (count <= 0)
    return CUDA_SUCCESS;
  for (unsigned k = 0; k < np; k++)
    if (!alloc_find_l ((uintptr_t) a->words[k], (size_t) count * sizeof (float)))
      {
        g.illegal++;
        return CUDA_ERROR_ILLEGAL_ADDRESS;
      }
  for (int64_t j = 0; j < count; j++)
    {
      float s = 0.0f;
      for (unsigned k = 1; k < np; k++)
        {
          float x;
          memcpy (&x, (const char *) (uintptr_t) a->words[k] + j * 4, sizeof x);
          s += x;
        }
      memcpy ((char *) (uintptr_t) a->words[0] + j * 4, &s, sizeof s);
    }
  return CUDA_SUCCESS;
}

static void
log_launch_l (const td_launch_args *a, CUstream stream, bool captured, bool from_graph, CUresult result)
{
  fl_test_launch *e = &g.log[g.launch_count % TD_LOG_SIZE];
  memset (e, 0, sizeof *e);
  e->index = g.launch_count++;
  e->function = a->function;
  snprintf (e->entry, sizeof e->entry, "%s", a->function->kernel->name);
  e->binary_id = a->function->module->binary->id;
  e->context = a->function->module->ctx;
  memcpy (e->grid, a->grid, sizeof e->grid);
  memcpy (e->block, a->block, sizeof e->block);
  e->shared_mem_bytes = a->shmem;
  e->stream = stream;
  e->n_params = a->n_words;
  for (unsigned i = 0; i < a->n_words && i < FL_TEST_DRIVER_LOG_PARAMS; i++)
    e->params[i] = a->words[i];
  e->captured = captured;
  e->from_graph = from_graph;
  e->result = result;
}

/* Runs a launch on the "device"; a fault makes the context's error sticky, as on a GPU. */
static CUresult
execute_l (const td_launch_args *a, CUstream stream, bool from_graph)
{
  const td_binary *b = a->function->module->binary;
  check_specialization_l (b, a);
  CUresult r = CUDA_SUCCESS;
  if (strcmp (a->function->kernel->name, "add") == 0)
    r = run_add_l (b, a);
  log_launch_l (a, stream, false, from_graph, r);
  if (r != CUDA_SUCCESS)
    a->function->module->ctx->sticky = r;
  return r;
}

static CUresult
launch_kernel_l (CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                 unsigned shmem, CUstream hstream, void **params, void **extra)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  struct CUfunc_st *fn = function_find_l (f);
  if (!fn)
    return CUDA_ERROR_INVALID_HANDLE;
  if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gy > 65535 || gz > 65535 || bx > 1024
      || by > 1024 || bz > 64 || (uint64_t) bx * by * bz > 1024 || shmem > 49152)
    return CUDA_ERROR_INVALID_VALUE;
  if (params && extra)
    return CUDA_ERROR_INVALID_VALUE;
  int n_params = fn->kernel->n_params;
  if (n_params > 0 && !params && !extra)
    return CUDA_ERROR_INVALID_VALUE;
  if (fn->module->ctx != c)
    {
      g.cross_ctx++;
      return CUDA_ERROR_INVALID_HANDLE;
    }
  struct CUstream_st *s = NULL;
  if (hstream && hstream != CU_STREAM_LEGACY && hstream != CU_STREAM_PER_THREAD)
    {
      s = stream_find_l (hstream);
      if (!s || s->ctx != c)
        return CUDA_ERROR_INVALID_HANDLE;
    }

  td_launch_args a = { .function = fn, .grid = { gx, gy, gz }, .block = { bx, by, bz }, .shmem = shmem };
  a.n_words = n_params > 0 && params ? (unsigned) (n_params < TD_MAX_PARAMS ? n_params : TD_MAX_PARAMS) : 0;
  for (unsigned i = 0; i < a.n_words; i++)
    {
      if (!params[i])
        return CUDA_ERROR_INVALID_VALUE;
      memcpy (&a.words[i], params[i], sizeof (uint64_t)); /* the engine gives every slot 8 bytes */
    }

  if (s && s->capture == TD_CAPTURE_INVALIDATED)
    return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
  if (s && s->capture == TD_CAPTURE_ACTIVE)
    {
      struct CUgraph_st *gr = s->pending;
      if (gr->n_nodes == gr->cap)
        {
          gr->cap = gr->cap ? gr->cap * 2 : 8;
          gr->nodes = realloc (gr->nodes, gr->cap * sizeof *gr->nodes);
          if (!gr->nodes)
            td_oom ();
        }
      struct CUgraphNode_st *node = td_malloc (sizeof *node);
      node->args = a; /* the graph keeps the parameter values of capture time */
      gr->nodes[gr->n_nodes++] = node;
      log_launch_l (&a, hstream, true, false, CUDA_SUCCESS);
      return CUDA_SUCCESS;
    }
  if (stream_is_legacy (hstream) && (r = capture_check_legacy_l (c)) != CUDA_SUCCESS)
    return r;
  return execute_l (&a, hstream, false);
}

static CUresult
td_cuLaunchKernel (CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                   unsigned int bz, unsigned int shmem, CUstream stream, void **params, void **extra)
{
  TD_CALL (cuLaunchKernel, launch_kernel_l (f, gx, gy, gz, bx, by, bz, shmem, stream, params, extra));
}

/* ---- streams and capture ------------------------------------------------------------------ */

static CUresult
stream_create_l (CUstream *ps, unsigned flags)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (!ps || (flags & ~(unsigned) CU_STREAM_NON_BLOCKING))
    return CUDA_ERROR_INVALID_VALUE;
  struct CUstream_st *s = td_malloc (sizeof *s);
  s->ctx = c;
  s->flags = flags;
  s->next = g.streams;
  g.streams = s;
  *ps = s;
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamCreate (CUstream *ps, unsigned int flags)
{
  TD_CALL (cuStreamCreate, stream_create_l (ps, flags));
}

static CUresult
stream_destroy_l (CUstream hs)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  for (struct CUstream_st **ps = &g.streams; *ps; ps = &(*ps)->next)
    if (*ps == hs)
      {
        struct CUstream_st *s = *ps;
        *ps = s->next;
        if (s->pending)
          graph_free (s->pending);
        free (s);
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_INVALID_HANDLE;
}

static CUresult
td_cuStreamDestroy (CUstream s)
{
  TD_CALL (cuStreamDestroy, stream_destroy_l (s));
}

static CUresult
stream_synchronize_l (CUstream hs)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (stream_is_legacy (hs))
    return capture_check_legacy_l (c);
  if (hs == CU_STREAM_PER_THREAD)
    return CUDA_SUCCESS;
  struct CUstream_st *s = stream_find_l (hs);
  if (!s)
    return CUDA_ERROR_INVALID_HANDLE;
  if (s->capture != TD_CAPTURE_NONE)
    {
      s->capture = TD_CAPTURE_INVALIDATED;
      return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamSynchronize (CUstream s)
{
  TD_CALL (cuStreamSynchronize, stream_synchronize_l (s));
}

static CUresult
begin_capture_l (CUstream hs, CUstreamCaptureMode mode)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL
      && mode != CU_STREAM_CAPTURE_MODE_RELAXED)
    return CUDA_ERROR_INVALID_VALUE;
  if (stream_is_legacy (hs))
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED; /* the legacy stream cannot be captured */
  if (hs == CU_STREAM_PER_THREAD)
    return CUDA_ERROR_NOT_SUPPORTED; /* a limit of this double */
  struct CUstream_st *s = stream_find_l (hs);
  if (!s || s->ctx != c)
    return CUDA_ERROR_INVALID_HANDLE;
  if (s->capture != TD_CAPTURE_NONE)
    return CUDA_ERROR_ILLEGAL_STATE;
  s->capture = TD_CAPTURE_ACTIVE;
  s->mode = mode;
  s->capture_thread = td_thread_id ();
  s->pending = td_malloc (sizeof *s->pending);
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamBeginCapture (CUstream s, CUstreamCaptureMode mode)
{
  TD_CALL (cuStreamBeginCapture, begin_capture_l (s, mode));
}

static CUresult
end_capture_l (CUstream hs, CUgraph *pgraph)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pgraph)
    return CUDA_ERROR_INVALID_VALUE;
  if (stream_is_legacy (hs) || hs == CU_STREAM_PER_THREAD)
    return CUDA_ERROR_ILLEGAL_STATE;
  struct CUstream_st *s = stream_find_l (hs);
  if (!s)
    return CUDA_ERROR_INVALID_HANDLE;
  if (s->capture == TD_CAPTURE_NONE)
    return CUDA_ERROR_ILLEGAL_STATE;
  if (s->mode != CU_STREAM_CAPTURE_MODE_RELAXED && s->capture_thread != td_thread_id ())
    return CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
  struct CUgraph_st *gr = s->pending;
  bool invalidated = s->capture == TD_CAPTURE_INVALIDATED;
  s->pending = NULL;
  s->capture = TD_CAPTURE_NONE;
  if (invalidated)
    {
      graph_free (gr);
      *pgraph = NULL;
      return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
    }
  gr->next = g.graphs;
  g.graphs = gr;
  *pgraph = gr;
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamEndCapture (CUstream s, CUgraph *pgraph)
{
  TD_CALL (cuStreamEndCapture, end_capture_l (s, pgraph));
}

static CUresult
is_capturing_l (CUstream hs, CUstreamCaptureStatus *status)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (!status)
    return CUDA_ERROR_INVALID_VALUE;
  if (stream_is_legacy (hs))
    {
      /* Asking about the legacy stream while a blocking stream captures is itself an error. */
      for (struct CUstream_st *s = g.streams; s; s = s->next)
        if (s->ctx == c && s->capture != TD_CAPTURE_NONE && !(s->flags & CU_STREAM_NON_BLOCKING))
          return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
      *status = CU_STREAM_CAPTURE_STATUS_NONE;
      return CUDA_SUCCESS;
    }
  if (hs == CU_STREAM_PER_THREAD)
    {
      *status = CU_STREAM_CAPTURE_STATUS_NONE;
      return CUDA_SUCCESS;
    }
  struct CUstream_st *s = stream_find_l (hs);
  if (!s)
    return CUDA_ERROR_INVALID_HANDLE;
  *status = s->capture == TD_CAPTURE_ACTIVE        ? CU_STREAM_CAPTURE_STATUS_ACTIVE
            : s->capture == TD_CAPTURE_INVALIDATED ? CU_STREAM_CAPTURE_STATUS_INVALIDATED
                                                   : CU_STREAM_CAPTURE_STATUS_NONE;
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamIsCapturing (CUstream s, CUstreamCaptureStatus *status)
{
  TD_CALL (cuStreamIsCapturing, is_capturing_l (s, status));
}

/* ---- graphs ------------------------------------------------------------------------------- */

static CUresult
graph_instantiate_l (CUgraphExec *pexec, CUgraph hgraph, unsigned long long flags)
{
  (void) flags;
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pexec)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUgraph_st *gr = graph_find_l (hgraph);
  if (!gr)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUgraphExec_st *e = td_malloc (sizeof *e);
  e->n_nodes = gr->n_nodes;
  e->nodes = td_malloc ((gr->n_nodes ? gr->n_nodes : 1) * sizeof *e->nodes);
  for (size_t i = 0; i < gr->n_nodes; i++)
    e->nodes[i] = gr->nodes[i]->args;
  e->next = g.execs;
  g.execs = e;
  *pexec = e;
  return CUDA_SUCCESS;
}

static CUresult
td_cuGraphInstantiateWithFlags (CUgraphExec *pexec, CUgraph graph, unsigned long long flags)
{
  TD_CALL (cuGraphInstantiateWithFlags, graph_instantiate_l (pexec, graph, flags));
}

static CUresult
graph_launch_l (CUgraphExec hexec, CUstream hstream)
{
  struct CUctx_st *c;
  CUresult r = ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  struct CUgraphExec_st *e = exec_find_l (hexec);
  if (!e)
    return CUDA_ERROR_INVALID_VALUE;
  if (hstream && hstream != CU_STREAM_LEGACY && hstream != CU_STREAM_PER_THREAD)
    {
      struct CUstream_st *s = stream_find_l (hstream);
      if (!s || s->ctx != c)
        return CUDA_ERROR_INVALID_HANDLE;
      if (s->capture != TD_CAPTURE_NONE)
        return CUDA_ERROR_NOT_SUPPORTED; /* graphs inside a capture: a limit of this double */
    }
  else if (stream_is_legacy (hstream) && (r = capture_check_legacy_l (c)) != CUDA_SUCCESS)
    return r;
  for (size_t i = 0; i < e->n_nodes; i++)
    {
      if (!function_find_l (e->nodes[i].function))
        return CUDA_ERROR_INVALID_HANDLE; /* its module was unloaded */
      if (e->nodes[i].function->module->ctx->sticky != CUDA_SUCCESS)
        return e->nodes[i].function->module->ctx->sticky;
      if ((r = execute_l (&e->nodes[i], hstream, true)) != CUDA_SUCCESS)
        return r;
    }
  return CUDA_SUCCESS;
}

static CUresult
td_cuGraphLaunch (CUgraphExec exec, CUstream stream)
{
  TD_CALL (cuGraphLaunch, graph_launch_l (exec, stream));
}

static CUresult
graph_get_nodes_l (CUgraph hgraph, CUgraphNode *nodes, size_t *num)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  struct CUgraph_st *gr = graph_find_l (hgraph);
  if (!gr || !num)
    return CUDA_ERROR_INVALID_VALUE;
  if (!nodes)
    {
      *num = gr->n_nodes;
      return CUDA_SUCCESS;
    }
  size_t n = *num < gr->n_nodes ? *num : gr->n_nodes;
  for (size_t i = 0; i < *num; i++)
    nodes[i] = i < n ? gr->nodes[i] : NULL;
  *num = n;
  return CUDA_SUCCESS;
}

static CUresult
td_cuGraphGetNodes (CUgraph graph, CUgraphNode *nodes, size_t *num)
{
  TD_CALL (cuGraphGetNodes, graph_get_nodes_l (graph, nodes, num));
}

static CUresult
graph_destroy_l (CUgraph hgraph)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  for (struct CUgraph_st **pg = &g.graphs; *pg; pg = &(*pg)->next)
    if (*pg == hgraph)
      {
        struct CUgraph_st *gr = *pg;
        *pg = gr->next;
        graph_free (gr);
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_INVALID_VALUE;
}

static CUresult
td_cuGraphDestroy (CUgraph graph)
{
  TD_CALL (cuGraphDestroy, graph_destroy_l (graph));
}

static CUresult
exec_destroy_l (CUgraphExec hexec)
{
  if (!g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  for (struct CUgraphExec_st **pe = &g.execs; *pe; pe = &(*pe)->next)
    if (*pe == hexec)
      {
        struct CUgraphExec_st *e = *pe;
        *pe = e->next;
        free (e->nodes);
        free (e);
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_INVALID_VALUE;
}

static CUresult
td_cuGraphExecDestroy (CUgraphExec exec)
{
  TD_CALL (cuGraphExecDestroy, exec_destroy_l (exec));
}

/* ---- public API --------------------------------------------------------------------------- */

void
fl_test_driver_install (void)
{
  static bool registered;
  pthread_mutex_lock (&td_lock_mutex);
  td_reset_l ();
  if (!registered)
    {
      registered = true;
      atexit (td_atexit);
    }
  pthread_mutex_unlock (&td_lock_mutex);

  fl_driver d = {
    .cuInit = td_cuInit,
    .cuDriverGetVersion = td_cuDriverGetVersion,
    .cuGetErrorName = td_cuGetErrorName,
    .cuGetErrorString = td_cuGetErrorString,
    .cuDeviceGet = td_cuDeviceGet,
    .cuDeviceGetCount = td_cuDeviceGetCount,
    .cuDeviceGetName = td_cuDeviceGetName,
    .cuDeviceGetAttribute = td_cuDeviceGetAttribute,
    .cuDevicePrimaryCtxRetain = td_cuDevicePrimaryCtxRetain,
    .cuDevicePrimaryCtxRelease = td_cuDevicePrimaryCtxRelease,
    .cuCtxCreate = td_cuCtxCreate,
    .cuCtxDestroy = td_cuCtxDestroy,
    .cuCtxGetCurrent = td_cuCtxGetCurrent,
    .cuCtxSetCurrent = td_cuCtxSetCurrent,
    .cuCtxGetDevice = td_cuCtxGetDevice,
    .cuCtxSynchronize = td_cuCtxSynchronize,
    .cuModuleLoadData = td_cuModuleLoadData,
    .cuModuleUnload = td_cuModuleUnload,
    .cuModuleGetFunction = td_cuModuleGetFunction,
    .cuLaunchKernel = td_cuLaunchKernel,
    .cuStreamCreate = td_cuStreamCreate,
    .cuStreamDestroy = td_cuStreamDestroy,
    .cuStreamSynchronize = td_cuStreamSynchronize,
    .cuStreamBeginCapture = td_cuStreamBeginCapture,
    .cuStreamEndCapture = td_cuStreamEndCapture,
    .cuStreamIsCapturing = td_cuStreamIsCapturing,
    .cuGraphInstantiateWithFlags = td_cuGraphInstantiateWithFlags,
    .cuGraphLaunch = td_cuGraphLaunch,
    .cuGraphGetNodes = td_cuGraphGetNodes,
    .cuGraphDestroy = td_cuGraphDestroy,
    .cuGraphExecDestroy = td_cuGraphExecDestroy,
    .cuMemAlloc = td_cuMemAlloc,
    .cuMemFree = td_cuMemFree,
    .cuMemcpyHtoD = td_cuMemcpyHtoD,
    .cuMemcpyDtoH = td_cuMemcpyDtoH,
    .cuMemsetD8 = td_cuMemsetD8,
  };
  fl_nvrtc n = {
    .nvrtcVersion = td_nvrtcVersion,
    .nvrtcGetErrorString = td_nvrtcGetErrorString,
    .nvrtcCreateProgram = td_nvrtcCreateProgram,
    .nvrtcCompileProgram = td_nvrtcCompileProgram,
    .nvrtcGetProgramLogSize = td_nvrtcGetProgramLogSize,
    .nvrtcGetProgramLog = td_nvrtcGetProgramLog,
    .nvrtcGetCUBINSize = td_nvrtcGetCUBINSize,
    .nvrtcGetCUBIN = td_nvrtcGetCUBIN,
    .nvrtcDestroyProgram = td_nvrtcDestroyProgram,
  };
  fl_status st = fl_driver_install (&d, &n);
  if (st != FL_OK)
    {
      fprintf (stderr, "fl-test-driver: fl_driver_install failed: %s: %s\n", fl_status_str (st), fl_last_error ());
      abort ();
    }
}

void
fl_test_driver_set_device_count (int count)
{
  if (count < 1 || count > FL_TEST_DRIVER_MAX_DEVICES)
    {
      fprintf (stderr, "fl-test-driver: device count %d out of range\n", count);
      abort ();
    }
  pthread_mutex_lock (&td_lock_mutex);
  g.device_count = count;
  pthread_mutex_unlock (&td_lock_mutex);
}

void
fl_test_driver_set_compute_capability (int device, int major, int minor)
{
  if (device < 0 || device >= FL_TEST_DRIVER_MAX_DEVICES)
    abort ();
  pthread_mutex_lock (&td_lock_mutex);
  g.devices[device].major = major;
  g.devices[device].minor = minor;
  pthread_mutex_unlock (&td_lock_mutex);
}

CUcontext
fl_test_driver_new_context (int device)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUctx_st *c = device_valid_l (device) ? ctx_new_l (device, false) : NULL;
  pthread_mutex_unlock (&td_lock_mutex);
  return c;
}

CUcontext
fl_test_driver_primary_context (int device)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUctx_st *c = NULL;
  if (device_valid_l (device))
    {
      if (!g.devices[device].primary)
        g.devices[device].primary = ctx_new_l (device, true);
      c = g.devices[device].primary;
    }
  pthread_mutex_unlock (&td_lock_mutex);
  return c;
}

CUresult
fl_test_driver_context_error (CUcontext ctx)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUctx_st *c = ctx_find_l (ctx);
  CUresult r = c ? c->sticky : CUDA_ERROR_INVALID_CONTEXT;
  pthread_mutex_unlock (&td_lock_mutex);
  return r;
}

#define TD_LOCKED_GET(type, expr)                                                                   \
  do                                                                                                \
    {                                                                                               \
      pthread_mutex_lock (&td_lock_mutex);                                                          \
      type td_v_ = (expr);                                                                          \
      pthread_mutex_unlock (&td_lock_mutex);                                                        \
      return td_v_;                                                                                 \
    }                                                                                               \
  while (0)

static size_t
count_live_modules_l (void)
{
  size_t n = 0;
  for (struct CUmod_st *m = g.modules; m; m = m->next)
    n += m->loaded;
  return n;
}

static size_t
count_live_streams_l (void)
{
  size_t n = 0;
  for (struct CUstream_st *s = g.streams; s; s = s->next)
    n++;
  return n;
}

static size_t
count_live_graphs_l (void)
{
  size_t n = 0;
  for (struct CUgraph_st *x = g.graphs; x; x = x->next)
    n++;
  for (struct CUgraphExec_st *x = g.execs; x; x = x->next)
    n++;
  return n;
}

static size_t
count_live_programs_l (void)
{
  size_t n = 0;
  for (struct _nvrtcProgram *p = g.programs; p; p = p->next)
    n++;
  return n;
}

size_t fl_test_driver_live_allocations (void) { TD_LOCKED_GET (size_t, g.n_allocs); }
size_t fl_test_driver_live_modules (void) { TD_LOCKED_GET (size_t, count_live_modules_l ()); }
size_t fl_test_driver_live_streams (void) { TD_LOCKED_GET (size_t, count_live_streams_l ()); }
size_t fl_test_driver_live_graphs (void) { TD_LOCKED_GET (size_t, count_live_graphs_l ()); }
size_t fl_test_driver_live_programs (void) { TD_LOCKED_GET (size_t, count_live_programs_l ()); }
uint64_t fl_test_driver_compiles (void) { TD_LOCKED_GET (uint64_t, g.compiles); }
uint64_t fl_test_driver_module_loads (void) { TD_LOCKED_GET (uint64_t, g.module_loads); }
uint64_t fl_test_driver_module_unloads (void) { TD_LOCKED_GET (uint64_t, g.module_unloads); }
uint64_t fl_test_driver_launch_count (void) { TD_LOCKED_GET (uint64_t, g.launch_count); }
uint64_t fl_test_driver_misaligned_faults (void) { TD_LOCKED_GET (uint64_t, g.misaligned); }
uint64_t fl_test_driver_illegal_address_faults (void) { TD_LOCKED_GET (uint64_t, g.illegal); }
uint64_t fl_test_driver_cross_context_launches (void) { TD_LOCKED_GET (uint64_t, g.cross_ctx); }
uint64_t fl_test_driver_specialization_violations (void) { TD_LOCKED_GET (uint64_t, g.violations); }

char *
fl_test_driver_last_compile_options (void)
{
  TD_LOCKED_GET (char *, td_strdup (g.last_options ? g.last_options : ""));
}

char *
fl_test_driver_last_compile_name (void)
{
  TD_LOCKED_GET (char *, td_strdup (g.last_name ? g.last_name : ""));
}

bool
fl_test_driver_last_compile_has_option (const char *option)
{
  char *all = fl_test_driver_last_compile_options ();
  bool found = false;
  size_t n = strlen (option);
  for (const char *line = all; *line && !found;)
    {
      const char *nl = strchr (line, '\n');
      size_t len = nl ? (size_t) (nl - line) : strlen (line);
      found = len == n && strncmp (line, option, n) == 0;
      line += len + (nl ? 1 : 0);
    }
  free (all);
  return found;
}

uint64_t
fl_test_driver_function_binary (CUfunction function)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUfunc_st *f = function_find_l (function);
  uint64_t id = f ? f->module->binary->id : 0;
  pthread_mutex_unlock (&td_lock_mutex);
  return id;
}

CUcontext
fl_test_driver_function_context (CUfunction function)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUfunc_st *f = function_find_l (function);
  CUcontext c = f ? f->module->ctx : NULL;
  pthread_mutex_unlock (&td_lock_mutex);
  return c;
}

bool
fl_test_driver_binary_define (uint64_t binary_id, const char *name, int64_t *value)
{
  pthread_mutex_lock (&td_lock_mutex);
  td_binary *b = binary_find_l (binary_id);
  int64_t v = 0;
  bool ok = b && binary_define_int (b, name, &v);
  pthread_mutex_unlock (&td_lock_mutex);
  if (ok && value)
    *value = v;
  return ok;
}

bool
fl_test_driver_binary_has_option (uint64_t binary_id, const char *option)
{
  pthread_mutex_lock (&td_lock_mutex);
  td_binary *b = binary_find_l (binary_id);
  bool found = false;
  for (unsigned i = 0; b && i < b->n_options && !found; i++)
    found = strcmp (b->options[i], option) == 0;
  pthread_mutex_unlock (&td_lock_mutex);
  return found;
}

bool
fl_test_driver_launch_at (uint64_t index, fl_test_launch *out)
{
  pthread_mutex_lock (&td_lock_mutex);
  bool ok = g.log && index < g.launch_count && g.launch_count - index <= TD_LOG_SIZE;
  if (ok && out)
    *out = g.log[index % TD_LOG_SIZE];
  pthread_mutex_unlock (&td_lock_mutex);
  return ok;
}

bool
fl_test_driver_last_launch (fl_test_launch *out)
{
  pthread_mutex_lock (&td_lock_mutex);
  uint64_t n = g.launch_count;
  pthread_mutex_unlock (&td_lock_mutex);
  return n > 0 && fl_test_driver_launch_at (n - 1, out);
}

static int
entry_index (const char *name)
{
  for (int i = 0; i < TD_ENTRY_COUNT; i++)
    if (name && strcmp (td_entry_names[i], name) == 0)
      return i;
  fprintf (stderr, "fl-test-driver: unknown entry point '%s'\n", name ? name : "(null)");
  abort ();
}

void
fl_test_driver_fail_next (const char *entry_point, CUresult result)
{
  int i = entry_index (entry_point);
  pthread_mutex_lock (&td_lock_mutex);
  if (g.n_faults[i] < TD_MAX_FAULTS)
    g.faults[i][g.n_faults[i]++] = result;
  pthread_mutex_unlock (&td_lock_mutex);
}

void
fl_test_driver_fail_nth (const char *entry_point, uint64_t skip, CUresult result)
{
  int i = entry_index (entry_point);
  pthread_mutex_lock (&td_lock_mutex);
  g.countdown[i] = skip + 1;
  g.countdown_result[i] = result;
  pthread_mutex_unlock (&td_lock_mutex);
}

bool
fl_test_driver_fault_pending (void)
{
  bool pending = false;
  pthread_mutex_lock (&td_lock_mutex);
  for (int i = 0; i < TD_ENTRY_COUNT; i++)
    pending = pending || g.n_faults[i] > 0 || g.countdown[i] > 0;
  pthread_mutex_unlock (&td_lock_mutex);
  return pending;
}

void
fl_test_driver_clear_faults (void)
{
  pthread_mutex_lock (&td_lock_mutex);
  memset (g.n_faults, 0, sizeof g.n_faults);
  memset (g.countdown, 0, sizeof g.countdown);
  pthread_mutex_unlock (&td_lock_mutex);
}

unsigned
fl_test_driver_entry_point_count (void)
{
  return TD_ENTRY_COUNT;
}

const char *
fl_test_driver_entry_point_name (unsigned index)
{
  return index < TD_ENTRY_COUNT ? td_entry_names[index] : NULL;
}

uint64_t
fl_test_driver_calls (const char *entry_point)
{
  int i = entry_index (entry_point);
  TD_LOCKED_GET (uint64_t, g.calls[i]);
}

uint64_t
fl_test_driver_calls_total (void)
{
  pthread_mutex_lock (&td_lock_mutex);
  uint64_t n = 0;
  for (int i = 0; i < TD_ENTRY_COUNT; i++)
    n += g.calls[i];
  pthread_mutex_unlock (&td_lock_mutex);
  return n;
}

void
fl_test_driver_reset_calls (void)
{
  pthread_mutex_lock (&td_lock_mutex);
  memset (g.calls, 0, sizeof g.calls);
  pthread_mutex_unlock (&td_lock_mutex);
}
