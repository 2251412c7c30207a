/* agen-search: find text in the files of a folder, as you type
 *
 * A GTK 4 application on agen-glib: the search is a pipeline of generators
 * (search-pipeline.c) that fills an AgenListModel behind a GtkColumnView
 * (search-window.c).
 *
 *   agen-search [FOLDER]                  the application (the current folder by default)
 *   agen-search --self-test=CASE FOLDER   drives its own window, as a user would, and checks it
 *   agen-search --bench=QUERY FOLDER      streams every match while it paints, and times the frames
 *   agen-search --bench=QUERY --no-window FOLDER    the same search with no window
 *   agen-search --screenshot=FILE.png --query=QUERY FOLDER   saves the window showing a search
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <agen-glib/agen.h>
#include <gtk/gtk.h>
#include <locale.h>

#include "search-driver.h"
#include "search-window.h"

static char *self_test_case;
static char *bench_query;
static gboolean no_window;
static char *screenshot_path;
static char *query;

static const GOptionEntry options[] = {
  { "self-test", 0, 0, G_OPTION_ARG_STRING, &self_test_case, "Drive the window and check it", "CASE" },
  { "bench", 0, 0, G_OPTION_ARG_STRING, &bench_query, "Stream every match of QUERY and time the frames", "QUERY" },
  { "no-window", 0, 0, G_OPTION_ARG_NONE, &no_window, "With --bench: the same search with no window", NULL },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &screenshot_path, "Save the window showing a search", "FILE.png" },
  { "query", 0, 0, G_OPTION_ARG_STRING, &query, "With --screenshot: the search shown", "QUERY" },
  { NULL }
};

static void
open_window (GtkApplication *application,
             GFile          *folder)
{
  SearchWindow *window = search_window_new (application, folder);

  gtk_window_present (GTK_WINDOW (window));
  if (self_test_case != NULL)
    search_self_test_start (window, self_test_case, folder);
  else if (bench_query != NULL)
    search_bench_start (window, bench_query);
  else if (screenshot_path != NULL)
    search_screenshot_start (window, query != NULL ? query : "", screenshot_path);
}

static void
on_activate (GtkApplication *application)
{
  g_autoptr(GFile) folder = g_file_new_for_path (".");

  open_window (application, folder);
}

static void
on_open (GtkApplication  *application,
         GFile          **files,
         int              n_files,
         const char      *hint)
{
  for (int i = 0; i < n_files; i++)
    open_window (application, files[i]);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("[FOLDER]");
  g_autoptr(GtkApplication) application = NULL;
  g_autoptr(GError) error = NULL;
  GApplicationFlags flags = G_APPLICATION_HANDLES_OPEN;
  int status;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, options, NULL);
  g_option_context_set_summary (context, "Find text in the files of a folder, as you type.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("agen-search: %s\n", error->message);
      return 2;
    }

  if (bench_query != NULL && no_window)
    return search_bench_run_without_window (bench_query, argc > 1 ? argv[1] : ".");

  if (self_test_case != NULL)
    {
      search_self_test_init ();
      flags |= G_APPLICATION_NON_UNIQUE;
    }
  if (bench_query != NULL || screenshot_path != NULL)
    flags |= G_APPLICATION_NON_UNIQUE;

  application = gtk_application_new ("org.example.AgenSearch", flags);
  g_signal_connect (application, "activate", G_CALLBACK (on_activate), NULL);
  g_signal_connect (application, "open", G_CALLBACK (on_open), NULL);
  status = g_application_run (G_APPLICATION (application), argc, argv);

  if (self_test_case != NULL)
    {
      g_clear_object (&application);
      return search_self_test_finish (status);
    }
  return status;
}
