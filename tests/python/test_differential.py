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

The differences the contract makes are listed once, in twins.py:
twins.expected() for outcomes, twins.reference_shutdown() for what a
shutdown closes (the CPython side shuts down with it), twins.left_by_a_drop()
for what a dropped generator leaves in the log and the reports; the tests at
the end of this module pin the ones found here. The random sequences leave
out one state, a shutdown while a close that the library started is running
(closing_on_drop), whose interleavings with asyncio's finalizer hook differ
in timing only.

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
        self.drop = None            # (index of the drop, exit ignored before it, log before it)
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
        exception handler (both sides: agen-glib's closes go there through
        the override), and anything else logged (trapped by conftest)."""
        messages = []
        for context in self.reports:
            exc = context.get('exception')
            if exc is None:
                messages.append(('report', context.get('message')))
            else:
                messages.append(('report', reported_message(await exception_outcome(exc))))
        self.reports.clear()
        messages.extend(('logged', text) for text in self.trap.errors)
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
        every close succeeded, else the outcome of the first failure, which
        each side reports to the loop's exception handler."""
        first = len(self.reports)
        if self.impl == 'c':
            await Agen.shutdown()
        else:
            await twins.reference_shutdown(self.loop)
        reported = self.reports[first:]
        del self.reports[first:]
        for context in reported:
            if context.get('exception') is not None:
                return await exception_outcome(context['exception'])
        return ('item', None)

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
            self.drop = (index, self.exit_ignored and not self.subject.finished(),
                         self.subject.entries())
            if self.impl == 'c':
                gone = []
                gen.weak_ref(lambda: gone.append(True))
                self.dead = lambda: bool(gone)
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
            choices += ['op'] * 8 + ['drop']
        if waiting:
            choices += ['open'] * 3
        if in_flight:
            choices += ['cancel'] * 2
        if not closing_on_drop(side):
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
        self.old_unraisablehook = sys.unraisablehook
        loop.set_exception_handler(lambda _loop, context: self.side.reports.append(context))
        # Where the garbage collector reports what a generator's close
        # raised when it closes it itself (no finalizer hook: see
        # twins.left_by_a_drop()).
        sys.unraisablehook = lambda unraisable: self.side.reports.append(
            {'message': unraisable.err_msg, 'exception': unraisable.exc_value})
        if self.side.impl == 'cpython':
            loop._asyncgens.clear()
            sys.set_asyncgen_hooks(firstiter=loop._asyncgen_firstiter_hook,
                                   finalizer=loop._asyncgen_finalizer_hook)
        return self.side

    def __exit__(self, *exc_info):
        sys.unraisablehook = self.old_unraisablehook
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
        # What the drop leaves, up to the listed differences.
        want_log, want_reports = ref[3], ref[6]
        if ref_side.drop is not None and i >= ref_side.drop[0]:
            dropped_at, exit_ignored, log_before = ref_side.drop
            at_drop = reference[dropped_at]
            log, reports = twins.left_by_a_drop(exit_ignored, log_before, at_drop[3], at_drop[6])
            want_log = log + ref[3][len(at_drop[3]):]
            if i == dropped_at:
                want_reports = reports
        for what, got, wanted in (('result', mine[:2], ref[:2]),
                                  ('outcomes', mine[2], want),
                                  ('log', mine[3], want_log),
                                  ('gate waiters', mine[4], ref[4]),
                                  ('finished', mine[5], ref[5]),
                                  ('reported errors', mine[6], want_reports)):
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


async def throw_in(gen, error):
    # This frame, which holds gen, ends up in the exception's traceback.
    with pytest.raises(ValueError) as info:
        await gen.athrow(error)
    assert info.value is error


async def drain(gen):
    async for _ in gen:
        pass


async def failing():
    yield 1
    raise ValueError('bad')


@pytest.mark.parametrize('how', ['thrown-in', 'thrown-in-and-kept', 'python-body-to-c-consumer',
                                 'python-body-to-python-consumer'])
def test_a_generator_a_python_exception_went_through_is_freed_when_dropped(run, how):
    # The override's exception registry gives an exception that went into C
    # back as itself. It must not keep the generator alive through the
    # frames in the exception's traceback, and neither must an exception
    # the caller keeps (CPython's does not).
    async def main():
        kept = None
        if how.startswith('thrown-in'):
            gen = twins.Subject('c', 'counter').gen
            assert await anext(gen) == 0
            if how == 'thrown-in':
                await throw_in(gen, ValueError('bad'))
            else:
                kept = ValueError('bad')
                with pytest.raises(ValueError):
                    await gen.athrow(kept)
        else:
            gen = Agen.Generator.from_async_iterable(failing())
            if how == 'python-body-to-c-consumer':
                with pytest.raises(GLib.Error):
                    await twins.collect(gen)
            else:
                with pytest.raises(ValueError):
                    await drain(gen)
        assert gen.get_state() == Agen.GeneratorState.FINISHED
        gone = []
        gen.weak_ref(lambda: gone.append(True))
        del gen
        for _ in range(10):
            gc.collect()
            await asyncio.sleep(0.001)
        assert gone == [True]
        del kept                    # alive until the generator was gone
    run(main())


async def after_a_refused_send_and_a_shutdown(impl, loop, trap, shutdown):
    """The outcome of anext() and the log, on a counter whose only
    operation was a refused asend(1), after `shutdown` (side -> awaitable)."""
    with Run(Side(impl, 'counter', 1, loop, trap)) as side:
        gen = side.subject.gen
        assert await twins.outcome(gen.asend(1)) == (
            'TypeError', "can't send non-None value to a just-started async generator")
        await shutdown(side)
        result = (await twins.outcome(anext(gen)), side.subject.entries())
        await twins.outcome(gen.aclose())
        return result


def test_listed_difference_4_a_shutdown_closes_only_started_generators(run, loop, trap):
    async def asyncio_shutdown(side):
        await loop.shutdown_asyncgens()
        loop._asyncgens_shutdown_called = False

    async def main():
        # CPython registered the generator at the refused call: its
        # shutdown closes it, unstarted, and it is finished.
        assert await after_a_refused_send_and_a_shutdown('cpython', loop, trap, asyncio_shutdown) \
            == (('stop',), [])
        # The contract's shutdown (twins.reference_shutdown) leaves it
        # unstarted, as agen_shutdown_async() does: anext() starts it.
        assert await after_a_refused_send_and_a_shutdown('cpython', loop, trap, Side.shutdown) \
            == (('item', 0), [])
        assert await after_a_refused_send_and_a_shutdown('c', loop, trap, Side.shutdown) \
            == (('item', 0), [])
    run(main())


async def dropped_after(impl, ops, loop, trap):
    """A yields_in_close (n=3) after `ops`, dropped: the log before the
    drop, the drop's log and reports, and whether an aclose() was ignored
    before."""
    with Run(Side(impl, 'yields_in_close', 3, loop, trap)) as side:
        for i, op in enumerate(ops):
            await side.step(i, ('op', op, False))
        log_before = side.subject.entries()
        exit_ignored = side.exit_ignored
        step = await side.step(len(ops), ('drop',))
        assert side.is_dead()
        return log_before, step[3], step[6], exit_ignored


IGNORED = [('report', twins.IGNORED_EXIT[1])]


@pytest.mark.parametrize('ops, cpython_log, cpython_reports, c_log, c_reports', [
    # 5: the drop's close is ignored; CPython never runs the finally, C
    # runs its deferred cleanup when it finalises the generator.
    ([('anext',)], ['ignoring exit'], IGNORED, ['ignoring exit', 'cleanup'], IGNORED),
    # 6: an aclose() was ignored before. CPython's collector closes it at
    # once: the finally runs, quietly...
    ([('anext',), ('aclose',)], ['ignoring exit', 'cleanup'], [], ['ignoring exit', 'cleanup'],
     []),
    # ... or, back in its loop, the body ignores the exit again, and the
    # finally never runs. C does not close it again: it runs the deferred
    # cleanup, quietly.
    ([('anext',), ('aclose',), ('anext',)], ['ignoring exit', 'ignoring exit'], IGNORED,
     ['ignoring exit', 'cleanup'], []),
], ids=['close-ignored-at-drop', 'close-ignored-before', 'close-ignored-before-and-at-drop'])
def test_listed_differences_5_6_dropping_a_generator_that_yields_in_close(
        run, loop, trap, ops, cpython_log, cpython_reports, c_log, c_reports):
    async def main():
        log_before, log, reports, exit_ignored = await dropped_after('cpython', ops, loop, trap)
        assert (log, reports) == (cpython_log, cpython_reports)
        assert await dropped_after('c', ops, loop, trap) == (log_before, c_log, c_reports,
                                                             exit_ignored)
        assert twins.left_by_a_drop(exit_ignored, log_before, log, reports) == (c_log, c_reports)
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
