/* test-emitter.c: producers written as async functions and as threads
 *
 * docs/reference/semantics.xml, section contract-emitter: an emit completes
 * at the consumer's next operation with the value sent, or fails with what
 * it threw in (AGEN_ERROR_EXIT on close); a producer that emits again after
 * the exit makes the close fail with IGNORED_EXIT; a cancellation reaches
 * the producer's cancellable; bad input gets a clear error. Each test runs
 * with an asynchronous producer (agen_generator_new_async) and a producer
 * thread (agen_generator_new_threaded), driven by the same plan, and both
 * must agree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"
#include "agen-tsan-private.h"

typedef enum
{
  KIND_ASYNC,
  KIND_THREAD,
} Kind;

static const Kind kind_async = KIND_ASYNC;
static const Kind kind_thread = KIND_THREAD;

/* What the producer does at an error from an emit. */
typedef enum
{
  ON_ERROR_PROPAGATE,
  ON_ERROR_RETURN,          /* cleans up and returns */
  ON_ERROR_EMIT_AGAIN,      /* emits 99 once (ignores an exit), then propagates */
  ON_ERROR_RAISE_OTHER,     /* fails with E9 */
} OnError;

typedef enum
{
  ACT_EMIT,
  ACT_RETURN,
  ACT_FAIL,
} Act;

/* The producer of every test, the same for both kinds. Its log is written
 * by the producer (maybe in its thread) and read by the test. */
typedef struct
{
  gint n;                   /* emits 1..n */
  gint fail_after;          /* fails with E7 after this many emits; 0: never */
  gint wait_before;         /* before emitting this item, waits for a cancellation */
  OnError on_error;
  guint buffer_size;
  gboolean keep_emitter;    /* to misuse it after the end */

  GMutex lock;
  GString *log;
  gint i;
  gboolean destroyed;
  AgenEmitter *emitter;     /* the last one, to misuse */
  AgenTestGate *gate;
} Plan;

/* The plan's lock is told to ThreadSanitizer as the library's is
 * (agen-tsan-private.h): GMutex is invisible to it. */

static void
plan_lock (Plan *plan)
{
  g_mutex_lock (&plan->lock);
  __tsan_acquire (&plan->lock);
}

static void
plan_unlock (Plan *plan)
{
  __tsan_release (&plan->lock);
  g_mutex_unlock (&plan->lock);
}

static void
plan_init (Plan *plan)
{
  memset (plan, 0, sizeof *plan);
  g_mutex_init (&plan->lock);
  plan->log = g_string_new (NULL);
  plan->gate = agen_test_gate_new ();
}

static void
plan_clear (Plan *plan)
{
  g_string_free (plan->log, TRUE);
  g_clear_object (&plan->emitter);
  g_clear_object (&plan->gate);
  g_mutex_clear (&plan->lock);
}

static void
plan_destroy (gpointer data)
{
  Plan *plan = data;

  plan_lock (plan);
  plan->destroyed = TRUE;
  plan_unlock (plan);
}

static void
plan_log (Plan       *plan,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
plan_log (Plan       *plan,
          const char *format,
          ...)
{
  va_list args;

  plan_lock (plan);
  if (plan->log->len > 0)
    g_string_append_c (plan->log, ' ');
  va_start (args, format);
  g_string_append_vprintf (plan->log, format, args);
  va_end (args);
  plan_unlock (plan);
}

static char *
plan_dup_log (Plan *plan)
{
  char *log;

  plan_lock (plan);
  log = g_strdup (plan->log->str);
  plan_unlock (plan);
  return log;
}

static gboolean
plan_is_destroyed (Plan *plan)
{
  gboolean destroyed;

  plan_lock (plan);
  destroyed = plan->destroyed;
  plan_unlock (plan);
  return destroyed;
}

#define assert_log(plan, expected)                \
  G_STMT_START {                                  \
    g_autofree char *log_ = plan_dup_log (plan);  \
    g_assert_cmpstr (log_, ==, (expected));       \
  } G_STMT_END

static Act
plan_next_item (Plan  *plan,
                gint  *item)
{
  if (plan->i == plan->n)
    {
      plan_log (plan, "cleanup");
      return ACT_RETURN;
    }
  plan_lock (plan);
  *item = ++plan->i;
  plan_unlock (plan);
  return ACT_EMIT;
}

static Act
plan_start (Plan *plan,
            gint *item)
{
  plan_log (plan, "start");
  return plan_next_item (plan, item);
}

/* What the producer does after an emit ended with @sent or @error. */
static Act
plan_step (Plan          *plan,
           const GValue  *sent,
           GError        *error,
           gint          *item,
           GError       **failure)
{
  if (error != NULL)
    {
      plan_log (plan, "caught %s", agen_test_error_name (error));
      switch (plan->on_error)
        {
        case ON_ERROR_PROPAGATE:
          g_propagate_error (failure, error);
          return ACT_FAIL;
        case ON_ERROR_RETURN:
          g_error_free (error);
          plan_log (plan, "cleanup");
          return ACT_RETURN;
        case ON_ERROR_EMIT_AGAIN:
          g_error_free (error);
          plan->on_error = ON_ERROR_PROPAGATE;
          *item = 99;
          return ACT_EMIT;
        case ON_ERROR_RAISE_OTHER:
          g_error_free (error);
          g_propagate_error (failure, agen_test_error_new (9));
          return ACT_FAIL;
        }
      g_assert_not_reached ();
    }

  if (sent != NULL && G_VALUE_HOLDS_INT (sent))
    plan_log (plan, "sent %d", g_value_get_int (sent));
  if (plan->i == plan->fail_after)
    {
      g_propagate_error (failure, agen_test_error_new (7));
      return ACT_FAIL;
    }
  return plan_next_item (plan, item);
}

/* ------------------------------------------------------ the async producer */

static void async_act (GTask *task, Act act, gint item, GError *failure);

static void
async_emitted (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Plan *plan = g_task_get_task_data (task);
  GValue sent = G_VALUE_INIT;
  GError *error = NULL;
  GError *failure = NULL;
  gint item = 0;
  Act act;

  agen_emitter_emit_finish (AGEN_EMITTER (source_object), result, &sent, &error);
  act = plan_step (plan, &sent, error, &item, &failure);
  g_value_unset (&sent);
  async_act (task, act, item, failure);
}

static void
async_emit (GTask *task,
            gint   item)
{
  GValue value = G_VALUE_INIT;

  g_value_set_int (g_value_init (&value, G_TYPE_INT), item);
  agen_emitter_emit_async (g_task_get_source_object (task), &value, NULL, async_emitted, task);
  g_value_unset (&value);
}

static void
async_waited (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Plan *plan = g_task_get_task_data (task);
  GError *error = NULL;

  if (!agen_test_gate_wait_finish (AGEN_TEST_GATE (source_object), result, &error))
    {
      plan_log (plan, "caught %s", agen_test_error_name (error));
      async_act (task, ACT_FAIL, 0, error);
      return;
    }
  async_emit (task, plan->i);
}

static void
async_act (GTask  *task,
           Act     act,
           gint    item,
           GError *failure)
{
  Plan *plan = g_task_get_task_data (task);

  switch (act)
    {
    case ACT_EMIT:
      if (item == plan->wait_before)
        agen_test_gate_wait_async (plan->gate, g_task_get_cancellable (task), async_waited, task);
      else
        async_emit (task, item);
      return;
    case ACT_RETURN:
      g_task_return_boolean (task, TRUE);
      break;
    case ACT_FAIL:
      g_task_return_error (task, failure);
      break;
    }
  g_object_unref (task);
}

static void
async_produce (AgenEmitter         *emitter,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             callback_data,
               gpointer             user_data)
{
  Plan *plan = user_data;
  GTask *task = g_task_new (emitter, cancellable, callback, callback_data);
  gint item = 0;
  Act act;

  if (plan->keep_emitter)
    g_set_object (&plan->emitter, emitter);
  g_task_set_task_data (task, plan, NULL);
  act = plan_start (plan, &item);
  async_act (task, act, item, NULL);
}

static gboolean
async_produce_finish (AgenEmitter   *emitter,
                      GAsyncResult  *result,
                      gpointer       user_data,
                      GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ----------------------------------------------------- the thread producer */

static gboolean
thread_wait_for_cancel (GCancellable  *cancellable,
                        GError       **error)
{
  while (!g_cancellable_set_error_if_cancelled (cancellable, error))
    g_usleep (1000);
  return FALSE;
}

static gboolean
thread_produce (AgenEmitter   *emitter,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  Plan *plan = user_data;
  gint item = 0;
  Act act;

  plan_lock (plan);
  if (plan->keep_emitter)
    g_set_object (&plan->emitter, emitter);
  plan_unlock (plan);
  agen_emitter_set_buffer_size (emitter, plan->buffer_size);

  for (act = plan_start (plan, &item); act == ACT_EMIT;)
    {
      GValue value = G_VALUE_INIT;
      GValue sent = G_VALUE_INIT;
      GError *emit_error = NULL;

      if (item == plan->wait_before && !thread_wait_for_cancel (cancellable, error))
        {
          plan_log (plan, "caught %s", agen_test_error_name (*error));
          return FALSE;
        }
      g_value_set_int (g_value_init (&value, G_TYPE_INT), item);
      agen_emitter_emit (emitter, &value, NULL, &sent, &emit_error);
      act = plan_step (plan, &sent, emit_error, &item, error);
      g_value_unset (&sent);
      g_value_unset (&value);
    }
  return act == ACT_RETURN;
}

static AgenGenerator *
plan_generator (Plan       *plan,
                const Kind *kind)
{
  if (*kind == KIND_ASYNC)
    return agen_generator_new_async (async_produce, async_produce_finish, plan, plan_destroy);
  return agen_generator_new_threaded (thread_produce, plan, plan_destroy);
}

/* Waits until the generator is gone and the producer let go of its data. */
static void
wait_for_destroyed (Plan *plan)
{
  gint64 deadline = g_get_monotonic_time () + agen_test_timeout_seconds (10) * G_USEC_PER_SEC;

  while (!plan_is_destroyed (plan))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (g_main_context_get_thread_default (), FALSE);
      g_usleep (500);
    }
}

/* ====================================================== the PEP 525 table */

/* Semantics: the producer starts at the first operation; each emit is an
 * item; its return ends the generator. */
static void
test_items_then_end (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;

  plan_init (&plan);
  plan.n = 3;
  gen = plan_generator (&plan, data);
  agen_test_iterate_ms (5);
  assert_log (&plan, "");

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_int (gen, 2);
  agen_test_assert_next_int (gen, 3);
  agen_test_assert_next_end (gen);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (gen);
  assert_log (&plan, "start cleanup");

  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

/* Semantics: asend(v) completes the pending emit with v. */
static void
test_send_reaches_emit (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  plan_init (&plan);
  plan.n = 3;
  gen = plan_generator (&plan, data);

  agen_test_assert_next_int (gen, 1);
  agen_test_value_init_int (&v, 5);
  g_assert_true (agen_test_send (gen, &v, NULL, &item, &error));
  g_assert_no_error (error);
  agen_test_assert_item_int (TRUE, &item, 2);
  g_value_unset (&item);
  assert_log (&plan, "start sent 5");

  g_value_unset (&v);
  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

/* Semantics: a value sent before the start is refused (NOT_STARTED) and
 * the producer is not started. */
static void
test_send_not_started (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  GValue v = G_VALUE_INIT;
  GError *error = NULL;

  plan_init (&plan);
  plan.n = 1;
  gen = plan_generator (&plan, data);

  agen_test_value_init_int (&v, 5);
  g_assert_false (agen_test_send (gen, &v, NULL, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_NOT_STARTED);
  g_clear_error (&error);
  assert_log (&plan, "");
  agen_test_assert_next_int (gen, 1);

  g_value_unset (&v);
  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

/* Semantics: athrow(E) fails the pending emit with E; uncaught, the throw
 * fails with E and the generator is finished. */
static void
test_throw_uncaught (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  g_autoptr(GError) thrown = agen_test_error_new (3);
  GError *error = NULL;

  plan_init (&plan);
  plan.n = 3;
  gen = plan_generator (&plan, data);

  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_throw (gen, thrown, NULL, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 3);
  g_clear_error (&error);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
  assert_log (&plan, "start caught E3");
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

/* Semantics: athrow(E) caught, and the producer returns → FALSE, no error;
 * caught and another error raised → that error. */
static void
test_throw_caught (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  for (OnError on_error = ON_ERROR_RETURN; on_error <= ON_ERROR_RAISE_OTHER; on_error += 2)
    {
      Plan plan;
      AgenGenerator *gen;
      g_autoptr(GError) thrown = agen_test_error_new (3);
      GError *error = NULL;
      gboolean ret;

      plan_init (&plan);
      plan.n = 3;
      plan.on_error = on_error;
      gen = plan_generator (&plan, data);

      agen_test_assert_next_int (gen, 1);
      ret = agen_test_throw (gen, thrown, NULL, NULL, &error);
      g_assert_false (ret);
      if (on_error == ON_ERROR_RETURN)
        {
          g_assert_no_error (error);
          assert_log (&plan, "start caught E3 cleanup");
        }
      else
        {
          g_assert_error (error, AGEN_TEST_ERROR, 9);
          g_clear_error (&error);
          assert_log (&plan, "start caught E3");
        }
      g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);

      g_object_unref (gen);
      wait_for_destroyed (&plan);
      plan_clear (&plan);
    }
}

/* Semantics: aclose() fails the pending emit with EXIT; the producer's
 * cleanup runs there; propagating or returning is a clean close. */
static void
test_close_at_emit (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  for (OnError on_error = ON_ERROR_PROPAGATE; on_error <= ON_ERROR_RETURN; on_error++)
    {
      Plan plan;
      AgenGenerator *gen;
      GError *error = NULL;

      plan_init (&plan);
      plan.n = 3;
      plan.on_error = on_error;
      gen = plan_generator (&plan, data);

      agen_test_assert_next_int (gen, 1);
      g_assert_true (agen_test_close (gen, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
      assert_log (&plan, on_error == ON_ERROR_RETURN ? "start caught EXIT cleanup" : "start caught EXIT");

      g_object_unref (gen);
      wait_for_destroyed (&plan);
      plan_clear (&plan);
    }
}

/* Semantics: a producer that catches EXIT and emits again makes the close
 * fail with IGNORED_EXIT (CPython's "async generator ignored
 * GeneratorExit"); the item is dropped. */
static void
test_close_ignored_exit (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  GError *error = NULL;

  plan_init (&plan);
  plan.n = 3;
  plan.on_error = ON_ERROR_EMIT_AGAIN;
  gen = plan_generator (&plan, data);

  agen_test_assert_next_int (gen, 1);
  g_assert_false (agen_test_close (gen, NULL, &error));
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT);
  g_clear_error (&error);
  assert_log (&plan, "start caught EXIT");

  /* A next resumes it after its emit of 99: the producer goes on. */
  agen_test_assert_next_int (gen, 2);

  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

/* Semantics: a producer that fails fails the operation; the generator is
 * finished. */
static void
test_producer_fails (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;

  plan_init (&plan);
  plan.n = 3;
  plan.fail_after = 2;
  gen = plan_generator (&plan, data);

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_int (gen, 2);
  agen_test_assert_next_error (gen, AGEN_TEST_ERROR, 7);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

/* Semantics: a cancellation of the consumer's operation while the producer
 * awaits (or blocks) cancels the producer's cancellable; a producer that
 * fails with it fails the operation with CANCELLED. */
static void
test_cancel_reaches_producer (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  plan_init (&plan);
  plan.n = 3;
  plan.wait_before = 2;
  gen = plan_generator (&plan, data);

  agen_test_assert_next_int (gen, 1);
  agen_test_call_init (&call);
  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (20);
  g_assert_false (call.done);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (call.ret);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
  assert_log (&plan, "start caught CANCELLED");
  agen_test_call_clear (&call);

  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

/* Semantics: the last reference dropped while the producer waits in an
 * emit closes the generator: the producer hears EXIT, its data is
 * released, nothing leaks (the thread ends). */
static void
test_last_unref_at_emit (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  gboolean finalized = FALSE;

  plan_init (&plan);
  plan.n = 3;
  plan.on_error = ON_ERROR_RETURN;
  gen = plan_generator (&plan, data);
  agen_test_watch_finalize (gen, &finalized);

  agen_test_assert_next_int (gen, 1);
  g_object_unref (gen);
  wait_for_destroyed (&plan);
  agen_test_wait_for (&finalized);
  assert_log (&plan, "start caught EXIT cleanup");

  plan_clear (&plan);
}

/* Semantics: agen_shutdown_async() closes generators whose producers wait
 * in an emit. */
static void
test_shutdown (AgenTestFixture *fixture,
               gconstpointer    data)
{
  Plan plans[3];
  AgenGenerator *gens[3];
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (plans); i++)
    {
      plan_init (&plans[i]);
      plans[i].n = 5;
      plans[i].on_error = ON_ERROR_RETURN;
      gens[i] = plan_generator (&plans[i], data);
      agen_test_assert_next_int (gens[i], 1);
    }

  g_assert_true (agen_test_shutdown (NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (plans); i++)
    {
      g_assert_cmpint (agen_generator_get_state (gens[i]), ==, AGEN_GENERATOR_STATE_FINISHED);
      assert_log (&plans[i], "start caught EXIT cleanup");
      g_object_unref (gens[i]);
      wait_for_destroyed (&plans[i]);
      plan_clear (&plans[i]);
    }
}

/* ============================================================ bad input */

/* Semantics: an emit after the producer finished fails with CLOSED. */
static void
test_emit_after_return (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  GError *error = NULL;

  plan_init (&plan);
  plan.keep_emitter = TRUE;
  plan.n = 1;
  gen = plan_generator (&plan, data);

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_end (gen);
  g_assert_nonnull (plan.emitter);

  if (*(const Kind *) data == KIND_THREAD)
    {
      /* From a thread of the test's own: the producer's is gone. */
      g_assert_false (agen_emitter_emit_int (plan.emitter, 5, NULL, &error));
    }
  else
    {
      GAsyncResult *result = NULL;

      agen_emitter_emit_int_async (plan.emitter, 5, NULL, agen_test_store_result, &result);
      agen_test_wait_for_result (&result);
      g_assert_false (agen_emitter_emit_int_finish (plan.emitter, result, &error));
      g_object_unref (result);
    }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);

  g_object_unref (gen);
  plan_clear (&plan);
}

/* Semantics: a second emit while one is pending is a programmer error: a
 * critical, and the second fails with PENDING; the first is unharmed. */
static void
test_emit_while_pending (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  GAsyncResult *result = NULL;
  GError *error = NULL;

  plan_init (&plan);
  plan.keep_emitter = TRUE;
  plan.n = 3;
  gen = agen_generator_new_async (async_produce, async_produce_finish, &plan, plan_destroy);

  agen_test_assert_next_int (gen, 1);
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*an emit is already pending*");
  agen_emitter_emit_int_async (plan.emitter, 5, NULL, agen_test_store_result, &result);
  g_test_assert_expected_messages ();
  agen_test_wait_for_result (&result);
  g_assert_false (agen_emitter_emit_int_finish (plan.emitter, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  g_object_unref (result);

  agen_test_assert_next_int (gen, 2);

  g_assert_true (agen_test_close (gen, NULL, NULL));
  g_object_unref (gen);
  plan_clear (&plan);
}

/* Semantics: the blocking emit belongs to producer threads: an async
 * producer calling it gets a critical and NOT_SUPPORTED, never a hang. */
static void
test_blocking_emit_from_async (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  GError *error = NULL;

  plan_init (&plan);
  plan.keep_emitter = TRUE;
  plan.n = 3;
  gen = agen_generator_new_async (async_produce, async_produce_finish, &plan, plan_destroy);

  agen_test_assert_next_int (gen, 1);
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*only a producer thread*");
  g_assert_false (agen_emitter_emit_int (plan.emitter, 5, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  g_assert_true (agen_test_close (gen, NULL, NULL));
  g_object_unref (gen);
  plan_clear (&plan);
}

/* Semantics: the asynchronous emit belongs to asynchronous producers: one
 * made to a producer thread's emitter (it would complete in the consumer's
 * thread) gets a critical and NOT_SUPPORTED, and the thread is unharmed. */
static void
test_async_emit_to_thread (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  GAsyncResult *result = NULL;
  GError *error = NULL;

  plan_init (&plan);
  plan.keep_emitter = TRUE;
  plan.n = 2;
  gen = plan_generator (&plan, &kind_thread);

  agen_test_assert_next_int (gen, 1);
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*only an asynchronous producer*");
  agen_emitter_emit_int_async (plan.emitter, 5, NULL, agen_test_store_result, &result);
  g_test_assert_expected_messages ();
  agen_test_wait_for_result (&result);
  g_assert_false (agen_emitter_emit_int_finish (plan.emitter, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_object_unref (result);

  agen_test_assert_next_int (gen, 2);
  agen_test_assert_next_end (gen);
  g_object_unref (gen);
  plan_clear (&plan);
}

/* An asynchronous producer as GIO code writes one: a GTask, and a
 * function that makes the next emit, called again from each emit's
 * callback. The producer's data starts with it. */
typedef struct
{
  void (*emit_next) (GTask *task);
} TaskProducer;

static void
task_producer_emitted (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  TaskProducer *producer = g_task_get_task_data (task);
  GError *error = NULL;

  if (!agen_emitter_emit_finish (AGEN_EMITTER (source_object), result, NULL, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  producer->emit_next (task);
}

static void
task_producer_produce (AgenEmitter         *emitter,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             callback_data,
                       gpointer             user_data)
{
  GTask *task = g_task_new (emitter, cancellable, callback, callback_data);
  TaskProducer *producer = user_data;

  g_task_set_task_data (task, producer, NULL);
  producer->emit_next (task);
}

static gboolean
task_producer_finish (AgenEmitter   *emitter,
                      GAsyncResult  *result,
                      gpointer       user_data,
                      GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* An asynchronous producer of items of every kind, one after the other:
 * each emit reuses (or replaces) the slot the item before was yielded
 * from. */
typedef struct
{
  TaskProducer producer;
  guint i;
  GObject *object;
} Medley;

static void
medley_emit_next (GTask *task)
{
  Medley *medley = g_task_get_task_data (task);
  AgenEmitter *emitter = g_task_get_source_object (task);
  GValue value = G_VALUE_INIT;

  switch (medley->i++)
    {
    case 0:
      agen_emitter_emit_int_async (emitter, 1, NULL, task_producer_emitted, task);
      break;
    case 1:
      agen_emitter_emit_int_async (emitter, 2, NULL, task_producer_emitted, task);
      break;
    case 2:
      agen_emitter_emit_string_async (emitter, "three", NULL, task_producer_emitted, task);
      break;
    case 3:
      agen_emitter_emit_object_async (emitter, medley->object, NULL, task_producer_emitted, task);
      break;
    case 4:
      agen_emitter_emit_async (emitter, NULL, NULL, task_producer_emitted, task);
      break;
    case 5:
      g_value_set_double (g_value_init (&value, G_TYPE_DOUBLE), 6.5);
      agen_emitter_emit_async (emitter, &value, NULL, task_producer_emitted, task);
      g_value_unset (&value);
      break;
    case 6:
      agen_emitter_emit_string_async (emitter, NULL, NULL, task_producer_emitted, task);
      break;
    case 7:
      agen_emitter_emit_string_async (emitter, "eight", NULL, task_producer_emitted, task);
      break;
    case 8:
      agen_emitter_emit_object_async (emitter, NULL, NULL, task_producer_emitted, task);
      break;
    default:
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      break;
    }
}

static void
medley_describe (GString      *log,
                 const GValue *item)
{
  g_autofree char *text = NULL;

  if (G_VALUE_HOLDS_OBJECT (item))
    text = g_strdup (g_value_get_object (item) != NULL ? G_VALUE_TYPE_NAME (item) : "no-object");
  else
    text = agen_test_value_to_string (item);
  if (log->len > 0)
    g_string_append_c (log, ' ');
  g_string_append (log, text);
}

static gboolean
medley_collect (AgenGenerator *generator,
                const GValue  *item,
                gpointer       log)
{
  medley_describe (log, item);
  return TRUE;
}

typedef enum
{
  BY_FOREACH,          /* reads each item in place */
  BY_NEXT,             /* takes each item */
  BY_COMBINATOR,       /* a combinator takes each item into its yield slot */
  N_CONSUMERS
} Consumer;

/* Semantics: every item arrives as it was emitted, whatever the kind of
 * the item before, read in place (foreach), taken (next) or taken into a
 * combinator's yield slot (take's pull); none leaks. */
static void
test_async_items_of_every_kind (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  static const char expected[] = "1 2 three GCancellable none 6.500000 (null) eight no-object";

  for (Consumer consumer = 0; consumer < N_CONSUMERS; consumer++)
    {
      Medley medley = { { medley_emit_next }, 0, G_OBJECT (g_cancellable_new ()) };
      g_autoptr(GString) log = g_string_new (NULL);
      AgenGenerator *gen = agen_generator_new_async (task_producer_produce, task_producer_finish, &medley, NULL);
      gboolean object_finalized = FALSE;

      agen_test_watch_finalize (medley.object, &object_finalized);
      if (consumer == BY_NEXT)
        {
          GValue item = G_VALUE_INIT;
          GError *error = NULL;

          while (agen_test_next (gen, NULL, &item, &error))
            {
              medley_describe (log, &item);
              g_value_unset (&item);
            }
          g_assert_no_error (error);
        }
      else
        {
          g_autoptr(AgenGenerator) take = consumer == BY_COMBINATOR ? agen_generator_take (gen, 100) : NULL;
          AgenTestCall call;

          agen_test_call_init (&call);
          agen_test_start_foreach (take != NULL ? take : gen, medley_collect, log, NULL, NULL, &call);
          agen_test_call_wait (&call);
          g_assert_no_error (call.error);
          agen_test_call_clear (&call);
        }
      g_assert_cmpstr (log->str, ==, expected);

      g_object_unref (gen);
      g_object_unref (medley.object);
      agen_test_wait_for (&object_finalized);
    }
}

typedef struct
{
  TaskProducer producer;
  gboolean finalized[3];
  guint n_emitted;
  GTask *paused;               /* the producer's task, once it waits */
} Paused;

/* Emits three new objects, one after the other, then waits for something
 * slow (until called again with the task in paused); then ends. */
static void
paused_emit_next (GTask *task)
{
  Paused *paused = g_task_get_task_data (task);
  AgenEmitter *emitter = g_task_get_source_object (task);
  g_autoptr(GObject) object = NULL;

  if (paused->n_emitted == G_N_ELEMENTS (paused->finalized))
    {
      if (paused->paused == NULL)
        {
          paused->paused = task;
          return;
        }
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  object = g_object_new (G_TYPE_OBJECT, NULL);
  agen_test_watch_finalize (object, &paused->finalized[paused->n_emitted++]);
  agen_emitter_emit_object_async (emitter, object, NULL, task_producer_emitted, task);
}

typedef struct
{
  guint n_items;
  AgenGenerator *generator;    /* the body takes the next item over: see below */
} Counted;

/* Counts, and at the first item turns dispatch-body on and off: the
 * generator's next next is a body call (as it is after any wait), its
 * item left in the yield slot, and the items after it come without the
 * body again. */
static gboolean
count_items_body_once (AgenGenerator *generator,
                       const GValue  *item,
                       gpointer       user_data)
{
  Counted *counted = user_data;

  if (counted->n_items++ == 0 && counted->generator != NULL)
    {
      agen_generator_set_dispatch_body (counted->generator, TRUE);
      agen_generator_set_dispatch_body (counted->generator, FALSE);
    }
  return TRUE;
}

/* Semantics: while an asynchronous producer waits for something, the
 * generator keeps no item the consumer has taken but the last one yielded
 * (foreach reads it in place): an item two behind is not held for the
 * wait, also when the body yielded one of them itself. */
static void
test_async_consumed_items_not_kept (AgenTestFixture *fixture,
                                    gconstpointer    data)
{
  for (guint body_once = 0; body_once < 2; body_once++)
    {
      Paused paused = { { paused_emit_next } };
      AgenGenerator *gen = agen_generator_new_async (task_producer_produce, task_producer_finish, &paused, NULL);
      Counted counted = { 0, body_once ? gen : NULL };
      AgenTestCall call;

      agen_test_call_init (&call);
      agen_test_start_foreach (gen, count_items_body_once, &counted, NULL, NULL, &call);
      while (paused.paused == NULL)
        g_main_context_iteration (fixture->context, TRUE);
      g_assert_cmpuint (counted.n_items, ==, 3);
      g_assert_true (paused.finalized[0]);
      g_assert_true (paused.finalized[1]);

      paused_emit_next (paused.paused);
      agen_test_call_wait (&call);
      g_assert_no_error (call.error);
      agen_test_call_clear (&call);
      g_object_unref (gen);
      g_assert_true (paused.finalized[2]);
    }
}

/* An asynchronous producer of the integers 0 .. n-1, which records how
 * deep in the stack its callbacks run and, when asked to, checks that each
 * runs from a body source of its own. */
typedef struct
{
  TaskProducer producer;
  guint i;
  guint n;
  gboolean in_body_source;     /* each callback must run from a "[agen] body" of its own */
  guint n_outside_body_source;
  guint last_source_id;
  guintptr lowest_frame;
  guintptr highest_frame;
} Counting;

static void
counting_emit_next (GTask *task)
{
  Counting *counting = g_task_get_task_data (task);
  guintptr frame = (guintptr) __builtin_frame_address (0);
  GSource *source = g_main_current_source ();

  counting->lowest_frame = MIN (counting->lowest_frame, frame);
  counting->highest_frame = MAX (counting->highest_frame, frame);
  if (counting->in_body_source &&
      (source == NULL || g_strcmp0 (g_source_get_name (source), "[agen] body") != 0 ||
       g_source_get_id (source) == counting->last_source_id))
    counting->n_outside_body_source++;
  if (source != NULL)
    counting->last_source_id = g_source_get_id (source);

  if (counting->i == counting->n)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  agen_emitter_emit_int_async (g_task_get_source_object (task), (gint) counting->i++, NULL,
                               task_producer_emitted, task);
}

static void
counting_init (Counting *counting,
               guint     n)
{
  *counting = (Counting) { { counting_emit_next }, 0, n, FALSE, 0, 0, G_MAXSIZE, 0 };
}

typedef struct
{
  guint n_items;
  gboolean in_order;
  guint dispatch_body_after;   /* sets the generator's dispatch-body after this many; 0: never */
  AgenGenerator *generator;
  Counting *producer;          /* told to check its callbacks from then on */
} Tally;

static gboolean
tally_item (AgenGenerator *generator,
            const GValue  *item,
            gpointer       user_data)
{
  Tally *tally = user_data;

  if (g_value_get_int (item) != (gint) tally->n_items)
    tally->in_order = FALSE;
  if (++tally->n_items == tally->dispatch_body_after)
    {
      agen_generator_set_dispatch_body (tally->generator, TRUE);
      tally->producer->in_body_source = TRUE;
    }
  return TRUE;
}

/* Semantics: an asynchronous producer that emits each item from the
 * callback of the one before, a million times, neither grows the stack
 * from one item to the next (the callback returns before its item is
 * yielded) nor loses or reorders an item, whether foreach reads the items
 * in place or a combinator takes them; the ASan build checks the stack as
 * well. Under valgrind, a tenth of the items. */
static void
test_async_many_items (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  guint n = agen_test_timeout_seconds (1) > 1 ? 100000 : 1000000;

  for (Consumer consumer = BY_FOREACH; consumer <= BY_COMBINATOR; consumer += BY_COMBINATOR - BY_FOREACH)
    {
      Counting counting;
      Tally tally = { 0, TRUE, 0, NULL, NULL };
      AgenGenerator *gen;
      g_autoptr(AgenGenerator) take = NULL;
      AgenTestCall call;

      counting_init (&counting, n);
      gen = agen_generator_new_async (task_producer_produce, task_producer_finish, &counting, NULL);
      if (consumer == BY_COMBINATOR)
        take = agen_generator_take (gen, G_MAXUINT);

      agen_test_call_init (&call);
      agen_test_start_foreach (take != NULL ? take : gen, tally_item, &tally, NULL, NULL, &call);
      agen_test_call_wait (&call);
      g_assert_no_error (call.error);
      agen_test_call_clear (&call);

      g_assert_cmpuint (tally.n_items, ==, n);
      g_assert_true (tally.in_order);
      g_assert_cmpuint (counting.highest_frame - counting.lowest_frame, <, 64 * 1024);
      g_object_unref (gen);
    }
}

/* Semantics (#AgenGenerator:dispatch-body): no body call runs inside a
 * call the consumer made, and an asynchronous producer's callbacks are the
 * body's code: they run from the body's source too, also when the
 * property is set while foreach runs. */
static void
test_async_dispatch_body (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  for (guint set_while_running = 0; set_while_running < 2; set_while_running++)
    {
      Counting counting;
      Tally tally = { 0, TRUE, set_while_running ? 3 : 0, NULL, &counting };
      AgenGenerator *gen;
      AgenTestCall call;

      counting_init (&counting, 10);
      gen = agen_generator_new_async (task_producer_produce, task_producer_finish, &counting, NULL);
      tally.generator = gen;
      if (!set_while_running)
        {
          agen_generator_set_dispatch_body (gen, TRUE);
          counting.in_body_source = TRUE;
        }

      agen_test_call_init (&call);
      agen_test_start_foreach (gen, tally_item, &tally, NULL, NULL, &call);
      agen_test_call_wait (&call);
      g_assert_no_error (call.error);
      agen_test_call_clear (&call);

      g_assert_cmpuint (tally.n_items, ==, 10);
      g_assert_true (tally.in_order);
      g_assert_cmpuint (counting.n_outside_body_source, ==, 0);
      g_object_unref (gen);
    }
}

/* ============================================================= threads */

/* Semantics: with a buffer, the producer runs ahead by at most that many
 * items; every item arrives, in order. */
static void
test_thread_buffer (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  gint64 deadline;

  plan_init (&plan);
  plan.n = 1000;
  plan.buffer_size = 64;
  gen = agen_generator_new_threaded (thread_produce, &plan, plan_destroy);

  agen_test_assert_next_int (gen, 1);
  /* The producer fills the buffer, then waits in the emit that overfills
   * it: 64 + 1 items emitted, or 1 more when the consumer took the first
   * before the buffer was full. */
  deadline = g_get_monotonic_time () + agen_test_timeout_seconds (10) * G_USEC_PER_SEC;
  for (;;)
    {
      gint i;

      plan_lock (&plan);
      i = plan.i;
      plan_unlock (&plan);
      if (i >= 65)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  agen_test_iterate_ms (20);
  plan_lock (&plan);
  g_assert_cmpint (plan.i, <=, 66);
  plan_unlock (&plan);

  for (gint i = 2; i <= 1000; i++)
    agen_test_assert_next_int (gen, i);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

typedef struct
{
  GMutex lock;
  GCond received_changed;
  gint received;                 /* atomic: the last item the consumer got */
} Trickle;

/* Emits 1, 2, 3 … into a 64-item buffer, each only once the consumer got
 * the one before: the buffer never holds more than one item. */
static gboolean
thread_trickle (AgenEmitter   *emitter,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  Trickle *trickle = user_data;
  gint64 deadline = g_get_monotonic_time () + agen_test_timeout_seconds (10) * G_USEC_PER_SEC;

  agen_emitter_set_buffer_size (emitter, 64);
  for (gint i = 1; i <= 200; i++)
    {
      if (!agen_emitter_emit_int (emitter, i, cancellable, error))
        return FALSE;
      g_mutex_lock (&trickle->lock);
      while (g_atomic_int_get (&trickle->received) < i &&
             g_cond_wait_until (&trickle->received_changed, &trickle->lock, deadline))
        ;
      g_mutex_unlock (&trickle->lock);
    }
  return TRUE;
}

/* Semantics: a consumer waiting for items that come one at a time gets
 * each as it comes, though it spins for half a buffer of them before it
 * takes what there is. */
static void
test_thread_buffer_trickle (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  Trickle trickle = { 0 };
  AgenGenerator *gen;

  g_mutex_init (&trickle.lock);
  g_cond_init (&trickle.received_changed);
  gen = agen_generator_new_threaded (thread_trickle, &trickle, NULL);

  for (gint i = 1; i <= 200; i++)
    {
      agen_test_assert_next_int (gen, i);
      g_mutex_lock (&trickle.lock);
      g_atomic_int_set (&trickle.received, i);
      g_cond_signal (&trickle.received_changed);
      g_mutex_unlock (&trickle.lock);
    }
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  g_cond_clear (&trickle.received_changed);
  g_mutex_clear (&trickle.lock);
}

/* Semantics: a close of a buffered producer drops what it emitted ahead
 * and fails its current or next emit with EXIT. */
static void
test_thread_buffer_close (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  Plan plan;
  AgenGenerator *gen;
  GError *error = NULL;

  plan_init (&plan);
  plan.n = 1000;
  plan.buffer_size = 8;
  plan.on_error = ON_ERROR_RETURN;
  gen = agen_generator_new_threaded (thread_produce, &plan, plan_destroy);

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_int (gen, 2);
  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  assert_log (&plan, "start caught EXIT cleanup");

  g_object_unref (gen);
  wait_for_destroyed (&plan);
  plan_clear (&plan);
}

static gboolean
thread_sleepy (AgenEmitter   *emitter,
               GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  gint *returned = user_data;

  /* Never looks at @cancellable. */
  g_usleep (200 * 1000);
  g_atomic_int_set (returned, 1);
  return TRUE;
}

/* Semantics: a close (or a cancellation) while a producer thread blocks
 * without watching its cancellable waits until the thread returns. */
static void
test_thread_close_waits (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  gint returned = 0;
  AgenGenerator *gen = agen_generator_new_threaded (thread_sleepy, &returned, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };
  GError *error = NULL;

  agen_test_call_init (&call);
  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (10);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  /* The thread returned normally: the cancellation reached no emit. */
  g_assert_no_error (call.error);
  g_assert_false (call.ret);
  g_assert_cmpint (g_atomic_int_get (&returned), ==, 1);
  agen_test_call_clear (&call);

  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (gen);
}

static gboolean
thread_slow_cleanup (AgenEmitter   *emitter,
                     GCancellable  *cancellable,
                     gpointer       user_data,
                     GError       **error)
{
  gint *cleaned_up = user_data;

  while (agen_emitter_emit_int (emitter, 1, NULL, error))
    ;
  /* A cleanup that takes its time and never looks at @cancellable. */
  g_usleep (200 * 1000);
  g_atomic_int_set (cleaned_up, 1);
  return FALSE;
}

/* Semantics: a close finishes only after the producer thread returned,
 * however long its cleanup takes. */
static void
test_thread_close_waits_for_cleanup (AgenTestFixture *fixture,
                                     gconstpointer    data)
{
  gint cleaned_up = 0;
  AgenGenerator *gen = agen_generator_new_threaded (thread_slow_cleanup, &cleaned_up, NULL);
  GError *error = NULL;

  agen_test_assert_next_int (gen, 1);
  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&cleaned_up), ==, 1);
  g_object_unref (gen);
}

static gboolean
thread_fails_silently (AgenEmitter   *emitter,
                       GCancellable  *cancellable,
                       gpointer       user_data,
                       GError       **error)
{
  return FALSE;
}

/* Semantics: a producer thread that fails without an error is a
 * programmer error: a critical, and the generator fails with
 * INVALID_BODY. */
static void
test_thread_fails_without_error (AgenTestFixture *fixture,
                                 gconstpointer    data)
{
  AgenGenerator *gen = agen_generator_new_threaded (thread_fails_silently, NULL, NULL);

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*without setting an error*");
  agen_test_assert_next_error (gen, AGEN_ERROR, AGEN_ERROR_INVALID_BODY);
  g_test_assert_expected_messages ();
  g_object_unref (gen);
}

/* Inside g_cancellable_cancel() of the producer's cancellable, in the
 * thread that cancels: lets the producer thread emit, and holds the
 * cancellation under way long enough for that emit to begin before the
 * body could note the cancellation. */
static void
wake_on_cancel (GCancellable *cancellable,
                gpointer      user_data)
{
  g_atomic_int_set ((gint *) user_data, TRUE);
  g_usleep (100 * 1000);
}

static gboolean
thread_emits_as_cancelled (AgenEmitter   *emitter,
                           GCancellable  *cancellable,
                           gpointer       user_data,
                           GError       **error)
{
  gint *woken = user_data;
  gulong handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_on_cancel), woken, NULL);
  gboolean ok;

  /* Work that ends as the cancellation arrives, with an item. */
  while (!g_atomic_int_get (woken))
    g_usleep (1000);
  ok = agen_emitter_emit_int (emitter, 1, NULL, error) &&
       !g_cancellable_set_error_if_cancelled (cancellable, error) &&   /* the work for item 2 */
       agen_emitter_emit_int (emitter, 2, NULL, error);
  g_cancellable_disconnect (cancellable, handler);
  return ok;
}

/* Semantics: a cancellation is delivered once, also when the producer
 * thread emits while it is being delivered: that emit resets the
 * producer's cancellable, and the work for the next item, which nobody
 * cancelled, is not cancelled. */
static void
test_thread_emit_during_cancellation (AgenTestFixture *fixture,
                                      gconstpointer    data)
{
  gint woken = FALSE;
  AgenGenerator *gen = agen_generator_new_threaded (thread_emits_as_cancelled, &woken, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_call_init (&call);
  agen_test_start_next (gen, cancellable, &call);
  agen_test_iterate_ms (10);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  /* The item emitted as the cancellation came is the cancelled next's. */
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpint (g_value_get_int (&call.item), ==, 1);
  agen_test_call_clear (&call);

  agen_test_assert_next_int (gen, 2);
  agen_test_assert_next_end (gen);
  g_object_unref (gen);
}

static gboolean
thread_count_forever (AgenEmitter   *emitter,
                      GCancellable  *cancellable,
                      gpointer       user_data,
                      GError       **error)
{
  agen_emitter_set_buffer_size (emitter, GPOINTER_TO_UINT (user_data));
  for (gint i = 0;; i++)
    if (!agen_emitter_emit_int (emitter, i, cancellable, error))
      return FALSE;
}

/* Semantics: whatever the consumer does, and when (a few items, then a
 * close, a throw, a cancelled next or the last unref, with buffers of
 * every size), every producer thread ends and every item arrives in order:
 * a seeded random run of many generators at once (under ASan and
 * valgrind, no leak and no race on the emitter's state). */
static void
test_thread_random (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  enum { N_GENERATORS = 24 };
  static const guint buffer_sizes[] = { 0, 1, 2, 7, 64 };
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  guint finalized = 0;

  for (guint g = 0; g < N_GENERATORS; g++)
    {
      guint buffer_size = buffer_sizes[g_rand_int_range (rand, 0, G_N_ELEMENTS (buffer_sizes))];
      AgenGenerator *gen = agen_generator_new_threaded (thread_count_forever, GUINT_TO_POINTER (buffer_size), NULL);
      gint n = g_rand_int_range (rand, 0, 50);
      g_autoptr(GError) thrown = agen_test_error_new (3);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      AgenTestCall call = { 0 };
      GError *error = NULL;

      agen_test_count_finalize (gen, &finalized);
      for (gint i = 0; i < n; i++)
        agen_test_assert_next_int (gen, i);

      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          g_assert_true (agen_test_close (gen, NULL, &error));
          g_assert_no_error (error);
          break;
        case 1:
          g_assert_false (agen_test_throw (gen, thrown, NULL, NULL, &error));
          /* Before the start, the throw finishes it without the thread. */
          g_assert_error (error, AGEN_TEST_ERROR, 3);
          g_clear_error (&error);
          break;
        case 2:
          /* The thread never waits between two emits: the cancellation
           * may come too late, and then the next item arrives. */
          agen_test_call_init (&call);
          agen_test_start_next (gen, cancellable, &call);
          g_cancellable_cancel (cancellable);
          agen_test_call_wait (&call);
          if (call.error != NULL)
            g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          else
            agen_test_assert_item_int (call.ret, &call.item, n);
          agen_test_call_clear (&call);
          break;
        default:
          break;                /* the last unref closes it */
        }
      g_object_unref (gen);
    }

  agen_test_wait_for_count (&finalized, N_GENERATORS, agen_test_timeout_seconds (20));
  g_rand_free (rand);
}

/* A producer class that forgot to override produce. */
typedef struct { AgenProducer parent_instance; } EmptyProducer;
typedef struct { AgenProducerClass parent_class; } EmptyProducerClass;
GType empty_producer_get_type (void);
G_DEFINE_TYPE (EmptyProducer, empty_producer, AGEN_TYPE_PRODUCER)

static void
empty_producer_class_init (EmptyProducerClass *klass)
{
}

static void
empty_producer_init (EmptyProducer *self)
{
}

/* Semantics: a producer class that does not override produce is a
 * programmer error: a critical, and no generator. */
static void
test_producer_without_produce (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  g_autoptr(AgenProducer) producer = g_object_new (empty_producer_get_type (), NULL);
  AgenGenerator *gen;

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*produce != NULL*");
  gen = agen_generator_new_from_producer (producer);
  g_test_assert_expected_messages ();
  g_assert_null (gen);
}

#define add_both(path, func)                                     \
  G_STMT_START {                                                 \
    agen_test_add_data ("/emitter/async/" path, &kind_async, func);   \
    agen_test_add_data ("/emitter/thread/" path, &kind_thread, func); \
  } G_STMT_END

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_both ("items-then-end", test_items_then_end);
  add_both ("send-reaches-emit", test_send_reaches_emit);
  add_both ("send-not-started", test_send_not_started);
  add_both ("throw-uncaught", test_throw_uncaught);
  add_both ("throw-caught", test_throw_caught);
  add_both ("close-at-emit", test_close_at_emit);
  add_both ("close-ignored-exit", test_close_ignored_exit);
  add_both ("producer-fails", test_producer_fails);
  add_both ("cancel-reaches-producer", test_cancel_reaches_producer);
  add_both ("last-unref-at-emit", test_last_unref_at_emit);
  add_both ("shutdown", test_shutdown);
  add_both ("emit-after-return", test_emit_after_return);
  agen_test_add ("/emitter/async/emit-while-pending", test_emit_while_pending);
  agen_test_add ("/emitter/async/blocking-emit", test_blocking_emit_from_async);
  agen_test_add ("/emitter/async/items-of-every-kind", test_async_items_of_every_kind);
  agen_test_add ("/emitter/async/consumed-items-not-kept", test_async_consumed_items_not_kept);
  agen_test_add ("/emitter/async/many-items", test_async_many_items);
  agen_test_add ("/emitter/async/dispatch-body", test_async_dispatch_body);
  agen_test_add ("/emitter/thread/async-emit", test_async_emit_to_thread);
  agen_test_add ("/emitter/async/producer-without-produce", test_producer_without_produce);
  agen_test_add ("/emitter/thread/random", test_thread_random);
  agen_test_add ("/emitter/thread/buffer", test_thread_buffer);
  agen_test_add ("/emitter/thread/buffer-trickle", test_thread_buffer_trickle);
  agen_test_add ("/emitter/thread/buffer-close", test_thread_buffer_close);
  agen_test_add ("/emitter/thread/close-waits", test_thread_close_waits);
  agen_test_add ("/emitter/thread/close-waits-for-cleanup", test_thread_close_waits_for_cleanup);
  agen_test_add ("/emitter/thread/fails-without-error", test_thread_fails_without_error);
  agen_test_add ("/emitter/thread/emit-during-cancellation", test_thread_emit_during_cancellation);

  return g_test_run ();
}
