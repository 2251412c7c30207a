/* search-driver.c: agen-search driven as a user would, to check it or to time it
 *
 * The self-test (--self-test=CASE FOLDER) types in the search entry, waits
 * for rows, scrolls the view to its end, types again, presses Escape and
 * closes the window, all through GTK in the application's own process, and
 * checks what the window shows against grep -rnIF on the same folder. It
 * also checks that no file of the folder is left open once a search has
 * stopped (/proc/self/fd), that every generator, model and row is
 * finalised once the application has quit (search_count_alive()), and that nothing
 * logged a warning or a critical. tests/gtk/run-gtk-test makes the folders
 * and runs it under Xvfb.
 *
 * The screenshot (--screenshot=FILE.png --query=QUERY FOLDER) shows the
 * first rows of a search, and saves the window as GTK painted it.
 *
 * The benchmark (--bench=QUERY FOLDER) streams every match of QUERY into
 * the view while the frame clock paints, and prints the items per second
 * and the gaps between painted frames; with --no-window, the items per
 * second of the same search into the same model with no window.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "search-driver.h"

#include "search-pipeline.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* How long a wait may take before the self-test fails: a hang, not a
 * measure of speed. */
#define WAIT_SECONDS 120
/* A line this long is shown cut (search-pipeline.c). */
#define SHOWN_MAX 400

static struct
{
  char *case_name;
  GFile *folder;
  char *root;                  /* the folder's path */
  guint n_checks;
  guint n_logged;              /* warnings and criticals */
} test;

/* ---------------------------------------------------------------------- *
 * Checking
 * ---------------------------------------------------------------------- */

G_GNUC_PRINTF (2, 3) static void
check (gboolean    condition,
       const char *format,
       ...)
{
  va_list args;
  g_autofree char *what = NULL;

  test.n_checks++;
  if (condition)
    return;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("agen-search self-test %s: FAILED: %s\n", test.case_name, what);
  exit (1);
}

static GLogWriterOutput
count_warnings (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    test.n_logged++;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @condition holds. */
static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  guint tick = g_timeout_add (10, wake_up, NULL);

  while (!condition (data))
    {
      check (g_get_monotonic_time () < deadline, "%s, within %d s", what, WAIT_SECONDS);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static gboolean
time_is_up (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

/* Runs the main loop for @ms milliseconds: the user is typing. */
static void
run_for_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  wait_until (time_is_up, &end, "time to pass");
}

/* The files of the folder that the process holds open. */
static guint
count_open_files (void)
{
  g_autoptr(GDir) fds = g_dir_open ("/proc/self/fd", 0, NULL);
  gsize length = strlen (test.root);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (fds)) != NULL)
    {
      g_autofree char *link = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (target != NULL && g_str_has_prefix (target, test.root) &&
          (target[length] == '/' || target[length] == '\0'))
        n++;
    }
  return n;
}

/* ---------------------------------------------------------------------- *
 * Rows: what the window shows, what grep finds
 * ---------------------------------------------------------------------- */

typedef struct
{
  char *path;
  guint line;
  char *text;
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->path);
  g_free (row->text);
  g_free (row);
}

static int
row_compare (gconstpointer a,
             gconstpointer b)
{
  const Row *x = *(const Row **) a;
  const Row *y = *(const Row **) b;
  int by_path = strcmp (x->path, y->path);

  if (by_path != 0)
    return by_path;
  return x->line < y->line ? -1 : x->line > y->line;
}

/* What grep -rnIF finds, as rows sorted by file and line. Its errors
 * (unreadable files) are not rows. */
static GPtrArray *
grep_rows (const char *query,
           const char *include)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func (row_free);
  int wait_status;

  g_ptr_array_add (argv, g_strdup ("grep"));
  g_ptr_array_add (argv, g_strdup ("-rnIF"));
  if (include != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--include=%s", include));
  g_ptr_array_add (argv, g_strdup ("-e"));
  g_ptr_array_add (argv, g_strdup (query));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (test.root));
  g_ptr_array_add (argv, NULL);

  check (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &out, NULL, &wait_status, &error),
         "grep runs: %s", error != NULL ? error->message : "");

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *rest, *number, *text;
      Row *row;

      if (lines[i][0] == '\0')
        continue;
      check (g_str_has_prefix (lines[i], test.root) && lines[i][strlen (test.root)] == '/',
             "grep printed %.80s", lines[i]);
      rest = lines[i] + strlen (test.root) + 1;
      number = strchr (rest, ':');
      check (number != NULL, "grep printed a file name in %.80s", lines[i]);
      text = strchr (number + 1, ':');
      check (text != NULL, "grep printed a line number in %.80s", lines[i]);
      row = g_new0 (Row, 1);
      row->path = g_strndup (rest, number - rest);
      row->line = strtoul (number + 1, NULL, 10);
      row->text = g_strdup (text + 1);
      g_ptr_array_add (rows, row);
    }
  g_ptr_array_sort (rows, row_compare);
  return rows;
}

/* The rows the search shows (@errors: FALSE) or its error rows (TRUE),
 * sorted by file and line. */
static GPtrArray *
shown_rows (SearchWindow *window,
            gboolean      errors)
{
  GListModel *results = G_LIST_MODEL (search_window_get_results (window));
  GPtrArray *rows = g_ptr_array_new_with_free_func (row_free);

  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(SearchMatch) match = g_list_model_get_item (results, i);
      Row *row;

      if (search_match_is_error (match) != errors)
        continue;
      row = g_new0 (Row, 1);
      row->path = g_strdup (search_match_get_path (match));
      row->line = search_match_get_line (match);
      row->text = g_strdup (search_match_get_text (match));
      g_ptr_array_add (rows, row);
    }
  g_ptr_array_sort (rows, row_compare);
  return rows;
}

/* A row shows a line as it is, or, when it is long, a part of it between
 * ellipses. */
static gboolean
text_shows (const char *shown,
            const char *line)
{
  g_autofree char *part = NULL;

  if (strcmp (shown, line) == 0)
    return TRUE;
  if (strlen (line) <= SHOWN_MAX)
    return FALSE;

  part = g_strdup (g_str_has_prefix (shown, "…") ? shown + strlen ("…") : shown);
  if (g_str_has_suffix (part, "…"))
    part[strlen (part) - strlen ("…")] = '\0';
  return strlen (part) <= SHOWN_MAX && strstr (line, part) != NULL;
}

static gboolean
row_shows (const Row *shown,
           const Row *found)
{
  return strcmp (shown->path, found->path) == 0 && shown->line == found->line &&
         text_shows (shown->text, found->text);
}

/* Every row shown is one grep found; with @all, they are all there. */
static void
check_rows (GPtrArray  *shown,
            GPtrArray  *found,
            gboolean    all,
            const char *what)
{
  guint j = 0;

  for (guint i = 0; i < shown->len; i++)
    {
      const Row *row = shown->pdata[i];

      while (j < found->len && row_compare (&found->pdata[j], &shown->pdata[i]) < 0)
        j++;
      check (j < found->len && row_shows (row, found->pdata[j]),
             "%s: the row %s:%u:%.60s is one grep finds", what, row->path, row->line, row->text);
    }
  if (all)
    check (shown->len == found->len, "%s: %u rows shown, grep finds %u", what, shown->len, found->len);
}

/* The rows of the search, when it has loaded everything, are those grep
 * finds, and the status line counts them. */
static void
check_rows_are_greps (SearchWindow *window,
                      const char   *query,
                      const char   *include)
{
  g_autoptr(GPtrArray) found = grep_rows (query, include);
  g_autoptr(GPtrArray) shown = shown_rows (window, FALSE);
  g_autoptr(GHashTable) files = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *counts = NULL;
  g_autofree char *what = g_strdup_printf ("\"%s\"%s%s", query, include != NULL ? " in " : "",
                                           include != NULL ? include : "");

  check_rows (shown, found, TRUE, what);
  for (guint i = 0; i < found->len; i++)
    g_hash_table_add (files, ((Row *) found->pdata[i])->path);
  counts = g_strdup_printf ("%u %s in %u %s", found->len, found->len == 1 ? "match" : "matches",
                            g_hash_table_size (files), g_hash_table_size (files) == 1 ? "file" : "files");
  check (strstr (search_window_get_status (window), counts) != NULL,
         "%s: the status \"%s\" says %s", what, search_window_get_status (window), counts);
}

static void
collect_labels (GtkWidget *widget,
                GPtrArray *texts)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget))
    g_ptr_array_add (texts, (gpointer) gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, texts);
}

static gboolean
has_text (GPtrArray  *texts,
          const char *text)
{
  return g_ptr_array_find_with_equal_func (texts, text, g_str_equal, NULL);
}

/* What is on screen: scrolled to the top, the view shows the first rows of
 * the model, in cells of their own. */
static void
check_screen (SearchWindow *window)
{
  GListModel *results = G_LIST_MODEL (search_window_get_results (window));
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  guint n = MIN (g_list_model_get_n_items (results), 10);

  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (search_window_get_scrolled (window)), 0);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  collect_labels (GTK_WIDGET (search_window_get_view (window)), texts);
  check (texts->len > 3 * n, "the view shows cells (%u labels)", texts->len);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SearchMatch) match = g_list_model_get_item (results, i);
      g_autofree char *line = g_strdup_printf ("%u", search_match_get_line (match));

      check (has_text (texts, search_match_get_path (match)) && has_text (texts, line) &&
             has_text (texts, search_match_get_text (match)),
             "row %u (%s:%s) is on screen", i, search_match_get_path (match), line);
    }
}

/* ---------------------------------------------------------------------- *
 * Acting as a user
 * ---------------------------------------------------------------------- */

typedef struct
{
  SearchWindow *window;
  AgenListModel *before;       /* a weak pointer */
} Replaced;

static gboolean
results_replaced (gpointer data)
{
  Replaced *replaced = data;
  AgenListModel *now = search_window_get_results (replaced->window);

  /* Setting the text empties the entry first, which shows no search at
   * once; the search comes after the entry's delay. */
  return now != NULL && now != replaced->before;
}

/* Sets the text of @entry, then waits for the search it starts. */
static void
start_search (SearchWindow *window,
              GtkEditable  *entry,
              const char   *text)
{
  Replaced replaced = { window, NULL };

  g_set_weak_pointer (&replaced.before, search_window_get_results (window));
  gtk_editable_set_text (entry, text);
  wait_until (results_replaced, &replaced, "a search to start");
  g_clear_weak_pointer (&replaced.before);
}

static void
type_query (SearchWindow *window,
            const char   *query)
{
  start_search (window, search_window_get_query_entry (window), query);
}

static gboolean
settled (gpointer data)
{
  AgenListModel *results = search_window_get_results (data);

  return !agen_list_model_get_loading (results);
}

static void
wait_settled (SearchWindow *window)
{
  wait_until (settled, window, "the search to load its rows");
}

static void
scroll_to_end (SearchWindow *window)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (search_window_get_scrolled (window));

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
}

/* Scrolls to the end until the search has every row. */
static void
load_everything (SearchWindow *window)
{
  AgenListModel *results = search_window_get_results (window);

  for (guint scrolls = 0;; scrolls++)
    {
      check (scrolls < 2000, "the search ends after %u scrolls", scrolls);
      wait_settled (window);
      if (agen_list_model_get_complete (results) || agen_list_model_get_error (results) != NULL)
        break;
      gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
      scroll_to_end (window);
    }
  check (agen_list_model_get_complete (results), "the search completes");
}

static gboolean
searches_finished (gpointer data)
{
  return search_window_get_n_running (data) == 0;
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
count_frame (GdkFrameClock *clock,
             guint         *n_frames)
{
  (*n_frames)++;
}

/* ---------------------------------------------------------------------- *
 * The cases
 * ---------------------------------------------------------------------- */

/* Typing, scrolling, typing again, the name filter, Escape, no results. */
static void
case_user (SearchWindow *window)
{
  AgenListModel *results;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) shown = NULL;
  AgenGenerator *previous = NULL;

  check (count_open_files () == 0, "no file of the folder is open before a search");

  /* A search with more matches than the first screens: the model stops at
   * its autoload limit, and loads more as the view reaches its end. */
  type_query (window, "generator");
  results = search_window_get_results (window);
  wait_settled (window);
  check (!agen_list_model_get_complete (results) && g_list_model_get_n_items (G_LIST_MODEL (results)) >= 200,
         "the first screens load, not everything (%u rows)", g_list_model_get_n_items (G_LIST_MODEL (results)));
  check (strstr (search_window_get_status (window), "so far") != NULL, "the status says there is more");
  found = grep_rows ("generator", NULL);
  shown = shown_rows (window, FALSE);
  check_rows (shown, found, FALSE, "the first screens");
  load_everything (window);
  check_rows_are_greps (window, "generator", NULL);
  check_screen (window);

  /* Typing again while a search is suspended at its first screens: it is
   * cancelled, closes its files and is finalised. */
  type_query (window, "stream");
  wait_settled (window);
  results = search_window_get_results (window);
  check (!agen_list_model_get_complete (results), "\"stream\" has more than its first screens");
  check (count_open_files () > 0, "a suspended search holds files open");
  g_set_weak_pointer (&previous, agen_list_model_get_generator (results));
  type_query (window, "main loop");
  wait_until (is_null, &previous, "the search typed over to be finalised");
  load_everything (window);
  check_rows_are_greps (window, "main loop", NULL);
  check_screen (window);

  /* The name filter. */
  type_query (window, "generator");
  start_search (window, search_window_get_include_entry (window), "*.h");
  load_everything (window);
  check_rows_are_greps (window, "generator", "*.h");
  start_search (window, search_window_get_include_entry (window), "");

  /* Escape while the model loads: it stops, keeps its rows, and the search
   * closes its files. */
  type_query (window, "e");
  wait_settled (window);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  scroll_to_end (window);
  results = search_window_get_results (window);
  check (agen_list_model_get_loading (results), "scrolling to the end loads more");
  g_signal_emit_by_name (search_window_get_query_entry (window), "stop-search");
  check (!agen_list_model_get_loading (results), "Escape stops the loading");
  check (g_str_has_prefix (search_window_get_status (window), "Stopped"), "the status says Stopped");
  g_clear_pointer (&found, g_ptr_array_unref);
  g_clear_pointer (&shown, g_ptr_array_unref);
  found = grep_rows ("e", NULL);
  shown = shown_rows (window, FALSE);
  check_rows (shown, found, FALSE, "a stopped search");
  wait_until (searches_finished, window, "the stopped search to finish");
  check (count_open_files () == 0, "a stopped search leaves no file open");

  /* Nothing found. */
  type_query (window, "no such text anywhere");
  load_everything (window);
  check (g_list_model_get_n_items (G_LIST_MODEL (search_window_get_results (window))) == 0, "no rows");
  check (g_strcmp0 (search_window_get_page (window), "empty") == 0, "the window says No Results Found");

  /* A search left suspended when the window closes. */
  type_query (window, "generator");
  wait_settled (window);
}

/* A query typed 50 times a second, with no delay: each keystroke starts a
 * search and cancels the one before; the window keeps painting, and the
 * last search shows what grep finds. */
static void
case_fast_typing (SearchWindow *window)
{
  static const char *const queries[] = { "g", "ge", "gen", "gene", "gener", "genera", "generat", "generato",
                                         "generator", "generato", "generat", "genera" };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  guint n_frames = 0;
  gulong handler;

  g_object_set (search_window_get_query_entry (window), "search-delay", 0, NULL);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (count_frame), &n_frames);
  for (guint i = 0; i < 100; i++)
    {
      gtk_editable_set_text (search_window_get_query_entry (window), queries[i % G_N_ELEMENTS (queries)]);
      run_for_ms (20);
    }
  g_signal_handler_disconnect (clock, handler);
  check (n_frames >= 10, "the window painted while the query was typed (%u frames in 2 s)", n_frames);

  type_query (window, "stream");
  load_everything (window);
  check_rows_are_greps (window, "stream", NULL);
  wait_until (searches_finished, window, "the searches typed over to finish");
  check (count_open_files () == 0, "no file is left open by the searches typed over");
  check (search_count_alive (SEARCH_ALIVE_MODELS) == 1, "only the last model is alive (%u)",
         search_count_alive (SEARCH_ALIVE_MODELS));
}

/* A directory removed while its files are read: the search goes on with
 * the rest, and shows error rows for what it could not read there. */
static void
case_vanish (SearchWindow *window)
{
  g_autoptr(GPtrArray) found = grep_rows ("needle", NULL);
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  g_autoptr(GPtrArray) kept_found = g_ptr_array_new ();
  g_autofree char *vanish = g_build_filename (test.root, "vanish", NULL);
  const char *rm[] = { "rm", "-rf", vanish, NULL };
  int wait_status;

  type_query (window, "needle");
  wait_settled (window);
  check (!agen_list_model_get_complete (search_window_get_results (window)), "the search is mid-way");
  check (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &wait_status, NULL) &&
         g_spawn_check_wait_status (wait_status, NULL), "the directory is removed");
  load_everything (window);

  shown = shown_rows (window, FALSE);
  errors = shown_rows (window, TRUE);
  check_rows (shown, found, FALSE, "the rows of a tree that lost a directory");
  for (guint i = 0; i < errors->len; i++)
    check (g_str_has_prefix (((Row *) errors->pdata[i])->path, "vanish"), "an error row is about the removed directory");
  for (guint i = 0; i < shown->len; i++)
    if (!g_str_has_prefix (((Row *) shown->pdata[i])->path, "vanish/"))
      g_ptr_array_add (kept, shown->pdata[i]);
  for (guint i = 0; i < found->len; i++)
    if (!g_str_has_prefix (((Row *) found->pdata[i])->path, "vanish/"))
      g_ptr_array_add (kept_found, found->pdata[i]);
  check_rows (kept, kept_found, TRUE, "the rows outside the removed directory");
  g_print ("vanish: %u rows, %u error rows\n", shown->len, errors->len);
}

/* Files and a directory that cannot be read: an error row each, and the
 * rest as grep finds it. */
static void
case_unreadable (SearchWindow *window)
{
  g_autofree char *secret = g_build_filename (test.root, "secret.txt", NULL);
  g_autoptr(GPtrArray) errors = NULL;

  if (access (secret, R_OK) == 0)
    {
      g_print ("unreadable: skipped: this process can read files of mode 000 (CAP_DAC_OVERRIDE)\n");
      exit (77);
    }

  type_query (window, "needle");
  load_everything (window);
  check_rows_are_greps (window, "needle", NULL);
  errors = shown_rows (window, TRUE);
  check (errors->len == 2 &&
         strcmp (((Row *) errors->pdata[0])->path, "locked") == 0 &&
         strcmp (((Row *) errors->pdata[1])->path, "secret.txt") == 0,
         "an error row for the unreadable directory and file (%u)", errors->len);
  check (strstr (search_window_get_status (window), "2 unreadable") != NULL, "the status counts them");
}

/* Binary files are skipped as grep -I skips them (a NUL byte in the first
 * block; one further on ends the line, and grep's output); text that is
 * not UTF-8 ends its file with an error row. */
static void
case_binary (SearchWindow *window)
{
  g_autoptr(GPtrArray) errors = NULL;

  type_query (window, "needle");
  load_everything (window);
  check_rows_are_greps (window, "needle", NULL);
  errors = shown_rows (window, TRUE);
  check (errors->len == 1 && strcmp (((Row *) errors->pdata[0])->path, "latin1.txt") == 0,
         "an error row for the text that is not UTF-8 (%u)", errors->len);
}

/* A line of 10 MB: shown around the query. */
static void
case_long_line (SearchWindow *window)
{
  g_autoptr(GPtrArray) shown = NULL;
  gboolean cut = FALSE;

  type_query (window, "needle");
  load_everything (window);
  check_rows_are_greps (window, "needle", NULL);
  check_screen (window);
  shown = shown_rows (window, FALSE);
  for (guint i = 0; i < shown->len; i++)
    {
      const Row *row = shown->pdata[i];

      check (strlen (row->text) <= SHOWN_MAX + 2 * strlen ("…"), "a row shows a part of a long line");
      cut |= g_str_has_prefix (row->text, "…");
    }
  check (cut, "the long line is shown cut");
}

static const struct
{
  const char *name;
  void (*run) (SearchWindow *window);
} cases[] = {
  { "user", case_user },
  { "fast-typing", case_fast_typing },
  { "vanish", case_vanish },
  { "unreadable", case_unreadable },
  { "binary", case_binary },
  { "long-line", case_long_line },
};

typedef struct
{
  SearchWindow *window;
  void (*run) (SearchWindow *window);
} Run;

static gboolean
run_case (gpointer data)
{
  Run *run = data;

  gtk_test_widget_wait_for_draw (GTK_WIDGET (run->window));
  run->run (run->window);
  check (test.n_logged == 0, "nothing logged a warning or a critical (%u did)", test.n_logged);
  /* As a user closes it: the application quits once the window has run
   * agen_shutdown_async(). */
  gtk_window_close (GTK_WINDOW (run->window));
  g_free (run);
  return G_SOURCE_REMOVE;
}

void
search_self_test_init (void)
{
  g_log_set_writer_func (count_warnings, NULL, NULL);
}

void
search_self_test_start (SearchWindow *window,
                        const char   *case_name,
                        GFile        *folder)
{
  Run *run = g_new0 (Run, 1);

  test.case_name = g_strdup (case_name);
  test.folder = g_object_ref (folder);
  test.root = g_file_get_path (folder);

  run->window = window;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (strcmp (cases[i].name, case_name) == 0)
      run->run = cases[i].run;
  check (run->run != NULL, "%s is a case", case_name);
  g_idle_add (run_case, run);
}

static gboolean
everything_finalised (gpointer data)
{
  return search_count_alive (SEARCH_ALIVE_GENERATORS) == 0 &&
         search_count_alive (SEARCH_ALIVE_MODELS) == 0 &&
         search_count_alive (SEARCH_ALIVE_ROWS) == 0;
}

/* After the application has quit. */
int
search_self_test_finish (int status)
{
  check (status == 0, "the application exits with 0 (%d)", status);
  check (test.root != NULL, "the self-test ran");
  wait_until (everything_finalised, NULL, "every generator, model and row to be finalised");
  check (count_open_files () == 0, "no file of the folder is open");
  check (test.n_logged == 0, "nothing logged a warning or a critical (%u did)", test.n_logged);
  g_print ("agen-search self-test %s: %u checks passed\n", test.case_name, test.n_checks);
  g_clear_object (&test.folder);
  g_clear_pointer (&test.root, g_free);
  g_clear_pointer (&test.case_name, g_free);
  return 0;
}

/* ---------------------------------------------------------------------- *
 * The benchmark
 * ---------------------------------------------------------------------- */

static int
compare_gaps (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
record_frame (GdkFrameClock *clock,
              GArray        *frames)
{
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (frames, now);
}

static gboolean
complete (gpointer data)
{
  return agen_list_model_get_complete (data) || agen_list_model_get_error (data) != NULL;
}

typedef struct
{
  SearchWindow *window;
  char *query;
} Bench;

static gboolean
run_bench (gpointer data)
{
  Bench *bench = data;
  SearchWindow *window = bench->window;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  AgenListModel *results;
  gint64 start, end;
  guint n_items;
  gulong handler;

  test.case_name = g_strdup ("bench");
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_object_set (search_window_get_query_entry (window), "search-delay", 0, NULL);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (record_frame), frames);

  start = g_get_monotonic_time ();
  type_query (window, bench->query);
  results = search_window_get_results (window);
  /* As a user who keeps scrolling down: the model streams everything. */
  agen_list_model_set_autoload_limit (results, G_MAXUINT);
  wait_until (complete, results, "the search to complete");
  end = g_get_monotonic_time ();
  g_signal_handler_disconnect (clock, handler);
  check (agen_list_model_get_error (results) == NULL, "the search succeeds");

  for (guint i = 1; i < frames->len; i++)
    {
      gint64 gap = g_array_index (frames, gint64, i) - g_array_index (frames, gint64, i - 1);

      g_array_append_val (gaps, gap);
    }
  check (gaps->len > 0, "frames were painted");
  g_array_sort (gaps, compare_gaps);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (results));
  g_print ("{\"case\": \"gtk\", \"what\": \"window\", \"unit\": \"items/s\", \"value\": %.1f, \"items\": %u}\n",
           n_items / ((end - start) / (double) G_USEC_PER_SEC), n_items);
  g_print ("{\"case\": \"gtk-frames\", \"what\": \"longest gap\", \"unit\": \"ms\", \"value\": %.1f, \"frames\": %u}\n",
           g_array_index (gaps, gint64, gaps->len - 1) / 1000.0, frames->len);
  g_print ("{\"case\": \"gtk-frames\", \"what\": \"99th percentile gap\", \"unit\": \"ms\", \"value\": %.1f}\n",
           g_array_index (gaps, gint64, (gaps->len - 1) * 99 / 100) / 1000.0);

  gtk_window_close (GTK_WINDOW (window));
  g_free (bench->query);
  g_free (bench);
  return G_SOURCE_REMOVE;
}

void
search_bench_start (SearchWindow *window,
                    const char   *query)
{
  Bench *bench = g_new0 (Bench, 1);

  bench->window = window;
  bench->query = g_strdup (query);
  g_idle_add (run_bench, bench);
}

/* The same search into the same model, with nothing to paint. */
int
search_bench_run_without_window (const char *query,
                                 const char *folder)
{
  g_autoptr(GFile) root = g_file_new_for_commandline_arg (folder);
  g_autoptr(AgenListModel) results = search_results_new (root, query, NULL);
  gint64 start = g_get_monotonic_time ();
  guint n_items;

  test.case_name = g_strdup ("bench");
  agen_list_model_set_autoload_limit (results, G_MAXUINT);
  wait_until (complete, results, "the search to complete");
  check (agen_list_model_get_error (results) == NULL, "the search succeeds");
  n_items = g_list_model_get_n_items (G_LIST_MODEL (results));
  g_print ("{\"case\": \"gtk\", \"what\": \"no window\", \"unit\": \"items/s\", \"value\": %.1f, \"items\": %u}\n",
           n_items / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC), n_items);
  return 0;
}

/* ---------------------------------------------------------------------- *
 * The screenshot
 * ---------------------------------------------------------------------- */

typedef struct
{
  SearchWindow *window;
  char *query;
  char *path;
} Screenshot;

static gboolean
take_screenshot (gpointer data)
{
  Screenshot *screenshot = data;
  GtkWidget *window = GTK_WIDGET (screenshot->window);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  test.case_name = g_strdup ("screenshot");
  gtk_test_widget_wait_for_draw (window);
  type_query (screenshot->window, screenshot->query);
  wait_settled (screenshot->window);
  /* The spinner stopped, the status line updated, the rows laid out. */
  run_for_ms (300);
  gtk_test_widget_wait_for_draw (window);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  check (gdk_texture_save_to_png (texture, screenshot->path), "%s is written", screenshot->path);
  g_print ("%s: %d×%d\n", screenshot->path, width, height);

  gtk_window_close (GTK_WINDOW (window));
  g_free (screenshot->query);
  g_free (screenshot->path);
  g_free (screenshot);
  return G_SOURCE_REMOVE;
}

void
search_screenshot_start (SearchWindow *window,
                         const char   *query,
                         const char   *path)
{
  Screenshot *screenshot = g_new0 (Screenshot, 1);

  screenshot->window = window;
  screenshot->query = g_strdup (query);
  screenshot->path = g_strdup (path);
  g_idle_add (take_screenshot, screenshot);
}
