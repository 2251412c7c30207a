/* agen-test-call.c: consumer operations that check the GAsyncResult rules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"
#include "agen-test-private.h"

guint agen_test_call_depth;

void
agen_test_call_init (AgenTestCall *call)
{
  memset (call, 0, sizeof *call);
}

void
agen_test_call_clear (AgenTestCall *call)
{
  if (G_IS_VALUE (&call->item))
    g_value_unset (&call->item);
  g_clear_error (&call->error);
  g_clear_pointer (&call->context, g_main_context_unref);
  g_clear_pointer (&call->log_at_callback, g_free);
}

void
agen_test_call_wait (AgenTestCall *call)
{
  agen_test_wait_for (&call->done);
}

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AgenTestCall *call = user_data;

  /* The GAsyncResult contract. */
  g_assert_true (call->started);               /* never before _async returns */
  g_assert_cmpuint (call->n_callbacks, ==, 0); /* exactly once */
  call->n_callbacks++;
  g_assert_true (g_main_context_is_owner (call->context));
  g_assert_true (g_main_context_get_thread_default () == call->context ||
                 (g_main_context_get_thread_default () == NULL &&
                  call->context == g_main_context_default ()));

  if (call->prefill_item)
    {
      g_value_init (&call->item, G_TYPE_STRING);
      g_value_set_string (&call->item, "stale item that finish must unset");
    }

  switch (call->op)
    {
    case AGEN_TEST_OP_NEXT:
      call->ret = agen_generator_next_finish (AGEN_GENERATOR (source), result, &call->item, &call->error);
      break;
    case AGEN_TEST_OP_SEND:
      call->ret = agen_generator_send_finish (AGEN_GENERATOR (source), result, &call->item, &call->error);
      break;
    case AGEN_TEST_OP_THROW:
      call->ret = agen_generator_throw_finish (AGEN_GENERATOR (source), result, &call->item, &call->error);
      break;
    case AGEN_TEST_OP_CLOSE:
      call->ret = agen_generator_close_finish (AGEN_GENERATOR (source), result, &call->error);
      break;
    case AGEN_TEST_OP_FOREACH:
      call->ret = agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &call->error);
      break;
    case AGEN_TEST_OP_SHUTDOWN:
      g_assert_null (source);
      call->ret = agen_shutdown_finish (result, &call->error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (call->op == AGEN_TEST_OP_NEXT || call->op == AGEN_TEST_OP_SEND || call->op == AGEN_TEST_OP_THROW)
    {
      /* The out item is always initialised, also on FALSE. */
      g_assert_true (G_IS_VALUE (&call->item));
      if (call->ret)
        g_assert_no_error (call->error);
      else
        agen_test_assert_item_none (&call->item);
    }
  else
    {
      /* A gboolean finish: TRUE exactly when there is no error. */
      g_assert_true (call->ret == (call->error == NULL));
    }

  if (source != NULL)
    call->state_at_callback = agen_generator_get_state (AGEN_GENERATOR (source));
  if (call->watch != NULL)
    call->log_at_callback = g_strdup (call->watch->log->str);

  call->done = TRUE;
}

static void
call_begin (AgenTestCall *call,
            AgenTestOp    op)
{
  g_assert_false (call->started);
  call->op = op;
  call->context = g_main_context_ref_thread_default ();
}

void
agen_test_start_next (AgenGenerator *generator,
                      GCancellable  *cancellable,
                      AgenTestCall  *call)
{
  call_begin (call, AGEN_TEST_OP_NEXT);
  agen_test_call_depth++;
  agen_generator_next_async (generator, cancellable, call_cb, call);
  agen_test_call_depth--;
  call->started = TRUE;
}

void
agen_test_start_send (AgenGenerator *generator,
                      const GValue  *value,
                      GCancellable  *cancellable,
                      AgenTestCall  *call)
{
  call_begin (call, AGEN_TEST_OP_SEND);
  agen_test_call_depth++;
  agen_generator_send_async (generator, value, cancellable, call_cb, call);
  agen_test_call_depth--;
  call->started = TRUE;
}

void
agen_test_start_throw (AgenGenerator *generator,
                       const GError  *error,
                       GCancellable  *cancellable,
                       AgenTestCall  *call)
{
  call_begin (call, AGEN_TEST_OP_THROW);
  agen_test_call_depth++;
  agen_generator_throw_async (generator, error, cancellable, call_cb, call);
  agen_test_call_depth--;
  call->started = TRUE;
}

void
agen_test_start_close (AgenGenerator *generator,
                       GCancellable  *cancellable,
                       AgenTestCall  *call)
{
  call_begin (call, AGEN_TEST_OP_CLOSE);
  agen_test_call_depth++;
  agen_generator_close_async (generator, cancellable, call_cb, call);
  agen_test_call_depth--;
  call->started = TRUE;
}

void
agen_test_start_foreach (AgenGenerator   *generator,
                         AgenForeachFunc  func,
                         gpointer         func_data,
                         GDestroyNotify   func_data_destroy,
                         GCancellable    *cancellable,
                         AgenTestCall    *call)
{
  call_begin (call, AGEN_TEST_OP_FOREACH);
  agen_test_call_depth++;
  agen_generator_foreach_async (generator, func, func_data, func_data_destroy, cancellable,
                                call_cb, call);
  agen_test_call_depth--;
  call->started = TRUE;
}

void
agen_test_start_shutdown (GCancellable *cancellable,
                          AgenTestCall *call)
{
  call_begin (call, AGEN_TEST_OP_SHUTDOWN);
  agen_shutdown_async (cancellable, call_cb, call);
  call->started = TRUE;
}

/* Hands the outcome of a finished call over and clears it. */
static gboolean
call_take (AgenTestCall  *call,
           GValue        *item,
           GError       **error)
{
  gboolean ret = call->ret;

  if (item != NULL)
    {
      g_assert_false (G_IS_VALUE (item));
      *item = call->item;
      call->item = (GValue) G_VALUE_INIT;
    }
  if (call->error != NULL)
    g_propagate_error (error, g_steal_pointer (&call->error));
  agen_test_call_clear (call);
  return ret;
}

gboolean
agen_test_next (AgenGenerator  *generator,
                GCancellable   *cancellable,
                GValue         *item,
                GError        **error)
{
  AgenTestCall call = { 0 };

  agen_test_start_next (generator, cancellable, &call);
  agen_test_call_wait (&call);
  return call_take (&call, item, error);
}

gboolean
agen_test_send (AgenGenerator  *generator,
                const GValue   *value,
                GCancellable   *cancellable,
                GValue         *item,
                GError        **error)
{
  AgenTestCall call = { 0 };

  agen_test_start_send (generator, value, cancellable, &call);
  agen_test_call_wait (&call);
  return call_take (&call, item, error);
}

gboolean
agen_test_throw (AgenGenerator  *generator,
                 const GError   *thrown,
                 GCancellable   *cancellable,
                 GValue         *item,
                 GError        **error)
{
  AgenTestCall call = { 0 };

  agen_test_start_throw (generator, thrown, cancellable, &call);
  agen_test_call_wait (&call);
  return call_take (&call, item, error);
}

gboolean
agen_test_close (AgenGenerator  *generator,
                 GCancellable   *cancellable,
                 GError        **error)
{
  AgenTestCall call = { 0 };

  agen_test_start_close (generator, cancellable, &call);
  agen_test_call_wait (&call);
  return call_take (&call, NULL, error);
}

gboolean
agen_test_shutdown (GCancellable  *cancellable,
                    GError       **error)
{
  AgenTestCall call = { 0 };

  agen_test_start_shutdown (cancellable, &call);
  agen_test_call_wait (&call);
  return call_take (&call, NULL, error);
}

static void
start_call_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AgenTestStartCall *call = user_data;

  call->n_callbacks++;
  g_assert_cmpuint (call->n_destroyed, ==, 0);
  call->ret = agen_generator_next_finish (AGEN_GENERATOR (source), result, &call->item, &call->error);
}

static void
start_call_destroyed (gpointer user_data)
{
  AgenTestStartCall *call = user_data;

  call->n_destroyed++;
}

gboolean
agen_test_next_start (AgenGenerator      *generator,
                      AgenTestStartCall  *call,
                      gboolean           *pending,
                      GValue             *item,
                      GError            **error)
{
  return agen_generator_next_start (generator, NULL, start_call_cb, call, start_call_destroyed,
                                    pending, item, error);
}
