/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-engine-private.h — what the launch engine's files share: the kernel and bound-kernel
 * structs and the calls between kernels (fl-kernel.c), bound kernels (fl-bound-kernel.c), the
 * default pipeline (fl-default.c) and the fast launcher (fl-launch.c).  Not installed.
 *
 * The field order of both structs is part of the hit path's cost: what every hit reads comes
 * first.  The build has no LTO, so whatever the hit path calls is static inline here or in
 * fl-pack.h, or lives in fl-launch.c with it; a call into another file could not be inlined.
 */
#pragma once

#include <pthread.h>

#include "fl-private.h"
#include "fl-spec-table.h"

/* How each argument is handled, decided once from the signature. */
typedef enum {
  FL__OP_PTR,
  FL__OP_INT,      /* range-checked integer, value class in the key */
  FL__OP_BOOL,     /* i1: 0 or 1, not specialized */
  FL__OP_F16,
  FL__OP_BF16,
  FL__OP_F32,
  FL__OP_F64,
  FL__OP_CONSTEXPR,
} fl__op;

typedef struct {
  uint8_t op;
  uint8_t key_shift; /* pointer: its alignment bit; integer: its 2-bit class */
  uint8_t param;     /* index into kernelParams (constexpr slots have none) */
  int64_t min;       /* integer range */
  uint64_t max;
} fl__arg_plan;

/* The fast path's view of the arguments, grouped by kind so its loops have no switch. */
typedef struct { uint8_t arg, param; } fl__fast_ptr;
typedef struct { uint8_t arg, param, key_shift; int64_t min; uint64_t range; } fl__fast_int;

/* The constants of one argument after the leading pointers, for the lean check. */
typedef struct {
  uint64_t sub[2], mask[2];
  uint8_t class_mask;  /* 3 for a keyed integer, else 0 */
  uint8_t class_shift; /* where its value class goes in the key */
} fl__lean_arg;

struct fl_kernel {
  /* The lean hit path (fl_launch): when every parameter can be read straight out of the caller's
   * fl_arg (pointers, integers, booleans, fp64; no constexpr), kernelParams point into args and
   * the checks of fl__pack_fast become one subtract-and-mask per argument, two arguments per
   * vector: (arg - sub) & mask is zero exactly when the kind matches and the value is in range
   * (a pointer: not NULL and 16-byte aligned, see fl__kernel_plan_lean).  What every lean hit
   * reads comes first, so a hit on a kernel like add16 touches one cache line of it. */
  unsigned lean_n_args;  /* sig.n_args */
  unsigned n_globals;
  unsigned lean_lead;    /* leading pointers, an even count: one subtrahend and mask for all */
  unsigned lean_lead8;   /* lean_lead rounded down to a multiple of eight */
  uint64_t aligned_key;  /* the key's pointer bits when every pointer is aligned */
  fl__lean_arg lean_tail[FL_MAX_ARGS]; /* arguments lean_lead, lean_lead + 1, ... */
  bool lean;

  atomic_int refs;
  char *name;
  char *source;
  char *entry;
  fl_signature sig;
  fl__arg_plan plan[FL_MAX_ARGS];
  unsigned n_params, n_ptrs, n_ints, n_constexpr;
  bool keyable; /* the arguments fit the key's 56 bits */
  fl__fast_ptr fast_ptrs[FL_MAX_ARGS];
  fl__fast_int fast_ints[FL_MAX_ARGS];
  uint8_t fast_other[FL_MAX_ARGS]; /* booleans, floats, constexprs: rare, handled one by one */
  bool ptrs_lead;                  /* pointers are arguments 0..n_ptrs-1 (and parameters 0..) */
  unsigned n_fast_other;
  char **globals;
};

typedef struct fl__module {
  struct fl__module *next;
  CUcontext context;
  uint64_t full_key;
  uint64_t spec_key;
  CUmodule module;
  CUfunction function;
  double compile_ms;
} fl__module;

enum { FL__UNPRIMED = 0, FL__PRIMED, FL__PERMANENT };

struct fl_bound_kernel {
  /* What every hit reads, in the first cache line. */
  fl_kernel *kernel;
  unsigned block[3];
  unsigned shared_mem_bytes;
  /* The argument count when primed, the kernel is lean and there are no pre-run hooks (then
   * fl_launch may take its lean hit), else UINT_MAX.  One compare tells both.  Written under
   * lock; read with acquire, so it also publishes what priming wrote. */
  atomic_uint lean_n_args;
  CUcontext primed_context; /* fast launcher state: written under lock before it is primed */
  atomic_uint_fast64_t validated_generation;

  unsigned num_warps;
  fl__strv defines;     /* the config's, as -D options */
  uint64_t config_hash;
  atomic_int state;
  fl_fallback permanent_reason;
  uint64_t primed_constexpr[FL_MAX_ARGS];
  fl__spec_table table;

  /* Pre-run hooks: a slot is written, then the count is published (append-only). */
  struct { fl_pre_run_hook fn; void *user_data; } pre_run[FL_MAX_PRE_RUN_HOOKS];
  atomic_uint n_pre_run;

  /* The default launcher's per-context cache and the globals snapshot, under lock. */
  pthread_mutex_t lock;
  fl__module *modules;
  bool have_globals_snapshot;
  int64_t *globals_snapshot;

  atomic_uint_fast64_t st_misses, st_waits, st_default_calls, st_compiles, st_disk_loads, st_metadata, st_primings;
  atomic_uint_fast64_t st_fallbacks[FL_FALLBACK_COUNT];

  /* Read by no launch: last, so the hit's fields keep their places. */
  fl_config config; /* as bound, defaults filled in; its defines are config_defines */
  const char **config_defines;
};


/* What the default pipeline reports back to the fast launcher. */
typedef struct {
  CUcontext context;
  CUfunction function;
  uint64_t spec_key;
  double compile_ms;
  bool launched_ok;
} fl__default_result;

/* ---- kernels (fl-kernel.c) ---- */
fl_kernel *fl__kernel_ref (fl_kernel *k);

/* ---- pre-run hooks (fl-bound-kernel.c) ---- */
/* Out of line: a launch without hooks pays one load and a branch, not this frame. */
__attribute__ ((noinline)) void fl__run_pre_run_hooks_with (const fl_bound_kernel *b, unsigned n, fl_grid grid,
                                                            CUstream stream, const fl_arg *args, unsigned n_args,
                                                            uint64_t key, unsigned knobs);

/* knobs: the knob word the launched binary's spec was taken from (its debug and instrumentation
 * bits are what it was compiled with). */
static inline void
fl__run_pre_run_hooks (const fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                       uint64_t key, unsigned knobs)
{
  unsigned n = atomic_load_explicit (&((fl_bound_kernel *) b)->n_pre_run, memory_order_acquire);
  if (FL_UNLIKELY (n != 0))
    fl__run_pre_run_hooks_with (b, n, grid, stream, args, n_args, key, knobs);
}

/* ---- events and launch results (fl-launch.c) ---- */

static inline void
fl__emit (const fl_event_sink *sink, const fl_event *ev)
{
  if (sink && sink->emit)
    sink->emit (ev, sink->user_data);
}

void fl__emit_error (const fl_bound_kernel *b, fl_status st);

static inline void
fl__fill_metadata (fl_launch_metadata *md, const fl_bound_kernel *b, fl_grid grid, CUstream stream, uint64_t key,
                   const fl_arg *args, unsigned n_args)
{
  md->bound = b;
  md->kernel_name = b->kernel->name;
  md->grid = grid;
  md->block[0] = b->block[0];
  md->block[1] = b->block[1];
  md->block[2] = b->block[2];
  md->shared_mem_bytes = b->shared_mem_bytes;
  md->stream = stream;
  md->spec_key = key;
  md->args = args;
  md->n_args = n_args;
}

/* What a call that compiled or waited tells fl__finish, in one argument. */
enum {
  FL__MISS_COMPILED = 1u << 0, /* this call ran NVRTC */
  FL__MISS_WAITED = 1u << 1,   /* a miss whose spec another thread inserted meanwhile */
};

/* Fills info and emits the launch event (and an error event when st says so).  stage_ns may be
 * NULL; t0: the launch's start in event-clock ticks, 0 without a sink. */
__attribute__ ((noinline)) void fl__finish (fl_bound_kernel *b, fl_status st, fl_path path, fl_outcome outcome,
                                            fl_fallback reason, uint64_t key, unsigned miss, const uint64_t *stage_ns,
                                            uint64_t t0, fl_launch_info *info);

/* ---- the default pipeline (fl-default.c) ---- */

/* The full eight-stage pipeline.  Runs on every fl_launch_default() call and on every fast-path
 * miss or fallback.  Fills res for the fast launcher (may be NULL). */
fl_status fl__default_run (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                           fl__default_result *res, uint64_t *stage_ns, uint64_t *key_out, bool *compiled_out);
