/* agen-tuple.c: an immutable tuple of values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-tuple-private.h"

/**
 * SECTION:agen-tuple
 * @title: AgenTuple
 * @short_description: an immutable tuple of values
 *
 * An #AgenTuple holds a fixed number of #GValue values, each of any
 * type. Tuples are the items of agen_generator_enumerate_tuples() (an
 * index and an item), agen_generator_zip_tuples() (one item of each
 * source) and agen_generator_batch_tuples() (a group of items). It
 * replaces the #GValueArray, deprecated since GLib 2.32, that
 * agen_generator_enumerate(), agen_generator_zip() and agen_generator_batch()
 * yield.
 *
 * A tuple never changes once made, so it is shared by reference:
 * g_object_ref() it to keep it. agen_tuple_get() lends a value, which the
 * `g_value_get_*()` function of its type reads:
 *
 * |[<!-- language="C" -->
 * AgenTuple *pair = g_value_get_object (&item);   // from enumerate_tuples
 * guint64 index = g_value_get_uint64 (agen_tuple_get (pair, 0));
 * const char *line = g_value_get_string (agen_tuple_get (pair, 1));
 * ]|
 *
 * A tuple is an object rather than a boxed type so that every binding can
 * take one out of a #GValue safely (PyGObject 3.42 frees a boxed value it
 * takes from the #GValue of an item while still using it), and so that a
 * #GListModel can hold tuples as they are.
 *
 * Python and GJS give a tuple as a native tuple (an array in JavaScript),
 * as they give a #GValueArray; see the bindings chapter.
 */

struct _AgenTuple
{
  GObject parent_instance;

  guint n_values;
  GValue *values;
};

G_DEFINE_FINAL_TYPE (AgenTuple, agen_tuple, G_TYPE_OBJECT)

static void
agen_tuple_finalize (GObject *object)
{
  AgenTuple *self = AGEN_TUPLE (object);

  for (guint i = 0; i < self->n_values; i++)
    g_value_unset (&self->values[i]);
  g_free (self->values);

  G_OBJECT_CLASS (agen_tuple_parent_class)->finalize (object);
}

static void
agen_tuple_class_init (AgenTupleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = agen_tuple_finalize;
}

static void
agen_tuple_init (AgenTuple *self)
{
}

/**
 * agen_tuple_new:
 * @values: (array length=n_values) (nullable): the values, each one set
 * @n_values: the number of @values
 *
 * Creates a tuple of copies of @values.
 *
 * Returns: (transfer full): a new #AgenTuple
 *
 * Since: 1.0
 */
AgenTuple *
agen_tuple_new (const GValue *values,
                guint         n_values)
{
  AgenTuple *self;

  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  for (guint i = 0; i < n_values; i++)
    g_return_val_if_fail (G_IS_VALUE (&values[i]), NULL);

  self = g_object_new (AGEN_TYPE_TUPLE, NULL);
  self->n_values = n_values;
  self->values = g_new0 (GValue, n_values);
  for (guint i = 0; i < n_values; i++)
    {
      g_value_init (&self->values[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &self->values[i]);
    }
  return self;
}

/* Moves the values of @array (consumed) into a new tuple, without copying
 * them: the combinators gather their items in a #GValueArray, which
 * becomes a tuple or is yielded as it is. */
AgenTuple *
_agen_tuple_new_take_array (GValueArray *array)
{
  AgenTuple *self = g_object_new (AGEN_TYPE_TUPLE, NULL);

  self->n_values = array->n_values;
  self->values = g_steal_pointer (&array->values);
  array->n_values = 0;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_value_array_free (array);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return self;
}

/**
 * agen_tuple_get_size:
 * @self: an #AgenTuple
 *
 * Gets the number of values in @self.
 *
 * Returns: the number of values
 *
 * Since: 1.0
 */
guint
agen_tuple_get_size (AgenTuple *self)
{
  g_return_val_if_fail (AGEN_IS_TUPLE (self), 0);

  return self->n_values;
}

/**
 * agen_tuple_get:
 * @self: an #AgenTuple
 * @index_: the position of the value, from 0, below agen_tuple_get_size()
 *
 * Gets the value at @index_, lent for as long as @self lives.
 *
 * Returns: (transfer none): the value
 *
 * Since: 1.0
 */
const GValue *
agen_tuple_get (AgenTuple *self,
                guint      index_)
{
  g_return_val_if_fail (AGEN_IS_TUPLE (self), NULL);
  g_return_val_if_fail (index_ < self->n_values, NULL);

  return &self->values[index_];
}
