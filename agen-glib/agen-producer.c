/* agen-producer.c: what a body calls
 *
 * The producer face of #AgenGenerator: the calls that end a body call
 * (yield, return, raise, await), those a body makes while it runs (the
 * value sent, the error thrown in, its cancellable, deferred cleanups, its
 * resume point) and the entry points of the macros of agen-macros.h. Each
 * records what the body did in the generator's run; the engine reads it
 * when the body call returns.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-engine-private.h"
#include "agen-macros.h"

static const char *
agen_outcome_to_string (AgenOutcome outcome)
{
  static const char * const names[] = {
    [AGEN_OUTCOME_NONE] = "nothing",
    [AGEN_OUTCOME_YIELDED] = "a yield",
    [AGEN_OUTCOME_RETURNED] = "a return",
    [AGEN_OUTCOME_RAISED] = "a raise",
    [AGEN_OUTCOME_AWAITING] = "an await",
  };

  return names[outcome];
}

/* Inlined: it is on the path of every item. */
G_ALWAYS_INLINE static inline gboolean
agen_generator_check_in_body (AgenGenerator *self,
                              const char    *caller)
{
  if (G_LIKELY (self->run != NULL && self->run->in_body))
    return TRUE;

  g_critical ("%s: called outside a body call; producer calls are only allowed "
              "while the generator's body runs", caller);
  return FALSE;
}

/* Records how the current body call ends: a body call ends in exactly one
 * of yield, return, raise or await. */
/* Inlined: it is on the path of every item. */
G_ALWAYS_INLINE static inline gboolean
agen_generator_end_call (AgenGenerator *self,
                         AgenOutcome    outcome,
                         const char    *caller)
{
  if (!agen_generator_check_in_body (self, caller))
    return FALSE;

  if (G_UNLIKELY (self->run->outcome != AGEN_OUTCOME_NONE))
    {
      g_critical ("%s: this body call already ended in %s; a body call ends in "
                  "exactly one of yield, return, raise or await",
                  caller, agen_outcome_to_string (self->run->outcome));
      return FALSE;
    }

  self->run->outcome = outcome;
  return TRUE;
}

/* Ends the body call in a yield and returns the GValue to put the item in,
 * initialised to @type. foreach leaves the previous item there, so a body
 * that yields items of one type reuses it instead of initialising and
 * unsetting a GValue per item. Inlined: it is on the path of every item. */
G_ALWAYS_INLINE static inline GValue *
agen_generator_prepare_yield (AgenGenerator *self,
                              GType          type,
                              const char    *caller)
{
  GValue *yielded;

  if (!agen_generator_end_call (self, AGEN_OUTCOME_YIELDED, caller))
    return NULL;

  yielded = &self->run->yielded;
  if (G_VALUE_TYPE (yielded) != type)
    {
      if (G_IS_VALUE (yielded))
        g_value_unset (yielded);
      g_value_init (yielded, type);
    }
  return yielded;
}

/* Each ends the body call in a yield of @item; FALSE when the call may not
 * (a critical was raised). */
G_ALWAYS_INLINE static inline gboolean
agen_generator_store_value (AgenGenerator *self,
                            const GValue  *item,
                            const char    *caller)
{
  GValue *yielded = agen_generator_prepare_yield (self, item != NULL ? G_VALUE_TYPE (item) : G_TYPE_POINTER, caller);

  if (yielded == NULL)
    return FALSE;
  if (item != NULL)
    g_value_copy (item, yielded);
  else
    g_value_set_pointer (yielded, NULL);
  return TRUE;
}

G_ALWAYS_INLINE static inline gboolean
agen_generator_store_int (AgenGenerator *self,
                          gint           item,
                          const char    *caller)
{
  GValue *yielded = agen_generator_prepare_yield (self, G_TYPE_INT, caller);

  if (yielded == NULL)
    return FALSE;
  /* prepare_yield made it a G_TYPE_INT: g_value_set_int() would only check
   * that again, at a tenth of the cost of a fast item. */
  yielded->data[0].v_int = item;
  return TRUE;
}

G_ALWAYS_INLINE static inline gboolean
agen_generator_store_string (AgenGenerator *self,
                             const char    *item,
                             const char    *caller)
{
  GValue *yielded = agen_generator_prepare_yield (self, G_TYPE_STRING, caller);

  if (yielded == NULL)
    return FALSE;
  g_value_set_string (yielded, item);
  return TRUE;
}


/* ---------------------------------------------------------------------- *
 * Ending a body call
 * ---------------------------------------------------------------------- */

static guint
agen_generator_begin_await (AgenGenerator *self,
                            const char    *caller)
{
  if (!agen_generator_end_call (self, AGEN_OUTCOME_AWAITING, caller))
    return 0;

  self->run->awaiting = TRUE;
  self->run->await_id = _agen_await_id_new ();
  return self->run->await_id;
}

/**
 * agen_generator_yield:
 * @self: an #AgenGenerator
 * @item: (nullable): the item, copied; %NULL yields a %G_TYPE_POINTER %NULL
 *   (Python's bare `yield`)
 *
 * Ends this body call in a yield: the operation that resumed the body
 * completes with @item, and the body is suspended until the next one.
 *
 * Since: 1.0
 */
void
agen_generator_yield (AgenGenerator *self,
                      const GValue  *item)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (item == NULL || G_IS_VALUE (item));

  agen_generator_store_value (self, item, G_STRFUNC);
}

/**
 * agen_generator_yield_int:
 * @self: an #AgenGenerator
 * @item: the item
 *
 * Yields a #gint, like agen_generator_yield().
 *
 * Since: 1.0
 */
void
agen_generator_yield_int (AgenGenerator *self,
                          gint           item)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  agen_generator_store_int (self, item, G_STRFUNC);
}

/**
 * agen_generator_yield_string:
 * @self: an #AgenGenerator
 * @item: (nullable): the string, copied
 *
 * Yields a string, like agen_generator_yield().
 *
 * Since: 1.0
 */
void
agen_generator_yield_string (AgenGenerator *self,
                             const char    *item)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  agen_generator_store_string (self, item, G_STRFUNC);
}

/* Not in the manual: the entry points of the yield macros (see
 * agen-macros.h), a yield and agen_generator_set_resume_point() in one call,
 * which saves a fifth of a fast item. */
void
_agen_generator_yield_at (AgenGenerator *self,
                          const GValue  *item,
                          guint          resume_point)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (item == NULL || G_IS_VALUE (item));

  if (agen_generator_store_value (self, item, G_STRFUNC))
    self->resume_point = resume_point;
}

void
_agen_generator_yield_int_at (AgenGenerator *self,
                              gint           item,
                              guint          resume_point)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  if (agen_generator_store_int (self, item, G_STRFUNC))
    self->resume_point = resume_point;
}

void
_agen_generator_yield_string_at (AgenGenerator *self,
                                 const char    *item,
                                 guint          resume_point)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  if (agen_generator_store_string (self, item, G_STRFUNC))
    self->resume_point = resume_point;
}

/*
 * _agen_generator_yield_swap:
 * @item: (inout): the item to yield; on return, what the yield slot held
 *   (an item of an earlier yield, or nothing)
 *
 * agen_generator_yield() for the combinators, which pass on items they did
 * not make (often read in place in a source's yield slot): @item and the
 * yield slot trade places instead of a copy, whose type checks take a third
 * of a combinator's item. The caller owns what @item holds on return.
 */
G_ALWAYS_INLINE static inline gboolean
agen_generator_swap_yielded (AgenGenerator *self,
                             GValue        *item,
                             const char    *caller)
{
  GValue previous;

  if (!agen_generator_end_call (self, AGEN_OUTCOME_YIELDED, caller))
    return FALSE;

  previous = self->run->yielded;
  self->run->yielded = *item;
  *item = previous;
  return TRUE;
}

void
_agen_generator_yield_swap (AgenGenerator *self,
                            GValue        *item)
{
  agen_generator_swap_yielded (self, item, G_STRFUNC);
}

void
_agen_generator_yield_swap_at (AgenGenerator *self,
                               GValue        *item,
                               guint          resume_point)
{
  if (agen_generator_swap_yielded (self, item, G_STRFUNC))
    self->resume_point = resume_point;
}

/*
 * _agen_generator_take_resumption:
 * @thrown: (out) (transfer full): the error thrown in, caught, or %NULL
 *
 * In a body call that continues at a catching resume point:
 * agen_generator_catch() and agen_generator_get_sent() in one call.
 *
 * Returns: (transfer none) (nullable): the value sent
 */
const GValue *
_agen_generator_take_resumption (AgenGenerator  *self,
                                 GError        **thrown)
{
  *thrown = NULL;
  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  *thrown = g_steal_pointer (&self->run->thrown);
  return self->run->sent;
}

/*
 * _agen_generator_set_next_ready:
 *
 * In a body call that is about to yield: until the body is called again,
 * the fast path of next asks @func for the item (see
 * agen-operation-private.h), so a body whose items are ready costs neither
 * its call nor its own yield per item. Not for a dispatch-body generator:
 * the function may run code the body would run (an asynchronous
 * producer's callback), which must not run inside the consumer's call.
 */
void
_agen_generator_set_next_ready (AgenGenerator     *self,
                                AgenNextReadyFunc  func,
                                gpointer           data)
{
  if (!agen_generator_check_in_body (self, G_STRFUNC) || self->dispatch_body)
    return;

  self->run->next_ready = func;
  self->run->next_ready_data = data;
}

/*
 * _agen_generator_drop_yielded:
 *
 * For a next-ready function that answers a span (@yielded %NULL) with an
 * item it holds: the item the body's yield left in the yield slot, which
 * the consumer has read, is dropped now rather than kept until the body
 * yields again or the operation ends.
 */
void
_agen_generator_drop_yielded (AgenGenerator *self)
{
  GValue *yielded = &self->run->yielded;

  if (G_IS_VALUE (yielded))
    g_value_unset (yielded);
}

/**
 * agen_generator_yield_object:
 * @self: an #AgenGenerator
 * @item: (type GObject) (nullable): the object; a reference is taken
 *
 * Yields a #GObject, like agen_generator_yield(); the item's type is the
 * object's type.
 *
 * Since: 1.0
 */
void
agen_generator_yield_object (AgenGenerator *self,
                             gpointer       item)
{
  GValue *yielded;

  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (item == NULL || G_IS_OBJECT (item));

  yielded = agen_generator_prepare_yield (self, item != NULL ? G_OBJECT_TYPE (item) : G_TYPE_OBJECT, G_STRFUNC);
  if (yielded != NULL)
    g_value_set_object (yielded, item);
}

/**
 * agen_generator_return:
 * @self: an #AgenGenerator
 *
 * Ends this body call by finishing the generator normally: Python's bare
 * `return`. The operation completes with %FALSE and no error (a close with
 * %TRUE), and every later next or send does the same.
 *
 * Since: 1.0
 */
void
agen_generator_return (AgenGenerator *self)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  agen_generator_end_call (self, AGEN_OUTCOME_RETURNED, G_STRFUNC);
}

/**
 * agen_generator_raise:
 * @self: an #AgenGenerator
 * @error: (transfer full): the error
 *
 * Ends this body call by finishing the generator with @error: the operation
 * fails with it. During a close, raising %AGEN_ERROR_EXIT is a clean finish.
 *
 * Since: 1.0
 */
void
agen_generator_raise (AgenGenerator *self,
                      GError        *error)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (error != NULL);

  if (!agen_generator_end_call (self, AGEN_OUTCOME_RAISED, G_STRFUNC))
    {
      g_error_free (error);
      return;
    }

  self->run->raised = error;
}

/**
 * agen_generator_await: (skip)
 * @self: an #AgenGenerator
 *
 * Ends this body call in an await: pass the returned pointer as the user
 * data of an `_async` call, with agen_generator_ready() as its callback. The
 * body is called again when the call completes, and
 * agen_generator_get_result() is then its #GAsyncResult.
 *
 * |[<!-- language="C" -->
 * g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT,
 *                                  agen_generator_get_cancellable (self),
 *                                  agen_generator_ready,
 *                                  agen_generator_await (self));
 * return;
 * ]|
 *
 * A cancellation of the current operation ends the await at once, whether or
 * not the awaited call honours its cancellable: the body is called again
 * with %G_IO_ERROR_CANCELLED to catch and a %NULL result, and the late
 * completion is discarded. Bindings use agen_generator_suspend().
 *
 * Returns: (transfer full): the user data for agen_generator_ready()
 *
 * Since: 1.0
 */
gpointer
agen_generator_await (AgenGenerator *self)
{
  guint await_id;

  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  await_id = agen_generator_begin_await (self, G_STRFUNC);
  if (await_id == 0)
    return NULL;

  return _agen_await_token_new (self, await_id);
}

/**
 * agen_generator_ready: (skip)
 * @source_object: (nullable): the source object of the awaited call
 * @result: its result
 * @user_data: what agen_generator_await() returned
 *
 * The #GAsyncReadyCallback to give, with the pointer agen_generator_await()
 * returned, to the call a body awaits. It resumes the body.
 *
 * Since: 1.0
 */
void
agen_generator_ready (GObject      *source_object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  gpointer token = user_data;

  g_return_if_fail (token != NULL);

  _agen_await_token_resume (token, result);
}

/**
 * agen_generator_suspend:
 * @self: an #AgenGenerator
 *
 * Ends this body call in an await that agen_generator_resume() ends: the
 * bindable form of agen_generator_await(). In Python:
 *
 * |[<!-- language="Python" -->
 * await_id = gen.suspend()
 * file.load_contents_async(gen.get_cancellable(),
 *                          lambda f, res: gen.resume(await_id, res))
 * ]|
 *
 * Returns: the id to give to agen_generator_resume(), never 0
 *
 * Since: 1.0
 */
guint
agen_generator_suspend (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), 0);

  return agen_generator_begin_await (self, G_STRFUNC);
}

/**
 * agen_generator_resume:
 * @self: an #AgenGenerator
 * @await_id: what agen_generator_suspend() returned
 * @result: (nullable): the result of the awaited operation, for
 *   agen_generator_get_result()
 *
 * Ends the await @await_id and calls the body again, in the generator's
 * main context: it may be called from any thread, and outside a dispatch
 * of that context the body runs at the context's next dispatch. An await
 * that already ended (it was cancelled, or the body finished) ignores this:
 * its id is stale.
 *
 * Since: 1.0
 */
void
agen_generator_resume (AgenGenerator *self,
                       guint          await_id,
                       GAsyncResult  *result)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (result == NULL || G_IS_ASYNC_RESULT (result));

  _agen_generator_resume_await (self, await_id, result);
}

/**
 * agen_generator_resume_yield:
 * @self: an #AgenGenerator
 * @await_id: what agen_generator_suspend() returned
 * @item: (nullable): the item, copied; %NULL yields a %G_TYPE_POINTER %NULL
 *
 * Ends the await @await_id as agen_generator_resume() would if the body,
 * called again, yielded @item at once, without calling the body: for a
 * body driven from outside, such as a binding's that forwards each
 * operation to an iterator of its language, where calling into the
 * binding costs more than the item. The operation that resumed the body
 * completes with @item, in this call.
 *
 * If the consumer asks for the next item inside this call (nothing sent,
 * nothing thrown in; a consumer that takes each item in its callback, as
 * agen_generator_foreach_async() does, asks there), the body is not called
 * for it either: it is left suspended at a new await, as a body that calls
 * agen_generator_suspend() at once for a plain next would be, and this
 * returns that await's id, which the caller now owns. Only a body that
 * does exactly that for a plain next may use this function. Any other
 * resumption calls the body as usual.
 *
 * The body has passed its await when this is called: a cancellation of
 * the consumer's operation that has not reached the body yet does not
 * drop @item, and reaches the body at its next await. An await that
 * already ended (a cancellation reached it, or the body finished) ignores
 * this, as it ignores agen_generator_resume(), and @item is dropped.
 *
 * Call it from the generator's main context, outside a body call of @self.
 *
 * Returns: the id of the await the body was left suspended at, to give to
 *   agen_generator_resume_yield() or agen_generator_resume(), or 0 when
 *   no next was asked for in this call (or the await had ended)
 *
 * Since: 1.0
 */
guint
agen_generator_resume_yield (AgenGenerator *self,
                             guint          await_id,
                             const GValue  *item)
{
  AgenReply refusal = AGEN_REPLY_INIT;
  guint next_await_id;

  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), 0);
  g_return_val_if_fail (item == NULL || G_IS_VALUE (item), 0);

  if (!_agen_generator_acquire_context (self, &refusal))
    {
      g_critical ("%s: %s", G_STRFUNC, refusal.error->message);
      g_clear_error (&refusal.error);
      return 0;
    }

  next_await_id = _agen_generator_resume_yield (self, await_id, item);
  g_main_context_release (self->context);
  return next_await_id;
}

/**
 * agen_generator_get_result:
 * @self: an #AgenGenerator
 *
 * In the body call after an await: the awaited operation's result, to give
 * to its `_finish` function.
 *
 * Returns: (transfer none) (nullable): the result, or %NULL when the await
 *   was ended by a cancellation (then agen_generator_catch() gives
 *   %G_IO_ERROR_CANCELLED) or this call does not follow an await
 *
 * Since: 1.0
 */
GAsyncResult *
agen_generator_get_result (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  return self->run->result;
}

/**
 * agen_generator_get_sent:
 * @self: an #AgenGenerator
 *
 * In a body call: the value given to agen_generator_send_async() for this
 * resumption.
 *
 * Returns: (transfer none) (nullable): the sent value, or %NULL after a next,
 *   at the first run, and after an await
 *
 * Since: 1.0
 */
const GValue *
agen_generator_get_sent (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  return self->run->sent;
}

/**
 * agen_generator_catch: (skip)
 * @self: an #AgenGenerator
 * @error: return location for the caught error, or %NULL to discard it
 *
 * In a body call: takes the error thrown in at this resumption, by
 * agen_generator_throw_async(), by agen_generator_close_async()
 * (%AGEN_ERROR_EXIT) or by a cancellation (%G_IO_ERROR_CANCELLED). An error
 * the body does not catch finishes the generator when the call returns.
 * Bindings use agen_generator_catch_error().
 *
 * Returns: %TRUE when an error was thrown in (and is now in @error)
 *
 * Since: 1.0
 */
gboolean
agen_generator_catch (AgenGenerator  *self,
                      GError        **error)
{
  GError *thrown;

  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  thrown = agen_generator_catch_error (self);
  if (thrown == NULL)
    return FALSE;

  g_propagate_error (error, thrown);
  return TRUE;
}

/**
 * agen_generator_catch_error:
 * @self: an #AgenGenerator
 *
 * In a body call: takes the error thrown in at this resumption, as
 * agen_generator_catch() does.
 *
 * Returns: (transfer full) (nullable): the thrown error, or %NULL when there
 *   is none
 *
 * Since: 1.0
 */
GError *
agen_generator_catch_error (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  return g_steal_pointer (&self->run->thrown);
}

/**
 * agen_generator_peek_error:
 * @self: an #AgenGenerator
 *
 * In a body call: the error thrown in at this resumption that the body has
 * not caught yet, without taking it. A body that returns while there is one
 * finishes the generator with it.
 *
 * Returns: (transfer none) (nullable): the pending thrown error, or %NULL
 *
 * Since: 1.0
 */
const GError *
agen_generator_peek_error (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  return self->run->thrown;
}

/**
 * agen_generator_get_cancellable:
 * @self: an #AgenGenerator
 *
 * In a body call: the cancellable to give to the operations the body
 * awaits. It is cancelled when a cancellation of the current operation is
 * delivered to the body, and when the body gives up an await; after that a
 * fresh one is handed out, so cleanup can still await.
 *
 * Returns: (transfer none): a #GCancellable
 *
 * Since: 1.0
 */
GCancellable *
agen_generator_get_cancellable (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  if (self->run->body_cancellable == NULL)
    self->run->body_cancellable = g_cancellable_new ();
  return self->run->body_cancellable;
}

/**
 * agen_generator_defer:
 * @self: an #AgenGenerator
 * @func: (scope async) (closure data): what to call
 * @data: (nullable): data for @func
 *
 * In a body call: arranges for `func (data)` to run when the body finishes,
 * however it finishes, before the callback of the operation during which it
 * finished; deferred calls run last in, first out. A generator finalised
 * before its body finished runs them then.
 *
 * Each call adds one more: call it once per resource, where the resource is
 * made (with the macros: after AGEN_BEGIN(), since code before it runs at
 * every call).
 *
 * Since: 1.0
 */
void
agen_generator_defer (AgenGenerator  *self,
                      GDestroyNotify  func,
                      gpointer        data)
{
  AgenDeferred deferred = { func, data };

  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (func != NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return;

  if (self->deferred == NULL)
    self->deferred = g_array_new (FALSE, FALSE, sizeof (AgenDeferred));
  g_array_append_val (self->deferred, deferred);
}

/**
 * agen_generator_get_resume_point:
 * @self: an #AgenGenerator
 *
 * In a body call: the number the body stored with
 * agen_generator_set_resume_point(), to know where to continue.
 *
 * Returns: the resume point; 0 before the first call
 *
 * Since: 1.0
 */
guint
agen_generator_get_resume_point (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), 0);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return 0;
  return self->resume_point;
}

/* Not in the manual: AGEN_BEGIN()'s entry point (see agen-macros.h). An
 * error thrown in at an even resume point, a non-catching macro's, is
 * uncaught: the body returns at once and the error finishes the generator. */
guint
_agen_generator_enter (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), _AGEN_RESUME_UNCAUGHT);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return _AGEN_RESUME_UNCAUGHT;
  if (G_UNLIKELY (self->run->thrown != NULL) && self->resume_point != 0 &&
      !_AGEN_RESUME_POINT_CATCHES (self->resume_point))
    return _AGEN_RESUME_UNCAUGHT;
  return self->resume_point;
}

/**
 * agen_generator_set_resume_point:
 * @self: an #AgenGenerator
 * @resume_point: where the body continues at its next call
 *
 * In a body call: stores a number the body reads back at its next call with
 * agen_generator_get_resume_point(). The macros of agen-macros.h use it.
 *
 * Since: 1.0
 */
void
agen_generator_set_resume_point (AgenGenerator *self,
                                 guint          resume_point)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return;
  self->resume_point = resume_point;
}

