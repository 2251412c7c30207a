# test_differential.py: differential testing of the C bodies of libagen-test
# against their CPython twins (twins.py), with seeded random sequences.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Differential testing: the C bodies of libagen-test against their CPython
twins, on seeded random operation sequences.

Each sequence picks a body shape and a length n, then a list of actions:

  ('op', op, in_flight)  next / send(v) / throw(E) / close (twins.perform's
                         ops); in_flight: leave it in flight if the body
                         parks on its gate, else open the gate until it ends
  ('open',)              open the gate (releases whatever waits on it)
  ('cancel',)            cancel the asyncio task awaiting the operation in
                         flight (C: its GCancellable is cancelled by the
                         override; CPython: CancelledError at the await)
  ('drop',)              drop the last reference (del, gc.collect, let the
                         loop run): C closes on last unref, CPython's
                         asyncio finalizer hook schedules aclose()
  ('shutdown',)          Agen.shutdown() (agen_shutdown_async) vs
                         loop.shutdown_asyncgens()

The actions are chosen with random.Random(seed) while the CPython twin runs
(so that only applicable actions are chosen: a cancel needs an operation in
flight), then replayed as they are on the C body. After every action the
loop is left to settle, and both sides must agree on: the outcome of every
operation (up to twins.expected(), the one place listing the differences),
the log, what waits on the gate, whether the generator is finished, and the
errors reported outside the code (asyncio's exception handler, g_warning).
A failure prints the seed and the action list; rerun one seed with
AGEN_DIFF_SEED=<seed> (AGEN_DIFF_VERBOSE=1 prints both traces).

The default run is 2,000 sequences; the long run is

  AGEN_DIFF_SEQUENCES=100000 meson test -C build python-differential --timeout-multiplier 0

(AGEN_DIFF_FIRST_SEED=<k> starts elsewhere than seed 0.)

Four disagreements found by this module are not listed differences, each
described at one place with a reproducer at the end of the module: a bug of
the override (pinned_by_the_registry: tolerated by the drop, it changes no
outcome and no log; strict xfail), a bug of the C library (closing_on_drop)
and two unlisted differences (unstarted_but_hooked,
suspended_ignoring_exit); the random sequences leave the last three out
(skipped reproducers).

gbulb does not install asyncio's async generator hooks (BaseEventLoop's
run_forever does; gbulb's does not), so without help a dropped twin would
be closed synchronously by the garbage collector and shutdown_asyncgens()
would find nothing: the CPython side installs the loop's own
_asyncgen_firstiter_hook/_asyncgen_finalizer_hook while it runs, as
asyncio's loops do.
"""

import asyncio
import gc
import os
import random
import sys
import weakref

import pytest

from gi.repository import Agen, GLib

import twins

from gi.overrides import Agen as override  # noqa: E402: after gi.repository.Agen

SEQUENCES = int(os.environ.get('AGEN_DIFF_SEQUENCES', '2000'))
FIRST_SEED = int(os.environ.get('AGEN_DIFF_FIRST_SEED', '0'))
ONE_SEED = os.environ.get('AGEN_DIFF_SEED')
CHUNK = 100                 # sequences per pytest item (each item < 20 s)

SHAPES = sorted(twins.BODIES)
SENT = [1, -7, 'text', 2 ** 40, True, 2.5, None]
MAX_ACTIONS = 8
SETTLE_SECONDS = 5.0



def pinned_by_the_registry(gen):
    """KNOWN BUG (override, not fixed here): the override keeps the last 256
    Python exceptions thrown in with athrow() (_ExceptionRegistry) to give
    the same object back, and when the body lets one out, _operate() raises
    it: its __traceback__ then holds _operate()'s frame, whose `self` is the
    generator. So a generator that a Python exception finished is not
    finalized when its last reference is dropped, until 256 more
    exceptions went through the registry (CPython frees the twin at once).
    It only ever pins a finished generator (a body that lets the exception
    out is finished), so logs and outcomes are not affected: the drop
    counts such a generator as gone. Reproducer: test_known_bug_the_registry_
    pins_a_finished_generator."""
    for exc in list(override._registry._exceptions.values()):
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_locals.get('self') is gen:
                return True
            tb = tb.tb_next
    return False


def throwable(shape):
    # The C catcher catches every error but AGEN_ERROR_EXIT, its twin only
    # GLib.Error: throw only what both see alike (as test_random does).
    return ['glib', 'exit'] if shape == 'catcher' else sorted(twins.THROWN)


def idle(loop):
    """A future done when the main loop has nothing more urgent to do than
    a G_PRIORITY_LOW idle: everything ready at G_PRIORITY_DEFAULT (gbulb's
    callbacks, GTask returns) and G_PRIORITY_DEFAULT_IDLE (the close on
    last unref) has run. (asyncio.sleep(0) in a loop would starve the
    latter.)"""
    future = loop.create_future()

    def fire():
        if not future.done():
            future.set_result(None)
        return GLib.SOURCE_REMOVE
    GLib.idle_add(fire, priority=GLib.PRIORITY_LOW)
    return future


async def exception_outcome(exc):
    """twins.outcome() of an exception reported outside the code."""
    async def raises():
        raise exc
    return await twins.outcome(raises())


def reported_message(outcome):
    """The message of a reported error, the part both sides report."""
    if outcome[0] == 'GLib.Error':
        return outcome[3]
    return outcome[-1]


class Side:
    """One implementation of a sequence: the subject, the operations and
    shutdowns in flight, and what was reported outside the code."""

    def __init__(self, impl, shape, n, loop, trap):
        self.impl = impl
        self.loop = loop
        self.trap = trap
        self.subject = twins.Subject(impl, shape, n)
        self.gate = self.subject.gate
        self.log = self.subject.log
        self.pending = {}           # index of the starting action -> task
        self.kinds = {}             # index -> the op, or ('shutdown',)
        self.flags = {}             # index -> flags for twins.expected()
        self.dropped = False
        self.dead = None            # () -> True once the generator is gone
        self.reports = []           # asyncio exception handler contexts
        self.exit_ignored = False
        self.close_cancelled = False

    # -- observation

    def is_dead(self):
        return self.dead is not None and self.dead()

    def finished(self):
        if self.dropped:
            return None
        return self.subject.finished()

    def snapshot(self):
        return (tuple(sorted(i for i, t in self.pending.items() if t.done())),
                self.gate.get_n_waiters(), len(self.subject.entries()),
                self.is_dead(), len(self.reports), len(self.trap.errors), self.finished())

    def quiet(self):
        """Nothing can move without an action of ours: every task is done,
        or something waits on the gate; a dropped generator is gone or
        waits on the gate."""
        waiting = self.gate.get_n_waiters() > 0
        if self.dropped and not self.is_dead() and not waiting:
            return False
        return waiting or all(task.done() for task in self.pending.values())

    async def settle(self, context):
        """Lets the loop run until quiet() holds and letting the main loop
        go idle (which runs the idle sources, such as the close on last
        unref) changes nothing."""
        deadline = self.loop.time() + SETTLE_SECONDS
        rounds = 0
        while True:
            if self.loop.time() > deadline:
                raise AssertionError('stuck settling (%s side): %r' % (self.impl, context))
            if not self.quiet():
                rounds += 1
                if self.dropped and rounds % 50 == 0:
                    gc.collect()
                if rounds % 10:
                    await asyncio.sleep(0)
                else:
                    await idle(self.loop)
                continue
            before = self.snapshot()
            await idle(self.loop)
            if self.quiet() and self.snapshot() == before:
                return

    def take_completions(self):
        done = sorted(i for i, t in self.pending.items() if t.done())
        return [(i, self.pending.pop(i).result()) for i in done]

    async def take_reports(self):
        """The errors reported since the last call, as messages: asyncio's
        exception handler (CPython) or g_warning (C, trapped by conftest)."""
        messages = []
        for context in self.reports:
            exc = context.get('exception')
            if exc is None:
                messages.append(('report', context.get('message')))
            else:
                messages.append(('report', reported_message(await exception_outcome(exc))))
        self.reports.clear()
        for text in self.trap.errors:
            head, sep, tail = text.partition(' on its last unref failed: ')
            messages.append(('report', tail if sep else text))
        self.trap.errors.clear()
        return messages

    # -- actions

    def start(self, index, kind, coroutine, flags):
        self.pending[index] = asyncio.ensure_future(coroutine)
        self.kinds[index] = kind
        self.flags[index] = flags

    def current_flags(self):
        return (self.finished(), self.exit_ignored, self.close_cancelled)

    def in_flight_op(self):
        for i, task in self.pending.items():
            if not task.done() and self.kinds[i][0] != 'shutdown':
                return i
        return None

    async def shutdown(self):
        """The shutdown's outcome, as an aclose()'s: ('item', None) when
        every close succeeded, else the outcome of the first failure."""
        if self.impl == 'c':
            return await twins.outcome(self._c_shutdown())
        first = len(self.reports)
        await self.loop.shutdown_asyncgens()
        # shutdown_asyncgens() forgets the generators it closed, as
        # agen_shutdown_async does; but it also notes that it was called,
        # where agen-glib goes on registering generators that start later:
        # let the loop register them too, without warning.
        self.loop._asyncgens_shutdown_called = False
        # What it reported is its outcome (agen_shutdown_async's failures
        # are g_message()s, not reports).
        reported = self.reports[first:]
        del self.reports[first:]
        for context in reported:
            if context.get('exception') is not None:
                return await exception_outcome(context['exception'])
        return ('item', None)

    async def _c_shutdown(self):
        # Agen.shutdown() raises the first failed close's GLib.Error as it
        # is; map it as the override maps what aclose() raises, so that it
        # compares with the exception asyncio reports.
        try:
            await Agen.shutdown()
        except GLib.Error as error:
            raise override._translate(error, 'aclose', True, False, None)

    async def act(self, index, action):
        """Performs one action; returns its immediate result."""
        kind = action[0]
        if kind == 'op':
            _, op, in_flight = action
            if self.dropped:
                return ('not applicable',)
            self.start(index, op, twins.outcome(twins.perform(self.subject.gen, op)),
                       self.current_flags())
            await self.settle(action)
            task = self.pending[index]
            opens = 0
            while not in_flight and not task.done():
                if self.gate.get_n_waiters() == 0 or opens > 10:
                    raise AssertionError('an operation not in flight does not end: %r' % (action,))
                self.gate.open()
                opens += 1
                await self.settle(action)
            return ('done',) if task.done() else ('in flight',)
        if kind == 'open':
            self.gate.open()
            await self.settle(action)
            return ('opened',)
        if kind == 'cancel':
            i = self.in_flight_op()
            if i is None:
                return ('not applicable',)
            task = self.pending[i]
            task.cancel()
            await twins.wait_until(lambda: task.done() or self.gate.get_n_waiters() == 0,
                                   'the cancellation to reach the body')
            await self.settle(action)
            return ('cancelled', i)
        if kind == 'drop':
            if self.dropped:
                return ('not applicable',)
            gen = self.subject.gen
            if self.impl == 'c':
                gone = []
                gen.weak_ref(lambda: gone.append(True))
                # The wrapper outlives the drop only if something holds it
                # (an operation in flight, or the known bug's registry).
                wrapper = weakref.ref(gen)
                self.dead = lambda: bool(gone) or (wrapper() is not None
                                                   and pinned_by_the_registry(wrapper()))
            else:
                # Cleared when the finalizer runs (before the hook's aclose).
                ref = weakref.ref(gen)
                self.dead = lambda: ref() is None
            del gen
            del self.subject.gen
            self.dropped = True
            gc.collect()
            await self.settle(action)
            return ('dropped',)
        if kind == 'shutdown':
            self.start(index, ('shutdown',), self.shutdown(), self.current_flags())
            await self.settle(action)
            return ('done',) if self.pending[index].done() else ('in flight',)
        raise ValueError(action)

    def note(self, kind, result):
        """Keeps the flags of twins.expected() up to date (the reference
        side's flags are the ones used)."""
        if kind[0] in ('aclose', 'shutdown') and result == twins.IGNORED_EXIT:
            self.exit_ignored = True
        if kind[0] == 'aclose' and result == ('cancelled',):
            self.close_cancelled = True

    async def step(self, index, action):
        """One action and what it gave: (action, result, [(index of the
        operation, its outcome)] completed meanwhile, log, gate waiters,
        finished, reports)."""
        result = await self.act(index, action)
        completions = self.take_completions()
        for i, outcome in completions:
            self.note(self.kinds[i], outcome)
        return (action, result, completions, self.subject.entries(),
                self.gate.get_n_waiters(), self.finished(), await self.take_reports())


def choose(rng, side, shape, count):
    """The next action for the reference side, or None at the end. After
    `count` random actions, the sequence ends by letting everything finish:
    open the gate while something waits, then close (or next after an
    ignored close) until the generator is finished, then drop it."""
    waiting = side.gate.get_n_waiters() > 0
    in_flight = side.in_flight_op() is not None
    if count < MAX_ACTIONS and rng.random() < 0.9:
        choices = []
        if side.dropped and not waiting and not in_flight:
            return ('shutdown',) if rng.random() < 0.3 and not closing_on_drop(side) else None
        if not side.dropped:
            choices += ['op'] * 8 + ([] if suspended_ignoring_exit(side, shape) else ['drop'])
        if waiting:
            choices += ['open'] * 3
        if in_flight:
            choices += ['cancel'] * 2
        if not unstarted_but_hooked(side) and not closing_on_drop(side):
            choices += ['shutdown']
        what = rng.choice(choices)
        if what == 'op':
            r = rng.random()
            if r < 0.3:
                op = ('anext',)
            elif r < 0.55:
                op = ('asend', rng.choice(SENT))
            elif r < 0.8:
                op = ('athrow', rng.choice(throwable(shape)))
            else:
                op = ('aclose',)
            return ('op', op, rng.random() < 0.5)
        return (what,)
    # The end.
    if waiting or any(not t.done() for t in side.pending.values()):
        return ('open',)
    if side.dropped and count < MAX_ACTIONS and not closing_on_drop(side):
        return ('shutdown',) if rng.random() < 0.3 else None
    if not side.dropped:
        if not side.subject.finished() and count < MAX_ACTIONS + 12:
            return ('op', ('anext',) if side.exit_ignored else ('aclose',), False)
        return ('drop',)
    return None


def unstarted_but_hooked(side):
    """KNOWN DISAGREEMENT (not a listed difference; left out of the random
    sequences, see test_known_disagreement_shutdown_after_a_refused_send):
    CPython registers an async generator for shutdown_asyncgens() at the
    first call of anext/asend/athrow/aclose (the firstiter hook), even one
    that is refused, as asend(v) on a just-started generator is; so the
    shutdown closes such a generator, whose body never ran, and it is
    finished. agen_shutdown_async closes only started generators (the
    contract's word), so the C generator stays CREATED and its next
    operation starts the body. Only a refused asend() can leave a
    generator unstarted after an operation (athrow and aclose finish it)."""
    gen = getattr(side.subject, 'gen', None)
    return (not side.dropped and bool(side.kinds) and gen.ag_frame is not None
            and gen.ag_frame.f_lasti == 0)


def suspended_ignoring_exit(side, shape):
    """KNOWN DISAGREEMENT (not a listed difference; left out of the random
    sequences, see test_known_disagreement_dropping_a_generator_that_yields_
    in_close): dropping a started, unfinished yields_in_close. CPython: the
    finalizer hook's aclose() makes the body yield -1, asyncio reports
    "async generator ignored GeneratorExit", and the frame is then freed
    without running its `finally` (tp_finalize runs once): the log stays
    ['ignoring exit']. C: the close on last unref fails the same way (a
    g_warning), but the deferred cleanup still runs when the generator is
    finalized: ['ignoring exit', 'cleanup']. After an ignored aclose() it
    differs the other way: CPython's collector closes it synchronously
    (ag_closed skips the hook), running the finally with no report, while C
    refuses the close with a g_warning ("ignored a close before")."""
    gen = getattr(side.subject, 'gen', None)
    return shape == 'yields_in_close' and not side.dropped and gen.ag_frame is not None \
        and gen.ag_frame.f_lasti != 0


def closing_on_drop(side):
    """A close that the library started is still running (its cleanup
    awaits): the close on last unref, or that of an earlier shutdown. Both
    sides leave such a generator out of a shutdown (asyncio takes it out of
    the loop's set; agen-glib out of its registry), which
    test_shutdown_leaves_a_dropped_generator_to_its_close checks; the
    random sequences do not shut down in this state, whose interleavings
    with asyncio's finalizer hook differ in timing only."""
    # Something waits on the gate, and it is no operation of ours: the
    # close that the drop started, or the close of a shutdown in flight.
    return side.gate.get_n_waiters() > 0 and side.in_flight_op() is None


def describe(seed, shape, n, actions):
    return 'seed %d: shape=%r n=%d actions=%r' % (seed, shape, n, actions)


class Run:
    """Runs one side of a sequence with the loop's async generator hooks
    (CPython side) and exception handler redirected to the side."""

    def __init__(self, side):
        self.side = side

    def __enter__(self):
        loop = self.side.loop
        self.old_hooks = sys.get_asyncgen_hooks()
        self.old_handler = loop.get_exception_handler()
        loop.set_exception_handler(lambda _loop, context: self.side.reports.append(context))
        if self.side.impl == 'cpython':
            loop._asyncgens.clear()
            sys.set_asyncgen_hooks(firstiter=loop._asyncgen_firstiter_hook,
                                   finalizer=loop._asyncgen_finalizer_hook)
        return self.side

    def __exit__(self, *exc_info):
        sys.set_asyncgen_hooks(*self.old_hooks)
        self.side.loop.set_exception_handler(self.old_handler)


async def sequence(seed, loop, trap):
    rng = random.Random(seed)
    shape = rng.choice(SHAPES)
    n = rng.randint(0, 4)
    actions = []

    reference = []
    with Run(Side('cpython', shape, n, loop, trap)) as side:
        while True:
            action = choose(rng, side, shape, len(actions))
            if action is None:
                break
            actions.append(action)
            try:
                reference.append(await side.step(len(actions) - 1, action))
            except AssertionError as e:
                raise AssertionError('%s (reference side): %s' % (describe(seed, shape, n, actions), e))
        ref_side = side

    with Run(Side('c', shape, n, loop, trap)) as side:
        try:
            await replay(side, seed, shape, n, actions, reference, ref_side)
        except BaseException:
            await abandon(side)
            raise
    return shape, actions


async def abandon(side):
    """After a failure: let what waits on the gate end and drop the C
    generator, so that the next sequences' shutdowns do not meet it."""
    for _ in range(10):
        side.gate.open()
        await asyncio.sleep(0.001)
    if not side.dropped:
        gen = side.subject.gen
        del side.subject.gen
        side.dropped = True
        for op in (('aclose',), ('anext',), ('aclose',), ('anext',)):
            await twins.outcome(twins.perform(gen, op))
        del gen
    gc.collect()
    for _ in range(10):
        side.gate.open()
        await asyncio.sleep(0.001)
    side.trap.errors.clear()


async def replay(side, seed, shape, n, actions, reference, ref_side):
    for i, action in enumerate(actions):
        where = describe(seed, shape, n, actions) + ' at action %d %r' % (i, action)
        try:
            mine = await side.step(i, action)
        except AssertionError as e:
            raise AssertionError('%s (C side): %s' % (where, e))
        ref = reference[i]
        if os.environ.get('AGEN_DIFF_VERBOSE'):
            print('ref ', ref, '\nmine', mine, file=sys.stderr)
        # The outcomes, up to the listed differences.
        want = [(j, twins.expected(('aclose',) if ref_side.kinds[j][0] == 'shutdown'
                                   else ref_side.kinds[j], outcome, *ref_side.flags[j]))
                for j, outcome in ref[2]]
        for what, got, wanted in (('result', mine[:2], ref[:2]),
                                  ('outcomes', mine[2], want),
                                  ('log', mine[3], ref[3]),
                                  ('gate waiters', mine[4], ref[4]),
                                  ('finished', mine[5], ref[5]),
                                  ('reported errors', mine[6], ref[6])):
            if got != wanted:
                raise AssertionError('%s differ: C %r, expected %r (CPython %r)\n  %s'
                                     % (what, got, wanted, ref, where))
    if not (side.dropped and side.is_dead()):
        raise AssertionError('the C generator is alive at the end\n  ' + where)


def seeds():
    if ONE_SEED is not None:
        return [[int(ONE_SEED)]]
    all_seeds = range(FIRST_SEED, FIRST_SEED + SEQUENCES)
    return [list(all_seeds[i:i + CHUNK]) for i in range(0, len(all_seeds), CHUNK)]


@pytest.mark.parametrize('chunk', seeds(), ids=lambda chunk: 'seeds-%d-%d' % (chunk[0], chunk[-1]))
def test_c_bodies_agree_with_cpython(run, loop, trap, chunk):
    async def main():
        for seed in chunk:
            await sequence(seed, loop, trap)
    # Every drop collects garbage: leave the objects that exist now (pytest's,
    # the modules') out of those collections, which would otherwise take
    # most of the time.
    gc.collect()
    gc.freeze()
    try:
        run(main(), timeout=60)
    finally:
        gc.unfreeze()


@pytest.mark.xfail(strict=True, reason='known bug of the override: its exception registry '
                   'pins a generator finished by a Python exception (see pinned_by_the_registry)')
def test_known_bug_the_registry_pins_a_finished_generator(run):
    async def main():
        subject = twins.Subject('c', 'counter', n=3)
        assert await anext(subject.gen) == 0
        with pytest.raises(ValueError):
            await subject.gen.athrow(ValueError('bad'))
        gone = []
        subject.gen.weak_ref(lambda: gone.append(True))
        del subject
        gc.collect()
        for _ in range(5):
            await asyncio.sleep(0.001)
        assert gone == [True]
    run(main())


@pytest.mark.skip(reason='known disagreement, not a listed difference: loop.shutdown_asyncgens() '
                  'closes a generator whose only operation was a refused asend(v) (CPython '
                  'registers it at that call), agen_shutdown_async() leaves it CREATED '
                  '(see unstarted_but_hooked)')
def test_known_disagreement_shutdown_after_a_refused_send(run, loop):
    async def main():
        outcomes = {}
        for impl in ('cpython', 'c'):
            with Run(Side(impl, 'counter', 1, loop, None)) as side:
                gen = side.subject.gen
                assert await twins.outcome(gen.asend(1)) == (
                    'TypeError', "can't send non-None value to a just-started async generator")
                await side.shutdown()
                outcomes[impl] = await twins.outcome(anext(gen))
                await twins.outcome(gen.aclose())
        assert outcomes['c'] == outcomes['cpython']     # C: ('item', 0); CPython: ('stop',)
    run(main())


@pytest.mark.skip(reason='known disagreement, not a listed difference: a dropped yields_in_close '
                  'that ignores the close logs "cleanup" in C (deferred cleanup at finalize) '
                  'but not in CPython (see suspended_ignoring_exit)')
def test_known_disagreement_dropping_a_generator_that_yields_in_close(run, loop, trap):
    async def main():
        logs = {}
        for impl in ('cpython', 'c'):
            with Run(Side(impl, 'yields_in_close', 3, loop, trap)) as side:
                assert await anext(side.subject.gen) == 0
                await side.step(0, ('drop',))
                logs[impl] = side.subject.entries()
        trap.errors.clear()
        assert logs['c'] == logs['cpython']     # C: + 'cleanup'
    run(main())


def test_shutdown_leaves_a_dropped_generator_to_its_close(run, loop, trap):
    async def main():
        subject = twins.Subject('c', 'cleanup_awaits', n=3)
        assert await anext(subject.gen) == 0
        gate, log = subject.gate, subject.log
        del subject
        gc.collect()
        await twins.wait_until(lambda: gate.get_n_waiters() > 0, 'the close on last unref')
        assert list(log.dup_entries()) == ['cleanup start']
        try:
            await Agen.shutdown()       # the close on last unref owns it: nothing to close
        finally:
            gate.open()
            for _ in range(5):
                await asyncio.sleep(0.001)
        assert list(log.dup_entries()) == ['cleanup start', 'cleanup end']
    run(main())
