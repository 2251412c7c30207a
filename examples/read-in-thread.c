/* read-in-thread: a producer thread with blocking stdio
 *
 *   read-in-thread FILE [LINES-PER-REPORT]
 *
 * The lines of FILE, read with fgets() in a thread of their own (a library
 * with only a blocking API reads the same way), 64 lines ahead of the
 * consumer; the consumer, on the main loop, counts them and reports its
 * progress. A close (here: the consumer stopping at a line that is too
 * long) makes the blocked emit fail, and the thread's cleanup runs there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <agen-glib/agen.h>

/* Runs in the producer thread: an ordinary loop over a blocking API. */
static gboolean
read_lines (AgenEmitter   *emitter,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  const char *path = user_data;
  char line[4096];
  gboolean ok = TRUE;
  FILE *file = fopen (path, "r");

  if (file == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "%s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  agen_emitter_set_buffer_size (emitter, 64);
  while (ok && fgets (line, sizeof line, file) != NULL)
    ok = agen_emitter_emit_string (emitter, line, cancellable, error);

  fclose (file);       /* the cleanup, also after a close (AGEN_ERROR_EXIT) */
  return ok;
}

typedef struct
{
  guint lines;
  guint64 bytes;
  guint report_every;
  GMainLoop *loop;
  int status;
} Progress;

/* Runs on the main loop, in the consumer's context. */
static gboolean
count_line (AgenGenerator *lines,
            const GValue  *item,
            gpointer       user_data)
{
  Progress *progress = user_data;

  progress->lines++;
  progress->bytes += strlen (g_value_get_string (item));
  if (progress->lines % progress->report_every == 0)
    g_print ("%u lines, %" G_GUINT64_FORMAT " bytes so far\n", progress->lines, progress->bytes);
  return TRUE;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Progress *progress = user_data;
  g_autoptr(GError) error = NULL;

  if (agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &error))
    {
      g_print ("%u lines, %" G_GUINT64_FORMAT " bytes\n", progress->lines, progress->bytes);
      progress->status = 0;
    }
  else
    g_printerr ("%s\n", error->message);
  g_main_loop_quit (progress->loop);
}

int
main (int   argc,
      char *argv[])
{
  Progress progress = { 0, 0, 1000, NULL, 1 };
  g_autoptr(AgenGenerator) lines = NULL;

  if (argc < 2 || argc > 3)
    {
      g_printerr ("usage: %s FILE [LINES-PER-REPORT]\n", argv[0]);
      return 2;
    }
  if (argc == 3)
    progress.report_every = MAX (1, (guint) g_ascii_strtoull (argv[2], NULL, 10));

  progress.loop = g_main_loop_new (NULL, FALSE);
  lines = agen_generator_new_threaded (read_lines, g_strdup (argv[1]), g_free);
  agen_generator_foreach_async (lines, count_line, &progress, NULL, NULL, on_done, &progress);
  g_main_loop_run (progress.loop);
  g_main_loop_unref (progress.loop);
  return progress.status;
}
