/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-chart-data.h — plain data behind the chart widgets: launch series, per-pixel-column
 * min/max downsampling, a multi-resolution min/max index, a live ring, distributions
 * (histogram, CDF, nearest-rank percentiles), stage summaries, axis scales, nice ticks and
 * duration labels.
 *
 * GLib only, no GTK, so all of it is tested headlessly and can be built in a worker thread
 * while a report loads.  A report may hold 1,000,000 launches: nothing here allocates per
 * launch, and every query a chart makes per frame costs about O(columns · log n), never O(n).
 *
 * Implemented in lsc-chart-data.c (series, downsampling, indexes, the live ring),
 * lsc-chart-distribution.c (sorting, distributions, stage summaries) and lsc-chart-axes.c
 * (scales, ticks, labels).
 *
 * Thread safety: objects are plain data.  Build them on any thread, hand them to one thread;
 * the const queries may run concurrently on one object.
 */
#pragma once

#include <glib.h>

#include "lsc-format.h"

G_BEGIN_DECLS

/* --- Paths, outcomes, stages -------------------------------------------------------------- */

/* Stored path values (lsc-schema.h); equal to the engine's fl_path. */
typedef enum {
  LSC_CHART_PATH_FAST = 0,
  LSC_CHART_PATH_DEFAULT = 1,
  LSC_CHART_PATH_RAW = 2,
  LSC_CHART_PATH_GRAPH = 3,
} LscChartPath;
#define LSC_CHART_N_PATHS 4

/* The default path's timed stages, in launch order (the launch table's *_ns columns). */
#define LSC_STAGE_COUNT 8

/* Untranslated identifiers ("resolve", "bind", ...); widgets show translated labels. */
extern const char *const lsc_chart_stage_ids[LSC_STAGE_COUNT];

/* --- Series ------------------------------------------------------------------------------- */

/* Stored outcome values (lsc-schema.h).  A miss is the launch that compiled its spec (or
 * loaded it from the disk cache, or waited for another thread's compile): tens of ms where a
 * hit takes µs, so the chart keeps misses off its overhead axis. */
typedef enum {
  LSC_CHART_OUTCOME_HIT = 0,
  LSC_CHART_OUTCOME_MISS = 1,
  LSC_CHART_OUTCOME_FALLBACK = 2,
  LSC_CHART_OUTCOME_DEFAULT = 3,
} LscChartOutcome;

/* Per-launch columns of a report, in recording order.  Struct-of-arrays so a million launches
 * cost 15–35 bytes each and no objects.  t_ns, value_ns and path are required; outcome, reason,
 * spec_id, kernel_id and correlation_id may be NULL (the tooltip then leaves those fields out).  value_ns
 * saturates at G_MAXUINT32 (4.29 s), far above any launch overhead. */
typedef struct {
  guint64 *t_ns;     /* start_ns - session.start_ns */
  guint32 *value_ns; /* host_ns */
  guint8 *path;      /* LscChartPath */
  guint8 *outcome;   /* LscChartOutcome; may be NULL */
  guint8 *reason;    /* reason id; may be NULL */
  gint64 *spec_id;   /* spec id, -1 for none; may be NULL */
  gint64 *kernel_id; /* kernel id, -1 for none; may be NULL */
  gint64 *correlation_id; /* CUPTI's, -1 for none; may be NULL (links a launch to its tracks) */
  gsize n;
} LscSeries;

/* Allocates all arrays (optional ones too when with_details) uninitialised, for n launches.
 * n may be 0.  Free with lsc_series_free(). */
LscSeries *lsc_series_new (gsize n, gboolean with_details);
/* Deep copy; NULL gives NULL. */
LscSeries *lsc_series_copy (const LscSeries *series);
/* NULL is ignored. */
void lsc_series_free (LscSeries *series);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LscSeries, lsc_series_free)

/* A vertical marker on the time axis, such as a toggle event (debug, alignment, skip). */
typedef struct {
  guint64 t_ns;      /* relative to session start, like LscSeries.t_ns */
  const char *label; /* short text; see lsc_chart_marker_label() */
} LscChartMarker;

/* --- Per-column aggregates and min/max downsampling --------------------------------------- */

/* What one pixel column shows of one path: its extremes survive (a single spike among a
 * million points stays visible, which stride sampling would hide), the mean gives the line. */
typedef struct {
  guint32 min, max;
  guint32 count;
  double sum; /* mean = sum / count */
} LscColumn;

/* Sets count 0, min G_MAXUINT32, max 0. */
void lsc_columns_clear (LscColumn *cols, guint n_cols);
/* Merges one value into a column. */
void lsc_column_add (LscColumn *col, guint32 value);
/* Merges b into a. */
void lsc_column_merge (LscColumn *a, const LscColumn *b);

/* The window of width fraction × (full_t1 - full_t0) centred on t, moved to lie inside
 * [full_t0, full_t1] where t is near an end: where the timeline goes to show one moment.
 * A window of no width (full_t1 <= full_t0) gives 1 µs around t. */
void lsc_chart_window_around (double t, double full_t0, double full_t1, double fraction, double *t0, double *t1);

/* Column of time t for n_cols columns spanning [t0, t1), or -1 outside. */
gint64 lsc_chart_column_for_time (double t, double t0, double t1, guint n_cols);

/* The direct O(n) downsampler: adds every point with t in [t0, t1) to its column of its path
 * (cols[path], each n_cols long; a NULL cols[path] skips that path; a NULL path array puts
 * every point in path 0).  Accumulates, so a ring's two halves take two calls.  t need not be
 * sorted. */
void lsc_downsample_min_max (const guint64 *t, const guint32 *v, const guint8 *path, gsize n,
                             double t0, double t1, LscColumn *const cols[LSC_CHART_N_PATHS],
                             guint n_cols);

/* --- Multi-resolution min/max index ------------------------------------------------------- */

/* One path's points sorted by time plus a pyramid of min/max/sum blocks (fan-out
 * LSC_MIN_MAX_FANOUT), built once in O(n); memory about 12 + 16/(FANOUT-1) bytes a point.  A
 * column aggregate then costs two binary searches plus O(FANOUT · log n) block reads, so a
 * frame is O(width · log n) whatever the zoom. */
#define LSC_MIN_MAX_FANOUT 8
typedef struct _LscMinMaxIndex LscMinMaxIndex;

/* Copies t and v (n points, t ascending: unsorted input is a programming error and is
 * checked).  n may be 0. */
LscMinMaxIndex *lsc_min_max_index_new (const guint64 *t, const guint32 *v, gsize n);
void lsc_min_max_index_free (LscMinMaxIndex *index);
gsize lsc_min_max_index_get_n (const LscMinMaxIndex *index);
const guint64 *lsc_min_max_index_get_times (const LscMinMaxIndex *index);
const guint32 *lsc_min_max_index_get_values (const LscMinMaxIndex *index);
/* First point with t >= time (n when none). */
gsize lsc_min_max_index_lower_bound (const LscMinMaxIndex *index, double time);
/* Aggregate of points [first, last). */
void lsc_min_max_index_query (const LscMinMaxIndex *index, gsize first, gsize last, LscColumn *out);
/* Per-column aggregates over [t0, t1) split into n_cols equal columns; overwrites cols. */
void lsc_min_max_index_columns (const LscMinMaxIndex *index, double t0, double t1, LscColumn *cols,
                                guint n_cols);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LscMinMaxIndex, lsc_min_max_index_free)

/* --- A report's series, indexed per path -------------------------------------------------- */

/* The overhead chart's static data: the series plus one LscMinMaxIndex per path and, for the
 * tooltip, each indexed point's position in the series.  Build it off the main loop for a big
 * report and hand it to lsc_overhead_chart_set_index().
 *
 * Compile launches (outcome miss) are kept apart, in time order: a path's index holds its
 * other launches only, so the axis drawn from its columns shows the µs-scale launches, and the
 * chart marks the compiles on their own.
 *
 * Reference counted (atomically), so a worker thread can read it while the chart that shows
 * it is given another; nothing in it changes after lsc_series_index_new(). */
typedef struct _LscSeriesIndex LscSeriesIndex;

/* One compile launch (outcome miss), for the chart's markers. */
typedef struct {
  guint64 t_ns;
  guint32 value_ns;
  guint8 path;
  guint32 member; /* series position */
} LscCompileLaunch;

/* Takes ownership of series (transfer full; NULL is an empty index).  One reference. */
LscSeriesIndex *lsc_series_index_new (LscSeries *series);
LscSeriesIndex *lsc_series_index_ref (LscSeriesIndex *index);
/* NULL is ignored. */
void lsc_series_index_unref (LscSeriesIndex *index);
const LscSeries *lsc_series_index_get_series (const LscSeriesIndex *index);
/* NULL when the path has no launches other than compiles. */
const LscMinMaxIndex *lsc_series_index_get_path (const LscSeriesIndex *index, LscChartPath path);
/* Series position of the k-th point of path's index. */
gsize lsc_series_index_get_member (const LscSeriesIndex *index, LscChartPath path, gsize k);
/* The compile launches of every path, ascending in time; *n_compiles their number. */
const LscCompileLaunch *lsc_series_index_get_compiles (const LscSeriesIndex *index, gsize *n_compiles);
/* First compile launch with t >= time (n_compiles when none). */
gsize lsc_series_index_compile_lower_bound (const LscSeriesIndex *index, double time);
/* Time and value extremes over all paths, compiles included; FALSE when empty. */
gboolean lsc_series_index_get_extent (const LscSeriesIndex *index, guint64 *t_min, guint64 *t_max,
                                      guint32 *v_min, guint32 *v_max);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LscSeriesIndex, lsc_series_index_unref)

/* --- Live ring ---------------------------------------------------------------------------- */

/* Fixed-capacity ring of the newest launches for live recording: append is O(1)
 * and never allocates; when full the oldest entry is overwritten.  An entry is one launch, or
 * (lsc_ring_append_column) an aggregate of launches, so a live chart can hold minutes of a
 * million launches a second: aggregates keep their exact min, max, count and sum, and the
 * columns drawn from them are the columns their launches would have given. */
typedef struct _LscRing LscRing;

LscRing *lsc_ring_new (gsize capacity); /* capacity >= 1 */
void lsc_ring_free (LscRing *ring);
void lsc_ring_clear (LscRing *ring);
void lsc_ring_append (LscRing *ring, guint64 t_ns, guint32 value_ns, guint8 path);
/* Appends column->count launches of path summarised as column, stamped t_ns (the first
 * allocates the weights: O(capacity) once).  A column with count 0 is ignored.  lsc_ring_get()
 * then gives its max as the value. */
void lsc_ring_append_column (LscRing *ring, guint64 t_ns, const LscColumn *column, guint8 path);
gsize lsc_ring_get_length (const LscRing *ring);
gsize lsc_ring_get_capacity (const LscRing *ring);
/* Entries appended since creation or clear, overwritten ones included. */
guint64 lsc_ring_get_total (const LscRing *ring);
/* The i-th oldest entry held (i < length). */
void lsc_ring_get (const LscRing *ring, gsize i, guint64 *t_ns, guint32 *value_ns, guint8 *path);
/* How many launches the i-th oldest entry stands for (1 unless appended as a column). */
guint32 lsc_ring_get_count (const LscRing *ring, gsize i);
/* lsc_downsample_min_max over the held launches (both halves). */
void lsc_ring_downsample (const LscRing *ring, double t0, double t1,
                          LscColumn *const cols[LSC_CHART_N_PATHS], guint n_cols);
/* Time and value extremes of held launches; FALSE when empty. */
gboolean lsc_ring_get_extent (const LscRing *ring, guint64 *t_min, guint64 *t_max, guint32 *v_min,
                              guint32 *v_max);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LscRing, lsc_ring_free)

/* --- Distributions ------------------------------------------------------------------------ */

/* One path's values sorted once (radix sort, O(n)); histograms, CDF and percentiles are then
 * binary searches, so redrawing a 1M-launch distribution costs O(bins · log n). */
typedef struct _LscDistribution LscDistribution;

/* Copies values (n may be 0). */
LscDistribution *lsc_distribution_new (const guint32 *values, gsize n);
/* Takes ownership of values (g_malloc'd, n entries), sorting in place. */
LscDistribution *lsc_distribution_new_take (guint32 *values, gsize n);
/* The values of series launches on path. */
LscDistribution *lsc_distribution_new_from_series (const LscSeries *series, LscChartPath path);
void lsc_distribution_free (LscDistribution *dist);
gsize lsc_distribution_get_n (const LscDistribution *dist);
const guint32 *lsc_distribution_get_sorted (const LscDistribution *dist);
guint32 lsc_distribution_get_min (const LscDistribution *dist); /* 0 when empty */
guint32 lsc_distribution_get_max (const LscDistribution *dist);
double lsc_distribution_get_mean (const LscDistribution *dist);
/* The app's one percentile definition, the report summary's and the live snapshot's:
 * nearest rank, the 1-based rank ceil(p/100 · n) clamped to [1, n] (p in percent, with
 * thousandths exact, so p90 of 10 values is rank 9).  0 when n is 0.  Every percentile the app
 * computes goes through here. */
gsize lsc_nearest_rank (gsize n, double p);
/* The value at lsc_nearest_rank() of the sorted values.  0 when empty. */
guint32 lsc_distribution_percentile (const LscDistribution *dist, double p);
/* Number of values <= x. */
gsize lsc_distribution_count_at_most (const LscDistribution *dist, double x);
/* Fraction of values <= x, in [0, 1]; 0 when empty. */
double lsc_distribution_cdf (const LscDistribution *dist, double x);
/* counts[i] = values in [edges[i], edges[i+1]), the last bin closed on both ends; values
 * outside [edges[0], edges[n_bins]] are not counted.  edges ascending, n_bins + 1 of them. */
void lsc_distribution_histogram (const LscDistribution *dist, const double *edges, guint n_bins,
                                 guint64 *counts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LscDistribution, lsc_distribution_free)

/* n_bins + 1 edges spanning [lo, hi], evenly or evenly in log10 (lo > 0 for log). */
void lsc_histogram_edges (double lo, double hi, gboolean log_scale, guint n_bins, double *edges);

/* In-place ascending sort of n guint32 (LSD radix, O(n), one temporary buffer). */
void lsc_sort_u32 (guint32 *values, gsize n);

/* --- Stage summaries ---------------------------------------------------------------------- */

/* One stacked bar of the stage chart: median and mean ns per stage over n launches. */
typedef struct {
  char *label; /* kernel name, or NULL for "all kernels" */
  guint64 n;
  double median_ns[LSC_STAGE_COUNT];
  double mean_ns[LSC_STAGE_COUNT];
} LscStageSummary;

/* Fills out from n rows of LSC_STAGE_COUNT stage times (row-major: stage_ns[i * 8 + s]);
 * medians are nearest-rank.  Does not touch out->label. */
void lsc_stage_summary_compute (const guint32 *stage_ns, gsize n, LscStageSummary *out);

/* --- Axis scales, normalisation and ticks ------------------------------------------------- */

/* Maps data values to [0, 1] linearly or by log10 (log needs 0 < min < max; values <= 0 map
 * to -inf-like negatives and are clamped by callers). */
typedef struct {
  double min, max;
  gboolean log_scale;
} LscAxisScale;

double lsc_axis_scale_normalize (const LscAxisScale *scale, double value);
double lsc_axis_scale_denormalize (const LscAxisScale *scale, double fraction);
/* Normalises n values into out (floats: a chart needs no more). */
void lsc_axis_scale_normalize_array (const LscAxisScale *scale, const double *values, float *out,
                                     gsize n);

/* The nice step (1, 2 or 5 × 10^k) giving at most max_ticks ticks over [min, max]. */
double lsc_chart_nice_step (double min, double max, guint max_ticks);
/* Widens [*min, *max] to multiples of the nice step; returns the step. */
double lsc_chart_nice_range (double *min, double *max, guint max_ticks);
/* Multiples of the nice step inside [min, max] into ticks (at most capacity); returns the
 * count and sets *step when not NULL. */
guint lsc_chart_linear_ticks (double min, double max, guint max_ticks, double *ticks, guint capacity,
                              double *step);

typedef struct {
  double value;
  gboolean major; /* decades are major and labelled; 2 and 5 multiples minor */
} LscLogTick;
/* Decade (1·10^k) ticks inside [min, max] (0 < min < max, max finite; none otherwise), plus 2·10^k and 5·10^k as minor ticks
 * when at most max_ticks/3 decades are visible — and labelled (major) when under two are.
 * Returns the count (at most capacity). */
guint lsc_chart_log_ticks (double min, double max, guint max_ticks, LscLogTick *ticks, guint capacity);
/* Widens [*min, *max] (min > 0) to whole decades. */
void lsc_chart_log_range (double *min, double *max);

/* --- Labels ------------------------------------------------------------------------------- */

/* Formats a duration of ns for an axis whose labels are step apart and whose largest label is
 * max_abs: one unit chosen from max_abs by lsc_format_duration_unit(), decimals from step,
 * trailing zeros kept consistent.  "0" for zero.  Free with g_free(). */
char *lsc_chart_format_axis_ns (double ns, double max_abs, double step);
/* A log-axis tick label: lsc_format_duration_ns() with trailing zeros dropped ("1 µs",
 * "20 µs", "2.5 ms"). */
char *lsc_chart_format_tick_ns (double ns);

/* The label of a toggle event's marker: its text without a trailing " at launch N"
 * ("debug on at launch 5000" gives "debug on"), the "default" toggle called "baseline" as the
 * app names that path.  NULL gives "". */
char *lsc_chart_marker_label (const char *event_text);

G_END_DECLS
