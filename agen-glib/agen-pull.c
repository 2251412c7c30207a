/* agen-pull.c: what every combinator shares: pulling its sources, waiting, finishing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-close-error-private.h"
#include "agen-error.h"
#include "agen-generator-private.h"
#include "agen-pull-private.h"
#include "agen-tuple-private.h"

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
 *   close failure is reported as a close nobody awaits (see
 *   agen_set_close_error_func()). A combinator that
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
 * Every combinator talks to its sources through _agen_pull_step() and
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
 * passed on by cancelling it (_agen_combinator_woken()).
 * ---------------------------------------------------------------------- */

void
_agen_pull_clear (AgenPull *pull)
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
      _agen_combinator_wake (pull->combinator);
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
  _agen_generator_unregister (pull->source);
}

/* The start of a pull's first next (see _agen_pull_next_in_place()). */
void
_agen_pull_start_next (AgenPull *pull)
{
  agen_pull_start (pull, AGEN_OP_NEXT, NULL);
  if (pull->state == AGEN_PULL_IDLE)
    pull->state = AGEN_PULL_IN_FLIGHT;
}

/* The one way a combinator asks something of a source: a next, a throw of
 * @error, or a close. Afterwards the pull is either REPLIED, or IN_FLIGHT
 * and its reply will wake the combinator's body. The previous reply is
 * dropped first. */
void
_agen_pull_step (AgenPull     *pull,
                AgenOpKind    kind,
                const GError *error)
{
  const GValue *item;

  if (G_LIKELY (kind == AGEN_OP_NEXT))
    {
      if (_agen_pull_next_in_place (pull, &item))
        {
          pull->reply.kind = AGEN_REPLY_ITEM;
          pull->item = (GValue *) item;
          pull->arrival = ++pull->combinator->n_arrivals;
          pull->state = AGEN_PULL_REPLIED;
        }
      return;
    }

  _agen_pull_clear (pull);
  if (G_LIKELY (pull->held))
    _agen_generator_step (pull->source, kind, NULL, error);
  else
    agen_pull_start (pull, kind, error);

  if (pull->state == AGEN_PULL_IDLE)
    pull->state = AGEN_PULL_IN_FLIGHT;
}

/* Passes a cancellation on to the source's body, where it awaits: %FALSE
 * when there is no next in flight to pass it to. */
gboolean
_agen_pull_cancel (AgenPull *pull)
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
  _agen_pull_clear (pull);
  pull->reply.kind = AGEN_REPLY_ERROR;
  pull->reply.error = error;
  pull->state = AGEN_PULL_REPLIED;
}

/* The error the source replied, named after the source. */
GError *
_agen_pull_take_error (AgenPull *pull)
{
  GError *error = g_steal_pointer (&pull->reply.error);
  g_autofree char *label = _agen_generator_describe (pull->source);

  g_prefix_error (&error, "%s: ", label);
  _agen_pull_clear (pull);
  return error;
}

/* ---------------------------------------------------------------------- *
 * What every combinator shares: waiting, and finishing
 * ---------------------------------------------------------------------- */

/* What the combinators of several sources accept: an array of generators
 * (%NULL when empty). */
gboolean
_agen_combinator_sources_are_valid (AgenGenerator * const *sources,
                                    guint                 n_sources)
{
  if (sources == NULL)
    return n_sources == 0;
  for (guint i = 0; i < n_sources; i++)
    if (!AGEN_IS_GENERATOR (sources[i]))
      return FALSE;
  return TRUE;
}

void
_agen_combinator_init (AgenCombinator       *comb,
                      AgenGenerator * const *sources,
                      guint                 n_sources)
{
  comb->n_pulls = n_sources;
  comb->pulls = g_new0 (AgenPull, n_sources);
  for (guint i = 0; i < n_sources; i++)
    {
      comb->pulls[i].combinator = comb;
      /* NULL: an empty slot, for a source the combinator makes later
       * (_agen_pull_set_source()). */
      comb->pulls[i].source = sources[i] != NULL ? g_object_ref (sources[i]) : NULL;
      comb->pulls[i].reply = (AgenReply) AGEN_REPLY_INIT;
    }
}

void
_agen_combinator_clear (AgenCombinator *comb)
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
      _agen_pull_clear (pull);
      g_clear_object (&pull->cancellable);
      g_clear_object (&pull->source);
    }
  g_free (comb->pulls);
  g_clear_error (&comb->caught);
  g_clear_error (&comb->error);
}

/* retry: @source (taken) becomes the one source of @comb, which had none
 * or one that has finished and is let go of. */
void
_agen_combinator_take_source (AgenCombinator *comb,
                              AgenGenerator  *source)
{
  AgenPull *pull;

  if (comb->n_pulls == 0)
    {
      comb->pulls = g_new0 (AgenPull, 1);
      comb->n_pulls = 1;
    }
  else
    {
      pull = &comb->pulls[0];
      g_assert (!pull->held);
      _agen_pull_clear (pull);
      g_clear_object (&pull->cancellable);
      g_object_unref (pull->source);
    }

  pull = &comb->pulls[0];
  *pull = (AgenPull) { 0 };
  pull->combinator = comb;
  pull->source = source;
  pull->reply = (AgenReply) AGEN_REPLY_INIT;
}

AgenGenerator *
_agen_combinator_new (AgenCombinator *comb,
                     const char     *what,
                     AgenBodyFunc    body,
                     GDestroyNotify  free_func)
{
  g_autoptr(GString) name = g_string_new (what);

  gboolean first = TRUE;

  comb->generator = agen_generator_new (body, comb, free_func);

  g_string_append_c (name, '(');
  for (guint i = 0; i < comb->n_pulls; i++)
    {
      g_autofree char *label = NULL;

      if (comb->pulls[i].source == NULL)
        continue;

      /* Scheduled as its sources are: `lines.map (f)` streams at the
       * priority the lines were given. */
      if (first)
        agen_generator_set_priority (comb->generator, agen_generator_get_priority (comb->pulls[i].source));
      label = _agen_generator_describe (comb->pulls[i].source);
      g_string_append_printf (name, "%s%s", first ? "" : ", ", label);
      first = FALSE;
    }
  g_string_append_c (name, ')');
  agen_generator_set_name (comb->generator, name->str);

  return comb->generator;
}

/* The reply that came first, or %NULL; with @only_ends, among the ends and
 * errors. */
AgenPull *
_agen_combinator_first_reply (AgenCombinator *comb,
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

gboolean
_agen_combinator_any_in_flight (AgenCombinator *comb)
{
  for (guint i = 0; i < comb->n_pulls; i++)
    if (comb->pulls[i].state == AGEN_PULL_IN_FLIGHT)
      return TRUE;
  return FALSE;
}

/* Ends the body call in an await that a reply (or batch's timer) ends. */
void
_agen_combinator_wait (AgenCombinator *comb)
{
  comb->await_id = agen_generator_suspend (comb->generator);
}

void
_agen_combinator_wake (AgenCombinator *comb)
{
  guint await_id = comb->await_id;

  if (comb->on_reply != NULL)
    {
      comb->on_reply (comb);
      return;
    }

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
void
_agen_combinator_woken (AgenCombinator *comb)
{
  g_autoptr(GError) cancellation = NULL;
  gboolean passed_on = FALSE;

  comb->await_id = 0;
  if (comb->caught == NULL)
    return;

  cancellation = g_steal_pointer (&comb->caught);
  for (guint i = 0; i < comb->n_pulls; i++)
    passed_on |= _agen_pull_cancel (&comb->pulls[i]);
  if (passed_on)
    return;

  for (guint i = 0; i < comb->n_pulls; i++)
    {
      AgenPull *pull = &comb->pulls[i];

      if (pull->state == AGEN_PULL_REPLIED && pull->reply.kind != AGEN_REPLY_ERROR)
        agen_pull_replace_reply (pull, g_error_copy (cancellation));
    }
}

/* The combinator raises its first failure. One that comes after it is the
 * failure of a close nobody awaits, as the combinator closes its sources:
 * it is reported, as asyncio's exception handler is told what it cannot
 * raise. */
void
_agen_combinator_fail (AgenCombinator *comb,
                       GError         *error)
{
  if (comb->error == NULL)
    {
      comb->error = error;
      return;
    }

  _agen_report_close_error (comb->generator, error, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
  g_error_free (error);
}

/* The same for the error a source replied: it is named after the source
 * when the combinator raises it, and reported as that source's. */
void
_agen_combinator_fail_pull (AgenCombinator *comb,
                            AgenPull       *pull)
{
  if (comb->error == NULL)
    {
      comb->error = _agen_pull_take_error (pull);
      return;
    }

  _agen_report_close_error (pull->source, pull->reply.error, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
  _agen_pull_clear (pull);
}

/* Takes the error the body was resumed with at a yield: %TRUE when it is a
 * close's AGEN_ERROR_EXIT, which finishes the combinator cleanly. */
gboolean
_agen_combinator_take_exit (AgenCombinator *comb)
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
    _agen_combinator_fail_pull (comb, pull);
  _agen_pull_clear (pull);
}

/* Closes the source of @pull, as a combinator finishes with it: a next
 * still in flight is cancelled first and waited for, what it replies is
 * dropped, then the source is closed and the close waited for. Call it until
 * it returns %TRUE, waiting in between; a failure is in comb->error. An
 * empty slot has nothing to close. */
gboolean
_agen_combinator_close_pull (AgenCombinator *comb,
                             AgenPull       *pull)
{
  if (pull->source == NULL)
    return TRUE;

  if (!pull->close_asked)
    {
      if (pull->state == AGEN_PULL_IN_FLIGHT)
        {
          if (!pull->cancelled)
            _agen_pull_cancel (pull);
          return FALSE;
        }
      agen_combinator_drop_reply (comb, pull);
      pull->close_asked = TRUE;
      _agen_pull_step (pull, AGEN_OP_CLOSE, NULL);
    }
  if (pull->state == AGEN_PULL_IN_FLIGHT)
    return FALSE;

  if (pull->reply.kind == AGEN_REPLY_ERROR)
    _agen_combinator_fail_pull (comb, pull);
  _agen_pull_clear (pull);
  return TRUE;
}

/* Puts @source (taken; %NULL empties it) into the slot of @pull, whose
 * previous source has finished or was closed. */
void
_agen_pull_set_source (AgenPull      *pull,
                       AgenGenerator *source)
{
  g_assert (pull->state != AGEN_PULL_IN_FLIGHT && !pull->held);

  _agen_pull_clear (pull);
  g_clear_object (&pull->source);
  pull->source = source;
  pull->close_asked = FALSE;
  pull->ended = FALSE;
}

/* Closes every source, in order, one after the other, as the combinator
 * finishes. The nexts still in flight (merge, zip and batch may leave some)
 * are all cancelled first, then waited for. Call it until it returns %TRUE,
 * waiting in between; the failures are in comb->error. */
gboolean
_agen_combinator_close_sources (AgenCombinator *comb)
{
  if (!comb->closing)
    {
      comb->closing = TRUE;
      for (guint i = 0; i < comb->n_pulls; i++)
        _agen_pull_cancel (&comb->pulls[i]);
    }

  for (; comb->n_closed < comb->n_pulls; comb->n_closed++)
    if (!_agen_combinator_close_pull (comb, &comb->pulls[comb->n_closed]))
      return FALSE;

  return TRUE;
}

/* The last call of a body, once the sources are closed: raises the first
 * failure, or returns %FALSE for AGEN_END(). */
gboolean
_agen_combinator_raise (AgenCombinator *comb)
{
  if (comb->error == NULL)
    return FALSE;

  agen_generator_raise (comb->generator, g_steal_pointer (&comb->error));
  return TRUE;
}

/* How the combinators that yield several values at once (enumerate, zip,
 * batch) yield them: @items (consumed) goes into @value as an AgenTuple,
 * or, from the API that predates it, as a G_TYPE_VALUE_ARRAY. */
void
_agen_combinator_take_items (AgenCombinator *comb,
                             GValue         *value,
                             GValueArray    *items)
{
  agen_value_clear (value);
  if (comb->yields_tuples)
    {
      g_value_init (value, AGEN_TYPE_TUPLE);
      g_value_take_object (value, _agen_tuple_new_take_array (items));
      return;
    }
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_value_init (value, g_value_array_get_type ());
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_value_take_boxed (value, items);
}
