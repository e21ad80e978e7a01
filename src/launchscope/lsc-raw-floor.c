/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-raw-floor.c — the bare cuLaunchKernel cost the fast path is compared with.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastlaunch-driver.h"
#include "lsc-raw-floor.h"
#include "lsc-percentile.h"

static int
lsc__cmp_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return (x > y) - (x < y);
}

bool
lsc_raw_launch_prepare (const fl_bound_kernel *bound, const fl_arg *args, unsigned n_args, lsc_raw_launch *out)
{
  fl_spec_entry e;
  if (n_args > FL_MAX_ARGS || fl_bound_kernel_spec_entries (bound, &e, 1) < 1)
    return false;
  out->function = e.function;
  /* Constexpr arguments are compiled into the binary, not passed. */
  const fl_signature *sig = fl_kernel_signature (fl_bound_kernel_kernel (bound));
  unsigned np = 0;
  for (unsigned i = 0; i < n_args; i++)
    {
      if (sig->types[i] == FL_TYPE_CONSTEXPR)
        continue;
      out->slots[np] = 0;
      if (args[i].kind == FL_ARG_F32)
        memcpy (&out->slots[np], &args[i].v.f32, sizeof args[i].v.f32);
      else
        memcpy (&out->slots[np], &args[i].v, sizeof out->slots[np]);
      out->params[np] = &out->slots[np];
      np++;
    }
  return true;
}

double
lsc_raw_floor_measure (const fl_bound_kernel *bound, fl_grid grid, unsigned block_x, const fl_arg *args,
                       unsigned n_args, unsigned warmup, unsigned count)
{
  const fl_driver *drv = fl_driver_get ();
  lsc_raw_launch raw;
  if (!drv || count == 0 || !lsc_raw_launch_prepare (bound, args, n_args, &raw))
    return 0;
  uint64_t *ns = malloc ((size_t) count * sizeof *ns);
  if (!ns)
    return 0;
  unsigned timed = 0;
  for (unsigned i = 0; i < warmup + count; i++)
    {
      uint64_t t0 = fl_clock_ns ();
      CUresult r = drv->cuLaunchKernel (raw.function, grid.x, grid.y, grid.z, block_x, 1, 1, 0, NULL, raw.params, NULL);
      uint64_t t1 = fl_clock_ns ();
      if (r != CUDA_SUCCESS)
        {
          timed = 0;
          break;
        }
      if (i >= warmup)
        ns[timed++] = t1 - t0;
      if ((i + 1) % 250 == 0)
        drv->cuCtxSynchronize ();
    }
  drv->cuCtxSynchronize ();
  double p50 = 0;
  if (timed)
    {
      qsort (ns, timed, sizeof *ns, lsc__cmp_u64);
      p50 = (double) ns[lsc_percentile_index (timed, 50)];
    }
  free (ns);
  return p50;
}
