/* agen-close-error.c: where the failure of a close that nobody awaits goes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-close-error-private.h"
#include "agen-generator-private.h"

/**
 * SECTION:agen-close-error
 * @title: Close errors
 * @short_description: the failures of the closes agen-glib makes by itself
 *
 * agen-glib closes a generator without anybody awaiting the close on its
 * last unref, at agen_shutdown_async() and when a consumer that held it
 * stops. Such a close can fail: a cleanup raises, or the body yields
 * instead of finishing. By default the failure is logged with g_warning()
 * (a cleanup that fails is a bug in the program, as a leaked resource is),
 * naming the generator, once.
 *
 * A binding gives the failure to its own reporting instead, as asyncio
 * gives it to the event loop's exception handler:
 * agen_set_close_error_func() replaces the warning for the generators of
 * one main context.
 */

typedef struct
{
  AgenCloseErrorFunc func;
  gpointer user_data;
  GDestroyNotify user_data_destroy;
} AgenCloseErrorHandler;

/* GMainContext * (referenced) → AgenCloseErrorHandler *. */
G_LOCK_DEFINE_STATIC (handlers);
static GHashTable *handlers;

static void
agen_close_error_handler_clear (gpointer data)
{
  AgenCloseErrorHandler *handler = data;

  if (handler->user_data_destroy != NULL)
    handler->user_data_destroy (handler->user_data);
}

/* A report holds the handler while it runs: another thread may replace it. */
static void
agen_close_error_handler_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, agen_close_error_handler_clear);
}

/**
 * agen_set_close_error_func:
 * @func: (nullable) (scope notified) (closure user_data) (destroy user_data_destroy):
 *   what receives the failures, or %NULL for the default warning
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data when @func is replaced
 *   (at once when @func is %NULL)
 *
 * Makes @func receive the failures of the closes that agen-glib makes by
 * itself (see #AgenCloseReason) of the generators of the thread-default
 * #GMainContext, instead of the default g_warning(). @func is called in
 * that context.
 *
 * Since: 1.0
 */
void
agen_set_close_error_func (AgenCloseErrorFunc func,
                           gpointer           user_data,
                           GDestroyNotify     user_data_destroy)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  AgenCloseErrorHandler *handler = NULL;
  AgenCloseErrorHandler *replaced = NULL;
  GMainContext *key = NULL;

  if (func != NULL)
    {
      handler = g_atomic_rc_box_new (AgenCloseErrorHandler);
      *handler = (AgenCloseErrorHandler) { func, user_data, user_data_destroy };
    }
  else if (user_data_destroy != NULL)
    user_data_destroy (user_data);

  G_LOCK (handlers);
  if (handlers == NULL)
    handlers = g_hash_table_new (NULL, NULL);
  if (g_hash_table_steal_extended (handlers, context, (gpointer *) &key, (gpointer *) &replaced))
    g_main_context_unref (key);
  if (handler != NULL)
    g_hash_table_insert (handlers, g_main_context_ref (context), handler);
  G_UNLOCK (handlers);

  /* Its data is freed outside the lock: its destroy notify may set
   * another function. */
  if (replaced != NULL)
    agen_close_error_handler_unref (replaced);
}

static const char *
agen_close_reason_describe (AgenCloseReason reason)
{
  switch (reason)
    {
    case AGEN_CLOSE_REASON_LAST_UNREF:
      return "on its last unref";
    case AGEN_CLOSE_REASON_SHUTDOWN:
      return "at shutdown";
    case AGEN_CLOSE_REASON_CONSUMER_STOPPED:
    default:
      return "when its consumer stopped";
    }
}

/*
 * _agen_report_close_error:
 *
 * Hands the failure of a close that nobody awaits to the handler of the
 * generator's context, or logs it. The handler runs without the lock held:
 * it may set another.
 */
void
_agen_report_close_error (AgenGenerator   *generator,
                          const GError    *error,
                          AgenCloseReason  reason)
{
  AgenCloseErrorHandler *handler = NULL;
  g_autofree char *description = NULL;

  G_LOCK (handlers);
  if (handlers != NULL)
    handler = g_hash_table_lookup (handlers, _agen_generator_get_context (generator));
  if (handler != NULL)
    g_atomic_rc_box_acquire (handler);
  G_UNLOCK (handlers);

  if (handler != NULL)
    {
      handler->func (generator, error, reason, handler->user_data);
      agen_close_error_handler_unref (handler);
      return;
    }

  description = _agen_generator_describe (generator);
  g_warning ("Closing %s %s failed: %s", description, agen_close_reason_describe (reason), error->message);
}
