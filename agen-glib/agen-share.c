/* agen-share.c: one generator read by several consumers (tee, share)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-close-error-private.h"
#include "agen-error.h"
#include "agen-generator-private.h"
#include "agen-pull-private.h"
#include "agen-share.h"

/**
 * SECTION:agen-share
 * @title: AgenShare
 * @short_description: several consumers of one generator: tee and share
 *
 * An #AgenShare reads one generator, its source, for several consumers:
 * each consumer reads a branch, a generator made with
 * agen_share_new_branch(), at its own pace. Python's `itertools.tee()`
 * for async iterators, Kotlin's `shareIn`, RxJS's `share`. Feed one stream
 * to two widgets:
 *
 * |[<!-- language="C" -->
 * g_autoptr(GPtrArray) branches = agen_generator_tee (lines, 2, 0);
 *
 * agen_list_model_new (g_ptr_array_index (branches, 0), ...);
 * agen_generator_foreach_async (g_ptr_array_index (branches, 1), count_line, ...);
 * ]|
 *
 * The share pulls the source when a branch asks for an item no branch has
 * seen, one next at a time, and keeps each item until every branch has
 * read it, in a buffer of at most #AgenShare:buffer-size items. So the
 * slowest branch holds the source back: a branch that wants an item beyond
 * the buffer waits (its next stays in flight) until the slowest one reads.
 * A branch that never reads holds every other branch once the buffer is
 * full: memory stays bounded, and the others wait. Close (or drop) a branch
 * you stop reading.
 *
 * Every branch sees the items, then the source's end or its error: an
 * error the source raises is raised by each branch, once it has read the
 * items before it. An error thrown into a branch, or a cancellation of a
 * branch's next, finishes that branch only; the source goes on for the
 * others (a cancelled next that was pulling the source leaves its item to
 * the others).
 *
 * A branch made after some items were read starts with the oldest item the
 * share still holds. A branch that finishes (at the end, or closed,
 * cancelled or dropped) no longer holds the buffer. When the last branch
 * finishes, the share closes the source, and the branch's close (or last
 * next) completes after the source's cleanup; a branch that never started
 * and is dropped last closes the source without awaiting it, as a close on
 * last unref does. Branches made afterwards end at once.
 */

/* The cost of an item. Two branches each read every item of the source,
 * so what a branch adds to an item is what sharing costs, and a branch is
 * not a stage like a map: its consumer asks it for an item through
 * _agen_generator_next_span() (foreach) or _agen_generator_next_in_place()
 * (a combinator), and, once its body has yielded, that is
 * agen_share_branch_next_ready() instead of a body call, named at the
 * yield. foreach only reads the items, so nothing is copied per branch:
 * the branch ahead of the others pulls the source in place of the body
 * (the pull's next in place, inlined), copies the source's item once into
 * the buffer, and foreach reads it there; the branch behind hands foreach
 * every item buffered up to the end at once, a span, read in the buffer
 * too. A branch holds what its consumer reads until its next step: its
 * oldest item is the first it holds, or the next it reads. The share
 * counts the branches whose oldest item is its own oldest: only the last
 * of them to move on drops items (a pass over the branches finds the new
 * oldest), and a branch ahead of one of them moves on with a compare. So
 * the branch ahead costs a compare, the source's call and a copy of a
 * type and bits per item; the branch behind a call of the foreach function
 * per item, and a pass over the branches when it releases its span. A
 * combinator takes the item into its yield slot, so for it the
 * item is copied there (agen_share_branch_next_copy()). Only waits go
 * through the body: the branch ahead waits for room once the buffer is
 * full, and is resumed once it is empty, so a resumption (a body call, a
 * reply, a foreach loop taken up again, about 1,300 instructions with the
 * branch behind's span) is paid once per buffer of items: the default
 * buffer of 256 makes it some 5 an item. Under callgrind (bench/agen-bench
 * operators), an item costs 165 instructions read by one foreach, 246
 * through tee(1) and 255 through tee(2): the source's body once (about
 * 117), a foreach step for the branch ahead and a call of the function
 * for the branch behind (about 55), and some 80 of the share's own, its
 * resumptions included. */

struct _AgenShare
{
  GObject parent_instance;

  AgenCombinator puller;       /* one pull: the source */
  guint buffer_size;
  GValue *ring;                /* the items held: index i at ring[i % capacity] */
  GSList *retired_rings;       /* rings outgrown while a consumer may still
                                * read an item in place there: freed last */
  gsize capacity;              /* >= the items held; 0, or a power of 2: the % is a mask */
  gboolean held_unplain;       /* an item that is not a plain value was
                                * buffered: a drop may have to free one */
  GType plain_type;            /* until then, the type of the last item of
                                * 4 bytes: every place in the ring holds a
                                * plain value or none, and a copy of such an
                                * item there is its type and bits; or
                                * G_TYPE_NONE, which no value has */
  guint64 first;               /* the index of the oldest */
  guint64 end;                 /* after the newest: end - first items held */
  gboolean ended;              /* after the items: the source ended, */
  GError *error;               /* or raised this, */
  gboolean closed;             /* or was closed, its branches all finished */
  gboolean closing;            /* a branch is closing it */
  gboolean stopped;            /* ended, error or closed */
  guint pull_limit;            /* MIN (buffer_size, capacity), or 0 once
                                * stopped or while a branch waits: below
                                * it, a pull has room without growing the
                                * ring, the source is there to pull, and no
                                * branch is to be woken for the item (one
                                * test per pull) */
  gboolean reply_holds_self;   /* a next in flight holds a reference */
  GPtrArray *branches;         /* AgenShareBranch *, alive */
  guint n_attached;            /* branches that hold the buffer */
  guint n_at_first;            /* attached branches whose oldest item is
                                * first: when the last of them moves on,
                                * the share drops what all have moved past */
  guint n_waiting;             /* branches that wait (their await_id is set) */
  guint n_made;
};

typedef struct
{
  AgenShare *share;            /* owned */
  AgenGenerator *generator;    /* not owned: it owns this */
  guint64 position;            /* the index of the next item to read */
  gboolean attached;
  guint holds;                 /* its consumer reads this many items, those
                                * before position, in the buffer: the
                                * branch holds them until its next step.
                                * Its oldest item is position - holds */
  guint await_id;              /* while it waits for the source or for room */
  GError *caught;              /* thrown in at the last yield or wait */
  GError *error;               /* to raise */
  GValue item;
} AgenShareBranch;

enum
{
  PROP_0,
  PROP_SOURCE,
  PROP_BUFFER_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (AgenShare, agen_share, G_TYPE_OBJECT)

/* Every item is copied once into the buffer, and once more per branch
 * whose consumer takes it into its yield slot: for the
 * fundamental types that hold their value in their bits (numbers,
 * booleans, pointers), a copy of the bits is the copy, without
 * g_value_init() and g_value_copy(), which take GType's lock. Such a value,
 * like an unset one, has nothing to free. The bits copied are only those
 * the type uses: a producer that stored a gint just before
 * (agen_generator_yield_int()) would make a load of the whole GValue wait
 * until that store is done (a store-forwarding stall, a quarter of a fast
 * item). This table, by fundamental type, says how many. */
static const guint8 agen_plain_value_sizes[] = {
  [G_TYPE_CHAR >> G_TYPE_FUNDAMENTAL_SHIFT] = 4,
  [G_TYPE_UCHAR >> G_TYPE_FUNDAMENTAL_SHIFT] = 4,
  [G_TYPE_BOOLEAN >> G_TYPE_FUNDAMENTAL_SHIFT] = 4,
  [G_TYPE_INT >> G_TYPE_FUNDAMENTAL_SHIFT] = 4,
  [G_TYPE_UINT >> G_TYPE_FUNDAMENTAL_SHIFT] = 4,
  [G_TYPE_FLOAT >> G_TYPE_FUNDAMENTAL_SHIFT] = 4,
  [G_TYPE_LONG >> G_TYPE_FUNDAMENTAL_SHIFT] = 8,
  [G_TYPE_ULONG >> G_TYPE_FUNDAMENTAL_SHIFT] = 8,
  [G_TYPE_INT64 >> G_TYPE_FUNDAMENTAL_SHIFT] = 8,
  [G_TYPE_UINT64 >> G_TYPE_FUNDAMENTAL_SHIFT] = 8,
  [G_TYPE_DOUBLE >> G_TYPE_FUNDAMENTAL_SHIFT] = 8,
  [G_TYPE_POINTER >> G_TYPE_FUNDAMENTAL_SHIFT] = 8,
};

/* 0 for a value that is not plain. */
static inline guint
agen_plain_value_size (GType type)
{
  return type <= G_TYPE_POINTER ? agen_plain_value_sizes[type >> G_TYPE_FUNDAMENTAL_SHIFT] : 0;
}

/* Frees what a dropped item holds. A plain value has nothing to free: its
 * place in the buffer keeps its bits, which the next item there overwrites
 * (a copy into a plain value of the same type is only the new bits). */
static inline void
agen_share_value_drop (GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if (type != G_TYPE_INVALID && agen_plain_value_size (type) == 0)
    g_value_unset (value);
}

static inline void
agen_share_value_unset (GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if (type != G_TYPE_INVALID && agen_plain_value_size (type) == 0)
    g_value_unset (value);
  *value = (GValue) G_VALUE_INIT;
}

/* agen_share_value_copy() of anything but a plain value of @dest's type. */
G_NO_INLINE static void
agen_share_value_copy_slow (GValue       *dest,
                            const GValue *value)
{
  GType type = G_VALUE_TYPE (value);
  guint size = agen_plain_value_size (type);

  agen_share_value_unset (dest);
  if (size == 0)
    {
      g_value_init (dest, type);
      g_value_copy (value, dest);
      return;
    }

  dest->g_type = type;
  if (size == 4)
    dest->data[0].v_uint = value->data[0].v_uint;
  else
    dest->data[0].v_uint64 = value->data[0].v_uint64;
}

/* @dest, set or not, becomes a copy of @value. Most often @dest holds the
 * previous item of a branch, or a dropped one of the buffer, of the same
 * plain type: only the bits are copied then. */
G_ALWAYS_INLINE static inline void
agen_share_value_copy (GValue       *dest,
                       const GValue *value)
{
  GType type = G_VALUE_TYPE (value);
  guint size = agen_plain_value_size (type);

  if (G_LIKELY (G_VALUE_TYPE (dest) == type && size == 4))
    dest->data[0].v_uint = value->data[0].v_uint;
  else if (G_VALUE_TYPE (dest) == type && size == 8)
    dest->data[0].v_uint64 = value->data[0].v_uint64;
  else
    agen_share_value_copy_slow (dest, value);
}

static AgenPull *
agen_share_pull (AgenShare *self)
{
  return &self->puller.pulls[0];
}

static inline guint64
agen_share_end (AgenShare *self)
{
  return self->end;
}

static inline guint
agen_share_n_items (AgenShare *self)
{
  return (guint) (self->end - self->first);
}

static void
agen_share_update_pull_limit (AgenShare *self)
{
  self->pull_limit = self->stopped || self->n_waiting != 0 ? 0 : MIN (self->buffer_size, self->capacity);
}

/* The source ended, failed or was closed: nothing more to pull. */
static void
agen_share_stop (AgenShare *self)
{
  self->stopped = TRUE;
  agen_share_update_pull_limit (self);
}

static inline gsize
agen_share_slot (AgenShare *self,
                 guint64    index)
{
  return index & (self->capacity - 1);
}

static inline GValue *
agen_share_item (AgenShare *self,
                 guint64    index)
{
  return &self->ring[agen_share_slot (self, index)];
}

/* Makes room for @n_items items at least, keeping each at its index. It
 * grows as items come, rather than to the buffer size at once: a large
 * buffer that is never full costs nothing. */
static void
agen_share_resize_ring (AgenShare *self,
                        gsize      n_items)
{
  gsize capacity = 1;
  GValue *ring;

  while (capacity < n_items)
    capacity *= 2;
  ring = g_new0 (GValue, capacity);
  for (guint64 i = self->first; i < agen_share_end (self); i++)
    ring[i & (capacity - 1)] = *agen_share_item (self, i);        /* moved */
  /* A consumer may be reading an item in place in the old ring (a push
   * from inside its function): it is freed with the share. The rings grow
   * by doubling, so the retired ones together are smaller than the last. */
  if (self->ring != NULL)
    self->retired_rings = g_slist_prepend (self->retired_rings, self->ring);
  self->ring = ring;
  self->capacity = capacity;
  agen_share_update_pull_limit (self);
}

/* Drops the items every attached branch has moved past: those before
 * the oldest item of the branches, and counts the branches there. */
static void
agen_share_trim (AgenShare *self)
{
  guint64 oldest = agen_share_end (self);
  guint n_at_oldest = 0;

  for (guint i = 0; i < self->branches->len; i++)
    {
      AgenShareBranch *branch = g_ptr_array_index (self->branches, i);
      guint64 branch_oldest = branch->position - branch->holds;

      if (!branch->attached || branch_oldest > oldest)
        continue;
      if (branch_oldest < oldest)
        n_at_oldest = 0;
      oldest = branch_oldest;
      n_at_oldest++;
    }

  self->n_at_first = n_at_oldest;
  if (G_LIKELY (!self->held_unplain))
    self->first = oldest;
  for (; self->first < oldest; self->first++)
    agen_share_value_drop (agen_share_item (self, self->first));
}

typedef struct
{
  AgenGenerator *generator;    /* owned */
  guint await_id;
} AgenShareWaiter;

/* Resumes every branch that waits: for an item, for room, or for the
 * source's close. Each looks again at what it waits for. It happens once
 * per buffer of items: the few branches of a tee are collected on the
 * stack. */
G_NO_INLINE static void
agen_share_wake_all (AgenShare *self)
{
  AgenShareWaiter on_stack[4];
  AgenShareWaiter *waiters = on_stack;
  guint n_waiting = 0;

  if (self->branches->len > G_N_ELEMENTS (on_stack))
    waiters = g_new (AgenShareWaiter, self->branches->len);

  /* Collected first: a branch resumed here may run, and finish, at once. */
  for (guint i = 0; i < self->branches->len; i++)
    {
      AgenShareBranch *branch = g_ptr_array_index (self->branches, i);

      if (branch->await_id == 0)
        continue;
      waiters[n_waiting++] = (AgenShareWaiter) { g_object_ref (branch->generator), branch->await_id };
      branch->await_id = 0;
      self->n_waiting--;
    }
  agen_share_update_pull_limit (self);

  for (guint i = 0; i < n_waiting; i++)
    {
      agen_generator_resume (waiters[i].generator, waiters[i].await_id, NULL);
      g_object_unref (waiters[i].generator);
    }
  if (waiters != on_stack)
    g_free (waiters);
}

/* agen_share_push() of anything but a plain value of the place's type. */
G_NO_INLINE static void
agen_share_push_slow (AgenShare    *self,
                      GValue       *dest,
                      const GValue *item)
{
  guint size = agen_plain_value_size (G_VALUE_TYPE (item));

  if (size == 0)
    {
      self->held_unplain = TRUE;
      self->plain_type = G_TYPE_NONE;
    }
  else if (size == 4 && !self->held_unplain)
    self->plain_type = G_VALUE_TYPE (item);
  agen_share_value_copy_slow (dest, item);
}

/* Adds a copy of @item to the buffer: the copy. */
G_ALWAYS_INLINE static inline const GValue *
agen_share_push (AgenShare    *self,
                 const GValue *item)
{
  GType type = G_VALUE_TYPE (item);
  GValue *dest;
  gsize slot;

  if (G_UNLIKELY (agen_share_n_items (self) == self->capacity))
    agen_share_resize_ring (self, self->capacity + 1);
  slot = agen_share_slot (self, agen_share_end (self));
  dest = &self->ring[slot];
  if (G_LIKELY (G_VALUE_TYPE (dest) == type && agen_plain_value_size (type) == 4))
    dest->data[0].v_uint = item->data[0].v_uint;
  else
    agen_share_push_slow (self, dest, item);
  self->end++;
  return &self->ring[slot];
}

/* A branch that waits at the end (for room) may read the item another
 * branch pushed: with three branches or more, the one behind it may pull
 * as soon as the slowest moves on, and the buffer does not empty. */
static inline void
agen_share_wake_for_item (AgenShare *self)
{
  if (self->n_waiting != 0)
    agen_share_wake_all (self);
}

/* Takes the source's reply into the buffer. */
static void
agen_share_take_reply (AgenShare *self)
{
  AgenPull *pull = agen_share_pull (self);

  switch (pull->reply.kind)
    {
    case AGEN_REPLY_ITEM:
      agen_share_push (self, pull->item);
      _agen_pull_clear (pull);
      break;
    case AGEN_REPLY_ERROR:
      self->error = _agen_pull_take_error (pull);
      agen_share_stop (self);
      break;
    case AGEN_REPLY_END:
    case AGEN_REPLY_CLOSED:
    default:
      self->ended = TRUE;
      agen_share_stop (self);
      _agen_pull_clear (pull);
      break;
    }
}

/* With no branch left to close it: lets go of the source and closes it
 * without awaiting, as a close on last unref does. A next in flight is
 * cancelled first; its reply comes back here. */
static void
agen_share_let_go (AgenShare *self)
{
  AgenPull *pull = agen_share_pull (self);

  self->closed = TRUE;
  agen_share_stop (self);
  if (_agen_pull_cancel (pull) || pull->state == AGEN_PULL_IN_FLIGHT)
    return;

  _agen_pull_clear (pull);
  if (!pull->held)
    return;
  _agen_generator_release (pull->source);
  pull->held = FALSE;
  _agen_generator_close_and_report (pull->source, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
}

/* A reply that came later: an item (or the end) for the buffer, or the
 * reply of the close a branch awaits. */
static void
agen_share_on_reply (AgenCombinator *comb)
{
  AgenShare *self = G_STRUCT_MEMBER_P (comb, -G_STRUCT_OFFSET (AgenShare, puller));
  gboolean held_self = self->reply_holds_self;

  self->reply_holds_self = FALSE;
  if (self->closing)
    ;                                  /* the closing branch takes it */
  else if (self->n_attached == 0 && self->closed)
    agen_share_let_go (self);
  else
    agen_share_take_reply (self);

  agen_share_wake_all (self);
  if (held_self)
    g_object_unref (self);
}

/* The source did not yield at once: its reply came (an end, an error), or
 * will come to the share, which lives until it has come. */
G_NO_INLINE static void
agen_share_await_reply (AgenShare *self)
{
  if (agen_share_pull (self)->state == AGEN_PULL_REPLIED)
    {
      agen_share_take_reply (self);
      return;
    }

  g_object_ref (self);
  self->reply_holds_self = TRUE;
}

/* Asks the source for the next item, when no next is in flight, the source
 * has not finished, and the buffer has room: %TRUE with @item, where the
 * source put it, when the source yielded at once. */
G_ALWAYS_INLINE static inline gboolean
agen_share_pull_now (AgenShare     *self,
                     const GValue **item)
{
  AgenPull *pull = agen_share_pull (self);

  if (agen_share_n_items (self) >= self->buffer_size || pull->state != AGEN_PULL_IDLE ||
      self->ended || self->error != NULL || self->closed)
    return FALSE;

  if (G_LIKELY (_agen_pull_next_in_place (pull, item)))
    return TRUE;
  agen_share_await_reply (self);
  return FALSE;
}

/* agen_share_pull_now(), into the buffer. */
static gboolean
agen_share_fill (AgenShare *self)
{
  const GValue *item;

  if (!agen_share_pull_now (self, &item))
    return FALSE;
  agen_share_push (self, item);
  agen_share_wake_for_item (self);
  return TRUE;
}

static gboolean
agen_share_branch_is_ready (AgenShareBranch *branch)
{
  AgenShare *self = branch->share;

  return branch->position < agen_share_end (self) || self->ended || self->error != NULL || self->closed;
}

static guint
agen_share_branch_wait (AgenShareBranch *branch)
{
  branch->await_id = agen_generator_suspend (branch->generator);
  branch->share->n_waiting++;
  agen_share_update_pull_limit (branch->share);
  return branch->await_id;
}

/* Resumed, or finishing: it waits no more. */
static void
agen_share_branch_stop_waiting (AgenShareBranch *branch)
{
  if (branch->await_id == 0)
    return;
  branch->await_id = 0;
  branch->share->n_waiting--;
  agen_share_update_pull_limit (branch->share);
}

static void
agen_share_detach (AgenShareBranch *branch)
{
  AgenShare *self = branch->share;

  if (!branch->attached)
    return;

  branch->attached = FALSE;
  self->n_attached--;
  branch->holds = 0;
  agen_share_trim (self);
  agen_share_wake_all (self);
}

/* The branch is the last one and the source has not finished: it closes
 * the source. The failure of the close is the branch's, unless it raises
 * an error already. */
static gboolean
agen_share_branch_closes_source (AgenShareBranch *branch)
{
  AgenShare *self = branch->share;

  return self->n_attached == 0 && !self->closed && !self->ended && self->error == NULL;
}

static void
agen_share_branch_take_close_error (AgenShareBranch *branch)
{
  AgenShare *self = branch->share;
  GError *error = g_steal_pointer (&self->puller.error);

  self->closing = FALSE;
  self->closed = TRUE;
  agen_share_stop (self);
  if (error == NULL)
    return;
  if (branch->error == NULL)
    {
      branch->error = error;
      return;
    }
  _agen_report_close_error (agen_share_pull (self)->source, error, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
  g_error_free (error);
}

/* The last branch at the oldest item has moved on: the items every
 * attached branch has moved past are dropped, and a branch waiting for room
 * is woken once the buffer is empty: it then runs ahead by a whole buffer,
 * rather than taking turns item by item, and a resumption (a body call, a
 * reply, a foreach loop taken up again) is paid once per buffer of items. */
G_NO_INLINE static void
agen_share_drop_passed (AgenShare *self)
{
  agen_share_trim (self);
  if (self->first == self->end && self->n_waiting != 0)
    agen_share_wake_all (self);
}

/* The attached branch's oldest item was @oldest, and is a later one now.
 * Only the last branch to leave the share's oldest item drops anything:
 * a branch ahead of another moves on without a pass over the branches. */
G_ALWAYS_INLINE static inline void
agen_share_branch_moved_from (AgenShareBranch *branch,
                              guint64          oldest)
{
  AgenShare *self = branch->share;

  if (oldest == self->first && --self->n_at_first == 0)
    agen_share_drop_passed (self);
}

/* Copies the item at the branch's position into @dest. */
G_ALWAYS_INLINE static inline void
agen_share_branch_read (AgenShareBranch *branch,
                        GValue          *dest)
{
  AgenShare *self = branch->share;
  guint64 position = branch->position++;

  agen_share_value_copy (dest, agen_share_item (self, position));
  agen_share_branch_moved_from (branch, position);
}

/* The branch's consumer read its last items in the buffer and has moved
 * on: the branch holds them no more. */
G_NO_INLINE static void
agen_share_branch_release (AgenShareBranch *branch)
{
  guint64 oldest = branch->position - branch->holds;

  branch->holds = 0;
  agen_share_branch_moved_from (branch, oldest);
}

/* agen_share_branch_next_copy() for the branch ahead of the others: it
 * pulls the source, and yields the item when the source yields at once,
 * copied from where the source put it; it buffers it for the others
 * only. */
G_NO_INLINE static gboolean
agen_share_branch_pull_ready (AgenGenerator    *self,
                              AgenShareBranch  *branch,
                              GValue           *yielded,
                              const GValue    **item)
{
  AgenShare *share = branch->share;
  const GValue *value;

  if (!agen_share_pull_now (share, &value))
    return _agen_generator_next_by_body (self, item);

  /* The others read it from the buffer; a branch alone needs none. */
  if (share->n_attached > 1)
    {
      agen_share_push (share, value);
      agen_share_branch_moved_from (branch, branch->position++);
    }
  else
    {
      share->first++;
      share->end++;
      branch->position++;
    }

  agen_share_value_copy (yielded, value);
  *item = yielded;
  agen_share_wake_for_item (share);
  return TRUE;
}

/* agen_share_branch_next_ready() for a consumer that takes the item into
 * its yield slot (a combinator trades it for its own): the item at the
 * branch's position is copied there. */
G_NO_INLINE static gboolean
agen_share_branch_next_copy (AgenGenerator    *self,
                             AgenShareBranch  *branch,
                             GValue           *yielded,
                             const GValue    **item)
{
  if (branch->holds)
    agen_share_branch_release (branch);
  if (branch->position == agen_share_end (branch->share))
    return agen_share_branch_pull_ready (self, branch, yielded, item);

  agen_share_branch_read (branch, yielded);
  *item = yielded;
  return TRUE;
}

/* agen_share_branch_pull_to_read() when the source did not yield at once:
 * the body waits for its reply (or takes its end). */
G_NO_INLINE static gboolean
agen_share_branch_pull_missed (AgenShareBranch  *branch,
                               const GValue    **item)
{
  AgenGenerator *self = branch->generator;
  AgenShare *share = branch->share;
  AgenPull *pull = agen_share_pull (share);

  if (pull->state == AGEN_PULL_IDLE)
    pull->state = AGEN_PULL_IN_FLIGHT;
  agen_share_await_reply (share);
  return _agen_generator_next_by_body (self, item);
}

/* agen_share_branch_pull_to_read() for anything but a pull with room in
 * the ring: the ring grows, or the body waits (for room, for the source),
 * or takes the source's end. */
G_NO_INLINE static gboolean
agen_share_branch_pull_slow (AgenGenerator    *self,
                             AgenShareBranch  *branch,
                             const GValue    **item)
{
  AgenShare *share = branch->share;
  const GValue *value;

  if (!agen_share_pull_now (share, &value))
    return _agen_generator_next_by_body (self, item);

  branch->position++;
  branch->holds = 1;
  *item = agen_share_push (share, value);
  agen_share_wake_for_item (share);
  return TRUE;
}

static guint    agen_share_branch_next_ready (AgenGenerator  *self,
                                              gpointer        data,
                                              GValue         *yielded,
                                              const GValue  **item);

/* agen_share_branch_next_ready() when the consumer read several items
 * (the branch behind, once per buffer of items), or the branch is the last
 * at the share's oldest item, and its release drops items. */
G_NO_INLINE static guint
agen_share_branch_release_and_next (AgenGenerator    *self,
                                    AgenShareBranch  *branch,
                                    const GValue    **item)
{
  agen_share_branch_release (branch);
  return agen_share_branch_next_ready (self, branch, NULL, item);
}

/* Buffers the item the source yielded at once, where *@item is, for every
 * branch, and points *@item at it. */
G_ALWAYS_INLINE static inline gboolean
agen_share_branch_take_pulled (AgenShareBranch  *branch,
                               const GValue    **item,
                               gboolean          plain)
{
  AgenShare *share = branch->share;
  const GValue *value = *item;
  gsize slot = agen_share_slot (share, agen_share_end (share));
  GValue *dest = &share->ring[slot];

  if (plain)
    {
      dest->g_type = G_VALUE_TYPE (value);
      dest->data[0].v_uint = value->data[0].v_uint;
    }
  else
    agen_share_push_slow (share, dest, value);
  share->end++;
  branch->position++;
  branch->holds = 1;
  *item = dest;
  return TRUE;
}

/* agen_share_branch_take_pulled() of anything but a plain value of
 * AgenShare.plain_type. */
G_NO_INLINE static gboolean
agen_share_branch_take_pulled_slow (AgenShareBranch  *branch,
                                    const GValue    **item)
{
  return agen_share_branch_take_pulled (branch, item, FALSE);
}

/* agen_share_branch_next_ready() for the branch ahead of the others, read
 * in place: it pulls the source (its next in place, inlined), and when the
 * source yields at once, the item is read where the buffer holds it, for
 * every branch. Anything but that, with room in the ring, is out of line;
 * the fast way keeps only the branch and @item across the source's call,
 * for a short frame. Inlined into agen_share_branch_next_ready(). */
G_ALWAYS_INLINE static inline gboolean
agen_share_branch_pull_to_read (AgenGenerator    *self,
                                AgenShareBranch  *branch,
                                const GValue    **item)
{
  AgenShare *share = branch->share;
  AgenPull *pull = agen_share_pull (share);

  if (G_UNLIKELY (agen_share_n_items (share) >= share->pull_limit ||
                  pull->state != AGEN_PULL_IDLE || !pull->held))
    return agen_share_branch_pull_slow (self, branch, item);
  if (G_UNLIKELY (!_agen_generator_next_in_place (pull->source, item)))
    return agen_share_branch_pull_missed (branch, item);

  /* Read again after the call: nothing but @branch and @item is kept. */
  if (G_UNLIKELY (G_VALUE_TYPE (*item) != branch->share->plain_type))
    return agen_share_branch_take_pulled_slow (branch, item);
  return agen_share_branch_take_pulled (branch, item, TRUE);
}

/* The body's loop, from its yield back to it, when it needs no wait: the
 * item at the branch's position, pulled first when no branch has seen it
 * and the source replies at once. Anything else (a wait, the source's end
 * or error) is the body's. A consumer that only reads the items (foreach:
 * @yielded is %NULL) reads them in the buffer: the branch ahead gets the
 * item it pulled, the branch behind every item up to the end at once, and
 * the branch holds them there until its next step, which releases them:
 * no copy per branch. The branch ahead releases its item with a compare
 * and a store: only the last branch to leave the oldest item drops items.
 * Releasing one item, reading buffered ones and the pull are here (the
 * frame is the pull's, paid per item by the branch ahead alone, per span by
 * the branch behind); anything else is out of line. */
static guint
agen_share_branch_next_ready (AgenGenerator  *self,
                              gpointer        data,
                              GValue         *yielded,
                              const GValue  **item)
{
  AgenShareBranch *branch = data;
  AgenShare *share = branch->share;
  guint64 position = branch->position;
  gsize slot;
  guint n;

  if (G_UNLIKELY (yielded != NULL))
    return agen_share_branch_next_copy (self, branch, yielded, item);

  if (G_LIKELY (branch->holds != 0))
    {
      if (G_UNLIKELY (branch->holds != 1 || position - 1 == share->first))
        {
          /* A branch alone drops its item as it moves on: a plain one is
           * only let go of. */
          if (branch->holds != 1 || share->n_attached != 1 || share->held_unplain)
            return agen_share_branch_release_and_next (self, branch, item);
          share->first = position;
        }
      branch->holds = 0;
    }
  if (position == agen_share_end (share))
    return agen_share_branch_pull_to_read (self, branch, item);

  /* Every item up to the end, or to the end of the ring's array. */
  slot = agen_share_slot (share, position);
  n = (guint) MIN (agen_share_end (share) - position, share->capacity - slot);
  branch->position = position + n;
  branch->holds = n;
  *item = &share->ring[slot];
  return n;
}

/* Python's
 *
 *   while True:
 *       while not (item at position, or the source finished):
 *           pull the source, or wait for the slowest branch
 *       if the source finished here: raise its error, or end
 *       yield the item at position; position += 1
 *
 * and, once it finishes, the source's close when it is the last branch. */
static void
agen_share_branch_body (AgenGenerator *self,
                        gpointer       user_data)
{
  AgenShareBranch *branch = user_data;
  AgenShare *share = branch->share;

  AGEN_BEGIN (self);
  for (;;)
    {
      while (!agen_share_branch_is_ready (branch))
        {
          agen_share_fill (share);
          if (agen_share_branch_is_ready (branch))
            break;
          AGEN_AWAIT_CATCH (self, agen_share_branch_wait (branch), &branch->caught);
          agen_share_branch_stop_waiting (branch);
          if (branch->caught != NULL)
            break;
        }
      if (branch->caught != NULL)
        {
          branch->error = g_steal_pointer (&branch->caught);
          break;
        }

      if (branch->position == agen_share_end (share))
        {
          if (share->error != NULL)
            branch->error = g_error_copy (share->error);
          break;
        }

      agen_share_branch_read (branch, &branch->item);

      /* AGEN_COMBINATOR_YIELD() trades the item for the yield slot; what
       * is thrown in goes to branch->caught. Until a throw or a close
       * resumes the body here, or an item needs a wait, a next is
       * agen_share_branch_next_ready() instead of a body call. */
      _agen_generator_set_next_ready (self, agen_share_branch_next_ready, branch);
      AGEN_COMBINATOR_YIELD (self, branch, &branch->item);
      /* A consumer that read an item in place has moved on. */
      if (branch->holds)
        agen_share_branch_release (branch);
      if (branch->caught != NULL)
        {
          if (!g_error_matches (branch->caught, AGEN_ERROR, AGEN_ERROR_EXIT))
            branch->error = g_steal_pointer (&branch->caught);
          g_clear_error (&branch->caught);
          break;
        }
    }

  agen_share_detach (branch);
  if (agen_share_branch_closes_source (branch))
    {
      share->closing = TRUE;
      while (!_agen_combinator_close_pull (&share->puller, agen_share_pull (share)))
        {
          AGEN_AWAIT_CATCH (self, agen_share_branch_wait (branch), &branch->caught);
          agen_share_branch_stop_waiting (branch);
          /* A cancellation of the close is passed on to the source's cleanup. */
          if (branch->caught != NULL)
            {
              _agen_pull_cancel (agen_share_pull (share));
              g_clear_error (&branch->caught);
            }
        }
      agen_share_branch_take_close_error (branch);
    }

  if (branch->error != NULL)
    {
      agen_generator_raise (self, g_steal_pointer (&branch->error));
      return;
    }
  AGEN_END (self);
}

static void
agen_share_branch_free (gpointer data)
{
  AgenShareBranch *branch = data;
  AgenShare *self = branch->share;

  /* The body's data is freed as the branch finishes: a branch that never
   * started (closed or dropped so) no longer holds the buffer here, and
   * when it was the last one the source is let go of. */
  agen_share_detach (branch);
  agen_share_branch_stop_waiting (branch);
  g_ptr_array_remove_fast (self->branches, branch);
  if (self->n_attached == 0 && !self->closed && !self->closing)
    agen_share_let_go (self);

  agen_value_clear (&branch->item);
  g_clear_error (&branch->caught);
  g_clear_error (&branch->error);
  g_object_unref (self);
  g_free (branch);
}

/**
 * agen_share_new_branch:
 * @self: an #AgenShare
 *
 * Makes a branch: a generator that yields the items of the share's
 * source, from the oldest one the share still holds, and then ends, or
 * raises the source's error. Python's `share()`: one more consumer of the
 * source. Each branch is read by one consumer.
 *
 * Returns: (transfer full): a new #AgenGenerator, named
 *   `share(source)[index]`
 *
 * Since: 1.0
 */
AgenGenerator *
agen_share_new_branch (AgenShare *self)
{
  AgenShareBranch *branch;
  AgenGenerator *source;
  g_autofree char *label = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (AGEN_IS_SHARE (self), NULL);

  source = agen_share_pull (self)->source;
  branch = g_new0 (AgenShareBranch, 1);
  branch->share = g_object_ref (self);
  branch->position = self->first;
  branch->attached = !self->closed;
  if (branch->attached)
    {
      self->n_attached++;
      self->n_at_first++;
    }
  g_ptr_array_add (self->branches, branch);

  branch->generator = agen_generator_new (agen_share_branch_body, branch, agen_share_branch_free);
  agen_generator_set_priority (branch->generator, agen_generator_get_priority (source));
  label = _agen_generator_describe (source);
  name = g_strdup_printf ("share(%s)[%u]", label, self->n_made++);
  agen_generator_set_name (branch->generator, name);
  return branch->generator;
}

/**
 * agen_share_new:
 * @source: the generator to share
 * @buffer_size: how many items the share holds at most, at least 1
 *
 * Shares @source among the branches made with agen_share_new_branch().
 * The share takes a reference on @source and is its only consumer from its
 * first pull on: do not use @source otherwise.
 *
 * Returns: (transfer full): a new #AgenShare
 *
 * Since: 1.0
 */
AgenShare *
agen_share_new (AgenGenerator *source,
                guint          buffer_size)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (source), NULL);
  g_return_val_if_fail (buffer_size >= 1, NULL);

  return g_object_new (AGEN_TYPE_SHARE, "source", source, "buffer-size", buffer_size, NULL);
}

/**
 * agen_generator_tee:
 * @self: the source
 * @n_branches: how many branches to make
 * @buffer_size: how many items the share holds at most, or 0 for
 *   %AGEN_SHARE_DEFAULT_BUFFER_SIZE
 *
 * Makes @n_branches branches of an #AgenShare of @self: Python's
 * `itertools.tee(self, n_branches)`, for async generators, with a bounded
 * buffer. Each branch yields every item of @self; the slowest branch holds
 * the others back once @buffer_size items are buffered. See #AgenShare.
 *
 * Returns: (transfer container) (element-type AgenGenerator): the
 *   branches, in an array that frees them with itself (g_ptr_array_unref())
 *
 * Since: 1.0
 */
GPtrArray *
agen_generator_tee (AgenGenerator *self,
                    guint          n_branches,
                    guint          buffer_size)
{
  g_autoptr(AgenShare) share = NULL;
  GPtrArray *branches;

  g_return_val_if_fail (AGEN_IS_GENERATOR (self), NULL);

  share = agen_share_new (self, buffer_size > 0 ? buffer_size : AGEN_SHARE_DEFAULT_BUFFER_SIZE);
  branches = g_ptr_array_new_full (n_branches, g_object_unref);
  for (guint i = 0; i < n_branches; i++)
    g_ptr_array_add (branches, agen_share_new_branch (share));
  return branches;
}

/**
 * agen_share_get_source:
 * @self: an #AgenShare
 *
 * Gets the generator the share reads for its branches.
 *
 * Returns: (transfer none): the shared generator
 *
 * Since: 1.0
 */
AgenGenerator *
agen_share_get_source (AgenShare *self)
{
  g_return_val_if_fail (AGEN_IS_SHARE (self), NULL);

  return agen_share_pull (self)->source;
}

/**
 * agen_share_get_buffer_size:
 * @self: an #AgenShare
 *
 * Gets how many items the share holds at most.
 *
 * Returns: the #AgenShare:buffer-size
 *
 * Since: 1.0
 */
guint
agen_share_get_buffer_size (AgenShare *self)
{
  g_return_val_if_fail (AGEN_IS_SHARE (self), 0);

  return self->buffer_size;
}

/**
 * agen_share_set_buffer_size:
 * @self: an #AgenShare
 * @buffer_size: how many items the share holds at most, at least 1
 *
 * Sets the #AgenShare:buffer-size. A smaller size than the items held
 * now makes the share pull again only once the branches have read enough
 * of them.
 *
 * Since: 1.0
 */
void
agen_share_set_buffer_size (AgenShare *self,
                            guint      buffer_size)
{
  g_return_if_fail (AGEN_IS_SHARE (self));
  g_return_if_fail (buffer_size >= 1);

  if (self->buffer_size == buffer_size)
    return;

  self->buffer_size = buffer_size;
  agen_share_update_pull_limit (self);
  agen_share_wake_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUFFER_SIZE]);
}

/**
 * agen_share_get_n_buffered:
 * @self: an #AgenShare
 *
 * How many items the share holds now: read by some branch, not yet by
 * all. A branch read by agen_generator_foreach_async() reads its items
 * where the share holds them, until it asks for the next ones: they are
 * held until then. Never more than #AgenShare:buffer-size.
 *
 * Returns: the number of items held
 *
 * Since: 1.0
 */
guint
agen_share_get_n_buffered (AgenShare *self)
{
  g_return_val_if_fail (AGEN_IS_SHARE (self), 0);

  return agen_share_n_items (self);
}

static void
agen_share_finalize (GObject *object)
{
  AgenShare *self = AGEN_SHARE (object);

  /* The branches hold the share: none is alive. A source still suspended
   * in the share's hands is released, and its last unref closes it. */
  g_assert (self->branches->len == 0);
  g_ptr_array_unref (self->branches);
  self->buffer_size = 0;       /* every item is dropped */
  while (self->first < self->end)
    agen_share_value_drop (agen_share_item (self, self->first++));
  g_free (self->ring);
  g_slist_free_full (self->retired_rings, g_free);
  g_clear_error (&self->error);
  _agen_combinator_clear (&self->puller);

  G_OBJECT_CLASS (agen_share_parent_class)->finalize (object);
}

static void
agen_share_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  AgenShare *self = AGEN_SHARE (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, agen_share_get_source (self));
      break;
    case PROP_BUFFER_SIZE:
      g_value_set_uint (value, self->buffer_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_share_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  AgenShare *self = AGEN_SHARE (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      {
        AgenGenerator *source = g_value_get_object (value);

        if (source == NULL)
          break;
        _agen_combinator_init (&self->puller, &source, 1);
        self->puller.on_reply = agen_share_on_reply;
      }
      break;
    case PROP_BUFFER_SIZE:
      agen_share_set_buffer_size (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_share_constructed (GObject *object)
{
  AgenShare *self = AGEN_SHARE (object);

  G_OBJECT_CLASS (agen_share_parent_class)->constructed (object);

  /* Made without a source (g_object_new() from a binding): an empty
   * share, whose branches end at once. */
  if (self->puller.pulls == NULL)
    {
      AgenGenerator *none = NULL;

      g_critical ("An AgenShare needs a source");
      _agen_combinator_init (&self->puller, &none, 1);
      self->closed = TRUE;
      agen_share_stop (self);
    }
}

static void
agen_share_class_init (AgenShareClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = agen_share_constructed;
  object_class->finalize = agen_share_finalize;
  object_class->get_property = agen_share_get_property;
  object_class->set_property = agen_share_set_property;

  /**
   * AgenShare:source:
   *
   * The shared generator.
   *
   * Since: 1.0
   */
  properties[PROP_SOURCE] =
    g_param_spec_object ("source", "Source", "The shared generator",
                         AGEN_TYPE_GENERATOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenShare:buffer-size:
   *
   * How many items the share holds at most: items some branch has read
   * and another has not. When it is full, a branch that wants a newer item
   * waits for the slowest branch to read.
   *
   * Since: 1.0
   */
  properties[PROP_BUFFER_SIZE] =
    g_param_spec_uint ("buffer-size", "Buffer size", "How many items the share holds at most",
                       1, G_MAXUINT, AGEN_SHARE_DEFAULT_BUFFER_SIZE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
agen_share_init (AgenShare *self)
{
  self->branches = g_ptr_array_new ();
  self->plain_type = G_TYPE_NONE;
}
