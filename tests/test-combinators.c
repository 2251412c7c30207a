/* test-combinators.c: map, filter, take, skip, enumerate, batch, chain, zip,
 * merge, their tuples and collect
 *
 * docs/reference/semantics.xml, section contract-combinators. The sources
 * are AgenTestScripts: a "counting" source defers a cleanup that logs "d1",
 * then yields 0, 1, 2, ..., each after an await of its (open) gate when it
 * is an awaiting source. So the log tells how often a source's cleanup ran,
 * and n_calls how often its body was called.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* ---------------------------------------------------------------- helpers */

/* Whether a test runs its sources fast (yielding without awaiting) or
 * awaiting the gate before each item: the g_test_add() data. */
#define SYNC GINT_TO_POINTER (0)
#define AWAITING GINT_TO_POINTER (1)

/* A counting source whose gate is shut: the test lets each await through. */
static AgenTestScript *
counting_script_full (guint               n,
                      gboolean            awaiting,
                      const AgenTestStep *handler,
                      guint               n_handler)
{
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (AgenTestStep));
  const AgenTestStep defer = S_DEFER (1), await = S_AWAIT;

  g_array_append_val (steps, defer);
  for (guint i = 0; i < n; i++)
    {
      AgenTestStep yield = S_YIELD ((gint) i);

      if (awaiting)
        g_array_append_val (steps, await);
      g_array_append_val (steps, yield);
    }
  return agen_test_script_new ((const AgenTestStep *) (gpointer) steps->data, steps->len, handler, n_handler);
}

/* With its gate open: each await completes at the next main loop iteration. */
static AgenTestScript *
counting_script_h (guint               n,
                   gboolean            awaiting,
                   const AgenTestStep *handler,
                   guint               n_handler)
{
  AgenTestScript *script = counting_script_full (n, awaiting, handler, n_handler);

  agen_test_gate_leave_open (script->gate);
  return script;
}

static AgenTestScript *
counting_script (guint    n,
                 gboolean awaiting)
{
  return counting_script_h (n, awaiting, NULL, 0);
}

/* Items start at @base (for telling sources apart). */
static AgenTestScript *
counting_script_from (guint    n,
                      gint     base,
                      gboolean awaiting)
{
  AgenTestScript *script = counting_script (n, awaiting);

  for (guint i = 0; i < script->n_steps; i++)
    if (script->steps[i].kind == AGEN_TEST_STEP_YIELD)
      script->steps[i].arg += base;
  return script;
}

static AgenGenerator *
source_new (AgenTestScript *script,
            const char     *name)
{
  AgenGenerator *source = agen_test_script_generator (script);

  agen_generator_set_name (source, name);
  return source;
}

/* How often @token is in the script's log. */
static guint
count_in_log (AgenTestScript *script,
              const char     *token)
{
  g_auto(GStrv) words = g_strsplit (script->log->str, " ", -1);
  guint n = 0;

  for (guint i = 0; words[i] != NULL; i++)
    n += g_str_equal (words[i], token);
  return n;
}

/* The cleanup of a counting source ran exactly once, and it is finished. */
#define assert_closed_once(script, source)                                       \
  G_STMT_START {                                                                 \
    g_assert_cmpuint (count_in_log ((script), "d1"), ==, 1);                     \
    g_assert_cmpint (agen_generator_get_state (source), ==, AGEN_GENERATOR_STATE_FINISHED); \
  } G_STMT_END

static void
append_value (GString      *text,
              const GValue *value)
{
  if (text->len > 0 && text->str[text->len - 1] != '[' && text->str[text->len - 1] != '(')
    g_string_append_c (text, ' ');

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (G_VALUE_HOLDS (value, g_value_array_get_type ()))
    {
      GValueArray *array = g_value_get_boxed (value);

      g_string_append_c (text, '[');
      for (guint i = 0; i < array->n_values; i++)
        append_value (text, g_value_array_get_nth (array, i));
      g_string_append_c (text, ']');
    }
  else if (G_VALUE_HOLDS (value, AGEN_TYPE_TUPLE))
    {
      AgenTuple *tuple = g_value_get_object (value);

      g_string_append_c (text, '(');
      for (guint i = 0; i < agen_tuple_get_size (tuple); i++)
        append_value (text, agen_tuple_get (tuple, i));
      g_string_append_c (text, ')');
    }
  else if (G_VALUE_HOLDS_UINT64 (value))
    g_string_append_printf (text, "#%" G_GUINT64_FORMAT, g_value_get_uint64 (value));
  else
    {
      g_autofree char *s = agen_test_value_to_string (value);

      g_string_append (text, s);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static gboolean
append_item (AgenGenerator *generator,
             const GValue  *item,
             gpointer       text)
{
  append_value (text, item);
  return TRUE;
}

typedef enum
{
  BY_NEXT,
  BY_FOREACH,
} Consumer;

/* Runs @generator to its end and returns its items as text ("0 1 2"). */
static char *
drain (AgenGenerator  *generator,
       Consumer        consumer,
       GError        **error)
{
  GString *text = g_string_new (NULL);

  if (consumer == BY_FOREACH)
    {
      AgenTestCall call = { 0 };

      agen_test_start_foreach (generator, append_item, text, NULL, NULL, &call);
      agen_test_call_wait (&call);
      if (call.error != NULL)
        g_propagate_error (error, g_steal_pointer (&call.error));
      agen_test_call_clear (&call);
    }
  else
    {
      for (;;)
        {
          g_auto(GValue) item = G_VALUE_INIT;

          if (!agen_test_next (generator, NULL, &item, error))
            break;
          append_value (text, &item);
        }
    }

  return g_string_free (text, FALSE);
}

#define assert_drains_to(generator, consumer, expected)                          \
  G_STMT_START {                                                                 \
    GError *drain_error_ = NULL;                                                 \
    g_autofree char *drained_ = drain ((generator), (consumer), &drain_error_);  \
    g_assert_no_error (drain_error_);                                            \
    g_assert_cmpstr (drained_, ==, (expected));                                  \
  } G_STMT_END

static char *
next_text (AgenGenerator  *generator,
           GError        **error)
{
  g_auto(GValue) item = G_VALUE_INIT;
  GString *text = g_string_new (NULL);

  if (agen_test_next (generator, NULL, &item, error))
    append_value (text, &item);
  return g_string_free (text, FALSE);
}

#define assert_next_text(generator, expected)                                    \
  G_STMT_START {                                                                 \
    GError *next_error_ = NULL;                                                  \
    g_autofree char *text_ = next_text ((generator), &next_error_);              \
    g_assert_no_error (next_error_);                                             \
    g_assert_cmpstr (text_, ==, (expected));                                     \
  } G_STMT_END

/* ------------------------------------------------------------ map helpers */

typedef struct
{
  gint fail_at;                /* the item the map fails on; -1 never */
  guint n_calls;
  guint n_destroyed;
} Doubler;

static gboolean
double_item (const GValue  *item,
             GValue        *result,
             gpointer       user_data,
             GError       **error)
{
  Doubler *doubler = user_data;

  doubler->n_calls++;
  if (g_value_get_int (item) == doubler->fail_at)
    {
      g_set_error (error, AGEN_TEST_ERROR, 42, "cannot double %d", doubler->fail_at);
      return FALSE;
    }
  g_value_init (result, G_TYPE_INT);
  g_value_set_int (result, 2 * g_value_get_int (item));
  return TRUE;
}

static void
doubler_destroyed (gpointer user_data)
{
  Doubler *doubler = user_data;

  doubler->n_destroyed++;
}

static gboolean
is_even (const GValue  *item,
         gpointer       user_data,
         GError       **error)
{
  return g_value_get_int (item) % 2 == 0;
}

/* ------------------------------------------------------------------- map */

/* map yields func (item) for each item, by next and by foreach, and closes
 * its source once. */
static void
test_map_items (AgenTestFixture *fixture,
                gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);

  for (Consumer consumer = BY_NEXT; consumer <= BY_FOREACH; consumer++)
    {
      g_autoptr(AgenTestScript) script = counting_script (4, awaiting);
      g_autoptr(AgenGenerator) source = source_new (script, "numbers");
      Doubler doubler = { .fail_at = -1 };
      g_autoptr(AgenGenerator) map = agen_generator_map (source, double_item, &doubler, doubler_destroyed);

      g_assert_cmpstr (agen_generator_get_name (map), ==, "map(numbers)");
      assert_drains_to (map, consumer, "0 2 4 6");
      assert_closed_once (script, source);
      g_assert_cmpint (agen_generator_get_state (map), ==, AGEN_GENERATOR_STATE_FINISHED);
      g_assert_cmpuint (doubler.n_calls, ==, 4);
      /* The function's data goes when the map finishes. */
      g_assert_cmpuint (doubler.n_destroyed, ==, 1);
      agen_test_assert_next_end (map);
      agen_test_script_assert_sane (script);
    }
}

/* Nothing is pulled before the combinator's first next. */
static void
test_laziness (AgenTestFixture *fixture,
               gconstpointer    data)
{
  g_autoptr(AgenTestScript) a = counting_script (3, FALSE);
  g_autoptr(AgenTestScript) b = counting_script (3, FALSE);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  AgenGenerator *both[] = { sa, sb };
  Doubler doubler = { .fail_at = -1 };
  AgenGenerator *combinators[] = {
    agen_generator_map (sa, double_item, &doubler, NULL),
    agen_generator_filter (sa, is_even, NULL, NULL),
    agen_generator_take (sa, 2),
    agen_generator_skip (sa, 1),
    agen_generator_enumerate (sa),
    agen_generator_batch (sa, 2, 10),
    agen_generator_chain (both, 2),
    agen_generator_zip (both, 2),
    agen_generator_merge (both, 2),
  };

  agen_test_iterate_ms (20);
  g_assert_cmpuint (a->n_calls, ==, 0);
  g_assert_cmpuint (b->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (sa), ==, AGEN_GENERATOR_STATE_CREATED);
  g_assert_cmpuint (doubler.n_calls, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (combinators); i++)
    {
      g_assert_cmpint (agen_generator_get_state (combinators[i]), ==, AGEN_GENERATOR_STATE_CREATED);
      g_object_unref (combinators[i]);
    }
  agen_test_drain ();
  /* Dropped unstarted, they closed nothing. */
  g_assert_cmpuint (a->n_calls, ==, 0);
  g_assert_cmpuint (b->n_calls, ==, 0);

  /* The first next pulls once; a chain does not touch b yet. */
  {
    g_autoptr(AgenGenerator) chain = agen_generator_chain (both, 2);

    agen_test_assert_next_int (chain, 0);
    g_assert_cmpuint (a->n_calls, ==, 1);
    g_assert_cmpuint (b->n_calls, ==, 0);
    /* The chain holds a, as an operation does. */
    g_assert_cmpint (agen_generator_get_state (sa), ==, AGEN_GENERATOR_STATE_RUNNING);
    g_assert_cmpint (agen_generator_get_state (sb), ==, AGEN_GENERATOR_STATE_CREATED);
  }
}

/* An error of map's function closes the source first, then fails as it is. */
static void
test_map_error_closes_source (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);
  g_autoptr(AgenTestScript) script = counting_script (5, awaiting);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  Doubler doubler = { .fail_at = 2 };
  g_autoptr(AgenGenerator) map = agen_generator_map (source, double_item, &doubler, doubler_destroyed);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = drain (map, BY_NEXT, &error);

  g_assert_cmpstr (text, ==, "0 2");
  /* The function's own error, as it is. */
  g_assert_error (error, AGEN_TEST_ERROR, 42);
  g_assert_cmpstr (error->message, ==, "cannot double 2");
  /* The source was closed first: its cleanup ran, at its yield of 2. */
  assert_closed_once (script, source);
  g_assert_cmpuint (doubler.n_destroyed, ==, 1);
  agen_test_assert_next_end (map);
}

/* ---------------------------------------------------------------- filter */

/* filter yields the items func keeps, and closes its source once. */
static void
test_filter_items (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);

  for (Consumer consumer = BY_NEXT; consumer <= BY_FOREACH; consumer++)
    {
      g_autoptr(AgenTestScript) script = counting_script (7, awaiting);
      g_autoptr(AgenGenerator) source = source_new (script, "numbers");
      Doubler data_destroyed = { 0 };
      g_autoptr(AgenGenerator) filter = agen_generator_filter (source, is_even, &data_destroyed,
                                                               doubler_destroyed);

      g_assert_cmpstr (agen_generator_get_name (filter), ==, "filter(numbers)");
      assert_drains_to (filter, consumer, "0 2 4 6");
      assert_closed_once (script, source);
      g_assert_cmpuint (data_destroyed.n_destroyed, ==, 1);
    }
}

/* Fails at 3, as a check that reads something might. */
static gboolean
is_even_below_3 (const GValue  *item,
                 gpointer       user_data,
                 GError       **error)
{
  if (g_value_get_int (item) >= 3)
    {
      g_set_error (error, AGEN_TEST_ERROR, 43, "cannot check %d", g_value_get_int (item));
      return FALSE;
    }
  return is_even (item, user_data, error);
}

/* An error of filter's function closes the source first, then fails as it
 * is. */
static void
test_filter_error_closes_source (AgenTestFixture *fixture,
                                 gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);
  g_autoptr(AgenTestScript) script = counting_script (5, awaiting);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) filter = agen_generator_filter (source, is_even_below_3, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = drain (filter, BY_NEXT, &error);

  g_assert_cmpstr (text, ==, "0 2");
  /* The function's own error, as it is, after the source was closed. */
  g_assert_error (error, AGEN_TEST_ERROR, 43);
  g_assert_cmpstr (error->message, ==, "cannot check 3");
  assert_closed_once (script, source);
  agen_test_assert_next_end (filter);
}

/* ------------------------------------------------------------------ take */

/* take yields the first n items, then closes its source at once. */
static void
test_take_items (AgenTestFixture *fixture,
                 gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);

  for (Consumer consumer = BY_NEXT; consumer <= BY_FOREACH; consumer++)
    {
      g_autoptr(AgenTestScript) script = counting_script (10, awaiting);
      g_autoptr(AgenGenerator) source = source_new (script, "numbers");
      g_autoptr(AgenGenerator) take = agen_generator_take (source, 3);

      assert_drains_to (take, consumer, "0 1 2");
      /* Closed once, after its third item, which was the last pulled:
       * three yields and the close. */
      assert_closed_once (script, source);
      g_assert_cmpuint (script->n_calls, ==, awaiting ? 7 : 4);
      agen_test_assert_next_end (take);
      g_assert_cmpuint (count_in_log (script, "d1"), ==, 1);
    }
}

/* take of more items than there are ends with the source. */
static void
test_take_more_than_there_is (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script (2, FALSE);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) take = agen_generator_take (source, 5);

  assert_drains_to (take, BY_NEXT, "0 1");
  assert_closed_once (script, source);
}

/* take (0) ends at once and finishes its source without running it. */
static void
test_take_zero (AgenTestFixture *fixture,
                gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script (2, FALSE);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) take = agen_generator_take (source, 0);

  agen_test_assert_next_end (take);
  /* Never pulled: the close finished it without running its body. */
  g_assert_cmpuint (script->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (source), ==, AGEN_GENERATOR_STATE_FINISHED);
  g_assert_cmpstr (script->log->str, ==, "");
}

/* ------------------------------------------------------------------ skip */

/* skip drops the first n items; skipping more than there are yields
 * nothing. */
static void
test_skip_items (AgenTestFixture *fixture,
                 gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script (5, FALSE);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) skip = agen_generator_skip (source, 2);
  g_autoptr(AgenTestScript) short_script = counting_script (2, TRUE);
  g_autoptr(AgenGenerator) short_source = source_new (short_script, "short");
  g_autoptr(AgenGenerator) skip_all = agen_generator_skip (short_source, 5);

  assert_drains_to (skip, BY_FOREACH, "2 3 4");
  assert_closed_once (script, source);
  assert_drains_to (skip_all, BY_NEXT, "");
  assert_closed_once (short_script, short_source);
}

/* ------------------------------------------------------------- enumerate */

/* enumerate yields [index, item] pairs, the index a guint64. */
static void
test_enumerate_items (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script_from (3, 10, TRUE);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) enumerate = agen_generator_enumerate (source);

  /* #n is a guint64 */
  assert_drains_to (enumerate, BY_NEXT, "[#0 10] [#1 11] [#2 12]");
  assert_closed_once (script, source);
}

/* ---------------------------------------------------------------- tuples */

/* enumerate_tuples, zip_tuples and batch_tuples yield the items of
 * enumerate, zip and batch as AgenTuples, and behave as they do otherwise:
 * same names, same ends, sources closed once. */
static void
test_tuples_items (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);
  g_autoptr(AgenTestScript) numbers = counting_script_from (3, 10, awaiting);
  g_autoptr(AgenGenerator) numbers_source = source_new (numbers, "numbers");
  g_autoptr(AgenGenerator) enumerate = agen_generator_enumerate_tuples (numbers_source);
  g_autoptr(AgenTestScript) a = counting_script_from (4, 0, awaiting);
  g_autoptr(AgenTestScript) b = counting_script_from (2, 10, !awaiting);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  AgenGenerator *sources[] = { sa, sb };
  g_autoptr(AgenGenerator) zip = agen_generator_zip_tuples (sources, 2);
  g_autoptr(AgenGenerator) empty_zip = agen_generator_zip_tuples (NULL, 0);
  g_autoptr(AgenTestScript) seven = counting_script (7, awaiting);
  g_autoptr(AgenGenerator) seven_source = source_new (seven, "seven");
  g_autoptr(AgenGenerator) batch = agen_generator_batch_tuples (seven_source, 3, 0);

  g_assert_cmpstr (agen_generator_get_name (enumerate), ==, "enumerate(numbers)");
  assert_drains_to (enumerate, BY_NEXT, "(#0 10) (#1 11) (#2 12)");
  assert_closed_once (numbers, numbers_source);

  g_assert_cmpstr (agen_generator_get_name (zip), ==, "zip(a, b)");
  assert_drains_to (zip, BY_FOREACH, "(0 10) (1 11)");
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
  agen_test_assert_next_end (empty_zip);

  g_assert_cmpstr (agen_generator_get_name (batch), ==, "batch(seven)");
  assert_drains_to (batch, BY_NEXT, "(0 1 2) (3 4 5) (6)");
  assert_closed_once (seven, seven_source);
}

/* Tuples nest: a batch of zipped pairs; the old forms still give
 * GValueArrays inside tuples and around them. */
static void
test_tuples_nested (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  g_autoptr(AgenTestScript) a = counting_script_from (3, 0, FALSE);
  g_autoptr(AgenTestScript) b = counting_script_from (3, 10, FALSE);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  AgenGenerator *sources[] = { sa, sb };
  g_autoptr(AgenGenerator) zip = agen_generator_zip_tuples (sources, 2);
  g_autoptr(AgenGenerator) batch = agen_generator_batch_tuples (zip, 2, 0);
  g_autoptr(AgenTestScript) c = counting_script_from (2, 0, FALSE);
  g_autoptr(AgenGenerator) sc = source_new (c, "c");
  g_autoptr(AgenGenerator) enumerate = agen_generator_enumerate (sc);
  g_autoptr(AgenGenerator) old_in_new = agen_generator_batch_tuples (enumerate, 5, 0);

  assert_drains_to (batch, BY_NEXT, "((0 10) (1 11)) ((2 12))");
  assert_drains_to (old_in_new, BY_NEXT, "([#0 0] [#1 1])");
}

/* An AgenTuple holds copies of its values. */
static void
test_tuple_values (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(AgenTuple) tuple = NULL;
  g_autoptr(AgenTuple) empty = agen_tuple_new (NULL, 0);

  g_value_init (&values[0], G_TYPE_INT);
  g_value_set_int (&values[0], 7);
  g_value_init (&values[1], G_TYPE_STRING);
  g_value_set_string (&values[1], "seven");
  tuple = agen_tuple_new (values, G_N_ELEMENTS (values));
  g_value_set_string (&values[1], "changed");
  g_value_unset (&values[0]);
  g_value_unset (&values[1]);

  g_assert_cmpuint (agen_tuple_get_size (tuple), ==, 2);
  g_assert_cmpint (g_value_get_int (agen_tuple_get (tuple, 0)), ==, 7);
  g_assert_cmpstr (g_value_get_string (agen_tuple_get (tuple, 1)), ==, "seven");
  g_assert_cmpuint (agen_tuple_get_size (empty), ==, 0);

  if (!g_test_undefined ())
    return;

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*index_ < self->n_values*");
  g_assert_null (agen_tuple_get (tuple, 2));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*values != NULL*");
  g_assert_null (agen_tuple_new (NULL, 1));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*AGEN_IS_TUPLE*");
  g_assert_cmpuint (agen_tuple_get_size (NULL), ==, 0);
  g_test_assert_expected_messages ();
}

/* ----------------------------------------------------------------- chain */

/* chain yields each source's items in turn, empty sources too. */
static void
test_chain_items (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  g_autoptr(AgenTestScript) a = counting_script_from (2, 0, FALSE);
  g_autoptr(AgenTestScript) b = counting_script_from (0, 0, FALSE);
  g_autoptr(AgenTestScript) c = counting_script_from (2, 10, TRUE);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  g_autoptr(AgenGenerator) sc = source_new (c, "c");
  AgenGenerator *sources[] = { sa, sb, sc };
  g_autoptr(AgenGenerator) chain = agen_generator_chain (sources, G_N_ELEMENTS (sources));
  g_autoptr(AgenGenerator) empty = agen_generator_chain (NULL, 0);

  g_assert_cmpstr (agen_generator_get_name (chain), ==, "chain(a, b, c)");
  assert_drains_to (chain, BY_FOREACH, "0 1 10 11");
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
  assert_closed_once (c, sc);
  agen_test_assert_next_end (empty);
}

/* ------------------------------------------------------------------- zip */

/* zip yields tuples until the shortest source ends, and closes the others. */
static void
test_zip_shortest (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);
  g_autoptr(AgenTestScript) a = counting_script_from (4, 0, awaiting);
  g_autoptr(AgenTestScript) b = counting_script_from (2, 10, !awaiting);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  AgenGenerator *sources[] = { sa, sb };
  g_autoptr(AgenGenerator) zip = agen_generator_zip (sources, 2);
  g_autoptr(AgenGenerator) empty = agen_generator_zip (NULL, 0);

  g_assert_cmpstr (agen_generator_get_name (zip), ==, "zip(a, b)");
  assert_drains_to (zip, BY_NEXT, "[0 10] [1 11]");
  /* b ended; a, still suspended, was closed: its cleanup ran once. */
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
  /* a was suspended at a yield, or its next was in flight: cancelled, or
   * its await (on an open gate) completed first and the item was dropped. */
  g_assert_cmpuint (count_in_log (a, "u:CANCELLED") + count_in_log (a, "u:EXIT"), ==, 1);
  if (!awaiting)
    g_assert_cmpuint (count_in_log (a, "u:EXIT"), ==, 1);
  agen_test_assert_next_end (empty);
}

/* One source ends while the other's next is in flight: that next is
 * cancelled, waited for, and its source closed. */
static void
test_zip_ends_while_in_flight (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep slow_steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (10), S_AWAIT, S_YIELD (11) };
  g_autoptr(AgenTestScript) slow = AGEN_TEST_SCRIPT (slow_steps);
  g_autoptr(AgenTestScript) fast = counting_script (1, FALSE);
  g_autoptr(AgenGenerator) s_slow = source_new (slow, "slow");
  g_autoptr(AgenGenerator) s_fast = source_new (fast, "fast");
  AgenGenerator *sources[] = { s_slow, s_fast };
  g_autoptr(AgenGenerator) zip = agen_generator_zip (sources, 2);
  GString *text = g_string_new (NULL);
  AgenTestCall call = { 0 };

  agen_test_start_next (zip, NULL, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (slow->gate), ==, 1);
  agen_test_gate_open (slow->gate);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  append_value (text, &call.item);
  g_assert_cmpstr (text->str, ==, "[10 0]");
  g_string_free (text, TRUE);
  agen_test_call_clear (&call);

  /* slow awaits again; fast ends at once. */
  agen_test_assert_next_end (zip);
  g_assert_cmpuint (count_in_log (slow, "u:CANCELLED"), ==, 1);
  agen_test_drain ();
  g_assert_cmpuint (agen_test_gate_get_n_cancelled (slow->gate), ==, 1);
  assert_closed_once (slow, s_slow);
  assert_closed_once (fast, s_fast);
}

/* ----------------------------------------------------------------- merge */

/* merge yields every item once, each source's items in their order. */
static void
test_merge_items (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  g_autoptr(AgenTestScript) a = counting_script_from (3, 0, FALSE);
  g_autoptr(AgenTestScript) b = counting_script_from (2, 10, TRUE);
  g_autoptr(AgenTestScript) c = counting_script_from (0, 20, FALSE);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  g_autoptr(AgenGenerator) sc = source_new (c, "c");
  AgenGenerator *sources[] = { sa, sb, sc };
  g_autoptr(AgenGenerator) merge = agen_generator_merge (sources, G_N_ELEMENTS (sources));
  g_autoptr(AgenGenerator) empty = agen_generator_merge (NULL, 0);
  g_autofree char *text = NULL;
  GError *error = NULL;
  g_auto(GStrv) items = NULL;

  text = drain (merge, BY_FOREACH, &error);
  g_assert_no_error (error);
  /* Every item once; each source's items in their order. */
  items = g_strsplit (text, " ", -1);
  g_assert_cmpuint (g_strv_length (items), ==, 5);
  for (guint i = 0, next_a = 0, next_b = 10; items[i] != NULL; i++)
    {
      guint n = (guint) g_ascii_strtoull (items[i], NULL, 10);

      if (n < 10)
        g_assert_cmpuint (n, ==, next_a++);
      else
        g_assert_cmpuint (n, ==, next_b++);
    }
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
  assert_closed_once (c, sc);
  agen_test_assert_next_end (empty);
}

/* Items come in the order the sources yield them: the test opens the gates. */
static void
test_merge_arrival_order (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  static const AgenTestStep a_steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (1), S_AWAIT, S_YIELD (3) };
  static const AgenTestStep b_steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (2), S_AWAIT, S_YIELD (4) };
  g_autoptr(AgenTestScript) a = AGEN_TEST_SCRIPT (a_steps);
  g_autoptr(AgenTestScript) b = AGEN_TEST_SCRIPT (b_steps);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  AgenGenerator *sources[] = { sa, sb };
  g_autoptr(AgenGenerator) merge = agen_generator_merge (sources, 2);
  /* Whose gate to open at each next: b, a, a, b */
  AgenTestScript *order[] = { b, a, a, b };
  gint expected[] = { 2, 1, 3, 4 };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      AgenTestCall call = { 0 };

      agen_test_start_next (merge, NULL, &call);
      agen_test_drain ();
      g_assert_false (call.done);
      /* One next in flight per source that has not ended. */
      g_assert_cmpuint (agen_test_gate_get_n_waiters (order[i]->gate), ==, 1);
      g_assert_cmpuint (agen_test_gate_get_n_waiters (b->gate), ==, 1);
      agen_test_gate_open (order[i]->gate);
      agen_test_call_wait (&call);
      g_assert_no_error (call.error);
      agen_test_assert_item_int (call.ret, &call.item, expected[i]);
      agen_test_call_clear (&call);
    }
  agen_test_assert_next_end (merge);
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
}

/* A source that sleeps before each item. */
typedef struct
{
  const guint *delays_ms;
  guint n;
  guint i;
  gint base;
} Sleeper;

static gboolean
sleep_done (gpointer task)
{
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
sleep_async (guint               ms,
             GAsyncReadyCallback callback,
             gpointer            user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  GSource *timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, sleep_done, task, g_object_unref);
  g_source_attach (timeout, g_main_context_get_thread_default ());
  g_source_unref (timeout);
}

static void
sleeper_body (AgenGenerator *self,
              gpointer       user_data)
{
  Sleeper *sleeper = user_data;

  AGEN_BEGIN (self);
  for (sleeper->i = 0; sleeper->i < sleeper->n; sleeper->i++)
    {
      AGEN_AWAIT (self, sleep_async (sleeper->delays_ms[sleeper->i], agen_generator_ready,
                                     agen_generator_await (self)));
      AGEN_YIELD_INT (self, sleeper->base + (gint) sleeper->i);
    }
  AGEN_END (self);
}

static AgenGenerator *
sleeper_new (const guint *delays_ms,
             guint        n,
             gint         base)
{
  Sleeper *sleeper = g_new0 (Sleeper, 1);

  sleeper->delays_ms = delays_ms;
  sleeper->n = n;
  sleeper->base = base;
  return agen_generator_new (sleeper_body, sleeper, g_free);
}

/* Real delays, far enough apart for a loaded machine: a yields at about
 * 0.15 s and 0.45 s, b at 0 s, 0.3 s and 0.6 s. */
static void
test_merge_delays (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  static const guint a_delays[] = { 150, 300 };
  static const guint b_delays[] = { 0, 300, 300 };
  AgenGenerator *sources[] = {
    sleeper_new (a_delays, G_N_ELEMENTS (a_delays), 10),
    sleeper_new (b_delays, G_N_ELEMENTS (b_delays), 20),
  };
  g_autoptr(AgenGenerator) merge = agen_generator_merge (sources, 2);

  g_object_unref (sources[0]);
  g_object_unref (sources[1]);
  assert_drains_to (merge, BY_FOREACH, "20 10 21 11 22");
}

/* A source's error fails merge, which cancels and closes the others. */
static void
test_merge_error_closes_others (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  static const AgenTestStep failing_steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (10), S_RAISE (5) };
  static const AgenTestStep waiting_steps[] = { S_DEFER (1), S_YIELD (20), S_AWAIT, S_YIELD (21) };
  g_autoptr(AgenTestScript) a = AGEN_TEST_SCRIPT (failing_steps);
  g_autoptr(AgenTestScript) b = AGEN_TEST_SCRIPT (waiting_steps);
  g_autoptr(AgenTestScript) c = counting_script_from (100, 30, FALSE);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  g_autoptr(AgenGenerator) sc = source_new (c, "c");
  AgenGenerator *sources[] = { sa, sb, sc };
  g_autoptr(AgenGenerator) merge = agen_generator_merge (sources, 3);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  agen_test_gate_leave_open (a->gate);
  /* b awaits its gate, which stays shut: a's error cancels that await. */
  text = drain (merge, BY_NEXT, &error);
  g_assert_error (error, AGEN_TEST_ERROR, 5);
  g_assert_cmpstr (error->message, ==, "a: raised error 5");
  g_assert_true (strstr (text, "10") != NULL);
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
  g_assert_cmpuint (count_in_log (b, "u:CANCELLED"), ==, 1);
  assert_closed_once (c, sc);
  g_assert_cmpuint (count_in_log (c, "u:EXIT"), ==, 1);
}

/* ----------------------------------------------------------------- batch */

/* batch yields full batches, then the rest, never an empty one. */
static void
test_batch_by_size (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);

  for (Consumer consumer = BY_NEXT; consumer <= BY_FOREACH; consumer++)
    {
      g_autoptr(AgenTestScript) script = counting_script (7, awaiting);
      g_autoptr(AgenGenerator) source = source_new (script, "numbers");
      /* A timeout far longer than the test: batches are full, but for the last. */
      g_autoptr(AgenGenerator) batch = agen_generator_batch (source, 3, 600000);
      g_autoptr(AgenTestScript) exact_script = counting_script (4, awaiting);
      g_autoptr(AgenGenerator) exact_source = source_new (exact_script, "exact");
      g_autoptr(AgenGenerator) exact = agen_generator_batch (exact_source, 2, 0);

      assert_drains_to (batch, consumer, "[0 1 2] [3 4 5] [6]");
      assert_closed_once (script, source);
      /* No empty batch at the end. */
      assert_drains_to (exact, consumer, "[0 1] [2 3]");
      assert_closed_once (exact_script, exact_source);
    }
}

/* The timeout fires while the source's next is in flight: the partial batch
 * is yielded, and the item that next brings starts the next batch. */
static void
test_batch_by_timeout (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script_full (6, TRUE, NULL, 0);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) batch = agen_generator_batch (source, 3, 50);
  g_autoptr(GString) all = g_string_new (NULL);
  g_autofree char *rest = NULL;
  GError *error = NULL;
  AgenTestCall call = { 0 };

  agen_test_start_next (batch, NULL, &call);
  agen_test_wait_for_count (&script->n_calls, 1, 10);
  agen_test_gate_open (script->gate);          /* item 0 */
  /* Nothing more comes: after 50 ms, [0] alone, with a next in flight. */
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  append_value (all, &call.item);
  g_assert_cmpstr (all->str, ==, "[0]");
  agen_test_call_clear (&call);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (script->gate), ==, 1);
  g_assert_cmpint (agen_generator_get_state (batch), ==, AGEN_GENERATOR_STATE_SUSPENDED);

  /* Item 1 arrives while the batch is suspended at its yield. */
  agen_test_gate_open (script->gate);
  agen_test_drain ();
  agen_test_call_init (&call);
  agen_test_start_next (batch, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  append_value (all, &call.item);
  g_assert_true (g_str_has_prefix (all->str, "[0] [1"));
  agen_test_call_clear (&call);

  agen_test_gate_leave_open (script->gate);
  rest = drain (batch, BY_NEXT, &error);
  g_assert_no_error (error);
  g_string_append_printf (all, " %s", rest);

  /* Nothing lost, nothing twice, in order, and no batch empty. */
  {
    g_autofree char *flat = g_strdelimit (g_strdup (all->str), "[]", ' ');
    g_auto(GStrv) words = g_strsplit_set (flat, " ", -1);
    guint expected = 0;

    for (guint i = 0; words[i] != NULL; i++)
      if (words[i][0] != '\0')
        g_assert_cmpuint (g_ascii_strtoull (words[i], NULL, 10), ==, expected++);
    g_assert_cmpuint (expected, ==, 6);
    g_assert_null (strstr (all->str, "[]"));
  }
  assert_closed_once (script, source);
}

/* Closing the batch while its next is in flight cancels that next, waits
 * for it, and then closes the source. */
static void
test_batch_close_in_flight (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script_full (4, TRUE, NULL, 0);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) batch = agen_generator_batch (source, 3, 20);
  g_autoptr(GError) error = NULL;
  AgenTestCall call = { 0 };

  agen_test_start_next (batch, NULL, &call);
  agen_test_wait_for_count (&script->n_calls, 1, 10);
  agen_test_gate_open (script->gate);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (script->gate), ==, 1);

  g_assert_true (agen_test_close (batch, NULL, &error));
  g_assert_no_error (error);
  /* The source got the cancellation at its await, once; its cleanup ran once. */
  g_assert_cmpuint (count_in_log (script, "u:CANCELLED"), ==, 1);
  assert_closed_once (script, source);
  agen_test_drain ();
  g_assert_cmpuint (agen_test_gate_get_n_cancelled (script->gate), ==, 1);
  agen_test_assert_next_end (batch);
}

/* An error thrown in while the source's next is in flight reaches the
 * source once that next has settled; its item is kept. */
static void
test_batch_throw_in_flight (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  static const AgenTestStep handler[] = { S_YIELD (100) };
  g_autoptr(AgenTestScript) script = counting_script_full (3, TRUE, handler, G_N_ELEMENTS (handler));
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) batch = agen_generator_batch (source, 3, 20);
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_TEST_ERROR, 9, "thrown in");
  GString *text = g_string_new (NULL);
  AgenTestCall call = { 0 };

  agen_test_start_next (batch, NULL, &call);
  agen_test_gate_open (script->gate);
  agen_test_call_wait (&call);
  append_value (text, &call.item);
  g_assert_cmpstr (text->str, ==, "[0]");
  agen_test_call_clear (&call);

  agen_test_call_init (&call);
  agen_test_start_throw (batch, thrown, NULL, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_assert_cmpuint (count_in_log (script, "c:E9"), ==, 0);
  agen_test_gate_open (script->gate);          /* item 1 settles the next */
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  append_value (text, &call.item);
  g_assert_cmpstr (text->str, ==, "[0] [1 100]");
  agen_test_call_clear (&call);
  g_assert_cmpuint (count_in_log (script, "c:E9"), ==, 1);
  g_string_free (text, TRUE);

  agen_test_assert_next_end (batch);
  assert_closed_once (script, source);
}

/* A source error after a partial batch: the batch first, then the error. */
static void
test_batch_error_after_partial (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_YIELD (1), S_RAISE (3) };
  g_autoptr(AgenTestScript) script = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) batch = agen_generator_batch (source, 5, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = drain (batch, BY_NEXT, &error);

  /* What came before the error is yielded first. */
  g_assert_cmpstr (text, ==, "[0 1]");
  g_assert_error (error, AGEN_TEST_ERROR, 3);
  g_assert_cmpstr (error->message, ==, "numbers: raised error 3");
  assert_closed_once (script, source);
}

/* --------------------------------------------------------------- closing */

/* Closing a combinator at a yield closes its source once. */
static void
test_close_single_source (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  for (guint kind = 0; kind < 6; kind++)
    {
      g_autoptr(AgenTestScript) script = counting_script (5, kind % 2 == 1);
      g_autoptr(AgenGenerator) source = source_new (script, "numbers");
      g_autoptr(AgenGenerator) combinator = NULL;
      g_autoptr(GError) error = NULL;
      Doubler doubler = { .fail_at = -1 };

      switch (kind)
        {
        case 0: combinator = agen_generator_map (source, double_item, &doubler, NULL); break;
        case 1: combinator = agen_generator_filter (source, is_even, NULL, NULL); break;
        case 2: combinator = agen_generator_take (source, 4); break;
        case 3: combinator = agen_generator_skip (source, 1); break;
        case 4: combinator = agen_generator_enumerate (source); break;
        case 5: combinator = agen_generator_batch (source, 1, 0); break;
        default: g_assert_not_reached ();
        }

      g_assert_true (agen_test_next (combinator, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (count_in_log (script, "d1"), ==, 0);
      g_assert_true (agen_test_close (combinator, NULL, &error));
      g_assert_no_error (error);
      assert_closed_once (script, source);
      g_assert_cmpuint (count_in_log (script, "u:EXIT"), ==, 1);
      /* Again: nothing more. */
      g_assert_true (agen_test_close (combinator, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (count_in_log (script, "d1"), ==, 1);
      agen_test_script_assert_sane (script);
    }
}

/* A chain's sources: one finished, one suspended (pulled from), one
 * suspended by someone else before, one never started. */
static void
test_close_chain_states (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  g_autoptr(AgenTestScript) done = counting_script_from (1, 0, FALSE);
  g_autoptr(AgenTestScript) current = counting_script_from (3, 10, TRUE);
  g_autoptr(AgenTestScript) started = counting_script_from (3, 20, FALSE);
  g_autoptr(AgenTestScript) fresh = counting_script_from (3, 30, FALSE);
  g_autoptr(AgenGenerator) s_done = source_new (done, "done");
  g_autoptr(AgenGenerator) s_current = source_new (current, "current");
  g_autoptr(AgenGenerator) s_started = source_new (started, "started");
  g_autoptr(AgenGenerator) s_fresh = source_new (fresh, "fresh");
  AgenGenerator *sources[] = { s_done, s_current, s_started, s_fresh };
  g_autoptr(AgenGenerator) chain = agen_generator_chain (sources, 4);
  g_autoptr(GError) error = NULL;

  agen_test_assert_next_int (s_started, 20);
  agen_test_assert_next_int (chain, 0);
  agen_test_assert_next_int (chain, 10);
  g_assert_cmpint (agen_generator_get_state (s_done), ==, AGEN_GENERATOR_STATE_FINISHED);

  g_assert_true (agen_test_close (chain, NULL, &error));
  g_assert_no_error (error);
  assert_closed_once (done, s_done);
  assert_closed_once (current, s_current);
  assert_closed_once (started, s_started);
  g_assert_cmpuint (count_in_log (started, "u:EXIT"), ==, 1);
  /* Never started: finished without running its body. */
  g_assert_cmpuint (fresh->n_calls, ==, 0);
  g_assert_cmpint (agen_generator_get_state (s_fresh), ==, AGEN_GENERATOR_STATE_FINISHED);
}

/* Closing a zip closes every source once. */
static void
test_close_zip (AgenTestFixture *fixture,
                gconstpointer    data)
{
  g_autoptr(AgenTestScript) a = counting_script_from (3, 0, FALSE);
  g_autoptr(AgenTestScript) b = counting_script_from (3, 10, TRUE);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  AgenGenerator *sources[] = { sa, sb };
  g_autoptr(AgenGenerator) zip = agen_generator_zip (sources, 2);
  g_autoptr(GError) error = NULL;

  assert_next_text (zip, "[0 10]");
  g_assert_true (agen_test_close (zip, NULL, &error));
  g_assert_no_error (error);
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
}

/* A merge at a yield: one source suspended, one awaiting (in flight), one
 * ended with its end not taken yet. */
static void
test_close_merge_states (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  static const AgenTestStep waiting_steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (10) };
  g_autoptr(AgenTestScript) a = counting_script_from (3, 0, FALSE);
  g_autoptr(AgenTestScript) b = AGEN_TEST_SCRIPT (waiting_steps);
  g_autoptr(AgenTestScript) c = counting_script_from (0, 20, FALSE);
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  g_autoptr(AgenGenerator) sc = source_new (c, "c");
  AgenGenerator *sources[] = { sa, sb, sc };
  g_autoptr(AgenGenerator) merge = agen_generator_merge (sources, 3);
  g_autoptr(GError) error = NULL;

  agen_test_assert_next_int (merge, 0);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (b->gate), ==, 1);
  g_assert_true (agen_test_close (merge, NULL, &error));
  g_assert_no_error (error);
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
  g_assert_cmpuint (count_in_log (b, "u:CANCELLED"), ==, 1);
  assert_closed_once (c, sc);
}

/* A close that fails makes the combinator's close fail with it, named;
 * with several failing, every source is closed and the first is reported. */
static void
test_close_failure (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  static const AgenTestStep raise7[] = { S_RAISE (7) };
  static const AgenTestStep raise8[] = { S_RAISE (8) };
  g_autoptr(AgenTestScript) a = counting_script_h (3, FALSE, raise7, G_N_ELEMENTS (raise7));
  g_autoptr(AgenTestScript) b = counting_script_h (3, TRUE, raise8, G_N_ELEMENTS (raise8));
  g_autoptr(AgenGenerator) sa = source_new (a, "a");
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  AgenGenerator *sources[] = { sa, sb };
  g_autoptr(AgenGenerator) zip = agen_generator_zip (sources, 2);
  g_autoptr(AgenTestScript) c = counting_script_h (3, TRUE, raise7, G_N_ELEMENTS (raise7));
  g_autoptr(AgenGenerator) sc = source_new (c, "c");
  g_autoptr(AgenGenerator) map = agen_generator_map (sc, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  g_autoptr(GError) error = NULL;

  assert_next_text (map, "0");
  g_assert_false (agen_test_close (map, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 7);
  g_assert_cmpstr (error->message, ==, "c: raised error 7");
  g_clear_error (&error);
  assert_closed_once (c, sc);
  g_assert_cmpint (agen_generator_get_state (map), ==, AGEN_GENERATOR_STATE_FINISHED);

  assert_next_text (zip, "[0 0]");
  g_test_expect_message ("Agen", G_LOG_LEVEL_WARNING, "*Closing b when its consumer stopped failed: raised error 8*");
  g_assert_false (agen_test_close (zip, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, AGEN_TEST_ERROR, 7);
  g_assert_cmpstr (error->message, ==, "a: raised error 7");
  assert_closed_once (a, sa);
  assert_closed_once (b, sb);
  g_assert_cmpuint (count_in_log (b, "c:EXIT"), ==, 1);
}

/* A source whose cleanup awaits: cancelling the combinator's close reaches
 * that await, and the close fails with the source's CANCELLED. */
static void
test_close_cancelled (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_YIELD (1) };
  static const AgenTestStep cleanup[] = { S_AWAIT, S_RERAISE };
  g_autoptr(AgenTestScript) script = AGEN_TEST_SCRIPT_H (steps, cleanup);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) take = agen_generator_take (source, 5);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (take, 0);
  agen_test_start_close (take, cancellable, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (script->gate), ==, 1);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (call.error->message, ==, "numbers: Operation was cancelled");
  agen_test_call_clear (&call);
  g_assert_cmpuint (count_in_log (script, "c:EXIT"), ==, 1);
  g_assert_cmpuint (count_in_log (script, "u:CANCELLED"), ==, 1);
  assert_closed_once (script, source);
  g_assert_cmpint (agen_generator_get_state (take), ==, AGEN_GENERATOR_STATE_FINISHED);
}

/* The last unref of a suspended combinator closes it, and so its source;
 * a shutdown closes the combinator, which closes its sources. */
static void
test_close_on_unref_and_shutdown (AgenTestFixture *fixture,
                                  gconstpointer    data)
{
  g_autoptr(AgenTestScript) a = counting_script (5, TRUE);
  g_autoptr(AgenTestScript) b = counting_script (5, FALSE);
  g_autoptr(AgenGenerator) sb = source_new (b, "b");
  AgenGenerator *sa = source_new (a, "a");
  AgenGenerator *map = agen_generator_map (sa, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  g_autoptr(AgenGenerator) take = agen_generator_take (sb, 3);
  g_autoptr(AgenGenerator) filter = agen_generator_filter (take, is_even, NULL, NULL);
  g_autoptr(GError) error = NULL;
  gboolean finalized = FALSE;

  g_object_unref (sa);
  agen_test_watch_finalize (sa, &finalized);
  assert_next_text (map, "0");
  g_object_unref (map);
  agen_test_wait_for (&finalized);
  g_assert_cmpuint (count_in_log (a, "d1"), ==, 1);

  assert_next_text (filter, "0");
  g_assert_true (agen_test_shutdown (NULL, &error));
  g_assert_no_error (error);
  assert_closed_once (b, sb);
  g_assert_cmpint (agen_generator_get_state (take), ==, AGEN_GENERATOR_STATE_FINISHED);
  g_assert_cmpint (agen_generator_get_state (filter), ==, AGEN_GENERATOR_STATE_FINISHED);
}

/* --------------------------------------------------------------- throwing */

/* A throw reaches the source; what it yields goes through the combinator. */
static void
test_throw_delegated (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);
  static const AgenTestStep handler[] = { S_YIELD (100), S_YIELD (101) };
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_TEST_ERROR, 9, "thrown in");
  g_autoptr(GError) error = NULL;

  /* Caught by the source, which yields: the map maps that item. */
  {
    g_autoptr(AgenTestScript) script = counting_script_h (3, awaiting, handler, G_N_ELEMENTS (handler));
    g_autoptr(AgenGenerator) source = source_new (script, "numbers");
    g_autoptr(AgenGenerator) map = agen_generator_map (source, double_item, &(Doubler) { .fail_at = -1 }, NULL);
    g_auto(GValue) item = G_VALUE_INIT;

    agen_test_assert_next_int (map, 0);
    g_assert_true (agen_test_throw (map, thrown, NULL, &item, &error));
    g_assert_no_error (error);
    agen_test_assert_item_int (TRUE, &item, 200);
    g_assert_cmpuint (count_in_log (script, "c:E9"), ==, 1);
    assert_drains_to (map, BY_NEXT, "202");
    assert_closed_once (script, source);
  }

  /* Caught by the source, which yields an item the filter drops, then one
   * it keeps. */
  {
    static const AgenTestStep odd_handler[] = { S_YIELD (101), S_YIELD (102) };
    g_autoptr(AgenTestScript) script = counting_script_h (3, awaiting, odd_handler, G_N_ELEMENTS (odd_handler));
    g_autoptr(AgenGenerator) source = source_new (script, "numbers");
    g_autoptr(AgenGenerator) filter = agen_generator_filter (source, is_even, NULL, NULL);
    g_auto(GValue) item = G_VALUE_INIT;

    agen_test_assert_next_int (filter, 0);
    g_assert_true (agen_test_throw (filter, thrown, NULL, &item, &error));
    g_assert_no_error (error);
    agen_test_assert_item_int (TRUE, &item, 102);
    assert_drains_to (filter, BY_NEXT, "");
    assert_closed_once (script, source);
  }

  /* Not caught: the combinator raises it, named after the source. */
  {
    g_autoptr(AgenTestScript) script = counting_script (3, awaiting);
    g_autoptr(AgenGenerator) source = source_new (script, "numbers");
    g_autoptr(AgenGenerator) skip = agen_generator_skip (source, 1);

    agen_test_assert_next_int (skip, 1);
    g_assert_false (agen_test_throw (skip, thrown, NULL, NULL, &error));
    g_assert_error (error, AGEN_TEST_ERROR, 9);
    g_assert_cmpstr (error->message, ==, "numbers: thrown in");
    g_clear_error (&error);
    g_assert_cmpuint (count_in_log (script, "u:E9"), ==, 1);
    assert_closed_once (script, source);
    agen_test_assert_next_end (skip);
  }

  /* A batch passes it on too; the item the source yields starts a batch. */
  {
    g_autoptr(AgenTestScript) script = counting_script_h (3, awaiting, handler, G_N_ELEMENTS (handler));
    g_autoptr(AgenGenerator) source = source_new (script, "numbers");
    g_autoptr(AgenGenerator) batch = agen_generator_batch (source, 2, 0);
    g_auto(GValue) item = G_VALUE_INIT;
    GString *text = g_string_new (NULL);

    assert_next_text (batch, "[0 1]");
    g_assert_true (agen_test_throw (batch, thrown, NULL, &item, &error));
    g_assert_no_error (error);
    append_value (text, &item);
    g_assert_cmpstr (text->str, ==, "[100 101]");
    g_string_free (text, TRUE);
    assert_drains_to (batch, BY_NEXT, "");
    assert_closed_once (script, source);
  }
}

/* take and chain throw into the source they pull from, or raise it as it
 * is. */
static void
test_throw_take_and_chain (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  static const AgenTestStep handler[] = { S_YIELD (100) };
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_TEST_ERROR, 9, "thrown in");
  g_autoptr(GError) error = NULL;

  /* Before its last item, take passes it on; at its last, it has let go of
   * its source: it closes it and raises the error as it is. */
  {
    g_autoptr(AgenTestScript) script = counting_script_h (5, FALSE, handler, G_N_ELEMENTS (handler));
    g_autoptr(AgenGenerator) source = source_new (script, "numbers");
    g_autoptr(AgenGenerator) take = agen_generator_take (source, 2);
    g_auto(GValue) item = G_VALUE_INIT;

    agen_test_assert_next_int (take, 0);
    g_assert_true (agen_test_throw (take, thrown, NULL, &item, &error));
    g_assert_no_error (error);
    agen_test_assert_item_int (TRUE, &item, 100);
    g_assert_false (agen_test_throw (take, thrown, NULL, NULL, &error));
    g_assert_error (error, AGEN_TEST_ERROR, 9);
    g_assert_cmpstr (error->message, ==, "thrown in");
    g_clear_error (&error);
    g_assert_cmpuint (count_in_log (script, "c:E9"), ==, 1);
    assert_closed_once (script, source);
  }

  /* A chain throws it into the source it pulls from; when that one
   * returns, the chain goes on with the next. */
  {
    static const AgenTestStep return_handler[] = { S_RETURN };
    g_autoptr(AgenTestScript) a = counting_script_h (3, FALSE, return_handler, 1);
    g_autoptr(AgenTestScript) b = counting_script_from (2, 10, TRUE);
    g_autoptr(AgenGenerator) sa = source_new (a, "a");
    g_autoptr(AgenGenerator) sb = source_new (b, "b");
    AgenGenerator *sources[] = { sa, sb };
    g_autoptr(AgenGenerator) chain = agen_generator_chain (sources, 2);
    g_auto(GValue) item = G_VALUE_INIT;

    agen_test_assert_next_int (chain, 0);
    g_assert_true (agen_test_throw (chain, thrown, NULL, &item, &error));
    g_assert_no_error (error);
    agen_test_assert_item_int (TRUE, &item, 10);
    g_assert_cmpuint (count_in_log (a, "c:E9"), ==, 1);
    g_assert_cmpuint (count_in_log (b, "c:E9"), ==, 0);
    assert_drains_to (chain, BY_NEXT, "11");
    assert_closed_once (a, sa);
    assert_closed_once (b, sb);
  }
}

/* zip and merge cannot give it to one source: they close every source and
 * raise it. */
static void
test_throw_zip_merge (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_TEST_ERROR, 9, "thrown in");

  for (guint merge = 0; merge < 2; merge++)
    {
      g_autoptr(AgenTestScript) a = counting_script (3, FALSE);
      g_autoptr(AgenTestScript) b = counting_script (3, TRUE);
      g_autoptr(AgenGenerator) sa = source_new (a, "a");
      g_autoptr(AgenGenerator) sb = source_new (b, "b");
      AgenGenerator *sources[] = { sa, sb };
      g_autoptr(AgenGenerator) combinator = merge ? agen_generator_merge (sources, 2)
                                                  : agen_generator_zip (sources, 2);
      g_autoptr(GError) error = NULL;

      g_assert_true (agen_test_next (combinator, NULL, NULL, &error));
      g_assert_false (agen_test_throw (combinator, thrown, NULL, NULL, &error));
      g_assert_error (error, AGEN_TEST_ERROR, 9);
      g_assert_cmpstr (error->message, ==, "thrown in");
      /* Each was closed (a merge's next in flight cancelled first), and
       * none got the thrown error. */
      assert_closed_once (a, sa);
      assert_closed_once (b, sb);
      g_assert_cmpuint (count_in_log (a, "u:E9"), ==, 0);
      g_assert_cmpuint (count_in_log (b, "u:E9"), ==, 0);
      g_assert_cmpuint (count_in_log (a, "u:EXIT"), ==, 1);
      g_assert_cmpuint (count_in_log (b, "u:CANCELLED") + count_in_log (b, "u:EXIT"), ==, 1);
    }
}

/* ----------------------------------------------------------- cancellation */

/* The consumer's cancellation reaches the source's await once, and comes
 * back as the source's error. */
static void
test_cancel_reaches_source (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  gboolean ignoring = GPOINTER_TO_INT (data);
  AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_AWAIT, S_YIELD (1) };
  g_autoptr(AgenTestScript) script = NULL;
  g_autoptr(AgenGenerator) source = NULL;
  g_autoptr(AgenGenerator) map = NULL;
  g_autoptr(AgenGenerator) take = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  if (ignoring)
    steps[2].kind = AGEN_TEST_STEP_AWAIT_IGNORING;
  script = AGEN_TEST_SCRIPT (steps);
  source = source_new (script, "numbers");
  map = agen_generator_map (source, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  take = agen_generator_take (map, 5);

  agen_test_assert_next_int (take, 0);
  agen_test_start_next (take, cancellable, &call);
  agen_test_wait_for_count (&script->n_calls, 2, 10);
  agen_test_drain ();
  g_assert_false (call.done);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);

  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (call.error->message, ==, "map(numbers): numbers: Operation was cancelled");
  agen_test_call_clear (&call);
  g_assert_cmpuint (count_in_log (script, "u:CANCELLED"), ==, 1);
  assert_closed_once (script, source);
  g_assert_cmpint (agen_generator_get_state (take), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_gate_leave_open (script->gate);
}

/* The source's await completes, and then, before anything resumes, the
 * consumer cancels: the cancellation is not lost on the way. Each stage
 * gives way to it as asyncio does (the item the source then yields is
 * dropped), the pipeline fails with CANCELLED and the source is closed
 * once. */
static void
test_cancel_after_source_completed (AgenTestFixture *fixture,
                                    gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_AWAIT_IGNORING, S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) script = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) map = agen_generator_map (source, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  g_autoptr(AgenGenerator) take = agen_generator_take (map, 5);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (take, 0);
  agen_test_start_next (take, cancellable, &call);
  agen_test_wait_for_count (&script->n_calls, 2, 10);
  agen_test_drain ();
  g_assert_false (call.done);

  /* The gate's completion is queued first, the cancellation after it. */
  agen_test_gate_leave_open (script->gate);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);

  g_assert_false (call.ret);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_call_clear (&call);
  assert_closed_once (script, source);
  g_assert_cmpint (agen_generator_get_state (take), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (take);
}

/* A source that catches the cancellation and yields: that item comes out. */
static void
test_cancel_caught_by_source (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (0) };
  static const AgenTestStep handler[] = { S_YIELD (50), S_YIELD (51) };
  g_autoptr(AgenTestScript) script = AGEN_TEST_SCRIPT_H (steps, handler);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) map = agen_generator_map (source, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (map, cancellable, &call);
  agen_test_wait_for_count (&script->n_calls, 1, 10);
  agen_test_drain ();
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  agen_test_assert_item_int (call.ret, &call.item, 100);
  agen_test_call_clear (&call);
  g_assert_cmpuint (count_in_log (script, "c:CANCELLED"), ==, 1);

  /* The next operation is not cancelled. */
  assert_drains_to (map, BY_NEXT, "102");
  g_assert_cmpuint (count_in_log (script, "c:CANCELLED"), ==, 1);
  assert_closed_once (script, source);
  agen_test_gate_leave_open (script->gate);
}

/* foreach delivers a cancellation at a yield when the body never awaits:
 * a throw, which the combinators pass on to the source. */
static gboolean
cancel_after_ten (AgenGenerator *generator,
                  const GValue  *item,
                  gpointer       cancellable)
{
  if (g_value_get_int (item) == 20)
    g_cancellable_cancel (cancellable);
  return TRUE;
}

/* A foreach over a combinator cancelled between items: CANCELLED, sources
 * closed once. */
static void
test_cancel_foreach_at_yield (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script (100000, FALSE);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) map = agen_generator_map (source, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  g_autoptr(AgenGenerator) filter = agen_generator_filter (map, is_even, NULL, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_foreach (filter, cancel_after_ten, cancellable, NULL, cancellable, &call);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (call.error->message, ==, "map(numbers): numbers: Operation was cancelled");
  agen_test_call_clear (&call);
  g_assert_cmpuint (count_in_log (script, "u:CANCELLED"), ==, 1);
  assert_closed_once (script, source);
}

/* ---------------------------------------------------------------- errors */

/* A source's error keeps its domain and code; each combinator names its
 * source. */
static void
test_source_error_named (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  gboolean awaiting = GPOINTER_TO_INT (data);
  AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_AWAIT, S_RAISE (5) };
  g_autoptr(AgenTestScript) script = NULL;
  g_autoptr(AgenGenerator) source = NULL;
  g_autoptr(AgenGenerator) map = NULL;
  g_autoptr(AgenGenerator) take = NULL;
  static const AgenTestStep raise6[] = { S_RAISE (6) };
  g_autoptr(AgenTestScript) unnamed_script = AGEN_TEST_SCRIPT (raise6);
  g_autoptr(AgenGenerator) unnamed = agen_test_script_generator (unnamed_script);
  g_autoptr(AgenGenerator) unnamed_map = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *description = NULL;

  if (!awaiting)
    steps[2].kind = AGEN_TEST_STEP_MARK;
  script = AGEN_TEST_SCRIPT (steps);
  agen_test_gate_leave_open (script->gate);
  source = source_new (script, "numbers");
  map = agen_generator_map (source, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  take = agen_generator_take (map, 5);

  text = drain (take, BY_FOREACH, &error);
  g_assert_cmpstr (text, ==, "0");
  /* Domain and code kept; each combinator names its source once. */
  g_assert_error (error, AGEN_TEST_ERROR, 5);
  g_assert_cmpstr (error->message, ==, "map(numbers): numbers: raised error 5");
  g_clear_error (&error);
  assert_closed_once (script, source);

  /* A source without a name is described. */
  unnamed_map = agen_generator_map (unnamed, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  description = g_strdup_printf ("map(AgenGenerator %p)", unnamed);
  g_assert_cmpstr (agen_generator_get_name (unnamed_map), ==, description);
  g_clear_pointer (&description, g_free);
  g_assert_false (agen_test_next (unnamed_map, NULL, NULL, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 6);
  description = g_strdup_printf ("AgenGenerator %p: raised error 6", unnamed);
  g_assert_cmpstr (error->message, ==, description);
}

/* A source someone else uses: whoever comes second gets PENDING. */
static void
test_source_in_use (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_DEFER (1), S_AWAIT, S_YIELD (0), S_YIELD (1) };
  g_autoptr(AgenTestScript) script = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) map = agen_generator_map (source, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  g_autoptr(AgenTestScript) held_script = counting_script (3, FALSE);
  g_autoptr(AgenGenerator) held = source_new (held_script, "held");
  g_autoptr(AgenGenerator) take = agen_generator_take (held, 3);
  g_autoptr(GError) error = NULL;
  AgenTestCall call = { 0 };

  /* The source is busy when the map pulls. */
  agen_test_start_next (source, NULL, &call);
  g_test_expect_message ("Agen", G_LOG_LEVEL_WARNING, "*Closing numbers when its consumer stopped failed: The generator is already running an operation*");
  agen_test_assert_next_error (map, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_test_assert_expected_messages ();
  agen_test_gate_leave_open (script->gate);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 0);
  agen_test_call_clear (&call);

  /* The take holds its source: using it meanwhile is refused. */
  agen_test_assert_next_int (take, 0);
  g_assert_false (agen_test_next (held, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  assert_drains_to (take, BY_NEXT, "1 2");
  assert_closed_once (held_script, held);
}

/* --------------------------------------------------------------- collect */

static void
on_collected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AgenTestCall *call = user_data;
  GPtrArray *items = agen_generator_collect_finish (AGEN_GENERATOR (source), result, &call->error);

  g_assert_cmpuint (call->n_callbacks++, ==, 0);
  call->ret = items != NULL;
  if (items != NULL)
    {
      GString *text = g_string_new (NULL);

      for (guint i = 0; i < items->len; i++)
        append_value (text, items->pdata[i]);
      call->log_at_callback = g_string_free (text, FALSE);
      g_ptr_array_unref (items);
    }
  call->done = TRUE;
}

static void
on_collected_store (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AgenTestCall *call = user_data;

  g_assert_cmpuint (call->n_callbacks++, ==, 0);
  call->ret = agen_generator_collect_store_finish (AGEN_GENERATOR (source), result, &call->error);
  g_assert_true (call->ret == (call->error == NULL));
  call->done = TRUE;
}

/* collect gathers every item, or fails with the error and no items. */
static void
test_collect (AgenTestFixture *fixture,
              gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script (4, TRUE);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  g_autoptr(AgenGenerator) map = agen_generator_map (source, double_item, &(Doubler) { .fail_at = -1 }, NULL);
  g_autoptr(AgenTestScript) failing = counting_script (4, FALSE);
  g_autoptr(AgenGenerator) failing_source = NULL;
  AgenTestCall call = { 0 };

  agen_generator_collect_async (map, NULL, on_collected, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpstr (call.log_at_callback, ==, "0 2 4 6");
  agen_test_call_clear (&call);
  assert_closed_once (script, source);

  /* An error: the items are lost, the error returned. */
  failing->steps[3] = (AgenTestStep) S_RAISE (4);
  failing_source = source_new (failing, "failing");
  agen_test_call_init (&call);
  agen_generator_collect_async (failing_source, NULL, on_collected, &call);
  agen_test_call_wait (&call);
  g_assert_error (call.error, AGEN_TEST_ERROR, 4);
  g_assert_false (call.ret);
  g_assert_null (call.log_at_callback);
  agen_test_call_clear (&call);
}

/* collect_store appends objects; a wrong item stops it and closes the
 * source. */
static void
test_collect_store (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  static const AgenTestStep objects[] = { S_DEFER (1), S_YIELD_OBJECT, S_AWAIT, S_YIELD_OBJECT };
  static const AgenTestStep mixed[] = { S_DEFER (1), S_YIELD_OBJECT, S_YIELD (1), S_YIELD_OBJECT };
  g_autoptr(AgenTestScript) script = AGEN_TEST_SCRIPT (objects);
  g_autoptr(AgenGenerator) source = source_new (script, "objects");
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(AgenTestScript) mixed_script = AGEN_TEST_SCRIPT (mixed);
  g_autoptr(AgenGenerator) mixed_source = source_new (mixed_script, "mixed");
  g_autoptr(GListStore) mixed_store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(AgenTestScript) wrong_script = AGEN_TEST_SCRIPT (objects);
  g_autoptr(AgenGenerator) wrong_source = source_new (wrong_script, "wrong");
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
  AgenTestCall call = { 0 };

  agen_test_gate_leave_open (script->gate);
  agen_generator_collect_store_async (source, store, NULL, on_collected_store, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  agen_test_call_clear (&call);
  assert_closed_once (script, source);

  /* An int stops the loop, which closes the source; what was appended stays. */
  agen_test_call_init (&call);
  agen_generator_collect_store_async (mixed_source, mixed_store, NULL, on_collected_store, &call);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  agen_test_call_clear (&call);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (mixed_store)), ==, 1);
  assert_closed_once (mixed_script, mixed_source);
  g_assert_cmpuint (count_in_log (mixed_script, "u:EXIT"), ==, 1);

  /* So does an object of another type than the store's. */
  agen_test_call_init (&call);
  agen_generator_collect_store_async (wrong_source, files, NULL, on_collected_store, &call);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  agen_test_call_clear (&call);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (files)), ==, 0);
  assert_closed_once (wrong_script, wrong_source);
  agen_test_gate_leave_open (wrong_script->gate);
}

/* ------------------------------------------------------------- bad input */

/* Bad input to a combinator: the critical, and no generator. */
static void
test_bad_input (AgenTestFixture *fixture,
                gconstpointer    data)
{
  g_autoptr(AgenTestScript) script = counting_script (1, FALSE);
  g_autoptr(AgenGenerator) source = source_new (script, "numbers");
  AgenGenerator *with_null[] = { source, NULL };

  if (!g_test_undefined ())
    return;

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*size > 0*");
  g_assert_null (agen_generator_batch (source, 0, 0));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*size > 0*");
  g_assert_null (agen_generator_batch_tuples (source, 0, 0));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*sources_are_valid*");
  g_assert_null (agen_generator_zip_tuples (with_null, 2));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*AGEN_IS_GENERATOR*");
  g_assert_null (agen_generator_enumerate_tuples (NULL));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_null (agen_generator_map (source, NULL, NULL, NULL));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*sources_are_valid*");
  g_assert_null (agen_generator_zip (with_null, 2));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*sources_are_valid*");
  g_assert_null (agen_generator_merge (NULL, 1));
  g_test_assert_expected_messages ();
  g_assert_cmpuint (script->n_calls, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add_data ("/combinators/map/items/sync", SYNC, test_map_items);
  agen_test_add_data ("/combinators/map/items/awaiting", AWAITING, test_map_items);
  agen_test_add_data ("/combinators/map/error-closes-source/sync", SYNC,
                      test_map_error_closes_source);
  agen_test_add_data ("/combinators/map/error-closes-source/awaiting", AWAITING,
                      test_map_error_closes_source);
  agen_test_add ("/combinators/laziness", test_laziness);
  agen_test_add_data ("/combinators/filter/items/sync", SYNC, test_filter_items);
  agen_test_add_data ("/combinators/filter/items/awaiting", AWAITING, test_filter_items);
  agen_test_add_data ("/combinators/filter/error-closes-source/sync", SYNC,
                      test_filter_error_closes_source);
  agen_test_add_data ("/combinators/filter/error-closes-source/awaiting", AWAITING,
                      test_filter_error_closes_source);
  agen_test_add_data ("/combinators/take/items/sync", SYNC, test_take_items);
  agen_test_add_data ("/combinators/take/items/awaiting", AWAITING, test_take_items);
  agen_test_add ("/combinators/take/more-than-there-is", test_take_more_than_there_is);
  agen_test_add ("/combinators/take/zero", test_take_zero);
  agen_test_add ("/combinators/skip/items", test_skip_items);
  agen_test_add ("/combinators/enumerate/items", test_enumerate_items);
  agen_test_add_data ("/combinators/tuples/items/sync", SYNC, test_tuples_items);
  agen_test_add_data ("/combinators/tuples/items/awaiting", AWAITING, test_tuples_items);
  agen_test_add ("/combinators/tuples/nested", test_tuples_nested);
  agen_test_add ("/combinators/tuples/values", test_tuple_values);
  agen_test_add ("/combinators/chain/items", test_chain_items);
  agen_test_add_data ("/combinators/zip/shortest/sync", SYNC, test_zip_shortest);
  agen_test_add_data ("/combinators/zip/shortest/awaiting", AWAITING, test_zip_shortest);
  agen_test_add ("/combinators/zip/ends-while-in-flight", test_zip_ends_while_in_flight);
  agen_test_add ("/combinators/merge/items", test_merge_items);
  agen_test_add ("/combinators/merge/arrival-order", test_merge_arrival_order);
  agen_test_add ("/combinators/merge/delays", test_merge_delays);
  agen_test_add ("/combinators/merge/error-closes-others", test_merge_error_closes_others);
  agen_test_add_data ("/combinators/batch/by-size/sync", SYNC, test_batch_by_size);
  agen_test_add_data ("/combinators/batch/by-size/awaiting", AWAITING, test_batch_by_size);
  agen_test_add ("/combinators/batch/by-timeout", test_batch_by_timeout);
  agen_test_add ("/combinators/batch/close-in-flight", test_batch_close_in_flight);
  agen_test_add ("/combinators/batch/throw-in-flight", test_batch_throw_in_flight);
  agen_test_add ("/combinators/batch/error-after-partial", test_batch_error_after_partial);
  agen_test_add ("/combinators/close/single-source", test_close_single_source);
  agen_test_add ("/combinators/close/chain-states", test_close_chain_states);
  agen_test_add ("/combinators/close/zip", test_close_zip);
  agen_test_add ("/combinators/close/merge-states", test_close_merge_states);
  agen_test_add ("/combinators/close/failure", test_close_failure);
  agen_test_add ("/combinators/close/cancelled", test_close_cancelled);
  agen_test_add ("/combinators/close/unref-and-shutdown", test_close_on_unref_and_shutdown);
  agen_test_add_data ("/combinators/throw/delegated/sync", SYNC, test_throw_delegated);
  agen_test_add_data ("/combinators/throw/delegated/awaiting", AWAITING, test_throw_delegated);
  agen_test_add ("/combinators/throw/take-and-chain", test_throw_take_and_chain);
  agen_test_add ("/combinators/throw/zip-merge", test_throw_zip_merge);
  agen_test_add_data ("/combinators/cancel/reaches-source", GINT_TO_POINTER (0),
                      test_cancel_reaches_source);
  agen_test_add_data ("/combinators/cancel/reaches-source-ignoring", GINT_TO_POINTER (1),
                      test_cancel_reaches_source);
  agen_test_add ("/combinators/cancel/caught-by-source", test_cancel_caught_by_source);
  agen_test_add ("/combinators/cancel/after-source-completed", test_cancel_after_source_completed);
  agen_test_add ("/combinators/cancel/foreach-at-yield", test_cancel_foreach_at_yield);
  agen_test_add_data ("/combinators/error/named/sync", SYNC, test_source_error_named);
  agen_test_add_data ("/combinators/error/named/awaiting", AWAITING, test_source_error_named);
  agen_test_add ("/combinators/error/source-in-use", test_source_in_use);
  agen_test_add ("/combinators/collect/items", test_collect);
  agen_test_add ("/combinators/collect/store", test_collect_store);
  agen_test_add ("/combinators/bad-input", test_bad_input);

  return g_test_run ();
}
