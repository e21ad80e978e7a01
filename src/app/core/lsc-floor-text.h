/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-floor-text.h — the in-session floor and observer cost as the app's cards say them, for
 * the live page and an opened report alike (one wording, from the same figures).
 */
#pragma once

#include <glib.h>

#include "lsc-floor.h"

/* "+212 ns" or "Within noise" (value NULL when not measured), and a detail naming the floor,
 * the interval and how it was timed.  Both newly allocated. */
void lsc_floor_card_texts (const lsc_floor_figures *figures, char **value, char **detail);

/* The measured observer cost, with the push time beside it under its own name (push_ns <= 0:
 * not known).  Both newly allocated; value NULL when not measured. */
void lsc_observer_card_texts (const lsc_floor_figures *figures, double push_ns, char **value, char **detail);
