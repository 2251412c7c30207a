# test_values.py: how Python values and exceptions cross into agen-glib and
# back (the tables of the override's documentation).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio

import pytest

from gi.repository import Agen, AgenTest, GLib, GObject, Gio

import twins


@pytest.mark.parametrize('value, gtype', [
    (True, GObject.TYPE_BOOLEAN),
    (False, GObject.TYPE_BOOLEAN),
    (0, GObject.TYPE_INT),
    (2 ** 31 - 1, GObject.TYPE_INT),
    (-2 ** 31, GObject.TYPE_INT),
    (2 ** 31, GObject.TYPE_INT64),
    (-2 ** 31 - 1, GObject.TYPE_INT64),
    (2 ** 63 - 1, GObject.TYPE_INT64),
    (-2 ** 63, GObject.TYPE_INT64),
    (2.5, GObject.TYPE_DOUBLE),
    ('text', GObject.TYPE_STRING),
    ([1, 'two'], GObject.TYPE_PYOBJECT),
    (b'bytes', GObject.TYPE_PYOBJECT),
])
def test_to_value(value, gtype):
    converted = Agen.to_value(value)
    assert converted.g_type == gtype
    assert converted.get_value() == value


def test_to_value_of_objects_enums_variants_and_values():
    log = AgenTest.Log.new()
    assert Agen.to_value(log).g_type == AgenTest.Log.__gtype__
    state = Agen.GeneratorState.RUNNING
    assert Agen.to_value(state).g_type == Agen.GeneratorState.__gtype__
    assert Agen.to_value(GLib.Variant('i', 3)).g_type == GObject.TYPE_VARIANT
    value = GObject.Value(GObject.TYPE_UINT64, 2 ** 64 - 1)
    assert Agen.to_value(value) is value
    assert Agen.to_value(None) is None


@pytest.mark.parametrize('value', [2 ** 63, -2 ** 63 - 1, 2 ** 100])
def test_an_int_beyond_gint64_is_a_clear_error(run, value):
    with pytest.raises(OverflowError, match='does not fit in a gint64'):
        Agen.to_value(value)

    async def main():
        gen = AgenTest.echo(AgenTest.Log.new())
        assert await anext(gen) is None
        with pytest.raises(OverflowError, match='does not fit in a gint64'):
            await gen.asend(value)
        assert await gen.asend(1) == 1             # the generator is untouched
        await gen.aclose()
    run(main())


@pytest.mark.parametrize('value', [
    True, 7, -7, 2 ** 31, 2 ** 40, -2 ** 63, 2.5, 'text', '', [1, 2], {'a': 1},
    GLib.Variant('s', 'v'), Agen.GeneratorState.SUSPENDED,
])
@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_sent_values_come_back_as_python_values(run, impl, value):
    async def main():
        subject = twins.Subject(impl, 'echo')
        assert await anext(subject.gen) is None
        item = await subject.gen.asend(value)
        assert item == value and type(item) == type(value)
        await subject.gen.aclose()
    run(main())


@pytest.mark.parametrize('impl', ['c', 'wrapped'])
def test_objects_and_explicit_values(run, impl):
    async def main():
        subject = twins.Subject(impl, 'echo')
        await anext(subject.gen)
        log = AgenTest.Log.new()
        assert await subject.gen.asend(log) is log
        if impl == 'c':
            # A Python body sees plain Python values: a guint64 beyond gint64
            # that it yields back does not fit the mapping (OverflowError).
            big = GObject.Value(GObject.TYPE_UINT64, 2 ** 64 - 1)
            assert await subject.gen.asend(big) == 2 ** 64 - 1
        assert await subject.gen.asend(GObject.Value(GObject.TYPE_STRV, ['a', 'b'])) == ['a', 'b']
        await subject.gen.aclose()
    run(main())


def test_python_items_as_c_sees_them(run):
    class Opaque:
        pass

    async def items():
        yield 1
        yield 2 ** 40
        yield 'text'
        yield True
        yield 2.5
        yield None

    async def main():
        assert await twins.collect(Agen.Generator.from_async_iterable(items())) == \
            ['1', '1099511627776', 'text', 'TRUE', '2.500000', 'NULL']
    run(main())


# ----------------------------------------------------------- exceptions

def test_error_from_exception():
    error = twins.boom()
    assert Agen.error_from_exception(error) is error
    exit_error = Agen.error_from_exception(GeneratorExit())
    assert exit_error.matches(Agen.error_quark(), Agen.Error.EXIT)
    assert exit_error.message == 'GeneratorExit'
    cancelled = Agen.error_from_exception(asyncio.CancelledError('why'))
    assert cancelled.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert cancelled.message == 'asyncio.exceptions.CancelledError: why'
    other = Agen.error_from_exception(ValueError('bad'))
    assert other.domain == Agen.PYTHON_EXCEPTION_DOMAIN
    assert other.message == 'ValueError: bad'
    assert Agen.error_from_exception(KeyError()).message == 'KeyError'


@pytest.mark.parametrize('thrown, seen_by_c', [
    (lambda: twins.boom(), 'caught boom'),
    (lambda: ValueError('bad'), 'caught ValueError: bad'),
    (lambda: asyncio.CancelledError(), 'caught asyncio.exceptions.CancelledError'),
])
def test_what_a_c_body_catches(run, thrown, seen_by_c):
    async def main():
        log = AgenTest.Log.new()
        gen = AgenTest.catcher(3, log)
        assert await anext(gen) == 0
        assert await gen.athrow(thrown()) == -1
        assert list(log.dup_entries()) == [seen_by_c]
        await gen.aclose()
    run(main())


def test_a_glib_error_keeps_its_domain_and_code(run):
    async def main():
        gen = AgenTest.counter(3, AgenTest.Log.new())
        await anext(gen)
        error = GLib.Error('elsewhere', 'g-resolver-error-quark', 2)
        with pytest.raises(GLib.Error) as info:
            await gen.athrow(GLib.Error(error.message, error.domain, error.code))
        assert (info.value.domain, info.value.code, info.value.message) == \
            ('g-resolver-error-quark', 2, 'elsewhere')
    run(main())


def test_generator_exit_thrown_into_c_comes_back(run):
    async def main():
        gen = AgenTest.catcher(3, AgenTest.Log.new())      # re-raises AGEN_ERROR_EXIT
        await anext(gen)
        with pytest.raises(GeneratorExit):
            await gen.athrow(GeneratorExit())
    run(main())


def test_a_python_exception_crosses_c_and_comes_back(run):
    # Python body -> C generator -> Python consumer: the same object.
    class Custom(Exception):
        pass

    error = Custom('mine')

    async def failing():
        yield 1
        raise error

    async def main():
        gen = Agen.Generator.from_async_iterable(failing())
        assert await anext(gen) == 1
        with pytest.raises(Custom) as info:
            await anext(gen)
        assert info.value is error
    run(main())


def test_c_consumers_see_python_exceptions_as_gerrors(run):
    async def failing_value():
        yield 1
        raise ValueError('bad item')

    async def failing_glib():
        yield 1
        raise GLib.Error('gone', 'g-io-error-quark', Gio.IOErrorEnum.NOT_FOUND)

    async def main():
        with pytest.raises(GLib.Error) as info:
            await twins.collect(Agen.Generator.from_async_iterable(failing_value()))
        assert info.value.domain == Agen.PYTHON_EXCEPTION_DOMAIN
        assert info.value.message.endswith('ValueError: bad item')
        with pytest.raises(GLib.Error) as info:
            await twins.collect(Agen.Generator.from_async_iterable(failing_glib()))
        assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
        assert info.value.message == 'gone'
    run(main())


def test_stop_async_iteration_thrown_in_becomes_runtime_error(run):
    # CPython: "async generator raised StopAsyncIteration".
    trace = run(twins.compare('counter', [(('anext',), ()), (('athrow', 'stop'), ())]))
    assert trace[1][1] == ('RuntimeError', 'async generator raised StopAsyncIteration')



def test_not_started_keeps_the_glib_error(run):
    async def main():
        gen = AgenTest.echo(AgenTest.Log.new())
        with pytest.raises(TypeError) as info:
            await gen.asend(1)
        assert info.value.__cause__.matches(Agen.error_quark(), Agen.Error.NOT_STARTED)
    run(main())


def test_athrow_accepts_classes_like_cpython_311(run):
    async def main():
        for impl in twins.IMPLEMENTATIONS:
            subject = twins.Subject(impl, 'counter')
            await anext(subject.gen)
            with pytest.raises(ValueError, match='^$'):
                await subject.gen.athrow(ValueError)
            subject = twins.Subject(impl, 'counter')
            await anext(subject.gen)
            with pytest.raises(ValueError, match='^m$'):
                await subject.gen.athrow(ValueError, ValueError('m'))
    run(main())
