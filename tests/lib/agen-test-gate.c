/* agen-test-gate.c: an awaitable operation the test controls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test.h"

struct _AgenTestGate
{
  GObject parent_instance;
  GQueue waiters;              /* of GTask, owned */
  gboolean left_open;
  guint n_cancelled;
};

G_DEFINE_FINAL_TYPE (AgenTestGate, agen_test_gate, G_TYPE_OBJECT)

static void
agen_test_gate_finalize (GObject *object)
{
  AgenTestGate *self = AGEN_TEST_GATE (object);

  /* Each waiter holds a reference on the gate. */
  g_assert (g_queue_is_empty (&self->waiters));
  G_OBJECT_CLASS (agen_test_gate_parent_class)->finalize (object);
}

static void
agen_test_gate_class_init (AgenTestGateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = agen_test_gate_finalize;
}

static void
agen_test_gate_init (AgenTestGate *self)
{
  g_queue_init (&self->waiters);
}

/**
 * agen_test_gate_new:
 *
 * A gate releases the waiters it has when it is opened, and then closes
 * again (unless it was left open).
 *
 * Returns: (transfer full): a closed gate
 */
AgenTestGate *
agen_test_gate_new (void)
{
  return g_object_new (AGEN_TEST_TYPE_GATE, NULL);
}

static void
agen_test_gate_return_cancelled (AgenTestGate *self,
                                 GTask        *task)
{
  self->n_cancelled++;
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
}

/* In the thread that cancels: the bodies pass the cancellable of
 * agen_generator_get_cancellable(), which the generator cancels in its own
 * main context, the gate's. Synchronous, so that a wait the body gave up
 * is gone by the time the operation's callback runs. */
static void
agen_test_gate_on_cancelled (GCancellable *cancellable,
                             GTask        *task)
{
  AgenTestGate *self = g_task_get_source_object (task);

  if (g_queue_remove (&self->waiters, task))
    agen_test_gate_return_cancelled (self, task);
}

static void
agen_test_gate_wait (AgenTestGate        *self,
                     gboolean             honour_cancellable,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, agen_test_gate_wait_async);
  /* The gate decides: a wait that ignores its cancellable completes TRUE
   * when the gate opens, cancelled or not. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->left_open)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  if (honour_cancellable && cancellable != NULL)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          agen_test_gate_return_cancelled (self, task);
          return;
        }
      g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (agen_test_gate_on_cancelled), task, 0);
    }

  g_queue_push_tail (&self->waiters, task);
}

/**
 * agen_test_gate_wait_async:
 * @self: a gate
 * @cancellable: (nullable): cancels the wait
 * @callback: (scope async): called when the gate opens or the wait is cancelled
 * @user_data: data for @callback
 *
 * Completes when the gate opens; fails with %G_IO_ERROR_CANCELLED when
 * @cancellable is cancelled first.
 */
void
agen_test_gate_wait_async (AgenTestGate        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  agen_test_gate_wait (self, TRUE, cancellable, callback, user_data);
}

/**
 * agen_test_gate_wait_ignoring_cancel_async:
 * @self: a gate
 * @cancellable: (nullable): a cancellable the wait ignores
 * @callback: (scope async): called when the gate opens
 * @user_data: data for @callback
 *
 * Completes only when the gate opens, whatever happens to @cancellable: an
 * awaited operation that does not honour its cancellable. Finish it with
 * agen_test_gate_wait_finish().
 */
void
agen_test_gate_wait_ignoring_cancel_async (AgenTestGate        *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  agen_test_gate_wait (self, FALSE, cancellable, callback, user_data);
}

/**
 * agen_test_gate_wait_finish:
 * @self: a gate
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the gate opened
 */
gboolean
agen_test_gate_wait_finish (AgenTestGate  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_test_gate_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * agen_test_gate_open:
 * @self: a gate
 *
 * Releases every current waiter: their callbacks run from the main loop.
 * The gate closes again: a later wait waits for the next opening.
 */
void
agen_test_gate_open (AgenTestGate *self)
{
  GQueue waiters = self->waiters;
  GTask *task;

  /* Only the current waiters: a callback may wait again at once. */
  g_queue_init (&self->waiters);
  while ((task = g_queue_pop_head (&waiters)) != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/**
 * agen_test_gate_leave_open:
 * @self: a gate
 *
 * Releases every current waiter, and leaves the gate open: every later wait
 * completes at once (its callback still runs from the main loop).
 */
void
agen_test_gate_leave_open (AgenTestGate *self)
{
  self->left_open = TRUE;
  agen_test_gate_open (self);
}

/**
 * agen_test_gate_get_n_waiters:
 * @self: a gate
 *
 * Returns: how many waits are pending
 */
guint
agen_test_gate_get_n_waiters (AgenTestGate *self)
{
  return self->waiters.length;
}

/**
 * agen_test_gate_get_n_cancelled:
 * @self: a gate
 *
 * Returns: how many waits ended because their cancellable was cancelled
 */
guint
agen_test_gate_get_n_cancelled (AgenTestGate *self)
{
  return self->n_cancelled;
}
