/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-concurrency.c — the fast launcher hammered from many threads while everything it reads
 * changes underneath it, with the recorder on, against the driver test double.  Written for
 * ThreadSanitizer (build-aux/test-variants tsan): any data race in the engine, the recorder
 * or their hand-over is a report, and the variant fails on the first one.
 *
 * Eight launching threads share three bound kernels (add3 with aligned and offset pointers and
 * three integer classes; a kernel reading a compile-time global; one with a constexpr argument)
 * and every 64th call takes fl_launch_default(); one of them launches from a second context
 * (context-changed fallbacks, a module per context), another binds, launches and frees a
 * private kernel now and then.  At the same time:
 *  - a mutator thread flips the debug, instrumentation, skip and stage-timing knobs, swaps the
 *    launch hooks (with and without metadata) and the compile hook, sets the global between
 *    two values, adds pre-run hooks, detaches and re-attaches the recorder's sink, and writes
 *    notes;
 *  - a capture thread begins a capture on its own stream, launches into it, ends it, replays
 *    and frees the graph (every other thread's launch falls back meanwhile);
 *  - a reader thread reads stats, spec tables and key descriptions;
 *  - the recorder is started after the launchers are running (the event clock is calibrated
 *    and the first sink published while launches are in flight) and stopped after they end.
 * Then: every status was one the engine documents for the call, no binary ever ran on
 * arguments it was not specialized for (the double's oracles stay at zero), the engine's
 * counters add up to the launches made, and the report opens, with no row lost.
 *
 * FL_CONCURRENCY_ITERS sets the launches per thread (default 4000; TSan slows each ~10x); each
 * thread goes on past that until the mutator has made every change six times over.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "fl-test-driver.h"
#include "lsc-recorder.h"
#include "lsc-report.h"

#define THREADS 8
#define N_BUF 3
#define ELEMS 96

static CUdeviceptr bufs[N_BUF];
static fl_kernel *k_add, *k_glob, *k_cx;
static fl_bound_kernel *b_add, *b_glob, *b_cx;
static long iters = 4000;
static atomic_bool launchers_done;
static atomic_uint mutator_rounds; /* full rounds of every change; launchers go on until a few */
static atomic_uint_fast64_t launches_made, other_launches, bad_status, hook_enters, hook_exits, pre_runs, compile_hook_calls;
static atomic_uint_fast64_t per_kernel[3];
static char bad_message[1024];
static pthread_mutex_t bad_lock = PTHREAD_MUTEX_INITIALIZER;

static const fl_driver *
drv (void)
{
  return fl_driver_get ();
}

/* ---- hooks -------------------------------------------------------------------------------------- */

static void
on_enter (const fl_launch_metadata *md, void *user_data)
{
  (void) user_data;
  if (md && (!md->kernel_name || !md->bound || md->block[0] == 0))
    atomic_fetch_add (&bad_status, 1);
  atomic_fetch_add_explicit (&hook_enters, 1, memory_order_relaxed);
}

static void
on_exit_hook (const fl_launch_metadata *md, fl_status st, void *user_data)
{
  (void) user_data;
  (void) st;
  if (md && md->n_args > FL_MAX_ARGS)
    atomic_fetch_add (&bad_status, 1);
  atomic_fetch_add_explicit (&hook_exits, 1, memory_order_relaxed);
}

static const fl_launch_hooks hooks_plain = { .enter = on_enter, .exit = on_exit_hook };
static const fl_launch_hooks hooks_metadata = { .enter = on_enter, .exit = on_exit_hook, .wants_metadata = true };

static void
on_compile (const fl_kernel *kernel, uint64_t key, fl_compile_options *options, void *user_data)
{
  (void) kernel;
  (void) key;
  (void) user_data;
  fl_compile_options_add (options, "-DFL_TEST_COMPILE_HOOK=1");
  atomic_fetch_add (&compile_hook_calls, 1);
}

static const fl_compile_hook compile_hook = { .hook = on_compile };

static void
on_pre_run (const fl_pre_run_launch *launch, void *user_data)
{
  (void) launch;
  (void) user_data;
  atomic_fetch_add_explicit (&pre_runs, 1, memory_order_relaxed);
}

/* ---- launchers ---------------------------------------------------------------------------------- */

static void
note_bad (const char *what, fl_status st)
{
  atomic_fetch_add (&bad_status, 1);
  pthread_mutex_lock (&bad_lock);
  if (!bad_message[0])
    snprintf (bad_message, sizeof bad_message, "%s: %s: %s", what, fl_status_str (st), fl_last_error ());
  pthread_mutex_unlock (&bad_lock);
}

typedef struct {
  int index;
  pthread_barrier_t *barrier;
} launcher_arg;

static void *
launcher (void *data)
{
  launcher_arg *a = data;
  if (fl_use_device (0) != FL_OK)
    {
      note_bad ("fl_use_device", FL_ERR_CUDA);
      return NULL;
    }
  if (a->index == 1)
    drv ()->cuCtxSetCurrent (fl_test_driver_new_context (0)); /* launches from another context */
  pthread_barrier_wait (a->barrier);
  static const int64_t counts[] = { 1, 16, 37 };
  for (long i = 0; i < iters || atomic_load (&mutator_rounds) < 6; i++)
    {
      const bool use_default = (i & 63) == 63;
      const unsigned which = (unsigned) (i + a->index) % 3;
      fl_grid grid = { 1, 1, 1 };
      fl_status st;
      if (which == 0)
        {
          const bool offset = ((i >> 2) + a->index) & 1;
          fl_arg args[N_BUF + 1];
          for (int k = 0; k < N_BUF; k++)
            args[k] = FL_PTR (bufs[k] + (offset ? 4 : 0));
          args[N_BUF] = FL_INT (counts[(i >> 3) % 3]);
          st = use_default ? fl_launch_default (b_add, grid, NULL, args, N_BUF + 1, NULL)
                           : fl_launch (b_add, grid, NULL, args, N_BUF + 1, NULL);
          if (st != FL_OK)
            note_bad ("add3", st);
        }
      else if (which == 1)
        {
          fl_arg args[1] = { FL_INT (i & 1023) };
          st = use_default ? fl_launch_default (b_glob, grid, NULL, args, 1, NULL)
                           : fl_launch (b_glob, grid, NULL, args, 1, NULL);
          /* The global moves under it: launched, or refused because it changed. */
          if (st != FL_OK && st != FL_ERR_GLOBAL_CHANGED)
            note_bad ("globals kernel", st);
        }
      else
        {
          fl_arg args[2] = { FL_INT (7), FL_INT ((i & 256) ? 8 : 4) };
          st = use_default ? fl_launch_default (b_cx, grid, NULL, args, 2, NULL)
                           : fl_launch (b_cx, grid, NULL, args, 2, NULL);
          if (st != FL_OK)
            note_bad ("constexpr kernel", st);
        }
      atomic_fetch_add_explicit (&per_kernel[which], 1, memory_order_relaxed);
      atomic_fetch_add_explicit (&launches_made, 1, memory_order_relaxed);
      if (i >= iters)
        usleep (50); /* past the count: keep launching, slowly, until the mutator is through */

      /* Thread 2 also binds, launches and frees a private kernel now and then. */
      if (a->index == 2 && (i % 500) == 499)
        {
          fl_bound_kernel *mine = NULL;
          if (fl_bound_kernel_new (k_add, &(fl_config){ .num_warps = 2 }, &mine) != FL_OK)
            note_bad ("bind", FL_ERR_NO_MEMORY);
          fl_arg args[N_BUF + 1];
          for (int k = 0; k < N_BUF; k++)
            args[k] = FL_PTR (bufs[k]);
          args[N_BUF] = FL_INT (16);
          for (int r = 0; r < 3; r++)
            if ((st = fl_launch (mine, grid, NULL, args, N_BUF + 1, NULL)) != FL_OK)
              note_bad ("private kernel", st);
          atomic_fetch_add (&other_launches, 3);
          fl_bound_kernel_free (mine);
        }
    }
  return NULL;
}

/* ---- mutator, capturer, reader ------------------------------------------------------------------ */

static lsc_recorder *_Atomic recorder;

static void *
mutator (void *data)
{
  (void) data;
  unsigned pre_run_added = 0;
  for (unsigned i = 0; !atomic_load (&launchers_done); i++)
    {
      switch (i % 9)
        {
        case 0: fl_knob_set_debug (!fl_knob_get_debug ()); break;
        case 1: fl_knob_set_instrumentation ((i / 9) & 1 ? FL_INSTR_LINEINFO : FL_INSTR_NONE); break;
        case 2: fl_knob_set_skip_fast ((i / 9) % 3 == 0); break;
        case 3: fl_knob_set_stage_timing (!fl_knob_get_stage_timing ()); break;
        case 4: fl_launch_hooks_set ((i / 9) % 3 == 0 ? NULL : (i / 9) % 3 == 1 ? &hooks_plain : &hooks_metadata); break;
        case 5: fl_compile_hook_set ((i / 9) & 1 ? &compile_hook : NULL); break;
        case 6: fl_global_set ("FL_CONC_G", (i / 9) & 1 ? 2 : 1); break;
        case 7:
          if (pre_run_added < FL_MAX_PRE_RUN_HOOKS)
            {
              fl_bound_kernel_add_pre_run_hook (pre_run_added & 1 ? b_add : b_glob, on_pre_run, NULL);
              pre_run_added++;
            }
          break;
        case 8:
          {
            lsc_recorder *rec = atomic_load (&recorder);
            if (rec)
              {
                lsc_recorder_set_engine_events (rec, (i / 9) % 4 != 0);
                lsc_recorder_note (rec, "toggle", "mutator");
              }
            break;
          }
        }
      if (i % 9 == 8)
        atomic_fetch_add (&mutator_rounds, 1);
      usleep (200);
    }
  return NULL;
}

static void *
capturer (void *data)
{
  (void) data;
  fl_use_device (0);
  CUstream stream;
  if (drv ()->cuStreamCreate (&stream, CU_STREAM_NON_BLOCKING) != CUDA_SUCCESS)
    {
      note_bad ("cuStreamCreate", FL_ERR_CUDA);
      return NULL;
    }
  while (!atomic_load (&launchers_done))
    {
      fl_status st = fl_capture_begin (stream);
      if (st != FL_OK)
        {
          note_bad ("capture begin", st);
          break;
        }
      fl_arg args[N_BUF + 1];
      for (int k = 0; k < N_BUF; k++)
        args[k] = FL_PTR (bufs[k]);
      args[N_BUF] = FL_INT (16);
      for (int r = 0; r < 4; r++)
        if ((st = fl_launch (b_add, (fl_grid){ 1, 1, 1 }, stream, args, N_BUF + 1, NULL)) != FL_OK)
          note_bad ("launch in capture", st);
      atomic_fetch_add (&other_launches, 4);
      fl_graph *g = NULL;
      if ((st = fl_capture_end (stream, &g)) != FL_OK)
        note_bad ("capture end", st);
      else
        {
          if ((st = fl_graph_launch (g, stream)) != FL_OK)
            note_bad ("graph launch", st);
          fl_graph_free (g);
        }
      usleep (1000);
    }
  drv ()->cuStreamDestroy (stream);
  return NULL;
}

static void *
reader (void *data)
{
  (void) data;
  fl_spec_entry entries[64];
  char desc[512];
  while (!atomic_load (&launchers_done))
    {
      const fl_bound_kernel *all[3] = { b_add, b_glob, b_cx };
      for (int i = 0; i < 3; i++)
        {
          fl_stats s;
          fl_bound_kernel_stats (all[i], &s);
          unsigned n = fl_bound_kernel_spec_entries (all[i], entries, 64);
          for (unsigned j = 0; j < n && j < 64; j++)
            fl_spec_key_describe (all[i], entries[j].key, desc, sizeof desc);
        }
      lsc_recorder *rec = atomic_load (&recorder);
      if (rec)
        {
          lsc_recorder_stats rs;
          lsc_recorder_get_stats (rec, &rs);
        }
      usleep (500);
    }
  return NULL;
}

/* ---- the test ---------------------------------------------------------------------------------- */

static char tmp_dir[256];

START_TEST (test_hammer)
{
  const char *env = getenv ("FL_CONCURRENCY_ITERS");
  if (env && atol (env) > 0)
    iters = atol (env);
  snprintf (tmp_dir, sizeof tmp_dir, "%s/fl-concurrency-XXXXXX", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull (mkdtemp (tmp_dir));
  setenv ("FASTLAUNCH_DISK_CACHE", "0", 1);
  fl_test_driver_install ();
  ck_assert_int_eq (fl_use_device (0), FL_OK);
  for (int i = 0; i < N_BUF; i++)
    {
      ck_assert_int_eq (drv ()->cuMemAlloc (&bufs[i], ELEMS * sizeof (float)), CUDA_SUCCESS);
      ck_assert_int_eq (drv ()->cuMemsetD8 (bufs[i], 0, ELEMS * sizeof (float)), CUDA_SUCCESS);
    }
  ck_assert_int_eq (fl_global_set ("FL_CONC_G", 1), FL_OK);
  ck_assert_int_eq (fl_workload_add_kernel (N_BUF, &k_add), FL_OK);
  static const char *const globals[] = { "FL_CONC_G" };
  fl_kernel_desc dg = { .name = "glob", .entry = "glob", .signature = "i32", .globals = globals, .n_globals = 1,
                        .source = "extern \"C\" __global__ void glob(int n) { (void) (n * FL_CONC_G); }\n" };
  ck_assert_int_eq (fl_kernel_new (&dg, &k_glob), FL_OK);
  fl_kernel_desc dc = { .name = "cx", .entry = "cx", .signature = "i32, constexpr",
                        .source = "extern \"C\" __global__ void cx(int n) { (void) (n * FL_CONSTEXPR_ARG1); }\n" };
  ck_assert_int_eq (fl_kernel_new (&dc, &k_cx), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (k_add, NULL, &b_add), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (k_glob, NULL, &b_glob), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (k_cx, NULL, &b_cx), FL_OK);

  pthread_barrier_t barrier;
  pthread_barrier_init (&barrier, NULL, THREADS + 1);
  pthread_t t[THREADS], tm, tc, tr;
  launcher_arg args[THREADS];
  for (int i = 0; i < THREADS; i++)
    {
      args[i] = (launcher_arg){ i, &barrier };
      ck_assert_int_eq (pthread_create (&t[i], NULL, launcher, &args[i]), 0);
    }
  pthread_barrier_wait (&barrier);

  /* Start recording while the launchers run: the event clock is calibrated and the first sink
   * published under load (nothing has read the clock yet: no sink, no stage timing). */
  while (atomic_load (&launches_made) < (uint64_t) iters / 8)
    usleep (100);
  char path[300], err[1024] = "";
  snprintf (path, sizeof path, "%s/hammer.lsdb", tmp_dir);
  lsc_recorder *rec = NULL;
  lsc_recorder_options o = { .path = path, .workload = "hammer", .ring_records = 4096 };
  ck_assert_msg (lsc_recorder_start (&o, &rec, err, sizeof err) == 0, "%s", err);
  lsc_recorder_add_kernel (rec, b_add, "add3");
  lsc_recorder_add_kernel (rec, b_glob, "glob");
  lsc_recorder_add_kernel (rec, b_cx, "cx");
  atomic_store (&recorder, rec);
  ck_assert_int_eq (pthread_create (&tm, NULL, mutator, NULL), 0);
  ck_assert_int_eq (pthread_create (&tc, NULL, capturer, NULL), 0);
  ck_assert_int_eq (pthread_create (&tr, NULL, reader, NULL), 0);

  for (int i = 0; i < THREADS; i++)
    pthread_join (t[i], NULL);
  atomic_store (&launchers_done, true);
  pthread_join (tm, NULL);
  pthread_join (tc, NULL);
  pthread_join (tr, NULL);
  atomic_store (&recorder, NULL);
  pthread_barrier_destroy (&barrier);

  lsc_recorder_stats rs;
  ck_assert_msg (lsc_recorder_stop (rec, &rs, err, sizeof err) == 0, "%s", err);
  fl_launch_hooks_set (NULL);
  fl_compile_hook_set (NULL);
  fl_knob_set_skip_fast (false);
  fl_knob_set_debug (false);
  fl_knob_set_stage_timing (false);
  fl_knob_set_instrumentation (FL_INSTR_NONE);

  ck_assert_msg (atomic_load (&bad_status) == 0, "%llu unexpected results; first: %s",
                 (unsigned long long) atomic_load (&bad_status), bad_message);
  /* No binary ran on arguments it was not compiled for, whatever changed meanwhile. */
  ck_assert_uint_eq (fl_test_driver_misaligned_faults (), 0);
  ck_assert_uint_eq (fl_test_driver_illegal_address_faults (), 0);
  ck_assert_uint_eq (fl_test_driver_specialization_violations (), 0);
  ck_assert_uint_eq (fl_test_driver_cross_context_launches (), 0);
  /* The engine counted every launch of each shared kernel (the capturer's 4 per round too). */
  fl_stats s;
  fl_bound_kernel_stats (b_glob, &s);
  ck_assert_uint_eq (s.launches, atomic_load (&per_kernel[1]));
  fl_bound_kernel_stats (b_cx, &s);
  ck_assert_uint_eq (s.launches, atomic_load (&per_kernel[2]));
  ck_assert_uint_gt (s.fallbacks[FL_FALLBACK_CONSTEXPR_CHANGED], 0);
  fl_bound_kernel_stats (b_add, &s);
  ck_assert_uint_ge (s.launches, atomic_load (&per_kernel[0]));
  ck_assert_uint_gt (s.fast_hits, 0);
  ck_assert_uint_gt (atomic_load (&hook_enters), 0);
  ck_assert_uint_eq (atomic_load (&hook_enters), atomic_load (&hook_exits));
  ck_assert_uint_gt (atomic_load (&pre_runs), 0);
  /* The report: nothing lost; what was written opens and summarizes. */
  ck_assert_uint_eq (rs.rows_lost, 0);
  ck_assert_uint_gt (rs.rows_written, 0);
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "%s", e.message);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert_uint_eq (sum->n_sessions, 1);
  ck_assert_int_le (sum->sessions[0].launches, (int64_t) (atomic_load (&launches_made) + atomic_load (&other_launches)));
  printf ("%d threads x >= %ld launches (+ capture, mutator, reader): %llu launches, %llu rows written, %llu dropped, "
          "%llu compile-hook calls\n",
          THREADS, iters, (unsigned long long) atomic_load (&launches_made), (unsigned long long) rs.rows_written,
          (unsigned long long) rs.rows_dropped, (unsigned long long) atomic_load (&compile_hook_calls));
  lsc_report_summary_free (sum);
  lsc_report_free (r);

  fl_bound_kernel_free (b_add);
  fl_bound_kernel_free (b_glob);
  fl_bound_kernel_free (b_cx);
  fl_kernel_free (k_add);
  fl_kernel_free (k_glob);
  fl_kernel_free (k_cx);
  for (int i = 0; i < N_BUF; i++)
    drv ()->cuMemFree (bufs[i]);
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
  ck_assert_int_eq (system (cmd), 0);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("concurrency");
  TCase *tc = tcase_create ("hammer");
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_hammer);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
