/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-status.c — status, path, outcome and fallback names; the per-thread error message.
 */
#include <stdarg.h>
#include <string.h>

#include "fl-private.h"

static _Thread_local char fl__error_message[8192];

const char *
fl_last_error (void)
{
  return fl__error_message;
}

static void
fl__set_error_v (const char *fmt, va_list ap)
{
  vsnprintf (fl__error_message, sizeof fl__error_message, fmt, ap);
}

fl_status
fl__fail (fl_status status, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fl__set_error_v (fmt, ap);
  va_end (ap);
  return status;
}

/* The errors cuda.h documents as leaving the process in an inconsistent state ("any further
 * CUDA work will return the same error"), and a device-side assert (the context must be
 * destroyed). */
bool
fl__cuda_error_is_sticky (CUresult result)
{
  switch (result)
    {
    case CUDA_ERROR_ILLEGAL_ADDRESS:
    case CUDA_ERROR_LAUNCH_TIMEOUT:
    case CUDA_ERROR_CONTAINED:
    case CUDA_ERROR_EXTERNAL_DEVICE:
    case CUDA_ERROR_MISALIGNED_ADDRESS:
    case CUDA_ERROR_LAUNCH_FAILED:
    case CUDA_ERROR_ASSERT:
    case CUDA_ERROR_HARDWARE_STACK_ERROR:
    case CUDA_ERROR_ILLEGAL_INSTRUCTION:
    case CUDA_ERROR_INVALID_ADDRESS_SPACE:
    case CUDA_ERROR_INVALID_PC:
    case CUDA_ERROR_ECC_UNCORRECTABLE:
      return true;
    default:
      return false;
    }
}

fl_status
fl__fail_cuda (CUresult result, const char *fmt, ...)
{
  char what[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  char error[256];
  fl__cuda_error_describe (result, error, sizeof error);
  bool sticky = fl__cuda_error_is_sticky (result);
  return fl__fail (sticky ? FL_ERR_CUDA_STICKY : FL_ERR_CUDA, "%s: %s%s", what, error,
                   sticky ? " (sticky: the CUDA context is unusable until the process restarts)" : "");
}

const char *
fl_status_str (fl_status status)
{
  switch (status)
    {
    case FL_OK: return "ok";
    case FL_ERR_INVALID_ARGUMENT: return "invalid argument";
    case FL_ERR_SIGNATURE: return "bad signature";
    case FL_ERR_ARGUMENTS: return "launch arguments do not match the signature";
    case FL_ERR_NO_DRIVER: return "no CUDA driver";
    case FL_ERR_NO_NVRTC: return "NVRTC not available";
    case FL_ERR_NO_CONTEXT: return "no current CUDA context";
    case FL_ERR_CUDA: return "CUDA error";
    case FL_ERR_CUDA_STICKY: return "sticky CUDA error";
    case FL_ERR_COMPILE: return "kernel compilation failed";
    case FL_ERR_GLOBAL_CHANGED: return "a global changed since the kernel was compiled";
    case FL_ERR_GLOBAL_UNSET: return "a global the kernel reads is not set";
    case FL_ERR_NO_MEMORY: return "out of memory";
    case FL_ERR_CAPTURE: return "graph capture misuse";
    case FL_ERR_IO: return "file error";
    }
  return "unknown status";
}

const char *
fl_path_str (fl_path path)
{
  static const char *const names[] = { "fast", "default", "raw", "graph" };
  return (unsigned) path < sizeof names / sizeof names[0] ? names[path] : "unknown";
}

const char *
fl_outcome_str (fl_outcome outcome)
{
  static const char *const names[] = { "hit", "miss", "fallback", "default" };
  return (unsigned) outcome < sizeof names / sizeof names[0] ? names[outcome] : "unknown";
}

const char *
fl_fallback_str (fl_fallback reason)
{
  static const char *const names[FL_FALLBACK_COUNT] = {
    [FL_FALLBACK_NONE] = "none",
    [FL_FALLBACK_SKIP_ENV] = "skip-env",
    [FL_FALLBACK_PRIMING_FAILED] = "priming-failed",
    [FL_FALLBACK_SKIP_SWITCH] = "skip-switch",
    [FL_FALLBACK_CAPTURE] = "capture",
    [FL_FALLBACK_CONTEXT_CHANGED] = "context-changed",
    [FL_FALLBACK_GLOBALS_CHANGED] = "globals-changed",
    [FL_FALLBACK_CONSTEXPR_CHANGED] = "constexpr-changed",
    [FL_FALLBACK_ARGUMENTS] = "arguments",
    [FL_FALLBACK_TABLE_FULL] = "table-full",
  };
  return (unsigned) reason < FL_FALLBACK_COUNT ? names[reason] : "unknown";
}

const char *
fl_stage_str (fl_stage stage)
{
  static const char *const names[FL_STAGE_COUNT] = {
    "resolve", "bind", "specialize", "key", "lookup", "globals", "metadata", "launch",
  };
  return (unsigned) stage < FL_STAGE_COUNT ? names[stage] : "unknown";
}
