/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-kernel-log.c — compiler and header messages with their source lines (see the header).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lsc-kernel-log.h"

/* The line a message names: "name(12): ..." (NVRTC) or "name:12: ..." (the header parser);
 * 0 when it names none. */
static guint
line_of (const char *message)
{
  const char *colon_sp = strstr (message, ": ");
  if (!colon_sp)
    return 0;
  /* look only at the location part, before the first ": " */
  const char *end = colon_sp;
  if (end > message && end[-1] == ')')
    {
      const char *open = end - 1;
      while (open > message && open[-1] != '(')
        open--;
      if (open > message && open < end - 1)
        {
          char *stop = NULL;
          unsigned long n = strtoul (open, &stop, 10);
          return stop == end - 1 && n > 0 && n < G_MAXUINT ? (guint) n : 0;
        }
      return 0;
    }
  const char *digits = end;
  while (digits > message && g_ascii_isdigit (digits[-1]))
    digits--;
  if (digits < end && digits > message && digits[-1] == ':')
    {
      unsigned long n = strtoul (digits, NULL, 10);
      return n > 0 && n < G_MAXUINT ? (guint) n : 0;
    }
  return 0;
}

guint
lsc_kernel_log_lines (const char *log, guint *lines, guint max)
{
  guint n = 0;
  if (!log)
    return 0;
  g_auto (GStrv) rows = g_strsplit (log, "\n", -1);
  for (guint i = 0; rows[i] && n < max; i++)
    {
      guint line = line_of (rows[i]);
      gboolean seen = FALSE;
      for (guint k = 0; k < n; k++)
        seen |= lines[k] == line;
      if (line && !seen)
        lines[n++] = line;
    }
  return n;
}

char *
lsc_kernel_log_annotate (const char *log, const char *source)
{
  if (!log)
    return g_strdup ("");
  if (!source)
    return g_strdup (log);
  g_auto (GStrv) src = g_strsplit (source, "\n", -1);
  guint n_src = g_strv_length (src);
  g_auto (GStrv) rows = g_strsplit (log, "\n", -1);
  GString *out = g_string_new (NULL);
  for (guint i = 0; rows[i]; i++)
    {
      g_string_append (out, rows[i]);
      guint line = line_of (rows[i]);
      if (line >= 1 && line <= n_src)
        {
          g_autofree char *text = g_strdup (src[line - 1]);
          g_strchomp (text);
          g_string_append_printf (out, "\n%5u | %s", line, text);
        }
      if (rows[i + 1])
        g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
