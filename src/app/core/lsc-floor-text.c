/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-floor-text.c — the in-session floor and observer cost in words (see the header).
 */
#include "config.h"

#include "lsc-floor-text.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-format.h"

/* "+212 ns", or "Within noise" when the interval holds zero: never a bare negative distance. */
static char *
estimate_value (const lsc_paired_estimate *e)
{
  if (lsc_paired_estimate_within_noise (e))
    return g_strdup (_("Within noise"));
  g_autofree char *d = lsc_format_duration_ns (fabs (e->median_ns));
  return g_strdup_printf ("%s%s", e->median_ns >= 0 ? "+" : "−", d);
}

static char *
interval_text (const lsc_paired_estimate *e)
{
  g_autofree char *lo = lsc_format_duration_ns (fabs (e->low_ns));
  g_autofree char *hi = lsc_format_duration_ns (fabs (e->high_ns));
  /* TRANSLATORS: a 95% confidence interval, e.g. "95%: +180 ns to +240 ns" */
  return g_strdup_printf (_("95%%: %s%s to %s%s"), e->low_ns < 0 ? "−" : "+", lo, e->high_ns < 0 ? "−" : "+", hi);
}

void
lsc_floor_card_texts (const lsc_floor_figures *f, char **value, char **detail)
{
  const lsc_paired_estimate *fast = &f->above_floor[FL_PATH_FAST];
  if (f->rounds == 0 || !isfinite (f->floor_p50_ns))
    {
      *value = NULL;
      *detail = g_strdup (f->rounds == 0 ? _("No floor blocks were timed in this session")
                                         : _("No bare launch could be timed: the spec had no binary of its own"));
      return;
    }
  g_autofree char *floor = lsc_format_duration_ns (f->floor_p50_ns);
  if (fast->rounds == 0)
    {
      *value = NULL;
      *detail = g_strdup_printf (_("Bare cuLaunchKernel p50 %s; no round on the fast path"), floor);
      return;
    }
  g_autofree char *interval = interval_text (fast);
  *value = estimate_value (fast);
  *detail = g_strdup_printf (ngettext ("Fast path above a bare cuLaunchKernel (p50 %s) of the same binary, "
                                       "timed in this session · %s · %zu round",
                                       "Fast path above a bare cuLaunchKernel (p50 %s) of the same binary, "
                                       "timed in this session · %s · %zu rounds",
                                       fast->rounds),
                             floor, interval, fast->rounds);
}

void
lsc_observer_card_texts (const lsc_floor_figures *f, double push_ns, char **value, char **detail)
{
  g_autofree char *push = push_ns > 0 ? lsc_format_duration_ns (push_ns) : NULL;
  if (f->observer.rounds == 0)
    {
      *value = NULL;
      *detail = push ? g_strdup_printf (_("Not measured in this session (the recorder's push alone: %s)"), push)
                     : g_strdup (_("Not measured in this session"));
      return;
    }
  g_autofree char *interval = interval_text (&f->observer);
  *value = estimate_value (&f->observer);
  if (push)
    *detail = g_strdup_printf (_("Recorded minus unrecorded launches, paired · %s · push %s · excludes "
                                 "being subscribed to CUPTI"),
                               interval, push);
  else
    *detail = g_strdup_printf (_("Recorded minus unrecorded launches, paired · %s · excludes being "
                                 "subscribed to CUPTI"),
                               interval);
}
