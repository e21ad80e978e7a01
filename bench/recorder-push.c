/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * recorder-push.c — what recording costs the LAUNCHING thread per launch, on this CPU, with
 * the engine on the driver TEST DOUBLE (no GPU; the numbers describe our code on the host CPU,
 * not a GPU launch).  Not a pass/fail test.
 *
 * Blocks of launches rotate through modes in one process (so drift hits every mode alike);
 * each block is timed as a whole, so rare costs (a page fault every few dozen records on a
 * ring's first lap) count in its mean; the median of the block means is the figure to use
 * (the mean of them also carries preemption by the writer thread on a small machine).  Reported
 * per mode, against the reference mode, for the first rounds (the ring's first lap) and for the
 * rounds after every ring has wrapped:
 *
 *   session 0 (no recorder): no sink (reference) | an empty sink (the engine's own share)
 *   session 1 (no CUPTI):  sink off (reference) | recorder (engine sink -> ring)
 *   session 2 (fake CUPTI, tests/libfake-cupti.so, whose "API call" a pre-run hook makes inside
 *   every launch, as CUPTI runs inside cuLaunchKernel):
 *       sink and callbacks off (reference) | recorder | recorder + callbacks that return at once |
 *       recorder + callbacks
 * Sessions 0 and 1 take the lean hit; the hook sends session 2's launches down the general fast
 * path, so its modes compare with its own reference only.
 *
 * Usage: recorder-push FAKE_CUPTI_SO [ROUNDS (640)] [BLOCK (256)]
 * Prints one line per mode and window, and "key=value" lines at the end.
 *
 *        recorder-push --count ITERS FAKE_CUPTI_SO
 * Under callgrind (bench/callgrind-recorder): each mode's loop of ITERS launches is collected
 * alone and dumped as "<session>_<mode>", so instructions per launch can be told apart from
 * the clock, which valgrind's timing makes meaningless.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cupti.h>

#include "fastlaunch-driver.h"
#include "fl-test-driver.h"
#include "lsc-cupti.h"
#include "lsc-host.h"
#include "lsc-recorder.h"

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(label) ((void) (label))
#endif

enum { MODE_REF, MODE_RECORDER, MODE_CB_EMPTY, MODE_CALLBACKS, N_MODES };
static const char *const mode_names[N_MODES] = { "reference (sink off, callbacks off)", "recorder (sink -> ring)",
                                                 "+ callbacks returning at once", "+ callbacks" };
static const char *const engine_mode_names[2] = { "reference (no sink)", "engine events into an empty sink" };
static const char *const mode_keys[N_MODES] = { "ref", "recorder", "callbacks_empty", "callbacks" };

static uint32_t (*fake_api_call) (uint32_t cbid, int result);

static void
fake_cuda_call (const fl_pre_run_launch *launch, void *user_data)
{
  (void) launch;
  (void) user_data;
  if (fake_api_call)
    fake_api_call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
}

static uint64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

typedef struct {
  double *v;
  size_t n;
} series;

static double
median (series *s)
{
  if (!s->n)
    return 0;
  qsort (s->v, s->n, sizeof s->v[0], cmp_double);
  return s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

static double
mean (const series *s)
{
  double sum = 0;
  for (size_t i = 0; i < s->n; i++)
    sum += s->v[i];
  return s->n ? sum / (double) s->n : 0;
}

static void
empty_emit (const fl_event *event, void *user_data)
{
  (void) event;
  (void) user_data;
}

static const fl_event_sink empty_sink = { .emit = empty_emit };

static void
set_mode (lsc_recorder *rec, int mode)
{
  if (!rec) /* the engine's own share: its clock reads and event, into a sink that does nothing */
    {
      fl_event_sink_set (mode == MODE_RECORDER ? &empty_sink : NULL);
      return;
    }
  lsc_recorder_set_engine_events (rec, mode != MODE_REF);
  lsc_cupti_set_callbacks (mode >= MODE_CB_EMPTY);
  lsc_cupti_set_callback_work (mode != MODE_CB_EMPTY);
}

static void
launch_n (fl_bound_kernel *bound, const fl_arg *args, long n)
{
  for (long i = 0; i < n; i++)
    fl_launch (bound, (fl_grid){ 1, 1, 1 }, NULL, args, 4, NULL);
}

/* Under callgrind: one collected loop per mode, after the writer has had time to drain. */
static void
count_modes (const char *label, lsc_recorder *rec, fl_bound_kernel *bound, const fl_arg *args, int n_modes,
             long iters)
{
  for (int mode = 0; mode < n_modes; mode++)
    {
      char name[64];
      snprintf (name, sizeof name, "%s_%s", label, mode_keys[mode]);
      set_mode (rec, mode);
      launch_n (bound, args, 64); /* this mode's branches and lazy bindings, outside the count */
      nanosleep (&(struct timespec){ 0, 20000000 }, NULL);
      CALLGRIND_ZERO_STATS;
      CALLGRIND_TOGGLE_COLLECT;
      launch_n (bound, args, iters);
      CALLGRIND_TOGGLE_COLLECT;
      CALLGRIND_DUMP_STATS_AT (name);
    }
}

/* One session: rounds of one block per mode, rotated; block means kept per window.  With
 * count_iters, one counted loop per mode instead (count_modes), and nothing printed. */
static int
session (const char *label, fl_bound_kernel *bound, const fl_arg *args, const char *dir, const char *cupti,
         long rounds, long block, long first_rounds, long count_iters)
{
  char path[300];
  snprintf (path, sizeof path, "%s/%s.lsdb", dir, label);
  lsc_recorder_options o = { .path = path, .overwrite = true, .workload = "add3 (test double)",
                             .cupti = cupti ? LSC_CUPTI_CALLBACKS : LSC_CUPTI_OFF, .cupti_library = cupti };
  lsc_recorder *rec = NULL;
  char err[512];
  lsc_recorder_stats st = { 0 };
  bool engine_only = strcmp (label, "engine") == 0;
  if (!engine_only)
    {
      if (lsc_recorder_start (&o, &rec, err, sizeof err) != 0)
        return fprintf (stderr, "%s\n", err), 1;
      lsc_recorder_add_kernel (rec, bound, "push");
      lsc_recorder_get_stats (rec, &st);
    }
  int n_modes = cupti ? N_MODES : 2;
  if (cupti && strcmp (st.cupti_status, "callbacks on") != 0)
    return fprintf (stderr, "fake CUPTI did not start: %s\n", st.cupti_status), 1;
  if (count_iters)
    {
      count_modes (label, rec, bound, args, n_modes, count_iters);
      set_mode (rec, engine_only ? MODE_REF : MODE_RECORDER);
      if (rec && lsc_recorder_stop (rec, &st, err, sizeof err) != 0)
        return fprintf (stderr, "stop: %s\n", err), 1;
      if (st.rows_dropped)
        return fprintf (stderr, "%s: %llu rows dropped: the counts would flatter the recorder\n", label,
                        (unsigned long long) st.rows_dropped), 1;
      return 0;
    }
  series w[2][N_MODES];
  for (int i = 0; i < 2; i++)
    for (int m = 0; m < N_MODES; m++)
      w[i][m] = (series){ calloc ((size_t) rounds, sizeof (double)), 0 };
  for (long r = 0; r < rounds; r++)
    for (int j = 0; j < n_modes; j++)
      {
        int mode = (int) ((j + r) % n_modes);
        set_mode (rec, mode);
        uint64_t t0 = now_ns ();
        launch_n (bound, args, block);
        double per = (double) (now_ns () - t0) / (double) block;
        /* Lets the writer drain the block, so no mode meets a full ring (a drop is cheaper
         * than a push and would flatter it). */
        nanosleep (&(struct timespec){ 0, 1000000 }, NULL);
        series *s = r < first_rounds ? &w[0][mode] : r >= rounds / 2 ? &w[1][mode] : NULL;
        if (s)
          s->v[s->n++] = per;
      }
  set_mode (rec, engine_only ? MODE_REF : MODE_RECORDER);
  if (rec && lsc_recorder_stop (rec, &st, err, sizeof err) != 0)
    return fprintf (stderr, "stop: %s\n", err), 1;
  static const char *const windows[2] = { "first lap", "steady" };
  for (int i = 0; i < 2; i++)
    {
      double ref_med = median (&w[i][MODE_REF]), ref_mean = mean (&w[i][MODE_REF]);
      for (int m = 0; m < n_modes; m++)
        {
          double med = median (&w[i][m]), mn = mean (&w[i][m]);
          printf ("  %-8s %-10s %-36s median %7.1f ns (%+6.1f)  mean %7.1f ns (%+6.1f)%s\n", label, windows[i],
                  engine_only ? engine_mode_names[m] : mode_names[m], med, med - ref_med, mn, mn - ref_mean, m == MODE_REF ? "  <- reference" : "");
        }
      for (int m = 1; m < n_modes; m++)
        printf ("%s_%s_%s_ns=%.1f\n", label, i ? "steady" : "firstlap", mode_keys[m], median (&w[i][m]) - ref_med);
    }
  printf ("%s_rows_written=%llu %s_rows_dropped=%llu\n", label, (unsigned long long) st.rows_written, label,
          (unsigned long long) st.rows_dropped);
  for (int i = 0; i < 2; i++)
    for (int m = 0; m < N_MODES; m++)
      free (w[i][m].v);
  return 0;
}

int
main (int argc, char **argv)
{
  long count_iters = 0;
  if (argc >= 3 && strcmp (argv[1], "--count") == 0)
    {
      char *end;
      count_iters = strtol (argv[2], &end, 10);
      if (*end || count_iters < 1 || count_iters > 30000)
        return fprintf (stderr, "%s: --count wants 1..30000 (launches per mode; the ring holds 65536)\n", argv[0]), 2;
      argv += 2;
      argc -= 2;
    }
  if (argc < 2 || argv[1][0] == '-')
    {
      bool help = argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0);
      fprintf (help ? stdout : stderr,
               "usage: %s FAKE_CUPTI_SO [ROUNDS (640)] [BLOCK (256)]\n"
               "       %s --count ITERS FAKE_CUPTI_SO      (under callgrind: bench/callgrind-recorder)\n"
               "  FAKE_CUPTI_SO: the test double of libcupti, build/tests/libfake-cupti.so\n",
               argv[0], argv[0]);
      return help ? 0 : 2;
    }
  const char *fake = argv[1];
  long rounds = argc > 2 ? atol (argv[2]) : 640;
  long block = argc > 3 ? atol (argv[3]) : 256;
  if (rounds < 32 || block < 16)
    return fprintf (stderr, "ROUNDS >= 32, BLOCK >= 16\n"), 2;
  /* Before minutes of measuring, not after: the last session needs it. */
  void *fake_lib = dlopen (fake, RTLD_NOW | RTLD_LOCAL);
  if (!fake_lib || !dlsym (fake_lib, "fake_cupti_api_call"))
    return fprintf (stderr, "%s: %s\n", fake, fake_lib ? "not the fake CUPTI (no fake_cupti_api_call)" : dlerror ()), 2;
  /* Rounds whose records all land in the ring's first lap (65536 records), even when every
   * launch of a round pushed three records. */
  long first_rounds = 65536 / (3 * block * N_MODES) > 0 ? 65536 / (3 * block * N_MODES) : 1;
  if (first_rounds > 16)
    first_rounds = 16;

  char dir[] = "/tmp/lsc-push-XXXXXX";
  if (!mkdtemp (dir))
    return perror ("mkdtemp"), 1;
  setenv ("XDG_CACHE_HOME", dir, 1);
  fl_test_driver_install ();
  fl_use_device (0);
  fl_workload w;
  if (fl_workload_setup (&(fl_workload_options){ .n_ptrs = 3, .n = 64 }, &w) != FL_OK)
    return fprintf (stderr, "%s\n", fl_last_error ()), 1;
  fl_bound_kernel *b = w.bound;
  const fl_arg *args = w.args;
  launch_n (b, args, 10000); /* prime, compile, warm the caches */

  if (!count_iters)
    {
      char cpu[256];
      lsc_host_cpu_model (cpu, sizeof cpu);
      printf ("launching thread's cost per launch (driver test double, no GPU; CPU: %s, %ld cores)\n", cpu,
              sysconf (_SC_NPROCESSORS_ONLN));
      printf ("%ld rounds x %ld launches per mode; first lap: rounds 1-%ld; steady: rounds %ld-%ld\n", rounds, block,
              first_rounds, rounds / 2 + 1, rounds);
    }
  int rc = session ("engine", b, args, dir, NULL, rounds, block, first_rounds, count_iters);
  if (rc == 0)
    rc = session ("plain", b, args, dir, NULL, rounds, block, first_rounds, count_iters);
  /* CUPTI names the kernel of every launch; the fake does too, so handling the name is counted
   * (read when the session subscribes). */
  setenv ("FAKE_CUPTI_SYMBOL", "add", 0);
  void *sym = dlsym (fake_lib, "fake_cupti_api_call");
  memcpy (&fake_api_call, &sym, sizeof sym);
  /* Only now: a pre-run hook sends every launch down the general fast path, while the sessions
   * above took the lean hit, as a recording without CUPTI does. */
  fl_bound_kernel_add_pre_run_hook (b, fake_cuda_call, NULL);
  launch_n (b, args, 1000);
  if (rc == 0)
    rc = session ("cupti", b, args, dir, fake, rounds, block, first_rounds, count_iters);
  fake_api_call = NULL;
  fl_workload_free (&w);
  char cmd[160];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system (cmd) == 0 ? rc : 1;
}
