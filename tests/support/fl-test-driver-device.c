/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver-device.c — the driver test double's error names, devices, contexts and memory,
 * and the test API that sets devices up and reaches contexts directly.
 *
 * Contexts are per thread as the driver's are (a new thread has none current); device memory
 * is real host memory, so kernels can run on the CPU.  TEST-ONLY (see fl-test-driver.h).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl-test-driver-private.h"

/* ---- error names -------------------------------------------------------------------------- */

static const struct {
  CUresult code;
  const char *name, *text;
} td_errors[] = {
  { CUDA_SUCCESS, "CUDA_SUCCESS", "no error" },
  { CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument" },
  { CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory" },
  { CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error" },
  { CUDA_ERROR_DEINITIALIZED, "CUDA_ERROR_DEINITIALIZED", "driver shutting down" },
  { CUDA_ERROR_STUB_LIBRARY, "CUDA_ERROR_STUB_LIBRARY", "CUDA driver is a stub library" },
  { CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected" },
  { CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal" },
  { CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid" },
  { CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context" },
  { CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device" },
  { CUDA_ERROR_INVALID_SOURCE, "CUDA_ERROR_INVALID_SOURCE", "device kernel image is invalid" },
  { CUDA_ERROR_FILE_NOT_FOUND, "CUDA_ERROR_FILE_NOT_FOUND", "file not found" },
  { CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle" },
  { CUDA_ERROR_ILLEGAL_STATE, "CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in the present state" },
  { CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found" },
  { CUDA_ERROR_NOT_READY, "CUDA_ERROR_NOT_READY", "device not ready" },
  { CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered" },
  { CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch" },
  { CUDA_ERROR_LAUNCH_TIMEOUT, "CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated" },
  { CUDA_ERROR_CONTEXT_IS_DESTROYED, "CUDA_ERROR_CONTEXT_IS_DESTROYED", "context is destroyed" },
  { CUDA_ERROR_MISALIGNED_ADDRESS, "CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address" },
  { CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure" },
  { CUDA_ERROR_NOT_PERMITTED, "CUDA_ERROR_NOT_PERMITTED", "operation not permitted" },
  { CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported" },
  { CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing" },
  { CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "operation failed due to a previous error during capture" },
  { CUDA_ERROR_STREAM_CAPTURE_MERGE, "CUDA_ERROR_STREAM_CAPTURE_MERGE", "operation would result in a merge of separate capture sequences" },
  { CUDA_ERROR_STREAM_CAPTURE_UNMATCHED, "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED", "capture was not ended in the same stream as it began" },
  { CUDA_ERROR_STREAM_CAPTURE_UNJOINED, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED", "capturing stream has unjoined work" },
  { CUDA_ERROR_STREAM_CAPTURE_ISOLATION, "CUDA_ERROR_STREAM_CAPTURE_ISOLATION", "dependency created on uncaptured work in another stream" },
  { CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT", "operation would make the legacy stream depend on a capturing blocking stream" },
  { CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD", "attempt to terminate a thread-local capture sequence from another thread" },
  { CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error" },
};

static CUresult
td_cuGetErrorName (CUresult error, const char **pStr)
{
  CUresult fault;
  if (td_begin (TD_cuGetErrorName, &fault))
    return fault;
  td_end ();
  if (!pStr)
    return CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; i < sizeof td_errors / sizeof td_errors[0]; i++)
    if (td_errors[i].code == error)
      {
        *pStr = td_errors[i].name;
        return CUDA_SUCCESS;
      }
  *pStr = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}

static CUresult
td_cuGetErrorString (CUresult error, const char **pStr)
{
  CUresult fault;
  if (td_begin (TD_cuGetErrorString, &fault))
    return fault;
  td_end ();
  if (!pStr)
    return CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; i < sizeof td_errors / sizeof td_errors[0]; i++)
    if (td_errors[i].code == error)
      {
        *pStr = td_errors[i].text;
        return CUDA_SUCCESS;
      }
  *pStr = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}

/* ---- init, devices ------------------------------------------------------------------------ */

static CUresult
init_l (unsigned flags)
{
  if (flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  td_g.initialized = true;
  return CUDA_SUCCESS;
}

static CUresult
td_cuInit (unsigned int flags)
{
  TD_CALL (cuInit, init_l (flags));
}

static CUresult
driver_version_l (int *v)
{
  if (!v)
    return CUDA_ERROR_INVALID_VALUE;
  *v = 13000;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDriverGetVersion (int *v)
{
  TD_CALL (cuDriverGetVersion, driver_version_l (v));
}

static CUresult
device_get_l (CUdevice *dev, int ordinal)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!dev)
    return CUDA_ERROR_INVALID_VALUE;
  if (ordinal < 0 || ordinal >= td_g.device_count)
    return CUDA_ERROR_INVALID_DEVICE;
  *dev = ordinal;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDeviceGet (CUdevice *dev, int ordinal)
{
  TD_CALL (cuDeviceGet, device_get_l (dev, ordinal));
}

static CUresult
device_count_l (int *count)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!count)
    return CUDA_ERROR_INVALID_VALUE;
  *count = td_g.device_count;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDeviceGetCount (int *count)
{
  TD_CALL (cuDeviceGetCount, device_count_l (count));
}

static bool
device_valid_l (CUdevice dev)
{
  return dev >= 0 && dev < td_g.device_count;
}

static CUresult
device_name_l (char *name, int len, CUdevice dev)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!name || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  snprintf (name, (size_t) len, "%s", FL_TEST_DRIVER_DEVICE_NAME);
  return CUDA_SUCCESS;
}

static CUresult
td_cuDeviceGetName (char *name, int len, CUdevice dev)
{
  TD_CALL (cuDeviceGetName, device_name_l (name, len, dev));
}

static CUresult
device_attribute_l (int *pi, CUdevice_attribute attrib, CUdevice dev)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pi || (int) attrib <= 0 || attrib >= CU_DEVICE_ATTRIBUTE_MAX)
    return CUDA_ERROR_INVALID_VALUE;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  int v = 0;
  switch (attrib)
    {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: v = td_g.devices[dev].major; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: v = td_g.devices[dev].minor; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: v = 132; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: v = 64; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: v = 2147483647; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: v = 65535; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: v = 65535; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: v = 49152; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: v = 232448; break;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: v = 32; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: v = 2048; break;
    case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: v = 1; break;
    default: v = 0; break;
    }
  *pi = v;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDeviceGetAttribute (int *pi, CUdevice_attribute attrib, CUdevice dev)
{
  TD_CALL (cuDeviceGetAttribute, device_attribute_l (pi, attrib, dev));
}

/* ---- contexts ----------------------------------------------------------------------------- */

static struct CUctx_st *
ctx_new_l (int device, bool primary)
{
  struct CUctx_st *c = td_malloc (sizeof *c);
  c->device = device;
  c->primary = primary;
  c->next = td_g.contexts;
  td_g.contexts = c;
  return c;
}

/* What the driver does to a context's resources when it goes away. */
static void
ctx_teardown_l (struct CUctx_st *c)
{
  for (struct CUmod_st *m = td_g.modules; m; m = m->next)
    if (m->ctx == c && m->loaded)
      td_module_mark_unloaded (m);
  for (struct CUstream_st **ps = &td_g.streams; *ps;)
    {
      struct CUstream_st *s = *ps;
      if (s->ctx == c)
        {
          *ps = s->next;
          if (s->pending)
            td_graph_free (s->pending);
          free (s);
        }
      else
        ps = &s->next;
    }
  c->sticky = CUDA_SUCCESS;
}

static CUresult
primary_retain_l (CUcontext *pctx, CUdevice dev)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pctx)
    return CUDA_ERROR_INVALID_VALUE;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  td_device *d = &td_g.devices[dev];
  if (!d->primary)
    d->primary = ctx_new_l (dev, true);
  d->primary->refcount++;
  *pctx = d->primary;
  return CUDA_SUCCESS;
}

static CUresult
td_cuDevicePrimaryCtxRetain (CUcontext *pctx, CUdevice dev)
{
  TD_CALL (cuDevicePrimaryCtxRetain, primary_retain_l (pctx, dev));
}

static CUresult
primary_release_l (CUdevice dev)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  td_device *d = &td_g.devices[dev];
  if (!d->primary || d->primary->refcount <= 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (--d->primary->refcount == 0)
    ctx_teardown_l (d->primary); /* the primary context is reset when its last retain goes */
  return CUDA_SUCCESS;
}

static CUresult
td_cuDevicePrimaryCtxRelease (CUdevice dev)
{
  TD_CALL (cuDevicePrimaryCtxRelease, primary_release_l (dev));
}

static CUresult
ctx_create_l (CUcontext *pctx, unsigned flags, CUdevice dev)
{
  (void) flags;
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pctx)
    return CUDA_ERROR_INVALID_VALUE;
  if (!device_valid_l (dev))
    return CUDA_ERROR_INVALID_DEVICE;
  struct CUctx_st *c = ctx_new_l (dev, false);
  td_set_current_l (c); /* cuCtxCreate pushes the new context onto the calling thread */
  *pctx = c;
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxCreate (CUcontext *pctx, unsigned int flags, CUdevice dev)
{
  TD_CALL (cuCtxCreate, ctx_create_l (pctx, flags, dev));
}

static CUresult
ctx_destroy_l (CUcontext ctx)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  struct CUctx_st *c = td_ctx_find_l (ctx);
  if (!c || c->destroyed || c->primary)
    return CUDA_ERROR_INVALID_CONTEXT;
  ctx_teardown_l (c);
  c->destroyed = true;
  if (td_current_l () == c)
    td_set_current_l (NULL);
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxDestroy (CUcontext ctx)
{
  TD_CALL (cuCtxDestroy, ctx_destroy_l (ctx));
}

static CUresult
ctx_get_current_l (CUcontext *pctx)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pctx)
    return CUDA_ERROR_INVALID_VALUE;
  *pctx = td_current_l ();
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxGetCurrent (CUcontext *pctx)
{
  TD_CALL (cuCtxGetCurrent, ctx_get_current_l (pctx));
}

static CUresult
ctx_set_current_l (CUcontext ctx)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!ctx)
    {
      td_set_current_l (NULL);
      return CUDA_SUCCESS;
    }
  struct CUctx_st *c = td_ctx_find_l (ctx);
  if (!c)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (c->destroyed)
    return CUDA_ERROR_CONTEXT_IS_DESTROYED;
  td_set_current_l (c);
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxSetCurrent (CUcontext ctx)
{
  TD_CALL (cuCtxSetCurrent, ctx_set_current_l (ctx));
}

static CUresult
ctx_get_device_l (CUdevice *dev)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!dev)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUctx_st *c = td_current_l ();
  if (!c)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (c->destroyed)
    return CUDA_ERROR_CONTEXT_IS_DESTROYED;
  *dev = c->device;
  return CUDA_SUCCESS;
}

static CUresult
td_cuCtxGetDevice (CUdevice *dev)
{
  TD_CALL (cuCtxGetDevice, ctx_get_device_l (dev));
}

static CUresult
ctx_synchronize_l (void)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  return td_capture_check_unsafe_l ();
}

static CUresult
td_cuCtxSynchronize (void)
{
  TD_CALL (cuCtxSynchronize, ctx_synchronize_l ());
}

/* ---- memory ------------------------------------------------------------------------------- */

static CUresult
mem_alloc_l (CUdeviceptr *dptr, size_t bytesize)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (!dptr || bytesize == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = td_capture_check_unsafe_l ()) != CUDA_SUCCESS)
    return r;
  if (bytesize > ((size_t) 1 << 36))
    return CUDA_ERROR_OUT_OF_MEMORY;
  size_t rounded = (bytesize + 255) & ~(size_t) 255;
  void *p = aligned_alloc (256, rounded);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  memset (p, 0xa5, rounded); /* device memory is not zeroed: make stale reads visible */
  if (td_g.n_allocs == td_g.cap_allocs)
    {
      size_t cap = td_g.cap_allocs ? td_g.cap_allocs * 2 : 64;
      td_alloc *a = realloc (td_g.allocs, cap * sizeof *a);
      if (!a)
        td_oom ();
      td_g.allocs = a;
      td_g.cap_allocs = cap;
    }
  td_g.allocs[td_g.n_allocs++] = (td_alloc){ .base = (uintptr_t) p, .size = bytesize };
  *dptr = (CUdeviceptr) (uintptr_t) p;
  return CUDA_SUCCESS;
}

static CUresult
td_cuMemAlloc (CUdeviceptr *dptr, size_t bytesize)
{
  TD_CALL (cuMemAlloc, mem_alloc_l (dptr, bytesize));
}

static CUresult
mem_free_l (CUdeviceptr dptr)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (dptr == 0)
    return CUDA_SUCCESS;
  if ((r = td_capture_check_unsafe_l ()) != CUDA_SUCCESS)
    return r;
  for (size_t i = 0; i < td_g.n_allocs; i++)
    if (td_g.allocs[i].base == (uintptr_t) dptr)
      {
        free ((void *) td_g.allocs[i].base);
        td_g.allocs[i] = td_g.allocs[--td_g.n_allocs];
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_INVALID_VALUE;
}

static CUresult
td_cuMemFree (CUdeviceptr dptr)
{
  TD_CALL (cuMemFree, mem_free_l (dptr));
}

/* The legacy-stream synchronous copies and memset. */
static CUresult
mem_sync_op_check_l (CUdeviceptr dptr, size_t n)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (n == 0)
    return CUDA_SUCCESS;
  if ((r = td_capture_check_unsafe_l ()) != CUDA_SUCCESS)
    return r;
  if ((r = td_capture_check_legacy_l (c)) != CUDA_SUCCESS)
    return r;
  if (!td_alloc_find_l ((uintptr_t) dptr, n))
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

static CUresult
memcpy_htod_l (CUdeviceptr dst, const void *src, size_t n)
{
  CUresult r = mem_sync_op_check_l (dst, n);
  if (r != CUDA_SUCCESS || n == 0)
    return r;
  if (!src)
    return CUDA_ERROR_INVALID_VALUE;
  memmove ((void *) (uintptr_t) dst, src, n);
  return CUDA_SUCCESS;
}

static CUresult
td_cuMemcpyHtoD (CUdeviceptr dst, const void *src, size_t n)
{
  TD_CALL (cuMemcpyHtoD, memcpy_htod_l (dst, src, n));
}

static CUresult
memcpy_dtoh_l (void *dst, CUdeviceptr src, size_t n)
{
  CUresult r = mem_sync_op_check_l (src, n);
  if (r != CUDA_SUCCESS || n == 0)
    return r;
  if (!dst)
    return CUDA_ERROR_INVALID_VALUE;
  memmove (dst, (const void *) (uintptr_t) src, n);
  return CUDA_SUCCESS;
}

static CUresult
td_cuMemcpyDtoH (void *dst, CUdeviceptr src, size_t n)
{
  TD_CALL (cuMemcpyDtoH, memcpy_dtoh_l (dst, src, n));
}

static CUresult
memset_d8_l (CUdeviceptr dst, unsigned char uc, size_t n)
{
  CUresult r = mem_sync_op_check_l (dst, n);
  if (r != CUDA_SUCCESS || n == 0)
    return r;
  memset ((void *) (uintptr_t) dst, uc, n);
  return CUDA_SUCCESS;
}

static CUresult
td_cuMemsetD8 (CUdeviceptr dst, unsigned char uc, size_t n)
{
  TD_CALL (cuMemsetD8, memset_d8_l (dst, uc, n));
}

void
fl_test_driver_set_device_count (int count)
{
  if (count < 1 || count > FL_TEST_DRIVER_MAX_DEVICES)
    {
      fprintf (stderr, "fl-test-driver: device count %d out of range\n", count);
      abort ();
    }
  pthread_mutex_lock (&td_lock_mutex);
  td_g.device_count = count;
  pthread_mutex_unlock (&td_lock_mutex);
}

void
fl_test_driver_set_compute_capability (int device, int major, int minor)
{
  if (device < 0 || device >= FL_TEST_DRIVER_MAX_DEVICES)
    abort ();
  pthread_mutex_lock (&td_lock_mutex);
  td_g.devices[device].major = major;
  td_g.devices[device].minor = minor;
  pthread_mutex_unlock (&td_lock_mutex);
}

CUcontext
fl_test_driver_new_context (int device)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUctx_st *c = device_valid_l (device) ? ctx_new_l (device, false) : NULL;
  pthread_mutex_unlock (&td_lock_mutex);
  return c;
}

CUcontext
fl_test_driver_primary_context (int device)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUctx_st *c = NULL;
  if (device_valid_l (device))
    {
      if (!td_g.devices[device].primary)
        td_g.devices[device].primary = ctx_new_l (device, true);
      c = td_g.devices[device].primary;
    }
  pthread_mutex_unlock (&td_lock_mutex);
  return c;
}

CUresult
fl_test_driver_context_error (CUcontext ctx)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUctx_st *c = td_ctx_find_l (ctx);
  CUresult r = c ? c->sticky : CUDA_ERROR_INVALID_CONTEXT;
  pthread_mutex_unlock (&td_lock_mutex);
  return r;
}

void
td_device_entries (fl_driver *d)
{
  d->cuInit = td_cuInit;
  d->cuDriverGetVersion = td_cuDriverGetVersion;
  d->cuGetErrorName = td_cuGetErrorName;
  d->cuGetErrorString = td_cuGetErrorString;
  d->cuDeviceGet = td_cuDeviceGet;
  d->cuDeviceGetCount = td_cuDeviceGetCount;
  d->cuDeviceGetName = td_cuDeviceGetName;
  d->cuDeviceGetAttribute = td_cuDeviceGetAttribute;
  d->cuDevicePrimaryCtxRetain = td_cuDevicePrimaryCtxRetain;
  d->cuDevicePrimaryCtxRelease = td_cuDevicePrimaryCtxRelease;
  d->cuCtxCreate = td_cuCtxCreate;
  d->cuCtxDestroy = td_cuCtxDestroy;
  d->cuCtxGetCurrent = td_cuCtxGetCurrent;
  d->cuCtxSetCurrent = td_cuCtxSetCurrent;
  d->cuCtxGetDevice = td_cuCtxGetDevice;
  d->cuCtxSynchronize = td_cuCtxSynchronize;
  d->cuMemAlloc = td_cuMemAlloc;
  d->cuMemFree = td_cuMemFree;
  d->cuMemcpyHtoD = td_cuMemcpyHtoD;
  d->cuMemcpyDtoH = td_cuMemcpyDtoH;
  d->cuMemsetD8 = td_cuMemsetD8;
}
