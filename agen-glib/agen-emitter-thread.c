/* agen-emitter-thread.c: producers running in a thread of their own
 *
 * The half of #AgenEmitter that a producer thread shares with the body
 * (agen-emitter-private.h): the blocking emits, the buffer of items
 * emitted ahead, the thread's start and end. Everything the two threads
 * share is read and written under the emitter's lock; the thread wakes the
 * body only when it waits for an item, and the body wakes the thread only
 * when it is blocked (waiting for the reply to its emit, or for room in a
 * full buffer), so that a buffered item costs one lock and no wake-up.
 *
 * Before either sleeps, it spins a little for the other: waking a thread
 * that sleeps takes 5 µs on a desktop and 20 µs or more on a virtual
 * machine whose other CPU idles, while a consumer drains half a buffer,
 * or a producer makes its next item, in far less. A side whose spin
 * was in vain skips the spin of its next waits, a few more each time
 * (AgenSpin): a slow consumer or a slow producer costs a spin now and
 * then, not one a wait. The lock is spun for too, for the same reason.
 *
 * A body that finds no item spins until the producer has emitted half a
 * buffer, not one item: a consumer is faster than its producer thread,
 * and taking its items one at a time would make the two threads fight
 * over the lock and the buffer's memory for every item.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-emitter-private.h"
#include "agen-error.h"

/* ---------------------------------------------------------------------- *
 * The buffer
 * ---------------------------------------------------------------------- */

static void
agen_ring_push (AgenRing *ring,
                GValue   *item)
{
  if (ring->length == ring->capacity)
    {
      guint capacity = MAX (4, 2 * ring->capacity);
      GValue *values = g_new (GValue, capacity);

      for (guint i = 0; i < ring->length; i++)
        values[i] = ring->values[(ring->head + i) & (ring->capacity - 1)];
      g_free (ring->values);
      ring->values = values;
      ring->head = 0;
      ring->capacity = capacity;
    }
  ring->values[(ring->head + ring->length) & (ring->capacity - 1)] = *item;
  ring->length++;
  *item = (GValue) G_VALUE_INIT;
}

static gboolean
agen_ring_pop (AgenRing *ring,
               GValue   *item)
{
  if (ring->length == 0)
    return FALSE;
  *item = ring->values[ring->head];
  ring->head = (ring->head + 1) & (ring->capacity - 1);
  ring->length--;
  return TRUE;
}

static void
agen_ring_clear (AgenRing *ring)
{
  GValue item;

  while (agen_ring_pop (ring, &item))
    g_value_unset (&item);
}

/* ---------------------------------------------------------------------- *
 * Spinning before sleeping
 * ---------------------------------------------------------------------- */

/* Longer than a wake-up on a virtual machine: a producer waits for a
 * consumer that may have to wake up first. Shorter for the body, which
 * spins on the main thread, only for an item its producer is making. */
#define AGEN_PRODUCER_SPIN_US 60
#define AGEN_BODY_SPIN_US     20
/* A wait in vain is at most one in so many. */
#define AGEN_SPIN_MAX_SKIPPED 15

static inline void
agen_cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield");
#endif
}

/* With one CPU, the other side cannot move while this one spins. */
static gboolean
agen_spin_may_help (void)
{
  static gsize cpus_seen = 0;   /* 1 + whether there are several */

  if (g_once_init_enter (&cpus_seen))
    g_once_init_leave (&cpus_seen, 1 + (g_get_num_processors () > 1));
  return cpus_seen == 2;
}

/* Unlocked: whether the other side changes @changes from @seen within
 * @limit_us; it waits for @wanted changes, or to the limit for fewer. */
static gboolean
agen_spin_until_changed (AgenSpin   *spin,
                         const gint *changes,
                         gint        seen,
                         guint       wanted,
                         gint64      limit_us)
{
  gint64 deadline;
  guint changed = 0;

  if (spin->skip > 0)
    {
      spin->skip--;
      return FALSE;
    }
  if (!agen_spin_may_help ())
    return FALSE;

  deadline = g_get_monotonic_time () + limit_us;
  for (guint spins = 1;; spins++)
    {
      /* Unsigned: the counter wraps under a long-lived producer. */
      changed = (guint) g_atomic_int_get (changes) - (guint) seen;
      if (changed >= wanted)
        break;
      agen_cpu_relax ();
      if (spins % 64 != 0)
        continue;
      /* The other side may be waiting for this CPU. */
      g_thread_yield ();
      if (g_get_monotonic_time () >= deadline)
        break;
    }

  if (changed > 0)
    {
      spin->backoff = 0;
      return TRUE;
    }
  spin->backoff = MIN (2 * spin->backoff + 1, AGEN_SPIN_MAX_SKIPPED);
  spin->skip = spin->backoff;
  return FALSE;
}

/* GMutex sleeps as soon as it finds the lock taken, while either side
 * holds it only to move an item or a batch: far less than a wake-up. */
#define AGEN_LOCK_SPINS 1000

void
_agen_emitter_lock_contended (AgenEmitter *self)
{
  if (agen_spin_may_help ())
    for (guint i = 0; i < AGEN_LOCK_SPINS; i++)
      {
        agen_cpu_relax ();
        if (g_mutex_trylock (&self->lock))
          return;
      }
  g_mutex_lock (&self->lock);
}

/* ---------------------------------------------------------------------- *
 * The producer's side: emitting
 * ---------------------------------------------------------------------- */

static inline void
agen_emitter_wait_changed (AgenEmitter *self)
{
  __tsan_release (&self->lock);
  g_cond_wait (&self->changed, &self->lock);
  __tsan_acquire (&self->lock);
}

/* Under the lock: spins, unlocked, for the body to do something. */
static void
agen_emitter_spin_for_body_locked (AgenEmitter *self)
{
  gint seen = g_atomic_int_get (&self->changes);

  agen_emitter_unlock (self);
  agen_spin_until_changed (&self->producer_spin, &self->changes, seen, 1, AGEN_PRODUCER_SPIN_US);
  agen_emitter_lock (self);
}

/* In the thread that cancels an emit's own cancellable, which may be any. */
static void
agen_emitter_on_cancelled (GCancellable *cancellable,
                           gpointer      user_data)
{
  AgenEmitter *self = user_data;

  agen_emitter_lock (self);
  agen_emitter_announce_locked (self);
  agen_emitter_unlock (self);
}

/* Under the lock: queues a producer thread's @item (moving it) for the
 * body, or fails at once (and unsets it). */
static gboolean
agen_emitter_push_locked (AgenEmitter  *self,
                          GValue       *item,
                          const char   *caller,
                          GError      **error)
{
  if (_agen_emitter_refuse_emit_locked (self, caller, error))
    {
      g_value_unset (item);
      return FALSE;
    }
  agen_ring_push (&self->items, item);
  self->n_waiting++;
  g_atomic_int_inc (&self->changes);   /* for a body that spins */
  return TRUE;
}

static GValue *
agen_value_init_copy (GValue       *copy,
                      const GValue *value)
{
  if (value == NULL)
    return g_value_init (copy, G_TYPE_POINTER);   /* a bare yield: Python's None */
  g_value_init (copy, G_VALUE_TYPE (value));
  g_value_copy (value, copy);
  return copy;
}

static GValue *
agen_value_init_int (GValue *value,
                     gint    item)
{
  g_value_init (value, G_TYPE_INT);
  value->data[0].v_int = item;
  return value;
}

static GValue *
agen_value_init_string (GValue     *value,
                        const char *item)
{
  g_value_set_string (g_value_init (value, G_TYPE_STRING), item);
  return value;
}

static GValue *
agen_value_init_object (GValue   *value,
                        gpointer  item)
{
  g_value_set_object (g_value_init (value, item != NULL ? G_OBJECT_TYPE (item) : G_TYPE_OBJECT), item);
  return value;
}

/* Under the lock: whether a blocked emit should give up. Not for the
 * producer's own cancellable: a cancellation reaches the producer where it
 * awaits or blocks between two emits, never an emit whose item the
 * consumer may already hold. */
static gboolean
agen_emitter_is_cancelled_locked (AgenEmitter  *self,
                                  GCancellable *cancellable)
{
  return cancellable != self->cancellable && g_cancellable_is_cancelled (cancellable);
}

/* Under the lock: whether the producer thread's emit may return. */
static gboolean
agen_emitter_emit_done_locked (AgenEmitter *self,
                               gboolean     waits_for_reply)
{
  if (waits_for_reply)
    return self->replied;
  return self->thrown != NULL || self->n_waiting <= self->buffer_size / 2;
}

static gboolean
agen_emitter_emit_value (AgenEmitter   *self,
                         GValue        *item,
                         GCancellable  *cancellable,
                         GValue        *sent,
                         const char    *caller,
                         GError       **error)
{
  gulong handler = 0;
  gboolean waits_for_reply;
  gboolean spun = FALSE;
  gboolean ok = FALSE;

  if (self->thread_func == NULL)
    {
      g_critical ("%s: only a producer thread (agen_generator_new_threaded()) may block "
                  "in an emit; an asynchronous producer awaits agen_emitter_emit_async()", caller);
      g_value_unset (item);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "A blocking emit needs a producer thread");
      return FALSE;
    }

  _agen_emitter_reset_cancellation (self);

  /* One lock per item: the body is only woken when it waits for the
   * producer, from here (_agen_emitter_take_wake_locked() schedules it). */
  agen_emitter_lock (self);
  if (!agen_emitter_push_locked (self, item, caller, error))
    goto out;

  waits_for_reply = self->buffer_size == 0;
  self->emit_waiting = waits_for_reply;
  (void) _agen_emitter_take_wake_locked (self);   /* a thread's is scheduled there */

  if (!waits_for_reply && self->n_waiting <= self->buffer_size)
    {
      ok = TRUE;
      goto out;
    }

  /* Full, or waiting for the reply. A full buffer waits until the consumer
   * took half of it, so that the two threads wake each other once per half
   * a buffer, not per item. */
  if (!waits_for_reply)
    self->n_blocked++;
  while (!agen_emitter_emit_done_locked (self, waits_for_reply) &&
         !agen_emitter_is_cancelled_locked (self, cancellable))
    {
      if (!spun)
        {
          spun = TRUE;
          agen_emitter_spin_for_body_locked (self);
          continue;
        }
      /* Watched only while it blocks: connecting costs a global lock. The
       * handler may run at once, and takes the lock. */
      if (handler == 0 && cancellable != NULL && cancellable != self->cancellable)
        {
          agen_emitter_unlock (self);
          handler = g_cancellable_connect (cancellable, G_CALLBACK (agen_emitter_on_cancelled), self, NULL);
          agen_emitter_lock (self);
          continue;
        }
      agen_emitter_wait_changed (self);
    }
  if (!waits_for_reply)
    self->n_blocked--;
  self->emit_waiting = FALSE;

  if (waits_for_reply && self->replied)
    {
      self->replied = FALSE;
      if (sent != NULL)
        *sent = self->reply_sent;
      else if (G_IS_VALUE (&self->reply_sent))
        g_value_unset (&self->reply_sent);
      self->reply_sent = (GValue) G_VALUE_INIT;
      ok = self->reply_error == NULL;
      if (!ok)
        g_propagate_error (error, g_steal_pointer (&self->reply_error));
    }
  else if (!waits_for_reply && self->thrown != NULL)
    g_propagate_error (error, g_steal_pointer (&self->thrown));
  else if (!waits_for_reply && self->n_waiting <= self->buffer_size / 2)
    ok = TRUE;
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");

out:
  agen_emitter_unlock (self);
  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  /* Initialised also on error, as agen_emitter_emit_finish() does. */
  if (sent != NULL && !G_IS_VALUE (sent))
    g_value_init (sent, G_TYPE_POINTER);
  return ok;
}

/**
 * agen_emitter_emit:
 * @self: an #AgenEmitter
 * @item: (nullable): the item, copied; %NULL emits a %G_TYPE_POINTER %NULL
 * @cancellable: (nullable): a #GCancellable that stops the wait
 * @sent: (out caller-allocates) (optional): an unset #GValue that receives
 *   the value the consumer sent, or a %G_TYPE_POINTER %NULL
 * @error: return location for the error thrown in
 *
 * Emits @item from a producer thread (see agen_generator_new_threaded()),
 * blocking until the consumer asks for the next item, or, with a
 * #AgenEmitter:buffer-size, only when the buffer is full (then @sent is
 * always a %G_TYPE_POINTER %NULL). It fails as agen_emitter_emit_finish() does; a
 * cancellation of @cancellable ends the wait with %G_IO_ERROR_CANCELLED,
 * unless it is the producer's own cancellable, which a cancellation of the
 * consumer's operation reaches only where the producer blocks between two
 * emits. It must not be called from the thread
 * of the generator's main context.
 *
 * Returns: %TRUE when the consumer asked for the next item
 *
 * Since: 1.0
 */
gboolean
agen_emitter_emit (AgenEmitter   *self,
                   const GValue  *item,
                   GCancellable  *cancellable,
                   GValue        *sent,
                   GError       **error)
{
  GValue value = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_EMITTER (self), FALSE);
  g_return_val_if_fail (item == NULL || G_IS_VALUE (item), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (sent == NULL || !G_IS_VALUE (sent), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return agen_emitter_emit_value (self, agen_value_init_copy (&value, item), cancellable, sent, G_STRFUNC, error);
}

/**
 * agen_emitter_emit_int:
 * @self: an #AgenEmitter
 * @item: the item
 * @cancellable: (nullable): a #GCancellable that stops the wait
 * @error: return location for the error thrown in
 *
 * Emits a #gint from a producer thread, like agen_emitter_emit(), dropping
 * the value sent.
 *
 * Returns: %TRUE when the consumer asked for the next item
 *
 * Since: 1.0
 */
gboolean
agen_emitter_emit_int (AgenEmitter   *self,
                       gint           item,
                       GCancellable  *cancellable,
                       GError       **error)
{
  GValue value = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_EMITTER (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return agen_emitter_emit_value (self, agen_value_init_int (&value, item), cancellable, NULL, G_STRFUNC, error);
}

/**
 * agen_emitter_emit_string:
 * @self: an #AgenEmitter
 * @item: (nullable): the string, copied
 * @cancellable: (nullable): a #GCancellable that stops the wait
 * @error: return location for the error thrown in
 *
 * Emits a string from a producer thread, like agen_emitter_emit(),
 * dropping the value sent.
 *
 * Returns: %TRUE when the consumer asked for the next item
 *
 * Since: 1.0
 */
gboolean
agen_emitter_emit_string (AgenEmitter   *self,
                          const char    *item,
                          GCancellable  *cancellable,
                          GError       **error)
{
  GValue value = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_EMITTER (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return agen_emitter_emit_value (self, agen_value_init_string (&value, item), cancellable, NULL, G_STRFUNC, error);
}

/**
 * agen_emitter_emit_object:
 * @self: an #AgenEmitter
 * @item: (type GObject) (nullable): the object; a reference is taken
 * @cancellable: (nullable): a #GCancellable that stops the wait
 * @error: return location for the error thrown in
 *
 * Emits a #GObject from a producer thread, like agen_emitter_emit(),
 * dropping the value sent.
 *
 * Returns: %TRUE when the consumer asked for the next item
 *
 * Since: 1.0
 */
gboolean
agen_emitter_emit_object (AgenEmitter   *self,
                          gpointer       item,
                          GCancellable  *cancellable,
                          GError       **error)
{
  GValue value = G_VALUE_INIT;

  g_return_val_if_fail (AGEN_IS_EMITTER (self), FALSE);
  g_return_val_if_fail (item == NULL || G_IS_OBJECT (item), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return agen_emitter_emit_value (self, agen_value_init_object (&value, item), cancellable, NULL, G_STRFUNC, error);
}

/* ---------------------------------------------------------------------- *
 * The thread, and what the body asks of it
 * ---------------------------------------------------------------------- */

static gpointer
agen_emitter_run_thread (gpointer data)
{
  AgenEmitter *self = data;
  GError *error = NULL;

  if (!self->thread_func (self, self->cancellable, self->user_data, &error) && error == NULL)
    {
      g_critical ("A producer thread returned FALSE without setting an error");
      error = g_error_new_literal (AGEN_ERROR, AGEN_ERROR_INVALID_BODY,
                                   "The producer thread failed without an error");
    }
  _agen_emitter_producer_done (self, NULL, error);
  _agen_emitter_unref (self);
  return NULL;
}

gboolean
_agen_emitter_thread_start (AgenEmitter  *self,
                            GError      **error)
{
  self->thread = g_thread_try_new ("agen-producer", agen_emitter_run_thread, g_object_ref (self), error);
  if (self->thread == NULL)
    {
      _agen_emitter_unref (self);
      return FALSE;
    }
  return TRUE;
}

/* What the body learnt when it last took a batch. */
typedef struct
{
  gint changes;                  /* self->changes then, for a spin */
  guint half_buffer;             /* the items worth spinning for */
  gboolean producer_done;
} AgenBatch;

/* For the body: moves every item emitted into self->taken, under one
 * lock, and frees the room of those yielded. */
static AgenBatch
agen_emitter_take_batch (AgenEmitter *self)
{
  AgenBatch batch;
  AgenRing emptied;

  agen_emitter_lock (self);
  self->n_waiting -= self->n_taken_yielded;
  self->n_taken_yielded = 0;
  emptied = self->taken;
  self->taken = self->items;
  self->items = emptied;
  /* A waiting emit blocks its producer: its item is the last emitted. */
  self->last_taken_waits = self->emit_waiting;
  batch.producer_done = self->producer_done;
  batch.half_buffer = MAX (1, self->buffer_size / 2);
  /* Only a producer thread waits, or spins, and only when full. */
  if (self->n_blocked > 0 && self->n_waiting <= self->buffer_size / 2)
    agen_emitter_announce_locked (self);
  batch.changes = g_atomic_int_get (&self->changes);
  agen_emitter_unlock (self);
  return batch;
}

static gboolean
agen_emitter_next_taken (AgenEmitter *self)
{
  if (!agen_ring_pop (&self->taken, &self->current))
    return FALSE;
  self->n_taken_yielded++;
  return TRUE;
}

/* For the body: takes the next item emitted, to yield from @item. The
 * items are taken all at once, under one lock, and yielded from
 * self->current without it: the thread and the body then contend for the
 * lock once per batch. The buffer counts the taken items until the body
 * comes back for more, so a producer never runs further ahead than its
 * buffer. When nothing is there yet, the body spins briefly for the
 * producer's next item before it awaits it. */
AgenTake
_agen_emitter_thread_take (AgenEmitter  *self,
                           GValue      **item)
{
  AgenBatch batch;

  /* What the yield slot held before the last yield: see AGEN_EMITTER_YIELD(). */
  if (G_VALUE_TYPE (&self->current) != 0)
    g_value_unset (&self->current);

  *item = &self->current;
  if (agen_emitter_next_taken (self))
    return AGEN_TAKE_ITEM;

  batch = agen_emitter_take_batch (self);
  if (agen_emitter_next_taken (self))
    return AGEN_TAKE_ITEM;
  if (batch.producer_done)
    return AGEN_TAKE_PRODUCER_DONE;

  if (agen_spin_until_changed (&self->body_spin, &self->changes, batch.changes,
                               batch.half_buffer, AGEN_BODY_SPIN_US))
    {
      batch = agen_emitter_take_batch (self);
      if (agen_emitter_next_taken (self))
        return AGEN_TAKE_ITEM;
    }
  return batch.producer_done ? AGEN_TAKE_PRODUCER_DONE : AGEN_TAKE_NOTHING_YET;
}

/* Under the lock: drops the items emitted and not yet yielded. */
void
_agen_emitter_thread_clear_locked (AgenEmitter *self)
{
  agen_ring_clear (&self->items);
  agen_ring_clear (&self->taken);
  self->n_waiting = 0;
  self->n_taken_yielded = 0;
}

/* Once the producer is done: how the thread ended. */
gboolean
_agen_emitter_thread_take_outcome (AgenEmitter  *self,
                                   GError      **error)
{
  g_clear_pointer (&self->thread, g_thread_join);
  if (self->producer_error == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&self->producer_error));
  return FALSE;
}

/* The generator let go: a thread that finished is joined, unless this is
 * it; one still running is left to end on its own. */
void
_agen_emitter_thread_let_go (AgenEmitter *self,
                             gboolean     producer_done)
{
  if (self->thread == NULL)
    return;
  if (producer_done && g_thread_self () != self->thread)
    g_thread_join (g_steal_pointer (&self->thread));
  else
    g_clear_pointer (&self->thread, g_thread_unref);
}

/**
 * agen_generator_new_threaded:
 * @func: (scope notified) (closure user_data): the producer, run in a
 *   thread of its own
 * @user_data: (nullable): the data for @func
 * @user_data_destroy: (nullable): frees @user_data once the thread is done
 *   with it, in whichever thread lets go of it last
 *
 * Creates a generator whose producer runs in a thread of its own, started
 * at the first operation: @func calls the blocking agen_emitter_emit() for
 * each item, which waits until the consumer asks for the next one (or for
 * room in the #AgenEmitter:buffer-size). The items reach the consumer in
 * the generator's main context, where the consumer runs.
 *
 * A close makes the waiting emit fail with %AGEN_ERROR_EXIT, and finishes
 * only once @func has returned: a producer that blocks elsewhere without
 * watching its cancellable delays the close as long. A cancellation of the
 * consumer's operation, while it waits for the producer, cancels the
 * cancellable given to @func. Dropping the last reference closes the
 * generator on its main context as any generator's does; a producer
 * finalised without finishing hears %AGEN_ERROR_EXIT at its emit and ends
 * in its own time.
 *
 * Returns: (transfer full): a new #AgenGenerator
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_threaded (AgenThreadFunc  func,
                             gpointer        user_data,
                             GDestroyNotify  user_data_destroy)
{
  AgenEmitter *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (AGEN_TYPE_EMITTER, NULL);
  self->thread_func = func;
  self->user_data = user_data;
  self->user_data_destroy = user_data_destroy;
  return _agen_emitter_new_generator (self);
}
