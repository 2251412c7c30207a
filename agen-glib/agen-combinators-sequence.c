/* agen-combinators-sequence.c: map, filter, take, skip, enumerate and chain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"
#include "agen-pull-private.h"

/* ---------------------------------------------------------------------- *
 * map, filter, take, skip, enumerate and chain: one source at a time
 * ---------------------------------------------------------------------- */

typedef enum
{
  AGEN_SEQUENCE_MAP,
  AGEN_SEQUENCE_FILTER,
  AGEN_SEQUENCE_TAKE,
  AGEN_SEQUENCE_SKIP,
  AGEN_SEQUENCE_ENUMERATE,
  AGEN_SEQUENCE_CHAIN,
} AgenSequenceKind;

typedef struct
{
  AgenCombinator combinator;
  AgenSequenceKind kind;
  AgenMapFunc map;
  AgenFilterFunc filter;
  gpointer func_data;
  GDestroyNotify func_data_destroy;
  guint64 limit;               /* take, skip */
  guint64 count;               /* take: items taken; skip: dropped; enumerate: the next index */
  guint current;               /* the source pulled from */
  GError *throw_in;            /* to throw into it at the next step */
  GValue made;                 /* map's and enumerate's item */
} AgenSequence;

static void
agen_sequence_free (gpointer data)
{
  AgenSequence *seq = data;

  _agen_combinator_clear (&seq->combinator);
  if (seq->func_data_destroy != NULL)
    seq->func_data_destroy (seq->func_data);
  g_clear_error (&seq->throw_in);
  agen_value_clear (&seq->made);
  g_free (seq);
}

static AgenSequence *
agen_sequence_new (AgenSequenceKind      kind,
                   AgenGenerator * const *sources,
                   guint                 n_sources)
{
  AgenSequence *seq = g_new0 (AgenSequence, 1);

  seq->kind = kind;
  _agen_combinator_init (&seq->combinator, sources, n_sources);
  return seq;
}

static gboolean
agen_sequence_wants_more (AgenSequence *seq)
{
  return seq->current < seq->combinator.n_pulls &&
         (seq->kind != AGEN_SEQUENCE_TAKE || seq->count < seq->limit);
}

static gboolean
agen_sequence_map (AgenSequence  *seq,
                   const GValue  *item,
                   GError       **error)
{
  /* The item before, or what a yield traded for it. */
  agen_value_clear (&seq->made);

  if (!seq->map (item, &seq->made, seq->func_data, error))
    {
      agen_value_clear (&seq->made);
      if (*error == NULL)
        {
          g_critical ("An AgenMapFunc returned FALSE without setting an error");
          *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "The map function failed");
        }
      return FALSE;
    }

  if (G_VALUE_TYPE (&seq->made) == 0)
    {
      g_critical ("An AgenMapFunc returned TRUE without setting its result");
      *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                    "The map function did not set its result");
      return FALSE;
    }
  return TRUE;
}

static void
agen_sequence_enumerate (AgenSequence *seq,
                         const GValue *item)
{
  GValue index = G_VALUE_INIT;
  GValueArray *pair;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  pair = g_value_array_new (2);
  g_value_init (&index, G_TYPE_UINT64);
  g_value_set_uint64 (&index, seq->count++);
  g_value_array_append (pair, &index);
  g_value_array_append (pair, item);
  G_GNUC_END_IGNORE_DEPRECATIONS

  _agen_combinator_take_items (&seq->combinator, &seq->made, pair);
}

/* What becomes of an item of the source: %TRUE with *out to yield;
 * %FALSE to drop it, or to fail when it set comb->error. */
static gboolean
agen_sequence_take_item (AgenSequence  *seq,
                         GValue        *item,
                         GValue       **out)
{
  *out = item;

  switch (seq->kind)
    {
    case AGEN_SEQUENCE_MAP:
      *out = &seq->made;
      return agen_sequence_map (seq, item, &seq->combinator.error);
    case AGEN_SEQUENCE_FILTER:
      return seq->filter (item, seq->func_data, &seq->combinator.error);
    case AGEN_SEQUENCE_TAKE:
      seq->count++;
      return TRUE;
    case AGEN_SEQUENCE_SKIP:
      if (seq->count >= seq->limit)
        return TRUE;
      seq->count++;
      return FALSE;
    case AGEN_SEQUENCE_ENUMERATE:
      agen_sequence_enumerate (seq, item);
      *out = &seq->made;
      return TRUE;
    case AGEN_SEQUENCE_CHAIN:
    default:
      return TRUE;
    }
}

/* Python's
 *
 *   async with aclosing(source) ...:
 *       for source in sources:
 *           async for item in source:   # delegating throws, as yield from
 *               yield what(item)
 */
static void
agen_sequence_body (AgenGenerator *self,
                    gpointer       user_data)
{
  AgenSequence *seq = user_data;
  AgenCombinator *comb = &seq->combinator;
  AgenPull *pull;
  GValue *out;

  AGEN_BEGIN (self);
  while (agen_sequence_wants_more (seq))
    {
      _agen_pull_step (&comb->pulls[seq->current],
                      seq->throw_in != NULL ? AGEN_OP_THROW : AGEN_OP_NEXT, seq->throw_in);
      if (G_UNLIKELY (seq->throw_in != NULL))
        g_clear_error (&seq->throw_in);
      while (comb->pulls[seq->current].state == AGEN_PULL_IN_FLIGHT)
        AGEN_COMBINATOR_WAIT (self, comb);

      pull = &comb->pulls[seq->current];
      if (pull->reply.kind == AGEN_REPLY_END)
        {
          seq->current++;
          continue;
        }
      if (pull->reply.kind == AGEN_REPLY_ERROR)
        {
          _agen_combinator_fail_pull (comb, pull);
          break;
        }
      if (!agen_sequence_take_item (seq, pull->item, &out))
        {
          if (comb->error != NULL)
            break;
          continue;
        }

      AGEN_COMBINATOR_YIELD (self, comb, out);
      if (comb->caught != NULL)
        {
          if (_agen_combinator_take_exit (comb))
            break;
          /* take after its last item has let go of its source. */
          if (!agen_sequence_wants_more (seq))
            {
              _agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
              break;
            }
          seq->throw_in = g_steal_pointer (&comb->caught);
        }
    }

  AGEN_COMBINATOR_FINISH (self, comb);
}

static AgenGenerator *
agen_sequence_new_generator (AgenSequence *seq,
                             const char   *what)
{
  return _agen_combinator_new (&seq->combinator, what, agen_sequence_body, agen_sequence_free);
}

/**
 * agen_generator_map:
 * @self: the source
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   makes the item to yield from each item of @self
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when the map has finished
 *   or is finalised
 *
 * A generator that yields `func (item)` for each item of @self, as Python's
 * `(func(x) async for x in self)`.
 *
 * When @func fails, the map closes @self and then raises @func's error, as
 * an exception in the body of an `async for` closes an `aclosing()` source.
 *
 * See the section's introduction for closing, throwing in and cancelling.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `map(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_map (AgenGenerator  *self,
                    AgenMapFunc     func,
                    gpointer        user_data,
                    GDestroyNotify  user_data_destroy)
{
  AgenSequence *seq;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  seq = agen_sequence_new (AGEN_SEQUENCE_MAP, &self, 1);
  seq->map = func;
  seq->func_data = user_data;
  seq->func_data_destroy = user_data_destroy;
  return agen_sequence_new_generator (seq, "map");
}

/**
 * agen_generator_filter:
 * @self: the source
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   chooses the items to keep
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when the filter has
 *   finished or is finalised
 *
 * A generator that yields the items of @self for which @func returns %TRUE,
 * as Python's `(x async for x in self if func(x))`.
 *
 * When @func fails, the filter closes @self and then raises @func's error,
 * as agen_generator_map() does.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `filter(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_filter (AgenGenerator  *self,
                       AgenFilterFunc  func,
                       gpointer        user_data,
                       GDestroyNotify  user_data_destroy)
{
  AgenSequence *seq;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  seq = agen_sequence_new (AGEN_SEQUENCE_FILTER, &self, 1);
  seq->filter = func;
  seq->func_data = user_data;
  seq->func_data_destroy = user_data_destroy;
  return agen_sequence_new_generator (seq, "filter");
}

/**
 * agen_generator_take:
 * @self: the source
 * @n_items: how many items to yield at most
 *
 * A generator that yields the first @n_items items of @self, and then closes
 * @self (running its cleanup, once) and finishes: when it is resumed after
 * its last item, as a Python generator that returns after its n-th `yield`.
 * It never pulls more than @n_items items; `take (self, 0)` pulls none: its
 * first next closes @self and ends.
 *
 * An error thrown in at its last item is not thrown into @self, which take
 * has let go of: take closes @self and raises it.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `take(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_take (AgenGenerator *self,
                     guint          n_items)
{
  AgenSequence *seq;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);

  seq = agen_sequence_new (AGEN_SEQUENCE_TAKE, &self, 1);
  seq->limit = n_items;
  return agen_sequence_new_generator (seq, "take");
}

/**
 * agen_generator_skip:
 * @self: the source
 * @n_items: how many items to drop
 *
 * A generator that drops the first @n_items items of @self and yields the
 * others.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `skip(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_skip (AgenGenerator *self,
                     guint          n_items)
{
  AgenSequence *seq;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);

  seq = agen_sequence_new (AGEN_SEQUENCE_SKIP, &self, 1);
  seq->limit = n_items;
  return agen_sequence_new_generator (seq, "skip");
}

/**
 * agen_generator_enumerate:
 * @self: the source
 *
 * A generator that yields, for each item of @self, a #GValueArray (a
 * %G_TYPE_VALUE_ARRAY #GValue) of two values: the item's index, a #guint64
 * counted from 0, and the item. Python's `enumerate()`.
 *
 * #GValueArray is deprecated since GLib 2.32: new code should prefer
 * agen_generator_enumerate_tuples(), the same with an #AgenTuple.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `enumerate(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_enumerate (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);

  return agen_sequence_new_generator (agen_sequence_new (AGEN_SEQUENCE_ENUMERATE, &self, 1),
                                      "enumerate");
}

/**
 * agen_generator_enumerate_tuples:
 * @self: the source
 *
 * A generator that yields, for each item of @self, an #AgenTuple (an
 * %AGEN_TYPE_TUPLE #GValue) of two values: the item's index, a #guint64
 * counted from 0, and the item. Python's `enumerate()`.
 *
 * It behaves as agen_generator_enumerate() in everything else.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `enumerate(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_enumerate_tuples (AgenGenerator *self)
{
  AgenSequence *seq;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);

  seq = agen_sequence_new (AGEN_SEQUENCE_ENUMERATE, &self, 1);
  seq->combinator.yields_tuples = TRUE;
  return agen_sequence_new_generator (seq, "enumerate");
}

/**
 * agen_generator_chain:
 * @sources: (array length=n_sources) (transfer none) (nullable): the sources
 * @n_sources: the number of @sources
 *
 * A generator that yields the items of @sources[0] until it ends, then those
 * of @sources[1], and so on: Python's `itertools.chain()`. It pulls a source
 * only once the ones before it have ended.
 *
 * An error thrown in goes to the source being pulled. Closing the chain
 * closes every source, those it has not reached yet too.
 *
 * Returns: (transfer full): a new #AgenGenerator, named
 *   `chain(source, ...)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_chain (AgenGenerator * const *sources,
                      guint                 n_sources)
{
  g_return_val_if_fail (_agen_combinator_sources_are_valid (sources, n_sources), NULL);

  return agen_sequence_new_generator (agen_sequence_new (AGEN_SEQUENCE_CHAIN, sources, n_sources),
                                      "chain");
}
