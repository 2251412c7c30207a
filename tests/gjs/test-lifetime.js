// test-lifetime.js: generators whose JavaScript wrappers are gone
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import AgenTest from 'gi://AgenTest';
import System from 'system';
import {
    Agen, run, assert, assertEqual, assertDeepEqual, assertResult, until, sleep, shutdown,
    rejection,
} from './harness.js';

const entries = log => log.dup_entries();

// Collects garbage and lets the main loop run (GJS drops its GObject
// references from the main loop), until predicate() holds.
async function collectUntil(predicate, message) {
    for (let i = 0; i < 200 && !predicate(); i++) {
        System.gc();
        // eslint-disable-next-line no-await-in-loop
        await sleep(1);
    }
    await until(predicate, message, 100);
}

run({
    async 'a started C generator dropped by JS is closed on its last unref'() {
        const log = new AgenTest.Log();
        await (async () => {
            const gen = AgenTest.counter(5, log);
            assertResult(await gen.next(), 0, false, 'started');
        })();
        await collectUntil(() => entries(log).length > 0, 'the close on the last unref');
        assertDeepEqual(entries(log), ['cleanup']);
    },

    async 'an abandoned for await (no break: the iterator is dropped)'() {
        const log = new AgenTest.Log();
        await (async () => {
            const iterator = AgenTest.counter(5, log)[Symbol.asyncIterator]();
            await iterator.next();
            await iterator.next();
        })();
        await collectUntil(() => entries(log).length > 0, 'the close');
        assertDeepEqual(entries(log), ['cleanup']);
    },

    async 'a never started generator dropped by JS runs nothing'() {
        const log = new AgenTest.Log();
        (() => AgenTest.counter(5, log))();
        for (let i = 0; i < 5; i++) {
            System.gc();
            // eslint-disable-next-line no-await-in-loop
            await sleep(1);
        }
        assertDeepEqual(entries(log), []);
    },

    async 'a started JS generator dropped by JS is closed: its finally runs'() {
        const log = [];
        await (async () => {
            const gen = Agen.Generator.fromAsyncIterable((async function* () {
                try {
                    yield 1;
                    yield 2;
                } finally {
                    log.push('finally');
                }
            })());
            assertResult(await gen.next(), 1, false, 'started');
        })();
        await collectUntil(() => log.length > 0, 'the finally');
        assertDeepEqual(log, ['finally']);
    },

    async 'a pending request keeps its generator alive'() {
        const log = new AgenTest.Log();
        const gate = new AgenTest.Gate();
        let pending = (() => {
            const gen = AgenTest.gated(2, gate, log);
            return [gen.next(), gen.next()];
        })();
        for (let i = 0; i < 5; i++) {
            System.gc();
            // eslint-disable-next-line no-await-in-loop
            await sleep(1);
        }
        const results = Promise.all(pending);
        pending = null;
        let done = false;
        results.then(() => (done = true));
        while (!done) {
            System.gc();
            gate.open();
            // eslint-disable-next-line no-await-in-loop
            await sleep(1);
        }
        const [a, b] = await results;
        assertResult(a, 0, false, 'first');
        assertResult(b, 1, false, 'second');
        await collectUntil(() => entries(log).length > 0, 'closed at last');
        assertDeepEqual(entries(log), ['cleanup']);
    },

    async 'a JS generator consumed by C while JS holds no reference'() {
        const log = [];
        let items = null;
        (() => {
            const gen = Agen.Generator.fromAsyncIterable((async function* () {
                try {
                    for (let i = 0; i < 20; i++) {
                        // eslint-disable-next-line no-await-in-loop
                        await sleep(0);
                        System.gc();
                        yield i;
                    }
                } finally {
                    log.push('finally');
                }
            })());
            AgenTest.consume_all_async(gen, null, (source, result) => {
                items = AgenTest.consume_all_finish(source, result);
            });
        })();
        await collectUntil(() => items !== null, 'consumed');
        assertEqual(items.length, 20, 'every item');
        assertDeepEqual(log, ['finally']);
    },

    async 'JS values held by C survive garbage collection'() {
        const gen = AgenTest.echo(new AgenTest.Log());
        await gen.next();
        const sent = Promise.all(Array.from({length: 50}, (_, i) => gen.next({i})));
        System.gc();
        const results = await sent;
        results.forEach((r, i) => assertEqual(r.value.i, i, `item ${i}`));
        await gen.return();

        // A JS body's items, held by C between the yield and the callback.
        const gen2 = Agen.Generator.fromAsyncIterable((async function* () {
            for (let i = 0; i < 20; i++)
                yield {i, list: [i]};
        })());
        for (let i = 0; i < 20; i++) {
            const p = gen2.next();
            System.gc();
            // eslint-disable-next-line no-await-in-loop
            const r = await p;
            assertEqual(r.value.i, i, `JS item ${i}`);
            assertEqual(r.value.list[0], i, `JS item ${i} list`);
        }
        assertResult(await gen2.next(), undefined, true, 'end');
        assert(true);
    },

    async 'a close agen-glib makes by itself that fails is logged once, with the value thrown'() {
        const logged = [];
        const savedLogError = globalThis.logError;
        globalThis.logError = (value, message) => logged.push({value, message});
        try {
            const cleanupFailed = new RangeError('cleanup failed');
            const failing = () => Agen.Generator.fromAsyncIterable((async function* () {
                try {
                    yield 1;
                    yield 2;
                } finally {
                    // eslint-disable-next-line no-unsafe-finally
                    throw cleanupFailed;
                }
            })());

            await (async () => {
                const gen = failing();
                gen.set_name('dropped');
                assertResult(await gen.next(), 1, false, 'started');
            })();
            await collectUntil(() => logged.length > 0, 'the close on the last unref');
            assertEqual(logged.length, 1, 'logged once');
            assert(logged[0].value === cleanupFailed, 'the very value thrown');
            assertEqual(logged[0].message, 'Agen: closing dropped on its last unref failed');

            const kept = failing();
            kept.set_name('kept');
            assertResult(await kept.next(), 1, false, 'started');
            // agen_shutdown_finish() also gives the first failure, as C sees it.
            const first = await rejection(shutdown());
            assertEqual(first.message, 'RangeError: cleanup failed', 'what shutdown_finish gives');
            assertEqual(logged.length, 2, 'logged once more');
            assert(logged[1].value === cleanupFailed, 'the very value thrown, at shutdown');
            assertEqual(logged[1].message, 'Agen: closing kept at shutdown failed');
        } finally {
            globalThis.logError = savedLogError;
        }
    },
});
