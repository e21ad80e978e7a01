/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-application.h — the launchscope application: command line, app.* actions and their
 * accelerators, the recent reports list (GSettings), About, and the automation options the
 * tests and the GPU machine use (--screenshot, --view, --measure-first-paint, --live...).
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LSC_TYPE_APPLICATION (lsc_application_get_type ())
G_DECLARE_FINAL_TYPE (LscApplication, lsc_application, LSC, APPLICATION, AdwApplication)

LscApplication *lsc_application_new (void);

/* Call first thing in main(): the zero of --measure-first-paint's "since main" figure. */
void lsc_application_mark_process_start (void);
/* Monotonic µs at main(), and the process's start as the kernel recorded it (µs on the
 * monotonic clock, approximated from /proc/self/stat at 10 ms resolution; 0 if unknown). */
gint64 lsc_application_get_main_time (void);
gint64 lsc_application_get_exec_time (void);

/* The application's settings (org.launchscope.Launchscope). */
GSettings *lsc_application_get_settings (LscApplication *self);

/* Puts path first in the recent reports list. */
void lsc_application_add_recent (LscApplication *self, const char *path);
void lsc_application_remove_recent (LscApplication *self, const char *path);

/* The "Open Recent" section of the primary menu (app.open-recent items). */
GMenu *lsc_application_get_recent_menu (LscApplication *self);

/* The sample report's path if the file exists, or NULL: $LSC_SAMPLE_REPORT, else the source
 * tree's data/sample.lsdb when the executable runs from the build tree, else the installed one
 * in pkgdatadir. */
char *lsc_application_dup_sample_path (void);

/* The process's exit status when the automation failed (0 otherwise); main() returns it. */
void lsc_application_set_exit_status (LscApplication *self, int status);
int lsc_application_get_exit_status (LscApplication *self);

/* Whether libcuda.so.1 loads (live recording is possible). */
gboolean lsc_application_has_cuda_driver (void);

G_END_DECLS
