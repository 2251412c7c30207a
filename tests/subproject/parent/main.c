/* The parent project's C program: the items of a generator, summed. */
#include <agen-glib/agen.h>

static void
on_collected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GPtrArray **items = user_data;
  g_autoptr(GError) error = NULL;

  *items = agen_generator_collect_finish (AGEN_GENERATOR (source), result, &error);
  g_assert_no_error (error);
}

int
main (void)
{
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(AgenGenerator) gen = NULL;
  g_autoptr(GPtrArray) items = NULL;
  int sum = 0;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_value_set_int (g_value_init (&values[i], G_TYPE_INT), i + 1);
  gen = agen_generator_new_values (values, G_N_ELEMENTS (values));

  agen_generator_collect_async (gen, NULL, on_collected, &items);
  while (items == NULL)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < items->len; i++)
    sum += g_value_get_int (g_ptr_array_index (items, i));
  g_assert_cmpint (sum, ==, 6);
  return 0;
}
