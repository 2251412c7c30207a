/* consume: the consumer face, one operation at a time
 *
 * A ticker generator awaits a timer before each item. The consumer takes
 * three items with agen_generator_next_async(), closes the generator (its
 * cleanup runs before the close's callback), then loops over a second
 * ticker with agen_generator_foreach_async() and cancels the loop after a
 * while: the cancellation is delivered to the body at its await.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <agen-glib/agen.h>

/* An awaitable timer: completes after @msec milliseconds. */
static gboolean
on_timer (gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
sleep_async (guint                msec,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GSource *timer = g_timeout_source_new (msec);

  g_task_attach_source (task, timer, on_timer);
  g_source_unref (timer);
  g_object_unref (task);
}

/* The producer: tick 0, tick 1, ... every @interval_ms. */
typedef struct
{
  const char *name;
  guint interval_ms;
  int tick;
} Ticker;

static void
ticker_cleanup (gpointer data)
{
  Ticker *ticker = data;

  g_print ("%s: cleanup after %d ticks\n", ticker->name, ticker->tick);
}

static void
ticker_body (AgenGenerator *self,
             gpointer       user_data)
{
  Ticker *ticker = user_data;

  AGEN_BEGIN (self);
  agen_generator_defer (self, ticker_cleanup, ticker);
  for (ticker->tick = 0;; ticker->tick++)
    {
      /* A cancellation of the consumer's operation arrives here, as
       * G_IO_ERROR_CANCELLED, and finishes the generator. */
      AGEN_AWAIT (self, sleep_async (ticker->interval_ms, agen_generator_get_cancellable (self),
                                     agen_generator_ready, agen_generator_await (self)));
      AGEN_YIELD_INT (self, ticker->tick);
    }
  AGEN_END (self);
}

/* The consumer, step by step. */
typedef struct
{
  GMainLoop *loop;
  AgenGenerator *first;
  AgenGenerator *second;
  GCancellable *cancellable;
  int taken;
  gboolean ok;
} Demo;

static void on_next (GObject *source, GAsyncResult *result, gpointer user_data);
static void start_second (Demo *demo);

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;

  /* The body let AGEN_ERROR_EXIT propagate: a clean close. */
  demo->ok = agen_generator_close_finish (AGEN_GENERATOR (source), result, &error);
  g_print ("first: closed, state %s\n",
           agen_generator_get_state (demo->first) == AGEN_GENERATOR_STATE_FINISHED ? "finished" : "?");
  start_second (demo);
}

static void
on_next (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Demo *demo = user_data;
  g_auto(GValue) item = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (!agen_generator_next_finish (demo->first, result, &item, &error))
    {
      g_printerr ("first: ended early: %s\n", error != NULL ? error->message : "finished");
      g_main_loop_quit (demo->loop);
      return;
    }

  g_print ("first: %d\n", g_value_get_int (&item));
  if (++demo->taken < 3)
    agen_generator_next_async (demo->first, NULL, on_next, demo);
  else
    agen_generator_close_async (demo->first, NULL, on_closed, demo);
}

static gboolean
print_tick (AgenGenerator *ticker,
            const GValue  *item,
            gpointer       user_data)
{
  g_print ("second: %d\n", g_value_get_int (item));
  return TRUE;
}

static void
on_second_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;

  if (!agen_generator_foreach_finish (demo->second, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_print ("second: cancelled\n");
  else
    demo->ok = FALSE;
  g_main_loop_quit (demo->loop);
}

static void
cancel_second (gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
start_second (Demo *demo)
{
  agen_generator_foreach_async (demo->second, print_tick, NULL, NULL, demo->cancellable,
                                on_second_done, demo);
  g_timeout_add_once (55, cancel_second, demo->cancellable);
}

int
main (void)
{
  Ticker first = { "first", 10, 0 };
  Ticker second = { "second", 20, 0 };
  Demo demo = { 0 };

  demo.loop = g_main_loop_new (NULL, FALSE);
  demo.first = agen_generator_new (ticker_body, &first, NULL);
  demo.second = agen_generator_new (ticker_body, &second, NULL);
  demo.cancellable = g_cancellable_new ();

  agen_generator_next_async (demo.first, NULL, on_next, &demo);
  g_main_loop_run (demo.loop);

  g_object_unref (demo.first);
  g_object_unref (demo.second);
  g_object_unref (demo.cancellable);
  g_main_loop_unref (demo.loop);
  return demo.ok && first.tick == 2 ? 0 : 1;
}
