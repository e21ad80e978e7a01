/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver-module.c — the driver test double's modules and kernel launches.
 *
 * cuModuleLoadData parses the fake cubin (rejecting anything else, a cubin for another arch and
 * a corrupted one as the driver does) and keeps what it says, specialization defines included,
 * after unload.  cuLaunchKernel validates like the driver, then runs entry "add" on the CPU
 * exactly as the built-in add<N> kernel is specialized, counts arguments that contradict the
 * binary's specialization, and logs every launch; a launch on a capturing stream is recorded
 * into its graph instead.  TEST-ONLY (see fl-test-driver.h).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl-test-driver-private.h"

/* ---- modules ------------------------------------------------------------------------------ */

/* Compares a prefix byte by byte, never reading past the first difference. */
static bool
image_has_prefix (const char *image, const char *prefix)
{
  for (size_t i = 0; prefix[i]; i++)
    if (image[i] != prefix[i])
      return false;
  return true;
}

static bool
parse_hex16 (const char *p, uint64_t *out)
{
  uint64_t v = 0;
  for (int i = 0; i < 16; i++)
    {
      char c = p[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0)
        return false;
      v = v << 4 | (uint64_t) d;
    }
  *out = v;
  return true;
}

static void
binary_add_define (td_binary *b, const char *def)
{
  const char *eq = strchr (def, '=');
  b->defines = realloc (b->defines, (b->n_defines + 1) * sizeof *b->defines);
  if (!b->defines)
    td_oom ();
  td_define *d = &b->defines[b->n_defines++];
  d->name = eq ? td_strndup (def, (size_t) (eq - def)) : td_strdup (def);
  d->value = td_strdup (eq ? eq + 1 : "1");
}

static const char *
binary_define (const td_binary *b, const char *name)
{
  const char *value = NULL; /* the last definition wins, as with the preprocessor */
  for (unsigned i = 0; i < b->n_defines; i++)
    if (strcmp (b->defines[i].name, name) == 0)
      value = b->defines[i].value;
  return value;
}

bool
td_binary_define_int (const td_binary *b, const char *name, int64_t *value)
{
  const char *v = binary_define (b, name);
  if (!v)
    return false;
  char *end;
  long long x = strtoll (v, &end, 0);
  if (end == v || *end)
    return false;
  *value = x;
  return true;
}

/* Parses a fake cubin; NULL when the driver would reject it. */
static td_binary *
parse_cubin (const char *image)
{
  size_t magic_len = strlen (TD_CUBIN_MAGIC);
  if (!image_has_prefix (image, TD_CUBIN_MAGIC) || !image_has_prefix (image + magic_len, "size "))
    return NULL;
  const char *p = image + magic_len + 5;
  size_t size = 0;
  for (int i = 0; i < 10; i++)
    {
      if (p[i] < '0' || p[i] > '9')
        return NULL;
      size = size * 10 + (size_t) (p[i] - '0');
    }
  p += 10;
  if (!image_has_prefix (p, "\ncheck "))
    return NULL;
  p += 7;
  uint64_t check;
  if (!parse_hex16 (p, &check) || p[16] != '\n')
    return NULL;
  p += 17;
  size_t head = (size_t) (p - image);
  if (size < head + 4)
    return NULL;
  const char *end = image + size;
  if (td_fnv (TD_FNV_SEED, p, (size_t) (end - p)) != check || memcmp (end - 4, "end\n", 4) != 0)
    return NULL;

  td_binary *b = td_malloc (sizeof *b);
  bool have_arch = false, have_hash = false, ok = true;
  while (ok && p < end)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      if (!nl)
        {
          ok = false;
          break;
        }
      size_t len = (size_t) (nl - p);
      char *line = td_strndup (p, len);
      if (len == 3 && strcmp (line, "end") == 0)
        {
          free (line);
          p = nl + 1;
          ok = p == end;
          break;
        }
      if (len == 5 && memcmp (p, "nul \0", 5) == 0)
        ;
      else if (strncmp (line, "arch sm_", 8) == 0)
        {
          bool virt, specific;
          ok = td_parse_arch (line + 5, &virt, &b->arch_major, &b->arch_minor, &specific) && !virt;
          b->arch_specific = specific;
          have_arch = true;
        }
      else if (strncmp (line, "source-hash ", 12) == 0)
        ok = have_hash = parse_hex16 (line + 12, &b->source_hash);
      else if (strncmp (line, "option ", 7) == 0)
        {
          b->options = realloc (b->options, (b->n_options + 1) * sizeof *b->options);
          if (!b->options)
            td_oom ();
          b->options[b->n_options++] = td_strdup (line + 7);
        }
      else if (strncmp (line, "kernel ", 7) == 0)
        {
          char *sp = strrchr (line + 7, ' ');
          if (!sp)
            ok = false;
          else
            {
              b->kernels = realloc (b->kernels, (b->n_kernels + 1) * sizeof *b->kernels);
              if (!b->kernels)
                td_oom ();
              b->kernels[b->n_kernels].name = td_strndup (line + 7, (size_t) (sp - (line + 7)));
              b->kernels[b->n_kernels].n_params = atoi (sp + 1);
              b->n_kernels++;
            }
        }
      else
        ok = false;
      free (line);
      p = nl + 1;
    }
  if (!ok || !have_arch || !have_hash)
    {
      td_binary_free (b);
      return NULL;
    }

  /* The defines, in NVRTC's three spellings: -DX=1, -D X=1 (one string), --define-macro=X=1,
   * and the two-string forms -D / --define-macro followed by the definition. */
  for (unsigned i = 0; i < b->n_options; i++)
    {
      const char *o = b->options[i];
      const char *def = NULL;
      if (strncmp (o, "--define-macro", 14) == 0)
        def = o[14] == '=' ? o + 15 : o[14] == '\0' && i + 1 < b->n_options ? b->options[++i] : NULL;
      else if (strncmp (o, "-D", 2) == 0)
        {
          def = o + 2;
          if (*def == '=')
            def++;
          while (*def == ' ')
            def++;
          if (*def == '\0')
            def = i + 1 < b->n_options ? b->options[++i] : NULL;
        }
      if (def && *def)
        binary_add_define (b, def);
    }

  for (unsigned i = 0; i < FL_MAX_ARGS; i++)
    {
      static const char *const prefixes[4] = { "FL_CONSTEXPR_ARG", "FL_ALIGN16_ARG", "FL_ONE_ARG", "FL_DIV16_ARG" };
      int8_t *fields[4] = { &b->spec[i].constexpr_, &b->spec[i].align16, &b->spec[i].one, &b->spec[i].div16 };
      for (int k = 0; k < 4; k++)
        {
          char name[64];
          int64_t v;
          snprintf (name, sizeof name, "%s%u", prefixes[k], i);
          *fields[k] = td_binary_define_int (b, name, &v) ? (int8_t) (v != 0) : binary_define (b, name) ? 1 : -1;
        }
    }
  int64_t v;
  b->all_aligned = td_binary_define_int (b, "FL_ALL_ALIGNED", &v) && v != 0;
  /* The built-in add kernel's parameter count follows FL_NPTRS. */
  if (td_binary_define_int (b, "FL_NPTRS", &v) && v > 0 && v < FL_MAX_ARGS)
    {
      b->nptrs = v;
      for (unsigned i = 0; i < b->n_kernels; i++)
        if (strcmp (b->kernels[i].name, "add") == 0)
          b->kernels[i].n_params = (int) v + 1;
    }
  return b;
}

static CUresult
module_load_l (CUmodule *module, const void *image)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (!module || !image)
    return CUDA_ERROR_INVALID_VALUE;
  td_binary *b = parse_cubin (image);
  if (!b)
    return CUDA_ERROR_INVALID_IMAGE;
  const td_device *d = &td_g.devices[c->device];
  if (b->arch_major != d->major || b->arch_minor > d->minor || (b->arch_specific && b->arch_minor != d->minor))
    {
      td_binary_free (b);
      return CUDA_ERROR_NO_BINARY_FOR_GPU;
    }
  b->id = ++td_g.next_binary_id;
  b->next = td_g.binaries;
  td_g.binaries = b;
  struct CUmod_st *m = td_malloc (sizeof *m);
  m->ctx = c;
  m->binary = b;
  m->loaded = true;
  m->next = td_g.modules;
  td_g.modules = m;
  td_g.module_loads++;
  *module = m;
  return CUDA_SUCCESS;
}

static CUresult
td_cuModuleLoadData (CUmodule *module, const void *image)
{
  TD_CALL (cuModuleLoadData, module_load_l (module, image));
}

static CUresult
module_unload_l (CUmodule module)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  struct CUmod_st *m = td_module_find_l (module);
  if (!m)
    return CUDA_ERROR_INVALID_HANDLE;
  td_module_mark_unloaded (m);
  td_g.module_unloads++;
  return CUDA_SUCCESS;
}

static CUresult
td_cuModuleUnload (CUmodule module)
{
  TD_CALL (cuModuleUnload, module_unload_l (module));
}

static CUresult
module_get_function_l (CUfunction *hfunc, CUmodule hmod, const char *name)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!hfunc || !name)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUmod_st *m = td_module_find_l (hmod);
  if (!m)
    return CUDA_ERROR_INVALID_HANDLE;
  for (struct CUfunc_st *f = m->functions; f; f = f->next)
    if (strcmp (f->kernel->name, name) == 0)
      {
        *hfunc = f;
        return CUDA_SUCCESS;
      }
  for (unsigned i = 0; i < m->binary->n_kernels; i++)
    if (strcmp (m->binary->kernels[i].name, name) == 0)
      {
        struct CUfunc_st *f = td_malloc (sizeof *f);
        f->module = m;
        f->kernel = &m->binary->kernels[i];
        f->next = m->functions;
        m->functions = f;
        *hfunc = f;
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_NOT_FOUND;
}

static CUresult
td_cuModuleGetFunction (CUfunction *hfunc, CUmodule hmod, const char *name)
{
  TD_CALL (cuModuleGetFunction, module_get_function_l (hfunc, hmod, name));
}

/* ---- kernel execution --------------------------------------------------------------------- */

static int
int_class (int64_t v)
{
  return v == 1 ? 1 : v % 16 == 0 ? 2 : 0;
}

/* Counts arguments that contradict the binary's specialization defines.  Signature index i
 * maps to parameter i minus the constexpr slots before it (constexprs are compiled in). */
static void
check_specialization_l (const td_binary *b, const td_launch_args *a)
{
  unsigned param = 0;
  for (unsigned i = 0; i < FL_MAX_ARGS && param < a->n_words; i++)
    {
      if (b->spec[i].constexpr_ >= 0)
        continue;
      uint64_t word = a->words[param++];
      if (b->spec[i].align16 >= 0 && (b->spec[i].align16 != 0) != ((word & 15) == 0))
        td_g.violations++;
      if (b->spec[i].one >= 0 || b->spec[i].div16 >= 0)
        {
          int compiled = b->spec[i].one > 0 ? 1 : b->spec[i].div16 > 0 ? 2 : 0;
          if (compiled != int_class ((int32_t) (uint32_t) word))
            td_g.violations++;
        }
    }
}

/* out[j] = in_1[j] + ... + in_{N-1}[j], specialized as the real add<N> kernel is. */
static CUresult
run_add_l (const td_binary *b, const td_launch_args *a)
{
  int64_t nptrs = b->nptrs > 0 ? b->nptrs : (int64_t) a->n_words - 1;
  if (nptrs < 1 || nptrs >= FL_MAX_ARGS || (uint64_t) nptrs + 1 > a->n_words)
    return CUDA_ERROR_LAUNCH_FAILED;
  unsigned np = (unsigned) nptrs;
  if (b->all_aligned)
    for (unsigned k = 0; k < np; k++)
      if (a->words[k] & 15)
        {
          td_g.misaligned++;
          return CUDA_ERROR_MISALIGNED_ADDRESS; /* a float4 load on an unaligned address */
        }
  int32_t n = (int32_t) (uint32_t) a->words[np];
  int64_t count = n;
  if (b->spec[np].one > 0)
    count = 1;          /* n folded to the constant 1 */
  else if (b->spec[np].div16 > 0)
    count = n & ~15;    /* no tail loop */
  if (count <= 0)
    return CUDA_SUCCESS;
  for (unsigned k = 0; k < np; k++)
    if (!td_alloc_find_l ((uintptr_t) a->words[k], (size_t) count * sizeof (float)))
      {
        td_g.illegal++;
        return CUDA_ERROR_ILLEGAL_ADDRESS;
      }
  for (int64_t j = 0; j < count; j++)
    {
      float s = 0.0f;
      for (unsigned k = 1; k < np; k++)
        {
          float x;
          memcpy (&x, (const char *) (uintptr_t) a->words[k] + j * 4, sizeof x);
          s += x;
        }
      memcpy ((char *) (uintptr_t) a->words[0] + j * 4, &s, sizeof s);
    }
  return CUDA_SUCCESS;
}

static void
log_launch_l (const td_launch_args *a, CUstream stream, bool captured, bool from_graph, CUresult result)
{
  fl_test_launch *e = &td_g.log[td_g.launch_count % TD_LOG_SIZE];
  memset (e, 0, sizeof *e);
  e->index = td_g.launch_count++;
  e->function = a->function;
  snprintf (e->entry, sizeof e->entry, "%s", a->function->kernel->name);
  e->binary_id = a->function->module->binary->id;
  e->context = a->function->module->ctx;
  memcpy (e->grid, a->grid, sizeof e->grid);
  memcpy (e->block, a->block, sizeof e->block);
  e->shared_mem_bytes = a->shmem;
  e->stream = stream;
  e->n_params = a->n_words;
  for (unsigned i = 0; i < a->n_words && i < FL_TEST_DRIVER_LOG_PARAMS; i++)
    e->params[i] = a->words[i];
  e->captured = captured;
  e->from_graph = from_graph;
  e->result = result;
}

CUresult
td_execute_l (const td_launch_args *a, CUstream stream, bool from_graph)
{
  const td_binary *b = a->function->module->binary;
  check_specialization_l (b, a);
  CUresult r = CUDA_SUCCESS;
  if (strcmp (a->function->kernel->name, "add") == 0)
    r = run_add_l (b, a);
  log_launch_l (a, stream, false, from_graph, r);
  if (r != CUDA_SUCCESS)
    a->function->module->ctx->sticky = r;
  return r;
}

static CUresult
launch_kernel_l (CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                 unsigned shmem, CUstream hstream, void **params, void **extra)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  struct CUfunc_st *fn = td_function_find_l (f);
  if (!fn)
    return CUDA_ERROR_INVALID_HANDLE;
  if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gy > 65535 || gz > 65535 || bx > 1024
      || by > 1024 || bz > 64 || (uint64_t) bx * by * bz > 1024 || shmem > 49152)
    return CUDA_ERROR_INVALID_VALUE;
  if (params && extra)
    return CUDA_ERROR_INVALID_VALUE;
  int n_params = fn->kernel->n_params;
  if (n_params > 0 && !params && !extra)
    return CUDA_ERROR_INVALID_VALUE;
  if (fn->module->ctx != c)
    {
      td_g.cross_ctx++;
      return CUDA_ERROR_INVALID_HANDLE;
    }
  struct CUstream_st *s = NULL;
  if (hstream && hstream != CU_STREAM_LEGACY && hstream != CU_STREAM_PER_THREAD)
    {
      s = td_stream_find_l (hstream);
      if (!s || s->ctx != c)
        return CUDA_ERROR_INVALID_HANDLE;
    }

  td_launch_args a = { .function = fn, .grid = { gx, gy, gz }, .block = { bx, by, bz }, .shmem = shmem };
  a.n_words = n_params > 0 && params ? (unsigned) (n_params < TD_MAX_PARAMS ? n_params : TD_MAX_PARAMS) : 0;
  for (unsigned i = 0; i < a.n_words; i++)
    {
      if (!params[i])
        return CUDA_ERROR_INVALID_VALUE;
      memcpy (&a.words[i], params[i], sizeof (uint64_t)); /* the engine gives every slot 8 bytes */
    }

  if (s && s->capture == TD_CAPTURE_INVALIDATED)
    return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
  if (s && s->capture == TD_CAPTURE_ACTIVE)
    {
      struct CUgraph_st *gr = s->pending;
      if (gr->n_nodes == gr->cap)
        {
          gr->cap = gr->cap ? gr->cap * 2 : 8;
          gr->nodes = realloc (gr->nodes, gr->cap * sizeof *gr->nodes);
          if (!gr->nodes)
            td_oom ();
        }
      struct CUgraphNode_st *node = td_malloc (sizeof *node);
      node->args = a; /* the graph keeps the parameter values of capture time */
      gr->nodes[gr->n_nodes++] = node;
      log_launch_l (&a, hstream, true, false, CUDA_SUCCESS);
      return CUDA_SUCCESS;
    }
  if (td_stream_is_legacy (hstream) && (r = td_capture_check_legacy_l (c)) != CUDA_SUCCESS)
    return r;
  return td_execute_l (&a, hstream, false);
}

static CUresult
td_cuLaunchKernel (CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                   unsigned int bz, unsigned int shmem, CUstream stream, void **params, void **extra)
{
  TD_CALL (cuLaunchKernel, launch_kernel_l (f, gx, gy, gz, bx, by, bz, shmem, stream, params, extra));
}

void
td_module_entries (fl_driver *d)
{
  d->cuModuleLoadData = td_cuModuleLoadData;
  d->cuModuleUnload = td_cuModuleUnload;
  d->cuModuleGetFunction = td_cuModuleGetFunction;
  d->cuLaunchKernel = td_cuLaunchKernel;
}
