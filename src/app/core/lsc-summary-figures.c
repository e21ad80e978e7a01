/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-summary-figures.c — figures derived from a report summary (see the header).
 */
#include "config.h"

#include "lsc-summary-figures.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-chart-data.h"
#include "lsc-format.h"

/* The reader's saturating int64 arithmetic, so the app and the CLI print the same numbers
 * for the same hostile file. */
#include "lsc-saturate.h"

gboolean
lsc_session_duration_ns (const lsc_session_summary *session, gint64 *duration_ns)
{
  *duration_ns = session->stopped ? lsc__sub_sat (session->stop_ns, session->start_ns) : 0;
  return session->stopped;
}

void
lsc_spec_totals_add_session (LscSpecTotals *totals, const lsc_session_summary *session)
{
  totals->kernels = lsc__add_sat (totals->kernels, session->kernels);
  for (size_t i = 0; i < session->n_specs; i++)
    {
      const lsc_spec_summary *spec = &session->specs[i];
      totals->hits = lsc__add_sat (totals->hits, spec->hits);
      totals->misses = lsc__add_sat (totals->misses, spec->misses);
      if (spec->has_compile_ms && isfinite (spec->compile_ms))
        totals->compile_ms += spec->compile_ms;
    }
}

char *
lsc_fallbacks_detail (const lsc_session_summary *s, const LscOverviewFigures *fig)
{
  if (fig->top_reason < 0)
    return g_strdup (_("Every fast-path call stayed on the fast path"));
  gint64 top = s->fallbacks_by_reason[fig->top_reason];
  g_autofree char *c = lsc_format_count (top);
  if (top == fig->fallbacks)
    /* Translators: %s is a fallback reason's identifier, then a count */
    return g_strdup_printf (_("All %s (%s)"), lsc_reason_name (fig->top_reason), c);
  return g_strdup_printf (_("Mostly %s (%s)"), lsc_reason_name (fig->top_reason), c);
}

char *
lsc_mean_note (const lsc_path_summary *ps, const char *path_label)
{
  if (ps->count <= 0 || !isfinite (ps->mean_ns) || !(ps->mean_ns > (double) ps->p99_ns))
    return NULL;
  g_autofree char *mean = lsc_format_duration_ns (ps->mean_ns);
  g_autofree char *max = lsc_format_duration_ns ((double) ps->max_ns);
  gint64 misses = ps->outcomes[LSC_OUTCOME_MISS];
  if (misses > 0)
    {
      g_autofree char *n = lsc_format_count (misses);
      /* Translators: path, its mean, the launches that compiled, the slowest launch's time */
      return g_strdup_printf (_("%s: the mean, %s, is above the p99 because %s launches compiled a spec (the "
                                "slowest took %s); the p50 is the typical launch."),
                              path_label, mean, n, max);
    }
  return g_strdup_printf (_("%s: the mean, %s, is above the p99 because a few launches were far slower (the "
                            "slowest took %s); the p50 is the typical launch."),
                          path_label, mean, max);
}

char *
lsc_spec_compile_text (double compile_ms, double hits, double misses, char **why)
{
  if (why)
    *why = NULL;
  if (isfinite (compile_ms) && compile_ms > 0)
    return lsc_format_duration_ns (compile_ms * 1e6);
  if ((isfinite (hits) && hits > 0) || (isfinite (misses) && misses > 0))
    {
      if (why)
        *why = g_strdup (_("Loaded from the on-disk cache: the engine compiled nothing for this spec while "
                           "recording, so it has no compile time."));
      return g_strdup (C_("spec compile time", "disk cache"));
    }
  return g_strdup ("");
}

void
lsc_overview_figures_compute (const lsc_session_summary *s, LscOverviewFigures *out)
{
  *out = (LscOverviewFigures) { .top_reason = -1 };

  out->has_duration = lsc_session_duration_ns (s, &out->duration_ns) && s->stop_ns > s->start_ns;

  const lsc_path_summary *fast = &s->paths[LSC_CHART_PATH_FAST], *base = &s->paths[LSC_CHART_PATH_DEFAULT];
  if (fast->count > 0 && base->count > 0 && fast->p50_ns > 0)
    {
      out->has_speedup = TRUE;
      out->speedup = (double) base->p50_ns / (double) fast->p50_ns;
      out->saved_ns = lsc__sub_sat (base->p50_ns, fast->p50_ns);
    }

  for (int r = 0; r <= LSC_REASON_COUNT; r++)
    {
      out->fallbacks = lsc__add_sat (out->fallbacks, s->fallbacks_by_reason[r]);
      if (s->fallbacks_by_reason[r] > 0
          && (out->top_reason < 0 || s->fallbacks_by_reason[r] > s->fallbacks_by_reason[out->top_reason]))
        out->top_reason = r;
    }

  lsc_spec_totals_add_session (&out->specs, s);
}
