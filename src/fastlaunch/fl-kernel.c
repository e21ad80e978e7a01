/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-kernel.c — kernels: source, entry and signature, and the plan made once from the
 * signature that both launch paths follow.
 *
 * The plan decides how each argument is checked and packed and where its facts go in the spec
 * key (a pointer's alignment bit, an integer's 2-bit value class), and precomputes the
 * constants of the fast launcher's lean check, so a launch never interprets the signature.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl-engine-private.h"

static char *
fl__strdup_or_null (const char *s)
{
  return s ? strdup (s) : NULL;
}

static void
fl__int_range (fl_type t, int64_t *min, uint64_t *max)
{
  switch (t)
    {
    case FL_TYPE_I1: *min = 0; *max = 1; break;
    case FL_TYPE_I8: *min = INT8_MIN; *max = INT8_MAX; break;
    case FL_TYPE_I16: *min = INT16_MIN; *max = INT16_MAX; break;
    case FL_TYPE_I32: *min = INT32_MIN; *max = INT32_MAX; break;
    case FL_TYPE_I64: *min = INT64_MIN; *max = INT64_MAX; break;
    case FL_TYPE_U8: *min = 0; *max = UINT8_MAX; break;
    case FL_TYPE_U16: *min = 0; *max = UINT16_MAX; break;
    case FL_TYPE_U32: *min = 0; *max = UINT32_MAX; break;
    default: *min = 0; *max = INT64_MAX; break; /* u64 through a signed carrier */
    }
}

/* Per argument, a (kind, value) pair to subtract and one to mask with, such that the result
 * is zero exactly when the argument passes every check the fast path makes:
 *   kind      the low 32 bits of (kind - expected) are zero; the padding above is masked off;
 *   pointer   v - 16 has neither bit 63 (v was 0, or not a canonical address) nor any of bits
 *             0-3 (v is not 16-byte aligned) set: one test for NULL and alignment.  A misaligned
 *             pointer fails it and takes the exact path, which keys it as unaligned;
 *   integer   v - min has no bit above the type's range (every range is a power of two wide).
 * fp32 and the half types are not lean: they are converted (fp64 → fp32, fp32 → fp16), and an
 * fp32 fills only half of its 8-byte union. */
static void
fl__kernel_plan_lean (fl_kernel *k)
{
  k->lean_n_args = k->sig.n_args;
  k->lean = k->keyable && k->n_constexpr == 0;
  while (k->lean_lead < k->sig.n_args && k->plan[k->lean_lead].op == FL__OP_PTR)
    k->lean_lead++;
  k->lean_lead &= ~1u;
  k->lean_lead8 = k->lean_lead & ~7u;
  k->aligned_key = k->n_ptrs ? UINT64_MAX >> (64 - k->n_ptrs) : 0;
  for (unsigned i = 0; i < k->sig.n_args && k->lean; i++)
    {
      const fl__arg_plan *p = &k->plan[i];
      fl__lean_arg c = { .mask = { UINT32_MAX } };
      switch (p->op)
        {
        case FL__OP_PTR:
          c.sub[0] = FL_ARG_PTR;
          c.sub[1] = 16;
          c.mask[1] = (1ull << 63) | 15;
          break;
        case FL__OP_INT:
        case FL__OP_BOOL:
          c.sub[0] = FL_ARG_INT;
          c.sub[1] = (uint64_t) p->min;
          c.mask[1] = ~(p->max - (uint64_t) p->min);
          if (p->op == FL__OP_INT)
            {
              c.class_mask = 3;
              c.class_shift = p->key_shift;
            }
          break;
        case FL__OP_F64:
          c.sub[0] = FL_ARG_F64;
          break;
        default:
          k->lean = false;
        }
      if (i >= k->lean_lead)
        k->lean_tail[i - k->lean_lead] = c;
    }
}

static void
fl__kernel_plan (fl_kernel *k)
{
  unsigned shift_ptr = 0;
  for (unsigned i = 0; i < k->sig.n_args; i++)
    if (fl__type_is_ptr (k->sig.types[i]))
      k->n_ptrs++;
  unsigned shift_int = k->n_ptrs;
  for (unsigned i = 0; i < k->sig.n_args; i++)
    {
      fl_type t = k->sig.types[i];
      fl__arg_plan *p = &k->plan[i];
      p->param = (uint8_t) k->n_params;
      if (fl__type_is_ptr (t))
        {
          p->op = FL__OP_PTR;
          p->key_shift = (uint8_t) shift_ptr++;
        }
      else if (fl__type_is_specialized_int (t))
        {
          p->op = FL__OP_INT;
          p->key_shift = (uint8_t) (shift_int < FL_KEY_ARG_BITS ? shift_int : 0); /* unused unless keyable */
          shift_int += 2;
          k->n_ints++;
          fl__int_range (t, &p->min, &p->max);
        }
      else if (t == FL_TYPE_I1)
        {
          p->op = FL__OP_BOOL;
          fl__int_range (t, &p->min, &p->max);
        }
      else if (t == FL_TYPE_FP16)
        p->op = FL__OP_F16;
      else if (t == FL_TYPE_BF16)
        p->op = FL__OP_BF16;
      else if (t == FL_TYPE_FP32)
        p->op = FL__OP_F32;
      else if (t == FL_TYPE_FP64)
        p->op = FL__OP_F64;
      else
        {
          p->op = FL__OP_CONSTEXPR;
          k->n_constexpr++;
          continue;
        }
      k->n_params++;
    }
  k->keyable = k->n_ptrs + 2 * k->n_ints <= FL_KEY_ARG_BITS;

  unsigned np = 0, ni = 0;
  for (unsigned i = 0; i < k->sig.n_args; i++)
    {
      const fl__arg_plan *p = &k->plan[i];
      if (p->op == FL__OP_PTR)
        k->fast_ptrs[np++] = (fl__fast_ptr){ (uint8_t) i, p->param };
      else if (p->op == FL__OP_INT)
        k->fast_ints[ni++] = (fl__fast_int){ (uint8_t) i, p->param, p->key_shift, p->min, p->max - (uint64_t) p->min };
      else
        k->fast_other[k->n_fast_other++] = (uint8_t) i;
    }
  k->ptrs_lead = true;
  for (unsigned j = 0; j < np; j++)
    k->ptrs_lead = k->ptrs_lead && k->fast_ptrs[j].arg == j && k->fast_ptrs[j].param == j;
  fl__kernel_plan_lean (k);
}

fl_status
fl_kernel_new (const fl_kernel_desc *desc, fl_kernel **out)
{
  if (out)
    *out = NULL;
  if (!desc || !out || !desc->source || !desc->entry || !desc->signature)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_kernel_new: desc, source, entry, signature and out must not be NULL");
  if (!*desc->entry)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_kernel_new: empty entry name");
  if (desc->n_globals && !desc->globals)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_kernel_new: n_globals is %u but globals is NULL", desc->n_globals);

  fl_signature sig;
  fl_status st = fl_signature_parse (desc->signature, &sig);
  if (st != FL_OK)
    return st;

  fl_kernel *k = calloc (1, sizeof *k);
  if (!k)
    return fl__fail (FL_ERR_NO_MEMORY, "out of memory creating kernel '%s'", desc->entry);
  atomic_init (&k->refs, 1);
  k->sig = sig;
  k->name = fl__strdup_or_null (desc->name && *desc->name ? desc->name : desc->entry);
  k->source = strdup (desc->source);
  k->entry = strdup (desc->entry);
  k->n_globals = desc->n_globals;
  k->globals = desc->n_globals ? calloc (desc->n_globals, sizeof (char *)) : NULL;
  bool ok = k->name && k->source && k->entry && (!desc->n_globals || k->globals);
  for (unsigned i = 0; ok && i < desc->n_globals; i++)
    {
      if (!desc->globals[i] || !*desc->globals[i])
        {
          fl_kernel_free (k);
          return fl__fail (FL_ERR_INVALID_ARGUMENT, "kernel '%s': global #%u has no name", desc->entry, i);
        }
      ok = (k->globals[i] = strdup (desc->globals[i])) != NULL;
    }
  if (!ok)
    {
      fl_kernel_free (k);
      return fl__fail (FL_ERR_NO_MEMORY, "out of memory creating kernel '%s'", desc->entry);
    }
  fl__kernel_plan (k);
  *out = k;
  return FL_OK;
}

fl_status
fl_kernel_new_from_file (const char *path, const char *entry, const char *signature, fl_kernel **out)
{
  if (out)
    *out = NULL;
  if (!path)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_kernel_new_from_file: NULL path");
  FILE *f = fopen (path, "rb");
  if (!f)
    return fl__fail (FL_ERR_IO, "cannot open kernel source '%s': %s", path, strerror (errno));
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;)
    {
      if (len + 4096 + 1 > cap)
        {
          cap = cap ? cap * 2 : 16384;
          char *nb = realloc (buf, cap);
          if (!nb)
            {
              free (buf);
              fclose (f);
              return fl__fail (FL_ERR_NO_MEMORY, "out of memory reading '%s'", path);
            }
          buf = nb;
        }
      size_t n = fread (buf + len, 1, 4096, f);
      len += n;
      if (n < 4096)
        break;
    }
  bool read_error = ferror (f);
  fclose (f);
  if (read_error)
    {
      free (buf);
      return fl__fail (FL_ERR_IO, "error reading kernel source '%s'", path);
    }
  buf[len] = '\0';
  fl_kernel_desc desc = { .source = buf, .entry = entry, .signature = signature };
  fl_status st = fl_kernel_new (&desc, out);
  free (buf);
  return st;
}

fl_kernel *
fl__kernel_ref (fl_kernel *k)
{
  atomic_fetch_add (&k->refs, 1);
  return k;
}

void
fl_kernel_free (fl_kernel *k)
{
  if (!k || atomic_fetch_sub (&k->refs, 1) != 1)
    return;
  for (unsigned i = 0; k->globals && i < k->n_globals; i++)
    free (k->globals[i]);
  free (k->globals);
  free (k->name);
  free (k->source);
  free (k->entry);
  free (k);
}

const char *
fl_kernel_name (const fl_kernel *k)
{
  return k ? k->name : NULL;
}

const char *
fl_kernel_entry (const fl_kernel *k)
{
  return k ? k->entry : NULL;
}

const fl_signature *
fl_kernel_signature (const fl_kernel *k)
{
  return k ? &k->sig : NULL;
}
