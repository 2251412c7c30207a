/* agen-emitter.c: producers written as async functions or threads
 *
 * A producer that is an ordinary asynchronous function (or a function
 * running in a thread of its own) emits items to an #AgenEmitter; the
 * generator's body is a straight-line body of this file that starts the
 * producer, waits for what it emits and yields it, and hands what the next
 * operation brings (a sent value, an error thrown in, the exit of a close)
 * back to the emit that waits for it. So every rule of the engine (the
 * PEP 525 table, a yield during a close, cancellation at an await) holds
 * for these producers as for any body.
 *
 * This file is the object, the asynchronous producers and the body; the
 * producer threads are in agen-emitter-thread.c, and what the two share
 * in agen-emitter-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-emitter-private.h"
#include "agen-error.h"
#include "agen-macros.h"
#include "agen-operation-private.h"

/**
 * SECTION:agen-emitter
 * @title: AgenEmitter
 * @short_description: producers written as async functions or threads
 *
 * An #AgenEmitter is what a producer emits its items to when it is not a
 * body of the library's own (see the chapter "Writing producers"):
 *
 * - an asynchronous function in the GIO style (an `_async`/`_finish`
 *   pair given to agen_generator_new_async(), or a Vala `async` method
 *   overriding #AgenProducer's), awaiting agen_emitter_emit_async() for
 *   each item;
 * - a function running in a thread of its own
 *   (agen_generator_new_threaded()), calling the blocking
 *   agen_emitter_emit().
 *
 * An emit completes when the consumer asks for the next item, with the
 * value it sent (Python's `asend()`), or fails with the error it threw in
 * (`athrow()`), or %AGEN_ERROR_EXIT when it closes the generator
 * (`GeneratorExit`). A cancellation of the consumer's operation reaches
 * the producer through its cancellable, where it awaits or blocks between
 * two emits, once. The producer's cleanup runs where it emitted; a producer
 * that emits again after %AGEN_ERROR_EXIT makes the close fail with
 * %AGEN_ERROR_IGNORED_EXIT, as CPython's "async generator ignored
 * GeneratorExit".
 */

enum
{
  PROP_0,
  PROP_BUFFER_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The references the library drops, in whichever thread: what a thread
 * did before dropping its reference comes before the finalisation, which
 * GObject orders with an atomic count ThreadSanitizer does not see. */
void
_agen_emitter_unref (gpointer data)
{
  __tsan_release (data);
  g_object_unref (data);
}

static void agen_emitter_async_result_iface_init (GAsyncResultIface *iface);

/* AGEN_IS_EMITTER() costs an emit a call to agen_emitter_get_type() and
 * its once-guard; the type is final, so comparing the instance's type with
 * the one class_init recorded is the whole check (as
 * AGEN_IS_GENERATOR_FINAL()). */
static GType agen_emitter_final_type;
#define AGEN_IS_EMITTER_FINAL(obj) ((obj) != NULL && G_TYPE_FROM_INSTANCE (obj) == agen_emitter_final_type)

G_DEFINE_FINAL_TYPE_WITH_CODE (AgenEmitter, agen_emitter, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                      agen_emitter_async_result_iface_init))

/* The emitter is the GAsyncResult of its async emits: a GTask per item
 * would cost an allocation and, returned in the main-loop iteration it was
 * made in (every item of a loop that never waits), a round trip through
 * an idle source, a hundred times the cost of a yield. The reply is
 * delivered from the consumer's next operation, never from within
 * agen_emitter_emit_async(), as GIO requires. */
static gpointer
agen_emitter_result_get_user_data (GAsyncResult *result)
{
  return AGEN_EMITTER (result)->emit_user_data;
}

static GObject *
agen_emitter_result_get_source_object (GAsyncResult *result)
{
  return g_object_ref (G_OBJECT (result));
}

static gboolean
agen_emitter_result_is_tagged (GAsyncResult *result,
                               gpointer      source_tag)
{
  return AGEN_EMITTER (result)->emit_tag == source_tag;
}

static void
agen_emitter_async_result_iface_init (GAsyncResultIface *iface)
{
  iface->get_user_data = agen_emitter_result_get_user_data;
  iface->get_source_object = agen_emitter_result_get_source_object;
  iface->is_tagged = agen_emitter_result_is_tagged;
}

/* Drops every item not yet yielded; under the lock, in the body's thread. */
static void
agen_emitter_clear_items_locked (AgenEmitter *self)
{
  if (self->has_emitted)
    {
      self->has_emitted = FALSE;
      g_value_unset (&self->emitted);
    }
  _agen_emitter_thread_clear_locked (self);
}

static void
agen_emitter_finalize (GObject *object)
{
  AgenEmitter *self = AGEN_EMITTER (object);

  __tsan_acquire (self);
  g_assert (self->generator == NULL);

  g_clear_object (&self->cancellable);
  agen_emitter_clear_items_locked (self);
  g_free (self->items.values);        /* a producer thread's */
  g_free (self->taken.values);
  if (G_IS_VALUE (&self->emitted))
    g_value_unset (&self->emitted);
  if (G_IS_VALUE (&self->reply_sent))
    g_value_unset (&self->reply_sent);
  if (G_IS_VALUE (&self->current))
    g_value_unset (&self->current);
  g_clear_error (&self->reply_error);
  g_clear_error (&self->thrown);
  g_clear_error (&self->producer_error);
  g_clear_object (&self->produce_result);
  if (self->user_data_destroy != NULL)
    self->user_data_destroy (self->user_data);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->changed);

  G_OBJECT_CLASS (agen_emitter_parent_class)->finalize (object);
}

static void
agen_emitter_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  AgenEmitter *self = AGEN_EMITTER (object);

  switch (prop_id)
    {
    case PROP_BUFFER_SIZE:
      g_value_set_uint (value, agen_emitter_get_buffer_size (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_emitter_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  AgenEmitter *self = AGEN_EMITTER (object);

  switch (prop_id)
    {
    case PROP_BUFFER_SIZE:
      agen_emitter_set_buffer_size (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_emitter_class_init (AgenEmitterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  agen_emitter_final_type = G_TYPE_FROM_CLASS (klass);
  object_class->finalize = agen_emitter_finalize;
  object_class->get_property = agen_emitter_get_property;
  object_class->set_property = agen_emitter_set_property;

  /**
   * AgenEmitter:buffer-size:
   *
   * How many items a producer thread may emit ahead of the consumer: its
   * agen_emitter_emit() returns at once, without a sent value, while at
   * most this many items wait; the emit that makes them one more waits
   * until the consumer has taken half of them. With 0, the default, each emit waits for
   * the consumer's next operation and gives the value sent with it.
   * Asynchronous producers have no buffer: each emit waits.
   *
   * Since: 1.0
   */
  properties[PROP_BUFFER_SIZE] =
    g_param_spec_uint ("buffer-size", "Buffer size", "How many items a producer thread may emit ahead",
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
agen_emitter_init (AgenEmitter *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->changed);
  self->cancellable = g_cancellable_new ();
}

/* ---------------------------------------------------------------------- *
 * Waking the body
 * ---------------------------------------------------------------------- */

/* Under the lock: if the body waits for the producer, ends its await.
 *
 * A producer thread does it here, under the lock: from a thread that does
 * not own the generator's context, agen_generator_resume() only schedules
 * the body there, and while the body awaits (it clears its await under the
 * lock when it continues) an operation holds the generator. Taking a
 * reference instead would let the producer thread drop the last one, and
 * dispose of the generator outside its context.
 *
 * An async producer runs in the generator's context, where
 * agen_generator_resume() may run the body at once: the caller ends the
 * await with agen_wake() once its own state is in place, holding a
 * reference, as the operation holding the generator may end in that call. */
AgenWake
_agen_emitter_take_wake_locked (AgenEmitter *self)
{
  AgenWake wake = { NULL, 0 };

  if (self->await_id == 0 || self->generator == NULL)
    return wake;

  if (self->thread_func != NULL)
    agen_generator_resume (self->generator, self->await_id, NULL);
  else
    {
      wake.generator = g_object_ref (self->generator);
      wake.await_id = self->await_id;
    }
  self->await_id = 0;
  return wake;
}

static void
agen_wake (AgenWake wake)
{
  if (wake.generator == NULL)
    return;

  agen_generator_resume (wake.generator, wake.await_id, NULL);
  g_object_unref (wake.generator);
}

/* ---------------------------------------------------------------------- *
 * The producer's side: emitting
 * ---------------------------------------------------------------------- */

/* Under the lock: whether the emit fails at once, with what the producer
 * must hear first. */
gboolean
_agen_emitter_refuse_emit_locked (AgenEmitter  *self,
                                  const char   *caller,
                                  GError      **error)
{
  if (G_UNLIKELY (self->emit_waiting || (self->thread_func != NULL && self->replied)))
    {
      g_critical ("%s: an emit is already pending; await it before emitting again", caller);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                           "An emit is already pending on this emitter");
    }
  else if (G_UNLIKELY (self->thrown != NULL))
    g_propagate_error (error, g_steal_pointer (&self->thrown));
  else if (G_UNLIKELY (self->producer_done || self->generator == NULL))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                         "The producer has finished: nothing more can be emitted");
  else
    return FALSE;
  return TRUE;
}

/* A cancellation is delivered once: the producer's next emit, in its own
 * thread and outside any other operation of its, makes its cancellable
 * usable again, whether or not it looked at it. The cancellable itself
 * tells, not cancellation_delivered: a producer thread may emit after the
 * body cancelled it and before the body set the flag, and its reset then
 * waits for the cancellation's handlers to have run. */
void
_agen_emitter_reset_cancellation (AgenEmitter *self)
{
  g_atomic_int_set (&self->cancellation_delivered, FALSE);
  if (g_cancellable_is_cancelled (self->cancellable))
    g_cancellable_reset (self->cancellable);
}

/* G_VALUE_TYPE() rather than G_IS_VALUE(), and no g_clear_error() call
 * when there is none: this is on the path of every item. */
static void
agen_emitter_clear_reply_locked (AgenEmitter *self)
{
  self->replied = FALSE;
  if (G_VALUE_TYPE (&self->reply_sent) != 0)
    g_value_unset (&self->reply_sent);
  if (self->reply_error != NULL)
    g_clear_error (&self->reply_error);
}

/* Whether an asynchronous producer's emit fails at once: then its
 * callback is called from an idle, as GIO reports an error. */
static gboolean
agen_emitter_refuse_emit_async (AgenEmitter         *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data,
                                gpointer             source_tag,
                                const char          *caller)
{
  GError *error = NULL;

  if (self->thread_func != NULL)
    {
      g_critical ("%s: a producer thread blocks in agen_emitter_emit(); only an asynchronous "
                  "producer (agen_generator_new_async()) awaits an emit", caller);
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                   "An asynchronous emit needs an asynchronous producer");
    }
  else
    {
      _agen_emitter_reset_cancellation (self);
      if (!g_cancellable_set_error_if_cancelled (cancellable, &error))
        _agen_emitter_refuse_emit_locked (self, caller, &error);
    }
  if (error == NULL)
    return FALSE;

  g_task_report_error (self, callback, user_data, source_tag, error);
  return TRUE;
}

/* Whether an asynchronous producer's emit of an item of @type is the
 * usual one, in the callback of its last emit after a next: nothing to
 * check a cancellable for, refuse, reset or wake, no reply left to drop
 * (only agen_emitter_reply() leaves one, and it sets replied), and the
 * slot holds a @type already (the item yielded before: see
 * agen_emitter_begin_emit_async()). The emit is then a few stores and no
 * call, and each emit function takes this way before its checks, which
 * this one covers: @self is an emitter, @cancellable %NULL or the
 * producer's own, not cancelled (the one a producer usually passes on, as
 * the manual's example does), and the slot holding a @type tells that it
 * is an asynchronous producer's (a producer thread's emitter never
 * initialises it). */
G_ALWAYS_INLINE static inline gboolean
agen_emitter_emit_is_usual (AgenEmitter  *self,
                            GCancellable *cancellable,
                            GType         type)
{
  return AGEN_IS_EMITTER_FINAL (self) &&
         (cancellable == NULL ||
          (cancellable == self->cancellable && !g_cancellable_is_cancelled (cancellable))) &&
         !self->emit_waiting && self->thrown == NULL && !self->producer_done &&
         self->generator != NULL && !g_atomic_int_get (&self->cancellation_delivered) &&
         self->await_id == 0 && G_VALUE_TYPE (&self->emitted) == type && !self->replied;
}

/* Ends the usual emit, its item in place: the body takes it when the
 * callback returns. */
G_ALWAYS_INLINE static inline void
agen_emitter_end_usual_emit (AgenEmitter         *self,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data,
                             gpointer             source_tag)
{
  self->has_emitted = TRUE;
  self->emit_waiting = TRUE;
  self->emit_callback = callback;
  self->emit_user_data = user_data;
  self->emit_tag = source_tag;
}

/* Starts an asynchronous producer's emit: returns the slot its item goes
 * in, holding a @type, or NULL when the emit failed at once. The body
 * yields from that slot by trading places with the generator's yield slot,
 * so it holds the item yielded before, which the consumer is done with: an
 * item of the same type reuses it, as a yield does (agen-producer.c), and
 * costs no GValue set up and torn down. Inlined, with its end, into each
 * emit: they are on the path of every item. */
G_ALWAYS_INLINE static inline GValue *
agen_emitter_begin_emit_async (AgenEmitter         *self,
                               GType                type,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data,
                               gpointer             source_tag,
                               const char          *caller)
{
  /* Anything unusual (a thread's emitter, a cancellation to reset or
   * report, an emit the producer may not make) takes the slow path. */
  if (G_UNLIKELY (self->thread_func != NULL || self->emit_waiting || self->thrown != NULL ||
                  self->producer_done || self->generator == NULL ||
                  g_atomic_int_get (&self->cancellation_delivered) ||
                  (cancellable != NULL && g_cancellable_is_cancelled (cancellable))) &&
      agen_emitter_refuse_emit_async (self, cancellable, callback, user_data, source_tag, caller))
    return NULL;

  if (G_UNLIKELY (G_VALUE_TYPE (&self->emitted) != type))
    {
      if (G_VALUE_TYPE (&self->emitted) != 0)
        g_value_unset (&self->emitted);
      g_value_init (&self->emitted, type);
    }
  return &self->emitted;
}

/* Ends the emit agen_emitter_begin_emit_async() began, its item in place:
 * the body takes it at once when it runs (the producer usually emits
 * within the reply to its last emit), or is woken. */
G_ALWAYS_INLINE static inline void
agen_emitter_end_emit_async (AgenEmitter         *self,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data,
                             gpointer             source_tag)
{
  /* A reply the producer never finished is dropped. */
  agen_emitter_clear_reply_locked (self);
  agen_emitter_end_usual_emit (self, callback, user_data, source_tag);
  if (G_UNLIKELY (self->await_id != 0))
    agen_wake (_agen_emitter_take_wake_locked (self));
}

/**
 * agen_emitter_emit_async:
 * @self: an #AgenEmitter
 * @item: (nullable): the item, copied; %NULL emits a %G_TYPE_POINTER %NULL
 *   (Python's bare `yield`)
 * @cancellable: (nullable): checked when the emit starts
 * @callback: (scope async): called when the consumer asks for the next item
 * @user_data: the data for @callback
 *
 * Emits @item from an asynchronous producer: the consumer's operation
 * completes with it, and the emit completes when the consumer asks for the
 * next item (or closes the generator). One emit at a time: emitting while
 * one is pending is a programmer error. Call it in the generator's main
 * context, where the producer's callbacks run, never from another thread;
 * a producer thread calls agen_emitter_emit().
 *
 * Since: 1.0
 */
void
agen_emitter_emit_async (AgenEmitter         *self,
                         const GValue        *item,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GValue *slot;

  /* An item of the slot's type is an initialised value. */
  if (G_LIKELY (item != NULL && G_VALUE_TYPE (item) != 0 &&
                agen_emitter_emit_is_usual (self, cancellable, G_VALUE_TYPE (item))))
    {
      g_value_copy (item, &self->emitted);
      agen_emitter_end_usual_emit (self, callback, user_data, agen_emitter_emit_async);
      return;
    }

  g_return_if_fail (AGEN_IS_EMITTER_FINAL (self));
  g_return_if_fail (item == NULL || G_IS_VALUE (item));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  slot = agen_emitter_begin_emit_async (self, item != NULL ? G_VALUE_TYPE (item) : G_TYPE_POINTER,
                                        cancellable, callback, user_data, agen_emitter_emit_async, G_STRFUNC);
  if (slot == NULL)
    return;
  if (item != NULL)
    g_value_copy (item, slot);
  else
    g_value_set_pointer (slot, NULL);   /* a bare yield: Python's None */
  agen_emitter_end_emit_async (self, callback, user_data, agen_emitter_emit_async);
}

/* Every _finish of an emit but the usual one (see
 * agen_emitter_finish_usual_emit()). */
G_NO_INLINE static gboolean
agen_emitter_finish_emit (AgenEmitter   *self,
                          GAsyncResult  *result,
                          GValue        *sent,
                          GError       **error)
{
  GError *local_error;
  GValue reply_sent = G_VALUE_INIT;

  /* The emitter is the result of every emit that waited. */
  if (G_UNLIKELY (self == NULL || (gpointer) result != (gpointer) self))
    {
      g_return_val_if_fail (AGEN_IS_EMITTER_FINAL (self), FALSE);
      g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
    }
  g_return_val_if_fail (sent == NULL || G_VALUE_TYPE (sent) == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (G_UNLIKELY ((gpointer) result != (gpointer) self))
    {
      local_error = NULL;
      g_task_propagate_boolean (G_TASK (result), &local_error);   /* refused at once */
    }
  else
    {
      /* Only an asynchronous producer's emit completes with the emitter:
       * no lock. */
      reply_sent = self->reply_sent;
      self->reply_sent = (GValue) G_VALUE_INIT;
      local_error = g_steal_pointer (&self->reply_error);
      self->replied = FALSE;
    }

  /* Initialised also on error: bindings read it anyway. */
  if (sent != NULL)
    {
      if (G_VALUE_TYPE (&reply_sent) != 0)
        *sent = reply_sent;
      else
        g_value_init (sent, G_TYPE_POINTER);
    }
  else if (G_VALUE_TYPE (&reply_sent) != 0)
    g_value_unset (&reply_sent);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* A _finish that drops the value sent, inlined into each: the usual emit
 * completed after a next, with the emitter as its result (checked by
 * address) and no reply to take (nothing sent, nothing thrown in: see
 * agen_emitter_emit_is_usual()). */
G_ALWAYS_INLINE static inline gboolean
agen_emitter_finish_usual_emit (AgenEmitter   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  if (G_LIKELY (self != NULL && (gpointer) result == (gpointer) self && !self->replied &&
                (error == NULL || *error == NULL)))
    return TRUE;
  return agen_emitter_finish_emit (self, result, NULL, error);
}

/**
 * agen_emitter_emit_finish:
 * @self: an #AgenEmitter
 * @result: the #GAsyncResult given to the callback
 * @sent: (out caller-allocates) (optional): an unset #GValue that receives
 *   the value the consumer sent with agen_generator_send_async(), or a
 *   %G_TYPE_POINTER %NULL after a next
 * @error: return location for the error thrown in
 *
 * Ends an emit: the consumer asked for the next item. It fails with the
 * error the consumer threw in with agen_generator_throw_async(), with
 * %AGEN_ERROR_EXIT when it closed the generator (the producer should clean
 * up and return), with %G_IO_ERROR_CANCELLED when @cancellable was
 * cancelled at the start, and with %G_IO_ERROR_CLOSED after the producer
 * finished.
 *
 * Returns: %TRUE when the consumer asked for the next item
 *
 * Since: 1.0
 */
gboolean
agen_emitter_emit_finish (AgenEmitter   *self,
                          GAsyncResult  *result,
                          GValue        *sent,
                          GError       **error)
{
  if (sent == NULL)
    return agen_emitter_finish_usual_emit (self, result, error);
  return agen_emitter_finish_emit (self, result, sent, error);
}

/* agen_emitter_emit_int_async() but the usual way, with its checks, out
 * of line: the usual way then saves no registers. The criticals name the
 * public function, as g_return_if_fail() there would. */
G_NO_INLINE static void
agen_emitter_emit_int_async_unusual (AgenEmitter         *self,
                                     gint                 item,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  const char *caller = "agen_emitter_emit_int_async";
  GValue *slot;

  if (G_UNLIKELY (!AGEN_IS_EMITTER_FINAL (self)))
    {
      g_return_if_fail_warning (G_LOG_DOMAIN, caller, "AGEN_IS_EMITTER_FINAL (self)");
      return;
    }
  if (G_UNLIKELY (cancellable != NULL && !G_IS_CANCELLABLE (cancellable)))
    {
      g_return_if_fail_warning (G_LOG_DOMAIN, caller, "cancellable == NULL || G_IS_CANCELLABLE (cancellable)");
      return;
    }

  slot = agen_emitter_begin_emit_async (self, G_TYPE_INT, cancellable, callback, user_data,
                                        agen_emitter_emit_int_async, caller);
  if (slot == NULL)
    return;
  slot->data[0].v_int = item;
  agen_emitter_end_emit_async (self, callback, user_data, agen_emitter_emit_int_async);
}

/**
 * agen_emitter_emit_int_async:
 * @self: an #AgenEmitter
 * @item: the item
 * @cancellable: (nullable): checked when the emit starts
 * @callback: (scope async): called when the consumer asks for the next item
 * @user_data: the data for @callback
 *
 * Emits a #gint, like agen_emitter_emit_async().
 *
 * Since: 1.0
 */
void
agen_emitter_emit_int_async (AgenEmitter         *self,
                             gint                 item,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  /* The slot holds a G_TYPE_INT: g_value_set_int() would check it again. */
  if (G_LIKELY (agen_emitter_emit_is_usual (self, cancellable, G_TYPE_INT)))
    {
      self->emitted.data[0].v_int = item;
      agen_emitter_end_usual_emit (self, callback, user_data, agen_emitter_emit_int_async);
      return;
    }

  agen_emitter_emit_int_async_unusual (self, item, cancellable, callback, user_data);
}

/**
 * agen_emitter_emit_int_finish:
 * @self: an #AgenEmitter
 * @result: the #GAsyncResult given to the callback
 * @error: return location for the error thrown in
 *
 * Ends agen_emitter_emit_int_async(), as agen_emitter_emit_finish() does,
 * dropping the value sent.
 *
 * Returns: %TRUE when the consumer asked for the next item
 *
 * Since: 1.0
 */
gboolean
agen_emitter_emit_int_finish (AgenEmitter   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return agen_emitter_finish_usual_emit (self, result, error);
}

/**
 * agen_emitter_emit_string_async:
 * @self: an #AgenEmitter
 * @item: (nullable): the string, copied
 * @cancellable: (nullable): checked when the emit starts
 * @callback: (scope async): called when the consumer asks for the next item
 * @user_data: the data for @callback
 *
 * Emits a string, like agen_emitter_emit_async().
 *
 * Since: 1.0
 */
void
agen_emitter_emit_string_async (AgenEmitter         *self,
                                const char          *item,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GValue *slot;

  if (G_LIKELY (agen_emitter_emit_is_usual (self, cancellable, G_TYPE_STRING)))
    {
      g_value_set_string (&self->emitted, item);
      agen_emitter_end_usual_emit (self, callback, user_data, agen_emitter_emit_string_async);
      return;
    }

  g_return_if_fail (AGEN_IS_EMITTER_FINAL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  slot = agen_emitter_begin_emit_async (self, G_TYPE_STRING, cancellable, callback, user_data,
                                        agen_emitter_emit_string_async, G_STRFUNC);
  if (slot == NULL)
    return;
  g_value_set_string (slot, item);
  agen_emitter_end_emit_async (self, callback, user_data, agen_emitter_emit_string_async);
}

/**
 * agen_emitter_emit_string_finish:
 * @self: an #AgenEmitter
 * @result: the #GAsyncResult given to the callback
 * @error: return location for the error thrown in
 *
 * Ends agen_emitter_emit_string_async(), as agen_emitter_emit_finish()
 * does, dropping the value sent.
 *
 * Returns: %TRUE when the consumer asked for the next item
 *
 * Since: 1.0
 */
gboolean
agen_emitter_emit_string_finish (AgenEmitter   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return agen_emitter_finish_usual_emit (self, result, error);
}

/**
 * agen_emitter_emit_object_async:
 * @self: an #AgenEmitter
 * @item: (type GObject) (nullable): the object; a reference is taken
 * @cancellable: (nullable): checked when the emit starts
 * @callback: (scope async): called when the consumer asks for the next item
 * @user_data: the data for @callback
 *
 * Emits a #GObject, like agen_emitter_emit_async(); the item's type is the
 * object's type.
 *
 * Since: 1.0
 */
void
agen_emitter_emit_object_async (AgenEmitter         *self,
                                gpointer             item,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GValue *slot;

  /* An instance of the slot's type is an object: G_IS_OBJECT() would call
   * into GType to tell. */
  if (G_LIKELY (item != NULL && ((GTypeInstance *) item)->g_class != NULL &&
                agen_emitter_emit_is_usual (self, cancellable, G_OBJECT_TYPE (item))))
    {
      g_value_set_object (&self->emitted, item);
      agen_emitter_end_usual_emit (self, callback, user_data, agen_emitter_emit_object_async);
      return;
    }

  g_return_if_fail (AGEN_IS_EMITTER_FINAL (self));
  g_return_if_fail (item == NULL || G_IS_OBJECT (item));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  slot = agen_emitter_begin_emit_async (self, item != NULL ? G_OBJECT_TYPE (item) : G_TYPE_OBJECT,
                                        cancellable, callback, user_data, agen_emitter_emit_object_async,
                                        G_STRFUNC);
  if (slot == NULL)
    return;
  g_value_set_object (slot, item);
  agen_emitter_end_emit_async (self, callback, user_data, agen_emitter_emit_object_async);
}

/**
 * agen_emitter_emit_object_finish:
 * @self: an #AgenEmitter
 * @result: the #GAsyncResult given to the callback
 * @error: return location for the error thrown in
 *
 * Ends agen_emitter_emit_object_async(), as agen_emitter_emit_finish()
 * does, dropping the value sent.
 *
 * Returns: %TRUE when the consumer asked for the next item
 *
 * Since: 1.0
 */
gboolean
agen_emitter_emit_object_finish (AgenEmitter   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return agen_emitter_finish_usual_emit (self, result, error);
}

/**
 * agen_emitter_get_buffer_size:
 * @self: an #AgenEmitter
 *
 * Gets the #AgenEmitter:buffer-size.
 *
 * Returns: how many items a producer thread may emit ahead
 *
 * Since: 1.0
 */
guint
agen_emitter_get_buffer_size (AgenEmitter *self)
{
  guint buffer_size;

  g_return_val_if_fail (AGEN_IS_EMITTER (self), 0);

  agen_emitter_lock (self);
  buffer_size = self->buffer_size;
  agen_emitter_unlock (self);
  return buffer_size;
}

/**
 * agen_emitter_set_buffer_size:
 * @self: an #AgenEmitter
 * @buffer_size: how many items a producer thread may emit ahead
 *
 * Sets the #AgenEmitter:buffer-size; a producer thread usually sets it
 * before its first emit. It applies from the next emit.
 *
 * Since: 1.0
 */
void
agen_emitter_set_buffer_size (AgenEmitter *self,
                              guint        buffer_size)
{
  gboolean changed;

  g_return_if_fail (AGEN_IS_EMITTER (self));

  agen_emitter_lock (self);
  changed = self->buffer_size != buffer_size;
  self->buffer_size = buffer_size;
  agen_emitter_announce_locked (self);
  agen_emitter_unlock (self);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUFFER_SIZE]);
}

/* ---------------------------------------------------------------------- *
 * The producer's end
 * ---------------------------------------------------------------------- */

/* Records that the producer finished, whatever thread it finished in. */
void
_agen_emitter_producer_done (AgenEmitter  *self,
                             GAsyncResult *result,
                             GError       *error)
{
  AgenWake wake;

  agen_emitter_lock (self);
  self->producer_done = TRUE;
  /* Once the generator let go, nobody reads the outcome. */
  if (self->generator != NULL)
    {
      g_set_object (&self->produce_result, result);
      self->producer_error = g_steal_pointer (&error);
    }
  g_clear_error (&error);
  agen_emitter_announce_locked (self);   /* for a body that spins */
  wake = _agen_emitter_take_wake_locked (self);
  agen_emitter_unlock (self);

  agen_wake (wake);
}

static void
agen_emitter_on_produced (GObject      *source_object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  AgenEmitter *self = user_data;

  _agen_emitter_producer_done (self, result, NULL);
  _agen_emitter_unref (self);
}

/* ---------------------------------------------------------------------- *
 * The body's side
 * ---------------------------------------------------------------------- */

static gboolean
agen_emitter_start (AgenEmitter  *self,
                    GError      **error)
{
  if (self->thread_func == NULL)
    {
      self->produce_async (self, self->cancellable, agen_emitter_on_produced, g_object_ref (self),
                           self->user_data);
      return TRUE;
    }

  return _agen_emitter_thread_start (self, error);
}

/* Suspends the body until the producer emits or finishes. */
static void
agen_emitter_wait (AgenEmitter *self)
{
  guint await_id = agen_generator_suspend (self->generator);
  gboolean ready;

  agen_emitter_lock (self);
  ready = self->has_emitted || self->items.length > 0 || self->producer_done;
  if (!ready)
    self->await_id = await_id;
  agen_emitter_unlock (self);

  if (ready)
    agen_generator_resume (self->generator, await_id, NULL);
}

/* The body continues after its wait, woken or by a cancellation. */
static void
agen_emitter_woken (AgenEmitter *self)
{
  agen_emitter_lock (self);
  self->await_id = 0;
  agen_emitter_unlock (self);
}

/* Takes an asynchronous producer's item: it is where its emit put it. */
static AgenTake
agen_emitter_take_emitted (AgenEmitter  *self,
                           GValue      **item)
{
  if (self->has_emitted)
    {
      self->has_emitted = FALSE;
      self->last_taken_waits = TRUE;
      *item = &self->emitted;
      return AGEN_TAKE_ITEM;
    }
  if (self->producer_done)
    return AGEN_TAKE_PRODUCER_DONE;

  /* The slot holds what a yield traded for the last item: an item the
   * consumer took before, kept for its type until the next emit reuses
   * it. Not for as long as the producer waits for something. */
  if (G_VALUE_TYPE (&self->emitted) != 0)
    g_value_unset (&self->emitted);
  return AGEN_TAKE_NOTHING_YET;
}

/* Takes the next item emitted, to yield from @item. */
static AgenTake
agen_emitter_take_item (AgenEmitter  *self,
                        GValue      **item)
{
  if (self->thread_func == NULL)
    return agen_emitter_take_emitted (self, item);
  return _agen_emitter_thread_take (self, item);
}

/* Hands what the resumption brought to the emit that waits for it, or,
 * when none waits (a buffered thread), an error to the next emit. An error
 * drops what was emitted ahead, as a closed channel drops it. */
static void
agen_emitter_reply (AgenEmitter  *self,
                    const GValue *sent,
                    GError       *error)
{
  GAsyncReadyCallback callback = NULL;
  gpointer user_data = NULL;

  agen_emitter_lock (self);
  if (G_UNLIKELY (error != NULL))
    agen_emitter_clear_items_locked (self);
  if (self->emit_waiting)
    {
      self->emit_waiting = FALSE;
      callback = g_steal_pointer (&self->emit_callback);
      user_data = self->emit_user_data;
      agen_emitter_clear_reply_locked (self);
      if (sent != NULL)
        {
          g_value_init (&self->reply_sent, G_VALUE_TYPE (sent));
          g_value_copy (sent, &self->reply_sent);
        }
      self->reply_error = g_steal_pointer (&error);
      self->replied = TRUE;
    }
  else if (error != NULL)
    {
      g_clear_error (&self->thrown);
      self->thrown = g_steal_pointer (&error);
    }
  agen_emitter_announce_locked (self);
  agen_emitter_unlock (self);

  /* Outside the lock: the producer may continue in this call, and emit
   * again. */
  if (callback != NULL)
    callback ((GObject *) self, (GAsyncResult *) self, user_data);
}

/* The usual reply, inlined: an asynchronous producer's emit of the last
 * item taken completes after a next. Its reply is empty already: the emit
 * dropped what was left of the one before, and only this reply ends it. */
G_ALWAYS_INLINE static inline void
agen_emitter_complete_emit (AgenEmitter *self)
{
  GAsyncReadyCallback callback = g_steal_pointer (&self->emit_callback);

  self->last_taken_waits = FALSE;
  self->emit_waiting = FALSE;
  if (callback != NULL)
    callback ((GObject *) self, (GAsyncResult *) self, self->emit_user_data);
}

/* After the yield of an item: what the resumption brought goes to the
 * item's emit when it waits (the last taken, see agen_emitter_take_item());
 * an item emitted ahead into a buffer has no emit to hear it, and only an
 * error thrown in is then handed on. Neither costs an item a lock. */
static void
agen_emitter_reply_to_yield (AgenEmitter  *self,
                             const GValue *sent,
                             GError       *error)
{
  if (!self->last_taken_waits || self->taken.length > 0)
    {
      if (G_UNLIKELY (error != NULL))
        agen_emitter_reply (self, NULL, error);
      return;
    }

  if (self->thread_func != NULL || sent != NULL || error != NULL)
    {
      self->last_taken_waits = FALSE;
      agen_emitter_reply (self, sent, error);
      return;
    }

  agen_emitter_complete_emit (self);
}

/* agen_emitter_next_ready() up to its item: the item's emit completes, and
 * when the producer emits again in its callback, as it does unless it
 * awaits something else or returns, the emitted item is the next one: the
 * slot holds it, and %TRUE is returned. Else the body takes over where it
 * yielded, with the reply made: %FALSE, and *@item is the body's answer,
 * @n_items how many items it has. */
G_ALWAYS_INLINE static inline gboolean
agen_emitter_next_emitted (AgenEmitter    *self,
                           const GValue  **item,
                           guint          *n_items)
{
  GAsyncReadyCallback callback = self->emit_callback;

  /* agen_emitter_complete_emit(), but the emit of the item taken next
   * waits as this one did: last_taken_waits stays set. */
  self->emit_waiting = FALSE;
  if (callback != NULL)
    callback ((GObject *) self, (GAsyncResult *) self, self->emit_user_data);
  if (G_UNLIKELY (!self->has_emitted))
    {
      self->last_taken_waits = FALSE;
      *n_items = _agen_generator_next_by_body (self->generator, item);
      return FALSE;
    }
  self->has_emitted = FALSE;
  return TRUE;
}

/* agen_emitter_next_ready() for foreach, which only reads the item: it
 * reads it in the emit's slot, which the next emit overwrites, and the
 * item the body yielded is dropped from the yield slot, so that no item
 * the consumer took but the last is kept. */
G_ALWAYS_INLINE static inline guint
agen_emitter_next_in_slot (AgenEmitter    *self,
                           const GValue  **item)
{
  guint n_items;

  if (G_UNLIKELY (!agen_emitter_next_emitted (self, item, &n_items)))
    return n_items;

  if (G_UNLIKELY (self->slot_holds_yielded))
    {
      self->slot_holds_yielded = FALSE;
      _agen_generator_drop_yielded (self->generator);
    }
  *item = &self->emitted;
  return 1;
}

/* agen_emitter_next_ready() for a combinator, which takes the item into
 * the yield slot: traded there, as the body's yield trades it. */
G_NO_INLINE static guint
agen_emitter_next_in_yield_slot (AgenEmitter    *self,
                                 GValue         *yielded,
                                 const GValue  **item)
{
  GValue previous;
  guint n_items;

  if (G_UNLIKELY (!agen_emitter_next_emitted (self, item, &n_items)))
    return n_items;

  previous = *yielded;
  *yielded = self->emitted;
  self->emitted = previous;
  self->slot_holds_yielded = TRUE;
  *item = yielded;
  return 1;
}

/* A next while the body is at its yield of an asynchronous producer's
 * item (named there with _agen_generator_set_next_ready()): what the body
 * would do when resumed, without its call, its resume point and its yield
 * (see agen_emitter_next_emitted()). The producer's callback returns
 * before the item is yielded, so the stack does not grow from one item to
 * the next however many follow each other without a wait. foreach's way
 * is inlined here and a combinator's is a function of its own, so each
 * keeps across the callback only what it needs; @generator is
 * self->generator, read there rather than kept. */
static guint
agen_emitter_next_ready (AgenGenerator  *generator,
                         gpointer        data,
                         GValue         *yielded,
                         const GValue  **item)
{
  if (G_UNLIKELY (yielded != NULL))
    return agen_emitter_next_in_yield_slot (data, yielded, item);
  return agen_emitter_next_in_slot (data, item);
}

static gboolean
agen_emitter_take_outcome (AgenEmitter  *self,
                           GError      **error)
{
  gboolean ok;

  if (self->thread_func != NULL)
    return _agen_emitter_thread_take_outcome (self, error);

  /* The producer's result usually holds the emitter (as its source
   * object): dropped once read, or they would keep each other. */
  ok = self->produce_finish (self, self->produce_result, self->user_data, error);
  g_clear_object (&self->produce_result);
  return ok;
}

/* The flag sends an asynchronous producer's next emit, which runs in this
 * thread, off its fast path to the reset. */
static void
agen_emitter_deliver_cancellation (AgenEmitter *self)
{
  g_cancellable_cancel (self->cancellable);
  g_atomic_int_set (&self->cancellation_delivered, TRUE);
}

/* Yields @item by trading places with the generator's yield slot, as the
 * combinators do (agen-pull-private.h): no copy per item. @item holds the
 * slot's earlier content afterwards. The body continues after it at a
 * catching resume point, and takes what the resumption brought with
 * _agen_generator_take_resumption(): two calls per item, where
 * AGEN_YIELD_CATCH() and agen_generator_get_sent() make four. */
#define AGEN_EMITTER_YIELD(generator, item)                                             \
  do                                                                                  \
    {                                                                                 \
      _agen_generator_yield_swap_at ((generator), (item),                              \
                                     _AGEN_RESUME_POINT_CATCHING (__LINE__));          \
      return;                                                                         \
    case _AGEN_RESUME_POINT_CATCHING (__LINE__):;                                      \
    }                                                                                 \
  while (0)

/* The body of every generator of this file: a straight-line body (see
 * agen-macros.h) whose state lives in the emitter. */
static void
agen_emitter_body (AgenGenerator *generator,
                   gpointer       user_data)
{
  AgenEmitter *self = user_data;
  GError *error = NULL;
  const GValue *sent;
  GValue *item;
  AgenTake take;

  AGEN_BEGIN (generator);

  if (!agen_emitter_start (self, &error))
    {
      agen_generator_raise (generator, error);
      return;
    }

  for (;;)
    {
      take = agen_emitter_take_item (self, &item);
      if (take == AGEN_TAKE_PRODUCER_DONE)
        break;
      /* An async producer usually emits again within the reply to its last
       * emit: then the item is yielded without an await. */
      if (take == AGEN_TAKE_NOTHING_YET)
        {
          AGEN_AWAIT_CATCH (generator, agen_emitter_wait (self), &error);
          agen_emitter_woken (self);
          if (error != NULL)
            {
              /* A cancellation reached the await: it reaches the producer
               * where it awaits or blocks, and the body waits for what the
               * producer makes of it, as a Python generator does. */
              g_clear_error (&error);
              agen_emitter_deliver_cancellation (self);
            }
          continue;
        }

      /* An asynchronous producer's next items usually come without the
       * body: see agen_emitter_next_ready(). */
      if (self->thread_func == NULL)
        {
          _agen_generator_set_next_ready (generator, agen_emitter_next_ready, self);
          self->slot_holds_yielded = TRUE;
        }
      AGEN_EMITTER_YIELD (generator, item);
      sent = _agen_generator_take_resumption (generator, &error);
      agen_emitter_reply_to_yield (self, sent, g_steal_pointer (&error));
    }

  if (!agen_emitter_take_outcome (self, &error))
    {
      agen_generator_raise (generator, error);
      return;
    }

  AGEN_END (generator);
}

/* The generator lets go of its body data: when it finished, or when it is
 * finalised without finishing (it ignored a close). A producer still
 * waiting in an emit hears %AGEN_ERROR_EXIT and may finish in its own time;
 * a thread still running is left to end on its own. */
static void
agen_emitter_let_go (gpointer data)
{
  AgenEmitter *self = data;
  gboolean producer_done;

  agen_emitter_lock (self);
  self->generator = NULL;
  self->await_id = 0;
  producer_done = self->producer_done;
  g_clear_object (&self->produce_result);
  agen_emitter_unlock (self);

  if (!producer_done)
    agen_emitter_reply (self, NULL, g_error_new_literal (AGEN_ERROR, AGEN_ERROR_EXIT,
                                                         "The generator was finalised"));
  if (self->thread_func != NULL)
    _agen_emitter_thread_let_go (self, producer_done);
  _agen_emitter_unref (self);
}

AgenGenerator *
_agen_emitter_new_generator (AgenEmitter *self)
{
  AgenGenerator *generator = agen_generator_new (agen_emitter_body, self, agen_emitter_let_go);

  self->generator = generator;
  return generator;
}

/**
 * agen_generator_new_async: (skip)
 * @produce_async: starts the producer
 * @produce_finish: ends it
 * @user_data: (nullable): the data for both
 * @user_data_destroy: (nullable): frees @user_data when the producer is
 *   done with it
 *
 * Creates a generator whose producer is an asynchronous function in the
 * GIO style: @produce_async is called at the first operation, with an
 * #AgenEmitter it emits each item to with agen_emitter_emit_async(),
 * awaiting each; @produce_finish is called when it has finished, and the
 * generator finishes as it did. Between its emits the producer may await
 * anything, with the cancellable it was given: a cancellation of the
 * consumer's operation cancels it there, and the operation ends with what
 * the producer makes of it (an item, its end or its failure).
 *
 * Bindings subclass #AgenProducer instead: two functions sharing one
 * closure do not bind.
 *
 * Returns: (transfer full): a new #AgenGenerator
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_async (AgenProduceAsyncFunc  produce_async,
                          AgenProduceFinishFunc produce_finish,
                          gpointer              user_data,
                          GDestroyNotify        user_data_destroy)
{
  AgenEmitter *self;

  g_return_val_if_fail (produce_async != NULL, NULL);
  g_return_val_if_fail (produce_finish != NULL, NULL);

  self = g_object_new (AGEN_TYPE_EMITTER, NULL);
  self->produce_async = produce_async;
  self->produce_finish = produce_finish;
  self->user_data = user_data;
  self->user_data_destroy = user_data_destroy;
  return _agen_emitter_new_generator (self);
}

