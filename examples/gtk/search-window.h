/* search-window.h: the window of agen-search
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <agen-glib/agen.h>
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SEARCH_TYPE_WINDOW (search_window_get_type ())
G_DECLARE_FINAL_TYPE (SearchWindow, search_window, SEARCH, WINDOW, GtkApplicationWindow)

SearchWindow      *search_window_new              (GtkApplication *application,
                                                   GFile          *folder);

/* For the self-test and the benchmark, which drive the window as a user
 * would. */
GtkEditable       *search_window_get_query_entry  (SearchWindow   *self);
GtkEditable       *search_window_get_include_entry (SearchWindow  *self);
GtkScrolledWindow *search_window_get_scrolled     (SearchWindow   *self);
GtkColumnView     *search_window_get_view         (SearchWindow   *self);
AgenListModel     *search_window_get_results      (SearchWindow   *self);
const char        *search_window_get_status       (SearchWindow   *self);
const char        *search_window_get_page         (SearchWindow   *self);
guint              search_window_get_n_running    (SearchWindow   *self);

G_END_DECLS
