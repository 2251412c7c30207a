/* search-spinner.h: a spinner that turns without a relayout per frame
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SEARCH_TYPE_SPINNER (search_spinner_get_type ())
G_DECLARE_FINAL_TYPE (SearchSpinner, search_spinner, SEARCH, SPINNER, GtkWidget)

gboolean search_spinner_get_spinning (SearchSpinner *self);
void     search_spinner_set_spinning (SearchSpinner *self,
                                      gboolean       spinning);

G_END_DECLS
