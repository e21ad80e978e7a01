/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-cupti.h — the CUPTI subscriber, loaded at run time.
 *
 * Callbacks on cuLaunchKernel, cuLaunchKernel_ptsz, cuLaunchKernelEx and cuLaunchKernelEx_ptsz
 * (and cuGraphLaunch, and the synchronisation, copy and allocation calls) hand API enter/exit
 * times (inside an engine launch only the enter time: the engine's end
 * stamp stands for the exit), the correlation id and the kernel's symbol name to the api sink on
 * the launching thread, inside the launch (the recorder keeps it beside that thread's ring until
 * the engine's launch record, which follows on the same thread, carries it).  Activity tracing adds
 * kernel execution records, delivered on CUPTI's own thread.  CUPTI allows one subscriber per
 * process: when another tool holds it, lsc_cupti_start says which, and recording goes on
 * without it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a recorded driver API call is.  Launches and graph launches are rows of their own;
 * the others explain the time between a thread's launches: a program waiting for the GPU, or
 * copying, or allocating, is not spending that time in its framework. */
typedef enum {
  LSC_CALL_LAUNCH,
  LSC_CALL_GRAPH,
  LSC_CALL_SYNC,  /* cuCtxSynchronize, cuStreamSynchronize, cuEventSynchronize */
  LSC_CALL_COPY,  /* cuMemcpy*, cuMemset* */
  LSC_CALL_ALLOC, /* cuMemAlloc*, cuMemFree*, cuMemHostAlloc */
  /* A runtime call enclosing one of the driver calls above (lsc_cupti_sinks.runtime): it
   * explains no gap of its own, its driver call does. */
  LSC_CALL_RUNTIME,
  LSC_CALL_KIND_COUNT
} lsc_call_kind;

/* "launch", "graph", "sync", "copy", "alloc", "runtime"; "unknown" out of range. */
const char *lsc_call_kind_name (int kind);

/* A launch as its call configured it, and whether its stream was being captured into a graph
 * (the kernel was recorded, not run). */
typedef struct lsc_cupti_launch_config {
  uint32_t grid[3], block[3];
  uint32_t shared_mem; /* dynamic shared memory, bytes */
  uint64_t stream;     /* the CUstream handle as an integer; 0 the legacy default stream */
  bool captured;
  uint64_t function;   /* the CUfunction handle: one binary */
  /* With lsc_cupti_sinks.params: the spec key the parameter values give (lsc-params.h), and
   * lsc_params_result + 1 (0: not asked, as for a graph launch). */
  uint64_t param_key;
  uint8_t params;
} lsc_cupti_launch_config;

typedef struct {
  uint32_t correlation_id;
  uint32_t cbid;         /* CUPTI_DRIVER_TRACE_CBID_*; CUPTI_RUNTIME_TRACE_CBID_* for LSC_CALL_RUNTIME */
  lsc_call_kind kind;
  uint64_t api_start_ns; /* CLOCK_MONOTONIC */
  uint64_t api_ns;       /* 0 when in_engine_launch: the exit time is not read */
  int32_t return_value;  /* CUresult; cudaError_t for LSC_CALL_RUNTIME */
  const char *symbol_name; /* the kernel launched (CUPTI's symbolName): valid during the call only */
  /* Made inside fl_launch / fl_launch_default (fl_launch_in_progress): the engine's event for
   * that launch follows on this thread, and its end stands for the API exit. */
  bool in_engine_launch;
  /* A launch of the program's own (not the engine's): the configuration the call passed, or
   * NULL; valid during the call only. */
  const struct lsc_cupti_launch_config *config;
} lsc_cupti_api_record;

typedef struct {
  uint32_t correlation_id;
  uint64_t start_ns, end_ns; /* CLOCK_MONOTONIC, converted from CUPTI's clock */
  uint32_t device_id, context_id, stream_id;
  int32_t grid[3], block[3];
  int32_t shared_mem, registers;
  const char *name; /* valid during the callback only */
} lsc_cupti_kernel_record;

typedef struct {
  /* Called on the launching thread at API exit: must be quick (hot path). */
  void (*api) (const lsc_cupti_api_record *record, void *user_data);
  /* Called on CUPTI's thread for every kernel execution record. */
  void (*kernel) (const lsc_cupti_kernel_record *record, void *user_data);
  void *user_data;
  /* Also enable the synchronisation, copy and allocation callbacks (kind SYNC, COPY, ALLOC
   * records to the api sink); off, only launches reach it. */
  bool calls;
  /* Infer each launch's spec key from its parameter values (record --params). */
  bool params;
  /* Also enable the runtime callbacks of the launch calls (cudaLaunchKernel and the like) and,
   * with calls, of the synchronisation, copy and allocation ones: LSC_CALL_RUNTIME records,
   * one per call at its exit.  A launch stays one record, its driver call's. */
  bool runtime;
  /* Called on the program's thread when it calls cudaProfilerStart (open) or cudaProfilerStop
   * (cuProfilerStart/Stop underneath), for a capture range the program sets itself; NULL
   * leaves those calls alone. */
  void (*range) (bool open, void *user_data);
  /* Called on the program's thread when cuModuleGetFunction hands it a function from a module it
   * loaded itself (a JIT's kernel: Triton, Inductor, Helion; the runtime gets its own kernels
   * otherwise), with the name asked for (valid during the call only); NULL leaves those calls
   * alone.  Seen from start to stop, whatever the capture window, so a kernel loaded before the
   * window is known inside it. */
  void (*function) (uint64_t function, const char *name, void *user_data);
} lsc_cupti_sinks;

typedef enum { LSC_CUPTI_OK = 0, LSC_CUPTI_UNAVAILABLE, LSC_CUPTI_HELD, LSC_CUPTI_FAILED } lsc_cupti_result;

/* The driver function a cbid names ("cuMemcpyHtoDAsync_v2"), or NULL when unknown or CUPTI
 * is not loaded. */
const char *lsc_cupti_call_name (uint32_t cbid);
/* The runtime function a runtime cbid names, without CUPTI's version suffix ("cudaLaunchKernel"
 * for cudaLaunchKernel_v7000): its first *len bytes; NULL when unknown or not classified. */
const char *lsc_cupti_runtime_call_name (uint32_t cbid, int *len);

/* Loads libcupti (explicit path wins; else $CUDA_HOME/lib64, /usr/local/cuda/lib64, then the
 * loader path), subscribes and enables the launch callbacks, and activity tracing when asked.
 * status gets a one-line description for the session row and the UI. */
lsc_cupti_result lsc_cupti_start (const char *library, bool activity, const lsc_cupti_sinks *sinks, char *status,
                                  size_t status_size);
/* While subscribed, turn the launch callbacks or kernel activity on and off without
 * unsubscribing (activity only if lsc_cupti_start asked for it).  For measuring what each
 * costs inside one process; no effect when not running. */
void lsc_cupti_set_callbacks (bool on);
void lsc_cupti_set_activity (bool on);
/* Paused, neither the launch callbacks nor kernel activity run, whatever was asked of them;
 * resumed, both are back as last asked (a change asked for meanwhile takes effect then).  For
 * timing launches with nothing recorded inside a recording (lsc-floor.h). */
void lsc_cupti_pause (bool paused);
/* With off, our launch callback returns as its first step, doing nothing (no clock reads, no
 * API records): the callbacks stay enabled, so what remains is CUPTI's own dispatch cost.  For
 * launchscope-cli overhead; lsc_cupti_start turns the work back on. */
void lsc_cupti_set_callback_work (bool on);

/* Closed, the callbacks record nothing (they still run, costing CUPTI's dispatch): outside a
 * capture range.  Open at start. */
void lsc_cupti_set_gate (bool open);

/* Flushes activity buffers (delivering the remaining kernel records) and detaches CUPTI from
 * the process (cuptiFinalize), so launches stop paying for an attached tool; where that cannot
 * be done (no cuptiFinalize, or its driver call never reached the callback), unsubscribes.
 * True when CUPTI was detached. */
bool lsc_cupti_stop (void);
bool lsc_cupti_running (void);
