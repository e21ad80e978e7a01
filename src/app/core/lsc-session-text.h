/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-session-text.h — a session's stored facts as the Session view shows them: the settings
 * JSON as key/value pairs, the UTC start time in local time.
 *
 * Both come from an untrusted file: malformed input gives FALSE / NULL, never a crash, so the
 * view falls back to the stored text.  GLib only, no GTK: tested headlessly.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The members of the JSON object json, in order, as keys[i] / values[i] (transfer full, NULL-
 * terminated): strings without quotes or escapes, numbers and literals as written, arrays as
 * "a, b, c", nested objects as "k: v, k2: v2".  FALSE (and both NULL) when json is not one
 * object, nests deeper than 16, or holds anything after it. */
gboolean lsc_settings_parse (const char *json, char ***keys, char ***values);

/* An ISO 8601 time ("2026-11-25T13:12:51Z") in tz as "2026-11-25 14:12:51 CET", and in *utc
 * (may be NULL) the same moment in UTC, "2026-11-25 13:12:51 UTC".  NULL (and *utc NULL) when
 * iso does not parse. */
char *lsc_format_wall_time (const char *iso, GTimeZone *tz, char **utc);

G_END_DECLS
