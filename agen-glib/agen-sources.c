/* agen-sources.c: generators over GIO and GObject sources
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"
#include "agen-generator-private.h"
#include "agen-macros.h"
#include "agen-sources.h"

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
 * Shared by the sources that await GIO
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

/* ---------------------------------------------------------------------- *
 * Lines
 * ---------------------------------------------------------------------- */

typedef struct
{
  GDataInputStream *input;
  int io_priority;
  AgenBusyCall read;
  GValue line;             /* G_TYPE_STRING: the line being yielded */
  GError *error;           /* what the body raises once the stream is closed */
} AgenLines;

static void
agen_lines_free (gpointer data)
{
  AgenLines *lines = data;

  g_clear_object (&lines->input);
  g_value_unset (&lines->line);
  g_clear_error (&lines->error);
  g_free (lines);
}

static void
agen_lines_body (AgenGenerator *self,
                 gpointer       user_data)
{
  AgenLines *lines = user_data;
  g_autoptr(GError) error = NULL;
  char *line;

  AGEN_BEGIN (self);

  for (;;)
    {
      AGEN_AWAIT_CATCH (self, g_data_input_stream_read_line_async (lines->input, lines->io_priority,
                                                                   agen_generator_get_cancellable (self),
                                                                   agen_busy_call_ready,
                                                                   agen_busy_call_begin (&lines->read, self)),
                        &lines->error);
      if (lines->error != NULL)
        break;

      line = g_data_input_stream_read_line_finish_utf8 (lines->input, agen_generator_get_result (self),
                                                        NULL, &lines->error);
      if (line == NULL)
        break;             /* the end of the stream, or a read error */
      g_value_take_string (&lines->line, line);

      AGEN_YIELD_CATCH (self, &lines->line, &lines->error);
      if (lines->error != NULL)
        break;
    }

  /* Reached however the loop ended: the stream is closed, then the body
   * raises what ended the loop, if anything. */
  while (agen_busy_call_in_flight (&lines->read))
    {
      AGEN_AWAIT_CATCH (self, agen_busy_call_drain (&lines->read, self), &error);
      lines->error = agen_source_pick_error (g_steal_pointer (&lines->error), g_steal_pointer (&error));
    }
  AGEN_AWAIT_CATCH (self, g_input_stream_close_async (G_INPUT_STREAM (lines->input), lines->io_priority,
                                                      agen_generator_get_cancellable (self),
                                                      agen_generator_ready, agen_generator_await (self)),
                    &error);
  if (error == NULL)
    g_input_stream_close_finish (G_INPUT_STREAM (lines->input), agen_generator_get_result (self), &error);

  error = agen_source_pick_error (g_steal_pointer (&lines->error), g_steal_pointer (&error));
  if (error != NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&error));
      return;
    }

  AGEN_END (self);
}

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
 * The lines are read with g_data_input_stream_read_line_async(): @stream is
 * wrapped in a #GDataInputStream, unless it is one already, which is then
 * read as it is configured (its own newline type). A line that is not
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
  AgenGenerator *generator;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  lines = g_new0 (AgenLines, 1);
  if (G_IS_DATA_INPUT_STREAM (stream))
    lines->input = g_object_ref (G_DATA_INPUT_STREAM (stream));
  else
    {
      lines->input = g_data_input_stream_new (stream);
      g_data_input_stream_set_newline_type (lines->input, G_DATA_STREAM_NEWLINE_TYPE_ANY);
    }
  lines->io_priority = io_priority;
  g_value_init (&lines->line, G_TYPE_STRING);

  generator = agen_generator_new (agen_lines_body, lines, agen_lines_free);
  agen_generator_set_name (generator, "lines");
  return generator;
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
  GFile *directory;
  char *attributes;
  GFileQueryInfoFlags flags;
  int io_priority;
  GFileEnumerator *enumerator;
  AgenBusyCall next_files;
  GList *batch;            /* of GFileInfo, owned: read and not yet yielded */
  GValue info;             /* G_TYPE_FILE_INFO: the info being yielded */
  GError *error;           /* what the body raises once the enumerator is closed */
} AgenFileInfos;

static void
agen_file_infos_free (gpointer data)
{
  AgenFileInfos *infos = data;

  g_clear_object (&infos->enumerator);
  g_clear_object (&infos->directory);
  g_free (infos->attributes);
  g_list_free_full (infos->batch, g_object_unref);
  g_value_unset (&infos->info);
  g_clear_error (&infos->error);
  g_free (infos);
}

static GFileInfo *
agen_file_infos_pop (AgenFileInfos *infos)
{
  GFileInfo *info = infos->batch->data;

  infos->batch = g_list_delete_link (infos->batch, infos->batch);
  return info;
}

static void
agen_file_infos_body (AgenGenerator *self,
                      gpointer       user_data)
{
  AgenFileInfos *infos = user_data;
  g_autoptr(GError) error = NULL;

  AGEN_BEGIN (self);

  AGEN_AWAIT (self, g_file_enumerate_children_async (infos->directory, infos->attributes, infos->flags,
                                                     infos->io_priority, agen_generator_get_cancellable (self),
                                                     agen_generator_ready, agen_generator_await (self)));
  infos->enumerator = g_file_enumerate_children_finish (infos->directory, agen_generator_get_result (self),
                                                        &error);
  if (infos->enumerator == NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&error));
      return;
    }

  for (;;)
    {
      if (infos->batch == NULL)
        {
          AGEN_AWAIT_CATCH (self, g_file_enumerator_next_files_async (infos->enumerator, AGEN_FILE_INFOS_BATCH,
                                                                      infos->io_priority,
                                                                      agen_generator_get_cancellable (self),
                                                                      agen_busy_call_ready,
                                                                      agen_busy_call_begin (&infos->next_files, self)),
                            &infos->error);
          if (infos->error != NULL)
            break;

          infos->batch = g_file_enumerator_next_files_finish (infos->enumerator, agen_generator_get_result (self),
                                                              &infos->error);
          if (infos->batch == NULL)
            break;         /* the last child was read, or a read error */
        }
      g_value_take_object (&infos->info, agen_file_infos_pop (infos));

      AGEN_YIELD_CATCH (self, &infos->info, &infos->error);
      if (infos->error != NULL)
        break;
    }

  /* Reached however the loop ended: the enumerator is closed, then the
   * body raises what ended the loop, if anything. */
  while (agen_busy_call_in_flight (&infos->next_files))
    {
      AGEN_AWAIT_CATCH (self, agen_busy_call_drain (&infos->next_files, self), &error);
      infos->error = agen_source_pick_error (g_steal_pointer (&infos->error), g_steal_pointer (&error));
    }
  AGEN_AWAIT_CATCH (self, g_file_enumerator_close_async (infos->enumerator, infos->io_priority,
                                                         agen_generator_get_cancellable (self),
                                                         agen_generator_ready, agen_generator_await (self)),
                    &error);
  if (error == NULL)
    g_file_enumerator_close_finish (infos->enumerator, agen_generator_get_result (self), &error);

  error = agen_source_pick_error (g_steal_pointer (&infos->error), g_steal_pointer (&error));
  if (error != NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&error));
      return;
    }

  AGEN_END (self);
}

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
  AgenGenerator *generator;
  g_autofree char *parse_name = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_FILE (directory), NULL);

  infos = g_new0 (AgenFileInfos, 1);
  infos->directory = g_object_ref (directory);
  infos->attributes = g_strdup (attributes != NULL ? attributes : AGEN_FILE_INFOS_DEFAULT_ATTRIBUTES);
  infos->flags = flags;
  infos->io_priority = io_priority;
  g_value_init (&infos->info, G_TYPE_FILE_INFO);

  generator = agen_generator_new (agen_file_infos_body, infos, agen_file_infos_free);
  parse_name = g_file_get_parse_name (directory);
  name = g_strconcat ("file-infos ", parse_name, NULL);
  agen_generator_set_name (generator, name);
  return generator;
}

/* ---------------------------------------------------------------------- *
 * List items
 * ---------------------------------------------------------------------- */

typedef struct
{
  GListModel *model;
  gulong items_changed_id;
  guint cursor;            /* the position of the next item to yield */
} AgenListItems;

static void
agen_list_items_free (gpointer data)
{
  AgenListItems *items = data;

  g_signal_handler_disconnect (items->model, items->items_changed_id);
  g_object_unref (items->model);
  g_free (items);
}

/* Keeps the cursor on the first item not yet yielded. */
static void
agen_list_items_on_items_changed (GListModel *model,
                                  guint       position,
                                  guint       removed,
                                  guint       added,
                                  gpointer    user_data)
{
  AgenListItems *items = user_data;

  if (position >= items->cursor)
    return;                                            /* at or after the cursor: still to come */
  if (position + removed <= items->cursor)
    items->cursor = items->cursor - removed + added;   /* entirely before: shift */
  else
    items->cursor = position;                          /* removed around the cursor */
}

/* No resume point: after each yield it does the same thing. */
static void
agen_list_items_body (AgenGenerator *self,
                      gpointer       user_data)
{
  AgenListItems *items = user_data;
  g_autoptr(GObject) item = NULL;

  /* A close or a throw finishes the generator; reading an item for it
   * would be wasted (and would move the cursor). */
  if (agen_generator_peek_error (self) != NULL)
    return;

  if (items->cursor >= g_list_model_get_n_items (items->model))
    {
      agen_generator_return (self);
      return;
    }

  item = g_list_model_get_item (items->model, items->cursor++);
  agen_generator_yield_object (self, item);
}

/**
 * agen_generator_new_list_items:
 * @model: a #GListModel
 *
 * A generator of the items of @model (objects of the model's item type),
 * from the first. It follows #GListModel::items-changed while it iterates:
 * it keeps a cursor, the position of the next item to yield, and for a
 * change at `position` that removes `removed` items and adds `added`:
 *
 * - a change at or after the cursor leaves it: items inserted there are
 *   yielded, items removed there are not;
 * - a change entirely before the cursor (`position + removed <= cursor`)
 *   shifts it by `added - removed`: those items were yielded or replace
 *   yielded ones;
 * - a change that removes items around the cursor moves it to `position`:
 *   the items inserted there are yielded.
 *
 * So every item that is in the model for the whole iteration is yielded
 * exactly once, items appended during the iteration are yielded, and an
 * item is never yielded after its removal. (A model that reports a
 * reordering as a removal and an insertion makes the reordered items new
 * ones, which may then be yielded again.) The generator returns when a
 * next finds the cursor at the end of the model: it does not wait for
 * more items.
 *
 * For example, with the items `a b c d` and `a b` yielded (the cursor at
 * 2): inserting `x` at 0 moves the cursor to 3 and the next item is `c`;
 * removing `b c` instead (at 1) moves it to 1 and the next item is `d`;
 * appending `e` yields `e` after `d`.
 *
 * The generator holds a reference to @model and is connected to it from
 * its creation until it finishes or is finalised.
 *
 * Its name is "list-items" followed by the type name of @model.
 *
 * Returns: (transfer full): a new #AgenGenerator of the items of @model
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_list_items (GListModel *model)
{
  AgenListItems *items;
  AgenGenerator *generator;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  items = g_new0 (AgenListItems, 1);
  items->model = g_object_ref (model);
  items->items_changed_id = g_signal_connect (model, "items-changed",
                                              G_CALLBACK (agen_list_items_on_items_changed), items);

  generator = agen_generator_new (agen_list_items_body, items, agen_list_items_free);
  name = g_strconcat ("list-items ", G_OBJECT_TYPE_NAME (model), NULL);
  agen_generator_set_name (generator, name);
  return generator;
}

/* ---------------------------------------------------------------------- *
 * Values
 * ---------------------------------------------------------------------- */

typedef struct
{
  guint n_values;
  guint next;              /* the index of the next value to yield */
  GValue values[];
} AgenValues;

static void
agen_values_free (gpointer data)
{
  AgenValues *values = data;

  for (guint i = 0; i < values->n_values; i++)
    g_value_unset (&values->values[i]);
  g_free (values);
}

/* The fast source: it never awaits, and an item costs one g_value_copy()
 * into the generator's yield slot. An error thrown in (a close) finishes
 * the generator whatever this call does, so it does not look for one. */
static void
agen_values_body (AgenGenerator *self,
                  gpointer       user_data)
{
  AgenValues *values = user_data;

  if (values->next < values->n_values)
    agen_generator_yield (self, &values->values[values->next++]);
  else
    agen_generator_return (self);
}

/**
 * agen_generator_new_values:
 * @values: (array length=n_values) (nullable): the values to yield, copied;
 *   %NULL when @n_values is 0
 * @n_values: the number of @values
 *
 * A generator of copies of @values, in order, which then returns. With
 * @n_values 0 it returns at its first next. It never awaits, which makes it
 * the cheapest source (each item costs a g_value_copy()).
 *
 * Its name is "values".
 *
 * Returns: (transfer full): a new #AgenGenerator
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_values (const GValue *values,
                           guint         n_values)
{
  AgenValues *copy;
  AgenGenerator *generator;

  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  for (guint i = 0; i < n_values; i++)
    g_return_val_if_fail (G_IS_VALUE (&values[i]), NULL);

  copy = g_malloc0 (sizeof (AgenValues) + n_values * sizeof (GValue));
  copy->n_values = n_values;
  for (guint i = 0; i < n_values; i++)
    {
      g_value_init (&copy->values[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &copy->values[i]);
    }

  generator = agen_generator_new (agen_values_body, copy, agen_values_free);
  agen_generator_set_name (generator, "values");
  return generator;
}

/* ---------------------------------------------------------------------- *
 * Interval
 * ---------------------------------------------------------------------- */

typedef struct
{
  AgenGenerator *generator;  /* not a reference: it owns this */
  GMainContext *context;
  gint64 interval_us;
  gint64 start_us;           /* the time of the first next */
  guint64 next_tick;         /* the first tick neither yielded nor skipped */
  GSource *timeout;          /* while the body waits for a tick */
  guint await_id;
  GValue tick;               /* G_TYPE_UINT64 */
} AgenInterval;

static void
agen_interval_free (gpointer data)
{
  AgenInterval *interval = data;

  /* A cancelled wait leaves its timeout behind: nothing may call back
   * into a generator that is gone. */
  if (interval->timeout != NULL)
    {
      g_source_destroy (interval->timeout);
      g_source_unref (interval->timeout);
    }
  g_main_context_unref (interval->context);
  g_value_unset (&interval->tick);
  g_free (interval);
}

/* Puts the latest due tick in interval->tick, skipping the ones missed
 * while nobody asked; FALSE when no tick is due. */
static gboolean
agen_interval_take_due_tick (AgenInterval *interval)
{
  guint64 n_due = (guint64) ((g_get_monotonic_time () - interval->start_us) / interval->interval_us);

  if (n_due <= interval->next_tick)
    return FALSE;

  g_value_set_uint64 (&interval->tick, n_due - 1);
  interval->next_tick = n_due;
  return TRUE;
}

static gboolean
agen_interval_on_due (gpointer user_data)
{
  AgenInterval *interval = user_data;

  g_clear_pointer (&interval->timeout, g_source_unref);
  agen_generator_resume (interval->generator, interval->await_id, NULL);
  return G_SOURCE_REMOVE;
}

/* Ends the body call in an await of the next tick. */
static void
agen_interval_wait (AgenInterval  *interval,
                    AgenGenerator *self)
{
  gint64 due_us = interval->start_us + (gint64) (interval->next_tick + 1) * interval->interval_us;
  gint64 delay_us = MAX (due_us - g_get_monotonic_time (), 0);

  interval->await_id = agen_generator_suspend (self);
  /* Rounded up: a timeout never fires early, so the tick is due when it
   * fires (the body checks anyway). */
  interval->timeout = g_timeout_source_new ((guint) ((delay_us + 999) / 1000));
  g_source_set_static_name (interval->timeout, "[agen] interval");
  g_source_set_callback (interval->timeout, agen_interval_on_due, interval, NULL);
  g_source_attach (interval->timeout, interval->context);
}

static void
agen_interval_body (AgenGenerator *self,
                    gpointer       user_data)
{
  AgenInterval *interval = user_data;

  AGEN_BEGIN (self);

  interval->start_us = g_get_monotonic_time ();
  for (;;)
    {
      if (agen_interval_take_due_tick (interval))
        AGEN_YIELD (self, &interval->tick);
      else
        AGEN_AWAIT (self, agen_interval_wait (interval, self));
    }

  AGEN_END (self);
}

/**
 * agen_generator_new_interval:
 * @interval_ms: the period in milliseconds, more than 0
 *
 * A generator of timer ticks that never returns: each item is a tick
 * number (%G_TYPE_UINT64). Tick k is due @interval_ms × (k + 1) after the
 * first next, on a fixed schedule that does not drift with the consumer's
 * delays.
 *
 * Ticks are not buffered while nobody asks: a next waits for the next due
 * tick, or, when ticks came due since the last item, yields the latest of
 * them at once and skips the others. The number is the tick's own, the
 * count of periods elapsed minus one, so a consumer sees a gap where it
 * missed ticks: a consumer that keeps up gets 0, 1, 2, ...; one that paused
 * for three periods after 1 gets 4 next.
 *
 * A wait is a #GSource timeout attached to the thread-default
 * #GMainContext of the creation, the generator's own. Cancelling the
 * consumer's operation ends the wait with %G_IO_ERROR_CANCELLED, which
 * finishes the generator; the timeout is removed when the generator
 * finishes or is finalised.
 *
 * Its name is "interval" followed by the period.
 *
 * Returns: (transfer full): a new #AgenGenerator of tick numbers
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_interval (guint interval_ms)
{
  AgenInterval *interval;
  g_autofree char *name = NULL;

  g_return_val_if_fail (interval_ms > 0, NULL);

  interval = g_new0 (AgenInterval, 1);
  interval->context = g_main_context_ref_thread_default ();
  interval->interval_us = (gint64) interval_ms * G_TIME_SPAN_MILLISECOND;
  g_value_init (&interval->tick, G_TYPE_UINT64);

  interval->generator = agen_generator_new (agen_interval_body, interval, agen_interval_free);
  name = g_strdup_printf ("interval %u ms", interval_ms);
  agen_generator_set_name (interval->generator, name);
  return interval->generator;
}

/* ---------------------------------------------------------------------- *
 * Signal
 * ---------------------------------------------------------------------- */

/* Shared by the generator (its body data) and the signal handler's
 * closure, which may run in any thread and may outlive the generator for
 * the time of an emission in another thread: reference-counted, and
 * locked where both touch it. */
typedef struct
{
  GMutex lock;
  GWeakRef generator;
  GWeakRef instance;
  char *signal_name;         /* as given, for messages */
  guint max_buffered;
  AgenOverflowPolicy overflow;

  /* Under the lock. */
  gulong handler_id;         /* 0 once disconnected or destroyed with the instance */
  GQueue buffer;             /* of GValueArray: emissions not yet yielded */
  GError *overflow_error;    /* AGEN_OVERFLOW_RAISE: what the next operation raises */
  guint await_id;            /* while the body waits for an emission */
  gboolean wake_scheduled;
  gboolean instance_gone;
  gboolean closed;           /* the generator is finished */
} AgenSignal;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void
agen_signal_clear (gpointer data)
{
  AgenSignal *signal = data;

  g_mutex_clear (&signal->lock);
  g_weak_ref_clear (&signal->generator);
  g_weak_ref_clear (&signal->instance);
  g_free (signal->signal_name);
  g_queue_clear_full (&signal->buffer, (GDestroyNotify) g_value_array_free);
  g_clear_error (&signal->overflow_error);
}

G_GNUC_END_IGNORE_DEPRECATIONS

static AgenSignal *
agen_signal_ref (AgenSignal *signal)
{
  return g_atomic_rc_box_acquire (signal);
}

static void
agen_signal_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, agen_signal_clear);
}

static void
agen_signal_unref_closure_notify (gpointer  data,
                                  GClosure *closure)
{
  agen_signal_unref (data);
}

/* Under the lock: whether the caller should schedule a wake-up of the
 * body that waits for an emission (once per wait). */
static gboolean
agen_signal_claim_wake_locked (AgenSignal *signal)
{
  if (signal->await_id == 0 || signal->wake_scheduled)
    return FALSE;

  signal->wake_scheduled = TRUE;
  return TRUE;
}

static gboolean
agen_signal_resume (gpointer data)
{
  AgenSignal *signal = data;
  g_autoptr(AgenGenerator) generator = g_weak_ref_get (&signal->generator);
  guint await_id;

  g_mutex_lock (&signal->lock);
  await_id = signal->await_id;
  signal->await_id = 0;
  signal->wake_scheduled = FALSE;
  g_mutex_unlock (&signal->lock);

  if (generator != NULL && await_id != 0)
    agen_generator_resume (generator, await_id, NULL);
  return G_SOURCE_REMOVE;
}

/* The body is resumed from its own context, never inside the emission:
 * the consumer's callback would run in the emitter's stack, and in the
 * emitter's thread. */
static void
agen_signal_schedule_resume (AgenSignal *signal)
{
  g_autoptr(AgenGenerator) generator = g_weak_ref_get (&signal->generator);

  if (generator != NULL)
    _agen_generator_schedule (generator, "[agen] signal", agen_signal_resume,
                              agen_signal_ref (signal), agen_signal_unref);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* Under the lock: takes @args into the buffer, as the overflow policy
 * says, and sets @wake when the body should be woken. Returns the
 * emission it dropped (the oldest, or @args), for the caller to free once
 * it has unlocked: freeing parameters may run arbitrary code. */
static GValueArray *
agen_signal_push_locked (AgenSignal  *signal,
                         GValueArray *args,
                         gboolean    *wake)
{
  GValueArray *dropped = NULL;

  *wake = FALSE;
  if (signal->closed)
    return args;

  if (signal->buffer.length >= signal->max_buffered)
    {
      switch (signal->overflow)
        {
        case AGEN_OVERFLOW_DROP_OLDEST:
          dropped = g_queue_pop_head (&signal->buffer);
          break;
        case AGEN_OVERFLOW_RAISE:
          if (signal->overflow_error == NULL)
            signal->overflow_error = g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                                  "More than %u emissions of the signal “%s” "
                                                  "were waiting to be consumed",
                                                  signal->max_buffered, signal->signal_name);
          return args;
        case AGEN_OVERFLOW_DROP_NEWEST:
        default:
          return args;
        }
    }

  g_queue_push_tail (&signal->buffer, args);
  *wake = agen_signal_claim_wake_locked (signal);
  return dropped;
}

/* The handler, in the emitting thread: a copy of the parameters, the
 * instance left out. The return value, if any, is left at its zero. */
static void
agen_signal_marshal (GClosure     *closure,
                     GValue       *return_value,
                     guint         n_param_values,
                     const GValue *param_values,
                     gpointer      invocation_hint,
                     gpointer      marshal_data)
{
  AgenSignal *signal = closure->data;
  GValueArray *args = g_value_array_new (n_param_values - 1);
  GValueArray *dropped;
  gboolean wake;

  for (guint i = 1; i < n_param_values; i++)
    g_value_array_append (args, &param_values[i]);

  g_mutex_lock (&signal->lock);
  dropped = agen_signal_push_locked (signal, args, &wake);
  g_mutex_unlock (&signal->lock);

  g_clear_pointer (&dropped, g_value_array_free);
  if (wake)
    agen_signal_schedule_resume (signal);
}

G_GNUC_END_IGNORE_DEPRECATIONS

/* The handler is gone: disconnected by agen_signal_close(), or destroyed
 * with the instance (in the thread that disposes it). */
static void
agen_signal_on_invalidated (gpointer  data,
                            GClosure *closure)
{
  AgenSignal *signal = data;
  gboolean wake;

  g_mutex_lock (&signal->lock);
  signal->handler_id = 0;
  signal->instance_gone = TRUE;
  wake = agen_signal_claim_wake_locked (signal);
  g_mutex_unlock (&signal->lock);

  if (wake)
    agen_signal_schedule_resume (signal);
}

/* The generator's destroy notify: when it finishes or is finalised. */
static void
agen_signal_close (gpointer data)
{
  AgenSignal *signal = data;
  g_autoptr(GObject) instance = g_weak_ref_get (&signal->instance);
  gulong handler_id;

  g_mutex_lock (&signal->lock);
  signal->closed = TRUE;
  signal->await_id = 0;
  handler_id = signal->handler_id;
  signal->handler_id = 0;
  g_mutex_unlock (&signal->lock);

  /* An instance that is being finalised destroys the handler itself. */
  if (instance != NULL && handler_id != 0)
    g_signal_handler_disconnect (instance, handler_id);
  agen_signal_unref (signal);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* No resume point: after a yield and after a wait it does the same thing,
 * hand out the oldest emission or wait for one. */
static void
agen_signal_body (AgenGenerator *self,
                  gpointer       user_data)
{
  AgenSignal *signal = user_data;
  GValueArray *args = NULL;
  GError *error;
  gboolean ended;

  /* A close or a throw finishes the generator: leave the buffer alone. */
  if (agen_generator_peek_error (self) != NULL)
    return;

  g_mutex_lock (&signal->lock);
  error = g_steal_pointer (&signal->overflow_error);
  if (error == NULL)
    args = g_queue_pop_head (&signal->buffer);
  ended = signal->instance_gone;
  /* Under the lock, so that no emission slips in before the wait. */
  if (error == NULL && args == NULL && !ended)
    signal->await_id = agen_generator_suspend (self);
  g_mutex_unlock (&signal->lock);

  if (error != NULL)
    agen_generator_raise (self, error);
  else if (args != NULL)
    {
      GValue item = G_VALUE_INIT;

      /* G_TYPE_VALUE_ARRAY is a deprecated macro, which no pragma silences. */
      g_value_init (&item, g_value_array_get_type ());
      g_value_take_boxed (&item, args);
      agen_generator_yield (self, &item);
      g_value_unset (&item);
    }
  else if (ended)
    agen_generator_return (self);
}

G_GNUC_END_IGNORE_DEPRECATIONS

/**
 * agen_generator_new_signal:
 * @instance: (type GObject.Object): the object that emits the signal
 * @detailed_signal: the signal, as "name" or "name::detail"
 * @max_buffered: how many emissions may wait for the consumer, more than 0
 * @overflow: what to do with an emission when @max_buffered are waiting
 *
 * A generator of the emissions of a signal of @instance. Each item is a
 * #GValueArray (%G_TYPE_VALUE_ARRAY) of copies of the emission's
 * parameters, the instance left out: an empty array for a signal without
 * parameters.
 *
 * The handler is connected here, so no emission between the creation and
 * the first next is lost. Emissions wait in a buffer of @max_buffered
 * until a next takes the oldest; a next with an empty buffer waits for the
 * next emission. An emission that finds the buffer full is handled as
 * @overflow says. The handler may run in any thread; the body, and the
 * consumer's callbacks, always run in the generator's main context, never
 * inside the emission. For a signal with a return value the handler
 * returns the zero value of its type (%FALSE for a "handled" boolean, so
 * other handlers still run).
 *
 * The generator holds only a weak reference to @instance: once @instance
 * is disposed (its handlers destroyed), the generator yields what is
 * buffered and then returns. The handler is disconnected when the
 * generator finishes (also by a close, or by raising
 * %G_IO_ERROR_NO_SPACE) or is finalised.
 *
 * Its name is "signal" followed by @detailed_signal.
 *
 * Returns: (transfer full) (nullable): a new #AgenGenerator of
 *   #GValueArray, or %NULL when @instance has no such signal
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_signal (gpointer            instance,
                           const char         *detailed_signal,
                           guint               max_buffered,
                           AgenOverflowPolicy  overflow)
{
  AgenSignal *signal;
  AgenGenerator *generator;
  GClosure *closure;
  guint signal_id;
  GQuark detail;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_OBJECT (instance), NULL);
  g_return_val_if_fail (detailed_signal != NULL, NULL);
  g_return_val_if_fail (max_buffered > 0, NULL);
  g_return_val_if_fail (overflow == AGEN_OVERFLOW_DROP_OLDEST ||
                        overflow == AGEN_OVERFLOW_DROP_NEWEST ||
                        overflow == AGEN_OVERFLOW_RAISE, NULL);

  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (instance), &signal_id, &detail, TRUE))
    {
      g_critical ("%s: %s has no signal “%s”", G_STRFUNC, G_OBJECT_TYPE_NAME (instance), detailed_signal);
      return NULL;
    }

  signal = g_atomic_rc_box_new0 (AgenSignal);
  g_mutex_init (&signal->lock);
  g_weak_ref_init (&signal->instance, instance);
  signal->signal_name = g_strdup (detailed_signal);
  signal->max_buffered = max_buffered;
  signal->overflow = overflow;
  g_queue_init (&signal->buffer);

  generator = agen_generator_new (agen_signal_body, signal, agen_signal_close);
  g_weak_ref_init (&signal->generator, generator);

  closure = g_closure_new_simple (sizeof (GClosure), agen_signal_ref (signal));
  g_closure_set_marshal (closure, agen_signal_marshal);
  g_closure_add_invalidate_notifier (closure, signal, agen_signal_on_invalidated);
  g_closure_add_finalize_notifier (closure, signal, agen_signal_unref_closure_notify);
  signal->handler_id = g_signal_connect_closure_by_id (instance, signal_id, detail, closure, FALSE);

  name = g_strconcat ("signal ", detailed_signal, NULL);
  agen_generator_set_name (generator, name);
  return generator;
}
