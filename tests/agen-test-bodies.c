/* agen-test-bodies.c: shared pieces of the C tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-bodies.h"

#ifdef HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

/* ---------------------------------------------------------------- errors */

G_DEFINE_QUARK (atest-error-quark, atest_error)

const char *
atest_error_name (const GError *error)
{
  char buf[32];

  if (error == NULL)
    return "none";

  if (error->domain == AGEN_ERROR)
    {
      switch (error->code)
        {
        case AGEN_ERROR_EXIT: return "EXIT";
        case AGEN_ERROR_IGNORED_EXIT: return "IGNORED_EXIT";
        case AGEN_ERROR_NOT_STARTED: return "NOT_STARTED";
        case AGEN_ERROR_WRONG_CONTEXT: return "WRONG_CONTEXT";
        case AGEN_ERROR_INVALID_BODY: return "INVALID_BODY";
        default: return "AGEN?";
        }
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return "CANCELLED";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    return "PENDING";
  if (error->domain == ATEST_ERROR)
    {
      g_snprintf (buf, sizeof buf, "E%d", error->code);
      return g_intern_string (buf);
    }
  return "other";
}

/* ------------------------------------------------------------- contexts */

void
atest_fixture_setup (AtestFixture  *fixture,
                     gconstpointer  data)
{
  fixture->context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->context);
}

void
atest_fixture_teardown (AtestFixture  *fixture,
                        gconstpointer  data)
{
  /* Let closes on last unref and late completions finish. */
  for (guint i = 0; i < 10000 && g_main_context_iteration (fixture->context, FALSE); i++)
    ;
  g_main_context_pop_thread_default (fixture->context);
  g_main_context_unref (fixture->context);
}

guint
atest_timeout_seconds (guint base)
{
  const char *multiplier = g_getenv ("AGEN_TEST_TIMEOUT_MULTIPLIER");
  guint factor = 1;

  if (multiplier != NULL && g_ascii_strtoull (multiplier, NULL, 10) > 0)
    factor = (guint) g_ascii_strtoull (multiplier, NULL, 10);
  else if (RUNNING_ON_VALGRIND)
    factor = 20;
  return base * factor;
}

static gboolean
atest_set_flag (gpointer flag)
{
  *(gboolean *) flag = TRUE;
  return G_SOURCE_REMOVE;
}

static void
atest_iterate_until (gboolean  (*done) (gconstpointer),
                     gconstpointer data,
                     guint       seconds,
                     const char *what)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new_seconds (atest_timeout_seconds (seconds));

  g_source_set_callback (timeout, atest_set_flag, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!done (data) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_main_context_unref (context);

  if (!done (data))
    g_error ("timed out after %u s waiting for %s", atest_timeout_seconds (seconds), what);
}

static gboolean
atest_flag_is_set (gconstpointer flag)
{
  return *(const gboolean *) flag;
}

void
atest_wait_for (const gboolean *flag)
{
  atest_iterate_until (atest_flag_is_set, flag, 10, "a callback");
}

typedef struct
{
  const guint *counter;
  guint target;
} AtestCountTarget;

static gboolean
atest_count_reached (gconstpointer data)
{
  const AtestCountTarget *target = data;

  return *target->counter >= target->target;
}

void
atest_wait_for_count (const guint *counter,
                      guint        target,
                      guint        seconds)
{
  AtestCountTarget t = { counter, target };

  atest_iterate_until (atest_count_reached, &t, seconds, "a count");
}

void
atest_iterate_ms (guint ms)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  gboolean elapsed = FALSE;
  GSource *timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, atest_set_flag, &elapsed, NULL);
  g_source_attach (timeout, context);
  while (!elapsed)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_main_context_unref (context);
}

void
atest_drain (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();

  for (guint i = 0; i < 10000 && g_main_context_iteration (context, FALSE); i++)
    ;
  g_main_context_unref (context);
}

static void
atest_on_finalized_flag (gpointer  data,
                         GObject  *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

void
atest_watch_finalize (gpointer  object,
                      gboolean *flag)
{
  *flag = FALSE;
  g_object_weak_ref (object, atest_on_finalized_flag, flag);
}

static void
atest_on_finalized_count (gpointer  data,
                          GObject  *where_the_object_was)
{
  (*(guint *) data)++;
}

void
atest_count_finalize (gpointer  object,
                      guint    *counter)
{
  g_object_weak_ref (object, atest_on_finalized_count, counter);
}

/* ------------------------------------------------------------------ calls */

void
atest_call_init (AtestCall *call)
{
  memset (call, 0, sizeof *call);
}

void
atest_call_clear (AtestCall *call)
{
  if (G_IS_VALUE (&call->item))
    g_value_unset (&call->item);
  g_clear_error (&call->error);
  g_clear_pointer (&call->context, g_main_context_unref);
  g_clear_pointer (&call->log_at_callback, g_free);
}

void
atest_call_wait (AtestCall *call)
{
  atest_wait_for (&call->done);
}

static void
atest_call_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AtestCall *call = user_data;

  /* The GAsyncResult contract. */
  g_assert_true (call->started);               /* never before _async returns */
  g_assert_cmpuint (call->n_callbacks, ==, 0); /* exactly once */
  call->n_callbacks++;
  g_assert_true (g_main_context_is_owner (call->context));
  g_assert_true (g_main_context_get_thread_default () == call->context ||
                 (g_main_context_get_thread_default () == NULL &&
                  call->context == g_main_context_default ()));

  if (call->prefill_item)
    {
      g_value_init (&call->item, G_TYPE_STRING);
      g_value_set_string (&call->item, "stale item that finish must unset");
    }

  switch (call->op)
    {
    case ATEST_OP_NEXT:
      call->ret = agen_generator_next_finish (AGEN_GENERATOR (source), result, &call->item, &call->error);
      break;
    case ATEST_OP_SEND:
      call->ret = agen_generator_send_finish (AGEN_GENERATOR (source), result, &call->item, &call->error);
      break;
    case ATEST_OP_THROW:
      call->ret = agen_generator_throw_finish (AGEN_GENERATOR (source), result, &call->item, &call->error);
      break;
    case ATEST_OP_CLOSE:
      call->ret = agen_generator_close_finish (AGEN_GENERATOR (source), result, &call->error);
      break;
    case ATEST_OP_FOREACH:
      call->ret = agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &call->error);
      break;
    case ATEST_OP_SHUTDOWN:
      g_assert_null (source);
      call->ret = agen_shutdown_finish (result, &call->error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (call->op == ATEST_OP_NEXT || call->op == ATEST_OP_SEND || call->op == ATEST_OP_THROW)
    {
      /* The out item is always initialised, also on FALSE. */
      g_assert_true (G_IS_VALUE (&call->item));
      if (call->ret)
        g_assert_no_error (call->error);
      else
        atest_assert_item_none (&call->item);
    }
  else
    {
      /* A gboolean finish: TRUE exactly when there is no error. */
      g_assert_true (call->ret == (call->error == NULL));
    }

  if (source != NULL)
    call->state_at_callback = agen_generator_get_state (AGEN_GENERATOR (source));
  if (call->watch != NULL)
    call->log_at_callback = g_strdup (call->watch->log->str);

  call->done = TRUE;
}

/* How many calls into agen-glib that the helpers made are on the stack:
 * the script counts its body calls made inside one. */
static guint atest_call_depth;

static void
atest_call_begin (AtestCall *call,
                  AtestOp    op)
{
  g_assert_false (call->started);
  call->op = op;
  call->context = g_main_context_ref_thread_default ();
}

void
atest_start_next (AgenGenerator *generator,
                  GCancellable  *cancellable,
                  AtestCall     *call)
{
  atest_call_begin (call, ATEST_OP_NEXT);
  atest_call_depth++;
  agen_generator_next_async (generator, cancellable, atest_call_cb, call);
  atest_call_depth--;
  call->started = TRUE;
}

void
atest_start_send (AgenGenerator *generator,
                  const GValue  *value,
                  GCancellable  *cancellable,
                  AtestCall     *call)
{
  atest_call_begin (call, ATEST_OP_SEND);
  atest_call_depth++;
  agen_generator_send_async (generator, value, cancellable, atest_call_cb, call);
  atest_call_depth--;
  call->started = TRUE;
}

void
atest_start_throw (AgenGenerator *generator,
                   const GError  *error,
                   GCancellable  *cancellable,
                   AtestCall     *call)
{
  atest_call_begin (call, ATEST_OP_THROW);
  atest_call_depth++;
  agen_generator_throw_async (generator, error, cancellable, atest_call_cb, call);
  atest_call_depth--;
  call->started = TRUE;
}

void
atest_start_close (AgenGenerator *generator,
                   GCancellable  *cancellable,
                   AtestCall     *call)
{
  atest_call_begin (call, ATEST_OP_CLOSE);
  atest_call_depth++;
  agen_generator_close_async (generator, cancellable, atest_call_cb, call);
  atest_call_depth--;
  call->started = TRUE;
}

void
atest_start_foreach (AgenGenerator   *generator,
                     AgenForeachFunc  func,
                     gpointer         func_data,
                     GDestroyNotify   func_data_destroy,
                     GCancellable    *cancellable,
                     AtestCall       *call)
{
  atest_call_begin (call, ATEST_OP_FOREACH);
  atest_call_depth++;
  agen_generator_foreach_async (generator, func, func_data, func_data_destroy, cancellable,
                                atest_call_cb, call);
  atest_call_depth--;
  call->started = TRUE;
}

void
atest_start_shutdown (GCancellable *cancellable,
                      AtestCall    *call)
{
  atest_call_begin (call, ATEST_OP_SHUTDOWN);
  agen_shutdown_async (cancellable, atest_call_cb, call);
  call->started = TRUE;
}

/* Hands the outcome of a finished call over and clears it. */
static gboolean
atest_call_take (AtestCall  *call,
                 GValue     *item,
                 GError    **error)
{
  gboolean ret = call->ret;

  if (item != NULL)
    {
      g_assert_false (G_IS_VALUE (item));
      *item = call->item;
      call->item = (GValue) G_VALUE_INIT;
    }
  if (call->error != NULL)
    g_propagate_error (error, g_steal_pointer (&call->error));
  atest_call_clear (call);
  return ret;
}

gboolean
atest_next (AgenGenerator  *generator,
            GCancellable   *cancellable,
            GValue         *item,
            GError        **error)
{
  AtestCall call = { 0 };

  atest_start_next (generator, cancellable, &call);
  atest_call_wait (&call);
  return atest_call_take (&call, item, error);
}

gboolean
atest_send (AgenGenerator  *generator,
            const GValue   *value,
            GCancellable   *cancellable,
            GValue         *item,
            GError        **error)
{
  AtestCall call = { 0 };

  atest_start_send (generator, value, cancellable, &call);
  atest_call_wait (&call);
  return atest_call_take (&call, item, error);
}

gboolean
atest_throw (AgenGenerator  *generator,
             const GError   *thrown,
             GCancellable   *cancellable,
             GValue         *item,
             GError        **error)
{
  AtestCall call = { 0 };

  atest_start_throw (generator, thrown, cancellable, &call);
  atest_call_wait (&call);
  return atest_call_take (&call, item, error);
}

gboolean
atest_close (AgenGenerator  *generator,
             GCancellable   *cancellable,
             GError        **error)
{
  AtestCall call = { 0 };

  atest_start_close (generator, cancellable, &call);
  atest_call_wait (&call);
  return atest_call_take (&call, NULL, error);
}

gboolean
atest_shutdown (GCancellable  *cancellable,
                GError       **error)
{
  AtestCall call = { 0 };

  atest_start_shutdown (cancellable, &call);
  atest_call_wait (&call);
  return atest_call_take (&call, NULL, error);
}

/* ------------------------------------------------------------------- gate */

struct _AtestGate
{
  GObject parent_instance;
  GQueue waiters;              /* of GTask, owned */
  gboolean open;
  guint n_cancelled;
};

G_DEFINE_FINAL_TYPE (AtestGate, atest_gate, G_TYPE_OBJECT)

static void
atest_gate_finalize (GObject *object)
{
  AtestGate *self = ATEST_GATE (object);

  /* Each waiter holds a reference on the gate. */
  g_assert_true (g_queue_is_empty (&self->waiters));
  G_OBJECT_CLASS (atest_gate_parent_class)->finalize (object);
}

static void
atest_gate_class_init (AtestGateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = atest_gate_finalize;
}

static void
atest_gate_init (AtestGate *self)
{
  g_queue_init (&self->waiters);
}

AtestGate *
atest_gate_new (void)
{
  return g_object_new (ATEST_TYPE_GATE, NULL);
}

static void
atest_destroy_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static gboolean
atest_gate_on_cancelled (GCancellable *cancellable,
                         gpointer      user_data)
{
  GTask *task = user_data;
  AtestGate *self = g_task_get_source_object (task);

  g_assert_true (g_queue_remove (&self->waiters, task));
  self->n_cancelled++;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The gate wait was cancelled");
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
atest_gate_wait_internal (AtestGate           *self,
                          gboolean             honour_cancellable,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, atest_gate_wait_async);
  g_task_set_check_cancellable (task, FALSE);

  if (self->open)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  if (honour_cancellable && cancellable != NULL)
    {
      GSource *source;

      if (g_cancellable_is_cancelled (cancellable))
        {
          self->n_cancelled++;
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The gate wait was cancelled");
          g_object_unref (task);
          return;
        }

      source = g_cancellable_source_new (cancellable);
      g_source_set_callback (source, G_SOURCE_FUNC (atest_gate_on_cancelled), task, NULL);
      g_task_set_task_data (task, source, atest_destroy_source);
      g_source_attach (source, g_task_get_context (task));
    }

  g_queue_push_tail (&self->waiters, task);
}

void
atest_gate_wait_async (AtestGate           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  atest_gate_wait_internal (self, TRUE, cancellable, callback, user_data);
}

void
atest_gate_wait_ignoring_cancel_async (AtestGate           *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  atest_gate_wait_internal (self, FALSE, cancellable, callback, user_data);
}

gboolean
atest_gate_wait_finish (AtestGate     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_assert_true (g_task_is_valid (result, self));
  g_assert_true (g_task_get_source_tag (G_TASK (result)) == atest_gate_wait_async);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
atest_gate_release (AtestGate *self)
{
  GQueue waiters = self->waiters;
  GTask *task;

  g_queue_init (&self->waiters);
  while ((task = g_queue_pop_head (&waiters)) != NULL)
    {
      GSource *source = g_task_get_task_data (task);

      if (source != NULL)
        g_source_destroy (source);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

void
atest_gate_open (AtestGate *self)
{
  self->open = TRUE;
  atest_gate_release (self);
}

guint
atest_gate_get_n_waiters (AtestGate *self)
{
  return self->waiters.length;
}

guint
atest_gate_get_n_cancelled (AtestGate *self)
{
  return self->n_cancelled;
}

/* ----------------------------------------------------------------- script */

static void
atest_value_free (gpointer data)
{
  GValue *value = data;

  if (value != NULL)
    {
      g_value_unset (value);
      g_free (value);
    }
}

AtestScript *
atest_script_new (const AtestStep *steps,
                  guint            n_steps,
                  const AtestStep *handler,
                  guint            n_handler)
{
  AtestScript *s = g_new0 (AtestScript, 1);
  static const AtestStep ret = S_RETURN;
  guint n = 0;

  s->ref_count = 1;
  /* Each list gets a return at its end, so that falling off the end of the
   * main steps never runs into the handler. */
  s->n_steps = n_steps + 1 + (handler != NULL ? n_handler + 1 : 0);
  s->steps = g_new0 (AtestStep, s->n_steps);
  for (guint i = 0; i < n_steps; i++)
    s->steps[n++] = steps[i];
  s->steps[n++] = ret;
  s->handler_start = -1;
  if (handler != NULL)
    {
      s->handler_start = n;
      for (guint i = 0; i < n_handler; i++)
        s->steps[n++] = handler[i];
      s->steps[n++] = ret;
    }
  g_assert_cmpuint (n, ==, s->n_steps);

  s->gate = atest_gate_new ();
  s->context = g_main_context_ref_thread_default ();
  s->log = g_string_new (NULL);
  s->caught = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  s->sent = g_ptr_array_new_with_free_func (atest_value_free);
  s->cancellable_cancelled = -1;

  return s;
}

AtestScript *
atest_script_ref (AtestScript *s)
{
  g_atomic_int_inc (&s->ref_count);
  return s;
}

static GValue *
atest_value_dup (const GValue *value)
{
  GValue *copy = g_new0 (GValue, 1);

  g_value_init (copy, G_VALUE_TYPE (value));
  g_value_copy (value, copy);
  return copy;
}

void
atest_script_unref (AtestScript *s)
{
  if (!g_atomic_int_dec_and_test (&s->ref_count))
    return;

  /* Late completions hold the gate; a test opens it before it ends. */
  g_object_unref (s->gate);
  g_main_context_unref (s->context);
  g_string_free (s->log, TRUE);
  g_ptr_array_unref (s->caught);
  g_ptr_array_unref (s->sent);
  g_clear_weak_pointer (&s->last_object);
  g_free (s->steps);
  g_free (s);
}

G_GNUC_PRINTF (2, 3)
static void
atest_log (AtestScript *s,
           const char  *format,
           ...)
{
  va_list args;

  if (s->log->len > 0)
    g_string_append_c (s->log, ' ');
  va_start (args, format);
  g_string_append_vprintf (s->log, format, args);
  va_end (args);
}

typedef struct
{
  AtestScript *script;
  gint n;
} AtestCleanup;

static void
atest_cleanup_run (gpointer data)
{
  AtestCleanup *cleanup = data;

  atest_log (cleanup->script, "d%d", cleanup->n);
  atest_script_unref (cleanup->script);
  g_free (cleanup);
}

typedef struct
{
  AgenGenerator *generator;
  guint await_id;
} AtestResume;

static void
atest_resume_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AtestResume *resume = user_data;

  atest_call_depth++;
  agen_generator_resume (resume->generator, resume->await_id, result);
  atest_call_depth--;
  g_object_unref (resume->generator);
  g_free (resume);
}

static gboolean
atest_step_awaits (AtestStepKind kind)
{
  return kind == ATEST_AWAIT || kind == ATEST_AWAIT_IGNORING ||
         kind == ATEST_SUSPEND || kind == ATEST_SUSPEND_GATE;
}

static void
atest_script_body (AgenGenerator *self,
                   gpointer       user_data)
{
  AtestScript *s = user_data;
  guint rp = agen_generator_get_resume_point (self);
  guint pc = rp == 0 ? 0 : rp - 1;
  const GValue *sent = agen_generator_get_sent (self);

  s->n_calls++;
  if (!g_main_context_is_owner (s->context))
    s->wrong_context_calls++;
  if (agen_generator_get_state (self) != AGEN_GENERATOR_STATE_RUNNING)
    s->wrong_state_calls++;
  if (atest_call_depth > 0)
    s->calls_inside_a_call++;
  g_ptr_array_add (s->sent, sent != NULL ? atest_value_dup (sent) : NULL);

  if (rp != 0)
    {
      AtestStepKind previous = s->steps[pc - 1].kind;
      const GError *pending = s->ignore_errors ? NULL : agen_generator_peek_error (self);

      if (atest_step_awaits (previous))
        {
          GAsyncResult *result = agen_generator_get_result (self);

          s->last_result = result;
          if (result == NULL)
            s->n_null_results++;
          else
            {
              s->n_results++;
              if (previous != ATEST_SUSPEND)
                {
                  GError *error = NULL;

                  if (!atest_gate_wait_finish (s->gate, result, &error))
                    {
                      atest_log (s, "await-failed:%s", atest_error_name (error));
                      if (pending == NULL)
                        {
                          agen_generator_raise (self, error);
                          return;
                        }
                      g_error_free (error);
                    }
                }
            }
        }

      if (pending != NULL)
        {
          gboolean in_handler = s->handler_start >= 0 && pc > (guint) s->handler_start;
          GError *caught = NULL;

          if (s->handler_start < 0 || in_handler)
            {
              /* Uncaught: it propagates when this call returns. */
              atest_log (s, "u:%s", atest_error_name (pending));
              return;
            }

          if (s->catch_error)
            caught = agen_generator_catch_error (self);
          else
            g_assert_true (agen_generator_catch (self, &caught));
          g_assert_nonnull (caught);
          if (agen_generator_peek_error (self) != NULL)
            s->peeked_after_catch++;
          atest_log (s, "c:%s", atest_error_name (caught));
          g_ptr_array_add (s->caught, caught);
          pc = s->handler_start;
        }
    }

  for (;; pc++)
    {
      const AtestStep *step = &s->steps[pc];

      g_assert_cmpuint (pc, <, s->n_steps);

      switch (step->kind)
        {
        case ATEST_YIELD:
          agen_generator_yield_int (self, step->arg);
          break;

        case ATEST_YIELD_SENT:
          if (sent != NULL)
            agen_generator_yield (self, sent);
          else
            agen_generator_yield_int (self, -1);
          break;

        case ATEST_YIELD_OBJECT:
          {
            GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

            g_set_weak_pointer (&s->last_object, object);
            agen_generator_yield_object (self, object);
            g_object_unref (object);
          }
          break;

        case ATEST_AWAIT:
          atest_gate_wait_async (s->gate, agen_generator_get_cancellable (self),
                                 agen_generator_ready, agen_generator_await (self));
          break;

        case ATEST_AWAIT_IGNORING:
          atest_gate_wait_ignoring_cancel_async (s->gate, agen_generator_get_cancellable (self),
                                                 agen_generator_ready, agen_generator_await (self));
          break;

        case ATEST_SUSPEND:
          s->await_id = agen_generator_suspend (self);
          g_assert_cmpuint (s->await_id, !=, 0);
          break;

        case ATEST_SUSPEND_GATE:
          {
            AtestResume *resume = g_new (AtestResume, 1);

            resume->generator = g_object_ref (self);
            resume->await_id = agen_generator_suspend (self);
            g_assert_cmpuint (resume->await_id, !=, 0);
            s->await_id = resume->await_id;
            atest_gate_wait_async (s->gate, agen_generator_get_cancellable (self),
                                   atest_resume_cb, resume);
          }
          break;

        case ATEST_RETURN:
          agen_generator_return (self);
          return;

        case ATEST_RAISE:
          agen_generator_raise (self, g_error_new (ATEST_ERROR, step->arg, "raised error %d", step->arg));
          return;

        case ATEST_RERAISE:
          g_assert_cmpuint (s->caught->len, >, 0);
          agen_generator_raise (self, g_error_copy (s->caught->pdata[s->caught->len - 1]));
          return;

        case ATEST_NOTHING:
          return;

        case ATEST_DEFER:
          {
            AtestCleanup *cleanup = g_new (AtestCleanup, 1);

            cleanup->script = atest_script_ref (s);
            cleanup->n = step->arg;
            agen_generator_defer (self, atest_cleanup_run, cleanup);
          }
          continue;

        case ATEST_MARK:
          atest_log (s, "m%d", step->arg);
          continue;

        case ATEST_CHECK_CANCELLABLE:
          s->cancellable_cancelled = g_cancellable_is_cancelled (agen_generator_get_cancellable (self));
          continue;

        default:
          g_assert_not_reached ();
        }

      /* A yield or an await: continue after it at the next call. */
      agen_generator_set_resume_point (self, pc + 2);
      return;
    }
}

static void
atest_script_destroy_notify (gpointer data)
{
  AtestScript *s = data;

  s->n_destroyed++;
  atest_script_unref (s);
}

AgenGenerator *
atest_script_generator (AtestScript *script)
{
  return agen_generator_new (atest_script_body, atest_script_ref (script),
                             atest_script_destroy_notify);
}

/* ---------------------------------------------------------------- foreach */

char *
atest_value_to_string (const GValue *value)
{
  if (G_VALUE_HOLDS_INT (value))
    return g_strdup_printf ("%d", g_value_get_int (value));
  if (G_VALUE_HOLDS_STRING (value))
    return g_strdup (g_value_get_string (value) != NULL ? g_value_get_string (value) : "(null)");
  if (G_VALUE_HOLDS_POINTER (value) && g_value_get_pointer (value) == NULL)
    return g_strdup ("none");
  return g_strdup_value_contents (value);
}

AtestCollect *
atest_collect_new (guint stop_after)
{
  AtestCollect *collect = g_new0 (AtestCollect, 1);

  collect->items = g_string_new (NULL);
  collect->stop_after = stop_after;
  return collect;
}

void
atest_collect_destroy_notify (gpointer data)
{
  AtestCollect *collect = data;

  collect->n_destroyed++;
}

void
atest_collect_free (AtestCollect *collect)
{
  g_string_free (collect->items, TRUE);
  g_free (collect);
}

gboolean
atest_collect_func (AgenGenerator *generator,
                    const GValue  *item,
                    gpointer       data)
{
  AtestCollect *collect = data;
  g_autofree char *text = atest_value_to_string (item);

  g_assert_true (AGEN_IS_GENERATOR (generator));
  if (collect->items->len > 0)
    g_string_append_c (collect->items, ' ');
  g_string_append (collect->items, text);
  collect->n_items++;

  return collect->stop_after == 0 || collect->n_items < collect->stop_after;
}
