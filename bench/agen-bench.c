/* agen-bench: what agen-glib costs, next to the code it replaces
 *
 * Each case runs agen-glib and its reference in the same process, one after
 * the other, and prints one line of JSON per measurement:
 *
 *   {"case": "next", "what": "agen", "unit": "ns/item", "value": 812.3}
 *
 * bench/run-bench gathers these with the CPython and Node references into a
 * table and a plot. Times are the best of several rounds: the minimum is the
 * least disturbed by whatever else the machine does.
 *
 *   agen-bench [--quick] [--items N] [--rounds N] [CASE...]
 *                                      CASE: next foreach await memory pipeline
 *                                            combinators time operators producers
 *                                            async-producer (only when named)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <agen-glib/agen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gboolean quick;
static gint fixed_items;    /* --items: overrides every case's count */
static gint fixed_rounds;   /* --rounds */
static GMainLoop *loop;

static void
report (const char *case_name,
        const char *what,
        const char *unit,
        double      value)
{
  g_print ("{\"case\": \"%s\", \"what\": \"%s\", \"unit\": \"%s\", \"value\": %.2f}\n",
           case_name, what, unit, value);
}

typedef void (*RoundFunc) (guint n);

/* Best time per item over a few rounds, in nanoseconds. @prepare, when
 * given, runs before each round, untimed. */
static double
best_ns_per_prepared_item (RoundFunc prepare,
                           RoundFunc round,
                           guint     n)
{
  double best = G_MAXDOUBLE;
  guint rounds = fixed_rounds > 0 ? (guint) fixed_rounds : quick ? 2 : 5;

  if (fixed_items > 0)
    n = (guint) fixed_items;

  for (guint r = 0; r < rounds; r++)
    {
      gint64 start;

      if (prepare != NULL)
        prepare (n);
      start = g_get_monotonic_time ();
      round (n);
      best = MIN (best, (g_get_monotonic_time () - start) * 1000.0 / n);
    }
  return best;
}

static double
best_ns_per_item (RoundFunc round,
                  guint     n)
{
  return best_ns_per_prepared_item (NULL, round, n);
}

/* ---------------------------------------------------------------------- *
 * Bodies
 * ---------------------------------------------------------------------- */

typedef struct
{
  guint i;
  guint n;
  AgenGenerator *upstream;
  GValue item;
} Counter;

/* for i in range(n): yield i — with no awaits. */
static void
count_body (AgenGenerator *self,
            gpointer       user_data)
{
  Counter *counter = user_data;

  AGEN_BEGIN (self);
  for (counter->i = 0; counter->i < counter->n; counter->i++)
    AGEN_YIELD_INT (self, counter->i);
  AGEN_END (self);
}

static AgenGenerator *
counter_new (guint n)
{
  Counter *counter = g_new0 (Counter, 1);

  counter->n = n;
  return agen_generator_new (count_body, counter, g_free);
}

/* The smallest awaitable: one main-loop round trip through an idle. */
typedef struct
{
  GAsyncReadyCallback callback;
  gpointer user_data;
} IdleWait;

static gboolean
idle_wait_done (gpointer data)
{
  IdleWait *wait = data;

  wait->callback (NULL, NULL, wait->user_data);
  return G_SOURCE_REMOVE;
}

static void
idle_wait_async (IdleWait            *wait,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  wait->callback = callback;
  wait->user_data = user_data;
  g_idle_add (idle_wait_done, wait);
}

typedef struct
{
  guint i;
  guint n;
  IdleWait wait;
} AwaitingCounter;

/* for i in range(n): await asyncio.sleep(0); yield i */
static void
awaiting_count_body (AgenGenerator *self,
                     gpointer       user_data)
{
  AwaitingCounter *counter = user_data;

  AGEN_BEGIN (self);
  for (counter->i = 0; counter->i < counter->n; counter->i++)
    {
      AGEN_AWAIT (self, idle_wait_async (&counter->wait, agen_generator_ready, agen_generator_await (self)));
      AGEN_YIELD_INT (self, counter->i);
    }
  AGEN_END (self);
}

/* async for x in upstream: yield x */
static void
relay_body (AgenGenerator *self,
            gpointer       user_data)
{
  Counter *relay = user_data;
  g_autoptr(GError) error = NULL;

  AGEN_BEGIN (self);
  for (;;)
    {
      AGEN_AWAIT (self, agen_generator_next_async (relay->upstream, NULL, agen_generator_ready,
                                                   agen_generator_await (self)));
      if (!agen_generator_next_finish (relay->upstream, agen_generator_get_result (self),
                                       &relay->item, &error))
        {
          if (error != NULL)
            {
              agen_generator_raise (self, g_steal_pointer (&error));
              return;
            }
          break;
        }
      AGEN_YIELD (self, &relay->item);
    }
  AGEN_END (self);
}

static void
relay_free (gpointer data)
{
  Counter *relay = data;

  g_object_unref (relay->upstream);
  g_value_unset (&relay->item);
  g_free (relay);
}

static AgenGenerator *
relay_new (AgenGenerator *upstream)
{
  Counter *relay = g_new0 (Counter, 1);

  relay->upstream = upstream;
  g_value_init (&relay->item, G_TYPE_POINTER);
  return agen_generator_new (relay_body, relay, relay_free);
}

/* ---------------------------------------------------------------------- *
 * Consumers
 * ---------------------------------------------------------------------- */

static guint remaining;

static void
on_next (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AgenGenerator *generator = AGEN_GENERATOR (source);
  g_auto(GValue) item = G_VALUE_INIT;

  if (!agen_generator_next_finish (generator, result, &item, NULL) || --remaining == 0)
    {
      g_main_loop_quit (loop);
      return;
    }
  agen_generator_next_async (generator, NULL, on_next, NULL);
}

static void
round_next (guint n)
{
  g_autoptr(AgenGenerator) generator = counter_new (G_MAXUINT);

  remaining = n;
  agen_generator_next_async (generator, NULL, on_next, NULL);
  g_main_loop_run (loop);
}

static gboolean
count_item (AgenGenerator *generator,
            const GValue  *item,
            gpointer       user_data)
{
  return TRUE;
}

static void
on_foreach_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  if (!agen_generator_foreach_finish (AGEN_GENERATOR (source), result, NULL))
    g_error ("foreach failed");
  g_main_loop_quit (loop);
}

static void
run_foreach (AgenGenerator *generator)
{
  agen_generator_foreach_async (generator, count_item, NULL, NULL, NULL, on_foreach_done, NULL);
  g_main_loop_run (loop);
}

static void
round_foreach (guint n)
{
  g_autoptr(AgenGenerator) generator = counter_new (n);

  run_foreach (generator);
}

static void
round_await (guint n)
{
  AwaitingCounter *counter = g_new0 (AwaitingCounter, 1);
  g_autoptr(AgenGenerator) generator = NULL;

  counter->n = n;
  generator = agen_generator_new (awaiting_count_body, counter, g_free);
  run_foreach (generator);
}

static guint pipeline_stages;

static void
round_pipeline (guint n)
{
  g_autoptr(AgenGenerator) last = counter_new (n);

  for (guint i = 0; i < pipeline_stages; i++)
    last = relay_new (g_steal_pointer (&last));
  run_foreach (last);
}

/* ---------------------------------------------------------------------- *
 * Combinators, against the same loop written by hand
 *
 * The target (issue 5/7): the per-item cost of map∘filter∘take over a fast
 * source is within 1.5 × the same loop written by hand with the core API.
 * Both pull from agen_generator_new_values() over 0 .. 2n-1, add one to each
 * item, keep the even results and stop after n of them, and both are
 * consumed by agen_generator_foreach_async(); the time is per item yielded.
 *
 * - "map-filter-take": agen_generator_take (agen_generator_filter
 *   (agen_generator_map (source, add_one), is_even), n).
 * - "hand-written": what a user writes without combinators, as fast as the
 *   core API allows: ONE body (with the macros) that pulls the source with
 *   agen_generator_next_start(), which hands over an item the source yields
 *   without awaiting in the call (and would await it otherwise), applies the
 *   same map function and predicate inline, counts to n, yields, and closes
 *   the source at the end.
 * ---------------------------------------------------------------------- */

static GValue *source_values;      /* 0 .. 2n-1, made once */
static guint n_source_values;
static AgenGenerator *prepared_source;

static gboolean
add_one (const GValue  *item,
         GValue        *result,
         gpointer       user_data,
         GError       **error)
{
  g_value_init (result, G_TYPE_INT);
  g_value_set_int (result, g_value_get_int (item) + 1);
  return TRUE;
}

static gboolean
is_even (const GValue  *item,
         gpointer       user_data,
         GError       **error)
{
  return g_value_get_int (item) % 2 == 0;
}

/* Untimed: the source of the next round. */
static void
prepare_values_source (guint n)
{
  if (n_source_values < 2 * n)
    {
      for (guint i = 0; i < n_source_values; i++)
        g_value_unset (&source_values[i]);
      n_source_values = 2 * n;
      source_values = g_renew (GValue, source_values, n_source_values);
      memset (source_values, 0, n_source_values * sizeof (GValue));
      for (guint i = 0; i < n_source_values; i++)
        {
          g_value_init (&source_values[i], G_TYPE_INT);
          g_value_set_int (&source_values[i], (gint) i);
        }
    }
  g_clear_object (&prepared_source);
  prepared_source = agen_generator_new_values (source_values, 2 * n);
}

static void
round_combinators (guint n)
{
  g_autoptr(AgenGenerator) source = g_steal_pointer (&prepared_source);
  g_autoptr(AgenGenerator) map = agen_generator_map (source, add_one, NULL, NULL);
  g_autoptr(AgenGenerator) filter = agen_generator_filter (map, is_even, NULL, NULL);
  g_autoptr(AgenGenerator) take = agen_generator_take (filter, n);

  run_foreach (take);
}

typedef struct
{
  AgenGenerator *self;
  AgenGenerator *source;
  guint n;
  guint taken;
  guint await_id;
  gboolean produced;
  GValue item;
  GValue mapped;
} HandWritten;

static void
hand_written_free (gpointer data)
{
  HandWritten *hw = data;

  g_object_unref (hw->source);
  g_value_unset (&hw->item);
  if (G_IS_VALUE (&hw->mapped))
    g_value_unset (&hw->mapped);
  g_free (hw);
}

static void
hand_written_ready (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HandWritten *hw = user_data;

  agen_generator_resume (hw->self, hw->await_id, result);
}

/* async def pipeline(source, n):
 *     taken = 0
 *     while taken < n:
 *         try: x = await anext(source)
 *         except StopAsyncIteration: break
 *         y = add_one(x)
 *         if is_even(y):
 *             taken += 1
 *             yield y
 *     await source.aclose() */
static void
hand_written_body (AgenGenerator *self,
                   gpointer       user_data)
{
  HandWritten *hw = user_data;
  g_autoptr(GError) error = NULL;
  gboolean pending;

  AGEN_BEGIN (self);
  while (hw->taken < hw->n)
    {
      hw->produced = agen_generator_next_start (hw->source, NULL, hand_written_ready, hw, NULL,
                                                &pending, &hw->item, &error);
      if (pending)
        {
          AGEN_AWAIT (self, hw->await_id = agen_generator_suspend (self));
          hw->produced = agen_generator_next_finish (hw->source, agen_generator_get_result (self),
                                                     &hw->item, &error);
        }
      if (!hw->produced)
        {
          if (error != NULL)
            {
              agen_generator_raise (self, g_steal_pointer (&error));
              return;
            }
          break;
        }
      if (G_IS_VALUE (&hw->mapped))
        g_value_unset (&hw->mapped);
      add_one (&hw->item, &hw->mapped, NULL, NULL);
      if (!is_even (&hw->mapped, NULL, &error))
        {
          if (error != NULL)
            {
              agen_generator_raise (self, g_steal_pointer (&error));
              return;
            }
          continue;
        }
      hw->taken++;
      AGEN_YIELD (self, &hw->mapped);
    }
  AGEN_AWAIT (self, agen_generator_close_async (hw->source, NULL, agen_generator_ready,
                                                agen_generator_await (self)));
  if (!agen_generator_close_finish (hw->source, agen_generator_get_result (self), &error))
    {
      agen_generator_raise (self, g_steal_pointer (&error));
      return;
    }
  AGEN_END (self);
}

static void
round_hand_written (guint n)
{
  HandWritten *hw = g_new0 (HandWritten, 1);
  g_autoptr(AgenGenerator) generator = NULL;

  hw->source = g_steal_pointer (&prepared_source);
  hw->n = n;
  g_value_init (&hw->item, G_TYPE_POINTER);
  generator = agen_generator_new (hand_written_body, hw, hand_written_free);
  hw->self = generator;
  run_foreach (generator);
}

static void
free_source_values (void)
{
  for (guint i = 0; i < n_source_values; i++)
    g_value_unset (&source_values[i]);
  g_clear_pointer (&source_values, g_free);
  n_source_values = 0;
}

/* ---------------------------------------------------------------------- *
 * flat_map and tee (issue 16), against the loops they replace
 *
 * - "flat_map" vs "nested loop": n items made of n / 10 outer items, each
 *   becoming a counter of 10 items; agen_generator_flat_map() against ONE
 *   hand-written body that pulls the outer counter and each inner one with
 *   agen_generator_next_start() and yields the inner items. Both consumed
 *   by foreach; time per item yielded. Target: ≤ 1.5 ×.
 * - "tee(2)" vs "one consumer": two foreach loops over the branches of
 *   agen_generator_tee (counter, 2, 0) at once, against one foreach over
 *   the counter; time per source item. Target: ≤ 2 ×. A branch held by
 *   foreach is not called per item: foreach's next pulls the counter into
 *   the share's buffer in place of the branch's body (the branch ahead),
 *   or takes every buffered item at once (the branch behind), and reads
 *   them in the buffer, without a copy per branch (see agen-share.c). So a
 *   source item costs the counter's body once, a foreach step for the
 *   branch ahead and a function call for the one behind, and the share's
 *   bookkeeping (a compare for the branch ahead, a pass over the
 *   branches per span for the one behind), and the resumption of the
 *   branch ahead once per buffer (256 items by default); the target
 *   leaves the share what the counter's body costs. Under callgrind: one
 *   consumer 165 instructions an item, tee(1) 246, tee(2) 255. "tee(1)"
 *   (one branch, whose buffer holds one item at a time) tells what the
 *   second consumer adds.
 * ---------------------------------------------------------------------- */

#define INNER_ITEMS 10

static AgenGenerator *
inner_counter (const GValue  *item,
               gpointer       user_data,
               GError       **error)
{
  return counter_new (INNER_ITEMS);
}

static void
round_flat_map (guint n)
{
  g_autoptr(AgenGenerator) outer = counter_new (n / INNER_ITEMS);
  g_autoptr(AgenGenerator) flat = agen_generator_flat_map (outer, inner_counter, NULL, NULL);

  run_foreach (flat);
}

typedef struct
{
  AgenGenerator *self;
  AgenGenerator *outer;
  AgenGenerator *inner;
  AgenGenerator *pulled;       /* the one whose next is pending */
  guint await_id;
  gboolean produced;
  GValue item;
} NestedLoop;

static void
nested_loop_free (gpointer data)
{
  NestedLoop *loop_state = data;

  g_object_unref (loop_state->outer);
  g_clear_object (&loop_state->inner);
  g_value_unset (&loop_state->item);
  g_free (loop_state);
}

static void
nested_loop_ready (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  NestedLoop *loop_state = user_data;

  agen_generator_resume (loop_state->self, loop_state->await_id, result);
}

/* async def nested(outer):
 *     async for x in outer:
 *         async for y in func(x):
 *             yield y */
static void
nested_loop_body (AgenGenerator *self,
                  gpointer       user_data)
{
  NestedLoop *nl = user_data;
  g_autoptr(GError) error = NULL;
  gboolean pending;

  AGEN_BEGIN (self);
  for (;;)
    {
      nl->pulled = nl->outer;
      nl->produced = agen_generator_next_start (nl->outer, NULL, nested_loop_ready, nl, NULL,
                                                &pending, &nl->item, &error);
      if (pending)
        {
          AGEN_AWAIT (self, nl->await_id = agen_generator_suspend (self));
          nl->produced = agen_generator_next_finish (nl->outer, agen_generator_get_result (self),
                                                     &nl->item, &error);
        }
      if (!nl->produced)
        break;
      g_clear_object (&nl->inner);
      nl->inner = inner_counter (&nl->item, NULL, NULL);
      for (;;)
        {
          nl->produced = agen_generator_next_start (nl->inner, NULL, nested_loop_ready, nl, NULL,
                                                    &pending, &nl->item, &error);
          if (pending)
            {
              AGEN_AWAIT (self, nl->await_id = agen_generator_suspend (self));
              nl->produced = agen_generator_next_finish (nl->inner, agen_generator_get_result (self),
                                                         &nl->item, &error);
            }
          if (!nl->produced)
            break;
          AGEN_YIELD (self, &nl->item);
        }
    }
  if (error != NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&error));
      return;
    }
  AGEN_END (self);
}

static void
round_nested_loop (guint n)
{
  NestedLoop *nl = g_new0 (NestedLoop, 1);
  g_autoptr(AgenGenerator) generator = NULL;

  nl->outer = counter_new (n / INNER_ITEMS);
  g_value_init (&nl->item, G_TYPE_POINTER);
  generator = agen_generator_new (nested_loop_body, nl, nested_loop_free);
  nl->self = generator;
  run_foreach (generator);
}

static guint foreach_running;

static void
on_branch_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  if (!agen_generator_foreach_finish (AGEN_GENERATOR (source), result, NULL))
    g_error ("foreach failed");
  if (--foreach_running == 0)
    g_main_loop_quit (loop);
}

static guint tee_branches;

static void
round_tee (guint n)
{
  g_autoptr(AgenGenerator) source = counter_new (n);
  g_autoptr(GPtrArray) branches = agen_generator_tee (source, tee_branches, 0);

  foreach_running = branches->len;
  for (guint i = 0; i < branches->len; i++)
    agen_generator_foreach_async (branches->pdata[i], count_item, NULL, NULL, NULL, on_branch_done, NULL);
  g_main_loop_run (loop);
}

/* ---------------------------------------------------------------------- *
 * References, written by hand
 * ---------------------------------------------------------------------- */

static GObject *task_source;

static void
on_bare_task (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data);

static void
start_bare_task (void)
{
  GTask *task = g_task_new (task_source, NULL, on_bare_task, NULL);

  g_task_return_int (task, remaining);
  g_object_unref (task);
}

/* A GTask round trip: create a task, return a value, the callback starts the
 * next. */
static void
on_bare_task (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_task_propagate_int (G_TASK (result), NULL);
  if (--remaining == 0)
    {
      g_main_loop_quit (loop);
      return;
    }
  start_bare_task ();
}

static void
round_bare_task (guint n)
{
  remaining = n;
  start_bare_task ();
  g_main_loop_run (loop);
}

static gboolean
on_bare_idle (gpointer user_data)
{
  if (--remaining == 0)
    g_main_loop_quit (loop);
  else
    g_idle_add (on_bare_idle, NULL);
  return G_SOURCE_REMOVE;
}

static void
round_bare_idle (guint n)
{
  remaining = n;
  g_idle_add (on_bare_idle, NULL);
  g_main_loop_run (loop);
}

/* ---------------------------------------------------------------------- *
 * Memory
 * ---------------------------------------------------------------------- */

static gsize
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%lu %lu", &size, &resident) != 2)
    g_error ("cannot read /proc/self/statm");
  return (gsize) resident * (gsize) sysconf (_SC_PAGESIZE);
}

static void
on_first_item (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_auto(GValue) item = G_VALUE_INIT;

  agen_generator_next_finish (AGEN_GENERATOR (source), result, &item, NULL);
  if (--remaining == 0)
    g_main_loop_quit (loop);
}

/* Resident-set growth per generator suspended at its first yield, body data
 * included (a Counter is 40 bytes, about what Python's frame locals hold). */
static void
case_memory (void)
{
  guint n = quick ? 100000 : 1000000;
  GPtrArray *generators = g_ptr_array_sized_new (n);
  guint batch;
  gsize before;
  double per_generator;

  /* Warm up the allocators and the main loop first. */
  g_object_unref (counter_new (1));
  before = resident_bytes ();

  /* In batches, so that the operations' transient GTasks are recycled and
   * what grows is what the suspended generators keep. */
  for (guint done = 0; done < n; done += batch)
    {
      batch = MIN (1000, n - done);
      remaining = batch;
      for (guint i = 0; i < batch; i++)
        {
          AgenGenerator *generator = counter_new (G_MAXUINT);

          g_ptr_array_add (generators, generator);
          agen_generator_next_async (generator, NULL, on_first_item, NULL);
        }
      g_main_loop_run (loop);
    }

  /* The array of pointers is the benchmark's, not the generators'. */
  per_generator = (double) (resident_bytes () - before) / n - sizeof (gpointer);
  report ("memory", "agen", "bytes/generator", per_generator);

  for (guint i = 0; i < n; i++)
    g_object_unref (generators->pdata[i]);
  g_ptr_array_unref (generators);
  /* Each was closed on its last unref; let the closes run. */
  while (g_main_context_iteration (NULL, FALSE));
}

/* ---------------------------------------------------------------------- *
 * Time: debounce over a burst, against map
 *
 * The target (issue 16): a debounce over a burst of items that come
 * without an await costs at most 2 × a map per item (no timer source per
 * item). Both pull a counter of n items and are consumed by foreach; the
 * time is per item of the source (the debounce yields only the last).
 * ---------------------------------------------------------------------- */

static void
round_time_map (guint n)
{
  g_autoptr(AgenGenerator) source = counter_new (n);
  g_autoptr(AgenGenerator) map = agen_generator_map (source, add_one, NULL, NULL);

  run_foreach (map);
}

static void
round_time_debounce (guint n)
{
  g_autoptr(AgenGenerator) source = counter_new (n);
  g_autoptr(AgenGenerator) debounce = agen_generator_debounce (source, 50);

  run_foreach (debounce);
}

/* ---------------------------------------------------------------------- *
 * Producers written as async functions and threads (agen-emitter.h)
 *
 * Issue 15's targets, as ratios of one run: an async-function producer
 * against the macro body of round_foreach (both yield ints to foreach); a
 * producer thread with a 64-item buffer, in items a second; a thread
 * without a buffer against the same rendezvous over two GAsyncQueues. The
 * async producer is the manual's example of "Writing producers", line for
 * line: its state, the data of its callbacks, keeps the emitter and its
 * cancellable, which it passes to each emit. Under callgrind (--items
 * 20000 --rounds 1 producers, collecting in round_async_producer and in
 * round_foreach) an item costs 192 instructions against the macro body's
 * 171: the producer's own code is 28; the library's is 117 (the emit, 57
 * with its checks, g_cancellable_is_cancelled() on the producer's
 * cancellable, the emit's finish, and the next that completes the emit
 * and takes the item emitted in its callback without a body call), where
 * the macro body's body call and yield are 98; foreach is 36 in both.
 * Casting the callback's source object with AGEN_EMITTER() and reaching
 * the state through the GTask getters, as the example first did, add 110
 * instructions and double the time of an item.
 * ---------------------------------------------------------------------- */

typedef struct
{
  AgenEmitter *emitter;          /* outlives its producer */
  GCancellable *cancellable;     /* the producer's */
  GTask *task;
  guint i, n;
} AsyncCounter;

static void async_count_next (AsyncCounter *counter);

static void
async_count_return (AsyncCounter *counter,
                    GError       *error)
{
  GTask *task = g_steal_pointer (&counter->task);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
async_count_emitted (GObject      *emitter,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AsyncCounter *counter = user_data;
  GError *error = NULL;

  if (!agen_emitter_emit_int_finish (counter->emitter, result, &error))
    {
      async_count_return (counter, error);
      return;
    }
  async_count_next (counter);
}

/* for i in range(n): yield i — as a GIO-style async function. */
static void
async_count_next (AsyncCounter *counter)
{
  if (counter->i == counter->n)
    {
      async_count_return (counter, NULL);
      return;
    }
  agen_emitter_emit_int_async (counter->emitter, counter->i++, counter->cancellable,
                               async_count_emitted, counter);
}

static void
async_count (AgenEmitter         *emitter,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             callback_data,
             gpointer             user_data)
{
  AsyncCounter *counter = user_data;

  counter->emitter = emitter;
  counter->cancellable = cancellable;
  counter->task = g_task_new (emitter, cancellable, callback, callback_data);
  async_count_next (counter);
}

static gboolean
async_count_finish (AgenEmitter   *emitter,
                    GAsyncResult  *result,
                    gpointer       user_data,
                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
round_async_producer (guint n)
{
  AsyncCounter *counter = g_new0 (AsyncCounter, 1);
  g_autoptr(AgenGenerator) generator = NULL;

  counter->n = n;
  generator = agen_generator_new_async (async_count, async_count_finish, counter, g_free);
  run_foreach (generator);
}

static guint thread_buffer_size;

/* for i in range(n): yield i — in a thread, blocking in each emit. */
static gboolean
thread_count (AgenEmitter   *emitter,
              GCancellable  *cancellable,
              gpointer       user_data,
              GError       **error)
{
  guint n = GPOINTER_TO_UINT (user_data);

  agen_emitter_set_buffer_size (emitter, thread_buffer_size);
  for (guint i = 0; i < n; i++)
    if (!agen_emitter_emit_int (emitter, (gint) i, NULL, error))
      return FALSE;
  return TRUE;
}

static void
round_threaded (guint n)
{
  g_autoptr(AgenGenerator) generator = agen_generator_new_threaded (thread_count, GUINT_TO_POINTER (n), NULL);

  run_foreach (generator);
}

/* The reference of a 0-item buffer: the same rendezvous between two
 * threads with two GAsyncQueues, the consumer asking and the producer
 * answering with the item. */
static GAsyncQueue *asks;
static GAsyncQueue *answers;

static gpointer
ping_pong_producer (gpointer data)
{
  guint n = GPOINTER_TO_UINT (data);

  for (guint i = 1; i <= n; i++)
    {
      g_async_queue_pop (asks);
      g_async_queue_push (answers, GUINT_TO_POINTER (i));
    }
  return NULL;
}

static void
round_async_queue_ping_pong (guint n)
{
  GThread *thread;

  asks = g_async_queue_new ();
  answers = g_async_queue_new ();
  thread = g_thread_new ("ping-pong", ping_pong_producer, GUINT_TO_POINTER (n));
  for (guint i = 0; i < n; i++)
    {
      g_async_queue_push (asks, GUINT_TO_POINTER (1));
      g_async_queue_pop (answers);
    }
  g_thread_join (thread);
  g_clear_pointer (&asks, g_async_queue_unref);
  g_clear_pointer (&answers, g_async_queue_unref);
}

static void
case_producers (guint scale)
{
  report ("producers", "macro body", "ns/item", best_ns_per_item (round_foreach, 2000000 / scale));
  report ("producers", "async function", "ns/item", best_ns_per_item (round_async_producer, 2000000 / scale));
  thread_buffer_size = 64;
  report ("producers", "thread, 64-item buffer", "ns/item", best_ns_per_item (round_threaded, 2000000 / scale));
  thread_buffer_size = 0;
  report ("producers", "thread, no buffer", "ns/item", best_ns_per_item (round_threaded, 100000 / scale));
  report ("producers", "bare GAsyncQueue ping-pong", "ns/item",
          best_ns_per_item (round_async_queue_ping_pong, 100000 / scale));
}

/* ---------------------------------------------------------------------- */

static gboolean
wanted (char **cases,
        const char *name)
{
  return cases == NULL || g_strv_contains ((const char * const *) cases, name);
}

/* A part of another case, for bench/callgrind-guard, which counts one
 * kind of item at a time: run only when named. */
static gboolean
named (char       **cases,
       const char  *name)
{
  return cases != NULL && g_strv_contains ((const char * const *) cases, name);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = g_option_context_new ("[CASE…] — agen-glib benchmarks");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) cases = NULL;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Fewer items and rounds (a smoke test)", NULL },
    { "items", 0, 0, G_OPTION_ARG_INT, &fixed_items, "Items per round, for every case", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &fixed_rounds, "Rounds per case", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &cases, NULL, NULL },
    { NULL }
  };
  guint scale;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  scale = quick ? 10 : 1;
  loop = g_main_loop_new (NULL, FALSE);
  task_source = g_object_new (G_TYPE_OBJECT, NULL);

  if (wanted (cases, "next"))
    {
      report ("next", "bare GTask", "ns/item", best_ns_per_item (round_bare_task, 200000 / scale));
      report ("next", "agen", "ns/item", best_ns_per_item (round_next, 200000 / scale));
    }
  if (wanted (cases, "foreach"))
    report ("foreach", "agen", "ns/item", best_ns_per_item (round_foreach, 5000000 / scale));
  if (wanted (cases, "await"))
    {
      report ("await", "bare g_idle_add", "ns/item", best_ns_per_item (round_bare_idle, 200000 / scale));
      report ("await", "agen", "ns/item", best_ns_per_item (round_await, 200000 / scale));
    }
  if (wanted (cases, "pipeline"))
    {
      pipeline_stages = 1;
      report ("pipeline", "1 stage", "ns/item", best_ns_per_item (round_pipeline, 100000 / scale));
      pipeline_stages = 8;
      report ("pipeline", "8 stages", "ns/item", best_ns_per_item (round_pipeline, 100000 / scale));
    }
  if (wanted (cases, "memory"))
    case_memory ();
  if (wanted (cases, "combinators"))
    {
      report ("combinators", "hand-written", "ns/item",
              best_ns_per_prepared_item (prepare_values_source, round_hand_written, 200000 / scale));
      report ("combinators", "map-filter-take", "ns/item",
              best_ns_per_prepared_item (prepare_values_source, round_combinators, 200000 / scale));
      free_source_values ();
    }
  if (wanted (cases, "producers"))
    case_producers (scale);
  if (named (cases, "async-producer"))
    report ("producers", "async function", "ns/item", best_ns_per_item (round_async_producer, 2000000 / scale));

  if (wanted (cases, "time"))
    {
      report ("time", "map", "ns/item", best_ns_per_item (round_time_map, 1000000 / scale));
      report ("time", "debounce", "ns/item", best_ns_per_item (round_time_debounce, 1000000 / scale));
    }
  if (wanted (cases, "operators"))
    {
      report ("operators", "nested loop", "ns/item", best_ns_per_item (round_nested_loop, 1000000 / scale));
      report ("operators", "flat_map", "ns/item", best_ns_per_item (round_flat_map, 1000000 / scale));
      report ("operators", "one consumer", "ns/item", best_ns_per_item (round_foreach, 1000000 / scale));
      tee_branches = 1;
      report ("operators", "tee(1)", "ns/item", best_ns_per_item (round_tee, 1000000 / scale));
      tee_branches = 2;
      report ("operators", "tee(2)", "ns/item", best_ns_per_item (round_tee, 1000000 / scale));
    }

  g_object_unref (task_source);
  g_main_loop_unref (loop);
  return 0;
}
