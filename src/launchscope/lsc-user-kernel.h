/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-user-kernel.h — "your own kernel": a .cu file whose header comment says how to launch it.
 *
 *   // launchscope: entry=scale
 *   // launchscope: signature=*fp32, *fp32, i32
 *   // launchscope: globals=SCALE            (optional, comma-separated)
 *
 * Lines are read until the first line that is neither blank nor a // comment.  Unknown keys,
 * duplicate keys and a missing entry or signature are errors naming the file and line.  The
 * NVRTC program is named after the file, so compile errors point at its real line numbers.
 */
#pragma once

#include <stddef.h>

#include "fastlaunch.h"

typedef struct {
  char entry[128];
  char signature[1024];
  char globals[FL_MAX_ARGS][64];
  unsigned n_globals;
  unsigned signature_line; /* where the signature was given, for messages */
} lsc_user_kernel_header;

/* Parses the header of source (name is used in messages, e.g. the file name).  Returns 0, or
 * -1 with err set ("scale.cu:2: unknown key 'entyr' (entry, signature, globals)"). */
int lsc_user_kernel_parse_header (const char *name, const char *source, lsc_user_kernel_header *out, char *err,
                                  size_t err_size);

/* Reads path, parses its header and creates the kernel (named after the file, without .cu).
 * Returns 0, or -1 with err naming the file and what is wrong (I/O, header, signature). */
int lsc_user_kernel_load (const char *path, fl_kernel **out, char *err, size_t err_size);
