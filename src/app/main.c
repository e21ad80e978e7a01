/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * main.c — launchscope, the GTK application: sets up gettext and runs LscApplication.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "lsc-application.h"
#include "lsc-resources.h"

int
main (int argc, char *argv[])
{
  lsc_application_mark_process_start ();

  /* Before any string is translated: --print-tagline answers before GTK starts.  Tests
   * point LSC_LOCALEDIR at the build tree's .mo files. */
  setlocale (LC_ALL, "");
  const char *localedir = g_getenv ("LSC_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir && *localedir ? localedir : LSC_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  lsc_register_resource ();
  g_autoptr (LscApplication) app = lsc_application_new ();
  int status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : lsc_application_get_exit_status (app);
}
