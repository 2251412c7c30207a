/* agen-test-threaded.c: the reference bodies as producer threads
 *
 * The bodies of agen-test.c that never await (counter, echo, catcher,
 * yields_in_close, raises_in_cleanup), written as producer threads
 * (agen_generator_new_threaded()) with the same logs, so that the
 * differential tests compare them with their CPython twins as they do the
 * macro bodies.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test.h"

typedef gboolean (*ShapeFunc) (AgenEmitter  *emitter,
                               gint          n,
                               AgenTestLog  *log,
                               GError      **error);

typedef struct
{
  ShapeFunc shape;
  gint n;
  AgenTestLog *log;
} Threaded;

static void
threaded_free (gpointer data)
{
  Threaded *threaded = data;

  g_object_unref (threaded->log);
  g_free (threaded);
}

static gboolean
emit_int (AgenEmitter  *emitter,
          gint          i,
          GError      **error)
{
  return agen_emitter_emit_int (emitter, i, NULL, error);
}

/* for i in range(n): yield i */
static gboolean
counter (AgenEmitter  *emitter,
         gint          n,
         AgenTestLog  *log,
         GError      **error)
{
  for (gint i = 0; i < n; i++)
    if (!emit_int (emitter, i, error))
      return FALSE;
  return TRUE;
}

/* received = None; while True: received = yield received */
static gboolean
echo (AgenEmitter  *emitter,
      gint          n,
      AgenTestLog  *log,
      GError      **error)
{
  GValue received = G_VALUE_INIT;
  gboolean ok;

  g_value_init (&received, G_TYPE_POINTER);
  do
    {
      GValue sent = G_VALUE_INIT;

      ok = agen_emitter_emit (emitter, &received, NULL, &sent, error);
      g_value_unset (&received);
      received = sent;
    }
  while (ok);
  g_value_unset (&received);
  return FALSE;
}

/* for i in range(n): try: yield i  except GLib.Error as e: log; yield -1 */
static gboolean
catcher (AgenEmitter  *emitter,
         gint          n,
         AgenTestLog  *log,
         GError      **error)
{
  for (gint i = 0; i < n; i++)
    {
      g_autofree char *entry = NULL;

      if (emit_int (emitter, i, error))
        continue;
      if (g_error_matches (*error, AGEN_ERROR, AGEN_ERROR_EXIT))
        return FALSE;
      entry = g_strconcat ("caught ", (*error)->message, NULL);
      agen_test_log_append (log, entry);
      g_clear_error (error);
      if (!emit_int (emitter, -1, error))
        return FALSE;
    }
  return TRUE;
}

/* for i in range(n): try: yield i  except GeneratorExit: log; yield -1 */
static gboolean
yields_in_close (AgenEmitter  *emitter,
                 gint          n,
                 AgenTestLog  *log,
                 GError      **error)
{
  for (gint i = 0; i < n; i++)
    {
      if (emit_int (emitter, i, error))
        continue;
      if (!g_error_matches (*error, AGEN_ERROR, AGEN_ERROR_EXIT))
        return FALSE;
      agen_test_log_append (log, "ignoring exit");
      g_clear_error (error);
      if (!emit_int (emitter, -1, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
run_threaded (AgenEmitter   *emitter,
              GCancellable  *cancellable,
              gpointer       user_data,
              GError       **error)
{
  Threaded *threaded = user_data;
  gboolean ok = threaded->shape (emitter, threaded->n, threaded->log, error);

  /* finally: log.append("cleanup") */
  agen_test_log_append (threaded->log, "cleanup");
  return ok;
}

/* for i in range(n): yield i  finally: log; raise GLib.Error("cleanup failed") */
static gboolean
run_raises_in_cleanup (AgenEmitter   *emitter,
                       GCancellable  *cancellable,
                       gpointer       user_data,
                       GError       **error)
{
  Threaded *threaded = user_data;
  GError *local_error = NULL;

  counter (emitter, threaded->n, threaded->log, &local_error);
  g_clear_error (&local_error);
  agen_test_log_append (threaded->log, "cleanup");
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cleanup failed");
  return FALSE;
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
  static const struct { const char *name; ShapeFunc shape; } shapes[] = {
    { "counter", counter },
    { "echo", echo },
    { "catcher", catcher },
    { "yields_in_close", yields_in_close },
    { "raises_in_cleanup", counter },
  };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    if (g_str_equal (body, shapes[i].name))
      {
        Threaded *threaded = g_new0 (Threaded, 1);

        threaded->shape = shapes[i].shape;
        threaded->n = n;
        threaded->log = g_object_ref (log);
        return agen_generator_new_threaded (g_str_equal (body, "raises_in_cleanup") ? run_raises_in_cleanup : run_threaded,
                                            threaded, threaded_free);
      }
  return NULL;
}
