/* search-window.c: the window of agen-search
 *
 * Typing in the search entry starts a search (search-pipeline.c) into an
 * AgenListModel behind a GtkColumnView: file, line, text. The model loads
 * the first rows by itself (AgenListModel:autoload-limit) and more each
 * time the view is scrolled to its end; the spinner is bound to its
 * "loading" property. Typing again cancels the search and starts another;
 * Escape stops it. Closing the window hides it at once, waits for the
 * searches to finish closing their files, runs agen_shutdown_async(), and
 * only then destroys the window, which ends the application.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "search-window.h"

#include "search-pipeline.h"
#include "search-spinner.h"

/* The rows the model loads by itself: a few screens. */
#define SEARCH_FIRST_ROWS 200
/* The rows it loads more each time the view reaches its end. */
#define SEARCH_MORE_ROWS 200

typedef enum
{
  COLUMN_FILE,
  COLUMN_LINE,
  COLUMN_TEXT,
} Column;

struct _SearchWindow
{
  GtkApplicationWindow parent_instance;

  /* The template's. */
  GtkLabel *subtitle;
  SearchSpinner *spinner;
  GtkSearchEntry *query_entry;
  GtkEntry *include_entry;
  GtkStack *stack;
  GtkScrolledWindow *scrolled;
  GtkColumnView *view;
  GtkLabel *status_label;

  GtkSingleSelection *selection;
  GFile *folder;

  /* The search shown, or NULL. */
  AgenListModel *results;
  GBinding *loading_binding;
  gboolean stopped;            /* by Escape */

  /* What the rows announced so far hold. */
  guint n_counted;
  guint n_matches;
  guint n_files;
  guint n_errors;
  char *last_path;

  /* The search generators that have not finished: the one shown, and the
   * cancelled ones while they close their files. */
  GPtrArray *running;
  gboolean closing;            /* the window was closed: shutting down */
  gboolean shutting_down;      /* agen_shutdown_async() was called */
  gboolean shut_down;
};

G_DEFINE_FINAL_TYPE (SearchWindow, search_window, GTK_TYPE_APPLICATION_WINDOW)

/* ---------------------------------------------------------------------- *
 * The status line
 * ---------------------------------------------------------------------- */

/* Counts the rows announced since the last call: those of a file follow
 * each other. */
static void
search_window_count_rows (SearchWindow *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->results));

  for (; self->n_counted < n_items; self->n_counted++)
    {
      g_autoptr(SearchMatch) match = g_list_model_get_item (G_LIST_MODEL (self->results), self->n_counted);

      if (search_match_is_error (match))
        {
          self->n_errors++;
          continue;
        }
      self->n_matches++;
      if (g_strcmp0 (self->last_path, search_match_get_path (match)) != 0)
        {
          g_free (self->last_path);
          self->last_path = g_strdup (search_match_get_path (match));
          self->n_files++;
        }
    }
}

static void
search_window_update_status (SearchWindow *self)
{
  g_autoptr(GString) status = g_string_new (NULL);
  const GError *error;
  const char *page = "results";

  if (self->results == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "start");
      gtk_label_set_text (self->status_label, "");
      return;
    }

  search_window_count_rows (self);
  error = agen_list_model_get_error (self->results);

  if (error != NULL)
    g_string_append_printf (status, "Search failed: %s. ", error->message);
  else if (self->stopped)
    g_string_append (status, "Stopped. ");
  else if (agen_list_model_get_loading (self->results))
    g_string_append (status, "Searching… ");

  g_string_append_printf (status, "%u %s in %u %s", self->n_matches, self->n_matches == 1 ? "match" : "matches",
                          self->n_files, self->n_files == 1 ? "file" : "files");
  if (self->n_errors > 0)
    g_string_append_printf (status, ", %u unreadable", self->n_errors);
  if (!agen_list_model_get_complete (self->results) && error == NULL && !self->stopped &&
      !agen_list_model_get_loading (self->results))
    g_string_append (status, " so far: scroll down for more");

  if (agen_list_model_get_complete (self->results) && self->n_counted == 0)
    page = "empty";
  gtk_stack_set_visible_child_name (self->stack, page);
  gtk_label_set_text (self->status_label, status->str);
}

/* ---------------------------------------------------------------------- *
 * Searches
 * ---------------------------------------------------------------------- */

static void search_window_shut_down (SearchWindow *self);

static void
on_search_state (AgenGenerator *search,
                 GParamSpec    *pspec,
                 SearchWindow  *self)
{
  if (agen_generator_get_state (search) != AGEN_GENERATOR_STATE_FINISHED)
    return;

  g_signal_handlers_disconnect_by_func (search, on_search_state, self);
  g_ptr_array_remove_fast (self->running, search);
  if (self->closing && self->running->len == 0)
    search_window_shut_down (self);
}

static void
search_window_track (SearchWindow  *self,
                     AgenGenerator *search)
{
  g_ptr_array_add (self->running, g_object_ref (search));
}

/* @search was cancelled, or its model ended: it is dropped from the
 * running ones once it has finished. Its state is watched only from now
 * on: it changes twice per row while the search streams (running,
 * suspended), and a handler would run for each. */
static void
search_window_watch_end (SearchWindow  *self,
                         AgenGenerator *search)
{
  if (self->running == NULL || !g_ptr_array_find (self->running, search, NULL) ||
      g_signal_handler_find (search, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                             on_search_state, self) != 0)
    return;

  g_signal_connect (search, "notify::state", G_CALLBACK (on_search_state), self);
  on_search_state (search, NULL, self);
}

static void
on_results_changed (SearchWindow *self)
{
  search_window_update_status (self);
}

static void
on_results_ended (SearchWindow *self)
{
  search_window_watch_end (self, agen_list_model_get_generator (self->results));
  search_window_update_status (self);
}

/* Cancels the search shown: it closes every listing and stream it opened,
 * then finishes. */
static void
search_window_cancel (SearchWindow *self)
{
  agen_list_model_cancel (self->results);
  search_window_watch_end (self, agen_list_model_get_generator (self->results));
}

/* Shows @results (owned), or nothing; the search shown before is
 * cancelled, which closes every listing and stream it opened. */
static void
search_window_show_results (SearchWindow  *self,
                            AgenListModel *results)
{
  if (self->results != NULL)
    {
      search_window_cancel (self);
      g_signal_handlers_disconnect_by_data (self->results, self);
      g_clear_pointer (&self->loading_binding, g_binding_unbind);
      g_clear_object (&self->results);
    }

  self->results = results;
  self->stopped = FALSE;
  self->n_counted = self->n_matches = self->n_files = self->n_errors = 0;
  g_clear_pointer (&self->last_path, g_free);

  if (results != NULL)
    {
      self->loading_binding = g_object_bind_property (results, "loading", self->spinner, "spinning",
                                                      G_BINDING_SYNC_CREATE);
      g_signal_connect_swapped (results, "items-changed", G_CALLBACK (on_results_changed), self);
      g_signal_connect_swapped (results, "notify::loading", G_CALLBACK (on_results_changed), self);
      g_signal_connect_swapped (results, "notify::complete", G_CALLBACK (on_results_ended), self);
      g_signal_connect_swapped (results, "notify::error", G_CALLBACK (on_results_ended), self);
    }
  else
    search_spinner_set_spinning (self->spinner, FALSE);

  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (results));
  search_window_update_status (self);
}

static void
search_window_start (SearchWindow *self)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->query_entry));
  const char *include = gtk_editable_get_text (GTK_EDITABLE (self->include_entry));
  AgenListModel *results;

  if (query[0] == '\0')
    {
      search_window_show_results (self, NULL);
      return;
    }

  results = search_results_new (self->folder, query, include);
  search_window_track (self, agen_list_model_get_generator (results));
  agen_list_model_set_autoload_limit (results, SEARCH_FIRST_ROWS);
  search_window_show_results (self, results);
}

static void
on_search_changed (SearchWindow *self)
{
  if (!self->closing)
    search_window_start (self);
}

/* Escape. */
static void
on_stop_search (SearchWindow *self)
{
  if (self->results == NULL || agen_list_model_get_complete (self->results) ||
      agen_list_model_get_error (self->results) != NULL)
    return;

  search_window_cancel (self);
  self->stopped = TRUE;
  search_window_update_status (self);
}

/* More rows each time the view reaches its end. */
static void
on_edge_reached (SearchWindow    *self,
                 GtkPositionType  position)
{
  guint limit;

  if (position != GTK_POS_BOTTOM || self->results == NULL)
    return;

  limit = g_list_model_get_n_items (G_LIST_MODEL (self->results)) + SEARCH_MORE_ROWS;
  if (limit > agen_list_model_get_autoload_limit (self->results))
    agen_list_model_set_autoload_limit (self->results, limit);
}

static void
search_window_set_folder (SearchWindow *self,
                          GFile        *folder)
{
  g_autoptr(GFile) home = g_file_new_for_path (g_get_home_dir ());
  g_autofree char *in_home = g_file_get_relative_path (home, folder);
  g_autofree char *name = in_home != NULL ? g_build_filename ("~", in_home, NULL) : g_file_get_parse_name (folder);

  g_set_object (&self->folder, folder);
  gtk_label_set_text (self->subtitle, name);
  search_window_start (self);
}

static void
on_folder_chosen (GtkNativeDialog *chooser,
                  int              response,
                  SearchWindow    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      search_window_set_folder (self, folder);
    }
  g_object_unref (chooser);
}

static void
choose_folder (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SearchWindow *self = SEARCH_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new ("Choose the Folder to Search", GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Search", NULL);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), self->folder, NULL);
  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---------------------------------------------------------------------- *
 * Closing
 * ---------------------------------------------------------------------- */

static void
on_shut_down (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SearchWindow) self = user_data;

  /* A close that failed was reported already (agen_set_close_error_func()). */
  agen_shutdown_finish (result, NULL);
  self->shut_down = TRUE;
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Every search has finished: closes what generators are left suspended,
 * then lets the window go. */
static void
search_window_shut_down (SearchWindow *self)
{
  /* The last search may finish inside the cancel of close-request. */
  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;
  agen_shutdown_async (NULL, on_shut_down, g_object_ref (self));
}

/* The window disappears at once; it is destroyed once the searches have
 * closed their files. A generator cannot be closed while it runs, so
 * agen_shutdown_async() waits for the cancelled searches to finish. */
static gboolean
search_window_close_request (GtkWindow *window)
{
  SearchWindow *self = SEARCH_WINDOW (window);

  if (self->shut_down)
    return FALSE;
  if (self->closing)
    return TRUE;

  self->closing = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  if (self->results != NULL)
    search_window_cancel (self);
  if (self->running->len == 0)
    search_window_shut_down (self);
  return TRUE;
}

/* ---------------------------------------------------------------------- *
 * The columns
 * ---------------------------------------------------------------------- */

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  switch ((Column) GPOINTER_TO_INT (user_data))
    {
    case COLUMN_FILE:
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_START);
      break;
    case COLUMN_LINE:
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_add_css_class (label, "dim-label");
      break;
    case COLUMN_TEXT:
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "monospace");
      break;
    }
  gtk_list_item_set_child (list_item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  SearchMatch *match = gtk_list_item_get_item (list_item);
  GtkWidget *label = gtk_list_item_get_child (list_item);
  g_autofree char *number = NULL;

  switch ((Column) GPOINTER_TO_INT (user_data))
    {
    case COLUMN_FILE:
      gtk_label_set_text (GTK_LABEL (label), search_match_get_path (match));
      break;
    case COLUMN_LINE:
      if (!search_match_is_error (match))
        number = g_strdup_printf ("%u", search_match_get_line (match));
      gtk_label_set_text (GTK_LABEL (label), number != NULL ? number : "");
      break;
    case COLUMN_TEXT:
      gtk_label_set_text (GTK_LABEL (label), search_match_get_text (match));
      if (search_match_is_error (match))
        gtk_widget_add_css_class (label, "error");
      else
        gtk_widget_remove_css_class (label, "error");
      break;
    }
}

static void
search_window_add_column (SearchWindow *self,
                          const char   *title,
                          Column        column,
                          int           fixed_width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) view_column = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (column));
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (view_column, fixed_width);
  else
    gtk_column_view_column_set_expand (view_column, TRUE);
  gtk_column_view_append_column (self->view, view_column);
}

/* ---------------------------------------------------------------------- *
 * GObject
 * ---------------------------------------------------------------------- */

static void
search_window_dispose (GObject *object)
{
  SearchWindow *self = SEARCH_WINDOW (object);

  if (self->running != NULL)
    {
      for (guint i = 0; i < self->running->len; i++)
        g_signal_handlers_disconnect_by_func (self->running->pdata[i], on_search_state, self);
      g_clear_pointer (&self->running, g_ptr_array_unref);
    }
  if (self->results != NULL)
    search_window_show_results (self, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->folder);
  g_clear_pointer (&self->last_path, g_free);

  gtk_widget_dispose_template (GTK_WIDGET (self), SEARCH_TYPE_WINDOW);

  G_OBJECT_CLASS (search_window_parent_class)->dispose (object);
}

static void
search_window_class_init (SearchWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = search_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = search_window_close_request;

  g_type_ensure (SEARCH_TYPE_SPINNER);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/AgenSearch/search-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SearchWindow, subtitle);
  gtk_widget_class_bind_template_child (widget_class, SearchWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, SearchWindow, query_entry);
  gtk_widget_class_bind_template_child (widget_class, SearchWindow, include_entry);
  gtk_widget_class_bind_template_child (widget_class, SearchWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SearchWindow, scrolled);
  gtk_widget_class_bind_template_child (widget_class, SearchWindow, view);
  gtk_widget_class_bind_template_child (widget_class, SearchWindow, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_edge_reached);

  gtk_widget_class_install_action (widget_class, "win.choose-folder", NULL, choose_folder);
}

static void
search_window_init (SearchWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->running = g_ptr_array_new_with_free_func (g_object_unref);
  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->view, GTK_SELECTION_MODEL (self->selection));
  search_window_add_column (self, "File", COLUMN_FILE, 260);
  search_window_add_column (self, "Line", COLUMN_LINE, 70);
  search_window_add_column (self, "Text", COLUMN_TEXT, -1);

  /* Typing anywhere in the window goes to the search. */
  gtk_search_entry_set_key_capture_widget (self->query_entry, GTK_WIDGET (self));
}

SearchWindow *
search_window_new (GtkApplication *application,
                   GFile          *folder)
{
  SearchWindow *self = g_object_new (SEARCH_TYPE_WINDOW, "application", application, NULL);

  search_window_set_folder (self, folder);
  return self;
}

GtkEditable *
search_window_get_query_entry (SearchWindow *self)
{
  return GTK_EDITABLE (self->query_entry);
}

GtkEditable *
search_window_get_include_entry (SearchWindow *self)
{
  return GTK_EDITABLE (self->include_entry);
}

GtkScrolledWindow *
search_window_get_scrolled (SearchWindow *self)
{
  return self->scrolled;
}

GtkColumnView *
search_window_get_view (SearchWindow *self)
{
  return self->view;
}

/* The search shown, or NULL. */
AgenListModel *
search_window_get_results (SearchWindow *self)
{
  return self->results;
}

const char *
search_window_get_status (SearchWindow *self)
{
  return gtk_label_get_text (self->status_label);
}

/* What the window shows: "start", "results" or "empty" (no results). */
const char *
search_window_get_page (SearchWindow *self)
{
  return gtk_stack_get_visible_child_name (self->stack);
}

/* How many searches have not finished: the one shown, and the cancelled
 * ones still closing their files. */
guint
search_window_get_n_running (SearchWindow *self)
{
  return self->running->len;
}
