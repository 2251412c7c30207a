/* agen-emitter-private.h: the emitter's two halves
 *
 * Included by the files that are the emitter: agen-emitter.c (the object,
 * asynchronous producers and the body that runs every producer) and
 * agen-emitter-thread.c (producer threads: the blocking emits and the
 * buffer). An asynchronous producer runs in the generator's main context,
 * as the body does, so its emitter is never shared and takes no lock; a
 * producer thread's is, and everything below the lock is then read and
 * written under it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-emitter.h"
#include "agen-tsan-private.h"

G_BEGIN_DECLS

/* A queue of GValues moved in and out, without an allocation per item. */
typedef struct
{
  GValue *values;
  guint head;
  guint length;
  guint capacity;                /* a power of two */
} AgenRing;

/* Whether a side busy-waits for the other before it sleeps (see
 * agen-emitter-thread.c): its own, never shared. */
typedef struct
{
  guint skip;                    /* waits left that sleep without a spin */
  guint backoff;                 /* how many the next spin in vain skips */
} AgenSpin;

#define AGEN_CACHE_LINE_SIZE 64

struct _AgenEmitter
{
  GObject parent_instance;

  GMutex lock;                   /* a producer thread's only */
  GCond changed;                 /* for a producer thread blocked in an emit */
  AgenSpin producer_spin;        /* the producer thread's own */

  AgenGenerator *generator;      /* not owned: it owns this as its body data; NULL once it let go */
  guint await_id;                /* while the body waits for the producer */
  gboolean last_taken_waits;     /* the body's own: the emit of the last item taken waits */
  gboolean slot_holds_yielded;   /* the body's own: the generator's yield slot may hold an item yielded */

  /* An asynchronous producer's item; a producer thread's emitter never
   * initialises it (agen_emitter_emit_is_usual() relies on it). */
  GValue emitted;                /* its emit waits */
  gboolean has_emitted;          /* else it holds the item yielded before, or nothing */

  /* A producer thread's items (agen-emitter-thread.c). */
  AgenRing items;                /* emitted, not yet taken by the body */
  guint n_waiting;               /* emitted and not known to be yielded (the buffer) */
  guint buffer_size;
  guint n_blocked;               /* emits waiting for room in the buffer */

  /* The emit that waits for the consumer's next operation: a thread's,
   * blocked in agen_emitter_emit(), or an async producer's, whose callback
   * gets the emitter itself as its GAsyncResult (one emit at a time). */
  gboolean emit_waiting;
  GAsyncReadyCallback emit_callback;
  gpointer emit_user_data;
  gpointer emit_tag;
  gboolean replied;              /* the reply below is for the last emit, not yet taken */
  GValue reply_sent;
  GError *reply_error;
  GError *thrown;                /* thrown in while no emit waited: for the next one */

  gboolean producer_done;
  GAsyncResult *produce_result;  /* an async producer's */
  GError *producer_error;        /* a thread's */

  GCancellable *cancellable;     /* the producer's */
  gint cancellation_delivered;   /* atomic: a cancellation for an async producer's next emit to reset */

  AgenProduceAsyncFunc produce_async;
  AgenProduceFinishFunc produce_finish;
  AgenThreadFunc thread_func;    /* set before the emitter is shared, never changed */
  GThread *thread;
  gpointer user_data;
  GDestroyNotify user_data_destroy;

  /* What a producer thread and its body each write for every item lie on
   * cache lines of their own: the two threads then pass a line to each
   * other once per batch, not several per item. Padding, not alignment:
   * instances are not allocated on cache-line boundaries. */
  char apart_from_changes[AGEN_CACHE_LINE_SIZE];
  gint changes;                  /* atomic: counts what either side did, for the other's spin */
  char apart_from_body[AGEN_CACHE_LINE_SIZE];
  AgenSpin body_spin;            /* the body's own */
  AgenRing taken;                /* the body's own: taken at once, not yet yielded */
  GValue current;                /* the body's own: the item it yields */
  guint n_taken_yielded;         /* the body's own: yielded since it last took */
};

/* agen-emitter-thread.c: spins, then sleeps, for a lock the other side holds. */
void _agen_emitter_lock_contended (AgenEmitter *self);

/* Only a producer thread's emitter is shared: an asynchronous producer's
 * skips the lock, which was a third of the cost of its items. */
static inline void
agen_emitter_lock (AgenEmitter *self)
{
  if (self->thread_func == NULL)
    return;
  if (!g_mutex_trylock (&self->lock))
    _agen_emitter_lock_contended (self);
  __tsan_acquire (&self->lock);
}

static inline void
agen_emitter_unlock (AgenEmitter *self)
{
  if (self->thread_func == NULL)
    return;
  __tsan_release (&self->lock);
  g_mutex_unlock (&self->lock);
}

/* Under the lock: tells a producer thread that waits, or spins, that
 * something it may wait for changed. */
static inline void
agen_emitter_announce_locked (AgenEmitter *self)
{
  if (self->thread_func == NULL)
    return;
  g_atomic_int_inc (&self->changes);
  g_cond_broadcast (&self->changed);
}

/* What agen_emitter_take_wake_locked() leaves to do once unlocked. */
typedef struct
{
  AgenGenerator *generator;
  guint await_id;
} AgenWake;

typedef enum
{
  AGEN_TAKE_ITEM,
  AGEN_TAKE_NOTHING_YET,
  AGEN_TAKE_PRODUCER_DONE,       /* and every item is taken */
} AgenTake;

/* agen-emitter.c: what both halves share. */
void           _agen_emitter_unref                (gpointer       data);
gboolean       _agen_emitter_refuse_emit_locked   (AgenEmitter   *self,
                                                   const char    *caller,
                                                   GError       **error);
AgenWake       _agen_emitter_take_wake_locked     (AgenEmitter   *self);
void           _agen_emitter_reset_cancellation   (AgenEmitter   *self);
void           _agen_emitter_producer_done        (AgenEmitter   *self,
                                                   GAsyncResult  *result,
                                                   GError        *error);
AgenGenerator *_agen_emitter_new_generator        (AgenEmitter   *self);

/* agen-emitter-thread.c: the producer thread, for the body. */
gboolean       _agen_emitter_thread_start         (AgenEmitter   *self,
                                                   GError       **error);
AgenTake       _agen_emitter_thread_take          (AgenEmitter   *self,
                                                   GValue       **item);
void           _agen_emitter_thread_clear_locked  (AgenEmitter   *self);
gboolean       _agen_emitter_thread_take_outcome  (AgenEmitter   *self,
                                                   GError       **error);
void           _agen_emitter_thread_let_go        (AgenEmitter   *self,
                                                   gboolean       producer_done);

G_END_DECLS
