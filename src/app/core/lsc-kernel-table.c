/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-kernel-table.c — the Kernels view's rows from the reader's per-kernel summary (see the
 * header).  Every figure is the reader's (lsc-report-summary.c, lsc-report-savings.c), as
 * `launchscope-cli report` prints it; this file only writes them.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>

#include "lsc-format.h"
#include "lsc-kernel-table.h"
#include "lsc-report-rows.h"
#include "lsc-row.h"

char *
lsc_kernel_table_session_name (const lsc_session_summary *session)
{
  /* numbers first: xgettext cannot read a format with G_GINT64_FORMAT in it */
  g_autofree char *pid = g_strdup_printf ("%" G_GINT64_FORMAT, session->pid);
  g_autofree char *rank = g_strdup_printf ("%" G_GINT64_FORMAT, session->rank);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, session->id);
  if (session->has_pid && session->has_rank)
    return g_strdup_printf (_("process %s (rank %s)"), pid, rank);
  if (session->has_pid)
    return g_strdup_printf (_("process %s"), pid);
  return g_strdup_printf (_("session %s"), id);
}

static void
take_count (LscRow *row, guint column, gint64 n)
{
  lsc_row_take_cell (row, column, lsc_format_count (n), (double) n);
}

/* A duration, or "—" when there is none. */
static void
take_ns (LscRow *row, guint column, gboolean has, double ns)
{
  if (has)
    lsc_row_take_cell (row, column, lsc_format_duration_ns (ns), ns);
  else
    lsc_row_take_cell (row, column, g_strdup ("—"), NAN);
}

static void
take_share (LscRow *row, guint column, gboolean has, double fraction)
{
  if (has)
    lsc_row_take_cell (row, column, lsc_format_percent (fraction), fraction);
  else
    lsc_row_take_cell (row, column, g_strdup ("—"), NAN);
}

static LscRow *
kernel_row (const lsc_session_summary *session, const lsc_kernel_summary *ks)
{
  LscRow *row = lsc_row_new (ks->id, LSC_KERNEL_N_COLS);
  char *readable = lsc_kernel_name_demangle (ks->name);
  lsc_row_take_cell (row, LSC_KERNEL_COL_NAME, g_strdup (readable ? readable : ks->name ? ks->name : _("(unnamed)")),
                     NAN);
  free (readable);
  lsc_row_take_cell (row, LSC_KERNEL_COL_PROCESS, lsc_kernel_table_session_name (session), (double) session->id);
  take_count (row, LSC_KERNEL_COL_LAUNCHES, ks->launches);
  take_count (row, LSC_KERNEL_COL_ERRORS, ks->errors);

  static const struct {
    int path;
    guint first_column;
  } paths[] = {
    { 0, LSC_KERNEL_COL_FAST_P50 },
    { 1, LSC_KERNEL_COL_BASELINE_P50 },
    { 2, LSC_KERNEL_COL_RAW_P50 },
  };
  gint64 outcomes[LSC_OUTCOME_COUNT + 1] = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      const lsc_path_summary *ps = &ks->paths[paths[i].path];
      take_ns (row, paths[i].first_column, ps->count > 0, (double) ps->p50_ns);
      take_ns (row, paths[i].first_column + 1, ps->count > 0, (double) ps->p90_ns);
      take_ns (row, paths[i].first_column + 2, ps->count > 0, (double) ps->p99_ns);
    }
  for (guint p = 0; p <= LSC_PATH_COUNT; p++)
    for (guint o = 0; o <= LSC_OUTCOME_COUNT; o++)
      outcomes[o] += ks->paths[p].outcomes[o];
  take_count (row, LSC_KERNEL_COL_HITS, outcomes[LSC_OUTCOME_HIT]);
  take_count (row, LSC_KERNEL_COL_MISSES, outcomes[LSC_OUTCOME_MISS]);
  take_count (row, LSC_KERNEL_COL_FALLBACKS, outcomes[LSC_OUTCOME_FALLBACK]);
  take_count (row, LSC_KERNEL_COL_SPECS, ks->specs);
  take_ns (row, LSC_KERNEL_COL_COMPILE, ks->specs > 0, ks->compile_ms * 1e6);

  take_ns (row, LSC_KERNEL_COL_FRAMEWORK, session->recorded_program && ks->gap_count > 0, (double) ks->gap_p50_ns);
  take_ns (row, LSC_KERNEL_COL_GPU, ks->gpu_count > 0, (double) ks->gpu_p50_ns);
  take_share (row, LSC_KERNEL_COL_LAUNCH_BOUND, ks->gpu_followers > 0,
              (double) ks->waited_for_host / (double) MAX (ks->gpu_followers, 1));
  take_share (row, LSC_KERNEL_COL_HIT_RATE, ks->param_launches > 0,
              1.0 - (double) ks->param_specs / (double) MAX (ks->param_launches, 1));
  take_ns (row, LSC_KERNEL_COL_FAST_SAVING, ks->has_fast_launcher_saving, ks->fast_launcher_saving_total_ns);
  take_ns (row, LSC_KERNEL_COL_GRAPH_SAVING, ks->has_graph_saving, ks->graph_saving_total_ns);
  return row;
}

static int
most_launched_first (gconstpointer a, gconstpointer b, gpointer data)
{
  (void) data;
  double x = lsc_row_get_number ((LscRow *) a, LSC_KERNEL_COL_LAUNCHES);
  double y = lsc_row_get_number ((LscRow *) b, LSC_KERNEL_COL_LAUNCHES);
  if (x != y)
    return x < y ? 1 : -1;
  gint64 i = lsc_row_get_rowid ((LscRow *) a), j = lsc_row_get_rowid ((LscRow *) b);
  return (i > j) - (i < j);
}

GListStore *
lsc_kernel_table_new (const lsc_report_summary *summary, gint64 session_id)
{
  GListStore *store = g_list_store_new (LSC_TYPE_ROW);
  for (size_t i = 0; summary && i < summary->n_sessions; i++)
    {
      const lsc_session_summary *session = &summary->sessions[i];
      if (session_id != LSC_ROW_ANY && session->id != session_id)
        continue;
      for (size_t k = 0; k < session->n_kernel_list; k++)
        if (session->kernel_list[k].launches > 0)
          {
            LscRow *row = kernel_row (session, &session->kernel_list[k]);
            g_list_store_append (store, row);
            g_object_unref (row);
          }
    }
  g_list_store_sort (store, most_launched_first, NULL);
  return store;
}
