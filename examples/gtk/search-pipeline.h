/* search-pipeline.h: the search of agen-search, as generators
 *
 * A search is a pipeline of generators: a walk of the directory tree (each
 * directory listed by agen_generator_new_file_infos()), a filter on the
 * file names, and for each file the lines of its text
 * (agen_generator_new_lines()), numbered by agen_generator_enumerate() and
 * kept by agen_generator_filter() when they hold the query. Its items are
 * SearchMatch objects, ready for an AgenListModel.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <agen-glib/agen.h>

G_BEGIN_DECLS

#define SEARCH_TYPE_MATCH (search_match_get_type ())
G_DECLARE_FINAL_TYPE (SearchMatch, search_match, SEARCH, MATCH, GObject)

const char    *search_match_get_path  (SearchMatch *self);
guint          search_match_get_line  (SearchMatch *self);
const char    *search_match_get_text  (SearchMatch *self);
gboolean       search_match_is_error  (SearchMatch *self);

AgenGenerator *search_pipeline_new    (GFile       *root,
                                       const char  *query,
                                       const char  *include);
AgenListModel *search_results_new     (GFile       *root,
                                       const char  *query,
                                       const char  *include);

/* What the self-test counts to know that nothing is left alive. */
typedef enum
{
  SEARCH_ALIVE_GENERATORS,     /* every generator a search made */
  SEARCH_ALIVE_MODELS,         /* the windows' list models */
  SEARCH_ALIVE_ROWS,           /* SearchMatch objects */
  SEARCH_N_ALIVE
} SearchAlive;

gpointer       search_track_alive     (gpointer     object,
                                       SearchAlive  kind);
guint          search_count_alive     (SearchAlive  kind);

G_END_DECLS
