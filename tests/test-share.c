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

/* A branch whose consumer holds it (foreach, a combinator) reads the
 * items the buffer holds, and pulls the source, without its body: the
 * same items, of any type, in order, within the bound. */
typedef struct
{
  AgenShare *share;
  GString *items;
} Reader;

static gboolean
read_item (AgenGenerator *generator,
           const GValue  *item,
           gpointer       data)
{
  Reader *reader = data;
  g_autofree char *text = agen_test_value_to_string (item);

  g_assert_cmpuint (agen_share_get_n_buffered (reader->share), <=,
                    agen_share_get_buffer_size (reader->share));
  g_string_append_printf (reader->items, "%s ", text);
  return TRUE;
}

static gboolean
map_identity (const GValue  *item,
              GValue        *result,
              gpointer       user_data,
              GError       **error)
{
  g_value_init (result, G_VALUE_TYPE (item));
  g_value_copy (item, result);
  return TRUE;
}

/* Ints, strings, doubles, an object and a NULL pointer, mixed, so that a
 * branch's yield slot changes type; @expected gets their text. */
static AgenGenerator *
mixed_values_new (GObject *object,
                  guint    n,
                  GString *expected)
{
  g_autofree GValue *values = g_new0 (GValue, n);
  AgenGenerator *generator;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = NULL;

      switch (i % 5)
        {
        case 0:
          g_value_init (&values[i], G_TYPE_INT);
          g_value_set_int (&values[i], i);
          break;
        case 1:
          g_value_init (&values[i], G_TYPE_STRING);
          g_value_take_string (&values[i], g_strdup_printf ("s%u", i));
          break;
        case 2:
          g_value_init (&values[i], G_TYPE_DOUBLE);
          g_value_set_double (&values[i], i + 0.5);
          break;
        case 3:
          g_value_init (&values[i], G_TYPE_OBJECT);
          g_value_set_object (&values[i], object);
          break;
        default:
          g_value_init (&values[i], G_TYPE_POINTER);
          break;
        }
      text = agen_test_value_to_string (&values[i]);
      g_string_append_printf (expected, "%s ", text);
    }
  generator = agen_generator_new_values (values, n);
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  return generator;
}

/* Waits for @n foreach loops over branches, each of which must have read
 * @expected whole, and frees what their readers kept. */
static void
wait_for_readers (AgenTestCall *calls,
                  Reader       *readers,
                  guint         n,
                  const char   *expected)
{
  for (guint b = 0; b < n; b++)
    {
      agen_test_call_wait (&calls[b]);
      g_assert_no_error (calls[b].error);
      g_assert_true (calls[b].ret);
      agen_test_call_clear (&calls[b]);
      g_assert_cmpstr (readers[b].items->str, ==, expected);
      g_string_free (readers[b].items, TRUE);
    }
}

static void
test_held_branches (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  gboolean through_map = GPOINTER_TO_INT (data);

  for (guint buffer_size = 1; buffer_size <= 8; buffer_size += 3)
    {
      g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
      g_autoptr(GString) expected = g_string_new (NULL);
      g_autoptr(AgenGenerator) source = mixed_values_new (object, 100, expected);
      g_autoptr(AgenShare) share = agen_share_new (source, buffer_size);
      Reader readers[2] = { { share, g_string_new (NULL) }, { share, g_string_new (NULL) } };
      AgenTestCall calls[2] = { { 0 } };
      GObject *alive = object;

      g_autoptr(AgenGenerator) first = agen_share_new_branch (share);
      g_autoptr(AgenGenerator) second = agen_share_new_branch (share);
      g_autoptr(AgenGenerator) mapped = through_map ? agen_generator_map (second, map_identity, NULL, NULL)
                                                    : g_object_ref (second);

      agen_test_start_foreach (first, read_item, &readers[0], NULL, NULL, &calls[0]);
      agen_test_start_foreach (mapped, read_item, &readers[1], NULL, NULL, &calls[1]);
      wait_for_readers (calls, readers, 2, expected->str);
      g_assert_cmpuint (agen_share_get_n_buffered (share), ==, 0);

      /* Every copy the share made of the object is released. */
      g_object_add_weak_pointer (alive, (gpointer *) &alive);
      g_clear_object (&object);
      g_clear_object (&mapped);
      g_clear_object (&second);
      g_clear_object (&first);
      g_clear_object (&share);
      g_clear_object (&source);
      g_assert_null (alive);
    }
}

/* Three branches of ints (plain values, copied as bits), two read by
 * foreach and one through a map, each at its own pace. A branch that waits
 * at the end for room may see the branch behind it pull the next item once
 * the slowest moves on, before the buffer empties: it is woken for it.
 * Each reads every item, within the bound, and the buffer empties. */
static void
test_three_held_branches (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const guint buffer_sizes[] = { 1, 2, 5, 64, 256 };

  for (guint s = 0; s < G_N_ELEMENTS (buffer_sizes); s++)
    {
      Counter counter = { 0 };
      g_autoptr(AgenGenerator) source = counter_new (&counter, 700);
      g_autoptr(AgenShare) share = agen_share_new (source, buffer_sizes[s]);
      g_autoptr(GString) expected = g_string_new (NULL);
      Reader readers[3];
      AgenTestCall calls[3] = { { 0 } };
      AgenGenerator *branches[3];
      g_autoptr(AgenGenerator) mapped = NULL;

      for (guint i = 0; i < 700; i++)
        g_string_append_printf (expected, "%u ", i);
      for (guint b = 0; b < 3; b++)
        {
          readers[b] = (Reader) { share, g_string_new (NULL) };
          branches[b] = agen_share_new_branch (share);
        }
      mapped = agen_generator_map (branches[1], map_identity, NULL, NULL);

      agen_test_start_foreach (branches[0], read_item, &readers[0], NULL, NULL, &calls[0]);
      agen_test_start_foreach (mapped, read_item, &readers[1], NULL, NULL, &calls[1]);
      agen_test_start_foreach (branches[2], read_item, &readers[2], NULL, NULL, &calls[2]);
      wait_for_readers (calls, readers, 3, expected->str);
      g_assert_cmpuint (agen_share_get_n_buffered (share), ==, 0);
      g_assert_cmpuint (counter.n_started, ==, 1);
      g_assert_cmpuint (counter.n_cleaned, ==, 1);
      for (guint b = 0; b < 3; b++)
        g_object_unref (branches[b]);
    }
}

/* A branch held by foreach may get several buffered items at once; a
 * function that stops the loop in the middle of them closes the branch,
 * which lets go of the rest: the other branch reads every item, the
 * buffer empties, and the source is cleaned up once. */
typedef struct
{
  guint n_read;
  guint stop_after;
  GString *items;
} Stopper;

static gboolean
read_until (AgenGenerator *generator,
            const GValue  *item,
            gpointer       data)
{
  Stopper *stopper = data;

  g_string_append_printf (stopper->items, "%d ", g_value_get_int (item));
  return ++stopper->n_read < stopper->stop_after;
}

static void
test_held_branch_stops_midway (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  for (guint stop_after = 1; stop_after <= 20; stop_after += 3)
    {
      Counter counter = { 0 };
      g_autoptr(AgenGenerator) source = counter_new (&counter, 40);
      g_autoptr(AgenShare) share = agen_share_new (source, 8);
      g_autoptr(AgenGenerator) first = agen_share_new_branch (share);
      g_autoptr(AgenGenerator) second = agen_share_new_branch (share);
      g_autoptr(GString) expected = g_string_new (NULL);
      Stopper stoppers[2] = { { 0, G_MAXUINT, g_string_new (NULL) },
                              { 0, stop_after, g_string_new (NULL) } };
      AgenTestCall calls[2] = { { 0 } };

      /* The first runs ahead, so that the second finds items buffered. */
      agen_test_start_foreach (first, read_until, &stoppers[0], NULL, NULL, &calls[0]);
      agen_test_start_foreach (second, read_until, &stoppers[1], NULL, NULL, &calls[1]);
      for (guint b = 0; b < 2; b++)
        {
          agen_test_call_wait (&calls[b]);
          g_assert_no_error (calls[b].error);
          g_assert_true (calls[b].ret);
          agen_test_call_clear (&calls[b]);
        }
      for (guint i = 0; i < 40; i++)
        g_string_append_printf (expected, "%u ", i);
      g_assert_cmpstr (stoppers[0].items->str, ==, expected->str);
      g_string_truncate (expected, 0);
      for (guint i = 0; i < stop_after; i++)
        g_string_append_printf (expected, "%u ", i);
      g_assert_cmpstr (stoppers[1].items->str, ==, expected->str);
      g_assert_cmpuint (agen_share_get_n_buffered (share), ==, 0);
      g_assert_cmpuint (counter.n_cleaned, ==, 1);
      g_string_free (stoppers[0].items, TRUE);
      g_string_free (stoppers[1].items, TRUE);
    }
}

/* A function of foreach that reads another branch meanwhile: that branch
 * pulls the source, and the buffer grows, while the item foreach handed
 * out is read in place. The item stays what it was, where it was. */
typedef struct
{
  AgenGenerator *other;
  guint n_read;
  guint n_other;
  gboolean other_ended;
} Interleaver;

static gboolean
read_and_pull_other (AgenGenerator *generator,
                     const GValue  *item,
                     gpointer       data)
{
  Interleaver *inter = data;
  g_autofree char *expected = g_strdup_printf ("s%u", inter->n_read++);

  g_assert_cmpstr (g_value_get_string (item), ==, expected);
  for (guint i = 0; i < 2 && !inter->other_ended; i++)
    {
      g_auto(GValue) other_item = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;
      AgenNowStatus status = agen_generator_next_now (inter->other, NULL, &other_item, &error);

      g_assert_no_error (error);
      if (status == AGEN_NOW_END)
        {
          inter->other_ended = TRUE;
          break;
        }
      g_assert_cmpint (status, ==, AGEN_NOW_ITEM);
      inter->n_other++;
    }
  g_assert_cmpstr (g_value_get_string (item), ==, expected);
  return TRUE;
}

static void
test_held_item_while_other_pulls (AgenTestFixture *fixture,
                                  gconstpointer    data)
{
  GValue values[12] = { G_VALUE_INIT };
  g_autoptr(AgenGenerator) source = NULL;
  g_autoptr(AgenShare) share = NULL;
  g_autoptr(AgenGenerator) first = NULL;
  g_autoptr(AgenGenerator) second = NULL;
  Interleaver inter = { 0 };
  AgenTestCall call = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_value_init (&values[i], G_TYPE_STRING);
      g_value_take_string (&values[i], g_strdup_printf ("s%u", i));
    }
  source = agen_generator_new_values (values, G_N_ELEMENTS (values));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_value_unset (&values[i]);
  share = agen_share_new (source, 64);
  first = agen_share_new_branch (share);
  second = agen_share_new_branch (share);
  inter.other = second;

  agen_test_start_foreach (first, read_and_pull_other, &inter, NULL, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);
  g_assert_cmpuint (inter.n_read, ==, G_N_ELEMENTS (values));
  g_assert_cmpuint (inter.n_other, ==, G_N_ELEMENTS (values));
  g_assert_true (inter.other_ended);
  g_assert_cmpuint (agen_share_get_n_buffered (share), ==, 0);
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
  agen_test_add_data ("/share/held-branches/foreach", GINT_TO_POINTER (0), test_held_branches);
  agen_test_add_data ("/share/held-branches/combinator", GINT_TO_POINTER (1), test_held_branches);
  agen_test_add ("/share/held-branches/three-ints", test_three_held_branches);
  agen_test_add ("/share/held-branches/stop-midway", test_held_branch_stops_midway);
  agen_test_add ("/share/held-branches/other-pulls-meanwhile", test_held_item_while_other_pulls);

  return g_test_run ();
}
