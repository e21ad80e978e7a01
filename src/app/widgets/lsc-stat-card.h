/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-stat-card.h — one figure of the overview: a caption, the value in large tabular
 * figures, and a line of detail.  A right click or long press offers to copy the value or the
 * whole card; Ctrl+C copies the card.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LSC_TYPE_STAT_CARD (lsc_stat_card_get_type ())
G_DECLARE_FINAL_TYPE (LscStatCard, lsc_stat_card, LSC, STAT_CARD, GtkWidget)

GtkWidget *lsc_stat_card_new (void);

/* Any may be NULL (kept as it is).  A card with value NULL shows "—". */
void lsc_stat_card_set (LscStatCard *self, const char *title, const char *value, const char *detail);
const char *lsc_stat_card_get_value (LscStatCard *self);

/* What Copy the Card (its context menu, or Ctrl+C) copies: title, value and detail on one
 * line, separated by tabs (no detail field when the card shows none). */
char *lsc_stat_card_dup_text (LscStatCard *self);

/* At most lines lines of detail, ellipsized (the full text in the tooltip); 0: no limit. */
void lsc_stat_card_set_detail_lines (LscStatCard *self, int lines);

/* Emphasis for a good or bad figure: "success", "warning", "error" or NULL. */
void lsc_stat_card_set_tone (LscStatCard *self, const char *tone);

G_END_DECLS
