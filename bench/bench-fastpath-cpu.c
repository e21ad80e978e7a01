/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-fastpath-cpu.c — CPU instruction counts of the fast and default launch paths, on the
 * driver test double.  Run by bench/callgrind-fastpath under callgrind.
 *
 * TEST DOUBLE: every "driver" call here is the double's, so the numbers are instruction counts
 * of the engine's own code, never timings of a GPU launch.
 *
 * For add2, add8 and add16 (primed and warm) it runs, each in its own function so callgrind
 * attributes them, `--iters` launches of:
 *   raw      the double's cuLaunchKernel with pre-packed arguments (what the paths subtract)
 *   ctx      the double's cuCtxGetCurrent alone (the fast path's one guard call, for reference)
 *   fast     fl_launch() hitting the spec table
 *   default  fl_launch_default()
 * Under callgrind each region is collected alone (--collect-atstart=no, toggled around the
 * loop) and dumped with its label ("fast16"), so the script reads one total per region.
 * Natively it prints ns per launch (informational only: the double is not a driver).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "fl-test-driver.h"

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(label) ((void) (label))
#define RUNNING_ON_VALGRIND 0
#endif

#define N_ELEMS 16 /* div16 class; the double runs add on the CPU, the same in every loop */
#define MAX_PTRS 16

typedef struct {
  unsigned n_ptrs;
  fl_workload w;
  CUfunction function;
  CUdeviceptr raw_ptrs[MAX_PTRS];
  int raw_n;
  void *params[MAX_PTRS + 1];
} cpu_case;

static const fl_driver *drv;

static void
die (const char *what, fl_status st)
{
  fprintf (stderr, "bench-fastpath-cpu: %s: %s: %s\n", what, fl_status_str (st), fl_last_error ());
  exit (1);
}

/* noinline: each loop is its own function in callgrind's output. */
__attribute__ ((noinline)) static unsigned
run_raw (cpu_case *c, unsigned n)
{
  unsigned bad = 0;
  for (unsigned i = 0; i < n; i++)
    bad |= drv->cuLaunchKernel (c->function, c->w.grid.x, 1, 1, 128, 1, 1, 0, NULL, c->params, NULL);
  return bad;
}

__attribute__ ((noinline)) static unsigned
run_ctx (cpu_case *c, unsigned n)
{
  (void) c;
  unsigned bad = 0;
  CUcontext ctx;
  for (unsigned i = 0; i < n; i++)
    bad |= drv->cuCtxGetCurrent (&ctx);
  return bad;
}

__attribute__ ((noinline)) static unsigned
run_fast (cpu_case *c, unsigned n)
{
  unsigned bad = 0;
  for (unsigned i = 0; i < n; i++)
    bad |= fl_launch (c->w.bound, c->w.grid, NULL, c->w.args, c->w.n_args, NULL);
  return bad;
}

__attribute__ ((noinline)) static unsigned
run_default (cpu_case *c, unsigned n)
{
  unsigned bad = 0;
  for (unsigned i = 0; i < n; i++)
    bad |= fl_launch_default (c->w.bound, c->w.grid, NULL, c->w.args, c->w.n_args, NULL);
  return bad;
}

static void
case_setup (cpu_case *c, unsigned n_ptrs)
{
  memset (c, 0, sizeof *c);
  c->n_ptrs = n_ptrs;
  fl_status st = fl_workload_setup (&(fl_workload_options){ .n_ptrs = n_ptrs, .n = N_ELEMS }, &c->w);
  if (st != FL_OK)
    die ("fl_workload_setup", st);
  for (unsigned b = 0; b < n_ptrs; b++)
    {
      c->raw_ptrs[b] = c->w.bufs[b];
      c->params[b] = &c->raw_ptrs[b];
    }
  c->raw_n = N_ELEMS;
  c->params[n_ptrs] = &c->raw_n;

  fl_launch_info info;
  if ((st = fl_workload_prime (&c->w, NULL, &info)) != FL_OK)
    die ("priming", st);
  if ((st = fl_launch (c->w.bound, c->w.grid, NULL, c->w.args, c->w.n_args, &info)) != FL_OK)
    die ("fast path", st);
  if (info.outcome != FL_OUTCOME_HIT)
    {
      fprintf (stderr, "bench-fastpath-cpu: add%u: the fast path did not hit (%s, %s)\n", n_ptrs,
               fl_outcome_str (info.outcome), fl_fallback_str (info.reason));
      exit (1);
    }
  fl_spec_entry e[64];
  unsigned n = fl_bound_kernel_spec_entries (c->w.bound, e, 64);
  for (unsigned i = 0; i < n && i < 64; i++)
    if (e[i].key == info.spec_key)
      c->function = e[i].function;
  if (!c->function)
    {
      fprintf (stderr, "bench-fastpath-cpu: add%u: no spec entry\n", n_ptrs);
      exit (1);
    }
}

static void
case_check (cpu_case *c)
{
  float out[N_ELEMS];
  if (drv->cuMemcpyDtoH (out, c->w.bufs[0], sizeof out) != CUDA_SUCCESS)
    die ("cuMemcpyDtoH on the test double", FL_ERR_CUDA);
  for (unsigned i = 0; i < N_ELEMS; i++)
    {
      float want = 0;
      for (unsigned b = 1; b < c->n_ptrs; b++)
        want += fl_workload_input (b, i);
      if (out[i] != want)
        {
          fprintf (stderr, "bench-fastpath-cpu: add%u element %u is %g, want %g\n", c->n_ptrs, i, (double) out[i],
                   (double) want);
          exit (1);
        }
    }
}

static uint64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

typedef unsigned (*loop_fn) (cpu_case *, unsigned);

/* One collected region: callgrind dumps it as "<label><n_ptrs>". */
static void
region (const char *label, loop_fn fn, cpu_case *c, unsigned iters, double *ns_per_call)
{
  char name[32];
  snprintf (name, sizeof name, "%s%u", label, c->n_ptrs);
  fn (c, 64); /* warm: lazy binding, caches, branch history */
  uint64_t t0 = now_ns ();
  CALLGRIND_ZERO_STATS;
  CALLGRIND_TOGGLE_COLLECT;
  unsigned bad = fn (c, iters);
  CALLGRIND_TOGGLE_COLLECT;
  CALLGRIND_DUMP_STATS_AT (name);
  *ns_per_call = (double) (now_ns () - t0) / iters;
  if (bad)
    {
      fprintf (stderr, "bench-fastpath-cpu: %s: a call failed: %s\n", name, fl_last_error ());
      exit (1);
    }
}

int
main (int argc, char **argv)
{
  unsigned iters = 1000;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--iters") == 0 && i + 1 < argc)
        {
          char *end;
          long v = strtol (argv[++i], &end, 10);
          if (*end || v < 1 || v > 100000000)
            {
              fprintf (stderr, "bench-fastpath-cpu: --iters wants 1..100000000\n");
              return 2;
            }
          iters = (unsigned) v;
        }
      else
        {
          fprintf (stderr, "Usage: %s [--iters N]\n(run it through bench/callgrind-fastpath)\n", argv[0]);
          return strcmp (argv[i], "--help") == 0 ? 0 : 2;
        }
    }

  fl_test_driver_install ();
  fl_status st = fl_use_device (0);
  if (st != FL_OK)
    die ("fl_use_device on the test double", st);
  drv = fl_driver_get ();

  static const unsigned sizes[] = { 2, 8, 16 };
  printf ("# bench-fastpath-cpu: driver TEST DOUBLE, %u launches per region, N=%d\n", iters, N_ELEMS);
  printf ("# %-6s %12s %12s %12s %12s   (native ns per call, informational)\n", "kernel", "raw", "ctx", "fast",
          "default");
  for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
    {
      cpu_case c;
      case_setup (&c, sizes[s]);
      double ns[4];
      region ("raw", run_raw, &c, iters, &ns[0]);
      region ("ctx", run_ctx, &c, iters, &ns[1]);
      region ("fast", run_fast, &c, iters, &ns[2]);
      region ("default", run_default, &c, iters, &ns[3]);
      case_check (&c);
      fl_stats stats;
      fl_bound_kernel_stats (c.w.bound, &stats);
      if (stats.fast_hits < iters)
        {
          fprintf (stderr, "bench-fastpath-cpu: add%u: only %" PRIu64 " fast hits\n", c.n_ptrs, stats.fast_hits);
          return 1;
        }
      printf ("# add%-3u %12.1f %12.1f %12.1f %12.1f\n", c.n_ptrs, ns[0], ns[1], ns[2], ns[3]);
      fl_workload_free (&c.w);
    }
  return 0;
}
