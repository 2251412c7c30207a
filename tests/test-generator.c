/* test-generator.c: the behaviour contract, row by row
 *
 * Each test checks one rule of /work/shared/agen-contract.md (the semantics
 * table, the consumer face, the producer face). Every consumer call goes
 * through AgenTestCall, whose callback also checks the GAsyncResult rules:
 * called once, never before _async returned, in the caller's context, with
 * the out item initialised.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

static GError *
agen_test_error_new (gint code)
{
  return g_error_new (AGEN_TEST_ERROR, code, "thrown error %d", code);
}

static void
agen_test_value_init_int (GValue *value,
                          gint    n)
{
  g_value_init (value, G_TYPE_INT);
  g_value_set_int (value, n);
}

/* Records every notify::state, checking that the property and the getter agree. */
typedef struct
{
  GArray *states;
} AgenTestStateLog;

static void
on_state_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  AgenTestStateLog *log = user_data;
  AgenGeneratorState from_property;
  AgenGeneratorState state = agen_generator_get_state (AGEN_GENERATOR (object));

  g_assert_cmpstr (g_param_spec_get_name (pspec), ==, "state");
  g_object_get (object, "state", &from_property, NULL);
  g_assert_cmpint (state, ==, from_property);
  g_array_append_val (log->states, state);
}

static void
agen_test_state_log_init (AgenTestStateLog *log,
                          AgenGenerator    *generator)
{
  log->states = g_array_new (FALSE, FALSE, sizeof (AgenGeneratorState));
  g_signal_connect (generator, "notify::state", G_CALLBACK (on_state_notify), log);
}

static void
agen_test_state_log_clear (AgenTestStateLog *log,
                           AgenGenerator    *generator)
{
  g_signal_handlers_disconnect_by_func (generator, on_state_notify, log);
  g_array_unref (log->states);
}

#define agen_test_assert_states(log, ...)                                                  \
  G_STMT_START {                                                                 \
    const AgenGeneratorState expected_[] = { __VA_ARGS__ };                      \
    g_assert_cmpmem ((log)->states->data,                                        \
                     (log)->states->len * sizeof (AgenGeneratorState),           \
                     expected_, sizeof expected_);                               \
  } G_STMT_END

#define RUNNING AGEN_GENERATOR_STATE_RUNNING
#define SUSPENDED AGEN_GENERATOR_STATE_SUSPENDED
#define FINISHED AGEN_GENERATOR_STATE_FINISHED
#define CREATED AGEN_GENERATOR_STATE_CREATED

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
  g_assert_cmpuint (s->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  g_assert_cmpstr (s->log->str, ==, "");

  g_object_unref (gen);
  agen_test_drain ();
}

/* Semantics: dropping a never-started generator runs nothing but
 * user_data_destroy. */
static void
test_new_drop_unstarted (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_MARK (1), S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  gboolean finalized;

  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_drain ();

  g_assert_true (finalized);
  g_assert_cmpuint (s->n_calls, ==, 0);
  g_assert_cmpuint (s->n_destroyed, ==, 1);
  g_assert_cmpstr (s->log->str, ==, "");
}

/* ================================================================ next */

/* Semantics: next_async resumes the body; TRUE + item. */
static void
test_next_yields (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);

  agen_test_assert_next_int (gen, 1);
  g_assert_cmpuint (s->n_calls, ==, 1);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  agen_test_assert_next_int (gen, 2);
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  agen_test_script_assert_sane (s);

  g_object_unref (gen);
}

/* next_async runs the body at once up to its first suspension; the callback
 * still waits for the main loop. */
static void
test_next_runs_body_at_once (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  agen_test_start_next (gen, NULL, &call);
  g_assert_cmpuint (s->n_calls, ==, 1);
  g_assert_false (call.done);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  agen_test_call_clear (&call);

  g_object_unref (gen);
}

/* next_start: what completes at once never reaches the callback. */
typedef struct
{
  guint n_callbacks;
  guint n_destroyed;
  gboolean ret;
  GValue item;
  GError *error;
} AgenTestStartCall;

static void
start_call_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AgenTestStartCall *call = user_data;

  call->n_callbacks++;
  g_assert_cmpuint (call->n_destroyed, ==, 0);
  call->ret = agen_generator_next_finish (AGEN_GENERATOR (source), result, &call->item, &call->error);
}

static void
start_call_destroyed (gpointer user_data)
{
  AgenTestStartCall *call = user_data;

  call->n_destroyed++;
}

static gboolean
agen_test_next_start (AgenGenerator      *gen,
                      AgenTestStartCall  *call,
                      gboolean           *pending,
                      GValue             *item,
                      GError            **error)
{
  return agen_generator_next_start (gen, NULL, start_call_cb, call, start_call_destroyed,
                                    pending, item, error);
}

/* A body that yields, returns or is refused completes in the call. */
static void
test_next_start_at_once (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestStartCall call = { 0 };
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean pending = TRUE;
  gboolean ret;

  ret = agen_test_next_start (gen, &call, &pending, &item, &error);
  g_assert_no_error (error);
  g_assert_false (pending);
  agen_test_assert_item_int (ret, &item, 1);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  /* The item is replaced, the end leaves a NULL pointer. */
  ret = agen_test_next_start (gen, &call, &pending, &item, &error);
  g_assert_no_error (error);
  g_assert_false (pending);
  g_assert_false (ret);
  agen_test_assert_item_none (&item);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  agen_test_drain ();
  g_assert_cmpuint (call.n_callbacks, ==, 0);
  g_assert_cmpuint (call.n_destroyed, ==, 2);
  g_value_unset (&item);
  g_object_unref (gen);
}

/* A refusal (here: PENDING while an await holds the generator) fails at once. */
static void
test_next_start_refused (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestStartCall first = { 0 };
  AgenTestStartCall second = { 0 };
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean pending = FALSE;
  gboolean ret;

  ret = agen_test_next_start (gen, &first, &pending, &item, &error);
  g_assert_no_error (error);
  g_assert_true (pending);
  g_assert_false (ret);

  ret = agen_test_next_start (gen, &second, &pending, &item, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_false (pending);
  g_assert_false (ret);
  agen_test_assert_item_none (&item);
  g_assert_cmpuint (second.n_destroyed, ==, 1);
  g_clear_error (&error);

  agen_test_gate_leave_open (s->gate);
  agen_test_wait_for_count (&first.n_callbacks, 1, agen_test_timeout_seconds (5));
  agen_test_assert_item_int (first.ret, &first.item, 1);
  g_assert_no_error (first.error);
  agen_test_drain ();
  g_assert_cmpuint (first.n_callbacks, ==, 1);
  g_assert_cmpuint (first.n_destroyed, ==, 1);
  g_assert_cmpuint (second.n_callbacks, ==, 0);

  g_value_unset (&first.item);
  g_value_unset (&item);
  g_object_unref (gen);
}

typedef struct
{
  GString *items;
  gboolean done;
  GError *error;
  guint n_callbacks;
} Chain;

static void
chain_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Chain *chain = user_data;
  AgenGenerator *gen = AGEN_GENERATOR (source);
  GValue item = G_VALUE_INIT;

  chain->n_callbacks++;
  /* The operation is over when its callback runs. */
  g_assert_cmpint (agen_generator_get_state (gen), !=, RUNNING);

  if (agen_generator_next_finish (gen, result, &item, &chain->error))
    {
      g_autofree char *text = agen_test_value_to_string (&item);

      g_string_append (chain->items, text);
      g_value_unset (&item);
      agen_generator_next_async (gen, NULL, chain_cb, chain);
      return;
    }
  g_value_unset (&item);
  chain->done = TRUE;
}

/* The next operation can be started from the callback of the previous one. */
static void
test_next_from_callback (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2), S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  Chain chain = { g_string_new (NULL), FALSE, NULL, 0 };

  agen_generator_next_async (gen, NULL, chain_cb, &chain);
  agen_test_wait_for (&chain.done);
  g_assert_no_error (chain.error);
  g_assert_cmpstr (chain.items->str, ==, "123");
  g_assert_cmpuint (chain.n_callbacks, ==, 4);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_string_free (chain.items, TRUE);
  g_object_unref (gen);
}

/* ================================================================ return */

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

  g_assert_cmpuint (s->n_calls, ==, 2);
  g_value_unset (&v);
  g_object_unref (gen);
}

/* ================================================================ raise */

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
  g_assert_cmpuint (s->n_calls, ==, 2);

  g_value_unset (&v);
  g_object_unref (gen);
}

/* ================================================================ send */

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

  g_assert_cmpuint (s->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  g_assert_cmpuint (states.states->len, ==, 0);

  /* Unchanged: it starts from the top. */
  agen_test_assert_next_int (gen, 1);
  agen_test_state_log_clear (&states, gen);

  g_value_unset (&v);
  g_object_unref (gen);
}

/* Any GValue is a value, even one holding a NULL pointer. */
static void
test_send_null_pointer_value_is_a_value (AgenTestFixture *fixture,
                                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GValue v = G_VALUE_INIT;
  GError *error = NULL;

  g_value_init (&v, G_TYPE_POINTER);
  g_value_set_pointer (&v, NULL);
  g_assert_false (agen_test_send (gen, &v, NULL, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_NOT_STARTED);
  g_clear_error (&error);
  g_assert_cmpuint (s->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);

  g_value_unset (&v);
  g_object_unref (gen);
}

/* send (NULL) is next, everywhere: before start, at a yield, when finished. */
static void
test_send_null_is_next (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ret;

  ret = agen_test_send (gen, NULL, NULL, &item, &error);
  g_assert_no_error (error);
  agen_test_assert_item_int (ret, &item, 1);
  g_value_unset (&item);

  ret = agen_test_send (gen, NULL, NULL, &item, &error);
  g_assert_no_error (error);
  agen_test_assert_item_int (ret, &item, 2);
  g_value_unset (&item);

  ret = agen_test_send (gen, NULL, NULL, &item, &error);
  g_assert_no_error (error);
  g_assert_false (ret);
  g_value_unset (&item);

  ret = agen_test_send (gen, NULL, NULL, &item, &error);
  g_assert_no_error (error);
  g_assert_false (ret);
  g_value_unset (&item);

  /* The body saw no value at any resumption. */
  g_assert_cmpuint (s->sent->len, ==, 3);
  for (guint i = 0; i < s->sent->len; i++)
    g_assert_null (s->sent->pdata[i]);

  g_object_unref (gen);
}

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

/* ================================================================ throw */

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
  g_assert_cmpuint (s->n_calls, ==, 0);
  agen_test_assert_next_end (gen);
  g_assert_cmpuint (s->n_calls, ==, 0);
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
  g_assert_cmpuint (s->n_calls, ==, 3);

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
  g_assert_cmpuint (s->n_calls, ==, 1);

  g_object_unref (gen);
}

/* A throw of AGEN_ERROR_EXIT is a plain throw: caught and yields → TRUE + item. */
static void
test_throw_exit_caught_yields (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (9) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_ERROR, AGEN_ERROR_EXIT, "exit");
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ret;

  agen_test_assert_next_int (gen, 1);
  ret = agen_test_throw (gen, thrown, NULL, &item, &error);
  g_assert_no_error (error);
  agen_test_assert_item_int (ret, &item, 9);
  g_value_unset (&item);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT");
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  g_object_unref (gen);
}

/* A throw of AGEN_ERROR_EXIT is a plain throw: uncaught, the throw fails
 * with it (unlike close, which would succeed). */
static void
test_throw_exit_uncaught (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_ERROR, AGEN_ERROR_EXIT, "exit");
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_throw (gen, thrown, NULL, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_EXIT);
  g_clear_error (&error);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_object_unref (gen);
}

/* ================================================================ close */

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
  g_assert_cmpuint (s->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_assert_next_end (gen);
  g_assert_cmpuint (s->n_calls, ==, 0);
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
  g_assert_cmpuint (s->n_calls, ==, 2);

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
  g_assert_cmpuint (s->n_calls, ==, 2);
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
  g_assert_cmpuint (s->n_calls, ==, 2);

  /* The item was dropped, not kept. */
  agen_test_drain ();
  g_assert_null (s->last_object);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  /* The last unref does not ask it to close again, as CPython does not
   * call asyncio's finaliser hook for it: no warning (one would abort the
   * test), and the cleanups run at finalisation. */
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT d1");
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
  g_assert_cmpuint (s->n_calls, ==, 3);
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
  g_assert_cmpuint (s->n_calls, ==, 2);

  g_assert_false (agen_test_close (gen, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);
  g_assert_cmpuint (s->n_calls, ==, 2);

  g_assert_false (agen_test_throw (gen, thrown, NULL, &item, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  /* Still suspended at the yield: next resumes it. */
  agen_test_assert_next_int (gen, 3);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT");

  /* Having ignored a close, it is not closed on its last unref: it is
   * finalised without entering the body, silently, as CPython drops it. */
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_assert_cmpuint (s->n_calls, ==, 3);
}

/* ================================================================ pending */

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
  g_assert_cmpuint (s->n_calls, ==, 2);

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
  g_assert_cmpuint (s->n_calls, ==, 2);
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

/* ================================================================ cancellation */

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

/* ================================================================ uncaught wins */

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

/* ================================================================ consumer face */

/* The out item is always initialised on FALSE, as a G_TYPE_POINTER NULL:
 * at the end, on a raise, and on each kind of refusal. */
static void
test_item_initialised_on_false (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_RAISE (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (4);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  /* Refused: not started. */
  agen_test_value_init_int (&v, 1);
  g_assert_false (agen_test_send (gen, &v, NULL, &item, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_NOT_STARTED);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  g_clear_error (&error);

  agen_test_assert_next_int (gen, 1);

  /* Raised. */
  g_assert_false (agen_test_next (gen, NULL, &item, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 2);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  g_clear_error (&error);

  /* Finished, for each finish function. */
  g_assert_false (agen_test_next (gen, NULL, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  g_assert_false (agen_test_send (gen, &v, NULL, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);
  g_assert_false (agen_test_throw (gen, thrown, NULL, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_none (&item);
  g_value_unset (&item);

  g_value_unset (&v);
  g_object_unref (gen);
}

/* An out item that already holds a value is unset by finish (no leak, and
 * the new value's type). */
static void
test_item_prefilled_is_unset (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  call.prefill_item = TRUE;
  agen_test_start_next (gen, NULL, &call);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  agen_test_call_clear (&call);

  agen_test_call_init (&call);
  call.prefill_item = TRUE;
  agen_test_start_next (gen, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_no_error (call.error);
  agen_test_assert_item_none (&call.item);
  agen_test_call_clear (&call);

  g_object_unref (gen);
}

/* Deferred cleanups run last in, first out, and have all run before the
 * callback of the operation during which the body finished: by return. */
static void
test_defer_lifo_on_return (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_DEFER (2), S_YIELD (1), S_DEFER (3), S_MARK (0), S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (gen, 1);
  g_assert_cmpstr (s->log->str, ==, "");
  call.watch = s;
  agen_test_start_next (gen, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.log_at_callback, ==, "m0 d3 d2 d1");
  agen_test_call_clear (&call);
  g_assert_cmpstr (s->log->str, ==, "m0 d3 d2 d1");

  g_object_unref (gen);
}

/* ... by raise. */
static void
test_defer_lifo_on_raise (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_DEFER (2), S_RAISE (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  call.watch = s;
  agen_test_start_next (gen, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_TEST_ERROR, 3);
  g_assert_cmpstr (call.log_at_callback, ==, "d2 d1");
  agen_test_call_clear (&call);

  g_object_unref (gen);
}

/* ... after an await (the body finishes in a later main-loop iteration). */
static void
test_defer_lifo_after_await (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT, S_DEFER (2), S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };

  call.watch = s;
  agen_test_start_next (gen, NULL, &call);
  agen_test_iterate_ms (10);
  g_assert_cmpstr (s->log->str, ==, "");
  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.log_at_callback, ==, "d2 d1");
  agen_test_call_clear (&call);

  g_object_unref (gen);
}

/* The state property: its values, and a notify::state at each change. */
static void
test_state_notify (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_AWAIT, S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };
  AgenTestStateLog states;
  AgenGeneratorState state;

  agen_test_state_log_init (&states, gen);
  g_object_get (gen, "state", &state, NULL);
  g_assert_cmpint (state, ==, CREATED);

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_states (&states, RUNNING, SUSPENDED);

  agen_test_start_next (gen, NULL, &call);
  agen_test_iterate_ms (10);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  g_object_get (gen, "state", &state, NULL);
  g_assert_cmpint (state, ==, RUNNING);
  agen_test_assert_states (&states, RUNNING, SUSPENDED, RUNNING);
  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  g_assert_cmpint (call.state_at_callback, ==, SUSPENDED);
  agen_test_call_clear (&call);
  agen_test_assert_states (&states, RUNNING, SUSPENDED, RUNNING, SUSPENDED);

  agen_test_assert_next_end (gen);
  agen_test_assert_states (&states, RUNNING, SUSPENDED, RUNNING, SUSPENDED, RUNNING, FINISHED);
  g_object_get (gen, "state", &state, NULL);
  g_assert_cmpint (state, ==, FINISHED);

  /* No change, no notification. */
  agen_test_assert_next_end (gen);
  g_assert_cmpuint (states.states->len, ==, 6);
  agen_test_script_assert_sane (s);

  agen_test_state_log_clear (&states, gen);
  g_object_unref (gen);
}

/* Closing a created generator: CREATED → FINISHED, notified. */
static void
test_state_close_unstarted (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestStateLog states;

  agen_test_state_log_init (&states, gen);
  g_assert_true (agen_test_close (gen, NULL, NULL));
  g_assert_cmpuint (states.states->len, >=, 1);
  g_assert_cmpint (g_array_index (states.states, AgenGeneratorState, states.states->len - 1), ==, FINISHED);
  for (guint i = 1; i < states.states->len; i++)
    g_assert_cmpint (g_array_index (states.states, AgenGeneratorState, i), !=,
                     g_array_index (states.states, AgenGeneratorState, i - 1));

  agen_test_state_log_clear (&states, gen);
  g_object_unref (gen);
}

/* Callbacks are never called before _async returns, for every operation and
 * every way it ends (AgenTestCall asserts it in its callback). */
static void
test_callbacks_never_before_return (AgenTestFixture *fixture,
                                    gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenGenerator *gen2 = agen_test_script_generator (s);
  AgenGenerator *gen3 = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) thrown = agen_test_error_new (1);
  AgenTestCollect *collect = agen_test_collect_new (0);
  GValue v = G_VALUE_INIT;
  AgenTestCall call = { 0 };
  GMainContext *other = g_main_context_new ();

  g_cancellable_cancel (cancelled);
  agen_test_value_init_int (&v, 1);

#define CHECK_CALL(start)            \
  agen_test_call_init (&call);           \
  start;                             \
  g_assert_false (call.done);        \
  agen_test_call_wait (&call);           \
  agen_test_call_clear (&call)

  CHECK_CALL (agen_test_start_next (gen, cancelled, &call));          /* cancelled before start */
  CHECK_CALL (agen_test_start_send (gen, &v, NULL, &call));           /* not started */
  g_main_context_push_thread_default (other);
  CHECK_CALL (agen_test_start_next (gen, NULL, &call));               /* wrong context */
  g_main_context_pop_thread_default (other);
  CHECK_CALL (agen_test_start_next (gen, NULL, &call));               /* yields at once */
  CHECK_CALL (agen_test_start_next (gen, NULL, &call));               /* returns at once */
  CHECK_CALL (agen_test_start_next (gen, NULL, &call));               /* finished */
  CHECK_CALL (agen_test_start_throw (gen, thrown, NULL, &call));      /* finished */
  CHECK_CALL (agen_test_start_close (gen, NULL, &call));              /* finished */
  CHECK_CALL (agen_test_start_foreach (gen, agen_test_collect_func, collect, NULL, NULL, &call));
  CHECK_CALL (agen_test_start_throw (gen2, thrown, NULL, &call));     /* before start */
  CHECK_CALL (agen_test_start_close (gen3, NULL, &call));             /* before start */
  CHECK_CALL (agen_test_start_shutdown (NULL, &call));                /* nothing to close */

#undef CHECK_CALL

  g_main_context_unref (other);
  g_value_unset (&v);
  agen_test_collect_free (collect);
  g_object_unref (gen);
  g_object_unref (gen2);
  g_object_unref (gen3);
}

/* ================================================================ producer face */

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

static void
noop_destroy (gpointer data)
{
}

#define EXPECT_CRITICAL() \
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*")

/* Producer calls outside a body call → g_critical, and nothing changes. */
static void
test_outside_body_critical (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GValue v = G_VALUE_INIT;
  GError *error = NULL;

  agen_test_value_init_int (&v, 1);

  /* Before start, and at a yield. */
  for (guint round = 0; round < 2; round++)
    {
      EXPECT_CRITICAL ();
      agen_generator_yield (gen, &v);
      EXPECT_CRITICAL ();
      agen_generator_yield_int (gen, 1);
      EXPECT_CRITICAL ();
      agen_generator_yield_string (gen, "x");
      EXPECT_CRITICAL ();
      agen_generator_yield_object (gen, NULL);
      EXPECT_CRITICAL ();
      agen_generator_return (gen);
      EXPECT_CRITICAL ();
      agen_generator_raise (gen, agen_test_error_new (1));
      EXPECT_CRITICAL ();
      g_assert_null (agen_generator_await (gen));
      EXPECT_CRITICAL ();
      g_assert_cmpuint (agen_generator_suspend (gen), ==, 0);
      EXPECT_CRITICAL ();
      g_assert_null (agen_generator_get_result (gen));
      EXPECT_CRITICAL ();
      g_assert_null (agen_generator_get_sent (gen));
      EXPECT_CRITICAL ();
      g_assert_false (agen_generator_catch (gen, &error));
      g_assert_no_error (error);
      EXPECT_CRITICAL ();
      g_assert_null (agen_generator_catch_error (gen));
      EXPECT_CRITICAL ();
      g_assert_null (agen_generator_peek_error (gen));
      EXPECT_CRITICAL ();
      g_assert_null (agen_generator_get_cancellable (gen));
      EXPECT_CRITICAL ();
      agen_generator_defer (gen, noop_destroy, NULL);
      EXPECT_CRITICAL ();
      agen_generator_get_resume_point (gen);
      EXPECT_CRITICAL ();
      agen_generator_set_resume_point (gen, 1234);
      g_test_assert_expected_messages ();

      /* Nothing changed. */
      g_assert_cmpint (agen_generator_get_state (gen), ==, round == 0 ? CREATED : SUSPENDED);
      agen_test_assert_next_int (gen, round + 1);
    }
  agen_test_assert_next_end (gen);

  g_value_unset (&v);
  g_object_unref (gen);
}

/* A body calling the producer face of another generator → g_critical. */
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

/* Two outcomes in one body call → g_critical; the operation still
 * completes exactly once. */
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

/* peek_error and catch without a thrown error; peek does not take it. */
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

/* Typed yields, and a yielded GValue is copied. */
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

/* The resume point: 0 before the first call, kept between calls. */
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

/* ================================================================ macros */

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

/* ================================================================ last unref */

/* The last unref of a suspended, started generator closes it on its own
 * main context: its cleanup runs. */
static void
test_unref_closes_suspended (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  gboolean finalized;

  agen_test_assert_next_int (gen, 1);
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);

  g_assert_cmpstr (s->log->str, ==, "u:EXIT d1");
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpuint (s->n_destroyed, ==, 1);
  agen_test_script_assert_sane (s);
}

/* ... and that cleanup may still await. */
static void
test_unref_close_may_await (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  static const AgenTestStep handler[] = { S_AWAIT, S_MARK (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  gboolean finalized;

  agen_test_assert_next_int (gen, 1);
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_iterate_ms (20);
  g_assert_false (finalized);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);

  agen_test_gate_leave_open (s->gate);
  agen_test_wait_for (&finalized);
  g_assert_cmpstr (s->log->str, ==, "c:EXIT m3 d1");
  g_assert_cmpuint (s->n_destroyed, ==, 1);
  agen_test_script_assert_sane (s);
}

/* An error from that close is reported with g_warning. */
static void
test_unref_close_error_warns (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_RAISE (4) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  gboolean finalized;

  agen_generator_set_name (gen, "leaky");
  g_assert_cmpstr (agen_generator_get_name (gen), ==, "leaky");
  agen_test_assert_next_int (gen, 1);
  agen_test_watch_finalize (gen, &finalized);

  g_test_expect_message ("Agen", G_LOG_LEVEL_WARNING, "*raised error 4*");
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (s->log->str, ==, "c:EXIT");
}

typedef struct
{
  guint n_reports;
  AgenCloseReason reason;
  GError *error;
  char *name;
  guint n_destroyed;
} CloseErrors;

static void
close_errors_record (AgenGenerator   *generator,
                     const GError    *error,
                     AgenCloseReason  reason,
                     gpointer         user_data)
{
  CloseErrors *errors = user_data;

  errors->n_reports++;
  errors->reason = reason;
  g_clear_error (&errors->error);
  errors->error = g_error_copy (error);
  g_free (errors->name);
  errors->name = g_strdup (agen_generator_get_name (generator));
}

static void
close_errors_destroyed (gpointer user_data)
{
  CloseErrors *errors = user_data;

  errors->n_destroyed++;
}

/* agen_set_close_error_func(): the failures of the closes on last unref
 * and at shutdown go to the function instead of a warning, once each, with
 * their reason; NULL brings the warning back. */
static void
test_close_error_func (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_RAISE (4) };
  g_autoptr(AgenTestScript) dropped = AGEN_TEST_SCRIPT_H (steps, handler);
  g_autoptr(AgenTestScript) shut = AGEN_TEST_SCRIPT_H (steps, handler);
  g_autoptr(AgenTestScript) warned = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (dropped);
  AgenGenerator *shut_gen = agen_test_script_generator (shut);
  CloseErrors errors = { 0 };
  GError *error = NULL;
  gboolean finalized = FALSE;

  agen_set_close_error_func (close_errors_record, &errors, close_errors_destroyed);
  agen_generator_set_name (gen, "dropped");
  agen_test_assert_next_int (gen, 1);
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_assert_cmpuint (errors.n_reports, ==, 1);
  g_assert_cmpint (errors.reason, ==, AGEN_CLOSE_REASON_LAST_UNREF);
  g_assert_error (errors.error, AGEN_TEST_ERROR, 4);
  g_assert_cmpstr (errors.name, ==, "dropped");

  agen_generator_set_name (shut_gen, "shut");
  agen_test_assert_next_int (shut_gen, 1);
  g_assert_false (agen_test_shutdown (NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 4);
  g_clear_error (&error);
  g_assert_cmpuint (errors.n_reports, ==, 2);
  g_assert_cmpint (errors.reason, ==, AGEN_CLOSE_REASON_SHUTDOWN);
  g_assert_cmpstr (errors.name, ==, "shut");
  g_object_unref (shut_gen);

  agen_set_close_error_func (NULL, NULL, NULL);
  g_assert_cmpuint (errors.n_destroyed, ==, 1);
  gen = agen_test_script_generator (warned);
  agen_test_assert_next_int (gen, 1);
  finalized = FALSE;
  agen_test_watch_finalize (gen, &finalized);
  g_test_expect_message ("Agen", G_LOG_LEVEL_WARNING, "*on its last unref failed: raised error 4*");
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (errors.n_reports, ==, 2);

  g_clear_error (&errors.error);
  g_free (errors.name);
}

/* The close runs on the generator's own context, even when the last unref
 * happens while another context is the thread-default. */
static void
test_unref_closes_on_own_context (AgenTestFixture *fixture,
                                  gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GMainContext *other = g_main_context_new ();
  gboolean finalized;

  agen_test_assert_next_int (gen, 1);
  agen_test_watch_finalize (gen, &finalized);

  g_main_context_push_thread_default (other);
  g_object_unref (gen);
  while (g_main_context_iteration (other, FALSE))
    ;
  g_main_context_pop_thread_default (other);
  g_assert_false (finalized);

  agen_test_wait_for (&finalized);
  g_assert_cmpstr (s->log->str, ==, "u:EXIT d1");
  agen_test_script_assert_sane (s);
  g_main_context_unref (other);
}

/* ================================================================ foreach */

/* foreach calls func for each item and finishes TRUE when finished. */
static void
test_foreach_items (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };

  call.watch = s;
  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_no_error (call.error);
  g_assert_cmpstr (collect->items->str, ==, "0 1 2");
  g_assert_cmpstr (call.log_at_callback, ==, "d1");
  g_assert_cmpint (call.state_at_callback, ==, FINISHED);
  g_assert_cmpuint (collect->n_destroyed, ==, 1);
  agen_test_call_clear (&call);
  agen_test_script_assert_sane (s);

  agen_test_collect_free (collect);
  g_object_unref (gen);
}

/* ... FALSE + error when the body raised. */
static void
test_foreach_raise (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (0), S_YIELD (1), S_RAISE (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_TEST_ERROR, 3);
  g_assert_cmpstr (collect->items->str, ==, "0 1");
  g_assert_cmpuint (collect->n_destroyed, ==, 1);
  agen_test_call_clear (&call);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  agen_test_collect_free (collect);
  g_object_unref (gen);
}

/* ... func returning FALSE stops, which closes the generator. */
static void
test_foreach_stop_closes (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCollect *collect = agen_test_collect_new (2);
  AgenTestCall call = { 0 };

  call.watch = s;
  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_no_error (call.error);
  g_assert_cmpstr (collect->items->str, ==, "0 1");
  g_assert_cmpstr (call.log_at_callback, ==, "u:EXIT d1");
  g_assert_cmpint (call.state_at_callback, ==, FINISHED);
  agen_test_call_clear (&call);

  agen_test_collect_free (collect);
  g_object_unref (gen);
}

/* ... a close that fails when func stops makes foreach fail with its error. */
static void
test_foreach_stop_close_fails (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (0), S_YIELD (1) };
  static const AgenTestStep handler[] = { S_RAISE (6) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCollect *collect = agen_test_collect_new (1);
  AgenTestCall call = { 0 };

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_TEST_ERROR, 6);
  g_assert_cmpstr (collect->items->str, ==, "0");
  agen_test_call_clear (&call);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  agen_test_collect_free (collect);
  g_object_unref (gen);
}

/* ... a body that awaits between items. */
static void
test_foreach_awaiting_body (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (0), S_AWAIT, S_YIELD (1), S_AWAIT, S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  g_assert_cmpstr (collect->items->str, ==, "0");
  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_cmpstr (collect->items->str, ==, "0 1 2");
  agen_test_call_clear (&call);

  agen_test_collect_free (collect);
  g_object_unref (gen);
}

/* ... on a finished generator: TRUE at once, func never called. */
static void
test_foreach_finished (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };

  agen_test_assert_next_end (gen);
  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_cmpuint (collect->n_items, ==, 0);
  agen_test_call_clear (&call);

  agen_test_collect_free (collect);
  g_object_unref (gen);
}

/* ... cancelled while the body awaits: FALSE + CANCELLED. */
static void
test_foreach_cancel_at_await (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_AWAIT_IGNORING, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify,
                           cancellable, &call);
  agen_test_iterate_ms (10);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (collect->items->str, ==, "0");
  g_assert_cmpstr (s->log->str, ==, "u:CANCELLED d1");
  agen_test_call_clear (&call);

  agen_test_gate_leave_open (s->gate);
  agen_test_drain ();
  agen_test_collect_free (collect);
  g_object_unref (gen);
}

/* A body that never awaits and works for 50 ms: the main loop still runs. */
typedef struct
{
  gint64 start;
  gint n;
} BusyBody;

static void
busy_body (AgenGenerator *self,
           gpointer       user_data)
{
  BusyBody *b = user_data;
  gint64 now = g_get_monotonic_time ();

  if (b->start == 0)
    b->start = now;
  while (g_get_monotonic_time () - now < 20)
    ;
  if (g_get_monotonic_time () - b->start >= 50 * 1000)
    agen_generator_return (self);
  else
    agen_generator_yield_int (self, b->n++);
}

typedef struct
{
  gboolean idle_ran;
  gboolean timeout_ran;
  gint items_when_idle_ran;
  gint items_when_timeout_ran;
  gint n_items;
} BusyWatch;

static gboolean
busy_on_idle (gpointer user_data)
{
  BusyWatch *w = user_data;

  w->idle_ran = TRUE;
  w->items_when_idle_ran = w->n_items;
  return G_SOURCE_REMOVE;
}

static gboolean
busy_on_timeout (gpointer user_data)
{
  BusyWatch *w = user_data;

  w->timeout_ran = TRUE;
  w->items_when_timeout_ran = w->n_items;
  return G_SOURCE_REMOVE;
}

static gboolean
busy_func (AgenGenerator *self,
           const GValue  *item,
           gpointer       user_data)
{
  BusyWatch *w = user_data;

  g_assert_cmpint (g_value_get_int (item), ==, w->n_items);
  w->n_items++;
  return TRUE;
}

static void
test_foreach_lets_main_loop_run (AgenTestFixture *fixture,
                                 gconstpointer    data)
{
  BusyBody b = { 0 };
  BusyWatch w = { 0 };
  AgenGenerator *gen = agen_generator_new (busy_body, &b, NULL);
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *idle = g_idle_source_new ();
  GSource *timeout = g_timeout_source_new (1);
  AgenTestCall call = { 0 };

  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, busy_on_idle, &w, NULL);
  g_source_attach (idle, context);
  g_source_set_callback (timeout, busy_on_timeout, &w, NULL);
  g_source_attach (timeout, context);

  agen_test_start_foreach (gen, busy_func, &w, NULL, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);

  g_assert_cmpint (w.n_items, ==, b.n);
  g_assert_cmpint (w.n_items, >, 10);
  /* Both sources ran while items were still coming. */
  g_assert_true (w.idle_ran);
  g_assert_true (w.timeout_ran);
  g_assert_cmpint (w.items_when_idle_ran, <, w.n_items);
  g_assert_cmpint (w.items_when_timeout_ran, <, w.n_items);

  g_source_destroy (idle);
  g_source_unref (idle);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_object_unref (gen);
}

/* ================================================================ shutdown */

/* shutdown closes every started, unfinished generator of the thread-default
 * context; TRUE when all closes succeeded. Created and finished ones are
 * left alone. */
static void
test_shutdown_closes_started (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) created = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenTestScript) started = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenTestScript) finished = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen_created = agen_test_script_generator (created);
  AgenGenerator *gen_started = agen_test_script_generator (started);
  AgenGenerator *gen_finished = agen_test_script_generator (finished);
  GError *error = NULL;

  agen_test_assert_next_int (gen_started, 1);
  agen_test_assert_next_int (gen_finished, 1);
  agen_test_assert_next_int (gen_finished, 2);
  agen_test_assert_next_end (gen_finished);

  g_assert_true (agen_test_shutdown (NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (agen_generator_get_state (gen_created), ==, CREATED);
  g_assert_cmpuint (created->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (gen_started), ==, FINISHED);
  g_assert_cmpstr (started->log->str, ==, "u:EXIT d1");
  g_assert_cmpuint (finished->n_calls, ==, 3);
  g_assert_cmpstr (finished->log->str, ==, "d1");

  g_object_unref (gen_created);
  g_object_unref (gen_started);
  g_object_unref (gen_finished);
}

/* With nothing to close, TRUE. */
static void
test_shutdown_empty (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  GError *error = NULL;

  g_assert_true (agen_test_shutdown (NULL, &error));
  g_assert_no_error (error);
}

/* The closes run concurrently. */
static void
test_shutdown_concurrent (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler[] = { S_AWAIT, S_MARK (1) };
  g_autoptr(AgenTestScript) a = AGEN_TEST_SCRIPT_H (steps, handler);
  g_autoptr(AgenTestScript) b = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen_a = agen_test_script_generator (a);
  AgenGenerator *gen_b = agen_test_script_generator (b);
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (gen_a, 1);
  agen_test_assert_next_int (gen_b, 1);
  agen_test_start_shutdown (NULL, &call);
  agen_test_iterate_ms (20);
  g_assert_false (call.done);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (a->gate), ==, 1);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (b->gate), ==, 1);

  agen_test_gate_leave_open (a->gate);
  agen_test_iterate_ms (10);
  g_assert_false (call.done);
  agen_test_gate_leave_open (b->gate);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);
  g_assert_cmpstr (a->log->str, ==, "c:EXIT m1");
  g_assert_cmpstr (b->log->str, ==, "c:EXIT m1");

  g_object_unref (gen_a);
  g_object_unref (gen_b);
}

/* FALSE with the first failure's error; each failure is reported once with
 * g_warning, naming the generator. */
static void
test_shutdown_first_error (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  static const AgenTestStep handler_a[] = { S_RAISE (1) };
  static const AgenTestStep handler_b[] = { S_AWAIT, S_RAISE (2) };
  g_autoptr(AgenTestScript) a = AGEN_TEST_SCRIPT_H (steps, handler_a);
  g_autoptr(AgenTestScript) b = AGEN_TEST_SCRIPT_H (steps, handler_b);
  g_autoptr(AgenTestScript) c = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen_b = agen_test_script_generator (b);
  AgenGenerator *gen_a = agen_test_script_generator (a);
  AgenGenerator *gen_c = agen_test_script_generator (c);
  AgenTestCall call = { 0 };

  agen_generator_set_name (gen_a, "gen-a");
  agen_generator_set_name (gen_b, "gen-b");
  agen_test_assert_next_int (gen_b, 1);
  agen_test_assert_next_int (gen_a, 1);
  agen_test_assert_next_int (gen_c, 1);

  g_test_expect_message ("Agen", G_LOG_LEVEL_WARNING, "*gen-a*");
  g_test_expect_message ("Agen", G_LOG_LEVEL_WARNING, "*gen-b*");
  agen_test_start_shutdown (NULL, &call);
  agen_test_iterate_ms (20);
  g_assert_false (call.done);
  agen_test_gate_leave_open (b->gate);
  agen_test_call_wait (&call);
  g_test_assert_expected_messages ();

  g_assert_false (call.ret);
  g_assert_error (call.error, AGEN_TEST_ERROR, 1);
  agen_test_call_clear (&call);
  g_assert_cmpint (agen_generator_get_state (gen_a), ==, FINISHED);
  g_assert_cmpint (agen_generator_get_state (gen_b), ==, FINISHED);
  g_assert_cmpint (agen_generator_get_state (gen_c), ==, FINISHED);
  g_assert_cmpstr (c->log->str, ==, "u:EXIT");

  g_object_unref (gen_a);
  g_object_unref (gen_b);
  g_object_unref (gen_c);
}

/* Only the generators of the thread-default context are closed. */
static void
test_shutdown_only_this_context (AgenTestFixture *fixture,
                                 gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = NULL;
  GMainContext *other = g_main_context_new ();
  AgenGenerator *gen;
  GError *error = NULL;

  g_main_context_push_thread_default (other);
  s = AGEN_TEST_SCRIPT (steps);
  gen = agen_test_script_generator (s);
  agen_test_assert_next_int (gen, 1);
  g_main_context_pop_thread_default (other);

  g_assert_true (agen_test_shutdown (NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  g_assert_cmpuint (s->n_calls, ==, 1);

  g_main_context_push_thread_default (other);
  g_assert_true (agen_test_shutdown (NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  g_object_unref (gen);
  agen_test_drain ();
  g_main_context_pop_thread_default (other);
  g_main_context_unref (other);
}

/* ================================================================ contexts */

/* A call made while another context is the thread-default fails with
 * WRONG_CONTEXT, and changes nothing. */
static void
test_wrong_context (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  gboolean use_global_default = GPOINTER_TO_INT (data);
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (1);
  GMainContext *other = use_global_default ? g_main_context_ref (g_main_context_default ()) : g_main_context_new ();
  AgenTestCollect *collect = agen_test_collect_new (0);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  AgenTestCall call = { 0 };

  agen_test_value_init_int (&v, 3);

  for (guint round = 0; round < 2; round++)
    {
      g_main_context_push_thread_default (other);

      g_assert_false (agen_test_next (gen, NULL, &item, &error));
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      agen_test_assert_item_none (&item);
      g_value_unset (&item);
      g_clear_error (&error);

      g_assert_false (agen_test_send (gen, &v, NULL, &item, &error));
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      agen_test_assert_item_none (&item);
      g_value_unset (&item);
      g_clear_error (&error);

      g_assert_false (agen_test_throw (gen, thrown, NULL, &item, &error));
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      agen_test_assert_item_none (&item);
      g_value_unset (&item);
      g_clear_error (&error);

      g_assert_false (agen_test_close (gen, NULL, &error));
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      g_clear_error (&error);

      agen_test_call_init (&call);
      agen_test_start_foreach (gen, agen_test_collect_func, collect, NULL, NULL, &call);
      agen_test_call_wait (&call);
      g_assert_error (call.error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      agen_test_call_clear (&call);

      g_main_context_pop_thread_default (other);

      /* Nothing changed. */
      g_assert_cmpuint (s->n_calls, ==, round);
      g_assert_cmpint (agen_generator_get_state (gen), ==, round == 0 ? CREATED : SUSPENDED);
      g_assert_cmpuint (collect->n_items, ==, 0);
      agen_test_assert_next_int (gen, round + 1);
    }

  agen_test_script_assert_sane (s);
  agen_test_collect_free (collect);
  g_value_unset (&v);
  g_main_context_unref (other);
  g_object_unref (gen);
  agen_test_drain ();
}

/* Calling next_async in main () before the loop runs is normal use: here on
 * the global default context, with a real GMainLoop, and no fixture. */
typedef struct
{
  GMainLoop *loop;
  GString *items;
  GError *error;
  gboolean returned;           /* next_async has returned */
} LoopRun;

static void
loop_next_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LoopRun *run = user_data;
  AgenGenerator *gen = AGEN_GENERATOR (source);
  GValue item = G_VALUE_INIT;

  g_assert_true (run->returned);
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  if (agen_generator_next_finish (gen, result, &item, &run->error))
    {
      g_string_append_printf (run->items, "%d", g_value_get_int (&item));
      g_value_unset (&item);
      run->returned = FALSE;
      agen_generator_next_async (gen, NULL, loop_next_cb, run);
      run->returned = TRUE;
      return;
    }
  g_value_unset (&item);
  g_main_loop_quit (run->loop);
}

static gboolean
loop_timeout (gpointer user_data)
{
  g_error ("timed out running the main loop");
  return G_SOURCE_REMOVE;
}

static void
test_default_context_main_loop (void)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_AWAIT, S_YIELD (2), S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  LoopRun run = { g_main_loop_new (NULL, FALSE), g_string_new (NULL), NULL, FALSE };
  guint timeout_id = g_timeout_add_seconds (agen_test_timeout_seconds (10), loop_timeout, NULL);

  g_assert_true (s->context == g_main_context_default ());
  agen_test_gate_leave_open (s->gate);
  agen_generator_next_async (gen, NULL, loop_next_cb, &run);
  run.returned = TRUE;
  g_main_loop_run (run.loop);
  g_source_remove (timeout_id);

  g_assert_no_error (run.error);
  g_assert_cmpstr (run.items->str, ==, "123");
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_script_assert_sane (s);

  g_string_free (run.items, TRUE);
  g_main_loop_unref (run.loop);
  g_object_unref (gen);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The name property: get/set, notified on change only. */
static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_name (AgenTestFixture *fixture,
           gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autofree char *from_property = NULL;
  guint n_notify = 0;

  g_assert_null (agen_generator_get_name (gen));
  g_signal_connect (gen, "notify::name", G_CALLBACK (on_notify_count), &n_notify);
  agen_generator_set_name (gen, "lines");
  g_assert_cmpstr (agen_generator_get_name (gen), ==, "lines");
  g_object_get (gen, "name", &from_property, NULL);
  g_assert_cmpstr (from_property, ==, "lines");
  g_assert_cmpuint (n_notify, ==, 1);
  agen_generator_set_name (gen, "lines");
  g_assert_cmpuint (n_notify, ==, 1);
  g_object_set (gen, "name", NULL, NULL);
  g_assert_null (agen_generator_get_name (gen));
  g_assert_cmpuint (n_notify, ==, 2);

  g_object_unref (gen);
}

/* ================================================================ main */

/* ========================================================= dispatch-body */

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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/generator/new/runs-nothing", test_new_runs_nothing);
  agen_test_add ("/generator/new/drop-unstarted-runs-only-destroy", test_new_drop_unstarted);

  agen_test_add ("/generator/next/yields", test_next_yields);
  agen_test_add ("/generator/next/runs-body-at-once", test_next_runs_body_at_once);
  agen_test_add ("/generator/next/from-callback", test_next_from_callback);
  agen_test_add ("/generator/next-start/at-once", test_next_start_at_once);
  agen_test_add ("/generator/next-start/refused", test_next_start_refused);

  agen_test_add ("/generator/return/ends", test_return_ends);
  agen_test_add ("/generator/raise/fails-then-ends", test_raise_fails_then_ends);

  agen_test_add ("/generator/send/not-started", test_send_not_started);
  agen_test_add ("/generator/send/null-pointer-value-is-a-value", test_send_null_pointer_value_is_a_value);
  agen_test_add ("/generator/send/null-is-next", test_send_null_is_next);
  agen_test_add ("/generator/send/value-reaches-body", test_send_value_reaches_body);
  agen_test_add ("/generator/send/sent-null-after-await", test_send_sent_null_after_await);

  agen_test_add ("/generator/throw/before-start", test_throw_before_start);
  agen_test_add ("/generator/throw/caught-yields", test_throw_caught_yields);
  agen_test_add ("/generator/throw/caught-returns", test_throw_caught_returns);
  agen_test_add ("/generator/throw/uncaught", test_throw_uncaught);
  agen_test_add ("/generator/throw/caught-raises-other", test_throw_caught_raises_other);
  agen_test_add ("/generator/throw/finished", test_throw_finished);
  agen_test_add ("/generator/throw/exit-is-plain/caught-yields", test_throw_exit_caught_yields);
  agen_test_add ("/generator/throw/exit-is-plain/uncaught", test_throw_exit_uncaught);

  agen_test_add ("/generator/close/before-start", test_close_before_start);
  agen_test_add ("/generator/close/finished", test_close_finished);
  agen_test_add ("/generator/close/exit-propagates", test_close_exit_propagates);
  agen_test_add ("/generator/close/caught-returns", test_close_caught_returns);
  agen_test_add ("/generator/close/reraises-exit", test_close_reraises_exit);
  agen_test_add ("/generator/close/cleanup-awaits", test_close_cleanup_awaits);
  agen_test_add ("/generator/close/cleanup-raises", test_close_cleanup_raises);
  agen_test_add ("/generator/close/ignored-exit/item-dropped", test_close_ignored_exit);
  agen_test_add ("/generator/close/ignored-exit/next-resumes", test_close_ignored_exit_next_resumes);
  agen_test_add ("/generator/close/ignored-exit/refuses-close-and-throw",
                 test_close_ignored_exit_refuses_close_and_throw);

  g_test_add ("/generator/pending/next", AgenTestFixture, GINT_TO_POINTER (REFUSED_NEXT),
              agen_test_fixture_setup, test_pending, agen_test_fixture_teardown);
  g_test_add ("/generator/pending/send", AgenTestFixture, GINT_TO_POINTER (REFUSED_SEND),
              agen_test_fixture_setup, test_pending, agen_test_fixture_teardown);
  g_test_add ("/generator/pending/throw", AgenTestFixture, GINT_TO_POINTER (REFUSED_THROW),
              agen_test_fixture_setup, test_pending, agen_test_fixture_teardown);
  g_test_add ("/generator/pending/close", AgenTestFixture, GINT_TO_POINTER (REFUSED_CLOSE),
              agen_test_fixture_setup, test_pending, agen_test_fixture_teardown);
  g_test_add ("/generator/pending/foreach", AgenTestFixture, GINT_TO_POINTER (REFUSED_FOREACH),
              agen_test_fixture_setup, test_pending, agen_test_fixture_teardown);
  agen_test_add ("/generator/pending/during-foreach", test_pending_during_foreach);

  agen_test_add ("/generator/cancel/at-await/uncaught", test_cancel_at_await_uncaught);
  agen_test_add ("/generator/cancel/after-completion-before-resumption",
                 test_cancel_after_completion_before_resumption);
  agen_test_add ("/generator/cancel/at-await/caught-yields", test_cancel_at_await_caught_yields);
  agen_test_add ("/generator/cancel/at-await/cleanup-can-await", test_cancel_cleanup_can_await);
  agen_test_add ("/generator/cancel/at-await/reaches-awaited-operation", test_cancel_reaches_awaited_operation);
  agen_test_add ("/generator/cancel/before-start", test_cancel_before_start);
  agen_test_add ("/generator/cancel/in-flight-close", test_cancel_in_flight_close);

  agen_test_add ("/generator/uncaught/wins-over-yield", test_uncaught_wins_over_yield);
  agen_test_add ("/generator/uncaught/wins-over-return", test_uncaught_wins_over_return);
  agen_test_add ("/generator/uncaught/cancel-wins-over-yield", test_uncaught_cancel_wins_over_yield);

  agen_test_add ("/consumer/item/initialised-on-false", test_item_initialised_on_false);
  agen_test_add ("/consumer/item/prefilled-is-unset", test_item_prefilled_is_unset);
  agen_test_add ("/consumer/defer/lifo-before-callback/return", test_defer_lifo_on_return);
  agen_test_add ("/consumer/defer/lifo-before-callback/raise", test_defer_lifo_on_raise);
  agen_test_add ("/consumer/defer/lifo-before-callback/after-await", test_defer_lifo_after_await);
  agen_test_add ("/consumer/state/notify", test_state_notify);
  agen_test_add ("/consumer/state/close-unstarted", test_state_close_unstarted);
  agen_test_add ("/consumer/callback/never-before-async-returns", test_callbacks_never_before_return);

  agen_test_add ("/producer/invalid-body/first-call", test_invalid_body);
  agen_test_add ("/producer/invalid-body/after-yield", test_invalid_body_after_yield);
  agen_test_add ("/producer/outside-body/critical", test_outside_body_critical);
  agen_test_add ("/producer/outside-body/other-generator", test_other_generator_critical);
  g_test_add ("/producer/two-outcomes/yield-return", AgenTestFixture, GINT_TO_POINTER (TWO_YIELD_RETURN),
              agen_test_fixture_setup, test_two_outcomes_critical, agen_test_fixture_teardown);
  g_test_add ("/producer/two-outcomes/return-raise", AgenTestFixture, GINT_TO_POINTER (TWO_RETURN_RAISE),
              agen_test_fixture_setup, test_two_outcomes_critical, agen_test_fixture_teardown);
  g_test_add ("/producer/two-outcomes/raise-yield", AgenTestFixture, GINT_TO_POINTER (TWO_RAISE_YIELD),
              agen_test_fixture_setup, test_two_outcomes_critical, agen_test_fixture_teardown);
  g_test_add ("/producer/two-outcomes/yield-yield", AgenTestFixture, GINT_TO_POINTER (TWO_YIELD_YIELD),
              agen_test_fixture_setup, test_two_outcomes_critical, agen_test_fixture_teardown);
  agen_test_add ("/producer/suspend/resume-wakes-body", test_suspend_resume);
  agen_test_add ("/producer/suspend/stale-id-ignored", test_suspend_stale_id);
  agen_test_add ("/producer/suspend/stale-after-cancel", test_suspend_stale_after_cancel);
  agen_test_add ("/producer/suspend/resume-from-callback", test_suspend_from_callback);
  g_test_add ("/producer/catch/takes", AgenTestFixture, GINT_TO_POINTER (FALSE),
              agen_test_fixture_setup, test_catch_error_takes, agen_test_fixture_teardown);
  g_test_add ("/producer/catch-error/takes", AgenTestFixture, GINT_TO_POINTER (TRUE),
              agen_test_fixture_setup, test_catch_error_takes, agen_test_fixture_teardown);
  agen_test_add ("/producer/peek-error/does-not-take", test_peek_error_does_not_take);
  agen_test_add ("/producer/typed-yields", test_typed_yields);
  agen_test_add ("/producer/resume-point", test_resume_point);

  agen_test_add ("/producer/macros/count", test_macros_count);
  agen_test_add ("/producer/macros/yield-propagates", test_macros_yield_propagates);
  agen_test_add ("/producer/macros/yield-catch", test_macros_yield_catch);
  agen_test_add ("/producer/macros/yield-catch-no-error", test_macros_yield_catch_no_error);
  agen_test_add ("/producer/macros/await", test_macros_await);
  agen_test_add ("/producer/macros/await-cancel-propagates", test_macros_await_cancel_propagates);
  agen_test_add ("/producer/macros/await-catch", test_macros_await_catch);

  agen_test_add ("/generator/unref/closes-suspended", test_unref_closes_suspended);
  agen_test_add ("/generator/unref/close-may-await", test_unref_close_may_await);
  agen_test_add ("/generator/unref/close-error-warns", test_unref_close_error_warns);
  agen_test_add ("/generator/unref/closes-on-own-context", test_unref_closes_on_own_context);
  agen_test_add ("/generator/unref/close-error-func", test_close_error_func);

  agen_test_add ("/foreach/items", test_foreach_items);
  agen_test_add ("/foreach/raise", test_foreach_raise);
  agen_test_add ("/foreach/stop-closes", test_foreach_stop_closes);
  agen_test_add ("/foreach/stop-close-fails", test_foreach_stop_close_fails);
  agen_test_add ("/foreach/awaiting-body", test_foreach_awaiting_body);
  agen_test_add ("/foreach/finished", test_foreach_finished);
  agen_test_add ("/foreach/cancel-at-await", test_foreach_cancel_at_await);
  agen_test_add ("/foreach/lets-main-loop-run", test_foreach_lets_main_loop_run);

  agen_test_add ("/shutdown/closes-started", test_shutdown_closes_started);
  agen_test_add ("/shutdown/empty", test_shutdown_empty);
  agen_test_add ("/shutdown/concurrent", test_shutdown_concurrent);
  agen_test_add ("/shutdown/first-error", test_shutdown_first_error);
  agen_test_add ("/shutdown/only-this-context", test_shutdown_only_this_context);

  g_test_add ("/context/wrong-context/other", AgenTestFixture, GINT_TO_POINTER (FALSE),
              agen_test_fixture_setup, test_wrong_context, agen_test_fixture_teardown);
  g_test_add ("/context/wrong-context/global-default", AgenTestFixture, GINT_TO_POINTER (TRUE),
              agen_test_fixture_setup, test_wrong_context, agen_test_fixture_teardown);

  g_test_add_func ("/context/default-context-main-loop", test_default_context_main_loop);
  agen_test_add ("/consumer/name", test_name);
  agen_test_add ("/generator/dispatch-body/never-inside-a-call", test_dispatch_body_never_inside_a_call);
  agen_test_add ("/generator/dispatch-body/next-start-pending", test_dispatch_body_next_start_pending);
  agen_test_add ("/generator/dispatch-body/cancel", test_dispatch_body_cancel);
  agen_test_add ("/generator/dispatch-body/foreach", test_dispatch_body_foreach);

  return g_test_run ();
}
