/* agen-combinators-sequence.c: map, filter, take, skip, enumerate, chain,
 * scan and distinct
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"
#include "agen-pull-private.h"

/* ---------------------------------------------------------------------- *
 * map, filter, take, skip, enumerate, chain, scan and distinct: one source
 * at a time
 * ---------------------------------------------------------------------- */

typedef enum
{
  AGEN_SEQUENCE_MAP,
  AGEN_SEQUENCE_FILTER,
  AGEN_SEQUENCE_TAKE,
  AGEN_SEQUENCE_SKIP,
  AGEN_SEQUENCE_ENUMERATE,
  AGEN_SEQUENCE_CHAIN,
  AGEN_SEQUENCE_SCAN,
  AGEN_SEQUENCE_DISTINCT,
} AgenSequenceKind;

typedef struct
{
  AgenCombinator combinator;
  AgenSequenceKind kind;
  AgenMapFunc map;
  AgenFilterFunc filter;
  AgenScanFunc scan;
  AgenEqualFunc equal;
  gpointer func_data;
  GDestroyNotify func_data_destroy;
  guint64 limit;               /* take, skip */
  guint64 count;               /* take: items taken; skip: dropped; enumerate: the next index */
  guint current;               /* the source pulled from */
  GError *throw_in;            /* to throw into it at the next step */
  GValue made;                 /* map's, enumerate's and scan's item */
  GValue kept;                 /* scan: the running value; distinct: the item before */
  gboolean yield_kept_first;   /* scan with an initial value */
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
  agen_value_clear (&seq->kept);
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
  gboolean made;

  /* The item before, or what a yield traded for it. */
  agen_value_clear (&seq->made);

  if (seq->kind == AGEN_SEQUENCE_SCAN)
    made = seq->scan (&seq->kept, item, &seq->made, seq->func_data, error);
  else
    made = seq->map (item, &seq->made, seq->func_data, error);

  if (!made)
    {
      agen_value_clear (&seq->made);
      if (*error == NULL)
        {
          g_critical ("An %s returned FALSE without setting an error",
                      seq->kind == AGEN_SEQUENCE_SCAN ? "AgenScanFunc" : "AgenMapFunc");
          *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "The map function failed");
        }
      return FALSE;
    }

  if (G_VALUE_TYPE (&seq->made) == 0)
    {
      g_critical ("An %s returned TRUE without setting its result",
                  seq->kind == AGEN_SEQUENCE_SCAN ? "AgenScanFunc" : "AgenMapFunc");
      *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                    "The map function did not set its result");
      return FALSE;
    }
  return TRUE;
}

/* Copies @value into @dest, which may hold a value of another type. */
static void
agen_value_replace (GValue       *dest,
                    const GValue *value)
{
  agen_value_clear (dest);
  g_value_init (dest, G_VALUE_TYPE (value));
  g_value_copy (value, dest);
}

/* scan's running value, and the item it yields: the first item itself
 * when there was no initial value, as itertools.accumulate(). */
static gboolean
agen_sequence_scan (AgenSequence  *seq,
                    const GValue  *item,
                    GError       **error)
{
  if (G_VALUE_TYPE (&seq->kept) == 0)
    agen_value_replace (&seq->made, item);
  else if (!agen_sequence_map (seq, item, error))
    return FALSE;

  agen_value_replace (&seq->kept, &seq->made);
  return TRUE;
}

/* Equality of two items when distinct was given no function: the same
 * type, and the same value for the fundamental types, strings by content,
 * variants by g_variant_equal(), anything else (objects, boxed, pointers)
 * by identity. */
static gboolean
agen_values_equal (const GValue *a,
                   const GValue *b)
{
  GType type = G_VALUE_TYPE (a);

  if (type != G_VALUE_TYPE (b))
    return FALSE;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_STRING:
      return g_strcmp0 (g_value_get_string (a), g_value_get_string (b)) == 0;
    case G_TYPE_VARIANT:
      {
        GVariant *va = g_value_get_variant (a), *vb = g_value_get_variant (b);

        return va == vb || (va != NULL && vb != NULL && g_variant_equal (va, vb));
      }
    case G_TYPE_FLOAT:
      return g_value_get_float (a) == g_value_get_float (b);
    case G_TYPE_DOUBLE:
      return g_value_get_double (a) == g_value_get_double (b);
    default:
      /* Every other fundamental type keeps its value, or its pointer, in
       * the first word of data. */
      return a->data[0].v_uint64 == b->data[0].v_uint64;
    }
}

/* distinct: %TRUE for an item unlike the one before, which it becomes. */
static gboolean
agen_sequence_distinct (AgenSequence *seq,
                        const GValue *item)
{
  if (G_VALUE_TYPE (&seq->kept) != 0)
    {
      gboolean equal = seq->equal != NULL
                         ? seq->equal (item, &seq->kept, seq->func_data)
                         : agen_values_equal (item, &seq->kept);

      if (equal)
        return FALSE;
    }

  agen_value_replace (&seq->kept, item);
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
    case AGEN_SEQUENCE_SCAN:
      *out = &seq->made;
      return agen_sequence_scan (seq, item, &seq->combinator.error);
    case AGEN_SEQUENCE_DISTINCT:
      return agen_sequence_distinct (seq, item);
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
  if (seq->yield_kept_first)
    {
      agen_value_replace (&seq->made, &seq->kept);
      AGEN_COMBINATOR_YIELD (self, comb, &seq->made);
      if (comb->caught != NULL)
        {
          /* The source has not started: there is nothing to throw into. */
          if (!_agen_combinator_take_exit (comb))
            _agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
          seq->current = comb->n_pulls;
        }
    }

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

/**
 * agen_generator_scan:
 * @self: the source
 * @initial: (nullable): the running value to start from, or %NULL to start
 *   from the first item
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   folds an item into the running value
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when the scan has
 *   finished or is finalised
 *
 * A running fold: a generator that yields @initial first (when it is
 * given), then for each item of @self the new running value
 * `func (accumulated, item)`. Without @initial, the first item is the
 * first running value, yielded as it is. Python's
 * `itertools.accumulate(self, func, initial=initial)`, asynchronously;
 * Kotlin's `scan`, `runningFold`.
 *
 * When @func fails, the scan closes @self and raises its error, as
 * agen_generator_map() does. An error thrown in at @initial, before @self
 * has started, is raised.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `scan(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_scan (AgenGenerator  *self,
                     const GValue   *initial,
                     AgenScanFunc    func,
                     gpointer        user_data,
                     GDestroyNotify  user_data_destroy)
{
  AgenSequence *seq;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (initial == NULL || G_IS_VALUE (initial), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  seq = agen_sequence_new (AGEN_SEQUENCE_SCAN, &self, 1);
  seq->scan = func;
  seq->func_data = user_data;
  seq->func_data_destroy = user_data_destroy;
  if (initial != NULL)
    {
      agen_value_replace (&seq->kept, initial);
      seq->yield_kept_first = TRUE;
    }
  return agen_sequence_new_generator (seq, "scan");
}

/**
 * agen_generator_distinct:
 * @self: the source
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy) (nullable):
 *   tells whether an item equals the one before, or %NULL to compare the
 *   values
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when the generator has
 *   finished or is finalised
 *
 * A generator that yields the items of @self, but drops an item equal to
 * the last one it yielded: Kotlin's and RxJS's `distinctUntilChanged`.
 * Python's
 * `prev = MISSING; async for x in self: (if prev is MISSING or not func(x, prev): yield x); prev = x`.
 *
 * Without @func, two items are equal when they have the same type and the
 * same value: numbers by value, strings by content, #GVariant by
 * g_variant_equal(), objects, boxed types and pointers by identity.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `distinct(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_distinct (AgenGenerator  *self,
                         AgenEqualFunc   func,
                         gpointer        user_data,
                         GDestroyNotify  user_data_destroy)
{
  AgenSequence *seq;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);

  seq = agen_sequence_new (AGEN_SEQUENCE_DISTINCT, &self, 1);
  seq->equal = func;
  seq->func_data = user_data;
  seq->func_data_destroy = user_data_destroy;
  return agen_sequence_new_generator (seq, "distinct");
}
