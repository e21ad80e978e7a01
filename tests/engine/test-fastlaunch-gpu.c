/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-fastlaunch-gpu.c — the fast launcher's guards against the real CUDA driver, with real
 * NVRTC compiles, each result checked element by element against a CPU reference.
 *
 * Exits 77 (meson: SKIP) before running any test when no driver can be loaded.  The parent
 * process never initialises CUDA: the driver is probed in a forked child, and every Check test
 * runs in its own forked process (Check's default) that loads the driver itself, so a context
 * never crosses a fork.  The negative control re-executes this binary (fork + exec) so that it
 * runs in a fresh process whatever the Check fork mode.
 *
 * Every test prints one readable line (what ran, which outcome, which spec) so the log kept in
 * bench/results/ says what was proven on which machine.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"

#define N_DEFAULT 4096
#define SLACK 64 /* extra elements per buffer: room for +4-byte offsets and overrun checks */
#define SENTINEL (-12345.0f)
#define MAX_THREADS 8

static char tmp_root[PATH_MAX];
static unsigned cache_seq;
static const fl_driver *drv;

/* ---- assertions ------------------------------------------------------------------------- */

#define CU_CHECK(call)                                                                              \
  do                                                                                                \
    {                                                                                               \
      CUresult cu_r_ = (call);                                                                      \
      ck_assert_msg (cu_r_ == CUDA_SUCCESS, "%s failed: %s", #call, fl_cuda_error_name (cu_r_));    \
    }                                                                                               \
  while (0)

#define FL_CHECK(call)                                                                              \
  do                                                                                                \
    {                                                                                               \
      fl_status fl_s_ = (call);                                                                     \
      ck_assert_msg (fl_s_ == FL_OK, "%s returned %s: %s", #call, fl_status_str (fl_s_),             \
                     fl_last_error ());                                                             \
    }                                                                                               \
  while (0)

#define ck_assert_outcome(info, want_path, want_outcome, want_reason)                               \
  do                                                                                                \
    {                                                                                               \
      ck_assert_msg ((info).path == (want_path) && (info).outcome == (want_outcome)                 \
                       && (info).reason == (want_reason),                                           \
                     "expected %s/%s/%s, got %s/%s/%s", fl_path_str (want_path),                    \
                     fl_outcome_str (want_outcome), fl_fallback_str (want_reason),                  \
                     fl_path_str ((info).path), fl_outcome_str ((info).outcome),                    \
                     fl_fallback_str ((info).reason));                                              \
    }                                                                                               \
  while (0)

static void report (const char *test, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
report (const char *test, const char *fmt, ...)
{
  va_list ap;
  printf ("[gpu] %-22s ", test);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
}

/* ---- device memory and the CPU reference ------------------------------------------------ */

static CUdeviceptr
dalloc (size_t n_floats)
{
  CUdeviceptr p = 0;
  CU_CHECK (drv->cuMemAlloc (&p, n_floats * sizeof (float)));
  ck_assert_msg (p % 256 == 0, "cuMemAlloc returned a pointer that is not 256-byte aligned");
  return p;
}

static void
upload (CUdeviceptr dst, const float *src, size_t n)
{
  CU_CHECK (drv->cuMemcpyHtoD (dst, src, n * sizeof (float)));
}

static void
download (float *dst, CUdeviceptr src, size_t n)
{
  CU_CHECK (drv->cuMemcpyDtoH (dst, src, n * sizeof (float)));
}

static void
sync_ctx (void)
{
  CU_CHECK (drv->cuCtxSynchronize ());
}

/* Small integers, so every sum is exact in fp32 and a result can be compared bit for bit. */
static float
pattern (size_t j, unsigned k)
{
  return (float) ((j * 3 + k * 7 + 1) % 29);
}

/* One output and n_ptrs - 1 inputs of `cap` elements each, for add<n_ptrs>. */
typedef struct {
  unsigned n_ptrs;
  size_t cap;
  CUdeviceptr buf[32];
  float *host[32]; /* host copies; host[0] is scratch for the output */
} add_set;

static void
add_set_init (add_set *s, unsigned n_ptrs, size_t n_max)
{
  memset (s, 0, sizeof *s);
  ck_assert (n_ptrs >= 2 && n_ptrs <= 32);
  s->n_ptrs = n_ptrs;
  s->cap = n_max + SLACK;
  for (unsigned k = 0; k < n_ptrs; k++)
    {
      s->buf[k] = dalloc (s->cap);
      s->host[k] = malloc (s->cap * sizeof (float));
      ck_assert_ptr_nonnull (s->host[k]);
      for (size_t j = 0; j < s->cap; j++)
        s->host[k][j] = k == 0 ? SENTINEL : pattern (j, k);
      upload (s->buf[k], s->host[k], s->cap);
    }
}

static void
add_set_clear (add_set *s)
{
  for (unsigned k = 0; k < s->n_ptrs; k++)
    {
      if (s->buf[k])
        drv->cuMemFree (s->buf[k]);
      free (s->host[k]);
    }
  memset (s, 0, sizeof *s);
}

/* Resets the whole output buffer to SENTINEL, so a later check proves the kernel ran. */
static void
add_set_reset_out (add_set *s)
{
  for (size_t j = 0; j < s->cap; j++)
    s->host[0][j] = SENTINEL;
  upload (s->buf[0], s->host[0], s->cap);
}

/* args for out = sum(in), every pointer offset by off_bytes. */
static unsigned
add_set_args (const add_set *s, size_t off_bytes, int n, fl_arg *args)
{
  for (unsigned k = 0; k < s->n_ptrs; k++)
    args[k] = FL_PTR (s->buf[k] + off_bytes);
  args[s->n_ptrs] = FL_INT (n);
  return s->n_ptrs + 1;
}

/* Checks out[off + i] == sum_k in_k[off + i] for i < n, and that every other output element
 * still holds SENTINEL (no write before the start, no tail overrun).  Syncs first. */
static void
add_set_verify (add_set *s, size_t off_bytes, int n)
{
  sync_ctx ();
  float *out = s->host[0];
  download (out, s->buf[0], s->cap);
  size_t off = off_bytes / sizeof (float);
  for (size_t j = 0; j < s->cap; j++)
    {
      float want = SENTINEL;
      if (j >= off && j < off + (size_t) n)
        {
          want = 0.0f;
          for (unsigned k = 1; k < s->n_ptrs; k++)
            want += s->host[k][j];
        }
      ck_assert_msg (out[j] == want, "add%u n=%d offset=%zu: element %zu is %g, CPU reference %g", s->n_ptrs, n,
                     off_bytes, j, (double) out[j], (double) want);
    }
}

/* True when the output buffer still holds only SENTINEL. */
static bool
add_set_out_untouched (add_set *s)
{
  sync_ctx ();
  download (s->host[0], s->buf[0], s->cap);
  for (size_t j = 0; j < s->cap; j++)
    if (s->host[0][j] != SENTINEL)
      return false;
  return true;
}

/* add<N> and the kernels below use grid-stride loops, so any grid is correct; one thread per
 * element is what the scalar body wants. */
static fl_grid
grid_for (int n)
{
  unsigned blocks = (unsigned) ((n + 127) / 128);
  return (fl_grid){ blocks ? blocks : 1, 1, 1 };
}

static fl_status
launch_add (fl_bound_kernel *b, add_set *s, size_t off_bytes, int n, fl_launch_info *info)
{
  fl_arg args[FL_MAX_ARGS];
  unsigned n_args = add_set_args (s, off_bytes, n, args);
  return fl_launch (b, grid_for (n), NULL, args, n_args, info);
}

static fl_bound_kernel *
bind_add (unsigned n_ptrs, const fl_config *config)
{
  fl_kernel *k = NULL;
  FL_CHECK (fl_workload_add_kernel (n_ptrs, &k));
  fl_config def = { 0 };
  fl_bound_kernel *b = NULL;
  FL_CHECK (fl_bound_kernel_new (k, config ? config : &def, &b));
  fl_kernel_free (k);
  return b;
}

static fl_bound_kernel *
bind_source (const char *source, const char *entry, const char *signature, const char *const *globals,
             unsigned n_globals)
{
  fl_kernel_desc desc = { .source = source, .entry = entry, .signature = signature, .globals = globals,
                          .n_globals = n_globals };
  fl_kernel *k = NULL;
  FL_CHECK (fl_kernel_new (&desc, &k));
  fl_bound_kernel *b = NULL;
  fl_config def = { 0 };
  FL_CHECK (fl_bound_kernel_new (k, &def, &b));
  fl_kernel_free (k);
  return b;
}

static fl_stats
stats_of (const fl_bound_kernel *b)
{
  fl_stats s;
  fl_bound_kernel_stats (b, &s);
  return s;
}

/* NVRTC runs plus on-disk cache loads: the number of binaries built for the table. */
static uint64_t
builds_of (const fl_bound_kernel *b)
{
  fl_stats s = stats_of (b);
  return s.compiles + s.disk_cache_loads;
}

static unsigned
entry_count (const fl_bound_kernel *b)
{
  fl_spec_entry e[64];
  return fl_bound_kernel_spec_entries (b, e, 64);
}

static bool
find_entry (const fl_bound_kernel *b, uint64_t key, fl_spec_entry *out)
{
  fl_spec_entry e[64];
  unsigned n = fl_bound_kernel_spec_entries (b, e, 64);
  for (unsigned i = 0; i < n && i < 64; i++)
    if (e[i].key == key)
      {
        if (out)
          *out = e[i];
        return true;
      }
  return false;
}

static const char *
describe (const fl_bound_kernel *b, uint64_t key)
{
  static char buf[512];
  fl_spec_key_describe (b, key, buf, sizeof buf);
  return buf;
}

static uint64_t
align_bits (uint64_t key, unsigned n_ptrs)
{
  return key & ((1ull << n_ptrs) - 1);
}

static unsigned
int_class (uint64_t key, unsigned n_ptrs)
{
  return (unsigned) ((key >> n_ptrs) & 3u);
}

/* ---- fixture ------------------------------------------------------------------------------ */

static void
reset_knobs (void)
{
  fl_knob_set_debug (false);
  fl_knob_set_skip_fast (false);
  fl_knob_set_stage_timing (false);
  fl_knob_set_instrumentation (FL_INSTR_NONE);
  fl_launch_hooks_set (NULL);
  fl_compile_hook_set (NULL);
  fl_event_sink_set (NULL);
}

/* Runs in the test's own process: a fresh on-disk cache so "compiled" means compiled. */
static void
setup (void)
{
  char dir[PATH_MAX + 64];
  snprintf (dir, sizeof dir, "%s/cache-%ld-%u", tmp_root, (long) getpid (), ++cache_seq);
  ck_assert_msg (mkdir (dir, 0700) == 0, "mkdir %s: %s", dir, strerror (errno));
  setenv ("XDG_CACHE_HOME", dir, 1);
  unsetenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER");
  FL_CHECK (fl_driver_load ());
  FL_CHECK (fl_use_device (0));
  drv = fl_driver_get ();
  ck_assert_ptr_nonnull (drv);
  reset_knobs ();
}

static void
teardown (void)
{
  reset_knobs ();
  if (drv)
    drv->cuCtxSynchronize ();
}

/* ---- tests -------------------------------------------------------------------------------- */

START_TEST (t_priming_then_hit)
{
  fl_bound_kernel *b = bind_add (4, NULL);
  add_set s;
  add_set_init (&s, 4, N_DEFAULT);
  fl_launch_info info;

  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  add_set_verify (&s, 0, N_DEFAULT);
  fl_spec_entry e;
  ck_assert (find_entry (b, info.spec_key, &e));
  ck_assert_uint_eq (align_bits (info.spec_key, 4), 0xF);
  ck_assert_uint_eq (int_class (info.spec_key, 4), FL_INT_CLASS_DIV16);
  uint64_t key = info.spec_key;
  double ms = e.compile_ms;
  ck_assert_msg (ms > 0.0, "the spec entry of a binary NVRTC just compiled reports compile_ms %g", ms);

  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert (!info.compiled);
  ck_assert_uint_eq (info.spec_key, key);
  add_set_verify (&s, 0, N_DEFAULT);

  fl_stats st = stats_of (b);
  ck_assert_uint_eq (st.primings, 1);
  ck_assert_uint_eq (st.compiles, 1);
  ck_assert_uint_eq (st.fast_hits, 1);
  ck_assert_uint_eq (st.fast_misses, 1);
  ck_assert_uint_eq (entry_count (b), 1);
  report ("priming-then-hit", "add4 n=%d: miss (NVRTC %.1f ms) then hit on [%s]; both match the CPU reference",
          N_DEFAULT, ms, describe (b, key));
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_offset_pointer)
{
  fl_bound_kernel *b = bind_add (4, NULL);
  add_set s;
  add_set_init (&s, 4, N_DEFAULT);
  fl_launch_info info;

  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  add_set_verify (&s, 0, N_DEFAULT);
  uint64_t aligned_key = info.spec_key;
  fl_spec_entry aligned;
  ck_assert (find_entry (b, aligned_key, &aligned));

  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 4, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  ck_assert_uint_ne (info.spec_key, aligned_key);
  ck_assert_uint_eq (align_bits (info.spec_key, 4), 0);
  add_set_verify (&s, 4, N_DEFAULT);
  fl_spec_entry offset;
  ck_assert (find_entry (b, info.spec_key, &offset));
  ck_assert_msg (offset.function != aligned.function, "the offset spec reuses the aligned binary (a clone)");
  ck_assert_uint_eq (entry_count (b), 2);

  /* Mixed: only the output offset. */
  add_set_reset_out (&s);
  fl_arg args[FL_MAX_ARGS];
  unsigned n_args = add_set_args (&s, 0, N_DEFAULT, args);
  args[0] = FL_PTR (s.buf[0] + 4);
  FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), NULL, args, n_args, &info));
  ck_assert_uint_eq (align_bits (info.spec_key, 4), 0xE);
  sync_ctx ();
  download (s.host[0], s.buf[0], s.cap);
  for (int i = 0; i < N_DEFAULT; i++)
    {
      float want = s.host[1][i] + s.host[2][i] + s.host[3][i];
      ck_assert_msg (s.host[0][i + 1] == want, "mixed offset: element %d is %g, want %g", i,
                     (double) s.host[0][i + 1], (double) want);
    }

  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (info.spec_key, aligned_key);
  add_set_verify (&s, 0, N_DEFAULT);
  ck_assert_uint_eq (entry_count (b), 3);
  report ("offset-pointer", "add4 ptr+4 after aligned priming: new entry [%s], own binary, correct; "
          "out-only offset → key bits 0xE, correct; aligned again → hit", describe (b, offset.key));
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_value_classes)
{
  fl_bound_kernel *b = bind_add (3, NULL);
  add_set s;
  add_set_init (&s, 3, 64);
  fl_launch_info info;
  const int ns[3] = { 1, 32, 33 };
  const unsigned classes[3] = { FL_INT_CLASS_ONE, FL_INT_CLASS_DIV16, FL_INT_CLASS_OTHER };
  uint64_t keys[3];
  CUfunction fns[3];
  for (int i = 0; i < 3; i++)
    {
      add_set_reset_out (&s);
      FL_CHECK (launch_add (b, &s, 0, ns[i], &info));
      ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
      ck_assert_uint_eq (int_class (info.spec_key, 3), classes[i]);
      add_set_verify (&s, 0, ns[i]);
      keys[i] = info.spec_key;
      fl_spec_entry e;
      ck_assert (find_entry (b, keys[i], &e));
      fns[i] = e.function;
      for (int j = 0; j < i; j++)
        {
          ck_assert_uint_ne (keys[i], keys[j]);
          ck_assert (fns[i] != fns[j]);
        }
    }
  ck_assert_uint_eq (entry_count (b), 3);
  ck_assert_uint_eq (builds_of (b), 3);

  /* Same class, another value: a hit on that class's binary, still correct. */
  const int again[3] = { 1, 48, 17 };
  for (int i = 0; i < 3; i++)
    {
      add_set_reset_out (&s);
      FL_CHECK (launch_add (b, &s, 0, again[i], &info));
      ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
      ck_assert_uint_eq (info.spec_key, keys[i]);
      add_set_verify (&s, 0, again[i]);
    }
  ck_assert_uint_eq (builds_of (b), 3);
  report ("value-classes", "add3 n=1/32/33 → 3 entries, 3 binaries, all correct; n=1/48/17 hit their class's "
          "entry, correct (no tail overrun)");
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

static const char scale_source[] =
  "extern \"C\" __global__ void lsc_scale(float *out, const float *in, int n)\n"
  "{\n"
  "  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)\n"
  "    out[i] = in[i] * (float) LSC_GPU_SCALE;\n"
  "}\n";

START_TEST (t_global_changed)
{
  static const char *const globals[] = { "LSC_GPU_SCALE" };
  FL_CHECK (fl_global_set ("LSC_GPU_SCALE", 3));
  fl_bound_kernel *b = bind_source (scale_source, "lsc_scale", "*fp32, *fp32, i32", globals, 1);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_arg args[3] = { FL_PTR (s.buf[0]), FL_PTR (s.buf[1]), FL_INT (N_DEFAULT) };
  fl_launch_info info;

  for (int round = 0; round < 2; round++)
    {
      add_set_reset_out (&s);
      FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), NULL, args, 3, &info));
      sync_ctx ();
      download (s.host[0], s.buf[0], s.cap);
      for (int i = 0; i < N_DEFAULT; i++)
        ck_assert (s.host[0][i] == s.host[1][i] * 3.0f);
    }
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  uint64_t builds = builds_of (b);

  FL_CHECK (fl_global_set ("LSC_GPU_SCALE", 5));
  add_set_reset_out (&s);
  fl_status st = fl_launch (b, grid_for (N_DEFAULT), NULL, args, 3, &info);
  ck_assert_msg (st == FL_ERR_GLOBAL_CHANGED, "fast path with a changed global returned %s", fl_status_str (st));
  const char *msg = fl_last_error ();
  ck_assert_msg (strstr (msg, "LSC_GPU_SCALE") && strstr (msg, "3") && strstr (msg, "5"),
                 "message does not name the global and both values: %s", msg);
  ck_assert_int_eq (info.path, FL_PATH_DEFAULT);
  ck_assert_msg (add_set_out_untouched (&s), "a launch ran although the global changed");
  char saved[512];
  snprintf (saved, sizeof saved, "%s", msg);

  st = fl_launch_default (b, grid_for (N_DEFAULT), NULL, args, 3, &info);
  ck_assert_int_eq (st, FL_ERR_GLOBAL_CHANGED);
  ck_assert_msg (add_set_out_untouched (&s), "the default path launched although the global changed");

  FL_CHECK (fl_global_set ("LSC_GPU_SCALE", 3));
  FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), NULL, args, 3, &info));
  ck_assert (!info.compiled);
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE); /* nothing is wrong any more */
  fl_outcome first = info.outcome;
  FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), NULL, args, 3, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  sync_ctx ();
  download (s.host[0], s.buf[0], s.cap);
  for (int i = 0; i < N_DEFAULT; i++)
    ck_assert (s.host[0][i] == s.host[1][i] * 3.0f);
  ck_assert_uint_eq (builds_of (b), builds);
  report ("global-changed", "3→5: %s, nothing launched (\"%s\"); restored → %s then hit, no recompile, x3 correct",
          fl_status_str (FL_ERR_GLOBAL_CHANGED), saved, fl_outcome_str (first));
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_debug_flip)
{
  fl_bound_kernel *b = bind_add (2, NULL);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  add_set_verify (&s, 0, N_DEFAULT);
  uint64_t plain = info.spec_key;

  fl_knob_set_debug (true);
  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  ck_assert (info.spec_key & (1ull << FL_KEY_DEBUG_BIT));
  ck_assert_uint_eq (info.spec_key & ~(1ull << FL_KEY_DEBUG_BIT), plain);
  add_set_verify (&s, 0, N_DEFAULT);
  uint64_t debug_key = info.spec_key;
  fl_spec_entry de;
  ck_assert (find_entry (b, debug_key, &de));
  uint64_t builds = builds_of (b);
  ck_assert_uint_eq (builds, 2);

  fl_knob_set_debug (false);
  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (info.spec_key, plain);
  add_set_verify (&s, 0, N_DEFAULT);

  fl_knob_set_debug (true);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  ck_assert_uint_eq (info.spec_key, debug_key);
  fl_knob_set_debug (false);
  ck_assert_uint_eq (builds_of (b), builds);
  ck_assert_uint_eq (entry_count (b), 2);
  report ("debug-flip", "debug on → new entry [%s] (-G compile %.1f ms), correct; off → hit on the first entry; "
          "on again → hit, no recompile", describe (b, debug_key), de.compile_ms);
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

/* A user kernel tells the debug knob with #ifdef, through the real NVRTC preprocessor. */
static const char debug_flag_source[] =
  "extern \"C\" __global__ void lsc_debug_flag(int *out)\n"
  "{\n"
  "#ifdef FL_DEBUG\n"
  "  out[0] = 1;\n"
  "#else\n"
  "  out[0] = 0;\n"
  "#endif\n"
  "#if FL_DEBUG\n"
  "  out[1] = 1;\n"
  "#else\n"
  "  out[1] = 0;\n"
  "#endif\n"
  "}\n";

START_TEST (t_debug_define)
{
  fl_bound_kernel *b = bind_source (debug_flag_source, "lsc_debug_flag", "*i32", NULL, 0);
  CUdeviceptr out = dalloc (2);
  int seen[2][2];
  for (int on = 0; on < 2; on++)
    {
      fl_knob_set_debug (on);
      CU_CHECK (drv->cuMemsetD8 (out, 0xff, 2 * sizeof (int)));
      FL_CHECK (fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, (fl_arg[]){ FL_PTR (out) }, 1, NULL));
      sync_ctx ();
      CU_CHECK (drv->cuMemcpyDtoH (seen[on], out, sizeof seen[on]));
      ck_assert_msg (seen[on][0] == on && seen[on][1] == on, "debug %s: #ifdef FL_DEBUG saw %d, #if FL_DEBUG saw %d",
                     on ? "on" : "off", seen[on][0], seen[on][1]);
    }
  fl_knob_set_debug (false);
  report ("debug-define", "#ifdef FL_DEBUG and #if FL_DEBUG in a user kernel: off → %d/%d, on → %d/%d", seen[0][0],
          seen[0][1], seen[1][0], seen[1][1]);
  CU_CHECK (drv->cuMemFree (out));
  fl_bound_kernel_free (b);
}
END_TEST

typedef struct {
  int enter, exit, with_metadata;
  unsigned last_n_args;
  char last_name[64];
  fl_status last_status;
} hook_counts;

static void
count_enter (const fl_launch_metadata *md, void *user_data)
{
  hook_counts *c = user_data;
  c->enter++;
  if (md)
    {
      c->with_metadata++;
      c->last_n_args = md->n_args;
      snprintf (c->last_name, sizeof c->last_name, "%s", md->kernel_name ? md->kernel_name : "");
    }
}

static void
count_exit (const fl_launch_metadata *md, fl_status status, void *user_data)
{
  hook_counts *c = user_data;
  (void) md;
  c->exit++;
  c->last_status = status;
}

START_TEST (t_hooks_next_call)
{
  fl_bound_kernel *b = bind_add (2, NULL);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);

  hook_counts c = { 0 };
  fl_launch_hooks hooks = { .enter = count_enter, .exit = count_exit, .user_data = &c, .wants_metadata = true };
  fl_launch_hooks_set (&hooks);
  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  add_set_verify (&s, 0, N_DEFAULT);
  ck_assert_int_eq (c.enter, 1);
  ck_assert_int_eq (c.exit, 1);
  ck_assert_int_eq (c.with_metadata, 1);
  ck_assert_uint_eq (c.last_n_args, 3);
  ck_assert_str_eq (c.last_name, fl_kernel_name (fl_bound_kernel_kernel (b)));
  ck_assert_int_eq (c.last_status, FL_OK);

  hook_counts c2 = { 0 };
  fl_launch_hooks lean = { .enter = count_enter, .exit = count_exit, .user_data = &c2, .wants_metadata = false };
  fl_launch_hooks_set (&lean);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_int_eq (c2.enter, 1);
  ck_assert_int_eq (c2.with_metadata, 0);
  ck_assert_int_eq (c.enter, 1);

  fl_launch_hooks_set (NULL);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  ck_assert_int_eq (c2.enter, 1);
  ck_assert_int_eq (c2.exit, 1);
  add_set_verify (&s, 0, N_DEFAULT);
  report ("hooks-next-call", "hooks installed after priming fired on the very next hit (metadata: %s, 3 args); "
          "metadata-less hook got NULL; removed → not called", c.last_name);
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

typedef struct {
  char order[64];
  unsigned n;
  fl_pre_run_launch last; /* its args point into the caller's array: read during the launch only */
} pre_run_log;

static void
pre_run_a (const fl_pre_run_launch *launch, void *user_data)
{
  pre_run_log *log = user_data;
  log->last = *launch;
  if (log->n < sizeof log->order - 1)
    log->order[log->n++] = 'A';
}

static void
pre_run_b (const fl_pre_run_launch *launch, void *user_data)
{
  pre_run_log *log = user_data;
  log->last = *launch;
  if (log->n < sizeof log->order - 1)
    log->order[log->n++] = 'B';
}

START_TEST (t_pre_run_hooks)
{
  fl_bound_kernel *b = bind_add (2, NULL);
  pre_run_log log = { { 0 }, 0, { 0 } };
  FL_CHECK (fl_bound_kernel_add_pre_run_hook (b, pre_run_a, &log));
  FL_CHECK (fl_bound_kernel_add_pre_run_hook (b, pre_run_b, &log));
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  fl_arg args[3];
  add_set_args (&s, 0, N_DEFAULT, args);

  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info)); /* miss */
  ck_assert_int_eq (info.outcome, FL_OUTCOME_MISS);
  ck_assert_str_eq (log.order, "AB");
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info)); /* hit */
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  ck_assert_str_eq (log.order, "ABAB");
  /* the hooks saw the launch they preceded */
  ck_assert_ptr_eq (log.last.bound, b);
  ck_assert_ptr_eq (log.last.config, fl_bound_kernel_config (b));
  ck_assert_uint_eq (log.last.config->num_warps, 4);
  ck_assert_uint_eq (log.last.grid.x, grid_for (N_DEFAULT).x);
  ck_assert_ptr_null (log.last.stream);
  ck_assert_uint_eq (log.last.n_args, 3);
  ck_assert_uint_eq (log.last.spec_key, info.spec_key);
  ck_assert (!log.last.debug);
  ck_assert_int_eq (log.last.instrumentation, FL_INSTR_NONE);
  fl_knob_set_skip_fast (true);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info)); /* fallback */
  fl_knob_set_skip_fast (false);
  ck_assert_int_eq (info.outcome, FL_OUTCOME_FALLBACK);
  ck_assert_str_eq (log.order, "ABABAB");
  FL_CHECK (fl_launch_default (b, grid_for (N_DEFAULT), NULL, args, 3, &info)); /* default */
  ck_assert_int_eq (info.outcome, FL_OUTCOME_DEFAULT);
  ck_assert_str_eq (log.order, "ABABABAB");
  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 4, N_DEFAULT, &info)); /* miss on a new spec */
  ck_assert_int_eq (info.outcome, FL_OUTCOME_MISS);
  ck_assert_str_eq (log.order, "ABABABABAB");
  add_set_verify (&s, 4, N_DEFAULT);
  report ("pre-run-hooks", "2 hooks, 5 launches (miss, hit, skip fallback, default, new-spec miss): ran \"%s\", "
          "once per launch in order", log.order);
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_two_configs)
{
  fl_kernel *k = NULL;
  FL_CHECK (fl_workload_add_kernel (3, &k));
  fl_config ca = { .num_warps = 4 };
  static const char *const defs[] = { "LSC_GPU_CONFIG_B=1" };
  fl_config cb = { .num_warps = 2, .defines = defs, .n_defines = 1 };
  fl_bound_kernel *a = NULL, *b = NULL;
  FL_CHECK (fl_bound_kernel_new (k, &ca, &a));
  FL_CHECK (fl_bound_kernel_new (k, &cb, &b));
  fl_kernel_free (k);
  add_set s;
  add_set_init (&s, 3, N_DEFAULT);
  fl_launch_info info;

  FL_CHECK (launch_add (a, &s, 0, N_DEFAULT, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_MISS);
  add_set_verify (&s, 0, N_DEFAULT);
  FL_CHECK (launch_add (a, &s, 0, N_DEFAULT, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  fl_stats sb = stats_of (b);
  ck_assert_uint_eq (sb.launches, 0);
  ck_assert_uint_eq (sb.primings, 0);
  ck_assert_uint_eq (entry_count (b), 0);

  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  add_set_verify (&s, 0, N_DEFAULT);
  fl_spec_entry ea, eb;
  ck_assert (find_entry (a, info.spec_key, &ea));
  ck_assert (find_entry (b, info.spec_key, &eb));
  ck_assert_msg (ea.function != eb.function, "two configs share one CUfunction");
  fl_stats sa = stats_of (a);
  sb = stats_of (b);
  ck_assert_uint_eq (sa.launches, 2);
  ck_assert_uint_eq (sa.primings, 1);
  ck_assert_uint_eq (sb.launches, 1);
  ck_assert_uint_eq (sb.primings, 1);
  ck_assert_uint_eq (entry_count (a), 1);
  ck_assert_uint_eq (entry_count (b), 1);
  report ("two-configs", "add3 with 4 warps and with 2 warps + a define: each primed and compiled on its own, "
          "separate binaries and counters, both correct");
  add_set_clear (&s);
  fl_bound_kernel_free (a);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_skip_switch)
{
  fl_bound_kernel *b = bind_add (2, NULL);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));

  fl_knob_set_skip_fast (true);
  for (int i = 0; i < 3; i++)
    {
      add_set_reset_out (&s);
      FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
      ck_assert_outcome (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_SKIP_SWITCH);
      add_set_verify (&s, 0, N_DEFAULT);
    }
  ck_assert_uint_eq (entry_count (b), 1);
  fl_knob_set_skip_fast (false);
  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  add_set_verify (&s, 0, N_DEFAULT);
  fl_stats st = stats_of (b);
  ck_assert_uint_eq (st.fallbacks[FL_FALLBACK_SKIP_SWITCH], 3);
  ck_assert_uint_eq (st.compiles + st.disk_cache_loads, 1);
  ck_assert_int_eq (st.permanent_fallback, FL_FALLBACK_NONE);
  report ("skip-switch", "on → 3 calls on the default path (reason %s), correct; off → hit at once, table intact",
          fl_fallback_str (FL_FALLBACK_SKIP_SWITCH));
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_skip_env)
{
  setenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER", "1", 1);
  fl_bound_kernel *b = bind_add (2, NULL);
  unsetenv ("FASTLAUNCH_SKIP_FAST_LAUNCHER");
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  for (int i = 0; i < 2; i++)
    {
      add_set_reset_out (&s);
      FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
      ck_assert_outcome (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_SKIP_ENV);
      add_set_verify (&s, 0, N_DEFAULT);
    }
  fl_stats st = stats_of (b);
  ck_assert_int_eq (st.permanent_fallback, FL_FALLBACK_SKIP_ENV);
  ck_assert_uint_eq (entry_count (b), 0);
  report ("skip-env", "FASTLAUNCH_SKIP_FAST_LAUNCHER=1 at bind → permanent default path (%s), correct",
          fl_fallback_str (st.permanent_fallback));
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

/* 60 pointer arguments cannot be keyed in the 56 argument bits: priming fails for good. */
START_TEST (t_priming_failed)
{
  enum { NP = 60 };
  char source[8192], sig[1024];
  size_t o = 0, so = 0;
  o += (size_t) snprintf (source + o, sizeof source - o, "extern \"C\" __global__ void lsc_wide(float *out");
  so += (size_t) snprintf (sig + so, sizeof sig - so, "*fp32");
  for (int i = 1; i < NP; i++)
    {
      o += (size_t) snprintf (source + o, sizeof source - o, ", const float *p%d", i);
      so += (size_t) snprintf (sig + so, sizeof sig - so, ", *fp32");
    }
  o += (size_t) snprintf (source + o, sizeof source - o,
                          ", int n)\n{\n  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;"
                          " i += gridDim.x * blockDim.x)\n    out[i] = p1[i] + p%d[i];\n}\n", NP - 1);
  snprintf (sig + so, sizeof sig - so, ", i32");
  ck_assert (o < sizeof source);
  fl_bound_kernel *b = bind_source (source, "lsc_wide", sig, NULL, 0);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_arg args[NP + 1];
  args[0] = FL_PTR (s.buf[0]);
  for (int i = 1; i < NP; i++)
    args[i] = FL_PTR (s.buf[1]);
  args[NP] = FL_INT (N_DEFAULT);
  fl_launch_info info;
  for (int i = 0; i < 2; i++)
    {
      add_set_reset_out (&s);
      FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), NULL, args, NP + 1, &info));
      ck_assert_outcome (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_PRIMING_FAILED);
      sync_ctx ();
      download (s.host[0], s.buf[0], s.cap);
      for (int j = 0; j < N_DEFAULT; j++)
        ck_assert (s.host[0][j] == 2.0f * s.host[1][j]);
    }
  ck_assert_int_eq (stats_of (b).permanent_fallback, FL_FALLBACK_PRIMING_FAILED);
  ck_assert_uint_eq (builds_of (b), 1);

  /* The default path's own cache must still tell debug from non-debug binaries. */
  fl_knob_set_debug (true);
  add_set_reset_out (&s);
  FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), NULL, args, NP + 1, &info));
  fl_knob_set_debug (false);
  ck_assert_msg (info.compiled && builds_of (b) == 2,
                 "debug flip on a permanently-fallen-back kernel reused the non-debug binary (compiled=%d, builds=%"
                 PRIu64 ")", info.compiled, builds_of (b));
  sync_ctx ();
  download (s.host[0], s.buf[0], s.cap);
  for (int j = 0; j < N_DEFAULT; j++)
    ck_assert (s.host[0][j] == 2.0f * s.host[1][j]);
  report ("priming-failed", "%d pointer args (more than the key's 56 bits) → permanent default path (%s), correct; "
          "debug flip → default path compiled a debug binary", NP, fl_fallback_str (FL_FALLBACK_PRIMING_FAILED));
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

static const char broken_source[] =
  "#ifndef LSC_GPU_FIX\n"
  "#error \"lsc-gpu deliberate compile failure\"\n"
  "#endif\n"
  "extern \"C\" __global__ void lsc_fixme(float *out, const float *in, int n)\n"
  "{\n"
  "  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)\n"
  "    out[i] = in[i] + 1.0f;\n"
  "}\n";

static void
fix_hook (const fl_kernel *kernel, uint64_t key, fl_compile_options *options, void *user_data)
{
  (void) kernel;
  (void) key;
  if (*(bool *) user_data)
    fl_compile_options_add (options, "-DLSC_GPU_FIX=1");
}

START_TEST (t_compile_failure)
{
  bool fix = false;
  fl_compile_hook hook = { .hook = fix_hook, .user_data = &fix };
  fl_compile_hook_set (&hook); /* present in every call below, so the key stays the same */

  fl_bound_kernel *good = bind_add (2, NULL);
  add_set gs;
  add_set_init (&gs, 2, N_DEFAULT);
  fl_launch_info info;
  FL_CHECK (launch_add (good, &gs, 0, N_DEFAULT, &info));
  ck_assert (info.spec_key & (1ull << FL_KEY_HOOK_BIT));
  add_set_verify (&gs, 0, N_DEFAULT);

  fl_bound_kernel *b = bind_source (broken_source, "lsc_fixme", "*fp32, *fp32, i32", NULL, 0);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_arg args[3] = { FL_PTR (s.buf[0]), FL_PTR (s.buf[1]), FL_INT (N_DEFAULT) };
  char log_excerpt[200] = "";
  for (int attempt = 1; attempt <= 2; attempt++)
    {
      fl_status st = fl_launch (b, grid_for (N_DEFAULT), NULL, args, 3, &info);
      ck_assert_msg (st == FL_ERR_COMPILE, "attempt %d returned %s", attempt, fl_status_str (st));
      const char *msg = fl_last_error ();
      ck_assert_msg (strstr (msg, "lsc-gpu deliberate compile failure"), "no NVRTC log in: %s", msg);
      const char *at = strstr (msg, "#error");
      snprintf (log_excerpt, sizeof log_excerpt, "%.80s", at ? at : msg);
      for (char *p = log_excerpt; *p; p++)
        if (*p == '\n')
          *p = ' ';
      ck_assert_uint_eq (entry_count (b), 0);
      ck_assert (add_set_out_untouched (&s));

      add_set_reset_out (&gs);
      FL_CHECK (launch_add (good, &gs, 0, N_DEFAULT, &info));
      ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
      add_set_verify (&gs, 0, N_DEFAULT);
    }

  /* Same key (the hook bit is set throughout): a cached failure or a cached binary would show
   * here; a retry compiles. */
  fix = true;
  FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), NULL, args, 3, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (info.compiled);
  ck_assert_uint_ge (stats_of (b).compiles, 1);
  ck_assert_int_eq (stats_of (b).permanent_fallback, FL_FALLBACK_NONE);
  ck_assert_uint_eq (entry_count (b), 1);
  sync_ctx ();
  download (s.host[0], s.buf[0], s.cap);
  for (int j = 0; j < N_DEFAULT; j++)
    ck_assert (s.host[0][j] == s.host[1][j] + 1.0f);
  FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), NULL, args, 3, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  report ("compile-failure", "NVRTC error returned twice with its log (\"%s\"), no entry cached; other kernel kept "
          "hitting; same key fixed by the compile hook → compiled (stats.compiles=%" PRIu64 "), correct, then hit",
          log_excerpt, stats_of (b).compiles);
  fl_compile_hook_set (NULL);
  add_set_clear (&s);
  add_set_clear (&gs);
  fl_bound_kernel_free (b);
  fl_bound_kernel_free (good);
}
END_TEST

START_TEST (t_capture)
{
  fl_bound_kernel *b = bind_add (3, NULL);
  CUstream stream;
  CU_CHECK (drv->cuStreamCreate (&stream, CU_STREAM_NON_BLOCKING));
  const size_t cap = N_DEFAULT;
  float *x = malloc (cap * sizeof (float)), *y = malloc (cap * sizeof (float)), *h = malloc (cap * sizeof (float));
  ck_assert (x && y && h);
  for (size_t j = 0; j < cap; j++)
    {
      x[j] = pattern (j, 1);
      y[j] = pattern (j, 2);
      h[j] = SENTINEL;
    }
  CUdeviceptr dx = dalloc (cap), dy = dalloc (cap), o[3];
  upload (dx, x, cap);
  upload (dy, y, cap);
  for (int i = 0; i < 3; i++)
    {
      o[i] = dalloc (cap);
      upload (o[i], h, cap);
    }
  fl_launch_info info;
  /* Prime outside capture (a compile inside a capture would be a module load while capturing). */
  fl_arg args[4] = { FL_PTR (o[0]), FL_PTR (dx), FL_PTR (dy), FL_INT (N_DEFAULT) };
  FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), stream, args, 4, &info));
  CU_CHECK (drv->cuStreamSynchronize (stream));
  upload (o[0], h, cap);

  FL_CHECK (fl_capture_begin (stream));
  ck_assert (fl_capture_active ());
  CUdeviceptr prev = dx;
  for (int i = 0; i < 3; i++)
    {
      fl_arg a[4] = { FL_PTR (o[i]), FL_PTR (prev), FL_PTR (dy), FL_INT (N_DEFAULT) };
      FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), stream, a, 4, &info));
      ck_assert_outcome (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_CAPTURE);
      prev = o[i];
    }
  fl_graph *graph = NULL;
  FL_CHECK (fl_capture_end (stream, &graph));
  ck_assert (!fl_capture_active ());
  ck_assert_uint_eq (fl_graph_node_count (graph), 3);
  CU_CHECK (drv->cuStreamSynchronize (stream));
  download (h, o[2], cap);
  for (size_t j = 0; j < cap; j++)
    ck_assert_msg (h[j] == SENTINEL, "a captured launch ran before replay");

  for (int replay = 0; replay < 2; replay++)
    {
      for (size_t j = 0; j < cap; j++)
        h[j] = SENTINEL;
      for (int i = 0; i < 3; i++)
        upload (o[i], h, cap);
      FL_CHECK (fl_graph_launch (graph, stream));
      CU_CHECK (drv->cuStreamSynchronize (stream));
      for (int i = 0; i < 3; i++)
        {
          download (h, o[i], cap);
          for (size_t j = 0; j < cap; j++)
            ck_assert_msg (h[j] == x[j] + (float) (i + 1) * y[j], "replay %d, node %d, element %zu: %g", replay, i, j,
                           (double) h[j]);
        }
    }
  /* After capture the fast path resumes. */
  FL_CHECK (fl_launch (b, grid_for (N_DEFAULT), stream, args, 4, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  CU_CHECK (drv->cuStreamSynchronize (stream));
  report ("capture", "3 chained launches during capture went to the default path (%s); graph has %zu nodes, "
          "nothing ran before replay, 2 replays match x+k*y; fast path hits after capture",
          fl_fallback_str (FL_FALLBACK_CAPTURE), fl_graph_node_count (graph));
  fl_graph_free (graph);
  drv->cuMemFree (dx);
  drv->cuMemFree (dy);
  for (int i = 0; i < 3; i++)
    drv->cuMemFree (o[i]);
  drv->cuStreamDestroy (stream);
  free (x);
  free (y);
  free (h);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_second_context)
{
  fl_bound_kernel *b = bind_add (2, NULL);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  uint64_t key = info.spec_key;

  CUcontext primary, second;
  CUdevice dev;
  CU_CHECK (drv->cuCtxGetCurrent (&primary));
  CU_CHECK (drv->cuCtxGetDevice (&dev));
  CU_CHECK (drv->cuCtxCreate (&second, 0, dev));
  CUcontext now;
  CU_CHECK (drv->cuCtxGetCurrent (&now));
  if (now != second)
    CU_CHECK (drv->cuCtxSetCurrent (second));

  add_set s2;
  add_set_init (&s2, 2, N_DEFAULT);
  for (int i = 0; i < 2; i++)
    {
      add_set_reset_out (&s2);
      FL_CHECK (launch_add (b, &s2, 0, N_DEFAULT, &info));
      ck_assert_outcome (info, FL_PATH_DEFAULT, FL_OUTCOME_FALLBACK, FL_FALLBACK_CONTEXT_CHANGED);
      add_set_verify (&s2, 0, N_DEFAULT);
    }
  ck_assert_uint_eq (entry_count (b), 1);
  ck_assert (find_entry (b, key, NULL));
  add_set_clear (&s2);

  CU_CHECK (drv->cuCtxSetCurrent (primary));
  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_HIT, FL_FALLBACK_NONE);
  add_set_verify (&s, 0, N_DEFAULT);
  fl_stats st = stats_of (b);
  ck_assert_uint_eq (st.fallbacks[FL_FALLBACK_CONTEXT_CHANGED], 2);
  report ("second-context", "cuCtxCreate'd context on device 0: 2 calls on the default path (%s), correct in "
          "that context; primed entry kept, back in the primary context → hit",
          fl_fallback_str (FL_FALLBACK_CONTEXT_CHANGED));
  add_set_clear (&s);
  fl_bound_kernel_free (b);
  CU_CHECK (drv->cuCtxDestroy (second));
  CU_CHECK (drv->cuCtxSetCurrent (primary));
}
END_TEST

typedef struct {
  fl_bound_kernel *b;
  pthread_barrier_t *barrier;
  CUcontext ctx;
  CUdeviceptr out, in;
  size_t off;
  fl_status status;
  fl_launch_info info;
  char error[256];
} race_arg;

static void *
race_thread (void *p)
{
  race_arg *a = p;
  drv->cuCtxSetCurrent (a->ctx);
  fl_arg args[3] = { FL_PTR (a->out + a->off), FL_PTR (a->in + a->off), FL_INT (N_DEFAULT) };
  pthread_barrier_wait (a->barrier);
  a->status = fl_launch (a->b, grid_for (N_DEFAULT), NULL, args, 3, &a->info);
  if (a->status != FL_OK)
    snprintf (a->error, sizeof a->error, "%s", fl_last_error ());
  drv->cuCtxSynchronize ();
  return NULL;
}

START_TEST (t_threads_first_call)
{
  fl_bound_kernel *b = bind_add (2, NULL);
  CUcontext ctx;
  CU_CHECK (drv->cuCtxGetCurrent (&ctx));
  const size_t cap = N_DEFAULT + SLACK;
  float *in = malloc (cap * sizeof (float)), *h = malloc (cap * sizeof (float));
  ck_assert (in && h);
  for (size_t j = 0; j < cap; j++)
    {
      in[j] = pattern (j, 5);
      h[j] = SENTINEL;
    }
  CUdeviceptr din = dalloc (cap);
  upload (din, in, cap);
  pthread_barrier_t barrier;
  pthread_barrier_init (&barrier, NULL, MAX_THREADS);
  race_arg args[MAX_THREADS];
  pthread_t th[MAX_THREADS];
  for (int i = 0; i < MAX_THREADS; i++)
    {
      memset (&args[i], 0, sizeof args[i]);
      args[i].b = b;
      args[i].barrier = &barrier;
      args[i].ctx = ctx;
      args[i].in = din;
      args[i].out = dalloc (cap);
      args[i].off = (i % 2) ? 4 : 0; /* two specs: aligned and offset */
      upload (args[i].out, h, cap);
    }
  for (int i = 0; i < MAX_THREADS; i++)
    ck_assert_int_eq (pthread_create (&th[i], NULL, race_thread, &args[i]), 0);
  for (int i = 0; i < MAX_THREADS; i++)
    pthread_join (th[i], NULL);
  pthread_barrier_destroy (&barrier);

  unsigned misses = 0;
  for (int i = 0; i < MAX_THREADS; i++)
    {
      ck_assert_msg (args[i].status == FL_OK, "thread %d: %s: %s", i, fl_status_str (args[i].status), args[i].error);
      misses += args[i].info.outcome == FL_OUTCOME_MISS;
      download (h, args[i].out, cap);
      size_t off = args[i].off / sizeof (float);
      for (size_t j = 0; j < cap; j++)
        {
          float want = (j >= off && j < off + N_DEFAULT) ? in[j] : SENTINEL;
          ck_assert_msg (h[j] == want, "thread %d element %zu: %g, want %g", i, j, (double) h[j], (double) want);
        }
      drv->cuMemFree (args[i].out);
    }
  fl_stats st = stats_of (b);
  ck_assert_uint_eq (st.primings, 1);
  ck_assert_uint_eq (st.compiles + st.disk_cache_loads, 2);
  ck_assert_uint_eq (st.launches, MAX_THREADS);
  ck_assert_uint_eq (entry_count (b), 2);
  report ("threads-first-call", "%d threads released at once on 2 specs: 1 priming, %" PRIu64 " compiles, "
          "%u misses reported, every thread's result correct", MAX_THREADS, st.compiles, misses);
  drv->cuMemFree (din);
  free (in);
  free (h);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_disk_cache)
{
  fl_bound_kernel *b = bind_add (2, NULL);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert (info.compiled);
  fl_bound_kernel_free (b);

  b = bind_add (2, NULL);
  add_set_reset_out (&s);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_outcome (info, FL_PATH_FAST, FL_OUTCOME_MISS, FL_FALLBACK_NONE);
  ck_assert (!info.compiled);
  fl_stats st = stats_of (b);
  ck_assert_uint_eq (st.compiles, 0);
  ck_assert_uint_eq (st.disk_cache_loads, 1);
  fl_spec_entry e;
  ck_assert (find_entry (b, info.spec_key, &e));
  ck_assert_msg (e.compile_ms == 0.0, "a cubin from the disk cache reports compile_ms %g", e.compile_ms);
  add_set_verify (&s, 0, N_DEFAULT);
  report ("disk-cache", "a second bound kernel of the same spec loaded the cubin from $XDG_CACHE_HOME, "
          "no NVRTC run, correct");
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

typedef struct {
  unsigned launches, compiles, hits, misses;
} sink_counts;

static void
sink_emit (const fl_event *ev, void *user_data)
{
  sink_counts *c = user_data;
  if (ev->type == FL_EVENT_LAUNCH)
    {
      c->launches++;
      c->hits += ev->outcome == FL_OUTCOME_HIT;
      c->misses += ev->outcome == FL_OUTCOME_MISS;
    }
  else if (ev->type == FL_EVENT_COMPILE)
    c->compiles++;
}

START_TEST (t_event_sink)
{
  sink_counts c = { 0 };
  fl_event_sink sink = { .emit = sink_emit, .user_data = &c };
  fl_event_sink_set (&sink);
  fl_bound_kernel *b = bind_add (2, NULL);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  for (int i = 0; i < 5; i++)
    FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  add_set_verify (&s, 0, N_DEFAULT);
  fl_event_sink_set (NULL);
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_uint_eq (c.launches, 5);
  ck_assert_uint_eq (c.misses, 1);
  ck_assert_uint_eq (c.hits, 4);
  ck_assert_uint_eq (c.compiles, 1);
  report ("event-sink", "5 launches → 5 LAUNCH events (1 miss, 4 hits) and 1 COMPILE; removed → no more events");
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

START_TEST (t_bad_arguments)
{
  fl_bound_kernel *b = bind_add (2, NULL);
  add_set s;
  add_set_init (&s, 2, N_DEFAULT);
  fl_launch_info info;
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  add_set_reset_out (&s);
  fl_arg args[3];
  add_set_args (&s, 0, N_DEFAULT, args);

  ck_assert_int_eq (fl_launch (b, grid_for (N_DEFAULT), NULL, args, 2, &info), FL_ERR_ARGUMENTS);
  fl_arg null_ptr[3] = { FL_PTR (0), args[1], args[2] };
  ck_assert_int_eq (fl_launch (b, grid_for (N_DEFAULT), NULL, null_ptr, 3, &info), FL_ERR_ARGUMENTS);
  fl_arg too_big[3] = { args[0], args[1], FL_INT (INT64_C (1) << 40) };
  ck_assert_int_eq (fl_launch (b, grid_for (N_DEFAULT), NULL, too_big, 3, &info), FL_ERR_ARGUMENTS);
  fl_arg wrong_kind[3] = { args[0], FL_F32 (1.0f), args[2] };
  ck_assert_int_eq (fl_launch (b, grid_for (N_DEFAULT), NULL, wrong_kind, 3, &info), FL_ERR_ARGUMENTS);
  ck_assert_int_eq (fl_launch (b, (fl_grid){ 0, 1, 1 }, NULL, args, 3, &info), FL_ERR_INVALID_ARGUMENT);
  ck_assert_int_eq (fl_launch (NULL, grid_for (N_DEFAULT), NULL, args, 3, &info), FL_ERR_INVALID_ARGUMENT);
  ck_assert_msg (add_set_out_untouched (&s), "a rejected call launched");
  FL_CHECK (launch_add (b, &s, 0, N_DEFAULT, &info));
  ck_assert_int_eq (info.outcome, FL_OUTCOME_HIT);
  add_set_verify (&s, 0, N_DEFAULT);
  report ("bad-arguments", "wrong count, NULL pointer, i32 out of range, wrong kind, zero grid, NULL bound: "
          "all rejected, nothing launched; the next good call hits");
  add_set_clear (&s);
  fl_bound_kernel_free (b);
}
END_TEST

/* ---- negative control ------------------------------------------------------------------- */

/* Runs in a fresh process (this binary re-executed): compiles add2 for aligned pointers through
 * the engine, then launches that very CUfunction with ptr+4 directly through cuLaunchKernel.
 * Prints "aligned=<CUresult> offset_launch=<CUresult> offset_sync=<CUresult>"; exit 0 if it got
 * that far. */
static int
negative_control_child (void)
{
  if (fl_driver_load () != FL_OK || fl_use_device (0) != FL_OK)
    {
      printf ("setup-failed %s\n", fl_last_error ());
      return 1;
    }
  drv = fl_driver_get ();
  fl_kernel *k = NULL;
  fl_bound_kernel *b = NULL;
  fl_config def = { 0 };
  if (fl_workload_add_kernel (2, &k) != FL_OK || fl_bound_kernel_new (k, &def, &b) != FL_OK)
    {
      printf ("setup-failed %s\n", fl_last_error ());
      return 1;
    }
  const size_t cap = N_DEFAULT + SLACK;
  CUdeviceptr out = 0, in = 0;
  if (drv->cuMemAlloc (&out, cap * 4) != CUDA_SUCCESS || drv->cuMemAlloc (&in, cap * 4) != CUDA_SUCCESS
      || drv->cuMemsetD8 (in, 0, cap * 4) != CUDA_SUCCESS)
    {
      printf ("setup-failed cuMemAlloc\n");
      return 1;
    }
  fl_arg args[3] = { FL_PTR (out), FL_PTR (in), FL_INT (N_DEFAULT) };
  fl_launch_info info;
  fl_status st = fl_launch (b, grid_for (N_DEFAULT), NULL, args, 3, &info);
  if (st != FL_OK || drv->cuCtxSynchronize () != CUDA_SUCCESS)
    {
      printf ("setup-failed priming: %s\n", fl_last_error ());
      return 1;
    }
  fl_spec_entry e;
  bool found = false;
  fl_spec_entry all[64];
  unsigned n = fl_bound_kernel_spec_entries (b, all, 64);
  for (unsigned i = 0; i < n && i < 64; i++)
    if (all[i].key == info.spec_key)
      {
        e = all[i];
        found = true;
      }
  if (!found || align_bits (info.spec_key, 2) != 3)
    {
      printf ("setup-failed no aligned spec entry\n");
      return 1;
    }
  fl_grid g = grid_for (N_DEFAULT);
  int count = N_DEFAULT;
  /* Positive control: the same raw launch with aligned pointers works. */
  CUdeviceptr p0 = out, p1 = in;
  void *params[3] = { &p0, &p1, &count };
  CUresult aligned = drv->cuLaunchKernel (e.function, g.x, 1, 1, 128, 1, 1, 0, NULL, params, NULL);
  if (aligned == CUDA_SUCCESS)
    aligned = drv->cuCtxSynchronize ();
  /* The guard's reason to exist: the aligned (vectorized) binary on ptr+4. */
  p0 = out + 4;
  p1 = in + 4;
  CUresult launch = drv->cuLaunchKernel (e.function, g.x, 1, 1, 128, 1, 1, 0, NULL, params, NULL);
  CUresult sync = launch == CUDA_SUCCESS ? drv->cuCtxSynchronize () : launch;
  printf ("aligned=%d offset_launch=%d offset_sync=%d (%s)\n", (int) aligned, (int) launch, (int) sync,
          fl_cuda_error_name (sync));
  fflush (stdout);
  _exit (0); /* the context is unusable now: skip teardown */
}

START_TEST (t_negative_control)
{
  int fds[2];
  ck_assert_int_eq (pipe (fds), 0);
  fflush (stdout);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      dup2 (fds[1], STDOUT_FILENO);
      close (fds[0]);
      close (fds[1]);
      char *const argv[] = { (char *) "test-fastlaunch-gpu", (char *) "--negative-control", NULL };
      execv ("/proc/self/exe", argv);
      printf ("exec-failed %s\n", strerror (errno));
      _exit (127);
    }
  close (fds[1]);
  char out[1024];
  size_t len = 0;
  ssize_t r;
  while (len < sizeof out - 1 && ((r = read (fds[0], out + len, sizeof out - 1 - len)) > 0 || (r < 0 && errno == EINTR)))
    if (r > 0)
      len += (size_t) r;
  out[len] = '\0';
  close (fds[0]);
  int wstatus = 0;
  ck_assert_int_eq (waitpid (pid, &wstatus, 0), pid);
  ck_assert_msg (WIFEXITED (wstatus) && WEXITSTATUS (wstatus) == 0, "negative-control child: status 0x%x, output: %s",
                 wstatus, out);
  int aligned = -1, launch = -1, sync = -1;
  ck_assert_msg (sscanf (out, "aligned=%d offset_launch=%d offset_sync=%d", &aligned, &launch, &sync) == 3,
                 "unexpected child output: %s", out);
  ck_assert_msg (aligned == CUDA_SUCCESS, "positive control failed: %s", out);
  ck_assert_msg (sync == CUDA_ERROR_MISALIGNED_ADDRESS, "expected CUDA_ERROR_MISALIGNED_ADDRESS (716): %s", out);
  char *nl = strchr (out, '\n');
  if (nl)
    *nl = '\0';
  report ("negative-control", "child process: aligned add2 binary via raw cuLaunchKernel: aligned ok, ptr+4 → %s",
          out);
}
END_TEST

/* ---- main --------------------------------------------------------------------------------- */

/* Loads the driver in a child so this process never initialises CUDA.  Fills desc; returns
 * true when a device is usable, else false with the reason in desc. */
static bool
probe_driver (char *desc, size_t size)
{
  int fds[2];
  if (pipe (fds) != 0)
    {
      snprintf (desc, size, "pipe: %s", strerror (errno));
      return false;
    }
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (fds[0]);
      char line[1024];
      if (fl_driver_load () != FL_OK || fl_use_device (0) != FL_OK)
        snprintf (line, sizeof line, "0 %s", fl_last_error ());
      else
        {
          const fl_driver *d = fl_driver_get ();
          CUdevice dev;
          char name[256] = "?";
          int maj = 0, min = 0, sms = 0, nv_maj = 0, nv_min = 0;
          if (d->cuDeviceGet (&dev, 0) == CUDA_SUCCESS)
            {
              d->cuDeviceGetName (name, sizeof name, dev);
              d->cuDeviceGetAttribute (&maj, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
              d->cuDeviceGetAttribute (&min, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
              d->cuDeviceGetAttribute (&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
            }
          fl_nvrtc_version (&nv_maj, &nv_min);
          snprintf (line, sizeof line, "1 device 0: %s (sm_%d%d, %d SMs), CUDA driver API %d, NVRTC %d.%d", name, maj,
                    min, sms, fl_driver_version (), nv_maj, nv_min);
        }
      ssize_t w = write (fds[1], line, strlen (line));
      (void) w;
      _exit (0);
    }
  close (fds[1]);
  char buf[1024];
  size_t len = 0;
  ssize_t r;
  while (pid > 0 && len < sizeof buf - 1 && ((r = read (fds[0], buf + len, sizeof buf - 1 - len)) > 0 || (r < 0 && errno == EINTR)))
    if (r > 0)
      len += (size_t) r;
  buf[len] = '\0';
  close (fds[0]);
  int wstatus = 0;
  if (pid < 0 || waitpid (pid, &wstatus, 0) != pid || !WIFEXITED (wstatus) || len < 2)
    {
      snprintf (desc, size, "the driver probe process failed (status 0x%x)", wstatus);
      return false;
    }
  snprintf (desc, size, "%s", buf + 2);
  return buf[0] == '1';
}

static int
remove_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) flag;
  (void) ftw;
  return remove (path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes our own mkdtemp directory and the per-test caches in it. */
static void
remove_tree (const char *dir)
{
  nftw (dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static Suite *
gpu_suite (void)
{
  Suite *s = suite_create ("fastlaunch-gpu");
  TCase *tc = tcase_create ("guards");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, t_priming_then_hit);
  tcase_add_test (tc, t_offset_pointer);
  tcase_add_test (tc, t_value_classes);
  tcase_add_test (tc, t_global_changed);
  tcase_add_test (tc, t_debug_flip);
  tcase_add_test (tc, t_debug_define);
  tcase_add_test (tc, t_hooks_next_call);
  tcase_add_test (tc, t_pre_run_hooks);
  tcase_add_test (tc, t_two_configs);
  tcase_add_test (tc, t_skip_switch);
  tcase_add_test (tc, t_skip_env);
  tcase_add_test (tc, t_priming_failed);
  tcase_add_test (tc, t_compile_failure);
  tcase_add_test (tc, t_capture);
  tcase_add_test (tc, t_second_context);
  tcase_add_test (tc, t_threads_first_call);
  tcase_add_test (tc, t_disk_cache);
  tcase_add_test (tc, t_event_sink);
  tcase_add_test (tc, t_bad_arguments);
  tcase_add_test (tc, t_negative_control);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp (argv[1], "--negative-control") == 0)
    return negative_control_child ();

  char desc[1024];
  if (!probe_driver (desc, sizeof desc))
    {
      printf ("fastlaunch-gpu: SKIP: %s\n", desc);
      return 77;
    }
  const char *tmp = getenv ("TMPDIR");
  snprintf (tmp_root, sizeof tmp_root, "%s/fastlaunch-gpu-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp (tmp_root))
    {
      fprintf (stderr, "fastlaunch-gpu: mkdtemp %s: %s\n", tmp_root, strerror (errno));
      return 1;
    }
  setenv ("XDG_CACHE_HOME", tmp_root, 1);
  printf ("fastlaunch-gpu: %s\n", desc);
  printf ("fastlaunch-gpu: on-disk cache under %s (fresh per test)\n", tmp_root);

  SRunner *sr = srunner_create (gpu_suite ());
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  remove_tree (tmp_root);
  printf ("fastlaunch-gpu: %s\n", failed ? "FAILED" : "all guards hold on this GPU");
  return failed ? 1 : 0;
}
