/* agen-combinators-time.c: debounce, throttle, timeout, retry
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-generator-private.h"
#include "agen-pull-private.h"
#include "agen-timer-private.h"
#include "agen-timer.h"

/* The one timer of an operator, made at its first wait and moved from
 * deadline to deadline: no timer source per item. Its dispatch wakes the
 * body, which reads the clock to tell what is due. */
static gboolean
agen_time_on_due (gpointer user_data)
{
  _agen_combinator_wake (user_data);
  return G_SOURCE_CONTINUE;
}

static void
agen_time_arm (AgenCombinator  *comb,
               GSource        **timer,
               const char      *name,
               gint64           deadline)
{
  if (*timer == NULL)
    *timer = _agen_timer_new (_agen_generator_get_context (comb->generator),
                              agen_generator_get_priority (comb->generator),
                              name, agen_time_on_due, comb, NULL);
  _agen_timer_set_deadline (*timer, deadline);
}

static void
agen_time_disarm (GSource *timer)
{
  if (timer != NULL)
    _agen_timer_set_deadline (timer, -1);
}

/* ---------------------------------------------------------------------- *
 * debounce and throttle: the latest item, when its time comes
 * ---------------------------------------------------------------------- */

typedef enum
{
  AGEN_LATEST_DEBOUNCE,        /* the latest item, once period passed without a newer one */
  AGEN_LATEST_THROTTLE,        /* the latest item, at most one per period */
} AgenLatestKind;

typedef struct
{
  AgenCombinator combinator;
  AgenLatestKind kind;
  gint64 period_us;
  GSource *timer;
  gint64 deadline;             /* debounce: when the pending item passes;
                                * throttle: when the next item may be yielded */
  GValue pending;              /* the latest item not yielded yet */
  gboolean has_pending;
  gboolean source_ended;       /* it returned or raised */
  GError *throw_in;            /* to throw into the source at the next step */
  GValue made;
} AgenLatest;

static void
agen_latest_free (gpointer data)
{
  AgenLatest *latest = data;

  g_clear_pointer (&latest->timer, _agen_timer_destroy);
  _agen_combinator_clear (&latest->combinator);
  agen_value_clear (&latest->pending);
  agen_value_clear (&latest->made);
  g_clear_error (&latest->throw_in);
  g_free (latest);
}

/* The item replaces the pending one, trading places with it rather than
 * copied: the source's yield slot gets back an item of its own, or
 * nothing. */
static void
agen_latest_take_reply (AgenLatest *latest,
                        AgenPull   *pull,
                        gint64      now)
{
  switch (pull->reply.kind)
    {
    case AGEN_REPLY_ITEM:
      {
        GValue swap = *pull->item;

        *pull->item = latest->pending;
        latest->pending = swap;
        latest->has_pending = TRUE;
        if (latest->kind == AGEN_LATEST_DEBOUNCE)
          latest->deadline = now + latest->period_us;
        _agen_pull_clear (pull);
      }
      break;
    case AGEN_REPLY_ERROR:
      latest->source_ended = TRUE;
      _agen_combinator_fail_pull (&latest->combinator, pull);
      break;
    case AGEN_REPLY_END:
    case AGEN_REPLY_CLOSED:
    default:
      latest->source_ended = TRUE;
      _agen_pull_clear (pull);
      break;
    }
}

/* The source is pulled while the pending item waits for its time: the
 * item is yielded when it is due, or at once when the source ends. An
 * error of the source is raised at once, and the pending item dropped, as
 * RxJS does. An error thrown in at a yield goes into the source once its
 * next in flight (if any) has settled, as in batch. */
static void
agen_latest_body (AgenGenerator *self,
                  gpointer       user_data)
{
  AgenLatest *latest = user_data;
  AgenCombinator *comb = &latest->combinator;
  AgenPull *pull = &comb->pulls[0];

  AGEN_BEGIN (self);
  for (;;)
    {
      while (!latest->source_ended)
        {
          gint64 now = _agen_clock_get_time ();

          if (latest->has_pending && now >= latest->deadline && latest->throw_in == NULL)
            break;
          if (pull->state == AGEN_PULL_IDLE)
            {
              _agen_pull_step (pull, latest->throw_in != NULL ? AGEN_OP_THROW : AGEN_OP_NEXT, latest->throw_in);
              g_clear_error (&latest->throw_in);
            }
          if (pull->state == AGEN_PULL_REPLIED)
            {
              agen_latest_take_reply (latest, pull, now);
              continue;
            }
          if (latest->has_pending)
            agen_time_arm (comb, &latest->timer, "[agen] debounce/throttle", latest->deadline);
          AGEN_COMBINATOR_WAIT (self, comb);
        }
      agen_time_disarm (latest->timer);

      if (comb->error != NULL)
        break;
      if (latest->throw_in != NULL)
        {
          _agen_combinator_fail (comb, g_steal_pointer (&latest->throw_in));
          break;
        }
      if (!latest->has_pending)
        break;

      latest->has_pending = FALSE;
      agen_value_clear (&latest->made);
      latest->made = latest->pending;
      latest->pending = (GValue) G_VALUE_INIT;
      if (latest->kind == AGEN_LATEST_THROTTLE)
        latest->deadline = _agen_clock_get_time () + latest->period_us;
      AGEN_COMBINATOR_YIELD (self, comb, &latest->made);
      if (comb->caught != NULL)
        {
          if (_agen_combinator_take_exit (comb))
            break;
          if (latest->source_ended)
            {
              _agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
              break;
            }
          latest->throw_in = g_steal_pointer (&comb->caught);
        }
    }

  AGEN_COMBINATOR_FINISH (self, comb);
}

static AgenGenerator *
agen_latest_new (AgenGenerator  *source,
                 AgenLatestKind  kind,
                 guint           period_ms,
                 const char     *what)
{
  AgenLatest *latest = g_new0 (AgenLatest, 1);

  _agen_combinator_init (&latest->combinator, &source, 1);
  latest->kind = kind;
  latest->period_us = (gint64) period_ms * G_TIME_SPAN_MILLISECOND;
  latest->deadline = G_MININT64;
  return _agen_combinator_new (&latest->combinator, what, agen_latest_body, agen_latest_free);
}

/**
 * agen_generator_debounce:
 * @self: the source
 * @period_ms: how long an item must stay the latest before it is
 *   yielded, in milliseconds, more than 0
 *
 * A generator that yields an item of @self only once @period_ms have
 * passed without a newer one (search as the user types: the search starts
 * when typing pauses). Newer items replace the one waiting, which is
 * dropped. When @self ends, the item waiting is yielded at once; when
 * @self raises, the error is raised at once and the item waiting dropped.
 *
 * |[
 * source   -a-b-c--------d-e------|
 * debounce -------c(+ms)-----e(+ms)|
 * ]|
 *
 * Python's equivalent, with `asyncio`: an `async for` over @self in a task
 * that puts each item in a one-place slot, and a loop yielding the slot's
 * item after `asyncio.wait_for()` of the next arrival times out.
 *
 * @self is pulled while the item waits: a next of @self may be in flight
 * while the debounce is suspended at its yield, as in
 * agen_generator_batch(). Items that come without an await (a burst) cost
 * no timer: one #GSource is made at the first wait and moved from deadline
 * to deadline. The time is measured from when the debounce takes the item:
 * its arrival, or, for an item that arrived while the debounce was
 * suspended at a yield, the next resumption.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `debounce(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_debounce (AgenGenerator *self,
                         guint          period_ms)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (period_ms > 0, NULL);

  return agen_latest_new (self, AGEN_LATEST_DEBOUNCE, period_ms, "debounce");
}

/**
 * agen_generator_throttle:
 * @self: the source
 * @period_ms: the least time between two items yielded, in milliseconds,
 *   more than 0
 *
 * A generator that yields at most one item of @self per @period_ms, the
 * latest (progress shown without a repaint per item): the first item is
 * yielded at once; the items that come in the next @period_ms replace each
 * other, and the latest of them is yielded when the period is over, which
 * starts the next one. The period starts when an item is yielded. When
 * @self ends, the item waiting (the last one) is yielded at once; when
 * @self raises, the error is raised at once and the item waiting dropped.
 *
 * |[
 * source   -a-b-c-d---------e-|
 * throttle -a-----d(a+ms)---e-|
 * ]|
 *
 * Python's equivalent: `async for x in self:` keeping `x` as the latest,
 * and yielding it when `loop.time()` has passed the end of the period, with
 * a timer for the last one of a period.
 *
 * As in agen_generator_debounce(), @self is pulled while an item waits,
 * and one timer serves the generator's life.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `throttle(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_throttle (AgenGenerator *self,
                         guint          period_ms)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (period_ms > 0, NULL);

  return agen_latest_new (self, AGEN_LATEST_THROTTLE, period_ms, "throttle");
}

/* ---------------------------------------------------------------------- *
 * timeout
 * ---------------------------------------------------------------------- */

typedef struct
{
  AgenCombinator combinator;
  guint timeout_ms;
  GSource *timer;
  gint64 deadline;
  gboolean timed_out;          /* the next in flight was cancelled for it */
  GError *throw_in;
} AgenTimeout;

static void
agen_timeout_free (gpointer data)
{
  AgenTimeout *timeout = data;

  g_clear_pointer (&timeout->timer, _agen_timer_destroy);
  _agen_combinator_clear (&timeout->combinator);
  g_clear_error (&timeout->throw_in);
  g_free (timeout);
}

/* The source's answer to the cancellation the timeout gave it. */
static void
agen_timeout_fail (AgenTimeout *timeout,
                   AgenPull    *pull)
{
  AgenCombinator *comb = &timeout->combinator;
  g_autofree char *label = NULL;

  if (!timeout->timed_out || !g_error_matches (pull->reply.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      _agen_combinator_fail_pull (comb, pull);
      return;
    }

  label = _agen_generator_describe (pull->source);
  _agen_pull_clear (pull);
  _agen_combinator_fail (comb, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                            "%s: no item within %u ms", label, timeout->timeout_ms));
}

/* Each next of the source has timeout_ms to reply; then it is cancelled
 * where it awaits, as asyncio.timeout() cancels the task, and its
 * G_IO_ERROR_CANCELLED becomes G_IO_ERROR_TIMED_OUT. A source that catches
 * the cancellation and yields instead goes on, its item used. */
static void
agen_timeout_body (AgenGenerator *self,
                   gpointer       user_data)
{
  AgenTimeout *timeout = user_data;
  AgenCombinator *comb = &timeout->combinator;
  AgenPull *pull = &comb->pulls[0];

  AGEN_BEGIN (self);
  for (;;)
    {
      _agen_pull_step (pull, timeout->throw_in != NULL ? AGEN_OP_THROW : AGEN_OP_NEXT, timeout->throw_in);
      g_clear_error (&timeout->throw_in);
      timeout->timed_out = FALSE;
      if (pull->state == AGEN_PULL_IN_FLIGHT)
        {
          timeout->deadline = _agen_clock_get_time () + (gint64) timeout->timeout_ms * G_TIME_SPAN_MILLISECOND;
          agen_time_arm (comb, &timeout->timer, "[agen] timeout", timeout->deadline);
          while (pull->state == AGEN_PULL_IN_FLIGHT)
            {
              /* A cancellation of the consumer's, passed on already, wins. */
              if (!timeout->timed_out && !pull->cancelled && _agen_clock_get_time () >= timeout->deadline)
                timeout->timed_out = _agen_pull_cancel (pull);
              if (pull->state == AGEN_PULL_IN_FLIGHT)
                AGEN_COMBINATOR_WAIT (self, comb);
            }
          agen_time_disarm (timeout->timer);
        }

      if (pull->reply.kind == AGEN_REPLY_ERROR)
        {
          agen_timeout_fail (timeout, pull);
          break;
        }
      if (pull->reply.kind != AGEN_REPLY_ITEM)
        {
          _agen_pull_clear (pull);
          break;
        }

      AGEN_COMBINATOR_YIELD (self, comb, pull->item);
      if (comb->caught != NULL)
        {
          if (_agen_combinator_take_exit (comb))
            break;
          timeout->throw_in = g_steal_pointer (&comb->caught);
        }
    }

  AGEN_COMBINATOR_FINISH (self, comb);
}

/**
 * agen_generator_timeout:
 * @self: the source
 * @timeout_ms: how long each next of @self may take, in milliseconds,
 *   more than 0
 *
 * A generator of the items of @self, each of which must come within
 * @timeout_ms of being asked for: otherwise the next of @self is cancelled
 * where its body awaits (it sees %G_IO_ERROR_CANCELLED there, and its
 * cleanup runs), @self is closed, and the timeout raises
 * %G_IO_ERROR_TIMED_OUT, its message naming @self. A source that catches
 * the cancellation and yields instead goes on, its item used, as asyncio
 * lets a task decide. The time a consumer spends between two nexts does
 * not count. Python's
 * `async with asyncio.timeout (timeout_ms / 1000): item = await anext (self)`
 * for each item.
 *
 * |[
 * source  -a--b----------c|
 * timeout -a--b-----X          (X: TIMED_OUT, ms after b was asked for)
 * ]|
 *
 * An error thrown in at a yield is thrown into @self, as in
 * agen_generator_map().
 *
 * Returns: (transfer full): a new #AgenGenerator, named `timeout(source)`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_timeout (AgenGenerator *self,
                        guint          timeout_ms)
{
  AgenTimeout *timeout;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);
  g_return_val_if_fail (timeout_ms > 0, NULL);

  timeout = g_new0 (AgenTimeout, 1);
  _agen_combinator_init (&timeout->combinator, &self, 1);
  timeout->timeout_ms = timeout_ms;
  return _agen_combinator_new (&timeout->combinator, "timeout", agen_timeout_body, agen_timeout_free);
}

/* ---------------------------------------------------------------------- *
 * retry
 * ---------------------------------------------------------------------- */

/* The longest backoff: 2^20 times the first, and never more than a day. */
#define AGEN_RETRY_MAX_DOUBLINGS 20
#define AGEN_RETRY_MAX_BACKOFF_MS (24 * 60 * 60 * 1000)

typedef struct
{
  AgenCombinator combinator;
  AgenGeneratorFactory factory;
  gpointer factory_data;
  GDestroyNotify factory_data_destroy;
  guint max_attempts;
  guint backoff_ms;
  gboolean after_items;
  guint attempt;               /* the current one, from 1 */
  gboolean yielded;            /* the current source yielded an item */
  gboolean threw;              /* the last step threw an error in */
  gboolean again;              /* the current source failed, and is retried */
  GError *throw_in;
} AgenRetry;

static void
agen_retry_free (gpointer data)
{
  AgenRetry *retry = data;

  _agen_combinator_clear (&retry->combinator);
  if (retry->factory_data_destroy != NULL)
    retry->factory_data_destroy (retry->factory_data);
  g_clear_error (&retry->throw_in);
  g_free (retry);
}

/* The next source from the factory, which becomes the one source pulled;
 * %FALSE when the factory failed, the failure in comb->error. */
static gboolean
agen_retry_make_source (AgenRetry *retry)
{
  GError *error = NULL;
  AgenGenerator *source;

  retry->attempt++;
  source = retry->factory (retry->attempt, retry->factory_data, &error);
  if (source == NULL || !AGEN_IS_GENERATOR (source))
    {
      if (error == NULL)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             "retry: the factory made no generator for attempt %u", retry->attempt);
      g_prefix_error (&error, "retry: attempt %u: ", retry->attempt);
      _agen_combinator_fail (&retry->combinator, error);
      return FALSE;
    }

  g_clear_error (&error);
  _agen_combinator_take_source (&retry->combinator, source);
  retry->yielded = FALSE;
  return TRUE;
}

/* Whether the error the source replied makes another attempt: not a
 * cancellation, nor an error thrown in that came back. */
static gboolean
agen_retry_is_retried (AgenRetry *retry,
                       AgenPull  *pull)
{
  return retry->attempt < retry->max_attempts &&
         (!retry->yielded || retry->after_items) &&
         !retry->threw && !pull->cancelled &&
         !g_error_matches (pull->reply.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static guint
agen_retry_backoff_ms (AgenRetry *retry)
{
  guint doublings = MIN (retry->attempt - 1, AGEN_RETRY_MAX_DOUBLINGS);

  return (guint) MIN ((guint64) retry->backoff_ms << doublings, AGEN_RETRY_MAX_BACKOFF_MS);
}

static void
agen_retry_body (AgenGenerator *self,
                 gpointer       user_data)
{
  AgenRetry *retry = user_data;
  AgenCombinator *comb = &retry->combinator;

  AGEN_BEGIN (self);
  while (agen_retry_make_source (retry))
    {
      retry->again = FALSE;
      for (;;)
        {
          retry->threw = retry->throw_in != NULL;
          _agen_pull_step (&comb->pulls[0], retry->threw ? AGEN_OP_THROW : AGEN_OP_NEXT, retry->throw_in);
          g_clear_error (&retry->throw_in);
          while (comb->pulls[0].state == AGEN_PULL_IN_FLIGHT)
            AGEN_COMBINATOR_WAIT (self, comb);

          if (comb->pulls[0].reply.kind == AGEN_REPLY_ERROR)
            {
              retry->again = agen_retry_is_retried (retry, &comb->pulls[0]);
              if (retry->again)
                _agen_pull_clear (&comb->pulls[0]);
              else
                _agen_combinator_fail_pull (comb, &comb->pulls[0]);
              break;
            }
          if (comb->pulls[0].reply.kind != AGEN_REPLY_ITEM)
            {
              _agen_pull_clear (&comb->pulls[0]);
              break;
            }

          retry->yielded = TRUE;
          AGEN_COMBINATOR_YIELD (self, comb, comb->pulls[0].item);
          if (comb->caught != NULL)
            {
              if (_agen_combinator_take_exit (comb))
                break;
              retry->throw_in = g_steal_pointer (&comb->caught);
            }
        }
      if (!retry->again)
        break;

      if (retry->backoff_ms > 0)
        {
          AGEN_AWAIT_CATCH (self, agen_generator_await_timeout (self, agen_retry_backoff_ms (retry)), &comb->caught);
          if (comb->caught != NULL)
            {
              _agen_combinator_fail (comb, g_steal_pointer (&comb->caught));
              break;
            }
        }
    }

  AGEN_COMBINATOR_FINISH (self, comb);
}

/**
 * agen_generator_retry:
 * @factory: (scope notified) (closure factory_data) (destroy factory_data_destroy):
 *   makes the generator of each attempt
 * @factory_data: (nullable): data for @factory
 * @factory_data_destroy: (nullable): frees @factory_data when the retry
 *   is finalised
 * @max_attempts: how many generators to make at most, at least 1
 * @backoff_ms: the wait before the second attempt, in milliseconds,
 *   doubled before each further one (up to 2^20 times, and a day); 0 for
 *   none
 * @after_items: %FALSE to retry only a generator that failed before its
 *   first item; %TRUE to retry any failure (the items of the failed
 *   attempts stay yielded: the new generator starts again)
 *
 * A generator of the items of the generator @factory makes, made at its
 * first next. When that generator raises (before its first item, or at
 * any time with @after_items), and fewer than @max_attempts were made, the
 * error is dropped, the retry waits the backoff (with
 * agen_generator_await_timeout()) and goes on with the items of a new
 * generator from @factory. After the last attempt, its error is raised,
 * named after that generator. A cancellation is never retried, nor an error
 * thrown in that the generator raises back. Kotlin's `retry`, or Python's
 *
 * |[<!-- language="Python" -->
 * for attempt in range(1, max_attempts + 1):
 *     try:
 *         async for item in factory(attempt): yield item
 *         return
 *     except Exception:
 *         if attempt == max_attempts: raise
 *         await asyncio.sleep(backoff_ms * 2 ** (attempt - 1) / 1000)
 * ]|
 *
 * |[
 * attempt 1 -X
 * backoff    --(ms)
 * attempt 2      -a-b-|
 * retry     -----a-b-|
 * ]|
 *
 * When @factory fails (returns %NULL, with @error set or not), the retry
 * raises that error, prefixed with the attempt. A cancellation during the
 * backoff raises %G_IO_ERROR_CANCELLED. An error thrown in at a yield is
 * thrown into the current generator.
 *
 * Returns: (transfer full): a new #AgenGenerator, named `retry()`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_retry (AgenGeneratorFactory factory,
                      gpointer             factory_data,
                      GDestroyNotify       factory_data_destroy,
                      guint                max_attempts,
                      guint                backoff_ms,
                      gboolean             after_items)
{
  AgenRetry *retry;

  g_return_val_if_fail (factory != NULL, NULL);
  g_return_val_if_fail (max_attempts > 0, NULL);

  retry = g_new0 (AgenRetry, 1);
  _agen_combinator_init (&retry->combinator, NULL, 0);
  retry->factory = factory;
  retry->factory_data = factory_data;
  retry->factory_data_destroy = factory_data_destroy;
  retry->max_attempts = max_attempts;
  retry->backoff_ms = backoff_ms;
  retry->after_items = after_items;
  return _agen_combinator_new (&retry->combinator, "retry", agen_retry_body, agen_retry_free);
}
