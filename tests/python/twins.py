# twins.py: CPython's async generators as the reference for Agen.Generator.
#
# Each body of libagen-test (tests/lib/agen-test.c) has its Python twin here,
# copied from the comment above it. A test runs the same operations on three
# implementations and compares what they give and what they log:
#
#   'cpython'  the twin, a native async generator (the reference);
#   'c'        the C body, consumed through the override;
#   'wrapped'  the twin handed to agen-glib with from_async_iterable() and
#              consumed back through the override (the Python body path).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio

from gi.repository import Agen, AgenTest, GLib, Gio

IMPLEMENTATIONS = ('cpython', 'c', 'wrapped')


async def gate_wait(gate):
    """Python's `await gate.wait()`: AgenTest.Gate.wait_async as an asyncio
    future; a cancellation of the waiting task cancels the wait."""
    future = asyncio.get_running_loop().create_future()
    cancellable = Gio.Cancellable()

    def done(source, result, _data):
        try:
            source.wait_finish(result)
            error = None
        except BaseException as exc:    # noqa: B902: a callback must not raise
            error = exc
        if future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    gate.wait_async(cancellable, done, None)
    try:
        await future
    except asyncio.CancelledError:
        cancellable.cancel()
        raise


# ------------------------------------------------------------------- twins

async def counter(n, log):
    try:
        for i in range(n):
            yield i
    finally:
        log.append("cleanup")


async def echo(log):
    try:
        received = None
        while True:
            received = yield received
    finally:
        log.append("cleanup")


async def catcher(n, log):
    try:
        i = 0
        while i < n:
            try:
                yield i
            except GLib.Error as e:   # not GeneratorExit
                log.append("caught " + e.message)
                yield -1
            i += 1
    finally:
        log.append("cleanup")


async def cleanup_awaits(n, gate, log):
    try:
        for i in range(n):
            yield i
    finally:
        log.append("cleanup start")
        await gate_wait(gate)
        log.append("cleanup end")


async def yields_in_close(n, log):
    try:
        for i in range(n):
            try:
                yield i
            except GeneratorExit:
                log.append("ignoring exit")
                yield -1
    finally:
        log.append("cleanup")


async def raises_in_cleanup(n, log):
    try:
        for i in range(n):
            yield i
    finally:
        log.append("cleanup")
        raise GLib.Error("cleanup failed", "g-io-error-quark", Gio.IOErrorEnum.FAILED)


async def gated(n, gate, log):
    try:
        for i in range(n):
            await gate_wait(gate)
            yield i
    finally:
        log.append("cleanup")


BODIES = {
    # name: (twin, C body, takes n, takes a gate)
    'counter': (counter, AgenTest.counter, True, False),
    'echo': (echo, AgenTest.echo, False, False),
    'catcher': (catcher, AgenTest.catcher, True, False),
    'cleanup_awaits': (cleanup_awaits, AgenTest.cleanup_awaits, True, True),
    'yields_in_close': (yields_in_close, AgenTest.yields_in_close, True, False),
    'raises_in_cleanup': (raises_in_cleanup, AgenTest.raises_in_cleanup, True, False),
    'gated': (gated, AgenTest.gated, True, True),
}


class Subject:
    """One implementation of one body, with its own log and gate."""

    def __init__(self, impl, body, n=3):
        twin, c_body, takes_n, takes_gate = BODIES[body]
        self.impl = impl
        self.body = body
        self.log = AgenTest.Log.new()
        self.gate = AgenTest.Gate.new()
        args = ([n] if takes_n else []) + ([self.gate] if takes_gate else []) + [self.log]
        if impl == 'c':
            self.gen = c_body(*args)
        elif impl == 'cpython':
            self.gen = twin(*args)
        elif impl == 'wrapped':
            self.gen = Agen.Generator.from_async_iterable(twin(*args))
        else:
            raise ValueError(impl)

    def entries(self):
        return list(self.log.dup_entries())

    def finished(self):
        if self.impl == 'cpython':
            return self.gen.ag_frame is None
        return self.gen.get_state() == Agen.GeneratorState.FINISHED


# -------------------------------------------------------------- operations

def boom():
    return GLib.Error('boom', 'g-io-error-quark', Gio.IOErrorEnum.FAILED)


# What athrow() throws; each call makes a fresh exception.
THROWN = {
    'glib': boom,
    'value': lambda: ValueError('bad'),
    'exit': GeneratorExit,
    'cancelled': asyncio.CancelledError,
    'stop': StopAsyncIteration,
}


def perform(gen, op):
    """The awaitable of one operation: ('anext',), ('asend', v),
    ('athrow', key of THROWN), ('aclose',)."""
    if op[0] == 'anext':
        return anext(gen)
    if op[0] == 'asend':
        return gen.asend(op[1])
    if op[0] == 'athrow':
        return gen.athrow(THROWN[op[1]]())
    if op[0] == 'aclose':
        return gen.aclose()
    raise ValueError(op)


async def outcome(awaitable):
    """What an operation gave, comparable across implementations."""
    try:
        value = await awaitable
    except StopAsyncIteration:
        return ('stop',)
    except asyncio.CancelledError:
        return ('cancelled',)
    except GLib.Error as e:
        return ('GLib.Error', e.domain, e.code, e.message)
    except BaseException as e:      # noqa: B902: GeneratorExit is an outcome too
        return (type(e).__name__, str(e))
    return ('item', value)


async def wait_until(predicate, what, seconds=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError('stuck waiting for ' + what)
        await asyncio.sleep(0)


async def drive(subject, op, resolutions=()):
    """Runs one operation to its end. Whenever the body waits on the gate,
    the next resolution says what to do: 'open' the gate, 'cancel' the task
    awaiting the operation, or ('concurrent', op) to try another operation
    meanwhile (its outcome is recorded). Returns (outcome, [outcomes of the
    concurrent operations])."""
    gate = subject.gate
    task = asyncio.ensure_future(outcome(perform(subject.gen, op)))
    extra = []
    pending = list(resolutions)
    while True:
        await wait_until(lambda: task.done() or gate.get_n_waiters() > 0, 'an outcome or a wait')
        if task.done():
            break
        resolution = pending.pop(0) if pending else 'open'
        if resolution == 'open':
            gate.open()
        elif resolution == 'cancel':
            task.cancel()
            await wait_until(lambda: task.done() or gate.get_n_waiters() == 0,
                             'the cancellation to reach the body')
        else:
            extra.append(await outcome(perform(subject.gen, resolution[1])))
            if not pending:
                pending.append('open')
    return task.result(), extra


# ----------------------------------------------------- listed differences
#
# THE ONE PLACE where agen-glib differs from CPython 3.11 on purpose, each
# difference once, with its reason: expected() for the outcomes of
# operations (1-3), reference_shutdown() for what a shutdown closes (4),
# left_by_a_drop() for what a dropped generator leaves in the log and the
# reports (5-6).

IGNORED_EXIT = ('RuntimeError', 'async generator ignored GeneratorExit')


def expected(op, reference, finished_before, exit_ignored_before, close_cancelled_before):
    """THE ONE PLACE where the outcomes of Agen.Generator differ from
    CPython 3.11 on purpose: the outcome Agen gives for `op`, given the
    outcome `reference` CPython gave and what was true of the generator
    before `op`.

    1. athrow() on a finished generator: CPython 3.11 returns None, as if
       the thrown exception had been swallowed. agen-glib's contract (a
       difference it lists) finishes the throw with FALSE and no error ("the
       generator is finished"), which the override raises as
       StopAsyncIteration, like every other operation on a finished
       generator.

    2. aclose()/athrow() after a close that the body ignored (it yielded
       while closing; Python's ag_closed), while the generator is not
       finished: CPython raises StopAsyncIteration without entering the body;
       agen-glib refuses with AGEN_ERROR_IGNORED_EXIT, which the override
       raises as RuntimeError("async generator ignored GeneratorExit") (from
       the GLib.Error): the close is refused, not a clean end.

    3. Any operation after an aclose() cancelled while the cleanup awaited:
       CPython 3.11 leaves the generator marked as running (a 3.11 bug: the
       cancelled aclose awaitable never clears the running flag), so every
       later operation raises RuntimeError "...already running". The
       contract takes 3.13's behaviour: the close fails with CANCELLED, the
       generator is finished, later operations see a finished generator.
    """
    if close_cancelled_before and reference[0] == 'RuntimeError' \
            and reference[1].endswith('asynchronous generator is already running'):
        return ('item', None) if op[0] == 'aclose' else ('stop',)
    if op[0] == 'athrow' and finished_before and reference == ('item', None):
        return ('stop',)
    if op[0] in ('athrow', 'aclose') and exit_ignored_before and not finished_before \
            and reference == ('stop',):
        return IGNORED_EXIT
    return reference


def started(gen):
    """Whether the body of the CPython async generator `gen` has run (what
    Python 3.12's inspect.getasyncgenstate() tells from AGEN_CREATED)."""
    return gen.ag_frame is None or gen.ag_frame.f_lasti != 0


async def reference_shutdown(loop):
    """loop.shutdown_asyncgens() as the contract has agen_shutdown_async()
    do it: THE ONE PLACE for this difference.

    4. A shutdown closes only started generators. CPython's firstiter hook
       registers an async generator for shutdown_asyncgens() at the first
       call of anext/asend/athrow/aclose, also one that is refused:
       asend(v) on a just-started generator (the only refused first call
       that leaves it unstarted: athrow and aclose finish it). The shutdown
       then closes a generator whose body never ran, which finishes it, so
       every later operation sees a finished generator. The contract has
       agen_shutdown_async() close "every started, unfinished generator of
       the thread-default main context" (the consumer face, and the
       semantics table's loop.shutdown_asyncgens() row), and the refused
       send leaves the generator "unchanged" (the table's asend row): it
       stays CREATED, and its next operation starts the body.

    So the unstarted generators sit this shutdown out. They stay in the
    loop's set: a later shutdown closes them if they have started by then,
    as agen-glib registers a generator when it starts.

    (Not a difference of outcomes: shutdown_asyncgens() also notes that it
    was called, to warn about generators that start later, which it
    registers all the same; agen-glib does not warn. The note is cleared.)
    """
    unstarted = [gen for gen in loop._asyncgens if not started(gen)]
    loop._asyncgens.difference_update(unstarted)
    try:
        await loop.shutdown_asyncgens()
    finally:
        loop._asyncgens.update(unstarted)
        loop._asyncgens_shutdown_called = False


def left_by_a_drop(exit_ignored_before, log_before, log, reports):
    """THE ONE PLACE where what a dropped generator leaves behind differs:
    the log and the reports that agen-glib gives for the drop of the last
    reference to a generator, given what CPython gave (`log`, `reports`),
    the log before the drop, and whether the generator had ignored an
    aclose() before the drop (and was not finished). (Only yields_in_close
    yields while it is closed; its `finally`, which its C body defers, logs
    "cleanup".)

    5. A started generator that ignores the close its drop starts (its body
       yields while it is closed; both sides report "async generator
       ignored GeneratorExit") is then freed with its body suspended.
       CPython frees the frame without running its `finally`: tp_finalize,
       which called the finalizer hook, runs once only (PEP 442). agen-glib
       runs the body's deferred cleanups when it finalises the generator:
       the contract's agen_generator_defer() runs `func (data)` "when the
       body finishes, however it finishes" (the producer face). A deferred
       cleanup is how a C body releases what it holds, and a GDestroyNotify
       handed over is always called (GIO's convention, the reference where
       CPython has no answer; CPython, too, releases what the frame holds).
       The log gets "cleanup".

    6. A generator that ignored an aclose() before (Python's ag_closed):
       CPython's collector does not call the finalizer hook but closes the
       generator at once, entering the body. Its `finally` runs; or, if the
       body was resumed after the ignored close and waits at a yield in its
       loop again, it ignores this exit too, which the collector reports
       (as unraisable), and the frame is freed without its `finally`.
       agen-glib does not call the finalizer hook either, but a later close
       could not enter the body (the contract refuses it with
       AGEN_ERROR_IGNORED_EXIT: the table's "body yields during aclose()"
       row; difference 2): the generator is finalised, silently, and its
       deferred cleanups run, as in 5. The log before the drop and
       "cleanup"; no report.
    """
    ignored = ('report', IGNORED_EXIT[1])
    if exit_ignored_before:
        return log_before + ['cleanup'], []
    if ignored in reports:
        return log + ['cleanup'], reports
    return log, reports


def collect(generator):
    """AgenTest.consume_all_async, the C consumer, as a coroutine."""
    future = asyncio.get_running_loop().create_future()

    def done(source, result, _data):
        try:
            outcome = (True, AgenTest.consume_all_finish(source, result))
        except BaseException as exc:    # noqa: B902
            outcome = (False, exc)
        if not future.done():
            future.set_result(outcome)

    AgenTest.consume_all_async(generator, None, done, None)

    async def wait():
        ok, value = await future
        if not ok:
            raise value
        return list(value)
    return wait()


# ----------------------------------------------------------- comparisons

async def play(subject, steps):
    """Runs `steps` ([(op, resolutions)]) on `subject`, then, if the
    generator is not finished, finishes it (aclose, or anext after an
    ignored close) so that nothing is left suspended. Returns the trace:
    [(op, outcome, concurrent outcomes, log, finished before, exit ignored
    before, close cancelled before)] and the steps actually run (the given ones and the finishing
    ones)."""
    trace = []
    exit_ignored = False
    close_cancelled = False
    steps = list(steps)
    i = 0
    while True:
        if i < len(steps):
            op, resolutions = steps[i]
        elif not subject.finished() and i < len(steps) + 12:
            op, resolutions = (('anext',) if exit_ignored else ('aclose',)), ()
            steps.append((op, resolutions))
        else:
            break
        i += 1
        finished_before = subject.finished()
        result, extra = await drive(subject, op, resolutions)
        trace.append((op, result, extra, subject.entries(), finished_before, exit_ignored,
                      close_cancelled))
        if op[0] == 'aclose' and result == IGNORED_EXIT:
            exit_ignored = True
        if op[0] == 'aclose' and result == ('cancelled',):
            close_cancelled = True
    return trace, steps


async def compare(body, steps, n=3, implementations=IMPLEMENTATIONS):
    """Plays `steps` on the CPython twin and on the other implementations
    and asserts they agree, step by step, up to the listed differences.
    Returns the reference trace."""
    reference, steps = await play(Subject('cpython', body, n), steps)
    for impl in implementations:
        if impl == 'cpython':
            continue
        subject = Subject(impl, body, n)
        trace, _ = await play(subject, steps)
        assert len(trace) == len(reference), (impl, body, steps)
        for i, (mine, ref) in enumerate(zip(trace, reference)):
            op, result, extra, log = mine[:4]
            ref_op, ref_result, ref_extra, ref_log = ref[:4]
            want = expected(op, ref_result, *ref[4:])
            context = dict(impl=impl, body=body, n=n, step=i, steps=steps)
            assert result == want, ('outcome', result, want, context)
            assert extra == ref_extra, ('concurrent outcomes', extra, ref_extra, context)
            assert log == ref_log, ('log', log, ref_log, context)
        assert subject.finished(), (impl, body, steps)
    return reference
