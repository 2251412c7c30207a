/* test-lifecycle.c: references, finalisation and leaks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

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

/* ------------------------------------------------------------------ many */

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

  agen_test_add ("/lifecycle/unref-during-await", test_unref_during_await);
  agen_test_add ("/lifecycle/unref-during-await-then-finish", test_unref_during_await_then_finish);
  agen_test_add ("/lifecycle/unref-finished", test_unref_finished);
  agen_test_add ("/lifecycle/many-no-leak", test_many_no_leak);
  agen_test_add ("/lifecycle/many-unstarted", test_many_unstarted);

  return g_test_run ();
}
