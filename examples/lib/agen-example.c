/* agen-example.c: a C generator and a C consumer for the examples
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-example.h"

/* The producer: the lines of one file. What lives across yields and awaits
 * is kept here, not in local variables. */
typedef struct
{
  GFile *file;
  GFileInputStream *file_input;
  GDataInputStream *lines;
  char *line;
} LineReader;

static void
line_reader_free (gpointer data)
{
  LineReader *reader = data;

  g_clear_object (&reader->lines);
  g_clear_object (&reader->file_input);
  g_clear_object (&reader->file);
  g_free (reader->line);
  g_free (reader);
}

/* Deferred: runs when the body finishes, however it finishes (its last line,
 * a read error, a close, a cancellation). Letting go of the streams closes
 * the file: at once, or, after a cancelled read, as soon as GIO has finished
 * with it. Closing it here instead would fail as busy in that case, and
 * would block the main loop. */
static void
line_reader_drop_streams (gpointer data)
{
  LineReader *reader = data;

  g_clear_object (&reader->lines);
  g_clear_object (&reader->file_input);
}

static void
lines_body (AgenGenerator *self,
            gpointer       user_data)
{
  LineReader *reader = user_data;
  g_autoptr(GError) error = NULL;

  AGEN_BEGIN (self);

  AGEN_AWAIT (self, g_file_read_async (reader->file, G_PRIORITY_DEFAULT,
                                       agen_generator_get_cancellable (self),
                                       agen_generator_ready, agen_generator_await (self)));
  reader->file_input = g_file_read_finish (reader->file, agen_generator_get_result (self), &error);
  if (reader->file_input == NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&error));
      return;
    }
  reader->lines = g_data_input_stream_new (G_INPUT_STREAM (reader->file_input));
  agen_generator_defer (self, line_reader_drop_streams, reader);

  for (;;)
    {
      AGEN_AWAIT (self, g_data_input_stream_read_line_async (reader->lines, G_PRIORITY_DEFAULT,
                                                             agen_generator_get_cancellable (self),
                                                             agen_generator_ready,
                                                             agen_generator_await (self)));
      g_free (reader->line);
      reader->line = g_data_input_stream_read_line_finish_utf8 (reader->lines,
                                                                agen_generator_get_result (self),
                                                                NULL, &error);
      if (error != NULL)
        {
          agen_generator_raise (self, g_steal_pointer (&error));
          return;
        }
      if (reader->line == NULL)
        break;

      AGEN_YIELD_STRING (self, reader->line);
    }

  AGEN_END (self);
}

/**
 * agen_example_lines_new:
 * @file: the file to read
 *
 * A generator of the lines of @file, without their line ends. Its body
 * awaits GIO's asynchronous reads; closing or cancelling it closes the file.
 *
 * Returns: (transfer full): a generator of strings
 */
AgenGenerator *
agen_example_lines_new (GFile *file)
{
  LineReader *reader = g_new0 (LineReader, 1);
  g_autofree char *name = g_file_get_parse_name (file);
  AgenGenerator *lines;

  reader->file = g_object_ref (file);
  lines = agen_generator_new (lines_body, reader, line_reader_free);
  agen_generator_set_name (lines, name);
  return lines;
}

/* The consumer: prints each item on a line of its own. */
static gboolean
print_item (AgenGenerator *items,
            const GValue  *item,
            gpointer       user_data)
{
  guint *count = user_data;
  g_autofree char *text = G_VALUE_HOLDS_STRING (item) ? g_value_dup_string (item)
                                                      : g_strdup_value_contents (item);

  g_print ("%u: %s\n", ++*count, text);
  return TRUE;
}

static void
on_printed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &error))
    g_task_return_int (task, *(guint *) g_task_get_task_data (task));
  else
    g_task_return_error (task, error);
}

/**
 * agen_example_print_all_async:
 * @items: a generator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when @items is finished
 * @user_data: data for @callback
 *
 * A consumer written in C: prints every item of @items, numbered.
 */
void
agen_example_print_all_async (AgenGenerator       *items,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (items, cancellable, callback, user_data);
  guint *count = g_new0 (guint, 1);

  g_task_set_task_data (task, count, g_free);
  agen_generator_foreach_async (items, print_item, count, NULL, cancellable, on_printed, task);
}

/**
 * agen_example_print_all_finish:
 * @items: a generator
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: how many items were printed
 */
guint
agen_example_print_all_finish (AgenGenerator  *items,
                               GAsyncResult   *result,
                               GError        **error)
{
  return (guint) g_task_propagate_int (G_TASK (result), error);
}
