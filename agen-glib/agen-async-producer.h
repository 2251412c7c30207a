/* agen-async-producer.h: a producer class with an async method to override
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include <gio/gio.h>

#include "agen-emitter.h"
#include "agen-generator.h"
#include "agen-version-macros.h"

G_BEGIN_DECLS

/**
 * AGEN_TYPE_PRODUCER:
 *
 * The #GType of #AgenProducer.
 *
 * Since: 1.0
 */
#define AGEN_TYPE_PRODUCER (agen_producer_get_type ())

/**
 * AgenProducer:
 *
 * The base class of producers written as an asynchronous method. Its
 * fields are private.
 *
 * Since: 1.0
 */
AGEN_AVAILABLE_IN_1_0
G_DECLARE_DERIVABLE_TYPE (AgenProducer, agen_producer, AGEN, PRODUCER, GObject)

/**
 * AgenProducerClass:
 * @parent_class: the parent class
 * @produce: starts producing: emits each item to the emitter with
 *   agen_emitter_emit_async(), awaiting it, and calls the callback when
 *   it has finished
 * @produce_finish: ends it; sets the error the producer failed with
 *
 * The class of #AgenProducer: a subclass overrides @produce and
 * @produce_finish, as a Vala `async` method does.
 *
 * Since: 1.0
 */
struct _AgenProducerClass
{
  GObjectClass parent_class;

  void (*produce)        (AgenProducer         *self,
                          AgenEmitter          *emitter,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data);
  void (*produce_finish) (AgenProducer         *self,
                          GAsyncResult         *result,
                          GError              **error);

  /*< private >*/
  gpointer padding[8];
};

AGEN_AVAILABLE_IN_1_0
void           agen_producer_produce            (AgenProducer         *self,
                                                 AgenEmitter          *emitter,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
AGEN_AVAILABLE_IN_1_0
void           agen_producer_produce_finish     (AgenProducer         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_from_producer (AgenProducer         *producer);

G_END_DECLS
