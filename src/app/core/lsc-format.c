/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-format.c — number formatting shared by the views and the models.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-format.h"

/* a >= 0, finite: rounded as lsc_format_duration_ns() shows it. */
static double
round_shown (double a)
{
  if (a < 999.5)
    return round (a); /* whole nanoseconds */
  if (a >= 999.5e9)
    return round (a / 1e9) * 1e9; /* whole seconds */
  /* Near a power of ten log10() may land in either decade: both round to the power. */
  double quantum = pow (10.0, floor (log10 (a)) - 2);
  return round (a / quantum) * quantum;
}

static const char *
unit_of_rounded (double r, double *divisor)
{
  if (r >= 1e9)
    return *divisor = 1e9, "s";
  if (r >= 1e6)
    return *divisor = 1e6, "ms";
  if (r >= 1e3)
    return *divisor = 1e3, "µs";
  return *divisor = 1, "ns";
}

const char *
lsc_format_duration_unit (double abs_ns, double *divisor)
{
  double a = fabs (abs_ns);
  return unit_of_rounded (isfinite (a) ? round_shown (a) : 0, divisor);
}

char *
lsc_format_duration_ns (double ns)
{
  if (!isfinite (ns))
    return g_strdup ("—");

  double r = round_shown (fabs (ns)), divisor;
  const char *unit = unit_of_rounded (r, &divisor);
  double v = r / divisor;
  int decimals = divisor == 1 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return g_strdup_printf ("%s%.*f %s", ns < 0 && r > 0 ? "-" : "", decimals, v, unit);
}

char *
lsc_format_count (gint64 count)
{
  const struct lconv *conv = localeconv ();
  if (conv->thousands_sep && *conv->thousands_sep && conv->grouping && *conv->grouping > 0)
    return g_strdup_printf ("%'" G_GINT64_FORMAT, count);
  /* The C and C.UTF-8 locales group nothing: 1234567 would read as an id.  Group by threes
   * with a narrow no-break space, which no locale reads as a decimal mark. */
  char digits[24];
  g_snprintf (digits, sizeof digits, "%" G_GINT64_FORMAT, count);
  const char *d = digits + (digits[0] == '-');
  size_t len = strlen (d);
  GString *out = g_string_new (digits[0] == '-' ? "-" : "");
  for (size_t i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, "\u202f");
      g_string_append_c (out, d[i]);
    }
  return g_string_free (out, FALSE);
}

char *
lsc_format_offset_ns (gint64 ns)
{
  return g_strdup_printf ("%.6f s", (double) ns / 1e9);
}

char *
lsc_format_ratio (double ratio)
{
  if (!isfinite (ratio))
    return g_strdup ("—");
  return g_strdup_printf ("%.2f×", ratio);
}

char *
lsc_format_percent (double fraction)
{
  if (!isfinite (fraction))
    return g_strdup ("—");
  /* a share that rounds to 100 % but is not all of it reads 99.9 %, never 100 % */
  double pct = fraction * 100.0;
  return g_strdup_printf ("%.1f %%", fraction < 1.0 && pct > 99.9 ? 99.9 : pct);
}

char *
lsc_format_elapsed (gint64 seconds)
{
  if (seconds < 0)
    return g_strdup ("");
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d", seconds / 60, (int) (seconds % 60));
}

char *
lsc_format_size (guint64 bytes)
{
  return g_format_size (bytes);
}

/* "argN=value": N in *index, the value's start in *value; FALSE for any other word. */
static gboolean
parse_arg_word (const char *word, long *index, const char **value)
{
  if (strncmp (word, "arg", 3) != 0 || !g_ascii_isdigit (word[3]))
    return FALSE;
  char *end;
  *index = strtol (word + 3, &end, 10);
  if (*end != '=' || *index < 0 || *index >= G_MAXINT)
    return FALSE;
  *value = end + 1;
  return TRUE;
}

char *
lsc_format_spec_description (const char *description)
{
  if (!description)
    return g_strdup ("");
  g_auto (GStrv) words = g_strsplit (description, " ", -1);
  GString *out = g_string_new (NULL);
  for (guint i = 0; words[i];)
    {
      long first, index;
      const char *value, *next_value;
      guint run = i + 1;
      if (parse_arg_word (words[i], &first, &value))
        while (words[run] && parse_arg_word (words[run], &index, &next_value) && index == first + (long) (run - i)
               && strcmp (next_value, value) == 0)
          run++;
      if (out->len)
        g_string_append_c (out, ' ');
      if (run - i >= 2)
        g_string_append_printf (out, "arg%ld–%ld=%s", first, first + (long) (run - i - 1), value);
      else
        g_string_append (out, words[i]);
      i = run;
    }
  return g_string_free (out, FALSE);
}
