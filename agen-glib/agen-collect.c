/* agen-collect.c: run a generator to its end and keep its items
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-close-error-private.h"
#include "agen-combinators.h"
#include "agen-generator-private.h"
#include "agen-task-private.h"

typedef struct
{
  GPtrArray *items;            /* collect_async */
  GListStore *store;           /* collect_store_async */
  GError *error;               /* an item the store cannot hold */
} AgenCollect;

static void
agen_collect_free (gpointer data)
{
  AgenCollect *collect = data;

  g_clear_pointer (&collect->items, g_ptr_array_unref);
  g_clear_object (&collect->store);
  g_clear_error (&collect->error);
  g_free (collect);
}

static gboolean
agen_collect_item (AgenGenerator *generator,
                   const GValue  *item,
                   gpointer       user_data)
{
  AgenCollect *collect = user_data;
  GValue *copy = g_new0 (GValue, 1);

  g_value_init (copy, G_VALUE_TYPE (item));
  g_value_copy (item, copy);
  g_ptr_array_add (collect->items, copy);
  return TRUE;
}

static gboolean
agen_collect_store_item (AgenGenerator *generator,
                         const GValue  *item,
                         gpointer       user_data)
{
  AgenCollect *collect = user_data;
  GType item_type = g_list_model_get_item_type (G_LIST_MODEL (collect->store));
  GObject *object = G_VALUE_HOLDS_OBJECT (item) ? g_value_get_object (item) : NULL;

  if (object == NULL || !g_type_is_a (G_OBJECT_TYPE (object), item_type))
    {
      collect->error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                    "Cannot append an item of type %s to a list store of %s",
                                    object != NULL ? G_OBJECT_TYPE_NAME (object) : G_VALUE_TYPE_NAME (item),
                                    g_type_name (item_type));
      return FALSE;
    }

  g_list_store_append (collect->store, object);
  return TRUE;
}

static void
agen_collect_on_done (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AgenCollect *collect = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok = agen_generator_foreach_finish (AGEN_GENERATOR (object), result, &error);

  if (collect->error != NULL)
    {
      /* The item the store could not hold stopped the loop: that is the
       * failure to report, even if closing the generator failed too. */
      if (!ok)
        _agen_report_close_error (AGEN_GENERATOR (object), error, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
      g_task_return_error (task, g_steal_pointer (&collect->error));
    }
  else if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&collect->items), (GDestroyNotify) g_ptr_array_unref);
}

/* Takes @task, whose task data is @collect. */
static void
agen_collect_run (AgenGenerator   *self,
                  GTask           *task,
                  AgenCollect     *collect,
                  GCancellable    *cancellable)
{
  g_task_set_task_data (task, collect, agen_collect_free);
  agen_generator_foreach_async (self,
                                collect->store != NULL ? agen_collect_store_item : agen_collect_item,
                                collect, NULL, cancellable, agen_collect_on_done, task);
}

/**
 * agen_generator_collect_async:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable, as for
 *   agen_generator_foreach_async()
 * @callback: (scope async): called when @self has finished
 * @user_data: data for @callback
 *
 * Runs @self to its end with agen_generator_foreach_async() and gathers its
 * items: Python's `[x async for x in self]`. Finish with
 * agen_generator_collect_finish().
 *
 * Since: 1.0
 */
void
agen_generator_collect_async (AgenGenerator       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AgenCollect *collect;
  GTask *task;

  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _agen_task_new (self, cancellable, callback, user_data, agen_generator_collect_async);
  collect = g_new0 (AgenCollect, 1);
  collect->items = g_ptr_array_new_with_free_func (_agen_value_free);
  agen_collect_run (self, task, collect, cancellable);
}

/**
 * agen_generator_collect_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes agen_generator_collect_async(). When @self raised, the items it
 * yielded before are lost: only the error is returned.
 *
 * Returns: (transfer full) (element-type GValue): the items, in the order
 *   @self yielded them (the array frees them), or %NULL with @error set
 *
 * Since: 1.0
 */
GPtrArray *
agen_generator_collect_finish (AgenGenerator  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_generator_collect_async, NULL);

  return _agen_task_propagate_pointer (result, error);
}

/**
 * agen_generator_collect_store_async:
 * @self: an #AgenGenerator
 * @store: the #GListStore to append the items to
 * @cancellable: (nullable): a #GCancellable, as for
 *   agen_generator_foreach_async()
 * @callback: (scope async): called when @self has finished
 * @user_data: data for @callback
 *
 * Runs @self to its end with agen_generator_foreach_async() and appends each
 * item to @store as it arrives, so that a view bound to @store fills while
 * @self runs. Finish with agen_generator_collect_store_finish().
 *
 * Each item must be an object of @store's item type: another item stops the
 * loop, which closes @self, and the operation fails with
 * %G_IO_ERROR_INVALID_DATA. Items already appended stay in @store, also when
 * @self raises.
 *
 * Since: 1.0
 */
void
agen_generator_collect_store_async (AgenGenerator       *self,
                                    GListStore          *store,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  AgenCollect *collect;
  GTask *task;

  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (G_IS_LIST_STORE (store));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _agen_task_new (self, cancellable, callback, user_data, agen_generator_collect_store_async);
  collect = g_new0 (AgenCollect, 1);
  collect->store = g_object_ref (store);
  agen_collect_run (self, task, collect, cancellable);
}

/**
 * agen_generator_collect_store_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes agen_generator_collect_store_async().
 *
 * Returns: %TRUE when @self finished and every item was appended; %FALSE
 *   with @error set when @self raised, the loop was refused, or an item
 *   was not an object of the store's item type (%G_IO_ERROR_INVALID_DATA)
 *
 * Since: 1.0
 */
gboolean
agen_generator_collect_store_finish (AgenGenerator  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_generator_collect_store_async, FALSE);

  return _agen_task_propagate_success (result, error);
}
