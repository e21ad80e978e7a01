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
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cupti.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "lsc-cupti.h"
#include "lsc-params.h"

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
  CUptiResult (*get_callback_name) (CUpti_CallbackDomain, uint32_t, const char **); /* optional */
} lsc__cupti_api;

static lsc__cupti_api lsc__cupti;
static CUpti_SubscriberHandle lsc__subscriber;
static lsc_cupti_sinks lsc__sinks;
static atomic_bool lsc__running;
/* Serialises what turns callbacks on and off (a capture window's timer, the recorder's writer at
 * a launch bound) with start and stop, which replace the subscription under them. */
static pthread_mutex_t lsc__control = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool lsc__callback_work = true;
static atomic_bool lsc__gate_open = true;
static bool lsc__activity;
/* Under lsc__control: what lsc_cupti_set_callbacks and _set_activity last asked for, and
 * whether lsc_cupti_pause holds both off meanwhile. */
static bool lsc__calls_wanted, lsc__kernels_wanted, lsc__paused;
static int64_t lsc__clock_offset; /* CLOCK_MONOTONIC - CUPTI timestamp */

static _Thread_local uint64_t lsc__api_enter_ns;
/* Set by lsc_cupti_stop while it waits for the exit of its own cuCtxGetCurrent, whose callback
 * detaches CUPTI (cuptiFinalize) and clears it. */
static atomic_bool lsc__detach_pending;

/* What each driver cbid is to us (lsc_call_kind + 1; 0: not recorded) and its name, filled
 * by lsc_cupti_start from CUPTI's own names before any callback is enabled. */
static uint8_t lsc__cbid_kind[CUPTI_DRIVER_TRACE_CBID_SIZE];
static const char *lsc__cbid_name[CUPTI_DRIVER_TRACE_CBID_SIZE];
/* The same for the runtime cbids, with lsc_cupti_sinks.runtime: the kind of the driver call
 * each one makes (so that the launch ones are enabled with the launches), and its name's
 * length without CUPTI's version suffix. */
typedef struct {
  const char *name;
  uint8_t name_len;
  uint8_t kind;
} lsc__runtime_call;
static lsc__runtime_call lsc__runtime_cbid[CUPTI_RUNTIME_TRACE_CBID_SIZE];
/* Stream captures in progress anywhere in the process: while there are none (nearly always),
 * a launch needs no cuStreamIsCapturing to know it runs. */
static atomic_int lsc__captures;
static CUresult (*lsc__stream_is_capturing) (CUstream, CUstreamCaptureStatus *);

static const CUpti_CallbackId lsc__capture_cbids[] = {
  CUPTI_DRIVER_TRACE_CBID_cuStreamBeginCapture,         CUPTI_DRIVER_TRACE_CBID_cuStreamBeginCapture_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuStreamBeginCapture_v2,      CUPTI_DRIVER_TRACE_CBID_cuStreamBeginCapture_v2_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuStreamBeginCaptureToGraph,  CUPTI_DRIVER_TRACE_CBID_cuStreamBeginCaptureToGraph_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuStreamEndCapture,           CUPTI_DRIVER_TRACE_CBID_cuStreamEndCapture_ptsz,
};

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

const char *
lsc_call_kind_name (int kind)
{
  static const char *const names[LSC_CALL_KIND_COUNT] = { "launch", "graph", "sync", "copy", "alloc", "runtime" };
  return kind >= 0 && kind < LSC_CALL_KIND_COUNT ? names[kind] : "unknown";
}

const char *
lsc_cupti_call_name (uint32_t cbid)
{
  return cbid < CUPTI_DRIVER_TRACE_CBID_SIZE ? lsc__cbid_name[cbid] : NULL;
}

const char *
lsc_cupti_runtime_call_name (uint32_t cbid, int *len)
{
  if (cbid >= CUPTI_RUNTIME_TRACE_CBID_SIZE || !lsc__runtime_cbid[cbid].kind)
    return NULL;
  *len = lsc__runtime_cbid[cbid].name_len;
  return lsc__runtime_cbid[cbid].name;
}

static bool
lsc__has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

typedef struct {
  const char *prefix;
  lsc_call_kind kind;
} lsc__name_rule;

static int
lsc__kind_by_rules (const lsc__name_rule *rules, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (lsc__has_prefix (name, rules[i].prefix))
      return (int) rules[i].kind;
  return -1;
}

/* The kind of a runtime function by its name: the kind of the driver call it makes; -1 for
 * calls not recorded.  Every launch call is one, cooperative ones too. */
static int
lsc__kind_of_runtime_name (const char *name)
{
  static const lsc__name_rule rules[] = {
    { "cudaLaunchKernel", LSC_CALL_LAUNCH }, /* cudaLaunchKernel, _ptsz, ExC, ExC_ptsz */
    { "__cudaLaunchKernel", LSC_CALL_LAUNCH }, /* what CUDA 13's <<<>>> calls */
    { "cudaLaunchCooperativeKernel", LSC_CALL_LAUNCH },
    { "cudaGraphLaunch", LSC_CALL_GRAPH },
    { "cudaDeviceSynchronize", LSC_CALL_SYNC },
    { "cudaThreadSynchronize", LSC_CALL_SYNC },
    { "cudaStreamSynchronize", LSC_CALL_SYNC },
    { "cudaEventSynchronize", LSC_CALL_SYNC },
    { "cudaMemcpy", LSC_CALL_COPY },
    { "cudaMemset", LSC_CALL_COPY },
    { "cudaMalloc", LSC_CALL_ALLOC }, /* also cudaMallocHost, Managed, Pitch, Async, Array */
    { "cudaFree", LSC_CALL_ALLOC },
    { "cudaHostAlloc", LSC_CALL_ALLOC },
  };
  return lsc__kind_by_rules (rules, sizeof rules / sizeof rules[0], name);
}

/* The kind of a driver function by its name; -1 for calls not recorded. */
static int
lsc__kind_of_name (const char *name)
{
  static const lsc__name_rule rules[] = {
    { "cuLaunchKernel", LSC_CALL_LAUNCH }, /* cuLaunchKernel, _ptsz, Ex, Ex_ptsz */
    { "cuGraphLaunch", LSC_CALL_GRAPH },
    { "cuCtxSynchronize", LSC_CALL_SYNC },
    { "cuStreamSynchronize", LSC_CALL_SYNC },
    { "cuEventSynchronize", LSC_CALL_SYNC },
    { "cuMemcpy", LSC_CALL_COPY },
    { "cuMemset", LSC_CALL_COPY },
    { "cuMemAlloc", LSC_CALL_ALLOC }, /* also cuMemAllocHost, Managed, Pitch, Async, FromPoolAsync */
    { "cuMemFree", LSC_CALL_ALLOC },
    { "cuMemHostAlloc", LSC_CALL_ALLOC },
  };
  return lsc__kind_by_rules (rules, sizeof rules / sizeof rules[0], name);
}

/* CUPTI names runtime callbacks with the version that added them (cudaLaunchKernel_v7000):
 * the length of the name without that suffix. */
static size_t
lsc__runtime_name_len (const char *name)
{
  size_t len = strlen (name), digits = 0;
  while (digits < len && name[len - 1 - digits] >= '0' && name[len - 1 - digits] <= '9')
    digits++;
  if (digits && len > digits + 2 && name[len - digits - 1] == 'v' && name[len - digits - 2] == '_')
    return len - digits - 2;
  return len;
}

/* Fills the runtime cbid table from CUPTI's names, when runtime calls are asked for; false
 * when none is known (a CUPTI that names no callbacks). */
static bool
lsc__classify_runtime_cbids (bool runtime)
{
  bool any = false;
  memset (lsc__runtime_cbid, 0, sizeof lsc__runtime_cbid);
  for (uint32_t cbid = 1; runtime && lsc__cupti.get_callback_name && cbid < CUPTI_RUNTIME_TRACE_CBID_SIZE; cbid++)
    {
      const char *name = NULL;
      if (lsc__cupti.get_callback_name (CUPTI_CB_DOMAIN_RUNTIME_API, cbid, &name) != CUPTI_SUCCESS || !name)
        continue;
      int kind = lsc__kind_of_runtime_name (name);
      size_t len = lsc__runtime_name_len (name);
      if (kind >= 0)
        lsc__runtime_cbid[cbid] = (lsc__runtime_call){ .name = name,
                                                       .name_len = (uint8_t) (len < 255 ? len : 255),
                                                       .kind = (uint8_t) (kind + 1) };
      any |= kind >= 0;
    }
  return any;
}

/* Fills the cbid tables: every launch cbid we enable, plus, where CUPTI names its callbacks,
 * every synchronisation, copy and allocation call. */
static void
lsc__classify_cbids (void)
{
  memset (lsc__cbid_kind, 0, sizeof lsc__cbid_kind);
  memset (lsc__cbid_name, 0, sizeof lsc__cbid_name);
  for (uint32_t cbid = 1; lsc__cupti.get_callback_name && cbid < CUPTI_DRIVER_TRACE_CBID_SIZE; cbid++)
    {
      const char *name = NULL;
      if (lsc__cupti.get_callback_name (CUPTI_CB_DOMAIN_DRIVER_API, cbid, &name) != CUPTI_SUCCESS || !name)
        continue;
      lsc__cbid_name[cbid] = name;
      int kind = lsc__kind_of_name (name);
      /* Cooperative launches are not among the engine's paths: left out as before. */
      if (kind >= 0 && !(kind == LSC_CALL_LAUNCH && strstr (name, "Cooperative")))
        lsc__cbid_kind[cbid] = (uint8_t) (kind + 1);
    }
  for (size_t i = 0; i < sizeof lsc__launch_cbids / sizeof lsc__launch_cbids[0]; i++)
    {
      CUpti_CallbackId cbid = lsc__launch_cbids[i];
      bool graph = cbid == CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch || cbid == CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch_ptsz;
      lsc__cbid_kind[cbid] = (uint8_t) ((graph ? LSC_CALL_GRAPH : LSC_CALL_LAUNCH) + 1);
    }
}

/* The function launched and, with --params, the spec key its parameter values give. */
static void
lsc__read_params (CUfunction f, void **kernel_params, lsc_cupti_launch_config *rec)
{
  rec->function = (uint64_t) (uintptr_t) f;
  if (lsc__sinks.params)
    rec->params = (uint8_t) (lsc_params_key (f, kernel_params, &rec->param_key) + 1);
}

/* The launch's configuration from the call's own parameters. */
static bool
lsc__read_launch_config (CUpti_CallbackId cbid, const void *params, lsc_cupti_launch_config *rec)
{
  if (!params)
    return false;
  CUstream stream = NULL;
  switch (cbid)
    {
    case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel:
    case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz:
      {
        /* cuLaunchKernel_ptsz_params has the same layout */
        const cuLaunchKernel_params *p = params;
        rec->grid[0] = p->gridDimX, rec->grid[1] = p->gridDimY, rec->grid[2] = p->gridDimZ;
        rec->block[0] = p->blockDimX, rec->block[1] = p->blockDimY, rec->block[2] = p->blockDimZ;
        rec->shared_mem = p->sharedMemBytes;
        stream = p->hStream;
        lsc__read_params (p->f, p->kernelParams, rec);
        break;
      }
    case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx:
    case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz:
      {
        const CUlaunchConfig *config = ((const cuLaunchKernelEx_params *) params)->config;
        if (!config)
          return false;
        rec->grid[0] = config->gridDimX, rec->grid[1] = config->gridDimY, rec->grid[2] = config->gridDimZ;
        rec->block[0] = config->blockDimX, rec->block[1] = config->blockDimY, rec->block[2] = config->blockDimZ;
        rec->shared_mem = config->sharedMemBytes;
        stream = config->hStream;
        const cuLaunchKernelEx_params *p = params;
        lsc__read_params (p->f, p->kernelParams, rec);
        break;
      }
    case CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch:
    case CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch_ptsz:
      stream = ((const cuGraphLaunch_params *) params)->hStream;
      break;
    default:
      return false;
    }
  rec->stream = (uint64_t) (uintptr_t) stream;
  if (__builtin_expect (atomic_load_explicit (&lsc__captures, memory_order_relaxed) > 0, 0) && lsc__stream_is_capturing)
    {
      CUstreamCaptureStatus status = CU_STREAM_CAPTURE_STATUS_NONE;
      rec->captured = lsc__stream_is_capturing (stream, &status) == CUDA_SUCCESS
                      && status == CU_STREAM_CAPTURE_STATUS_ACTIVE;
    }
  return true;
}

void
lsc_cupti_set_gate (bool open)
{
  atomic_store (&lsc__gate_open, open);
}

/* A capture beginning or ending, or the program's capture range (at the call's exit, when it
 * succeeded). */
static void
lsc__on_capture (CUpti_CallbackId cbid, const CUpti_CallbackData *cb)
{
  if (cb->callbackSite != CUPTI_API_EXIT || (cb->functionReturnValue && *(const int *) cb->functionReturnValue != 0))
    return;
  if (cbid == CUPTI_DRIVER_TRACE_CBID_cuProfilerStart || cbid == CUPTI_DRIVER_TRACE_CBID_cuProfilerStop)
    {
      bool open = cbid == CUPTI_DRIVER_TRACE_CBID_cuProfilerStart;
      atomic_store (&lsc__gate_open, open);
      if (lsc__sinks.range)
        lsc__sinks.range (open, lsc__sinks.user_data);
      return;
    }
  bool end = cbid == CUPTI_DRIVER_TRACE_CBID_cuStreamEndCapture || cbid == CUPTI_DRIVER_TRACE_CBID_cuStreamEndCapture_ptsz;
  if (end)
    {
      int n = atomic_load (&lsc__captures);
      while (n > 0 && !atomic_compare_exchange_weak (&lsc__captures, &n, n - 1))
        ;
      return;
    }
  if (!lsc__stream_is_capturing)
    {
      /* Resolved on first use: in a recorded program the driver is loaded by now. */
      const fl_driver *drv = fl_driver_get ();
      if (drv && drv->cuStreamIsCapturing)
        lsc__stream_is_capturing = drv->cuStreamIsCapturing;
      else
        {
          /* The program's libcuda, already loaded (a framework may have opened it RTLD_LOCAL,
           * out of RTLD_DEFAULT's reach); else whatever the process exports under the name. */
          void *driver = dlopen ("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
          void *sym = driver ? dlsym (driver, "cuStreamIsCapturing") : NULL;
          if (!sym)
            sym = dlsym (RTLD_DEFAULT, "cuStreamIsCapturing");
          memcpy (&lsc__stream_is_capturing, &sym, sizeof sym);
        }
    }
  atomic_fetch_add (&lsc__captures, 1);
}

/* A function the program got from a module of its own, at the exit of a successful call. */
static void
lsc__on_module_function (const CUpti_CallbackData *cb)
{
  const cuModuleGetFunction_params *p = cb->functionParams;
  if (cb->callbackSite != CUPTI_API_EXIT || (cb->functionReturnValue && *(const int *) cb->functionReturnValue != 0)
      || !p || !p->hfunc || !lsc__sinks.function)
    return;
  lsc__sinks.function ((uint64_t) (uintptr_t) *p->hfunc, p->name, lsc__sinks.user_data);
}

bool
lsc_cupti_running (void)
{
  return atomic_load (&lsc__running);
}

/* A runtime call around a driver call: its own record at its exit.  The enter time travels
 * in the call's correlationData (CUPTI's slot shared by one call's enter and exit), so the
 * driver callbacks nested in it, and runtime calls nested in those, leave it alone. */
static void
lsc__on_runtime (CUpti_CallbackId cbid, const CUpti_CallbackData *cb)
{
  uint64_t *enter_ns = cb->correlationData;
  if (__builtin_expect (!enter_ns, 0))
    return;
  if (cb->callbackSite == CUPTI_API_ENTER)
    {
      *enter_ns = lsc__now_ns ();
      return;
    }
  if (__builtin_expect (!atomic_load_explicit (&lsc__gate_open, memory_order_relaxed), 0) || !lsc__sinks.api)
    return;
  uint64_t now = lsc__now_ns ();
  lsc_cupti_api_record rec = {
    .correlation_id = cb->correlationId,
    .cbid = cbid,
    .kind = LSC_CALL_RUNTIME,
    .api_start_ns = *enter_ns,
    .api_ns = *enter_ns ? now - *enter_ns : 0,
    .return_value = cb->functionReturnValue ? *(const int *) cb->functionReturnValue : 0,
  };
  lsc__sinks.api (&rec, lsc__sinks.user_data);
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
  if (__builtin_expect (domain != CUPTI_CB_DOMAIN_DRIVER_API, 0))
    {
      if (domain == CUPTI_CB_DOMAIN_RUNTIME_API)
        lsc__on_runtime (cbid, cb);
      return;
    }
  if (cb->callbackSite == CUPTI_API_ENTER)
    {
      lsc__api_enter_ns = lsc__now_ns (); /* a capture call's too: harmless, and one test fewer */
      return;
    }
  unsigned kind = cbid < CUPTI_DRIVER_TRACE_CBID_SIZE ? lsc__cbid_kind[cbid] : 0;
  if (__builtin_expect (kind == 0, 0))
    {
      if (cbid == CUPTI_DRIVER_TRACE_CBID_cuModuleGetFunction)
        lsc__on_module_function (cb);
      else
        lsc__on_capture (cbid, cb);
      return;
    }
  if (__builtin_expect (!atomic_load_explicit (&lsc__gate_open, memory_order_relaxed), 0))
    return;
  /* Inside the engine's launch, the engine's end stamp, a few ns from now, stands in for the
   * exit time: one clock read fewer per launch. */
  bool in_engine = fl_launch_in_progress ();
  uint64_t now = in_engine ? 0 : lsc__now_ns ();
  lsc_cupti_api_record rec = {
    .correlation_id = cb->correlationId,
    .cbid = cbid,
    .kind = (lsc_call_kind) (kind - 1),
    .api_start_ns = lsc__api_enter_ns,
    .api_ns = lsc__api_enter_ns && !in_engine ? now - lsc__api_enter_ns : 0,
    .return_value = cb->functionReturnValue ? *(const int *) cb->functionReturnValue : 0,
    .symbol_name = cb->symbolName,
    .in_engine_launch = in_engine,
  };
  /* The engine's own launches need no configuration read: their record is claimed by the
   * engine's event, which knows it. */
  lsc_cupti_launch_config config;
  if (kind - 1 > LSC_CALL_GRAPH)
    rec.symbol_name = NULL;
  else if (!in_engine)
    {
      config = (lsc_cupti_launch_config){ .captured = false };
      if (lsc__read_launch_config (cbid, cb->functionParams, &config))
        rec.config = &config;
    }
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

/* Turns on (or off) the launch callbacks, the capture ones that mark captured launches, and
 * with calls the synchronisation, copy and allocation ones; with runtime, the same runtime
 * callbacks too.  Stops at the first failure. */
static CUptiResult
lsc__enable_calls (uint32_t on, bool calls)
{
  CUptiResult r = CUPTI_SUCCESS;
  for (uint32_t cbid = 1; cbid < CUPTI_DRIVER_TRACE_CBID_SIZE && r == CUPTI_SUCCESS; cbid++)
    {
      unsigned kind = lsc__cbid_kind[cbid];
      if (kind && (kind - 1 <= LSC_CALL_GRAPH || calls))
        r = lsc__cupti.enable_callback (on, lsc__subscriber, CUPTI_CB_DOMAIN_DRIVER_API, cbid);
    }
  for (uint32_t cbid = 1; lsc__sinks.runtime && cbid < CUPTI_RUNTIME_TRACE_CBID_SIZE && r == CUPTI_SUCCESS; cbid++)
    {
      unsigned kind = lsc__runtime_cbid[cbid].kind;
      if (kind && (kind - 1 <= LSC_CALL_GRAPH || calls))
        r = lsc__cupti.enable_callback (on, lsc__subscriber, CUPTI_CB_DOMAIN_RUNTIME_API, cbid);
    }
  for (size_t i = 0; i < sizeof lsc__capture_cbids / sizeof lsc__capture_cbids[0] && r == CUPTI_SUCCESS; i++)
    r = lsc__cupti.enable_callback (on, lsc__subscriber, CUPTI_CB_DOMAIN_DRIVER_API, lsc__capture_cbids[i]);
  if (lsc__sinks.range && r == CUPTI_SUCCESS)
    r = lsc__cupti.enable_callback (on, lsc__subscriber, CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuProfilerStart);
  if (lsc__sinks.range && r == CUPTI_SUCCESS)
    r = lsc__cupti.enable_callback (on, lsc__subscriber, CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuProfilerStop);
  return r;
}

static lsc_cupti_result
lsc__start (const char *library, bool activity, const lsc_cupti_sinks *sinks, char *status, size_t status_size)
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
      LSC_DLSYM (t.get_callback_name, lib, "cuptiGetCallbackName");
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
  lsc__classify_cbids ();
  bool runtime_known = lsc__classify_runtime_cbids (lsc__sinks.runtime);
  atomic_store (&lsc__captures, 0);
  r = lsc__enable_calls (1, lsc__sinks.calls);
  if (r != CUPTI_SUCCESS)
    {
      lsc__cupti.unsubscribe (lsc__subscriber);
      snprintf (status, status_size, "cuptiEnableCallback failed (%s): recording engine events only",
                lsc__result_string (r));
      return LSC_CUPTI_FAILED;
    }
  /* Without it reports only lack the JIT kernels' mark: not worth failing the recording for. */
  if (lsc__sinks.function)
    lsc__cupti.enable_callback (1, lsc__subscriber, CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuModuleGetFunction);
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
  atomic_store (&lsc__gate_open, true);
  lsc__calls_wanted = true;
  lsc__kernels_wanted = activity;
  lsc__paused = false;
  atomic_store (&lsc__running, true);
  snprintf (status, status_size, "%s%s", activity ? "callbacks and kernel activity on" : "callbacks on",
            lsc__sinks.runtime && !runtime_known ? "; no runtime calls (this libcupti names no runtime callbacks)"
                                                 : "");
  return LSC_CUPTI_OK;
}

void
lsc_cupti_set_callbacks (bool on)
{
  pthread_mutex_lock (&lsc__control);
  lsc__calls_wanted = on;
  if (atomic_load (&lsc__running) && !lsc__paused)
    lsc__enable_calls (on, lsc__sinks.calls);
  pthread_mutex_unlock (&lsc__control);
}

void
lsc_cupti_pause (bool paused)
{
  pthread_mutex_lock (&lsc__control);
  if (atomic_load (&lsc__running) && paused != lsc__paused)
    {
      lsc__paused = paused;
      if (lsc__calls_wanted)
        lsc__enable_calls (!paused, lsc__sinks.calls);
      if (lsc__activity && lsc__kernels_wanted)
        {
          if (paused)
            lsc__cupti.activity_disable (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
          else
            lsc__cupti.activity_enable (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
        }
    }
  pthread_mutex_unlock (&lsc__control);
}

void
lsc_cupti_set_callback_work (bool on)
{
  atomic_store_explicit (&lsc__callback_work, on, memory_order_relaxed);
}

void
lsc_cupti_set_activity (bool on)
{
  pthread_mutex_lock (&lsc__control);
  lsc__kernels_wanted = on;
  if (atomic_load (&lsc__running) && lsc__activity && !lsc__paused)
    {
      if (on)
        lsc__cupti.activity_enable (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
      else
        lsc__cupti.activity_disable (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    }
  pthread_mutex_unlock (&lsc__control);
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
  lsc__enable_calls (0, lsc__sinks.calls); /* under lsc__control already */
  atomic_store (&lsc__detach_pending, true);
  CUcontext ctx;
  drv->cuCtxGetCurrent (&ctx);
  /* Still pending: the call never reached the callback (the caller unsubscribes, which drops
   * the callback enabled above). */
  return !atomic_exchange (&lsc__detach_pending, false);
}

static bool
lsc__stop (void)
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

lsc_cupti_result
lsc_cupti_start (const char *library, bool activity, const lsc_cupti_sinks *sinks, char *status, size_t status_size)
{
  pthread_mutex_lock (&lsc__control);
  lsc_cupti_result r = lsc__start (library, activity, sinks, status, status_size);
  pthread_mutex_unlock (&lsc__control);
  return r;
}

bool
lsc_cupti_stop (void)
{
  pthread_mutex_lock (&lsc__control);
  bool detached = lsc__stop ();
  pthread_mutex_unlock (&lsc__control);
  return detached;
}
