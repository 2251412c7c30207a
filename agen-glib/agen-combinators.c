/* agen-combinators.c: generators made of other generators
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-combinators.h"
#include "agen-error.h"
#include "agen-generator-private.h"
#include "agen-macros.h"

/**
 * SECTION:agen-combinators
 * @title: Combinators
 * @short_description: map, filter, take, batch, zip, merge: generators made
 *   of generators
 *
 * A combinator is an #AgenGenerator whose body pulls the items of other
 * generators, its sources, and yields what it makes of them: Python's
 * `aiostream` operators, or an `async def` whose body is an `async for`
 * over its sources.
 *
 * |[<!-- language="C" -->
 * static gboolean
 * is_error_line (const GValue *item, gpointer user_data, GError **error)
 * {
 *   return g_str_has_prefix (g_value_get_string (item), "ERROR");
 * }
 *
 * g_autoptr(AgenGenerator) lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);
 * g_autoptr(AgenGenerator) errors = agen_generator_filter (lines, is_error_line, NULL, NULL);
 * g_autoptr(AgenGenerator) first = agen_generator_take (errors, 10);
 *
 * // Up to ten error lines; the stream is closed after the tenth.
 * agen_generator_collect_async (first, cancellable, on_collected, self);
 * ]|
 *
 * ## Laziness and ownership
 *
 * Making a combinator runs nothing: its sources are first pulled by its first
 * operation. A combinator holds a reference on each source, and from its
 * first pull on it holds the source the way an operation does: the source's
 * state is %AGEN_GENERATOR_STATE_RUNNING, and anyone else who uses it gets
 * %G_IO_ERROR_PENDING, as any second consumer of a generator does (and so
 * does the combinator if someone else is using the source when it pulls).
 * Give a source to one combinator only, and do not use it meanwhile. Its
 * sources are the combinator's to close: agen_shutdown_async() closes the
 * combinator, which closes them. A combinator is named after its sources
 * with agen_generator_set_name(), for example `map(lines)`.
 *
 * Sources need not be fast: a source whose body awaits makes the combinator
 * await, and a source that yields without awaiting costs neither a
 * #GTask nor a main loop round trip per item.
 *
 * ## Closing, throwing in and cancelling
 *
 * These reach the sources, each exactly once:
 *
 * - A combinator finishes only after it has closed every source, in order,
 *   one after the other, however it finishes: at the end of its items, when
 *   it raises, and when it is closed (agen_generator_close_async()). Closing
 *   a source that never started, or that has finished, does nothing, as for
 *   any generator; a source that is suspended runs its cleanup. A close that
 *   fails makes the combinator fail with that error (the first one, when
 *   several do); when the combinator was raising an error already, the
 *   close failure is logged with g_message() instead. A combinator that
 *   never started has nothing to close: as Python's `aclose()` of a
 *   generator that never ran, closing it leaves its sources as they are.
 *
 * - An error thrown into a combinator with one source (map, filter, take,
 *   skip, enumerate, batch) is thrown into the source where it is suspended,
 *   as Python's `yield from` delegates `athrow()`: when the source catches
 *   it and yields, the combinator goes on with that item as with any other
 *   (mapped, filtered, counted, batched); when the source raises, the
 *   combinator raises. A chain throws it into the source it is pulling from.
 *   A zip or a merge cannot give it to one source: it closes all of them and
 *   raises the thrown error. So does take after its last item, when it has
 *   let go of its source. A value sent with agen_generator_send_async() is
 *   not passed on: a combinator pulls its sources with next.
 *
 * - A cancellation of the operation on the combinator, delivered while the
 *   combinator waits for its sources, is passed on to each source it waits
 *   for: the source's body gets %G_IO_ERROR_CANCELLED at its await, once,
 *   and what it does with it comes back through the combinator: its error
 *   (usually %G_IO_ERROR_CANCELLED) is raised, or the item it yields
 *   instead is used.
 *
 * ## Errors
 *
 * An error a source raises, or fails to close with, keeps its domain and
 * code, and its message is prefixed with the source's name (or a
 * description of it, when it has none): `lines: Permission denied`. Each
 * combinator adds its source's name once, so an error that went through a
 * `map(lines)` into a take reads `map(lines): lines: Permission denied`.
 * Errors of the combinator's own (a map function's, an error thrown into a
 * zip or merge) are raised as they are.
 */

/* ---------------------------------------------------------------------- *
 * Pulling from a source
 *
 * Every combinator talks to its sources through agen_pull_step() and
 * agen_pull_on_reply(): one step of the source (a next, a throw, a close),
 * whose reply is either there when the step returns, or comes later and
 * wakes the combinator's body.
 *
 * It is shaped after foreach: the first step starts an operation on the
 * source through the core's reply path, and the combinator keeps holding
 * that operation while the source yields, so a next is
 * _agen_generator_next_in_place(): the source's body runs at once, and when
 * it yields without awaiting the item is read where the body put it and the
 * combinator's body goes on in the same call. Neither stage pays a GTask,
 * an allocation or a main loop round trip per item. When the source awaits,
 * its reply comes through agen_pull_on_reply(), which resumes the
 * combinator's body, suspended meanwhile with agen_generator_suspend().
 * The operation ends (the source is released) when the source finishes.
 *
 * The held operation watches a cancellable of the combinator's own rather
 * than the consumer's: it outlives the consumer's operations (merge and
 * batch keep a next in flight while they are suspended at a yield), and a
 * close must be able to cancel such a next. A consumer's cancellation is
 * passed on by cancelling it (agen_combinator_woken()).
 * ---------------------------------------------------------------------- */

typedef struct _AgenCombinator AgenCombinator;

typedef enum
{
  AGEN_PULL_IDLE,        /* nothing asked, nothing to take */
  AGEN_PULL_IN_FLIGHT,   /* asked; the reply wakes the combinator's body */
  AGEN_PULL_REPLIED,     /* the reply is in reply (and item) */
} AgenPullState;

typedef struct
{
  AgenCombinator *combinator;  /* owns this */
  AgenGenerator *source;       /* owned */
  GCancellable *cancellable;   /* of the operation held on the source; owned */
  AgenPullState state;
  AgenReply reply;             /* REPLIED; reply.item unused when the item is in place */
  GValue *item;                /* REPLIED with an item: &reply.item, or in place in the
                                * source's yield slot, which a yield of the combinator
                                * may trade for its own (_agen_generator_yield_swap()) */
  guint64 arrival;             /* REPLIED: its rank in the order replies came in */
  gint64 arrival_time;         /* REPLIED after being in flight: when */
  guint held : 1;              /* an operation on the source is ours */
  guint cancelled : 1;         /* its cancellable was cancelled */
  guint close_asked : 1;
  guint ended : 1;             /* the source finished (merge) */
} AgenPull;

struct _AgenCombinator
{
  AgenGenerator *generator;    /* not owned: it owns this */
  AgenPull *pulls;
  guint n_pulls;
  guint await_id;              /* while the body waits for a reply */
  guint64 n_arrivals;
  GError *caught;              /* thrown in at the last yield or wait */
  GError *error;               /* to raise once the sources are closed */
  guint n_closed;              /* sources closed so far, while finishing */
  gboolean closing;
};

static void agen_combinator_wake (AgenCombinator *comb);

/* g_value_unset() for a GValue that may be unset. Not G_IS_VALUE(): it takes
 * GType's lock, a cost on the path of every item. */
static inline void
agen_value_clear (GValue *value)
{
  if (G_VALUE_TYPE (value) != 0)
    g_value_unset (value);
}

/* How messages name a source. */
static char *
agen_source_label (AgenGenerator *source)
{
  const char *name = agen_generator_get_name (source);

  return name != NULL ? g_strdup (name) : _agen_generator_describe (source);
}

static void
agen_pull_clear (AgenPull *pull)
{
  if (pull->state != AGEN_PULL_REPLIED)
    return;

  agen_value_clear (&pull->reply.item);
  if (pull->reply.error != NULL)
    g_clear_error (&pull->reply.error);
  pull->item = NULL;
  pull->arrival_time = 0;
  pull->state = AGEN_PULL_IDLE;
}

/* Takes what @reply owns. */
static void
agen_pull_take_reply (AgenPull  *pull,
                      AgenReply *reply)
{
  gboolean was_in_flight = pull->state == AGEN_PULL_IN_FLIGHT;

  pull->reply.kind = reply->kind;
  pull->reply.item = reply->item;              /* moved */
  reply->item = (GValue) G_VALUE_INIT;
  pull->reply.error = g_steal_pointer (&reply->error);
  pull->item = &pull->reply.item;
  pull->arrival = ++pull->combinator->n_arrivals;
  pull->state = AGEN_PULL_REPLIED;

  if (was_in_flight)
    {
      pull->arrival_time = g_get_monotonic_time ();
      agen_combinator_wake (pull->combinator);
    }
}

static void
agen_pull_on_reply (AgenGenerator *source,
                    AgenReply     *reply,
                    gpointer       user_data)
{
  AgenPull *pull = user_data;

  /* An item leaves the operation held for the next step; anything else
   * ends it. So does an item that answers a cancelled step: a cancellation
   * is delivered once per operation, so the next step starts another one
   * with a fresh cancellable. */
  if (reply->kind != AGEN_REPLY_ITEM || pull->cancelled)
    {
      _agen_generator_release (source);
      pull->held = FALSE;
    }
  agen_pull_take_reply (pull, reply);
}

static void
agen_pull_start (AgenPull     *pull,
                 AgenOpKind    kind,
                 const GError *error)
{
  AgenReply refusal = AGEN_REPLY_INIT;

  if (pull->cancellable == NULL || pull->cancelled)
    {
      g_clear_object (&pull->cancellable);
      pull->cancellable = g_cancellable_new ();
      pull->cancelled = FALSE;
    }

  pull->held = TRUE;
  if (!_agen_generator_start (pull->source, kind, NULL, error, pull->cancellable,
                              agen_pull_on_reply, pull, &refusal))
    {
      pull->held = FALSE;
      agen_pull_take_reply (pull, &refusal);
      return;
    }

  /* The source is the combinator's now: a shutdown closes the combinator,
   * which closes it, rather than closing it under the combinator's feet
   * (which would fail with PENDING anyway, as the combinator holds it). */
  _agen_registry_remove (pull->source);
}

/* The one way a combinator asks something of a source: a next, a throw of
 * @error, or a close. Afterwards the pull is either REPLIED, or IN_FLIGHT
 * and its reply will wake the combinator's body. The previous reply is
 * dropped first. */
static void
agen_pull_step (AgenPull     *pull,
                AgenOpKind    kind,
                const GError *error)
{
  const GValue *item;

  agen_pull_clear (pull);

  if (G_LIKELY (pull->held))
    {
      if (G_LIKELY (kind == AGEN_OP_NEXT))
        {
          if (_agen_generator_next_in_place (pull->source, &item))
            {
              pull->reply.kind = AGEN_REPLY_ITEM;
              pull->item = (GValue *) item;
              pull->arrival = ++pull->combinator->n_arrivals;
              pull->state = AGEN_PULL_REPLIED;
              return;
            }
        }
      else
        _agen_generator_step (pull->source, kind, NULL, error);
    }
  else
    agen_pull_start (pull, kind, error);

  if (pull->state == AGEN_PULL_IDLE)
    pull->state = AGEN_PULL_IN_FLIGHT;
}

/* Passes a cancellation on to the source's body, where it awaits: %FALSE
 * when there is no next in flight to pass it to. */
static gboolean
agen_pull_cancel (AgenPull *pull)
{
  if (pull->state != AGEN_PULL_IN_FLIGHT)
    return FALSE;

  pull->cancelled = TRUE;
  g_cancellable_cancel (pull->cancellable);
  return TRUE;
}

/* Replaces what the source replied with @error (taken). */
static void
agen_pull_replace_reply (AgenPull *pull,
                         GError   *error)
{
  agen_pull_clear (pull);
  pull->reply.kind = AGEN_REPLY_ERROR;
  pull->reply.error = error;
  pull->state = AGEN_PULL_REPLIED;
}

/* The error the source replied, named after the source. */
static GError *
agen_pull_take_error (AgenPull *pull)
{
  GError *error = g_steal_pointer (&pull->reply.error);
  g_autofree char *label = agen_source_label (pull->source);

  g_prefix_error (&error, "%s: ", label);
  agen_pull_clear (pull);
  return error;
}

/* ---------------------------------------------------------------------- *
 * What every combinator shares: waiting, and finishing
 * ---------------------------------------------------------------------- */

static void
agen_combinator_init (AgenCombinator       *comb,
                      AgenGenerator * const *sources,
                      guint                 n_sources)
{
  comb->n_pulls = n_sources;
  comb->pulls = g_new0 (AgenPull, n_sources);
  for (guint i = 0; i < n_sources; i++)
    {
      comb->pulls[i].combinator = comb;
      comb->pulls[i].source = g_object_ref (sources[i]);
      comb->pulls[i].reply = (AgenReply) AGEN_REPLY_INIT;
    }
}

static void
agen_combinator_clear (AgenCombinator *comb)
{
  for (guint i = 0; i < comb->n_pulls; i++)
    {
      AgenPull *pull = &comb->pulls[i];

      /* A combinator closes its sources before it finishes, and one that
       * started is only finalised after it finished (its last unref closes
       * it): nothing is held or in flight here. Should a source be held
       * all the same, it is let go of, suspended, rather than left running. */
      if (pull->held && pull->state != AGEN_PULL_IN_FLIGHT)
        _agen_generator_release (pull->source);
      agen_pull_clear (pull);
      g_clear_object (&pull->cancellable);
      g_object_unref (pull->source);
    }
  g_free (comb->pulls);
  g_clear_error (&comb->caught);
  g_clear_error (&comb->error);
}

static AgenGenerator *
agen_combinator_new (AgenCombinator *comb,
                     const char     *what,
                     AgenBodyFunc    body,
                     GDestroyNotify  free_func)
{
  g_autoptr(GString) name = g_string_new (what);

  comb->generator = agen_generator_new (body, comb, free_func);

  g_string_append_c (name, '(');
  for (guint i = 0; i < comb->n_pulls; i++)
    {
      g_autofree char *label = agen_source_label (comb->pulls[i].source);

      g_string_append_printf (name, "%s%s", i > 0 ? ", " : "", label);
    }
  g_string_append_c (name, ')');
  agen_generator_set_name (comb->generator, name->str);

  return comb->generator;
}

/* Ends the body call in an await that a reply (or batch's timer) ends. */
static void
agen_combinator_wait (AgenCombinator *comb)
{
  comb->await_id = agen_generator_suspend (comb->generator);
}

static void
agen_combinator_wake (AgenCombinator *comb)
{
  guint await_id = comb->await_id;

  /* Not waiting: the body is running, or suspended at a yield (merge and
   * batch leave nexts in flight there), and finds the reply next time. */
  if (await_id == 0)
    return;

  comb->await_id = 0;
  agen_generator_resume (comb->generator, await_id, NULL);
}

/* After a wait: what ended it was a reply, or a cancellation of the
 * consumer's operation, which goes on to each source the body waits for.
 * Their replies bring it back. When the replies came before the
 * cancellation could reach a source, they give way to it, as asyncio drops
 * the result of a future that completed before its task was cancelled: the
 * combinator raises the cancellation (named after the source, as a source's
 * error) and closes its sources, rather than go on as if it had not come. */
static void
agen_combinator_woken (AgenCombinator *comb)
{
  g_autoptr(GError) cancellation = NULL;
  gboolean passed_on = FALSE;

  comb->await_id = 0;
  if (comb->caught == NULL)
    return;

  cancellation = g_steal_pointer (&comb->caught);
  for (guint i = 0; i < comb->n_pulls; i++)
    passed_on |= agen_pull_cancel (&comb->pulls[i]);
  if (passed_on)
    return;

  for (guint i = 0; i < comb->n_pulls; i++)
    {
      AgenPull *pull = &comb->pulls[i];

      if (pull->state == AGEN_PULL_REPLIED && pull->reply.kind != AGEN_REPLY_ERROR)
        agen_pull_replace_reply (pull, g_error_copy (cancellation));
    }
}

/* Yields @item (a GValue *) by trading places with the yield slot: no copy
 * per stage. @item holds an earlier item afterwards. What is thrown in at
 * the resumption goes to comb->caught. A macro, as AGEN_YIELD_CATCH() is:
 * it stands on a line of its own in a body. */
#define AGEN_COMBINATOR_YIELD(self, comb, item) \
  _AGEN_SUSPEND_AFTER_CATCH ((self), _agen_generator_yield_swap ((self), (item)), &(comb)->caught)

/* Waits (suspends the body) until agen_combinator_wake(). */
#define AGEN_COMBINATOR_WAIT(self, comb)                                          \
  G_STMT_START                                                                    \
    {                                                                             \
      AGEN_AWAIT_CATCH ((self), agen_combinator_wait (comb), &(comb)->caught);   \
      agen_combinator_woken (comb);                                               \
    }                                                                             \
  G_STMT_END

/* The combinator raises its first error; one that comes after it can only
 * be logged, as asyncio's exception handler logs what it cannot raise. */
static void
agen_combinator_fail (AgenCombinator *comb,
                      GError         *error)
{
  g_autofree char *label = NULL;

  if (comb->error == NULL)
    {
      comb->error = error;
      return;
    }

  label = agen_source_label (comb->generator);
  g_message ("%s: another error while finishing: %s", label, error->message);
  g_error_free (error);
}

/* Takes the error the body was resumed with at a yield: %TRUE when it is a
 * close's AGEN_ERROR_EXIT, which finishes the combinator cleanly. */
static gboolean
agen_combinator_take_exit (AgenCombinator *comb)
{
  if (!g_error_matches (comb->caught, AGEN_ERROR, AGEN_ERROR_EXIT))
    return FALSE;

  g_clear_error (&comb->caught);
  return TRUE;
}

/* What a reply that nobody will take says, as the combinator finishes: an
 * item is dropped, and so is the cancellation the combinator asked for; an
 * error the source raised is a failure all the same. */
static void
agen_combinator_drop_reply (AgenCombinator *comb,
                            AgenPull       *pull)
{
  if (pull->state == AGEN_PULL_REPLIED && pull->reply.kind == AGEN_REPLY_ERROR &&
      !(pull->cancelled && g_error_matches (pull->reply.error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    agen_combinator_fail (comb, agen_pull_take_error (pull));
  agen_pull_clear (pull);
}

/* Closes every source, in order, one after the other, as the combinator
 * finishes. A next still in flight (merge, zip and batch may leave one) is
 * cancelled first and waited for. Call it until it returns %TRUE, waiting
 * in between; the failures are in comb->error. */
static gboolean
agen_combinator_close_sources (AgenCombinator *comb)
{
  if (!comb->closing)
    {
      comb->closing = TRUE;
      for (guint i = 0; i < comb->n_pulls; i++)
        agen_pull_cancel (&comb->pulls[i]);
    }

  for (; comb->n_closed < comb->n_pulls; comb->n_closed++)
    {
      AgenPull *pull = &comb->pulls[comb->n_closed];

      if (pull->state == AGEN_PULL_IN_FLIGHT)
        return FALSE;

      if (!pull->close_asked)
        {
          agen_combinator_drop_reply (comb, pull);
          pull->close_asked = TRUE;
          agen_pull_step (pull, AGEN_OP_CLOSE, NULL);
          if (pull->state == AGEN_PULL_IN_FLIGHT)
            return FALSE;
        }

      if (pull->reply.kind == AGEN_REPLY_ERROR)
        agen_combinator_fail (comb, agen_pull_take_error (pull));
      agen_pull_clear (pull);
    }

  return TRUE;
}

/* The last call of a body, once the sources are closed: raises the first
 * failure, or returns %FALSE for AGEN_END(). */
static gboolean
agen_combinator_raise (AgenCombinator *comb)
{
  if (comb->error == NULL)
    return FALSE;

  agen_generator_raise (comb->generator, g_steal_pointer (&comb->error));
  return TRUE;
}

/* How the combinators that yield several values at once (enumerate, zip,
 * batch) yield them: @array goes into @value, a G_TYPE_VALUE_ARRAY. */
static void
agen_value_take_array (GValue      *value,
                       GValueArray *array)
{
  agen_value_clear (value);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_value_init (value, g_value_array_get_type ());
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_value_take_boxed (value, array);
}

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

  agen_combinator_clear (&seq->combinator);
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
  agen_combinator_init (&seq->combinator, sources, n_sources);
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

  agen_value_take_array (&seq->made, pair);
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
      agen_pull_step (&comb->pulls[seq->current],
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
          agen_combinator_fail (comb, agen_pull_take_error (pull));
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
          if (agen_combinator_take_exit (comb))
            break;
          /* take after its last item has let go of its source. */
          if (!agen_sequence_wants_more (seq))
            {
              agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
              break;
            }
          seq->throw_in = g_steal_pointer (&comb->caught);
        }
    }

  while (!agen_combinator_close_sources (comb))
    AGEN_COMBINATOR_WAIT (self, comb);
  if (agen_combinator_raise (comb))
    return;
  AGEN_END (self);
}

static AgenGenerator *
agen_sequence_new_generator (AgenSequence *seq,
                             const char   *what)
{
  return agen_combinator_new (&seq->combinator, what, agen_sequence_body, agen_sequence_free);
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

static gboolean
agen_sources_are_valid (AgenGenerator * const *sources,
                        guint                 n_sources)
{
  if (sources == NULL)
    return n_sources == 0;
  for (guint i = 0; i < n_sources; i++)
    if (!AGEN_IS_GENERATOR (sources[i]))
      return FALSE;
  return TRUE;
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
  g_return_val_if_fail (agen_sources_are_valid (sources, n_sources), NULL);

  return agen_sequence_new_generator (agen_sequence_new (AGEN_SEQUENCE_CHAIN, sources, n_sources),
                                      "chain");
}

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

  agen_combinator_clear (&conc->combinator);
  agen_value_clear (&conc->made);
  g_free (conc);
}

static AgenConcurrent *
agen_concurrent_new (AgenGenerator * const *sources,
                     guint                 n_sources)
{
  AgenConcurrent *conc = g_new0 (AgenConcurrent, 1);

  agen_combinator_init (&conc->combinator, sources, n_sources);
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
        agen_pull_step (pull, AGEN_OP_NEXT, NULL);
    }
}

/* The reply that came first, or %NULL; with @only_ends, among the ends and
 * errors. */
static AgenPull *
agen_concurrent_first_reply (AgenCombinator *comb,
                             gboolean        only_ends)
{
  AgenPull *first = NULL;

  for (guint i = 0; i < comb->n_pulls; i++)
    {
      AgenPull *pull = &comb->pulls[i];

      if (pull->state != AGEN_PULL_REPLIED || (only_ends && pull->reply.kind == AGEN_REPLY_ITEM))
        continue;
      if (first == NULL || pull->arrival < first->arrival)
        first = pull;
    }
  return first;
}

static gboolean
agen_concurrent_any_in_flight (AgenCombinator *comb)
{
  for (guint i = 0; i < comb->n_pulls; i++)
    if (comb->pulls[i].state == AGEN_PULL_IN_FLIGHT)
      return TRUE;
  return FALSE;
}

/* zip can yield, or end, once every source replied or one ended. */
static gboolean
agen_zip_is_ready (AgenCombinator *comb)
{
  return !agen_concurrent_any_in_flight (comb) || agen_concurrent_first_reply (comb, TRUE) != NULL;
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
      agen_pull_clear (&comb->pulls[i]);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS

  agen_value_take_array (&conc->made, tuple);
}

/* A zip or merge resumed at a yield with an error: a close finishes it;
 * another error, which no one source can take, is raised once the sources
 * are closed. */
static void
agen_concurrent_take_thrown (AgenCombinator *comb)
{
  if (!agen_combinator_take_exit (comb))
    agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
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

      ending = agen_concurrent_first_reply (comb, TRUE);
      if (ending != NULL)
        {
          if (ending->reply.kind == AGEN_REPLY_ERROR)
            agen_combinator_fail (comb, agen_pull_take_error (ending));
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

  while (!agen_combinator_close_sources (comb))
    AGEN_COMBINATOR_WAIT (self, comb);
  if (agen_combinator_raise (comb))
    return;
  AGEN_END (self);
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
      while (agen_concurrent_first_reply (comb, FALSE) == NULL && agen_concurrent_any_in_flight (comb))
        AGEN_COMBINATOR_WAIT (self, comb);

      pull = agen_concurrent_first_reply (comb, FALSE);
      if (pull == NULL)
        break;                           /* every source ended */
      if (pull->reply.kind == AGEN_REPLY_END)
        {
          pull->ended = TRUE;
          agen_pull_clear (pull);
          continue;
        }
      if (pull->reply.kind == AGEN_REPLY_ERROR)
        {
          agen_combinator_fail (comb, agen_pull_take_error (pull));
          break;
        }

      conc->yielding = (guint) (pull - comb->pulls);
      AGEN_COMBINATOR_YIELD (self, comb, pull->item);
      agen_pull_clear (&comb->pulls[conc->yielding]);
      if (comb->caught != NULL)
        {
          agen_concurrent_take_thrown (comb);
          break;
        }
    }

  while (!agen_combinator_close_sources (comb))
    AGEN_COMBINATOR_WAIT (self, comb);
  if (agen_combinator_raise (comb))
    return;
  AGEN_END (self);
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
 * Returns: (transfer full): a new #AgenGenerator, named `zip(source, ...)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_zip (AgenGenerator * const *sources,
                    guint                 n_sources)
{
  g_return_val_if_fail (agen_sources_are_valid (sources, n_sources), NULL);

  return agen_combinator_new (&agen_concurrent_new (sources, n_sources)->combinator, "zip",
                              agen_zip_body, agen_concurrent_free);
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
  g_return_val_if_fail (agen_sources_are_valid (sources, n_sources), NULL);

  return agen_combinator_new (&agen_concurrent_new (sources, n_sources)->combinator, "merge",
                              agen_merge_body, agen_concurrent_free);
}

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
  agen_combinator_clear (&batch->combinator);
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
  agen_combinator_wake (&batch->combinator);
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

  batch->timer = g_timeout_source_new ((guint) ((remaining + 999) / 1000));
  g_source_set_static_name (batch->timer, "[agen] batch timeout");
  g_source_set_callback (batch->timer, agen_batch_on_due, batch, NULL);
  g_source_attach (batch->timer, batch->combinator.generator->context);
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
      agen_pull_clear (pull);
      break;
    case AGEN_REPLY_ERROR:
      batch->source_ended = TRUE;
      agen_combinator_fail (&batch->combinator, agen_pull_take_error (pull));
      break;
    case AGEN_REPLY_END:
    case AGEN_REPLY_CLOSED:
    default:
      batch->source_ended = TRUE;
      agen_pull_clear (pull);
      break;
    }
}

static void
agen_batch_make_item (AgenBatch *batch)
{
  agen_value_take_array (&batch->made, g_steal_pointer (&batch->items));
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
              agen_pull_step (pull, batch->throw_in != NULL ? AGEN_OP_THROW : AGEN_OP_NEXT, batch->throw_in);
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
          agen_combinator_fail (comb, g_steal_pointer (&batch->throw_in));
          break;
        }
      if (batch->items->n_values == 0)
        break;

      agen_batch_make_item (batch);
      AGEN_COMBINATOR_YIELD (self, comb, &batch->made);
      if (comb->caught != NULL)
        {
          if (agen_combinator_take_exit (comb))
            break;
          if (batch->source_ended)
            {
              agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
              break;
            }
          batch->throw_in = g_steal_pointer (&comb->caught);
        }
    }

  while (!agen_combinator_close_sources (comb))
    AGEN_COMBINATOR_WAIT (self, comb);
  if (agen_combinator_raise (comb))
    return;
  AGEN_END (self);
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
 * Returns: (transfer full): a new #AgenGenerator, named `batch(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_batch (AgenGenerator *self,
                      guint          size,
                      guint          timeout_ms)
{
  AgenBatch *batch;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (size > 0, NULL);

  batch = g_new0 (AgenBatch, 1);
  agen_combinator_init (&batch->combinator, &self, 1);
  batch->size = size;
  batch->timeout_ms = timeout_ms;
  batch->items = agen_batch_new_items (batch);
  return agen_combinator_new (&batch->combinator, "batch", agen_batch_body, agen_batch_free);
}

/* ---------------------------------------------------------------------- *
 * collect
 * ---------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *items;            /* collect_async */
  GListStore *store;           /* collect_store_async */
  GError *error;               /* an item the store cannot hold */
} AgenCollect;

static void
agen_collect_free (gpointer data)
{
  AgenCollect *collect = data;

  g_clear_pointer (&collect->items, g_ptr_array_unref);
  g_clear_object (&collect->store);
  g_clear_error (&collect->error);
  g_free (collect);
}

static void
agen_value_free (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

static gboolean
agen_collect_item (AgenGenerator *generator,
                   const GValue  *item,
                   gpointer       user_data)
{
  AgenCollect *collect = user_data;
  GValue *copy = g_new0 (GValue, 1);

  g_value_init (copy, G_VALUE_TYPE (item));
  g_value_copy (item, copy);
  g_ptr_array_add (collect->items, copy);
  return TRUE;
}

static gboolean
agen_collect_store_item (AgenGenerator *generator,
                         const GValue  *item,
                         gpointer       user_data)
{
  AgenCollect *collect = user_data;
  GType item_type = g_list_model_get_item_type (G_LIST_MODEL (collect->store));
  GObject *object = G_VALUE_HOLDS_OBJECT (item) ? g_value_get_object (item) : NULL;

  if (object == NULL || !g_type_is_a (G_OBJECT_TYPE (object), item_type))
    {
      collect->error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                    "Cannot append an item of type %s to a list store of %s",
                                    object != NULL ? G_OBJECT_TYPE_NAME (object) : G_VALUE_TYPE_NAME (item),
                                    g_type_name (item_type));
      return FALSE;
    }

  g_list_store_append (collect->store, object);
  return TRUE;
}

static void
agen_collect_on_done (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AgenCollect *collect = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok = agen_generator_foreach_finish (AGEN_GENERATOR (object), result, &error);

  if (collect->error != NULL)
    {
      /* The item the store could not hold stopped the loop: that is the
       * failure to report, even if closing the generator failed too. */
      if (!ok)
        {
          g_autofree char *label = agen_source_label (AGEN_GENERATOR (object));

          g_message ("%s: closing it after an item of the wrong type failed: %s", label, error->message);
        }
      g_task_return_error (task, g_steal_pointer (&collect->error));
    }
  else if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (collect->items != NULL)
    g_task_return_pointer (task, g_steal_pointer (&collect->items), (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_boolean (task, TRUE);
}

/* Takes @task, whose task data is @collect. */
static void
agen_collect_run (AgenGenerator   *self,
                  GTask           *task,
                  AgenCollect     *collect,
                  GCancellable    *cancellable)
{
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, collect, agen_collect_free);
  agen_generator_foreach_async (self,
                                collect->store != NULL ? agen_collect_store_item : agen_collect_item,
                                collect, NULL, cancellable, agen_collect_on_done, task);
}

/**
 * agen_generator_collect_async:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable, as for
 *   agen_generator_foreach_async()
 * @callback: (scope async): called when @self has finished
 * @user_data: data for @callback
 *
 * Runs @self to its end with agen_generator_foreach_async() and gathers its
 * items: Python's `[x async for x in self]`. Finish with
 * agen_generator_collect_finish().
 *
 * Since: 1.0
 */
void
agen_generator_collect_async (AgenGenerator       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AgenCollect *collect;
  GTask *task;

  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, agen_generator_collect_async);
  collect = g_new0 (AgenCollect, 1);
  collect->items = g_ptr_array_new_with_free_func (agen_value_free);
  agen_collect_run (self, task, collect, cancellable);
}

/**
 * agen_generator_collect_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes agen_generator_collect_async(). When @self raised, the items it
 * yielded before are lost: only the error is returned.
 *
 * Returns: (transfer full) (element-type GValue): the items, in the order
 *   @self yielded them (the array frees them), or %NULL with @error set
 *
 * Since: 1.0
 */
GPtrArray *
agen_generator_collect_finish (AgenGenerator  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_generator_collect_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * agen_generator_collect_store_async:
 * @self: an #AgenGenerator
 * @store: the #GListStore to append the items to
 * @cancellable: (nullable): a #GCancellable, as for
 *   agen_generator_foreach_async()
 * @callback: (scope async): called when @self has finished
 * @user_data: data for @callback
 *
 * Runs @self to its end with agen_generator_foreach_async() and appends each
 * item to @store as it arrives, so that a view bound to @store fills while
 * @self runs. Finish with agen_generator_collect_store_finish().
 *
 * Each item must be an object of @store's item type: another item stops the
 * loop, which closes @self, and the operation fails with
 * %G_IO_ERROR_INVALID_DATA. Items already appended stay in @store, also when
 * @self raises.
 *
 * Since: 1.0
 */
void
agen_generator_collect_store_async (AgenGenerator       *self,
                                    GListStore          *store,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  AgenCollect *collect;
  GTask *task;

  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (G_IS_LIST_STORE (store));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, agen_generator_collect_store_async);
  collect = g_new0 (AgenCollect, 1);
  collect->store = g_object_ref (store);
  agen_collect_run (self, task, collect, cancellable);
}

/**
 * agen_generator_collect_store_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes agen_generator_collect_store_async().
 *
 * Returns: %TRUE when @self finished and every item was appended; %FALSE
 *   with @error set when @self raised, the loop was refused, or an item
 *   was not an object of the store's item type (%G_IO_ERROR_INVALID_DATA)
 *
 * Since: 1.0
 */
gboolean
agen_generator_collect_store_finish (AgenGenerator  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_generator_collect_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
