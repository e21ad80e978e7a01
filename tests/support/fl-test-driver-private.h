/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver-private.h — what the files of the driver test double share: the structs behind
 * CUDA's handle types, the one state and its lock, and the lookups every entry point makes.
 * TEST-ONLY (see fl-test-driver.h).
 *
 * Each file keeps its entry points static and fills its part of the driver and NVRTC tables
 * (td_*_entries); fl_test_driver_install() gathers them.  Every function and variable here has
 * the td_ prefix and hidden visibility, so the double's insides stay out of a test's namespace.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fastlaunch-driver.h"
#include "fl-test-driver.h"

#pragma GCC visibility push(hidden)

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
extern const char *const td_entry_names[TD_ENTRY_COUNT];

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

/* ---- state (fl-test-driver.c) ------------------------------------------------------------- */

/* One mutex guards all state: every entry point takes it in td_begin. */
extern pthread_mutex_t td_lock_mutex;

typedef struct {
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
} td_state;
extern td_state td_g;

typedef struct {
  uint64_t generation;
  struct CUctx_st *current;
  uint64_t id;
} td_thread_state;
/* Local-dynamic: the double is always linked whole into one module, and once the linker has
 * relaxed both, the model costs one instruction less per access than the general-dynamic one an
 * extern variable gets by default. */
extern _Thread_local td_thread_state td_tl __attribute__ ((tls_model ("local-dynamic")));

uint64_t td_thread_id (void);
void td_oom (void);
void *td_malloc (size_t n);
char *td_strdup (const char *s);
char *td_strndup (const char *s, size_t n);

static inline uint64_t
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
 * when the call must fail; otherwise returns false with the lock held.  Inline, so a benchmark
 * that counts instructions on the double sees its entry points cost what they always did. */
static inline bool
td_begin (int entry, CUresult *fault)
{
  pthread_mutex_lock (&td_lock_mutex);
  td_g.calls[entry]++;
  if (td_g.countdown[entry] > 0 && --td_g.countdown[entry] == 0)
    {
      *fault = td_g.countdown_result[entry];
      pthread_mutex_unlock (&td_lock_mutex);
      return true;
    }
  if (td_g.n_faults[entry] > 0)
    {
      *fault = td_g.faults[entry][0];
      memmove (&td_g.faults[entry][0], &td_g.faults[entry][1], (TD_MAX_FAULTS - 1) * sizeof (CUresult));
      td_g.n_faults[entry]--;
      pthread_mutex_unlock (&td_lock_mutex);
      return true;
    }
  return false;
}

static inline void
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

/* ---- registries, lock held (fl-test-driver.c) --------------------------------------------- */

static inline struct CUctx_st *
td_current_l (void)
{
  return td_tl.generation == td_g.generation ? td_tl.current : NULL;
}

static inline void
td_set_current_l (struct CUctx_st *c)
{
  td_tl.generation = td_g.generation;
  td_tl.current = c;
}

static inline bool
td_stream_is_legacy (CUstream s)
{
  return s == NULL || s == CU_STREAM_LEGACY;
}

struct CUctx_st *td_ctx_find_l (CUcontext c);
/* The calling thread's context if it can be used, else the error the driver gives. */
CUresult td_ctx_usable_l (struct CUctx_st **out);
struct CUmod_st *td_module_find_l (CUmodule m);
struct CUfunc_st *td_function_find_l (CUfunction f);
struct CUstream_st *td_stream_find_l (CUstream s);
struct CUgraph_st *td_graph_find_l (CUgraph gr);
struct CUgraphExec_st *td_exec_find_l (CUgraphExec e);
struct _nvrtcProgram *td_program_find_l (nvrtcProgram p);
td_binary *td_binary_find_l (uint64_t id);
/* The allocation holding [p, p + n), or NULL. */
td_alloc *td_alloc_find_l (uintptr_t p, size_t n);

void td_binary_free (td_binary *b);
void td_graph_free (struct CUgraph_st *gr);
void td_program_free (struct _nvrtcProgram *p);

static inline void
td_module_mark_unloaded (struct CUmod_st *m)
{
  m->loaded = false;
}

/* ---- capture rules, lock held (fl-test-driver-stream.c) ----------------------------------- */

CUresult td_capture_check_unsafe_l (void);
CUresult td_capture_check_legacy_l (struct CUctx_st *ctx);

/* ---- the fake cubin (fl-test-driver-nvrtc.c writes it, fl-test-driver-module.c reads it) ---- */

#define TD_CUBIN_MAGIC "FLFAKECUBIN\n"
bool td_parse_arch (const char *value, bool *virtual_arch, int *major, int *minor, bool *specific);

/* ---- binaries and launches (fl-test-driver-module.c) -------------------------------------- */

bool td_binary_define_int (const td_binary *b, const char *name, int64_t *value);
/* Runs a launch on the "device"; a fault makes the context's error sticky, as on a GPU. */
CUresult td_execute_l (const td_launch_args *a, CUstream stream, bool from_graph);

/* ---- each file's part of the tables ------------------------------------------------------- */

void td_device_entries (fl_driver *d);
void td_nvrtc_entries (fl_nvrtc *n);
void td_module_entries (fl_driver *d);
void td_stream_entries (fl_driver *d);

#pragma GCC visibility pop
