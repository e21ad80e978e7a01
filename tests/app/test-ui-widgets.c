/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-ui-widgets.c — the app's templates and widgets under a display (suite ui): every
 * .ui template builds (a template error is a critical, fatal here), the shortcuts window
 * parses, and each view takes a loaded report and gives it back without warnings.
 * gtk4-builder-tool cannot validate these files itself (it knows neither libadwaita's types
 * nor ours), so this is the template validation.
 *
 * argv[1] is a synthetic report (make-synthetic-report), argv[2] one with --extremes and
 * argv[3] the fuzzers' hostile report seeds: every view takes and draws each one that opens
 * (under the sanitizer build, build-aux/test-variants asan-app, without a sanitizer report);
 * argv[4] a report of several kernels (the sample report) for the kernel filter, argv[5] the
 * synthetic report's shape with its fast path 15 % slower, to compare with argv[1].
 * Needs GSETTINGS_SCHEMA_DIR.
 */
#include "config.h"

#include <adwaita.h>
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-application.h"
#include "lsc-chart-draw.h"
#include "lsc-columns.h"
#include "lsc-distribution-chart.h"
#include "lsc-distribution-view.h"
#include "lsc-events-view.h"
#include "lsc-filter-bar.h"
#include "lsc-format.h"
#include "lsc-kernel-table.h"
#include "lsc-kernels-view.h"
#include "lsc-launches-view.h"
#include "lsc-live-page.h"
#include "lsc-overhead-chart-private.h"
#include "lsc-overview-view.h"
#include "lsc-resources.h"
#include "lsc-row.h"
#include "lsc-selection-panel.h"
#include "lsc-session-view.h"
#include "lsc-specs-view.h"
#include "lsc-stages-view.h"
#include "lsc-stat-card.h"
#include "lsc-timeline-view.h"
#include "lsc-window-private.h"
#include "lsc-window.h"

#include <glib/gstdio.h>

static const char *report_path, *extreme_report_path, *hostile_dir, *multi_kernel_report_path, *compare_report_path;

static void
setup (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  adw_init ();
  lsc_register_resource ();
}

static void
iterate (void)
{
  for (int i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

typedef struct {
  GMainLoop *loop;
  gboolean ok;
} LoadState;

static void
loaded_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  LoadState *state = data;
  g_autoptr (GError) error = NULL;
  state->ok = lsc_document_load_finish (LSC_DOCUMENT (source), result, &error);
  if (!state->ok)
    ck_assert_msg (error->message && *error->message, "refused without a message");
  g_main_loop_quit (state->loop);
}

static void
charts_ready_cb (GObject *object, GParamSpec *pspec, gpointer data)
{
  (void) object;
  (void) pspec;
  g_main_loop_quit (data);
}

/* The loaded document with its chart data, or NULL when the reader refuses path. */
static LscDocument *
try_load_report (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  LscDocument *doc = lsc_document_new (file);
  LoadState state = { g_main_loop_new (NULL, FALSE), FALSE };
  lsc_document_load_async (doc, NULL, loaded_cb, &state);
  g_main_loop_run (state.loop);
  if (!state.ok)
    {
      g_main_loop_unref (state.loop);
      g_object_unref (doc);
      return NULL;
    }
  /* and phase 2: the chart data and the launch list */
  if (!lsc_document_get_charts_ready (doc))
    {
      gulong id = g_signal_connect (doc, "notify::charts-ready", G_CALLBACK (charts_ready_cb), state.loop);
      g_main_loop_run (state.loop);
      g_signal_handler_disconnect (doc, id);
    }
  g_main_loop_unref (state.loop);
  ck_assert (lsc_document_get_charts_ready (doc));
  return doc;
}

static LscDocument *
load_report (void)
{
  LscDocument *doc = try_load_report (report_path);
  ck_assert_msg (doc != NULL, "%s did not load", report_path);
  return doc;
}

/* Snapshots widget and its children now, so the charts lay out their axes and draw. */
static void
draw (GtkWidget *widget)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  if (node)
    gsk_render_node_unref (node);
  g_object_unref (paintable);
}

/* The first descendant of widget of type, depth first, or NULL. */
static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);
      if (found)
        return found;
    }
  return NULL;
}

/* Appends the text of every inscription and label under widget to texts, one a line. */
static void
collect_texts (GtkWidget *widget, GString *texts)
{
  const char *text = GTK_IS_INSCRIPTION (widget) ? gtk_inscription_get_text (GTK_INSCRIPTION (widget))
                     : GTK_IS_LABEL (widget)     ? gtk_label_get_label (GTK_LABEL (widget))
                                                 : NULL;
  if (text && *text)
    g_string_append_printf (texts, "%s\n", text);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_texts (child, texts);
}

/* Every inscription under widget, depth first. */
static void
collect_inscriptions (GtkWidget *widget, GPtrArray *cells)
{
  if (GTK_IS_INSCRIPTION (widget))
    g_ptr_array_add (cells, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_inscriptions (child, cells);
}

/* Every column header of view's table is wide enough for its title and a sort arrow. */
static void
assert_headers_fit (GtkWidget *view)
{
  GtkColumnView *table = GTK_COLUMN_VIEW (find_descendant (view, GTK_TYPE_COLUMN_VIEW));
  ck_assert_ptr_nonnull (table);
  GListModel *columns = gtk_column_view_get_columns (table);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr (GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      const char *title = gtk_column_view_column_get_title (column);
      PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (table), title);
      int width;
      pango_layout_get_pixel_size (layout, &width, NULL);
      g_object_unref (layout);
      /* 12 px of header padding and a 16 px sort arrow */
      ck_assert_msg (gtk_column_view_column_get_fixed_width (column) >= width + 12 + 16,
                     "the header \"%s\" is clipped", title);
    }
}

static void
count_toggle_cb (LscLivePanel *panel, guint toggle, gboolean on, guint *count)
{
  (void) panel;
  ck_assert_uint_eq (toggle, LSC_LIVE_SKIP);
  ck_assert (on);
  (*count)++;
}

static void
count_global_cb (LscLivePanel *panel, gint64 value, guint *count)
{
  (void) panel;
  ck_assert_int_eq (value, 7);
  (*count)++;
}

/* The live panel speaks for a person's change (or one made as a click would), never for the
 * page showing a state: that is how the page tells a switch flipped from a switch synced. */
START_TEST (test_live_panel_signals)
{
  LscLivePanel *panel = g_object_ref_sink (g_object_new (LSC_TYPE_LIVE_PANEL, NULL));
  guint toggles = 0, globals = 0;
  g_signal_connect (panel, "toggle-changed", G_CALLBACK (count_toggle_cb), &toggles);
  g_signal_connect (panel, "global-changed", G_CALLBACK (count_global_cb), &globals);

  lsc_live_panel_sync_toggle (panel, LSC_LIVE_SKIP, TRUE);
  ck_assert (lsc_live_panel_get_toggle (panel, LSC_LIVE_SKIP));
  ck_assert_uint_eq (toggles, 0);
  lsc_live_panel_sync_toggle (panel, LSC_LIVE_SKIP, FALSE);
  lsc_live_panel_set_toggle (panel, LSC_LIVE_SKIP, TRUE);
  ck_assert_uint_eq (toggles, 1);

  lsc_live_panel_show_compiled_global (panel, 3);
  ck_assert_int_eq (lsc_live_panel_get_global (panel), 3);
  ck_assert_uint_eq (globals, 0);
  lsc_live_panel_set_global (panel, 7);
  ck_assert_uint_eq (globals, 1);

  /* without CUPTI its two switches are off limits; not yet known, they are not */
  lsc_live_panel_set_session (panel, TRUE, FALSE, "not found");
  ck_assert (!lsc_live_panel_get_toggle_sensitive (panel, LSC_LIVE_CALLBACKS));
  ck_assert (lsc_live_panel_get_toggle_sensitive (panel, LSC_LIVE_SKIP));
  lsc_live_panel_set_session (panel, TRUE, FALSE, NULL);
  ck_assert (lsc_live_panel_get_toggle_sensitive (panel, LSC_LIVE_CALLBACKS));
  g_object_unref (panel);
}
END_TEST

START_TEST (test_templates_build)
{
  GType types[] = {
    LSC_TYPE_STAT_CARD,     LSC_TYPE_OVERVIEW_VIEW, LSC_TYPE_TIMELINE_VIEW, LSC_TYPE_DISTRIBUTION_VIEW,
    LSC_TYPE_STAGES_VIEW,   LSC_TYPE_SPECS_VIEW,    LSC_TYPE_EVENTS_VIEW,   LSC_TYPE_LAUNCHES_VIEW,
    LSC_TYPE_SESSION_VIEW,  LSC_TYPE_LIVE_PAGE,     LSC_TYPE_LIVE_PANEL,    LSC_TYPE_LIVE_RUN_VIEW,
    LSC_TYPE_KERNELS_VIEW,  LSC_TYPE_FILTER_BAR,
  };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GtkWidget *widget = g_object_ref_sink (g_object_new (types[i], NULL));
      ck_assert_ptr_nonnull (gtk_widget_get_first_child (widget)); /* the template's content is there */
      g_object_unref (widget);
    }
  /* the window template (its views included) */
  GtkWidget *window = g_object_new (LSC_TYPE_WINDOW, NULL);
  ck_assert_ptr_null (lsc_window_get_document (LSC_WINDOW (window)));
  ck_assert (lsc_window_set_view (LSC_WINDOW (window), "specs"));
  ck_assert (lsc_window_set_view (LSC_WINDOW (window), "kernels"));
  ck_assert (!lsc_window_set_view (LSC_WINDOW (window), "no-such-view"));
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

START_TEST (test_help_overlay_parses)
{
  GError *error = NULL;
  GtkBuilder *builder = gtk_builder_new ();
  ck_assert_msg (gtk_builder_add_from_resource (builder, "/org/launchscope/Launchscope/gtk/help-overlay.ui", &error),
                 "%s", error ? error->message : "");
  ck_assert (GTK_IS_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  gtk_window_destroy (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  g_object_unref (builder);
}
END_TEST

static int
compare_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return (x > y) - (x < y);
}

/* Selects [t0, t1) on the timeline view as the automation does, waits for the side panel's
 * statistics and checks what it shows against a plain scan of the chart's launches. */
static void
assert_selection_panel (GtkWidget *view, double t0, double t1)
{
  lsc_timeline_view_select_range (LSC_TIMELINE_VIEW (view), t0, t1);
  for (int i = 0; i < 2000 && !lsc_timeline_view_get_selection_stats (LSC_TIMELINE_VIEW (view)); i++)
    {
      iterate ();
      g_usleep (1000);
    }
  const LscSelectionStats *stats = lsc_timeline_view_get_selection_stats (LSC_TIMELINE_VIEW (view));
  ck_assert_msg (stats != NULL, "the selection's statistics never came");
  ck_assert (!lsc_timeline_view_get_selection_pending (LSC_TIMELINE_VIEW (view)));

  LscOverheadChart *chart = LSC_OVERHEAD_CHART (lsc_timeline_view_get_chart (LSC_TIMELINE_VIEW (view)));
  const LscSeries *s = lsc_series_index_get_series (lsc_overhead_chart_get_index (chart));
  GtkWidget *panel = find_descendant (view, LSC_TYPE_SELECTION_PANEL);
  ck_assert (gtk_widget_get_mapped (panel));
  g_autoptr (GString) texts = g_string_new (NULL);
  collect_texts (panel, texts);

  guint64 fallbacks = 0, compiles = 0, total = 0;
  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      g_autofree guint32 *values = g_new (guint32, s->n);
      gsize n = 0;
      for (gsize i = 0; i < s->n; i++)
        if (s->path[i] == p && (double) s->t_ns[i] >= t0 && (double) s->t_ns[i] < t1)
          {
            values[n++] = s->value_ns[i];
            fallbacks += s->outcome[i] == LSC_CHART_OUTCOME_FALLBACK;
            compiles += s->outcome[i] == LSC_CHART_OUTCOME_MISS;
          }
      total += n;
      ck_assert_uint_eq (stats->paths[p].count, n);
      if (n == 0)
        continue;
      qsort (values, n, sizeof (guint32), compare_u32);
      /* the panel's row: the path, its launches, p50, p90, p99 at nearest rank */
      g_autofree char *count = lsc_format_count ((gint64) n);
      g_autofree char *p50 = lsc_format_duration_ns (values[MAX ((50 * n + 99) / 100, 1) - 1]);
      g_autofree char *p90 = lsc_format_duration_ns (values[MAX ((90 * n + 99) / 100, 1) - 1]);
      g_autofree char *p99 = lsc_format_duration_ns (values[MAX ((99 * n + 99) / 100, 1) - 1]);
      g_autofree char *row = g_strdup_printf ("\n%s\n%s\n%s\n%s\n%s\n", lsc_chart_path_label (p), count, p50, p90, p99);
      ck_assert_msg (strstr (texts->str, row), "no row%s in the panel:\n%s", row, texts->str);
    }
  ck_assert_uint_eq (stats->launches, total);
  ck_assert_uint_eq (stats->fallbacks, fallbacks);
  ck_assert_uint_eq (stats->compiles, compiles);
  g_autofree char *compile_count = lsc_format_count ((gint64) compiles);
  g_autofree char *compile_row = g_strdup_printf ("\nCompiles\n%s\n", compile_count);
  ck_assert_msg (strstr (texts->str, compile_row), "no row%s in the panel:\n%s", compile_row, texts->str);
}

/* The hover card names the launch's kernel; a compile launch is marked on the top edge and
 * says what it is; an ordinary launch's time is in the unit the axis labels use. */
static void
assert_hover_cards (LscOverheadChart *chart)
{
  const LscOverheadFrame *f = &chart->frame;
  ck_assert (f->valid);
  const LscSeriesIndex *index = lsc_overhead_chart_get_index (chart);
  gsize n_compiles;
  const LscCompileLaunch *compiles = lsc_series_index_get_compiles (index, &n_compiles);
  ck_assert_uint_gt (n_compiles, 0);
  /* the synthetic report's launches are all of kernel "add3" */
  const LscCompileLaunch *c = &compiles[n_compiles / 2];
  double x = lsc_overhead_chart_x_of (f, (double) c->t_ns);
  LscOverheadHover at = { TRUE, c->path, c->member, (double) c->t_ns, c->value_ns, TRUE };
  ck_assert_double_le (lsc_overhead_chart_hover_y (f, &at), f->plot.origin.y + 1); /* on the top edge */
  g_autofree char *card = lsc_overhead_chart_describe_point (chart, x, lsc_overhead_chart_hover_y (f, &at));
  ck_assert_msg (card && strstr (card, "compile launch") && strstr (card, "Kernel: add3"), "%s", card);

  const LscMinMaxIndex *fast = lsc_series_index_get_path (index, LSC_CHART_PATH_FAST);
  gsize k = lsc_min_max_index_lower_bound (fast, (f->t0 + f->t1) / 2);
  double t = (double) lsc_min_max_index_get_times (fast)[k], v = lsc_min_max_index_get_values (fast)[k];
  g_autofree char *launch_card = lsc_overhead_chart_describe_point (chart, lsc_overhead_chart_x_of (f, t),
                                                                    lsc_overhead_chart_y_of (f, v));
  double divisor;
  g_autofree char *value = g_strdup_printf (" %s</b>", lsc_format_duration_unit (f->y.max, &divisor));
  ck_assert_msg (launch_card && strstr (launch_card, value) && strstr (launch_card, "Kernel: add3") &&
                     !strstr (launch_card, "compile launch"),
                 "%s", launch_card);
}

/* The synthetic report's launch calls make one API track under the plot; a call on it names
 * itself, its thread and its launch, and links back to that launch. */
static void
assert_track_link (GtkWidget *window, LscOverheadChart *chart)
{
  const LscSeriesIndex *index = lsc_overhead_chart_get_index (chart);
  const LscSeries *series = lsc_series_index_get_series (index);
  const LscMinMaxIndex *fast = lsc_series_index_get_path (index, LSC_CHART_PATH_FAST);
  gsize member = lsc_series_index_get_member (index, LSC_CHART_PATH_FAST, lsc_min_max_index_get_n (fast) / 2);
  double t = (double) series->t_ns[member];
  lsc_overhead_chart_set_visible_range (chart, t - 20000, t + 20000);
  draw (window);
  const LscOverheadFrame *f = &chart->frame;
  ck_assert_uint_eq (f->n_tracks, 1);
  ck_assert_double_gt (f->tracks_top, f->plot.origin.y + f->plot.size.height);

  LscTracks *tracks = chart->tracks;
  guint track;
  gsize span;
  ck_assert (lsc_tracks_find (tracks, LSC_TRACK_API, series->correlation_id[member], &track, &span));
  const LscSpan *call = &lsc_tracks_get (tracks, track)->spans[span];
  double x = (lsc_overhead_chart_x_of (f, (double) call->t0_ns) + lsc_overhead_chart_x_of (f, (double) call->t1_ns)) / 2;
  g_autofree char *card = lsc_overhead_chart_describe_point (chart, x, lsc_overhead_chart_track_y (f, track) + 5);
  g_autofree char *thread = g_strdup_printf ("Thread %" G_GINT64_FORMAT, lsc_tracks_get (tracks, track)->id);
  ck_assert_msg (card && strstr (card, "launch call") && strstr (card, thread) && strstr (card, "Launch:"), "%s", card);
  ck_assert (chart->hover.on_span && !chart->hover.no_launch);
  ck_assert_uint_eq (chart->hover.index, member);
  lsc_overhead_chart_reset_zoom (chart);
}

START_TEST (test_timeline_selection)
{
  g_autoptr (LscDocument) doc = load_report ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = g_object_new (LSC_TYPE_TIMELINE_VIEW, NULL);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 600);
  gtk_window_present (GTK_WINDOW (window));
  lsc_timeline_view_set_document (LSC_TIMELINE_VIEW (view), doc);
  iterate ();
  LscOverheadChart *chart = LSC_OVERHEAD_CHART (lsc_timeline_view_get_chart (LSC_TIMELINE_VIEW (view)));
  GtkWidget *panel = find_descendant (view, LSC_TYPE_SELECTION_PANEL);
  ck_assert (!gtk_widget_get_mapped (panel)); /* no selection, no panel */
  ck_assert_ptr_null (lsc_timeline_view_get_selection_stats (LSC_TIMELINE_VIEW (view)));

  double t0, t1;
  ck_assert (lsc_overhead_chart_get_visible_range (chart, &t0, &t1));
  /* the whole session (fallbacks, compiles, every path), then a part of it */
  assert_selection_panel (view, t0, t1);
  ck_assert_uint_gt (lsc_timeline_view_get_selection_stats (LSC_TIMELINE_VIEW (view))->fallbacks, 0);
  ck_assert_uint_gt (lsc_timeline_view_get_selection_stats (LSC_TIMELINE_VIEW (view))->compiles, 0);
  assert_selection_panel (view, t0 + (t1 - t0) * 0.3, t0 + (t1 - t0) * 0.45);
  draw (window);
  assert_hover_cards (chart);
  assert_track_link (window, chart);

  /* Escape (the view's binding) clears it, and the panel goes */
  ck_assert (gtk_widget_activate_action (view, "timeline.clear-selection", NULL));
  ck_assert (!lsc_overhead_chart_get_selection (chart, NULL, NULL));
  ck_assert_ptr_null (lsc_timeline_view_get_selection_stats (LSC_TIMELINE_VIEW (view)));
  for (int i = 0; i < 100 && gtk_widget_get_mapped (panel); i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert (!gtk_widget_get_mapped (panel));

  /* a new report drops the selection */
  assert_selection_panel (view, t0, t1);
  lsc_timeline_view_set_document (LSC_TIMELINE_VIEW (view), NULL);
  ck_assert (!lsc_overhead_chart_get_selection (chart, NULL, NULL));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

/* Bursts of launches around 6 µs filling a tenth of the session, and three lone 60 µs launches
 * between them, each alone in its pixel column: the linear axis stays at the bursts' scale
 * (the lone columns are clipped and flagged), not at the lone launches'. */
START_TEST (test_overhead_axis_ignores_lone_spikes)
{
  const gsize per_burst = 3000, n = 3 * per_burst + 3;
  LscSeries *series = lsc_series_new (n, FALSE);
  gsize k = 0;
  guint32 x = 1;
  for (guint b = 0; b < 3; b++)
    for (gsize i = 0; i < per_burst; i++, k++)
      {
        x = x * 1664525u + 1013904223u;
        series->t_ns[k] = (guint64) b * 300000000 + i * 10000;
        series->value_ns[k] = 5000 + (x >> 8) % 2000;
        series->path[k] = LSC_CHART_PATH_FAST;
      }
  for (guint j = 0; j < 3; j++, k++)
    {
      series->t_ns[k] = 150000000 + (guint64) j * 300000000;
      series->value_ns[k] = 60000;
      series->path[k] = LSC_CHART_PATH_FAST;
    }
  GtkWidget *window = gtk_window_new ();
  GtkWidget *chart = lsc_overhead_chart_new ();
  gtk_widget_set_size_request (chart, 900, 400);
  gtk_window_set_child (GTK_WINDOW (window), chart);
  gtk_window_present (GTK_WINDOW (window));
  lsc_overhead_chart_set_series (LSC_OVERHEAD_CHART (chart), series);
  iterate ();
  draw (window);
  const LscOverheadFrame *f = &LSC_OVERHEAD_CHART (chart)->frame;
  ck_assert (f->valid);
  ck_assert_msg (f->y.max <= 20000, "the axis reaches %g ns", f->y.max);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

START_TEST (test_views_take_a_report)
{
  g_autoptr (LscDocument) doc = load_report ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_window_set_child (GTK_WINDOW (window), box);

  GtkWidget *overview = lsc_stat_card_new (); /* a card on its own */
  lsc_stat_card_set (LSC_STAT_CARD (overview), "Title", "4.06 µs", "detail");
  ck_assert_str_eq (lsc_stat_card_get_value (LSC_STAT_CARD (overview)), "4.06 µs");
  gtk_box_append (GTK_BOX (box), overview);

  GtkWidget *views[] = {
    g_object_new (LSC_TYPE_OVERVIEW_VIEW, NULL), g_object_new (LSC_TYPE_TIMELINE_VIEW, NULL),
    g_object_new (LSC_TYPE_DISTRIBUTION_VIEW, NULL), g_object_new (LSC_TYPE_STAGES_VIEW, NULL),
    g_object_new (LSC_TYPE_SPECS_VIEW, NULL), g_object_new (LSC_TYPE_EVENTS_VIEW, NULL),
    g_object_new (LSC_TYPE_LAUNCHES_VIEW, NULL), g_object_new (LSC_TYPE_SESSION_VIEW, NULL),
    g_object_new (LSC_TYPE_KERNELS_VIEW, NULL),
  };
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      gtk_widget_set_size_request (views[i], 900, 300);
      gtk_box_append (GTK_BOX (box), views[i]);
    }
  gtk_window_present (GTK_WINDOW (window));

  lsc_overview_view_set_document (LSC_OVERVIEW_VIEW (views[0]), doc);
  lsc_timeline_view_set_document (LSC_TIMELINE_VIEW (views[1]), doc);
  lsc_distribution_view_set_document (LSC_DISTRIBUTION_VIEW (views[2]), doc);
  lsc_stages_view_set_document (LSC_STAGES_VIEW (views[3]), doc);
  lsc_specs_view_set_document (LSC_SPECS_VIEW (views[4]), doc);
  lsc_events_view_set_document (LSC_EVENTS_VIEW (views[5]), doc);
  lsc_launches_view_set_document (LSC_LAUNCHES_VIEW (views[6]), doc);
  lsc_session_view_set_document (LSC_SESSION_VIEW (views[7]), doc);
  lsc_kernels_view_set_document (LSC_KERNELS_VIEW (views[8]), doc);
  iterate ();
  ck_assert_ptr_nonnull (lsc_timeline_view_get_chart (LSC_TIMELINE_VIEW (views[1])));
  ck_assert_ptr_nonnull (lsc_stages_view_get_chart (LSC_STAGES_VIEW (views[3]))); /* the report has stage times */

  /* the spec list: each spec's launches and median next to the engine's counters */
  assert_headers_fit (views[4]);
  assert_headers_fit (views[5]);
  assert_headers_fit (views[6]);
  assert_headers_fit (views[8]);
  g_autoptr (GString) spec_texts = g_string_new (NULL);
  collect_texts (views[4], spec_texts);
  ck_assert_msg (strstr (spec_texts->str, "\nLaunches\n") && strstr (spec_texts->str, "\np50\n"), "%s",
                 spec_texts->str);
  ck_assert_msg (strstr (spec_texts->str, "arg0–2=aligned arg3=div16 debug=on"), "%s", spec_texts->str);

  /* the session's settings as one row per key, not the stored JSON */
  g_autoptr (GString) session_texts = g_string_new (NULL);
  collect_texts (views[7], session_texts);
  ck_assert_msg (strstr (session_texts->str, "\ntoggles\ndefault@3000, timing@3000,"), "%s", session_texts->str);
  ck_assert_msg (!strstr (session_texts->str, "{"), "%s", session_texts->str);

  /* the launch list stayed lazy: a screenful of rows, not 20,000 */
  guint fetched = lsc_table_model_get_n_fetched (lsc_document_get_launches (doc));
  ck_assert_uint_lt (fetched, 500);

  /* and back to no report */
  lsc_overview_view_set_document (LSC_OVERVIEW_VIEW (views[0]), NULL);
  lsc_timeline_view_set_document (LSC_TIMELINE_VIEW (views[1]), NULL);
  lsc_distribution_view_set_document (LSC_DISTRIBUTION_VIEW (views[2]), NULL);
  lsc_stages_view_set_document (LSC_STAGES_VIEW (views[3]), NULL);
  lsc_specs_view_set_document (LSC_SPECS_VIEW (views[4]), NULL);
  lsc_events_view_set_document (LSC_EVENTS_VIEW (views[5]), NULL);
  lsc_launches_view_set_document (LSC_LAUNCHES_VIEW (views[6]), NULL);
  lsc_session_view_set_document (LSC_SESSION_VIEW (views[7]), NULL);
  lsc_kernels_view_set_document (LSC_KERNELS_VIEW (views[8]), NULL);
  ck_assert_ptr_null (lsc_stages_view_get_chart (LSC_STAGES_VIEW (views[3])));
  iterate ();
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

/* Iterates until model has n items (the launch list reloads on a worker thread). */
static gboolean
wait_for_n_items (GListModel *model, guint n)
{
  for (int i = 0; i < 300 && g_list_model_get_n_items (model) != n; i++)
    {
      iterate ();
      g_usleep (10000);
    }
  return g_list_model_get_n_items (model) == n;
}

/* The launch list filters by the launching thread's ID, and by the kernel of the document's
 * filter (the window's filter bar). */
START_TEST (test_launches_filters)
{
  g_autoptr (LscDocument) doc = load_report ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = g_object_new (LSC_TYPE_LAUNCHES_VIEW, NULL);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  lsc_launches_view_set_document (LSC_LAUNCHES_VIEW (view), doc);
  iterate ();

  GListModel *launches = G_LIST_MODEL (lsc_document_get_launches (doc));
  guint total = g_list_model_get_n_items (launches);
  ck_assert_uint_gt (total, 0);
  g_autoptr (LscRow) first = g_list_model_get_item (launches, 0);
  g_autofree char *thread = g_strdup (lsc_row_get_text (first, LSC_LAUNCH_COL_THREAD));

  /* the toolbar's search entry (each drop-down's popover has one too) */
  GtkEditable *thread_entry = NULL;
  for (GtkWidget *w = gtk_widget_get_first_child (gtk_widget_get_first_child (gtk_widget_get_first_child (view)));
       w; w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_SEARCH_ENTRY (w))
      thread_entry = GTK_EDITABLE (w);
  ck_assert_ptr_nonnull (thread_entry);
  gtk_editable_set_text (thread_entry, "999999999");
  ck_assert (wait_for_n_items (launches, 0));
  gtk_editable_set_text (thread_entry, "not a thread");
  for (int i = 0; i < 30; i++)
    iterate (), g_usleep (10000);
  ck_assert (gtk_widget_has_css_class (GTK_WIDGET (thread_entry), "error"));
  gtk_editable_set_text (thread_entry, thread);
  ck_assert (wait_for_n_items (launches, total)); /* the synthetic report has one thread */
  ck_assert (!gtk_widget_has_css_class (GTK_WIDGET (thread_entry), "error"));
  gtk_editable_set_text (thread_entry, "");

  /* the report's one kernel: every launch; a kernel it does not hold: none */
  const lsc_session_summary *session = lsc_document_get_session (doc);
  ck_assert_uint_eq (session->n_kernel_list, 1);
  lsc_document_set_filter (doc, LSC_ROW_ANY, session->kernel_list[0].id);
  ck_assert (wait_for_n_items (launches, (guint) session->kernel_list[0].launches));
  lsc_document_set_filter (doc, LSC_ROW_ANY, 999999);
  ck_assert (wait_for_n_items (launches, 0));
  lsc_document_set_filter (doc, LSC_ROW_ANY, LSC_ROW_ANY);
  ck_assert (wait_for_n_items (launches, total));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

/* A table cell too narrow for its text shows the text in full as its tooltip; one that fits
 * shows none. */
START_TEST (test_cut_cells_have_tooltips)
{
  const char *long_text = "arg0–15=aligned arg16=div16 debug=on instr=none hook=off";
  GListStore *rows = g_list_store_new (LSC_TYPE_ROW);
  const char *texts[] = { long_text, "add8" };
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (LscRow) row = lsc_row_new (i + 1, 1);
      lsc_row_take_cell (row, 0, g_strdup (texts[i]), NAN);
      g_list_store_append (rows, row);
    }
  GtkColumnView *table = GTK_COLUMN_VIEW (gtk_column_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (rows)))));
  lsc_columns_append (table, "Key", 0, LSC_COLUMN_TEXT, 8);
  GtkWidget *window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 200, 200);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (table));
  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < 20; i++)
    iterate (), g_usleep (10000);

  guint seen = 0;
  GPtrArray *cells = g_ptr_array_new ();
  collect_inscriptions (GTK_WIDGET (table), cells);
  for (guint i = 0; i < cells->len; i++)
    {
      GtkWidget *cell = g_ptr_array_index (cells, i);
      const char *text = gtk_inscription_get_text (GTK_INSCRIPTION (cell));
      if (g_strcmp0 (text, long_text) == 0)
        {
          ck_assert_str_eq (lsc_columns_cell_tooltip (cell), long_text);
          seen |= 1;
        }
      else if (g_strcmp0 (text, "add8") == 0)
        {
          ck_assert_ptr_null (lsc_columns_cell_tooltip (cell));
          seen |= 2;
        }
    }
  ck_assert_uint_eq (seen, 3);
  g_ptr_array_unref (cells);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

/* Every view takes, lays out and draws each report whose values are hostile, and lets go. */
static void
show_in_every_view (LscDocument *doc)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_window_set_child (GTK_WINDOW (window), box);
  GtkWidget *views[] = {
    g_object_new (LSC_TYPE_OVERVIEW_VIEW, NULL), g_object_new (LSC_TYPE_TIMELINE_VIEW, NULL),
    g_object_new (LSC_TYPE_DISTRIBUTION_VIEW, NULL), g_object_new (LSC_TYPE_STAGES_VIEW, NULL),
    g_object_new (LSC_TYPE_SPECS_VIEW, NULL), g_object_new (LSC_TYPE_EVENTS_VIEW, NULL),
    g_object_new (LSC_TYPE_LAUNCHES_VIEW, NULL), g_object_new (LSC_TYPE_SESSION_VIEW, NULL),
    g_object_new (LSC_TYPE_KERNELS_VIEW, NULL),
  };
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      gtk_widget_set_size_request (views[i], 900, 300);
      gtk_box_append (GTK_BOX (box), views[i]);
    }
  gtk_window_present (GTK_WINDOW (window));
  lsc_overview_view_set_document (LSC_OVERVIEW_VIEW (views[0]), doc);
  lsc_timeline_view_set_document (LSC_TIMELINE_VIEW (views[1]), doc);
  lsc_distribution_view_set_document (LSC_DISTRIBUTION_VIEW (views[2]), doc);
  lsc_stages_view_set_document (LSC_STAGES_VIEW (views[3]), doc);
  lsc_specs_view_set_document (LSC_SPECS_VIEW (views[4]), doc);
  lsc_events_view_set_document (LSC_EVENTS_VIEW (views[5]), doc);
  lsc_launches_view_set_document (LSC_LAUNCHES_VIEW (views[6]), doc);
  lsc_session_view_set_document (LSC_SESSION_VIEW (views[7]), doc);
  lsc_kernels_view_set_document (LSC_KERNELS_VIEW (views[8]), doc);
  for (int i = 0; i < 20 && gtk_widget_get_width (views[1]) == 0; i++)
    {
      iterate ();
      g_usleep (10000);
    }
  ck_assert_int_gt (gtk_widget_get_width (views[1]), 0);
  draw (window);
  /* and the other axes: log time-series values, a log-x CDF, a zoomed-in window */
  GtkWidget *overhead = lsc_timeline_view_get_chart (LSC_TIMELINE_VIEW (views[1]));
  GtkWidget *distribution = lsc_distribution_view_get_chart (LSC_DISTRIBUTION_VIEW (views[2]));
  if (overhead)
    {
      lsc_overhead_chart_set_log_scale (LSC_OVERHEAD_CHART (overhead), TRUE);
      double t0, t1;
      if (lsc_overhead_chart_get_visible_range (LSC_OVERHEAD_CHART (overhead), &t0, &t1))
        lsc_overhead_chart_set_visible_range (LSC_OVERHEAD_CHART (overhead), t0 + (t1 - t0) / 3, t1 - (t1 - t0) / 3);
    }
  if (distribution)
    {
      lsc_distribution_chart_set_log_x (LSC_DISTRIBUTION_CHART (distribution), TRUE);
      lsc_distribution_chart_set_mode (LSC_DISTRIBUTION_CHART (distribution), LSC_DISTRIBUTION_MODE_CDF);
    }
  iterate ();
  draw (window);
  iterate ();
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}

START_TEST (test_views_take_hostile_reports)
{
  LscDocument *extreme = try_load_report (extreme_report_path);
  ck_assert_msg (extreme != NULL, "%s did not load", extreme_report_path);
  show_in_every_view (extreme);
  g_object_unref (extreme);

  g_autoptr (GDir) dir = g_dir_open (hostile_dir, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  guint shown = 0;
  for (const char *name; (name = g_dir_read_name (dir));)
    {
      g_autofree char *path = g_build_filename (hostile_dir, name, NULL);
      LscDocument *doc = try_load_report (path);
      if (!doc)
        continue;
      show_in_every_view (doc);
      g_object_unref (doc);
      shown++;
    }
  ck_assert_uint_gt (shown, 0);
}
END_TEST

/* Runs the main loop until path exists (exports appear atomically by rename) or 20 s pass. */
static gboolean
wait_for_file (const char *path)
{
  for (int i = 0; i < 2000 && !g_file_test (path, G_FILE_TEST_EXISTS); i++)
    {
      iterate ();
      g_usleep (10000);
    }
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

START_TEST (test_window_open_and_export)
{
  g_autofree char *dir = g_dir_make_tmp ("lsc-ui-export-XXXXXX", NULL);
  ck_assert_ptr_nonnull (dir);
  LscWindow *window = g_object_new (LSC_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  ck_assert (lsc_window_set_view (window, "timeline"));

  g_autoptr (GFile) file = g_file_new_for_path (report_path);
  lsc_window_open (window, file);
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_LOADING);
  for (int i = 0; i < 2000 && !(lsc_window_get_document (window)
                                && lsc_document_get_charts_ready (lsc_window_get_document (window)));
       i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_REPORT);
  ck_assert (lsc_document_get_charts_ready (lsc_window_get_document (window)));
  for (int i = 0; i < 20; i++)
    {
      iterate ();
      g_usleep (10000);
    }

  /* the visible chart (timeline) as PNG */
  ck_assert_ptr_nonnull (lsc_window_get_visible_chart (window));
  g_autofree char *png = g_build_filename (dir, "timeline.png", NULL);
  g_autoptr (GFile) png_file = g_file_new_for_path (png);
  lsc_window_export_png_to (window, png_file);
  ck_assert (g_file_test (png, G_FILE_TEST_EXISTS));
  g_autoptr (GdkTexture) texture = gdk_texture_new_from_filename (png, NULL);
  ck_assert_ptr_nonnull (texture);
  ck_assert_int_gt (gdk_texture_get_width (texture), 300);

  /* an activated event takes the timeline to its time */
  ck_assert (lsc_window_set_view (window, "events"));
  iterate ();
  GtkColumnView *events = GTK_COLUMN_VIEW (find_descendant (GTK_WIDGET (window->events_view), GTK_TYPE_COLUMN_VIEW));
  GListModel *event_rows = G_LIST_MODEL (gtk_column_view_get_model (events));
  guint n_events = g_list_model_get_n_items (event_rows);
  ck_assert_uint_gt (n_events, 0);
  g_autoptr (LscRow) event = g_list_model_get_item (event_rows, n_events / 2);
  double event_t = lsc_row_get_number (event, LSC_EVENT_COL_TIME);
  g_signal_emit_by_name (events, "activate", n_events / 2);
  iterate ();
  ck_assert_str_eq (lsc_window_get_view (window), "timeline");
  LscOverheadChart *timeline = LSC_OVERHEAD_CHART (lsc_window_get_visible_chart (window));
  double t0, t1;
  ck_assert (lsc_overhead_chart_get_zoomed (timeline));
  ck_assert (lsc_overhead_chart_get_visible_range (timeline, &t0, &t1));
  ck_assert_msg (t0 <= event_t && event_t <= t1, "event at %g outside [%g, %g]", event_t, t0, t1);

  /* and so does an activated launch */
  ck_assert (lsc_window_set_view (window, "launches"));
  iterate ();
  GtkColumnView *launch_table
    = GTK_COLUMN_VIEW (find_descendant (GTK_WIDGET (window->launches_view), GTK_TYPE_COLUMN_VIEW));
  GListModel *launch_rows = G_LIST_MODEL (gtk_column_view_get_model (launch_table));
  guint n_launches = g_list_model_get_n_items (launch_rows);
  ck_assert_uint_gt (n_launches, 0);
  g_autoptr (LscRow) launch = g_list_model_get_item (launch_rows, n_launches - 1);
  double launch_t = lsc_row_get_number (launch, LSC_LAUNCH_COL_TIME);
  g_signal_emit_by_name (launch_table, "activate", n_launches - 1);
  iterate ();
  ck_assert_str_eq (lsc_window_get_view (window), "timeline");
  ck_assert (lsc_overhead_chart_get_visible_range (timeline, &t0, &t1));
  ck_assert_msg (t0 <= launch_t && launch_t <= t1, "launch at %g outside [%g, %g]", launch_t, t0, t1);

  /* a copy of the report, which opens as a report */
  g_autofree char *copy = g_build_filename (dir, "copy.lsdb", NULL);
  g_autoptr (GFile) copy_file = g_file_new_for_path (copy);
  lsc_window_export_report_to (window, copy_file);
  ck_assert (wait_for_file (copy));
  lsc_error err;
  lsc_report *report = lsc_report_open (copy, LSC_REPORT_OPEN_DEFAULT, &err);
  ck_assert_msg (report != NULL, "%s", err.message);
  lsc_report_free (report);

  /* the tables as CSV, in a new folder <report>-csv */
  g_autoptr (GFile) dir_file = g_file_new_for_path (dir);
  lsc_window_export_csv_to (window, dir_file);
  g_autofree char *stem = g_path_get_basename (report_path);
  *strrchr (stem, '.') = '\0';
  g_autofree char *csv_dir = g_strdup_printf ("%s/%s-csv", dir, stem);
  g_autofree char *launch_csv = g_build_filename (csv_dir, "launch.csv", NULL);
  ck_assert (wait_for_file (launch_csv));
  for (int i = 0; i < 200 && !g_file_test (csv_dir, G_FILE_TEST_IS_DIR); i++)
    iterate ();

  /* closing goes back to "Open a Report" */
  lsc_window_close_report (window);
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_EMPTY);
  ck_assert_ptr_null (lsc_window_get_visible_chart (window));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();

  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  ck_assert_int_eq (system (cmd), 0);
}
END_TEST

/* Every stat card's value under widget, one a line. */
static void
collect_card_values (GtkWidget *widget, GString *values)
{
  if (LSC_IS_STAT_CARD (widget) && lsc_stat_card_get_value (LSC_STAT_CARD (widget)))
    g_string_append_printf (values, "%s\n", lsc_stat_card_get_value (LSC_STAT_CARD (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_card_values (child, values);
}

static gboolean
filtered_ready (LscDocument *doc)
{
  return lsc_document_get_charts_ready (doc) && lsc_document_get_filtered_session (doc) != NULL;
}

/* The Kernels view of a window shows a row per kernel with the reader's figures; choosing a row
 * filters the window to that kernel: the overview's cards become the kernel's (its launches and
 * fast-path p50 as the row shows them), the launch list holds its launches; choosing none shows
 * every launch again.  multi_kernel_report_path holds several kernels (the sample report). */
START_TEST (test_window_kernels_filter)
{
  LscWindow *window = g_object_new (LSC_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  ck_assert (lsc_window_set_view (window, "kernels"));
  g_autoptr (GFile) file = g_file_new_for_path (multi_kernel_report_path);
  lsc_window_open (window, file);
  for (int i = 0; i < 2000 && !(lsc_window_get_document (window)
                                && lsc_document_get_charts_ready (lsc_window_get_document (window)));
       i++)
    {
      iterate ();
      g_usleep (5000);
    }
  LscDocument *doc = lsc_window_get_document (window);
  ck_assert (doc && lsc_document_get_charts_ready (doc));
  ck_assert_str_eq (lsc_window_get_view (window), "kernels");

  /* a row: the second most launched kernel, its figures the reader's */
  GtkColumnView *table = GTK_COLUMN_VIEW (find_descendant (GTK_WIDGET (window->kernels_view), GTK_TYPE_COLUMN_VIEW));
  GtkSingleSelection *rows = GTK_SINGLE_SELECTION (gtk_column_view_get_model (table));
  ck_assert_uint_ge (g_list_model_get_n_items (G_LIST_MODEL (rows)), 2);
  g_autoptr (LscRow) row = g_list_model_get_item (G_LIST_MODEL (rows), 1);
  const lsc_session_summary *session = lsc_document_get_session (doc);
  const lsc_kernel_summary *kernel = NULL;
  for (size_t k = 0; k < session->n_kernel_list; k++)
    if (session->kernel_list[k].id == lsc_row_get_rowid (row))
      kernel = &session->kernel_list[k];
  ck_assert_ptr_nonnull (kernel);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_NAME), kernel->name);
  g_autofree char *launches_text = lsc_format_count (kernel->launches);
  g_autofree char *fast_p50_text = lsc_format_duration_ns ((double) kernel->paths[0].p50_ns);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_LAUNCHES), launches_text);
  ck_assert_str_eq (lsc_row_get_text (row, LSC_KERNEL_COL_FAST_P50), fast_p50_text);
  ck_assert_int_lt (kernel->launches, session->launches);

  g_autoptr (GString) before = g_string_new (NULL);
  collect_card_values (GTK_WIDGET (window->overview_view), before);
  g_autofree char *all_text = lsc_format_count (session->launches);
  ck_assert_msg (strstr (before->str, all_text), "%s", before->str);

  /* chosen: the other views show its launches only */
  gtk_single_selection_set_selected (rows, 1);
  for (int i = 0; i < 2000 && !filtered_ready (doc); i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert (filtered_ready (doc));
  lsc_row_filter filter;
  lsc_document_get_filter (doc, &filter);
  ck_assert_int_eq (filter.kernel_id, kernel->id);
  ck_assert (lsc_window_set_view (window, "overview"));
  iterate ();
  g_autoptr (GString) after = g_string_new (NULL);
  collect_card_values (GTK_WIDGET (window->overview_view), after);
  ck_assert_msg (strstr (after->str, launches_text) && strstr (after->str, fast_p50_text), "%s", after->str);
  ck_assert_msg (!strstr (after->str, all_text), "%s", after->str);
  GListModel *launch_list = G_LIST_MODEL (lsc_document_get_launches (doc));
  ck_assert (wait_for_n_items (launch_list, (guint) kernel->launches));
  /* the Specs view's line counts that kernel's specs, not the report's */
  GtkLabel *specs_line = GTK_LABEL (find_descendant (GTK_WIDGET (window->specs_view), GTK_TYPE_LABEL));
  g_autofree char *want_specs = g_strdup_printf ("Specs: %" G_GINT64_FORMAT " · kernels: 1 ·", kernel->specs);
  ck_assert_msg (strstr (gtk_label_get_label (specs_line), want_specs), "%s", gtk_label_get_label (specs_line));

  /* none chosen: every launch again, and the Kernels view's row let go */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.filter-kernel", "x", LSC_ROW_ANY);
  for (int i = 0; i < 2000 && !(lsc_document_get_charts_ready (doc) && !lsc_document_is_filtered (doc)); i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert (!lsc_document_is_filtered (doc) && lsc_document_get_charts_ready (doc));
  ck_assert_uint_eq (gtk_single_selection_get_selected (rows), GTK_INVALID_LIST_POSITION);
  g_autoptr (GString) again = g_string_new (NULL);
  collect_card_values (GTK_WIDGET (window->overview_view), again);
  ck_assert_str_eq (again->str, before->str);
  ck_assert (wait_for_n_items (launch_list, (guint) lsc_document_get_n_launches (doc)));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

/* The text on widget's clipboard, set by this process. */
static char *
clipboard_text (GtkWidget *widget)
{
  GdkContentProvider *content = gdk_clipboard_get_content (gtk_widget_get_clipboard (widget));
  ck_assert_ptr_nonnull (content);
  GValue value = G_VALUE_INIT;
  g_value_init (&value, G_TYPE_STRING);
  ck_assert (gdk_content_provider_get_value (content, &value, NULL));
  char *text = g_value_dup_string (&value);
  g_value_unset (&value);
  return text;
}

/* Plays a right click at (x, y) of widget, as its copy menu's gesture sees one. */
static void
right_click (GtkWidget *widget, double x, double y)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
      if (GTK_IS_GESTURE_CLICK (controller)
          && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == GDK_BUTTON_SECONDARY)
        {
          g_signal_emit_by_name (controller, "pressed", 1, x, y);
          return;
        }
    }
  ck_abort_msg ("%s has no right-click menu", G_OBJECT_TYPE_NAME (widget));
}

/* Whether Ctrl+C on widget runs action. */
static gboolean
has_copy_shortcut (GtkWidget *widget, const char *action)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
          GtkShortcutAction *named = gtk_shortcut_get_action (shortcut);
          if (g_str_equal (trigger, "<Control>c") && GTK_IS_NAMED_ACTION (named)
              && g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (named)), action))
            return TRUE;
        }
    }
  return FALSE;
}

static int
count_char (const char *text, char c)
{
  int n = 0;
  for (; *text; text++)
    n += *text == c;
  return n;
}

/* Where child's middle lies in ancestor's coordinates. */
static graphene_point_t
middle_in (GtkWidget *child, GtkWidget *ancestor)
{
  graphene_point_t in = GRAPHENE_POINT_INIT (gtk_widget_get_width (child) / 2.0f, gtk_widget_get_height (child) / 2.0f);
  graphene_point_t out;
  ck_assert (gtk_widget_compute_point (child, ancestor, &in, &out));
  return out;
}

/* A cell, a row, several rows of the tables, the Overview's table and a card, copied as
 * tab-separated text with a header for rows, by the context menu or by Ctrl+C. */
START_TEST (test_copy_cells_rows_and_cards)
{
  LscWindow *window = g_object_new (LSC_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_autoptr (GFile) file = g_file_new_for_path (report_path);
  lsc_window_open (window, file);
  for (int i = 0; i < 2000 && !(lsc_window_get_document (window)
                                && lsc_document_get_charts_ready (lsc_window_get_document (window)));
       i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_REPORT);

  /* Specs, Events, Launches: Ctrl+C and the menu's rows copy the selected rows */
  GtkWidget *views[] = { GTK_WIDGET (window->specs_view), GTK_WIDGET (window->events_view),
                         GTK_WIDGET (window->launches_view) };
  const char *names[] = { "specs", "events", "launches" };
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      ck_assert (lsc_window_set_view (window, names[v]));
      for (int i = 0; i < 20; i++)
        {
          iterate ();
          g_usleep (5000);
        }
      GtkWidget *table = find_descendant (views[v], GTK_TYPE_COLUMN_VIEW);
      ck_assert (has_copy_shortcut (table, "copy.rows"));
      GtkSelectionModel *model = gtk_column_view_get_model (GTK_COLUMN_VIEW (table));
      ck_assert_uint_ge (g_list_model_get_n_items (G_LIST_MODEL (model)), 2);
      gtk_selection_model_select_range (model, 0, 2, TRUE);
      ck_assert (gtk_widget_activate_action (table, "copy.rows", NULL));
      g_autofree char *rows = clipboard_text (table);
      ck_assert_int_eq (count_char (rows, '\n'), 3);
      g_auto (GStrv) lines = g_strsplit (rows, "\n", -1);
      int header_tabs = count_char (lines[0], '\t');
      ck_assert_int_ge (header_tabs, 3);
      ck_assert_int_eq (count_char (lines[1], '\t'), header_tabs);
      ck_assert_int_eq (count_char (lines[2], '\t'), header_tabs);
      GtkColumnViewColumn *first = g_list_model_get_item (gtk_column_view_get_columns (GTK_COLUMN_VIEW (table)), 0);
      ck_assert (g_str_has_prefix (lines[0], gtk_column_view_column_get_title (first)));
      g_object_unref (first);

      /* a right click on a cell of another row: that row alone is selected, its cell copied */
      GtkWidget *cell = find_descendant (table, GTK_TYPE_INSCRIPTION);
      ck_assert_ptr_nonnull (cell);
      GtkWidget *row_widget = gtk_widget_get_parent (gtk_widget_get_parent (cell));
      GtkWidget *next_row = gtk_widget_get_next_sibling (row_widget);
      if (next_row && gtk_widget_get_next_sibling (next_row))
        next_row = gtk_widget_get_next_sibling (next_row); /* the third row */
      GtkWidget *other = next_row ? find_descendant (next_row, GTK_TYPE_INSCRIPTION) : cell;
      /* a copy: the cell may be bound to another row once the selection changes */
      g_autofree char *other_text = g_strdup (gtk_inscription_get_text (GTK_INSCRIPTION (other)));
      ck_assert_ptr_nonnull (other_text);
      graphene_point_t at = middle_in (other, table);
      right_click (table, at.x, at.y);
      iterate ();
      ck_assert (gtk_widget_activate_action (table, "copy.value", NULL));
      g_autofree char *value = clipboard_text (table);
      ck_assert_str_eq (value, other_text);
      g_autoptr (GtkBitset) selected = gtk_selection_model_get_selection (model);
      ck_assert_uint_eq (gtk_bitset_get_size (selected), 1);
      ck_assert (gtk_widget_activate_action (table, "copy.rows", NULL));
      g_autofree char *one_row = clipboard_text (table);
      ck_assert_int_eq (count_char (one_row, '\n'), 2);
      ck_assert_ptr_nonnull (strstr (one_row, other_text));
    }

  /* the Overview's table: a value, its row with the header, the whole table */
  ck_assert (lsc_window_set_view (window, "overview"));
  for (int i = 0; i < 20; i++)
    {
      iterate ();
      g_usleep (5000);
    }
  GtkWidget *grid = find_descendant (GTK_WIDGET (window->overview_view), GTK_TYPE_GRID);
  ck_assert_ptr_nonnull (grid);
  ck_assert (has_copy_shortcut (grid, "copy.table"));
  GtkWidget *fast_name = gtk_grid_get_child_at (GTK_GRID (grid), 0, 1);
  GtkWidget *fast_launches = gtk_grid_get_child_at (GTK_GRID (grid), 1, 1);
  ck_assert (GTK_IS_LABEL (fast_launches));
  graphene_point_t at = middle_in (fast_launches, grid);
  right_click (grid, at.x, at.y);
  iterate ();
  ck_assert (gtk_widget_activate_action (grid, "copy.value", NULL));
  g_autofree char *value = clipboard_text (grid);
  ck_assert_str_eq (value, gtk_label_get_text (GTK_LABEL (fast_launches)));
  ck_assert (gtk_widget_activate_action (grid, "copy.row", NULL));
  g_autofree char *row = clipboard_text (grid);
  g_autofree char *row_start = g_strdup_printf ("\n%s\t%s\t", gtk_label_get_text (GTK_LABEL (fast_name)), value);
  ck_assert_msg (strstr (row, row_start) != NULL, "row copied as %s", row);
  ck_assert_int_eq (count_char (row, '\n'), 2);
  ck_assert_msg (g_str_has_prefix (row, "Path\tLaunches\t"), "row copied as %s", row);
  ck_assert (gtk_widget_activate_action (grid, "copy.table", NULL));
  g_autofree char *table_text = clipboard_text (grid);
  ck_assert_int_ge (count_char (table_text, '\n'), 3);

  /* a card: its value, and title, value and detail */
  LscStatCard *card = LSC_STAT_CARD (find_descendant (GTK_WIDGET (window->overview_view), LSC_TYPE_STAT_CARD));
  ck_assert (has_copy_shortcut (GTK_WIDGET (card), "copy.card"));
  right_click (GTK_WIDGET (card), 10, 10);
  iterate ();
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (card), "copy.value", NULL));
  g_autofree char *card_value = clipboard_text (GTK_WIDGET (card));
  ck_assert_str_eq (card_value, lsc_stat_card_get_value (card));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (card), "copy.card", NULL));
  g_autofree char *card_text = clipboard_text (GTK_WIDGET (card));
  g_autofree char *expected = g_strdup_printf ("\t%s\t", lsc_stat_card_get_value (card));
  ck_assert_msg (strstr (card_text, expected) != NULL, "card copied as %s", card_text);

  /* the Stages view: the stage times */
  ck_assert (lsc_window_set_view (window, "stages"));
  iterate ();
  ck_assert (has_copy_shortcut (GTK_WIDGET (window->stages_view), "copy.stages"));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window->stages_view), "copy.stages", NULL));
  g_autofree char *stages = clipboard_text (GTK_WIDGET (window->stages_view));
  ck_assert (g_str_has_prefix (stages, "Kernel\tLaunches\tStage\tMedian\tMean\n"));
  ck_assert_int_ge (count_char (stages, '\n'), 9);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

/* Export's Perfetto trace and Nsight Systems SQLite file are written off the main loop, and a
 * destination that cannot be written gets the error dialog naming it. */
START_TEST (test_window_export_trace_and_nsys)
{
  g_autofree char *dir = g_dir_make_tmp ("lsc-ui-export-XXXXXX", NULL);
  ck_assert_ptr_nonnull (dir);
  LscWindow *window = g_object_new (LSC_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_autoptr (GFile) file = g_file_new_for_path (report_path);
  lsc_window_open (window, file);
  for (int i = 0; i < 2000 && lsc_window_get_state (window) != LSC_WINDOW_REPORT; i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_REPORT);

  g_autofree char *trace = g_build_filename (dir, "trace.json", NULL);
  g_autoptr (GFile) trace_file = g_file_new_for_path (trace);
  lsc_window_export_trace_to (window, trace_file);
  ck_assert (wait_for_file (trace));
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (trace, &text, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (text, "\"traceEvents\""));

  g_autofree char *nsys = g_build_filename (dir, "report-nsys.sqlite", NULL);
  g_autoptr (GFile) nsys_file = g_file_new_for_path (nsys);
  lsc_window_export_nsys_to (window, nsys_file);
  ck_assert (wait_for_file (nsys));
  g_autofree char *db = NULL;
  gsize db_len = 0;
  ck_assert (g_file_get_contents (nsys, &db, &db_len, NULL));
  ck_assert (db_len > 16 && memcmp (db, "SQLite format 3", 16) == 0);
  ck_assert_ptr_null (lsc_window_get_error_dialog (window));

  /* a folder that does not exist: the dialog names the file */
  g_autofree char *bad = g_build_filename (dir, "no-such-folder", "trace.json", NULL);
  g_autoptr (GFile) bad_file = g_file_new_for_path (bad);
  lsc_window_export_trace_to (window, bad_file);
  for (int i = 0; i < 2000 && !lsc_window_get_error_dialog (window); i++)
    {
      iterate ();
      g_usleep (5000);
    }
  AdwMessageDialog *dialog = lsc_window_get_error_dialog (window);
  ck_assert_ptr_nonnull (dialog);
  ck_assert_ptr_nonnull (strstr (adw_message_dialog_get_body (dialog), bad));
  ck_assert (!g_file_test (bad, G_FILE_TEST_EXISTS));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  ck_assert_int_eq (system (cmd), 0);
}
END_TEST

/* Compare With… on a shown report, against the extreme-values report (every value a hostile
 * file can hold, on side B): the Compare view shows it, its chart exports, the comparison
 * exports as CSV, and a file that is not a report as B gets the error dialog. */
START_TEST (test_window_compare)
{
  g_autofree char *dir = g_dir_make_tmp ("lsc-ui-compare-XXXXXX", NULL);
  ck_assert_ptr_nonnull (dir);
  LscWindow *window = g_object_new (LSC_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_autoptr (GFile) a = g_file_new_for_path (report_path);
  g_autoptr (GFile) b = g_file_new_for_path (extreme_report_path);
  lsc_window_open (window, a);
  lsc_window_compare (window, a, b);
  ck_assert (lsc_window_is_comparing (window));
  for (int i = 0; i < 2000 && (lsc_window_is_comparing (window) || lsc_window_get_state (window) != LSC_WINDOW_REPORT);
       i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert_ptr_null (lsc_window_get_error_dialog (window));
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_REPORT);
  ck_assert_str_eq (lsc_window_get_view (window), "compare");
  LscComparison *comparison = lsc_window_get_comparison (window);
  ck_assert (comparison && lsc_comparison_is_ready (comparison));
  ck_assert_ptr_nonnull (lsc_comparison_get_diff (comparison));
  for (int i = 0; i < 20; i++)
    {
      iterate ();
      g_usleep (10000);
    }

  ck_assert_ptr_nonnull (lsc_window_get_visible_chart (window));
  g_autofree char *png = g_build_filename (dir, "compare.png", NULL);
  g_autoptr (GFile) png_file = g_file_new_for_path (png);
  lsc_window_export_png_to (window, png_file);
  ck_assert (g_file_test (png, G_FILE_TEST_EXISTS));

  g_autofree char *csv = g_build_filename (dir, "compare.csv", NULL);
  g_autoptr (GFile) csv_file = g_file_new_for_path (csv);
  g_autoptr (GError) error = NULL;
  ck_assert (lsc_compare_view_export_to (window->compare_view, LSC_COMPARISON_FORMAT_CSV, csv_file, &error));
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (csv, &text, NULL, NULL));
  ck_assert (g_str_has_prefix (text, "kind,name,kernel,"));

  /* not a report as B: the error dialog names it, report A stays */
  g_autofree char *garbage = g_build_filename (dir, "not-a-report.lsdb", NULL);
  ck_assert (g_file_set_contents (garbage, "not a report\n", -1, NULL));
  g_autoptr (GFile) garbage_file = g_file_new_for_path (garbage);
  lsc_window_compare (window, a, garbage_file);
  for (int i = 0; i < 2000 && lsc_window_is_comparing (window); i++)
    {
      iterate ();
      g_usleep (5000);
    }
  AdwMessageDialog *dialog = lsc_window_get_error_dialog (window);
  ck_assert_ptr_nonnull (dialog);
  ck_assert_ptr_nonnull (strstr (adw_message_dialog_get_body (dialog), "not-a-report.lsdb"));
  ck_assert_ptr_null (lsc_window_get_comparison (window));
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_REPORT);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  ck_assert_int_eq (system (cmd), 0);
}
END_TEST

static void
wait_for_comparison (LscWindow *window)
{
  for (int i = 0; i < 2000 && (lsc_window_is_comparing (window) || lsc_window_get_state (window) != LSC_WINDOW_REPORT);
       i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert_ptr_null (lsc_window_get_error_dialog (window));
  LscComparison *comparison = lsc_window_get_comparison (window);
  ck_assert (comparison && lsc_comparison_is_ready (comparison));
  iterate ();
}

static GtkWidget *
compare_child (LscWindow *window, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window->compare_view), LSC_TYPE_COMPARE_VIEW, name);
  ck_assert_msg (GTK_IS_WIDGET (child), "no %s in the Compare view", name);
  return GTK_WIDGET (child);
}

/* The text of the Compare view's verdict cell of the fast path's row. */
static const char *
fast_verdict_cell (LscWindow *window)
{
  const lsc_report_diff *d = lsc_comparison_get_diff (lsc_window_get_comparison (window));
  for (size_t i = 0; i < d->n_rows; i++)
    if (d->rows[i].kind == LSC_DIFF_ROW_PATH && strcmp (d->rows[i].name, "fast") == 0)
      {
        GtkWidget *cell = gtk_grid_get_child_at (GTK_GRID (compare_child (window, "delta_grid")), 8, (int) i + 1);
        ck_assert (GTK_IS_LABEL (cell));
        return gtk_label_get_label (GTK_LABEL (cell));
      }
  ck_abort_msg ("no fast path row");
  return NULL;
}

/* The Compare view's noise floors and metric: the library's defaults at first; a floor set in
 * the view's popover decides the shown verdicts again at once (no new comparison), is what
 * the export says, stays in GSettings and is the next comparison's; a metric compares again;
 * Reset to Defaults goes back to launchscope-cli diff's. */
START_TEST (test_compare_floors_and_metric)
{
  g_autoptr (GSettings) settings = g_settings_new (LSC_APP_ID);
  lsc_diff_options defaults;
  lsc_diff_options_init (&defaults);
  ck_assert_double_eq (g_settings_get_double (settings, "compare-noise-ns"), defaults.noise_ns);
  ck_assert_double_eq (g_settings_get_double (settings, "compare-noise-pct"), defaults.noise_pct);
  g_autofree char *metric = g_settings_get_string (settings, "compare-metric");
  ck_assert_str_eq (metric, lsc_diff_metric_name (defaults.metric));

  LscWindow *window = g_object_new (LSC_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_autoptr (GFile) a = g_file_new_for_path (report_path);
  g_autoptr (GFile) b = g_file_new_for_path (compare_report_path);
  lsc_window_open (window, a);
  lsc_window_compare (window, a, b);
  wait_for_comparison (window);
  LscComparison *comparison = lsc_window_get_comparison (window);
  /* B's fast path is 15 % slower */
  ck_assert_str_eq (fast_verdict_cell (window), "Slower");
  ck_assert_ptr_nonnull (strstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (compare_child (window, "verdict_button"))),
                                 "20 ns · 2 %"));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (compare_child (window, "noise_pct_spin")), 50);
  iterate ();
  ck_assert_ptr_eq (lsc_window_get_comparison (window), comparison);
  ck_assert (!lsc_window_is_comparing (window));
  ck_assert_str_eq (fast_verdict_cell (window), "No change");
  ck_assert_ptr_nonnull (strstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (compare_child (window, "verdict_button"))),
                                 "20 ns · 50 %"));
  g_autoptr (GSettings) other = g_settings_new (LSC_APP_ID);
  ck_assert_double_eq (g_settings_get_double (other, "compare-noise-pct"), 50);
  g_autofree char *dir = g_dir_make_tmp ("lsc-ui-floors-XXXXXX", NULL);
  g_autofree char *json = g_build_filename (dir, "compare.json", NULL);
  g_autoptr (GFile) json_file = g_file_new_for_path (json);
  g_autoptr (GError) error = NULL;
  ck_assert (lsc_compare_view_export_to (window->compare_view, LSC_COMPARISON_FORMAT_JSON, json_file, &error));
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (json, &text, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (text, "\"noise_pct\": 50,"));
  ck_assert_ptr_null (strstr (text, "\"verdict\": \"slower\"}"));
  g_unlink (json);
  g_rmdir (dir);

  /* the next comparison starts with it */
  lsc_window_compare (window, a, b);
  wait_for_comparison (window);
  ck_assert_ptr_ne (lsc_window_get_comparison (window), comparison);
  ck_assert_double_eq (lsc_comparison_get_diff (lsc_window_get_comparison (window))->noise_pct, 50);
  ck_assert_str_eq (fast_verdict_cell (window), "No change");

  /* another metric compares again, the floors kept */
  comparison = lsc_window_get_comparison (window);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (compare_child (window, "metric_dropdown")), LSC_DIFF_METRIC_MEAN);
  iterate ();
  g_free (metric);
  metric = g_settings_get_string (settings, "compare-metric");
  ck_assert_str_eq (metric, "mean");
  ck_assert_ptr_ne (lsc_window_get_comparison (window), comparison);
  wait_for_comparison (window);
  const lsc_report_diff *d = lsc_comparison_get_diff (lsc_window_get_comparison (window));
  ck_assert_int_eq (d->metric, LSC_DIFF_METRIC_MEAN);
  ck_assert_double_eq (d->noise_pct, 50);
  ck_assert_str_eq (lsc_window_get_view (window), "compare");

  /* back to the CLI's defaults */
  gtk_widget_activate_action (GTK_WIDGET (window->compare_view), "compare.reset-verdicts", NULL);
  iterate ();
  wait_for_comparison (window);
  d = lsc_comparison_get_diff (lsc_window_get_comparison (window));
  ck_assert_int_eq (d->metric, defaults.metric);
  ck_assert_double_eq (d->noise_ns, defaults.noise_ns);
  ck_assert_double_eq (d->noise_pct, defaults.noise_pct);
  ck_assert_double_eq (gtk_spin_button_get_value (GTK_SPIN_BUTTON (compare_child (window, "noise_pct_spin"))),
                       defaults.noise_pct);
  ck_assert_str_eq (fast_verdict_cell (window), "Slower");

  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

/* The session facts read whole in an 800x600 window, below the table there (and the chart
 * leaves the table room), and beside it with the whole table in a 1280x800 one: no value is
 * ellipsized, one too long for a few lines (the settings) ends in "…" and is whole in its
 * tooltip. */
START_TEST (test_compare_facts_readable)
{
  static const int sizes[][2] = { { 800, 600 }, { 1280, 800 } };
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      LscWindow *window = g_object_new (LSC_TYPE_WINDOW, NULL);
      gtk_window_set_default_size (GTK_WINDOW (window), sizes[k][0], sizes[k][1]);
      gtk_window_present (GTK_WINDOW (window));
      g_autoptr (GFile) a = g_file_new_for_path (report_path);
      g_autoptr (GFile) b = g_file_new_for_path (compare_report_path);
      lsc_window_open (window, a);
      lsc_window_compare (window, a, b);
      wait_for_comparison (window);
      for (int i = 0; i < 20; i++)
        {
          iterate ();
          g_usleep (10000);
        }
      ck_assert_int_le (gtk_widget_get_width (GTK_WIDGET (window)), sizes[k][0]);

      GtkWidget *facts = compare_child (window, "facts_grid");
      GtkWidget *scroller = compare_child (window, "facts_scroller");
      gboolean narrow = k == 0;
      ck_assert_int_eq (gtk_widget_is_ancestor (facts, compare_child (window, "tables_box")), narrow);
      ck_assert_int_eq (gtk_widget_is_ancestor (facts, scroller), !narrow);
      ck_assert_int_eq (gtk_widget_get_visible (scroller), !narrow);
      /* a short window gives the chart no more than half the height (or its least, 200) */
      GtkWidget *split = compare_child (window, "split_paned");
      int chart = gtk_paned_get_position (GTK_PANED (split));
      if (narrow)
        ck_assert_int_le (chart, MAX (gtk_widget_get_height (split) / 2, 200));
      else
        ck_assert_int_eq (chart, 280);
      if (!narrow)
        {
          int table = 0;
          gtk_widget_measure (compare_child (window, "delta_grid"), GTK_ORIENTATION_HORIZONTAL, -1, NULL, &table, NULL,
                              NULL);
          ck_assert_int_ge (gtk_paned_get_position (GTK_PANED (compare_child (window, "tables_paned"))), table);
          ck_assert_int_ge (gtk_widget_get_width (scroller), 300);
        }

      const lsc_report_diff *d = lsc_comparison_get_diff (lsc_window_get_comparison (window));
      ck_assert_uint_gt (d->n_facts, 0);
      gboolean cut_seen = FALSE;
      for (size_t i = 0; i < d->n_facts; i++)
        for (int side = 0; side < 2; side++)
          {
            const char *value = side ? d->facts[i].b : d->facts[i].a;
            GtkWidget *cell = gtk_grid_get_child_at (GTK_GRID (facts), 1 + side, (int) i + 1);
            ck_assert (GTK_IS_LABEL (cell));
            ck_assert_int_gt (gtk_widget_get_width (cell), 0);
            ck_assert_msg (!pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (cell))), "%s of %c is cut",
                           d->facts[i].name, side ? 'B' : 'A');
            const char *shown = gtk_label_get_label (GTK_LABEL (cell));
            if (!value)
              continue;
            ck_assert_str_eq (gtk_widget_get_tooltip_text (cell), value);
            if (strcmp (shown, value) != 0)
              {
                ck_assert (g_str_has_suffix (shown, "…"));
                ck_assert (strncmp (shown, value, strlen (shown) - strlen ("…")) == 0);
                cut_seen = TRUE;
              }
          }
      ck_assert (cut_seen); /* the synthetic reports' settings */
      gtk_window_destroy (GTK_WINDOW (window));
      iterate ();
    }
}
END_TEST

/* Started plainly from the build tree (no $LSC_SAMPLE_REPORT, as build-aux/run sets), the start
 * page still offers the bundled sample report, and its recent reports open with a click. */
START_TEST (test_start_page_sample_and_recent)
{
  g_unsetenv ("LSC_SAMPLE_REPORT");
  g_autofree char *sample = lsc_application_dup_sample_path ();
  gboolean have_sample = g_file_test (LSC_SOURCE_SAMPLE_REPORT, G_FILE_TEST_IS_REGULAR);
  if (have_sample)
    ck_assert_str_eq (sample, LSC_SOURCE_SAMPLE_REPORT);
  else
    ck_assert_ptr_null (sample);

  g_autoptr (GSettings) settings = g_settings_new (LSC_APP_ID);
  g_autofree char *report = g_canonicalize_filename (report_path, NULL);
  const char *recent[] = { report, "/nonexistent/older.lsdb", NULL };
  g_settings_set_strv (settings, "recent-reports", recent);
  LscWindow *window = g_object_new (LSC_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  iterate ();
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_EMPTY);
  ck_assert_int_eq (gtk_widget_get_visible (window->sample_button), have_sample);
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (window->recent_list)));
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (window->recent_list, 0);
  ck_assert_ptr_nonnull (first);
  ck_assert_ptr_nonnull (gtk_list_box_get_row_at_index (window->recent_list, 1));
  ck_assert_ptr_null (gtk_list_box_get_row_at_index (window->recent_list, 2));
  g_autofree char *base = g_path_get_basename (report_path);
  ck_assert_str_eq (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (first)), base);

  g_signal_emit_by_name (first, "activate");
  ck_assert_int_ne (lsc_window_get_state (window), LSC_WINDOW_EMPTY);
  for (int i = 0; i < 2000 && lsc_window_get_state (window) == LSC_WINDOW_LOADING; i++)
    {
      iterate ();
      g_usleep (5000);
    }
  ck_assert_int_eq (lsc_window_get_state (window), LSC_WINDOW_REPORT);
  ck_assert_str_eq (lsc_document_get_path (lsc_window_get_document (window)), report);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}
END_TEST

/* The primary menu's Style (app.style) is the GSettings key "style" and sets libadwaita's
 * colour scheme at once, from either side. */
START_TEST (test_style_setting)
{
  LscApplication *app = lsc_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_application_register (G_APPLICATION (app), NULL, &error), "%s", error ? error->message : "");
  AdwStyleManager *style = adw_style_manager_get_default ();
  GSettings *settings = lsc_application_get_settings (app);
  ck_assert_int_eq (adw_style_manager_get_color_scheme (style), ADW_COLOR_SCHEME_DEFAULT);

  g_action_group_activate_action (G_ACTION_GROUP (app), "style", g_variant_new_string ("dark"));
  g_autofree char *stored = g_settings_get_string (settings, "style");
  ck_assert_str_eq (stored, "dark");
  ck_assert_int_eq (adw_style_manager_get_color_scheme (style), ADW_COLOR_SCHEME_FORCE_DARK);
  ck_assert (adw_style_manager_get_dark (style));

  g_settings_set_string (settings, "style", "light");
  ck_assert_int_eq (adw_style_manager_get_color_scheme (style), ADW_COLOR_SCHEME_FORCE_LIGHT);
  ck_assert (!adw_style_manager_get_dark (style));
  g_autoptr (GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (app), "style");
  ck_assert_str_eq (g_variant_get_string (state, NULL), "light");

  g_settings_set_string (settings, "style", "system");
  ck_assert_int_eq (adw_style_manager_get_color_scheme (style), ADW_COLOR_SCHEME_DEFAULT);
  g_object_unref (app);
}
END_TEST

int
main (int argc, char **argv)
{
  if (argc < 6)
    {
      fprintf (stderr, "usage: %s SYNTHETIC-REPORT EXTREME-REPORT HOSTILE-REPORT-DIR MULTI-KERNEL-REPORT COMPARE-REPORT\n",
               argv[0]);
      return 2;
    }
  report_path = argv[1];
  extreme_report_path = argv[2];
  hostile_dir = argv[3];
  multi_kernel_report_path = argv[4];
  compare_report_path = argv[5];
  if (!g_getenv ("DISPLAY") && !g_getenv ("WAYLAND_DISPLAY"))
    {
      fprintf (stderr, "no display: skipping\n");
      return 77;
    }

  Suite *suite = suite_create ("ui-widgets");
  TCase *tc = tcase_create ("widgets");
  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_templates_build);
  tcase_add_test (tc, test_live_panel_signals);
  tcase_add_test (tc, test_help_overlay_parses);
  tcase_add_test (tc, test_views_take_a_report);
  tcase_add_test (tc, test_overhead_axis_ignores_lone_spikes);
  tcase_add_test (tc, test_timeline_selection);
  tcase_add_test (tc, test_launches_filters);
  tcase_add_test (tc, test_cut_cells_have_tooltips);
  tcase_add_test (tc, test_views_take_hostile_reports);
  tcase_add_test (tc, test_window_open_and_export);
  tcase_add_test (tc, test_window_compare);
  tcase_add_test (tc, test_compare_floors_and_metric);
  tcase_add_test (tc, test_compare_facts_readable);
  tcase_add_test (tc, test_window_kernels_filter);
  tcase_add_test (tc, test_window_export_trace_and_nsys);
  tcase_add_test (tc, test_copy_cells_rows_and_cards);
  tcase_add_test (tc, test_style_setting);
  tcase_add_test (tc, test_start_page_sample_and_recent);
  suite_add_tcase (suite, tc);

  SRunner *runner = srunner_create (suite);
  srunner_run_all (runner, CK_ENV);
  int failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
