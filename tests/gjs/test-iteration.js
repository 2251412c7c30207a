// test-iteration.js: for await, break, and queued concurrent requests
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import AgenTest from 'gi://AgenTest';
import {
    Agen, Gio, run, assert, assertEqual, assertDeepEqual, assertResult,
    assertGError, rejection, until, IO_DOMAIN,
} from './harness.js';

const entries = log => log.dup_entries();

run({
    async 'for await gets every item and runs the cleanup'() {
        const log = new AgenTest.Log();
        const items = [];
        for await (const x of AgenTest.counter(5, log))
            items.push(x);
        assertDeepEqual(items, [0, 1, 2, 3, 4]);
        assertDeepEqual(entries(log), ['cleanup']);
    },

    async 'break closes the generator'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.counter(10, log);
        const items = [];
        for await (const x of gen) {
            items.push(x);
            if (x === 2)
                break;
        }
        assertDeepEqual(items, [0, 1, 2]);
        assertDeepEqual(entries(log), ['cleanup'], 'closed by break');
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
        assertResult(await gen.next(), undefined, true, 'next after');
    },

    async 'an exception in the loop body closes the generator and propagates'() {
        const log = new AgenTest.Log();
        const oops = new Error('oops');
        const e = await rejection((async () => {
            for await (const x of AgenTest.counter(10, log)) {
                if (x === 1)
                    throw oops;
            }
        })());
        assertEqual(e, oops, 'the loop body error');
        assertDeepEqual(entries(log), ['cleanup']);
    },

    async 'break out of a generator whose cleanup awaits waits for the cleanup'() {
        const log = new AgenTest.Log();
        const gate = new AgenTest.Gate();
        const gen = AgenTest.cleanup_awaits(5, gate, log);
        let looped = false;
        const loop = (async () => {
            for await (const x of gen) {
                if (x === 1)
                    break;
            }
            looped = true;
        })();
        await until(() => gate.get_n_waiters() === 1, 'the cleanup awaits');
        assert(!looped, 'the loop waits for return()');
        gate.open();
        await loop;
        assertDeepEqual(entries(log), ['cleanup start', 'cleanup end']);
    },

    async 'break in a for await whose close fails rejects with that error'() {
        const log = new AgenTest.Log();
        const e = await rejection((async () => {
            for await (const x of AgenTest.raises_in_cleanup(5, log)) {
                if (x === 0)
                    break;
            }
        })());
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.FAILED, 'close failed');
    },

    async 'concurrent next() calls are queued and resolve in order'() {
        const log = new AgenTest.Log();
        const gate = new AgenTest.Gate();
        const gen = AgenTest.gated(3, gate, log);
        const order = [];
        const promises = [0, 1, 2, 3, 4].map(i => gen.next().then(r => {
            order.push(i);
            return r;
        }));
        // One at a time reaches C: the body awaits the gate once per item.
        // (AgenTest.Gate.open() also releases a waiter that a callback it
        // runs adds, so more than one item may pass per open().)
        let settled = false;
        Promise.allSettled(promises).then(() => (settled = true));
        await until(() => gate.get_n_waiters() === 1, 'the first wait');
        assertEqual(order.length, 0, 'nothing before the gate opens');
        while (!settled) {
            assert(gate.get_n_waiters() <= 1, 'one operation at a time');
            gate.open();
            // eslint-disable-next-line no-await-in-loop
            await until(() => settled || gate.get_n_waiters() === 1, 'the next wait');
        }
        const results = await Promise.all(promises);
        assertDeepEqual(order, [0, 1, 2, 3, 4], 'resolution order');
        assertResult(results[0], 0, false, '0');
        assertResult(results[1], 1, false, '1');
        assertResult(results[2], 2, false, '2');
        assertResult(results[3], undefined, true, '3');
        assertResult(results[4], undefined, true, '4');
        assertDeepEqual(entries(log), ['cleanup']);
    },

    async 'queued next, throw and return run in order'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.catcher(5, log);
        const error = new Error('in');
        const [a, b, c, d, e, f] = await Promise.allSettled([
            gen.next(), gen.throw(error), gen.next(), gen.next(),
            gen.return('done'), gen.next(),
        ]);
        assertResult(a.value, 0, false, 'next');
        assertResult(b.value, -1, false, 'throw caught');
        assertResult(c.value, 1, false, 'next');
        assertResult(d.value, 2, false, 'next');
        assertResult(e.value, 'done', true, 'return');
        assertResult(f.value, undefined, true, 'next after return');
        assertDeepEqual(entries(log), ['caught Error: in', 'cleanup']);
    },

    async 'a rejected request does not block the queue'() {
        const gen = AgenTest.counter(3, new AgenTest.Log());
        const error = new Error('x');
        const [a, b, c] = await Promise.allSettled([gen.next(), gen.throw(error), gen.next()]);
        assertResult(a.value, 0, false, 'first');
        assertEqual(b.status, 'rejected', 'throw');
        assertEqual(b.reason, error, 'with e');
        assertResult(c.value, undefined, true, 'then finished');
    },

    async 'several loops over several generators interleave'() {
        const logs = [new AgenTest.Log(), new AgenTest.Log(), new AgenTest.Log()];
        const sums = await Promise.all(logs.map(async (log, i) => {
            let sum = 0;
            for await (const x of AgenTest.counter(100 * (i + 1), log))
                sum += x;
            return sum;
        }));
        assertDeepEqual(sums, [4950, 19900, 44850]);
        for (const log of logs)
            assertDeepEqual(entries(log), ['cleanup']);
    },

    async 'Symbol.asyncIterator returns the generator itself'() {
        const gen = AgenTest.counter(1, new AgenTest.Log());
        assertEqual(gen[Symbol.asyncIterator](), gen, 'itself');
    },
});
