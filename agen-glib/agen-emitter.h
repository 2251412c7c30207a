/* agen-emitter.h: producers written as async functions or threads
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

/**
 * AGEN_TYPE_EMITTER:
 *
 * The #GType of #AgenEmitter.
 *
 * Since: 1.0
 */
#define AGEN_TYPE_EMITTER (agen_emitter_get_type ())

/**
 * AgenEmitter:
 *
 * What a producer written as an async function or a thread emits its items
 * to. Its fields are private.
 *
 * Since: 1.0
 */
AGEN_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (AgenEmitter, agen_emitter, AGEN, EMITTER, GObject)

/**
 * AgenProduceAsyncFunc:
 * @emitter: where the producer emits its items
 * @cancellable: cancelled when a cancellation of the consumer's operation
 *   reaches the producer; give it to what the producer awaits
 * @callback: what to call when the producer has finished
 * @callback_data: the data for @callback
 * @user_data: the data given to agen_generator_new_async()
 *
 * The start of a producer written as a GIO-style asynchronous function: it
 * emits items with agen_emitter_emit_async(), awaiting each, and calls
 * @callback once when it has finished.
 *
 * Since: 1.0
 */
typedef void (*AgenProduceAsyncFunc) (AgenEmitter         *emitter,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             callback_data,
                                      gpointer             user_data);

/**
 * AgenProduceFinishFunc:
 * @emitter: the emitter given to the #AgenProduceAsyncFunc
 * @result: the #GAsyncResult the producer's callback was given
 * @user_data: the data given to agen_generator_new_async()
 * @error: return location for the error the producer failed with
 *
 * The end of a producer written as a GIO-style asynchronous function.
 *
 * Returns: %TRUE when the producer returned, %FALSE when it failed (the
 *   generator then fails with @error)
 *
 * Since: 1.0
 */
typedef gboolean (*AgenProduceFinishFunc) (AgenEmitter   *emitter,
                                           GAsyncResult  *result,
                                           gpointer       user_data,
                                           GError       **error);

/**
 * AgenThreadFunc:
 * @emitter: where the producer emits its items, with agen_emitter_emit()
 * @cancellable: cancelled when a cancellation of the consumer's operation
 *   reaches the producer; give it to the blocking calls the producer makes
 * @user_data: the data given to agen_generator_new_threaded()
 * @error: return location for the error the producer fails with
 *
 * A producer that runs in a thread of its own and blocks in
 * agen_emitter_emit() until the consumer takes the item.
 *
 * Returns: %TRUE when the producer returned, %FALSE when it failed (the
 *   generator then fails with @error)
 *
 * Since: 1.0
 */
typedef gboolean (*AgenThreadFunc) (AgenEmitter   *emitter,
                                    GCancellable  *cancellable,
                                    gpointer       user_data,
                                    GError       **error);

AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_async        (AgenProduceAsyncFunc   produce_async,
                                                AgenProduceFinishFunc  produce_finish,
                                                gpointer               user_data,
                                                GDestroyNotify         user_data_destroy);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_threaded     (AgenThreadFunc         func,
                                                gpointer               user_data,
                                                GDestroyNotify         user_data_destroy);

AGEN_AVAILABLE_IN_1_0
void           agen_emitter_emit_async         (AgenEmitter          *self,
                                                const GValue         *item,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_emitter_emit_finish        (AgenEmitter          *self,
                                                GAsyncResult         *result,
                                                GValue               *sent,
                                                GError              **error);
AGEN_AVAILABLE_IN_1_0
void           agen_emitter_emit_int_async     (AgenEmitter          *self,
                                                gint                  item,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_emitter_emit_int_finish    (AgenEmitter          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
AGEN_AVAILABLE_IN_1_0
void           agen_emitter_emit_string_async  (AgenEmitter          *self,
                                                const char           *item,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_emitter_emit_string_finish (AgenEmitter          *self,
                                                GAsyncResult         *result,
                                                GError              **error);
AGEN_AVAILABLE_IN_1_0
void           agen_emitter_emit_object_async  (AgenEmitter          *self,
                                                gpointer              item,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_emitter_emit_object_finish (AgenEmitter          *self,
                                                GAsyncResult         *result,
                                                GError              **error);

AGEN_AVAILABLE_IN_1_0
gboolean       agen_emitter_emit               (AgenEmitter          *self,
                                                const GValue         *item,
                                                GCancellable         *cancellable,
                                                GValue               *sent,
                                                GError              **error);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_emitter_emit_int           (AgenEmitter          *self,
                                                gint                  item,
                                                GCancellable         *cancellable,
                                                GError              **error);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_emitter_emit_string        (AgenEmitter          *self,
                                                const char           *item,
                                                GCancellable         *cancellable,
                                                GError              **error);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_emitter_emit_object        (AgenEmitter          *self,
                                                gpointer              item,
                                                GCancellable         *cancellable,
                                                GError              **error);

AGEN_AVAILABLE_IN_1_0
guint          agen_emitter_get_buffer_size    (AgenEmitter          *self);
AGEN_AVAILABLE_IN_1_0
void           agen_emitter_set_buffer_size    (AgenEmitter          *self,
                                                guint                 buffer_size);

G_END_DECLS
