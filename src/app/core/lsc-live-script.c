/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-script.c — parses --live-script (see the header).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-live-script.h"

G_DEFINE_QUARK (lsc-live-script-error-quark, lsc_live_script_error)

static gboolean
lookup_name (const char *name, guint *what)
{
  for (guint t = 0; t < LSC_LIVE_TOGGLE_COUNT; t++)
    if (strcmp (name, lsc_live_toggle_name ((lsc_live_toggle) t)) == 0)
      {
        *what = t;
        return TRUE;
      }
  if (strcmp (name, "pause") == 0)
    {
      *what = LSC_LIVE_SCRIPT_PAUSE;
      return TRUE;
    }
  if (strcmp (name, "global") == 0)
    {
      *what = LSC_LIVE_SCRIPT_GLOBAL;
      return TRUE;
    }
  return FALSE;
}

static int
compare_steps (gconstpointer a, gconstpointer b)
{
  double x = ((const LscLiveStep *) a)->at_s, y = ((const LscLiveStep *) b)->at_s;
  return (x > y) - (x < y);
}

static gboolean
fail (GError **error, const char *item, const char *why)
{
  g_set_error (error, LSC_LIVE_SCRIPT_ERROR, 0, "--live-script: “%s”: %s", item, why);
  return FALSE;
}

static gboolean
parse_item (const char *item, LscLiveStep *step, GError **error)
{
  const char *at = strrchr (item, '@');
  if (!at)
    return fail (error, item, "expected NAME@SECONDS");
  char *end = NULL;
  double seconds = g_ascii_strtod (at + 1, &end);
  if (end == at + 1 || *end || !isfinite (seconds) || seconds < 0)
    return fail (error, item, "the time must be a number of seconds, 0 or more");

  g_autofree char *head = g_strndup (item, (gsize) (at - item));
  char *eq = strchr (head, '=');
  const char *value = NULL;
  if (eq)
    {
      *eq = '\0';
      value = eq + 1;
    }
  guint what;
  if (!lookup_name (head, &what))
    return fail (error, item,
                 "unknown name (debug, offset, skip, timing, hooks, callbacks, activity, pause, global=VALUE)");

  *step = (LscLiveStep) { .at_s = seconds, .what = what, .kind = LSC_LIVE_STEP_FLIP };
  if (what == LSC_LIVE_SCRIPT_GLOBAL)
    {
      char *vend = NULL;
      if (!value || !*value)
        return fail (error, item, "the global needs a value: global=VALUE@SECONDS");
      step->value = g_ascii_strtoll (value, &vend, 10);
      if (*vend)
        return fail (error, item, "the global's value must be an integer");
      step->kind = LSC_LIVE_STEP_SET;
    }
  else if (value)
    {
      if (strcmp (value, "on") == 0 || strcmp (value, "1") == 0 || strcmp (value, "true") == 0)
        step->value = 1;
      else if (strcmp (value, "off") == 0 || strcmp (value, "0") == 0 || strcmp (value, "false") == 0)
        step->value = 0;
      else
        return fail (error, item, "a switch is set with =on or =off");
      step->kind = LSC_LIVE_STEP_SET;
    }
  return TRUE;
}

GArray *
lsc_live_script_parse (const char *text, GError **error)
{
  GArray *steps = g_array_new (FALSE, FALSE, sizeof (LscLiveStep));
  if (!text)
    return steps;
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      g_strstrip (items[i]);
      if (!*items[i])
        continue;
      LscLiveStep step;
      if (!parse_item (items[i], &step, error))
        {
          g_array_unref (steps);
          return NULL;
        }
      g_array_append_val (steps, step);
    }
  /* g_array_sort is not stable: steps at the same time keep their order by index */
  for (guint i = 1; i < steps->len; i++)
    for (guint j = i; j > 0 && compare_steps (&g_array_index (steps, LscLiveStep, j - 1),
                                              &g_array_index (steps, LscLiveStep, j)) > 0; j--)
      {
        LscLiveStep tmp = g_array_index (steps, LscLiveStep, j);
        g_array_index (steps, LscLiveStep, j) = g_array_index (steps, LscLiveStep, j - 1);
        g_array_index (steps, LscLiveStep, j - 1) = tmp;
      }
  return steps;
}

char *
lsc_live_step_describe (const LscLiveStep *step)
{
  const char *name = step->what < LSC_LIVE_TOGGLE_COUNT ? lsc_live_toggle_name ((lsc_live_toggle) step->what)
                     : step->what == LSC_LIVE_SCRIPT_PAUSE ? "pause"
                                                           : "global";
  if (step->what == LSC_LIVE_SCRIPT_GLOBAL)
    return g_strdup_printf ("global = %" G_GINT64_FORMAT, step->value);
  if (step->kind == LSC_LIVE_STEP_FLIP)
    return g_strdup_printf ("%s flipped", name);
  return g_strdup_printf ("%s %s", name, step->value ? "on" : "off");
}
