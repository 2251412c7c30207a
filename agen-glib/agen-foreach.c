/* agen-foreach.c: async for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-generator-private.h"
#include "agen-operation-private.h"
#include "agen-task-private.h"

/* How long foreach may run a body that does not await before it lets the
 * main loop run. */
#define AGEN_FOREACH_SLICE_USEC 1000
/* Reading the clock costs as much as two fast items, so it is read about
 * this often, however long an item takes, rather than at every item. */
#define AGEN_FOREACH_CLOCK_USEC 100
#define AGEN_FOREACH_MAX_STEPS_PER_READING 256
/* A loop taken up again reads it first after at most this many steps,
 * however many the last one ran between readings: its steps may be slower
 * now. */
#define AGEN_FOREACH_MAX_STEPS_TO_FIRST_READING 16

typedef struct
{
  AgenGenerator *generator;      /* the task's source object */
  GTask *task;
  AgenForeachFunc func;
  gpointer func_data;
  GDestroyNotify func_data_destroy;

  AgenOpKind next_step;
  GError *next_step_error;       /* for a THROW step */
  gboolean step_ready;           /* a reply asked for next_step */
  gboolean driving;              /* foreach_drive() is on the stack */
  guint steps_per_reading;       /* of the clock: carried from one drive to
                                  * the next, as the steps of one loop cost
                                  * about the same */
} AgenForeach;

static void agen_foreach_drive (AgenForeach *foreach);

static void
agen_foreach_free (AgenForeach *foreach)
{
  if (foreach->func_data_destroy != NULL)
    foreach->func_data_destroy (foreach->func_data);
  g_free (foreach);
}


/* Stopping early closes the generator, as JavaScript's for await does. */
static void
agen_foreach_take_item (AgenForeach  *foreach,
                        const GValue *item)
{
  foreach->next_step = foreach->func (foreach->generator, item, foreach->func_data) ? AGEN_OP_NEXT : AGEN_OP_CLOSE;
  foreach->step_ready = TRUE;
}

/* The function stops the loop at any item: the generator is closed,
 * whatever followed it unread. */
G_NO_INLINE static void
agen_foreach_take_items (AgenForeach  *foreach,
                         const GValue *items,
                         guint         n_items)
{
  AgenForeachFunc func = foreach->func;
  AgenGenerator *generator = foreach->generator;
  gpointer func_data = foreach->func_data;
  guint i;

  for (i = 0; i < n_items; i++)
    if (!func (generator, &items[i], func_data))
      break;
  foreach->next_step = i == n_items ? AGEN_OP_NEXT : AGEN_OP_CLOSE;
  foreach->step_ready = TRUE;
}

static void
agen_foreach_on_reply (AgenGenerator *self,
                       AgenReply     *reply,
                       gpointer       user_data)
{
  AgenForeach *foreach = user_data;

  if (reply->kind != AGEN_REPLY_ITEM)
    {
      _agen_generator_release (self);
      _agen_task_complete (foreach->task, reply);
      return;
    }

  agen_foreach_take_item (foreach, &reply->item);
  g_value_unset (&reply->item);

  /* A reply from inside agen_foreach_drive() returns to its loop; one that
   * comes from an await's completion drives on from here. The loop, not
   * recursion, keeps the stack flat for bodies that never await. */
  if (!foreach->driving)
    agen_foreach_drive (foreach);
}

static gboolean
agen_foreach_continue (gpointer user_data)
{
  AgenForeach *foreach = user_data;

  /* The consumer can only cancel between slices: deliver it into the body
   * at its yield, as it is delivered at an await. */
  if (foreach->next_step == AGEN_OP_NEXT &&
      _agen_generator_take_cancellation (foreach->generator, &foreach->next_step_error))
    foreach->next_step = AGEN_OP_THROW;

  agen_foreach_drive (foreach);
  return G_SOURCE_REMOVE;
}


/* One step: a next through the fast path, or whatever was asked. Never
 * inlined: bench/callgrind-guard counts the instructions of an item as those
 * of this function. */
G_NO_INLINE static void
agen_foreach_step (AgenForeach *foreach)
{
  const GValue *items;
  guint n_items;

  foreach->step_ready = FALSE;
  if (G_LIKELY (foreach->next_step == AGEN_OP_NEXT))
    {
      /* The items are only read, by the function, before the next step:
       * a generator that holds several ready (a share's branch) gives them
       * at once. */
      n_items = _agen_generator_next_span (foreach->generator, &items);
      if (G_LIKELY (n_items == 1))
        agen_foreach_take_item (foreach, items);
      else if (n_items > 1)
        agen_foreach_take_items (foreach, items, n_items);
    }
  else
    {
      g_autoptr(GError) step_error = g_steal_pointer (&foreach->next_step_error);

      _agen_generator_step (foreach->generator, foreach->next_step, NULL, step_error);
    }
}

/* The loop of steps, until one does not complete at once (the body
 * awaits, or the generator finished) or the slice is over. A loop is often
 * taken up again for a few steps: a share's branch that waited for room
 * runs on for a buffer of items, once per buffer. So the first reading of
 * the clock, which starts the slice, comes after a few steps, as the
 * readings after it: a loop of fewer steps reads it not at all. */
static void
agen_foreach_drive (AgenForeach *foreach)
{
  /* The last reply returns the task, which may free @foreach: held only
   * for that, until the loop is over. */
  G_GNUC_UNUSED g_autoptr(GTask) task = g_object_ref (foreach->task);
  gint64 last_reading = 0;
  gint64 slice_end = 0;
  guint steps_to_reading = MIN (foreach->steps_per_reading, AGEN_FOREACH_MAX_STEPS_TO_FIRST_READING);
  guint steps = 0;

  foreach->driving = TRUE;
  while (foreach->step_ready)
    {
      agen_foreach_step (foreach);

      if (foreach->step_ready && ++steps == steps_to_reading)
        {
          gint64 now = g_get_monotonic_time ();

          /* The first reading comes at most about
           * AGEN_FOREACH_CLOCK_USEC after the loop started. */
          if (last_reading == 0)
            slice_end = now + AGEN_FOREACH_SLICE_USEC - AGEN_FOREACH_CLOCK_USEC;
          else if (now >= slice_end)
            {
              _agen_generator_schedule (foreach->generator, "[agen] foreach slice",
                                        agen_foreach_continue, foreach, NULL);
              break;
            }
          else
            {
              /* Aim the next reading AGEN_FOREACH_CLOCK_USEC ahead. */
              foreach->steps_per_reading = CLAMP (steps * AGEN_FOREACH_CLOCK_USEC / MAX (now - last_reading, 1),
                                                  1, AGEN_FOREACH_MAX_STEPS_PER_READING);
            }
          steps_to_reading = foreach->steps_per_reading;
          last_reading = now;
          steps = 0;
        }
    }
  foreach->driving = FALSE;
}

/**
 * agen_generator_foreach_async:
 * @self: an #AgenGenerator
 * @func: (scope notified) (closure func_data) (destroy func_data_destroy):
 *   called for each item
 * @func_data: data for @func
 * @func_data_destroy: (nullable): frees @func_data when the loop is over
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the loop is over
 * @user_data: data for @callback
 *
 * Python's `async for`: resumes the generator again and again, and calls
 * @func with each item, until the generator finishes, fails, or @func
 * returns %FALSE, which closes the generator.
 *
 * While the body does not await, items follow each other without a main
 * loop round trip, but the main loop still runs at least every millisecond:
 * its sources of %G_PRIORITY_DEFAULT or higher run between slices, while
 * those of lower priority (GTK's redraws, idle callbacks) wait until the
 * loop is over or the body awaits. A long loop over a body that never
 * awaits belongs in a thread, or in a body that awaits now and then.
 * The loop is one operation: until it is over, the generator's state is
 * %AGEN_GENERATOR_STATE_RUNNING and other operations fail with
 * %G_IO_ERROR_PENDING.
 *
 * Cancelling @cancellable delivers %G_IO_ERROR_CANCELLED into the body once:
 * at its await, or at its yield when the loop next lets the main loop run.
 *
 * Since: 1.0
 */
void
agen_generator_foreach_async (AgenGenerator       *self,
                              AgenForeachFunc      func,
                              gpointer             func_data,
                              GDestroyNotify       func_data_destroy,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AgenReply refusal = AGEN_REPLY_INIT;
  g_autoptr(GTask) task = NULL;
  AgenForeach *foreach;
  gpointer outer_call;

  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  foreach = g_new0 (AgenForeach, 1);
  foreach->generator = self;
  foreach->func = func;
  foreach->func_data = func_data;
  foreach->func_data_destroy = func_data_destroy;
  foreach->steps_per_reading = 1;
  foreach->task = _agen_task_new (self, cancellable, callback, user_data, agen_generator_foreach_async);
  g_task_set_task_data (foreach->task, foreach, (GDestroyNotify) agen_foreach_free);

  task = g_object_ref (foreach->task);
  outer_call = _agen_task_enter_call (task);
  foreach->driving = TRUE;
  if (_agen_generator_start (self, AGEN_OP_NEXT, NULL, NULL, cancellable,
                             agen_foreach_on_reply, foreach, &refusal))
    {
      foreach->driving = FALSE;
      agen_foreach_drive (foreach);
    }
  else
    _agen_task_complete (foreach->task, &refusal);
  _agen_task_leave_call (outer_call);
}

/**
 * agen_generator_foreach_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes agen_generator_foreach_async().
 *
 * Returns: %TRUE when the generator finished, or @func stopped the loop and
 *   the close succeeded; %FALSE with @error when the body raised, the close
 *   failed or the loop was refused
 *
 * Since: 1.0
 */
gboolean
agen_generator_foreach_finish (AgenGenerator  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_generator_foreach_async, FALSE);

  return _agen_task_propagate_success (result, error);
}
