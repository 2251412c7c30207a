# test_time_model.py: the time operators (debounce, throttle, timeout,
# retry) against reference implementations written as Python async
# generators from docs/reference/semantics.xml, section contract-time.
#
# Both run the same random scripts in virtual time: the C operators on
# libagen-test's manual clock (each run dispatches what is ready, then
# moves the clock to the next deadline), the references on an asyncio loop
# whose clock moves by the time select() would sleep. Items, the times they
# come at, the error, and how many sources were closed must agree; some
# consumers stop early and close the operator, as a break does. Times
# are multiples of 16 ms, the operators' times 1 more than one, so no two
# events ever fall on the same instant (whose order the rules leave open).
# AGEN_TIME_MODEL_CASES runs more cases per operator.
#
# The binding's idioms (Agen.sleep, the methods' checks, a Python factory)
# are tested at the end, on the GLib loop with real time.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import os
import random
import selectors
import time

import pytest

from gi.repository import Agen, AgenTest, GLib, Gio

CASES = int(os.environ.get('AGEN_TIME_MODEL_CASES', '150'))
UNIT = 16


class SourceError(Exception):
    def __init__(self, code):
        super().__init__('source failed %d' % code)
        self.code = code


# ------------------------------------------------------------- references

async def timed_source(pairs, error_code, log):
    """agen_test_timed_source(): await gap ms (none when negative), yield."""
    try:
        for gap, item in pairs:
            if gap >= 0:
                await asyncio.sleep(gap / 1000)
            yield item
        if error_code:
            raise SourceError(error_code)
    finally:
        log.append('closed')


async def _settle_next(nxt):
    """Cancels a next in flight and waits for it, as a combinator that
    finishes does; what it ends with is dropped."""
    nxt.cancel()
    try:
        await nxt
    except (asyncio.CancelledError, StopAsyncIteration, SourceError):
        pass


async def debounce(source, ms):
    loop = asyncio.get_running_loop()
    pending, has_pending, deadline, nxt = None, False, 0.0, None
    try:
        while True:
            if has_pending and loop.time() >= deadline:
                has_pending = False
                yield pending          # the next stays in flight meanwhile
                continue
            if nxt is None:
                nxt = asyncio.ensure_future(anext(source))
            timeout = max(0.0, deadline - loop.time()) if has_pending else None
            done, _ = await asyncio.wait({nxt}, timeout=timeout)
            if not done:
                continue
            finished, nxt = nxt, None
            try:
                pending = finished.result()
            except StopAsyncIteration:
                if has_pending:
                    yield pending
                return
            has_pending, deadline = True, loop.time() + ms / 1000
    finally:
        if nxt is not None:
            await _settle_next(nxt)
        await source.aclose()


async def throttle(source, ms):
    loop = asyncio.get_running_loop()
    pending, has_pending, allowed, nxt = None, False, float('-inf'), None
    try:
        while True:
            if has_pending and loop.time() >= allowed:
                has_pending = False
                allowed = loop.time() + ms / 1000
                yield pending
                continue
            if nxt is None:
                nxt = asyncio.ensure_future(anext(source))
            timeout = max(0.0, allowed - loop.time()) if has_pending else None
            done, _ = await asyncio.wait({nxt}, timeout=timeout)
            if not done:
                continue
            finished, nxt = nxt, None
            try:
                pending = finished.result()
            except StopAsyncIteration:
                if has_pending:
                    yield pending
                return
            has_pending = True
    finally:
        if nxt is not None:
            await _settle_next(nxt)
        await source.aclose()


async def timeout(source, ms):
    try:
        while True:
            try:
                async with asyncio.timeout(ms / 1000):
                    item = await anext(source)
            except StopAsyncIteration:
                return
            yield item
    finally:
        await source.aclose()


async def retry(factory, max_attempts, backoff_ms, after_items):
    attempt = 0
    while True:
        attempt += 1
        source = factory(attempt)
        yielded = False
        try:
            async for item in source:
                yielded = True
                yield item
            return
        except SourceError:
            if attempt >= max_attempts or (yielded and not after_items):
                raise
        finally:
            await source.aclose()
        if backoff_ms:
            await asyncio.sleep(backoff_ms * 2 ** (attempt - 1) / 1000)


# ------------------------------------------------------------ virtual time

class _VirtualSelector(selectors.SelectSelector):
    """Never sleeps: moves the loop's clock by the time it would have."""

    loop = None

    def select(self, timeout=None):
        if timeout is None:
            raise AssertionError('the reference waits for nothing: stuck')
        self.loop.now += timeout
        return super().select(0)


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        selector = _VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        self.now = 0.0

    def time(self):
        return self.now


def run_reference(make, delays, stop_after=None):
    loop = VirtualLoop()
    log = []

    async def main():
        generator = make(log)
        out = []
        for k in range(1000):
            if k == stop_after:
                await generator.aclose()
                out.append(('closed', now()))
                break
            if delays[k % len(delays)]:
                await asyncio.sleep(delays[k % len(delays)] / 1000)
            try:
                item = await anext(generator)
            except StopAsyncIteration:
                out.append(('end', now()))
                break
            except TimeoutError:
                out.append(('TIMED_OUT', now()))
                break
            except SourceError as e:
                out.append((('E', e.code), now()))
                break
            out.append((item, now()))
        await generator.aclose()
        return out

    def now():
        return round(loop.time() * 1000)

    try:
        return loop.run_until_complete(main()), log
    finally:
        loop.close()


def _virtual_wait(start):
    """Starts an async call and runs the default context in virtual time
    until its callback came; returns its GAsyncResult."""
    results = []
    start(lambda _source, result, *_data: results.append(result))
    context = GLib.MainContext.default()
    while not results:
        while not results and context.iteration(False):
            pass
        if not results and not AgenTest.clock_advance():
            raise AssertionError('the C side waits for nothing: stuck')
    return results[0]


def _outcome(error):
    if error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT):
        return 'TIMED_OUT'
    assert error.domain == 'agen-test-error-quark', error.message
    return ('E', error.code)


def run_c(make, delays, stop_after=None):
    log = AgenTest.Log.new()
    AgenTest.clock_use_manual(True)
    try:
        start = AgenTest.clock_now_ms()
        generator = make(log)
        out = []
        for k in range(1000):
            if k == stop_after:
                generator.close_finish(_virtual_wait(lambda done: generator.close_async(None, done, None)))
                out.append(('closed', AgenTest.clock_now_ms() - start))
                break
            delay = delays[k % len(delays)]
            if delay:
                Agen.sleep_finish(_virtual_wait(lambda done: Agen.sleep_async(delay, None, done, None)))
            result = _virtual_wait(lambda done: generator.next_async(None, done, None))
            now = AgenTest.clock_now_ms() - start
            try:
                produced, item = generator.next_finish(result)
            except GLib.Error as error:
                out.append((_outcome(error), now))
                break
            if not produced:
                out.append(('end', now))
                break
            out.append((item, now))
        # Nothing is left to call back later.
        context = GLib.MainContext.default()
        while context.iteration(False):
            pass
        assert not AgenTest.clock_advance()
        return out, list(log.dup_entries())
    finally:
        AgenTest.clock_use_manual(False)


# ------------------------------------------------------------------ cases

def random_script(rng):
    pairs = [(rng.choice([-1, 0, UNIT, 2 * UNIT, 3 * UNIT, 4 * UNIT, 6 * UNIT, 10 * UNIT]), i + 1)
             for i in range(rng.randint(0, 7))]
    error_code = rng.choice([0, 0, rng.randint(1, 5)])
    return pairs, error_code


def c_source(pairs, error_code, log):
    flat = [n for pair in pairs for n in pair]
    source = AgenTest.timed_source(flat, error_code, log)
    source.set_name('timed')
    return source


def random_delays(rng):
    return [rng.choice([0, 0, 0, UNIT, 3 * UNIT]) for _ in range(rng.randint(1, 4))]


def random_stop(rng):
    """Where the consumer stops and closes the operator: mostly never."""
    return rng.choice([None, None, rng.randint(0, 4)])


def random_period(rng):
    return rng.randint(1, 8) * UNIT + 1


def compare(c_run, reference_run, what):
    (c_items, c_log), (ref_items, ref_log) = c_run, reference_run
    assert c_items == ref_items, what
    assert c_log == ref_log, what


@pytest.mark.parametrize('operator', ['debounce', 'throttle', 'timeout'])
def test_one_source_operators_match_their_model(operator):
    rng = random.Random(1600 + len(operator))
    c_operator = getattr(Agen.Generator, operator)
    reference = globals()[operator]
    for case in range(CASES):
        pairs, error_code = random_script(rng)
        ms = random_period(rng)
        delays = random_delays(rng)
        stop = random_stop(rng)
        what = 'case %d: %s(%d) of %r, error %d, delays %r, stop %r' % (
            case, operator, ms, pairs, error_code, delays, stop)
        compare(run_c(lambda log: c_operator(c_source(pairs, error_code, log), ms), delays, stop),
                run_reference(lambda log: reference(timed_source(pairs, error_code, log), ms), delays, stop),
                what)


def test_retry_matches_its_model():
    rng = random.Random(1605)
    for case in range(CASES):
        scripts = [random_script(rng) for _ in range(4)]
        max_attempts = rng.randint(1, 4)
        backoff_ms = rng.choice([0, UNIT + 1, 3 * UNIT + 1])
        after_items = rng.random() < 0.5
        delays = random_delays(rng)
        stop = random_stop(rng)
        what = 'case %d: retry(%d, %d, %s) of %r, delays %r, stop %r' % (
            case, max_attempts, backoff_ms, after_items, scripts, delays, stop)

        def c_make(log):
            return Agen.Generator.retry(lambda attempt: c_source(*scripts[attempt - 1], log),
                                        max_attempts, backoff_ms, after_items)

        def reference_make(log):
            return retry(lambda attempt: timed_source(*scripts[attempt - 1], log),
                         max_attempts, backoff_ms, after_items)

        compare(run_c(c_make, delays, stop), run_reference(reference_make, delays, stop), what)


# ---------------------------------------------------------- the idioms

def test_sleep_in_a_python_body(run):
    async def body():
        for i in range(3):
            await Agen.sleep(5)
            yield i

    async def main():
        started = time.monotonic()
        items = await Agen.Generator.from_async_iterable(body()).collect()
        assert items == [0, 1, 2]
        assert time.monotonic() - started >= 0.015
    run(main())


def test_sleep_cancelled(run):
    async def main():
        task = asyncio.ensure_future(Agen.sleep(60 * 1000))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    run(main())


def test_debounce_and_throttle_of_a_burst(run):
    async def main():
        assert await Agen.Generator.new_values([1, 2, 3]).debounce(20).collect() == [3]
        assert await Agen.Generator.new_values([1, 2, 3]).throttle(20).collect() == [1, 3]
    run(main())


def test_timeout_of_a_python_body(run):
    log = []

    async def slow():
        try:
            yield 'first'
            await asyncio.sleep(10)
            yield 'never'
        except asyncio.CancelledError:
            log.append('cancelled')
            raise
        finally:
            log.append('finally')

    async def main():
        gen = Agen.Generator.from_async_iterable(slow(), name='slow').timeout(30)
        assert await anext(gen) == 'first'
        with pytest.raises(GLib.Error) as caught:
            await anext(gen)
        assert caught.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)
        assert caught.value.message.startswith('slow: ')
        assert log == ['cancelled', 'finally']
    run(main())


@pytest.mark.parametrize('bad', [0, -1, 1.5, True, None, 2 ** 32])
def test_bad_times_are_value_errors(bad):
    gen = Agen.Generator.new_values([1])
    for operator in (gen.debounce, gen.throttle, gen.timeout):
        with pytest.raises(ValueError):
            operator(bad)


def test_retry_bad_arguments():
    with pytest.raises(TypeError):
        Agen.Generator.retry(42, 3)
    with pytest.raises(ValueError):
        Agen.Generator.retry(lambda attempt: None, 0)
    with pytest.raises(ValueError):
        Agen.Generator.retry(lambda attempt: None, 2, backoff_ms=-5)


def test_retry_with_python_factories(run):
    made = []

    def factory(attempt):
        made.append(attempt)

        async def attempt_body():
            if attempt < 3:
                raise KeyError(attempt)
            yield 'ok %d' % attempt
        return attempt_body()

    async def main():
        assert await Agen.Generator.retry(factory, 5, backoff_ms=1).collect() == ['ok 3']
        assert made == [1, 2, 3]

        made.clear()
        with pytest.raises(KeyError):
            await Agen.Generator.retry(factory, 2).collect()
        assert made == [1, 2]
    run(main())


def test_retry_factory_failures_come_out(run):
    class Oops(Exception):
        pass

    def raising(attempt):
        raise Oops('no')

    async def main():
        with pytest.raises(Oops):
            await Agen.Generator.retry(raising, 3).collect()
        with pytest.raises(TypeError, match='not a generator'):
            await Agen.Generator.retry(lambda attempt: 42, 3).collect()
    run(main())
