/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fuzz-check.h — the fuzzers' invariant check: abort with the failed condition, so libFuzzer
 * keeps the input that broke it.  Define FUZZ_NAME before including.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...)                                                                            \
  do                                                                                                \
    {                                                                                               \
      if (!(cond))                                                                                  \
        {                                                                                           \
          fprintf (stderr, FUZZ_NAME ": %s: ", #cond);                                              \
          fprintf (stderr, __VA_ARGS__);                                                            \
          fputc ('\n', stderr);                                                                     \
          abort ();                                                                                 \
        }                                                                                           \
    }                                                                                               \
  while (0)
