/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-cupti.c — CUPTI launch callbacks and kernel activity, through dlopen.
 *
 * The API callback runs inside cuLaunchKernel on the launching thread: it reads the clock and
 * calls the api sink, nothing else (or, for measuring CUPTI's own dispatch, returns at once).
 * Stopping detaches CUPTI from the process rather than only unsubscribing.  Process-wide state
 * (the one subscription CUPTI allows) is kept in atomics and a struct written only by
 * start/stop, which callers serialise.
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cupti.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "lsc-cupti.h"

#define LSC_DLSYM(dst, lib, name)                                                                   \
  do                                                                                                \
    {                                                                                               \
      void *lsc_p_ = dlsym ((lib), (name));                                                         \
      memcpy (&(dst), &lsc_p_, sizeof lsc_p_);                                                      \
    }                                                                                               \
  while (0)

typedef struct {
  void *lib;
  CUptiResult (*subscribe) (CUpti_SubscriberHandle *, CUpti_CallbackFunc, void *);
  CUptiResult (*subscribe_v2) (CUpti_SubscriberHandle *, CUpti_CallbackFunc, void *, CUpti_SubscriberParams *);
  CUptiResult (*unsubscribe) (CUpti_SubscriberHandle);
  CUptiResult (*enable_callback) (uint32_t, CUpti_SubscriberHandle, CUpti_CallbackDomain, CUpti_CallbackId);
  CUptiResult (*get_result_string) (CUptiResult, const char **);
  CUptiResult (*activity_register) (CUpti_BuffersCallbackRequestFunc, CUpti_BuffersCallbackCompleteFunc);
  CUptiResult (*activity_enable) (CUpti_ActivityKind);
  CUptiResult (*activity_disable) (CUpti_ActivityKind);
  CUptiResult (*activity_next) (uint8_t *, size_t, CUpti_Activity **);
  CUptiResult (*activity_flush_all) (uint32_t);
  CUptiResult (*get_timestamp) (uint64_t *);
  CUptiResult (*finalize) (void); /* optional: without it, stopping only unsubscribes */
} lsc__cupti_api;

static lsc__cupti_api lsc__cupti;
static CUpti_SubscriberHandle lsc__subscriber;
static lsc_cupti_sinks lsc__sinks;
static atomic_bool lsc__running;
static atomic_bool lsc__callback_work = true;
static bool lsc__activity;
static int64_t lsc__clock_offset; /* CLOCK_MONOTONIC - CUPTI timestamp */

static _Thread_local uint64_t lsc__api_enter_ns;
/* Set by lsc_cupti_stop while it waits for the exit of its own cuCtxGetCurrent, whose callback
 * detaches CUPTI (cuptiFinalize) and clears it. */
static atomic_bool lsc__detach_pending;

static const CUpti_CallbackId lsc__launch_cbids[] = {
  CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel,
  CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx,
  CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz,
  /* A graph replay launches its kernels without a callback each: one row per replay. */
  CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch,
  CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch_ptsz,
};

/* Every timestamp that is joined with engine events comes from the engine's event clock. */
static inline uint64_t
lsc__now_ns (void)
{
  return fl_clock_ns ();
}

bool
lsc_cupti_running (void)
{
  return atomic_load (&lsc__running);
}

static void CUPTIAPI
lsc__on_callback (void *user_data, CUpti_CallbackDomain domain, CUpti_CallbackId cbid, const void *cbdata)
{
  (void) user_data;
  const CUpti_CallbackData *cb = cbdata;
  /* Only lsc_cupti_stop enables this one: a compare of cbid, no load, on the launch path. */
  if (__builtin_expect (cbid == CUPTI_DRIVER_TRACE_CBID_cuCtxGetCurrent, 0))
    {
      if (domain == CUPTI_CB_DOMAIN_DRIVER_API && cb->callbackSite == CUPTI_API_EXIT
          && atomic_exchange (&lsc__detach_pending, false))
        lsc__cupti.finalize ();
      return;
    }
  if (!atomic_load_explicit (&lsc__callback_work, memory_order_relaxed))
    return;
  if (domain != CUPTI_CB_DOMAIN_DRIVER_API)
    return;
  if (cb->callbackSite == CUPTI_API_ENTER)
    {
      lsc__api_enter_ns = lsc__now_ns ();
      return;
    }
  /* Inside the engine's launch, the engine's end stamp, a few ns from now, stands in for the
   * exit time: one clock read fewer per launch. */
  bool in_engine = fl_launch_in_progress ();
  uint64_t now = in_engine ? 0 : lsc__now_ns ();
  lsc_cupti_api_record rec = {
    .correlation_id = cb->correlationId,
    .cbid = cbid,
    .api_start_ns = lsc__api_enter_ns,
    .api_ns = lsc__api_enter_ns && !in_engine ? now - lsc__api_enter_ns : 0,
    .return_value = cb->functionReturnValue ? *(const int *) cb->functionReturnValue : 0,
    .symbol_name = cb->symbolName,
    .in_engine_launch = in_engine,
  };
  if (lsc__sinks.api)
    lsc__sinks.api (&rec, lsc__sinks.user_data);
}

#define LSC__BUFFER_SIZE (4u << 20)

static void CUPTIAPI
lsc__buffer_requested (uint8_t **buffer, size_t *size, size_t *max_records)
{
  *buffer = aligned_alloc (8, LSC__BUFFER_SIZE);
  *size = *buffer ? LSC__BUFFER_SIZE : 0;
  *max_records = 0;
}

static void CUPTIAPI
lsc__buffer_completed (CUcontext ctx, uint32_t stream_id, uint8_t *buffer, size_t size, size_t valid_size)
{
  (void) ctx;
  (void) stream_id;
  (void) size;
  CUpti_Activity *record = NULL;
  while (valid_size && lsc__cupti.activity_next (buffer, valid_size, &record) == CUPTI_SUCCESS)
    {
      if (record->kind != CUPTI_ACTIVITY_KIND_KERNEL && record->kind != CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL)
        continue;
      const CUpti_ActivityKernel10 *k = (const CUpti_ActivityKernel10 *) record;
      lsc_cupti_kernel_record out = {
        .correlation_id = k->correlationId,
        .start_ns = (uint64_t) ((int64_t) k->start + lsc__clock_offset),
        .end_ns = (uint64_t) ((int64_t) k->end + lsc__clock_offset),
        .device_id = k->deviceId,
        .context_id = k->contextId,
        .stream_id = k->streamId,
        .grid = { k->gridX, k->gridY, k->gridZ },
        .block = { k->blockX, k->blockY, k->blockZ },
        .shared_mem = k->staticSharedMemory + k->dynamicSharedMemory,
        .registers = k->registersPerThread,
        .name = k->name,
      };
      if (lsc__sinks.kernel)
        lsc__sinks.kernel (&out, lsc__sinks.user_data);
    }
  free (buffer);
}

static const char *
lsc__result_string (CUptiResult r)
{
  const char *s = NULL;
  if (lsc__cupti.get_result_string)
    lsc__cupti.get_result_string (r, &s);
  return s ? s : "unknown CUPTI error";
}

/* Names the tool most likely holding CUPTI, from the variables the NVIDIA tools set. */
static void
lsc__guess_holder (char *buf, size_t size, const char *reported)
{
  const char *inj = getenv ("CUDA_INJECTION64_PATH");
  const char *preload = getenv ("LD_PRELOAD");
  if (reported && *reported)
    snprintf (buf, size, "%s", reported);
  else if (inj && strstr (inj, "nsys"))
    snprintf (buf, size, "Nsight Systems (CUDA_INJECTION64_PATH=%s)", inj);
  else if (inj && (strstr (inj, "ncu") || strstr (inj, "Compute")))
    snprintf (buf, size, "Nsight Compute (CUDA_INJECTION64_PATH=%s)", inj);
  else if (inj && *inj)
    snprintf (buf, size, "an injected tool (CUDA_INJECTION64_PATH=%s)", inj);
  else if (preload && strstr (preload, "cupti"))
    snprintf (buf, size, "a preloaded CUPTI client (LD_PRELOAD=%s)", preload);
  else
    snprintf (buf, size, "another CUPTI subscriber in this process (a profiler, or a second recorder)");
}

static void *
lsc__open_library (const char *explicit_path, char *why, size_t why_size)
{
  if (explicit_path && *explicit_path)
    {
      void *lib = dlopen (explicit_path, RTLD_NOW | RTLD_LOCAL);
      if (!lib)
        snprintf (why, why_size, "%s", dlerror ());
      return lib;
    }
  char candidates[3][1024];
  unsigned n = 0;
  const char *home = getenv ("CUDA_HOME");
  if (home && *home)
    {
      snprintf (candidates[n++], sizeof candidates[0], "%s/lib64/libcupti.so.13", home);
      snprintf (candidates[n++], sizeof candidates[0], "%s/extras/CUPTI/lib64/libcupti.so.13", home);
    }
  snprintf (candidates[n++], sizeof candidates[0], "/usr/local/cuda/lib64/libcupti.so.13");
  for (unsigned i = 0; i < n; i++)
    {
      void *lib = dlopen (candidates[i], RTLD_NOW | RTLD_LOCAL);
      if (lib)
        return lib;
    }
  const char *const sonames[] = { "libcupti.so.13", "libcupti.so.12", "libcupti.so" };
  for (unsigned i = 0; i < 3; i++)
    {
      void *lib = dlopen (sonames[i], RTLD_NOW | RTLD_LOCAL);
      if (lib)
        return lib;
      if (i == 0)
        snprintf (why, why_size, "%s", dlerror ());
    }
  return NULL;
}

lsc_cupti_result
lsc_cupti_start (const char *library, bool activity, const lsc_cupti_sinks *sinks, char *status, size_t status_size)
{
  if (atomic_load (&lsc__running))
    {
      snprintf (status, status_size, "CUPTI is already subscribed by this recorder");
      return LSC_CUPTI_HELD;
    }
  char why[512] = "";
  if (!lsc__cupti.lib)
    {
      void *lib = lsc__open_library (library, why, sizeof why);
      if (!lib)
        {
          snprintf (status, status_size, "CUPTI not found (%s): recording engine events only", why);
          return LSC_CUPTI_UNAVAILABLE;
        }
      lsc__cupti_api t = { .lib = lib };
      LSC_DLSYM (t.subscribe, lib, "cuptiSubscribe");
      LSC_DLSYM (t.subscribe_v2, lib, "cuptiSubscribe_v2");
      LSC_DLSYM (t.unsubscribe, lib, "cuptiUnsubscribe");
      LSC_DLSYM (t.enable_callback, lib, "cuptiEnableCallback");
      LSC_DLSYM (t.get_result_string, lib, "cuptiGetResultString");
      LSC_DLSYM (t.activity_register, lib, "cuptiActivityRegisterCallbacks");
      LSC_DLSYM (t.activity_enable, lib, "cuptiActivityEnable");
      LSC_DLSYM (t.activity_disable, lib, "cuptiActivityDisable");
      LSC_DLSYM (t.activity_next, lib, "cuptiActivityGetNextRecord");
      LSC_DLSYM (t.activity_flush_all, lib, "cuptiActivityFlushAll");
      LSC_DLSYM (t.get_timestamp, lib, "cuptiGetTimestamp");
      LSC_DLSYM (t.finalize, lib, "cuptiFinalize");
      if (!t.subscribe || !t.unsubscribe || !t.enable_callback || !t.activity_register || !t.activity_enable
          || !t.activity_next || !t.activity_flush_all || !t.get_timestamp || !t.activity_disable)
        {
          dlclose (lib);
          snprintf (status, status_size, "libcupti lacks required entry points: recording engine events only");
          return LSC_CUPTI_UNAVAILABLE;
        }
      lsc__cupti = t;
    }

  lsc__sinks = sinks ? *sinks : (lsc_cupti_sinks){ 0 };
  CUptiResult r;
  char holder[CUPTI_OLD_SUBSCRIBER_NAME_MIN_LEN * 2] = "";
  if (lsc__cupti.subscribe_v2)
    {
      CUpti_SubscriberParams params = { .structSize = CUpti_SubscriberParams_STRUCT_SIZE,
                                        .subscriberName = "Launchscope",
                                        .oldSubscriberName = holder,
                                        .oldSubscriberSize = sizeof holder };
      r = lsc__cupti.subscribe_v2 (&lsc__subscriber, lsc__on_callback, NULL, &params);
    }
  else
    r = lsc__cupti.subscribe (&lsc__subscriber, lsc__on_callback, NULL);
  if (r == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED)
    {
      char who[600];
      lsc__guess_holder (who, sizeof who, holder);
      snprintf (status, status_size, "CUPTI is held by %s: recording engine events only", who);
      return LSC_CUPTI_HELD;
    }
  if (r != CUPTI_SUCCESS)
    {
      snprintf (status, status_size, "cuptiSubscribe failed (%s): recording engine events only", lsc__result_string (r));
      return r == CUPTI_ERROR_NOT_INITIALIZED ? LSC_CUPTI_UNAVAILABLE : LSC_CUPTI_FAILED;
    }
  for (unsigned i = 0; i < sizeof lsc__launch_cbids / sizeof lsc__launch_cbids[0]; i++)
    {
      r = lsc__cupti.enable_callback (1, lsc__subscriber, CUPTI_CB_DOMAIN_DRIVER_API, lsc__launch_cbids[i]);
      if (r != CUPTI_SUCCESS)
        {
          lsc__cupti.unsubscribe (lsc__subscriber);
          snprintf (status, status_size, "cuptiEnableCallback failed (%s): recording engine events only",
                    lsc__result_string (r));
          return LSC_CUPTI_FAILED;
        }
    }
  lsc__activity = false;
  if (activity)
    {
      uint64_t cupti_ts = 0;
      lsc__cupti.get_timestamp (&cupti_ts);
      lsc__clock_offset = (int64_t) lsc__now_ns () - (int64_t) cupti_ts;
      r = lsc__cupti.activity_register (lsc__buffer_requested, lsc__buffer_completed);
      if (r == CUPTI_SUCCESS)
        r = lsc__cupti.activity_enable (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
      if (r != CUPTI_SUCCESS)
        {
          lsc__cupti.unsubscribe (lsc__subscriber);
          snprintf (status, status_size, "CUPTI activity tracing failed (%s%s): recording engine events only",
                    lsc__result_string (r), r == CUPTI_ERROR_UNKNOWN ? "; is there a GPU?" : "");
          return LSC_CUPTI_FAILED;
        }
      lsc__activity = true;
    }
  atomic_store (&lsc__callback_work, true);
  atomic_store (&lsc__running, true);
  snprintf (status, status_size, "%s", activity ? "callbacks and kernel activity on" : "callbacks on");
  return LSC_CUPTI_OK;
}

void
lsc_cupti_set_callbacks (bool on)
{
  if (!atomic_load (&lsc__running))
    return;
  for (unsigned i = 0; i < sizeof lsc__launch_cbids / sizeof lsc__launch_cbids[0]; i++)
    lsc__cupti.enable_callback (on, lsc__subscriber, CUPTI_CB_DOMAIN_DRIVER_API, lsc__launch_cbids[i]);
}

void
lsc_cupti_set_callback_work (bool on)
{
  atomic_store_explicit (&lsc__callback_work, on, memory_order_relaxed);
}

void
lsc_cupti_set_activity (bool on)
{
  if (!atomic_load (&lsc__running) || !lsc__activity)
    return;
  if (on)
    lsc__cupti.activity_enable (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
  else
    lsc__cupti.activity_disable (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
}

/* Unsubscribing is not enough: the driver keeps routing every launch through CUPTI while it
 * is attached, and launches stayed 0.3-1 us slower after an H200 session than before it
 * (bench/results/h200/h200-overhead.md).  cuptiFinalize detaches CUPTI from the process; CUPTI
 * documents the exit of a driver API callback as the safe place to call it, so the call is made
 * from the exit of a cuCtxGetCurrent of our own.  A later lsc_cupti_start attaches again.
 * False when CUPTI did not detach (no cuptiFinalize, or the callback never ran). */
static bool
lsc__detach (void)
{
  const fl_driver *drv = fl_driver_get ();
  if (!lsc__cupti.finalize || !drv || !drv->cuCtxGetCurrent
      || lsc__cupti.enable_callback (1, lsc__subscriber, CUPTI_CB_DOMAIN_DRIVER_API,
                                     CUPTI_DRIVER_TRACE_CBID_cuCtxGetCurrent)
           != CUPTI_SUCCESS)
    return false;
  lsc_cupti_set_callbacks (false);
  atomic_store (&lsc__detach_pending, true);
  CUcontext ctx;
  drv->cuCtxGetCurrent (&ctx);
  /* Still pending: the call never reached the callback (the caller unsubscribes, which drops
   * the callback enabled above). */
  return !atomic_exchange (&lsc__detach_pending, false);
}

bool
lsc_cupti_stop (void)
{
  if (!atomic_load (&lsc__running))
    return false;
  if (lsc__activity)
    {
      lsc__cupti.activity_flush_all (1); /* delivers the remaining records before we stop */
      lsc__cupti.activity_disable (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
      lsc__cupti.activity_flush_all (1);
      lsc__activity = false;
    }
  bool detached = lsc__detach ();
  if (!detached)
    lsc__cupti.unsubscribe (lsc__subscriber);
  lsc__subscriber = NULL;
  atomic_store (&lsc__running, false);
  return detached;
}
