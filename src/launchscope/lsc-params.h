/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-params.h — the spec key a program's launch would get, inferred from its parameter values
 * (lsc-params.c says how); not installed.
 */
#pragma once

#include <stdint.h>

#include <cuda.h>

typedef enum {
  LSC_PARAMS_OK,
  LSC_PARAMS_NO_LAYOUT, /* the driver gives no parameter layout for the function */
  LSC_PARAMS_NO_VALUES, /* the launch passed its parameters packed ("extra") */
  LSC_PARAMS_NOT_KEPT,  /* more distinct functions than the layout table keeps */
} lsc_params_result;

/* Sets *key for a launch of function with kernelParams params.  Thread-safe; the first launch
 * of each function asks the driver for its layout. */
lsc_params_result lsc_params_key (CUfunction function, void *const *params, uint64_t *key);
