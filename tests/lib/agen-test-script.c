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

  s->n_destroyed++;
  agen_test_script_unref (s);
}

AgenGenerator *
agen_test_script_generator (AgenTestScript *script)
{
  return agen_generator_new (script_body, agen_test_script_ref (script),
                             script_destroy_notify);
}
