/* test-foreach.c: async for
 *
 * docs/reference/semantics.xml, section contract-foreach: foreach calls its
 * function for each item, finishes TRUE at the end and FALSE with the
 * body's error, closes the generator when the function stops, and lets the
 * main loop run while a body that never awaits produces items.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

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

/* A body that never awaits: it works 20 µs per item, and returns after 50 ms. */
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

/* A body that never awaits and works for 50 ms: the main loop still runs. */
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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/foreach/items", test_foreach_items);
  agen_test_add ("/foreach/raise", test_foreach_raise);
  agen_test_add ("/foreach/stop-closes", test_foreach_stop_closes);
  agen_test_add ("/foreach/stop-close-fails", test_foreach_stop_close_fails);
  agen_test_add ("/foreach/awaiting-body", test_foreach_awaiting_body);
  agen_test_add ("/foreach/finished", test_foreach_finished);
  agen_test_add ("/foreach/cancel-at-await", test_foreach_cancel_at_await);
  agen_test_add ("/foreach/lets-main-loop-run", test_foreach_lets_main_loop_run);

  return g_test_run ();
}
