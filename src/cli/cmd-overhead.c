/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-overhead.c — `launchscope-cli overhead`: what observing costs per launch.
 *
 * In one process: the fast path unrecorded (before), then rounds that rotate blocks through
 * unrecorded / recorder / recorder + CUPTI callbacks that return at once (CUPTI's own dispatch) /
 * recorder + CUPTI callbacks / recorder + callbacks + kernel activity (so drift hits every mode
 * alike), then unrecorded again after the recorder and CUPTI have
 * fully stopped (after) — a profiler that leaves launches slower after it stops is a bug.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsc-cli.h"
#include "lsc-report.h"
#include "lsc-cupti.h"
#include "lsc-recorder.h"

#define CMD "overhead"
#define N_PTRS 8

enum { MODE_BEFORE, MODE_OFF, MODE_RECORDER, MODE_CB_EMPTY, MODE_CALLBACKS, MODE_ACTIVITY, MODE_AFTER, N_MODES };
enum { N_DURING = MODE_ACTIVITY - MODE_OFF + 1 };
static const char *const mode_names[N_MODES] = {
  "before (no CUPTI, no sink)", "during: subscribed, all off", "during: recorder (sink)",
  "during: + callbacks (empty)", "during: + callbacks", "during: + activity", "after (CUPTI detached)",
};
static const char *const mode_keys[N_MODES] = { "before", "off", "recorder", "callbacks_empty", "callbacks", "activity",
                                                "after" };
/* Every difference is taken against this mode: CUPTI subscribed, nothing of ours running. */
#define MODE_REFERENCE MODE_OFF

static void
print_help (void)
{
  printf ("Usage: %s %s [OPTIONS]\n"
          "\n"
          "Measure what recording costs per launch of add%d on the fast path: unrecorded before,\n"
          "then, with CUPTI subscribed, interleaved blocks of: nothing on (the reference) / recorder /\n"
          "recorder + CUPTI launch callbacks that return at once (CUPTI's own dispatch cost) /\n"
          "recorder + callbacks / recorder + callbacks + kernel activity tracing; then unrecorded\n"
          "after everything stopped.  Each launch is timed individually; p50/p90/p99 per mode and\n"
          "the p50 difference to the reference.\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE   report the recorder writes (default: a temporary file, removed)\n"
          "  -r, --rounds N      rounds of the five interleaved modes (default 40)\n"
          "  -b, --block N       launches per block (default 500)\n"
          "  -n, --n N           elements per buffer (default 4096)\n"
          "  -d, --device N      CUDA device ordinal (default 0)\n"
          "      --cupti MODE    activity (default: every mode) or callbacks (no activity mode,\n"
          "                      and the session never registers for activity records)\n"
          "      --json          JSON instead of a table\n"
          "  -q, --quiet         no progress on stderr\n"
          "  -h, --help          show this help and exit\n"
          "\n"
          "Exit status: 0 ok, 1 runtime error, 2 usage error, 3 no CUDA driver or GPU.\n",
          LSC_CLI_NAME, CMD, N_PTRS);
}

typedef struct {
  const fl_driver *drv;
  fl_workload w;
  uint64_t *samples[N_MODES];
  size_t n_samples[N_MODES];
  double *block_p50[N_MODES]; /* per round: the paired estimate compares modes round by round */
  size_t n_blocks[N_MODES];
} run;

static int
block (run *r, int mode, long count)
{
  uint64_t *first = r->samples[mode] + r->n_samples[mode];
  for (long i = 0; i < count; i++)
    {
      uint64_t t0 = lsc_now_ns ();
      fl_status st = fl_launch (r->w.bound, r->w.grid, NULL, r->w.args, r->w.n_args, NULL);
      uint64_t t1 = lsc_now_ns ();
      if (st != FL_OK)
        return lsc_cli_fl_error (CMD, "fl_launch", st);
      r->samples[mode][r->n_samples[mode]++] = t1 - t0;
    }
  lsc_summary bs;
  lsc_summarize (first, (size_t) count, 1, &bs); /* sorts the block: the pooled summary does not mind */
  r->block_p50[mode][r->n_blocks[mode]++] = bs.p50;
  CUresult cr = r->drv->cuCtxSynchronize ();
  return cr == CUDA_SUCCESS ? LSC_EXIT_OK : lsc_cli_cu_error (CMD, "cuCtxSynchronize", cr);
}

/* CUPTI stays subscribed for the whole "during" phase (subscribing once, as a profiling
 * session does); the modes switch the sink, the launch callbacks and kernel activity on and
 * off.  What merely being subscribed costs shows as "during: subscribed, all off" against
 * "before"; whether it all goes away shows as "after" against "before". */
static int
set_mode (lsc_recorder *rec, int mode)
{
  lsc_recorder_set_engine_events (rec, mode >= MODE_RECORDER);
  lsc_cupti_set_callbacks (mode >= MODE_CB_EMPTY);
  lsc_cupti_set_callback_work (mode != MODE_CB_EMPTY);
  lsc_cupti_set_activity (mode >= MODE_ACTIVITY);
  return LSC_EXIT_OK;
}

int
lsc_cmd_overhead (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' }, { "rounds", required_argument, NULL, 'r' },
    { "block", required_argument, NULL, 'b' },  { "n", required_argument, NULL, 'n' },
    { "device", required_argument, NULL, 'd' }, { "json", no_argument, NULL, 'J' },
    { "quiet", no_argument, NULL, 'q' },        { "help", no_argument, NULL, 'h' },
    { "cupti", required_argument, NULL, 'C' },
    { NULL, 0, NULL, 0 },
  };
  const char *output = NULL;
  long rounds = 40, block_size = 500, n = 4096, device = 0;
  bool json = false, quiet = !isatty (STDERR_FILENO);
  lsc_cupti_mode cupti = LSC_CUPTI_ACTIVITY;
  opterr = 0;
  int c;
  while ((c = getopt_long (argc, argv, ":o:r:b:n:d:qh", longopts, NULL)) != -1)
    switch (c)
      {
      case 'o': output = optarg; break;
      case 'r': if (!lsc_cli_parse_long (CMD, "--rounds", optarg, 1, 100000, &rounds)) return LSC_EXIT_USAGE; break;
      case 'b': if (!lsc_cli_parse_long (CMD, "--block", optarg, 10, 1000000, &block_size)) return LSC_EXIT_USAGE; break;
      case 'n': if (!lsc_cli_parse_long (CMD, "--n", optarg, 16, 1L << 26, &n)) return LSC_EXIT_USAGE; break;
      case 'd': if (!lsc_cli_parse_long (CMD, "--device", optarg, 0, 1024, &device)) return LSC_EXIT_USAGE; break;
      case 'J': json = true; break;
      case 'C':
        if (strcmp (optarg, "activity") == 0)
          cupti = LSC_CUPTI_ACTIVITY;
        else if (strcmp (optarg, "callbacks") == 0)
          cupti = LSC_CUPTI_CALLBACKS;
        else
          return lsc_cli_usage_error (CMD, "--cupti must be callbacks or activity, not '%s'", optarg);
        break;
      case 'q': quiet = true; break;
      case 'h': print_help (); return LSC_EXIT_OK;
      default: return lsc_cli_bad_option (CMD, c, argv);
      }
  if (optind < argc)
    return lsc_cli_usage_error (CMD, "unexpected argument '%s'", argv[optind]);

  lsc_machine m;
  int rc = lsc_cli_gpu_open (CMD, (int) device, &m);
  if (rc != LSC_EXIT_OK)
    return rc;

  run r = { .drv = fl_driver_get () };
  size_t per_mode = (size_t) (rounds * block_size);
  for (int i = 0; i < N_MODES; i++)
    if (!(r.samples[i] = malloc (per_mode * sizeof (uint64_t))) || !(r.block_p50[i] = malloc ((size_t) rounds * sizeof (double))))
      return lsc_cli_usage_error (CMD, "out of memory for %zu samples", per_mode);
  fl_status st = fl_workload_setup (&(fl_workload_options){ .n_ptrs = N_PTRS, .n = n }, &r.w);
  if (st != FL_OK)
    rc = lsc_cli_fl_error (CMD, "setting up the workload", st);

  /* Warm up: prime, compile, settle the clocks. */
  for (int i = 0; i < 5 && rc == LSC_EXIT_OK; i++)
    {
      rc = block (&r, MODE_BEFORE, block_size);
      r.n_samples[MODE_BEFORE] = 0;
      r.n_blocks[MODE_BEFORE] = 0;
    }
  for (long i = 0; i < rounds && rc == LSC_EXIT_OK; i++)
    rc = block (&r, MODE_BEFORE, block_size);

  char path[4200];
  if (output)
    snprintf (path, sizeof path, "%s", output);
  else
    snprintf (path, sizeof path, "/tmp/launchscope-overhead-%ld.lsdb", (long) getpid ());
  lsc_recorder *rec = NULL;
  char err[1024];
  lsc_recorder_options o = { .path = path, .overwrite = output == NULL, .workload = "add8 (overhead)",
                             .cupti = cupti };
  if (rc == LSC_EXIT_OK && lsc_recorder_start (&o, &rec, err, sizeof err) != 0)
    {
      fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, err);
      rc = LSC_EXIT_RUNTIME;
    }
  lsc_recorder_stats rs = { 0 };
  char cupti_status[256] = "not started";
  if (rec)
    {
      lsc_recorder_add_kernel (rec, r.w.bound, "num_warps=4");
      lsc_recorder_get_stats (rec, &rs);
      snprintf (cupti_status, sizeof cupti_status, "%s", rs.cupti_status);
      if (!quiet)
        fprintf (stderr, "CUPTI: %s\n", rs.cupti_status);
      /* Without activity tracing, its mode is left out: the session never registers for it. */
      int n_during = cupti == LSC_CUPTI_ACTIVITY ? N_DURING : N_DURING - 1;
      for (long i = 0; i < rounds && rc == LSC_EXIT_OK; i++)
        {
          /* Rotate the order every round so no mode always follows the same one. */
          for (int j = 0; j < n_during && rc == LSC_EXIT_OK; j++)
            {
              int mode = MODE_OFF + (int) ((j + i) % n_during);
              rc = set_mode (rec, mode);
              if (rc == LSC_EXIT_OK)
                rc = block (&r, mode, block_size);
            }
          if (!quiet)
            fprintf (stderr, "\r  during: %3ld%%", (i + 1) * 100 / rounds);
        }
      if (!quiet)
        fprintf (stderr, "\n");
      if (lsc_recorder_stop (rec, &rs, err, sizeof err) != 0)
        {
          fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, err);
          rc = LSC_EXIT_RUNTIME;
        }
      if (!output)
        unlink (path);
    }
  for (long i = 0; i < rounds && rc == LSC_EXIT_OK; i++)
    rc = block (&r, MODE_AFTER, block_size);

  if (rc == LSC_EXIT_OK)
    {
      /* Paired first (per-round block p50s, before they are pooled: lsc_summarize sorts). */
      double paired[N_MODES] = { 0 };
      for (int i = MODE_OFF; i <= MODE_ACTIVITY; i++)
        paired[i] = lsc_paired_median (r.block_p50[i], r.block_p50[MODE_REFERENCE], r.n_blocks[i]);
      lsc_summary s[N_MODES];
      for (int i = 0; i < N_MODES; i++)
        lsc_summarize (r.samples[i], r.n_samples[i], 1.0, &s[i]);
      double base = s[MODE_REFERENCE].p50;
      /* What each layer adds on its own: CUPTI's dispatch into a callback that does nothing, then
       * our callback's work (clock reads, the API record carried by the launch record). */
      double dispatch = paired[MODE_CB_EMPTY] - paired[MODE_RECORDER];
      double callback_work = paired[MODE_CALLBACKS] - paired[MODE_CB_EMPTY];
      /* Everything of ours in "+ callbacks": the rest of that mode's cost is CUPTI's dispatch. */
      double ours = paired[MODE_RECORDER] + callback_work;
      double after_minus_before = s[MODE_AFTER].p50 - s[MODE_BEFORE].p50;
      /* The noise "after returns to the unrecorded level" is judged against: how far apart the
       * unrecorded blocks before CUPTI was loaded lie. */
      double noise = lsc_spread_p10_p90 (r.block_p50[MODE_BEFORE], r.n_blocks[MODE_BEFORE]);
      bool returned = after_minus_before <= noise;
      if (json)
        {
          printf ("{\n  \"machine\": {\n");
          lsc_machine_print_json (stdout, &m, "    ");
          printf ("\n  },\n  \"workload\": \"add%d\", \"n\": %ld, \"rounds\": %ld, \"block\": %ld,\n", N_PTRS, n, rounds,
                  block_size);
          printf ("  \"cupti\": \"%s\", \"cupti_status\": ", cupti == LSC_CUPTI_ACTIVITY ? "activity" : "callbacks");
          lsc_json_write_string (stdout, cupti_status);
          printf (",\n  \"rows_written\": %" PRIu64 ", \"rows_dropped\": %" PRIu64 ",\n", rs.rows_written,
                  rs.rows_dropped);
          printf ("  \"reference\": \"%s\",\n", mode_keys[MODE_REFERENCE]);
          printf ("  \"cupti_dispatch_ns\": %.0f, \"callback_work_ns\": %.0f, \"ours_ns\": %.0f,\n", dispatch,
                  callback_work, ours);
          printf ("  \"after_minus_before_ns\": %.0f, \"before_block_spread_ns\": %.0f, \"after_within_before_spread\": %s,\n",
                  after_minus_before, noise, returned ? "true" : "false");
          printf ("  \"modes\": {");
          const char *sep = "\n";
          for (int i = 0; i < N_MODES; i++)
            {
              if (s[i].n == 0)
                continue;
              printf ("%s    \"%s\": {\"launches\": %zu, \"p50_ns\": %.0f, \"p90_ns\": %.0f, \"p99_ns\": %.0f, "
                      "\"p50_minus_off_ns\": %.0f",
                      sep, mode_keys[i], s[i].n, s[i].p50, s[i].p90, s[i].p99, s[i].p50 - base);
              if (i >= MODE_OFF && i <= MODE_ACTIVITY)
                printf (", \"paired_minus_off_ns\": %.0f", paired[i]);
              printf ("}");
              sep = ",\n";
            }
          printf ("\n  }\n}\n");
        }
      else
        {
          lsc_machine_print (stdout, &m);
          printf ("\nObserver overhead per launch, add%d fast path, n=%ld, %ld rounds x %ld launches per mode\n", N_PTRS,
                  n, rounds, block_size);
          printf ("CUPTI: %s; rows written %" PRIu64 ", dropped %" PRIu64 "\n\n", cupti_status, rs.rows_written,
                  rs.rows_dropped);
          printf ("Reference: \"%s\" (CUPTI subscribed, nothing of ours running)\n", mode_names[MODE_REFERENCE]);
          printf ("paired: median over rounds of the round's p50 minus the reference's p50 in the same round\n\n");
          printf ("%-28s %10s %10s %10s %10s %12s %10s\n", "mode", "launches", "p50 ns", "p90 ns", "p99 ns",
                  "p50 - ref", "paired");
          for (int i = 0; i < N_MODES; i++)
            {
              if (s[i].n == 0)
                continue;
              printf ("%-28s %10zu %10.0f %10.0f %10.0f ", mode_names[i], s[i].n, s[i].p50, s[i].p90, s[i].p99);
              if (i == MODE_REFERENCE)
                printf ("%12s %10s\n", "(reference)", "");
              else if (i > MODE_REFERENCE && i <= MODE_ACTIVITY)
                printf ("%+12.0f %+10.0f\n", s[i].p50 - base, paired[i]);
              else
                printf ("%+12.0f %10s\n", s[i].p50 - base, "-");
            }
          printf ("\nCUPTI's dispatch (callbacks (empty) - recorder, paired):     %+.0f ns\n", dispatch);
          printf ("our callback's work (callbacks - callbacks (empty), paired): %+.0f ns\n", callback_work);
          printf ("ours in all (recorder + our callback's work):                %+.0f ns\n", ours);
          printf ("after - before: %+.0f ns p50; the blocks before CUPTI was loaded spread over %.0f ns (p10-p90): %s\n",
                  after_minus_before, noise,
                  returned ? "within that spread" : "beyond that spread (slower after; or drift, if repeat runs disagree)");
        }
    }
  fl_workload_free (&r.w);
  for (int i = 0; i < N_MODES; i++)
    {
      free (r.samples[i]);
      free (r.block_p50[i]);
    }
  return rc;
}
