/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-row.c — a table row with display text and sort keys per column.
 */
#include "config.h"

#include <math.h>

#include "lsc-row.h"

struct _LscRow
{
  GObject parent_instance;
  gint64 rowid;
  guint n_columns;
  char **texts;
  double *numbers;
};

G_DEFINE_FINAL_TYPE (LscRow, lsc_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ROWID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lsc_row_finalize (GObject *object)
{
  LscRow *self = LSC_ROW (object);

  for (guint i = 0; i < self->n_columns; i++)
    g_free (self->texts[i]);
  g_free (self->texts);
  g_free (self->numbers);

  G_OBJECT_CLASS (lsc_row_parent_class)->finalize (object);
}

static void
lsc_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscRow *self = LSC_ROW (object);

  switch (prop_id)
    {
    case PROP_ROWID:
      g_value_set_int64 (value, self->rowid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_row_class_init (LscRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lsc_row_finalize;
  object_class->get_property = lsc_row_get_property;

  properties[PROP_ROWID] = g_param_spec_int64 ("rowid", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lsc_row_init (LscRow *self)
{
  (void) self;
}

LscRow *
lsc_row_new (gint64 rowid, guint n_columns)
{
  LscRow *self = g_object_new (LSC_TYPE_ROW, NULL);

  self->rowid = rowid;
  self->n_columns = n_columns;
  self->texts = g_new0 (char *, n_columns + 1);
  self->numbers = g_new (double, n_columns + 1);
  for (guint i = 0; i < n_columns; i++)
    self->numbers[i] = NAN;
  return self;
}

gint64
lsc_row_get_rowid (LscRow *self)
{
  g_return_val_if_fail (LSC_IS_ROW (self), 0);
  return self->rowid;
}

guint
lsc_row_get_n_columns (LscRow *self)
{
  g_return_val_if_fail (LSC_IS_ROW (self), 0);
  return self->n_columns;
}

void
lsc_row_take_cell (LscRow *self, guint column, char *text, double number)
{
  g_return_if_fail (LSC_IS_ROW (self));
  if (column >= self->n_columns)
    {
      g_free (text);
      return;
    }
  g_free (self->texts[column]);
  self->texts[column] = text;
  self->numbers[column] = number;
}

const char *
lsc_row_get_text (LscRow *self, guint column)
{
  g_return_val_if_fail (LSC_IS_ROW (self), "");
  if (column >= self->n_columns || !self->texts[column])
    return "";
  return self->texts[column];
}

double
lsc_row_get_number (LscRow *self, guint column)
{
  g_return_val_if_fail (LSC_IS_ROW (self), NAN);
  if (column >= self->n_columns)
    return NAN;
  return self->numbers[column];
}
