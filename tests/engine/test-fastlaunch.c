/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-fastlaunch.c — unit suite for libfastlaunch: every guard of the fast launcher, the
 * default path, the on-disk cubin cache, the signature parser, the spec key and spec table,
 * all against the driver test double (tests/support/fl-test-driver.h), so no GPU is needed.
 *
 * The double runs the built-in add<N> kernel on the CPU exactly as its binary was specialized
 * (an FL_ALL_ALIGNED binary faults on an unaligned pointer, an n == 1 or n % 16 == 0 binary
 * computes 1 or n & ~15 elements), so a binary reused across specs shows up as a fault or a
 * wrong number, which these tests check element by element.
 *
 * Each test runs in a fresh XDG_CACHE_HOME (mkdtemp, under one root that main() removes) with
 * a freshly installed double.  Tests
 * also pass with CK_FORK=no (the valgrind setup): each restores every process-wide knob.
 */
#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "fl-spec-table.h"
#include "fl-test-driver.h"

#define SLACK 64 /* extra elements per buffer: room for offsets and overrun checks */
#define SENTINEL (-7.0f)
#define MAX_PTRS 32

/* ---- fixture ------------------------------------------------------------------------------ */

static char tmp_root[PATH_MAX]; /* made by main(), removed by main(): failed tests skip teardown */
static char tmp_dir[PATH_MAX + 32];
static char cache_dir[PATH_MAX + 64];

static void
reset_process_state (void)
{
  fl_knob_set_debug (false);
  fl_knob_set_instrumentation (FL_INSTR_NONE);
  fl_knob_set_skip_fast (false);
  fl_knob_set_stage_timing (false);
  fl_launch_hooks_set (NULL);
  fl_compile_hook_set (NULL);
  fl_event_sink_set (NULL);
  unsetenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER");
  unsetenv ("FASTLAUNCH_DISK_CACHE");
}

static void
setup (void)
{
  snprintf (tmp_dir, sizeof tmp_dir, "%s/test-XXXXXX", tmp_root);
  ck_assert_msg (mkdtemp (tmp_dir) != NULL, "mkdtemp: %s", strerror (errno));
  setenv ("XDG_CACHE_HOME", tmp_dir, 1);
  snprintf (cache_dir, sizeof cache_dir, "%s/launchscope", tmp_dir);
  reset_process_state ();
  fl_test_driver_install ();
  fl_status st = fl_use_device (0);
  ck_assert_msg (st == FL_OK, "fl_use_device: %s", fl_last_error ());
}

static int
rm_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) flag;
  (void) ftw;
  return remove (path);
}

static void
teardown (void)
{
  reset_process_state ();
  if (tmp_dir[0])
    nftw (tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  tmp_dir[0] = '\0';
}

/* ---- helpers ------------------------------------------------------------------------------ */

#define ASSERT_OK(expr)                                                                             \
  do                                                                                                \
    {                                                                                               \
      fl_status st_ = (expr);                                                                       \
      ck_assert_msg (st_ == FL_OK, "%s -> %s: %s", #expr, fl_status_str (st_), fl_last_error ());   \
    }                                                                                               \
  while (0)

#define ASSERT_STATUS(expr, want)                                                                   \
  do                                                                                                \
    {                                                                                               \
      fl_status st_ = (expr);                                                                       \
      ck_assert_msg (st_ == (want), "%s -> %s (want %s): %s", #expr, fl_status_str (st_),           \
                     fl_status_str (want), fl_last_error ());                                       \
    }                                                                                               \
  while (0)

#define ASSERT_INFO(info, want_path, want_outcome, want_reason)                                     \
  do                                                                                                \
    {                                                                                               \
      ck_assert_msg ((info).path == (want_path) && (info).outcome == (want_outcome)                 \
                       && (info).reason == (want_reason),                                           \
                     "launch info: path %s outcome %s reason %s; want %s %s %s", fl_path_str ((info).path), \
                     fl_outcome_str ((info).outcome), fl_fallback_str ((info).reason),               \
                     fl_path_str (want_path), fl_outcome_str (want_outcome), fl_fallback_str (want_reason)); \
    }                                                                                               \
  while (0)

static const fl_driver *
drv (void)
{
  const fl_driver *d = fl_driver_get ();
  ck_assert_ptr_nonnull (d);
  return d;
}

static CUdeviceptr
dalloc (size_t bytes)
{
  CUdeviceptr p = 0;
  ck_assert_int_eq (drv ()->cuMemAlloc (&p, bytes), CUDA_SUCCESS);
  return p;
}

static void
dfree (CUdeviceptr p)
{
  ck_assert_int_eq (drv ()->cuMemFree (p), CUDA_SUCCESS);
}

static bool
contains (const char *haystack, const char *needle)
{
  return haystack && strstr (haystack, needle) != NULL;
}

/* A number as a whole token ("3" in "from 3 to 5", not in "13"). */
static bool
contains_number (const char *s, long long v)
{
  char want[32];
  snprintf (want, sizeof want, "%lld", v);
  size_t n = strlen (want);
  for (const char *p = strstr (s, want); p; p = strstr (p + 1, want))
    {
      bool left = p == s || !(p[-1] >= '0' && p[-1] <= '9') || p[-1] == '-';
      bool right = !(p[n] >= '0' && p[n] <= '9');
      if (left && right)
        return true;
    }
  return false;
}

/* The add<N> workload: N device buffers, in_k[e] = k * 100 + e, out filled with SENTINEL. */
typedef struct {
  unsigned n_ptrs;
  size_t elems; /* per buffer, slack included */
  CUdeviceptr buf[MAX_PTRS];
} add_bufs;

static void
add_reset_out (const add_bufs *a)
{
  float *host = malloc (a->elems * sizeof (float));
  ck_assert_ptr_nonnull (host);
  for (size_t e = 0; e < a->elems; e++)
    host[e] = SENTINEL;
  ck_assert_int_eq (drv ()->cuMemcpyHtoD (a->buf[0], host, a->elems * sizeof (float)), CUDA_SUCCESS);
  free (host);
}

static void
add_bufs_init (add_bufs *a, unsigned n_ptrs, size_t count)
{
  memset (a, 0, sizeof *a);
  a->n_ptrs = n_ptrs;
  a->elems = count + SLACK;
  float *host = malloc (a->elems * sizeof (float));
  ck_assert_ptr_nonnull (host);
  for (unsigned k = 0; k < n_ptrs; k++)
    {
      a->buf[k] = dalloc (a->elems * sizeof (float));
      ck_assert_uint_eq (a->buf[k] % 16, 0);
      if (k == 0)
        continue;
      for (size_t e = 0; e < a->elems; e++)
        host[e] = (float) (k * 100 + e);
      ck_assert_int_eq (drv ()->cuMemcpyHtoD (a->buf[k], host, a->elems * sizeof (float)), CUDA_SUCCESS);
    }
  free (host);
  add_reset_out (a);
}

static void
add_bufs_free (add_bufs *a)
{
  for (unsigned k = 0; k < a->n_ptrs; k++)
    dfree (a->buf[k]);
  memset (a, 0, sizeof *a);
}

/* Pointer k is offset by `offset` bytes when bit k of mask is set. */
static unsigned
add_fill_args (const add_bufs *a, unsigned mask, unsigned offset, int64_t n, fl_arg *args)
{
  for (unsigned k = 0; k < a->n_ptrs; k++)
    args[k] = FL_PTR (a->buf[k] + ((mask >> k) & 1 ? offset : 0));
  args[a->n_ptrs] = FL_INT (n);
  return a->n_ptrs + 1;
}

static fl_grid
grid_for (int64_t n)
{
  int64_t blocks = n > 0 ? (n + 127) / 128 : 1;
  return (fl_grid){ blocks < 65536 ? (unsigned) blocks : 65535u, 1, 1 };
}

static fl_status
add_launch (fl_bound_kernel *b, const add_bufs *a, unsigned mask, unsigned offset, int64_t n, fl_launch_info *info)
{
  fl_arg args[MAX_PTRS + 1];
  unsigned n_args = add_fill_args (a, mask, offset, n, args);
  return fl_launch (b, grid_for (n), NULL, args, n_args, info);
}

/* Checks out = in_1 + ... + in_{N-1} over n elements of the (possibly offset) views, and that
 * nothing else in out was written. */
static void
add_check (const add_bufs *a, unsigned mask, unsigned offset, int64_t n)
{
  float *out = malloc (a->elems * sizeof (float));
  ck_assert_ptr_nonnull (out);
  if (fl_capture_active ())
    memcpy (out, (const void *) (uintptr_t) a->buf[0], a->elems * sizeof (float)); /* the double's memory is
                                                                                      host memory; a copy
                                                                                      would break the capture */
  else
    ck_assert_int_eq (drv ()->cuMemcpyDtoH (out, a->buf[0], a->elems * sizeof (float)), CUDA_SUCCESS);
  size_t out_first = (mask & 1) ? offset / 4 : 0;
  for (size_t e = 0; e < a->elems; e++)
    {
      bool inside = e >= out_first && (int64_t) (e - out_first) < n;
      float want = SENTINEL;
      if (inside)
        {
          size_t j = e - out_first;
          want = 0.0f;
          for (unsigned k = 1; k < a->n_ptrs; k++)
            want += (float) (k * 100 + ((mask >> k) & 1 ? offset / 4 : 0) + j);
        }
      ck_assert_msg (out[e] == want, "out[%zu] = %g, want %g (n = %" PRId64 ", offset %u, mask %#x)%s", e,
                     (double) out[e], (double) want, n, offset, mask,
                     inside ? "" : ": written outside the output view");
    }
  free (out);
}

static fl_kernel *
add_kernel (unsigned n_ptrs)
{
  fl_kernel *k = NULL;
  ASSERT_OK (fl_workload_add_kernel (n_ptrs, &k));
  return k;
}

static fl_bound_kernel *
bind (fl_kernel *k, const fl_config *config)
{
  fl_bound_kernel *b = NULL;
  ASSERT_OK (fl_bound_kernel_new (k, config, &b));
  return b;
}

static fl_kernel *
custom_kernel (const char *name, const char *source, const char *entry, const char *signature,
               const char *const *globals, unsigned n_globals)
{
  fl_kernel_desc desc = { .name = name, .source = source, .entry = entry, .signature = signature,
                          .globals = globals, .n_globals = n_globals };
  fl_kernel *k = NULL;
  ASSERT_OK (fl_kernel_new (&desc, &k));
  return k;
}

static fl_stats
stats_of (const fl_bound_kernel *b)
{
  fl_stats s;
  fl_bound_kernel_stats (b, &s);
  return s;
}

static unsigned
entries_of (const fl_bound_kernel *b, fl_spec_entry *out, unsigned max)
{
  return fl_bound_kernel_spec_entries (b, out, max);
}

static fl_test_launch
last_launch (void)
{
  fl_test_launch l;
  ck_assert_msg (fl_test_driver_last_launch (&l), "the double recorded no launch");
  return l;
}

static int64_t
binary_define (uint64_t binary, const char *name)
{
  int64_t v = -1;
  ck_assert_msg (fl_test_driver_binary_define (binary, name, &v), "binary %" PRIu64 " has no -D%s", binary, name);
  return v;
}

/* No binary ever ran on arguments it was not specialized for. */
static void
assert_no_misuse (void)
{
  ck_assert_uint_eq (fl_test_driver_misaligned_faults (), 0);
  ck_assert_uint_eq (fl_test_driver_illegal_address_faults (), 0);
  ck_assert_uint_eq (fl_test_driver_cross_context_launches (), 0);
  ck_assert_uint_eq (fl_test_driver_specialization_violations (), 0);
}

/* Frees a bound kernel and checks it unloaded every module it loaded. */
static void
free_bound (fl_bound_kernel *b)
{
  fl_bound_kernel_free (b);
  ck_assert_uint_eq (fl_test_driver_live_modules (), 0);
  ck_assert_uint_eq (fl_test_driver_live_programs (), 0);
}

/* Regular files in $XDG_CACHE_HOME/launchscope (temporary files included). */
static unsigned
cache_files (char paths[][2 * PATH_MAX], unsigned max)
{
  unsigned n = 0;
  DIR *d = opendir (cache_dir);
  if (!d)
    return 0;
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    {
      char path[2 * PATH_MAX];
      struct stat st;
      snprintf (path, sizeof path, "%s/%s", cache_dir, e->d_name);
      if (stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      if (paths && n < max)
        snprintf (paths[n], sizeof paths[n], "%s", path);
      n++;
    }
  closedir (d);
  return n;
}

/* ---- event sink ----------------------------------------------------------------------------- */

typedef struct {
  fl_event_type type;
  fl_path path;
  fl_outcome outcome;
  fl_fallback reason;
  fl_status status;
  uint64_t key;
  const fl_bound_kernel *bound;
  uint64_t start_ns, host_ns, any_stage_ns;
  double compile_ms;
  bool has_message, waited;
  char message[512];
} event_rec;

static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static event_rec events[512];
static unsigned n_events;

static void
collect_event (const fl_event *e, void *user_data)
{
  (void) user_data;
  pthread_mutex_lock (&events_lock);
  if (n_events < sizeof events / sizeof events[0])
    {
      event_rec *r = &events[n_events++];
      r->type = e->type;
      r->path = e->path;
      r->outcome = e->outcome;
      r->reason = e->reason;
      r->status = e->status;
      r->key = e->spec_key;
      r->bound = e->bound;
      r->start_ns = e->start_ns;
      r->host_ns = e->host_ns;
      r->any_stage_ns = 0;
      for (unsigned i = 0; i < FL_STAGE_COUNT; i++)
        r->any_stage_ns |= e->stage_ns[i];
      r->compile_ms = e->compile_ms;
      r->has_message = e->message != NULL;
      r->waited = e->waited;
      snprintf (r->message, sizeof r->message, "%s", e->message ? e->message : "");
    }
  pthread_mutex_unlock (&events_lock);
}

static const fl_event_sink event_collector = { .emit = collect_event };

/* Leaves the stack below the caller non-zero, so an event field the engine forgets to set
 * shows as garbage rather than as a lucky zero. */
static __attribute__ ((noinline)) void
dirty_stack (void)
{
  volatile unsigned char junk[16384];
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = 0xa5;
}

static void
events_clear (void)
{
  pthread_mutex_lock (&events_lock);
  n_events = 0;
  pthread_mutex_unlock (&events_lock);
}

static unsigned
events_count (fl_event_type type)
{
  unsigned n = 0;
  pthread_mutex_lock (&events_lock);
  for (unsigned i = 0; i < n_events; i++)
    n += events[i].type == type;
  pthread_mutex_unlock (&events_lock);
  return n;
}

/* ---- priming, hits, alignment --------------------------------------------------------------- */

START_TEST (test_priming_then_hit)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 3, 256);
  fl_launch_info info;

  ASSERT_OK (add_launch (b, &a, 0, 0, 256, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  add_check (&a, 0, 0, 256);
  fl_test_launch first = last_launch ();
  ck_assert_str_eq (first.entry, "add");
  ck_assert_uint_eq (first.block[0], 128); /* num_warps 4 by default */

  add_reset_out (&a);
  ASSERT_OK (add_launch (b, &a, 0, 0, 256, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert (!info.compiled);
  add_check (&a, 0, 0, 256);
  fl_test_launch second = last_launch ();
  ck_assert_ptr_eq (second.function, first.function);
  ck_assert_uint_eq (second.binary_id, first.binary_id);

  fl_stats s = stats_of (b);
  ck_assert_uint_eq (s.primings, 1);
  ck_assert_uint_eq (s.compiles, 1);
  ck_assert_uint_eq (s.fast_misses, 1);
  ck_assert_uint_eq (s.fast_hits, 1);
  ck_assert_uint_eq (s.permanent_fallback, FL_FALLBACK_NONE);
  ck_assert_uint_eq (fl_test_driver_compiles (), 1);
  ck_assert_uint_eq (fl_test_driver_launch_count (), 2);

  fl_spec_entry e[4];
  ck_assert_uint_eq (entries_of (b, e, 4), 1);
  ck_assert_ptr_eq (e[0].function, first.function);
  ck_assert_uint_eq (e[0].hits, 1);
  ck_assert_uint_eq (e[0].key, info.spec_key);
  /* every pointer aligned, n = 256 is a multiple of 16, knobs off */
  ck_assert_uint_eq (e[0].key, 0x7u | ((uint64_t) FL_INT_CLASS_DIV16 << 3));
  ck_assert_int_eq (binary_define (first.binary_id, "FL_ALL_ALIGNED"), 1);

  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
  ck_assert_uint_eq (fl_test_driver_live_allocations (), 0);
}
END_TEST

START_TEST (test_offset_pointer_gets_own_entry)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 3, 512);
  fl_launch_info info;

  /* prime with aligned pointers: the aligned binary uses float4 loads */
  ASSERT_OK (add_launch (b, &a, 0x7, 0, 512, &info));
  ASSERT_OK (add_launch (b, &a, 0x7, 0, 512, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  fl_test_launch aligned = last_launch ();
  ck_assert_int_eq (binary_define (aligned.binary_id, "FL_ALL_ALIGNED"), 1);

  /* ptr + 4 bytes: a new spec, compiled without the vector loads */
  add_reset_out (&a);
  uint64_t compiles = fl_test_driver_compiles ();
  ASSERT_OK (add_launch (b, &a, 0x7, 4, 500, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  ck_assert_uint_eq (info.spec_key & 0x7, 0);
  ck_assert_uint_eq (fl_test_driver_compiles (), compiles + 1);
  add_check (&a, 0x7, 4, 500);
  fl_test_launch offset = last_launch ();
  ck_assert_uint_ne (offset.binary_id, aligned.binary_id);
  ck_assert_int_eq (binary_define (offset.binary_id, "FL_ALL_ALIGNED"), 0);
  ck_assert_int_eq (binary_define (offset.binary_id, "FL_ALIGN16_ARG0"), 0);

  /* and it stays on the fast path for both */
  add_reset_out (&a);
  ASSERT_OK (add_launch (b, &a, 0x7, 4, 500, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  add_check (&a, 0x7, 4, 500);
  ck_assert_uint_eq (last_launch ().binary_id, offset.binary_id);
  add_reset_out (&a);
  ASSERT_OK (add_launch (b, &a, 0x7, 0, 512, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  add_check (&a, 0x7, 0, 512);
  ck_assert_uint_eq (last_launch ().binary_id, aligned.binary_id);

  /* only the output pointer offset: yet another spec (per-pointer bits) */
  add_reset_out (&a);
  ASSERT_OK (add_launch (b, &a, 0x1, 4, 500, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert_uint_eq (info.spec_key & 0x7, 0x6);
  add_check (&a, 0x1, 4, 500);

  /* three distinct entries, each its own function and binary: never a clone */
  fl_spec_entry e[8];
  ck_assert_uint_eq (entries_of (b, e, 8), 3);
  for (unsigned i = 0; i < 3; i++)
    for (unsigned j = i + 1; j < 3; j++)
      {
        ck_assert_uint_ne (e[i].key, e[j].key);
        ck_assert_ptr_ne (e[i].function, e[j].function);
        ck_assert_uint_ne (fl_test_driver_function_binary (e[i].function),
                           fl_test_driver_function_binary (e[j].function));
      }
  /* the aligned binary never ran on an unaligned pointer */
  for (uint64_t i = 0; i < fl_test_driver_launch_count (); i++)
    {
      fl_test_launch l;
      ck_assert (fl_test_driver_launch_at (i, &l));
      if (l.binary_id == aligned.binary_id)
        for (unsigned p = 0; p < 3; p++)
          ck_assert_uint_eq (l.params[p] % 16, 0);
    }
  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- integer value classes -------------------------------------------------------------------- */

START_TEST (test_int_value_classes)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 3, 64);
  fl_launch_info info;
  const int64_t ns[] = { 1, 32, 33 };
  const unsigned classes[] = { FL_INT_CLASS_ONE, FL_INT_CLASS_DIV16, FL_INT_CLASS_OTHER };
  uint64_t binaries[3];

  for (unsigned i = 0; i < 3; i++)
    {
      add_reset_out (&a);
      ASSERT_OK (add_launch (b, &a, 0, 0, ns[i], &info));
      ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
      ck_assert_uint_eq ((info.spec_key >> 3) & 3, classes[i]);
      add_check (&a, 0, 0, ns[i]);
      binaries[i] = last_launch ().binary_id;
    }
  ck_assert_uint_eq (entries_of (b, NULL, 0), 3);
  ck_assert_uint_eq (stats_of (b).compiles, 3);
  ck_assert_int_eq (binary_define (binaries[0], "FL_ONE_ARG3"), 1);
  ck_assert_int_eq (binary_define (binaries[1], "FL_DIV16_ARG3"), 1);
  ck_assert_int_eq (binary_define (binaries[2], "FL_ONE_ARG3"), 0);
  ck_assert_int_eq (binary_define (binaries[2], "FL_DIV16_ARG3"), 0);

  /* other values of each class reuse that class's binary, and only it; results stay right */
  const int64_t more[] = { 1, 48, 17, 16, 35, 1, 33 };
  const unsigned more_class[] = { 0, 1, 2, 1, 2, 0, 2 };
  for (unsigned i = 0; i < sizeof more / sizeof more[0]; i++)
    {
      add_reset_out (&a);
      ASSERT_OK (add_launch (b, &a, 0, 0, more[i], &info));
      ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
      add_check (&a, 0, 0, more[i]);
      ck_assert_uint_eq (last_launch ().binary_id, binaries[more_class[i]]);
    }
  ck_assert_uint_eq (stats_of (b).compiles, 3);
  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- globals ------------------------------------------------------------------------------------ */

static const char scale_source[] =
  "// scale: out[i] = SCALE * i\n"
  "extern \"C\" __global__ void scale(float *out, int n)\n"
  "{\n"
  "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
  "  if (i < n) out[i] = SCALE * i;\n"
  "}\n";

START_TEST (test_global_changed)
{
  static const char *const globals[] = { "SCALE" };
  ASSERT_OK (fl_global_set ("SCALE", 3));
  fl_kernel *k = custom_kernel ("scale", scale_source, "scale", "*fp32, i32", globals, 1);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  CUdeviceptr out = dalloc (256 * sizeof (float));
  fl_arg args[] = { FL_PTR (out), FL_INT (200) };
  fl_launch_info info;

  ASSERT_OK (fl_launch (b, grid_for (200), NULL, args, 2, &info));
  ck_assert (fl_test_driver_last_compile_has_option ("-DSCALE=3"));
  ASSERT_OK (fl_launch (b, grid_for (200), NULL, args, 2, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE); /* warm */
  uint64_t launches = fl_test_driver_launch_count ();
  uint64_t compiles = fl_test_driver_compiles ();

  ASSERT_OK (fl_global_set ("SCALE", 5));
  for (int i = 0; i < 2; i++) /* the first call notices the change; the second still refuses */
    {
      ASSERT_STATUS (fl_launch (b, grid_for (200), NULL, args, 2, &info), FL_ERR_GLOBAL_CHANGED);
      ck_assert_int_eq (info.path, FL_PATH_DEFAULT);
      ck_assert_int_eq (info.outcome, FL_OUTCOME_FALLBACK);
      ck_assert_int_eq (info.reason, FL_FALLBACK_GLOBALS_CHANGED);
      const char *msg = fl_last_error ();
      ck_assert_msg (contains (msg, "SCALE") && contains_number (msg, 3) && contains_number (msg, 5),
                     "message does not name the global with old and new values: %s", msg);
      ck_assert_uint_eq (fl_test_driver_launch_count (), launches); /* nothing launched */
    }
  /* the default path refuses too */
  ASSERT_STATUS (fl_launch_default (b, grid_for (200), NULL, args, 2, &info), FL_ERR_GLOBAL_CHANGED);
  ck_assert_uint_eq (fl_test_driver_launch_count (), launches);

  /* restored: the very next call is a hit again, without a recompile or a fallback */
  ASSERT_OK (fl_global_set ("SCALE", 3));
  ck_assert_uint_eq (stats_of (b).fallbacks[FL_FALLBACK_GLOBALS_CHANGED], 2);
  uint64_t default_calls = stats_of (b).default_calls;
  for (int i = 0; i < 2; i++)
    {
      ASSERT_OK (fl_launch (b, grid_for (200), NULL, args, 2, &info));
      ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
    }
  /* a global this kernel does not read changes nothing for it either */
  ASSERT_OK (fl_global_set ("FL_UNIT_UNRELATED", 1));
  ASSERT_OK (fl_launch (b, grid_for (200), NULL, args, 2, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  fl_stats after = stats_of (b);
  ck_assert_uint_eq (after.fallbacks[FL_FALLBACK_GLOBALS_CHANGED], 2);
  ck_assert_uint_eq (after.default_calls, default_calls);
  ck_assert_uint_eq (fl_test_driver_compiles (), compiles);
  ck_assert_uint_eq (fl_test_driver_launch_count (), launches + 3);
  ck_assert_int_eq (binary_define (last_launch ().binary_id, "SCALE"), 3);
  ck_assert_uint_eq (entries_of (b, NULL, 0), 1);

  /* a global that was never set is reported by name */
  static const char *const unset[] = { "FL_UNIT_NEVER_SET" };
  fl_kernel *k2 = custom_kernel ("scale2", scale_source, "scale", "*fp32, i32", unset, 1);
  fl_bound_kernel *b2 = bind (k2, NULL);
  fl_kernel_free (k2);
  ASSERT_STATUS (fl_launch (b2, grid_for (200), NULL, args, 2, &info), FL_ERR_GLOBAL_UNSET);
  ck_assert (contains (fl_last_error (), "FL_UNIT_NEVER_SET"));
  fl_bound_kernel_free (b2);

  dfree (out);
  free_bound (b);
}
END_TEST

/* ---- knobs: debug, instrumentation, compile hook --------------------------------------------- */

START_TEST (test_debug_flip)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;

  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ck_assert (!fl_test_driver_last_compile_has_option ("-G"));
  /* Undefined when off: a kernel's #ifdef FL_DEBUG must see debug off. */
  ck_assert (!fl_test_driver_last_compile_has_option ("-DFL_DEBUG=0"));
  ck_assert (!fl_test_driver_last_compile_has_option ("-DFL_DEBUG=1"));
  ck_assert (!fl_test_driver_last_compile_has_option ("-DFL_DEBUG"));
  uint64_t plain_key = info.spec_key;
  uint64_t plain_binary = last_launch ().binary_id;

  fl_knob_set_debug (true);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  ck_assert_uint_eq (info.spec_key, plain_key | (1ull << FL_KEY_DEBUG_BIT));
  ck_assert (fl_test_driver_last_compile_has_option ("-G"));
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_DEBUG=1"));
  uint64_t debug_binary = last_launch ().binary_id;
  ck_assert (fl_test_driver_binary_has_option (debug_binary, "-G"));
  ck_assert_uint_eq (entries_of (b, NULL, 0), 2);
  ck_assert_uint_eq (fl_test_driver_compiles (), 2);

  fl_knob_set_debug (false);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (info.spec_key, plain_key);
  ck_assert_uint_eq (last_launch ().binary_id, plain_binary);

  fl_knob_set_debug (true);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (last_launch ().binary_id, debug_binary);
  ck_assert_uint_eq (fl_test_driver_compiles (), 2);
  add_check (&a, 0, 0, 64);
  fl_knob_set_debug (false);

  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

START_TEST (test_instrumentation_flip)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;

  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ck_assert (!fl_test_driver_last_compile_has_option ("-lineinfo"));
  uint64_t plain_key = info.spec_key;
  uint64_t plain_binary = last_launch ().binary_id;

  fl_knob_set_instrumentation (FL_INSTR_LINEINFO);
  ck_assert_int_eq (fl_knob_get_instrumentation (), FL_INSTR_LINEINFO);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  ck_assert_uint_eq ((info.spec_key >> FL_KEY_INSTR_SHIFT) & 3, FL_INSTR_LINEINFO);
  ck_assert_uint_eq (info.spec_key & ~(3ull << FL_KEY_INSTR_SHIFT), plain_key);
  ck_assert (fl_test_driver_last_compile_has_option ("-lineinfo"));
  uint64_t instr_binary = last_launch ().binary_id;

  fl_knob_set_instrumentation (FL_INSTR_NONE);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (last_launch ().binary_id, plain_binary);
  fl_knob_set_instrumentation (FL_INSTR_LINEINFO);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (last_launch ().binary_id, instr_binary);
  ck_assert_uint_eq (fl_test_driver_compiles (), 2);
  ck_assert_uint_eq (entries_of (b, NULL, 0), 2);
  fl_knob_set_instrumentation (FL_INSTR_NONE);

  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

typedef struct {
  int calls;
  uint64_t last_key;
  const fl_kernel *kernel;
} compile_hook_state;

static void
compile_hook_fn (const fl_kernel *kernel, uint64_t spec_key, fl_compile_options *options, void *user_data)
{
  compile_hook_state *s = user_data;
  s->calls++;
  s->last_key = spec_key;
  s->kernel = kernel;
  fl_compile_options_add (options, "-maxrregcount=64");
}

START_TEST (test_compile_hook)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;

  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  uint64_t plain_key = info.spec_key;
  ck_assert_uint_eq ((plain_key >> FL_KEY_HOOK_BIT) & 1, 0);

  compile_hook_state hs = { 0 };
  fl_compile_hook hook = { .hook = compile_hook_fn, .user_data = &hs };
  fl_compile_hook_set (&hook);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert_uint_eq (info.spec_key, plain_key | (1ull << FL_KEY_HOOK_BIT));
  ck_assert_int_eq (hs.calls, 1);
  ck_assert_uint_eq (hs.last_key, info.spec_key);
  ck_assert_ptr_eq (hs.kernel, k);
  ck_assert (fl_test_driver_last_compile_has_option ("-maxrregcount=64"));
  ck_assert (fl_test_driver_binary_has_option (last_launch ().binary_id, "-maxrregcount=64"));
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_int_eq (hs.calls, 1);

  fl_compile_hook_set (NULL);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (info.spec_key, plain_key);
  ck_assert (!fl_test_driver_binary_has_option (last_launch ().binary_id, "-maxrregcount=64"));
  ck_assert_uint_eq (fl_test_driver_compiles (), 2);
  add_check (&a, 0, 0, 64);

  fl_kernel_free (k);
  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- launch hooks, metadata, pre-run hooks ------------------------------------------------------ */

typedef struct {
  int enters, exits;
  int null_metadata;
  fl_status last_status;
  fl_launch_metadata last;
  fl_arg first_arg;
} hook_state;

static void
hook_enter (const fl_launch_metadata *md, void *user_data)
{
  hook_state *h = user_data;
  h->enters++;
  if (!md)
    h->null_metadata++;
  else
    {
      h->last = *md;
      h->first_arg = md->n_args ? md->args[0] : (fl_arg){ 0 };
    }
}

static void
hook_exit (const fl_launch_metadata *md, fl_status status, void *user_data)
{
  hook_state *h = user_data;
  (void) md;
  h->exits++;
  h->last_status = status;
}

START_TEST (test_launch_hooks_next_call)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);

  hook_state h = { 0 };
  fl_launch_hooks hooks = { .enter = hook_enter, .exit = hook_exit, .user_data = &h };
  fl_launch_hooks_set (&hooks);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* the very next call, a hit */
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_int_eq (h.enters, 1);
  ck_assert_int_eq (h.exits, 1);
  ck_assert_int_eq (h.last_status, FL_OK);

  /* a miss and a fallback fire them too, once */
  ASSERT_OK (add_launch (b, &a, 0x3, 4, 60, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert_int_eq (h.enters, 2);
  ck_assert_int_eq (h.exits, 2);
  fl_knob_set_skip_fast (true);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  fl_knob_set_skip_fast (false);
  ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_SKIP_SWITCH);
  ck_assert_int_eq (h.enters, 3);
  ck_assert_int_eq (h.exits, 3);

  /* removed: the very next call does not see them */
  fl_launch_hooks_set (NULL);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_int_eq (h.enters, 3);
  ck_assert_int_eq (h.exits, 3);

  /* an exit hook alone works, and sees a failing launch's status */
  hook_state h2 = { 0 };
  fl_launch_hooks exit_only = { .exit = hook_exit, .user_data = &h2 };
  fl_launch_hooks_set (&exit_only);
  fl_test_driver_fail_next ("cuLaunchKernel", CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES);
  ASSERT_STATUS (add_launch (b, &a, 0, 0, 64, &info), FL_ERR_CUDA);
  ck_assert (contains (fl_last_error (), "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"));
  ck_assert_int_eq (h2.exits, 1);
  ck_assert_int_eq (h2.last_status, FL_ERR_CUDA);
  fl_launch_hooks_set (NULL);

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

START_TEST (test_metadata_only_when_asked)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* priming: the default path builds it */
  uint64_t m0 = stats_of (b).metadata_builds;

  for (int i = 0; i < 3; i++)
    ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (stats_of (b).metadata_builds, m0); /* no hook: not built */

  hook_state h = { 0 };
  fl_launch_hooks no_md = { .enter = hook_enter, .exit = hook_exit, .user_data = &h, .wants_metadata = false };
  fl_launch_hooks_set (&no_md);
  for (int i = 0; i < 3; i++)
    ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (stats_of (b).metadata_builds, m0); /* hook that does not ask: not built */
  ck_assert_int_eq (h.enters, 3);
  ck_assert_int_eq (h.null_metadata, 3);

  hook_state h2 = { 0 };
  fl_launch_hooks with_md = { .enter = hook_enter, .exit = hook_exit, .user_data = &h2, .wants_metadata = true };
  fl_launch_hooks_set (&with_md);
  fl_arg args[3];
  add_fill_args (&a, 0, 0, 64, args);
  ASSERT_OK (fl_launch (b, (fl_grid){ 3, 2, 1 }, NULL, args, 3, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (stats_of (b).metadata_builds, m0 + 1);
  ck_assert_int_eq (h2.enters, 1);
  ck_assert_int_eq (h2.null_metadata, 0);
  ck_assert_ptr_eq (h2.last.bound, b);
  ck_assert_str_eq (h2.last.kernel_name, "add2");
  ck_assert_uint_eq (h2.last.grid.x, 3);
  ck_assert_uint_eq (h2.last.grid.y, 2);
  ck_assert_uint_eq (h2.last.block[0], 128);
  ck_assert_uint_eq (h2.last.spec_key, info.spec_key);
  ck_assert_uint_eq (h2.last.n_args, 3);
  ck_assert_int_eq (h2.first_arg.kind, FL_ARG_PTR);
  ck_assert_uint_eq (h2.first_arg.v.ptr, a.buf[0]);
  fl_launch_hooks_set (NULL);

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

typedef struct {
  int order[64];
  int n;
  const fl_bound_kernel *bound;
  bool wrong_bound;
  fl_pre_run_launch last; /* what hook a saw last; last.args points at last_args */
  fl_arg last_args[MAX_PTRS + 1];
} pre_run_log;

static void
pre_run_a (const fl_pre_run_launch *launch, void *user_data)
{
  pre_run_log *l = user_data;
  l->wrong_bound |= launch->bound != l->bound;
  l->last = *launch;
  for (unsigned i = 0; launch->args && i < launch->n_args && i < MAX_PTRS + 1; i++)
    l->last_args[i] = launch->args[i];
  l->last.args = l->last_args;
  if (l->n < 64)
    l->order[l->n++] = 1;
}

static void
pre_run_b (const fl_pre_run_launch *launch, void *user_data)
{
  pre_run_log *l = user_data;
  l->wrong_bound |= launch->bound != l->bound;
  if (l->n < 64)
    l->order[l->n++] = 2;
}

START_TEST (test_pre_run_hooks)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  pre_run_log log = { .bound = b };
  ASSERT_OK (fl_bound_kernel_add_pre_run_hook (b, pre_run_a, &log));
  ASSERT_OK (fl_bound_kernel_add_pre_run_hook (b, pre_run_b, &log));
  fl_launch_info info;

  struct {
    unsigned mask, offset;
    int64_t n;
    bool skip;
    fl_outcome want;
  } calls[] = {
    { 0, 0, 64, false, FL_OUTCOME_MISS },       /* priming */
    { 0, 0, 64, false, FL_OUTCOME_HIT },
    { 0x3, 4, 60, false, FL_OUTCOME_MISS },
    { 0x3, 4, 60, false, FL_OUTCOME_HIT },
    { 0, 0, 64, true, FL_OUTCOME_FALLBACK },
  };
  for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++)
    {
      fl_knob_set_skip_fast (calls[i].skip);
      ASSERT_OK (add_launch (b, &a, calls[i].mask, calls[i].offset, calls[i].n, &info));
      fl_knob_set_skip_fast (false);
      ck_assert_int_eq (info.outcome, calls[i].want);
      ck_assert_int_eq (log.n, 2 * (int) (i + 1)); /* exactly once each per launch */
      ck_assert_int_eq (log.order[2 * i], 1);      /* in the order added */
      ck_assert_int_eq (log.order[2 * i + 1], 2);
    }
  ASSERT_OK (fl_launch_default (b, grid_for (64), NULL, (fl_arg[]){ FL_PTR (a.buf[0]), FL_PTR (a.buf[1]), FL_INT (64) },
                                3, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_DEFAULT);
  ck_assert_int_eq (log.n, 12);
  ck_assert (!log.wrong_bound);

  /* a failed argument check launches nothing and runs no hook */
  ASSERT_STATUS (add_launch (b, &a, 0, 0, (int64_t) 1 << 40, &info), FL_ERR_ARGUMENTS);
  ck_assert_int_eq (log.n, 12);

  /* at most FL_MAX_PRE_RUN_HOOKS */
  for (int i = 2; i < FL_MAX_PRE_RUN_HOOKS; i++)
    ASSERT_OK (fl_bound_kernel_add_pre_run_hook (b, pre_run_a, &log));
  ASSERT_STATUS (fl_bound_kernel_add_pre_run_hook (b, pre_run_a, &log), FL_ERR_INVALID_ARGUMENT);
  ASSERT_STATUS (fl_bound_kernel_add_pre_run_hook (b, NULL, NULL), FL_ERR_INVALID_ARGUMENT);

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* A pre-run hook sees the launch it precedes on every path: the arguments, grid, stream, the
 * bound config and the debug and instrumentation modes the binary was compiled with. */
START_TEST (test_pre_run_hook_sees_launch)
{
  char define[] = "FL_UNIT_TILE=3"; /* the caller's copy changes after binding */
  const char *defines[] = { define };
  fl_config c = { .num_warps = 8, .shared_mem_bytes = 1024, .defines = defines, .n_defines = 1 };
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, &c);
  fl_kernel_free (k);
  define[12] = '9';
  const fl_config *bc = fl_bound_kernel_config (b);
  ck_assert_ptr_nonnull (bc);
  ck_assert_ptr_null (fl_bound_kernel_config (NULL));
  ck_assert_uint_eq (bc->num_warps, 8);
  ck_assert_uint_eq (bc->block_x, 256);
  ck_assert_uint_eq (bc->block_y, 1);
  ck_assert_uint_eq (bc->block_z, 1);
  ck_assert_uint_eq (bc->shared_mem_bytes, 1024);
  ck_assert_uint_eq (bc->n_defines, 1);
  ck_assert_str_eq (bc->defines[0], "FL_UNIT_TILE=3");

  add_bufs a;
  add_bufs_init (&a, 2, 64);
  pre_run_log log = { .bound = b };
  ASSERT_OK (fl_bound_kernel_add_pre_run_hook (b, pre_run_a, &log));
  CUstream stream = NULL;
  ck_assert_int_eq (drv ()->cuStreamCreate (&stream, 0), CUDA_SUCCESS);

  struct {
    unsigned mask, offset;
    int64_t n;
    bool debug, skip, use_default;
    fl_instr_mode instr;
    fl_outcome want;
  } calls[] = {
    { 0, 0, 64, false, false, false, FL_INSTR_NONE, FL_OUTCOME_MISS },
    { 0, 0, 64, false, false, false, FL_INSTR_NONE, FL_OUTCOME_HIT },
    { 0x1, 4, 33, false, false, false, FL_INSTR_NONE, FL_OUTCOME_MISS },
    { 0, 0, 64, true, false, false, FL_INSTR_NONE, FL_OUTCOME_MISS },
    { 0, 0, 64, true, false, false, FL_INSTR_NONE, FL_OUTCOME_HIT },
    { 0, 0, 48, false, false, false, FL_INSTR_LINEINFO, FL_OUTCOME_MISS },
    { 0, 0, 48, true, true, false, FL_INSTR_LINEINFO, FL_OUTCOME_FALLBACK },
    { 0, 0, 17, true, false, true, FL_INSTR_NONE, FL_OUTCOME_DEFAULT },
  };
  for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++)
    {
      fl_knob_set_debug (calls[i].debug);
      fl_knob_set_instrumentation (calls[i].instr);
      fl_knob_set_skip_fast (calls[i].skip);
      fl_arg args[3];
      unsigned n_args = add_fill_args (&a, calls[i].mask, calls[i].offset, calls[i].n, args);
      fl_grid grid = { (unsigned) i + 1, 2, 1 };
      fl_launch_info info;
      if (calls[i].use_default)
        ASSERT_OK (fl_launch_default (b, grid, stream, args, n_args, &info));
      else
        ASSERT_OK (fl_launch (b, grid, stream, args, n_args, &info));
      ck_assert_int_eq (info.outcome, calls[i].want);
      ck_assert_int_eq (log.n, (int) i + 1);
      const fl_pre_run_launch *l = &log.last;
      ck_assert_ptr_eq (l->bound, b);
      ck_assert_ptr_eq (l->config, bc);
      ck_assert_msg (l->grid.x == grid.x && l->grid.y == 2 && l->grid.z == 1, "call %u: grid %ux%ux%u", i, l->grid.x,
                     l->grid.y, l->grid.z);
      ck_assert_ptr_eq (l->stream, stream);
      ck_assert_uint_eq (l->n_args, 3);
      for (unsigned j = 0; j < 3; j++)
        ck_assert_msg (memcmp (&log.last_args[j], &args[j], sizeof args[j]) == 0, "call %u: argument %u differs", i, j);
      ck_assert_uint_eq (l->spec_key, info.spec_key);
      ck_assert_int_eq (l->debug, calls[i].debug);
      ck_assert_int_eq (l->instrumentation, calls[i].instr);
      ck_assert_int_eq ((l->spec_key >> FL_KEY_DEBUG_BIT) & 1, calls[i].debug);
      ck_assert_uint_eq ((l->spec_key >> FL_KEY_INSTR_SHIFT) & 3, calls[i].instr);
    }
  fl_knob_set_debug (false);
  fl_knob_set_instrumentation (FL_INSTR_NONE);
  fl_knob_set_skip_fast (false);
  ck_assert (!log.wrong_bound);
  ck_assert_int_eq (drv ()->cuStreamSynchronize (stream), CUDA_SUCCESS);
  ck_assert_int_eq (drv ()->cuStreamDestroy (stream), CUDA_SUCCESS);
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- configs -------------------------------------------------------------------------------------- */

START_TEST (test_two_configs_separate)
{
  fl_kernel *k = add_kernel (2);
  fl_config c4 = { .num_warps = 4 }, c8 = { .num_warps = 8 };
  fl_bound_kernel *b4 = bind (k, &c4), *b8 = bind (k, &c8);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;

  ASSERT_OK (add_launch (b4, &a, 0, 0, 64, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_MISS);
  fl_test_launch l4 = last_launch ();
  ck_assert_uint_eq (l4.block[0], 128);
  ASSERT_OK (add_launch (b8, &a, 0, 0, 64, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_MISS); /* not a hit on the other config's table */
  fl_test_launch l8 = last_launch ();
  ck_assert_uint_eq (l8.block[0], 256);
  ck_assert_ptr_ne (l4.function, l8.function);
  ck_assert_int_eq (binary_define (l4.binary_id, "FL_NUM_WARPS"), 4);
  ck_assert_int_eq (binary_define (l8.binary_id, "FL_NUM_WARPS"), 8);

  for (int i = 0; i < 3; i++)
    {
      ASSERT_OK (add_launch (b4, &a, 0, 0, 64, &info));
      ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
      ck_assert_uint_eq (last_launch ().block[0], 128);
      ck_assert_ptr_eq (last_launch ().function, l4.function);
    }
  ASSERT_OK (add_launch (b8, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (last_launch ().block[0], 256);
  ck_assert_ptr_eq (last_launch ().function, l8.function);

  fl_stats s4 = stats_of (b4), s8 = stats_of (b8);
  ck_assert_uint_eq (s4.primings, 1);
  ck_assert_uint_eq (s8.primings, 1);
  ck_assert_uint_eq (s4.fast_hits, 3);
  ck_assert_uint_eq (s8.fast_hits, 1);
  ck_assert_uint_eq (s4.compiles, 1);
  ck_assert_uint_eq (s8.compiles, 1);
  fl_spec_entry e4[2], e8[2];
  ck_assert_uint_eq (entries_of (b4, e4, 2), 1);
  ck_assert_uint_eq (entries_of (b8, e8, 2), 1);
  ck_assert_ptr_eq (e4[0].function, l4.function);
  ck_assert_ptr_eq (e8[0].function, l8.function);
  ck_assert_uint_eq (e4[0].hits, 3);
  ck_assert_uint_eq (e8[0].hits, 1);

  /* an explicit block and a config define reach the launch and the compile */
  static const char *const defs[] = { "FL_UNIT_TILE=7" };
  fl_config c = { .block_x = 64, .block_y = 2, .n_defines = 1, .defines = defs };
  fl_kernel *k2 = add_kernel (2);
  fl_bound_kernel *b2 = bind (k2, &c);
  fl_kernel_free (k2);
  ASSERT_OK (add_launch (b2, &a, 0, 0, 64, &info));
  ck_assert_uint_eq (last_launch ().block[0], 64);
  ck_assert_uint_eq (last_launch ().block[1], 2);
  ck_assert_int_eq (binary_define (last_launch ().binary_id, "FL_UNIT_TILE"), 7);
  fl_bound_kernel_free (b2);

  add_bufs_free (&a);
  fl_bound_kernel_free (b4);
  free_bound (b8);
}
END_TEST

/* ---- permanent and run-time fallbacks --------------------------------------------------------- */

START_TEST (test_skip_env)
{
  fl_kernel *k = add_kernel (2);
  setenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER", "1", 1);
  fl_bound_kernel *b = bind (k, NULL);
  unsetenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER");
  fl_bound_kernel *other = bind (k, NULL); /* read at bind time: this one is not affected */
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;

  for (int i = 0; i < 3; i++)
    {
      add_reset_out (&a);
      ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
      ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_SKIP_ENV);
      add_check (&a, 0, 0, 64);
    }
  fl_stats s = stats_of (b);
  ck_assert_int_eq (s.permanent_fallback, FL_FALLBACK_SKIP_ENV);
  ck_assert_uint_eq (s.fallbacks[FL_FALLBACK_SKIP_ENV], 3);
  ck_assert_uint_eq (s.default_calls, 3);
  ck_assert_uint_eq (s.fast_hits, 0);
  ck_assert_uint_eq (s.primings, 0);
  ck_assert_uint_eq (s.compiles, 1); /* the default path's own cache still works */
  ck_assert_uint_eq (entries_of (b, NULL, 0), 0);

  ASSERT_OK (add_launch (other, &a, 0, 0, 64, &info));
  ASSERT_OK (add_launch (other, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);

  add_bufs_free (&a);
  fl_bound_kernel_free (other);
  free_bound (b);
}
END_TEST

/* The switch reads the usual boolean spellings in any case; a value that is neither leaves the
 * fast launcher on and says so through the event sink. */
START_TEST (test_skip_env_values)
{
  static const struct {
    const char *value;
    bool skips, reported;
  } cases[] = {
    { "1", true, false },      { "true", true, false }, { "TRUE", true, false },   { "Yes", true, false },
    { "on", true, false },     { "ON", true, false },   { "0", false, false },     { "false", false, false },
    { "No", false, false },    { "off", false, false }, { "", false, false },      { NULL, false, false },
    { "maybe", false, true },  { "2", false, true },    { " 1", false, true },
  };
  fl_kernel *k = add_kernel (2);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_event_sink_set (&event_collector);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const char *value = cases[i].value;
      if (value)
        setenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER", value, 1);
      else
        unsetenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER");
      events_clear ();
      fl_bound_kernel *b = bind (k, NULL);
      unsetenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER");
      ck_assert_msg (events_count (FL_EVENT_ERROR) == (cases[i].reported ? 1u : 0u), "'%s': %u error events",
                     value ? value : "(unset)", events_count (FL_EVENT_ERROR));
      if (cases[i].reported)
        {
          pthread_mutex_lock (&events_lock);
          const event_rec *e = &events[0];
          ck_assert_ptr_eq (e->bound, b);
          ck_assert_msg (contains (e->message, "FASTLAUNCH_SKIP_FAST_LAUNCHER") && contains (e->message, value)
                           && contains (e->message, "add2"),
                         "the message names neither the variable, its value nor the kernel: %s", e->message);
          pthread_mutex_unlock (&events_lock);
        }
      fl_launch_info info;
      ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
      ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
      if (cases[i].skips)
        ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_SKIP_ENV);
      else
        ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
      ck_assert_int_eq (stats_of (b).permanent_fallback, cases[i].skips ? FL_FALLBACK_SKIP_ENV : FL_FALLBACK_NONE);
      fl_bound_kernel_free (b);
    }
  fl_event_sink_set (NULL);
  fl_kernel_free (k);
  add_bufs_free (&a);
}
END_TEST

START_TEST (test_skip_switch)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 3, 64);
  fl_launch_info info;
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  fl_spec_entry before[2];
  ck_assert_uint_eq (entries_of (b, before, 2), 1);

  fl_knob_set_skip_fast (true);
  ck_assert (fl_knob_get_skip_fast ());
  for (int i = 0; i < 2; i++)
    {
      add_reset_out (&a);
      ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
      ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_SKIP_SWITCH);
      add_check (&a, 0, 0, 64);
    }
  fl_knob_set_skip_fast (false);

  add_reset_out (&a);
  uint64_t compiles = fl_test_driver_compiles ();
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  add_check (&a, 0, 0, 64);
  fl_spec_entry after[2];
  ck_assert_uint_eq (entries_of (b, after, 2), 1);
  ck_assert_uint_eq (after[0].key, before[0].key);
  ck_assert_ptr_eq (after[0].function, before[0].function);
  ck_assert_uint_eq (after[0].hits, before[0].hits + 1);
  ck_assert_uint_eq (fl_test_driver_compiles (), compiles);
  fl_stats s = stats_of (b);
  ck_assert_uint_eq (s.fallbacks[FL_FALLBACK_SKIP_SWITCH], 2);
  ck_assert_int_eq (s.permanent_fallback, FL_FALLBACK_NONE);

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- compile failures -------------------------------------------------------------------------- */

static const char broken_source[] =
  "// broken: a compile error on line 4\n"
  "extern \"C\" __global__ void broken(float *out, int n)\n"
  "{\n"
  "  out[0] = FL_TEST_COMPILE_ERROR;\n"
  "}\n";

START_TEST (test_compile_failure)
{
  fl_kernel *k = custom_kernel ("broken", broken_source, "broken", "*fp32, i32", NULL, 0);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  CUdeviceptr out = dalloc (64 * sizeof (float));
  fl_arg args[] = { FL_PTR (out), FL_INT (16) };
  fl_launch_info info;
  events_clear ();
  fl_event_sink_set (&event_collector);

  for (unsigned attempt = 1; attempt <= 2; attempt++)
    {
      ASSERT_STATUS (fl_launch (b, grid_for (16), NULL, args, 2, &info), FL_ERR_COMPILE);
      const char *msg = fl_last_error ();
      ck_assert_msg (contains (msg, "(4): error") && contains (msg, "FL_TEST_COMPILE_ERROR"),
                     "the message lacks the NVRTC log with its line number: %s", msg);
      ck_assert_uint_eq (fl_test_driver_compiles (), attempt); /* nothing cached: retried */
      ck_assert_uint_eq (entries_of (b, NULL, 0), 0);
      ck_assert_uint_eq (fl_test_driver_launch_count (), 0);
      ck_assert_uint_eq (cache_files (NULL, 0), 0);
    }
  ck_assert_uint_eq (stats_of (b).compiles, 0);
  ck_assert_uint_eq (events_count (FL_EVENT_ERROR), 2);
  pthread_mutex_lock (&events_lock);
  bool found = false;
  for (unsigned i = 0; i < n_events; i++)
    found |= events[i].type == FL_EVENT_ERROR && events[i].status == FL_ERR_COMPILE
             && contains (events[i].message, "(4): error");
  pthread_mutex_unlock (&events_lock);
  ck_assert (found);
  fl_event_sink_set (NULL);

  dfree (out);
  free_bound (b);
}
END_TEST

START_TEST (test_compile_failure_other_entries_unaffected)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 3, 64);
  fl_launch_info info;
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* entry A: aligned */

  fl_test_driver_fail_next ("nvrtcCompileProgram", (CUresult) NVRTC_ERROR_COMPILATION);
  ASSERT_STATUS (add_launch (b, &a, 0x7, 4, 60, &info), FL_ERR_COMPILE);
  ck_assert (contains (fl_last_error (), "NVRTC_ERROR_COMPILATION"));
  ck_assert_uint_eq (entries_of (b, NULL, 0), 1);

  add_reset_out (&a);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* entry A still works */
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  add_check (&a, 0, 0, 64);

  add_reset_out (&a);
  ASSERT_OK (add_launch (b, &a, 0x7, 4, 60, &info)); /* the failed key retries and succeeds */
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  add_check (&a, 0x7, 4, 60);
  ck_assert_uint_eq (entries_of (b, NULL, 0), 2);
  ck_assert_uint_eq (fl_test_driver_calls ("nvrtcCompileProgram"), 3);

  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- priming failure ------------------------------------------------------------------------- */

START_TEST (test_priming_failure)
{
  /* 57 pointers need 57 alignment bits: more than the key's 56 argument bits */
  enum { N = 57 };
  char source[4096], signature[1024];
  size_t s = (size_t) snprintf (source, sizeof source, "extern \"C\" __global__ void many(");
  size_t g = 0;
  for (int i = 0; i < N; i++)
    {
      s += (size_t) snprintf (source + s, sizeof source - s, "%sfloat *p%d", i ? ", " : "", i);
      g += (size_t) snprintf (signature + g, sizeof signature - g, "%s*fp32", i ? ", " : "");
    }
  snprintf (source + s, sizeof source - s, ") { }\n");
  fl_kernel *k = custom_kernel ("many", source, "many", signature, NULL, 0);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  CUdeviceptr buf = dalloc (256);
  fl_arg args[N];
  for (int i = 0; i < N; i++)
    args[i] = FL_PTR (buf + (i % 2 ? 4 : 0));
  fl_launch_info info;

  for (int i = 0; i < 3; i++)
    {
      ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, N, &info));
      ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_PRIMING_FAILED);
    }
  fl_stats st = stats_of (b);
  ck_assert_int_eq (st.permanent_fallback, FL_FALLBACK_PRIMING_FAILED);
  ck_assert_uint_eq (st.fallbacks[FL_FALLBACK_PRIMING_FAILED], 3);
  ck_assert_uint_eq (st.default_calls, 3);
  ck_assert_uint_eq (entries_of (b, NULL, 0), 0);
  ck_assert_uint_eq (fl_test_driver_launch_count (), 3);
  fl_test_launch l = last_launch ();
  ck_assert_str_eq (l.entry, "many");
  ck_assert_uint_eq (l.n_params, N);
  ck_assert_uint_eq (l.params[1], buf + 4);

  dfree (buf);
  free_bound (b);
}
END_TEST

/* A kernel whose arguments do not fit the key still gets a binary specialized for exactly its
 * arguments on the default path: pointer 56 unaligned, the debug knob, an integer past the key's
 * width — none of them may alias another argument's bit or a knob bit. */
START_TEST (test_unkeyable_kernel_specialized_per_argument)
{
  enum { N = 58 }; /* 57 pointers and one integer */
  char source[4096], signature[1024];
  size_t s = (size_t) snprintf (source, sizeof source, "extern \"C\" __global__ void many(");
  size_t g = 0;
  for (int i = 0; i < N - 1; i++)
    {
      s += (size_t) snprintf (source + s, sizeof source - s, "%sfloat *p%d", i ? ", " : "", i);
      g += (size_t) snprintf (signature + g, sizeof signature - g, "%s*fp32", i ? ", " : "");
    }
  snprintf (source + s, sizeof source - s, ", int n) { }\n");
  snprintf (signature + g, sizeof signature - g, ", i32");
  fl_kernel *k = custom_kernel ("many", source, "many", signature, NULL, 0);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  CUdeviceptr buf = dalloc (256);
  fl_arg args[N];
  for (int i = 0; i < N - 1; i++)
    args[i] = FL_PTR (buf + (i == 56 ? 4 : 0)); /* only the last pointer is unaligned */
  args[N - 1] = FL_INT (32);
  fl_launch_info info;

  ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, N, &info));
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_ALIGN16_ARG56=0"));
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_ALIGN16_ARG0=1"));
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_ALL_ALIGNED=0"));
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_DIV16_ARG57=1"));
  ck_assert (!fl_test_driver_last_compile_has_option ("-G"));
  ck_assert_uint_eq (stats_of (b).compiles, 1);

  /* The debug knob must select a different binary, not reuse the one above. */
  fl_knob_set_debug (true);
  ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, N, &info));
  fl_knob_set_debug (false);
  ck_assert_uint_eq (stats_of (b).compiles, 2);
  ck_assert (fl_test_driver_last_compile_has_option ("-G"));
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_ALIGN16_ARG56=0"));

  /* Now every pointer aligned and n == 1: a third binary, with those facts. */
  args[56] = FL_PTR (buf);
  args[N - 1] = FL_INT (1);
  ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, N, &info));
  ck_assert_uint_eq (stats_of (b).compiles, 3);
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_ALL_ALIGNED=1"));
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_ONE_ARG57=1"));
  ck_assert_uint_eq (fl_test_driver_specialization_violations (), 0);

  dfree (buf);
  free_bound (b);
}
END_TEST

/* Scalars on the fast path: every kind packed into its slot as the kernel reads it, on the
 * miss and on the hit alike; a constexpr change and a bad boolean leave the fast path. */
START_TEST (test_scalar_arguments_packed)
{
  fl_kernel *k = custom_kernel ("scalars",
                                "extern \"C\" __global__ void scalars(float *y, float a, __half h, __nv_bfloat16 b, "
                                "double d, bool flag, int n) { }\n",
                                "scalars", "*fp32, fp32, fp16, bf16, fp64, i1, constexpr, i32", NULL, 0);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  CUdeviceptr y = dalloc (256);
  fl_arg args[8] = { FL_PTR (y), FL_F32 (1.5f), FL_F32 (1.5f), FL_F64 (1.5), FL_F64 (-2.25), FL_INT (1), FL_INT (7),
                     FL_INT (33) };
  fl_launch_info info;
  for (int i = 0; i < 2; i++)
    {
      ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, 8, &info));
      ck_assert_int_eq (info.outcome, i == 0 ? FL_OUTCOME_MISS : FL_OUTCOME_HIT);
      fl_test_launch l = last_launch ();
      ck_assert_uint_eq (l.n_params, 7); /* the constexpr is compiled in, not passed */
      float f;
      double d;
      memcpy (&f, &l.params[1], sizeof f);
      memcpy (&d, &l.params[4], sizeof d);
      ck_assert (f == 1.5f);
      ck_assert_uint_eq (l.params[2] & 0xffff, 0x3e00); /* 1.5 in fp16 */
      ck_assert_uint_eq (l.params[3] & 0xffff, 0x3fc0); /* 1.5 in bf16 */
      ck_assert (d == -2.25);
      ck_assert_uint_eq (l.params[5] & 0xff, 1);
      ck_assert_uint_eq (l.params[6] & 0xffffffff, 33);
    }
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_CONSTEXPR_ARG6=7"));

  args[6] = FL_INT (8);
  ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, 8, &info));
  ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_CONSTEXPR_CHANGED);
  ck_assert (fl_test_driver_last_compile_has_option ("-DFL_CONSTEXPR_ARG6=8"));
  args[6] = FL_INT (7);
  args[5] = FL_INT (2);
  ck_assert_int_eq (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, 8, &info), FL_ERR_ARGUMENTS);
  ck_assert_int_eq (info.reason, FL_FALLBACK_ARGUMENTS);
  ck_assert_ptr_nonnull (strstr (fl_last_error (), "argument 5"));
  dfree (y);
  free_bound (b);
}
END_TEST

/* The event clock is CLOCK_MONOTONIC's scale and origin, whatever it reads underneath. */
START_TEST (test_event_clock_tracks_monotonic)
{
  /* Under valgrind (the meson setup says so) the 10 ms calibration runs emulated on a loaded
   * machine and the TSC scale is off by up to ~1e-4: a looser bound, the same check. */
  const uint64_t slack = getenv ("FL_TEST_EMULATED_CPU") ? 2000000 : 20000;
  for (int i = 0; i < 5; i++)
    {
      struct timespec ts;
      uint64_t a = fl_clock_ns ();
      clock_gettime (CLOCK_MONOTONIC, &ts);
      uint64_t m = (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
      uint64_t b = fl_clock_ns ();
      ck_assert_uint_le (a, b);
      /* within 20 us of the monotonic reading taken between the two */
      ck_assert_msg (m + slack >= a && m <= b + slack, "event clock %llu..%llu vs monotonic %llu",
                     (unsigned long long) a, (unsigned long long) b, (unsigned long long) m);
      nanosleep (&(struct timespec){ 0, 20000000 }, NULL);
    }
}
END_TEST

/* ---- many threads on the first call ---------------------------------------------------------- */

enum { N_THREADS = 8 };

typedef struct {
  fl_bound_kernel *bound;
  pthread_barrier_t *barrier;
  add_bufs *bufs;
  fl_status status[2];
  fl_launch_info info[2];
  char error[256];
} thread_job;

static void *
thread_main (void *p)
{
  thread_job *job = p;
  fl_status st = fl_use_device (0); /* the current context is per thread */
  if (st != FL_OK)
    {
      snprintf (job->error, sizeof job->error, "fl_use_device: %s", fl_last_error ());
      pthread_barrier_wait (job->barrier);
      return NULL;
    }
  pthread_barrier_wait (job->barrier);
  job->status[0] = add_launch (job->bound, job->bufs, 0, 0, 256, &job->info[0]);
  if (job->status[0] != FL_OK)
    snprintf (job->error, sizeof job->error, "%s", fl_last_error ());
  job->status[1] = add_launch (job->bound, job->bufs, 0x7, 4, 200, &job->info[1]);
  if (job->status[1] != FL_OK)
    snprintf (job->error, sizeof job->error, "%s", fl_last_error ());
  return NULL;
}

START_TEST (test_threads_first_call)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs bufs[N_THREADS];
  thread_job jobs[N_THREADS];
  pthread_t threads[N_THREADS];
  pthread_barrier_t barrier;
  pthread_barrier_init (&barrier, NULL, N_THREADS);
  for (int i = 0; i < N_THREADS; i++)
    {
      add_bufs_init (&bufs[i], 3, 256);
      jobs[i] = (thread_job){ .bound = b, .barrier = &barrier, .bufs = &bufs[i] };
    }
  for (int i = 0; i < N_THREADS; i++)
    ck_assert_int_eq (pthread_create (&threads[i], NULL, thread_main, &jobs[i]), 0);
  for (int i = 0; i < N_THREADS; i++)
    pthread_join (threads[i], NULL);
  pthread_barrier_destroy (&barrier);

  unsigned compiled = 0;
  for (int i = 0; i < N_THREADS; i++)
    {
      ck_assert_msg (jobs[i].status[0] == FL_OK && jobs[i].status[1] == FL_OK, "thread %d: %s", i, jobs[i].error);
      for (int c = 0; c < 2; c++)
        {
          ck_assert_int_eq (jobs[i].info[c].path, FL_PATH_FAST);
          ck_assert (jobs[i].info[c].outcome == FL_OUTCOME_MISS || jobs[i].info[c].outcome == FL_OUTCOME_HIT);
          compiled += jobs[i].info[c].compiled;
        }
      /* the second call wrote the offset view over the first one's output */
      float out[256 + SLACK];
      ck_assert_int_eq (drv ()->cuMemcpyDtoH (out, bufs[i].buf[0], sizeof out), CUDA_SUCCESS);
      ck_assert (out[0] == 0.0f + 100 + 200);                 /* first call, element 0 */
      for (int j = 0; j < 200; j++)
        ck_assert (out[1 + j] == (float) (100 + 1 + j + 200 + 1 + j));
      ck_assert (out[201] == (float) (100 + 201 + 200 + 201)); /* first call, past the view */
    }
  fl_stats s = stats_of (b);
  ck_assert_uint_eq (s.primings, 1);
  ck_assert_uint_eq (s.compiles, 2); /* one per spec, however many threads raced */
  ck_assert_uint_eq (compiled, 2);
  ck_assert_uint_eq (s.fast_misses, 2); /* misses are the compiles needed; racers are waits */
  unsigned waited = 0, missed = 0;
  for (int i = 0; i < N_THREADS; i++)
    for (int c = 0; c < 2; c++)
      {
        missed += jobs[i].info[c].outcome == FL_OUTCOME_MISS;
        waited += jobs[i].info[c].waited;
        ck_assert (!jobs[i].info[c].waited || jobs[i].info[c].outcome == FL_OUTCOME_MISS);
      }
  ck_assert_uint_eq (s.fast_waits, waited);
  ck_assert_uint_eq (missed, 2 + waited);
  ck_assert_uint_eq (fl_test_driver_compiles (), 2);
  ck_assert_uint_eq (fl_test_driver_module_loads (), 2);
  ck_assert_uint_eq (entries_of (b, NULL, 0), 2);
  ck_assert_uint_eq (s.fast_misses + s.fast_waits + s.fast_hits, 2 * N_THREADS);
  ck_assert_uint_eq (fl_test_driver_launch_count (), 2 * N_THREADS);
  assert_no_misuse ();
  for (int i = 0; i < N_THREADS; i++)
    add_bufs_free (&bufs[i]);
  free_bound (b);
}
END_TEST

/* A launch that misses, and while it is in the default path another launch of the same spec
 * inserts it (here a pre-run hook makes that launch, so the race is certain): one miss for the
 * spec, whose compile both used, and one wait. */
typedef struct {
  fl_bound_kernel *bound;
  const add_bufs *bufs;
  int depth;
  fl_launch_info inner;
  fl_status inner_status;
} racing_launch;

static void
launch_same_spec_inside (const fl_pre_run_launch *launch, void *user_data)
{
  racing_launch *r = user_data;
  if (r->depth++ == 0 && launch->n_args == 3 && launch->args[2].v.i == 48)
    r->inner_status = add_launch (r->bound, r->bufs, 0, 0, 48, &r->inner);
  r->depth--;
}

START_TEST (test_racing_miss_counts_a_wait)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;
  ASSERT_OK (add_launch (b, &a, 0, 0, 33, &info)); /* primes with another spec */
  racing_launch r = { .bound = b, .bufs = &a };
  ASSERT_OK (fl_bound_kernel_add_pre_run_hook (b, launch_same_spec_inside, &r));
  fl_event_sink_set (&event_collector);
  events_clear ();
  uint64_t compiles = fl_test_driver_compiles ();

  ASSERT_OK (add_launch (b, &a, 0, 0, 48, &info)); /* n % 16 == 0: a new spec */
  ck_assert_int_eq (r.inner_status, FL_OK);
  ASSERT_INFO (r.inner, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (!r.inner.waited);
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.waited);
  ck_assert (info.compiled); /* the outer call compiled, the inner found its module: one compile */
  ck_assert (!r.inner.compiled);
  ck_assert_uint_eq (fl_test_driver_compiles (), compiles + 1);
  fl_stats s = stats_of (b);
  ck_assert_uint_eq (s.fast_misses, 2); /* the priming spec and this one */
  ck_assert_uint_eq (s.fast_waits, 1);
  ck_assert_uint_eq (entries_of (b, NULL, 0), 2);

  /* the sink hears which miss waited */
  unsigned launches = 0, waits = 0;
  pthread_mutex_lock (&events_lock);
  for (unsigned i = 0; i < n_events; i++)
    if (events[i].type == FL_EVENT_LAUNCH)
      {
        launches++;
        waits += events[i].waited;
      }
  pthread_mutex_unlock (&events_lock);
  ck_assert_uint_eq (launches, 2);
  ck_assert_uint_eq (waits, 1);
  fl_event_sink_set (NULL);

  ASSERT_OK (add_launch (b, &a, 0, 0, 48, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert (!info.waited);
  add_check (&a, 0, 0, 48);
  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- context guard --------------------------------------------------------------------------- */

START_TEST (test_context_changed)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;
  CUcontext primary = NULL;
  ck_assert_int_eq (drv ()->cuCtxGetCurrent (&primary), CUDA_SUCCESS);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  fl_spec_entry before[2];
  ck_assert_uint_eq (entries_of (b, before, 2), 1);

  CUcontext second = NULL;
  ck_assert_int_eq (drv ()->cuCtxCreate (&second, 0, 0), CUDA_SUCCESS); /* and makes it current */
  for (int i = 0; i < 2; i++)
    {
      add_reset_out (&a);
      ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
      ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_CONTEXT_CHANGED);
      add_check (&a, 0, 0, 64);
      fl_test_launch l = last_launch ();
      ck_assert_ptr_eq (l.context, second);
      ck_assert_ptr_eq (fl_test_driver_function_context (l.function), second);
    }
  ck_assert_uint_eq (fl_test_driver_cross_context_launches (), 0);
  ck_assert_uint_eq (stats_of (b).compiles, 1); /* the other context loads the cubin from disk */

  ck_assert_int_eq (drv ()->cuCtxSetCurrent (primary), CUDA_SUCCESS);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  fl_spec_entry after[2];
  ck_assert_uint_eq (entries_of (b, after, 2), 1);
  ck_assert_ptr_eq (after[0].function, before[0].function);
  ck_assert_ptr_eq (last_launch ().context, primary);

  /* no context at all on this thread */
  ck_assert_int_eq (drv ()->cuCtxSetCurrent (NULL), CUDA_SUCCESS);
  ck_assert_int_ne (add_launch (b, &a, 0, 0, 64, &info), FL_OK);
  ck_assert_int_eq (fl_launch_default (b, grid_for (64), NULL,
                                       (fl_arg[]){ FL_PTR (a.buf[0]), FL_PTR (a.buf[1]), FL_INT (64) }, 3, &info),
                    FL_ERR_NO_CONTEXT);
  ck_assert_int_eq (drv ()->cuCtxSetCurrent (primary), CUDA_SUCCESS);

  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
  ck_assert_int_eq (drv ()->cuCtxDestroy (second), CUDA_SUCCESS);
}
END_TEST

/* Two devices (on the double; the GPU suite needs a two-GPU machine for this): primed on
 * device 0, launched with device 1's context current, the call goes through the default
 * path's per-device dispatch, compiles for device 1's architecture, never uses device 0's
 * function, and alternating devices keeps device 0 on the fast path. */
START_TEST (test_second_device)
{
  fl_test_driver_set_device_count (2);
  fl_test_driver_set_compute_capability (1, 8, 0);
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 3, 64);
  fl_launch_info info;
  CUcontext ctx0 = NULL, ctx1 = NULL;
  CUdevice dev1;
  ck_assert_int_eq (drv ()->cuCtxGetCurrent (&ctx0), CUDA_SUCCESS);
  ck_assert_int_eq (drv ()->cuDeviceGet (&dev1, 1), CUDA_SUCCESS);
  ck_assert_int_eq (drv ()->cuDevicePrimaryCtxRetain (&ctx1, dev1), CUDA_SUCCESS);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  const uint64_t binary0 = last_launch ().binary_id;
  ck_assert (fl_test_driver_binary_has_option (binary0, "--gpu-architecture=sm_90"));

  uint64_t by_device[2] = { 0, 0 }, hits0 = 0, fallbacks1 = 0;
  for (int i = 0; i < 1000; i++)
    {
      int d = i % 2 ? 1 : 0;
      ck_assert_int_eq (drv ()->cuCtxSetCurrent (d ? ctx1 : ctx0), CUDA_SUCCESS);
      add_reset_out (&a);
      ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
      add_check (&a, 0, 0, 64);
      fl_test_launch l = last_launch ();
      ck_assert_ptr_eq (l.context, d ? ctx1 : ctx0);
      if (d)
        {
          ck_assert (l.binary_id != binary0);
          ck_assert (fl_test_driver_binary_has_option (l.binary_id, "--gpu-architecture=sm_80"));
          fallbacks1 += info.outcome == FL_OUTCOME_FALLBACK && info.reason == FL_FALLBACK_CONTEXT_CHANGED;
        }
      else
        {
          ck_assert_uint_eq (l.binary_id, binary0);
          hits0 += info.outcome == FL_OUTCOME_HIT;
        }
      by_device[d]++;
    }
  ck_assert_uint_eq (hits0, by_device[0]);
  ck_assert_uint_eq (fallbacks1, by_device[1]);
  ck_assert_uint_eq (stats_of (b).compiles, 2);        /* once per architecture */
  ck_assert_uint_eq (entries_of (b, NULL, 0), 1);       /* the fast table holds device 0's only */
  ck_assert_uint_eq (fl_test_driver_cross_context_launches (), 0);
  ck_assert_int_eq (drv ()->cuCtxSetCurrent (ctx0), CUDA_SUCCESS);
  assert_no_misuse ();
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- graph capture ----------------------------------------------------------------------------- */

START_TEST (test_capture)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a1, a2;
  add_bufs_init (&a1, 3, 128);
  add_bufs_init (&a2, 3, 128);
  CUstream stream = NULL;
  ck_assert_int_eq (drv ()->cuStreamCreate (&stream, CU_STREAM_NON_BLOCKING), CUDA_SUCCESS);
  fl_launch_info info;
  fl_arg args[4];

  add_fill_args (&a1, 0, 0, 128, args);
  ASSERT_OK (fl_launch (b, grid_for (128), stream, args, 4, &info));
  ASSERT_OK (fl_launch (b, grid_for (128), stream, args, 4, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  add_reset_out (&a1);
  uint64_t executed_before = fl_test_driver_launch_count ();

  ck_assert (!fl_capture_active ());
  ASSERT_OK (fl_capture_begin (stream));
  ck_assert (fl_capture_active ());
  add_fill_args (&a1, 0, 0, 128, args);
  ASSERT_OK (fl_launch (b, grid_for (128), stream, args, 4, &info));
  ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_CAPTURE);
  add_fill_args (&a2, 0x7, 4, 100, args); /* a new spec while capturing */
  ASSERT_OK (fl_launch (b, grid_for (100), stream, args, 4, &info));
  ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_CAPTURE);
  ASSERT_OK (fl_launch (b, grid_for (100), stream, args, 4, &info));
  ck_assert_uint_eq (fl_test_driver_launch_count (), executed_before + 3);
  ck_assert (last_launch ().captured);
  add_check (&a1, 0, 0, 0); /* recorded, not run: the output is untouched */
  add_check (&a2, 0, 0, 0);

  fl_graph *graph = NULL;
  ASSERT_OK (fl_capture_end (stream, &graph));
  ck_assert (!fl_capture_active ());
  ck_assert_uint_eq (fl_graph_node_count (graph), 3);
  ASSERT_OK (fl_graph_launch (graph, stream));
  add_check (&a1, 0, 0, 128);
  add_check (&a2, 0x7, 4, 100);
  ck_assert (last_launch ().from_graph);
  ASSERT_OK (fl_graph_launch (graph, stream)); /* replayable */
  fl_graph_free (graph);
  ck_assert_uint_eq (fl_test_driver_live_graphs (), 0);

  /* after the capture the fast path resumes with its table intact */
  add_fill_args (&a1, 0, 0, 128, args);
  ASSERT_OK (fl_launch (b, grid_for (128), stream, args, 4, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);

  /* misuse */
  ASSERT_STATUS (fl_capture_end (stream, &graph), FL_ERR_CAPTURE);
  ck_assert_ptr_null (graph);
  ck_assert_int_ne (fl_capture_begin (NULL), FL_OK);
  ck_assert (!fl_capture_active ());

  assert_no_misuse ();
  ck_assert_int_eq (drv ()->cuStreamDestroy (stream), CUDA_SUCCESS);
  add_bufs_free (&a1);
  add_bufs_free (&a2);
  free_bound (b);
}
END_TEST

/* ---- signatures and arguments ------------------------------------------------------------------ */

static void
expect_bad_signature (const char *text, size_t position, const char *token)
{
  fl_signature sig;
  ASSERT_STATUS (fl_signature_parse (text, &sig), FL_ERR_SIGNATURE);
  const char *msg = fl_last_error ();
  char want[64];
  snprintf (want, sizeof want, "position %zu", position);
  ck_assert_msg (contains (msg, want), "'%s': message lacks '%s': %s", text, want, msg);
  if (token)
    ck_assert_msg (contains (msg, token), "'%s': message lacks the token '%s': %s", text, token, msg);

  fl_kernel_desc desc = { .source = "extern \"C\" __global__ void f() {}", .entry = "f", .signature = text };
  fl_kernel *k = (fl_kernel *) 1;
  ASSERT_STATUS (fl_kernel_new (&desc, &k), FL_ERR_SIGNATURE);
  ck_assert_ptr_null (k);
}

START_TEST (test_signatures)
{
  fl_signature sig;
  ASSERT_OK (fl_signature_parse ("*fp32, *fp16,i32 ,  constexpr, u64, *bf16, i1, fp64", &sig));
  ck_assert_uint_eq (sig.n_args, 8);
  ck_assert_int_eq (sig.types[0], FL_TYPE_PTR_FP32);
  ck_assert_int_eq (sig.types[1], FL_TYPE_PTR_FP16);
  ck_assert_int_eq (sig.types[2], FL_TYPE_I32);
  ck_assert_int_eq (sig.types[3], FL_TYPE_CONSTEXPR);
  ck_assert_int_eq (sig.types[4], FL_TYPE_U64);
  ck_assert_int_eq (sig.types[5], FL_TYPE_PTR_BF16);
  ck_assert_int_eq (sig.types[6], FL_TYPE_I1);
  ck_assert_int_eq (sig.types[7], FL_TYPE_FP64);
  ck_assert_str_eq (fl_type_name (FL_TYPE_PTR_FP32), "*fp32");
  ck_assert_str_eq (fl_type_name (FL_TYPE_CONSTEXPR), "constexpr");
  ASSERT_OK (fl_signature_parse ("", &sig));
  ck_assert_uint_eq (sig.n_args, 0);

  expect_bad_signature ("*fp32, bogus, i32", 8, "bogus");
  expect_bad_signature ("*fp32, , i32", 8, NULL); /* the empty token ends at the second comma */
  expect_bad_signature ("*fp32, i32,", 12, NULL);
  expect_bad_signature ("*", 1, "'*'");
  expect_bad_signature ("*fp32, *", 8, "'*'");
  expect_bad_signature ("i32 i64", 5, "i64");
  expect_bad_signature ("fp33", 1, "fp33");

  char many[1024] = "";
  size_t n = 0;
  for (int i = 0; i < FL_MAX_ARGS; i++)
    n += (size_t) snprintf (many + n, sizeof many - n, "i32, ");
  size_t pos = n + 1;
  snprintf (many + n, sizeof many - n, "i64");
  ASSERT_STATUS (fl_signature_parse (many, &sig), FL_ERR_SIGNATURE);
  expect_bad_signature (many, pos, "i64");
  many[n - 2] = '\0'; /* exactly 64 */
  ASSERT_OK (fl_signature_parse (many, &sig));
  ck_assert_uint_eq (sig.n_args, FL_MAX_ARGS);

  ASSERT_STATUS (fl_signature_parse (NULL, &sig), FL_ERR_INVALID_ARGUMENT);
  fl_kernel *k = NULL;
  fl_kernel_desc no_source = { .entry = "f", .signature = "i32" };
  ASSERT_STATUS (fl_kernel_new (&no_source, &k), FL_ERR_INVALID_ARGUMENT);
  ASSERT_STATUS (fl_workload_add_kernel (1, &k), FL_ERR_INVALID_ARGUMENT);
  ASSERT_STATUS (fl_workload_add_kernel (33, &k), FL_ERR_INVALID_ARGUMENT);
  char path[2 * PATH_MAX];
  snprintf (path, sizeof path, "%s/no-such-kernel.cu", tmp_dir);
  ASSERT_STATUS (fl_kernel_new_from_file (path, "f", "i32", &k), FL_ERR_IO);
  ck_assert (contains (fl_last_error (), "no-such-kernel.cu"));
}
END_TEST

START_TEST (test_bad_arguments)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;

  for (int warm = 0; warm < 2; warm++)
    {
      uint64_t launches = fl_test_driver_launch_count ();
      fl_arg args[3];
      add_fill_args (&a, 0, 0, 64, args);

      ASSERT_STATUS (fl_launch (b, grid_for (64), NULL, args, 2, &info), FL_ERR_ARGUMENTS);
      ck_assert_msg (contains (fl_last_error (), "3") && contains (fl_last_error (), "2"), "%s", fl_last_error ());
      if (warm)
        ASSERT_INFO (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_ARGUMENTS);

      fl_arg wrong_kind[3] = { FL_F32 (1.0f), args[1], args[2] };
      ASSERT_STATUS (fl_launch (b, grid_for (64), NULL, wrong_kind, 3, &info), FL_ERR_ARGUMENTS);
      ck_assert_msg (contains (fl_last_error (), "argument 0"), "%s", fl_last_error ());

      fl_arg null_ptr[3] = { args[0], FL_PTR (0), args[2] };
      ASSERT_STATUS (fl_launch (b, grid_for (64), NULL, null_ptr, 3, &info), FL_ERR_ARGUMENTS);
      ck_assert_msg (contains (fl_last_error (), "argument 1") && contains (fl_last_error (), "NULL"), "%s",
                     fl_last_error ());

      fl_arg too_big[3] = { args[0], args[1], FL_INT ((int64_t) 1 << 40) };
      ASSERT_STATUS (fl_launch (b, grid_for (64), NULL, too_big, 3, &info), FL_ERR_ARGUMENTS);
      ck_assert_msg (contains (fl_last_error (), "argument 2") && contains_number (fl_last_error (), (int64_t) 1 << 40),
                     "%s", fl_last_error ());
      fl_arg too_small[3] = { args[0], args[1], FL_INT ((int64_t) INT32_MIN - 1) };
      ASSERT_STATUS (fl_launch (b, grid_for (64), NULL, too_small, 3, &info), FL_ERR_ARGUMENTS);
      fl_arg int_as_float[3] = { args[0], args[1], FL_F32 (64.0f) };
      ASSERT_STATUS (fl_launch (b, grid_for (64), NULL, int_as_float, 3, &info), FL_ERR_ARGUMENTS);

      ASSERT_STATUS (fl_launch (b, (fl_grid){ 0, 1, 1 }, NULL, args, 3, &info), FL_ERR_INVALID_ARGUMENT);
      ck_assert (contains (fl_last_error (), "grid"));
      ASSERT_STATUS (fl_launch (b, (fl_grid){ 1, 1, 0 }, NULL, args, 3, &info), FL_ERR_INVALID_ARGUMENT);
      ASSERT_STATUS (fl_launch (NULL, grid_for (64), NULL, args, 3, &info), FL_ERR_INVALID_ARGUMENT);
      ASSERT_STATUS (fl_launch_default (NULL, grid_for (64), NULL, args, 3, &info), FL_ERR_INVALID_ARGUMENT);

      ck_assert_uint_eq (fl_test_driver_launch_count (), launches); /* nothing launched */
      ASSERT_OK (fl_launch (b, grid_for (64), NULL, args, 3, &info)); /* warms it for round 2 */
    }
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (entries_of (b, NULL, 0), 1);

  /* bad configs */
  fl_kernel *k2 = add_kernel (2);
  fl_bound_kernel *bad = (fl_bound_kernel *) 1;
  ASSERT_STATUS (fl_bound_kernel_new (k2, &(fl_config){ .num_warps = 64 }, &bad), FL_ERR_INVALID_ARGUMENT);
  ck_assert_ptr_null (bad);
  ASSERT_STATUS (fl_bound_kernel_new (k2, &(fl_config){ .block_x = 1024, .block_y = 2 }, &bad),
                 FL_ERR_INVALID_ARGUMENT);
  ASSERT_STATUS (fl_bound_kernel_new (NULL, NULL, &bad), FL_ERR_INVALID_ARGUMENT);
  fl_kernel_free (k2);

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* The lean hit checks arguments in blocks (eight leading pointers, then four, two, then one by
 * one with per-argument masks), so every argument count and every position is its own code
 * path.  For add2 .. add32: a bad argument anywhere is caught, an unaligned pointer anywhere
 * gets its own spec, and the kernelParams of every argument are right (the double computes the
 * sum from them) — on the plain path (no info, no sink) and the observed one. */
START_TEST (test_lean_check_every_position)
{
  for (unsigned n_ptrs = 2; n_ptrs <= MAX_PTRS; n_ptrs++)
    {
      fl_kernel *k = add_kernel (n_ptrs);
      fl_bound_kernel *b = bind (k, NULL);
      fl_kernel_free (k);
      add_bufs a;
      add_bufs_init (&a, n_ptrs, 48);
      const unsigned n_args = n_ptrs + 1;
      fl_arg args[MAX_PTRS + 1];
      fl_launch_info info;
      ASSERT_OK (add_launch (b, &a, 0, 0, 48, &info)); /* prime */
      for (int observed = 0; observed < 2; observed++)
        for (unsigned p = 0; p < n_args; p++)
          {
            fl_launch_info *ip = observed ? &info : NULL;
            const uint64_t launches = fl_test_driver_launch_count ();
            const fl_stats before = stats_of (b);
            add_fill_args (&a, 0, 0, 48, args);
            args[p] = FL_F64 (1.0);
            ck_assert_msg (fl_launch (b, grid_for (48), NULL, args, n_args, ip) == FL_ERR_ARGUMENTS,
                           "add%u: an fp64 as argument %u was not caught", n_ptrs, p);
            add_fill_args (&a, 0, 0, 48, args);
            args[p] = p < n_ptrs ? FL_PTR (0) : FL_INT ((int64_t) INT32_MAX + 1);
            ck_assert_msg (fl_launch (b, grid_for (48), NULL, args, n_args, ip) == FL_ERR_ARGUMENTS,
                           "add%u: a %s as argument %u was not caught", n_ptrs, p < n_ptrs ? "NULL" : "2^31", p);
            ck_assert_uint_eq (fl_test_driver_launch_count (), launches);
            ck_assert_uint_eq (stats_of (b).fallbacks[FL_FALLBACK_ARGUMENTS], before.fallbacks[FL_FALLBACK_ARGUMENTS] + 2);
            if (p == n_ptrs)
              continue;
            add_reset_out (&a);
            ASSERT_OK (add_launch (b, &a, 1u << p, 4, 40, ip));
            add_check (&a, 1u << p, 4, 40);
            ASSERT_OK (add_launch (b, &a, 1u << p, 4, 40, &info));
            ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
            ck_assert_msg ((info.spec_key & ((1ull << n_ptrs) - 1)) == (((1ull << n_ptrs) - 1) & ~(1ull << p)),
                           "add%u, pointer %u unaligned: key %#" PRIx64, n_ptrs, p, info.spec_key);
          }
      /* every unaligned position made one spec, and the aligned one hits with correct output */
      ck_assert_uint_eq (entries_of (b, NULL, 0), n_ptrs + 1);
      const fl_stats before = stats_of (b);
      add_reset_out (&a);
      ASSERT_OK (add_launch (b, &a, 0, 0, 48, NULL));
      add_check (&a, 0, 0, 48);
      ck_assert_uint_eq (stats_of (b).fast_hits, before.fast_hits + 1);
      fl_test_launch l = last_launch ();
      for (unsigned p = 0; p < n_ptrs; p++)
        ck_assert_uint_eq (l.params[p], a.buf[p]);
      ck_assert_uint_eq (l.params[n_ptrs] & 0xffffffff, 48);
      assert_no_misuse ();
      add_bufs_free (&a);
      free_bound (b);
    }
}
END_TEST

/* Kinds and ranges the lean check decides by masks: every integer type at both ends of its
 * range and one past, booleans, fp64 (lean) and fp32 (converted: the exact path), with a
 * pointer that does not lead. */
START_TEST (test_lean_check_scalar_ranges)
{
  static const struct { const char *type, *c_type; int64_t lo, hi; bool lo_past, hi_past; } cases[] = {
    { "i8", "signed char", INT8_MIN, INT8_MAX, true, true },
    { "i16", "short", INT16_MIN, INT16_MAX, true, true },
    { "i32", "int", INT32_MIN, INT32_MAX, true, true },
    { "i64", "long long", INT64_MIN, INT64_MAX, false, false },
    { "u8", "unsigned char", 0, UINT8_MAX, true, true },
    { "u16", "unsigned short", 0, UINT16_MAX, true, true },
    { "u32", "unsigned int", 0, UINT32_MAX, true, true },
    { "u64", "unsigned long long", 0, INT64_MAX, true, false },
    { "i1", "bool", 0, 1, true, true },
  };
  CUdeviceptr y = dalloc (256);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      char sig[64], src[160];
      snprintf (sig, sizeof sig, "%s, *fp32, fp64", cases[c].type);
      snprintf (src, sizeof src, "extern \"C\" __global__ void ranges(%s v, float *y, double d) { }\n", cases[c].c_type);
      fl_kernel *k = custom_kernel ("ranges", src, "ranges", sig, NULL, 0);
      fl_bound_kernel *b = bind (k, NULL);
      fl_kernel_free (k);
      const int64_t values[2] = { cases[c].lo, cases[c].hi };
      for (int observed = 0; observed < 2; observed++)
        for (int end = 0; end < 2; end++)
          {
            fl_arg args[3] = { FL_INT (values[end]), FL_PTR (y), FL_F64 (2.5) };
            ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, 3, NULL));
            const fl_stats before = stats_of (b);
            ck_assert_msg (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, 3, observed ? &(fl_launch_info){ 0 } : NULL)
                             == FL_OK,
                           "%s = %" PRId64 " refused", cases[c].type, values[end]);
            ck_assert_uint_eq (stats_of (b).fast_hits, before.fast_hits + 1);
            fl_test_launch l = last_launch ();
            ck_assert_uint_eq (l.params[1], y);
            double d;
            memcpy (&d, &l.params[2], sizeof d);
            ck_assert (d == 2.5);
            bool past = end ? cases[c].hi_past : cases[c].lo_past;
            if (past)
              {
                args[0] = FL_INT (end ? values[1] + 1 : values[0] - 1);
                ck_assert_msg (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, 3, NULL) == FL_ERR_ARGUMENTS,
                               "%s = %" PRId64 " accepted", cases[c].type, args[0].v.i);
              }
            /* an fp32 where the signature says fp64 is converted, not refused */
            args[0] = FL_INT (values[end]);
            args[2] = FL_F32 (0.5f);
            ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, 3, NULL));
            memcpy (&d, &last_launch ().params[2], sizeof d);
            ck_assert (d == 0.5);
          }
      free_bound (b);
    }
  dfree (y);
}
END_TEST

/* fl_launch_info is "filled on success and failure" (fastlaunch.h): also for a zero grid,
 * cold and warm. */
START_TEST (test_info_filled_on_failure)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_arg args[3];
  add_fill_args (&a, 0, 0, 64, args);
  fl_launch_info info;
  bool filled[2];
  fl_status st[2];
  for (int warm = 0; warm < 2; warm++)
    {
      memset (&info, 0xff, sizeof info);
      st[warm] = fl_launch (b, (fl_grid){ 0, 1, 1 }, NULL, args, 3, &info);
      filled[warm] = info.path == FL_PATH_FAST || info.path == FL_PATH_DEFAULT;
      fl_status ok = fl_launch (b, grid_for (64), NULL, args, 3, &info);
      if (ok != FL_OK)
        st[warm] = ok;
    }
  add_bufs_free (&a);
  free_bound (b);
  ck_assert_int_eq (st[0], FL_ERR_INVALID_ARGUMENT);
  ck_assert_int_eq (st[1], FL_ERR_INVALID_ARGUMENT);
  ck_assert_msg (filled[0], "fl_launch_info not filled on a zero grid before priming");
  ck_assert_msg (filled[1], "fl_launch_info not filled on a zero grid once the fast path is warm");
}
END_TEST

/* ---- on-disk cubin cache ----------------------------------------------------------------------- */

START_TEST (test_disk_cache)
{
  fl_kernel *k = add_kernel (2);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;
  fl_bound_kernel *b = bind (k, NULL);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ck_assert (info.compiled);
  free_bound (b);
  ck_assert_uint_eq (fl_test_driver_compiles (), 1);
  ck_assert_uint_eq (cache_files (NULL, 0), 1);

  /* a fresh bound kernel (as a new process would have) takes the cubin from disk */
  b = bind (k, NULL);
  add_reset_out (&a);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (!info.compiled);
  add_check (&a, 0, 0, 64);
  fl_stats s = stats_of (b);
  ck_assert_uint_eq (s.disk_cache_loads, 1);
  ck_assert_uint_eq (s.compiles, 0);
  ck_assert_uint_eq (fl_test_driver_compiles (), 1);
  fl_spec_entry e;
  ck_assert_uint_eq (entries_of (b, &e, 1), 1);
  ck_assert (e.compile_ms == 0.0);
  free_bound (b);

  /* another config is another cache entry */
  b = bind (k, &(fl_config){ .num_warps = 2 });
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ck_assert (info.compiled);
  ck_assert_uint_eq (cache_files (NULL, 0), 2);
  free_bound (b);

  /* FASTLAUNCH_DISK_CACHE=0 turns it off */
  setenv ("FASTLAUNCH_DISK_CACHE", "0", 1);
  b = bind (k, NULL);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ck_assert (info.compiled);
  unsetenv ("FASTLAUNCH_DISK_CACHE");
  free_bound (b);

  fl_kernel_free (k);
  add_bufs_free (&a);
}
END_TEST

typedef enum { CORRUPT_FLIP_PAYLOAD, CORRUPT_FLIP_HEADER, CORRUPT_TRUNCATE, CORRUPT_EMPTY } corruption;

static void
corrupt_cache (corruption how)
{
  char paths[4][2 * PATH_MAX];
  ck_assert_uint_eq (cache_files (paths, 4), 1);
  int fd = open (paths[0], O_RDWR);
  ck_assert_int_ge (fd, 0);
  struct stat st;
  ck_assert_int_eq (fstat (fd, &st), 0);
  ck_assert_int_gt (st.st_size, 64);
  off_t at = how == CORRUPT_FLIP_HEADER ? 9 : st.st_size - 20;
  unsigned char c;
  switch (how)
    {
    case CORRUPT_FLIP_PAYLOAD:
    case CORRUPT_FLIP_HEADER:
      ck_assert_int_eq (pread (fd, &c, 1, at), 1);
      c ^= 0x20;
      ck_assert_int_eq (pwrite (fd, &c, 1, at), 1);
      break;
    case CORRUPT_TRUNCATE:
      ck_assert_int_eq (ftruncate (fd, st.st_size / 2), 0);
      break;
    case CORRUPT_EMPTY:
      ck_assert_int_eq (ftruncate (fd, 0), 0);
      break;
    }
  close (fd);
}

START_TEST (test_disk_cache_corrupt)
{
  fl_kernel *k = add_kernel (3);
  add_bufs a;
  add_bufs_init (&a, 3, 64);
  fl_launch_info info;
  fl_bound_kernel *b = bind (k, NULL);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  free_bound (b);

  const corruption kinds[] = { CORRUPT_FLIP_PAYLOAD, CORRUPT_FLIP_HEADER, CORRUPT_TRUNCATE, CORRUPT_EMPTY };
  for (unsigned i = 0; i < 4; i++)
    {
      corrupt_cache (kinds[i]);
      uint64_t compiles = fl_test_driver_compiles ();
      b = bind (k, NULL);
      add_reset_out (&a);
      ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
      ck_assert_msg (info.compiled, "corruption %u: the damaged cubin was trusted", i);
      fl_stats s = stats_of (b);
      ck_assert_uint_eq (s.compiles, 1);
      ck_assert_uint_eq (s.disk_cache_loads, 0);
      ck_assert_uint_eq (fl_test_driver_compiles (), compiles + 1);
      add_check (&a, 0, 0, 64);
      free_bound (b);
    }
  /* the rewritten entry is good again */
  b = bind (k, NULL);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ck_assert (!info.compiled);
  ck_assert_uint_eq (stats_of (b).disk_cache_loads, 1);
  free_bound (b);

  fl_kernel_free (k);
  add_bufs_free (&a);
}
END_TEST

/* ---- the hot path's driver calls ---------------------------------------------------------------- */

START_TEST (test_hit_driver_calls)
{
  fl_kernel *k = add_kernel (8);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 8, 64);
  fl_launch_info info;
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));

  for (int variant = 0; variant < 3; variant++)
    {
      if (variant == 1)
        fl_event_sink_set (&event_collector);
      fl_test_driver_reset_calls ();
      ASSERT_OK (add_launch (b, &a, 0, 0, 64, variant == 2 ? NULL : &info));
      if (variant != 2)
        ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
      ck_assert_uint_eq (fl_test_driver_calls ("cuCtxGetCurrent"), 1);
      ck_assert_uint_eq (fl_test_driver_calls ("cuLaunchKernel"), 1);
      ck_assert_msg (fl_test_driver_calls_total () == 2, "variant %d: the hit made %" PRIu64 " driver calls", variant,
                     fl_test_driver_calls_total ());
    }
  fl_event_sink_set (NULL);

  /* the default path, for contrast, resolves the device every time */
  fl_test_driver_reset_calls ();
  fl_arg args[9];
  add_fill_args (&a, 0, 0, 64, args);
  ASSERT_OK (fl_launch_default (b, grid_for (64), NULL, args, 9, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_DEFAULT);
  ck_assert_uint_gt (fl_test_driver_calls_total (), 2);
  ck_assert_uint_eq (fl_test_driver_calls ("cuLaunchKernel"), 1);
  ck_assert_uint_eq (fl_test_driver_calls ("nvrtcCompileProgram"), 0);

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- events ---------------------------------------------------------------------------------------- */

START_TEST (test_events)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;
  events_clear ();
  fl_event_sink_set (&event_collector);

  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* compile + launch (miss) */
  dirty_stack ();
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* launch (hit) */
  uint64_t hit_key = info.spec_key;
  fl_knob_set_skip_fast (true);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* launch (fallback) */
  fl_knob_set_skip_fast (false);
  ASSERT_STATUS (add_launch (b, &a, 0, 0, (int64_t) 1 << 40, &info), FL_ERR_ARGUMENTS);
  fl_event_sink_set (NULL);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* no sink: nothing recorded */

  pthread_mutex_lock (&events_lock);
  unsigned launches = 0, compiles = 0, errors = 0;
  for (unsigned i = 0; i < n_events; i++)
    {
      const event_rec *e = &events[i];
      if (e->type == FL_EVENT_COMPILE)
        compiles++;
      else if (e->type == FL_EVENT_ERROR)
        {
          errors++;
          ck_assert_int_eq (e->status, FL_ERR_ARGUMENTS);
          ck_assert (contains (e->message, "argument 2"));
        }
      else
        {
          const struct { fl_path path; fl_outcome outcome; fl_fallback reason; fl_status status; } want[] = {
            { FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE, FL_OK },
            { FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE, FL_OK },
            { FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_SKIP_SWITCH, FL_OK },
            { FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_ARGUMENTS, FL_ERR_ARGUMENTS },
          };
          ck_assert_uint_lt (launches, 4);
          ck_assert_int_eq (e->path, want[launches].path);
          ck_assert_int_eq (e->outcome, want[launches].outcome);
          ck_assert_int_eq (e->reason, want[launches].reason);
          ck_assert_int_eq (e->status, want[launches].status);
          ck_assert_ptr_eq (e->bound, b);
          ck_assert_uint_gt (e->start_ns, 0);
          ck_assert_uint_lt (e->host_ns, 10 * 1000000000ull);
          ck_assert (e->compile_ms == 0.0);
          ck_assert (!e->has_message);
          if (e->outcome == FL_OUTCOME_HIT)
            {
              /* Every field of the hit's event is set, whatever was on the stack before. */
              ck_assert_uint_eq (e->key, hit_key);
              ck_assert_uint_eq (e->any_stage_ns, 0);
            }
          launches++;
        }
    }
  pthread_mutex_unlock (&events_lock);
  ck_assert_uint_eq (compiles, 1);
  ck_assert_uint_eq (launches, 4);
  ck_assert_uint_eq (errors, 1);

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- spec keys ----------------------------------------------------------------------------------- */

START_TEST (test_spec_key_describe)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 3, 64);
  fl_launch_info info;

  /* ptr0 aligned, ptr1 offset, ptr2 aligned; n = 33 */
  ASSERT_OK (add_launch (b, &a, 0x2, 4, 33, &info));
  ck_assert_uint_eq (info.spec_key, 0x5u | ((uint64_t) FL_INT_CLASS_OTHER << 3));
  ASSERT_OK (add_launch (b, &a, 0x0, 0, 1, &info));
  ck_assert_uint_eq (info.spec_key, 0x7u | ((uint64_t) FL_INT_CLASS_ONE << 3));

  char buf[256];
  uint64_t key = 0x5u | ((uint64_t) FL_INT_CLASS_DIV16 << 3) | (1ull << FL_KEY_DEBUG_BIT)
                 | ((uint64_t) FL_INSTR_LINEINFO << FL_KEY_INSTR_SHIFT) | (1ull << FL_KEY_HOOK_BIT);
  fl_spec_key_describe (b, key, buf, sizeof buf);
  const char *want[] = { "=aligned", "=unaligned", "=aligned", "=div16", "debug=on", "instr=lineinfo", "hook=on" };
  const char *p = buf;
  for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++)
    {
      const char *q = strstr (p, want[i]);
      ck_assert_msg (q != NULL, "'%s' lacks '%s' (in order)", buf, want[i]);
      p = q + strlen (want[i]);
    }
  fl_spec_key_describe (b, 0, buf, sizeof buf);
  ck_assert_msg (contains (buf, "=other") && contains (buf, "debug=off") && contains (buf, "instr=none")
                   && contains (buf, "hook=off") && !contains (buf, "=aligned"),
                 "%s", buf);
  fl_spec_key_describe (b, (uint64_t) FL_INT_CLASS_ONE << 3, buf, sizeof buf);
  ck_assert_msg (contains (buf, "=one"), "%s", buf);

  /* a short buffer is still terminated */
  memset (buf, 'x', sizeof buf);
  fl_spec_key_describe (b, key, buf, 10);
  ck_assert_uint_lt (strlen (buf), 10);
  fl_spec_key_describe (NULL, key, buf, sizeof buf);
  ck_assert_str_eq (buf, "");

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* A plain array searched linearly is the reference model of the spec table. */
typedef struct {
  uint64_t key;
  CUfunction function;
} model_entry;

static uint64_t
lcg (uint64_t *state)
{
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return *state;
}

START_TEST (test_spec_table_model)
{
  for (uint64_t seed = 1; seed <= 200; seed++)
    {
      static fl__spec_table table;
      memset (&table, 0, sizeof table);
      model_entry model[FL__TABLE_SIZE];
      unsigned n = 0;
      uint64_t rng = seed;
      /* half the seeds draw keys from a small pool so repeats and home collisions are common */
      uint64_t pool = seed % 2 ? UINT64_MAX : 80;

      for (unsigned op = 0; op < 400; op++)
        {
          uint64_t r = lcg (&rng);
          uint64_t key = (pool == UINT64_MAX ? lcg (&rng) : (r >> 33) % pool * 0x100000001ull) & ~FL__SLOT_USED;
          if (pool == UINT64_MAX && (r & 3) == 0 && n)
            key = model[(r >> 8) % n].key; /* look up or re-insert a present key */

          model_entry *m = NULL;
          for (unsigned i = 0; i < n; i++)
            if (model[i].key == key)
              m = &model[i];

          if ((r >> 2) & 1)
            {
              fl__spec_slot *s = fl__spec_table_find (&table, key);
              if (m)
                {
                  ck_assert_ptr_nonnull (s);
                  ck_assert_ptr_eq (s->function, m->function);
                }
              else
                ck_assert_ptr_null (s);
            }
          else
            {
              CUfunction f = (CUfunction) (uintptr_t) (op + 1);
              fl__spec_slot *s = fl__spec_table_insert (&table, key, f, 1.0);
              if (m)
                {
                  ck_assert_ptr_nonnull (s); /* present keys are found even when full */
                  ck_assert_ptr_eq (s->function, m->function);
                }
              else if (n >= FL__TABLE_MAX_FILL)
                ck_assert_ptr_null (s);
              else
                {
                  ck_assert_ptr_nonnull (s);
                  ck_assert_ptr_eq (s->function, f);
                  model[n++] = (model_entry){ key, f };
                }
            }
          ck_assert_uint_eq (atomic_load (&table.count), n);
        }
      /* the table holds exactly the model's keys */
      unsigned used = 0;
      for (unsigned i = 0; i < FL__TABLE_SIZE; i++)
        {
          uint64_t tag = atomic_load (&table.slots[i].tag);
          if (!tag)
            continue;
          used++;
          bool in_model = false;
          for (unsigned j = 0; j < n; j++)
            in_model |= (model[j].key | FL__SLOT_USED) == tag && model[j].function == table.slots[i].function;
          ck_assert (in_model);
        }
      ck_assert_uint_eq (used, n);
      for (unsigned j = 0; j < n; j++)
        ck_assert_ptr_nonnull (fl__spec_table_find (&table, model[j].key));
    }
}
END_TEST

START_TEST (test_table_full)
{
  /* Six pointers give 64 alignment keys, more than the table takes (FL__TABLE_MAX_FILL): the
   * keys beyond it fall back with TABLE_FULL and still launch correctly. */
  enum { NP = 6 };
  char source[1024], signature[256];
  size_t s = (size_t) snprintf (source, sizeof source, "extern \"C\" __global__ void six(");
  size_t g = 0;
  for (int i = 0; i < NP; i++)
    {
      s += (size_t) snprintf (source + s, sizeof source - s, "%sfloat *p%d", i ? ", " : "", i);
      g += (size_t) snprintf (signature + g, sizeof signature - g, "%s*fp32", i ? ", " : "");
    }
  snprintf (source + s, sizeof source - s, ") { }\n");
  fl_kernel *k = custom_kernel ("six", source, "six", signature, NULL, 0);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  CUdeviceptr buf = dalloc (256);
  fl_launch_info info;
  unsigned full = 0;
  for (unsigned mask = 0; mask < (1u << NP); mask++)
    {
      fl_arg args[NP];
      for (int i = 0; i < NP; i++)
        args[i] = FL_PTR (buf + ((mask >> i) & 1 ? 0 : 4));
      ASSERT_OK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, NP, &info));
      if (info.outcome == FL_OUTCOME_FALLBACK)
        {
          ck_assert_int_eq (info.reason, FL_FALLBACK_TABLE_FULL);
          full++;
        }
      ck_assert_uint_eq (info.spec_key & 0x3f, mask);
    }
  ck_assert_uint_eq (entries_of (b, NULL, 0), FL__TABLE_MAX_FILL);
  ck_assert_uint_eq (full, (1u << NP) - FL__TABLE_MAX_FILL);
  ck_assert_uint_eq (stats_of (b).fallbacks[FL_FALLBACK_TABLE_FULL], full);
  assert_no_misuse ();
  dfree (buf);
  free_bound (b);
}
END_TEST

/* ---- fault injection --------------------------------------------------------------------------- */

START_TEST (test_fault_module_load)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;

  fl_test_driver_fail_next ("cuModuleLoadData", CUDA_ERROR_OUT_OF_MEMORY);
  ASSERT_STATUS (add_launch (b, &a, 0, 0, 64, &info), FL_ERR_CUDA);
  const char *msg = fl_last_error ();
  ck_assert_msg (contains (msg, "CUDA_ERROR_OUT_OF_MEMORY") && contains (msg, "cuModuleLoadData"), "%s", msg);
  ck_assert_uint_eq (fl_test_driver_launch_count (), 0);
  ck_assert_uint_eq (entries_of (b, NULL, 0), 0);
  ck_assert_uint_eq (fl_test_driver_live_modules (), 0);

  add_reset_out (&a);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info)); /* the next call works */
  ck_assert_int_eq (info.path, FL_PATH_FAST);
  ck_assert_int_eq (info.outcome, FL_OUTCOME_MISS);
  add_check (&a, 0, 0, 64);
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ASSERT_INFO (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);

  /* a sticky error is reported as such */
  fl_test_driver_fail_next ("cuLaunchKernel", CUDA_ERROR_ILLEGAL_ADDRESS);
  ASSERT_STATUS (add_launch (b, &a, 0, 0, 64, &info), FL_ERR_CUDA_STICKY);
  ck_assert (contains (fl_last_error (), "CUDA_ERROR_ILLEGAL_ADDRESS"));
  /* and a driver failure while resolving the default path */
  fl_test_driver_fail_next ("cuCtxGetDevice", CUDA_ERROR_INVALID_CONTEXT);
  fl_arg args[3];
  add_fill_args (&a, 0, 0, 64, args);
  ASSERT_STATUS (fl_launch_default (b, grid_for (64), NULL, args, 3, &info), FL_ERR_CUDA);
  ck_assert (contains (fl_last_error (), "CUDA_ERROR_INVALID_CONTEXT"));

  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

START_TEST (test_stage_timing)
{
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_arg args[3];
  add_fill_args (&a, 0, 0, 64, args);
  fl_launch_info info;
  ASSERT_OK (fl_launch_default (b, grid_for (64), NULL, args, 3, &info));
  for (int i = 0; i < FL_STAGE_COUNT; i++)
    ck_assert_uint_eq (info.stage_ns[i], 0);
  fl_knob_set_stage_timing (true);
  ASSERT_OK (fl_launch_default (b, grid_for (64), NULL, args, 3, &info));
  fl_knob_set_stage_timing (false);
  uint64_t total = 0;
  for (int i = 0; i < FL_STAGE_COUNT; i++)
    total += info.stage_ns[i];
  ck_assert_uint_gt (total, 0);
  ck_assert_int_eq (info.path, FL_PATH_DEFAULT);
  ck_assert_int_eq (info.outcome, FL_OUTCOME_DEFAULT);
  add_check (&a, 0, 0, 64);
  add_bufs_free (&a);
  free_bound (b);
}
END_TEST

/* ---- the double itself: the oracles the tests above rely on ---------------------------------- */

/* The first spec entry's function, after priming bound with these arguments. */
static CUfunction
primed_function (fl_bound_kernel *b, const add_bufs *a, unsigned mask, unsigned offset, int64_t n)
{
  fl_launch_info info;
  ASSERT_OK (add_launch (b, a, mask, offset, n, &info));
  fl_spec_entry e[4];
  ck_assert_uint_eq (entries_of (b, e, 4), 1);
  return e[0].function;
}

START_TEST (test_double_negative_controls)
{
  fl_kernel *k = add_kernel (3);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 3, 64);
  CUfunction aligned_div16 = primed_function (b, &a, 0, 0, 64);

  /* the div16 binary on n = 33 drops the tail: a wrong answer, as on a GPU */
  add_reset_out (&a);
  CUdeviceptr p[3] = { a.buf[0], a.buf[1], a.buf[2] };
  int32_t n = 33;
  uint64_t slots[4] = { p[0], p[1], p[2], (uint32_t) n };
  void *params[4] = { &slots[0], &slots[1], &slots[2], &slots[3] };
  ck_assert_int_eq (drv ()->cuLaunchKernel (aligned_div16, 1, 1, 1, 128, 1, 1, 0, NULL, params, NULL), CUDA_SUCCESS);
  add_check (&a, 0, 0, 32);
  ck_assert_uint_eq (fl_test_driver_specialization_violations (), 1);

  /* grid or block of zero, another context's function: refused, not run */
  ck_assert_int_eq (drv ()->cuLaunchKernel (aligned_div16, 0, 1, 1, 128, 1, 1, 0, NULL, params, NULL),
                    CUDA_ERROR_INVALID_VALUE);
  ck_assert_int_eq (drv ()->cuLaunchKernel (aligned_div16, 1, 1, 1, 0, 1, 1, 0, NULL, params, NULL),
                    CUDA_ERROR_INVALID_VALUE);
  CUcontext primary, other = fl_test_driver_new_context (0);
  ck_assert_int_eq (drv ()->cuCtxGetCurrent (&primary), CUDA_SUCCESS);
  ck_assert_int_eq (drv ()->cuCtxSetCurrent (other), CUDA_SUCCESS);
  uint64_t logged = fl_test_driver_launch_count ();
  ck_assert_int_eq (drv ()->cuLaunchKernel (aligned_div16, 1, 1, 1, 128, 1, 1, 0, NULL, params, NULL),
                    CUDA_ERROR_INVALID_HANDLE);
  ck_assert_uint_eq (fl_test_driver_cross_context_launches (), 1);
  ck_assert_uint_eq (fl_test_driver_launch_count (), logged);
  ck_assert_int_eq (drv ()->cuCtxSetCurrent (primary), CUDA_SUCCESS);

  /* the aligned binary on an unaligned pointer faults, and the fault is sticky */
  slots[1] = p[1] + 4;
  ck_assert_int_eq (drv ()->cuLaunchKernel (aligned_div16, 1, 1, 1, 128, 1, 1, 0, NULL, params, NULL),
                    CUDA_ERROR_MISALIGNED_ADDRESS);
  ck_assert_uint_eq (fl_test_driver_misaligned_faults (), 1);
  ck_assert_int_eq (fl_test_driver_context_error (primary), CUDA_ERROR_MISALIGNED_ADDRESS);
  CUdeviceptr d;
  ck_assert_int_eq (drv ()->cuMemAlloc (&d, 64), CUDA_ERROR_MISALIGNED_ADDRESS);
  fl_launch_info info;
  ASSERT_STATUS (add_launch (b, &a, 0, 0, 64, &info), FL_ERR_CUDA_STICKY);

  /* the context is unusable now; the bound kernel goes, and a fresh install resets the double */
  fl_bound_kernel_free (b);
  fl_test_driver_install ();
  ck_assert_uint_eq (fl_test_driver_live_allocations (), 0);
}
END_TEST

START_TEST (test_double_nvrtc_and_modules)
{
  int major = 0, minor = 0;
  fl_nvrtc_version (&major, &minor);
  ck_assert_int_eq (major, 13);
  ck_assert_int_eq (minor, 0);
  ck_assert_int_eq (fl_driver_version (), 13000);

  /* a module is refused unless it is a fake cubin for this device */
  CUmodule m = NULL;
  ck_assert_int_eq (drv ()->cuModuleLoadData (&m, "\x7f" "ELF not a fake cubin"), CUDA_ERROR_INVALID_IMAGE);
  ck_assert_int_eq (drv ()->cuModuleLoadData (&m, "FLFAKECUBIN\nsize 00"), CUDA_ERROR_INVALID_IMAGE);

  fl_test_driver_set_compute_capability (0, 8, 0);
  fl_kernel *k = add_kernel (2);
  fl_bound_kernel *b = bind (k, NULL);
  fl_kernel_free (k);
  add_bufs a;
  add_bufs_init (&a, 2, 64);
  fl_launch_info info;
  ASSERT_OK (add_launch (b, &a, 0, 0, 64, &info));
  ck_assert (fl_test_driver_last_compile_has_option ("--gpu-architecture=sm_80"));
  char *name = fl_test_driver_last_compile_name ();
  ck_assert_str_eq (name, "add2.cu");
  free (name);
  add_check (&a, 0, 0, 64);

  /* an unknown entry is not found, as with a real module */
  fl_kernel_desc desc = { .source = "extern \"C\" __global__ void present(int n) {}\n", .entry = "absent",
                          .signature = "i32" };
  fl_kernel *k2 = NULL;
  ASSERT_OK (fl_kernel_new (&desc, &k2));
  fl_bound_kernel *b2 = bind (k2, NULL);
  fl_kernel_free (k2);
  ASSERT_STATUS (fl_launch (b2, (fl_grid){ 1, 1, 1 }, NULL, (fl_arg[]){ FL_INT (1) }, 1, &info), FL_ERR_CUDA);
  ck_assert (contains (fl_last_error (), "CUDA_ERROR_NOT_FOUND"));
  fl_bound_kernel_free (b2);

  fl_bound_kernel_free (b);
  ck_assert_uint_eq (fl_test_driver_live_modules (), 0);
  ck_assert_uint_eq (fl_test_driver_module_loads (), fl_test_driver_module_unloads ());
  add_bufs_free (&a);
}
END_TEST

/* ---- workload set-up ------------------------------------------------------------------------------ */

START_TEST (test_workload_setup)
{
  fl_workload w;
  ASSERT_OK (fl_workload_setup (&(fl_workload_options){ .n_ptrs = 4, .n = 1000, .spare = 4 }, &w));
  ck_assert_str_eq (fl_kernel_name (fl_bound_kernel_kernel (w.bound)), "add4");
  ck_assert_uint_eq (fl_bound_kernel_config (w.bound)->num_warps, 4);
  ck_assert_uint_eq (w.n_args, 5);
  ck_assert_uint_eq (w.grid.x, 2); /* ceil(1000 / 512) */
  ck_assert_int_eq (w.args[4].kind, FL_ARG_INT);
  ck_assert_int_eq (w.args[4].v.i, 1000);
  ck_assert_uint_eq (fl_test_driver_live_allocations (), 4);
  float host[1004];
  for (unsigned i = 0; i < 4; i++)
    {
      ck_assert_int_eq (w.args[i].kind, FL_ARG_PTR);
      ck_assert_uint_eq (w.args[i].v.ptr, w.bufs[i]);
      ck_assert_uint_eq (w.buf_bytes[i], sizeof host);
      ck_assert_int_eq (fl_driver_get ()->cuMemcpyDtoH (host, w.bufs[i], sizeof host), CUDA_SUCCESS);
      for (size_t e = 0; e < 1004; e++)
        ck_assert_msg (host[e] == (i == 0 ? 0.0f : fl_workload_input (i, e)), "argument %u element %zu is %g", i, e,
                       (double) host[e]);
    }
  ck_assert_uint_eq (fl_test_driver_compiles (), 0); /* set-up compiles nothing */

  /* Priming compiles the aligned spec and computes the sum; an offset copy of the arguments
   * stays inside the spare elements. */
  fl_launch_info info;
  ASSERT_OK (fl_workload_prime (&w, NULL, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_MISS);
  ck_assert_int_eq (fl_driver_get ()->cuMemcpyDtoH (host, w.bufs[0], sizeof host), CUDA_SUCCESS);
  for (size_t e = 0; e < 1000; e++)
    ck_assert (host[e] == fl_workload_input (1, e) + fl_workload_input (2, e) + fl_workload_input (3, e));
  fl_arg args[FL_MAX_ARGS];
  ck_assert_uint_eq (fl_workload_args_at (&w, 16, args), 5);
  ck_assert_uint_eq (args[2].v.ptr, w.bufs[2] + 16);
  ck_assert_int_eq (args[4].v.i, 1000);
  ASSERT_OK (fl_launch (w.bound, w.grid, NULL, args, 5, &info));
  ck_assert_uint_eq (fl_test_driver_illegal_address_faults (), 0);
  fl_workload_free (&w);
  ck_assert_ptr_null (w.bound);
  ck_assert_uint_eq (fl_test_driver_live_allocations (), 0);
  fl_workload_free (&w); /* twice is harmless */

  /* The empty kernel: no buffers, the count as its argument. */
  ASSERT_OK (fl_workload_setup (&(fl_workload_options){ .n = 64 }, &w));
  ck_assert_str_eq (fl_kernel_name (fl_bound_kernel_kernel (w.bound)), "empty");
  ck_assert_uint_eq (w.n_args, 1);
  ck_assert_int_eq (w.args[0].v.i, 64);
  ck_assert_uint_eq (fl_test_driver_live_allocations (), 0);
  ASSERT_OK (fl_workload_prime (&w, NULL, NULL));
  fl_workload_free (&w);

  /* A kernel of the caller's: buffers sized by element type, scalars by kind. */
  fl_kernel_desc desc = { .source = "extern \"C\" __global__ void mixed() {}\n", .entry = "mixed",
                          .signature = "*fp16, *fp64, i32, i1, fp32, fp64, constexpr" };
  fl_kernel *k = NULL;
  ASSERT_OK (fl_kernel_new (&desc, &k));
  ASSERT_OK (fl_workload_setup (&(fl_workload_options){ .kernel = k, .n = 10, .spare = 2, .num_warps = 2 }, &w));
  fl_kernel_free (k); /* the workload's bound kernel keeps it */
  ck_assert_uint_eq (fl_bound_kernel_config (w.bound)->num_warps, 2);
  ck_assert_uint_eq (w.buf_bytes[0], 12 * 2);
  ck_assert_uint_eq (w.buf_bytes[1], 12 * 8);
  ck_assert_uint_eq (w.bufs[2], 0);
  ck_assert_int_eq (w.args[2].v.i, 10);
  ck_assert_int_eq (w.args[3].v.i, 1);
  ck_assert_int_eq (w.args[4].kind, FL_ARG_F32);
  ck_assert_int_eq (w.args[5].kind, FL_ARG_F64);
  ck_assert_int_eq (w.args[6].v.i, 1);
  ck_assert_str_eq (fl_kernel_name (fl_bound_kernel_kernel (w.bound)), "mixed");
  fl_workload_free (&w);
}
END_TEST

START_TEST (test_workload_setup_failures)
{
  /* The third buffer's allocation fails: the message names the kernel, the argument, the size
   * and the CUDA error, and what was allocated before is freed. */
  fl_workload w;
  fl_test_driver_fail_nth ("cuMemAlloc", 2, CUDA_ERROR_OUT_OF_MEMORY);
  ASSERT_STATUS (fl_workload_setup (&(fl_workload_options){ .n_ptrs = 8, .n = 100 }, &w), FL_ERR_CUDA);
  ck_assert_str_eq (fl_last_error (),
                    "add8: allocating 400 bytes for argument 2: CUDA_ERROR_OUT_OF_MEMORY: out of memory");
  ck_assert_ptr_null (w.bound);
  ck_assert_uint_eq (fl_test_driver_live_allocations (), 0);
  fl_workload_free (&w);

  /* Filling an input fails. */
  fl_test_driver_fail_next ("cuMemcpyHtoD", CUDA_ERROR_INVALID_VALUE);
  ASSERT_STATUS (fl_workload_setup (&(fl_workload_options){ .n_ptrs = 2, .n = 100 }, &w), FL_ERR_CUDA);
  ck_assert_msg (contains (fl_last_error (), "add2: filling argument 1's buffer (cuMemcpyHtoD): CUDA_ERROR_INVALID_VALUE"),
                 "%s", fl_last_error ());
  ck_assert_uint_eq (fl_test_driver_live_allocations (), 0);

  /* A kernel the built-ins do not have, and a count that is no count. */
  ASSERT_STATUS (fl_workload_setup (&(fl_workload_options){ .n_ptrs = 40, .n = 100 }, &w), FL_ERR_INVALID_ARGUMENT);
  ck_assert_msg (contains (fl_last_error (), "add40: add<N>: N must be between 2 and 32 (got 40)"), "%s",
                 fl_last_error ());
  ASSERT_STATUS (fl_workload_setup (&(fl_workload_options){ .n_ptrs = 2, .n = 0 }, &w), FL_ERR_INVALID_ARGUMENT);
  ck_assert_msg (contains (fl_last_error (), "element count must be positive"), "%s", fl_last_error ());

  /* Priming names the kernel and the engine's reason. */
  ASSERT_OK (fl_workload_setup (&(fl_workload_options){ .n_ptrs = 2, .n = 100 }, &w));
  fl_test_driver_fail_next ("nvrtcCompileProgram", (CUresult) NVRTC_ERROR_OUT_OF_MEMORY);
  fl_status st = fl_workload_prime (&w, NULL, NULL);
  ck_assert_int_ne (st, FL_OK);
  ck_assert_msg (contains (fl_last_error (), "priming add2: "), "%s", fl_last_error ());
  fl_workload_free (&w);
  ck_assert_uint_eq (fl_test_driver_live_allocations (), 0);
}
END_TEST

/* ---- the GPU probe --------------------------------------------------------------------------------- */

START_TEST (test_probe)
{
  fl_probe_result p;
  ASSERT_OK (fl_probe (FL_PROBE_COMPILE, 0, &p));
  ck_assert_str_eq (p.device_name, FL_TEST_DRIVER_DEVICE_NAME);
  ck_assert_int_eq (p.device_count, 1);
  ck_assert_int_eq (p.cc_major, 9);
  ck_assert_int_eq (p.cc_minor, 0);
  ck_assert_int_eq (p.driver_version, fl_driver_version ());
  ck_assert_int_gt (p.nvrtc_major, 0);
  ck_assert_str_eq (p.why, "");

  /* A second device answers for itself; one past the last is named with the count. */
  fl_test_driver_set_device_count (2);
  fl_test_driver_set_compute_capability (1, 8, 6);
  ASSERT_OK (fl_probe (FL_PROBE_DEVICE, 1, &p));
  ck_assert_int_eq (p.cc_major, 8);
  ck_assert_int_eq (p.device_count, 2);
  ASSERT_STATUS (fl_probe (FL_PROBE_DEVICE, 2, &p), FL_ERR_INVALID_ARGUMENT);
  ck_assert_msg (contains (p.why, "device 2 does not exist (2 devices present)"), "%s", p.why);
  ck_assert_str_eq (p.why, fl_last_error ());

  /* A driver without devices is no usable driver, and says why. */
  fl_test_driver_fail_next ("cuDeviceGetCount", CUDA_ERROR_NO_DEVICE);
  ASSERT_STATUS (fl_probe (FL_PROBE_DEVICE, 0, &p), FL_ERR_NO_DRIVER);
  ck_assert_msg (contains (p.why, "reports no device") && contains (p.why, "CUDA_ERROR_NO_DEVICE"), "%s", p.why);

  /* A device query failing names the call. */
  fl_test_driver_fail_next ("cuDeviceGetName", CUDA_ERROR_UNKNOWN);
  ASSERT_STATUS (fl_probe (FL_PROBE_DEVICE, 0, &p), FL_ERR_CUDA);
  ck_assert_msg (contains (p.why, "cuDeviceGetName") && contains (p.why, "CUDA_ERROR_UNKNOWN"), "%s", p.why);

  /* With a table installed, the library is there. */
  ASSERT_OK (fl_probe (FL_PROBE_LIBRARY, 0, &p));
}
END_TEST

/* No table installed and, on this machine, no libcuda.so.1: every depth says so.  Where a
 * driver does load, the probe must then answer from it. */
START_TEST (test_probe_without_driver)
{
  fl_driver table = *fl_driver_get ();
  fl_test_driver_fail_next ("cuInit", CUDA_ERROR_NO_DEVICE);
  ASSERT_STATUS (fl_driver_install (&table, NULL), FL_ERR_NO_DRIVER);
  ck_assert (!fl_driver_ready ());
  void *real = dlopen ("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  fl_probe_result p;
  fl_status lib = fl_probe (FL_PROBE_LIBRARY, 0, &p);
  if (real)
    {
      dlclose (real);
      ASSERT_OK (lib);
      printf ("test_probe_without_driver: a CUDA driver is installed here; only its presence was checked\n");
      return;
    }
  ASSERT_STATUS (lib, FL_ERR_NO_DRIVER);
  ck_assert_msg (contains (p.why, "no CUDA driver found (") && contains (p.why, "libcuda.so.1"), "%s", p.why);
  for (int depth = FL_PROBE_DEVICE; depth <= FL_PROBE_COMPILE; depth++)
    {
      ASSERT_STATUS (fl_probe ((fl_probe_depth) depth, 0, &p), FL_ERR_NO_DRIVER);
      ck_assert_msg (contains (p.why, "no CUDA driver found (") && contains (p.why, "libcuda.so.1"), "%s", p.why);
      ck_assert_str_eq (p.device_name, "");
      ck_assert_int_eq (p.device_count, 0);
    }
}
END_TEST

/* ---- runner -------------------------------------------------------------------------------------- */

static Suite *
fastlaunch_suite (void)
{
  Suite *s = suite_create ("fastlaunch");
  struct {
    const char *name;
    const TTest *tests[24];
  } cases[] = {
    { "fast-path",
      { test_priming_then_hit, test_offset_pointer_gets_own_entry, test_int_value_classes, test_two_configs_separate,
        test_threads_first_call, test_racing_miss_counts_a_wait, test_hit_driver_calls, test_table_full, NULL } },
    { "guards",
      { test_global_changed, test_debug_flip, test_instrumentation_flip, test_compile_hook, test_skip_env,
        test_skip_env_values,
        test_skip_switch, test_compile_failure, test_compile_failure_other_entries_unaffected, test_priming_failure,
        test_unkeyable_kernel_specialized_per_argument, test_context_changed, test_second_device, test_capture, NULL } },
    { "hooks", { test_launch_hooks_next_call, test_metadata_only_when_asked, test_pre_run_hooks,
                 test_pre_run_hook_sees_launch, test_events,
                 test_stage_timing, NULL } },
    { "inputs", { test_signatures, test_bad_arguments, test_info_filled_on_failure, test_scalar_arguments_packed,
                  test_lean_check_every_position, test_lean_check_scalar_ranges, NULL } },
    { "cache", { test_disk_cache, test_disk_cache_corrupt, test_fault_module_load, NULL } },
    { "keys", { test_spec_key_describe, test_spec_table_model, test_event_clock_tracks_monotonic, NULL } },
    { "double", { test_double_negative_controls, test_double_nvrtc_and_modules, NULL } },
    { "probe", { test_probe, test_probe_without_driver, NULL } },
    { "workloads", { test_workload_setup, test_workload_setup_failures, NULL } },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      TCase *tc = tcase_create (cases[i].name);
      tcase_add_checked_fixture (tc, setup, teardown);
      tcase_set_timeout (tc, 60);
      for (const TTest *const *t = cases[i].tests; *t; t++)
        tcase_add_test (tc, *t);
      suite_add_tcase (s, tc);
    }
  return s;
}

int
main (void)
{
  const char *base = getenv ("TMPDIR");
  snprintf (tmp_root, sizeof tmp_root, "%s/fl-unit-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp (tmp_root))
    {
      fprintf (stderr, "mkdtemp %s: %s\n", tmp_root, strerror (errno));
      return EXIT_FAILURE;
    }
  SRunner *sr = srunner_create (fastlaunch_suite ());
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  nftw (tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
