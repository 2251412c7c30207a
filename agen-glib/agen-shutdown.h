/* agen-shutdown.h: close every generator of a main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include <gio/gio.h>

#include "agen-version-macros.h"

G_BEGIN_DECLS

AGEN_AVAILABLE_IN_1_0
void     agen_shutdown_async  (GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
gboolean agen_shutdown_finish (GAsyncResult        *result,
                               GError             **error);

G_END_DECLS
