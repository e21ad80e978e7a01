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
 * (under the sanitizer build, build-aux/test-variants asan-app, without a sanitizer report).
 * Needs GSETTINGS_SCHEMA_DIR.
 */
#include <adwaita.h>
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-chart-draw.h"
#include "lsc-columns.h"
#include "lsc-distribution-chart.h"
#include "lsc-distribution-view.h"
#include "lsc-events-view.h"
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

static const char *report_path, *extreme_report_path, *hostile_dir;

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
  iterate ();
  ck_assert_ptr_nonnull (lsc_timeline_view_get_chart (LSC_TIMELINE_VIEW (views[1])));
  ck_assert_ptr_nonnull (lsc_stages_view_get_chart (LSC_STAGES_VIEW (views[3]))); /* the report has stage times */

  /* the spec list: each spec's launches and median next to the engine's counters */
  assert_headers_fit (views[4]);
  assert_headers_fit (views[5]);
  assert_headers_fit (views[6]);
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

/* The launch list filters by kernel (a searchable drop-down of the report's kernels) and by
 * the launching thread's ID. */
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
  g_autofree char *kernel = g_strdup (lsc_row_get_text (first, LSC_LAUNCH_COL_KERNEL));

  /* the toolbar's search entry (the kernel drop-down's popover has one too) and drop-down with
   * search: the kernels */
  GtkEditable *thread_entry = NULL;
  GtkDropDown *kernels = NULL;
  for (GtkWidget *w = gtk_widget_get_first_child (gtk_widget_get_first_child (gtk_widget_get_first_child (view)));
       w; w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_SEARCH_ENTRY (w))
      thread_entry = GTK_EDITABLE (w);
    else if (GTK_IS_DROP_DOWN (w) && gtk_drop_down_get_enable_search (GTK_DROP_DOWN (w)))
      kernels = GTK_DROP_DOWN (w);
  ck_assert_ptr_nonnull (thread_entry);
  ck_assert_ptr_nonnull (kernels);
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

  /* the report's kernels after "All kernels" */
  GListModel *names = gtk_drop_down_get_model (kernels);
  ck_assert_uint_eq (g_list_model_get_n_items (names), 2);
  ck_assert_str_eq (gtk_string_list_get_string (GTK_STRING_LIST (names), 1), kernel);
  gtk_drop_down_set_selected (kernels, 1);
  ck_assert (wait_for_n_items (launches, total));
  gtk_editable_set_text (thread_entry, "999999999");
  ck_assert (wait_for_n_items (launches, 0));

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

int
main (int argc, char **argv)
{
  if (argc < 4)
    {
      fprintf (stderr, "usage: %s SYNTHETIC-REPORT EXTREME-REPORT HOSTILE-REPORT-DIR\n", argv[0]);
      return 2;
    }
  report_path = argv[1];
  extreme_report_path = argv[2];
  hostile_dir = argv[3];
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
  suite_add_tcase (suite, tc);

  SRunner *runner = srunner_create (suite);
  srunner_run_all (runner, CK_ENV);
  int failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
