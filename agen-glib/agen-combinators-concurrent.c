/* agen-combinators-concurrent.c: zip and merge
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"
#include "agen-pull-private.h"

/* ---------------------------------------------------------------------- *
 * zip and merge: all sources at once
 * ---------------------------------------------------------------------- */

typedef struct
{
  AgenCombinator combinator;
  guint yielding;              /* merge: the source of the item yielded */
  GValue made;                 /* zip's item */
} AgenConcurrent;

static void
agen_concurrent_free (gpointer data)
{
  AgenConcurrent *conc = data;

  _agen_combinator_clear (&conc->combinator);
  agen_value_clear (&conc->made);
  g_free (conc);
}

static AgenConcurrent *
agen_concurrent_new (AgenGenerator * const *sources,
                     guint                 n_sources)
{
  AgenConcurrent *conc = g_new0 (AgenConcurrent, 1);

  _agen_combinator_init (&conc->combinator, sources, n_sources);
  return conc;
}

/* One next in flight per source that has not ended; zip stops asking once
 * a source has ended or failed. */
static void
agen_concurrent_pull_all (AgenCombinator *comb,
                          gboolean        stop_at_end)
{
  for (guint i = 0; i < comb->n_pulls; i++)
    {
      AgenPull *pull = &comb->pulls[i];

      if (stop_at_end && pull->state == AGEN_PULL_REPLIED && pull->reply.kind != AGEN_REPLY_ITEM)
        return;
      if (pull->state == AGEN_PULL_IDLE && !pull->ended)
        _agen_pull_step (pull, AGEN_OP_NEXT, NULL);
    }
}

/* zip can yield, or end, once every source replied or one ended. */
static gboolean
agen_zip_is_ready (AgenCombinator *comb)
{
  return !_agen_combinator_any_in_flight (comb) || _agen_combinator_first_reply (comb, TRUE) != NULL;
}

/* A zip that is ready and not ending makes its tuple of the items. */
static void
agen_zip_make_tuple (AgenConcurrent *conc)
{
  AgenCombinator *comb = &conc->combinator;
  GValueArray *tuple;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  tuple = g_value_array_new (comb->n_pulls);
  for (guint i = 0; i < comb->n_pulls; i++)
    {
      g_value_array_append (tuple, comb->pulls[i].item);
      _agen_pull_clear (&comb->pulls[i]);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS

  _agen_combinator_take_items (comb, &conc->made, tuple);
}

/* A zip or merge resumed at a yield with an error: a close finishes it;
 * another error, which no one source can take, is raised once the sources
 * are closed. */
static void
agen_concurrent_take_thrown (AgenCombinator *comb)
{
  if (!_agen_combinator_take_exit (comb))
    _agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
}

static void
agen_zip_body (AgenGenerator *self,
               gpointer       user_data)
{
  AgenConcurrent *conc = user_data;
  AgenCombinator *comb = &conc->combinator;
  AgenPull *ending;

  AGEN_BEGIN (self);
  while (comb->n_pulls > 0)
    {
      agen_concurrent_pull_all (comb, TRUE);
      while (!agen_zip_is_ready (comb))
        AGEN_COMBINATOR_WAIT (self, comb);

      ending = _agen_combinator_first_reply (comb, TRUE);
      if (ending != NULL)
        {
          if (ending->reply.kind == AGEN_REPLY_ERROR)
            _agen_combinator_fail_pull (comb, ending);
          break;
        }

      agen_zip_make_tuple (conc);
      AGEN_COMBINATOR_YIELD (self, comb, &conc->made);
      if (comb->caught != NULL)
        {
          agen_concurrent_take_thrown (comb);
          break;
        }
    }

  AGEN_COMBINATOR_FINISH (self, comb);
}

static void
agen_merge_body (AgenGenerator *self,
                 gpointer       user_data)
{
  AgenConcurrent *conc = user_data;
  AgenCombinator *comb = &conc->combinator;
  AgenPull *pull;

  AGEN_BEGIN (self);
  for (;;)
    {
      agen_concurrent_pull_all (comb, FALSE);
      while (_agen_combinator_first_reply (comb, FALSE) == NULL && _agen_combinator_any_in_flight (comb))
        AGEN_COMBINATOR_WAIT (self, comb);

      pull = _agen_combinator_first_reply (comb, FALSE);
      if (pull == NULL)
        break;                           /* every source ended */
      if (pull->reply.kind == AGEN_REPLY_END)
        {
          pull->ended = TRUE;
          _agen_pull_clear (pull);
          continue;
        }
      if (pull->reply.kind == AGEN_REPLY_ERROR)
        {
          _agen_combinator_fail_pull (comb, pull);
          break;
        }

      conc->yielding = (guint) (pull - comb->pulls);
      AGEN_COMBINATOR_YIELD (self, comb, pull->item);
      _agen_pull_clear (&comb->pulls[conc->yielding]);
      if (comb->caught != NULL)
        {
          agen_concurrent_take_thrown (comb);
          break;
        }
    }

  AGEN_COMBINATOR_FINISH (self, comb);
}

/**
 * agen_generator_zip:
 * @sources: (array length=n_sources) (transfer none) (nullable): the sources
 * @n_sources: the number of @sources
 *
 * A generator that yields a #GValueArray (a %G_TYPE_VALUE_ARRAY #GValue) of
 * one item of each source, in the order of @sources: Python's `zip()`. The
 * items are pulled concurrently, one next in flight per source.
 *
 * It ends as soon as one source ends (or raises, and then it raises that
 * error): it cancels the nexts still in flight, waits for them (their items
 * are dropped) and closes every source. With no sources, it ends at once.
 *
 * #GValueArray is deprecated since GLib 2.32: new code should prefer
 * agen_generator_zip_tuples(), the same with an #AgenTuple.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `zip(source, ...)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_zip (AgenGenerator * const *sources,
                    guint                 n_sources)
{
  g_return_val_if_fail (_agen_combinator_sources_are_valid (sources, n_sources), NULL);

  return _agen_combinator_new (&agen_concurrent_new (sources, n_sources)->combinator, "zip",
                              agen_zip_body, agen_concurrent_free);
}

/**
 * agen_generator_zip_tuples:
 * @sources: (array length=n_sources) (transfer none) (nullable): the sources
 * @n_sources: the number of @sources
 *
 * A generator that yields an #AgenTuple (an %AGEN_TYPE_TUPLE #GValue) of
 * one item of each source, in the order of @sources: Python's `zip()`.
 *
 * It behaves as agen_generator_zip() in everything else.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `zip(source, ...)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_zip_tuples (AgenGenerator * const *sources,
                           guint                 n_sources)
{
  AgenConcurrent *conc;

  g_return_val_if_fail (_agen_combinator_sources_are_valid (sources, n_sources), NULL);

  conc = agen_concurrent_new (sources, n_sources);
  conc->combinator.yields_tuples = TRUE;
  return _agen_combinator_new (&conc->combinator, "zip", agen_zip_body, agen_concurrent_free);
}

/**
 * agen_generator_merge:
 * @sources: (array length=n_sources) (transfer none) (nullable): the sources
 * @n_sources: the number of @sources
 *
 * A generator that yields the items of all @sources in the order they
 * arrive, and ends when every source has ended. It keeps one next in flight
 * per source, also while it is suspended at a yield: an item that arrives
 * meanwhile waits for the next resumption (sources that yield without
 * awaiting take turns).
 *
 * When a source raises, the merge cancels the nexts still in flight, waits
 * for them (their items are dropped), closes every source and raises the
 * error. Closing the merge does the same.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `merge(source, ...)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_merge (AgenGenerator * const *sources,
                      guint                 n_sources)
{
  g_return_val_if_fail (_agen_combinator_sources_are_valid (sources, n_sources), NULL);

  return _agen_combinator_new (&agen_concurrent_new (sources, n_sources)->combinator, "merge",
                              agen_merge_body, agen_concurrent_free);
}
