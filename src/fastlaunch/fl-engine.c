/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-engine.c — kernels, bound kernels, the default (baseline) launcher and the fast launcher.
 *
 * fl_launch()'s hit path must not allocate, lock or make a driver call beyond cuCtxGetCurrent
 * (the context guard) and cuLaunchKernel: every check it needs is an atomic load or a compare
 * against state fixed at priming.  Everything else — priming, misses, guards that fire — goes
 * through the default pipeline, which is allowed to be slow because it is the baseline.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Packed launch arguments: every kernel parameter in its own 8-byte slot. */
typedef struct {
  uint64_t slots[FL_MAX_ARGS];
  void *params[FL_MAX_ARGS];
  uint64_t key;
} fl__packed;

/* The specialization of one call, argument by argument: what the default path compiles for.
 * Unlike the fast path's 64-bit key it has room for every argument, so kernels whose
 * arguments do not fit the key (priming failed) are still specialized correctly. */
typedef struct {
  uint8_t cls[FL_MAX_ARGS]; /* pointer: 1 = 16-byte aligned; integer: fl_int_class; else 0 */
  unsigned knobs;           /* the knob word's debug, instrumentation and hook bits */
} fl__spec;

/* What the default pipeline reports back to the fast launcher. */
typedef struct {
  CUcontext context;
  CUfunction function;
  uint64_t spec_key;
  double compile_ms;
  bool launched_ok;
} fl__default_result;

/* ---- kernels ------------------------------------------------------------------------------ */

static char *
fl__strdup_or_null (const char *s)
{
  return s ? strdup (s) : NULL;
}

static void
fl__int_range (fl_type t, int64_t *min, uint64_t *max)
{
  switch (t)
    {
    case FL_TYPE_I1: *min = 0; *max = 1; break;
    case FL_TYPE_I8: *min = INT8_MIN; *max = INT8_MAX; break;
    case FL_TYPE_I16: *min = INT16_MIN; *max = INT16_MAX; break;
    case FL_TYPE_I32: *min = INT32_MIN; *max = INT32_MAX; break;
    case FL_TYPE_I64: *min = INT64_MIN; *max = INT64_MAX; break;
    case FL_TYPE_U8: *min = 0; *max = UINT8_MAX; break;
    case FL_TYPE_U16: *min = 0; *max = UINT16_MAX; break;
    case FL_TYPE_U32: *min = 0; *max = UINT32_MAX; break;
    default: *min = 0; *max = INT64_MAX; break; /* u64 through a signed carrier */
    }
}

/* Per argument, a (kind, value) pair to subtract and one to mask with, such that the result
 * is zero exactly when the argument passes every check the fast path makes:
 *   kind      the low 32 bits of (kind - expected) are zero; the padding above is masked off;
 *   pointer   v - 16 has neither bit 63 (v was 0, or not a canonical address) nor any of bits
 *             0-3 (v is not 16-byte aligned) set: one test for NULL and alignment.  A misaligned
 *             pointer fails it and takes the exact path, which keys it as unaligned;
 *   integer   v - min has no bit above the type's range (every range is a power of two wide).
 * fp32 and the half types are not lean: they are converted (fp64 → fp32, fp32 → fp16), and an
 * fp32 fills only half of its 8-byte union. */
static void
fl__kernel_plan_lean (fl_kernel *k)
{
  k->lean_n_args = k->sig.n_args;
  k->lean = k->keyable && k->n_constexpr == 0;
  while (k->lean_lead < k->sig.n_args && k->plan[k->lean_lead].op == FL__OP_PTR)
    k->lean_lead++;
  k->lean_lead &= ~1u;
  k->lean_lead8 = k->lean_lead & ~7u;
  k->aligned_key = k->n_ptrs ? UINT64_MAX >> (64 - k->n_ptrs) : 0;
  for (unsigned i = 0; i < k->sig.n_args && k->lean; i++)
    {
      const fl__arg_plan *p = &k->plan[i];
      fl__lean_arg c = { .mask = { UINT32_MAX } };
      switch (p->op)
        {
        case FL__OP_PTR:
          c.sub[0] = FL_ARG_PTR;
          c.sub[1] = 16;
          c.mask[1] = (1ull << 63) | 15;
          break;
        case FL__OP_INT:
        case FL__OP_BOOL:
          c.sub[0] = FL_ARG_INT;
          c.sub[1] = (uint64_t) p->min;
          c.mask[1] = ~(p->max - (uint64_t) p->min);
          if (p->op == FL__OP_INT)
            {
              c.class_mask = 3;
              c.class_shift = p->key_shift;
            }
          break;
        case FL__OP_F64:
          c.sub[0] = FL_ARG_F64;
          break;
        default:
          k->lean = false;
        }
      if (i >= k->lean_lead)
        k->lean_tail[i - k->lean_lead] = c;
    }
}

static void
fl__kernel_plan (fl_kernel *k)
{
  unsigned shift_ptr = 0;
  for (unsigned i = 0; i < k->sig.n_args; i++)
    if (fl__type_is_ptr (k->sig.types[i]))
      k->n_ptrs++;
  unsigned shift_int = k->n_ptrs;
  for (unsigned i = 0; i < k->sig.n_args; i++)
    {
      fl_type t = k->sig.types[i];
      fl__arg_plan *p = &k->plan[i];
      p->param = (uint8_t) k->n_params;
      if (fl__type_is_ptr (t))
        {
          p->op = FL__OP_PTR;
          p->key_shift = (uint8_t) shift_ptr++;
        }
      else if (fl__type_is_specialized_int (t))
        {
          p->op = FL__OP_INT;
          p->key_shift = (uint8_t) (shift_int < FL_KEY_ARG_BITS ? shift_int : 0); /* unused unless keyable */
          shift_int += 2;
          k->n_ints++;
          fl__int_range (t, &p->min, &p->max);
        }
      else if (t == FL_TYPE_I1)
        {
          p->op = FL__OP_BOOL;
          fl__int_range (t, &p->min, &p->max);
        }
      else if (t == FL_TYPE_FP16)
        p->op = FL__OP_F16;
      else if (t == FL_TYPE_BF16)
        p->op = FL__OP_BF16;
      else if (t == FL_TYPE_FP32)
        p->op = FL__OP_F32;
      else if (t == FL_TYPE_FP64)
        p->op = FL__OP_F64;
      else
        {
          p->op = FL__OP_CONSTEXPR;
          k->n_constexpr++;
          continue;
        }
      k->n_params++;
    }
  k->keyable = k->n_ptrs + 2 * k->n_ints <= FL_KEY_ARG_BITS;

  unsigned np = 0, ni = 0;
  for (unsigned i = 0; i < k->sig.n_args; i++)
    {
      const fl__arg_plan *p = &k->plan[i];
      if (p->op == FL__OP_PTR)
        k->fast_ptrs[np++] = (fl__fast_ptr){ (uint8_t) i, p->param };
      else if (p->op == FL__OP_INT)
        k->fast_ints[ni++] = (fl__fast_int){ (uint8_t) i, p->param, p->key_shift, p->min, p->max - (uint64_t) p->min };
      else
        k->fast_other[k->n_fast_other++] = (uint8_t) i;
    }
  k->ptrs_lead = true;
  for (unsigned j = 0; j < np; j++)
    k->ptrs_lead = k->ptrs_lead && k->fast_ptrs[j].arg == j && k->fast_ptrs[j].param == j;
  fl__kernel_plan_lean (k);
}

fl_status
fl_kernel_new (const fl_kernel_desc *desc, fl_kernel **out)
{
  if (out)
    *out = NULL;
  if (!desc || !out || !desc->source || !desc->entry || !desc->signature)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_kernel_new: desc, source, entry, signature and out must not be NULL");
  if (!*desc->entry)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_kernel_new: empty entry name");
  if (desc->n_globals && !desc->globals)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_kernel_new: n_globals is %u but globals is NULL", desc->n_globals);

  fl_signature sig;
  fl_status st = fl_signature_parse (desc->signature, &sig);
  if (st != FL_OK)
    return st;

  fl_kernel *k = calloc (1, sizeof *k);
  if (!k)
    return fl__fail (FL_ERR_NO_MEMORY, "out of memory creating kernel '%s'", desc->entry);
  atomic_init (&k->refs, 1);
  k->sig = sig;
  k->name = fl__strdup_or_null (desc->name && *desc->name ? desc->name : desc->entry);
  k->source = strdup (desc->source);
  k->entry = strdup (desc->entry);
  k->n_globals = desc->n_globals;
  k->globals = desc->n_globals ? calloc (desc->n_globals, sizeof (char *)) : NULL;
  bool ok = k->name && k->source && k->entry && (!desc->n_globals || k->globals);
  for (unsigned i = 0; ok && i < desc->n_globals; i++)
    {
      if (!desc->globals[i] || !*desc->globals[i])
        {
          fl_kernel_free (k);
          return fl__fail (FL_ERR_INVALID_ARGUMENT, "kernel '%s': global #%u has no name", desc->entry, i);
        }
      ok = (k->globals[i] = strdup (desc->globals[i])) != NULL;
    }
  if (!ok)
    {
      fl_kernel_free (k);
      return fl__fail (FL_ERR_NO_MEMORY, "out of memory creating kernel '%s'", desc->entry);
    }
  fl__kernel_plan (k);
  *out = k;
  return FL_OK;
}

fl_status
fl_kernel_new_from_file (const char *path, const char *entry, const char *signature, fl_kernel **out)
{
  if (out)
    *out = NULL;
  if (!path)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_kernel_new_from_file: NULL path");
  FILE *f = fopen (path, "rb");
  if (!f)
    return fl__fail (FL_ERR_IO, "cannot open kernel source '%s': %s", path, strerror (errno));
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;)
    {
      if (len + 4096 + 1 > cap)
        {
          cap = cap ? cap * 2 : 16384;
          char *nb = realloc (buf, cap);
          if (!nb)
            {
              free (buf);
              fclose (f);
              return fl__fail (FL_ERR_NO_MEMORY, "out of memory reading '%s'", path);
            }
          buf = nb;
        }
      size_t n = fread (buf + len, 1, 4096, f);
      len += n;
      if (n < 4096)
        break;
    }
  bool read_error = ferror (f);
  fclose (f);
  if (read_error)
    {
      free (buf);
      return fl__fail (FL_ERR_IO, "error reading kernel source '%s'", path);
    }
  buf[len] = '\0';
  fl_kernel_desc desc = { .source = buf, .entry = entry, .signature = signature };
  fl_status st = fl_kernel_new (&desc, out);
  free (buf);
  return st;
}

static fl_kernel *
fl__kernel_ref (fl_kernel *k)
{
  atomic_fetch_add (&k->refs, 1);
  return k;
}

void
fl_kernel_free (fl_kernel *k)
{
  if (!k || atomic_fetch_sub (&k->refs, 1) != 1)
    return;
  for (unsigned i = 0; k->globals && i < k->n_globals; i++)
    free (k->globals[i]);
  free (k->globals);
  free (k->name);
  free (k->source);
  free (k->entry);
  free (k);
}

const char *
fl_kernel_name (const fl_kernel *k)
{
  return k ? k->name : NULL;
}

const char *
fl_kernel_entry (const fl_kernel *k)
{
  return k ? k->entry : NULL;
}

const fl_signature *
fl_kernel_signature (const fl_kernel *k)
{
  return k ? &k->sig : NULL;
}

/* ---- bound kernels ------------------------------------------------------------------------ */

static void fl__emit_error (const fl_bound_kernel *b, fl_status st);

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
__attribute__ ((noinline)) static void
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
static inline void
fl__run_pre_run_hooks (const fl_bound_kernel *b, fl_grid grid, CUstream stream, const fl_arg *args, unsigned n_args,
                       uint64_t key, unsigned knobs)
{
  unsigned n = atomic_load_explicit (&((fl_bound_kernel *) b)->n_pre_run, memory_order_acquire);
  if (FL_UNLIKELY (n != 0))
    fl__run_pre_run_hooks_with (b, n, grid, stream, args, n_args, key, knobs);
}

/* ---- argument packing (shared by both paths) ---------------------------------------------- */

static uint16_t
fl__float_to_half (float f)
{
  uint32_t x;
  memcpy (&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = (int32_t) ((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff)
    return (uint16_t) (sign | 0x7c00u | (mant ? 0x200u : 0));
  if (exp >= 31)
    return (uint16_t) (sign | 0x7c00u);
  if (exp <= 0)
    {
      if (exp < -10)
        return (uint16_t) sign;
      mant |= 0x800000u;
      uint32_t shift = (uint32_t) (14 - exp);
      uint32_t half = mant >> shift;
      uint32_t rem = mant & ((1u << shift) - 1);
      uint32_t mid = 1u << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1)))
        half++;
      return (uint16_t) (sign | half);
    }
  uint32_t half = sign | ((uint32_t) exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1)))
    half++;
  return (uint16_t) half;
}

static uint16_t
fl__float_to_bf16 (float f)
{
  uint32_t x;
  memcpy (&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t) ((x >> 16) | 0x40);
  x += 0x7fffu + ((x >> 16) & 1);
  return (uint16_t) (x >> 16);
}

static inline unsigned
fl__int_class (int64_t v)
{
  if (v == 1)
    return FL_INT_CLASS_ONE;
  if ((v & 15) == 0)
    return FL_INT_CLASS_DIV16;
  return FL_INT_CLASS_OTHER;
}

/* Floats, booleans and constexprs: checked and stored (constexprs have no parameter slot).
 * Shared by both packers; none of these is part of the key. */
static inline bool
fl__pack_scalar (const fl__arg_plan *p, const fl_arg *a, uint64_t *slot)
{
  switch (p->op)
    {
    case FL__OP_BOOL:
      if (a->kind != FL_ARG_INT || (a->v.i != 0 && a->v.i != 1))
        return false;
      *slot = (uint64_t) a->v.i;
      return true;
    case FL__OP_F32:
    case FL__OP_F16:
    case FL__OP_BF16:
      {
        float f;
        if (a->kind == FL_ARG_F32)
          f = a->v.f32;
        else if (a->kind == FL_ARG_F64 && (!isfinite (a->v.f64) || fabs (a->v.f64) <= FLT_MAX))
          f = (float) a->v.f64;
        else
          return false;
        if (p->op == FL__OP_F32)
          {
            *slot = 0;
            memcpy (slot, &f, sizeof f);
          }
        else
          *slot = p->op == FL__OP_F16 ? fl__float_to_half (f) : fl__float_to_bf16 (f);
        return true;
      }
    case FL__OP_F64:
      {
        double d;
        if (a->kind == FL_ARG_F64)
          d = a->v.f64;
        else if (a->kind == FL_ARG_F32)
          d = a->v.f32;
        else
          return false;
        memcpy (slot, &d, sizeof d);
        return true;
      }
    case FL__OP_CONSTEXPR:
      return a->kind == FL_ARG_INT || a->kind == FL_ARG_F32 || a->kind == FL_ARG_F64;
    default:
      return false;
    }
}

/* Packs args into kernel parameters and computes the argument part of the spec key.  With
 * explain, a failure leaves a message naming the argument; the fast path passes false and lets
 * the default path explain.  Never allocates. */
static inline fl_status
fl__pack (const fl_kernel *k, const fl_arg *args, unsigned n_args, fl__packed *out, bool explain)
{
  if (FL_UNLIKELY (n_args != k->sig.n_args || (n_args && !args)))
    return explain ? fl__fail (FL_ERR_ARGUMENTS, "kernel '%s' takes %u argument%s (signature), got %u%s", k->name,
                               k->sig.n_args, k->sig.n_args == 1 ? "" : "s", n_args,
                               (n_args && !args) ? " with a NULL args array" : "")
                   : FL_ERR_ARGUMENTS;
  uint64_t key = 0;
  for (unsigned i = 0; i < n_args; i++)
    {
      const fl__arg_plan *p = &k->plan[i];
      const fl_arg *a = &args[i];
      uint64_t *slot = &out->slots[p->param];
      switch (p->op)
        {
        case FL__OP_PTR:
          if (FL_UNLIKELY (a->kind != FL_ARG_PTR || a->v.ptr == 0))
            goto bad;
          *slot = a->v.ptr;
          key |= (uint64_t) ((a->v.ptr & 15) == 0) << p->key_shift;
          break;
        case FL__OP_INT:
        case FL__OP_BOOL:
          if (FL_UNLIKELY (a->kind != FL_ARG_INT || a->v.i < p->min || (a->v.i > 0 && (uint64_t) a->v.i > p->max)))
            goto bad;
          *slot = (uint64_t) a->v.i;
          if (p->op == FL__OP_INT)
            key |= (uint64_t) fl__int_class (a->v.i) << p->key_shift;
          break;
        case FL__OP_F32:
        case FL__OP_F16:
        case FL__OP_BF16:
        case FL__OP_F64:
        case FL__OP_CONSTEXPR:
          if (FL_UNLIKELY (!fl__pack_scalar (p, a, slot)))
            goto bad;
          break;
        }
      continue;
    bad:
      if (!explain)
        return FL_ERR_ARGUMENTS;
      {
        fl_type t = k->sig.types[i];
        const char *kind = a->kind == FL_ARG_PTR ? "a pointer"
                           : a->kind == FL_ARG_INT ? "an integer"
                           : a->kind == FL_ARG_F32 ? "an fp32"
                           : a->kind == FL_ARG_F64 ? "an fp64"
                                                   : "an uninitialised fl_arg";
        if (p->op == FL__OP_PTR && a->kind == FL_ARG_PTR)
          return fl__fail (FL_ERR_ARGUMENTS, "kernel '%s', argument %u (%s): NULL device pointer", k->name, i,
                           fl_type_name (t));
        if ((p->op == FL__OP_INT || p->op == FL__OP_BOOL) && a->kind == FL_ARG_INT)
          return fl__fail (FL_ERR_ARGUMENTS,
                           "kernel '%s', argument %u (%s): value %" PRId64 " is out of range [%" PRId64 ", %" PRIu64
                           "]",
                           k->name, i, fl_type_name (t), a->v.i, p->min, p->max);
        if (p->op == FL__OP_F32 && a->kind == FL_ARG_F64)
          return fl__fail (FL_ERR_ARGUMENTS, "kernel '%s', argument %u (%s): value %g does not fit in fp32", k->name, i,
                           fl_type_name (t), a->v.f64);
        return fl__fail (FL_ERR_ARGUMENTS, "kernel '%s', argument %u: signature says %s, got %s", k->name, i,
                         fl_type_name (t), kind);
      }
    }
  out->key = key;
  return FL_OK;
}

static inline uint64_t
fl__constexpr_bits (const fl_arg *a)
{
  uint64_t bits = 0;
  if (a->kind == FL_ARG_F32)
    memcpy (&bits, &a->v.f32, sizeof a->v.f32);
  else
    memcpy (&bits, &a->v, sizeof bits);
  return bits ^ ((uint64_t) a->kind << 60);
}

/* The fast path's packer: the same checks as fl__pack, accumulated without branches and
 * reported once, plus the kernelParams pointers.  Only for keyable kernels (the shifts fit). */
static inline bool
fl__pack_fast (const fl_kernel *k, const fl_arg *args, fl__packed *out)
{
  uint64_t key = 0, bad = 0;
  const unsigned n_ptrs = k->n_ptrs;
  if (FL_LIKELY (k->ptrs_lead))
    {
      /* The common layout (pointers first): no index tables, and NULL folded into a minimum. */
      uint64_t min_ptr = UINT64_MAX;
      unsigned kinds = 0;
#pragma GCC unroll 4
      for (unsigned j = n_ptrs; j-- > 0;) /* backwards: pointer j's bit ends up at bit j */
        {
          const uint64_t p = args[j].v.ptr;
          kinds |= (unsigned) args[j].kind ^ FL_ARG_PTR;
          min_ptr = p < min_ptr ? p : min_ptr;
          out->slots[j] = p;
          out->params[j] = &out->slots[j];
          key = key * 2 + ((p & 15) == 0);
        }
      bad |= kinds | (min_ptr == 0);
    }
  else
  for (unsigned j = 0; j < n_ptrs; j++)
    {
      const fl__fast_ptr f = k->fast_ptrs[j];
      const fl_arg *a = &args[f.arg];
      const uint64_t p = a->v.ptr;
      bad |= (uint64_t) (a->kind ^ FL_ARG_PTR) | (p == 0);
      out->slots[f.param] = p;
      out->params[f.param] = &out->slots[f.param];
      key |= (uint64_t) ((p & 15) == 0) << j;
    }
  for (unsigned j = 0; j < k->n_ints; j++)
    {
      const fl__fast_int f = k->fast_ints[j];
      const fl_arg *a = &args[f.arg];
      const int64_t v = a->v.i;
      bad |= (uint64_t) (a->kind ^ FL_ARG_INT) | ((uint64_t) v - (uint64_t) f.min > f.range);
      out->slots[f.param] = (uint64_t) v;
      out->params[f.param] = &out->slots[f.param];
      key |= (uint64_t) ((v == 1) | (((v & 15) == 0) << 1)) << f.key_shift;
    }
  for (unsigned j = 0; j < k->n_fast_other; j++)
    {
      const fl__arg_plan *p = &k->plan[k->fast_other[j]];
      if (FL_UNLIKELY (!fl__pack_scalar (p, &args[k->fast_other[j]], &out->slots[p->param])))
        return false;
      if (p->op != FL__OP_CONSTEXPR)
        out->params[p->param] = &out->slots[p->param];
    }
  out->key = key;
  return bad == 0;
}

/* ---- events and hooks ---------------------------------------------------------------------- */

static void
fl__emit (const fl_event_sink *sink, const fl_event *ev)
{
  if (sink && sink->emit)
    sink->emit (ev, sink->user_data);
}

static void
fl__emit_error (const fl_bound_kernel *b, fl_status st)
{
  const fl_event_sink *sink = atomic_load_explicit (&fl__event_sink, memory_order_acquire);
  if (!sink)
    return;
  fl_event ev = { .type = FL_EVENT_ERROR, .bound = b, .status = st, .message = fl_last_error (),
                  .start_ns = fl_clock_ns () };
  fl__emit (sink, &ev);
}

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

/* ---- the default (baseline) pipeline ------------------------------------------------------ */

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

/* The full eight-stage pipeline.  Runs on every fl_launch_default() call and on every fast-path
 * miss or fallback.  Fills res for the fast launcher (may be NULL). */
static fl_status
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

/* What a call that compiled or waited tells fl__finish, in one argument. */
enum {
  FL__MISS_COMPILED = 1u << 0, /* this call ran NVRTC */
  FL__MISS_WAITED = 1u << 1,   /* a miss whose spec another thread inserted meanwhile */
};

/* Out of line: the lean hit calls it only with an info or a sink, and stays small without. */
__attribute__ ((noinline)) static void
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

/* ---- graph capture ------------------------------------------------------------------------ */

struct fl_graph {
  CUgraph graph;
  CUgraphExec exec;
  size_t nodes;
};

bool
fl_capture_active (void)
{
  return (atomic_load (&fl__knobs) >> FL__KNOB_CAPTURE_SHIFT) != 0;
}

fl_status
fl_capture_begin (CUstream stream)
{
  fl_status st = fl__require_driver ();
  if (st != FL_OK)
    return st;
  if (!stream)
    return fl__fail (FL_ERR_CAPTURE, "fl_capture_begin: the legacy default stream (NULL) cannot be captured; create a stream");
  CUresult r = fl__drv.cuStreamBeginCapture (stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
  if (r != CUDA_SUCCESS)
    return fl__fail_cuda (r, "cuStreamBeginCapture");
  atomic_fetch_add (&fl__knobs, 1u << FL__KNOB_CAPTURE_SHIFT);
  return FL_OK;
}

fl_status
fl_capture_end (CUstream stream, fl_graph **out)
{
  if (out)
    *out = NULL;
  fl_status st = fl__require_driver ();
  if (st != FL_OK)
    return st;
  if (!out)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_capture_end: NULL out");
  if (!fl_capture_active ())
    return fl__fail (FL_ERR_CAPTURE, "fl_capture_end: no capture is active (call fl_capture_begin first)");
  CUgraph graph = NULL;
  CUresult r = fl__drv.cuStreamEndCapture (stream, &graph);
  atomic_fetch_sub (&fl__knobs, 1u << FL__KNOB_CAPTURE_SHIFT);
  if (r != CUDA_SUCCESS)
    return fl__fail_cuda (r, "cuStreamEndCapture");
  fl_graph *g = calloc (1, sizeof *g);
  if (!g)
    {
      fl__drv.cuGraphDestroy (graph);
      return fl__fail (FL_ERR_NO_MEMORY, "out of memory for a graph");
    }
  g->graph = graph;
  if ((r = fl__drv.cuGraphGetNodes (graph, NULL, &g->nodes)) != CUDA_SUCCESS
      || (r = fl__drv.cuGraphInstantiateWithFlags (&g->exec, graph, 0)) != CUDA_SUCCESS)
    {
      fl__drv.cuGraphDestroy (graph);
      free (g);
      return fl__fail_cuda (r, "instantiating the captured graph");
    }
  *out = g;
  return FL_OK;
}

fl_status
fl_graph_launch (fl_graph *g, CUstream stream)
{
  if (!g)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_graph_launch: NULL graph");
  CUresult r = fl__drv.cuGraphLaunch (g->exec, stream);
  return r == CUDA_SUCCESS ? FL_OK : fl__fail_cuda (r, "cuGraphLaunch");
}

size_t
fl_graph_node_count (const fl_graph *g)
{
  return g ? g->nodes : 0;
}

void
fl_graph_free (fl_graph *g)
{
  if (!g)
    return;
  if (fl_driver_ready ())
    {
      if (g->exec)
        fl__drv.cuGraphExecDestroy (g->exec);
      if (g->graph)
        fl__drv.cuGraphDestroy (g->graph);
    }
  free (g);
}
