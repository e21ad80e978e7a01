/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-workloads.c — built-in kernels: add<N> and empty.
 *
 * add<N>'s body uses exactly the specialization the key promises: float4 loads only when every
 * pointer is 16-byte aligned (FL_ALL_ALIGNED), no tail loop when the count is a multiple of 16
 * (FL_DIV16_ARG<n>), a folded count of 1 when it is one (FL_ONE_ARG<n>).  Reusing one spec's
 * binary for another is therefore a real fault or a wrong answer, which is why the key has them.
 *
 * fl_workload_setup turns a kernel into something launchable: bound, with its buffers and
 * arguments, the one way every command, the live session and the benchmarks do it.
 */
#include <stdlib.h>
#include <string.h>

#include "fl-private.h"

typedef struct {
  char *buf;
  size_t len, cap;
  bool failed;
} fl__sbuf;

static void fl__sb_printf (fl__sbuf *sb, const char *fmt, ...) FL_PRINTF (2, 3);

#include <stdarg.h>
static void
fl__sb_printf (fl__sbuf *sb, const char *fmt, ...)
{
  if (sb->failed)
    return;
  for (;;)
    {
      va_list ap;
      va_start (ap, fmt);
      int n = vsnprintf (sb->buf ? sb->buf + sb->len : NULL, sb->buf ? sb->cap - sb->len : 0, fmt, ap);
      va_end (ap);
      if (n < 0)
        {
          sb->failed = true;
          return;
        }
      if (sb->buf && sb->len + (size_t) n < sb->cap)
        {
          sb->len += (size_t) n;
          return;
        }
      size_t cap = (sb->cap ? sb->cap * 2 : 4096) + (size_t) n;
      char *nb = realloc (sb->buf, cap);
      if (!nb)
        {
          sb->failed = true;
          return;
        }
      sb->buf = nb;
      sb->cap = cap;
    }
}

fl_status
fl_workload_add_kernel (unsigned n_ptrs, fl_kernel **out)
{
  return fl_workload_add_kernel_with_globals (n_ptrs, NULL, 0, out);
}

fl_status
fl_workload_add_kernel_with_globals (unsigned n_ptrs, const char *const *globals, unsigned n_globals, fl_kernel **out)
{
  if (out)
    *out = NULL;
  if (!out || n_ptrs < 2 || n_ptrs > 32)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "add<N>: N must be between 2 and 32 (got %u)", n_ptrs);
  const unsigned n_idx = n_ptrs; /* the count's argument index */
  fl__sbuf src = { 0 }, sig = { 0 };

  fl__sb_printf (&src, "// add%u: out = the sum of %u input%s (built-in Launchscope workload)\n", n_ptrs, n_ptrs - 1, n_ptrs == 2 ? "" : "s");
  fl__sb_printf (&src, "extern \"C\" __global__ void add(float *__restrict__ out");
  for (unsigned i = 1; i < n_ptrs; i++)
    fl__sb_printf (&src, ", const float *__restrict__ in%u", i);
  fl__sb_printf (&src, ", int n)\n{\n");
  fl__sb_printf (&src,
                 "#if FL_ONE_ARG%u\n  const int count = 1;          /* folded: the key promised n == 1 */\n"
                 "#elif FL_DIV16_ARG%u\n  const int count = n & ~15;    /* the key promised n %% 16 == 0 */\n"
                 "#else\n  const int count = n;\n#endif\n",
                 n_idx, n_idx);
  fl__sb_printf (&src, "  const int stride = gridDim.x * blockDim.x;\n"
                       "  const int tid = blockIdx.x * blockDim.x + threadIdx.x;\n");
  fl__sb_printf (&src, "#if FL_ALL_ALIGNED\n  /* 16-byte vector loads: only valid because every pointer is aligned */\n"
                       "  const int n4 = count / 4;\n  for (int i = tid; i < n4; i += stride) {\n"
                       "    float4 acc = reinterpret_cast<const float4 *>(in1)[i];\n");
  for (unsigned i = 2; i < n_ptrs; i++)
    fl__sb_printf (&src,
                   "    { const float4 v = reinterpret_cast<const float4 *>(in%u)[i];"
                   " acc.x += v.x; acc.y += v.y; acc.z += v.z; acc.w += v.w; }\n",
                   i);
  fl__sb_printf (&src, "    reinterpret_cast<float4 *>(out)[i] = acc;\n  }\n");
  fl__sb_printf (&src, "#if !FL_DIV16_ARG%u\n  for (int i = n4 * 4 + tid; i < count; i += stride) {\n    float acc = in1[i];\n",
                 n_idx);
  for (unsigned i = 2; i < n_ptrs; i++)
    fl__sb_printf (&src, "    acc += in%u[i];\n", i);
  fl__sb_printf (&src, "    out[i] = acc;\n  }\n#endif\n#else\n  for (int i = tid; i < count; i += stride) {\n"
                       "    float acc = in1[i];\n");
  for (unsigned i = 2; i < n_ptrs; i++)
    fl__sb_printf (&src, "    acc += in%u[i];\n", i);
  fl__sb_printf (&src, "    out[i] = acc;\n  }\n#endif\n}\n");

  for (unsigned i = 0; i < n_ptrs; i++)
    fl__sb_printf (&sig, "*fp32, ");
  fl__sb_printf (&sig, "i32");

  char name[32];
  snprintf (name, sizeof name, "add%u", n_ptrs);
  fl_status st;
  if (src.failed || sig.failed)
    st = fl__fail (FL_ERR_NO_MEMORY, "out of memory generating %s", name);
  else
    {
      fl_kernel_desc desc = { .name = name, .source = src.buf, .entry = "add", .signature = sig.buf,
                              .globals = globals, .n_globals = n_globals };
      st = fl_kernel_new (&desc, out);
    }
  free (src.buf);
  free (sig.buf);
  return st;
}

fl_status
fl_workload_empty_kernel (fl_kernel **out)
{
  fl_kernel_desc desc = {
    .name = "empty",
    .source = "// empty: launch cost only (built-in Launchscope workload)\n"
              "extern \"C\" __global__ void empty(int n) { (void) n; }\n",
    .entry = "empty",
    .signature = "i32",
  };
  return fl_kernel_new (&desc, out);
}

float
fl_workload_input (unsigned arg, size_t element)
{
  return (float) ((element * 3 + (size_t) arg * 7) % 29);
}

static size_t
fl__workload_elem_size (fl_type t)
{
  switch (t)
    {
    case FL_TYPE_PTR_I8: case FL_TYPE_PTR_U8: return 1;
    case FL_TYPE_PTR_I16: case FL_TYPE_PTR_U16: case FL_TYPE_PTR_FP16: case FL_TYPE_PTR_BF16: return 2;
    case FL_TYPE_PTR_I64: case FL_TYPE_PTR_U64: case FL_TYPE_PTR_FP64: return 8;
    default: return 4;
    }
}

/* Prefixes the failure's message with the workload's name, keeping its status. */
static fl_status
fl__workload_fail (fl_workload *w, const char *name, fl_status st)
{
  char why[1024];
  snprintf (why, sizeof why, "%s", fl_last_error ());
  fl_workload_free (w);
  return fl__fail (st, "%s: %s", name, why);
}

fl_status
fl_workload_setup (const fl_workload_options *o, fl_workload *out)
{
  if (!out)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_workload_setup: out is NULL");
  memset (out, 0, sizeof *out);
  if (!o || o->n <= 0)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_workload_setup: the element count must be positive (got %ld)",
                     o ? o->n : 0);
  fl_status st = fl__require_driver ();
  if (st != FL_OK)
    return st;

  fl_kernel *kernel = o->kernel, *created = NULL;
  char name[64];
  if (kernel)
    snprintf (name, sizeof name, "%s", fl_kernel_name (kernel));
  else
    {
      if (o->n_ptrs)
        snprintf (name, sizeof name, "add%u", o->n_ptrs);
      else
        snprintf (name, sizeof name, "empty");
      st = o->n_ptrs ? fl_workload_add_kernel_with_globals (o->n_ptrs, o->globals, o->n_globals, &created)
                     : fl_workload_empty_kernel (&created);
      if (st != FL_OK)
        return fl__workload_fail (out, name, st);
      kernel = created;
    }
  fl_config config = { .num_warps = o->num_warps ? o->num_warps : 4 };
  st = fl_bound_kernel_new (kernel, &config, &out->bound);
  fl_kernel_free (created); /* the bound kernel holds its own reference */
  if (st != FL_OK)
    {
      char why[1024];
      snprintf (why, sizeof why, "%s", fl_last_error ());
      fl__fail (st, "binding: %s", why);
      return fl__workload_fail (out, name, st);
    }

  const fl_signature *sig = fl_kernel_signature (fl_bound_kernel_kernel (out->bound));
  const size_t elements = (size_t) o->n + o->spare;
  float *host = NULL;
  out->n = o->n;
  out->n_args = sig->n_args;
  for (unsigned i = 0; i < sig->n_args; i++)
    {
      fl_type t = sig->types[i];
      if (t > FL_TYPE_PTR_LAST)
        {
          if (t == FL_TYPE_I1 || t == FL_TYPE_CONSTEXPR)
            out->args[i] = FL_INT (1);
          else if (t >= FL_TYPE_I8 && t <= FL_TYPE_U64)
            out->args[i] = FL_INT (o->n);
          else if (t == FL_TYPE_FP64)
            out->args[i] = FL_F64 (1.0);
          else
            out->args[i] = FL_F32 (1.0f);
          continue;
        }
      const size_t bytes = elements * fl__workload_elem_size (t);
      CUresult r = fl__drv.cuMemAlloc (&out->bufs[i], bytes);
      if (r != CUDA_SUCCESS)
        {
          out->bufs[i] = 0;
          free (host);
          return fl__workload_fail (out, name,
                                    fl__fail_cuda (r, "allocating %zu bytes for argument %u", bytes, i));
        }
      out->buf_bytes[i] = bytes;
      out->args[i] = FL_PTR (out->bufs[i]);
      const char *filling = "cuMemsetD8";
      if (t == FL_TYPE_PTR_FP32 && i > 0)
        {
          if (!host && !(host = malloc (elements * sizeof (float))))
            return fl__workload_fail (out, name,
                                      fl__fail (FL_ERR_NO_MEMORY, "allocating %zu bytes of host memory to fill argument %u",
                                                elements * sizeof (float), i));
          for (size_t e = 0; e < elements; e++)
            host[e] = fl_workload_input (i, e);
          filling = "cuMemcpyHtoD";
          r = fl__drv.cuMemcpyHtoD (out->bufs[i], host, bytes);
        }
      else
        r = fl__drv.cuMemsetD8 (out->bufs[i], 0, bytes);
      if (r != CUDA_SUCCESS)
        {
          free (host);
          return fl__workload_fail (out, name, fl__fail_cuda (r, "filling argument %u's buffer (%s)", i, filling));
        }
    }
  free (host);
  out->grid = (fl_grid){ (unsigned) ((o->n + 511) / 512), 1, 1 };
  return FL_OK;
}

void
fl_workload_free (fl_workload *w)
{
  if (!w)
    return;
  for (unsigned i = 0; i < FL_MAX_ARGS; i++)
    if (w->bufs[i] && fl_driver_ready ())
      fl__drv.cuMemFree (w->bufs[i]);
  fl_bound_kernel_free (w->bound);
  memset (w, 0, sizeof *w);
}

unsigned
fl_workload_args_at (const fl_workload *w, size_t byte_offset, fl_arg *args)
{
  for (unsigned i = 0; i < w->n_args; i++)
    args[i] = w->bufs[i] ? FL_PTR (w->bufs[i] + byte_offset) : w->args[i];
  return w->n_args;
}

fl_status
fl_workload_prime (fl_workload *w, CUstream stream, fl_launch_info *info)
{
  if (!w || !w->bound)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_workload_prime: no workload");
  fl_status st = fl_launch (w->bound, w->grid, stream, w->args, w->n_args, info);
  if (st != FL_OK)
    {
      char why[1024];
      snprintf (why, sizeof why, "%s", fl_last_error ());
      return fl__fail (st, "priming %s: %s", fl_kernel_name (fl_bound_kernel_kernel (w->bound)), why);
    }
  return FL_OK;
}
