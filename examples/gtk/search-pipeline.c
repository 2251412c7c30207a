/* search-pipeline.c: the search of agen-search, as generators
 *
 *   walk (root)                    the regular files of the tree, depth first:
 *     file_infos (directory) ...   one listing per open directory
 *   filter (walk, name)            the files whose name matches --include
 *   grep (files)                   for each file:
 *     filter (enumerate (lines (file)), has query)
 *
 * Each stage is a generator that awaits the one below it, so nothing is
 * read ahead of the view: the list model pulls a page of matches, and the
 * pipeline reads exactly the lines and directories it needs for them.
 * Every stage's work has the priority of the generators,
 * G_PRIORITY_DEFAULT_IDLE by default: GTK handles input, lays out and
 * paints first.
 *
 * Stopping a search (the model is cancelled, or closes the search) reaches
 * the stage that waits: the read of a line, or of a directory, is
 * cancelled. Then each stage closes what it opened before it finishes,
 * from the bottom up: the streams of the lines, the directory listings,
 * the walk. When the search has finished, no file of the tree is open.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "search-pipeline.h"

#include <string.h>

/* A line longer than this (in bytes) is shown around the query: the view
 * would otherwise lay out a megabyte of text in one row. */
#define SEARCH_SHOWN_MAX 400
#define SEARCH_SHOWN_BEFORE 80

/* A file holding a NUL byte in its first block is binary, and skipped, as
 * grep -I does. */
#define SEARCH_SNIFF_SIZE 8192

/* The buffer each file is read through: a read fills it with a few
 * thousand short lines, which the lines source then takes from it without
 * a read each (GDataInputStream's default, 4 KiB, costs a read per 150
 * lines of code). */
#define SEARCH_READ_BUFFER_SIZE (64 * 1024)

#define SEARCH_WALK_ATTRIBUTES G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE

/* The rows of a page of the results, and the shortest time between two
 * announcements of new rows while they stream in: ten a second is enough
 * for the eye, and each announcement costs the view a layout and the
 * status line a count. */
#define SEARCH_PAGE_SIZE 100
#define SEARCH_ANNOUNCE_INTERVAL_MS 100

/* The I/O priority of the reads. Their completions only hand the data
 * over to a generator, which then works at its own priority, below GTK's
 * painting; below painting themselves, they would wait for as long as GTK
 * paints, which is always while the spinner turns on a slow renderer. */
#define SEARCH_IO_PRIORITY G_PRIORITY_DEFAULT

/* ---------------------------------------------------------------------- *
 * What is alive
 * ---------------------------------------------------------------------- */

static guint n_alive[SEARCH_N_ALIVE];

static void
search_untrack (gpointer  kind,
                GObject  *where_the_object_was)
{
  n_alive[GPOINTER_TO_INT (kind)]--;
}

/* Counts @object among the @kind alive until it is finalised: the
 * self-test checks that nothing a search made outlives it. Returns
 * @object. */
gpointer
search_track_alive (gpointer    object,
                    SearchAlive kind)
{
  n_alive[kind]++;
  g_object_weak_ref (object, search_untrack, GINT_TO_POINTER (kind));
  return object;
}

guint
search_count_alive (SearchAlive kind)
{
  return n_alive[kind];
}

/* ---------------------------------------------------------------------- *
 * SearchMatch: a row of the results
 * ---------------------------------------------------------------------- */

struct _SearchMatch
{
  GObject parent_instance;

  char *path;                  /* relative to the searched folder */
  guint line;                  /* from 1; 0 for an error */
  char *text;                  /* the line (or its part around the query), or the error */
};

G_DEFINE_FINAL_TYPE (SearchMatch, search_match, G_TYPE_OBJECT)

static void
search_match_finalize (GObject *object)
{
  SearchMatch *self = SEARCH_MATCH (object);

  g_free (self->path);
  g_free (self->text);

  G_OBJECT_CLASS (search_match_parent_class)->finalize (object);
}

static void
search_match_class_init (SearchMatchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = search_match_finalize;
}

static void
search_match_init (SearchMatch *self)
{
}

static SearchMatch *
search_match_new (const char *path,
                  guint       line,
                  char       *text)
{
  SearchMatch *self = search_track_alive (g_object_new (SEARCH_TYPE_MATCH, NULL), SEARCH_ALIVE_ROWS);

  self->path = g_strdup (path);
  self->line = line;
  self->text = text;
  return self;
}

const char *
search_match_get_path (SearchMatch *self)
{
  return self->path;
}

/* The line number, from 1; 0 for an error row. */
guint
search_match_get_line (SearchMatch *self)
{
  return self->line;
}

const char *
search_match_get_text (SearchMatch *self)
{
  return self->text;
}

gboolean
search_match_is_error (SearchMatch *self)
{
  return self->line == 0;
}

/* A row for what could not be read at @file. */
static SearchMatch *
search_match_new_error (GFile        *root,
                        GFile        *file,
                        const GError *error)
{
  g_autofree char *path = g_file_get_relative_path (root, file);

  return search_match_new (path != NULL ? path : ".", 0, g_strdup (error->message));
}

/* What the view shows of @line: all of it, or the part around @found when
 * it is long, cut on character boundaries. A trailing carriage return (of
 * a CRLF file) is left out. */
static char *
search_shown_text (const char *line,
                   const char *found)
{
  gsize length = strlen (line);
  const char *start, *end;
  GString *shown;

  if (length > 0 && line[length - 1] == '\r')
    length--;
  if (length <= SEARCH_SHOWN_MAX)
    return g_strndup (line, length);

  start = found - MIN ((gsize) (found - line), SEARCH_SHOWN_BEFORE);
  end = start + MIN ((gsize) (line + length - start), SEARCH_SHOWN_MAX);
  while (start > line && (*start & 0xC0) == 0x80)
    start--;
  while (end < line + length && (*end & 0xC0) == 0x80)
    end--;

  shown = g_string_new (start > line ? "…" : "");
  g_string_append_len (shown, start, end - start);
  if (end < line + length)
    g_string_append (shown, "…");
  return g_string_free (shown, FALSE);
}

/* ---------------------------------------------------------------------- *
 * Awaiting a stage below
 * ---------------------------------------------------------------------- */

/* A next of the stage below, in flight. A cancellation is delivered at the
 * body's await at once, but the stage below is still finishing its own
 * (closing a stream); the body then waits for its answer (inner_next_drain)
 * before it closes that stage, which would fail while it runs. */
typedef struct
{
  gpointer await_token;        /* the body's await; NULL once answered */
  gpointer drain_token;        /* the cleanup's await of the same answer */
} InnerNext;

static gpointer
inner_next_begin (InnerNext     *next,
                  AgenGenerator *self)
{
  next->await_token = agen_generator_await (self);
  return next;
}

static void
inner_next_ready (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  InnerNext *next = user_data;
  gpointer await_token = g_steal_pointer (&next->await_token);
  gpointer drain_token = g_steal_pointer (&next->drain_token);

  /* After a cancellation the await's token is stale, and only freed. */
  agen_generator_ready (source_object, result, await_token);
  if (drain_token != NULL)
    agen_generator_ready (source_object, result, drain_token);
}

/* Starts a next of @stage with agen_generator_next_start(): returns
 * %FALSE, and sets *@pending, when it completes later, at inner_next_ready()
 * (the body then ends its call in an await of inner_next_begin()); else it
 * completed here and now, as agen_generator_next_finish() would, without a
 * main-loop iteration: a stage that yields without awaiting (the lines of a
 * buffer) is pulled with none per item, as AgenListModel pulls the search. */
static gboolean
inner_next_start (InnerNext     *next,
                  AgenGenerator *stage,
                  AgenGenerator *self,
                  gboolean      *pending,
                  GValue        *item,
                  GError       **error)
{
  return agen_generator_next_start (stage, agen_generator_get_cancellable (self), inner_next_ready, next, NULL,
                                    pending, item, error);
}

static gboolean
inner_next_in_flight (InnerNext *next)
{
  return next->await_token != NULL;
}

static void
inner_next_drain (InnerNext     *next,
                  AgenGenerator *self)
{
  next->drain_token = agen_generator_await (self);
}

/* Ends a close of a stage below: it was closing because the search stops,
 * so how it went changes nothing. */
static void
close_stage_finish (AgenGenerator *stage,
                    AgenGenerator *self)
{
  GAsyncResult *result = agen_generator_get_result (self);

  if (result != NULL)
    agen_generator_close_finish (stage, result, NULL);
}

/* ---------------------------------------------------------------------- *
 * The walk: the regular files of a tree
 * ---------------------------------------------------------------------- */

typedef struct
{
  GFile *root;
  GPtrArray *listings;         /* of AgenGenerator: the open directories, innermost last */
  GPtrArray *directories;      /* of GFile, one per listing */
  InnerNext next;
  GValue entry;                /* the last item of the innermost listing */
  GValue found;                /* a GFile, or a SearchMatch for a directory that failed */
  GError *error;               /* what ends the walk early: a cancellation, a close */
} Walk;

static void
walk_enter (Walk  *walk,
            GFile *directory)
{
  AgenGenerator *listing = agen_generator_new_file_infos (directory, SEARCH_WALK_ATTRIBUTES,
                                                          G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                          SEARCH_IO_PRIORITY);

  search_track_alive (listing, SEARCH_ALIVE_GENERATORS);

  g_ptr_array_add (walk->directories, g_object_ref (directory));
  g_ptr_array_add (walk->listings, listing);
}

static void
walk_leave (Walk *walk)
{
  g_ptr_array_set_size (walk->listings, walk->listings->len - 1);
  g_ptr_array_set_size (walk->directories, walk->directories->len - 1);
}

static AgenGenerator *
walk_listing (Walk *walk)
{
  return g_ptr_array_index (walk->listings, walk->listings->len - 1);
}

static GFile *
walk_directory (Walk *walk)
{
  return g_ptr_array_index (walk->directories, walk->directories->len - 1);
}

static void
walk_set_found (Walk     *walk,
                GType     type,
                gpointer  object)
{
  if (G_IS_VALUE (&walk->found))
    g_value_unset (&walk->found);
  g_value_init (&walk->found, type);
  g_value_take_object (&walk->found, object);
}

/* The innermost directory could not be listed (it vanished, or is not
 * readable): an error row, and the walk goes on, as grep -r does. */
static void
walk_found_error (Walk         *walk,
                  const GError *error)
{
  walk_set_found (walk, SEARCH_TYPE_MATCH, search_match_new_error (walk->root, walk_directory (walk), error));
  walk_leave (walk);
}

/* Takes the entry the innermost listing gave: TRUE for a regular file, to
 * yield; a directory is entered; the rest (links, devices) is skipped, as
 * grep -r does. */
static gboolean
walk_take_entry (Walk *walk)
{
  GFileInfo *info = g_value_get_object (&walk->entry);
  g_autoptr(GFile) child = g_file_get_child (walk_directory (walk), g_file_info_get_name (info));

  switch (g_file_info_get_file_type (info))
    {
    case G_FILE_TYPE_DIRECTORY:
      walk_enter (walk, child);
      return FALSE;
    case G_FILE_TYPE_REGULAR:
      walk_set_found (walk, G_TYPE_FILE, g_steal_pointer (&child));
      return TRUE;
    default:
      return FALSE;
    }
}

static void
walk_body (AgenGenerator *self,
           gpointer       user_data)
{
  Walk *walk = user_data;
  g_autoptr(GError) error = NULL;

  AGEN_BEGIN (self);
  while (walk->listings->len > 0)
    {
      AGEN_AWAIT_CATCH (self,
                        agen_generator_next_async (walk_listing (walk), agen_generator_get_cancellable (self),
                                                   inner_next_ready, inner_next_begin (&walk->next, self)),
                        &walk->error);
      if (walk->error != NULL)
        break;
      if (!agen_generator_next_finish (walk_listing (walk), agen_generator_get_result (self), &walk->entry, &error))
        {
          if (error == NULL)
            {
              walk_leave (walk);
              continue;
            }
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              walk->error = g_steal_pointer (&error);
              break;
            }
          walk_found_error (walk, error);
          g_clear_error (&error);
        }
      else if (!walk_take_entry (walk))
        continue;

      AGEN_YIELD_CATCH (self, &walk->found, &walk->error);
      if (walk->error != NULL)
        break;
    }

  /* However the walk ends, it closes the listings still open, innermost
   * first, once the one it waited for has answered. */
  while (inner_next_in_flight (&walk->next))
    AGEN_AWAIT_CATCH (self, inner_next_drain (&walk->next, self), &error);
  while (walk->listings->len > 0)
    {
      AGEN_AWAIT_CATCH (self,
                        agen_generator_close_async (walk_listing (walk), NULL,
                                                    agen_generator_ready, agen_generator_await (self)),
                        &error);
      close_stage_finish (walk_listing (walk), self);
      walk_leave (walk);
    }

  if (walk->error != NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&walk->error));
      return;
    }
  AGEN_END (self);
}

static void
walk_free (gpointer data)
{
  Walk *walk = data;

  g_object_unref (walk->root);
  g_ptr_array_unref (walk->listings);
  g_ptr_array_unref (walk->directories);
  if (G_IS_VALUE (&walk->entry))
    g_value_unset (&walk->entry);
  if (G_IS_VALUE (&walk->found))
    g_value_unset (&walk->found);
  g_clear_error (&walk->error);
  g_free (walk);
}

/* Yields the regular files under @root (GFile), and an error row
 * (SearchMatch) for each directory that could not be listed. */
static AgenGenerator *
walk_new (GFile *root)
{
  Walk *walk = g_new0 (Walk, 1);
  AgenGenerator *generator;

  walk->root = g_object_ref (root);
  walk->listings = g_ptr_array_new_with_free_func (g_object_unref);
  walk->directories = g_ptr_array_new_with_free_func (g_object_unref);
  walk_enter (walk, root);
  generator = agen_generator_new (walk_body, walk, walk_free);
  agen_generator_set_name (generator, "walk");
  return search_track_alive (generator, SEARCH_ALIVE_GENERATORS);
}

/* ---------------------------------------------------------------------- *
 * The name filter
 * ---------------------------------------------------------------------- */

/* The patterns of --include ("*.c, *.h"); none keeps every file. */
static GPtrArray *
name_patterns_new (const char *include)
{
  g_auto(GStrv) globs = g_regex_split_simple ("[,\\s]+", include != NULL ? include : "", 0, 0);
  GPtrArray *patterns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);

  for (guint i = 0; globs[i] != NULL; i++)
    if (globs[i][0] != '\0')
      g_ptr_array_add (patterns, g_pattern_spec_new (globs[i]));
  return patterns;
}

static gboolean
name_matches (const GValue  *item,
              gpointer       user_data,
              GError       **error)
{
  GPtrArray *patterns = user_data;
  g_autofree char *name = NULL;

  if (patterns->len == 0 || !G_VALUE_HOLDS (item, G_TYPE_FILE))
    return TRUE;

  name = g_file_get_basename (g_value_get_object (item));
  for (guint i = 0; i < patterns->len; i++)
    if (g_pattern_spec_match_string (patterns->pdata[i], name))
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------------- *
 * The lines that hold the query
 * ---------------------------------------------------------------------- */

/* An item of enumerate (lines): [index, line]. */
static const char *
numbered_line_text (const GValue *item)
{
  GValueArray *pair = g_value_get_boxed (item);

  return g_value_get_string (&pair->values[1]);
}

static guint
numbered_line_number (const GValue *item)
{
  GValueArray *pair = g_value_get_boxed (item);

  return g_value_get_uint64 (&pair->values[0]) + 1;
}

static gboolean
line_has_query (const GValue  *item,
                gpointer       query,
                GError       **error)
{
  return strstr (numbered_line_text (item), query) != NULL;
}

/* The numbered lines of @input that hold @query. Lines end with \n only, as
 * grep counts them. */
static AgenGenerator *
matching_lines_new (GDataInputStream *input,
                    const char       *query)
{
  g_autoptr(AgenGenerator) lines = NULL;
  g_autoptr(AgenGenerator) numbered = NULL;
  AgenGenerator *matching;

  g_data_input_stream_set_newline_type (input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  lines = search_track_alive (agen_generator_new_lines (G_INPUT_STREAM (input), SEARCH_IO_PRIORITY),
                              SEARCH_ALIVE_GENERATORS);
  numbered = search_track_alive (agen_generator_enumerate (lines), SEARCH_ALIVE_GENERATORS);
  matching = agen_generator_filter (numbered, line_has_query, g_strdup (query), g_free);
  return search_track_alive (matching, SEARCH_ALIVE_GENERATORS);
}

/* ---------------------------------------------------------------------- *
 * The search: the matching lines of each file
 * ---------------------------------------------------------------------- */

typedef struct
{
  GFile *root;
  char *query;
  AgenGenerator *files;        /* filter (walk) */
  AgenGenerator *lines;        /* the matching lines of the file being read, or NULL */
  GFile *file;                 /* that file */
  char *path;                  /* its path, relative to root */
  GDataInputStream *input;     /* its stream, until the lines own it */
  InnerNext next;              /* of files or lines */
  GValue item;                 /* what files or lines gave */
  GValue match;                /* the SearchMatch yielded */
  GError *error;               /* what ends the search early: a cancellation, a close */
} Grep;

static void
grep_set_match (Grep        *grep,
                SearchMatch *match)
{
  if (G_IS_VALUE (&grep->match))
    g_value_unset (&grep->match);
  g_value_init (&grep->match, SEARCH_TYPE_MATCH);
  g_value_take_object (&grep->match, match);
}

/* The file could not be read: an error row, and the search goes on. */
static void
grep_found_error (Grep         *grep,
                  const GError *error)
{
  grep_set_match (grep, search_match_new_error (grep->root, grep->file, error));
  g_clear_object (&grep->input);
}

static void
grep_take_file (Grep *grep)
{
  g_set_object (&grep->file, g_value_get_object (&grep->item));
  g_free (grep->path);
  grep->path = g_file_get_relative_path (grep->root, grep->file);
}

/* Whether the first block of the file holds a NUL byte. */
static gboolean
grep_input_is_binary (Grep *grep)
{
  gsize available;
  const void *data = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (grep->input), &available);

  return memchr (data, '\0', available) != NULL;
}

static void
grep_take_line (Grep *grep)
{
  const char *text = numbered_line_text (&grep->item);

  grep_set_match (grep, search_match_new (grep->path, numbered_line_number (&grep->item),
                                          search_shown_text (text, strstr (text, grep->query))));
}

/* The lines of the file failed (not UTF-8, a read error): an error row,
 * and the search goes on with the next file. */
static void
grep_lines_failed (Grep   *grep,
                   GError *error)
{
  if (g_error_matches (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE))
    {
      g_autoptr(GError) not_text = g_error_new_literal (G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE,
                                                         "Not UTF-8 text from here on: the rest of the file is skipped");
      grep_found_error (grep, not_text);
    }
  else
    grep_found_error (grep, error);
}

static void
grep_body (AgenGenerator *self,
           gpointer       user_data)
{
  Grep *grep = user_data;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  gboolean pending;
  gboolean yielded;

  AGEN_BEGIN (self);
  for (;;)
    {
      if (grep->lines != NULL)
        {
          /* The next matching line of the file being read: at once while
           * the lines come from the buffer. */
          yielded = inner_next_start (&grep->next, grep->lines, self, &pending, &grep->item, &error);
          if (pending)
            {
              AGEN_AWAIT_CATCH (self, inner_next_begin (&grep->next, self), &grep->error);
              if (grep->error != NULL)
                break;
              yielded = agen_generator_next_finish (grep->lines, agen_generator_get_result (self), &grep->item, &error);
            }
          if (yielded)
            grep_take_line (grep);
          else
            {
              /* The lines finished: they closed their stream. */
              g_clear_object (&grep->lines);
              if (error == NULL)
                continue;
              if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                {
                  grep->error = g_steal_pointer (&error);
                  break;
                }
              grep_lines_failed (grep, error);
              g_clear_error (&error);
            }
        }
      else
        {
          /* The next file. */
          yielded = inner_next_start (&grep->next, grep->files, self, &pending, &grep->item, &error);
          if (pending)
            {
              AGEN_AWAIT_CATCH (self, inner_next_begin (&grep->next, self), &grep->error);
              if (grep->error != NULL)
                break;
              yielded = agen_generator_next_finish (grep->files, agen_generator_get_result (self), &grep->item, &error);
            }
          if (!yielded)
            {
              grep->error = g_steal_pointer (&error);      /* NULL at the end */
              break;
            }
          if (G_VALUE_HOLDS (&grep->item, SEARCH_TYPE_MATCH))
            grep_set_match (grep, g_value_dup_object (&grep->item));   /* a directory that failed */
          else
            {
              grep_take_file (grep);
              AGEN_AWAIT_CATCH (self,
                                g_file_read_async (grep->file, SEARCH_IO_PRIORITY, agen_generator_get_cancellable (self),
                                                   agen_generator_ready, agen_generator_await (self)),
                                &grep->error);
              if (grep->error != NULL)
                break;
              stream = g_file_read_finish (grep->file, agen_generator_get_result (self), &error);
              if (stream == NULL)
                grep_found_error (grep, error);
              else
                {
                  grep->input = g_data_input_stream_new (G_INPUT_STREAM (stream));
                  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (grep->input),
                                                           SEARCH_READ_BUFFER_SIZE);
                  AGEN_AWAIT_CATCH (self,
                                    g_buffered_input_stream_fill_async (G_BUFFERED_INPUT_STREAM (grep->input),
                                                                        SEARCH_SNIFF_SIZE, SEARCH_IO_PRIORITY,
                                                                        agen_generator_get_cancellable (self),
                                                                        agen_generator_ready,
                                                                        agen_generator_await (self)),
                                    &grep->error);
                  if (grep->error != NULL)
                    break;
                  if (g_buffered_input_stream_fill_finish (G_BUFFERED_INPUT_STREAM (grep->input),
                                                           agen_generator_get_result (self), &error) < 0)
                    grep_found_error (grep, error);
                  else
                    {
                      /* A binary file is dropped, which closes it. */
                      if (!grep_input_is_binary (grep))
                        grep->lines = matching_lines_new (grep->input, grep->query);
                      g_clear_object (&grep->input);
                      continue;
                    }
                }
            }
        }

      AGEN_YIELD_CATCH (self, &grep->match, &grep->error);
      if (grep->error != NULL)
        break;
    }

  /* However the search ends, it closes the stages below, once the one it
   * waited for has answered: the lines of the file being read, then the
   * files (which closes the walk, which closes its listings). A file being
   * opened or sniffed is closed as its stream goes. */
  while (inner_next_in_flight (&grep->next))
    AGEN_AWAIT_CATCH (self, inner_next_drain (&grep->next, self), &error);
  g_clear_object (&grep->input);
  if (grep->lines != NULL)
    {
      AGEN_AWAIT_CATCH (self,
                        agen_generator_close_async (grep->lines, NULL, agen_generator_ready, agen_generator_await (self)),
                        &error);
      close_stage_finish (grep->lines, self);
      g_clear_object (&grep->lines);
    }
  AGEN_AWAIT_CATCH (self,
                    agen_generator_close_async (grep->files, NULL, agen_generator_ready, agen_generator_await (self)),
                    &error);
  close_stage_finish (grep->files, self);

  if (grep->error != NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&grep->error));
      return;
    }
  AGEN_END (self);
}

static void
grep_free (gpointer data)
{
  Grep *grep = data;

  g_object_unref (grep->root);
  g_free (grep->query);
  g_object_unref (grep->files);
  g_clear_object (&grep->lines);
  g_clear_object (&grep->file);
  g_free (grep->path);
  g_clear_object (&grep->input);
  if (G_IS_VALUE (&grep->item))
    g_value_unset (&grep->item);
  if (G_IS_VALUE (&grep->match))
    g_value_unset (&grep->match);
  g_clear_error (&grep->error);
  g_free (grep);
}

/**
 * search_pipeline_new:
 * @root: the folder to search
 * @query: the text to find in the lines (as grep -F does)
 * @include: (nullable): the file names to search, as patterns separated by
 *   commas or spaces ("*.c, *.h"); %NULL or empty for every file
 *
 * The search of @query in the text files under @root: a generator of
 * SearchMatch objects, one per matching line and one per file or folder
 * that could not be read. Binary files are skipped, as grep -I does.
 *
 * Returns: (transfer full): a generator at the default priority of
 *   generators, G_PRIORITY_DEFAULT_IDLE, as are all its stages
 */
AgenGenerator *
search_pipeline_new (GFile      *root,
                     const char *query,
                     const char *include)
{
  Grep *grep = g_new0 (Grep, 1);
  g_autoptr(AgenGenerator) walk = NULL;
  AgenGenerator *generator;

  grep->root = g_object_ref (root);
  grep->query = g_strdup (query);
  walk = walk_new (root);
  grep->files = agen_generator_filter (walk, name_matches, name_patterns_new (include),
                                       (GDestroyNotify) g_ptr_array_unref);
  search_track_alive (grep->files, SEARCH_ALIVE_GENERATORS);

  generator = agen_generator_new (grep_body, grep, grep_free);
  agen_generator_set_name (generator, "search");
  return search_track_alive (generator, SEARCH_ALIVE_GENERATORS);
}

/**
 * search_results_new:
 * @root: the folder to search
 * @query: the text to find in the lines
 * @include: (nullable): the file names to search, as for search_pipeline_new()
 *
 * The list model of a search: search_pipeline_new() pulled by pages of
 * SEARCH_PAGE_SIZE rows, announced at most every
 * SEARCH_ANNOUNCE_INTERVAL_MS while they stream in. The window shows it;
 * the benchmark with no window times the very same model.
 *
 * Returns: (transfer full): a model that loads nothing until asked; its
 *   generator is agen_list_model_get_generator()
 */
AgenListModel *
search_results_new (GFile      *root,
                    const char *query,
                    const char *include)
{
  g_autoptr(AgenGenerator) search = search_pipeline_new (root, query, include);
  AgenListModel *results = agen_list_model_new (search, SEARCH_TYPE_MATCH, SEARCH_PAGE_SIZE);

  agen_list_model_set_announce_interval (results, SEARCH_ANNOUNCE_INTERVAL_MS);
  return search_track_alive (results, SEARCH_ALIVE_MODELS);
}
