/* test-time.c: the awaitable timer, debounce, throttle, timeout and retry
 *
 * docs/reference/semantics.xml, section contract-time. Runs on the manual
 * clock of libagen-test: agen_test_clock_settle() dispatches what is ready,
 * then moves the clock to the next deadline, so nothing sleeps and every
 * time is exact. The sources are agen_test_timed_source()s: pairs of a wait
 * and an item, logging "closed" when their body finishes. An outcome reads
 * "item@ms ... end@ms" (or the error's name instead of "end"), the times
 * counted from the start of the test.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

/* ---------------------------------------------------------------- helpers */

static gint64 start_ms;

static void
time_setup (AgenTestFixture *fixture,
            gconstpointer    data)
{
  agen_test_fixture_setup (fixture, data);
  agen_test_clock_use_manual (TRUE);
  start_ms = agen_test_clock_now_ms ();
}

static void
time_teardown (AgenTestFixture *fixture,
               gconstpointer    data)
{
  /* Every timer is gone or disarmed: nothing would call back later. */
  agen_test_drain ();
  g_assert_false (agen_test_clock_advance ());
  agen_test_fixture_teardown (fixture, data);
}

#define time_test_add(path, func) \
  g_test_add ((path), AgenTestFixture, NULL, time_setup, (func), time_teardown)

static gint64
now (void)
{
  return agen_test_clock_now_ms () - start_ms;
}

static const char *
error_name (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return "TIMED_OUT";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    return "INVALID_DATA";
  return agen_test_error_name (error);
}

/* One next in virtual time, appended to @text; FALSE at the end. */
static gboolean
next_virtual (AgenGenerator *generator,
              GCancellable  *cancellable,
              GString       *text,
              GError       **error)
{
  AgenTestCall call = { 0 };
  gboolean ret;

  agen_test_start_next (generator, cancellable, &call);
  g_assert_true (agen_test_clock_settle (&call.done));

  if (text->len > 0)
    g_string_append_c (text, ' ');
  ret = call.ret;
  if (ret)
    {
      g_autofree char *item = agen_test_value_to_string (&call.item);

      g_string_append_printf (text, "%s@%" G_GINT64_FORMAT, item, now ());
    }
  else
    g_string_append_printf (text, "%s@%" G_GINT64_FORMAT,
                            call.error != NULL ? error_name (call.error) : "end", now ());
  if (error != NULL && call.error != NULL)
    *error = g_steal_pointer (&call.error);
  agen_test_call_clear (&call);
  return ret;
}

/* Runs @generator to its end in virtual time. */
static char *
drain_virtual (AgenGenerator *generator)
{
  GString *text = g_string_new (NULL);

  while (next_virtual (generator, NULL, text, NULL))
    ;
  return g_string_free (text, FALSE);
}

#define assert_drains_to(generator, expected)                                    \
  G_STMT_START {                                                                 \
    g_autofree char *drained_ = drain_virtual (generator);                       \
    g_assert_cmpstr (drained_, ==, (expected));                                  \
  } G_STMT_END

#define TIMED(log, error_code, ...)                                              \
  timed_source ((const gint[]) { __VA_ARGS__ },                                  \
                sizeof ((const gint[]) { __VA_ARGS__ }) / sizeof (gint), (error_code), (log))

static AgenGenerator *
timed_source (const gint  *script,
              guint        n_script,
              gint         error_code,
              AgenTestLog *log)
{
  AgenGenerator *source = agen_test_timed_source (script, n_script, error_code, log);

  agen_generator_set_name (source, "timed");
  return source;
}

static char *
log_text (AgenTestLog *log)
{
  g_auto(GStrv) entries = agen_test_log_dup_entries (log);

  return g_strjoinv (" ", entries);
}

#define assert_log(log, expected)                                                \
  G_STMT_START {                                                                 \
    g_autofree char *log_text_ = log_text (log);                                 \
    g_assert_cmpstr (log_text_, ==, (expected));                                 \
  } G_STMT_END

/* ------------------------------------------------------- the awaited timer */

/* A body's await_timeout completes after its time, in virtual time too. */
static void
test_await_timeout_items (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 10, 1, 20, 2, 0, 3);

  assert_drains_to (source, "1@10 2@30 3@30 end@30");
  assert_log (log, "closed");
}

/* A cancellation ends the wait at once: the body gets CANCELLED at its
 * await, its cleanup runs, and the timer is gone (teardown checks). */
static void
test_await_timeout_cancel (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 1000, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (source, cancellable, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_cancellable_cancel (cancellable);
  agen_test_drain ();
  g_assert_true (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (now (), ==, 0);
  assert_log (log, "closed");
  agen_test_call_clear (&call);
}

/* async def gen():
 *     try:
 *         yield 1
 *     finally:
 *         await asyncio.sleep(0.05)   # a cleanup that waits
 */
static void
sleepy_cleanup_body (AgenGenerator *self,
                     gpointer       user_data)
{
  AGEN_BEGIN (self);
  AGEN_YIELD_CATCH (self, NULL, NULL);
  AGEN_AWAIT (self, agen_generator_await_timeout (self, 50));
  AGEN_END (self);
}

static void
test_await_timeout_in_close (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  g_autoptr(AgenGenerator) generator = agen_generator_new (sleepy_cleanup_body, NULL, NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  AgenTestCall call = { 0 };

  next_virtual (generator, NULL, text, NULL);
  agen_test_start_close (generator, NULL, &call);
  g_assert_true (agen_test_clock_settle (&call.done));
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpint (now (), ==, 50);
  agen_test_call_clear (&call);
}

static void
on_slept (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AgenTestCall *call = user_data;

  call->ret = agen_sleep_finish (result, &call->error);
  call->done = TRUE;
}

/* agen_sleep_async() on the monotonic clock: it waits its time, and a
 * cancellation ends it at once. */
static void
test_sleep_real_clock (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };
  gint64 started;

  agen_test_clock_use_manual (FALSE);
  started = g_get_monotonic_time ();
  agen_sleep_async (20, NULL, on_slept, &call);
  agen_test_wait_for (&call.done);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 20 * G_TIME_SPAN_MILLISECOND);

  call.done = FALSE;
  agen_sleep_async (60 * 1000, cancellable, on_slept, &call);
  g_cancellable_cancel (cancellable);
  agen_test_wait_for (&call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (call.ret);
  agen_test_call_clear (&call);
  agen_test_clock_use_manual (TRUE);
}

/* --------------------------------------------------------------- debounce */

/* An item passes once 50 ms went by without a newer one; at the end the
 * waiting item passes at once. */
static void
test_debounce_items (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 10, 1, 10, 2, 10, 3, 70, 4, 10, 5);
  g_autoptr(AgenGenerator) debounce = agen_generator_debounce (source, 50);

  g_assert_cmpstr (agen_generator_get_name (debounce), ==, "debounce(timed)");
  assert_drains_to (debounce, "3@80 5@110 end@110");
  assert_log (log, "closed");
}

/* A burst of items that come without an await: only the last passes. */
static void
test_debounce_burst (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(GArray) script = g_array_new (FALSE, FALSE, sizeof (gint));
  g_autoptr(AgenGenerator) source = NULL;
  g_autoptr(AgenGenerator) debounce = NULL;

  for (gint i = 0; i < 1000; i++)
    {
      gint pair[] = { -1, i };

      g_array_append_vals (script, pair, 2);
    }
  source = timed_source ((const gint *) (gpointer) script->data, script->len, 0, log);
  debounce = agen_generator_debounce (source, 50);
  assert_drains_to (debounce, "999@0 end@0");
}

/* An error of the source is raised at once; the waiting item is dropped. */
static void
test_debounce_error (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 7, 10, 1, 100, 2, 10, 3);
  g_autoptr(AgenGenerator) debounce = agen_generator_debounce (source, 50);

  assert_drains_to (debounce, "1@60 E7@120");
  assert_log (log, "closed");
}

/* Closing the debounce at a yield, while its next of the source is in
 * flight: that next is cancelled, the source's cleanup runs once. */
static void
test_debounce_close_in_flight (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 10, 1, 1000, 2);
  g_autoptr(AgenGenerator) debounce = agen_generator_debounce (source, 50);
  g_autoptr(GString) text = g_string_new (NULL);
  AgenTestCall call = { 0 };

  next_virtual (debounce, NULL, text, NULL);
  g_assert_cmpstr (text->str, ==, "1@60");
  agen_test_start_close (debounce, NULL, &call);
  g_assert_true (agen_test_clock_settle (&call.done));
  g_assert_no_error (call.error);
  g_assert_cmpint (now (), ==, 60);
  assert_log (log, "closed");
  g_assert_cmpint (agen_generator_get_state (source), ==, FINISHED);
  agen_test_call_clear (&call);
}

/* Cancelling the consumer's next while the debounce waits for its timer
 * and for the source: the source gets the cancellation, which comes out. */
static void
test_debounce_cancel_mid_wait (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 10, 1, 1000, 2);
  g_autoptr(AgenGenerator) debounce = agen_generator_debounce (source, 500);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (debounce, cancellable, &call);
  agen_test_drain ();
  g_assert_true (agen_test_clock_advance ());   /* to 10: item 1 waits */
  agen_test_drain ();
  g_assert_cmpint (now (), ==, 10);
  g_assert_false (call.done);
  g_cancellable_cancel (cancellable);
  agen_test_drain ();
  g_assert_true (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_log (log, "closed");
  g_assert_cmpint (agen_generator_get_state (debounce), ==, FINISHED);
  agen_test_call_clear (&call);
}

/* --------------------------------------------------------------- throttle */

/* The first item at once, then the latest of each period; the last one at
 * the end, at once. */
static void
test_throttle_items (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 10, 1, 10, 2, 10, 3, 10, 4, 160, 5, 15, 6);
  g_autoptr(AgenGenerator) throttle = agen_generator_throttle (source, 100);

  g_assert_cmpstr (agen_generator_get_name (throttle), ==, "throttle(timed)");
  assert_drains_to (throttle, "1@10 4@110 5@210 6@215 end@215");
  assert_log (log, "closed");
}

/* A burst without awaits yields its first item, and its last at the end. */
static void
test_throttle_burst (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenGenerator) source = TIMED (NULL, 0, -1, 1, -1, 2, -1, 3, -1, 4);
  g_autoptr(AgenGenerator) throttle = agen_generator_throttle (source, 100);

  assert_drains_to (throttle, "1@0 4@0 end@0");
}

/* ---------------------------------------------------------------- timeout */

static void
test_timeout_in_time (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 10, 1, 40, 2);
  g_autoptr(AgenGenerator) timeout = agen_generator_timeout (source, 50);

  g_assert_cmpstr (agen_generator_get_name (timeout), ==, "timeout(timed)");
  assert_drains_to (timeout, "1@10 2@50 end@50");
  assert_log (log, "closed");
}

/* A next that takes too long is cancelled at the source's await, the
 * source's cleanup runs, and TIMED_OUT comes out, naming the source. */
static void
test_timeout_times_out (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 10, 1, 100, 2);
  g_autoptr(AgenGenerator) timeout = agen_generator_timeout (source, 50);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  next_virtual (timeout, NULL, text, NULL);
  next_virtual (timeout, NULL, text, &error);
  g_assert_cmpstr (text->str, ==, "1@10 TIMED_OUT@60");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_str_has_prefix (error->message, "timed: "));
  assert_log (log, "closed");
  g_assert_cmpint (agen_generator_get_state (source), ==, FINISHED);
  g_assert_cmpint (agen_generator_get_state (timeout), ==, FINISHED);
}

/* The time between two nexts, spent by the consumer, does not count. */
static void
test_timeout_consumer_time (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  g_autoptr(AgenGenerator) source = TIMED (NULL, 0, 10, 1, 10, 2);
  g_autoptr(AgenGenerator) timeout = agen_generator_timeout (source, 20);
  g_autoptr(GString) text = g_string_new (NULL);
  AgenTestCall call = { 0 };

  next_virtual (timeout, NULL, text, NULL);
  agen_sleep_async (500, NULL, on_slept, &call);
  g_assert_true (agen_test_clock_settle (&call.done));
  agen_test_call_clear (&call);
  next_virtual (timeout, NULL, text, NULL);
  next_virtual (timeout, NULL, text, NULL);
  g_assert_cmpstr (text->str, ==, "1@10 2@520 end@520");
}

/* async def gen():
 *     try:
 *         await asyncio.sleep(0.1)
 *         yield 1
 *     except asyncio.CancelledError:
 *         yield -1                   # it decides: goes on
 */
static void
catching_body (AgenGenerator *self,
               gpointer       user_data)
{
  GError **caught = user_data;

  AGEN_BEGIN (self);
  AGEN_AWAIT_CATCH (self, agen_generator_await_timeout (self, 100), caught);
  if (*caught != NULL)
    {
      g_clear_error (caught);
      AGEN_YIELD_INT (self, -1);
    }
  else
    AGEN_YIELD_INT (self, 1);
  AGEN_END (self);
}

/* A source that catches the timeout's cancellation and yields goes on: its
 * item is used, as asyncio lets a task decide. */
static void
test_timeout_source_catches (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  GError *caught = NULL;
  g_autoptr(AgenGenerator) source = agen_generator_new (catching_body, &caught, NULL);
  g_autoptr(AgenGenerator) timeout = agen_generator_timeout (source, 50);

  assert_drains_to (timeout, "-1@50 end@50");
}

/* The consumer's cancellation while the timeout waits comes out as
 * CANCELLED, also once the timeout's own time has come meanwhile. */
static void
test_timeout_consumer_cancels (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 1000, 1);
  g_autoptr(AgenGenerator) timeout = agen_generator_timeout (source, 50);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (timeout, cancellable, &call);
  agen_test_drain ();
  g_cancellable_cancel (cancellable);
  g_assert_true (agen_test_clock_settle (&call.done));
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_log (log, "closed");
  agen_test_call_clear (&call);
}

/* An error thrown in at a yield goes into the source, as map's does: the
 * source's uncaught error comes out, and its cleanup ran. */
static void
test_timeout_throw_delegated (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  g_autoptr(AgenTestLog) log = agen_test_log_new ();
  g_autoptr(AgenGenerator) source = TIMED (log, 0, 10, 1, 10, 2);
  g_autoptr(AgenGenerator) timeout = agen_generator_timeout (source, 50);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) thrown = agen_test_error_new (5);
  AgenTestCall call = { 0 };

  next_virtual (timeout, NULL, text, NULL);
  agen_test_start_throw (timeout, thrown, NULL, &call);
  g_assert_true (agen_test_clock_settle (&call.done));
  g_assert_error (call.error, AGEN_TEST_ERROR, 5);
  assert_log (log, "closed");
  agen_test_call_clear (&call);
}

/* ------------------------------------------------------------------ retry */

typedef struct
{
  const char *scripts[4];      /* per attempt: "E<code>" fails at once, "1 2" yields, "1 2 E7" yields then fails */
  AgenTestLog *log;
  guint n_calls;
  guint n_destroyed;
  gboolean fail;               /* the factory fails itself */
} Factory;

static AgenGenerator *
factory_make (guint     attempt,
              gpointer  user_data,
              GError  **error)
{
  Factory *factory = user_data;
  g_auto(GStrv) words = NULL;
  g_autoptr(GArray) script = g_array_new (FALSE, FALSE, sizeof (gint));
  gint error_code = 0;

  factory->n_calls++;
  g_assert_cmpuint (attempt, ==, factory->n_calls);
  if (factory->fail)
    {
      g_set_error (error, AGEN_TEST_ERROR, 99, "no generator today");
      return NULL;
    }
  if (factory->scripts[attempt - 1] == NULL)
    return NULL;

  words = g_strsplit (factory->scripts[attempt - 1], " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == 'E')
        error_code = atoi (words[i] + 1);
      else
        {
          gint pair[] = { 10, atoi (words[i]) };

          g_array_append_vals (script, pair, 2);
        }
    }
  return timed_source ((const gint *) (gpointer) script->data, script->len, error_code, factory->log);
}

static void
factory_destroyed (gpointer user_data)
{
  ((Factory *) user_data)->n_destroyed++;
}

static AgenGenerator *
retry_new (Factory  *factory,
           guint     max_attempts,
           guint     backoff_ms,
           gboolean  after_items)
{
  factory->log = agen_test_log_new ();
  return agen_generator_retry (factory_make, factory, factory_destroyed, max_attempts, backoff_ms, after_items);
}

/* Two failures before the first item, then a generator that works: the
 * backoff doubles (100, then 200 ms). */
static void
test_retry_until_it_works (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  Factory factory = { { "E1", "E2", "1 2", NULL } };
  AgenGenerator *retry = retry_new (&factory, 5, 100, FALSE);

  g_assert_cmpuint (factory.n_calls, ==, 0);
  assert_drains_to (retry, "1@310 2@320 end@320");
  g_assert_cmpuint (factory.n_calls, ==, 3);
  assert_log (factory.log, "closed closed closed");
  g_object_unref (retry);
  g_assert_cmpuint (factory.n_destroyed, ==, 1);
  g_object_unref (factory.log);
}

/* After max_attempts, the last error is raised, named after its source. */
static void
test_retry_exhausted (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  Factory factory = { { "E1", "E2", "1", NULL } };
  g_autoptr(AgenGenerator) retry = retry_new (&factory, 2, 0, FALSE);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  next_virtual (retry, NULL, text, &error);
  g_assert_cmpstr (text->str, ==, "E2@0");
  g_assert_cmpstr (error->message, ==, "timed: source failed 2");
  g_assert_cmpuint (factory.n_calls, ==, 2);
  g_object_unref (factory.log);
}

/* A failure after items is raised, unless after_items asks for another
 * attempt, which starts again. */
static void
test_retry_after_items (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  Factory first = { { "1 E3", "1 2", NULL } };
  Factory second = { { "1 E3", "1 2", NULL } };
  g_autoptr(AgenGenerator) strict = retry_new (&first, 3, 0, FALSE);
  g_autoptr(AgenGenerator) lenient = retry_new (&second, 3, 0, TRUE);

  assert_drains_to (strict, "1@10 E3@10");
  g_assert_cmpuint (first.n_calls, ==, 1);
  assert_drains_to (lenient, "1@20 1@30 2@40 end@40");
  g_assert_cmpuint (second.n_calls, ==, 2);
  g_object_unref (first.log);
  g_object_unref (second.log);
}

/* A factory that fails, or makes nothing, is a clear error. */
static void
test_retry_factory_fails (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  Factory failing = { { NULL }, .fail = TRUE };
  Factory empty = { { "E1", NULL } };
  g_autoptr(AgenGenerator) retry = retry_new (&failing, 3, 0, FALSE);
  g_autoptr(AgenGenerator) retry_empty = retry_new (&empty, 3, 0, FALSE);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error_empty = NULL;

  next_virtual (retry, NULL, text, &error);
  g_assert_error (error, AGEN_TEST_ERROR, 99);
  g_assert_cmpstr (error->message, ==, "retry: attempt 1: no generator today");
  g_assert_cmpuint (failing.n_calls, ==, 1);

  next_virtual (retry_empty, NULL, text, &error_empty);
  g_assert_error (error_empty, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpuint (empty.n_calls, ==, 2);
  assert_log (empty.log, "closed");
  g_object_unref (failing.log);
  g_object_unref (empty.log);
}

/* A cancellation during the backoff ends it: CANCELLED, no new attempt. */
static void
test_retry_cancel_backoff (AgenTestFixture *fixture,
                           gconstpointer    data)
{
  Factory factory = { { "E1", "1", NULL } };
  g_autoptr(AgenGenerator) retry = retry_new (&factory, 3, 1000, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (retry, cancellable, &call);
  agen_test_drain ();                           /* attempt 1 fails at once */
  g_assert_false (call.done);
  g_cancellable_cancel (cancellable);
  agen_test_drain ();
  g_assert_true (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (factory.n_calls, ==, 1);
  agen_test_call_clear (&call);
  g_object_unref (factory.log);
}

/* ------------------------------------------------------------- bad input */

static AgenGenerator *
never_called (guint attempt, gpointer user_data, GError **error)
{
  g_assert_not_reached ();
}

static void
test_bad_input (AgenTestFixture *fixture,
                gconstpointer    data)
{
  g_autoptr(AgenGenerator) source = TIMED (NULL, 0, 10, 1);

  if (!g_test_undefined ())
    return;

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*period_ms > 0*");
  g_assert_null (agen_generator_debounce (source, 0));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*period_ms > 0*");
  g_assert_null (agen_generator_throttle (source, 0));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*timeout_ms > 0*");
  g_assert_null (agen_generator_timeout (source, 0));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*AGEN_IS_GENERATOR*");
  g_assert_null (agen_generator_debounce (NULL, 10));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*max_attempts > 0*");
  g_assert_null (agen_generator_retry (never_called, NULL, NULL, 0, 10, FALSE));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*factory != NULL*");
  g_assert_null (agen_generator_retry (NULL, NULL, NULL, 1, 10, FALSE));
  g_test_assert_expected_messages ();
  /* Outside a body call. */
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*");
  agen_generator_await_timeout (source, 10);
  g_test_assert_expected_messages ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  time_test_add ("/time/await-timeout/items", test_await_timeout_items);
  time_test_add ("/time/await-timeout/cancel", test_await_timeout_cancel);
  time_test_add ("/time/await-timeout/in-close", test_await_timeout_in_close);
  time_test_add ("/time/sleep/real-clock", test_sleep_real_clock);
  time_test_add ("/time/debounce/items", test_debounce_items);
  time_test_add ("/time/debounce/burst", test_debounce_burst);
  time_test_add ("/time/debounce/error", test_debounce_error);
  time_test_add ("/time/debounce/close-in-flight", test_debounce_close_in_flight);
  time_test_add ("/time/debounce/cancel-mid-wait", test_debounce_cancel_mid_wait);
  time_test_add ("/time/throttle/items", test_throttle_items);
  time_test_add ("/time/throttle/burst", test_throttle_burst);
  time_test_add ("/time/timeout/in-time", test_timeout_in_time);
  time_test_add ("/time/timeout/times-out", test_timeout_times_out);
  time_test_add ("/time/timeout/consumer-time", test_timeout_consumer_time);
  time_test_add ("/time/timeout/source-catches", test_timeout_source_catches);
  time_test_add ("/time/timeout/consumer-cancels", test_timeout_consumer_cancels);
  time_test_add ("/time/timeout/throw-delegated", test_timeout_throw_delegated);
  time_test_add ("/time/retry/until-it-works", test_retry_until_it_works);
  time_test_add ("/time/retry/exhausted", test_retry_exhausted);
  time_test_add ("/time/retry/after-items", test_retry_after_items);
  time_test_add ("/time/retry/factory-fails", test_retry_factory_fails);
  time_test_add ("/time/retry/cancel-backoff", test_retry_cancel_backoff);
  time_test_add ("/time/bad-input", test_bad_input);

  return g_test_run ();
}
