/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-overhead-chart-input.c — the overhead chart under the pointer and keys: the launch
 * nearest the pointer and its tooltip, zoom (wheel, pinch, + and -), pan (drag, shifted wheel,
 * arrows), reset (double click, 0), and the selected range (shift-drag; a click or Escape
 * clears it).
 */
#include <glib/gi18n.h>
#include <math.h>

#include "lsc-format.h"
#include "lsc-overhead-chart-private.h"

#define HOVER_RADIUS 16.0      /* px: how near the pointer a launch must be for the tooltip */
#define HOVER_SCAN_LIMIT 200000 /* launches examined per pointer move, at most */

/* The report's outcome and reason names (lsc-schema.h); reasons stay identifiers, as the CLI
 * and the event list print them. */
static const char *const reason_ids[] = {
  "none", "skip-env", "priming-failed", "skip-switch", "capture", "context-changed",
  "globals-changed", "constexpr-changed", "arguments", "table-full",
};

static const char *
outcome_label (guint outcome)
{
  switch (outcome)
    {
    case 0:
      return _("hit");
    case 1:
      return _("miss");
    case 2:
      return _("fallback");
    case 3:
      return C_("launch outcome", "baseline");
    default:
      return _("unknown");
    }
}

/* --- Hover and tooltip -------------------------------------------------------------------- */

static void
consider (const LscOverheadFrame *f, guint p, gsize index, double t, double v, gboolean compile, double px, double py,
          double *best, LscOverheadHover *hover)
{
  LscOverheadHover candidate = { TRUE, p, index, t, v, compile };
  double dx = lsc_overhead_chart_x_of (f, t) - px;
  double dy = lsc_overhead_chart_hover_y (f, &candidate) - py, d = dx * dx + dy * dy;
  if (d < *best)
    {
      *best = d;
      *hover = candidate;
    }
}

#define SPAN_RADIUS 4.0 /* px: how near the pointer a span must be */

/* The span of the track under the pointer nearest it within SPAN_RADIUS, and the launch it
 * links to. */
static LscOverheadHover
find_span (LscOverheadChart *self, double px, double py)
{
  const LscOverheadFrame *f = &self->frame;
  LscOverheadHover hover = { FALSE };
  double row = (py - f->tracks_top) / LSC_OVERHEAD_TRACK_PITCH;
  if (row < 0 || row >= f->n_tracks || px < f->plot.origin.x - SPAN_RADIUS ||
      px > f->plot.origin.x + f->plot.size.width + SPAN_RADIUS)
    return hover;
  guint i = (guint) row;
  if (py > lsc_overhead_chart_track_y (f, i) + LSC_OVERHEAD_TRACK_H + 1)
    return hover; /* between two tracks */

  const LscTrack *track = lsc_tracks_get (self->tracks, i);
  double ns_per_px = (f->t1 - f->t0) / f->plot.size.width;
  double t = f->t0 + (px - f->plot.origin.x) * ns_per_px;
  gsize a = lsc_track_lower_bound (track, t - SPAN_RADIUS * ns_per_px - (double) track->max_length_ns);
  gsize b = MIN (lsc_track_lower_bound (track, t + SPAN_RADIUS * ns_per_px), a + HOVER_SCAN_LIMIT);
  double best = SPAN_RADIUS + 0.5;
  for (gsize k = a; k < b; k++)
    {
      double x0 = lsc_overhead_chart_x_of (f, (double) track->spans[k].t0_ns);
      double x1 = lsc_overhead_chart_x_of (f, (double) track->spans[k].t1_ns);
      double d = px < x0 ? x0 - px : px > x1 ? px - x1 : 0;
      if (d < best)
        {
          best = d;
          hover = (LscOverheadHover) { .valid = TRUE, .on_span = TRUE, .no_launch = TRUE, .track = i, .span = k };
        }
    }

  gsize member;
  const LscSeries *series = self->index ? lsc_series_index_get_series (self->index) : NULL;
  if (hover.valid && series && lsc_tracks_find_launch (self->tracks, track->spans[hover.span].correlation_id, &member) &&
      member < series->n && series->path[member] < LSC_CHART_N_PATHS && !self->hidden[series->path[member]])
    {
      hover.no_launch = FALSE;
      hover.path = series->path[member];
      hover.index = member;
      hover.t = (double) series->t_ns[member];
      hover.v = series->value_ns[member];
      hover.compile = series->outcome != NULL && series->outcome[member] == LSC_CHART_OUTCOME_MISS;
    }
  return hover;
}

/* The launch nearest the pointer within HOVER_RADIUS, searched among launches within the
 * radius in time (binary search), examining at most HOVER_SCAN_LIMIT of them. */
static LscOverheadHover
find_hover (LscOverheadChart *self, double px, double py)
{
  const LscOverheadFrame *f = &self->frame;
  LscOverheadHover hover = { FALSE };
  double best = HOVER_RADIUS * HOVER_RADIUS;

  if (f->valid && f->n_tracks > 0 && py >= f->tracks_top)
    return find_span (self, px, py);
  if (!f->valid || !graphene_rect_contains_point (&f->plot, &GRAPHENE_POINT_INIT (px, py)))
    return hover;

  double ns_per_px = (f->t1 - f->t0) / f->plot.size.width;
  double ta = f->t0 + (px - HOVER_RADIUS - f->plot.origin.x) * ns_per_px;
  double tb = f->t0 + (px + HOVER_RADIUS - f->plot.origin.x) * ns_per_px;

  if (self->ring != NULL)
    {
      gsize n = lsc_ring_get_length (self->ring), scanned = 0;
      for (gsize i = n; i-- > 0 && scanned < HOVER_SCAN_LIMIT; scanned++)
        {
          guint64 t;
          guint32 v;
          guint8 p;
          lsc_ring_get (self->ring, i, &t, &v, &p);
          if (t < ta || t > tb || p >= LSC_CHART_N_PATHS || self->hidden[p])
            continue;
          consider (f, p, i, (double) t, v, FALSE, px, py, &best, &hover);
        }
      return hover;
    }

  for (guint p = 0; p < LSC_CHART_N_PATHS; p++)
    {
      const LscMinMaxIndex *idx = self->index ? lsc_series_index_get_path (self->index, p) : NULL;
      if (idx == NULL || self->hidden[p])
        continue;
      const guint64 *t = lsc_min_max_index_get_times (idx);
      const guint32 *v = lsc_min_max_index_get_values (idx);
      gsize a = lsc_min_max_index_lower_bound (idx, ta), b = lsc_min_max_index_lower_bound (idx, tb);
      /* Too many to scan: look at the slice nearest the pointer's time. */
      if (b - a > HOVER_SCAN_LIMIT)
        {
          gsize mid = lsc_min_max_index_lower_bound (idx, f->t0 + (px - f->plot.origin.x) * ns_per_px);
          a = mid > HOVER_SCAN_LIMIT / 2 ? mid - HOVER_SCAN_LIMIT / 2 : 0;
          b = MIN (a + HOVER_SCAN_LIMIT, lsc_min_max_index_get_n (idx));
        }
      for (gsize k = a; k < b; k++)
        consider (f, p, k, (double) t[k], v[k], FALSE, px, py, &best, &hover);
      if (hover.valid && hover.path == p)
        hover.index = lsc_series_index_get_member (self->index, p, hover.index);
    }

  if (self->index != NULL)
    {
      gsize n_compiles;
      const LscCompileLaunch *compiles = lsc_series_index_get_compiles (self->index, &n_compiles);
      gsize a = lsc_series_index_compile_lower_bound (self->index, ta);
      gsize b = MIN (lsc_series_index_compile_lower_bound (self->index, tb), a + HOVER_SCAN_LIMIT);
      for (gsize i = a; i < b; i++)
        if (!self->hidden[compiles[i].path])
          consider (f, compiles[i].path, compiles[i].member, (double) compiles[i].t_ns, compiles[i].value_ns, TRUE, px,
                    py, &best, &hover);
    }
  return hover;
}

/* trigger: ask GTK for the tooltip again (not from inside query-tooltip itself). */
static void
set_hover (LscOverheadChart *self, LscOverheadHover hover, gboolean trigger)
{
  if (hover.valid == self->hover.valid &&
      (!hover.valid || (hover.path == self->hover.path && hover.index == self->hover.index &&
                        hover.on_span == self->hover.on_span && hover.track == self->hover.track &&
                        hover.span == self->hover.span)))
    return;
  self->hover = hover;
  gtk_widget_queue_draw (GTK_WIDGET (self)); /* the cached chart stays; only the overlay changes */
  if (trigger)
    gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
}

/* A value in the unit of the overhead axis's labels (a linear axis writes all of them in one
 * unit), so the card reads against the axis; on the log axis, or above the linear one, in the
 * app's own rule. */
static char *
format_in_axis_unit (const LscOverheadFrame *f, double ns)
{
  if (f->y.log_scale || ns > f->y.max)
    return lsc_format_duration_ns (ns);
  double divisor;
  const char *unit = lsc_format_duration_unit (f->y.max, &divisor);
  double x = ns / divisor;
  int decimals = divisor == 1 ? 0 : x < 10 ? 2 : x < 100 ? 1 : 0;
  return g_strdup_printf ("%.*f %s", decimals, x, unit);
}

/* The card of a span: its length, what it is, its name and track, and when. */
static char *
span_markup (LscOverheadChart *self, const LscOverheadHover *h)
{
  const LscTrack *track = lsc_tracks_get (self->tracks, h->track);
  const LscSpan *span = &track->spans[h->span];
  GString *s = g_string_new (NULL);
  g_autofree char *length = lsc_format_duration_ns ((double) (span->t1_ns - span->t0_ns));
  g_autofree char *label = lsc_track_label (track);
  g_autofree char *time = g_strdup_printf ("%.6f s", (double) span->t0_ns / 1e9);
  const char *what = track->kind == LSC_TRACK_KERNEL ? _("kernel execution")
                     : span->name == NULL            ? _("launch call")
                                                     : _("API call");
  g_string_append_printf (s, "<b>%s</b> · %s", length, what);
  if (span->name != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (span->name, -1);
      g_string_append_printf (s, "\n%s", escaped);
    }
  g_string_append_printf (s, "\n%s", label);
  if (!h->no_launch)
    {
      g_autofree char *num = lsc_format_count ((gint64) h->index);
      g_string_append_printf (s, "\n%s %s", _("Launch:"), num);
    }
  g_string_append_printf (s, "\n%s %s", _("Time:"), time);
  return g_string_free (s, FALSE);
}

static char *
hover_markup (LscOverheadChart *self)
{
  const LscOverheadHover *h = &self->hover;
  if (h->on_span)
    return span_markup (self, h);
  GString *s = g_string_new (NULL);
  g_autofree char *value = format_in_axis_unit (&self->frame, h->v);
  g_autofree char *time = g_strdup_printf ("%.6f s", h->t / 1e9);
  guint64 number = h->index;

  guint32 weight = 1;
  if (self->ring != NULL)
    {
      number = lsc_ring_get_total (self->ring) - lsc_ring_get_length (self->ring) + h->index;
      if (h->index < lsc_ring_get_length (self->ring))
        weight = lsc_ring_get_count (self->ring, h->index);
    }
  g_autofree char *num = lsc_format_count ((gint64) number);

  g_string_append_printf (s, "<b>%s</b>", value);
  if (h->compile)
    g_string_append_printf (s, " · %s", _("compile launch"));
  if (self->index != NULL)
    {
      const LscSeries *series = lsc_series_index_get_series (self->index);
      gint64 kernel = series->kernel_id != NULL ? series->kernel_id[h->index] : -1;
      const char *name = kernel >= 0 && self->kernel_names ? g_hash_table_lookup (self->kernel_names, &kernel) : NULL;
      if (name != NULL)
        {
          g_autofree char *escaped = g_markup_escape_text (name, -1);
          g_string_append_printf (s, "\n%s %s", _("Kernel:"), escaped);
        }
    }
  g_string_append_printf (s, "\n%s", lsc_chart_path_label (h->path));
  if (self->index != NULL)
    {
      const LscSeries *series = lsc_series_index_get_series (self->index);
      if (series->outcome != NULL)
        g_string_append_printf (s, " · %s", outcome_label (series->outcome[h->index]));
      if (series->reason != NULL && series->reason[h->index] != 0)
        {
          guint r = series->reason[h->index];
          g_string_append_printf (s, "\n%s %s", _("Reason:"), r < G_N_ELEMENTS (reason_ids) ? reason_ids[r] : "?");
        }
      if (series->spec_id != NULL && series->spec_id[h->index] >= 0)
        g_string_append_printf (s, "\n%s %" G_GINT64_FORMAT, _("Spec:"), series->spec_id[h->index]);
    }
  if (weight > 1)
    {
      /* an aggregate of live launches: its value is their maximum */
      g_autofree char *n = lsc_format_count ((gint64) weight);
      g_string_append_printf (s, "\n");
      g_string_append_printf (s, _("Slowest of %s launches"), n);
    }
  else
    g_string_append_printf (s, "\n%s %s", _("Launch:"), num);
  g_string_append_printf (s, "\n%s %s", _("Time:"), time);
  return g_string_free (s, FALSE);
}

char *
lsc_overhead_chart_describe_point (LscOverheadChart *self, double x, double y)
{
  set_hover (self, find_hover (self, x, y), FALSE);
  return self->hover.valid && self->frame.valid ? hover_markup (self) : NULL;
}

gboolean
lsc_overhead_chart_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip)
{
  LscOverheadChart *self = LSC_OVERHEAD_CHART (widget);

  g_autofree char *markup = NULL;
  if (!keyboard)
    markup = lsc_overhead_chart_describe_point (self, x, y);
  else if (self->hover.valid && self->frame.valid)
    markup = hover_markup (self);
  if (markup == NULL)
    return FALSE;

  gtk_tooltip_set_markup (tooltip, markup);
  if (self->hover.on_span)
    gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { x - 4, y - 4, 8, 8 });
  else
    {
      double hx = lsc_overhead_chart_x_of (&self->frame, self->hover.t);
      double hy = lsc_overhead_chart_hover_y (&self->frame, &self->hover);
      gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) hx - 6, (int) hy - 6, 12, 12 });
    }
  return TRUE;
}

void
lsc_overhead_chart_on_motion (GtkEventControllerMotion *controller G_GNUC_UNUSED, double x, double y, LscOverheadChart *self)
{
  self->pointer_inside = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  set_hover (self, find_hover (self, x, y), TRUE);
}

void
lsc_overhead_chart_on_leave (GtkEventControllerMotion *controller G_GNUC_UNUSED, LscOverheadChart *self)
{
  self->pointer_inside = FALSE;
  set_hover (self, (LscOverheadHover) { FALSE }, TRUE);
}

/* --- Zoom and pan ------------------------------------------------------------------------- */

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, LscOverheadChart *self)
{
  if (!self->frame.valid)
    return FALSE;

  /* A wheel notch is ±1; touchpads report pixels. */
  gboolean wheel = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL;
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  double x = self->pointer_inside ? self->pointer_x
                                  : self->frame.plot.origin.x + self->frame.plot.size.width / 2;

  if (mods & GDK_SHIFT_MASK)
    {
      dx = dx != 0 ? dx : dy;
      dy = 0;
    }
  if (dx != 0)
    lsc_overhead_chart_pan_by (self, wheel ? dx * 0.1 : dx / self->frame.plot.size.width);
  if (dy != 0)
    lsc_overhead_chart_zoom_at (self, pow (1.25, wheel ? dy : dy / 20.0), x);
  set_hover (self, (LscOverheadHover) { FALSE }, TRUE);
  return TRUE;
}

/* The time under plot x coordinate x in the view [t0, t1]. */
static double
time_at (const LscOverheadFrame *f, double t0, double t1, double x)
{
  return t0 + (x - f->plot.origin.x) / f->plot.size.width * (t1 - t0);
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, LscOverheadChart *self)
{
  if (!self->frame.valid || !graphene_rect_contains_point (&self->frame.plot, &GRAPHENE_POINT_INIT (x, y)) ||
      !lsc_overhead_chart_current_view (self, &self->drag_t0, &self->drag_t1))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  /* A report's launches can be selected; live ones move on under the pointer. */
  self->drag_selects = (mods & GDK_SHIFT_MASK) && self->index != NULL;
  self->drag_x = x;
  self->dragging = FALSE;
}

static void
on_drag_update (GtkGestureDrag *gesture, double ox, double oy G_GNUC_UNUSED, LscOverheadChart *self)
{
  if (!self->dragging && fabs (ox) < 3)
    return; /* a click (legend, double-click), not yet a drag */
  if (!self->dragging)
    {
      self->dragging = TRUE;
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), self->drag_selects ? "col-resize" : "grabbing");
    }
  if (self->drag_selects)
    {
      const LscOverheadFrame *f = &self->frame;
      double right = f->plot.origin.x + f->plot.size.width;
      double x1 = CLAMP (self->drag_x + ox, f->plot.origin.x, right);
      lsc_overhead_chart_change_selection (self, TRUE, time_at (f, self->drag_t0, self->drag_t1, self->drag_x),
                                           time_at (f, self->drag_t0, self->drag_t1, x1));
      return;
    }
  double ns_per_px = (self->drag_t1 - self->drag_t0) / self->frame.plot.size.width;
  lsc_overhead_chart_set_view (self, self->drag_t0 - ox * ns_per_px, self->drag_t1 - ox * ns_per_px);
  set_hover (self, (LscOverheadHover) { FALSE }, TRUE);
}

static void
on_drag_end (GtkGestureDrag *gesture G_GNUC_UNUSED, double ox G_GNUC_UNUSED, double oy G_GNUC_UNUSED, LscOverheadChart *self)
{
  self->dragging = FALSE;
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
on_zoom_begin (GtkGesture *gesture, GdkEventSequence *sequence G_GNUC_UNUSED, LscOverheadChart *self)
{
  if (!lsc_overhead_chart_current_view (self, &self->zoom_t0, &self->zoom_t1))
    gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_DENIED);
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture, double scale, LscOverheadChart *self)
{
  double cx, cy;
  if (!self->frame.valid || scale <= 0 || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    return;
  const graphene_rect_t *plot = &self->frame.plot;
  double f = CLAMP ((cx - plot->origin.x) / plot->size.width, 0.0, 1.0);
  double anchor = self->zoom_t0 + f * (self->zoom_t1 - self->zoom_t0);
  double span = (self->zoom_t1 - self->zoom_t0) / scale;
  lsc_overhead_chart_set_view (self, anchor - f * span, anchor - f * span + span);
}

static void
on_click (GtkGestureClick *gesture G_GNUC_UNUSED, int n_press, double x, double y, LscOverheadChart *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (!self->frame.valid)
    return;

  /* A click on a legend entry shows or hides that path. */
  for (guint i = 0; i < self->frame.n_legend; i++)
    if (self->frame.legend_paths[i] >= 0 &&
        graphene_rect_contains_point (&self->frame.legend_rects[i], &GRAPHENE_POINT_INIT (x, y)))
      {
        guint p = self->frame.legend_paths[i];
        lsc_overhead_chart_set_path_visible (self, p, self->hidden[p]);
        return;
      }

  /* A click on a launch or a span pins its link (call, kernel); elsewhere unpins it. */
  if (n_press == 1)
    {
      self->pinned = self->tracks ? find_hover (self, x, y) : (LscOverheadHover) { FALSE };
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  if (n_press == 2 && graphene_rect_contains_point (&self->frame.plot, &GRAPHENE_POINT_INIT (x, y)))
    lsc_overhead_chart_reset_zoom (self);
}

/* A click in the plot drops the selection; a press that became a drag (panning, or a new
 * selection) never gets here: the click gesture stops once the pointer moves. */
static void
on_click_released (GtkGestureClick *gesture, int n_press G_GNUC_UNUSED, double x, double y, LscOverheadChart *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  if (self->frame.valid && !self->dragging && !(mods & GDK_SHIFT_MASK) &&
      graphene_rect_contains_point (&self->frame.plot, &GRAPHENE_POINT_INIT (x, y)))
    lsc_overhead_chart_change_selection (self, FALSE, 0, 0);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller G_GNUC_UNUSED, guint keyval, guint keycode G_GNUC_UNUSED, GdkModifierType state G_GNUC_UNUSED,
                LscOverheadChart *self)
{
  double cx = self->frame.plot.origin.x + self->frame.plot.size.width / 2;
  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      lsc_overhead_chart_zoom_at (self, 1 / 1.5, cx);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      lsc_overhead_chart_zoom_at (self, 1.5, cx);
      return TRUE;
    case GDK_KEY_0:
    case GDK_KEY_KP_0:
    case GDK_KEY_Home:
      lsc_overhead_chart_reset_zoom (self);
      return TRUE;
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      lsc_overhead_chart_pan_by (self, -0.1);
      return TRUE;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      lsc_overhead_chart_pan_by (self, 0.1);
      return TRUE;
    case GDK_KEY_l:
      lsc_overhead_chart_set_log_scale (self, !self->log_scale);
      return TRUE;
    case GDK_KEY_Escape:
      if (!self->has_selection)
        return FALSE;
      lsc_overhead_chart_change_selection (self, FALSE, 0, 0);
      return TRUE;
    default:
      return FALSE;
    }
}

void
lsc_overhead_chart_add_controllers (LscOverheadChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (on_zoom_begin), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_click), self);
  g_signal_connect (gesture, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (widget, controller);
}
