/* test-share.c: AgenShare, tee and share
 *
 * docs/reference/semantics.xml, section contract-share. The source is a
 * Counter: it yields 0, 1, ..., awaiting a gate before each item when it
 * is an awaiting one, and counts its starts and cleanups.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

typedef struct
{
  gint n;
  gint i;
  gint fail_after;             /* raise after this many items; -1 never */
  AgenTestGate *gate;          /* awaited before each item; NULL: none */
  guint n_started;
  guint n_cleaned;
} Counter;

static void
counter_cleanup (gpointer data)
{
  ((Counter *) data)->n_cleaned++;
}

static void
counter_body (AgenGenerator *self,
              gpointer       user_data)
{
  Counter *counter = user_data;
  GError *error = NULL;

  AGEN_BEGIN (self);
  counter->n_started++;
  agen_generator_defer (self, counter_cleanup, counter);
  for (counter->i = 0; counter->i < counter->n; counter->i++)
    {
      if (counter->i == counter->fail_after)
        {
          agen_generator_raise (self, agen_test_error_new (5));
          return;
        }
      if (counter->gate != NULL)
        {
          AGEN_AWAIT (self, agen_test_gate_wait_async (counter->gate, agen_generator_get_cancellable (self),
                                                        agen_generator_ready, agen_generator_await (self)));
          if (!agen_test_gate_wait_finish (counter->gate, agen_generator_get_result (self), &error))
            {
              agen_generator_raise (self, error);
              return;
            }
        }
      AGEN_YIELD_INT (self, counter->i);
    }
  AGEN_END (self);
}

static AgenGenerator *
counter_new (Counter *counter,
             gint     n)
{
  AgenGenerator *generator;

  counter->n = n;
  counter->fail_after = -1;
  generator = agen_generator_new (counter_body, counter, NULL);
  agen_generator_set_name (generator, "counter");
  return generator;
}

#define BRANCH(branches, i) ((AgenGenerator *) g_ptr_array_index ((branches), (i)))

/* Every branch yields every item, whichever order they are read in; the
 * source runs once, and is cleaned up once. */
static void
test_tee_items (AgenTestFixture *fixture,
                gconstpointer    data)
{
  for (guint order = 0; order < 2; order++)
    {
      Counter counter = { 0 };
      g_autoptr(AgenGenerator) source = counter_new (&counter, 4);
      g_autoptr(GPtrArray) branches = agen_generator_tee (source, 3, 0);

      g_assert_cmpuint (branches->len, ==, 3);
      g_assert_cmpstr (agen_generator_get_name (BRANCH (branches, 1)), ==, "share(counter)[1]");
      if (order == 0)
        {
          for (gint i = 0; i < 4; i++)
            for (guint b = 0; b < 3; b++)
              agen_test_assert_next_int (BRANCH (branches, b), i);
          for (guint b = 0; b < 3; b++)
            agen_test_assert_next_end (BRANCH (branches, b));
        }
      else
        for (guint b = 0; b < 3; b++)
          {
            for (gint i = 0; i < 4; i++)
              agen_test_assert_next_int (BRANCH (branches, b), i);
            agen_test_assert_next_end (BRANCH (branches, b));
          }
      g_assert_cmpuint (counter.n_started, ==, 1);
      g_assert_cmpuint (counter.n_cleaned, ==, 1);
    }
}

/* The buffer holds at most buffer-size items: a branch that never reads
 * makes the others wait; closing it lets them go on. */
static void
test_tee_bounded (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  gboolean started = GPOINTER_TO_INT (data);
  Counter counter = { 0 };
  g_autoptr(AgenGenerator) source = counter_new (&counter, 10);
  g_autoptr(AgenShare) share = agen_share_new (source, 2);
  g_autoptr(AgenGenerator) reader = agen_share_new_branch (share);
  g_autoptr(AgenGenerator) idler = agen_share_new_branch (share);
  g_autoptr(GError) error = NULL;
  AgenTestCall call;

  g_assert_cmpuint (agen_share_get_buffer_size (share), ==, 2);
  if (started)
    agen_test_assert_next_int (idler, 0);
  agen_test_assert_next_int (reader, 0);
  agen_test_assert_next_int (reader, 1);
  if (started)
    agen_test_assert_next_int (reader, 2);
  g_assert_cmpuint (agen_share_get_n_buffered (share), ==, 2);

  agen_test_call_init (&call);
  agen_test_start_next (reader, NULL, &call);
  agen_test_iterate_ms (20);
  g_assert_false (call.done);
  g_assert_cmpuint (agen_share_get_n_buffered (share), ==, 2);
  g_assert_cmpint (counter.i, <=, 3);

  g_assert_true (agen_test_close (idler, NULL, &error));
  g_assert_no_error (error);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, started ? 3 : 2);
  agen_test_call_clear (&call);
  g_assert_cmpuint (counter.n_cleaned, ==, 0);
  g_assert_true (agen_test_close (reader, NULL, &error));
  g_assert_cmpuint (counter.n_cleaned, ==, 1);
}

/* Closing a branch while another is mid-next, waiting for the source: the
 * other gets its item, and the source is closed with the last branch. */
static void
test_close_while_other_mid_next (AgenTestFixture *fixture,
                                 gconstpointer    data)
{
  Counter counter = { 0 };
  g_autoptr(AgenTestGate) gate = agen_test_gate_new ();
  g_autoptr(AgenGenerator) source = NULL;
  g_autoptr(GPtrArray) branches = NULL;
  g_autoptr(GError) error = NULL;
  AgenTestCall call;

  counter.gate = gate;
  source = counter_new (&counter, 3);
  branches = agen_generator_tee (source, 2, 4);

  agen_test_call_init (&call);
  agen_test_start_next (BRANCH (branches, 0), NULL, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_assert_true (agen_test_close (BRANCH (branches, 1), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counter.n_cleaned, ==, 0);
  agen_test_gate_leave_open (gate);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 0);
  agen_test_call_clear (&call);

  g_assert_true (agen_test_close (BRANCH (branches, 0), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counter.n_cleaned, ==, 1);
}

/* The source's error reaches every branch, after the items before it. */
static void
test_error_reaches_every_branch (AgenTestFixture *fixture,
                                 gconstpointer    data)
{
  Counter counter = { 0 };
  g_autoptr(AgenGenerator) source = counter_new (&counter, 5);
  g_autoptr(GPtrArray) branches = NULL;

  counter.fail_after = 2;
  branches = agen_generator_tee (source, 2, 0);
  for (guint b = 0; b < 2; b++)
    {
      agen_test_assert_next_int (BRANCH (branches, b), 0);
      agen_test_assert_next_int (BRANCH (branches, b), 1);
      agen_test_assert_next_error (BRANCH (branches, b), AGEN_TEST_ERROR, 5);
    }
  g_assert_cmpuint (counter.n_cleaned, ==, 1);
}

/* The last branch to finish closes the source, whose cleanup has run when
 * that branch's close completes. */
static void
test_last_branch_closes_source (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  Counter counter = { 0 };
  g_autoptr(AgenGenerator) source = counter_new (&counter, 5);
  g_autoptr(GPtrArray) branches = agen_generator_tee (source, 2, 0);
  g_autoptr(GError) error = NULL;

  agen_test_assert_next_int (BRANCH (branches, 0), 0);
  agen_test_assert_next_int (BRANCH (branches, 1), 0);
  g_assert_true (agen_test_close (BRANCH (branches, 0), NULL, &error));
  g_assert_cmpuint (counter.n_cleaned, ==, 0);
  agen_test_assert_next_int (BRANCH (branches, 1), 1);
  g_assert_true (agen_test_close (BRANCH (branches, 1), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counter.n_cleaned, ==, 1);
  g_assert_cmpint (agen_generator_get_state (source), ==, AGEN_GENERATOR_STATE_FINISHED);

  /* A branch made afterwards ends at once. */
  {
    g_autoptr(AgenShare) share = agen_share_new (source, 1);
    g_autoptr(AgenGenerator) late = agen_share_new_branch (share);

    agen_test_assert_next_end (late);
  }
}

/* Dropping the branches closes the source: the started ones on their last
 * unref, a never-started one last without awaiting. */
static void
test_drop_branches (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  Counter counter = { 0 };
  g_autoptr(AgenGenerator) source = counter_new (&counter, 5);
  GPtrArray *branches = agen_generator_tee (source, 2, 0);

  agen_test_assert_next_int (BRANCH (branches, 0), 0);
  g_ptr_array_unref (branches);
  agen_test_drain ();
  g_assert_cmpuint (counter.n_cleaned, ==, 1);
}

/* A cancelled next of the branch that pulls the source finishes that
 * branch; the item goes to the other. */
static void
test_cancel_puller (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  Counter counter = { 0 };
  g_autoptr(AgenTestGate) gate = agen_test_gate_new ();
  g_autoptr(AgenGenerator) source = NULL;
  g_autoptr(GPtrArray) branches = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call;

  counter.gate = gate;
  source = counter_new (&counter, 3);
  branches = agen_generator_tee (source, 2, 0);

  agen_test_call_init (&call);
  agen_test_start_next (BRANCH (branches, 0), cancellable, &call);
  agen_test_drain ();
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_call_clear (&call);
  g_assert_cmpuint (agen_test_gate_get_n_cancelled (gate), ==, 0);

  agen_test_gate_leave_open (gate);
  agen_test_assert_next_int (BRANCH (branches, 1), 0);
  agen_test_assert_next_int (BRANCH (branches, 1), 1);
  agen_test_assert_next_int (BRANCH (branches, 1), 2);
  agen_test_assert_next_end (BRANCH (branches, 1));
  g_assert_cmpuint (counter.n_cleaned, ==, 1);
}

/* An error thrown into a branch is raised by it; the source and the other
 * branch go on. */
static void
test_throw_into_branch (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  Counter counter = { 0 };
  g_autoptr(AgenGenerator) source = counter_new (&counter, 2);
  g_autoptr(GPtrArray) branches = agen_generator_tee (source, 2, 0);
  g_autoptr(GError) thrown = agen_test_error_new (8);
  g_autoptr(GError) error = NULL;

  agen_test_assert_next_int (BRANCH (branches, 0), 0);
  g_assert_false (agen_test_throw (BRANCH (branches, 0), thrown, NULL, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 8);
  agen_test_assert_next_int (BRANCH (branches, 1), 0);
  agen_test_assert_next_int (BRANCH (branches, 1), 1);
  agen_test_assert_next_end (BRANCH (branches, 1));
  g_assert_cmpuint (counter.n_cleaned, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/share/tee/items", test_tee_items);
  agen_test_add_data ("/share/bounded/never-started", GINT_TO_POINTER (0), test_tee_bounded);
  agen_test_add_data ("/share/bounded/stopped-reading", GINT_TO_POINTER (1), test_tee_bounded);
  agen_test_add ("/share/close-while-other-mid-next", test_close_while_other_mid_next);
  agen_test_add ("/share/error-reaches-every-branch", test_error_reaches_every_branch);
  agen_test_add ("/share/last-branch-closes-source", test_last_branch_closes_source);
  agen_test_add ("/share/drop-branches", test_drop_branches);
  agen_test_add ("/share/cancel-puller", test_cancel_puller);
  agen_test_add ("/share/throw-into-branch", test_throw_into_branch);

  return g_test_run ();
}
