/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-cards.h — the live page's figures: what each card says for one snapshot of a live
 * session (launch rate, fast and baseline percentiles, distance to the raw floor, fallbacks by
 * reason, errors, dropped rows, the observer's own cost).  GLib only: tested headlessly.
 */
#pragma once

#include <glib.h>

#include "lsc-live.h"

G_BEGIN_DECLS

typedef enum {
  LSC_LIVE_CARD_RATE = 0,
  LSC_LIVE_CARD_FAST,
  LSC_LIVE_CARD_BASELINE,
  LSC_LIVE_CARD_FLOOR,
  LSC_LIVE_CARD_FALLBACKS,
  LSC_LIVE_CARD_ERRORS,
  LSC_LIVE_CARD_DROPPED,
  LSC_LIVE_CARD_OBSERVER,
  LSC_LIVE_N_CARDS
} LscLiveCard;

typedef struct {
  char *title;
  char *value;      /* NULL: nothing to show yet ("—") */
  char *detail;
  const char *tone; /* "success", "warning", "error" or NULL */
} LscLiveCardText;

/* Fills cards (freeing what they held) from snapshot s. */
void lsc_live_cards_compute (const lsc_live_snapshot *s, LscLiveCardText cards[LSC_LIVE_N_CARDS]);
void lsc_live_cards_clear (LscLiveCardText cards[LSC_LIVE_N_CARDS]);

/* The engine's error message shortened to its first line (NVRTC logs run on), copied. */
char *lsc_live_first_line (const char *message);

G_END_DECLS
