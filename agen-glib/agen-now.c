/* agen-now.c: taking an item that is ready now, and the ready func
 *
 * The consumer face the bindings iterate with: one synchronous call per
 * item that is ready, and for an item that is not, one long-lived callback
 * per generator rather than a closure per call (a binding's closures cost
 * memory per call: PyGObject 3.42 never frees them, GJS 1.74 stops running
 * them after some 95,000).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-engine-private.h"
#include "agen-task-private.h"

typedef struct _AgenNowState
{
  AgenReadyFunc ready_func;
  gpointer ready_data;
  GDestroyNotify ready_data_destroy;

  gboolean starting;           /* agen_generator_next_now() is on the stack */
  gboolean pending;            /* an operation of ours holds the generator */
  gboolean replied;            /* and its outcome is in reply, not yet taken */
  AgenReply reply;

  GType wanted;                /* the item type a typed form takes, or 0 */
  AgenNowStatus status;        /* what the last call returned */
} AgenNowState;

static GQuark
agen_now_state_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("agen-now-state");

  return quark;
}

static void
agen_now_state_free (gpointer data)
{
  AgenNowState *now = data;

  if (now->ready_data_destroy != NULL)
    now->ready_data_destroy (now->ready_data);
  g_free (now);
}

/* Kept out of the generator's struct, which a million suspended generators
 * pay for: only a generator a binding iterates has one. */
static AgenNowState *
agen_now_state_peek (AgenGenerator *self)
{
  return g_object_get_qdata (G_OBJECT (self), agen_now_state_quark ());
}

static AgenNowState *
agen_now_state_get (AgenGenerator *self)
{
  AgenNowState *now = agen_now_state_peek (self);

  if (G_UNLIKELY (now == NULL))
    {
      now = g_new0 (AgenNowState, 1);
      now->reply = (AgenReply) AGEN_REPLY_INIT;
      now->status = AGEN_NOW_PENDING;
      g_object_set_qdata_full (G_OBJECT (self), agen_now_state_quark (), now, agen_now_state_free);
    }

  return now;
}

/* Hands @reply's outcome to the caller, as agen_generator_next_finish()
 * would, and leaves @reply empty. */
static AgenNowStatus
agen_now_take (AgenReply  *reply,
               GValue     *item,
               GError    **error)
{
  AgenReplyKind kind = reply->kind;
  GError *failure = g_steal_pointer (&reply->error);

  _agen_item_move_out (kind == AGEN_REPLY_ITEM ? &reply->item : NULL, item);
  *reply = (AgenReply) AGEN_REPLY_INIT;

  switch (kind)
    {
    case AGEN_REPLY_ITEM:
      return AGEN_NOW_ITEM;
    case AGEN_REPLY_ERROR:
      g_propagate_error (error, failure);
      return AGEN_NOW_FAILED;
    case AGEN_REPLY_END:
    case AGEN_REPLY_CLOSED:
    default:
      return AGEN_NOW_END;
    }
}

/* Whether the typed form on the stack takes @reply: an item of another
 * type stays for agen_generator_next_now(). */
static gboolean
agen_now_reply_fits (AgenNowState    *now,
                     const AgenReply *reply)
{
  return now->wanted == G_TYPE_INVALID || reply->kind != AGEN_REPLY_ITEM ||
         G_VALUE_HOLDS (&reply->item, now->wanted);
}

static void
agen_now_on_reply (AgenGenerator *self,
                   AgenReply     *reply,
                   gpointer       data)
{
  AgenNowState *now = data;

  now->reply = *reply;                       /* moved */
  now->replied = TRUE;

  if (now->starting)
    {
      /* An item of another type than a typed form takes is kept as a
       * pending outcome that is there: the generator stays held, and the
       * next call that takes it ends the operation. */
      if (agen_now_reply_fits (now, reply))
        _agen_generator_release (self);
      else
        now->pending = TRUE;
      return;
    }

  /* The operation holds the generator until its outcome is taken, as
   * CPython's anext() runs until the awaiting task takes the item: the
   * generator stays RUNNING and refuses other operations meanwhile. */
  if (now->ready_func != NULL)
    now->ready_func (self, now->ready_data);
  g_object_unref (self);                     /* the reference of the await */
}

/* The outcome of a pending operation, once there. */
static AgenNowStatus
agen_now_take_pending (AgenGenerator  *self,
                       AgenNowState   *now,
                       GValue         *item,
                       GError        **error)
{
  AgenReply refusal = AGEN_REPLY_INIT;

  /* Taking the outcome ends the operation: in the generator's context
   * only, as starting one is. */
  if (!_agen_generator_acquire_context (self, &refusal))
    return agen_now_take (&refusal, item, error);

  if (!now->replied || !agen_now_reply_fits (now, &now->reply))
    {
      g_main_context_release (self->context);
      _agen_item_move_out (NULL, item);
      return now->replied ? AGEN_NOW_OTHER_TYPE : AGEN_NOW_PENDING;
    }

  now->pending = FALSE;
  now->replied = FALSE;
  _agen_generator_release (self);
  g_main_context_release (self->context);
  return agen_now_take (&now->reply, item, error);
}

static AgenNowStatus
agen_now_operate (AgenGenerator  *self,
                  AgenNowState   *now,
                  AgenOpKind      kind,
                  const GValue   *value,
                  GCancellable   *cancellable,
                  GValue         *item,
                  GError        **error)
{
  if (now->pending)
    return agen_now_take_pending (self, now, item, error);

  now->starting = TRUE;
  now->replied = FALSE;
  if (!_agen_generator_start (self, kind, value, NULL, cancellable, agen_now_on_reply, now,
                              &now->reply))
    now->replied = TRUE;
  now->starting = FALSE;

  if (now->pending)                          /* an item of another type */
    {
      _agen_item_move_out (NULL, item);
      return AGEN_NOW_OTHER_TYPE;
    }

  if (now->replied)
    {
      now->replied = FALSE;
      return agen_now_take (&now->reply, item, error);
    }

  /* The body awaits: what it awaits holds the generator, as a GTask would. */
  now->pending = TRUE;
  g_object_ref (self);
  _agen_item_move_out (NULL, item);
  return AGEN_NOW_PENDING;
}

/* Takes the outcome as agen_generator_next_now() or send_now() does, an
 * item only if it holds @wanted (any with %G_TYPE_INVALID), and keeps the
 * status for agen_generator_get_now_status(). */
static AgenNowStatus
agen_generator_operate_now (AgenGenerator  *self,
                            AgenOpKind      kind,
                            const GValue   *value,
                            GCancellable   *cancellable,
                            GType           wanted,
                            GValue         *item,
                            GError        **error)
{
  AgenNowState *now = agen_now_state_get (self);

  now->wanted = wanted;
  now->status = agen_now_operate (self, now, kind, value, cancellable, item, error);
  now->wanted = G_TYPE_INVALID;
  return now->status;
}

/**
 * agen_generator_next_now:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable for an operation that starts
 * @item: (out caller-allocates) (optional): a zero-filled #GValue (or one
 *   holding a value, which is unset first) that receives the item
 * @error: return location for a #GError
 *
 * Takes the next item if it is ready now: Python's `anext()` when the body
 * yields, returns or raises without awaiting, in one call and without a
 * callback. It resumes the body as agen_generator_next_async() does.
 *
 * When the body awaits instead, this returns %AGEN_NOW_PENDING: the
 * operation goes on, and the generator's #AgenReadyFunc
 * (agen_generator_set_ready_func()) is called from its main context once
 * the outcome is there, never inside this call. Until then every call of
 * agen_generator_next_now() or agen_generator_send_now() returns
 * %AGEN_NOW_PENDING again, starting nothing; the first one after that takes
 * the outcome. Until it is taken, the operation holds the generator
 * (%AGEN_GENERATOR_STATE_RUNNING): other operations are refused with
 * %G_IO_ERROR_PENDING. An outcome nobody takes is dropped when the
 * generator's last reference goes.
 *
 * @cancellable applies to an operation that starts with this call, as it
 * does to agen_generator_next_async(): cancelled already, the operation is
 * refused; cancelled while the body awaits, the cancellation is delivered to
 * the body at its await. Bindings pass one cancellable per generator rather
 * than one per item.
 *
 * @item is always initialised: it holds the item with %AGEN_NOW_ITEM, and
 * a %G_TYPE_POINTER %NULL otherwise.
 *
 * Returns: %AGEN_NOW_ITEM with the item, %AGEN_NOW_END when the generator is
 *   finished, %AGEN_NOW_FAILED with @error set, or %AGEN_NOW_PENDING
 *
 * Since: 1.0
 */
AgenNowStatus
agen_generator_next_now (AgenGenerator  *self,
                         GCancellable   *cancellable,
                         GValue         *item,
                         GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), AGEN_NOW_FAILED);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), AGEN_NOW_FAILED);
  g_return_val_if_fail (error == NULL || *error == NULL, AGEN_NOW_FAILED);

  return agen_generator_operate_now (self, AGEN_OP_NEXT, NULL, cancellable, G_TYPE_INVALID, item,
                                     error);
}

/**
 * agen_generator_send_now:
 * @self: an #AgenGenerator
 * @value: (nullable): the value to send, or %NULL for none (Python's `None`)
 * @cancellable: (nullable): a #GCancellable for an operation that starts
 * @item: (out caller-allocates) (optional): a zero-filled #GValue that
 *   receives the item
 * @error: return location for a #GError
 *
 * Sends @value in as agen_generator_send_async() does, and takes the item
 * if it is ready now, as agen_generator_next_now() does. While an outcome
 * is pending, this starts nothing and @value is not sent: it returns
 * %AGEN_NOW_PENDING, or takes the outcome once it is there.
 *
 * Returns: what agen_generator_next_now() returns
 *
 * Since: 1.0
 */
AgenNowStatus
agen_generator_send_now (AgenGenerator  *self,
                         const GValue   *value,
                         GCancellable   *cancellable,
                         GValue         *item,
                         GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), AGEN_NOW_FAILED);
  g_return_val_if_fail (value == NULL || G_IS_VALUE (value), AGEN_NOW_FAILED);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), AGEN_NOW_FAILED);
  g_return_val_if_fail (error == NULL || *error == NULL, AGEN_NOW_FAILED);

  return agen_generator_operate_now (self, value != NULL ? AGEN_OP_SEND : AGEN_OP_NEXT, value,
                                     cancellable, G_TYPE_INVALID, item, error);
}

/* The typed forms: agen_generator_next_now() for an item that holds
 * @wanted, handed over as a plain value rather than a GValue. */
static gboolean
agen_now_next_typed (AgenGenerator  *self,
                     GCancellable   *cancellable,
                     GType           wanted,
                     GValue         *item,
                     GError        **error)
{
  return agen_generator_operate_now (self, AGEN_OP_NEXT, NULL, cancellable, wanted, item,
                                     error) == AGEN_NOW_ITEM;
}

/**
 * agen_generator_next_boolean_now:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable for an operation that starts
 * @error: return location for a #GError
 *
 * Takes the next item if it is ready now and is a #gboolean: agen_generator_next_now()
 * with the item returned as gboolean. agen_generator_get_now_status()
 * then says what was found: %AGEN_NOW_ITEM with the item, or what else
 * agen_generator_next_now() would have returned (@error is set with
 * %AGEN_NOW_FAILED), or %AGEN_NOW_OTHER_TYPE.
 *
 * The typed forms (agen_generator_next_boolean_now(),
 * agen_generator_next_int_now(), agen_generator_next_int64_now(),
 * agen_generator_next_double_now(), agen_generator_next_string_now() and
 * agen_generator_next_object_now()) return the item itself, which a binding
 * converts as any return value, rather than a #GValue, which GJS 1.74 and
 * PyGObject 3.42 convert by a slower, generic path. Their status is that of
 * agen_generator_next_now(), or %AGEN_NOW_OTHER_TYPE when the item is of
 * another type: that item is not lost but stays, as an outcome that is
 * there, for the next call of agen_generator_next_now() (or
 * agen_generator_send_now()) to take, and until then the operation holds
 * the generator as a pending one does. The item types are exact, but for an
 * object, whose type may be any subtype of %G_TYPE_OBJECT: an enum or a
 * #guint is not a #gint.
 *
 * Returns: the item, or %FALSE when there is none:
 *   agen_generator_get_now_status() tells which
 *
 * Since: 1.0
 */
gboolean
agen_generator_next_boolean_now (AgenGenerator  *self,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  g_auto (GValue) item = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!agen_now_next_typed (self, cancellable, G_TYPE_BOOLEAN, &item, error))
    return FALSE;
  return g_value_get_boolean (&item);
}

/**
 * agen_generator_next_int_now:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable for an operation that starts
 * @error: return location for a #GError
 *
 * Takes the next item if it is ready now and is a #gint: agen_generator_next_now()
 * with the item returned as gint. agen_generator_get_now_status()
 * then says what was found: %AGEN_NOW_ITEM with the item, or what else
 * agen_generator_next_now() would have returned (@error is set with
 * %AGEN_NOW_FAILED), or %AGEN_NOW_OTHER_TYPE.
 *
 * Returns: the item, or 0 when there is none:
 *   agen_generator_get_now_status() tells which
 *
 * Since: 1.0
 */
gint
agen_generator_next_int_now (AgenGenerator  *self,
                             GCancellable   *cancellable,
                             GError        **error)
{
  g_auto (GValue) item = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), 0);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!agen_now_next_typed (self, cancellable, G_TYPE_INT, &item, error))
    return 0;
  return g_value_get_int (&item);
}

/**
 * agen_generator_next_int64_now:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable for an operation that starts
 * @error: return location for a #GError
 *
 * Takes the next item if it is ready now and is a #gint64: agen_generator_next_now()
 * with the item returned as gint64. agen_generator_get_now_status()
 * then says what was found: %AGEN_NOW_ITEM with the item, or what else
 * agen_generator_next_now() would have returned (@error is set with
 * %AGEN_NOW_FAILED), or %AGEN_NOW_OTHER_TYPE.
 *
 * Returns: the item, or 0 when there is none:
 *   agen_generator_get_now_status() tells which
 *
 * Since: 1.0
 */
gint64
agen_generator_next_int64_now (AgenGenerator  *self,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_auto (GValue) item = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), 0);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!agen_now_next_typed (self, cancellable, G_TYPE_INT64, &item, error))
    return 0;
  return g_value_get_int64 (&item);
}

/**
 * agen_generator_next_double_now:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable for an operation that starts
 * @error: return location for a #GError
 *
 * Takes the next item if it is ready now and is a #gdouble: agen_generator_next_now()
 * with the item returned as gdouble. agen_generator_get_now_status()
 * then says what was found: %AGEN_NOW_ITEM with the item, or what else
 * agen_generator_next_now() would have returned (@error is set with
 * %AGEN_NOW_FAILED), or %AGEN_NOW_OTHER_TYPE.
 *
 * Returns: the item, or 0.0 when there is none:
 *   agen_generator_get_now_status() tells which
 *
 * Since: 1.0
 */
gdouble
agen_generator_next_double_now (AgenGenerator  *self,
                                GCancellable   *cancellable,
                                GError        **error)
{
  g_auto (GValue) item = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), 0.0);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), 0.0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0.0);

  if (!agen_now_next_typed (self, cancellable, G_TYPE_DOUBLE, &item, error))
    return 0.0;
  return g_value_get_double (&item);
}

/**
 * agen_generator_next_string_now:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable for an operation that starts
 * @error: return location for a #GError
 *
 * Takes the next item if it is ready now and is a string (%G_TYPE_STRING): agen_generator_next_now()
 * with the item returned as gchar *. agen_generator_get_now_status()
 * then says what was found: %AGEN_NOW_ITEM with the item, or what else
 * agen_generator_next_now() would have returned (@error is set with
 * %AGEN_NOW_FAILED), or %AGEN_NOW_OTHER_TYPE.
 *
 * Returns: (transfer full) (nullable): the item, or %NULL when there is none:
 *   agen_generator_get_now_status() tells which
 *
 * Since: 1.0
 */
gchar *
agen_generator_next_string_now (AgenGenerator  *self,
                                GCancellable   *cancellable,
                                GError        **error)
{
  g_auto (GValue) item = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!agen_now_next_typed (self, cancellable, G_TYPE_STRING, &item, error))
    return NULL;
  return g_value_dup_string (&item);
}

/**
 * agen_generator_next_object_now:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable for an operation that starts
 * @error: return location for a #GError
 *
 * Takes the next item if it is ready now and is an object (%G_TYPE_OBJECT or a subtype): agen_generator_next_now()
 * with the item returned as GObject *. agen_generator_get_now_status()
 * then says what was found: %AGEN_NOW_ITEM with the item, or what else
 * agen_generator_next_now() would have returned (@error is set with
 * %AGEN_NOW_FAILED), or %AGEN_NOW_OTHER_TYPE.
 *
 * Returns: (transfer full) (nullable) (type GObject): the item, or %NULL when there is none:
 *   agen_generator_get_now_status() tells which
 *
 * Since: 1.0
 */
GObject *
agen_generator_next_object_now (AgenGenerator  *self,
                                GCancellable   *cancellable,
                                GError        **error)
{
  g_auto (GValue) item = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!agen_now_next_typed (self, cancellable, G_TYPE_OBJECT, &item, error))
    return NULL;
  return g_value_dup_object (&item);
}

/**
 * agen_generator_get_now_status:
 * @self: an #AgenGenerator
 *
 * What the last call of agen_generator_next_now(), agen_generator_send_now()
 * or one of their typed forms (agen_generator_next_int_now() and its kin)
 * on @self returned or found: a typed form returns the item itself, and
 * this tells an item that is 0, %FALSE or %NULL from no item. A binding
 * need only ask when the item it got is one of those.
 *
 * Returns: the status of the last such call, or %AGEN_NOW_PENDING if none
 *   was made
 *
 * Since: 1.0
 */
AgenNowStatus
agen_generator_get_now_status (AgenGenerator *self)
{
  AgenNowState *now;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), AGEN_NOW_FAILED);

  now = agen_now_state_peek (self);
  return now != NULL ? now->status : AGEN_NOW_PENDING;
}

/**
 * agen_generator_set_ready_func:
 * @self: an #AgenGenerator
 * @func: (nullable) (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called when the outcome of a pending agen_generator_next_now() or
 *   agen_generator_send_now() is there, or %NULL for none
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when @func is replaced or
 *   the generator is finalised
 *
 * Sets the one callback of @self that says an outcome agen_generator_next_now()
 * left %AGEN_NOW_PENDING is there, in place of a callback per operation.
 * It is called once per pending operation, from the generator's main
 * context, with the generator held. The generator keeps @user_data as long
 * as it lives, so what @user_data holds should not hold the generator.
 *
 * Since: 1.0
 */
void
agen_generator_set_ready_func (AgenGenerator  *self,
                               AgenReadyFunc   func,
                               gpointer        user_data,
                               GDestroyNotify  user_data_destroy)
{
  AgenNowState *now;
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (AGEN_IS_GENERATOR (self));

  now = agen_now_state_get (self);
  old_destroy = now->ready_data_destroy;
  old_data = now->ready_data;
  now->ready_func = func;
  now->ready_data = user_data;
  now->ready_data_destroy = user_data_destroy;

  if (old_destroy != NULL)
    old_destroy (old_data);
}

/* The last reference went while an outcome waited to be taken: nobody will
 * take it, so the operation ends here, and the generator is closed on its
 * last unref as any other. */
void
_agen_generator_now_dispose (AgenGenerator *self)
{
  AgenNowState *now = agen_now_state_peek (self);

  if (now == NULL || !now->pending)
    return;

  g_assert (now->replied);
  now->pending = FALSE;
  now->replied = FALSE;
  _agen_generator_release (self);
  if (G_IS_VALUE (&now->reply.item))
    g_value_unset (&now->reply.item);
  g_clear_error (&now->reply.error);
  now->reply = (AgenReply) AGEN_REPLY_INIT;
}
