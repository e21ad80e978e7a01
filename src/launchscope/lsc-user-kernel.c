/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-user-kernel.c — the header comment of a user's .cu file.  Input is untrusted (a fuzz
 * target): bounded copies only, every error names the line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-user-kernel.h"

#define LSC__HEADER_TAG "launchscope:"

static void
lsc__trim (const char **start, const char **end)
{
  while (*start < *end && isspace ((unsigned char) **start))
    (*start)++;
  while (*end > *start && isspace ((unsigned char) (*end)[-1]))
    (*end)--;
}

static bool
lsc__is_identifier (const char *s, size_t len)
{
  if (len == 0 || !(isalpha ((unsigned char) s[0]) || s[0] == '_'))
    return false;
  for (size_t i = 1; i < len; i++)
    if (!(isalnum ((unsigned char) s[i]) || s[i] == '_'))
      return false;
  return true;
}

int
lsc_user_kernel_parse_header (const char *name, const char *source, lsc_user_kernel_header *out, char *err,
                              size_t err_size)
{
  memset (out, 0, sizeof *out);
  if (!source)
    {
      snprintf (err, err_size, "%s: no source", name);
      return -1;
    }
  const char *p = source;
  unsigned line = 0;
  bool have_entry = false, have_signature = false, have_globals = false;
  while (*p)
    {
      line++;
      const char *eol = strchr (p, '\n');
      const char *end = eol ? eol : p + strlen (p);
      const char *s = p, *e = end;
      lsc__trim (&s, &e);
      p = eol ? eol + 1 : end;
      if (s == e)
        continue;
      if (e - s < 2 || s[0] != '/' || s[1] != '/')
        break; /* the header ends at the first line of code */
      s += 2;
      lsc__trim (&s, &e);
      size_t tag = strlen (LSC__HEADER_TAG);
      if ((size_t) (e - s) < tag || strncmp (s, LSC__HEADER_TAG, tag) != 0)
        continue; /* an ordinary comment */
      s += tag;
      lsc__trim (&s, &e);
      const char *eq = memchr (s, '=', (size_t) (e - s));
      if (!eq)
        {
          snprintf (err, err_size, "%s:%u: expected 'key=value' after '// launchscope:'", name, line);
          return -1;
        }
      const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
      lsc__trim (&ks, &ke);
      lsc__trim (&vs, &ve);
      size_t klen = (size_t) (ke - ks), vlen = (size_t) (ve - vs);
      if (klen == 5 && !strncmp (ks, "entry", 5))
        {
          if (have_entry)
            goto duplicate;
          if (!lsc__is_identifier (vs, vlen) || vlen >= sizeof out->entry)
            {
              snprintf (err, err_size, "%s:%u: entry '%.*s' is not a C identifier (of fewer than %zu characters)", name,
                        line, (int) (vlen > 64 ? 64 : vlen), vs, sizeof out->entry);
              return -1;
            }
          memcpy (out->entry, vs, vlen);
          have_entry = true;
        }
      else if (klen == 9 && !strncmp (ks, "signature", 9))
        {
          if (have_signature)
            goto duplicate;
          if (vlen >= sizeof out->signature)
            {
              snprintf (err, err_size, "%s:%u: signature longer than %zu characters", name, line, sizeof out->signature - 1);
              return -1;
            }
          memcpy (out->signature, vs, vlen);
          out->signature_line = line;
          have_signature = true;
        }
      else if (klen == 7 && !strncmp (ks, "globals", 7))
        {
          if (have_globals)
            goto duplicate;
          have_globals = true;
          const char *g = vs;
          while (g < ve)
            {
              const char *c = memchr (g, ',', (size_t) (ve - g));
              const char *gs = g, *ge = c ? c : ve;
              lsc__trim (&gs, &ge);
              size_t glen = (size_t) (ge - gs);
              if (!lsc__is_identifier (gs, glen) || glen >= sizeof out->globals[0])
                {
                  snprintf (err, err_size, "%s:%u: global '%.*s' is not a C identifier", name, line,
                            (int) (glen > 64 ? 64 : glen), gs);
                  return -1;
                }
              if (out->n_globals == FL_MAX_ARGS)
                {
                  snprintf (err, err_size, "%s:%u: more than %d globals", name, line, FL_MAX_ARGS);
                  return -1;
                }
              memcpy (out->globals[out->n_globals++], gs, glen);
              g = c ? c + 1 : ve;
            }
        }
      else
        {
          snprintf (err, err_size, "%s:%u: unknown key '%.*s' (entry, signature, globals)", name, line,
                    (int) (klen > 64 ? 64 : klen), ks);
          return -1;
        }
      continue;
    duplicate:
      snprintf (err, err_size, "%s:%u: '%.*s' given twice", name, line, (int) klen, ks);
      return -1;
    }
  if (!have_entry || !have_signature)
    {
      snprintf (err, err_size,
                "%s: the header comment must name the %s, e.g.\n  // launchscope: entry=my_kernel\n"
                "  // launchscope: signature=*fp32, *fp32, i32",
                name, !have_entry && !have_signature ? "entry and the signature" : !have_entry ? "entry" : "signature");
      return -1;
    }
  fl_signature sig;
  if (fl_signature_parse (out->signature, &sig) != FL_OK)
    {
      snprintf (err, err_size, "%s:%u: %s", name, out->signature_line, fl_last_error ());
      return -1;
    }
  return 0;
}

int
lsc_user_kernel_load (const char *path, fl_kernel **out, char *err, size_t err_size)
{
  *out = NULL;
  FILE *f = fopen (path, "rb");
  if (!f)
    {
      snprintf (err, err_size, "cannot open %s: %s", path, strerror (errno));
      return -1;
    }
  size_t cap = 1 << 16, len = 0;
  char *src = malloc (cap);
  while (src)
    {
      size_t n = fread (src + len, 1, cap - len - 1, f);
      len += n;
      if (len < cap - 1)
        break;
      if (cap >= (64u << 20))
        {
          free (src);
          fclose (f);
          snprintf (err, err_size, "%s: larger than 64 MiB, not a kernel source", path);
          return -1;
        }
      char *bigger = realloc (src, cap * 2);
      if (!bigger)
        {
          free (src);
          src = NULL;
          break;
        }
      src = bigger;
      cap *= 2;
    }
  bool failed = ferror (f);
  fclose (f);
  if (!src || failed)
    {
      free (src);
      snprintf (err, err_size, "cannot read %s", path);
      return -1;
    }
  src[len] = '\0';
  if (memchr (src, '\0', len))
    {
      free (src);
      snprintf (err, err_size, "%s: contains NUL bytes, not a CUDA source file", path);
      return -1;
    }
  const char *base = strrchr (path, '/');
  base = base ? base + 1 : path;
  lsc_user_kernel_header h;
  if (lsc_user_kernel_parse_header (base, src, &h, err, err_size) != 0)
    {
      free (src);
      return -1;
    }
  char name[256];
  snprintf (name, sizeof name, "%s", base);
  size_t nl = strlen (name);
  if (nl > 3 && strcmp (name + nl - 3, ".cu") == 0)
    name[nl - 3] = '\0';
  const char *globals[FL_MAX_ARGS];
  for (unsigned i = 0; i < h.n_globals; i++)
    globals[i] = h.globals[i];
  fl_kernel_desc desc = { .name = name, .source = src, .entry = h.entry, .signature = h.signature,
                          .globals = globals, .n_globals = h.n_globals };
  fl_status st = fl_kernel_new (&desc, out);
  free (src);
  if (st != FL_OK)
    {
      snprintf (err, err_size, "%s: %s", path, fl_last_error ());
      return -1;
    }
  return 0;
}
