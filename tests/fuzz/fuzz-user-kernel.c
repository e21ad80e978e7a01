/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fuzz-user-kernel.c — libFuzzer target: the header comment of a user's .cu file
 * (lsc_user_kernel_parse_header), reading it from a file (lsc_user_kernel_load), and
 * fl_kernel_new_from_file() with what the header names.
 *
 * Checks: a header that parses names a C identifier as entry and a signature that parses, and
 * every global is an identifier; one that does not gives a message starting with the file name;
 * loading the same bytes from a file agrees with parsing them (files with NUL bytes are
 * refused), and the kernel it makes has the header's signature; fl_kernel_new_from_file() with
 * the header's entry and signature succeeds on the same file.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fastlaunch.h"
#include "lsc-user-kernel.h"

#define FUZZ_NAME "fuzz-user-kernel"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static bool
is_identifier (const char *s)
{
  if (!(isalpha ((unsigned char) s[0]) || s[0] == '_'))
    return false;
  for (const char *c = s; *c; c++)
    if (!(isalnum ((unsigned char) *c) || *c == '_'))
      return false;
  return true;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 65536)
    return 0;
  char *source = malloc (size + 1);
  memcpy (source, data, size);
  source[size] = '\0';
  const bool has_nul = memchr (data, '\0', size) != NULL;

  lsc_user_kernel_header h;
  char err[2048] = "";
  int rc = lsc_user_kernel_parse_header ("fuzz.cu", source, &h, err, sizeof err);
  if (rc == 0)
    {
      CHECK (is_identifier (h.entry) && strlen (h.entry) < sizeof h.entry, "entry '%s'", h.entry);
      fl_signature sig;
      CHECK (fl_signature_parse (h.signature, &sig) == FL_OK, "signature '%s': %s", h.signature, fl_last_error ());
      CHECK (h.n_globals <= FL_MAX_ARGS, "%u globals", h.n_globals);
      for (unsigned i = 0; i < h.n_globals; i++)
        CHECK (is_identifier (h.globals[i]), "global '%s'", h.globals[i]);
    }
  else
    CHECK (rc == -1 && strncmp (err, "fuzz.cu", 7) == 0, "rc %d, message '%s'", rc, err);

  /* The same bytes as a file. */
  int fd = memfd_create ("fuzz.cu", MFD_CLOEXEC);
  CHECK (fd >= 0, "memfd_create");
  CHECK (size == 0 || write (fd, data, size) == (ssize_t) size, "write");
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  fl_kernel *k = NULL;
  char err2[2048] = "";
  int rc2 = lsc_user_kernel_load (path, &k, err2, sizeof err2);
  if (has_nul)
    CHECK (rc2 == -1 && strstr (err2, "NUL"), "a file with NUL bytes: rc %d: %s", rc2, err2);
  else if (rc != 0)
    CHECK (rc2 == -1 && k == NULL, "parse failed (%s) but load gave %d", err, rc2);
  else
    {
      /* fl_kernel_new can still refuse (a global named twice is fine; nothing else differs). */
      CHECK (rc2 == 0 && k != NULL, "parse succeeded but load failed: %s", err2);
      fl_signature sig;
      fl_signature_parse (h.signature, &sig);
      const fl_signature *ks = fl_kernel_signature (k);
      CHECK (ks->n_args == sig.n_args && memcmp (ks->types, sig.types, sig.n_args * sizeof sig.types[0]) == 0,
             "the kernel's signature differs from the header's");
      fl_kernel_free (k);
      fl_kernel *k2 = NULL;
      fl_status st = fl_kernel_new_from_file (path, h.entry, h.signature, &k2);
      CHECK (st == FL_OK && k2, "fl_kernel_new_from_file: %s", fl_last_error ());
      fl_kernel_free (k2);
    }
  close (fd);
  free (source);
  return 0;
}
