/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-private.h — what the engine's files share.  Not installed.
 *
 * Process-wide state lives in exactly three places, each accessed atomically: the driver
 * table (fl-driver.c, written once before launches), the knob word and hook pointers
 * (fl-globals.c), and the globals registry (fl-globals.c).
 */
#pragma once

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"

#if defined(__GNUC__)
#define FL_LIKELY(x) __builtin_expect (!!(x), 1)
#define FL_UNLIKELY(x) __builtin_expect (!!(x), 0)
#define FL_PRINTF(f, a) __attribute__((format (printf, f, a)))
#else
#define FL_LIKELY(x) (x)
#define FL_UNLIKELY(x) (x)
#define FL_PRINTF(f, a)
#endif

/* ---- errors (fl-status.c) ---- */
fl_status fl__fail (fl_status status, const char *fmt, ...) FL_PRINTF (2, 3);
/* Maps a CUresult to FL_ERR_CUDA or FL_ERR_CUDA_STICKY and formats "<what>: CUDA_ERROR_X: text". */
fl_status fl__fail_cuda (CUresult result, const char *fmt, ...) FL_PRINTF (2, 3);
bool fl__cuda_error_is_sticky (CUresult result);
/* "CUDA_ERROR_X: text" (the driver's text when it gives one), or "CUDA error N[: text]" for a
 * code nobody can name. */
void fl__cuda_error_describe (CUresult result, char *buf, size_t size);

/* ---- driver (fl-driver.c) ---- */
extern fl_driver fl__drv;
extern fl_nvrtc fl__nvrtc;
extern atomic_bool fl__driver_ready;
fl_status fl__require_driver (void);
fl_status fl__require_nvrtc (void);

/* ---- knobs, hooks, globals (fl-globals.c) ---- */
/* One word so the hot path reads every knob with a single relaxed load. */
enum {
  FL__KNOB_DEBUG = 1u << 0,
  FL__KNOB_INSTR_SHIFT = 1,  /* 2 bits */
  FL__KNOB_INSTR_MASK = 3u << 1,
  FL__KNOB_HOOK = 1u << 3,   /* a compile hook is installed */
  FL__KNOB_SKIP = 1u << 4,
  FL__KNOB_STAGE_TIMING = 1u << 5,
  /* Mirrors of "an event sink / launch hooks are installed", so the hit path learns everything
   * it must know about process-wide state from this one word. */
  FL__KNOB_SINK = 1u << 6,
  FL__KNOB_LAUNCH_HOOKS = 1u << 7,
  FL__KNOB_CAPTURE_SHIFT = 8, /* count of active captures above this bit */
};
/* Anything here sends a primed launch to the general path (the lean hit handles only the sink). */
#define FL__KNOBS_NOT_LEAN (FL__KNOB_SKIP | FL__KNOB_LAUNCH_HOOKS | ~((1u << FL__KNOB_CAPTURE_SHIFT) - 1))
extern atomic_uint fl__knobs;
extern _Atomic (const fl_launch_hooks *) fl__launch_hooks;
extern _Atomic (const fl_compile_hook *) fl__compile_hook;
extern _Atomic (const fl_event_sink *) fl__event_sink;
extern atomic_uint_fast64_t fl__globals_gen;

/* The key bits every spec shares, from the knob word: its low four bits are laid out exactly as
 * key bits 56-59, so this is one mask and one shift on the hot path. */
_Static_assert (FL__KNOB_DEBUG == 1u << (FL_KEY_DEBUG_BIT - FL_KEY_DEBUG_BIT)
                    && FL__KNOB_INSTR_SHIFT == FL_KEY_INSTR_SHIFT - FL_KEY_DEBUG_BIT
                    && FL__KNOB_HOOK == 1u << (FL_KEY_HOOK_BIT - FL_KEY_DEBUG_BIT),
                "knob bits 0-3 must mirror spec key bits 56-59");
static inline uint64_t
fl__knob_key_bits (unsigned knobs)
{
  return (uint64_t) (knobs & (FL__KNOB_DEBUG | FL__KNOB_INSTR_MASK | FL__KNOB_HOOK)) << FL_KEY_DEBUG_BIT;
}

/* Snapshot of the globals a kernel reads; returns FL_ERR_GLOBAL_UNSET naming the first unset. */
fl_status fl__globals_snapshot (const char *const *names, unsigned n, int64_t *values_out, const char *kernel_name);

static inline uint64_t
fl__now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* The event clock (fl-clock.c): raw ticks on the hot path, converted when an event is built.
 * fl__clock.scale_q32 == 0 means ticks are already nanoseconds (clock_gettime fallback). */
typedef struct {
  atomic_bool ready;
  bool use_tsc;
  uint64_t tick_base, ns_base;
  uint64_t scale_q32; /* ns per tick << 32 */
} fl__clock_state;
extern fl__clock_state fl__clock;
void fl__clock_calibrate (void);

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

static inline uint64_t
fl__ticks (void)
{
#if defined(__x86_64__)
  if (FL_LIKELY (fl__clock.use_tsc))
    return __rdtsc ();
#endif
  return fl__now_ns ();
}

static inline uint64_t
fl__ticks_to_ns (uint64_t ticks)
{
#if defined(__x86_64__)
  if (FL_LIKELY (fl__clock.use_tsc))
    return fl__clock.ns_base
           + (uint64_t) (((unsigned __int128) (ticks - fl__clock.tick_base) * fl__clock.scale_q32) >> 32);
#endif
  return ticks;
}

static inline uint64_t
fl__ticks_delta_ns (uint64_t t0, uint64_t t1)
{
#if defined(__x86_64__)
  if (FL_LIKELY (fl__clock.use_tsc))
    return (uint64_t) (((unsigned __int128) (t1 - t0) * fl__clock.scale_q32) >> 32);
#endif
  return t1 - t0;
}

/* ---- compile (fl-nvrtc.c) ---- */
typedef struct {
  char **items;
  unsigned n, cap;
  bool failed; /* out of memory while adding */
} fl__strv;

struct fl_compile_options { fl__strv *options; };

fl_status fl__strv_add (fl__strv *v, const char *s);
fl_status fl__strv_addf (fl__strv *v, const char *fmt, ...) FL_PRINTF (2, 3);
void fl__strv_clear (fl__strv *v);

typedef struct {
  void *image;
  size_t size;
  bool from_disk_cache;
  double compile_ms;
} fl__cubin;

/* Compiles source with options (which must already include the arch); looks in and writes to
 * the on-disk cache.  On FL_ERR_COMPILE the message holds the NVRTC log. */
fl_status fl__compile (const char *kernel_name, const char *source, const fl__strv *options, fl__cubin *out);
void fl__cubin_clear (fl__cubin *cubin);

/* ---- hashing ---- */
static inline uint64_t
fl__hash_bytes (uint64_t h, const void *data, size_t n)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++)
    {
      h ^= p[i];
      h *= 0x100000001b3ull;
    }
  return h;
}
#define FL__HASH_SEED 0xcbf29ce484222325ull

/* ---- signature helpers ---- */
static inline bool fl__type_is_ptr (fl_type t) { return t <= FL_TYPE_PTR_LAST; }
static inline bool
fl__type_is_int (fl_type t)
{
  return t >= FL_TYPE_I1 && t <= FL_TYPE_U64;
}
/* Integers that get a value class in the key (Triton specializes every int argument). */
static inline bool
fl__type_is_specialized_int (fl_type t)
{
  return t >= FL_TYPE_I8 && t <= FL_TYPE_U64;
}
