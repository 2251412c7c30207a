/* agen-test-script.c: a raw body programmed with a list of steps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"
#include "agen-test-private.h"

static void
value_free (gpointer data)
{
  GValue *value = data;

  if (value != NULL)
    {
      g_value_unset (value);
      g_free (value);
    }
}

static gint scripts_alive;   /* atomic */

guint
agen_test_script_count_alive (void)
{
  return (guint) g_atomic_int_get (&scripts_alive);
}

AgenTestScript *
agen_test_script_new (const AgenTestStep *steps,
                      guint               n_steps,
                      const AgenTestStep *handler,
                      guint               n_handler)
{
  AgenTestScript *s = g_new0 (AgenTestScript, 1);
  static const AgenTestStep ret = S_RETURN;
  guint n = 0;

  s->ref_count = 1;
  g_atomic_int_inc (&scripts_alive);
  /* Each list gets a return at its end, so that falling off the end of the
   * main steps never runs into the handler. */
  s->n_steps = n_steps + 1 + (handler != NULL ? n_handler + 1 : 0);
  s->steps = g_new0 (AgenTestStep, s->n_steps);
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

  s->gate = agen_test_gate_new ();
  s->context = g_main_context_ref_thread_default ();
  s->log = g_string_new (NULL);
  s->caught = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  s->sent = g_ptr_array_new_with_free_func (value_free);
  s->cancellable_cancelled = -1;

  return s;
}

AgenTestScript *
agen_test_script_ref (AgenTestScript *s)
{
  g_atomic_int_inc (&s->ref_count);
  return s;
}

static GValue *
value_dup (const GValue *value)
{
  GValue *copy = g_new0 (GValue, 1);

  g_value_init (copy, G_VALUE_TYPE (value));
  g_value_copy (value, copy);
  return copy;
}

void
agen_test_script_unref (AgenTestScript *s)
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
  g_atomic_int_add (&scripts_alive, -1);
}

G_GNUC_PRINTF (2, 3)
static void
script_log (AgenTestScript *s,
            const char     *format,
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
  AgenTestScript *script;
  gint n;
} Cleanup;

static void
cleanup_run (gpointer data)
{
  Cleanup *cleanup = data;

  script_log (cleanup->script, "d%d", cleanup->n);
  agen_test_script_unref (cleanup->script);
  g_free (cleanup);
}

typedef struct
{
  AgenGenerator *generator;
  guint await_id;
} Resume;

static void
resume_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Resume *resume = user_data;

  agen_test_call_depth++;
  agen_generator_resume (resume->generator, resume->await_id, result);
  agen_test_call_depth--;
  g_object_unref (resume->generator);
  g_free (resume);
}

static gboolean
step_awaits (AgenTestStepKind kind)
{
  return kind == AGEN_TEST_STEP_AWAIT || kind == AGEN_TEST_STEP_AWAIT_IGNORING ||
         kind == AGEN_TEST_STEP_SUSPEND || kind == AGEN_TEST_STEP_SUSPEND_GATE;
}

static void
script_body (AgenGenerator *self,
             gpointer       user_data)
{
  AgenTestScript *s = user_data;
  guint rp = agen_generator_get_resume_point (self);
  guint pc = rp == 0 ? 0 : rp - 1;
  const GValue *sent = agen_generator_get_sent (self);

  s->n_calls++;
  if (!g_main_context_is_owner (s->context))
    s->wrong_context_calls++;
  if (agen_generator_get_state (self) != AGEN_GENERATOR_STATE_RUNNING)
    s->wrong_state_calls++;
  if (agen_test_call_depth > 0)
    s->calls_inside_a_call++;
  g_ptr_array_add (s->sent, sent != NULL ? value_dup (sent) : NULL);

  if (rp != 0)
    {
      AgenTestStepKind previous = s->steps[pc - 1].kind;
      const GError *pending = s->ignore_errors ? NULL : agen_generator_peek_error (self);

      if (step_awaits (previous))
        {
          GAsyncResult *result = agen_generator_get_result (self);

          s->last_result = result;
          if (result == NULL)
            s->n_null_results++;
          else
            {
              s->n_results++;
              if (previous != AGEN_TEST_STEP_SUSPEND)
                {
                  GError *error = NULL;

                  if (!agen_test_gate_wait_finish (s->gate, result, &error))
                    {
                      script_log (s, "await-failed:%s", agen_test_error_name (error));
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
              script_log (s, "u:%s", agen_test_error_name (pending));
              return;
            }

          if (s->catch_error)
            caught = agen_generator_catch_error (self);
          else
            g_assert_true (agen_generator_catch (self, &caught));
          g_assert_nonnull (caught);
          if (agen_generator_peek_error (self) != NULL)
            s->peeked_after_catch++;
          script_log (s, "c:%s", agen_test_error_name (caught));
          g_ptr_array_add (s->caught, caught);
          pc = s->handler_start;
        }
    }

  for (;; pc++)
    {
      const AgenTestStep *step = &s->steps[pc];

      g_assert_cmpuint (pc, <, s->n_steps);

      switch (step->kind)
        {
        case AGEN_TEST_STEP_YIELD:
          agen_generator_yield_int (self, step->arg);
          break;

        case AGEN_TEST_STEP_YIELD_SENT:
          if (sent != NULL)
            agen_generator_yield (self, sent);
          else
            agen_generator_yield_int (self, -1);
          break;

        case AGEN_TEST_STEP_YIELD_OBJECT:
          {
            GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

            g_set_weak_pointer (&s->last_object, object);
            agen_generator_yield_object (self, object);
            g_object_unref (object);
          }
          break;

        case AGEN_TEST_STEP_AWAIT:
          agen_test_gate_wait_async (s->gate, agen_generator_get_cancellable (self),
                                     agen_generator_ready, agen_generator_await (self));
          break;

        case AGEN_TEST_STEP_AWAIT_IGNORING:
          agen_test_gate_wait_ignoring_cancel_async (s->gate, agen_generator_get_cancellable (self),
                                                     agen_generator_ready, agen_generator_await (self));
          break;

        case AGEN_TEST_STEP_SUSPEND:
          s->await_id = agen_generator_suspend (self);
          g_assert_cmpuint (s->await_id, !=, 0);
          break;

        case AGEN_TEST_STEP_SUSPEND_GATE:
          {
            Resume *resume = g_new (Resume, 1);

            resume->generator = g_object_ref (self);
            resume->await_id = agen_generator_suspend (self);
            g_assert_cmpuint (resume->await_id, !=, 0);
            s->await_id = resume->await_id;
            agen_test_gate_wait_async (s->gate, agen_generator_get_cancellable (self),
                                       resume_cb, resume);
          }
          break;

        case AGEN_TEST_STEP_RETURN:
          agen_generator_return (self);
          return;

        case AGEN_TEST_STEP_RAISE:
          agen_generator_raise (self, g_error_new (AGEN_TEST_ERROR, step->arg, "raised error %d", step->arg));
          return;

        case AGEN_TEST_STEP_RERAISE:
          g_assert_cmpuint (s->caught->len, >, 0);
          agen_generator_raise (self, g_error_copy (s->caught->pdata[s->caught->len - 1]));
          return;

        case AGEN_TEST_STEP_NOTHING:
          return;

        case AGEN_TEST_STEP_DEFER:
          {
            Cleanup *cleanup = g_new (Cleanup, 1);

            cleanup->script = agen_test_script_ref (s);
            cleanup->n = step->arg;
            agen_generator_defer (self, cleanup_run, cleanup);
          }
          continue;

        case AGEN_TEST_STEP_MARK:
          script_log (s, "m%d", step->arg);
          continue;

        case AGEN_TEST_STEP_CHECK_CANCELLABLE:
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
script_destroy_notify (gpointer data)
{
  AgenTestScript *s = data;

  /* In the producer thread, when its generator goes last. */
  g_atomic_int_inc (&s->n_destroyed);
  agen_test_script_unref (s);
}


/* ------------------------------------------------------------------------ *
 * The same script as a producer: an async function or a thread
 *
 * docs/reference/semantics.xml, section contract-emitter: every row of the
 * PEP 525 table holds for producers as for any body. The script's steps
 * run as a producer's code: a yield is an emit, a thrown-in error is the
 * emit's failure, a deferred cleanup runs when the producer returns. The
 * steps that only a straight-line body has (SUSPEND, NOTHING) are not
 * run this way.
 * ------------------------------------------------------------------------ */

AgenTestBodyKind agen_test_body_kind = AGEN_TEST_BODY_RAW;

typedef enum
{
  PRODUCER_EMIT,
  PRODUCER_AWAIT,
  PRODUCER_AWAIT_IGNORING,
  PRODUCER_END,
} ProducerAction;

typedef struct
{
  AgenTestScript *script;
  AgenTestBodyKind kind;
  GCancellable *cancellable;   /* the producer's */
  guint pc;                    /* the next step */
  gboolean awaited;            /* the last call ended in an await, not an emit */
  GSList *cleanups;            /* of Cleanup, the latest first */
  GTask *task;                 /* an async producer's */
} ScriptProducer;

static void
producer_init (ScriptProducer   *p,
               AgenTestScript   *s,
               AgenTestBodyKind  kind,
               GCancellable     *cancellable)
{
  *p = (ScriptProducer) { .script = s, .kind = kind, .cancellable = cancellable };
}

static void
producer_run_cleanups (ScriptProducer *p)
{
  GSList *cleanups = g_steal_pointer (&p->cleanups);

  g_slist_free_full (cleanups, cleanup_run);
}

/* What was sent with a next is no value: NULL, as for a raw body. */
static const GValue *
producer_sent_value (const GValue *sent)
{
  if (sent == NULL || G_VALUE_TYPE (sent) == 0 ||
      (G_VALUE_HOLDS_POINTER (sent) && g_value_get_pointer (sent) == NULL))
    return NULL;
  return sent;
}

/* Ends the producer: its cleanups run, then it returns or fails. */
static ProducerAction
producer_end (ScriptProducer  *p,
              GError          *failure,
              GError         **error)
{
  producer_run_cleanups (p);
  if (failure != NULL)
    g_propagate_error (error, failure);
  return PRODUCER_END;
}

/* One call of the script as a producer, as script_body() is one call of
 * the raw body: at the start (@sent and @outcome NULL), or after the emit
 * or the await that ended the last call, with what it gave (@outcome
 * owned). Says what the producer does next: emit @item, await the gate,
 * or end, failing with @failure when it is set. */
static ProducerAction
producer_call (ScriptProducer  *p,
               const GValue    *sent,
               GError          *outcome,
               GValue          *item,
               GError         **failure)
{
  AgenTestScript *s = p->script;

  sent = producer_sent_value (sent);
  g_atomic_int_inc ((gint *) &s->n_calls);
  if (p->kind == AGEN_TEST_BODY_ASYNC && !g_main_context_is_owner (s->context))
    s->wrong_context_calls++;
  g_ptr_array_add (s->sent, sent != NULL ? value_dup (sent) : NULL);

  if (outcome != NULL && p->awaited)
    {
      script_log (s, "await-failed:%s", agen_test_error_name (outcome));
      return producer_end (p, outcome, failure);
    }
  if (outcome != NULL)
    {
      gboolean in_handler = s->handler_start >= 0 && p->pc > (guint) s->handler_start;

      if (s->handler_start < 0 || in_handler)
        {
          script_log (s, "u:%s", agen_test_error_name (outcome));
          return producer_end (p, outcome, failure);
        }
      script_log (s, "c:%s", agen_test_error_name (outcome));
      g_ptr_array_add (s->caught, outcome);
      p->pc = s->handler_start;
    }

  for (;; p->pc++)
    {
      const AgenTestStep *step = &s->steps[p->pc];

      g_assert_cmpuint (p->pc, <, s->n_steps);
      p->awaited = FALSE;

      switch (step->kind)
        {
        case AGEN_TEST_STEP_YIELD:
          g_value_set_int (g_value_init (item, G_TYPE_INT), step->arg);
          p->pc++;
          return PRODUCER_EMIT;

        case AGEN_TEST_STEP_YIELD_SENT:
          if (sent != NULL)
            g_value_copy (sent, g_value_init (item, G_VALUE_TYPE (sent)));
          else
            g_value_set_int (g_value_init (item, G_TYPE_INT), -1);
          p->pc++;
          return PRODUCER_EMIT;

        case AGEN_TEST_STEP_YIELD_OBJECT:
          {
            GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

            g_set_weak_pointer (&s->last_object, object);
            g_value_take_object (g_value_init (item, G_TYPE_OBJECT), object);
          }
          p->pc++;
          return PRODUCER_EMIT;

        case AGEN_TEST_STEP_AWAIT:
        case AGEN_TEST_STEP_AWAIT_IGNORING:
          p->awaited = TRUE;
          p->pc++;
          return step->kind == AGEN_TEST_STEP_AWAIT ? PRODUCER_AWAIT : PRODUCER_AWAIT_IGNORING;

        case AGEN_TEST_STEP_RETURN:
          return producer_end (p, NULL, failure);

        case AGEN_TEST_STEP_RAISE:
          return producer_end (p, g_error_new (AGEN_TEST_ERROR, step->arg, "raised error %d", step->arg),
                               failure);

        case AGEN_TEST_STEP_RERAISE:
          g_assert_cmpuint (s->caught->len, >, 0);
          return producer_end (p, g_error_copy (s->caught->pdata[s->caught->len - 1]), failure);

        case AGEN_TEST_STEP_DEFER:
          {
            Cleanup *cleanup = g_new (Cleanup, 1);

            cleanup->script = agen_test_script_ref (s);
            cleanup->n = step->arg;
            p->cleanups = g_slist_prepend (p->cleanups, cleanup);
          }
          continue;

        case AGEN_TEST_STEP_MARK:
          script_log (s, "m%d", step->arg);
          continue;

        case AGEN_TEST_STEP_CHECK_CANCELLABLE:
          s->cancellable_cancelled = g_cancellable_is_cancelled (p->cancellable);
          continue;

        default:
          g_error ("step %d is only for straight-line bodies", step->kind);
        }
    }
}

/* ---------------------------------------------------- as an async function */

static void producer_async_continue (ScriptProducer *p,
                                     const GValue   *sent,
                                     GError         *outcome);

static void
producer_async_emitted (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GValue sent = G_VALUE_INIT;
  GError *error = NULL;

  agen_emitter_emit_finish (AGEN_EMITTER (source), result, &sent, &error);
  producer_async_continue (user_data, &sent, error);
  g_value_unset (&sent);
}

static void
producer_async_awaited (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GError *error = NULL;

  agen_test_gate_wait_finish (AGEN_TEST_GATE (source), result, &error);
  producer_async_continue (user_data, NULL, error);
}

static void
producer_async_continue (ScriptProducer *p,
                         const GValue   *sent,
                         GError         *outcome)
{
  GValue item = G_VALUE_INIT;
  GError *failure = NULL;
  GTask *task;

  switch (producer_call (p, sent, outcome, &item, &failure))
    {
    case PRODUCER_EMIT:
      /* The producer's own cancellable, as the manual's producer passes it. */
      agen_emitter_emit_async (g_task_get_source_object (p->task), &item, p->cancellable,
                               producer_async_emitted, p);
      g_value_unset (&item);
      return;

    case PRODUCER_AWAIT:
      agen_test_gate_wait_async (p->script->gate, p->cancellable, producer_async_awaited, p);
      return;

    case PRODUCER_AWAIT_IGNORING:
      agen_test_gate_wait_ignoring_cancel_async (p->script->gate, p->cancellable, producer_async_awaited, p);
      return;

    case PRODUCER_END:
      /* The task owns the producer: it goes with the task. */
      task = g_steal_pointer (&p->task);
      if (failure != NULL)
        g_task_return_error (task, failure);
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;

    default:
      g_assert_not_reached ();
    }
}

static void
script_produce_async (AgenEmitter         *emitter,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             callback_data,
                      gpointer             user_data)
{
  ScriptProducer *p = g_new (ScriptProducer, 1);

  producer_init (p, user_data, AGEN_TEST_BODY_ASYNC, cancellable);
  p->task = g_task_new (emitter, cancellable, callback, callback_data);
  g_task_set_task_data (p->task, p, g_free);
  producer_async_continue (p, NULL, NULL);
}

static gboolean
script_produce_finish (AgenEmitter   *emitter,
                       GAsyncResult  *result,
                       gpointer       user_data,
                       GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* -------------------------------------------------------------- as a thread */

/* A thread awaits the gate where the gate lives, the script's context, and
 * blocks until it opens. */
typedef struct
{
  AgenTestScript *script;
  GCancellable *cancellable;
  gboolean ignoring;
  GMutex lock;
  GCond opened;
  gint done;                  /* atomic: publishes the error to the thread */
  GError *error;
} GateWait;

static void
gate_wait_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GateWait *wait = user_data;

  g_mutex_lock (&wait->lock);
  agen_test_gate_wait_finish (AGEN_TEST_GATE (source), result, &wait->error);
  g_atomic_int_set (&wait->done, TRUE);
  g_cond_signal (&wait->opened);
  g_mutex_unlock (&wait->lock);
}

static gboolean
gate_wait_start (gpointer user_data)
{
  GateWait *wait = user_data;

  if (wait->ignoring)
    agen_test_gate_wait_ignoring_cancel_async (wait->script->gate, wait->cancellable, gate_wait_done, wait);
  else
    agen_test_gate_wait_async (wait->script->gate, wait->cancellable, gate_wait_done, wait);
  return G_SOURCE_REMOVE;
}

static GError *
thread_await_gate (ScriptProducer *p,
                   gboolean        ignoring)
{
  GateWait wait = { .script = p->script, .cancellable = p->cancellable, .ignoring = ignoring };

  g_mutex_init (&wait.lock);
  g_cond_init (&wait.opened);
  g_main_context_invoke (p->script->context, gate_wait_start, &wait);
  g_mutex_lock (&wait.lock);
  while (!g_atomic_int_get (&wait.done))
    g_cond_wait (&wait.opened, &wait.lock);
  g_mutex_unlock (&wait.lock);
  g_cond_clear (&wait.opened);
  g_mutex_clear (&wait.lock);
  return wait.error;
}

static gboolean
script_thread (AgenEmitter   *emitter,
               GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  ScriptProducer p;
  GValue sent = G_VALUE_INIT;
  GError *outcome = NULL;

  producer_init (&p, user_data, AGEN_TEST_BODY_THREAD, cancellable);
  for (;;)
    {
      GValue item = G_VALUE_INIT;
      GError *failure = NULL;
      ProducerAction action = producer_call (&p, &sent, g_steal_pointer (&outcome), &item, &failure);

      if (G_VALUE_TYPE (&sent) != 0)
        g_value_unset (&sent);
      switch (action)
        {
        case PRODUCER_EMIT:
          agen_emitter_emit (emitter, &item, NULL, &sent, &outcome);
          g_value_unset (&item);
          break;

        case PRODUCER_AWAIT:
        case PRODUCER_AWAIT_IGNORING:
          outcome = thread_await_gate (&p, action == PRODUCER_AWAIT_IGNORING);
          break;

        case PRODUCER_END:
          if (failure == NULL)
            return TRUE;
          g_propagate_error (error, failure);
          return FALSE;

        default:
          g_assert_not_reached ();
        }
    }
}

/* ------------------------------------------------------------------------ */

AgenGenerator *
agen_test_script_generator (AgenTestScript *script)
{
  switch (agen_test_body_kind)
    {
    case AGEN_TEST_BODY_ASYNC:
      return agen_generator_new_async (script_produce_async, script_produce_finish,
                                       agen_test_script_ref (script), script_destroy_notify);
    case AGEN_TEST_BODY_THREAD:
      return agen_generator_new_threaded (script_thread, agen_test_script_ref (script), script_destroy_notify);
    case AGEN_TEST_BODY_RAW:
    default:
      return agen_generator_new (script_body, agen_test_script_ref (script), script_destroy_notify);
    }
}

/* -------------------------------------------------------------- registering */

static void
fixture_setup_raw (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  agen_test_body_kind = AGEN_TEST_BODY_RAW;
  agen_test_fixture_setup (fixture, data);
}

static void
fixture_setup_async (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  agen_test_body_kind = AGEN_TEST_BODY_ASYNC;
  agen_test_fixture_setup (fixture, data);
}

static void
fixture_setup_thread (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  agen_test_body_kind = AGEN_TEST_BODY_THREAD;
  agen_test_fixture_setup (fixture, data);
}

void
agen_test_add_for_each_body (const char       *path,
                             gconstpointer     data,
                             AgenTestCaseFunc  func)
{
  static const struct
  {
    const char *name;
    GTestFixtureFunc setup;
  } kinds[] = {
    { "raw", (GTestFixtureFunc) fixture_setup_raw },
    { "async-function", (GTestFixtureFunc) fixture_setup_async },
    { "thread", (GTestFixtureFunc) fixture_setup_thread },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *kind_path = g_strdup_printf ("%s/%s", path, kinds[i].name);

      g_test_add_vtable (kind_path, sizeof (AgenTestFixture), data, kinds[i].setup,
                         (GTestFixtureFunc) func, (GTestFixtureFunc) agen_test_fixture_teardown);
    }
}

void
agen_test_script_wait_calls (AgenTestScript *s,
                             guint           n_calls)
{
  /* The thread counts a call as it starts one. */
  if (agen_test_body_kind == AGEN_TEST_BODY_THREAD)
    agen_test_poll_count (&s->n_calls, n_calls);
  g_assert_cmpuint (g_atomic_int_get ((gint *) &s->n_calls), ==, n_calls);
}
