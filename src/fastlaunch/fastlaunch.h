/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fastlaunch.h — libfastlaunch, a CUDA Driver API kernel launcher with a per-spec fast path.
 *
 * A kernel (CUDA C source + entry + Triton-style signature) is bound to one launch config.
 * Every bound kernel owns a baseline ("default") launcher that runs the full eight-stage
 * pipeline on each call, and a fast launcher that, once primed, keys each call on the facts
 * that change the compiled binary (pointer alignment, integer value classes, knobs) and
 * launches straight from a small lock-free table.  Guards send a call back to the default
 * path whenever the fast path could be wrong; every such call carries an fl_fallback reason.
 *
 * Thread safety: unless a contract says otherwise, every function may be called from any
 * thread.  A bound kernel may be launched from many threads at once.
 *
 * Errors: every function returns fl_status.  On failure a message naming what failed (kernel,
 * argument, CUDA error by name, NVRTC log) is kept per thread and returned by fl_last_error().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cuda.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FL_API __attribute__((visibility("default")))
#else
#define FL_API
#endif

#define FL_MAX_ARGS 64
#define FL_MAX_PRE_RUN_HOOKS 8
#define FL_STAGE_COUNT 8

typedef enum {
  FL_OK = 0,
  FL_ERR_INVALID_ARGUMENT, /* NULL handle, zero grid, bad config */
  FL_ERR_SIGNATURE,        /* the signature string does not parse */
  FL_ERR_ARGUMENTS,        /* wrong argument count, kind, NULL pointer or out-of-range scalar */
  FL_ERR_NO_DRIVER,        /* libcuda.so.1 could not be loaded or initialised */
  FL_ERR_NO_NVRTC,         /* libnvrtc could not be loaded */
  FL_ERR_NO_CONTEXT,       /* no CUDA context is current on the calling thread */
  FL_ERR_CUDA,             /* a driver call failed; the message names the CUDA error */
  FL_ERR_CUDA_STICKY,      /* as FL_ERR_CUDA, and the context is now unusable */
  FL_ERR_COMPILE,          /* NVRTC rejected the source; the message holds the log */
  FL_ERR_GLOBAL_CHANGED,   /* a global the binary was compiled with changed: nothing launched */
  FL_ERR_GLOBAL_UNSET,     /* a declared global was never set with fl_global_set() */
  FL_ERR_NO_MEMORY,
  FL_ERR_CAPTURE,          /* capture API misuse (end without begin, nested begin) */
  FL_ERR_IO,               /* file access (kernel source file) */
} fl_status;

FL_API const char *fl_status_str (fl_status status);

/* The message of the last failure on the calling thread ("" if none).  Valid until the next
 * failing fl_ call on this thread. */
FL_API const char *fl_last_error (void);

/* ---- driver ------------------------------------------------------------------------------ */

/* Loads libcuda.so.1 (resolving every entry point through cuGetProcAddress at the ABI version
 * of the stored typedef), calls cuInit, and loads libnvrtc.  Idempotent; the first successful
 * load or fl_driver_install() wins.  Returns FL_ERR_NO_DRIVER (message says why: library not
 * found, stub library, cuInit error) or FL_ERR_NO_NVRTC. */
FL_API fl_status fl_driver_load (void);

/* As fl_driver_load, without NVRTC: for reading device facts in a process that compiles
 * nothing (a program liblaunchscope records), where loading NVRTC would only cost it time. */
FL_API fl_status fl_driver_load_without_nvrtc (void);

/* True once a driver table is installed (loaded or a test double). */
FL_API bool fl_driver_ready (void);

/* Driver version as reported by cuDriverGetVersion, NVRTC major/minor; 0 when unknown. */
FL_API int fl_driver_version (void);
FL_API void fl_nvrtc_version (int *major, int *minor);

/* Makes device `ordinal`'s primary context current on the calling thread. */
FL_API fl_status fl_use_device (int ordinal);

/* How far fl_probe goes: each depth includes the ones before it. */
typedef enum {
  FL_PROBE_LIBRARY = 0, /* libcuda.so.1 can be loaded: one dlopen, nothing initialised (cheap) */
  FL_PROBE_DEVICE,      /* the driver loads and initialises, and device `ordinal` exists */
  FL_PROBE_COMPILE,     /* ... and NVRTC loads, so kernels can be compiled */
} fl_probe_depth;

typedef struct {
  int device;                   /* the ordinal asked about */
  int device_count;             /* devices the driver reports; 0 when unknown */
  char device_name[256];        /* "" until known */
  int cc_major, cc_minor, sm_count;
  int driver_version;           /* as fl_driver_version(); 0 when unknown */
  int nvrtc_major, nvrtc_minor; /* 0 when NVRTC is not loaded */
  char why[512];                /* "" when usable; else why not, for the user */
} fl_probe_result;

/* Is there a usable CUDA driver and device here, which one, and if not, why.  The one place
 * that answers it, for the CLI and the app alike.  Loads the driver (and at FL_PROBE_COMPILE
 * NVRTC) unless a table is installed; fills out as far as it got, the device's facts included
 * when only NVRTC is missing.  Returns FL_OK, FL_ERR_NO_DRIVER (no library, a stub, cuInit
 * failed, no device), FL_ERR_NO_NVRTC, FL_ERR_INVALID_ARGUMENT (no device `ordinal`; out->why
 * says how many there are) or FL_ERR_CUDA (a device query failed); out->why and fl_last_error()
 * hold the same message. */
FL_API fl_status fl_probe (fl_probe_depth depth, int ordinal, fl_probe_result *out);

/* ---- knobs (process-wide, atomic) -------------------------------------------------------- */

typedef enum {
  FL_INSTR_NONE = 0,
  FL_INSTR_LINEINFO = 1, /* compiled with -lineinfo, for source-level profilers */
  FL_INSTR_COUNT
} fl_instr_mode;

/* Debug compiles with -G and defines FL_DEBUG=1 (left undefined when off, so #ifdef FL_DEBUG
 * works).  Part of the spec key. */
FL_API void fl_knob_set_debug (bool on);
FL_API bool fl_knob_get_debug (void);
FL_API void fl_knob_set_instrumentation (fl_instr_mode mode);
FL_API fl_instr_mode fl_knob_get_instrumentation (void);
/* The skip switch: while on, every launch takes the default path (reason SKIP_SWITCH); the
 * spec tables are kept, so switching it off resumes the fast path at once. */
FL_API void fl_knob_set_skip_fast (bool on);
FL_API bool fl_knob_get_skip_fast (void);
/* Per-stage timing of the default path (eight clock reads more per baseline call). */
FL_API void fl_knob_set_stage_timing (bool on);
FL_API bool fl_knob_get_stage_timing (void);

/* ---- compile-time globals (process-wide) ------------------------------------------------- */

/* Sets a named compile-time global (an identifier) and bumps the globals generation.  Kernels
 * that declare it compile it in as -D<name>=<value>; a change after a kernel was compiled makes
 * its launches fail with FL_ERR_GLOBAL_CHANGED until the value is restored.  Once restored (and
 * after a set of a global it does not read) the next launch is a fast-path hit: the fast launcher
 * compares the values once, off the hit path, and reports no fallback for it. */
FL_API fl_status fl_global_set (const char *name, int64_t value);
FL_API fl_status fl_global_get (const char *name, int64_t *value_out);
FL_API uint64_t fl_globals_generation (void);

/* ---- kernels ----------------------------------------------------------------------------- */

typedef enum {
  FL_TYPE_PTR_FIRST = 0,
  FL_TYPE_PTR_I8 = FL_TYPE_PTR_FIRST, FL_TYPE_PTR_I16, FL_TYPE_PTR_I32, FL_TYPE_PTR_I64,
  FL_TYPE_PTR_U8, FL_TYPE_PTR_U16, FL_TYPE_PTR_U32, FL_TYPE_PTR_U64,
  FL_TYPE_PTR_FP16, FL_TYPE_PTR_BF16, FL_TYPE_PTR_FP32, FL_TYPE_PTR_FP64,
  FL_TYPE_PTR_LAST = FL_TYPE_PTR_FP64,
  FL_TYPE_I1, FL_TYPE_I8, FL_TYPE_I16, FL_TYPE_I32, FL_TYPE_I64,
  FL_TYPE_U8, FL_TYPE_U16, FL_TYPE_U32, FL_TYPE_U64,
  FL_TYPE_FP16, FL_TYPE_BF16, FL_TYPE_FP32, FL_TYPE_FP64,
  FL_TYPE_CONSTEXPR,
  FL_TYPE_COUNT
} fl_type;

FL_API const char *fl_type_name (fl_type type); /* "*fp32", "i32", "constexpr", ... */

typedef struct {
  fl_type types[FL_MAX_ARGS];
  unsigned n_args;
} fl_signature;

/* Parses Triton notation, e.g. "*fp32, *fp32, i32, constexpr".  On error returns
 * FL_ERR_SIGNATURE with a message naming the 1-based character position and the token. */
FL_API fl_status fl_signature_parse (const char *text, fl_signature *out);

typedef struct fl_kernel fl_kernel;

typedef struct {
  const char *name;         /* shown in events and reports; defaults to entry */
  const char *source;       /* CUDA C source; the entry must be extern "C" */
  const char *entry;
  const char *signature;    /* Triton notation */
  const char *const *globals; /* names of fl_global_set() globals the source reads */
  unsigned n_globals;
} fl_kernel_desc;

/* Copies everything it needs from desc.  Errors: FL_ERR_INVALID_ARGUMENT (NULL fields),
 * FL_ERR_SIGNATURE. */
FL_API fl_status fl_kernel_new (const fl_kernel_desc *desc, fl_kernel **out);
/* Reads source from a file; otherwise as fl_kernel_new.  FL_ERR_IO names the file. */
FL_API fl_status fl_kernel_new_from_file (const char *path, const char *entry, const char *signature,
                                          fl_kernel **out);
/* Drops the caller's reference; bound kernels keep their own.  NULL is ignored. */
FL_API void fl_kernel_free (fl_kernel *kernel);
FL_API const char *fl_kernel_name (const fl_kernel *kernel);
/* The extern "C" entry point: the symbol name CUPTI reports for its launches. */
FL_API const char *fl_kernel_entry (const fl_kernel *kernel);
FL_API const fl_signature *fl_kernel_signature (const fl_kernel *kernel);

/* ---- bound kernels ----------------------------------------------------------------------- */

/* What a kernel's source sees.  Each spec is compiled with --gpu-architecture=sm_<cc> of the
 * current device, plus:
 *   -G -DFL_DEBUG=1              debug knob on (FL_DEBUG is not defined at all when off:
 *                                test it with #ifdef FL_DEBUG or #if FL_DEBUG)
 *   -lineinfo                    instrumentation FL_INSTR_LINEINFO
 *   -DFL_NARGS=<n>               arguments in the signature (constexpr slots included)
 *   -DFL_NPTRS=<n>               pointer arguments
 *   -DFL_NUM_WARPS=<w>           the config's warps
 *   -DFL_BLOCK_X=<x>             the config's block x
 *   -DFL_ALIGN16_ARG<i>=0|1      per pointer argument i (0-based argument index): 16-byte aligned
 *   -DFL_ONE_ARG<i>=0|1          per integer argument i (not i1): the value is 1
 *   -DFL_DIV16_ARG<i>=0|1        per integer argument i (not i1): the value is a multiple of 16
 *   -DFL_CONSTEXPR_ARG<i>=<v>    per constexpr argument i: its value (an fp32 with an f suffix)
 *   -DFL_ALL_ALIGNED=0|1         1 when there is a pointer and every pointer is 16-byte aligned
 *   -D<global>=<value>           each declared global, as fl_global_set() left it
 *   -D<define>                   each fl_config define, as given
 * and whatever a compile hook adds.  A binary may rely on every one of them: the engine never
 * launches it for arguments that would change one (the spec key and the guards). */
typedef struct {
  unsigned block_x, block_y, block_z; /* 0 → block_x = num_warps * 32, y = z = 1 */
  unsigned num_warps;                 /* 0 → 4 */
  unsigned shared_mem_bytes;
  const char *const *defines;         /* "NAME=VALUE" or "NAME", compiled in as -D... */
  unsigned n_defines;
} fl_config;

typedef struct fl_bound_kernel fl_bound_kernel;

/* Binds kernel and config.  Reads FASTLAUNCH_SKIP_FAST_LAUNCHER now: 1, true, yes or on (any
 * case) makes this bound kernel use the default path permanently (reason SKIP_ENV); 0, false,
 * no, off (any case), empty or unset leave the fast launcher on.  Any other value also leaves
 * it on, and is reported as an FL_EVENT_ERROR to the event sink (if one is installed) naming
 * the variable and its value; the bind still succeeds. */
FL_API fl_status fl_bound_kernel_new (fl_kernel *kernel, const fl_config *config, fl_bound_kernel **out);
/* Unloads its modules.  Not to be called while another thread launches it.  NULL ignored. */
FL_API void fl_bound_kernel_free (fl_bound_kernel *bound);
FL_API const fl_kernel *fl_bound_kernel_kernel (const fl_bound_kernel *bound);

/* The config as bound, defaults filled in (num_warps, block); its defines are the bound kernel's
 * own copies.  Valid while the bound kernel lives; NULL for NULL. */
FL_API const fl_config *fl_bound_kernel_config (const fl_bound_kernel *bound);

typedef struct fl_launch_info fl_launch_info;

/* ---- launch arguments -------------------------------------------------------------------- */

typedef enum { FL_ARG_PTR = 1, FL_ARG_INT, FL_ARG_F32, FL_ARG_F64 } fl_arg_kind;

/* Build arguments with the FL_* constructors below (or zero an fl_arg before filling it in):
 * the fast path reads each fl_arg as two 8-byte words, masking off what a kind leaves unused,
 * and bytes never written would make memory checkers such as valgrind complain. */
typedef struct {
  fl_arg_kind kind;
  uint32_t reserved; /* 0 */
  union {
    CUdeviceptr ptr;
    int64_t i;
    float f32;
    double f64;
  } v;
} fl_arg;

static inline fl_arg
fl_arg_f32 (float x)
{
  fl_arg a = { .kind = FL_ARG_F32, .v.i = 0 };
  a.v.f32 = x;
  return a;
}

#define FL_PTR(p) ((fl_arg){ .kind = FL_ARG_PTR, .v.ptr = (CUdeviceptr)(p) })
#define FL_INT(x) ((fl_arg){ .kind = FL_ARG_INT, .v.i = (int64_t)(x) })
#define FL_F32(x) fl_arg_f32 ((float)(x))
#define FL_F64(x) ((fl_arg){ .kind = FL_ARG_F64, .v.f64 = (double)(x) })

typedef struct { unsigned x, y, z; } fl_grid;

/* ---- pre-run hooks ---------------------------------------------------------------------- */

/* The launch a pre-run hook precedes, as the engine is about to make it.  Built on the launching
 * thread's stack: valid only during the hook, copy what you keep.  The engine has no pipeline
 * stages (a Triton num_stages), so there is none to report. */
typedef struct {
  const fl_bound_kernel *bound;
  const fl_config *config;        /* fl_bound_kernel_config(bound): num_warps, block, shared memory */
  fl_grid grid;
  CUstream stream;
  const fl_arg *args;             /* the caller's arguments, already checked against the signature */
  unsigned n_args;
  uint64_t spec_key;              /* the spec launched; 0 for a kernel whose arguments fit no key */
  bool debug;                     /* the binary was compiled with the debug knob on (-G, FL_DEBUG) */
  fl_instr_mode instrumentation;  /* the instrumentation mode the binary was compiled with */
} fl_pre_run_launch;

typedef void (*fl_pre_run_hook) (const fl_pre_run_launch *launch, void *user_data);
/* Pre-run hooks run inline, in the order added, exactly once per launch on every path, after the
 * arguments were checked and just before cuLaunchKernel.  At most FL_MAX_PRE_RUN_HOOKS; may be
 * added while other threads launch.  A bound kernel with a hook leaves the lean hit for the
 * general one (a few dozen instructions more per launch); one without pays nothing. */
FL_API fl_status fl_bound_kernel_add_pre_run_hook (fl_bound_kernel *bound, fl_pre_run_hook hook, void *user_data);

/* ---- launching --------------------------------------------------------------------------- */

typedef enum {
  FL_PATH_FAST = 0,    /* fast launcher: hit, or miss compiled and inserted */
  FL_PATH_DEFAULT = 1, /* the full baseline pipeline */
  FL_PATH_RAW = 2,     /* not produced by the engine: the bare cuLaunchKernel floor (bench) */
  FL_PATH_GRAPH = 3,   /* not produced by the engine: CUDA graph replay (bench) */
} fl_path;

typedef enum {
  FL_OUTCOME_HIT = 0,
  FL_OUTCOME_MISS,     /* new spec: compiled (or loaded) once, inserted, launched; with
                          fl_launch_info.waited, another racer on a spec that compile served */
  FL_OUTCOME_FALLBACK, /* a guard sent the call to the default path; see fl_fallback */
  FL_OUTCOME_DEFAULT,  /* fl_launch_default() called directly */
} fl_outcome;

typedef enum {
  FL_FALLBACK_NONE = 0,
  FL_FALLBACK_SKIP_ENV,          /* FASTLAUNCH_SKIP_FAST_LAUNCHER on at bind time (permanent) */
  FL_FALLBACK_PRIMING_FAILED,    /* arguments cannot be keyed in 64 bits (permanent) */
  FL_FALLBACK_SKIP_SWITCH,       /* fl_knob_set_skip_fast(true) */
  FL_FALLBACK_CAPTURE,           /* fl_capture_begin() active: the default path records it */
  FL_FALLBACK_CONTEXT_CHANGED,   /* current context differs from the primed one */
  FL_FALLBACK_GLOBALS_CHANGED,   /* a global the binaries were compiled with has another value */
  FL_FALLBACK_CONSTEXPR_CHANGED, /* a constexpr argument differs from the primed value */
  FL_FALLBACK_ARGUMENTS,         /* count/kind/NULL/range problem: the default path reports it */
  FL_FALLBACK_TABLE_FULL,        /* the spec table has no room for a new key */
  FL_FALLBACK_COUNT
} fl_fallback;

FL_API const char *fl_path_str (fl_path path);
FL_API const char *fl_outcome_str (fl_outcome outcome);
FL_API const char *fl_fallback_str (fl_fallback reason);

/* Stages of the default launcher, timed when fl_knob_set_stage_timing(true). */
typedef enum {
  FL_STAGE_RESOLVE = 0, FL_STAGE_BIND, FL_STAGE_SPECIALIZE, FL_STAGE_KEY,
  FL_STAGE_LOOKUP, FL_STAGE_GLOBALS, FL_STAGE_METADATA, FL_STAGE_LAUNCH,
} fl_stage;
FL_API const char *fl_stage_str (fl_stage stage);

/* What the launch did; optional out-parameter of fl_launch().  Filled on success and failure. */
struct fl_launch_info {
  fl_path path;
  fl_outcome outcome;
  fl_fallback reason;
  uint64_t spec_key;
  bool compiled;                         /* this call ran NVRTC (not the on-disk cache) */
  bool waited;                           /* a miss that lost the race to insert its new spec to
                                            another launch of it: counted in fl_stats.fast_waits */
  uint64_t stage_ns[FL_STAGE_COUNT];     /* default path with stage timing on; else 0 */
};

/* Launches bound on `stream` (NULL: the legacy default stream) through the fast launcher,
 * priming it on the first call.  args must match the signature (constexpr slots included).
 * info may be NULL.
 *
 * Hot path (a hit): no allocation, no lock, one cuCtxGetCurrent and cuLaunchKernel.
 * Errors: FL_ERR_INVALID_ARGUMENT (NULL bound, zero grid), FL_ERR_ARGUMENTS, FL_ERR_NO_CONTEXT,
 * FL_ERR_COMPILE (message: NVRTC log; nothing is cached, the next call retries),
 * FL_ERR_GLOBAL_CHANGED (nothing launched), FL_ERR_CUDA / FL_ERR_CUDA_STICKY. */
FL_API fl_status fl_launch (fl_bound_kernel *bound, fl_grid grid, CUstream stream,
                            const fl_arg *args, unsigned n_args, fl_launch_info *info);

/* The baseline: the eight stages on every call, no fast table. */
FL_API fl_status fl_launch_default (fl_bound_kernel *bound, fl_grid grid, CUstream stream,
                                    const fl_arg *args, unsigned n_args, fl_launch_info *info);

/* ---- spec table inspection --------------------------------------------------------------- */

/* Decoded spec key.  Layout: bit i (i < n_ptr) = pointer i is 16-byte aligned; then 2 bits per
 * specialized integer (0 other, 1 == 1, 2 % 16 == 0); bit 56 debug; bits 57-58 instrumentation;
 * bit 59 compile hook present. */
#define FL_KEY_DEBUG_BIT 56
#define FL_KEY_INSTR_SHIFT 57
#define FL_KEY_HOOK_BIT 59
#define FL_KEY_ARG_BITS 56

typedef enum { FL_INT_CLASS_OTHER = 0, FL_INT_CLASS_ONE = 1, FL_INT_CLASS_DIV16 = 2 } fl_int_class;

typedef struct {
  uint64_t key;
  CUfunction function;
  uint64_t hits;
  double compile_ms; /* 0 when loaded from the on-disk cache */
} fl_spec_entry;

/* Copies up to max entries of the fast launcher's spec table; returns the number present. */
FL_API unsigned fl_bound_kernel_spec_entries (const fl_bound_kernel *bound, fl_spec_entry *out, unsigned max);

/* Fills buf with a readable decoding of key for bound's signature, e.g.
 * "arg0=aligned arg1=unaligned arg2=div16 debug=off instr=none hook=off" (argN = argument index). */
FL_API void fl_spec_key_describe (const fl_bound_kernel *bound, uint64_t key, char *buf, size_t size);

typedef struct {
  uint64_t launches;
  uint64_t fast_hits;
  uint64_t fast_misses;                   /* new specs inserted: one per spec however many threads
                                             raced on it, so the compiles (or loads) needed */
  uint64_t fast_waits;                    /* the other racers on a new spec: its one compile served
                                             them all; each launched through the default path */
  uint64_t default_calls;                 /* calls that ran the default pipeline */
  uint64_t fallbacks[FL_FALLBACK_COUNT];
  uint64_t compiles;                      /* successful NVRTC compiles (failures count nothing) */
  uint64_t disk_cache_loads;              /* cubins taken from the on-disk cache */
  uint64_t metadata_builds;
  uint64_t primings;
  fl_fallback permanent_fallback;         /* NONE unless the fast launcher is off for good */
} fl_stats;

FL_API void fl_bound_kernel_stats (const fl_bound_kernel *bound, fl_stats *out);

/* ---- launch hooks (process-wide, read atomically on every call) -------------------------- */

typedef struct {
  const fl_bound_kernel *bound;
  const char *kernel_name;
  fl_grid grid;
  unsigned block[3];
  unsigned shared_mem_bytes;
  CUstream stream;
  uint64_t spec_key;
  const fl_arg *args;
  unsigned n_args;
} fl_launch_metadata;

typedef struct {
  /* metadata is NULL unless wants_metadata; both callbacks may be NULL. */
  void (*enter) (const fl_launch_metadata *metadata, void *user_data);
  void (*exit) (const fl_launch_metadata *metadata, fl_status status, void *user_data);
  void *user_data;
  bool wants_metadata;
} fl_launch_hooks;

/* Installs hooks (NULL removes them); the next launch on any thread sees the change.  The
 * struct is not copied: it must stay valid until replaced and no launch is running. */
FL_API void fl_launch_hooks_set (const fl_launch_hooks *hooks);

/* ---- compile hook ------------------------------------------------------------------------ */

typedef struct fl_compile_options fl_compile_options;
/* Adds an NVRTC option ("-DX=1", "-maxrregcount=64").  Only inside a compile hook. */
FL_API fl_status fl_compile_options_add (fl_compile_options *options, const char *option);

typedef struct {
  void (*hook) (const fl_kernel *kernel, uint64_t spec_key, fl_compile_options *options, void *user_data);
  void *user_data;
} fl_compile_hook;

/* Installs (NULL removes) the compile hook; its presence is a spec key bit.  Not copied. */
FL_API void fl_compile_hook_set (const fl_compile_hook *hook);

/* ---- events ------------------------------------------------------------------------------ */

typedef enum { FL_EVENT_LAUNCH = 0, FL_EVENT_COMPILE, FL_EVENT_ERROR } fl_event_type;

typedef struct {
  fl_event_type type;
  const fl_bound_kernel *bound;
  uint64_t spec_key;
  fl_path path;
  fl_outcome outcome;
  fl_fallback reason;
  fl_status status;
  uint64_t start_ns;                 /* CLOCK_MONOTONIC */
  uint64_t host_ns;                  /* LAUNCH: whole fl_launch call */
  uint64_t stage_ns[FL_STAGE_COUNT]; /* LAUNCH on the default path with stage timing on */
  double compile_ms;                 /* COMPILE */
  const char *message;               /* ERROR: fl_last_error() text; else NULL */
  bool waited;                       /* LAUNCH, outcome MISS: as fl_launch_info.waited */
} fl_event;

typedef struct {
  /* Called on the launching thread, inline: must be quick and must not launch. */
  void (*emit) (const fl_event *event, void *user_data);
  void *user_data;
} fl_event_sink;

/* Installs (NULL removes) the event sink.  Not copied. */
FL_API void fl_event_sink_set (const fl_event_sink *sink);
/* The sink installed now (NULL if none): for an observer that passes every event on to it
 * from a sink of its own. */
FL_API const fl_event_sink *fl_event_sink_get (void);

/* True while the calling thread is inside fl_launch_default(), or fl_launch() with a sink
 * installed or an info: for an observer that sees the driver calls from inside them, as a
 * CUPTI callback does, and needs to tell the engine's launches from others without work of its
 * own (liblaunchscope skips the kernel-name lookup and the exit time for them: the engine's
 * event follows).  A launch made by a hook inside an engine launch counts as the engine's.
 * Never true on the plain fast path, which does not pay for it. */
FL_API bool fl_launch_in_progress (void);

/* ---- the event clock ---------------------------------------------------------------------- */

/* Nanoseconds on the clock every fl_event timestamp uses: CLOCK_MONOTONIC's scale and origin,
 * read from the TSC on x86-64 (about half the cost of clock_gettime through the vDSO, which
 * matters with a sink on: two reads per launch).  Calibrated once against CLOCK_MONOTONIC the
 * first time a sink is installed or this is called (about 10 ms).  Anything that stamps
 * records to be joined with engine events (CUPTI callbacks, recorder notes) must use it.
 * FASTLAUNCH_CLOCK=monotonic forces clock_gettime. */
FL_API uint64_t fl_clock_ns (void);

/* ---- graph capture ----------------------------------------------------------------------- */

typedef struct fl_graph fl_graph;

/* Starts recording launches on stream into a CUDA graph (cuStreamBeginCapture, thread-local
 * mode).  While any capture is active, fl_launch routes through the default launcher (reason
 * CAPTURE), which records the launch into the graph. */
FL_API fl_status fl_capture_begin (CUstream stream);
/* Ends capture and instantiates the graph. */
FL_API fl_status fl_capture_end (CUstream stream, fl_graph **out);
FL_API fl_status fl_graph_launch (fl_graph *graph, CUstream stream);
FL_API size_t fl_graph_node_count (const fl_graph *graph);
FL_API void fl_graph_free (fl_graph *graph);
FL_API bool fl_capture_active (void);

/* ---- built-in workloads ------------------------------------------------------------------ */

/* add<N>: N pointer arguments (out, in_1 .. in_{N-1}) and an i32 element count; out = sum of
 * inputs.  Uses 16-byte vector loads only when every pointer is 16-byte aligned and drops its
 * tail loop only when the count is a multiple of 16.  2 <= n_ptrs <= 32.
 * A grid-stride loop: thread t of T = grid.x * block_x handles elements t, t + T, t + 2T, ...,
 * that is ceil(n / T) elements, or with every pointer aligned 4 consecutive elements (one
 * float4) per step, ceil(n / 4T) steps, and the n % 4 tail one element per thread.  The CLI and
 * the app launch ceil(n / 512) blocks of 128 threads: 4 elements per thread. */
FL_API fl_status fl_workload_add_kernel (unsigned n_ptrs, fl_kernel **out);
/* The same kernel declaring compile-time globals (its body ignores them): a global change then
 * exercises the globals guard, as in the app's live session. */
FL_API fl_status fl_workload_add_kernel_with_globals (unsigned n_ptrs, const char *const *globals, unsigned n_globals,
                                                      fl_kernel **out);
/* An empty kernel with signature "i32". */
FL_API fl_status fl_workload_empty_kernel (fl_kernel **out);

/* A workload ready to launch: a kernel bound to its config, a device buffer per pointer
 * argument and the arguments built.  What the CLI's commands, the live session and the
 * benchmarks launch. */
typedef struct {
  unsigned n_ptrs;              /* built-in kernel: 0 the empty kernel, 2 .. 32 add<N> */
  const char *const *globals;   /* add<N>: compile-time globals it declares (see above) */
  unsigned n_globals;
  fl_kernel *kernel;            /* instead of a built-in: this one (the caller keeps its reference) */
  long n;                       /* elements per buffer and the value of every integer argument; > 0 */
  unsigned spare;               /* elements more per buffer, so pointers offset by up to that stay inside */
  unsigned num_warps;           /* 0: 4, the 128 threads per block the grid below assumes */
} fl_workload_options;

typedef struct {
  fl_bound_kernel *bound;       /* fl_bound_kernel_kernel() gives its kernel */
  CUdeviceptr bufs[FL_MAX_ARGS]; /* per argument index: its buffer, 0 for scalars */
  size_t buf_bytes[FL_MAX_ARGS];
  fl_arg args[FL_MAX_ARGS];     /* pointer: its buffer; integer: n (i1 and constexpr: 1); float: 1.0 */
  unsigned n_args;
  long n;
  fl_grid grid;                 /* ceil(n / 512) blocks, so 128 threads do 4 elements each */
} fl_workload;

/* Creates (or takes) the kernel, binds it, allocates and fills its buffers (fp32 pointer
 * argument i > 0 holds fl_workload_input(i, e) at element e, every other buffer zeros) and
 * builds the arguments.  Compiles and launches nothing.  Needs a driver and a current context.
 * On failure *out is left empty (safe to free), nothing is leaked, and the status's message
 * names the kernel and what failed: creating, binding, allocating which argument's buffer (and
 * the CUDA error), filling it.  Not thread-safe for one out. */
FL_API fl_status fl_workload_setup (const fl_workload_options *options, fl_workload *out);
/* Frees buffers and bound kernel, and empties w.  NULL and an empty w are ignored. */
FL_API void fl_workload_free (fl_workload *w);
/* What fl_workload_setup wrote at element e of argument i's fp32 buffer (i > 0): small
 * integers, so add<N> sums them exactly. */
FL_API float fl_workload_input (unsigned arg, size_t element);
/* Copies w's arguments into args (FL_MAX_ARGS), each pointer moved on by byte_offset (at most
 * the spare elements' bytes); returns the count. */
FL_API unsigned fl_workload_args_at (const fl_workload *w, size_t byte_offset, fl_arg *args);
/* The first launch (on stream, aligned pointers), which primes the fast launcher and compiles
 * the spec.  info may be NULL.  The message names the kernel. */
FL_API fl_status fl_workload_prime (fl_workload *w, CUstream stream, fl_launch_info *info);

#ifdef __cplusplus
}
#endif
