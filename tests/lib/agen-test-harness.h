/* agen-test-harness.h: the C tests' side of libagen-test
 *
 * What only C tests use, and GObject-Introspection could not express
 * (structs the tests read, macros, callbacks on the stack), so it is kept
 * out of agen-test.h and the AgenTest GIR:
 *
 * - errors and values: the tests' error domain, short names for errors;
 * - waiting: a fixture with a fresh thread-default main context, and
 *   iterating it until a flag is set, failing the test (instead of hanging)
 *   after a timeout;
 * - AgenTestCall: one consumer operation, started with agen_test_start_*()
 *   and finished by a callback that checks the GAsyncResult rules every time
 *   (called once, never before _async returned, in the caller's context,
 *   out item always initialised);
 * - what a consumer records: the items of a foreach, the notify::state
 *   changes;
 * - AgenTestScript: a reusable raw (continuation closure) body, programmed
 *   with a list of steps, that records what it saw.
 *
 * The gate the scripts await is agen-test.h's AgenTestGate.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-test.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------- errors */

#define AGEN_TEST_ERROR (agen_test_error_quark ())
GQuark         agen_test_error_quark      (void);

/* AGEN_TEST_ERROR @code, with the message "thrown error <code>": what the
 * tests throw in. */
GError        *agen_test_error_new        (gint           code);

/* A short name for an error, for logs and assertions: "EXIT",
 * "IGNORED_EXIT", "NOT_STARTED", "WRONG_CONTEXT", "INVALID_BODY",
 * "CANCELLED", "PENDING", "E<code>" for AGEN_TEST_ERROR, "other". */
const char    *agen_test_error_name       (const GError  *error);

/* ---------------------------------------------------------------- values */

void           agen_test_value_init_int   (GValue        *value,
                                           gint           n);

/* Text of an item: ints as "%d", strings as is, NULL pointer as "none". */
char          *agen_test_value_to_string  (const GValue  *value);

/* Short names for the states in assertions. */
#define CREATED AGEN_GENERATOR_STATE_CREATED
#define SUSPENDED AGEN_GENERATOR_STATE_SUSPENDED
#define RUNNING AGEN_GENERATOR_STATE_RUNNING
#define FINISHED AGEN_GENERATOR_STATE_FINISHED

/* --------------------------------------------------------------- waiting */

/* A fixture for g_test_add(): a fresh GMainContext pushed as thread-default
 * for the test, so tests do not see each other's generators (shutdown
 * closes every generator of a context). Teardown drains and pops it. */
typedef struct
{
  GMainContext *context;
} AgenTestFixture;

void           agen_test_fixture_setup    (AgenTestFixture *fixture,
                                           gconstpointer    data);
void           agen_test_fixture_teardown (AgenTestFixture *fixture,
                                           gconstpointer    data);

/* g_test_add() with the fixture; @data is the test's gconstpointer. */
#define agen_test_add_data(path, data, func) \
  g_test_add ((path), AgenTestFixture, (data), agen_test_fixture_setup, (func), agen_test_fixture_teardown)
#define agen_test_add(path, func) agen_test_add_data ((path), NULL, (func))

/* The kinds of body agen_test_script_generator() makes (docs/reference/
 * semantics.xml, section contract-emitter: every PEP 525 row holds for
 * each). Set for each test by agen_test_add_for_each_body(), raw
 * otherwise. */
typedef enum
{
  AGEN_TEST_BODY_RAW,      /* a straight-line body, as the AGEN_* macros write one */
  AGEN_TEST_BODY_ASYNC,    /* an async-function producer: agen_generator_new_async() */
  AGEN_TEST_BODY_THREAD,   /* a producer thread: agen_generator_new_threaded() */
} AgenTestBodyKind;

extern AgenTestBodyKind agen_test_body_kind;

typedef void (*AgenTestCaseFunc) (AgenTestFixture *fixture,
                                  gconstpointer    data);

/* Adds @func three times, as PATH/raw, PATH/async-function and
 * PATH/thread, each with its agen_test_body_kind. */
void           agen_test_add_for_each_body (const char       *path,
                                            gconstpointer     data,
                                            AgenTestCaseFunc  func);

/* Seconds before a wait fails the test; scaled up under valgrind. */
guint          agen_test_timeout_seconds  (guint           base);

/* Iterates the thread-default context until *flag is TRUE; fails the test
 * after agen_test_timeout_seconds (10). */
void           agen_test_wait_for         (const gboolean *flag);
/* The same, for a counter to reach @target, with a timeout of @seconds. */
void           agen_test_wait_for_count   (const guint    *counter,
                                           guint           target,
                                           guint           seconds);
/* The same, for a counter another thread moves without waking the
 * thread-default context: polls it, dispatching what is ready between. */
void           agen_test_poll_count       (const guint    *counter,
                                           guint           target);
/* With the manual clock (agen_test_clock_use_manual()): dispatches what is
 * ready in the thread-default context, then moves the clock to the next
 * deadline, and again, until *flag is set (TRUE) or nothing is ready nor
 * armed (FALSE; TRUE when @flag is NULL): a run in virtual time. */
gboolean       agen_test_clock_settle     (const gboolean *flag);
/* A GAsyncReadyCallback that keeps the result in *(GAsyncResult **) @user_data,
 * and the wait for it. */
void           agen_test_store_result     (GObject        *source_object,
                                           GAsyncResult   *result,
                                           gpointer        user_data);
void           agen_test_wait_for_result  (GAsyncResult  **result);
/* Iterates the thread-default context for @ms milliseconds. */
void           agen_test_iterate_ms       (guint           ms);
/* Dispatches whatever is ready in the thread-default context, without blocking. */
void           agen_test_drain            (void);

/* g_object_weak_ref() that sets *flag to TRUE on finalisation. */
void           agen_test_watch_finalize   (gpointer        object,
                                           gboolean       *flag);
/* g_object_weak_ref() that increments *counter on finalisation. */
void           agen_test_count_finalize   (gpointer        object,
                                           guint          *counter);

/* ------------------------------------------------------------------ calls */

typedef enum
{
  AGEN_TEST_OP_NEXT,
  AGEN_TEST_OP_SEND,
  AGEN_TEST_OP_THROW,
  AGEN_TEST_OP_CLOSE,
  AGEN_TEST_OP_FOREACH,
  AGEN_TEST_OP_SHUTDOWN,
} AgenTestOp;

typedef struct _AgenTestScript AgenTestScript;

typedef struct
{
  AgenTestOp op;
  GMainContext *context;       /* the caller's thread-default */
  gboolean started;            /* the _async call has returned */
  gboolean done;               /* the callback ran */
  guint n_callbacks;
  gboolean ret;
  GValue item;                 /* next/send/throw */
  GError *error;

  /* Options, set before starting (agen_test_call_init() clears them). */
  gboolean prefill_item;       /* give finish an item that already holds a string */
  AgenTestScript *watch;       /* snapshot watch->log into log_at_callback */

  /* Snapshots taken in the callback. */
  char *log_at_callback;
  AgenGeneratorState state_at_callback;
} AgenTestCall;

void           agen_test_call_init        (AgenTestCall    *call);
void           agen_test_call_clear       (AgenTestCall    *call);
void           agen_test_call_wait        (AgenTestCall    *call);

void           agen_test_start_next       (AgenGenerator   *generator,
                                           GCancellable    *cancellable,
                                           AgenTestCall    *call);
void           agen_test_start_send       (AgenGenerator   *generator,
                                           const GValue    *value,
                                           GCancellable    *cancellable,
                                           AgenTestCall    *call);
void           agen_test_start_throw      (AgenGenerator   *generator,
                                           const GError    *error,
                                           GCancellable    *cancellable,
                                           AgenTestCall    *call);
void           agen_test_start_close      (AgenGenerator   *generator,
                                           GCancellable    *cancellable,
                                           AgenTestCall    *call);
void           agen_test_start_foreach    (AgenGenerator   *generator,
                                           AgenForeachFunc  func,
                                           gpointer         func_data,
                                           GDestroyNotify   func_data_destroy,
                                           GCancellable    *cancellable,
                                           AgenTestCall    *call);
void           agen_test_start_shutdown   (GCancellable    *cancellable,
                                           AgenTestCall    *call);

/* Start, wait, and hand back the outcome (item may be NULL). */
gboolean       agen_test_next             (AgenGenerator   *generator,
                                           GCancellable    *cancellable,
                                           GValue          *item,
                                           GError         **error);
gboolean       agen_test_send             (AgenGenerator   *generator,
                                           const GValue    *value,
                                           GCancellable    *cancellable,
                                           GValue          *item,
                                           GError         **error);
gboolean       agen_test_throw            (AgenGenerator   *generator,
                                           const GError    *thrown,
                                           GCancellable    *cancellable,
                                           GValue          *item,
                                           GError         **error);
gboolean       agen_test_close            (AgenGenerator   *generator,
                                           GCancellable    *cancellable,
                                           GError         **error);
gboolean       agen_test_shutdown         (GCancellable    *cancellable,
                                           GError         **error);

/* Assertions at the call site, so that a failure names the test's line. */
#define agen_test_assert_item_int(result, item, n)                              \
  G_STMT_START {                                                                \
    g_assert_true (result);                                                     \
    g_assert_true (G_VALUE_HOLDS_INT (item));                                   \
    g_assert_cmpint (g_value_get_int (item), ==, (n));                          \
  } G_STMT_END

#define agen_test_assert_item_none(item)                                        \
  G_STMT_START {                                                                \
    g_assert_true (G_VALUE_HOLDS_POINTER (item));                               \
    g_assert_null (g_value_get_pointer (item));                                 \
  } G_STMT_END

#define agen_test_assert_next_int(generator, n)                                 \
  G_STMT_START {                                                                \
    GValue next_item_ = G_VALUE_INIT;                                           \
    GError *next_error_ = NULL;                                                 \
    gboolean next_ret_;                                                         \
                                                                                \
    next_ret_ = agen_test_next ((generator), NULL, &next_item_, &next_error_);  \
    g_assert_no_error (next_error_);                                            \
    agen_test_assert_item_int (next_ret_, &next_item_, (n));                    \
    g_value_unset (&next_item_);                                                \
  } G_STMT_END

#define agen_test_assert_next_end(generator)                                    \
  G_STMT_START {                                                                \
    GValue next_item_ = G_VALUE_INIT;                                           \
    GError *next_error_ = NULL;                                                 \
    gboolean next_ret_;                                                         \
                                                                                \
    next_ret_ = agen_test_next ((generator), NULL, &next_item_, &next_error_);  \
    g_assert_no_error (next_error_);                                            \
    g_assert_false (next_ret_);                                                 \
    agen_test_assert_item_none (&next_item_);                                   \
    g_value_unset (&next_item_);                                                \
  } G_STMT_END

#define agen_test_assert_next_error(generator, domain, code)                    \
  G_STMT_START {                                                                \
    GValue next_item_ = G_VALUE_INIT;                                           \
    GError *next_error_ = NULL;                                                 \
    gboolean next_ret_;                                                         \
                                                                                \
    next_ret_ = agen_test_next ((generator), NULL, &next_item_, &next_error_);  \
    g_assert_error (next_error_, (domain), (code));                             \
    g_assert_false (next_ret_);                                                 \
    agen_test_assert_item_none (&next_item_);                                   \
    g_value_unset (&next_item_);                                                \
    g_error_free (next_error_);                                                 \
  } G_STMT_END

/* agen_generator_next_start() with a callback that records what it got:
 * what completes at once never reaches the callback, and the destroy
 * notify runs once either way. */
typedef struct
{
  guint n_callbacks;
  guint n_destroyed;
  gboolean ret;
  GValue item;
  GError *error;
} AgenTestStartCall;

gboolean       agen_test_next_start       (AgenGenerator     *generator,
                                           AgenTestStartCall *call,
                                           gboolean          *pending,
                                           GValue            *item,
                                           GError           **error);

/* ------------------------------------------------------- what is recorded */

/* Collects the items of a foreach as text ("0 1 2"), and stops after
 * stop_after items when that is not 0. The test owns it: give foreach
 * agen_test_collect_destroy_notify, which only counts, and free it at the end. */
typedef struct
{
  GString *items;
  guint n_items;
  guint stop_after;
  guint n_destroyed;           /* agen_test_collect_destroy_notify calls */
} AgenTestCollect;

AgenTestCollect *agen_test_collect_new            (guint            stop_after);
void             agen_test_collect_destroy_notify (gpointer         collect);
void             agen_test_collect_free           (AgenTestCollect *collect);
gboolean         agen_test_collect_func           (AgenGenerator   *generator,
                                                   const GValue    *item,
                                                   gpointer         collect);

/* Records every notify::state of a generator, checking each time that the
 * property and the getter agree. */
typedef struct
{
  GArray *states;              /* of AgenGeneratorState */
} AgenTestStateLog;

void           agen_test_state_log_init   (AgenTestStateLog *log,
                                           AgenGenerator    *generator);
void           agen_test_state_log_clear  (AgenTestStateLog *log,
                                           AgenGenerator    *generator);

#define agen_test_assert_states(log, ...)                                       \
  G_STMT_START {                                                                \
    const AgenGeneratorState expected_[] = { __VA_ARGS__ };                     \
    g_assert_cmpmem ((log)->states->data,                                       \
                     (log)->states->len * sizeof (AgenGeneratorState),          \
                     expected_, sizeof expected_);                              \
  } G_STMT_END

/* ----------------------------------------------------------------- script */

typedef enum
{
  /* Steps that end the body call. */
  AGEN_TEST_STEP_YIELD,             /* yield_int (arg) */
  AGEN_TEST_STEP_YIELD_SENT,        /* yield a copy of the value sent at this resumption, or int -1 */
  AGEN_TEST_STEP_YIELD_OBJECT,      /* yield a fresh GObject; script->last_object is a weak pointer to it */
  AGEN_TEST_STEP_AWAIT,             /* await the gate, honouring the body's cancellable */
  AGEN_TEST_STEP_AWAIT_IGNORING,    /* await the gate, which ignores the cancellable */
  AGEN_TEST_STEP_SUSPEND,           /* agen_generator_suspend(); the id goes to script->await_id */
  AGEN_TEST_STEP_SUSPEND_GATE,      /* suspend, and resume(id, result) from the gate's callback */
  AGEN_TEST_STEP_RETURN,
  AGEN_TEST_STEP_RAISE,             /* raise AGEN_TEST_ERROR, code arg */
  AGEN_TEST_STEP_RERAISE,           /* raise (a copy of) the error caught last */
  AGEN_TEST_STEP_NOTHING,           /* end the call in nothing: an invalid body */
  /* Steps that go on. */
  AGEN_TEST_STEP_DEFER,             /* defer a cleanup that logs "d<arg>" */
  AGEN_TEST_STEP_MARK,              /* log "m<arg>" */
  AGEN_TEST_STEP_CHECK_CANCELLABLE, /* record whether get_cancellable() is cancelled */
} AgenTestStepKind;

typedef struct
{
  AgenTestStepKind kind;
  gint arg;
} AgenTestStep;

#define S_YIELD(n)          { AGEN_TEST_STEP_YIELD, (n) }
#define S_YIELD_SENT        { AGEN_TEST_STEP_YIELD_SENT, 0 }
#define S_YIELD_OBJECT      { AGEN_TEST_STEP_YIELD_OBJECT, 0 }
#define S_AWAIT             { AGEN_TEST_STEP_AWAIT, 0 }
#define S_AWAIT_IGNORING    { AGEN_TEST_STEP_AWAIT_IGNORING, 0 }
#define S_SUSPEND           { AGEN_TEST_STEP_SUSPEND, 0 }
#define S_SUSPEND_GATE      { AGEN_TEST_STEP_SUSPEND_GATE, 0 }
#define S_RETURN            { AGEN_TEST_STEP_RETURN, 0 }
#define S_RAISE(code)       { AGEN_TEST_STEP_RAISE, (code) }
#define S_RERAISE           { AGEN_TEST_STEP_RERAISE, 0 }
#define S_NOTHING           { AGEN_TEST_STEP_NOTHING, 0 }
#define S_DEFER(n)          { AGEN_TEST_STEP_DEFER, (n) }
#define S_MARK(n)           { AGEN_TEST_STEP_MARK, (n) }
#define S_CHECK_CANCELLABLE { AGEN_TEST_STEP_CHECK_CANCELLABLE, 0 }

/* A raw body, with the program counter kept in the generator's resume point.
 * At a resumption where an error was thrown in, the script looks at it with
 * agen_generator_peek_error() and:
 * - with no handler (or already in the handler), returns at once: the error
 *   is uncaught and propagates;
 * - with a handler, catches it (agen_generator_catch(), or
 *   agen_generator_catch_error() when catch_error is set), logs
 *   "c:<name>" and goes on with the handler's steps.
 * With ignore_errors set it never looks and goes on with its next step. */
struct _AgenTestScript
{
  gint ref_count;
  AgenTestStep *steps;
  guint n_steps;
  gint handler_start;          /* -1: no handler */
  gboolean ignore_errors;
  gboolean catch_error;
  AgenTestGate *gate;          /* shut: the test opens it */
  GMainContext *context;       /* where it was made: the body must run there */

  /* What it saw. */
  guint n_calls;
  guint n_destroyed;           /* user_data_destroy calls */
  guint wrong_context_calls;   /* body calls outside its context */
  guint wrong_state_calls;     /* body calls while the state was not RUNNING */
  guint calls_inside_a_call;   /* body calls inside an agen_test_start_*() or a resume from a callback */
  GString *log;
  GPtrArray *caught;           /* of GError */
  GPtrArray *sent;             /* of GValue * or NULL, one per call */
  guint n_null_results;        /* resumptions after an await with a NULL result */
  guint n_results;             /* ... with a result */
  gpointer last_result;        /* not a reference: only compared */
  gint cancellable_cancelled;  /* last AGEN_TEST_STEP_CHECK_CANCELLABLE: -1 never */
  guint peeked_after_catch;    /* peek_error() != NULL right after a catch */
  guint await_id;              /* from AGEN_TEST_STEP_SUSPEND */
  GObject *last_object;        /* weak */
};

AgenTestScript *agen_test_script_new       (const AgenTestStep *steps,
                                            guint               n_steps,
                                            const AgenTestStep *handler,
                                            guint               n_handler);
AgenTestScript *agen_test_script_ref       (AgenTestScript     *script);
void            agen_test_script_unref     (AgenTestScript     *script);
/* How many scripts are not freed yet: a generator keeps its own, and a
 * producer thread's generator is freed only once the thread has ended. */
guint           agen_test_script_count_alive (void);
/* A new generator running @script (which it references), as a body of
 * the kind agen_test_body_kind says. */
AgenGenerator  *agen_test_script_generator (AgenTestScript     *script);
/* Asserts that @script has been called @n_calls times: at once, or, for a
 * producer thread, which runs while the test goes on, once it has. */
void            agen_test_script_wait_calls (AgenTestScript    *script,
                                             guint              n_calls);

/* What every body call must see: its own context, and state RUNNING. */
#define agen_test_script_assert_sane(s)                                         \
  G_STMT_START {                                                                \
    g_assert_cmpuint ((s)->wrong_context_calls, ==, 0);                         \
    g_assert_cmpuint ((s)->wrong_state_calls, ==, 0);                           \
  } G_STMT_END

#define AGEN_TEST_SCRIPT(steps) \
  agen_test_script_new ((steps), G_N_ELEMENTS (steps), NULL, 0)
#define AGEN_TEST_SCRIPT_H(steps, handler) \
  agen_test_script_new ((steps), G_N_ELEMENTS (steps), (handler), G_N_ELEMENTS (handler))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AgenTestScript, agen_test_script_unref)

G_END_DECLS
