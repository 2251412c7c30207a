/* agen-grep: print the lines of files that contain a word
 *
 * The lines come from agen_example_lines_new() (examples/lib/agen-example.c),
 * an asynchronous generator whose body is written with the macros of
 * agen-macros.h: it awaits GIO's asynchronous reads and yields one line at a
 * time. The consumer pulls them with
 * agen_generator_foreach_async(), shows a progress line, stops after
 * --max-count matches (which closes the generator) and stops at once on
 * Ctrl-C (which cancels it: the body sees G_IO_ERROR_CANCELLED at its await).
 *
 *   agen-grep [--max-count N] WORD FILE...
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-example.h"
#include <glib-unix.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>

/* The consumer: one file after another. */
typedef struct
{
  GMainLoop *loop;
  GCancellable *cancellable;
  const char *word;
  char **paths;
  guint next_path;
  guint64 line_number;
  guint64 lines_read;
  guint matches;
  guint max_count;
  gboolean failed;
} Search;

static void search_next_file (Search *search);

static void
show_progress (Search *search)
{
  if (isatty (STDERR_FILENO))
    g_printerr ("\r\033[K%s: %" G_GUINT64_FORMAT " lines read, %u matches",
                search->paths[search->next_path - 1], search->lines_read, search->matches);
}

static gboolean
on_line (AgenGenerator *lines,
         const GValue  *item,
         gpointer       user_data)
{
  Search *search = user_data;
  const char *line = g_value_get_string (item);

  search->line_number++;
  search->lines_read++;
  if (strstr (line, search->word) != NULL)
    {
      if (isatty (STDERR_FILENO))
        g_printerr ("\r\033[K");
      g_print ("%s:%" G_GUINT64_FORMAT ": %s\n", agen_generator_get_name (lines), search->line_number, line);
      search->matches++;
    }
  if (search->lines_read % 4096 == 0)
    show_progress (search);

  /* FALSE stops the loop and closes the generator: its deferred close of
   * the stream runs before on_file_done() is called. */
  return search->max_count == 0 || search->matches < search->max_count;
}

static void
on_file_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Search *search = user_data;
  g_autoptr(GError) error = NULL;

  if (!agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr ("\nCancelled after %" G_GUINT64_FORMAT " lines.\n", search->lines_read);
          g_main_loop_quit (search->loop);
          return;
        }
      g_printerr ("agen-grep: %s: %s\n", agen_generator_get_name (AGEN_GENERATOR (source)), error->message);
      search->failed = TRUE;
    }

  search_next_file (search);
}

static void
search_next_file (Search *search)
{
  g_autoptr(AgenGenerator) lines = NULL;
  g_autoptr(GFile) file = NULL;

  if (search->paths[search->next_path] == NULL ||
      (search->max_count > 0 && search->matches >= search->max_count))
    {
      if (isatty (STDERR_FILENO))
        g_printerr ("\r\033[K");
      g_printerr ("%" G_GUINT64_FORMAT " lines read, %u matches for '%s'.\n",
                  search->lines_read, search->matches, search->word);
      g_main_loop_quit (search->loop);
      return;
    }

  file = g_file_new_for_commandline_arg (search->paths[search->next_path++]);
  lines = agen_example_lines_new (file);
  search->line_number = 0;
  agen_generator_foreach_async (lines, on_line, search, NULL, search->cancellable,
                                on_file_done, search);
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
  g_autoptr(GOptionContext) options = g_option_context_new ("WORD FILE… — print the lines that contain WORD");
  g_autoptr(GError) error = NULL;
  gint max_count = 0;
  GOptionEntry entries[] = {
    { "max-count", 'm', 0, G_OPTION_ARG_INT, &max_count, "Stop after N matches", "N" },
    { NULL }
  };
  Search search = { 0 };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || argc < 3 || max_count < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "Usage: agen-grep [--max-count N] WORD FILE…");
      return 2;
    }

  search.loop = g_main_loop_new (NULL, FALSE);
  search.cancellable = g_cancellable_new ();
  search.word = argv[1];
  search.paths = argv + 2;
  search.max_count = max_count;
  g_unix_signal_add (SIGINT, on_interrupt, &search);

  search_next_file (&search);
  g_main_loop_run (search.loop);

  g_main_loop_unref (search.loop);
  g_object_unref (search.cancellable);
  return search.failed ? 1 : 0;
}
