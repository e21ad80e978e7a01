/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-script.h — the --live-script automation: switch changes at fixed times of a live
 * session, for machines where nobody clicks (the GPU server's screenshots).
 *
 *   "debug@2,offset@4,skip@6,skip@8,global=7@9,global=0@9.5,pause@10,pause@11"
 *
 * NAME@SECONDS flips a switch (debug, offset, skip, timing, hooks, callbacks, activity) or the
 * pause; NAME=on|off@SECONDS sets it; global=VALUE@SECONDS sets the engine global.  Seconds
 * count from the first launch.  GLib only: tested headlessly.
 */
#pragma once

#include <glib.h>

#include "lsc-live.h"

G_BEGIN_DECLS

#define LSC_LIVE_SCRIPT_PAUSE LSC_LIVE_TOGGLE_COUNT        /* what: the pause */
#define LSC_LIVE_SCRIPT_GLOBAL (LSC_LIVE_TOGGLE_COUNT + 1) /* what: the global */

typedef enum { LSC_LIVE_STEP_FLIP = 0, LSC_LIVE_STEP_SET } LscLiveStepKind;

typedef struct {
  double at_s;
  guint what;           /* an lsc_live_toggle, LSC_LIVE_SCRIPT_PAUSE or LSC_LIVE_SCRIPT_GLOBAL */
  LscLiveStepKind kind; /* the global is always SET */
  gint64 value;         /* SET: 0/1 for a switch, the global's value */
} LscLiveStep;

#define LSC_LIVE_SCRIPT_ERROR (lsc_live_script_error_quark ())
GQuark lsc_live_script_error_quark (void);

/* Parses text into steps sorted by time (stable).  NULL or "" gives an empty array.  Errors
 * (G_OPTION_ERROR_BAD_VALUE-like, domain LSC_LIVE_SCRIPT_ERROR code 0) name the bad item. */
GArray *lsc_live_script_parse (const char *text, GError **error);

/* A step as text for logs ("skip on", "debug flipped", "global = 7"); free with g_free(). */
char *lsc_live_step_describe (const LscLiveStep *step);

G_END_DECLS
