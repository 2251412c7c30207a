/* test-threads.c: generators and threads
 *
 * A generator belongs to the thread-default GMainContext it was created in;
 * its body only ever runs there. Each thread here pushes its own context and
 * iterates it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* ---------------------------------------------------------------- counting */

typedef struct
{
  gint i, n;
  GThread *thread;             /* the thread the body must run in */
  guint wrong_thread_calls;
} Counter;

static void
counter_body (AgenGenerator *self,
              gpointer       user_data)
{
  Counter *c = user_data;

  if (g_thread_self () != c->thread)
    c->wrong_thread_calls++;

  AGEN_BEGIN (self);
  for (c->i = 0; c->i < c->n; c->i++)
    AGEN_YIELD_INT (self, c->i);
  AGEN_END (self);
}

static gboolean
sum_func (AgenGenerator *self,
          const GValue  *item,
          gpointer       user_data)
{
  gint64 *sum = user_data;

  *sum += g_value_get_int (item);
  return TRUE;
}

typedef struct
{
  guint index;
  GMutex *mutex;
  GCond *cond;
  guint *n_ready;

  /* Results, checked by the main thread. */
  gint64 sum;
  char *awaited_items;
  char *log;
  guint wrong_thread_calls;
  guint wrong_context_calls;
  gboolean all_callbacks_here;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  GMainContext *context = g_main_context_new ();
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_AWAIT, S_YIELD (1), S_AWAIT, S_YIELD (2) };
  AgenTestScript *s;
  AgenGenerator *gen;
  Counter counter = { 0, 20000, g_thread_self (), 0 };
  AgenTestCall call = { 0 };
  GString *items = g_string_new (NULL);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  g_main_context_push_thread_default (context);

  /* Start together, so the two threads really overlap. */
  g_mutex_lock (w->mutex);
  (*w->n_ready)++;
  g_cond_broadcast (w->cond);
  while (*w->n_ready < 2)
    g_cond_wait (w->cond, w->mutex);
  g_mutex_unlock (w->mutex);

  /* A body that never awaits, driven by foreach. */
  gen = agen_generator_new (counter_body, &counter, NULL);
  agen_test_start_foreach (gen, sum_func, &w->sum, NULL, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);
  w->wrong_thread_calls = counter.wrong_thread_calls;
  g_object_unref (gen);

  /* A body that awaits, driven by next. */
  s = AGEN_TEST_SCRIPT (steps);
  agen_test_gate_leave_open (s->gate);
  gen = agen_test_script_generator (s);
  while (agen_test_next (gen, NULL, &item, &error))
    {
      g_string_append_printf (items, "%d", g_value_get_int (&item));
      g_value_unset (&item);
    }
  g_assert_no_error (error);
  g_value_unset (&item);
  w->awaited_items = g_string_free (items, FALSE);
  w->log = g_strdup (s->log->str);
  w->wrong_context_calls = s->wrong_context_calls;
  g_object_unref (gen);
  agen_test_script_unref (s);

  agen_test_drain ();
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

/* Two threads, each with its own context, drive their generators at once. */
static void
test_two_threads (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  GMutex mutex;
  GCond cond;
  guint n_ready = 0;
  Worker workers[2] = { { 0 } };
  GThread *threads[2];
  const gint64 expected_sum = (gint64) 20000 * 19999 / 2;

  g_mutex_init (&mutex);
  g_cond_init (&cond);

  for (guint i = 0; i < 2; i++)
    {
      workers[i].index = i;
      workers[i].mutex = &mutex;
      workers[i].cond = &cond;
      workers[i].n_ready = &n_ready;
      threads[i] = g_thread_new ("agen-worker", worker_thread, &workers[i]);
    }
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (workers[i].sum, ==, expected_sum);
      g_assert_cmpuint (workers[i].wrong_thread_calls, ==, 0);
      g_assert_cmpstr (workers[i].awaited_items, ==, "012");
      g_assert_cmpstr (workers[i].log, ==, "d1");
      g_assert_cmpuint (workers[i].wrong_context_calls, ==, 0);
      g_free (workers[i].awaited_items);
      g_free (workers[i].log);
    }

  g_cond_clear (&cond);
  g_mutex_clear (&mutex);
}

/* ---------------------------------------------------------------- wrong context */

typedef struct
{
  AgenGenerator *gen;
  gboolean push_context;       /* FALSE: the thread has no thread-default */
  GError *next_error;
  GError *send_error;
  GError *throw_error;
  GError *close_error;
  GError *foreach_error;
  gboolean item_initialised;
} Intruder;

static gboolean
never_func (AgenGenerator *self,
            const GValue  *item,
            gpointer       user_data)
{
  g_assert_not_reached ();
  return FALSE;
}

static gpointer
intruder_thread (gpointer data)
{
  Intruder *in = data;
  GMainContext *context = NULL;
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_TEST_ERROR, 1, "thrown");
  GValue item = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;
  AgenTestCall call = { 0 };

  if (in->push_context)
    {
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
    }

  g_assert_false (agen_test_next (in->gen, NULL, &item, &in->next_error));
  in->item_initialised = G_VALUE_HOLDS_POINTER (&item) && g_value_get_pointer (&item) == NULL;
  g_value_unset (&item);

  g_value_init (&v, G_TYPE_INT);
  g_assert_false (agen_test_send (in->gen, &v, NULL, NULL, &in->send_error));
  g_value_unset (&v);
  g_assert_false (agen_test_throw (in->gen, thrown, NULL, NULL, &in->throw_error));
  g_assert_false (agen_test_close (in->gen, NULL, &in->close_error));

  agen_test_start_foreach (in->gen, never_func, NULL, NULL, NULL, &call);
  agen_test_call_wait (&call);
  in->foreach_error = g_steal_pointer (&call.error);
  agen_test_call_clear (&call);

  if (context != NULL)
    {
      agen_test_drain ();
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
    }
  return NULL;
}

/* A generator made in one context, used from a thread whose thread-default is
 * another context (or none): WRONG_CONTEXT, the callback in the caller's
 * context, the generator unchanged. */
static void
test_wrong_context_from_thread (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  Intruder in = { gen, GPOINTER_TO_INT (data) };
  GThread *thread;

  agen_test_assert_next_int (gen, 1);

  thread = g_thread_new ("agen-intruder", intruder_thread, &in);
  g_thread_join (thread);

  g_assert_error (in.next_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_error (in.send_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_error (in.throw_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_error (in.close_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_error (in.foreach_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_true (in.item_initialised);

  g_assert_cmpuint (s->n_calls, ==, 1);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_SUSPENDED);
  agen_test_assert_next_int (gen, 2);
  agen_test_script_assert_sane (s);

  g_clear_error (&in.next_error);
  g_clear_error (&in.send_error);
  g_clear_error (&in.throw_error);
  g_clear_error (&in.close_error);
  g_clear_error (&in.foreach_error);
  g_object_unref (gen);
}

/* ---------------------------------------------------------------- cancel */

typedef struct
{
  GCancellable *cancellable;
  guint delay_ms;
} Canceller;

static gpointer
canceller_thread (gpointer data)
{
  Canceller *c = data;

  g_usleep (c->delay_ms * 1000);
  g_cancellable_cancel (c->cancellable);
  return NULL;
}

/* Cancelling from another thread resumes the body promptly, in its own
 * context, while the awaited operation ignores the cancellable. */
static void
test_cancel_from_other_thread (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  gboolean caught = GPOINTER_TO_INT (data);
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT_IGNORING, S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (5) };
  g_autoptr(AgenTestScript) s = caught ? AGEN_TEST_SCRIPT_H (steps, handler) : AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Canceller c = { cancellable, 20 };
  AgenTestCall call = { 0 };
  GThread *thread;

  agen_test_start_next (gen, cancellable, &call);
  thread = g_thread_new ("agen-canceller", canceller_thread, &c);
  agen_test_call_wait (&call);
  g_thread_join (thread);

  if (caught)
    {
      g_assert_no_error (call.error);
      agen_test_assert_item_int (call.ret, &call.item, 5);
      g_assert_cmpstr (s->log->str, ==, "c:CANCELLED");
    }
  else
    {
      g_assert_false (call.ret);
      g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpstr (s->log->str, ==, "u:CANCELLED d1");
    }
  agen_test_call_clear (&call);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);
  agen_test_script_assert_sane (s);

  agen_test_gate_leave_open (s->gate);
  agen_test_drain ();
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_object_unref (gen);
}

/* ---------------------------------------------------------------- resume */

typedef struct
{
  AgenGenerator *gen;
  guint await_id;
  GAsyncResult *result;
} Resumer;

static gpointer
resumer_thread (gpointer data)
{
  Resumer *r = data;

  agen_generator_resume (r->gen, r->await_id, r->result);
  return NULL;
}

/* The body only ever runs in its context: a resume from another thread
 * wakes it there. */
static void
test_resume_from_other_thread (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_SUSPEND, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GTask *result = g_task_new (NULL, NULL, NULL, NULL);
  AgenTestCall call = { 0 };
  Resumer r;
  GThread *thread;

  g_task_return_boolean (result, TRUE);
  agen_test_start_next (gen, NULL, &call);
  g_assert_cmpuint (s->await_id, !=, 0);

  r = (Resumer) { gen, s->await_id, G_ASYNC_RESULT (result) };
  thread = g_thread_new ("agen-resumer", resumer_thread, &r);
  agen_test_call_wait (&call);
  g_thread_join (thread);

  agen_test_assert_item_int (call.ret, &call.item, 1);
  agen_test_call_clear (&call);
  g_assert_cmpuint (s->wrong_context_calls, ==, 0);

  g_object_unref (result);
  g_object_unref (gen);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/threads/two-threads-own-contexts", test_two_threads);
  g_test_add ("/threads/wrong-context/other-context", AgenTestFixture, GINT_TO_POINTER (TRUE),
              agen_test_fixture_setup, test_wrong_context_from_thread, agen_test_fixture_teardown);
  g_test_add ("/threads/wrong-context/no-thread-default", AgenTestFixture, GINT_TO_POINTER (FALSE),
              agen_test_fixture_setup, test_wrong_context_from_thread, agen_test_fixture_teardown);
  g_test_add ("/threads/cancel-from-other-thread/uncaught", AgenTestFixture, GINT_TO_POINTER (FALSE),
              agen_test_fixture_setup, test_cancel_from_other_thread, agen_test_fixture_teardown);
  g_test_add ("/threads/cancel-from-other-thread/caught", AgenTestFixture, GINT_TO_POINTER (TRUE),
              agen_test_fixture_setup, test_cancel_from_other_thread, agen_test_fixture_teardown);

  /* Last: a sub-suite runs after the tests above. */
  agen_test_add ("/threads/resume/from-other-thread", test_resume_from_other_thread);

  return g_test_run ();
}
