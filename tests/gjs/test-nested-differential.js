// test-nested-differential.js: differential testing of JavaScript bodies that
// await other generators, native against agen-glib, with seeded random
// sequences
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Each sequence draws, with a seeded generator of random numbers (Random), a
// tree of generators: an outer body from a small grammar (Grammar) whose
// statements await next/next(v)/throw/return of its inner generators, or run
// `for await` over one and break, each inner a body of the same grammar or a
// C generator (AgenTest.counter, echo, catcher, Agen.Generator.new_values,
// Agen.Generator.new_interval), nested 0 to 3 levels deep. A body loops over
// statements that yield a constant, yield what was sent, await an inner (and
// may yield what it gave), await the gate, throw, or return a value; try
// blocks catch (some kinds of) what is thrown and log, yield, throw it again,
// wrap it or return; every body's finally block logs, closes each of its
// inners (return()) and may await the gate. Every generator logs what it
// receives and catches, in its own log.
//
// The tree is built twice from the same description:
//
//   native  JavaScript async generators all the way down, the C generators
//           replaced by their twins written in JavaScript (TWINS): the
//           reference;
//   agen    every JavaScript body wrapped with
//           Agen.Generator.fromAsyncIterable() at every level, the C
//           generators real ones.
//
// Both are driven with the same actions, consumed through the override as a
// JavaScript consumer would: next(), next(v), throw(e), return(v), and
// `for await ... break`; an action may leave its operation in flight when the
// body waits on the gate (the next ones are then queued, as ECMAScript
// queues them), or open the gate. Cancellation has no JavaScript counterpart,
// and dropping a generator is up to the garbage collector: neither is
// tried. After every action both sides must agree on which operations
// completed and what they gave ({value, done}, or what was thrown: the same
// object must come back where the value thrown should, which each side
// checks against the objects it made), every log, and what waits on the
// gate.
//
// The differences that the override's contract makes are applied to the
// native side at every generator boundary, each once, by Contract: see its
// comment. The sequences leave out bodies that yield in a finally block while
// closed (listed: AGEN_ERROR_IGNORED_EXIT, whose consequences would reach
// every log above such a body).
//
// Run it with meson test -C build gjs-nested-differential. A failure prints
// the seed, the source of every body and the actions; rerun one sequence
// with AGEN_NESTED_SEED=<seed> (AGEN_DIFF_VERBOSE=1 prints both sides' steps).
// The default run is 3,000 sequences (about 20 s); the long run is
//
//   AGEN_NESTED_SEQUENCES=50000 meson test -C build gjs-nested-differential --timeout-multiplier 0
//
// (AGEN_NESTED_FIRST_SEED=<k> starts elsewhere than seed 0.)

import AgenTest from 'gi://AgenTest';
import System from 'system';
import {Agen, GLib, Gio, run, AssertionError} from './harness.js';

const SEQUENCES = Number(GLib.getenv('AGEN_NESTED_SEQUENCES') ?? 3000);
const FIRST_SEED = Number(GLib.getenv('AGEN_NESTED_FIRST_SEED') ?? 0);
const ONE_SEED = GLib.getenv('AGEN_NESTED_SEED');
const VERBOSE = GLib.getenv('AGEN_DIFF_VERBOSE') !== null;
const MAX_ACTIONS = 12;
// An operation that waits on the gate more often than this does not end (a
// tree of bodies can wait a few dozen times in one operation).
const MAX_OPENS = 100;
const SETTLE_MS = 5000;
// GJS 1.74 stops running async callbacks after some 100,000 of them unless
// the garbage is collected now and then (see the override's comment).
const GC_EVERY = 50;

// -------------------------------------------------------------- randomness

// mulberry32: a small seeded generator, the same numbers on every machine.
class Random {
    constructor(seed) {
        this.state = seed >>> 0;
    }

    random() {
        this.state = (this.state + 0x6D2B79F5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    randint(low, high) {
        return low + Math.floor(this.random() * (high - low + 1));
    }

    choice(array) {
        return array[Math.floor(this.random() * array.length)];
    }
}

// ---------------------------------------------------- values and exceptions

class BodyError extends Error {
    constructor(message, code) {
        super(message);
        this.name = 'BodyError';
        this.code = code;
    }
}

// What a body throws (into an inner, or out), and what the consumer throws
// in: each makes a fresh value, marked with its origin where it can be.
const ERRORS = {
    custom: () => new BodyError('custom', 7),
    error: () => new Error('plain'),
    type: () => new TypeError('bad'),
    glib: () => new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'boom'),
    object: () => ({}),
};
const ERROR_KINDS = [...Object.keys(ERRORS), 'string'];

const TOKEN = 'TOKEN';          // in a description: a new Token
// Values a body yields or sends.
const VALUES = [0, 1, -7, 'text', 2 ** 40, true, 2.5, null, undefined, -0, TOKEN];
// Values of Agen.Generator.new_values(): GJS converts them itself.
const PLAIN_VALUES = [0, 1, -7, 'text', 2 ** 40, true, 2.5, null];
// What the consumer sends (undefined: a plain next()).
const SENT = [1, -7, 'text', 2 ** 40, true, 2.5, null, undefined, TOKEN];

// A value or what was thrown, in the terms the sides are compared in. A
// value with an origin is compared by origin and by whether it is the very
// object this side made with that origin (`made`).
function describe(v, made) {
    const origin = v !== null && typeof v === 'object' && v.origin !== undefined
        ? ` origin=${v.origin} ${made.get(v.origin) === v ? 'same' : 'copy'}` : '';
    if (v === undefined || v === null)
        return String(v);
    if (typeof v === 'number')
        return Object.is(v, -0) ? 'number -0' : `number ${v}`;
    if (typeof v === 'string' || typeof v === 'boolean')
        return `${typeof v} ${JSON.stringify(v)}`;
    if (v instanceof GLib.Error)
        return `GLib.Error(${GLib.quark_to_string(v.domain)}, ${v.code}, ${JSON.stringify(v.message)})${origin}`;
    if (v instanceof Error) {
        const code = v.code === undefined ? '' : ` code=${v.code}`;
        return `${v.name}(${JSON.stringify(v.message)})${code}${origin}`;
    }
    if (typeof v === 'object')
        return `object${origin}`;
    return `${typeof v} ${String(v)}`;
}

function describeResult(r, made) {
    if (r === null || typeof r !== 'object')
        return `not a result: ${describe(r, made)}`;
    return `{${describe(r.value, made)}, done: ${r.done}}`;
}

// ---------------------------------------------------------------- grammar

const C_KINDS = ['counter', 'echo', 'catcher', 'values', 'interval'];

// What a catch block keeps (the others it throws on): the condition on e.
const CAUGHT = {
    any: 'true',
    custom: 'e instanceof env.BodyError',
    glib: 'e instanceof env.GLib.Error',
    error: 'e instanceof Error',
    primitive: "typeof e !== 'object'",
};
const ACTIONS = ['pass', 'yield', 'rethrow', 'wrap', 'return'];

// Draws the description of a tree of generators: {name: spec}, the outer one
// named 'b'. A spec is {kind: 'counter'|'echo'|'catcher', n},
// {kind: 'values', items}, {kind: 'interval'} or
// {kind: 'body', inners, rounds, statements, gate}.
class Grammar {
    constructor(rng) {
        this.rng = rng;
        this.specs = {};
    }

    tree() {
        this.generator('b', 0, this.rng.choice([0, 1, 1, 2, 2, 3, 3]));
        return this.specs;
    }

    generator(name, level, depth) {
        const rng = this.rng;
        if (level === depth && level > 0 && rng.random() < 0.6) {
            const kind = rng.choice(C_KINDS);
            if (kind === 'values') {
                const items = Array.from({length: rng.randint(0, 3)}, () => rng.choice(PLAIN_VALUES));
                this.specs[name] = {kind, items};
            } else {
                this.specs[name] = {kind, n: rng.randint(0, 3)};
            }
            return;
        }
        const inners = [];
        const count = level === depth ? 0 : 1 + (rng.random() < 0.3);
        for (let k = 0; k < count; k++) {
            const inner = `${name}.${k}`;
            // The first inner goes all the way down.
            this.generator(inner, level + 1, k === 0 ? depth : rng.randint(level + 1, depth));
            inners.push(inner);
        }
        const rounds = rng.randint(1, 3);
        const statements = this.statements(inners, rounds, 0);
        if (inners.length > 0) {
            // The chain: each resumption of this body resumes the next
            // level down first.
            statements.unshift({kind: 'await', k: 0, op: rng.random() < 0.8 ? ['next'] : ['send', rng.choice(VALUES)],
                passOn: rng.random() < 0.5});
        }
        this.specs[name] = {kind: 'body', inners, rounds, statements, gate: rng.random() < 0.15};
    }

    statements(inners, rounds, nesting) {
        const rng = this.rng;
        const kinds = ['yield', 'yield', 'yield', 'echo', 'gate', 'gate', 'throw', 'return'];
        if (inners.length > 0)
            kinds.push('await', 'await', 'await', 'await', 'forAwait');
        if (nesting < 2)
            kinds.push('try', 'try', 'try');
        return Array.from({length: rng.randint(1, 3)}, () =>
            this.statement(rng.choice(kinds), inners, rounds, nesting));
    }

    statement(kind, inners, rounds, nesting) {
        const rng = this.rng;
        switch (kind) {
        case 'yield':
            return {kind, value: rng.choice(VALUES)};
        case 'await': {
            const r = rng.random();
            let op;
            if (r < 0.55)
                op = ['next'];
            else if (r < 0.75)
                op = ['send', rng.choice(VALUES)];
            else if (r < 0.9)
                op = ['throw', rng.choice(ERROR_KINDS)];
            else
                op = ['return', rng.choice(VALUES)];
            return {kind, k: rng.randint(0, inners.length - 1), op, passOn: rng.random() < 0.5};
        }
        case 'forAwait':
            return {kind, k: rng.randint(0, inners.length - 1), items: rng.randint(0, 3)};
        case 'throw':
            return {kind, error: rng.choice(ERROR_KINDS), at: rng.randint(0, rounds - 1)};
        case 'return':
            return {kind, value: rng.choice(VALUES), at: rng.randint(0, rounds - 1)};
        case 'try': {
            const caught = rng.random() < 0.8 ? rng.choice(Object.keys(CAUGHT)) : null;
            return {
                kind, statements: this.statements(inners, rounds, nesting + 1),
                caught, action: rng.choice(ACTIONS), final: caught === null || rng.random() < 0.5,
            };
        }
        default:
            return {kind};
        }
    }
}

// The source of a body's async generator function (its parameter: env).
class Source {
    constructor(name, spec) {
        this.name = name;
        this.lines = [];
        this.count = 0;         // statements so far: each has its own origin
        this.emit(0, `const log = env.log('${name}');`);
        spec.inners.forEach((inner, k) => this.emit(0, `const inner${k} = env.inner('${inner}');`));
        this.emit(0, 'let received = null;');
        this.emit(0, 'let got;');
        this.emit(0, 'try {');
        this.emit(1, `for (let r = 0; r < ${spec.rounds}; r++) {`);
        this.block(2, spec.statements);
        this.emit(1, '}');
        this.emit(0, '} finally {');
        this.emit(1, "log.append('finally');");
        spec.inners.forEach((_, k) => {
            this.emit(1, 'try {');
            this.emit(2, `log.append('inner${k} return gave ' + env.describeResult(await inner${k}.return()));`);
            this.emit(1, '} catch (e) {');
            this.emit(2, `log.append('inner${k} return threw ' + env.describe(e));`);
            this.emit(1, '}');
        });
        if (spec.gate) {
            this.emit(1, 'await env.gateWait();');
            this.emit(1, "log.append('gate opened in finally');");
        }
        this.emit(0, '}');
    }

    text() {
        return this.lines.join('\n');
    }

    emit(indent, line) {
        this.lines.push('    '.repeat(indent) + line);
    }

    origin() {
        this.count++;
        return `\`${this.name}:${this.count}:\${r}\``;
    }

    value(v) {
        if (v === TOKEN)
            return `env.token(${this.origin()})`;
        return Object.is(v, -0) ? '-0' : String(JSON.stringify(v));
    }

    received(indent, expression) {
        this.emit(indent, `received = yield ${expression};`);
        this.emit(indent, "log.append('received ' + env.describe(received));");
    }

    block(indent, statements) {
        for (const s of statements)
            this[s.kind](indent, s);
    }

    yield(indent, {value}) {
        this.received(indent, this.value(value));
    }

    echo(indent) {
        this.received(indent, 'received');
    }

    gate(indent) {
        this.emit(indent, 'await env.gateWait();');
        this.emit(indent, "log.append('gate opened');");
    }

    await(indent, {k, op, passOn}) {
        const [what, argument] = op;
        let call;
        if (what === 'next')
            call = `inner${k}.next()`;
        else if (what === 'send')
            call = `inner${k}.next(${this.value(argument)})`;
        else if (what === 'throw')
            call = `inner${k}.throw(env.error('${argument}', ${this.origin()}))`;
        else
            call = `inner${k}.return(${this.value(argument)})`;
        this.emit(indent, `got = env.seen('${this.name}.${k}', await ${call});`);
        this.emit(indent, `log.append('inner${k} ${what} gave ' + env.describeResult(got));`);
        if (passOn)
            this.received(indent, "got.done ? 'done' : got.value");
    }

    forAwait(indent, {k, items}) {
        this.emit(indent, '{');
        this.emit(indent + 1, 'let i = 0;');
        this.emit(indent + 1, `for await (const x of inner${k}) {`);
        this.emit(indent + 2, `log.append('for await gave ' + env.describe(env.seen('${this.name}.${k}', {value: x}).value));`);
        this.emit(indent + 2, `if (++i >= ${items})`);
        this.emit(indent + 3, 'break;');
        this.emit(indent + 1, '}');
        this.emit(indent + 1, "log.append('for await ended');");
        this.emit(indent, '}');
    }

    throw(indent, {error, at}) {
        this.emit(indent, `if (r === ${at})`);
        this.emit(indent + 1, `throw env.error('${error}', ${this.origin()});`);
    }

    return(indent, {value, at}) {
        this.emit(indent, `if (r === ${at}) {`);
        this.emit(indent + 1, "log.append('return');");
        this.emit(indent + 1, `return ${this.value(value)};`);
        this.emit(indent, '}');
    }

    try(indent, {statements, caught, action, final}) {
        this.emit(indent, 'try {');
        this.block(indent + 1, statements);
        if (caught !== null) {
            this.emit(indent, '} catch (e) {');
            this.emit(indent + 1, "log.append('caught ' + env.describe(e));");
            this.emit(indent + 1, `if (!(${CAUGHT[caught]}))`);
            this.emit(indent + 2, 'throw e;');
            if (action === 'yield')
                this.received(indent + 1, "'caught'");
            else if (action === 'rethrow')
                this.emit(indent + 1, 'throw e;');
            else if (action === 'wrap')
                this.emit(indent + 1, `throw env.error('custom', ${this.origin()});`);
            else if (action === 'return')
                this.emit(indent + 1, 'return;');
        }
        if (final) {
            this.emit(indent, '} finally {');
            this.emit(indent + 1, `log.append('finally ${this.count}');`);
        }
        this.emit(indent, '}');
    }
}

const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor;

// name -> {make(env), source} for each body.
function compileBodies(specs) {
    const bodies = {};
    for (const [name, spec] of Object.entries(specs)) {
        if (spec.kind !== 'body')
            continue;
        const source = new Source(name, spec).text();
        bodies[name] = {make: new AsyncGeneratorFunction('env', source), source};
    }
    return bodies;
}

// ------------------------------------------------------------------ twins

function sleep(ms) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

// The C generators as JavaScript would write them: each logs what its C
// body logs (tests/lib/agen-test.c).
const TWINS = {
    async *counter(n, log) {
        try {
            for (let i = 0; i < n; i++)
                yield i;
        } finally {
            log.append('cleanup');
        }
    },

    async *echo(log) {
        try {
            let received = null;
            for (;;)
                received = (yield received) ?? null;
        } finally {
            log.append('cleanup');
        }
    },

    async *catcher(n, log) {
        try {
            for (let i = 0; i < n; i++) {
                try {
                    yield i;
                } catch (e) {
                    // What C catches is a GError (see Contract).
                    log.append(`caught ${e.message}`);
                    yield -1;
                }
            }
        } finally {
            log.append('cleanup');
        }
    },

    async *values(items) {
        yield* items;
    },

    async *interval(ms) {
        for (let tick = 0; ; tick++) {
            // eslint-disable-next-line no-await-in-loop
            await sleep(ms);
            yield tick;
        }
    },
};

const INTERVAL_MS = 1;
// The kinds of inner that are C generators on the agen side.
const C_GENERATORS = ['counter', 'catcher', 'echo', 'values', 'interval'];
const JS_EXCEPTION_QUARK = GLib.quark_from_string(Agen.JS_EXCEPTION_DOMAIN);

// --------------------------------------------------- the listed differences

// A native generator as the override's contract has an Agen.Generator
// behave: THE ONE PLACE where the native side is made to differ from
// ECMAScript, each difference once, each listed in the override's comment
// (introspection/gjs/overrides/Agen.js):
//
// 1. next(v) with v null is a plain next ("v undefined or null:
//    next_async"; a wrapped body's "sent NULL: jsGen.next()"): the body
//    receives undefined.
// 2. A body that returns a value: {value: undefined, done: true} ("{done:
//    true} -> agen_generator_return() (the return value is dropped)"), and
//    "the body finished (then every later next) -> {value: undefined,
//    done: true}".
// 3. What throw(e) throws into a C generator is e as a GError: a GLib.Error
//    itself, anything else a GLib.Error of agen-js-exception-quark with the
//    message String(e) ("Errors going in"; the C twins see what C sees).
//    When that very error comes back out (the body let it through), the
//    promise rejects with e ("the GError coming back out is the very value
//    again"). A JavaScript body gets e itself.
// 4. An item undefined is null ("a NULL pointer, string or object is null
//    (so a JS `yield undefined` arrives as null)").
class Contract {
    constructor(gen, {c}) {
        this.gen = gen;
        this.c = c;
    }

    [Symbol.asyncIterator]() {
        return this;
    }

    async next(value) {
        return asItem(await this.gen.next(value === null ? undefined : value));
    }

    async throw(e) {
        if (!this.c)
            return asItem(await this.gen.throw(e));
        const error = e instanceof GLib.Error ? e
            : new GLib.Error(JS_EXCEPTION_QUARK, 1, String(e));
        try {
            return asItem(await this.gen.throw(error));
        } catch (thrown) {
            throw thrown === error ? e : thrown;
        }
    }

    return(value) {
        return this.gen.return(value);
    }
}

// A result of next or throw, as an Agen.Generator gives it (2 and 4).
function asItem(result) {
    if (result.done)
        return {value: undefined, done: true};
    return result.value === undefined ? {value: null, done: false} : result;
}

// ------------------------------------------------------------------ trees

// What a body sees (env): its log, its inners, the gate, the values it
// makes. It holds no generator: each body holds its own inners.
class Env {
    constructor(impl, specs, bodies) {
        this.impl = impl;
        this.specs = specs;
        this.bodies = bodies;
        this.gate = new AgenTest.Gate();
        this.logs = Object.fromEntries(Object.keys(specs).map(name => [name, new AgenTest.Log()]));
        this.made = new Map();      // origin -> what was made with it
        this.BodyError = BodyError;
        this.GLib = GLib;
    }

    log(name) {
        return this.logs[name];
    }

    gateWait() {
        return new Promise((resolve, reject) => {
            this.gate.wait_async(null, (gate, result) => {
                try {
                    resolve(gate.wait_finish(result));
                } catch (e) {
                    reject(e);
                }
            });
        });
    }

    token(origin) {
        const token = {origin};
        this.made.set(origin, token);
        return token;
    }

    error(kind, origin) {
        if (kind === 'string')
            return `thrown ${origin}`;
        const error = ERRORS[kind]();
        error.origin = origin;
        this.made.set(origin, error);
        return error;
    }

    describe(v) {
        return describe(v, this.made);
    }

    describeResult(r) {
        return describeResult(r, this.made);
    }

    // A result of the inner `name`: an interval's ticks are numbered by the
    // clock, which each side reads at its own pace.
    seen(name, result) {
        if (this.specs[name].kind === 'interval' && typeof result.value === 'number')
            return {...result, value: 'tick'};
        return result;
    }

    // A new generator for `name`, for the body that awaits it.
    inner(name) {
        const gen = this.make(name);
        const c = C_GENERATORS.includes(this.specs[name].kind);
        return this.impl === 'native' ? new Contract(gen, {c}) : gen;
    }

    make(name) {
        const spec = this.specs[name];
        const native = this.impl === 'native';
        const log = this.logs[name];
        switch (spec.kind) {
        case 'counter':
        case 'catcher':
            return native ? TWINS[spec.kind](spec.n, log) : AgenTest[spec.kind](spec.n, log);
        case 'echo':
            return native ? TWINS.echo(log) : AgenTest.echo(log);
        case 'values':
            return native ? TWINS.values(spec.items) : Agen.Generator.new_values(spec.items);
        case 'interval':
            return native ? TWINS.interval(INTERVAL_MS) : Agen.Generator.new_interval(INTERVAL_MS);
        default: {
            const gen = this.bodies[name].make(this);
            return native ? gen : Agen.Generator.fromAsyncIterable(gen);
        }
        }
    }
}

function idle() {
    return new Promise(resolve => GLib.idle_add(GLib.PRIORITY_LOW, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

// One implementation of a sequence: the tree, the operations in flight and
// what completed.
class Side {
    constructor(impl, specs, bodies) {
        this.impl = impl;
        this.env = new Env(impl, specs, bodies);
        this.gen = this.env.inner('b');
        this.made = 0;              // values the consumer made so far
        this.ending = 0;            // actions of the end so far
        this.inFlight = new Set();
        this.completed = [];        // [index of the starting action, outcome]
    }

    entries() {
        return Object.keys(this.env.logs).sort().flatMap(name =>
            this.env.logs[name].dup_entries().map(entry => `${name}: ${entry}`));
    }

    waiters() {
        return this.env.gate.get_n_waiters();
    }

    quiet() {
        return this.inFlight.size === 0 || this.waiters() > 0;
    }

    snapshot() {
        return JSON.stringify([this.completed.length, this.waiters(), this.entries().length]);
    }

    // Lets the main loop run until quiet() holds and letting it go idle
    // changes nothing.
    async settle(what) {
        const deadline = GLib.get_monotonic_time() + SETTLE_MS * 1000;
        for (;;) {
            if (GLib.get_monotonic_time() > deadline)
                throw new AssertionError(`stuck settling (${this.impl} side) after ${JSON.stringify(what)}`);
            const before = this.quiet() ? this.snapshot() : null;
            // eslint-disable-next-line no-await-in-loop
            await idle();
            if (before !== null && this.quiet() && this.snapshot() === before)
                return;
        }
    }

    // What the consumer sends or returns: a Token is a new one each time.
    value(v) {
        return v === TOKEN ? this.env.token(`consumer:${++this.made}`) : v;
    }

    perform(op) {
        const [what, argument] = op;
        if (what === 'next')
            return this.gen.next();
        if (what === 'send')
            return this.gen.next(this.value(argument));
        if (what === 'throw')
            return this.gen.throw(this.env.error(argument, `consumer:${++this.made}`));
        if (what === 'return')
            return this.gen.return(this.value(argument));
        return this.forAwait(argument);
    }

    // `for await` over the generator, breaking after `n` items.
    async forAwait(n) {
        const items = [];
        if (n > 0) {
            for await (const x of this.gen) {
                items.push(x);
                if (items.length >= n)
                    break;
            }
        }
        return {forAwait: items, ended: items.length < n};
    }

    outcome(promise) {
        const made = this.env.made;
        return promise.then(r => {
            if ('forAwait' in r)
                return `for await gave [${r.forAwait.map(x => describe(x, made)).join(', ')}], ended: ${r.ended}`;
            return describeResult(r, made);
        }, e => `threw ${describe(e, made)}`);
    }

    start(index, op) {
        this.inFlight.add(index);
        this.outcome(this.perform(op)).then(outcome => {
            this.inFlight.delete(index);
            this.completed.push([index, outcome]);
        });
    }

    async act(index, action) {
        if (action[0] === 'open') {
            this.env.gate.open();
            await this.settle(action);
            return;
        }
        const [, op, wait] = action;
        this.start(index, op);
        await this.settle(action);
        for (let opens = 0; wait && this.inFlight.has(index); opens++) {
            if (this.waiters() === 0 || opens > MAX_OPENS)
                throw new AssertionError(`an operation waited for does not end: ${JSON.stringify(action)}`);
            this.env.gate.open();
            // eslint-disable-next-line no-await-in-loop
            await this.settle(action);
        }
    }

    // One action and what it gave: the operations completed meanwhile, by
    // index. (The order in which their promises settled is not compared: a
    // generator takes requests in order, but a `for await` settles after
    // more promise jobs than a next, and a Contract adds some.)
    async step(index, action) {
        await this.act(index, action);
        const completed = this.completed.sort((a, b) => a[0] - b[0]);
        this.completed = [];
        return {completed, log: this.entries(), waiters: this.waiters()};
    }
}

// The next action for the reference side, or null at the end. After
// `count` random actions, the sequence ends by letting everything finish:
// open the gate while something waits, then close the generator and check
// that it is finished.
function choose(rng, side, count) {
    const waiting = side.waiters() > 0;
    if (count < MAX_ACTIONS && rng.random() < 0.9) {
        if (waiting && rng.random() < 0.3)
            return ['open'];
        const r = rng.random();
        let op;
        if (r < 0.35)
            op = ['next'];
        else if (r < 0.55)
            op = ['send', rng.choice(SENT)];
        else if (r < 0.75)
            op = ['throw', rng.choice(ERROR_KINDS)];
        else if (r < 0.9)
            op = ['return', rng.choice(SENT)];
        else
            op = ['forAwait', rng.randint(0, 3)];
        return ['op', op, rng.random() < 0.5];
    }
    if (waiting || side.inFlight.size > 0)
        return ['open'];
    const end = [['op', ['return', 'end'], true], ['op', ['next'], true]];
    return end[side.ending++] ?? null;
}

function describeSequence(seed, specs, bodies, actions) {
    const parts = [`seed ${seed}`];
    for (const name of Object.keys(specs).sort()) {
        parts.push(name in bodies
            ? `${name} = async function* (env) {\n${bodies[name].source}\n}`
            : `${name} = ${JSON.stringify(specs[name])}`);
    }
    parts.push(`actions = ${JSON.stringify(actions)}`);
    return parts.join('\n');
}

async function sequence(seed) {
    const rng = new Random(seed);
    const specs = new Grammar(rng).tree();
    const bodies = compileBodies(specs);
    const actions = [];
    const where = () => describeSequence(seed, specs, bodies, actions);

    const reference = [];
    const native = new Side('native', specs, bodies);
    // Every sequence starts the outer body, and so the chain of its inners.
    let action = ['op', ['next'], rng.random() < 0.5];
    while (action !== null) {
        actions.push(action);
        try {
            // eslint-disable-next-line no-await-in-loop
            reference.push(await native.step(actions.length - 1, action));
        } catch (e) {
            throw new AssertionError(`${e.message} (native side)\n${where()}`);
        }
        action = choose(rng, native, actions.length);
    }

    const agen = new Side('agen', specs, bodies);
    for (const [i, action] of actions.entries()) {
        let mine;
        try {
            // eslint-disable-next-line no-await-in-loop
            mine = await agen.step(i, action);
        } catch (e) {
            throw new AssertionError(`${e.message} (agen side)\n${where()}`);
        }
        if (VERBOSE)
            printerr(`${JSON.stringify(action)}\n  native ${JSON.stringify(reference[i])}\n  agen   ${JSON.stringify(mine)}`);
        for (const what of ['completed', 'log', 'waiters']) {
            const got = JSON.stringify(mine[what]), wanted = JSON.stringify(reference[i][what]);
            if (got !== wanted) {
                throw new AssertionError(`${what} differ at action ${i} ${JSON.stringify(action)}:\n` +
                    `  agen   ${got}\n  native ${wanted}\n${where()}`);
            }
        }
    }
}

function seeds() {
    if (ONE_SEED !== null)
        return [Number(ONE_SEED)];
    return Array.from({length: SEQUENCES}, (_, i) => FIRST_SEED + i);
}

run({
    async 'nested JS bodies through the override agree with native JS async generators'() {
        let count = 0;
        for (const seed of seeds()) {
            // eslint-disable-next-line no-await-in-loop
            await sequence(seed);
            if (++count % GC_EVERY === 0)
                System.gc();
        }
    },
}, {timeoutSeconds: 60 + SEQUENCES / 20});
