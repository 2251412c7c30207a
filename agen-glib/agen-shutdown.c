/* agen-shutdown.c: close every generator of a main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-close-error-private.h"
#include "agen-generator-private.h"
#include "agen-shutdown.h"
#include "agen-task-private.h"

/**
 * SECTION:agen-shutdown
 * @title: Shutdown
 * @short_description: close every generator of a main context
 *
 * A program that stops its main loop while generators are suspended would
 * skip their cleanup. agen_shutdown_async() is asyncio's
 * `loop.shutdown_asyncgens()`: run it before leaving the main loop.
 *
 * |[<!-- language="C" -->
 * agen_shutdown_async (NULL, on_shutdown_done, loop);  // quits the loop
 * g_main_loop_run (loop);
 * ]|
 */

typedef struct
{
  guint pending;
  GError *first_error;
} AgenShutdown;

static void
agen_shutdown_free (AgenShutdown *shutdown)
{
  g_clear_error (&shutdown->first_error);
  g_free (shutdown);
}

static void
agen_shutdown_complete_one (GTask *task)
{
  AgenShutdown *shutdown = g_task_get_task_data (task);
  AgenReply reply = AGEN_REPLY_INIT;

  if (--shutdown->pending > 0)
    {
      g_object_unref (task);
      return;
    }

  reply.kind = shutdown->first_error != NULL ? AGEN_REPLY_ERROR : AGEN_REPLY_CLOSED;
  reply.error = g_steal_pointer (&shutdown->first_error);
  _agen_task_return_reply (task, &reply);
}

static void
agen_shutdown_on_closed (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  AgenShutdown *shutdown = g_task_get_task_data (task);
  AgenGenerator *generator = AGEN_GENERATOR (object);
  g_autoptr(GError) error = NULL;

  if (!agen_generator_close_finish (generator, result, &error))
    {
      /* As shutdown_asyncgens() hands a failed aclose() to the exception
       * handler. */
      _agen_report_close_error (generator, error, AGEN_CLOSE_REASON_SHUTDOWN);
      if (shutdown->first_error == NULL)
        shutdown->first_error = g_steal_pointer (&error);
    }

  agen_shutdown_complete_one (task);
}

/**
 * agen_shutdown_async:
 * @cancellable: (nullable): a #GCancellable, given to each close
 * @callback: (scope async): called when every close has finished
 * @user_data: data for @callback
 *
 * Closes every started, unfinished generator of the thread-default
 * #GMainContext, all at once, as agen_generator_close_async() does, and
 * finishes when every close has finished. A generator that is running an
 * operation cannot be closed: its close fails with %G_IO_ERROR_PENDING, as
 * Python's fails with "already running".
 *
 * As asyncio's loop.shutdown_asyncgens empties the loop's set, the generators a
 * shutdown tries to close are its own: a later shutdown leaves them alone,
 * and so it does a generator that is already being closed on its last
 * unref. Those not closed are closed on their last unref.
 *
 * Each failed close is reported once, as agen_set_close_error_func() says
 * (by default with g_warning(), naming the generator), and the first
 * failure is also the error of agen_shutdown_finish().
 *
 * Since: 1.0
 */
void
agen_shutdown_async (GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GPtrArray) generators = NULL;
  AgenShutdown *shutdown;
  GTask *task;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _agen_task_new (NULL, cancellable, callback, user_data, agen_shutdown_async);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  generators = _agen_generators_take_started (context);
  shutdown = g_new0 (AgenShutdown, 1);
  /* One more than there are closes: the task completes after the loop
   * even when there is nothing to close. */
  shutdown->pending = generators->len + 1;
  g_task_set_task_data (task, shutdown, (GDestroyNotify) agen_shutdown_free);

  for (guint i = 0; i < generators->len; i++)
    agen_generator_close_async (generators->pdata[i], cancellable,
                                agen_shutdown_on_closed, g_object_ref (task));

  agen_shutdown_complete_one (task);
}

/**
 * agen_shutdown_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes agen_shutdown_async().
 *
 * Returns: %TRUE when every close succeeded; otherwise %FALSE with the
 *   first failure's error
 *
 * Since: 1.0
 */
gboolean
agen_shutdown_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_shutdown_async, FALSE);

  return _agen_task_propagate_success (result, error);
}
