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
(twins.closing_on_drop), whose interleavings with asyncio's finalizer hook differ
in timing only.

The machinery of a sequence (twins.differential: choose the actions on
the CPython side, replay them on the C side, compare) is shared with
test_nested_differential.py; twins.Run says how the CPython side gets
asyncio's async generator hooks under gbulb.
"""

import asyncio
import gc
import os
import random

import pytest

from gi.repository import Agen, GLib

import twins

SEQUENCES = int(os.environ.get('AGEN_DIFF_SEQUENCES', '2000'))
FIRST_SEED = int(os.environ.get('AGEN_DIFF_FIRST_SEED', '0'))
ONE_SEED = os.environ.get('AGEN_DIFF_SEED')
CHUNK = 100                 # sequences per pytest item (each item < 20 s)

SHAPES = sorted(twins.BODIES)


async def sequence(seed, loop, trap):
    rng = random.Random(seed)
    shape = rng.choice(SHAPES)
    n = rng.randint(0, 4)
    return await twins.differential(
        rng, lambda impl: twins.Subject(impl, shape, n), ('cpython', 'c'), loop, trap,
        lambda actions: 'seed %d: shape=%r n=%d actions=%r' % (seed, shape, n, actions),
        twins.throwable(shape))


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


PRODUCER_SEQUENCES = int(os.environ.get('AGEN_DIFF_PRODUCER_SEQUENCES', '300'))


async def producer_sequence(seed, impl, loop, trap):
    rng = random.Random(seed)
    shape = rng.choice(twins.THREADED)
    n = rng.randint(0, 4)
    return await twins.differential(
        rng, lambda which: twins.Subject(which, shape, n), ('cpython', impl), loop, trap,
        lambda actions: 'seed %d (%s): shape=%r n=%d actions=%r' % (seed, impl, shape, n, actions),
        twins.throwable(shape))


@pytest.mark.parametrize('chunk', [list(range(i, min(i + CHUNK, PRODUCER_SEQUENCES)))
                                   for i in range(0, PRODUCER_SEQUENCES, CHUNK)],
                         ids=lambda chunk: 'seeds-%d-%d' % (chunk[0], chunk[-1]))
@pytest.mark.parametrize('impl', ['c-thread', 'c-async'])
def test_producers_agree_with_cpython(run, loop, trap, chunk, impl):
    """The same sequences on the bodies that never await, written as
    producer threads and as async functions (contract-emitter): every PEP
    525 rule holds for them as for the macro bodies."""
    async def main():
        for seed in chunk:
            await producer_sequence(seed, impl, loop, trap)
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
    with twins.Run(twins.Side(twins.Subject(impl, 'counter', 1), loop, trap)) as side:
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
        assert await after_a_refused_send_and_a_shutdown('cpython', loop, trap, twins.Side.shutdown) \
            == (('item', 0), [])
        assert await after_a_refused_send_and_a_shutdown('c', loop, trap, twins.Side.shutdown) \
            == (('item', 0), [])
    run(main())


async def dropped_after(impl, ops, loop, trap):
    """A yields_in_close (n=3) after `ops`, dropped: the log before the
    drop, the drop's log and reports, and whether an aclose() was ignored
    before."""
    with twins.Run(twins.Side(twins.Subject(impl, 'yields_in_close', 3), loop, trap)) as side:
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
