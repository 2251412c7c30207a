/* agen-timer.c: the awaitable timer, and the clock the time operators use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-generator-private.h"
#include "agen-macros.h"
#include "agen-timer-private.h"
#include "agen-timer.h"

/**
 * SECTION:agen-timer
 * @title: Timers
 * @short_description: waiting in a body, or anywhere: Python's
 *   `asyncio.sleep()`
 *
 * agen_generator_await_timeout() is what a C body awaits to wait for a
 * while; agen_sleep_async() is the same timer as a GIO asynchronous call,
 * for the bindings and for any other code. Both honour their cancellable:
 * cancelling ends the wait at once with %G_IO_ERROR_CANCELLED.
 *
 * |[<!-- language="C" -->
 * AGEN_BEGIN (self);
 * for (st->i = 0; st->i < 3; st->i++)
 *   {
 *     AGEN_AWAIT (self, agen_generator_await_timeout (self, 100));
 *     AGEN_YIELD_INT (self, st->i);
 *   }
 * AGEN_END (self);
 * ]|
 *
 * In Python, `await Agen.sleep(ms)`; in JavaScript, `await Agen.sleep(ms)`.
 *
 * The time operators (agen_generator_debounce(), agen_generator_throttle(),
 * agen_generator_timeout(), agen_generator_retry()'s backoff) wait with the
 * same timers. Each is a #GSource of the generator's #GMainContext at its
 * priority, made once per wait, not per item.
 */

/* ---------------------------------------------------------------------- *
 * The clock
 * ---------------------------------------------------------------------- */

typedef struct
{
  GSource parent;
  gint64 deadline;             /* on the clock; -1 when disarmed */
  guint64 serial;              /* orders timers of the same deadline */
} AgenTimer;

G_LOCK_DEFINE_STATIC (clock);
static gboolean clock_is_manual;
static gint64 manual_now;
static GList *manual_timers;   /* of AgenTimer *, not referenced */
static guint64 last_serial;

gint64
_agen_clock_get_time (void)
{
  gint64 now;

  if (G_LIKELY (!clock_is_manual))
    return g_get_monotonic_time ();

  G_LOCK (clock);
  now = manual_now;
  G_UNLOCK (clock);
  return now;
}

void
_agen_clock_set_manual (gboolean manual)
{
  G_LOCK (clock);
  if (manual && !clock_is_manual)
    manual_now = g_get_monotonic_time ();
  clock_is_manual = manual;
  G_UNLOCK (clock);
}

gboolean
_agen_clock_advance_to_next_timer (void)
{
  AgenTimer *next = NULL;

  G_LOCK (clock);
  for (GList *l = manual_timers; l != NULL; l = l->next)
    {
      AgenTimer *timer = l->data;

      if (timer->deadline == -1 || g_source_is_destroyed (&timer->parent) ||
          g_source_get_ready_time (&timer->parent) != -1)
        continue;
      if (next == NULL || timer->deadline < next->deadline ||
          (timer->deadline == next->deadline && timer->serial < next->serial))
        next = timer;
    }
  if (next != NULL)
    {
      manual_now = MAX (manual_now, next->deadline);
      g_source_set_ready_time (&next->parent, 0);
    }
  G_UNLOCK (clock);

  return next != NULL;
}

static gboolean
agen_timer_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  AgenTimer *timer = (AgenTimer *) source;

  timer->deadline = -1;
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static void
agen_timer_finalize (GSource *source)
{
  G_LOCK (clock);
  manual_timers = g_list_remove (manual_timers, source);
  G_UNLOCK (clock);
}

static GSourceFuncs agen_timer_funcs = {
  .dispatch = agen_timer_dispatch,
  .finalize = agen_timer_finalize,
};

/* Attached to @context, disarmed. */
GSource *
_agen_timer_new (GMainContext   *context,
                 int             priority,
                 const char     *name,
                 GSourceFunc     func,
                 gpointer        data,
                 GDestroyNotify  destroy)
{
  AgenTimer *timer = (AgenTimer *) g_source_new (&agen_timer_funcs, sizeof (AgenTimer));

  timer->deadline = -1;
  g_source_set_priority (&timer->parent, priority);
  g_source_set_static_name (&timer->parent, name);
  g_source_set_callback (&timer->parent, func, data, destroy);
  g_source_set_ready_time (&timer->parent, -1);

  G_LOCK (clock);
  timer->serial = ++last_serial;
  if (clock_is_manual)
    manual_timers = g_list_prepend (manual_timers, timer);
  G_UNLOCK (clock);

  g_source_attach (&timer->parent, context);
  return &timer->parent;
}

void
_agen_timer_set_deadline (GSource *source,
                          gint64   deadline_us)
{
  AgenTimer *timer = (AgenTimer *) source;

  G_LOCK (clock);
  timer->deadline = deadline_us;
  timer->serial = ++last_serial;
  if (deadline_us == -1)
    g_source_set_ready_time (source, -1);
  else if (clock_is_manual)
    g_source_set_ready_time (source, deadline_us <= manual_now ? 0 : -1);
  else
    g_source_set_ready_time (source, deadline_us);
  G_UNLOCK (clock);
}

void
_agen_timer_fire_now (GSource *source)
{
  g_source_set_ready_time (source, 0);
}

void
_agen_timer_destroy (GSource *timer)
{
  g_source_destroy (timer);
  g_source_unref (timer);
}

/* ---------------------------------------------------------------------- *
 * Sleeping
 *
 * One timer per sleep, whose dispatch completes the task, in the task's
 * context: a cancellation (from any thread) only makes the timer ready, so
 * the task never completes inside a cancellable's handler.
 * ---------------------------------------------------------------------- */

typedef struct
{
  GSource *timer;
  GCancellable *cancellable;
  gulong cancel_handler;
  gint cancelled;              /* atomic */
} AgenSleep;

static void
agen_sleep_free (gpointer data)
{
  AgenSleep *sleep = data;

  g_clear_pointer (&sleep->timer, _agen_timer_destroy);
  g_clear_object (&sleep->cancellable);
  g_free (sleep);
}

static gboolean
agen_sleep_on_due (gpointer user_data)
{
  GTask *task = user_data;
  AgenSleep *sleep = g_task_get_task_data (task);

  if (sleep->cancel_handler != 0)
    {
      g_cancellable_disconnect (sleep->cancellable, sleep->cancel_handler);
      sleep->cancel_handler = 0;
    }

  if (g_atomic_int_get (&sleep->cancelled))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  else
    g_task_return_boolean (task, TRUE);

  /* Drops the timer's reference on the task. */
  return G_SOURCE_REMOVE;
}

/* In the thread that cancels, which may be any. */
static void
agen_sleep_on_cancelled (GCancellable *cancellable,
                         gpointer      user_data)
{
  AgenSleep *sleep = g_task_get_task_data (user_data);

  g_atomic_int_set (&sleep->cancelled, TRUE);
  _agen_timer_fire_now (sleep->timer);
}

static void
agen_sleep_start (GMainContext        *context,
                  int                  priority,
                  guint                timeout_ms,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  AgenSleep *sleep = g_new0 (AgenSleep, 1);

  (g_task_set_source_tag) (task, agen_sleep_start);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, sleep, agen_sleep_free);

  sleep->timer = _agen_timer_new (context, priority, "[agen] sleep",
                                  agen_sleep_on_due, g_object_ref (task), g_object_unref);
  _agen_timer_set_deadline (sleep->timer, _agen_clock_get_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND);

  if (cancellable != NULL)
    {
      sleep->cancellable = g_object_ref (cancellable);
      sleep->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (agen_sleep_on_cancelled),
                                                     g_object_ref (task), g_object_unref);
    }
}

/**
 * agen_sleep_async:
 * @timeout_ms: how long to wait, in milliseconds; 0 waits for the next
 *   iteration of the main context
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the time has passed, or once
 *   @cancellable is cancelled
 * @user_data: data for @callback
 *
 * Waits @timeout_ms, then calls @callback in the thread-default
 * #GMainContext of this call: Python's `await asyncio.sleep()`. Cancelling
 * @cancellable ends the wait at once: agen_sleep_finish() then fails with
 * %G_IO_ERROR_CANCELLED.
 *
 * In a C body, agen_generator_await_timeout() is shorter.
 *
 * Since: 1.0
 */
void
agen_sleep_async (guint                timeout_ms,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_sleep_start (context, G_PRIORITY_DEFAULT, timeout_ms, cancellable, callback, user_data);
}

/**
 * agen_sleep_finish:
 * @result: the #GAsyncResult given to the callback of agen_sleep_async()
 * @error: return location for a #GError
 *
 * Finishes agen_sleep_async().
 *
 * Returns: %TRUE once the time has passed; %FALSE with
 *   %G_IO_ERROR_CANCELLED when the wait was cancelled
 *
 * Since: 1.0
 */
gboolean
agen_sleep_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_sleep_start, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * agen_generator_await_timeout:
 * @self: an #AgenGenerator
 * @timeout_ms: how long to wait, in milliseconds
 *
 * In a body call: ends the call in an await that completes after
 * @timeout_ms, in the generator's #GMainContext (Python's
 * `await asyncio.sleep (timeout_ms / 1000)`). Use it with AGEN_AWAIT() or
 * AGEN_AWAIT_CATCH():
 *
 * |[<!-- language="C" -->
 * AGEN_AWAIT (self, agen_generator_await_timeout (self, 250));
 * ]|
 *
 * A cancellation of the operation ends the wait at once, as for any await:
 * the body is called again with %G_IO_ERROR_CANCELLED to catch, and the
 * timer is removed. A cleanup that runs during a close may wait too.
 *
 * Since: 1.0
 */
void
agen_generator_await_timeout (AgenGenerator *self,
                              guint          timeout_ms)
{
  GCancellable *cancellable;
  gpointer token;

  g_return_if_fail (AGEN_IS_GENERATOR (self));

  cancellable = agen_generator_get_cancellable (self);
  if (cancellable == NULL)
    return;
  token = agen_generator_await (self);
  if (token == NULL)
    return;

  agen_sleep_start (_agen_generator_get_context (self), agen_generator_get_priority (self),
                    timeout_ms, cancellable, agen_generator_ready, token);
}
