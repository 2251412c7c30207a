/* test-pep525.c: the PEP 525 table, row by row
 *
 * docs/reference/semantics.xml, section contract-pep525: what next, send,
 * throw and close do in each state (not started, suspended at a yield,
 * having ignored an exit, finished, with an operation in flight), row by
 * row as CPython's asynchronous generators do. Every consumer call goes
 * through AgenTestCall, whose callback also checks the GAsyncResult rules.
 * Every row runs three times (section contract-emitter): with the script
 * as a straight-line body, as an async-function producer and as a
 * producer thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* ================================================================ new */

/* Semantics: agen_generator_new runs nothing. */
static void
test_new_runs_nothing (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_MARK (1), S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);

  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  agen_test_iterate_ms (20);
  agen_test_script_wait_calls (s, 0);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  g_assert_cmpstr (s->log->str, ==, "");

  g_object_unref (gen);
  agen_test_drain ();
}

/* =============================================================== next */

/* Semantics: next_async resumes the body; TRUE + item. */
static void
test_next_yields (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);

  agen_test_assert_next_int (gen, 1);
  agen_test_script_wait_calls (s, 1);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  agen_test_assert_next_int (gen, 2);
  agen_test_script_wait_calls (s, 2);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* ============================================================= return */

/* Semantics: agen_generator_return → FALSE, no error; every later next/send
 * → FALSE, no error. */
static void
test_return_ends (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_RETURN, S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_end (gen);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_assert_next_end (gen);

  agen_test_value_init_int (&v, 5);
  g_assert_false (agen_test_send (gen, &v, NULL, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  g_assert_false (agen_test_send (gen, NULL, NULL, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);

  agen_test_script_wait_calls (s, 2);
  g_value_unset (&v);
  g_object_unref (gen);
}

/* ============================================================== raise */

/* Semantics: agen_generator_raise → FALSE + E; later → FALSE, no error. */
static void
test_raise_fails_then_ends (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_RAISE (7), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GValue v = G_VALUE_INIT;
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_error (gen, AGEN_TEST_ERROR, 7);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_assert_next_end (gen);

  agen_test_value_init_int (&v, 5);
  g_assert_false (agen_test_send (gen, &v, NULL, NULL, &error));
  g_assert_no_error (error);
  agen_test_script_wait_calls (s, 2);

  g_value_unset (&v);
  g_object_unref (gen);
}

/* =============================================================== send */

/* Semantics: a value sent to a just-started generator → NOT_STARTED, the
 * generator unchanged. */
static void
test_send_not_started (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  AgenTestStateLog states;

  agen_test_state_log_init (&states, gen);
  agen_test_value_init_int (&v, 5);
  g_assert_false (agen_test_send (gen, &v, NULL, &item, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_NOT_STARTED);
  g_clear_error (&error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);

  agen_test_script_wait_calls (s, 0);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  g_assert_cmpuint (states.states->len, ==, 0);

  /* Unchanged: it starts from the top. */
  agen_test_assert_next_int (gen, 1);
  agen_test_state_log_clear (&states, gen);

  g_value_unset (&v);
  g_object_unref (gen);
}

/* ============================================================== throw */

/* Semantics: athrow(E) before start → E, finished, body never entered. */
static void
test_throw_before_start (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (3);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_false (agen_test_throw (gen, thrown, NULL, &item, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 3);
  g_clear_error (&error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);

  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_script_wait_calls (s, 0);
  agen_test_assert_next_end (gen);
  agen_test_script_wait_calls (s, 0);
  g_assert_cmpstr (s->log->str, ==, "");

  g_object_unref (gen);
}

/* Semantics: athrow(E) at a yield, caught and yields → TRUE + item. */
static void
test_throw_caught_yields (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  static const AgenTestStep handler[] = { S_YIELD (10) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (3);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ret;

  agen_test_assert_next_int (gen, 1);
  ret = agen_test_throw (gen, thrown, NULL, &item, &error);
  g_assert_no_error (error);
  agen_test_assert_item_int (ret, &item, 10);
  g_value_unset (&item);

  g_assert_cmpstr (s->log->str, ==, "c:E3");
  g_assert_cmpuint (s->caught->len, ==, 1);
  g_assert_cmpstr (((GError *) s->caught->pdata[0])->message, ==, "thrown error 3");
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  agen_test_assert_next_end (gen);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* Semantics: athrow(E) at a yield, caught and returns → FALSE, no error. */
static void
test_throw_caught_returns (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  static const AgenTestStep handler[] = { S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (3);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_throw (gen, thrown, NULL, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);

  g_assert_cmpstr (s->log->str, ==, "c:E3");
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
}

/* Semantics: athrow(E) at a yield, uncaught → FALSE + E, cleanups run
 * (before the callback). */
static void
test_throw_uncaught (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1), S_DEFER (2), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (3);
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_int (gen, 2);

  call.watch = s;
  agen_test_start_throw (gen, thrown, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_TEST_ERROR, 3);
  g_assert_cmpstr (call.log_at_callback, ==, "u:E3 d2 d1");
  g_assert_cmpint (call.state_at_callback, ==, FINISHED);
  agen_test_call_clear (&call);

  agen_test_assert_next_end (gen);
  agen_test_script_wait_calls (s, 3);

  g_object_unref (gen);
}

/* athrow(E) at a yield, caught and raising another error → that error. */
static void
test_throw_caught_raises_other (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_RAISE (9) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (3);
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_throw (gen, thrown, NULL, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 9);
  g_clear_error (&error);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_object_unref (gen);
}

/* Semantics: athrow(E) on a finished generator → FALSE, no error. */
static void
test_throw_finished (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (3);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  agen_test_assert_next_end (gen);
  g_assert_false (agen_test_throw (gen, thrown, NULL, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  agen_test_script_wait_calls (s, 1);

  g_object_unref (gen);
}

/* ============================================================== close */

/* Semantics: aclose() before start → TRUE, body never called. */
static void
test_close_before_start (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GError *error = NULL;

  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  agen_test_script_wait_calls (s, 0);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_assert_next_end (gen);
  agen_test_script_wait_calls (s, 0);
  g_assert_cmpstr (s->log->str, ==, "");

  g_object_unref (gen);
}

/* Semantics: aclose() when finished → TRUE, body not called. */
static void
test_close_finished (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_end (gen);
  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  agen_test_script_wait_calls (s, 2);

  g_object_unref (gen);
}

/* Semantics: aclose() at a yield, the body lets EXIT propagate → TRUE, and
 * the cleanups have run before the callback. */
static void
test_close_exit_propagates (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (gen, 1);
  call.watch = s;
  agen_test_start_close (gen, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.log_at_callback, ==, "u:EXIT d1");
  g_assert_cmpint (call.state_at_callback, ==, FINISHED);
  agen_test_call_clear (&call);

  agen_test_assert_next_end (gen);
  agen_test_script_wait_calls (s, 2);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* Semantics: aclose() at a yield, the body catches EXIT and returns → TRUE. */
static void
test_close_caught_returns (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  static const AgenTestStep handler[] = { S_MARK (1), S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT m1");
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_object_unref (gen);
}

/* The body catches EXIT and raises it again → TRUE. */
static void
test_close_reraises_exit (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_RERAISE };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT");
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_object_unref (gen);
}

/* The cleanup may await; close finishes after it. */
static void
test_close_cleanup_awaits (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  static const AgenTestStep handler[] = { S_AWAIT, S_MARK (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (gen, 1);
  call.watch = s;
  agen_test_start_close (gen, NULL, &call);
  agen_test_iterate_ms (20);
  g_assert_false (call.done);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);

  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.log_at_callback, ==, "c:EXIT m2 d1");
  agen_test_call_clear (&call);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* Semantics: cleanup raises X during aclose() → FALSE + X, finished. */
static void
test_close_cleanup_raises (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  static const AgenTestStep handler[] = { S_RAISE (5) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (gen, 1);
  call.watch = s;
  agen_test_start_close (gen, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_TEST_ERROR, 5);
  g_assert_cmpstr (call.log_at_callback, ==, "c:EXIT d1");
  agen_test_call_clear (&call);

  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
}

/* Semantics: the body yields during aclose() → IGNORED_EXIT; the yielded
 * item is dropped; the body stays suspended at that yield. */
static void
test_close_ignored_exit (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD_OBJECT, S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  GError *error = NULL;
  gboolean finalized;

  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_close (gen, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT");
  agen_test_script_wait_calls (s, 2);

  /* The item was dropped, not kept (a producer thread holds its own
   * until its emit returns). */
  agen_test_drain ();
  if (agen_test_body_kind != AGEN_TEST_BODY_THREAD)
    g_assert_null (s->last_object);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  /* The last unref does not ask it to close again, as CPython does not
   * call asyncio's finaliser hook for it: no warning (one would abort the
   * test), and the cleanups run at finalisation. A producer still waiting
   * in its emit hears AGEN_ERROR_EXIT there (section contract-emitter),
   * and ends in its own time. */
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  if (agen_test_body_kind == AGEN_TEST_BODY_RAW)
    {
      g_assert_cmpuint (s->n_calls, ==, 2);
      g_assert_cmpstr (s->log->str, ==, "c:EXIT d1");
      return;
    }
  agen_test_poll_count (&s->n_destroyed, 1);
  g_assert_cmpuint (s->n_calls, ==, 3);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT u:EXIT d1");
  g_assert_null (s->last_object);
}

/* After an ignored close, a later next resumes the body after that yield. */
static void
test_close_ignored_exit_next_resumes (AgenTestFixture *fixture,
                                      gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (2), S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_close (gen, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);

  agen_test_assert_next_int (gen, 3);
  agen_test_script_wait_calls (s, 3);
  agen_test_assert_next_end (gen);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_object_unref (gen);
}

/* After an ignored close, a later close or throw fails with IGNORED_EXIT
 * without entering the body. */
static void
test_close_ignored_exit_refuses_close_and_throw (AgenTestFixture *fixture,
                                                 gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (2), S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (4);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean finalized;

  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_close (gen, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);
  agen_test_script_wait_calls (s, 2);

  g_assert_false (agen_test_close (gen, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);
  agen_test_script_wait_calls (s, 2);

  g_assert_false (agen_test_throw (gen, thrown, NULL, &item, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  agen_test_script_wait_calls (s, 2);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  /* Still suspended at the yield: next resumes it. */
  agen_test_assert_next_int (gen, 3);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT");

  /* Having ignored a close, it is not closed on its last unref: it is
   * finalised without entering the body, silently, as CPython drops it. */
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  agen_test_script_wait_calls (s, 3);
}

/* ============================================================ pending */

typedef enum
{
  REFUSED_NEXT,
  REFUSED_SEND,
  REFUSED_THROW,
  REFUSED_CLOSE,
  REFUSED_FOREACH,
} RefusedOp;

/* Semantics: any operation while one is in flight → G_IO_ERROR_PENDING;
 * the refused call changes nothing. */
static void
test_pending (AgenTestFixture *fixture,
              gconstpointer    data)
{
  RefusedOp op = GPOINTER_TO_INT (data);
  static const AgenTestStep steps[] = { S_YIELD (1), S_AWAIT, S_YIELD (2), S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (4);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall first = { 0 };
  AgenTestCall refused = { 0 };
  GValue v = G_VALUE_INIT;
  AgenTestStateLog states;

  agen_test_assert_next_int (gen, 1);
  agen_test_start_next (gen, NULL, &first);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  agen_test_script_wait_calls (s, 2);

  agen_test_state_log_init (&states, gen);
  agen_test_value_init_int (&v, 5);
  switch (op)
    {
    case REFUSED_NEXT:
      agen_test_start_next (gen, NULL, &refused);
      break;
    case REFUSED_SEND:
      agen_test_start_send (gen, &v, NULL, &refused);
      break;
    case REFUSED_THROW:
      agen_test_start_throw (gen, thrown, NULL, &refused);
      break;
    case REFUSED_CLOSE:
      agen_test_start_close (gen, NULL, &refused);
      break;
    case REFUSED_FOREACH:
      agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify,
                               NULL, &refused);
      break;
    default:
      g_assert_not_reached ();
    }
  agen_test_call_wait (&refused);
  g_assert_false (refused.ret);
  g_assert_error (refused.error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_false (first.done);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  agen_test_script_wait_calls (s, 2);
  g_assert_cmpuint (states.states->len, ==, 0);
  g_assert_cmpuint (collect->n_items, ==, 0);

  /* The operation in flight goes on as if nothing happened. */
  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&first);
  agen_test_assert_item_int (first.ret, &first.item, 2);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  g_assert_cmpstr (s->log->str, ==, "");
  g_assert_cmpuint (s->sent->len, ==, 3);
  g_assert_null (s->sent->pdata[1]);
  g_assert_null (s->sent->pdata[2]);

  agen_test_assert_next_int (gen, 3);
  agen_test_call_clear (&first);
  agen_test_call_clear (&refused);
  agen_test_state_log_clear (&states, gen);
  g_value_unset (&v);
  agen_test_collect_free (collect);
  g_object_unref (gen);
  agen_test_drain ();
}

/* An operation while a foreach is in flight → PENDING. */
static void
test_pending_during_foreach (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_AWAIT, S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall foreach = { 0 };
  GError *error = NULL;

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify,
                           NULL, &foreach);
  agen_test_iterate_ms (10);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  agen_test_assert_next_error (gen, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_false (agen_test_close (gen, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);

  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&foreach);
  g_assert_true (foreach.ret);
  g_assert_cmpstr (collect->items->str, ==, "1 2");
  agen_test_call_clear (&foreach);

  agen_test_collect_free (collect);
  g_object_unref (gen);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add_for_each_body ("/pep525/new/runs-nothing", NULL, test_new_runs_nothing);
  agen_test_add_for_each_body ("/pep525/next/yields", NULL, test_next_yields);
  agen_test_add_for_each_body ("/pep525/return/ends", NULL, test_return_ends);
  agen_test_add_for_each_body ("/pep525/raise/fails-then-ends", NULL, test_raise_fails_then_ends);
  agen_test_add_for_each_body ("/pep525/send/not-started", NULL, test_send_not_started);

  agen_test_add_for_each_body ("/pep525/throw/before-start", NULL, test_throw_before_start);
  agen_test_add_for_each_body ("/pep525/throw/caught-yields", NULL, test_throw_caught_yields);
  agen_test_add_for_each_body ("/pep525/throw/caught-returns", NULL, test_throw_caught_returns);
  agen_test_add_for_each_body ("/pep525/throw/uncaught", NULL, test_throw_uncaught);
  agen_test_add_for_each_body ("/pep525/throw/caught-raises-other", NULL, test_throw_caught_raises_other);
  agen_test_add_for_each_body ("/pep525/throw/finished", NULL, test_throw_finished);

  agen_test_add_for_each_body ("/pep525/close/before-start", NULL, test_close_before_start);
  agen_test_add_for_each_body ("/pep525/close/finished", NULL, test_close_finished);
  agen_test_add_for_each_body ("/pep525/close/exit-propagates", NULL, test_close_exit_propagates);
  agen_test_add_for_each_body ("/pep525/close/caught-returns", NULL, test_close_caught_returns);
  agen_test_add_for_each_body ("/pep525/close/reraises-exit", NULL, test_close_reraises_exit);
  agen_test_add_for_each_body ("/pep525/close/cleanup-awaits", NULL, test_close_cleanup_awaits);
  agen_test_add_for_each_body ("/pep525/close/cleanup-raises", NULL, test_close_cleanup_raises);
  agen_test_add_for_each_body ("/pep525/close/ignored-exit/item-dropped", NULL, test_close_ignored_exit);
  agen_test_add_for_each_body ("/pep525/close/ignored-exit/next-resumes", NULL, test_close_ignored_exit_next_resumes);
  agen_test_add ("/pep525/close/ignored-exit/refuses-close-and-throw",
                 test_close_ignored_exit_refuses_close_and_throw);

  agen_test_add_for_each_body ("/pep525/pending/next", GINT_TO_POINTER (REFUSED_NEXT), test_pending);
  agen_test_add_for_each_body ("/pep525/pending/send", GINT_TO_POINTER (REFUSED_SEND), test_pending);
  agen_test_add_for_each_body ("/pep525/pending/throw", GINT_TO_POINTER (REFUSED_THROW), test_pending);
  agen_test_add_for_each_body ("/pep525/pending/close", GINT_TO_POINTER (REFUSED_CLOSE), test_pending);
  agen_test_add_for_each_body ("/pep525/pending/foreach", GINT_TO_POINTER (REFUSED_FOREACH), test_pending);
  agen_test_add_for_each_body ("/pep525/pending/during-foreach", NULL, test_pending_during_foreach);

  return g_test_run ();
}
