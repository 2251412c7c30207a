/* agen-test-bodies.h: shared pieces of the C tests
 *
 * - waiting: iterate the thread-default main context until a flag is set,
 *   failing the test (instead of hanging) after a timeout;
 * - AtestCall: one consumer operation, started with atest_start_*() and
 *   finished by a callback that checks the GAsyncResult rules every time
 *   (called once, never before _async returned, in the caller's context,
 *   out item always initialised);
 * - AtestGate: an awaitable the test controls, in a variant that honours
 *   its cancellable and one that ignores it;
 * - AtestScript: a reusable raw (continuation closure) body, programmed with
 *   a list of steps, that records what it saw.
 *
 * The prefix is atest_ so that nothing clashes with tests/lib (libagen-test).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <agen-glib/agen.h>

G_BEGIN_DECLS

/* ---------------------------------------------------------------- errors */

#define ATEST_ERROR (atest_error_quark ())
GQuark        atest_error_quark     (void);

/* A short name for an error, for logs and assertions: "EXIT",
 * "IGNORED_EXIT", "NOT_STARTED", "WRONG_CONTEXT", "INVALID_BODY",
 * "CANCELLED", "PENDING", "E<code>" for ATEST_ERROR, "other". */
const char   *atest_error_name      (const GError *error);

/* ------------------------------------------------------------- contexts */

/* A fixture for g_test_add(): a fresh GMainContext pushed as thread-default
 * for the test, so tests do not see each other's generators (shutdown
 * closes every generator of a context). Teardown drains and pops it. */
typedef struct
{
  GMainContext *context;
} AtestFixture;

void          atest_fixture_setup    (AtestFixture  *fixture,
                                      gconstpointer  data);
void          atest_fixture_teardown (AtestFixture  *fixture,
                                      gconstpointer  data);

#define atest_add(path, func) \
  g_test_add ((path), AtestFixture, NULL, atest_fixture_setup, (func), atest_fixture_teardown)

/* Seconds before a wait fails the test; scaled up under valgrind. */
guint         atest_timeout_seconds  (guint          base);

/* Iterates the thread-default context until *flag is TRUE; fails the test
 * after atest_timeout_seconds (10). */
void          atest_wait_for         (const gboolean *flag);
/* The same, for a counter to reach @target, with a timeout of @seconds. */
void          atest_wait_for_count   (const guint   *counter,
                                      guint          target,
                                      guint          seconds);
/* Iterates the thread-default context for @ms milliseconds. */
void          atest_iterate_ms       (guint          ms);
/* Dispatches whatever is ready in the thread-default context, without blocking. */
void          atest_drain            (void);

/* g_object_weak_ref() that sets *flag to TRUE on finalisation. */
void          atest_watch_finalize   (gpointer       object,
                                      gboolean      *flag);
/* g_object_weak_ref() that increments *counter on finalisation. */
void          atest_count_finalize   (gpointer       object,
                                      guint         *counter);

/* ------------------------------------------------------------------ calls */

typedef enum
{
  ATEST_OP_NEXT,
  ATEST_OP_SEND,
  ATEST_OP_THROW,
  ATEST_OP_CLOSE,
  ATEST_OP_FOREACH,
  ATEST_OP_SHUTDOWN,
} AtestOp;

typedef struct _AtestScript AtestScript;

typedef struct
{
  AtestOp op;
  GMainContext *context;       /* the caller's thread-default */
  gboolean started;            /* the _async call has returned */
  gboolean done;               /* the callback ran */
  guint n_callbacks;
  gboolean ret;
  GValue item;                 /* next/send/throw */
  GError *error;

  /* Options, set before starting (atest_call_init() clears them). */
  gboolean prefill_item;       /* give finish an item that already holds a string */
  AtestScript *watch;          /* snapshot watch->log into log_at_callback */

  /* Snapshots taken in the callback. */
  char *log_at_callback;
  AgenGeneratorState state_at_callback;
} AtestCall;

void          atest_call_init        (AtestCall     *call);
void          atest_call_clear       (AtestCall     *call);
void          atest_call_wait        (AtestCall     *call);

void          atest_start_next       (AgenGenerator *generator,
                                      GCancellable  *cancellable,
                                      AtestCall     *call);
void          atest_start_send       (AgenGenerator *generator,
                                      const GValue  *value,
                                      GCancellable  *cancellable,
                                      AtestCall     *call);
void          atest_start_throw      (AgenGenerator *generator,
                                      const GError  *error,
                                      GCancellable  *cancellable,
                                      AtestCall     *call);
void          atest_start_close      (AgenGenerator *generator,
                                      GCancellable  *cancellable,
                                      AtestCall     *call);
void          atest_start_foreach    (AgenGenerator  *generator,
                                      AgenForeachFunc func,
                                      gpointer        func_data,
                                      GDestroyNotify  func_data_destroy,
                                      GCancellable   *cancellable,
                                      AtestCall      *call);
void          atest_start_shutdown   (GCancellable  *cancellable,
                                      AtestCall     *call);

/* Start, wait, and hand back the outcome (item may be NULL). */
gboolean      atest_next             (AgenGenerator *generator,
                                      GCancellable  *cancellable,
                                      GValue        *item,
                                      GError       **error);
gboolean      atest_send             (AgenGenerator *generator,
                                      const GValue  *value,
                                      GCancellable  *cancellable,
                                      GValue        *item,
                                      GError       **error);
gboolean      atest_throw            (AgenGenerator *generator,
                                      const GError  *thrown,
                                      GCancellable  *cancellable,
                                      GValue        *item,
                                      GError       **error);
gboolean      atest_close            (AgenGenerator *generator,
                                      GCancellable  *cancellable,
                                      GError       **error);
gboolean      atest_shutdown         (GCancellable  *cancellable,
                                      GError       **error);

/* Assertions at the call site, so that a failure names the test's line. */
#define atest_assert_item_int(result, item, n)                                  \
  G_STMT_START {                                                                \
    g_assert_true (result);                                                     \
    g_assert_true (G_VALUE_HOLDS_INT (item));                                   \
    g_assert_cmpint (g_value_get_int (item), ==, (n));                          \
  } G_STMT_END

#define atest_assert_item_none(item)                                            \
  G_STMT_START {                                                                \
    g_assert_true (G_VALUE_HOLDS_POINTER (item));                               \
    g_assert_null (g_value_get_pointer (item));                                 \
  } G_STMT_END

#define atest_assert_next_int(generator, n)                                     \
  G_STMT_START {                                                                \
    GValue atest_v_ = G_VALUE_INIT;                                             \
    GError *atest_e_ = NULL;                                                    \
    gboolean atest_r_ = atest_next ((generator), NULL, &atest_v_, &atest_e_);   \
    g_assert_no_error (atest_e_);                                               \
    atest_assert_item_int (atest_r_, &atest_v_, (n));                           \
    g_value_unset (&atest_v_);                                                  \
  } G_STMT_END

#define atest_assert_next_end(generator)                                        \
  G_STMT_START {                                                                \
    GValue atest_v_ = G_VALUE_INIT;                                             \
    GError *atest_e_ = NULL;                                                    \
    gboolean atest_r_ = atest_next ((generator), NULL, &atest_v_, &atest_e_);   \
    g_assert_no_error (atest_e_);                                               \
    g_assert_false (atest_r_);                                                  \
    atest_assert_item_none (&atest_v_);                                         \
    g_value_unset (&atest_v_);                                                  \
  } G_STMT_END

#define atest_assert_next_error(generator, domain, code)                        \
  G_STMT_START {                                                                \
    GValue atest_v_ = G_VALUE_INIT;                                             \
    GError *atest_e_ = NULL;                                                    \
    gboolean atest_r_ = atest_next ((generator), NULL, &atest_v_, &atest_e_);   \
    g_assert_error (atest_e_, (domain), (code));                                \
    g_assert_false (atest_r_);                                                  \
    atest_assert_item_none (&atest_v_);                                         \
    g_value_unset (&atest_v_);                                                  \
    g_error_free (atest_e_);                                                    \
  } G_STMT_END

/* ------------------------------------------------------------------- gate */

#define ATEST_TYPE_GATE (atest_gate_get_type ())
G_DECLARE_FINAL_TYPE (AtestGate, atest_gate, ATEST, GATE, GObject)

AtestGate    *atest_gate_new                     (void);
/* Completes when the gate opens; fails with G_IO_ERROR_CANCELLED when
 * @cancellable is cancelled first. */
void          atest_gate_wait_async              (AtestGate           *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* Completes only when the gate opens, whatever happens to @cancellable. */
void          atest_gate_wait_ignoring_cancel_async (AtestGate           *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean      atest_gate_wait_finish             (AtestGate           *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
/* Completes every waiter; the gate stays open, later waits complete at once
 * (still asynchronously). */
void          atest_gate_open                    (AtestGate           *self);
/* Completes the current waiters only. */
void          atest_gate_release                 (AtestGate           *self);
guint         atest_gate_get_n_waiters           (AtestGate           *self);
/* Waiters that ended because their cancellable was cancelled. */
guint         atest_gate_get_n_cancelled         (AtestGate           *self);

/* ----------------------------------------------------------------- script */

typedef enum
{
  /* Steps that end the body call. */
  ATEST_YIELD,            /* yield_int (arg) */
  ATEST_YIELD_SENT,       /* yield a copy of the value sent at this resumption, or int -1 */
  ATEST_YIELD_OBJECT,     /* yield a fresh GObject; script->last_object is a weak pointer to it */
  ATEST_AWAIT,            /* await the gate, honouring the body's cancellable */
  ATEST_AWAIT_IGNORING,   /* await the gate, which ignores the cancellable */
  ATEST_SUSPEND,          /* agen_generator_suspend(); the id goes to script->await_id */
  ATEST_SUSPEND_GATE,     /* suspend, and resume(id, result) from the gate's callback */
  ATEST_RETURN,
  ATEST_RAISE,            /* raise ATEST_ERROR, code arg */
  ATEST_RERAISE,          /* raise (a copy of) the error caught last */
  ATEST_NOTHING,          /* end the call in nothing: an invalid body */
  /* Steps that go on. */
  ATEST_DEFER,            /* defer a cleanup that logs "d<arg>" */
  ATEST_MARK,             /* log "m<arg>" */
  ATEST_CHECK_CANCELLABLE,/* record whether get_cancellable() is cancelled */
} AtestStepKind;

typedef struct
{
  AtestStepKind kind;
  gint arg;
} AtestStep;

#define S_YIELD(n)          { ATEST_YIELD, (n) }
#define S_YIELD_SENT        { ATEST_YIELD_SENT, 0 }
#define S_YIELD_OBJECT      { ATEST_YIELD_OBJECT, 0 }
#define S_AWAIT             { ATEST_AWAIT, 0 }
#define S_AWAIT_IGNORING    { ATEST_AWAIT_IGNORING, 0 }
#define S_SUSPEND           { ATEST_SUSPEND, 0 }
#define S_SUSPEND_GATE      { ATEST_SUSPEND_GATE, 0 }
#define S_RETURN            { ATEST_RETURN, 0 }
#define S_RAISE(code)       { ATEST_RAISE, (code) }
#define S_RERAISE           { ATEST_RERAISE, 0 }
#define S_NOTHING           { ATEST_NOTHING, 0 }
#define S_DEFER(n)          { ATEST_DEFER, (n) }
#define S_MARK(n)           { ATEST_MARK, (n) }
#define S_CHECK_CANCELLABLE { ATEST_CHECK_CANCELLABLE, 0 }

/* A raw body, with the program counter kept in the generator's resume point.
 * At a resumption where an error was thrown in, the script looks at it with
 * agen_generator_peek_error() and:
 * - with no handler (or already in the handler), returns at once: the error
 *   is uncaught and propagates;
 * - with a handler, catches it (agen_generator_catch(), or
 *   agen_generator_catch_error() when catch_error is set), logs
 *   "c:<name>" and goes on with the handler's steps.
 * With ignore_errors set it never looks and goes on with its next step. */
struct _AtestScript
{
  gint ref_count;
  AtestStep *steps;
  guint n_steps;
  gint handler_start;          /* -1: no handler */
  gboolean ignore_errors;
  gboolean catch_error;
  AtestGate *gate;
  GMainContext *context;       /* where it was made: the body must run there */

  /* What it saw. */
  guint n_calls;
  guint n_destroyed;           /* user_data_destroy calls */
  guint wrong_context_calls;   /* body calls outside its context */
  guint wrong_state_calls;     /* body calls while the state was not RUNNING */
  guint calls_inside_a_call;   /* body calls inside an atest_start_*() or a resume from a callback */
  GString *log;
  GPtrArray *caught;           /* of GError */
  GPtrArray *sent;             /* of GValue * or NULL, one per call */
  guint n_null_results;        /* resumptions after an await with a NULL result */
  guint n_results;             /* ... with a result */
  gpointer last_result;        /* not a reference: only compared */
  gint cancellable_cancelled;  /* last ATEST_CHECK_CANCELLABLE: -1 never */
  guint peeked_after_catch;    /* peek_error() != NULL right after a catch */
  guint await_id;              /* from ATEST_SUSPEND */
  GObject *last_object;        /* weak */
};

AtestScript  *atest_script_new       (const AtestStep *steps,
                                      guint            n_steps,
                                      const AtestStep *handler,
                                      guint            n_handler);
AtestScript  *atest_script_ref       (AtestScript     *script);
void          atest_script_unref     (AtestScript     *script);
/* A new generator running @script (which it references). */
AgenGenerator *atest_script_generator (AtestScript    *script);

/* What every body call must see: its own context, and state RUNNING. */
#define atest_script_assert_sane(s)                                             \
  G_STMT_START {                                                                \
    g_assert_cmpuint ((s)->wrong_context_calls, ==, 0);                         \
    g_assert_cmpuint ((s)->wrong_state_calls, ==, 0);                           \
  } G_STMT_END

#define ATEST_SCRIPT(steps) \
  atest_script_new ((steps), G_N_ELEMENTS (steps), NULL, 0)
#define ATEST_SCRIPT_H(steps, handler) \
  atest_script_new ((steps), G_N_ELEMENTS (steps), (handler), G_N_ELEMENTS (handler))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtestScript, atest_script_unref)

/* ---------------------------------------------------------------- foreach */

/* Collects the items of a foreach as text ("0 1 2"), and stops after
 * stop_after items when that is not 0. The test owns it: give foreach
 * atest_collect_destroy_notify, which only counts, and free it at the end. */
typedef struct
{
  GString *items;
  guint n_items;
  guint stop_after;
  guint n_destroyed;           /* atest_collect_destroy_notify calls */
} AtestCollect;

AtestCollect *atest_collect_new      (guint          stop_after);
void          atest_collect_destroy_notify (gpointer collect);
void          atest_collect_free     (AtestCollect  *collect);
gboolean      atest_collect_func     (AgenGenerator *generator,
                                      const GValue  *item,
                                      gpointer       collect);

/* Text of an item: ints as "%d", strings as is, NULL pointer as "none". */
char         *atest_value_to_string  (const GValue  *value);

G_END_DECLS
