/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-live-panel.c — the live page's side panel (see the header): its rows bound to the
 * settings, the file choosers for your own kernel and the report, and the switches.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "lsc-live-panel.h"
#include "lsc-user-kernel.h"

typedef enum { KERNEL_ADD = 0, KERNEL_EMPTY = 1, KERNEL_FILE = 2 } KernelKind;

struct _LscLivePanel
{
  GtkWidget parent_instance;

  /* template children */
  GtkWidget *workload_group;
  GtkWidget *report_group;
  AdwComboRow *kernel_row;
  GtkWidget *arrays_row;
  GtkSpinButton *arrays_spin;
  AdwActionRow *file_row;
  GtkSpinButton *size_spin;
  GtkSwitch *max_rate_switch;
  GtkWidget *rate_row;
  GtkSpinButton *rate_spin;
  GtkSpinButton *count_spin;
  AdwActionRow *report_row;
  GtkSwitch *debug_switch, *offset_switch, *skip_switch, *timing_switch, *hooks_switch, *callbacks_switch,
      *activity_switch;
  GtkWidget *callbacks_row, *activity_row;
  AdwActionRow *global_row;
  GtkSpinButton *global_spin;

  GtkSwitch *switches[LSC_LIVE_TOGGLE_COUNT];
  GSettings *settings;
  char *chosen_report; /* the next recording's file, chosen by the user or configured */
  char *recording;     /* the file being written, while a session runs */
  gboolean syncing;
};

G_DEFINE_FINAL_TYPE (LscLivePanel, lsc_live_panel, GTK_TYPE_WIDGET)

enum { TOGGLE_CHANGED, GLOBAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- the workload --------------------------------------------------------------------------- */

static KernelKind
kernel_kind (LscLivePanel *self)
{
  guint selected = adw_combo_row_get_selected (self->kernel_row);
  return selected <= KERNEL_FILE ? (KernelKind) selected : KERNEL_ADD;
}

/* The kernel file row: the file and what its header says, or what is wrong with it. */
static void
update_kernel_file_row (LscLivePanel *self)
{
  KernelKind kind = kernel_kind (self);
  gtk_widget_set_visible (self->arrays_row, kind == KERNEL_ADD);
  gtk_widget_set_visible (GTK_WIDGET (self->file_row), kind == KERNEL_FILE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->file_row), "error");

  g_autofree char *path = g_settings_get_string (self->settings, "live-kernel-file");
  if (!*path)
    {
      adw_action_row_set_subtitle (self->file_row, _("A .cu file whose header names the entry and its signature"));
      return;
    }
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  lsc_user_kernel_header header;
  char err[1024] = "";
  g_autofree char *subtitle = NULL;
  if (!g_file_get_contents (path, &contents, NULL, &error))
    subtitle = g_strdup (error->message);
  else if (lsc_user_kernel_parse_header (base, contents, &header, err, sizeof err) != 0)
    subtitle = g_strdup (err);
  if (subtitle)
    gtk_widget_add_css_class (GTK_WIDGET (self->file_row), "error");
  else
    subtitle = g_strdup_printf ("%s — %s(%s)", base, header.entry, header.signature);
  adw_action_row_set_subtitle (self->file_row, subtitle);
}

gboolean
lsc_live_panel_get_workload (LscLivePanel *self, LscLiveWorkload *out, GError **error)
{
  g_return_val_if_fail (LSC_IS_LIVE_PANEL (self), FALSE);

  memset (out, 0, sizeof *out);
  KernelKind kind = kernel_kind (self);
  if (kind == KERNEL_FILE)
    {
      out->kernel_path = g_settings_get_string (self->settings, "live-kernel-file");
      if (!*out->kernel_path)
        {
          g_clear_pointer (&out->kernel_path, g_free);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("Choose your kernel’s .cu file first"));
          return FALSE;
        }
    }
  out->workload = kind == KERNEL_ADD ? g_strdup_printf ("add%d", gtk_spin_button_get_value_as_int (self->arrays_spin))
                                     : g_strdup ("empty");
  out->n = gtk_spin_button_get_value_as_int (self->size_spin);
  out->rate = gtk_switch_get_active (self->max_rate_switch) ? 0 : gtk_spin_button_get_value (self->rate_spin);
  out->max_launches = (long) gtk_spin_button_get_value (self->count_spin);
  return TRUE;
}

void
lsc_live_workload_clear (LscLiveWorkload *workload)
{
  g_clear_pointer (&workload->workload, g_free);
  g_clear_pointer (&workload->kernel_path, g_free);
}

/* ---- the report file ------------------------------------------------------------------------ */

static char *
report_folder (LscLivePanel *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "live-report-folder");
  if (*folder)
    return g_steal_pointer (&folder);
  return g_build_filename (g_get_user_data_dir (), "launchscope", NULL);
}

/* A path for people: the home folder as ~. */
static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize n = home ? strlen (home) : 0;
  if (n > 1 && g_str_has_prefix (path, home) && (path[n] == '/' || path[n] == '\0'))
    {
      g_autofree char *rest = g_filename_display_name (path + n);
      return g_strconcat ("~", rest, NULL);
    }
  return g_filename_display_name (path);
}

static void
update_report_row (LscLivePanel *self)
{
  g_autofree char *text = NULL;
  if (self->recording)
    text = display_path (self->recording);
  else if (self->chosen_report)
    text = display_path (self->chosen_report);
  else
    {
      g_autofree char *folder = report_folder (self);
      g_autofree char *name = display_path (folder);
      /* Translators: %s is a folder */
      text = g_strdup_printf (_("A new file in %s for each recording"), name);
    }
  adw_action_row_set_subtitle (self->report_row, text);
}

void
lsc_live_panel_set_recording (LscLivePanel *self, const char *path)
{
  g_return_if_fail (LSC_IS_LIVE_PANEL (self));
  g_free (self->recording);
  self->recording = g_strdup (path);
  update_report_row (self);
}

/* A new report file name: PREFIX-YYYYMMDD-HHMMSS.lsdb in the report folder (made if needed). */
static char *
new_report_path (LscLivePanel *self, const char *prefix, GError **error)
{
  g_autofree char *folder = report_folder (self);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_name (folder);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot create the folder %s: %s"), name,
                   g_strerror (saved));
      return NULL;
    }
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  for (int i = 1; i < 1000; i++)
    {
      g_autofree char *base = i == 1 ? g_strdup_printf ("%s-%s.lsdb", prefix, stamp)
                                     : g_strdup_printf ("%s-%s-%d.lsdb", prefix, stamp, i);
      char *path = g_build_filename (folder, base, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("Too many reports with the same name"));
  return NULL;
}

char *
lsc_live_panel_dup_report_path (LscLivePanel *self, gboolean *chosen, GError **error)
{
  g_return_val_if_fail (LSC_IS_LIVE_PANEL (self), NULL);
  *chosen = self->chosen_report != NULL;
  return self->chosen_report ? g_strdup (self->chosen_report) : new_report_path (self, "live", error);
}

char *
lsc_live_panel_dup_new_report_path (LscLivePanel *self, const char *prefix, GError **error)
{
  g_return_val_if_fail (LSC_IS_LIVE_PANEL (self), NULL);
  return new_report_path (self, prefix, error);
}

/* ---- file choosers -------------------------------------------------------------------------- */

static void
kernel_chosen_cb (GtkNativeDialog *dialog, int response, gpointer data)
{
  LscLivePanel *self = LSC_LIVE_PANEL (data);
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        {
          g_settings_set_string (self->settings, "live-kernel-file", path);
          adw_combo_row_set_selected (self->kernel_row, KERNEL_FILE);
          update_kernel_file_row (self);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_kernel_cb (LscLivePanel *self)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Choose Your Kernel"), parent,
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("CUDA sources"));
  gtk_file_filter_add_pattern (filter, "*.cu");
  gtk_file_filter_add_pattern (filter, "*.cuh");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  g_autofree char *current = g_settings_get_string (self->settings, "live-kernel-file");
  if (*current)
    {
      g_autoptr (GFile) file = g_file_new_for_path (current);
      gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), file, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (kernel_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
report_chosen_cb (GtkNativeDialog *dialog, int response, gpointer data)
{
  LscLivePanel *self = LSC_LIVE_PANEL (data);
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        {
          g_free (self->chosen_report);
          self->chosen_report = g_steal_pointer (&path);
          g_autofree char *folder = g_path_get_dirname (self->chosen_report);
          g_settings_set_string (self->settings, "live-report-folder", folder);
          update_report_row (self);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_report_cb (LscLivePanel *self)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Save the Live Recording As"), parent,
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  g_autoptr (GError) error = NULL;
  g_autofree char *suggested = new_report_path (self, "live", &error);
  if (suggested)
    {
      g_autofree char *folder = g_path_get_dirname (suggested);
      g_autofree char *base = g_path_get_basename (suggested);
      g_autoptr (GFile) dir = g_file_new_for_path (folder);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), dir, NULL);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), base);
    }
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Launchscope reports"));
  gtk_file_filter_add_pattern (filter, "*.lsdb");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (report_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
lsc_live_panel_configure (LscLivePanel *self, const LscLivePageConfig *config)
{
  g_return_if_fail (LSC_IS_LIVE_PANEL (self));
  g_return_if_fail (config != NULL);

  /* shown in the panel, never saved */
  g_settings_delay (self->settings);
  if (config->kernel_path)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (config->kernel_path);
      g_autofree char *path = g_file_get_path (file);
      g_settings_set_string (self->settings, "live-kernel-file", path ? path : config->kernel_path);
      adw_combo_row_set_selected (self->kernel_row, KERNEL_FILE);
    }
  else if (config->workload && strcmp (config->workload, "empty") == 0)
    adw_combo_row_set_selected (self->kernel_row, KERNEL_EMPTY);
  else if (config->workload && g_str_has_prefix (config->workload, "add"))
    {
      adw_combo_row_set_selected (self->kernel_row, KERNEL_ADD);
      gtk_spin_button_set_value (self->arrays_spin, g_ascii_strtod (config->workload + 3, NULL));
    }
  if (config->n > 0)
    gtk_spin_button_set_value (self->size_spin, (double) config->n);
  if (config->rate == 0)
    gtk_switch_set_active (self->max_rate_switch, TRUE);
  else if (config->rate > 0)
    {
      gtk_switch_set_active (self->max_rate_switch, FALSE);
      gtk_spin_button_set_value (self->rate_spin, config->rate);
    }
  if (config->max_launches >= 0)
    gtk_spin_button_set_value (self->count_spin, (double) config->max_launches);
  if (config->report_path)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (config->report_path);
      g_free (self->chosen_report);
      self->chosen_report = g_file_get_path (file);
    }
  update_kernel_file_row (self);
  update_report_row (self);
}

/* ---- session -------------------------------------------------------------------------------- */

void
lsc_live_panel_set_session (LscLivePanel *self, gboolean editable, gboolean running, const char *cupti_status)
{
  g_return_if_fail (LSC_IS_LIVE_PANEL (self));
  gtk_widget_set_sensitive (self->workload_group, editable);
  gtk_widget_set_sensitive (self->report_group, editable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->global_row), running);

  /* CUPTI's switches mean nothing without CUPTI: say so where the switch is */
  gboolean cupti_known = cupti_status != NULL;
  gboolean cupti_on = cupti_known && g_str_has_prefix (cupti_status, "callbacks");
  gtk_widget_set_sensitive (self->callbacks_row, !cupti_known || cupti_on);
  gtk_widget_set_sensitive (self->activity_row, !cupti_known || cupti_on);
}

/* ---- switches and the global ---------------------------------------------------------------- */

static void
switch_changed_cb (LscLivePanel *self, GParamSpec *pspec, GtkSwitch *sw)
{
  (void) pspec;
  if (self->syncing)
    return;
  for (guint t = 0; t < LSC_LIVE_TOGGLE_COUNT; t++)
    if (self->switches[t] == sw)
      g_signal_emit (self, signals[TOGGLE_CHANGED], 0, t, gtk_switch_get_active (sw));
}

void
lsc_live_panel_set_toggle (LscLivePanel *self, lsc_live_toggle toggle, gboolean on)
{
  g_return_if_fail (LSC_IS_LIVE_PANEL (self));
  g_return_if_fail ((unsigned) toggle < LSC_LIVE_TOGGLE_COUNT);
  gtk_switch_set_active (self->switches[toggle], on);
}

void
lsc_live_panel_sync_toggle (LscLivePanel *self, lsc_live_toggle toggle, gboolean on)
{
  g_return_if_fail (LSC_IS_LIVE_PANEL (self));
  g_return_if_fail ((unsigned) toggle < LSC_LIVE_TOGGLE_COUNT);
  self->syncing = TRUE;
  gtk_switch_set_active (self->switches[toggle], on);
  self->syncing = FALSE;
}

gboolean
lsc_live_panel_get_toggle (LscLivePanel *self, lsc_live_toggle toggle)
{
  g_return_val_if_fail (LSC_IS_LIVE_PANEL (self), FALSE);
  g_return_val_if_fail ((unsigned) toggle < LSC_LIVE_TOGGLE_COUNT, FALSE);
  return gtk_switch_get_active (self->switches[toggle]);
}

gboolean
lsc_live_panel_get_toggle_sensitive (LscLivePanel *self, lsc_live_toggle toggle)
{
  g_return_val_if_fail (LSC_IS_LIVE_PANEL (self), FALSE);
  g_return_val_if_fail ((unsigned) toggle < LSC_LIVE_TOGGLE_COUNT, FALSE);
  return gtk_widget_is_sensitive (GTK_WIDGET (self->switches[toggle]));
}

static void
global_changed_cb (LscLivePanel *self)
{
  if (!self->syncing)
    g_signal_emit (self, signals[GLOBAL_CHANGED], 0, (gint64) gtk_spin_button_get_value_as_int (self->global_spin));
}

void
lsc_live_panel_set_global (LscLivePanel *self, gint64 value)
{
  g_return_if_fail (LSC_IS_LIVE_PANEL (self));
  gtk_spin_button_set_value (self->global_spin, (double) value);
}

gint64
lsc_live_panel_get_global (LscLivePanel *self)
{
  g_return_val_if_fail (LSC_IS_LIVE_PANEL (self), 0);
  return gtk_spin_button_get_value_as_int (self->global_spin);
}

void
lsc_live_panel_show_compiled_global (LscLivePanel *self, gint64 value)
{
  g_return_if_fail (LSC_IS_LIVE_PANEL (self));
  self->syncing = TRUE;
  gtk_spin_button_set_value (self->global_spin, (double) value);
  self->syncing = FALSE;
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  /* Translators: %s is a number */
  g_autofree char *subtitle = g_strdup_printf (_("Compiled in as %s; another value makes the guard refuse launches"), number);
  adw_action_row_set_subtitle (self->global_row, subtitle);
}

/* ---- object --------------------------------------------------------------------------------- */

static gboolean
get_kernel_mapping (GValue *value, GVariant *variant, gpointer data)
{
  (void) data;
  const char *s = g_variant_get_string (variant, NULL);
  g_value_set_uint (value, strcmp (s, "empty") == 0 ? KERNEL_EMPTY : strcmp (s, "file") == 0 ? KERNEL_FILE : KERNEL_ADD);
  return TRUE;
}

static GVariant *
set_kernel_mapping (const GValue *value, const GVariantType *type, gpointer data)
{
  (void) type;
  (void) data;
  static const char *const names[] = { "add", "empty", "file" };
  guint i = g_value_get_uint (value);
  return g_variant_new_string (names[i < G_N_ELEMENTS (names) ? i : 0]);
}

/* Expands as its content does: the page's box shares out spare width as it would to the content. */
static void
lsc_live_panel_compute_expand (GtkWidget *widget, gboolean *hexpand, gboolean *vexpand)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  *hexpand = child && gtk_widget_compute_expand (child, GTK_ORIENTATION_HORIZONTAL);
  *vexpand = child && gtk_widget_compute_expand (child, GTK_ORIENTATION_VERTICAL);
}

static void
lsc_live_panel_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_LIVE_PANEL);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_live_panel_parent_class)->dispose (object);
}

static void
lsc_live_panel_finalize (GObject *object)
{
  LscLivePanel *self = LSC_LIVE_PANEL (object);

  g_clear_object (&self->settings);
  g_free (self->chosen_report);
  g_free (self->recording);
  G_OBJECT_CLASS (lsc_live_panel_parent_class)->finalize (object);
}

static void
lsc_live_panel_class_init (LscLivePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lsc_live_panel_dispose;
  widget_class->compute_expand = lsc_live_panel_compute_expand;
  object_class->finalize = lsc_live_panel_finalize;

  /* A switch changed (toggle: an lsc_live_toggle, on). */
  signals[TOGGLE_CHANGED] = g_signal_new ("toggle-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                          NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_BOOLEAN);
  /* The global's value changed. */
  signals[GLOBAL_CHANGED] = g_signal_new ("global-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                          NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-live-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, workload_group);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, report_group);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, kernel_row);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, arrays_row);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, arrays_spin);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, file_row);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, size_spin);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, max_rate_switch);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, rate_row);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, rate_spin);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, count_spin);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, report_row);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, debug_switch);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, offset_switch);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, skip_switch);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, timing_switch);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, hooks_switch);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, callbacks_switch);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, activity_switch);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, callbacks_row);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, activity_row);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, global_row);
  gtk_widget_class_bind_template_child (widget_class, LscLivePanel, global_spin);
  gtk_widget_class_bind_template_callback (widget_class, choose_kernel_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_report_cb);
  gtk_widget_class_bind_template_callback (widget_class, switch_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, global_changed_cb);
}

static void
lsc_live_panel_init (LscLivePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  GtkSwitch *switches[LSC_LIVE_TOGGLE_COUNT] = {
    [LSC_LIVE_DEBUG] = self->debug_switch,         [LSC_LIVE_OFFSET] = self->offset_switch,
    [LSC_LIVE_SKIP] = self->skip_switch,           [LSC_LIVE_TIMING] = self->timing_switch,
    [LSC_LIVE_HOOKS] = self->hooks_switch,         [LSC_LIVE_CALLBACKS] = self->callbacks_switch,
    [LSC_LIVE_ACTIVITY] = self->activity_switch,
  };
  memcpy (self->switches, switches, sizeof switches);

  self->settings = g_settings_new (LSC_APP_ID);
  g_settings_bind_with_mapping (self->settings, "live-kernel", self->kernel_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                get_kernel_mapping, set_kernel_mapping, NULL, NULL);
  g_settings_bind (self->settings, "live-add-arrays", self->arrays_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "live-problem-size", self->size_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "live-max-rate", self->max_rate_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "live-target-rate", self->rate_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "live-max-launches", self->count_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_object_bind_property (self->max_rate_switch, "active", self->rate_row, "sensitive",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_signal_connect_object (self->kernel_row, "notify::selected", G_CALLBACK (update_kernel_file_row), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::live-report-folder", G_CALLBACK (update_report_row), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::live-kernel-file", G_CALLBACK (update_kernel_file_row), self,
                           G_CONNECT_SWAPPED);
  update_kernel_file_row (self);
  update_report_row (self);
}
