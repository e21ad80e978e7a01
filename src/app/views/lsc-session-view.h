/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-session-view.h — the facts of each recording session in a report: host, CPU, GPU,
 * driver and toolkit, workload settings, CUPTI mode and status, start and stop, dropped rows,
 * and the report file itself.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-document.h"

G_BEGIN_DECLS

#define LSC_TYPE_SESSION_VIEW (lsc_session_view_get_type ())
G_DECLARE_FINAL_TYPE (LscSessionView, lsc_session_view, LSC, SESSION_VIEW, GtkWidget)

void lsc_session_view_set_document (LscSessionView *self, LscDocument *document);

G_END_DECLS
