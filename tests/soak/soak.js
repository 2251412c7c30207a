// The GJS soak: `for await` over AGEN_SOAK_ITEMS items (10,000,000 by
// default) of a C generator whose body does not await, then of one that
// awaits every item (a tenth as many: past GJS 1.74's hang after ~95,000
// per-call callbacks, without any forced GC), asserting that the time per
// tenth of the run stays flat and resident memory grows by at most 8 bytes
// an item, or what a JavaScript async generator grows by in the same run. Not in CI:
// tests/soak/run-soak runs it.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Agen from 'gi://Agen';
import AgenTest from 'gi://AgenTest';
import System from 'system';

const ITEMS = Number(GLib.getenv('AGEN_SOAK_ITEMS') ?? 10000000);
// As in soak.py: bytes per item over the second half, and the median of
// the later tenths against the median of the earlier ones.
const MAX_BYTES_PER_ITEM = 8;
const MAX_SLOWDOWN = 1.3;

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const residentBytes = () => {
    const [, contents] = GLib.file_get_contents('/proc/self/statm');
    return Number(new TextDecoder().decode(contents).split(' ')[1]) * 4096;
};

// What a JavaScript async generator grows by, over the same run: GJS 1.74
// keeps some memory per promise job (a native `for await` grows by about
// 16 bytes an item, a forced GC or not), which no binding can avoid.
async function* numbers(n) {
    for (let i = 0; i < n; i++)
        yield i;
}

const soak = async (name, gen, n, maxBytesPerItem = MAX_BYTES_PER_ITEM) => {
    const samples = [];
    let count = 0;
    const start = GLib.get_monotonic_time();
    for await (const _ of gen) {
        count++;
        if (count % Math.floor(n / 10) === 0)
            samples.push([GLib.get_monotonic_time(), residentBytes()]);
    }
    if (count !== n)
        return [`${name}: ${count} items instead of ${n}`];
    const times = samples.map(([t], i) => t - (i === 0 ? start : samples[i - 1][0]));
    const half = samples[samples.length / 2 - 1][1];
    const perItem = (samples[samples.length - 1][1] - half) / (n - n / 2);
    const slowdown = median(times.slice(5)) / median(times.slice(1, 5));
    print(`${name}: ${n} items, ${Math.round(times[9] * 1000 / (n / 10))} ns/item in the last tenth, ` +
        `${perItem.toFixed(2)} bytes/item over the second half, later tenths ${slowdown.toFixed(2)} x the earlier`);
    const failures = [];
    failures.perItem = perItem;
    if (perItem > maxBytesPerItem)
        failures.push(`${name}: memory grows by ${perItem.toFixed(1)} bytes an item`);
    if (slowdown > MAX_SLOWDOWN)
        failures.push(`${name}: the later tenths took ${slowdown.toFixed(2)} x the earlier`);
    return failures;
};

const main = async () => {
    const reference = await soak('gjs, a JavaScript async generator (the reference)',
        numbers(ITEMS), ITEMS, Infinity);
    // Flat, or at most what the language's own generators grow by.
    let failures = await soak('gjs, a C body that does not await',
        AgenTest.counter(ITEMS, new AgenTest.Log()), ITEMS,
        Math.max(MAX_BYTES_PER_ITEM, reference.perItem));
    const gate = new AgenTest.Gate();
    gate.leave_open();
    const awaiting = Math.max(ITEMS / 10, 10);
    failures = failures.concat(await soak('gjs, a C body that awaits every item',
        AgenTest.gated(awaiting, gate, new AgenTest.Log()), awaiting));
    return failures;
};

Agen.GC_INTERVAL = 0;   // the item path needs none: prove it
const loop = new GLib.MainLoop(null, false);
let problems = [];
main().then(f => {
    problems = f;
}, e => {
    problems = [`${e}`];
}).finally(() => loop.quit());
loop.run();
for (const problem of problems)
    printerr(`FAIL: ${problem}`);
System.exit(problems.length > 0 ? 1 : 0);
