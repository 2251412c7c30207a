/* agen-task.c: the GAsyncResult face of the operations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-schedule-private.h"
#include "agen-task-private.h"

/*
 * _agen_task_new:
 *
 * The GTask of one call. It never checks its cancellable: a produced item
 * is never dropped, the body decides what a cancellation means, at its
 * awaits.
 */
GTask *
_agen_task_new (gpointer             source_object,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);

  /* The parentheses call the function: the macro of GLib 2.74 copies a
   * name into every task, which costs on a hot path. */
  (g_task_set_source_tag) (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);
  return task;
}

/* The task whose _async call is running in this thread, innermost first:
 * its callback must not run before that call returns. */
static GPrivate agen_task_in_call;

typedef struct
{
  GTask *task;
  AgenReply reply;
} AgenLateReply;

/*
 * _agen_task_enter_call:
 *
 * Marks @task's _async call as running, until _agen_task_leave_call() with
 * what this returns.
 */
gpointer
_agen_task_enter_call (GTask *task)
{
  gpointer previous = g_private_get (&agen_task_in_call);

  g_private_set (&agen_task_in_call, task);
  return previous;
}

void
_agen_task_leave_call (gpointer previous)
{
  g_private_set (&agen_task_in_call, previous);
}

static gboolean
agen_late_reply_deliver (gpointer data)
{
  AgenLateReply *late = data;

  _agen_task_return_reply (late->task, &late->reply);
  g_free (late);
  return G_SOURCE_REMOVE;
}

/* Whether GTask calls the callback at once when @task returns: in a
 * dispatch of its context, once its _async call has returned. */
static gboolean
agen_task_can_return_now (GTask *task)
{
  GSource *current = g_main_current_source ();

  return current != NULL && g_source_get_context (current) == g_task_get_context (task) &&
         g_private_get (&agen_task_in_call) != task;
}

/*
 * _agen_task_complete:
 *
 * Completes @task, whose source object is a generator, with @reply. A
 * reply that GTask would defer to an idle of its own (it comes while the
 * task's _async call runs, or outside a dispatch of its context: a
 * cancellation from main()) is delivered from a call at the generator's
 * priority instead, which is guarded against starvation (see
 * agen-schedule.c).
 */
void
_agen_task_complete (GTask     *task,
                     AgenReply *reply)
{
  AgenLateReply *late;
  GSource *source;

  if (agen_task_can_return_now (task))
    {
      _agen_task_return_reply (task, reply);
      return;
    }

  late = g_new (AgenLateReply, 1);
  late->task = task;
  late->reply = *reply;                      /* moved */
  reply->item = (GValue) G_VALUE_INIT;
  reply->error = NULL;
  /* In the caller's context, which is the generator's unless the call was
   * refused for being made elsewhere. */
  source = _agen_call_source_new (agen_generator_get_priority (g_task_get_source_object (task)),
                                  "[agen] reply", agen_late_reply_deliver, late, NULL);
  _agen_call_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

void
_agen_value_free (gpointer value)
{
  g_value_unset (value);
  g_free (value);
}

/*
 * _agen_task_return_reply:
 *
 * Completes @task with @reply, taking what @reply owns and the caller's
 * reference to @task. An item travels as a GValue, the end and a
 * successful close as NULL.
 */
void
_agen_task_return_reply (GTask     *task,
                         AgenReply *reply)
{
  switch (reply->kind)
    {
    case AGEN_REPLY_ITEM:
      {
        GValue *item = g_new (GValue, 1);

        *item = reply->item;                 /* moved */
        reply->item = (GValue) G_VALUE_INIT;
        g_task_return_pointer (task, item, _agen_value_free);
      }
      break;
    case AGEN_REPLY_ERROR:
      g_task_return_error (task, g_steal_pointer (&reply->error));
      break;
    case AGEN_REPLY_END:
    case AGEN_REPLY_CLOSED:
    default:
      g_task_return_pointer (task, NULL, NULL);
      break;
    }
  g_object_unref (task);
}

/*
 * _agen_item_move_out:
 * @produced: (nullable): the item, moved from
 * @item: (nullable): the caller's out GValue
 *
 * Moves @produced to @item, which is left initialised either way (a
 * %G_TYPE_POINTER %NULL for no item): GJS and PyGObject break on an unset
 * out GValue.
 *
 * Returns: whether there was an item
 */
gboolean
_agen_item_move_out (GValue *produced,
                     GValue *item)
{
  if (item != NULL && G_IS_VALUE (item))
    g_value_unset (item);

  if (produced == NULL)
    {
      if (item != NULL)
        g_value_init (item, G_TYPE_POINTER);
      return FALSE;
    }

  if (item != NULL)
    *item = *produced;                       /* moved */
  else
    g_value_unset (produced);
  return TRUE;
}

/* The _finish functions check @result first, with GIO's checks, so that a
 * critical names them: these only propagate it. */

gpointer
_agen_task_propagate_pointer (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* For next, send and throw: TRUE with an item. */
gboolean
_agen_task_propagate_item (GAsyncResult  *result,
                           GValue        *item,
                           GError       **error)
{
  g_autofree GValue *produced = g_task_propagate_pointer (G_TASK (result), error);

  return _agen_item_move_out (produced, item);
}

/* For close, foreach and shutdown: TRUE without an error. */
gboolean
_agen_task_propagate_success (GAsyncResult  *result,
                              GError       **error)
{
  /* Such a task holds no item: the pointer is NULL. */
  g_task_propagate_pointer (G_TASK (result), error);
  return !g_task_had_error (G_TASK (result));
}
