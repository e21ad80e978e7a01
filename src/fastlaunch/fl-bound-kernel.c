/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-bound-kernel.c — bound kernels: a kernel with one launch config and its own fast launcher
 * state; their life cycle, pre-run hooks, and what can be read back from them (the spec table,
 * statistics, a spec key in words).
 *
 * Launching lives in fl-launch.c (fast) and fl-default.c (baseline); this file holds nothing
 * a launch calls but the out-of-line pre-run hook runner.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fl-engine-private.h"

/* FASTLAUNCH_SKIP_FAST_LAUNCHER as the common boolean spellings, in any case.  A value that is
 * neither on nor off leaves the fast launcher on (the safe default: both paths launch the same
 * binaries) and is reported, so a typo in a switch meant to turn it off does not pass unseen. */
static bool
fl__skip_env_on (const fl_bound_kernel *b)
{
  static const char *const on[] = { "1", "true", "yes", "on" };
  static const char *const off[] = { "", "0", "false", "no", "off" };
  const char *value = getenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER");
  if (!value)
    return false;
  for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
    if (strcasecmp (value, on[i]) == 0)
      return true;
  for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
    if (strcasecmp (value, off[i]) == 0)
      return false;
  fl_status st = fl__fail (FL_ERR_INVALID_ARGUMENT,
                           "kernel '%s': FASTLAUNCH_SKIP_FAST_LAUNCHER='%.64s' is not recognised, so the fast "
                           "launcher stays on; set it to 1, true, yes or on to skip it (0, false, no, off or unset "
                           "keep it)",
                           b->kernel->name, value);
  fl__emit_error (b, st);
  return false;
}

fl_status
fl_bound_kernel_new (fl_kernel *kernel, const fl_config *config, fl_bound_kernel **out)
{
  if (out)
    *out = NULL;
  if (!kernel || !out)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_bound_kernel_new: NULL kernel or out");
  fl_config c = config ? *config : (fl_config){ 0 };
  if (c.num_warps == 0)
    c.num_warps = 4;
  if (c.num_warps > 32)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "kernel '%s': num_warps %u exceeds 32 (1024 threads)", kernel->name,
                     c.num_warps);
  if (c.block_x == 0)
    {
      c.block_x = c.num_warps * 32;
      c.block_y = c.block_z = 1;
    }
  if (c.block_y == 0)
    c.block_y = 1;
  if (c.block_z == 0)
    c.block_z = 1;
  if ((uint64_t) c.block_x * c.block_y * c.block_z > 1024)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "kernel '%s': block %ux%ux%u has more than 1024 threads", kernel->name,
                     c.block_x, c.block_y, c.block_z);
  if (c.n_defines && !c.defines)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "kernel '%s': n_defines is %u but defines is NULL", kernel->name,
                     c.n_defines);

  fl_bound_kernel *b = calloc (1, sizeof *b);
  if (!b)
    return fl__fail (FL_ERR_NO_MEMORY, "out of memory binding kernel '%s'", kernel->name);
  b->block[0] = c.block_x;
  b->block[1] = c.block_y;
  b->block[2] = c.block_z;
  b->num_warps = c.num_warps;
  b->config = c;
  b->config.defines = NULL;
  b->shared_mem_bytes = c.shared_mem_bytes;
  uint64_t h = FL__HASH_SEED;
  h = fl__hash_bytes (h, b->block, sizeof b->block);
  h = fl__hash_bytes (h, &c.num_warps, sizeof c.num_warps);
  h = fl__hash_bytes (h, &b->shared_mem_bytes, sizeof b->shared_mem_bytes);
  fl_status st = FL_OK;
  for (unsigned i = 0; st == FL_OK && i < c.n_defines; i++)
    {
      if (!c.defines[i] || !*c.defines[i])
        st = fl__fail (FL_ERR_INVALID_ARGUMENT, "kernel '%s': define #%u is empty", kernel->name, i);
      else if (fl__strv_addf (&b->defines, "-D%s", c.defines[i]) != FL_OK)
        st = fl__fail (FL_ERR_NO_MEMORY, "out of memory binding kernel '%s'", kernel->name);
      else
        h = fl__hash_bytes (h, c.defines[i], strlen (c.defines[i]) + 1);
    }
  b->config_hash = h;
  /* The config's defines point past the "-D" of the options: stored once. */
  if (st == FL_OK && c.n_defines && !(b->config_defines = calloc (c.n_defines, sizeof (char *))))
    st = fl__fail (FL_ERR_NO_MEMORY, "out of memory binding kernel '%s'", kernel->name);
  for (unsigned i = 0; st == FL_OK && i < c.n_defines; i++)
    b->config_defines[i] = b->defines.items[i] + 2;
  b->config.defines = b->config_defines;
  if (st == FL_OK && kernel->n_globals && !(b->globals_snapshot = calloc (kernel->n_globals, sizeof (int64_t))))
    st = fl__fail (FL_ERR_NO_MEMORY, "out of memory binding kernel '%s'", kernel->name);
  if (st != FL_OK)
    {
      fl__strv_clear (&b->defines);
      free (b->config_defines);
      free (b->globals_snapshot);
      free (b);
      return st;
    }
  pthread_mutex_init (&b->lock, NULL);
  atomic_init (&b->validated_generation, UINT64_MAX);
  atomic_init (&b->lean_n_args, UINT_MAX);
  b->kernel = fl__kernel_ref (kernel);

  if (fl__skip_env_on (b))
    {
      b->permanent_reason = FL_FALLBACK_SKIP_ENV;
      atomic_store (&b->state, FL__PERMANENT);
    }
  *out = b;
  return FL_OK;
}

void
fl_bound_kernel_free (fl_bound_kernel *b)
{
  if (!b)
    return;
  for (fl__module *m = b->modules, *next; m; m = next)
    {
      next = m->next;
      if (fl_driver_ready () && m->module)
        fl__drv.cuModuleUnload (m->module);
      free (m);
    }
  pthread_mutex_destroy (&b->lock);
  fl__strv_clear (&b->defines);
  free (b->config_defines);
  free (b->globals_snapshot);
  fl_kernel_free (b->kernel);
  free (b);
}

const fl_kernel *
fl_bound_kernel_kernel (const fl_bound_kernel *b)
{
  return b ? b->kernel : NULL;
}

const fl_config *
fl_bound_kernel_config (const fl_bound_kernel *b)
{
  return b ? &b->config : NULL;
}

fl_status
fl_bound_kernel_add_pre_run_hook (fl_bound_kernel *b, fl_pre_run_hook hook, void *user_data)
{
  if (!b || !hook)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_bound_kernel_add_pre_run_hook: NULL bound kernel or hook");
  pthread_mutex_lock (&b->lock);
  unsigned n = atomic_load (&b->n_pre_run);
  if (n == FL_MAX_PRE_RUN_HOOKS)
    {
      pthread_mutex_unlock (&b->lock);
      return fl__fail (FL_ERR_INVALID_ARGUMENT, "kernel '%s': at most %d pre-run hooks", b->kernel->name,
                       FL_MAX_PRE_RUN_HOOKS);
    }
  b->pre_run[n].fn = hook;
  b->pre_run[n].user_data = user_data;
  atomic_store_explicit (&b->lean_n_args, UINT_MAX, memory_order_relaxed); /* the lean hit runs no hooks */
  atomic_store_explicit (&b->n_pre_run, n + 1, memory_order_release);
  pthread_mutex_unlock (&b->lock);
  return FL_OK;
}

/* Out of line: a launch without hooks pays one load and a branch, not this frame. */
__attribute__ ((noinline)) void
fl__run_pre_run_hooks_with (const fl_bound_kernel *b, unsigned n, fl_grid grid, CUstream stream, const fl_arg *args,
                            unsigned n_args, uint64_t key, unsigned knobs)
{
  const fl_pre_run_launch launch = {
    .bound = b,
    .config = &b->config,
    .grid = grid,
    .stream = stream,
    .args = args,
    .n_args = n_args,
    .spec_key = key,
    .debug = (knobs & FL__KNOB_DEBUG) != 0,
    .instrumentation = (fl_instr_mode) ((knobs & FL__KNOB_INSTR_MASK) >> FL__KNOB_INSTR_SHIFT),
  };
  for (unsigned i = 0; i < n; i++)
    b->pre_run[i].fn (&launch, b->pre_run[i].user_data);
}

/* knobs: the knob word the launched binary's spec was taken from (its debug and instrumentation
 * bits are what it was compiled with). */

/* ---- inspection --------------------------------------------------------------------------- */

unsigned
fl_bound_kernel_spec_entries (const fl_bound_kernel *b, fl_spec_entry *out, unsigned max)
{
  if (!b)
    return 0;
  unsigned n = 0;
  for (unsigned i = 0; i < FL__TABLE_SIZE; i++)
    {
      const fl__spec_slot *s = &b->table.slots[i];
      uint64_t tag = atomic_load_explicit (&((fl__spec_slot *) s)->tag, memory_order_acquire);
      if (!tag)
        continue;
      if (out && n < max)
        {
          out[n].key = tag & ~FL__SLOT_USED;
          out[n].function = s->function;
          out[n].hits = atomic_load_explicit (&((fl__spec_slot *) s)->hits, memory_order_relaxed);
          out[n].compile_ms = s->compile_ms;
        }
      n++;
    }
  return n;
}

void
fl_bound_kernel_stats (const fl_bound_kernel *cb, fl_stats *out)
{
  if (!out)
    return;
  memset (out, 0, sizeof *out);
  fl_bound_kernel *b = (fl_bound_kernel *) cb;
  if (!b)
    return;
  for (unsigned i = 0; i < FL__TABLE_SIZE; i++)
    if (atomic_load (&b->table.slots[i].tag))
      out->fast_hits += atomic_load (&b->table.slots[i].hits);
  out->fast_misses = atomic_load (&b->st_misses);
  out->fast_waits = atomic_load (&b->st_waits);
  out->default_calls = atomic_load (&b->st_default_calls);
  out->launches = out->fast_hits + out->default_calls;
  for (unsigned i = 0; i < FL_FALLBACK_COUNT; i++)
    out->fallbacks[i] = atomic_load (&b->st_fallbacks[i]);
  out->compiles = atomic_load (&b->st_compiles);
  out->disk_cache_loads = atomic_load (&b->st_disk_loads);
  out->metadata_builds = atomic_load (&b->st_metadata);
  out->primings = atomic_load (&b->st_primings);
  out->permanent_fallback = atomic_load (&b->state) == FL__PERMANENT ? b->permanent_reason : FL_FALLBACK_NONE;
}

void
fl_spec_key_describe (const fl_bound_kernel *b, uint64_t key, char *buf, size_t size)
{
  if (!buf || size == 0)
    return;
  buf[0] = '\0';
  if (!b)
    return;
  static const char *const classes[] = { "other", "one", "div16", "?" };
  static const char *const instr[] = { "none", "lineinfo", "?", "?" };
  const fl_kernel *k = b->kernel;
  size_t used = 0;
#define FL_APPEND(...)                                                                              \
  do                                                                                                \
    {                                                                                               \
      if (used < size)                                                                              \
        {                                                                                           \
          int fl_n_ = snprintf (buf + used, size - used, __VA_ARGS__);                              \
          used += fl_n_ > 0 ? (size_t) fl_n_ : 0;                                                   \
        }                                                                                           \
    }                                                                                               \
  while (0)
  for (unsigned i = 0; i < k->sig.n_args; i++)
    {
      const fl__arg_plan *p = &k->plan[i];
      if (p->op == FL__OP_PTR)
        FL_APPEND ("arg%u=%s ", i, ((key >> p->key_shift) & 1) ? "aligned" : "unaligned");
      else if (p->op == FL__OP_INT)
        FL_APPEND ("arg%u=%s ", i, classes[(key >> p->key_shift) & 3]);
    }
  FL_APPEND ("debug=%s instr=%s hook=%s", ((key >> FL_KEY_DEBUG_BIT) & 1) ? "on" : "off",
             instr[(key >> FL_KEY_INSTR_SHIFT) & 3], ((key >> FL_KEY_HOOK_BIT) & 1) ? "on" : "off");
#undef FL_APPEND
}
