/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-nvtx.h — the NVTX ranges of a program recorded by liblaunchscope-inject.so.
 *
 * NVTX (the header-only v3, and the older libnvToolsExt) loads the library named by
 * NVTX_INJECTION64_PATH at the program's first NVTX call and hands it its callback tables;
 * record -- COMMAND names liblaunchscope-inject.so there.  The ranges the program pushes and
 * pops, starts and ends become nvtx_range rows of the recording (lsc-recorder-ranges.c).
 */
#pragma once

#include <stdint.h>

#include "lsc-recorder.h"

/* InitializeInjectionNvtx2's work: fills the callback tables of the NVTX instance whose export
 * table getter is given (a process may hold several, each initialising once).  Returns 1, or 0
 * when that NVTX offers no callback table (it then turns its calls into no-ops). */
int lsc_nvtx_initialize (const void *(*get_export_table) (uint32_t id));

/* Ranges are recorded into rec from now on (NULL: no more).  Detaching waits for the NVTX calls
 * in progress on other threads, so rec may be stopped once it returns.  Before the first attach
 * and after a detach, NVTX calls only keep each thread's nesting. */
void lsc_nvtx_attach (lsc_recorder *rec);

/* In a child forked from a recording process: its NVTX calls record nothing (the recorder is the
 * parent's), without waiting for calls the fork cut short.  Async-signal-safe. */
void lsc_nvtx_forget_inherited (void);
