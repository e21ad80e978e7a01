/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-recorder.h — records engine events and CUPTI launch records into a report (.lsdb).
 *
 * Launching threads push fixed-size records (one cache line per launch) into their own lock-free
 * single-producer ring (no allocation, lock or syscall per launch; a thread's ring is allocated
 * and faulted in when the thread starts a recording or registers a kernel, when it calls
 * lsc_recorder_attach_thread, or else on its first record).
 * One writer thread drains every ring into SQLite (WAL, batched transactions).  A full ring
 * counts the record as dropped; the session row carries the total, so nothing is lost
 * silently.  One recorder is active per process at a time (the engine has one event sink).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fastlaunch.h"

typedef struct lsc_recorder lsc_recorder;

/* A launch the engine did not make (CUPTI saw it) is a raw launch row with a kernel row of the
 * name CUPTI reports; names longer than this many bytes are kept cut to it. */
#define LSC_RECORDER_KERNEL_NAME_MAX 495

typedef enum {
  LSC_CUPTI_OFF = 0,
  LSC_CUPTI_CALLBACKS, /* driver API enter/exit, correlation ids */
  LSC_CUPTI_ACTIVITY,  /* callbacks plus kernel execution records (measurable cost) */
} lsc_cupti_mode;

typedef struct {
  const char *path;           /* report file; must not exist unless overwrite */
  bool overwrite;
  const char *workload;       /* shown in the session row */
  const char *settings_json;  /* stored verbatim in session.settings (may be NULL) */
  lsc_cupti_mode cupti;
  const char *cupti_library;  /* explicit libcupti path; NULL searches */
  unsigned ring_records;      /* per thread, rounded up to a power of two; 0: 65536 */
  unsigned batch_rows;        /* rows per transaction; 0: 16384 */
  uint64_t max_db_bytes;      /* 0: unlimited; else PRAGMA max_page_count (tests: disk full) */
  /* Recording a program that is not ours (the injection library): CUPTI starts without the
   * engine's driver table (the program's driver is still initialising when the recording
   * starts), and the session's GPU and driver facts are read when it stops. */
  bool foreign_process;
  /* 0: unbounded.  Else the report keeps the first this many launch rows (raw, graph and the
   * engine's); at the bound it notes so, turns CUPTI's launch callbacks off so the program
   * runs on at full speed, and counts what it left out (lsc_recorder_stats.launches_beyond). */
  uint64_t max_launches;
  /* Infer each recorded launch's spec key from its parameter values (lsc-params.h). */
  bool params;
  /* Record only between the program's cudaProfilerStart and cudaProfilerStop (as nsys
   * --capture-range=cudaProfilerApi), each noted as an event. */
  bool profiler_range;
  /* Also record the program's CUDA runtime calls (record --api runtime): the launch calls and
   * those around its synchronisation, copy and allocation calls, as api_call rows of kind 5. */
  bool runtime_api;
} lsc_recorder_options;

typedef struct {
  uint64_t rows_written;
  uint64_t rows_dropped;      /* ring full */
  uint64_t rows_lost;         /* accepted but never written (write error) */
  uint64_t batches;
  uint64_t launches_beyond;   /* launch rows left out at the max_launches bound */
  char cupti_status[256];     /* "callbacks on", "held by Nsight Systems", "no driver", ... */
  char error[1024];           /* first write error, naming the file; "" if none */
} lsc_recorder_stats;

/* Creates the report, its schema and the session row, starts the writer and installs the
 * engine event sink.  err gets a message naming the file on failure.  Returns 0 or -1. */
int lsc_recorder_start (const lsc_recorder_options *options, lsc_recorder **out, char *err, size_t err_size);

/* Registers a bound kernel so its launches carry a kernel row.  Call before launching it.  The
 * writer thread reads a registered kernel's signature while it drains, so it must not be freed
 * before lsc_recorder_stop(); kernels that are not registered may be freed at any time. */
int lsc_recorder_add_kernel (lsc_recorder *rec, const fl_bound_kernel *bound, const char *config_text);

/* Creates the calling thread's ring now, so that its first recorded launch does not pay for
 * it (a lock, a syscall and faulting in ring_records x 64 bytes).  lsc_recorder_start and
 * lsc_recorder_add_kernel do this for their calling thread; call it at the start of any other
 * thread that launches while recording.  Returns 0, or -1 when the ring cannot be allocated
 * (its records count as dropped until an allocation on a later record succeeds). */
int lsc_recorder_attach_thread (lsc_recorder *rec);

/* Records an event row (toggle, info, error) stamped now; safe from any thread. */
void lsc_recorder_note (lsc_recorder *rec, const char *kind, const char *text);

/* Stores the bare cuLaunchKernel p50 measured by the caller in the session row. */
void lsc_recorder_set_raw_floor (lsc_recorder *rec, double p50_ns);

/* One block of the in-session floor (lsc-floor.h): its median launch, timed around the call. */
typedef struct {
  uint32_t round;
  int kind; /* lsc_floor_kind */
  fl_path path;
  const fl_bound_kernel *bound; /* registered with lsc_recorder_add_kernel */
  uint64_t spec_key;
  uint64_t start_ns;
  uint32_t launches;
  uint64_t p50_ns;
} lsc_floor_block;

/* An engine event sink that costs a launch what recording costs it (the same record pushed,
 * the CUPTI record it carries claimed) but leaves no launch row: for timing recorded launches
 * that are not the session's own (lsc-floor.h). */
const fl_event_sink *lsc_recorder_probe_sink (lsc_recorder *rec);

/* Records a floor_block row; from the launching thread (it goes through its ring). */
void lsc_recorder_floor_block (lsc_recorder *rec, const lsc_floor_block *block);

/* Detaches (false) or re-attaches (true) the engine event sink without stopping: launches in
 * between are not recorded.  For measuring the recorder's own cost. */
void lsc_recorder_set_engine_events (lsc_recorder *rec, bool on);

/* Current counters (thread-safe). */
void lsc_recorder_get_stats (lsc_recorder *rec, lsc_recorder_stats *out);

/* Removes the sink, flushes CUPTI and every ring, writes stop time, dropped rows and spec
 * totals, checkpoints the WAL and closes.  Returns 0, or -1 with err set (the rows written
 * before the error stay readable).  rec is freed either way. */
int lsc_recorder_stop (lsc_recorder *rec, lsc_recorder_stats *final_stats, char *err, size_t err_size);

/* In a child forked from a recording process: lets go of the report's lock the child inherited
 * (its copy would keep the lock held after the parent died), touching nothing else: the report
 * stays the parent's.  Async-signal-safe; for a pthread_atfork child handler. */
void lsc_recorder_forget_inherited (lsc_recorder *rec);

/* Per-launch cost of the recorder's engine sink (building the record and pushing it into a
 * ring already faulted in, as recording rings are) in ns, measured in-process (for the
 * session's observer overhead column and the benchmarks).  Does not include the engine's own
 * clock reads and event, nor the CUPTI callback. */
double lsc_recorder_measure_push_ns (void);
