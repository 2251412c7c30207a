/* test-lifecycle.c: references, finalisation, shutdown and close errors
 *
 * docs/reference/semantics.xml, section contract-lifecycle: the last unref
 * of a started, unfinished generator closes it on its own main context;
 * agen_shutdown_async() closes every such generator of a context; the
 * failures of those closes are reported (agen_set_close_error_func()); and
 * every generator is finalised with its user data destroyed exactly once.
 * Every case runs with the three kinds of body (section contract-emitter):
 * a straight-line body, an async-function producer and a producer thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* ========================================================= last unref */

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

/* The consumer drops its reference while the body awaits: the operation
 * still completes, and the generator is finalised afterwards (closed on its
 * last unref, since it is then suspended at a yield). */
static void
test_unref_during_await (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };
  gboolean finalized;

  agen_test_watch_finalize (gen, &finalized);
  agen_test_start_next (gen, NULL, &call);
  g_object_unref (gen);
  gen = NULL;

  agen_test_iterate_ms (20);
  g_assert_false (finalized);
  g_assert_false (call.done);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (s->gate), ==, 1);

  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 1);
  g_assert_cmpint (call.state_at_callback, ==, AGEN_GENERATOR_STATE_SUSPENDED);
  agen_test_call_clear (&call);

  agen_test_wait_for (&finalized);
  g_assert_cmpstr (s->log->str, ==, "u:EXIT d1");
  g_assert_cmpuint (s->n_destroyed, ==, 1);
  agen_test_script_assert_sane (s);
}

/* Dropped during an await that then ends the body: finalised, no close
 * needed. */
static void
test_unref_during_await_then_finish (AgenTestFixture *fixture,
                                     gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT, S_RETURN };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  AgenTestCall call = { 0 };
  gboolean finalized;

  agen_test_watch_finalize (gen, &finalized);
  agen_test_start_next (gen, NULL, &call);
  g_object_unref (gen);

  agen_test_gate_leave_open (s->gate);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_no_error (call.error);
  agen_test_call_clear (&call);

  agen_test_wait_for (&finalized);
  g_assert_cmpstr (s->log->str, ==, "d1");
  g_assert_cmpuint (s->n_calls, ==, 2);
  g_assert_cmpuint (s->n_destroyed, ==, 1);
}

/* A finished generator is finalised at its last unref; its user data was
 * destroyed exactly once. */
static void
test_unref_finished (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  gboolean finalized;

  agen_test_assert_next_int (gen, 1);
  agen_test_assert_next_end (gen);
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_drain ();
  g_assert_true (finalized);
  g_assert_cmpuint (s->n_destroyed, ==, 1);
  g_assert_cmpstr (s->log->str, ==, "d1");
}

/* ======================================================= close errors */

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

/* Setting the function again frees the data of the one it replaces, outside
 * the library's lock: its destroy notify may set yet another (it would
 * deadlock inside); with a NULL function, the data given is freed at once. */
static void
reset_close_error_func (gpointer user_data)
{
  CloseErrors *errors = user_data;

  errors->n_destroyed++;
  agen_set_close_error_func (NULL, NULL, NULL);
}

static void
test_close_error_func_replaced (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  CloseErrors first = { 0 };
  CloseErrors second = { 0 };
  CloseErrors ignored = { 0 };

  agen_set_close_error_func (close_errors_record, &first, reset_close_error_func);
  agen_set_close_error_func (close_errors_record, &second, close_errors_destroyed);
  g_assert_cmpuint (first.n_destroyed, ==, 1);
  g_assert_cmpuint (second.n_destroyed, ==, 1);

  agen_set_close_error_func (NULL, &ignored, close_errors_destroyed);
  g_assert_cmpuint (ignored.n_destroyed, ==, 1);
}

/* =========================================================== shutdown */

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

/* =============================================================== many */

typedef struct
{
  gint i;
  guint *n_destroyed;
  guint *n_cleanups;
} Small;

static void
small_free (gpointer data)
{
  Small *small = data;

  (*small->n_destroyed)++;
  g_free (small);
}

static void
small_cleanup (gpointer data)
{
  guint *n_cleanups = data;

  (*n_cleanups)++;
}

static void
small_body (AgenGenerator *self,
            gpointer       user_data)
{
  Small *small = user_data;

  AGEN_BEGIN (self);
  agen_generator_defer (self, small_cleanup, small->n_cleanups);
  for (small->i = 0; small->i < 3; small->i++)
    AGEN_YIELD_INT (self, small->i);
  AGEN_END (self);
}

typedef struct
{
  guint n_items;
  guint n_callbacks;
} ManyCounts;

static void
many_on_first_item (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ManyCounts *counts = user_data;
  AgenGenerator *gen = AGEN_GENERATOR (source);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  if (agen_generator_next_finish (gen, result, &item, &error) &&
      G_VALUE_HOLDS_INT (&item) && g_value_get_int (&item) == 0)
    counts->n_items++;
  g_assert_no_error (error);
  g_value_unset (&item);
  counts->n_callbacks++;

  /* Dropped at its first yield. */
  g_object_unref (gen);
}

/* 100,000 generators, each advanced to its first yield and dropped: every
 * one is closed (its cleanup runs), finalised, and its user data freed. */
static void
test_many_no_leak (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  const guint n = 100000;
  const guint batch = 1000;
  guint n_destroyed = 0;
  guint n_cleanups = 0;
  guint n_finalized = 0;
  ManyCounts counts = { 0 };

  for (guint done = 0; done < n; done += batch)
    {
      for (guint i = 0; i < batch; i++)
        {
          Small *small = g_new0 (Small, 1);
          AgenGenerator *gen;

          small->n_destroyed = &n_destroyed;
          small->n_cleanups = &n_cleanups;
          gen = agen_generator_new (small_body, small, small_free);
          agen_test_count_finalize (gen, &n_finalized);
          agen_generator_next_async (gen, NULL, many_on_first_item, &counts);
        }
      agen_test_wait_for_count (&counts.n_callbacks, done + batch, 60);
    }

  g_assert_cmpuint (counts.n_callbacks, ==, n);
  g_assert_cmpuint (counts.n_items, ==, n);

  /* They are closed on their last unref, asynchronously. */
  agen_test_wait_for_count (&n_finalized, n, 120);
  agen_test_drain ();
  g_assert_cmpuint (n_finalized, ==, n);
  g_assert_cmpuint (n_destroyed, ==, n);
  g_assert_cmpuint (n_cleanups, ==, n);
}

/* Never-started generators dropped: finalised at once, only the user data
 * destroyed, the body never run. */
static void
test_many_unstarted (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  const guint n = 10000;
  guint n_destroyed = 0;
  guint n_cleanups = 0;
  guint n_finalized = 0;

  for (guint i = 0; i < n; i++)
    {
      Small *small = g_new0 (Small, 1);
      AgenGenerator *gen;

      small->n_destroyed = &n_destroyed;
      small->n_cleanups = &n_cleanups;
      gen = agen_generator_new (small_body, small, small_free);
      agen_test_count_finalize (gen, &n_finalized);
      g_object_unref (gen);
    }
  agen_test_drain ();
  g_assert_cmpuint (n_finalized, ==, n);
  g_assert_cmpuint (n_destroyed, ==, n);
  g_assert_cmpuint (n_cleanups, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add_for_each_body ("/lifecycle/unref/unstarted-runs-only-destroy", NULL, test_new_drop_unstarted);
  agen_test_add_for_each_body ("/lifecycle/unref/closes-suspended", NULL, test_unref_closes_suspended);
  agen_test_add_for_each_body ("/lifecycle/unref/close-may-await", NULL, test_unref_close_may_await);
  agen_test_add_for_each_body ("/lifecycle/unref/close-error-warns", NULL, test_unref_close_error_warns);
  agen_test_add_for_each_body ("/lifecycle/unref/closes-on-own-context", NULL, test_unref_closes_on_own_context);
  agen_test_add_for_each_body ("/lifecycle/unref/during-await", NULL, test_unref_during_await);
  agen_test_add_for_each_body ("/lifecycle/unref/during-await-then-finish", NULL, test_unref_during_await_then_finish);
  agen_test_add_for_each_body ("/lifecycle/unref/finished", NULL, test_unref_finished);
  agen_test_add_for_each_body ("/lifecycle/close-error-func", NULL, test_close_error_func);
  agen_test_add_for_each_body ("/lifecycle/close-error-func-replaced", NULL, test_close_error_func_replaced);

  agen_test_add_for_each_body ("/lifecycle/shutdown/closes-started", NULL, test_shutdown_closes_started);
  agen_test_add_for_each_body ("/lifecycle/shutdown/empty", NULL, test_shutdown_empty);
  agen_test_add_for_each_body ("/lifecycle/shutdown/concurrent", NULL, test_shutdown_concurrent);
  agen_test_add_for_each_body ("/lifecycle/shutdown/first-error", NULL, test_shutdown_first_error);
  agen_test_add_for_each_body ("/lifecycle/shutdown/only-this-context", NULL, test_shutdown_only_this_context);

  agen_test_add_for_each_body ("/lifecycle/many/no-leak", NULL, test_many_no_leak);
  agen_test_add_for_each_body ("/lifecycle/many/unstarted", NULL, test_many_unstarted);

  return g_test_run ();
}
