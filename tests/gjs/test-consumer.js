// test-consumer.js: next/throw/return of Agen.Generator on C bodies
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GObject from 'gi://GObject';
import AgenTest from 'gi://AgenTest';
import {
    Agen, GLib, Gio, run, assert, assertEqual, assertDeepEqual, assertResult,
    assertGError, rejection, until, AGEN_DOMAIN, IO_DOMAIN,
} from './harness.js';

const entries = log => log.dup_entries();

run({
    async 'next gives {value, done} and ends with done'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.counter(2, log);
        assertEqual(gen.state, Agen.GeneratorState.CREATED, 'state');
        assertResult(await gen.next(), 0, false, 'first');
        assertEqual(gen.state, Agen.GeneratorState.SUSPENDED, 'state');
        assertResult(await gen.next(), 1, false, 'second');
        assertResult(await gen.next(), undefined, true, 'end');
        assertDeepEqual(entries(log), ['cleanup']);
        assertResult(await gen.next(), undefined, true, 'after the end');
        assertResult(await gen.next(42), undefined, true, 'send after the end');
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'state');
    },

    async 'next(v) sends v; the first value is ignored as in ECMAScript'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.echo(log);
        assertResult(await gen.next('ignored'), null, false, 'first: bare yield');
        assertResult(await gen.next(5), 5, false, 'int');
        assertResult(await gen.next(1.5), 1.5, false, 'double');
        assertResult(await gen.next(-(2 ** 31)), -(2 ** 31), false, 'int min');
        assertResult(await gen.next(2 ** 40), 2 ** 40, false, 'big number');
        assertResult(await gen.next('text'), 'text', false, 'string');
        assertResult(await gen.next(''), '', false, 'empty string');
        assertResult(await gen.next(true), true, false, 'boolean');
        assertResult(await gen.next(false), false, false, 'false');
        assertResult(await gen.next(10n), 10, false, 'bigint');
        assertResult(await gen.next(undefined), null, false, 'undefined is next');
        assertResult(await gen.next(null), null, false, 'null is next');
        const v = new GObject.Value();
        v.init(GObject.TYPE_INT64);
        v.set_int64(7);
        assertResult(await gen.next(v), 7, false, 'GObject.Value');
        const variant = GLib.Variant.new_string('v');
        const r = await gen.next(variant);
        assert(r.value instanceof GLib.Variant, 'GLib.Variant comes back');
        assertEqual(r.value.unpack(), 'v', 'variant');
        const cancellable = new Gio.Cancellable();
        assertEqual((await gen.next(cancellable)).value, cancellable, 'GObject identity');
        await gen.return();
        assertDeepEqual(entries(log), ['cleanup']);
    },

    async 'JS-only values pass through C and come back as themselves'() {
        const gen = AgenTest.echo(new AgenTest.Log());
        await gen.next();
        const values = [{a: 1}, [1, 2], () => 3, Symbol('s'), new Map([[1, 2]]),
            new (class Point {})(), Object.create(null), new Error('not thrown')];
        for (const value of values) {
            // eslint-disable-next-line no-await-in-loop
            const r = await gen.next(value);
            assertEqual(r.value, value, `identity of a ${typeof value}`);
        }
        await gen.return();
    },

    async 'bad values reject with a clear error and leave the generator alone'() {
        const gen = AgenTest.echo(new AgenTest.Log());
        await gen.next();
        const e1 = await rejection(gen.next(new GObject.Value()), 'uninitialised GObject.Value');
        assert(e1 instanceof TypeError, `TypeError, got ${e1}`);
        const e2 = await rejection(gen.next(2n ** 70n), 'huge bigint');
        assert(e2 instanceof RangeError, `RangeError, got ${e2}`);
        assertEqual(gen.state, Agen.GeneratorState.SUSPENDED, 'untouched');
        assertResult(await gen.next(3), 3, false, 'still works');
        await gen.return();
    },

    async 'a C consumer sees a JS object as an opaque AgenJsValue'() {
        // consume_all prints the items; echo yields what it is sent, so
        // use a JS body to yield JS-only values to C.
        const items = [{a: 1}, [1], 'x', 3, 2.5, true, null];
        const gen = Agen.Generator.fromAsyncIterable(items);
        const got = await new Promise((resolve, reject) => {
            AgenTest.consume_all_async(gen, null, (s, res) => {
                try {
                    resolve(AgenTest.consume_all_finish(s, res));
                } catch (e) {
                    reject(e);
                }
            });
        });
        assertEqual(got.length, items.length, 'count');
        assert(got[0].startsWith('((AgenJsValue*)'), `object: ${got[0]}`);
        assert(got[1].startsWith('((AgenJsValue*)'), `array: ${got[1]}`);
        assertDeepEqual(got.slice(2), ['x', '3', '2.500000', 'TRUE', 'NULL']);
    },

    async 'throw into catcher is caught; a JS error is mapped to G_IO_ERROR_FAILED'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.catcher(3, log);
        assertResult(await gen.next(), 0, false, 'first');
        assertResult(await gen.throw(new TypeError('boom')), -1, false, 'caught');
        // (the `yield -1` is in the except block: a throw there propagates)
        assertResult(await gen.next(), 1, false, 'goes on');
        assertResult(await gen.throw(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'lost')),
            -1, false, 'caught GLib.Error');
        assertResult(await gen.next(), 2, false, 'goes on');
        assertResult(await gen.throw('plain string'), -1, false, 'caught string');
        assertDeepEqual(entries(log), ['caught TypeError: boom', 'caught lost', 'caught plain string']);
        assertResult(await gen.return('bye'), 'bye', true, 'return(v)');
        assertDeepEqual(entries(log).at(-1), 'cleanup');
    },

    async 'an uncaught throw rejects with the very value thrown'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.counter(3, log);
        await gen.next();
        const error = new RangeError('out');
        assertEqual(await rejection(gen.throw(error)), error, 'identity');
        assertDeepEqual(entries(log), ['cleanup']);
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');

        const gen2 = AgenTest.counter(3, new AgenTest.Log());
        await gen2.next();
        const gerror = new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.TIMED_OUT, 'slow');
        const e = await rejection(gen2.throw(gerror));
        assertEqual(e, gerror, 'GLib.Error identity');
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.TIMED_OUT, 'GLib.Error');
    },

    async 'throw before the start finishes the generator without running it'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.counter(3, log);
        const error = new Error('early');
        assertEqual(await rejection(gen.throw(error)), error, 'rejects with e');
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
        assertDeepEqual(entries(log), [], 'body never ran');
        assertResult(await gen.next(), undefined, true, 'next after');
    },

    async 'throw on a finished generator rejects with e (ECMAScript)'() {
        const gen = AgenTest.counter(0, new AgenTest.Log());
        assertResult(await gen.next(), undefined, true, 'empty');
        const error = {any: 'value'};
        assertEqual(await rejection(gen.throw(error)), error, 'rejects with e');
    },

    async 'return closes: cleanup runs; return before start and after end'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.counter(3, log);
        assertResult(await gen.return(5), 5, true, 'before start');
        assertDeepEqual(entries(log), [], 'never ran');
        assertResult(await gen.next(), undefined, true, 'closed');

        const gen2 = AgenTest.counter(3, log);
        await gen2.next();
        assertResult(await gen2.return(), undefined, true, 'at a yield');
        assertDeepEqual(entries(log), ['cleanup']);
        assertResult(await gen2.return('again'), 'again', true, 'after the end');
    },

    async 'return of yields_in_close rejects with IGNORED_EXIT'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.yields_in_close(3, log);
        await gen.next();
        const e = await rejection(gen.return());
        assertGError(e, AGEN_DOMAIN, Agen.Error.IGNORED_EXIT, 'close');
        assertDeepEqual(entries(log), ['ignoring exit']);
        // The body stays at that yield: next resumes it, a close fails again.
        assertResult(await gen.next(), 1, false, 'resumes');
        assertGError(await rejection(gen.return()), AGEN_DOMAIN, Agen.Error.IGNORED_EXIT, 'close again');
        assertGError(await rejection(gen.throw(new Error('x'))), AGEN_DOMAIN, Agen.Error.IGNORED_EXIT, 'throw');
    },

    async 'return of raises_in_cleanup rejects with its error (domain and code kept)'() {
        const log = new AgenTest.Log();
        const gen = AgenTest.raises_in_cleanup(3, log);
        await gen.next();
        const e = await rejection(gen.return());
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.FAILED, 'close');
        assertEqual(e.message, 'cleanup failed', 'message');
        assertDeepEqual(entries(log), ['cleanup']);
        assertEqual(gen.state, Agen.GeneratorState.FINISHED, 'finished');
    },

    async 'a body that raises rejects next with its GLib.Error'() {
        const gen = AgenTest.raises_in_cleanup(1, new AgenTest.Log());
        assertResult(await gen.next(), 0, false, 'item');
        const e = await rejection(gen.next());
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.FAILED, 'raised');
        assertResult(await gen.next(), undefined, true, 'finished');
    },

    async 'return whose cleanup awaits resolves after the cleanup'() {
        const log = new AgenTest.Log();
        const gate = new AgenTest.Gate();
        const gen = AgenTest.cleanup_awaits(3, gate, log);
        await gen.next();
        let settled = false;
        const closing = gen.return().finally(() => (settled = true));
        await until(() => gate.get_n_waiters() === 1, 'the cleanup awaits the gate');
        assert(!settled, 'not before the cleanup is done');
        assertDeepEqual(entries(log), ['cleanup start']);
        gate.open();
        assertResult(await closing, undefined, true, 'closed');
        assertDeepEqual(entries(log), ['cleanup start', 'cleanup end']);
    },

    async 'a cancellable cancels an await: CANCELLED keeps domain and code'() {
        const log = new AgenTest.Log();
        const gate = new AgenTest.Gate();
        const gen = AgenTest.gated(3, gate, log);
        const cancellable = new Gio.Cancellable();
        const pending = gen.next(undefined, cancellable);
        await until(() => gate.get_n_waiters() === 1, 'the body awaits');
        cancellable.cancel();
        const e = await rejection(pending);
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.CANCELLED, 'cancelled');
        assertDeepEqual(entries(log), ['cleanup']);
        assertResult(await gen.next(), undefined, true, 'finished');
    },

    async 'a C operation in flight makes ours reject with PENDING'() {
        const gate = new AgenTest.Gate();
        const gen = AgenTest.gated(2, gate, new AgenTest.Log());
        let cDone = false;
        gen.next_async(null, (s, r) => {
            s.next_finish(r);
            cDone = true;
        });
        const e = await rejection(gen.next());
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.PENDING, 'pending');
        gate.open();
        await until(() => cDone, 'the C call');
        gate.open();
        const p = gen.next();
        await until(() => gate.get_n_waiters() === 1, 'waits');
        gate.open();
        assertResult(await p, 1, false, 'next still works');
        await gen.return();
    },
    // docs/reference/semantics.xml, contract-consumer: taking an item that
    // is ready now.
    async 'next_now and send_now take what is ready; a pending outcome comes through the ready func'() {
        const {ITEM, END, PENDING} = Agen.NowStatus;
        const values = Agen.Generator.new_values([1, 2]);
        assertDeepEqual(values.next_now(null), [ITEM, 1], 'first');
        assertDeepEqual(values.send_now(null, null), [ITEM, 2], 'second');
        assertDeepEqual(values.next_now(null), [END, null], 'end');

        const gate = new AgenTest.Gate();
        const gen = AgenTest.gated(1, gate, new AgenTest.Log());
        const states = [];
        gen.set_ready_func(self => states.push(self.state));
        assertDeepEqual(gen.next_now(null), [PENDING, null], 'pending');
        assertDeepEqual(gen.next_now(null), [PENDING, null], 'still pending');
        gate.open();
        await until(() => states.length > 0, 'the ready func');
        assertDeepEqual(states, [Agen.GeneratorState.RUNNING], 'held until taken');
        assertDeepEqual(gen.next_now(null), [ITEM, 0], 'taken');
        assertEqual(gen.state, Agen.GeneratorState.SUSPENDED, 'state');
        gen.set_ready_func(null);
        await gen.return();
    },

    // The typed forms of next_now: the item itself, get_now_status() for
    // the rest; an item of another type stays for next_now().
    async 'the typed forms of next_now take an item of their type, and leave any other'() {
        const {ITEM, END, FAILED, OTHER_TYPE} = Agen.NowStatus;
        const big = new GObject.Value();
        big.init(GObject.TYPE_INT64);
        big.set_int64(2 ** 40);
        const object = new Gio.Cancellable();
        const items = [true, 7, big, 2.5, 'text', object, 0, false, ''];
        const gen = Agen.Generator.new_values(items);
        const forms = ['next_boolean_now', 'next_int_now', 'next_int64_now', 'next_double_now',
            'next_string_now', 'next_object_now'];
        const zeros = [false, 0, 0, 0, null, null];
        const expected = [true, 7, 2 ** 40, 2.5, 'text', object];
        forms.forEach((right, i) => {
            for (const [j, other] of forms.entries()) {
                if (other === right)
                    continue;
                assertEqual(gen[other](null), zeros[j], `${other} on the item of ${right}`);
                assertEqual(gen.get_now_status(), OTHER_TYPE, `${other}: another type`);
                assertEqual(gen.state, Agen.GeneratorState.RUNNING, 'held until taken');
            }
            assertEqual(gen[right](null), expected[i], right);
            assertEqual(gen.get_now_status(), ITEM, `${right}: an item`);
        });
        assertEqual(gen.next_int_now(null), 0, 'a 0');
        assertEqual(gen.get_now_status(), ITEM, 'a 0 is an item');
        assertEqual(gen.next_int_now(null), 0, 'false, for next_int_now');
        assertEqual(gen.get_now_status(), OTHER_TYPE, 'false is not an int');
        assertDeepEqual(gen.next_now(null), [ITEM, false], 'next_now takes it');
        assertEqual(gen.next_string_now(null), '', 'an empty string');
        assertEqual(gen.get_now_status(), ITEM, 'is an item');
        assertEqual(gen.next_string_now(null), null, 'the end');
        assertEqual(gen.get_now_status(), END, 'END');

        const failing = Agen.Generator.new_values([1]).map(() => {
            throw new RangeError('from the map');
        });
        let thrown = null;
        try {
            failing.next_int_now(null);
        } catch (e) {
            thrown = e;
        }
        assert(thrown !== null, 'a failure throws');
        assertEqual(failing.get_now_status(), FAILED, 'FAILED');
    },

    async 'for await keeps every item, and its type, when the item types vary'() {
        const big = new GObject.Value();
        big.init(GObject.TYPE_INT64);
        big.set_int64(-(2 ** 40));
        const unsigned = new GObject.Value();
        unsigned.init(GObject.TYPE_UINT);
        unsigned.set_uint(2 ** 31);
        const object = new Gio.Cancellable();
        const items = [1, 2, 0, 3, 'a', '', 'b', 2.5, 0.5, 4, big, 5, unsigned, 6, true, false, object, null,
            object, 7, 'c', 8];
        const got = [];
        for await (const item of Agen.Generator.new_values(items))
            got.push(item);
        assertDeepEqual(got, [1, 2, 0, 3, 'a', '', 'b', 2.5, 0.5, 4, -(2 ** 40), 5, 2 ** 31, 6, true, false,
            object, null, object, 7, 'c', 8]);
        for (const [i, value] of [object, object].entries())
            assertEqual(got[[16, 18][i]], value, 'the same object');
    },

    async 'for await on typed items: a thrown error keeps its type, break closes, a cancelled next rejects'() {
        const error = new RangeError('the fourth');
        const gen = Agen.Generator.new_values([1, 2, 3, 4, 5]).map(x => {
            if (x === 4)
                throw error;
            return x * 10;
        });
        const got = [];
        const failure = await rejection((async () => {
            for await (const item of gen)
                got.push(item);
        })());
        assertEqual(failure, error, 'the very error');
        assertDeepEqual(got, [10, 20, 30]);

        const log = new AgenTest.Log();
        const counter = AgenTest.counter(10, log);
        for await (const item of counter) {
            if (item === 3)
                break;
        }
        assertDeepEqual(entries(log), ['cleanup'], 'break closed it');
        assertEqual(counter.state, Agen.GeneratorState.FINISHED, 'finished');

        const cancellable = new Gio.Cancellable();
        const strings = Agen.Generator.new_values(['a', 'b', 'c']);
        assertResult(await strings.next(undefined, cancellable), 'a', false, 'first');
        assertResult(await strings.next(undefined, cancellable), 'b', false, 'typed');
        cancellable.cancel();
        assertGError(await rejection(strings.next(undefined, cancellable)), IO_DOMAIN, Gio.IOErrorEnum.CANCELLED);
        assertResult(await strings.next(), 'c', false, 'a refused next takes nothing');
    },

    async 'a next queued behind a pending one is issued once it is taken'() {
        const gate = new AgenTest.Gate();
        const gen = AgenTest.gated(3, gate, new AgenTest.Log());
        const first = gen.next();
        const second = gen.next();
        gate.leave_open();
        assertResult(await first, 0, false, 'first');
        assertResult(await second, 1, false, 'second');
        assertResult(await gen.next(), 2, false, 'third');
        assertResult(await gen.next(), undefined, true, 'end');
    },
});
