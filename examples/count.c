/* count: the five-minute start
 *
 * A generator of the numbers 0 to 4, written with the macros, and a consumer
 * that prints them with agen_generator_foreach_async().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <agen-glib/agen.h>

/* What lives across yields is kept in the body's data, not in locals. */
typedef struct
{
  int i;
  int n;
} Counter;

static void
count_body (AgenGenerator *self,
            gpointer       user_data)
{
  Counter *counter = user_data;

  AGEN_BEGIN (self);
  for (counter->i = 0; counter->i < counter->n; counter->i++)
    AGEN_YIELD_INT (self, counter->i);   /* suspends until the consumer asks again */
  AGEN_END (self);                       /* finishes: the loop below ends */
}

static gboolean
print_number (AgenGenerator *numbers,
              const GValue  *item,
              gpointer       user_data)
{
  g_print ("%d\n", g_value_get_int (item));
  return TRUE;   /* go on; FALSE would stop and close the generator */
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GMainLoop *loop = user_data;
  g_autoptr(GError) error = NULL;

  if (!agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &error))
    g_printerr ("The generator failed: %s\n", error->message);
  g_main_loop_quit (loop);
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Counter counter = { 0, 5 };
  g_autoptr(AgenGenerator) numbers = agen_generator_new (count_body, &counter, NULL);

  agen_generator_foreach_async (numbers, print_number, NULL, NULL, NULL, on_done, loop);
  g_main_loop_run (loop);

  return agen_generator_get_state (numbers) == AGEN_GENERATOR_STATE_FINISHED ? 0 : 1;
}
