/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-live.c — the live session's worker thread and the aggregates the UI polls.
 *
 * The worker owns the launches; the controller thread only flips atomics (toggles, pause,
 * stop) and takes one short lock to read the aggregates.  The worker publishes launches in
 * batches so the lock is taken once per batch, not per launch, and never inside fl_launch.
 * A launch's host time and start are the engine event's, the values the recorder stores: the
 * session's sink passes every event on to the recorder's and keeps the worker's own.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "lsc-cupti.h"
#include "lsc-live.h"
#include "lsc-percentile.h"
#include "lsc-floor.h"
#include "lsc-user-kernel.h"

#define LSC__BATCH 256
#define LSC__GLOBAL "LSC_LIVE_GLOBAL"

static const char *const lsc__toggle_names[LSC_LIVE_TOGGLE_COUNT] = {
  "debug", "offset", "skip", "timing", "hooks", "callbacks", "activity",
};

const char *
lsc_live_toggle_name (lsc_live_toggle toggle)
{
  return (unsigned) toggle < LSC_LIVE_TOGGLE_COUNT ? lsc__toggle_names[toggle] : "?";
}

struct lsc_live {
  lsc_live_options opt;
  char *report_path, *user_kernel_path, *workload, *cupti_library;
  lsc_recorder *rec;
  fl_workload w;
  uint64_t start_ns;

  pthread_t worker;
  bool worker_started;
  atomic_bool stop, paused, offset;
  atomic_bool toggles[LSC_LIVE_TOGGLE_COUNT];
  atomic_int state;
  pthread_mutex_t pause_lock;
  pthread_cond_t pause_cond;

  fl_launch_hooks hooks;
  atomic_uint_fast64_t hook_calls;

  /* The recorder's engine sink, which every event is passed on to, and ours around it: a
   * launch's host time on the charts is the one the report stores for it. */
  const fl_event_sink *recorder_sink;
  fl_event_sink sink;
  /* Worker thread only: the LAUNCH event of the launch in progress (start_ns 0: none came). */
  uint64_t event_start_ns, event_host_ns;

  /* Under lock: the ring of recent launches and the counters. */
  pthread_mutex_t lock;
  lsc_live_point *ring;
  uint64_t ring_next; /* seq of the next point; ring index = seq % LSC_LIVE_RING */
  uint64_t launches, errors, by_path[4], by_outcome[4], fallbacks[FL_FALLBACK_COUNT];
  double push_ns;
  lsc_floor_probe *probe; /* launches through it on the worker; its figures from any thread */
  char last_error[1024];
  uint64_t rate_t_ns, rate_launches; /* the previous snapshot, for launches per second */
  double rate;
};

static void
lsc__hook_enter (const fl_launch_metadata *md, void *user_data)
{
  (void) md;
  atomic_fetch_add_explicit (&((lsc_live *) user_data)->hook_calls, 1, memory_order_relaxed);
}

/* On the launching thread, inside fl_launch. */
static void
lsc__on_engine_event (const fl_event *ev, void *user_data)
{
  lsc_live *live = user_data;
  if (live->recorder_sink && live->recorder_sink->emit)
    live->recorder_sink->emit (ev, live->recorder_sink->user_data);
  /* Only the worker launches the session's kernel: the fields are the worker's alone. */
  if (ev->type == FL_EVENT_LAUNCH && ev->bound == live->w.bound)
    {
      live->event_start_ns = ev->start_ns;
      live->event_host_ns = ev->host_ns;
    }
}

static int
lsc__cmp_u32 (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
  return (x > y) - (x < y);
}

static void
lsc__publish (lsc_live *live, const lsc_live_point *batch, unsigned n, const char *error)
{
  pthread_mutex_lock (&live->lock);
  for (unsigned i = 0; i < n; i++)
    {
      lsc_live_point p = batch[i];
      p.seq = live->ring_next++;
      live->ring[p.seq % LSC_LIVE_RING] = p;
      live->launches++;
      if (!p.status_ok)
        live->errors++;
      live->by_path[p.path & 3]++;
      live->by_outcome[p.outcome & 3]++;
      if (p.outcome == FL_OUTCOME_FALLBACK && p.reason < FL_FALLBACK_COUNT)
        live->fallbacks[p.reason]++;
    }
  if (error)
    snprintf (live->last_error, sizeof live->last_error, "%s", error);
  pthread_mutex_unlock (&live->lock);
}

static void *
lsc__worker_main (void *data)
{
  lsc_live *live = data;
  if (fl_use_device (live->opt.device) != FL_OK)
    {
      lsc__publish (live, NULL, 0, fl_last_error ());
      atomic_store (&live->state, LSC_LIVE_FAILED);
      return NULL;
    }
  /* This thread's ring now, not inside its first launch (a failure just counts drops later). */
  lsc_recorder_attach_thread (live->rec);
  lsc_live_point batch[LSC__BATCH];
  unsigned nb = 0;
  fl_arg args[FL_MAX_ARGS];
  const double interval_ns = live->opt.target_rate > 0 ? 1e9 / live->opt.target_rate : 0;
  uint64_t next_ns = fl_clock_ns ();
  char error[1024];

  for (uint64_t i = 0; !atomic_load (&live->stop); i++)
    {
      if (live->opt.max_launches > 0 && i >= (uint64_t) live->opt.max_launches)
        {
          atomic_store (&live->state, LSC_LIVE_FINISHED);
          break;
        }
      if (atomic_load (&live->paused))
        {
          lsc__publish (live, batch, nb, NULL);
          nb = 0;
          pthread_mutex_lock (&live->pause_lock);
          while (atomic_load (&live->paused) && !atomic_load (&live->stop))
            pthread_cond_wait (&live->pause_cond, &live->pause_lock);
          pthread_mutex_unlock (&live->pause_lock);
          next_ns = fl_clock_ns ();
          if (atomic_load (&live->stop))
            break;
        }
      if (interval_ns > 0)
        {
          next_ns += (uint64_t) interval_ns;
          uint64_t now = fl_clock_ns ();
          if (next_ns > now + 200000)
            nanosleep (&(struct timespec){ 0, (long) (next_ns - now) }, NULL);
          else if (now > next_ns + 1000000000u)
            next_ns = now; /* fell a second behind: do not burst to catch up */
          while (fl_clock_ns () < next_ns)
            ;
        }
      const size_t off = atomic_load_explicit (&live->offset, memory_order_relaxed) ? 4 : 0;
      const unsigned n_args = fl_workload_args_at (&live->w, off, args);

      fl_launch_info info;
      live->event_start_ns = 0;
      fl_status st = lsc_floor_probe_launch (live->probe, live->w.bound, live->w.grid, NULL, args, n_args, false, &info);
      lsc_live_point *p = &batch[nb++];
      /* Without an event (a launch refused before it was timed) there is no host time to show. */
      const uint64_t started = live->event_start_ns ? live->event_start_ns : fl_clock_ns ();
      const uint64_t host_ns = live->event_start_ns ? live->event_host_ns : 0;
      p->t_ns = started > live->start_ns ? started - live->start_ns : 0;
      p->host_ns = (uint32_t) (host_ns > UINT32_MAX ? UINT32_MAX : host_ns);
      p->path = (uint8_t) info.path;
      p->outcome = (uint8_t) info.outcome;
      p->reason = (uint8_t) info.reason;
      p->status_ok = st == FL_OK;
      if (st != FL_OK)
        {
          snprintf (error, sizeof error, "%s", fl_last_error ());
          lsc__publish (live, batch, nb, error);
          nb = 0;
          if (st == FL_ERR_CUDA_STICKY || st == FL_ERR_NO_CONTEXT)
            {
              atomic_store (&live->state, LSC_LIVE_FAILED);
              break;
            }
          /* A guard refusing every launch (a changed global, a compile error) would otherwise
           * spin and flood the report with identical errors. */
          nanosleep (&(struct timespec){ 0, 10000000 }, NULL);
          continue;
        }
      if (nb == LSC__BATCH || (interval_ns > 0 && interval_ns * nb > 5e6))
        {
          lsc__publish (live, batch, nb, NULL);
          nb = 0;
        }
    }
  lsc__publish (live, batch, nb, NULL);
  fl_driver_get ()->cuCtxSynchronize ();
  return NULL;
}

static void
lsc__live_free (lsc_live *live)
{
  fl_workload_free (&live->w);
  lsc_floor_probe_free (live->probe);
  pthread_mutex_destroy (&live->lock);
  pthread_mutex_destroy (&live->pause_lock);
  pthread_cond_destroy (&live->pause_cond);
  free (live->ring);
  free (live->report_path);
  free (live->user_kernel_path);
  free (live->workload);
  free (live->cupti_library);
  free (live);
}

lsc_live_start_error
lsc_live_start (const lsc_live_options *o, lsc_live **out, char *err, size_t err_size)
{
  *out = NULL;
  if (!o || !o->report_path)
    {
      snprintf (err, err_size, "live session: no report path");
      return LSC_LIVE_START_REPORT;
    }
  if (fl_driver_load () != FL_OK || fl_use_device (o->device) != FL_OK)
    {
      snprintf (err, err_size, "%s", fl_last_error ());
      return LSC_LIVE_START_NO_DRIVER;
    }
  lsc_live *live = calloc (1, sizeof *live);
  if (!live || !(live->ring = calloc (LSC_LIVE_RING, sizeof *live->ring)))
    {
      free (live);
      snprintf (err, err_size, "live session: out of memory");
      return LSC_LIVE_START_FAILED;
    }
  live->opt = *o;
  live->report_path = strdup (o->report_path);
  live->user_kernel_path = o->user_kernel_path ? strdup (o->user_kernel_path) : NULL;
  live->workload = strdup (o->workload ? o->workload : "add8");
  live->cupti_library = o->cupti_library ? strdup (o->cupti_library) : NULL;
  live->opt.n = o->n > 0 ? o->n : 4096;
  pthread_mutex_init (&live->lock, NULL);
  pthread_mutex_init (&live->pause_lock, NULL);
  pthread_cond_init (&live->pause_cond, NULL);

  /* The workload declares a global so the app can show the globals guard refusing launches. */
  int64_t g;
  if (fl_global_get (LSC__GLOBAL, &g) != FL_OK)
    fl_global_set (LSC__GLOBAL, 0);
  const char *globals[] = { LSC__GLOBAL };
  /* 4 spare elements per buffer for the offset toggle */
  fl_workload_options wo = { .globals = globals, .n_globals = 1, .n = live->opt.n, .spare = 4 };
  fl_kernel *user_kernel = NULL;
  if (live->user_kernel_path)
    {
      if (lsc_user_kernel_load (live->user_kernel_path, &user_kernel, err, err_size) != 0)
        {
          lsc__live_free (live);
          return LSC_LIVE_START_KERNEL;
        }
      wo.kernel = user_kernel;
    }
  else if (strcmp (live->workload, "empty") != 0)
    {
      char *end = NULL;
      long np = strncmp (live->workload, "add", 3) == 0 ? strtol (live->workload + 3, &end, 10) : 0;
      if (!end || *end || np < 2 || np > 32)
        {
          snprintf (err, err_size, "unknown workload '%s' (add2 .. add32, or empty)", live->workload);
          lsc__live_free (live);
          return LSC_LIVE_START_FAILED;
        }
      wo.n_ptrs = (unsigned) np;
    }
  fl_status st = fl_workload_setup (&wo, &live->w);
  fl_kernel_free (user_kernel); /* the bound kernel keeps its own reference */
  if (st != FL_OK)
    {
      snprintf (err, err_size, "%s", fl_last_error ());
      lsc__live_free (live);
      return LSC_LIVE_START_FAILED;
    }

  char settings[1024];
  snprintf (settings, sizeof settings,
            "{\"pid\": %ld, \"live\": true, \"workload\": \"%s\", \"n\": %ld, \"target_rate\": %.0f, \"device\": %d}",
            (long) getpid (), live->user_kernel_path ? live->user_kernel_path : live->workload, live->opt.n,
            live->opt.target_rate, live->opt.device);
  lsc_recorder_options ro = { .path = live->report_path, .overwrite = o->overwrite,
                              .workload = live->user_kernel_path ? fl_kernel_name (fl_bound_kernel_kernel (live->w.bound)) : live->workload,
                              .settings_json = settings,
                              .cupti = o->cupti_activity ? LSC_CUPTI_ACTIVITY : LSC_CUPTI_CALLBACKS,
                              .cupti_library = live->cupti_library };
  if (lsc_recorder_start (&ro, &live->rec, err, err_size) != 0)
    {
      lsc__live_free (live);
      return LSC_LIVE_START_REPORT;
    }
  lsc_recorder_add_kernel (live->rec, live->w.bound, "num_warps=4 (live)");
  lsc_recorder_stats rs;
  lsc_recorder_get_stats (live->rec, &rs);
  bool cupti_on = strncmp (rs.cupti_status, "callbacks", 9) == 0;
  atomic_store (&live->toggles[LSC_LIVE_CALLBACKS], cupti_on);
  atomic_store (&live->toggles[LSC_LIVE_ACTIVITY], cupti_on && o->cupti_activity);
  atomic_store (&live->toggles[LSC_LIVE_DEBUG], fl_knob_get_debug ());
  atomic_store (&live->toggles[LSC_LIVE_SKIP], fl_knob_get_skip_fast ());
  atomic_store (&live->toggles[LSC_LIVE_TIMING], fl_knob_get_stage_timing ());
  live->hooks = (fl_launch_hooks){ .enter = lsc__hook_enter, .user_data = live, .wants_metadata = true };

  live->push_ns = lsc_recorder_measure_push_ns ();
  live->probe = lsc_floor_probe_new (live->rec, 0); /* NULL (no memory): no floor, launches go on */
  live->recorder_sink = fl_event_sink_get ();
  live->sink = (fl_event_sink){ .emit = lsc__on_engine_event, .user_data = live };
  fl_event_sink_set (&live->sink);
  live->start_ns = fl_clock_ns ();
  atomic_store (&live->state, LSC_LIVE_RUNNING);
  if (pthread_create (&live->worker, NULL, lsc__worker_main, live) != 0)
    {
      snprintf (err, err_size, "live session: cannot start the worker thread");
      fl_event_sink_set (live->recorder_sink);
      lsc_recorder_stop (live->rec, NULL, NULL, 0);
      lsc__live_free (live);
      return LSC_LIVE_START_FAILED;
    }
  live->worker_started = true;
  *out = live;
  return LSC_LIVE_START_OK;
}

void
lsc_live_pause (lsc_live *live, bool paused)
{
  if (!live)
    return;
  pthread_mutex_lock (&live->pause_lock);
  atomic_store (&live->paused, paused);
  int state = atomic_load (&live->state);
  if (state == LSC_LIVE_RUNNING || state == LSC_LIVE_PAUSED)
    atomic_store (&live->state, paused ? LSC_LIVE_PAUSED : LSC_LIVE_RUNNING);
  pthread_cond_broadcast (&live->pause_cond);
  pthread_mutex_unlock (&live->pause_lock);
  lsc_recorder_note (live->rec, "toggle", paused ? "paused" : "resumed");
}

void
lsc_live_set_toggle (lsc_live *live, lsc_live_toggle toggle, bool on)
{
  if (!live || (unsigned) toggle >= LSC_LIVE_TOGGLE_COUNT)
    return;
  switch (toggle)
    {
    case LSC_LIVE_DEBUG: fl_knob_set_debug (on); break;
    case LSC_LIVE_OFFSET: atomic_store (&live->offset, on); break;
    case LSC_LIVE_SKIP: fl_knob_set_skip_fast (on); break;
    case LSC_LIVE_TIMING: fl_knob_set_stage_timing (on); break;
    case LSC_LIVE_HOOKS: fl_launch_hooks_set (on ? &live->hooks : NULL); break;
    case LSC_LIVE_CALLBACKS: lsc_cupti_set_callbacks (on); break;
    case LSC_LIVE_ACTIVITY: lsc_cupti_set_activity (on); break;
    case LSC_LIVE_TOGGLE_COUNT: break;
    }
  atomic_store (&live->toggles[toggle], on);
  char text[128];
  pthread_mutex_lock (&live->lock);
  snprintf (text, sizeof text, "%s %s at launch %" PRIu64, lsc__toggle_names[toggle], on ? "on" : "off",
            live->ring_next);
  pthread_mutex_unlock (&live->lock);
  lsc_recorder_note (live->rec, "toggle", text);
}

void
lsc_live_set_global (lsc_live *live, int64_t value)
{
  if (!live)
    return;
  fl_global_set (LSC__GLOBAL, value);
  char text[128];
  snprintf (text, sizeof text, "global %s = %" PRId64, LSC__GLOBAL, value);
  lsc_recorder_note (live->rec, "toggle", text);
}

void
lsc_live_get_snapshot (lsc_live *live, lsc_live_snapshot *s)
{
  memset (s, 0, sizeof *s);
  if (!live)
    return;
  static _Thread_local uint32_t window[2][LSC_LIVE_WINDOW];
  size_t nw[2] = { 0, 0 };
  uint64_t newest_t = 0, last_second = 0;
  pthread_mutex_lock (&live->lock);
  s->launches = live->launches;
  s->errors = live->errors;
  memcpy (s->by_path, live->by_path, sizeof s->by_path);
  memcpy (s->by_outcome, live->by_outcome, sizeof s->by_outcome);
  memcpy (s->fallbacks, live->fallbacks, sizeof s->fallbacks);
  snprintf (s->last_error, sizeof s->last_error, "%s", live->last_error);
  uint64_t n = live->ring_next < LSC_LIVE_RING ? live->ring_next : LSC_LIVE_RING;
  if (n)
    newest_t = live->ring[(live->ring_next - 1) % LSC_LIVE_RING].t_ns;
  for (uint64_t k = 0; k < n; k++)
    {
      const lsc_live_point *p = &live->ring[(live->ring_next - 1 - k) % LSC_LIVE_RING];
      if (newest_t - p->t_ns <= 1000000000u)
        last_second++;
      unsigned w = p->path == FL_PATH_FAST ? 0 : p->path == FL_PATH_DEFAULT ? 1 : 2;
      if (w < 2 && p->status_ok && nw[w] < LSC_LIVE_WINDOW)
        window[w][nw[w]++] = p->host_ns;
      if (nw[0] == LSC_LIVE_WINDOW && nw[1] == LSC_LIVE_WINDOW && newest_t - p->t_ns > 1000000000u)
        break;
    }
  pthread_mutex_unlock (&live->lock);
  /* The ring holds 65,536 launches, fewer than a second at full rate: count from the totals. */
  uint64_t now_ns = fl_clock_ns ();
  pthread_mutex_lock (&live->lock);
  if (live->rate_t_ns && now_ns - live->rate_t_ns >= 200000000u)
    {
      live->rate = (double) (s->launches - live->rate_launches) * 1e9 / (double) (now_ns - live->rate_t_ns);
      live->rate_t_ns = now_ns;
      live->rate_launches = s->launches;
    }
  else if (!live->rate_t_ns)
    {
      live->rate_t_ns = now_ns;
      live->rate_launches = s->launches;
      live->rate = (double) last_second;
    }
  s->launches_per_s = live->rate;
  pthread_mutex_unlock (&live->lock);
  for (unsigned w = 0; w < 2; w++)
    if (nw[w])
      {
        qsort (window[w], nw[w], sizeof window[w][0], lsc__cmp_u32);
        s->p50_ns[w] = window[w][lsc_percentile_index (nw[w], 50)];
        s->p90_ns[w] = window[w][lsc_percentile_index (nw[w], 90)];
        s->p99_ns[w] = window[w][lsc_percentile_index (nw[w], 99)];
      }
  s->state = (lsc_live_state) atomic_load (&live->state);
  for (unsigned t = 0; t < LSC_LIVE_TOGGLE_COUNT; t++)
    s->toggles[t] = atomic_load (&live->toggles[t]);
  lsc_recorder_get_stats (live->rec, &s->recorder);
  s->push_ns = live->push_ns;
  lsc_floor_probe_figures (live->probe, &s->floor);
}

size_t
lsc_live_copy_points (lsc_live *live, uint64_t after_seq, lsc_live_point *points, size_t max)
{
  if (!live || !points || !max)
    return 0;
  pthread_mutex_lock (&live->lock);
  uint64_t first = after_seq + 1;
  uint64_t oldest = live->ring_next > LSC_LIVE_RING ? live->ring_next - LSC_LIVE_RING : 0;
  if (first < oldest)
    first = oldest;
  if (live->ring_next > first && live->ring_next - first > max)
    first = live->ring_next - max;
  size_t n = 0;
  for (uint64_t q = first; q < live->ring_next; q++)
    points[n++] = live->ring[q % LSC_LIVE_RING];
  pthread_mutex_unlock (&live->lock);
  return n;
}

int
lsc_live_stop (lsc_live *live, lsc_recorder_stats *stats, char *err, size_t err_size)
{
  if (!live)
    return -1;
  pthread_mutex_lock (&live->pause_lock);
  atomic_store (&live->stop, true);
  pthread_cond_broadcast (&live->pause_cond);
  pthread_mutex_unlock (&live->pause_lock);
  if (live->worker_started)
    pthread_join (live->worker, NULL);
  fl_launch_hooks_set (NULL);
  fl_event_sink_set (live->recorder_sink);
  lsc_floor_figures floor;
  lsc_floor_probe_figures (live->probe, &floor);
  if (floor.rounds > 0 && isfinite (floor.floor_p50_ns))
    lsc_recorder_set_raw_floor (live->rec, floor.floor_p50_ns);
  int rc = lsc_recorder_stop (live->rec, stats, err, err_size);
  atomic_store (&live->state, LSC_LIVE_STOPPED);
  lsc__live_free (live);
  return rc;
}
