/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-driver.c — the driver and NVRTC tables: dlopen + cuGetProcAddress, or a test double.
 *
 * Nothing links libcuda at build time, so every binary starts on a machine without a GPU and
 * can say why it cannot launch.  The tables are written once, before any launch, then read
 * without locks; fl__driver_ready (release/acquire) publishes them.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fl-private.h"

fl_driver fl__drv;
fl_nvrtc fl__nvrtc;
atomic_bool fl__driver_ready;
static atomic_bool fl__nvrtc_ready;
static atomic_int fl__driver_version_value;
static pthread_mutex_t fl__load_lock = PTHREAD_MUTEX_INITIALIZER;
#define FL__MAX_DEVICES 64
/* The primary context fl_use_device() retained per device, for the installed table only:
 * fl_driver_install() forgets them, since a context of one table means nothing to the next. */
static _Atomic (CUcontext) fl__primary[FL__MAX_DEVICES];

/* ISO C forbids casting dlsym's object pointer to a function pointer; copy the bits. */
#define FL_DLSYM(dst, lib, name)                                                                    \
  do                                                                                                \
    {                                                                                               \
      void *fl_sym_ = dlsym ((lib), (name));                                                        \
      memcpy (&(dst), &fl_sym_, sizeof fl_sym_);                                                    \
    }                                                                                               \
  while (0)

bool
fl_driver_ready (void)
{
  return atomic_load_explicit (&fl__driver_ready, memory_order_acquire);
}

const fl_driver *
fl_driver_get (void)
{
  return fl_driver_ready () ? &fl__drv : NULL;
}

int
fl_driver_version (void)
{
  return atomic_load (&fl__driver_version_value);
}

void
fl_nvrtc_version (int *major, int *minor)
{
  int ma = 0, mi = 0;
  if (atomic_load_explicit (&fl__nvrtc_ready, memory_order_acquire) && fl__nvrtc.nvrtcVersion)
    fl__nvrtc.nvrtcVersion (&ma, &mi);
  if (major)
    *major = ma;
  if (minor)
    *minor = mi;
}

/* Every CUresult of the cuda.h the engine was written against (13.0), by number rather than by
 * enumerator so an older header still builds.  Names a code without a driver (a report read on
 * a machine with none) and without a buffer: each name lives as long as the process. */
static const struct {
  int code;
  const char *name;
} fl__cuda_errors[] = {
  { 0, "CUDA_SUCCESS" },
  { 1, "CUDA_ERROR_INVALID_VALUE" },
  { 2, "CUDA_ERROR_OUT_OF_MEMORY" },
  { 3, "CUDA_ERROR_NOT_INITIALIZED" },
  { 4, "CUDA_ERROR_DEINITIALIZED" },
  { 5, "CUDA_ERROR_PROFILER_DISABLED" },
  { 6, "CUDA_ERROR_PROFILER_NOT_INITIALIZED" },
  { 7, "CUDA_ERROR_PROFILER_ALREADY_STARTED" },
  { 8, "CUDA_ERROR_PROFILER_ALREADY_STOPPED" },
  { 34, "CUDA_ERROR_STUB_LIBRARY" },
  { 36, "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER" },
  { 46, "CUDA_ERROR_DEVICE_UNAVAILABLE" },
  { 100, "CUDA_ERROR_NO_DEVICE" },
  { 101, "CUDA_ERROR_INVALID_DEVICE" },
  { 102, "CUDA_ERROR_DEVICE_NOT_LICENSED" },
  { 200, "CUDA_ERROR_INVALID_IMAGE" },
  { 201, "CUDA_ERROR_INVALID_CONTEXT" },
  { 202, "CUDA_ERROR_CONTEXT_ALREADY_CURRENT" },
  { 205, "CUDA_ERROR_MAP_FAILED" },
  { 206, "CUDA_ERROR_UNMAP_FAILED" },
  { 207, "CUDA_ERROR_ARRAY_IS_MAPPED" },
  { 208, "CUDA_ERROR_ALREADY_MAPPED" },
  { 209, "CUDA_ERROR_NO_BINARY_FOR_GPU" },
  { 210, "CUDA_ERROR_ALREADY_ACQUIRED" },
  { 211, "CUDA_ERROR_NOT_MAPPED" },
  { 212, "CUDA_ERROR_NOT_MAPPED_AS_ARRAY" },
  { 213, "CUDA_ERROR_NOT_MAPPED_AS_POINTER" },
  { 214, "CUDA_ERROR_ECC_UNCORRECTABLE" },
  { 215, "CUDA_ERROR_UNSUPPORTED_LIMIT" },
  { 216, "CUDA_ERROR_CONTEXT_ALREADY_IN_USE" },
  { 217, "CUDA_ERROR_PEER_ACCESS_UNSUPPORTED" },
  { 218, "CUDA_ERROR_INVALID_PTX" },
  { 219, "CUDA_ERROR_INVALID_GRAPHICS_CONTEXT" },
  { 220, "CUDA_ERROR_NVLINK_UNCORRECTABLE" },
  { 221, "CUDA_ERROR_JIT_COMPILER_NOT_FOUND" },
  { 222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION" },
  { 223, "CUDA_ERROR_JIT_COMPILATION_DISABLED" },
  { 224, "CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY" },
  { 225, "CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC" },
  { 226, "CUDA_ERROR_CONTAINED" },
  { 300, "CUDA_ERROR_INVALID_SOURCE" },
  { 301, "CUDA_ERROR_FILE_NOT_FOUND" },
  { 302, "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND" },
  { 303, "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED" },
  { 304, "CUDA_ERROR_OPERATING_SYSTEM" },
  { 400, "CUDA_ERROR_INVALID_HANDLE" },
  { 401, "CUDA_ERROR_ILLEGAL_STATE" },
  { 402, "CUDA_ERROR_LOSSY_QUERY" },
  { 500, "CUDA_ERROR_NOT_FOUND" },
  { 600, "CUDA_ERROR_NOT_READY" },
  { 700, "CUDA_ERROR_ILLEGAL_ADDRESS" },
  { 701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES" },
  { 702, "CUDA_ERROR_LAUNCH_TIMEOUT" },
  { 703, "CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING" },
  { 704, "CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED" },
  { 705, "CUDA_ERROR_PEER_ACCESS_NOT_ENABLED" },
  { 708, "CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE" },
  { 709, "CUDA_ERROR_CONTEXT_IS_DESTROYED" },
  { 710, "CUDA_ERROR_ASSERT" },
  { 711, "CUDA_ERROR_TOO_MANY_PEERS" },
  { 712, "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED" },
  { 713, "CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED" },
  { 714, "CUDA_ERROR_HARDWARE_STACK_ERROR" },
  { 715, "CUDA_ERROR_ILLEGAL_INSTRUCTION" },
  { 716, "CUDA_ERROR_MISALIGNED_ADDRESS" },
  { 717, "CUDA_ERROR_INVALID_ADDRESS_SPACE" },
  { 718, "CUDA_ERROR_INVALID_PC" },
  { 719, "CUDA_ERROR_LAUNCH_FAILED" },
  { 720, "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE" },
  { 721, "CUDA_ERROR_TENSOR_MEMORY_LEAK" },
  { 800, "CUDA_ERROR_NOT_PERMITTED" },
  { 801, "CUDA_ERROR_NOT_SUPPORTED" },
  { 802, "CUDA_ERROR_SYSTEM_NOT_READY" },
  { 803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH" },
  { 804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE" },
  { 805, "CUDA_ERROR_MPS_CONNECTION_FAILED" },
  { 806, "CUDA_ERROR_MPS_RPC_FAILURE" },
  { 807, "CUDA_ERROR_MPS_SERVER_NOT_READY" },
  { 808, "CUDA_ERROR_MPS_MAX_CLIENTS_REACHED" },
  { 809, "CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED" },
  { 810, "CUDA_ERROR_MPS_CLIENT_TERMINATED" },
  { 811, "CUDA_ERROR_CDP_NOT_SUPPORTED" },
  { 812, "CUDA_ERROR_CDP_VERSION_MISMATCH" },
  { 900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED" },
  { 901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED" },
  { 902, "CUDA_ERROR_STREAM_CAPTURE_MERGE" },
  { 903, "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED" },
  { 904, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED" },
  { 905, "CUDA_ERROR_STREAM_CAPTURE_ISOLATION" },
  { 906, "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT" },
  { 907, "CUDA_ERROR_CAPTURED_EVENT" },
  { 908, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD" },
  { 909, "CUDA_ERROR_TIMEOUT" },
  { 910, "CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE" },
  { 911, "CUDA_ERROR_EXTERNAL_DEVICE" },
  { 912, "CUDA_ERROR_INVALID_CLUSTER_SIZE" },
  { 913, "CUDA_ERROR_FUNCTION_NOT_LOADED" },
  { 914, "CUDA_ERROR_INVALID_RESOURCE_TYPE" },
  { 915, "CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION" },
  { 916, "CUDA_ERROR_KEY_ROTATION" },
  { 999, "CUDA_ERROR_UNKNOWN" },
};

static const char *
fl__cuda_error_known_name (CUresult result)
{
  size_t lo = 0, hi = sizeof fl__cuda_errors / sizeof fl__cuda_errors[0];
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (fl__cuda_errors[mid].code == (int) result)
        return fl__cuda_errors[mid].name;
      if (fl__cuda_errors[mid].code < (int) result)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

/* The name from the table, else from driver table d (a code newer than the header; the
 * driver's strings stay as long as the library, which is never unloaded once in use). */
static const char *
fl__cuda_error_name_with (const fl_driver *d, CUresult result)
{
  const char *name = fl__cuda_error_known_name (result);
  if (!name && d && d->cuGetErrorName && (d->cuGetErrorName (result, &name) != CUDA_SUCCESS || !name))
    name = NULL;
  return name;
}

/* "NAME: text" through table d (which may be one being installed), else the number. */
static void
fl__cuda_error_describe_with (const fl_driver *d, CUresult result, char *buf, size_t size)
{
  const char *name = fl__cuda_error_name_with (d, result), *text = NULL;
  if (d && d->cuGetErrorString && d->cuGetErrorString (result, &text) != CUDA_SUCCESS)
    text = NULL;
  if (name && text)
    snprintf (buf, size, "%s: %s", name, text);
  else if (name)
    snprintf (buf, size, "%s", name);
  else if (text)
    snprintf (buf, size, "CUDA error %d: %s", (int) result, text);
  else
    snprintf (buf, size, "CUDA error %d", (int) result);
}

void
fl__cuda_error_describe (CUresult result, char *buf, size_t size)
{
  fl__cuda_error_describe_with (fl_driver_ready () ? &fl__drv : NULL, result, buf, size);
}

const char *
fl_cuda_error_name (CUresult result)
{
  const char *name = fl__cuda_error_name_with (fl_driver_ready () ? &fl__drv : NULL, result);
  return name ? name : "unrecognised CUDA error";
}

fl_status
fl__require_driver (void)
{
  if (FL_LIKELY (fl_driver_ready ()))
    return FL_OK;
  return fl__fail (FL_ERR_NO_DRIVER, "no CUDA driver is loaded: call fl_driver_load() first");
}

fl_status
fl__require_nvrtc (void)
{
  if (atomic_load_explicit (&fl__nvrtc_ready, memory_order_acquire))
    return FL_OK;
  return fl__fail (FL_ERR_NO_NVRTC, "NVRTC is not loaded (libnvrtc.so.13 was not found): kernels cannot be compiled");
}

static fl_status
fl__driver_init (void)
{
  CUresult r = fl__drv.cuInit (0);
  if (r == CUDA_ERROR_STUB_LIBRARY)
    return fl__fail (FL_ERR_NO_DRIVER, "libcuda.so.1 is the toolkit's stub library, not a driver: no GPU driver installed");
  if (r != CUDA_SUCCESS) /* the table is not published yet: name the error through it directly */
    {
      char why[256];
      fl__cuda_error_describe_with (&fl__drv, r, why, sizeof why);
      return fl__fail (FL_ERR_NO_DRIVER, "cuInit failed: the CUDA driver is present but unusable: %s", why);
    }
  int version = 0;
  if (!fl__drv.cuDriverGetVersion || fl__drv.cuDriverGetVersion (&version) != CUDA_SUCCESS)
    version = 0; /* unknown; never the previous table's */
  atomic_store (&fl__driver_version_value, version);
  return FL_OK;
}

fl_status
fl_driver_install (const fl_driver *driver, const fl_nvrtc *nvrtc)
{
  if (!driver || !driver->cuInit || !driver->cuLaunchKernel || !driver->cuCtxGetCurrent)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_driver_install: table lacks cuInit, cuLaunchKernel or cuCtxGetCurrent");
  pthread_mutex_lock (&fl__load_lock);
  atomic_store_explicit (&fl__driver_ready, false, memory_order_release);
  for (unsigned i = 0; i < FL__MAX_DEVICES; i++)
    atomic_store (&fl__primary[i], NULL);
  fl__drv = *driver;
  if (nvrtc)
    fl__nvrtc = *nvrtc;
  else
    memset (&fl__nvrtc, 0, sizeof fl__nvrtc);
  atomic_store_explicit (&fl__nvrtc_ready, nvrtc != NULL, memory_order_release);
  fl_status st = fl__driver_init ();
  if (st == FL_OK)
    atomic_store_explicit (&fl__driver_ready, true, memory_order_release);
  pthread_mutex_unlock (&fl__load_lock);
  return st;
}

static void *
fl__dlopen_first (const char *const *names, char *why, size_t why_size)
{
  why[0] = '\0';
  for (unsigned i = 0; names[i]; i++)
    {
      if (!names[i][0])
        continue;
      void *lib = dlopen (names[i], RTLD_NOW | RTLD_LOCAL);
      if (lib)
        return lib;
      if (!why[0])
        snprintf (why, why_size, "%s", dlerror ());
    }
  return NULL;
}

static fl_status
fl__nvrtc_load (void)
{
  if (atomic_load (&fl__nvrtc_ready))
    return FL_OK;
  char home_path[1024] = "";
  const char *home = getenv ("CUDA_HOME");
  if (home && *home)
    snprintf (home_path, sizeof home_path, "%s/lib64/libnvrtc.so", home);
  const char *const names[] = { "libnvrtc.so.13", "libnvrtc.so.12", home_path, "/usr/local/cuda/lib64/libnvrtc.so",
                                "libnvrtc.so", NULL };
  char why[512];
  void *lib = fl__dlopen_first (names, why, sizeof why);
  if (!lib)
    return fl__fail (FL_ERR_NO_NVRTC, "NVRTC not found (%s): kernels cannot be compiled", why);
  fl_nvrtc t = { 0 };
  FL_DLSYM (t.nvrtcVersion, lib, "nvrtcVersion");
  FL_DLSYM (t.nvrtcGetErrorString, lib, "nvrtcGetErrorString");
  FL_DLSYM (t.nvrtcCreateProgram, lib, "nvrtcCreateProgram");
  FL_DLSYM (t.nvrtcCompileProgram, lib, "nvrtcCompileProgram");
  FL_DLSYM (t.nvrtcGetProgramLogSize, lib, "nvrtcGetProgramLogSize");
  FL_DLSYM (t.nvrtcGetProgramLog, lib, "nvrtcGetProgramLog");
  FL_DLSYM (t.nvrtcGetCUBINSize, lib, "nvrtcGetCUBINSize");
  FL_DLSYM (t.nvrtcGetCUBIN, lib, "nvrtcGetCUBIN");
  FL_DLSYM (t.nvrtcDestroyProgram, lib, "nvrtcDestroyProgram");
  if (!t.nvrtcVersion || !t.nvrtcCreateProgram || !t.nvrtcCompileProgram || !t.nvrtcGetCUBIN
      || !t.nvrtcGetProgramLog || !t.nvrtcDestroyProgram || !t.nvrtcGetCUBINSize || !t.nvrtcGetProgramLogSize)
    {
      dlclose (lib);
      return fl__fail (FL_ERR_NO_NVRTC, "libnvrtc lacks nvrtcGetCUBIN or another entry point (too old?)");
    }
  fl__nvrtc = t;
  atomic_store_explicit (&fl__nvrtc_ready, true, memory_order_release);
  return FL_OK;
}

static fl_status
fl__driver_table_load (void)
{
  if (fl_driver_ready ())
    return FL_OK;

  pthread_mutex_lock (&fl__load_lock);
  fl_status st = FL_OK;
  if (fl_driver_ready ())
    goto out;

  const char *const names[] = { "libcuda.so.1", NULL };
  char why[512];
  void *lib = fl__dlopen_first (names, why, sizeof why);
  if (!lib)
    {
      st = fl__fail (FL_ERR_NO_DRIVER, "no CUDA driver found (%s)", why);
      goto out;
    }

  PFN_cuGetProcAddress_v12000 gpa;
  FL_DLSYM (gpa, lib, "cuGetProcAddress_v2");
  if (!gpa)
    {
      dlclose (lib);
      st = fl__fail (FL_ERR_NO_DRIVER, "libcuda.so.1 has no cuGetProcAddress_v2: the driver is older than CUDA 12");
      goto out;
    }

  fl_driver t = { 0 };
  const char *missing = NULL;
  /* Each entry point is requested at the ABI version of the PFN typedef its field uses. */
#define FL_RESOLVE(field, version)                                                                  \
  do                                                                                                \
    {                                                                                               \
      void *fl_p_ = NULL;                                                                           \
      CUdriverProcAddressQueryResult fl_q_;                                                         \
      if (gpa (#field, &fl_p_, (version), CU_GET_PROC_ADDRESS_DEFAULT, &fl_q_) != CUDA_SUCCESS      \
          || !fl_p_)                                                                                \
        missing = missing ? missing : #field;                                                       \
      memcpy (&t.field, &fl_p_, sizeof fl_p_);                                                      \
    }                                                                                               \
  while (0)
  FL_RESOLVE (cuInit, 2000);
  FL_RESOLVE (cuDriverGetVersion, 2020);
  FL_RESOLVE (cuGetErrorName, 6000);
  FL_RESOLVE (cuGetErrorString, 6000);
  FL_RESOLVE (cuDeviceGet, 2000);
  FL_RESOLVE (cuDeviceGetCount, 2000);
  FL_RESOLVE (cuDeviceGetName, 2000);
  FL_RESOLVE (cuDeviceGetAttribute, 2000);
  FL_RESOLVE (cuDevicePrimaryCtxRetain, 7000);
  FL_RESOLVE (cuDevicePrimaryCtxRelease, 11000);
  FL_RESOLVE (cuCtxCreate, 3020);
  FL_RESOLVE (cuCtxDestroy, 4000);
  FL_RESOLVE (cuCtxGetCurrent, 4000);
  FL_RESOLVE (cuCtxSetCurrent, 4000);
  FL_RESOLVE (cuCtxGetDevice, 2000);
  FL_RESOLVE (cuCtxSynchronize, 2000);
  FL_RESOLVE (cuModuleLoadData, 2000);
  FL_RESOLVE (cuModuleUnload, 2000);
  FL_RESOLVE (cuModuleGetFunction, 2000);
  FL_RESOLVE (cuLaunchKernel, 4000);
  FL_RESOLVE (cuStreamCreate, 2000);
  FL_RESOLVE (cuStreamDestroy, 4000);
  FL_RESOLVE (cuStreamSynchronize, 2000);
  FL_RESOLVE (cuStreamBeginCapture, 10010);
  FL_RESOLVE (cuStreamEndCapture, 10000);
  FL_RESOLVE (cuStreamIsCapturing, 10000);
  FL_RESOLVE (cuGraphInstantiateWithFlags, 11040);
  FL_RESOLVE (cuGraphLaunch, 10000);
  FL_RESOLVE (cuGraphGetNodes, 10000);
  FL_RESOLVE (cuGraphDestroy, 10000);
  FL_RESOLVE (cuGraphExecDestroy, 10000);
  FL_RESOLVE (cuMemAlloc, 3020);
  FL_RESOLVE (cuMemFree, 3020);
  FL_RESOLVE (cuMemcpyHtoD, 3020);
  FL_RESOLVE (cuMemcpyDtoH, 3020);
  FL_RESOLVE (cuMemsetD8, 3020);
#undef FL_RESOLVE
  if (!t.cuInit)
    FL_DLSYM (t.cuInit, lib, "cuInit");
  if (missing && (!t.cuInit || !t.cuLaunchKernel || !t.cuCtxGetCurrent))
    {
      dlclose (lib);
      st = fl__fail (FL_ERR_NO_DRIVER, "libcuda.so.1 did not provide %s through cuGetProcAddress", missing);
      goto out;
    }

  fl__drv = t;
  st = fl__driver_init ();
  if (st != FL_OK)
    {
      memset (&fl__drv, 0, sizeof fl__drv);
      goto out;
    }
  if (missing)
    fprintf (stderr, "fastlaunch: warning: driver lacks %s; features that need it will fail\n", missing);
  atomic_store_explicit (&fl__driver_ready, true, memory_order_release);

out:
  pthread_mutex_unlock (&fl__load_lock);
  return st;
}

fl_status
fl_driver_load (void)
{
  fl_status st = fl__driver_table_load ();
  return st != FL_OK ? st : fl__nvrtc_load ();
}

fl_status
fl_driver_load_without_nvrtc (void)
{
  return fl__driver_table_load ();
}

fl_status
fl_use_device (int ordinal)
{
  fl_status st = fl__require_driver ();
  if (st != FL_OK)
    return st;
  int count = 0;
  CUresult r = fl__drv.cuDeviceGetCount (&count);
  if (r != CUDA_SUCCESS)
    return fl__fail_cuda (r, "cuDeviceGetCount");
  if (ordinal < 0 || ordinal >= count)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "device %d does not exist (%d device%s present)", ordinal, count,
                     count == 1 ? "" : "s");
  CUdevice dev;
  CUcontext ctx;
  if ((r = fl__drv.cuDeviceGet (&dev, ordinal)) != CUDA_SUCCESS)
    return fl__fail_cuda (r, "cuDeviceGet(%d)", ordinal);
  /* One retain per device for the life of the installed driver table: the primary context is
   * shared with everything else in the process, and threads call this freely. */
  ctx = ordinal < FL__MAX_DEVICES ? atomic_load (&fl__primary[ordinal]) : NULL;
  if (!ctx)
    {
      if ((r = fl__drv.cuDevicePrimaryCtxRetain (&ctx, dev)) != CUDA_SUCCESS)
        return fl__fail_cuda (r, "cuDevicePrimaryCtxRetain(device %d)", ordinal);
      CUcontext expected = NULL;
      if (ordinal < FL__MAX_DEVICES && !atomic_compare_exchange_strong (&fl__primary[ordinal], &expected, ctx))
        fl__drv.cuDevicePrimaryCtxRelease (dev); /* another thread retained it first */
    }
  if ((r = fl__drv.cuCtxSetCurrent (ctx)) != CUDA_SUCCESS)
    return fl__fail_cuda (r, "cuCtxSetCurrent(device %d)", ordinal);
  return FL_OK;
}

/* Keeps the message in out->why as well as in fl_last_error(). */
static fl_status
fl__probe_fail (fl_probe_result *out, fl_status status)
{
  snprintf (out->why, sizeof out->why, "%s", fl_last_error ());
  return status;
}

fl_status
fl_probe (fl_probe_depth depth, int ordinal, fl_probe_result *out)
{
  if (!out)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_probe: out is NULL");
  memset (out, 0, sizeof *out);
  out->device = ordinal;
  if (depth == FL_PROBE_LIBRARY)
    {
      if (fl_driver_ready ())
        return FL_OK;
      const char *const names[] = { "libcuda.so.1", NULL };
      char why[512];
      void *lib = fl__dlopen_first (names, why, sizeof why);
      if (!lib)
        return fl__probe_fail (out, fl__fail (FL_ERR_NO_DRIVER, "no CUDA driver found (%s)", why));
      dlclose (lib);
      return FL_OK;
    }

  fl_status st = fl_driver_load_without_nvrtc ();
  if (st != FL_OK)
    return fl__probe_fail (out, st);
  out->driver_version = fl_driver_version ();
  CUresult r = fl__drv.cuDeviceGetCount (&out->device_count);
  if (r != CUDA_SUCCESS || out->device_count < 1)
    {
      char why[256] = "0 devices";
      if (r != CUDA_SUCCESS)
        fl__cuda_error_describe (r, why, sizeof why);
      out->device_count = 0;
      return fl__probe_fail (out, fl__fail (FL_ERR_NO_DRIVER, "the CUDA driver loaded, but it reports no device (%s)",
                                            why));
    }
  if (ordinal < 0 || ordinal >= out->device_count)
    return fl__probe_fail (out, fl__fail (FL_ERR_INVALID_ARGUMENT, "device %d does not exist (%d device%s present)",
                                          ordinal, out->device_count, out->device_count == 1 ? "" : "s"));
  CUdevice dev;
  if ((r = fl__drv.cuDeviceGet (&dev, ordinal)) != CUDA_SUCCESS)
    return fl__probe_fail (out, fl__fail_cuda (r, "cuDeviceGet(%d)", ordinal));
  if ((r = fl__drv.cuDeviceGetName (out->device_name, sizeof out->device_name, dev)) != CUDA_SUCCESS)
    return fl__probe_fail (out, fl__fail_cuda (r, "cuDeviceGetName(device %d)", ordinal));
  fl__drv.cuDeviceGetAttribute (&out->cc_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
  fl__drv.cuDeviceGetAttribute (&out->cc_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
  fl__drv.cuDeviceGetAttribute (&out->sm_count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
  if (depth < FL_PROBE_COMPILE)
    return FL_OK;
  st = fl__nvrtc_load ();
  if (st != FL_OK)
    {
      char why[400];
      snprintf (why, sizeof why, "%s", fl_last_error ());
      return fl__probe_fail (out, fl__fail (st, "the CUDA driver loaded, but %s", why));
    }
  fl_nvrtc_version (&out->nvrtc_major, &out->nvrtc_minor);
  return FL_OK;
}
