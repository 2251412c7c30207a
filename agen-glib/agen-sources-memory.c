/* agen-sources-memory.c: the sources over what is in memory: a list model, values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-sources.h"

/* ---------------------------------------------------------------------- *
 * List items
 * ---------------------------------------------------------------------- */

typedef struct
{
  GListModel *model;
  gulong items_changed_id;
  guint cursor;            /* the position of the next item to yield */
} AgenListItems;

static void
agen_list_items_free (gpointer data)
{
  AgenListItems *items = data;

  g_signal_handler_disconnect (items->model, items->items_changed_id);
  g_object_unref (items->model);
  g_free (items);
}

/* Keeps the cursor on the first item not yet yielded. */
static void
agen_list_items_on_items_changed (GListModel *model,
                                  guint       position,
                                  guint       removed,
                                  guint       added,
                                  gpointer    user_data)
{
  AgenListItems *items = user_data;

  if (position >= items->cursor)
    return;                                            /* at or after the cursor: still to come */
  if (position + removed <= items->cursor)
    items->cursor = items->cursor - removed + added;   /* entirely before: shift */
  else
    items->cursor = position;                          /* removed around the cursor */
}

/* No resume point: after each yield it does the same thing. */
static void
agen_list_items_body (AgenGenerator *self,
                      gpointer       user_data)
{
  AgenListItems *items = user_data;
  g_autoptr(GObject) item = NULL;

  /* A close or a throw finishes the generator; reading an item for it
   * would be wasted (and would move the cursor). */
  if (agen_generator_peek_error (self) != NULL)
    return;

  if (items->cursor >= g_list_model_get_n_items (items->model))
    {
      agen_generator_return (self);
      return;
    }

  item = g_list_model_get_item (items->model, items->cursor++);
  agen_generator_yield_object (self, item);
}

/**
 * agen_generator_new_list_items:
 * @model: a #GListModel
 *
 * A generator of the items of @model (objects of the model's item type),
 * from the first. It follows #GListModel::items-changed while it iterates:
 * it keeps a cursor, the position of the next item to yield, and for a
 * change at `position` that removes `removed` items and adds `added`:
 *
 * - a change at or after the cursor leaves it: items inserted there are
 *   yielded, items removed there are not;
 * - a change entirely before the cursor (`position + removed <= cursor`)
 *   shifts it by `added - removed`: those items were yielded or replace
 *   yielded ones;
 * - a change that removes items around the cursor moves it to `position`:
 *   the items inserted there are yielded.
 *
 * So every item that is in the model for the whole iteration is yielded
 * exactly once, items appended during the iteration are yielded, and an
 * item is never yielded after its removal. (A model that reports a
 * reordering as a removal and an insertion makes the reordered items new
 * ones, which may then be yielded again.) The generator returns when a
 * next finds the cursor at the end of the model: it does not wait for
 * more items.
 *
 * For example, with the items `a b c d` and `a b` yielded (the cursor at
 * 2): inserting `x` at 0 moves the cursor to 3 and the next item is `c`;
 * removing `b c` instead (at 1) moves it to 1 and the next item is `d`;
 * appending `e` yields `e` after `d`.
 *
 * The generator holds a reference to @model and is connected to it from
 * its creation until it finishes or is finalised.
 *
 * Its name is "list-items" followed by the type name of @model.
 *
 * Returns: (transfer full): a new #AgenGenerator of the items of @model
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_list_items (GListModel *model)
{
  AgenListItems *items;
  AgenGenerator *generator;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  items = g_new0 (AgenListItems, 1);
  items->model = g_object_ref (model);
  items->items_changed_id = g_signal_connect (model, "items-changed",
                                              G_CALLBACK (agen_list_items_on_items_changed), items);

  generator = agen_generator_new (agen_list_items_body, items, agen_list_items_free);
  name = g_strconcat ("list-items ", G_OBJECT_TYPE_NAME (model), NULL);
  agen_generator_set_name (generator, name);
  return generator;
}

/* ---------------------------------------------------------------------- *
 * Values
 * ---------------------------------------------------------------------- */

typedef struct
{
  guint n_values;
  guint next;              /* the index of the next value to yield */
  GValue values[];
} AgenValues;

static void
agen_values_free (gpointer data)
{
  AgenValues *values = data;

  for (guint i = 0; i < values->n_values; i++)
    g_value_unset (&values->values[i]);
  g_free (values);
}

/* The fast source: it never awaits, and an item costs one g_value_copy()
 * into the generator's yield slot. An error thrown in (a close) finishes
 * the generator whatever this call does, so it does not look for one. */
static void
agen_values_body (AgenGenerator *self,
                  gpointer       user_data)
{
  AgenValues *values = user_data;

  if (values->next < values->n_values)
    agen_generator_yield (self, &values->values[values->next++]);
  else
    agen_generator_return (self);
}

/**
 * agen_generator_new_values:
 * @values: (array length=n_values) (nullable): the values to yield, copied;
 *   %NULL when @n_values is 0
 * @n_values: the number of @values
 *
 * A generator of copies of @values, in order, which then returns. With
 * @n_values 0 it returns at its first next. It never awaits, which makes it
 * the cheapest source (each item costs a g_value_copy()).
 *
 * Its name is "values".
 *
 * Returns: (transfer full): a new #AgenGenerator
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_values (const GValue *values,
                           guint         n_values)
{
  AgenValues *copy;
  AgenGenerator *generator;

  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  for (guint i = 0; i < n_values; i++)
    g_return_val_if_fail (G_IS_VALUE (&values[i]), NULL);

  copy = g_malloc0 (sizeof (AgenValues) + n_values * sizeof (GValue));
  copy->n_values = n_values;
  for (guint i = 0; i < n_values; i++)
    {
      g_value_init (&copy->values[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &copy->values[i]);
    }

  generator = agen_generator_new (agen_values_body, copy, agen_values_free);
  agen_generator_set_name (generator, "values");
  return generator;
}
