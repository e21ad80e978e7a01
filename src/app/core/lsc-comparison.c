/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-comparison.c — comparing two reports off the main loop.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lsc-comparison.h"
#include "lsc-document.h"
#include "lsc-report-rows.h"

struct _LscComparison
{
  GObject parent_instance;

  GFile *files[2];
  lsc_diff_metric metric;
  double noise_ns, noise_pct;
  gboolean ready;
  lsc_report_diff *diff;
  LscDistribution *dists[2][LSC_CHART_N_PATHS];
  double open_ms, compare_ms;
  gint64 opened_at;
  /* progress, written by the worker threads, read by the main thread: launches read per side
   * (published every PROGRESS_STEP values) and the launch rows of both reports */
  gint read[2];
  gint total;
};

#define PROGRESS_STEP 65536

G_DEFINE_FINAL_TYPE (LscComparison, lsc_comparison, G_TYPE_OBJECT)

/* ---- the worker --------------------------------------------------------------------------- */

typedef struct {
  char *path;
  lsc_report *report;
  lsc_error error;
} OpenJob;

static gpointer
open_job_run (gpointer data)
{
  OpenJob *job = data;
  job->report = lsc_report_open (job->path, LSC_REPORT_OPEN_DEFAULT, &job->error);
  return NULL;
}

typedef struct {
  LscComparison *self; /* alive while the task runs: the task holds it */
  lsc_diff_metric metric;
  double noise_ns, noise_pct;
  gsize read[2];
  char *paths[2];
  lsc_report_diff *diff;
  /* per side and path: the values the path rows compare (the diff's threads fill one side each) */
  GArray *values[2][LSC_CHART_N_PATHS];
  LscDistribution *dists[2][LSC_CHART_N_PATHS];
  double open_ms, compare_ms;
  gint64 opened_at;
} RunData;

static void
run_data_free (RunData *r)
{
  for (int s = 0; s < 2; s++)
    {
      g_free (r->paths[s]);
      for (int p = 0; p < LSC_CHART_N_PATHS; p++)
        {
          if (r->values[s][p])
            g_array_unref (r->values[s][p]);
          g_clear_pointer (&r->dists[s][p], lsc_distribution_free);
        }
    }
  lsc_report_diff_free (r->diff);
  g_free (r);
}

static void
collect_value (int side, int path, int64_t value_ns, void *data)
{
  RunData *r = data;
  if (++r->read[side] % PROGRESS_STEP == 0)
    g_atomic_int_set (&r->self->read[side], (gint) MIN (r->read[side], (gsize) G_MAXINT));
  if (path < 0 || path >= LSC_CHART_N_PATHS)
    return; /* a path the charts do not know */
  guint32 v = (guint32) CLAMP (value_ns, 0, (gint64) G_MAXUINT32);
  g_array_append_val (r->values[side][path], v);
}

static int
cancelled_handler (void *data)
{
  return g_cancellable_is_cancelled (G_CANCELLABLE (data));
}

static void
run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  RunData *r = task_data;
  (void) source;

  gint64 t0 = g_get_monotonic_time ();
  OpenJob jobs[2] = { { r->paths[0], NULL, { 0 } }, { r->paths[1], NULL, { 0 } } };
  GThread *other = g_thread_try_new ("lsc-compare-open", open_job_run, &jobs[1], NULL);
  open_job_run (&jobs[0]);
  if (other)
    g_thread_join (other);
  else
    open_job_run (&jobs[1]);
  r->opened_at = g_get_monotonic_time ();
  r->open_ms = (double) (r->opened_at - t0) / 1000.0;

  for (int s = 0; s < 2; s++)
    if (!jobs[s].report)
      {
        g_task_return_new_error (task, LSC_DOCUMENT_ERROR, jobs[s].error.code, "%s", jobs[s].error.message);
        lsc_report_free (jobs[1 - s].report);
        return;
      }
  if (g_task_return_error_if_cancelled (task))
    {
      lsc_report_free (jobs[0].report);
      lsc_report_free (jobs[1].report);
      return;
    }

  gint64 rows = 0;
  for (int s = 0; s < 2; s++)
    rows += MAX (lsc_report_count_rows (jobs[s].report, LSC_TABLE_LAUNCH, NULL), 0);
  g_atomic_int_set (&r->self->total, (gint) MIN (rows, (gint64) G_MAXINT));
  for (int s = 0; s < 2; s++)
    {
      for (int p = 0; p < LSC_CHART_N_PATHS; p++)
        r->values[s][p] = g_array_new (FALSE, FALSE, sizeof (guint32));
      if (cancellable)
        lsc_report_set_cancel (jobs[s].report, cancelled_handler, cancellable);
    }
  lsc_diff_options options;
  lsc_diff_options_init (&options);
  options.metric = r->metric;
  options.noise_ns = r->noise_ns;
  options.noise_pct = r->noise_pct;
  options.on_value = collect_value;
  options.on_value_data = r;
  lsc_error err;
  r->diff = lsc_report_diff_compute (jobs[0].report, jobs[1].report, &options, &err);
  lsc_report_free (jobs[0].report);
  lsc_report_free (jobs[1].report);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!r->diff)
    {
      g_task_return_new_error (task, LSC_DOCUMENT_ERROR, err.code, "%s", err.message);
      return;
    }
  for (int s = 0; s < 2; s++)
    for (int p = 0; p < LSC_CHART_N_PATHS; p++)
      {
        GArray *values = g_steal_pointer (&r->values[s][p]);
        gsize n = values->len;
        if (n > 0)
          r->dists[s][p] = lsc_distribution_new_take ((guint32 *) (gpointer) g_array_free (values, FALSE), n);
        else
          g_array_unref (values);
      }
  r->compare_ms = (double) (g_get_monotonic_time () - r->opened_at) / 1000.0;
  g_task_return_boolean (task, TRUE);
}

/* ---- public ------------------------------------------------------------------------------- */

LscComparison *
lsc_comparison_new (GFile *a, GFile *b)
{
  g_return_val_if_fail (G_IS_FILE (a) && G_IS_FILE (b), NULL);
  LscComparison *self = g_object_new (LSC_TYPE_COMPARISON, NULL);
  self->files[0] = g_object_ref (a);
  self->files[1] = g_object_ref (b);
  return self;
}

GFile *
lsc_comparison_get_file (LscComparison *self, LscComparisonSide side)
{
  g_return_val_if_fail (LSC_IS_COMPARISON (self), NULL);
  return self->files[side == LSC_COMPARISON_SIDE_B];
}

void
lsc_comparison_set_metric (LscComparison *self, lsc_diff_metric metric)
{
  g_return_if_fail (LSC_IS_COMPARISON (self));
  g_return_if_fail (lsc_diff_metric_name (metric) != NULL);
  g_return_if_fail (!self->ready);
  self->metric = metric;
}

lsc_diff_metric
lsc_comparison_get_metric (LscComparison *self)
{
  g_return_val_if_fail (LSC_IS_COMPARISON (self), LSC_DIFF_METRIC_P50);
  return self->metric;
}

gboolean
lsc_comparison_set_noise (LscComparison *self, double noise_ns, double noise_pct)
{
  g_return_val_if_fail (LSC_IS_COMPARISON (self), FALSE);
  if (!(noise_ns >= 0) || !(noise_pct >= 0))
    return FALSE;
  self->noise_ns = noise_ns;
  self->noise_pct = noise_pct;
  /* fails only when out of memory, which leaves the floor's warning out */
  if (self->diff)
    (void) lsc_report_diff_decide (self->diff, noise_ns, noise_pct, NULL);
  return TRUE;
}

void
lsc_comparison_get_noise (LscComparison *self, double *noise_ns, double *noise_pct)
{
  g_return_if_fail (LSC_IS_COMPARISON (self));
  if (noise_ns)
    *noise_ns = self->noise_ns;
  if (noise_pct)
    *noise_pct = self->noise_pct;
}

void
lsc_comparison_run_async (LscComparison *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_return_if_fail (LSC_IS_COMPARISON (self));

  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lsc_comparison_run_async);
  RunData *r = g_new0 (RunData, 1);
  r->self = self;
  r->metric = self->metric;
  r->noise_ns = self->noise_ns;
  r->noise_pct = self->noise_pct;
  for (int s = 0; s < 2; s++)
    r->paths[s] = g_file_get_path (self->files[s]);
  for (int s = 0; s < 2; s++)
    if (!r->paths[s])
      {
        g_autofree char *uri = g_file_get_uri (self->files[s]);
        g_task_return_new_error (task, LSC_DOCUMENT_ERROR, LSC_ERROR_IO,
                                 _("Cannot open %s: reports must be local files"), uri);
        run_data_free (r);
        g_object_unref (task);
        return;
      }
  g_task_set_task_data (task, r, (GDestroyNotify) run_data_free);
  if (self->ready)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS, _("The reports are already compared"));
  else
    g_task_run_in_thread (task, run_thread);
  g_object_unref (task);
}

gboolean
lsc_comparison_run_finish (LscComparison *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  RunData *r = g_task_get_task_data (G_TASK (result));
  self->diff = g_steal_pointer (&r->diff);
  /* floors set while it ran; this fails only when out of memory, which leaves the floor's
   * warning out */
  if (self->diff->noise_ns != self->noise_ns || self->diff->noise_pct != self->noise_pct)
    (void) lsc_report_diff_decide (self->diff, self->noise_ns, self->noise_pct, NULL);
  for (int s = 0; s < 2; s++)
    for (int p = 0; p < LSC_CHART_N_PATHS; p++)
      self->dists[s][p] = g_steal_pointer (&r->dists[s][p]);
  self->open_ms = r->open_ms;
  self->compare_ms = r->compare_ms;
  self->opened_at = r->opened_at;
  self->ready = TRUE;
  return TRUE;
}

double
lsc_comparison_get_fraction (LscComparison *self)
{
  g_return_val_if_fail (LSC_IS_COMPARISON (self), 0.0);
  if (self->ready)
    return 1.0;
  double total = g_atomic_int_get (&self->total);
  double read = (double) g_atomic_int_get (&self->read[0]) + (double) g_atomic_int_get (&self->read[1]);
  return total > 0 ? CLAMP (read / total, 0.0, 1.0) : 0.0;
}

gboolean
lsc_comparison_is_ready (LscComparison *self)
{
  g_return_val_if_fail (LSC_IS_COMPARISON (self), FALSE);
  return self->ready;
}

const lsc_report_diff *
lsc_comparison_get_diff (LscComparison *self)
{
  g_return_val_if_fail (LSC_IS_COMPARISON (self), NULL);
  return self->diff;
}

const LscDistribution *
lsc_comparison_get_distribution (LscComparison *self, LscComparisonSide side, LscChartPath path)
{
  g_return_val_if_fail (LSC_IS_COMPARISON (self), NULL);
  g_return_val_if_fail ((guint) path < LSC_CHART_N_PATHS, NULL);
  return self->dists[side == LSC_COMPARISON_SIDE_B][path];
}

void
lsc_comparison_get_times (LscComparison *self, double *open_ms, double *compare_ms, gint64 *opened_at)
{
  g_return_if_fail (LSC_IS_COMPARISON (self));
  if (open_ms)
    *open_ms = self->open_ms;
  if (compare_ms)
    *compare_ms = self->compare_ms;
  if (opened_at)
    *opened_at = self->opened_at;
}

gboolean
lsc_comparison_export (LscComparison *self, LscComparisonFormat format, GFile *file, GError **error)
{
  g_return_val_if_fail (LSC_IS_COMPARISON (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (self->ready, FALSE);

  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_parse_name (file);
  if (!path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Cannot write %s: choose a local file"), name);
      return FALSE;
    }
  FILE *out = g_fopen (path, "w");
  if (!out)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), _("Cannot write %s: %s"), name, g_strerror (e));
      return FALSE;
    }
  lsc_error err;
  int rc = format == LSC_COMPARISON_FORMAT_JSON ? lsc_report_diff_write_json (self->diff, out, path, &err)
                                                : lsc_report_diff_write_csv (self->diff, out, path, &err);
  if (fclose (out) != 0 && rc == 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), _("Cannot write %s: %s"), name, g_strerror (e));
      return FALSE;
    }
  if (rc != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err.message);
      return FALSE;
    }
  return TRUE;
}

static void
lsc_comparison_finalize (GObject *object)
{
  LscComparison *self = LSC_COMPARISON (object);
  for (int s = 0; s < 2; s++)
    {
      g_clear_object (&self->files[s]);
      for (int p = 0; p < LSC_CHART_N_PATHS; p++)
        g_clear_pointer (&self->dists[s][p], lsc_distribution_free);
    }
  lsc_report_diff_free (self->diff);
  G_OBJECT_CLASS (lsc_comparison_parent_class)->finalize (object);
}

static void
lsc_comparison_class_init (LscComparisonClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lsc_comparison_finalize;
}

static void
lsc_comparison_init (LscComparison *self)
{
  lsc_diff_options defaults;
  lsc_diff_options_init (&defaults);
  self->metric = defaults.metric;
  self->noise_ns = defaults.noise_ns;
  self->noise_pct = defaults.noise_pct;
}
