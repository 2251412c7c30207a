/* test-misuse.c: bad input and programmer errors
 *
 * docs/reference/semantics.xml, section contract-misuse. Programmer errors
 * (a NULL or non-generator self, a NULL required argument, a GAsyncResult
 * that does not belong to the _finish it is given to, a producer call
 * outside a body call or on another generator, two outcomes in one body
 * call) give the g_return_if_fail() critical of GLib's conventions, in the
 * log domain "Agen", and change nothing: no callback is called, the
 * generator is as it was, and the right call afterwards still works.
 * Wrong-state misuse that is not a programmer error (a body that ends a call
 * in nothing, drives its own generator, or awaits one of another context; a
 * generator that ignores its close at shutdown) gives the documented GError.
 *
 * The refusals of the consumer face (PENDING, NOT_STARTED, IGNORED_EXIT)
 * are rows of test-pep525.c; WRONG_CONTEXT is test-contexts.c's. Each
 * stream's own preconditions are tested with the stream.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* The critical of a failed g_return_if_fail (@cond) in @func. */
#define EXPECT_RETURN_IF_FAIL(func, cond) \
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*" func "*assertion*" cond "*failed*")

/* The producer face checks with AGEN_IS_GENERATOR_FINAL (self), the consumer
 * face with AGEN_IS_GENERATOR (self). */
#define EXPECT_NOT_SELF(func) EXPECT_RETURN_IF_FAIL (func, "AGEN_IS_GENERATOR*(self)")

/* The critical of a producer call outside a body call. */
#define EXPECT_OUTSIDE_BODY(func) \
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*" func ": called outside a body call*")

/* Any critical: for the checks whose message is not part of the rule. */
#define EXPECT_CRITICAL() \
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*")

static void
never_called_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_error ("a callback was called after a call that failed its preconditions");
}

static gboolean
never_called_func (AgenGenerator *self,
                   const GValue  *item,
                   gpointer       user_data)
{
  g_error ("a foreach function was called after a call that failed its preconditions");
  return FALSE;
}

static void
noop_destroy (gpointer data)
{
}

/* ================================================== the consumer face */

/* Every consumer entry point, given @self, which is not a generator (NULL,
 * or another GObject): the critical, no callback, and nothing else. */
static void
check_consumer_not_self (AgenGenerator *self)
{
  g_autoptr(GError) thrown = agen_test_error_new (1);
  GValue v = G_VALUE_INIT;
  gboolean pending;

  agen_test_value_init_int (&v, 1);

  EXPECT_NOT_SELF ("agen_generator_next_async");
  agen_generator_next_async (self, NULL, never_called_cb, NULL);
  EXPECT_NOT_SELF ("agen_generator_next_start");
  g_assert_false (agen_generator_next_start (self, NULL, never_called_cb, NULL, NULL, &pending, NULL, NULL));
  EXPECT_NOT_SELF ("agen_generator_next_now");
  g_assert_cmpint (agen_generator_next_now (self, NULL, NULL, NULL), ==, AGEN_NOW_FAILED);
  EXPECT_NOT_SELF ("agen_generator_send_now");
  g_assert_cmpint (agen_generator_send_now (self, &v, NULL, NULL, NULL), ==, AGEN_NOW_FAILED);
  EXPECT_NOT_SELF ("agen_generator_set_ready_func");
  agen_generator_set_ready_func (self, NULL, NULL, NULL);
  EXPECT_NOT_SELF ("agen_generator_send_async");
  agen_generator_send_async (self, &v, NULL, never_called_cb, NULL);
  EXPECT_NOT_SELF ("agen_generator_send_async");
  agen_generator_send_async (self, NULL, NULL, never_called_cb, NULL);
  EXPECT_NOT_SELF ("agen_generator_throw_async");
  agen_generator_throw_async (self, thrown, NULL, never_called_cb, NULL);
  EXPECT_NOT_SELF ("agen_generator_close_async");
  agen_generator_close_async (self, NULL, never_called_cb, NULL);
  EXPECT_NOT_SELF ("agen_generator_foreach_async");
  agen_generator_foreach_async (self, never_called_func, NULL, NULL, NULL, never_called_cb, NULL);
  EXPECT_NOT_SELF ("agen_generator_get_state");
  g_assert_cmpint (agen_generator_get_state (self), ==, AGEN_GENERATOR_STATE_FINISHED);
  EXPECT_NOT_SELF ("agen_generator_get_name");
  g_assert_null (agen_generator_get_name (self));
  EXPECT_NOT_SELF ("agen_generator_set_name");
  agen_generator_set_name (self, "name");
  g_test_assert_expected_messages ();

  /* No callback was scheduled. */
  agen_test_drain ();
  g_value_unset (&v);
}

/* The consumer face with a NULL self. */
static void
test_consumer_null_self (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  check_consumer_not_self (NULL);
}

/* The consumer face with a self that is another GObject. */
static void
test_consumer_not_a_generator (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  check_consumer_not_self ((AgenGenerator *) object);
  g_object_unref (object);
}

/* NULL or invalid required arguments of the consumer face: the critical,
 * no callback, and the generator is untouched (its body never runs). */
static void
test_consumer_bad_arguments (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GObject *not_cancellable = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GError) thrown = agen_test_error_new (1);
  GValue unset = G_VALUE_INIT;   /* not a value: G_IS_VALUE () is FALSE */
  gboolean pending;

  for (guint round = 0; round < 2; round++)
    {
      /* A value that is not one. */
      EXPECT_RETURN_IF_FAIL ("agen_generator_send_async", "G_IS_VALUE (value)");
      agen_generator_send_async (gen, &unset, NULL, never_called_cb, NULL);
      /* No error to throw. */
      EXPECT_RETURN_IF_FAIL ("agen_generator_throw_async", "error != NULL");
      agen_generator_throw_async (gen, NULL, NULL, never_called_cb, NULL);
      /* No foreach function. */
      EXPECT_RETURN_IF_FAIL ("agen_generator_foreach_async", "func != NULL");
      agen_generator_foreach_async (gen, NULL, NULL, NULL, NULL, never_called_cb, NULL);

      /* A cancellable that is not one. */
      EXPECT_RETURN_IF_FAIL ("agen_generator_next_async", "G_IS_CANCELLABLE (cancellable)");
      agen_generator_next_async (gen, (GCancellable *) not_cancellable, never_called_cb, NULL);
      EXPECT_RETURN_IF_FAIL ("agen_generator_next_start", "G_IS_CANCELLABLE (cancellable)");
      g_assert_false (agen_generator_next_start (gen, (GCancellable *) not_cancellable, never_called_cb,
                                                 NULL, NULL, &pending, NULL, NULL));
      EXPECT_RETURN_IF_FAIL ("agen_generator_next_now", "G_IS_CANCELLABLE (cancellable)");
      g_assert_cmpint (agen_generator_next_now (gen, (GCancellable *) not_cancellable, NULL, NULL),
                       ==, AGEN_NOW_FAILED);
      EXPECT_RETURN_IF_FAIL ("agen_generator_send_now", "G_IS_CANCELLABLE (cancellable)");
      g_assert_cmpint (agen_generator_send_now (gen, NULL, (GCancellable *) not_cancellable, NULL, NULL),
                       ==, AGEN_NOW_FAILED);
      /* No place for the answer that says whether the callback comes. */
      EXPECT_RETURN_IF_FAIL ("agen_generator_next_start", "pending != NULL");
      g_assert_false (agen_generator_next_start (gen, NULL, never_called_cb, NULL, NULL, NULL, NULL, NULL));
      EXPECT_RETURN_IF_FAIL ("agen_generator_send_async", "G_IS_CANCELLABLE (cancellable)");
      agen_generator_send_async (gen, NULL, (GCancellable *) not_cancellable, never_called_cb, NULL);
      EXPECT_RETURN_IF_FAIL ("agen_generator_throw_async", "G_IS_CANCELLABLE (cancellable)");
      agen_generator_throw_async (gen, thrown, (GCancellable *) not_cancellable, never_called_cb, NULL);
      EXPECT_RETURN_IF_FAIL ("agen_generator_close_async", "G_IS_CANCELLABLE (cancellable)");
      agen_generator_close_async (gen, (GCancellable *) not_cancellable, never_called_cb, NULL);
      EXPECT_RETURN_IF_FAIL ("agen_generator_foreach_async", "G_IS_CANCELLABLE (cancellable)");
      agen_generator_foreach_async (gen, never_called_func, NULL, NULL,
                                    (GCancellable *) not_cancellable, never_called_cb, NULL);
      EXPECT_RETURN_IF_FAIL ("agen_shutdown_async", "G_IS_CANCELLABLE (cancellable)");
      agen_shutdown_async ((GCancellable *) not_cancellable, never_called_cb, NULL);
      g_test_assert_expected_messages ();
      agen_test_drain ();

      /* Nothing changed: created, then suspended at its yield. */
      g_assert_cmpuint (s->n_calls, ==, round);
      g_assert_cmpint (agen_generator_get_state (gen), ==,
                       round == 0 ? AGEN_GENERATOR_STATE_CREATED : AGEN_GENERATOR_STATE_SUSPENDED);
      if (round == 0)
        agen_test_assert_next_int (gen, 1);
    }
  agen_test_assert_next_end (gen);

  g_object_unref (not_cancellable);
  g_object_unref (gen);
}

/* ------------------------------------------------------------ _finish */

typedef enum
{
  R_NEXT,
  R_SEND,
  R_THROW,
  R_CLOSE,
  R_FOREACH,
  R_SHUTDOWN,
  N_RESULTS
} ResultKind;

/* Calls the finish of @kind on @gen and @result; returns what it returns. */
static gboolean
call_finish (ResultKind     kind,
             AgenGenerator *gen,
             GAsyncResult  *result,
             GValue        *item,
             GError       **error)
{
  switch (kind)
    {
    case R_NEXT:
      return agen_generator_next_finish (gen, result, item, error);
    case R_SEND:
      return agen_generator_send_finish (gen, result, item, error);
    case R_THROW:
      return agen_generator_throw_finish (gen, result, item, error);
    case R_CLOSE:
      return agen_generator_close_finish (gen, result, error);
    case R_FOREACH:
      return agen_generator_foreach_finish (gen, result, error);
    case R_SHUTDOWN:
      return agen_shutdown_finish (result, error);
    default:
      g_assert_not_reached ();
    }
}

/* The critical that a finish gives for a result that is not its own:
 * first the source object is checked, then the source tag. next, send and
 * throw check them in a shared helper, whose name the message carries, so
 * for them only the assertion is matched. */
static void
expect_wrong_result (ResultKind     finish,
                     AgenGenerator *self,
                     AgenGenerator *result_source)
{
  if (finish == R_SHUTDOWN)
    EXPECT_RETURN_IF_FAIL ("agen_shutdown_finish", "g_task_is_valid (result, NULL)");
  else if (result_source != self)
    EXPECT_RETURN_IF_FAIL ("", "g_task_is_valid (result, self)");
  else if (finish == R_CLOSE)
    EXPECT_RETURN_IF_FAIL ("agen_generator_close_finish", "g_task_get_source_tag (G_TASK (result))");
  else if (finish == R_FOREACH)
    EXPECT_RETURN_IF_FAIL ("agen_generator_foreach_finish", "g_task_get_source_tag (G_TASK (result))");
  else
    EXPECT_RETURN_IF_FAIL ("", "g_task_get_source_tag (G_TASK (result)) == source_tag");
}

/* A result given to the wrong _finish, to the right one with the wrong
 * self, a NULL result, a NULL or non-generator self, and an error that is
 * already set: the critical every time, and the result is not consumed:
 * the right call afterwards gives the outcome. */
static void
test_finish_wrong_result (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  static const AgenTestStep handler[] = { S_YIELD (9) };
  static const AgenTestStep foreach_steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  g_autoptr(AgenTestScript) fs = AGEN_TEST_SCRIPT (foreach_steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenGenerator *foreach_gen = agen_test_script_generator (fs);
  AgenGenerator *other = agen_test_script_generator (fs);
  GObject *not_a_generator = g_object_new (G_TYPE_OBJECT, NULL);
  AgenTestCollect *collect = agen_test_collect_new (0);
  g_autoptr(GError) thrown = agen_test_error_new (3);
  GAsyncResult *results[N_RESULTS] = { NULL };
  AgenGenerator *sources[N_RESULTS] = { gen, gen, gen, gen, foreach_gen, NULL };
  GValue v = G_VALUE_INIT;

  agen_test_value_init_int (&v, 5);

  agen_generator_next_async (gen, NULL, agen_test_store_result, &results[R_NEXT]);
  agen_test_wait_for_result (&results[R_NEXT]);
  agen_generator_send_async (gen, &v, NULL, agen_test_store_result, &results[R_SEND]);
  agen_test_wait_for_result (&results[R_SEND]);
  agen_generator_throw_async (gen, thrown, NULL, agen_test_store_result, &results[R_THROW]);
  agen_test_wait_for_result (&results[R_THROW]);
  agen_generator_close_async (gen, NULL, agen_test_store_result, &results[R_CLOSE]);
  agen_test_wait_for_result (&results[R_CLOSE]);
  agen_generator_foreach_async (foreach_gen, agen_test_collect_func, collect, NULL, NULL,
                                agen_test_store_result, &results[R_FOREACH]);
  agen_test_wait_for_result (&results[R_FOREACH]);
  agen_shutdown_async (NULL, agen_test_store_result, &results[R_SHUTDOWN]);
  agen_test_wait_for_result (&results[R_SHUTDOWN]);

  for (guint f = 0; f < N_RESULTS; f++)
    for (guint r = 0; r < N_RESULTS; r++)
      {
        GValue item = G_VALUE_INIT;
        GError *error = NULL;
        AgenGenerator *self = f == R_FOREACH ? foreach_gen : gen;

        if (f == r)
          continue;
        expect_wrong_result (f, self, sources[r]);
        g_assert_false (call_finish (f, self, results[r], &item, &error));
        g_test_assert_expected_messages ();
        g_assert_no_error (error);
        if (G_IS_VALUE (&item))
          g_value_unset (&item);
      }

  for (guint f = 0; f < N_RESULTS; f++)
    {
      GValue item = G_VALUE_INIT;
      GError *error = NULL;

      /* A NULL result. */
      if (f == R_SHUTDOWN)
        EXPECT_RETURN_IF_FAIL ("agen_shutdown_finish", "g_task_is_valid (result, NULL)");
      else
        EXPECT_RETURN_IF_FAIL ("", "g_task_is_valid (result, self)");
      g_assert_false (call_finish (f, sources[f] != NULL ? sources[f] : gen, NULL, &item, &error));
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      if (G_IS_VALUE (&item))
        g_value_unset (&item);

      if (f == R_SHUTDOWN)
        continue;

      /* The right finish, with another generator as self. */
      EXPECT_RETURN_IF_FAIL ("", "g_task_is_valid (result, self)");
      g_assert_false (call_finish (f, other, results[f], &item, &error));
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      if (G_IS_VALUE (&item))
        g_value_unset (&item);

      /* A NULL self, and an object that is not a generator. */
      EXPECT_NOT_SELF ("");
      g_assert_false (call_finish (f, NULL, results[f], &item, &error));
      EXPECT_NOT_SELF ("");
      g_assert_false (call_finish (f, (AgenGenerator *) not_a_generator, results[f], &item, &error));
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      if (G_IS_VALUE (&item))
        g_value_unset (&item);

      /* An error that is already set (next, send and throw check it
       * themselves; the others leave it to GTask). */
      if (f == R_NEXT || f == R_SEND || f == R_THROW)
        {
          GError *set = agen_test_error_new (8);

          EXPECT_RETURN_IF_FAIL ("", "error == NULL || *error == NULL");
          g_assert_false (call_finish (f, sources[f], results[f], &item, &set));
          g_test_assert_expected_messages ();
          g_assert_error (set, AGEN_TEST_ERROR, 8);
          g_error_free (set);
          if (G_IS_VALUE (&item))
            g_value_unset (&item);
        }
    }

  /* The results were not consumed: each right finish gives its outcome. */
  {
    GValue item = G_VALUE_INIT;
    GError *error = NULL;

    g_assert_true (agen_generator_next_finish (gen, results[R_NEXT], &item, &error));
    g_assert_no_error (error);
    agen_test_assert_item_int (TRUE, &item, 1);
    g_value_unset (&item);
    g_assert_true (agen_generator_send_finish (gen, results[R_SEND], &item, &error));
    g_assert_no_error (error);
    agen_test_assert_item_int (TRUE, &item, 2);
    g_value_unset (&item);
    g_assert_true (agen_generator_throw_finish (gen, results[R_THROW], &item, &error));
    g_assert_no_error (error);
    agen_test_assert_item_int (TRUE, &item, 9);
    g_value_unset (&item);
    g_assert_true (agen_generator_close_finish (gen, results[R_CLOSE], &error));
    g_assert_no_error (error);
    g_assert_true (agen_generator_foreach_finish (foreach_gen, results[R_FOREACH], &error));
    g_assert_no_error (error);
    g_assert_cmpstr (collect->items->str, ==, "1");
    g_assert_true (agen_shutdown_finish (results[R_SHUTDOWN], &error));
    g_assert_no_error (error);
  }

  for (guint r = 0; r < N_RESULTS; r++)
    g_object_unref (results[r]);
  g_value_unset (&v);
  agen_test_collect_free (collect);
  g_object_unref (not_a_generator);
  g_object_unref (other);
  g_object_unref (foreach_gen);
  g_object_unref (gen);
}

/* A result of another source object entirely (a GTask of the test), and a
 * generator's result given to agen_shutdown_finish (). */
static void
test_finish_foreign_task (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GTask *foreign = g_task_new (object, NULL, NULL, NULL);
  GTask *sourceless = g_task_new (NULL, NULL, NULL, NULL);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  g_task_set_source_tag (foreign, agen_generator_next_async);
  g_task_set_source_tag (sourceless, test_finish_foreign_task);

  for (guint f = 0; f < R_SHUTDOWN; f++)
    {
      EXPECT_RETURN_IF_FAIL ("", "g_task_is_valid (result, self)");
      g_assert_false (call_finish (f, gen, G_ASYNC_RESULT (foreign), &item, &error));
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      if (G_IS_VALUE (&item))
        g_value_unset (&item);
    }
  /* A source-less task, but not the shutdown's. */
  EXPECT_RETURN_IF_FAIL ("agen_shutdown_finish", "g_task_get_source_tag (G_TASK (result)) == agen_shutdown_async");
  g_assert_false (agen_shutdown_finish (G_ASYNC_RESULT (sourceless), &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  /* Returned, so that they are not dropped unfinished. */
  g_task_return_boolean (foreign, TRUE);
  g_task_return_boolean (sourceless, TRUE);
  g_object_unref (foreign);
  g_object_unref (sourceless);
  g_object_unref (object);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_CREATED);
  g_object_unref (gen);
}

/* ================================================== the producer face */

/* Every producer entry point given @self, which is not a generator. */
static void
check_producer_not_self (AgenGenerator *self)
{
  GValue v = G_VALUE_INIT;
  GError *error = NULL;
  GError *raised = agen_test_error_new (1);
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  agen_test_value_init_int (&v, 1);

  EXPECT_NOT_SELF ("agen_generator_yield");
  agen_generator_yield (self, &v);
  EXPECT_NOT_SELF ("agen_generator_yield_int");
  agen_generator_yield_int (self, 1);
  EXPECT_NOT_SELF ("agen_generator_yield_string");
  agen_generator_yield_string (self, "x");
  EXPECT_NOT_SELF ("agen_generator_yield_object");
  agen_generator_yield_object (self, object);
  EXPECT_NOT_SELF ("agen_generator_return");
  agen_generator_return (self);
  EXPECT_NOT_SELF ("agen_generator_raise");
  agen_generator_raise (self, raised);
  EXPECT_NOT_SELF ("agen_generator_await");
  g_assert_null (agen_generator_await (self));
  EXPECT_NOT_SELF ("agen_generator_suspend");
  g_assert_cmpuint (agen_generator_suspend (self), ==, 0);
  EXPECT_NOT_SELF ("agen_generator_resume");
  agen_generator_resume (self, 1, NULL);
  EXPECT_NOT_SELF ("agen_generator_resume_yield");
  g_assert_cmpuint (agen_generator_resume_yield (self, 1, NULL), ==, 0);
  EXPECT_NOT_SELF ("agen_generator_get_result");
  g_assert_null (agen_generator_get_result (self));
  EXPECT_NOT_SELF ("agen_generator_get_sent");
  g_assert_null (agen_generator_get_sent (self));
  EXPECT_NOT_SELF ("agen_generator_catch");
  g_assert_false (agen_generator_catch (self, &error));
  EXPECT_NOT_SELF ("agen_generator_catch_error");
  g_assert_null (agen_generator_catch_error (self));
  EXPECT_NOT_SELF ("agen_generator_peek_error");
  g_assert_null (agen_generator_peek_error (self));
  EXPECT_NOT_SELF ("agen_generator_get_cancellable");
  g_assert_null (agen_generator_get_cancellable (self));
  EXPECT_NOT_SELF ("agen_generator_defer");
  agen_generator_defer (self, noop_destroy, NULL);
  EXPECT_NOT_SELF ("agen_generator_get_resume_point");
  g_assert_cmpuint (agen_generator_get_resume_point (self), ==, 0);
  EXPECT_NOT_SELF ("agen_generator_set_resume_point");
  agen_generator_set_resume_point (self, 3);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  /* The refused raise did not take the error: it is still the caller's. */
  g_error_free (raised);
  g_object_unref (object);
  g_value_unset (&v);
}

/* The producer face with a NULL self, and a NULL await token. */
static void
test_producer_null_self (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  check_producer_not_self (NULL);

  /* The await token. */
  EXPECT_RETURN_IF_FAIL ("agen_generator_ready", "token != NULL");
  agen_generator_ready (NULL, NULL, NULL);
  g_test_assert_expected_messages ();
}

/* agen_generator_resume_yield() inside a body call of its generator: a
 * critical, 0, and the await goes on (agen_generator_resume() ends it). */
static void
resume_yield_in_own_body (AgenGenerator *self,
                          gpointer       user_data)
{
  guint await_id;

  if (agen_generator_get_resume_point (self) == 1)
    {
      agen_generator_yield_int (self, 2);
      return;
    }

  agen_generator_set_resume_point (self, 1);
  await_id = agen_generator_suspend (self);
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*agen_generator_resume_yield: called inside a body call*");
  g_assert_cmpuint (agen_generator_resume_yield (self, await_id, NULL), ==, 0);
  g_test_assert_expected_messages ();
  agen_generator_resume (self, await_id, NULL);
}

static void
test_resume_yield_in_own_body (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  g_autoptr(AgenGenerator) gen = agen_generator_new (resume_yield_in_own_body, NULL, NULL);
  GValue item = G_VALUE_INIT;
  GValue not_a_value = G_VALUE_INIT;

  agen_test_assert_item_int (agen_test_next (gen, NULL, &item, NULL), &item, 2);
  g_value_unset (&item);

  EXPECT_RETURN_IF_FAIL ("agen_generator_resume_yield", "G_IS_VALUE (item)");
  g_assert_cmpuint (agen_generator_resume_yield (gen, 1, &not_a_value), ==, 0);
  g_test_assert_expected_messages ();
}

/* The producer face with a self that is another GObject. */
static void
test_producer_not_a_generator (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  check_producer_not_self ((AgenGenerator *) object);
  g_object_unref (object);
}

/* agen_generator_new () without a body: the critical, NULL, and the user
 * data is not destroyed (the caller still owns it). */
static void
test_producer_new_without_body (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  guint n_destroyed = 0;

  EXPECT_RETURN_IF_FAIL ("agen_generator_new", "body != NULL");
  g_assert_null (agen_generator_new (NULL, &n_destroyed, (GDestroyNotify) noop_destroy));
  g_test_assert_expected_messages ();
  g_assert_cmpuint (n_destroyed, ==, 0);
}

/* A body that gives bad arguments at its first call, and at the throw. */
typedef struct
{
  guint calls;
  GParamSpec *not_an_object;
  GObject *not_a_result;
  GError *caught;
} BadArgsBody;

static void
bad_args_body (AgenGenerator *self,
               gpointer       user_data)
{
  BadArgsBody *b = user_data;
  GValue unset = G_VALUE_INIT;

  b->calls++;
  if (b->calls == 3)
    return;   /* the close: AGEN_ERROR_EXIT propagates */
  if (b->calls == 1)
    {
      agen_generator_yield (self, &unset);                     /* not a value */
      agen_generator_yield_object (self, b->not_an_object);    /* not an object */
      agen_generator_raise (self, NULL);                       /* no error */
      agen_generator_defer (self, NULL, NULL);                 /* no function */
      agen_generator_yield_int (self, 1);
      return;
    }

  /* Second call: a throw came in. Catching into an error that is already
   * set is refused and leaves the thrown error in place. */
  {
    GError *set = agen_test_error_new (8);

    g_assert_nonnull (agen_generator_peek_error (self));
    g_assert_false (agen_generator_catch (self, &set));
    g_assert_error (set, AGEN_TEST_ERROR, 8);
    g_error_free (set);
    g_assert_nonnull (agen_generator_peek_error (self));
    g_assert_true (agen_generator_catch (self, &b->caught));
  }
  /* Resuming with something that is not a GAsyncResult. */
  agen_generator_resume (self, 1, (GAsyncResult *) b->not_a_result);
  agen_generator_yield_int (self, 2);
}

/* Bad arguments to producer calls inside a body call: the critical, and the
 * call does not count as the body call's outcome, so the body can still end
 * the call properly. */
static void
test_producer_bad_arguments_in_body (AgenTestFixture *fixture,
                                     gconstpointer    data)
{
  BadArgsBody b = { 0 };
  AgenGenerator *gen = agen_generator_new (bad_args_body, &b, NULL);
  g_autoptr(GError) thrown = agen_test_error_new (4);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  b.not_an_object = g_param_spec_int ("n", NULL, NULL, 0, 1, 0, G_PARAM_READABLE);
  g_param_spec_ref_sink (b.not_an_object);
  b.not_a_result = g_object_new (G_TYPE_OBJECT, NULL);

  EXPECT_RETURN_IF_FAIL ("agen_generator_yield", "G_IS_VALUE (item)");
  EXPECT_RETURN_IF_FAIL ("agen_generator_yield_object", "G_IS_OBJECT (item)");
  EXPECT_RETURN_IF_FAIL ("agen_generator_raise", "error != NULL");
  EXPECT_RETURN_IF_FAIL ("agen_generator_defer", "func != NULL");
  agen_test_assert_next_int (gen, 1);
  g_test_assert_expected_messages ();

  EXPECT_RETURN_IF_FAIL ("agen_generator_catch", "error == NULL || *error == NULL");
  EXPECT_RETURN_IF_FAIL ("agen_generator_resume", "G_IS_ASYNC_RESULT (result)");
  g_assert_true (agen_test_throw (gen, thrown, NULL, &item, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  agen_test_assert_item_int (TRUE, &item, 2);
  g_value_unset (&item);
  g_assert_error (b.caught, AGEN_TEST_ERROR, 4);
  g_assert_cmpuint (b.calls, ==, 2);

  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (b.calls, ==, 3);

  g_clear_error (&b.caught);
  g_param_spec_unref (b.not_an_object);
  g_object_unref (b.not_a_result);
  g_object_unref (gen);
}

/* Every producer call on @gen outside a body call: the critical each. */
static void
check_producer_outside_body (AgenGenerator *gen)
{
  GValue v = G_VALUE_INIT;
  GError *error = NULL;
  GError *raised = agen_test_error_new (1);

  agen_test_value_init_int (&v, 1);

  EXPECT_OUTSIDE_BODY ("agen_generator_yield");
  agen_generator_yield (gen, &v);
  EXPECT_OUTSIDE_BODY ("agen_generator_yield_int");
  agen_generator_yield_int (gen, 1);
  EXPECT_OUTSIDE_BODY ("agen_generator_yield_string");
  agen_generator_yield_string (gen, "x");
  EXPECT_OUTSIDE_BODY ("agen_generator_yield_object");
  agen_generator_yield_object (gen, NULL);
  EXPECT_OUTSIDE_BODY ("agen_generator_return");
  agen_generator_return (gen);
  EXPECT_OUTSIDE_BODY ("agen_generator_raise");
  agen_generator_raise (gen, raised);
  EXPECT_OUTSIDE_BODY ("agen_generator_await");
  g_assert_null (agen_generator_await (gen));
  EXPECT_OUTSIDE_BODY ("agen_generator_suspend");
  g_assert_cmpuint (agen_generator_suspend (gen), ==, 0);
  EXPECT_OUTSIDE_BODY ("agen_generator_get_result");
  g_assert_null (agen_generator_get_result (gen));
  EXPECT_OUTSIDE_BODY ("agen_generator_get_sent");
  g_assert_null (agen_generator_get_sent (gen));
  /* catch delegates to catch_error, whose name the message carries. */
  EXPECT_OUTSIDE_BODY ("agen_generator_catch_error");
  g_assert_false (agen_generator_catch (gen, &error));
  EXPECT_OUTSIDE_BODY ("agen_generator_catch_error");
  g_assert_null (agen_generator_catch_error (gen));
  EXPECT_OUTSIDE_BODY ("agen_generator_peek_error");
  g_assert_null (agen_generator_peek_error (gen));
  EXPECT_OUTSIDE_BODY ("agen_generator_get_cancellable");
  g_assert_null (agen_generator_get_cancellable (gen));
  EXPECT_OUTSIDE_BODY ("agen_generator_defer");
  agen_generator_defer (gen, noop_destroy, NULL);
  EXPECT_OUTSIDE_BODY ("agen_generator_get_resume_point");
  g_assert_cmpuint (agen_generator_get_resume_point (gen), ==, 0);
  EXPECT_OUTSIDE_BODY ("agen_generator_set_resume_point");
  agen_generator_set_resume_point (gen, 1234);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  /* raise is transfer full even when refused there: it freed @raised (unlike
   * with a self that is not a generator, where g_return_if_fail returns
   * before it takes the error). */
  g_value_unset (&v);
}

/* Producer calls outside a body call → g_critical, and nothing changes:
 * before the start, and at a yield. */
static void
test_outside_body_created_and_suspended (AgenTestFixture *fixture,
                                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);

  for (guint round = 0; round < 2; round++)
    {
      check_producer_outside_body (gen);

      /* Nothing changed. */
      g_assert_cmpint (agen_generator_get_state (gen), ==, round == 0 ? CREATED : SUSPENDED);
      agen_test_assert_next_int (gen, round + 1);
    }
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
}

/* ... while the body awaits (the generator is RUNNING, but no body call is
 * on the stack), and after it finished. The await is not disturbed. */
static void
test_outside_body_mid_await_and_finished (AgenTestFixture *fixture,
                                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, NULL, &call);
  agen_test_drain ();
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_RUNNING);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);

  check_producer_outside_body (gen);

  g_assert_false (call.done);
  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  agen_test_call_clear (&call);
  agen_test_assert_next_end (gen);
  g_assert_cmpstr (s->log->str, ==, "d1");

  check_producer_outside_body (gen);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

typedef struct
{
  guint n_items;
} OutsideForeach;

static gboolean
outside_foreach_func (AgenGenerator *gen,
                      const GValue  *item,
                      gpointer       user_data)
{
  OutsideForeach *o = user_data;

  o->n_items++;
  check_producer_outside_body (gen);
  return TRUE;
}

typedef struct
{
  gboolean done;
} OutsideCallback;

static void
outside_callback_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  OutsideCallback *o = user_data;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  check_producer_outside_body (AGEN_GENERATOR (source));
  g_assert_true (agen_generator_next_finish (AGEN_GENERATOR (source), result, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_int (TRUE, &item, 1);
  g_value_unset (&item);
  /* And after the finish. */
  check_producer_outside_body (AGEN_GENERATOR (source));
  o->done = TRUE;
}

/* ... from a foreach function (the foreach holds the generator between two
 * body calls), and from the callback of the generator's own operation. */
static void
test_outside_body_from_foreach_and_callback (AgenTestFixture *fixture,
                                             gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2), S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  OutsideForeach of = { 0 };
  OutsideCallback oc = { FALSE };
  AgenTestCall call = { 0 };

  agen_generator_next_async (gen, NULL, outside_callback_cb, &oc);
  agen_test_wait_for (&oc.done);

  agen_test_start_foreach (gen, outside_foreach_func, &of, NULL, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpuint (of.n_items, ==, 2);
  agen_test_call_clear (&call);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* A body that yields on @other, then on itself. */
typedef struct
{
  AgenGenerator *other;
} OtherBody;

static void
other_generator_body (AgenGenerator *self,
                      gpointer       user_data)
{
  OtherBody *b = user_data;

  if (agen_generator_peek_error (self) != NULL)
    return;
  agen_generator_yield_int (b->other, 5);
  agen_generator_yield_int (self, 6);
}

/* A body calling the producer face of another generator → g_critical. */
static void
test_other_generator_critical (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  OtherBody b = { agen_test_script_generator (s) };
  AgenGenerator *gen = agen_generator_new (other_generator_body, &b, NULL);

  EXPECT_CRITICAL ();
  agen_test_assert_next_int (gen, 6);
  g_test_assert_expected_messages ();
  g_assert_cmpint (agen_generator_get_state (b.other), ==, CREATED);
  agen_test_assert_next_int (b.other, 1);

  g_object_unref (gen);
  g_object_unref (b.other);
}

/* The two outcomes the body gives in its first call. */
typedef enum
{
  TWO_YIELD_RETURN,
  TWO_RETURN_RAISE,
  TWO_RAISE_YIELD,
  TWO_YIELD_YIELD,
} TwoOutcomes;

typedef struct
{
  TwoOutcomes mode;
  guint calls;
} TwoOutcomesBody;

static void
two_outcomes_body (AgenGenerator *self,
                   gpointer       user_data)
{
  TwoOutcomesBody *b = user_data;

  /* Later calls (a close on the last unref) finish cleanly. */
  if (b->calls++ > 0)
    {
      agen_generator_return (self);
      return;
    }

  switch (b->mode)
    {
    case TWO_YIELD_RETURN:
      agen_generator_yield_int (self, 1);
      agen_generator_return (self);
      break;
    case TWO_RETURN_RAISE:
      agen_generator_return (self);
      agen_generator_raise (self, agen_test_error_new (1));
      break;
    case TWO_RAISE_YIELD:
      agen_generator_raise (self, agen_test_error_new (1));
      agen_generator_yield_int (self, 1);
      break;
    case TWO_YIELD_YIELD:
      agen_generator_yield_int (self, 1);
      agen_generator_yield_int (self, 2);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Two outcomes in one body call → g_critical; the operation still
 * completes exactly once. */
static void
test_two_outcomes_critical (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  TwoOutcomesBody b = { GPOINTER_TO_INT (data), 0 };
  AgenGenerator *gen = agen_generator_new (two_outcomes_body, &b, NULL);
  gboolean finalized;
  AgenTestCall call = { 0 };

  EXPECT_CRITICAL ();
  agen_test_start_next (gen, NULL, &call);
  g_test_assert_expected_messages ();
  agen_test_call_wait (&call);
  g_assert_cmpuint (call.n_callbacks, ==, 1);
  agen_test_call_clear (&call);
  agen_test_drain ();

  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
}

/* ======================================================== wrong state */

/* A generator made with g_object_new () has no body: a send is still
 * refused with NOT_STARTED (the generator is unchanged), and the first
 * resumption fails with INVALID_BODY and finishes it. A close or throw
 * before the start needs no body. */
static void
test_no_body (AgenTestFixture *fixture,
              gconstpointer    data)
{
  AgenGenerator *gen = g_object_new (AGEN_TYPE_GENERATOR, NULL);
  AgenGenerator *closed = g_object_new (AGEN_TYPE_GENERATOR, NULL);
  AgenGenerator *thrown_in = g_object_new (AGEN_TYPE_GENERATOR, NULL);
  g_autoptr(GError) thrown = agen_test_error_new (2);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  agen_test_value_init_int (&v, 1);

  g_assert_false (agen_test_send (gen, &v, NULL, &item, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_NOT_STARTED);
  agen_test_assert_item_none (&item);
  g_clear_error (&error);
  g_value_unset (&item);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_CREATED);

  agen_test_assert_next_error (gen, AGEN_ERROR, AGEN_ERROR_INVALID_BODY);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (gen);
  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (agen_test_close (closed, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (agen_generator_get_state (closed), ==, AGEN_GENERATOR_STATE_FINISHED);

  g_assert_false (agen_test_throw (thrown_in, thrown, NULL, &item, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 2);
  g_clear_error (&error);
  g_value_unset (&item);

  g_value_unset (&v);
  g_object_unref (gen);
  g_object_unref (closed);
  g_object_unref (thrown_in);
}

/* A body call that ends in nothing → AGEN_ERROR_INVALID_BODY. */
static void
test_invalid_body (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_NOTHING };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);

  agen_test_assert_next_error (gen, AGEN_ERROR, AGEN_ERROR_INVALID_BODY);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  g_assert_cmpstr (s->log->str, ==, "d1");
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
}

/* ... also at a later resumption. */
static void
test_invalid_body_after_yield (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_NOTHING };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_error (gen, AGEN_ERROR, AGEN_ERROR_INVALID_BODY);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_object_unref (gen);
}

/* Where the body call ends in nothing. */
typedef enum
{
  INVALID_IN_THROW,
  INVALID_IN_CLOSE,
  INVALID_AFTER_AWAIT,
} InvalidWhere;

/* A body call that ends in nothing after catching a thrown error (during a
 * throw, during a close) or after an await: INVALID_BODY, the generator is
 * finished and its cleanups ran before the callback. */
static void
test_invalid_body_later (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  InvalidWhere where = GPOINTER_TO_INT (data);
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1), S_NOTHING };
  static const AgenTestStep handler[] = { S_MARK (2), S_NOTHING };
  static const AgenTestStep await_steps[] = { S_DEFER (1), S_AWAIT, S_NOTHING };
  g_autoptr(AgenTestScript) s = where == INVALID_AFTER_AWAIT ? AGEN_TEST_SCRIPT (await_steps)
                                                          : AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (5);
  AgenTestCall call = { 0 };

  if (where != INVALID_AFTER_AWAIT)
    agen_test_assert_next_int (gen, 1);

  call.watch = s;
  switch (where)
    {
    case INVALID_IN_THROW:
      agen_test_start_throw (gen, thrown, NULL, &call);
      break;
    case INVALID_IN_CLOSE:
      agen_test_start_close (gen, NULL, &call);
      break;
    case INVALID_AFTER_AWAIT:
      agen_test_start_next (gen, NULL, &call);
      agen_test_drain ();
      g_assert_false (call.done);
      agen_test_gate_leave_open (s->gate);
      break;
    default:
      g_assert_not_reached ();
    }
  agen_test_call_wait (&call);

  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_ERROR, AGEN_ERROR_INVALID_BODY);
  g_assert_cmpint (call.state_at_callback, ==, AGEN_GENERATOR_STATE_FINISHED);
  g_assert_cmpstr (call.log_at_callback, ==,
                   where == INVALID_IN_THROW ? "c:E5 m2 d1" :
                   where == INVALID_IN_CLOSE ? "c:EXIT m2 d1" : "d1");
  g_assert_cmpuint (s->n_destroyed, ==, 1);
  agen_test_call_clear (&call);
  agen_test_assert_next_end (gen);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* The operations a body starts on its own generator. */
typedef struct
{
  AgenTestCall inner[4];
  GError *thrown;
} SelfBody;

static void
self_body (AgenGenerator *self,
           gpointer       user_data)
{
  SelfBody *b = user_data;
  GValue v = G_VALUE_INIT;

  if (agen_generator_get_resume_point (self) == 1)
    {
      agen_generator_return (self);
      return;
    }

  agen_test_value_init_int (&v, 3);
  agen_test_start_next (self, NULL, &b->inner[0]);
  agen_test_start_send (self, &v, NULL, &b->inner[1]);
  agen_test_start_throw (self, b->thrown, NULL, &b->inner[2]);
  agen_test_start_close (self, NULL, &b->inner[3]);
  g_value_unset (&v);
  for (guint i = 0; i < G_N_ELEMENTS (b->inner); i++)
    g_assert_false (b->inner[i].done);

  agen_generator_set_resume_point (self, 1);
  agen_generator_yield_int (self, 1);
}

/* A body that drives an operation of its own generator: PENDING, delivered
 * to the callback after the body call, and the body's own operation is not
 * disturbed (Python's "anext(): asynchronous generator is already
 * running"). */
static void
test_pending_from_own_body (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  SelfBody b = { 0 };
  AgenGenerator *gen = agen_generator_new (self_body, &b, NULL);

  b.thrown = agen_test_error_new (6);
  agen_test_assert_next_int (gen, 1);
  for (guint i = 0; i < G_N_ELEMENTS (b.inner); i++)
    {
      agen_test_call_wait (&b.inner[i]);
      g_assert_false (b.inner[i].ret);
      g_assert_error (b.inner[i].error, G_IO_ERROR, G_IO_ERROR_PENDING);
      agen_test_call_clear (&b.inner[i]);
    }
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_SUSPENDED);
  agen_test_assert_next_end (gen);

  g_error_free (b.thrown);
  g_object_unref (gen);
}

/* A body that awaits @foreign's next. */
typedef struct
{
  AgenGenerator *foreign;
} ForeignBody;

static void
foreign_body (AgenGenerator *self,
              gpointer       user_data)
{
  ForeignBody *b = user_data;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  if (agen_generator_get_resume_point (self) == 0)
    {
      agen_generator_next_async (b->foreign, agen_generator_get_cancellable (self),
                                 agen_generator_ready, agen_generator_await (self));
      agen_generator_set_resume_point (self, 1);
      return;
    }

  g_assert_false (agen_generator_next_finish (b->foreign, agen_generator_get_result (self),
                                              &item, &error));
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  agen_generator_raise (self, error);
}

/* A body that awaits a generator of another main context: the awaited
 * operation is refused with WRONG_CONTEXT (delivered in the body's own
 * context), the body raises it, and the other generator is untouched. */
static void
test_wrong_context_from_another_body (AgenTestFixture *fixture,
                                      gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = NULL;
  GMainContext *other = g_main_context_new ();
  ForeignBody b = { NULL };
  AgenGenerator *gen;

  g_main_context_push_thread_default (other);
  s = AGEN_TEST_SCRIPT (steps);
  b.foreign = agen_test_script_generator (s);
  g_main_context_pop_thread_default (other);

  gen = agen_generator_new (foreign_body, &b, NULL);
  agen_test_assert_next_error (gen, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);

  g_assert_cmpuint (s->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (b.foreign), ==, AGEN_GENERATOR_STATE_CREATED);

  g_object_unref (gen);
  g_object_unref (b.foreign);
  g_main_context_unref (other);
}

/* Shutdown meets a generator that ignores its close (it yields): that close
 * fails with IGNORED_EXIT, logged with g_message naming the generator, and
 * the shutdown finishes FALSE with it. The generator can still be resumed. */
static void
test_shutdown_ignored_exit (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  GError *error = NULL;

  agen_generator_set_name (gen, "stubborn");
  agen_test_assert_next_int (gen, 1);

  g_test_expect_message ("Agen", G_LOG_LEVEL_WARNING,
                         "*stubborn at shutdown*yielded while it was being closed*");
  g_assert_false (agen_test_shutdown (NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT");

  /* A second shutdown leaves it alone, as asyncio's shutdown_asyncgens
   * forgets the generators it tried: nothing to close, no message. */
  g_assert_true (agen_test_shutdown (NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (s->n_calls, ==, 2);

  /* next resumes it at that yield; it then finishes, and cleans up. */
  agen_test_assert_next_end (gen);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT d1");
  g_assert_true (agen_test_shutdown (NULL, &error));
  g_assert_no_error (error);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* ======================================================== the sources */

/* Each source constructor, given what is not its source: the critical, and
 * no generator. */
static void
test_sources_bad_arguments (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  EXPECT_RETURN_IF_FAIL ("agen_generator_new_lines", "G_IS_INPUT_STREAM (stream)");
  g_assert_null (agen_generator_new_lines (NULL, G_PRIORITY_DEFAULT));
  EXPECT_RETURN_IF_FAIL ("agen_generator_new_lines", "G_IS_INPUT_STREAM (stream)");
  g_assert_null (agen_generator_new_lines ((GInputStream *) object, G_PRIORITY_DEFAULT));
  EXPECT_RETURN_IF_FAIL ("agen_generator_new_file_infos", "G_IS_FILE (directory)");
  g_assert_null (agen_generator_new_file_infos (NULL, NULL, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT));
  EXPECT_RETURN_IF_FAIL ("agen_generator_new_list_items", "G_IS_LIST_MODEL (model)");
  g_assert_null (agen_generator_new_list_items ((GListModel *) object));
  EXPECT_RETURN_IF_FAIL ("agen_generator_new_signal", "G_IS_OBJECT (instance)");
  g_assert_null (agen_generator_new_signal (NULL, "notify", 1, AGEN_OVERFLOW_RAISE));
  EXPECT_RETURN_IF_FAIL ("agen_generator_new_signal", "detailed_signal != NULL");
  g_assert_null (agen_generator_new_signal (object, NULL, 1, AGEN_OVERFLOW_RAISE));
  g_test_assert_expected_messages ();

  g_object_unref (object);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/misuse/consumer/null-self", test_consumer_null_self);
  agen_test_add ("/misuse/consumer/not-a-generator", test_consumer_not_a_generator);
  agen_test_add ("/misuse/consumer/bad-arguments", test_consumer_bad_arguments);
  agen_test_add ("/misuse/finish/wrong-result", test_finish_wrong_result);
  agen_test_add ("/misuse/finish/foreign-task", test_finish_foreign_task);

  agen_test_add ("/misuse/producer/null-self", test_producer_null_self);
  agen_test_add ("/misuse/producer/not-a-generator", test_producer_not_a_generator);
  agen_test_add ("/misuse/producer/new-without-body", test_producer_new_without_body);
  agen_test_add ("/misuse/producer/resume-yield-in-own-body", test_resume_yield_in_own_body);
  agen_test_add ("/misuse/producer/bad-arguments-in-body", test_producer_bad_arguments_in_body);
  agen_test_add ("/misuse/producer/outside-body/created-and-suspended",
                 test_outside_body_created_and_suspended);
  agen_test_add ("/misuse/producer/outside-body/mid-await-and-finished",
                 test_outside_body_mid_await_and_finished);
  agen_test_add ("/misuse/producer/outside-body/foreach-and-callback",
                 test_outside_body_from_foreach_and_callback);
  agen_test_add ("/misuse/producer/outside-body/other-generator", test_other_generator_critical);
  agen_test_add_data ("/misuse/producer/two-outcomes/yield-return", GINT_TO_POINTER (TWO_YIELD_RETURN),
                      test_two_outcomes_critical);
  agen_test_add_data ("/misuse/producer/two-outcomes/return-raise", GINT_TO_POINTER (TWO_RETURN_RAISE),
                      test_two_outcomes_critical);
  agen_test_add_data ("/misuse/producer/two-outcomes/raise-yield", GINT_TO_POINTER (TWO_RAISE_YIELD),
                      test_two_outcomes_critical);
  agen_test_add_data ("/misuse/producer/two-outcomes/yield-yield", GINT_TO_POINTER (TWO_YIELD_YIELD),
                      test_two_outcomes_critical);

  agen_test_add ("/misuse/state/no-body", test_no_body);
  agen_test_add ("/misuse/state/invalid-body/first-call", test_invalid_body);
  agen_test_add ("/misuse/state/invalid-body/after-yield", test_invalid_body_after_yield);
  agen_test_add_data ("/misuse/state/invalid-body/in-throw", GINT_TO_POINTER (INVALID_IN_THROW),
                      test_invalid_body_later);
  agen_test_add_data ("/misuse/state/invalid-body/in-close", GINT_TO_POINTER (INVALID_IN_CLOSE),
                      test_invalid_body_later);
  agen_test_add_data ("/misuse/state/invalid-body/after-await", GINT_TO_POINTER (INVALID_AFTER_AWAIT),
                      test_invalid_body_later);
  agen_test_add ("/misuse/state/pending-from-own-body", test_pending_from_own_body);
  agen_test_add ("/misuse/state/wrong-context-from-another-body",
                 test_wrong_context_from_another_body);
  agen_test_add ("/misuse/state/shutdown-ignored-exit", test_shutdown_ignored_exit);
  agen_test_add ("/misuse/sources/bad-arguments", test_sources_bad_arguments);

  return g_test_run ();
}
