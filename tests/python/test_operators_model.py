# test_operators_model.py: flat_map, flat_map_merge, switch_map, scan,
# distinct and tee against reference implementations written as Python
# async generators.
#
# docs/reference/semantics.xml, sections contract-higher-order,
# contract-state and contract-share. Randomised (hypothesis, derandomised
# unless AGEN_HYPOTHESIS_RANDOM is set): the same outer items, inner
# generators (how many items, whether and where they raise, whether they
# await) and consumer (how many items it takes before it closes) drive the
# C operator and its reference; the items, the exception and the order in
# which generators ran their cleanup are compared. The concurrent ones
# (flat_map_merge, switch_map) are compared with their documented ordering
# guarantee instead of one order.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import collections
import itertools
import os

import pytest

from gi.repository import Agen, GLib

pytest.importorskip('hypothesis', reason='python3-hypothesis is not installed')

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

MAX_EXAMPLES = int(os.environ.get('AGEN_HYPOTHESIS_EXAMPLES', '150'))
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                    derandomize=os.environ.get('AGEN_HYPOTHESIS_RANDOM') is None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_MISSING = object()


class Boom(Exception):
    pass


# ------------------------------------------------------------ the generators

class World:
    """The generators of one run, which log their start and their cleanup,
    and count how many run at once."""

    def __init__(self):
        self.log = []
        self.running = 0
        self.max_running = 0

    async def source(self, name, items, raise_at=None, awaits=False):
        self.log.append('start ' + name)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            for i, item in enumerate(items):
                if i == raise_at:
                    raise Boom('%s at %d' % (name, i))
                if awaits:
                    await asyncio.sleep(0)
                yield item
            if raise_at is not None and raise_at >= len(items):
                raise Boom('%s at the end' % name)
        finally:
            self.running -= 1
            self.log.append('cleanup ' + name)


# One inner generator per outer item x: INNERS[x] = (items, raise_at, awaits).
INNER = st.tuples(st.integers(0, 3), st.one_of(st.none(), st.integers(0, 3)), st.booleans())


@st.composite
def flat_scenarios(draw):
    outer = draw(st.lists(st.integers(0, 5), max_size=5))
    inners = {x: draw(INNER) for x in sorted(set(outer))}
    outer_raise = draw(st.one_of(st.none(), st.integers(0, 5)))
    outer_awaits = draw(st.booleans())
    take = draw(st.one_of(st.none(), st.integers(0, 8)))
    return outer, inners, outer_raise, outer_awaits, take


def make_inner(world, inners, counter):
    """The flat-map function: a fresh inner generator for x, named by its
    rank r among the outer items, yielding 100 * r + i."""
    def func(x):
        n, raise_at, awaits = inners[x]
        rank = next(counter)
        return world.source('inner%d' % rank, [100 * rank + i for i in range(n)], raise_at, awaits)
    return func


async def consume(gen, take):
    """Up to ``take`` items (all when None), then aclose(): the items and the
    exception, as comparable values."""
    items = []
    error = None
    try:
        while take is None or len(items) < take:
            try:
                items.append(await anext(gen))
            except StopAsyncIteration:
                break
    except Boom as exc:
        error = ('Boom', str(exc))
    finally:
        await gen.aclose()
    return items, error


# ------------------------------------------------------------ the references

async def ref_flat_map(source, func):
    try:
        async for item in source:
            inner = func(item)
            try:
                async for x in inner:
                    yield x
            finally:
                await inner.aclose()
    finally:
        await source.aclose()


async def ref_scan(source, func, initial=_MISSING):
    try:
        accumulated = initial
        if initial is not _MISSING:
            yield initial
        async for item in source:
            accumulated = item if accumulated is _MISSING else func(accumulated, item)
            yield accumulated
    finally:
        await source.aclose()


async def ref_distinct(source, equal):
    try:
        previous = _MISSING
        async for item in source:
            if previous is _MISSING or not equal(item, previous):
                previous = item
                yield item
    finally:
        await source.aclose()


# ------------------------------------------------------------------- tests

def run_both(run, make_pipeline, make_reference, take):
    """The same scenario through C (make_pipeline(world)) and the reference
    (make_reference(world)): (items, error, log) of each."""
    outcomes = []
    for make in (make_pipeline, make_reference):
        world = World()

        async def main():
            result = await consume(make(world), take)
            await asyncio.sleep(0)
            return result
        items, error = run(main())
        outcomes.append((items, error, world.log))
    return outcomes


@SETTINGS
@given(scenario=flat_scenarios())
def test_flat_map_agrees_with_its_reference(run, scenario):
    outer, inners, outer_raise, outer_awaits, take = scenario

    def pipeline(world):
        source = Agen.Generator.from_async_iterable(world.source('outer', outer, outer_raise, outer_awaits))
        return source.flat_map(make_inner(world, inners, itertools.count()))

    def reference(world):
        return ref_flat_map(world.source('outer', outer, outer_raise, outer_awaits),
                            make_inner(world, inners, itertools.count()))

    c, ref = run_both(run, pipeline, reference, take)
    assert c == ref


def closes_every_started(log):
    started = [entry.split()[1] for entry in log if entry.startswith('start')]
    cleaned = [entry.split()[1] for entry in log if entry.startswith('cleanup')]
    assert sorted(started) == sorted(cleaned)


def in_each_inner_order(items):
    last = {}
    for item in items:
        assert last.get(item // 100, -1) < item % 100
        last[item // 100] = item % 100


@SETTINGS
@given(scenario=flat_scenarios(), concurrency=st.integers(1, 4))
def test_flat_map_merge_keeps_its_guarantees(run, scenario, concurrency):
    outer, inners, outer_raise, outer_awaits, take = scenario
    # Without failures and read to the end, the items are flat_map's, as a
    # multiset; in every case each inner generator's come in its order, at
    # most `concurrency` run at once, and every one is closed.
    inners = {x: (n, None, awaits) for x, (n, _raise_at, awaits) in inners.items()}

    def pipeline(world):
        pipeline.world = world
        source = Agen.Generator.from_async_iterable(world.source('outer', outer, None, outer_awaits))
        return source.flat_map_merge(concurrency, make_inner(world, inners, itertools.count()))

    def reference(world):
        return ref_flat_map(world.source('outer', outer, None, outer_awaits),
                            make_inner(world, inners, itertools.count()))

    (c_items, c_error, c_log), (ref_items, ref_error, _ref_log) = run_both(run, pipeline, reference, take)
    assert c_error is None and ref_error is None
    in_each_inner_order(c_items)
    if take is None:
        assert collections.Counter(c_items) == collections.Counter(ref_items)
    else:
        assert len(c_items) == len(ref_items)
    closes_every_started(c_log)
    assert pipeline.world.max_running <= concurrency + 1     # + the outer source


@SETTINGS
@given(scenario=flat_scenarios())
def test_switch_map_keeps_its_guarantees(run, scenario):
    outer, inners, _outer_raise, outer_awaits, _take = scenario
    inners = {x: (n, None, awaits) for x, (n, _raise_at, awaits) in inners.items()}

    async def main():
        world = World()
        source = Agen.Generator.from_async_iterable(world.source('outer', outer, None, outer_awaits))
        items, error = await consume(source.switch_map(make_inner(world, inners, itertools.count())), None)
        await asyncio.sleep(0)
        return world, items, error

    world, items, error = run(main())
    assert error is None
    # A prefix of each inner generator's items, in the order of the outer
    # items; the last inner generator runs to its end; at most one inner
    # generator runs at a time; every one is closed.
    in_each_inner_order(items)
    ranks = [item // 100 for item in items]
    assert ranks == sorted(ranks)
    if outer:
        last_rank, n_last = len(outer) - 1, inners[outer[-1]][0]
        assert items[len(items) - n_last:] == [100 * last_rank + i for i in range(n_last)]
    assert world.max_running <= 2
    closes_every_started(world.log)


@SETTINGS
@given(items=st.lists(st.integers(-3, 3), max_size=8), initial=st.one_of(st.just(_MISSING), st.integers(-5, 5)),
       fail_on=st.one_of(st.none(), st.integers(-3, 3)), take=st.one_of(st.none(), st.integers(0, 9)))
def test_scan_agrees_with_its_reference(run, items, initial, fail_on, take):
    def add(accumulated, item):
        if item == fail_on:
            raise Boom('cannot add %d' % item)
        return accumulated + item

    def pipeline(world):
        source = Agen.Generator.from_async_iterable(world.source('source', items))
        return source.scan(add) if initial is _MISSING else source.scan(add, initial)

    def reference(world):
        return ref_scan(world.source('source', items), add, initial)

    c, ref = run_both(run, pipeline, reference, take)
    assert c == ref


@SETTINGS
@given(items=st.lists(st.one_of(st.integers(0, 2), st.sampled_from(['a', 'b'])), max_size=10),
       by_parity=st.booleans(), take=st.one_of(st.none(), st.integers(0, 9)))
def test_distinct_agrees_with_its_reference(run, items, by_parity, take):
    def equal(a, b):
        if by_parity:
            return type(a) is type(b) and (a == b if isinstance(a, str) else a % 2 == b % 2)
        return a == b

    def pipeline(world):
        source = Agen.Generator.from_async_iterable(world.source('source', items))
        return source.distinct(equal if by_parity else None)

    def reference(world):
        return ref_distinct(world.source('source', items), equal)

    c, ref = run_both(run, pipeline, reference, take)
    assert c == ref


@SETTINGS
@given(items=st.lists(st.integers(0, 9), max_size=8), raise_at=st.one_of(st.none(), st.integers(0, 8)),
       awaits=st.booleans(), buffer_size=st.integers(1, 4),
       readers=st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 8)), st.integers(0, 3)),
                        min_size=1, max_size=3))
def test_tee_gives_every_branch_the_source(run, items, raise_at, awaits, buffer_size, readers):
    # Each branch takes its own number of items (all: None) with its own
    # pauses, concurrently; each gets the source's items (or the first
    # ones), then its error; the source is cleaned up once, after which no
    # branch reads; the buffer never holds more than buffer_size items.
    async def main():
        world = World()
        source = Agen.Generator.from_async_iterable(world.source('source', items, raise_at, awaits))
        share = Agen.Share.new(source, buffer_size)
        branches = [share.new_branch() for _ in readers]
        most_buffered = [0]

        async def read(branch, take, pauses):
            got, error = [], None
            try:
                while take is None or len(got) < take:
                    for _ in range(pauses):
                        await asyncio.sleep(0)
                    try:
                        got.append(await anext(branch))
                    except StopAsyncIteration:
                        break
                    most_buffered[0] = max(most_buffered[0], share.get_n_buffered())
            except Boom as exc:
                error = str(exc)
            except GLib.Error as exc:
                # The exception itself comes out of one branch; the others
                # raise its copy, a GLib.Error that names it.
                assert 'Boom: ' in exc.message
                error = exc.message.split('Boom: ', 1)[1]
            finally:
                await branch.aclose()
            return got, error

        results = await asyncio.gather(*(read(b, take, pauses) for b, (take, pauses) in zip(branches, readers)))
        return world, results, most_buffered[0]

    world, results, most_buffered = run(main())
    produced = items if raise_at is None else items[:raise_at]
    failure = None if raise_at is None else ('source at %d' % raise_at if raise_at < len(items) else 'source at the end')
    for (take, _pauses), (got, error) in zip(readers, results):
        if take is None or take > len(produced):
            assert got == produced and error == failure
        else:
            assert got == produced[:take] and error is None
    assert world.log == ['start source', 'cleanup source'] or (world.log == [] and all(
        take == 0 for take, _ in readers))
    assert most_buffered <= buffer_size


def test_bad_inner_values_are_type_errors(run):
    async def main():
        for bad in (5, None, 'text', object()):
            gen = Agen.Generator.new_values([1]).flat_map(lambda x, bad=bad: bad)
            with pytest.raises(TypeError, match='not a generator or an async iterable'):
                await gen.collect()
        with pytest.raises(GLib.Error, match='concurrency must be at least 1'):
            await Agen.Generator.new_values([1]).flat_map_merge(0, lambda x: Agen.Generator.new_values([])).collect()
    run(main())


def test_switch_map_typed_many_times_leaks_no_generator(run):
    # Search as you type: every keystroke replaces a search that awaits.
    async def main():
        world = World()

        async def keys():
            for key in range(2000):
                await asyncio.sleep(0)
                yield key

        def search(key):
            return world.source('search%d' % key, [key, key], None, True)

        items = await Agen.Generator.from_async_iterable(keys()).switch_map(search).collect()
        await asyncio.sleep(0)
        return world, items

    world, items = run(main(), timeout=60)
    assert items[-2:] == [1999, 1999]
    assert world.running == 0
    assert world.log.count('start search1999') == 1
    closes_every_started(['start outer'] + world.log + ['cleanup outer'])


@pytest.mark.parametrize('operator', ['flat_map', 'flat_map_merge', 'switch_map'])
def test_cancelling_closes_every_inner_generator(run, operator):
    # The task awaiting the operator is cancelled while its inner generators
    # await: each one's finally runs, then the outer source's.
    async def main():
        world = World()
        started = asyncio.Event()

        async def slow(x):
            world.log.append('start slow%d' % x)
            try:
                started.set()
                await asyncio.sleep(3600)
                yield x
            finally:
                world.log.append('cleanup slow%d' % x)

        source = Agen.Generator.from_async_iterable(world.source('outer', [1, 2], None, True))
        gen = source.flat_map_merge(2, slow) if operator == 'flat_map_merge' else getattr(source, operator)(slow)
        task = asyncio.ensure_future(anext(gen))
        await started.wait()
        for _ in range(5):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await gen.aclose()
        return world

    world = run(main())
    starts = [entry for entry in world.log if entry.startswith('start slow')]
    assert starts
    closes_every_started(world.log)
    assert world.log[-1] == 'cleanup outer'
