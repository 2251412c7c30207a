// test-time.js: the time operators and Agen.sleep from GJS
//
// docs/reference/semantics.xml, section contract-time. The override checks
// the times (RangeError), takes a JS factory for retry (an Agen.Generator
// or an async iterable; what it throws comes out as itself) and adds
// Agen.sleep(ms). Real time, short waits: the rules themselves are checked
// in virtual time by tests/test-time.c and tests/python/test_time_model.py.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import {
    Agen, GLib, Gio, run, assert, assertEqual, assertDeepEqual, assertGError, rejection, until, IO_DOMAIN,
} from './harness.js';

run({
    async 'Agen.sleep waits in a JS body'() {
        const started = GLib.get_monotonic_time();
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            for (let i = 0; i < 3; i++) {
                // eslint-disable-next-line no-await-in-loop
                await Agen.sleep(5);
                yield i;
            }
        })());
        assertDeepEqual(await gen.collect(), [0, 1, 2]);
        assert(GLib.get_monotonic_time() - started >= 15000, 'waited 3 × 5 ms');
    },

    async 'Agen.sleep is cancelled by its cancellable'() {
        const cancellable = new Gio.Cancellable();
        const sleeping = Agen.sleep(60000, cancellable);
        cancellable.cancel();
        assertGError(await rejection(sleeping), IO_DOMAIN, Gio.IOErrorEnum.CANCELLED, 'cancelled');
    },

    async 'debounce and throttle of a burst'() {
        assertDeepEqual(await Agen.Generator.new_values([1, 2, 3]).debounce(20).collect(), [3]);
        assertDeepEqual(await Agen.Generator.new_values([1, 2, 3]).throttle(20).collect(), [1, 3]);
    },

    // A JS body cannot be interrupted at its await (see the override): the
    // timeout comes at once, and the body's finally runs when its await
    // settles.
    async 'timeout cancels a slow JS body and raises TIMED_OUT'() {
        const log = [];
        const gen = Agen.Generator.fromAsyncIterable((async function* () {
            try {
                yield 'first';
                await Agen.sleep(200);
                yield 'never';
            } finally {
                log.push('finally');
            }
        })(), {name: 'slow'}).timeout(30);
        assertEqual((await gen.next()).value, 'first');
        const e = await rejection(gen.next());
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.TIMED_OUT, 'timed out');
        assert(e.message.startsWith('slow: '), e.message);
        assertDeepEqual(log, [], 'not yet');
        await until(() => log.length === 1, 'the cleanup ran once the await settled');
        assertDeepEqual(log, ['finally']);
    },

    async 'bad times are RangeErrors'() {
        const gen = Agen.Generator.new_values([1]);
        for (const bad of [0, -1, 1.5, NaN, '10', 2 ** 32]) {
            for (const name of ['debounce', 'throttle', 'timeout']) {
                let thrown = null;
                try {
                    gen[name](bad);
                } catch (e) {
                    thrown = e;
                }
                assert(thrown instanceof RangeError, `${name}(${bad}): ${thrown}`);
            }
        }
        let thrown = null;
        try {
            Agen.Generator.retry(() => null, 0);
        } catch (e) {
            thrown = e;
        }
        assert(thrown instanceof RangeError, `retry with 0 attempts: ${thrown}`);
    },

    async 'retry with JS factories'() {
        const made = [];
        const factory = attempt => {
            made.push(attempt);
            return (async function* () {
                if (attempt < 3)
                    throw new RangeError(`attempt ${attempt}`);
                yield `ok ${attempt}`;
            })();
        };
        assertDeepEqual(await Agen.Generator.retry(factory, 5, 1).collect(), ['ok 3']);
        assertDeepEqual(made, [1, 2, 3]);

        made.length = 0;
        const e = await rejection(Agen.Generator.retry(factory, 2).collect());
        assert(e instanceof RangeError && e.message === 'attempt 2', `the last attempt's error: ${e}`);
        assertDeepEqual(made, [1, 2]);
    },

    async 'a failing factory comes out of the retry'() {
        const oops = new SyntaxError('no');
        const e = await rejection(Agen.Generator.retry(() => {
            throw oops;
        }, 3).collect());
        assert(e === oops, `the very value: ${e}`);
        const e2 = await rejection(Agen.Generator.retry(() => 42, 3).collect());
        assert(e2 instanceof TypeError, `not a generator: ${e2}`);
    },
});
