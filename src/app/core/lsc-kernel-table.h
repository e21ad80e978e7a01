/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-kernel-table.h — the Kernels view's rows: one LscRow per kernel of a report summary, its
 * cells the figures the reader computed (lsc_kernel_summary), written with lsc-format.h and
 * with the number to sort by.  No GObject type of its own; GLib only, tested headlessly.
 */
#pragma once

#include <gio/gio.h>

#include "lsc-report.h"

G_BEGIN_DECLS

typedef enum {
  LSC_KERNEL_COL_NAME,    /* demangled where it can be */
  LSC_KERNEL_COL_PROCESS, /* the session: "process 1234 (rank 0)" or "session 2" */
  LSC_KERNEL_COL_LAUNCHES,
  LSC_KERNEL_COL_ERRORS,
  LSC_KERNEL_COL_FAST_P50, /* then p90, p99: the fast path's host times */
  LSC_KERNEL_COL_FAST_P90,
  LSC_KERNEL_COL_FAST_P99,
  LSC_KERNEL_COL_BASELINE_P50,
  LSC_KERNEL_COL_BASELINE_P90,
  LSC_KERNEL_COL_BASELINE_P99,
  LSC_KERNEL_COL_RAW_P50,
  LSC_KERNEL_COL_RAW_P90,
  LSC_KERNEL_COL_RAW_P99,
  LSC_KERNEL_COL_HITS,      /* launches by outcome, over every path */
  LSC_KERNEL_COL_MISSES,
  LSC_KERNEL_COL_FALLBACKS,
  LSC_KERNEL_COL_SPECS,
  LSC_KERNEL_COL_COMPILE,   /* the specs' compile time, summed */
  LSC_KERNEL_COL_FRAMEWORK, /* a recorded program's time per launch before it: the gap p50 */
  LSC_KERNEL_COL_GPU,       /* GPU time p50 */
  LSC_KERNEL_COL_LAUNCH_BOUND, /* share of its executions the GPU waited for the host to launch */
  LSC_KERNEL_COL_HIT_RATE,  /* a per-spec launch cache's simulated hit rate (record --params) */
  LSC_KERNEL_COL_FAST_SAVING,  /* the savings estimate over its launches: a fast launcher */
  LSC_KERNEL_COL_GRAPH_SAVING, /* ... and CUDA graphs */
  LSC_KERNEL_N_COLS
} LscKernelColumn;

/* A new list of LscRow, one per kernel with launches of summary's sessions (only session_id's
 * when it is not LSC_ROW_ANY), most launched first; a row's rowid is its kernel id.  Cells
 * without a figure (no launches on a path, no calibration) are "—" with number NAN. */
GListStore *lsc_kernel_table_new (const lsc_report_summary *summary, gint64 session_id);

/* The session's name as the app shows it: "process 1234 (rank 0)", "process 1234", "session 2".
 * Newly allocated. */
char *lsc_kernel_table_session_name (const lsc_session_summary *session);

G_END_DECLS
