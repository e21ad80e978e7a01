/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-bench.c — `launchscope-cli bench`: the host cost of one launch on five paths, measured
 * side by side in one process, so the paths share the machine's state when they are compared.
 *
 * Paths, all launching the same add<N> binary on the same created stream:
 *   raw        cuLaunchKernel with pre-packed arguments and the fast path's CUfunction (the floor)
 *   default    fl_launch_default(): the eight-stage baseline on every call
 *   fast       fl_launch() hitting the spec table
 *   fast+sink  fl_launch() with an event sink installed (a trivial one that counts)
 *   graph      fl_graph_launch() of K captured launches, reported per kernel (amortized)
 *
 * Drift (clock, caches, other tenants) moves a host by hundreds of ns between runs, so the paths
 * are never measured one after another: every path runs blocks of calls in a rotating order,
 * with a stream sync between blocks (TOOLCHAIN.md §11).  Each block is either individually
 * timed (two clock reads around each call: p50/p90/p99/max) or a back-to-back loop timed as a
 * whole (ns per call, without the per-call clock reads).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsc-cli.h"
#include "lsc-report.h"

#define CMD "bench"
#define MAX_CASES 8
#define BLOCK_THREADS 128

enum { P_RAW, P_DEFAULT, P_FAST, P_FAST_SINK, P_GRAPH, P_COUNT };
static const char *const path_names[P_COUNT] = { "raw", "default", "fast", "fast+sink", "graph" };
static const char *const path_labels[P_COUNT] = { "raw cuLaunchKernel", "baseline path", "fast path",
                                                  "fast + event sink", "graph replay/kernel" };

typedef struct {
  long n, iters, warmup, block, graph_nodes, device;
  unsigned cases[MAX_CASES];
  unsigned n_cases;
  bool json, quiet;
} bench_options;

typedef struct {
  uint64_t launches;
} counting_sink_state;

static void
counting_sink_emit (const fl_event *ev, void *user_data)
{
  counting_sink_state *s = user_data;
  if (ev->type == FL_EVENT_LAUNCH)
    s->launches++;
}

typedef struct {
  unsigned n_ptrs;
  const fl_driver *drv;
  CUstream stream;
  fl_workload w;
  /* raw path */
  CUfunction function;
  CUdeviceptr raw_ptrs[32];
  int raw_count;
  void *raw_params[33];
  /* graph path */
  fl_graph *graph;
  unsigned graph_nodes;
  /* fast+sink */
  counting_sink_state sink_state;
  fl_event_sink sink;
  uint64_t sink_calls;
  /* results */
  uint64_t *samples[P_COUNT]; /* graph: ns per replay */
  size_t n_samples[P_COUNT];
  uint64_t loop_ns[P_COUNT];
  uint64_t loop_calls[P_COUNT]; /* graph: kernels */
  lsc_summary timed[P_COUNT];
  /* Per round, each path's block p50: the paired estimate of a difference (median over rounds
   * of p50(path) - p50(raw) in the same round) cancels drift between rounds. */
  double *block_p50[P_COUNT];
  size_t n_blocks;
  double paired_fast, paired_sink, paired_default; /* ns */
  double loop_ns_per_call[P_COUNT];
  /* default path per stage, stage timing on */
  uint64_t *stage_samples[FL_STAGE_COUNT];
  uint64_t *stage_total;
  size_t n_stage;
  lsc_summary stage[FL_STAGE_COUNT], stage_call;
  double graph_sync_ns_per_kernel;
  char warning[256];
} bench_case;

static void
print_help (void)
{
  printf ("Usage: %s %s [OPTIONS]\n"
          "\n"
          "Measure the host cost of one kernel launch for add<N> kernels (fp32, out = sum of\n"
          "N-1 inputs) on five paths in one process, interleaved in blocks so drift hits all\n"
          "paths alike: raw cuLaunchKernel (the floor), the baseline path, the fast path, the\n"
          "fast path with an event sink, and CUDA graph replay (amortized per kernel).  For each\n"
          "path: ns per call from back-to-back loops and p50/p90/p99/max of individually timed\n"
          "calls; then the ratios and the baseline path's per-stage breakdown.\n"
          "\n"
          "Options:\n"
          "  -a, --args LIST        pointer-argument counts to run (default 2,8,16; 2..32 each)\n"
          "  -n, --n N              elements per buffer (default 4096)\n"
          "  -i, --iters N          timed calls per path and per mode (default 20000)\n"
          "  -w, --warmup N         untimed calls per path first (default 2000)\n"
          "  -b, --block N          calls per interleaved block (default 500)\n"
          "  -g, --graph-nodes K    launches captured in the replayed graph (default 100)\n"
          "  -d, --device N         CUDA device ordinal (default 0)\n"
          "  -j, --json             print JSON instead of the table\n"
          "  -q, --quiet            no progress on stderr (it is also off when stderr is no tty)\n"
          "  -h, --help             show this help and exit\n"
          "\n"
          "Exit status: 0 ok, 1 runtime error, 2 usage error, 3 no CUDA driver or GPU.\n",
          LSC_CLI_NAME, CMD);
}

/* ---- progress ---------------------------------------------------------------------------- */

static bool progress_on;

static void
progress (const char *what, size_t done, size_t total)
{
  if (!progress_on)
    return;
  fprintf (stderr, "\r%s %s: %-28s %3zu%%", LSC_CLI_NAME, CMD, what, total ? done * 100 / total : 100);
  fflush (stderr);
}

static void
progress_end (void)
{
  if (progress_on)
    fprintf (stderr, "\r%72s\r", "");
}

/* ---- set-up ------------------------------------------------------------------------------ */

static int
case_setup (bench_case *c, unsigned n_ptrs, const bench_options *o, CUstream stream)
{
  memset (c, 0, sizeof *c);
  c->n_ptrs = n_ptrs;
  c->drv = fl_driver_get ();
  c->stream = stream;
  fl_status st = fl_workload_setup (&(fl_workload_options){ .n_ptrs = n_ptrs, .n = o->n,
                                                            .num_warps = BLOCK_THREADS / 32 },
                                    &c->w);
  if (st != FL_OK)
    return lsc_cli_fl_error (CMD, "setting up the workload", st);
  for (unsigned b = 0; b < n_ptrs; b++)
    {
      c->raw_ptrs[b] = c->w.bufs[b];
      c->raw_params[b] = &c->raw_ptrs[b];
    }
  c->raw_count = (int) o->n;
  c->raw_params[n_ptrs] = &c->raw_count;

  /* Prime (compiles), then confirm the fast path hits and take its binary for the raw path. */
  fl_launch_info info;
  if ((st = fl_workload_prime (&c->w, stream, &info)) != FL_OK)
    return lsc_cli_fl_error (CMD, "priming the fast path", st);
  if ((st = fl_launch (c->w.bound, c->w.grid, stream, c->w.args, c->w.n_args, &info)) != FL_OK)
    return lsc_cli_fl_error (CMD, "launching on the fast path", st);
  if (info.outcome != FL_OUTCOME_HIT)
    snprintf (c->warning, sizeof c->warning, "the fast path did not hit (%s, %s): the 'fast' rows measure a fallback",
              fl_outcome_str (info.outcome), fl_fallback_str (info.reason));
  fl_spec_entry entries[64];
  unsigned n = fl_bound_kernel_spec_entries (c->w.bound, entries, 64);
  for (unsigned i = 0; i < n && i < 64; i++)
    if (entries[i].key == info.spec_key)
      c->function = entries[i].function;
  if (!c->function && n > 0)
    c->function = entries[0].function;
  if (!c->function)
    {
      fprintf (stderr, "%s %s: the fast path has no spec entry to take the raw CUfunction from (%s)\n", LSC_CLI_NAME,
               CMD, c->warning);
      return LSC_EXIT_RUNTIME;
    }
  if ((st = fl_launch_default (c->w.bound, c->w.grid, stream, c->w.args, c->w.n_args, NULL)) != FL_OK)
    return lsc_cli_fl_error (CMD, "launching on the default path", st);

  /* The graph: K launches recorded by the engine's capture API. */
  c->graph_nodes = (unsigned) o->graph_nodes;
  if ((st = fl_capture_begin (stream)) != FL_OK)
    return lsc_cli_fl_error (CMD, "starting the graph capture", st);
  for (unsigned i = 0; i < c->graph_nodes && st == FL_OK; i++)
    st = fl_launch (c->w.bound, c->w.grid, stream, c->w.args, c->w.n_args, NULL);
  fl_status end = fl_capture_end (stream, &c->graph);
  if (st != FL_OK)
    return lsc_cli_fl_error (CMD, "launching during capture", st);
  if (end != FL_OK)
    return lsc_cli_fl_error (CMD, "ending the graph capture", end);
  if (fl_graph_node_count (c->graph) != c->graph_nodes)
    {
      fprintf (stderr, "%s %s: the captured graph has %zu nodes, expected %u\n", LSC_CLI_NAME, CMD,
               fl_graph_node_count (c->graph), c->graph_nodes);
      return LSC_EXIT_RUNTIME;
    }

  c->sink = (fl_event_sink){ .emit = counting_sink_emit, .user_data = &c->sink_state };
  size_t graph_replays = (size_t) (o->iters / c->graph_nodes) + (size_t) (o->iters / o->block) + 2;
  for (int p = 0; p < P_COUNT; p++)
    {
      size_t cap = p == P_GRAPH ? graph_replays : (size_t) o->iters;
      c->samples[p] = calloc (cap, sizeof (uint64_t));
      c->block_p50[p] = calloc ((size_t) (o->iters / o->block) + 2, sizeof (double));
      if (!c->samples[p] || !c->block_p50[p])
        return lsc_cli_fl_error (CMD, "allocating samples", FL_ERR_NO_MEMORY);
    }
  for (int s = 0; s < FL_STAGE_COUNT; s++)
    if (!(c->stage_samples[s] = calloc ((size_t) o->iters, sizeof (uint64_t))))
      return lsc_cli_fl_error (CMD, "allocating samples", FL_ERR_NO_MEMORY);
  if (!(c->stage_total = calloc ((size_t) o->iters, sizeof (uint64_t))))
    return lsc_cli_fl_error (CMD, "allocating samples", FL_ERR_NO_MEMORY);
  CUresult r = c->drv->cuStreamSynchronize (stream);
  if (r != CUDA_SUCCESS)
    return lsc_cli_cu_error (CMD, "cuStreamSynchronize after set-up", r);
  return LSC_EXIT_OK;
}

static void
case_free (bench_case *c)
{
  fl_event_sink_set (NULL);
  fl_graph_free (c->graph);
  for (int p = 0; p < P_COUNT; p++)
    {
      free (c->samples[p]);
      free (c->block_p50[p]);
    }
  for (int s = 0; s < FL_STAGE_COUNT; s++)
    free (c->stage_samples[s]);
  free (c->stage_total);
  fl_workload_free (&c->w);
}

/* ---- measurement ------------------------------------------------------------------------- */

/* `count` calls of path p.  dst: per-call ns (per-replay ns for the graph), or NULL for a
 * back-to-back loop whose total is returned in *loop_ns.  Returns false on the first failure. */
static bool
run_block (bench_case *c, int p, unsigned count, uint64_t *dst, uint64_t *loop_ns, unsigned *graph_replays)
{
  const fl_driver *drv = c->drv;
  CUstream s = c->stream;
  fl_grid g = c->w.grid;
  unsigned bad = 0;
  uint64_t t_start = lsc_now_ns ();
  switch (p)
    {
    case P_RAW:
      if (dst)
        for (unsigned i = 0; i < count; i++)
          {
            uint64_t t0 = lsc_now_ns ();
            bad |= drv->cuLaunchKernel (c->function, g.x, 1, 1, BLOCK_THREADS, 1, 1, 0, s, c->raw_params, NULL);
            dst[i] = lsc_now_ns () - t0;
          }
      else
        for (unsigned i = 0; i < count; i++)
          bad |= drv->cuLaunchKernel (c->function, g.x, 1, 1, BLOCK_THREADS, 1, 1, 0, s, c->raw_params, NULL);
      break;
    case P_DEFAULT:
      if (dst)
        for (unsigned i = 0; i < count; i++)
          {
            uint64_t t0 = lsc_now_ns ();
            bad |= fl_launch_default (c->w.bound, g, s, c->w.args, c->w.n_args, NULL);
            dst[i] = lsc_now_ns () - t0;
          }
      else
        for (unsigned i = 0; i < count; i++)
          bad |= fl_launch_default (c->w.bound, g, s, c->w.args, c->w.n_args, NULL);
      break;
    case P_FAST:
    case P_FAST_SINK:
      if (p == P_FAST_SINK)
        fl_event_sink_set (&c->sink);
      if (dst)
        for (unsigned i = 0; i < count; i++)
          {
            uint64_t t0 = lsc_now_ns ();
            bad |= fl_launch (c->w.bound, g, s, c->w.args, c->w.n_args, NULL);
            dst[i] = lsc_now_ns () - t0;
          }
      else
        {
          t_start = lsc_now_ns ();
          for (unsigned i = 0; i < count; i++)
            bad |= fl_launch (c->w.bound, g, s, c->w.args, c->w.n_args, NULL);
        }
      if (p == P_FAST_SINK)
        {
          fl_event_sink_set (NULL);
          c->sink_calls += count;
        }
      break;
    case P_GRAPH:
      {
        unsigned replays = count / c->graph_nodes ? count / c->graph_nodes : 1;
        *graph_replays = replays;
        if (dst)
          for (unsigned i = 0; i < replays; i++)
            {
              uint64_t t0 = lsc_now_ns ();
              bad |= fl_graph_launch (c->graph, s);
              dst[i] = lsc_now_ns () - t0;
            }
        else
          for (unsigned i = 0; i < replays; i++)
            bad |= fl_graph_launch (c->graph, s);
        break;
      }
    }
  uint64_t t_end = lsc_now_ns ();
  if (loop_ns)
    *loop_ns = t_end - t_start;
  return bad == 0;
}

static int
sync_stream (bench_case *c)
{
  CUresult r = c->drv->cuStreamSynchronize (c->stream);
  return r == CUDA_SUCCESS ? LSC_EXIT_OK : lsc_cli_cu_error (CMD, "cuStreamSynchronize", r);
}

static int
case_measure (bench_case *c, const bench_options *o, const char *label)
{
  const unsigned block = (unsigned) o->block;
  const size_t n_blocks = (size_t) ((o->iters + o->block - 1) / o->block);
  const size_t warm_blocks = (size_t) ((o->warmup + o->block - 1) / o->block);
  const size_t stage_blocks = n_blocks;
  const size_t total = warm_blocks + n_blocks + stage_blocks;
  uint64_t *scratch = malloc ((size_t) block * sizeof (uint64_t));
  if (!scratch)
    return lsc_cli_fl_error (CMD, "allocating", FL_ERR_NO_MEMORY);
  char what[128];
  snprintf (what, sizeof what, "%.60s, warm-up", label);

  /* Warm-up: every path, rotating, untimed. */
  for (size_t bi = 0; bi < warm_blocks; bi++)
    {
      progress (what, bi, total);
      for (int j = 0; j < P_COUNT; j++)
        {
          unsigned replays;
          uint64_t ns;
          if (!run_block (c, (int) ((bi + (size_t) j) % P_COUNT), block, NULL, &ns, &replays))
            {
              free (scratch);
              return lsc_cli_fl_error (CMD, "a warm-up launch failed", FL_ERR_CUDA);
            }
          if (sync_stream (c) != LSC_EXIT_OK)
            {
              free (scratch);
              return LSC_EXIT_RUNTIME;
            }
        }
    }
  c->sink_state.launches = 0;
  c->sink_calls = 0;

  /* The measurement: per block, each path runs one timed block and one loop block, the order
   * rotating over the 2 * P_COUNT (path, mode) pairs. */
  snprintf (what, sizeof what, "%.60s, measuring", label);
  for (size_t bi = 0; bi < n_blocks; bi++)
    {
      progress (what, warm_blocks + bi, total);
      unsigned count = (unsigned) ((bi + 1) * (size_t) block <= (size_t) o->iters ? (size_t) block
                                                                               : (size_t) o->iters - bi * block);
      for (int j = 0; j < 2 * P_COUNT; j++)
        {
          int slot = (int) ((bi + (size_t) j) % (2 * P_COUNT));
          int p = slot / 2;
          bool timed = slot % 2 == 0;
          unsigned replays = 0;
          uint64_t loop_ns = 0;
          bool ok;
          if (timed)
            {
              ok = run_block (c, p, count, scratch, NULL, &replays);
              size_t got = p == P_GRAPH ? replays : count;
              memcpy (c->samples[p] + c->n_samples[p], scratch, got * sizeof (uint64_t));
              c->n_samples[p] += got;
              lsc_summary bs;
              lsc_summarize (scratch, got, p == P_GRAPH ? c->graph_nodes : 1, &bs); /* sorts scratch */
              c->block_p50[p][bi] = bs.p50;
            }
          else
            {
              ok = run_block (c, p, count, NULL, &loop_ns, &replays);
              c->loop_ns[p] += loop_ns;
              c->loop_calls[p] += p == P_GRAPH ? (uint64_t) replays * c->graph_nodes : count;
            }
          if (!ok)
            {
              free (scratch);
              return lsc_cli_fl_error (CMD, path_labels[p], FL_ERR_CUDA);
            }
          if (sync_stream (c) != LSC_EXIT_OK)
            {
              free (scratch);
              return LSC_EXIT_RUNTIME;
            }
        }
    }
  free (scratch);

  c->n_blocks = n_blocks;
  c->paired_fast = lsc_paired_median (c->block_p50[P_FAST], c->block_p50[P_RAW], c->n_blocks);
  c->paired_sink = lsc_paired_median (c->block_p50[P_FAST_SINK], c->block_p50[P_RAW], c->n_blocks);
  c->paired_default = lsc_paired_median (c->block_p50[P_DEFAULT], c->block_p50[P_RAW], c->n_blocks);

  /* GPU-bound view of the graph: one replay including its completion. */
  {
    uint64_t t0 = lsc_now_ns ();
    fl_status st = fl_graph_launch (c->graph, c->stream);
    if (st != FL_OK || sync_stream (c) != LSC_EXIT_OK)
      return lsc_cli_fl_error (CMD, "graph replay", st);
    c->graph_sync_ns_per_kernel = (double) (lsc_now_ns () - t0) / c->graph_nodes;
  }

  /* The default path per stage (stage timing on: eight more clock reads per call). */
  snprintf (what, sizeof what, "%.60s, default per stage", label);
  fl_knob_set_stage_timing (true);
  for (size_t bi = 0; bi < stage_blocks; bi++)
    {
      progress (what, warm_blocks + n_blocks + bi, total);
      for (unsigned i = 0; i < block && c->n_stage < (size_t) o->iters; i++)
        {
          fl_launch_info info;
          uint64_t t0 = lsc_now_ns ();
          fl_status st = fl_launch_default (c->w.bound, c->w.grid, c->stream, c->w.args, c->w.n_args, &info);
          uint64_t t1 = lsc_now_ns ();
          if (st != FL_OK)
            {
              fl_knob_set_stage_timing (false);
              return lsc_cli_fl_error (CMD, "default path with stage timing", st);
            }
          for (int s = 0; s < FL_STAGE_COUNT; s++)
            c->stage_samples[s][c->n_stage] = info.stage_ns[s];
          c->stage_total[c->n_stage] = t1 - t0;
          c->n_stage++;
        }
      if (sync_stream (c) != LSC_EXIT_OK)
        {
          fl_knob_set_stage_timing (false);
          return LSC_EXIT_RUNTIME;
        }
    }
  fl_knob_set_stage_timing (false);
  progress (what, total, total);

  for (int p = 0; p < P_COUNT; p++)
    {
      lsc_summarize (c->samples[p], c->n_samples[p], p == P_GRAPH ? c->graph_nodes : 1, &c->timed[p]);
      c->loop_ns_per_call[p] = c->loop_calls[p] ? (double) c->loop_ns[p] / (double) c->loop_calls[p] : 0;
    }
  for (int s = 0; s < FL_STAGE_COUNT; s++)
    lsc_summarize (c->stage_samples[s], c->n_stage, 1, &c->stage[s]);
  lsc_summarize (c->stage_total, c->n_stage, 1, &c->stage_call);
  return LSC_EXIT_OK;
}

/* The output buffer after all those launches must still be the sum of the inputs. */
static int
case_verify (bench_case *c, const bench_options *o)
{
  size_t n = (size_t) o->n;
  float *out = malloc (n * sizeof (float));
  if (!out)
    return lsc_cli_fl_error (CMD, "allocating", FL_ERR_NO_MEMORY);
  CUresult r = c->drv->cuMemcpyDtoH (out, c->w.bufs[0], n * sizeof (float));
  if (r != CUDA_SUCCESS)
    {
      free (out);
      return lsc_cli_cu_error (CMD, "cuMemcpyDtoH", r);
    }
  for (size_t i = 0; i < n; i++)
    {
      float want = 0;
      for (unsigned b = 1; b < c->n_ptrs; b++)
        want += fl_workload_input (b, i);
      if (out[i] != want)
        {
          fprintf (stderr, "%s %s: add%u computed %g at element %zu, the CPU says %g\n", LSC_CLI_NAME, CMD, c->n_ptrs,
                   (double) out[i], i, (double) want);
          free (out);
          return LSC_EXIT_RUNTIME;
        }
    }
  free (out);
  if (c->sink_state.launches != c->sink_calls)
    {
      fprintf (stderr, "%s %s: the event sink saw %" PRIu64 " launches for %" PRIu64 " calls\n", LSC_CLI_NAME, CMD,
               c->sink_state.launches, c->sink_calls);
      return LSC_EXIT_RUNTIME;
    }
  return LSC_EXIT_OK;
}

/* ---- output ------------------------------------------------------------------------------ */

static void
print_settings (const bench_options *o)
{
  printf ("Setup   add<N> fp32, N=%ld elements, grid %ld x %d threads, one created stream\n", o->n,
          (o->n + BLOCK_THREADS * 4 - 1) / (BLOCK_THREADS * 4), BLOCK_THREADS);
  printf ("        per path: %ld individually timed + %ld back-to-back calls after %ld warm-up, in interleaved\n"
          "        blocks of %ld with a stream sync between blocks; graph of %ld captured launches\n",
          o->iters, o->iters, o->warmup, o->block, o->graph_nodes);
}

static void
print_table (const bench_case *cs, unsigned n_cases, const bench_options *o, const lsc_machine *m)
{
  printf ("%s %s — host cost of one kernel launch, fast path vs baseline vs raw driver call\n\n", LSC_CLI_NAME, CMD);
  lsc_machine_print (stdout, m);
  print_settings (o);
  for (unsigned i = 0; i < n_cases; i++)
    {
      const bench_case *c = &cs[i];
      printf ("\nadd%u: %u pointer arguments + n (%u kernel arguments)\n", c->n_ptrs, c->n_ptrs, c->w.n_args);
      if (c->warning[0])
        printf ("  WARNING: %s\n", c->warning);
      printf ("  %-21s %10s %8s %8s %8s %9s\n", "path (ns per call)", "loop", "p50", "p90", "p99", "max");
      for (int p = 0; p < P_COUNT; p++)
        printf ("  %-21s %10.1f %8.0f %8.0f %8.0f %9.0f\n", path_labels[p], c->loop_ns_per_call[p], c->timed[p].p50,
                c->timed[p].p90, c->timed[p].p99, c->timed[p].max);
      const lsc_summary *t = c->timed;
      printf ("  fast/raw p50 %.3f   baseline/fast p50 %.2f   fast-raw p50 %+.0f ns   fast+sink-raw p50 %+.0f ns\n",
              t[P_RAW].p50 > 0 ? t[P_FAST].p50 / t[P_RAW].p50 : 0, t[P_FAST].p50 > 0 ? t[P_DEFAULT].p50 / t[P_FAST].p50 : 0,
              t[P_FAST].p50 - t[P_RAW].p50, t[P_FAST_SINK].p50 - t[P_RAW].p50);
      printf ("  paired (median over %zu rounds of the per-round p50 difference to raw):\n"
              "          fast %+.0f ns   fast+sink %+.0f ns   baseline %+.0f ns\n",
              c->n_blocks, c->paired_fast, c->paired_sink,
              c->paired_default);
      printf ("  loop:   fast/raw %.3f   baseline/fast %.2f   fast-raw %+.1f ns\n",
              c->loop_ns_per_call[P_RAW] > 0 ? c->loop_ns_per_call[P_FAST] / c->loop_ns_per_call[P_RAW] : 0,
              c->loop_ns_per_call[P_FAST] > 0 ? c->loop_ns_per_call[P_DEFAULT] / c->loop_ns_per_call[P_FAST] : 0,
              c->loop_ns_per_call[P_FAST] - c->loop_ns_per_call[P_RAW]);
      printf ("  graph: %.0f ns per kernel including GPU completion of one replay\n", c->graph_sync_ns_per_kernel);
      printf ("  baseline path per stage (separate run with stage timing on; p50 / mean ns):\n   ");
      for (int s = 0; s < FL_STAGE_COUNT; s++)
        printf (" %s %.0f/%.0f%s", fl_stage_str ((fl_stage) s), c->stage[s].p50, c->stage[s].mean,
                s == 3 ? "\n   " : "");
      printf ("\n    whole call with stage timing on: p50 %.0f ns (vs %.0f ns without)\n", c->stage_call.p50,
              t[P_DEFAULT].p50);
    }

  printf ("\nFast-path goals (fast within 100 ns of raw, with the recorder's sink within 200 ns),\n"
          "p50 of individually timed calls:\n");
  for (unsigned i = 0; i < n_cases; i++)
    {
      const lsc_summary *t = cs[i].timed;
      double d = t[P_FAST].p50 - t[P_RAW].p50, ds = t[P_FAST_SINK].p50 - t[P_RAW].p50;
      double pd = cs[i].paired_fast, pds = cs[i].paired_sink;
      printf ("  add%-3u fast <= raw + 100 ns: %+6.0f ns %-6s   fast+sink <= raw + 200 ns: %+6.0f ns %s\n",
              cs[i].n_ptrs, d, d <= 100 ? "met" : "MISSED", ds, ds <= 200 ? "met" : "MISSED");
      printf ("         paired estimate:     %+6.0f ns %-6s                              %+6.0f ns %s\n", pd,
              pd <= 100 ? "met" : "MISSED", pds, pds <= 200 ? "met" : "MISSED");
    }
}

static void
json_summary (FILE *out, const lsc_summary *s, double loop)
{
  fprintf (out, "{ \"samples\": %zu, \"loop_ns_per_call\": %.1f, \"mean\": %.1f, \"p50\": %.0f, \"p90\": %.0f, "
                "\"p99\": %.0f, \"max\": %.0f }",
           s->n, loop, s->mean, s->p50, s->p90, s->p99, s->max);
}

static void
print_json (const bench_case *cs, unsigned n_cases, const bench_options *o, const lsc_machine *m)
{
  FILE *out = stdout;
  fprintf (out, "{\n  \"tool\": \"%s %s\",\n  \"version\": \"%s\",\n  \"machine\": {\n", LSC_CLI_NAME, CMD,
           LSC_VERSION);
  lsc_machine_print_json (out, m, "    ");
  fprintf (out, "\n  },\n  \"settings\": { \"n\": %ld, \"iters\": %ld, \"warmup\": %ld, \"block\": %ld, "
                "\"graph_nodes\": %ld, \"grid_x\": %ld, \"block_threads\": %d },\n  \"cases\": [\n",
           o->n, o->iters, o->warmup, o->block, o->graph_nodes, (o->n + BLOCK_THREADS * 4 - 1) / (BLOCK_THREADS * 4),
           BLOCK_THREADS);
  for (unsigned i = 0; i < n_cases; i++)
    {
      const bench_case *c = &cs[i];
      const lsc_summary *t = c->timed;
      fprintf (out, "    {\n      \"kernel\": \"add%u\",\n      \"n_ptrs\": %u,\n      \"n_args\": %u,\n", c->n_ptrs,
               c->n_ptrs, c->w.n_args);
      fprintf (out, "      \"warning\": ");
      lsc_json_write_string (out, c->warning);
      fprintf (out, ",\n      \"paths\": {\n");
      for (int p = 0; p < P_COUNT; p++)
        {
          fprintf (out, "        \"%s\": ", path_names[p]);
          json_summary (out, &t[p], c->loop_ns_per_call[p]);
          fprintf (out, "%s\n", p + 1 < P_COUNT ? "," : "");
        }
      fprintf (out, "      },\n");
      fprintf (out, "      \"graph_ns_per_kernel_with_completion\": %.1f,\n", c->graph_sync_ns_per_kernel);
      fprintf (out,
               "      \"ratios\": { \"fast_over_raw_p50\": %.4f, \"default_over_fast_p50\": %.4f, "
               "\"fast_over_raw_loop\": %.4f, \"default_over_fast_loop\": %.4f },\n",
               t[P_RAW].p50 > 0 ? t[P_FAST].p50 / t[P_RAW].p50 : 0, t[P_FAST].p50 > 0 ? t[P_DEFAULT].p50 / t[P_FAST].p50 : 0,
               c->loop_ns_per_call[P_RAW] > 0 ? c->loop_ns_per_call[P_FAST] / c->loop_ns_per_call[P_RAW] : 0,
               c->loop_ns_per_call[P_FAST] > 0 ? c->loop_ns_per_call[P_DEFAULT] / c->loop_ns_per_call[P_FAST] : 0);
      fprintf (out, "      \"fast_minus_raw_p50_ns\": %.0f,\n      \"fast_sink_minus_raw_p50_ns\": %.0f,\n",
               t[P_FAST].p50 - t[P_RAW].p50, t[P_FAST_SINK].p50 - t[P_RAW].p50);
      fprintf (out,
               "      \"paired_rounds\": %zu,\n      \"paired_fast_minus_raw_ns\": %.0f,\n"
               "      \"paired_fast_sink_minus_raw_ns\": %.0f,\n      \"paired_default_minus_raw_ns\": %.0f,\n",
               c->n_blocks, c->paired_fast, c->paired_sink,
               c->paired_default);
      fprintf (out, "      \"goal_fast_within_100ns\": %s,\n      \"goal_sink_within_200ns\": %s,\n",
               t[P_FAST].p50 - t[P_RAW].p50 <= 100 ? "true" : "false",
               t[P_FAST_SINK].p50 - t[P_RAW].p50 <= 200 ? "true" : "false");
      fprintf (out, "      \"default_stages\": {\n");
      for (int s = 0; s < FL_STAGE_COUNT; s++)
        fprintf (out, "        \"%s\": { \"p50\": %.0f, \"mean\": %.1f },\n", fl_stage_str ((fl_stage) s), c->stage[s].p50,
                 c->stage[s].mean);
      fprintf (out, "        \"whole_call_with_timing\": { \"p50\": %.0f, \"mean\": %.1f, \"samples\": %zu }\n      }\n",
               c->stage_call.p50, c->stage_call.mean, c->stage_call.n);
      fprintf (out, "    }%s\n", i + 1 < n_cases ? "," : "");
    }
  fprintf (out, "  ]\n}\n");
}

/* ---- command ----------------------------------------------------------------------------- */

static bool
parse_cases (const char *text, bench_options *o)
{
  o->n_cases = 0;
  char buf[256];
  snprintf (buf, sizeof buf, "%s", text);
  char *save = NULL;
  for (char *tok = strtok_r (buf, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      long v;
      if (o->n_cases == MAX_CASES)
        {
          lsc_cli_usage_error (CMD, "--args takes at most %d counts", MAX_CASES);
          return false;
        }
      if (!lsc_cli_parse_long (CMD, "--args", tok, 2, 32, &v))
        return false;
      o->cases[o->n_cases++] = (unsigned) v;
    }
  if (o->n_cases == 0)
    {
      lsc_cli_usage_error (CMD, "--args wants a comma-separated list such as 2,8,16");
      return false;
    }
  return true;
}

int
lsc_cmd_bench (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "args", required_argument, NULL, 'a' },   { "n", required_argument, NULL, 'n' },
    { "iters", required_argument, NULL, 'i' },  { "warmup", required_argument, NULL, 'w' },
    { "block", required_argument, NULL, 'b' },  { "graph-nodes", required_argument, NULL, 'g' },
    { "device", required_argument, NULL, 'd' }, { "json", no_argument, NULL, 'j' },
    { "quiet", no_argument, NULL, 'q' },        { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bench_options o = { .n = 4096, .iters = 20000, .warmup = 2000, .block = 500, .graph_nodes = 100, .device = 0,
                      .cases = { 2, 8, 16 }, .n_cases = 3 };
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":a:n:i:w:b:g:d:jqh", longopts, NULL)) != -1)
    {
      bool ok = true;
      switch (c)
        {
        case 'a': ok = parse_cases (optarg, &o); break;
        case 'n': ok = lsc_cli_parse_long (CMD, "--n", optarg, 1, 1L << 28, &o.n); break;
        case 'i': ok = lsc_cli_parse_long (CMD, "--iters", optarg, 1, 100000000, &o.iters); break;
        case 'w': ok = lsc_cli_parse_long (CMD, "--warmup", optarg, 0, 100000000, &o.warmup); break;
        case 'b': ok = lsc_cli_parse_long (CMD, "--block", optarg, 1, 1000000, &o.block); break;
        case 'g': ok = lsc_cli_parse_long (CMD, "--graph-nodes", optarg, 1, 10000, &o.graph_nodes); break;
        case 'd': ok = lsc_cli_parse_long (CMD, "--device", optarg, 0, 1023, &o.device); break;
        case 'j': o.json = true; break;
        case 'q': o.quiet = true; break;
        case 'h': print_help (); return LSC_EXIT_OK;
        default: return lsc_cli_bad_option (CMD, c, argv);
        }
      if (!ok)
        return LSC_EXIT_USAGE;
    }
  if (optind < argc)
    return lsc_cli_usage_error (CMD, "unexpected argument '%s'", argv[optind]);
  if (o.block < o.graph_nodes)
    return lsc_cli_usage_error (CMD, "--block (%ld) must be at least --graph-nodes (%ld)", o.block, o.graph_nodes);
  progress_on = !o.quiet && isatty (STDERR_FILENO);

  lsc_machine m;
  int rc = lsc_cli_gpu_open (CMD, (int) o.device, &m);
  if (rc != LSC_EXIT_OK)
    return rc;
  if (o.iters < 20000)
    fprintf (stderr, "%s %s: note: --iters %ld is below the 20000 the published numbers use\n", LSC_CLI_NAME, CMD,
             o.iters);

  const fl_driver *drv = fl_driver_get ();
  CUstream stream = NULL;
  CUresult r = drv->cuStreamCreate (&stream, CU_STREAM_NON_BLOCKING);
  if (r != CUDA_SUCCESS)
    return lsc_cli_cu_error (CMD, "cuStreamCreate", r);

  static bench_case cases[MAX_CASES];
  unsigned done = 0;
  for (unsigned i = 0; i < o.n_cases && rc == LSC_EXIT_OK; i++)
    {
      char label[64];
      snprintf (label, sizeof label, "add%u [%u/%u]", o.cases[i], i + 1, o.n_cases);
      progress (label, 0, 1);
      rc = case_setup (&cases[i], o.cases[i], &o, stream);
      done = i + 1;
      if (rc == LSC_EXIT_OK)
        rc = case_measure (&cases[i], &o, label);
      if (rc == LSC_EXIT_OK)
        rc = case_verify (&cases[i], &o);
    }
  progress_end ();
  if (rc == LSC_EXIT_OK)
    {
      if (o.json)
        print_json (cases, o.n_cases, &o, &m);
      else
        print_table (cases, o.n_cases, &o, &m);
    }
  for (unsigned i = 0; i < done; i++)
    case_free (&cases[i]);
  drv->cuStreamDestroy (stream);
  return rc;
}
