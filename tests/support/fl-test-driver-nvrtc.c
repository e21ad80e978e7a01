/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver-nvrtc.c — the driver test double's NVRTC: programs, option checking and the
 * text "cubin" it compiles to.
 *
 * A compile scans the source for __global__ functions and their parameter counts, checks every
 * option as NVRTC would, fails on the marker FL_TEST_COMPILE_ERROR with a log naming the line,
 * and writes a cubin holding the arch, the source hash and every option, which
 * fl-test-driver-module.c parses back.  TEST-ONLY (see fl-test-driver.h).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl-test-driver-private.h"

/* ---- source scanning (for NVRTC) ---------------------------------------------------------- */

/* A copy of src with comments, string and character literals blanked (newlines kept), so the
 * scanners below see only code and line numbers stay right. */
static char *
source_code_only (const char *src)
{
  char *s = td_strdup (src);
  size_t n = strlen (s);
  for (size_t i = 0; i < n;)
    {
      if (s[i] == '/' && i + 1 < n && s[i + 1] == '/')
        {
          while (i < n && s[i] != '\n')
            s[i++] = ' ';
        }
      else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*')
        {
          s[i++] = ' ';
          s[i++] = ' ';
          while (i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/'))
            {
              if (s[i] != '\n')
                s[i] = ' ';
              i++;
            }
          for (int k = 0; k < 2 && i < n; k++)
            s[i++] = ' ';
        }
      else if (s[i] == '"' || s[i] == '\'')
        {
          char q = s[i++];
          while (i < n && s[i] != q && s[i] != '\n')
            {
              if (s[i] == '\\' && i + 1 < n)
                s[i++] = ' ';
              s[i++] = ' ';
            }
          if (i < n && s[i] == q)
            i++;
        }
      else
        i++;
    }
  return s;
}

static bool
is_ident_start (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident_char (char c)
{
  return is_ident_start (c) || (c >= '0' && c <= '9');
}

/* Position of the first whole-word occurrence of word in s, or NULL. */
static const char *
find_word (const char *s, const char *word)
{
  size_t n = strlen (word);
  for (const char *p = strstr (s, word); p; p = strstr (p + 1, word))
    if ((p == s || !is_ident_char (p[-1])) && !is_ident_char (p[n]))
      return p;
  return NULL;
}

static const char *
skip_space (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\\')
    p++;
  return p;
}

/* p at '(' : returns the position after the matching ')' (or the end), counting top-level
 * commas in *commas and whether anything but whitespace or `void` is inside. */
static const char *
skip_parens (const char *p, int *commas, bool *nonempty)
{
  int depth = 0;
  const char *start = p + 1;
  *commas = 0;
  for (; *p; p++)
    {
      if (*p == '(' || *p == '[' || *p == '{')
        depth++;
      else if (*p == ')' || *p == ']' || *p == '}')
        {
          if (--depth == 0)
            {
              const char *q = skip_space (start);
              *nonempty = q < p && !(strncmp (q, "void", 4) == 0 && skip_space (q + 4) == p);
              return p + 1;
            }
        }
      else if (*p == ',' && depth == 1)
        (*commas)++;
    }
  *nonempty = true;
  return p;
}

/* Finds every __global__ function: its name and declared parameter count. */
static void
scan_kernels (const char *code, td_kernel **out, unsigned *n_out)
{
  td_kernel *k = NULL;
  unsigned n = 0;
  for (const char *p = find_word (code, "__global__"); p; p = find_word (p + 1, "__global__"))
    {
      const char *q = p + strlen ("__global__");
      while (*q && *q != ';' && *q != '{')
        {
          if (!is_ident_start (*q))
            {
              q++;
              continue;
            }
          const char *id = q;
          while (is_ident_char (*q))
            q++;
          size_t len = (size_t) (q - id);
          const char *after = skip_space (q);
          if (*after != '(')
            continue;
          int commas;
          bool nonempty;
          const char *end = skip_parens (after, &commas, &nonempty);
          bool attribute = (len == 17 && strncmp (id, "__launch_bounds__", len) == 0)
                           || (len == 13 && strncmp (id, "__attribute__", len) == 0)
                           || (len == 11 && strncmp (id, "__maxnreg__", len) == 0)
                           || (len == 16 && strncmp (id, "__cluster_dims__", len) == 0)
                           || (len == 7 && strncmp (id, "alignas", len) == 0);
          if (attribute)
            {
              q = end;
              continue;
            }
          k = realloc (k, (n + 1) * sizeof *k);
          if (!k)
            td_oom ();
          k[n].name = td_strndup (id, len);
          k[n].n_params = nonempty ? commas + 1 : 0;
          n++;
          break;
        }
    }
  *out = k;
  *n_out = n;
}

/* ---- NVRTC options ------------------------------------------------------------------------ */

typedef struct {
  const char *long_name, *short_name;
  int arg; /* 0 none, 1 required, 2 optional (only with '=') */
} td_option;

static const td_option td_options[] = {
  { "gpu-architecture", "arch", 1 }, { "device-c", "dc", 0 }, { "device-w", "dw", 0 },
  { "relocatable-device-code", "rdc", 1 }, { "extensible-whole-program", "ewp", 0 },
  { "device-debug", "G", 0 }, { "generate-line-info", "lineinfo", 0 }, { "dopt", "dopt", 1 },
  { "Ofast-compile", "Ofc", 1 }, { "ptxas-options", "Xptxas", 1 }, { "maxrregcount", "maxrregcount", 1 },
  { "ftz", "ftz", 1 }, { "prec-sqrt", "prec-sqrt", 1 }, { "prec-div", "prec-div", 1 }, { "fmad", "fmad", 1 },
  { "use_fast_math", "use_fast_math", 0 }, { "extra-device-vectorization", "extra-device-vectorization", 0 },
  { "modify-stack-limit", "modify-stack-limit", 1 }, { "dlink-time-opt", "dlto", 0 },
  { "gen-opt-lto", "gen-opt-lto", 0 }, { "optix-ir", "optix-ir", 0 }, { "jump-table-density", "jtd", 1 },
  { "device-stack-protector", "device-stack-protector", 2 }, { "no-cache", "no-cache", 0 },
  { "frandom-seed", "frandom-seed", 1 }, { "define-macro", "D", 1 }, { "undefine-macro", "U", 1 },
  { "include-path", "I", 1 }, { "pre-include", "include", 1 }, { "no-source-include", "no-source-include", 0 },
  { "std", "std", 1 }, { "builtin-move-forward", "builtin-move-forward", 1 },
  { "builtin-initializer-list", "builtin-initializer-list", 1 }, { "pch", "pch", 0 },
  { "create-pch", "create-pch", 1 }, { "use-pch", "use-pch", 1 }, { "pch-dir", "pch-dir", 1 },
  { "pch-verbose", "pch-verbose", 1 }, { "pch-messages", "pch-messages", 1 },
  { "instantiate-templates-in-pch", "instantiate-templates-in-pch", 1 }, { "disable-warnings", "w", 0 },
  { "restrict", "restrict", 0 }, { "device-as-default-execution-space", "default-device", 0 },
  { "device-int128", "device-int128", 0 }, { "device-float128", "device-float128", 0 },
  { "optimization-info", "opt-info", 1 }, { "display-error-number", "err-no", 0 },
  { "no-display-error-number", "no-err-no", 0 }, { "diag-error", "diag-error", 1 },
  { "diag-suppress", "diag-suppress", 1 }, { "diag-warn", "diag-warn", 1 },
  { "brief-diagnostics", "brief-diag", 1 }, { "time", "time", 1 }, { "split-compile", "split-compile", 1 },
  { "fdevice-syntax-only", "fdevice-syntax-only", 0 }, { "minimal", "minimal", 0 },
  { "fdevice-time-trace", "fdevice-time-trace", 1 },
};

typedef struct {
  const td_option *option;
  const char *value; /* NULL when none */
} td_parsed_option;

/* Parses options[*i] (and options[*i + 1] for a separate argument).  Returns false with a
 * message in why when NVRTC would reject it. */
static bool
parse_option (int n, const char *const *options, int *i, td_parsed_option *out, char *why, size_t why_size)
{
  const char *o = options[*i];
  if (!o || o[0] != '-')
    {
      snprintf (why, why_size, "nvrtc: error: unrecognized option '%s'", o ? o : "(null)");
      return false;
    }
  bool is_long = o[1] == '-';
  const char *name = o + (is_long ? 2 : 1);
  for (size_t k = 0; k < sizeof td_options / sizeof td_options[0]; k++)
    {
      const td_option *t = &td_options[k];
      const char *want = is_long ? t->long_name : t->short_name;
      size_t len = strlen (want);
      if (strncmp (name, want, len) != 0)
        continue;
      const char *rest = name + len;
      bool single_char = !is_long && len == 1 && (want[0] == 'D' || want[0] == 'U' || want[0] == 'I');
      if (*rest == '\0')
        {
          if (t->arg == 1)
            {
              if (*i + 1 >= n || !options[*i + 1])
                {
                  snprintf (why, why_size, "nvrtc: error: option '%s' needs an argument", o);
                  return false;
                }
              out->option = t;
              out->value = options[++*i];
              return true;
            }
          out->option = t;
          out->value = NULL;
          return true;
        }
      if (*rest == '=' && t->arg != 0)
        {
          out->option = t;
          out->value = rest + 1;
          return true;
        }
      if (single_char)
        {
          while (*rest == ' ')
            rest++;
          out->option = t;
          out->value = rest;
          return true;
        }
    }
  snprintf (why, why_size, "nvrtc: error: unrecognized option '%s'", o);
  return false;
}

bool
td_parse_arch (const char *value, bool *virtual_arch, int *major, int *minor, bool *specific)
{
  static const int known[] = { 75, 80, 86, 87, 89, 90, 100, 101, 103, 120, 121 };
  const char *p;
  if (strncmp (value, "sm_", 3) == 0)
    {
      *virtual_arch = false;
      p = value + 3;
    }
  else if (strncmp (value, "compute_", 8) == 0)
    {
      *virtual_arch = true;
      p = value + 8;
    }
  else
    return false;
  char *end;
  long v = strtol (p, &end, 10);
  if (end == p)
    return false;
  bool ok = false;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    ok = ok || v == known[i];
  if (!ok)
    return false;
  *specific = false;
  if (*end == 'a' || *end == 'f')
    {
      if (v < 90 || (v == 90 && *end == 'f'))
        return false;
      *specific = *end == 'a';
      end++;
    }
  if (*end)
    return false;
  *major = (int) (v / 10);
  *minor = (int) (v % 10);
  return true;
}

/* ---- NVRTC -------------------------------------------------------------------------------- */

static const char *
nvrtc_error_string (nvrtcResult r)
{
  switch (r)
    {
    case NVRTC_SUCCESS: return "NVRTC_SUCCESS";
    case NVRTC_ERROR_OUT_OF_MEMORY: return "NVRTC_ERROR_OUT_OF_MEMORY";
    case NVRTC_ERROR_PROGRAM_CREATION_FAILURE: return "NVRTC_ERROR_PROGRAM_CREATION_FAILURE";
    case NVRTC_ERROR_INVALID_INPUT: return "NVRTC_ERROR_INVALID_INPUT";
    case NVRTC_ERROR_INVALID_PROGRAM: return "NVRTC_ERROR_INVALID_PROGRAM";
    case NVRTC_ERROR_INVALID_OPTION: return "NVRTC_ERROR_INVALID_OPTION";
    case NVRTC_ERROR_COMPILATION: return "NVRTC_ERROR_COMPILATION";
    case NVRTC_ERROR_BUILTIN_OPERATION_FAILURE: return "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE";
    case NVRTC_ERROR_INTERNAL_ERROR: return "NVRTC_ERROR_INTERNAL_ERROR";
    default: return "NVRTC_ERROR unknown";
    }
}

static nvrtcResult
td_nvrtcVersion (int *major, int *minor)
{
  CUresult fault;
  if (td_begin (TD_nvrtcVersion, &fault))
    return (nvrtcResult) fault;
  td_end ();
  if (!major || !minor)
    return NVRTC_ERROR_INVALID_INPUT;
  *major = 13;
  *minor = 0;
  return NVRTC_SUCCESS;
}

static const char *
td_nvrtcGetErrorString (nvrtcResult result)
{
  pthread_mutex_lock (&td_lock_mutex);
  td_g.calls[TD_nvrtcGetErrorString]++;
  pthread_mutex_unlock (&td_lock_mutex);
  return nvrtc_error_string (result);
}

static nvrtcResult
create_program_l (nvrtcProgram *prog, const char *src, const char *name, int num_headers)
{
  if (num_headers < 0)
    return NVRTC_ERROR_INVALID_INPUT;
  if (!prog)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!src)
    return NVRTC_ERROR_INVALID_INPUT;
  struct _nvrtcProgram *p = td_malloc (sizeof *p);
  p->source = td_strdup (src);
  p->name = td_strdup (name ? name : "default_program");
  p->log = td_strdup ("");
  p->next = td_g.programs;
  td_g.programs = p;
  *prog = p;
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcCreateProgram (nvrtcProgram *prog, const char *src, const char *name, int num_headers,
                       const char *const *headers, const char *const *include_names)
{
  (void) headers;
  (void) include_names;
  TD_NVRTC_CALL (nvrtcCreateProgram, create_program_l (prog, src, name, num_headers));
}

typedef struct {
  char *buf;
  size_t len, cap;
} td_buf;

static void
buf_add (td_buf *b, const void *data, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      size_t cap = b->cap ? b->cap : 256;
      while (b->len + n + 1 > cap)
        cap *= 2;
      char *p = realloc (b->buf, cap);
      if (!p)
        td_oom ();
      b->buf = p;
      b->cap = cap;
    }
  memcpy (b->buf + b->len, data, n);
  b->len += n;
  b->buf[b->len] = '\0';
}

static void
buf_printf (td_buf *b, const char *fmt, ...)
{
  char tmp[4096];
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (tmp, sizeof tmp, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  if ((size_t) n < sizeof tmp)
    {
      buf_add (b, tmp, (size_t) n);
      return;
    }
  char *big = td_malloc ((size_t) n + 1);
  va_start (ap, fmt);
  vsnprintf (big, (size_t) n + 1, fmt, ap);
  va_end (ap);
  buf_add (b, big, (size_t) n);
  free (big);
}

/* The fake cubin:
 *   FLFAKECUBIN
 *   size <10 digits: the whole image in bytes>
 *   check <16 hex: FNV-1a of everything after this line>
 *   arch sm_<NN>[a]
 *   source-hash <16 hex>
 *   option <each compile option, one per line>
 *   kernel <name> <parameter count>
 *   nul <a NUL byte, as real cubins have>
 *   end                                                                                       */
static void
build_cubin (struct _nvrtcProgram *p, const char *arch, int n_options, const char *const *options,
             const td_kernel *kernels, unsigned n_kernels)
{
  td_buf body = { 0 };
  buf_printf (&body, "arch %s\n", arch);
  buf_printf (&body, "source-hash %016" PRIx64 "\n", td_fnv (TD_FNV_SEED, p->source, strlen (p->source)));
  for (int i = 0; i < n_options; i++)
    buf_printf (&body, "option %s\n", options[i]);
  for (unsigned i = 0; i < n_kernels; i++)
    buf_printf (&body, "kernel %s %d\n", kernels[i].name, kernels[i].n_params);
  buf_add (&body, "nul ", 4);
  buf_add (&body, "\0\n", 2);
  buf_add (&body, "end\n", 4);

  size_t head_len = strlen (TD_CUBIN_MAGIC) + strlen ("size 0000000000\n") + strlen ("check 0000000000000000\n");
  td_buf out = { 0 };
  buf_add (&out, TD_CUBIN_MAGIC, strlen (TD_CUBIN_MAGIC));
  buf_printf (&out, "size %010zu\n", head_len + body.len);
  buf_printf (&out, "check %016" PRIx64 "\n", td_fnv (TD_FNV_SEED, body.buf, body.len));
  buf_add (&out, body.buf, body.len);
  free (body.buf);
  p->cubin = out.buf;
  p->cubin_size = out.len;
}

static nvrtcResult
compile_program_l (nvrtcProgram prog, int num_options, const char *const *options)
{
  struct _nvrtcProgram *p = td_program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (num_options < 0 || (num_options > 0 && !options))
    return NVRTC_ERROR_INVALID_INPUT;

  td_g.compiles++;
  td_buf opts = { 0 };
  for (int i = 0; i < num_options; i++)
    buf_printf (&opts, "%s\n", options[i] ? options[i] : "(null)");
  free (td_g.last_options);
  td_g.last_options = opts.buf ? opts.buf : td_strdup ("");
  free (td_g.last_name);
  td_g.last_name = td_strdup (p->name);

  free (p->log);
  p->log = NULL;
  free (p->cubin);
  p->cubin = NULL;
  p->cubin_size = 0;
  p->compiled = false;

  char why[512];
  const char *arch = "compute_75"; /* NVRTC's default */
  bool virtual_arch = true, specific = false;
  int major = 7, minor = 5;
  for (int i = 0; i < num_options; i++)
    {
      td_parsed_option po;
      if (!parse_option (num_options, options, &i, &po, why, sizeof why))
        {
          p->log = td_strdup (why);
          return NVRTC_ERROR_INVALID_OPTION;
        }
      if (strcmp (po.option->long_name, "gpu-architecture") == 0)
        {
          if (!td_parse_arch (po.value, &virtual_arch, &major, &minor, &specific))
            {
              snprintf (why, sizeof why, "nvrtc: error: invalid value '%s' for option --gpu-architecture (-arch)",
                        po.value);
              p->log = td_strdup (why);
              return NVRTC_ERROR_INVALID_OPTION;
            }
          arch = po.value;
        }
    }

  char *code = source_code_only (p->source);
  const char *marker = find_word (code, "FL_TEST_COMPILE_ERROR");
  if (marker)
    {
      int line = 1;
      for (const char *c = code; c < marker; c++)
        line += *c == '\n';
      td_buf log = { 0 };
      buf_printf (&log,
                  "%s(%d): error: identifier \"FL_TEST_COMPILE_ERROR\" is undefined\n\n"
                  "1 error detected in the compilation of \"%s\".\n",
                  p->name, line, p->name);
      p->log = log.buf;
      free (code);
      return NVRTC_ERROR_COMPILATION;
    }

  td_kernel *kernels;
  unsigned n_kernels;
  scan_kernels (code, &kernels, &n_kernels);
  if (!virtual_arch)
    build_cubin (p, arch, num_options, options, kernels, n_kernels);
  for (unsigned i = 0; i < n_kernels; i++)
    free (kernels[i].name);
  free (kernels);
  free (code);
  p->log = td_strdup ("");
  p->compiled = true;
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcCompileProgram (nvrtcProgram prog, int num_options, const char *const *options)
{
  TD_NVRTC_CALL (nvrtcCompileProgram, compile_program_l (prog, num_options, options));
}

static nvrtcResult
log_size_l (nvrtcProgram prog, size_t *size)
{
  struct _nvrtcProgram *p = td_program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!size)
    return NVRTC_ERROR_INVALID_INPUT;
  *size = (p->log ? strlen (p->log) : 0) + 1;
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcGetProgramLogSize (nvrtcProgram prog, size_t *size)
{
  TD_NVRTC_CALL (nvrtcGetProgramLogSize, log_size_l (prog, size));
}

static nvrtcResult
log_l (nvrtcProgram prog, char *log)
{
  struct _nvrtcProgram *p = td_program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!log)
    return NVRTC_ERROR_INVALID_INPUT;
  strcpy (log, p->log ? p->log : "");
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcGetProgramLog (nvrtcProgram prog, char *log)
{
  TD_NVRTC_CALL (nvrtcGetProgramLog, log_l (prog, log));
}

static nvrtcResult
cubin_size_l (nvrtcProgram prog, size_t *size)
{
  struct _nvrtcProgram *p = td_program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!size)
    return NVRTC_ERROR_INVALID_INPUT;
  if (!p->compiled)
    return NVRTC_ERROR_INVALID_PROGRAM;
  *size = p->cubin_size; /* 0 for a virtual arch, as NVRTC documents */
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcGetCUBINSize (nvrtcProgram prog, size_t *size)
{
  TD_NVRTC_CALL (nvrtcGetCUBINSize, cubin_size_l (prog, size));
}

static nvrtcResult
cubin_l (nvrtcProgram prog, char *cubin)
{
  struct _nvrtcProgram *p = td_program_find_l (prog);
  if (!p)
    return NVRTC_ERROR_INVALID_PROGRAM;
  if (!cubin || !p->compiled || !p->cubin)
    return NVRTC_ERROR_INVALID_INPUT;
  memcpy (cubin, p->cubin, p->cubin_size);
  return NVRTC_SUCCESS;
}

static nvrtcResult
td_nvrtcGetCUBIN (nvrtcProgram prog, char *cubin)
{
  TD_NVRTC_CALL (nvrtcGetCUBIN, cubin_l (prog, cubin));
}

static nvrtcResult
destroy_program_l (nvrtcProgram *prog)
{
  if (!prog)
    return NVRTC_ERROR_INVALID_PROGRAM;
  for (struct _nvrtcProgram **pp = &td_g.programs; *pp; pp = &(*pp)->next)
    if (*pp == *prog)
      {
        struct _nvrtcProgram *p = *pp;
        *pp = p->next;
        td_program_free (p);
        *prog = NULL;
        return NVRTC_SUCCESS;
      }
  return NVRTC_ERROR_INVALID_PROGRAM;
}

static nvrtcResult
td_nvrtcDestroyProgram (nvrtcProgram *prog)
{
  TD_NVRTC_CALL (nvrtcDestroyProgram, destroy_program_l (prog));
}

void
td_nvrtc_entries (fl_nvrtc *n)
{
  n->nvrtcVersion = td_nvrtcVersion;
  n->nvrtcGetErrorString = td_nvrtcGetErrorString;
  n->nvrtcCreateProgram = td_nvrtcCreateProgram;
  n->nvrtcCompileProgram = td_nvrtcCompileProgram;
  n->nvrtcGetProgramLogSize = td_nvrtcGetProgramLogSize;
  n->nvrtcGetProgramLog = td_nvrtcGetProgramLog;
  n->nvrtcGetCUBINSize = td_nvrtcGetCUBINSize;
  n->nvrtcGetCUBIN = td_nvrtcGetCUBIN;
  n->nvrtcDestroyProgram = td_nvrtcDestroyProgram;
}
