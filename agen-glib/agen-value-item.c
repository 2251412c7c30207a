/* agen-value-item.c: a list item holding any value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-value-item.h"

/**
 * SECTION:agen-value-item
 * @title: AgenValueItem
 * @short_description: an object holding any value, for list models
 *
 * A #GListModel holds objects. An #AgenValueItem is the object that holds
 * any other value, strings, numbers or boxed values, so that a generator of
 * such values can fill an #AgenListModel: a model whose
 * #AgenListModel:item-type is %AGEN_TYPE_VALUE_ITEM wraps each item of its
 * generator in an #AgenValueItem (an item that already is an #AgenValueItem
 * goes in as it is).
 *
 * |[<!-- language="C" -->
 * // The lines of a file, in a list model.
 * g_autoptr(AgenGenerator) lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);
 * AgenListModel *model = agen_list_model_new (lines, AGEN_TYPE_VALUE_ITEM, 50);
 * ...
 * AgenValueItem *item = g_list_model_get_item (G_LIST_MODEL (model), 0);
 * const char *line = g_value_get_string (agen_value_item_get_value (item));
 * ]|
 *
 * The value never changes. In Python and GJS, `item.get_value()` gives it
 * as a native value; see the bindings chapter.
 */

struct _AgenValueItem
{
  GObject parent_instance;

  GValue value;
};

enum
{
  PROP_0,
  PROP_VALUE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (AgenValueItem, agen_value_item, G_TYPE_OBJECT)

/**
 * agen_value_item_new:
 * @value: the value to hold, set
 *
 * Creates an item holding a copy of @value.
 *
 * Returns: (transfer full): a new #AgenValueItem
 *
 * Since: 1.0
 */
AgenValueItem *
agen_value_item_new (const GValue *value)
{
  g_return_val_if_fail (G_IS_VALUE (value), NULL);

  return g_object_new (AGEN_TYPE_VALUE_ITEM, "value", value, NULL);
}

/**
 * agen_value_item_get_value:
 * @self: an #AgenValueItem
 *
 * Gets the value @self holds, lent for as long as @self lives.
 *
 * Returns: (transfer none): the value
 *
 * Since: 1.0
 */
const GValue *
agen_value_item_get_value (AgenValueItem *self)
{
  g_return_val_if_fail (AGEN_IS_VALUE_ITEM (self), NULL);

  return &self->value;
}

static void
agen_value_item_finalize (GObject *object)
{
  AgenValueItem *self = AGEN_VALUE_ITEM (object);

  g_value_unset (&self->value);

  G_OBJECT_CLASS (agen_value_item_parent_class)->finalize (object);
}

static void
agen_value_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AgenValueItem *self = AGEN_VALUE_ITEM (object);

  switch (prop_id)
    {
    case PROP_VALUE:
      g_value_set_boxed (value, &self->value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_value_item_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AgenValueItem *self = AGEN_VALUE_ITEM (object);
  const GValue *held;

  switch (prop_id)
    {
    case PROP_VALUE:
      held = g_value_get_boxed (value);
      if (held != NULL)
        {
          g_value_unset (&self->value);
          g_value_init (&self->value, G_VALUE_TYPE (held));
          g_value_copy (held, &self->value);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_value_item_class_init (AgenValueItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = agen_value_item_finalize;
  object_class->get_property = agen_value_item_get_property;
  object_class->set_property = agen_value_item_set_property;

  /**
   * AgenValueItem:value:
   *
   * The value the item holds, set at construction (a %NULL %G_TYPE_POINTER
   * when none is given).
   *
   * Since: 1.0
   */
  properties[PROP_VALUE] =
    g_param_spec_boxed ("value", "Value", "The value the item holds",
                        G_TYPE_VALUE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* Without a value, it holds what a bare yield gives: a NULL pointer. */
static void
agen_value_item_init (AgenValueItem *self)
{
  g_value_init (&self->value, G_TYPE_POINTER);
}
