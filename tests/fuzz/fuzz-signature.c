/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fuzz-signature.c — libFuzzer target: the Triton signature parser and everything a signature
 * drives, on the driver test double.
 *
 * Input: a signature, then optionally '\n' and bytes that become launch arguments.  Checks:
 * fl_signature_parse() either succeeds with at most FL_MAX_ARGS known types, and the types
 * written back as text parse to the same signature, or fails with FL_ERR_SIGNATURE and a
 * message naming the position; fl_kernel_new() agrees with it; a kernel that parses binds,
 * describes its keys, and launches through both paths with arguments built from the rest of
 * the input, each call returning FL_OK or FL_ERR_ARGUMENTS, the two paths agreeing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "fl-test-driver.h"

#define FUZZ_NAME "fuzz-signature"
#include "fuzz-check.h"

static CUdeviceptr buffer;
static unsigned runs;

static void
reset_double (void)
{
  fl_test_driver_install ();
  fl_use_device (0);
  fl_driver_get ()->cuMemAlloc (&buffer, 4096);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  setenv ("FASTLAUNCH_DISK_CACHE", "0", 1);
  reset_double ();
  return 0;
}

/* Argument i from the input bytes (or a well-formed default when they run out). */
static fl_arg
make_arg (fl_type t, const uint8_t **p, const uint8_t *end)
{
  uint8_t sel = *p < end ? *(*p)++ : 0;
  uint64_t v = 0;
  for (int b = 0; b < 8 && *p < end && (sel & 0x80); b++)
    v = v << 8 | *(*p)++;
  switch (sel & 7)
    {
    case 0: /* what the signature asks for */
      if (t <= FL_TYPE_PTR_LAST)
        return FL_PTR (buffer + (v & 255));
      if (t == FL_TYPE_FP32 || t == FL_TYPE_FP16 || t == FL_TYPE_BF16)
        return FL_F32 ((float) (int64_t) v);
      if (t == FL_TYPE_FP64)
        return FL_F64 ((double) (int64_t) v);
      return FL_INT (t == FL_TYPE_I1 ? (int64_t) (v & 1) : (int64_t) (v & 0xffff));
    case 1: return FL_PTR (v);
    case 2: return FL_INT ((int64_t) v);
    case 3: { float f; uint32_t u = (uint32_t) v; memcpy (&f, &u, 4); return FL_F32 (f); }
    case 4: { double d; memcpy (&d, &v, 8); return FL_F64 (d); }
    case 5: return FL_PTR (0);
    default: return (fl_arg){ .kind = (fl_arg_kind) (sel >> 3), .v.i = (int64_t) v }; /* any kind at all */
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 4096)
    return 0;
  const uint8_t *nl = memchr (data, '\n', size);
  size_t sig_len = nl ? (size_t) (nl - data) : size;
  char *text = malloc (sig_len + 1);
  memcpy (text, data, sig_len);
  text[sig_len] = '\0';
  const uint8_t *p = nl ? nl + 1 : data + size, *end = data + size;

  fl_signature sig;
  fl_status st = fl_signature_parse (text, &sig);
  fl_kernel_desc desc = { .source = "", .entry = "k", .signature = text };
  fl_kernel *k = NULL;
  fl_status kst;
  if (st != FL_OK)
    {
      CHECK (st == FL_ERR_SIGNATURE, "status %s for \"%s\"", fl_status_str (st), text);
      CHECK (strstr (fl_last_error (), "position") || strstr (fl_last_error (), "more than"), "message: %s",
             fl_last_error ());
      kst = fl_kernel_new (&desc, &k);
      CHECK (kst == FL_ERR_SIGNATURE && k == NULL, "fl_kernel_new disagrees: %s", fl_status_str (kst));
      free (text);
      return 0;
    }
  CHECK (sig.n_args <= FL_MAX_ARGS, "%u args", sig.n_args);
  /* Written back, it parses to the same types. */
  char again[FL_MAX_ARGS * 16] = "";
  size_t used = 0;
  unsigned n_params = 0;
  for (unsigned i = 0; i < sig.n_args; i++)
    {
      CHECK ((unsigned) sig.types[i] < FL_TYPE_COUNT, "type %d", (int) sig.types[i]);
      used += (size_t) snprintf (again + used, sizeof again - used, "%s%s", i ? ", " : "", fl_type_name (sig.types[i]));
      n_params += sig.types[i] != FL_TYPE_CONSTEXPR;
    }
  fl_signature sig2;
  CHECK (fl_signature_parse (again, &sig2) == FL_OK, "\"%s\" does not parse again", again);
  CHECK (sig2.n_args == sig.n_args && memcmp (sig2.types, sig.types, sig.n_args * sizeof sig.types[0]) == 0,
         "\"%s\" parses differently from \"%s\"", again, text);

  /* A kernel with that many parameters, bound and launched. */
  char source[FL_MAX_ARGS * 16 + 64];
  used = (size_t) snprintf (source, sizeof source, "extern \"C\" __global__ void k(");
  for (unsigned i = 0; i < n_params; i++)
    used += (size_t) snprintf (source + used, sizeof source - used, "%slong a%u", i ? ", " : "", i);
  snprintf (source + used, sizeof source - used, ") {}\n");
  desc.source = source;
  kst = fl_kernel_new (&desc, &k);
  CHECK (kst == FL_OK, "fl_kernel_new: %s", fl_last_error ());
  CHECK (fl_kernel_signature (k)->n_args == sig.n_args, "kernel signature");
  fl_bound_kernel *b = NULL;
  CHECK (fl_bound_kernel_new (k, NULL, &b) == FL_OK, "bind: %s", fl_last_error ());
  char described[2048];
  fl_spec_key_describe (b, p < end ? (uint64_t) p[0] * 0x9e3779b97f4a7c15ull : 0, described, sizeof described);

  fl_arg args[FL_MAX_ARGS];
  for (unsigned round = 0; round < 3; round++)
    {
      for (unsigned i = 0; i < sig.n_args; i++)
        args[i] = make_arg (sig.types[i], &p, end);
      unsigned n = sig.n_args;
      if (round == 2 && p < end)
        n = *p++ % (FL_MAX_ARGS + 1); /* a wrong count, perhaps */
      fl_launch_info info;
      fl_status a = fl_launch (b, (fl_grid){ 1, 1, 1 }, NULL, args, n, &info);
      CHECK (a == FL_OK || a == FL_ERR_ARGUMENTS, "fl_launch: %s: %s", fl_status_str (a), fl_last_error ());
      fl_status d = fl_launch_default (b, (fl_grid){ 1, 1, 1 }, NULL, args, n, &info);
      CHECK (d == a, "fast path says %s, default path %s: %s", fl_status_str (a), fl_status_str (d), fl_last_error ());
    }
  fl_bound_kernel_free (b);
  fl_kernel_free (k);
  free (text);
  /* The double keeps every binary it loaded until it is reinstalled. */
  if (++runs % 512 == 0)
    reset_double ();
  return 0;
}
