/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-compare-view.c — the Compare view: the comparison's rows and facts laid out in grids
 * (tens of rows at most, so no list model), and the chosen path's two distributions in the
 * distribution chart, report A in the fast path's slot and B in the baseline's so that they
 * take the chart's two most distinct colours.
 *
 * The metric and the noise floors are GSettings keys (compare-metric, compare-noise-ns,
 * compare-noise-pct) set from the toolbar's popover: a new floor decides the shown verdicts
 * again at once (lsc_comparison_set_noise); a new metric is the window's to compare anew.
 * The session facts sit beside the table where both fit, and below it, in its scroller, where
 * they do not: the view watches its width and moves them after it was allocated.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lsc-compare-view.h"
#include "lsc-chart-draw.h"
#include "lsc-distribution-chart.h"
#include "lsc-format.h"
#include "lsc-interval-bar.h"

#define SLOT_A LSC_CHART_PATH_FAST
#define SLOT_B LSC_CHART_PATH_DEFAULT
/* The width the session facts need beside the table; narrower, they go below it. */
#define FACTS_MIN_WIDTH 360
/* The chart's height at most when a comparison is shown; less in a short window. */
#define CHART_HEIGHT 280
/* A session fact's characters shown; the rest is in its tooltip. */
#define FACT_MAX_CHARS 84

struct _LscCompareView
{
  GtkWidget parent_instance;

  GtkStack *stack;
  AdwStatusPage *loading_page;
  GtkProgressBar *progress_bar;
  guint progress_source; /* polls the comparison's progress while it runs */
  GtkDropDown *path_dropdown;
  GtkLabel *files_label;
  GtkMenuButton *verdict_button;
  GtkDropDown *metric_dropdown;
  GtkSpinButton *noise_ns_spin;
  GtkSpinButton *noise_pct_spin;
  GtkWidget *warning_banner;
  GtkLabel *warning_label;
  LscDistributionChart *chart;
  GtkPaned *split_paned;
  GtkPaned *tables_paned;
  GtkBox *tables_box;
  GtkScrolledWindow *facts_scroller;
  GtkGrid *delta_grid;
  GtkGrid *facts_grid;
  gboolean facts_below;  /* the facts are in the table's scroller */
  gboolean place_facts;  /* where they go, and the divider, are to be decided again */
  gboolean facts_wanted_below;
  int table_width;       /* the table's natural width when last allocated */
  guint place_source;

  GSettings *settings;
  LscComparison *comparison;
  LscChartPath shown_paths[LSC_CHART_N_PATHS]; /* the dropdown's entries */
  guint n_shown_paths;
};

G_DEFINE_FINAL_TYPE (LscCompareView, lsc_compare_view, GTK_TYPE_WIDGET)

static char *
display_name (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);
  return g_filename_display_name (base);
}

/* ---- the grids ------------------------------------------------------------------------------ */

static void
grid_clear (GtkGrid *grid)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (grid))))
    gtk_grid_remove (grid, child);
}

static GtkWidget *
cell (GtkGrid *grid, int column, int row, const char *text, float xalign, const char *style)
{
  GtkWidget *label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  if (style)
    gtk_widget_add_css_class (label, style);
  if (row > 0 && xalign > 0.5f)
    gtk_widget_add_css_class (label, "numeric");
  gtk_grid_attach (grid, label, column, row, 1, 1);
  return label;
}

static void
header (GtkGrid *grid, int column, const char *text, float xalign)
{
  cell (grid, column, 0, text, xalign, "header");
}

static const char *
kind_label (lsc_diff_row_kind kind)
{
  switch (kind)
    {
    case LSC_DIFF_ROW_PATH: return C_("comparison row", "Path");
    case LSC_DIFF_ROW_KERNEL: return C_("comparison row", "Kernel");
    case LSC_DIFF_ROW_SPEC: return C_("comparison row", "Spec");
    case LSC_DIFF_ROW_STAGE: return C_("comparison row", "Stage");
    case LSC_DIFF_ROW_PROCESS: return C_("comparison row", "Process");
    default: return "";
    }
}

static const char *
verdict_label (lsc_diff_verdict verdict, const char **style)
{
  switch (verdict)
    {
    case LSC_DIFF_FASTER: *style = "success"; return _("Faster");
    case LSC_DIFF_SLOWER: *style = "error"; return _("Slower");
    case LSC_DIFF_ONLY_A: *style = "dim-label"; return _("Only in A");
    case LSC_DIFF_ONLY_B: *style = "dim-label"; return _("Only in B");
    case LSC_DIFF_TOO_FEW: *style = "dim-label"; return _("Too few launches");
    case LSC_DIFF_SAME:
    default: *style = "dim-label"; return _("No change");
    }
}

/* The metric in the cell, the launches it is of in its tooltip (the table stays narrow enough
 * to leave the session facts beside it). */
static void
side_cell (GtkGrid *grid, int column, int row, gint64 count, double value)
{
  if (count <= 0)
    {
      cell (grid, column, row, "—", 1, "dim-label");
      return;
    }
  g_autofree char *v = lsc_format_duration_ns (value);
  g_autofree char *n = lsc_format_count (count);
  GtkWidget *label = cell (grid, column, row, v, 1, NULL);
  /* Translators: a comparison cell's tooltip: how many launches the metric is of. */
  g_autofree char *tip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s launch", "%s launches", (gulong) count), n);
  gtk_widget_set_tooltip_text (label, tip);
}

static char *
signed_duration (double ns)
{
  g_autofree char *v = lsc_format_duration_ns (fabs (ns));
  return g_strdup_printf ("%s%s", ns > 0 ? "+" : ns < 0 ? "−" : "", v);
}

static void
fill_deltas (LscCompareView *self, const lsc_report_diff *d)
{
  GtkGrid *grid = self->delta_grid;
  grid_clear (grid);
  header (grid, 0, _("Kind"), 0);
  header (grid, 1, _("Name"), 0);
  g_autofree char *metric = g_ascii_strup (lsc_diff_metric_name (d->metric), -1);
  g_autofree char *a_head = g_strdup_printf (_("A %s"), metric);
  g_autofree char *b_head = g_strdup_printf (_("B %s"), metric);
  header (grid, 2, a_head, 1);
  header (grid, 3, b_head, 1);
  header (grid, 4, _("Δ"), 1);
  header (grid, 5, _("Δ %"), 1);
  g_autofree char *level = g_strdup_printf (_("Interval (%.4g %%)"), 100.0 * d->level);
  GtkWidget *interval_header = cell (grid, 6, 0, d->tested > 0 ? level : _("Interval"), 0.5f, "header");
  g_object_ref (interval_header);
  gtk_grid_remove (grid, interval_header);
  gtk_grid_attach (grid, interval_header, 6, 0, 2, 1); /* over the bar and the text */
  g_object_unref (interval_header);
  header (grid, 8, _("Verdict"), 0);

  /* one scale for every bar: the widest interval's end from zero */
  double scale = 0;
  for (size_t i = 0; i < d->n_rows; i++)
    if (d->rows[i].count_a > 0 && d->rows[i].count_b > 0)
      scale = MAX (scale, MAX (fabs (d->rows[i].ci_low_ns), fabs (d->rows[i].ci_high_ns)));

  for (size_t i = 0; i < d->n_rows; i++)
    {
      const lsc_diff_row *r = &d->rows[i];
      int row = (int) i + 1;
      const char *style = NULL;
      const char *verdict = verdict_label (r->verdict, &style);
      gboolean both = r->count_a > 0 && r->count_b > 0;
      cell (grid, 0, row, kind_label (r->kind), 0, "dim-label");
      /* a spec's kernel is in its tooltip: the cell keeps the description, which tells specs apart */
      const char *name = lsc_diff_row_display_name (r);
      g_autofree char *full = r->kernel ? g_strdup_printf ("%s · %s", r->kernel, r->name) : g_strdup (r->name);
      GtkWidget *name_label = cell (grid, 1, row, name, 0, NULL);
      gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_width_chars (GTK_LABEL (name_label), MIN ((int) g_utf8_strlen (name, -1), 14));
      gtk_label_set_max_width_chars (GTK_LABEL (name_label), 22);
      gtk_widget_set_tooltip_text (name_label, full);
      side_cell (grid, 2, row, r->count_a, r->value_a);
      side_cell (grid, 3, row, r->count_b, r->value_b);
      g_autofree char *dn = both ? signed_duration (r->diff_ns) : g_strdup ("—");
      g_autofree char *dp = both ? g_strdup_printf ("%+.1f %%", r->diff_pct) : g_strdup ("—");
      cell (grid, 4, row, dn, 1, style);
      cell (grid, 5, row, dp, 1, style);
      g_autofree char *lo = signed_duration (r->ci_low_ns);
      g_autofree char *hi = signed_duration (r->ci_high_ns);
      g_autofree char *ci = both && r->ci_low_ns != r->ci_high_ns ? g_strdup_printf ("%s … %s", lo, hi) : g_strdup ("—");
      if (both && isfinite (r->ci_low_ns) && isfinite (r->ci_high_ns))
        {
          GtkWidget *bar = lsc_interval_bar_new (r->ci_low_ns, r->diff_ns, r->ci_high_ns, scale);
          gtk_widget_add_css_class (bar, style);
          gtk_widget_set_tooltip_text (bar, ci);
          gtk_grid_attach (grid, bar, 6, row, 1, 1);
        }
      cell (grid, 7, row, ci, 0.5f, r->ci_low_ns <= 0 && r->ci_high_ns >= 0 ? "dim-label" : NULL);
      GtkWidget *verdict_label_widget = cell (grid, 8, row, verdict, 0, style);
      if (r->verdict == LSC_DIFF_SAME)
        gtk_widget_set_tooltip_text (verdict_label_widget,
                                     _("No significant change: the interval holds zero, or the difference is within "
                                       "the noise floor"));
    }
}

static void
fill_facts (LscCompareView *self, const lsc_report_diff *d)
{
  GtkGrid *grid = self->facts_grid;
  grid_clear (grid);
  header (grid, 0, _("Session"), 0);
  header (grid, 1, _("A"), 0);
  header (grid, 2, _("B"), 0);
  for (size_t i = 0; i < d->n_facts; i++)
    {
      const lsc_diff_fact *f = &d->facts[i];
      int row = (int) i + 1;
      const char *style = f->differs ? "warning" : NULL;
      GtkWidget *name = cell (grid, 0, row, f->name, 0, f->differs ? "warning" : "dim-label");
      if (f->differs)
        gtk_widget_set_tooltip_text (name, _("Differs between the reports"));
      const char *texts[2] = { f->a, f->b };
      for (int k = 0; k < 2; k++)
        {
          /* wrapped to fit the pane; a long one (the settings) cut after about three lines,
           * whole in its tooltip (GTK 4.8 mismeasures a wrapped label limited to some lines) */
          const char *text = texts[k] ? texts[k] : "—";
          g_autofree char *head = g_utf8_strlen (text, -1) > FACT_MAX_CHARS
                                    ? g_utf8_substring (text, 0, FACT_MAX_CHARS - 1)
                                    : NULL;
          g_autofree char *cut = head ? g_strconcat (head, "…", NULL) : NULL;
          GtkWidget *value = cell (grid, 1 + k, row, cut ? cut : text, 0, style);
          gtk_label_set_wrap (GTK_LABEL (value), TRUE);
          gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
          gtk_label_set_max_width_chars (GTK_LABEL (value), 28);
          gtk_widget_set_valign (value, GTK_ALIGN_START);
          gtk_widget_set_tooltip_text (value, texts[k]);
        }
      gtk_widget_set_valign (name, GTK_ALIGN_START);
    }
}

/* ---- where the facts go ----------------------------------------------------------------------- */

static gboolean
place_facts_cb (gpointer data)
{
  LscCompareView *self = data;
  self->place_source = 0;
  GtkWidget *facts = GTK_WIDGET (self->facts_grid);
  if (self->facts_wanted_below != self->facts_below)
    {
      g_object_ref (facts);
      if (self->facts_wanted_below)
        {
          gtk_scrolled_window_set_child (self->facts_scroller, NULL);
          gtk_box_append (self->tables_box, facts);
        }
      else
        {
          gtk_box_remove (self->tables_box, facts);
          gtk_scrolled_window_set_child (self->facts_scroller, facts);
        }
      g_object_unref (facts);
      gtk_widget_set_visible (GTK_WIDGET (self->facts_scroller), !self->facts_wanted_below);
      self->facts_below = self->facts_wanted_below;
    }
  /* beside: the whole table, the rest to the facts; and in a short window no more than half
   * the height to the chart, so that the table shows more than a few rows (until a divider
   * is dragged) */
  if (!self->facts_below)
    gtk_paned_set_position (self->tables_paned, self->table_width + 12);
  if (self->place_facts)
    gtk_paned_set_position (self->split_paned, MIN (gtk_widget_get_height (GTK_WIDGET (self->split_paned)) / 2,
                                                    CHART_HEIGHT)); /* the paned keeps the chart's least */
  self->place_facts = FALSE;
  return G_SOURCE_REMOVE;
}

static GtkSizeRequestMode
lsc_compare_view_get_request_mode (GtkWidget *widget)
{
  return gtk_widget_get_request_mode (GTK_WIDGET (LSC_COMPARE_VIEW (widget)->stack));
}

static void
lsc_compare_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                          int *minimum_baseline, int *natural_baseline)
{
  LscCompareView *self = LSC_COMPARE_VIEW (widget);
  gtk_widget_measure (GTK_WIDGET (self->stack), orientation, for_size, minimum, natural, minimum_baseline,
                      natural_baseline);
}

/* Moving the facts changes what is being allocated: it waits for an idle. */
static void
lsc_compare_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  LscCompareView *self = LSC_COMPARE_VIEW (widget);
  gtk_widget_allocate (GTK_WIDGET (self->stack), width, height, baseline, NULL);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "result") != 0)
    return;
  int table = 0;
  gtk_widget_measure (GTK_WIDGET (self->delta_grid), GTK_ORIENTATION_HORIZONTAL, -1, NULL, &table, NULL, NULL);
  gboolean below = width < table + FACTS_MIN_WIDTH;
  if ((below != self->facts_below || self->place_facts) && !self->place_source)
    {
      self->facts_wanted_below = below;
      self->table_width = table;
      self->place_facts = TRUE;
      self->place_source = g_idle_add (place_facts_cb, self);
    }
}

/* ---- the chart ------------------------------------------------------------------------------ */

static void
show_path (LscCompareView *self)
{
  guint i = gtk_drop_down_get_selected (self->path_dropdown);
  lsc_distribution_chart_clear (self->chart);
  if (!self->comparison || !lsc_comparison_is_ready (self->comparison) || i >= self->n_shown_paths)
    return;
  LscChartPath path = self->shown_paths[i];
  const LscDistribution *a = lsc_comparison_get_distribution (self->comparison, LSC_COMPARISON_SIDE_A, path);
  const LscDistribution *b = lsc_comparison_get_distribution (self->comparison, LSC_COMPARISON_SIDE_B, path);
  /* the chart owns what it shows: copies, so that another path can be chosen again */
  if (a)
    lsc_distribution_chart_set_distribution (self->chart, SLOT_A,
                                             lsc_distribution_new (lsc_distribution_get_sorted (a),
                                                                   lsc_distribution_get_n (a)));
  if (b)
    lsc_distribution_chart_set_distribution (self->chart, SLOT_B,
                                             lsc_distribution_new (lsc_distribution_get_sorted (b),
                                                                   lsc_distribution_get_n (b)));
}

static void
mode_changed_cb (LscCompareView *self)
{
  lsc_distribution_chart_set_mode (self->chart, g_settings_get_boolean (self->settings, "show-cdf")
                                                    ? LSC_DISTRIBUTION_MODE_CDF
                                                    : LSC_DISTRIBUTION_MODE_HISTOGRAM);
}

/* What depends on the noise floors: the table, the warnings and the popover's button. */
static void
fill_verdicts (LscCompareView *self)
{
  const lsc_report_diff *d = lsc_comparison_get_diff (self->comparison);
  fill_deltas (self, d);
  GString *warnings = g_string_new (NULL);
  for (size_t i = 0; i < d->n_warnings; i++)
    g_string_append_printf (warnings, "%s%s", i ? "\n" : "", d->warnings[i]);
  gtk_label_set_label (self->warning_label, warnings->str);
  gtk_widget_set_visible (self->warning_banner, d->n_warnings > 0);
  g_string_free (warnings, TRUE);

  g_autofree char *upper = g_ascii_strup (lsc_diff_metric_name (d->metric), -1);
  const char *metric = d->metric == LSC_DIFF_METRIC_MEAN ? _("Mean") : upper;
  /* Translators: the button of the comparison's metric and noise floors: "P50 · 20 ns · 2 %". */
  g_autofree char *label = g_strdup_printf (_("%s · %g ns · %g %%"), metric, d->noise_ns, d->noise_pct);
  gtk_menu_button_set_label (self->verdict_button, label);
}

static void
fill (LscCompareView *self)
{
  const lsc_report_diff *d = lsc_comparison_get_diff (self->comparison);
  g_autofree char *a = display_name (lsc_comparison_get_file (self->comparison, LSC_COMPARISON_SIDE_A));
  g_autofree char *b = display_name (lsc_comparison_get_file (self->comparison, LSC_COMPARISON_SIDE_B));
  g_autofree char *label_a = g_strdup_printf (_("A: %s"), a);
  g_autofree char *label_b = g_strdup_printf (_("B: %s"), b);
  lsc_distribution_chart_set_label (self->chart, SLOT_A, label_a);
  lsc_distribution_chart_set_label (self->chart, SLOT_B, label_b);
  g_autofree char *metric = g_ascii_strup (lsc_diff_metric_name (d->metric), -1);
  /* Translators: the compared files, then the metric compared ("P50"). */
  g_autofree char *files = g_strdup_printf (_("A: %s · B: %s · %s of the host time"), a, b, metric);
  gtk_label_set_label (self->files_label, files);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->files_label), files);

  /* the paths either side has launches on; the fast path first when there is one */
  GtkStringList *names = gtk_string_list_new (NULL);
  self->n_shown_paths = 0;
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    if (lsc_comparison_get_distribution (self->comparison, LSC_COMPARISON_SIDE_A, (LscChartPath) p)
        || lsc_comparison_get_distribution (self->comparison, LSC_COMPARISON_SIDE_B, (LscChartPath) p))
      {
        self->shown_paths[self->n_shown_paths++] = (LscChartPath) p;
        gtk_string_list_append (names, lsc_chart_path_label (p));
      }
  gtk_drop_down_set_model (self->path_dropdown, G_LIST_MODEL (names));
  g_object_unref (names);
  gtk_drop_down_set_selected (self->path_dropdown, 0);
  show_path (self);

  fill_facts (self, d);
  fill_verdicts (self);
  self->place_facts = TRUE;
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

/* ---- the metric and the noise floors ------------------------------------------------------ */

static void
noise_changed_cb (LscCompareView *self)
{
  if (!self->comparison)
    return;
  lsc_comparison_set_noise (self->comparison, g_settings_get_double (self->settings, "compare-noise-ns"),
                            g_settings_get_double (self->settings, "compare-noise-pct"));
  if (lsc_comparison_is_ready (self->comparison))
    fill_verdicts (self);
}

/* compare-metric's choices, in the dropdown's order (lsc_diff_metric's). */
static gboolean
metric_get_mapping (GValue *value, GVariant *variant, gpointer data)
{
  (void) data;
  lsc_diff_metric metric;
  if (!lsc_diff_metric_parse (g_variant_get_string (variant, NULL), &metric))
    return FALSE;
  g_value_set_uint (value, (guint) metric);
  return TRUE;
}

static GVariant *
metric_set_mapping (const GValue *value, const GVariantType *type, gpointer data)
{
  (void) type;
  (void) data;
  const char *name = lsc_diff_metric_name ((lsc_diff_metric) g_value_get_uint (value));
  return name ? g_variant_new_string (name) : NULL;
}

static void
reset_verdicts_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscCompareView *self = LSC_COMPARE_VIEW (widget);
  (void) action_name;
  (void) param;
  g_settings_reset (self->settings, "compare-metric");
  g_settings_reset (self->settings, "compare-noise-ns");
  g_settings_reset (self->settings, "compare-noise-pct");
}

/* A progress bar polled five times a second rather than a spinner: on a software renderer a
 * spinner redraws the window every frame and takes a CPU from the comparison it waits for. */
static gboolean
progress_cb (gpointer data)
{
  LscCompareView *self = data;
  if (!self->comparison || lsc_comparison_is_ready (self->comparison))
    {
      self->progress_source = 0;
      return G_SOURCE_REMOVE;
    }
  gtk_progress_bar_set_fraction (self->progress_bar, lsc_comparison_get_fraction (self->comparison));
  return G_SOURCE_CONTINUE;
}

void
lsc_compare_view_set_comparison (LscCompareView *self, LscComparison *comparison)
{
  g_return_if_fail (LSC_IS_COMPARE_VIEW (self));
  g_return_if_fail (!comparison || LSC_IS_COMPARISON (comparison));

  g_set_object (&self->comparison, comparison);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  /* the floors are the view's: a comparison shows them whoever made it */
  if (comparison)
    lsc_comparison_set_noise (comparison, g_settings_get_double (self->settings, "compare-noise-ns"),
                              g_settings_get_double (self->settings, "compare-noise-pct"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.export-csv",
                                 comparison && lsc_comparison_is_ready (comparison));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.export-json",
                                 comparison && lsc_comparison_is_ready (comparison));
  if (!comparison)
    {
      lsc_distribution_chart_clear (self->chart);
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  if (!lsc_comparison_is_ready (comparison))
    {
      g_autofree char *a = display_name (lsc_comparison_get_file (comparison, LSC_COMPARISON_SIDE_A));
      g_autofree char *b = display_name (lsc_comparison_get_file (comparison, LSC_COMPARISON_SIDE_B));
      /* Translators: report A against report B, while they are being compared. */
      g_autofree char *text = g_strdup_printf (_("%s against %s"), a, b);
      adw_status_page_set_description (self->loading_page, text);
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      self->progress_source = g_timeout_add (200, progress_cb, self);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      return;
    }
  fill (self);
  gtk_stack_set_visible_child_name (self->stack, "result");
}

LscComparison *
lsc_compare_view_get_comparison (LscCompareView *self)
{
  g_return_val_if_fail (LSC_IS_COMPARE_VIEW (self), NULL);
  return self->comparison;
}

GtkWidget *
lsc_compare_view_get_chart (LscCompareView *self)
{
  g_return_val_if_fail (LSC_IS_COMPARE_VIEW (self), NULL);
  return GTK_WIDGET (self->chart);
}

/* ---- export --------------------------------------------------------------------------------- */

gboolean
lsc_compare_view_export_to (LscCompareView *self, LscComparisonFormat format, GFile *file, GError **error)
{
  g_return_val_if_fail (LSC_IS_COMPARE_VIEW (self), FALSE);
  g_return_val_if_fail (self->comparison && lsc_comparison_is_ready (self->comparison), FALSE);
  return lsc_comparison_export (self->comparison, format, file, error);
}

static void
export_response_cb (GtkNativeDialog *dialog, int response, gpointer data)
{
  LscCompareView *self = LSC_COMPARE_VIEW (data);
  LscComparisonFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "format"));
  if (response == GTK_RESPONSE_ACCEPT && self->comparison)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr (GError) error = NULL;
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      if (file && !lsc_compare_view_export_to (self, format, file, &error))
        {
          GtkWidget *alert = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                     _("Cannot Export the Comparison"), error->message);
          adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (alert), "close", _("_Close"));
          gtk_window_present (GTK_WINDOW (alert));
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  LscCompareView *self = LSC_COMPARE_VIEW (widget);
  (void) param;
  if (!self->comparison || !lsc_comparison_is_ready (self->comparison))
    return;
  gboolean json = g_str_equal (action_name, "compare.export-json");
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser
    = gtk_file_chooser_native_new (json ? _("Export the Comparison as JSON") : _("Export the Comparison as CSV"),
                                   GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, GTK_FILE_CHOOSER_ACTION_SAVE,
                                   _("_Export"), _("_Cancel"));
  g_autofree char *a = g_file_get_basename (lsc_comparison_get_file (self->comparison, LSC_COMPARISON_SIDE_A));
  g_autofree char *b = g_file_get_basename (lsc_comparison_get_file (self->comparison, LSC_COMPARISON_SIDE_B));
  if (g_str_has_suffix (a, ".lsdb"))
    a[strlen (a) - 5] = '\0';
  if (g_str_has_suffix (b, ".lsdb"))
    b[strlen (b) - 5] = '\0';
  g_autofree char *name = g_strdup_printf ("%s-vs-%s.%s", a, b, json ? "json" : "csv");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data (G_OBJECT (chooser), "format",
                     GINT_TO_POINTER (json ? LSC_COMPARISON_FORMAT_JSON : LSC_COMPARISON_FORMAT_CSV));
  g_signal_connect (chooser, "response", G_CALLBACK (export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- the type ------------------------------------------------------------------------------- */

static void
lsc_compare_view_dispose (GObject *object)
{
  LscCompareView *self = LSC_COMPARE_VIEW (object);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_clear_handle_id (&self->place_source, g_source_remove);
  g_clear_object (&self->comparison);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_COMPARE_VIEW);
  G_OBJECT_CLASS (lsc_compare_view_parent_class)->dispose (object);
}

static void
lsc_compare_view_class_init (LscCompareViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lsc_compare_view_dispose;
  widget_class->get_request_mode = lsc_compare_view_get_request_mode;
  widget_class->measure = lsc_compare_view_measure;
  widget_class->size_allocate = lsc_compare_view_size_allocate;
  g_type_ensure (LSC_TYPE_DISTRIBUTION_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, stack);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, loading_page);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, path_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, files_label);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, verdict_button);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, metric_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, noise_ns_spin);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, noise_pct_spin);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, split_paned);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, tables_paned);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, tables_box);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, facts_scroller);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, warning_banner);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, warning_label);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, chart);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, delta_grid);
  gtk_widget_class_bind_template_child (widget_class, LscCompareView, facts_grid);
  gtk_widget_class_install_action (widget_class, "compare.export-csv", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "compare.export-json", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "compare.reset-verdicts", NULL, reset_verdicts_action);
}

static void
lsc_compare_view_init (LscCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (LSC_APP_ID);
  g_settings_bind (self->settings, "log-scale", self->chart, "log-x", G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->settings, "changed::show-cdf", G_CALLBACK (mode_changed_cb), self, G_CONNECT_SWAPPED);
  mode_changed_cb (self);
  g_settings_bind_with_mapping (self->settings, "compare-metric", self->metric_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, metric_get_mapping, metric_set_mapping, NULL, NULL);
  g_settings_bind (self->settings, "compare-noise-ns", self->noise_ns_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "compare-noise-pct", self->noise_pct_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::compare-noise-ns", G_CALLBACK (noise_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::compare-noise-pct", G_CALLBACK (noise_changed_cb), self,
                           G_CONNECT_SWAPPED);
  lsc_distribution_chart_set_raw_floor (self->chart, NAN);
  g_signal_connect_object (self->path_dropdown, "notify::selected", G_CALLBACK (show_path), self, G_CONNECT_SWAPPED);
  lsc_compare_view_set_comparison (self, NULL);
}
