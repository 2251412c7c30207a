// test-operators.js: flat_map, flat_map_merge, switch_map, scan, distinct
// and tee from GJS
//
// docs/reference/semantics.xml, sections contract-higher-order,
// contract-state and contract-share: the override's idioms (a function
// returning a JS async generator or an Agen.Generator; plain JS folds and
// equalities), each inner generator closed, bad inner values a TypeError.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import {Agen, run, assert, assertEqual, assertDeepEqual, assertGError, rejection, sleep, IO_DOMAIN} from './harness.js';

// A JS inner generator of x items from 10 * x that logs its cleanup.
async function* inner(x, log, {awaits = false} = {}) {
    try {
        for (let i = 0; i < x; i++) {
            if (awaits)
                // eslint-disable-next-line no-await-in-loop
                await sleep(0);
            yield 10 * x + i;
        }
    } finally {
        log.push(x);
    }
}

run({
    async 'flat_map yields each inner generator in turn and closes each'() {
        const log = [];
        const items = await Agen.Generator.new_values([1, 2, 3]).flat_map(x => inner(x, log)).collect();
        assertDeepEqual(items, [10, 20, 21, 30, 31, 32]);
        assertDeepEqual(log, [1, 2, 3]);
    },

    async 'flat_map takes an Agen.Generator too'() {
        const items = await Agen.Generator.new_values([1, 2]).flat_map(x => Agen.Generator.new_values([x, x])).collect();
        assertDeepEqual(items, [1, 1, 2, 2]);
    },

    async 'flat_map_merge yields every item, each inner in its order'() {
        const log = [];
        const items = await Agen.Generator.new_values([1, 2, 3]).flat_map_merge(2, x => inner(x, log, {awaits: true})).collect();
        assertDeepEqual([...items].sort((a, b) => a - b), [10, 20, 21, 30, 31, 32]);
        assert(items.indexOf(31) < items.indexOf(32));
        assertDeepEqual([...log].sort(), [1, 2, 3]);
    },

    async 'switch_map closes the inner generator it leaves'() {
        const log = [];
        const items = await Agen.Generator.new_values([1, 2, 3]).switch_map(x => inner(x, log, {awaits: true})).collect();
        assertDeepEqual(items, [30, 31, 32]);
        assertDeepEqual([...log].sort(), [1, 2, 3]);
    },

    async 'closing a flat_map closes the inner generator'() {
        const log = [];
        const gen = Agen.Generator.new_values([5, 6]).flat_map(x => inner(x, log, {awaits: true}));
        assertEqual((await gen.next()).value, 50);
        await gen.return();
        assertDeepEqual(log, [5]);
    },

    async 'a function returning something else is a TypeError'() {
        for (const bad of [5, null, 'text']) {
            // eslint-disable-next-line no-await-in-loop
            const e = await rejection(Agen.Generator.new_values([1]).flat_map(() => bad).collect());
            assert(e instanceof TypeError, `${e}`);
        }
    },

    async 'a concurrency of 0 is refused'() {
        const e = await rejection(Agen.Generator.new_values([1]).flat_map_merge(0, x => inner(x, [])).collect());
        assertGError(e, IO_DOMAIN, 13);
    },

    async 'scan and distinct'() {
        assertDeepEqual(await Agen.Generator.new_values([1, 2, 3]).scan((a, b) => a + b).collect(), [1, 3, 6]);
        assertDeepEqual(await Agen.Generator.new_values([1, 2, 3]).scan((a, b) => a + b, 100).collect(),
            [100, 101, 103, 106]);
        assertDeepEqual(await Agen.Generator.new_values([1, 1, 2, 2, 1]).distinct().collect(), [1, 2, 1]);
        assertDeepEqual(await Agen.Generator.new_values([1, 3, 2, 4, 5]).distinct((a, b) => a % 2 === b % 2).collect(),
            [1, 2, 5]);
    },

    async 'tee gives every branch every item'() {
        const [a, b] = Agen.Generator.new_values([1, 2, 3]).tee();
        assertDeepEqual(await a.collect(), [1, 2, 3]);
        assertDeepEqual(await b.collect(), [1, 2, 3]);
    },
});
