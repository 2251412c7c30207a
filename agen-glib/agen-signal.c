/* agen-signal.c: the signal source, a buffer of emissions from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"
#include "agen-generator-private.h"
#include "agen-macros.h"
#include "agen-sources.h"

/* ---------------------------------------------------------------------- *
 * Signal
 * ---------------------------------------------------------------------- */

/* Shared by the generator (its body data) and the signal handler's
 * closure, which may run in any thread and may outlive the generator for
 * the time of an emission in another thread: reference-counted, and
 * locked where both touch it. */
typedef struct
{
  GMutex lock;
  GWeakRef generator;
  GWeakRef instance;
  char *signal_name;         /* as given, for messages */
  guint max_buffered;
  AgenOverflowPolicy overflow;

  /* Under the lock. */
  gulong handler_id;         /* 0 once disconnected or destroyed with the instance */
  GQueue buffer;             /* of GValueArray: emissions not yet yielded */
  GError *overflow_error;    /* AGEN_OVERFLOW_RAISE: what the next operation raises */
  guint await_id;            /* while the body waits for an emission */
  gboolean wake_scheduled;
  gboolean instance_gone;
  gboolean closed;           /* the generator is finished */
} AgenSignal;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void
agen_signal_clear (gpointer data)
{
  AgenSignal *signal = data;

  g_mutex_clear (&signal->lock);
  g_weak_ref_clear (&signal->generator);
  g_weak_ref_clear (&signal->instance);
  g_free (signal->signal_name);
  g_queue_clear_full (&signal->buffer, (GDestroyNotify) g_value_array_free);
  g_clear_error (&signal->overflow_error);
}

G_GNUC_END_IGNORE_DEPRECATIONS

static AgenSignal *
agen_signal_ref (AgenSignal *signal)
{
  return g_atomic_rc_box_acquire (signal);
}

static void
agen_signal_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, agen_signal_clear);
}

static void
agen_signal_unref_closure_notify (gpointer  data,
                                  GClosure *closure)
{
  agen_signal_unref (data);
}

/* Under the lock: whether the caller should schedule a wake-up of the
 * body that waits for an emission (once per wait). */
static gboolean
agen_signal_claim_wake_locked (AgenSignal *signal)
{
  if (signal->await_id == 0 || signal->wake_scheduled)
    return FALSE;

  signal->wake_scheduled = TRUE;
  return TRUE;
}

static gboolean
agen_signal_resume (gpointer data)
{
  AgenSignal *signal = data;
  g_autoptr(AgenGenerator) generator = g_weak_ref_get (&signal->generator);
  guint await_id;

  g_mutex_lock (&signal->lock);
  await_id = signal->await_id;
  signal->await_id = 0;
  signal->wake_scheduled = FALSE;
  g_mutex_unlock (&signal->lock);

  if (generator != NULL && await_id != 0)
    agen_generator_resume (generator, await_id, NULL);
  return G_SOURCE_REMOVE;
}

/* The body is resumed from its own context, never inside the emission:
 * the consumer's callback would run in the emitter's stack, and in the
 * emitter's thread. */
static void
agen_signal_schedule_resume (AgenSignal *signal)
{
  g_autoptr(AgenGenerator) generator = g_weak_ref_get (&signal->generator);

  if (generator != NULL)
    _agen_generator_schedule (generator, "[agen] signal", agen_signal_resume,
                              agen_signal_ref (signal), agen_signal_unref);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* Under the lock: takes @args into the buffer, as the overflow policy
 * says, and sets @wake when the body should be woken. Returns the
 * emission it dropped (the oldest, or @args), for the caller to free once
 * it has unlocked: freeing parameters may run arbitrary code. */
static GValueArray *
agen_signal_push_locked (AgenSignal  *signal,
                         GValueArray *args,
                         gboolean    *wake)
{
  GValueArray *dropped = NULL;

  *wake = FALSE;
  if (signal->closed)
    return args;

  if (signal->buffer.length >= signal->max_buffered)
    {
      switch (signal->overflow)
        {
        case AGEN_OVERFLOW_DROP_OLDEST:
          dropped = g_queue_pop_head (&signal->buffer);
          break;
        case AGEN_OVERFLOW_RAISE:
          if (signal->overflow_error == NULL)
            signal->overflow_error = g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                                  "More than %u emissions of the signal “%s” "
                                                  "were waiting to be consumed",
                                                  signal->max_buffered, signal->signal_name);
          return args;
        case AGEN_OVERFLOW_DROP_NEWEST:
        default:
          return args;
        }
    }

  g_queue_push_tail (&signal->buffer, args);
  *wake = agen_signal_claim_wake_locked (signal);
  return dropped;
}

/* The handler, in the emitting thread: a copy of the parameters, the
 * instance left out. The return value, if any, is left at its zero. */
static void
agen_signal_marshal (GClosure     *closure,
                     GValue       *return_value,
                     guint         n_param_values,
                     const GValue *param_values,
                     gpointer      invocation_hint,
                     gpointer      marshal_data)
{
  AgenSignal *signal = closure->data;
  GValueArray *args = g_value_array_new (n_param_values - 1);
  GValueArray *dropped;
  gboolean wake;

  for (guint i = 1; i < n_param_values; i++)
    g_value_array_append (args, &param_values[i]);

  g_mutex_lock (&signal->lock);
  dropped = agen_signal_push_locked (signal, args, &wake);
  g_mutex_unlock (&signal->lock);

  g_clear_pointer (&dropped, g_value_array_free);
  if (wake)
    agen_signal_schedule_resume (signal);
}

G_GNUC_END_IGNORE_DEPRECATIONS

/* The handler is gone: disconnected by agen_signal_close(), or destroyed
 * with the instance (in the thread that disposes it). */
static void
agen_signal_on_invalidated (gpointer  data,
                            GClosure *closure)
{
  AgenSignal *signal = data;
  gboolean wake;

  g_mutex_lock (&signal->lock);
  signal->handler_id = 0;
  signal->instance_gone = TRUE;
  wake = agen_signal_claim_wake_locked (signal);
  g_mutex_unlock (&signal->lock);

  if (wake)
    agen_signal_schedule_resume (signal);
}

/* The generator's destroy notify: when it finishes or is finalised. */
static void
agen_signal_close (gpointer data)
{
  AgenSignal *signal = data;
  g_autoptr(GObject) instance = g_weak_ref_get (&signal->instance);
  gulong handler_id;

  g_mutex_lock (&signal->lock);
  signal->closed = TRUE;
  signal->await_id = 0;
  handler_id = signal->handler_id;
  signal->handler_id = 0;
  g_mutex_unlock (&signal->lock);

  /* An instance that is being finalised destroys the handler itself. */
  if (instance != NULL && handler_id != 0)
    g_signal_handler_disconnect (instance, handler_id);
  agen_signal_unref (signal);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* No resume point: after a yield and after a wait it does the same thing,
 * hand out the oldest emission or wait for one. */
static void
agen_signal_body (AgenGenerator *self,
                  gpointer       user_data)
{
  AgenSignal *signal = user_data;
  GValueArray *args = NULL;
  GError *error;
  gboolean ended;

  /* A close or a throw finishes the generator: leave the buffer alone. */
  if (agen_generator_peek_error (self) != NULL)
    return;

  g_mutex_lock (&signal->lock);
  error = g_steal_pointer (&signal->overflow_error);
  if (error == NULL)
    args = g_queue_pop_head (&signal->buffer);
  ended = signal->instance_gone;
  /* Under the lock, so that no emission slips in before the wait. */
  if (error == NULL && args == NULL && !ended)
    signal->await_id = agen_generator_suspend (self);
  g_mutex_unlock (&signal->lock);

  if (error != NULL)
    agen_generator_raise (self, error);
  else if (args != NULL)
    {
      GValue item = G_VALUE_INIT;

      /* G_TYPE_VALUE_ARRAY is a deprecated macro, which no pragma silences. */
      g_value_init (&item, g_value_array_get_type ());
      g_value_take_boxed (&item, args);
      agen_generator_yield (self, &item);
      g_value_unset (&item);
    }
  else if (ended)
    agen_generator_return (self);
}

G_GNUC_END_IGNORE_DEPRECATIONS

/**
 * agen_generator_new_signal:
 * @instance: (type GObject.Object): the object that emits the signal
 * @detailed_signal: the signal, as "name" or "name::detail"
 * @max_buffered: how many emissions may wait for the consumer, more than 0
 * @overflow: what to do with an emission when @max_buffered are waiting
 *
 * A generator of the emissions of a signal of @instance. Each item is a
 * #GValueArray (%G_TYPE_VALUE_ARRAY) of copies of the emission's
 * parameters, the instance left out: an empty array for a signal without
 * parameters.
 *
 * The handler is connected here, so no emission between the creation and
 * the first next is lost. Emissions wait in a buffer of @max_buffered
 * until a next takes the oldest; a next with an empty buffer waits for the
 * next emission. An emission that finds the buffer full is handled as
 * @overflow says. The handler may run in any thread; the body, and the
 * consumer's callbacks, always run in the generator's main context, never
 * inside the emission. For a signal with a return value the handler
 * returns the zero value of its type (%FALSE for a "handled" boolean, so
 * other handlers still run).
 *
 * The generator holds only a weak reference to @instance: once @instance
 * is disposed (its handlers destroyed), the generator yields what is
 * buffered and then returns. The handler is disconnected when the
 * generator finishes (also by a close, or by raising
 * %G_IO_ERROR_NO_SPACE) or is finalised.
 *
 * Its name is "signal" followed by @detailed_signal.
 *
 * Returns: (transfer full) (nullable): a new #AgenGenerator of
 *   #GValueArray, or %NULL when @instance has no such signal
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_signal (gpointer            instance,
                           const char         *detailed_signal,
                           guint               max_buffered,
                           AgenOverflowPolicy  overflow)
{
  AgenSignal *signal;
  AgenGenerator *generator;
  GClosure *closure;
  guint signal_id;
  GQuark detail;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_OBJECT (instance), NULL);
  g_return_val_if_fail (detailed_signal != NULL, NULL);
  g_return_val_if_fail (max_buffered > 0, NULL);
  g_return_val_if_fail (overflow == AGEN_OVERFLOW_DROP_OLDEST ||
                        overflow == AGEN_OVERFLOW_DROP_NEWEST ||
                        overflow == AGEN_OVERFLOW_RAISE, NULL);

  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (instance), &signal_id, &detail, TRUE))
    {
      g_critical ("%s: %s has no signal “%s”", G_STRFUNC, G_OBJECT_TYPE_NAME (instance), detailed_signal);
      return NULL;
    }

  signal = g_atomic_rc_box_new0 (AgenSignal);
  g_mutex_init (&signal->lock);
  g_weak_ref_init (&signal->instance, instance);
  signal->signal_name = g_strdup (detailed_signal);
  signal->max_buffered = max_buffered;
  signal->overflow = overflow;
  g_queue_init (&signal->buffer);

  generator = agen_generator_new (agen_signal_body, signal, agen_signal_close);
  g_weak_ref_init (&signal->generator, generator);

  closure = g_closure_new_simple (sizeof (GClosure), agen_signal_ref (signal));
  g_closure_set_marshal (closure, agen_signal_marshal);
  g_closure_add_invalidate_notifier (closure, signal, agen_signal_on_invalidated);
  g_closure_add_finalize_notifier (closure, signal, agen_signal_unref_closure_notify);
  signal->handler_id = g_signal_connect_closure_by_id (instance, signal_id, detail, closure, FALSE);

  name = g_strconcat ("signal ", detailed_signal, NULL);
  agen_generator_set_name (generator, name);
  return generator;
}
