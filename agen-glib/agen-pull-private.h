/* agen-pull-private.h: what every combinator shares
 *
 * Included by the combinators (agen-combinators-*.c) and agen-pull.c,
 * which implements it: the pull of one source (a step of an operation held
 * on it), and a combinator's life around its pulls: waiting for a reply,
 * failing, and closing its sources before it finishes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-combinators.h"
#include "agen-macros.h"
#include "agen-operation-private.h"

G_BEGIN_DECLS

typedef struct _AgenCombinator AgenCombinator;

typedef enum
{
  AGEN_PULL_IDLE,        /* nothing asked, nothing to take */
  AGEN_PULL_IN_FLIGHT,   /* asked; the reply wakes the combinator's body */
  AGEN_PULL_REPLIED,     /* the reply is in reply (and item) */
} AgenPullState;

typedef struct
{
  AgenCombinator *combinator;  /* owns this */
  AgenGenerator *source;       /* owned; NULL in an empty slot */
  GCancellable *cancellable;   /* of the operation held on the source; owned */
  AgenPullState state;
  AgenReply reply;             /* REPLIED; reply.item unused when the item is in place */
  GValue *item;                /* REPLIED with an item: &reply.item, or in place in the
                                * source's yield slot, which a yield of the combinator
                                * may trade for its own (_agen_generator_yield_swap()) */
  guint64 arrival;             /* REPLIED: its rank in the order replies came in */
  gint64 arrival_time;         /* REPLIED after being in flight: when */
  guint held : 1;              /* an operation on the source is ours */
  guint cancelled : 1;         /* its cancellable was cancelled */
  guint close_asked : 1;
  guint ended : 1;             /* the source finished (merge) */
} AgenPull;

struct _AgenCombinator
{
  AgenGenerator *generator;    /* not owned: it owns this */
  AgenPull *pulls;
  guint n_pulls;
  guint await_id;              /* while the body waits for a reply */
  void (*on_reply) (AgenCombinator *comb); /* when set, a reply that comes
                                            * later calls it instead of
                                            * resuming the body (share) */
  guint64 n_arrivals;
  GError *caught;              /* thrown in at the last yield or wait */
  GError *error;               /* to raise once the sources are closed */
  guint n_closed;              /* sources closed so far, while finishing */
  gboolean closing;
  gboolean yields_tuples;      /* several values at once go as an AgenTuple */
};

/* g_value_unset() for a GValue that may be unset. Not G_IS_VALUE(): it takes
 * GType's lock, a cost on the path of every item. */
static inline void
agen_value_clear (GValue *value)
{
  if (G_VALUE_TYPE (value) != 0)
    g_value_unset (value);
}

/* Yields @item (a GValue *) by trading places with the yield slot: no copy
 * per stage. @item holds an earlier item afterwards. What is thrown in at
 * the resumption goes to comb->caught. A macro, as AGEN_YIELD_CATCH() is:
 * it stands on a line of its own in a body. */
#define AGEN_COMBINATOR_YIELD(self, comb, item) \
  _AGEN_SUSPEND_AFTER_CATCH ((self), _agen_generator_yield_swap ((self), (item)), &(comb)->caught)

/* Waits (suspends the body) until _agen_combinator_wake(). */
#define AGEN_COMBINATOR_WAIT(self, comb)                                          \
  G_STMT_START                                                                    \
    {                                                                             \
      AGEN_AWAIT_CATCH ((self), _agen_combinator_wait (comb), &(comb)->caught);   \
      _agen_combinator_woken (comb);                                               \
    }                                                                             \
  G_STMT_END

/* The end of every combinator's body: closes its sources (waiting for
 * them), then raises its first failure or returns. It ends the body, as
 * AGEN_END() does. */
#define AGEN_COMBINATOR_FINISH(self, comb)                                        \
  while (!_agen_combinator_close_sources (comb))                                  \
    AGEN_COMBINATOR_WAIT ((self), (comb));                                        \
  if (_agen_combinator_raise (comb))                                              \
    return;                                                                       \
  AGEN_END (self)

void           _agen_pull_clear                (AgenPull         *pull);
void           _agen_pull_step                 (AgenPull         *pull,
                                                AgenOpKind        kind,
                                                const GError     *error);
void           _agen_pull_start_next           (AgenPull         *pull);
gboolean       _agen_pull_cancel               (AgenPull         *pull);
GError        *_agen_pull_take_error           (AgenPull         *pull);

gboolean       _agen_combinator_sources_are_valid (AgenGenerator * const *sources,
                                                   guint                  n_sources);
void           _agen_combinator_init           (AgenCombinator        *comb,
                                                AgenGenerator * const *sources,
                                                guint                  n_sources);
void           _agen_combinator_clear          (AgenCombinator        *comb);
void           _agen_combinator_take_source    (AgenCombinator        *comb,
                                                AgenGenerator         *source);
AgenGenerator *_agen_combinator_new            (AgenCombinator        *comb,
                                                const char            *what,
                                                AgenBodyFunc           body,
                                                GDestroyNotify         free_func);
AgenPull      *_agen_combinator_first_reply    (AgenCombinator        *comb,
                                                gboolean               only_ends);
gboolean       _agen_combinator_any_in_flight  (AgenCombinator        *comb);
void           _agen_combinator_wait           (AgenCombinator        *comb);
void           _agen_combinator_wake           (AgenCombinator        *comb);
void           _agen_combinator_woken          (AgenCombinator        *comb);
void           _agen_combinator_fail           (AgenCombinator        *comb,
                                                GError                *error);
void           _agen_combinator_fail_pull      (AgenCombinator        *comb,
                                                AgenPull              *pull);
gboolean       _agen_combinator_take_exit      (AgenCombinator        *comb);
gboolean       _agen_combinator_close_pull     (AgenCombinator        *comb,
                                                AgenPull              *pull);
void           _agen_pull_set_source           (AgenPull              *pull,
                                                AgenGenerator         *source);
gboolean       _agen_combinator_close_sources  (AgenCombinator        *comb);
gboolean       _agen_combinator_raise          (AgenCombinator        *comb);
void           _agen_combinator_take_items     (AgenCombinator        *comb,
                                                GValue                *value,
                                                GValueArray           *items);

/* A next whose item, when the source yields at once, stays where the
 * source's body put it: %TRUE with @item, valid until the source's next
 * step, and the pull stays IDLE. Otherwise %FALSE, and the pull is as
 * after _agen_pull_step(). For a combinator that copies the item anyway
 * (share): no reply to fill and clear. Inlined: it is on the path of
 * every item. */
static inline gboolean
_agen_pull_next_in_place (AgenPull      *pull,
                          const GValue **item)
{
  if (pull->state == AGEN_PULL_REPLIED)
    _agen_pull_clear (pull);

  if (G_UNLIKELY (!pull->held))
    {
      _agen_pull_start_next (pull);
      return FALSE;
    }
  if (G_LIKELY (_agen_generator_next_in_place (pull->source, item)))
    return TRUE;
  if (pull->state == AGEN_PULL_IDLE)
    pull->state = AGEN_PULL_IN_FLIGHT;
  return FALSE;
}

G_END_DECLS
