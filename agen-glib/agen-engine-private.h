/* agen-engine-private.h: the generator's insides
 *
 * Included by the files that are the generator: the object and its
 * consumer face (agen-generator.c, and agen-now.c for the synchronous
 * one), the engine (agen-engine.c) and the producer face (agen-producer.c). Everything else goes through
 * agen-operation-private.h or agen-generator-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-operation-private.h"
#include "agen-registry-private.h"

G_BEGIN_DECLS

/* Where the body is, apart from whether an operation holds the generator. */
typedef enum
{
  AGEN_PHASE_CREATED,
  AGEN_PHASE_STARTED,   /* suspended at a yield, or running or awaiting for an operation */
  AGEN_PHASE_FINISHED,
} AgenPhase;

/* How a body call ended. */
typedef enum
{
  AGEN_OUTCOME_NONE,
  AGEN_OUTCOME_YIELDED,
  AGEN_OUTCOME_RETURNED,
  AGEN_OUTCOME_RAISED,
  AGEN_OUTCOME_AWAITING,
} AgenOutcome;

typedef struct
{
  AgenOpKind kind;               /* of the current step */
  GCancellable *cancellable;     /* the consumer's; owned */
  gboolean cancel_delivered;     /* a cancellation is delivered once per operation */
  AgenReplyFunc reply;
  gpointer reply_data;
} AgenOperation;

typedef struct
{
  GDestroyNotify func;
  gpointer data;
} AgenDeferred;

/* What only exists while an operation holds the generator: allocated when
 * it starts and freed when it ends, so that a suspended generator keeps
 * nothing of it. */
typedef struct
{
  AgenOperation op;

  /* What the current body call ended in. */
  AgenOutcome outcome;
  GValue yielded;
  GError *raised;

  /* What the current resumption brings in. */
  const GValue *sent;            /* valid for the first body call: the caller's, or sent_copy */
  GValue sent_copy;              /* what was sent, for a body call that runs later (dispatch-body) */
  GError *thrown;
  GAsyncResult *result;
  GAsyncResult *early_result;    /* an await that completed inside the body call */

  /* Set by a body call that ended at a yield of items held ready (a
   * share's branch): answers the next nexts in place of the body. */
  AgenNextReadyFunc next_ready;
  gpointer next_ready_data;

  guint await_id;                /* unique across generators, so a stale one never matches */
  gboolean in_body;
  gboolean awaiting;
  gboolean await_completed_in_body;
  gulong cancel_handler;         /* on op.cancellable, while awaiting */
  GCancellable *body_cancellable;
} AgenRun;

/* Kept small: a million suspended generators cost what this struct costs
 * (plus the body's own data), so everything an operation needs lives in
 * AgenRun instead. */
struct _AgenGenerator
{
  GObject parent_instance;

  AgenBodyFunc body;
  gpointer body_data;
  GDestroyNotify body_data_destroy;
  GMainContext *context;
  AgenRun *run;                  /* non-NULL while an operation holds the generator */
  GArray *deferred;              /* of AgenDeferred, run last in, first out */
  AgenRegistryLink registry_link;  /* while started and unfinished */

  guint resume_point;
  gint priority : 16;            /* of every source scheduled for it */
  guint phase : 2;               /* an AgenPhase */
  guint exit_ignored : 1;        /* yielded during a close (Python's ag_closed) */
  guint close_on_dispose_tried : 1;
  guint dispatch_body : 1;       /* the body is only called from a source of its context */
  guint suspend_next : 1;        /* agen_generator_resume_yield() is delivering: a next
                                  * suspends the body without calling it */
};

/* A body makes several producer calls per item, and AGEN_IS_GENERATOR()
 * costs each a call to agen_generator_get_type() and its once-guard, a
 * fifth of a fast item. The type is final, so comparing the instance's type
 * with the one class_init recorded is the whole check. */
extern GType _agen_generator_final_type;
#define AGEN_IS_GENERATOR_FINAL(obj) ((obj) != NULL && G_TYPE_FROM_INSTANCE (obj) == _agen_generator_final_type)

/* Set up by the class: what the engine notifies. */
void                _agen_engine_init_class        (GType          final_type,
                                                    GParamSpec    *state_pspec);

AgenGeneratorState  _agen_generator_compute_state  (AgenGenerator *self);
GQuark              _agen_generator_name_quark     (void);
void                _agen_generator_run_deferred   (AgenGenerator *self);

/* Acquires the generator's context for the caller, or fills @refusal with
 * AGEN_ERROR_WRONG_CONTEXT; release it with g_main_context_release(). */
gboolean            _agen_generator_acquire_context (AgenGenerator *self,
                                                     AgenReply     *refusal);

/* The synchronous consumer face (agen-now.c), for the object's life. */
void                _agen_generator_now_dispose    (AgenGenerator *self);

/* Awaits, for the producer face. */
guint               _agen_await_id_new             (void);
void                _agen_generator_resume_await   (AgenGenerator *self,
                                                    guint          await_id,
                                                    GAsyncResult  *result);
guint               _agen_generator_resume_yield   (AgenGenerator *self,
                                                    guint          await_id,
                                                    const GValue  *item);
gpointer            _agen_await_token_new          (AgenGenerator *self,
                                                    guint          await_id);
void                _agen_await_token_resume       (gpointer       token,
                                                    GAsyncResult  *result);

G_END_DECLS
