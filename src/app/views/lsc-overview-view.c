/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-overview-view.c — the overview cards and the per-path table (see the header).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>

#include "lsc-chart-draw.h"
#include "lsc-copy.h"
#include "lsc-floor-text.h"
#include "lsc-format.h"
#include "lsc-kernel-table.h"
#include "lsc-overview-view.h"
#include "lsc-session-text.h"
#include "lsc-stat-card.h"
#include "lsc-summary-figures.h"

struct _LscOverviewView
{
  GtkWidget parent_instance;

  GtkLabel *title_label;
  GtkLabel *subtitle_label;
  GtkGrid *path_grid;
  GtkLabel *note_label;
  LscStatCard *fast_card;
  LscStatCard *baseline_card;
  LscStatCard *speedup_card;
  LscStatCard *floor_card;
  LscStatCard *launches_card;
  LscStatCard *fallbacks_card;
  LscStatCard *specs_card;
  LscStatCard *dropped_card;
  LscStatCard *observer_card;

  LscDocument *document;
  /* the cell under the table's last right click */
  char *copy_value;
  int copy_row;
};

G_DEFINE_FINAL_TYPE (LscOverviewView, lsc_overview_view, GTK_TYPE_WIDGET)

static void
path_card (LscStatCard *card, const char *title, const lsc_path_summary *ps)
{
  if (!ps || ps->count == 0)
    {
      lsc_stat_card_set (card, title, NULL, _("No launches on this path"));
      return;
    }
  g_autofree char *p50 = lsc_format_duration_ns ((double) ps->p50_ns);
  g_autofree char *p90 = lsc_format_duration_ns ((double) ps->p90_ns);
  g_autofree char *p99 = lsc_format_duration_ns ((double) ps->p99_ns);
  g_autofree char *n = lsc_format_count (ps->count);
  g_autofree char *detail = g_strdup_printf (_("p90 %s · p99 %s · %s launches"), p90, p99, n);
  lsc_stat_card_set (card, title, p50, detail);
}

static GtkWidget *
cell (const char *text, gboolean header, float xalign)
{
  GtkWidget *label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_selectable (GTK_LABEL (label), !header);
  gtk_widget_add_css_class (label, header ? "header" : "numeric");
  if (header)
    gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static void
clear_grid (LscOverviewView *self)
{
  /* the cells only: the copy menu's popover stays */
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->path_grid));
  while (child)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);
      if (GTK_IS_LABEL (child))
        gtk_grid_remove (self->path_grid, child);
      child = next;
    }
}

/* The cell starting at column, row of the per-path table, or NULL.  (gtk_grid_get_child_at()
 * can answer the copy menu's popover, which the grid holds at 0, 0 too.) */
static GtkLabel *
cell_at (LscOverviewView *self, int column, int row)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->path_grid)); child;
       child = gtk_widget_get_next_sibling (child))
    {
      int c, r;
      if (!GTK_IS_LABEL (child))
        continue;
      gtk_grid_query_child (self->path_grid, child, &c, &r, NULL, NULL);
      if (c == column && r == row)
        return GTK_LABEL (child);
    }
  return NULL;
}

/* Row row of the per-path table (0: the header), its cells separated by tabs. */
static void
append_grid_row (LscOverviewView *self, GString *text, int row)
{
  int c = 0;
  for (GtkLabel *label; (label = cell_at (self, c, row)); )
    {
      int width = 1;
      gtk_grid_query_child (self->path_grid, GTK_WIDGET (label), NULL, NULL, &width, NULL);
      lsc_copy_append_field (text, gtk_label_get_text (label), c == 0);
      c += MAX (width, 1);
    }
  g_string_append_c (text, '\n');
}

char *
lsc_overview_view_dup_table_text (LscOverviewView *self, int row)
{
  g_return_val_if_fail (LSC_IS_OVERVIEW_VIEW (self), NULL);
  GString *text = g_string_new (NULL);
  append_grid_row (self, text, 0);
  if (row > 0)
    append_grid_row (self, text, row);
  else
    for (int r = 1; cell_at (self, 0, r); r++)
      append_grid_row (self, text, r);
  return g_string_free (text, FALSE);
}

static gboolean
prepare_copy (GtkWidget *widget, double x, double y, gpointer data)
{
  LscOverviewView *self = data;
  GtkWidget *picked = gtk_widget_pick (widget, x, y, GTK_PICK_DEFAULT);
  while (picked && picked != widget && gtk_widget_get_parent (picked) != widget)
    picked = gtk_widget_get_parent (picked);
  g_clear_pointer (&self->copy_value, g_free);
  self->copy_row = -1;
  if (GTK_IS_LABEL (picked))
    {
      self->copy_value = g_strdup (gtk_label_get_text (GTK_LABEL (picked)));
      gtk_grid_query_child (self->path_grid, picked, NULL, &self->copy_row, NULL, NULL);
    }
  return TRUE;
}

static void
copy_value_cb (GSimpleAction *action, GVariant *param, gpointer data)
{
  LscOverviewView *self = data;
  (void) action;
  (void) param;
  if (self->copy_value)
    lsc_copy_text (GTK_WIDGET (self), self->copy_value);
}

static void
copy_row_cb (GSimpleAction *action, GVariant *param, gpointer data)
{
  LscOverviewView *self = data;
  (void) action;
  (void) param;
  g_autofree char *text = lsc_overview_view_dup_table_text (self, MAX (self->copy_row, 0));
  lsc_copy_text (GTK_WIDGET (self), text);
}

static void
copy_table_cb (GSimpleAction *action, GVariant *param, gpointer data)
{
  (void) action;
  (void) param;
  g_autofree char *text = lsc_overview_view_dup_table_text (data, 0);
  lsc_copy_text (GTK_WIDGET (data), text);
}

/* Fills the per-path table; appends to notes why a starred mean is high. */
static void
fill_grid (LscOverviewView *self, const lsc_session_summary *session, GString *notes)
{
  const char *headers[] = {
    C_("column", "Path"),   C_("column", "Launches"), C_("column", "Errors"), C_("column", "Hits"),
    C_("column", "Misses"), C_("column", "Fallbacks"), C_("column", "p50"),   C_("column", "p90"),
    C_("column", "p99"),    C_("column", "Min"),       C_("column", "Max"),   C_("column", "Mean"),
  };
  clear_grid (self);
  for (guint c = 0; c < G_N_ELEMENTS (headers); c++)
    gtk_grid_attach (self->path_grid, cell (headers[c], TRUE, c == 0 ? 0.0f : 1.0f), (int) c, 0, 1, 1);

  int row = 1;
  for (guint p = 0; p <= LSC_PATH_COUNT; p++)
    {
      const lsc_path_summary *ps = &session->paths[p];
      if (ps->launches == 0)
        continue;
      char *texts[12];
      texts[0] = g_strdup (lsc_chart_path_label (p));
      texts[1] = lsc_format_count (ps->launches);
      texts[2] = lsc_format_count (ps->errors);
      texts[3] = lsc_format_count (ps->outcomes[LSC_OUTCOME_HIT]);
      texts[4] = lsc_format_count (ps->outcomes[LSC_OUTCOME_MISS]);
      texts[5] = lsc_format_count (ps->outcomes[LSC_OUTCOME_FALLBACK]);
      gboolean timed = ps->count > 0;
      texts[6] = timed ? lsc_format_duration_ns ((double) ps->p50_ns) : g_strdup ("—");
      texts[7] = timed ? lsc_format_duration_ns ((double) ps->p90_ns) : g_strdup ("—");
      texts[8] = timed ? lsc_format_duration_ns ((double) ps->p99_ns) : g_strdup ("—");
      texts[9] = timed ? lsc_format_duration_ns ((double) ps->min_ns) : g_strdup ("—");
      texts[10] = timed ? lsc_format_duration_ns ((double) ps->max_ns) : g_strdup ("—");
      texts[11] = timed ? lsc_format_duration_ns (ps->mean_ns) : g_strdup ("—");
      g_autofree char *mean_note = lsc_mean_note (ps, lsc_chart_path_label (p));
      if (mean_note)
        {
          char *marked = g_strconcat (texts[11], " *", NULL);
          g_free (texts[11]);
          texts[11] = marked;
        }
      for (guint c = 0; c < G_N_ELEMENTS (texts); c++)
        {
          GtkWidget *label = cell (texts[c], FALSE, c == 0 ? 0.0f : 1.0f);
          if (c == 11 && mean_note)
            gtk_widget_set_tooltip_text (label, mean_note);
          gtk_grid_attach (self->path_grid, label, (int) c, row, 1, 1);
          g_free (texts[c]);
        }
      if (mean_note)
        g_string_append_printf (notes, "%s* %s", notes->len ? "\n" : "", mean_note);
      row++;
    }
  if (row == 1)
    gtk_grid_attach (self->path_grid, cell (_("This session recorded no launches."), FALSE, 0.0f), 0, 1, 12, 1);
}

static void
clear (LscOverviewView *self)
{
  gtk_label_set_label (self->title_label, "");
  gtk_label_set_label (self->subtitle_label, "");
  LscStatCard *cards[] = { self->fast_card,      self->baseline_card, self->speedup_card,
                           self->floor_card,     self->launches_card, self->fallbacks_card,
                           self->specs_card,     self->dropped_card,  self->observer_card };
  for (guint i = 0; i < G_N_ELEMENTS (cards); i++)
    {
      lsc_stat_card_set (cards[i], NULL, NULL, "");
      lsc_stat_card_set_tone (cards[i], NULL);
    }
  clear_grid (self);
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), FALSE);
}

/* What the filter chose, for the heading: "kernel add8", "process 1234", or NULL. */
static char *
filter_text (LscDocument *document, const lsc_session_summary *s)
{
  lsc_row_filter filter;
  lsc_document_get_filter (document, &filter);
  GString *text = g_string_new (NULL);
  if (filter.session_id != LSC_ROW_ANY)
    {
      g_autofree char *process = lsc_kernel_table_session_name (s);
      g_string_append (text, process);
    }
  for (size_t k = 0; filter.kernel_id != LSC_ROW_ANY && k < s->n_kernel_list; k++)
    if (s->kernel_list[k].id == filter.kernel_id)
      {
        const char *name = s->kernel_list[k].name ? s->kernel_list[k].name : "?";
        char *readable = lsc_kernel_name_demangle (name);
        g_string_append_printf (text, "%s%s", text->len ? " · " : "", readable ? readable : name);
        free (readable);
      }
  if (text->len == 0 && filter.kernel_id != LSC_ROW_ANY)
    g_string_append (text, _("a kernel of another session"));
  return g_string_free (text, text->len == 0);
}

static void
show (LscOverviewView *self)
{
  clear (self);
  LscDocument *document = self->document;
  if (!document)
    return;
  const lsc_report_summary *summary = lsc_document_get_summary (document);
  if (!lsc_document_get_session (document))
    {
      gtk_label_set_label (self->title_label, _("This report holds no recording session"));
      return;
    }
  const lsc_session_summary *s = lsc_document_get_filtered_session (document);
  if (!s)
    {
      /* the filter's summary is being computed off the main loop */
      gtk_label_set_label (self->title_label, lsc_document_get_charts_error (document)
                                                ? lsc_document_get_charts_error (document)
                                                : _("Summarizing the chosen launches…"));
      return;
    }

  /* heading: what was recorded, where, when, and what of it is shown */
  gtk_label_set_label (self->title_label, s->workload && *s->workload ? s->workload : _("Unnamed workload"));
  GString *sub = g_string_new (NULL);
  g_autofree char *chosen = filter_text (document, s);
  if (chosen)
    g_string_append_printf (sub, _("Only %s"), chosen);
  g_string_append_printf (sub, "%s%s", sub->len ? " · " : "", s->gpu && *s->gpu ? s->gpu : _("Unknown GPU"));
  if (s->start_wall)
    {
      g_autoptr (GTimeZone) local = g_time_zone_new_local ();
      g_autofree char *started = lsc_format_wall_time (s->start_wall, local, NULL);
      g_string_append_printf (sub, " · %s", started ? started : s->start_wall);
    }
  LscOverviewFigures fig;
  lsc_overview_figures_compute (s, &fig);
  if (fig.has_duration)
    {
      g_autofree char *d = lsc_format_duration_ns ((double) fig.duration_ns);
      g_string_append_printf (sub, " · %s", d);
    }
  else if (summary->being_recorded_by)
    g_string_append_printf (sub, " · %s", _("still being recorded"));
  else
    g_string_append_printf (sub, " · %s", _("not stopped (its recorder crashed or was killed)"));
  gtk_label_set_label (self->subtitle_label, sub->str);
  g_string_free (sub, TRUE);

  const lsc_path_summary *fast = &s->paths[LSC_CHART_PATH_FAST];
  const lsc_path_summary *base = &s->paths[LSC_CHART_PATH_DEFAULT];
  path_card (self->fast_card, _("Fast path p50"), fast);
  path_card (self->baseline_card, _("Baseline p50"), base);

  if (fig.has_speedup)
    {
      g_autofree char *value = lsc_format_ratio (fig.speedup);
      g_autofree char *saved = lsc_format_duration_ns ((double) fig.saved_ns);
      g_autofree char *detail = g_strdup_printf (_("Baseline p50 ÷ fast p50: %s saved per launch"), saved);
      lsc_stat_card_set (self->speedup_card, _("Speed-up"), value, detail);
      lsc_stat_card_set_tone (self->speedup_card, fig.speedup >= 1.0 ? "success" : "warning");
    }
  else
    lsc_stat_card_set (self->speedup_card, _("Speed-up"), NULL, _("Needs launches on both the fast and the baseline path"));

  {
    g_autofree char *value = NULL, *detail = NULL;
    lsc_floor_card_texts (&s->floor, &value, &detail);
    lsc_stat_card_set (self->floor_card, _("Above the floor"), value, detail);
  }

  {
    g_autofree char *n = lsc_format_count (s->launches);
    GString *detail = g_string_new (NULL);
    for (guint p = 0; p <= LSC_PATH_COUNT; p++)
      if (s->paths[p].launches > 0)
        {
          g_autofree char *c = lsc_format_count (s->paths[p].launches);
          g_string_append_printf (detail, "%s%s %s", detail->len ? " · " : "", lsc_chart_path_label (p), c);
        }
    lsc_stat_card_set (self->launches_card, _("Launches"), n, detail->str);
    g_string_free (detail, TRUE);
  }

  {
    g_autofree char *n = lsc_format_count (fig.fallbacks);
    g_autofree char *detail = lsc_fallbacks_detail (s, &fig);
    lsc_stat_card_set (self->fallbacks_card, _("Fallbacks"), n, detail);
  }

  {
    g_autofree char *n = lsc_format_count ((gint64) s->n_specs);
    g_autofree char *h = lsc_format_count (fig.specs.hits);
    g_autofree char *m = lsc_format_count (fig.specs.misses);
    g_autofree char *c = lsc_format_duration_ns (fig.specs.compile_ms * 1e6);
    g_autofree char *detail = g_strdup_printf (_("hits %s · misses %s · compiling %s"), h, m, c);
    lsc_stat_card_set (self->specs_card, _("Specs in the cache"), n, detail);
  }

  {
    g_autofree char *n = lsc_format_count (s->dropped_rows);
    lsc_stat_card_set (self->dropped_card, _("Dropped rows"), n,
                       s->dropped_rows > 0 ? _("Launches not recorded: a ring buffer was full")
                                           : _("Every launch was recorded"));
    lsc_stat_card_set_tone (self->dropped_card, s->dropped_rows > 0 ? "warning" : NULL);
  }

  {
    g_autofree char *value = NULL, *detail = NULL;
    lsc_observer_card_texts (&s->floor, s->has_observer_overhead ? s->observer_overhead_ns : 0, &value, &detail);
    lsc_stat_card_set (self->observer_card, _("Observer cost"), value, detail);
  }

  GString *note = g_string_new (NULL);
  fill_grid (self, s, note);
  if (summary->n_sessions > 1)
    {
      if (note->len)
        g_string_append_c (note, '\n');
      g_string_append_printf (note,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "This report holds %zu session; the overview and the charts show the first.",
                                           "This report holds %zu sessions; the overview and the charts show the first.",
                                           summary->n_sessions),
                              summary->n_sessions);
    }
  if (s->paths[LSC_PATH_COUNT].launches > 0)
    g_string_append_printf (note, "%s%s", note->len ? " " : "",
                            _("Some launches name a path this version does not know; they are counted as “Unknown path”."));
  gtk_label_set_label (self->note_label, note->str);
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), note->len > 0);
  g_string_free (note, TRUE);
}

void
lsc_overview_view_set_document (LscOverviewView *self, LscDocument *document)
{
  g_return_if_fail (LSC_IS_OVERVIEW_VIEW (self));

  if (self->document)
    g_signal_handlers_disconnect_by_func (self->document, show, self);
  g_set_object (&self->document, document);
  /* a filter's summary arrives with its chart pass */
  if (document)
    g_signal_connect_swapped (document, "notify::charts-ready", G_CALLBACK (show), self);
  show (self);
}

static void
lsc_overview_view_dispose (GObject *object)
{
  LscOverviewView *self = LSC_OVERVIEW_VIEW (object);
  if (self->document)
    g_signal_handlers_disconnect_by_func (self->document, show, self);
  g_clear_object (&self->document);
  g_clear_pointer (&LSC_OVERVIEW_VIEW (object)->copy_value, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_OVERVIEW_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_overview_view_parent_class)->dispose (object);
}

static void
lsc_overview_view_class_init (LscOverviewViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_overview_view_dispose;
  g_type_ensure (LSC_TYPE_STAT_CARD);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-overview-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, title_label);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, path_grid);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, note_label);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, fast_card);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, baseline_card);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, speedup_card);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, floor_card);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, launches_card);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, fallbacks_card);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, specs_card);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, dropped_card);
  gtk_widget_class_bind_template_child (widget_class, LscOverviewView, observer_card);
}

static void
lsc_overview_view_init (LscOverviewView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  static const GActionEntry entries[] = {
    { "value", copy_value_cb, NULL, NULL, NULL, { 0 } },
    { "row", copy_row_cb, NULL, NULL, NULL, { 0 } },
    { "table", copy_table_cb, NULL, NULL, NULL, { 0 } },
  };
  lsc_copy_add_actions (GTK_WIDGET (self->path_grid), entries, G_N_ELEMENTS (entries), self);
  lsc_copy_attach_menu (GTK_WIDGET (self->path_grid), "table_menu", prepare_copy, self);
  lsc_copy_add_shortcut (GTK_WIDGET (self->path_grid), "copy.table");
  clear (self);
}
