/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-faults.c — fault injection through the driver test double: every driver and NVRTC call
 * the engine makes, made to fail in turn.
 *
 * A representative workload (prime and miss with a compile, hit, a second spec, the default
 * path, a compile error, graph capture and replay, another hit, free) runs once without faults
 * to count, step by step, how often each entry point of the double is called.  Then, for every
 * step, every entry point it calls and every one of those calls (the k-th call of that entry
 * point in that step, through fl_test_driver_fail_nth), a fresh world runs the workload with
 * that one call failing, once with a plain error (CUDA_ERROR_OUT_OF_MEMORY,
 * NVRTC_ERROR_OUT_OF_MEMORY) and once with a sticky one (CUDA_ERROR_ILLEGAL_ADDRESS), and
 * asserts:
 *  - the step fails with FL_ERR_CUDA (FL_ERR_CUDA_STICKY for a sticky error, FL_ERR_COMPILE for
 *    NVRTC) and fl_last_error() names the error; a failed launch emits one error event with
 *    that message; or, where the engine is designed to absorb the failure (a guard that falls
 *    back, a release call in a void function, a lost compile log), exactly that happens;
 *  - the engine is usable afterwards: the failed step, retried, and every later step succeed;
 *  - nothing leaks: the double's live module, program, graph, stream and allocation counts
 *    return to zero (or keep exactly the one object whose release was made to fail), and ASan
 *    or valgrind see no host leak.
 * The double does not make the context unusable after an injected sticky error (the fault
 * "does nothing else"), so after one the rest of the workload also runs: it checks that the
 * engine's own state stays consistent, not that a real context would survive.
 *
 * Separate tests cover fl_use_device(), fl_driver_install() (cuInit, cuDriverGetVersion) and a
 * driver that cannot name its own errors (cuGetErrorName, cuGetErrorString).
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "fl-test-driver.h"

#define N_ELEMS 64
#define MAX_ENTRIES 64

/* ---- the world one scenario runs in --------------------------------------------------------- */

typedef struct {
  CUstream stream;
  CUdeviceptr buf[2];
  fl_kernel *k, *k_bad;
  fl_bound_kernel *b, *b_bad;
  fl_graph *graph;
  fl_launch_info info;
} world;

/* Error events the engine emitted, with the last message. */
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned n_error_events;
static char last_error_event[1024];

static void
on_event (const fl_event *e, void *user_data)
{
  (void) user_data;
  if (e->type != FL_EVENT_ERROR)
    return;
  pthread_mutex_lock (&events_lock);
  n_error_events++;
  snprintf (last_error_event, sizeof last_error_event, "%s", e->message ? e->message : "");
  pthread_mutex_unlock (&events_lock);
}

static const fl_event_sink sink = { .emit = on_event };

static unsigned
error_events (void)
{
  pthread_mutex_lock (&events_lock);
  unsigned n = n_error_events;
  pthread_mutex_unlock (&events_lock);
  return n;
}

static const fl_driver *
drv (void)
{
  const fl_driver *d = fl_driver_get ();
  ck_assert_ptr_nonnull (d);
  return d;
}

static void
world_init (world *w)
{
  memset (w, 0, sizeof *w);
  fl_test_driver_install ();
  setenv ("FASTLAUNCH_DISK_CACHE", "0", 1); /* every miss compiles: the NVRTC calls are deterministic */
  unsetenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER");
  fl_knob_set_skip_fast (false);
  fl_knob_set_debug (false);
  fl_event_sink_set (&sink);
  ck_assert_int_eq (fl_use_device (0), FL_OK);
  for (int i = 0; i < 2; i++)
    {
      ck_assert_int_eq (drv ()->cuMemAlloc (&w->buf[i], (N_ELEMS + 16) * sizeof (float)), CUDA_SUCCESS);
      ck_assert_int_eq (drv ()->cuMemsetD8 (w->buf[i], 0, (N_ELEMS + 16) * sizeof (float)), CUDA_SUCCESS);
    }
  ck_assert_int_eq (drv ()->cuStreamCreate (&w->stream, CU_STREAM_NON_BLOCKING), CUDA_SUCCESS);
  ck_assert_int_eq (fl_workload_add_kernel (2, &w->k), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (w->k, NULL, &w->b), FL_OK);
  fl_kernel_desc bad = { .name = "broken", .entry = "broken", .signature = "i32",
                         .source = "extern \"C\" __global__ void broken(int n) { FL_TEST_COMPILE_ERROR; }\n" };
  ck_assert_int_eq (fl_kernel_new (&bad, &w->k_bad), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (w->k_bad, NULL, &w->b_bad), FL_OK);
  pthread_mutex_lock (&events_lock);
  n_error_events = 0;
  last_error_event[0] = '\0';
  pthread_mutex_unlock (&events_lock);
  fl_test_driver_reset_calls ();
}

/* Releases what the test made (the workload's own steps released the engine's objects). */
static void
world_done (world *w)
{
  fl_test_driver_clear_faults ();
  fl_event_sink_set (NULL);
  if (w->graph)
    fl_graph_free (w->graph);
  fl_bound_kernel_free (w->b);
  fl_bound_kernel_free (w->b_bad);
  fl_kernel_free (w->k);
  fl_kernel_free (w->k_bad);
  ck_assert_int_eq (drv ()->cuStreamDestroy (w->stream), CUDA_SUCCESS);
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq (drv ()->cuMemFree (w->buf[i]), CUDA_SUCCESS);
  memset (w, 0, sizeof *w);
}

/* ---- the workload ------------------------------------------------------------------------------ */

typedef enum {
  ST_PRIME_MISS,     /* first fl_launch: primes, compiles, loads, launches, inserts */
  ST_HIT,            /* the hit path */
  ST_OFFSET_MISS,    /* unaligned pointers: a second spec, compiled on the fast launcher's miss */
  ST_DEFAULT,        /* fl_launch_default: the full pipeline, module cached */
  ST_COMPILE_ERROR,  /* a kernel NVRTC rejects: FL_ERR_COMPILE with the log */
  ST_CAPTURE_BEGIN,  /* fl_capture_begin */
  ST_CAPTURE_LAUNCH, /* fl_launch while capturing: the default path records it */
  ST_CAPTURE_END,    /* fl_capture_end: end, count nodes, instantiate */
  ST_GRAPH_LAUNCH,   /* fl_graph_launch */
  ST_GRAPH_FREE,     /* fl_graph_free (void) */
  ST_HIT_AGAIN,      /* the hit path after all of the above */
  ST_FREE,           /* fl_bound_kernel_free (void): unloads both modules */
  N_STEPS
} step_id;

static const char *const step_names[N_STEPS] = {
  "prime+miss+compile", "hit", "offset miss+compile", "default path", "compile error", "capture begin",
  "launch in capture", "capture end", "graph launch", "graph free", "hit again", "bound kernel free",
};

/* What a step returns when nothing fails. */
static fl_status
step_normal_status (step_id s)
{
  return s == ST_COMPILE_ERROR ? FL_ERR_COMPILE : FL_OK;
}

static bool
step_is_launch (step_id s)
{
  return s == ST_PRIME_MISS || s == ST_HIT || s == ST_OFFSET_MISS || s == ST_DEFAULT || s == ST_COMPILE_ERROR
         || s == ST_CAPTURE_LAUNCH || s == ST_HIT_AGAIN;
}

static fl_status
add_launch (world *w, bool offset, bool use_default, CUstream stream)
{
  fl_arg args[3] = { FL_PTR (w->buf[0] + (offset ? 4 : 0)), FL_PTR (w->buf[1] + (offset ? 4 : 0)), FL_INT (N_ELEMS) };
  return use_default ? fl_launch_default (w->b, (fl_grid){ 1, 1, 1 }, stream, args, 3, &w->info)
                     : fl_launch (w->b, (fl_grid){ 1, 1, 1 }, stream, args, 3, &w->info);
}

static fl_status
run_step (world *w, step_id s)
{
  memset (&w->info, 0, sizeof w->info);
  switch (s)
    {
    case ST_PRIME_MISS:
    case ST_HIT:
    case ST_HIT_AGAIN:
      return add_launch (w, false, false, NULL);
    case ST_OFFSET_MISS:
      return add_launch (w, true, false, NULL);
    case ST_DEFAULT:
      return add_launch (w, false, true, NULL);
    case ST_COMPILE_ERROR:
      return fl_launch (w->b_bad, (fl_grid){ 1, 1, 1 }, NULL, (fl_arg[]){ FL_INT (1) }, 1, &w->info);
    case ST_CAPTURE_BEGIN:
      return fl_capture_begin (w->stream);
    case ST_CAPTURE_LAUNCH:
      return add_launch (w, false, false, w->stream);
    case ST_CAPTURE_END:
      return fl_capture_end (w->stream, &w->graph);
    case ST_GRAPH_LAUNCH:
      return fl_graph_launch (w->graph, w->stream);
    case ST_GRAPH_FREE:
      fl_graph_free (w->graph);
      w->graph = NULL;
      return FL_OK;
    case ST_FREE:
      fl_bound_kernel_free (w->b);
      w->b = NULL;
      return FL_OK;
    case N_STEPS:
      break;
    }
  return FL_ERR_INVALID_ARGUMENT;
}

/* Runs step s expecting its normal status. */
static void
run_step_ok (world *w, step_id s, const char *when)
{
  fl_status st = run_step (w, s);
  ck_assert_msg (st == step_normal_status (s), "%s: step '%s' -> %s (want %s): %s", when, step_names[s],
                 fl_status_str (st), fl_status_str (step_normal_status (s)), fl_last_error ());
}

/* ---- the fault-free profile: calls per step and entry point ------------------------------------ */

static unsigned n_entries;
static uint64_t profile[N_STEPS][MAX_ENTRIES];

static void
build_profile (void)
{
  n_entries = fl_test_driver_entry_point_count ();
  ck_assert_uint_le (n_entries, MAX_ENTRIES);
  world w;
  world_init (&w);
  for (int s = 0; s < N_STEPS; s++)
    {
      uint64_t before[MAX_ENTRIES];
      for (unsigned e = 0; e < n_entries; e++)
        before[e] = fl_test_driver_calls (fl_test_driver_entry_point_name (e));
      run_step_ok (&w, (step_id) s, "fault-free run");
      switch (s)
        {
        case ST_PRIME_MISS:
        case ST_OFFSET_MISS:
          ck_assert_int_eq (w.info.outcome, FL_OUTCOME_MISS);
          ck_assert (w.info.compiled);
          break;
        case ST_HIT:
        case ST_HIT_AGAIN:
          ck_assert_int_eq (w.info.outcome, FL_OUTCOME_HIT);
          break;
        case ST_CAPTURE_LAUNCH:
          ck_assert_int_eq (w.info.reason, FL_FALLBACK_CAPTURE);
          break;
        case ST_CAPTURE_END:
          ck_assert_uint_eq (fl_graph_node_count (w.graph), 1);
          break;
        default:
          break;
        }
      for (unsigned e = 0; e < n_entries; e++)
        profile[s][e] = fl_test_driver_calls (fl_test_driver_entry_point_name (e)) - before[e];
    }
  world_done (&w);
  ck_assert_uint_eq (fl_test_driver_live_modules (), 0);
  ck_assert_uint_eq (fl_test_driver_live_programs (), 0);
  ck_assert_uint_eq (fl_test_driver_live_graphs (), 0);
}

/* ---- what each fault must do ------------------------------------------------------------------- */

typedef enum {
  X_FAIL,      /* the step fails with the injected error, named in fl_last_error() */
  X_RECOVERED, /* a guard falls back to the default path, whose own driver calls succeed */
  X_VOID,      /* a release call in a void function: nothing to report; the double keeps the object */
  X_LOG_LOST,  /* the compile still fails as it must, without NVRTC's log */
} expect_kind;

static bool
is_nvrtc (const char *entry)
{
  return strncmp (entry, "nvrtc", 5) == 0;
}

static bool
is_release (const char *entry)
{
  return strcmp (entry, "cuModuleUnload") == 0 || strcmp (entry, "nvrtcDestroyProgram") == 0
         || strcmp (entry, "cuGraphDestroy") == 0 || strcmp (entry, "cuGraphExecDestroy") == 0
         || strcmp (entry, "cuDevicePrimaryCtxRelease") == 0;
}

static expect_kind
expect_for (step_id s, const char *entry, uint64_t k)
{
  if (is_release (entry))
    return X_VOID;
  if (s == ST_COMPILE_ERROR
      && (strcmp (entry, "nvrtcGetProgramLogSize") == 0 || strcmp (entry, "nvrtcGetProgramLog") == 0))
    return X_LOG_LOST;
  /* The first cuCtxGetCurrent of a launch on a primed kernel is the context guard: when it
   * fails, the call falls back (context-changed) and the default path asks again.  On the
   * first launch it is fl__prime's: priming is put off and the call takes the default path. */
  if (strcmp (entry, "cuCtxGetCurrent") == 0 && k == 0
      && (s == ST_PRIME_MISS || s == ST_HIT || s == ST_OFFSET_MISS || s == ST_HIT_AGAIN || s == ST_COMPILE_ERROR))
    return X_RECOVERED;
  return X_FAIL;
}

static int
entry_index (const char *name)
{
  for (unsigned e = 0; e < n_entries; e++)
    if (strcmp (fl_test_driver_entry_point_name (e), name) == 0)
      return (int) e;
  return -1;
}

typedef struct {
  CUresult cu;
  const char *cu_name;
  bool sticky;
} fault_kind;

static const fault_kind fault_kinds[] = {
  { CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", false },
  { CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS", true },
};

static unsigned scenarios_run;

/* One scenario: the workload with call k of entry e in step s failing. */
static void
run_scenario (step_id s, unsigned e, uint64_t k, const fault_kind *fk)
{
  const char *entry = fl_test_driver_entry_point_name (e);
  const bool nvrtc = is_nvrtc (entry);
  const CUresult injected = nvrtc ? (CUresult) NVRTC_ERROR_OUT_OF_MEMORY : fk->cu;
  const char *name = nvrtc ? "NVRTC_ERROR_OUT_OF_MEMORY" : fk->cu_name;
  char when[256];
  snprintf (when, sizeof when, "%s call #%llu failing with %s in step '%s'", entry, (unsigned long long) k + 1,
            name, step_names[s]);

  world w;
  world_init (&w);
  for (int p = 0; p < (int) s; p++)
    run_step_ok (&w, (step_id) p, "before the fault");

  unsigned errors_before = error_events ();
  fl_test_driver_fail_nth (entry, k, injected);
  fl_status st = run_step (&w, s);
  ck_assert_msg (!fl_test_driver_fault_pending (), "%s: the fault never fired (the workload changed?)", when);
  const char *msg = fl_last_error ();

  expect_kind x = expect_for (s, entry, k);
  switch (x)
    {
    case X_FAIL:
      {
        fl_status want = nvrtc ? FL_ERR_COMPILE : fk->sticky ? FL_ERR_CUDA_STICKY : FL_ERR_CUDA;
        ck_assert_msg (st == want, "%s: status %s, want %s: %s", when, fl_status_str (st), fl_status_str (want), msg);
        ck_assert_msg (strstr (msg, name) != NULL, "%s: fl_last_error() does not name the error: %s", when, msg);
        if (fk->sticky && !nvrtc)
          ck_assert_msg (strstr (msg, "sticky") != NULL, "%s: the message should say the error is sticky: %s", when,
                         msg);
        if (step_is_launch (s))
          {
            ck_assert_msg (error_events () == errors_before + 1, "%s: %u error events, want 1", when,
                           error_events () - errors_before);
            pthread_mutex_lock (&events_lock);
            ck_assert_msg (strstr (last_error_event, name) != NULL, "%s: the error event does not name it: %s", when,
                           last_error_event);
            pthread_mutex_unlock (&events_lock);
          }
        break;
      }
    case X_RECOVERED:
      {
        /* Priming put off or a primed launch: either way the context check failed, and the
         * fallback says so. */
        ck_assert_msg (st == step_normal_status (s), "%s: the engine should fall back and go on: %s: %s", when,
                       fl_status_str (st), msg);
        ck_assert_msg (w.info.path == FL_PATH_DEFAULT && w.info.outcome == FL_OUTCOME_FALLBACK,
                       "%s: path %s outcome %s", when, fl_path_str (w.info.path), fl_outcome_str (w.info.outcome));
        ck_assert_msg (w.info.reason == FL_FALLBACK_CONTEXT_CHANGED,
                       "%s: reason %s", when, fl_fallback_str (w.info.reason));
        break;
      }
    case X_VOID:
      ck_assert_msg (st == step_normal_status (s), "%s: %s: %s", when, fl_status_str (st), msg);
      break;
    case X_LOG_LOST:
      ck_assert_msg (st == FL_ERR_COMPILE && strstr (msg, "(no log)") != NULL, "%s: %s: %s", when,
                     fl_status_str (st), msg);
      break;
    }
  fl_test_driver_clear_faults ();

  /* The engine is usable afterwards: retry what failed, then the rest. */
  step_id next = (step_id) (s + 1);
  if (x == X_FAIL)
    {
      if (s == ST_CAPTURE_END && strcmp (entry, "cuStreamEndCapture") == 0)
        {
          /* The injected fault "did nothing else": the double still captures.  A real driver
           * ends the sequence when cuStreamEndCapture fails; do that for it. */
          CUgraph g = NULL;
          ck_assert_int_eq (drv ()->cuStreamEndCapture (w.stream, &g), CUDA_SUCCESS);
          ck_assert_int_eq (drv ()->cuGraphDestroy (g), CUDA_SUCCESS);
        }
      ck_assert_msg (!fl_capture_active () || s == ST_CAPTURE_LAUNCH, "%s: capture left active", when);
      if (s == ST_CAPTURE_END)
        next = ST_CAPTURE_BEGIN; /* the capture is over: capture again */
      else
        next = s; /* the same step again */
    }
  for (int p = (int) next; p < N_STEPS; p++)
    run_step_ok (&w, (step_id) p, when);
  ck_assert_msg (!fl_capture_active (), "%s: capture left active", when);
  world_done (&w);

  /* Nothing leaks, but the one object whose release was made to fail. */
  size_t want_modules = strcmp (entry, "cuModuleUnload") == 0;
  size_t want_programs = strcmp (entry, "nvrtcDestroyProgram") == 0;
  size_t want_graphs = strcmp (entry, "cuGraphDestroy") == 0 || strcmp (entry, "cuGraphExecDestroy") == 0;
  ck_assert_msg (fl_test_driver_live_modules () == want_modules, "%s: %zu modules live", when,
                 fl_test_driver_live_modules ());
  ck_assert_msg (fl_test_driver_live_programs () == want_programs, "%s: %zu NVRTC programs live", when,
                 fl_test_driver_live_programs ());
  ck_assert_msg (fl_test_driver_live_graphs () == want_graphs, "%s: %zu graphs live", when,
                 fl_test_driver_live_graphs ());
  ck_assert_msg (fl_test_driver_live_streams () == 0, "%s: streams live", when);
  ck_assert_msg (fl_test_driver_live_allocations () == 0, "%s: allocations live", when);
  ck_assert_uint_eq (fl_test_driver_misaligned_faults (), 0);
  ck_assert_uint_eq (fl_test_driver_specialization_violations (), 0);
  scenarios_run++;
}

/* Every call of every entry point in step s, with each kind of error. */
static void
sweep_step (step_id s)
{
  build_profile ();
  unsigned injected = 0;
  for (unsigned e = 0; e < n_entries; e++)
    {
      const char *entry = fl_test_driver_entry_point_name (e);
      if (strcmp (entry, "nvrtcGetErrorString") == 0)
        continue; /* returns a string: cannot fail */
      for (uint64_t k = 0; k < profile[s][e]; k++)
        for (size_t f = 0; f < sizeof fault_kinds / sizeof fault_kinds[0]; f++)
          {
            if (is_nvrtc (entry) && fault_kinds[f].sticky)
              continue; /* NVRTC has no sticky errors */
            run_scenario (s, e, k, &fault_kinds[f]);
            injected++;
          }
    }
  printf ("step %-22s %3u faults injected, all handled\n", step_names[s], injected);
  fflush (stdout);
}

START_TEST (test_sweep)
{
  sweep_step ((step_id) _i);
}
END_TEST

/* The sweep reaches every driver and NVRTC entry point the engine's launch path uses. */
START_TEST (test_sweep_coverage)
{
  build_profile ();
  static const char *const must[] = {
    "cuCtxGetCurrent", "cuCtxGetDevice", "cuDeviceGetAttribute", "cuModuleLoadData", "cuModuleGetFunction",
    "cuModuleUnload", "cuLaunchKernel", "cuStreamBeginCapture", "cuStreamEndCapture", "cuGraphGetNodes",
    "cuGraphInstantiateWithFlags", "cuGraphLaunch", "cuGraphDestroy", "cuGraphExecDestroy", "nvrtcCreateProgram",
    "nvrtcCompileProgram", "nvrtcGetProgramLogSize", "nvrtcGetProgramLog", "nvrtcGetCUBINSize", "nvrtcGetCUBIN",
    "nvrtcDestroyProgram",
  };
  for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
    {
      int e = entry_index (must[i]);
      ck_assert_msg (e >= 0, "the double does not count %s", must[i]);
      uint64_t total = 0;
      for (int s = 0; s < N_STEPS; s++)
        total += profile[s][e];
      ck_assert_msg (total > 0, "the workload never calls %s: its error paths go untested", must[i]);
    }
  /* Print the profile: the README's table of call sites. */
  for (unsigned e = 0; e < n_entries; e++)
    {
      uint64_t total = 0;
      for (int s = 0; s < N_STEPS; s++)
        total += profile[s][e];
      if (total)
        printf ("%-28s %2llu call%s in the workload\n", fl_test_driver_entry_point_name (e),
                (unsigned long long) total, total == 1 ? "" : "s");
    }
}
END_TEST

/* ---- fl_use_device ---------------------------------------------------------------------------- */

typedef struct {
  const char *entry;
  uint64_t k;
  fl_status st;
  char msg[1024];
} thread_try;

static void *
use_device_thread (void *data)
{
  thread_try *t = data;
  if (t->entry)
    fl_test_driver_fail_nth (t->entry, t->k, CUDA_ERROR_OUT_OF_MEMORY);
  t->st = fl_use_device (0);
  snprintf (t->msg, sizeof t->msg, "%s", fl_last_error ());
  return NULL;
}

START_TEST (test_use_device)
{
  /* First call in the process (retains the primary context), then a new thread's (cached). */
  for (int second = 0; second < 2; second++)
    {
      fl_test_driver_install ();
      if (second)
        ck_assert_int_eq (fl_use_device (0), FL_OK);
      uint64_t counts[MAX_ENTRIES];
      n_entries = fl_test_driver_entry_point_count ();
      fl_test_driver_reset_calls ();
      thread_try probe = { 0 };
      pthread_t t;
      pthread_create (&t, NULL, use_device_thread, &probe);
      pthread_join (t, NULL);
      ck_assert_int_eq (probe.st, FL_OK);
      for (unsigned e = 0; e < n_entries; e++)
        counts[e] = fl_test_driver_calls (fl_test_driver_entry_point_name (e));
      unsigned injected = 0;
      for (unsigned e = 0; e < n_entries; e++)
        for (uint64_t k = 0; k < counts[e]; k++)
          {
            fl_test_driver_install ();
            if (second)
              ck_assert_int_eq (fl_use_device (0), FL_OK);
            thread_try tt = { .entry = fl_test_driver_entry_point_name (e), .k = k };
            pthread_create (&t, NULL, use_device_thread, &tt);
            pthread_join (t, NULL);
            ck_assert_msg (!fl_test_driver_fault_pending (), "%s never called", tt.entry);
            ck_assert_msg (tt.st == FL_ERR_CUDA && strstr (tt.msg, "CUDA_ERROR_OUT_OF_MEMORY"),
                           "fl_use_device with %s failing: %s: %s", tt.entry, fl_status_str (tt.st), tt.msg);
            tt.entry = NULL; /* again, without a fault: works */
            pthread_create (&t, NULL, use_device_thread, &tt);
            pthread_join (t, NULL);
            ck_assert_msg (tt.st == FL_OK, "fl_use_device after a failed %s: %s", fl_test_driver_entry_point_name (e),
                           tt.msg);
            injected++;
          }
      ck_assert_uint_ge (injected, second ? 3 : 4);
      printf ("fl_use_device (%s): %u faults injected, all handled\n", second ? "cached primary" : "first call",
              injected);
    }
}
END_TEST

/* ---- fl_driver_install: cuInit and cuDriverGetVersion ----------------------------------------- */

START_TEST (test_driver_install)
{
  fl_test_driver_install ();
  fl_driver table = *fl_driver_get ();

  fl_test_driver_fail_next ("cuInit", CUDA_ERROR_NO_DEVICE);
  ck_assert_int_eq (fl_driver_install (&table, NULL), FL_ERR_NO_DRIVER);
  ck_assert_msg (strstr (fl_last_error (), "CUDA_ERROR_NO_DEVICE") && strstr (fl_last_error (), "cuInit"), "%s",
                 fl_last_error ());
  ck_assert (!fl_driver_ready ());
  /* Without a driver every entry point says so, nothing crashes. */
  fl_kernel *k = NULL;
  fl_bound_kernel *b = NULL;
  ck_assert_int_eq (fl_workload_empty_kernel (&k), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (k, NULL, &b), FL_OK);
  ck_assert_int_eq (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, (fl_arg[]){ FL_INT (1) }, 1, NULL), FL_ERR_NO_DRIVER);
  ck_assert_int_eq (fl_launch_default (b, (fl_grid){ 1, 1, 1 }, NULL, (fl_arg[]){ FL_INT (1) }, 1, NULL),
                    FL_ERR_NO_DRIVER);
  ck_assert_int_eq (fl_use_device (0), FL_ERR_NO_DRIVER);
  ck_assert_int_eq (fl_capture_begin ((CUstream) 1), FL_ERR_NO_DRIVER);
  fl_bound_kernel_free (b);

  fl_test_driver_fail_next ("cuInit", CUDA_ERROR_STUB_LIBRARY);
  ck_assert_int_eq (fl_driver_install (&table, NULL), FL_ERR_NO_DRIVER);
  ck_assert_msg (strstr (fl_last_error (), "stub"), "%s", fl_last_error ());

  /* cuDriverGetVersion failing is not fatal: the version is unknown (0). */
  fl_test_driver_fail_next ("cuDriverGetVersion", CUDA_ERROR_UNKNOWN);
  ck_assert_int_eq (fl_driver_install (&table, NULL), FL_OK);
  ck_assert_int_eq (fl_driver_version (), 0);
  /* No NVRTC table: compiling says so. */
  ck_assert_int_eq (fl_use_device (0), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (k, NULL, &b), FL_OK);
  ck_assert_int_eq (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, (fl_arg[]){ FL_INT (1) }, 1, NULL), FL_ERR_NO_NVRTC);
  fl_bound_kernel_free (b);
  fl_kernel_free (k);

  fl_test_driver_install (); /* restores NVRTC */
  ck_assert_int_eq (fl_driver_version (), 13000);
}
END_TEST

/* ---- a driver that cannot name its errors ----------------------------------------------------- */

START_TEST (test_error_names_unavailable)
{
  world w;
  world_init (&w);
  run_step_ok (&w, ST_PRIME_MISS, "set-up");
  for (int which = 0; which < 2; which++)
    {
      /* A code the engine names itself, and one nobody names (a newer driver's). */
      const CUresult code = which ? CUDA_ERROR_OUT_OF_MEMORY : (CUresult) 123456;
      fl_test_driver_fail_next ("cuLaunchKernel", code);
      if (which)
        fl_test_driver_fail_next ("cuGetErrorString", CUDA_ERROR_NOT_INITIALIZED);
      fl_status st = run_step (&w, ST_HIT);
      ck_assert_int_eq (st, FL_ERR_CUDA);
      /* Whatever is known is used; the number stands in for a missing name. */
      ck_assert_msg (strstr (fl_last_error (), which ? "CUDA_ERROR_OUT_OF_MEMORY" : "CUDA error 123456")
                       && strstr (fl_last_error (), "cuLaunchKernel"),
                     "%s", fl_last_error ());
      ck_assert (!fl_test_driver_fault_pending ());
      run_step_ok (&w, ST_HIT, "after an unnamed error");
    }
  /* fl_cuda_error_name() for a code the driver does not know, and one it does. */
  ck_assert_str_eq (fl_cuda_error_name ((CUresult) 123456), "unrecognised CUDA error");
  ck_assert_str_eq (fl_cuda_error_name (CUDA_ERROR_ILLEGAL_ADDRESS), "CUDA_ERROR_ILLEGAL_ADDRESS");
  /* The driver's text still reaches engine errors. */
  fl_test_driver_fail_next ("cuLaunchKernel", CUDA_ERROR_MISALIGNED_ADDRESS);
  ck_assert_int_eq (run_step (&w, ST_HIT), FL_ERR_CUDA_STICKY);
  ck_assert_msg (strstr (fl_last_error (), "CUDA_ERROR_MISALIGNED_ADDRESS: misaligned address"), "%s",
                 fl_last_error ());
  for (int s = ST_HIT; s < N_STEPS; s++)
    run_step_ok (&w, (step_id) s, "rest");
  world_done (&w);
}
END_TEST

static void *
error_name_in_thread (void *unused)
{
  (void) unused;
  return (void *) fl_cuda_error_name (CUDA_ERROR_LAUNCH_FAILED);
}

/* Names stay put: two in one printf are two names, and one got on a thread that has exited is
 * still readable. */
START_TEST (test_error_names_stable)
{
  char line[256];
  snprintf (line, sizeof line, "%s / %s / %s", fl_cuda_error_name (CUDA_ERROR_MISALIGNED_ADDRESS),
            fl_cuda_error_name (CUDA_ERROR_ILLEGAL_ADDRESS), fl_cuda_error_name ((CUresult) 123456));
  ck_assert_str_eq (line, "CUDA_ERROR_MISALIGNED_ADDRESS / CUDA_ERROR_ILLEGAL_ADDRESS / unrecognised CUDA error");
  const char *first = fl_cuda_error_name (CUDA_ERROR_OUT_OF_MEMORY);
  for (int code = 0; code < 1000; code++)
    (void) fl_cuda_error_name ((CUresult) code);
  ck_assert_str_eq (first, "CUDA_ERROR_OUT_OF_MEMORY");
  /* Named by the engine, whatever the driver can say. */
  ck_assert_str_eq (fl_cuda_error_name (CUDA_ERROR_KEY_ROTATION), "CUDA_ERROR_KEY_ROTATION");
  ck_assert_str_eq (fl_cuda_error_name (CUDA_SUCCESS), "CUDA_SUCCESS");

  pthread_t thread;
  void *from_thread = NULL;
  ck_assert_int_eq (pthread_create (&thread, NULL, error_name_in_thread, NULL), 0);
  ck_assert_int_eq (pthread_join (thread, &from_thread), 0);
  ck_assert_str_eq ((const char *) from_thread, "CUDA_ERROR_LAUNCH_FAILED");
}
END_TEST

/* ---- which errors are sticky ------------------------------------------------------------------ */

/* Every error cuda.h documents as leaving the context (or process) unusable is reported as
 * FL_ERR_CUDA_STICKY, from the hit path and from the default path; others as FL_ERR_CUDA. */
START_TEST (test_sticky_codes)
{
  static const CUresult sticky[] = {
    CUDA_ERROR_ILLEGAL_ADDRESS,    CUDA_ERROR_LAUNCH_TIMEOUT,   CUDA_ERROR_HARDWARE_STACK_ERROR,
    CUDA_ERROR_ILLEGAL_INSTRUCTION, CUDA_ERROR_MISALIGNED_ADDRESS, CUDA_ERROR_INVALID_ADDRESS_SPACE,
    CUDA_ERROR_INVALID_PC,         CUDA_ERROR_LAUNCH_FAILED,    CUDA_ERROR_ASSERT,
    CUDA_ERROR_ECC_UNCORRECTABLE,  CUDA_ERROR_CONTAINED,        CUDA_ERROR_EXTERNAL_DEVICE,
  };
  static const CUresult plain[] = {
    CUDA_ERROR_OUT_OF_MEMORY, CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, CUDA_ERROR_INVALID_VALUE,
    CUDA_ERROR_INVALID_HANDLE, CUDA_ERROR_NOT_READY, CUDA_ERROR_UNKNOWN,
  };
  world w;
  world_init (&w);
  run_step_ok (&w, ST_PRIME_MISS, "set-up");
  for (int use_default = 0; use_default < 2; use_default++)
    for (int kind = 0; kind < 2; kind++)
      {
        const CUresult *codes = kind ? plain : sticky;
        size_t n = kind ? sizeof plain / sizeof plain[0] : sizeof sticky / sizeof sticky[0];
        for (size_t i = 0; i < n; i++)
          {
            fl_test_driver_fail_next ("cuLaunchKernel", codes[i]);
            fl_status st = run_step (&w, use_default ? ST_DEFAULT : ST_HIT);
            ck_assert_msg (st == (kind ? FL_ERR_CUDA : FL_ERR_CUDA_STICKY), "CUresult %d: %s: %s", (int) codes[i],
                           fl_status_str (st), fl_last_error ());
            ck_assert_msg ((strstr (fl_last_error (), "sticky") != NULL) == !kind, "%s", fl_last_error ());
            ck_assert_msg (strstr (fl_last_error (), fl_cuda_error_name (codes[i])) != NULL, "%s",
                           fl_last_error ());
          }
      }
  for (int s = ST_HIT; s < N_STEPS; s++)
    run_step_ok (&w, (step_id) s, "rest");
  world_done (&w);
}
END_TEST

/* ---- runner ------------------------------------------------------------------------------------ */

static Suite *
faults_suite (void)
{
  Suite *s = suite_create ("faults");
  TCase *tc = tcase_create ("sweep");
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_sweep, 0, N_STEPS);
  tcase_add_test (tc, test_sweep_coverage);
  suite_add_tcase (s, tc);
  tc = tcase_create ("set-up");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_use_device);
  tcase_add_test (tc, test_driver_install);
  tcase_add_test (tc, test_error_names_unavailable);
  tcase_add_test (tc, test_error_names_stable);
  tcase_add_test (tc, test_sticky_codes);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (faults_suite ());
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
