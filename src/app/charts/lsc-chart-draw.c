/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-chart-draw.c — drawing helpers the chart widgets share (see lsc-chart-draw.h).
 *
 * Colours come from the GNOME palette that libadwaita's named colours use, picking the
 * lighter shades when the theme's text colour is light (a dark theme), so the series keep
 * their contrast against either background without the charts knowing about libadwaita.
 */
#include "lsc-chart-draw.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

static GdkRGBA
rgb (guint32 hex, float alpha)
{
  return (GdkRGBA) { ((hex >> 16) & 0xff) / 255.f, ((hex >> 8) & 0xff) / 255.f, (hex & 0xff) / 255.f, alpha };
}

static GdkRGBA
with_alpha (const GdkRGBA *c, float alpha)
{
  return (GdkRGBA) { c->red, c->green, c->blue, c->alpha * alpha };
}

void
lsc_chart_palette_init (LscChartPalette *p, GtkWidget *widget)
{
  GdkRGBA fg;

  /* gtk_widget_get_color() is 4.10; in 4.8 the style context is the way to the CSS colour. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  /* A widget outside any window (a chart made just to export a PNG) has no theme to cascade
   * from and CSS gives it the initial colour, white.  Use the theme's text colour instead:
   * light unless the dark variant is asked for. */
  if (gtk_widget_get_root (widget) == NULL)
    {
      gboolean prefer_dark = FALSE;
      g_object_get (gtk_widget_get_settings (widget), "gtk-application-prefer-dark-theme", &prefer_dark, NULL);
      fg = prefer_dark ? (GdkRGBA) { 1, 1, 1, 1 } : (GdkRGBA) { 0, 0, 0, 0.8f };
    }

  memset (p, 0, sizeof *p);
  p->fg = fg;
  p->dark = 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5;
  p->dim = with_alpha (&fg, 0.62f);
  p->grid = with_alpha (&fg, p->dark ? 0.10f : 0.08f);
  p->axis = with_alpha (&fg, 0.30f);
  p->marker = with_alpha (&fg, 0.55f);
  p->background = p->dark ? rgb (0x242424, 1) : rgb (0xfafafa, 1);

  /* Blue fast, orange baseline, grey raw floor, purple graph (GNOME palette shades 2/4). */
  p->paths[LSC_CHART_PATH_FAST] = p->dark ? rgb (0x62a0ea, 1) : rgb (0x1c71d8, 1);
  p->paths[LSC_CHART_PATH_DEFAULT] = p->dark ? rgb (0xffa348, 1) : rgb (0xe66100, 1);
  p->paths[LSC_CHART_PATH_RAW] = p->dark ? rgb (0xc0bfbc, 1) : rgb (0x77767b, 1);
  p->paths[LSC_CHART_PATH_GRAPH] = p->dark ? rgb (0xdc8add, 1) : rgb (0x813d9c, 1);

  /* Stages in launch order; the final driver call (launch) is grey like the raw floor it is. */
  static const guint32 light[LSC_STAGE_COUNT] = {
    0x3584e4, /* resolve: blue */
    0x26a269, /* bind: green */
    0x9141ac, /* specialize: purple */
    0xe5a50a, /* key: yellow */
    0xff7800, /* lookup: orange */
    0xe01b24, /* globals: red */
    0x865e3c, /* metadata: brown */
    0x77767b, /* launch: grey */
  };
  static const guint32 dark[LSC_STAGE_COUNT] = {
    0x62a0ea, 0x57e389, 0xc061cb, 0xf8e45c, 0xffa348, 0xf66151, 0xcdab8f, 0x9a9996,
  };
  for (guint s = 0; s < LSC_STAGE_COUNT; s++)
    p->stages[s] = rgb (p->dark ? dark[s] : light[s], 1);
}

const char *
lsc_chart_path_label (guint path)
{
  switch (path)
    {
    case LSC_CHART_PATH_FAST:
      return _("Fast path");
    case LSC_CHART_PATH_DEFAULT:
      return _("Baseline");
    case LSC_CHART_PATH_RAW:
      return _("Raw driver");
    case LSC_CHART_PATH_GRAPH:
      return _("Graph replay");
    default:
      return _("Unknown path");
    }
}

PangoLayout *
lsc_chart_layout_new (GtkWidget *widget, const char *text, LscChartTextStyle style)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();

  switch (style)
    {
    case LSC_CHART_TEXT_CAPTION:
      /* Adwaita's caption size; tabular figures keep tick labels from jittering as they pan. */
      pango_attr_list_insert (attrs, pango_attr_scale_new (0.82));
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
      break;
    case LSC_CHART_TEXT_HEADING:
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      break;
    case LSC_CHART_TEXT_BODY:
    default:
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
      break;
    }
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

void
lsc_chart_layout_get_size (PangoLayout *layout, double *width, double *height)
{
  PangoRectangle logical;
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  if (width)
    *width = logical.width;
  if (height)
    *height = logical.height;
}

void
lsc_chart_append_layout (GtkSnapshot *snapshot, PangoLayout *layout, double x, double y, const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (round (x), round (y)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

void
lsc_chart_draw_text (GtkWidget *widget, GtkSnapshot *snapshot, const char *text, LscChartTextStyle style,
                     const GdkRGBA *color, double x, double y, double xalign, double yalign,
                     graphene_rect_t *extent)
{
  PangoLayout *layout = lsc_chart_layout_new (widget, text, style);
  double w, h;

  lsc_chart_layout_get_size (layout, &w, &h);
  x -= w * xalign;
  y -= h * yalign;
  if (snapshot != NULL)
    lsc_chart_append_layout (snapshot, layout, x, y, color);
  if (extent != NULL)
    graphene_rect_init (extent, x, y, w, h);
  g_object_unref (layout);
}

void
lsc_chart_draw_tick_label (GtkWidget *widget, GtkSnapshot *snapshot, const char *text, const GdkRGBA *color, double x,
                           double y, double max_right, double *last_right)
{
  PangoLayout *layout = lsc_chart_layout_new (widget, text, LSC_CHART_TEXT_CAPTION);
  double w, h;

  lsc_chart_layout_get_size (layout, &w, &h);
  double left = MIN (x - w / 2, max_right - w);
  if (left >= *last_right + 8)
    {
      lsc_chart_append_layout (snapshot, layout, left, y, color);
      *last_right = left + w;
    }
  g_object_unref (layout);
}

void
lsc_chart_fill_rect (GtkSnapshot *snapshot, const GdkRGBA *color, double x, double y, double width, double height)
{
  if (width <= 0 || height <= 0)
    return;
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, width, height));
}

#define SWATCH_W 16.0
#define SWATCH_GAP 6.0
#define ITEM_GAP 18.0
#define ROW_GAP 4.0

static double
legend_layout (GtkWidget *widget, GtkSnapshot *snapshot, const LscChartPalette *palette,
               const LscChartLegendItem *items, guint n_items, double x, double y, double max_width,
               graphene_rect_t *rects)
{
  double cx = x, cy = y, row_h = 0;

  for (guint i = 0; i < n_items; i++)
    {
      PangoLayout *layout = lsc_chart_layout_new (widget, items[i].label, LSC_CHART_TEXT_CAPTION);
      double tw, th;
      lsc_chart_layout_get_size (layout, &tw, &th);
      double item_w = SWATCH_W + SWATCH_GAP + tw;

      if (cx > x && cx + item_w > x + max_width)
        {
          cx = x;
          cy += row_h + ROW_GAP;
          row_h = 0;
        }
      row_h = MAX (row_h, th);

      if (snapshot != NULL)
        {
          GdkRGBA c = *items[i].color, text = palette->dim;
          double mid = cy + th / 2;
          if (items[i].inactive)
            {
              c.alpha *= 0.3f;
              text.alpha *= 0.5f;
            }
          switch (items[i].swatch)
            {
            case LSC_CHART_SWATCH_LINE:
              lsc_chart_fill_rect (snapshot, &c, cx, round (mid) - 1, SWATCH_W, 2);
              break;
            case LSC_CHART_SWATCH_DASHED:
              lsc_chart_dashed_line (snapshot, &c, cx, round (mid), cx + SWATCH_W, round (mid), 2, 3);
              break;
            case LSC_CHART_SWATCH_TRIANGLE:
              {
                cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (cx, mid - 6, SWATCH_W, 12));
                cairo_move_to (cr, cx + 7, mid + 4);
                cairo_line_to (cr, cx + 2, mid - 4);
                cairo_line_to (cr, cx + 12, mid - 4);
                cairo_close_path (cr);
                gdk_cairo_set_source_rgba (cr, &c);
                cairo_fill (cr);
                cairo_destroy (cr);
              }
              break;
            case LSC_CHART_SWATCH_BOX:
            default:
              {
                GskRoundedRect r;
                gsk_rounded_rect_init_from_rect (&r, &GRAPHENE_RECT_INIT (cx + 2, round (mid) - 5, 10, 10), 2);
                gtk_snapshot_push_rounded_clip (snapshot, &r);
                gtk_snapshot_append_color (snapshot, &c, &r.bounds);
                gtk_snapshot_pop (snapshot);
              }
              break;
            }
          lsc_chart_append_layout (snapshot, layout, cx + SWATCH_W + SWATCH_GAP, cy, &text);
          if (items[i].inactive)
            lsc_chart_fill_rect (snapshot, &text, cx + SWATCH_W + SWATCH_GAP, round (mid), tw, 1);
        }
      if (rects != NULL)
        graphene_rect_init (&rects[i], cx, cy, item_w, th);
      cx += item_w + ITEM_GAP;
      g_object_unref (layout);
    }
  return n_items > 0 ? cy + row_h - y : 0;
}

double
lsc_chart_draw_legend (GtkWidget *widget, GtkSnapshot *snapshot, const LscChartPalette *palette,
                       const LscChartLegendItem *items, guint n_items, double x, double y, double max_width,
                       graphene_rect_t *rects)
{
  return legend_layout (widget, snapshot, palette, items, n_items, x, y, max_width, rects);
}

double
lsc_chart_measure_legend (GtkWidget *widget, const LscChartLegendItem *items, guint n_items, double max_width)
{
  return legend_layout (widget, NULL, NULL, items, n_items, 0, 0, max_width, NULL);
}

void
lsc_chart_draw_empty (GtkWidget *widget, GtkSnapshot *snapshot, const LscChartPalette *palette, double width,
                      double height, const char *title, const char *detail)
{
  PangoLayout *t = lsc_chart_layout_new (widget, title, LSC_CHART_TEXT_HEADING);
  PangoLayout *d = lsc_chart_layout_new (widget, detail ? detail : "", LSC_CHART_TEXT_BODY);
  double tw, th, dw, dh;

  /* Wrap the explanation so a narrow chart keeps it readable. */
  pango_layout_set_width (d, (int) MAX (width - 48, 80) * PANGO_SCALE);
  pango_layout_set_alignment (d, PANGO_ALIGN_CENTER);
  pango_layout_set_width (t, (int) MAX (width - 48, 80) * PANGO_SCALE);
  pango_layout_set_alignment (t, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (t, PANGO_WRAP_WORD_CHAR);
  lsc_chart_layout_get_size (t, &tw, &th);
  lsc_chart_layout_get_size (d, &dw, &dh);

  double gap = detail ? 6 : 0, total = th + gap + (detail ? dh : 0);
  double y = (height - total) / 2;
  double x = (width - MAX (width - 48, 80)) / 2;
  GdkRGBA title_color = palette->fg;
  title_color.alpha *= 0.8f;
  lsc_chart_append_layout (snapshot, t, x, y, &title_color);
  if (detail)
    lsc_chart_append_layout (snapshot, d, x, y + th + gap, &palette->dim);
  g_object_unref (t);
  g_object_unref (d);
}

void
lsc_chart_dashed_line (GtkSnapshot *snapshot, const GdkRGBA *color, double x0, double y0, double x1, double y1,
                       double width, double dash)
{
  double pad = width + 1;
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (MIN (x0, x1) - pad, MIN (y0, y1) - pad, fabs (x1 - x0) + 2 * pad,
                                               fabs (y1 - y0) + 2 * pad);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &bounds);
  double dashes[2] = { dash, dash };

  /* Phase the dashes from the chart's origin, not the line's start, so two markers at the
   * same time drawn from different heights overlap exactly instead of filling each other's
   * gaps into a solid line. */
  double start = fabs (x1 - x0) > fabs (y1 - y0) ? x0 : y0;
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, width);
  cairo_set_dash (cr, dashes, 2, fmod (start, 2 * dash));
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1, y1);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

gboolean
lsc_chart_save_png (GtkWidget *widget, LscChartDrawFunc draw, int width, int height, int scale,
                    const char *filename, GError **error)
{
  g_return_val_if_fail (width > 0 && height > 0 && scale > 0, FALSE);

  LscChartPalette palette;
  lsc_chart_palette_init (&palette, widget);

  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_color (snapshot, &palette.background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw (widget, snapshot, width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);

  /* gsk_render_node_draw() replays the node with cairo: no GskRenderer, so no GdkSurface and
   * no realised window is needed. */
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_t *cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  if (node != NULL)
    gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  g_clear_pointer (&node, gsk_render_node_unref);

  cairo_status_t status = cairo_surface_write_to_png (surface, filename);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_autofree char *display = g_filename_display_name (filename);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”: %s"), display,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

gboolean
lsc_chart_widget_save_png (GtkWidget *widget, LscChartDrawFunc draw, int width, int height, const char *filename,
                           GError **error)
{
  if (width <= 0 || height <= 0)
    {
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      if (width <= 0 || height <= 0)
        width = 960, height = 400;
    }
  return lsc_chart_save_png (widget, draw, width, height, 1, filename, error);
}

gboolean
lsc_chart_cache_snapshot (LscChartCache *cache, GtkWidget *widget, GtkSnapshot *snapshot, LscChartDrawFunc draw)
{
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  if (w <= 0 || h <= 0)
    return FALSE;
  if (cache->node == NULL || cache->width != w || cache->height != h)
    {
      GtkSnapshot *sub = gtk_snapshot_new ();
      g_clear_pointer (&cache->node, gsk_render_node_unref);
      draw (widget, sub, w, h);
      cache->node = gtk_snapshot_free_to_node (sub);
      cache->width = w;
      cache->height = h;
    }
  if (cache->node != NULL)
    gtk_snapshot_append_node (snapshot, cache->node);
  return TRUE;
}

void
lsc_chart_cache_resize (LscChartCache *cache, int width, int height)
{
  if (width != cache->width || height != cache->height)
    lsc_chart_cache_clear (cache);
}

void
lsc_chart_cache_invalidate (LscChartCache *cache, GtkWidget *widget)
{
  lsc_chart_cache_clear (cache);
  gtk_widget_queue_draw (widget);
}

void
lsc_chart_cache_clear (LscChartCache *cache)
{
  g_clear_pointer (&cache->node, gsk_render_node_unref);
}

void
lsc_chart_class_setup (GtkWidgetClass *widget_class, const char *css_name)
{
  gtk_widget_class_set_css_name (widget_class, css_name);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

void
lsc_chart_widget_setup (GtkWidget *widget, const char *label, GCallback on_motion, GCallback on_leave)
{
  gtk_widget_set_has_tooltip (widget, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  GtkEventController *controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", on_motion, widget);
  g_signal_connect (controller, "leave", on_leave, widget);
  gtk_widget_add_controller (widget, controller);
}

void
lsc_chart_set_description (GtkWidget *widget, GString *text, const char *empty)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text->len ? text->str : empty, -1);
  g_string_free (text, TRUE);
}

gboolean
lsc_chart_update_raw_floor (double *raw_floor_ns, double p50_ns)
{
  if (!(p50_ns > 0) || !isfinite (p50_ns))
    p50_ns = 0;
  /* The charts hold latencies as guint32 ns (the series clamps the same way): a floor from a
   * hostile file beyond that would overflow their integer axis bounds. */
  p50_ns = MIN (p50_ns, (double) G_MAXUINT32);
  if (*raw_floor_ns == p50_ns)
    return FALSE;
  *raw_floor_ns = p50_ns;
  return TRUE;
}
