/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-demo.c — `launchscope-cli demo`: add8 through the fast and default launchers with an
 * aligned / offset / debug / skip-switch sequence, the outcome of every phase checked against
 * a CPU reference, the spec table decoded, the counters, and a short timing comparison.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-cli.h"

#define CMD "demo"
#define DEMO_PTRS 8
#define DEMO_TIMING_CALLS 2000
#define DEMO_TIMING_BLOCK 200

static void
print_help (void)
{
  printf ("Usage: %s %s [OPTIONS]\n"
          "\n"
          "Launch add%d (out = in1 + ... + in%d) through the baseline and fast launchers on the GPU:\n"
          "aligned pointers, pointers offset by 4 bytes, the debug knob, the skip switch and the\n"
          "baseline path, printing the path, outcome and fallback reason of every call, checking\n"
          "every result against the CPU, then the decoded spec table, the counters and a short\n"
          "timing comparison (raw cuLaunchKernel, fast path, baseline path).\n"
          "\n"
          "Options:\n"
          "  -n, --n N          elements per buffer (default 4096)\n"
          "  -d, --device N     CUDA device ordinal (default 0)\n"
          "  -h, --help         show this help and exit\n"
          "\n"
          "Exit status: 0 ok, 1 runtime error, 2 usage error, 3 no CUDA driver or GPU.\n",
          LSC_CLI_NAME, CMD, DEMO_PTRS, DEMO_PTRS - 1);
}

typedef struct {
  const fl_driver *drv;
  fl_workload w;
  int n;
} demo;

/* Syncs, downloads the output and compares it with the CPU sum. */
static bool
demo_verify (demo *d, size_t off, char *why, size_t why_size)
{
  CUresult r = d->drv->cuCtxSynchronize ();
  if (r != CUDA_SUCCESS)
    {
      snprintf (why, why_size, "cuCtxSynchronize: %s", fl_cuda_error_name (r));
      return false;
    }
  float *out = malloc (d->w.buf_bytes[0]);
  if (!out)
    {
      snprintf (why, why_size, "out of memory for the output's %zu bytes", d->w.buf_bytes[0]);
      return false;
    }
  if ((r = d->drv->cuMemcpyDtoH (out, d->w.bufs[0], d->w.buf_bytes[0])) != CUDA_SUCCESS)
    {
      snprintf (why, why_size, "cuMemcpyDtoH: %s", fl_cuda_error_name (r));
      free (out);
      return false;
    }
  size_t o = off / sizeof (float);
  bool ok = true;
  for (size_t i = o; i < o + (size_t) d->n && ok; i++)
    {
      float want = 0;
      for (unsigned k = 1; k < DEMO_PTRS; k++)
        want += fl_workload_input (k, i);
      if (out[i] != want)
        {
          snprintf (why, why_size, "element %zu is %g, CPU says %g", i - o, (double) out[i], (double) want);
          ok = false;
        }
    }
  free (out);
  return ok;
}

static int
demo_setup (demo *d, int n)
{
  memset (d, 0, sizeof *d);
  d->drv = fl_driver_get ();
  d->n = n;
  /* 4 spare elements for the phases with pointers offset by 4 bytes */
  fl_status st = fl_workload_setup (&(fl_workload_options){ .n_ptrs = DEMO_PTRS, .n = n, .spare = 4 }, &d->w);
  return st == FL_OK ? LSC_EXIT_OK : lsc_cli_fl_error (CMD, "setting up the workload", st);
}

static void
demo_teardown (demo *d)
{
  fl_workload_free (&d->w);
}

typedef struct {
  const char *what;
  size_t offset;
  bool debug, skip, use_default;
} demo_phase;

static const demo_phase phases[] = {
  { "first call, aligned pointers", 0, false, false, false },
  { "same spec again", 0, false, false, false },
  { "pointers offset by 4 bytes", 4, false, false, false },
  { "offset pointers again", 4, false, false, false },
  { "debug knob on (-G)", 0, true, false, false },
  { "debug knob off again", 0, false, false, false },
  { "skip switch on", 0, false, true, false },
  { "skip switch off again", 0, false, false, false },
  { "fl_launch_default (baseline)", 0, false, false, true },
};

static int
demo_timing (demo *d, uint64_t aligned_key)
{
  fl_spec_entry entries[64];
  unsigned n = fl_bound_kernel_spec_entries (d->w.bound, entries, 64);
  CUfunction fn = NULL;
  for (unsigned i = 0; i < n && i < 64; i++)
    if (entries[i].key == aligned_key)
      fn = entries[i].function;
  if (!fn)
    {
      fprintf (stderr, "%s %s: the aligned spec entry is missing from the table\n", LSC_CLI_NAME, CMD);
      return LSC_EXIT_RUNTIME;
    }
  fl_arg args[FL_MAX_ARGS];
  unsigned n_args = fl_workload_args_at (&d->w, 0, args);
  CUdeviceptr raw_ptrs[DEMO_PTRS];
  int raw_n = d->n;
  void *params[DEMO_PTRS + 1];
  for (unsigned k = 0; k < DEMO_PTRS; k++)
    {
      raw_ptrs[k] = d->w.bufs[k];
      params[k] = &raw_ptrs[k];
    }
  params[DEMO_PTRS] = &raw_n;

  static uint64_t samples[3][DEMO_TIMING_CALLS];
  size_t filled[3] = { 0, 0, 0 };
  bool bad = false;
  /* Warm-up, then blocks rotating across the three paths so drift hits all of them alike. */
  for (int round = -1; round < DEMO_TIMING_CALLS / DEMO_TIMING_BLOCK; round++)
    for (int j = 0; j < 3; j++)
      {
        int p = (round + 3 + j) % 3;
        for (int i = 0; i < DEMO_TIMING_BLOCK; i++)
          {
            uint64_t t0 = lsc_now_ns ();
            if (p == 0)
              bad |= d->drv->cuLaunchKernel (fn, d->w.grid.x, 1, 1, 128, 1, 1, 0, NULL, params, NULL) != CUDA_SUCCESS;
            else if (p == 1)
              bad |= fl_launch (d->w.bound, d->w.grid, NULL, args, n_args, NULL) != FL_OK;
            else
              bad |= fl_launch_default (d->w.bound, d->w.grid, NULL, args, n_args, NULL) != FL_OK;
            uint64_t t1 = lsc_now_ns ();
            if (round >= 0)
              samples[p][filled[p]++] = t1 - t0;
          }
        d->drv->cuCtxSynchronize ();
      }
  if (bad)
    {
      fprintf (stderr, "%s %s: a timed launch failed: %s\n", LSC_CLI_NAME, CMD, fl_last_error ());
      return LSC_EXIT_RUNTIME;
    }
  lsc_summary s[3];
  for (int p = 0; p < 3; p++)
    lsc_summarize (samples[p], filled[p], 1, &s[p]);
  static const char *const names[3] = { "raw cuLaunchKernel", "fast path", "baseline path" };
  printf ("\nTiming (%d individually timed calls per path, interleaved blocks of %d; ns per call)\n",
          DEMO_TIMING_CALLS, DEMO_TIMING_BLOCK);
  printf ("  %-20s %8s %8s %8s\n", "path", "p50", "p90", "mean");
  for (int p = 0; p < 3; p++)
    printf ("  %-20s %8.0f %8.0f %8.0f\n", names[p], s[p].p50, s[p].p90, s[p].mean);
  printf ("  fast - raw (p50): %+.0f ns; baseline / fast (p50): %.2fx\n", s[1].p50 - s[0].p50,
          s[1].p50 > 0 ? s[2].p50 / s[1].p50 : 0.0);
  printf ("  (a short demo run; use '%s bench' for the full measurement)\n", LSC_CLI_NAME);
  return LSC_EXIT_OK;
}

static int
demo_run (demo *d)
{
  printf ("\nadd%d, N=%d, grid %u x 128 threads, default stream\n\n", DEMO_PTRS, d->n, d->w.grid.x);
  printf ("  # %-30s %-8s %-9s %-14s %-14s %s\n", "phase", "path", "outcome", "reason", "compiled", "result");
  uint64_t aligned_key = 0;
  for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
    {
      const demo_phase *ph = &phases[i];
      fl_knob_set_debug (ph->debug);
      fl_knob_set_skip_fast (ph->skip);
      CUresult r = d->drv->cuMemsetD8 (d->w.bufs[0], 0, d->w.buf_bytes[0]);
      if (r != CUDA_SUCCESS)
        return lsc_cli_cu_error (CMD, "cuMemsetD8", r);
      fl_arg args[FL_MAX_ARGS];
      unsigned n_args = fl_workload_args_at (&d->w, ph->offset, args);
      fl_launch_info info;
      memset (&info, 0, sizeof info);
      uint64_t t0 = lsc_now_ns ();
      fl_status st = ph->use_default ? fl_launch_default (d->w.bound, d->w.grid, NULL, args, n_args, &info)
                                     : fl_launch (d->w.bound, d->w.grid, NULL, args, n_args, &info);
      double ms = (double) (lsc_now_ns () - t0) / 1e6;
      fl_knob_set_debug (false);
      fl_knob_set_skip_fast (false);
      if (st != FL_OK)
        return lsc_cli_fl_error (CMD, ph->what, st);
      char why[256] = "ok, matches the CPU";
      bool ok = demo_verify (d, ph->offset, why, sizeof why);
      char compiled[32];
      if (info.compiled)
        snprintf (compiled, sizeof compiled, "yes, %.0f ms", ms);
      else if (info.outcome == FL_OUTCOME_MISS)
        snprintf (compiled, sizeof compiled, "disk cache"); /* a miss that ran no NVRTC */
      else
        snprintf (compiled, sizeof compiled, "no");
      printf ("  %zu %-30s %-8s %-9s %-14s %-14s %s\n", i + 1, ph->what, fl_path_str (info.path),
              fl_outcome_str (info.outcome), fl_fallback_str (info.reason), compiled, ok ? "ok" : why);
      if (!ok)
        {
          fprintf (stderr, "%s %s: phase %zu (%s): wrong result: %s\n", LSC_CLI_NAME, CMD, i + 1, ph->what, why);
          return LSC_EXIT_RUNTIME;
        }
      if (i == 1)
        aligned_key = info.spec_key;
    }

  fl_spec_entry entries[64];
  unsigned n = fl_bound_kernel_spec_entries (d->w.bound, entries, 64);
  printf ("\nSpec table of the fast launcher (%u entr%s)\n", n, n == 1 ? "y" : "ies");
  for (unsigned i = 0; i < n && i < 64; i++)
    {
      char desc[512];
      fl_spec_key_describe (d->w.bound, entries[i].key, desc, sizeof desc);
      printf ("  key 0x%016" PRIx64 "  hits %-6" PRIu64 " compile %7.1f ms  %s\n", entries[i].key, entries[i].hits,
              entries[i].compile_ms, desc);
    }

  fl_stats s;
  fl_bound_kernel_stats (d->w.bound, &s);
  printf ("\nCounters\n");
  printf ("  launches %" PRIu64 ", fast hits %" PRIu64 ", fast misses %" PRIu64 ", baseline pipeline runs %" PRIu64
          "\n",
          s.launches, s.fast_hits, s.fast_misses, s.default_calls);
  printf ("  NVRTC compiles %" PRIu64 ", on-disk cache loads %" PRIu64 ", metadata builds %" PRIu64
          ", primings %" PRIu64 "\n",
          s.compiles, s.disk_cache_loads, s.metadata_builds, s.primings);
  printf ("  fallbacks:");
  bool any = false;
  for (int r = 1; r < FL_FALLBACK_COUNT; r++)
    if (s.fallbacks[r])
      {
        printf (" %s %" PRIu64, fl_fallback_str ((fl_fallback) r), s.fallbacks[r]);
        any = true;
      }
  printf ("%s\n", any ? "" : " none");
  return demo_timing (d, aligned_key);
}

int
lsc_cmd_demo (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "n", required_argument, NULL, 'n' },
    { "device", required_argument, NULL, 'd' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  long n = 4096, device = 0;
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":n:d:h", longopts, NULL)) != -1)
    switch (c)
      {
      case 'n':
        if (!lsc_cli_parse_long (CMD, "--n", optarg, 1, 1L << 28, &n))
          return LSC_EXIT_USAGE;
        break;
      case 'd':
        if (!lsc_cli_parse_long (CMD, "--device", optarg, 0, 1023, &device))
          return LSC_EXIT_USAGE;
        break;
      case 'h':
        print_help ();
        return LSC_EXIT_OK;
      default:
        return lsc_cli_bad_option (CMD, c, argv);
      }
  if (optind < argc)
    return lsc_cli_usage_error (CMD, "unexpected argument '%s'", argv[optind]);

  lsc_machine m;
  int rc = lsc_cli_gpu_open (CMD, (int) device, &m);
  if (rc != LSC_EXIT_OK)
    return rc;
  printf ("%s %s — the fast launcher's guards, live\n\n", LSC_CLI_NAME, CMD);
  lsc_machine_print (stdout, &m);

  demo d;
  rc = demo_setup (&d, (int) n);
  if (rc == LSC_EXIT_OK)
    rc = demo_run (&d);
  demo_teardown (&d);
  return rc;
}
