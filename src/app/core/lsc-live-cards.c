/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-cards.c — a live snapshot as card texts (see the header).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "lsc-floor-text.h"
#include "lsc-format.h"
#include "lsc-live-cards.h"
#include "lsc-report.h"

static void
set (LscLiveCardText *card, const char *title, char *value, char *detail, const char *tone)
{
  g_free (card->title);
  g_free (card->value);
  g_free (card->detail);
  card->title = g_strdup (title);
  card->value = value;
  card->detail = detail;
  card->tone = tone;
}

char *
lsc_live_first_line (const char *message)
{
  if (!message)
    return g_strdup ("");
  const char *nl = strchr (message, '\n');
  g_autofree char *line = nl ? g_strndup (message, (gsize) (nl - message)) : g_strdup (message);
  /* "…(NVRTC_ERROR_COMPILATION):" ends with the colon that introduced the log */
  gsize len = strlen (line);
  if (len > 0 && line[len - 1] == ':')
    line[len - 1] = '\0';
  return g_strstrip (g_steal_pointer (&line));
}

static void
path_card (LscLiveCardText *card, const char *title, const lsc_live_snapshot *s, unsigned w)
{
  if (!(s->p50_ns[w] > 0))
    {
      set (card, title, NULL, g_strdup (_("No recent launches on this path")), NULL);
      return;
    }
  g_autofree char *p90 = lsc_format_duration_ns (s->p90_ns[w]);
  g_autofree char *p99 = lsc_format_duration_ns (s->p99_ns[w]);
  set (card, title, lsc_format_duration_ns (s->p50_ns[w]), g_strdup_printf (_("p90 %s · p99 %s"), p90, p99), NULL);
}

void
lsc_live_cards_compute (const lsc_live_snapshot *s, LscLiveCardText cards[LSC_LIVE_N_CARDS])
{
  {
    g_autofree char *total = lsc_format_count ((gint64) s->launches);
    g_autofree char *rate = lsc_format_count ((gint64) llround (s->launches_per_s));
    set (&cards[LSC_LIVE_CARD_RATE], _("Launches per second"), g_strdup (rate),
         g_strdup_printf (_("%s launches so far"), total), NULL);
  }

  /* The percentiles are over the last LSC_LIVE_WINDOW launches of each path. */
  path_card (&cards[LSC_LIVE_CARD_FAST], _("Fast path p50"), s, 0);
  path_card (&cards[LSC_LIVE_CARD_BASELINE], _("Baseline p50"), s, 1);

  {
    char *value, *detail;
    lsc_floor_card_texts (&s->floor, &value, &detail);
    set (&cards[LSC_LIVE_CARD_FLOOR], _("Above the floor"), value, detail, NULL);
  }

  {
    guint64 total = 0;
    int first = -1, second = -1;
    for (int r = 0; r < FL_FALLBACK_COUNT; r++)
      {
        total += s->fallbacks[r];
        if (s->fallbacks[r] == 0)
          continue;
        if (first < 0 || s->fallbacks[r] > s->fallbacks[first])
          second = first, first = r;
        else if (second < 0 || s->fallbacks[r] > s->fallbacks[second])
          second = r;
      }
    GString *detail = g_string_new (NULL);
    for (int k = 0; k < 2; k++)
      {
        int r = k == 0 ? first : second;
        if (r < 0)
          continue;
        g_autofree char *c = lsc_format_count ((gint64) s->fallbacks[r]);
        g_string_append_printf (detail, "%s%s %s", detail->len ? " · " : "", lsc_reason_name (r), c);
      }
    if (detail->len == 0)
      g_string_append (detail, _("Every fast-path call stayed on the fast path"));
    set (&cards[LSC_LIVE_CARD_FALLBACKS], _("Fallbacks"), lsc_format_count ((gint64) total),
         g_string_free (detail, FALSE), NULL);
  }

  {
    char *detail = s->errors > 0 && s->last_error[0] ? lsc_live_first_line (s->last_error)
                                                     : g_strdup (_("Every launch succeeded"));
    set (&cards[LSC_LIVE_CARD_ERRORS], _("Errors"), lsc_format_count ((gint64) s->errors), detail,
         s->errors > 0 ? "error" : NULL);
  }

  {
    g_autofree char *written = lsc_format_count ((gint64) s->recorder.rows_written);
    guint64 lost = s->recorder.rows_dropped + s->recorder.rows_lost;
    char *detail = s->recorder.error[0] ? lsc_live_first_line (s->recorder.error)
                                        : g_strdup_printf (_("%s rows written to the report"), written);
    set (&cards[LSC_LIVE_CARD_DROPPED], _("Dropped rows"), lsc_format_count ((gint64) lost), detail,
         lost > 0 || s->recorder.error[0] ? "warning" : NULL);
  }

  {
    char *value, *detail;
    lsc_observer_card_texts (&s->floor, s->push_ns, &value, &detail);
    set (&cards[LSC_LIVE_CARD_OBSERVER], _("Observer cost"), value, detail, NULL);
  }
}

void
lsc_live_cards_clear (LscLiveCardText cards[LSC_LIVE_N_CARDS])
{
  for (guint i = 0; i < LSC_LIVE_N_CARDS; i++)
    {
      g_clear_pointer (&cards[i].title, g_free);
      g_clear_pointer (&cards[i].value, g_free);
      g_clear_pointer (&cards[i].detail, g_free);
      cards[i].tone = NULL;
    }
}
