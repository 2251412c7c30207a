/* fuzz-generator.c: a coverage-guided (libFuzzer) fuzzer of AgenGenerator
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input drives both faces of a generator: a tiny interpreted body (the
 * producer) and a sequence of consumer operations. Every input runs in its
 * own GMainContext, pushed as thread-default, is driven to quiescence with a
 * bounded number of iterations and is torn down completely, so that nothing
 * leaks from one input to the next (libFuzzer's leak check then means
 * something).
 *
 * Input layout
 * ------------
 *   byte 0            L = byte % 48: the length of the body program
 *   bytes 1 .. L      the body program, one instruction per byte
 *   the rest          the consumer program, one operation per byte (at most
 *                     MAX_OPS are read)
 *
 * Every byte is an opcode (low 4 bits) and an argument (high 4 bits, 0..15).
 *
 * Body instructions (every generator of an input runs the same program; the
 * program counter lives in the body's data, the resume point marks a
 * suspension):
 *   0, 13  YIELD arg          yield (arg 13: a string, 14: a NULL pointer,
 *                             else the int arg); on resume an uncaught thrown
 *                             error ends the body call (what AGEN_YIELD does)
 *   1, 14  YIELD_CATCH arg    the same, but on resume catch any thrown error
 *                             and go on (try: yield / except: pass)
 *   2      YIELD_IGNORE arg   the same, but on resume neither catch nor stop:
 *                             go on with the error pending (it must finish
 *                             the generator however the call ends)
 *   3, 15  AWAIT_GATE         await a GTask that only the consumer's OPEN op
 *                             (or the teardown) completes; arg bit 0: catch
 *                             on resume, bit 1: the gate honours the body's
 *                             cancellable (completes CANCELLED, one dispatch
 *                             later), bit 2: a suspend/resume await instead
 *                             of a GTask (the consumer resumes it from
 *                             outside a dispatch)
 *   4      AWAIT_IDLE         await a GTask completed by an idle; bit 0 catch
 *   5      AWAIT_SYNC         agen_generator_suspend() then _resume() inside
 *                             the same body call; bit 0 catch
 *   6      RAISE              bit 0: raise AGEN_ERROR_EXIT, else a fuzz error
 *   7      RETURN
 *   8      DEFER              defer a cleanup that records that it ran
 *   9      LOOP               jump back arg+1 instructions (at most
 *                             LOOP_BUDGET jumps per generator)
 *   10     END_NONE           return from the body call without ending it
 *                             (AGEN_ERROR_INVALID_BODY)
 *   11     CATCH_NOW          agen_generator_catch() where the body stands
 *   12     CHECK_CANCELLABLE  the body's cancellable is never cancelled when
 *                             the body runs
 * Falling off the end of the program returns. A catch followed by awaits or
 * yields is a cleanup that awaits, or a body that yields during close.
 *
 * Consumer operations (on the current generator; a dropped slot skips them;
 * bit 0 of the argument of an operation that takes a cancellable means
 * "cancel it before the call"):
 *   0, 15  NEXT               next_async
 *   1      SEND               send_async (int arg >> 1)
 *   2      THROW              bit 1: AGEN_ERROR_EXIT, else a fuzz error
 *   3      CLOSE
 *   4      FOREACH            a func that stops after arg >> 1 items
 *   5      CANCEL             cancel the cancellable of the (arg % 4)th most
 *                             recent operation
 *   6      OPEN               complete a pending gate; bit 0: with an error,
 *                             bit 1: the newest rather than the oldest
 *   7      DROP               drop the harness's reference to the generator
 *   8      SHUTDOWN           agen_shutdown_async
 *   9      ITERATE            g_main_context_iteration (ctx, FALSE) once
 *   10     DRAIN              iterate until nothing is dispatched (bounded)
 *   11     GEN                bit 0: create a new generator (at most
 *                             MAX_GENS), else select slot arg >> 1
 *   12     SEND_NONE          send_async (NULL): Python's asend(None)
 *   13     SEND_NULLPTR       send_async of a GValue holding a NULL pointer
 *   14     WRONG_CONTEXT      next_async from another thread-default context
 *                             (AGEN_ERROR_WRONG_CONTEXT, in that context)
 *
 * The teardown drains the context, opens every pending gate, drops every
 * generator, and repeats until nothing is left.
 *
 * What aborts (libFuzzer reports a crash): a callback called twice, never,
 * before its _async returned or in another context; an out GValue left
 * unset, or a FALSE with an item; an item that is not what the body yielded;
 * a deferred cleanup that did not run exactly once by the time the body's
 * data is destroyed (finish or finalize), or that has not run when the
 * generator is FINISHED; a generator not finalized at the end (weak
 * reference); a body's data not destroyed exactly once; a refusal that
 * contradicts the state the generator was in (PENDING, NOT_STARTED,
 * CANCELLED before start, a finished generator, a body entered by a throw or
 * close before start); a wrong get_sent(); and any GLib critical or warning,
 * except "Closing ... on its last unref failed", which the contract promises
 * when the close of a dropped generator fails. Plus what ASan, UBSan and
 * LeakSanitizer find.
 *
 * Run by hand:
 *   ./fuzz-generator -max_total_time=600 -timeout=10 -rss_limit_mb=2048 \
 *     work-corpus/ ../tests/fuzz/corpus/
 * (the first directory receives new inputs: never give it the source tree).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <agen-glib/agen.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define MAX_BODY 48
#define MAX_OPS 256
#define MAX_GENS 4
#define MAX_CLEANUPS 128
#define LOOP_BUDGET 8
#define MAX_DRAIN 20000
/* Each instruction runs at most LOOP_BUDGET + 1 times per generator. */
#define MAX_YIELDS (MAX_BODY * (LOOP_BUDGET + 1) + 1)
/* Each teardown round opens a gate of every awaiting generator, or drops. */
#define MAX_TEARDOWN_ROUNDS (MAX_GENS * MAX_YIELDS + 16)

#define FUZZ_ERROR (g_quark_from_static_string ("agen-fuzz-error"))

#define CHECK(cond)                                                          \
  G_STMT_START                                                               \
    {                                                                        \
      if (G_UNLIKELY (!(cond)))                                              \
        {                                                                    \
          fprintf (stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                   __LINE__, #cond);                                         \
          abort ();                                                          \
        }                                                                    \
    }                                                                        \
  G_STMT_END

typedef enum
{
  B_YIELD,
  B_YIELD_CATCH,
  B_YIELD_IGNORE,
  B_AWAIT_GATE,
  B_AWAIT_IDLE,
  B_AWAIT_SYNC,
  B_RAISE,
  B_RETURN,
  B_DEFER,
  B_LOOP,
  B_END_NONE,
  B_CATCH_NOW,
  B_CHECK_CANCELLABLE,
} BodyOp;

static const BodyOp body_ops[16] = {
  B_YIELD, B_YIELD_CATCH, B_YIELD_IGNORE, B_AWAIT_GATE,
  B_AWAIT_IDLE, B_AWAIT_SYNC, B_RAISE, B_RETURN,
  B_DEFER, B_LOOP, B_END_NONE, B_CATCH_NOW,
  B_CHECK_CANCELLABLE, B_YIELD, B_YIELD_CATCH, B_AWAIT_GATE,
};

typedef enum
{
  C_NEXT,
  C_SEND,
  C_THROW,
  C_CLOSE,
  C_FOREACH,
  C_CANCEL,
  C_OPEN,
  C_DROP,
  C_SHUTDOWN,
  C_ITERATE,
  C_DRAIN,
  C_GEN,
  C_SEND_NONE,
  C_SEND_NULLPTR,
  C_WRONG_CONTEXT,
} ConsumerOp;

static const ConsumerOp consumer_ops[16] = {
  C_NEXT, C_SEND, C_THROW, C_CLOSE,
  C_FOREACH, C_CANCEL, C_OPEN, C_DROP,
  C_SHUTDOWN, C_ITERATE, C_DRAIN, C_GEN,
  C_SEND_NONE, C_SEND_NULLPTR, C_WRONG_CONTEXT, C_NEXT,
};

/* What a yield put out, to compare with what the consumer gets. */
typedef enum
{
  ITEM_INT,
  ITEM_STRING,
  ITEM_NULL,
} ItemKind;

typedef struct
{
  guint index;
  guint body;                     /* which Body deferred it */
  guint runs;
} Cleanup;

typedef struct
{
  guint index;
  AgenGenerator *gen;             /* not owned; NULL once finalized */
  gboolean finalized;             /* the weak reference fired */
  guint destroyed;                /* body data destroy calls */
  gboolean entered;
  guint pc;
  guint loops;
  /* Every yield has a serial (from 1), carried in the item, so that an
   * item is checked against what was yielded and delivered at most once. */
  guint n_yields;
  guint8 yield_kind[MAX_YIELDS];  /* an ItemKind */
  guint8 yield_arg[MAX_YIELDS];
  gboolean delivered[MAX_YIELDS];
} Body;

typedef enum
{
  KIND_NEXT,
  KIND_SEND,
  KIND_THROW,
  KIND_CLOSE,
  KIND_FOREACH,
  KIND_SHUTDOWN,
} OpKind;

typedef struct
{
  OpKind kind;
  Body *body;                     /* NULL for shutdown */
  GCancellable *cancellable;      /* owned */
  gboolean precancelled;
  gboolean has_value;             /* send with a value, not None */
  GMainContext *other_context;    /* a call from the wrong context */
  AgenGeneratorState state_at_call;
  gboolean returned;              /* the _async call returned */
  guint calls;                    /* callback calls */
  guint foreach_left;
  guint foreach_destroyed;
} Op;

typedef struct
{
  guint id;
  GTask *task;                    /* owned, or NULL: */
  AgenGenerator *gen;             /* owned: a suspend/resume gate */
  guint await_id;
  GCancellable *cancellable;      /* owned, when honoured */
  gulong handler;
} Gate;

/* The state of one input. */
static struct
{
  GMainContext *ctx;
  const guint8 *prog;
  gsize prog_len;

  Body bodies[MAX_GENS];
  guint n_bodies;
  AgenGenerator *slots[MAX_GENS]; /* the harness's references */
  guint current;

  Op *ops[MAX_OPS];
  guint n_ops;

  Cleanup cleanups[MAX_CLEANUPS];
  guint n_cleanups;

  GQueue gates;                   /* of Gate *, pending */
  guint last_gate_id;
  guint idle_tasks;               /* AWAIT_IDLE tasks not completed yet */

  /* The harness's own call in progress, for get_sent(). */
  AgenGenerator *calling;
  OpKind calling_kind;
  const GValue *calling_value;
} S;

static guint expected_warnings;
/* AGEN_FUZZ_TRACE=1: print what each input does (to read a crasher). */
static gboolean trace;

#define TRACE(...)                                                           \
  G_STMT_START                                                               \
    {                                                                        \
      if (G_UNLIKELY (trace))                                                \
        fprintf (stderr, "fuzz: " __VA_ARGS__);                              \
    }                                                                        \
  G_STMT_END

static const char *
error_to_string (const GError *error)
{
  return error != NULL ? error->message : "no error";
}

/* ---------------------------------------------------------------------- *
 * Logging: criticals and warnings are bugs, except the documented one.
 * ---------------------------------------------------------------------- */

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  const char *message = "";

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      message = fields[i].value;

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    {
      fprintf (stderr, "fuzz: unexpected critical: %s\n", message);
      abort ();
    }
  if (log_level & G_LOG_LEVEL_WARNING)
    {
      /* A failed close nobody awaits: on a last unref, or at shutdown. */
      if (g_str_has_prefix (message, "Closing ") &&
          (strstr (message, " on its last unref failed: ") != NULL ||
           strstr (message, " at shutdown failed: ") != NULL))
        {
          expected_warnings++;
          TRACE ("expected warning: %s\n", message);
          return G_LOG_WRITER_HANDLED;
        }
      fprintf (stderr, "fuzz: unexpected warning: %s\n", message);
      abort ();
    }

  /* Debug output: quiet, to keep the fuzzer fast. */
  return G_LOG_WRITER_HANDLED;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* Plain malloc, so that LeakSanitizer sees every block. */
  g_setenv ("G_SLICE", "always-malloc", TRUE);
  trace = g_getenv ("AGEN_FUZZ_TRACE") != NULL;
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  /* One-time type registrations, outside the first input. */
  g_type_ensure (AGEN_TYPE_GENERATOR);
  g_type_ensure (G_TYPE_TASK);
  g_type_ensure (G_TYPE_CANCELLABLE);
  (void) FUZZ_ERROR;
  (void) AGEN_ERROR;
  (void) G_IO_ERROR;
  return 0;
}

/* ---------------------------------------------------------------------- *
 * Cleanups and body data
 * ---------------------------------------------------------------------- */

static void
check_cleanups_ran (Body *body)
{
  for (guint i = 0; i < S.n_cleanups; i++)
    if (S.cleanups[i].body == body->index)
      CHECK (S.cleanups[i].runs == 1);
}

static void
cleanup_run (gpointer data)
{
  Cleanup *cleanup = data;

  CHECK (cleanup->runs == 0);
  cleanup->runs++;
  TRACE ("  cleanup %u of gen %u ran\n", cleanup->index, cleanup->body);
}

static void
body_data_destroy (gpointer data)
{
  Body *body = data;

  CHECK (body->destroyed == 0);
  body->destroyed++;
  /* Deferred cleanups run before the body's data goes, on finish as on
   * finalize. */
  check_cleanups_ran (body);
}

static void
body_weak_notify (gpointer  data,
                  GObject  *where_the_object_was)
{
  Body *body = data;

  TRACE ("  gen %u finalized\n", body->index);
  CHECK (!body->finalized);
  body->finalized = TRUE;
  body->gen = NULL;
}

/* A finished generator has run its cleanups. */
static void
check_finished (Body *body)
{
  if (body->gen != NULL && agen_generator_get_state (body->gen) == AGEN_GENERATOR_STATE_FINISHED)
    check_cleanups_ran (body);
}

/* ---------------------------------------------------------------------- *
 * What the body awaits
 * ---------------------------------------------------------------------- */

static void
gate_complete (Gate     *gate,
               gboolean  with_error,
               gboolean  cancelled)
{
  GTask *task = g_steal_pointer (&gate->task);
  AgenGenerator *gen = g_steal_pointer (&gate->gen);
  guint await_id = gate->await_id;

  if (gate->handler != 0)
    g_cancellable_disconnect (gate->cancellable, gate->handler);
  g_clear_object (&gate->cancellable);
  g_queue_remove (&S.gates, gate);
  g_free (gate);

  if (task == NULL)
    {
      /* Outside a dispatch of the generator's context (from the harness)
       * or inside one (from the cancellation idle). */
      agen_generator_resume (gen, await_id, NULL);
      g_object_unref (gen);
      return;
    }

  if (cancelled)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the gate was cancelled");
  else if (with_error)
    g_task_return_new_error (task, FUZZ_ERROR, 99, "the gate failed");
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static Gate *
gate_find (guint id)
{
  for (GList *l = S.gates.head; l != NULL; l = l->next)
    if (((Gate *) l->data)->id == id)
      return l->data;
  return NULL;
}

static gboolean
gate_cancel_idle (gpointer data)
{
  Gate *gate = gate_find (GPOINTER_TO_UINT (data));

  /* Still pending? Then it honours the cancellation, one dispatch late. */
  if (gate != NULL)
    gate_complete (gate, FALSE, TRUE);
  return G_SOURCE_REMOVE;
}

/* In the cancelling call: g_cancellable_disconnect() cannot be called here. */
static void
gate_on_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, gate_cancel_idle, data, NULL);
  g_source_attach (source, S.ctx);
  g_source_unref (source);
}

static void
await_gate (AgenGenerator *self,
            gboolean       honour_cancel,
            gboolean       suspend)
{
  GCancellable *cancellable = agen_generator_get_cancellable (self);
  Gate *gate = g_new0 (Gate, 1);

  gate->id = ++S.last_gate_id;
  if (suspend)
    {
      /* The bindable form: agen_generator_suspend() and _resume(). */
      gate->gen = g_object_ref (self);
      gate->await_id = agen_generator_suspend (self);
      CHECK (gate->await_id != 0);
    }
  else
    gate->task = g_task_new (NULL, cancellable, agen_generator_ready, agen_generator_await (self));
  if (honour_cancel)
    {
      gate->cancellable = g_object_ref (cancellable);
      gate->handler = g_cancellable_connect (cancellable, G_CALLBACK (gate_on_cancelled),
                                             GUINT_TO_POINTER (gate->id), NULL);
    }
  g_queue_push_tail (&S.gates, gate);
}

static gboolean
idle_task_complete (gpointer data)
{
  GTask *task = data;

  S.idle_tasks--;
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
await_idle (AgenGenerator *self)
{
  GCancellable *cancellable = agen_generator_get_cancellable (self);
  GTask *task = g_task_new (NULL, cancellable, agen_generator_ready, agen_generator_await (self));
  GSource *source = g_idle_source_new ();

  S.idle_tasks++;
  g_source_set_callback (source, idle_task_complete, task, g_object_unref);
  g_source_attach (source, S.ctx);
  g_source_unref (source);
}

/* ---------------------------------------------------------------------- *
 * The interpreted body
 * ---------------------------------------------------------------------- */

static void
body_yield (AgenGenerator *self,
            Body          *body,
            guint          arg)
{
  guint serial = ++body->n_yields;

  CHECK (serial < MAX_YIELDS);
  body->yield_arg[serial] = (guint8) arg;
  if (arg == 13)
    {
      char *s = g_strdup_printf ("item %u", serial);

      body->yield_kind[serial] = ITEM_STRING;
      agen_generator_yield_string (self, s);
      g_free (s);
    }
  else if (arg == 14)
    {
      body->yield_kind[serial] = ITEM_NULL;
      agen_generator_yield (self, NULL);
    }
  else
    {
      body->yield_kind[serial] = ITEM_INT;
      agen_generator_yield_int (self, (gint) (serial * 16 + arg));
    }
}

/* Handles the resumption at the instruction where the body suspended.
 * Returns FALSE when the body call ends here (an uncaught error). */
static gboolean
body_resume (AgenGenerator *self,
             Body          *body)
{
  guint8 byte = S.prog[body->pc];
  BodyOp op = body_ops[byte & 15];
  guint arg = byte >> 4;
  gboolean catch_it = FALSE;
  gboolean ignore_it = FALSE;
  const GValue *sent = agen_generator_get_sent (self);

  switch (op)
    {
    case B_YIELD:
      break;
    case B_YIELD_CATCH:
      catch_it = TRUE;
      break;
    case B_YIELD_IGNORE:
      ignore_it = TRUE;
      break;
    case B_AWAIT_GATE:
    case B_AWAIT_IDLE:
    case B_AWAIT_SYNC:
      {
        GAsyncResult *result = agen_generator_get_result (self);

        /* Nothing is sent into an await. */
        CHECK (sent == NULL);
        if (result != NULL && G_IS_TASK (result))
          {
            GError *error = NULL;

            if (!g_task_propagate_boolean (G_TASK (result), &error))
              g_clear_error (&error);
          }
        else
          CHECK (result == NULL || op == B_AWAIT_SYNC);
        catch_it = (arg & 1) != 0;
      }
      break;
    default:
      g_assert_not_reached ();
    }

  if (op == B_YIELD || op == B_YIELD_CATCH || op == B_YIELD_IGNORE)
    {
      /* At a yield, resumed by the harness's own call: what it sent. */
      if (S.calling == self)
        {
          if (S.calling_kind == KIND_SEND && S.calling_value != NULL)
            {
              CHECK (sent != NULL);
              CHECK (G_VALUE_TYPE (sent) == G_VALUE_TYPE (S.calling_value));
              if (G_VALUE_HOLDS_INT (sent))
                CHECK (g_value_get_int (sent) == g_value_get_int (S.calling_value));
              else
                CHECK (G_VALUE_HOLDS_POINTER (sent) && g_value_get_pointer (sent) == NULL);
            }
          else
            CHECK (sent == NULL);
        }
      else if (sent != NULL)
        CHECK (G_VALUE_HOLDS_INT (sent) || G_VALUE_HOLDS_POINTER (sent));
    }

  if (catch_it)
    {
      GError *error = NULL;

      if (agen_generator_catch (self, &error))
        {
          CHECK (error != NULL);
          g_error_free (error);
        }
      else
        CHECK (error == NULL);
    }
  else if (!ignore_it && agen_generator_peek_error (self) != NULL)
    return FALSE;

  body->pc++;
  return TRUE;
}

static void
fuzz_body (AgenGenerator *self,
           gpointer       data)
{
  Body *body = data;

  body->entered = TRUE;
  CHECK (agen_generator_get_state (self) == AGEN_GENERATOR_STATE_RUNNING);
  CHECK (g_main_context_get_thread_default () == S.ctx);
  CHECK (g_main_context_is_owner (S.ctx));

  if (agen_generator_get_resume_point (self) != 0)
    {
      CHECK (body->pc < S.prog_len);
      CHECK (agen_generator_get_resume_point (self) == body->pc + 1);
      if (!body_resume (self, body))
        return;
    }
  else
    CHECK (body->pc == 0);

  for (;;)
    {
      guint8 byte;
      guint arg;

      if (body->pc >= S.prog_len)
        {
          agen_generator_return (self);
          return;
        }

      byte = S.prog[body->pc];
      arg = byte >> 4;
      TRACE ("  gen %u body pc %u: instruction %d arg %u\n", body->index, body->pc, body_ops[byte & 15], arg);

      switch (body_ops[byte & 15])
        {
        case B_YIELD:
        case B_YIELD_CATCH:
        case B_YIELD_IGNORE:
          body_yield (self, body, arg);
          agen_generator_set_resume_point (self, body->pc + 1);
          return;

        case B_AWAIT_GATE:
          await_gate (self, (arg & 2) != 0, (arg & 4) != 0);
          agen_generator_set_resume_point (self, body->pc + 1);
          return;

        case B_AWAIT_IDLE:
          await_idle (self);
          agen_generator_set_resume_point (self, body->pc + 1);
          return;

        case B_AWAIT_SYNC:
          {
            guint await_id = agen_generator_suspend (self);

            CHECK (await_id != 0);
            agen_generator_set_resume_point (self, body->pc + 1);
            /* Completes inside the body call: the body is called again
             * once this call has returned. */
            agen_generator_resume (self, await_id, NULL);
          }
          return;

        case B_RAISE:
          if (arg & 1)
            agen_generator_raise (self, g_error_new_literal (AGEN_ERROR, AGEN_ERROR_EXIT, "raised exit"));
          else
            agen_generator_raise (self, g_error_new (FUZZ_ERROR, (gint) arg, "raised %u", arg));
          body->pc++;
          return;

        case B_RETURN:
          agen_generator_return (self);
          body->pc++;
          return;

        case B_DEFER:
          if (S.n_cleanups < MAX_CLEANUPS)
            {
              Cleanup *cleanup = &S.cleanups[S.n_cleanups];

              cleanup->index = S.n_cleanups++;
              cleanup->body = body->index;
              cleanup->runs = 0;
              agen_generator_defer (self, cleanup_run, cleanup);
            }
          body->pc++;
          break;

        case B_LOOP:
          if (body->loops < LOOP_BUDGET)
            {
              body->loops++;
              body->pc = body->pc > arg ? body->pc - arg - 1 : 0;
            }
          else
            body->pc++;
          break;

        case B_END_NONE:
          body->pc++;
          return;

        case B_CATCH_NOW:
          {
            GError *error = NULL;

            if (agen_generator_catch (self, &error))
              {
                CHECK (error != NULL);
                g_clear_error (&error);
              }
            else
              CHECK (error == NULL);
            body->pc++;
          }
          break;

        case B_CHECK_CANCELLABLE:
          CHECK (!g_cancellable_is_cancelled (agen_generator_get_cancellable (self)));
          body->pc++;
          break;

        default:
          g_assert_not_reached ();
        }
    }
}

static void
new_generator (void)
{
  Body *body;

  if (S.n_bodies >= MAX_GENS)
    return;

  body = &S.bodies[S.n_bodies];
  memset (body, 0, sizeof *body);
  body->index = S.n_bodies;
  body->gen = agen_generator_new (fuzz_body, body, body_data_destroy);
  g_object_weak_ref (G_OBJECT (body->gen), body_weak_notify, body);
  CHECK (agen_generator_get_state (body->gen) == AGEN_GENERATOR_STATE_CREATED);
  S.slots[S.n_bodies] = body->gen;
  S.current = S.n_bodies;
  S.n_bodies++;
}

/* ---------------------------------------------------------------------- *
 * The consumer
 * ---------------------------------------------------------------------- */

static void
check_callback (Op *op)
{
  CHECK (op->returned);            /* never before _async returned */
  CHECK (op->calls == 0);          /* exactly once */
  op->calls++;
  CHECK (g_main_context_get_thread_default () == (op->other_context != NULL ? op->other_context : S.ctx));
}

static void
check_item (Body         *body,
            const GValue *item)
{
  guint serial;

  CHECK (G_IS_VALUE (item));
  if (G_VALUE_HOLDS_POINTER (item))
    {
      CHECK (g_value_get_pointer (item) == NULL);
      return;                     /* a NULL item has no serial */
    }
  if (G_VALUE_HOLDS_INT (item))
    {
      gint v = g_value_get_int (item);

      CHECK (v >= 16);
      serial = (guint) v / 16;
      CHECK (serial <= body->n_yields);
      CHECK (body->yield_kind[serial] == ITEM_INT);
      CHECK (body->yield_arg[serial] == (guint) v % 16);
    }
  else
    {
      const char *s;

      CHECK (G_VALUE_HOLDS_STRING (item));
      s = g_value_get_string (item);
      CHECK (s != NULL && g_str_has_prefix (s, "item "));
      serial = (guint) g_ascii_strtoull (s + 5, NULL, 10);
      CHECK (serial >= 1 && serial <= body->n_yields);
      CHECK (body->yield_kind[serial] == ITEM_STRING);
    }
  /* An item goes to one consumer, once. */
  CHECK (!body->delivered[serial]);
  body->delivered[serial] = TRUE;
}

/* What the state at the call promises, whatever the body does. */
static void
check_refusals (Op           *op,
                gboolean      ok,
                const GError *error)
{
  if (op->precancelled)
    {
      CHECK (!ok);
      CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
      return;
    }

  if (op->other_context != NULL)
    {
      CHECK (!ok);
      CHECK (g_error_matches (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT));
      return;
    }

  if (op->state_at_call == AGEN_GENERATOR_STATE_RUNNING)
    {
      CHECK (!ok);
      CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING));
      return;
    }
  CHECK (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING));

  if (op->state_at_call == AGEN_GENERATOR_STATE_FINISHED)
    {
      if (op->kind == KIND_CLOSE || op->kind == KIND_FOREACH)
        CHECK (ok);
      else
        CHECK (!ok && error == NULL);
      return;
    }

  if (op->state_at_call == AGEN_GENERATOR_STATE_CREATED)
    {
      if (op->kind == KIND_SEND && op->has_value)
        CHECK (g_error_matches (error, AGEN_ERROR, AGEN_ERROR_NOT_STARTED));
      else if (op->kind == KIND_CLOSE)
        CHECK (ok);
      else if (op->kind == KIND_THROW)
        CHECK (!ok && error != NULL);
    }
}

static void
on_item (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Op *op = data;
  AgenGenerator *gen = AGEN_GENERATOR (source);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ok;

  check_callback (op);
  switch (op->kind)
    {
    case KIND_NEXT:
      ok = agen_generator_next_finish (gen, result, &item, &error);
      break;
    case KIND_SEND:
      ok = agen_generator_send_finish (gen, result, &item, &error);
      break;
    case KIND_THROW:
      ok = agen_generator_throw_finish (gen, result, &item, &error);
      break;
    default:
      g_assert_not_reached ();
    }

  /* Always initialised, also on FALSE. */
  CHECK (G_IS_VALUE (&item));
  if (ok)
    {
      CHECK (error == NULL);
      check_item (op->body, &item);
    }
  else
    {
      CHECK (G_VALUE_HOLDS_POINTER (&item));
      CHECK (g_value_get_pointer (&item) == NULL);
    }
  TRACE ("  op %p (%d on gen %u) -> %s, %s\n", (void *) op, op->kind, op->body->index,
         ok ? "TRUE" : "FALSE", error_to_string (error));
  check_refusals (op, ok, error);
  check_finished (op->body);

  g_value_unset (&item);
  g_clear_error (&error);
}

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Op *op = data;
  GError *error = NULL;
  gboolean ok;

  check_callback (op);
  ok = agen_generator_close_finish (AGEN_GENERATOR (source), result, &error);
  TRACE ("  op %p (close on gen %u) -> %s, %s\n", (void *) op, op->body->index,
         ok ? "TRUE" : "FALSE", error_to_string (error));
  CHECK (ok == (error == NULL));
  check_refusals (op, ok, error);
  check_finished (op->body);
  g_clear_error (&error);
}

static gboolean
foreach_func (AgenGenerator *gen,
              const GValue  *item,
              gpointer       data)
{
  Op *op = data;

  CHECK (op->calls == 0);
  CHECK (op->foreach_destroyed == 0);
  check_item (op->body, item);
  if (op->foreach_left == 0)
    return FALSE;
  op->foreach_left--;
  return op->foreach_left > 0;
}

static void
foreach_destroy (gpointer data)
{
  Op *op = data;

  CHECK (op->foreach_destroyed == 0);
  op->foreach_destroyed++;
}

static void
on_foreach (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Op *op = data;
  GError *error = NULL;
  gboolean ok;

  check_callback (op);
  ok = agen_generator_foreach_finish (AGEN_GENERATOR (source), result, &error);
  TRACE ("  op %p (foreach on gen %u) -> %s, %s\n", (void *) op, op->body->index,
         ok ? "TRUE" : "FALSE", error_to_string (error));
  CHECK (ok == (error == NULL));
  check_refusals (op, ok, error);
  /* A foreach ends with the generator finished or failed; either way,
   * the cleanups of a finished body have run. */
  check_finished (op->body);
  g_clear_error (&error);
}

static void
on_shutdown (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Op *op = data;
  GError *error = NULL;
  gboolean ok;

  check_callback (op);
  CHECK (source == NULL);
  ok = agen_shutdown_finish (result, &error);
  TRACE ("  op %p (shutdown) -> %s, %s\n", (void *) op, ok ? "TRUE" : "FALSE", error_to_string (error));
  CHECK (ok == (error == NULL));
  if (op->precancelled)
    CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&error);
}

static Op *
op_new (OpKind    kind,
        Body     *body,
        gboolean  precancel)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->body = body;
  op->cancellable = g_cancellable_new ();
  op->precancelled = precancel;
  if (precancel)
    g_cancellable_cancel (op->cancellable);
  if (body != NULL && body->gen != NULL)
    op->state_at_call = agen_generator_get_state (body->gen);
  S.ops[S.n_ops++] = op;
  return op;
}

static void
op_free (Op *op)
{
  g_clear_object (&op->cancellable);
  g_free (op);
}

/* After a generator's _async returned. */
static void
after_call (Op *op)
{
  AgenGenerator *gen = op->body->gen;

  op->returned = TRUE;
  CHECK (gen != NULL);            /* the harness holds it */
  /* Cancelled before the call: the generator is untouched. */
  if (op->precancelled)
    CHECK (agen_generator_get_state (gen) == op->state_at_call);
  /* A throw or close before the start never enters the body. */
  else if (op->state_at_call == AGEN_GENERATOR_STATE_CREATED &&
           (op->kind == KIND_THROW || op->kind == KIND_CLOSE))
    {
      CHECK (!op->body->entered);
      CHECK (agen_generator_get_state (gen) == AGEN_GENERATOR_STATE_FINISHED);
    }
}

static guint
drain (void)
{
  guint n = 0;

  while (g_main_context_iteration (S.ctx, FALSE))
    {
      n++;
      CHECK (n < MAX_DRAIN);      /* quiescence, within a bound */
    }
  return n;
}

/* Whether @context still has work. The priority guard of a context
 * (agen-schedule.c) keeps its ready time when its last call goes, so it
 * may wake once for nothing, up to AGEN_SCHEDULE_GUARD_USEC later: that
 * wake-up is let run first. Anything else it would dispatch is a call
 * twice made, which the callbacks' own checks catch. */
static gboolean
work_left (GMainContext *context)
{
  /* Asked once before the wake-up is let run: asked twice, the guard
   * could come due between the two questions. */
  if (!g_main_context_pending (context))
    return FALSE;
  g_main_context_iteration (context, FALSE);
  return g_main_context_pending (context);
}

static void
consume (guint8 byte)
{
  ConsumerOp cop = consumer_ops[byte & 15];
  guint arg = byte >> 4;
  gboolean precancel = (arg & 1) != 0;
  AgenGenerator *gen = S.slots[S.current];
  Body *body = &S.bodies[S.current];
  Op *op;

  TRACE ("consumer op %d arg %u on gen %u%s\n", cop, arg, S.current, gen == NULL ? " (dropped)" : "");

  switch (cop)
    {
    case C_NEXT:
    case C_SEND:
    case C_SEND_NONE:
    case C_SEND_NULLPTR:
      {
        GValue value = G_VALUE_INIT;
        const GValue *sent = NULL;
        OpKind kind = cop == C_NEXT ? KIND_NEXT : KIND_SEND;

        if (gen == NULL || S.n_ops >= MAX_OPS)
          return;
        if (cop == C_SEND)
          {
            g_value_init (&value, G_TYPE_INT);
            g_value_set_int (&value, (gint) (arg >> 1));
            sent = &value;
          }
        else if (cop == C_SEND_NULLPTR)
          {
            g_value_init (&value, G_TYPE_POINTER);
            sent = &value;
          }

        op = op_new (kind, body, precancel);
        op->has_value = sent != NULL;
        S.calling = gen;
        S.calling_kind = kind;
        S.calling_value = sent;
        if (kind == KIND_NEXT)
          agen_generator_next_async (gen, op->cancellable, on_item, op);
        else
          agen_generator_send_async (gen, sent, op->cancellable, on_item, op);
        S.calling = NULL;
        S.calling_value = NULL;
        after_call (op);
        if (G_IS_VALUE (&value))
          g_value_unset (&value);
      }
      break;

    case C_THROW:
      {
        GError *error;

        if (gen == NULL || S.n_ops >= MAX_OPS)
          return;
        if (arg & 2)
          error = g_error_new_literal (AGEN_ERROR, AGEN_ERROR_EXIT, "thrown exit");
        else
          error = g_error_new (FUZZ_ERROR, (gint) (arg >> 2), "thrown %u", arg >> 2);
        op = op_new (KIND_THROW, body, precancel);
        S.calling = gen;
        S.calling_kind = KIND_THROW;
        agen_generator_throw_async (gen, error, op->cancellable, on_item, op);
        S.calling = NULL;
        after_call (op);
        g_error_free (error);
      }
      break;

    case C_CLOSE:
      if (gen == NULL || S.n_ops >= MAX_OPS)
        return;
      op = op_new (KIND_CLOSE, body, precancel);
      S.calling = gen;
      S.calling_kind = KIND_CLOSE;
      agen_generator_close_async (gen, op->cancellable, on_closed, op);
      S.calling = NULL;
      after_call (op);
      break;

    case C_FOREACH:
      if (gen == NULL || S.n_ops >= MAX_OPS)
        return;
      op = op_new (KIND_FOREACH, body, precancel);
      op->foreach_left = arg >> 1;
      S.calling = gen;
      S.calling_kind = KIND_FOREACH;
      agen_generator_foreach_async (gen, foreach_func, op, foreach_destroy,
                                    op->cancellable, on_foreach, op);
      S.calling = NULL;
      after_call (op);
      break;

    case C_WRONG_CONTEXT:
      {
        GMainContext *other;
        guint n = 0;

        if (gen == NULL || S.n_ops >= MAX_OPS)
          return;
        other = g_main_context_new ();
        op = op_new (KIND_NEXT, body, FALSE);
        op->other_context = other;
        g_main_context_push_thread_default (other);
        agen_generator_next_async (gen, op->cancellable, on_item, op);
        g_main_context_pop_thread_default (other);
        after_call (op);
        /* The callback comes in the caller's context. */
        g_main_context_push_thread_default (other);
        while (op->calls == 0)
          {
            CHECK (++n < 100);
            g_main_context_iteration (other, FALSE);
          }
        g_main_context_pop_thread_default (other);
        CHECK (!work_left (other));
        op->other_context = NULL;
        g_main_context_unref (other);
      }
      break;

    case C_CANCEL:
      if (S.n_ops > (arg & 3))
        g_cancellable_cancel (S.ops[S.n_ops - 1 - (arg & 3)]->cancellable);
      return;

    case C_OPEN:
      if (!g_queue_is_empty (&S.gates))
        gate_complete ((arg & 2) ? g_queue_peek_tail (&S.gates) : g_queue_peek_head (&S.gates),
                       (arg & 1) != 0, FALSE);
      break;

    case C_DROP:
      if (gen == NULL)
        return;
      S.slots[S.current] = NULL;
      g_object_unref (gen);
      break;

    case C_SHUTDOWN:
      if (S.n_ops >= MAX_OPS)
        return;
      op = op_new (KIND_SHUTDOWN, NULL, precancel);
      agen_shutdown_async (op->cancellable, on_shutdown, op);
      op->returned = TRUE;
      break;

    case C_ITERATE:
      g_main_context_iteration (S.ctx, FALSE);
      break;

    case C_DRAIN:
      drain ();
      break;

    case C_GEN:
      if (arg & 1)
        new_generator ();
      else if (S.n_bodies > 0)
        S.current = (arg >> 1) % S.n_bodies;
      return;

    default:
      g_assert_not_reached ();
    }

  for (guint i = 0; i < S.n_bodies; i++)
    check_finished (&S.bodies[i]);
}

/* Drains, opens the gates, drops the generators: until nothing is left. */
static void
teardown (void)
{
  guint rounds = 0;

  for (;;)
    {
      gboolean dropped = FALSE;

      CHECK (++rounds < MAX_TEARDOWN_ROUNDS);
      drain ();

      if (!g_queue_is_empty (&S.gates))
        {
          while (!g_queue_is_empty (&S.gates))
            gate_complete (g_queue_peek_head (&S.gates), FALSE, FALSE);
          continue;
        }

      for (guint i = 0; i < S.n_bodies; i++)
        if (S.slots[i] != NULL)
          {
            g_object_unref (g_steal_pointer (&S.slots[i]));
            dropped = TRUE;
          }
      if (!dropped)
        break;
    }

  CHECK (S.idle_tasks == 0);
  CHECK (!work_left (S.ctx));

  for (guint i = 0; i < S.n_bodies; i++)
    {
      Body *body = &S.bodies[i];

      CHECK (body->finalized);      /* nothing keeps a generator alive */
      CHECK (body->destroyed == 1);
      check_cleanups_ran (body);
    }
  for (guint i = 0; i < S.n_cleanups; i++)
    CHECK (S.cleanups[i].runs == 1);
  for (guint i = 0; i < S.n_ops; i++)
    {
      Op *op = S.ops[i];

      CHECK (op->calls == 1);       /* never is a bug too */
      if (op->kind == KIND_FOREACH)
        CHECK (op->foreach_destroyed == 1);
      op_free (op);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  gsize body_len;
  gsize n_ops;

  if (size == 0)
    return 0;

  memset (&S, 0, sizeof S);
  g_queue_init (&S.gates);

  body_len = MIN ((gsize) data[0] % MAX_BODY, size - 1);
  S.prog = data + 1;
  S.prog_len = body_len;
  n_ops = MIN (size - 1 - body_len, MAX_OPS);

  S.ctx = g_main_context_new ();
  g_main_context_push_thread_default (S.ctx);

  new_generator ();
  for (gsize i = 0; i < n_ops; i++)
    consume (data[1 + body_len + i]);

  teardown ();

  g_main_context_pop_thread_default (S.ctx);
  g_main_context_unref (S.ctx);
  memset (&S, 0, sizeof S);

  return 0;
}
