/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report.h — reading a report (.lsdb): hardened open, verification, the summary.
 *
 * Reports travel between machines, so every report is untrusted input.  lsc_report_open()
 * opens it read-only with SQLite's defensive settings (no triggers, untrusted schema, length
 * limits), refuses what is not a Launchscope report of a version this build understands, and
 * checks every table and column the reader uses.  The reader's own SQL reads base tables
 * only — never the file's views, which a hostile file could define to return anything — and
 * percentiles are computed in C from sorted values.
 *
 * Plain C11 + SQLite, no GLib: the CLI runs where GLib is absent.  Not thread-safe per
 * handle: use one lsc_report from one thread at a time (distinct handles are independent).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "lsc-floor.h"

typedef enum {
  LSC_ERROR_NONE = 0,
  LSC_ERROR_USAGE,      /* bad argument from the caller */
  LSC_ERROR_IO,         /* a file could not be opened, read, written or renamed, or is not a
                         * regular file (a FIFO, device, socket or directory) */
  LSC_ERROR_NOT_SQLITE, /* not an SQLite database at all */
  LSC_ERROR_FOREIGN,    /* an SQLite database, but not a Launchscope report */
  LSC_ERROR_NEWER,      /* schema version newer than this build understands */
  LSC_ERROR_OLDER,      /* schema version older than any this build reads */
  LSC_ERROR_SCHEMA,     /* a table or column is missing or has the wrong type */
  LSC_ERROR_CORRUPT,    /* quick_check / integrity_check failed, or SQLite saw corruption */
  LSC_ERROR_EXISTS,     /* an export target exists and overwriting was not asked for */
  LSC_ERROR_SQLITE,     /* any other SQLite failure */
  LSC_ERROR_NOMEM,
  LSC_ERROR_INTERRUPTED, /* the interrupt flag (lsc_report_set_interrupt) was raised */
} lsc_error_code;

/* Every message names the file it is about. */
typedef struct {
  lsc_error_code code;
  char message[1024];
} lsc_error;

void lsc_error_clear (lsc_error *error);

/* The enums stored in a report (lsc-schema.h); equal to the engine's fl_path, fl_outcome and
 * fl_fallback.  The reader names them itself rather than trusting the file's lookup tables. */
#define LSC_PATH_COUNT 4
#define LSC_OUTCOME_COUNT 4
#define LSC_REASON_COUNT 10
#define LSC_OUTCOME_HIT 0
#define LSC_OUTCOME_MISS 1
#define LSC_OUTCOME_FALLBACK 2
#define LSC_OUTCOME_DEFAULT 3

/* Names for stored values; "unknown" for a value out of range (a hostile or newer file). */
const char *lsc_path_name (int64_t path);
const char *lsc_outcome_name (int64_t outcome);
const char *lsc_reason_name (int64_t reason);

typedef struct lsc_report lsc_report;

typedef enum {
  LSC_REPORT_OPEN_DEFAULT = 0,
  /* Skip PRAGMA quick_check (reading a file just written by this process, for instance). */
  LSC_REPORT_OPEN_NO_QUICK_CHECK = 1 << 0,
} lsc_report_open_flags;

/* Opens path read-only and verifies it: an SQLite file, application_id LSC_APPLICATION_ID,
 * user_version LSC_SCHEMA_VERSION, every table and column the reader uses present with the
 * expected declared type, and PRAGMA quick_check clean.  A report still being written (WAL,
 * session.stop_ns NULL) or left by a crashed recorder opens.  Returns NULL with error set
 * (code and a message naming path) on failure; error may be NULL. */
lsc_report *lsc_report_open (const char *path, unsigned flags, lsc_error *error);

/* NULL is ignored. */
void lsc_report_free (lsc_report *report);

const char *lsc_report_path (const lsc_report *report);

/* A note about how the file was opened, or NULL: set when the report could only be opened
 * immutable (a WAL report whose -shm cannot be created), so rows not yet checkpointed from
 * its -wal are not visible. */
const char *lsc_report_warning (const lsc_report *report);

/* Makes reads of report (summaries, rows, exports) stop
 * soon after *flag becomes non-zero, failing with LSC_ERROR_INTERRUPTED; an export stopped so
 * leaves no file behind.  For a flag set by a SIGINT/SIGTERM handler.  NULL removes it. */
void lsc_report_set_interrupt (lsc_report *report, const volatile sig_atomic_t *flag);

/* True when a recorder holds the report's lock now (the report is still growing); holder gets
 * who, "process 1234 (launchscope-cli) on host".  Asked anew on every call. */
bool lsc_report_being_recorded (const lsc_report *report, char *holder, size_t holder_size);


/* --- Summary ------------------------------------------------------------------------------ */

/* Percentiles are nearest-rank over host_ns of launches with status 0 and an integer host_ns:
 * pN is the value at rank ceil(N/100 * count) of the sorted values. */
typedef struct {
  int64_t launches;  /* launch rows on this path */
  int64_t errors;    /* rows with status != 0 */
  int64_t count;     /* rows in the percentiles */
  int64_t p50_ns, p90_ns, p99_ns, min_ns, max_ns; /* 0 when count is 0 */
  double mean_ns;
  int64_t outcomes[LSC_OUTCOME_COUNT + 1];        /* hit, miss, fallback, default, unknown */
  int64_t fallbacks_by_reason[LSC_REASON_COUNT + 1]; /* last: unknown reason */
} lsc_path_summary;

/* A kernel row: its name, held once however many specs share it, and its launches.  The
 * percentiles are of host_ns (status 0, as for paths): for the engine's launches the whole
 * call, for a program recorded by injection the launch call CUPTI timed. */
typedef struct {
  int64_t id;
  char *name; /* may be NULL */
  int64_t launches, errors, count;
  int64_t p50_ns, p90_ns, p99_ns; /* 0 when count is 0 */
  /* The launching thread's time from the return of its previous CUDA call to this launch: for
   * a program, its own work per launch (Python, the framework's dispatch).  A recorded call
   * between two launches (a synchronisation, copy or allocation: schema version 3) ends the
   * gap, so waiting for the GPU is not counted as the framework's time; in older reports only
   * launches do.  Over successful launches with a host time that follow another call on their
   * thread. */
  int64_t gap_count, gap_p50_ns, gap_p90_ns;
  /* A recorded program's kernel (schema version 4): the distinct CUfunctions (binaries) its
   * launches named, and with record --params the spec keys inferred from parameter values:
   * launches with a key, distinct keys, and launches without one because the driver gave no
   * parameter layout or the launch passed its parameters packed.  A per-spec launch cache
   * would miss once per distinct key: its hit rate is 1 - param_specs / param_launches. */
  int64_t functions;
  int64_t param_launches, param_specs, params_no_layout, params_no_values;
  int64_t params_not_kept; /* launches of functions beyond what the recorder's layout table keeps */
  /* Launches of functions the program got from cuModuleGetFunction, from modules it loaded
   * itself (schema version 5): a JIT's launcher (Triton, Inductor, Helion) launched them.  0 for
   * the runtime's own kernels (eager framework ops), which it obtains otherwise. */
  int64_t jit_launches;
  /* The savings estimate (lsc__savings_estimate; README "Savings estimate"), ns, where the
   * session is a recorded program with calibration and the kernel has a gap p50: per launch and
   * over its launches (the fast launcher's over jit_launches only, and only when there are any;
   * graphs' over all its launches). */
  bool has_fast_launcher_saving, has_graph_saving;
  double fast_launcher_saving_ns, fast_launcher_saving_total_ns;
  double graph_saving_ns, graph_saving_total_ns;
  /* The kernel's launches per path (last: unknown path values), as the session's paths. */
  lsc_path_summary paths[LSC_PATH_COUNT + 1];
  /* Its specs in the spec table and their compile time summed (specs with one recorded). */
  int64_t specs;
  double compile_ms;
  /* Kernel execution (launch.gpu_ns, with activity tracing): launches with a GPU time, its
   * nearest-rank p50 and its sum. */
  int64_t gpu_count, gpu_p50_ns, gpu_total_ns;
  /* From kernel activity: this kernel's executions that followed another kernel on their
   * stream, and of those the ones the GPU waited for the host to launch (as
   * lsc_stream_summary.waited_for_host counts them): the kernel's launch-bound share is
   * waited_for_host / gpu_followers. */
  int64_t gpu_followers, waited_for_host;
} lsc_kernel_summary;

/* Writes s as a JSON string: quoted, escaped, invalid UTF-8 replaced by U+FFFD.  NULL: null. */
void lsc_json_write_string (FILE *out, const char *s);

/* A C++ kernel's mangled name made readable ("void add<float>(float*, int)"), malloc'd; NULL
 * when name is not a mangled C++ name or nothing can demangle it here. */
char *lsc_kernel_name_demangle (const char *name);

/* One GPU stream's kernels, from kernel activity (--cupti activity): how long the stream sat
 * idle between kernels, and how often it idled because the host had not launched the next one
 * yet (the launch call began after the previous kernel on the stream had ended, or the kernel
 * started more than 2 µs after it, later than a queued kernel would): a launch-bound stream
 * waits for the host between most of its kernels. */
typedef struct {
  int64_t session_id, stream_id;
  int64_t kernels;
  int64_t idle_count, idle_p50_ns, idle_p90_ns; /* gaps after the stream's first kernel */
  int64_t waited_for_host;                      /* kernels the GPU waited for the host to launch */
  int64_t busy_ns, span_ns; /* time kernels ran, and from the first's start to the last's end */
} lsc_stream_summary;

typedef struct {
  int64_t id, kernel_id, key;
  const char *kernel_name; /* may be NULL; the session's kernel_list entry */
  char *description;   /* decoded key, may be NULL */
  char *ptr_alignment, *int_classes, *instrumentation; /* may be NULL */
  int64_t debug, compile_hook;
  bool has_compile_ms;
  double compile_ms;
  int64_t hits, misses;           /* the engine's counters stored in the spec row: misses are
                                     the compiles needed */
  int64_t waits;                  /* launches that raced on the new spec and waited for its
                                     compile (0 in a version-1 report, which counted them as
                                     misses) */
  int64_t launches;               /* launch rows naming this spec */
  int64_t launch_hits, launch_misses, launch_fallbacks;
  int64_t count, p50_ns;          /* status-0 rows with host_ns, and their nearest-rank p50 */
} lsc_spec_summary;

/* A launch's host cost on one path, measured on the recording host before the program ran
 * (record --calibrate; the calibration table): the median of the samples, the order statistics
 * around it that hold the true median with at least 95% confidence, and how many samples. */
typedef enum {
  LSC_CALIBRATION_FAST,       /* the engine's fast path, a spec-cache hit */
  LSC_CALIBRATION_RAW,        /* a bare cuLaunchKernel of the same binary */
  LSC_CALIBRATION_GRAPH_NODE, /* a graph replay's host time over its kernel nodes */
  LSC_CALIBRATION_COUNT
} lsc_calibration_path;

extern const char *const lsc_calibration_names[LSC_CALIBRATION_COUNT]; /* "fast", "raw", "graph_node" */

typedef struct {
  double p50_ns, low_ns, high_ns;
  int64_t samples;
} lsc_calibration;

/* The calls between launches a recorded program's report holds (api_call.kind 2, 3, 4). */
#define LSC_CALL_KINDS 3
extern const char *const lsc_call_kind_names[LSC_CALL_KINDS]; /* "sync", "copy", "alloc" */

/* Event kinds counted in the summary: toggle, fallback, error, compile, info, other. */
#define LSC_EVENT_KIND_COUNT 6
extern const char *const lsc_event_kind_names[LSC_EVENT_KIND_COUNT];

typedef struct {
  int64_t id;
  char *host, *gpu, *toolkit, *nvrtc, *cpu, *settings, *workload, *start_wall;
  char *cupti_mode, *cupti_status; /* any may be NULL */
  bool has_driver_version;
  int64_t driver_version;
  int64_t start_ns;
  bool stopped; /* stop_ns present: false while recording or after a crash */
  int64_t stop_ns;
  int64_t dropped_rows;
  bool has_observer_overhead;
  double observer_overhead_ns; /* the recorder's push time per launch, timed apart (push_ns) */
  lsc_floor_figures floor;     /* the in-session floor and observer cost; rounds 0: not measured */
  lsc_floor_round *floor_rounds; /* what they were computed from, in round order */
  size_t n_floor_rounds;
  bool has_raw_floor;
  double raw_floor_p50_ns;
  bool has_pid;
  int64_t pid; /* "pid" from settings JSON when present */
  bool has_rank, has_local_rank; /* a recorded program's RANK and LOCAL_RANK, when it had them */
  int64_t rank, local_rank;
  bool has_launch_bound;  /* recorded with a bound on its launches (record --max-launches) */
  int64_t launch_bound;
  bool launch_bound_reached; /* ... and it was reached: later launches are not in the report */
  int64_t launches, events, kernels;
  int64_t events_by_kind[LSC_EVENT_KIND_COUNT]; /* see lsc_event_kind_names */
  /* The program's synchronisation, copy and allocation calls (lsc_call_kind_names): how many,
   * and the time in them, summed over threads. */
  int64_t calls_by_kind[LSC_CALL_KINDS], call_ns_by_kind[LSC_CALL_KINDS];
  lsc_path_summary paths[LSC_PATH_COUNT + 1]; /* last: unknown path values */
  int64_t fallbacks_by_reason[LSC_REASON_COUNT + 1];
  size_t n_specs;
  lsc_spec_summary *specs; /* ordered by spec id */
  size_t n_kernel_list;
  lsc_kernel_summary *kernel_list; /* ordered by kernel id */
  size_t n_streams;
  lsc_stream_summary *streams; /* ordered by stream id; none without kernel activity */
  /* A program recorded by record -- COMMAND (settings "source": "injection"), not the engine's
   * own workload: the savings estimate is about such sessions. */
  bool recorded_program;
  /* record --calibrate: the recording host's launch costs, indexed by lsc_calibration_path
   * (the last row of a name, where a file has several). */
  bool has_calibration[LSC_CALIBRATION_COUNT];
  lsc_calibration calibration[LSC_CALIBRATION_COUNT];
  /* A recorded program with all three calibration rows: the estimate's totals over its
   * kernels, and the launches they cover.  False: no estimate (the calibration is missing). */
  bool has_savings;
  double fast_launcher_saving_total_ns, graph_saving_total_ns;
  int64_t fast_launcher_launches, graph_launches;
} lsc_session_summary;

/* The NVTX ranges a recorded program made (schema version 5), per name, over all its sessions.
 * A launch is counted in the innermost range open on its thread when its call began. */
typedef struct {
  char *domain;     /* NULL: NVTX's default domain */
  char *name;       /* NULL: ranges without a message */
  int64_t ranges;   /* ranges of this name */
  int64_t open;     /* of them, still open when the recording stopped (no end) */
  int64_t total_ns; /* the time in the others, summed */
  int64_t launches; /* launches inside them */
  int64_t count, p50_ns; /* those with status 0 and a launch-call time (api_ns, else host_ns),
                            and the nearest-rank p50 of that time (0 when count is 0) */
} lsc_range_summary;

typedef struct {
  char *path;
  int64_t schema_version;
  size_t n_sessions;
  lsc_session_summary *sessions; /* ordered by session id */
  int64_t orphan_launches;       /* launch rows whose session is missing (see `check`) */
  int64_t orphan_events;
  char *being_recorded_by;       /* the recorder holding the report's lock, or NULL */
  size_t n_ranges;
  lsc_range_summary *ranges;     /* most time first; none before schema version 5 */
} lsc_report_summary;


/* Computes the summary with one pass over launch.  Memory: 16 bytes per launch row during
 * the call.  Returns NULL with error set on failure. */
lsc_report_summary *lsc_report_summarize (lsc_report *report, lsc_error *error);

/* The sessions, kernel names and specs only, without the pass over launch: every launch count
 * and percentile is 0.  For readers that take the launches from lsc_report_scan_launches. */
lsc_report_summary *lsc_report_summarize_sessions (lsc_report *report, lsc_error *error);

/* NULL is ignored. */
void lsc_report_summary_free (lsc_report_summary *summary);

/* Writes the summary as one JSON object (UTF-8; invalid bytes from the file become U+FFFD).
 * out_name names the destination in error messages.  Returns 0, or -1 with error set when a
 * write fails (disk full, EPIPE). */
int lsc_report_summary_write_json (const lsc_report_summary *summary, FILE *out, const char *out_name, lsc_error *error);

/* Writes the readable tables `launchscope-cli report` prints.  Returns 0 or -1 as above. */
int lsc_report_summary_write_text (const lsc_report_summary *summary, FILE *out, const char *out_name, lsc_error *error);

/* --- Check -------------------------------------------------------------------------------- */

/* One line per finding; problem false for notes (a session without a stop time). */
typedef void (*lsc_check_func) (bool problem, const char *message, void *user_data);

/* Checks path thoroughly: SQLite header, application_id, user_version, PRAGMA
 * integrity_check (every finding), every table and column, unexpected triggers and views,
 * and row-level sanity (references between tables, enum ranges, value types, spec key
 * uniqueness, counts).  Calls func for each finding.  Returns the number of problems (0: the
 * report is sound), or -1 with error set when the file cannot be examined at all (missing,
 * unreadable); a file that is not a report is a problem, reported through func. */
int lsc_report_check (const char *path, lsc_check_func func, void *user_data, lsc_error *error);
