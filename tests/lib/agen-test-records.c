/* agen-test-records.c: what a consumer records: foreach items
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
