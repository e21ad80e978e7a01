/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-session-view.c — session facts as preference groups, built per session.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lsc-floor-text.h"
#include "lsc-format.h"
#include "lsc-session-text.h"
#include "lsc-session-view.h"
#include "lsc-summary-figures.h"

struct _LscSessionView
{
  GtkWidget parent_instance;

  AdwPreferencesPage *page;
  GPtrArray *groups;
};

G_DEFINE_FINAL_TYPE (LscSessionView, lsc_session_view, GTK_TYPE_WIDGET)

/* Longest value shown; longer ones (a hostile file's host name, say) are cut: wrapping tens
 * of kilobytes without spaces takes Pango minutes per layout. */
#define MAX_VALUE_CHARS 2000

/* A row with the value as a selectable suffix; NULL or "" shows "—". */
static AdwActionRow *
add_row (AdwPreferencesGroup *group, const char *title, const char *value)
{
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE); /* settings keys are the file's */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_autofree char *cut = NULL;
  if (value && g_utf8_strlen (value, -1) > MAX_VALUE_CHARS)
    {
      g_autofree char *head = g_utf8_substring (value, 0, MAX_VALUE_CHARS);
      value = cut = g_strconcat (head, "…", NULL);
    }
  GtkWidget *label = gtk_label_new (value && *value ? value : "—");
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0f);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  adw_preferences_group_add (group, row);
  return ADW_ACTION_ROW (row);
}

static void
add_row_take (AdwPreferencesGroup *group, const char *title, char *value)
{
  add_row (group, title, value);
  g_free (value);
}

static AdwPreferencesGroup *
new_group (LscSessionView *self, const char *title, const char *description)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, title);
  if (description)
    adw_preferences_group_set_description (group, description);
  adw_preferences_page_add (self->page, group);
  g_ptr_array_add (self->groups, group);
  return group;
}

static void
fill_session (LscSessionView *self, const lsc_session_summary *s, size_t index, size_t n_sessions,
              const char *being_recorded_by)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, s->id);
  /* Translators: %s is the session's number in the report */
  g_autofree char *title = n_sessions > 1 ? g_strdup_printf (_("Session %s"), id) : g_strdup (_("Recording"));
  AdwPreferencesGroup *rec = new_group (self, title, NULL);
  (void) index;
  add_row (rec, _("Workload"), s->workload);
  {
    /* stored in UTC; people read their own clock */
    g_autoptr (GTimeZone) local = g_time_zone_new_local ();
    g_autofree char *utc = NULL;
    g_autofree char *started = lsc_format_wall_time (s->start_wall, local, &utc);
    AdwActionRow *row = add_row (rec, _("Started"), started ? started : s->start_wall);
    if (utc && g_strcmp0 (utc, started) != 0)
      adw_action_row_set_subtitle (row, utc);
  }
  gint64 duration_ns;
  if (lsc_session_duration_ns (s, &duration_ns))
    add_row_take (rec, _("Duration"), lsc_format_duration_ns ((double) duration_ns));
  else
    {
      if (being_recorded_by)
        /* Translators: %s names the recording process, "process 1234 (launchscope-cli) on host" */
        add_row_take (rec, _("Duration"), g_strdup_printf (_("Not stopped: still being recorded by %s"), being_recorded_by));
      else
        add_row (rec, _("Duration"),
                 _("Not stopped, and nobody records it now: its recorder crashed or was killed, or the report was "
                   "copied while it was recorded"));
    }
  add_row_take (rec, _("Launches"), lsc_format_count (s->launches));
  add_row_take (rec, _("Events"), lsc_format_count (s->events));
  add_row_take (rec, _("Kernels"), lsc_format_count (s->kernels));
  add_row_take (rec, _("Dropped rows"), lsc_format_count (s->dropped_rows));
  if (s->has_pid)
    add_row_take (rec, _("Process ID"), g_strdup_printf ("%" G_GINT64_FORMAT, s->pid));

  AdwPreferencesGroup *machine = new_group (self, _("Machine"), NULL);
  add_row (machine, _("Host"), s->host);
  add_row (machine, _("CPU"), s->cpu);
  add_row (machine, _("GPU"), s->gpu);
  if (s->has_driver_version)
    add_row_take (machine, _("CUDA driver API"),
                  g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, s->driver_version / 1000,
                                   (s->driver_version % 1000) / 10));
  else
    add_row (machine, _("CUDA driver API"), NULL);
  add_row (machine, _("CUDA toolkit"), s->toolkit);
  add_row (machine, _("NVRTC"), s->nvrtc);

  AdwPreferencesGroup *tracing = new_group (self, _("Tracing"), NULL);
  add_row (tracing, _("CUPTI mode"), s->cupti_mode);
  add_row (tracing, _("CUPTI status"), s->cupti_status);
  {
    g_autofree char *value = NULL, *detail = NULL;
    lsc_observer_card_texts (&s->floor, s->has_observer_overhead ? s->observer_overhead_ns : 0, &value, &detail);
    add_row_take (tracing, _("Observer cost"), g_strdup_printf ("%s — %s", value ? value : _("Not measured"), detail));
    g_clear_pointer (&value, g_free);
    g_clear_pointer (&detail, g_free);
    lsc_floor_card_texts (&s->floor, &value, &detail);
    add_row_take (tracing, _("Above the floor"), g_strdup_printf ("%s — %s", value ? value : _("Not measured"), detail));
  }
  add_row_take (tracing, _("Recorder push"),
                s->has_observer_overhead ? lsc_format_duration_ns (s->observer_overhead_ns) : NULL);

  AdwPreferencesGroup *settings = new_group (self, _("Settings"), _("As the recorder stored them"));
  g_auto (GStrv) keys = NULL, values = NULL;
  if (lsc_settings_parse (s->settings, &keys, &values))
    {
      for (guint i = 0; keys[i]; i++)
        add_row (settings, keys[i], values[i]);
      if (!keys[0])
        add_row (settings, _("Settings"), NULL);
    }
  else
    add_row (settings, _("Settings"), s->settings); /* not an object: shown as stored */
}

void
lsc_session_view_set_document (LscSessionView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_SESSION_VIEW (self));

  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);
  if (!document)
    return;

  const lsc_report_summary *summary = lsc_document_get_summary (document);
  for (size_t i = 0; i < summary->n_sessions; i++)
    fill_session (self, &summary->sessions[i], i, summary->n_sessions, summary->being_recorded_by);

  AdwPreferencesGroup *file = new_group (self, _("Report File"), NULL);
  const char *path = lsc_document_get_path (document);
  g_autofree char *display = g_filename_display_name (path);
  add_row (file, _("Path"), display);
  GStatBuf st;
  if (g_stat (path, &st) == 0)
    add_row_take (file, _("Size"), lsc_format_size ((guint64) st.st_size));
  add_row_take (file, _("Schema version"), g_strdup_printf ("%" G_GINT64_FORMAT, summary->schema_version));
  add_row_take (file, _("Sessions"), g_strdup_printf ("%zu", summary->n_sessions));
  if (summary->orphan_launches || summary->orphan_events)
    {
      g_autofree char *l = lsc_format_count (summary->orphan_launches);
      g_autofree char *e = lsc_format_count (summary->orphan_events);
      add_row_take (file, _("Rows without a session"), g_strdup_printf (_("%s launches, %s events"), l, e));
    }
  const char *warning = lsc_report_warning (lsc_document_get_report (document));
  if (warning)
    add_row (file, _("Note"), warning);
}

static void
lsc_session_view_dispose (GObject *object)
{
  LscSessionView *self = LSC_SESSION_VIEW (object);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_SESSION_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_session_view_parent_class)->dispose (object);
}

static void
lsc_session_view_class_init (LscSessionViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_session_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-session-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscSessionView, page);
}

static void
lsc_session_view_init (LscSessionView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->groups = g_ptr_array_new ();
}
