# test_now.py: agen_generator_next_now(), send_now() and the ready func
# from Python (docs/reference/semantics.xml, section contract-consumer:
# "Taking an item that is ready now"), and what the override builds on them:
# `async for` over a body that does not await costs one call into C per
# item and no memory per item.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio

from gi.repository import Agen, AgenTest, GLib, GObject, Gio

import twins

ITEM, END, FAILED, PENDING, OTHER_TYPE = (Agen.NowStatus.ITEM, Agen.NowStatus.END,
                                          Agen.NowStatus.FAILED, Agen.NowStatus.PENDING,
                                          Agen.NowStatus.OTHER_TYPE)


def test_next_now_takes_items_at_once():
    gen = Agen.Generator.new_values([1, 2])
    assert gen.next_now(None) == (ITEM, 1)
    assert gen.send_now(None, None) == (ITEM, 2)
    assert gen.next_now(None) == (END, None)
    assert gen.get_state() == Agen.GeneratorState.FINISHED


def test_send_now_to_an_unstarted_generator_fails():
    gen = AgenTest.echo(AgenTest.Log.new())
    try:
        gen.send_now(Agen.to_value(5), None)
    except GLib.Error as error:
        assert error.matches(Agen.error_quark(), Agen.Error.NOT_STARTED)
    else:
        raise AssertionError('send_now() did not fail')
    assert gen.get_state() == Agen.GeneratorState.CREATED


def test_a_pending_outcome_comes_through_the_ready_func(run):
    async def main():
        subject = twins.Subject('c', 'gated', n=1)
        readied = []
        subject.gen.set_ready_func(lambda gen, *_: readied.append(gen.get_state()))
        assert subject.gen.next_now(None) == (PENDING, None)
        assert subject.gen.next_now(None) == (PENDING, None)
        subject.gate.open()
        await twins.wait_until(lambda: readied, 'the ready func')
        assert readied == [Agen.GeneratorState.RUNNING]
        assert subject.gen.next_now(None) == (ITEM, 0)
        assert subject.gen.get_state() == Agen.GeneratorState.SUSPENDED
        subject.gen.set_ready_func(None)
        await subject.gen.aclose()
    run(main())


def test_a_cancelled_wait_cancels_the_body_at_its_await(run):
    async def main():
        subject = twins.Subject('c', 'gated', n=2)
        task = asyncio.ensure_future(anext(subject.gen))
        await twins.wait_until(lambda: subject.gate.get_n_waiters() > 0, 'the body to wait')
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError('the body ignored the cancellation')
        assert subject.gate.get_n_cancelled() == 1
        # The next operation has a cancellable that is not cancelled.
        assert subject.gen.get_state() != Agen.GeneratorState.RUNNING
    run(main())


def test_an_outcome_whose_awaitable_was_closed_is_dropped(run):
    async def main():
        subject = twins.Subject('c', 'gated', n=3)
        awaitable = subject.gen.__anext__()
        assert isinstance(awaitable.send(None), asyncio.Future)
        awaitable.close()
        subject.gate.leave_open()
        await twins.wait_until(lambda: subject.gen.get_state() == Agen.GeneratorState.SUSPENDED,
                               'the dropped outcome')
        assert [item async for item in subject.gen] == [1, 2]
    run(main())


def _resident_bytes():
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * 4096


def test_async_for_keeps_no_memory_per_item(run):
    # PyGObject 3.42 leaks each callback closure (about 110 bytes): a
    # closure per item would grow by 50 MB here.
    n = 500_000

    async def main():
        count = 0
        async for _ in AgenTest.counter(n, AgenTest.Log.new()):
            count += 1
            if count == n // 10:
                before = _resident_bytes()
        assert count == n
        return _resident_bytes() - before
    assert run(main(), timeout=120) < 8 * 1024 * 1024


def test_one_cancellable_per_generator(run):
    async def main():
        gen = Agen.Generator.new_values([1, 2, 3])
        assert [await anext(gen) for _ in range(2)] == [1, 2]
        assert isinstance(gen._agen_cancellable, Gio.Cancellable)
        first = gen._agen_cancellable
        assert await anext(gen) == 3
        assert gen._agen_cancellable is first
    run(main())


# The typed forms of next_now: the item itself, get_now_status() for the
# rest; an item of another type stays, holding the generator, for
# next_now() to take.
_TYPED_FORMS = ('next_boolean_now', 'next_int_now', 'next_int64_now', 'next_double_now',
                'next_string_now', 'next_object_now')
_TYPED_ZEROS = (False, 0, 0, 0.0, None, None)


def test_the_typed_forms_take_an_item_of_their_type_and_leave_any_other():
    big = GObject.Value(GObject.TYPE_INT64, 2 ** 40)
    obj = Gio.Cancellable()
    expected = (True, 7, 2 ** 40, 2.5, 'text', obj)
    gen = Agen.Generator.new_values([True, 7, big, 2.5, 'text', obj, 0])
    assert gen.get_now_status() == PENDING
    for right, value in zip(_TYPED_FORMS, expected):
        for other, zero in zip(_TYPED_FORMS, _TYPED_ZEROS):
            if other == right:
                continue
            assert getattr(gen, other)(None) == zero, other
            assert gen.get_now_status() == OTHER_TYPE, other
            assert gen.get_state() == Agen.GeneratorState.RUNNING
        assert getattr(gen, right)(None) == value, right
        assert gen.get_now_status() == ITEM, right
    assert gen.next_string_now(None) is None
    assert gen.get_now_status() == OTHER_TYPE
    assert gen.next_now(None) == (ITEM, 0)
    assert gen.next_int_now(None) == 0
    assert gen.get_now_status() == END


def test_a_typed_form_raises_what_the_body_raises():
    gen = AgenTest.counter(2, AgenTest.Log.new()).map(lambda x: 1 // x)
    try:
        gen.next_int_now(None)
    except GLib.Error:
        pass
    else:
        raise AssertionError('next_int_now() did not raise')
    assert gen.get_now_status() == FAILED


def test_async_for_keeps_every_item_and_its_type_when_the_item_types_vary(run):
    obj = Gio.Cancellable()
    items = [1, 2, 0, 3, GObject.Value(GObject.TYPE_INT64, -2 ** 40), 4, GObject.Value(GObject.TYPE_UINT, 2 ** 31),
             5, 'a', '', 'b', 2.5, 0.0, True, False, obj, None, obj, 6, 'c', 7]
    expected = [1, 2, 0, 3, -2 ** 40, 4, 2 ** 31, 5, 'a', '', 'b', 2.5, 0.0, True, False, obj, None, obj, 6, 'c', 7]

    async def main():
        got = [item async for item in Agen.Generator.new_values(items)]
        assert got == expected
        assert [type(item) for item in got] == [type(item) for item in expected]
        assert got[15] is obj and got[17] is obj
    run(main())


def test_async_for_on_typed_items_raises_what_the_function_raised(run):
    async def main():
        got = []
        try:
            async for item in AgenTest.counter(5, AgenTest.Log.new()).map(lambda x: 10 // (3 - x)):
                got.append(item)
        except ZeroDivisionError:
            pass
        else:
            raise AssertionError('no ZeroDivisionError')
        assert got == [3, 5, 10]
    run(main())
