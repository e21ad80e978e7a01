/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fastlaunch-driver.h — the table of CUDA Driver API and NVRTC entry points the engine calls.
 *
 * fl_driver_load() fills it from libcuda.so.1 and libnvrtc; a test double may install its own
 * with fl_driver_install().  Each field is typed with the cudaTypedefs.h PFN of the ABI version
 * the loader requests from cuGetProcAddress, so the two can never disagree.
 */
#pragma once

#include <cuda.h>
#include <cudaTypedefs.h>
#include <nvrtc.h>

#include "fastlaunch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  PFN_cuInit_v2000 cuInit;
  PFN_cuDriverGetVersion_v2020 cuDriverGetVersion;
  PFN_cuGetErrorName_v6000 cuGetErrorName;
  PFN_cuGetErrorString_v6000 cuGetErrorString;
  PFN_cuDeviceGet_v2000 cuDeviceGet;
  PFN_cuDeviceGetCount_v2000 cuDeviceGetCount;
  PFN_cuDeviceGetName_v2000 cuDeviceGetName;
  PFN_cuDeviceGetAttribute_v2000 cuDeviceGetAttribute;
  PFN_cuDevicePrimaryCtxRetain_v7000 cuDevicePrimaryCtxRetain;
  PFN_cuDevicePrimaryCtxRelease_v11000 cuDevicePrimaryCtxRelease;
  PFN_cuCtxCreate_v3020 cuCtxCreate;
  PFN_cuCtxDestroy_v4000 cuCtxDestroy;
  PFN_cuCtxGetCurrent_v4000 cuCtxGetCurrent;
  PFN_cuCtxSetCurrent_v4000 cuCtxSetCurrent;
  PFN_cuCtxGetDevice_v2000 cuCtxGetDevice;
  PFN_cuCtxSynchronize_v2000 cuCtxSynchronize;
  PFN_cuModuleLoadData_v2000 cuModuleLoadData;
  PFN_cuModuleUnload_v2000 cuModuleUnload;
  PFN_cuModuleGetFunction_v2000 cuModuleGetFunction;
  PFN_cuLaunchKernel_v4000 cuLaunchKernel;
  PFN_cuStreamCreate_v2000 cuStreamCreate;
  PFN_cuStreamDestroy_v4000 cuStreamDestroy;
  PFN_cuStreamSynchronize_v2000 cuStreamSynchronize;
  PFN_cuStreamBeginCapture_v10010 cuStreamBeginCapture;
  PFN_cuStreamEndCapture_v10000 cuStreamEndCapture;
  PFN_cuStreamIsCapturing_v10000 cuStreamIsCapturing;
  PFN_cuGraphInstantiateWithFlags_v11040 cuGraphInstantiateWithFlags;
  PFN_cuGraphLaunch_v10000 cuGraphLaunch;
  PFN_cuGraphGetNodes_v10000 cuGraphGetNodes;
  PFN_cuGraphDestroy_v10000 cuGraphDestroy;
  PFN_cuGraphExecDestroy_v10000 cuGraphExecDestroy;
  PFN_cuMemAlloc_v3020 cuMemAlloc;
  PFN_cuMemFree_v3020 cuMemFree;
  PFN_cuMemcpyHtoD_v3020 cuMemcpyHtoD;
  PFN_cuMemcpyDtoH_v3020 cuMemcpyDtoH;
  PFN_cuMemsetD8_v3020 cuMemsetD8;
} fl_driver;

typedef struct {
  nvrtcResult (*nvrtcVersion) (int *major, int *minor);
  const char *(*nvrtcGetErrorString) (nvrtcResult result);
  nvrtcResult (*nvrtcCreateProgram) (nvrtcProgram *prog, const char *src, const char *name, int num_headers,
                                     const char *const *headers, const char *const *include_names);
  nvrtcResult (*nvrtcCompileProgram) (nvrtcProgram prog, int num_options, const char *const *options);
  nvrtcResult (*nvrtcGetProgramLogSize) (nvrtcProgram prog, size_t *size);
  nvrtcResult (*nvrtcGetProgramLog) (nvrtcProgram prog, char *log);
  nvrtcResult (*nvrtcGetCUBINSize) (nvrtcProgram prog, size_t *size);
  nvrtcResult (*nvrtcGetCUBIN) (nvrtcProgram prog, char *cubin);
  nvrtcResult (*nvrtcDestroyProgram) (nvrtcProgram *prog);
} fl_nvrtc;

/* Installs a driver table (a test double, or a table the embedder resolved itself).  Both are
 * copied.  Replaces any earlier table (and forgets the primary contexts fl_use_device()
 * retained through it): call before creating bound kernels, never while launching.  Calls
 * cuInit(0) and cuDriverGetVersion through the table. */
FL_API fl_status fl_driver_install (const fl_driver *driver, const fl_nvrtc *nvrtc);

/* The installed table (NULL if none), for tools that need extra driver calls (memory, streams)
 * without linking libcuda. */
FL_API const fl_driver *fl_driver_get (void);

/* The CUDA error's name ("CUDA_ERROR_MISALIGNED_ADDRESS"), as a string with static storage: never
 * NULL, never overwritten by a later call, so several may appear in one printf, and safe from any
 * thread.  Every code of CUDA 13.0's cuda.h is named without a driver; a newer code by the
 * driver, when one is loaded; any other code gives "unrecognised CUDA error" (print the number
 * beside it).  Engine errors (fl_last_error()) carry the name, the driver's text and, for an
 * unnamed code, the number. */
FL_API const char *fl_cuda_error_name (CUresult result);

#ifdef __cplusplus
}
#endif
