/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-session-text.c — session facts as text (see the header).
 */
#include "config.h"

#include <string.h>

#include "lsc-session-text.h"

/* Deep enough for any settings the recorder writes, shallow enough that a hostile file cannot
 * exhaust the stack. */
#define MAX_DEPTH 16

typedef struct {
  const char *p;
} Cursor;

static void
skip_space (Cursor *c)
{
  while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
    c->p++;
}

/* Consumes ch if it is next; never steps past the terminating NUL. */
static gboolean
expect (Cursor *c, char ch)
{
  if (*c->p != ch)
    return FALSE;
  c->p++;
  return TRUE;
}

static gboolean parse_value (Cursor *c, GString *out, int depth);

/* A string at c->p (after its opening quote is checked), unescaped into out. */
static gboolean
parse_string (Cursor *c, GString *out)
{
  if (*c->p != '"')
    return FALSE;
  c->p++;
  while (*c->p && *c->p != '"')
    {
      if (*c->p != '\\')
        {
          g_string_append_c (out, *c->p++);
          continue;
        }
      c->p++;
      switch (*c->p)
        {
        case 'n': g_string_append_c (out, '\n'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'r': case 'b': case 'f': g_string_append_c (out, ' '); break;
        case 'u':
          {
            char hex[5] = { 0 };
            for (int i = 0; i < 4; i++)
              {
                if (!g_ascii_isxdigit (c->p[1 + i]))
                  return FALSE;
                hex[i] = c->p[1 + i];
              }
            gunichar u = (gunichar) g_ascii_strtoull (hex, NULL, 16);
            g_string_append_unichar (out, g_unichar_validate (u) && u != 0 ? u : 0xFFFD);
            c->p += 4;
            break;
          }
        case '\0': return FALSE;
        default: g_string_append_c (out, *c->p); /* \" \\ \/ */
        }
      c->p++;
    }
  if (*c->p != '"')
    return FALSE;
  c->p++;
  return TRUE;
}

/* Elements of an array or members of an object between open and close, written into out
 * separated by ", "; members as "key: value". */
static gboolean
parse_list (Cursor *c, GString *out, int depth, char close, gboolean members)
{
  c->p++;
  skip_space (c);
  if (*c->p == close)
    {
      c->p++;
      return TRUE;
    }
  for (gboolean first = TRUE;; first = FALSE)
    {
      if (!first)
        g_string_append (out, ", ");
      skip_space (c);
      if (members)
        {
          if (!parse_string (c, out))
            return FALSE;
          skip_space (c);
          if (!expect (c, ':'))
            return FALSE;
          g_string_append (out, ": ");
        }
      if (!parse_value (c, out, depth + 1))
        return FALSE;
      skip_space (c);
      if (*c->p == close)
        {
          c->p++;
          return TRUE;
        }
      if (!expect (c, ','))
        return FALSE;
    }
}

static gboolean
parse_value (Cursor *c, GString *out, int depth)
{
  if (depth > MAX_DEPTH)
    return FALSE;
  skip_space (c);
  switch (*c->p)
    {
    case '"': return parse_string (c, out);
    case '[': return parse_list (c, out, depth, ']', FALSE);
    case '{': return parse_list (c, out, depth, '}', TRUE);
    default:
      {
        /* a number or a literal, as written */
        size_t n = strspn (c->p, "+-.0123456789eEtruefalsn");
        if (n == 0)
          return FALSE;
        g_string_append_len (out, c->p, (gssize) n);
        c->p += n;
        return TRUE;
      }
    }
}

gboolean
lsc_settings_parse (const char *json, char ***keys, char ***values)
{
  *keys = *values = NULL;
  if (!json)
    return FALSE;
  Cursor c = { json };
  skip_space (&c);
  if (*c.p != '{')
    return FALSE;
  g_autoptr (GPtrArray) k = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) v = g_ptr_array_new_with_free_func (g_free);
  c.p++;
  skip_space (&c);
  gboolean ok = TRUE;
  if (*c.p == '}')
    c.p++;
  else
    for (;;)
      {
        GString *key = g_string_new (NULL), *value = g_string_new (NULL);
        skip_space (&c);
        ok = parse_string (&c, key);
        skip_space (&c);
        ok = ok && expect (&c, ':') && parse_value (&c, value, 1);
        g_ptr_array_add (k, g_string_free (key, FALSE));
        g_ptr_array_add (v, g_string_free (value, FALSE));
        if (!ok)
          break;
        skip_space (&c);
        if (*c.p == '}')
          {
            c.p++;
            break;
          }
        if (!expect (&c, ','))
          {
            ok = FALSE;
            break;
          }
      }
  if (!ok)
    return FALSE;
  skip_space (&c);
  if (*c.p)
    return FALSE;
  g_ptr_array_add (k, NULL);
  g_ptr_array_add (v, NULL);
  *keys = (char **) g_ptr_array_steal (k, NULL);
  *values = (char **) g_ptr_array_steal (v, NULL);
  return TRUE;
}

char *
lsc_format_wall_time (const char *iso, GTimeZone *tz, char **utc)
{
  if (utc)
    *utc = NULL;
  if (!iso)
    return NULL;
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (iso, NULL);
  if (!t)
    return NULL;
  g_autoptr (GDateTime) there = g_date_time_to_timezone (t, tz);
  g_autoptr (GDateTime) in_utc = g_date_time_to_utc (t);
  if (!there || !in_utc)
    return NULL;
  if (utc)
    *utc = g_date_time_format (in_utc, "%Y-%m-%d %H:%M:%S UTC");
  return g_date_time_format (there, "%Y-%m-%d %H:%M:%S %Z");
}
