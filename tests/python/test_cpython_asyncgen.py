# test_cpython_asyncgen.py: CPython's own test_asyncgen.py, with every async
# generator in it an Agen.Generator.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""CPython's test_asyncgen.py (Debian: libpython3.11-testsuite) run against
agen-glib: its source is rewritten so that every async generator function
returns ``Agen.Generator.from_async_iterable(<its generator>)`` and every
async generator expression is wrapped the same way, so each test consumes
agen-glib generators (whose bodies are the original Python generators),
on the GLib main loop of Agen.get_event_loop().

The tests that cannot be expressed so are skipped, with why, as listed in
cpython_asyncgen_skips.py. Those that run but fail because the override or
the library behaves otherwise than CPython are KNOWN_DIFFERENCES below
(strict xfail): when one is fixed it XPASSes, which fails the run, and its
entry goes.

AsyncGenAsyncioTest's own setUp makes a new asyncio loop per test, and
asyncio.run() another; with gbulb those would iterate a GMainContext that
agen-glib never completes on. So the tests get Agen.get_event_loop(), with
asyncio's async generator hooks installed as an asyncio loop has them while
it runs (gbulb's run_forever() does not), and asyncio.run() is Agen.run().
(With the hooks, CPython's own generators pass here as on asyncio's loop,
but for the end of shutdown_exception_02, where Agen.run() differs; the
wrapped ones never reach the hooks, only their Python bodies do.) The loop
is shared, so each test lets what it left (a close on last unref, a step)
finish before it ends, and fails on what was reported outside its code
(conftest's trap), as the project's other Python tests do.
"""

import ast
import asyncio
import functools
import gc
import importlib.util
import inspect
import sys
import types
import unittest

import pytest

from gi.repository import Agen, GLib

from cpython_asyncgen_skips import SKIPS

# Tests that run through the wrapper and fail because agen-glib or its
# override does otherwise than CPython: none today. An entry (the test's
# name: why) is a strict xfail, which fails the run once it passes.
KNOWN_DIFFERENCES = {}

# How long tearDown() waits for what a test left running.
SETTLE_TIMEOUT = 10


# ------------------------------------------------------- the wrapping

_wrapped_count = 0


def _wrap(agen):
    global _wrapped_count
    assert inspect.isasyncgen(agen), 'the rewrite wrapped %r' % (agen,)
    _wrapped_count += 1
    return Agen.Generator.from_async_iterable(agen)


def _wrap_function(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _wrap(func(*args, **kwargs))
    return wrapper


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _walk_scope(nodes):
    """The nodes under ``nodes``, without entering nested functions and
    classes (a yield there belongs to them)."""
    todo = list(nodes)
    while todo:
        node = todo.pop()
        yield node
        todo.extend(child for child in ast.iter_child_nodes(node)
                    if not isinstance(child, _SCOPES))


def _is_async_genexp(node):
    # The first iterable is evaluated outside the expression: an await there
    # belongs to the enclosing function.
    parts = [node.elt] + [part for i, comp in enumerate(node.generators)
                          for part in ([comp.target] + ([comp.iter] if i else []) + comp.ifs)]
    return (any(comp.is_async for comp in node.generators)
            or any(isinstance(n, ast.Await) for n in _walk_scope(parts)))


class _Rewrite(ast.NodeTransformer):
    def visit_AsyncFunctionDef(self, node):
        self.generic_visit(node)
        if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _walk_scope(node.body)):
            # Innermost: any other decorator sees what a C body would give.
            node.decorator_list.append(ast.Name('_agen_wrap_function', ast.Load()))
        return node

    def visit_GeneratorExp(self, node):
        self.generic_visit(node)
        if not _is_async_genexp(node):
            return node
        call = ast.Call(ast.Name('_agen_wrap', ast.Load()), [node], [])
        return ast.copy_location(call, node)


# ------------------------------------------- the GLib loop for the tests

def _idle(loop):
    """A future done once the main loop has nothing more urgent than a
    G_PRIORITY_LOW idle (closes on last unref start at
    G_PRIORITY_DEFAULT_IDLE)."""
    future = loop.create_future()

    def fire():
        if not future.done():
            future.set_result(None)
        return GLib.SOURCE_REMOVE
    GLib.idle_add(fire, priority=GLib.PRIORITY_LOW)
    return future


def _settle(loop):
    """Runs the loop until what the test left has finished: closes on last
    unref and the steps of Python bodies."""
    for _ in range(3):
        gc.collect()
        loop.run_until_complete(_idle(loop))
        tasks = asyncio.all_tasks(loop)
        if tasks:
            loop.run_until_complete(asyncio.wait(tasks, timeout=SETTLE_TIMEOUT))
    left = asyncio.all_tasks(loop)
    for task in left:
        task.cancel()
    if left:
        loop.run_until_complete(asyncio.wait(left))
    return left


def setUp(self):
    self.loop = loop = Agen.get_event_loop()
    # A fresh loop's state, which shutdown_asyncgens() (the test's or
    # Agen.run()'s) changed.
    loop._asyncgens.clear()
    loop._asyncgens_shutdown_called = False
    self._old_hooks = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=loop._asyncgen_firstiter_hook,
                           finalizer=loop._asyncgen_finalizer_hook)


def tearDown(self):
    try:
        _settle(self.loop)
    finally:
        sys.set_asyncgen_hooks(*self._old_hooks)


def _checked(test):
    """``test``, failing also when it left tasks running, when something was
    reported outside its code (conftest's trap: asyncio's exception handler,
    g_warning), or when no async generator went through Agen.Generator (it
    would test CPython alone: it belongs in SKIPS). Checked within the test,
    so that a strict xfail covers it."""
    @functools.wraps(test)
    def checked(self):
        before = _wrapped_count
        test(self)
        left = _settle(Agen.get_event_loop())
        if left:
            self.fail('tasks still running %d s after the test: %r' % (SETTLE_TIMEOUT, left))
        if self._trap.errors:
            self.fail('errors reported outside the test code:\n  ' + '\n  '.join(self._trap.errors))
        if _wrapped_count == before:
            self.fail('no async generator went through Agen.Generator: a test for SKIPS')
    return checked


class _AsyncioOnGLib(types.ModuleType):
    """asyncio as the tests see it: asyncio.run() is Agen.run()."""

    run = staticmethod(Agen.run)

    def __getattr__(self, name):
        return getattr(asyncio, name)


# ------------------------------------------------------------ loading

def _load():
    spec = importlib.util.find_spec('test.test_asyncgen')
    if spec is None or spec.origin is None:
        raise ImportError("CPython's test_asyncgen.py is not installed "
                          "(Debian: libpython3.11-testsuite)")
    with open(spec.origin, encoding='utf-8') as source:
        tree = ast.parse(source.read(), spec.origin)
    tree = ast.fix_missing_locations(_Rewrite().visit(tree))
    namespace = {'__name__': 'test_asyncgen_over_agen', '__file__': spec.origin,
                 '_agen_wrap': _wrap, '_agen_wrap_function': _wrap_function}
    exec(compile(tree, spec.origin, 'exec'), namespace)
    namespace['asyncio'] = _AsyncioOnGLib('asyncio')

    cases = {name: value for name, value in namespace.items()
             if isinstance(value, type) and issubclass(value, unittest.TestCase)}
    cases['AsyncGenAsyncioTest'].setUp = setUp
    cases['AsyncGenAsyncioTest'].tearDown = tearDown

    for table in (SKIPS, KNOWN_DIFFERENCES):
        for test in table:
            case, _, method = test.partition('.')
            if not (method.startswith('test') and hasattr(cases.get(case), method)):
                raise LookupError('no test %s in %s' % (test, spec.origin))
    for case in cases.values():
        for method in unittest.defaultTestLoader.getTestCaseNames(case):
            test = '%s.%s' % (case.__name__, method)
            if test in SKIPS:
                checked = unittest.skip(SKIPS[test])(getattr(case, method))
            else:
                checked = _checked(getattr(case, method))
            if test in KNOWN_DIFFERENCES:
                checked = pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[test])(checked)
            setattr(case, method, checked)
    return cases


# pytest collects the TestCase classes it finds among the module's globals.
globals().update(_load())


@pytest.fixture(autouse=True)
def _trap_for_the_test(request, trap):
    request.instance._trap = trap
