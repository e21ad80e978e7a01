/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-state.h — the live recording page's states, which the page decides and its run
 * view shows (the state line, the spinner, Pause or Resume, what stands in for the chart).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LSC_LIVE_PAGE_PROBING = 0, /* looking for the CUDA driver */
  LSC_LIVE_PAGE_UNAVAILABLE, /* no driver or device: the banner says why */
  LSC_LIVE_PAGE_READY,
  LSC_LIVE_PAGE_STARTING,
  LSC_LIVE_PAGE_RECORDING,
  LSC_LIVE_PAGE_PAUSED,
  LSC_LIVE_PAGE_FAILED,      /* the engine stopped on an error; Stop finishes the report */
  LSC_LIVE_PAGE_STOPPING,
} LscLivePageState;

G_END_DECLS
