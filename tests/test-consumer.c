/* test-consumer.c: the consumer face
 *
 * docs/reference/semantics.xml, section contract-consumer: what next, send,
 * throw, close, next_start and next_now/send_now finish with, the ready func, the out item, the state and name
 * properties, and the GAsyncResult rules, which AgenTestCall's callback
 * checks at every call: called once, never before _async returned, in the
 * caller's context, with the out item initialised.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* =============================================================== next */

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

/* ========================================================= next_start */

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

/* ============================================================ next_now */

typedef struct
{
  guint n_ready;
  guint n_destroyed;
  AgenGeneratorState state_at_ready;
} ReadyLog;

static void
ready_cb (AgenGenerator *gen,
          gpointer       data)
{
  ReadyLog *log = data;

  log->n_ready++;
  log->state_at_ready = agen_generator_get_state (gen);
}

static void
ready_destroyed (gpointer data)
{
  ReadyLog *log = data;

  log->n_destroyed++;
}

/* An outcome known at once comes back from the call itself: items, the end
 * (with the item a NULL pointer), and the ready func is never called. */
static void
test_next_now_at_once (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2), S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_auto(GValue) item = G_VALUE_INIT;
  ReadyLog log = { 0 };
  GError *error = NULL;

  agen_generator_set_ready_func (gen, ready_cb, &log, ready_destroyed);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_ITEM);
  agen_test_assert_item_int (TRUE, &item, 1);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_ITEM);
  agen_test_assert_item_int (TRUE, &item, 2);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_END);
  agen_test_assert_item_none (&item);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, NULL, &error), ==, AGEN_NOW_END);
  g_assert_no_error (error);

  agen_test_drain ();
  g_assert_cmpuint (log.n_ready, ==, 0);
  g_object_unref (gen);
  g_assert_cmpuint (log.n_destroyed, ==, 1);
}

/* A raise and a refusal fail in the call, with the item initialised. */
static void
test_next_now_failed (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_RAISE (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(GValue) item = G_VALUE_INIT;
  GError *error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_cmpint (agen_generator_next_now (gen, cancellable, &item, &error), ==, AGEN_NOW_FAILED);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_assert_item_none (&item);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  g_assert_cmpuint (s->n_calls, ==, 0);
  g_clear_error (&error);

  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_FAILED);
  g_assert_error (error, AGEN_TEST_ERROR, 3);
  agen_test_assert_item_none (&item);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  g_clear_error (&error);

  g_object_unref (gen);
}

/* An await leaves the next pending: calls in the meantime start nothing,
 * the ready func says when the outcome is there, and the operation holds
 * the generator until it is taken. */
static void
test_next_now_pending (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT, S_YIELD (1), S_AWAIT, S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_auto(GValue) item = G_VALUE_INIT;
  AgenTestCall refused = { 0 };
  ReadyLog log = { 0 };
  GError *error = NULL;

  agen_generator_set_ready_func (gen, ready_cb, &log, ready_destroyed);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_PENDING);
  agen_test_assert_item_none (&item);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_PENDING);
  g_assert_cmpuint (s->n_calls, ==, 1);

  agen_test_start_next (gen, NULL, &refused);
  agen_test_call_wait (&refused);
  g_assert_error (refused.error, G_IO_ERROR, G_IO_ERROR_PENDING);
  agen_test_call_clear (&refused);

  agen_test_gate_leave_open (s->gate);
  agen_test_wait_for_count (&log.n_ready, 1, agen_test_timeout_seconds (5));
  g_assert_cmpint (log.state_at_ready, ==, RUNNING);
  agen_test_drain ();
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  g_assert_cmpuint (log.n_ready, ==, 1);

  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_ITEM);
  g_assert_no_error (error);
  agen_test_assert_item_int (TRUE, &item, 1);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);

  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_PENDING);
  agen_test_wait_for_count (&log.n_ready, 2, agen_test_timeout_seconds (5));
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_END);
  g_assert_no_error (error);
  agen_test_assert_item_none (&item);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);

  g_object_unref (gen);
  g_assert_cmpuint (log.n_destroyed, ==, 1);
  agen_test_script_assert_sane (s);
}

/* The cancellable of the call that started the operation reaches the body
 * at its await. */
static void
test_next_now_cancel_at_await (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT, S_YIELD (1) };
  static const AgenTestStep handler[] = { S_YIELD (5) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT_H (steps, handler);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(GValue) item = G_VALUE_INIT;
  ReadyLog log = { 0 };
  GError *error = NULL;

  agen_generator_set_ready_func (gen, ready_cb, &log, NULL);
  g_assert_cmpint (agen_generator_next_now (gen, cancellable, &item, &error), ==, AGEN_NOW_PENDING);
  g_cancellable_cancel (cancellable);
  agen_test_wait_for_count (&log.n_ready, 1, agen_test_timeout_seconds (5));
  g_assert_cmpint (agen_generator_next_now (gen, cancellable, &item, &error), ==, AGEN_NOW_ITEM);
  g_assert_no_error (error);
  agen_test_assert_item_int (TRUE, &item, 5);
  g_assert_cmpstr (s->log->str, ==, "c:CANCELLED");

  g_object_unref (gen);
}

/* send_now sends as send_async does, refusals included. */
static void
test_send_now (AgenTestFixture *fixture,
               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD_SENT };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_auto(GValue) sent = G_VALUE_INIT;
  g_auto(GValue) item = G_VALUE_INIT;
  GError *error = NULL;

  agen_test_value_init_int (&sent, 42);
  g_assert_cmpint (agen_generator_send_now (gen, &sent, NULL, &item, &error), ==, AGEN_NOW_FAILED);
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_NOT_STARTED);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  g_clear_error (&error);

  g_assert_cmpint (agen_generator_send_now (gen, NULL, NULL, &item, &error), ==, AGEN_NOW_ITEM);
  agen_test_assert_item_int (TRUE, &item, 1);
  g_assert_cmpint (agen_generator_send_now (gen, &sent, NULL, &item, &error), ==, AGEN_NOW_ITEM);
  agen_test_assert_item_int (TRUE, &item, 42);
  g_assert_no_error (error);

  g_object_unref (gen);
}

/* An outcome nobody takes goes with the last reference; a generator that
 * yielded it is then closed on its last unref as any other, and its data
 * freed. */
static void
test_next_now_outcome_dropped (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT, S_YIELD_OBJECT, S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_auto(GValue) item = G_VALUE_INIT;
  ReadyLog log = { 0 };
  gboolean finalized = FALSE;

  agen_test_watch_finalize (gen, &finalized);
  agen_generator_set_ready_func (gen, ready_cb, &log, ready_destroyed);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, NULL), ==, AGEN_NOW_PENDING);
  agen_test_gate_open (s->gate);
  agen_test_wait_for_count (&log.n_ready, 1, agen_test_timeout_seconds (5));
  g_assert_nonnull (s->last_object);

  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_assert_null (s->last_object);
  g_assert_cmpstr (s->log->str, ==, "u:EXIT d1");
  g_assert_cmpuint (log.n_destroyed, ==, 1);
}

/* The typed forms of next_now, in the order of typed_values (). */
typedef enum
{
  TYPED_BOOLEAN,
  TYPED_INT,
  TYPED_INT64,
  TYPED_DOUBLE,
  TYPED_STRING,
  TYPED_OBJECT,
  N_TYPED,
} TypedForm;

/* Takes an item with @form and checks it is @expected (an item of another
 * type leaves the zero value), whatever the status. */
static AgenNowStatus
take_typed (AgenGenerator  *gen,
            TypedForm       form,
            const GValue   *expected,
            GError        **error)
{
  switch (form)
    {
    case TYPED_BOOLEAN:
      g_assert_cmpint (agen_generator_next_boolean_now (gen, NULL, error), ==,
                       expected != NULL && g_value_get_boolean (expected));
      break;
    case TYPED_INT:
      g_assert_cmpint (agen_generator_next_int_now (gen, NULL, error), ==,
                       expected != NULL ? g_value_get_int (expected) : 0);
      break;
    case TYPED_INT64:
      g_assert_cmpint (agen_generator_next_int64_now (gen, NULL, error), ==,
                       expected != NULL ? g_value_get_int64 (expected) : 0);
      break;
    case TYPED_DOUBLE:
      g_assert_cmpfloat (agen_generator_next_double_now (gen, NULL, error), ==,
                         expected != NULL ? g_value_get_double (expected) : 0.0);
      break;
    case TYPED_STRING:
      {
        g_autofree gchar *string = agen_generator_next_string_now (gen, NULL, error);

        g_assert_cmpstr (string, ==, expected != NULL ? g_value_get_string (expected) : NULL);
        break;
      }
    case TYPED_OBJECT:
      {
        g_autoptr(GObject) object = agen_generator_next_object_now (gen, NULL, error);

        g_assert_true (object == (expected != NULL ? g_value_get_object (expected) : NULL));
        break;
      }
    case N_TYPED:
    default:
      g_assert_not_reached ();
    }

  return agen_generator_get_now_status (gen);
}

/* One item of each typed form's type, in the order of TypedForm, then a 0. */
static void
typed_values (GValue   values[N_TYPED + 1],
              GObject *object)
{
  g_value_set_boolean (g_value_init (&values[TYPED_BOOLEAN], G_TYPE_BOOLEAN), TRUE);
  g_value_set_int (g_value_init (&values[TYPED_INT], G_TYPE_INT), -7);
  g_value_set_int64 (g_value_init (&values[TYPED_INT64], G_TYPE_INT64), G_GINT64_CONSTANT (1) << 40);
  g_value_set_double (g_value_init (&values[TYPED_DOUBLE], G_TYPE_DOUBLE), 2.5);
  g_value_set_static_string (g_value_init (&values[TYPED_STRING], G_TYPE_STRING), "typed");
  g_value_set_object (g_value_init (&values[TYPED_OBJECT], G_TYPE_OBJECT), object);
  g_value_set_int (g_value_init (&values[N_TYPED], G_TYPE_INT), 0);
}

static void
typed_values_clear (GValue values[N_TYPED + 1])
{
  for (guint i = 0; i <= N_TYPED; i++)
    g_value_unset (&values[i]);
}

/* Each typed form takes an item of its type as a plain value; any other
 * form finds OTHER_TYPE, returns the zero value and leaves the item, which
 * holds the generator until a call takes it (the right typed form, or
 * next_now). An item that is 0 is told from no item by the status. */
static void
test_next_now_typed (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  GValue values[N_TYPED + 1] = { G_VALUE_INIT };
  g_autoptr(AgenGenerator) gen = NULL;
  g_auto(GValue) item = G_VALUE_INIT;
  GError *error = NULL;

  typed_values (values, object);
  gen = agen_generator_new_values (values, G_N_ELEMENTS (values));
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_PENDING);

  for (TypedForm right = 0; right < N_TYPED; right++)
    {
      for (TypedForm form = 0; form < N_TYPED; form++)
        {
          if (form == right)
            continue;
          g_assert_cmpint (take_typed (gen, form, NULL, &error), ==, AGEN_NOW_OTHER_TYPE);
          g_assert_no_error (error);
          g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
        }
      g_assert_cmpint (take_typed (gen, right, &values[right], &error), ==, AGEN_NOW_ITEM);
      g_assert_no_error (error);
      g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
    }

  g_assert_cmpint (take_typed (gen, TYPED_INT, &values[N_TYPED], &error), ==, AGEN_NOW_ITEM);

  for (TypedForm form = 0; form < N_TYPED; form++)
    {
      g_assert_cmpint (take_typed (gen, form, NULL, &error), ==, AGEN_NOW_END);
      g_assert_no_error (error);
    }
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_END);
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_END);
  g_assert_no_error (error);

  typed_values_clear (values);
}

/* An item of another type is not lost: next_now takes it, as it is, and a
 * refusal meanwhile says the generator is held. One nobody takes goes
 * with the generator, as a pending outcome does. */
static void
test_next_now_other_type (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  GValue values[N_TYPED + 1] = { G_VALUE_INIT };
  AgenGenerator *gen;
  g_auto(GValue) item = G_VALUE_INIT;
  AgenTestCall refused = { 0 };
  gboolean finalized = FALSE;
  GError *error = NULL;

  typed_values (values, object);
  gen = agen_generator_new_values (&values[TYPED_STRING], 2);

  g_assert_cmpint (agen_generator_next_int_now (gen, NULL, &error), ==, 0);
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_OTHER_TYPE);
  agen_test_start_next (gen, NULL, &refused);
  agen_test_call_wait (&refused);
  g_assert_error (refused.error, G_IO_ERROR, G_IO_ERROR_PENDING);
  agen_test_call_clear (&refused);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_ITEM);
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&item), ==, "typed");
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_ITEM);

  g_assert_null (agen_generator_next_string_now (gen, NULL, &error));
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_OTHER_TYPE);
  g_assert_cmpint (object->ref_count, ==, 4);   /* ours, values', the source's, the item's */

  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_assert_cmpint (object->ref_count, ==, 2);   /* the item went, and the source's copy */
  typed_values_clear (values);
  g_assert_cmpint (object->ref_count, ==, 1);
}

/* A raise or a refusal fails the typed form with its error and the zero
 * value; an await leaves it pending, and once the outcome is there a typed
 * form of another type leaves it for next_now. */
static void
test_next_now_typed_failed_and_pending (AgenTestFixture *fixture,
                                        gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT, S_YIELD (1), S_RAISE (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ReadyLog log = { 0 };
  GError *error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (agen_generator_next_string_now (gen, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_FAILED);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);
  g_clear_error (&error);

  agen_generator_set_ready_func (gen, ready_cb, &log, NULL);
  g_assert_cmpint (agen_generator_next_int_now (gen, NULL, &error), ==, 0);
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_PENDING);
  agen_test_gate_leave_open (s->gate);
  agen_test_wait_for_count (&log.n_ready, 1, agen_test_timeout_seconds (5));
  g_assert_cmpfloat (agen_generator_next_double_now (gen, NULL, &error), ==, 0.0);
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_OTHER_TYPE);
  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  g_assert_cmpint (agen_generator_next_int_now (gen, NULL, &error), ==, 1);
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_ITEM);
  g_assert_cmpint (agen_generator_get_state (gen), ==, SUSPENDED);
  g_assert_no_error (error);

  g_assert_false (agen_generator_next_boolean_now (gen, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 3);
  g_assert_cmpint (agen_generator_get_now_status (gen), ==, AGEN_NOW_FAILED);
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  g_clear_error (&error);

  g_object_unref (gen);
  agen_test_script_assert_sane (s);
}

/* The ready func's data goes when it is replaced. */
static void
test_ready_func_replaced (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  ReadyLog first = { 0 };
  ReadyLog second = { 0 };

  agen_generator_set_ready_func (gen, ready_cb, &first, ready_destroyed);
  agen_generator_set_ready_func (gen, ready_cb, &second, ready_destroyed);
  g_assert_cmpuint (first.n_destroyed, ==, 1);
  agen_generator_set_ready_func (gen, NULL, NULL, NULL);
  g_assert_cmpuint (second.n_destroyed, ==, 1);

  g_object_unref (gen);
  g_assert_cmpuint (first.n_destroyed, ==, 1);
  g_assert_cmpuint (second.n_destroyed, ==, 1);
}

/* =============================================================== send */

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

/* ============================================================== throw */

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

/* ======================================================= the out item */

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

/* ================================================== deferred cleanups */

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

/* ============================================================== state */

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

/* ========================================================== callbacks */

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

/* =============================================================== name */

/* Counts the notifications it is connected to. */
static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* The name property: get/set, notified on change only. */
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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/consumer/next/runs-body-at-once", test_next_runs_body_at_once);
  agen_test_add ("/consumer/next/from-callback", test_next_from_callback);
  agen_test_add ("/consumer/next-start/at-once", test_next_start_at_once);
  agen_test_add ("/consumer/next-start/refused", test_next_start_refused);
  agen_test_add ("/consumer/next-now/at-once", test_next_now_at_once);
  agen_test_add ("/consumer/next-now/failed", test_next_now_failed);
  agen_test_add ("/consumer/next-now/pending", test_next_now_pending);
  agen_test_add ("/consumer/next-now/cancel-at-await", test_next_now_cancel_at_await);
  agen_test_add ("/consumer/next-now/outcome-dropped-on-last-unref", test_next_now_outcome_dropped);
  agen_test_add ("/consumer/next-now/ready-func-replaced", test_ready_func_replaced);
  agen_test_add ("/consumer/next-now/typed/each-type", test_next_now_typed);
  agen_test_add ("/consumer/next-now/typed/other-type", test_next_now_other_type);
  agen_test_add ("/consumer/next-now/typed/failed-and-pending", test_next_now_typed_failed_and_pending);
  agen_test_add ("/consumer/send-now", test_send_now);
  agen_test_add ("/consumer/send/null-pointer-value-is-a-value",
                 test_send_null_pointer_value_is_a_value);
  agen_test_add ("/consumer/send/null-is-next", test_send_null_is_next);
  agen_test_add ("/consumer/throw/exit-is-plain/caught-yields", test_throw_exit_caught_yields);
  agen_test_add ("/consumer/throw/exit-is-plain/uncaught", test_throw_exit_uncaught);
  agen_test_add ("/consumer/item/initialised-on-false", test_item_initialised_on_false);
  agen_test_add ("/consumer/item/prefilled-is-unset", test_item_prefilled_is_unset);
  agen_test_add ("/consumer/defer/lifo-before-callback/return", test_defer_lifo_on_return);
  agen_test_add ("/consumer/defer/lifo-before-callback/raise", test_defer_lifo_on_raise);
  agen_test_add ("/consumer/defer/lifo-before-callback/after-await", test_defer_lifo_after_await);
  agen_test_add ("/consumer/state/notify", test_state_notify);
  agen_test_add ("/consumer/state/close-unstarted", test_state_close_unstarted);
  agen_test_add ("/consumer/callback/never-before-async-returns",
                 test_callbacks_never_before_return);
  agen_test_add ("/consumer/name", test_name);

  return g_test_run ();
}
