/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-launch.c — the two launch entry points, fl_launch() (the fast launcher) and
 * fl_launch_default() (the baseline, whose pipeline is fl-default.c), and what reports a launch
 * (fl__finish, events).
 *
 * fl_launch()'s hit path must not allocate, lock or make a driver call beyond cuCtxGetCurrent
 * (the context guard) and cuLaunchKernel: every check it needs is an atomic load or a compare
 * against state fixed at priming.  Everything else — priming, misses, guards that fire — goes
 * through the default pipeline, which is allowed to be slow because it is the baseline.
 *
 * One file for the hit path and every function it calls, because the build has no LTO: read it
 * from the bottom.  fl_launch picks the lean hit, fl__launch_lean (one screen), for the common
 * case; fl__launch_general_checked handles everything else a primed launcher meets, and above
 * it are priming, misses and fallbacks.
 */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "fl-engine-private.h"
#include "fl-pack.h"

/* ---- reporting a launch, and the baseline entry point ------------------------------------- */

void
fl__emit_error (const fl_bound_kernel *b, fl_status st)
{
  const fl_event_sink *sink = atomic_load_explicit (&fl__event_sink, memory_order_acquire);
  if (!sink)
    return;
  fl_event ev = { .type = FL_EVENT_ERROR, .bound = b, .status = st, .message = fl_last_error (),
                  .start_ns = fl_clock_ns () };
  fl__emit (sink, &ev);
}

/* Out of line: the lean hit calls it only with an info or a sink, and stays small without. */
__attribute__ ((noinline)) void
fl__finish (fl_bound_kernel *b, fl_status st, fl_path path, fl_outcome outcome, fl_fallback reason, uint64_t key,
            unsigned miss, const uint64_t *stage_ns, uint64_t t0, fl_launch_info *info)
{
  if (info)
    {
      info->path = path;
      info->outcome = outcome;
      info->reason = reason;
      info->spec_key = key;
      info->compiled = (miss & FL__MISS_COMPILED) != 0;
      info->waited = (miss & FL__MISS_WAITED) != 0;
      for (unsigned i = 0; i < FL_STAGE_COUNT; i++)
        info->stage_ns[i] = stage_ns ? stage_ns[i] : 0;
    }
  const fl_event_sink *sink = atomic_load_explicit (&fl__event_sink, memory_order_acquire);
  if (!sink)
    return;
  if (st != FL_OK)
    fl__emit_error (b, st);
  /* Field by field: gcc zeroes the whole 136-byte event of an initialiser with `rep stos`,
   * whose start-up on every launch costs more than these stores. */
  fl_event ev;
  ev.type = FL_EVENT_LAUNCH;
  ev.bound = b;
  ev.spec_key = key;
  ev.path = path;
  ev.outcome = outcome;
  ev.reason = reason;
  ev.status = st;
  ev.start_ns = t0 ? fl__ticks_to_ns (t0) : 0;
  ev.host_ns = t0 ? fl__ticks_delta_ns (t0, fl__ticks ()) : 0;
  if (stage_ns)
    memcpy (ev.stage_ns, stage_ns, sizeof ev.stage_ns);
  else
    memset (ev.stage_ns, 0, sizeof ev.stage_ns);
  ev.compile_ms = 0;
  ev.message = NULL;
  ev.waited = (miss & FL__MISS_WAITED) != 0;
  fl__emit (sink, &ev);
}

/* Per thread, not process-wide: see fl_launch_in_progress(). */
static _Thread_local bool fl__launching;

bool
fl_launch_in_progress (void)
{
  return fl__launching;
}

fl_status
fl_launch_default (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                   fl_launch_info *info)
{
  if (!b)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_launch_default: NULL bound kernel");
  /* Acquire: pairs with fl_event_sink_set()'s release, so the clock it calibrated is seen. */
  uint64_t t0 = atomic_load_explicit (&fl__event_sink, memory_order_acquire) ? fl__ticks () : 0;
  uint64_t stage_ns[FL_STAGE_COUNT] = { 0 }, key = 0;
  bool compiled = false;
  fl__launching = true;
  fl_status st = fl__default_run (b, grid, stream, args, n_args, NULL, stage_ns, &key, &compiled);
  fl__launching = false;
  fl__finish (b, st, FL_PATH_DEFAULT, FL_OUTCOME_DEFAULT, FL_FALLBACK_NONE, key, compiled ? FL__MISS_COMPILED : 0u,
              stage_ns, t0, info);
  return st;
}

/* ---- the fast launcher -------------------------------------------------------------------- */

static fl_status
fl__fallback (fl_bound_kernel *b, fl_fallback reason, fl_grid grid, CUstream stream, const fl_arg *args,
              unsigned n_args, uint64_t t0, fl_launch_info *info)
{
  atomic_fetch_add_explicit (&b->st_fallbacks[reason], 1, memory_order_relaxed);
  uint64_t stage_ns[FL_STAGE_COUNT] = { 0 }, key = 0;
  bool compiled = false;
  fl_status st = fl__default_run (b, grid, stream, args, n_args, NULL, stage_ns, &key, &compiled);
  fl__finish (b, st, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, reason, key, compiled ? FL__MISS_COMPILED : 0u, stage_ns,
              t0, info);
  return st;
}

/* A spec the table does not hold yet: run the default pipeline (which compiles once however
 * many threads race here) and insert what it launched with. */
static fl_status
fl__miss (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args, uint64_t t0,
          fl_launch_info *info)
{
  uint64_t stage_ns[FL_STAGE_COUNT] = { 0 }, key = 0;
  bool compiled = false;
  fl__default_result res = { 0 };
  fl_status st = fl__default_run (b, grid, stream, args, n_args, &res, stage_ns, &key, &compiled);
  fl_outcome outcome = FL_OUTCOME_MISS;
  fl_fallback reason = FL_FALLBACK_NONE;
  bool waited = false;
  if (st == FL_OK && res.function && res.context == b->primed_context)
    {
      pthread_mutex_lock (&b->lock);
      /* Threads racing on one new spec all miss; the first to insert it counts the miss, the
       * others waited for it (the default path compiled it once for all of them). */
      waited = fl__spec_table_find (&b->table, res.spec_key) != NULL;
      bool inserted = waited || fl__spec_table_insert (&b->table, res.spec_key, res.function, res.compile_ms) != NULL;
      pthread_mutex_unlock (&b->lock);
      if (!inserted)
        {
          outcome = FL_OUTCOME_FALLBACK;
          reason = FL_FALLBACK_TABLE_FULL;
          atomic_fetch_add_explicit (&b->st_fallbacks[reason], 1, memory_order_relaxed);
        }
    }
  if (outcome == FL_OUTCOME_MISS)
    atomic_fetch_add_explicit (waited ? &b->st_waits : &b->st_misses, 1, memory_order_relaxed);
  const unsigned miss = (compiled ? FL__MISS_COMPILED : 0u) | (waited ? FL__MISS_WAITED : 0u);
  fl__finish (b, st, FL_PATH_FAST, outcome, reason, key, miss, stage_ns, t0, info);
  return st;
}

/* First call: record the context and the constexpr values the fast path will compare against.
 * Returns NONE when primed, else why this call cannot prime: the arguments fit no key
 * (permanent), they are wrong, or there is no usable context yet.  The default path then
 * reports the problem and, unless permanent, the next call tries again. */
static fl_fallback
fl__prime (fl_bound_kernel *b, const fl_arg *args, unsigned n_args)
{
  fl_fallback why = FL_FALLBACK_NONE;
  pthread_mutex_lock (&b->lock);
  int state = atomic_load (&b->state);
  if (state == FL__UNPRIMED)
    {
      fl_kernel *k = b->kernel;
      fl__packed scratch;
      CUcontext ctx = NULL;
      if (!k->keyable)
        {
          b->permanent_reason = FL_FALLBACK_PRIMING_FAILED;
          atomic_store_explicit (&b->state, FL__PERMANENT, memory_order_release);
        }
      else if (fl__pack (k, args, n_args, &scratch, false) != FL_OK)
        why = FL_FALLBACK_ARGUMENTS;
      else if (fl__drv.cuCtxGetCurrent (&ctx) != CUDA_SUCCESS || !ctx)
        why = FL_FALLBACK_CONTEXT_CHANGED;
      else
        {
          b->primed_context = ctx;
          for (unsigned i = 0; i < n_args; i++)
            if (k->plan[i].op == FL__OP_CONSTEXPR)
              b->primed_constexpr[i] = fl__constexpr_bits (&args[i]);
          atomic_fetch_add (&b->st_primings, 1);
          atomic_store_explicit (&b->state, FL__PRIMED, memory_order_release);
          atomic_store_explicit (&b->lean_n_args, k->lean && atomic_load (&b->n_pre_run) == 0 ? k->sig.n_args : UINT_MAX,
                                 memory_order_release);
        }
    }
  state = atomic_load (&b->state);
  if (state == FL__PERMANENT)
    why = b->permanent_reason;
  else if (state == FL__PRIMED)
    why = FL_FALLBACK_NONE;
  pthread_mutex_unlock (&b->lock);
  return why;
}

/* The globals guard: a global changed since this bound kernel's binaries were last validated. */
static inline bool
fl__globals_stale (const fl_bound_kernel *b)
{
  return b->kernel->n_globals
         && atomic_load_explicit (&fl__globals_gen, memory_order_acquire)
                != atomic_load_explicit (&((fl_bound_kernel *) b)->validated_generation, memory_order_relaxed);
}

/* The globals generation moved: some global was set since this bound kernel's binaries were
 * last validated, perhaps one it does not read, or back to the value it was compiled with.  A
 * locked compare of the values tells; while they match, the call stays on the fast path (the
 * default path would only repeat the compare).  Off the hit path: it runs once per set. */
__attribute__ ((noinline, cold)) static bool
fl__globals_revalidate (fl_bound_kernel *b)
{
  const fl_kernel *k = b->kernel;
  const uint64_t gen = atomic_load_explicit (&fl__globals_gen, memory_order_acquire);
  int64_t now[k->n_globals];
  bool same = false;
  pthread_mutex_lock (&b->lock);
  if (b->have_globals_snapshot
      && fl__globals_snapshot ((const char *const *) k->globals, k->n_globals, now, k->name) == FL_OK)
    same = memcmp (now, b->globals_snapshot, k->n_globals * sizeof now[0]) == 0;
  pthread_mutex_unlock (&b->lock);
  if (same) /* the generation read before the values: a set in between makes it stale again */
    atomic_store_explicit (&b->validated_generation, gen, memory_order_release);
  return same;
}

/* Everything fl_launch's lean hit does not handle: priming, permanent fallbacks, the run-time
 * switches, hooks, kernels that are not lean, arguments that fail the lean check (unaligned
 * pointers among them: still a fast-path hit, through the exact packer).  t0: fl_launch's
 * start, in event-clock ticks, 0 without a sink. */
__attribute__ ((noinline)) static fl_status
fl__launch_general_checked (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                            fl_launch_info *info, uint64_t t0, bool context_checked)
{
  if (FL_UNLIKELY (!b))
    {
      if (info)
        *info = (fl_launch_info){ .path = FL_PATH_DEFAULT, .outcome = FL_OUTCOME_FALLBACK, .reason = FL_FALLBACK_ARGUMENTS };
      return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_launch: NULL bound kernel");
    }
  const unsigned knobs = atomic_load_explicit (&fl__knobs, memory_order_acquire);
  const fl_kernel *k = b->kernel;

  int state = atomic_load_explicit (&b->state, memory_order_acquire);
  if (FL_UNLIKELY (state != FL__PRIMED))
    {
      if (state == FL__PERMANENT)
        return fl__fallback (b, b->permanent_reason, grid, stream, args, n_args, t0, info);
      fl_fallback why = fl__require_driver () != FL_OK ? FL_FALLBACK_CONTEXT_CHANGED : fl__prime (b, args, n_args);
      if (why != FL_FALLBACK_NONE)
        return fl__fallback (b, why, grid, stream, args, n_args, t0, info);
      return fl__miss (b, grid, stream, args, n_args, t0, info);
    }

  /* One branch for both run-time switches that send every call to the default path. */
  if (FL_UNLIKELY (knobs & (FL__KNOB_SKIP | ~((1u << FL__KNOB_CAPTURE_SHIFT) - 1))))
    return fl__fallback (b, (knobs >> FL__KNOB_CAPTURE_SHIFT) ? FL_FALLBACK_CAPTURE : FL_FALLBACK_SKIP_SWITCH, grid,
                         stream, args, n_args, t0, info);
  if (FL_UNLIKELY (grid.x == 0 || grid.y == 0 || grid.z == 0))
    return fl__fallback (b, FL_FALLBACK_ARGUMENTS, grid, stream, args, n_args, t0, info); /* it explains */
  if (FL_UNLIKELY (fl__globals_stale (b)) && !fl__globals_revalidate (b))
    return fl__fallback (b, FL_FALLBACK_GLOBALS_CHANGED, grid, stream, args, n_args, t0, info);

  CUcontext ctx;
  if (!context_checked
      && FL_UNLIKELY (fl__drv.cuCtxGetCurrent (&ctx) != CUDA_SUCCESS || ctx != b->primed_context))
    return fl__fallback (b, FL_FALLBACK_CONTEXT_CHANGED, grid, stream, args, n_args, t0, info);

  fl__packed packed;
  if (FL_UNLIKELY (n_args != k->sig.n_args || !args || !fl__pack_fast (k, args, &packed)))
    return fl__fallback (b, FL_FALLBACK_ARGUMENTS, grid, stream, args, n_args, t0, info);
  if (k->n_constexpr)
    for (unsigned i = 0; i < n_args; i++)
      if (k->plan[i].op == FL__OP_CONSTEXPR && fl__constexpr_bits (&args[i]) != b->primed_constexpr[i])
        return fl__fallback (b, FL_FALLBACK_CONSTEXPR_CHANGED, grid, stream, args, n_args, t0, info);

  const uint64_t key = packed.key | fl__knob_key_bits (knobs);
  fl__spec_slot *slot = fl__spec_table_find (&b->table, key);
  if (FL_UNLIKELY (!slot))
    {
      if (atomic_load_explicit (&b->table.count, memory_order_relaxed) >= FL__TABLE_MAX_FILL)
        return fl__fallback (b, FL_FALLBACK_TABLE_FULL, grid, stream, args, n_args, t0, info);
      return fl__miss (b, grid, stream, args, n_args, t0, info);
    }

  /* The hit. */
  fl__run_pre_run_hooks (b, grid, stream, args, n_args, key, knobs);
  const fl_launch_hooks *hooks = atomic_load_explicit (&fl__launch_hooks, memory_order_acquire);
  fl_launch_metadata md;
  const fl_launch_metadata *mdp = NULL;
  if (FL_UNLIKELY (hooks != NULL))
    {
      if (hooks->wants_metadata)
        {
          fl__fill_metadata (&md, b, grid, stream, key, args, n_args);
          atomic_fetch_add_explicit (&b->st_metadata, 1, memory_order_relaxed);
          mdp = &md;
        }
      if (hooks->enter)
        hooks->enter (mdp, hooks->user_data);
    }
  CUresult r = fl__drv.cuLaunchKernel (slot->function, grid.x, grid.y, grid.z, b->block[0], b->block[1], b->block[2],
                                       b->shared_mem_bytes, stream, packed.params, NULL);
  fl_status st = FL_LIKELY (r == CUDA_SUCCESS) ? FL_OK : fl__fail_cuda (r, "kernel '%s': cuLaunchKernel", k->name);
  if (FL_UNLIKELY (hooks != NULL) && hooks->exit)
    hooks->exit (mdp, st, hooks->user_data);
  atomic_fetch_add_explicit (&slot->hits, 1, memory_order_relaxed);
  if (info || t0)
    fl__finish (b, st, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE, key, 0, NULL, t0, info);
  return st;
}


static fl_status
fl__launch_general (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                    fl_launch_info *info, uint64_t t0)
{
  return fl__launch_general_checked (b, grid, stream, args, n_args, info, t0, false);
}

/* Two fl_args per vector: lanes (kind, value, kind, value).  The "u" types may sit at any
 * address and alias anything, as the intrinsics' own unaligned types do. */
typedef uint64_t fl__v4 __attribute__ ((vector_size (32)));
typedef uint64_t fl__v4u __attribute__ ((vector_size (32), aligned (8), may_alias));
typedef uint64_t fl__v2 __attribute__ ((vector_size (16)));
typedef uint64_t fl__v2u __attribute__ ((vector_size (16), aligned (8), may_alias));

/* kernelParams for a lean hit, with room for the four-wide stores of the last pointer block.
 * In a struct, so the compiler does not align it (and so realign the stack) for vector stores
 * that do not need it. */
typedef struct {
  void *p[FL_MAX_ARGS + 4];
} fl__lean_params;

/* The lean check of all n arguments, and kernelParams pointing at each argument's value.
 *
 * Leading pointers (an even count, k->lean_lead) share one subtrahend and one mask, so each
 * block of two is one add of (-FL_ARG_PTR, -16) and one OR, and the mask is applied once at
 * the end: an OR keeps every bit the mask looks at.  Their kernelParams are stored four at a
 * time; a store may run past the block, into slots the next store or the tail overwrites (and
 * the driver never reads past the kernel's own parameters).  The other arguments go one by one
 * with their own subtrahend and mask. */
static inline __attribute__ ((always_inline)) bool
fl__lean_check (const fl_kernel *k, const fl_arg *args, unsigned n, fl__lean_params *params, uint64_t *class_bits)
{
  const char *a = (const char *) args;
  const uint64_t v0 = (uint64_t) (uintptr_t) &args[0].v, neg_kind = -(uint64_t) FL_ARG_PTR;
  const fl__v4 neg = { neg_kind, -(uint64_t) 16, neg_kind, -(uint64_t) 16 };
  const fl__v4 four = { 4 * sizeof (fl_arg), 4 * sizeof (fl_arg), 4 * sizeof (fl_arg), 4 * sizeof (fl_arg) };
  fl__v4 p = { v0, v0 + sizeof (fl_arg), v0 + 2 * sizeof (fl_arg), v0 + 3 * sizeof (fl_arg) };
  fl__v4 ptrs = { 0 };
  const size_t lead = k->lean_lead, lead8 = k->lean_lead8;
  const fl__v4u *v = (const fl__v4u *) a, *v_end = (const fl__v4u *) (a + lead8 * sizeof (fl_arg));
  void **pp = params->p;
  for (; v != v_end; v += 4, pp += 8)
    {
      ptrs |= (v[0] + neg) | (v[1] + neg);
      ptrs |= (v[2] + neg) | (v[3] + neg);
      *(fl__v4u *) pp = p;
      *(fl__v4u *) (pp + 4) = p + four;
      p += four + four;
    }
  size_t i = lead8;
  if (lead & 4)
    {
      const fl__v4u *v = (const fl__v4u *) (a + i * sizeof (fl_arg));
      ptrs |= (v[0] + neg) | (v[1] + neg);
      *(fl__v4u *) &params->p[i] = p;
      p += four;
      i += 4;
    }
  if (lead & 2)
    {
      ptrs |= *(const fl__v4u *) (a + i * sizeof (fl_arg)) + neg;
      *(fl__v4u *) &params->p[i] = p;
      i += 2;
    }
  const fl__v4 ptr_mask = { UINT32_MAX, (1ull << 63) | 15, UINT32_MAX, (1ull << 63) | 15 };
  ptrs &= ptr_mask;
  fl__v2 bad = __builtin_shufflevector (ptrs, ptrs, 0, 1) | __builtin_shufflevector (ptrs, ptrs, 2, 3);
  /* The rest, each with its own subtrahend and mask; a keyed integer's value class (0 other,
   * 1 == 1, 2 % 16 == 0) goes to its place in the key, masked to nothing for other kinds. */
  uint64_t classes = 0;
  for (const fl__lean_arg *c = k->lean_tail; i < n; i++, c++)
    {
      const fl__v2 x = *(const fl__v2u *) (a + i * sizeof (fl_arg));
      bad |= (x - *(const fl__v2u *) c->sub) & *(const fl__v2u *) c->mask;
      params->p[i] = (void *) (uintptr_t) (v0 + i * sizeof (fl_arg));
      const uint64_t v = x[1];
      const uint64_t cls = (uint64_t) (v == 1) + 2 * (uint64_t) ((v & 15) == 0);
      classes |= (cls & c->class_mask) << c->class_shift;
    }
  *class_bits = classes;
  return (bad[0] | bad[1]) == 0;
}

/* The lean hit's context guard failed.  Where an earlier guard of the general path would have
 * fired first (a zero grid, changed globals), the general path decides; else the guard's own
 * fallback, without asking the driver a second time. */
__attribute__ ((noinline, cold)) static fl_status
fl__lean_context_changed (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                          fl_launch_info *info, uint64_t t0)
{
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || fl__globals_stale (b))
    return fl__launch_general (b, grid, stream, args, n_args, info, t0);
  return fl__fallback (b, FL_FALLBACK_CONTEXT_CHANGED, grid, stream, args, n_args, t0, info);
}

/* The cold end of a lean hit whose launch failed: a zero grid dimension is the caller's mistake
 * the general path explains (the driver refused it without launching); anything else is the
 * driver's error. */
__attribute__ ((noinline, cold)) static fl_status
fl__lean_launch_failed (fl_bound_kernel *b, CUresult r, fl__spec_slot *slot, uint64_t key, fl_grid grid,
                        CUstream stream, const fl_arg *args, unsigned n_args, fl_launch_info *info, uint64_t t0)
{
  if (grid.x == 0 || grid.y == 0 || grid.z == 0)
    return fl__launch_general (b, grid, stream, args, n_args, info, t0);
  fl_status st = fl__fail_cuda (r, "kernel '%s': cuLaunchKernel", b->kernel->name);
  atomic_fetch_add_explicit (&slot->hits, 1, memory_order_relaxed);
  fl__finish (b, st, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE, key, 0, NULL, t0, info);
  return st;
}

/* The lean hit: primed, nothing but the sink switched on, a lean kernel, arguments passing the
 * lean check.  Anything else goes to fl__launch_general before anything was done.  Inlined
 * twice: plain (no sink, no info: nothing to keep across the driver calls) and observed. */
static inline __attribute__ ((always_inline)) fl_status
fl__launch_lean (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                 fl_launch_info *info, unsigned knobs, bool observed)
{
  /* t0 is in event-clock ticks, converted only when the event is built. */
  const uint64_t t0 = observed && (knobs & FL__KNOB_SINK) ? fl__ticks () : 0;
  CUcontext ctx;
  uint64_t key;
  fl__lean_params params;
  /* (fl_launch sends every call with a switch on to the observed variant.) */
  if (FL_UNLIKELY (!b || (observed && (knobs & FL__KNOBS_NOT_LEAN))
                   || n_args != atomic_load_explicit (&b->lean_n_args, memory_order_acquire) || !args))
    return fl__launch_general (b, grid, stream, args, n_args, info, t0);
  /* Few values live across the driver calls, so none is spilled: the grid as two words, and
   * n_args and the knobs read again afterwards (n_args is the signature's from here on). */
  const uint64_t grid_xy = (uint64_t) grid.x | (uint64_t) grid.y << 32;
  const unsigned grid_z = grid.z;
#define FL__GRID_AGAIN ((fl_grid){ (unsigned) grid_xy, (unsigned) (grid_xy >> 32), grid_z })
  /* The context guard first, while little is live across the driver call. */
  const fl_kernel *k = b->kernel;
  if (FL_UNLIKELY (fl__drv.cuCtxGetCurrent (&ctx) != CUDA_SUCCESS || ctx != b->primed_context))
    {
      return fl__lean_context_changed (b, FL__GRID_AGAIN, stream, args, k->lean_n_args, info, t0);
    }
  uint64_t classes;
  if (FL_UNLIKELY (!fl__lean_check (k, args, k->lean_n_args, &params, &classes)))
    goto general;
  if (FL_UNLIKELY (fl__globals_stale (b)))
    goto general;

  key = k->aligned_key | classes
        | fl__knob_key_bits (observed ? knobs : atomic_load_explicit (&fl__knobs, memory_order_relaxed));
  /* The home slot first, inline: a hit almost always finds its key there. */
  fl__spec_slot *slot = &b->table.slots[fl__spec_table_home (key)];
  if (FL_UNLIKELY (atomic_load_explicit (&slot->tag, memory_order_acquire) != (key | FL__SLOT_USED))
      && !(slot = fl__spec_table_find (&b->table, key)))
    goto general;

  /* A zero grid is not checked here: the driver refuses it, and the cold path explains. */
  CUresult r = fl__drv.cuLaunchKernel (slot->function, (unsigned) grid_xy, (unsigned) (grid_xy >> 32), grid_z,
                                       b->block[0], b->block[1], b->block[2], b->shared_mem_bytes, stream, params.p,
                                       NULL);
  if (FL_UNLIKELY (r != CUDA_SUCCESS))
    {
      return fl__lean_launch_failed (b, r, slot, key, FL__GRID_AGAIN, stream, args, k->lean_n_args, info, t0);
    }
  atomic_fetch_add_explicit (&slot->hits, 1, memory_order_relaxed);
  if (observed)
    fl__finish (b, FL_OK, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE, key, 0, NULL, t0, info);
  return FL_OK;

general: /* the context guard passed: the general path need not ask the driver again */
  return fl__launch_general_checked (b, FL__GRID_AGAIN, stream, args, k->lean_n_args, info, t0, true);
#undef FL__GRID_AGAIN
}

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
/* The lean hit checks two fl_args per 256-bit vector where the CPU has AVX2 (an ifunc picks the
 * clone once, when the library loads).  Not under ThreadSanitizer: the ifunc resolver runs
 * during relocation, before TSan's runtime is up, and crashes every program at start. */
#define FL_HOT_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define FL_HOT_CLONES
#endif

FL_HOT_CLONES __attribute__ ((noinline)) static fl_status
fl__launch_observed (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                     fl_launch_info *info, unsigned knobs)
{
  fl__launching = true;
  fl_status st = fl__launch_lean (b, grid, stream, args, n_args, info, knobs, true);
  fl__launching = false;
  return st;
}

FL_HOT_CLONES fl_status
fl_launch (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
           fl_launch_info *info)
{
  /* Acquire: a set sink bit comes with the clock fl_event_sink_set() calibrated before it. */
  const unsigned knobs = atomic_load_explicit (&fl__knobs, memory_order_acquire);
  if (FL_UNLIKELY (info || (knobs & (FL__KNOB_SINK | FL__KNOBS_NOT_LEAN))))
    return fl__launch_observed (b, grid, stream, args, n_args, info, knobs);
  return fl__launch_lean (b, grid, stream, args, n_args, NULL, knobs, false);
}
