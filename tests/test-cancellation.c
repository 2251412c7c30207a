/* test-cancellation.c: cancelling an operation
 *
 * docs/reference/semantics.xml, section contract-cancellation: a cancelled
 * operation resumes the body promptly at its await, from any thread, even
 * when the awaited operation ignores its cancellable; the cancellation is
 * delivered once; an operation cancelled before it starts changes nothing;
 * a cancelled close still finishes the generator.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* ======================================================== at an await */

/* Semantics: cancelling resumes the body promptly at its await with
 * CANCELLED, even when the awaited operation ignores its cancellable;
 * uncaught, the generator finishes and the operation fails with CANCELLED;
 * the late completion is discarded. */
static void
test_cancel_at_await_uncaught (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT_IGNORING, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };
  gint64 start;

  call.watch = s;
  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  g_assert_cmpuint (s->n_calls, ==, 1);

  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  /* Promptly: well before any timeout, and without the gate opening. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC * agen_test_timeout_seconds (1));
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);

  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (call.log_at_callback, ==, "u:CANCELLED d1");
  g_assert_cmpint (call.state_at_callback, ==, FINISHED);
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpuint (s->n_null_results, ==, 1);
  agen_test_call_clear (&call);

  /* The late completion is discarded. */
  agen_test_gate_leave_open (s->gate);
  agen_test_drain ();
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpuint (s->n_results, ==, 0);
  agen_test_assert_next_end (gen);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* A cancellation that comes after the awaited operation completed, but
 * before the body resumed, is thrown in at that await and the result is
 * dropped, as asyncio's Task.cancel() does once the awaited future is done:
 * otherwise the body would go on, and the cancellation would wait for an
 * await that may never come. */
static void
test_cancel_after_completion_before_resumption (AgenTestFixture *fixture,
                                                gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT_IGNORING, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  call.watch = s;
  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (10);
  g_assert_false (call.done);

  /* The gate's completion is queued first, the cancellation after it. */
  agen_test_gate_leave_open (s->gate);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);

  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (call.log_at_callback, ==, "u:CANCELLED d1");
  g_assert_cmpint (call.state_at_callback, ==, FINISHED);
  g_assert_cmpuint (s->n_results, ==, 0);
  agen_test_call_clear (&call);
  agen_test_drain ();
  g_assert_cmpuint (s->n_calls, ==, 2);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* Caught and yields: TRUE + item; get_result is NULL, catch gives
 * CANCELLED; the cancellation is delivered once, so get_cancellable is no
 * longer cancelled afterwards. */
static void
test_cancel_at_await_caught_yields (AgenTestFixture *fixture,
                                    gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT_IGNORING, S_YIELD (1) };
  static const AgenTestStep handler[] = { S_CHECK_CANCELLABLE, S_YIELD (5) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (10);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);

  g_assert_no_error (call.error);
  agen_test_assert_item_int (call.ret, &call.item, 5);
  g_assert_cmpstr (s->log->str, ==, "c:CANCELLED");
  g_assert_cmpuint (s->n_null_results, ==, 1);
  g_assert_true (s->last_result == NULL);
  g_assert_cmpint (s->cancellable_cancelled, ==, 0);
  agen_test_call_clear (&call);

  agen_test_gate_leave_open (s->gate);
  agen_test_drain ();
  g_assert_cmpuint (s->n_calls, ==, 2);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
}

/* The cancellation is delivered once: the body's cleanup can still await
 * (with get_cancellable) in the same operation, and the operation's
 * cancelled cancellable does not interrupt it again. */
static void
test_cancel_cleanup_can_await (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT_IGNORING, S_YIELD (1) };
  static const AgenTestStep handler[] = { S_CHECK_CANCELLABLE, S_AWAIT, S_YIELD (7) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, cancellable, &call);
  g_cancellable_cancel (cancellable);
  agen_test_iterate_ms (30);

  g_assert_false (call.done);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  g_assert_cmpint (s->cancellable_cancelled, ==, 0);
  /* The stale wait and the cleanup's wait; the cleanup's is not cancelled. */
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 2);
  g_assert_cmpuint (agen_test_gate_get_n_cancelled (s->gate), ==, 0);

  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  agen_test_assert_item_int (call.ret, &call.item, 7);
  g_assert_cmpuint (s->n_calls, ==, 3);
  g_assert_cmpuint (s->n_results, ==, 1);
  agen_test_call_clear (&call);

  g_object_unref (gen);
}

/* The cancellable a body got from get_cancellable is cancelled with the
 * operation: an awaited operation that honours it stops. */
static void
test_cancel_reaches_awaited_operation (AgenTestFixture *fixture,
                                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (10);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_call_clear (&call);

  agen_test_drain ();
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 0);
  g_assert_cmpuint (agen_test_gate_get_n_cancelled (s->gate), ==, 1);
  /* Resumed once, by the cancellation. */
  g_assert_cmpuint (s->n_calls, ==, 2);

  g_object_unref (gen);
}

/* =================================================== before the start */

/* Semantics: cancelled before the operation starts → CANCELLED; the
 * generator is untouched. */
static void
test_cancel_before_start (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  static const AgenTestStep handler[] = { S_RERAISE };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) thrown = agen_test_error_new (4);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  AgenTestStateLog states;

  agen_test_state_log_init (&states, gen);
  g_cancellable_cancel (cancellable);
  agen_test_value_init_int (&v, 5);

  /* A created generator. */
  g_assert_false (agen_test_next (gen, cancellable, &item, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  g_assert_false (agen_test_close (gen, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (agen_test_throw (gen, thrown, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  g_assert_cmpuint (s->n_calls, ==, 0);
  g_assert_cmpuint (states.states->len, ==, 0);

  /* A suspended generator. */
  agen_test_assert_next_int (gen, 1);
  g_array_set_size (states.states, 0);
  g_assert_false (agen_test_next (gen, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (agen_test_send (gen, &v, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (agen_test_throw (gen, thrown, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (agen_test_close (gen, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  g_assert_cmpuint (s->n_calls, ==, 1);
  g_assert_cmpuint (s->caught->len, ==, 0);
  g_assert_cmpuint (states.states->len, ==, 0);

  agen_test_assert_next_int (gen, 2);

  agen_test_state_log_clear (&states, gen);
  g_value_unset (&v);
  g_object_unref (gen);
  agen_test_drain ();
}

/* ============================================================== close */

/* Semantics (3.13): cancelling an in-flight close → close fails with
 * CANCELLED; the generator is finished; a later next → FALSE, no error. */
static void
test_cancel_in_flight_close (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  static const AgenTestStep handler[] = { S_AWAIT_IGNORING, S_MARK (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (gen, 1);
  call.watch = s;
  agen_test_start_close (gen, cancellable, &call);
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (call.log_at_callback, ==, "c:EXIT u:CANCELLED d1");
  agen_test_call_clear (&call);

  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_assert_next_end (gen);

  agen_test_gate_leave_open (s->gate);
  agen_test_drain ();
  g_assert_cmpuint (s->n_calls, ==, 3);
  g_object_unref (gen);
}

/* ================================================ from another thread */

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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/cancellation/at-await/uncaught", test_cancel_at_await_uncaught);
  agen_test_add ("/cancellation/at-await/caught-yields", test_cancel_at_await_caught_yields);
  agen_test_add ("/cancellation/at-await/cleanup-can-await", test_cancel_cleanup_can_await);
  agen_test_add ("/cancellation/at-await/reaches-awaited-operation",
                 test_cancel_reaches_awaited_operation);
  agen_test_add ("/cancellation/after-completion-before-resumption",
                 test_cancel_after_completion_before_resumption);
  agen_test_add ("/cancellation/before-start", test_cancel_before_start);
  agen_test_add ("/cancellation/in-flight-close", test_cancel_in_flight_close);
  agen_test_add_data ("/cancellation/from-other-thread/uncaught", GINT_TO_POINTER (FALSE),
                      test_cancel_from_other_thread);
  agen_test_add_data ("/cancellation/from-other-thread/caught", GINT_TO_POINTER (TRUE),
                      test_cancel_from_other_thread);

  return g_test_run ();
}
