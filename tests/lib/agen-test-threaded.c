/* agen-test-threaded.c: the reference bodies as async functions and threads
 *
 * The bodies of agen-test.c that never await (counter, echo, catcher,
 * yields_in_close, raises_in_cleanup), written once as step functions (what
 * the body does after each emit) and run both as a producer thread
 * (agen_generator_new_threaded()) and as an asynchronous producer
 * (agen_generator_new_async()), with the same logs, so that the
 * differential tests compare them with their CPython twins as they do the
 * macro bodies.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test.h"

/* The generators of agen_test_threaded() whose data is not freed yet: it
 * is freed once the generator is gone and its thread (if it started) has
 * returned, which for a generator finalised while its thread waits in an
 * emit comes in the thread's own time, after the main loop is idle. */
static gint n_threaded_alive;

typedef enum
{
  STEP_EMIT,       /* emit the item */
  STEP_RETURN,
  STEP_FAIL,       /* with the failure */
} Step;

typedef struct _Shape Shape;

/* What the body does at its start (@error and @sent %NULL) and after each
 * emit, which failed with @error (owned) or gave @sent. */
typedef Step (*StepFunc) (Shape         *shape,
                          GError        *error,
                          const GValue  *sent,
                          GValue        *item,
                          GError       **failure);

struct _Shape
{
  StepFunc step;
  gint n;
  AgenTestLog *log;
  gint i;
  gboolean in_handler;   /* the last emit was the -1 of an except block */
  gboolean started;
};

static void
shape_free (gpointer data)
{
  Shape *shape = data;

  g_object_unref (shape->log);
  g_free (shape);
}

static void
shape_free_counted (gpointer data)
{
  shape_free (data);
  g_atomic_int_add (&n_threaded_alive, -1);
}

static Step
emit_int (GValue *item,
          gint    i)
{
  g_value_set_int (g_value_init (item, G_TYPE_INT), i);
  return STEP_EMIT;
}

static Step
fail (GError  *error,
      GError **failure)
{
  g_propagate_error (failure, error);
  return STEP_FAIL;
}

/* for i in range(n): yield i */
static Step
counter_step (Shape         *shape,
              GError        *error,
              const GValue  *sent,
              GValue        *item,
              GError       **failure)
{
  if (error != NULL)
    return fail (error, failure);
  if (shape->i < shape->n)
    return emit_int (item, shape->i++);
  return STEP_RETURN;
}

/* received = None; while True: received = yield received */
static Step
echo_step (Shape         *shape,
           GError        *error,
           const GValue  *sent,
           GValue        *item,
           GError       **failure)
{
  if (error != NULL)
    return fail (error, failure);
  if (sent != NULL && G_VALUE_TYPE (sent) != G_TYPE_POINTER)
    {
      g_value_init (item, G_VALUE_TYPE (sent));
      g_value_copy (sent, item);
    }
  else
    g_value_init (item, G_TYPE_POINTER);
  return STEP_EMIT;
}

/* for i in range(n): try: yield i  except <caught>: <log>; yield -1
 * catcher: caught = any error but GeneratorExit, logged "caught <message>";
 * yields_in_close: caught = GeneratorExit, logged "ignoring exit". */
static Step
handler_step (Shape         *shape,
              gboolean       catches_exit,
              GError        *error,
              GValue        *item,
              GError       **failure)
{
  if (error != NULL)
    {
      g_autofree char *entry = NULL;

      /* Raised in the except block, or not the one it catches. */
      if (shape->in_handler ||
          g_error_matches (error, AGEN_ERROR, AGEN_ERROR_EXIT) != catches_exit)
        return fail (error, failure);
      entry = catches_exit ? g_strdup ("ignoring exit") : g_strconcat ("caught ", error->message, NULL);
      agen_test_log_append (shape->log, entry);
      g_error_free (error);
      shape->in_handler = TRUE;
      return emit_int (item, -1);
    }
  if (shape->started)
    shape->i++;
  shape->started = TRUE;
  shape->in_handler = FALSE;
  if (shape->i < shape->n)
    return emit_int (item, shape->i);
  return STEP_RETURN;
}

static Step
catcher_step (Shape         *shape,
              GError        *error,
              const GValue  *sent,
              GValue        *item,
              GError       **failure)
{
  return handler_step (shape, FALSE, error, item, failure);
}

static Step
yields_in_close_step (Shape         *shape,
                      GError        *error,
                      const GValue  *sent,
                      GValue        *item,
                      GError       **failure)
{
  return handler_step (shape, TRUE, error, item, failure);
}

/* for i in range(n): yield i  finally: raise GLib.Error("cleanup failed") */
static Step
raises_in_cleanup_step (Shape         *shape,
                        GError        *error,
                        const GValue  *sent,
                        GValue        *item,
                        GError       **failure)
{
  if (error == NULL && shape->i < shape->n)
    return emit_int (item, shape->i++);
  g_clear_error (&error);
  g_set_error_literal (failure, G_IO_ERROR, G_IO_ERROR_FAILED, "cleanup failed");
  return STEP_FAIL;
}

/* Every body's `finally: log.append("cleanup")`, before its outcome. */
static gboolean
shape_finish (Shape   *shape,
              Step     step)
{
  agen_test_log_append (shape->log, "cleanup");
  return step == STEP_RETURN;
}

/* ------------------------------------------------------------ as a thread */

/**
 * agen_test_get_n_threaded_alive:
 *
 * Returns: how many generators of agen_test_threaded() are alive, or have
 *   a thread that has not returned yet
 */
guint
agen_test_get_n_threaded_alive (void)
{
  return (guint) g_atomic_int_get (&n_threaded_alive);
}

static gboolean
run_thread (AgenEmitter   *emitter,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  Shape *shape = user_data;
  GValue item = G_VALUE_INIT;
  Step step = shape->step (shape, NULL, NULL, &item, error);

  while (step == STEP_EMIT)
    {
      GValue sent = G_VALUE_INIT;
      GError *emit_error = NULL;

      agen_emitter_emit (emitter, &item, NULL, &sent, &emit_error);
      g_value_unset (&item);
      step = shape->step (shape, emit_error, &sent, &item, error);
      g_value_unset (&sent);
    }
  return shape_finish (shape, step);
}

/* ---------------------------------------------------- as an async function */

static void async_act (GTask *task, Step step, GValue *item, GError *failure);

static void
async_emitted (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Shape *shape = g_task_get_task_data (task);
  GValue sent = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  GError *failure = NULL;
  Step step;

  agen_emitter_emit_finish (AGEN_EMITTER (source_object), result, &sent, &error);
  step = shape->step (shape, error, &sent, &item, &failure);
  g_value_unset (&sent);
  async_act (task, step, &item, failure);
}

static void
async_act (GTask  *task,
           Step    step,
           GValue *item,
           GError *failure)
{
  Shape *shape = g_task_get_task_data (task);

  if (step == STEP_EMIT)
    {
      agen_emitter_emit_async (g_task_get_source_object (task), item, NULL, async_emitted, task);
      g_value_unset (item);
      return;
    }
  if (shape_finish (shape, step))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, failure);
  g_object_unref (task);
}

static void
run_async (AgenEmitter         *emitter,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             callback_data,
           gpointer             user_data)
{
  Shape *shape = user_data;
  GTask *task = g_task_new (emitter, cancellable, callback, callback_data);
  GValue item = G_VALUE_INIT;
  GError *failure = NULL;
  Step step;

  g_task_set_task_data (task, shape, NULL);
  step = shape->step (shape, NULL, NULL, &item, &failure);
  async_act (task, step, &item, failure);
}

static gboolean
run_async_finish (AgenEmitter   *emitter,
                  GAsyncResult  *result,
                  gpointer       user_data,
                  GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static Shape *
shape_new (const char  *body,
           gint         n,
           AgenTestLog *log)
{
  static const struct { const char *name; StepFunc step; } steps[] = {
    { "counter", counter_step },
    { "echo", echo_step },
    { "catcher", catcher_step },
    { "yields_in_close", yields_in_close_step },
    { "raises_in_cleanup", raises_in_cleanup_step },
  };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (g_str_equal (body, steps[i].name))
      {
        Shape *shape = g_new0 (Shape, 1);

        shape->step = steps[i].step;
        shape->n = n;
        shape->log = g_object_ref (log);
        return shape;
      }
  return NULL;
}

/**
 * agen_test_threaded:
 * @body: the name of a body of agen-test.c that never awaits: "counter",
 *   "echo", "catcher", "yields_in_close" or "raises_in_cleanup"
 * @n: how many items (ignored by "echo")
 * @log: the log
 *
 * Returns: (transfer full) (nullable): that body as a producer thread, or
 *   %NULL for another name
 */
AgenGenerator *
agen_test_threaded (const char  *body,
                    gint         n,
                    AgenTestLog *log)
{
  Shape *shape = shape_new (body, n, log);

  if (shape == NULL)
    return NULL;
  g_atomic_int_inc (&n_threaded_alive);
  return agen_generator_new_threaded (run_thread, shape, shape_free_counted);
}

/**
 * agen_test_async_function:
 * @body: the name of a body of agen-test.c that never awaits, as for
 *   agen_test_threaded()
 * @n: how many items (ignored by "echo")
 * @log: the log
 *
 * Returns: (transfer full) (nullable): that body as an asynchronous
 *   producer, or %NULL for another name
 */
AgenGenerator *
agen_test_async_function (const char  *body,
                          gint         n,
                          AgenTestLog *log)
{
  Shape *shape = shape_new (body, n, log);

  return shape != NULL ? agen_generator_new_async (run_async, run_async_finish, shape, shape_free) : NULL;
}
