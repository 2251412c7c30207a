# test_streams.py: sources, combinators and Agen.ListModel from Python.
#
# The sources and combinators are C generators; the override adds map()
# and filter() (Python functions; an exception comes out as itself),
# collect() and new_values(). A GValueArray item (signal emissions,
# enumerate, zip, batch) is a list.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio

import pytest

from gi.repository import Agen, GLib, GObject, Gio

from twins import collect as c_collect


def memory_stream(text):
    return Gio.MemoryInputStream.new_from_bytes(GLib.Bytes.new(text.encode()))


async def logged(items, log, *, awaits=False):
    """A Python source that logs how it ends (its finally runs once)."""
    try:
        for item in items:
            if awaits:
                await asyncio.sleep(0)
            yield item
        log.append('end')
    except GeneratorExit:
        log.append('closed')
        raise
    finally:
        log.append('finally')


class Emitter(GObject.Object):
    __gsignals__ = {
        'ping': (GObject.SignalFlags.RUN_LAST, None, (int, str)),
        'tick': (GObject.SignalFlags.RUN_LAST, None, ()),
    }


class Item(GObject.Object):
    def __init__(self, n):
        super().__init__()
        self.n = n


# ------------------------------------------------------------------ sources

def test_lines_of_a_memory_stream(run):
    async def main():
        stream = memory_stream('alpha\nbeta\r\n\ngamma')
        lines = [line async for line in Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT)]
        assert lines == ['alpha', 'beta', '', 'gamma']
        assert stream.is_closed()
    run(main())


def test_closing_lines_early_closes_the_stream(run):
    async def main():
        stream = memory_stream('one\ntwo\nthree\n')
        lines = Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT)
        assert await anext(lines) == 'one'
        assert not stream.is_closed()
        await lines.aclose()
        assert stream.is_closed()
    run(main())


def test_file_infos_of_a_directory(run, tmp_path):
    for name in ('b.txt', 'a.txt', 'c.txt'):
        (tmp_path / name).write_text(name)
    (tmp_path / 'sub').mkdir()

    async def main():
        directory = Gio.File.new_for_path(str(tmp_path))
        infos = Agen.Generator.new_file_infos(directory, None, Gio.FileQueryInfoFlags.NONE,
                                             GLib.PRIORITY_DEFAULT)
        found = {}
        async for info in infos:
            assert isinstance(info, Gio.FileInfo)
            found[info.get_name()] = info.get_file_type()
        assert found == {
            'a.txt': Gio.FileType.REGULAR, 'b.txt': Gio.FileType.REGULAR,
            'c.txt': Gio.FileType.REGULAR, 'sub': Gio.FileType.DIRECTORY,
        }
    run(main())


def test_file_infos_of_a_missing_directory_raise_the_gio_error(run, tmp_path):
    async def main():
        directory = Gio.File.new_for_path(str(tmp_path / 'missing'))
        infos = Agen.Generator.new_file_infos(directory, 'standard::name',
                                             Gio.FileQueryInfoFlags.NONE, GLib.PRIORITY_DEFAULT)
        with pytest.raises(GLib.Error) as raised:
            await anext(infos)
        assert raised.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
    run(main())


def test_signal_emissions_are_lists_of_their_parameters(run):
    async def main():
        emitter = Emitter()
        pings = Agen.Generator.new_signal(emitter, 'ping', 8, Agen.OverflowPolicy.DROP_OLDEST)
        ticks = Agen.Generator.new_signal(emitter, 'tick', 8, Agen.OverflowPolicy.DROP_OLDEST)
        emitter.emit('ping', 1, 'one')
        emitter.emit('tick')
        emitter.emit('ping', 2, 'two')
        assert await anext(pings) == [1, 'one']
        n, text = await anext(pings)              # unpacks as a tuple would
        assert (n, text) == (2, 'two')
        assert await anext(ticks) == []
        await pings.aclose()
        await ticks.aclose()
        emitter.emit('ping', 3, 'three')          # disconnected: nothing to buffer
        assert await anext(pings, 'done') == 'done'
    run(main())


def test_signal_source_ends_when_the_instance_goes_away(run):
    async def main():
        emitter = Emitter()
        pings = Agen.Generator.new_signal(emitter, 'ping', 8, Agen.OverflowPolicy.DROP_OLDEST)
        emitter.emit('ping', 1, 'one')
        del emitter
        assert [args async for args in pings] == [[1, 'one']]
    run(main())


def test_interval_ticks_in_order(run):
    async def main():
        ticks = Agen.Generator.new_interval(5).take(4)
        got = [tick async for tick in ticks]
        # A loaded machine may skip ticks: only their order is certain.
        assert len(got) == 4
        assert got == sorted(set(got)) and got[0] >= 0
    run(main())


def test_list_items_and_values(run):
    async def main():
        store = Gio.ListStore.new(Item)
        for n in range(3):
            store.append(Item(n))
        assert [item.n async for item in Agen.Generator.new_list_items(store)] == [0, 1, 2]
        values = [1, 'two', 2.5, True, None, 2 ** 40, [1, 2]]
        assert [v async for v in Agen.Generator.new_values(values)] == values
    run(main())


def test_new_values_maps_each_value_with_to_value(run):
    async def main():
        # None is a G_TYPE_POINTER NULL (PyGObject alone would crash) and an
        # int beyond gint a gint64 (PyGObject alone: OverflowError).
        gen = Agen.Generator.new_values([None, 2 ** 40, 7])
        assert await c_collect(gen) == ['NULL', str(2 ** 40), '7']
        with pytest.raises(OverflowError):
            Agen.Generator.new_values([2 ** 64])
    run(main())


# -------------------------------------------------------------- combinators

def test_map_filter_take_with_python_functions(run):
    async def main():
        pipeline = (Agen.Generator.new_values(range(20))
                    .map(lambda x: x * 2)
                    .filter(lambda x: x % 3 == 0)
                    .take(4))
        assert await pipeline.collect() == [0, 6, 12, 18]
    run(main())


def test_a_c_consumer_gets_what_a_python_map_returns(run):
    async def main():
        results = [3, 'text', None, 2 ** 40, GObject.Value(GObject.TYPE_STRING, 'gv'),
                   GObject.Value(GObject.TYPE_UINT64, 2 ** 64 - 1)]
        mapped = Agen.Generator.new_values(range(len(results))).map(lambda i: results[i])
        assert await c_collect(mapped) == ['3', 'text', 'NULL', str(2 ** 40), 'gv', str(2 ** 64 - 1)]
    run(main())


def test_a_pipeline_closes_its_python_source_once(run):
    async def main():
        log = []
        source = Agen.Generator.from_async_iterable(logged(range(10), log, awaits=True))
        pipeline = source.map(lambda x: x + 1).filter(lambda x: x % 2).take(2)
        assert [x async for x in pipeline] == [1, 3]
        assert log == ['closed', 'finally']

        log = []
        source = Agen.Generator.from_async_iterable(logged(range(10), log))
        pipeline = source.map(str).take(5)
        assert await anext(pipeline) == '0'
        await pipeline.aclose()
        assert log == ['closed', 'finally']
        assert source.get_state() == Agen.GeneratorState.FINISHED
    run(main())


class Oops(Exception):
    pass


def test_an_exception_of_the_map_function_comes_out_as_itself(run):
    oops = Oops('no three')

    def check(x):
        if x == 3:
            raise oops
        return x

    async def main():
        log = []
        source = Agen.Generator.from_async_iterable(logged(range(10), log, awaits=True))
        mapped = source.map(check).filter(lambda x: True)
        got = []
        with pytest.raises(Oops) as raised:
            async for x in mapped:
                got.append(x)
        assert raised.value is oops
        assert got == [0, 1, 2]
        assert log == ['closed', 'finally']      # the map closed its source first
        assert mapped.get_state() == Agen.GeneratorState.FINISHED

        # The same through collect(), and a GLib.Error keeps its domain and code.
        with pytest.raises(Oops) as raised:
            await Agen.Generator.new_values(range(5)).map(check).collect()
        assert raised.value is oops

        def fail(x):
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'denied',
                                         Gio.IOErrorEnum.PERMISSION_DENIED)
        with pytest.raises(GLib.Error) as raised:
            await anext(Agen.Generator.new_values([1]).map(fail))
        assert raised.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.PERMISSION_DENIED)
    run(main())


def test_a_c_consumer_sees_a_map_exception_as_a_gerror(run):
    async def main():
        def fail(x):
            raise ValueError('bad %d' % x)
        with pytest.raises(GLib.Error) as raised:
            await c_collect(Agen.Generator.new_values([4]).map(fail))
        assert raised.value.domain == Agen.PYTHON_EXCEPTION_DOMAIN
        assert raised.value.message == 'ValueError: bad 4'
    run(main())


def test_a_map_function_raising_stop_iteration_is_a_runtime_error(run):
    def stop(x):
        raise StopIteration

    async def main():
        with pytest.raises(RuntimeError, match='StopIteration'):
            await Agen.Generator.new_values([1]).map(stop).collect()
    run(main())


def test_an_exception_of_a_filter_predicate_comes_out_as_itself(run):
    oops = Oops('cannot tell')

    def odd(x):
        if x == 3:
            raise oops
        return x % 2

    async def main():
        log = []
        source = Agen.Generator.from_async_iterable(logged(range(10), log, awaits=True))
        filtered = source.filter(odd).take(5)
        got = []
        with pytest.raises(Oops) as raised:
            async for x in filtered:
                got.append(x)
        assert raised.value is oops
        assert got == [1]
        assert log == ['closed', 'finally']      # the filter closed its source, once
        assert source.get_state() == Agen.GeneratorState.FINISHED

        # The same through collect(); a C consumer sees the GError.
        log = []
        with pytest.raises(Oops) as raised:
            await Agen.Generator.from_async_iterable(logged(range(5), log)).filter(odd).collect()
        assert raised.value is oops
        assert log == ['closed', 'finally']
        with pytest.raises(GLib.Error) as raised:
            await c_collect(Agen.Generator.new_values([3]).filter(odd))
        assert raised.value.domain == Agen.PYTHON_EXCEPTION_DOMAIN
        assert raised.value.message.endswith('Oops: cannot tell')
    run(main())


def test_enumerate_zip_and_batch_items_are_lists(run):
    async def main():
        letters = ['a', 'b', 'c']
        assert await Agen.Generator.new_values(letters).enumerate().collect() == \
            [[0, 'a'], [1, 'b'], [2, 'c']]
        async for i, letter in Agen.Generator.new_values(letters).enumerate():
            assert letters[i] == letter

        zipped = Agen.Generator.zip([Agen.Generator.new_values(letters),
                                     Agen.Generator.new_values(range(10))])
        assert await zipped.collect() == [['a', 0], ['b', 1], ['c', 2]]

        batches = Agen.Generator.new_values(range(5)).batch(2, 0)
        assert await batches.collect() == [[0, 1], [2, 3], [4]]
        nested = Agen.Generator.new_values(range(3)).batch(2, 0).enumerate()
        assert await nested.collect() == [[0, [0, 1]], [1, [2]]]
    run(main())


def test_chain_and_merge_take_lists_of_generators(run):
    async def main():
        chained = Agen.Generator.chain([Agen.Generator.new_values([1, 2]),
                                        Agen.Generator.new_values([]),
                                        Agen.Generator.new_values([3])])
        assert await chained.collect() == [1, 2, 3]
        assert await Agen.Generator.chain([]).collect() == []
        merged = Agen.Generator.merge((Agen.Generator.new_values(['a', 'b']),
                                       Agen.Generator.new_values([1, 2])))
        items = await merged.collect()
        assert sorted(map(str, items)) == ['1', '2', 'a', 'b']
        assert [x for x in items if isinstance(x, str)] == ['a', 'b']
    run(main())


def test_skip_and_map_over_lines(run):
    async def main():
        stream = memory_stream('# header\nx=1\ny=2\n')
        pairs = (Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT)
                 .skip(1)
                 .map(lambda line: line.split('=')))
        assert [(k, v) async for k, v in pairs] == [('x', '1'), ('y', '2')]
        assert stream.is_closed()
    run(main())


def test_collect_raises_what_the_source_raised(run):
    async def failing():
        yield 1
        raise Oops('late')

    async def main():
        with pytest.raises(Oops, match='late'):
            await Agen.Generator.from_async_iterable(failing()).collect()
    run(main())


def test_collect_raises_the_very_exception_of_the_source(run):
    oops = Oops('the very one')

    async def failing():
        yield 1
        raise oops

    async def main():
        with pytest.raises(Oops) as raised:
            await Agen.Generator.from_async_iterable(failing()).map(str).collect()
        assert raised.value is oops
    run(main())


def test_foreach_calls_the_function_for_each_item(run):
    async def main():
        seen = []
        await Agen.Generator.new_values([1, 2, 3]).foreach(seen.append)
        assert seen == [1, 2, 3]

        log = []
        seen.clear()
        await Agen.Generator.from_async_iterable(logged([1, 2, 3], log)).foreach(
            lambda item: seen.append(item) or item < 2)
        assert seen == [1, 2]
        assert log == ['closed', 'finally'], 'False stops the loop, which closes the generator'
    run(main())


def test_foreach_raises_the_very_exceptions_of_the_function_and_the_body(run):
    oops = Oops('from the function')
    late = Oops('from the body')

    def func(item):
        if item == 2:
            raise oops

    async def failing():
        yield 1
        raise late

    async def main():
        log = []
        source = Agen.Generator.from_async_iterable(logged([1, 2, 3], log))
        with pytest.raises(Oops) as raised:
            await source.foreach(func)
        assert raised.value is oops
        assert log == ['closed', 'finally']

        with pytest.raises(Oops) as raised:
            await Agen.Generator.from_async_iterable(failing()).foreach(lambda item: None)
        assert raised.value is late
    run(main())


def test_cancelling_collect_cancels_the_source(run):
    async def main():
        log = []
        never = asyncio.get_running_loop().create_future()

        async def waits():
            try:
                yield 1
                log.append('awaiting')
                await never
                yield 2
            except asyncio.CancelledError:
                log.append('cancelled')
                raise
            finally:
                log.append('finally')

        task = asyncio.ensure_future(Agen.Generator.from_async_iterable(waits()).collect())
        while not log:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert log == ['awaiting', 'cancelled', 'finally']
    run(main())


# ---------------------------------------------------------------- list model

def test_list_model_loads_pages_from_a_python_generator(run):
    async def items(log):
        try:
            for n in range(7):
                await asyncio.sleep(0)
                yield Item(n)
        finally:
            log.append('finally')

    async def main():
        log = []
        model = Agen.ListModel.new(Agen.Generator.from_async_iterable(items(log)), Item, 3)
        changes = []
        model.connect('items-changed',
                      lambda _model, position, removed, added: changes.append((position, removed, added)))
        assert len(model) == 0 and model.get_item_type() == Item.__gtype__

        model.load_more()
        assert model.get_loading()
        while model.get_loading():
            await asyncio.sleep(0.001)
        assert [item.n for item in model] == [0, 1, 2]
        assert sum(added for _, _, added in changes) == 3
        assert not model.get_complete()

        model.set_autoload_limit(100)
        while not model.get_complete():
            await asyncio.sleep(0.001)
        assert [model[i].n for i in range(len(model))] == list(range(7))
        assert model.props.n_items == 7
        assert model.get_error() is None
        assert log == ['finally']
        # Each change appends at the end, in order.
        position = 0
        for at, removed, added in changes:
            assert (at, removed) == (position, 0) and added > 0
            position += added
        assert position == 7
    run(main())


def test_list_model_announce_interval_batches_items_changed(run):
    """announce-interval, set through the property: while loading, one
    items-changed per interval (the first item at once), and the rest as
    soon as loading ends; pages of one item would otherwise be announced
    one by one."""
    async def main():
        model = Agen.ListModel.new(Agen.Generator.new_values(range(2000)), Agen.ValueItem, 1)
        assert model.props.announce_interval == 0
        notified = []
        model.connect('notify::announce-interval', lambda *_: notified.append(model.props.announce_interval))
        model.props.announce_interval = 60000
        assert notified == [60000] and model.get_announce_interval() == 60000
        changes = []
        model.connect('items-changed',
                      lambda _model, position, removed, added: changes.append((position, removed, added)))
        model.set_autoload_limit(10000)
        while not model.get_complete():
            await asyncio.sleep(0.001)
        assert changes == [(0, 0, 1), (1, 0, 1999)]
        assert [item.value for item in model] == list(range(2000))
    run(main())


def test_list_model_keeps_the_error_of_its_generator(run):
    async def items():
        yield Item(0)
        raise Oops('page two')

    async def main():
        model = Agen.ListModel.new(Agen.Generator.from_async_iterable(items()), Item, 10)
        model.load_more()
        while model.get_loading():
            await asyncio.sleep(0.001)
        assert len(model) == 1 and not model.get_complete()
        error = model.get_error()
        assert error.domain == Agen.PYTHON_EXCEPTION_DOMAIN and 'page two' in error.message
    run(main())


def test_tuples_items_are_tuples(run):
    """enumerate_tuples, zip_tuples and batch_tuples yield AgenTuples: Python
    tuples, nested ones too, from anext(), collect(), foreach() and for
    map() and filter() functions."""
    async def main():
        letters = ['a', 'b', 'c']
        pairs = Agen.Generator.new_values(letters).enumerate_tuples()
        assert await pairs.collect() == [(0, 'a'), (1, 'b'), (2, 'c')]
        async for i, letter in Agen.Generator.new_values(letters).enumerate_tuples():
            assert type(i) is int and letters[i] == letter

        zipped = Agen.Generator.zip_tuples([Agen.Generator.new_values(letters),
                                            Agen.Generator.new_values(range(10))])
        assert await anext(zipped) == ('a', 0)
        seen = []
        await zipped.foreach(seen.append)
        assert seen == [('b', 1), ('c', 2)]

        batches = Agen.Generator.new_values(range(5)).batch_tuples(2, 0)
        assert await batches.map(lambda batch: sum(batch)).collect() == [1, 5, 4]
        nested = Agen.Generator.new_values(range(3)).batch_tuples(2, 0).enumerate_tuples()
        assert await nested.filter(lambda pair: len(pair[1]) == 2).collect() == [(0, (0, 1))]
        # The old GValueArray forms still give lists.
        assert await Agen.Generator.new_values(letters[:1]).enumerate().collect() == [[0, 'a']]
    run(main())


def test_list_model_of_values(run):
    """A list model of item type Agen.ValueItem holds any values, each
    wrapped in an Agen.ValueItem whose ``value`` is the item as a generator
    gives it; a tuple is a sequence there."""
    async def items():
        yield 'one'
        yield 2
        yield Item(3)

    async def main():
        model = Agen.ListModel.new(Agen.Generator.from_async_iterable(items()), Agen.ValueItem, 10)
        model.load_more()
        while model.get_loading():
            await asyncio.sleep(0.001)
        assert model.get_complete() and model.get_item_type() == Agen.ValueItem.__gtype__
        values = [item.value for item in model]
        assert values[:2] == ['one', 2] and values[2].n == 3
        assert model[0].get_value() == 'one'

        pairs = Agen.ListModel.new(Agen.Generator.new_values('xy').enumerate_tuples(), Agen.Tuple, 10)
        pairs.load_more()
        while pairs.get_loading():
            await asyncio.sleep(0.001)
        assert [tuple(pair) for pair in pairs] == [(0, 'x'), (1, 'y')]
        assert len(pairs[1]) == 2 and pairs[1][-1] == 'y' and list(pairs[1]) == [1, 'y']
    run(main())
