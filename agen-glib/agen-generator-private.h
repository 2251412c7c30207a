/* agen-generator-private.h: what the rest of the library asks of a generator
 *
 * Included by the files above the consumer face that need more than the
 * public API: where a generator lives (its context, a source there), what
 * to call it in a message, closing it without awaiting the close, and the
 * started generators of a context (shutdown). The generator's own files
 * implement it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-close-error.h"

G_BEGIN_DECLS

GMainContext *_agen_generator_get_context    (AgenGenerator   *self);
void          _agen_generator_schedule       (AgenGenerator   *self,
                                              const char      *name,
                                              GSourceFunc      func,
                                              gpointer         data,
                                              GDestroyNotify   destroy);
char         *_agen_generator_describe       (AgenGenerator   *self);
void          _agen_generator_close_and_report (AgenGenerator   *self,
                                                AgenCloseReason  reason);
GPtrArray    *_agen_generators_take_started  (GMainContext    *context);

G_END_DECLS
