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

/* "NAME: text" through table d (which may be one being installed), else the number. */
static const char *
fl__error_name_with (const fl_driver *d, CUresult result)
{
  static _Thread_local char buf[256];
  const char *name = NULL, *text = NULL;
  if (d)
    {
      if (d->cuGetErrorName && d->cuGetErrorName (result, &name) != CUDA_SUCCESS)
        name = NULL;
      if (d->cuGetErrorString && d->cuGetErrorString (result, &text) != CUDA_SUCCESS)
        text = NULL;
    }
  if (name && text)
    snprintf (buf, sizeof buf, "%s: %s", name, text);
  else if (name)
    snprintf (buf, sizeof buf, "%s", name);
  else if (text)
    snprintf (buf, sizeof buf, "CUDA error %d: %s", (int) result, text);
  else
    snprintf (buf, sizeof buf, "CUDA error %d", (int) result);
  return buf;
}

const char *
fl_cuda_error_name (CUresult result)
{
  return fl__error_name_with (fl_driver_ready () ? &fl__drv : NULL, result);
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
    return fl__fail (FL_ERR_NO_DRIVER, "cuInit failed: the CUDA driver is present but unusable: %s",
                     fl__error_name_with (&fl__drv, r));
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

fl_status
fl_driver_load (void)
{
  if (fl_driver_ready ())
    return fl__nvrtc_load ();

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
  if (st != FL_OK)
    return st;
  return fl__nvrtc_load ();
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
