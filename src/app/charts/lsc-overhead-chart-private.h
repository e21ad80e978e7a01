/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-overhead-chart-private.h — what the overhead chart's files share: the widget's state,
 * the geometry of the last frame drawn, and the view helpers.  lsc-overhead-chart.c holds the
 * data, the view and the GObject; lsc-overhead-chart-draw.c the drawing;
 * lsc-overhead-chart-input.c hover, tooltip, zoom and pan.
 */
#pragma once

#include "lsc-chart-draw.h"
#include "lsc-overhead-chart.h"

G_BEGIN_DECLS

/* Geometry of the last frame drawn on screen, for hit testing between frames. */
typedef struct {
  gboolean valid;
  graphene_rect_t plot;
  double t0, t1;
  LscAxisScale y;
  guint n_legend;
  graphene_rect_t legend_rects[LSC_CHART_N_PATHS + 3];
  int legend_paths[LSC_CHART_N_PATHS + 3]; /* -1: not a path (raw floor line, markers, compiles) */
  guint n_tracks;    /* API and kernel tracks under the plot */
  double tracks_top; /* the first track's top edge */
} LscOverheadFrame;

/* The tracks' rows: TRACK_H high, TRACK_PITCH apart. */
#define LSC_OVERHEAD_TRACK_H 11.0
#define LSC_OVERHEAD_TRACK_PITCH 15.0

typedef struct {
  gboolean valid;
  guint path;
  gsize index; /* series position, or ring position in live mode */
  double t, v;
  gboolean compile; /* a compile launch, drawn as a marker */
  gboolean on_span;   /* the pointer is on a track's span (track, span) ... */
  gboolean no_launch; /* ... that no launch of the chart links to: path, index, t, v unset */
  guint track;
  gsize span;
} LscOverheadHover;

struct _LscOverheadChart {
  GtkWidget parent_instance;

  LscSeriesIndex *index; /* a report's launches, or NULL */
  LscRing *ring;         /* live launches, or NULL */
  gsize live_capacity;
  guint tick_id;

  LscChartMarker *markers; /* labels owned */
  gsize n_markers;
  GHashTable *kernel_names; /* gint64 kernel id -> name, or NULL */
  LscTracks *tracks;        /* API calls and kernels under the plot, or NULL */

  double raw_floor_ns;
  gboolean log_scale;
  gboolean hidden[LSC_CHART_N_PATHS];

  /* View: follow shows all data (and new live launches); otherwise [view_t0, view_t1]. */
  gboolean follow;
  double view_t0, view_t1;

  /* Column buffers reused between frames. */
  LscColumn *cols[LSC_CHART_N_PATHS];
  guint n_cols_alloc;

  LscChartCache cache;
  LscOverheadFrame frame;

  /* Interaction state. */
  LscOverheadHover hover;
  LscOverheadHover pinned; /* clicked: its launch, call and kernel stay highlighted */
  gboolean pointer_inside;
  double pointer_x, pointer_y;
  gboolean dragging;
  gboolean drag_selects; /* a shift-drag: selects a range instead of panning */
  double drag_x, drag_t0, drag_t1;
  double zoom_t0, zoom_t1;

  /* The selected range, ns since the session start. */
  gboolean has_selection;
  double sel_t0, sel_t1;
};

/* lsc-overhead-chart.c: the data and the view */
gboolean lsc_overhead_chart_has_data (LscOverheadChart *self);
/* The visible time range [t0, t1); FALSE without data. */
gboolean lsc_overhead_chart_current_view (LscOverheadChart *self, double *t0, double *t1);
/* Drops the cached drawing and queues a redraw. */
void lsc_overhead_chart_invalidate (LscOverheadChart *self);
void lsc_overhead_chart_set_follow (LscOverheadChart *self, gboolean follow);
/* Clamps [t0, t1] into the data and shows it. */
void lsc_overhead_chart_set_view (LscOverheadChart *self, double t0, double t1);
/* Zooms by factor (< 1 zooms in) keeping the time under plot x coordinate x fixed. */
void lsc_overhead_chart_zoom_at (LscOverheadChart *self, double factor, double x);
void lsc_overhead_chart_pan_by (LscOverheadChart *self, double fraction);
/* Sets the selection and emits selection-changed when it changed. */
void lsc_overhead_chart_change_selection (LscOverheadChart *self, gboolean has_selection, double t0, double t1);

/* lsc-overhead-chart-draw.c */
double lsc_overhead_chart_x_of (const LscOverheadFrame *f, double t);
double lsc_overhead_chart_y_of (const LscOverheadFrame *f, double value);
/* Where a compile launch's marker sits: at its value, or on the top edge when above the axis. */
double lsc_overhead_chart_compile_y (const LscOverheadFrame *f, double value);
/* The top edge of track i. */
double lsc_overhead_chart_track_y (const LscOverheadFrame *f, guint i);
/* Where the hover overlay's dot sits for the launch under the pointer. */
double lsc_overhead_chart_hover_y (const LscOverheadFrame *f, const LscOverheadHover *hover);
void lsc_overhead_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot);
/* Draws the chart alone (no hover, no focus ring), for a PNG. */
void lsc_overhead_chart_draw_png (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height);

/* lsc-overhead-chart-input.c */
gboolean lsc_overhead_chart_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip);
void lsc_overhead_chart_on_motion (GtkEventControllerMotion *controller, double x, double y, LscOverheadChart *self);
void lsc_overhead_chart_on_leave (GtkEventControllerMotion *controller, LscOverheadChart *self);
/* The hover card (Pango markup) the pointer at (x, y) shows, or NULL where no launch is near;
 * makes that launch the hovered one. */
char *lsc_overhead_chart_describe_point (LscOverheadChart *self, double x, double y);
/* Scroll, drag, pinch, double click and keys zoom and pan. */
void lsc_overhead_chart_add_controllers (LscOverheadChart *self);

G_END_DECLS
