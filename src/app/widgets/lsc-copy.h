/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-copy.h — copying what a view shows (no GObject type): a context menu on right click or
 * long press, Ctrl+C, and the tab-separated text they put on the clipboard.
 *
 * Main thread only, like all GTK calls.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Called on a right click or long press at (x, y) in widget's coordinates, before its menu
 * opens: remembers what is under the pointer (a cell, a row).  FALSE: no menu here. */
typedef gboolean (*LscCopyPrepareFunc) (GtkWidget *widget, double x, double y, gpointer data);

/* Opens the menu menu_id of lsc-copy-menus.ui (its items name actions widget has, e.g.
 * "copy.value") on a right click or long press on widget, after prepare (may be NULL) agreed.
 * Runs in the capture phase, so it replaces the menus of selectable labels inside widget.
 * menu_id must be static: the menu is built on the first right click. */
void lsc_copy_attach_menu (GtkWidget *widget, const char *menu_id, LscCopyPrepareFunc prepare, gpointer data);

/* Adds the actions "copy.NAME" of entries to widget, data their user data. */
void lsc_copy_add_actions (GtkWidget *widget, const GActionEntry *entries, guint n_entries, gpointer data);

/* Binds Ctrl+C on widget (and what inside it has the focus) to the action named action. */
void lsc_copy_add_shortcut (GtkWidget *widget, const char *action);

/* Puts text on widget's clipboard. */
void lsc_copy_text (GtkWidget *widget, const char *text);

/* Appends one field of a tab-separated line: tabs and line breaks inside it become spaces. */
void lsc_copy_append_field (GString *line, const char *field, gboolean first);

G_END_DECLS
