/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-kernel-log.h — a user kernel's errors with their source lines: NVRTC's log
 * ("scale.cu(12): error: ...") and the header's ("scale.cu:2: unknown key ...") each followed
 * by the line it names, numbered, so the dialog reads like a compiler's output in a terminal.
 * GLib only: tested headlessly.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The line numbers a log names, in order, without repeats (at most max); returns how many. */
guint lsc_kernel_log_lines (const char *log, guint *lines, guint max);

/* log with each line that names a source line followed by "   12 | <that line>".  source
 * may be NULL (the log comes back as it is).  Free with g_free(). */
char *lsc_kernel_log_annotate (const char *log, const char *source);

G_END_DECLS
