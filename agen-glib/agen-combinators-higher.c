/* agen-combinators-higher.c: flat_map, flat_map_merge and switch_map
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"
#include "agen-pull-private.h"

/* ---------------------------------------------------------------------- *
 * The higher-order combinators: each item of the outer source becomes a
 * generator, an inner one, whose items are yielded.
 *
 * The pulls are slots for the inner generators, then the outer source,
 * last: a combinator closes its sources in order, so the inner ones are
 * closed before the outer one, as the `async with aclosing(...)` of an
 * inner loop ends before the outer one's.
 * ---------------------------------------------------------------------- */

typedef struct
{
  AgenCombinator combinator;
  guint concurrency;           /* inner slots; 0 is refused at the first next */
  gboolean switching;          /* switch_map: a new outer item replaces the inner */
  AgenFlatMapFunc func;
  gpointer func_data;
  GDestroyNotify func_data_destroy;
  guint yielding;              /* the slot of the item yielded */
  GError *caught;              /* switch_map: caught at a wait while it switches, */
  GError *cancelled;           /* the first one, to raise after the switch */
} AgenHigher;

static void
agen_higher_free (gpointer data)
{
  AgenHigher *higher = data;

  _agen_combinator_clear (&higher->combinator);
  g_clear_error (&higher->caught);
  g_clear_error (&higher->cancelled);
  if (higher->func_data_destroy != NULL)
    higher->func_data_destroy (higher->func_data);
  g_free (higher);
}

static AgenPull *
agen_higher_outer (AgenHigher *higher)
{
  return &higher->combinator.pulls[higher->concurrency];
}

static AgenPull *
agen_higher_free_slot (AgenHigher *higher)
{
  for (guint i = 0; i < higher->concurrency; i++)
    if (higher->combinator.pulls[i].source == NULL)
      return &higher->combinator.pulls[i];
  return NULL;
}

/* One next in flight on each inner generator, and on the outer source while
 * there is room for another inner one (switch_map: always, as a new outer
 * item is what it watches for). */
static void
agen_higher_pull_all (AgenHigher *higher)
{
  AgenPull *outer = agen_higher_outer (higher);

  if (outer->state == AGEN_PULL_IDLE && !outer->ended &&
      (higher->switching || agen_higher_free_slot (higher) != NULL))
    _agen_pull_step (outer, AGEN_OP_NEXT, NULL);

  for (guint i = 0; i < higher->concurrency; i++)
    {
      AgenPull *slot = &higher->combinator.pulls[i];

      if (slot->source != NULL && slot->state == AGEN_PULL_IDLE)
        _agen_pull_step (slot, AGEN_OP_NEXT, NULL);
    }
}

/* Calls the function on the outer source's item, and puts the generator it
 * makes into @slot. A function that returns nothing (or, from a binding,
 * something else than a generator) fails the combinator with a clear
 * error. */
static gboolean
agen_higher_make_inner (AgenHigher   *higher,
                        AgenPull     *slot,
                        const GValue *item)
{
  AgenCombinator *comb = &higher->combinator;
  GError *error = NULL;
  AgenGenerator *inner;

  inner = higher->func (item, higher->func_data, &error);
  if (inner != NULL && error != NULL)
    {
      g_critical ("An AgenFlatMapFunc returned a generator and set an error");
      g_clear_error (&error);
    }

  if (inner == NULL)
    {
      if (error == NULL)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "%s: the function returned no generator",
                             agen_generator_get_name (comb->generator));
      _agen_combinator_fail (comb, error);
      return FALSE;
    }

  if (!AGEN_IS_GENERATOR (inner))
    {
      _agen_combinator_fail (comb, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                "%s: the function returned a %s, not an AgenGenerator",
                                                agen_generator_get_name (comb->generator),
                                                G_OBJECT_TYPE_NAME (inner)));
      g_object_unref (inner);
      return FALSE;
    }

  _agen_pull_set_source (slot, inner);
  return TRUE;
}

/* Python's
 *
 *   async with aclosing(source):
 *       async for item in source:
 *           async with aclosing(func(item)) as inner:
 *               async for x in inner:
 *                   yield x
 *
 * with up to `concurrency` inner loops at once, their items as they come
 * (merge); switch_map leaves the inner loop when the source has an item. */
static void
agen_higher_body (AgenGenerator *self,
                  gpointer       user_data)
{
  AgenHigher *higher = user_data;
  AgenCombinator *comb = &higher->combinator;
  AgenPull *pull;

  AGEN_BEGIN (self);
  if (higher->concurrency == 0)
    _agen_combinator_fail (comb, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                      "flat_map_merge: the concurrency must be at least 1"));

  while (comb->error == NULL)
    {
      agen_higher_pull_all (higher);
      while (_agen_combinator_first_reply (comb, FALSE) == NULL && _agen_combinator_any_in_flight (comb))
        AGEN_COMBINATOR_WAIT (self, comb);

      pull = _agen_combinator_first_reply (comb, FALSE);
      if (pull == NULL)
        break;                           /* the source and every inner one ended */

      if (pull->reply.kind == AGEN_REPLY_ERROR)
        {
          _agen_combinator_fail_pull (comb, pull);
          break;
        }

      if (pull == agen_higher_outer (higher))
        {
          if (pull->reply.kind == AGEN_REPLY_END)
            {
              pull->ended = TRUE;
              _agen_pull_clear (pull);
              continue;
            }

          if (higher->switching)
            {
              /* The outer item waits in place, in the source's yield
               * slot, while the inner generator is cancelled and closed.
               * A cancellation of the consumer's meanwhile is kept for
               * after the close: the inner generator has had its own. */
              while (!_agen_combinator_close_pull (comb, &comb->pulls[0]))
                {
                  AGEN_AWAIT_CATCH (self, _agen_combinator_wait (comb), &higher->caught);
                  comb->await_id = 0;
                  if (higher->cancelled == NULL)
                    higher->cancelled = g_steal_pointer (&higher->caught);
                  g_clear_error (&higher->caught);
                }
              if (higher->cancelled != NULL)
                _agen_combinator_fail (comb, g_steal_pointer (&higher->cancelled));
              if (comb->error != NULL)
                break;
              _agen_pull_set_source (&comb->pulls[0], NULL);
              pull = agen_higher_outer (higher);
            }

          agen_higher_make_inner (higher, agen_higher_free_slot (higher), pull->item);
          _agen_pull_clear (pull);
          continue;
        }

      if (pull->reply.kind == AGEN_REPLY_END)
        {
          _agen_pull_set_source (pull, NULL);
          continue;
        }

      higher->yielding = (guint) (pull - comb->pulls);
      AGEN_COMBINATOR_YIELD (self, comb, pull->item);
      _agen_pull_clear (&comb->pulls[higher->yielding]);
      if (comb->caught != NULL)
        {
          if (!_agen_combinator_take_exit (comb))
            _agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
          break;
        }
    }

  AGEN_COMBINATOR_FINISH (self, comb);
}

static AgenGenerator *
agen_higher_new (AgenGenerator   *self,
                 const char      *what,
                 guint            concurrency,
                 gboolean         switching,
                 AgenFlatMapFunc  func,
                 gpointer         user_data,
                 GDestroyNotify   user_data_destroy)
{
  AgenHigher *higher = g_new0 (AgenHigher, 1);
  g_autofree AgenGenerator **sources = g_new0 (AgenGenerator *, concurrency + 1);

  sources[concurrency] = self;
  _agen_combinator_init (&higher->combinator, sources, concurrency + 1);
  higher->concurrency = concurrency;
  higher->switching = switching;
  higher->func = func;
  higher->func_data = user_data;
  higher->func_data_destroy = user_data_destroy;
  return _agen_combinator_new (&higher->combinator, what, agen_higher_body, agen_higher_free);
}

/**
 * agen_generator_flat_map:
 * @self: the outer source
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   makes a generator of each item of @self
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when the flat map has
 *   finished or is finalised
 *
 * A generator that yields, for each item of @self in turn, every item of
 * the generator `func (item)`, an inner generator, as Python's
 * `(x async for item in self async for x in func(item))`, or Kotlin's
 * `flatMapConcat`. It pulls the next item of @self only once the inner
 * generator has ended, so the items come in order.
 *
 * The flat map owns each inner generator (@func returns a new reference)
 * and closes it, running its cleanup, however the flat map finishes: at
 * the end, when the function, an inner generator or @self fails, when it is
 * closed, cancelled, or dropped. Inner generators are closed before @self.
 *
 * When @func returns %NULL, the flat map closes @self and raises @func's
 * error, or %G_IO_ERROR_INVALID_ARGUMENT when @func set none. An error
 * thrown in is not delegated: as for agen_generator_merge(), the flat map
 * closes its generators and raises it.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `flat_map(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_flat_map (AgenGenerator   *self,
                         AgenFlatMapFunc  func,
                         gpointer         user_data,
                         GDestroyNotify   user_data_destroy)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return agen_higher_new (self, "flat_map", 1, FALSE, func, user_data, user_data_destroy);
}

/**
 * agen_generator_flat_map_merge:
 * @self: the outer source
 * @concurrency: how many inner generators run at once, at least 1
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   makes a generator of each item of @self
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when the flat map has
 *   finished or is finalised
 *
 * Like agen_generator_flat_map(), but with up to @concurrency inner
 * generators pulled at once, their items yielded as they arrive, as
 * agen_generator_merge() yields them: fetch N things at a time. Python's
 * `aiostream.stream.flatmap(self, func, task_limit=concurrency)`, Kotlin's
 * `flatMapMerge(concurrency)`.
 *
 * The order of the items is that of their arrival: the items of one inner
 * generator come in its order, and those of different ones interleave.
 * @self is pulled only while fewer than @concurrency inner generators run.
 * With a @concurrency of 1 it is agen_generator_flat_map().
 *
 * A @concurrency of 0 is refused with %G_IO_ERROR_INVALID_ARGUMENT, raised
 * by the first next. When an inner generator fails, the flat map cancels
 * the nexts in flight, closes every inner generator and @self, and raises
 * the error.
 *
 * Returns: (transfer full): a new #AgenGenerator, named
 *   `flat_map_merge(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_flat_map_merge (AgenGenerator   *self,
                               guint            concurrency,
                               AgenFlatMapFunc  func,
                               gpointer         user_data,
                               GDestroyNotify   user_data_destroy)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return agen_higher_new (self, "flat_map_merge", concurrency, FALSE, func, user_data, user_data_destroy);
}

/**
 * agen_generator_switch_map:
 * @self: the outer source
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   makes a generator of each item of @self
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when the switch map has
 *   finished or is finalised
 *
 * A generator that yields the items of the inner generator `func (item)`
 * made of the latest item of @self: when @self yields a new item, the
 * current inner generator is cancelled (its next in flight gets
 * %G_IO_ERROR_CANCELLED at its await) and closed, its cleanup run, before
 * the new one is made. Search as you type: each query starts a search and
 * drops the stale one. Python's `aiostream.stream.switchmap(self, func)`,
 * Kotlin's `flatMapLatest`, RxJS's `switchMap`.
 *
 * It keeps a next in flight on @self while it pulls the inner generator;
 * replies are taken in the order they arrive, so a source that yields
 * without awaiting replaces each inner generator before it yields, and an
 * outer item that is there when an inner one is comes first. When @self
 * ends, the current inner generator runs to its end.
 *
 * What the cancelled inner generator replies is dropped, except an error
 * other than the cancellation, or a failed close, which the switch map
 * raises after closing @self. Otherwise as agen_generator_flat_map().
 *
 * Returns: (transfer full): a new #AgenGenerator, named
 *   `switch_map(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_switch_map (AgenGenerator   *self,
                           AgenFlatMapFunc  func,
                           gpointer         user_data,
                           GDestroyNotify   user_data_destroy)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return agen_higher_new (self, "switch_map", 1, TRUE, func, user_data, user_data_destroy);
}
