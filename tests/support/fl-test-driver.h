/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver.h — a test double of the CUDA driver and NVRTC for libfastlaunch.
 *
 * TEST-ONLY: for unit tests and CPU benchmarks, never for user-facing binaries.  It fills an
 * fl_driver and an fl_nvrtc table with fakes and installs them with fl_driver_install().
 *
 * It models what the engine relies on, truthfully:
 *  - contexts are per-thread (a new thread has none current); each device has one primary
 *    context; cuCtxCreate makes an extra one and makes it current, as the driver does;
 *  - device memory is real host memory (256-byte aligned), so kernels can run on the CPU;
 *  - NVRTC checks its options, fails on the marker FL_TEST_COMPILE_ERROR with a log naming the
 *    line ("<name>(LINE): error: ..."), and produces a text "cubin" holding the source hash, the
 *    arch and every option; cuModuleLoadData rejects anything else (CUDA_ERROR_INVALID_IMAGE),
 *    a cubin for another arch (CUDA_ERROR_NO_BINARY_FOR_GPU), and a corrupted one;
 *  - cuLaunchKernel validates like the driver, then runs entry "add" on the CPU exactly as the
 *    built-in add<N> kernel is specialized (FL_ALL_ALIGNED binary on an unaligned pointer:
 *    CUDA_ERROR_MISALIGNED_ADDRESS, a sticky error; FL_ONE_ARG / FL_DIV16_ARG binaries compute
 *    1 or n & ~15 elements), runs nothing for any other entry, and records every launch;
 *  - stream capture records launches into a graph instead of running them (with the parameter
 *    values of capture time); the legacy stream cannot be captured; a second begin on a
 *    capturing stream is CUDA_ERROR_ILLEGAL_STATE; unsafe calls during a non-relaxed capture
 *    (memory management, copies, synchronization) fail with
 *    CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED and invalidate it, and legacy-stream work while a
 *    blocking stream captures fails with CUDA_ERROR_STREAM_CAPTURE_IMPLICIT.
 *
 * Every handle passed in is looked up before use, so a stale handle is an error, not a crash.
 * Thread safety: every function may be called from any thread (one mutex; a test double).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cuda.h>
#include <nvrtc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FL_TEST_DRIVER_DEVICE_NAME "Test double (not a GPU)"
#define FL_TEST_DRIVER_MAX_DEVICES 8
#define FL_TEST_DRIVER_LOG_PARAMS 64

/* Frees every object of the double (contexts, memory, modules, streams, graphs, programs,
 * launch log, counters, pending faults), resets it to 1 device of compute capability 9.0, and
 * installs its tables with fl_driver_install().  Aborts if the engine rejects them. */
void fl_test_driver_install (void);

/* Number of devices (1 .. FL_TEST_DRIVER_MAX_DEVICES).  Call after install, before use. */
void fl_test_driver_set_device_count (int count);
/* Compute capability of one device (default 9.0).  Call after install, before use. */
void fl_test_driver_set_compute_capability (int device, int major, int minor);

/* Creates an extra context on device; unlike cuCtxCreate it does NOT change the calling
 * thread's current context.  Destroyed by cuCtxDestroy or the next install. */
CUcontext fl_test_driver_new_context (int device);
/* The primary context of device (created if needed; not retained, not made current). */
CUcontext fl_test_driver_primary_context (int device);
/* The sticky error of ctx (CUDA_SUCCESS if none): a misaligned or illegal address fault. */
CUresult fl_test_driver_context_error (CUcontext ctx);

/* Leak checks: outstanding objects the engine or the test created and has not released. */
size_t fl_test_driver_live_allocations (void);
size_t fl_test_driver_live_modules (void);
size_t fl_test_driver_live_streams (void);
size_t fl_test_driver_live_graphs (void); /* CUgraph and CUgraphExec together */
size_t fl_test_driver_live_programs (void);

/* ---- NVRTC ---- */

/* nvrtcCompileProgram runs that reached the compiler (failed ones included, injected faults
 * not). */
uint64_t fl_test_driver_compiles (void);
/* Options of the last nvrtcCompileProgram run, one per line ("" before any).  Copy; free(). */
char *fl_test_driver_last_compile_options (void);
bool fl_test_driver_last_compile_has_option (const char *option);
/* Program name of the last compile ("" before any).  Copy; free(). */
char *fl_test_driver_last_compile_name (void);

/* ---- modules and binaries ---- */

uint64_t fl_test_driver_module_loads (void);   /* successful cuModuleLoadData calls */
uint64_t fl_test_driver_module_unloads (void); /* successful cuModuleUnload calls */

/* Each successful cuModuleLoadData gets a new binary id (1, 2, ...).  The binary's options stay
 * queryable after the module is unloaded, until the next install. */
uint64_t fl_test_driver_function_binary (CUfunction function); /* 0: not a live function */
CUcontext fl_test_driver_function_context (CUfunction function);
/* The value of -D<name>[=<value>] the binary was compiled with ("1" when no value). */
bool fl_test_driver_binary_define (uint64_t binary_id, const char *name, int64_t *value);
bool fl_test_driver_binary_has_option (uint64_t binary_id, const char *option);

/* ---- launches ---- */

typedef struct {
  uint64_t index;         /* 0-based position in the launch log */
  CUfunction function;
  char entry[64];
  uint64_t binary_id;
  CUcontext context;      /* the function's context */
  unsigned grid[3], block[3];
  unsigned shared_mem_bytes;
  CUstream stream;
  unsigned n_params;      /* parameters the entry declares */
  uint64_t params[FL_TEST_DRIVER_LOG_PARAMS]; /* the first 64 parameter slots, 8 bytes each */
  bool captured;          /* recorded into a capturing stream's graph, not run */
  bool from_graph;        /* run by cuGraphLaunch */
  CUresult result;        /* CUDA_SUCCESS, or the fault the kernel raised */
} fl_test_launch;

/* Launches that reached the device: run (faulted ones included), captured, or replayed from a
 * graph.  Calls the driver rejected (bad grid, wrong context, ...) are not in the log. */
uint64_t fl_test_driver_launch_count (void);
/* Copies launch index (only the newest 4096 are kept); false if absent. */
bool fl_test_driver_launch_at (uint64_t index, fl_test_launch *out);
bool fl_test_driver_last_launch (fl_test_launch *out);

/* A binary compiled with FL_ALL_ALIGNED=1 met an unaligned pointer (a real GPU faults). */
uint64_t fl_test_driver_misaligned_faults (void);
/* A kernel touched memory outside any live allocation. */
uint64_t fl_test_driver_illegal_address_faults (void);
/* cuLaunchKernel with a function of another context than the caller's current one. */
uint64_t fl_test_driver_cross_context_launches (void);
/* Launches whose arguments contradict how the binary was specialized: FL_ALIGN16_ARG<i>,
 * FL_ONE_ARG<i> or FL_DIV16_ARG<i> say one class, the argument is of another.  A correct
 * engine keeps this at 0. */
uint64_t fl_test_driver_specialization_violations (void);

/* ---- fault injection and call counting ---- */

/* The next call of entry_point ("cuModuleLoadData", "nvrtcCompileProgram", ...) from any thread
 * fails with result (for NVRTC entry points pass (CUresult) an nvrtcResult) and does nothing
 * else.  Calls queue: two fail_next make the next two calls fail.  nvrtcGetErrorString returns
 * a string and cannot fail.  Aborts on an unknown name. */
void fl_test_driver_fail_next (const char *entry_point, CUresult result);

/* The call of entry_point after the next `skip` calls (from any thread) fails with result and
 * does nothing else: skip 0 is the next call, like fail_next.  One countdown per entry point;
 * a new one replaces it.  For making the k-th call site of an operation fail.  Aborts on an
 * unknown name. */
void fl_test_driver_fail_nth (const char *entry_point, uint64_t skip, CUresult result);
/* True while an injected fault (fail_next or fail_nth) has not fired yet. */
bool fl_test_driver_fault_pending (void);
/* Drops every pending injected fault. */
void fl_test_driver_clear_faults (void);

/* The entry points the double counts and can fail, by index (NULL past the end). */
unsigned fl_test_driver_entry_point_count (void);
const char *fl_test_driver_entry_point_name (unsigned index);

/* Calls of entry_point since install or fl_test_driver_reset_calls().  Aborts on an unknown
 * name. */
uint64_t fl_test_driver_calls (const char *entry_point);
/* Calls of every driver and NVRTC entry point together. */
uint64_t fl_test_driver_calls_total (void);
void fl_test_driver_reset_calls (void);

#ifdef __cplusplus
}
#endif
