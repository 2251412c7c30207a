/* agen-test-wait.c: a main context per test, and waiting in it with a timeout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

#ifdef HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

void
agen_test_fixture_setup (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  fixture->context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->context);
}

void
agen_test_fixture_teardown (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  gint64 deadline = g_get_monotonic_time () + agen_test_timeout_seconds (10) * G_USEC_PER_SEC;

  /* Let closes on last unref and late completions finish, those of
   * producer threads too, which end in their own time: every generator of
   * a script is gone before the next test, and its thread joined. */
  for (guint i = 0; i < 10000 && g_main_context_iteration (fixture->context, FALSE); i++)
    ;
  while (agen_test_script_count_alive () > 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%u test scripts still alive %u s after their test",
                 agen_test_script_count_alive (), agen_test_timeout_seconds (10));
      g_usleep (1000);
      for (guint i = 0; i < 10000 && g_main_context_iteration (fixture->context, FALSE); i++)
        ;
    }
  g_main_context_pop_thread_default (fixture->context);
  g_main_context_unref (fixture->context);
  agen_test_body_kind = AGEN_TEST_BODY_RAW;
}

guint
agen_test_timeout_seconds (guint base)
{
  const char *multiplier = g_getenv ("AGEN_TEST_TIMEOUT_MULTIPLIER");
  guint factor = 1;

  if (multiplier != NULL && g_ascii_strtoull (multiplier, NULL, 10) > 0)
    factor = (guint) g_ascii_strtoull (multiplier, NULL, 10);
  else if (RUNNING_ON_VALGRIND)
    factor = 20;
  return base * factor;
}

static gboolean
set_flag (gpointer flag)
{
  *(gboolean *) flag = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_until (gboolean      (*done) (gconstpointer),
               gconstpointer  data,
               guint          seconds,
               const char    *what)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new_seconds (agen_test_timeout_seconds (seconds));

  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!done (data) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_main_context_unref (context);

  if (!done (data))
    g_error ("timed out after %u s waiting for %s", agen_test_timeout_seconds (seconds), what);
}

static gboolean
flag_is_set (gconstpointer flag)
{
  return *(const gboolean *) flag;
}

void
agen_test_wait_for (const gboolean *flag)
{
  iterate_until (flag_is_set, flag, 10, "a callback");
}

typedef struct
{
  const guint *counter;
  guint target;
} CountTarget;

static gboolean
count_reached (gconstpointer data)
{
  const CountTarget *target = data;

  return *target->counter >= target->target;
}

void
agen_test_wait_for_count (const guint *counter,
                          guint        target,
                          guint        seconds)
{
  CountTarget t = { counter, target };

  iterate_until (count_reached, &t, seconds, "a count");
}

void
agen_test_poll_count (const guint *counter,
                      guint        target)
{
  gint64 deadline = g_get_monotonic_time () + agen_test_timeout_seconds (10) * G_USEC_PER_SEC;

  while ((guint) g_atomic_int_get ((const gint *) counter) < target)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %u s waiting for a count", agen_test_timeout_seconds (10));
      agen_test_drain ();
      g_usleep (1000);
    }
}

static gboolean
result_is_set (gconstpointer data)
{
  GAsyncResult * const *result = data;

  return *result != NULL;
}

void
agen_test_wait_for_result (GAsyncResult **result)
{
  iterate_until (result_is_set, result, 10, "a result");
}

void
agen_test_store_result (GObject      *source_object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

void
agen_test_iterate_ms (guint ms)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  gboolean elapsed = FALSE;
  GSource *timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, set_flag, &elapsed, NULL);
  g_source_attach (timeout, context);
  while (!elapsed)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_main_context_unref (context);
}

void
agen_test_drain (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();

  for (guint i = 0; i < 10000 && g_main_context_iteration (context, FALSE); i++)
    ;
  g_main_context_unref (context);
}

static void
on_finalized_flag (gpointer  data,
                   GObject  *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

void
agen_test_watch_finalize (gpointer  object,
                          gboolean *flag)
{
  *flag = FALSE;
  g_object_weak_ref (object, on_finalized_flag, flag);
}

static void
on_finalized_count (gpointer  data,
                    GObject  *where_the_object_was)
{
  (*(guint *) data)++;
}

void
agen_test_count_finalize (gpointer  object,
                          guint    *counter)
{
  g_object_weak_ref (object, on_finalized_count, counter);
}
