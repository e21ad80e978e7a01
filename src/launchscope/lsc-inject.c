/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-inject.c — liblaunchscope-inject.so: records every kernel launch of an unmodified CUDA
 * program.
 *
 * The CUDA driver loads the library named by CUDA_INJECTION64_PATH into any process that
 * initialises CUDA and calls its InitializeInjection (this is how Nsight Systems attaches).
 * Here that starts a recorder in CUPTI callbacks mode: every launch the driver makes (the
 * runtime's launches go through the driver's, so each is seen once) becomes a raw launch row
 * with its kernel name, API enter/exit time and correlation id, written by the usual rings
 * and writer thread into one report per process.  The recording stops when the process
 * exits (exit, or a return from main); a process killed, or ended by _exit, leaves a report
 * that opens, without its last batch.
 *
 * Set by launchscope-cli record -- COMMAND:
 *   LSC_INJECT_REPORT    the report's path; "%p" in it becomes the process id (default
 *                        launchscope-%p.lsdb in the working directory)
 *   LSC_INJECT_CUPTI     callbacks (default) or activity
 *   LSC_CUPTI_LIBRARY    libcupti to load (default: by soname, so the program's own copy when
 *                        it has loaded one)
 *   LSC_INJECT_REDACT    1: the session row does not keep the command line
 *   LSC_INJECT_START_AT, LSC_INJECT_STOP_AT
 *                        a capture window, as CLOCK_REALTIME nanoseconds (the same for every
 *                        process of the command): launches before the start or after the stop
 *                        are not recorded; CUPTI's launch callbacks are off meanwhile, so they
 *                        cost the program next to nothing
 *   LSC_INJECT_MAX_LAUNCHES
 *                        keep the first this many launches of each process, then turn the
 *                        callbacks off (lsc_recorder_options.max_launches)
 *   LSC_INJECT_PARAMS    1: infer each launch's spec key from its parameter values
 *   LSC_INJECT_PROFILER_RANGE
 *                        1: record only between the program's cudaProfilerStart and Stop
 *   LSC_INJECT_API       runtime: record the CUDA runtime calls too (api_call kind 5); driver,
 *                        the default, only the driver's
 * A benchmark run under record can switch recording off and on in blocks of its own launches
 * (launchscope_inject_set_recording), to measure what recording costs them inside one process.
 *
 * NVTX loads the same library when NVTX_INJECTION64_PATH names it (record sets it too) and calls
 * its InitializeInjectionNvtx2: the program's NVTX ranges are then recorded as well (lsc-nvtx.c),
 * from the start of the recording to its stop.
 * Nothing here may disturb the program: every failure is one line on stderr, and the program
 * runs on unrecorded.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastlaunch.h"
#include "lsc-cupti.h"
#include "lsc-nvtx.h"
#include "lsc-recorder.h"
#include "lsc-report-private.h"

#define LSC_INJECT_API __attribute__ ((visibility ("default")))

LSC_INJECT_API int InitializeInjection (void);
LSC_INJECT_API int InitializeInjectionNvtx2 (const void *(*get_export_table) (uint32_t id));

/* For a benchmark measuring what recording costs its own launches, paired within one process:
 * the program dlopens the path CUDA_INJECTION64_PATH names (which gives it the copy the driver
 * loaded) and calls this between blocks of launches.
 *   0  the launch callbacks disabled (and kernel activity off): what remains is the cost of
 *      CUPTI being subscribed at all, which blocks cannot remove
 *   1  the callbacks enabled but returning at once: CUPTI's own dispatch
 *   2  recording as started
 *   3  CUPTI detached from the process for good, as at exit: what lingers after a recording
 * Launches made in states 0, 1 and 3 are not recorded; the report says the program switched.
 * 0 on success; -1 when nothing is being recorded, after 3, or for another state. */
LSC_INJECT_API int launchscope_inject_set_recording (int state);

/* The process-wide recording: one per process, started once by the driver. */
static atomic_flag lsc__inject_started = ATOMIC_FLAG_INIT;
static _Atomic (lsc_recorder *) lsc__inject_recorder;
static _Atomic pid_t lsc__inject_pid;
/* launchscope_inject_set_recording's: whether the report has said so, and whether CUPTI left. */
static struct {
  atomic_bool noted, detached;
} lsc__switch;

/* The capture window's timer: a thread that turns the launch callbacks on at the start and off
 * at the stop, woken early when the process exits. */
static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool exiting, running;
  pthread_t thread;
  uint64_t start_at, stop_at; /* CLOCK_REALTIME ns; 0: none */
} lsc__window = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
lsc__inject_say (const char *fmt, const char *what)
{
  fprintf (stderr, "launchscope-inject[%ld]: ", (long) getpid ());
  fprintf (stderr, fmt, what);
  fputc ('\n', stderr);
}

static uint64_t
lsc__realtime_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* Waits until CLOCK_REALTIME reaches at_ns; false when the process exits first. */
static bool
lsc__window_wait (uint64_t at_ns)
{
  struct timespec until = { .tv_sec = (time_t) (at_ns / 1000000000u), .tv_nsec = (long) (at_ns % 1000000000u) };
  pthread_mutex_lock (&lsc__window.lock);
  while (!lsc__window.exiting && lsc__realtime_ns () < at_ns)
    pthread_cond_timedwait (&lsc__window.wake, &lsc__window.lock, &until);
  bool reached = !lsc__window.exiting;
  pthread_mutex_unlock (&lsc__window.lock);
  return reached;
}

static void *
lsc__window_main (void *data)
{
  lsc_recorder *rec = data;
  if (lsc__window.start_at && lsc__window_wait (lsc__window.start_at))
    {
      lsc_cupti_set_callbacks (true);
      lsc_recorder_note (rec, "info", "capture window opened (--delay): launches recorded from here");
    }
  if (lsc__window.stop_at && lsc__window_wait (lsc__window.stop_at))
    {
      lsc_cupti_set_callbacks (false);
      lsc_recorder_note (rec, "info", "capture window closed (--duration): launches after this are not recorded");
    }
  return NULL;
}

/* An unsigned decimal environment variable; 0 when unset or not a number. */
static uint64_t
lsc__env_u64 (const char *name)
{
  const char *v = getenv (name);
  char *end = NULL;
  unsigned long long n = v && *v ? strtoull (v, &end, 10) : 0;
  return end && !*end ? (uint64_t) n : 0;
}

/* Closes the window before the recorder stops: the timer never touches a stopped recorder. */
static void
lsc__window_end (void)
{
  if (!lsc__window.running)
    return;
  pthread_mutex_lock (&lsc__window.lock);
  lsc__window.exiting = true;
  pthread_cond_broadcast (&lsc__window.wake);
  pthread_mutex_unlock (&lsc__window.lock);
  pthread_join (lsc__window.thread, NULL);
  lsc__window.running = false;
}

static void
lsc__window_begin (lsc_recorder *rec)
{
  lsc__window.start_at = lsc__env_u64 ("LSC_INJECT_START_AT");
  lsc__window.stop_at = lsc__env_u64 ("LSC_INJECT_STOP_AT");
  uint64_t now = lsc__realtime_ns ();
  bool before = lsc__window.start_at > now, after = lsc__window.stop_at && lsc__window.stop_at <= now;
  if (before || after)
    lsc_cupti_set_callbacks (false);
  if (after)
    {
      lsc_recorder_note (rec, "info", "started after the capture window closed (--duration): nothing recorded");
      return;
    }
  if (!before && !lsc__window.stop_at)
    return;
  if (!before)
    lsc__window.start_at = 0;
  /* CLOCK_REALTIME, the default: the window's deadlines are wall-clock times. */
  pthread_cond_init (&lsc__window.wake, NULL);
  if (pthread_create (&lsc__window.thread, NULL, lsc__window_main, rec) == 0)
    lsc__window.running = true;
  else
    {
      lsc_cupti_set_callbacks (true);
      lsc__inject_say ("%s", "cannot start the capture window's timer: recording everything");
    }
}

static void
lsc__inject_stop (void)
{
  /* A forked child inherits the recorder but not its writer thread: the parent's report is
   * the parent's to finish. */
  if (atomic_load (&lsc__inject_pid) != getpid ())
    return;
  lsc__window_end ();
  lsc_recorder *rec = atomic_exchange (&lsc__inject_recorder, NULL);
  if (!rec)
    return;
  lsc_nvtx_attach (NULL);
  char err[1024] = "";
  if (lsc_recorder_stop (rec, NULL, err, sizeof err) != 0)
    lsc__inject_say ("recording failed: %s", err);
}

/* The path template with %p replaced by the pid. */
static char *
lsc__inject_report_path (void)
{
  const char *tmpl = getenv ("LSC_INJECT_REPORT");
  if (!tmpl || !*tmpl)
    tmpl = "launchscope-%p.lsdb";
  char pid[32];
  snprintf (pid, sizeof pid, "%ld", (long) getpid ());
  size_t n = strlen (tmpl) + 1;
  for (const char *p = strstr (tmpl, "%p"); p; p = strstr (p + 2, "%p"))
    n += strlen (pid);
  char *out = malloc (n), *o = out;
  if (!out)
    return NULL;
  for (const char *p = tmpl; *p;)
    if (p[0] == '%' && p[1] == 'p')
      {
        o = stpcpy (o, pid);
        p += 2;
      }
    else
      *o++ = *p++;
  *o = '\0';
  return out;
}

/* The command line, arguments separated by spaces (NULs in /proc/self/cmdline). */
static char *
lsc__inject_command_line (void)
{
  FILE *f = fopen ("/proc/self/cmdline", "r");
  if (!f)
    return NULL;
  char *buf = NULL;
  size_t size = 0;
  FILE *mem = open_memstream (&buf, &size);
  int c, last = 0;
  while (mem && (c = getc (f)) != EOF)
    {
      putc (c ? c : ' ', mem);
      last = c;
    }
  fclose (f);
  if (!mem)
    return NULL;
  fclose (mem);
  if (size && last == 0)
    buf[size - 1] = '\0';
  return buf;
}

static bool
lsc__inject_runtime_api (void)
{
  const char *api = getenv ("LSC_INJECT_API");
  return api && strcmp (api, "runtime") == 0;
}

/* {"source":"injection","pid":..,"ppid":..,"command":..,"rank":..,"local_rank":..,
 *  "max_launches":..,"params":..,"api":..} */
static char *
lsc__inject_settings (const char *command)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&buf, &size);
  if (!out)
    return NULL;
  fprintf (out, "{\"source\": \"injection\", \"pid\": %ld, \"ppid\": %ld", (long) getpid (), (long) getppid ());
  if (command)
    {
      fputs (", \"command\": ", out);
      lsc__json_string (out, command, -1);
    }
  static const char *const ranks[][2] = { { "RANK", "rank" }, { "LOCAL_RANK", "local_rank" } };
  for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
    {
      const char *v = getenv (ranks[i][0]);
      char *end = NULL;
      long n = v && *v ? strtol (v, &end, 10) : -1;
      if (end && !*end && n >= 0)
        fprintf (out, ", \"%s\": %ld", ranks[i][1], n);
    }
  uint64_t max_launches = lsc__env_u64 ("LSC_INJECT_MAX_LAUNCHES");
  if (max_launches)
    fprintf (out, ", \"max_launches\": %" PRIu64, max_launches);
  if (lsc__env_u64 ("LSC_INJECT_PARAMS") == 1)
    fputs (", \"params\": \"spec classes inferred from values, not types\"", out);
  fprintf (out, ", \"api\": \"%s\"", lsc__inject_runtime_api () ? "runtime" : "driver");
  fputc ('}', out);
  fclose (out);
  return buf;
}

int
launchscope_inject_set_recording (int state)
{
  lsc_recorder *rec = atomic_load (&lsc__inject_recorder);
  if (!rec || state < 0 || state > 3 || atomic_load (&lsc__switch.detached) || atomic_load (&lsc__inject_pid) != getpid ())
    return -1;
  if (!atomic_exchange (&lsc__switch.noted, true))
    lsc_recorder_note (rec, "info", "the program switched recording off and on "
                                    "(launchscope_inject_set_recording): launches made while off are not here");
  if (state == 3)
    {
      atomic_store (&lsc__switch.detached, true);
      /* Detaching makes a driver call of its own, through the engine's driver table. */
      bool driver = fl_driver_load_without_nvrtc () == FL_OK;
      if (!lsc_cupti_stop () || !driver)
        lsc__inject_say ("%s", "CUPTI did not detach: it was unsubscribed instead");
      return 0;
    }
  lsc_cupti_set_callback_work (state == 2);
  lsc_cupti_set_activity (state == 2);
  lsc_cupti_set_callbacks (state != 0);
  return 0;
}

static void
lsc__inject_forked_child (void)
{
  lsc_nvtx_forget_inherited ();
  lsc_recorder_forget_inherited (atomic_load (&lsc__inject_recorder));
}

int
InitializeInjection (void)
{
  if (atomic_flag_test_and_set (&lsc__inject_started))
    return 1;
  atomic_store (&lsc__inject_pid, getpid ());
  char *path = lsc__inject_report_path ();
  const char *redact = getenv ("LSC_INJECT_REDACT");
  char *command = redact && strcmp (redact, "1") == 0 ? NULL : lsc__inject_command_line ();
  char *settings = lsc__inject_settings (command);
  const char *mode = getenv ("LSC_INJECT_CUPTI");
  const char *cupti_library = getenv ("LSC_CUPTI_LIBRARY");
  lsc_recorder_options o = {
    .path = path,
    .workload = command ? command : "(command line not kept)",
    .settings_json = settings,
    .cupti = mode && strcmp (mode, "activity") == 0 ? LSC_CUPTI_ACTIVITY : LSC_CUPTI_CALLBACKS,
    .cupti_library = cupti_library && *cupti_library ? cupti_library : "libcupti.so.13",
    .foreign_process = true,
    .max_launches = lsc__env_u64 ("LSC_INJECT_MAX_LAUNCHES"),
    .params = lsc__env_u64 ("LSC_INJECT_PARAMS") == 1,
    .profiler_range = lsc__env_u64 ("LSC_INJECT_PROFILER_RANGE") == 1,
    .runtime_api = lsc__inject_runtime_api (),
  };
  lsc_recorder *rec = NULL;
  char err[1024] = "";
  if (!path)
    lsc__inject_say ("%s", "out of memory: not recording");
  else if (lsc_recorder_start (&o, &rec, err, sizeof err) != 0)
    lsc__inject_say ("not recording: %s", err);
  else
    {
      atomic_store (&lsc__inject_recorder, rec);
      lsc_nvtx_attach (rec);
      lsc_recorder_stats stats;
      lsc_recorder_get_stats (rec, &stats);
      if (strncmp (stats.cupti_status, "callbacks", 9) != 0)
        lsc__inject_say ("CUPTI is not recording launches (%s): the program runs on unrecorded", stats.cupti_status);
      else
        lsc__window_begin (rec);
      pthread_atfork (NULL, NULL, lsc__inject_forked_child);
      if (atexit (lsc__inject_stop) != 0)
        lsc__inject_say ("%s", "cannot register the exit handler: the report will lack its last batch");
    }
  free (path);
  free (command);
  free (settings);
  return 1;
}

int
InitializeInjectionNvtx2 (const void *(*get_export_table) (uint32_t id))
{
  return lsc_nvtx_initialize (get_export_table);
}
