/* agen-generator.c: the generator object and its consumer face
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-close-error-private.h"
#include "agen-engine-private.h"
#include "agen-enums.h"
#include "agen-generator-private.h"
#include "agen-task-private.h"

/**
 * SECTION:agen-generator
 * @title: AgenGenerator
 * @short_description: an asynchronous generator (PEP 525) on the GLib main loop
 *
 * An #AgenGenerator is a lazy, pull-based stream of values: Python's
 * `async def` with `yield`, as a GObject on the GLib main loop.
 *
 * The consumer pulls with agen_generator_next_async(), sends values in with
 * agen_generator_send_async(), throws errors in with
 * agen_generator_throw_async() and asks the generator to finish with
 * agen_generator_close_async(). These follow the #GAsyncResult conventions of
 * GIO. agen_generator_foreach_async() is Python's `async for`.
 *
 * The producer writes a body, an #AgenBodyFunc: a continuation closure that
 * is called each time an operation resumes the generator, and that ends each
 * call in exactly one of agen_generator_yield(), agen_generator_return(),
 * agen_generator_raise() or an await. The macros AGEN_BEGIN(), AGEN_YIELD(),
 * AGEN_AWAIT() and AGEN_END() let a body read top to bottom.
 *
 * A generator belongs to the thread-default #GMainContext it was created in;
 * its body only ever runs there.
 */

enum
{
  PROP_0,
  PROP_STATE,
  PROP_NAME,
  PROP_DISPATCH_BODY,
  PROP_PRIORITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (AgenGenerator, agen_generator, G_TYPE_OBJECT)
/* ---------------------------------------------------------------------- *
 * The consumer face
 * ---------------------------------------------------------------------- */

static void
agen_generator_reply_to_task (AgenGenerator *self,
                              AgenReply     *reply,
                              gpointer       task)
{
  _agen_generator_release (self);
  _agen_task_complete (task, reply);
}

static void
agen_generator_operate (AgenGenerator       *self,
                        AgenOpKind           kind,
                        const GValue        *value,
                        const GError        *error,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data,
                        gpointer             source_tag)
{
  GTask *task = _agen_task_new (self, cancellable, callback, user_data, source_tag);
  AgenReply refusal = AGEN_REPLY_INIT;
  gpointer outer_call = _agen_task_enter_call (task);

  if (!_agen_generator_start (self, kind, value, error, cancellable,
                              agen_generator_reply_to_task, task, &refusal))
    _agen_task_complete (task, &refusal);
  _agen_task_leave_call (outer_call);
}

static gboolean
agen_generator_propagate_item (AgenGenerator  *self,
                               GAsyncResult   *result,
                               gpointer        source_tag,
                               GValue         *item,
                               GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _agen_task_propagate_item (result, item, error);
}

/**
 * agen_generator_next_async:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the generator has yielded, finished
 *   or failed
 * @user_data: data for @callback
 *
 * Resumes the generator and asks for its next item: Python's `anext()`. The
 * body runs at once, up to its next yield or await; @callback is called from
 * the main loop of the thread-default #GMainContext, never before this
 * function returns. Finish with agen_generator_next_finish().
 *
 * Cancelling @cancellable fails the operation with %G_IO_ERROR_CANCELLED if
 * it has not started; once it has, the cancellation is delivered to the body
 * at its await, and the body decides what it means.
 *
 * Since: 1.0
 */
void
agen_generator_next_async (AgenGenerator       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_generator_operate (self, AGEN_OP_NEXT, NULL, NULL, cancellable, callback, user_data,
                          agen_generator_next_async);
}

/**
 * agen_generator_next_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @item: (out caller-allocates) (optional): a zero-filled #GValue (or one
 *   holding a value, which is unset first) that receives the item
 * @error: return location for a #GError
 *
 * Finishes agen_generator_next_async().
 *
 * @item is always initialised: it holds the item when this returns %TRUE,
 * and a %G_TYPE_POINTER %NULL otherwise.
 *
 * Returns: %TRUE when the body yielded an item; %FALSE without an error when
 *   the generator is finished (Python's `StopAsyncIteration`); %FALSE with
 *   @error set when the body raised or the call was refused
 *
 * Since: 1.0
 */
gboolean
agen_generator_next_finish (AgenGenerator  *self,
                            GAsyncResult   *result,
                            GValue         *item,
                            GError        **error)
{
  return agen_generator_propagate_item (self, result, agen_generator_next_async, item, error);
}

/* A next that may complete inside agen_generator_next_start(). */
typedef struct
{
  gboolean starting;          /* agen_generator_next_start() is on the stack */
  gboolean replied;
  AgenReply reply;            /* the reply that came at once */
  GTask *task;                /* where a later reply goes */
  GAsyncReadyCallback callback;
  gpointer user_data;
  GDestroyNotify user_data_destroy;
} AgenNextStart;

static void
agen_next_start_free (AgenNextStart *start)
{
  if (start->user_data_destroy != NULL)
    start->user_data_destroy (start->user_data);
  g_free (start);
}

static void
agen_next_start_on_reply (AgenGenerator *self,
                          AgenReply     *reply,
                          gpointer       data)
{
  AgenNextStart *start = data;

  if (start->starting)
    {
      _agen_generator_release (self);
      start->reply = *reply;                 /* moved */
      start->replied = TRUE;
      return;
    }

  agen_generator_reply_to_task (self, reply, g_steal_pointer (&start->task));
}

/* The user data goes as soon as the callback has run, as with a callback of
 * (scope async): a binding's closure that the task kept until its last
 * unref would keep alive what the callback's frame holds, the task too. */
static void
agen_next_start_complete (GObject      *source_object,
                          GAsyncResult *result,
                          gpointer      data)
{
  AgenNextStart *start = data;

  start->callback (source_object, result, start->user_data);
  agen_next_start_free (start);
}

/**
 * agen_generator_next_start:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called when the next completes later
 * @user_data: data for @callback
 * @user_data_destroy: (nullable): frees @user_data once @callback is no
 *   longer needed
 * @pending: (out): set to whether the next completes later
 * @item: (out caller-allocates) (optional): a zero-filled #GValue (or one
 *   holding a value, which is unset first) that receives an item that came
 *   at once
 * @error: return location for a #GError
 *
 * Starts a next as agen_generator_next_async() does, but when the body
 * yields, returns or raises without awaiting, the next completes here and
 * now: @pending is set to %FALSE, the outcome is returned as
 * agen_generator_next_finish() would return it, and @callback is never
 * called. When the body awaits, @pending is set to %TRUE, this returns
 * %FALSE, and @callback is called later; finish it with
 * agen_generator_next_finish().
 *
 * Bindings use it for their async iteration: Python's `async for` over a
 * generator whose body does not await goes on without a round trip of the
 * event loop, as it does over a Python async generator. Either way
 * @user_data_destroy is called once @callback is no longer needed.
 *
 * Returns: %TRUE when an item came at once (in @item); %FALSE otherwise:
 *   with @error set when the next failed at once, with @pending set when it
 *   completes later, and else because the generator is finished
 *
 * Since: 1.0
 */
gboolean
agen_generator_next_start (AgenGenerator        *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data,
                           GDestroyNotify        user_data_destroy,
                           gboolean             *pending,
                           GValue               *item,
                           GError              **error)
{
  AgenNextStart *start;
  gboolean produced;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (pending != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  start = g_new0 (AgenNextStart, 1);
  start->reply = (AgenReply) AGEN_REPLY_INIT;
  start->callback = callback;
  start->user_data = user_data;
  start->user_data_destroy = user_data_destroy;
  start->starting = TRUE;
  if (!_agen_generator_start (self, AGEN_OP_NEXT, NULL, NULL, cancellable,
                              agen_next_start_on_reply, start, &start->reply))
    start->replied = TRUE;
  start->starting = FALSE;

  *pending = !start->replied;
  if (*pending)
    {
      /* Made now rather than at the reply, so that a reply in a later
       * main-loop iteration reaches @callback without another one. */
      start->task = _agen_task_new (self, cancellable, agen_next_start_complete, start,
                                    agen_generator_next_async);
      _agen_item_move_out (NULL, item);
      return FALSE;
    }

  if (start->reply.kind == AGEN_REPLY_ERROR)
    g_propagate_error (error, g_steal_pointer (&start->reply.error));
  produced = _agen_item_move_out (start->reply.kind == AGEN_REPLY_ITEM ? &start->reply.item : NULL, item);
  agen_next_start_free (start);
  return produced;
}

/**
 * agen_generator_send_async:
 * @self: an #AgenGenerator
 * @value: (nullable): the value to send, or %NULL for none (Python's `None`)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the generator has yielded, finished
 *   or failed
 * @user_data: data for @callback
 *
 * Resumes the generator with @value, which the body reads with
 * agen_generator_get_sent(): Python's `asend()`. A %NULL @value makes this
 * agen_generator_next_async(). Any #GValue, even one holding a %NULL pointer,
 * is a value: sending it to a generator that has not started fails with
 * %AGEN_ERROR_NOT_STARTED and leaves the generator as it was.
 *
 * Since: 1.0
 */
void
agen_generator_send_async (AgenGenerator       *self,
                           const GValue        *value,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (value == NULL || G_IS_VALUE (value));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_generator_operate (self, value != NULL ? AGEN_OP_SEND : AGEN_OP_NEXT, value, NULL,
                          cancellable, callback, user_data, agen_generator_send_async);
}

/**
 * agen_generator_send_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @item: (out caller-allocates) (optional): a zero-filled #GValue that
 *   receives the item
 * @error: return location for a #GError
 *
 * Finishes agen_generator_send_async(), as agen_generator_next_finish() does.
 *
 * Returns: %TRUE with @item when the body yielded; %FALSE without an error
 *   when the generator is finished; %FALSE with @error otherwise
 *
 * Since: 1.0
 */
gboolean
agen_generator_send_finish (AgenGenerator  *self,
                            GAsyncResult   *result,
                            GValue         *item,
                            GError        **error)
{
  return agen_generator_propagate_item (self, result, agen_generator_send_async, item, error);
}

/**
 * agen_generator_throw_async:
 * @self: an #AgenGenerator
 * @error: the error to throw in; it is copied
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the generator has yielded, finished
 *   or failed
 * @user_data: data for @callback
 *
 * Throws @error into the body at the yield where it is suspended: Python's
 * `athrow()`. The body may catch it (agen_generator_catch()) and yield, and
 * this operation then gives that item; if it does not catch it, the
 * generator finishes with @error.
 *
 * A generator that has not started finishes with @error without running its
 * body. On a finished generator this ends at once, without an error.
 *
 * Since: 1.0
 */
void
agen_generator_throw_async (AgenGenerator       *self,
                            const GError        *error,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (error != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_generator_operate (self, AGEN_OP_THROW, NULL, error, cancellable, callback, user_data,
                          agen_generator_throw_async);
}

/**
 * agen_generator_throw_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @item: (out caller-allocates) (optional): a zero-filled #GValue that
 *   receives the item
 * @error: return location for a #GError
 *
 * Finishes agen_generator_throw_async().
 *
 * Returns: %TRUE with @item when the body caught the error and yielded;
 *   %FALSE without an error when it finished normally; %FALSE with @error
 *   when it did not catch the error, or raised another
 *
 * Since: 1.0
 */
gboolean
agen_generator_throw_finish (AgenGenerator  *self,
                             GAsyncResult   *result,
                             GValue         *item,
                             GError        **error)
{
  return agen_generator_propagate_item (self, result, agen_generator_throw_async, item, error);
}

/**
 * agen_generator_close_async:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the generator is closed
 * @user_data: data for @callback
 *
 * Asks the generator to finish: Python's `aclose()`. %AGEN_ERROR_EXIT is
 * thrown into the body at its yield; its cleanup runs and may await. A
 * generator that has not started, or has finished, is closed at once without
 * running its body.
 *
 * Since: 1.0
 */
void
agen_generator_close_async (AgenGenerator       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_generator_operate (self, AGEN_OP_CLOSE, NULL, NULL, cancellable, callback, user_data,
                          agen_generator_close_async);
}

/**
 * agen_generator_close_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes agen_generator_close_async().
 *
 * Returns: %TRUE when the body finished cleanly: it returned, or let
 *   %AGEN_ERROR_EXIT propagate. %FALSE with the error the body raised
 *   otherwise (the generator is finished all the same), or with
 *   %AGEN_ERROR_IGNORED_EXIT when the body yielded instead of finishing
 *
 * Since: 1.0
 */
gboolean
agen_generator_close_finish (AgenGenerator  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_generator_close_async, FALSE);

  return _agen_task_propagate_success (result, error);
}

/**
 * agen_generator_get_state:
 * @self: an #AgenGenerator
 *
 * Where the generator is in its life.
 *
 * Returns: the state of @self
 *
 * Since: 1.0
 */
AgenGeneratorState
agen_generator_get_state (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), AGEN_GENERATOR_STATE_FINISHED);

  return _agen_generator_compute_state (self);
}

/**
 * agen_generator_get_name:
 * @self: an #AgenGenerator
 *
 * The name given with agen_generator_set_name().
 *
 * Returns: (nullable): the name of @self, or %NULL
 *
 * Since: 1.0
 */
const char *
agen_generator_get_name (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);

  return g_object_get_qdata (G_OBJECT (self), _agen_generator_name_quark ());
}

/**
 * agen_generator_set_name:
 * @self: an #AgenGenerator
 * @name: (nullable): a name for messages about @self
 *
 * Names the generator in the messages agen-glib logs about it (a failed
 * close on finalisation or at shutdown).
 *
 * Since: 1.0
 */
void
agen_generator_set_name (AgenGenerator *self,
                         const char    *name)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));

  if (g_strcmp0 (agen_generator_get_name (self), name) == 0)
    return;

  g_object_set_qdata_full (G_OBJECT (self), _agen_generator_name_quark (), g_strdup (name), g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * agen_generator_get_dispatch_body:
 * @self: an #AgenGenerator
 *
 * Whether the body is only called from a source of the generator's main
 * context: see #AgenGenerator:dispatch-body.
 *
 * Returns: the value of #AgenGenerator:dispatch-body
 *
 * Since: 1.0
 */
gboolean
agen_generator_get_dispatch_body (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);

  return self->dispatch_body;
}

/**
 * agen_generator_set_dispatch_body:
 * @self: an #AgenGenerator
 * @dispatch_body: whether the body is only called from a source of the
 *   generator's main context
 *
 * Sets #AgenGenerator:dispatch-body. It applies from the next resumption.
 *
 * Since: 1.0
 */
void
agen_generator_set_dispatch_body (AgenGenerator *self,
                                  gboolean       dispatch_body)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));

  dispatch_body = !!dispatch_body;
  if (self->dispatch_body == (guint) dispatch_body)
    return;

  self->dispatch_body = dispatch_body;
  /* A next-ready function named at the body's last yield answers no more
   * (_agen_generator_set_next_ready()). */
  if (dispatch_body && self->run != NULL)
    self->run->next_ready = NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPATCH_BODY]);
}

/**
 * agen_generator_get_priority:
 * @self: an #AgenGenerator
 *
 * The priority of the sources agen-glib schedules for @self: see
 * #AgenGenerator:priority.
 *
 * Returns: the value of #AgenGenerator:priority
 *
 * Since: 1.0
 */
int
agen_generator_get_priority (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), G_PRIORITY_DEFAULT_IDLE);

  return self->priority;
}

/**
 * agen_generator_set_priority:
 * @self: an #AgenGenerator
 * @priority: a priority such as %G_PRIORITY_DEFAULT_IDLE, from -32768 to
 *   32767
 *
 * Sets #AgenGenerator:priority. It applies to the sources scheduled from
 * then on.
 *
 * Since: 1.0
 */
void
agen_generator_set_priority (AgenGenerator *self,
                             int            priority)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (priority >= G_MININT16 && priority <= G_MAXINT16);

  if (self->priority == priority)
    return;

  self->priority = priority;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

/**
 * agen_generator_new:
 * @body: (scope notified) (closure user_data) (destroy user_data_destroy): the
 *   body
 * @user_data: data for @body
 * @user_data_destroy: (nullable): frees @user_data when the body has finished
 *   or the generator is finalised
 *
 * Creates a generator in the thread-default #GMainContext. Nothing runs
 * until an operation resumes it.
 *
 * Returns: (transfer full): a new #AgenGenerator
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new (AgenBodyFunc   body,
                    gpointer       user_data,
                    GDestroyNotify user_data_destroy)
{
  AgenGenerator *self;

  g_return_val_if_fail (body != NULL, NULL);

  self = g_object_new (AGEN_TYPE_GENERATOR, NULL);
  self->body = body;
  self->body_data = user_data;
  self->body_data_destroy = user_data_destroy;

  return self;
}

static void
agen_generator_on_closed_by_itself (GObject      *object,
                                    GAsyncResult *result,
                                    gpointer      reason)
{
  AgenGenerator *self = AGEN_GENERATOR (object);
  g_autoptr(GError) error = NULL;

  if (!agen_generator_close_finish (self, result, &error))
    _agen_report_close_error (self, error, GPOINTER_TO_INT (reason));
}

/*
 * _agen_generator_close_and_report:
 *
 * Closes @self, from the caller's thread-default context, which must be
 * the generator's; nobody awaits the close, so a failure is reported.
 */
void
_agen_generator_close_and_report (AgenGenerator   *self,
                                  AgenCloseReason  reason)
{
  agen_generator_close_async (self, NULL, agen_generator_on_closed_by_itself, GINT_TO_POINTER (reason));
}

/* ---------------------------------------------------------------------- *
 * Life cycle
 * ---------------------------------------------------------------------- */

static gboolean
agen_generator_close_on_dispose (gpointer user_data)
{
  AgenGenerator *self = user_data;

  /* An operation got hold of the generator meanwhile (a shutdown's close):
   * when it ends and drops the last reference, try again. */
  if (self->run != NULL)
    {
      self->close_on_dispose_tried = FALSE;
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }

  g_main_context_push_thread_default (self->context);
  _agen_generator_close_and_report (self, AGEN_CLOSE_REASON_LAST_UNREF);
  g_main_context_pop_thread_default (self->context);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

static void
agen_generator_dispose (GObject *object)
{
  AgenGenerator *self = AGEN_GENERATOR (object);

  _agen_generator_now_dispose (self);

  /* The last unref of a suspended generator closes it on its own main
   * context, as asyncio's finalizer hook schedules aclose(): the generator
   * lives on until its cleanup, which may await, is done. One that ignored
   * a close already is not asked again, as CPython does not call the hook
   * for it: it is finalised, which runs its cleanups. */
  if (self->phase == AGEN_PHASE_STARTED && !self->exit_ignored && !self->close_on_dispose_tried)
    {
      self->close_on_dispose_tried = TRUE;
      /* Being closed already: a shutdown leaves it alone, as asyncio's
       * finalizer hook takes it out of the loop's set. */
      _agen_generator_unregister (self);
      _agen_generator_schedule (self, "[agen] close on last unref",
                                agen_generator_close_on_dispose, g_object_ref (self), NULL);
      return;
    }

  _agen_generator_unregister (self);

  G_OBJECT_CLASS (agen_generator_parent_class)->dispose (object);
}

static void
agen_generator_finalize (GObject *object)
{
  AgenGenerator *self = AGEN_GENERATOR (object);

  /* A body that never finished (it ignored a close) still gets its
   * cleanups: nothing it holds leaks. */
  _agen_generator_run_deferred (self);
  if (self->body_data_destroy != NULL)
    self->body_data_destroy (self->body_data);

  /* An operation holds a reference: none can be in flight. */
  g_assert (self->run == NULL);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (agen_generator_parent_class)->finalize (object);
}

static void
agen_generator_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AgenGenerator *self = AGEN_GENERATOR (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, agen_generator_get_state (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, agen_generator_get_name (self));
      break;
    case PROP_DISPATCH_BODY:
      g_value_set_boolean (value, self->dispatch_body);
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, self->priority);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_generator_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AgenGenerator *self = AGEN_GENERATOR (object);

  switch (prop_id)
    {
    case PROP_NAME:
      agen_generator_set_name (self, g_value_get_string (value));
      break;
    case PROP_DISPATCH_BODY:
      agen_generator_set_dispatch_body (self, g_value_get_boolean (value));
      break;
    case PROP_PRIORITY:
      agen_generator_set_priority (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_generator_class_init (AgenGeneratorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = agen_generator_dispose;
  object_class->finalize = agen_generator_finalize;
  object_class->get_property = agen_generator_get_property;
  object_class->set_property = agen_generator_set_property;

  /**
   * AgenGenerator:state:
   *
   * Where the generator is in its life. It is notified on every change.
   *
   * Since: 1.0
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", "State", "Where the generator is in its life",
                       AGEN_TYPE_GENERATOR_STATE,
                       AGEN_GENERATOR_STATE_CREATED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenGenerator:name:
   *
   * A name for messages about the generator.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", "Name", "A name for messages about the generator",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenGenerator:dispatch-body:
   *
   * Whether every call of the body is made from a source of the
   * generator's main context, rather than inside the call that resumes
   * the generator (agen_generator_next_async() and the other operations,
   * agen_generator_resume(), a combinator's pull).
   *
   * A resumption then costs one main-loop iteration more, and no body call
   * ever runs inside a call the consumer made. The JavaScript binding sets
   * it on the generators whose body it provides: code of a binding that
   * runs inside a call into agen-glib and calls the same function again is
   * what GJS 1.74 does not survive (a body that awaits another generator
   * does exactly that). The Python binding does not set it.
   *
   * Since: 1.0
   */
  properties[PROP_DISPATCH_BODY] =
    g_param_spec_boolean ("dispatch-body", "Dispatch body",
                          "Whether the body is only called from a source of the generator's main context",
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenGenerator:priority:
   *
   * The priority of every source agen-glib schedules for the generator: its
   * resumptions (an await coming home from another thread, a cancellation,
   * a dispatch-body call), the slices of agen_generator_foreach_async(),
   * the completion of an operation that answered at once, the close on its
   * last unref, the ticks and timers of the sources and combinators made
   * from it, an #AgenListModel's loading and announcing. A combinator
   * takes the priority of its first source.
   *
   * The default, %G_PRIORITY_DEFAULT_IDLE, is below GTK's input, layout and
   * painting (%G_PRIORITY_DEFAULT, %G_PRIORITY_HIGH_IDLE + 10 and + 20), as
   * GTK's own incremental list models are: a window keeps painting while a
   * generator streams items. The trade-off is the other way round: work of
   * ordinary priority that is always ready would hold the generator back,
   * and asyncio on gbulb runs its callbacks at %G_PRIORITY_DEFAULT. So a
   * source of the generator that has been ready for 2 ms without being
   * dispatched is raised to %G_PRIORITY_DEFAULT, where it takes its turn
   * with that work: a busy loop slows a generator down, never stops it.
   *
   * The awaited operations of a body keep their own priorities (the
   * io_priority of a GIO call), and so do the sources a body attaches
   * itself.
   *
   * Since: 1.0
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", "Priority",
                      "The priority of the sources scheduled for the generator",
                      G_MININT16, G_MAXINT16, G_PRIORITY_DEFAULT_IDLE,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
  _agen_engine_init_class (G_TYPE_FROM_CLASS (klass), properties[PROP_STATE]);
}

static void
agen_generator_init (AgenGenerator *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->priority = G_PRIORITY_DEFAULT_IDLE;
}

