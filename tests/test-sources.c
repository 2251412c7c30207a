/* test-sources.c: the generators of agen-sources.h
 *
 * docs/reference/semantics.xml, section contract-sources: lines of a
 * stream, children of a directory, items of a list model, values, timer
 * ticks and signal emissions: what each yields, how it ends, and that it
 * lets go of what it holds (stream, enumerator, timeout, handler) however
 * it ends.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

#include <glib/gstdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

/* The item of the next next, which must succeed; the caller unsets it. */
static void
next_item (AgenGenerator *generator,
           GValue        *item)
{
  GError *error = NULL;

  g_assert_true (agen_test_next (generator, NULL, item, &error));
  g_assert_no_error (error);
}

static void
assert_next_string (AgenGenerator *generator,
                    const char    *expected)
{
  GValue item = G_VALUE_INIT;

  next_item (generator, &item);
  g_assert_true (G_VALUE_HOLDS_STRING (&item));
  g_assert_cmpstr (g_value_get_string (&item), ==, expected);
  g_value_unset (&item);
}

/* The milliseconds until the next timed source of @context is due, -1
 * when it has none. Idles must have been drained first. */
static gint
context_next_timeout (GMainContext *context)
{
  GPollFD fds[32];
  gint max_priority;
  gint timeout = -1;

  g_assert_true (g_main_context_acquire (context));
  g_assert_false (g_main_context_prepare (context, &max_priority));
  g_main_context_query (context, G_MAXINT, &timeout, fds, G_N_ELEMENTS (fds));
  g_main_context_release (context);
  return timeout;
}

/* Nothing left to wake @context: the priority guard may wake it once more
 * for nothing (within 2 ms; see agen-schedule.c), then no timed source. */
static void
assert_no_timeout_left (GMainContext *context)
{
  agen_test_drain ();
  agen_test_iterate_ms (5);
  g_assert_cmpint (context_next_timeout (context), ==, -1);
}

/* ------------------------------------------------------------------ lines */

static GInputStream *
memory_stream_new (const char *contents)
{
  return g_memory_input_stream_new_from_data (g_strdup (contents), -1, g_free);
}

/* Line ends \n, \r\n and \r, an empty line, a last line without a line
 * end; at the end the stream is closed. */
static void
test_lines_line_ends (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  g_autoptr(GInputStream) stream = memory_stream_new ("one\ntwo\r\n\nthree\rfour");
  g_autoptr(AgenGenerator) lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);

  g_assert_cmpstr (agen_generator_get_name (lines), ==, "lines");

  assert_next_string (lines, "one");
  assert_next_string (lines, "two");
  assert_next_string (lines, "");
  assert_next_string (lines, "three");
  assert_next_string (lines, "four");
  g_assert_false (g_input_stream_is_closed (stream));
  agen_test_assert_next_end (lines);
  g_assert_true (g_input_stream_is_closed (stream));
  agen_test_assert_next_end (lines);
}

/* A trailing line end makes no empty last line; an empty stream gives
 * nothing, and is closed. */
static void
test_lines_empty (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  g_autoptr(GInputStream) trailing = memory_stream_new ("only\n");
  g_autoptr(GInputStream) empty = memory_stream_new ("");
  g_autoptr(AgenGenerator) lines = agen_generator_new_lines (trailing, G_PRIORITY_DEFAULT);
  g_autoptr(AgenGenerator) none = agen_generator_new_lines (empty, G_PRIORITY_DEFAULT);

  assert_next_string (lines, "only");
  agen_test_assert_next_end (lines);
  g_assert_true (g_input_stream_is_closed (trailing));

  agen_test_assert_next_end (none);
  g_assert_true (g_input_stream_is_closed (empty));
}

/* A GDataInputStream is read as it is configured. */
static void
test_lines_data_input_stream (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  g_autoptr(GInputStream) base = memory_stream_new ("a\rb\nc\n");
  g_autoptr(GDataInputStream) input = g_data_input_stream_new (base);
  g_autoptr(AgenGenerator) lines = NULL;

  g_data_input_stream_set_newline_type (input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  lines = agen_generator_new_lines (G_INPUT_STREAM (input), G_PRIORITY_DEFAULT);

  assert_next_string (lines, "a\rb");
  assert_next_string (lines, "c");
  agen_test_assert_next_end (lines);
  g_assert_true (g_input_stream_is_closed (G_INPUT_STREAM (input)));
  g_assert_true (g_input_stream_is_closed (base));
}

/* Closing after the first line closes the caller's stream. */
static void
test_lines_close_early (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  g_autoptr(GInputStream) stream = memory_stream_new ("one\ntwo\nthree\n");
  g_autoptr(AgenGenerator) lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);
  GError *error = NULL;

  assert_next_string (lines, "one");
  g_assert_true (agen_test_close (lines, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_input_stream_is_closed (stream));
  agen_test_assert_next_end (lines);
}

/* Closed or dropped before its first next, it runs no body; GIO closes
 * the wrapper as it finalises it, and the caller's stream with it. A
 * GDataInputStream of the caller's is left as it is. */
static void
test_lines_unstarted (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  g_autoptr(GInputStream) closed = memory_stream_new ("one\n");
  g_autoptr(GInputStream) dropped = memory_stream_new ("one\n");
  g_autoptr(GInputStream) base = memory_stream_new ("one\n");
  g_autoptr(GDataInputStream) input = g_data_input_stream_new (base);
  AgenGenerator *lines = agen_generator_new_lines (closed, G_PRIORITY_DEFAULT);
  GError *error = NULL;

  g_assert_true (agen_test_close (lines, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (lines);
  g_assert_true (g_input_stream_is_closed (closed));

  g_object_unref (agen_generator_new_lines (dropped, G_PRIORITY_DEFAULT));
  g_assert_true (g_input_stream_is_closed (dropped));

  g_object_unref (agen_generator_new_lines (G_INPUT_STREAM (input), G_PRIORITY_DEFAULT));
  g_assert_false (g_input_stream_is_closed (G_INPUT_STREAM (input)));
}

/* Dropping it mid-stream closes the stream too, on the main context. */
static void
test_lines_drop_mid_stream (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  g_autoptr(GInputStream) stream = memory_stream_new ("one\ntwo\n");
  AgenGenerator *lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);
  gboolean finalized;

  assert_next_string (lines, "one");
  agen_test_watch_finalize (lines, &finalized);
  g_object_unref (lines);
  agen_test_wait_for (&finalized);
  g_assert_true (g_input_stream_is_closed (stream));
}

/* A throw at a yield closes the stream, then raises the thrown error. */
static void
test_lines_throw (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  g_autoptr(GInputStream) stream = memory_stream_new ("one\ntwo\n");
  g_autoptr(AgenGenerator) lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);
  g_autoptr(GError) thrown = g_error_new_literal (AGEN_TEST_ERROR, 7, "thrown");
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  assert_next_string (lines, "one");
  g_assert_false (agen_test_throw (lines, thrown, NULL, &item, &error));
  g_assert_error (error, AGEN_TEST_ERROR, 7);
  g_assert_cmpstr (error->message, ==, "thrown");
  g_assert_true (g_input_stream_is_closed (stream));
  g_value_unset (&item);
  g_clear_error (&error);
}

/* A line that is not UTF-8 raises GIO's error, and the stream is closed. */
static void
test_lines_invalid_utf8 (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  g_autoptr(GInputStream) stream = memory_stream_new ("fine\nbad \xff\xfe\nnever\n");
  g_autoptr(AgenGenerator) lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);

  assert_next_string (lines, "fine");
  agen_test_assert_next_error (lines, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE);
  g_assert_true (g_input_stream_is_closed (stream));
  g_assert_cmpint (agen_generator_get_state (lines), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (lines);
}

/* One end of a socket pair: a stream whose reads wait for the test. */
typedef struct
{
  GSocketConnection *connection;
  GInputStream *input;     /* the connection's */
  int peer;
} SocketPair;

static void
socket_pair_setup (SocketPair *pair)
{
  g_autoptr(GSocket) socket = NULL;
  GError *error = NULL;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  socket = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  pair->connection = g_socket_connection_factory_create_connection (socket);
  pair->input = g_io_stream_get_input_stream (G_IO_STREAM (pair->connection));
  pair->peer = fds[1];
}

static void
socket_pair_write (SocketPair *pair,
                   const char *text)
{
  g_assert_cmpint (write (pair->peer, text, strlen (text)), ==, (gssize) strlen (text));
}

static void
socket_pair_teardown (SocketPair *pair)
{
  close (pair->peer);
  g_object_unref (pair->connection);
}

/* A next that must complete at once (from the stream's buffer), or must
 * wait for a read; either way it gives @expected (NULL: the end). */
static void
assert_next_start_string (AgenGenerator *lines,
                          gboolean       expect_pending,
                          const char    *expected)
{
  AgenTestStartCall call = { 0 };
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean pending = !expect_pending;
  gboolean ret;

  ret = agen_test_next_start (lines, &call, &pending, &item, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pending, ==, expect_pending);
  if (pending)
    {
      agen_test_wait_for_count (&call.n_callbacks, 1, agen_test_timeout_seconds (5));
      g_assert_no_error (call.error);
      ret = call.ret;
      g_value_unset (&item);
      item = call.item;
    }
  if (expected == NULL)
    g_assert_false (ret);
  else
    {
      g_assert_true (ret);
      g_assert_cmpstr (g_value_get_string (&item), ==, expected);
    }
  g_value_unset (&item);
  agen_test_drain ();
  g_assert_cmpuint (call.n_destroyed, ==, 1);
}

/* A read fills the stream's buffer with many lines: the lines it holds
 * whole are yielded at once, without a read and without a main-loop round
 * trip; a read is made only when the buffer holds no whole line (here, for
 * the last line, which has no line end, and to find the end). */
static void
test_lines_buffered (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(GInputStream) stream = memory_stream_new ("a\nb\r\nc\rd\n\nlast");
  g_autoptr(AgenGenerator) lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);

  assert_next_start_string (lines, TRUE, "a");
  assert_next_start_string (lines, FALSE, "b");
  assert_next_start_string (lines, FALSE, "c");
  assert_next_start_string (lines, FALSE, "d");
  assert_next_start_string (lines, FALSE, "");
  assert_next_start_string (lines, TRUE, "last");
  g_assert_false (g_input_stream_is_closed (stream));
  assert_next_start_string (lines, TRUE, NULL);
  g_assert_true (g_input_stream_is_closed (stream));
}

/* The lines GIO reads synchronously from @contents, with a buffer of
 * @buffer_size bytes and @newline_type. */
static GPtrArray *
gio_lines (const char           *contents,
           gsize                 length,
           gsize                 buffer_size,
           GDataStreamNewlineType newline_type)
{
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data (g_memdup2 (contents, length), length, g_free);
  g_autoptr(GDataInputStream) input = g_data_input_stream_new (base);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;
  char *line;

  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (input), buffer_size);
  g_data_input_stream_set_newline_type (input, newline_type);
  while ((line = g_data_input_stream_read_line_utf8 (input, NULL, NULL, &error)) != NULL)
    g_ptr_array_add (lines, line);
  g_assert_no_error (error);
  return lines;
}

/* Lines that straddle the boundaries of the buffer, for every buffer size
 * from 1 byte to past the whole text and every newline type: a \r\n split
 * between two reads, a \r at the end of the buffer followed by a line, an
 * empty line, a last line without a line end, a last \r, an empty stream.
 * The generator gives exactly the lines GIO's own read_line gives. */
static void
test_lines_buffer_boundaries (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  static const char *const texts[] = {
    "one\r\ntwo\rthree\n\nfour\r\r\nfive\r\n\r\nsix\n\rseven eight nine\rlast",
    "a\r\nb\r\n",
    "\r\r\n\n\r",
    "x\ry\r",
    "no line end at all",
    "",
  };
  static const GDataStreamNewlineType types[] = {
    G_DATA_STREAM_NEWLINE_TYPE_ANY, G_DATA_STREAM_NEWLINE_TYPE_LF,
    G_DATA_STREAM_NEWLINE_TYPE_CR, G_DATA_STREAM_NEWLINE_TYPE_CR_LF,
  };

  for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
    for (guint n = 0; n < G_N_ELEMENTS (types); n++)
      for (gsize size = 1; size <= strlen (texts[t]) + 1; size++)
        {
          gsize length = strlen (texts[t]);
          g_autoptr(GPtrArray) expected = gio_lines (texts[t], length, size, types[n]);
          g_autoptr(GInputStream) base = memory_stream_new (texts[t]);
          g_autoptr(GDataInputStream) input = g_data_input_stream_new (base);
          g_autoptr(AgenGenerator) lines = NULL;

          g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (input), size);
          g_data_input_stream_set_newline_type (input, types[n]);
          lines = agen_generator_new_lines (G_INPUT_STREAM (input), G_PRIORITY_DEFAULT);
          for (guint i = 0; i < expected->len; i++)
            assert_next_string (lines, expected->pdata[i]);
          agen_test_assert_next_end (lines);
          g_assert_true (g_input_stream_is_closed (base));
        }
}

/* Lines that arrive in pieces: the part of a line already read waits in
 * the buffer for the rest, and the whole lines of a read come at once. */
static void
test_lines_buffered_pieces (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  g_autoptr(AgenGenerator) lines = NULL;
  AgenTestCall call = { 0 };
  SocketPair pair;

  socket_pair_setup (&pair);
  lines = agen_generator_new_lines (pair.input, G_PRIORITY_DEFAULT);

  socket_pair_write (&pair, "one\ntw");
  assert_next_start_string (lines, TRUE, "one");
  agen_test_start_next (lines, NULL, &call);
  agen_test_iterate_ms (20);
  g_assert_false (call.done);
  socket_pair_write (&pair, "o\r");
  agen_test_iterate_ms (20);
  g_assert_false (call.done);      /* \r or \r\n: the next byte tells */
  socket_pair_write (&pair, "\nthree\nfour\n");
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_cmpstr (g_value_get_string (&call.item), ==, "two");
  agen_test_call_clear (&call);
  assert_next_start_string (lines, FALSE, "three");
  assert_next_start_string (lines, FALSE, "four");
  close (pair.peer);
  assert_next_start_string (lines, TRUE, NULL);
  g_assert_true (g_input_stream_is_closed (pair.input));
  g_object_unref (pair.connection);
}

/* Lines come as the peer writes them; cancelling a next that waits for a
 * read cancels the read, waits for GIO to let go of the stream, closes it,
 * and fails with CANCELLED alone (a failed close would add to the
 * message). */
static void
test_lines_cancel_mid_read (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(AgenGenerator) lines = NULL;
  AgenTestCall call = { 0 };
  SocketPair pair;

  socket_pair_setup (&pair);
  lines = agen_generator_new_lines (pair.input, G_PRIORITY_DEFAULT);

  socket_pair_write (&pair, "one\n");
  assert_next_string (lines, "one");

  agen_test_start_next (lines, cancellable, &call);
  agen_test_iterate_ms (20);
  socket_pair_write (&pair, "tw");
  agen_test_iterate_ms (20);
  g_assert_false (call.done);

  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (call.error->message, ==, "Operation was cancelled");
  g_assert_true (g_input_stream_is_closed (pair.input));
  g_assert_cmpint (agen_generator_get_state (lines), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_call_clear (&call);
  agen_test_assert_next_end (lines);

  socket_pair_teardown (&pair);
}

/* A read error (here: the stream was closed under the generator) is
 * raised with its domain and code. */
static void
test_lines_read_error (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  g_autoptr(GInputStream) stream = memory_stream_new ("one\n");
  g_autoptr(AgenGenerator) lines = agen_generator_new_lines (stream, G_PRIORITY_DEFAULT);

  g_input_stream_close (stream, NULL, NULL);
  agen_test_assert_next_error (lines, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/* -------------------------------------------------------------- file infos */

#define N_FILES 150   /* more than two batches */

typedef struct
{
  char *path;
  GFile *directory;
} TempDir;

static void
temp_dir_setup (TempDir *tmp,
                guint    n_files)
{
  GError *error = NULL;

  tmp->path = g_dir_make_tmp ("agen-test-sources-XXXXXX", &error);
  g_assert_no_error (error);
  tmp->directory = g_file_new_for_path (tmp->path);
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%03u", i);
      g_autofree char *path = g_build_filename (tmp->path, name, NULL);

      g_file_set_contents (path, name, -1, &error);
      g_assert_no_error (error);
    }
}

static void
temp_dir_teardown (TempDir *tmp)
{
  GDir *dir = g_dir_open (tmp->path, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp->path, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_dir_close (dir);
  g_assert_cmpint (g_rmdir (tmp->path), ==, 0);
  g_object_unref (tmp->directory);
  g_free (tmp->path);
}

/* Every child once, in batches, with the default attributes. */
static void
test_file_infos_all (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(AgenGenerator) infos = NULL;
  g_autofree char *expected_name = NULL;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  TempDir tmp;

  temp_dir_setup (&tmp, N_FILES);
  infos = agen_generator_new_file_infos (tmp.directory, NULL, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT);
  expected_name = g_strconcat ("file-infos ", tmp.path, NULL);
  g_assert_cmpstr (agen_generator_get_name (infos), ==, expected_name);

  while (agen_test_next (infos, NULL, &item, &error))
    {
      GFileInfo *info;

      g_assert_true (G_VALUE_HOLDS (&item, G_TYPE_FILE_INFO));
      info = g_value_get_object (&item);
      g_assert_true (g_str_has_prefix (g_file_info_get_name (info), "file-"));
      g_assert_cmpint (g_file_info_get_file_type (info), ==, G_FILE_TYPE_REGULAR);
      g_assert_cmpint (g_file_info_get_size (info), ==, strlen ("file-000"));
      g_assert_true (g_hash_table_add (seen, g_strdup (g_file_info_get_name (info))));
      g_value_unset (&item);
    }
  g_assert_no_error (error);
  g_value_unset (&item);
  g_assert_cmpuint (g_hash_table_size (seen), ==, N_FILES);
  agen_test_assert_next_end (infos);

  temp_dir_teardown (&tmp);
}

/* The attributes asked for are the ones there. */
static void
test_file_infos_attributes (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  g_autoptr(AgenGenerator) infos = NULL;
  GValue item = G_VALUE_INIT;
  GFileInfo *info;
  TempDir tmp;

  temp_dir_setup (&tmp, 1);
  infos = agen_generator_new_file_infos (tmp.directory, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                         G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, G_PRIORITY_DEFAULT);
  next_item (infos, &item);
  info = g_value_get_object (&item);
  g_assert_cmpstr (g_file_info_get_name (info), ==, "file-000");
  g_assert_false (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE));
  g_value_unset (&item);
  agen_test_assert_next_end (infos);

  temp_dir_teardown (&tmp);
}

/* GIO's errors, with their domain and code. */
static void
test_file_infos_errors (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) missing = NULL;
  g_autoptr(AgenGenerator) not_a_directory = NULL;
  g_autoptr(AgenGenerator) not_found = NULL;
  TempDir tmp;

  temp_dir_setup (&tmp, 1);
  file = g_file_get_child (tmp.directory, "file-000");
  missing = g_file_get_child (tmp.directory, "missing");
  not_a_directory = agen_generator_new_file_infos (file, NULL, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT);
  not_found = agen_generator_new_file_infos (missing, NULL, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT);

  agen_test_assert_next_error (not_a_directory, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_cmpint (agen_generator_get_state (not_a_directory), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (not_a_directory);
  agen_test_assert_next_error (not_found, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  temp_dir_teardown (&tmp);
}

/* Closing after a few children closes the enumerator: the close succeeds
 * (an enumerator left open would be closed again, and it leaks under
 * valgrind otherwise), and the generator is finished. */
static void
test_file_infos_close_early (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  g_autoptr(AgenGenerator) infos = NULL;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  TempDir tmp;

  temp_dir_setup (&tmp, N_FILES);
  infos = agen_generator_new_file_infos (tmp.directory, NULL, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT);
  for (guint i = 0; i < 3; i++)
    {
      next_item (infos, &item);
      g_value_unset (&item);
    }
  g_assert_true (agen_test_close (infos, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (agen_generator_get_state (infos), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_assert_next_end (infos);

  temp_dir_teardown (&tmp);
}

/* A cancel of a next that reads the second batch: GIO's thread may finish
 * the read before the cancellation arrives, so either outcome is valid,
 * but a cancelled one must have closed the enumerator cleanly (a close
 * refused for the pending read would add to the message). */
static void
test_file_infos_cancel (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  guint n_cancelled = 0;
  TempDir tmp;

  temp_dir_setup (&tmp, N_FILES);
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_autoptr(AgenGenerator) infos = agen_generator_new_file_infos (tmp.directory, NULL, G_FILE_QUERY_INFO_NONE,
                                                                      G_PRIORITY_DEFAULT);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      AgenTestCall call = { 0 };
      GValue item = G_VALUE_INIT;

      for (guint i = 0; i < 64; i++)   /* the first batch */
        {
          next_item (infos, &item);
          g_value_unset (&item);
        }
      agen_test_start_next (infos, cancellable, &call);
      g_cancellable_cancel (cancellable);
      agen_test_call_wait (&call);
      if (call.ret)
        {
          g_assert_true (G_VALUE_HOLDS (&call.item, G_TYPE_FILE_INFO));
          g_assert_true (agen_test_close (infos, NULL, NULL));
        }
      else
        {
          g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_cmpstr (call.error->message, ==, "Operation was cancelled");
          g_assert_cmpint (agen_generator_get_state (infos), ==, AGEN_GENERATOR_STATE_FINISHED);
          n_cancelled++;
        }
      agen_test_call_clear (&call);
      agen_test_assert_next_end (infos);
    }
  g_test_message ("%u of 5 cancellations came before the read", n_cancelled);

  temp_dir_teardown (&tmp);
}

/* -------------------------------------------------------------- list items */

static GListStore *
store_new (const char *names)
{
  GListStore *store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_auto(GStrv) split = g_strsplit (names, " ", -1);

  for (guint i = 0; split[i] != NULL; i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (split[i], NULL);

      g_list_store_append (store, action);
    }
  return store;
}

static void
store_insert (GListStore *store,
              guint       position,
              const char *name)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new (name, NULL);

  g_list_store_insert (store, position, action);
}

/* The names of the next @n items, space-separated. */
static char *
next_names (AgenGenerator *items,
            guint          n)
{
  GString *names = g_string_new (NULL);
  GValue item = G_VALUE_INIT;

  for (guint i = 0; i < n; i++)
    {
      next_item (items, &item);
      g_assert_true (G_VALUE_HOLDS (&item, G_TYPE_SIMPLE_ACTION));
      if (names->len > 0)
        g_string_append_c (names, ' ');
      g_string_append (names, g_action_get_name (g_value_get_object (&item)));
      g_value_unset (&item);
    }
  return g_string_free (names, FALSE);
}

#define assert_next_names(items, n, expected)                     \
  G_STMT_START {                                                  \
    g_autofree char *names_ = next_names ((items), (n));          \
    g_assert_cmpstr (names_, ==, (expected));                     \
  } G_STMT_END

static gboolean
has_items_changed_handler (GListStore *store)
{
  return g_signal_has_handler_pending (store, g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL), 0, TRUE);
}

/* list-items yields the model's items, and disconnects at the end. */
static void
test_list_items_plain (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b c");
  g_autoptr(AgenGenerator) items = agen_generator_new_list_items (G_LIST_MODEL (store));

  g_assert_cmpstr (agen_generator_get_name (items), ==, "list-items GListStore");
  g_assert_true (has_items_changed_handler (store));
  assert_next_names (items, 3, "a b c");
  agen_test_assert_next_end (items);
  g_assert_false (has_items_changed_handler (store));
  agen_test_assert_next_end (items);
}

/* An empty model: it returns at once, and does not wait for items. */
static void
test_list_items_empty (AgenTestFixture *fixture,
                       gconstpointer    data)
{
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(AgenGenerator) items = agen_generator_new_list_items (G_LIST_MODEL (store));

  agen_test_assert_next_end (items);
  store_insert (store, 0, "late");
  agen_test_assert_next_end (items);
}

/* Inserted before the cursor: shifted, not yielded. */
static void
test_list_items_insert_before (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b c d");
  g_autoptr(AgenGenerator) items = agen_generator_new_list_items (G_LIST_MODEL (store));

  assert_next_names (items, 2, "a b");
  store_insert (store, 0, "x");
  store_insert (store, 2, "y");       /* between a and b: still before c */
  assert_next_names (items, 2, "c d");
  agen_test_assert_next_end (items);
}

/* Inserted at the cursor: yielded next. */
static void
test_list_items_insert_at_cursor (AgenTestFixture *fixture,
                                  gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b c");
  g_autoptr(AgenGenerator) items = agen_generator_new_list_items (G_LIST_MODEL (store));

  assert_next_names (items, 1, "a");
  store_insert (store, 1, "x");
  assert_next_names (items, 3, "x b c");
  agen_test_assert_next_end (items);
}

/* Removed before the cursor: shifted back, nothing yielded twice. */
static void
test_list_items_remove_before (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b c d");
  g_autoptr(AgenGenerator) items = agen_generator_new_list_items (G_LIST_MODEL (store));

  assert_next_names (items, 3, "a b c");
  g_list_store_remove (store, 0);
  g_list_store_remove (store, 1);     /* c, the last yielded */
  assert_next_names (items, 1, "d");
  agen_test_assert_next_end (items);
}

/* Removed around the cursor: the cursor moves to the change, so what is
 * inserted there is yielded and nothing removed is. */
static void
test_list_items_remove_around (AgenTestFixture *fixture,
                               gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b c d e");
  g_autoptr(AgenGenerator) items = agen_generator_new_list_items (G_LIST_MODEL (store));
  g_autoptr(GSimpleAction) y = g_simple_action_new ("y", NULL);
  g_autoptr(GSimpleAction) z = g_simple_action_new ("z", NULL);
  gpointer added[] = { y, z };

  assert_next_names (items, 2, "a b");
  g_list_store_splice (store, 1, 2, added, G_N_ELEMENTS (added));   /* b c -> y z */
  assert_next_names (items, 4, "y z d e");
  agen_test_assert_next_end (items);
}

/* Removed at and after the cursor: not yielded. */
static void
test_list_items_remove_after (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b c d");
  g_autoptr(AgenGenerator) items = agen_generator_new_list_items (G_LIST_MODEL (store));

  assert_next_names (items, 1, "a");
  g_list_store_remove (store, 1);
  g_list_store_remove (store, 2);
  assert_next_names (items, 1, "c");
  agen_test_assert_next_end (items);
}

/* Appended during the iteration, even after the last item was yielded:
 * yielded. */
static void
test_list_items_append (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b");
  g_autoptr(AgenGenerator) items = agen_generator_new_list_items (G_LIST_MODEL (store));

  assert_next_names (items, 1, "a");
  store_insert (store, 2, "c");
  assert_next_names (items, 1, "b");
  store_insert (store, 3, "d");
  assert_next_names (items, 2, "c d");
  agen_test_assert_next_end (items);
  store_insert (store, 4, "too late");
  agen_test_assert_next_end (items);
}

/* Closed, or dropped before it started: the handler is disconnected. */
static void
test_list_items_disconnect (AgenTestFixture *fixture,
                            gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b c");
  AgenGenerator *items = agen_generator_new_list_items (G_LIST_MODEL (store));
  GError *error = NULL;

  assert_next_names (items, 1, "a");
  g_assert_true (agen_test_close (items, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (has_items_changed_handler (store));
  g_list_store_remove_all (store);
  g_object_unref (items);

  items = agen_generator_new_list_items (G_LIST_MODEL (store));
  g_assert_true (has_items_changed_handler (store));
  g_object_unref (items);
  g_assert_false (has_items_changed_handler (store));
}

/* ------------------------------------------------------------------ values */

/* values yields copies of the given values, in order. */
static void
test_values_ints (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(AgenGenerator) generator = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_value_init (&values[i], G_TYPE_INT);
      g_value_set_int (&values[i], (gint) i * 10);
    }
  generator = agen_generator_new_values (values, G_N_ELEMENTS (values));
  /* Copied: changing the caller's values changes nothing. */
  g_value_set_int (&values[0], 99);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_value_unset (&values[i]);

  g_assert_cmpstr (agen_generator_get_name (generator), ==, "values");
  agen_test_assert_next_int (generator, 0);
  agen_test_assert_next_int (generator, 10);
  agen_test_assert_next_int (generator, 20);
  agen_test_assert_next_end (generator);
  agen_test_assert_next_end (generator);
}

/* Strings and objects are copied (the object referenced, not duplicated),
 * and a NULL string stays NULL. */
static void
test_values_strings_objects (AgenTestFixture *fixture,
                             gconstpointer    data)
{
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(AgenGenerator) generator = NULL;
  GValue item = G_VALUE_INIT;
  gboolean finalized;

  g_value_init (&values[0], G_TYPE_STRING);
  g_value_set_string (&values[0], "text");
  g_value_init (&values[1], G_TYPE_OBJECT);
  g_value_set_object (&values[1], object);
  g_value_init (&values[2], G_TYPE_STRING);
  generator = agen_generator_new_values (values, G_N_ELEMENTS (values));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_value_unset (&values[i]);

  next_item (generator, &item);
  g_assert_cmpstr (g_value_get_string (&item), ==, "text");
  g_value_unset (&item);
  next_item (generator, &item);
  g_assert_true (g_value_get_object (&item) == object);
  g_value_unset (&item);
  next_item (generator, &item);
  g_assert_true (G_VALUE_HOLDS_STRING (&item));
  g_assert_null (g_value_get_string (&item));
  g_value_unset (&item);
  agen_test_assert_next_end (generator);

  /* The generator let go of its copy when it finished. */
  agen_test_watch_finalize (object, &finalized);
  g_clear_object (&object);
  g_assert_true (finalized);
}

/* values of nothing ends at once. */
static void
test_values_none (AgenTestFixture *fixture,
                  gconstpointer    data)
{
  g_autoptr(AgenGenerator) generator = agen_generator_new_values (NULL, 0);

  agen_test_assert_next_end (generator);
}

/* Closed early, or dropped unstarted: the copies are released. */
static void
test_values_release (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  GValue value = G_VALUE_INIT;
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  AgenGenerator *started;
  AgenGenerator *unstarted;
  GValue item = G_VALUE_INIT;
  guint n_finalized = 0;

  g_value_init (&value, G_TYPE_OBJECT);
  g_value_take_object (&value, object);
  agen_test_count_finalize (object, &n_finalized);
  started = agen_generator_new_values (&value, 1);
  unstarted = agen_generator_new_values (&value, 1);
  g_value_unset (&value);

  next_item (started, &item);
  g_value_unset (&item);
  g_assert_true (agen_test_close (started, NULL, NULL));
  g_assert_cmpuint (n_finalized, ==, 0);      /* the unstarted copy */
  g_object_unref (unstarted);
  g_assert_cmpuint (n_finalized, ==, 1);
  g_object_unref (started);
}

/* The fast path of foreach. */
static void
test_values_foreach (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  const guint n = 1000;
  GValue *values = g_new0 (GValue, n);
  g_autoptr(AgenGenerator) generator = NULL;
  AgenTestCollect *collect = agen_test_collect_new (0);
  AgenTestCall call = { 0 };

  for (guint i = 0; i < n; i++)
    {
      g_value_init (&values[i], G_TYPE_INT);
      g_value_set_int (&values[i], (gint) i);
    }
  generator = agen_generator_new_values (values, n);
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  g_free (values);

  agen_test_start_foreach (generator, agen_test_collect_func, collect, agen_test_collect_destroy_notify, NULL, &call);
  agen_test_call_wait (&call);
  g_assert_no_error (call.error);
  g_assert_true (call.ret);
  g_assert_cmpuint (collect->n_items, ==, n);
  g_assert_true (g_str_has_prefix (collect->items->str, "0 1 2 3 "));
  g_assert_true (g_str_has_suffix (collect->items->str, " 998 999"));
  agen_test_call_clear (&call);
  agen_test_collect_free (collect);
}

/* A NULL array of values, or an unset value: the critical, no generator. */
static void
test_values_misuse (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  GValue unset = G_VALUE_INIT;

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_null (agen_generator_new_values (NULL, 2));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*assertion*G_IS_VALUE*failed*");
  g_assert_null (agen_generator_new_values (&unset, 1));
  g_test_assert_expected_messages ();
}

/* ---------------------------------------------------------------- interval */

static guint64
next_tick (AgenGenerator *interval)
{
  GValue item = G_VALUE_INIT;
  guint64 tick;

  next_item (interval, &item);
  g_assert_true (G_VALUE_HOLDS_UINT64 (&item));
  tick = g_value_get_uint64 (&item);
  g_value_unset (&item);
  return tick;
}

/* Three ticks, in order, each waited for. */
static void
test_interval_ticks (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenGenerator) interval = agen_generator_new_interval (20);
  guint64 first, second, third;

  g_assert_cmpstr (agen_generator_get_name (interval), ==, "interval 20 ms");
  first = next_tick (interval);
  second = next_tick (interval);
  third = next_tick (interval);
  g_assert_cmpuint (first, <, second);
  g_assert_cmpuint (second, <, third);
}

/* A consumer that is late gets a tick at once, whose number shows the
 * ticks it missed. */
static void
test_interval_skips (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenGenerator) interval = agen_generator_new_interval (10);
  guint64 first, late;

  first = next_tick (interval);
  agen_test_iterate_ms (100);     /* ten periods at least */
  late = next_tick (interval);
  g_assert_cmpuint (late, >=, first + 9);
}

/* Cancelling a next that waits for a tick: CANCELLED, finished, and the
 * timeout is gone. */
static void
test_interval_cancel (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  g_autoptr(AgenGenerator) interval = agen_generator_new_interval (60 * 1000);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (interval, cancellable, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_assert_cmpint (context_next_timeout (fixture->context), >, 0);

  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (agen_generator_get_state (interval), ==, AGEN_GENERATOR_STATE_FINISHED);
  agen_test_call_clear (&call);

  assert_no_timeout_left (fixture->context);
  agen_test_assert_next_end (interval);
}

/* Closed at a yield, or dropped while it waits unstarted: no timeout is
 * left behind. */
static void
test_interval_close (AgenTestFixture *fixture,
                     gconstpointer    data)
{
  g_autoptr(AgenGenerator) interval = agen_generator_new_interval (5);
  AgenGenerator *unstarted = agen_generator_new_interval (5);
  GError *error = NULL;

  next_tick (interval);
  g_assert_true (agen_test_close (interval, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (unstarted);
  assert_no_timeout_left (fixture->context);
  agen_test_iterate_ms (20);
  agen_test_assert_next_end (interval);
}

/* An interval of 0 ms: the critical, and no generator. */
static void
test_interval_misuse (AgenTestFixture *fixture,
                      gconstpointer    data)
{
  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*assertion*interval_ms > 0*failed*");
  g_assert_null (agen_generator_new_interval (0));
  g_test_assert_expected_messages ();
}

/* ------------------------------------------------------------------ signal */

/* An object with the signals the tests emit:
 * - "data" (int, string, object), detailed;
 * - "ping", without parameters;
 * - "ask", which returns a boolean. */
#define TEST_TYPE_EMITTER (test_emitter_get_type ())
G_DECLARE_FINAL_TYPE (TestEmitter, test_emitter, TEST, EMITTER, GObject)

struct _TestEmitter
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestEmitter, test_emitter, G_TYPE_OBJECT)

static guint data_signal;
static guint ping_signal;
static guint ask_signal;

static void
test_emitter_class_init (TestEmitterClass *klass)
{
  data_signal = g_signal_new ("data", G_TYPE_FROM_CLASS (klass),
                              G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL,
                              G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_STRING, G_TYPE_OBJECT);
  ping_signal = g_signal_new ("ping", G_TYPE_FROM_CLASS (klass),
                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                              G_TYPE_NONE, 0);
  ask_signal = g_signal_new ("ask", G_TYPE_FROM_CLASS (klass),
                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                             G_TYPE_BOOLEAN, 1, G_TYPE_UINT);
}

static void
test_emitter_init (TestEmitter *self)
{
}

static void
emit_data (TestEmitter *emitter,
           gint         number)
{
  g_autofree char *text = g_strdup_printf ("n%d", number);

  g_signal_emit (emitter, data_signal, 0, number, text, NULL);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* The number of the next "data" emission; the other parameters are
 * checked. */
static gint
next_data (AgenGenerator *emissions)
{
  GValue item = G_VALUE_INIT;
  GValueArray *args;
  g_autofree char *text = NULL;
  gint number;

  next_item (emissions, &item);
  g_assert_true (G_VALUE_HOLDS (&item, g_value_array_get_type ()));
  args = g_value_get_boxed (&item);
  g_assert_cmpuint (args->n_values, ==, 3);
  number = g_value_get_int (g_value_array_get_nth (args, 0));
  text = g_strdup_printf ("n%d", number);
  g_assert_cmpstr (g_value_get_string (g_value_array_get_nth (args, 1)), ==, text);
  g_assert_true (G_VALUE_HOLDS_OBJECT (g_value_array_get_nth (args, 2)));
  g_value_unset (&item);
  return number;
}

G_GNUC_END_IGNORE_DEPRECATIONS

static gboolean
has_handler (TestEmitter *emitter,
             guint        signal_id)
{
  return g_signal_has_handler_pending (emitter, signal_id, 0, TRUE);
}

/* Emissions before the first next are buffered; a next with an empty
 * buffer waits for the next emission, and is not called back inside it. */
static void
test_signal_buffered_and_waiting (AgenTestFixture *fixture,
                                  gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "data", 10, AGEN_OVERFLOW_RAISE);
  AgenTestCall call = { 0 };

  g_assert_cmpstr (agen_generator_get_name (emissions), ==, "signal data");
  emit_data (emitter, 1);
  emit_data (emitter, 2);
  g_assert_cmpint (next_data (emissions), ==, 1);
  g_assert_cmpint (next_data (emissions), ==, 2);

  agen_test_start_next (emissions, NULL, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  emit_data (emitter, 3);
  g_assert_false (call.done);
  agen_test_call_wait (&call);
  g_assert_true (call.ret);
  agen_test_call_clear (&call);
}

/* A detailed signal sees only its detail. */
static void
test_signal_detail (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "data::wanted", 10, AGEN_OVERFLOW_RAISE);

  g_signal_emit (emitter, data_signal, g_quark_from_static_string ("other"), 1, "n1", NULL);
  g_signal_emit (emitter, data_signal, g_quark_from_static_string ("wanted"), 2, "n2", NULL);
  g_assert_cmpint (next_data (emissions), ==, 2);
}

/* A full buffer with DROP_OLDEST drops the oldest emission. */
static void
test_signal_drop_oldest (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "data", 2, AGEN_OVERFLOW_DROP_OLDEST);

  emit_data (emitter, 1);
  emit_data (emitter, 2);
  emit_data (emitter, 3);
  g_assert_cmpint (next_data (emissions), ==, 2);
  g_assert_cmpint (next_data (emissions), ==, 3);
  emit_data (emitter, 4);
  g_assert_cmpint (next_data (emissions), ==, 4);
}

/* A full buffer with DROP_NEWEST drops the newest emission. */
static void
test_signal_drop_newest (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "data", 2, AGEN_OVERFLOW_DROP_NEWEST);

  emit_data (emitter, 1);
  emit_data (emitter, 2);
  emit_data (emitter, 3);
  g_assert_cmpint (next_data (emissions), ==, 1);
  g_assert_cmpint (next_data (emissions), ==, 2);
  emit_data (emitter, 4);
  g_assert_cmpint (next_data (emissions), ==, 4);
}

/* An overflow fails the next operation at once, with a message that names
 * the signal and the bound, and disconnects. */
static void
test_signal_raise (AgenTestFixture *fixture,
                   gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "data", 2, AGEN_OVERFLOW_RAISE);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;

  emit_data (emitter, 1);
  emit_data (emitter, 2);
  g_assert_cmpint (next_data (emissions), ==, 1);
  emit_data (emitter, 3);
  emit_data (emitter, 4);
  g_assert_false (agen_test_next (emissions, NULL, &item, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "“data”"));
  g_assert_nonnull (strstr (error->message, " 2 "));
  g_clear_error (&error);
  g_value_unset (&item);
  g_assert_cmpint (agen_generator_get_state (emissions), ==, AGEN_GENERATOR_STATE_FINISHED);
  g_assert_false (has_handler (emitter, data_signal));
  agen_test_assert_next_end (emissions);
}

/* An overflow does not fail a close. */
static void
test_signal_raise_then_close (AgenTestFixture *fixture,
                              gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "data", 2, AGEN_OVERFLOW_RAISE);
  GError *error = NULL;

  emit_data (emitter, 1);
  g_assert_cmpint (next_data (emissions), ==, 1);
  emit_data (emitter, 2);
  emit_data (emitter, 3);
  emit_data (emitter, 4);
  g_assert_true (agen_test_close (emissions, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (has_handler (emitter, data_signal));
}

/* The instance is finalised: what is buffered is yielded, then the end;
 * a next that waits ends too. The generator holds no reference. */
static void
test_signal_instance_finalized (AgenTestFixture *fixture,
                                gconstpointer    data)
{
  TestEmitter *emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestEmitter *other = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "data", 10, AGEN_OVERFLOW_RAISE);
  g_autoptr(AgenGenerator) waiting = agen_generator_new_signal (other, "ping", 10, AGEN_OVERFLOW_RAISE);
  AgenTestCall call = { 0 };
  gboolean finalized;

  emit_data (emitter, 1);
  emit_data (emitter, 2);
  agen_test_watch_finalize (emitter, &finalized);
  g_object_unref (emitter);
  g_assert_true (finalized);
  g_assert_cmpint (next_data (emissions), ==, 1);
  g_assert_cmpint (next_data (emissions), ==, 2);
  agen_test_assert_next_end (emissions);

  agen_test_start_next (waiting, NULL, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_object_unref (other);
  agen_test_call_wait (&call);
  g_assert_false (call.ret);
  g_assert_no_error (call.error);
  agen_test_call_clear (&call);
}

/* Close, a finish and a finalisation disconnect; an emission after that
 * reaches nothing. */
static void
test_signal_disconnect (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  AgenGenerator *emissions = agen_generator_new_signal (emitter, "data", 10, AGEN_OVERFLOW_RAISE);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean finalized;

  g_assert_true (has_handler (emitter, data_signal));
  emit_data (emitter, 1);
  g_assert_cmpint (next_data (emissions), ==, 1);
  g_assert_true (agen_test_close (emissions, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (has_handler (emitter, data_signal));
  emit_data (emitter, 2);
  agen_test_assert_next_end (emissions);
  g_object_unref (emissions);

  /* Never started. */
  emissions = agen_generator_new_signal (emitter, "ping", 10, AGEN_OVERFLOW_RAISE);
  g_assert_true (has_handler (emitter, ping_signal));
  g_object_unref (emissions);
  g_assert_false (has_handler (emitter, ping_signal));
  g_signal_emit (emitter, ping_signal, 0);

  /* Dropped at a yield: closed on its last unref. */
  emissions = agen_generator_new_signal (emitter, "ping", 10, AGEN_OVERFLOW_RAISE);
  g_signal_emit (emitter, ping_signal, 0);
  g_signal_emit (emitter, ping_signal, 0);
  next_item (emissions, &item);
  g_value_unset (&item);
  agen_test_watch_finalize (emissions, &finalized);
  g_object_unref (emissions);
  agen_test_wait_for (&finalized);
  g_assert_false (has_handler (emitter, ping_signal));
  g_signal_emit (emitter, ping_signal, 0);
}

/* Cancelling a next that waits for an emission: CANCELLED, and
 * disconnected. */
static void
test_signal_cancel_wait (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "ping", 10, AGEN_OVERFLOW_RAISE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AgenTestCall call = { 0 };

  agen_test_start_next (emissions, cancellable, &call);
  agen_test_drain ();
  g_assert_false (call.done);
  g_cancellable_cancel (cancellable);
  agen_test_call_wait (&call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  agen_test_call_clear (&call);
  g_assert_false (has_handler (emitter, ping_signal));
  g_signal_emit (emitter, ping_signal, 0);
  agen_test_drain ();
  agen_test_assert_next_end (emissions);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* The next item, an array of @n_values. */
static GValueArray *
next_args (AgenGenerator *emissions,
           guint          n_values,
           GValue        *item)
{
  GValueArray *args;

  next_item (emissions, item);
  g_assert_true (G_VALUE_HOLDS (item, g_value_array_get_type ()));
  args = g_value_get_boxed (item);
  g_assert_nonnull (args);
  g_assert_cmpuint (args->n_values, ==, n_values);
  return args;
}

/* Several parameters: a GListStore's items-changed. No parameters: an
 * empty array. A return value: the zero value, so the emission is not
 * handled. */
static void
test_signal_parameters (AgenTestFixture *fixture,
                        gconstpointer    data)
{
  g_autoptr(GListStore) store = store_new ("a b c");
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) changes = agen_generator_new_signal (store, "items-changed", 10, AGEN_OVERFLOW_RAISE);
  g_autoptr(AgenGenerator) pings = agen_generator_new_signal (emitter, "ping", 10, AGEN_OVERFLOW_RAISE);
  g_autoptr(AgenGenerator) asks = agen_generator_new_signal (emitter, "ask", 10, AGEN_OVERFLOW_RAISE);
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(AgenGenerator) data_emissions = agen_generator_new_signal (emitter, "data", 10, AGEN_OVERFLOW_RAISE);
  GValue item = G_VALUE_INIT;
  GValueArray *args;
  gboolean handled = TRUE;

  g_list_store_remove (store, 1);
  args = next_args (changes, 3, &item);
  g_assert_cmpuint (g_value_get_uint (g_value_array_get_nth (args, 0)), ==, 1);
  g_assert_cmpuint (g_value_get_uint (g_value_array_get_nth (args, 1)), ==, 1);
  g_assert_cmpuint (g_value_get_uint (g_value_array_get_nth (args, 2)), ==, 0);
  g_value_unset (&item);

  g_signal_emit (emitter, ping_signal, 0);
  next_args (pings, 0, &item);
  g_value_unset (&item);

  g_signal_emit (emitter, ask_signal, 0, 42u, &handled);
  g_assert_false (handled);
  args = next_args (asks, 1, &item);
  g_assert_cmpuint (g_value_get_uint (g_value_array_get_nth (args, 0)), ==, 42);
  g_value_unset (&item);

  /* Parameters are copies that outlive the emission. */
  {
    char text[] = "transient";

    g_signal_emit (emitter, data_signal, 0, 7, text, object);
    text[0] = 'X';
  }
  args = next_args (data_emissions, 3, &item);
  g_assert_cmpint (g_value_get_int (g_value_array_get_nth (args, 0)), ==, 7);
  g_assert_cmpstr (g_value_get_string (g_value_array_get_nth (args, 1)), ==, "transient");
  g_assert_true (g_value_get_object (g_value_array_get_nth (args, 2)) == object);
  g_value_unset (&item);
}

G_GNUC_END_IGNORE_DEPRECATIONS

typedef struct
{
  TestEmitter *emitter;
  guint n;
} Emitting;

static gpointer
emit_from_thread (gpointer data)
{
  Emitting *emitting = data;

  for (guint i = 0; i < emitting->n; i++)
    emit_data (emitting->emitter, (gint) i);
  return NULL;
}

/* Emissions from another thread arrive in order, in the generator's
 * context. */
static void
test_signal_other_thread (AgenTestFixture *fixture,
                          gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);
  g_autoptr(AgenGenerator) emissions = agen_generator_new_signal (emitter, "data", 1000, AGEN_OVERFLOW_RAISE);
  Emitting emitting = { emitter, 200 };
  GThread *thread;

  thread = g_thread_new ("emitter", emit_from_thread, &emitting);
  for (guint i = 0; i < emitting.n; i++)
    g_assert_cmpint (next_data (emissions), ==, (gint) i);
  g_thread_join (thread);
}

/* An unknown signal, or no room to buffer: the critical, no generator,
 * no handler left. */
static void
test_signal_misuse (AgenTestFixture *fixture,
                    gconstpointer    data)
{
  g_autoptr(TestEmitter) emitter = g_object_new (TEST_TYPE_EMITTER, NULL);

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*TestEmitter has no signal “nope”*");
  g_assert_null (agen_generator_new_signal (emitter, "nope", 10, AGEN_OVERFLOW_RAISE));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Agen", G_LOG_LEVEL_CRITICAL, "*assertion*max_buffered > 0*failed*");
  g_assert_null (agen_generator_new_signal (emitter, "ping", 0, AGEN_OVERFLOW_RAISE));
  g_test_assert_expected_messages ();

  g_assert_false (has_handler (emitter, ping_signal));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/sources/lines/line-ends", test_lines_line_ends);
  agen_test_add ("/sources/lines/empty", test_lines_empty);
  agen_test_add ("/sources/lines/data-input-stream", test_lines_data_input_stream);
  agen_test_add ("/sources/lines/close-early", test_lines_close_early);
  agen_test_add ("/sources/lines/unstarted", test_lines_unstarted);
  agen_test_add ("/sources/lines/drop-mid-stream", test_lines_drop_mid_stream);
  agen_test_add ("/sources/lines/throw", test_lines_throw);
  agen_test_add ("/sources/lines/invalid-utf8", test_lines_invalid_utf8);
  agen_test_add ("/sources/lines/cancel-mid-read", test_lines_cancel_mid_read);
  agen_test_add ("/sources/lines/read-error", test_lines_read_error);
  agen_test_add ("/sources/lines/buffered", test_lines_buffered);
  agen_test_add ("/sources/lines/buffer-boundaries", test_lines_buffer_boundaries);
  agen_test_add ("/sources/lines/buffered-pieces", test_lines_buffered_pieces);

  agen_test_add ("/sources/file-infos/all", test_file_infos_all);
  agen_test_add ("/sources/file-infos/attributes", test_file_infos_attributes);
  agen_test_add ("/sources/file-infos/errors", test_file_infos_errors);
  agen_test_add ("/sources/file-infos/close-early", test_file_infos_close_early);
  agen_test_add ("/sources/file-infos/cancel", test_file_infos_cancel);

  agen_test_add ("/sources/list-items/plain", test_list_items_plain);
  agen_test_add ("/sources/list-items/empty", test_list_items_empty);
  agen_test_add ("/sources/list-items/insert-before", test_list_items_insert_before);
  agen_test_add ("/sources/list-items/insert-at-cursor", test_list_items_insert_at_cursor);
  agen_test_add ("/sources/list-items/remove-before", test_list_items_remove_before);
  agen_test_add ("/sources/list-items/remove-around", test_list_items_remove_around);
  agen_test_add ("/sources/list-items/remove-after", test_list_items_remove_after);
  agen_test_add ("/sources/list-items/append", test_list_items_append);
  agen_test_add ("/sources/list-items/disconnect", test_list_items_disconnect);

  agen_test_add ("/sources/values/ints", test_values_ints);
  agen_test_add ("/sources/values/strings-objects", test_values_strings_objects);
  agen_test_add ("/sources/values/none", test_values_none);
  agen_test_add ("/sources/values/release", test_values_release);
  agen_test_add ("/sources/values/foreach", test_values_foreach);
  agen_test_add ("/sources/values/misuse", test_values_misuse);

  agen_test_add ("/sources/interval/ticks", test_interval_ticks);
  agen_test_add ("/sources/interval/skips", test_interval_skips);
  agen_test_add ("/sources/interval/cancel", test_interval_cancel);
  agen_test_add ("/sources/interval/close", test_interval_close);
  agen_test_add ("/sources/interval/misuse", test_interval_misuse);

  agen_test_add ("/sources/signal/buffered-and-waiting", test_signal_buffered_and_waiting);
  agen_test_add ("/sources/signal/detail", test_signal_detail);
  agen_test_add ("/sources/signal/drop-oldest", test_signal_drop_oldest);
  agen_test_add ("/sources/signal/drop-newest", test_signal_drop_newest);
  agen_test_add ("/sources/signal/raise", test_signal_raise);
  agen_test_add ("/sources/signal/raise-then-close", test_signal_raise_then_close);
  agen_test_add ("/sources/signal/instance-finalized", test_signal_instance_finalized);
  agen_test_add ("/sources/signal/disconnect", test_signal_disconnect);
  agen_test_add ("/sources/signal/cancel-wait", test_signal_cancel_wait);
  agen_test_add ("/sources/signal/parameters", test_signal_parameters);
  agen_test_add ("/sources/signal/other-thread", test_signal_other_thread);
  agen_test_add ("/sources/signal/misuse", test_signal_misuse);

  return g_test_run ();
}
