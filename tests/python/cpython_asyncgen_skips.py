# cpython_asyncgen_skips.py: the tests of CPython 3.11's test_asyncgen.py
# that test_cpython_asyncgen.py cannot run through Agen.Generator.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Each entry is a test that cannot be expressed with its async generators
wrapped by Agen.Generator.from_async_iterable(), and why. A test that can be
expressed but fails does not belong here: see KNOWN_DIFFERENCES in
test_cpython_asyncgen.py.

The wrapper's operations are coroutines that need asyncio running on the
GLib main loop, and a Python body always answers through that loop (its
steps are asyncio tasks): a test that steps an awaitable by hand
(``send``, ``throw``, ``__next__``) and wants the answer at once, with no
loop running, has no counterpart. A test without an async generator in it
has nothing to wrap."""

_SYNTAX = 'checks a SyntaxError of the compiler: no async generator is made'
_BY_HAND = ("compare_generators() steps each __anext__() awaitable by hand with __next__(), "
            "with no event loop")
_TO_LIST = "to_list() runs the consumer by hand with send(None), with no event loop"
_BARE_YIELD = (", and the body awaits awaitable(), a bare yield to that driver, which "
               "asyncio's tasks refuse")
_THROW_INTO_ANEXT = ("throws into an __anext__() awaitable by hand and wants the next item at "
                     "once as StopIteration: the wrapper's awaitable is a coroutine answered "
                     "through the loop")

SKIPS = {
    'AsyncGenSyntaxTest.test_async_gen_syntax_01': _SYNTAX,
    'AsyncGenSyntaxTest.test_async_gen_syntax_02': _SYNTAX,
    'AsyncGenSyntaxTest.test_async_gen_syntax_03': _SYNTAX,
    'AsyncGenSyntaxTest.test_async_gen_syntax_04': _SYNTAX,
    'AsyncGenSyntaxTest.test_async_gen_syntax_05': _SYNTAX,

    'AsyncGenTest.test_async_gen_iteration_01': _TO_LIST + _BARE_YIELD,
    'AsyncGenTest.test_async_gen_iteration_02':
        "steps __anext__() by hand with __next__(), with no event loop, and wants awaitable()'s "
        "bare yield out of it",
    'AsyncGenTest.test_async_gen_exception_03': _TO_LIST + _BARE_YIELD,
    'AsyncGenTest.test_async_gen_exception_04':
        "steps __anext__() by hand with __next__(), with no event loop, and wants awaitable()'s "
        "bare yield out of it",
    'AsyncGenTest.test_async_gen_exception_05': _TO_LIST,
    'AsyncGenTest.test_async_gen_exception_06': _TO_LIST,
    'AsyncGenTest.test_async_gen_exception_07': _BY_HAND,
    'AsyncGenTest.test_async_gen_exception_08': _BY_HAND + _BARE_YIELD,
    'AsyncGenTest.test_async_gen_exception_09': _BY_HAND + _BARE_YIELD,
    'AsyncGenTest.test_async_gen_exception_10':
        'sends a value into a fresh __anext__() awaitable by hand, with no event loop',
    'AsyncGenTest.test_async_gen_exception_11': _BY_HAND,
    'AsyncGenTest.test_async_gen_api_01':
        'reads and sets __name__/__qualname__ and reads ag_await, ag_frame, ag_running, ag_code',

    'AsyncGenAsyncioTest.test_async_generator_anext':
        'its test_send() steps anext(gen, default).__await__() by hand with send(None), with no '
        'event loop',
    'AsyncGenAsyncioTest.test_python_async_iterator_anext':
        'no async generator: a class with an async def __anext__',
    'AsyncGenAsyncioTest.test_python_async_iterator_types_coroutine_anext':
        'no async generator: a class whose __anext__ is a types.coroutine',
    'AsyncGenAsyncioTest.test_anext_bad_await':
        'no async generator: anext() over an __anext__ that returns a bad awaitable',
    'AsyncGenAsyncioTest.test_anext_return_iterator':
        'no async generator: anext() over an __anext__ that returns an iterator',
    'AsyncGenAsyncioTest.test_anext_return_generator':
        'no async generator: anext() over an __anext__ that is a plain generator function',
    'AsyncGenAsyncioTest.test_anext_await_raises':
        'no async generator: anext() over an __anext__ whose __await__ raises',
    'AsyncGenAsyncioTest.test_anext_iter':
        'steps anext(agen, default).__await__() by hand with send/throw/close, with no event '
        'loop, and the bodies await bare yields of types.coroutine functions',
    'AsyncGenAsyncioTest.test_async_gen_asyncio_anext_04': 'run2() ' + _THROW_INTO_ANEXT,
    'AsyncGenAsyncioTest.test_async_gen_asyncio_anext_05':
        'sends values into __anext__() awaitables by hand and wants the items at once as '
        'StopIteration: the wrapper takes a value with asend()',
    'AsyncGenAsyncioTest.test_async_gen_asyncio_anext_tuple': _THROW_INTO_ANEXT,
    'AsyncGenAsyncioTest.test_async_gen_asyncio_anext_stopiteration': _THROW_INTO_ANEXT,
}
