/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-format.c — number formatting shared by the views and the models.
 */
#include "config.h"

#include <math.h>

#include "lsc-format.h"

char *
lsc_format_duration_ns (double ns)
{
  double a = fabs (ns);

  if (isnan (ns))
    return g_strdup ("—");
  if (a < 1e3)
    return g_strdup_printf ("%.0f ns", ns);
  if (a < 1e6)
    return g_strdup_printf (a < 1e4 ? "%.2f µs" : a < 1e5 ? "%.1f µs" : "%.0f µs", ns / 1e3);
  if (a < 1e9)
    return g_strdup_printf (a < 1e7 ? "%.2f ms" : a < 1e8 ? "%.1f ms" : "%.0f ms", ns / 1e6);
  return g_strdup_printf ("%.2f s", ns / 1e9);
}

char *
lsc_format_count (gint64 count)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, count);
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
lsc_format_size (guint64 bytes)
{
  return g_format_size (bytes);
}
