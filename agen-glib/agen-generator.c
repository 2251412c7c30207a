/* agen-generator.c: an asynchronous generator on the GLib main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-close-error-private.h"
#include "agen-enums.h"
#include "agen-error.h"
#include "agen-generator-private.h"
#include "agen-macros.h"

/**
 * SECTION:agen-generator
 * @title: AgenGenerator
 * @short_description: an asynchronous generator (PEP 525) on the GLib main loop
 *
 * An #AgenGenerator is a lazy, pull-based stream of values: Python's
 * `async def` with `yield`, as a GObject on the GLib main loop.
 *
 * The consumer pulls with agen_generator_next_async(), sends values in with
 * agen_generator_send_async(), throws errors in with
 * agen_generator_throw_async() and asks the generator to finish with
 * agen_generator_close_async(). These follow the #GAsyncResult conventions of
 * GIO. agen_generator_foreach_async() is Python's `async for`.
 *
 * The producer writes a body, an #AgenBodyFunc: a continuation closure that
 * is called each time an operation resumes the generator, and that ends each
 * call in exactly one of agen_generator_yield(), agen_generator_return(),
 * agen_generator_raise() or an await. The macros AGEN_BEGIN(), AGEN_YIELD(),
 * AGEN_AWAIT() and AGEN_END() let a body read top to bottom.
 *
 * A generator belongs to the thread-default #GMainContext it was created in;
 * its body only ever runs there.
 */

enum
{
  PROP_0,
  PROP_STATE,
  PROP_NAME,
  PROP_DISPATCH_BODY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (AgenGenerator, agen_generator, G_TYPE_OBJECT)

/* A body makes several producer calls per item, and AGEN_IS_GENERATOR()
 * costs each a call to agen_generator_get_type() and its once-guard, a
 * fifth of a fast item. The type is final, so comparing the instance's type
 * with the one class_init recorded is the whole check. */
static GType agen_generator_final_type;
#define AGEN_IS_GENERATOR_FINAL(obj) ((obj) != NULL && G_TYPE_FROM_INSTANCE (obj) == agen_generator_final_type)

/* One await of one generator, as it travels: to the awaited operation
 * (agen_generator_await()), and to the generator's own context from a
 * cancellation or a resumption in another thread. */
typedef struct
{
  AgenGenerator *generator;   /* owned: the await keeps the generator alive */
  guint await_id;
  GAsyncResult *result;       /* owned, nullable */
} AgenAwaitToken;

static AgenAwaitToken *
agen_await_token_new (AgenGenerator *generator,
                      guint          await_id,
                      GAsyncResult  *result)
{
  AgenAwaitToken *token = g_new (AgenAwaitToken, 1);

  token->generator = g_object_ref (generator);
  token->await_id = await_id;
  token->result = result != NULL ? g_object_ref (result) : NULL;
  return token;
}

static void
agen_await_token_free (gpointer data)
{
  AgenAwaitToken *token = data;

  g_object_unref (token->generator);
  g_clear_object (&token->result);
  g_free (token);
}

/*
 * _agen_generator_schedule:
 *
 * Calls `func (data)` once at the next dispatch of the generator's context,
 * from any thread. At the priority of ordinary work, as asyncio's
 * call_soon(): an idle priority would wait for a busy loop to go quiet.
 */
void
_agen_generator_schedule (AgenGenerator  *self,
                          const char     *name,
                          GSourceFunc     func,
                          gpointer        data,
                          GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, name);
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
agen_await_token_send_home (AgenAwaitToken *token,
                            GSourceFunc     func)
{
  _agen_generator_schedule (token->generator, "[agen] await", func, token, agen_await_token_free);
}

static gboolean
agen_await_token_is_current (AgenAwaitToken *token)
{
  AgenRun *run = token->generator->run;

  return run != NULL && run->awaiting && run->await_id == token->await_id;
}

static void agen_generator_continue (AgenGenerator *self,
                                     gboolean       in_own_source);

/* ---------------------------------------------------------------------- *
 * The state machine: what each operation does in each phase.
 * ---------------------------------------------------------------------- */

typedef enum
{
  AGEN_ACTION_RUN,                  /* resume the body */
  AGEN_ACTION_FINISH_UNSTARTED,     /* finish with the thrown error; the body never runs */
  AGEN_ACTION_REPLY_FINISHED,       /* the generator is finished: end (or closed) at once */
  AGEN_ACTION_REFUSE_NOT_STARTED,
  AGEN_ACTION_REFUSE_IGNORED_EXIT,
} AgenAction;

/* The row "exit ignored" is a started generator that yielded while being
 * closed: Python's ag_closed. It can still be resumed with next or send. */
typedef enum
{
  AGEN_ROW_CREATED,
  AGEN_ROW_STARTED,
  AGEN_ROW_EXIT_IGNORED,
  AGEN_ROW_FINISHED,
  AGEN_N_ROWS
} AgenRow;

static const AgenAction agen_transitions[AGEN_N_ROWS][AGEN_N_OPS] = {
  /*                          NEXT                         SEND                             THROW                            CLOSE */
  [AGEN_ROW_CREATED]      = { AGEN_ACTION_RUN,            AGEN_ACTION_REFUSE_NOT_STARTED,  AGEN_ACTION_FINISH_UNSTARTED,     AGEN_ACTION_FINISH_UNSTARTED },
  [AGEN_ROW_STARTED]      = { AGEN_ACTION_RUN,            AGEN_ACTION_RUN,                 AGEN_ACTION_RUN,                  AGEN_ACTION_RUN },
  [AGEN_ROW_EXIT_IGNORED] = { AGEN_ACTION_RUN,            AGEN_ACTION_RUN,                 AGEN_ACTION_REFUSE_IGNORED_EXIT,  AGEN_ACTION_REFUSE_IGNORED_EXIT },
  [AGEN_ROW_FINISHED]     = { AGEN_ACTION_REPLY_FINISHED, AGEN_ACTION_REPLY_FINISHED,      AGEN_ACTION_REPLY_FINISHED,       AGEN_ACTION_REPLY_FINISHED },
};

static AgenRow
agen_generator_get_row (AgenGenerator *self)
{
  switch (self->phase)
    {
    case AGEN_PHASE_CREATED:
      return AGEN_ROW_CREATED;
    case AGEN_PHASE_STARTED:
      return self->exit_ignored ? AGEN_ROW_EXIT_IGNORED : AGEN_ROW_STARTED;
    case AGEN_PHASE_FINISHED:
    default:
      return AGEN_ROW_FINISHED;
    }
}

static void
agen_reply_set_error (AgenReply  *reply,
                      GError     *error)
{
  reply->kind = AGEN_REPLY_ERROR;
  reply->error = error;
}

/* How an operation ends when the body finished with @error (NULL: it returned).
 * Only close treats AGEN_ERROR_EXIT as success: a throw of it is a plain throw. */
static void
agen_reply_set_finished (AgenReply  *reply,
                         AgenOpKind  kind,
                         GError     *error)
{
  if (kind == AGEN_OP_CLOSE && (error == NULL || g_error_matches (error, AGEN_ERROR, AGEN_ERROR_EXIT)))
    {
      g_clear_error (&error);
      reply->kind = AGEN_REPLY_CLOSED;
    }
  else if (error == NULL)
    reply->kind = AGEN_REPLY_END;
  else
    agen_reply_set_error (reply, error);
}

/* ---------------------------------------------------------------------- *
 * Helpers
 * ---------------------------------------------------------------------- */

static AgenGeneratorState
agen_generator_compute_state (AgenGenerator *self)
{
  if (self->run != NULL)
    return AGEN_GENERATOR_STATE_RUNNING;

  switch (self->phase)
    {
    case AGEN_PHASE_CREATED:
      return AGEN_GENERATOR_STATE_CREATED;
    case AGEN_PHASE_STARTED:
      return AGEN_GENERATOR_STATE_SUSPENDED;
    case AGEN_PHASE_FINISHED:
    default:
      return AGEN_GENERATOR_STATE_FINISHED;
    }
}

static void
agen_generator_notify_state (AgenGenerator      *self,
                             AgenGeneratorState  old_state)
{
  if (agen_generator_compute_state (self) != old_state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* The name is rare, so it lives in the object's data, not in every
 * instance. */
static GQuark
agen_generator_name_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("agen-generator-name");
  return quark;
}

GMainContext *
_agen_generator_get_context (AgenGenerator *self)
{
  return self->context;
}

char *
_agen_generator_describe (AgenGenerator *self)
{
  const char *name = agen_generator_get_name (self);

  if (name != NULL)
    return g_strdup_printf ("'%s' (AgenGenerator %p)", name, self);
  return g_strdup_printf ("AgenGenerator %p", self);
}

static const char *
agen_outcome_to_string (AgenOutcome outcome)
{
  static const char * const names[] = {
    [AGEN_OUTCOME_NONE] = "nothing",
    [AGEN_OUTCOME_YIELDED] = "a yield",
    [AGEN_OUTCOME_RETURNED] = "a return",
    [AGEN_OUTCOME_RAISED] = "a raise",
    [AGEN_OUTCOME_AWAITING] = "an await",
  };

  return names[outcome];
}

/* Inlined: it is on the path of every item. */
G_ALWAYS_INLINE static inline gboolean
agen_generator_check_in_body (AgenGenerator *self,
                              const char    *caller)
{
  if (G_LIKELY (self->run != NULL && self->run->in_body))
    return TRUE;

  g_critical ("%s: called outside a body call; producer calls are only allowed "
              "while the generator's body runs", caller);
  return FALSE;
}

/* Records how the current body call ends: a body call ends in exactly one
 * of yield, return, raise or await. */
/* Inlined: it is on the path of every item. */
G_ALWAYS_INLINE static inline gboolean
agen_generator_end_call (AgenGenerator *self,
                         AgenOutcome    outcome,
                         const char    *caller)
{
  if (!agen_generator_check_in_body (self, caller))
    return FALSE;

  if (G_UNLIKELY (self->run->outcome != AGEN_OUTCOME_NONE))
    {
      g_critical ("%s: this body call already ended in %s; a body call ends in "
                  "exactly one of yield, return, raise or await",
                  caller, agen_outcome_to_string (self->run->outcome));
      return FALSE;
    }

  self->run->outcome = outcome;
  return TRUE;
}

/* Ends the body call in a yield and returns the GValue to put the item in,
 * initialised to @type. foreach leaves the previous item there, so a body
 * that yields items of one type reuses it instead of initialising and
 * unsetting a GValue per item. Inlined: it is on the path of every item. */
G_ALWAYS_INLINE static inline GValue *
agen_generator_prepare_yield (AgenGenerator *self,
                              GType          type,
                              const char    *caller)
{
  GValue *yielded;

  if (!agen_generator_end_call (self, AGEN_OUTCOME_YIELDED, caller))
    return NULL;

  yielded = &self->run->yielded;
  if (G_VALUE_TYPE (yielded) != type)
    {
      if (G_IS_VALUE (yielded))
        g_value_unset (yielded);
      g_value_init (yielded, type);
    }
  return yielded;
}

/* Each ends the body call in a yield of @item; FALSE when the call may not
 * (a critical was raised). */
G_ALWAYS_INLINE static inline gboolean
agen_generator_store_value (AgenGenerator *self,
                            const GValue  *item,
                            const char    *caller)
{
  GValue *yielded = agen_generator_prepare_yield (self, item != NULL ? G_VALUE_TYPE (item) : G_TYPE_POINTER, caller);

  if (yielded == NULL)
    return FALSE;
  if (item != NULL)
    g_value_copy (item, yielded);
  else
    g_value_set_pointer (yielded, NULL);
  return TRUE;
}

G_ALWAYS_INLINE static inline gboolean
agen_generator_store_int (AgenGenerator *self,
                          gint           item,
                          const char    *caller)
{
  GValue *yielded = agen_generator_prepare_yield (self, G_TYPE_INT, caller);

  if (yielded == NULL)
    return FALSE;
  /* prepare_yield made it a G_TYPE_INT: g_value_set_int() would only check
   * that again, at a tenth of the cost of a fast item. */
  yielded->data[0].v_int = item;
  return TRUE;
}

G_ALWAYS_INLINE static inline gboolean
agen_generator_store_string (AgenGenerator *self,
                             const char    *item,
                             const char    *caller)
{
  GValue *yielded = agen_generator_prepare_yield (self, G_TYPE_STRING, caller);

  if (yielded == NULL)
    return FALSE;
  g_value_set_string (yielded, item);
  return TRUE;
}

/* ---------------------------------------------------------------------- *
 * Deferred cleanups
 * ---------------------------------------------------------------------- */

static void
agen_generator_run_deferred (AgenGenerator *self)
{
  while (self->deferred != NULL && self->deferred->len > 0)
    {
      AgenDeferred last = g_array_index (self->deferred, AgenDeferred, self->deferred->len - 1);

      g_array_set_size (self->deferred, self->deferred->len - 1);
      last.func (last.data);
    }
  g_clear_pointer (&self->deferred, g_array_unref);
}

/* ---------------------------------------------------------------------- *
 * Awaits and cancellation
 * ---------------------------------------------------------------------- */

static guint
agen_generator_begin_await (AgenGenerator *self,
                            const char    *caller)
{
  static guint last_await_id;
  guint await_id;

  if (!agen_generator_end_call (self, AGEN_OUTCOME_AWAITING, caller))
    return 0;

  /* Unique across all generators and operations, and never zero, so that a
   * completion for an await that has ended never matches a later one. */
  do
    await_id = (guint) g_atomic_int_add ((gint *) &last_await_id, 1) + 1;
  while (G_UNLIKELY (await_id == 0));

  self->run->awaiting = TRUE;
  self->run->await_id = await_id;
  return await_id;
}

/* After this, a completion of the await that was in progress is stale. */
static void
agen_generator_end_await (AgenGenerator *self)
{
  AgenRun *run = self->run;

  run->awaiting = FALSE;
  /* Waits for a handler running in another thread: what it sent home is
   * then stale. */
  if (run->cancel_handler != 0)
    {
      g_cancellable_disconnect (run->op.cancellable, run->cancel_handler);
      run->cancel_handler = 0;
    }
}

/* The body gave up on its await (an uncaught error finished it): tell the
 * awaited operation to stop, and discard its completion. */
static void
agen_generator_abandon_await (AgenGenerator *self)
{
  agen_generator_end_await (self);
  g_clear_object (&self->run->early_result);
  if (self->run->body_cancellable != NULL)
    {
      g_cancellable_cancel (self->run->body_cancellable);
      g_clear_object (&self->run->body_cancellable);
    }
}

/* Ends the await with G_IO_ERROR_CANCELLED thrown in. Delivered once, as
 * asyncio delivers CancelledError once: the body's cleanup may still await
 * with a fresh cancellable. */
static void
agen_generator_throw_cancellation (AgenGenerator *self,
                                   gboolean       in_own_source)
{
  self->run->op.cancel_delivered = TRUE;
  agen_generator_abandon_await (self);
  self->run->thrown = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  agen_generator_continue (self, in_own_source);
}

static gboolean
agen_generator_cancellation_pending (AgenGenerator *self)
{
  AgenOperation *op = &self->run->op;

  return op->cancellable != NULL && !op->cancel_delivered && g_cancellable_is_cancelled (op->cancellable);
}

static gboolean
agen_generator_deliver_cancellation (gpointer data)
{
  AgenAwaitToken *token = data;

  /* When the await ended first, its completion threw the cancellation in,
   * or the body's next await watches for it. */
  if (agen_await_token_is_current (token))
    agen_generator_throw_cancellation (token->generator, TRUE);

  return G_SOURCE_REMOVE;
}

/* In the thread that cancels, which may be any. */
static void
agen_generator_on_cancelled (GCancellable *cancellable,
                             gpointer      user_data)
{
  AgenAwaitToken *token = user_data;

  agen_await_token_send_home (agen_await_token_new (token->generator, token->await_id, NULL),
                              agen_generator_deliver_cancellation);
}

/* Cancellation reaches a body only where it awaits; the watch exists only
 * while it does, so a body that never awaits pays nothing for it. It is a
 * handler rather than a GCancellableSource: GLib 2.74 leaks such a source
 * when it is dropped while another thread cancels. */
static void
agen_generator_watch_cancellation (AgenGenerator *self)
{
  AgenRun *run = self->run;

  if (run->op.cancellable == NULL || run->op.cancel_delivered)
    return;

  run->cancel_handler = g_cancellable_connect (run->op.cancellable,
                                               G_CALLBACK (agen_generator_on_cancelled),
                                               agen_await_token_new (self, run->await_id, NULL),
                                               agen_await_token_free);
}

static void
agen_generator_complete_await (AgenGenerator *self,
                               GAsyncResult  *result,
                               gboolean       in_own_source)
{
  agen_generator_end_await (self);

  /* The awaited operation called back before the body call returned; the
   * body continues once it has. */
  if (self->run->in_body)
    {
      self->run->await_completed_in_body = TRUE;
      g_set_object (&self->run->early_result, result);
      return;
    }

  /* The consumer cancelled while the completion was on its way: as
   * asyncio's Task.cancel() does once the awaited future is done, the
   * cancellation is thrown in at this await and the result is dropped,
   * rather than lost until an await that may never come. */
  if (agen_generator_cancellation_pending (self))
    {
      agen_generator_throw_cancellation (self, in_own_source);
      return;
    }

  g_set_object (&self->run->result, result);
  agen_generator_continue (self, in_own_source);
}

/* ---------------------------------------------------------------------- *
 * Running the body and settling what it did
 * ---------------------------------------------------------------------- */

static void
agen_generator_deliver (AgenGenerator *self,
                        AgenReply     *reply)
{
  self->run->op.reply (self, reply, self->run->op.reply_data);
}

static void
agen_generator_finish (AgenGenerator *self,
                       GError        *error)
{
  AgenReply reply = AGEN_REPLY_INIT;
  GDestroyNotify destroy = g_steal_pointer (&self->body_data_destroy);
  gpointer body_data = g_steal_pointer (&self->body_data);

  agen_generator_run_deferred (self);
  self->phase = AGEN_PHASE_FINISHED;
  self->body = NULL;
  _agen_registry_remove (self);
  if (destroy != NULL)
    destroy (body_data);

  agen_reply_set_finished (&reply, self->run->op.kind, error);
  agen_generator_deliver (self, &reply);
}

static void
agen_generator_suspend_at_yield (AgenGenerator *self)
{
  AgenReply reply = AGEN_REPLY_INIT;

  if (self->run->op.kind == AGEN_OP_CLOSE)
    {
      /* Python's "async generator ignored GeneratorExit": the item is
       * dropped and the body stays at this yield. */
      g_value_unset (&self->run->yielded);
      self->exit_ignored = TRUE;
      agen_reply_set_error (&reply, g_error_new_literal (AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT,
                                                         "The generator yielded while it was being closed"));
    }
  else
    {
      reply.kind = AGEN_REPLY_ITEM;
      reply.item = self->run->yielded;           /* moved */
      self->run->yielded = (GValue) G_VALUE_INIT;
    }

  agen_generator_deliver (self, &reply);
}

static void
agen_generator_discard_outcome (AgenGenerator *self)
{
  if (G_IS_VALUE (&self->run->yielded))
    g_value_unset (&self->run->yielded);
  g_clear_error (&self->run->raised);
  if (self->run->awaiting)
    agen_generator_abandon_await (self);
  g_clear_object (&self->run->early_result);
}

/* Reads what the body call ended in, and moves the generator on. */
static void
agen_generator_settle (AgenGenerator *self)
{
  AgenOutcome outcome = self->run->outcome;
  GError *uncaught = g_steal_pointer (&self->run->thrown);

  self->run->outcome = AGEN_OUTCOME_NONE;

  /* An error thrown in that the body did not catch is never lost: it
   * finishes the generator whatever else the call did. */
  if (uncaught != NULL)
    {
      agen_generator_discard_outcome (self);
      agen_generator_finish (self, uncaught);
      return;
    }

  switch (outcome)
    {
    case AGEN_OUTCOME_YIELDED:
      agen_generator_suspend_at_yield (self);
      break;
    case AGEN_OUTCOME_RETURNED:
      agen_generator_finish (self, NULL);
      break;
    case AGEN_OUTCOME_RAISED:
      agen_generator_finish (self, g_steal_pointer (&self->run->raised));
      break;
    case AGEN_OUTCOME_AWAITING:
      agen_generator_watch_cancellation (self);
      break;
    case AGEN_OUTCOME_NONE:
    default:
      agen_generator_finish (self, g_error_new_literal (AGEN_ERROR, AGEN_ERROR_INVALID_BODY,
                                                        "The generator's body returned without "
                                                        "yielding, returning, raising or awaiting"));
      break;
    }
}

/* Calls the body, again at once when its await completed inside the call.
 * Inlined into the fast path of foreach. */
G_ALWAYS_INLINE static inline void
agen_generator_call_body (AgenGenerator *self)
{
  AgenRun *run = self->run;
  gboolean again;

  do
    {
      run->await_completed_in_body = FALSE;
      run->in_body = TRUE;
      self->body (self, self->body_data);
      run->in_body = FALSE;
      run->sent = NULL;
      if (run->result != NULL)
        g_clear_object (&run->result);

      again = run->await_completed_in_body && run->outcome == AGEN_OUTCOME_AWAITING && run->thrown == NULL;
      if (again)
        {
          run->outcome = AGEN_OUTCOME_NONE;
          run->result = g_steal_pointer (&run->early_result);
        }
    }
  while (again);
}

static void
agen_generator_run_body (AgenGenerator *self)
{
  agen_generator_call_body (self);
  agen_generator_settle (self);
}

static gboolean
agen_generator_run_body_in_source (gpointer data)
{
  agen_generator_run_body (data);
  return G_SOURCE_REMOVE;
}

/* Runs the body for the resumption under way: at once, or, for a
 * dispatch-body generator, from a source of its context unless one of its
 * own sources is running already. */
static void
agen_generator_continue (AgenGenerator *self,
                         gboolean       in_own_source)
{
  if (G_UNLIKELY (self->dispatch_body) && !in_own_source)
    {
      _agen_generator_schedule (self, "[agen] body", agen_generator_run_body_in_source,
                                g_object_ref (self), g_object_unref);
      return;
    }

  agen_generator_run_body (self);
}

/*
 * _agen_generator_next_in_place:
 * @item: (out): where the item is
 *
 * The fast path of foreach: a next step for a generator the caller holds.
 * When the body yields at once, this returns %TRUE and leaves the item where
 * the body put it (valid until the next resumption), without a reply; the
 * table is skipped because a next always runs a started body. Anything
 * else takes the general path: %FALSE, and the outcome goes to the reply.
 */
gboolean
_agen_generator_next_in_place (AgenGenerator  *self,
                               const GValue  **item)
{
  AgenRun *run = self->run;

  if (G_UNLIKELY (self->phase != AGEN_PHASE_STARTED || self->dispatch_body))
    {
      _agen_generator_step (self, AGEN_OP_NEXT, NULL, NULL);
      return FALSE;
    }

  run->op.kind = AGEN_OP_NEXT;
  agen_generator_call_body (self);
  if (G_LIKELY (run->outcome == AGEN_OUTCOME_YIELDED && run->thrown == NULL))
    {
      run->outcome = AGEN_OUTCOME_NONE;
      *item = &run->yielded;
      return TRUE;
    }

  agen_generator_settle (self);
  return FALSE;
}

/* ---------------------------------------------------------------------- *
 * Operations
 * ---------------------------------------------------------------------- */

static GError *
agen_generator_error_for (AgenOpKind    kind,
                          const GError *error)
{
  switch (kind)
    {
    case AGEN_OP_THROW:
      return g_error_copy (error);
    case AGEN_OP_CLOSE:
      return g_error_new_literal (AGEN_ERROR, AGEN_ERROR_EXIT, "The generator is being closed");
    case AGEN_OP_NEXT:
    case AGEN_OP_SEND:
    default:
      return NULL;
    }
}

/* The caller's @value is only valid during its call: a body that runs
 * later reads a copy. */
static const GValue *
agen_generator_keep_sent (AgenGenerator *self,
                          const GValue  *value)
{
  if (!self->dispatch_body)
    return value;

  g_value_init (&self->run->sent_copy, G_VALUE_TYPE (value));
  g_value_copy (value, &self->run->sent_copy);
  return &self->run->sent_copy;
}

/* Carries out @action for a generator that an operation holds. */
static void
agen_generator_perform (AgenGenerator *self,
                        AgenAction     action,
                        AgenOpKind     kind,
                        const GValue  *value,
                        const GError  *error)
{
  self->run->op.kind = kind;

  switch (action)
    {
    case AGEN_ACTION_RUN:
      if (G_UNLIKELY (self->body == NULL))
        {
          /* Made with g_object_new() rather than agen_generator_new(). */
          agen_generator_finish (self, g_error_new_literal (AGEN_ERROR, AGEN_ERROR_INVALID_BODY,
                                                            "The generator has no body: create it "
                                                            "with agen_generator_new()"));
          break;
        }
      if (self->phase == AGEN_PHASE_CREATED)
        {
          self->phase = AGEN_PHASE_STARTED;
          _agen_registry_add (self);
        }
      self->run->sent = kind == AGEN_OP_SEND ? agen_generator_keep_sent (self, value) : NULL;
      self->run->thrown = agen_generator_error_for (kind, error);
      agen_generator_continue (self, FALSE);
      break;

    case AGEN_ACTION_FINISH_UNSTARTED:
      agen_generator_finish (self, agen_generator_error_for (kind, error));
      break;

    case AGEN_ACTION_REPLY_FINISHED:
    case AGEN_ACTION_REFUSE_NOT_STARTED:
    case AGEN_ACTION_REFUSE_IGNORED_EXIT:
    default:
      g_assert_not_reached ();
    }
}

/* Fills @reply for an action that does not need the generator. */
static gboolean
agen_generator_refuse (AgenAction  action,
                       AgenOpKind  kind,
                       AgenReply  *reply)
{
  switch (action)
    {
    case AGEN_ACTION_REPLY_FINISHED:
      agen_reply_set_finished (reply, kind, NULL);
      return TRUE;
    case AGEN_ACTION_REFUSE_NOT_STARTED:
      agen_reply_set_error (reply, g_error_new_literal (AGEN_ERROR, AGEN_ERROR_NOT_STARTED,
                                                        "Cannot send a value to a generator "
                                                        "that has not started"));
      return TRUE;
    case AGEN_ACTION_REFUSE_IGNORED_EXIT:
      agen_reply_set_error (reply, g_error_new_literal (AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT,
                                                        "The generator ignored a close before"));
      return TRUE;
    case AGEN_ACTION_RUN:
    case AGEN_ACTION_FINISH_UNSTARTED:
    default:
      return FALSE;
    }
}

static gboolean
agen_generator_acquire_context (AgenGenerator *self,
                                AgenReply     *refusal)
{
  GMainContext *caller = g_main_context_get_thread_default ();

  if (caller == NULL)
    caller = g_main_context_default ();

  /* Acquiring also refuses a thread that shares the thread-default context
   * while another thread runs it. */
  if (G_LIKELY (caller == self->context && g_main_context_acquire (self->context)))
    return TRUE;

  agen_reply_set_error (refusal, g_error_new_literal (AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT,
                                                      "The generator was used outside the main "
                                                      "context it belongs to"));
  return FALSE;
}

/*
 * _agen_generator_start:
 *
 * The one entry of every operation. Either it refuses the operation without
 * touching the generator (returns %FALSE with @refusal filled), or it holds
 * the generator (state RUNNING) and calls @reply once per step, possibly
 * before returning.
 */
gboolean
_agen_generator_start (AgenGenerator *self,
                       AgenOpKind     kind,
                       const GValue  *value,
                       const GError  *error,
                       GCancellable  *cancellable,
                       AgenReplyFunc  reply,
                       gpointer       reply_data,
                       AgenReply     *refusal)
{
  AgenGeneratorState old_state;
  AgenAction action;

  if (g_cancellable_set_error_if_cancelled (cancellable, &refusal->error))
    {
      refusal->kind = AGEN_REPLY_ERROR;
      return FALSE;
    }

  if (!agen_generator_acquire_context (self, refusal))
    return FALSE;

  if (self->run != NULL)
    {
      agen_reply_set_error (refusal, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PENDING,
                                                          "The generator is already running an operation"));
      g_main_context_release (self->context);
      return FALSE;
    }

  action = agen_transitions[agen_generator_get_row (self)][kind];
  if (agen_generator_refuse (action, kind, refusal))
    {
      g_main_context_release (self->context);
      return FALSE;
    }

  old_state = agen_generator_compute_state (self);
  self->run = g_new0 (AgenRun, 1);
  self->run->op = (AgenOperation) {
    .kind = kind,
    .cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL,
    .reply = reply,
    .reply_data = reply_data,
  };
  agen_generator_notify_state (self, old_state);

  /* The context is released after the body ran, so hold the generator:
   * the reply may drop the last reference. */
  g_object_ref (self);
  agen_generator_perform (self, action, kind, value, error);
  g_main_context_release (self->context);
  g_object_unref (self);

  return TRUE;
}

/*
 * _agen_generator_step:
 *
 * Another step of an operation that already holds the generator (foreach):
 * the same table, minus the check for an operation in flight.
 */
void
_agen_generator_step (AgenGenerator *self,
                      AgenOpKind     kind,
                      const GValue  *value,
                      const GError  *error)
{
  AgenAction action = agen_transitions[agen_generator_get_row (self)][kind];
  AgenReply reply = AGEN_REPLY_INIT;

  g_return_if_fail (self->run != NULL);

  if (agen_generator_refuse (action, kind, &reply))
    {
      self->run->op.kind = kind;
      agen_generator_deliver (self, &reply);
      return;
    }

  agen_generator_perform (self, action, kind, value, error);
}

/* Lets go of the generator when its operation is over. Call it before
 * completing the operation: GTask may run the consumer's callback at once. */
void
_agen_generator_release (AgenGenerator *self)
{
  AgenRun *run = g_steal_pointer (&self->run);

  g_return_if_fail (run != NULL);

  g_assert (run->cancel_handler == 0 && !run->in_body);
  g_clear_object (&run->op.cancellable);
  g_clear_object (&run->body_cancellable);
  g_clear_object (&run->result);
  g_clear_object (&run->early_result);
  g_clear_error (&run->thrown);
  g_clear_error (&run->raised);
  if (G_IS_VALUE (&run->yielded))
    g_value_unset (&run->yielded);
  if (G_IS_VALUE (&run->sent_copy))
    g_value_unset (&run->sent_copy);
  g_free (run);

  agen_generator_notify_state (self, AGEN_GENERATOR_STATE_RUNNING);
}

/* ---------------------------------------------------------------------- *
 * The consumer face
 * ---------------------------------------------------------------------- */

static void
agen_value_free (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

/* Takes what @reply owns. An item travels as a GValue, the end and a
 * successful close as NULL. */
static void
agen_task_return_reply (GTask     *task,
                        AgenReply *reply)
{
  switch (reply->kind)
    {
    case AGEN_REPLY_ITEM:
      {
        GValue *item = g_new (GValue, 1);

        *item = reply->item;                 /* moved */
        reply->item = (GValue) G_VALUE_INIT;
        g_task_return_pointer (task, item, agen_value_free);
      }
      break;
    case AGEN_REPLY_ERROR:
      g_task_return_error (task, g_steal_pointer (&reply->error));
      break;
    case AGEN_REPLY_END:
    case AGEN_REPLY_CLOSED:
    default:
      g_task_return_pointer (task, NULL, NULL);
      break;
    }
  g_object_unref (task);
}

static void
agen_generator_reply_to_task (AgenGenerator *self,
                              AgenReply     *reply,
                              gpointer       task)
{
  _agen_generator_release (self);
  agen_task_return_reply (task, reply);
}

static void
agen_generator_operate (AgenGenerator       *self,
                        AgenOpKind           kind,
                        const GValue        *value,
                        const GError        *error,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data,
                        gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  AgenReply refusal = AGEN_REPLY_INIT;

  /* The parentheses call the function: the macro of GLib 2.74 copies a
   * name into every task, which costs on a hot path. */
  (g_task_set_source_tag) (task, source_tag);
  /* A produced item is never dropped: the body decides what a cancellation
   * means, at its awaits. */
  g_task_set_check_cancellable (task, FALSE);

  if (!_agen_generator_start (self, kind, value, error, cancellable,
                              agen_generator_reply_to_task, task, &refusal))
    agen_task_return_reply (task, &refusal);
}

/* Moves @produced (nullable) to the caller's @item (optional), which is
 * left initialised either way: GJS and PyGObject break on an unset out
 * GValue. */
static gboolean
agen_item_move_out (GValue *produced,
                    GValue *item)
{
  if (item != NULL && G_IS_VALUE (item))
    g_value_unset (item);

  if (produced == NULL)
    {
      if (item != NULL)
        g_value_init (item, G_TYPE_POINTER);
      return FALSE;
    }

  if (item != NULL)
    *item = *produced;                       /* moved */
  else
    g_value_unset (produced);
  return TRUE;
}

static gboolean
agen_generator_propagate_item (AgenGenerator  *self,
                               GAsyncResult   *result,
                               gpointer        source_tag,
                               GValue         *item,
                               GError        **error)
{
  g_autofree GValue *yielded = NULL;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  yielded = g_task_propagate_pointer (G_TASK (result), error);
  return agen_item_move_out (yielded, item);
}

/**
 * agen_generator_next_async:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the generator has yielded, finished
 *   or failed
 * @user_data: data for @callback
 *
 * Resumes the generator and asks for its next item: Python's `anext()`. The
 * body runs at once, up to its next yield or await; @callback is called from
 * the main loop of the thread-default #GMainContext, never before this
 * function returns. Finish with agen_generator_next_finish().
 *
 * Cancelling @cancellable fails the operation with %G_IO_ERROR_CANCELLED if
 * it has not started; once it has, the cancellation is delivered to the body
 * at its await, and the body decides what it means.
 *
 * Since: 1.0
 */
void
agen_generator_next_async (AgenGenerator       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_generator_operate (self, AGEN_OP_NEXT, NULL, NULL, cancellable, callback, user_data,
                          agen_generator_next_async);
}

/**
 * agen_generator_next_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @item: (out caller-allocates) (optional): a zero-filled #GValue (or one
 *   holding a value, which is unset first) that receives the item
 * @error: return location for a #GError
 *
 * Finishes agen_generator_next_async().
 *
 * @item is always initialised: it holds the item when this returns %TRUE,
 * and a %G_TYPE_POINTER %NULL otherwise.
 *
 * Returns: %TRUE when the body yielded an item; %FALSE without an error when
 *   the generator is finished (Python's `StopAsyncIteration`); %FALSE with
 *   @error set when the body raised or the call was refused
 *
 * Since: 1.0
 */
gboolean
agen_generator_next_finish (AgenGenerator  *self,
                            GAsyncResult   *result,
                            GValue         *item,
                            GError        **error)
{
  return agen_generator_propagate_item (self, result, agen_generator_next_async, item, error);
}

/* A next that may complete inside agen_generator_next_start(). */
typedef struct
{
  gboolean starting;          /* agen_generator_next_start() is on the stack */
  gboolean replied;
  AgenReply reply;            /* the reply that came at once */
  GTask *task;                /* where a later reply goes */
  GAsyncReadyCallback callback;
  gpointer user_data;
  GDestroyNotify user_data_destroy;
} AgenNextStart;

static void
agen_next_start_free (AgenNextStart *start)
{
  if (start->user_data_destroy != NULL)
    start->user_data_destroy (start->user_data);
  g_free (start);
}

static void
agen_next_start_on_reply (AgenGenerator *self,
                          AgenReply     *reply,
                          gpointer       data)
{
  AgenNextStart *start = data;

  if (start->starting)
    {
      _agen_generator_release (self);
      start->reply = *reply;                 /* moved */
      start->replied = TRUE;
      return;
    }

  agen_generator_reply_to_task (self, reply, g_steal_pointer (&start->task));
}

/* The user data goes as soon as the callback has run, as with a callback of
 * (scope async): a binding's closure that the task kept until its last
 * unref would keep alive what the callback's frame holds, the task too. */
static void
agen_next_start_complete (GObject      *source_object,
                          GAsyncResult *result,
                          gpointer      data)
{
  AgenNextStart *start = data;

  start->callback (source_object, result, start->user_data);
  agen_next_start_free (start);
}

/**
 * agen_generator_next_start:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called when the next completes later
 * @user_data: data for @callback
 * @user_data_destroy: (nullable): frees @user_data once @callback is no
 *   longer needed
 * @pending: (out): set to whether the next completes later
 * @item: (out caller-allocates) (optional): a zero-filled #GValue (or one
 *   holding a value, which is unset first) that receives an item that came
 *   at once
 * @error: return location for a #GError
 *
 * Starts a next as agen_generator_next_async() does, but when the body
 * yields, returns or raises without awaiting, the next completes here and
 * now: @pending is set to %FALSE, the outcome is returned as
 * agen_generator_next_finish() would return it, and @callback is never
 * called. When the body awaits, @pending is set to %TRUE, this returns
 * %FALSE, and @callback is called later; finish it with
 * agen_generator_next_finish().
 *
 * Bindings use it for their async iteration: Python's `async for` over a
 * generator whose body does not await goes on without a round trip of the
 * event loop, as it does over a Python async generator. Either way
 * @user_data_destroy is called once @callback is no longer needed.
 *
 * Returns: %TRUE when an item came at once (in @item); %FALSE otherwise:
 *   with @error set when the next failed at once, with @pending set when it
 *   completes later, and else because the generator is finished
 *
 * Since: 1.0
 */
gboolean
agen_generator_next_start (AgenGenerator        *self,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data,
                           GDestroyNotify        user_data_destroy,
                           gboolean             *pending,
                           GValue               *item,
                           GError              **error)
{
  AgenNextStart *start;
  gboolean produced;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (pending != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  start = g_new0 (AgenNextStart, 1);
  start->reply = (AgenReply) AGEN_REPLY_INIT;
  start->callback = callback;
  start->user_data = user_data;
  start->user_data_destroy = user_data_destroy;
  start->starting = TRUE;
  if (!_agen_generator_start (self, AGEN_OP_NEXT, NULL, NULL, cancellable,
                              agen_next_start_on_reply, start, &start->reply))
    start->replied = TRUE;
  start->starting = FALSE;

  *pending = !start->replied;
  if (*pending)
    {
      /* Made now rather than at the reply, so that a reply in a later
       * main-loop iteration reaches @callback without another one. */
      start->task = g_task_new (self, cancellable, agen_next_start_complete, start);
      (g_task_set_source_tag) (start->task, agen_generator_next_async);
      g_task_set_check_cancellable (start->task, FALSE);
      agen_item_move_out (NULL, item);
      return FALSE;
    }

  if (start->reply.kind == AGEN_REPLY_ERROR)
    g_propagate_error (error, g_steal_pointer (&start->reply.error));
  produced = agen_item_move_out (start->reply.kind == AGEN_REPLY_ITEM ? &start->reply.item : NULL, item);
  agen_next_start_free (start);
  return produced;
}

/**
 * agen_generator_send_async:
 * @self: an #AgenGenerator
 * @value: (nullable): the value to send, or %NULL for none (Python's `None`)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the generator has yielded, finished
 *   or failed
 * @user_data: data for @callback
 *
 * Resumes the generator with @value, which the body reads with
 * agen_generator_get_sent(): Python's `asend()`. A %NULL @value makes this
 * agen_generator_next_async(). Any #GValue, even one holding a %NULL pointer,
 * is a value: sending it to a generator that has not started fails with
 * %AGEN_ERROR_NOT_STARTED and leaves the generator as it was.
 *
 * Since: 1.0
 */
void
agen_generator_send_async (AgenGenerator       *self,
                           const GValue        *value,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (value == NULL || G_IS_VALUE (value));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_generator_operate (self, value != NULL ? AGEN_OP_SEND : AGEN_OP_NEXT, value, NULL,
                          cancellable, callback, user_data, agen_generator_send_async);
}

/**
 * agen_generator_send_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @item: (out caller-allocates) (optional): a zero-filled #GValue that
 *   receives the item
 * @error: return location for a #GError
 *
 * Finishes agen_generator_send_async(), as agen_generator_next_finish() does.
 *
 * Returns: %TRUE with @item when the body yielded; %FALSE without an error
 *   when the generator is finished; %FALSE with @error otherwise
 *
 * Since: 1.0
 */
gboolean
agen_generator_send_finish (AgenGenerator  *self,
                            GAsyncResult   *result,
                            GValue         *item,
                            GError        **error)
{
  return agen_generator_propagate_item (self, result, agen_generator_send_async, item, error);
}

/**
 * agen_generator_throw_async:
 * @self: an #AgenGenerator
 * @error: the error to throw in; it is copied
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the generator has yielded, finished
 *   or failed
 * @user_data: data for @callback
 *
 * Throws @error into the body at the yield where it is suspended: Python's
 * `athrow()`. The body may catch it (agen_generator_catch()) and yield, and
 * this operation then gives that item; if it does not catch it, the
 * generator finishes with @error.
 *
 * A generator that has not started finishes with @error without running its
 * body. On a finished generator this ends at once, without an error.
 *
 * Since: 1.0
 */
void
agen_generator_throw_async (AgenGenerator       *self,
                            const GError        *error,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (error != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_generator_operate (self, AGEN_OP_THROW, NULL, error, cancellable, callback, user_data,
                          agen_generator_throw_async);
}

/**
 * agen_generator_throw_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @item: (out caller-allocates) (optional): a zero-filled #GValue that
 *   receives the item
 * @error: return location for a #GError
 *
 * Finishes agen_generator_throw_async().
 *
 * Returns: %TRUE with @item when the body caught the error and yielded;
 *   %FALSE without an error when it finished normally; %FALSE with @error
 *   when it did not catch the error, or raised another
 *
 * Since: 1.0
 */
gboolean
agen_generator_throw_finish (AgenGenerator  *self,
                             GAsyncResult   *result,
                             GValue         *item,
                             GError        **error)
{
  return agen_generator_propagate_item (self, result, agen_generator_throw_async, item, error);
}

/**
 * agen_generator_close_async:
 * @self: an #AgenGenerator
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the generator is closed
 * @user_data: data for @callback
 *
 * Asks the generator to finish: Python's `aclose()`. %AGEN_ERROR_EXIT is
 * thrown into the body at its yield; its cleanup runs and may await. A
 * generator that has not started, or has finished, is closed at once without
 * running its body.
 *
 * Since: 1.0
 */
void
agen_generator_close_async (AgenGenerator       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  agen_generator_operate (self, AGEN_OP_CLOSE, NULL, NULL, cancellable, callback, user_data,
                          agen_generator_close_async);
}

/**
 * agen_generator_close_finish:
 * @self: an #AgenGenerator
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes agen_generator_close_async().
 *
 * Returns: %TRUE when the body finished cleanly: it returned, or let
 *   %AGEN_ERROR_EXIT propagate. %FALSE with the error the body raised
 *   otherwise (the generator is finished all the same), or with
 *   %AGEN_ERROR_IGNORED_EXIT when the body yielded instead of finishing
 *
 * Since: 1.0
 */
gboolean
agen_generator_close_finish (AgenGenerator  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agen_generator_close_async, FALSE);

  g_task_propagate_pointer (G_TASK (result), error);
  return !g_task_had_error (G_TASK (result));
}

/**
 * agen_generator_get_state:
 * @self: an #AgenGenerator
 *
 * Where the generator is in its life.
 *
 * Returns: the state of @self
 *
 * Since: 1.0
 */
AgenGeneratorState
agen_generator_get_state (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), AGEN_GENERATOR_STATE_FINISHED);

  return agen_generator_compute_state (self);
}

/**
 * agen_generator_get_name:
 * @self: an #AgenGenerator
 *
 * The name given with agen_generator_set_name().
 *
 * Returns: (nullable): the name of @self, or %NULL
 *
 * Since: 1.0
 */
const char *
agen_generator_get_name (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);

  return g_object_get_qdata (G_OBJECT (self), agen_generator_name_quark ());
}

/**
 * agen_generator_set_name:
 * @self: an #AgenGenerator
 * @name: (nullable): a name for messages about @self
 *
 * Names the generator in the messages agen-glib logs about it (a failed
 * close on finalisation or at shutdown).
 *
 * Since: 1.0
 */
void
agen_generator_set_name (AgenGenerator *self,
                         const char    *name)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));

  if (g_strcmp0 (agen_generator_get_name (self), name) == 0)
    return;

  g_object_set_qdata_full (G_OBJECT (self), agen_generator_name_quark (), g_strdup (name), g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * agen_generator_get_dispatch_body:
 * @self: an #AgenGenerator
 *
 * Whether the body is only called from a source of the generator's main
 * context: see #AgenGenerator:dispatch-body.
 *
 * Returns: the value of #AgenGenerator:dispatch-body
 *
 * Since: 1.0
 */
gboolean
agen_generator_get_dispatch_body (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (self), FALSE);

  return self->dispatch_body;
}

/**
 * agen_generator_set_dispatch_body:
 * @self: an #AgenGenerator
 * @dispatch_body: whether the body is only called from a source of the
 *   generator's main context
 *
 * Sets #AgenGenerator:dispatch-body. It applies from the next resumption.
 *
 * Since: 1.0
 */
void
agen_generator_set_dispatch_body (AgenGenerator *self,
                                  gboolean       dispatch_body)
{
  g_return_if_fail (AGEN_IS_GENERATOR (self));

  dispatch_body = !!dispatch_body;
  if (self->dispatch_body == (guint) dispatch_body)
    return;

  self->dispatch_body = dispatch_body;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPATCH_BODY]);
}

/* ---------------------------------------------------------------------- *
 * The producer face
 * ---------------------------------------------------------------------- */

/**
 * agen_generator_new:
 * @body: (scope notified) (closure user_data) (destroy user_data_destroy): the
 *   body
 * @user_data: data for @body
 * @user_data_destroy: (nullable): frees @user_data when the body has finished
 *   or the generator is finalised
 *
 * Creates a generator in the thread-default #GMainContext. Nothing runs
 * until an operation resumes it.
 *
 * Returns: (transfer full): a new #AgenGenerator
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new (AgenBodyFunc   body,
                    gpointer       user_data,
                    GDestroyNotify user_data_destroy)
{
  AgenGenerator *self;

  g_return_val_if_fail (body != NULL, NULL);

  self = g_object_new (AGEN_TYPE_GENERATOR, NULL);
  self->body = body;
  self->body_data = user_data;
  self->body_data_destroy = user_data_destroy;

  return self;
}

/**
 * agen_generator_yield:
 * @self: an #AgenGenerator
 * @item: (nullable): the item, copied; %NULL yields a %G_TYPE_POINTER %NULL
 *   (Python's bare `yield`)
 *
 * Ends this body call in a yield: the operation that resumed the body
 * completes with @item, and the body is suspended until the next one.
 *
 * Since: 1.0
 */
void
agen_generator_yield (AgenGenerator *self,
                      const GValue  *item)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (item == NULL || G_IS_VALUE (item));

  agen_generator_store_value (self, item, G_STRFUNC);
}

/**
 * agen_generator_yield_int:
 * @self: an #AgenGenerator
 * @item: the item
 *
 * Yields a #gint, like agen_generator_yield().
 *
 * Since: 1.0
 */
void
agen_generator_yield_int (AgenGenerator *self,
                          gint           item)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  agen_generator_store_int (self, item, G_STRFUNC);
}

/**
 * agen_generator_yield_string:
 * @self: an #AgenGenerator
 * @item: (nullable): the string, copied
 *
 * Yields a string, like agen_generator_yield().
 *
 * Since: 1.0
 */
void
agen_generator_yield_string (AgenGenerator *self,
                             const char    *item)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  agen_generator_store_string (self, item, G_STRFUNC);
}

/* Not in the manual: the entry points of the yield macros (see
 * agen-macros.h), a yield and agen_generator_set_resume_point() in one call,
 * which saves a fifth of a fast item. */
void
_agen_generator_yield_at (AgenGenerator *self,
                          const GValue  *item,
                          guint          resume_point)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (item == NULL || G_IS_VALUE (item));

  if (agen_generator_store_value (self, item, G_STRFUNC))
    self->resume_point = resume_point;
}

void
_agen_generator_yield_int_at (AgenGenerator *self,
                              gint           item,
                              guint          resume_point)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  if (agen_generator_store_int (self, item, G_STRFUNC))
    self->resume_point = resume_point;
}

void
_agen_generator_yield_string_at (AgenGenerator *self,
                                 const char    *item,
                                 guint          resume_point)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  if (agen_generator_store_string (self, item, G_STRFUNC))
    self->resume_point = resume_point;
}

/*
 * _agen_generator_yield_swap:
 * @item: (inout): the item to yield; on return, what the yield slot held
 *   (an item of an earlier yield, or nothing)
 *
 * agen_generator_yield() for the combinators, which pass on items they did
 * not make (often read in place in a source's yield slot): @item and the
 * yield slot trade places instead of a copy, whose type checks take a third
 * of a combinator's item. The caller owns what @item holds on return.
 */
void
_agen_generator_yield_swap (AgenGenerator *self,
                            GValue        *item)
{
  GValue previous;

  if (!agen_generator_end_call (self, AGEN_OUTCOME_YIELDED, G_STRFUNC))
    return;

  previous = self->run->yielded;
  self->run->yielded = *item;
  *item = previous;
}

/**
 * agen_generator_yield_object:
 * @self: an #AgenGenerator
 * @item: (type GObject) (nullable): the object; a reference is taken
 *
 * Yields a #GObject, like agen_generator_yield(); the item's type is the
 * object's type.
 *
 * Since: 1.0
 */
void
agen_generator_yield_object (AgenGenerator *self,
                             gpointer       item)
{
  GValue *yielded;

  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (item == NULL || G_IS_OBJECT (item));

  yielded = agen_generator_prepare_yield (self, item != NULL ? G_OBJECT_TYPE (item) : G_TYPE_OBJECT, G_STRFUNC);
  if (yielded != NULL)
    g_value_set_object (yielded, item);
}

/**
 * agen_generator_return:
 * @self: an #AgenGenerator
 *
 * Ends this body call by finishing the generator normally: Python's bare
 * `return`. The operation completes with %FALSE and no error (a close with
 * %TRUE), and every later next or send does the same.
 *
 * Since: 1.0
 */
void
agen_generator_return (AgenGenerator *self)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  agen_generator_end_call (self, AGEN_OUTCOME_RETURNED, G_STRFUNC);
}

/**
 * agen_generator_raise:
 * @self: an #AgenGenerator
 * @error: (transfer full): the error
 *
 * Ends this body call by finishing the generator with @error: the operation
 * fails with it. During a close, raising %AGEN_ERROR_EXIT is a clean finish.
 *
 * Since: 1.0
 */
void
agen_generator_raise (AgenGenerator *self,
                      GError        *error)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (error != NULL);

  if (!agen_generator_end_call (self, AGEN_OUTCOME_RAISED, G_STRFUNC))
    {
      g_error_free (error);
      return;
    }

  self->run->raised = error;
}

/**
 * agen_generator_await: (skip)
 * @self: an #AgenGenerator
 *
 * Ends this body call in an await: pass the returned pointer as the user
 * data of an `_async` call, with agen_generator_ready() as its callback. The
 * body is called again when the call completes, and
 * agen_generator_get_result() is then its #GAsyncResult.
 *
 * |[<!-- language="C" -->
 * g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT,
 *                                  agen_generator_get_cancellable (self),
 *                                  agen_generator_ready,
 *                                  agen_generator_await (self));
 * return;
 * ]|
 *
 * A cancellation of the current operation ends the await at once, whether or
 * not the awaited call honours its cancellable: the body is called again
 * with %G_IO_ERROR_CANCELLED to catch and a %NULL result, and the late
 * completion is discarded. Bindings use agen_generator_suspend().
 *
 * Returns: (transfer full): the user data for agen_generator_ready()
 *
 * Since: 1.0
 */
gpointer
agen_generator_await (AgenGenerator *self)
{
  guint await_id;

  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  await_id = agen_generator_begin_await (self, G_STRFUNC);
  if (await_id == 0)
    return NULL;

  return agen_await_token_new (self, await_id, NULL);
}

/**
 * agen_generator_ready: (skip)
 * @source_object: (nullable): the source object of the awaited call
 * @result: its result
 * @user_data: what agen_generator_await() returned
 *
 * The #GAsyncReadyCallback to give, with the pointer agen_generator_await()
 * returned, to the call a body awaits. It resumes the body.
 *
 * Since: 1.0
 */
void
agen_generator_ready (GObject      *source_object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  AgenAwaitToken *token = user_data;

  g_return_if_fail (token != NULL);

  agen_generator_resume (token->generator, token->await_id, result);
  agen_await_token_free (token);
}

/* Ends the await @await_id, unless it is stale. */
static void
agen_generator_resume_await (AgenGenerator *self,
                             guint          await_id,
                             GAsyncResult  *result,
                             gboolean       in_own_source)
{
  if (self->run == NULL || !self->run->awaiting || await_id != self->run->await_id)
    return;

  agen_generator_complete_await (self, result, in_own_source);
}

static gboolean
agen_generator_resume_at_home (gpointer data)
{
  AgenAwaitToken *token = data;

  agen_generator_resume_await (token->generator, token->await_id, token->result, TRUE);
  return G_SOURCE_REMOVE;
}

/**
 * agen_generator_suspend:
 * @self: an #AgenGenerator
 *
 * Ends this body call in an await that agen_generator_resume() ends: the
 * bindable form of agen_generator_await(). In Python:
 *
 * |[<!-- language="Python" -->
 * await_id = gen.suspend()
 * file.load_contents_async(gen.get_cancellable(),
 *                          lambda f, res: gen.resume(await_id, res))
 * ]|
 *
 * Returns: the id to give to agen_generator_resume(), never 0
 *
 * Since: 1.0
 */
guint
agen_generator_suspend (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), 0);

  return agen_generator_begin_await (self, G_STRFUNC);
}

/**
 * agen_generator_resume:
 * @self: an #AgenGenerator
 * @await_id: what agen_generator_suspend() returned
 * @result: (nullable): the result of the awaited operation, for
 *   agen_generator_get_result()
 *
 * Ends the await @await_id and calls the body again, in the generator's
 * main context: it may be called from any thread, and outside a dispatch
 * of that context the body runs at the context's next dispatch. An await
 * that already ended (it was cancelled, or the body finished) ignores this:
 * its id is stale.
 *
 * Since: 1.0
 */
void
agen_generator_resume (AgenGenerator *self,
                       guint          await_id,
                       GAsyncResult  *result)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (result == NULL || G_IS_ASYNC_RESULT (result));

  /* The body only ever runs in its own context: from another thread (or
   * outside a dispatch of that context), go there first. */
  if (!g_main_context_is_owner (self->context))
    {
      agen_await_token_send_home (agen_await_token_new (self, await_id, result),
                                  agen_generator_resume_at_home);
      return;
    }

  agen_generator_resume_await (self, await_id, result, FALSE);
}

/**
 * agen_generator_get_result:
 * @self: an #AgenGenerator
 *
 * In the body call after an await: the awaited operation's result, to give
 * to its `_finish` function.
 *
 * Returns: (transfer none) (nullable): the result, or %NULL when the await
 *   was ended by a cancellation (then agen_generator_catch() gives
 *   %G_IO_ERROR_CANCELLED) or this call does not follow an await
 *
 * Since: 1.0
 */
GAsyncResult *
agen_generator_get_result (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  return self->run->result;
}

/**
 * agen_generator_get_sent:
 * @self: an #AgenGenerator
 *
 * In a body call: the value given to agen_generator_send_async() for this
 * resumption.
 *
 * Returns: (transfer none) (nullable): the sent value, or %NULL after a next,
 *   at the first run, and after an await
 *
 * Since: 1.0
 */
const GValue *
agen_generator_get_sent (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  return self->run->sent;
}

/**
 * agen_generator_catch: (skip)
 * @self: an #AgenGenerator
 * @error: return location for the caught error, or %NULL to discard it
 *
 * In a body call: takes the error thrown in at this resumption, by
 * agen_generator_throw_async(), by agen_generator_close_async()
 * (%AGEN_ERROR_EXIT) or by a cancellation (%G_IO_ERROR_CANCELLED). An error
 * the body does not catch finishes the generator when the call returns.
 * Bindings use agen_generator_catch_error().
 *
 * Returns: %TRUE when an error was thrown in (and is now in @error)
 *
 * Since: 1.0
 */
gboolean
agen_generator_catch (AgenGenerator  *self,
                      GError        **error)
{
  GError *thrown;

  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  thrown = agen_generator_catch_error (self);
  if (thrown == NULL)
    return FALSE;

  g_propagate_error (error, thrown);
  return TRUE;
}

/**
 * agen_generator_catch_error:
 * @self: an #AgenGenerator
 *
 * In a body call: takes the error thrown in at this resumption, as
 * agen_generator_catch() does.
 *
 * Returns: (transfer full) (nullable): the thrown error, or %NULL when there
 *   is none
 *
 * Since: 1.0
 */
GError *
agen_generator_catch_error (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  return g_steal_pointer (&self->run->thrown);
}

/**
 * agen_generator_peek_error:
 * @self: an #AgenGenerator
 *
 * In a body call: the error thrown in at this resumption that the body has
 * not caught yet, without taking it. A body that returns while there is one
 * finishes the generator with it.
 *
 * Returns: (transfer none) (nullable): the pending thrown error, or %NULL
 *
 * Since: 1.0
 */
const GError *
agen_generator_peek_error (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  return self->run->thrown;
}

/**
 * agen_generator_get_cancellable:
 * @self: an #AgenGenerator
 *
 * In a body call: the cancellable to give to the operations the body
 * awaits. It is cancelled when a cancellation of the current operation is
 * delivered to the body, and when the body gives up an await; after that a
 * fresh one is handed out, so cleanup can still await.
 *
 * Returns: (transfer none): a #GCancellable
 *
 * Since: 1.0
 */
GCancellable *
agen_generator_get_cancellable (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return NULL;
  if (self->run->body_cancellable == NULL)
    self->run->body_cancellable = g_cancellable_new ();
  return self->run->body_cancellable;
}

/**
 * agen_generator_defer:
 * @self: an #AgenGenerator
 * @func: (scope async) (closure data): what to call
 * @data: (nullable): data for @func
 *
 * In a body call: arranges for `func (data)` to run when the body finishes,
 * however it finishes, before the callback of the operation during which it
 * finished; deferred calls run last in, first out. A generator finalised
 * before its body finished runs them then.
 *
 * Each call adds one more: call it once per resource, where the resource is
 * made (with the macros: after AGEN_BEGIN(), since code before it runs at
 * every call).
 *
 * Since: 1.0
 */
void
agen_generator_defer (AgenGenerator  *self,
                      GDestroyNotify  func,
                      gpointer        data)
{
  AgenDeferred deferred = { func, data };

  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));
  g_return_if_fail (func != NULL);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return;

  if (self->deferred == NULL)
    self->deferred = g_array_new (FALSE, FALSE, sizeof (AgenDeferred));
  g_array_append_val (self->deferred, deferred);
}

/**
 * agen_generator_get_resume_point:
 * @self: an #AgenGenerator
 *
 * In a body call: the number the body stored with
 * agen_generator_set_resume_point(), to know where to continue.
 *
 * Returns: the resume point; 0 before the first call
 *
 * Since: 1.0
 */
guint
agen_generator_get_resume_point (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), 0);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return 0;
  return self->resume_point;
}

/* Not in the manual: AGEN_BEGIN()'s entry point (see agen-macros.h). An
 * error thrown in at an even resume point, a non-catching macro's, is
 * uncaught: the body returns at once and the error finishes the generator. */
guint
_agen_generator_enter (AgenGenerator *self)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR_FINAL (self), _AGEN_RESUME_UNCAUGHT);

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return _AGEN_RESUME_UNCAUGHT;
  if (G_UNLIKELY (self->run->thrown != NULL) && self->resume_point != 0 && self->resume_point % 2 == 0)
    return _AGEN_RESUME_UNCAUGHT;
  return self->resume_point;
}

/**
 * agen_generator_set_resume_point:
 * @self: an #AgenGenerator
 * @resume_point: where the body continues at its next call
 *
 * In a body call: stores a number the body reads back at its next call with
 * agen_generator_get_resume_point(). The macros of agen-macros.h use it.
 *
 * Since: 1.0
 */
void
agen_generator_set_resume_point (AgenGenerator *self,
                                 guint          resume_point)
{
  g_return_if_fail (AGEN_IS_GENERATOR_FINAL (self));

  if (!agen_generator_check_in_body (self, G_STRFUNC))
    return;
  self->resume_point = resume_point;
}

/* ---------------------------------------------------------------------- *
 * Life cycle
 * ---------------------------------------------------------------------- */

static gboolean
agen_generator_close_on_dispose (gpointer user_data)
{
  AgenGenerator *self = user_data;

  /* An operation got hold of the generator meanwhile (a shutdown's close):
   * when it ends and drops the last reference, try again. */
  if (self->run != NULL)
    {
      self->close_on_dispose_tried = FALSE;
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }

  g_main_context_push_thread_default (self->context);
  _agen_close_and_report (self, AGEN_CLOSE_REASON_LAST_UNREF);
  g_main_context_pop_thread_default (self->context);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

static void
agen_generator_dispose (GObject *object)
{
  AgenGenerator *self = AGEN_GENERATOR (object);

  /* The last unref of a suspended generator closes it on its own main
   * context, as asyncio's finalizer hook schedules aclose(): the generator
   * lives on until its cleanup, which may await, is done. One that ignored
   * a close already is not asked again, as CPython does not call the hook
   * for it: it is finalised, which runs its cleanups. */
  if (self->phase == AGEN_PHASE_STARTED && !self->exit_ignored && !self->close_on_dispose_tried)
    {
      self->close_on_dispose_tried = TRUE;
      /* Being closed already: a shutdown leaves it alone, as asyncio's
       * finalizer hook takes it out of the loop's set. */
      _agen_registry_remove (self);
      _agen_generator_schedule (self, "[agen] close on last unref",
                                agen_generator_close_on_dispose, g_object_ref (self), NULL);
      return;
    }

  _agen_registry_remove (self);

  G_OBJECT_CLASS (agen_generator_parent_class)->dispose (object);
}

static void
agen_generator_finalize (GObject *object)
{
  AgenGenerator *self = AGEN_GENERATOR (object);

  /* A body that never finished (its context stopped running, or it ignored
   * a close) still gets its cleanups: nothing it holds leaks. */
  agen_generator_run_deferred (self);
  if (self->body_data_destroy != NULL)
    self->body_data_destroy (self->body_data);

  /* An operation holds a reference: none can be in flight. */
  g_assert (self->run == NULL);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (agen_generator_parent_class)->finalize (object);
}

static void
agen_generator_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AgenGenerator *self = AGEN_GENERATOR (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, agen_generator_get_state (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, agen_generator_get_name (self));
      break;
    case PROP_DISPATCH_BODY:
      g_value_set_boolean (value, self->dispatch_body);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_generator_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AgenGenerator *self = AGEN_GENERATOR (object);

  switch (prop_id)
    {
    case PROP_NAME:
      agen_generator_set_name (self, g_value_get_string (value));
      break;
    case PROP_DISPATCH_BODY:
      agen_generator_set_dispatch_body (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_generator_class_init (AgenGeneratorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  agen_generator_final_type = G_TYPE_FROM_CLASS (klass);
  object_class->dispose = agen_generator_dispose;
  object_class->finalize = agen_generator_finalize;
  object_class->get_property = agen_generator_get_property;
  object_class->set_property = agen_generator_set_property;

  /**
   * AgenGenerator:state:
   *
   * Where the generator is in its life. It is notified on every change.
   *
   * Since: 1.0
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", "State", "Where the generator is in its life",
                       AGEN_TYPE_GENERATOR_STATE,
                       AGEN_GENERATOR_STATE_CREATED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenGenerator:name:
   *
   * A name for messages about the generator.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", "Name", "A name for messages about the generator",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenGenerator:dispatch-body:
   *
   * Whether every call of the body is made from a source of the
   * generator's main context, rather than inside the call that resumes
   * the generator (agen_generator_next_async() and the other operations,
   * agen_generator_resume(), a combinator's pull).
   *
   * A resumption then costs one main-loop iteration more, and no body call
   * ever runs inside a call the consumer made. The JavaScript binding sets
   * it on the generators whose body it provides: code of a binding that
   * runs inside a call into agen-glib and calls the same function again is
   * what GJS 1.74 does not survive (a body that awaits another generator
   * does exactly that). The Python binding does not set it.
   *
   * Since: 1.0
   */
  properties[PROP_DISPATCH_BODY] =
    g_param_spec_boolean ("dispatch-body", "Dispatch body",
                          "Whether the body is only called from a source of the generator's main context",
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
agen_generator_init (AgenGenerator *self)
{
  self->context = g_main_context_ref_thread_default ();
}
