/* agen-sources-timer.c: the interval source, the ticks of a timer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-macros.h"
#include "agen-schedule-private.h"
#include "agen-sources.h"

/* ---------------------------------------------------------------------- *
 * Interval
 * ---------------------------------------------------------------------- */

typedef struct
{
  AgenGenerator *generator;  /* not a reference: it owns this */
  GMainContext *context;
  gint64 interval_us;
  gint64 start_us;           /* the time of the first next */
  guint64 next_tick;         /* the first tick neither yielded nor skipped */
  GSource *timeout;          /* while the body waits for a tick */
  guint await_id;
  GValue tick;               /* G_TYPE_UINT64 */
} AgenInterval;

static void
agen_interval_free (gpointer data)
{
  AgenInterval *interval = data;

  /* A cancelled wait leaves its timeout behind: nothing may call back
   * into a generator that is gone. */
  if (interval->timeout != NULL)
    {
      g_source_destroy (interval->timeout);
      g_source_unref (interval->timeout);
    }
  g_main_context_unref (interval->context);
  g_value_unset (&interval->tick);
  g_free (interval);
}

/* Puts the latest due tick in interval->tick, skipping the ones missed
 * while nobody asked; FALSE when no tick is due. */
static gboolean
agen_interval_take_due_tick (AgenInterval *interval)
{
  guint64 n_due = (guint64) ((g_get_monotonic_time () - interval->start_us) / interval->interval_us);

  if (n_due <= interval->next_tick)
    return FALSE;

  g_value_set_uint64 (&interval->tick, n_due - 1);
  interval->next_tick = n_due;
  return TRUE;
}

static gboolean
agen_interval_on_due (gpointer user_data)
{
  AgenInterval *interval = user_data;

  g_clear_pointer (&interval->timeout, g_source_unref);
  agen_generator_resume (interval->generator, interval->await_id, NULL);
  return G_SOURCE_REMOVE;
}

/* Ends the body call in an await of the next tick. */
static void
agen_interval_wait (AgenInterval  *interval,
                    AgenGenerator *self)
{
  gint64 due_us = interval->start_us + (gint64) (interval->next_tick + 1) * interval->interval_us;
  gint64 delay_us = MAX (due_us - g_get_monotonic_time (), 0);

  interval->await_id = agen_generator_suspend (self);
  interval->timeout = _agen_call_source_new (agen_generator_get_priority (self), "[agen] interval",
                                             agen_interval_on_due, interval, NULL);
  g_source_set_ready_time (interval->timeout, g_get_monotonic_time () + delay_us);
  _agen_call_attach (interval->timeout, interval->context);
}

static void
agen_interval_body (AgenGenerator *self,
                    gpointer       user_data)
{
  AgenInterval *interval = user_data;

  AGEN_BEGIN (self);

  interval->start_us = g_get_monotonic_time ();
  for (;;)
    {
      if (agen_interval_take_due_tick (interval))
        AGEN_YIELD (self, &interval->tick);
      else
        AGEN_AWAIT (self, agen_interval_wait (interval, self));
    }

  AGEN_END (self);
}

/**
 * agen_generator_new_interval:
 * @interval_ms: the period in milliseconds, more than 0
 *
 * A generator of timer ticks that never returns: each item is a tick
 * number (%G_TYPE_UINT64). Tick k is due @interval_ms × (k + 1) after the
 * first next, on a fixed schedule that does not drift with the consumer's
 * delays.
 *
 * Ticks are not buffered while nobody asks: a next waits for the next due
 * tick, or, when ticks came due since the last item, yields the latest of
 * them at once and skips the others. The number is the tick's own, the
 * count of periods elapsed minus one, so a consumer sees a gap where it
 * missed ticks: a consumer that keeps up gets 0, 1, 2, ...; one that paused
 * for three periods after 1 gets 4 next.
 *
 * A wait is a #GSource timeout attached to the thread-default
 * #GMainContext of the creation, the generator's own. Cancelling the
 * consumer's operation ends the wait with %G_IO_ERROR_CANCELLED, which
 * finishes the generator; the timeout is removed when the generator
 * finishes or is finalised.
 *
 * Its name is "interval" followed by the period.
 *
 * Returns: (transfer full): a new #AgenGenerator of tick numbers
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_interval (guint interval_ms)
{
  AgenInterval *interval;
  g_autofree char *name = NULL;

  g_return_val_if_fail (interval_ms > 0, NULL);

  interval = g_new0 (AgenInterval, 1);
  interval->context = g_main_context_ref_thread_default ();
  interval->interval_us = (gint64) interval_ms * G_TIME_SPAN_MILLISECOND;
  g_value_init (&interval->tick, G_TYPE_UINT64);

  interval->generator = agen_generator_new (agen_interval_body, interval, agen_interval_free);
  name = g_strdup_printf ("interval %u ms", interval_ms);
  agen_generator_set_name (interval->generator, name);
  return interval->generator;
}
