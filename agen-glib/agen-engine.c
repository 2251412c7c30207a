/* agen-engine.c: the state machine of a generator
 *
 * The one entry of every operation (_agen_generator_start()), the PEP 525
 * rules as one table (agen_transitions), running the body and settling what
 * each body call ended in (agen_generator_settle(), the one place that
 * moves the generator on), awaits and their cancellation, and the deferred
 * cleanups. The object and its consumer face are in agen-generator.c, what
 * a body calls in agen-producer.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-engine-private.h"
#include "agen-enums.h"
#include "agen-error.h"
#include "agen-generator-private.h"
#include "agen-schedule-private.h"

GType _agen_generator_final_type;
static GParamSpec *agen_state_pspec;

/*
 * _agen_engine_init_class:
 *
 * Called by class_init: the type the fast checks compare with, and the
 * property the engine notifies.
 */
void
_agen_engine_init_class (GType       final_type,
                         GParamSpec *state_pspec)
{
  _agen_generator_final_type = final_type;
  agen_state_pspec = state_pspec;
}


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
 * Calls `func (data)` once from a source of the generator's context, at
 * its priority, from any thread (see agen-schedule.c for how a priority
 * below G_PRIORITY_DEFAULT is kept from starving).
 */
void
_agen_generator_schedule (AgenGenerator  *self,
                          const char     *name,
                          GSourceFunc     func,
                          gpointer        data,
                          GDestroyNotify  destroy)
{
  GSource *source = _agen_call_source_new (self->priority, name, func, data, destroy);

  _agen_call_attach (source, self->context);
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
 * State, names and the registry
 * ---------------------------------------------------------------------- */

AgenGeneratorState
_agen_generator_compute_state (AgenGenerator *self)
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
  if (_agen_generator_compute_state (self) != old_state)
    g_object_notify_by_pspec (G_OBJECT (self), agen_state_pspec);
}

/* The name is rare, so it lives in the object's data, not in every
 * instance. */
GQuark
_agen_generator_name_quark (void)
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

/* What messages call the generator (and a combinator its sources): its
 * name, or else what it is and where. */
char *
_agen_generator_describe (AgenGenerator *self)
{
  const char *name = g_object_get_qdata (G_OBJECT (self), _agen_generator_name_quark ());

  if (name != NULL)
    return g_strdup (name);
  return g_strdup_printf ("AgenGenerator %p", self);
}

void
_agen_generator_unregister (AgenGenerator *self)
{
  if (self->phase == AGEN_PHASE_STARTED)
    _agen_registry_remove (self->context, &self->registry_link);
}

static void
agen_generator_take_link (AgenRegistryLink *link,
                          gpointer          generators)
{
  AgenGenerator *self = (AgenGenerator *) ((char *) link - G_STRUCT_OFFSET (AgenGenerator, registry_link));

  g_ptr_array_add (generators, g_object_ref (self));
}

/*
 * _agen_generators_take_started:
 *
 * Takes every started, unfinished generator of @context out of the
 * registry: those a shutdown closes are its own, so a later shutdown does
 * not close them again, as shutdown_asyncgens() empties the loop's set
 * first.
 *
 * Returns: (transfer full): the generators, referenced
 */
GPtrArray *
_agen_generators_take_started (GMainContext *context)
{
  GPtrArray *generators = g_ptr_array_new_with_free_func (g_object_unref);

  _agen_registry_take_all (context, agen_generator_take_link, generators);
  return generators;
}

/* ---------------------------------------------------------------------- *
 * Deferred cleanups
 * ---------------------------------------------------------------------- */

void
_agen_generator_run_deferred (AgenGenerator *self)
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

/*
 * _agen_generator_take_cancellation:
 *
 * The one place a cancellation of the consumer's operation is delivered:
 * when the operation's cancellable is cancelled and no cancellation was
 * delivered yet, gives %G_IO_ERROR_CANCELLED to throw in. Once per
 * operation, as asyncio delivers CancelledError once: the body's cleanup
 * may still await.
 */
gboolean
_agen_generator_take_cancellation (AgenGenerator  *self,
                                   GError        **error)
{
  AgenOperation *op = &self->run->op;

  if (op->cancellable == NULL || op->cancel_delivered || !g_cancellable_is_cancelled (op->cancellable))
    return FALSE;

  op->cancel_delivered = TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  return TRUE;
}

/* Ends the await with the cancellation thrown in, if there is one to
 * deliver; the body's cleanup gets a fresh cancellable for its own awaits. */
static gboolean
agen_generator_throw_cancellation (AgenGenerator *self,
                                   gboolean       in_own_source)
{
  GError *cancellation = NULL;

  if (!_agen_generator_take_cancellation (self, &cancellation))
    return FALSE;

  agen_generator_abandon_await (self);
  self->run->thrown = cancellation;
  agen_generator_continue (self, in_own_source);
  return TRUE;
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
  if (agen_generator_throw_cancellation (self, in_own_source))
    return;

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

  _agen_generator_run_deferred (self);
  _agen_generator_unregister (self);
  self->phase = AGEN_PHASE_FINISHED;
  self->body = NULL;
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

  /* What it set at its last yield answers no more: the body moves on. */
  run->next_ready = NULL;
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

/*
 * _agen_await_id_new:
 *
 * The id of a new await: unique across all generators and operations, and
 * never zero, so that a completion for an await that has ended never
 * matches a later one.
 */
guint
_agen_await_id_new (void)
{
  static guint last_await_id;
  guint await_id;

  do
    await_id = (guint) g_atomic_int_add ((gint *) &last_await_id, 1) + 1;
  while (G_UNLIKELY (await_id == 0));
  return await_id;
}

/* Inside agen_generator_resume_yield(), a next that its consumer asks for
 * there (nothing sent, nothing thrown) is not a body call: the body is
 * left suspended at a new await, as a body driven from outside would
 * suspend at once, and the caller of agen_generator_resume_yield() takes
 * that await. Once per call. */
static gboolean
agen_generator_suspend_next (AgenGenerator *self)
{
  AgenRun *run = self->run;

  if (G_LIKELY (!self->suspend_next) || run->op.kind != AGEN_OP_NEXT ||
      run->sent != NULL || run->thrown != NULL || run->result != NULL)
    return FALSE;

  self->suspend_next = FALSE;
  run->outcome = AGEN_OUTCOME_AWAITING;
  run->awaiting = TRUE;
  run->await_id = _agen_await_id_new ();
  agen_generator_settle (self);
  return TRUE;
}

/* Runs the body for the resumption under way: at once, or, for a
 * dispatch-body generator, from a source of its context unless one of its
 * own sources is running already. */
static void
agen_generator_continue (AgenGenerator *self,
                         gboolean       in_own_source)
{
  if (G_UNLIKELY (self->suspend_next) && agen_generator_suspend_next (self))
    return;

  if (G_UNLIKELY (self->dispatch_body) && !in_own_source)
    {
      _agen_generator_schedule (self, "[agen] body", agen_generator_run_body_in_source,
                                g_object_ref (self), g_object_unref);
      return;
    }

  agen_generator_run_body (self);
}

/* The fast path's body call: the next item, where the body put it. */
gboolean
_agen_generator_next_by_body (AgenGenerator  *self,
                              const GValue  **item)
{
  AgenRun *run = self->run;

  if (G_UNLIKELY (self->phase != AGEN_PHASE_STARTED || self->dispatch_body || self->suspend_next))
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

/*
 * _agen_generator_next_in_place:
 * @item: (out): where the item is
 *
 * The fast path of foreach: a next step for a generator the caller holds.
 * When the body yields at once, this returns %TRUE and leaves the item where
 * the body put it (valid until the next resumption), without a reply; the
 * table is skipped because a next always runs a started body. A body
 * suspended at a yield of items held ready (_agen_generator_set_next_ready())
 * is not even called while its function has the next one: it is started,
 * and at a yield (op.kind, read only after a body call, is left as it is).
 * Anything else takes the general path: %FALSE, and the outcome goes to the
 * reply.
 */
gboolean
_agen_generator_next_in_place (AgenGenerator  *self,
                               const GValue  **item)
{
  AgenRun *run = self->run;

  /* Tail calls: neither path pays for a frame here. */
  if (G_LIKELY (run->next_ready == NULL))
    return _agen_generator_next_by_body (self, item);
  return run->next_ready (self, run->next_ready_data, &run->yielded, item);
}

/*
 * _agen_generator_next_span:
 * @items: (out): where the first item is
 *
 * _agen_generator_next_in_place() for a caller that only reads the items
 * (foreach hands them to its function, and moves on): a next-ready function
 * may then point @items at items it holds elsewhere (a share's buffer),
 * several in a row (a C array), rather than copy one into the yield slot.
 * They are valid until the generator's next step, as an item in place is;
 * a caller that stops before the last one steps the generator on as if it
 * had read them all (it closes it).
 *
 * Returns: how many items there are at @items; 0 as
 *   _agen_generator_next_in_place() returns %FALSE
 */
guint
_agen_generator_next_span (AgenGenerator  *self,
                           const GValue  **items)
{
  AgenRun *run = self->run;

  if (G_LIKELY (run->next_ready == NULL))
    return _agen_generator_next_by_body (self, items);
  return run->next_ready (self, run->next_ready_data, NULL, items);
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
          _agen_registry_add (self->context, &self->registry_link);
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

gboolean
_agen_generator_acquire_context (AgenGenerator *self,
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

  if (!_agen_generator_acquire_context (self, refusal))
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

  old_state = _agen_generator_compute_state (self);
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
 * Resumptions from the awaited operation
 * ---------------------------------------------------------------------- */

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


/*
 * _agen_generator_resume_await:
 *
 * agen_generator_resume(): ends the await @await_id in the generator's own
 * context, from any thread.
 */
void
_agen_generator_resume_await (AgenGenerator *self,
                              guint          await_id,
                              GAsyncResult  *result)
{
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

/*
 * _agen_generator_resume_yield:
 *
 * agen_generator_resume_yield(), in the generator's context.
 */
guint
_agen_generator_resume_yield (AgenGenerator *self,
                              guint          await_id,
                              const GValue  *item)
{
  AgenRun *run = self->run;
  guint next_await_id = 0;

  if (run == NULL || !run->awaiting || await_id != run->await_id)
    return 0;

  if (run->in_body)
    {
      g_critical ("agen_generator_resume_yield: called inside a body call of the generator; "
                  "its await ends after the call, with agen_generator_resume()");
      return 0;
    }

  /* The body has passed its await: a cancellation that has not reached it
   * yet reaches it at its next await, as it would a body whose await had
   * completed before the cancellation came. */
  agen_generator_end_await (self);

  if (G_IS_VALUE (&run->yielded))
    g_value_unset (&run->yielded);
  if (item != NULL)
    {
      g_value_init (&run->yielded, G_VALUE_TYPE (item));
      g_value_copy (item, &run->yielded);
    }
  else
    {
      g_value_init (&run->yielded, G_TYPE_POINTER);
    }
  run->outcome = AGEN_OUTCOME_YIELDED;

  /* The consumer's reply may drop the last reference. */
  g_object_ref (self);
  self->suspend_next = TRUE;
  agen_generator_settle (self);
  if (!self->suspend_next && self->run != NULL && self->run->awaiting)
    next_await_id = self->run->await_id;
  self->suspend_next = FALSE;
  g_object_unref (self);

  return next_await_id;
}

/* The user data of agen_generator_ready(). */
gpointer
_agen_await_token_new (AgenGenerator *self,
                       guint          await_id)
{
  return agen_await_token_new (self, await_id, NULL);
}

void
_agen_await_token_resume (gpointer      data,
                          GAsyncResult *result)
{
  AgenAwaitToken *token = data;

  _agen_generator_resume_await (token->generator, token->await_id, result);
  agen_await_token_free (token);
}

