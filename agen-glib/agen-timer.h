/* agen-timer.h: awaitable timers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include <gio/gio.h>

#include "agen-generator.h"
#include "agen-version-macros.h"

G_BEGIN_DECLS

AGEN_AVAILABLE_IN_1_0
void     agen_sleep_async               (guint                timeout_ms,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
gboolean agen_sleep_finish              (GAsyncResult        *result,
                                         GError             **error);
AGEN_AVAILABLE_IN_1_0
void     agen_generator_await_timeout   (AgenGenerator       *self,
                                         guint                timeout_ms);

G_END_DECLS
