// agen-bench's GJS binding cases: what a user of the override pays.
//
// Prints JSON lines like agen-bench; bench/run-bench forms the ratios
// against the references measured here, in the same process:
//   - `for await` over a C generator whose body does not await, and a
//     native JS async generator, with 500,000 live objects in the heap;
//   - the same with 0, 300,000 and 1,000,000 live objects: the cost per
//     item should not grow with the heap;
//   - what bounds the first in GJS 1.74: a JS async iterator of settled
//     promises, alone and with one empty GI call an item;
//   - gen.map(f).filter(p) with JS functions against the same written as
//     native async generators over the same source;
//   - C consuming a JS async generator (fromAsyncIterable()).
// Run by bench/run-bench: gjs -m bench/bindings.js [--quick], with the
// uninstalled build on GI_TYPELIB_PATH, LD_LIBRARY_PATH and GJS_PATH.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Agen from 'gi://Agen';
import AgenTest from 'gi://AgenTest';
import System from 'system';

const QUICK = ARGV.includes('--quick');
const ROUNDS = QUICK ? 2 : 5;
const N = QUICK ? 20000 : 200000;

const report = (what, value, unit = 'ns/item') => {
    print(JSON.stringify({case: 'gjs-binding', what, unit, value: Math.round(value * 100) / 100}));
};

const nsPerItem = async (makePromise, n) => {
    const start = GLib.get_monotonic_time();
    await makePromise(n);
    return (GLib.get_monotonic_time() - start) * 1000 / n;
};

const bestNsPerItem = async (makePromise, n) => {
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++)
        best = Math.min(best, await nsPerItem(makePromise, n));
    return best;
};

// The best round of each, the rounds interleaved: the machine's load
// drifts, and a ratio of two measures taken apart drifts with it.
const bestOfPair = async (subject, reference, n) => {
    let bestSubject = Infinity, bestReference = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
        bestReference = Math.min(bestReference, await nsPerItem(reference, n));
        bestSubject = Math.min(bestSubject, await nsPerItem(subject, n));
    }
    return [bestSubject, bestReference];
};

// Live objects the GC has to trace: what an application's heap holds.
let heap = [];
const setLiveObjects = count => {
    heap = Array.from({length: count}, (_, i) => ({i, next: null}));
    System.gc();
};

const forAwaitAgen = async n => {
    let count = 0;
    for await (const _ of AgenTest.counter(n, new AgenTest.Log()))
        count++;
    if (count !== n)
        throw new Error(`${count} items instead of ${n}`);
};

async function* numbers(n) {
    for (let i = 0; i < n; i++)
        yield i;
}

const forAwaitNative = async n => {
    let count = 0;
    for await (const _ of numbers(n))
        count++;
    if (count !== n)
        throw new Error(`${count} items instead of ${n}`);
};

// What bounds the first: a JS async iterator whose next() returns a
// settled promise, as the override's does for an item that is ready, and
// the same with one empty GI call an item (a getter of the generator).
const settledIterator = (n, each) => ({
    i: 0,
    [Symbol.asyncIterator]() {
        return this;
    },
    next() {
        each();
        return Promise.resolve(this.i < n ? {value: this.i++, done: false} : {value: undefined, done: true});
    },
});

const nothing = () => {};

const forAwaitSettled = async n => {
    // eslint-disable-next-line no-unused-vars
    for await (const _ of settledIterator(n, nothing))
        ;
};

const forAwaitSettledGICall = async n => {
    const gen = AgenTest.counter(1, new AgenTest.Log());
    // eslint-disable-next-line no-unused-vars
    for await (const _ of settledIterator(n, () => gen.get_priority()))
        ;
};

const double = x => 2 * x;
const isThird = x => x % 3 === 0;

const mapFilterAgen = async n => {
    const gen = AgenTest.counter(n, new AgenTest.Log()).map(double).filter(isThird);
    // eslint-disable-next-line no-unused-vars
    for await (const _ of gen)
        ;
};

async function* mapped(source, f) {
    for await (const x of source)
        yield f(x);
}

async function* filtered(source, p) {
    for await (const x of source) {
        if (p(x))
            yield x;
    }
}

const mapFilterNative = async n => {
    const gen = filtered(mapped(AgenTest.counter(n, new AgenTest.Log()), double), isThird);
    // eslint-disable-next-line no-unused-vars
    for await (const _ of gen)
        ;
};

const cConsumesJs = n => new Promise((resolve, reject) => {
    const gen = Agen.Generator.fromAsyncIterable(numbers(n));
    AgenTest.consume_all_async(gen, null, (source, result) => {
        try {
            const items = AgenTest.consume_all_finish(source, result);
            if (items.length !== n)
                throw new Error(`${items.length} items instead of ${n}`);
            resolve();
        } catch (e) {
            reject(e);
        }
    });
});

const main = async () => {
    // Warm up: the first rounds measure the JIT.
    await nsPerItem(forAwaitAgen, N);
    await nsPerItem(forAwaitNative, N);
    for (const live of [0, 300000, 500000, 1000000]) {
        setLiveObjects(live);
        // eslint-disable-next-line no-await-in-loop
        const [agen, native] = await bestOfPair(forAwaitAgen, forAwaitNative, N);
        report(`for await over C, ${live} live objects`, agen);
        report(`JS async generator, ${live} live objects`, native);
        if (live === 500000) {
            // eslint-disable-next-line no-await-in-loop
            const [settledGICall, settled] = await bestOfPair(forAwaitSettledGICall, forAwaitSettled, N);
            report('JS iterator of settled promises, 500000 live objects', settled);
            report('the same with one empty GI call an item, 500000 live objects', settledGICall);
        }
    }
    setLiveObjects(0);
    const [agen, native] = await bestOfPair(mapFilterAgen, mapFilterNative, N);
    report('native map/filter async generators', native);
    report('map/filter with JS functions', agen);
    report('C consuming a JS async generator', await bestNsPerItem(cConsumesJs, N / 10));
};

const loop = new GLib.MainLoop(null, false);
let failure = null;
main().catch(e => {
    failure = e;
}).finally(() => loop.quit());
loop.run();
if (failure !== null) {
    logError(failure);
    System.exit(1);
}
