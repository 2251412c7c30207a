/* test-producer.c: what a body calls
 *
 * docs/reference/semantics.xml, section contract-producer: the producer
 * face (yield, return, raise, await, suspend and resume, catch, peek_error,
 * get_sent, defer, the resume point), the AGEN_* macros, dispatch-body, a
 * body driven from outside (agen_generator_resume_yield(), paragraph
 * contract-producer-resume-yield), and
 * a body that awaits real GIO operations: the lines of a file, read with
 * g_file_read_async() and g_data_input_stream_read_line_async().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

#include <glib/gstdio.h>
#include <unistd.h>

/* ============================================================= yields */

/* Yields one value of each kind, and a GValue it changes after the yield. */
static void
typed_body (AgenGenerator *self,
            gpointer       user_data)
{
  GObject *object = user_data;
  guint rp = agen_generator_get_resume_point (self);
  GValue v = G_VALUE_INIT;

  agen_generator_set_resume_point (self, rp + 1);
  switch (rp)
    {
    case 0:
      agen_generator_yield_int (self, 7);
      break;
    case 1:
      agen_generator_yield_string (self, "abc");
      break;
    case 2:
      agen_generator_yield_string (self, NULL);
      break;
    case 3:
      agen_generator_yield_object (self, object);
      break;
    case 4:
      agen_generator_yield_object (self, NULL);
      break;
    case 5:
      agen_generator_yield (self, NULL);
      break;
    case 6:
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_string (&v, "copied");
      agen_generator_yield (self, &v);
      g_value_set_string (&v, "changed after the yield");
      g_value_unset (&v);
      break;
    case 7:
      g_value_init (&v, G_TYPE_DOUBLE);
      g_value_set_double (&v, 1.5);
      agen_generator_yield (self, &v);
      g_value_unset (&v);
      break;
    default:
      agen_generator_return (self);
      break;
    }
}

/* Typed yields, and a yielded GValue is copied. */
static void
test_typed_yields (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  AgenGenerator *gen = agen_generator_new (typed_body, object, g_object_unref);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  agen_test_assert_next_int (gen, 7);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_true (G_VALUE_HOLDS_STRING (&item));
  g_assert_cmpstr (g_value_get_string (&item), ==, "abc");
  g_value_unset (&item);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_true (G_VALUE_HOLDS_STRING (&item));
  g_assert_null (g_value_get_string (&item));
  g_value_unset (&item);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_true (G_VALUE_HOLDS_OBJECT (&item));
  g_assert_true (g_value_get_object (&item) == object);
  g_value_unset (&item);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_true (G_VALUE_HOLDS_OBJECT (&item));
  g_assert_null (g_value_get_object (&item));
  g_value_unset (&item);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  agen_test_assert_item_none (&item);
  g_value_unset (&item);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_cmpstr (g_value_get_string (&item), ==, "copied");
  g_value_unset (&item);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_true (G_VALUE_HOLDS_DOUBLE (&item));
  g_assert_cmpfloat (g_value_get_double (&item), ==, 1.5);
  g_value_unset (&item);

  agen_test_assert_next_end (gen);
  g_assert_no_error (error);
  g_object_unref (gen);
}

/* ======================================================= resume point */

/* Records the resume point at each call, and sets it far apart. */
typedef struct
{
  GArray *seen;
} ResumePointBody;

static void
resume_point_body (AgenGenerator *self,
                   gpointer       user_data)
{
  ResumePointBody *b = user_data;
  guint rp = agen_generator_get_resume_point (self);

  g_array_append_val (b->seen, rp);
  if (rp == 0)
    {
      agen_generator_set_resume_point (self, 41);
      agen_generator_yield_int (self, 0);
    }
  else if (rp == 41)
    {
      agen_generator_set_resume_point (self, 1000000);
      agen_generator_yield_int (self, 1);
    }
  else
    agen_generator_return (self);
}

/* The resume point: 0 before the first call, kept between calls. */
static void
test_resume_point (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  ResumePointBody b = { g_array_new (FALSE, FALSE, sizeof (guint)) };
  AgenGenerator *gen = agen_generator_new (resume_point_body, &b, NULL);
  const guint expected[] = { 0, 41, 1000000 };

  agen_test_assert_next_int (gen, 0);
  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_end (gen);
  g_assert_cmpmem (b.seen->data, b.seen->len * sizeof (guint), expected, sizeof expected);

  g_array_unref (b.seen);
  g_object_unref (gen);
}

/* =========================================================== get_sent */

/* get_sent is the value given to send at this resumption. */
static void
test_send_value_reaches_body (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD_SENT, S_YIELD_SENT };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ret;

  agen_test_assert_next_int (gen, 1);

  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, "hello");
  ret = agen_test_send (gen, &v, NULL, &item, &error);
  g_value_unset (&v);
  g_assert_no_error (error);
  g_assert_true (ret);
  g_assert_cmpstr (g_value_get_string (&item), ==, "hello");
  g_value_unset (&item);

  agen_test_value_init_int (&v, 42);
  ret = agen_test_send (gen, &v, NULL, &item, &error);
  g_value_unset (&v);
  g_assert_no_error (error);
  agen_test_assert_item_int (ret, &item, 42);
  g_value_unset (&item);

  g_assert_cmpuint (s->sent->len, ==, 3);
  g_assert_null (s->sent->pdata[0]);
  g_assert_cmpstr (g_value_get_string (s->sent->pdata[1]), ==, "hello");
  g_assert_cmpint (g_value_get_int (s->sent->pdata[2]), ==, 42);

  g_object_unref (gen);
}

/* get_sent is NULL in the body call that follows an await. */
static void
test_send_sent_null_after_await (AgenTestFixture *fixture,
                                 gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_AWAIT, S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ret;

  agen_test_gate_leave_open (s->gate);
  agen_test_assert_next_int (gen, 1);
  agen_test_value_init_int (&v, 5);
  ret = agen_test_send (gen, &v, NULL, &item, &error);
  g_assert_no_error (error);
  agen_test_assert_item_int (ret, &item, 2);
  g_value_unset (&item);
  g_value_unset (&v);

  g_assert_cmpuint (s->sent->len, ==, 3);
  g_assert_null (s->sent->pdata[0]);
  g_assert_cmpint (g_value_get_int (s->sent->pdata[1]), ==, 5);
  g_assert_null (s->sent->pdata[2]);

  g_object_unref (gen);
}

/* ======================================== a body driven from outside */

/* The body of a generator driven from outside, as a binding's iterator
 * body is: each call records what came in and suspends, or, once told to,
 * returns; an error thrown in is raised. */
typedef struct
{
  guint n_calls;
  guint await_id;
  gboolean finish;
  gboolean suspend_on_error;   /* catch an error thrown in, and suspend */
  GError *thrown;              /* the last error thrown in */
} DrivenBody;

static void
driven_body (AgenGenerator *self,
             gpointer       data)
{
  DrivenBody *body = data;
  GError *thrown = agen_generator_catch_error (self);

  body->n_calls++;
  if (thrown != NULL)
    {
      g_clear_error (&body->thrown);
      body->thrown = g_error_copy (thrown);
      if (!body->suspend_on_error)
        {
          agen_generator_raise (self, thrown);
          return;
        }
      g_error_free (thrown);
    }
  if (body->finish)
    {
      agen_generator_return (self);
      return;
    }
  body->await_id = agen_generator_suspend (self);
}

static void
driven_body_clear (DrivenBody *body)
{
  g_clear_error (&body->thrown);
}

static AgenGenerator *
driven_generator (DrivenBody *body)
{
  return agen_generator_new (driven_body, body, NULL);
}

static void
test_resume_yield_next (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  DrivenBody body = { 0 };
  AgenGenerator *gen = driven_generator (&body);
  AgenTestCall call = { 0 };
  GValue item = G_VALUE_INIT;
  guint first_id;

  agen_test_start_next (gen, NULL, &call);
  g_assert_cmpuint (body.n_calls, ==, 1);
  first_id = body.await_id;

  /* The next_async's callback comes later: no next was asked in the call. */
  g_value_init (&item, G_TYPE_INT);
  g_value_set_int (&item, 7);
  g_assert_cmpuint (agen_generator_resume_yield (gen, first_id, &item), ==, 0);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 7);
  g_assert_cmpuint (body.n_calls, ==, 1);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  agen_test_call_clear (&call);

  /* The await is over: its id is stale. */
  g_assert_cmpuint (agen_generator_resume_yield (gen, first_id, &item), ==, 0);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  /* A next asked for later calls the body, which suspends again. */
  agen_test_call_init (&call);
  agen_test_start_next (gen, NULL, &call);
  g_assert_cmpuint (body.n_calls, ==, 2);
  g_assert_cmpuint (body.await_id, !=, first_id);

  /* NULL yields a G_TYPE_POINTER NULL, as agen_generator_yield() does. */
  g_assert_cmpuint (agen_generator_resume_yield (gen, body.await_id, NULL), ==, 0);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_true (G_VALUE_HOLDS_POINTER (&call.item));
  g_assert_null (g_value_get_pointer (&call.item));
  agen_test_call_clear (&call);

  /* Closed here: the body's data lives on this stack. */
  g_assert_true (agen_test_close (gen, NULL, NULL));
  g_value_unset (&item);
  g_object_unref (gen);
  driven_body_clear (&body);
}

/* foreach asks for the next item in its reply: the body is not called for
 * it, the call hands its await back. */
static void
test_resume_yield_foreach (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  DrivenBody body = { 0 };
  AgenGenerator *gen = driven_generator (&body);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };
  GValue item = G_VALUE_INIT;
  guint await_id;

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify,
                           NULL, &call);
  g_assert_cmpuint (body.n_calls, ==, 1);
  await_id = body.await_id;

  g_value_init (&item, G_TYPE_INT);
  for (int i = 0; i < 3; i++)
    {
      guint next_id;

      g_value_set_int (&item, i);
      next_id = agen_generator_resume_yield (gen, await_id, &item);
      g_assert_cmpuint (next_id, !=, 0);
      g_assert_cmpuint (next_id, !=, await_id);
      g_assert_cmpuint (body.n_calls, ==, 1);
      g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
      await_id = next_id;
    }
  g_assert_cmpstr (collect->items->str, ==, "0 1 2");

  /* Anything else resumes the body as usual: here, the end. */
  body.finish = TRUE;
  agen_generator_resume (gen, await_id, NULL);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_cmpuint (body.n_calls, ==, 2);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  g_assert_cmpstr (collect->items->str, ==, "0 1 2");
  agen_test_call_clear (&call);

  g_value_unset (&item);
  g_object_unref (gen);
  agen_test_collect_free (collect);
  driven_body_clear (&body);
}

/* A cancellation that has not reached the body does not drop the item: it
 * reaches the body at its next await. */
static void
test_resume_yield_cancelled (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  DrivenBody body = { 0 };
  AgenGenerator *gen = driven_generator (&body);
  AgenTestCollect *collect = agen_test_collect_new (0);
  GCancellable *cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };
  GValue item = G_VALUE_INIT;
  guint next_id;

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify,
                           cancellable, &call);
  g_cancellable_cancel (cancellable);

  g_value_init (&item, G_TYPE_INT);
  g_value_set_int (&item, 1);
  next_id = agen_generator_resume_yield (gen, body.await_id, &item);
  g_assert_cmpuint (next_id, !=, 0);
  g_assert_cmpstr (collect->items->str, ==, "1");
  g_assert_cmpuint (body.n_calls, ==, 1);

  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (body.n_calls, ==, 2);
  g_assert_error (body.thrown, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (collect->items->str, ==, "1");

  /* Its await ended with the cancellation: stale. */
  g_assert_cmpuint (agen_generator_resume_yield (gen, next_id, &item), ==, 0);
  agen_test_call_clear (&call);

  g_value_unset (&item);
  g_object_unref (cancellable);
  g_object_unref (gen);
  agen_test_collect_free (collect);
  driven_body_clear (&body);
}

/* During a close, the item is refused as any yield during a close is. */
static void
test_resume_yield_during_close (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  DrivenBody body = { .suspend_on_error = TRUE };
  AgenGenerator *gen = driven_generator (&body);
  AgenTestCall call = { 0 };
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  g_value_init (&item, G_TYPE_INT);
  g_value_set_int (&item, 1);
  agen_test_start_next (gen, NULL, &call);
  g_assert_cmpuint (agen_generator_resume_yield (gen, body.await_id, &item), ==, 0);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  agen_test_call_clear (&call);

  agen_test_call_init (&call);
  agen_test_start_close (gen, NULL, &call);
  g_assert_cmpuint (body.n_calls, ==, 2);
  g_assert_error (body.thrown, AGEN_ERROR, AGEN_ERROR_EXIT);
  g_assert_cmpuint (agen_generator_resume_yield (gen, body.await_id, &item), ==, 0);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  agen_test_call_clear (&call);

  /* As after any ignored close, a later close is refused without a body
   * call (the body's data lives on this stack). */
  g_assert_false (agen_test_close (gen, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_assert_cmpuint (body.n_calls, ==, 2);
  g_clear_error (&error);
  g_value_unset (&item);
  g_object_unref (gen);
  driven_body_clear (&body);
}

/* ================================================= suspend and resume */

/* The bindable await: suspend returns an id, resume (id, result) wakes the
 * body, where get_result is that result. */
static void
test_suspend_resume (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_SUSPEND, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GTask *result = g_task_new (NULL, NULL, NULL, NULL);
  AgenTestCall call = { 0 };

  g_task_return_boolean (result, TRUE);

  agen_test_start_next (gen, NULL, &call);
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  g_assert_cmpuint (s->await_id, !=, 0);

  agen_generator_resume (gen, s->await_id, G_ASYNC_RESULT (result));
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  g_assert_cmpuint (s->n_results, ==, 1);
  g_assert_true (s->last_result == (gpointer) result);
  agen_test_call_clear (&call);
  agen_test_script_assert_sane (s);

  g_object_unref (result);
  g_object_unref (gen);
}

/* A wrong or stale id is ignored. */
static void
test_suspend_stale_id (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_SUSPEND, S_YIELD (1), S_SUSPEND, S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GTask *result = g_task_new (NULL, NULL, NULL, NULL);
  AgenTestCall call = { 0 };
  guint first_id;

  g_task_return_boolean (result, TRUE);

  agen_test_start_next (gen, NULL, &call);
  first_id = s->await_id;
  agen_generator_resume (gen, first_id + 1, G_ASYNC_RESULT (result));
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  g_assert_cmpuint (s->n_calls, ==, 1);

  agen_generator_resume (gen, first_id, G_ASYNC_RESULT (result));
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  agen_test_call_clear (&call);

  /* The first await is over: its id is stale, also at the yield. */
  agen_generator_resume (gen, first_id, G_ASYNC_RESULT (result));
  agen_test_iterate_ms (10);
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  agen_test_call_init (&call);
  agen_test_start_next (gen, NULL, &call);
  g_assert_cmpuint (s->await_id, !=, first_id);
  agen_generator_resume (gen, first_id, G_ASYNC_RESULT (result));
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  g_assert_cmpuint (s->n_calls, ==, 3);

  agen_generator_resume (gen, s->await_id, G_ASYNC_RESULT (result));
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 2);
  agen_test_call_clear (&call);

  g_object_unref (result);
  g_object_unref (gen);
}

/* An id is stale after its await was ended by a cancellation. */
static void
test_suspend_stale_after_cancel (AgenTestFixture *fixture,
                                 gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_SUSPEND, S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (5) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GTask *result = g_task_new (NULL, NULL, NULL, NULL);
  AgenTestCall call = { 0 };

  g_task_return_boolean (result, TRUE);

  agen_test_start_next (gen, cancellable, &call);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 5);
  agen_test_call_clear (&call);
  g_assert_cmpuint (s->n_calls, ==, 2);

  agen_generator_resume (gen, s->await_id, G_ASYNC_RESULT (result));
  agen_test_iterate_ms (10);
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpuint (s->n_results, ==, 0);
  agen_test_assert_next_end (gen);

  g_object_unref (result);
  g_object_unref (gen);
}

/* The bindable pattern: resume from the awaited operation's callback. */
static void
test_suspend_from_callback (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_SUSPEND_GATE, S_YIELD (1), S_SUSPEND_GATE, S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, NULL, &call);
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  agen_test_call_clear (&call);
  agen_test_assert_next_int (gen, 2);
  g_assert_cmpuint (s->n_results, ==, 2);

  g_object_unref (gen);
}

/* ===================================================== catch and peek */

/* catch_error takes the thrown error (transfer full); peek_error is then NULL. */
static void
test_catch_error_takes (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (8);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ret;

  s->catch_error = GPOINTER_TO_INT (data);
  agen_test_assert_next_int (gen, 1);
  ret = agen_test_throw (gen, thrown, NULL, &item, &error);
  g_assert_no_error (error);
  agen_test_assert_item_int (ret, &item, 2);
  g_value_unset (&item);
  g_assert_cmpuint (s->peeked_after_catch, ==, 0);
  g_assert_cmpuint (s->caught->len, ==, 1);
  g_assert_error ((GError *) s->caught->pdata[0], AGEN_TEST_ERROR, 8);

  g_object_unref (gen);
}

/* Looks for a thrown error at its first call, where there is none, and at
 * its second, where it peeks without catching. */
typedef struct
{
  guint calls;
  gboolean nothing_first;
  gboolean peeked_same;
} PeekBody;

static void
peek_body (AgenGenerator *self,
           gpointer       user_data)
{
  PeekBody *b = user_data;
  GError *error = NULL;

  if (b->calls++ == 0)
    {
      b->nothing_first = agen_generator_peek_error (self) == NULL &&
                         agen_generator_catch_error (self) == NULL &&
                         !agen_generator_catch (self, &error) && error == NULL;
      agen_generator_yield_int (self, 1);
      return;
    }

  b->peeked_same = agen_generator_peek_error (self) != NULL &&
                   agen_generator_peek_error (self) == agen_generator_peek_error (self);
  /* Not caught: it finishes the generator. */
  agen_generator_yield_int (self, 2);
}

/* peek_error and catch without a thrown error; peek does not take it. */
static void
test_peek_error_does_not_take (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  PeekBody b = { 0 };
  AgenGenerator *gen = agen_generator_new (peek_body, &b, NULL);
  g_autoptr(GError) thrown = agen_test_error_new (8);
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  g_assert_true (b.nothing_first);
  g_assert_false (agen_test_throw (gen, thrown, NULL, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 8);
  g_clear_error (&error);
  g_assert_true (b.peeked_same);

  g_object_unref (gen);
}

/* ====================================================== uncaught wins */

/* An error thrown in that the body does not catch wins, even if the body
 * yielded: the operation fails with it, cleanups run. */
static void
test_uncaught_wins_over_yield (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1), S_YIELD (2), S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (6);
  AgenTestCall call = { 0 };

  s->ignore_errors = TRUE;
  agen_test_assert_next_int (gen, 1);
  call.watch = s;
  agen_test_start_throw (gen, thrown, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_TEST_ERROR, 6);
  g_assert_cmpstr (call.log_at_callback, ==, "d1");
  agen_test_call_clear (&call);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
}

/* The same for a body that returns without catching: the error wins over
 * the return. */
static void
test_uncaught_wins_over_return (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (6);
  GError *error = NULL;

  s->ignore_errors = TRUE;
  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_throw (gen, thrown, NULL, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 6);
  g_clear_error (&error);

  g_object_unref (gen);
}

/* A cancellation not caught at an await wins over a yield. */
static void
test_uncaught_cancel_wins_over_yield (AgenTestFixture *fixture,
                                      gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT_IGNORING, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  s->ignore_errors = TRUE;
  agen_test_start_next (gen, cancellable, &call);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_call_clear (&call);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  agen_test_gate_leave_open (s->gate);
  agen_test_drain ();
  g_object_unref (gen);
}

/* ============================================================= macros */

typedef struct
{
  gint i, n;
  AgenTestGate *gate;
  GError *error;           /* what a _CATCH macro gave */
  gboolean after;          /* reached code after a suspension point */
  gboolean result_was_null;
  GValue item;
} MacroState;

static MacroState *
macro_state_new (gint n)
{
  MacroState *m = g_new0 (MacroState, 1);

  m->n = n;
  m->gate = agen_test_gate_new ();
  return m;
}

static void
macro_state_free (gpointer data)
{
  MacroState *m = data;

  g_object_unref (m->gate);
  g_clear_error (&m->error);
  if (G_IS_VALUE (&m->item))
    g_value_unset (&m->item);
  g_free (m);
}

static void
count_body (AgenGenerator *self,
            gpointer       user_data)
{
  MacroState *m = user_data;

  AGEN_BEGIN (self);
  for (m->i = 0; m->i < m->n; m->i++)
    AGEN_YIELD_INT (self, m->i);
  m->after = TRUE;
  AGEN_END (self);
}

/* AGEN_BEGIN / AGEN_YIELD_INT / AGEN_END. */
static void
test_macros_count (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  MacroState *m = macro_state_new (5);
  AgenGenerator *gen = agen_generator_new (count_body, m, NULL);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_no_error (call.error);
  g_assert_cmpstr (collect->items->str, ==, "0 1 2 3 4");
  g_assert_true (m->after);
  agen_test_call_clear (&call);

  agen_test_collect_free (collect);
  g_object_unref (gen);
  macro_state_free (m);
}

/* AGEN_YIELD: an error thrown in at the resumption propagates. */
static void
test_macros_yield_propagates (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  MacroState *m = macro_state_new (5);
  AgenGenerator *gen = agen_generator_new (count_body, m, NULL);
  g_autoptr(GError) thrown = agen_test_error_new (2);
  GError *error = NULL;

  agen_test_assert_next_int (gen, 0);
  g_assert_false (agen_test_throw (gen, thrown, NULL, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 2);
  g_clear_error (&error);
  g_assert_cmpint (m->i, ==, 0);
  g_assert_false (m->after);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_object_unref (gen);
  macro_state_free (m);
}

static void
yield_catch_body (AgenGenerator *self,
                  gpointer       user_data)
{
  MacroState *m = user_data;

  AGEN_BEGIN (self);
  g_value_init (&m->item, G_TYPE_STRING);
  g_value_set_string (&m->item, "first");
  AGEN_YIELD_CATCH (self, &m->item, &m->error);
  if (m->error != NULL)
    {
      g_value_set_string (&m->item, m->error->message);
      AGEN_YIELD (self, &m->item);
    }
  AGEN_YIELD_STRING (self, "last");
  AGEN_END (self);
}

/* AGEN_YIELD_CATCH: the thrown error goes to the body; AGEN_YIELD with a
 * GValue; AGEN_YIELD_STRING. */
static void
test_macros_yield_catch (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  MacroState *m = macro_state_new (0);
  AgenGenerator *gen = agen_generator_new (yield_catch_body, m, macro_state_free);
  g_autoptr(GError) thrown = agen_test_error_new (2);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_cmpstr (g_value_get_string (&item), ==, "first");
  g_value_unset (&item);

  g_assert_true (agen_test_throw (gen, thrown, NULL, &item, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&item), ==, "thrown error 2");
  g_value_unset (&item);
  g_assert_error (m->error, AGEN_TEST_ERROR, 2);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_cmpstr (g_value_get_string (&item), ==, "last");
  g_value_unset (&item);

  agen_test_assert_next_end (gen);
  g_object_unref (gen);
}

/* AGEN_YIELD_CATCH without a thrown error leaves it NULL. */
static void
test_macros_yield_catch_no_error (AgenTestFixture *fixture,
                                  gconstpointer    data)
{
  MacroState *m = macro_state_new (0);
  AgenGenerator *gen = agen_generator_new (yield_catch_body, m, macro_state_free);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_value_unset (&item);
  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&item), ==, "last");
  g_value_unset (&item);
  g_assert_null (m->error);

  g_object_unref (gen);
}

static void
await_body (AgenGenerator *self,
            gpointer       user_data)
{
  MacroState *m = user_data;
  GError *error = NULL;

  AGEN_BEGIN (self);
  AGEN_AWAIT (self, agen_test_gate_wait_ignoring_cancel_async (m->gate, agen_generator_get_cancellable (self), agen_generator_ready, agen_generator_await (self)));
  if (!agen_test_gate_wait_finish (m->gate, agen_generator_get_result (self), &error))
    {
      agen_generator_raise (self, error);
      return;
    }
  m->after = TRUE;
  AGEN_YIELD_INT (self, 1);
  AGEN_END (self);
}

/* AGEN_AWAIT resumes after the awaited call completed. */
static void
test_macros_await (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  MacroState *m = macro_state_new (0);
  AgenGenerator *gen = agen_generator_new (await_body, m, NULL);
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, NULL, &call);
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  g_assert_false (m->after);
  agen_test_gate_leave_open (m->gate);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  g_assert_true (m->after);
  agen_test_call_clear (&call);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  macro_state_free (m);
}

/* AGEN_AWAIT: a cancellation delivered there propagates. */
static void
test_macros_await_cancel_propagates (AgenTestFixture *fixture,
                                     gconstpointer    data)
{
  MacroState *m = macro_state_new (0);
  AgenGenerator *gen = agen_generator_new (await_body, m, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, cancellable, &call);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (m->after);
  agen_test_call_clear (&call);

  agen_test_gate_leave_open (m->gate);
  agen_test_drain ();
  g_assert_false (m->after);
  g_object_unref (gen);
  macro_state_free (m);
}

static void
await_catch_body (AgenGenerator *self,
                  gpointer       user_data)
{
  MacroState *m = user_data;

  AGEN_BEGIN (self);
  AGEN_AWAIT_CATCH (self, agen_test_gate_wait_ignoring_cancel_async (m->gate, agen_generator_get_cancellable (self), agen_generator_ready, agen_generator_await (self)), &m->error);
  m->result_was_null = agen_generator_get_result (self) == NULL;
  m->after = TRUE;
  AGEN_YIELD_INT (self, m->error != NULL ? 99 : 1);
  AGEN_END (self);
}

/* AGEN_AWAIT_CATCH: the cancellation goes to the body, the result is NULL. */
static void
test_macros_await_catch (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  MacroState *m = macro_state_new (0);
  AgenGenerator *gen = agen_generator_new (await_catch_body, m, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (5);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 99);
  g_assert_error (m->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (m->result_was_null);
  agen_test_call_clear (&call);
  agen_test_assert_next_end (gen);

  agen_test_gate_leave_open (m->gate);
  agen_test_drain ();
  g_object_unref (gen);
  macro_state_free (m);
}

/* ====================================================== dispatch-body */

/* The run a dispatch-body test drives: yields, a sent value, a resume from
 * the awaited operation's callback, an await, a throw caught, a close. */
static void
drive_every_kind_of_resumption (AgenTestScript *s,
                                AgenGenerator  *gen)
{
  g_autoptr(GError) thrown = agen_test_error_new (3);
  g_auto(GValue) sent = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) item = G_VALUE_INIT;

  agen_test_assert_next_int (gen, 1);

  agen_test_value_init_int (&sent, 7);
  agen_test_assert_item_int (agen_test_send (gen, &sent, NULL, &item, &error), &item, 7);
  g_assert_no_error (error);

  agen_test_gate_leave_open (s->gate);
  agen_test_assert_next_int (gen, 2);

  g_value_unset (&item);
  agen_test_assert_item_int (agen_test_throw (gen, thrown, NULL, &item, &error), &item, 5);
  g_assert_no_error (error);

  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (s->log->str, ==, "c:E3 u:EXIT d1");
}

static AgenTestScript *
every_kind_of_resumption_script (void)
{
  static const AgenTestStep steps[] = {
    S_DEFER (1), S_YIELD (1), S_YIELD_SENT, S_SUSPEND_GATE, S_YIELD (2), S_YIELD (9),
  };
  static const AgenTestStep handler[] = { S_YIELD (5), S_AWAIT, S_YIELD (6) };

  return AGEN_TEST_SCRIPT_H (steps, handler);
}

/* With dispatch-body, no body call runs inside the call that resumed the
 * generator: not in next, send, throw or close, nor in a resume made from
 * the awaited operation's callback. The same run without it does, which
 * shows the check can fail. */
static void
test_dispatch_body_never_inside_a_call (AgenTestFixture *fixture,
                                        gconstpointer    data)
{
  g_autoptr(AgenTestScript) inline_script = every_kind_of_resumption_script ();
  g_autoptr(AgenTestScript) s = every_kind_of_resumption_script ();
  g_autoptr(AgenGenerator) inline_gen = agen_test_script_generator (inline_script);
  g_autoptr(AgenGenerator) gen = agen_test_script_generator (s);

  g_assert_false (agen_generator_get_dispatch_body (gen));
  g_object_set (gen, "dispatch-body", TRUE, NULL);
  g_assert_true (agen_generator_get_dispatch_body (gen));

  drive_every_kind_of_resumption (inline_script, inline_gen);
  g_assert_cmpuint (inline_script->calls_inside_a_call, >, 0);

  drive_every_kind_of_resumption (s, gen);
  g_assert_cmpuint (s->calls_inside_a_call, ==, 0);
  g_assert_cmpuint (s->n_calls, ==, inline_script->n_calls);
  agen_test_script_assert_sane (s);
}

/* The body runs at a later dispatch: next_start answers later. */
static void
test_dispatch_body_next_start_pending (AgenTestFixture *fixture,
                                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenGenerator) gen = agen_test_script_generator (s);
  g_auto(GValue) item = G_VALUE_INIT;
  GError *error = NULL;
  AgenTestStartCall call = { 0 };
  gboolean pending = FALSE;

  agen_generator_set_dispatch_body (gen, TRUE);
  g_assert_false (agen_test_next_start (gen, &call, &pending, &item, &error));
  g_assert_no_error (error);
  g_assert_true (pending);
  g_assert_cmpuint (s->n_calls, ==, 0);

  agen_test_wait_for_count (&call.n_callbacks, 1, agen_test_timeout_seconds (10));
  agen_test_assert_item_int (call.ret, &call.item, 1);
  g_assert_cmpuint (call.n_destroyed, ==, 1);
  g_value_unset (&call.item);
}

/* A cancellation still reaches the body at its await, from a dispatch. */
static void
test_dispatch_body_cancel (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT, S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (5) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  g_autoptr(AgenGenerator) gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_generator_set_dispatch_body (gen, TRUE);
  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (10);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  agen_test_assert_item_int (call.ret, &call.item, 5);
  g_assert_cmpstr (s->log->str, ==, "c:CANCELLED");
  agen_test_call_clear (&call);
  g_assert_cmpuint (s->calls_inside_a_call, ==, 0);
}

/* foreach leaves its fast path for a dispatch-body generator. */
static void
test_dispatch_body_foreach (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (0), S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenGenerator) gen = agen_test_script_generator (s);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };

  agen_generator_set_dispatch_body (gen, TRUE);
  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpstr (collect->items->str, ==, "0 1 2");
  g_assert_cmpuint (s->calls_inside_a_call, ==, 0);
  agen_test_call_clear (&call);
  agen_test_collect_free (collect);
}

/* ================================================= a body reading GIO */

/* The lines of a file, read with g_file_read_async() and
 * g_data_input_stream_read_line_async(), as a generator written with the
 * macros. */
typedef struct
{
  GFile *file;
  GFileInputStream *file_input;
  GDataInputStream *input;
  char *line;
  guint n_lines;
  gboolean *closed_stream;     /* set when the cleanup closed the stream */
} Lines;

static void
lines_free (gpointer data)
{
  Lines *l = data;

  g_clear_object (&l->input);
  g_clear_object (&l->file_input);
  g_clear_object (&l->file);
  g_free (l->line);
  g_free (l);
}

/* A deferred cleanup: closes the stream however the body finishes. */
static void
lines_close_stream (gpointer data)
{
  Lines *l = data;

  if (l->input != NULL)
    {
      g_input_stream_close (G_INPUT_STREAM (l->input), NULL, NULL);
      if (l->closed_stream != NULL)
        *l->closed_stream = TRUE;
    }
}

static void
lines_body (AgenGenerator *self,
            gpointer       user_data)
{
  Lines *l = user_data;
  GError *error = NULL;

  AGEN_BEGIN (self);

  AGEN_AWAIT (self, g_file_read_async (l->file, G_PRIORITY_DEFAULT, agen_generator_get_cancellable (self), agen_generator_ready, agen_generator_await (self)));
  l->file_input = g_file_read_finish (l->file, agen_generator_get_result (self), &error);
  if (l->file_input == NULL)
    {
      agen_generator_raise (self, error);
      return;
    }
  l->input = g_data_input_stream_new (G_INPUT_STREAM (l->file_input));
  agen_generator_defer (self, lines_close_stream, l);

  for (;;)
    {
      g_clear_pointer (&l->line, g_free);
      AGEN_AWAIT (self, g_data_input_stream_read_line_async (l->input, G_PRIORITY_DEFAULT, agen_generator_get_cancellable (self), agen_generator_ready, agen_generator_await (self)));
      l->line = g_data_input_stream_read_line_finish_utf8 (l->input, agen_generator_get_result (self), NULL, &error);
      if (error != NULL)
        {
          agen_generator_raise (self, error);
          return;
        }
      if (l->line == NULL)
        break;
      l->n_lines++;
      AGEN_YIELD_STRING (self, l->line);
    }

  AGEN_END (self);
}

static AgenGenerator *
lines_new (GFile    *file,
           gboolean *closed_stream)
{
  Lines *l = g_new0 (Lines, 1);

  l->file = g_object_ref (file);
  l->closed_stream = closed_stream;
  return agen_generator_new (lines_body, l, lines_free);
}

typedef struct
{
  char *path;
  GFile *file;
} TempFile;

static void
temp_file_setup (TempFile   *tmp,
                 const char *contents)
{
  GError *error = NULL;
  int fd = g_file_open_tmp ("agen-test-gio-XXXXXX.txt", &tmp->path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (tmp->path, contents, -1, &error);
  g_assert_no_error (error);
  tmp->file = g_file_new_for_path (tmp->path);
}

static void
temp_file_teardown (TempFile *tmp)
{
  g_unlink (tmp->path);
  g_free (tmp->path);
  g_object_unref (tmp->file);
}

static const char *const known_lines[] = {
  "first line",
  "",
  "the third line, after an empty one",
  "ünïcödé",
  "last line without a newline",
  NULL
};

#define N_KNOWN_LINES (G_N_ELEMENTS (known_lines) - 1)

static char *
known_contents (void)
{
  return g_strjoinv ("\n", (char **) known_lines);
}

/* Every line, in order, by next. */
static void
test_lines_next (AgenTestFixture *fixture,
                 gconstpointer    data)
{
  g_autofree char *contents = known_contents ();
  TempFile tmp;
  AgenGenerator *gen;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean closed_stream = FALSE;

  temp_file_setup (&tmp, contents);
  gen = lines_new (tmp.file, &closed_stream);

  for (guint i = 0; i < N_KNOWN_LINES; i++)
    {
      g_assert_true (agen_test_next (gen, NULL, &item, &error));
      g_assert_no_error (error);
      g_assert_true (G_VALUE_HOLDS_STRING (&item));
      g_assert_cmpstr (g_value_get_string (&item), ==, known_lines[i]);
      g_value_unset (&item);
    }
  g_assert_false (closed_stream);
  agen_test_assert_next_end (gen);
  g_assert_true (closed_stream);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);

  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

/* The same with foreach. */
static void
test_lines_foreach (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  g_autofree char *contents = known_contents ();
  g_autofree char *expected = g_strjoinv (" ", (char **) known_lines);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };
  TempFile tmp;
  AgenGenerator *gen;

  temp_file_setup (&tmp, contents);
  gen = lines_new (tmp.file, NULL);

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpuint (collect->n_items, ==, N_KNOWN_LINES);
  g_assert_cmpstr (collect->items->str, ==, expected);
  agen_test_call_clear (&call);

  agen_test_collect_free (collect);
  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

/* Many lines: each one is a real await. */
static void
test_lines_many (AgenTestFixture *fixture,
                 gconstpointer    data)
{
  GString *contents = g_string_new (NULL);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };
  TempFile tmp;
  AgenGenerator *gen;
  const guint n = 2000;
  g_auto(GStrv) items = NULL;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (contents, "%u\n", i);
  temp_file_setup (&tmp, contents->str);
  gen = lines_new (tmp.file, NULL);

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);

  g_assert_cmpuint (collect->n_items, ==, n);
  items = g_strsplit (collect->items->str, " ", -1);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_ascii_strtoull (items[i], NULL, 10), ==, i);

  g_string_free (contents, TRUE);
  agen_test_collect_free (collect);
  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

/* Closing early runs the cleanup, which closes the stream. */
static void
test_lines_close_early (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  g_autofree char *contents = known_contents ();
  TempFile tmp;
  AgenGenerator *gen;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean closed_stream = FALSE;

  temp_file_setup (&tmp, contents);
  gen = lines_new (tmp.file, &closed_stream);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_cmpstr (g_value_get_string (&item), ==, known_lines[0]);
  g_value_unset (&item);

  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (closed_stream);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

/* Dropping the generator mid-file closes it on the main context. */
static void
test_lines_drop_mid_file (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  g_autofree char *contents = known_contents ();
  TempFile tmp;
  AgenGenerator *gen;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean closed_stream = FALSE;
  gboolean finalized;

  temp_file_setup (&tmp, contents);
  gen = lines_new (tmp.file, &closed_stream);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_value_unset (&item);
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_assert_true (closed_stream);

  temp_file_teardown (&tmp);
}

/* A file that does not exist: the awaited operation's error is raised. */
static void
test_lines_missing_file (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  g_autofree char *dir = g_dir_make_tmp ("agen-test-gio-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "missing.txt", NULL);
  GFile *file = g_file_new_for_path (path);
  AgenGenerator *gen = lines_new (file, NULL);

  agen_test_assert_next_error (gen, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  g_object_unref (file);
  g_rmdir (dir);
}

/* An empty file: no item, FALSE without an error. */
static void
test_lines_empty_file (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  TempFile tmp;
  AgenGenerator *gen;

  temp_file_setup (&tmp, "");
  gen = lines_new (tmp.file, NULL);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/producer/typed-yields", test_typed_yields);
  agen_test_add ("/producer/resume-point", test_resume_point);
  agen_test_add ("/producer/get-sent/value-reaches-body", test_send_value_reaches_body);
  agen_test_add ("/producer/get-sent/null-after-await", test_send_sent_null_after_await);
  agen_test_add ("/producer/suspend/resume-wakes-body", test_suspend_resume);
  agen_test_add ("/producer/resume-yield/next", test_resume_yield_next);
  agen_test_add ("/producer/resume-yield/foreach-hands-back", test_resume_yield_foreach);
  agen_test_add ("/producer/resume-yield/cancelled-after-item", test_resume_yield_cancelled);
  agen_test_add ("/producer/resume-yield/during-close", test_resume_yield_during_close);
  agen_test_add ("/producer/suspend/stale-id-ignored", test_suspend_stale_id);
  agen_test_add ("/producer/suspend/stale-after-cancel", test_suspend_stale_after_cancel);
  agen_test_add ("/producer/suspend/resume-from-callback", test_suspend_from_callback);
  agen_test_add_data ("/producer/catch/takes", GINT_TO_POINTER (FALSE), test_catch_error_takes);
  agen_test_add_data ("/producer/catch-error/takes", GINT_TO_POINTER (TRUE),
                      test_catch_error_takes);
  agen_test_add ("/producer/peek-error/does-not-take", test_peek_error_does_not_take);
  agen_test_add ("/producer/uncaught/wins-over-yield", test_uncaught_wins_over_yield);
  agen_test_add ("/producer/uncaught/wins-over-return", test_uncaught_wins_over_return);
  agen_test_add ("/producer/uncaught/cancel-wins-over-yield", test_uncaught_cancel_wins_over_yield);

  agen_test_add ("/producer/macros/count", test_macros_count);
  agen_test_add ("/producer/macros/yield-propagates", test_macros_yield_propagates);
  agen_test_add ("/producer/macros/yield-catch", test_macros_yield_catch);
  agen_test_add ("/producer/macros/yield-catch-no-error", test_macros_yield_catch_no_error);
  agen_test_add ("/producer/macros/await", test_macros_await);
  agen_test_add ("/producer/macros/await-cancel-propagates", test_macros_await_cancel_propagates);
  agen_test_add ("/producer/macros/await-catch", test_macros_await_catch);

  agen_test_add ("/producer/dispatch-body/never-inside-a-call",
                 test_dispatch_body_never_inside_a_call);
  agen_test_add ("/producer/dispatch-body/next-start-pending",
                 test_dispatch_body_next_start_pending);
  agen_test_add ("/producer/dispatch-body/cancel", test_dispatch_body_cancel);
  agen_test_add ("/producer/dispatch-body/foreach", test_dispatch_body_foreach);

  agen_test_add ("/producer/gio/lines/next", test_lines_next);
  agen_test_add ("/producer/gio/lines/foreach", test_lines_foreach);
  agen_test_add ("/producer/gio/lines/many", test_lines_many);
  agen_test_add ("/producer/gio/lines/close-early", test_lines_close_early);
  agen_test_add ("/producer/gio/lines/drop-mid-file", test_lines_drop_mid_file);
  agen_test_add ("/producer/gio/lines/missing-file", test_lines_missing_file);
  agen_test_add ("/producer/gio/lines/empty-file", test_lines_empty_file);

  return g_test_run ();
}
