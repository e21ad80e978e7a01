/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-signature.c — Triton-notation signatures: "*fp32, *fp32, i32, constexpr".
 */
#include <ctype.h>
#include <string.h>

#include "fl-private.h"

static const char *const fl__type_names[FL_TYPE_COUNT] = {
  [FL_TYPE_PTR_I8] = "*i8",     [FL_TYPE_PTR_I16] = "*i16",   [FL_TYPE_PTR_I32] = "*i32",
  [FL_TYPE_PTR_I64] = "*i64",   [FL_TYPE_PTR_U8] = "*u8",     [FL_TYPE_PTR_U16] = "*u16",
  [FL_TYPE_PTR_U32] = "*u32",   [FL_TYPE_PTR_U64] = "*u64",   [FL_TYPE_PTR_FP16] = "*fp16",
  [FL_TYPE_PTR_BF16] = "*bf16", [FL_TYPE_PTR_FP32] = "*fp32", [FL_TYPE_PTR_FP64] = "*fp64",
  [FL_TYPE_I1] = "i1",          [FL_TYPE_I8] = "i8",          [FL_TYPE_I16] = "i16",
  [FL_TYPE_I32] = "i32",        [FL_TYPE_I64] = "i64",        [FL_TYPE_U8] = "u8",
  [FL_TYPE_U16] = "u16",        [FL_TYPE_U32] = "u32",        [FL_TYPE_U64] = "u64",
  [FL_TYPE_FP16] = "fp16",      [FL_TYPE_BF16] = "bf16",      [FL_TYPE_FP32] = "fp32",
  [FL_TYPE_FP64] = "fp64",      [FL_TYPE_CONSTEXPR] = "constexpr",
};

const char *
fl_type_name (fl_type type)
{
  return (unsigned) type < FL_TYPE_COUNT ? fl__type_names[type] : "?";
}

fl_status
fl_signature_parse (const char *text, fl_signature *out)
{
  if (!text || !out)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_signature_parse: NULL signature or output");
  memset (out, 0, sizeof *out);

  const char *p = text;
  for (;;)
    {
      while (isspace ((unsigned char) *p))
        p++;
      const char *start = p;
      while (*p && *p != ',' && !isspace ((unsigned char) *p))
        p++;
      size_t len = (size_t) (p - start);
      size_t pos = (size_t) (start - text) + 1;
      while (isspace ((unsigned char) *p))
        p++;
      if (*p && *p != ',')
        {
          const char *junk = p;
          while (*p && *p != ',')
            p++;
          return fl__fail (FL_ERR_SIGNATURE, "signature \"%s\": unexpected token '%.*s' at position %zu (argument %u)",
                           text, (int) (p - junk), junk, (size_t) (junk - text) + 1, out->n_args + 1);
        }
      if (len == 0)
        {
          if (out->n_args == 0 && !*p)
            break; /* "" and "   " are a kernel without arguments */
          return fl__fail (FL_ERR_SIGNATURE, "signature \"%s\": empty argument at position %zu (argument %u)", text, pos,
                           out->n_args + 1);
        }
      fl_type type = FL_TYPE_COUNT;
      for (unsigned t = 0; t < FL_TYPE_COUNT; t++)
        if (strlen (fl__type_names[t]) == len && strncmp (fl__type_names[t], start, len) == 0)
          type = (fl_type) t;
      if (type == FL_TYPE_COUNT)
        return fl__fail (FL_ERR_SIGNATURE,
                         "signature \"%s\": unknown type '%.*s' at position %zu (argument %u); expected a pointer "
                         "(*fp32, *fp16, *bf16, *fp64, *i8..*i64, *u8..*u64), a scalar (i1, i8..i64, u8..u64, "
                         "fp16, bf16, fp32, fp64) or constexpr",
                         text, (int) len, start, pos, out->n_args + 1);
      if (out->n_args == FL_MAX_ARGS)
        return fl__fail (FL_ERR_SIGNATURE, "signature \"%s\": more than %d arguments (at position %zu, token '%.*s')",
                         text, FL_MAX_ARGS, pos, (int) len, start);
      out->types[out->n_args++] = type;
      if (!*p)
        break;
      p++; /* the comma; a trailing one leaves an empty token, reported above */
    }
  return FL_OK;
}
