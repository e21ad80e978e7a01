/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fake-cupti.c — TEST-ONLY stand-in for libcupti: the entry points lsc-cupti.c loads, and one
 * control a test or benchmark calls to make "the driver" run a launch API call through the
 * subscriber's callback (enter, then exit), as CUPTI does inside cuLaunchKernel.
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

static CUpti_CallbackFunc fake_callback;
static void *fake_userdata;
static atomic_bool fake_enabled[CUPTI_DRIVER_TRACE_CBID_SIZE];
static atomic_uint fake_correlation;
static int fake_subscriber_token;
static atomic_uint fake_finalize_calls;
static _Thread_local const char *fake_symbol_name;
static const char *fake_default_symbol_name; /* $FAKE_CUPTI_SYMBOL, read at subscribe */

/* Names for the callbacks the tests make; CUPTI's own table names every one. */
FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiGetCallbackName (CUpti_CallbackDomain domain, uint32_t cbid, const char **name)
{
  static const struct {
    uint32_t cbid;
    const char *name;
  } names[] = {
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
  if (domain != CUPTI_CB_DOMAIN_DRIVER_API || !name)
    return CUPTI_ERROR_INVALID_PARAMETER;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].cbid == cbid)
      {
        *name = names[i].name;
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
  return CUPTI_SUCCESS;
}

FAKE_CUPTI_API CUptiResult CUPTIAPI
cuptiEnableCallback (uint32_t enable, CUpti_SubscriberHandle subscriber, CUpti_CallbackDomain domain,
                     CUpti_CallbackId cbid)
{
  (void) subscriber;
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
