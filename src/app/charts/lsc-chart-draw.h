/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-chart-draw.h — drawing helpers the three chart widgets share (no GObject type): the
 * palette (libadwaita colours, lighter shades on dark themes), text through
 * gtk_snapshot_append_layout, legends, the empty state, rendering a chart to PNG without
 * a window, and the widget plumbing every chart has: the cached chart node, the accessible
 * role and label, and the pointer tracking for tooltips.
 *
 * Main thread only, like all GTK calls.
 */
#pragma once

#include <gtk/gtk.h>

#include "lsc-chart-data.h"

G_BEGIN_DECLS

typedef struct {
  gboolean dark;      /* the theme's text is light */
  GdkRGBA fg;         /* the widget's CSS colour */
  GdkRGBA dim;        /* secondary text */
  GdkRGBA grid;       /* grid lines */
  GdkRGBA axis;       /* axis lines and tick marks */
  GdkRGBA background; /* the window background, for PNGs and halos */
  GdkRGBA marker;     /* toggle markers */
  GdkRGBA paths[LSC_CHART_N_PATHS];
  GdkRGBA stages[LSC_STAGE_COUNT];
} LscChartPalette;

void lsc_chart_palette_init (LscChartPalette *palette, GtkWidget *widget);

/* Translated legend names of the paths ("Fast path", "Baseline", ...). */
const char *lsc_chart_path_label (guint path);

typedef enum {
  LSC_CHART_TEXT_CAPTION, /* axis labels: smaller, tabular figures */
  LSC_CHART_TEXT_BODY,
  LSC_CHART_TEXT_HEADING, /* bold */
} LscChartTextStyle;

/* A layout of text in the widget's font; free with g_object_unref(). */
PangoLayout *lsc_chart_layout_new (GtkWidget *widget, const char *text, LscChartTextStyle style);
void lsc_chart_layout_get_size (PangoLayout *layout, double *width, double *height);
/* Draws layout with its top-left corner at (x, y), rounded to whole pixels for crisp text. */
void lsc_chart_append_layout (GtkSnapshot *snapshot, PangoLayout *layout, double x, double y,
                              const GdkRGBA *color);
/* Draws text anchored at (x, y): xalign/yalign 0 left/top, 0.5 centre, 1 right/bottom.
 * Returns the rectangle it covers in *extent when not NULL. */
void lsc_chart_draw_text (GtkWidget *widget, GtkSnapshot *snapshot, const char *text,
                          LscChartTextStyle style, const GdkRGBA *color, double x, double y,
                          double xalign, double yalign, graphene_rect_t *extent);

/* An axis tick label centred under x at y, moved left to end by max_right, and left off when
 * it would come within 8 px of the previous one (*last_right, updated when drawn). */
void lsc_chart_draw_tick_label (GtkWidget *widget, GtkSnapshot *snapshot, const char *text, const GdkRGBA *color,
                                double x, double y, double max_right, double *last_right);

void lsc_chart_fill_rect (GtkSnapshot *snapshot, const GdkRGBA *color, double x, double y, double width,
                          double height);

typedef enum {
  LSC_CHART_SWATCH_BOX,
  LSC_CHART_SWATCH_LINE,
  LSC_CHART_SWATCH_DASHED,
  LSC_CHART_SWATCH_TRIANGLE, /* pointing down: a marked event, such as a compile launch */
} LscChartSwatch;

typedef struct {
  const GdkRGBA *color;
  const char *label;
  LscChartSwatch swatch;
  gboolean inactive; /* drawn struck through and faded (a hidden series) */
} LscChartLegendItem;

/* Lays the items out left to right from (x, y), wrapping at x + max_width.  Stores each
 * item's rectangle in rects (may be NULL) for hit testing.  Returns the height used. */
double lsc_chart_draw_legend (GtkWidget *widget, GtkSnapshot *snapshot, const LscChartPalette *palette,
                              const LscChartLegendItem *items, guint n_items, double x, double y,
                              double max_width, graphene_rect_t *rects);
/* The height lsc_chart_draw_legend would use, without drawing. */
double lsc_chart_measure_legend (GtkWidget *widget, const LscChartLegendItem *items, guint n_items,
                                 double max_width);

/* The empty state: a heading and a dimmed explanation centred in the area. */
void lsc_chart_draw_empty (GtkWidget *widget, GtkSnapshot *snapshot, const LscChartPalette *palette,
                           double width, double height, const char *title, const char *detail);

/* Strokes a dashed line (cairo: GTK 4.8 has no dashed GSK primitive). */
void lsc_chart_dashed_line (GtkSnapshot *snapshot, const GdkRGBA *color, double x0, double y0, double x1,
                            double y1, double width, double dash);

typedef void (*LscChartDrawFunc) (GtkWidget *widget, GtkSnapshot *snapshot, int width, int height);

/* Draws the chart at width × height on the palette's background and writes a PNG at scale
 * (1, or 2 for HiDPI) with cairo.  Needs no window, no realisation and no allocation — the
 * draw function gets the size — so it works for a widget that was never shown.  Returns FALSE
 * with error set when the file cannot be written. */
gboolean lsc_chart_save_png (GtkWidget *widget, LscChartDrawFunc draw, int width, int height, int scale,
                             const char *filename, GError **error);

/* The PNG export behind each chart's save_png: width or height <= 0 takes the widget's size,
 * or 960 × 400 for a widget that has none (never shown). */
gboolean lsc_chart_widget_save_png (GtkWidget *widget, LscChartDrawFunc draw, int width, int height,
                                    const char *filename, GError **error);

/* The chart drawn once for one widget size and replayed on every snapshot, so that overlays
 * (hover guides, focus rings) redraw without redrawing the chart. */
typedef struct {
  GskRenderNode *node;
  int width, height;
} LscChartCache;

/* Appends the cached chart, drawing it with draw first when there is none for the widget's
 * size.  Returns FALSE, appending nothing, when the widget has no size. */
gboolean lsc_chart_cache_snapshot (LscChartCache *cache, GtkWidget *widget, GtkSnapshot *snapshot,
                                   LscChartDrawFunc draw);
/* Drops the chart when it was drawn at another size than width × height. */
void lsc_chart_cache_resize (LscChartCache *cache, int width, int height);
/* Drops the chart and queues a redraw of widget, which draws it again. */
void lsc_chart_cache_invalidate (LscChartCache *cache, GtkWidget *widget);
void lsc_chart_cache_clear (LscChartCache *cache);

/* Stores p50_ns, the raw driver's median that the charts draw as a floor, in *raw_floor_ns;
 * anything but a positive finite value means no floor (0), and a floor beyond G_MAXUINT32 ns
 * is stored as G_MAXUINT32.  Returns whether it changed. */
gboolean lsc_chart_update_raw_floor (double *raw_floor_ns, double p50_ns);

/* Class set-up every chart shares: its CSS name and the image role (the description carries
 * the numbers for screen readers). */
void lsc_chart_class_setup (GtkWidgetClass *widget_class, const char *css_name);
/* Instance set-up every chart shares: tooltips, the accessible label, and a motion
 * controller calling on_motion and on_leave with the widget as user data. */
void lsc_chart_widget_setup (GtkWidget *widget, const char *label, GCallback on_motion, GCallback on_leave);
/* Sets the accessible description to text, or to empty when text is empty; frees text. */
void lsc_chart_set_description (GtkWidget *widget, GString *text, const char *empty);

G_END_DECLS
