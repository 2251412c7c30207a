/* running-total: a generator written as a plain continuation closure
 *
 * The body keeps a running total of the numbers sent to it. It shows the
 * producer face without the macros: the body is called at every resumption
 * and finds its place with agen_generator_get_resume_point(). The consumer
 * drives it with send, throw and close, one callback after another.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <agen-glib/agen.h>

typedef enum
{
  TOTALS_START,        /* agen_generator_get_resume_point() is 0 at the first call */
  TOTALS_AT_YIELD,
} TotalsStep;

typedef struct
{
  gint total;
  guint count;
} Totals;

static void
report_totals (gpointer data)
{
  Totals *totals = data;

  g_print ("generator finished after %u numbers\n", totals->count);
}

static void
yield_total (AgenGenerator *self,
             Totals        *totals)
{
  agen_generator_set_resume_point (self, TOTALS_AT_YIELD);
  agen_generator_yield_int (self, totals->total);
}

static void
totals_body (AgenGenerator *self,
             gpointer       user_data)
{
  Totals *totals = user_data;
  g_autoptr(GError) thrown = NULL;
  const GValue *sent;

  switch ((TotalsStep) agen_generator_get_resume_point (self))
    {
    case TOTALS_START:
      agen_generator_defer (self, report_totals, totals);
      yield_total (self, totals);
      return;

    case TOTALS_AT_YIELD:
      if (agen_generator_catch (self, &thrown))
        {
          /* A close throws AGEN_ERROR_EXIT: finish. Any other error
           * thrown in starts the total again. */
          if (g_error_matches (thrown, AGEN_ERROR, AGEN_ERROR_EXIT))
            agen_generator_return (self);
          else
            {
              g_print ("reset: %s\n", thrown->message);
              totals->total = 0;
              yield_total (self, totals);
            }
          return;
        }

      sent = agen_generator_get_sent (self);
      if (sent == NULL)
        {
          agen_generator_raise (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                           "Send numbers, not nothing"));
          return;
        }
      totals->total += g_value_get_int (sent);
      totals->count++;
      yield_total (self, totals);
      return;

    default:
      g_assert_not_reached ();
    }
}

/* The consumer: a script of operations, run one after another. */
typedef enum { SEND, THROW, CLOSE } Action;

static const struct { Action action; gint number; } script[] = {
  { SEND, 3 }, { SEND, 4 }, { SEND, 5 }, { THROW, 0 }, { SEND, 10 }, { SEND, 20 }, { CLOSE, 0 },
};

typedef struct
{
  GMainLoop *loop;
  guint step;
  gint last_total;
} Consumer;

static void run_step (AgenGenerator *totals, Consumer *consumer);

static void
on_item (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AgenGenerator *totals = AGEN_GENERATOR (source);
  Consumer *consumer = user_data;
  g_auto(GValue) item = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  gboolean yielded;

  /* next, send and throw all finish the same way. */
  yielded = g_task_get_source_tag (G_TASK (result)) == agen_generator_throw_async
              ? agen_generator_throw_finish (totals, result, &item, &error)
              : agen_generator_send_finish (totals, result, &item, &error);
  if (!yielded)
    {
      g_printerr ("unexpected end: %s\n", error != NULL ? error->message : "finished");
      g_main_loop_quit (consumer->loop);
      return;
    }

  consumer->last_total = g_value_get_int (&item);
  g_print ("total: %d\n", consumer->last_total);
  run_step (totals, consumer);
}

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Consumer *consumer = user_data;
  g_autoptr(GError) error = NULL;

  if (!agen_generator_close_finish (AGEN_GENERATOR (source), result, &error))
    g_printerr ("close failed: %s\n", error->message);
  g_main_loop_quit (consumer->loop);
}

static void
run_step (AgenGenerator *totals,
          Consumer      *consumer)
{
  g_auto(GValue) number = G_VALUE_INIT;
  g_autoptr(GError) reset = NULL;
  guint step = consumer->step++;

  switch (script[step].action)
    {
    case SEND:
      g_value_init (&number, G_TYPE_INT);
      g_value_set_int (&number, script[step].number);
      agen_generator_send_async (totals, &number, NULL, on_item, consumer);
      break;
    case THROW:
      reset = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "start again");
      agen_generator_throw_async (totals, reset, NULL, on_item, consumer);
      break;
    case CLOSE:
    default:
      agen_generator_close_async (totals, NULL, on_closed, consumer);
      break;
    }
}

int
main (void)
{
  Totals totals = { 0 };
  Consumer consumer = { g_main_loop_new (NULL, FALSE), 0, 0 };
  g_autoptr(AgenGenerator) generator = agen_generator_new (totals_body, &totals, NULL);

  /* The first resumption starts the body: it must be a next (a send of
   * NULL), since a just-started generator has no yield to receive a value. */
  agen_generator_send_async (generator, NULL, NULL, on_item, &consumer);
  g_main_loop_run (consumer.loop);

  g_main_loop_unref (consumer.loop);
  /* 3 + 4 + 5, reset, 10 + 20 */
  return consumer.last_total == 30 && agen_generator_get_state (generator) == AGEN_GENERATOR_STATE_FINISHED ? 0 : 1;
}
