/* agen-test.c: a log, reference generator bodies and a C consumer for the
 * tests of every language (the gate is agen-test-gate.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test.h"

/**
 * SECTION:agen-test
 * @short_description: reference bodies, a gate and a log for tests
 *
 * Every body logs "cleanup" (or more) from its `finally`, so a test can
 * compare it with its Python twin.
 */

/* ------------------------------------------------------------------ log */

struct _AgenTestLog
{
  GObject parent_instance;
  GMutex lock;                 /* producer threads append too */
  GPtrArray *entries;
};

G_DEFINE_FINAL_TYPE (AgenTestLog, agen_test_log, G_TYPE_OBJECT)

static void
agen_test_log_finalize (GObject *object)
{
  g_ptr_array_unref (AGEN_TEST_LOG (object)->entries);
  g_mutex_clear (&AGEN_TEST_LOG (object)->lock);
  G_OBJECT_CLASS (agen_test_log_parent_class)->finalize (object);
}

static void
agen_test_log_class_init (AgenTestLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = agen_test_log_finalize;
}

static void
agen_test_log_init (AgenTestLog *self)
{
  g_mutex_init (&self->lock);
  self->entries = g_ptr_array_new_with_free_func (g_free);
}

/**
 * agen_test_log_new:
 *
 * Returns: (transfer full): an empty log
 */
AgenTestLog *
agen_test_log_new (void)
{
  return g_object_new (AGEN_TEST_TYPE_LOG, NULL);
}

/**
 * agen_test_log_append:
 * @self: a log
 * @entry: what happened
 */
void
agen_test_log_append (AgenTestLog *self,
                      const char  *entry)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->entries, g_strdup (entry));
  g_mutex_unlock (&self->lock);
}

/**
 * agen_test_log_dup_entries:
 * @self: a log
 *
 * Returns: (transfer full) (array zero-terminated=1): the entries, oldest first
 */
char **
agen_test_log_dup_entries (AgenTestLog *self)
{
  char **entries;

  g_mutex_lock (&self->lock);
  entries = g_new0 (char *, self->entries->len + 1);
  for (guint i = 0; i < self->entries->len; i++)
    entries[i] = g_strdup (self->entries->pdata[i]);
  g_mutex_unlock (&self->lock);
  return entries;
}

/**
 * agen_test_log_clear:
 * @self: a log
 */
void
agen_test_log_clear (AgenTestLog *self)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_set_size (self->entries, 0);
  g_mutex_unlock (&self->lock);
}

static void
log_cleanup (gpointer data)
{
  agen_test_log_append (data, "cleanup");
}

/* --------------------------------------------------------------- bodies */

typedef struct
{
  gint i;
  gint n;
  GValue item;
  GError *pending;     /* caught at a yield, raised again after a finally block */
  AgenTestLog *log;
  AgenTestGate *gate;
} BodyState;

static void
body_state_free (gpointer data)
{
  BodyState *state = data;

  g_clear_object (&state->log);
  g_clear_object (&state->gate);
  g_value_unset (&state->item);
  g_clear_error (&state->pending);
  g_free (state);
}

static AgenGenerator *
body_new (AgenBodyFunc  body,
          gint          n,
          AgenTestGate *gate,
          AgenTestLog  *log)
{
  BodyState *state = g_new0 (BodyState, 1);

  state->n = n;
  g_value_init (&state->item, G_TYPE_INT);
  state->log = g_object_ref (log);
  state->gate = gate != NULL ? g_object_ref (gate) : NULL;
  return agen_generator_new (body, state, body_state_free);
}

static void
wait_gate (AgenGenerator *self,
           BodyState     *state)
{
  agen_test_gate_wait_async (state->gate, agen_generator_get_cancellable (self),
                             agen_generator_ready, agen_generator_await (self));
}

/* The result of an awaited gate: a cancellation is already thrown in, so a
 * failed wait needs no more. */
static void
finish_gate (AgenGenerator *self,
             BodyState     *state)
{
  GAsyncResult *result = agen_generator_get_result (self);

  if (result != NULL)
    agen_test_gate_wait_finish (state->gate, result, NULL);
}

/* async def counter(n, log):
 *     try:
 *         for i in range(n):
 *             yield i
 *     finally:
 *         log.append("cleanup")
 */
static void
counter_body (AgenGenerator *self,
              gpointer       user_data)
{
  BodyState *state = user_data;

  AGEN_BEGIN (self);
  agen_generator_defer (self, log_cleanup, state->log);
  for (state->i = 0; state->i < state->n; state->i++)
    AGEN_YIELD_INT (self, state->i);
  AGEN_END (self);
}

/**
 * agen_test_counter:
 * @n: how many items
 * @log: the log
 *
 * Returns: (transfer full): a generator of 0 .. @n - 1
 */
AgenGenerator *
agen_test_counter (gint         n,
                   AgenTestLog *log)
{
  return body_new (counter_body, n, NULL, log);
}

/* async def echo(log):
 *     try:
 *         received = None
 *         while True:
 *             received = yield received
 *     finally:
 *         log.append("cleanup")
 */
static void
echo_body (AgenGenerator *self,
           gpointer       user_data)
{
  BodyState *state = user_data;

  if (agen_generator_get_resume_point (self) == 0)
    {
      agen_generator_defer (self, log_cleanup, state->log);
      agen_generator_set_resume_point (self, 1);
    }
  else if (agen_generator_peek_error (self) != NULL)
    return;

  agen_generator_yield (self, agen_generator_get_sent (self));
}

/**
 * agen_test_echo:
 * @log: the log
 *
 * Returns: (transfer full): a generator that yields what is sent to it
 */
AgenGenerator *
agen_test_echo (AgenTestLog *log)
{
  return body_new (echo_body, 0, NULL, log);
}

/* async def catcher(n, log):
 *     try:
 *         i = 0
 *         while i < n:
 *             try:
 *                 yield i
 *             except GLib.Error as e:   # not GeneratorExit
 *                 log.append("caught " + e.message)
 *                 yield -1
 *             i += 1
 *     finally:
 *         log.append("cleanup")
 */
static void
log_caught (BodyState *state,
            GError    *error)
{
  g_autofree char *entry = g_strconcat ("caught ", error->message, NULL);

  agen_test_log_append (state->log, entry);
}

static void
catcher_body (AgenGenerator *self,
              gpointer       user_data)
{
  BodyState *state = user_data;
  g_autoptr(GError) error = NULL;

  AGEN_BEGIN (self);
  agen_generator_defer (self, log_cleanup, state->log);
  for (state->i = 0; state->i < state->n; state->i++)
    {
      g_value_set_int (&state->item, state->i);
      AGEN_YIELD_CATCH (self, &state->item, &error);
      if (g_error_matches (error, AGEN_ERROR, AGEN_ERROR_EXIT))
        {
          agen_generator_raise (self, g_steal_pointer (&error));
          return;
        }
      if (error != NULL)
        {
          log_caught (state, error);
          g_clear_error (&error);
          AGEN_YIELD_INT (self, -1);
        }
    }
  AGEN_END (self);
}

/**
 * agen_test_catcher:
 * @n: how many items
 * @log: the log
 *
 * Returns: (transfer full): a counter that catches thrown errors and yields -1
 */
AgenGenerator *
agen_test_catcher (gint         n,
                   AgenTestLog *log)
{
  return body_new (catcher_body, n, NULL, log);
}

/* async def cleanup_awaits(n, gate, log):
 *     try:
 *         for i in range(n):
 *             yield i
 *     finally:
 *         log.append("cleanup start")
 *         await gate.wait()
 *         log.append("cleanup end")
 */
static void
cleanup_awaits_body (AgenGenerator *self,
                     gpointer       user_data)
{
  BodyState *state = user_data;
  g_autoptr(GError) cancelled = NULL;

  AGEN_BEGIN (self);
  for (state->i = 0; state->i < state->n; state->i++)
    {
      g_value_set_int (&state->item, state->i);
      AGEN_YIELD_CATCH (self, &state->item, &state->pending);
      if (state->pending != NULL)
        break;
    }

  /* finally: */
  agen_test_log_append (state->log, "cleanup start");
  AGEN_AWAIT_CATCH (self, wait_gate (self, state), &cancelled);
  if (cancelled != NULL)
    {
      /* An error raised in a finally block replaces the pending one. */
      agen_generator_raise (self, g_steal_pointer (&cancelled));
      return;
    }
  finish_gate (self, state);
  agen_test_log_append (state->log, "cleanup end");
  if (state->pending != NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&state->pending));
      return;
    }
  AGEN_END (self);
}

/**
 * agen_test_cleanup_awaits:
 * @n: how many items
 * @gate: what the cleanup awaits
 * @log: the log
 *
 * Returns: (transfer full): a counter whose cleanup awaits @gate
 */
AgenGenerator *
agen_test_cleanup_awaits (gint          n,
                          AgenTestGate *gate,
                          AgenTestLog  *log)
{
  return body_new (cleanup_awaits_body, n, gate, log);
}

/* async def yields_in_close(n, log):
 *     try:
 *         for i in range(n):
 *             try:
 *                 yield i
 *             except GeneratorExit:
 *                 log.append("ignoring exit")
 *                 yield -1
 *     finally:
 *         log.append("cleanup")
 */
static void
yields_in_close_body (AgenGenerator *self,
                      gpointer       user_data)
{
  BodyState *state = user_data;
  g_autoptr(GError) error = NULL;

  AGEN_BEGIN (self);
  agen_generator_defer (self, log_cleanup, state->log);
  for (state->i = 0; state->i < state->n; state->i++)
    {
      g_value_set_int (&state->item, state->i);
      AGEN_YIELD_CATCH (self, &state->item, &error);
      if (error != NULL && !g_error_matches (error, AGEN_ERROR, AGEN_ERROR_EXIT))
        {
          agen_generator_raise (self, g_steal_pointer (&error));
          return;
        }
      if (error != NULL)
        {
          agen_test_log_append (state->log, "ignoring exit");
          g_clear_error (&error);
          AGEN_YIELD_INT (self, -1);
        }
    }
  AGEN_END (self);
}

/**
 * agen_test_yields_in_close:
 * @n: how many items
 * @log: the log
 *
 * Returns: (transfer full): a counter that yields -1 when it is closed
 */
AgenGenerator *
agen_test_yields_in_close (gint         n,
                           AgenTestLog *log)
{
  return body_new (yields_in_close_body, n, NULL, log);
}

/* async def raises_in_cleanup(n, log):
 *     try:
 *         for i in range(n):
 *             yield i
 *     finally:
 *         log.append("cleanup")
 *         raise GLib.Error("cleanup failed", "g-io-error-quark", Gio.IOErrorEnum.FAILED)
 */
static void
raises_in_cleanup_body (AgenGenerator *self,
                        gpointer       user_data)
{
  BodyState *state = user_data;
  g_autoptr(GError) error = NULL;

  AGEN_BEGIN (self);
  for (state->i = 0; state->i < state->n; state->i++)
    {
      g_value_set_int (&state->item, state->i);
      AGEN_YIELD_CATCH (self, &state->item, &error);
      if (error != NULL)
        break;
    }
  agen_test_log_append (state->log, "cleanup");
  agen_generator_raise (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "cleanup failed"));
  return;
  AGEN_END (self);
}

/**
 * agen_test_raises_in_cleanup:
 * @n: how many items
 * @log: the log
 *
 * Returns: (transfer full): a counter whose cleanup raises G_IO_ERROR_FAILED
 */
AgenGenerator *
agen_test_raises_in_cleanup (gint         n,
                             AgenTestLog *log)
{
  return body_new (raises_in_cleanup_body, n, NULL, log);
}

/* async def gated(n, gate, log):
 *     try:
 *         for i in range(n):
 *             await gate.wait()
 *             yield i
 *     finally:
 *         log.append("cleanup")
 */
static void
gated_body (AgenGenerator *self,
            gpointer       user_data)
{
  BodyState *state = user_data;

  AGEN_BEGIN (self);
  agen_generator_defer (self, log_cleanup, state->log);
  for (state->i = 0; state->i < state->n; state->i++)
    {
      AGEN_AWAIT (self, wait_gate (self, state));
      finish_gate (self, state);
      AGEN_YIELD_INT (self, state->i);
    }
  AGEN_END (self);
}

/**
 * agen_test_gated:
 * @n: how many items
 * @gate: what the body awaits before each yield
 * @log: the log
 *
 * Returns: (transfer full): a counter that awaits @gate before each item
 */
AgenGenerator *
agen_test_gated (gint          n,
                 AgenTestGate *gate,
                 AgenTestLog  *log)
{
  return body_new (gated_body, n, gate, log);
}

/* ------------------------------------------------------------ consumer */

static gboolean
collect_item (AgenGenerator *generator,
              const GValue  *item,
              gpointer       user_data)
{
  GPtrArray *items = user_data;

  if (G_VALUE_HOLDS_STRING (item))
    g_ptr_array_add (items, g_value_dup_string (item));
  else if (G_VALUE_HOLDS_INT (item))
    g_ptr_array_add (items, g_strdup_printf ("%d", g_value_get_int (item)));
  else
    g_ptr_array_add (items, g_strdup_value_contents (item));
  return TRUE;
}

static void
on_consumed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * agen_test_consume_all_async:
 * @generator: a generator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when @generator is finished
 * @user_data: data for @callback
 *
 * A consumer written in C: collects every item of @generator with
 * agen_generator_foreach_async().
 */
void
agen_test_consume_all_async (AgenGenerator       *generator,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (generator, cancellable, callback, user_data);
  GPtrArray *items = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  g_task_set_task_data (task, items, (GDestroyNotify) g_ptr_array_unref);
  agen_generator_foreach_async (generator, collect_item, items, NULL, cancellable, on_consumed, task);
}

/**
 * agen_test_consume_all_finish:
 * @generator: a generator
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (array zero-terminated=1): the items, as strings
 *   (integers in decimal, other values as g_strdup_value_contents() shows them)
 */
char **
agen_test_consume_all_finish (AgenGenerator  *generator,
                              GAsyncResult   *result,
                              GError        **error)
{
  GPtrArray *items = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_strdupv ((char **) items->pdata);
}
