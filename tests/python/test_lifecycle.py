# test_lifecycle.py: generators whose Python wrapper goes away. The C side
# closes a started generator on its last unref (asyncio's finalizer hook
# schedules aclose() the same way); nothing may crash or leak.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import gc
import weakref

import pytest

from gi.repository import Agen, AgenTest

import twins


async def settle(rounds=20):
    """Collects garbage and lets the main loop go idle: the close on last
    unref is an idle source at G_PRIORITY_DEFAULT_IDLE, which gbulb's
    callbacks (all at G_PRIORITY_DEFAULT) starve while they keep coming, so
    asyncio.sleep(0) in a loop would never let it run."""
    for _ in range(rounds):
        gc.collect()
        await asyncio.sleep(0.001)


def finalized(gobject):
    """A list that holds True once `gobject` has been finalized."""
    flag = []
    gobject.weak_ref(lambda: flag.append(True))
    return flag


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_a_dropped_started_generator_is_closed(run, impl):
    async def main():
        subject = twins.Subject(impl, 'counter', n=3)
        assert await anext(subject.gen) == 0
        log, gone = subject.log, finalized(subject.gen)
        del subject
        await settle()
        assert list(log.dup_entries()) == ['cleanup']
        assert gone == [True]
    run(main())


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_a_dropped_generator_whose_cleanup_awaits(run, impl):
    async def main():
        subject = twins.Subject(impl, 'cleanup_awaits', n=3)
        assert await anext(subject.gen) == 0
        log, gate, gone = subject.log, subject.gate, finalized(subject.gen)
        del subject
        await settle()
        assert list(log.dup_entries()) == ['cleanup start']
        assert gone == []                       # alive until its cleanup is done
        gate.open()
        await settle()
        assert list(log.dup_entries()) == ['cleanup start', 'cleanup end']
        assert gone == [True]
    run(main())


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_a_dropped_generator_whose_cleanup_fails_warns(run, trap, impl):
    async def main():
        subject = twins.Subject(impl, 'raises_in_cleanup', n=3)
        await anext(subject.gen)
        log = subject.log
        del subject
        await settle()
        assert list(log.dup_entries()) == ['cleanup']
    run(main())
    assert len(trap.errors) == 1 and 'cleanup failed' in trap.errors[0]
    trap.errors.clear()


def test_a_dropped_python_body_leaves_nothing_behind(run):
    async def main():
        refs = []
        for started in (False, True):
            for _ in range(20):
                log = AgenTest.Log.new()
                native = twins.counter(3, log)
                refs.append(weakref.ref(native))
                gen = Agen.Generator.from_async_iterable(native)
                refs.append(finalized(gen))
                if started:
                    assert await anext(gen) == 0
                del native, gen
        await settle()
        assert all(ref() is None for ref in refs if isinstance(ref, weakref.ref))
        assert all(ref == [True] for ref in refs if isinstance(ref, list))
    run(main())


def test_a_dropped_finished_generator(run):
    async def main():
        for impl in ('c', 'wrapped'):
            subject = twins.Subject(impl, 'counter', n=1)
            assert [i async for i in subject.gen] == [0]
            log, gone = subject.log, finalized(subject.gen)
            del subject
            await settle()
            assert gone == [True]
            assert list(log.dup_entries()) == ['cleanup']
    run(main())


def test_a_generator_used_after_its_wrapper_was_recreated(run):
    # The GObject outlives a Python wrapper held only by C: a C consumer
    # keeps using it after Python dropped every reference.
    async def main():
        log = AgenTest.Log.new()
        future = asyncio.ensure_future(twins.collect(
            Agen.Generator.from_async_iterable(twins.counter(50, log))))
        gc.collect()
        assert await future == [str(i) for i in range(50)]
        assert list(log.dup_entries()) == ['cleanup']
    run(main())


def test_agen_run_reuses_the_loop_and_closes_what_is_left(trap):
    log = AgenTest.Log.new()
    gate = AgenTest.Gate.new()
    left = []

    async def first():
        gen = AgenTest.cleanup_awaits(3, gate, log)
        left.append(gen)
        assert await anext(gen) == 0
        # The cleanup of the generator left started awaits the gate: open it
        # once Agen.run() has started closing it.
        asyncio.get_running_loop().call_later(0.05, gate.open)
        return 'first'

    async def second():
        return [i async for i in AgenTest.counter(2, AgenTest.Log.new())]

    assert Agen.run(first()) == 'first'
    assert list(log.dup_entries()) == ['cleanup start', 'cleanup end']
    assert left[0].get_state() == Agen.GeneratorState.FINISHED
    assert Agen.run(second()) == [0, 1]
    assert trap.errors == []


def test_a_loop_on_another_main_context_is_a_clear_error(trap):
    # asyncio.run() with gbulb makes, after the first loop, loops on a new
    # GMainContext that agen-glib's callbacks would never reach: a hang.
    async def main():
        with pytest.raises(RuntimeError, match='another GMainContext'):
            await anext(AgenTest.counter(1, AgenTest.Log.new()))
        return 'refused'

    Agen.get_event_loop()                   # the default loop exists
    assert asyncio.run(main()) == 'refused'
    assert trap.errors == []


# ------------------------------------------------ Agen.run() at its end

async def rows(log, cleanup):
    """A Python body whose cleanup awaits cleanup()."""
    try:
        for n in range(10):
            yield n
    finally:
        log.append('finally')
        try:
            await cleanup()
        except asyncio.CancelledError:
            log.append('cleanup cancelled')
            raise
        log.append('finally done')


def test_agen_run_lets_a_dropped_generator_finish_closing(capfd):
    # Dropped as main() ends, the generator is being closed on its last
    # unref: the step of its cleanup is a task, which Agen.run() cancelled
    # with the tasks left ("Closing 'rows' ... on its last unref failed:
    # Operation was cancelled").
    log = []

    async def main():
        gen = Agen.Generator.from_async_iterable(rows(log, lambda: asyncio.sleep(0.01)))
        assert await anext(gen) == 0
        return 'main'

    assert Agen.run(main()) == 'main'
    assert log == ['finally', 'finally done']
    err = capfd.readouterr().err
    assert 'WARNING' not in err and 'cancelled' not in err, err


@pytest.mark.parametrize('left', ['dropped', 'kept'])
def test_agen_run_closes_the_generators_before_it_cancels_the_tasks_left(capfd, left):
    # A cleanup may await what a task left does: here it asks a worker task,
    # which runs forever (and which Agen.run() then cancels, as asyncio.run()
    # does), to say goodbye.
    log = []
    kept = []

    async def main():
        requests = asyncio.Queue()

        async def worker():
            try:
                while True:
                    reply = await requests.get()
                    reply.set_result('bye')
            except asyncio.CancelledError:
                log.append('worker cancelled')
                raise

        async def goodbye():
            reply = asyncio.get_running_loop().create_future()
            requests.put_nowait(reply)
            log.append(await reply)

        asyncio.ensure_future(worker())
        gen = Agen.Generator.from_async_iterable(rows(log, goodbye))
        if left == 'kept':
            kept.append(gen)        # suspended: Agen.run()'s shutdown closes it
        assert await anext(gen) == 0

    Agen.run(main())
    assert log == ['finally', 'bye', 'finally done', 'worker cancelled']
    err = capfd.readouterr().err
    assert 'WARNING' not in err and 'cancelled' not in err, err


@pytest.mark.parametrize('left', ['dropped', 'kept'])
def test_agen_run_cancels_a_cleanup_that_does_not_finish(caplog, left):
    # After close_timeout, as asyncio.run() would have at once: the cleanup
    # gets CancelledError at its await, and fails the close. The warning
    # tells; as asyncio, the exception handler hears of no cancellation.
    log = []
    kept = []

    async def main():
        never = asyncio.get_running_loop().create_future()
        gen = Agen.Generator.from_async_iterable(rows(log, lambda: never))
        if left == 'kept':
            kept.append(gen)
        assert await anext(gen) == 0
        return 'main'

    with pytest.warns(RuntimeWarning, match='did not finish closing within 0.2 seconds'):
        assert Agen.run(main(), close_timeout=0.2) == 'main'
    assert log == ['finally', 'cleanup cancelled']
    assert [r for r in caplog.records if r.name == 'asyncio'] == []


# ------------------------------------------- a busy asyncio loop (priorities)

async def poll_until_done(task, seconds=5.0):
    """Polls with asyncio.sleep(0), which keeps gbulb's G_PRIORITY_DEFAULT
    busy: agen-glib's sources, below it by default, must get through all
    the same."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not task.done():
        assert loop.time() < deadline, 'starved by a busy asyncio loop'
        await asyncio.sleep(0)
    return task.result()


def test_a_busy_asyncio_loop_does_not_starve_a_generator(run):
    async def main():
        echo = AgenTest.echo(AgenTest.Log())
        await anext(echo)
        # An answer that came at once is delivered from a source.
        assert await poll_until_done(asyncio.ensure_future(echo.asend(5))) == 5

        # A cancellation is delivered at the await from a source.
        gate = AgenTest.Gate()
        gated = AgenTest.gated(3, gate, AgenTest.Log())
        task = asyncio.ensure_future(anext(gated))
        while gate.get_n_waiters() == 0:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await poll_until_done(task)

        # A close on last unref starts from a source.
        log = AgenTest.Log()
        counter = AgenTest.counter(3, log)
        assert await anext(counter) == 0
        del counter
        gc.collect()
        await poll_until_done(asyncio.ensure_future(wait_for_entries(log)))
        assert list(log.dup_entries()) == ['cleanup']
    run(main())


async def wait_for_entries(log):
    while not list(log.dup_entries()):
        await asyncio.sleep(0)
