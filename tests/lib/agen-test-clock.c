/* agen-test-clock.c: the manual clock and a timed source, for the time
 * operators' tests in every language
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"
#include "agen-timer-private.h"

/**
 * agen_test_clock_use_manual:
 * @manual: %TRUE for the manual clock, %FALSE for the monotonic one
 *
 * Puts agen-glib's timers (agen_generator_await_timeout(),
 * agen_sleep_async(), the time operators) on a manual clock that only
 * agen_test_clock_advance() moves. Timers made before keep their clock.
 */
void
agen_test_clock_use_manual (gboolean manual)
{
  _agen_clock_set_manual (manual);
}

/**
 * agen_test_clock_advance:
 *
 * Moves the manual clock to the earliest deadline of an armed timer, which
 * becomes ready: iterate its context to dispatch it.
 *
 * Returns: %FALSE when no timer is armed
 */
gboolean
agen_test_clock_advance (void)
{
  return _agen_clock_advance_to_next_timer ();
}

/**
 * agen_test_clock_now_ms:
 *
 * Returns: the time of agen-glib's clock, in milliseconds
 */
gint64
agen_test_clock_now_ms (void)
{
  return _agen_clock_get_time () / 1000;
}

/* agen-test-harness.h: a run in virtual time, as an asyncio loop with a
 * virtual clock runs. */
gboolean
agen_test_clock_settle (const gboolean *flag)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  for (;;)
    {
      while (g_main_context_iteration (context, FALSE))
        if (flag != NULL && *flag)
          return TRUE;
      if (flag != NULL && *flag)
        return TRUE;
      if (!_agen_clock_advance_to_next_timer ())
        return flag == NULL;
    }
}

/* async def timed_source(script, error_code, log):
 *     try:
 *         for gap_ms, item in pairs(script):
 *             await asyncio.sleep(gap_ms / 1000)
 *             yield item
 *         if error_code:
 *             raise Error(error_code)
 *     finally:
 *         log.append("closed")
 */
typedef struct
{
  gint *script;
  guint n_script;
  guint i;
  gint error_code;
  AgenTestLog *log;
} TimedSource;

static void
timed_source_free (gpointer data)
{
  TimedSource *timed = data;

  g_free (timed->script);
  g_clear_object (&timed->log);
  g_free (timed);
}

static void
timed_source_log_closed (gpointer data)
{
  agen_test_log_append (data, "closed");
}

static void
timed_source_body (AgenGenerator *self,
                   gpointer       user_data)
{
  TimedSource *timed = user_data;

  AGEN_BEGIN (self);
  if (timed->log != NULL)
    agen_generator_defer (self, timed_source_log_closed, timed->log);
  for (timed->i = 0; timed->i + 1 < timed->n_script; timed->i += 2)
    {
      if (timed->script[timed->i] >= 0)
        AGEN_AWAIT (self, agen_generator_await_timeout (self, (guint) timed->script[timed->i]));
      AGEN_YIELD_INT (self, timed->script[timed->i + 1]);
    }
  if (timed->error_code != 0)
    {
      agen_generator_raise (self, g_error_new (AGEN_TEST_ERROR, timed->error_code,
                                               "source failed %d", timed->error_code));
      return;
    }
  AGEN_END (self);
}

/**
 * agen_test_timed_source:
 * @script: (array length=n_script): pairs of a wait in milliseconds (with
 *   agen_generator_await_timeout(); a negative one yields without awaiting)
 *   and the int to yield after it
 * @n_script: the length of @script
 * @error_code: 0 to return at the end; otherwise raise the error
 *   AGEN_TEST_ERROR @error_code there
 * @log: (nullable): gets "closed" when the body finishes, however
 *
 * Returns: (transfer full): the generator
 */
AgenGenerator *
agen_test_timed_source (const gint  *script,
                        guint        n_script,
                        gint         error_code,
                        AgenTestLog *log)
{
  TimedSource *timed = g_new0 (TimedSource, 1);

  timed->script = g_memdup2 (script, n_script * sizeof (gint));
  timed->n_script = n_script;
  timed->error_code = error_code;
  timed->log = log != NULL ? g_object_ref (log) : NULL;
  return agen_generator_new (timed_source_body, timed, timed_source_free);
}
