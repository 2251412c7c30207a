/* agen-example.h: a C generator and a C consumer for the examples
 *
 * The Python, JavaScript and Vala examples consume agen_example_lines_new()
 * and hand their own generators to agen_example_print_all_async().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <agen-glib/agen.h>

G_BEGIN_DECLS

AgenGenerator *agen_example_lines_new        (GFile               *file);
void           agen_example_print_all_async  (AgenGenerator       *items,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
guint          agen_example_print_all_finish (AgenGenerator       *items,
                                              GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
