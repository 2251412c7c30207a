/* test-list-model.c: AgenListModel, a GListModel filled from a generator
 *
 * docs/reference/semantics.xml, section contract-list-model: pages,
 * notifications, errors, cancellation, and disposal mid-page.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

#include <stdio.h>

/* ------------------------------------------------------------- counter */

/* What a counter yields at its wrong_at item instead of an object of its
 * type. */
typedef enum
{
  WRONG_OBJECT,     /* a plain GObject */
  WRONG_INT,
  WRONG_NULL,       /* a NULL object */
} WrongItem;

/* A generator of n objects, each carrying its index (item_index()). It can
 * await before each item, raise, or yield a wrong item. The test owns it; the
 * generator's destroy notify only records that it ran. */
typedef struct
{
  /* Set up by the test. */
  guint n;
  GType type;                  /* of the items */
  AgenTestGate *gate;             /* owned, nullable: awaited before each item */
  gboolean tick;               /* await a 1 ms timeout before each item */
  guint raise_at;              /* raise AGEN_TEST_ERROR 7 instead of this item */
  guint wrong_at;              /* yield a wrong item instead of this one */
  WrongItem wrong;

  /* The body's state across yields. */
  guint i;
  GValue value;

  /* What happened. */
  GError *caught;              /* at the gate: a cancellation */
  gboolean cleaned_up;         /* the deferred cleanup ran */
  gboolean destroyed;          /* user_data_destroy ran */
} Counter;

static GQuark
index_quark (void)
{
  return g_quark_from_static_string ("test-list-model-index");
}

static void
counter_init (Counter *c,
              guint    n)
{
  *c = (Counter) {
    .n = n,
    .type = G_TYPE_OBJECT,
    .raise_at = G_MAXUINT,
    .wrong_at = G_MAXUINT,
    .value = G_VALUE_INIT,
  };
}

/* Waits until the generator is gone (a suspended one is closed on its
 * last unref, asynchronously): nothing refers to @c any more. */
static void
counter_clear (Counter *c)
{
  agen_test_wait_for (&c->destroyed);
  g_assert_false (G_IS_VALUE (&c->value));
  g_clear_object (&c->gate);
  g_clear_error (&c->caught);
}

static void
counter_cleanup (gpointer data)
{
  Counter *c = data;

  if (G_IS_VALUE (&c->value))
    g_value_unset (&c->value);
  c->cleaned_up = TRUE;
}

static void
counter_destroyed (gpointer data)
{
  Counter *c = data;

  c->destroyed = TRUE;
}

static void
counter_make_item (Counter *c)
{
  g_autoptr(GObject) object = NULL;
  gboolean wrong = c->i == c->wrong_at;

  if (G_IS_VALUE (&c->value))
    g_value_unset (&c->value);

  if (wrong && c->wrong == WRONG_INT)
    {
      g_value_init (&c->value, G_TYPE_INT);
      g_value_set_int (&c->value, 42);
      return;
    }
  if (wrong && c->wrong == WRONG_NULL)
    {
      g_value_init (&c->value, G_TYPE_OBJECT);
      return;
    }

  object = g_object_new (wrong ? G_TYPE_OBJECT : c->type, NULL);
  g_object_set_qdata (object, index_quark (), GUINT_TO_POINTER (c->i + 1));
  g_value_init (&c->value, G_OBJECT_TYPE (object));
  g_value_set_object (&c->value, object);
}

static gboolean
tick_done (gpointer user_data)
{
  g_task_return_boolean (G_TASK (user_data), TRUE);
  return G_SOURCE_REMOVE;
}

/* An awaitable that completes from a GTask's source, 1 ms later. */
static void
tick_async (GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSource) source = g_timeout_source_new (1);

  g_task_attach_source (task, source, tick_done);
}

static void
counter_body (AgenGenerator *self,
              gpointer       user_data)
{
  Counter *c = user_data;

  AGEN_BEGIN (self);
  agen_generator_defer (self, counter_cleanup, c);

  for (c->i = 0; c->i < c->n; c->i++)
    {
      if (c->gate != NULL)
        {
          AGEN_AWAIT_CATCH (self, agen_test_gate_wait_async (c->gate, agen_generator_get_cancellable (self), agen_generator_ready, agen_generator_await (self)), &c->caught);
          if (c->caught != NULL)
            break;
          g_assert_true (agen_test_gate_wait_finish (c->gate, agen_generator_get_result (self), NULL));
        }
      else if (c->tick)
        {
          AGEN_AWAIT (self, tick_async (agen_generator_get_cancellable (self), agen_generator_ready, agen_generator_await (self)));
          g_assert_true (g_task_propagate_boolean (G_TASK (agen_generator_get_result (self)), NULL));
        }

      if (c->i == c->raise_at)
        {
          agen_generator_raise (self, g_error_new (AGEN_TEST_ERROR, 7, "raised at item %u", c->i));
          return;
        }

      counter_make_item (c);
      AGEN_YIELD (self, &c->value);
    }

  /* A body that caught a cancellation and still yields what it had: the
   * model must drop it, and close the generator. */
  if (c->caught != NULL)
    {
      counter_make_item (c);
      AGEN_YIELD (self, &c->value);
    }

  AGEN_END (self);
}

static AgenGenerator *
counter_generator (Counter *c)
{
  return agen_generator_new (counter_body, c, counter_destroyed);
}

/* The index a counter gave the item at @position. */
static guint
item_index (AgenListModel *model,
            guint          position)
{
  g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (item);
  return GPOINTER_TO_UINT (g_object_get_qdata (item, index_quark ())) - 1;
}

static void
assert_items_in_order (AgenListModel *model)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (item_index (model, i), ==, i);
}

/* ------------------------------------------------------------ recorder */

/* What a model announced. */
typedef struct
{
  GString *changes;            /* "position-removed+added ..." */
  GString *loading;            /* "T" or "F" per notification of loading */
  guint n_changes;
  guint n_inconsistent;        /* items-changed with n-items not matching */
  guint n_loaded;              /* loading notified with FALSE */
  guint n_items_notifies;
  guint complete_notifies;
  guint error_notifies;
  guint page_size_notifies;
  guint autoload_limit_notifies;
  guint announce_interval_notifies;
} Recorder;

static void
recorder_on_items_changed (GListModel *model,
                           guint       position,
                           guint       removed,
                           guint       added,
                           gpointer    user_data)
{
  Recorder *r = user_data;

  if (r->changes->len > 0)
    g_string_append_c (r->changes, ' ');
  g_string_append_printf (r->changes, "%u-%u+%u", position, removed, added);
  r->n_changes++;
  if (removed != 0 || g_list_model_get_n_items (model) != position + added)
    r->n_inconsistent++;
}

static void
recorder_on_notify (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  Recorder *r = user_data;
  AgenListModel *model = AGEN_LIST_MODEL (object);
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "loading"))
    {
      gboolean loading = agen_list_model_get_loading (model);

      g_string_append_c (r->loading, loading ? 'T' : 'F');
      if (!loading)
        r->n_loaded++;
    }
  else if (g_str_equal (name, "n-items"))
    r->n_items_notifies++;
  else if (g_str_equal (name, "complete"))
    r->complete_notifies++;
  else if (g_str_equal (name, "error"))
    r->error_notifies++;
  else if (g_str_equal (name, "page-size"))
    r->page_size_notifies++;
  else if (g_str_equal (name, "autoload-limit"))
    r->autoload_limit_notifies++;
  else if (g_str_equal (name, "announce-interval"))
    r->announce_interval_notifies++;
  else
    g_assert_not_reached ();
}

static void
recorder_watch (Recorder      *r,
                AgenListModel *model)
{
  *r = (Recorder) { 0 };
  r->changes = g_string_new (NULL);
  r->loading = g_string_new (NULL);
  g_signal_connect (model, "items-changed", G_CALLBACK (recorder_on_items_changed), r);
  g_signal_connect (model, "notify", G_CALLBACK (recorder_on_notify), r);
}

/* A model over @c's generator, its signals recorded in @r. */
static AgenListModel *
counter_model_new (Counter  *c,
                   GType     item_type,
                   guint     page_size,
                   Recorder *r)
{
  g_autoptr(AgenGenerator) generator = counter_generator (c);
  AgenListModel *model = agen_list_model_new (generator, item_type, page_size);

  recorder_watch (r, model);
  return model;
}

/* After the model is gone. */
static void
recorder_clear (Recorder *r)
{
  g_assert_cmpuint (r->n_inconsistent, ==, 0);
  g_string_free (r->changes, TRUE);
  g_string_free (r->loading, TRUE);
}

/* Waits until loading has been notified FALSE @n times in all. */
static void
wait_loaded (Recorder *r,
             guint     n)
{
  agen_test_wait_for_count (&r->n_loaded, n, 10);
}

/* Runs the model's context until the gate has a waiter. */
static void
wait_for_waiter (AgenTestGate *gate)
{
  guint rounds = 0;

  while (agen_test_gate_get_n_waiters (gate) == 0)
    {
      g_assert_cmpuint (++rounds, <, 1000);
      agen_test_iterate_ms (1);
    }
}

/* Lets the generator make one item past its gate, and everything that
 * follows from it run. */
static void
release_one (AgenTestGate *gate)
{
  wait_for_waiter (gate);
  agen_test_gate_open (gate);
  agen_test_drain ();
}

/* ---------------------------------------------------------------- tests */

/* Pages of a generator that yields without awaiting: one items-changed per
 * page, with the right positions, and the notifications that go with it. */
static void
test_pages (AgenTestFixture *fixture,
            gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  Recorder r;
  gboolean finalized;

  counter_init (&c, 120);
  generator = counter_generator (&c);
  agen_test_watch_finalize (generator, &finalized);
  model = agen_list_model_new (generator, G_TYPE_OBJECT, 50);
  g_object_unref (generator);
  recorder_watch (&r, model);

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == G_TYPE_OBJECT);
  g_assert_true (agen_list_model_get_generator (model) == generator);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_false (agen_list_model_get_loading (model));
  g_assert_false (agen_list_model_get_complete (model));
  g_assert_null (agen_list_model_get_error (model));
  /* Nothing is pulled before it is asked for. */
  agen_test_drain ();
  g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_CREATED);

  agen_list_model_load_more (model);
  g_assert_true (agen_list_model_get_loading (model));
  g_assert_cmpstr (r.loading->str, ==, "T");
  wait_loaded (&r, 1);
  g_assert_cmpstr (r.changes->str, ==, "0-0+50");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 50);
  g_assert_cmpuint (r.n_items_notifies, ==, 1);
  g_assert_false (agen_list_model_get_complete (model));
  /* A full page does not look further: the generator waits at its yield. */
  g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_SUSPENDED);
  assert_items_in_order (model);

  agen_list_model_load_more (model);
  wait_loaded (&r, 2);
  g_assert_cmpstr (r.changes->str, ==, "0-0+50 50-0+50");
  g_assert_false (agen_list_model_get_complete (model));

  agen_list_model_load_more (model);
  wait_loaded (&r, 3);
  g_assert_cmpstr (r.changes->str, ==, "0-0+50 50-0+50 100-0+20");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 120);
  g_assert_true (agen_list_model_get_complete (model));
  g_assert_null (agen_list_model_get_error (model));
  g_assert_cmpuint (r.complete_notifies, ==, 1);
  g_assert_cmpuint (r.n_items_notifies, ==, 3);
  g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_FINISHED);
  g_assert_true (c.cleaned_up);
  assert_items_in_order (model);

  /* Complete: loading more does nothing. */
  agen_list_model_load_more (model);
  g_assert_false (agen_list_model_get_loading (model));
  agen_test_drain ();
  g_assert_cmpstr (r.loading->str, ==, "TFTFTF");
  g_assert_cmpuint (r.n_changes, ==, 3);
  g_assert_cmpuint (r.error_notifies, ==, 0);

  g_object_unref (model);
  g_assert_true (finalized);
  g_assert_true (c.destroyed);
  recorder_clear (&r);
  counter_clear (&c);
}

/* The generator ends exactly at a page boundary: the page that finds the
 * end announces nothing, and completes the model. */
static void
test_end_at_page_boundary (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;

  counter_init (&c, 100);
  model = counter_model_new (&c, G_TYPE_OBJECT, 50, &r);

  agen_list_model_load_more (model);
  wait_loaded (&r, 1);
  agen_list_model_load_more (model);
  wait_loaded (&r, 2);
  g_assert_false (agen_list_model_get_complete (model));

  agen_list_model_load_more (model);
  wait_loaded (&r, 3);
  g_assert_cmpstr (r.changes->str, ==, "0-0+50 50-0+50");
  g_assert_cmpuint (r.n_items_notifies, ==, 2);
  g_assert_true (agen_list_model_get_complete (model));
  g_assert_cmpuint (r.complete_notifies, ==, 1);

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* load_more while a page loads does nothing. */
static void
test_load_more_while_loading (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;

  counter_init (&c, 200);
  c.tick = TRUE;
  model = counter_model_new (&c, G_TYPE_OBJECT, 50, &r);

  agen_list_model_load_more (model);
  agen_list_model_load_more (model);
  /* An item per millisecond: the page takes at least 50. */
  g_main_context_iteration (fixture->context, FALSE);
  g_main_context_iteration (fixture->context, FALSE);
  g_assert_true (agen_list_model_get_loading (model));
  agen_list_model_load_more (model);
  wait_loaded (&r, 1);
  agen_test_drain ();

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 50);
  g_assert_cmpstr (r.loading->str, ==, "TF");
  g_assert_false (agen_list_model_get_loading (model));

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

typedef struct
{
  AgenListModel *model;
  guint n_items;
} Snapshot;

static gboolean
take_snapshot (gpointer user_data)
{
  Snapshot *snapshot = user_data;

  snapshot->n_items = g_list_model_get_n_items (G_LIST_MODEL (snapshot->model));
  return G_SOURCE_REMOVE;
}

/* autoload-limit loads whole pages, one after the other, until the model
 * holds at least the limit; loading stays TRUE from page to page. */
static void
test_autoload (AgenTestFixture *fixture,
               gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;
  Snapshot snapshot = { NULL, G_MAXUINT };
  GSource *source;

  counter_init (&c, 330);
  model = counter_model_new (&c, G_TYPE_OBJECT, 50, &r);

  agen_list_model_set_autoload_limit (model, 120);
  g_assert_cmpuint (agen_list_model_get_autoload_limit (model), ==, 120);
  g_assert_cmpuint (r.autoload_limit_notifies, ==, 1);
  g_assert_true (agen_list_model_get_loading (model));

  /* The main loop runs while the model loads: a source of ordinary
   * priority runs long before the pages are done. */
  snapshot.model = model;
  source = g_timeout_source_new (0);
  g_source_set_callback (source, take_snapshot, &snapshot, NULL);
  g_source_attach (source, fixture->context);
  g_source_unref (source);

  wait_loaded (&r, 1);
  g_assert_cmpuint (snapshot.n_items, <, 150);
  g_assert_cmpstr (r.changes->str, ==, "0-0+50 50-0+50 100-0+50");
  g_assert_cmpstr (r.loading->str, ==, "TF");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 150);
  assert_items_in_order (model);

  /* The same limit: nothing. A higher one: on from where it stopped. */
  agen_list_model_set_autoload_limit (model, 120);
  g_assert_cmpuint (r.autoload_limit_notifies, ==, 1);
  g_assert_false (agen_list_model_get_loading (model));
  agen_list_model_set_autoload_limit (model, 151);
  wait_loaded (&r, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 200);

  /* Past the end of the generator: complete. */
  g_object_set (model, "autoload-limit", 1000, NULL);
  wait_loaded (&r, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 330);
  g_assert_true (agen_list_model_get_complete (model));
  g_assert_cmpstr (r.changes->str, ==,
                   "0-0+50 50-0+50 100-0+50 150-0+50 200-0+50 250-0+50 300-0+30");
  g_assert_cmpstr (r.loading->str, ==, "TFTFTF");
  g_assert_cmpuint (r.autoload_limit_notifies, ==, 3);
  assert_items_in_order (model);

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* The autoload limit given at construction starts loading. */
static void
test_autoload_at_construction (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  guint n_items = 0;

  counter_init (&c, 100);
  generator = counter_generator (&c);
  /* The page size applies to the first page, whatever the order. */
  model = g_object_new (AGEN_TYPE_LIST_MODEL,
                        "autoload-limit", 25,
                        "generator", generator,
                        "page-size", 10,
                        NULL);
  g_object_unref (generator);
  g_assert_true (agen_list_model_get_loading (model));

  while (agen_list_model_get_loading (model))
    g_main_context_iteration (fixture->context, TRUE);
  g_object_get (model, "n-items", &n_items, NULL);
  g_assert_cmpuint (n_items, ==, 30);
  assert_items_in_order (model);

  g_object_unref (model);
  counter_clear (&c);
}

/* A generator that awaits between items: every item arrives, in order, and
 * each page ends with its last items announced; never more signals than
 * items. */
static void
test_await_between_items (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;
  g_auto(GStrv) changes = NULL;
  guint expected_position = 0;

  counter_init (&c, 25);
  c.tick = TRUE;
  model = counter_model_new (&c, G_TYPE_OBJECT, 10, &r);

  agen_list_model_set_autoload_limit (model, 100);
  wait_loaded (&r, 1);
  g_assert_true (agen_list_model_get_complete (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 25);
  assert_items_in_order (model);

  /* Contiguous, in order, and every page boundary (10, 20) ends a signal. */
  g_assert_cmpuint (r.n_changes, >=, 3);
  g_assert_cmpuint (r.n_changes, <=, 25);
  changes = g_strsplit (r.changes->str, " ", -1);
  for (guint i = 0; changes[i] != NULL; i++)
    {
      guint position, removed, added;

      g_assert_cmpint (sscanf (changes[i], "%u-%u+%u", &position, &removed, &added), ==, 3);
      g_assert_cmpuint (position, ==, expected_position);
      g_assert_cmpuint (added, >, 0);
      g_assert_true (position / 10 == (position + added - 1) / 10);
      expected_position += added;
    }
  g_assert_cmpuint (expected_position, ==, 25);

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* While the generator waits for something slow, the items that arrived are
 * announced before the page ends. */
static void
test_announce_while_waiting (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;

  counter_init (&c, 10);
  c.gate = agen_test_gate_new ();
  model = counter_model_new (&c, G_TYPE_OBJECT, 4, &r);

  agen_list_model_load_more (model);
  release_one (c.gate);
  g_assert_cmpstr (r.changes->str, ==, "0-0+1");
  g_assert_cmpuint (r.n_items_notifies, ==, 1);
  g_assert_true (agen_list_model_get_loading (model));

  release_one (c.gate);
  release_one (c.gate);
  g_assert_cmpstr (r.changes->str, ==, "0-0+1 1-0+1 2-0+1");
  g_assert_true (agen_list_model_get_loading (model));
  /* The page's last item ends the page. */
  release_one (c.gate);
  g_assert_cmpstr (r.changes->str, ==, "0-0+1 1-0+1 2-0+1 3-0+1");
  g_assert_false (agen_list_model_get_loading (model));
  g_assert_cmpstr (r.loading->str, ==, "TF");
  g_assert_null (c.caught);
  assert_items_in_order (model);

  /* The generator waits at its yield, not at the gate: it is not pulled. */
  agen_test_iterate_ms (5);
  g_assert_cmpuint (agen_test_gate_get_n_waiters (c.gate), ==, 0);

  agen_test_gate_leave_open (c.gate);
  agen_list_model_load_more (model);
  wait_loaded (&r, 2);
  agen_list_model_load_more (model);
  wait_loaded (&r, 3);
  g_assert_true (agen_list_model_get_complete (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 10);
  assert_items_in_order (model);

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* A generator that raises mid-page: the error is kept with its domain and
 * code, and the items that came before it stay. */
static void
test_generator_error (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;
  g_autoptr(GError) error = NULL;

  counter_init (&c, 20);
  c.raise_at = 7;
  model = counter_model_new (&c, G_TYPE_OBJECT, 5, &r);

  agen_list_model_load_more (model);
  wait_loaded (&r, 1);
  g_assert_null (agen_list_model_get_error (model));

  agen_list_model_load_more (model);
  wait_loaded (&r, 2);
  g_assert_error (agen_list_model_get_error (model), AGEN_TEST_ERROR, 7);
  g_assert_cmpstr (agen_list_model_get_error (model)->message, ==, "raised at item 7");
  g_object_get (model, "error", &error, NULL);
  g_assert_error (error, AGEN_TEST_ERROR, 7);
  g_assert_cmpuint (r.error_notifies, ==, 1);
  g_assert_cmpstr (r.changes->str, ==, "0-0+5 5-0+2");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);
  g_assert_false (agen_list_model_get_loading (model));
  g_assert_false (agen_list_model_get_complete (model));
  g_assert_true (c.cleaned_up);
  assert_items_in_order (model);

  /* Failed: loading more does nothing. */
  agen_list_model_load_more (model);
  g_assert_false (agen_list_model_get_loading (model));
  g_assert_cmpstr (r.loading->str, ==, "TFTF");

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* An error at the first item: no items, no items-changed. */
static void
test_generator_error_at_once (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;

  counter_init (&c, 20);
  c.raise_at = 0;
  model = counter_model_new (&c, G_TYPE_OBJECT, 5, &r);

  agen_list_model_load_more (model);
  wait_loaded (&r, 1);
  g_assert_error (agen_list_model_get_error (model), AGEN_TEST_ERROR, 7);
  g_assert_cmpuint (r.n_changes, ==, 0);
  g_assert_cmpuint (r.n_items_notifies, ==, 0);

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* An item of the wrong type stops the model with INVALID_DATA naming the
 * types, and closes the generator; subtypes of the item type are fine. */
static void
test_wrong_item_type (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  static const struct
  {
    WrongItem wrong;
    const char *message;
  } cases[] = {
    { WRONG_OBJECT, "The generator yielded a GObject; the list model holds GMenuModel items" },
    { WRONG_INT, "The generator yielded gint; the list model holds GMenuModel items" },
    { WRONG_NULL, "The generator yielded a NULL object; the list model holds GMenuModel items" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Counter c;
      AgenGenerator *generator;
      AgenListModel *model;
      Recorder r;
      gboolean finalized;

      counter_init (&c, 20);
      c.type = G_TYPE_MENU;
      c.wrong_at = 3;
      c.wrong = cases[i].wrong;
      model = counter_model_new (&c, G_TYPE_MENU_MODEL, 10, &r);
      generator = agen_list_model_get_generator (model);
      agen_test_watch_finalize (generator, &finalized);

      agen_list_model_load_more (model);
      wait_loaded (&r, 1);
      g_assert_error (agen_list_model_get_error (model), G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_cmpstr (agen_list_model_get_error (model)->message, ==, cases[i].message);
      g_assert_cmpstr (r.changes->str, ==, "0-0+3");
      g_assert_cmpuint (r.error_notifies, ==, 1);
      g_assert_false (agen_list_model_get_complete (model));
      assert_items_in_order (model);

      /* Closed: the generator's cleanup runs, at its yield. */
      agen_test_wait_for (&c.cleaned_up);
      g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_FINISHED);

      agen_list_model_load_more (model);
      g_assert_false (agen_list_model_get_loading (model));

      g_object_unref (model);
      agen_test_wait_for (&finalized);
      recorder_clear (&r);
      counter_clear (&c);
    }
}

/* Cancel while the generator awaits mid-page: the cancellation reaches the
 * body's await, the item it yields afterwards is dropped, the generator is
 * closed, and the model keeps its items without an error. */
static void
test_cancel_mid_page (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  Recorder r;

  counter_init (&c, 20);
  c.gate = agen_test_gate_new ();
  model = counter_model_new (&c, G_TYPE_OBJECT, 10, &r);
  generator = agen_list_model_get_generator (model);

  agen_list_model_load_more (model);
  release_one (c.gate);
  release_one (c.gate);
  wait_for_waiter (c.gate);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);

  agen_list_model_cancel (model);
  g_assert_false (agen_list_model_get_loading (model));
  g_assert_cmpstr (r.loading->str, ==, "TF");

  agen_test_wait_for (&c.cleaned_up);
  g_assert_error (c.caught, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (agen_test_gate_get_n_cancelled (c.gate), ==, 1);
  g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_drain ();

  g_assert_cmpstr (r.changes->str, ==, "0-0+1 1-0+1");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
  g_assert_null (agen_list_model_get_error (model));
  g_assert_false (agen_list_model_get_complete (model));
  g_assert_cmpuint (r.error_notifies + r.complete_notifies, ==, 0);

  /* Cancelled for good. */
  agen_list_model_load_more (model);
  agen_list_model_cancel (model);
  g_assert_false (agen_list_model_get_loading (model));
  g_assert_cmpstr (r.loading->str, ==, "TF");

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* Cancel a generator that yields without awaiting, before its first item
 * comes back: nothing is delivered into the body (it does not await), the
 * item is dropped and the generator is closed at its yield. */
static void
test_cancel_without_await (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  Recorder r;

  counter_init (&c, 100);
  model = counter_model_new (&c, G_TYPE_OBJECT, 50, &r);
  generator = agen_list_model_get_generator (model);

  agen_list_model_load_more (model);
  agen_list_model_cancel (model);
  g_assert_false (agen_list_model_get_loading (model));

  agen_test_wait_for (&c.cleaned_up);
  agen_test_drain ();
  g_assert_null (c.caught);
  g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_FINISHED);
  g_assert_cmpuint (r.n_changes, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_null (agen_list_model_get_error (model));

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* Cancel between pages closes the generator at once; cancel of a complete
 * model does nothing. */
static void
test_cancel_between_pages (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  Recorder r;

  counter_init (&c, 100);
  model = counter_model_new (&c, G_TYPE_OBJECT, 50, &r);
  generator = agen_list_model_get_generator (model);

  agen_list_model_load_more (model);
  wait_loaded (&r, 1);
  agen_list_model_cancel (model);
  agen_test_wait_for (&c.cleaned_up);
  g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_FINISHED);

  agen_list_model_load_more (model);
  g_assert_false (agen_list_model_get_loading (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 50);
  g_assert_cmpstr (r.loading->str, ==, "TF");
  g_assert_false (agen_list_model_get_complete (model));
  g_assert_null (agen_list_model_get_error (model));

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);

  /* Complete. */
  counter_init (&c, 3);
  generator = counter_generator (&c);
  model = agen_list_model_new (generator, G_TYPE_OBJECT, 50);
  g_object_unref (generator);
  agen_list_model_load_more (model);
  while (agen_list_model_get_loading (model))
    g_main_context_iteration (fixture->context, TRUE);
  g_assert_true (agen_list_model_get_complete (model));
  agen_list_model_cancel (model);
  agen_test_drain ();
  g_assert_true (agen_list_model_get_complete (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  g_object_unref (model);
  counter_clear (&c);
}

/* Dropping the model while the generator awaits: the page is cancelled
 * (into the body), the late item is dropped, and the generator, closed by
 * its last unref, is finalised. */
static void
test_dispose_while_awaiting (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  Recorder r;
  gboolean model_finalized, finalized;

  counter_init (&c, 20);
  c.gate = agen_test_gate_new ();
  generator = counter_generator (&c);
  agen_test_watch_finalize (generator, &finalized);
  model = agen_list_model_new (generator, G_TYPE_OBJECT, 10);
  agen_test_watch_finalize (model, &model_finalized);
  g_object_unref (generator);
  recorder_watch (&r, model);

  agen_list_model_load_more (model);
  release_one (c.gate);
  wait_for_waiter (c.gate);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);

  g_object_unref (model);
  g_assert_true (model_finalized);
  g_assert_false (finalized);

  agen_test_wait_for (&finalized);
  g_assert_error (c.caught, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (c.cleaned_up);
  g_assert_true (c.destroyed);
  g_assert_cmpstr (r.changes->str, ==, "0-0+1");
  recorder_clear (&r);
  counter_clear (&c);
}

/* Dropping the model while a generator that does not await is mid-page
 * (its first next in flight, or between two slices of the page) and
 * between pages: the generator is finalised either way. */
typedef enum
{
  DISPOSE_NEXT_IN_FLIGHT,
  DISPOSE_BETWEEN_SLICES,
  DISPOSE_BETWEEN_PAGES,
} DisposeWhen;

static void
test_dispose_while_loading (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  for (DisposeWhen when = DISPOSE_NEXT_IN_FLIGHT; when <= DISPOSE_BETWEEN_PAGES; when++)
    {
      Counter c;
      AgenGenerator *generator;
      AgenListModel *model;
      gboolean finalized;

      /* A page far longer than a slice of a millisecond. */
      counter_init (&c, 2000000);
      generator = counter_generator (&c);
      agen_test_watch_finalize (generator, &finalized);
      model = agen_list_model_new (generator, G_TYPE_OBJECT, when == DISPOSE_BETWEEN_PAGES ? 30 : 1000000);
      g_object_unref (generator);

      agen_list_model_load_more (model);
      if (when == DISPOSE_BETWEEN_PAGES)
        {
          while (agen_list_model_get_loading (model))
            g_main_context_iteration (fixture->context, TRUE);
        }
      else if (when == DISPOSE_BETWEEN_SLICES)
        {
          /* The first item's answer, then a slice. */
          g_main_context_iteration (fixture->context, FALSE);
          g_main_context_iteration (fixture->context, FALSE);
          g_assert_true (agen_list_model_get_loading (model));
          g_assert_cmpuint (c.i, >, 1);
        }
      g_assert_cmpuint (c.i, <, 1000000);
      g_object_unref (model);

      agen_test_wait_for (&finalized);
      g_assert_true (c.cleaned_up);
      g_assert_true (c.destroyed);
      counter_clear (&c);
    }
}

/* Cancel between two slices of a page of a generator that does not await:
 * no operation is in flight, so the generator is closed at once; the items
 * that arrived are announced, without an error. */
static void
test_cancel_between_slices (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  Recorder r;
  guint n_loaded;

  counter_init (&c, 2000000);
  model = counter_model_new (&c, G_TYPE_OBJECT, 1000000, &r);
  generator = agen_list_model_get_generator (model);

  agen_list_model_load_more (model);
  g_main_context_iteration (fixture->context, FALSE);
  g_main_context_iteration (fixture->context, FALSE);
  g_assert_true (agen_list_model_get_loading (model));
  n_loaded = c.i + 1;          /* the body is suspended at the yield of item c.i */
  g_assert_cmpuint (n_loaded, >, 2);
  g_assert_cmpuint (n_loaded, <, 1000000);

  agen_list_model_cancel (model);
  g_assert_false (agen_list_model_get_loading (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n_loaded);
  g_assert_cmpstr (r.loading->str, ==, "TF");
  agen_test_wait_for (&c.cleaned_up);
  agen_test_drain ();
  g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_FINISHED);
  g_assert_cmpuint (c.i, ==, n_loaded - 1);
  g_assert_null (c.caught);
  g_assert_null (agen_list_model_get_error (model));
  g_assert_false (agen_list_model_get_complete (model));

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* A page of a generator that yields without awaiting is pulled in slices,
 * not with a main-loop iteration per item. */
static void
test_slices (AgenTestFixture *fixture,
             gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;
  guint iterations = 0;

  counter_init (&c, 20000);
  model = counter_model_new (&c, G_TYPE_OBJECT, 20000, &r);

  agen_list_model_load_more (model);
  while (agen_list_model_get_loading (model))
    {
      g_main_context_iteration (fixture->context, TRUE);
      iterations++;
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 20000);
  g_assert_cmpstr (r.changes->str, ==, "0-0+20000");
  assert_items_in_order (model);
  g_assert_cmpuint (iterations, <, 20000 / 4);

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* What GTK paints at (GDK_PRIORITY_REDRAW): a source of that priority that
 * is always ready, counting the times it ran while the model was loading
 * and held some but not all of its items. */
typedef struct
{
  AgenListModel *model;
  guint n_total;
  guint n_painted_mid_load;
} Painting;

static gboolean
paint (gpointer user_data)
{
  Painting *painting = user_data;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (painting->model));

  if (n_items > 0 && n_items < painting->n_total)
    painting->n_painted_mid_load++;
  return G_SOURCE_CONTINUE;
}

/* contract-contexts, priorities: the model loads at its generator's
 * priority, G_PRIORITY_DEFAULT_IDLE by default, so that GTK paints while
 * it autoloads a generator that never awaits; at G_PRIORITY_DEFAULT
 * (GPOINTER_TO_INT (data)) the loading holds the painting back until it
 * is over. */
static void
test_priority_painting (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  gboolean at_default = GPOINTER_TO_INT (data);
  Counter c;
  AgenListModel *model;
  Recorder r;
  Painting painting = { NULL, 10000, 0 };
  GSource *source;

  counter_init (&c, painting.n_total);
  model = counter_model_new (&c, G_TYPE_OBJECT, 50, &r);
  if (at_default)
    agen_generator_set_priority (agen_list_model_get_generator (model), G_PRIORITY_DEFAULT);
  painting.model = model;

  agen_list_model_set_autoload_limit (model, painting.n_total + 1);
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH_IDLE + 20);
  g_source_set_callback (source, paint, &painting, NULL);
  g_source_attach (source, fixture->context);

  while (agen_list_model_get_loading (model))
    g_main_context_iteration (fixture->context, TRUE);
  g_source_destroy (source);
  g_source_unref (source);

  g_assert_true (agen_list_model_get_complete (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, painting.n_total);
  if (at_default)
    g_assert_cmpuint (painting.n_painted_mid_load, ==, 0);
  else
    g_assert_cmpuint (painting.n_painted_mid_load, >=, 10);

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* get_item: a new reference, NULL out of range. */
static void
test_get_item (AgenTestFixture *fixture,
               gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  GObject *item;

  counter_init (&c, 10);
  generator = counter_generator (&c);
  model = agen_list_model_new (generator, G_TYPE_OBJECT, 4);
  g_object_unref (generator);

  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 0));

  agen_list_model_load_more (model);
  while (agen_list_model_get_loading (model))
    g_main_context_iteration (fixture->context, TRUE);

  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_nonnull (item);
  /* The model's reference and ours. */
  g_assert_cmpuint (item->ref_count, ==, 2);
  g_object_unref (item);
  item = g_list_model_get_object (G_LIST_MODEL (model), 3);
  g_assert_nonnull (item);
  g_object_unref (item);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 4));
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), G_MAXUINT));

  g_object_unref (model);
  counter_clear (&c);
}

/* With AGEN_TYPE_VALUE_ITEM the model holds any item, each wrapped in an
 * AgenValueItem but for AgenValueItems, which go in as they are. */
static void
test_value_items (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  GValue values[5] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(AgenValueItem) own = NULL;
  g_autoptr(AgenGenerator) generator = NULL;
  g_autoptr(AgenListModel) model = NULL;
  Recorder r;

  g_value_init (&values[0], G_TYPE_INT);
  g_value_set_int (&values[0], 1);
  g_value_init (&values[1], G_TYPE_STRING);
  g_value_set_string (&values[1], "two");
  g_value_init (&values[2], G_TYPE_MENU);
  g_value_set_object (&values[2], menu);
  g_value_init (&values[3], G_TYPE_POINTER);
  own = agen_value_item_new (&values[1]);
  g_value_init (&values[4], AGEN_TYPE_VALUE_ITEM);
  g_value_set_object (&values[4], own);
  generator = agen_generator_new_values (values, G_N_ELEMENTS (values));
  model = agen_list_model_new (generator, AGEN_TYPE_VALUE_ITEM, 10);
  recorder_watch (&r, model);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_value_unset (&values[i]);

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == AGEN_TYPE_VALUE_ITEM);
  agen_list_model_load_more (model);
  wait_loaded (&r, 1);
  g_assert_no_error (agen_list_model_get_error (model));
  g_assert_true (agen_list_model_get_complete (model));
  g_assert_cmpstr (r.changes->str, ==, "0-0+5");

  {
    g_autoptr(AgenValueItem) one = g_list_model_get_item (G_LIST_MODEL (model), 0);
    g_autoptr(AgenValueItem) two = g_list_model_get_item (G_LIST_MODEL (model), 1);
    g_autoptr(AgenValueItem) object = g_list_model_get_item (G_LIST_MODEL (model), 2);
    g_autoptr(AgenValueItem) null = g_list_model_get_item (G_LIST_MODEL (model), 3);
    g_autoptr(AgenValueItem) same = g_list_model_get_item (G_LIST_MODEL (model), 4);
    g_auto(GValue) property = G_VALUE_INIT;

    g_assert_cmpint (g_value_get_int (agen_value_item_get_value (one)), ==, 1);
    g_assert_cmpstr (g_value_get_string (agen_value_item_get_value (two)), ==, "two");
    g_assert_true (g_value_get_object (agen_value_item_get_value (object)) == (gpointer) menu);
    g_assert_true (G_VALUE_HOLDS_POINTER (agen_value_item_get_value (null)));
    g_assert_null (g_value_get_pointer (agen_value_item_get_value (null)));
    g_assert_true (same == own);

    g_value_init (&property, G_TYPE_VALUE);
    g_object_get_property (G_OBJECT (two), "value", &property);
    g_assert_cmpstr (g_value_get_string (g_value_get_boxed (&property)), ==, "two");
  }

  g_clear_object (&model);
  recorder_clear (&r);
}

/* Tuples are objects: enumerate_tuples fills a model of AgenTuples as it
 * is, and a model of value items wraps them as any other object. */
static void
test_tuple_items (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  GValue letters[2] = { G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(AgenGenerator) values = NULL;
  g_autoptr(AgenGenerator) pairs = NULL;
  g_autoptr(AgenListModel) model = NULL;
  g_autoptr(AgenTuple) second = NULL;
  Recorder r;

  for (guint i = 0; i < G_N_ELEMENTS (letters); i++)
    {
      g_value_init (&letters[i], G_TYPE_STRING);
      g_value_set_string (&letters[i], i == 0 ? "a" : "b");
    }
  values = agen_generator_new_values (letters, G_N_ELEMENTS (letters));
  pairs = agen_generator_enumerate_tuples (values);
  model = agen_list_model_new (pairs, AGEN_TYPE_TUPLE, 10);
  recorder_watch (&r, model);
  g_value_unset (&letters[0]);
  g_value_unset (&letters[1]);

  agen_list_model_load_more (model);
  wait_loaded (&r, 1);
  g_assert_no_error (agen_list_model_get_error (model));
  g_assert_true (agen_list_model_get_complete (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
  second = g_list_model_get_item (G_LIST_MODEL (model), 1);
  g_assert_cmpuint (g_value_get_uint64 (agen_tuple_get (second, 0)), ==, 1);
  g_assert_cmpstr (g_value_get_string (agen_tuple_get (second, 1)), ==, "b");

  g_clear_object (&model);
  recorder_clear (&r);
}

/* An AgenValueItem made without a value holds a NULL pointer; one needs a
 * set value. */
static void
test_value_item_new (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenValueItem) bare = g_object_new (AGEN_TYPE_VALUE_ITEM, NULL);
  GValue unset = G_VALUE_INIT;

  g_assert_true (G_VALUE_HOLDS_POINTER (agen_value_item_get_value (bare)));
  g_assert_null (g_value_get_pointer (agen_value_item_get_value (bare)));

  if (!g_test_undefined ())
    return;

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*G_IS_VALUE*");
  g_assert_null (agen_value_item_new (&unset));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*AGEN_IS_VALUE_ITEM*");
  g_assert_null (agen_value_item_get_value (NULL));
  g_test_assert_expected_messages ();
}

/* Properties: defaults, values, and notifications only on change. */
static void
test_properties (AgenTestFixture *fixture,
                 gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;
  Recorder r;
  AgenGenerator *generator_out = NULL;
  GType item_type = G_TYPE_INVALID;
  guint page_size = 0, autoload_limit = 1, n_items = 1;
  gboolean loading = TRUE, complete = TRUE;
  GError *error = (GError *) 1;

  counter_init (&c, 10);
  generator = counter_generator (&c);
  model = g_object_new (AGEN_TYPE_LIST_MODEL, "generator", generator, NULL);
  g_object_unref (generator);
  recorder_watch (&r, model);

  g_object_get (model,
                "generator", &generator_out,
                "item-type", &item_type,
                "page-size", &page_size,
                "autoload-limit", &autoload_limit,
                "n-items", &n_items,
                "loading", &loading,
                "complete", &complete,
                "error", &error,
                NULL);
  g_assert_true (generator_out == generator);
  g_object_unref (generator_out);
  g_assert_true (item_type == G_TYPE_OBJECT);
  g_assert_cmpuint (page_size, ==, 50);
  g_assert_cmpuint (agen_list_model_get_page_size (model), ==, 50);
  g_assert_cmpuint (autoload_limit, ==, 0);
  g_assert_cmpuint (n_items, ==, 0);
  g_assert_false (loading);
  g_assert_false (complete);
  g_assert_null (error);

  agen_list_model_set_page_size (model, 50);
  g_assert_cmpuint (r.page_size_notifies, ==, 0);
  g_object_set (model, "page-size", 3, NULL);
  g_assert_cmpuint (r.page_size_notifies, ==, 1);
  g_assert_cmpuint (agen_list_model_get_page_size (model), ==, 3);
  agen_list_model_set_autoload_limit (model, 0);
  g_assert_cmpuint (r.autoload_limit_notifies, ==, 0);

  /* A new page size applies from the next page. */
  agen_list_model_load_more (model);
  agen_list_model_set_page_size (model, 5);
  wait_loaded (&r, 1);
  agen_list_model_load_more (model);
  wait_loaded (&r, 2);
  g_assert_cmpstr (r.changes->str, ==, "0-0+3 3-0+5");

  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* ------------------------------------------------- the announce interval */

/* The first change of a model whose counter ticks: its first items,
 * announced at once whatever the interval. One item, or a few when the
 * machine is slow (valgrind) and the counter's 1 ms tick comes before the
 * idle loop the announcement waits for. Returns how many. */
static guint
assert_first_announced (Recorder *r)
{
  guint first = 0;

  g_assert_cmpint (sscanf (r->changes->str, "0-0+%u", &first), ==, 1);
  g_assert_cmpuint (first, >=, 1);
  return first;
}

/* Checks that the announcements of @r cover the first @n items, in order,
 * each adding something; returns how many there were. */
static guint
assert_changes_cover (Recorder *r,
                      guint     n)
{
  g_auto(GStrv) changes = g_strsplit (r->changes->str, " ", -1);
  guint expected_position = 0;
  guint i;

  for (i = 0; changes[i] != NULL && changes[i][0] != '\0'; i++)
    {
      guint position, removed, added;

      g_assert_cmpint (sscanf (changes[i], "%u-%u+%u", &position, &removed, &added), ==, 3);
      g_assert_cmpuint (position, ==, expected_position);
      g_assert_cmpuint (removed, ==, 0);
      g_assert_cmpuint (added, >, 0);
      expected_position += added;
    }
  g_assert_cmpuint (expected_position, ==, n);
  g_assert_cmpuint (i, ==, r->n_changes);
  return i;
}

/* With an interval, a model that loads by itself announces at most once
 * per interval (the first item at once), however its pages end: a page
 * size of 1 ends a page per item, one of 1000 leaves the items to the
 * announcements made while the generator awaits. Once loading ends every
 * item is announced. Interval 0 (the default) announces as before: each
 * page as it ends. */
static void
test_announce_interval (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  static const guint page_sizes[] = { 1, 1000 };

  for (guint p = 0; p < G_N_ELEMENTS (page_sizes); p++)
    for (guint interval = 0; interval <= 40; interval += 40)
      {
        Counter c;
        AgenListModel *model;
        Recorder r;
        gint64 start;
        guint elapsed_ms, n_changes;

        counter_init (&c, 150);
        c.tick = TRUE;               /* about a millisecond per item */
        model = counter_model_new (&c, G_TYPE_OBJECT, page_sizes[p], &r);
        g_assert_cmpuint (agen_list_model_get_announce_interval (model), ==, 0);
        agen_list_model_set_announce_interval (model, interval);
        g_assert_cmpuint (r.announce_interval_notifies, ==, interval > 0 ? 1 : 0);

        start = g_get_monotonic_time ();
        agen_list_model_set_autoload_limit (model, G_MAXUINT);
        wait_loaded (&r, 1);
        elapsed_ms = (g_get_monotonic_time () - start) / 1000;
        g_assert_true (agen_list_model_get_complete (model));
        g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 150);
        assert_items_in_order (model);
        n_changes = assert_changes_cover (&r, 150);
        g_assert_cmpuint (r.n_items_notifies, ==, n_changes);
        g_assert_cmpstr (r.loading->str, ==, "TF");

        if (interval == 0 && page_sizes[p] == 1)
          g_assert_cmpuint (n_changes, ==, 150);        /* one per page, as before */
        else if (interval > 0)
          {
            assert_first_announced (&r);
            /* The first at once, one per interval, the rest at the end. */
            g_assert_cmpuint (n_changes, <=, elapsed_ms / interval + 2);
            g_assert_cmpuint (elapsed_ms, >=, 150);
            g_assert_cmpuint (n_changes, <, 150 / 4);
          }

        g_object_unref (model);
        recorder_clear (&r);
        counter_clear (&c);
      }
}

/* Runs the model's context until the counter is making item @n (it has
 * yielded the @n before, which the model took). */
static void
wait_for_item (Counter *c,
               guint    n)
{
  guint rounds = 0;

  while (c->i < n)
    {
      g_assert_cmpuint (++rounds, <, 100000);
      g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
    }
}

typedef enum
{
  HELD_UNTIL_ERROR,
  HELD_UNTIL_CANCEL,
  HELD_UNTIL_DISPOSE,
  HELD_UNTIL_LIMIT,
} HeldUntil;

/* With an interval far longer than the test (and than the time since the
 * machine started, which the monotonic clock counts: the first item still
 * goes at once), what the model holds back is announced when loading ends
 * however it ends: the generator raises, the model is cancelled, disposed
 * of, or reaches its autoload limit. */
static void
test_announce_interval_ends (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  for (HeldUntil until = HELD_UNTIL_ERROR; until <= HELD_UNTIL_LIMIT; until++)
    {
      Counter c;
      AgenListModel *model;
      Recorder r;
      g_autofree char *expected = NULL;
      gboolean model_finalized = FALSE;
      guint n, first;

      counter_init (&c, 1000);
      c.tick = TRUE;
      if (until == HELD_UNTIL_ERROR)
        c.raise_at = 30;
      model = counter_model_new (&c, G_TYPE_OBJECT, until == HELD_UNTIL_LIMIT ? 10 : 1000, &r);
      agen_test_watch_finalize (model, &model_finalized);
      g_object_set (model, "announce-interval", G_MAXUINT, NULL);
      agen_list_model_set_autoload_limit (model, until == HELD_UNTIL_LIMIT ? 30 : G_MAXUINT);

      switch (until)
        {
        case HELD_UNTIL_ERROR:
          wait_loaded (&r, 1);
          g_assert_error (agen_list_model_get_error (model), AGEN_TEST_ERROR, 7);
          n = 30;
          break;
        case HELD_UNTIL_LIMIT:
          wait_loaded (&r, 1);
          g_assert_null (agen_list_model_get_error (model));
          n = 30;
          break;
        case HELD_UNTIL_CANCEL:
          wait_for_item (&c, 20);
          n = c.i;
          g_assert_cmpuint (r.n_changes, ==, 1);
          agen_list_model_cancel (model);
          g_assert_cmpstr (r.loading->str, ==, "TF");
          break;
        case HELD_UNTIL_DISPOSE:
          wait_for_item (&c, 20);
          n = c.i;
          g_assert_cmpuint (r.n_changes, ==, 1);
          g_object_unref (model);
          g_assert_true (model_finalized);
          break;
        }

      first = assert_first_announced (&r);
      expected = g_strdup_printf ("0-0+%u %u-0+%u", first, first, n - first);
      g_assert_cmpstr (r.changes->str, ==, expected);
      if (until != HELD_UNTIL_DISPOSE)
        {
          g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);
          assert_items_in_order (model);
          g_object_unref (model);
        }
      recorder_clear (&r);
      counter_clear (&c);
    }
}

/* Changing the interval while items wait applies at once: from an hour to
 * none, they are announced when the main loop is idle. */
static void
test_announce_interval_change (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  Counter c;
  AgenListModel *model;
  Recorder r;
  guint first;
  g_autofree char *both = NULL;

  counter_init (&c, 1000);
  c.tick = TRUE;
  model = counter_model_new (&c, G_TYPE_OBJECT, 1000, &r);
  agen_list_model_set_announce_interval (model, 3600 * 1000);
  agen_list_model_set_announce_interval (model, 3600 * 1000);
  g_assert_cmpuint (r.announce_interval_notifies, ==, 1);
  agen_list_model_set_autoload_limit (model, G_MAXUINT);
  wait_for_item (&c, 10);
  g_assert_cmpuint (r.n_changes, ==, 1);
  first = assert_first_announced (&r);

  agen_list_model_set_announce_interval (model, 0);
  g_assert_cmpuint (r.announce_interval_notifies, ==, 2);
  /* Well within the hour, and before the end of the page, which is
   * announced whatever the interval. */
  agen_test_wait_for_count (&r.n_changes, 2, 10);
  g_assert_cmpuint (c.i, <, 1000);
  both = g_strdup_printf ("0-0+%u %u-0+", first, first);
  g_assert_true (g_str_has_prefix (r.changes->str, both));

  agen_list_model_cancel (model);
  assert_changes_cover (&r, g_list_model_get_n_items (G_LIST_MODEL (model)));
  g_object_unref (model);
  recorder_clear (&r);
  counter_clear (&c);
}

/* Programmer errors are criticals, and change nothing. */
static void
test_misuse (AgenTestFixture *fixture,
             gconstpointer    data)
{
  Counter c;
  AgenGenerator *generator;
  AgenListModel *model;

  counter_init (&c, 10);
  generator = counter_generator (&c);

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*AGEN_IS_GENERATOR*");
  g_assert_null (agen_list_model_new (NULL, G_TYPE_OBJECT, 10));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*G_TYPE_OBJECT*");
  g_assert_null (agen_list_model_new (generator, G_TYPE_INT, 10));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*page_size > 0*");
  g_assert_null (agen_list_model_new (generator, G_TYPE_OBJECT, 0));
  g_test_assert_expected_messages ();

  model = agen_list_model_new (generator, G_TYPE_OBJECT, 10);
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*page_size > 0*");
  agen_list_model_set_page_size (model, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (agen_list_model_get_page_size (model), ==, 10);

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*AGEN_IS_LIST_MODEL*");
  agen_list_model_load_more (NULL);
  g_test_assert_expected_messages ();
  g_object_unref (model);

  /* Without a generator: a critical, and a model that never loads. */
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*needs a generator*");
  model = g_object_new (AGEN_TYPE_LIST_MODEL, NULL);
  g_test_assert_expected_messages ();
  agen_list_model_load_more (model);
  agen_list_model_cancel (model);
  g_assert_false (agen_list_model_get_loading (model));
  g_object_unref (model);

  g_assert_cmpint (agen_generator_get_state (generator), ==, AGEN_GENERATOR_STATE_CREATED);
  g_object_unref (generator);
  g_assert_true (c.destroyed);
  counter_clear (&c);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/list-model/pages", test_pages);
  agen_test_add ("/list-model/end-at-page-boundary", test_end_at_page_boundary);
  agen_test_add ("/list-model/load-more-while-loading", test_load_more_while_loading);
  agen_test_add ("/list-model/autoload", test_autoload);
  agen_test_add ("/list-model/autoload-at-construction", test_autoload_at_construction);
  agen_test_add ("/list-model/await-between-items", test_await_between_items);
  agen_test_add ("/list-model/announce-while-waiting", test_announce_while_waiting);
  agen_test_add ("/list-model/announce-interval", test_announce_interval);
  agen_test_add ("/list-model/announce-interval-ends", test_announce_interval_ends);
  agen_test_add ("/list-model/announce-interval-change", test_announce_interval_change);
  agen_test_add ("/list-model/generator-error", test_generator_error);
  agen_test_add ("/list-model/generator-error-at-once", test_generator_error_at_once);
  agen_test_add ("/list-model/wrong-item-type", test_wrong_item_type);
  agen_test_add ("/list-model/value-items", test_value_items);
  agen_test_add ("/list-model/value-item-new", test_value_item_new);
  agen_test_add ("/list-model/tuple-items", test_tuple_items);
  agen_test_add ("/list-model/cancel-mid-page", test_cancel_mid_page);
  agen_test_add ("/list-model/cancel-without-await", test_cancel_without_await);
  agen_test_add ("/list-model/cancel-between-pages", test_cancel_between_pages);
  agen_test_add ("/list-model/cancel-between-slices", test_cancel_between_slices);
  agen_test_add ("/list-model/slices", test_slices);
  agen_test_add_data ("/list-model/priority/lets-painting-run", GINT_TO_POINTER (FALSE), test_priority_painting);
  agen_test_add_data ("/list-model/priority/default-holds-painting-back", GINT_TO_POINTER (TRUE), test_priority_painting);
  agen_test_add ("/list-model/dispose-while-awaiting", test_dispose_while_awaiting);
  agen_test_add ("/list-model/dispose-while-loading", test_dispose_while_loading);
  agen_test_add ("/list-model/get-item", test_get_item);
  agen_test_add ("/list-model/properties", test_properties);
  agen_test_add ("/list-model/misuse", test_misuse);

  return g_test_run ();
}
