/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-saturate.h — integer arithmetic on values read from a report, shared by the reader and
 * the app's charts (no SQLite, no GLib).
 */
#pragma once

#include <stdint.h>

/* a - b and a + b for integers read from a report: a hostile file can hold any int64, and
 * signed overflow is undefined, so these saturate at INT64_MIN / INT64_MAX instead. */
static inline int64_t
lsc__sub_sat (int64_t a, int64_t b)
{
  int64_t r;
  if (__builtin_sub_overflow (a, b, &r))
    return b < 0 ? INT64_MAX : INT64_MIN;
  return r;
}

static inline int64_t
lsc__add_sat (int64_t a, int64_t b)
{
  int64_t r;
  if (__builtin_add_overflow (a, b, &r))
    return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}
