/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-pack.h — argument packing and the argument part of the spec key, for both launch paths.
 * Not installed.
 *
 * fl__pack checks every argument against the kernel's plan (fl-kernel.c) and explains the first
 * that fails; fl__pack_fast makes the same checks without branches for the fast launcher's
 * general path.  Static inline because the hit path uses them and the build has no LTO.  Never
 * allocates.
 */
#pragma once

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "fl-engine-private.h"

/* Packed launch arguments: every kernel parameter in its own 8-byte slot. */
typedef struct {
  uint64_t slots[FL_MAX_ARGS];
  void *params[FL_MAX_ARGS];
  uint64_t key;
} fl__packed;

static inline uint16_t
fl__float_to_half (float f)
{
  uint32_t x;
  memcpy (&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = (int32_t) ((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff)
    return (uint16_t) (sign | 0x7c00u | (mant ? 0x200u : 0));
  if (exp >= 31)
    return (uint16_t) (sign | 0x7c00u);
  if (exp <= 0)
    {
      if (exp < -10)
        return (uint16_t) sign;
      mant |= 0x800000u;
      uint32_t shift = (uint32_t) (14 - exp);
      uint32_t half = mant >> shift;
      uint32_t rem = mant & ((1u << shift) - 1);
      uint32_t mid = 1u << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1)))
        half++;
      return (uint16_t) (sign | half);
    }
  uint32_t half = sign | ((uint32_t) exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1)))
    half++;
  return (uint16_t) half;
}

static inline uint16_t
fl__float_to_bf16 (float f)
{
  uint32_t x;
  memcpy (&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t) ((x >> 16) | 0x40);
  x += 0x7fffu + ((x >> 16) & 1);
  return (uint16_t) (x >> 16);
}

static inline unsigned
fl__int_class (int64_t v)
{
  if (v == 1)
    return FL_INT_CLASS_ONE;
  if ((v & 15) == 0)
    return FL_INT_CLASS_DIV16;
  return FL_INT_CLASS_OTHER;
}

/* Floats, booleans and constexprs: checked and stored (constexprs have no parameter slot).
 * Shared by both packers; none of these is part of the key. */
static inline bool
fl__pack_scalar (const fl__arg_plan *p, const fl_arg *a, uint64_t *slot)
{
  switch (p->op)
    {
    case FL__OP_BOOL:
      if (a->kind != FL_ARG_INT || (a->v.i != 0 && a->v.i != 1))
        return false;
      *slot = (uint64_t) a->v.i;
      return true;
    case FL__OP_F32:
    case FL__OP_F16:
    case FL__OP_BF16:
      {
        float f;
        if (a->kind == FL_ARG_F32)
          f = a->v.f32;
        else if (a->kind == FL_ARG_F64 && (!isfinite (a->v.f64) || fabs (a->v.f64) <= FLT_MAX))
          f = (float) a->v.f64;
        else
          return false;
        if (p->op == FL__OP_F32)
          {
            *slot = 0;
            memcpy (slot, &f, sizeof f);
          }
        else
          *slot = p->op == FL__OP_F16 ? fl__float_to_half (f) : fl__float_to_bf16 (f);
        return true;
      }
    case FL__OP_F64:
      {
        double d;
        if (a->kind == FL_ARG_F64)
          d = a->v.f64;
        else if (a->kind == FL_ARG_F32)
          d = a->v.f32;
        else
          return false;
        memcpy (slot, &d, sizeof d);
        return true;
      }
    case FL__OP_CONSTEXPR:
      return a->kind == FL_ARG_INT || a->kind == FL_ARG_F32 || a->kind == FL_ARG_F64;
    default:
      return false;
    }
}

/* Packs args into kernel parameters and computes the argument part of the spec key.  With
 * explain, a failure leaves a message naming the argument; the fast path passes false and lets
 * the default path explain.  Never allocates. */
static inline fl_status
fl__pack (const fl_kernel *k, const fl_arg *args, unsigned n_args, fl__packed *out, bool explain)
{
  if (FL_UNLIKELY (n_args != k->sig.n_args || (n_args && !args)))
    return explain ? fl__fail (FL_ERR_ARGUMENTS, "kernel '%s' takes %u argument%s (signature), got %u%s", k->name,
                               k->sig.n_args, k->sig.n_args == 1 ? "" : "s", n_args,
                               (n_args && !args) ? " with a NULL args array" : "")
                   : FL_ERR_ARGUMENTS;
  uint64_t key = 0;
  for (unsigned i = 0; i < n_args; i++)
    {
      const fl__arg_plan *p = &k->plan[i];
      const fl_arg *a = &args[i];
      uint64_t *slot = &out->slots[p->param];
      switch (p->op)
        {
        case FL__OP_PTR:
          if (FL_UNLIKELY (a->kind != FL_ARG_PTR || a->v.ptr == 0))
            goto bad;
          *slot = a->v.ptr;
          key |= (uint64_t) ((a->v.ptr & 15) == 0) << p->key_shift;
          break;
        case FL__OP_INT:
        case FL__OP_BOOL:
          if (FL_UNLIKELY (a->kind != FL_ARG_INT || a->v.i < p->min || (a->v.i > 0 && (uint64_t) a->v.i > p->max)))
            goto bad;
          *slot = (uint64_t) a->v.i;
          if (p->op == FL__OP_INT)
            key |= (uint64_t) fl__int_class (a->v.i) << p->key_shift;
          break;
        case FL__OP_F32:
        case FL__OP_F16:
        case FL__OP_BF16:
        case FL__OP_F64:
        case FL__OP_CONSTEXPR:
          if (FL_UNLIKELY (!fl__pack_scalar (p, a, slot)))
            goto bad;
          break;
        }
      continue;
    bad:
      if (!explain)
        return FL_ERR_ARGUMENTS;
      {
        fl_type t = k->sig.types[i];
        const char *kind = a->kind == FL_ARG_PTR ? "a pointer"
                           : a->kind == FL_ARG_INT ? "an integer"
                           : a->kind == FL_ARG_F32 ? "an fp32"
                           : a->kind == FL_ARG_F64 ? "an fp64"
                                                   : "an uninitialised fl_arg";
        if (p->op == FL__OP_PTR && a->kind == FL_ARG_PTR)
          return fl__fail (FL_ERR_ARGUMENTS, "kernel '%s', argument %u (%s): NULL device pointer", k->name, i,
                           fl_type_name (t));
        if ((p->op == FL__OP_INT || p->op == FL__OP_BOOL) && a->kind == FL_ARG_INT)
          return fl__fail (FL_ERR_ARGUMENTS,
                           "kernel '%s', argument %u (%s): value %" PRId64 " is out of range [%" PRId64 ", %" PRIu64
                           "]",
                           k->name, i, fl_type_name (t), a->v.i, p->min, p->max);
        if (p->op == FL__OP_F32 && a->kind == FL_ARG_F64)
          return fl__fail (FL_ERR_ARGUMENTS, "kernel '%s', argument %u (%s): value %g does not fit in fp32", k->name, i,
                           fl_type_name (t), a->v.f64);
        return fl__fail (FL_ERR_ARGUMENTS, "kernel '%s', argument %u: signature says %s, got %s", k->name, i,
                         fl_type_name (t), kind);
      }
    }
  out->key = key;
  return FL_OK;
}

static inline uint64_t
fl__constexpr_bits (const fl_arg *a)
{
  uint64_t bits = 0;
  if (a->kind == FL_ARG_F32)
    memcpy (&bits, &a->v.f32, sizeof a->v.f32);
  else
    memcpy (&bits, &a->v, sizeof bits);
  return bits ^ ((uint64_t) a->kind << 60);
}

/* The fast path's packer: the same checks as fl__pack, accumulated without branches and
 * reported once, plus the kernelParams pointers.  Only for keyable kernels (the shifts fit). */
static inline bool
fl__pack_fast (const fl_kernel *k, const fl_arg *args, fl__packed *out)
{
  uint64_t key = 0, bad = 0;
  const unsigned n_ptrs = k->n_ptrs;
  if (FL_LIKELY (k->ptrs_lead))
    {
      /* The common layout (pointers first): no index tables, and NULL folded into a minimum. */
      uint64_t min_ptr = UINT64_MAX;
      unsigned kinds = 0;
#pragma GCC unroll 4
      for (unsigned j = n_ptrs; j-- > 0;) /* backwards: pointer j's bit ends up at bit j */
        {
          const uint64_t p = args[j].v.ptr;
          kinds |= (unsigned) args[j].kind ^ FL_ARG_PTR;
          min_ptr = p < min_ptr ? p : min_ptr;
          out->slots[j] = p;
          out->params[j] = &out->slots[j];
          key = key * 2 + ((p & 15) == 0);
        }
      bad |= kinds | (min_ptr == 0);
    }
  else
  for (unsigned j = 0; j < n_ptrs; j++)
    {
      const fl__fast_ptr f = k->fast_ptrs[j];
      const fl_arg *a = &args[f.arg];
      const uint64_t p = a->v.ptr;
      bad |= (uint64_t) (a->kind ^ FL_ARG_PTR) | (p == 0);
      out->slots[f.param] = p;
      out->params[f.param] = &out->slots[f.param];
      key |= (uint64_t) ((p & 15) == 0) << j;
    }
  for (unsigned j = 0; j < k->n_ints; j++)
    {
      const fl__fast_int f = k->fast_ints[j];
      const fl_arg *a = &args[f.arg];
      const int64_t v = a->v.i;
      bad |= (uint64_t) (a->kind ^ FL_ARG_INT) | ((uint64_t) v - (uint64_t) f.min > f.range);
      out->slots[f.param] = (uint64_t) v;
      out->params[f.param] = &out->slots[f.param];
      key |= (uint64_t) ((v == 1) | (((v & 15) == 0) << 1)) << f.key_shift;
    }
  for (unsigned j = 0; j < k->n_fast_other; j++)
    {
      const fl__arg_plan *p = &k->plan[k->fast_other[j]];
      if (FL_UNLIKELY (!fl__pack_scalar (p, &args[k->fast_other[j]], &out->slots[p->param])))
        return false;
      if (p->op != FL__OP_CONSTEXPR)
        out->params[p->param] = &out->slots[p->param];
    }
  out->key = key;
  return bad == 0;
}
