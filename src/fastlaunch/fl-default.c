/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-default.c — the default (baseline) pipeline: resolve, bind, specialize, key, look up
 * (compiling on a miss), check globals, build metadata and run hooks, launch.
 *
 * Every stage runs on every call: it is the baseline the fast launcher is measured against,
 * and allowed to be slow.  fl_launch_default() (in fl-launch.c, beside fl_launch, as both report
 * a launch the same way) runs it; the fast launcher comes here to prime, on a miss and on every
 * fallback.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fl-engine-private.h"
#include "fl-pack.h"

/* The specialization of one call, argument by argument: what the default path compiles for.
 * Unlike the fast path's 64-bit key it has room for every argument, so kernels whose
 * arguments do not fit the key (priming failed) are still specialized correctly. */
typedef struct {
  uint8_t cls[FL_MAX_ARGS]; /* pointer: 1 = 16-byte aligned; integer: fl_int_class; else 0 */
  unsigned knobs;           /* the knob word's debug, instrumentation and hook bits */
} fl__spec;


static fl_status
fl__build_options (const fl_bound_kernel *b, int cc_major, int cc_minor, const fl__spec *spec, uint64_t spec_key,
                   const fl_arg *args, fl__strv *o)
{
  const unsigned knobs = spec->knobs;
  const fl_kernel *k = b->kernel;
  fl__strv_addf (o, "--gpu-architecture=sm_%d%d", cc_major, cc_minor);
  if (knobs & FL__KNOB_DEBUG)
    fl__strv_add (o, "-G");
  if (((knobs & FL__KNOB_INSTR_MASK) >> FL__KNOB_INSTR_SHIFT) == FL_INSTR_LINEINFO)
    fl__strv_add (o, "-lineinfo");
  /* Defined only when on, so a kernel may test it with #ifdef as well as with #if. */
  if (knobs & FL__KNOB_DEBUG)
    fl__strv_add (o, "-DFL_DEBUG=1");
  fl__strv_addf (o, "-DFL_NARGS=%u", k->sig.n_args);
  fl__strv_addf (o, "-DFL_NPTRS=%u", k->n_ptrs);
  fl__strv_addf (o, "-DFL_NUM_WARPS=%u", b->num_warps);
  fl__strv_addf (o, "-DFL_BLOCK_X=%u", b->block[0]);
  bool all_aligned = true;
  for (unsigned i = 0; i < k->sig.n_args; i++)
    {
      const fl__arg_plan *p = &k->plan[i];
      if (p->op == FL__OP_PTR)
        {
          bool aligned = spec->cls[i] != 0;
          all_aligned = all_aligned && aligned;
          fl__strv_addf (o, "-DFL_ALIGN16_ARG%u=%d", i, aligned);
        }
      else if (p->op == FL__OP_INT)
        {
          unsigned cls = spec->cls[i];
          fl__strv_addf (o, "-DFL_ONE_ARG%u=%d", i, cls == FL_INT_CLASS_ONE);
          fl__strv_addf (o, "-DFL_DIV16_ARG%u=%d", i, cls == FL_INT_CLASS_DIV16);
        }
      else if (p->op == FL__OP_CONSTEXPR)
        {
          const fl_arg *a = &args[i];
          if (a->kind == FL_ARG_INT)
            fl__strv_addf (o, "-DFL_CONSTEXPR_ARG%u=%" PRId64, i, a->v.i);
          else if (a->kind == FL_ARG_F32)
            fl__strv_addf (o, "-DFL_CONSTEXPR_ARG%u=%.9gf", i, (double) a->v.f32);
          else
            fl__strv_addf (o, "-DFL_CONSTEXPR_ARG%u=%.17g", i, a->v.f64);
        }
    }
  fl__strv_addf (o, "-DFL_ALL_ALIGNED=%d", k->n_ptrs > 0 && all_aligned);
  for (unsigned i = 0; i < k->n_globals; i++)
    fl__strv_addf (o, "-D%s=%" PRId64, k->globals[i], b->globals_snapshot[i]);
  for (unsigned i = 0; i < b->defines.n; i++)
    fl__strv_add (o, b->defines.items[i]);
  const fl_compile_hook *hook = atomic_load_explicit (&fl__compile_hook, memory_order_acquire);
  if ((knobs & FL__KNOB_HOOK) && hook && hook->hook)
    {
      fl_compile_options co = { o };
      hook->hook (k, spec_key, &co, hook->user_data);
    }
  return o->failed ? fl__fail (FL_ERR_NO_MEMORY, "out of memory building compile options for '%s'", k->name) : FL_OK;
}

/* Stage 5 on a miss: compile (or take the on-disk cubin) and load it into the current context.
 * Called with b->lock held. */
static fl_status
fl__compile_and_load (fl_bound_kernel *b, CUcontext ctx, CUdevice dev, int cc_major, int cc_minor,
                      const fl__spec *spec, uint64_t spec_key, uint64_t full_key, const fl_arg *args,
                      const fl_event_sink *sink, fl__module **out)
{
  fl_kernel *k = b->kernel;
  fl_status st;
  if (k->n_globals && !b->have_globals_snapshot)
    {
      st = fl__globals_snapshot ((const char *const *) k->globals, k->n_globals, b->globals_snapshot, k->name);
      if (st != FL_OK)
        return st;
      b->have_globals_snapshot = true;
    }
  fl__strv options = { 0 };
  st = fl__build_options (b, cc_major, cc_minor, spec, spec_key, args, &options);
  fl__cubin cubin = { 0 };
  if (st == FL_OK)
    st = fl__compile (k->name, k->source, &options, &cubin);
  fl__strv_clear (&options);
  if (st != FL_OK)
    return st;
  const bool from_disk = cubin.from_disk_cache;
  const double compile_ms = cubin.compile_ms;
  if (from_disk)
    atomic_fetch_add (&b->st_disk_loads, 1);
  else
    {
      atomic_fetch_add (&b->st_compiles, 1);
      fl_event ev = { .type = FL_EVENT_COMPILE, .bound = b, .spec_key = spec_key, .compile_ms = cubin.compile_ms,
                      .start_ns = fl_clock_ns () };
      fl__emit (sink, &ev);
    }

  fl__module *m = calloc (1, sizeof *m);
  if (!m)
    {
      fl__cubin_clear (&cubin);
      return fl__fail (FL_ERR_NO_MEMORY, "out of memory loading kernel '%s'", k->name);
    }
  CUresult r = fl__drv.cuModuleLoadData (&m->module, cubin.image);
  fl__cubin_clear (&cubin);
  if (r != CUDA_SUCCESS)
    {
      free (m);
      return fl__fail_cuda (r, "kernel '%s': cuModuleLoadData (device %d)", k->name, (int) dev);
    }
  r = fl__drv.cuModuleGetFunction (&m->function, m->module, k->entry);
  if (r != CUDA_SUCCESS)
    {
      fl__drv.cuModuleUnload (m->module);
      free (m);
      return fl__fail_cuda (r, "kernel '%s': cuModuleGetFunction(\"%s\") — is the entry declared extern \"C\"?", k->name,
                            k->entry);
    }
  m->context = ctx;
  m->full_key = full_key;
  m->spec_key = spec_key;
  m->compile_ms = from_disk ? 0.0 : compile_ms;
  m->next = b->modules;
  b->modules = m;
  *out = m;
  return FL_OK;
}

#define FL__STAGE_END(i)                                                                            \
  do                                                                                                \
    {                                                                                               \
      if (timing)                                                                                   \
        {                                                                                           \
          uint64_t fl_t_ = fl__ticks ();                                                            \
          stage_ns[(i)] = fl__ticks_delta_ns (t_stage, fl_t_);                                      \
          t_stage = fl_t_;                                                                          \
        }                                                                                           \
    }                                                                                               \
  while (0)

/* Declared in fl-engine-private.h, which says what it does. */
fl_status
fl__default_run (fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                 fl__default_result *res, uint64_t *stage_ns, uint64_t *key_out, bool *compiled_out)
{
  fl_kernel *k = b->kernel;
  unsigned knobs = atomic_load_explicit (&fl__knobs, memory_order_relaxed);
  const fl_event_sink *sink = atomic_load_explicit (&fl__event_sink, memory_order_acquire);
  bool timing = (knobs & FL__KNOB_STAGE_TIMING) != 0;
  if (timing)
    fl__clock_calibrate ();
  uint64_t t_stage = timing ? fl__ticks () : 0;
  CUresult r;
  fl_status st;
  atomic_fetch_add_explicit (&b->st_default_calls, 1, memory_order_relaxed);

  /* 1. resolve context, device and stream */
  fl_status dst = fl__require_driver ();
  if (dst != FL_OK)
    return dst;
  CUcontext ctx = NULL;
  r = fl__drv.cuCtxGetCurrent (&ctx);
  if (r != CUDA_SUCCESS)
    return fl__fail_cuda (r, "kernel '%s': cuCtxGetCurrent", k->name);
  if (!ctx)
    return fl__fail (FL_ERR_NO_CONTEXT, "kernel '%s': no CUDA context is current on this thread (call fl_use_device())",
                     k->name);
  CUdevice dev = 0;
  if ((r = fl__drv.cuCtxGetDevice (&dev)) != CUDA_SUCCESS)
    return fl__fail_cuda (r, "kernel '%s': cuCtxGetDevice", k->name);
  int cc_major = 0, cc_minor = 0;
  if ((r = fl__drv.cuDeviceGetAttribute (&cc_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev)) != CUDA_SUCCESS
      || (r = fl__drv.cuDeviceGetAttribute (&cc_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev))
             != CUDA_SUCCESS)
    return fl__fail_cuda (r, "kernel '%s': compute capability of device %d", k->name, (int) dev);
  if (grid.x == 0 || grid.y == 0 || grid.z == 0)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "kernel '%s': grid %ux%ux%u has a zero dimension", k->name, grid.x,
                     grid.y, grid.z);
  FL__STAGE_END (FL_STAGE_RESOLVE);

  /* 2. bind and type-check arguments */
  fl__packed packed;
  st = fl__pack (k, args, n_args, &packed, true);
  if (st != FL_OK)
    return st;
  for (unsigned i = 0; i < k->n_params; i++)
    packed.params[i] = &packed.slots[i];
  FL__STAGE_END (FL_STAGE_BIND);

  /* 3. specialize: per pointer 16-byte alignment, per integer its value class, plus the knobs. */
  fl__spec spec;
  memset (&spec, 0, sizeof spec);
  spec.knobs = knobs & (FL__KNOB_DEBUG | FL__KNOB_INSTR_MASK | FL__KNOB_HOOK);
  for (unsigned i = 0; i < n_args; i++)
    if (k->plan[i].op == FL__OP_PTR)
      spec.cls[i] = (args[i].v.ptr & 15) == 0;
    else if (k->plan[i].op == FL__OP_INT)
      spec.cls[i] = (uint8_t) fl__int_class (args[i].v.i);
  /* The fast path's key for the same facts; only meaningful when the arguments fit it. */
  uint64_t spec_key = k->keyable ? packed.key | fl__knob_key_bits (knobs) : 0;
  FL__STAGE_END (FL_STAGE_SPECIALIZE);

  /* 4. the cache key: everything that selects a binary, hashed as a JIT's key string would be. */
  uint64_t full_key = fl__hash_bytes (FL__HASH_SEED, &spec, sizeof spec);
  full_key = fl__hash_bytes (full_key, &b->config_hash, sizeof b->config_hash);
  int cc = cc_major * 10 + cc_minor;
  full_key = fl__hash_bytes (full_key, &cc, sizeof cc);
  for (unsigned i = 0; i < n_args; i++)
    if (k->plan[i].op == FL__OP_CONSTEXPR)
      {
        uint64_t bits = fl__constexpr_bits (&args[i]);
        full_key = fl__hash_bytes (full_key, &bits, sizeof bits);
      }
  if (key_out)
    *key_out = spec_key;
  FL__STAGE_END (FL_STAGE_KEY);

  /* 5. per-context kernel cache; on a miss compile once (double-checked under the lock). */
  bool compiled = false;
  pthread_mutex_lock (&b->lock);
  fl__module *m = b->modules;
  while (m && !(m->context == ctx && m->full_key == full_key))
    m = m->next;
  if (!m)
    {
      uint64_t before = atomic_load (&b->st_compiles);
      st = fl__compile_and_load (b, ctx, dev, cc_major, cc_minor, &spec, spec_key, full_key, args, sink, &m);
      compiled = atomic_load (&b->st_compiles) != before;
      if (st != FL_OK)
        {
          pthread_mutex_unlock (&b->lock);
          return st;
        }
    }
  CUfunction fn = m->function;
  double compile_ms = m->compile_ms;
  pthread_mutex_unlock (&b->lock);
  if (compiled_out)
    *compiled_out = compiled;
  FL__STAGE_END (FL_STAGE_LOOKUP);

  /* 6. globals: a binary is only valid for the values it was compiled with. */
  if (k->n_globals)
    {
      uint64_t gen = atomic_load_explicit (&fl__globals_gen, memory_order_acquire);
      int64_t now[k->n_globals > 0 ? k->n_globals : 1];
      st = fl__globals_snapshot ((const char *const *) k->globals, k->n_globals, now, k->name);
      if (st != FL_OK)
        return st;
      for (unsigned i = 0; i < k->n_globals; i++)
        if (now[i] != b->globals_snapshot[i])
          return fl__fail (FL_ERR_GLOBAL_CHANGED,
                           "kernel '%s': global '%s' changed from %" PRId64 " to %" PRId64
                           " since the kernel was compiled; nothing was launched (restore the value, or bind a new "
                           "kernel)",
                           k->name, k->globals[i], b->globals_snapshot[i], now[i]);
      atomic_store_explicit (&b->validated_generation, gen, memory_order_release);
    }
  FL__STAGE_END (FL_STAGE_GLOBALS);

  /* 7. launch metadata, always built (as the baseline does), then pre-run and enter hooks. */
  fl_launch_metadata md;
  fl__fill_metadata (&md, b, grid, stream, spec_key, args, n_args);
  atomic_fetch_add_explicit (&b->st_metadata, 1, memory_order_relaxed);
  fl__run_pre_run_hooks (b, grid, stream, args, n_args, spec_key, knobs);
  const fl_launch_hooks *hooks = atomic_load_explicit (&fl__launch_hooks, memory_order_acquire);
  if (hooks && hooks->enter)
    hooks->enter (hooks->wants_metadata ? &md : NULL, hooks->user_data);
  FL__STAGE_END (FL_STAGE_METADATA);

  /* 8. launch, exit hook */
  r = fl__drv.cuLaunchKernel (fn, grid.x, grid.y, grid.z, b->block[0], b->block[1], b->block[2], b->shared_mem_bytes,
                              stream, packed.params, NULL);
  st = r == CUDA_SUCCESS ? FL_OK : fl__fail_cuda (r, "kernel '%s': cuLaunchKernel", k->name);
  if (hooks && hooks->exit)
    hooks->exit (hooks->wants_metadata ? &md : NULL, st, hooks->user_data);
  FL__STAGE_END (FL_STAGE_LAUNCH);

  if (res)
    {
      res->context = ctx;
      res->function = fn;
      res->spec_key = spec_key;
      res->compile_ms = compile_ms;
      res->launched_ok = st == FL_OK;
    }
  return st;
}
