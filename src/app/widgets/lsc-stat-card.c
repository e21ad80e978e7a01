/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-stat-card.c — a figure card for the overview.
 */
#include "config.h"

#include "lsc-copy.h"
#include "lsc-stat-card.h"

struct _LscStatCard
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkLabel *title_label;
  GtkLabel *value_label;
  GtkLabel *detail_label;
  char *tone;
  int detail_lines;
};

G_DEFINE_FINAL_TYPE (LscStatCard, lsc_stat_card, GTK_TYPE_WIDGET)

static void
lsc_stat_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LSC_TYPE_STAT_CARD);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lsc_stat_card_parent_class)->dispose (object);
}

static void
lsc_stat_card_finalize (GObject *object)
{
  g_free (LSC_STAT_CARD (object)->tone);
  G_OBJECT_CLASS (lsc_stat_card_parent_class)->finalize (object);
}

static void
lsc_stat_card_class_init (LscStatCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lsc_stat_card_dispose;
  object_class->finalize = lsc_stat_card_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "statcard");
  gtk_widget_class_set_template_from_resource (widget_class, LSC_RESOURCE_PATH "/lsc-stat-card.ui");
  gtk_widget_class_bind_template_child (widget_class, LscStatCard, box);
  gtk_widget_class_bind_template_child (widget_class, LscStatCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, LscStatCard, value_label);
  gtk_widget_class_bind_template_child (widget_class, LscStatCard, detail_label);
}

static void
copy_value_cb (GSimpleAction *action, GVariant *param, gpointer data)
{
  (void) action;
  (void) param;
  lsc_copy_text (GTK_WIDGET (data), lsc_stat_card_get_value (data));
}

static void
copy_card_cb (GSimpleAction *action, GVariant *param, gpointer data)
{
  (void) action;
  (void) param;
  g_autofree char *text = lsc_stat_card_dup_text (data);
  lsc_copy_text (GTK_WIDGET (data), text);
}

static void
lsc_stat_card_init (LscStatCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  static const GActionEntry entries[] = {
    { "value", copy_value_cb, NULL, NULL, NULL, { 0 } },
    { "card", copy_card_cb, NULL, NULL, NULL, { 0 } },
  };
  lsc_copy_add_actions (GTK_WIDGET (self), entries, G_N_ELEMENTS (entries), self);
  lsc_copy_attach_menu (GTK_WIDGET (self), "card_menu", NULL, NULL);
  lsc_copy_add_shortcut (GTK_WIDGET (self), "copy.card");
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
}

char *
lsc_stat_card_dup_text (LscStatCard *self)
{
  g_return_val_if_fail (LSC_IS_STAT_CARD (self), NULL);
  GString *text = g_string_new (NULL);
  lsc_copy_append_field (text, gtk_label_get_label (self->title_label), TRUE);
  lsc_copy_append_field (text, gtk_label_get_label (self->value_label), FALSE);
  if (gtk_widget_get_visible (GTK_WIDGET (self->detail_label)))
    lsc_copy_append_field (text, gtk_label_get_label (self->detail_label), FALSE);
  g_string_append_c (text, '\n');
  return g_string_free (text, FALSE);
}

GtkWidget *
lsc_stat_card_new (void)
{
  return g_object_new (LSC_TYPE_STAT_CARD, NULL);
}

void
lsc_stat_card_set (LscStatCard *self, const char *title, const char *value, const char *detail)
{
  g_return_if_fail (LSC_IS_STAT_CARD (self));
  if (title)
    gtk_label_set_label (self->title_label, title);
  gtk_label_set_label (self->value_label, value ? value : "—");
  if (detail)
    {
      gtk_label_set_label (self->detail_label, detail);
      if (self->detail_lines > 0)
        gtk_widget_set_tooltip_text (GTK_WIDGET (self->detail_label), detail);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), *gtk_label_get_label (self->detail_label) != '\0');
}

const char *
lsc_stat_card_get_value (LscStatCard *self)
{
  g_return_val_if_fail (LSC_IS_STAT_CARD (self), NULL);
  return gtk_label_get_label (self->value_label);
}

void
lsc_stat_card_set_detail_lines (LscStatCard *self, int lines)
{
  g_return_if_fail (LSC_IS_STAT_CARD (self));
  self->detail_lines = MAX (lines, 0);
  gtk_label_set_lines (self->detail_label, lines > 0 ? lines : -1);
  gtk_label_set_ellipsize (self->detail_label, lines > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
}

void
lsc_stat_card_set_tone (LscStatCard *self, const char *tone)
{
  g_return_if_fail (LSC_IS_STAT_CARD (self));
  if (self->tone)
    gtk_widget_remove_css_class (GTK_WIDGET (self->value_label), self->tone);
  g_free (self->tone);
  self->tone = g_strdup (tone);
  if (tone)
    gtk_widget_add_css_class (GTK_WIDGET (self->value_label), tone);
}
