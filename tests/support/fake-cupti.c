/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fake-cupti.c — TEST-ONLY stand-in for libcupti: the entry points lsc-cupti.c loads, and one
 * control a test or benchmark calls to make "the driver" run a launch API call through the
 * subscriber's callback (enter, then exit), as CUPTI does inside cuLaunchKernel; another makes
 * "the runtime" run a call around such a driver call (runtime enter, driver enter, driver exit,
 * runtime exit, each call with its own correlation id).
 *
 * There is no CUPTI without a GPU, so this is how the recorder's CUPTI path (the callback,
 * the API record, its join to the engine's launch) runs on the driver test double.  It is
 * loaded by path through lsc_recorder_options.cupti_library; the caller finds the control with
 * dlopen (the same path) and dlsym.  No activity records are ever delivered.  Not thread-safe
 * against start/stop, like CUPTI's own subscription calls.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cupti.h>

#define FAKE_CUPTI_API __attribute__ ((visibility ("default")))

FAKE_CUPTI_API uint32_t fake_cupti_api_call (uint32_t cbid, int result);
FAKE_CUPTI_API uint32_t fake_cupti_api_call_params (uint32_t cbid, int result, const void *params);
FAKE_CUPTI_API unsigned fake_cupti_finalized (void);
FAKE_CUPTI_API void fake_cupti_set_symbol_name (const char *name);
FAKE_CUPTI_API uint32_t fake_cupti_runtime_call (uint32_t runtime_cbid, uint32_t driver_cbid, int result,
                                                 const void *driver_params);
FAKE_CUPTI_API unsigned fake_cupti_runtime_enabled (void);

static CUpti_CallbackFunc fake_callback;
static void *fake_userdata;
static atomic_bool fake_enabled[CUPTI_DRIVER_TRACE_CBID_SIZE];
static atomic_bool fake_runtime_enabled[CUPTI_RUNTIME_TRACE_CBID_SIZE];
static atomic_uint fake_correlation;
static int fake_subscriber_token;
static atomic_uint fake_finalize_calls;
static _Thread_local const char *fake_symbol_name;
static const char *fake_default_symbol_name; /* $FAKE_CUPTI_SYMBOL, read at subscribe */

typedef struct {
  uint32_t cbid;
  const char *name;
} fake_name;

/* CUPTI's runtime names carry the version that added the call.  Named here but not recorded
 * by Launchscope: cudaLaunchHostFunc (no kernel) and cudaGetDevice. */
static const fake_name fake_runtime_names[] = {
  { CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, "cudaLaunchKernel_v7000" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_ptsz_v7000, "cudaLaunchKernel_ptsz_v7000" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_v11060, "cudaLaunchKernelExC_v11060" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaLaunchCooperativeKernel_v9000, "cudaLaunchCooperativeKernel_v9000" },
  { CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000, "__cudaLaunchKernel_v13000" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaGraphLaunch_v10000, "cudaGraphLaunch_v10000" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaStreamSynchronize_v3020, "cudaStreamSynchronize_v3020" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020, "cudaMemcpyAsync_v3020" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaMalloc_v3020, "cudaMalloc_v3020" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaLaunchHostFunc_v10000, "cudaLaunchHostFunc_v10000" },
  { CUPTI_RUNTIME_TRACE_CBID_cudaGetDevice_v3020, "cudaGetDevice_v3020" },
};

/* Names for the callbacks the tests make; CUPTI's own table names every one. */
FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiGetCallbackName (CUpti_CallbackDomain domain, uint32_t cbid, const char **name)
{
  static const fake_name names[] = {
    { CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, "cuLaunchKernel" },
    { CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx, "cuLaunchKernelEx" },
    { CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel, "cuLaunchCooperativeKernel" },
    { CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch, "cuGraphLaunch" },
    { CUPTI_DRIVER_TRACE_CBID_cuStreamSynchronize, "cuStreamSynchronize" },
    { CUPTI_DRIVER_TRACE_CBID_cuCtxSynchronize, "cuCtxSynchronize" },
    { CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoDAsync_v2, "cuMemcpyHtoDAsync_v2" },
    { CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2, "cuMemAlloc_v2" },
    { CUPTI_DRIVER_TRACE_CBID_cuStreamBeginCapture_v2, "cuStreamBeginCapture_v2" },
    { CUPTI_DRIVER_TRACE_CBID_cuStreamEndCapture, "cuStreamEndCapture" },
    { CUPTI_DRIVER_TRACE_CBID_cuCtxGetCurrent, "cuCtxGetCurrent" },
    { CUPTI_DRIVER_TRACE_CBID_cuModuleGetFunction, "cuModuleGetFunction" },
  };
  bool runtime = domain == CUPTI_CB_DOMAIN_RUNTIME_API;
  if ((domain != CUPTI_CB_DOMAIN_DRIVER_API && !runtime) || !name)
    return CUPTI_ERROR_INVALID_PARAMETER;
  const fake_name *table = runtime ? fake_runtime_names : names;
  size_t n = runtime ? sizeof fake_runtime_names / sizeof fake_runtime_names[0] : sizeof names / sizeof names[0];
  for (size_t i = 0; i < n; i++)
    if (table[i].cbid == cbid)
      {
        *name = table[i].name;
        return CUPTI_SUCCESS;
      }
  return CUPTI_ERROR_INVALID_PARAMETER;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiSubscribe (CUpti_SubscriberHandle *subscriber, CUpti_CallbackFunc callback, void *userdata)
{
  if (fake_callback)
    return CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED;
  fake_callback = callback;
  fake_userdata = userdata;
  fake_default_symbol_name = getenv ("FAKE_CUPTI_SYMBOL");
  *subscriber = (CUpti_SubscriberHandle) &fake_subscriber_token;
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiUnsubscribe (CUpti_SubscriberHandle subscriber)
{
  (void) subscriber;
  fake_callback = NULL;
  for (unsigned i = 0; i < CUPTI_DRIVER_TRACE_CBID_SIZE; i++)
    atomic_store (&fake_enabled[i], false);
  for (unsigned i = 0; i < CUPTI_RUNTIME_TRACE_CBID_SIZE; i++)
    atomic_store (&fake_runtime_enabled[i], false);
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiEnableCallback (uint32_t enable, CUpti_SubscriberHandle subscriber, CUpti_CallbackDomain domain,
                     CUpti_CallbackId cbid)
{
  (void) subscriber;
  if (domain == CUPTI_CB_DOMAIN_RUNTIME_API && cbid < CUPTI_RUNTIME_TRACE_CBID_SIZE)
    {
      atomic_store (&fake_runtime_enabled[cbid], enable != 0);
      return CUPTI_SUCCESS;
    }
  if (domain != CUPTI_CB_DOMAIN_DRIVER_API || cbid >= CUPTI_DRIVER_TRACE_CBID_SIZE)
    return CUPTI_ERROR_INVALID_PARAMETER;
  atomic_store (&fake_enabled[cbid], enable != 0);
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiGetResultString (CUptiResult result, const char **str)
{
  *str = result == CUPTI_SUCCESS ? "CUPTI_SUCCESS (fake)" : "CUPTI error (fake)";
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiActivityRegisterCallbacks (CUpti_BuffersCallbackRequestFunc requested, CUpti_BuffersCallbackCompleteFunc completed)
{
  (void) requested;
  (void) completed;
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiActivityEnable (CUpti_ActivityKind kind)
{
  (void) kind;
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiActivityDisable (CUpti_ActivityKind kind)
{
  (void) kind;
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiActivityGetNextRecord (uint8_t *buffer, size_t valid_size, CUpti_Activity **record)
{
  (void) buffer;
  (void) valid_size;
  (void) record;
  return CUPTI_ERROR_MAX_LIMIT_REACHED;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiActivityFlushAll (uint32_t flag)
{
  (void) flag;
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiGetTimestamp (uint64_t *timestamp)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  *timestamp = (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
  return CUPTI_SUCCESS;
}

/* As CUPTI's: detaches, so the subscription is free again. */
FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiFinalize (void)
{
  cuptiUnsubscribe (NULL);
  atomic_fetch_add (&fake_finalize_calls, 1);
  return CUPTI_SUCCESS;
}

/* How often cuptiFinalize ran. */
FAKE_CUPTI_API unsigned
fake_cupti_finalized (void)
{
  return atomic_load (&fake_finalize_calls);
}

/* The kernel name this thread's later launch API calls report (NULL, the default:
 * $FAKE_CUPTI_SYMBOL, or none where it is not set).  Each call hands the subscriber its own
 * copy, at the same address every time, and overwrites it after the exit callback, as CUPTI's
 * symbolName is valid only inside the callback. */
FAKE_CUPTI_API void
fake_cupti_set_symbol_name (const char *name)
{
  fake_symbol_name = name;
}

/* The control: one launch API call `cbid` returning `result`, seen by the subscriber if it
 * enabled that callback.  Returns the correlation id it used (they count up from 1), or 0 when
 * nobody was called. */
FAKE_CUPTI_API uint32_t
fake_cupti_api_call (uint32_t cbid, int result)
{
  return fake_cupti_api_call_params (cbid, result, NULL);
}

/* The same with the call's parameters (functionParams: cuLaunchKernel_params and the like). */
FAKE_CUPTI_API uint32_t
fake_cupti_api_call_params (uint32_t cbid, int result, const void *params)
{
  CUpti_CallbackFunc cb = fake_callback;
  if (!cb || cbid >= CUPTI_DRIVER_TRACE_CBID_SIZE || !atomic_load_explicit (&fake_enabled[cbid], memory_order_relaxed))
    return 0;
  uint32_t correlation = atomic_fetch_add_explicit (&fake_correlation, 1, memory_order_relaxed) + 1;
  CUpti_CallbackData data;
  memset (&data, 0, sizeof data);
  data.callbackSite = CUPTI_API_ENTER;
  data.functionName = "cuLaunchKernel";
  data.correlationId = correlation;
  data.functionReturnValue = &result;
  data.functionParams = params;
  static _Thread_local char symbol[1024];
  const char *name = fake_symbol_name ? fake_symbol_name : fake_default_symbol_name;
  if (name)
    {
      snprintf (symbol, sizeof symbol, "%s", name);
      data.symbolName = symbol;
    }
  cb (fake_userdata, CUPTI_CB_DOMAIN_DRIVER_API, cbid, &data);
  data.callbackSite = CUPTI_API_EXIT;
  cb (fake_userdata, CUPTI_CB_DOMAIN_DRIVER_API, cbid, &data);
  memset (symbol, '#', strlen (symbol));
  return correlation;
}

/* How many runtime callbacks the subscriber has enabled now. */
FAKE_CUPTI_API unsigned
fake_cupti_runtime_enabled (void)
{
  unsigned n = 0;
  for (unsigned i = 0; i < CUPTI_RUNTIME_TRACE_CBID_SIZE; i++)
    n += atomic_load (&fake_runtime_enabled[i]);
  return n;
}

/* The control for the runtime: a runtime call `runtime_cbid` returning `result` around the
 * driver call `driver_cbid` (0: none) it makes, as cudaLaunchKernel makes cuLaunchKernel.  The
 * subscriber sees the runtime call if it enabled that callback, the driver call as
 * fake_cupti_api_call_params shows it.  Returns the runtime call's correlation id, or 0 when
 * the subscriber did not see it. */
FAKE_CUPTI_API uint32_t
fake_cupti_runtime_call (uint32_t runtime_cbid, uint32_t driver_cbid, int result, const void *driver_params)
{
  CUpti_CallbackFunc cb = fake_callback;
  bool seen = cb && runtime_cbid < CUPTI_RUNTIME_TRACE_CBID_SIZE
              && atomic_load_explicit (&fake_runtime_enabled[runtime_cbid], memory_order_relaxed);
  uint32_t correlation = seen ? atomic_fetch_add_explicit (&fake_correlation, 1, memory_order_relaxed) + 1 : 0;
  uint64_t shared = 0; /* correlationData: the subscriber's, from enter to exit */
  CUpti_CallbackData data;
  memset (&data, 0, sizeof data);
  data.callbackSite = CUPTI_API_ENTER;
  data.functionName = "cudaLaunchKernel";
  data.correlationId = correlation;
  data.correlationData = &shared;
  data.functionReturnValue = &result;
  if (seen)
    cb (fake_userdata, CUPTI_CB_DOMAIN_RUNTIME_API, runtime_cbid, &data);
  if (driver_cbid)
    fake_cupti_api_call_params (driver_cbid, result, driver_params);
  data.callbackSite = CUPTI_API_EXIT;
  if (seen)
    cb (fake_userdata, CUPTI_CB_DOMAIN_RUNTIME_API, runtime_cbid, &data);
  return correlation;
}
