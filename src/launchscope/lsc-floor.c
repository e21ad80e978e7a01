/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-floor.c — the in-session floor and observer cost (lsc-floor.h says what they are).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastlaunch-driver.h"
#include "lsc-cupti.h"
#include "lsc-floor.h"
#include "lsc-percentile.h"

#define LSC__SPEC_ENTRIES 256
#define LSC__ROUNDS_KEPT 4096 /* the figures use the latest this many rounds */

struct lsc_floor_probe {
  lsc_recorder *rec;
  uint64_t every, since; /* launches between rounds; since the last one */
  /* The launch a round repeats: the session's last, as it was made. */
  const fl_bound_kernel *bound;
  uint64_t key;
  fl_path path;
  fl_grid grid;
  CUstream stream;
  bool use_default;
  unsigned n_args;
  fl_arg args[FL_MAX_ARGS];
  uint32_t round;
  lsc_raw_launch raw;
  pthread_mutex_t lock; /* the rounds, read by lsc_floor_probe_figures from another thread */
  lsc_floor_round rounds[LSC__ROUNDS_KEPT];
  size_t n_rounds;
};

lsc_floor_probe *
lsc_floor_probe_new (lsc_recorder *rec, uint64_t every)
{
  lsc_floor_probe *p = calloc (1, sizeof *p);
  if (!p)
    return NULL;
  p->rec = rec;
  p->every = every ? every : LSC_FLOOR_EVERY;
  if (p->every < 2 * LSC_FLOOR_BLOCK)
    p->every = 2 * LSC_FLOOR_BLOCK;
  pthread_mutex_init (&p->lock, NULL);
  return p;
}

void
lsc_floor_probe_free (lsc_floor_probe *probe)
{
  if (!probe)
    return;
  pthread_mutex_destroy (&probe->lock);
  free (probe);
}

static double
lsc__block_median (uint64_t *ns, unsigned n)
{
  if (n == 0)
    return NAN;
  qsort (ns, n, sizeof *ns, lsc_cmp_u64);
  return n % 2 ? (double) ns[n / 2] : ((double) ns[n / 2 - 1] + (double) ns[n / 2]) / 2;
}

bool
lsc_raw_launch_prepare (const fl_bound_kernel *bound, const fl_arg *args, unsigned n_args, bool any_spec,
                        uint64_t key, lsc_raw_launch *out)
{
  fl_spec_entry entries[LSC__SPEC_ENTRIES];
  unsigned n = fl_bound_kernel_spec_entries (bound, entries, LSC__SPEC_ENTRIES);
  out->function = NULL;
  for (unsigned i = 0; i < n && i < LSC__SPEC_ENTRIES && !out->function; i++)
    if (any_spec || entries[i].key == key)
      out->function = entries[i].function;
  if (!out->function || n_args > FL_MAX_ARGS)
    return false;
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

/* One launch of the session's own kind, with whatever sink and CUPTI state the caller set, timed
 * around the call; 0 when it fails. */
static uint64_t
lsc__engine_launch (lsc_floor_probe *p)
{
  fl_bound_kernel *bound = (fl_bound_kernel *) p->bound;
  uint64_t t0 = fl_clock_ns ();
  fl_status st = p->use_default ? fl_launch_default (bound, p->grid, p->stream, p->args, p->n_args, NULL)
                                : fl_launch (bound, p->grid, p->stream, p->args, p->n_args, NULL);
  uint64_t t1 = fl_clock_ns ();
  return st == FL_OK ? t1 - t0 : 0;
}

/* One bare cuLaunchKernel of the binary p->raw was prepared for, timed; 0 when it fails. */
static uint64_t
lsc__bare_launch (lsc_floor_probe *p, const fl_driver *drv)
{
  const fl_config *config = fl_bound_kernel_config (p->bound);
  uint64_t t0 = fl_clock_ns ();
  CUresult r = drv->cuLaunchKernel (p->raw.function, p->grid.x, p->grid.y, p->grid.z, config->block_x, config->block_y,
                       config->block_z, config->shared_mem_bytes, p->stream, p->raw.params, NULL);
  uint64_t t1 = fl_clock_ns ();
  return r == CUDA_SUCCESS ? t1 - t0 : 0;
}

/* The session's own launch, LSC_FLOOR_BLOCK times. */
static double
lsc__engine_block (lsc_floor_probe *p, uint64_t *start_ns)
{
  uint64_t ns[LSC_FLOOR_BLOCK];
  *start_ns = fl_clock_ns ();
  for (unsigned i = 0; i < LSC_FLOOR_BLOCK; i++)
    if (!(ns[i] = lsc__engine_launch (p)))
      return NAN;
  return lsc__block_median (ns, LSC_FLOOR_BLOCK);
}

/* The session's own launch and a bare cuLaunchKernel of the spec's binary, LSC_FLOOR_BLOCK of
 * each, alternating launch by launch (which goes first turns too): both see the same moment of
 * the machine, whose speed on a shared host drifts within milliseconds.  The bare median is NAN
 * when the spec has no binary in the fast table (a session on the baseline from its start) or a
 * call fails. */
static void
lsc__paired_block (lsc_floor_probe *p, uint64_t *start_ns, double *engine_p50, double *bare_p50)
{
  const fl_driver *drv = fl_driver_get ();
  bool bare = drv && lsc_raw_launch_prepare (p->bound, p->args, p->n_args, false, p->key, &p->raw);
  uint64_t engine_ns[LSC_FLOOR_BLOCK], bare_ns[LSC_FLOOR_BLOCK];
  *start_ns = fl_clock_ns ();
  *engine_p50 = *bare_p50 = NAN;
  for (unsigned i = 0; i < LSC_FLOOR_BLOCK; i++)
    for (unsigned k = 0; k < 2; k++)
      {
        if ((k + i) % 2 == 0)
          {
            if (!(engine_ns[i] = lsc__engine_launch (p)))
              return;
          }
        else if (bare && !(bare_ns[i] = lsc__bare_launch (p, drv)))
          bare = false;
      }
  *engine_p50 = lsc__block_median (engine_ns, LSC_FLOOR_BLOCK);
  if (bare)
    *bare_p50 = lsc__block_median (bare_ns, LSC_FLOOR_BLOCK);
}

static void
lsc__store_block (lsc_floor_probe *p, lsc_floor_kind kind, uint64_t start_ns, double p50)
{
  if (!isfinite (p50))
    return;
  lsc_recorder_floor_block (p->rec, &(lsc_floor_block){ .round = p->round,
                                                         .kind = kind,
                                                         .path = p->path,
                                                         .bound = p->bound,
                                                         .spec_key = p->key,
                                                         .start_ns = start_ns,
                                                         .launches = LSC_FLOOR_BLOCK,
                                                         .p50_ns = (uint64_t) llround (p50) });
}

/* The recorded block and the unrecorded pair, back to back, in an order that turns with the
 * round so that neither always comes first. */
static void
lsc__round (lsc_floor_probe *p)
{
  lsc_floor_round r = { .path = p->path };
  uint64_t start[LSC_FLOOR_KINDS] = { 0 };
  const fl_event_sink *sink = fl_event_sink_get ();
  for (int i = 0; i < 2; i++)
    {
      bool recorded = (i + p->round) % 2 == 0;
      /* Recorded: the recorder's push and CUPTI's callbacks as the session has them, the rows
       * left unwritten; else neither. */
      fl_event_sink_set (recorded ? lsc_recorder_probe_sink (p->rec) : NULL);
      lsc_cupti_pause (!recorded);
      /* The first launches after a switch of CUPTI's callbacks pay for it: a block is timed
       * after a block's worth of launches in its own conditions. */
      for (int timed = 0; timed < 2; timed++)
        if (recorded)
          r.p50_ns[LSC_FLOOR_RECORDED] = lsc__engine_block (p, &start[LSC_FLOOR_RECORDED]);
        else
          {
            lsc__paired_block (p, &start[LSC_FLOOR_UNRECORDED], &r.p50_ns[LSC_FLOOR_UNRECORDED],
                               &r.p50_ns[LSC_FLOOR_BARE]);
            start[LSC_FLOOR_BARE] = start[LSC_FLOOR_UNRECORDED];
          }
    }
  lsc_cupti_pause (false);
  fl_event_sink_set (sink);

  for (int k = 0; k < LSC_FLOOR_KINDS; k++)
    lsc__store_block (p, (lsc_floor_kind) k, start[k], r.p50_ns[k]);
  pthread_mutex_lock (&p->lock);
  p->rounds[p->n_rounds++ % LSC__ROUNDS_KEPT] = r;
  pthread_mutex_unlock (&p->lock);
  p->round++;
}

fl_status
lsc_floor_probe_launch (lsc_floor_probe *probe, fl_bound_kernel *bound, fl_grid grid, CUstream stream,
                        const fl_arg *args, unsigned n_args, bool use_default, fl_launch_info *info)
{
  if (!probe || ++probe->since < probe->every)
    return use_default ? fl_launch_default (bound, grid, stream, args, n_args, info)
                       : fl_launch (bound, grid, stream, args, n_args, info);
  fl_launch_info own;
  fl_launch_info *li = info ? info : &own;
  fl_status st = use_default ? fl_launch_default (bound, grid, stream, args, n_args, li)
                             : fl_launch (bound, grid, stream, args, n_args, li);
  /* A hit, or a baseline launch that compiled nothing: a launch in its settled state, the one
   * the round repeats.  Otherwise the round waits for the next such launch. */
  bool steady = st == FL_OK && n_args <= FL_MAX_ARGS && !li->compiled
                && ((li->path == FL_PATH_FAST && li->outcome == FL_OUTCOME_HIT) || li->path == FL_PATH_DEFAULT);
  if (steady)
    {
      probe->bound = bound;
      probe->key = li->spec_key;
      probe->path = li->path;
      probe->grid = grid;
      probe->stream = stream;
      probe->use_default = use_default;
      probe->n_args = n_args;
      memcpy (probe->args, args, n_args * sizeof *args);
      lsc__round (probe);
      probe->since = 0;
    }
  return st;
}

void
lsc_floor_probe_figures (lsc_floor_probe *probe, lsc_floor_figures *out)
{
  memset (out, 0, sizeof *out);
  out->floor_p50_ns = NAN;
  if (!probe)
    return;
  pthread_mutex_lock (&probe->lock);
  size_t n = probe->n_rounds < LSC__ROUNDS_KEPT ? probe->n_rounds : LSC__ROUNDS_KEPT;
  lsc_floor_round *copy = n ? malloc (n * sizeof *copy) : NULL;
  if (copy)
    memcpy (copy, probe->rounds, n * sizeof *copy);
  pthread_mutex_unlock (&probe->lock);
  if (copy)
    lsc_floor_figures_compute (copy, n, out);
  free (copy);
}
