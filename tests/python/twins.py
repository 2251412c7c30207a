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
# It also holds the machinery of the random sequences of
# test_differential.py and test_nested_differential.py (Side, choose,
# replay, differential), and the one list of the differences the contract
# makes (expected, reference_shutdown, left_by_a_drop, reference_cancel).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import gc
import os
import sys
import weakref

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


# The bodies that never await, which libagen-test also has as producer
# threads (AgenTest.threaded(), agen_generator_new_threaded()) and as
# async functions (AgenTest.async_function(), agen_generator_new_async()).
THREADED = ('counter', 'echo', 'catcher', 'yields_in_close', 'raises_in_cleanup')


def new_body(body, twin, n, gate, log):
    """A new generator of the body named `body` of BODIES: its twin (if
    `twin`) or the C body, with the arguments it takes of n, gate, log."""
    python_body, c_body, takes_n, takes_gate = BODIES[body]
    args = ([n] if takes_n else []) + ([gate] if takes_gate else []) + [log]
    return (python_body if twin else c_body)(*args)


class Subject:
    """One implementation of one body, with its own log and gate."""

    def __init__(self, impl, body, n=3):
        self.impl = impl
        self.body = body
        self.log = AgenTest.Log.new()
        self.gate = AgenTest.Gate.new()
        if impl == 'c':
            self.gen = new_body(body, False, n, self.gate, self.log)
        elif impl == 'cpython':
            self.gen = new_body(body, True, n, self.gate, self.log)
        elif impl == 'c-thread':
            self.gen = AgenTest.threaded(body, n, self.log)
        elif impl == 'c-async':
            self.gen = AgenTest.async_function(body, n, self.log)
        elif impl == 'wrapped':
            self.gen = Agen.Generator.from_async_iterable(
                new_body(body, True, n, self.gate, self.log))
        else:
            raise ValueError(impl)

    def entries(self):
        return list(self.log.dup_entries())

    def finished(self):
        if self.impl == 'cpython':
            return self.gen.ag_frame is None
        return self.gen.get_state() == Agen.GeneratorState.FINISHED

    def perform(self, op):
        return perform(self.gen, op)


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
    """What an operation gave, comparable across implementations: an item
    (comparable()), or an exception's type, message and attributes()."""
    try:
        value = await awaitable
    except BaseException as e:      # noqa: B902: GeneratorExit is an outcome too
        return failure(e)
    finally:
        # The traceback of what it raised holds this frame: without the
        # awaitable (athrow()'s holds the exception), lest the exception
        # be in a reference cycle, which only the garbage collector frees,
        # and the generators that its frames hold with it.
        del awaitable
    return ('item', comparable(value))


def failure(exc):
    """outcome() of an operation that raised `exc`."""
    if isinstance(exc, StopAsyncIteration):
        return ('stop',) + attributes(exc)
    if isinstance(exc, asyncio.CancelledError):
        return ('cancelled',) + attributes(exc)
    if isinstance(exc, GLib.Error):
        # int(): a GLib.Error made in Python keeps the enum it was given.
        return ('GLib.Error', exc.domain, int(exc.code), exc.message) + attributes(exc)
    return (type(exc).__name__, str(exc)) + attributes(exc)


def comparable(value):
    """An item as outcome() gives it. True == 1 and 2.0 == 2 in Python: a
    bool or a float is tagged with its type, so that an item that comes
    back as another type does not compare equal."""
    if isinstance(value, (bool, float)):
        return (type(value).__name__, value)
    return value


def attributes(exc):
    """The attributes a test gave an exception (GLib.Error's domain, code
    and message aside), as a tuple of (name, value). An exception that
    comes back as a new object of the same type has none of them."""
    fields = vars(exc)
    if isinstance(exc, GLib.Error):
        fields = {k: v for k, v in fields.items() if k not in ('domain', 'code', 'message')}
    return tuple(sorted(fields.items()))


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
# reports (5-6), reference_cancel() for a task cancelled again (7).

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


def left_by_a_drop(exit_ignored_before, log_before, log, reports, producer=False):
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

    8. The same for a `producer` (a producer thread or an async function,
       contract-emitter): it waits in an emit, and is not freed there: its
       waiting emit fails with AGEN_ERROR_EXIT, as CPython's collector
       enters the body, and it ends in its own time. The log is CPython's;
       where CPython then freed a frame that yielded again (it reports the
       ignored exit), the producer's next emit fails (the generator is
       gone) and its `finally` runs: "cleanup". No report: nothing is left
       to report to.
    """
    ignored = ('report', IGNORED_EXIT[1])
    if exit_ignored_before and producer:
        return (log + ['cleanup'] if ignored in reports else log), []
    if exit_ignored_before:
        return log_before + ['cleanup'], []
    if ignored in reports:
        return log + ['cleanup'], reports
    return log, reports


def reference_cancel(task, cancelled_before):
    """task.cancel() on the task awaiting an operation of a native
    generator, as the contract has agen-glib take it: THE ONE PLACE for
    this difference. `cancelled_before`: whether that task was cancelled
    before, during the same operation.

    7. A second cancellation during the same operation (the first reached
       the body, which went on to await again, in a cleanup say): CPython
       throws CancelledError in again at that await, as at every
       task.cancel(). agen-glib's cancellation is the operation's
       GCancellable's, which is cancelled once: "The cancellation is
       delivered once, so the cleanup can still await" (the semantics
       table's row for a cancelled task; "Cancellation belongs to each
       operation, through its GCancellable, rather than to a task", the
       differences' section). The second changes nothing: the operation
       goes on until the body ends it.
    """
    if not cancelled_before:
        task.cancel()


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


# ------------------------------------------------------- random sequences
#
# One side of a random sequence (test_differential, test_nested_differential):
# a subject driven by actions, with the loop left to settle after each, and
# what it gave compared with the reference side's.

SENT = [1, -7, 'text', 2 ** 40, True, 2.5, None]
MAX_ACTIONS = 8
SETTLE_SECONDS = 5.0
# An operation that waits on the gate more often than this does not end
# (a tree of bodies can wait a few dozen times in one operation).
MAX_OPENS = 100

def throwable(body):
    """The keys of THROWN that the C body and its twin see alike: the C
    catcher catches every error but AGEN_ERROR_EXIT, its twin only
    GLib.Error."""
    return ['glib', 'exit'] if body == 'catcher' else sorted(THROWN)


def idle(loop):
    """A future done when the main loop has nothing more urgent to do than
    a G_PRIORITY_LOW idle: everything ready at G_PRIORITY_DEFAULT (gbulb's
    callbacks, GTask returns) and G_PRIORITY_DEFAULT_IDLE (the close on
    last unref) has run. (asyncio.sleep(0) in a loop would starve the
    latter.)"""
    future = loop.create_future()

    def fire():
        if not future.done():
            future.set_result(None)
        return GLib.SOURCE_REMOVE
    GLib.idle_add(fire, priority=GLib.PRIORITY_LOW)
    return future


def reported_message(result):
    """The message of a reported error (an outcome()), the part both sides
    report."""
    if result[0] == 'GLib.Error':
        return result[3]
    return result[1] if len(result) > 1 else result[0]


class Side:
    """One implementation of a sequence: the subject, the operations and
    shutdowns in flight, and what was reported outside the code.

    The subject is a Subject or anything with its face: impl (a name),
    gen, gate, entries(), finished() and perform(op). The side whose
    generator is a native async generator is the reference side."""

    def __init__(self, subject, loop, trap):
        self.impl = subject.impl
        self.loop = loop
        self.trap = trap
        self.subject = subject
        self.reference = not isinstance(subject.gen, Agen.Generator)
        self.gate = self.subject.gate
        self.pending = {}           # index of the starting action -> task
        self.kinds = {}             # index -> the op, or ('shutdown',)
        self.flags = {}             # index -> flags for expected()
        self.dropped = False
        self.drop = None            # (index of the drop, exit ignored before it, log before it)
        self.dead = None            # () -> True once the generator is gone
        self.reports = []           # asyncio exception handler contexts
        self.exit_ignored = False
        self.close_cancelled = False
        self.cancelled = set()      # indexes of the operations cancelled

    # -- observation

    def is_dead(self):
        return self.dead is not None and self.dead()

    def finished(self):
        if self.dropped:
            return None
        return self.subject.finished()

    def snapshot(self):
        return (tuple(sorted(i for i, t in self.pending.items() if t.done())),
                self.gate.get_n_waiters(), len(self.subject.entries()),
                self.is_dead(), len(self.reports), len(self.trap.errors), self.finished())

    def quiet(self):
        """Nothing can move without an action of ours: every task is done,
        or something waits on the gate; a dropped generator is gone or
        waits on the gate."""
        waiting = self.gate.get_n_waiters() > 0
        if self.dropped and not self.is_dead() and not waiting:
            return False
        # A producer thread let go of by its finalised generator ends in
        # its own time (contract-emitter).
        if self.dropped and self.impl == 'c-thread' and AgenTest.get_n_threaded_alive() > 0:
            return False
        return waiting or all(task.done() for task in self.pending.values())

    async def settle(self, context):
        """Lets the loop run until quiet() holds and letting the main loop
        go idle (which runs the idle sources, such as the close on last
        unref) changes nothing. Garbage is collected before each look: a
        generator that only a reference cycle keeps (an exception's
        traceback holding the frame that holds it, say) is then freed at the
        same point on both sides, however their cycles differ."""
        deadline = self.loop.time() + SETTLE_SECONDS
        rounds = 0
        while True:
            if self.loop.time() > deadline:
                raise AssertionError('stuck settling (%s side): %r' % (self.impl, context))
            if not self.quiet():
                rounds += 1
                if self.dropped and rounds % 50 == 0:
                    gc.collect()
                if rounds % 10:
                    await asyncio.sleep(0)
                else:
                    await idle(self.loop)
                continue
            gc.collect()
            before = self.snapshot()
            await idle(self.loop)
            if self.quiet() and self.snapshot() == before:
                return

    def take_completions(self):
        done = sorted(i for i, t in self.pending.items() if t.done())
        return [(i, self.pending.pop(i).result()) for i in done]

    async def take_reports(self):
        """The errors reported since the last call, as messages: asyncio's
        exception handler (both sides: agen-glib's closes go there through
        the override), and anything else logged (trapped by conftest)."""
        messages = []
        for context in self.reports:
            exc = context.get('exception')
            if exc is None:
                messages.append(('report', context.get('message')))
            else:
                messages.append(('report', reported_message(failure(exc))))
        self.reports.clear()
        messages.extend(('logged', text) for text in self.trap.errors)
        self.trap.errors.clear()
        return messages

    # -- actions

    def start(self, index, kind, coroutine, flags):
        self.pending[index] = asyncio.ensure_future(coroutine)
        self.kinds[index] = kind
        self.flags[index] = flags

    def current_flags(self):
        return (self.finished(), self.exit_ignored, self.close_cancelled)

    def in_flight_op(self):
        for i, task in self.pending.items():
            if not task.done() and self.kinds[i][0] != 'shutdown':
                return i
        return None

    async def shutdown(self):
        """The shutdown's outcome, as an aclose()'s: ('item', None) when
        every close succeeded, else the outcome of the first failure, which
        each side reports to the loop's exception handler."""
        first = len(self.reports)
        if self.reference:
            await reference_shutdown(self.loop)
        else:
            await Agen.shutdown()
        reported = self.reports[first:]
        del self.reports[first:]
        for context in reported:
            if context.get('exception') is not None:
                return failure(context['exception'])
        return ('item', None)

    async def act(self, index, action):
        """Performs one action; returns its immediate result."""
        kind = action[0]
        if kind == 'op':
            _, op, in_flight = action
            if self.dropped:
                return ('not applicable',)
            self.start(index, op, outcome(self.subject.perform(op)),
                       self.current_flags())
            await self.settle(action)
            task = self.pending[index]
            opens = 0
            while not in_flight and not task.done():
                if self.gate.get_n_waiters() == 0 or opens > MAX_OPENS:
                    raise AssertionError('an operation not in flight does not end: %r' % (action,))
                self.gate.open()
                opens += 1
                await self.settle(action)
            return ('done',) if task.done() else ('in flight',)
        if kind == 'open':
            self.gate.open()
            await self.settle(action)
            return ('opened',)
        if kind == 'cancel':
            i = self.in_flight_op()
            if i is None:
                return ('not applicable',)
            task = self.pending[i]
            if self.reference:
                reference_cancel(task, i in self.cancelled)
            else:
                task.cancel()
            self.cancelled.add(i)
            # settle() lets the loop go idle, which it does once the
            # cancellation has reached the body. (Waiting for the gate to
            # have no waiter would wait forever for a body whose cleanup
            # waits on the gate again.)
            await self.settle(action)
            return ('cancelled', i)
        if kind == 'drop':
            if self.dropped:
                return ('not applicable',)
            gen = self.subject.gen
            self.drop = (index, self.exit_ignored and not self.subject.finished(),
                         self.subject.entries())
            if not self.reference:
                gone = []
                gen.weak_ref(lambda: gone.append(True))
                self.dead = lambda: bool(gone)
            else:
                # Cleared when the finalizer runs (before the hook's aclose).
                ref = weakref.ref(gen)
                self.dead = lambda: ref() is None
            del gen
            del self.subject.gen
            self.dropped = True
            gc.collect()
            await self.settle(action)
            return ('dropped',)
        if kind == 'shutdown':
            self.start(index, ('shutdown',), self.shutdown(), self.current_flags())
            await self.settle(action)
            return ('done',) if self.pending[index].done() else ('in flight',)
        raise ValueError(action)

    def note(self, kind, result):
        """Keeps the flags of expected() up to date (the reference
        side's flags are the ones used)."""
        if kind[0] in ('aclose', 'shutdown') and result == IGNORED_EXIT:
            self.exit_ignored = True
        if kind[0] == 'aclose' and result == ('cancelled',):
            self.close_cancelled = True

    async def step(self, index, action):
        """One action and what it gave: (action, result, [(index of the
        operation, its outcome)] completed meanwhile, log, gate waiters,
        finished, reports)."""
        result = await self.act(index, action)
        completions = self.take_completions()
        for i, done in completions:
            self.note(self.kinds[i], done)
        return (action, result, completions, self.subject.entries(),
                self.gate.get_n_waiters(), self.finished(), await self.take_reports())


def choose(rng, side, count, throwable, shutdowns=True, max_actions=MAX_ACTIONS):
    """The next action for the reference side, or None at the end; a throw
    throws one of `throwable` (keys of the THROWN the subject performs);
    without `shutdowns`, no ('shutdown',). After `count` random actions (at
    most `max_actions`), the sequence ends by letting everything finish:
    open the gate while something waits, then close (or next after an
    ignored close) until the generator is finished, then drop it."""
    waiting = side.gate.get_n_waiters() > 0
    in_flight = side.in_flight_op() is not None
    if count < max_actions and rng.random() < 0.9:
        choices = []
        if side.dropped and not waiting and not in_flight:
            return ('shutdown',) if shutdowns and rng.random() < 0.3 \
                and not closing_on_drop(side) else None
        if not side.dropped:
            choices += ['op'] * 8 + ['drop']
        if waiting:
            choices += ['open'] * 3
        if in_flight:
            choices += ['cancel'] * 2
        if shutdowns and not closing_on_drop(side):
            choices += ['shutdown']
        what = rng.choice(choices)
        if what == 'op':
            r = rng.random()
            if r < 0.3:
                op = ('anext',)
            elif r < 0.55:
                op = ('asend', rng.choice(SENT))
            elif r < 0.8:
                op = ('athrow', rng.choice(throwable))
            else:
                op = ('aclose',)
            return ('op', op, rng.random() < 0.5)
        return (what,)
    # The end.
    if waiting or any(not t.done() for t in side.pending.values()):
        return ('open',)
    if side.dropped and count < max_actions and not closing_on_drop(side):
        return ('shutdown',) if shutdowns and rng.random() < 0.3 else None
    if not side.dropped:
        if not side.subject.finished() and count < max_actions + 12:
            return ('op', ('anext',) if side.exit_ignored else ('aclose',), False)
        return ('drop',)
    return None


def closing_on_drop(side):
    """A close that the library started is still running (its cleanup
    awaits): the close on last unref, or that of an earlier shutdown. Both
    sides leave such a generator out of a shutdown (asyncio takes it out of
    the loop's set; agen-glib out of its registry), which
    test_shutdown_leaves_a_dropped_generator_to_its_close checks; the
    random sequences do not shut down in this state, whose interleavings
    with asyncio's finalizer hook differ in timing only."""
    # Something waits on the gate, and it is no operation of ours: the
    # close that the drop started, or the close of a shutdown in flight.
    return side.gate.get_n_waiters() > 0 and side.in_flight_op() is None


class Run:
    """Runs one side of a sequence with the loop's async generator hooks
    (reference side) and exception handler redirected to the side.

    gbulb does not install asyncio's async generator hooks (BaseEventLoop's
    run_forever does; gbulb's does not), so without help a dropped native
    generator would be closed synchronously by the garbage collector and
    shutdown_asyncgens() would find nothing: the reference side installs
    the loop's own _asyncgen_firstiter_hook/_asyncgen_finalizer_hook while
    it runs, as asyncio's loops do."""

    def __init__(self, side):
        self.side = side

    def __enter__(self):
        loop = self.side.loop
        self.old_hooks = sys.get_asyncgen_hooks()
        self.old_handler = loop.get_exception_handler()
        self.old_unraisablehook = sys.unraisablehook
        loop.set_exception_handler(lambda _loop, context: self.side.reports.append(context))
        # Where the garbage collector reports what a generator's close
        # raised when it closes it itself (no finalizer hook: see
        # left_by_a_drop()).
        sys.unraisablehook = lambda unraisable: self.side.reports.append(
            {'message': unraisable.err_msg, 'exception': unraisable.exc_value})
        if self.side.reference:
            loop._asyncgens.clear()
            sys.set_asyncgen_hooks(firstiter=loop._asyncgen_firstiter_hook,
                                   finalizer=loop._asyncgen_finalizer_hook)
        return self.side

    def __exit__(self, *exc_info):
        sys.unraisablehook = self.old_unraisablehook
        sys.set_asyncgen_hooks(*self.old_hooks)
        self.side.loop.set_exception_handler(self.old_handler)


async def abandon(side):
    """After a failure: let what waits on the gate end and drop the agen-glib
    generator, so that the next sequences' shutdowns do not meet it."""
    for _ in range(10):
        side.gate.open()
        await asyncio.sleep(0.001)
    if not side.dropped:
        gen = side.subject.gen
        del side.subject.gen
        side.dropped = True
        for op in (('aclose',), ('anext',), ('aclose',), ('anext',)):
            await outcome(perform(gen, op))
        del gen
    gc.collect()
    for _ in range(10):
        side.gate.open()
        await asyncio.sleep(0.001)
    side.trap.errors.clear()


async def replay(side, sequence, actions, reference, ref_side):
    """Replays `actions` on `side` and compares each step with the
    reference side's (`ref_side`, whose steps were `reference`), up to the
    listed differences; `sequence` describes the sequence in a failure."""
    for i, action in enumerate(actions):
        where = sequence + ' at action %d %r' % (i, action)
        try:
            mine = await side.step(i, action)
        except AssertionError as e:
            raise AssertionError('%s (%s side): %s' % (where, side.impl, e))
        ref = reference[i]
        if os.environ.get('AGEN_DIFF_VERBOSE'):
            print('ref ', ref, '\nmine', mine, file=sys.stderr)
        # The outcomes, up to the listed differences.
        want = [(j, expected(('aclose',) if ref_side.kinds[j][0] == 'shutdown'
                             else ref_side.kinds[j], result, *ref_side.flags[j]))
                for j, result in ref[2]]
        # What the drop leaves, up to the listed differences.
        want_log, want_reports = ref[3], ref[6]
        if ref_side.drop is not None and i >= ref_side.drop[0]:
            dropped_at, exit_ignored, log_before = ref_side.drop
            at_drop = reference[dropped_at]
            log, reports = left_by_a_drop(exit_ignored, log_before, at_drop[3], at_drop[6],
                                          producer=side.impl in ('c-thread', 'c-async'))
            if log != at_drop[3]:
                # What the drop left, then what came after it: only a
                # Subject's body yields while closed, and its log is in
                # order of time (a tree's logs are grouped by generator).
                want_log = log + ref[3][len(at_drop[3]):]
            if i == dropped_at:
                want_reports = reports
        for what, got, wanted in (('result', mine[:2], ref[:2]),
                                  ('outcomes', mine[2], want),
                                  ('log', mine[3], want_log),
                                  ('gate waiters', mine[4], ref[4]),
                                  ('finished', mine[5], ref[5]),
                                  ('reported errors', mine[6], want_reports)):
            if got != wanted:
                raise AssertionError('%s differ: %s %r, expected %r (reference %r)\n  %s'
                                     % (what, side.impl, got, wanted, ref, where))
    if not (side.dropped and side.is_dead()):
        raise AssertionError('the %s generator is alive at the end\n  %s' % (side.impl, where))


async def differential(rng, make, impls, loop, trap, describe, throwable, first=None,
                       **options):
    """One random sequence: plays actions chosen with `rng` (`first`, if
    given, then choose(), with `throwable` and the `options`) on the
    reference side, make(impls[0]), then replays them on the other side,
    make(impls[1]), and compares what each step gave (replay()). `describe`
    (the actions) -> what a failure says of the sequence. Returns the
    actions."""
    actions = []
    reference = []
    with Run(Side(make(impls[0]), loop, trap)) as ref_side:
        while True:
            if first is not None and not actions:
                action = first
            else:
                action = choose(rng, ref_side, len(actions), throwable, **options)
            if action is None:
                break
            actions.append(action)
            try:
                reference.append(await ref_side.step(len(actions) - 1, action))
            except AssertionError as e:
                raise AssertionError('%s (reference side): %s' % (describe(actions), e))

    with Run(Side(make(impls[1]), loop, trap)) as side:
        try:
            await replay(side, describe(actions), actions, reference, ref_side)
        except BaseException:
            await abandon(side)
            raise
    return actions

