// test-from-async-iterable.js: JavaScript generators consumed by C, and bodies
// written with the producer API
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import AgenTest from 'gi://AgenTest';
import AgenExample from 'gi://AgenExample';
import {
    Agen, GLib, Gio, run, assert, assertEqual, assertDeepEqual, assertResult,
    assertGError, assertJsError, rejection, until, sleep, shutdown, AGEN_DOMAIN, IO_DOMAIN,
} from './harness.js';

// The C consumer: every item, as strings.
function consumeAll(gen, cancellable = null) {
    return new Promise((resolve, reject) => {
        AgenTest.consume_all_async(gen, cancellable, (source, result) => {
            try {
                resolve(AgenTest.consume_all_finish(source, result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

// The C API, called as C would call it, promisified by hand.
function cCall(gen, what, ...args) {
    return new Promise((resolve, reject) => {
        gen[`${what}_async`](...args, null, (source, result) => {
            try {
                resolve(source[`${what}_finish`](result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

run({
    async 'a JS async generator consumed by C (consume_all)'() {
        const log = [];
        async function* numbers() {
            try {
                yield 1;
                await sleep(1);
                yield 'two';
                yield 3.5;
                yield true;
                yield undefined;
            } finally {
                log.push('finally');
            }
        }
        const gen = Agen.Generator.fromAsyncIterable(numbers());
        assertEqual(gen.get_name(), 'JavaScript async iterable', 'name');
        assertDeepEqual(await consumeAll(gen), ['1', 'two', '3.500000', 'TRUE', 'NULL']);
        assertDeepEqual(log, ['finally']);
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
    },

    async 'AgenExample.print_all_async counts the items of a JS generator'() {
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            yield 'a';
            yield 'b';
        })(), {name: 'ab'});
        assertEqual(gen.get_name(), 'ab', 'name');
        const n = await new Promise((resolve, reject) => {
            AgenExample.print_all_async(gen, null, (s, r) => {
                try {
                    resolve(AgenExample.print_all_finish(s, r));
                } catch (e) {
                    reject(e);
                }
            });
        });
        assertEqual(n, 2, 'printed');
    },

    async 'sync iterables and plain async iterators work too'() {
        assertDeepEqual(await consumeAll(Agen.Generator.fromAsyncIterable(new Set(['x', 'y']))), ['x', 'y']);
        let i = 0;
        const iterator = {
            next() {
                i++;
                return Promise.resolve(i <= 2 ? {value: i, done: false} : {value: undefined, done: true});
            },
        };
        assertDeepEqual(await consumeAll(Agen.Generator.fromAsyncIterable(iterator)), ['1', '2']);
        const gen = AgenTest.counter(1, new AgenTest.Log());
        assertEqual(Agen.Generator.fromAsyncIterable(gen), gen, 'an Agen.Generator is itself');
    },

    async 'a JS error raised by the body: C sees a GError naming it, JS the error itself'() {
        const log = [];
        const boom = new TypeError('boom');
        const numbers = () => Agen.Generator.fromAsyncIterable((async function* () {
            try {
                yield 1;
                throw boom;
            } finally {
                log.push('finally');
            }
        })());
        assertJsError(await rejection(consumeAll(numbers())), 'TypeError: boom', 'C consumer');
        assertDeepEqual(log, ['finally']);

        const gen = numbers();
        assertResult(await gen.next(), 1, false, 'first');
        assert(await rejection(gen.next()) === boom, 'a JS consumer gets the very error');
    },

    async 'a GLib.Error raised by the body keeps its domain and code'() {
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            yield 1;
            throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.PERMISSION_DENIED, 'no');
        })());
        const e = await rejection(consumeAll(gen));
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.PERMISSION_DENIED, 'raised');
        assertEqual(e.message, 'no', 'message');
    },

    async 'send, throw and close from C reach the JS generator'() {
        const log = [];
        async function* worker() {
            try {
                let received = yield 'ready';
                for (;;) {
                    try {
                        // eslint-disable-next-line no-await-in-loop
                        received = yield `got ${received}`;
                    } catch (e) {
                        log.push(`caught ${e instanceof GLib.Error ? e.message : e}`);
                        received = yield 'recovered';
                    }
                }
            } finally {
                log.push('finally');
            }
        }
        const gen = Agen.Generator.fromAsyncIterable(worker());
        assertDeepEqual(await cCall(gen, 'next'), [true, 'ready'], 'next');
        assertDeepEqual(await cCall(gen, 'send', 42), [true, 'got 42'], 'send');
        assertDeepEqual(await cCall(gen, 'send', 'text'), [true, 'got text'], 'send');
        const error = new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.BUSY, 'busy');
        assertDeepEqual(await cCall(gen, 'throw', error), [true, 'recovered'], 'throw');
        assertDeepEqual(log, ['caught busy']);
        assertEqual(await cCall(gen, 'close'), true, 'close');
        assertDeepEqual(log, ['caught busy', 'finally']);
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
    },

    async 'an uncaught throw from C finishes the JS generator with that error'() {
        const log = [];
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            try {
                yield 1;
                yield 2;
            } finally {
                log.push('finally');
            }
        })());
        await cCall(gen, 'next');
        const error = new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.TIMED_OUT, 'late');
        const e = await rejection(cCall(gen, 'throw', error));
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.TIMED_OUT, 'uncaught');
        assertDeepEqual(log, ['finally']);
    },

    async 'a JS generator that yields in its finally: close fails with IGNORED_EXIT'() {
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            try {
                yield 1;
            } finally {
                yield 'stubborn';
            }
        })());
        await cCall(gen, 'next');
        assertGError(await rejection(cCall(gen, 'close')), AGEN_DOMAIN, Agen.Error.IGNORED_EXIT, 'close');
        // It stays at that yield: a next resumes it, and it finishes.
        const [more] = await cCall(gen, 'next');
        assertEqual(more, false, 'finished after the next');
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
    },

    async 'a finally that awaits delays the close'() {
        const log = [];
        let release;
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            try {
                yield 1;
            } finally {
                log.push('start');
                await new Promise(resolve => (release = resolve));
                log.push('end');
            }
        })());
        await cCall(gen, 'next');
        let closed = false;
        const closing = cCall(gen, 'close').then(r => (closed = r));
        await until(() => release !== undefined, 'the finally awaits');
        await sleep(5);
        assert(!closed, 'not closed before the finally is done');
        release();
        await closing;
        assertEqual(closed, true, 'closed');
        assertDeepEqual(log, ['start', 'end']);
    },

    async 'cancelling a C consumer ends promptly and closes the JS generator'() {
        const log = [];
        let release;
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            try {
                yield 1;
                await new Promise(resolve => (release = resolve));
                yield 2;
                yield 3;
            } finally {
                log.push('finally');
            }
        })());
        const cancellable = new Gio.Cancellable();
        const consuming = consumeAll(gen, cancellable);
        await until(() => release !== undefined, 'the JS generator awaits');
        cancellable.cancel();
        const e = await rejection(consuming);
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.CANCELLED, 'cancelled');
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
        assertDeepEqual(log, [], 'the JS generator is still at its await');
        release();
        await until(() => log.length > 0, 'the finally runs');
        assertDeepEqual(log, ['finally']);
    },

    async 'Agen.shutdown_async closes a started JS generator'() {
        const log = [];
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            try {
                yield 1;
                yield 2;
            } finally {
                log.push('finally');
            }
        })());
        await cCall(gen, 'next');
        assertEqual(await shutdown(), true, 'shutdown');
        assertDeepEqual(log, ['finally']);
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
    },

    async 'a JS generator consumed from JS through C'() {
        const log = [];
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            try {
                const x = yield 1;
                yield x * 2;
                yield {nested: [x]};
            } finally {
                log.push('finally');
            }
        })());
        assertResult(await gen.next(), 1, false, 'first');
        assertResult(await gen.next(21), 42, false, 'sent');
        assertResult(await gen.next(), {nested: [21]}, false, 'object item');
        const error = new SyntaxError('thrown in');
        assertEqual(await rejection(gen.throw(error)), error, 'the same error back');
        assertDeepEqual(log, ['finally']);
    },

    async 'for await over a JS generator wrapped by C, with break'() {
        const log = [];
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            try {
                for (let i = 0; ; i++)
                    yield i;
            } finally {
                log.push('finally');
            }
        })());
        const got = [];
        for await (const x of gen) {
            got.push(x);
            if (x === 3)
                break;
        }
        assertDeepEqual(got, [0, 1, 2, 3]);
        assertDeepEqual(log, ['finally']);
    },

    async 'a bad iterator result or a bad item raises a clear error'() {
        const gen = Agen.Generator.fromAsyncIterable({next: () => 42});
        const e = await rejection(consumeAll(gen));
        assertJsError(e, e.message, 'not an object');
        assert(e.message.startsWith('TypeError'), e.message);
        assert(e.message.startsWith('TypeError: iterator result 42'), e.message);

        const gen2 = Agen.Generator.fromAsyncIterable((async function* () {
            yield 1n << 80n;
        })());
        const e2 = await rejection(consumeAll(gen2));
        assertJsError(e2, e2.message, 'unconvertible');
        assert(e2.message.startsWith('RangeError'), e2.message);
    },

    async 'a hand-written body: suspend/resume, catch_error, get_sent, return()'() {
        const log = [];
        let step = 0;
        const gen = Agen.Generator.new(self => {
            const error = self.catch_error();
            if (error !== null) {
                log.push(`caught ${error.message}`);
                if (error.matches(Agen.error_quark(), Agen.Error.EXIT)) {
                    self.return();      // in a body call: the producer's return
                    return;
                }
            }
            switch (step++) {
            case 0: {
                // await something: a timeout
                const id = self.suspend();
                GLib.timeout_add(GLib.PRIORITY_DEFAULT, 1, () => {
                    self.resume(id, null);
                    return GLib.SOURCE_REMOVE;
                });
                return;
            }
            case 1:
                self.yield('after the await');
                return;
            case 2:
                self.yield(`sent ${self.get_sent()}`);
                return;
            case 3:
                self.yield([1, 2]);
                return;
            default:
                self.raise(new Error('too far'));
            }
        });
        assertResult(await gen.next(), 'after the await', false, 'await');
        assertResult(await gen.next(5), 'sent 5', false, 'sent');
        assertResult(await gen.next(), [1, 2], false, 'a JS value');
        assertResult(await gen.return('r'), 'r', true, 'close');
        assert(log.length === 1 && log[0].startsWith('caught '), `log: ${log}`);

        const tooFar = new Error('too far');
        const gen2 = Agen.Generator.new(self => self.raise(tooFar));
        assert(await rejection(gen2.next()) === tooFar, 'raise(JS error): the very error');
    },

    // semantics.xml, contract-producer-resume-yield.
    async 'a body driven from outside: resume_yield() yields without a body call'() {
        const calls = [];
        let finish = false;
        let awaitId = 0;
        const makeGen = () => Agen.Generator.new(self => {
            const error = self.catch_error();
            calls.push(error === null ? 'next' : 'error');
            if (finish || error !== null)
                self.return_();
            else
                awaitId = self.suspend();
        });
        const drive = (gen, items) => new Promise(resolve => {
            const ids = [];
            const step = () => {
                if (items.length === 0) {
                    resolve(ids);
                    return GLib.SOURCE_REMOVE;
                }
                const next = gen.resume_yield(awaitId, items.shift());
                ids.push(next);
                if (next !== 0)
                    awaitId = next;
                return GLib.SOURCE_CONTINUE;
            };
            GLib.timeout_add(GLib.PRIORITY_DEFAULT, 1, step);
        });

        // A C consumer asks for the next item in its reply: one body call.
        let gen = makeGen();
        let consumed = consumeAll(gen);
        await until(() => awaitId !== 0, 'the first await');
        const ids = await drive(gen, [1, 'two', 3]);
        assert(ids.every(id => id !== 0), `await ids handed back: ${ids}`);
        assertDeepEqual(calls, ['next'], 'one body call');
        finish = true;
        gen.resume(awaitId, null);
        assertDeepEqual(await consumed, ['1', 'two', '3']);
        assertDeepEqual(calls, ['next', 'next']);

        // A JavaScript consumer asks later, through a promise job: 0, and
        // the body is called for each next.
        calls.length = 0;
        finish = false;
        awaitId = 0;
        gen = makeGen();
        const first = gen.next();
        await until(() => awaitId !== 0, 'the first await');
        assertEqual(gen.resume_yield(awaitId, 'a'), 0, 'no next asked in the call');
        assertResult(await first, 'a', false, 'the item');
        assertEqual(gen.resume_yield(awaitId, 'stale'), 0, 'a stale id');
        assertDeepEqual(calls, ['next']);
        assertResult(await gen.return('r'), 'r', true, 'close');
        assertDeepEqual(calls, ['next', 'error']);
    },

    async 'an exception escaping a body call is raised, not lost'() {
        const escaped = new ReferenceError('escaped');
        const gen = Agen.Generator.new(() => {
            throw escaped;
        });
        assert(await rejection(gen.next()) === escaped, 'escaped: the very error');

        const gen2 = Agen.Generator.new(self => self.yield(new (imports.gi.GObject.Value)()));
        const e2 = await rejection(gen2.next());
        assert(e2 instanceof TypeError, `bad item: ${e2}`);
    },

    async 'new Agen.Generator() throws instead of making a bodiless generator'() {
        let error = null;
        try {
            // eslint-disable-next-line no-new
            new Agen.Generator();
        } catch (e) {
            error = e;
        }
        assert(error instanceof TypeError, `TypeError, got ${error}`);
    },
});
