// test-many.js: long runs, past GJS 1.74's hang after ~95,000 asynchronous
// callbacks: `for await` makes none (an item that is ready is taken at once,
// one that is not comes through the generator's one ready func), and needs
// no forced GC; throw, return and foreach collect every Agen.GC_INTERVAL
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import AgenTest from 'gi://AgenTest';
import {Agen, run, assertEqual, assertDeepEqual} from './harness.js';

const N = 150000;

run({
    async 'the workaround is on by default'() {
        assertEqual(Agen.GC_INTERVAL, 10000, 'GC_INTERVAL');
    },

    async [`for await over ${N} items of a C counter`]() {
        const log = new AgenTest.Log();
        let count = 0, sum = 0;
        for await (const x of AgenTest.counter(N, log)) {
            count++;
            sum += x;
        }
        assertEqual(count, N, 'count');
        assertEqual(sum, N * (N - 1) / 2, 'sum');
        assertDeepEqual(log.dup_entries(), ['cleanup']);
    },

    async [`for await over ${N} items of a body that awaits each, without a forced GC`]() {
        const interval = Agen.GC_INTERVAL;
        Agen.GC_INTERVAL = 0;
        try {
            const gate = new AgenTest.Gate();
            gate.leave_open();
            let count = 0;
            for await (const x of AgenTest.gated(N, gate, new AgenTest.Log())) {
                assertEqual(x, count, 'item');
                count++;
            }
            assertEqual(count, N, 'count');
        } finally {
            Agen.GC_INTERVAL = interval;
        }
    },

    async 'C consumes 50000 items of a JS generator'() {
        const n = 50000;
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            for (let i = 0; i < n; i++)
                yield i;
        })());
        const items = await new Promise((resolve, reject) => {
            AgenTest.consume_all_async(gen, null, (source, result) => {
                try {
                    resolve(AgenTest.consume_all_finish(source, result));
                } catch (e) {
                    reject(e);
                }
            });
        });
        assertEqual(items.length, n, 'count');
        assertEqual(items[n - 1], String(n - 1), 'last');
    },
}, {timeoutSeconds: 300});
