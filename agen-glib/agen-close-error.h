/* agen-close-error.h: where the failure of a close that nobody awaits goes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include "agen-generator.h"

G_BEGIN_DECLS

/**
 * AgenCloseReason:
 * @AGEN_CLOSE_REASON_LAST_UNREF: the generator was closed on its last
 *   unref (Python: asyncio's finaliser hook).
 * @AGEN_CLOSE_REASON_SHUTDOWN: agen_shutdown_async() closed it (Python:
 *   `loop.shutdown_asyncgens()`).
 * @AGEN_CLOSE_REASON_CONSUMER_STOPPED: the consumer that held it stopped
 *   and closed it: an #AgenListModel, agen_generator_collect_store_async()
 *   after an item of the wrong type, a combinator closing its sources after
 *   its first error (which it raises).
 *
 * Why agen-glib closed a generator without anybody awaiting the close.
 *
 * Since: 1.0
 */
typedef enum
{
  AGEN_CLOSE_REASON_LAST_UNREF,
  AGEN_CLOSE_REASON_SHUTDOWN,
  AGEN_CLOSE_REASON_CONSUMER_STOPPED,
} AgenCloseReason;

/**
 * AgenCloseErrorFunc:
 * @generator: the generator whose close failed
 * @error: what the close failed with
 * @reason: why agen-glib closed it
 * @user_data: the data given to agen_set_close_error_func()
 *
 * Receives the failure of a close that nobody awaits, in the main context
 * of @generator: asyncio's exception handler.
 *
 * Since: 1.0
 */
typedef void (*AgenCloseErrorFunc) (AgenGenerator   *generator,
                                    const GError    *error,
                                    AgenCloseReason  reason,
                                    gpointer         user_data);

AGEN_AVAILABLE_IN_1_0
void agen_set_close_error_func (AgenCloseErrorFunc func,
                                gpointer           user_data,
                                GDestroyNotify     user_data_destroy);

G_END_DECLS
