/* test-stress.c: very many generators, random operations, and the books balance
 *
 * Each test builds a "world": an array of slots, one per generator, in one
 * GMainContext. A slot is also its generator's body data, so that a million
 * generators cost a generator, a weak reference and a small slot each. The
 * bodies are programs chosen at random when the slot is made (yield, await an
 * open gate, which completes at the next dispatch like an idle, or await a
 * gate the test keeps closed; what to do with a thrown error and with a
 * close), and the test drives them in rounds of random operations (next,
 * send, throw, close, a second operation while one is in flight, an
 * operation with a cancellable that is cancelled before it starts or while
 * the body awaits, and unrefs).
 *
 * At the end every generator must be finalised exactly once, every deferred
 * cleanup must have run exactly once, the body data must have been destroyed
 * exactly once, and every callback must have been called exactly once. Each
 * callback also checks the GAsyncResult rules and what the contract promises
 * for the operation given the state the generator was in when it started.
 *
 * All randomness comes from GRands seeded from one seed, printed at the
 * start of each test; set AGEN_STRESS_SEED to replay another one.
 * AGEN_STRESS_GENERATORS overrides the million of /stress/million (for a
 * quick run under a sanitizer). These tests are the suite 'stress', not 'c':
 * a million generators under valgrind would take hours.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

#define DEFAULT_SEED 525u

static guint32
stress_seed (void)
{
  const char *env = g_getenv ("AGEN_STRESS_SEED");

  if (env != NULL && *env != '\0')
    return (guint32) g_ascii_strtoull (env, NULL, 0);
  return DEFAULT_SEED;
}

static guint
stress_n_generators (guint n)
{
  const char *env = g_getenv ("AGEN_STRESS_GENERATORS");

  if (env != NULL && g_ascii_strtoull (env, NULL, 10) > 0)
    return (guint) g_ascii_strtoull (env, NULL, 10);
  return n;
}

/* The peak resident set of the process so far, in MiB, for the log. */
static guint
peak_rss_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmHWM:");
  if (line == NULL)
    return 0;
  return (guint) (g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10) / 1024);
}

/* ================================================================ the world */

typedef enum
{
  STEP_YIELD,         /* yield_int (step index) */
  STEP_IDLE,          /* await the open gate: completes at the next dispatch */
  STEP_GATE,          /* await the closed gate, which ignores the cancellable */
  STEP_GATE_HONOUR,   /* await the closed gate with the body's cancellable */
} StepKind;

#define MAX_STEPS 8

/* A thrown error (by throw, or a cancellation at an await), not EXIT. */
typedef enum
{
  ON_ERROR_PROPAGATE,
  ON_ERROR_CONTINUE,  /* catch it and go on with the next step */
  ON_ERROR_RETURN,    /* catch it and return */
  ON_ERROR_RAISE,     /* catch it and raise another error */
} OnError;

/* AGEN_ERROR_EXIT (by close, or a plain throw of it). A body that raises
 * another error or yields during a close is left out: on a last unref that
 * close would fail and log a g_warning, which a test cannot tell from a bug. */
typedef enum
{
  ON_EXIT_PROPAGATE,
  ON_EXIT_RETURN,
  ON_EXIT_CLEANUP_AWAITS, /* catch it, await the open gate, then return */
} OnExit;

typedef struct _World World;

typedef struct
{
  World *world;
  AgenGenerator *gen;        /* the test's reference; NULL once dropped */
  guint n_finalized;         /* agen_test_count_finalize () */
  guint16 steps;             /* MAX_STEPS StepKinds, two bits each */
  guint8 n_steps;            /* 1 to MAX_STEPS */
  guint8 on_error : 2;
  guint8 on_exit : 2;
  guint8 end_raises : 1;
  guint8 in_cleanup : 1;     /* awaiting in its close cleanup */
  guint8 n_deferred;         /* cleanups the body deferred */
  guint8 n_cleanups;         /* ... that ran */
  guint8 n_destroyed;        /* user_data_destroy calls */
  guint8 tag;                /* for the test's own use */
} Slot;

typedef enum
{
  EXPECT_ANY,
  EXPECT_PENDING,            /* started while another operation was in flight */
  EXPECT_CANCELLED,          /* cancelled before it started */
  EXPECT_NOT_STARTED,        /* a send to a generator that has not started */
  EXPECT_END,                /* next/send/throw on a finished generator: FALSE, no error */
  EXPECT_CLOSED,             /* close before start or when finished: TRUE */
  EXPECT_THROWN,             /* throw before start: FALSE + the thrown error */
} Expect;

typedef struct
{
  Slot *slot;
  GCancellable *cancellable; /* owned until the callback */
  guint8 op;                 /* an AgenTestOp */
  guint8 expect;             /* an Expect */
  guint8 started;            /* the _async call returned */
  guint8 n_callbacks;
  guint8 throws_exit;        /* a throw of AGEN_ERROR_EXIT */
} Call;

#define CALLS_PER_CHUNK 65536

/* The closed gate is sharded: a gate removes a cancelled waiter from a list,
 * which would make cancellations quadratic with one gate for a million. */
#define N_GATES 256

struct _World
{
  const char *name;
  GMainContext *context;
  GRand *rand;
  AgenTestGate *idle;           /* open */
  AgenTestGate *gates[N_GATES]; /* closed until the end; slot i awaits gate i % N_GATES */
  GError *thrown;
  GError *thrown_exit;

  Slot *slots;
  guint n_slots;
  GPtrArray *chunks;         /* of Call[CALLS_PER_CHUNK] */
  guint n_calls;

  /* Tallies, for the log and for checks. */
  guint n_body_calls;
  guint n_items;
  guint n_ends;
  guint n_errors;
  guint n_pending;
  guint n_cancelled;
  guint n_cancel_requests;
  guint n_unrefs;
};

static World *
world_new (const char *name,
           guint       n_slots,
           guint32     seed)
{
  World *w = g_new0 (World, 1);

  w->name = name;
  w->context = g_main_context_ref_thread_default ();
  w->rand = g_rand_new_with_seed (seed);
  w->idle = agen_test_gate_new ();
  agen_test_gate_leave_open (w->idle);
  for (guint i = 0; i < N_GATES; i++)
    w->gates[i] = agen_test_gate_new ();
  w->thrown = g_error_new (AGEN_TEST_ERROR, 7, "thrown in by the stress test");
  w->thrown_exit = g_error_new (AGEN_ERROR, AGEN_ERROR_EXIT, "a plain throw of EXIT");
  w->n_slots = n_slots;
  w->slots = g_new0 (Slot, n_slots);
  w->chunks = g_ptr_array_new_with_free_func (g_free);
  return w;
}

static void
world_free (World *w)
{
  g_object_unref (w->idle);
  for (guint i = 0; i < N_GATES; i++)
    {
      g_assert_cmpuint (agen_test_gate_get_n_waiters (w->gates[i]), ==, 0);
      g_object_unref (w->gates[i]);
    }
  g_error_free (w->thrown);
  g_error_free (w->thrown_exit);
  g_free (w->slots);
  g_ptr_array_unref (w->chunks);
  g_rand_free (w->rand);
  g_main_context_unref (w->context);
  g_free (w);
}

static Call *
world_call (World *w,
            guint  i)
{
  return &((Call *) w->chunks->pdata[i / CALLS_PER_CHUNK])[i % CALLS_PER_CHUNK];
}

static Call *
world_new_call (World *w)
{
  if (w->n_calls % CALLS_PER_CHUNK == 0)
    g_ptr_array_add (w->chunks, g_new0 (Call, CALLS_PER_CHUNK));
  return world_call (w, w->n_calls++);
}

/* Dispatches until nothing is ready. Nothing here runs on a timer, so an
 * empty iteration means the world is quiet. */
static void
world_drain (World *w)
{
  guint n = 0;

  while (g_main_context_iteration (w->context, FALSE))
    g_assert_cmpuint (++n, <, 100000);
}

static StepKind
slot_step (const Slot *slot,
           guint       i)
{
  return (slot->steps >> (2 * i)) & 3;
}

/* ---------------------------------------------------------------- the body */

static void
slot_cleanup (gpointer data)
{
  Slot *slot = data;

  slot->n_cleanups++;
}

static void
slot_destroy (gpointer data)
{
  Slot *slot = data;

  slot->n_destroyed++;
}

static AgenTestGate *
slot_gate (const Slot *slot,
           StepKind    kind)
{
  World *w = slot->world;

  return kind == STEP_IDLE ? w->idle : w->gates[(slot - w->slots) % N_GATES];
}

static void
world_release_gates (World *w)
{
  for (guint i = 0; i < N_GATES; i++)
    agen_test_gate_open (w->gates[i]);
}

static void
world_open_gates (World *w)
{
  for (guint i = 0; i < N_GATES; i++)
    agen_test_gate_leave_open (w->gates[i]);
}

static guint
world_n_gate_waiters (World *w)
{
  guint n = 0;

  for (guint i = 0; i < N_GATES; i++)
    n += agen_test_gate_get_n_waiters (w->gates[i]);
  return n;
}

static void
stress_body (AgenGenerator *self,
             gpointer       user_data)
{
  Slot *slot = user_data;
  World *w = slot->world;
  guint rp = agen_generator_get_resume_point (self);
  guint next;

  /* Never after the body finished, always in its own context. */
  g_assert_cmpuint (slot->n_destroyed, ==, 0);
  g_assert_true (g_main_context_is_owner (w->context));
  g_assert_cmpint (agen_generator_get_state (self), ==, AGEN_GENERATOR_STATE_RUNNING);
  w->n_body_calls++;

  if (rp == 0)
    {
      agen_generator_defer (self, slot_cleanup, slot);
      slot->n_deferred++;
      next = 0;
    }
  else if (slot->in_cleanup)
    {
      /* Back from the await in the close cleanup; a cancellation of the
       * close there propagates. */
      GAsyncResult *result = agen_generator_get_result (self);

      if (result != NULL)
        g_assert_true (agen_test_gate_wait_finish (w->idle, result, NULL));
      if (agen_generator_peek_error (self) == NULL)
        agen_generator_return (self);
      return;
    }
  else
    {
      guint at = rp - 1;
      StepKind kind = slot_step (slot, at);
      const GError *thrown;

      if (kind != STEP_YIELD)
        {
          GAsyncResult *result = agen_generator_get_result (self);

          /* A NULL result only when a cancellation ended the await. */
          if (result != NULL)
            g_assert_true (agen_test_gate_wait_finish (slot_gate (slot, kind), result, NULL));
          else
            g_assert_error (agen_generator_peek_error (self), G_IO_ERROR, G_IO_ERROR_CANCELLED);
        }

      thrown = agen_generator_peek_error (self);
      if (thrown != NULL && g_error_matches (thrown, AGEN_ERROR, AGEN_ERROR_EXIT))
        {
          switch (slot->on_exit)
            {
            case ON_EXIT_PROPAGATE:
              return;
            case ON_EXIT_RETURN:
              g_assert_true (agen_generator_catch (self, NULL));
              agen_generator_return (self);
              return;
            case ON_EXIT_CLEANUP_AWAITS:
              g_assert_true (agen_generator_catch (self, NULL));
              slot->in_cleanup = TRUE;
              agen_test_gate_wait_ignoring_cancel_async (w->idle, NULL, agen_generator_ready,
                                                         agen_generator_await (self));
              return;
            default:
              g_assert_not_reached ();
            }
        }
      else if (thrown != NULL)
        {
          switch (slot->on_error)
            {
            case ON_ERROR_PROPAGATE:
              return;
            case ON_ERROR_CONTINUE:
              g_assert_true (agen_generator_catch (self, NULL));
              break;
            case ON_ERROR_RETURN:
              g_assert_true (agen_generator_catch (self, NULL));
              agen_generator_return (self);
              return;
            case ON_ERROR_RAISE:
              g_assert_true (agen_generator_catch (self, NULL));
              agen_generator_raise (self, g_error_new (AGEN_TEST_ERROR, 99, "raised instead"));
              return;
            default:
              g_assert_not_reached ();
            }
        }
      next = at + 1;
    }

  if (next >= slot->n_steps)
    {
      if (slot->end_raises)
        agen_generator_raise (self, g_error_new (AGEN_TEST_ERROR, 42, "raised at the end"));
      else
        agen_generator_return (self);
      return;
    }

  switch (slot_step (slot, next))
    {
    case STEP_YIELD:
      agen_generator_yield_int (self, (gint) next);
      break;
    case STEP_IDLE:
      agen_test_gate_wait_ignoring_cancel_async (w->idle, NULL, agen_generator_ready,
                                                 agen_generator_await (self));
      break;
    case STEP_GATE:
      agen_test_gate_wait_ignoring_cancel_async (slot_gate (slot, STEP_GATE), NULL, agen_generator_ready,
                                                 agen_generator_await (self));
      break;
    case STEP_GATE_HONOUR:
      agen_test_gate_wait_async (slot_gate (slot, STEP_GATE), agen_generator_get_cancellable (self),
                                 agen_generator_ready, agen_generator_await (self));
      break;
    default:
      g_assert_not_reached ();
    }
  agen_generator_set_resume_point (self, next + 1);
}

/* Makes the generator of @slot, with the program given. */
static void
slot_init (World   *w,
           Slot    *slot,
           guint    n_steps,
           guint16  steps,
           OnError  on_error,
           OnExit   on_exit,
           gboolean end_raises)
{
  g_assert_cmpuint (n_steps, >=, 1);
  g_assert_cmpuint (n_steps, <=, MAX_STEPS);

  slot->world = w;
  slot->n_steps = n_steps;
  slot->steps = steps;
  slot->on_error = on_error;
  slot->on_exit = on_exit;
  slot->end_raises = end_raises;
  slot->gen = agen_generator_new (stress_body, slot, slot_destroy);
  agen_test_count_finalize (slot->gen, &slot->n_finalized);
}

/* ... with a random program. */
static void
slot_init_random (World *w,
                  Slot  *slot)
{
  guint n_steps = g_rand_int_range (w->rand, 1, MAX_STEPS + 1);
  guint16 steps = 0;
  gdouble r;
  OnExit on_exit;

  for (guint i = 0; i < n_steps; i++)
    {
      StepKind kind;

      r = g_rand_double (w->rand);
      kind = r < 0.60 ? STEP_YIELD : r < 0.75 ? STEP_IDLE : r < 0.90 ? STEP_GATE : STEP_GATE_HONOUR;
      steps |= kind << (2 * i);
    }
  r = g_rand_double (w->rand);
  on_exit = r < 0.5 ? ON_EXIT_PROPAGATE : r < 0.8 ? ON_EXIT_RETURN : ON_EXIT_CLEANUP_AWAITS;

  slot_init (w, slot, n_steps, steps,
             g_rand_int_range (w->rand, 0, 4), on_exit,
             g_rand_double (w->rand) < 0.1);
}

/* ------------------------------------------------------------ operations */

static void
stress_call_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Call *call = user_data;
  Slot *slot = call->slot;
  World *w = slot->world;
  AgenGenerator *gen = AGEN_GENERATOR (source);
  GValue item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ret;

  /* The GAsyncResult contract. */
  g_assert_true (call->started);
  g_assert_cmpuint (call->n_callbacks, ==, 0);
  call->n_callbacks++;
  g_assert_true (g_main_context_is_owner (w->context));
  g_assert_true (g_main_context_get_thread_default () == w->context);

  switch (call->op)
    {
    case AGEN_TEST_OP_NEXT:
      ret = agen_generator_next_finish (gen, result, &item, &error);
      break;
    case AGEN_TEST_OP_SEND:
      ret = agen_generator_send_finish (gen, result, &item, &error);
      break;
    case AGEN_TEST_OP_THROW:
      ret = agen_generator_throw_finish (gen, result, &item, &error);
      break;
    case AGEN_TEST_OP_CLOSE:
      ret = agen_generator_close_finish (gen, result, &error);
      g_assert_true (ret == (error == NULL));
      break;
    default:
      g_assert_not_reached ();
    }

  if (call->op != AGEN_TEST_OP_CLOSE)
    {
      /* The out item is always initialised; the bodies yield ints. */
      g_assert_true (G_IS_VALUE (&item));
      if (ret)
        {
          g_assert_no_error (error);
          g_assert_true (G_VALUE_HOLDS_INT (&item));
          g_assert_cmpint (g_value_get_int (&item), >=, 0);
          g_assert_cmpint (g_value_get_int (&item), <, slot->n_steps);
        }
      else
        agen_test_assert_item_none (&item);
    }

  switch (call->expect)
    {
    case EXPECT_ANY:
      break;
    case EXPECT_PENDING:
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
      g_assert_false (ret);
      break;
    case EXPECT_CANCELLED:
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_false (ret);
      break;
    case EXPECT_NOT_STARTED:
      g_assert_error (error, AGEN_ERROR, AGEN_ERROR_NOT_STARTED);
      g_assert_false (ret);
      g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_CREATED);
      break;
    case EXPECT_END:
      g_assert_no_error (error);
      g_assert_false (ret);
      break;
    case EXPECT_CLOSED:
      g_assert_no_error (error);
      g_assert_true (ret);
      g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
      break;
    case EXPECT_THROWN:
      if (call->throws_exit)
        g_assert_error (error, AGEN_ERROR, AGEN_ERROR_EXIT);
      else
        g_assert_error (error, AGEN_TEST_ERROR, 7);
      g_assert_false (ret);
      g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
      g_assert_cmpuint (slot->n_deferred, ==, 0);   /* the body never ran */
      break;
    default:
      g_assert_not_reached ();
    }

  /* Outcomes the contract rules out whatever the operation. */
  if (error != NULL)
    {
      g_assert_false (g_error_matches (error, AGEN_ERROR, AGEN_ERROR_INVALID_BODY));
      g_assert_false (g_error_matches (error, AGEN_ERROR, AGEN_ERROR_WRONG_CONTEXT));
      g_assert_false (g_error_matches (error, AGEN_ERROR, AGEN_ERROR_IGNORED_EXIT));
    }
  if (call->op == AGEN_TEST_OP_CLOSE && call->expect == EXPECT_ANY)
    {
      /* A started generator is finished once its close is over, whether
       * the close succeeded, failed or was cancelled. */
      g_assert_cmpint (agen_generator_get_state (gen), ==, AGEN_GENERATOR_STATE_FINISHED);
    }

  /* Cleanups ran, and the body data was destroyed, before the callback of
   * the operation during which the body finished. */
  if (agen_generator_get_state (gen) == AGEN_GENERATOR_STATE_FINISHED)
    {
      g_assert_cmpuint (slot->n_cleanups, ==, slot->n_deferred);
      g_assert_cmpuint (slot->n_destroyed, ==, 1);
    }
  else
    g_assert_cmpuint (slot->n_cleanups, ==, 0);

  if (ret && call->op != AGEN_TEST_OP_CLOSE)
    w->n_items++;
  else if (error == NULL)
    w->n_ends++;
  else
    {
      w->n_errors++;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        w->n_pending++;
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        w->n_cancelled++;
    }

  if (G_IS_VALUE (&item))
    g_value_unset (&item);
  g_clear_error (&error);
  g_clear_object (&call->cancellable);
}

/* Starts @op on the generator of @slot, and works out what the contract
 * promises from the state it is in. */
static void
world_start (World      *w,
             Slot       *slot,
             AgenTestOp  op,
             gboolean    with_cancellable,
             gboolean    precancelled)
{
  Call *call = world_new_call (w);
  AgenGeneratorState state = agen_generator_get_state (slot->gen);
  GValue value = G_VALUE_INIT;

  call->slot = slot;
  call->op = op;
  if (with_cancellable || precancelled)
    call->cancellable = g_cancellable_new ();
  if (precancelled)
    g_cancellable_cancel (call->cancellable);
  if (op == AGEN_TEST_OP_THROW)
    call->throws_exit = g_rand_double (w->rand) < 0.2;

  if (precancelled)
    call->expect = EXPECT_CANCELLED;
  else if (state == AGEN_GENERATOR_STATE_RUNNING)
    call->expect = EXPECT_PENDING;
  else if (state == AGEN_GENERATOR_STATE_FINISHED)
    call->expect = op == AGEN_TEST_OP_CLOSE ? EXPECT_CLOSED : EXPECT_END;
  else if (state == AGEN_GENERATOR_STATE_CREATED)
    call->expect = op == AGEN_TEST_OP_SEND ? EXPECT_NOT_STARTED :
                   op == AGEN_TEST_OP_CLOSE ? EXPECT_CLOSED :
                   op == AGEN_TEST_OP_THROW ? EXPECT_THROWN : EXPECT_ANY;
  else
    call->expect = EXPECT_ANY;

  switch (op)
    {
    case AGEN_TEST_OP_NEXT:
      agen_generator_next_async (slot->gen, call->cancellable, stress_call_cb, call);
      break;
    case AGEN_TEST_OP_SEND:
      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, 17);
      agen_generator_send_async (slot->gen, &value, call->cancellable, stress_call_cb, call);
      g_value_unset (&value);
      break;
    case AGEN_TEST_OP_THROW:
      agen_generator_throw_async (slot->gen, call->throws_exit ? w->thrown_exit : w->thrown,
                                  call->cancellable, stress_call_cb, call);
      break;
    case AGEN_TEST_OP_CLOSE:
      agen_generator_close_async (slot->gen, call->cancellable, stress_call_cb, call);
      break;
    default:
      g_assert_not_reached ();
    }
  call->started = TRUE;
  /* Never before _async returned. */
  g_assert_cmpuint (call->n_callbacks, ==, 0);
}

/* One round: a random operation (or none, or an unref) for each slot, then
 * the main loop, then cancellation of some of the operations still in
 * flight, then the main loop again. */
static void
world_round (World *w)
{
  for (guint i = 0; i < w->n_slots; i++)
    {
      Slot *slot = &w->slots[i];
      gdouble r;
      AgenTestOp op;

      if (slot->gen == NULL)
        continue;

      r = g_rand_double (w->rand);
      if (r < 0.04)
        {
          g_clear_object (&slot->gen);
          w->n_unrefs++;
          continue;
        }
      if (r < 0.12)
        continue;

      r = g_rand_double (w->rand);
      op = r < 0.45 ? AGEN_TEST_OP_NEXT : r < 0.65 ? AGEN_TEST_OP_SEND : r < 0.85 ? AGEN_TEST_OP_THROW : AGEN_TEST_OP_CLOSE;
      r = g_rand_double (w->rand);
      world_start (w, slot, op, r < 0.25, r >= 0.25 && r < 0.27);
    }
  world_drain (w);

  for (guint i = 0; i < w->n_calls; i++)
    {
      Call *call = world_call (w, i);

      if (call->n_callbacks == 0 && call->cancellable != NULL &&
          !g_cancellable_is_cancelled (call->cancellable) &&
          g_rand_double (w->rand) < 0.5)
        {
          g_cancellable_cancel (call->cancellable);
          w->n_cancel_requests++;
        }
    }
  world_drain (w);
}

/* Drops every reference, opens the gate, runs the main loop until it is
 * quiet, and checks the books. Returns a summary for the log. */
static char *
world_finish (World *w)
{
  guint n_deferred = 0;

  for (guint i = 0; i < w->n_slots; i++)
    if (w->slots[i].gen != NULL)
      {
        g_clear_object (&w->slots[i].gen);
        w->n_unrefs++;
      }
  world_open_gates (w);
  world_drain (w);

  for (guint i = 0; i < w->n_slots; i++)
    {
      Slot *slot = &w->slots[i];

      if (slot->n_finalized != 1 || slot->n_destroyed != 1 || slot->n_cleanups != slot->n_deferred)
        g_error ("%s: generator %u: finalised %u times, data destroyed %u times, "
                 "%u of %u cleanups ran", w->name, i, slot->n_finalized, slot->n_destroyed,
                 slot->n_cleanups, slot->n_deferred);
      g_assert_cmpuint (slot->n_deferred, <=, 1);
      n_deferred += slot->n_deferred;
    }

  for (guint i = 0; i < w->n_calls; i++)
    {
      Call *call = world_call (w, i);

      if (call->n_callbacks != 1)
        g_error ("%s: call %u (op %u on generator %u): callback called %u times", w->name, i,
                 call->op, (guint) (call->slot - w->slots), call->n_callbacks);
      g_assert_null (call->cancellable);
    }

  return g_strdup_printf ("%s: %u generators (%u started), %u operations, %u body calls: "
                          "%u items, %u ends, %u errors (%u PENDING, %u CANCELLED), "
                          "%u cancels, %u unrefs",
                          w->name, w->n_slots, n_deferred, w->n_calls, w->n_body_calls,
                          w->n_items, w->n_ends, w->n_errors, w->n_pending, w->n_cancelled,
                          w->n_cancel_requests, w->n_unrefs);
}

/* Makes random generators, drives them for @n_rounds and checks the books. */
static char *
world_run (World *w,
           guint  n_rounds)
{
  char *summary;

  for (guint i = 0; i < w->n_slots; i++)
    slot_init_random (w, &w->slots[i]);

  for (guint round = 0; round < n_rounds; round++)
    {
      world_round (w);
      /* Now and then the gate lets its current waiters through. */
      if (round % 2 == 1)
        {
          world_release_gates (w);
          world_drain (w);
        }
    }
  summary = world_finish (w);

  /* Every kind of outcome happened. */
  g_assert_cmpuint (w->n_items, >, 0);
  g_assert_cmpuint (w->n_ends, >, 0);
  g_assert_cmpuint (w->n_pending, >, 0);
  g_assert_cmpuint (w->n_cancelled, >, 0);
  g_assert_cmpuint (w->n_cancel_requests, >, 0);
  g_assert_cmpuint (w->n_unrefs, ==, w->n_slots);

  return summary;
}

/* ======================================================== a million at once */

static void
test_million (AgenTestFixture *fixture,
              gconstpointer    data)
{
  guint32 seed = stress_seed ();
  guint n = stress_n_generators (1000000);
  World *w = world_new ("million", n, seed);
  gint64 start = g_get_monotonic_time ();
  g_autofree char *summary = NULL;

  g_test_message ("seed %u (set AGEN_STRESS_SEED to change it), %u generators", seed, n);

  /* All of them exist before the first operation starts, and the first
   * round touches each one: the peak is n generators alive at once. */
  summary = world_run (w, 4);
  g_test_message ("%s", summary);
  world_free (w);

  g_test_message ("million: %.1f s, peak RSS %u MiB",
                  (g_get_monotonic_time () - start) / 1e6, peak_rss_mib ());
}

/* =============================================================== 8 threads */

#define N_THREADS 8
#define PER_THREAD 10000

typedef struct
{
  guint32 seed;
  char name[32];
  char *summary;
} ThreadJob;

static gpointer
thread_main (gpointer data)
{
  ThreadJob *job = data;
  GMainContext *context = g_main_context_new ();
  World *w;

  g_main_context_push_thread_default (context);
  w = world_new (job->name, PER_THREAD, job->seed);
  job->summary = world_run (w, 6);
  world_free (w);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_threads (void)
{
  guint32 seed = stress_seed ();
  ThreadJob jobs[N_THREADS];
  GThread *threads[N_THREADS];
  gint64 start = g_get_monotonic_time ();

  g_test_message ("seed %u (set AGEN_STRESS_SEED to change it); thread i uses seed + 1 + i", seed);

  for (guint i = 0; i < N_THREADS; i++)
    {
      jobs[i].seed = seed + 1 + i;
      g_snprintf (jobs[i].name, sizeof jobs[i].name, "thread %u", i);
      threads[i] = g_thread_new (jobs[i].name, thread_main, &jobs[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_thread_join (threads[i]);
      g_test_message ("%s", jobs[i].summary);
      g_free (jobs[i].summary);
    }

  g_test_message ("threads: %.1f s", (g_get_monotonic_time () - start) / 1e6);
}

/* ================================================================ shutdown */

#define N_AWAITING 5000
#define N_SUSPENDED 5000
#define N_UNSTARTED 1000
#define N_FINISHED 1000

typedef struct
{
  guint n_pending;
  guint n_other;
} CloseErrorCount;

static void
count_close_errors (AgenGenerator   *generator,
                    const GError    *error,
                    AgenCloseReason  reason,
                    gpointer         user_data)
{
  CloseErrorCount *count = user_data;

  if (reason == AGEN_CLOSE_REASON_SHUTDOWN && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    count->n_pending++;
  else
    {
      count->n_other++;
      g_printerr ("unexpected close error: %s\n", error->message);
    }
}

/* Shutdown with thousands of generators mid-await on a gate: their closes
 * fail with PENDING (each reported once), the suspended ones are
 * closed (their cleanups run before shutdown finishes, even the ones that
 * await), the unstarted and finished ones are left alone. Then the gate
 * opens, the references go, and everything is finalised with each cleanup
 * run exactly once. */
static void
test_shutdown_mid_await (AgenTestFixture *fixture,
                         gconstpointer    data)
{
  guint32 seed = stress_seed ();
  const guint n = N_AWAITING + N_SUSPENDED + N_UNSTARTED + N_FINISHED;
  World *w = world_new ("shutdown", n, seed);
  CloseErrorCount messages = { 0 };
  AgenTestCall shutdown = { 0 };
  guint first_call;
  g_autofree char *summary = NULL;

  g_test_message ("seed %u (set AGEN_STRESS_SEED to change it)", seed);

  /* Exactly so many of each kind, shuffled, so that the registry does not
   * hold them in blocks. */
  {
    guint8 *kinds = g_new (guint8, n);

    for (guint i = 0; i < n; i++)
      kinds[i] = i < N_AWAITING ? 0 : i < N_AWAITING + N_SUSPENDED ? 1 :
                 i < N_AWAITING + N_SUSPENDED + N_UNSTARTED ? 2 : 3;
    for (guint i = n - 1; i > 0; i--)
      {
        guint j = g_rand_int_range (w->rand, 0, i + 1);
        guint8 k = kinds[i];

        kinds[i] = kinds[j];
        kinds[j] = k;
      }

    for (guint i = 0; i < n; i++)
      {
        Slot *slot = &w->slots[i];
        OnExit on_exit = g_rand_int_range (w->rand, 0, 3);

        switch (kinds[i])
          {
          case 0:   /* awaits the gate, then yields */
            slot_init (w, slot, 3,
                       (g_rand_boolean (w->rand) ? STEP_GATE : STEP_GATE_HONOUR) |
                       STEP_YIELD << 2 | STEP_YIELD << 4,
                       ON_ERROR_PROPAGATE, on_exit, FALSE);
            break;
          case 1:   /* suspended at a yield */
            slot_init (w, slot, 2, STEP_YIELD | STEP_YIELD << 2, ON_ERROR_PROPAGATE, on_exit, FALSE);
            break;
          case 2:   /* never started */
          case 3:   /* finished */
            slot_init (w, slot, 1, STEP_YIELD, ON_ERROR_PROPAGATE, on_exit, FALSE);
            break;
          default:
            g_assert_not_reached ();
          }
        slot->tag = kinds[i];
      }
    g_free (kinds);
  }

  /* Bring each to its state: one next for the awaiting and the suspended,
   * a close for the finished. */
  for (guint i = 0; i < n; i++)
    {
      Slot *slot = &w->slots[i];
      guint kind = slot->tag;

      if (kind == 0 || kind == 1)
        world_start (w, slot, AGEN_TEST_OP_NEXT, FALSE, FALSE);
      else if (kind == 3)
        world_start (w, slot, AGEN_TEST_OP_CLOSE, FALSE, FALSE);
    }
  world_drain (w);

  {
    guint counts[4] = { 0 };

    for (guint i = 0; i < n; i++)
      {
        Slot *slot = &w->slots[i];
        guint kind = slot->tag;
        static const AgenGeneratorState expected[] = {
          AGEN_GENERATOR_STATE_RUNNING, AGEN_GENERATOR_STATE_SUSPENDED,
          AGEN_GENERATOR_STATE_CREATED, AGEN_GENERATOR_STATE_FINISHED,
        };

        g_assert_cmpint (agen_generator_get_state (slot->gen), ==, expected[kind]);
        counts[kind]++;
      }
    g_assert_cmpuint (counts[0], ==, N_AWAITING);
    g_assert_cmpuint (counts[1], ==, N_SUSPENDED);
    g_assert_cmpuint (counts[2], ==, N_UNSTARTED);
    g_assert_cmpuint (counts[3], ==, N_FINISHED);
    g_assert_cmpuint (world_n_gate_waiters (w), ==, counts[0]);

    first_call = w->n_calls;
    agen_set_close_error_func (count_close_errors, &messages, NULL);
    agen_test_start_shutdown (NULL, &shutdown);
    agen_test_call_wait (&shutdown);
    agen_set_close_error_func (NULL, NULL, NULL);

    /* FALSE with the first failure, which is a PENDING; one report per
     * generator mid-await, and no other. */
    g_assert_false (shutdown.ret);
    g_assert_error (shutdown.error, G_IO_ERROR, G_IO_ERROR_PENDING);
    g_assert_cmpuint (messages.n_pending, ==, counts[0]);
    g_assert_cmpuint (messages.n_other, ==, 0);
    agen_test_call_clear (&shutdown);
    g_assert_cmpuint (w->n_calls, ==, first_call);
  }

  for (guint i = 0; i < n; i++)
    {
      Slot *slot = &w->slots[i];
      guint kind = slot->tag;

      switch (kind)
        {
        case 0:   /* still mid-await, untouched */
          g_assert_cmpint (agen_generator_get_state (slot->gen), ==, AGEN_GENERATOR_STATE_RUNNING);
          g_assert_cmpuint (slot->n_cleanups, ==, 0);
          break;
        case 1:   /* closed: its cleanups ran */
          g_assert_cmpint (agen_generator_get_state (slot->gen), ==, AGEN_GENERATOR_STATE_FINISHED);
          g_assert_cmpuint (slot->n_cleanups, ==, 1);
          g_assert_cmpuint (slot->n_destroyed, ==, 1);
          break;
        case 2:   /* never started: shutdown leaves it alone */
          g_assert_cmpint (agen_generator_get_state (slot->gen), ==, AGEN_GENERATOR_STATE_CREATED);
          g_assert_cmpuint (slot->n_destroyed, ==, 0);
          break;
        case 3:
          g_assert_cmpint (agen_generator_get_state (slot->gen), ==, AGEN_GENERATOR_STATE_FINISHED);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  /* The gate opens: the awaiting generators yield their first item. */
  world_open_gates (w);
  world_drain (w);
  for (guint i = 0; i < n; i++)
    {
      Slot *slot = &w->slots[i];

      if (slot->n_deferred == 1 && slot->n_destroyed == 0)
        g_assert_cmpint (agen_generator_get_state (slot->gen), ==, AGEN_GENERATOR_STATE_SUSPENDED);
    }

  /* A second shutdown now closes those, and succeeds. */
  agen_test_call_init (&shutdown);
  agen_set_close_error_func (count_close_errors, &messages, NULL);
  agen_test_start_shutdown (NULL, &shutdown);
  agen_test_call_wait (&shutdown);
  agen_set_close_error_func (NULL, NULL, NULL);
  g_assert_no_error (shutdown.error);
  g_assert_true (shutdown.ret);
  g_assert_cmpuint (messages.n_other, ==, 0);
  agen_test_call_clear (&shutdown);

  summary = world_finish (w);
  g_test_message ("%s", summary);
  world_free (w);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agen_test_add ("/stress/million", test_million);
  g_test_add_func ("/stress/threads", test_threads);
  agen_test_add ("/stress/shutdown-mid-await", test_shutdown_mid_await);

  return g_test_run ();
}
