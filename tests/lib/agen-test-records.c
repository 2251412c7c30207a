/* agen-test-records.c: what a consumer records: foreach items, state changes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

AgenTestCollect *
agen_test_collect_new (guint stop_after)
{
  AgenTestCollect *collect = g_new0 (AgenTestCollect, 1);

  collect->items = g_string_new (NULL);
  collect->stop_after = stop_after;
  return collect;
}

void
agen_test_collect_destroy_notify (gpointer data)
{
  AgenTestCollect *collect = data;

  collect->n_destroyed++;
}

void
agen_test_collect_free (AgenTestCollect *collect)
{
  g_string_free (collect->items, TRUE);
  g_free (collect);
}

gboolean
agen_test_collect_func (AgenGenerator *generator,
                        const GValue  *item,
                        gpointer       data)
{
  AgenTestCollect *collect = data;
  g_autofree char *text = agen_test_value_to_string (item);

  g_assert_true (AGEN_IS_GENERATOR (generator));
  if (collect->items->len > 0)
    g_string_append_c (collect->items, ' ');
  g_string_append (collect->items, text);
  collect->n_items++;

  return collect->stop_after == 0 || collect->n_items < collect->stop_after;
}

static void
on_state_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  AgenTestStateLog *log = user_data;
  AgenGeneratorState from_property;
  AgenGeneratorState state = agen_generator_get_state (AGEN_GENERATOR (object));

  g_assert_cmpstr (g_param_spec_get_name (pspec), ==, "state");
  g_object_get (object, "state", &from_property, NULL);
  g_assert_cmpint (state, ==, from_property);
  g_array_append_val (log->states, state);
}

void
agen_test_state_log_init (AgenTestStateLog *log,
                          AgenGenerator    *generator)
{
  log->states = g_array_new (FALSE, FALSE, sizeof (AgenGeneratorState));
  g_signal_connect (generator, "notify::state", G_CALLBACK (on_state_notify), log);
}

void
agen_test_state_log_clear (AgenTestStateLog *log,
                           AgenGenerator    *generator)
{
  g_signal_handlers_disconnect_by_func (generator, on_state_notify, log);
  g_array_unref (log->states);
}
