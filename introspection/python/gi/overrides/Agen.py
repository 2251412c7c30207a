# Agen.py: the PyGObject override of agen-glib (GIR namespace Agen 1.0)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python's asynchronous generators (PEP 525) over agen-glib.

``Agen.Generator`` is an asynchronous iterator with the methods of a Python
async generator::

    async for item in gen: ...
    item = await anext(gen)            # anext(gen, default) works too
    item = await gen.asend(value)
    item = await gen.athrow(exc)
    await gen.aclose()

and ``Agen.Generator.from_async_iterable(agen)`` turns a Python async
generator (or any async iterable) into an ``Agen.Generator`` that C, Vala and
JavaScript code can consume.

asyncio must run on the GLib main loop of the thread (the thread-default
``GMainContext``, where the generators live): ``Agen.run(main())`` does that
with ``gi.events`` (PyGObject >= 3.50) when present, else with ``gbulb``
(Debian: python3-gbulb). ``Agen.get_event_loop()`` gives that loop.

At its end, ``Agen.run()`` closes what is left as ``asyncio.run()`` does,
but closes the generators first: the agen-glib generators left suspended
(``Agen.shutdown()``) and those being closed already (dropped while
suspended) finish closing while the tasks left still run; only then are the
tasks left cancelled and the Python async generators left closed. A cleanup
still running after ``close_timeout`` seconds (``Agen.CLOSE_TIMEOUT``, 10)
is cancelled, with a ``RuntimeWarning``.

Values sent in (``asend``, and what a Python body yields) become GValues:

=====================  ===============================================
Python                 GValue
=====================  ===============================================
``None``               no value: ``asend(None)`` is ``anext()``; a
                       yielded ``None`` is a ``G_TYPE_POINTER`` NULL
``bool``               ``gboolean``
``int``                ``gint`` if it fits, else ``gint64``; beyond
                       ``gint64``: ``OverflowError``
``float``              ``gdouble``
``str``                ``gchararray``
GObject enum / flags   its enum / flags type
``GObject.Object``     the object's own type
``GLib.Variant``       ``GVariant``
``GObject.Value``      as is
anything else          ``PyObject`` (``GObject.TYPE_PYOBJECT``): passes
                       from Python to Python untouched; C sees a boxed
=====================  ===============================================

Items come back as plain Python values (PyGObject's conversion of the
GValue; a ``G_TYPE_POINTER`` NULL is ``None``).

Exceptions going in (``athrow``, what a Python body raises, what a function
given to ``map``, ``filter`` or ``foreach`` raises) become GErrors:

=============================  ===========================================
Python                         GError
=============================  ===========================================
``GLib.Error``                 itself: domain, code and message kept
``GeneratorExit``              ``AGEN_ERROR_EXIT``, message
                               ``"GeneratorExit"``
``asyncio.CancelledError``     ``G_IO_ERROR_CANCELLED``, message
                               ``"asyncio.exceptions.CancelledError"``
any other exception ``e``      domain ``agen-python-exception-quark``
                               (``Agen.PYTHON_EXCEPTION_DOMAIN``), a code of
                               its own, message ``"Type: str(e)"``
=============================  ===========================================

Each exception that goes in is remembered by its GError (one of the Python
domain by its code, which is its own; the others by domain, code and
message, where a combinator's source name before the message is the same
error), and the GError coming back out is the very exception again:
its type, message, attributes and identity, on every path (``anext``,
``asend``, ``athrow``, ``aclose``, ``collect``, ``foreach``, a combinator's
function, and the reports of the closes agen-glib makes by itself). Of the
last 256; one that C kept longer comes out as the ``GLib.Error``.
A ``StopAsyncIteration`` or ``StopIteration`` coming out of a generator is
``RuntimeError("async generator raised ...")``, as in CPython.

GErrors that stand for no exception of the program become:

==========================================  ================================
GError                                      Python
==========================================  ================================
``AGEN_ERROR_IGNORED_EXIT``                 ``RuntimeError("async generator
                                            ignored GeneratorExit")``
``AGEN_ERROR_NOT_STARTED``                  ``TypeError("can't send non-None
                                            value to a just-started async
                                            generator")``
``G_IO_ERROR_PENDING`` on a RUNNING         ``RuntimeError("anext():
generator (the call was refused)            asynchronous generator is
                                            already running")``
``AGEN_ERROR_EXIT``                         ``GeneratorExit``
``G_IO_ERROR_CANCELLED`` after the          ``asyncio.CancelledError``
awaiting task was cancelled
anything else                               ``GLib.Error`` (domain, code)
==========================================  ================================

These are raised ``from`` the ``GLib.Error`` (its ``__cause__``), so the
domain and code stay reachable.  Finishing without an error (the generator
returned) is ``StopAsyncIteration``; ``aclose()`` returns ``None``. The
awaitables of ``anext``, ``asend``, ``athrow`` and ``aclose`` are
coroutines that can be awaited once, as CPython's.

A close that agen-glib makes by itself (on the last unref of a suspended
generator, at shutdown, for a consumer that stopped) is awaited by nobody: if
it fails, the running loop's exception handler gets the exception, with
asyncio's words: "an error occurred during closing of asynchronous
generator" (and ``'asyncgen'``) at shutdown, "Task exception was never
retrieved" for a dropped generator, "unhandled exception during
asyncio.run() shutdown" for one dropped while ``Agen.run()`` ends. As
asyncio, it leaves out a cancellation.

Cancelling the task that awaits an operation cancels the operation's
``Gio.Cancellable``: the body sees ``G_IO_ERROR_CANCELLED`` at its await.
The operation is then waited for: if it fails with ``G_IO_ERROR_CANCELLED``
the task gets ``asyncio.CancelledError``; if the body caught the cancellation
and yielded, the item is returned (as asyncio lets a coroutine decide).

Sources, combinators and ``Agen.ListModel`` are the C API as PyGObject
gives it, with a few additions::

    lines = Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT)
    firsts = lines.map(str.upper).filter(bool).take(10)   # C combinators
    async for n, line in firsts.enumerate(): ...
    items = await Agen.Generator.zip([a, b]).collect()    # a list

- ``gen.map(func)`` calls ``func(item)`` and yields what it returns,
  converted as a yielded value is (``None`` is a ``G_TYPE_POINTER`` NULL).
  An exception ``func`` raises ends the map, which closes its source first
  (agen_generator_map()), and comes out of the pipeline as itself: it
  travels through C as a GError, with the exception mapping above.
  PyGObject 3.42 alone would want ``func`` to return ``(True, value)``,
  would only print an exception that is not a ``GLib.Error``, would refuse
  an int beyond ``gint``, and double-frees a returned ``GObject.Value`` that
  holds a string, an object or a boxed value (the override hands PyGObject
  the plain value instead).
- ``gen.filter(predicate)`` keeps the items for which ``predicate(item)``
  is true. An exception ``predicate`` raises ends the filter, which closes
  its source first (agen_generator_filter()), and comes out of the pipeline
  as itself, as with ``map``. (PyGObject 3.42 alone would only print an
  exception that is not a ``GLib.Error`` and drop the item.)
- ``gen.debounce(ms)``, ``gen.throttle(ms)``, ``gen.timeout(ms)`` and
  ``Agen.Generator.retry(factory, max_attempts, backoff_ms=0,
  after_items=False)`` are the time operators; a time must be a positive
  int (else ``ValueError``). ``factory(attempt)`` returns an
  ``Agen.Generator`` or an async iterable; an exception it raises comes out
  of the retry as itself. A timeout's ``GLib.Error`` has the code
  ``Gio.IOErrorEnum.TIMED_OUT``. ``await Agen.sleep(ms)`` waits with
  agen-glib's timer (agen_sleep_async()), in a body or anywhere.
- ``await gen.collect()``: agen_generator_collect_async(), the items in a
  list (``[x async for x in gen]`` without an event-loop round trip per
  item). Errors as for ``anext()``; cancelling the awaiting task cancels the
  collect.
- ``await gen.foreach(func)``: agen_generator_foreach_async(), ``async for
  item in gen: func(item)`` in C; ``func`` returning ``False`` stops it and
  closes the generator, an exception of ``func`` stops it and comes out as
  itself.
- ``Agen.Generator.new_values(values)`` maps each value with to_value()
  (``None`` is a ``G_TYPE_POINTER`` NULL): PyGObject's own conversion
  crashes on ``None`` and refuses ints beyond ``gint``.
- ``gen.flat_map(func)``, ``gen.flat_map_merge(n, func)``,
  ``gen.switch_map(func)``: ``func(item)`` returns an ``Agen.Generator`` or
  any async iterable (a Python async generator, wrapped with
  from_async_iterable()); anything else fails the operator with
  ``TypeError``, and what ``func`` raises comes out as itself. Every inner
  generator is closed (its ``finally`` runs) however the operator ends.
- ``gen.scan(func[, initial])`` is ``itertools.accumulate`` for an async
  iterable; ``gen.distinct([equal])`` drops an item equal (``==``, or
  ``equal(item, previous)``) to the last one yielded.
- ``gen.tee(n=2, buffer_size=0)`` returns a tuple of branches (see
  ``Agen.Share``, whose buffer the slowest branch holds). An exception the
  source raises reaches every branch: the first branch to raise it raises
  the exception itself, the others a ``GLib.Error`` copy whose message
  names it (the exception registry hands an exception back once).
- ``chain``, ``zip`` and ``merge`` take a list (or tuple) of generators.
- A ``GValueArray`` item (a signal's emission, ``enumerate``'s
  ``[index, item]``, ``zip``'s tuples, ``batch``'s groups) is a Python
  **list**, nested arrays too: PyGObject converts it so, and an override
  cannot tell such a list from a list a Python body yielded, which travels
  as a ``PyObject`` and must come back as the very same object. Unpacking
  works as with tuples: ``async for i, item in gen.enumerate()``.
- An ``Agen.Tuple`` item (``enumerate_tuples``' ``(index, item)``,
  ``zip_tuples``' and ``batch_tuples``' tuples, which are not deprecated as
  ``GValueArray`` is) is a Python **tuple**, nested tuples too, also in
  ``collect()`` and for the functions of ``map``, ``filter`` and
  ``foreach``. An ``Agen.Tuple`` met elsewhere is a read-only sequence.
- ``Agen.ListModel`` is a ``Gio.ListModel``: ``len(model)``,
  ``model[i]``, iteration and ``items-changed`` work as PyGObject gives them.
  A model of any values has the item type ``Agen.ValueItem``: each item is
  an ``Agen.ValueItem`` whose ``item.value`` is the value
  (``[item.value for item in model]``).

Known limitation of PyGObject 3.42 (fixed in 3.44.2): every asynchronous
callback leaks about 120 bytes, and so does every callback gbulb schedules
(about 110 bytes). ``async for``, ``anext()`` and ``asend()`` pass no
callback per item: an item that is ready is taken with one call of
agen_generator_next_now(), and one that is not is awaited through the
generator's one ready func, so a loop over a generator stays flat.
athrow(), aclose() and the steps of a from_async_iterable() body still
leak that much each (measured on Debian 12).

A generator whose last reference goes away is closed by agen-glib from a
source of its main context at G_PRIORITY_DEFAULT, as asyncio's finaliser
hook schedules aclose() with call_soon().
"""

import asyncio
import collections
import contextvars
import functools
import itertools
import operator
import sys
import warnings
import weakref

import gi
from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override

Agen = get_introspection_module('Agen')

__all__ = []

#: The oldest agen-glib whose Agen-1.0 typelib this override works with.
REQUIRED_LIBRARY_VERSION = (1, 0, 0)


def _check_library(agen, required=REQUIRED_LIBRARY_VERSION):
    """Raises ImportError, saying what was found where, when the typelib
    ``agen`` comes from an agen-glib older than this override."""
    check_version = getattr(agen, 'check_version', None)
    if check_version is None:
        why = 'it is older than 1.0 (it has no agen_check_version())'
    else:
        why = check_version(*required)
    if why is None:
        return
    path = gi.Repository.get_default().get_typelib_path('Agen')
    raise ImportError(
        f"agen-glib's Python override {__file__} needs the Agen-1.0 typelib "
        f"of agen-glib {'.'.join(map(str, required))} or newer, but the one "
        f"found, {path} (searched: GI_TYPELIB_PATH, then the system's "
        f"girepository-1.0), does not match: {why}. Install both from the "
        f"same agen-glib, or put the right typelib first on GI_TYPELIB_PATH.")


_check_library(Agen)

#: The GError domain of Python exceptions that are not ``GLib.Error``.
PYTHON_EXCEPTION_DOMAIN = 'agen-python-exception-quark'
__all__.append('PYTHON_EXCEPTION_DOMAIN')

_AGEN_DOMAIN = GLib.quark_to_string(Agen.error_quark())
_IO_DOMAIN = GLib.quark_to_string(Gio.io_error_quark())
_PYTHON_QUARK = GLib.quark_from_string(PYTHON_EXCEPTION_DOMAIN)

_RUNNING = Agen.GeneratorState.RUNNING
_INT32_MIN, _INT32_MAX = -2 ** 31, 2 ** 31 - 1
_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1


# ------------------------------------------------------------------ values

def to_value(value):
    """The ``GObject.Value`` that agen-glib gets for a Python value (see the
    module documentation), or ``None`` for ``None``."""
    if value is None or isinstance(value, GObject.Value):
        return value
    if isinstance(value, bool):
        return GObject.Value(GObject.TYPE_BOOLEAN, value)
    if isinstance(value, (GObject.GEnum, GObject.GFlags)):
        return GObject.Value(value.__gtype__, value)
    if isinstance(value, int):
        if _INT32_MIN <= value <= _INT32_MAX:
            return GObject.Value(GObject.TYPE_INT, value)
        if _INT64_MIN <= value <= _INT64_MAX:
            return GObject.Value(GObject.TYPE_INT64, value)
        raise OverflowError(
            'int %d does not fit in a gint64: pass a GObject.Value to send it '
            'as another type' % value)
    if isinstance(value, float):
        return GObject.Value(GObject.TYPE_DOUBLE, value)
    if isinstance(value, str):
        return GObject.Value(GObject.TYPE_STRING, value)
    if isinstance(value, GObject.Object):
        return GObject.Value(value.__gtype__, value)
    if isinstance(value, GLib.Variant):
        return GObject.Value(GObject.TYPE_VARIANT, value)
    return GObject.Value(GObject.TYPE_PYOBJECT, value)


__all__.append('to_value')


# Looked up once: GObject.Value through the module costs a tenth of an
# item of `async for`.
_GValue = GObject.Value


def _from_value(value):
    """The Python value of an item: an ``Agen.Tuple`` is a ``tuple``.
    (PyGObject wraps every AgenTuple in the Tuple class below.)"""
    if isinstance(value, _GValue):
        value = value.get_value()
    if type(value) is Tuple:
        return tuple(value)
    return value


def _from_values(values):
    """_from_value() of each of a list of items, at no cost per item (but
    one C-level pass) when none is a tuple."""
    if Tuple in set(map(type, values)):
        return [_from_value(value) for value in values]
    return values


class Tuple(Agen.Tuple):
    """An ``AgenTuple`` (the item of ``enumerate_tuples``, ``zip_tuples``,
    ``batch_tuples``) where one is met as itself, for instance in a list
    model: an immutable sequence, which ``tuple()`` copies. Items that come
    out of a generator are already ``tuple`` objects."""

    def __len__(self):
        return self.get_size()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self)[index]
        size = self.get_size()
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError('Agen.Tuple index out of range')
        return _from_value(self.get(index))

    def __iter__(self):
        return (_from_value(self.get(i)) for i in range(self.get_size()))

    def __repr__(self):
        return 'Agen.Tuple%r' % (tuple(self),)


Tuple = override(Tuple)
__all__.append('Tuple')


class ValueItem(Agen.ValueItem):
    """The item of an ``Agen.ListModel`` of any values (item type
    ``Agen.ValueItem``): ``item.value`` is the value, as an item of a
    generator is given (a tuple a ``tuple``)."""

    @property
    def value(self):
        return _from_value(self.get_value())


ValueItem = override(ValueItem)
__all__.append('ValueItem')


def _item_to_value(item):
    """The GValue of an item: to_value(), but ``None`` is an item too, a
    ``G_TYPE_POINTER`` NULL (what a bare ``yield`` gives in C)."""
    if item is None:
        return GObject.Value(GObject.TYPE_POINTER, None)
    return to_value(item)


# Fundamental types whose GValue holds no pointer to free.
_FLAT_TYPES = frozenset((
    GObject.TYPE_BOOLEAN, GObject.TYPE_CHAR, GObject.TYPE_UCHAR, GObject.TYPE_INT,
    GObject.TYPE_UINT, GObject.TYPE_LONG, GObject.TYPE_ULONG, GObject.TYPE_INT64,
    GObject.TYPE_UINT64, GObject.TYPE_FLOAT, GObject.TYPE_DOUBLE, GObject.TYPE_ENUM,
    GObject.TYPE_FLAGS, GObject.TYPE_POINTER,
))


def _map_result(result):
    """What a map function's result is handed to PyGObject as, to fill the
    out GValue of AgenMapFunc with the type to_value() gives.

    PyGObject 3.42 copies a returned ``GObject.Value`` into the out GValue
    without taking a reference, and then frees it as well: safe only for a
    type without a pointer in it (ints, floats, enums, a NULL pointer).
    Anything else goes as a plain value, which PyGObject converts itself, to
    the same type as to_value() (a boxed value keeps its own type, where
    to_value() would make a ``PyObject`` of it)."""
    if isinstance(result, GObject.Value):
        if GObject.type_fundamental(result.g_type) in _FLAT_TYPES:
            return result
        return result.get_value()
    if result is None or (isinstance(result, int) and not isinstance(result, bool)
                          and not isinstance(result, (GObject.GEnum, GObject.GFlags))):
        # None is a NULL pointer, and an int beyond gint a gint64: PyGObject
        # would leave the first unset and refuse the second.
        return _item_to_value(result)
    return result


# -------------------------------------------------------------- exceptions

class _ExceptionRegistry:
    """The exceptions that went into C as GErrors, so that one coming back
    out is the very same object.

    An exception is known by its GError. One of the Python domain
    (``agen-python-exception-quark``) has a code of its own: domain and code
    are enough. A ``GLib.Error``, a ``GeneratorExit`` and a
    ``CancelledError`` keep the domain and code C code acts on, and are told
    apart by their message too; on its way out through a combinator, an
    error carries its source's name before its message (``map(gen):
    ...``), and it is the same error. The most recent match wins.

    It holds an exception only while the exception is in C: coming back out,
    the exception leaves it. From then on its traceback gathers the frames it
    goes through, which hold generators (and whatever else), and held here
    they would live on after everyone else let go of them. One that C keeps
    or drops stays until newer ones push it out: a GError can be kept and
    copied by C for as long as it likes, and there is no telling when the
    last copy dies, so only the most recent ones are kept. A second copy
    coming out is the ``GLib.Error``."""

    limit = 256

    def __init__(self):
        self._entries = collections.OrderedDict()     # serial -> (error, exception)
        self._serials = itertools.count(1)

    def add(self, error, exc, reported=False):
        """Remembers that ``error`` stands for ``exc``; ``reported``: asyncio
        reports ``exc`` itself, should a close fail with it."""
        self._entries[next(self._serials)] = (error.domain, error.code, error.message, exc, reported)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def new_code(self):
        """A code for the GError of a Python exception: never 0, and unlike
        the codes of the exceptions the registry holds."""
        return next(self._serials) % _INT32_MAX or next(self._serials)

    def take(self, error):
        """The exception that ``error`` stands for, out of the registry, or
        None."""
        return self.take_entry(error)[0]

    def take_entry(self, error):
        """(the exception ``error`` stands for, whether asyncio reports it),
        out of the registry, or (None, False)."""
        for serial in reversed(self._entries):
            domain, code, message, exc, reported = self._entries[serial]
            if error.domain == domain and error.code == code and \
                    (domain == PYTHON_EXCEPTION_DOMAIN or _is_passed_on(error.message, message)):
                del self._entries[serial]
                return exc, reported
        return None, False


def _is_passed_on(message, original):
    """Whether a GError's ``message`` is ``original``'s, as it is or with
    the names of the combinators it went through before it."""
    return message == original or message.endswith(': ' + original)


_registry = _ExceptionRegistry()


def _matches(error, domain, code):
    return isinstance(error, GLib.Error) and error.domain == domain and error.code == code


def _describe(exc):
    """An exception's name and text, as a traceback's last line shows them."""
    name = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ('builtins', None):
        name = module + '.' + name
    text = str(exc)
    return '%s: %s' % (name, text) if text else name


def _error_for(exc):
    if isinstance(exc, GLib.Error):
        return exc
    if isinstance(exc, GeneratorExit):
        return GLib.Error.new_literal(Agen.error_quark(), _describe(exc), int(Agen.Error.EXIT))
    if isinstance(exc, asyncio.CancelledError):
        return GLib.Error.new_literal(Gio.io_error_quark(), _describe(exc),
                                      int(Gio.IOErrorEnum.CANCELLED))
    return GLib.Error.new_literal(_PYTHON_QUARK, _describe(exc), _registry.new_code())


def error_from_exception(exc):
    """The GError (a ``GLib.Error``) that agen-glib gets for ``exc``: see the
    module documentation. The exception is remembered: the GError coming
    back out of agen-glib is ``exc`` again."""
    error = _error_for(exc)
    _registry.add(error, exc)
    return error


def _error_reported_by_asyncio(exc):
    """error_from_exception() for an exception that asyncio reports itself
    should a close fail with it."""
    error = _error_for(exc)
    _registry.add(error, exc, reported=True)
    return error


__all__.append('error_from_exception')


def _exception_for_body(error):
    """What a Python body gets thrown in for a GError thrown into it that
    stands for no Python exception."""
    if _matches(error, _AGEN_DOMAIN, int(Agen.Error.EXIT)):
        return GeneratorExit()
    if _matches(error, _IO_DOMAIN, int(Gio.IOErrorEnum.CANCELLED)):
        exc = asyncio.CancelledError()
        exc.__cause__ = error
        return exc
    return error


def _as_raised_by_a_generator(original):
    """What an exception becomes when it leaves an async generator: a
    StopAsyncIteration or StopIteration would end the consumer's loop, so
    CPython turns them into RuntimeError (PEP 479, PEP 525)."""
    if isinstance(original, (StopAsyncIteration, StopIteration)):
        exc = RuntimeError('async generator raised ' + type(original).__name__)
        exc.__cause__ = original
        return exc
    return original


# ------------------------------------------------------------- event loop

def _policy_class():
    try:
        from gi.events import GLibEventLoopPolicy   # PyGObject >= 3.50
        return GLibEventLoopPolicy
    except ImportError:
        pass
    try:
        import gbulb
    except ImportError:
        raise ImportError('Agen needs asyncio on the GLib main loop: PyGObject >= 3.50 '
                          '(gi.events) or gbulb (Debian: python3-gbulb)') from None
    return gbulb.GLibEventLoopPolicy


def install_event_loop_policy():
    """Makes asyncio run on the GLib main loop, with ``gi.events`` when
    PyGObject has it (>= 3.50), else with ``gbulb``. Returns the policy."""
    cls = _policy_class()
    policy = asyncio.get_event_loop_policy()
    if not isinstance(policy, cls):
        policy = cls()
        asyncio.set_event_loop_policy(policy)
    return policy


__all__.append('install_event_loop_policy')


def get_event_loop():
    """The asyncio event loop of this thread's GLib main context (the
    default one in the main thread), after install_event_loop_policy().

    Unlike ``asyncio.run()``, which makes a new loop each time (with gbulb, on
    a new GMainContext that agen-glib's callbacks never reach), this is
    always the same loop and it is never closed."""
    policy = install_event_loop_policy()
    if hasattr(policy, 'get_default_loop'):         # gbulb
        loop = policy.get_default_loop()
        if loop.is_closed():
            import gbulb
            loop = gbulb.GLibEventLoop(context=GLib.MainContext.default())
            loop._policy = policy
            policy._default_loop = loop
        policy.set_event_loop(loop)
        return loop
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        return policy.get_event_loop()


__all__.append('get_event_loop')


async def shutdown(cancellable=None):
    """Closes every started, unfinished generator of the thread-default main
    context (``agen_shutdown_async()``, the agen-glib twin of
    ``loop.shutdown_asyncgens()``); ``cancellable``, a ``Gio.Cancellable``,
    is given to each close. As ``shutdown_asyncgens()`` does, it raises
    nothing for a close that fails: the event loop's exception handler gets
    it. A ``cancellable`` cancelled already raises ``CancelledError`` and
    closes nothing."""
    loop = _running_loop()
    future = loop.create_future()

    if cancellable is not None and cancellable.is_cancelled():
        raise asyncio.CancelledError()

    def done(_source, _result, _data):
        # agen_shutdown_finish() would give the first failed close: the
        # exception handler has it already.
        if not future.done():
            future.set_result(None)

    Agen.shutdown_async(cancellable, done, None)
    await asyncio.shield(future)


__all__.append('shutdown')


#: How long Agen.run() lets the generators left finish closing, by default.
CLOSE_TIMEOUT = 10.0
__all__.append('CLOSE_TIMEOUT')


def run(main, *, debug=None, close_timeout=CLOSE_TIMEOUT):
    """Runs the coroutine ``main`` on get_event_loop(), as ``asyncio.run()``
    does, and then closes what is left, as it does: the agen-glib generators
    left suspended (shutdown()) and those being closed already (a generator
    dropped while suspended is closed on its last unref), then the tasks
    left are cancelled, then the Python async generators left are closed
    (``loop.shutdown_asyncgens()``).

    The closes come first, while the tasks left still run: a cleanup may
    await, even something a task left does, and cancelling its step would
    cut it short. A cleanup still running after ``close_timeout`` seconds
    (``None``: no limit) is cancelled, with a ``RuntimeWarning``, and then
    the tasks left are. A close that fails goes to the loop's exception
    handler, as with ``asyncio.run()``. The loop stays open for a later
    run()."""
    loop = get_event_loop()
    if loop.is_running():
        raise RuntimeError('Agen.run() cannot be called from a running event loop')
    if debug is not None:
        loop.set_debug(debug)
    task = loop.create_task(main)
    try:
        return loop.run_until_complete(task)
    finally:
        _close_what_is_left(loop, close_timeout)


__all__.append('run')


def _report_close_error(generator, error, reason, _data=None):
    """Where agen-glib reports a close it made by itself that failed
    (agen_set_close_error_func()): to the event loop's exception handler,
    with asyncio's words and the exception the close failed with. As
    asyncio, it leaves out what is not an ``Exception`` (a cancellation)."""
    try:
        original, reported = _registry.take_entry(error)
        # A close fails with G_IO_ERROR_PENDING when an operation is in
        # flight: "already running".
        exc = _translate(error, 'aclose', True, False) if original is None else original
        if reported or not isinstance(exc, Exception):
            return
        loop = asyncio._get_running_loop() or get_event_loop()
        if reason != Agen.CloseReason.LAST_UNREF:
            context = {
                'message': 'an error occurred during closing of asynchronous generator %r'
                           % (generator,),
                'asyncgen': generator,
            }
        elif loop in _loops_shutting_down:
            context = {'message': _SHUTDOWN_FAILURE_MESSAGE}
        else:
            # asyncio's finaliser hook closes in a task nobody awaits. The
            # generator stays out of the report: it is on its way out.
            context = {'message': 'Task exception was never retrieved'}
        context['exception'] = exc
        loop.call_exception_handler(context)
    except BaseException as exc:    # noqa: B902: never let it escape into C
        sys.excepthook(type(exc), exc, exc.__traceback__)


# The loops whose Agen.run() is closing what is left, and what asyncio.run()
# calls a failure then.
_loops_shutting_down = weakref.WeakSet()
_SHUTDOWN_FAILURE_MESSAGE = 'unhandled exception during asyncio.run() shutdown'


def _close_what_is_left(loop, timeout):
    """The end of Agen.run(): asyncio.run()'s, with the generators' closes
    first, for at most ``timeout`` seconds."""
    _loops_shutting_down.add(loop)
    try:
        _close_generators_and_tasks(loop, timeout)
    finally:
        _loops_shutting_down.discard(loop)


def _close_generators_and_tasks(loop, timeout):
    cancellable = Gio.Cancellable()
    shutting_down = loop.create_task(shutdown(cancellable))
    closed = False
    try:
        loop.run_until_complete(asyncio.wait_for(_closes_under_way(shutting_down), timeout))
        closed = True
    except asyncio.TimeoutError:
        warnings.warn('Agen.run(): the generators left did not finish closing within %g '
                      'seconds: their cleanups are cancelled' % timeout, RuntimeWarning,
                      stacklevel=3)
        cancellable.cancel()
        # Each close sees G_IO_ERROR_CANCELLED at its await, and ends.
        loop.run_until_complete(asyncio.wait([shutting_down]))
    finally:
        _cancel_all_tasks(loop)
        loop.run_until_complete(loop.shutdown_asyncgens())
    if not closed and not shutting_down.cancelled():
        # The cancellation it most likely failed with is what the warning
        # told: retrieved, so that asyncio does not report it again.
        shutting_down.exception()


async def _closes_under_way(shutting_down):
    """Waits for ``shutting_down`` and for the closes of Python bodies under
    way, those that start meanwhile too (a cleanup may drop the last
    reference to another generator). A close on last unref starts from a
    source at the generator's priority, below asyncio's callbacks: the main
    loop is let go idle first, so that those start."""
    loop = asyncio.get_running_loop()
    await asyncio.wait([shutting_down])
    while True:
        await _main_loop_idle(loop)
        closing = [step for step in _closing_steps if step.get_loop() is loop and not step.done()]
        if not closing:
            return
        await asyncio.wait(closing)


def _main_loop_idle(loop):
    """A future done once the main loop has dispatched everything more
    urgent than ``G_PRIORITY_LOW``."""
    future = loop.create_future()

    def done():
        if not future.done():
            future.set_result(None)
        return GLib.SOURCE_REMOVE

    GLib.idle_add(done, priority=GLib.PRIORITY_LOW)
    return future


def _cancel_all_tasks(loop):
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    if not tasks:
        return
    for t in tasks:
        t.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    for t in tasks:
        if not t.cancelled() and t.exception() is not None:
            loop.call_exception_handler({
                'message': _SHUTDOWN_FAILURE_MESSAGE,
                'exception': t.exception(),
                'task': t,
            })


def _running_loop():
    global _checked_loop
    loop = asyncio.get_running_loop()
    if _checked_loop() is loop:
        return loop
    context = getattr(loop, '_context', None)
    if context is None or not isinstance(context, GLib.MainContext):
        raise RuntimeError(
            'Agen.Generator needs asyncio running on the GLib main loop: use Agen.run(), '
            'or Agen.get_event_loop() (%s is not a GLib event loop)' % type(loop).__name__)
    if context != GLib.MainContext.ref_thread_default():
        raise RuntimeError(
            'the running asyncio loop iterates another GMainContext than the thread-default '
            'one, where agen-glib completes operations (asyncio.run() with gbulb makes such '
            'a loop after its first use): use Agen.run() or Agen.get_event_loop()')
    # The generators of this context report their failed closes to its
    # loop's exception handler.
    Agen.set_close_error_func(_report_close_error)
    _checked_loop = weakref.ref(loop)
    return loop


def _no_loop():
    return None


# The last loop _running_loop() accepted: checking it again at every
# operation would cost a tenth of an item of `async for`.
_checked_loop = _no_loop


def _body_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return get_event_loop()


# ------------------------------------------------------------ the consumer

_NOT_STARTED_MESSAGE = "can't send non-None value to a just-started async generator"
_IGNORED_EXIT_MESSAGE = 'async generator ignored GeneratorExit'


def _translate(error, what, was_running, cancelled):
    """The exception to raise for an operation that failed with ``error``."""
    if not isinstance(error, GLib.Error):
        return error
    original = _registry.take(error)
    if original is not None:
        return _as_raised_by_a_generator(original)
    if cancelled and _matches(error, _IO_DOMAIN, int(Gio.IOErrorEnum.CANCELLED)):
        exc = asyncio.CancelledError()
    elif _matches(error, _AGEN_DOMAIN, int(Agen.Error.EXIT)):
        exc = GeneratorExit()
    elif _matches(error, _AGEN_DOMAIN, int(Agen.Error.IGNORED_EXIT)):
        exc = RuntimeError(_IGNORED_EXIT_MESSAGE)
    elif _matches(error, _AGEN_DOMAIN, int(Agen.Error.NOT_STARTED)):
        exc = TypeError(_NOT_STARTED_MESSAGE)
    elif was_running and _matches(error, _IO_DOMAIN, int(Gio.IOErrorEnum.PENDING)):
        exc = RuntimeError('%s(): asynchronous generator is already running' % what)
    else:
        return error
    exc.__cause__ = error
    return exc


def _exception_from_athrow_args(typ, val, tb):
    if isinstance(typ, BaseException):
        if val is not None:
            raise TypeError('instance exception may not have a separate value')
        exc = typ
    elif isinstance(typ, type) and issubclass(typ, BaseException):
        if isinstance(val, typ):
            exc = val
        elif val is None:
            exc = typ()
        elif isinstance(val, tuple):
            exc = typ(*val)
        else:
            exc = typ(val)
    else:
        raise TypeError('exceptions must be classes or instances deriving from '
                        'BaseException, not %s' % type(typ).__name__)
    if tb is not None:
        exc = exc.with_traceback(tb)
    return exc


async def _wait_for_callback(loop, waiter, results, cancellable):
    """Waits until the callback of a started call has put its result in
    ``results`` and set ``waiter[0]``. A cancellation of the awaiting task
    cancels ``cancellable`` and the wait goes on: the call runs to its end.
    Returns whether the task was cancelled."""
    cancelled = False
    while not results:
        try:
            await waiter[0]
        except asyncio.CancelledError:
            if results:
                break
            cancelled = True
            cancellable.cancel()
            waiter[0] = loop.create_future()
    return cancelled


async def _await_call(what, start, finish):
    """Awaits one ``_async``/``_finish`` pair other than the generator
    operations of _operate(): ``start(cancellable, callback)`` starts it and
    ``finish(result)`` is its value. As in _operate(), a cancellation of the
    awaiting task cancels the call, which then runs to its end; its errors
    are translated as an operation's."""
    loop = _running_loop()
    cancellable = Gio.Cancellable()
    results = []
    waiter = [loop.create_future()]

    def done(_source, result, _data):
        results.append(result)
        if not waiter[0].done():
            waiter[0].set_result(None)

    start(cancellable, done)
    cancelled = await _wait_for_callback(loop, waiter, results, cancellable)

    try:
        return finish(results[0])
    except GLib.Error as error:
        failure = error.with_traceback(None)
    finally:
        # As in _operate(): what this raises keeps this frame, which should
        # not keep the generator (which start and finish hold).
        del start, finish
    raise _translate(failure, what, False, cancelled)


_UINT32_MAX = 2 ** 32 - 1


def _milliseconds(what, ms):
    """A time given to a time operator: a positive int of milliseconds, as
    C takes it (0 is a programmer error there, a negative one PyGObject
    would only report as an OverflowError)."""
    if isinstance(ms, bool) or not isinstance(ms, int) or not 0 < ms <= _UINT32_MAX:
        raise ValueError('%s() needs a time in milliseconds > 0, not %r' % (what, ms))
    return ms


async def sleep(ms):
    """Waits ``ms`` milliseconds with agen-glib's timer (agen_sleep_async()),
    as ``asyncio.sleep(ms / 1000)`` does: in a Python body, or anywhere on
    the loop. Cancelling the awaiting task ends it with
    ``asyncio.CancelledError``."""
    if isinstance(ms, bool) or not isinstance(ms, int) or not 0 <= ms <= _UINT32_MAX:
        raise ValueError('sleep() needs a time in milliseconds >= 0, not %r' % (ms,))
    await _await_call('sleep', lambda cancellable, done: Agen.sleep_async(ms, cancellable, done, None),
                      Agen.sleep_finish)


__all__.append('sleep')


def _combinator_func(func, result, arity=1):
    """The AgenMapFunc or AgenFilterFunc of Generator.map() and filter():
    gives C ``result(func(item))``. An exception goes into C as the GError
    error_from_exception() makes of it (PyGObject sets the GError of a
    callback that raises a ``GLib.Error``): the combinator closes its source
    and raises it, and it comes back out of the pipeline as itself."""
    def call(*args):
        try:
            values = [_from_value(arg) for arg in args[:arity]]
            return result(func(values[0] if arity == 1 else tuple(values)))
        except BaseException as exc:    # noqa: B902: the combinator raises it
            raise error_from_exception(_without_own_frames(exc)) from None
    return call


_MISSING = object()


def _inner_func(what, func):
    """The AgenFlatMapFunc of flat_map() and its kin: ``func(item)`` as an
    ``Agen.Generator`` (an async iterable is wrapped with
    from_async_iterable()). Anything else is a ``TypeError``, raised by the
    operator."""
    if not callable(func):
        raise TypeError('%s() needs a callable, not %s' % (what, type(func).__name__))

    def make(item):
        inner = func(item)
        if isinstance(inner, Agen.Generator):
            return inner
        if hasattr(inner, '__aiter__'):
            return Generator.from_async_iterable(inner)
        raise TypeError('%s(): the function returned %s, not a generator or an async iterable'
                        % (what, type(inner).__name__))
    return _combinator_func(make, lambda inner: inner)


def _mapped(value):
    """What an AgenMapFunc gives PyGObject: the value, and no error. An int
    of the gint range goes as is (PyGObject makes a gint of it): a
    GObject.Value per item would cost more than the item."""
    if type(value) is int and _INT32_MIN <= value <= _INT32_MAX:
        return True, value
    return True, _map_result(value)


_SENDING = '__anext__()/asend()'
_THROWING = 'aclose()/athrow()'


class _Operation(collections.abc.Coroutine):
    """What anext(), asend(), athrow() and aclose() return: as CPython's, a
    coroutine (a task can run it) that can be awaited once."""

    __slots__ = ('_coroutine', '_names')

    def __init__(self, coroutine, names):
        self._coroutine = coroutine
        self._names = names

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        return self.send(None)

    def send(self, value):
        return self._step(self._running().send, value)

    def throw(self, *exception):
        return self._step(self._running().throw, *exception)

    def close(self):
        if self._coroutine is not None:
            self._coroutine.close()

    def _running(self):
        if self._coroutine is None:
            raise RuntimeError('cannot reuse already awaited ' + self._names)
        return self._coroutine

    def _step(self, method, *args):
        try:
            return method(*args)
        except BaseException:
            self._coroutine = None
            raise


_ALREADY_RUNNING = 'The generator is already running an operation'
_NOW_ITEM = Agen.NowStatus.ITEM
_NOW_END = Agen.NowStatus.END
_NOW_PENDING = Agen.NowStatus.PENDING
_NOW_OTHER_TYPE = Agen.NowStatus.OTHER_TYPE

# The typed forms of next_now() (agen_generator_next_int_now() and its
# kin), by the Python type of the item they return: PyGObject 3.42 converts
# a plain return value faster than next_now()'s out GValue and its tuple
# (0.33 µs against 0.63 µs a call). A Python int may come from an int or an
# int64, tried in that order.
_TYPED_FORMS = {
    bool: (Agen.Generator.next_boolean_now,),
    int: (Agen.Generator.next_int_now, Agen.Generator.next_int64_now),
    float: (Agen.Generator.next_double_now,),
    str: (Agen.Generator.next_string_now,),
}


def _typed_form(generator, item):
    """The typed form anext() takes a generator's next items with, after
    @item: the first of those for its type not tried yet on the generator,
    or False (next_now() for good: each form is tried once, so a generator
    whose item types vary ends there after a call or two more)."""
    forms = _TYPED_FORMS.get(type(item))
    if forms is None:
        forms = (Agen.Generator.next_object_now,) if isinstance(item, GObject.Object) else ()
    tried = generator._agen_tried
    if tried is None:
        tried = generator._agen_tried = []
    for form in forms:
        if form not in tried:
            tried.append(form)
            return form
    return False

# What a generator's _agen_pending holds when the task that waited for an
# outcome went away: the outcome is taken and dropped when it comes.
_DROP_OUTCOME = object()


def _on_ready(generator, *_data):
    """The AgenReadyFunc of every generator: the outcome of a pending
    next_now() is there. One per generator, set once: PyGObject 3.42 never
    frees the closure of a callable passed to C, so a closure per item
    would grow memory by the item."""
    waiter = generator._agen_pending
    if waiter is _DROP_OUTCOME:
        generator._agen_pending = None
        try:
            generator.next_now(None)
        except GLib.Error:
            pass
    elif waiter is not None and not waiter.done():
        waiter.set_result(None)


class _Next(_Operation):
    """What anext() and asend() return. An item that is ready is taken in
    the first step, in one call into C (agen_generator_next_now()), with no
    callback, future or cancellable of its own; an item that is not is
    awaited through the generator's one ready func (_take_when_ready())."""

    __slots__ = ('_generator', '_value')

    def __init__(self, generator, value):
        self._generator = generator
        self._value = value
        self._coroutine = _Next
        self._names = _SENDING

    def send(self, value):
        if value is None:
            return self.__next__()
        return _Operation.send(self, value)

    def __next__(self):
        # The first step of an await: what `async for` calls for each item.
        generator = self._generator
        if self._coroutine is not _Next:
            return _Operation.send(self, None)
        self._coroutine = None
        _running_loop()
        if generator._agen_pending is not None:
            # Another task waits for the outcome next_now() would take.
            raise _translate(GLib.Error(_ALREADY_RUNNING, _IO_DOMAIN, int(Gio.IOErrorEnum.PENDING)),
                             'anext', True, False)
        cancellable = generator._agen_cancellable
        if cancellable is None:
            cancellable = generator._agen_cancellable = Gio.Cancellable()
        failure = None
        try:
            take = generator._agen_take
            if self._value is not None:
                status, item = generator.send_now(self._value, cancellable)
            elif take:
                item = take(generator, cancellable)
                if item:
                    raise StopIteration(_from_value(item))
                status = generator.get_now_status()
                if status == _NOW_OTHER_TYPE:
                    status, item = generator.next_now(cancellable)
                    generator._agen_take = _typed_form(generator, item)
            else:
                status, item = generator.next_now(cancellable)
                if take is None and status == _NOW_ITEM:
                    generator._agen_take = _typed_form(generator, item)
        except GLib.Error as error:
            failure = error.with_traceback(None)
        if failure is None and status == _NOW_ITEM:
            raise StopIteration(_from_value(item))
        self._generator = None
        if failure is not None:
            was_running = generator.get_state() == _RUNNING
            # What this raises keeps this frame: not the generator.
            del generator
            raise _translate(failure, 'anext', was_running, False)
        if status == _NOW_END:
            raise StopAsyncIteration
        self._coroutine = generator._take_when_ready(cancellable)
        return _Operation.send(self, None)

    def _running(self):
        if self._coroutine is _Next:
            # Thrown into before its first step: as _operate() would be.
            kind = 'next' if self._value is None else 'send'
            self._coroutine = self._generator._operate('anext', kind, self._value)
        return _Operation._running(self)


class Generator(Agen.Generator):
    """An agen-glib generator as a Python asynchronous generator.

    ``async for``, ``anext(gen[, default])``, ``asend``, ``athrow`` and
    ``aclose`` behave as they do on a Python async generator; see the module
    documentation for how values and exceptions are mapped."""

    # Set on a generator's wrapper once it needs them: the future a task
    # waits on for a pending outcome, the cancellable of its operations,
    # whether its ready func is set.
    _agen_pending = None
    _agen_cancellable = None
    _agen_ready_set = False
    # anext()'s typed form (_typed_form()): None before the first item,
    # False for none; and the forms tried.
    _agen_take = None
    _agen_tried = None

    def __aiter__(self):
        return self

    def __anext__(self):
        return _Next(self, None)

    def asend(self, value):
        """Resumes the generator with ``value`` (``None``: as ``anext``)."""
        return _Next(self, to_value(value))

    async def _take_when_ready(self, cancellable):
        """Waits for the outcome of the pending next_now() and takes it. A
        cancellation of the awaiting task cancels ``cancellable``, which
        the body sees at its await, and the wait goes on: the operation
        runs to its end, as in _operate()."""
        loop = asyncio.get_running_loop()
        if not self._agen_ready_set:
            self.set_ready_func(_on_ready)
            self._agen_ready_set = True
        cancelled = False
        taken = False
        try:
            while True:
                waiter = self._agen_pending = loop.create_future()
                try:
                    await waiter
                except asyncio.CancelledError:
                    cancelled = True
                    cancellable.cancel()
                self._agen_pending = None
                try:
                    status, item = self.next_now(None)
                except GLib.Error as error:
                    taken = True
                    failure = error.with_traceback(None)
                    break
                if status != _NOW_PENDING:
                    taken = True
                    failure = None
                    break
        finally:
            if cancelled:
                self._agen_cancellable = None
            if not taken:
                self._drop_outcome()
        # What this raises keeps this frame: not the generator.
        del self
        if failure is not None:
            raise _translate(failure, 'anext', False, cancelled)
        if status == _NOW_END:
            raise StopAsyncIteration
        return _from_value(item)

    def _drop_outcome(self):
        """The task that waited went away: the outcome, once there, goes."""
        self._agen_pending = None
        try:
            status, _item = self.next_now(None)
        except GLib.Error:
            return
        if status == _NOW_PENDING:
            self._agen_pending = _DROP_OUTCOME

    def athrow(self, typ, val=None, tb=None):
        """Throws an exception in at the yield where the generator waits."""
        return _Operation(self._operate('athrow', 'throw', (typ, val, tb)), _THROWING)

    def aclose(self):
        """Asks the generator to finish: ``GeneratorExit`` (AGEN_ERROR_EXIT)
        is thrown in at its yield."""
        return _Operation(self._operate('aclose', 'close', None), _THROWING)

    async def _operate(self, what, kind, argument):
        loop = _running_loop()
        cancellable = Gio.Cancellable()
        outcome = []
        waiter = [loop.create_future()]

        if kind == 'throw':
            thrown = error_from_exception(_exception_from_athrow_args(*argument))

        def done(source, result, _data):
            # Exceptions raised in a GLib callback would only be logged.
            try:
                outcome.append((True, getattr(source, kind + '_finish')(result)))
            except BaseException as exc:    # noqa: B902
                # Raised again below: without this frame, which holds the
                # generator (source).
                outcome.append((False, exc.with_traceback(None)))
            if not waiter[0].done():
                waiter[0].set_result(None)

        was_running = self.get_state() == _RUNNING
        if kind == 'next':
            # A body that yields, returns or raises without awaiting answers
            # at once: no round trip of the event loop, as over a Python
            # async generator.
            try:
                produced, pending, item = self.next_start(cancellable, done, None)
                if not pending:
                    outcome.append((True, (produced, item)))
            except GLib.Error as error:
                outcome.append((False, error.with_traceback(None)))
        elif kind == 'close':
            self.close_async(cancellable, done, None)
        elif kind == 'throw':
            self.throw_async(thrown, cancellable, done, None)
        else:
            self.send_async(argument, cancellable, done, None)

        # The operation always runs to its end: a cancellation of this task
        # is handed on to the body through the cancellable, and the body
        # decides what it means.
        cancelled = await _wait_for_callback(loop, waiter, outcome, cancellable)

        ok, value = outcome[0]
        # The traceback of what this raises keeps this frame, for as long as
        # the caller keeps the exception (CPython's keeps the generator's
        # frame, not the generator): let go of the generator first.
        del self
        if not ok:
            raise _translate(value, what, was_running, cancelled)
        if kind == 'close':
            return None
        produced, item = value
        if not produced:
            raise StopAsyncIteration
        return _from_value(item)

    def map(self, func):
        """A generator of ``func(item)`` for each item of this one, as
        ``(func(x) async for x in gen)``: agen_generator_map(), whose body
        runs in C. What ``func`` returns is yielded as to_value() maps it; an
        exception it raises closes this generator and comes out of the map
        as itself."""
        if not callable(func):
            raise TypeError('map() needs a callable, not %s' % type(func).__name__)
        return Agen.Generator.map(self, _combinator_func(func, _mapped))

    def filter(self, predicate):
        """A generator of the items of this one for which ``predicate(item)``
        is true, as ``(x async for x in gen if predicate(x))``:
        agen_generator_filter(), whose body runs in C. An exception
        ``predicate`` raises closes this generator and comes out of the
        filter as itself, as in map()."""
        if not callable(predicate):
            raise TypeError('filter() needs a callable, not %s' % type(predicate).__name__)
        return Agen.Generator.filter(self, _combinator_func(predicate, bool))

    # Time and retry (agen-combinators-time.c).

    def debounce(self, ms):
        """A generator of the items of this one that stayed the latest for
        ``ms`` milliseconds (agen_generator_debounce()): search as the user
        types. ``ms`` must be a positive int."""
        return Agen.Generator.debounce(self, _milliseconds('debounce', ms))

    def throttle(self, ms):
        """A generator of at most one item of this one per ``ms``
        milliseconds, the latest (agen_generator_throttle()): progress
        without a repaint per item."""
        return Agen.Generator.throttle(self, _milliseconds('throttle', ms))

    def timeout(self, ms):
        """A generator of the items of this one, each of which must come
        within ``ms`` milliseconds of being asked for
        (agen_generator_timeout()); otherwise this one is cancelled at its
        await and closed, and a ``GLib.Error`` ``Gio.IOErrorEnum.TIMED_OUT``
        comes out."""
        return Agen.Generator.timeout(self, _milliseconds('timeout', ms))

    @classmethod
    def retry(cls, factory, max_attempts, backoff_ms=0, after_items=False):
        """A generator of the items of ``factory(attempt)`` (an
        ``Agen.Generator`` or an async iterable), made again after a failure
        before its first item (any failure with ``after_items``), at most
        ``max_attempts`` times, waiting ``backoff_ms * 2 ** (attempt - 1)``
        milliseconds before each new attempt (agen_generator_retry()). An
        exception ``factory`` raises comes out of the retry as itself; a
        factory returning anything else raises ``TypeError``."""
        if not callable(factory):
            raise TypeError('retry() needs a callable factory, not %s' % type(factory).__name__)
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError('retry() needs max_attempts >= 1, not %r' % (max_attempts,))
        if not isinstance(backoff_ms, int) or not 0 <= backoff_ms <= _UINT32_MAX:
            raise ValueError('retry() needs a backoff_ms >= 0, not %r' % (backoff_ms,))

        def make(attempt, *_data):
            try:
                made = factory(attempt)
                if isinstance(made, Agen.Generator):
                    return made
                if hasattr(made, '__aiter__'):
                    return Generator.from_async_iterable(made)
                raise TypeError('retry(): the factory returned %s, not a generator or an '
                                'async iterable' % type(made).__name__)
            except BaseException as exc:    # noqa: B902: the retry raises it
                raise error_from_exception(_without_own_frames(exc)) from None

        return Agen.Generator.retry(make, None, min(max_attempts, _UINT32_MAX), backoff_ms, bool(after_items))
    def flat_map(self, func):
        """For each item, the items of ``func(item)``, in turn, as ``(x async
        for item in gen async for x in func(item))``:
        agen_generator_flat_map(). ``func`` returns an ``Agen.Generator`` or
        any async iterable (a Python async generator), made into one with
        from_async_iterable(); each is closed however the flat map ends.
        Anything else returned fails the flat map with ``TypeError``; an
        exception ``func`` raises comes out as itself."""
        return Agen.Generator.flat_map(self, _inner_func('flat_map', func))

    def flat_map_merge(self, concurrency, func):
        """As flat_map(), with up to ``concurrency`` inner generators pulled
        at once and their items as they come: agen_generator_flat_map_merge(),
        ``aiostream.stream.flatmap(gen, func, task_limit=concurrency)``."""
        return Agen.Generator.flat_map_merge(self, concurrency, _inner_func('flat_map_merge', func))

    def switch_map(self, func):
        """The items of ``func(item)`` for the latest item: a new item
        cancels and closes the current inner generator (search as you type):
        agen_generator_switch_map(), ``aiostream.stream.switchmap``."""
        return Agen.Generator.switch_map(self, _inner_func('switch_map', func))

    def scan(self, func, initial=_MISSING):
        """The running values of ``func(accumulated, item)``, as
        ``itertools.accumulate(gen, func, initial=initial)`` would for an
        async iterable: agen_generator_scan(). An exception ``func`` raises
        closes this generator and comes out as itself."""
        if not callable(func):
            raise TypeError('scan() needs a callable, not %s' % type(func).__name__)
        initial_value = None if initial is _MISSING else _item_to_value(initial)
        return Agen.Generator.scan(self, initial_value, _combinator_func(lambda pair: func(*pair), _mapped,
                                                                         arity=2))

    def distinct(self, equal=None):
        """The items, without one equal to the last one yielded (Kotlin's
        ``distinctUntilChanged``): agen_generator_distinct(). Equality is
        ``equal(item, previous)``, or Python's ``==``."""
        if equal is None:
            equal = operator.eq
        if not callable(equal):
            raise TypeError('distinct() needs a callable, not %s' % type(equal).__name__)
        return Agen.Generator.distinct(self, lambda a, b, *_data: bool(equal(a, b)))

    def tee(self, n=2, buffer_size=0):
        """``n`` branches of this generator, each yielding every item
        (``itertools.tee``), within a buffer of ``buffer_size`` items (0: the
        default) that the slowest branch holds: agen_generator_tee(), see
        Agen.Share. Returns a tuple."""
        return tuple(Agen.Generator.tee(self, n, buffer_size))

    def collect(self):
        """Runs the generator to its end and returns its items in a list, as
        ``[x async for x in gen]`` does, in C (agen_generator_collect_async(),
        which pulls items without an event-loop round trip when the body
        does not await): ``items = await gen.collect()``. Errors come out as
        for ``anext()``; the items yielded before an error are lost.
        Cancelling the awaiting task cancels the collect."""
        return _await_call('collect', lambda cancellable, done: self.collect_async(cancellable, done, None),
                           lambda result: _from_values(self.collect_finish(result)))

    async def foreach(self, func):
        """Calls ``func(item)`` for each item, as ``async for item in gen:
        func(item)`` does, in C (agen_generator_foreach_async(), without an
        event-loop round trip per item when the body does not await):
        ``await gen.foreach(print)``. ``func`` returning ``False`` stops the
        loop, which closes the generator, as ``break`` would; an exception
        ``func`` raises stops it too, and comes out as itself. Errors of the
        generator come out as for ``anext()``; cancelling the awaiting task
        cancels the loop."""
        if not callable(func):
            raise TypeError('foreach() needs a callable, not %s' % type(func).__name__)
        failed = []

        def call(_generator, item, *_data):
            try:
                return func(_from_value(item)) is not False
            except BaseException as exc:    # noqa: B902: raised once the loop is over
                failed.append(exc)
                return False

        try:
            await _await_call('foreach',
                              lambda cancellable, done: self.foreach_async(
                                  call, cancellable=cancellable, callback=done, user_data=None),
                              self.foreach_finish)
        finally:
            if failed:
                raise failed[0]

    @classmethod
    def new_values(cls, values):
        """A generator of ``values`` (agen_generator_new_values()), each
        mapped with to_value(); ``None`` is a ``G_TYPE_POINTER`` NULL."""
        return Agen.Generator.new_values([_item_to_value(value) for value in values])

    @classmethod
    def from_async_iterable(cls, iterable, *, name=None):
        """An ``Agen.Generator`` whose body is the Python async generator (or
        async iterable) ``iterable``: C, Vala and JavaScript code can consume
        it. Send, throw and close become ``asend``, ``athrow`` and
        ``aclose``. Each step runs in the body call up to its first await
        (a step that yields what it has costs no task and no event-loop
        round trip), and one that awaits goes on as an asyncio task on the
        running loop, all steps in one ``contextvars.Context``. Items are
        mapped to GValues with to_value()."""
        if isinstance(iterable, Agen.Generator):
            return iterable
        iterator = aiter(iterable)
        generator = cls.new(_PythonBody(iterator), None)
        if name is None:
            name = getattr(iterator, '__qualname__', None) or type(iterator).__qualname__
        generator.set_name(name)
        return generator


Generator = override(Generator)
__all__.append('Generator')


# ------------------------------------------------------- a Python body

def _without_own_frames(exc):
    """``exc``, its traceback without the frames of this module it starts
    with (where the body caught it): they hold the generator, and the
    exception registry may keep the exception long after the generator is
    dropped."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_globals is globals():
        tb = tb.tb_next
    return exc.with_traceback(tb)


# The steps of the Python bodies being closed, which Agen.run() lets end
# before it cancels the tasks left.
_closing_steps = weakref.WeakSet()


class _Step(collections.abc.Coroutine):
    """What the task of a step that awaited runs: the rest of the step, from
    the await where its first slice stopped (what it awaited goes to the
    task first). A cancellation of the task before it ran goes into the
    step at that await, as it goes into the ``aclose()`` of the task
    asyncio's finaliser hook makes: when ``asyncio.run()`` cancels every
    task at its end, a close on last unref still reaches the Python
    generator, whose cleanup runs, as CPython's does."""

    __slots__ = ('_body', '_iterator', '_awaited')

    def __init__(self, body, iterator, awaited):
        self._body = body
        self._iterator = iterator
        self._awaited = [awaited]

    def send(self, value):
        if self._awaited:
            # The task's first step: from now on it waits for what the step
            # awaits, and a cancellation of the task reaches that too.
            self._body._step_started = True
            return self._awaited.pop()
        return self._iterator.send(value)

    def throw(self, *exception):
        self._awaited.clear()
        return self._iterator.throw(*exception)

    def close(self):
        self._iterator.close()

    def __await__(self):
        return self._iterator


async def _aclose_then_stop(aclose):
    await aclose()
    raise StopAsyncIteration


class _PythonBody:
    """The AgenBodyFunc of from_async_iterable(): drives a Python async
    iterator. Each operation is one step (``__anext__``, ``asend``,
    ``athrow``), whose first slice runs in the body call: a step that ends
    there yields, returns or raises at once; one that awaits goes on in an
    asyncio task, and the body suspends until the task is done and then
    yields, returns or raises what it gave. It holds no reference to the
    generator between calls (the generator owns it)."""

    __slots__ = ('_iterator', '_context', '_task', '_step_started', '_step_cancelled', '_await_id',
                 '_ended', '_closing', '__weakref__')

    def __init__(self, iterator):
        self._iterator = iterator
        self._context = contextvars.copy_context()
        self._task = None
        self._step_started = False
        self._step_cancelled = False
        self._await_id = 0
        self._ended = False
        self._closing = False

    def __call__(self, generator, _user_data=None):
        self._ended = False
        try:
            self._run(generator)
        except BaseException as exc:    # noqa: B902: never let it escape into C
            if self._ended:
                raise
            self._raise(generator, exc)

    # Each body call ends in exactly one of these.
    def _yield(self, generator, item):
        # A gint-range int or a str goes as is: PyGObject makes the GValue
        # to_value() would make, without a GObject.Value per item.
        if (type(item) is int and _INT32_MIN <= item <= _INT32_MAX) or type(item) is str:
            self._ended = True
            generator.yield_(item)
            return
        value = to_value(item)
        self._ended = True
        generator.yield_(value)

    def _return(self, generator):
        self._ended = True
        generator.return_()

    def _raise(self, generator, exc, step=None):
        exc = _without_own_frames(exc)
        if self._closing and isinstance(exc, GeneratorExit):
            # It finishes the close cleanly: it never comes back out, and
            # the registry would only keep its frames alive.
            error = _error_for(exc)
        elif step is not None and step.cancelling() and not self._step_cancelled:
            # Somebody else cancelled the step's task: asyncio.run() does,
            # at its end, and reports how the task failed.
            error = _error_reported_by_asyncio(exc)
        else:
            error = error_from_exception(exc)
        self._ended = True
        generator.raise_(error)

    def _suspend(self, generator):
        self._ended = True
        self._await_id = generator.suspend()

    def _run(self, generator):
        task = self._task
        if task is not None:
            # Called again during a step: either the step is done (our
            # resume), or the operation was cancelled (G_IO_ERROR_CANCELLED
            # is thrown in).
            cancellation = generator.catch_error()
            if not task.done():
                # Hand the cancellation on to the step's await, and wait
                # until the Python generator has settled it: it decides.
                if cancellation is not None:
                    self._step_cancelled = True
                if cancellation is not None and self._step_started:
                    task.cancel()
                elif cancellation is not None:
                    # The task has not taken over the step's await yet: its
                    # first run is queued already; cancel right after it,
                    # when the task waits for what the step awaits, as
                    # asyncio would.
                    task.get_loop().call_soon(task.cancel)
                self._suspend(generator)
                return
            # A cancellation that came after the step was done is too late:
            # the Python generator has yielded (or finished) already.
            self._task = None
            self._settle(generator, task)
            return

        iterator = self._iterator
        finished = getattr(iterator, 'ag_frame', True) is None  # closed behind our back
        error = generator.catch_error()
        is_exit = False
        self._closing = False
        if error is not None:
            exc = _registry.take(error)
            if exc is None:
                exc = _exception_for_body(error)
                self._closing = isinstance(exc, GeneratorExit)
            is_exit = isinstance(exc, GeneratorExit)
            athrow = getattr(iterator, 'athrow', None)
            if finished:
                if is_exit:
                    self._return(generator)
                else:
                    self._raise(generator, exc)
                return
            if athrow is not None:
                # Also for a close: the generator then yields (agen-glib
                # turns that into AGEN_ERROR_IGNORED_EXIT), returns or raises.
                step = athrow(exc)
            elif is_exit and hasattr(iterator, 'aclose'):
                step = _aclose_then_stop(iterator.aclose)
            elif is_exit:
                self._return(generator)
                return
            else:
                self._raise(generator, exc)
                return
        else:
            if finished:
                self._return(generator)
                return
            sent = _from_value(generator.get_sent())
            if sent is None:
                step = iterator.__anext__()
            else:
                asend = getattr(iterator, 'asend', None)
                if asend is None:
                    raise TypeError("%s has no asend(): it can only be advanced with "
                                    "next" % type(iterator).__name__)
                step = asend(sent)

        # Most steps end without awaiting (an async generator yielding what
        # it has at hand): the step's first slice runs here, in the body's
        # context, as CPython runs it inside the consumer's await, and only
        # a step that awaits gets a task, which carries on from where the
        # slice stopped.
        steps = step.__await__()
        try:
            awaited = self._context.run(steps.send, None)
        except StopIteration as stop:
            self._yield(generator, stop.value)
            return
        except StopAsyncIteration:
            self._return(generator)
            return
        except BaseException as exc:    # noqa: B902
            self._raise(generator, exc)
            return
        self._step_started = False
        self._step_cancelled = False
        task = _body_loop().create_task(_Step(self, steps, awaited), context=self._context)
        self._task = task
        if is_exit:
            _closing_steps.add(task)
        self._suspend(generator)
        task.add_done_callback(functools.partial(self._step_done, generator))

    def _step_done(self, generator, _task):
        generator.resume(self._await_id, None)

    def _settle(self, generator, task):
        try:
            item = task.result()
        except StopAsyncIteration:
            self._return(generator)
        except BaseException as exc:    # noqa: B902
            self._raise(generator, exc, task)
        else:
            self._yield(generator, item)
