/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-format.h — how the app writes numbers: durations in ns/µs/ms/s with three significant
 * digits, counts with the locale's thousands separator, times since the session start.
 * Plain GLib, no GTK: the headless model tests use it too.  Every function returns a newly
 * allocated string.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 4063 -> "4.06 µs", 812400000 -> "812 ms"; negative values keep their sign. */
char *lsc_format_duration_ns (double ns);

/* 1234567 -> "1,234,567" (the locale's grouping; plain digits in the C locale). */
char *lsc_format_count (gint64 count);

/* Nanoseconds since the session start as seconds: 1234567890 -> "1.234568 s". */
char *lsc_format_offset_ns (gint64 ns);

/* A ratio as "2.31×". */
char *lsc_format_ratio (double ratio);

/* Bytes -> "105.9 MB". */
char *lsc_format_size (guint64 bytes);

G_END_DECLS
