/* agen-sources-gio.c: the sources that read with GIO: lines and file infos
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"
#include "agen-macros.h"
#include "agen-sources.h"

#include <string.h>

/**
 * SECTION:agen-sources
 * @title: Sources
 * @short_description: generators over streams, directories, list models,
 *   timers and signals
 *
 * Ready-made generators over the usual sources of a GLib program: the lines
 * of a #GInputStream, the children of a directory, the items of a
 * #GListModel, a fixed list of values, the ticks of a timer and the
 * emissions of a signal. Each is an ordinary #AgenGenerator: consume it with
 * agen_generator_next_async() or agen_generator_foreach_async(), compose it
 * with the combinators, and close it (or drop it) to release what it holds.
 *
 * The sources that await GIO pass the cancellable of the consumer's
 * operation on, so cancelling a next cancels the read it waits for; they
 * close their stream or enumerator asynchronously when they finish, however
 * they finish (at the end, on an error, on a close or a cancellation), and
 * an error of GIO reaches the consumer with its domain and code. Each
 * generator has a name (agen_generator_get_name()) that messages about it
 * use.
 *
 * |[<!-- language="C" -->
 * static gboolean
 * print_line (AgenGenerator *lines, const GValue *line, gpointer user_data)
 * {
 *   g_print ("%s\n", g_value_get_string (line));
 *   return TRUE;               // FALSE would stop, and close the stream
 * }
 *
 * g_autoptr(AgenGenerator) lines =
 *   agen_generator_new_lines (G_INPUT_STREAM (stream), G_PRIORITY_DEFAULT);
 * agen_generator_foreach_async (lines, print_line, NULL, NULL,
 *                               cancellable, on_printed, NULL);
 * ]|
 */

/* ---------------------------------------------------------------------- *
 * One body for the sources that read a GIO object until it ends
 * ---------------------------------------------------------------------- */

/* An awaited GIO call on an object that refuses to close while a call is
 * pending on it (a stream, an enumerator). A cancellation ends the body's
 * await at once and drops the call's late completion, but the object stays
 * busy until GIO calls back; so the cleanup first awaits that callback
 * (agen_busy_call_drain()), then closes the object. */
typedef struct
{
  gpointer await_token;    /* the body's await of the call; NULL once GIO called back */
  gpointer drain_token;    /* the cleanup's await of the same callback */
} AgenBusyCall;

/* Ends the body call in an await of the call: returns the user data for
 * it, whose callback must be agen_busy_call_ready(). */
static gpointer
agen_busy_call_begin (AgenBusyCall  *call,
                      AgenGenerator *self)
{
  call->await_token = agen_generator_await (self);
  return call;
}

static void
agen_busy_call_ready (GObject      *source_object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  AgenBusyCall *call = user_data;
  gpointer await_token = g_steal_pointer (&call->await_token);
  gpointer drain_token = g_steal_pointer (&call->drain_token);

  /* After a cancellation the await's token is stale and only freed. Either
   * token may resume the body, which may then free @call: it is not
   * touched after this point. */
  agen_generator_ready (source_object, result, await_token);
  if (drain_token != NULL)
    agen_generator_ready (source_object, result, drain_token);
}

static gboolean
agen_busy_call_in_flight (AgenBusyCall *call)
{
  return call->await_token != NULL;
}

/* Ends the body call in an await of the callback of a call in flight. */
static void
agen_busy_call_drain (AgenBusyCall  *call,
                      AgenGenerator *self)
{
  call->drain_token = agen_generator_await (self);
}

/* What a body raises after its cleanup (Python's `finally`) given what it
 * was raising (@error, nullable) and what the cleanup failed with
 * (@cleanup_error, nullable). As in Python, a failed cleanup is raised
 * when the body was returning or being closed (a close request is not a
 * failure); but a failure the body was raising keeps its domain and code,
 * with the cleanup's message appended rather than lost. */
static GError *
agen_source_pick_error (GError *error,
                        GError *cleanup_error)
{
  GError *combined;

  if (cleanup_error == NULL)
    return error;

  if (error == NULL || g_error_matches (error, AGEN_ERROR, AGEN_ERROR_EXIT))
    {
      g_clear_error (&error);
      return cleanup_error;
    }

  combined = g_error_new (error->domain, error->code, "%s (and the cleanup failed: %s)",
                          error->message, cleanup_error->message);
  g_error_free (error);
  g_error_free (cleanup_error);
  return combined;
}

typedef struct _AgenGioSource AgenGioSource;

/* What a GIO source does, the rest being the shared body: open its object
 * (optional), read a batch of items into a buffer, take the next item of
 * the buffer, close the object. A _finish that fails sets @error; a read
 * that returns %FALSE without an error is the end. take_item returns
 * %FALSE when the buffer holds no item, and may fail (setting @error) on
 * an item it could not take; the read is then not made. */
typedef struct
{
  void     (*open_async)   (AgenGioSource        *source,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (*open_finish)  (AgenGioSource        *source,
                            GAsyncResult         *result,
                            GError              **error);
  void     (*read_async)   (AgenGioSource        *source,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (*read_finish)  (AgenGioSource        *source,
                            GAsyncResult         *result,
                            GError              **error);
  gboolean (*take_item)    (AgenGioSource        *source,
                            GError              **error);
  void     (*close_async)  (AgenGioSource        *source,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (*close_finish) (AgenGioSource        *source,
                            GAsyncResult         *result,
                            GError              **error);
  void     (*clear)        (AgenGioSource        *source);
} AgenGioSourceClass;

struct _AgenGioSource
{
  const AgenGioSourceClass *klass;
  int io_priority;
  AgenBusyCall read;
  GValue item;             /* the item being yielded */
  GError *error;           /* what the body raises once the object is closed */
};

static void
agen_gio_source_free (gpointer data)
{
  AgenGioSource *source = data;

  source->klass->clear (source);
  g_value_unset (&source->item);
  g_clear_error (&source->error);
  g_free (source);
}

/* Opens the object (if it must be), then reads and yields until the end,
 * an error, a close or a cancellation; however the loop ends, the object
 * is closed, and then the body raises what ended the loop, if anything. */
static void
agen_gio_source_body (AgenGenerator *self,
                      gpointer       user_data)
{
  AgenGioSource *source = user_data;
  const AgenGioSourceClass *klass = source->klass;
  g_autoptr(GError) error = NULL;

  AGEN_BEGIN (self);

  if (klass->open_async != NULL)
    {
      AGEN_AWAIT (self, klass->open_async (source, agen_generator_get_cancellable (self),
                                           agen_generator_ready, agen_generator_await (self)));
      if (!klass->open_finish (source, agen_generator_get_result (self), &error))
        {
          agen_generator_raise (self, g_steal_pointer (&error));
          return;
        }
    }

  for (;;)
    {
      if (!klass->take_item (source, &source->error))
        {
          if (source->error != NULL)
            break;         /* an item in the buffer that could not be taken */
          AGEN_AWAIT_CATCH (self, klass->read_async (source, agen_generator_get_cancellable (self),
                                                     agen_busy_call_ready,
                                                     agen_busy_call_begin (&source->read, self)),
                            &source->error);
          if (source->error != NULL ||
              !klass->read_finish (source, agen_generator_get_result (self), &source->error) ||
              !klass->take_item (source, &source->error))
            break;         /* the end, or a read error */
        }

      AGEN_YIELD_CATCH (self, &source->item, &source->error);
      if (source->error != NULL)
        break;
    }

  while (agen_busy_call_in_flight (&source->read))
    {
      AGEN_AWAIT_CATCH (self, agen_busy_call_drain (&source->read, self), &error);
      source->error = agen_source_pick_error (g_steal_pointer (&source->error), g_steal_pointer (&error));
    }
  AGEN_AWAIT_CATCH (self, klass->close_async (source, agen_generator_get_cancellable (self),
                                              agen_generator_ready, agen_generator_await (self)),
                    &error);
  if (error == NULL)
    klass->close_finish (source, agen_generator_get_result (self), &error);

  error = agen_source_pick_error (g_steal_pointer (&source->error), g_steal_pointer (&error));
  if (error != NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&error));
      return;
    }

  AGEN_END (self);
}

static AgenGenerator *
agen_gio_source_new (AgenGioSource            *source,
                     const AgenGioSourceClass *klass,
                     int                       io_priority,
                     GType                     item_type,
                     const char               *name)
{
  AgenGenerator *generator;

  source->klass = klass;
  source->io_priority = io_priority;
  g_value_init (&source->item, item_type);
  generator = agen_generator_new (agen_gio_source_body, source, agen_gio_source_free);
  agen_generator_set_name (generator, name);
  return generator;
}

/* ---------------------------------------------------------------------- *
 * Lines
 * ---------------------------------------------------------------------- */

typedef struct
{
  AgenGioSource source;
  GDataInputStream *input;
  char *line;              /* read and not yet yielded */
} AgenLines;

static void
agen_lines_read_async (AgenGioSource       *source,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  AgenLines *lines = (AgenLines *) source;

  g_data_input_stream_read_line_async (lines->input, source->io_priority, cancellable, callback, user_data);
}

static gboolean
agen_lines_read_finish (AgenGioSource  *source,
                        GAsyncResult   *result,
                        GError        **error)
{
  AgenLines *lines = (AgenLines *) source;

  lines->line = g_data_input_stream_read_line_finish_utf8 (lines->input, result, NULL, error);
  return lines->line != NULL;
}

/* The length of the first line the buffer of @input holds whole, and
 * that of its line end, as g_data_input_stream_read_line() would find
 * them without reading; or -1 when the buffer holds no whole line: no line
 * end, or a \r at its very end that a \n may follow (with
 * %G_DATA_STREAM_NEWLINE_TYPE_ANY and %G_DATA_STREAM_NEWLINE_TYPE_CR_LF). */
static gssize
agen_lines_find_buffered (GDataInputStream *input,
                          gsize            *end_length)
{
  gsize available;
  const char *buffer = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (input), &available);
  const char *end = buffer + available;
  const char *p;

  switch (g_data_input_stream_get_newline_type (input))
    {
    case G_DATA_STREAM_NEWLINE_TYPE_LF:
      p = memchr (buffer, '\n', available);
      *end_length = 1;
      return p != NULL ? p - buffer : -1;

    case G_DATA_STREAM_NEWLINE_TYPE_CR:
      p = memchr (buffer, '\r', available);
      *end_length = 1;
      return p != NULL ? p - buffer : -1;

    case G_DATA_STREAM_NEWLINE_TYPE_CR_LF:
      for (p = buffer; (p = memchr (p, '\r', end - p)) != NULL && p + 1 < end; p++)
        if (p[1] == '\n')
          {
            *end_length = 2;
            return p - buffer;
          }
      return -1;

    case G_DATA_STREAM_NEWLINE_TYPE_ANY:
    default:
      for (p = buffer; p < end; p++)
        {
          if (*p == '\n')
            {
              *end_length = 1;
              return p - buffer;
            }
          if (*p == '\r')
            {
              if (p + 1 == end)
                return -1;     /* \r\n or \r: the next read tells */
              *end_length = p[1] == '\n' ? 2 : 1;
              return p - buffer;
            }
        }
      return -1;
    }
}

/* Takes the line read by the last read_async, or else the first line the
 * stream's buffer holds whole, with no read and no main-loop round trip:
 * a read fills the buffer with many lines, and all but the first come
 * from here. The line is checked as g_data_input_stream_read_line_utf8()
 * checks it, and consumed even when it is not UTF-8, as GIO does. */
static gboolean
agen_lines_take_item (AgenGioSource  *source,
                      GError        **error)
{
  AgenLines *lines = (AgenLines *) source;
  gsize end_length;
  gssize length;
  char *line;

  if (lines->line != NULL)
    {
      g_value_take_string (&source->item, g_steal_pointer (&lines->line));
      return TRUE;
    }

  length = agen_lines_find_buffered (lines->input, &end_length);
  if (length < 0)
    return FALSE;

  line = g_malloc (length + 1);
  memcpy (line, g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (lines->input), NULL), length);
  line[length] = '\0';
  /* From the buffer: no read of the base stream, so it cannot block (it
   * fails as a read would on a stream closed under the generator). */
  if (g_input_stream_skip (G_INPUT_STREAM (lines->input), length + end_length, NULL, error) < 0)
    {
      g_free (line);
      return FALSE;
    }

  if (!g_utf8_validate (line, -1, NULL))
    {
      g_free (line);
      g_set_error_literal (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE,
                           g_dgettext ("glib20", "Invalid byte sequence in conversion input"));
      return FALSE;
    }
  g_value_take_string (&source->item, line);
  return TRUE;
}

static void
agen_lines_close_async (AgenGioSource       *source,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  AgenLines *lines = (AgenLines *) source;

  g_input_stream_close_async (G_INPUT_STREAM (lines->input), source->io_priority, cancellable, callback, user_data);
}

static gboolean
agen_lines_close_finish (AgenGioSource  *source,
                         GAsyncResult   *result,
                         GError        **error)
{
  AgenLines *lines = (AgenLines *) source;

  return g_input_stream_close_finish (G_INPUT_STREAM (lines->input), result, error);
}

static void
agen_lines_clear (AgenGioSource *source)
{
  AgenLines *lines = (AgenLines *) source;

  g_clear_object (&lines->input);
  g_free (lines->line);
}

static const AgenGioSourceClass agen_lines_class = {
  .read_async = agen_lines_read_async,
  .read_finish = agen_lines_read_finish,
  .take_item = agen_lines_take_item,
  .close_async = agen_lines_close_async,
  .close_finish = agen_lines_close_finish,
  .clear = agen_lines_clear,
};

/**
 * agen_generator_new_lines:
 * @stream: the #GInputStream to read
 * @io_priority: the I/O priority of the reads, such as %G_PRIORITY_DEFAULT
 *
 * A generator of the lines of @stream: each item is a string
 * (%G_TYPE_STRING) without its line end. Lines end with `\n`, `\r\n` or
 * `\r` (%G_DATA_STREAM_NEWLINE_TYPE_ANY); the last line needs no line end.
 * An empty stream gives no line.
 *
 * @stream is wrapped in a #GDataInputStream, unless it is one already,
 * which is then read as it is configured (its own newline type and buffer
 * size). A line its buffer holds whole is taken from the buffer at once,
 * without a read and without a main-loop iteration, so a read that fills
 * the buffer with many lines costs one round trip for all of them; when
 * the buffer holds no whole line, the line is read with
 * g_data_input_stream_read_line_async(). The lines are those
 * g_data_input_stream_read_line_utf8() would give. A line that is not
 * valid UTF-8 raises %G_CONVERT_ERROR_ILLEGAL_SEQUENCE; a read error is
 * raised as GIO reports it. Cancelling the consumer's operation cancels the
 * read it waits for.
 *
 * The generator holds a reference to @stream. Once its body has started,
 * it closes the stream asynchronously when it finishes, however it
 * finishes: at the end of the stream, on an error, on a cancellation, and
 * when it is closed or dropped before the end (the wrapper is closed with
 * its #GFilterInputStream:close-base-stream, so @stream is closed too). A
 * failure to close is raised, or appended to the message of the error the
 * generator is raising. A generator closed or dropped before its first
 * next never runs its body (as in Python) and only drops its references:
 * the wrapper it made is then closed synchronously by GIO as it is
 * finalised, which closes @stream too, while a #GDataInputStream given to
 * it is left as it is.
 *
 * Its name is "lines".
 *
 * Returns: (transfer full): a new #AgenGenerator of strings
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_lines (GInputStream *stream,
                          int           io_priority)
{
  AgenLines *lines;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  lines = g_new0 (AgenLines, 1);
  if (G_IS_DATA_INPUT_STREAM (stream))
    lines->input = g_object_ref (G_DATA_INPUT_STREAM (stream));
  else
    {
      lines->input = g_data_input_stream_new (stream);
      g_data_input_stream_set_newline_type (lines->input, G_DATA_STREAM_NEWLINE_TYPE_ANY);
    }

  return agen_gio_source_new (&lines->source, &agen_lines_class, io_priority, G_TYPE_STRING, "lines");
}

/* ---------------------------------------------------------------------- *
 * File infos
 * ---------------------------------------------------------------------- */

/* Infos asked of GIO per read: a round trip (a thread hop, for a local
 * directory) per child would dominate, and a larger batch would only read
 * further ahead of a consumer that may stop early. */
#define AGEN_FILE_INFOS_BATCH 64

/* What agen_generator_new_file_infos() asks for by default: what stat()
 * gives, without "standard::content-type" (and "standard::icon", which
 * needs it), which can cost a read of each file. */
#define AGEN_FILE_INFOS_DEFAULT_ATTRIBUTES                                            \
  G_FILE_ATTRIBUTE_STANDARD_NAME ","                                                  \
  G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","                                          \
  G_FILE_ATTRIBUTE_STANDARD_TYPE ","                                                  \
  G_FILE_ATTRIBUTE_STANDARD_SIZE ","                                                  \
  G_FILE_ATTRIBUTE_STANDARD_IS_HIDDEN ","                                             \
  G_FILE_ATTRIBUTE_STANDARD_IS_SYMLINK ","                                            \
  G_FILE_ATTRIBUTE_STANDARD_SYMLINK_TARGET ","                                        \
  G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE ","                                     \
  G_FILE_ATTRIBUTE_TIME_MODIFIED

typedef struct
{
  AgenGioSource source;
  GFile *directory;
  char *attributes;
  GFileQueryInfoFlags flags;
  GFileEnumerator *enumerator;
  GList *batch;            /* of GFileInfo, owned: read and not yet yielded */
} AgenFileInfos;

static void
agen_file_infos_open_async (AgenGioSource       *source,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  AgenFileInfos *infos = (AgenFileInfos *) source;

  g_file_enumerate_children_async (infos->directory, infos->attributes, infos->flags,
                                   source->io_priority, cancellable, callback, user_data);
}

static gboolean
agen_file_infos_open_finish (AgenGioSource  *source,
                             GAsyncResult   *result,
                             GError        **error)
{
  AgenFileInfos *infos = (AgenFileInfos *) source;

  infos->enumerator = g_file_enumerate_children_finish (infos->directory, result, error);
  return infos->enumerator != NULL;
}

static void
agen_file_infos_read_async (AgenGioSource       *source,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  AgenFileInfos *infos = (AgenFileInfos *) source;

  g_file_enumerator_next_files_async (infos->enumerator, AGEN_FILE_INFOS_BATCH, source->io_priority,
                                      cancellable, callback, user_data);
}

static gboolean
agen_file_infos_read_finish (AgenGioSource  *source,
                             GAsyncResult   *result,
                             GError        **error)
{
  AgenFileInfos *infos = (AgenFileInfos *) source;

  infos->batch = g_file_enumerator_next_files_finish (infos->enumerator, result, error);
  return infos->batch != NULL;
}

static gboolean
agen_file_infos_take_item (AgenGioSource  *source,
                           GError        **error)
{
  AgenFileInfos *infos = (AgenFileInfos *) source;

  if (infos->batch == NULL)
    return FALSE;
  g_value_take_object (&source->item, infos->batch->data);
  infos->batch = g_list_delete_link (infos->batch, infos->batch);
  return TRUE;
}

static void
agen_file_infos_close_async (AgenGioSource       *source,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  AgenFileInfos *infos = (AgenFileInfos *) source;

  g_file_enumerator_close_async (infos->enumerator, source->io_priority, cancellable, callback, user_data);
}

static gboolean
agen_file_infos_close_finish (AgenGioSource  *source,
                              GAsyncResult   *result,
                              GError        **error)
{
  AgenFileInfos *infos = (AgenFileInfos *) source;

  return g_file_enumerator_close_finish (infos->enumerator, result, error);
}

static void
agen_file_infos_clear (AgenGioSource *source)
{
  AgenFileInfos *infos = (AgenFileInfos *) source;

  g_clear_object (&infos->enumerator);
  g_clear_object (&infos->directory);
  g_free (infos->attributes);
  g_list_free_full (infos->batch, g_object_unref);
}

static const AgenGioSourceClass agen_file_infos_class = {
  .open_async = agen_file_infos_open_async,
  .open_finish = agen_file_infos_open_finish,
  .read_async = agen_file_infos_read_async,
  .read_finish = agen_file_infos_read_finish,
  .take_item = agen_file_infos_take_item,
  .close_async = agen_file_infos_close_async,
  .close_finish = agen_file_infos_close_finish,
  .clear = agen_file_infos_clear,
};

/**
 * agen_generator_new_file_infos:
 * @directory: the directory to list
 * @attributes: (nullable): the attributes to query, as for
 *   g_file_enumerate_children(), or %NULL for a default set
 * @flags: the #GFileQueryInfoFlags of the query
 * @io_priority: the I/O priority of the reads, such as %G_PRIORITY_DEFAULT
 *
 * A generator of the #GFileInfo of each child of @directory (items of type
 * `G_TYPE_FILE_INFO`), in the order GIO lists them. It opens the directory
 * with g_file_enumerate_children_async() at its first next and reads the
 * children 64 at a time with g_file_enumerator_next_files_async(), but
 * yields them one at a time.
 *
 * The default @attributes are those a stat() gives: the standard name,
 * display name, type, size, hidden and symlink flags, symlink target and
 * fast content type, and the modification time. "standard::content-type"
 * and "standard::icon" are left out because they can cost a read of each
 * file; ask for them (or "standard::*") when they are wanted.
 *
 * Errors are raised as GIO reports them: %G_IO_ERROR_NOT_FOUND,
 * %G_IO_ERROR_NOT_DIRECTORY, a permission error, a read error. Cancelling
 * the consumer's operation cancels the read it waits for.
 *
 * Once open, the enumerator is closed asynchronously when the generator
 * finishes, however it finishes: after the last child, on an error, on a
 * cancellation, and when it is closed or dropped before the end. A failure
 * to close is raised, or appended to the message of the error the
 * generator is raising.
 *
 * Its name is "file-infos" followed by the parse name of @directory.
 *
 * Returns: (transfer full): a new #AgenGenerator of #GFileInfo
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_file_infos (GFile               *directory,
                               const char          *attributes,
                               GFileQueryInfoFlags  flags,
                               int                  io_priority)
{
  AgenFileInfos *infos;
  g_autofree char *parse_name = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_FILE (directory), NULL);

  infos = g_new0 (AgenFileInfos, 1);
  infos->directory = g_object_ref (directory);
  infos->attributes = g_strdup (attributes != NULL ? attributes : AGEN_FILE_INFOS_DEFAULT_ATTRIBUTES);
  infos->flags = flags;
  parse_name = g_file_get_parse_name (directory);
  name = g_strconcat ("file-infos ", parse_name, NULL);

  return agen_gio_source_new (&infos->source, &agen_file_infos_class, io_priority, G_TYPE_FILE_INFO, name);
}
