/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-interval-bar.c — a confidence interval drawn in a table cell.
 */
#include "config.h"

#include <math.h>

#include "lsc-interval-bar.h"

#define BAR_WIDTH 56
#define BAR_HEIGHT 12

struct _LscIntervalBar
{
  GtkWidget parent_instance;
  double low, point, high, scale;
};

G_DEFINE_FINAL_TYPE (LscIntervalBar, lsc_interval_bar, GTK_TYPE_WIDGET)

/* x of value in a bar width wide; values off the scale (or not finite) sit at its ends */
static double
x_of (LscIntervalBar *self, double value, double width)
{
  double f = isfinite (value) ? 0.5 + 0.5 * value / self->scale : (value > 0 ? 1.0 : 0.0);
  return CLAMP (f, 0.0, 1.0) * width;
}

static void
lsc_interval_bar_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LscIntervalBar *self = LSC_INTERVAL_BAR (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GdkRGBA color;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  GdkRGBA faint = color;
  faint.alpha *= 0.35f;

  double mid = floor (h / 2);
  gtk_snapshot_append_color (snapshot, &faint, &GRAPHENE_RECT_INIT (0, (float) mid, (float) w, 1));
  double zero = floor (x_of (self, 0, w));
  gtk_snapshot_append_color (snapshot, &faint, &GRAPHENE_RECT_INIT ((float) zero, 0, 1, (float) h));
  double x0 = x_of (self, self->low, w), x1 = x_of (self, self->high, w);
  gtk_snapshot_append_color (snapshot, &color,
                             &GRAPHENE_RECT_INIT ((float) x0, (float) (mid - 2), (float) MAX (x1 - x0, 2.0), 5));
  double xp = floor (x_of (self, self->point, w));
  gtk_snapshot_append_color (snapshot, &color, &GRAPHENE_RECT_INIT ((float) xp - 1, 1, 2, (float) h - 2));
}

static void
lsc_interval_bar_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                          int *minimum_baseline, int *natural_baseline)
{
  (void) widget;
  (void) for_size;
  (void) minimum_baseline;
  (void) natural_baseline;
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? BAR_WIDTH : BAR_HEIGHT;
}

GtkWidget *
lsc_interval_bar_new (double low, double point, double high, double scale)
{
  LscIntervalBar *self = g_object_new (LSC_TYPE_INTERVAL_BAR, NULL);
  self->low = low;
  self->point = point;
  self->high = high;
  self->scale = scale > 0 && isfinite (scale) ? scale : 1.0;
  return GTK_WIDGET (self);
}

static void
lsc_interval_bar_class_init (LscIntervalBarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  widget_class->snapshot = lsc_interval_bar_snapshot;
  widget_class->measure = lsc_interval_bar_measure;
  gtk_widget_class_set_css_name (widget_class, "intervalbar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lsc_interval_bar_init (LscIntervalBar *self)
{
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
}
