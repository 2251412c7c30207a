// test-streams.js: sources, combinators and Agen.ListModel from GJS
//
// The override adds map(fn) and filter(fn) with plain JS functions (what
// they throw comes out as itself), collect() (a promise of an Array) and
// GValueArray items as Arrays.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GObject from 'gi://GObject';
import AgenTest from 'gi://AgenTest';
import {
    Agen, GLib, Gio, run, assert, assertEqual, assertDeepEqual, assertGError, assertJsError,
    rejection, until, sleep, IO_DOMAIN,
} from './harness.js';

function memoryStream(text) {
    return Gio.MemoryInputStream.new_from_bytes(new GLib.Bytes(new TextEncoder().encode(text)));
}

// The C consumer: every item, as strings.
function consumeAll(gen) {
    return new Promise((resolve, reject) => {
        AgenTest.consume_all_async(gen, null, (source, result) => {
            try {
                resolve(AgenTest.consume_all_finish(source, result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

// A JS source that logs how it ends.
async function* logged(items, log) {
    try {
        for (const item of items) {
            // eslint-disable-next-line no-await-in-loop
            await sleep(0);
            yield item;
        }
        log.push('end');
    } finally {
        log.push('finally');
    }
}

const Item = GObject.registerClass({
    GTypeName: 'AgenTestStreamsItem',
    Properties: {
        n: GObject.ParamSpec.int('n', 'n', 'n', GObject.ParamFlags.READWRITE, 0, 1000, 0),
    },
}, class Item extends GObject.Object {});

const Emitter = GObject.registerClass({
    GTypeName: 'AgenTestStreamsEmitter',
    Signals: {ping: {param_types: [GObject.TYPE_INT, GObject.TYPE_STRING]}},
}, class Emitter extends GObject.Object {});

run({
    async 'lines of a memory stream through for await'() {
        const stream = memoryStream('alpha\nbeta\r\n\ngamma');
        const lines = [];
        for await (const line of Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT))
            lines.push(line);
        assertDeepEqual(lines, ['alpha', 'beta', '', 'gamma']);
        assert(stream.is_closed(), 'the stream is closed');
    },

    async 'break out of lines closes the stream'() {
        const stream = memoryStream('one\ntwo\nthree\n');
        for await (const line of Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT)) {
            assertEqual(line, 'one');
            break;
        }
        assert(stream.is_closed(), 'closed by break');
    },

    async 'map, filter and take with JS functions'() {
        const values = [...Array(20).keys()];
        const pipeline = Agen.Generator.new_values(values)
            .map(x => x * 2)
            .filter(x => x % 3 === 0)
            .take(4);
        assertDeepEqual(await pipeline.collect(), [0, 6, 12, 18]);
    },

    async 'a pipeline closes its JS source once'() {
        const log = [];
        const source = Agen.Generator.fromAsyncIterable(logged([1, 2, 3, 4, 5], log));
        const pipeline = source.map(x => `<${x}>`).take(2);
        const got = [];
        for await (const x of pipeline)
            got.push(x);
        assertDeepEqual(got, ['<1>', '<2>']);
        assertDeepEqual(log, ['finally'], 'take closed the source');
        assertEqual(source.state, Agen.GeneratorState.FINISHED, 'source finished');
    },

    async 'what a map function throws comes out as itself, after the source is closed'() {
        const log = [];
        const oops = new RangeError('no three');
        // Through a take too, which puts its source's name before the message.
        const mapped = Agen.Generator.fromAsyncIterable(logged([1, 2, 3, 4], log)).map(x => {
            if (x === 3)
                throw oops;
            return x;
        }).take(10);
        const got = [];
        const e = await rejection((async () => {
            for await (const x of mapped)
                got.push(x);
        })());
        assertEqual(e, oops, 'the very exception');
        assertDeepEqual(got, [1, 2]);
        assertDeepEqual(log, ['finally'], 'the map closed its source');

        // A C consumer sees a GError of the JavaScript domain, "Name: message".
        const c = await rejection(consumeAll(Agen.Generator.new_values([1]).map(() => {
            throw new TypeError('bad');
        })));
        assertJsError(c, 'TypeError: bad', 'C sees');

        // A GLib.Error keeps its domain and code.
        const g = await rejection(Agen.Generator.new_values([1]).map(() => {
            throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.PERMISSION_DENIED, 'denied');
        }).next());
        assertGError(g, IO_DOMAIN, Gio.IOErrorEnum.PERMISSION_DENIED, 'GLib.Error');
    },

    async 'a C consumer gets what a JS map returns'() {
        const results = [3, 'text', null, 2n ** 40n, 2.5, true];
        const mapped = Agen.Generator.new_values([0, 1, 2, 3, 4, 5]).map(i => results[i]);
        assertDeepEqual(await consumeAll(mapped), ['3', 'text', 'NULL', '1099511627776', '2.500000', 'TRUE']);
        // Plain objects travel as Agen.JsValue and come back unchanged.
        const box = {a: 1};
        const [back] = await Agen.Generator.new_values([1]).map(() => box).collect();
        assertEqual(back, box, 'the same object');
        const e = await rejection(Agen.Generator.new_values([1]).map(() => new GObject.Value()).collect());
        assert(e instanceof TypeError, `a GObject.Value result is a TypeError: ${e}`);
    },

    async 'what a filter predicate throws comes out as itself, after the source is closed'() {
        const log = [];
        const oops = new RangeError('cannot tell');
        const odd = x => {
            if (x === 3)
                throw oops;
            return x % 2 === 1;
        };
        const source = Agen.Generator.fromAsyncIterable(logged([1, 2, 3, 4], log));
        const filtered = source.filter(odd).take(10);
        const got = [];
        const e = await rejection((async () => {
            for await (const x of filtered)
                got.push(x);
        })());
        assertEqual(e, oops, 'the very exception');
        assertDeepEqual(got, [1]);
        assertDeepEqual(log, ['finally'], 'the filter closed its source, once');
        assertEqual(source.state, Agen.GeneratorState.FINISHED, 'source finished');

        // The same through collect(); a C consumer sees a GError naming it.
        const c = await rejection(Agen.Generator.new_values([1, 3]).filter(odd).collect());
        assertEqual(c, oops, 'collect rejects with the very exception');
        const g = await rejection(consumeAll(Agen.Generator.new_values([3]).filter(odd)));
        assertJsError(g, 'RangeError: cannot tell', 'C sees');
    },

    async 'enumerate, zip, batch and signal items are Arrays'() {
        assertDeepEqual(await Agen.Generator.new_values(['a', 'b']).enumerate().collect(),
            [[0, 'a'], [1, 'b']]);
        for await (const [i, letter] of Agen.Generator.new_values(['a', 'b']).enumerate())
            assertEqual(letter, 'ab'[i]);
        const zipped = Agen.Generator.zip([Agen.Generator.new_values(['a', 'b']),
            Agen.Generator.new_values([1, 2, 3])]);
        assertDeepEqual(await zipped.collect(), [['a', 1], ['b', 2]]);
        assertDeepEqual(await Agen.Generator.new_values([1, 2, 3]).batch(2, 0).enumerate().collect(),
            [[0, [1, 2]], [1, [3]]]);

        const emitter = new Emitter();
        const pings = Agen.Generator.new_signal(emitter, 'ping', 4, Agen.OverflowPolicy.DROP_OLDEST);
        emitter.emit('ping', 1, 'one');
        const {value} = await pings.next();
        assertDeepEqual(value, [1, 'one']);
        await pings.return();
    },

    async 'enumerate_tuples, zip_tuples and batch_tuples items are Arrays'() {
        assertDeepEqual(await Agen.Generator.new_values(['a', 'b']).enumerate_tuples().collect(),
            [[0, 'a'], [1, 'b']]);
        for await (const [i, letter] of Agen.Generator.new_values(['a', 'b']).enumerate_tuples())
            assertEqual(letter, 'ab'[i]);
        const zipped = Agen.Generator.zip_tuples([Agen.Generator.new_values(['a', 'b']),
            Agen.Generator.new_values([1, 2, 3])]);
        assertDeepEqual((await zipped.next()).value, ['a', 1]);
        const seen = [];
        await zipped.foreach(item => {
            seen.push(item);
        });
        assertDeepEqual(seen, [['b', 2]]);
        const sums = Agen.Generator.new_values([1, 2, 3]).batch_tuples(2, 0).map(b => b[0] + (b[1] ?? 0));
        assertDeepEqual(await sums.collect(), [3, 3]);
        assertDeepEqual(await Agen.Generator.new_values([1, 2, 3]).batch_tuples(2, 0).enumerate_tuples().collect(),
            [[0, [1, 2]], [1, [3]]]);
    },

    async 'a list model of Agen.ValueItem holds any values; of Agen.Tuple, tuples'() {
        async function* items() {
            yield 'one';
            yield 2;
            yield new Item({n: 3});
        }
        const model = Agen.ListModel.new(Agen.Generator.fromAsyncIterable(items()), Agen.ValueItem.$gtype, 10);
        model.load_more();
        await until(() => !model.loading, 'loaded');
        assert(model.complete, 'complete');
        assertEqual(model.get_item(0).value, 'one');
        assertEqual(model.get_item(1).value, 2);
        assertEqual(model.get_item(2).value.n, 3);
        assertEqual(model.get_item(0).get_value(), 'one');

        const pairs = Agen.ListModel.new(Agen.Generator.new_values(['x', 'y']).enumerate_tuples(),
            Agen.Tuple.$gtype, 10);
        pairs.load_more();
        await until(() => !pairs.loading, 'loaded');
        assertDeepEqual([...pairs.get_item(1)], [1, 'y']);
    },

    async 'chain takes an Array; collect rejects with the error of the source'() {
        const chained = Agen.Generator.chain([Agen.Generator.new_values([1, 2]),
            Agen.Generator.new_values([3])]);
        assertDeepEqual(await chained.collect(), [1, 2, 3]);

        async function* failing() {
            yield 1;
            throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.TIMED_OUT, 'late');
        }
        const e = await rejection(Agen.Generator.fromAsyncIterable(failing()).collect());
        assertGError(e, IO_DOMAIN, Gio.IOErrorEnum.TIMED_OUT, 'collect');
    },

    async 'a list model loads pages from a JS generator'() {
        async function* items() {
            for (let n = 0; n < 7; n++) {
                // eslint-disable-next-line no-await-in-loop
                await sleep(0);
                yield new Item({n});
            }
        }
        const model = Agen.ListModel.new(Agen.Generator.fromAsyncIterable(items()), Item.$gtype, 3);
        const changes = [];
        model.connect('items-changed', (_model, position, removed, added) =>
            changes.push([position, removed, added]));

        model.load_more();
        assert(model.loading, 'loading');
        await until(() => !model.loading, 'the first page');
        assertEqual(model.get_n_items(), 3, 'one page');
        assertEqual(changes.reduce((sum, [, , added]) => sum + added, 0), 3, 'announced');

        model.autoload_limit = 100;
        await until(() => model.complete, 'complete');
        const ns = [];
        for (let i = 0; i < model.get_n_items(); i++)
            ns.push(model.get_item(i).n);
        assertDeepEqual(ns, [0, 1, 2, 3, 4, 5, 6]);
        assertEqual(model.error, null, 'no error');
        let position = 0;
        for (const [at, removed, added] of changes) {
            assertDeepEqual([at, removed], [position, 0], 'appended in order');
            position += added;
        }
        assertEqual(position, 7, 'all announced');
    },

    async 'announce_interval batches items-changed while loading, and announces the rest at the end'() {
        const values = Array.from({length: 2000}, (_, i) => i);
        const model = Agen.ListModel.new(Agen.Generator.new_values(values), Agen.ValueItem.$gtype, 1);
        assertEqual(model.announce_interval, 0, 'none by default');
        const notified = [];
        model.connect('notify::announce-interval', () => notified.push(model.announce_interval));
        model.announce_interval = 60000;
        assertDeepEqual(notified, [60000], 'notified');
        assertEqual(model.get_announce_interval(), 60000);
        const changes = [];
        model.connect('items-changed', (_model, position, removed, added) =>
            changes.push([position, removed, added]));
        model.autoload_limit = 10000;
        await until(() => model.complete, 'complete');
        assertDeepEqual(changes, [[0, 0, 1], [1, 0, 1999]], 'the first at once, the rest at the end');
        assertEqual(model.get_n_items(), 2000);
        assertEqual(model.get_item(1999).value, 1999);
    },

    async 'foreach calls the function for each item; false stops it, which closes the source'() {
        const seen = [];
        await Agen.Generator.new_values([1, 2, 3]).foreach(x => {
            seen.push(x);
        });
        assertDeepEqual(seen, [1, 2, 3]);

        const log = [];
        seen.length = 0;
        await Agen.Generator.fromAsyncIterable(logged([1, 2, 3], log)).foreach(x => {
            seen.push(x);
            return x < 2;
        });
        assertDeepEqual(seen, [1, 2]);
        assertDeepEqual(log, ['finally'], 'closed');
    },

    async 'foreach rejects with the very value the function or the body threw'() {
        const oops = new RangeError('from the function');
        const log = [];
        const e = await rejection(Agen.Generator.fromAsyncIterable(logged([1, 2, 3], log)).foreach(x => {
            if (x === 2)
                throw oops;
        }));
        assert(e === oops, `the function's: ${e}`);
        assertDeepEqual(log, ['finally'], 'closed');

        const late = new TypeError('from the body');
        const e2 = await rejection(Agen.Generator.fromAsyncIterable((async function* () {
            yield 1;
            throw late;
        })()).foreach(() => {}));
        assert(e2 === late, `the body's: ${e2}`);
    },
});
