/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-diff.h — comparing two reports: "did my change make launches faster?"
 *
 * Rows of report A and report B are matched (per path, kernel by name, spec by its decoded
 * description within its kernel, baseline stage, and process) and each matched row gets its
 * difference B - A in a metric of the launches' host time, a confidence interval from a block
 * bootstrap, and a verdict.  Launch-overhead differences of tens of ns sit inside the
 * run-to-run scatter of the same size, so a verdict needs the interval to exclude zero and
 * the difference to exceed a noise floor in ns and in per cent.
 *
 * Statistics (the README's "Comparing reports" says why each choice):
 *  - values: host_ns of launches with status 0 (for raw rows of a program recorded by
 *    injection, the launch call's api_ns), in the report's row order (its time order);
 *  - blocks: each row's values cut into min(LSC_DIFF_BLOCKS, n) blocks of consecutive
 *    launches, so that correlation between neighbouring launches stays inside a block;
 *  - a replicate resamples the blocks of A and of B with replacement, and its quantile comes
 *    from per-block cumulative histograms (1 ns bins below 8192 ns, then 4096 bins per
 *    doubling) by binary search: O(blocks x log bins) per replicate, whatever the launches;
 *  - the interval is the point difference +- z * (standard deviation of the replicates'
 *    differences), z for a two-sided level of 1 - 0.05 / m with m the rows that can reach a
 *    verdict (Bonferroni): the chance of any false alarm over all rows stays below 5 %;
 *  - separate recordings on one machine scatter more than blocks of one recording show (the
 *    driver's own cost moves by tens of per cent between processes on a shared host), so when
 *    both sides hold LSC_DIFF_MIN_SESSIONS sessions or more of a row, its unit is the session
 *    instead: the row's values are the means of its sessions' metrics and the interval Welch's,
 *    at the same level; otherwise the comparison warns that its intervals cannot see that
 *    scatter, and when each side's in-session floor (lsc-floor.h) moved, by how much;
 *  - deterministic: every row's generator (splitmix64) starts from LSC_DIFF_SEED, so the same
 *    files give the same output, and rows holding the same launches the same interval.
 *
 * Plain C11, no GLib: the CLI and the app's Compare view both use it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lsc-report.h"

#define LSC_DIFF_BLOCKS 64
#define LSC_DIFF_REPLICATES 1000
/* Rows with fewer launches on either side never get a verdict other than "same". */
#define LSC_DIFF_MIN_LAUNCHES 20
/* Rows with this many sessions (of LSC_DIFF_MIN_LAUNCHES launches or more) on both sides get an
 * interval over sessions. */
#define LSC_DIFF_MIN_SESSIONS 3
#define LSC_DIFF_DEFAULT_NOISE_NS 20.0
#define LSC_DIFF_DEFAULT_NOISE_PCT 2.0
#define LSC_DIFF_ALPHA 0.05
#define LSC_DIFF_SEED UINT64_C (0x4c534442)

typedef enum {
  LSC_DIFF_METRIC_P50,
  LSC_DIFF_METRIC_P90,
  LSC_DIFF_METRIC_P99,
  LSC_DIFF_METRIC_MEAN,
} lsc_diff_metric;

/* "p50", "p90", "p99", "mean"; NULL out of range. */
const char *lsc_diff_metric_name (lsc_diff_metric metric);
/* Parses one of those names; false for anything else. */
bool lsc_diff_metric_parse (const char *name, lsc_diff_metric *out);

typedef enum {
  LSC_DIFF_ROW_PATH,    /* fast, default (the baseline), raw, graph */
  LSC_DIFF_ROW_KERNEL,  /* by name */
  LSC_DIFF_ROW_SPEC,    /* by decoded description, within its kernel */
  LSC_DIFF_ROW_STAGE,   /* a baseline stage (resolve ... launch), where recorded */
  LSC_DIFF_ROW_PROCESS, /* a session, matched by RANK, then command line, then order */
  LSC_DIFF_ROW_KINDS
} lsc_diff_row_kind;

/* "path", "kernel", "spec", "stage", "process". */
const char *lsc_diff_row_kind_name (lsc_diff_row_kind kind);

typedef enum {
  LSC_DIFF_SAME,   /* no significant change */
  LSC_DIFF_FASTER, /* B is faster */
  LSC_DIFF_SLOWER, /* B is slower */
  LSC_DIFF_ONLY_A, /* the row has launches in A only */
  LSC_DIFF_ONLY_B,
  LSC_DIFF_TOO_FEW, /* launches on both sides, but fewer than LSC_DIFF_MIN_LAUNCHES on one: not tested */
} lsc_diff_verdict;

/* "same", "faster", "slower", "only in A", "only in B", "too few launches". */
const char *lsc_diff_verdict_name (lsc_diff_verdict verdict);

typedef struct {
  lsc_diff_row_kind kind;
  char *name;   /* valid UTF-8: the path ("default" is the baseline), the kernel, the spec's
                 * description, the stage, or the process ("rank 3", its command line, "session 2") */
  char *kernel; /* a spec row's kernel; NULL for other rows */
  int64_t session_a, session_b; /* a process row's sessions; 0 where absent and for other rows */
  int64_t count_a, count_b;     /* the launches in the metric */
  double value_a, value_b;      /* the metric, ns (0 without launches) */
  double diff_ns, diff_pct;     /* value_b - value_a, and that relative to value_a (0 if it is 0) */
  double ci_low_ns, ci_high_ns; /* the interval for diff_ns; equal to diff_ns when not computed */
  long sessions_a, sessions_b;  /* the sessions the interval is over; 0: over blocks of launches */
  lsc_diff_verdict verdict;
} lsc_diff_row;

/* One session fact, as text, on both sides (NULL where absent).  settings leaves out what
 * differs between any two runs (pid, ppid, command). */
typedef struct {
  const char *name; /* "gpu", "driver_version", ... static */
  char *a, *b;
  bool differs;
} lsc_diff_fact;

typedef struct {
  char *path;
  int64_t n_sessions;       /* sessions compared */
  int64_t session_id;       /* the session whose facts are shown: A's first compared, and
                             * the one of B matched with it */
  int64_t launches;         /* launch rows read of the sessions compared */
  char *gpu, *host, *workload; /* of that session (may be NULL) */
} lsc_diff_side;

typedef struct {
  lsc_diff_side a, b;
  lsc_diff_metric metric;
  double noise_ns, noise_pct;
  double level;        /* each interval's two-sided coverage: 1 - 0.05 / m */
  size_t tested;       /* m: rows with LSC_DIFF_MIN_LAUNCHES or more on both sides */
  unsigned replicates, blocks;
  size_t n_facts;      /* gpu, driver_version, toolkit, cpu, host, settings, cupti_mode,
                        * raw_floor_p50_ns, observer_overhead_ns, workload: of the sessions
                        * a.session_id and b.session_id */
  lsc_diff_fact *facts;
  size_t n_warnings;   /* "comparison doubtful: ..." lines */
  char **warnings;
  size_t n_rows;       /* paths, kernels, specs, stages, processes, each by name */
  lsc_diff_row *rows;
  /* The in-session floor (a bare cuLaunchKernel, lsc-floor.h) of sessions a.session_id and
   * b.session_id: the median of each one's floor blocks, and whether their 95 % intervals are
   * apart; has_floor is false when either session has none.  floor_moved: apart and beyond both
   * noise floors, which the last warning then says. */
  bool has_floor, floor_apart, floor_moved;
  double floor_a_ns, floor_b_ns;
} lsc_report_diff;

typedef struct {
  lsc_diff_metric metric;
  double noise_ns, noise_pct; /* both must be exceeded for a verdict */
  bool has_session_a, has_session_b; /* compare only this session of A (of B); else all */
  int64_t session_a, session_b;
  /* Sees every value the path rows compare (side 0 is A, 1 is B; path is an lsc path value, or
   * LSC_PATH_COUNT for a launch without a known path), so a caller that also wants the values
   * (the app's overlaid distributions) gets them from the same pass over the launches.  Called
   * from the thread reading that side: A's and B's calls may run concurrently.  NULL: none. */
  void (*on_value) (int side, int path, int64_t value_ns, void *data);
  void *on_value_data;
} lsc_diff_options;

/* p50, LSC_DIFF_DEFAULT_NOISE_NS, LSC_DIFF_DEFAULT_NOISE_PCT, every session, no on_value. */
void lsc_diff_options_init (lsc_diff_options *options);

/* Compares report a with report b (each read in one pass over its launches).  Returns NULL with
 * error set when a report cannot be read or a session asked for is not in it (the message
 * names the file).  Not thread-safe per report handle. */
lsc_report_diff *lsc_report_diff_compute (lsc_report *a, lsc_report *b, const lsc_diff_options *options,
                                          lsc_error *error);

/* Decides every row's verdict again for the noise floors noise_ns and noise_pct (both >= 0),
 * from the rows' counts, differences and intervals, which do not depend on them; so does the
 * warning that the in-session floor moved, and diff->noise_ns and noise_pct take the new
 * floors.  lsc_report_diff_compute decides with it, so the result is exactly that of comparing
 * the reports again with these floors.  Returns 0, or -1 with error set (error may be NULL):
 * no diff or a bad floor (nothing changed), or out of memory (the verdicts are decided, the
 * floor's warning is left out). */
int lsc_report_diff_decide (lsc_report_diff *diff, double noise_ns, double noise_pct, lsc_error *error);

/* NULL is ignored. */
void lsc_report_diff_free (lsc_report_diff *diff);

/* The row's name as people read it: the engine's default path is "baseline", as in `report`
 * and the app; r->name keeps the stored name, which the JSON and CSV use. */
const char *lsc_diff_row_display_name (const lsc_diff_row *r);

/* True when a row is significantly slower by more than pct per cent. */
bool lsc_report_diff_slower_than (const lsc_report_diff *diff, double pct);

/* The comparison as readable tables, one JSON object (the schema in the README), or one CSV
 * table (a header and one line per row).  out_name names the destination in error messages.
 * Return 0, or -1 with error set when a write fails. */
int lsc_report_diff_write_text (const lsc_report_diff *diff, FILE *out, const char *out_name, lsc_error *error);
int lsc_report_diff_write_json (const lsc_report_diff *diff, FILE *out, const char *out_name, lsc_error *error);
int lsc_report_diff_write_csv (const lsc_report_diff *diff, FILE *out, const char *out_name, lsc_error *error);

/* --- The statistics alone, for tests and other callers ----------------------------------- */

typedef struct {
  double value_a, value_b; /* the metric over all values */
  double diff_ns;          /* value_b - value_a */
  double sd_ns;            /* standard deviation of the replicates' differences */
  unsigned blocks_a, blocks_b;
} lsc_diff_estimate;

/* The block bootstrap on a (na values) and b (nb values), in their order.  Block i of n values
 * in k = min(LSC_DIFF_BLOCKS, n) blocks holds values [i*n/k, (i+1)*n/k).  A splitmix64
 * generator starts at seed; for each replicate it draws A's k_a blocks and then B's k_b blocks,
 * each draw (uint32 of the output's high half) * k >> 32.  A replicate's quantile is the
 * nearest-rank value of the drawn blocks' values taken together, found in the histogram bins
 * (exact below 8192 ns), its mean their exact mean.  replicate_diffs (replicates entries, may
 * be NULL) receives each replicate's difference.  Needs na, nb >= 1.  Returns 0, or -1 when out
 * of memory. */
int lsc_diff_bootstrap (const int64_t *a, size_t na, const int64_t *b, size_t nb, lsc_diff_metric metric, uint64_t seed,
                        unsigned replicates, double *replicate_diffs, lsc_diff_estimate *out);

/* t with P(|T| > t) = alpha for Student's T with df degrees of freedom (df > 0, 0 < alpha < 1). */
double lsc_diff_student_t (double alpha, double df);
