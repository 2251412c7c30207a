# test_semantics.py: the rows of the contract's semantics table that Python
# can observe, each run on the CPython twin, the C body and the wrapped twin
# (twins.compare) and checked against what CPython gives.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import gc

import pytest

from gi.repository import Agen, AgenTest, GLib, Gio

import twins
from twins import IGNORED_EXIT, Subject, compare, outcome

NEXT = (('anext',), ())
CLOSE = (('aclose',), ())


def send(v):
    return (('asend', v), ())


def throw(key):
    return (('athrow', key), ())


def outcomes(trace, n=None):
    """The outcomes of the first n steps (compare() adds closing steps)."""
    return [step[1] for step in trace][:n]


def logs(trace):
    return [step[3] for step in trace]


BOOM = ('GLib.Error', 'g-io-error-quark', int(Gio.IOErrorEnum.FAILED), 'boom')
CLEANUP_FAILED = ('GLib.Error', 'g-io-error-quark', int(Gio.IOErrorEnum.FAILED), 'cleanup failed')
NOT_STARTED = ('TypeError', "can't send non-None value to a just-started async generator")


@pytest.mark.parametrize('impl', twins.IMPLEMENTATIONS)
def test_creating_runs_nothing(run, impl):
    async def main():
        subject = Subject(impl, 'counter')
        await asyncio.sleep(0)
        assert subject.entries() == []
        log = subject.log
        del subject
        gc.collect()
        for _ in range(10):
            await asyncio.sleep(0)
        assert list(log.dup_entries()) == []
    run(main())


def test_anext_runs_to_the_next_yield_then_stop_forever(run):
    trace = run(compare('counter', [NEXT, NEXT, NEXT, NEXT, NEXT, send(5)], n=3))
    assert outcomes(trace) == [('item', 0), ('item', 1), ('item', 2), ('stop',), ('stop',), ('stop',)]
    assert logs(trace)[2] == [] and logs(trace)[3] == ['cleanup']


def test_body_raises_then_finished(run):
    trace = run(compare('raises_in_cleanup', [NEXT, NEXT, NEXT], n=1))
    assert outcomes(trace) == [('item', 0), CLEANUP_FAILED, ('stop',)]


def test_asend_to_a_just_started_generator(run):
    trace = run(compare('echo', [send(5), NEXT, send(5), send('x')]))
    assert outcomes(trace, 4) == [NOT_STARTED, ('item', None), ('item', 5), ('item', 'x')]
    assert logs(trace)[0] == []


@pytest.mark.parametrize('key', sorted(twins.THROWN))
def test_athrow_before_start(run, key):
    trace = run(compare('counter', [throw(key), NEXT]))
    assert trace[0][3] == []                      # the body never ran
    assert outcomes(trace)[1] == ('stop',)


def test_athrow_caught_and_yields(run):
    trace = run(compare('catcher', [NEXT, throw('glib'), NEXT, NEXT], n=3))
    assert outcomes(trace, 4) == [('item', 0), ('item', -1), ('item', 1), ('item', 2)]
    assert logs(trace)[1] == ['caught boom']


@pytest.mark.parametrize('key', sorted(twins.THROWN))
def test_athrow_uncaught(run, key):
    trace = run(compare('counter', [NEXT, throw(key), NEXT]))
    assert logs(trace)[1] == ['cleanup']
    assert outcomes(trace)[2] == ('stop',)


def test_athrow_keeps_the_exception_object(run):
    async def main():
        for impl in ('c', 'wrapped'):
            subject = Subject(impl, 'counter')
            await anext(subject.gen)
            error = ValueError('mine')
            with pytest.raises(ValueError) as info:
                await subject.gen.athrow(error)
            assert info.value is error
            subject = Subject(impl, 'counter')
            await anext(subject.gen)
            error = twins.boom()
            with pytest.raises(GLib.Error) as info:
                await subject.gen.athrow(error)
            assert info.value is error
    run(main())


def test_athrow_caught_and_returns(run):
    # No C body catches and returns: the Python body path alone.
    async def returns_on_throw(log):
        try:
            yield 1
        except ValueError:
            log.append('caught')
        log.append('returning')

    async def main():
        for wrap in (False, True):
            log = AgenTest.Log.new()
            gen = returns_on_throw(log)
            if wrap:
                gen = Agen.Generator.from_async_iterable(gen)
            assert await outcome(anext(gen)) == ('item', 1)
            assert await outcome(gen.athrow(ValueError('x'))) == ('stop',)
            assert list(log.dup_entries()) == ['caught', 'returning']
    run(main())


def test_athrow_on_a_finished_generator(run):
    # Listed difference 1 (twins.expected): CPython 3.11 returns None.
    trace = run(compare('counter', [NEXT, throw('value'), throw('value'), throw('glib')], n=1))
    assert outcomes(trace)[2:] == [('item', None), ('item', None)]


@pytest.mark.parametrize('body', ['counter', 'cleanup_awaits', 'yields_in_close', 'raises_in_cleanup'])
def test_aclose_before_start_and_when_finished(run, body):
    trace = run(compare(body, [CLOSE, NEXT, CLOSE], n=1))
    assert outcomes(trace) == [('item', None), ('stop',), ('item', None)]
    assert logs(trace)[-1] == []


def test_aclose_at_a_yield_runs_the_cleanup_which_may_await(run):
    trace = run(compare('cleanup_awaits', [NEXT, CLOSE, NEXT], n=3))
    assert outcomes(trace) == [('item', 0), ('item', None), ('stop',)]
    assert logs(trace)[1] == ['cleanup start', 'cleanup end']


def test_cleanup_raises_during_aclose(run):
    trace = run(compare('raises_in_cleanup', [NEXT, CLOSE, NEXT, CLOSE], n=3))
    assert outcomes(trace) == [('item', 0), CLEANUP_FAILED, ('stop',), ('item', None)]


def test_yield_during_aclose(run):
    # Also listed differences 2 and 3: a later aclose/athrow.
    trace = run(compare('yields_in_close',
                        [NEXT, CLOSE, CLOSE, throw('glib'), NEXT, NEXT, NEXT, CLOSE], n=3))
    assert outcomes(trace) == [('item', 0), IGNORED_EXIT, ('stop',), ('stop',),
                               ('item', 1), ('item', 2), ('stop',), ('item', None)]
    assert logs(trace)[1] == ['ignoring exit']


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_yield_during_aclose_keeps_the_glib_error(run, impl):
    async def main():
        subject = Subject(impl, 'yields_in_close')
        await anext(subject.gen)
        with pytest.raises(RuntimeError) as info:
            await subject.gen.aclose()
        assert str(info.value) == 'async generator ignored GeneratorExit'
        cause = info.value.__cause__
        assert isinstance(cause, GLib.Error)
        assert cause.matches(Agen.error_quark(), Agen.Error.IGNORED_EXIT)
        assert await anext(subject.gen) == 1
        assert await anext(subject.gen) == 2
        with pytest.raises(StopAsyncIteration):
            await anext(subject.gen)
    run(main())


def test_athrow_generator_exit_is_a_plain_throw(run):
    trace = run(compare('yields_in_close', [NEXT, throw('exit'), NEXT, CLOSE], n=3))
    assert outcomes(trace)[:3] == [('item', 0), ('item', -1), ('item', 1)]


@pytest.mark.parametrize('second', [('anext',), ('asend', 1), ('athrow', 'glib'), ('aclose',)])
def test_concurrent_operation_is_refused(run, second):
    steps = [(('anext',), [('concurrent', second), 'open']), NEXT, NEXT]
    trace = run(compare('gated', steps, n=2))
    name = 'anext' if second[0] == 'asend' else second[0]
    assert trace[0][2] == [('RuntimeError', name + '(): asynchronous generator is already running')]
    assert outcomes(trace) == [('item', 0), ('item', 1), ('stop',)]


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_concurrent_operation_keeps_the_glib_error(run, impl):
    async def main():
        subject = Subject(impl, 'gated', n=1)
        first = asyncio.ensure_future(anext(subject.gen))
        await twins.wait_until(lambda: subject.gate.get_n_waiters() > 0, 'the body to wait')
        with pytest.raises(RuntimeError) as info:
            await anext(subject.gen)
        assert info.value.__cause__.matches(Gio.io_error_quark(), Gio.IOErrorEnum.PENDING)
        subject.gate.open()
        assert await first == 0
        await subject.gen.aclose()
    run(main())


def test_cancel_while_the_body_awaits(run):
    trace = run(compare('gated', [NEXT, (('anext',), ['cancel']), NEXT], n=3))
    assert outcomes(trace) == [('item', 0), ('cancelled',), ('stop',)]
    assert logs(trace)[1] == ['cleanup']


def test_cancel_while_the_cleanup_awaits(run):
    # aclose is refused with CANCELLED at its await; CPython 3.11's bug
    # afterwards is listed difference 4.
    trace = run(compare('cleanup_awaits', [NEXT, (('aclose',), ['cancel']), NEXT, CLOSE], n=3))
    assert outcomes(trace)[:2] == [('item', 0), ('cancelled',)]
    assert logs(trace)[1] == ['cleanup start']


def test_cancel_at_a_throw_while_the_cleanup_awaits(run):
    trace = run(compare('cleanup_awaits', [NEXT, (('athrow', 'value'), ['cancel']), NEXT], n=3))
    assert outcomes(trace) == [('item', 0), ('cancelled',), ('stop',)]


@pytest.mark.parametrize('impl', twins.IMPLEMENTATIONS)
def test_cancelled_before_the_operation_starts(run, impl):
    async def main():
        subject = Subject(impl, 'counter')

        async def step():
            return await anext(subject.gen)

        # (A task made straight from CPython's anext() awaitable and cancelled
        # before it starts finishes a native generator in 3.11: not the row.)
        task = asyncio.ensure_future(step())
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert subject.entries() == []
        assert await anext(subject.gen) == 0     # untouched
        await subject.gen.aclose()
    run(main())


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_cancellation_reaches_the_c_body_as_cancelled(run, impl):
    async def main():
        subject = Subject(impl, 'gated', n=2)
        task = asyncio.ensure_future(anext(subject.gen))
        await twins.wait_until(lambda: subject.gate.get_n_waiters() > 0, 'the body to wait')
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as info:
            await task
        assert subject.gate.get_n_waiters() == 0
        assert subject.gen.get_state() == Agen.GeneratorState.FINISHED
        if impl == 'c':
            assert info.value.__cause__.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        else:
            # The CancelledError the Python body raised, as itself.
            assert info.value.__cause__ is None
    run(main())


def test_cancelled_body_that_catches_and_yields(run):
    # The body decides: it caught the cancellation and yielded, so the
    # cancelled task gets the item (asyncio lets a coroutine swallow it).
    async def stubborn(gate, log):
        try:
            await twins.gate_wait(gate)
        except asyncio.CancelledError:
            log.append('cancelled')
            yield 'after cancel'
        yield 'next'

    async def main():
        for wrap in (False, True):
            log, gate = AgenTest.Log.new(), AgenTest.Gate.new()
            gen = stubborn(gate, log)
            if wrap:
                gen = Agen.Generator.from_async_iterable(gen)
            task = asyncio.ensure_future(anext(gen))
            await twins.wait_until(lambda: gate.get_n_waiters() > 0, 'the body to wait')
            task.cancel()
            assert await task == 'after cancel'
            assert list(log.dup_entries()) == ['cancelled']
            assert await anext(gen) == 'next'
            await gen.aclose()
    run(main())


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_async_for_and_anext_default(run, impl):
    async def main():
        subject = Subject(impl, 'counter', n=4)
        assert [i async for i in subject.gen] == [0, 1, 2, 3]
        assert subject.entries() == ['cleanup']
        assert await anext(subject.gen, 'default') == 'default'
        subject = Subject(impl, 'counter', n=4)
        async for i in subject.gen:
            if i == 1:
                break
        assert subject.entries() == []            # break does not close (as CPython)
        assert await anext(subject.gen) == 2
        await subject.gen.aclose()
        assert subject.entries() == ['cleanup']
    run(main())


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_shutdown_closes_started_generators(run, impl):
    async def main():
        started = Subject(impl, 'cleanup_awaits', n=3)
        fresh = Subject(impl, 'counter', n=3)
        await anext(started.gen)
        shutdown = asyncio.ensure_future(Agen.shutdown())
        await twins.wait_until(lambda: started.gate.get_n_waiters() > 0, 'the cleanup to wait')
        assert not shutdown.done()
        started.gate.open()
        await shutdown
        assert started.entries() == ['cleanup start', 'cleanup end']
        assert started.gen.get_state() == Agen.GeneratorState.FINISHED
        assert fresh.entries() == []
        assert fresh.gen.get_state() == Agen.GeneratorState.CREATED
    run(main())


def test_the_state_follows_the_operations(run):
    async def main():
        subject = Subject('c', 'gated', n=1)
        gen = subject.gen
        assert gen.get_state() == Agen.GeneratorState.CREATED
        task = asyncio.ensure_future(anext(gen))
        await twins.wait_until(lambda: subject.gate.get_n_waiters() > 0, 'the body to wait')
        assert gen.get_state() == Agen.GeneratorState.RUNNING
        subject.gate.open()
        assert await task == 0
        assert gen.get_state() == Agen.GeneratorState.SUSPENDED
        await gen.aclose()
        assert gen.get_state() == Agen.GeneratorState.FINISHED
    run(main())
