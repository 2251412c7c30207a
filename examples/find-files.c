/* find-files: the first matches of a name pattern in a directory tree
 *
 * A walk generator visits the tree depth first: its body pulls the entries
 * of each directory from agen_generator_new_file_infos() (which reads them
 * from GIO in batches) and yields the GFile of each entry. The consumer
 * composes it with combinators, filter by name and take the first N,
 * and prints the matches with agen_generator_foreach_async(), a progress line
 * on a terminal, and Ctrl-C to cancel at any time.
 *
 * Nothing is read ahead: when take() has its N matches it closes the filter,
 * which closes the walk, whose open directory listings close their
 * GFileEnumerators. A cancel reaches the listing the walk is waiting on.
 *
 *   find-files [--max-count N] PATTERN [DIRECTORY]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <agen-glib/agen.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <unistd.h>

#define WALK_ATTRIBUTES G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE

/* The walk's state, which lives across its yields and awaits. */
typedef struct
{
  GPtrArray *listings;     /* of AgenGenerator: the open directories, innermost last */
  GPtrArray *directories;  /* of GFile, one per listing */
  GValue entry;            /* the last item of the innermost listing */
  GValue found;            /* the GFile yielded */
  guint64 scanned;
  guint unreadable;
} Walk;

static void
walk_enter (Walk  *walk,
            GFile *directory)
{
  g_ptr_array_add (walk->directories, g_object_ref (directory));
  g_ptr_array_add (walk->listings,
                   agen_generator_new_file_infos (directory, WALK_ATTRIBUTES,
                                                  G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                  G_PRIORITY_DEFAULT));
}

/* Dropping a listing that is still open closes it (and its enumerator)
 * on its last unref. */
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

/* A directory that cannot be read is reported and skipped, as find(1)
 * does. */
static void
walk_report_unreadable (Walk         *walk,
                        const GError *error)
{
  g_autofree char *path = g_file_get_path (g_ptr_array_index (walk->directories, walk->directories->len - 1));

  g_printerr ("\r\033[Kfind-files: %s: %s\n", path, error->message);
  walk->unreadable++;
}

static void
walk_set_found (Walk *walk)
{
  GFileInfo *info = g_value_get_object (&walk->entry);
  GFile *directory = g_ptr_array_index (walk->directories, walk->directories->len - 1);
  g_autoptr(GFile) child = g_file_get_child (directory, g_file_info_get_name (info));

  walk->scanned++;
  g_value_set_object (&walk->found, child);
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    walk_enter (walk, child);
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
      /* Handing on the body's cancellable lets a cancel of the consumer's
       * operation reach the listing's read. */
      AGEN_AWAIT (self, agen_generator_next_async (walk_listing (walk), agen_generator_get_cancellable (self),
                                                   agen_generator_ready, agen_generator_await (self)));
      if (!agen_generator_next_finish (walk_listing (walk), agen_generator_get_result (self), &walk->entry, &error))
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              agen_generator_raise (self, g_steal_pointer (&error));
              return;
            }
          if (error != NULL)
            walk_report_unreadable (walk, error);
          g_clear_error (&error);
          walk_leave (walk);
          continue;
        }
      walk_set_found (walk);
      AGEN_YIELD (self, &walk->found);
    }
  AGEN_END (self);
}

static void
walk_free (gpointer data)
{
  Walk *walk = data;

  g_ptr_array_unref (walk->listings);
  g_ptr_array_unref (walk->directories);
  if (G_IS_VALUE (&walk->entry))
    g_value_unset (&walk->entry);
  g_value_unset (&walk->found);
  g_free (walk);
}

static AgenGenerator *
walk_new (GFile  *root,
          Walk  **walk_out)
{
  Walk *walk = g_new0 (Walk, 1);
  AgenGenerator *generator;

  walk->listings = g_ptr_array_new_with_free_func (g_object_unref);
  walk->directories = g_ptr_array_new_with_free_func (g_object_unref);
  g_value_init (&walk->found, G_TYPE_FILE);
  walk_enter (walk, root);
  generator = agen_generator_new (walk_body, walk, walk_free);
  agen_generator_set_name (generator, "walk");
  *walk_out = walk;
  return generator;
}

/* The consumer. */
typedef struct
{
  GMainLoop *loop;
  GCancellable *cancellable;
  GPatternSpec *pattern;
  Walk *walk;              /* owned by the walk generator, alive while it is */
  guint matches;
  int status;
} Search;

static gboolean
name_matches (const GValue  *item,
              gpointer       user_data,
              GError       **error)
{
  Search *search = user_data;
  g_autofree char *name = g_file_get_basename (g_value_get_object (item));

  return g_pattern_spec_match_string (search->pattern, name);
}

static void
show_progress (Search *search)
{
  if (isatty (STDERR_FILENO))
    g_printerr ("\r\033[K%" G_GUINT64_FORMAT " entries scanned, %u matches",
                search->walk->scanned, search->matches);
}

static gboolean
on_match (AgenGenerator *matches,
          const GValue  *item,
          gpointer       user_data)
{
  Search *search = user_data;
  g_autofree char *path = g_file_get_path (g_value_get_object (item));

  if (isatty (STDERR_FILENO))
    g_printerr ("\r\033[K");
  g_print ("%s\n", path);
  search->matches++;
  show_progress (search);
  return TRUE;
}

static void
on_search_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Search *search = user_data;
  g_autoptr(GError) error = NULL;

  if (isatty (STDERR_FILENO))
    g_printerr ("\r\033[K");
  if (!agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &error))
    {
      g_printerr ("find-files: %s\n", error->message);
      search->status = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? 130 : 1;
    }
  g_printerr ("%u matches, %" G_GUINT64_FORMAT " entries scanned, %u unreadable directories.\n",
              search->matches, search->walk->scanned, search->walk->unreadable);
  g_main_loop_quit (search->loop);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Search *search = user_data;

  g_cancellable_cancel (search->cancellable);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = g_option_context_new ("PATTERN [DIRECTORY] — the first files whose name matches");
  g_autoptr(GError) error = NULL;
  g_autoptr(AgenGenerator) walk = NULL;
  g_autoptr(AgenGenerator) matching = NULL;
  g_autoptr(AgenGenerator) first = NULL;
  g_autoptr(GFile) root = NULL;
  gint max_count = 100;
  GOptionEntry entries[] = {
    { "max-count", 'm', 0, G_OPTION_ARG_INT, &max_count, "Stop after N matches (default 100)", "N" },
    { NULL }
  };
  Search search = { 0 };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || argc < 2 || argc > 3 || max_count < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "Usage: find-files [--max-count N] PATTERN [DIRECTORY]");
      return 2;
    }

  search.loop = g_main_loop_new (NULL, FALSE);
  search.cancellable = g_cancellable_new ();
  search.pattern = g_pattern_spec_new (argv[1]);
  root = g_file_new_for_commandline_arg (argc == 3 ? argv[2] : ".");

  walk = walk_new (root, &search.walk);
  matching = agen_generator_filter (walk, name_matches, &search, NULL);
  first = agen_generator_take (matching, max_count);

  g_unix_signal_add (SIGINT, on_interrupt, &search);
  agen_generator_foreach_async (first, on_match, &search, NULL, search.cancellable, on_search_done, &search);
  g_main_loop_run (search.loop);

  g_pattern_spec_free (search.pattern);
  g_main_loop_unref (search.loop);
  g_object_unref (search.cancellable);
  return search.status;
}
