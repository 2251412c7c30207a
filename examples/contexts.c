/* contexts: generators, threads and main contexts, and shutdown
 *
 * A generator belongs to the thread-default GMainContext it was created in,
 * and its body only runs there. Here a worker thread runs its own context
 * and its own generator; the main thread's attempt to use that generator is
 * refused with AGEN_ERROR_WRONG_CONTEXT. Before the program leaves its main
 * loop, agen_shutdown_async() closes the generators that are still
 * suspended, so their cleanup runs (asyncio's loop.shutdown_asyncgens()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <agen-glib/agen.h>

typedef struct
{
  const char *name;
  int i;
} Numbers;

static void
numbers_cleanup (gpointer data)
{
  Numbers *numbers = data;

  g_print ("%s: cleanup after %d items\n", numbers->name, numbers->i);
}

static void
numbers_body (AgenGenerator *self,
              gpointer       user_data)
{
  Numbers *numbers = user_data;

  AGEN_BEGIN (self);
  agen_generator_defer (self, numbers_cleanup, numbers);
  for (numbers->i = 0;; numbers->i++)
    AGEN_YIELD_INT (self, numbers->i);
  AGEN_END (self);
}

/* Waits for one operation on the thread-default context: enough for a
 * sequential example. */
static GAsyncResult *
wait_for_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  return *slot;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static int
next_number (AgenGenerator *numbers)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_auto(GValue) item = G_VALUE_INIT;

  agen_generator_next_async (numbers, NULL, store_result, &result);
  if (!agen_generator_next_finish (numbers, wait_for_result (&result), &item, NULL))
    return -1;
  return g_value_get_int (&item);
}

/* The worker thread: its own context, its own generator. */
static gpointer
worker_main (gpointer user_data)
{
  AgenGenerator **worker_numbers = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) shut = NULL;
  Numbers numbers = { "worker", 0 };
  int sum = 0;

  g_main_context_push_thread_default (context);

  *worker_numbers = agen_generator_new (numbers_body, &numbers, NULL);
  for (int i = 0; i < 3; i++)
    sum += next_number (*worker_numbers);
  g_print ("worker: sum of the first three: %d\n", sum);

  /* The worker's own shutdown closes only the worker's generators. */
  agen_shutdown_async (NULL, store_result, &shut);
  agen_shutdown_finish (wait_for_result (&shut), NULL);

  g_main_context_pop_thread_default (context);
  return GINT_TO_POINTER (sum);
}

int
main (void)
{
  Numbers numbers = { "main", 0 };
  g_autoptr(AgenGenerator) main_numbers = agen_generator_new (numbers_body, &numbers, NULL);
  g_autoptr(AgenGenerator) worker_numbers = NULL;
  g_autoptr(GAsyncResult) refused = NULL;
  g_autoptr(GAsyncResult) shut = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) item = G_VALUE_INIT;
  GThread *worker;
  int worker_sum;

  g_print ("main: %d\n", next_number (main_numbers));

  worker = g_thread_new ("worker", worker_main, &worker_numbers);
  worker_sum = GPOINTER_TO_INT (g_thread_join (worker));

  /* The worker's generator belongs to the worker's context. */
  agen_generator_next_async (worker_numbers, NULL, store_result, &refused);
  agen_generator_next_finish (worker_numbers, wait_for_result (&refused), &item, &error);
  g_print ("main: using the worker's generator: %s\n", error->message);

  agen_shutdown_async (NULL, store_result, &shut);
  agen_shutdown_finish (wait_for_result (&shut), NULL);

  return worker_sum == 3 && g_error_matches (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT) &&
         agen_generator_get_state (main_numbers) == AGEN_GENERATOR_STATE_FINISHED ? 0 : 1;
}
