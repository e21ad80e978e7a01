/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-copy.c — context menus, Ctrl+C and the clipboard for copying (see the header).
 */
#include "config.h"

#include "lsc-copy.h"

typedef struct {
  GtkWidget *widget;
  const char *menu_id;
  GtkWidget *popover; /* built on the first right click: windows hold dozens of these */
  LscCopyPrepareFunc prepare;
  gpointer data;
} CopyMenu;

/* On the widget's destroy: a widget leaves the children it does not know of (the popover) to
 * whoever added them, and a container that unparents all its children already did. */
static void
copy_menu_free (CopyMenu *menu)
{
  g_signal_handlers_disconnect_by_data (menu->widget, menu);
  if (menu->popover && gtk_widget_get_parent (menu->popover))
    gtk_widget_unparent (menu->popover);
  g_clear_object (&menu->popover);
  g_free (menu);
}

static void
open_menu (CopyMenu *menu, double x, double y)
{
  if (menu->prepare && !menu->prepare (menu->widget, x, y, menu->data))
    return;
  if (!menu->popover)
    {
      g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource (LSC_RESOURCE_PATH "/lsc-copy-menus.ui");
      GMenuModel *model = G_MENU_MODEL (gtk_builder_get_object (builder, menu->menu_id));
      g_return_if_fail (model != NULL);
      menu->popover = gtk_popover_menu_new_from_model (model);
      gtk_popover_set_has_arrow (GTK_POPOVER (menu->popover), FALSE);
      gtk_widget_set_halign (menu->popover, GTK_ALIGN_START);
      gtk_widget_set_parent (menu->popover, menu->widget);
      g_object_ref (menu->popover);
    }
  gtk_popover_set_pointing_to (GTK_POPOVER (menu->popover), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (menu->popover));
}

static void
pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y, CopyMenu *menu)
{
  (void) n_press;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  open_menu (menu, x, y);
}

static void
long_pressed_cb (GtkGestureLongPress *gesture, double x, double y, CopyMenu *menu)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  open_menu (menu, x, y);
}

void
lsc_copy_attach_menu (GtkWidget *widget, const char *menu_id, LscCopyPrepareFunc prepare, gpointer data)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (menu_id != NULL);

  CopyMenu *menu = g_new0 (CopyMenu, 1);
  menu->widget = widget;
  menu->menu_id = menu_id;
  menu->prepare = prepare;
  menu->data = data;
  g_signal_connect_swapped (widget, "destroy", G_CALLBACK (copy_menu_free), menu);

  GtkGesture *click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), menu);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));

  GtkGesture *press = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (press), GTK_PHASE_CAPTURE);
  g_signal_connect (press, "pressed", G_CALLBACK (long_pressed_cb), menu);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (press));
}

void
lsc_copy_add_actions (GtkWidget *widget, const GActionEntry *entries, guint n_entries, gpointer data)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, (int) n_entries, data);
  gtk_widget_insert_action_group (widget, "copy", G_ACTION_GROUP (group));
}

void
lsc_copy_add_shortcut (GtkWidget *widget, const char *action)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  GtkEventController *controller = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_c, GDK_CONTROL_MASK),
                                                          gtk_named_action_new (action)));
  gtk_widget_add_controller (widget, controller);
}

void
lsc_copy_text (GtkWidget *widget, const char *text)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text ? text : "");
}

void
lsc_copy_append_field (GString *line, const char *field, gboolean first)
{
  if (!first)
    g_string_append_c (line, '\t');
  for (const char *p = field ? field : ""; *p; p++)
    g_string_append_c (line, *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
}
