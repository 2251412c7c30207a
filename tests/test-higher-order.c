/* test-higher-order.c: flat_map, flat_map_merge, switch_map, scan, distinct
 *
 * docs/reference/semantics.xml, sections contract-higher-order and
 * contract-state. The generators are Counters: they yield base, base + 1,
 * ..., awaiting a gate before each item when they are awaiting ones, and
 * count in shared Stats how many started, ran their cleanup, and run now,
 * so a test can tell that every inner generator was closed exactly once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <fcntl.h>
#include <unistd.h>

#include "agen-test-harness.h"

/* ---------------------------------------------------------------- helpers */

typedef struct
{
  guint n_made;                /* generators made */
  guint n_started;             /* bodies that started */
  guint n_cleaned;             /* cleanups run */
  guint n_freed;               /* generators finalised */
  guint n_running;             /* started, not cleaned */
  guint max_running;
  gboolean open_files;         /* each body opens /dev/null, its cleanup closes it */
  GString *log;                /* "s<base>" at a start, "c<base>" at a cleanup */
} Stats;

typedef struct
{
  Stats *stats;
  gint base;
  gint n;
  gint i;
  gint fail_after;             /* raise after this many items; -1 never */
  AgenTestGate *gate;          /* awaited before each item; NULL: none */
  gboolean ignore_cancel;      /* its await goes on when cancelled */
  int fd;
} Counter;

static void
stats_init (Stats *stats)
{
  *stats = (Stats) { 0 };
  stats->log = g_string_new (NULL);
}

static void
stats_clear (Stats *stats)
{
  g_string_free (stats->log, TRUE);
}

static void
counter_cleanup (gpointer data)
{
  Counter *counter = data;

  counter->stats->n_cleaned++;
  counter->stats->n_running--;
  g_string_append_printf (counter->stats->log, "c%d ", counter->base);
  if (counter->fd >= 0)
    close (counter->fd);
  counter->fd = -1;
}

static void
counter_free (gpointer data)
{
  Counter *counter = data;

  counter->stats->n_freed++;
  g_clear_object (&counter->gate);
  g_free (counter);
}

static void
counter_body (AgenGenerator *self,
              gpointer       user_data)
{
  Counter *counter = user_data;
  GError *error = NULL;

  AGEN_BEGIN (self);
  counter->stats->n_started++;
  counter->stats->n_running++;
  counter->stats->max_running = MAX (counter->stats->max_running, counter->stats->n_running);
  g_string_append_printf (counter->stats->log, "s%d ", counter->base);
  if (counter->stats->open_files)
    counter->fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  agen_generator_defer (self, counter_cleanup, counter);

  for (counter->i = 0; counter->i < counter->n; counter->i++)
    {
      if (counter->i == counter->fail_after)
        {
          agen_generator_raise (self, agen_test_error_new (counter->base));
          return;
        }
      if (counter->gate != NULL)
        {
          if (counter->ignore_cancel)
            AGEN_AWAIT (self, agen_test_gate_wait_ignoring_cancel_async (counter->gate,
                                                                        agen_generator_get_cancellable (self),
                                                                        agen_generator_ready,
                                                                        agen_generator_await (self)));
          else
            AGEN_AWAIT (self, agen_test_gate_wait_async (counter->gate, agen_generator_get_cancellable (self),
                                                          agen_generator_ready, agen_generator_await (self)));
          if (!agen_test_gate_wait_finish (counter->gate, agen_generator_get_result (self), &error))
            {
              agen_generator_raise (self, error);
              return;
            }
        }
      AGEN_YIELD_INT (self, counter->base + counter->i);
    }
  AGEN_END (self);
}

/* A counter of @n items from @base; @gate NULL: it does not await. It
 * raises AGEN_TEST_ERROR @base after @fail_after items (-1: never). */
static AgenGenerator *
counter_new_full (Stats        *stats,
                  gint          base,
                  gint          n,
                  AgenTestGate *gate,
                  gint          fail_after)
{
  Counter *counter = g_new0 (Counter, 1);
  AgenGenerator *generator;

  counter->stats = stats;
  counter->base = base;
  counter->n = n;
  counter->fail_after = fail_after;
  counter->gate = gate != NULL ? g_object_ref (gate) : NULL;
  counter->fd = -1;
  stats->n_made++;
  generator = agen_generator_new (counter_body, counter, counter_free);
  agen_generator_set_name (generator, "counter");
  g_object_set_data (G_OBJECT (generator), "counter", counter);
  return generator;
}

static AgenGenerator *
counter_new (Stats        *stats,
             gint          base,
             gint          n,
             AgenTestGate *gate)
{
  return counter_new_full (stats, base, n, gate, -1);
}

static AgenTestGate *
open_gate (void)
{
  AgenTestGate *gate = agen_test_gate_new ();

  agen_test_gate_leave_open (gate);
  return gate;
}

/* What the flat-map functions of the tests make of an outer item x: a
 * counter of x % 10 items from 10 * x, awaiting inner_gate when set. */
typedef struct
{
  Stats stats;
  AgenTestGate *inner_gate;
  gboolean ignore_cancel;      /* the inner generators' awaits */
  gint fail_at;                /* the inner made of this item raises after 1 item */
  guint n_destroyed;
} Inners;

static AgenGenerator *
make_inner (const GValue  *item,
            gpointer       user_data,
            GError       **error)
{
  Inners *inners = user_data;
  gint x = g_value_get_int (item);
  AgenGenerator *inner = counter_new_full (&inners->stats, 10 * x, x % 10, inners->inner_gate,
                                           x == inners->fail_at ? 1 : -1);

  ((Counter *) g_object_get_data (G_OBJECT (inner), "counter"))->ignore_cancel = inners->ignore_cancel;
  return inner;
}

static void
inners_destroyed (gpointer user_data)
{
  Inners *inners = user_data;

  inners->n_destroyed++;
}

static void
inners_init (Inners  *inners,
             gboolean awaiting)
{
  *inners = (Inners) { 0 };
  stats_init (&inners->stats);
  inners->inner_gate = awaiting ? open_gate () : NULL;
  inners->fail_at = -1;
}

static void
inners_clear (Inners *inners)
{
  stats_clear (&inners->stats);
  g_clear_object (&inners->inner_gate);
}

/* Every inner generator started was cleaned up, exactly once, and all
 * were finalised. */
#define assert_inners_closed(inners)                                                 \
  G_STMT_START {                                                                     \
    g_assert_cmpuint ((inners)->stats.n_cleaned, ==, (inners)->stats.n_started);      \
    g_assert_cmpuint ((inners)->stats.n_freed, ==, (inners)->stats.n_made);           \
  } G_STMT_END

/* Runs @generator to its end: its items as text, "0 1 2". */
static char *
drain (AgenGenerator  *generator,
       GError        **error)
{
  GString *text = g_string_new (NULL);

  for (;;)
    {
      g_auto(GValue) item = G_VALUE_INIT;
      g_autofree char *s = NULL;

      if (!agen_test_next (generator, NULL, &item, error))
        break;
      s = agen_test_value_to_string (&item);
      g_string_append_printf (text, "%s%s", text->len > 0 ? " " : "", s);
    }
  return g_string_free (text, FALSE);
}

#define WITH_AWAITING(data) (GPOINTER_TO_INT (data) != 0)

/* -------------------------------------------------------------- flat_map */

/* flat_map yields each inner generator's items in turn and closes each
 * one, then the outer source. */
static void
test_flat_map_items (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  Stats outer_stats;
  Inners inners;
  g_autoptr(AgenTestGate) outer_gate = WITH_AWAITING (data) ? open_gate () : NULL;
  g_autoptr(AgenGenerator) outer = NULL;
  g_autoptr(AgenGenerator) flat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *items = NULL;

  stats_init (&outer_stats);
  inners_init (&inners, WITH_AWAITING (data));
  outer = counter_new (&outer_stats, 1, 3, outer_gate);    /* 1 2 3 */
  flat = agen_generator_flat_map (outer, make_inner, &inners, inners_destroyed);
  g_assert_cmpstr (agen_generator_get_name (flat), ==, "flat_map(counter)");

  items = drain (flat, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (items, ==, "10 20 21 30 31 32");
  g_assert_cmpuint (inners.stats.n_started, ==, 3);
  g_assert_cmpuint (inners.stats.max_running, ==, 1);
  g_assert_cmpuint (outer_stats.n_cleaned, ==, 1);

  g_clear_object (&flat);
  g_clear_object (&outer);
  assert_inners_closed (&inners);
  g_assert_cmpuint (inners.n_destroyed, ==, 1);
  inners_clear (&inners);
  stats_clear (&outer_stats);
}

/* Closing, dropping or failing while an inner generator is suspended
 * closes it, before the outer source. */
typedef enum
{
  FLAT_MAP,
  FLAT_MAP_MERGE,
  SWITCH_MAP,
} Operator;

static AgenGenerator *
operator_new (Operator       operator,
              AgenGenerator *outer,
              Inners        *inners)
{
  switch (operator)
    {
    case FLAT_MAP_MERGE:
      return agen_generator_flat_map_merge (outer, 2, make_inner, inners, NULL);
    case SWITCH_MAP:
      return agen_generator_switch_map (outer, make_inner, inners, NULL);
    case FLAT_MAP:
    default:
      return agen_generator_flat_map (outer, make_inner, inners, NULL);
    }
}

typedef enum
{
  STOP_BY_CLOSE,
  STOP_BY_DROP,
  STOP_BY_INNER_ERROR,
  STOP_BY_THROW,
} StopBy;

static void
test_flat_map_stop (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  StopBy stop_by = GPOINTER_TO_INT (data) % 10;
  Operator operator = GPOINTER_TO_INT (data) / 10;
  Stats outer_stats;
  Inners inners;
  g_autoptr(AgenGenerator) outer = NULL;
  AgenGenerator *flat;
  g_autoptr(GError) error = NULL;

  stats_init (&outer_stats);
  inners_init (&inners, TRUE);
  /* switch_map's outer source yields without awaiting: its last item
   * replaces the others' inner generators. */
  inners.fail_at = stop_by != STOP_BY_INNER_ERROR ? -1 : operator == SWITCH_MAP ? 7 : 5;
  outer = counter_new (&outer_stats, 5, 3, NULL);          /* 5 6 7 */
  flat = operator_new (operator, outer, &inners);

  agen_test_assert_next_int (flat, operator == SWITCH_MAP ? 70 : 50);
  switch (stop_by)
    {
    case STOP_BY_CLOSE:
      g_assert_true (agen_test_close (flat, NULL, &error));
      g_assert_no_error (error);
      break;
    case STOP_BY_DROP:
      break;
    case STOP_BY_INNER_ERROR:
      {
        gint failing = operator == SWITCH_MAP ? 70 : 50;

        while (agen_test_next (flat, NULL, NULL, &error))
          g_assert_true (operator == FLAT_MAP_MERGE);      /* 60 may come first */
        g_assert_error (error, AGEN_TEST_ERROR, failing);
      }
      g_assert_true (g_str_has_prefix (error->message, "counter: ") || (g_printerr ("%s\n", error->message), FALSE));
      break;
    case STOP_BY_THROW:
      {
        g_autoptr(GError) thrown = agen_test_error_new (7);

        g_assert_false (agen_test_throw (flat, thrown, NULL, NULL, &error));
        g_assert_error (error, AGEN_TEST_ERROR, 7);
      }
      break;
    }
  g_object_unref (flat);
  agen_test_drain ();

  /* flat_map has made one inner generator; flat_map_merge (2) may have
   * started the next one; switch_map replaced two. */
  if (operator == FLAT_MAP)
    g_assert_cmpstr (inners.stats.log->str, ==, "s50 c50 ");
  else if (operator == SWITCH_MAP)
    g_assert_cmpstr (inners.stats.log->str, ==, "s50 c50 s60 c60 s70 c70 ");
  else
    g_assert_true (g_str_has_prefix (inners.stats.log->str, "s50 "));
  g_assert_cmpuint (outer_stats.n_cleaned, ==, 1);
  g_clear_object (&outer);
  assert_inners_closed (&inners);
  inners_clear (&inners);
  stats_clear (&outer_stats);
}

/* A cancellation while an inner generator awaits reaches it, and both
 * generators are closed. */
static void
test_flat_map_cancel (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  Stats outer_stats;
  Inners inners;
  g_autoptr(AgenGenerator) outer = NULL;
  g_autoptr(AgenGenerator) flat = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  AgenTestCall call;

  stats_init (&outer_stats);
  inners_init (&inners, FALSE);
  inners.inner_gate = agen_test_gate_new ();               /* shut */
  outer = counter_new (&outer_stats, 3, 2, NULL);
  flat = agen_generator_flat_map (outer, make_inner, &inners, NULL);

  agen_test_call_init (&call);
  agen_test_start_next (flat, cancellable, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (inners.inner_gate), ==, 1);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_call_clear (&call);

  g_assert_cmpint (agen_generator_get_state (flat), ==, AGEN_GENERATOR_STATE_FINISHED);
  g_assert_cmpstr (inners.stats.log->str, ==, "s30 c30 ");
  g_assert_cmpuint (outer_stats.n_cleaned, ==, 1);
  g_clear_object (&flat);
  g_clear_object (&outer);
  assert_inners_closed (&inners);
  inners_clear (&inners);
  stats_clear (&outer_stats);
}

/* ---------------------------------------------------------- bad input */

static AgenGenerator *
make_nothing (const GValue  *item,
              gpointer       user_data,
              GError       **error)
{
  if (GPOINTER_TO_INT (user_data))
    g_set_error_literal (error, AGEN_TEST_ERROR, 3, "no inner generator");
  return NULL;
}

static AgenGenerator *
make_not_a_generator (const GValue  *item,
                      gpointer       user_data,
                      GError       **error)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  agen_test_watch_finalize (object, user_data);
  return (AgenGenerator *) object;
}

/* A function that returns NULL: its error, or a clear one; something that
 * is not a generator: a clear error, and it is freed. The outer source is
 * closed either way. */
static void
test_flat_map_bad_inner (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  for (guint i = 0; i < 3; i++)
    {
      Stats outer_stats;
      g_autoptr(AgenGenerator) outer = NULL;
      g_autoptr(AgenGenerator) flat = NULL;
      g_autoptr(GError) error = NULL;
      gboolean finalized = FALSE;

      stats_init (&outer_stats);
      outer = counter_new (&outer_stats, 1, 3, NULL);
      if (i == 2)
        flat = agen_generator_switch_map (outer, make_not_a_generator, &finalized, NULL);
      else
        flat = agen_generator_flat_map (outer, make_nothing, GINT_TO_POINTER (i), NULL);

      g_assert_false (agen_test_next (flat, NULL, NULL, &error));
      if (i == 1)
        g_assert_error (error, AGEN_TEST_ERROR, 3);
      else
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
          g_assert_nonnull (strstr (error->message, i == 0 ? "flat_map(counter): the function returned no generator"
                                                           : "returned a GObject, not an AgenGenerator"));
        }
      g_assert_true (i != 2 || finalized);
      g_assert_cmpuint (outer_stats.n_cleaned, ==, 1);
      stats_clear (&outer_stats);
    }
}

/* A concurrency of 0 is refused at the first next; the source never ran. */
static void
test_flat_map_merge_zero (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  Stats outer_stats;
  Inners inners;
  g_autoptr(AgenGenerator) outer = NULL;
  g_autoptr(AgenGenerator) flat = NULL;

  stats_init (&outer_stats);
  inners_init (&inners, FALSE);
  outer = counter_new (&outer_stats, 1, 3, NULL);
  flat = agen_generator_flat_map_merge (outer, 0, make_inner, &inners, NULL);

  agen_test_assert_next_error (flat, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (outer_stats.n_started, ==, 0);
  g_assert_cmpuint (inners.stats.n_made, ==, 0);
  inners_clear (&inners);
  stats_clear (&outer_stats);
}

/* -------------------------------------------------------- flat_map_merge */

/* flat_map_merge runs at most n inner generators at once; each one's items
 * come in its order, and every item comes. */
static void
test_flat_map_merge_items (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  for (guint concurrency = 1; concurrency <= 4; concurrency++)
    {
      Stats outer_stats;
      Inners inners;
      g_autoptr(AgenGenerator) outer = NULL;
      g_autoptr(AgenGenerator) flat = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *items = NULL;
      g_auto(GStrv) words = NULL;
      gint last_of[10];
      guint n_items = 0;

      stats_init (&outer_stats);
      inners_init (&inners, TRUE);
      outer = counter_new (&outer_stats, 1, 5, NULL);     /* 1 .. 5 */
      flat = agen_generator_flat_map_merge (outer, concurrency, make_inner, &inners, NULL);
      items = drain (flat, &error);
      g_assert_no_error (error);

      for (guint i = 0; i < G_N_ELEMENTS (last_of); i++)
        last_of[i] = -1;
      words = g_strsplit (items, " ", -1);
      for (guint i = 0; words[i] != NULL; i++, n_items++)
        {
          gint x = atoi (words[i]);

          g_assert_cmpint (x % 10, >, last_of[x / 10]);     /* in each inner's order */
          last_of[x / 10] = x % 10;
        }
      g_assert_cmpuint (n_items, ==, 1 + 2 + 3 + 4 + 5);
      g_assert_cmpuint (inners.stats.max_running, ==, MIN (concurrency, 5));
      if (concurrency == 1)
        g_assert_cmpstr (items, ==, "10 20 21 30 31 32 40 41 42 43 50 51 52 53 54");
      g_assert_cmpuint (outer_stats.n_cleaned, ==, 1);
      g_clear_object (&flat);
      g_clear_object (&outer);
      assert_inners_closed (&inners);
      inners_clear (&inners);
      stats_clear (&outer_stats);
    }
}

/* An inner generator that fails closes the others, then the source. */
static void
test_flat_map_merge_error (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  Stats outer_stats;
  Inners inners;
  g_autoptr(AgenGenerator) outer = NULL;
  g_autoptr(AgenGenerator) flat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *items = NULL;

  stats_init (&outer_stats);
  inners_init (&inners, TRUE);
  inners.fail_at = 4;
  outer = counter_new (&outer_stats, 3, 5, NULL);         /* 3 4 5 6 7 */
  flat = agen_generator_flat_map_merge (outer, 3, make_inner, &inners, NULL);
  items = drain (flat, &error);
  g_assert_error (error, AGEN_TEST_ERROR, 40);
  g_assert_cmpuint (inners.stats.n_started, ==, 3);
  g_assert_cmpuint (outer_stats.n_cleaned, ==, 1);
  g_clear_object (&flat);
  g_clear_object (&outer);
  assert_inners_closed (&inners);
  inners_clear (&inners);
  stats_clear (&outer_stats);
}

/* ------------------------------------------------------------ switch_map */

/* A new outer item cancels the inner generator's next, closes it, and only
 * then makes the next inner generator; the last one runs to its end. */
static void
test_switch_map_switches (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  Stats outer_stats;
  Inners inners;
  g_autoptr(AgenTestGate) outer_gate = agen_test_gate_new ();
  g_autoptr(AgenGenerator) outer = NULL;
  g_autoptr(AgenGenerator) sw = NULL;
  AgenTestCall call;

  stats_init (&outer_stats);
  inners_init (&inners, FALSE);
  inners.inner_gate = agen_test_gate_new ();
  outer = counter_new (&outer_stats, 3, 2, outer_gate);   /* 3, 4 when let through */
  sw = agen_generator_switch_map (outer, make_inner, &inners, NULL);

  agen_test_call_init (&call);
  agen_test_start_next (sw, NULL, &call);
  agen_test_drain ();
  agen_test_gate_open (outer_gate);                        /* 3: inner 30 31 32 */
  agen_test_drain ();
  agen_test_gate_open (inners.inner_gate);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 30);
  agen_test_call_clear (&call);

  /* The inner awaits its gate, the outer its own: the outer item wins. */
  agen_test_call_init (&call);
  agen_test_start_next (sw, NULL, &call);
  agen_test_drain ();
  g_assert_cmpuint (agen_test_gate_get_n_waiters (inners.inner_gate), ==, 1);
  agen_test_gate_open (outer_gate);                        /* 4: inner 40 41 42 43 */
  agen_test_drain ();
  g_assert_cmpuint (agen_test_gate_get_n_cancelled (inners.inner_gate), ==, 1);
  g_assert_cmpstr (inners.stats.log->str, ==, "s30 c30 s40 ");
  agen_test_gate_leave_open (inners.inner_gate);
  agen_test_gate_leave_open (outer_gate);
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 40);
  agen_test_call_clear (&call);

  agen_test_assert_next_int (sw, 41);
  agen_test_assert_next_int (sw, 42);
  agen_test_assert_next_int (sw, 43);
  agen_test_assert_next_end (sw);
  g_assert_cmpuint (outer_stats.n_cleaned, ==, 1);
  g_clear_object (&sw);
  g_clear_object (&outer);
  assert_inners_closed (&inners);
  inners_clear (&inners);
  stats_clear (&outer_stats);
}

/* What test_switch_map_cancel_while_switching makes of an item: a counter
 * whose cleanup awaits a gate. */
typedef struct
{
  AgenTestGate *cleanup_gate;
  AgenTestLog *log;
  guint n_made;
} CleanupAwaiting;

static AgenGenerator *
make_cleanup_awaiting (const GValue  *item,
                       gpointer       user_data,
                       GError       **error)
{
  CleanupAwaiting *made = user_data;

  made->n_made++;
  return agen_test_cleanup_awaits (100, made->cleanup_gate, made->log);
}

/* A cancellation of the consumer's while switch_map waits for the close of
 * the inner generator it leaves (whose cleanup awaits) is raised once that
 * close is over: no new inner generator is made. */
static void
test_switch_map_cancel_while_switching (AgenTestFixture *fixture,
                                        gconstpointer    data)
{
  Stats outer_stats;
  g_autoptr(AgenTestGate) outer_gate = agen_test_gate_new ();
  g_autoptr(AgenTestGate) cleanup_gate = agen_test_gate_new ();
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  CleanupAwaiting made = { cleanup_gate, log, 0 };
  g_autoptr(AgenGenerator) outer = NULL;
  g_autoptr(AgenGenerator) sw = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(GStrv) entries = NULL;
  AgenTestCall call;

  stats_init (&outer_stats);
  outer = counter_new (&outer_stats, 3, 2, outer_gate);
  sw = agen_generator_switch_map (outer, make_cleanup_awaiting, &made, NULL);

  agen_test_call_init (&call);
  agen_test_start_next (sw, NULL, &call);
  agen_test_drain ();
  agen_test_gate_open (outer_gate);                        /* 3: the first inner */
  agen_test_call_wait (&call);
  agen_test_assert_item_int (call.ret, &call.item, 0);
  agen_test_call_clear (&call);

  agen_test_gate_open (outer_gate);                        /* 4 arrives meanwhile */
  agen_test_drain ();
  agen_test_call_init (&call);
  agen_test_start_next (sw, cancellable, &call);           /* the switch: its close awaits */
  agen_test_drain ();
  g_assert_false (call.done);
  g_cancellable_cancel (cancellable);
  agen_test_drain ();
  g_assert_false (call.done);
  agen_test_gate_open (cleanup_gate);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_call_clear (&call);

  g_assert_cmpuint (made.n_made, ==, 1);
  entries = agen_test_log_dup_entries (log);
  g_assert_true (g_strv_contains ((const char * const *) entries, "cleanup end"));
  g_assert_cmpuint (outer_stats.n_cleaned, ==, 1);
  stats_clear (&outer_stats);
}

static guint
count_open_files (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Search as you type, 10,000 keystrokes: each one replaces an inner
 * generator that has opened a file. Every inner generator is closed and
 * freed, and no descriptor is left open. */
static void
test_switch_map_typing (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  const guint n_keys = 9999;
  Stats outer_stats;
  Inners inners;
  g_autoptr(AgenTestGate) outer_gate = open_gate ();
  g_autoptr(AgenGenerator) outer = NULL;
  g_autoptr(AgenGenerator) sw = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *items = NULL;
  guint n_files = count_open_files ();

  stats_init (&outer_stats);
  inners_init (&inners, TRUE);
  inners.stats.open_files = TRUE;
  outer = counter_new (&outer_stats, 1, n_keys, outer_gate);
  sw = agen_generator_switch_map (outer, make_inner, &inners, NULL);
  items = drain (sw, &error);
  g_assert_no_error (error);

  /* The last keystroke's search runs to its end. */
  g_assert_true (g_str_has_suffix (items, "99990 99991 99992 99993 99994 99995 99996 99997 99998"));
  g_assert_cmpuint (inners.stats.n_made, ==, n_keys);
  g_clear_object (&sw);
  g_clear_object (&outer);
  assert_inners_closed (&inners);
  g_assert_cmpuint (count_open_files (), ==, n_files);
  inners_clear (&inners);
  stats_clear (&outer_stats);
}

/* ----------------------------------------------------------- scan, distinct */

static gboolean
add_ints (const GValue  *accumulated,
          const GValue  *item,
          GValue        *result,
          gpointer       user_data,
          GError       **error)
{
  if (g_value_get_int (item) == GPOINTER_TO_INT (user_data))
    {
      g_set_error_literal (error, AGEN_TEST_ERROR, 9, "cannot add");
      return FALSE;
    }
  g_value_init (result, G_TYPE_INT);
  g_value_set_int (result, g_value_get_int (accumulated) + g_value_get_int (item));
  return TRUE;
}

/* scan yields the initial value, then each running sum; without an initial
 * value the first item is the first sum. A failing function closes the
 * source. */
static void
test_scan (AgenTestFixture *fixture,
           gconstpointer    data)
{
  const struct { gboolean initial; gint fail_at; const char *items; } cases[] = {
    { FALSE, -1, "1 3 6 10" },
    { TRUE, -1, "100 101 103 106 110" },
    { TRUE, 3, "100 101 103" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Stats stats;
      g_autoptr(AgenGenerator) source = NULL;
      g_autoptr(AgenGenerator) scan = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *items = NULL;
      g_auto(GValue) initial = G_VALUE_INIT;

      stats_init (&stats);
      agen_test_value_init_int (&initial, 100);
      source = counter_new (&stats, 1, 4, NULL);           /* 1 2 3 4 */
      scan = agen_generator_scan (source, cases[i].initial ? &initial : NULL, add_ints,
                                  GINT_TO_POINTER (cases[i].fail_at), NULL);
      items = drain (scan, &error);
      if (cases[i].fail_at < 0)
        g_assert_no_error (error);
      else
        g_assert_error (error, AGEN_TEST_ERROR, 9);
      g_assert_cmpstr (items, ==, cases[i].items);
      g_assert_cmpuint (stats.n_cleaned, ==, 1);
      stats_clear (&stats);
    }
}

/* A source of the given ints. */
typedef struct
{
  const gint *values;
  guint n_values;
  guint i;
  gboolean cleaned;
} IntsSource;

static void
ints_cleanup (gpointer data)
{
  ((IntsSource *) data)->cleaned = TRUE;
}

static void
ints_body (AgenGenerator *self,
           gpointer       user_data)
{
  IntsSource *ints = user_data;

  AGEN_BEGIN (self);
  agen_generator_defer (self, ints_cleanup, ints);
  for (ints->i = 0; ints->i < ints->n_values; ints->i++)
    AGEN_YIELD_INT (self, ints->values[ints->i]);
  AGEN_END (self);
}

static gboolean
same_parity (const GValue *a,
             const GValue *b,
             gpointer      user_data)
{
  return g_value_get_int (a) % 2 == g_value_get_int (b) % 2;
}

/* distinct drops an item equal to the last one it yielded: by value, or
 * by the function given. */
static void
test_distinct (AgenTestFixture *fixture,
               gconstpointer    data)
{
  static const gint values[] = { 1, 1, 2, 2, 2, 1, 3, 3, 5, 4 };

  for (guint by_parity = 0; by_parity < 2; by_parity++)
    {
      IntsSource ints = { values, G_N_ELEMENTS (values), 0, FALSE };
      g_autoptr(AgenGenerator) source = agen_generator_new (ints_body, &ints, NULL);
      g_autoptr(AgenGenerator) distinct = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *items = NULL;

      distinct = agen_generator_distinct (source, by_parity ? same_parity : NULL, NULL, NULL);
      items = drain (distinct, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (items, ==, by_parity ? "1 2 1 4" : "1 2 1 3 5 4");
      g_assert_true (ints.cleaned);
    }
}

static void
strings_body (AgenGenerator *self,
              gpointer       user_data)
{
  guint *i = user_data;
  static const char *words[] = { "a", "a", "b", NULL, NULL, "b" };

  AGEN_BEGIN (self);
  for (*i = 0; *i < G_N_ELEMENTS (words); (*i)++)
    AGEN_YIELD_STRING (self, words[*i]);
  AGEN_END (self);
}

/* Strings are compared by content, NULL included. */
static void
test_distinct_strings (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  guint i = 0;
  g_autoptr(AgenGenerator) source = agen_generator_new (strings_body, &i, NULL);
  g_autoptr(AgenGenerator) distinct = agen_generator_distinct (source, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *items = drain (distinct, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (items, ==, "a b (null) b");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add_data ("/higher-order/flat-map/items/sync", GINT_TO_POINTER (0), test_flat_map_items);
  agen_test_add_data ("/higher-order/flat-map/items/awaiting", GINT_TO_POINTER (1), test_flat_map_items);
  for (Operator op = FLAT_MAP; op <= SWITCH_MAP; op++)
    {
      static const char *names[] = { "flat-map", "flat-map-merge", "switch-map" };
      static const char *stops[] = { "close", "drop", "inner-error", "throw" };

      for (StopBy stop = STOP_BY_CLOSE; stop <= STOP_BY_THROW; stop++)
        {
          g_autofree char *path = g_strdup_printf ("/higher-order/%s/stop/%s", names[op], stops[stop]);

          agen_test_add_data (path, GINT_TO_POINTER (op * 10 + stop), test_flat_map_stop);
        }
    }
  agen_test_add ("/higher-order/flat-map/cancel", test_flat_map_cancel);
  agen_test_add ("/higher-order/bad-input/inner", test_flat_map_bad_inner);
  agen_test_add ("/higher-order/bad-input/concurrency-zero", test_flat_map_merge_zero);
  agen_test_add ("/higher-order/flat-map-merge/items", test_flat_map_merge_items);
  agen_test_add ("/higher-order/flat-map-merge/error", test_flat_map_merge_error);
  agen_test_add ("/higher-order/switch-map/switches", test_switch_map_switches);
  agen_test_add ("/higher-order/switch-map/typing", test_switch_map_typing);
  agen_test_add ("/higher-order/switch-map/cancel-while-switching", test_switch_map_cancel_while_switching);
  agen_test_add ("/state/scan", test_scan);
  agen_test_add ("/state/distinct", test_distinct);
  agen_test_add ("/state/distinct/strings", test_distinct_strings);

  return g_test_run ();
}
