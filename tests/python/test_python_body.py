# test_python_body.py: Agen.Generator.from_async_iterable(), a Python body
# that C consumers drive.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import contextvars

import pytest

from gi.repository import Agen, AgenExample, AgenTest, GLib, Gio

import twins
from twins import collect


def print_all(generator, cancellable=None):
    """AgenExample.print_all_async, a C consumer that prints, as a coroutine."""
    future = asyncio.get_running_loop().create_future()

    def done(source, result, _data):
        try:
            outcome = (True, AgenExample.print_all_finish(source, result))
        except BaseException as exc:    # noqa: B902
            outcome = (False, exc)
        if not future.done():
            future.set_result(outcome)

    AgenExample.print_all_async(generator, cancellable, done, None)

    async def wait():
        ok, value = await future
        if not ok:
            raise value
        return value
    return wait()


async def words(log):
    try:
        for word in ('alpha', 'beta', 'gamma'):
            await asyncio.sleep(0)
            yield word
    finally:
        log.append('cleanup')


def test_a_c_consumer_collects_a_python_generator(run):
    async def main():
        log = AgenTest.Log.new()
        assert await collect(Agen.Generator.from_async_iterable(words(log))) == \
            ['alpha', 'beta', 'gamma']
        assert list(log.dup_entries()) == ['cleanup']
    run(main())


def test_a_c_consumer_prints_a_python_generator(run, capfd):
    async def main():
        log = AgenTest.Log.new()
        assert await print_all(Agen.Generator.from_async_iterable(words(log))) == 3
    run(main())
    assert capfd.readouterr().out == '1: alpha\n2: beta\n3: gamma\n'


@pytest.mark.parametrize('body', sorted(twins.BODIES))
def test_c_consumer_agrees_on_every_twin(run, body):
    async def main():
        results = []
        for impl in ('c', 'wrapped'):
            subject = twins.Subject(impl, body, n=3)
            if body == 'echo':
                subject.gen = Agen.Generator.from_async_iterable(_take(subject.gen, 3))
            task = asyncio.ensure_future(twins.outcome(collect(subject.gen)))
            while not task.done():
                await twins.wait_until(lambda: task.done() or subject.gate.get_n_waiters() > 0,
                                       'an outcome or a wait')
                subject.gate.open()
            results.append((task.result(), subject.entries()))
        assert results[0] == results[1]
    run(main())


async def _take(generator, n):
    # echo never ends: a Python generator over it, closing it when done.
    try:
        for _ in range(n):
            yield await anext(generator)
    finally:
        await generator.aclose()


def test_a_c_cancellation_reaches_the_python_await(run):
    async def waits_forever(log):
        try:
            yield 'first'
            await asyncio.get_running_loop().create_future()
            yield 'never'
        except asyncio.CancelledError:
            log.append('cancelled at the await')
            raise
        finally:
            log.append('cleanup')

    async def main():
        log = AgenTest.Log.new()
        cancellable = Gio.Cancellable()
        printing = asyncio.ensure_future(
            print_all(Agen.Generator.from_async_iterable(waits_forever(log)), cancellable))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not printing.done()
        cancellable.cancel()
        with pytest.raises(GLib.Error) as info:
            await printing
        assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        assert list(log.dup_entries()) == ['cancelled at the await', 'cleanup']
    run(main())


def test_a_plain_async_iterator(run):
    class Countdown:
        def __init__(self, n):
            self.n = n
            self.closed = False

        def __aiter__(self):
            return self

        async def __anext__(self):
            if self.n == 0:
                raise StopAsyncIteration
            self.n -= 1
            return self.n

        async def aclose(self):
            self.closed = True

    async def main():
        assert await collect(Agen.Generator.from_async_iterable(Countdown(3))) == ['2', '1', '0']
        countdown = Countdown(5)
        gen = Agen.Generator.from_async_iterable(countdown)
        assert await anext(gen) == 4
        with pytest.raises(TypeError, match='no asend'):
            await gen.asend(1)
        assert gen.get_state() == Agen.GeneratorState.FINISHED
        countdown = Countdown(5)
        gen = Agen.Generator.from_async_iterable(countdown)
        assert await anext(gen) == 4
        await gen.aclose()
        assert countdown.closed
        gen = Agen.Generator.from_async_iterable(Countdown(5))
        await anext(gen)
        with pytest.raises(ValueError):
            await gen.athrow(ValueError('no athrow: uncaught'))
    run(main())


def test_steps_share_one_context(run):
    var = contextvars.ContextVar('var', default=0)

    async def counting():
        while True:
            var.set(var.get() + 1)
            yield var.get()

    async def main():
        gen = Agen.Generator.from_async_iterable(counting())
        assert [await anext(gen) for _ in range(3)] == [1, 2, 3]
        assert var.get() == 0
        await gen.aclose()
    run(main())


def test_a_generator_closed_behind_the_wrappers_back(run):
    async def main():
        log = AgenTest.Log.new()
        native = twins.counter(3, log)
        gen = Agen.Generator.from_async_iterable(native)
        assert await anext(gen) == 0
        await native.aclose()
        assert list(log.dup_entries()) == ['cleanup']
        with pytest.raises(StopAsyncIteration):
            await anext(gen)
        assert gen.get_state() == Agen.GeneratorState.FINISHED
    run(main())


def test_a_python_body_closed_by_agen_shutdown(run):
    async def main():
        gate = AgenTest.Gate.new()
        log = AgenTest.Log.new()
        gen = Agen.Generator.from_async_iterable(twins.cleanup_awaits(3, gate, log))
        assert await anext(gen) == 0
        shutdown = asyncio.ensure_future(Agen.shutdown())
        await twins.wait_until(lambda: gate.get_n_waiters() > 0, 'the cleanup to wait')
        gate.open()
        await shutdown
        assert list(log.dup_entries()) == ['cleanup start', 'cleanup end']
    run(main())


def test_from_async_iterable_names_the_generator_and_passes_generators_through():
    gen = Agen.Generator.from_async_iterable(twins.counter(1, AgenTest.Log.new()))
    assert gen.get_name() == 'counter'
    assert Agen.Generator.from_async_iterable(gen) is gen
    named = Agen.Generator.from_async_iterable(twins.counter(1, AgenTest.Log.new()), name='mine')
    assert named.get_name() == 'mine'


def test_a_cancellation_before_the_first_step_ran(run):
    # The C side cancels before the asyncio task of the step has run: the
    # Python generator still gets CancelledError at its await, not never.
    async def waits(log):
        try:
            log.append('started')
            await asyncio.sleep(10)
            yield 1
        except asyncio.CancelledError:
            log.append('cancelled at the await')
            raise
        finally:
            log.append('cleanup')

    async def main():
        log = AgenTest.Log.new()
        gen = Agen.Generator.from_async_iterable(waits(log))
        future = asyncio.get_running_loop().create_future()

        def done(source, result, _data):
            try:
                outcome = source.next_finish(result)
            except BaseException as exc:    # noqa: B902
                outcome = exc
            future.set_result(outcome)

        cancellable = Gio.Cancellable()
        gen.next_async(cancellable, done, None)
        cancellable.cancel()
        error = await future
        assert isinstance(error, GLib.Error)
        assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        assert list(log.dup_entries()) == ['started', 'cancelled at the await', 'cleanup']
    run(main())


def test_a_body_driven_from_outside_yields_without_a_body_call(run):
    """semantics.xml, contract-producer-resume-yield: resume_yield() ends
    the body's await with an item; a C consumer asks for the next one in
    its reply, and the body is not called for it."""
    calls = []
    state = {'await_id': 0, 'finish': False}

    def body(gen, _data=None):
        error = gen.catch_error()
        calls.append('next' if error is None else 'error')
        if state['finish'] or error is not None:
            gen.return_()
        else:
            state['await_id'] = gen.suspend()

    async def main():
        gen = Agen.Generator.new(body, None)
        consumed = asyncio.ensure_future(collect(gen))
        while state['await_id'] == 0:
            await asyncio.sleep(0.001)
        ids = []
        for item in (1, 'two', 3):
            await asyncio.sleep(0)
            ids.append(gen.resume_yield(state['await_id'], item))
            state['await_id'] = ids[-1]
        assert all(ids) and len(set(ids)) == 3
        assert calls == ['next']
        assert gen.resume_yield(12345678, 4) == 0       # not its await: ignored
        state['finish'] = True
        gen.resume(state['await_id'], None)
        assert await consumed == ['1', 'two', '3']
        assert calls == ['next', 'next']
    run(main())
