/* agen-schedule.c: calls at a generator's priority, never starved
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-schedule-private.h"
#include "agen-tsan-private.h"

/* A generator's calls (a resumption, a foreach slice, a reply, a tick...)
 * have its priority, below G_PRIORITY_DEFAULT by default, so that a GTK
 * application handles input, layout and painting first. But GLib
 * dispatches only the most urgent of the ready sources: work of ordinary
 * priority that is always ready (asyncio on gbulb runs its callbacks at
 * G_PRIORITY_DEFAULT; a coroutine that polls with `await asyncio.sleep(0)`
 * keeps that priority busy) would hold them back for ever. So each main
 * context has a guard, a source at G_PRIORITY_DEFAULT that wakes when the
 * oldest waiting call has been ready for AGEN_SCHEDULE_GUARD_USEC, and
 * raises the calls that have to G_PRIORITY_DEFAULT: they then take their
 * turn with ordinary work. */

typedef struct _AgenGuard AgenGuard;

typedef struct
{
  GSource parent;
  AgenGuard *guard;            /* referenced, for a call below G_PRIORITY_DEFAULT */
  GList link;                  /* in guard->waiting, while waiting */
  gboolean waiting;            /* not dispatched nor raised yet; under guard->lock */
  gint64 attached;
} AgenCall;

struct _AgenGuard
{
  GSource parent;
  GMainContext *context;       /* not referenced: it owns the guard */
  GMutex lock;                 /* calls are attached from any thread */
  GQueue waiting;              /* of AgenCall, in the order they were attached */
};

G_LOCK_DEFINE_STATIC (guards);
static GHashTable *guards;    /* GMainContext * → AgenGuard * (attached to it) */

static gint64
agen_call_ready_since (AgenCall *call)
{
  return MAX (call->attached, g_source_get_ready_time (&call->parent));
}

/* Takes @call out of its guard's waiting calls: it was dispatched, or is
 * going. */
static void
agen_call_stop_waiting (AgenCall *call)
{
  AgenGuard *guard = call->guard;

  if (guard == NULL)
    return;

  /* The guard keeps its ready time when nothing is left to guard: it
   * wakes once for nothing, at most every AGEN_SCHEDULE_GUARD_USEC, where
   * clearing and setting it for every call would wake the context (a
   * write to its eventfd) twice a call. */
  g_mutex_lock (&guard->lock);
  if (call->waiting)
    {
      g_queue_unlink (&guard->waiting, &call->link);
      call->waiting = FALSE;
    }
  g_mutex_unlock (&guard->lock);
}

static gboolean
agen_call_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  __tsan_acquire (source);     /* what the attaching thread wrote before */
  agen_call_stop_waiting ((AgenCall *) source);
  callback (user_data);
  return G_SOURCE_REMOVE;
}

static void
agen_call_finalize (GSource *source)
{
  AgenCall *call = (AgenCall *) source;

  agen_call_stop_waiting (call);
  if (call->guard != NULL)
    g_source_unref (&call->guard->parent);
}

static GSourceFuncs agen_call_funcs = {
  .dispatch = agen_call_dispatch,
  .finalize = agen_call_finalize,
};

/* Raises the calls that have been ready long enough; wakes again when the
 * next one will have. */
static gboolean
agen_guard_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  AgenGuard *guard = (AgenGuard *) source;
  gint64 now = g_source_get_time (source);
  gint64 next = -1;
  GList *l;

  g_mutex_lock (&guard->lock);
  l = guard->waiting.head;
  while (l != NULL)
    {
      AgenCall *call = l->data;
      gint64 due = agen_call_ready_since (call) + AGEN_SCHEDULE_GUARD_USEC;

      l = l->next;
      if (due <= now)
        {
          g_queue_unlink (&guard->waiting, &call->link);
          call->waiting = FALSE;
          g_source_set_priority (&call->parent, G_PRIORITY_DEFAULT);
        }
      else if (next == -1 || due < next)
        next = due;
    }
  g_source_set_ready_time (source, next);
  g_mutex_unlock (&guard->lock);

  return G_SOURCE_CONTINUE;
}

static void
agen_guard_finalize (GSource *source)
{
  AgenGuard *guard = (AgenGuard *) source;

  G_LOCK (guards);
  g_hash_table_remove (guards, guard->context);
  G_UNLOCK (guards);
  g_mutex_clear (&guard->lock);
}

static GSourceFuncs agen_guard_funcs = {
  .dispatch = agen_guard_dispatch,
  .finalize = agen_guard_finalize,
};

/* The guard of @context, referenced; made on first use, attached to
 * @context, which destroys it when it goes: then it leaves the table,
 * before another context can be made at the same address. */
static AgenGuard *
agen_guard_ref (GMainContext *context)
{
  AgenGuard *guard;

  G_LOCK (guards);
  if (guards == NULL)
    guards = g_hash_table_new (NULL, NULL);
  guard = g_hash_table_lookup (guards, context);
  if (guard == NULL)
    {
      guard = (AgenGuard *) g_source_new (&agen_guard_funcs, sizeof (AgenGuard));
      guard->context = context;
      g_mutex_init (&guard->lock);
      g_source_set_priority (&guard->parent, G_PRIORITY_DEFAULT);
      g_source_set_static_name (&guard->parent, "[agen] priority guard");
      g_source_attach (&guard->parent, context);
      g_hash_table_insert (guards, context, guard);
    }
  else
    g_source_ref (&guard->parent);
  G_UNLOCK (guards);

  return guard;
}

/*
 * _agen_call_source_new:
 *
 * One call of `func (data)` at @priority: ready at once (an idle), or from
 * the ready time set with g_source_set_ready_time() (a timer). Attach it
 * with _agen_call_attach(); it is destroyed once it has run.
 */
GSource *
_agen_call_source_new (int             priority,
                       const char     *name,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  destroy)
{
  GSource *source = g_source_new (&agen_call_funcs, sizeof (AgenCall));

  g_source_set_priority (source, priority);
  g_source_set_static_name (source, name);
  g_source_set_callback (source, func, data, destroy);
  /* Ready at once, as an idle, until a caller sets a later time. */
  g_source_set_ready_time (source, 0);
  return source;
}

/*
 * _agen_call_attach:
 *
 * Attaches @call to @context; below %G_PRIORITY_DEFAULT, the guard of
 * @context raises it to %G_PRIORITY_DEFAULT should it wait, ready, for
 * AGEN_SCHEDULE_GUARD_USEC.
 */
void
_agen_call_attach (GSource      *source,
                   GMainContext *context)
{
  AgenCall *call = (AgenCall *) source;
  AgenGuard *guard;
  gint64 due;

  /* The call's data, written by this thread, is read where it is
   * dispatched: the context's lock orders the two. */
  __tsan_release (source);
  if (g_source_get_priority (source) <= G_PRIORITY_DEFAULT)
    {
      g_source_attach (source, context);
      return;
    }

  /* Guarded before it is attached: from another thread, it may be
   * dispatched as soon as it is. */
  guard = agen_guard_ref (context);
  call->guard = guard;
  call->attached = g_get_monotonic_time ();
  call->link.data = call;
  due = agen_call_ready_since (call) + AGEN_SCHEDULE_GUARD_USEC;

  g_mutex_lock (&guard->lock);
  g_queue_push_tail_link (&guard->waiting, &call->link);
  call->waiting = TRUE;
  if (g_source_get_ready_time (&guard->parent) == -1 || g_source_get_ready_time (&guard->parent) > due)
    g_source_set_ready_time (&guard->parent, due);
  g_mutex_unlock (&guard->lock);

  g_source_attach (source, context);
}
