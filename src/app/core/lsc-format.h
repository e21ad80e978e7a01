/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-format.h — how the app writes numbers: durations in ns/µs/ms/s with three significant
 * digits, counts with the locale's thousands separator, times since the session start.
 * Cards, tables, charts and the live page all write durations with lsc_format_duration_ns(),
 * so one launch time reads the same everywhere.
 * Plain GLib, no GTK: the headless model tests use it too.  Every function returns a newly
 * allocated string.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A duration in the app's one rule.  The magnitude is first rounded half away from zero to
 * three significant digits — never finer than 1 ns, never coarser than 1 s — and the unit is
 * chosen from the ROUNDED value, so a value never prints with four digits in a unit:
 *   999.4 ns -> "999 ns", 999.5 and 999.7 ns -> "1.00 µs", 9995 ns -> "10.0 µs",
 *   999499 ns -> "999 µs", 999500 ns -> "1.00 ms", 2.5e9 ns -> "2.50 s", 1234.4e9 ns -> "1234 s".
 * Two decimals below 10 of the unit, one below 100, none above; whole nanoseconds always.
 * Negative values keep their sign (none when they round to 0); NaN and infinities give "—". */
char *lsc_format_duration_ns (double ns);

/* The unit lsc_format_duration_ns() writes abs_ns in ("ns", "µs", "ms", "s"), and in *divisor
 * the nanoseconds per unit: for axis labels, which share the unit rule but pick their own
 * decimals. */
const char *lsc_format_duration_unit (double abs_ns, double *divisor);

/* 1234567 -> "1,234,567" (the locale's grouping; in a locale without one, as the C locale,
 * "1 234 567" with narrow no-break spaces). */
char *lsc_format_count (gint64 count);

/* Nanoseconds since the session start as seconds: 1234567890 -> "1.234568 s". */
char *lsc_format_offset_ns (gint64 ns);

/* A share 0..1 as a percentage with one decimal, "87.5 %" (a share short of 1 never reads as
 * "100.0 %"); NaN and infinities give "—". */
char *lsc_format_percent (double fraction);
/* A ratio as "2.31×". */
char *lsc_format_ratio (double ratio);

/* A spec's decoded key with each run of consecutive arguments of one class written once:
 * "arg0=aligned arg1=aligned arg2=div16 debug=on" -> "arg0–1=aligned arg2=div16 debug=on".
 * Lossless, and short enough that two keys differing only in a late field both show it.
 * NULL gives "". */
char *lsc_format_spec_description (const char *description);

/* A recording's time so far as m:ss: 7 -> "0:07", 3665 -> "61:05"; negative (none yet) -> "". */
char *lsc_format_elapsed (gint64 seconds);

/* Bytes -> "105.9 MB". */
char *lsc_format_size (guint64 bytes);

G_END_DECLS
