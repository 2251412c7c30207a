// test-nested.js: JavaScript bodies that await other generators, any depth,
// consumed from JavaScript and from C
//
// A body wrapped by fromAsyncIterable() that awaits another Agen generator
// calls into agen-glib from code that agen-glib called: GJS 1.74 does not
// survive the same C function being called again from there. These tests
// nest such bodies 1 to 3 deep over C, timer and JavaScript inners, and
// consume them every way there is; they run under G_DEBUG=fatal-criticals.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import AgenTest from 'gi://AgenTest';
import {Agen, GLib, run, assert, assertDeepEqual, assertEqual, assertGError, rejection, IO_DOMAIN}
    from './harness.js';

// The innermost generators, each yielding 1, 2, 3.
const INNERS = {
    c: () => Agen.Generator.new_values([1, 2, 3]),
    timer: () => {
        let n = 0;
        return Agen.Generator.fromAsyncIterable((async function* ticks() {
            for await (const unused of Agen.Generator.new_interval(1)) {
                yield ++n;
                if (n === 3)
                    return;
            }
        })());
    },
    js: () => Agen.Generator.fromAsyncIterable((async function* numbers() {
        yield 1;
        yield 2;
        yield 3;
    })()),
};

// Wraps @inner in @depth JavaScript bodies, alternating `for await` and
// explicit next() calls; each level multiplies by 10.
function nest(inner, depth) {
    let gen = inner;
    for (let level = 0; level < depth; level++) {
        const source = gen;
        gen = Agen.Generator.fromAsyncIterable(level % 2 === 0
            ? (async function* viaForAwait() {
                for await (const x of source)
                    yield x * 10;
            })()
            : (async function* viaNext() {
                for (;;) {
                    // eslint-disable-next-line no-await-in-loop
                    const {value, done} = await source.next();
                    if (done)
                        return;
                    yield value * 10;
                }
            })());
    }
    return gen;
}

function expected(depth) {
    return [1, 2, 3].map(x => x * 10 ** depth);
}

// The consumers: each gives every item as a number.
const CONSUMERS = {
    async 'for await'(gen) {
        const items = [];
        for await (const x of gen)
            items.push(x);
        return items;
    },
    async 'raw next_async'(gen) {
        const items = [];
        for (;;) {
            // eslint-disable-next-line no-await-in-loop
            const [produced, item] = await new Promise((resolve, reject) => {
                gen.next_async(null, (self, result) => {
                    try {
                        resolve(self.next_finish(result));
                    } catch (e) {
                        reject(e);
                    }
                });
            });
            if (!produced)
                return items;
            items.push(item);
        }
    },
    async 'C consumer'(gen) {
        const strings = await new Promise((resolve, reject) => {
            AgenTest.consume_all_async(gen, null, (unused, result) => {
                try {
                    resolve(AgenTest.consume_all_finish(gen, result));
                } catch (e) {
                    reject(e);
                }
            });
        });
        return strings.map(Number);
    },
    async 'C map, then collect'(gen) {
        return gen.map(x => x + 0).collect();
    },
};

const tests = {};
for (const [innerName, makeInner] of Object.entries(INNERS)) {
    for (let depth = 1; depth <= 3; depth++) {
        for (const [consumerName, consume] of Object.entries(CONSUMERS)) {
            tests[`${innerName} inner, ${depth} deep, ${consumerName}`] = async () => {
                const gen = nest(makeInner(), depth);
                assertDeepEqual(await consume(gen), expected(depth));
                assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
            };
        }
    }
}

Object.assign(tests, {
    async 'a JS body awaiting a JS body, closed by the consumer mid-way'() {
        const log = [];
        const inner = Agen.Generator.fromAsyncIterable((async function* innerGen() {
            try {
                for (let i = 0; ; i++)
                    yield i;
            } finally {
                log.push('inner finally');
            }
        })());
        const outer = Agen.Generator.fromAsyncIterable((async function* outerGen() {
            try {
                for await (const x of inner)
                    yield x;
            } finally {
                log.push('outer finally');
            }
        })());
        for await (const x of outer) {
            if (x === 2)
                break;
        }
        assertDeepEqual(log, ['inner finally', 'outer finally']);
    },

    async 'a JS body awaiting a JS body that throws: the error reaches the consumer'() {
        const thrown = new RangeError('deep');
        const inner = Agen.Generator.fromAsyncIterable((async function* innerGen() {
            yield 1;
            throw thrown;
        })());
        const outer = nest(inner, 2);
        const items = [];
        const error = await rejection((async () => {
            for await (const x of outer)
                items.push(x);
        })());
        assertDeepEqual(items, [100]);
        assert(error === thrown, `the very value thrown comes back, not ${error}`);
    },

    async 'cancelling a JS consumer of nested JS bodies'() {
        const cancellable = new (imports.gi.Gio.Cancellable)();
        const inner = Agen.Generator.fromAsyncIterable((async function* slow() {
            for await (const x of Agen.Generator.new_interval(1000))
                yield x;
        })());
        const outer = nest(inner, 1);
        const pending = outer.next(undefined, cancellable);
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
            cancellable.cancel();
            return GLib.SOURCE_REMOVE;
        });
        assertGError(await rejection(pending), IO_DOMAIN, imports.gi.Gio.IOErrorEnum.CANCELLED,
            'the next fails with the cancellation');
    },

    async 'a hand-written body that calls next_async of another generator from inside its call'() {
        const inner = Agen.Generator.new_values([4, 5]);
        let awaitId = 0;
        let pendingItem = null;
        const outer = Agen.Generator.new(self => {
            if (pendingItem !== null) {
                const [produced, item] = pendingItem;
                pendingItem = null;
                if (produced)
                    self.yield(item * 2);
                else
                    self.return_();
                return;
            }
            inner.next_async(null, (source, result) => {
                pendingItem = source.next_finish(result);
                self.resume(awaitId, null);
            });
            awaitId = self.suspend();
        });
        const items = [];
        for await (const x of outer)
            items.push(x);
        assertDeepEqual(items, [8, 10]);
    },
});

run(tests);
