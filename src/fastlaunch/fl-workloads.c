/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-workloads.c — built-in kernels: add<N> and empty.
 *
 * add<N>'s body uses exactly the specialization the key promises: float4 loads only when every
 * pointer is 16-byte aligned (FL_ALL_ALIGNED), no tail loop when the count is a multiple of 16
 * (FL_DIV16_ARG<n>), a folded count of 1 when it is one (FL_ONE_ARG<n>).  Reusing one spec's
 * binary for another is therefore a real fault or a wrong answer, which is why the key has them.
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
