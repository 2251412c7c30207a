/* agen-generator.h: an asynchronous generator on the GLib main loop
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

/**
 * AgenGeneratorState:
 * @AGEN_GENERATOR_STATE_CREATED: created; the body has not run yet.
 * @AGEN_GENERATOR_STATE_SUSPENDED: the body is suspended at a yield.
 * @AGEN_GENERATOR_STATE_RUNNING: an operation is in flight: the body runs or
 *   awaits.
 * @AGEN_GENERATOR_STATE_FINISHED: the body has finished; every operation
 *   ends at once.
 *
 * Where a generator is in its life, as Python's
 * `inspect.getasyncgenstate()` tells it.
 *
 * Since: 1.0
 */
typedef enum
{
  AGEN_GENERATOR_STATE_CREATED,
  AGEN_GENERATOR_STATE_SUSPENDED,
  AGEN_GENERATOR_STATE_RUNNING,
  AGEN_GENERATOR_STATE_FINISHED,
} AgenGeneratorState;

/**
 * AgenNowStatus:
 * @AGEN_NOW_ITEM: the body yielded: the item is there
 * @AGEN_NOW_END: the generator is finished (Python's `StopAsyncIteration`)
 * @AGEN_NOW_FAILED: the body raised, or the operation was refused: the
 *   error is set
 * @AGEN_NOW_PENDING: the body awaits: the outcome comes later, and the
 *   generator's #AgenReadyFunc is called when it is there
 * @AGEN_NOW_OTHER_TYPE: a typed form such as agen_generator_next_int_now()
 *   found an item of another type: it stays for agen_generator_next_now()
 *   to take. agen_generator_next_now() and agen_generator_send_now() never
 *   return it.
 *
 * What agen_generator_next_now(), agen_generator_send_now() and their
 * typed forms found.
 *
 * Since: 1.0
 */
typedef enum
{
  AGEN_NOW_ITEM,
  AGEN_NOW_END,
  AGEN_NOW_FAILED,
  AGEN_NOW_PENDING,
  AGEN_NOW_OTHER_TYPE,
} AgenNowStatus;

/**
 * AGEN_TYPE_GENERATOR:
 *
 * The #GType of #AgenGenerator.
 *
 * Since: 1.0
 */
#define AGEN_TYPE_GENERATOR (agen_generator_get_type ())

/**
 * AgenGenerator:
 *
 * An asynchronous generator. Its fields are private.
 *
 * Since: 1.0
 */
AGEN_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (AgenGenerator, agen_generator, AGEN, GENERATOR, GObject)

/**
 * AgenBodyFunc:
 * @self: the generator whose body runs
 * @user_data: the data given to agen_generator_new()
 *
 * The body of a generator: a continuation closure. It is called each time an
 * operation resumes the generator. Each call does some work and ends in
 * exactly one of agen_generator_yield(), agen_generator_return(),
 * agen_generator_raise() or an await (agen_generator_await() or
 * agen_generator_suspend()), and then returns.
 *
 * Since: 1.0
 */
typedef void (*AgenBodyFunc) (AgenGenerator *self,
                              gpointer       user_data);

/**
 * AgenForeachFunc:
 * @self: the generator being iterated
 * @item: the item the body yielded
 * @user_data: the data given to agen_generator_foreach_async()
 *
 * Called by agen_generator_foreach_async() for each item.
 *
 * Returns: %TRUE to go on, %FALSE to stop, which closes the generator
 *
 * Since: 1.0
 */
typedef gboolean (*AgenForeachFunc) (AgenGenerator *self,
                                     const GValue  *item,
                                     gpointer       user_data);

/**
 * AgenReadyFunc:
 * @self: the generator whose pending operation has its outcome
 * @user_data: the data given to agen_generator_set_ready_func()
 *
 * Called when the outcome of an operation that agen_generator_next_now() or
 * agen_generator_send_now() left %AGEN_NOW_PENDING is there: take it by
 * calling agen_generator_next_now() (or agen_generator_send_now()) again.
 *
 * Since: 1.0
 */
typedef void (*AgenReadyFunc) (AgenGenerator *self,
                               gpointer       user_data);

/* The producer face: what a body calls. */

AGEN_AVAILABLE_IN_1_0
AgenGenerator      *agen_generator_new                (AgenBodyFunc         body,
                                                       gpointer             user_data,
                                                       GDestroyNotify       user_data_destroy);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_yield              (AgenGenerator       *self,
                                                       const GValue        *item);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_yield_int          (AgenGenerator       *self,
                                                       gint                 item);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_yield_string       (AgenGenerator       *self,
                                                       const char          *item);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_yield_object       (AgenGenerator       *self,
                                                       gpointer             item);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_return             (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_raise              (AgenGenerator       *self,
                                                       GError              *error);
AGEN_AVAILABLE_IN_1_0
gpointer            agen_generator_await              (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_ready              (GObject             *source_object,
                                                       GAsyncResult        *result,
                                                       gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
guint               agen_generator_suspend            (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_resume             (AgenGenerator       *self,
                                                       guint                await_id,
                                                       GAsyncResult        *result);
AGEN_AVAILABLE_IN_1_0
guint               agen_generator_resume_yield       (AgenGenerator       *self,
                                                       guint                await_id,
                                                       const GValue        *item);
AGEN_AVAILABLE_IN_1_0
GAsyncResult       *agen_generator_get_result         (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
const GValue       *agen_generator_get_sent           (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_catch              (AgenGenerator       *self,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
GError             *agen_generator_catch_error        (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
const GError       *agen_generator_peek_error         (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
GCancellable       *agen_generator_get_cancellable    (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_defer              (AgenGenerator       *self,
                                                       GDestroyNotify       func,
                                                       gpointer             data);
AGEN_AVAILABLE_IN_1_0
guint               agen_generator_get_resume_point   (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_set_resume_point   (AgenGenerator       *self,
                                                       guint                resume_point);

/* The consumer face. */

AGEN_AVAILABLE_IN_1_0
AgenGeneratorState  agen_generator_get_state          (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
const char         *agen_generator_get_name           (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_set_name           (AgenGenerator       *self,
                                                       const char          *name);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_get_dispatch_body  (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_set_dispatch_body  (AgenGenerator       *self,
                                                       gboolean             dispatch_body);
AGEN_AVAILABLE_IN_1_0
int                 agen_generator_get_priority       (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_set_priority       (AgenGenerator       *self,
                                                       int                  priority);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_next_async         (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_next_finish        (AgenGenerator       *self,
                                                       GAsyncResult        *result,
                                                       GValue              *item,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_next_start         (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data,
                                                       GDestroyNotify       user_data_destroy,
                                                       gboolean            *pending,
                                                       GValue              *item,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_set_ready_func     (AgenGenerator       *self,
                                                       AgenReadyFunc        func,
                                                       gpointer             user_data,
                                                       GDestroyNotify       user_data_destroy);
AGEN_AVAILABLE_IN_1_0
AgenNowStatus       agen_generator_next_now           (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GValue              *item,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
AgenNowStatus       agen_generator_send_now           (AgenGenerator       *self,
                                                       const GValue        *value,
                                                       GCancellable        *cancellable,
                                                       GValue              *item,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_next_boolean_now   (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
gint                agen_generator_next_int_now       (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
gint64              agen_generator_next_int64_now     (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
gdouble             agen_generator_next_double_now    (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
gchar              *agen_generator_next_string_now    (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
GObject            *agen_generator_next_object_now    (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
AgenNowStatus       agen_generator_get_now_status     (AgenGenerator       *self);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_send_async         (AgenGenerator       *self,
                                                       const GValue        *value,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_send_finish        (AgenGenerator       *self,
                                                       GAsyncResult        *result,
                                                       GValue              *item,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_throw_async        (AgenGenerator       *self,
                                                       const GError        *error,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_throw_finish       (AgenGenerator       *self,
                                                       GAsyncResult        *result,
                                                       GValue              *item,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_close_async        (AgenGenerator       *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_close_finish       (AgenGenerator       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
AGEN_AVAILABLE_IN_1_0
void                agen_generator_foreach_async      (AgenGenerator       *self,
                                                       AgenForeachFunc      func,
                                                       gpointer             func_data,
                                                       GDestroyNotify       func_data_destroy,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
gboolean            agen_generator_foreach_finish     (AgenGenerator       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

G_END_DECLS
