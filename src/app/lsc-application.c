/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-application.c — the launchscope application (see the header).
 */
#include "config.h"

#include <cupti_version.h>
#include <dlfcn.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastlaunch.h"
#include "lsc-application.h"
#include "lsc-automation.h"
#include "lsc-report-rows.h"
#include "lsc-window.h"

struct _LscApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
  GMenu *recent_menu;

  /* the command line's automation (lsc-automation.h) */
  char *screenshot_path;
  int screenshot_delay_ms;
  char *view;
  int window_width, window_height; /* --window-size; 0: the remembered size */
  gboolean has_select_range; /* --select-range */
  double select_t0_ns, select_t1_ns;
  gboolean measure_first_paint;
  gboolean compare; /* --compare: the two files given are report A and report B */

  /* --live and its options */
  gboolean live;
  char *live_workload, *live_kernel, *live_report, *live_script, *live_screenshots;
  char *record_command;
  gint64 live_n;
  double live_rate, live_duration, live_screenshot_every;
  gboolean measure_frames;
  int exit_status;
};

G_DEFINE_FINAL_TYPE (LscApplication, lsc_application, ADW_TYPE_APPLICATION)

static gint64 main_time_us;
static gint64 exec_time_us;

void
lsc_application_mark_process_start (void)
{
  main_time_us = g_get_monotonic_time ();
  exec_time_us = 0;

  /* /proc/self/stat field 22: start time in clock ticks since boot (CLOCK_BOOTTIME). */
  char *stat = NULL;
  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL))
    return;
  const char *p = strrchr (stat, ')'); /* the command name may hold spaces */
  unsigned long long ticks = 0;
  int field = 2;
  for (; p && *p && field < 22; p++)
    if (*p == ' ')
      field++;
  if (p && field == 22 && sscanf (p, "%llu", &ticks) == 1)
    {
      struct timespec boot;
      long hz = sysconf (_SC_CLK_TCK);
      if (hz > 0 && clock_gettime (CLOCK_BOOTTIME, &boot) == 0)
        {
          gint64 now_boot_us = (gint64) boot.tv_sec * G_USEC_PER_SEC + boot.tv_nsec / 1000;
          gint64 start_boot_us = (gint64) (ticks * G_USEC_PER_SEC / (unsigned long long) hz);
          exec_time_us = main_time_us - (now_boot_us - start_boot_us);
        }
    }
  g_free (stat);
}

gint64
lsc_application_get_main_time (void)
{
  return main_time_us;
}

gint64
lsc_application_get_exec_time (void)
{
  return exec_time_us;
}

/* ---- environment facts -------------------------------------------------------------------- */

gboolean
lsc_application_has_cuda_driver (void)
{
  /* Only whether the library is there: called while the first window is built, where
   * initialising the driver would hold up its first frame. */
  static int cached = -1;
  if (cached < 0)
    {
      fl_probe_result probe;
      cached = fl_probe (FL_PROBE_LIBRARY, 0, &probe) == FL_OK;
    }
  return cached;
}

/* Whether this process's executable lies in the build tree it was built in. */
static gboolean
running_from_build_tree (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  char *root = realpath (LSC_BUILD_ROOT, NULL);
  gboolean inside = exe && root && g_str_has_prefix (exe, root) && exe[strlen (root)] == '/';
  free (root);
  return inside;
}

char *
lsc_application_dup_sample_path (void)
{
  const char *env = g_getenv ("LSC_SAMPLE_REPORT");
  const char *path = env && *env                  ? env
                     : running_from_build_tree () ? LSC_SOURCE_SAMPLE_REPORT
                                                  : LSC_PKGDATADIR "/sample.lsdb";
  return g_file_test (path, G_FILE_TEST_IS_REGULAR) ? g_strdup (path) : NULL;
}

/* ---- recent reports ----------------------------------------------------------------------- */

static void
rebuild_recent_menu (LscApplication *self)
{
  g_auto (GStrv) paths = g_settings_get_strv (self->settings, "recent-reports");

  g_menu_remove_all (self->recent_menu);
  for (guint i = 0; paths[i]; i++)
    {
      g_autofree char *base = g_path_get_basename (paths[i]);
      g_autofree char *label = g_filename_display_name (base);
      g_autoptr (GMenuItem) item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "app.open-recent", g_variant_new_string (paths[i]));
      g_menu_append_item (self->recent_menu, item);
    }
  GAction *clear = g_action_map_lookup_action (G_ACTION_MAP (self), "clear-recent");
  if (clear)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (clear), paths[0] != NULL);
}

static void
update_recent (LscApplication *self, const char *path, gboolean add)
{
  g_auto (GStrv) old = g_settings_get_strv (self->settings, "recent-reports");
  int limit = g_settings_get_int (self->settings, "recent-limit");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  int n = 0;

  if (add && limit > 0)
    {
      g_strv_builder_add (builder, path);
      n++;
    }
  for (guint i = 0; old[i] && n < limit; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  g_auto (GStrv) paths = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-reports", (const char *const *) paths);
}

void
lsc_application_add_recent (LscApplication *self, const char *path)
{
  g_return_if_fail (LSC_IS_APPLICATION (self));
  g_return_if_fail (path != NULL);
  update_recent (self, path, TRUE);
}

void
lsc_application_remove_recent (LscApplication *self, const char *path)
{
  g_return_if_fail (LSC_IS_APPLICATION (self));
  g_return_if_fail (path != NULL);
  update_recent (self, path, FALSE);
}

GSettings *
lsc_application_get_settings (LscApplication *self)
{
  g_return_val_if_fail (LSC_IS_APPLICATION (self), NULL);
  return self->settings;
}

/* ---- windows ------------------------------------------------------------------------------ */

/* An unknown --view is a usage error, named with the views there are (the window's own list,
 * so a new view needs no second list here). */
static gboolean
view_option_is_known (LscApplication *self, LscWindow *window)
{
  g_auto (GStrv) names = lsc_window_dup_view_names (window);
  if (!self->view || g_strv_contains ((const char *const *) names, self->view))
    return TRUE;
  g_autofree char *list = g_strjoinv (", ", names);
  g_printerr (_("launchscope: --view: there is no view “%s”; the views are: %s\n"), self->view, list);
  return FALSE;
}

/* NULL after a usage error: the application then ends with status 2. */
static LscWindow *
new_window (LscApplication *self)
{
  LscWindow *window = lsc_window_new (self);
  if (self->window_width > 0)
    gtk_window_set_default_size (GTK_WINDOW (window), self->window_width, self->window_height);
  if (!view_option_is_known (self, window))
    {
      lsc_application_set_exit_status (self, 2);
      gtk_window_destroy (GTK_WINDOW (window));
      g_application_quit (G_APPLICATION (self));
      return NULL;
    }
  if (self->view || self->screenshot_path || self->measure_first_paint)
    lsc_automation_run_report (lsc_automation_for_window (window), self->view, self->screenshot_path,
                               (guint) MAX (self->screenshot_delay_ms, 0), self->measure_first_paint);
  if (self->has_select_range)
    lsc_automation_select_range (lsc_automation_for_window (window), self->select_t0_ns, self->select_t1_ns);
  return window;
}

static LscWindow *
active_or_new_window (LscApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (LSC_IS_WINDOW (window))
    return LSC_WINDOW (window);
  return new_window (self);
}

static void
lsc_application_activate (GApplication *app)
{
  LscApplication *self = LSC_APPLICATION (app);
  if (self->compare)
    {
      g_printerr ("launchscope: --compare needs two reports: launchscope --compare A.lsdb B.lsdb\n");
      lsc_application_set_exit_status (self, 2);
      return;
    }
  if (self->measure_first_paint)
    {
      g_printerr ("launchscope: --measure-first-paint needs a report to open\n");
      return;
    }
  LscWindow *window = active_or_new_window (self);
  if (!window)
    return;
  gtk_window_present (GTK_WINDOW (window));
  if (self->record_command)
    {
      g_autofree char *command_line = g_steal_pointer (&self->record_command); /* once */
      LscCommandAutomation automation = {
        .command_line = command_line,
        .duration_s = self->live_duration,
        .screenshots_dir = self->live_screenshots,
        .screenshot_every_s = self->live_screenshot_every,
      };
      g_autoptr (GError) error = NULL;
      self->live = FALSE;
      if (!lsc_automation_run_command (lsc_automation_for_window (window), &automation, &error))
        {
          g_printerr ("launchscope: %s\n", error->message);
          self->exit_status = 2;
          g_application_quit (app);
        }
    }
  else if (self->live)
    {
      LscLiveAutomation automation = {
        .workload = self->live_workload,
        .kernel_path = self->live_kernel,
        .n = (long) self->live_n,
        .rate = self->live_rate,
        .report_path = self->live_report,
        .script = self->live_script,
        .duration_s = self->live_duration,
        .screenshots_dir = self->live_screenshots,
        .screenshot_every_s = self->live_screenshot_every,
        .measure_frames = self->measure_frames,
      };
      g_autoptr (GError) error = NULL;
      self->live = FALSE; /* once */
      if (!lsc_automation_run_live (lsc_automation_for_window (window), &automation, &error))
        {
          g_printerr ("launchscope: %s\n", error->message);
          self->exit_status = 2;
          g_application_quit (app);
        }
    }
}

void
lsc_application_set_exit_status (LscApplication *self, int status)
{
  g_return_if_fail (LSC_IS_APPLICATION (self));
  self->exit_status = status;
}

int
lsc_application_get_exit_status (LscApplication *self)
{
  g_return_val_if_fail (LSC_IS_APPLICATION (self), 0);
  return self->exit_status;
}

static void
lsc_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  LscApplication *self = LSC_APPLICATION (app);
  (void) hint;

  if (self->compare)
    {
      if (n_files != 2)
        {
          g_printerr ("launchscope: --compare needs two reports, got %d: launchscope --compare A.lsdb B.lsdb\n",
                      n_files);
          lsc_application_set_exit_status (self, 2);
          return;
        }
      /* report A is the window's report; the Compare view shows it against B */
      LscWindow *window = active_or_new_window (self);
      if (!window)
        return;
      lsc_window_open (window, files[0]);
      if (self->measure_first_paint)
        lsc_automation_measure_compare (lsc_automation_for_window (window), files[0], files[1]);
      else
        lsc_window_compare (window, files[0], files[1]);
      gtk_window_present (GTK_WINDOW (window));
      return;
    }
  for (int i = 0; i < n_files; i++)
    {
      /* The first report goes to the active window; every further one gets its own. */
      LscWindow *window = i == 0 ? active_or_new_window (self) : new_window (self);
      if (!window)
        return;
      lsc_window_open (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

/* ---- app.* actions ------------------------------------------------------------------------ */

static void
quit_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  (void) action;
  (void) param;
  /* close every window first: each saves its size */
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (data)));
  for (GList *l = windows; l; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (windows);
  /* A window still recording live finishes its report in a thread and closes when done; the
   * application ends with the last window. */
  if (!gtk_application_get_windows (GTK_APPLICATION (data)))
    g_application_quit (G_APPLICATION (data));
}

static void
open_recent_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  LscApplication *self = LSC_APPLICATION (data);
  (void) action;
  g_autoptr (GFile) file = g_file_new_for_path (g_variant_get_string (param, NULL));
  LscWindow *window = active_or_new_window (self);
  if (!window)
    return;
  lsc_window_open (window, file);
  gtk_window_present (GTK_WINDOW (window));
}

static void
clear_recent_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  LscApplication *self = LSC_APPLICATION (data);
  (void) action;
  (void) param;
  g_settings_set_strv (self->settings, "recent-reports", NULL);
}

static void
open_sample_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  LscApplication *self = LSC_APPLICATION (data);
  (void) action;
  (void) param;
  g_autofree char *path = lsc_application_dup_sample_path ();
  if (!path)
    return;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  LscWindow *window = active_or_new_window (self);
  if (!window)
    return;
  lsc_window_open (window, file);
  gtk_window_present (GTK_WINDOW (window));
}

/* CUPTI's own version, from the library the recorder would load. */
static char *
cupti_version_text (void)
{
  static const char *const names[] = { "libcupti.so.13", "libcupti.so.12", "libcupti.so" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      void *lib = dlopen (names[i], RTLD_LAZY | RTLD_LOCAL);
      if (!lib)
        continue;
      int (*get_version) (uint32_t *) = NULL;
      void *sym = dlsym (lib, "cuptiGetVersion");
      memcpy (&get_version, &sym, sizeof sym);
      uint32_t version = 0;
      char *text = get_version && get_version (&version) == 0
                       ? g_strdup_printf ("%s, API version %u", names[i], version)
                       : g_strdup_printf ("%s, version unknown", names[i]);
      dlclose (lib);
      return text;
    }
  return g_strdup ("not found");
}

static char *
debug_info (void)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "Launchscope %s\n", LSC_VERSION);
  g_string_append_printf (s, "GTK %u.%u.%u, libadwaita %u.%u.%u, GLib %u.%u.%u\n", gtk_get_major_version (),
                          gtk_get_minor_version (), gtk_get_micro_version (), adw_get_major_version (),
                          adw_get_minor_version (), adw_get_micro_version (), glib_major_version, glib_minor_version,
                          glib_micro_version);
  char sqlite_version[96];
  lsc_report_sqlite_version (sqlite_version, sizeof sqlite_version);
  g_string_append_printf (s, "SQLite %s\n", sqlite_version);

  fl_probe_result probe;
  fl_status st = fl_probe (FL_PROBE_COMPILE, 0, &probe);
  if (probe.driver_version > 0)
    g_string_append_printf (s, "CUDA driver API %d.%d\n", probe.driver_version / 1000,
                            (probe.driver_version % 1000) / 10);
  else
    g_string_append_printf (s, "CUDA driver: not available (%s)\n",
                            st == FL_OK ? "no version" : probe.why[0] ? probe.why : fl_status_str (st));
  if (probe.device_name[0])
    g_string_append_printf (s, "GPU: %s (sm_%d%d)\n", probe.device_name, probe.cc_major, probe.cc_minor);
  else if (probe.driver_version > 0 && st != FL_OK)
    g_string_append_printf (s, "GPU: not available (%s)\n", probe.why);
  if (probe.nvrtc_major > 0)
    g_string_append_printf (s, "NVRTC %d.%d\n", probe.nvrtc_major, probe.nvrtc_minor);
  else if (st == FL_ERR_NO_NVRTC)
    g_string_append_printf (s, "NVRTC: not available (%s)\n", probe.why);
  g_autofree char *cupti = cupti_version_text ();
  g_string_append_printf (s, "CUPTI: %s (built against API version %d)\n", cupti, CUPTI_API_VERSION);
  g_string_append_printf (s, "Renderer: %s\n", g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "default");
  return g_string_free (s, FALSE);
}

static void
about_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  (void) action;
  (void) param;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (data));
  static const char *developers[] = { "The Launchscope developers", NULL };
  g_autofree char *info = debug_info ();

  adw_show_about_window (parent,
                         "application-name", _("Launchscope"),
                         "application-icon", LSC_APP_ID,
                         "version", LSC_VERSION,
                         "developer-name", _("The Launchscope developers"),
                         "developers", developers,
                         "comments", _("Inspect GPU kernel launches: the host-side cost of launching CUDA kernels, "
                                       "fast path against baseline, launch by launch."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "copyright", "© 2026 The Launchscope developers",
                         /* Translators: put your names here, one per line */
                         "translator-credits", _("translator-credits"),
                         "debug-info", info,
                         "debug-info-filename", "launchscope-debug-info.txt",
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action, NULL, NULL, NULL, { 0 } },
  { "about", about_action, NULL, NULL, NULL, { 0 } },
  { "open-recent", open_recent_action, "s", NULL, NULL, { 0 } },
  { "clear-recent", clear_recent_action, NULL, NULL, NULL, { 0 } },
  { "open-sample", open_sample_action, NULL, NULL, NULL, { 0 } },
};

/* ---- style ------------------------------------------------------------------------------- */

static void
apply_style (LscApplication *self)
{
  g_autofree char *style = g_settings_get_string (self->settings, "style");
  AdwColorScheme scheme = g_str_equal (style, "light")  ? ADW_COLOR_SCHEME_FORCE_LIGHT
                          : g_str_equal (style, "dark") ? ADW_COLOR_SCHEME_FORCE_DARK
                                                        : ADW_COLOR_SCHEME_DEFAULT;
  /* setting even the same scheme restyles every window, which can drop a frame being drawn */
  AdwStyleManager *manager = adw_style_manager_get_default ();
  if (adw_style_manager_get_color_scheme (manager) != scheme)
    adw_style_manager_set_color_scheme (manager, scheme);
}

/* ---- GApplication ------------------------------------------------------------------------- */

static void
lsc_application_startup (GApplication *app)
{
  LscApplication *self = LSC_APPLICATION (app);

  G_APPLICATION_CLASS (lsc_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  g_autoptr (GAction) style = g_settings_create_action (self->settings, "style");
  g_action_map_add_action (G_ACTION_MAP (self), style);
  g_signal_connect_object (self->settings, "changed::style", G_CALLBACK (apply_style), self, G_CONNECT_SWAPPED);
  apply_style (self);
  g_autofree char *sample = lsc_application_dup_sample_path ();
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "open-sample")),
                               sample != NULL);

  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.close-report", { "<Control>w", NULL } },
    { "win.export", { "<Control>e", NULL } },
    { "win.show-help-overlay", { "<Control>question", "F1", NULL } },
    { "win.view::overview", { "<Alt>1", NULL } },
    { "win.view::timeline", { "<Alt>2", NULL } },
    { "win.view::distribution", { "<Alt>3", NULL } },
    { "win.view::stages", { "<Alt>4", NULL } },
    { "win.view::specs", { "<Alt>5", NULL } },
    { "win.view::events", { "<Alt>6", NULL } },
    { "win.view::launches", { "<Alt>7", NULL } },
    { "win.view::session", { "<Alt>8", NULL } },
    { "win.view::compare", { "<Alt>9", NULL } },
    { "win.compare", { "<Control>d", NULL } },
    { "win.find", { "<Control>f", NULL } },
    { "win.show-live", { "<Control>l", NULL } },
    { "live.record", { "<Control>r", NULL } },
    { "live.pause", { "<Control>p", NULL } },
    { "live.stop", { "<Control>period", NULL } },
  };
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);

  self->recent_menu = g_menu_new ();
  g_signal_connect_object (self->settings, "changed::recent-reports", G_CALLBACK (rebuild_recent_menu), self,
                           G_CONNECT_SWAPPED);
  rebuild_recent_menu (self);
}

GMenu *
lsc_application_get_recent_menu (LscApplication *self)
{
  g_return_val_if_fail (LSC_IS_APPLICATION (self), NULL);
  return self->recent_menu;
}

static int
lsc_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  LscApplication *self = LSC_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("launchscope %s\n", LSC_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "print-tagline"))
    {
      g_print ("%s\n", _("Inspect GPU kernel launches"));
      return 0;
    }
  g_variant_dict_lookup (options, "screenshot", "^ay", &self->screenshot_path);
  if (!g_variant_dict_lookup (options, "screenshot-delay", "i", &self->screenshot_delay_ms))
    self->screenshot_delay_ms = 500;
  g_variant_dict_lookup (options, "view", "s", &self->view);
  g_autofree char *window_size = NULL;
  if (g_variant_dict_lookup (options, "window-size", "s", &window_size))
    {
      char *end = NULL;
      long width = strtol (window_size, &end, 10), height = 0;
      if (end && *end == 'x')
        height = strtol (end + 1, &end, 10);
      if (!end || *end || width < 360 || height < 294 || width > 16384 || height > 16384)
        {
          g_printerr (_("launchscope: --window-size: “%s” is not WIDTHxHEIGHT in pixels, at least 360x294\n"),
                      window_size);
          return 2;
        }
      self->window_width = (int) width;
      self->window_height = (int) height;
    }
  g_autofree char *select_range = NULL;
  if (g_variant_dict_lookup (options, "select-range", "s", &select_range))
    {
      char *end = NULL;
      double t0 = g_ascii_strtod (select_range, &end), t1 = -1;
      if (end && *end == ':')
        t1 = g_ascii_strtod (end + 1, &end);
      if (!end || *end || !(t0 >= 0) || !(t1 > t0) || !isfinite (t1))
        {
          g_printerr (_("launchscope: --select-range: “%s” is not START:END in seconds since the session start "
                        "with START below END (for example 0.25:0.5)\n"),
                      select_range);
          return 2;
        }
      self->has_select_range = TRUE;
      self->select_t0_ns = t0 * 1e9;
      self->select_t1_ns = t1 * 1e9;
    }
  self->measure_first_paint = g_variant_dict_contains (options, "measure-first-paint");
  self->compare = g_variant_dict_contains (options, "compare");

  /* --live-*: any of them means --live */
  self->live = g_variant_dict_contains (options, "live");
  self->live |= g_variant_dict_lookup (options, "live-workload", "s", &self->live_workload);
  self->live |= g_variant_dict_lookup (options, "live-kernel", "^ay", &self->live_kernel);
  self->live |= g_variant_dict_lookup (options, "live-report", "^ay", &self->live_report);
  self->live |= g_variant_dict_lookup (options, "live-script", "s", &self->live_script);
  self->live |= g_variant_dict_lookup (options, "live-screenshots", "^ay", &self->live_screenshots);
  self->live |= g_variant_dict_lookup (options, "live-n", "x", &self->live_n);
  self->live_rate = -1;
  self->live |= g_variant_dict_lookup (options, "live-rate", "d", &self->live_rate);
  self->live |= g_variant_dict_lookup (options, "live-duration", "d", &self->live_duration);
  self->live |= g_variant_dict_lookup (options, "live-screenshot-every", "d", &self->live_screenshot_every);
  self->measure_frames = g_variant_dict_contains (options, "measure-frames");
  self->live |= self->measure_frames;
  self->live |= g_variant_dict_lookup (options, "record-command", "s", &self->record_command);
  if (self->live_workload && strcmp (self->live_workload, "empty") != 0)
    {
      char *end = NULL;
      long np = g_str_has_prefix (self->live_workload, "add") ? strtol (self->live_workload + 3, &end, 10) : 0;
      if (!end || *end || np < 2 || np > 32)
        {
          g_printerr ("launchscope: --live-workload: “%s” is not a built-in workload (add2 … add32, or empty)\n",
                      self->live_workload);
          return 2;
        }
    }
  if (self->live && (g_variant_dict_contains (options, "live-rate") && self->live_rate < 0))
    {
      g_printerr ("launchscope: --live-rate: launches per second, 0 for as fast as possible\n");
      return 2;
    }

  /* A run that reports back (screenshot, measurement) must be its own instance: forwarded to
   * a running one it would exit 0 having done nothing. */
  if (self->screenshot_path || self->measure_first_paint || self->live || self->compare
      || g_getenv ("LSC_NON_UNIQUE"))
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
  return -1;
}

static void
lsc_application_finalize (GObject *object)
{
  LscApplication *self = LSC_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->recent_menu);
  g_free (self->screenshot_path);
  g_free (self->view);
  g_free (self->live_workload);
  g_free (self->live_kernel);
  g_free (self->live_report);
  g_free (self->live_script);
  g_free (self->live_screenshots);
  g_free (self->record_command);

  G_OBJECT_CLASS (lsc_application_parent_class)->finalize (object);
}

static void
lsc_application_class_init (LscApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = lsc_application_finalize;
  app_class->startup = lsc_application_startup;
  app_class->activate = lsc_application_activate;
  app_class->open = lsc_application_open;
  app_class->handle_local_options = lsc_application_handle_local_options;
}

static const GOptionEntry option_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { "print-tagline", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the tagline in the current language and exit"), NULL },
  { "view", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Show this view of the report: overview, timeline, launches, …; an unknown name lists them all"),
    N_("NAME") },
  { "window-size", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Open the window this size, e.g. 800x600"),
    N_("WIDTHxHEIGHT") },
  { "select-range", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Select this time range on the timeline and show its statistics (seconds since the session start)"),
    N_("START:END") },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Save a PNG of the main window once the report is shown, then quit"), N_("FILE") },
  { "screenshot-delay", 0, 0, G_OPTION_ARG_INT, NULL, N_("Wait this long before the screenshot (default 500)"),
    N_("MS") },
  { "measure-first-paint", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the time from start to the first frame showing the report, then quit"), NULL },
  { "compare", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Compare the two reports given (A B): did launches get faster from A to B?"), NULL },
  { "live", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Open the live page and start recording at once"), NULL },
  { "live-workload", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Record this built-in workload: add2 … add32, or empty"),
    N_("NAME") },
  { "live-kernel", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Record your own kernel from this .cu file"), N_("FILE") },
  { "live-n", 0, 0, G_OPTION_ARG_INT64, NULL, N_("Elements per array (the problem size)"), N_("N") },
  { "live-rate", 0, 0, G_OPTION_ARG_DOUBLE, NULL, N_("Launches per second; 0 launches as fast as possible"),
    N_("RATE") },
  { "live-report", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Record into this report file (overwritten)"), N_("FILE") },
  { "live-script", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Flip switches at seconds since the start, e.g. debug@2,offset@4,skip@6,skip@8,global=7@9"), N_("SCRIPT") },
  { "live-duration", 0, 0, G_OPTION_ARG_DOUBLE, NULL,
    N_("Stop after this many seconds, open the report, save its screenshots and quit"), N_("SECONDS") },
  { "live-screenshots", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Save the window as DIR/live-*.png every 2 seconds and after stopping"), N_("DIR") },
  { "live-screenshot-every", 0, 0, G_OPTION_ARG_DOUBLE, NULL, N_("Seconds between live screenshots (default 2)"),
    N_("SECONDS") },
  { "measure-frames", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the longest main-loop frame and stall while recording live"), NULL },
  { "record-command", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Record this command as Record a Command… would (with --live-duration, --live-screenshots)"),
    N_("COMMAND") },
  { NULL, 0, 0, 0, NULL, NULL, NULL },
};

static void
lsc_application_init (LscApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[REPORT…]"));
  g_application_set_option_context_summary (G_APPLICATION (self), _("Inspect GPU kernel launches"));

  /* Without the schema g_settings_new() aborts: say what is wrong instead. */
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema =
      source ? g_settings_schema_source_lookup (source, LSC_APP_ID, TRUE) : NULL;
  if (!schema)
    {
      g_printerr ("launchscope: the GSettings schema %s is not installed (for an uninstalled build, set "
                  "GSETTINGS_SCHEMA_DIR to the build's data directory)\n",
                  LSC_APP_ID);
      exit (1);
    }
  self->settings = g_settings_new (LSC_APP_ID);
}

LscApplication *
lsc_application_new (void)
{
  return g_object_new (LSC_TYPE_APPLICATION,
                       "application-id", LSC_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", LSC_RESOURCE_PATH,
                       NULL);
}
