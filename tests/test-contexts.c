/* test-contexts.c: main contexts and threads
 *
 * docs/reference/semantics.xml, section contract-contexts: a generator
 * belongs to the thread-default GMainContext it was created in, and its body
 * only ever runs there. A call made while another context (or none) is the
 * thread-default fails with WRONG_CONTEXT and changes nothing. Each thread
 * here pushes its own context and iterates it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* ====================================================== wrong context */

/* A call made while another context is the thread-default fails with
 * WRONG_CONTEXT, and changes nothing. */
static void
test_wrong_context (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  gboolean use_global_default = GPOINTER_TO_INT (data);
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  g_autoptr(GError) thrown = agen_test_error_new (1);
  GMainContext *other = use_global_default ? g_main_context_ref (g_main_context_default ()) : g_main_context_new ();
  AgenTestCollect *collect = agen_test_collect_new (0);
  GValue v = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  AgenTestCall call = { 0 };

  agen_test_value_init_int (&v, 3);

  for (guint round = 0; round < 2; round++)
    {
      g_main_context_push_thread_default (other);

      g_assert_false (agen_test_next (gen, NULL, &item, &error));
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      agen_test_assert_item_none (&item);
      g_value_unset (&item);
      g_clear_error (&error);

      g_assert_false (agen_test_send (gen, &v, NULL, &item, &error));
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      agen_test_assert_item_none (&item);
      g_value_unset (&item);
      g_clear_error (&error);

      g_assert_false (agen_test_throw (gen, thrown, NULL, &item, &error));
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      agen_test_assert_item_none (&item);
      g_value_unset (&item);
      g_clear_error (&error);

      g_assert_false (agen_test_close (gen, NULL, &error));
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      g_clear_error (&error);

      agen_test_call_init (&call);
      agen_test_start_foreach (gen, agen_test_collect_func, collect, NULL, NULL, &call);
      agen_test_call_wait (&call);
      g_assert_error (call.error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
      agen_test_call_clear (&call);

      g_main_context_pop_thread_default (other);

      /* Nothing changed. */
      g_assert_cmpuint (s->n_calls, ==, round);
      g_assert_cmpint (agen_generator_get_state (gen), ==, round == 0 ? CREATED : SUSPENDED);
      g_assert_cmpuint (collect->n_items, ==, 0);
      agen_test_assert_next_int (gen, round + 1);
    }

  agen_test_script_assert_sane (s);
  agen_test_collect_free (collect);
  g_value_unset (&v);
  g_main_context_unref (other);
  g_object_unref (gen);
  agen_test_drain ();
}

typedef struct
{
  AgenGenerator *gen;
  gboolean push_context;       /* FALSE: the thread has no thread-default */
  GError *next_error;
  GError *send_error;
  GError *throw_error;
  GError *close_error;
  GError *foreach_error;
  gboolean item_initialised;
} Intruder;

static gboolean
never_func (AgenGenerator *self,
            const GValue  *item,
            gpointer       user_data)
{
  g_assert_not_reached ();
  return FALSE;
}

static gpointer
intruder_thread (gpointer data)
{
  Intruder *in = data;
  GMainContext *context = NULL;
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_TEST_ERROR, 1, "thrown");
  GValue item = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;
  AgenTestCall call = { 0 };

  if (in->push_context)
    {
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
    }

  g_assert_false (agen_test_next (in->gen, NULL, &item, &in->next_error));
  in->item_initialised = G_VALUE_HOLDS_POINTER (&item) && g_value_get_pointer (&item) == NULL;
  g_value_unset (&item);

  g_value_init (&v, G_TYPE_INT);
  g_assert_false (agen_test_send (in->gen, &v, NULL, NULL, &in->send_error));
  g_value_unset (&v);
  g_assert_false (agen_test_throw (in->gen, thrown, NULL, NULL, &in->throw_error));
  g_assert_false (agen_test_close (in->gen, NULL, &in->close_error));

  agen_test_start_foreach (in->gen, never_func, NULL, NULL, NULL, &call);
  agen_test_call_wait (&call);
  in->foreach_error = g_steal_pointer (&call.error);
  agen_test_call_clear (&call);

  if (context != NULL)
    {
      agen_test_drain ();
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
    }
  return NULL;
}

/* A generator made in one context, used from a thread whose thread-default is
 * another context (or none): WRONG_CONTEXT, the callback in the caller's
 * context, the generator unchanged. */
static void
test_wrong_context_from_thread (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_YIELD (2) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  Intruder in = { gen, GPOINTER_TO_INT (data) };
  GThread *thread;

  agen_test_assert_next_int (gen, 1);

  thread = g_thread_new ("agen-intruder", intruder_thread, &in);
  g_thread_join (thread);

  g_assert_error (in.next_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_error (in.send_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_error (in.throw_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_error (in.close_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_error (in.foreach_error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_assert_true (in.item_initialised);

  g_assert_cmpuint (s->n_calls, ==, 1);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_SUSPENDED);
  agen_test_assert_next_int (gen, 2);
  agen_test_script_assert_sane (s);

  g_clear_error (&in.next_error);
  g_clear_error (&in.send_error);
  g_clear_error (&in.throw_error);
  g_clear_error (&in.close_error);
  g_clear_error (&in.foreach_error);
  g_object_unref (gen);
}

/* ========================================= the global default context */

/* A consumer that calls next_async again from each callback, and quits the
 * loop at the end. */
typedef struct
{
  GMainLoop *loop;
  GString *items;
  GError *error;
  gboolean returned;           /* next_async has returned */
} LoopRun;

static void
loop_next_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LoopRun *run = user_data;
  AgenGenerator *gen = AGEN_GENERATOR (source);
  GValue item = G_VALUE_INIT;

  g_assert_true (run->returned);
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  if (agen_generator_next_finish (gen, result, &item, &run->error))
    {
      g_string_append_printf (run->items, "%d", g_value_get_int (&item));
      g_value_unset (&item);
      run->returned = FALSE;
      agen_generator_next_async (gen, NULL, loop_next_cb, run);
      run->returned = TRUE;
      return;
    }
  g_value_unset (&item);
  g_main_loop_quit (run->loop);
}

static gboolean
loop_timeout (gpointer user_data)
{
  g_error ("timed out running the main loop");
  return G_SOURCE_REMOVE;
}

/* Calling next_async in main () before the loop runs is normal use: here on
 * the global default context, with a real GMainLoop, and no fixture. */
static void
test_default_context_main_loop (void)
{
  static const AgenTestStep steps[] = { S_YIELD (1), S_AWAIT, S_YIELD (2), S_YIELD (3) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  LoopRun run = { g_main_loop_new (NULL, FALSE), g_string_new (NULL), NULL, FALSE };
  guint timeout_id = g_timeout_add_seconds (agen_test_timeout_seconds (10), loop_timeout, NULL);

  g_assert_true (s->context == g_main_context_default ());
  agen_test_gate_leave_open (s->gate);
  agen_generator_next_async (gen, NULL, loop_next_cb, &run);
  run.returned = TRUE;
  g_main_loop_run (run.loop);
  g_source_remove (timeout_id);

  g_assert_no_error (run.error);
  g_assert_cmpstr (run.items->str, ==, "123");
  g_assert_cmpint (agen_generator_get_state (gen), ==, FINISHED);
  agen_test_script_assert_sane (s);

  g_string_free (run.items, TRUE);
  g_main_loop_unref (run.loop);
  g_object_unref (gen);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ============================================================ threads */

typedef struct
{
  gint i, n;
  GThread *thread;             /* the thread the body must run in */
  guint wrong_thread_calls;
} Counter;

static void
counter_body (AgenGenerator *self,
              gpointer       user_data)
{
  Counter *c = user_data;

  if (g_thread_self () != c->thread)
    c->wrong_thread_calls++;

  AGEN_BEGIN (self);
  for (c->i = 0; c->i < c->n; c->i++)
    AGEN_YIELD_INT (self, c->i);
  AGEN_END (self);
}

static gboolean
sum_func (AgenGenerator *self,
          const GValue  *item,
          gpointer       user_data)
{
  gint64 *sum = user_data;

  *sum += g_value_get_int (item);
  return TRUE;
}

typedef struct
{
  guint index;
  GMutex *mutex;
  GCond *cond;
  guint *n_ready;

  /* Results, checked by the main thread. */
  gint64 sum;
  char *awaited_items;
  char *log;
  guint wrong_thread_calls;
  guint wrong_context_calls;
  gboolean all_callbacks_here;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  GMainContext *context = g_main_context_new ();
  static const AgenTestStep steps[] = { S_DEFER (1), S_YIELD (0), S_AWAIT, S_YIELD (1), S_AWAIT, S_YIELD (2) };
  AgenTestScript *s;
  AgenGenerator *gen;
  Counter counter = { 0, 20000, g_thread_self (), 0 };
  AgenTestCall call = { 0 };
  GString *items = g_string_new (NULL);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  g_main_context_push_thread_default (context);

  /* Start together, so the two threads really overlap. */
  g_mutex_lock (w->mutex);
  (*w->n_ready)++;
  g_cond_broadcast (w->cond);
  while (*w->n_ready < 2)
    g_cond_wait (w->cond, w->mutex);
  g_mutex_unlock (w->mutex);

  /* A body that never awaits, driven by foreach. */
  gen = agen_generator_new (counter_body, &counter, NULL);
  agen_test_start_foreach (gen, sum_func, &w->sum, NULL, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);
  w->wrong_thread_calls = counter.wrong_thread_calls;
  g_object_unref (gen);

  /* A body that awaits, driven by next. */
  s = AGEN_TEST_SCRIPT (steps);
  agen_test_gate_leave_open (s->gate);
  gen = agen_test_script_generator (s);
  while (agen_test_next (gen, NULL, &item, &error))
    {
      g_string_append_printf (items, "%d", g_value_get_int (&item));
      g_value_unset (&item);
    }
  g_assert_no_error (error);
  g_value_unset (&item);
  w->awaited_items = g_string_free (items, FALSE);
  w->log = g_strdup (s->log->str);
  w->wrong_context_calls = s->wrong_context_calls;
  g_object_unref (gen);
  agen_test_script_unref (s);

  agen_test_drain ();
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

/* Two threads, each with its own context, drive their generators at once. */
static void
test_two_threads (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  GMutex mutex;
  GCond cond;
  guint n_ready = 0;
  Worker workers[2] = { { 0 } };
  GThread *threads[2];
  const gint64 expected_sum = (gint64) 20000 * 19999 / 2;

  g_mutex_init (&mutex);
  g_cond_init (&cond);

  for (guint i = 0; i < 2; i++)
    {
      workers[i].index = i;
      workers[i].mutex = &mutex;
      workers[i].cond = &cond;
      workers[i].n_ready = &n_ready;
      threads[i] = g_thread_new ("agen-worker", worker_thread, &workers[i]);
    }
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (workers[i].sum, ==, expected_sum);
      g_assert_cmpuint (workers[i].wrong_thread_calls, ==, 0);
      g_assert_cmpstr (workers[i].awaited_items, ==, "012");
      g_assert_cmpstr (workers[i].log, ==, "d1");
      g_assert_cmpuint (workers[i].wrong_context_calls, ==, 0);
      g_free (workers[i].awaited_items);
      g_free (workers[i].log);
    }

  g_cond_clear (&cond);
  g_mutex_clear (&mutex);
}

typedef struct
{
  AgenGenerator *gen;
  guint await_id;
  GAsyncResult *result;
} Resumer;

static gpointer
resumer_thread (gpointer data)
{
  Resumer *r = data;

  agen_generator_resume (r->gen, r->await_id, r->result);
  return NULL;
}

/* The body only ever runs in its context: a resume from another thread
 * wakes it there. */
static void
test_resume_from_other_thread (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_SUSPEND, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  AgenGenerator *gen = agen_test_script_generator (s);
  GTask *result = g_task_new (NULL, NULL, NULL, NULL);
  AgenTestCall call = { 0 };
  Resumer r;
  GThread *thread;

  g_task_return_boolean (result, TRUE);
  agen_test_start_next (gen, NULL, &call);
  g_assert_cmpuint (s->await_id, !=, 0);

  r = (Resumer) { gen, s->await_id, G_ASYNC_RESULT (result) };
  thread = g_thread_new ("agen-resumer", resumer_thread, &r);
  agen_test_call_wait (&call);
  g_thread_join (thread);

  agen_test_assert_item_int (call.ret, &call.item, 1);
  agen_test_call_clear (&call);
  g_assert_cmpuint (s->wrong_context_calls, ==, 0);

  g_object_unref (result);
  g_object_unref (gen);
}

/* ========================================================== priorities */

static void
count_notify (gpointer counter)
{
  (*(guint *) counter)++;
}

/* The priority of the sources scheduled for a generator: a property,
 * G_PRIORITY_DEFAULT_IDLE by default, notified when it changes. */
static void
test_priority_property (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenGenerator) gen = agen_test_script_generator (s);
  guint notified = 0;
  int priority = 0;

  g_signal_connect_swapped (gen, "notify::priority", G_CALLBACK (count_notify), &notified);
  g_assert_cmpint (agen_generator_get_priority (gen), ==, G_PRIORITY_DEFAULT_IDLE);
  agen_generator_set_priority (gen, G_PRIORITY_HIGH);
  g_object_get (gen, "priority", &priority, NULL);
  g_assert_cmpint (priority, ==, G_PRIORITY_HIGH);
  agen_generator_set_priority (gen, G_PRIORITY_HIGH);
  g_assert_cmpuint (notified, ==, 1);
}

/* What GTK paints at: a source of its priority that is always ready
 * counts how often the main loop let it run. */
static gboolean
paint (gpointer user_data)
{
  guint *n_painted = user_data;

  (*n_painted)++;
  return G_SOURCE_CONTINUE;
}

/* An always-ready source of @priority in the thread-default context,
 * counting its dispatches in @counter. */
static GSource *
add_busy_source (int    priority,
                 guint *counter)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, priority);
  g_source_set_callback (source, paint, counter, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static void
remove_busy_source (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static GSource *
add_painting (guint *n_painted)
{
  return add_busy_source (G_PRIORITY_HIGH_IDLE + 20, n_painted);
}

static gboolean
stop_once_painted (AgenGenerator *gen,
                   const GValue  *item,
                   gpointer       n_painted)
{
  return *(guint *) n_painted < 5;
}

static void
count_forever (AgenGenerator *self,
               gpointer       user_data)
{
  guint *i = user_data;

  agen_generator_yield_int (self, (*i)++);
}

/* A foreach over a body that never awaits lets a painting of GTK's
 * priority run between its slices, at the default priority: the loop below
 * ends only once it has painted. (At G_PRIORITY_DEFAULT, the painting
 * would wait for the loop, which would never end.) The painting never
 * stops being ready, yet the foreach goes on: raised after 2 ms of waiting,
 * its slices take turns with ordinary work. */
static void
test_priority_foreach_lets_painting_run (AgenTestFixture *fixture,
                                         gconstpointer    data)
{
  guint i = 0;
  guint n_painted = 0;
  g_autoptr(AgenGenerator) gen = agen_generator_new (count_forever, &i, NULL);
  GSource *painting = add_painting (&n_painted);
  AgenTestCall call = { 0 };

  agen_test_start_foreach (gen, stop_once_painted, &n_painted, NULL, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_cmpuint (n_painted, >=, 5);
  g_assert_cmpuint (i, >, 0);
  agen_test_call_clear (&call);
  remove_busy_source (painting);
}

static gboolean
stop_after_a_million (AgenGenerator *gen,
                      const GValue  *item,
                      gpointer       user_data)
{
  return g_value_get_int (item) < 1000000;
}

/* The control: at G_PRIORITY_DEFAULT the same foreach holds the painting
 * back until it is over. */
static void
test_priority_default_holds_painting_back (AgenTestFixture *fixture,
                                           gconstpointer    data)
{
  guint i = 0;
  guint n_painted = 0;
  g_autoptr(AgenGenerator) gen = agen_generator_new (count_forever, &i, NULL);
  GSource *painting;
  AgenTestCall call = { 0 };

  agen_generator_set_priority (gen, G_PRIORITY_DEFAULT);
  agen_test_start_foreach (gen, stop_after_a_million, NULL, NULL, NULL, &call);
  painting = add_painting (&n_painted);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  g_assert_cmpuint (n_painted, ==, 0);
  agen_test_call_clear (&call);
  remove_busy_source (painting);
}

/* Work of ordinary priority that is always ready (asyncio on gbulb polling
 * with sleep(0)) does not starve a generator at the default priority: an
 * answer that comes at once, a cancellation delivered at an await, a close
 * on last unref all get through; a plain idle of that priority does not. */
static void
test_priority_guard_against_starvation (AgenTestFixture *fixture,
                                        gconstpointer    data)
{
  static const AgenTestStep gated[] = { S_YIELD (0), S_AWAIT, S_YIELD (1) };
  static const AgenTestStep counter[] = { S_DEFER (1), S_YIELD (0), S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (gated);
  g_autoptr(AgenTestScript) dropped = AGEN_TEST_SCRIPT (counter);
  g_autoptr(AgenGenerator) gen = agen_test_script_generator (s);
  AgenGenerator *gen_dropped = agen_test_script_generator (dropped);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  guint n_busy = 0;
  guint n_idle = 0;
  gboolean finalized = FALSE;
  GSource *busy, *idle;
  AgenTestCall call = { 0 };

  agen_test_assert_next_int (gen_dropped, 0);
  busy = add_busy_source (G_PRIORITY_DEFAULT, &n_busy);
  idle = add_busy_source (G_PRIORITY_DEFAULT_IDLE, &n_idle);

  agen_test_assert_next_int (gen, 0);
  agen_test_start_next (gen, cancellable, &call);
  agen_test_wait_for_count (&s->n_calls, 2, agen_test_timeout_seconds (10));
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_call_clear (&call);

  agen_test_watch_finalize (gen_dropped, &finalized);
  g_object_unref (gen_dropped);
  agen_test_wait_for (&finalized);
  g_assert_cmpstr (dropped->log->str, ==, "u:EXIT d1");

  g_assert_cmpuint (n_busy, >, 0);
  g_assert_cmpuint (n_idle, ==, 0);
  remove_busy_source (busy);
  remove_busy_source (idle);
}

/* A combinator is scheduled as its first source is. */
static void
test_priority_combinator_inherits (AgenTestFixture *fixture,
                                   gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenGenerator) source = agen_test_script_generator (s);
  g_autoptr(AgenGenerator) taken = NULL;

  agen_generator_set_priority (source, G_PRIORITY_LOW);
  taken = agen_generator_take (source, 1);
  g_assert_cmpint (agen_generator_get_priority (taken), ==, G_PRIORITY_LOW);
}

static void
count_ready (AgenGenerator *gen,
             gpointer       data)
{
  (*(guint *) data)++;
}

/* next_now, and taking the outcome of a pending one, are refused outside
 * the generator's context as every operation is, and change nothing. */
static void
test_wrong_context_next_now (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  static const AgenTestStep steps[] = { S_AWAIT, S_YIELD (1) };
  g_autoptr(AgenTestScript) s = AGEN_TEST_SCRIPT (steps);
  g_autoptr(AgenGenerator) gen = agen_test_script_generator (s);
  g_autoptr(GMainContext) other = g_main_context_new ();
  g_auto(GValue) item = G_VALUE_INIT;
  GError *error = NULL;
  guint n_ready = 0;

  g_main_context_push_thread_default (other);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_FAILED);
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  g_clear_error (&error);
  g_main_context_pop_thread_default (other);
  g_assert_cmpint (agen_generator_get_state (gen), ==, CREATED);

  agen_generator_set_ready_func (gen, count_ready, &n_ready, NULL);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_PENDING);
  agen_test_gate_open (s->gate);
  agen_test_wait_for_count (&n_ready, 1, agen_test_timeout_seconds (5));

  g_main_context_push_thread_default (other);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_FAILED);
  g_assert_error (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT);
  agen_test_assert_item_none (&item);
  g_clear_error (&error);
  g_main_context_pop_thread_default (other);

  g_assert_cmpint (agen_generator_get_state (gen), ==, RUNNING);
  g_assert_cmpint (agen_generator_next_now (gen, NULL, &item, &error), ==, AGEN_NOW_ITEM);
  g_assert_no_error (error);
  agen_test_assert_item_int (TRUE, &item, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add_data ("/contexts/wrong-context/other", GINT_TO_POINTER (FALSE), test_wrong_context);
  agen_test_add_data ("/contexts/wrong-context/global-default", GINT_TO_POINTER (TRUE),
                      test_wrong_context);
  agen_test_add_data ("/contexts/wrong-context/other-thread", GINT_TO_POINTER (TRUE),
                      test_wrong_context_from_thread);
  agen_test_add_data ("/contexts/wrong-context/thread-without-default", GINT_TO_POINTER (FALSE),
                      test_wrong_context_from_thread);
  g_test_add_func ("/contexts/default-context-main-loop", test_default_context_main_loop);
  agen_test_add ("/contexts/wrong-context/next-now", test_wrong_context_next_now);
  agen_test_add ("/contexts/threads/own-contexts", test_two_threads);
  agen_test_add ("/contexts/threads/resume-from-other-thread", test_resume_from_other_thread);
  agen_test_add ("/contexts/priority/property", test_priority_property);
  agen_test_add ("/contexts/priority/foreach-lets-painting-run", test_priority_foreach_lets_painting_run);
  agen_test_add ("/contexts/priority/default-holds-painting-back", test_priority_default_holds_painting_back);
  agen_test_add ("/contexts/priority/guard-against-starvation", test_priority_guard_against_starvation);
  agen_test_add ("/contexts/priority/combinator-inherits", test_priority_combinator_inherits);

  return g_test_run ();
}
