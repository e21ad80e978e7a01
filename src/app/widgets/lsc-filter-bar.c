/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-filter-bar.c — the window's process and kernel filter (see the header).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "lsc-filter-bar.h"
#include "lsc-kernel-table.h"

struct _LscFilterBar
{
  GtkWidget parent_instance;

  GtkDropDown *process_dropdown;
  GtkStringList *process_names;
  GtkDropDown *kernel_dropdown;
  GtkStringList *kernel_names;
  GtkWidget *clear_button;
  GtkSpinner *spinner; /* spins only while shown: a spinning one, even hidden, ticks every frame */

  LscDocument *document;
  GArray *session_ids; /* gint64 per process_dropdown entry after "All processes" */
  GArray *kernel_ids;  /* gint64 per kernel_dropdown entry after "All kernels" */
  gboolean filling;    /* the drop-downs are being refilled: no filter yet */
};

G_DEFINE_FINAL_TYPE (LscFilterBar, lsc_filter_bar, GTK_TYPE_WIDGET)

static gint64
chosen (GtkDropDown *dropdown, GArray *ids)
{
  guint i = gtk_drop_down_get_selected (dropdown);
  return i >= 1 && i <= ids->len ? g_array_index (ids, gint64, i - 1) : LSC_ROW_ANY;
}

static void
replace_strings (GtkStringList *list, GPtrArray *strings)
{
  g_ptr_array_add (strings, NULL);
  guint old = g_list_model_get_n_items (G_LIST_MODEL (list));
  gtk_string_list_splice (list, 0, old, (const char *const *) strings->pdata);
}

/* "All kernels", then every kernel of the chosen process (of every one: named with its process
 * where the report holds several), as the launch list names them. */
static void
fill_kernels (LscFilterBar *self, gint64 session_id)
{
  g_array_set_size (self->kernel_ids, 0);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (names, g_strdup (_("All kernels")));
  const lsc_report_summary *summary = self->document ? lsc_document_get_summary (self->document) : NULL;
  for (size_t i = 0; summary && i < summary->n_sessions; i++)
    {
      const lsc_session_summary *session = &summary->sessions[i];
      if (session_id != LSC_ROW_ANY && session->id != session_id)
        continue;
      g_autofree char *process = lsc_kernel_table_session_name (session);
      for (size_t j = 0; j < session->n_kernel_list; j++)
        {
          const lsc_kernel_summary *kernel = &session->kernel_list[j];
          const char *name = kernel->name ? kernel->name : "?";
          char *readable = lsc_kernel_name_demangle (name);
          g_ptr_array_add (names, summary->n_sessions > 1 && session_id == LSC_ROW_ANY
                                    ? g_strdup_printf (_("%s (%s)"), readable ? readable : name, process)
                                    : g_strdup (readable ? readable : name));
          free (readable);
          g_array_append_val (self->kernel_ids, kernel->id);
        }
    }
  self->filling = TRUE;
  replace_strings (self->kernel_names, names);
  gtk_drop_down_set_selected (self->kernel_dropdown, 0);
  self->filling = FALSE;
}

static void
apply (LscFilterBar *self)
{
  if (self->filling || !self->document)
    return;
  gint64 session_id = chosen (self->process_dropdown, self->session_ids);
  gint64 kernel_id = chosen (self->kernel_dropdown, self->kernel_ids);
  gtk_widget_set_sensitive (self->clear_button, session_id != LSC_ROW_ANY || kernel_id != LSC_ROW_ANY);
  lsc_document_set_filter (self->document, session_id, kernel_id);
}

static void
process_changed_cb (LscFilterBar *self)
{
  if (self->filling)
    return;
  gint64 kernel_id = chosen (self->kernel_dropdown, self->kernel_ids);
  fill_kernels (self, chosen (self->process_dropdown, self->session_ids));
  /* the kernel stays chosen when the process has it */
  for (guint i = 0; i < self->kernel_ids->len; i++)
    if (g_array_index (self->kernel_ids, gint64, i) == kernel_id)
      {
        self->filling = TRUE;
        gtk_drop_down_set_selected (self->kernel_dropdown, i + 1);
        self->filling = FALSE;
      }
  apply (self);
}

static void
kernel_changed_cb (LscFilterBar *self)
{
  apply (self);
}

static void
clear_cb (LscFilterBar *self)
{
  self->filling = TRUE;
  gtk_drop_down_set_selected (self->process_dropdown, 0);
  self->filling = FALSE;
  fill_kernels (self, LSC_ROW_ANY);
  apply (self);
}

/* Spins while the views recompute for the filter. */
static void
charts_ready_cb (LscFilterBar *self)
{
  gboolean busy = self->document && lsc_document_is_filtered (self->document)
                  && !lsc_document_get_charts_ready (self->document)
                  && !lsc_document_get_charts_error (self->document);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

void
lsc_filter_bar_set_kernel (LscFilterBar *self, gint64 kernel_id)
{
  g_return_if_fail (LSC_IS_FILTER_BAR (self));
  if (kernel_id == chosen (self->kernel_dropdown, self->kernel_ids))
    return;
  guint position = 0;
  for (guint i = 0; i < self->kernel_ids->len && kernel_id != LSC_ROW_ANY; i++)
    if (g_array_index (self->kernel_ids, gint64, i) == kernel_id)
      position = i + 1;
  if (position == 0 && kernel_id != LSC_ROW_ANY && gtk_drop_down_get_selected (self->process_dropdown) != 0)
    {
      /* a kernel of another process: every process's kernels first */
      self->filling = TRUE;
      gtk_drop_down_set_selected (self->process_dropdown, 0);
      self->filling = FALSE;
      fill_kernels (self, LSC_ROW_ANY);
      for (guint i = 0; i < self->kernel_ids->len; i++)
        if (g_array_index (self->kernel_ids, gint64, i) == kernel_id)
          position = i + 1;
    }
  self->filling = TRUE;
  gtk_drop_down_set_selected (self->kernel_dropdown, position);
  self->filling = FALSE;
  apply (self);
}

void
lsc_filter_bar_set_document (LscFilterBar *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_FILTER_BAR (self));

  if (self->document)
    g_signal_handlers_disconnect_by_func (self->document, charts_ready_cb, self);
  g_set_object (&self->document, document);

  g_array_set_size (self->session_ids, 0);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (names, g_strdup (_("All processes")));
  const lsc_report_summary *summary = document ? lsc_document_get_summary (document) : NULL;
  for (size_t i = 0; summary && i < summary->n_sessions; i++)
    {
      g_ptr_array_add (names, lsc_kernel_table_session_name (&summary->sessions[i]));
      g_array_append_val (self->session_ids, summary->sessions[i].id);
    }
  self->filling = TRUE;
  replace_strings (self->process_names, names);
  gtk_drop_down_set_selected (self->process_dropdown, 0);
  self->filling = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->process_dropdown), self->session_ids->len > 1);
  fill_kernels (self, LSC_ROW_ANY);
  gtk_widget_set_sensitive (self->clear_button, FALSE);
  if (document)
    g_signal_connect_swapped (document, "notify::charts-ready", G_CALLBACK (charts_ready_cb), self);
  charts_ready_cb (self);
}

static void
lsc_filter_bar_dispose (GObject *object)
{
  LscFilterBar *self = LSC_FILTER_BAR (object);

  if (self->document)
    g_signal_handlers_disconnect_by_func (self->document, charts_ready_cb, self);
  g_clear_object (&self->document);
  g_clear_pointer (&self->session_ids, g_array_unref);
  g_clear_pointer (&self->kernel_ids, g_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_FILTER_BAR);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_filter_bar_parent_class)->dispose (object);
}

static void
lsc_filter_bar_class_init (LscFilterBarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_filter_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-filter-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, LscFilterBar, process_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LscFilterBar, process_names);
  gtk_widget_class_bind_template_child (widget_class, LscFilterBar, kernel_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LscFilterBar, kernel_names);
  gtk_widget_class_bind_template_child (widget_class, LscFilterBar, clear_button);
  gtk_widget_class_bind_template_child (widget_class, LscFilterBar, spinner);
  gtk_widget_class_bind_template_callback (widget_class, process_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, kernel_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_cb);
}

static void
lsc_filter_bar_init (LscFilterBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->session_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->kernel_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  lsc_filter_bar_set_document (self, NULL);
}
