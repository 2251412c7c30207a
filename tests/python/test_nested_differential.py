# test_nested_differential.py: differential testing of Python bodies that
# await other generators, native against agen-glib, with seeded random
# sequences.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Differential testing through the binding, with nested generators.

Each sequence draws, with random.Random(seed), a tree of generators: an
outer body from a small grammar (see Grammar) whose statements await
operations of its inner generators, each of them a body of the same
grammar or a C body of libagen-test (counter, echo, catcher, gated,
cleanup_awaits, raises_in_cleanup) or Agen.Generator.new_values(), nested
0 to 3 levels deep. A body loops over statements that yield a constant,
yield what was sent, await anext/asend/athrow/aclose of an inner (and may
yield what that gave), await the gate, raise an exception of its own, or
return; try blocks catch some exceptions (custom classes with attributes,
GLib.Error, StopAsyncIteration, CancelledError, ...) and log, yield,
re-raise, wrap or return; finally blocks log and may await an inner's
aclose() or the gate. Every body logs what it receives and catches, in its
own log.

The tree is built twice from the same description:

  'native'  plain Python async generators all the way down, the C bodies
            replaced by their CPython twins (twins.py): the reference;
  'agen'    every Python body wrapped with
            Agen.Generator.from_async_iterable() at every level, the C
            bodies real C generators.

Both are driven with the same actions (twins.differential: next, send,
throw, close, cancel the task awaiting the operation in flight, drop the
last reference; see test_differential.py), and must agree after every
action on: the outcome of every operation, exceptions compared by type,
message and attributes (each exception made by a body or thrown in by the
consumer carries its origin as an attribute, so one that comes back as a
new object differs from the one raised), items by type and value (a Token
item must come back as itself), every body's log, what waits on the gate,
whether the generator is finished, the errors reported outside the code;
and the dropped generator must be gone at the end. The differences the
contract makes are twins.py's, each listed once there: twins.expected() for
the outcomes, of the outer generator and (through Contract) of every inner
one, twins.left_by_a_drop() and twins.reference_cancel() for a task
cancelled again.

A failure prints the seed, the source of every body and the actions; rerun
one sequence with AGEN_NESTED_SEED=<seed> (AGEN_DIFF_VERBOSE=1 prints both
traces). The default run is 4,000 sequences (about 30 s); the long run is

  AGEN_NESTED_SEQUENCES=100000 meson test -C build python-nested-differential --timeout-multiplier 0

(AGEN_NESTED_FIRST_SEED=<k> starts elsewhere than seed 0.)
"""

import asyncio
import gc
import os
import random

import pytest

from gi.repository import Agen, AgenTest, GLib, Gio

import twins

SEQUENCES = int(os.environ.get('AGEN_NESTED_SEQUENCES', '4000'))
FIRST_SEED = int(os.environ.get('AGEN_NESTED_FIRST_SEED', '0'))
ONE_SEED = os.environ.get('AGEN_NESTED_SEED')
CHUNK = 100                 # sequences per pytest item (each about 1 s)


# ------------------------------------------------------------- exceptions

class BodyError(Exception):
    """An exception of the tests' own, with an attribute of its own."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class OtherError(ValueError):
    """A subclass of a built-in exception."""


# What a body raises or throws into an inner, and what the consumer throws
# in: each call makes a fresh exception, marked with its origin.
ERRORS = {
    'custom': lambda: BodyError('custom', 7),
    'other': lambda: OtherError('other'),
    'value': lambda: ValueError('bad'),
    'glib': lambda: GLib.Error('boom', 'g-io-error-quark', Gio.IOErrorEnum.FAILED),
    'exit': GeneratorExit,
    'cancelled': asyncio.CancelledError,
    'stop': StopAsyncIteration,
}


def error(kind, origin):
    exc = ERRORS[kind]()
    exc.origin = origin
    return exc


class Token:
    """An item that only Python knows: it goes through C as a PyObject and
    comes back as itself (only a body makes a Token, so one equal to it is
    it)."""

    def __init__(self, origin):
        self.origin = origin

    def __eq__(self, other):
        return isinstance(other, Token) and other.origin == self.origin

    def __hash__(self):
        return hash(self.origin)

    def __repr__(self):
        return 'Token(%r)' % (self.origin,)


def describe(value):
    """A value or an exception in a log, in the terms outcomes compare."""
    if isinstance(value, BaseException):
        return repr(twins.failure(value))
    return repr(twins.comparable(value))


# ---------------------------------------------------------------- grammar

# The C bodies an inner can be, and their twins: twins.BODIES but
# yields_in_close (a close it ignores is a listed difference that would
# reach the logs of the bodies above it).
C_INNERS = sorted(set(twins.BODIES) - {'yields_in_close'})

# Values a body yields or sends (TOKEN: a new Token).
TOKEN = ('token',)
VALUES = [0, 1, -7, 'text', 2 ** 40, True, 2.5, None, TOKEN]

# What a try block catches: the source of the except clause's classes.
HANDLED = {
    'stop': 'StopAsyncIteration',
    'custom': 'BodyError',
    'other': '(OtherError, GLib.Error)',
    'any': 'Exception',
    'runtime': '(RuntimeError, TypeError)',
    'cancelled': 'asyncio.CancelledError',
    'exit': 'GeneratorExit',
}


class Grammar:
    """Draws the description of a tree of generators: {name: spec}, the
    outer one named 'b'. A spec is ('c', body, n), ('values', [values]) or
    ('body', inners, rounds, statements, cleanup)."""

    def __init__(self, rng):
        self.rng = rng
        self.specs = {}

    def tree(self):
        depth = self.rng.choice([0, 1, 1, 2, 2, 3, 3])
        self.generator('b', 0, depth)
        return self.specs

    def generator(self, name, level, depth):
        """`name`, at `level`, with a chain of inners `depth` levels deep."""
        rng = self.rng
        if level == depth and level > 0 and rng.random() < 0.6:
            if rng.random() < 0.2:
                items = [rng.choice(VALUES) for _ in range(rng.randint(0, 3))]
                self.specs[name] = ('values', items)
            else:
                self.specs[name] = ('c', rng.choice(C_INNERS), rng.randint(0, 3))
            return
        inners = []
        for k in range(0 if level == depth else 1 + (rng.random() < 0.3)):
            inner = '%s.%d' % (name, k)
            # The first inner goes all the way down.
            self.generator(inner, level + 1, depth if k == 0 else rng.randint(level + 1, depth))
            inners.append(inner)
        cleanup = (rng.choice([None] + list(range(len(inners)))) if inners else None,
                   rng.random() < 0.15)
        rounds = rng.randint(1, 3)
        statements = self.statements(inners, rounds, 0)
        if inners:
            # The chain: each resumption of this body resumes the next
            # level down first.
            statements.insert(0, ('await', 0, ('anext',) if rng.random() < 0.8
                                  else ('asend', rng.choice(VALUES)), rng.random() < 0.5))
        if not yields(statements):
            # Else it would be a coroutine function.
            statements.append(('yield', rng.choice(VALUES)))
        self.specs[name] = ('body', inners, rounds, statements, cleanup)

    def throwable(self, inner):
        if self.specs[inner][:2] == ('c', 'catcher'):
            return twins.throwable('catcher')
        return sorted(ERRORS)

    def statements(self, inners, rounds, nesting):
        rng = self.rng
        kinds = ['yield'] * 3 + ['echo', 'gate', 'gate', 'raise', 'return']
        if inners:
            kinds += ['await'] * 5
        if nesting < 2:
            kinds += ['try'] * 3
        return [self.statement(rng.choice(kinds), inners, rounds, nesting)
                for _ in range(rng.randint(1, 3))]

    def statement(self, kind, inners, rounds, nesting):
        rng = self.rng
        if kind == 'yield':
            return ('yield', rng.choice(VALUES))
        if kind == 'await':
            k = rng.randrange(len(inners))
            r = rng.random()
            if r < 0.55:
                op = ('anext',)
            elif r < 0.75:
                op = ('asend', rng.choice(VALUES))
            elif r < 0.9:
                op = ('athrow', rng.choice(self.throwable(inners[k])))
            else:
                op = ('aclose',)
            return ('await', k, op, rng.random() < 0.5)
        if kind == 'raise':
            return ('raise', rng.choice(sorted(ERRORS)), rng.randrange(rounds))
        if kind == 'return':
            return ('return', rng.randrange(rounds))
        if kind == 'try':
            handlers = []
            for caught in rng.sample(sorted(HANDLED), rng.randint(0, 2)):
                # A GeneratorExit caught is raised again: a body that
                # goes on after it yields while it is closed.
                action = 'reraise' if caught == 'exit' else \
                    rng.choice(['pass', 'yield', 'reraise', 'wrap', 'return'])
                handlers.append((caught, action))
            return ('try', self.statements(inners, rounds, nesting + 1), handlers,
                    rng.random() < 0.5 or not handlers)
        return (kind,)


def yields(statements):
    """Whether `statements` have a yield in them."""
    for statement in statements:
        kind = statement[0]
        if kind in ('yield', 'echo') or (kind == 'await' and statement[3]):
            return True
        if kind == 'try' and (yields(statement[1])
                              or any(action == 'yield' for _, action in statement[2])):
            return True
    return False


class Source:
    """The source of a body's async generator function, from its spec."""

    def __init__(self, name, spec):
        self.name = name
        self.lines = []
        self.count = 0              # statements so far: each has its own origin
        _, inners, rounds, statements, (closed, gate) = spec
        self.emit(0, 'async def body(env):')
        self.emit(1, 'log = env.log(%r)' % name)
        for k, inner in enumerate(inners):
            self.emit(1, 'inner%d = env.inner(%r)' % (k, inner))
        self.emit(1, 'received = None')
        self.emit(1, 'try:')
        self.emit(2, 'for r in range(%d):' % rounds)
        self.block(3, statements)
        self.emit(1, 'finally:')
        self.emit(2, "log.append('finally')")
        if closed is not None:
            self.emit(2, 'try:')
            self.emit(3, 'await inner%d.aclose()' % closed)
            self.emit(2, 'except Exception as e:')
            self.emit(3, "log.append('inner%d.aclose() raised ' + describe(e))" % closed)
        if gate:
            self.emit(2, 'await env.gate_wait()')
            self.emit(2, "log.append('gate opened in finally')")

    def text(self):
        return '\n'.join(self.lines)

    def emit(self, indent, line):
        self.lines.append('    ' * indent + line)

    def origin(self):
        """An expression naming what the current statement makes."""
        self.count += 1
        return "'%s:%d:%%d' %% r" % (self.name, self.count)

    def value(self, value):
        if value == TOKEN:
            return 'Token(%s)' % self.origin()
        return repr(value)

    def received(self, indent, value):
        self.emit(indent, 'received = yield %s' % value)
        self.emit(indent, "log.append('received ' + describe(received))")

    def block(self, indent, statements):
        for statement in statements:
            getattr(self, 'emit_' + statement[0])(indent, *statement[1:])

    def emit_yield(self, indent, value):
        self.received(indent, self.value(value))

    def emit_echo(self, indent):
        self.received(indent, 'received')

    def emit_gate(self, indent):
        self.emit(indent, 'await env.gate_wait()')
        self.emit(indent, "log.append('gate opened')")

    def emit_await(self, indent, k, op, passed_on):
        call = {
            'anext': lambda: 'anext(inner%d)' % k,
            'asend': lambda: 'inner%d.asend(%s)' % (k, self.value(op[-1])),
            'athrow': lambda: 'inner%d.athrow(error(%r, %s))' % (k, op[-1], self.origin()),
            'aclose': lambda: 'inner%d.aclose()' % k,
        }[op[0]]()
        self.emit(indent, 'got = await %s' % call)
        self.emit(indent, "log.append('inner%d %s gave ' + describe(got))" % (k, op[0]))
        if passed_on:
            self.received(indent, 'got')

    def emit_raise(self, indent, kind, at):
        self.emit(indent, 'if r == %d:' % at)
        self.emit(indent + 1, 'raise error(%r, %s)' % (kind, self.origin()))

    def emit_return(self, indent, at):
        self.emit(indent, 'if r == %d:' % at)
        self.emit(indent + 1, "log.append('return')")
        self.emit(indent + 1, 'return')

    def emit_try(self, indent, statements, handlers, final):
        self.emit(indent, 'try:')
        self.block(indent + 1, statements)
        for caught, action in handlers:
            self.emit(indent, 'except %s as e:' % HANDLED[caught])
            self.emit(indent + 1, "log.append('caught ' + describe(e))")
            if action == 'pass':
                self.emit(indent + 1, 'pass')
            elif action == 'yield':
                self.received(indent + 1, "'caught'")
            elif action == 'reraise':
                self.emit(indent + 1, 'raise')
            elif action == 'wrap':
                self.emit(indent + 1, 'raise error(%r, %s) from e' % ('custom', self.origin()))
            else:
                self.emit(indent + 1, "log.append('return')")
                self.emit(indent + 1, 'return')
        if final:
            self.emit(indent, 'finally:')
            self.emit(indent + 1, "log.append('finally %d')" % self.count)


def compile_bodies(specs):
    """name -> (async generator function, its source) for each body."""
    bodies = {}
    for name, spec in specs.items():
        if spec[0] != 'body':
            continue
        source = Source(name, spec).text()
        namespace = {'asyncio': asyncio, 'GLib': GLib, 'BodyError': BodyError,
                     'OtherError': OtherError, 'Token': Token, 'error': error,
                     'describe': describe}
        exec(compile(source, '<body %s>' % name, 'exec'), namespace)
        bodies[name] = (namespace['body'], source)
    return bodies


# ------------------------------------------------------------------ trees

async def values(items):
    """The twin of Agen.Generator.new_values(items)."""
    for item in items:
        yield item


class Contract:
    """A native inner generator as the contract has it: each operation
    gives what twins.expected() says agen-glib gives where the native
    generator gave something else (the listed differences: an athrow() on
    a finished generator, for one, is StopAsyncIteration, not None). The
    body above an inner is a consumer of it, as the test is of the outer
    generator, whose outcomes replay() maps with twins.expected()."""

    def __init__(self, gen):
        self.gen = gen
        self.exit_ignored = False
        self.close_cancelled = False

    def __aiter__(self):
        return self

    def __anext__(self):
        return self.operate(('anext',), anext(self.gen))

    def asend(self, value):
        return self.operate(('asend', value), self.gen.asend(value))

    def athrow(self, exc):
        return self.operate(('athrow',), self.gen.athrow(exc))

    def aclose(self):
        return self.operate(('aclose',), self.gen.aclose())

    async def operate(self, op, awaitable):
        flags = (self.gen.ag_frame is None, self.exit_ignored, self.close_cancelled)
        try:
            value = await awaitable
        except BaseException as exc:    # noqa: B902: as the native generator raised it
            got = twins.failure(exc)
            want = self.expected(op, got, flags)
            if want == got:
                raise
        else:
            got = ('item', twins.comparable(value))
            want = self.expected(op, got, flags)
            if want == got:
                return value
        finally:
            del awaitable               # as in twins.outcome()
        if want == ('item', None):
            return None
        if want == ('stop',):
            raise StopAsyncIteration
        if want == twins.IGNORED_EXIT:
            raise RuntimeError(twins.IGNORED_EXIT[1])
        raise AssertionError('no operation gives %r' % (want,))

    def expected(self, op, got, flags):
        """twins.expected(), noting what this operation makes true."""
        if op[0] == 'aclose':
            self.exit_ignored |= got == twins.IGNORED_EXIT
            self.close_cancelled |= got == ('cancelled',)
        return twins.expected(op, got, *flags)


class Env:
    """What a body sees: its log, its inners, the gate. It holds no
    generator: each body's frame holds its own inners."""

    def __init__(self, impl, specs, bodies):
        self.impl = impl
        self.specs = specs
        self.bodies = bodies
        self.gate = AgenTest.Gate.new()
        self.logs = {name: AgenTest.Log.new() for name in specs}

    def log(self, name):
        return self.logs[name]

    def gate_wait(self):
        return twins.gate_wait(self.gate)

    def inner(self, name):
        """A new generator for `name`, for the body that awaits it."""
        gen = self.make(name)
        return Contract(gen) if self.impl == 'native' else gen

    def make(self, name):
        """A new generator for `name`, as this tree's implementation makes
        it."""
        spec = self.specs[name]
        native = self.impl == 'native'
        if spec[0] == 'values':
            items = [Token('%s:%d' % (name, i)) if item == TOKEN else item
                     for i, item in enumerate(spec[1])]
            return values(items) if native else Agen.Generator.new_values(items)
        if spec[0] == 'c':
            _, body, n = spec
            return twins.new_body(body, native, n, self.gate, self.logs[name])
        gen = self.bodies[name][0](self)
        return gen if native else Agen.Generator.from_async_iterable(gen)


class Tree:
    """One implementation of a tree: a subject for twins.Side."""

    def __init__(self, impl, specs, bodies):
        self.impl = impl
        self.env = Env(impl, specs, bodies)
        self.gate = self.env.gate
        self.gen = self.env.make('b')
        self.thrown = 0

    def entries(self):
        return ['%s: %s' % (name, entry) for name, log in sorted(self.env.logs.items())
                for entry in log.dup_entries()]

    def finished(self):
        if self.impl == 'native':
            return self.gen.ag_frame is None
        return self.gen.get_state() == Agen.GeneratorState.FINISHED

    def perform(self, op):
        if op[0] == 'athrow':
            self.thrown += 1
            return self.gen.athrow(error(op[1], 'consumer:%d' % self.thrown))
        return twins.perform(self.gen, op)


def describe_sequence(seed, bodies, specs, actions):
    parts = ['seed %d' % seed]
    for name, spec in sorted(specs.items()):
        parts.append('%s = %s' % (name, bodies[name][1] if name in bodies else repr(spec)))
    parts.append('actions=%r' % (actions,))
    return '\n'.join(parts)


async def sequence(seed, loop, trap):
    rng = random.Random(seed)
    specs = Grammar(rng).tree()
    bodies = compile_bodies(specs)
    # Every sequence starts the outer body, and so the chain of its inners
    # (test_differential tries the operations on a generator not started).
    return await twins.differential(
        rng, lambda impl: Tree(impl, specs, bodies), ('native', 'agen'), loop, trap,
        lambda actions: describe_sequence(seed, bodies, specs, actions), sorted(ERRORS),
        first=('op', ('anext',), rng.random() < 0.5), shutdowns=False, max_actions=12)


def seeds():
    if ONE_SEED is not None:
        return [[int(ONE_SEED)]]
    all_seeds = range(FIRST_SEED, FIRST_SEED + SEQUENCES)
    return [list(all_seeds[i:i + CHUNK]) for i in range(0, len(all_seeds), CHUNK)]


@pytest.mark.parametrize('chunk', seeds(), ids=lambda chunk: 'seeds-%d-%d' % (chunk[0], chunk[-1]))
def test_nested_bodies_agree_with_native_python(run, loop, trap, chunk):
    async def main():
        for seed in chunk:
            await sequence(seed, loop, trap)
    # As in test_differential: the drops' collections skip what exists now.
    gc.collect()
    gc.freeze()
    try:
        run(main(), timeout=60)
    finally:
        gc.unfreeze()


async def cancelled_twice(gen, gate):
    """Cancels the task awaiting anext(gen) once its body waits on the gate,
    and again once its cleanup waits; then opens the gate. What the task
    gave, and whether it was done before the gate opened."""
    task = asyncio.ensure_future(twins.outcome(anext(gen)))
    for _ in range(2):
        await twins.wait_until(lambda: gate.get_n_waiters() > 0, 'a wait')
        task.cancel()
        await asyncio.sleep(0.01)
    done_before = task.done()
    gate.open()
    return await task, done_before


async def waits_again(gate, log):
    try:
        await twins.gate_wait(gate)
        yield 'never'
    finally:
        log.append('cleanup waits')
        await twins.gate_wait(gate)
        log.append('cleanup done')


def test_listed_difference_7_a_second_cancellation_changes_nothing(run):
    async def main():
        results = []
        for wrap in (False, True):
            gate, log = AgenTest.Gate.new(), AgenTest.Log.new()
            gen = waits_again(gate, log)
            if wrap:
                gen = Agen.Generator.from_async_iterable(gen)
            results.append(await cancelled_twice(gen, gate) + (list(log.dup_entries()),))
        # CPython ends the cleanup's wait at the second cancellation;
        # agen-glib lets the cleanup run to its end (twins.reference_cancel).
        assert results == [(('cancelled',), True, ['cleanup waits']),
                           (('cancelled',), False, ['cleanup waits', 'cleanup done'])]
    run(main())
