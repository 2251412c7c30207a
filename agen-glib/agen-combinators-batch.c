/* agen-combinators-batch.c: batch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"
#include "agen-generator-private.h"
#include "agen-pull-private.h"
#include "agen-schedule-private.h"

/* ---------------------------------------------------------------------- *
 * batch
 * ---------------------------------------------------------------------- */

typedef struct
{
  AgenCombinator combinator;
  guint size;
  guint timeout_ms;
  GValueArray *items;          /* the batch being filled */
  gint64 deadline;             /* when it is due, from its first item's arrival */
  GSource *timer;              /* wakes the body at the deadline */
  gboolean due;                /* the timer fired */
  gboolean source_ended;       /* it returned or raised */
  GError *throw_in;            /* to throw into the source at the next step */
  GValue made;
} AgenBatch;

static void
agen_batch_stop_timer (AgenBatch *batch)
{
  if (batch->timer != NULL)
    {
      g_source_destroy (batch->timer);
      g_clear_pointer (&batch->timer, g_source_unref);
    }
  batch->due = FALSE;
}

static void
agen_batch_free (gpointer data)
{
  AgenBatch *batch = data;

  agen_batch_stop_timer (batch);
  _agen_combinator_clear (&batch->combinator);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_value_array_free (batch->items);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_clear_error (&batch->throw_in);
  agen_value_clear (&batch->made);
  g_free (batch);
}

static GValueArray *
agen_batch_new_items (AgenBatch *batch)
{
  GValueArray *items;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  items = g_value_array_new (MIN (batch->size, 64));
  G_GNUC_END_IGNORE_DEPRECATIONS
  return items;
}

static gboolean
agen_batch_on_due (gpointer user_data)
{
  AgenBatch *batch = user_data;

  batch->due = TRUE;
  g_clear_pointer (&batch->timer, g_source_unref);
  _agen_combinator_wake (&batch->combinator);
  return G_SOURCE_REMOVE;
}

/* %TRUE when the batch is to be yielded now, partial, because its first item
 * came timeout_ms ago; otherwise sets the timer that wakes the body then. */
static gboolean
agen_batch_is_due (AgenBatch *batch)
{
  gint64 remaining;

  if (batch->timeout_ms == 0 || batch->items->n_values == 0 || batch->due)
    return batch->due;
  if (batch->timer != NULL)
    return FALSE;

  remaining = batch->deadline - g_get_monotonic_time ();
  if (remaining <= 0)
    return TRUE;

  batch->timer = _agen_call_source_new (agen_generator_get_priority (batch->combinator.generator),
                                        "[agen] batch timeout", agen_batch_on_due, batch, NULL);
  g_source_set_ready_time (batch->timer, batch->deadline);
  _agen_call_attach (batch->timer, _agen_generator_get_context (batch->combinator.generator));
  return FALSE;
}

static void
agen_batch_take_reply (AgenBatch *batch,
                       AgenPull  *pull)
{
  switch (pull->reply.kind)
    {
    case AGEN_REPLY_ITEM:
      if (batch->items->n_values == 0 && batch->timeout_ms != 0)
        batch->deadline = (pull->arrival_time != 0 ? pull->arrival_time : g_get_monotonic_time ()) +
                          (gint64) batch->timeout_ms * 1000;
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      g_value_array_append (batch->items, pull->item);
      G_GNUC_END_IGNORE_DEPRECATIONS
      _agen_pull_clear (pull);
      break;
    case AGEN_REPLY_ERROR:
      batch->source_ended = TRUE;
      _agen_combinator_fail_pull (&batch->combinator, pull);
      break;
    case AGEN_REPLY_END:
    case AGEN_REPLY_CLOSED:
    default:
      batch->source_ended = TRUE;
      _agen_pull_clear (pull);
      break;
    }
}

static void
agen_batch_make_item (AgenBatch *batch)
{
  _agen_combinator_take_items (&batch->combinator, &batch->made, g_steal_pointer (&batch->items));
  batch->items = agen_batch_new_items (batch);
}

/* A batch is yielded when full, when due, or at the end of the source
 * (never empty). An error of the source is raised after the partial batch
 * before it. An error thrown in at a yield goes into the source once its
 * next in flight (if any) has settled; if the source ended meanwhile, the
 * batch closes it and raises the thrown error. */
static void
agen_batch_body (AgenGenerator *self,
                 gpointer       user_data)
{
  AgenBatch *batch = user_data;
  AgenCombinator *comb = &batch->combinator;
  AgenPull *pull = &comb->pulls[0];

  AGEN_BEGIN (self);
  for (;;)
    {
      while (batch->items->n_values < batch->size && !batch->source_ended)
        {
          if (pull->state == AGEN_PULL_IDLE)
            {
              _agen_pull_step (pull, batch->throw_in != NULL ? AGEN_OP_THROW : AGEN_OP_NEXT, batch->throw_in);
              g_clear_error (&batch->throw_in);
            }
          if (pull->state == AGEN_PULL_REPLIED)
            {
              agen_batch_take_reply (batch, pull);
              continue;
            }
          if (agen_batch_is_due (batch))
            break;
          AGEN_COMBINATOR_WAIT (self, comb);
        }
      agen_batch_stop_timer (batch);

      if (batch->throw_in != NULL)
        {
          _agen_combinator_fail (comb, g_steal_pointer (&batch->throw_in));
          break;
        }
      if (batch->items->n_values == 0)
        break;

      agen_batch_make_item (batch);
      AGEN_COMBINATOR_YIELD (self, comb, &batch->made);
      if (comb->caught != NULL)
        {
          if (_agen_combinator_take_exit (comb))
            break;
          if (batch->source_ended)
            {
              _agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
              break;
            }
          batch->throw_in = g_steal_pointer (&comb->caught);
        }
    }

  AGEN_COMBINATOR_FINISH (self, comb);
}

static AgenBatch *
agen_batch_new (AgenGenerator *source,
                guint          size,
                guint          timeout_ms,
                gboolean       yields_tuples)
{
  AgenBatch *batch = g_new0 (AgenBatch, 1);

  _agen_combinator_init (&batch->combinator, &source, 1);
  batch->combinator.yields_tuples = yields_tuples;
  batch->size = size;
  batch->timeout_ms = timeout_ms;
  batch->items = agen_batch_new_items (batch);
  return batch;
}

/**
 * agen_generator_batch:
 * @self: the source
 * @size: the most items in a batch, at least 1
 * @timeout_ms: how long a batch may wait for more items after its first one
 *   arrived, in milliseconds; 0 to wait until it is full
 *
 * A generator that yields the items of @self in #GValueArray batches (a
 * %G_TYPE_VALUE_ARRAY #GValue): a batch is yielded when it holds @size
 * items, when @timeout_ms have passed since its first item arrived, or at
 * the end of @self, partial. A batch is never empty.
 *
 * With a timeout, a partial batch is yielded while the next of @self is
 * still in flight: that next stays in flight while the batch is suspended at
 * its yield, and its item starts the next batch. Closing the batch meanwhile
 * cancels that next, waits for it (its item is dropped), then closes @self.
 * An error @self raises is raised after the partial batch before it has been
 * yielded; an error thrown in reaches @self once its next in flight has
 * settled.
 *
 * #GValueArray is deprecated since GLib 2.32: new code should prefer
 * agen_generator_batch_tuples(), the same with an #AgenTuple.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `batch(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_batch (AgenGenerator *self,
                      guint          size,
                      guint          timeout_ms)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (size > 0, NULL);

  return _agen_combinator_new (&agen_batch_new (self, size, timeout_ms, FALSE)->combinator,
                               "batch", agen_batch_body, agen_batch_free);
}

/**
 * agen_generator_batch_tuples:
 * @self: the source
 * @size: the most items in a batch, at least 1
 * @timeout_ms: how long a batch may wait for more items after its first one
 *   arrived, in milliseconds; 0 to wait until it is full
 *
 * A generator that yields the items of @self in #AgenTuple batches (an
 * %AGEN_TYPE_TUPLE #GValue).
 *
 * It behaves as agen_generator_batch() in everything else.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `batch(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_batch_tuples (AgenGenerator *self,
                             guint          size,
                             guint          timeout_ms)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (size > 0, NULL);

  return _agen_combinator_new (&agen_batch_new (self, size, timeout_ms, TRUE)->combinator,
                               "batch", agen_batch_body, agen_batch_free);
}
