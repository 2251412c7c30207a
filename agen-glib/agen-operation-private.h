/* agen-operation-private.h: how a consumer drives a generator's operations
 *
 * Included by the files that run operations on a generator: the consumer
 * face (agen-generator.c), foreach, the combinators' pull driver, and the
 * engine that implements them. A consumer starts an operation, gets one
 * reply per step, and releases the generator when it is done with it.
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

gboolean _agen_generator_start          (AgenGenerator  *self,
                                         AgenOpKind      kind,
                                         const GValue   *value,
                                         const GError   *error,
                                         GCancellable   *cancellable,
                                         AgenReplyFunc   reply,
                                         gpointer        reply_data,
                                         AgenReply      *refusal);
void     _agen_generator_step           (AgenGenerator  *self,
                                         AgenOpKind      kind,
                                         const GValue   *value,
                                         const GError   *error);
gboolean _agen_generator_next_in_place  (AgenGenerator  *self,
                                         const GValue  **item);
guint    _agen_generator_next_span     (AgenGenerator  *self,
                                         const GValue  **items);
gboolean _agen_generator_take_cancellation (AgenGenerator  *self,
                                            GError        **error);
void     _agen_generator_release        (AgenGenerator  *self);
void     _agen_generator_yield_swap     (AgenGenerator  *self,
                                         GValue         *item);
/* The same, storing the resume point too; and, at the resumption, what it
 * brought (the value sent, the error thrown in): one call each where a
 * body using the macros makes two (agen-emitter.c, every item). */
void     _agen_generator_yield_swap_at  (AgenGenerator  *self,
                                         GValue         *item,
                                         guint           resume_point);
const GValue *_agen_generator_take_resumption (AgenGenerator  *self,
                                               GError        **thrown);
/* A consumer that holds a generator for good (a combinator its sources)
 * closes it itself: shutdown leaves it alone. */
void     _agen_generator_unregister     (AgenGenerator  *self);

/* The fast path of next for a body whose items are often ready before it
 * is called (a share's branch reading its buffer), named at a yield with
 * _agen_generator_set_next_ready(). It answers as
 * _agen_generator_next_in_place() does: it puts the next item into
 * @yielded (the yield slot, which may hold the previous item), sets @item
 * to it and returns %TRUE, exactly as a body call ending at the same yield
 * again would; or, with nothing ready, it returns
 * _agen_generator_next_by_body (@self, @item). Called by
 * _agen_generator_next_span(), @yielded is %NULL: the caller only reads
 * the items, so @item may point at items the function holds elsewhere,
 * several in a row, valid until the generator's next step (its next call,
 * or a body call); it returns how many (%TRUE is one). */
typedef guint    (*AgenNextReadyFunc) (AgenGenerator  *self,
                                       gpointer        data,
                                       GValue         *yielded,
                                       const GValue  **item);

/* In a body call that ends in a yield: until the body is called again,
 * _agen_generator_next_in_place() is @func (never for a dispatch-body
 * generator). */
void     _agen_generator_set_next_ready (AgenGenerator     *self,
                                         AgenNextReadyFunc  func,
                                         gpointer           data);
/* In a next-ready function answering a span with an item held elsewhere:
 * the item the body's yield left in the yield slot is dropped. */
void     _agen_generator_drop_yielded   (AgenGenerator     *self);
gboolean _agen_generator_next_by_body   (AgenGenerator     *self,
                                         const GValue     **item);

G_END_DECLS
