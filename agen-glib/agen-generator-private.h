/* agen-generator-private.h: the generator's insides, shared with foreach and shutdown
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-generator.h"

G_BEGIN_DECLS

/* What an operation asks of the body at one resumption. next_async and
 * send_async with a NULL value are both NEXT. */
typedef enum
{
  AGEN_OP_NEXT,
  AGEN_OP_SEND,
  AGEN_OP_THROW,
  AGEN_OP_CLOSE,
  AGEN_N_OPS
} AgenOpKind;

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

/* What an operation (or one step of foreach) hands back. */
typedef enum
{
  AGEN_REPLY_ITEM,     /* TRUE and an item */
  AGEN_REPLY_END,      /* FALSE without error: Python's StopAsyncIteration */
  AGEN_REPLY_CLOSED,   /* the close succeeded */
  AGEN_REPLY_ERROR,    /* FALSE with an error */
} AgenReplyKind;

typedef struct
{
  AgenReplyKind kind;
  GValue item;         /* AGEN_REPLY_ITEM: owned */
  GError *error;       /* AGEN_REPLY_ERROR: owned */
} AgenReply;

#define AGEN_REPLY_INIT { AGEN_REPLY_END, G_VALUE_INIT, NULL }

/* Called once per step with the generator still held (RUNNING); the callee
 * takes what @reply owns and calls _agen_generator_release() when it is done
 * with the generator. */
typedef void (*AgenReplyFunc) (AgenGenerator *self,
                               AgenReply     *reply,
                               gpointer       reply_data);

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

  /* In the shutdown registry while started and unfinished. */
  AgenGenerator *registry_prev;
  AgenGenerator *registry_next;

  guint resume_point;
  guint phase : 2;               /* an AgenPhase */
  guint exit_ignored : 1;        /* yielded during a close (Python's ag_closed) */
  guint close_on_dispose_tried : 1;
  guint registered : 1;
  guint dispatch_body : 1;       /* the body is only called from a source of its context */
};

gboolean _agen_generator_start   (AgenGenerator *self,
                                  AgenOpKind     kind,
                                  const GValue  *value,
                                  const GError  *error,
                                  GCancellable  *cancellable,
                                  AgenReplyFunc  reply,
                                  gpointer       reply_data,
                                  AgenReply     *refusal);
void     _agen_generator_step    (AgenGenerator *self,
                                  AgenOpKind     kind,
                                  const GValue  *value,
                                  const GError  *error);
gboolean _agen_generator_next_in_place (AgenGenerator  *self,
                                        const GValue  **item);
void     _agen_generator_yield_swap (AgenGenerator *self,
                                     GValue        *item);
void     _agen_generator_release (AgenGenerator *self);
void     _agen_generator_schedule (AgenGenerator  *self,
                                   const char     *name,
                                   GSourceFunc     func,
                                   gpointer        data,
                                   GDestroyNotify  destroy);
char    *_agen_generator_describe (AgenGenerator *self);
GMainContext *_agen_generator_get_context (AgenGenerator *self);

void     _agen_registry_add      (AgenGenerator *self);
void     _agen_registry_remove   (AgenGenerator *self);

G_END_DECLS
