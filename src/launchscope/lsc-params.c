/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-params.c — the spec key the engine's rules would give a program's launch, inferred from
 * its parameter values (record --params).
 *
 * A per-spec launcher specialises a kernel on what changes its binary: each pointer's 16-byte
 * alignment, each integer's class (== 1, a multiple of 16, other).  A program's launch carries
 * no types, only each parameter's offset and size (cuFuncGetParamInfo), so the classes are
 * inferred from values: an 8-byte parameter counts as a pointer (aligned or not), a 4-byte one
 * as an integer; other sizes (structs, halves) are left out.  The layout of each CUfunction is
 * asked for once and kept, for the life of the process, in a table read without a lock; a
 * function whose layout the driver does not give (the runtime's own kernels, on some drivers)
 * has no key, and the report says so per kernel.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-params.h"

#define LSC__PARAMS_MAX 64     /* parameters of a layout; a kernel with more keys its first 64 */
#define LSC__LAYOUT_SLOTS 4096 /* distinct functions; beyond it a launch has no key */
#define LSC__LAYOUT_PROBES 64  /* a function not found within this many slots is not kept */

typedef struct {
  uintptr_t function;
  bool known;    /* the driver gave the layout */
  uint16_t n;
  uint8_t size[LSC__PARAMS_MAX]; /* bytes; 0 for a size left out */
} lsc__layout;

static _Atomic (lsc__layout *) lsc__layouts[LSC__LAYOUT_SLOTS];
static pthread_mutex_t lsc__layouts_lock = PTHREAD_MUTEX_INITIALIZER;
static CUresult (*lsc__param_info) (CUfunction, size_t, size_t *, size_t *);
static pthread_once_t lsc__param_info_once = PTHREAD_ONCE_INIT;

static void
lsc__resolve_param_info (void)
{
  /* The program's libcuda, already loaded; cuFuncGetParamInfo is there from CUDA 12.4. */
  void *driver = dlopen ("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
  void *sym = driver ? dlsym (driver, "cuFuncGetParamInfo") : NULL;
  if (!sym)
    sym = dlsym (RTLD_DEFAULT, "cuFuncGetParamInfo");
  memcpy (&lsc__param_info, &sym, sizeof sym);
}

static size_t
lsc__slot_of (uintptr_t function)
{
  uint64_t h = (uint64_t) function * 0x9e3779b97f4a7c15ull;
  return (size_t) (h >> 52) & (LSC__LAYOUT_SLOTS - 1);
}

/* The layout of function, asked of the driver the first time; NULL when the table is full. */
static const lsc__layout *
lsc__layout_of (uintptr_t function)
{
  size_t slot = lsc__slot_of (function);
  for (size_t probe = 0; probe < LSC__LAYOUT_PROBES; probe++)
    {
      lsc__layout *l = atomic_load_explicit (&lsc__layouts[(slot + probe) & (LSC__LAYOUT_SLOTS - 1)],
                                             memory_order_acquire);
      if (!l)
        break;
      if (l->function == function)
        return l;
      if (probe == LSC__LAYOUT_PROBES - 1)
        return NULL; /* a crowded table: no key rather than a long search on every launch */
    }
  pthread_once (&lsc__param_info_once, lsc__resolve_param_info);
  lsc__layout *fresh = calloc (1, sizeof *fresh);
  if (!fresh)
    return NULL;
  fresh->function = function;
  for (size_t i = 0; lsc__param_info && i < LSC__PARAMS_MAX; i++)
    {
      size_t offset = 0, size = 0;
      if (lsc__param_info ((CUfunction) function, i, &offset, &size) != CUDA_SUCCESS)
        break;
      fresh->known = true;
      fresh->size[i] = size == 8 || size == 4 ? (uint8_t) size : 0;
      fresh->n = (uint16_t) (i + 1);
    }
  pthread_mutex_lock (&lsc__layouts_lock);
  const lsc__layout *found = NULL;
  for (size_t probe = 0; probe < LSC__LAYOUT_PROBES && !found; probe++)
    {
      _Atomic (lsc__layout *) *cell = &lsc__layouts[(slot + probe) & (LSC__LAYOUT_SLOTS - 1)];
      lsc__layout *l = atomic_load_explicit (cell, memory_order_relaxed);
      if (l && l->function == function)
        found = l; /* another thread asked first */
      else if (!l)
        {
          atomic_store_explicit (cell, fresh, memory_order_release);
          found = fresh;
          fresh = NULL;
        }
    }
  pthread_mutex_unlock (&lsc__layouts_lock);
  free (fresh);
  return found;
}

lsc_params_result
lsc_params_key (CUfunction function, void *const *params, uint64_t *key)
{
  const lsc__layout *l = lsc__layout_of ((uintptr_t) function);
  if (!l)
    return LSC_PARAMS_NOT_KEPT;
  if (!l->known)
    return LSC_PARAMS_NO_LAYOUT;
  if (!params)
    return LSC_PARAMS_NO_VALUES; /* passed through "extra", a packed buffer */
  uint64_t k = 0xcbf29ce484222325ull; /* FNV-1a over (index, class) */
  for (unsigned i = 0; i < l->n; i++)
    {
      unsigned cls;
      if (l->size[i] == 8)
        {
          uint64_t v;
          memcpy (&v, params[i], sizeof v);
          cls = (v & 15) == 0 ? 1 : 2; /* aligned, unaligned */
        }
      else if (l->size[i] == 4)
        {
          int32_t v;
          memcpy (&v, params[i], sizeof v);
          cls = v == 1 ? 3 : v % 16 == 0 ? 4 : 5; /* one, multiple of 16, other */
        }
      else
        continue;
      k = (k ^ (i << 3 | cls)) * 0x100000001b3ull;
    }
  *key = k;
  return LSC_PARAMS_OK;
}
