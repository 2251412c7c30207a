/* test-gio.c: a body that awaits real GIO operations
 *
 * The lines of a file, read with g_file_read_async() and
 * g_data_input_stream_read_line_async(), as a generator written with the
 * macros.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

#include <glib/gstdio.h>
#include <unistd.h>

typedef struct
{
  GFile *file;
  GFileInputStream *file_input;
  GDataInputStream *input;
  char *line;
  guint n_lines;
  gboolean *closed_stream;     /* set when the cleanup closed the stream */
} Lines;

static void
lines_free (gpointer data)
{
  Lines *l = data;

  g_clear_object (&l->input);
  g_clear_object (&l->file_input);
  g_clear_object (&l->file);
  g_free (l->line);
  g_free (l);
}

/* A deferred cleanup: closes the stream however the body finishes. */
static void
lines_close_stream (gpointer data)
{
  Lines *l = data;

  if (l->input != NULL)
    {
      g_input_stream_close (G_INPUT_STREAM (l->input), NULL, NULL);
      if (l->closed_stream != NULL)
        *l->closed_stream = TRUE;
    }
}

static void
lines_body (AgenGenerator *self,
            gpointer       user_data)
{
  Lines *l = user_data;
  GError *error = NULL;

  AGEN_BEGIN (self);

  AGEN_AWAIT (self, g_file_read_async (l->file, G_PRIORITY_DEFAULT, agen_generator_get_cancellable (self), agen_generator_ready, agen_generator_await (self)));
  l->file_input = g_file_read_finish (l->file, agen_generator_get_result (self), &error);
  if (l->file_input == NULL)
    {
      agen_generator_raise (self, error);
      return;
    }
  l->input = g_data_input_stream_new (G_INPUT_STREAM (l->file_input));
  agen_generator_defer (self, lines_close_stream, l);

  for (;;)
    {
      g_clear_pointer (&l->line, g_free);
      AGEN_AWAIT (self, g_data_input_stream_read_line_async (l->input, G_PRIORITY_DEFAULT, agen_generator_get_cancellable (self), agen_generator_ready, agen_generator_await (self)));
      l->line = g_data_input_stream_read_line_finish_utf8 (l->input, agen_generator_get_result (self), NULL, &error);
      if (error != NULL)
        {
          agen_generator_raise (self, error);
          return;
        }
      if (l->line == NULL)
        break;
      l->n_lines++;
      AGEN_YIELD_STRING (self, l->line);
    }

  AGEN_END (self);
}

static AgenGenerator *
lines_new (GFile    *file,
           gboolean *closed_stream)
{
  Lines *l = g_new0 (Lines, 1);

  l->file = g_object_ref (file);
  l->closed_stream = closed_stream;
  return agen_generator_new (lines_body, l, lines_free);
}

typedef struct
{
  char *path;
  GFile *file;
} TempFile;

static void
temp_file_setup (TempFile   *tmp,
                 const char *contents)
{
  GError *error = NULL;
  int fd = g_file_open_tmp ("agen-test-gio-XXXXXX.txt", &tmp->path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (tmp->path, contents, -1, &error);
  g_assert_no_error (error);
  tmp->file = g_file_new_for_path (tmp->path);
}

static void
temp_file_teardown (TempFile *tmp)
{
  g_unlink (tmp->path);
  g_free (tmp->path);
  g_object_unref (tmp->file);
}

static const char *const known_lines[] = {
  "first line",
  "",
  "the third line, after an empty one",
  "ünïcödé",
  "last line without a newline",
  NULL
};

#define N_KNOWN_LINES (G_N_ELEMENTS (known_lines) - 1)

static char *
known_contents (void)
{
  return g_strjoinv ("\n", (char **) known_lines);
}

/* Every line, in order, by next. */
static void
test_lines_next (AgenTestFixture *fixture,
                 gconstpointer    data)
{
  g_autofree char *contents = known_contents ();
  TempFile tmp;
  AgenGenerator *gen;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean closed_stream = FALSE;

  temp_file_setup (&tmp, contents);
  gen = lines_new (tmp.file, &closed_stream);

  for (guint i = 0; i < N_KNOWN_LINES; i++)
    {
      g_assert_true (agen_test_next (gen, NULL, &item, &error));
      g_assert_no_error (error);
      g_assert_true (G_VALUE_HOLDS_STRING (&item));
      g_assert_cmpstr (g_value_get_string (&item), ==, known_lines[i]);
      g_value_unset (&item);
    }
  g_assert_false (closed_stream);
  agen_test_assert_next_end (gen);
  g_assert_true (closed_stream);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);

  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

/* The same with foreach. */
static void
test_lines_foreach (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  g_autofree char *contents = known_contents ();
  g_autofree char *expected = g_strjoinv (" ", (char **) known_lines);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };
  TempFile tmp;
  AgenGenerator *gen;

  temp_file_setup (&tmp, contents);
  gen = lines_new (tmp.file, NULL);

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpuint (collect->n_items, ==, N_KNOWN_LINES);
  g_assert_cmpstr (collect->items->str, ==, expected);
  agen_test_call_clear (&call);

  agen_test_collect_free (collect);
  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

/* Many lines: each one is a real await. */
static void
test_lines_many (AgenTestFixture *fixture,
                 gconstpointer    data)
{
  GString *contents = g_string_new (NULL);
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };
  TempFile tmp;
  AgenGenerator *gen;
  const guint n = 2000;
  g_auto(GStrv) items = NULL;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (contents, "%u\n", i);
  temp_file_setup (&tmp, contents->str);
  gen = lines_new (tmp.file, NULL);

  agen_test_start_foreach (gen, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);

  g_assert_cmpuint (collect->n_items, ==, n);
  items = g_strsplit (collect->items->str, " ", -1);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_ascii_strtoull (items[i], NULL, 10), ==, i);

  g_string_free (contents, TRUE);
  agen_test_collect_free (collect);
  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

/* Closing early runs the cleanup, which closes the stream. */
static void
test_lines_close_early (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  g_autofree char *contents = known_contents ();
  TempFile tmp;
  AgenGenerator *gen;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean closed_stream = FALSE;

  temp_file_setup (&tmp, contents);
  gen = lines_new (tmp.file, &closed_stream);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_assert_cmpstr (g_value_get_string (&item), ==, known_lines[0]);
  g_value_unset (&item);

  g_assert_true (agen_test_close (gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (closed_stream);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

/* Dropping the generator mid-file closes it on the main context. */
static void
test_lines_drop_mid_file (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  g_autofree char *contents = known_contents ();
  TempFile tmp;
  AgenGenerator *gen;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean closed_stream = FALSE;
  gboolean finalized;

  temp_file_setup (&tmp, contents);
  gen = lines_new (tmp.file, &closed_stream);

  g_assert_true (agen_test_next (gen, NULL, &item, &error));
  g_value_unset (&item);
  agen_test_watch_finalize (gen, &finalized);
  g_object_unref (gen);
  agen_test_wait_for (&finalized);
  g_assert_true (closed_stream);

  temp_file_teardown (&tmp);
}

/* A file that does not exist: the awaited operation's error is raised. */
static void
test_lines_missing_file (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  g_autofree char *dir = g_dir_make_tmp ("agen-test-gio-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "missing.txt", NULL);
  GFile *file = g_file_new_for_path (path);
  AgenGenerator *gen = lines_new (file, NULL);

  agen_test_assert_next_error (gen, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  g_object_unref (file);
  g_rmdir (dir);
}

/* An empty file: no item, FALSE without an error. */
static void
test_lines_empty_file (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  TempFile tmp;
  AgenGenerator *gen;

  temp_file_setup (&tmp, "");
  gen = lines_new (tmp.file, NULL);
  agen_test_assert_next_end (gen);

  g_object_unref (gen);
  temp_file_teardown (&tmp);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/gio/lines/next", test_lines_next);
  agen_test_add ("/gio/lines/foreach", test_lines_foreach);
  agen_test_add ("/gio/lines/many", test_lines_many);
  agen_test_add ("/gio/lines/close-early", test_lines_close_early);
  agen_test_add ("/gio/lines/drop-mid-file", test_lines_drop_mid_file);
  agen_test_add ("/gio/lines/missing-file", test_lines_missing_file);
  agen_test_add ("/gio/lines/empty-file", test_lines_empty_file);

  return g_test_run ();
}
