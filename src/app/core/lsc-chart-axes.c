/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-chart-axes.c — axis scales and labels for the chart widgets (lsc-chart-data.h):
 * normalisation to [0, 1] (linear or log10), nice linear ticks, log decades, and the axis,
 * tick, count and marker labels; durations through lsc-format.h's one unit rule.  GLib only.
 */
#include "lsc-chart-data.h"

#include <math.h>
#include <string.h>

/* --- Scales and ticks --------------------------------------------------------------------- */

double
lsc_axis_scale_normalize (const LscAxisScale *scale, double value)
{
  if (scale->log_scale)
    {
      double lo = log10 (scale->min), hi = log10 (scale->max);
      if (value <= 0)
        return -1.0; /* below any visible value; callers clamp */
      return (log10 (value) - lo) / (hi - lo);
    }
  return (value - scale->min) / (scale->max - scale->min);
}

double
lsc_axis_scale_denormalize (const LscAxisScale *scale, double fraction)
{
  if (scale->log_scale)
    {
      double lo = log10 (scale->min), hi = log10 (scale->max);
      return pow (10.0, lo + fraction * (hi - lo));
    }
  return scale->min + fraction * (scale->max - scale->min);
}

void
lsc_axis_scale_normalize_array (const LscAxisScale *scale, const double *values, float *out, gsize n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = (float) lsc_axis_scale_normalize (scale, values[i]);
}

/* Saturates at G_MAXUINT: a huge range over a tiny step (or an infinite one) has more ticks
 * than a guint holds, and converting that count would be undefined. */
static guint
ticks_for_step (double min, double max, double step)
{
  double first = ceil (min / step - 1e-9), last = floor (max / step + 1e-9);
  if (!(last >= first))
    return 0;
  double n = last - first + 1;
  return n < (double) G_MAXUINT ? (guint) n : G_MAXUINT;
}

double
lsc_chart_nice_step (double min, double max, guint max_ticks)
{
  static const double mantissas[] = { 1, 2, 5 };
  double range = max - min;

  if (max_ticks < 2)
    max_ticks = 2;
  if (!(range > 0) || !isfinite (range))
    range = fabs (max) > 0 ? fabs (max) : 1.0;

  /* Start a decade below the rough step and take the first mantissa that fits. */
  double e = floor (log10 (range / max_ticks)) - 1;
  for (int i = 0; i < 12; i++, e++)
    for (guint m = 0; m < G_N_ELEMENTS (mantissas); m++)
      {
        double step = mantissas[m] * pow (10.0, e);
        if (ticks_for_step (min, max, step) <= max_ticks)
          return step;
      }
  return pow (10.0, e);
}

double
lsc_chart_nice_range (double *min, double *max, guint max_ticks)
{
  double step = lsc_chart_nice_step (*min, *max, max_ticks);
  /* Widening can add a tick at each end; shrink the tick budget until the widened range fits. */
  for (guint budget = max_ticks; budget >= 2; budget--)
    {
      step = lsc_chart_nice_step (*min, *max, budget);
      double lo = floor (*min / step + 1e-9) * step, hi = ceil (*max / step - 1e-9) * step;
      if (hi <= lo)
        hi = lo + step;
      if (ticks_for_step (lo, hi, step) <= max_ticks || budget == 2)
        {
          *min = lo;
          *max = hi;
          return step;
        }
    }
  return step;
}

guint
lsc_chart_linear_ticks (double min, double max, guint max_ticks, double *ticks, guint capacity, double *step_out)
{
  double step = lsc_chart_nice_step (min, max, max_ticks);
  double first = ceil (min / step - 1e-9);
  guint n = 0;

  for (double k = first; n < capacity; k++)
    {
      double v = k * step;
      if (v > max + step * 1e-9)
        break;
      ticks[n++] = fabs (v) < step * 1e-9 ? 0.0 : v; /* no "-0" */
    }
  if (step_out)
    *step_out = step;
  return n;
}

guint
lsc_chart_log_ticks (double min, double max, guint max_ticks, LscLogTick *ticks, guint capacity)
{
  if (!(min > 0) || !(max > min) || !isfinite (max))
    return 0;

  int e0 = (int) floor (log10 (min) + 1e-9), e1 = (int) floor (log10 (max) + 1e-9);
  guint decades_inside = 0;
  for (int e = e0; e <= e1; e++)
    {
      double v = pow (10.0, e);
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9))
        decades_inside++;
    }

  gboolean minors = (guint) (e1 - e0 + 1) <= MAX (max_ticks / 3, 1);
  gboolean label_minors = decades_inside < 2;
  /* With many decades, label every k-th decade only. */
  guint every = 1;
  while (decades_inside / every > MAX (max_ticks, 1))
    every++;

  guint n = 0;
  for (int e = e0; e <= e1 && n < capacity; e++)
    {
      static const double mult[] = { 1, 2, 5 };
      for (guint m = 0; m < G_N_ELEMENTS (mult) && n < capacity; m++)
        {
          if (m > 0 && !minors)
            break;
          double v = mult[m] * pow (10.0, e);
          if (v < min * (1 - 1e-9) || v > max * (1 + 1e-9))
            continue;
          gboolean major = m == 0 ? ((e - e0) % (int) every == 0) : label_minors;
          ticks[n++] = (LscLogTick) { v, major };
        }
    }
  return n;
}

void
lsc_chart_log_range (double *min, double *max)
{
  double lo = *min > 0 ? *min : 1.0, hi = *max > lo ? *max : lo;
  lo = pow (10.0, floor (log10 (lo) + 1e-9));
  hi = pow (10.0, ceil (log10 (hi) - 1e-9));
  if (hi <= lo)
    hi = lo * 10;
  *min = lo;
  *max = hi;
}

/* --- Labels ------------------------------------------------------------------------------- */

char *
lsc_chart_format_axis_ns (double ns, double max_abs, double step)
{
  if (ns == 0)
    return g_strdup ("0");

  double divisor;
  const char *unit = lsc_format_duration_unit (max_abs, &divisor);
  double s = step / divisor;
  int decimals = 0;
  if (s > 0 && s < 1)
    decimals = (int) ceil (-log10 (s) - 1e-9);
  /* A 2.5-type step needs one more digit than its decade. */
  if (s > 0 && fabs (s * pow (10, decimals) - round (s * pow (10, decimals))) > 1e-6)
    decimals++;
  decimals = CLAMP (decimals, 0, 6);
  return g_strdup_printf ("%.*f %s", decimals, ns / divisor, unit);
}

char *
lsc_chart_format_tick_ns (double ns)
{
  char *text = lsc_format_duration_ns (ns);
  char *space = strchr (text, ' ');
  if (space == NULL)
    return text;

  /* Trim zeros after the decimal separator (locale's: '.' or ','), then the separator. */
  char *end = space;
  gboolean has_sep = FALSE;
  for (char *c = text; c < space; c++)
    has_sep = has_sep || *c == '.' || *c == ',';
  if (!has_sep)
    return text;
  while (end > text && end[-1] == '0')
    end--;
  if (end > text && (end[-1] == '.' || end[-1] == ','))
    end--;
  memmove (end, space, strlen (space) + 1);
  return text;
}

char *
lsc_chart_marker_label (const char *event_text)
{
  if (event_text == NULL)
    return g_strdup ("");

  char *label = NULL;
  const char *at = g_strrstr (event_text, " at launch ");
  if (at != NULL)
    {
      const char *p = at + strlen (" at launch ");
      gboolean digits = *p != '\0';
      for (; *p != '\0'; p++)
        digits = digits && g_ascii_isdigit (*p);
      if (digits)
        label = g_strstrip (g_strndup (event_text, at - event_text));
    }
  if (!label)
    label = g_strstrip (g_strdup (event_text));
  /* the recorder's toggle is named "default"; the app calls that path the baseline */
  if (g_str_has_prefix (label, "default "))
    {
      char *renamed = g_strconcat ("baseline", label + strlen ("default"), NULL);
      g_free (label);
      label = renamed;
    }
  return label;
}
