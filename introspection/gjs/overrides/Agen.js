// Agen.js: the GJS override of agen-glib (GIR namespace Agen 1.0)
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// ECMAScript async generators (PEP 525's twin) over agen-glib, for GJS 1.74.
//
// CONSUMING a generator (any Agen.Generator, whatever its body is written in)
// -------------------------------------------------------------------------
// Agen.Generator is an async iterator with the methods of an ECMAScript async
// generator object; each returns a Promise of an iterator result {value, done}:
//
//     for await (const item of gen) { ... }   // break / throw closes gen
//     const {value, done} = await gen.next(v); // v undefined or null: next_async
//     await gen.throw(e);                      // throw_async
//     await gen.return(v);                     // close_async
//
// Each method takes an optional extra argument, a Gio.Cancellable for the
// operation: gen.next(undefined, cancellable).
//
//   * Requests made while one is in flight are queued and issued one at a
//     time, in order, as ECMAScript queues them (the C library itself refuses
//     a second operation in flight with G_IO_ERROR_PENDING).
//   * next(v): the body yielded -> {value, done: false}; the body finished
//     (then every later next) -> {value: undefined, done: true}; the body
//     raised -> rejects with the GLib.Error (domain and code kept).
//     As in ECMAScript, the value given to the first next() of a generator
//     that has not started is ignored (the C API would refuse it with
//     AGEN_ERROR_NOT_STARTED).
//   * throw(e): e is thrown in at the yield (see the error mapping below):
//     caught and yields -> {value, done: false}; caught and returns ->
//     {value: undefined, done: true}; uncaught -> rejects with e itself (the
//     very value given, when the error comes back out unchanged: same domain,
//     code and message).
//     CHOICE: throw() on a finished generator follows ECMAScript, not the agen
//     contract (whose athrow on a finished generator ends with no error, like
//     CPython): it rejects with e, without calling into C. Before the start it
//     is the same in both: the generator finishes and the promise rejects
//     with e.
//   * return(v): close_async (AGEN_ERROR_EXIT is thrown in at the yield):
//     -> {value: v, done: true}; a close that fails rejects with its error:
//     a body that yields while closed rejects with Agen.Error.IGNORED_EXIT, a
//     cleanup that raises rejects with that error.
//
// Values (what next(v) sends, and what a JavaScript body yields) become
// GValues as GJS marshals them, except that JS-only values are boxed:
//
//     undefined, null        no value (next_async) / a G_TYPE_POINTER NULL
//                            (C's bare yield)
//     boolean                gboolean
//     number                 gint when it is an integer in the gint32 range
//                            (and not -0), else gdouble
//     bigint                 gint64 (guint64 above 2**63 - 1); beyond:
//                            RangeError
//     string                 gchararray
//     GObject.Object         the object's own type
//     GLib.Variant, GI boxed their boxed type
//     GObject.Value          as is (an uninitialised one: TypeError)
//     anything else          (plain objects, arrays, functions, symbols, class
//                            instances, Map, ...) an Agen.JsValue: a small
//                            GObject (GType AgenJsValue, registered by this
//                            override) that holds the JS value. C sees an
//                            opaque GObject that it may keep (g_value_copy
//                            refs it, which keeps the JS value alive), and
//                            JavaScript on the other side gets the very same
//                            value back. (Not GJS's own JSObject boxed GValue:
//                            in GJS 1.74 one held only by C is freed by a GC.)

// Agen.toValue(v) is that conversion (null: no value) and
// Agen.errorFromValue(e) the error mapping below, for code that calls the C
// API (next_async, send_async, throw_async, ...) directly.
//
// Items come back as GJS converts the GValue: numbers (a gint64 beyond 2**53
// loses precision, as GJS does), strings, booleans, objects; a NULL pointer,
// string or object is null (so a JS `yield undefined` arrives as null).
// A value that cannot be converted never reaches C: the promise rejects with
// a TypeError/RangeError and the generator is untouched.
//
// Errors going in (throw(e), what a JavaScript body throws, what a map,
// filter or foreach function throws):
//
//     GLib.Error                  itself: domain, code and message kept
//     anything else e             domain agen-js-exception-quark
//                                 (Agen.JS_EXCEPTION_DOMAIN), a code of its
//                                 own, message String(e) (for an Error:
//                                 "Name: message")
//
// Each value that goes in is remembered by its GError (in the JavaScript
// domain by domain and code, the code being its own; a GLib.Error by domain,
// code and message, and a combinator puts its source's name before the
// message, which is the same error), and the GError coming back out is the
// very value again (===), on every path: next, throw, return, foreach,
// collect, a map or filter function, a close agen-glib made by itself. Of
// the last 256; one that C kept longer comes out as the GLib.Error. Other
// errors coming out are GLib.Error with their domain and code:
// Agen.Error.IGNORED_EXIT, Agen.Error.NOT_STARTED and
// Gio.IOErrorEnum.PENDING (a C caller's operation is in flight) are not
// translated.
//
// A close agen-glib makes by itself (on the last unref of a suspended
// generator, at shutdown, for a consumer that stopped) is awaited by
// nobody: a failure goes to logError(), with the value thrown, once.
//
// PRODUCING a generator in JavaScript
// -----------------------------------
// Agen.Generator.fromAsyncIterable(iterable[, {name}]) wraps a JS async
// generator (or any async iterable, or a sync iterable) as an Agen.Generator
// that C, Vala and Python code can consume. Its body forwards each operation
// to the JS generator:
//
//     next / send(v)        jsGen.next() / jsGen.next(v) (v converted back as
//                           items are; a sent NULL: jsGen.next())
//     throw(E)              jsGen.throw(E as a GLib.Error)
//     close (AGEN_ERROR_EXIT)  jsGen.return()   (its finally blocks run; a
//                           yield in them gives AGEN_ERROR_IGNORED_EXIT)
//     cancellation (G_IO_ERROR_CANCELLED while a step is in flight): an
//                           async function cannot be interrupted at its
//                           await, nor a promise cancelled, so the operation
//                           fails with CANCELLED at once (promptly, as the
//                           contract asks) and the generator finishes, as
//                           with an uncaught cancellation; the JS generator
//                           is closed (jsGen.return()) as soon as the step in
//                           flight settles, so its finally blocks still run
//                           (later); what that step produced is dropped.
//     {value, done: false}  agen_generator_yield(value)
//     {done: true}          agen_generator_return() (the return value is
//                           dropped: agen-glib generators, like Python's,
//                           return nothing)
//     a rejection e         agen_generator_raise(e mapped as above)
//
// Nesting: a body of this override may await any Agen generator (C, timer,
// JavaScript), at any depth. GJS 1.74 crashes when JavaScript that runs
// inside a call into C calls the same C function again, which is what a body
// awaiting another generator from inside its consumer's next() would do: so
// every generator whose body this override makes sets dispatch-body (each
// body call comes from the main loop, never from inside a call of yours),
// and the requests it queues, and what a map, filter or foreach function
// asks for, are issued from a promise job. The one exception is the
// override's own resume of a fromAsyncIterable() body, from the promise job
// where the JS generator's step settled: no call of yours is on the stack
// there, so the body runs at once (dispatch-body is off for that call), and
// a C consumer's next item starts in the same main-loop iteration. An item
// is not even a body call: it is yielded with
// agen_generator_resume_yield(), and when the consumer asks for the next
// one inside that call (a C consumer does), the next step of the JS
// generator starts from the same promise job, without a body call either.
// Code that calls the C functions (next_async, ...) itself from inside a
// callback of a C function should do the same.
//
// A body written by hand may do the same: gen.resume_yield(awaitId, v)
// ends its await as if it yielded v (v converted by Agen.toValue()), and
// returns the id of its next await when the consumer asked for a plain
// next inside the call (0 otherwise): see agen_generator_resume_yield().
//
// Bodies written by hand use Agen.Generator.new(body) with the producer API:
// body(gen) is called at each resumption and ends in exactly one of
// gen.yield(v), gen.return() (or gen.return_()), gen.raise(e) or
// gen.suspend() (an await: returns an id for gen.resume(id, null));
// gen.catch_error() takes the error thrown in (Agen.Error.EXIT on close,
// Gio.IOErrorEnum.CANCELLED on cancellation), gen.get_sent() the value sent.
// NOTE on `return`: on an Agen.Generator, gen.return() is the consumer's
// ECMAScript return() (close), EXCEPT inside a body call of that generator,
// where it is the producer's agen_generator_return(). gen.return_() is always
// the producer's. gen.yield(v) converts v as above; gen.raise(e) takes any JS
// value (mapped as above). A JS exception escaping a body call that has not
// ended yet raises it (mapped) instead of being only logged.
// `new Agen.Generator()` throws a TypeError (a generator without a body would
// crash at its first resumption): use Agen.Generator.new(body).
//
// SOURCES, COMBINATORS AND Agen.ListModel
// ----------------------------------------
// The C API as GJS gives it, with these additions:
//
//     const lines = Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT);
//     const firsts = lines.map(l => l.toUpperCase()).filter(l => l !== '').take(10);
//     for await (const [i, line] of firsts.enumerate()) { ... }
//     const all = await Agen.Generator.zip([a, b]).collect();   // an Array
//
//   * gen.map(fn): agen_generator_map() with fn(item) -> value (GJS alone
//     would want fn to return [true, value]). The value is converted as a
//     yielded one (above); a GObject.Value cannot be returned (GJS 1.74
//     leaves the result unset): TypeError. What fn throws goes into C as
//     mapped above (a GLib.Error as itself, anything else in
//     Agen.JS_EXCEPTION_DOMAIN with a code of its own); the map closes its
//     source and raises it, and a promise of this override rejects with the
//     very value thrown, also through the combinators after the map (which
//     put their source's name before the message), as above.
//   * gen.filter(fn): agen_generator_filter() with fn(item) -> truthy. What
//     fn throws ends the filter as in map: it goes into C mapped the same
//     way, the filter closes its source and raises it, and a promise of this
//     override rejects with the very value thrown.
//   * gen.foreach(fn[, cancellable]): C's foreach, a Promise of the loop's
//     end; fn(item) returning false stops it (which closes the generator,
//     as break does), and what fn throws stops it too and rejects the
//     promise with the very value; queued with next/throw/return.
//   * gen.collect([cancellable]): a Promise of an Array of every item, from
//     foreach (GJS 1.74 cannot convert the GPtrArray of GValue of
//     collect_finish).
//   * A GValueArray item (a signal's emission, enumerate's [index, item],
//     zip's tuples, batch's groups) is an Array, nested ones too, wherever
//     items are converted (next, for await, collect, map and filter
//     functions, a sent value).
//   * gen.flat_map(fn), gen.flat_map_merge(n, fn), gen.switch_map(fn):
//     fn(item) returns an Agen.Generator or any async iterable (a JS async
//     generator, wrapped with fromAsyncIterable); anything else fails the
//     operator with a TypeError. gen.scan(fn[, initial]) with
//     fn(accumulated, item) -> value; gen.distinct([equal]) with
//     equal(item, previous) -> truthy (default ===); gen.tee([n = 2[,
//     bufferSize = 0]]) an Array of branches (see Agen.Share).
//   * chain, zip and merge take an Array of generators; new_values an Array
//     of values (converted as GJS converts them: null is NULL, a
//     BigInt a gint64, a non-int32 number a gdouble).
//   * gen.debounce(ms), gen.throttle(ms), gen.timeout(ms) and
//     Agen.Generator.retry(factory, maxAttempts[, backoffMs[, afterItems]])
//     are the time operators; a time must be a positive integer
//     (RangeError). factory(attempt) returns an Agen.Generator or an async
//     iterable; what it throws comes out of the retry as itself. A
//     timeout's GLib.Error is Gio.IOErrorEnum.TIMED_OUT. `await
//     Agen.sleep(ms[, cancellable])` waits with agen-glib's timer
//     (agen_sleep_async()), in a body or anywhere.
//   * An Agen.Tuple item (enumerate_tuples' [index, item], zip_tuples'
//     tuples, batch_tuples' groups: the forms not built on the deprecated
//     GValueArray) is an Array too, wherever items are converted. An
//     Agen.Tuple met as itself (an item of a list model) is iterable:
//     [...tuple], for (const x of tuple).
//   * Agen.ListModel is a Gio.ListModel: get_item(i), get_n_items(),
//     items-changed, and the loading/complete/error properties. A model
//     of any values has the item type Agen.ValueItem.$gtype: each item's
//     `value` is the value, converted as an item is.
//
// Known GJS 1.74.2 bug: after about 95,000 asynchronous callbacks made for
// one call each ((scope async)), GJS stops running them ("Attempting to run
// a JS callback during garbage collection" and a hang). next() and
// `for await` make none: an item that is ready is taken with
// agen_generator_next_now() or one of its typed forms (makeNext()), and one
// that is not comes through the generator's one ready func
// (agen_generator_set_ready_func()), so they need no workaround and cost
// the same whatever the size of the heap. throw(),
// return() and foreach() still take a callback per call: after every
// Agen.GC_INTERVAL of those (10,000, counted over all generators; 0
// disables it) the override calls System.gc(). A JS body consumed by C
// makes no async callbacks into JS and needs no GC.

/* exported _init */

const {GLib, GObject} = imports.gi;
const System = imports.system;

// The functions below are `const` bindings, not function declarations: GJS
// 1.74 loads this file as a legacy module, where a declared function is a
// property of the module object and a call of one costs several times more
// than a call of a `const` (a for await over a C generator did about a
// tenth more work per item).

// The namespace, set by _init: nothing below runs before it.
let Agen = null;

// Agen.Generator's methods as GJS introspects them, kept by _init before it
// replaces them: the replacements call them.
const introspected = {};
const REPLACED_METHODS = ['yield', 'yield_int', 'yield_string', 'yield_object',
    'return', 'raise', 'suspend', 'map', 'filter', 'debounce', 'throttle', 'timeout',
    'flat_map', 'flat_map_merge', 'switch_map', 'scan', 'distinct', 'tee'];

// ------------------------------------------------------------------ values

// C carries GValues only: a JS value must become one and come back out as
// the value it was, including values GValue has no type for.

// Not GJS's own JSObject boxed GValue (GObject.TYPE_JSOBJECT): in GJS 1.74
// a JS object held only by C that way is not kept alive, and a GC frees it
// (reading it back gives undefined, or crashes). A GObject held by C keeps
// its JS wrapper, and so the value, alive (toggle references). _init
// registers it as the GType AgenJsValue.
class AgenJsValue extends GObject.Object {
    constructor(value) {
        super();
        this.value = value;
    }
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

const isGIValue = function (v) {
    // GObject instances, GLib.Variant and GI boxed/struct instances: their
    // constructor carries a GType.
    try {
        const ctor = v.constructor;
        return ctor !== undefined && ctor !== null && ctor !== Object &&
            typeof ctor.$gtype === 'object' && ctor.$gtype !== null;
    } catch (e) {
        return false;
    }
};

// JS value -> what GJS is given for a `const GValue *` argument; null means
// "no value". Agen.toValue.
const toValue = function (v) {
    switch (typeof v) {
    case 'undefined':
        return null;
    case 'boolean':
    case 'string':
        return v;
    case 'number':
        // GJS makes a gint of an int32 and a gdouble of anything else.
        return v;
    case 'bigint':
        if (v < INT64_MIN || v > UINT64_MAX)
            throw new RangeError(`Agen: BigInt ${v} does not fit in a gint64 or guint64`);
        return v;
    case 'object':
        if (v === null)
            return null;
        if (v instanceof GObject.Value) {
            if (!GObject.type_check_value(v))
                throw new TypeError('Agen: cannot pass an uninitialised GObject.Value');
            return v;
        }
        if (v instanceof GObject.Object || v instanceof GLib.Variant || isGIValue(v))
            return v;
        return new AgenJsValue(v);
    default:   // function, symbol
        return new AgenJsValue(v);
    }
};

// What GJS gave for an out GValue -> the JS value. GJS leaves a GValueArray
// (a signal's emission, enumerate's pairs, zip's tuples, batch's groups) a
// boxed GObject.ValueArray: it becomes an Array of converted values.
const fromValue = function (v) {
    if (typeof v !== 'object' || v === null)
        return v;
    if (v instanceof AgenJsValue)
        return v.value;
    if (v instanceof GObject.ValueArray)
        return Array.from({length: v.n_values}, (_, i) => fromValue(v.get_nth(i)));
    if (v instanceof Agen.Tuple)
        return tupleToArray(v);
    return v;
};

// An AgenTuple (enumerate_tuples' pairs, zip_tuples' tuples, batch_tuples'
// groups) -> an Array of converted values, as a GValueArray.
const tupleToArray = function (tuple) {
    return Array.from({length: tuple.get_size()}, (_, i) => fromValue(tuple.get(i)));
};

// Installed by _init: an Agen.Tuple met as itself (an item of a list
// model) iterates as its Array does, and an Agen.ValueItem's `value` is
// its value converted as an item is.
const tupleMethods = {
    [Symbol.iterator]() {
        return tupleToArray(this)[Symbol.iterator]();
    },
};
const valueItemValue = {
    get() {
        return fromValue(this.get_value());
    },
    configurable: true,
};

// A map function's result -> what GJS is given for the out GValue.
const toMapResult = function (v) {
    if (v instanceof GObject.Value) {
        // GJS 1.74 leaves the out GValue unset when given a GObject.Value.
        throw new TypeError('Agen: a map function cannot return a GObject.Value in GJS 1.74: ' +
            'return a plain value');
    }
    return toValue(v);
};

// -------------------------------------------------------------- exceptions

// Errors cross C as GErrors, but a JavaScript consumer should get back the
// very value that was thrown (===), as ECMAScript gives it, not a GError
// that stands for it.

// The GError domain of JavaScript values thrown into C that are not a
// GLib.Error: each gets a code of its own. Agen.JS_EXCEPTION_DOMAIN.
const JS_EXCEPTION_DOMAIN = 'agen-js-exception-quark';
const JS_EXCEPTION_QUARK = GLib.quark_from_string(JS_EXCEPTION_DOMAIN);

// The values thrown into C, so that the GError coming back out is rejected
// with (or thrown into a body as) the very value. The same rule as the
// Python override's _ExceptionRegistry, so that both recognise an error
// coming back out alike: a value of the JavaScript domain has a code of its
// own, and domain and code are enough; others keep the domain and code C
// acts on, and are told apart by their message too, as it is or with the
// names of the combinators it went through before it ("map(gen): ...").
// The most recent match wins. A value leaves on its way out; C may keep or
// drop a GError, and there is no telling when, so only the most recent are
// kept: one that C kept longer comes out as the GLib.Error.
class ExceptionRegistry {
    static LIMIT = 256;

    constructor() {
        this._entries = [];    // {domain, code, message, value}, oldest first
        this._lastCode = 0;
    }

    // Remembers that @error stands for @value; returns @error.
    add(error, value) {
        this._entries.push({domain: error.domain, code: error.code, message: error.message, value});
        if (this._entries.length > ExceptionRegistry.LIMIT)
            this._entries.shift();
        return error;
    }

    // A code for the GError of a JavaScript value: never 0.
    newCode() {
        this._lastCode = this._lastCode % 0x7fffffff + 1;
        return this._lastCode;
    }

    // The value @error stands for, out of the registry; @error itself when
    // it stands for none (a value can be null or undefined).
    take(error) {
        for (let i = this._entries.length - 1; i >= 0; i--) {
            const entry = this._entries[i];
            if (error.domain === entry.domain && error.code === entry.code &&
                (entry.domain === JS_EXCEPTION_QUARK || isPassedOn(error.message, entry.message)))
                return this._entries.splice(i, 1)[0].value;
        }
        return error;
    }
}

// Whether a GError's @message is @original, as it is or with the names of
// the combinators it went through before it.
const isPassedOn = function (message, original) {
    return message === original || message.endsWith(`: ${original}`);
};

const registry = new ExceptionRegistry();

const isError = function (error, domain, code) {
    return error instanceof GLib.Error && error.domain === domain && error.code === code;
};

const describe = function (e) {
    try {
        return String(e);
    } catch (unused) {
        return Object.prototype.toString.call(e);
    }
};

// A JS value -> the GError that C gets for it (see the header), remembered.
// Agen.errorFromValue.
const errorFromValue = function (e) {
    if (e instanceof GLib.Error)
        return registry.add(e, e);
    return registry.add(new GLib.Error(JS_EXCEPTION_QUARK, registry.newCode(), describe(e)), e);
};

// A GError coming out of C -> the value it stands for (out of the
// registry), or the GError itself.
const translate = function (error) {
    return error instanceof GLib.Error ? registry.take(error) : error;
};

// -------------------------------------------------------------- event loop

// What running on the GLib main loop under GJS 1.74 asks for: work-arounds
// for its bugs, and a report of the closes agen-glib makes there by itself,
// which nobody awaits.

// GJS 1.74.2 stops running async callbacks after about 95,000 of them unless
// it collects now and then (see the header): a System.gc() after every
// Agen.GC_INTERVAL operations completed through a callback of their own
// (throw, return, foreach), counted over all generators.
let completedOperations = 0;

const countCompletedOperation = function () {
    const interval = Agen.GC_INTERVAL;
    if (typeof interval === 'number' && interval > 0 && ++completedOperations >= interval) {
        completedOperations = 0;
        System.gc();
    }
};

// GJS 1.74 crashes when JavaScript that runs inside a call into agen-glib
// calls the same C function again: what JavaScript asks for from inside
// such a call is issued from a promise job, once the call has returned.
const fromPromiseJob = function (fn) {
    Promise.resolve().then(fn);
};

const describeCloseReason = function (reason) {
    switch (reason) {
    case Agen.CloseReason.LAST_UNREF:
        return 'on its last unref';
    case Agen.CloseReason.SHUTDOWN:
        return 'at shutdown';
    case Agen.CloseReason.CONSUMER_STOPPED:
        return 'when its consumer stopped';
    }
};

// A close agen-glib makes by itself (on a last unref, at shutdown, for a
// consumer that stopped) is awaited by nobody: one that fails is logged
// with logError(), with the very value a JavaScript body threw.
const reportCloseError = function (gen, error, reason) {
    const name = gen.get_name() ?? 'a generator';
    const value = translate(error);
    // logError() takes objects only; the GError names a thrown primitive.
    logError(value instanceof Object ? value : error,
        `Agen: closing ${name} ${describeCloseReason(reason)} failed`);
};

// ------------------------------------------------------------ the consumer

// So that JavaScript consumes any Agen.Generator as it consumes its own
// async generators: promises, for await, and map/filter/foreach functions
// that take and give plain JS values.

// fromC.calls: how many map, filter and foreach functions run now. C calls
// them from inside a call into agen-glib: what they ask for is issued from a
// promise job (fromPromiseJob()). An object, so that makeNext() below keeps
// it in its own scope.
const fromC = {calls: 0};

const iteratorResult = function (produced, item) {
    return produced
        ? {value: fromValue(item), done: false}
        : {value: undefined, done: true};
};

const requestQueues = new WeakMap();    // generator -> its RequestQueue

let NOW_ITEM, NOW_END, NOW_PENDING;     // Agen.NowStatus, set by _init

// The AgenReadyFunc of every generator, set once per generator: the outcome
// of a pending next_now() is there. It holds nothing (a JS function handed
// to C is a GC root until the generator goes: one that held the generator
// would keep it for ever) and finds the generator's queue; with no queue,
// nobody waits, and the outcome is dropped.
const onReady = function (gen) {
    const queue = requestQueues.get(gen);
    fromPromiseJob(queue === undefined || queue._pending === null
        ? () => gen.next_now(null)
        : () => queue._takeReady());
};

// The per-generator queue of ECMAScript's next/throw/return (and of
// foreach): requests made while one is in flight wait and are issued one at
// a time, in order, where C would refuse a second operation in flight
// (G_IO_ERROR_PENDING).
class RequestQueue {
    static of(gen) {
        let queue = requestQueues.get(gen);
        if (queue === undefined) {
            queue = new RequestQueue(gen);
            requestQueues.set(gen, queue);
        }
        return queue;
    }

    constructor(gen) {
        this._gen = gen;
        this._requests = [];
        this._busy = false;
        this._pending = null;           // the request whose outcome is pending
        this._readyFuncSet = false;
        this._take = undefined;         // next()'s typed form: see makeNext()
        this._tried = [];               // the typed forms tried, of TYPED_FORMS
    }

    // The typed form next() takes items with, chosen by @item's JS type
    // (the one just taken with next_now()), or null to take them with
    // next_now() for good: each form is tried once, so a generator whose
    // item types vary ends on next_now() after a call or two more.
    _chooseTypedForm(item) {
        const forms = TYPED_FORMS[typeof item] ?? [];
        const form = forms.find(f => !this._tried.includes(f)) ?? null;
        if (form !== null)
            this._tried.push(form);
        this._take = form;
    }

    add(request) {
        this._requests.push(request);
        if (fromC.calls > 0)
            fromPromiseJob(() => this._issueQueued());
        else
            this._issueQueued();
    }

    _issueQueued() {
        while (!this._busy && this._requests.length > 0) {
            const request = this._requests.shift();
            this._busy = true;
            try {
                this._issue(request);
            } catch (e) {
                this._busy = false;
                request.reject(e);
            }
        }
    }

    // Settles @request and frees the queue for the next one. Inside _issue()
    // (an answer that came at once) the _issueQueued() that called it goes
    // on with the queue; starting another one there would nest one per
    // request that completes at once.
    _completeNow(request, settle) {
        try {
            settle();
        } catch (e) {
            request.reject(translate(e));
        }
        this._busy = false;
    }

    // Runs in a GAsyncReadyCallback, inside whatever call into agen-glib
    // completed the request: nothing may escape into C, and the next
    // request is issued from a promise job, outside that call. Only these
    // per-call callbacks count towards the GC workaround.
    _complete(request, settle) {
        this._completeNow(request, settle);
        countCompletedOperation();
        if (this._requests.length > 0)
            fromPromiseJob(() => this._issueQueued());
    }

    _issue(request) {
        switch (request.kind) {
        case 'next':
            this._issueNext(request);
            break;
        case 'throw':
            this._issueThrow(request);
            break;
        case 'foreach':
            this._issueForeach(request);
            break;
        default:
            this._issueReturn(request);
        }
    }

    isIdle() {
        return !this._busy && this._requests.length === 0;
    }

    // The body awaits an item nextNow() asked for.
    waitForReady() {
        this._busy = true;
        return new Promise((resolve, reject) => this._waitForReady({resolve, reject}));
    }

    _issueNext(request) {
        const gen = this._gen;
        const {argument, cancellable} = request;
        let value = toValue(argument);
        // ECMAScript ignores the value given to the first next().
        if (value !== null && gen.get_state() === Agen.GeneratorState.CREATED)
            value = null;
        let status, item;
        try {
            [status, item] = value === null
                ? gen.next_now(cancellable)
                : gen.send_now(value, cancellable);
        } catch (e) {
            this._completeNow(request, () => {
                throw e;
            });
            return;
        }
        if (status === NOW_PENDING)
            this._waitForReady(request);
        else
            this._completeNow(request, () => request.resolve(iteratorResult(status === NOW_ITEM, item)));
    }

    // The body awaits: the generator's one ready func (onReady) says when
    // the outcome is there, instead of a callback per operation, which
    // GJS 1.74 stops running after some 95,000.
    _waitForReady(request) {
        this._pending = request;
        if (!this._readyFuncSet) {
            this._gen.set_ready_func(onReady);
            this._readyFuncSet = true;
        }
    }

    // From a promise job: onReady runs inside whatever call into C
    // completed the await, and next_now() there could be a call of the same
    // C function again (see fromPromiseJob()).
    _takeReady() {
        const request = this._pending;
        this._pending = null;
        this._completeNow(request, () => {
            const [status, item] = this._gen.next_now(null);
            request.resolve(iteratorResult(status === NOW_ITEM, item));
        });
        this._issueQueued();
    }

    _issueThrow(request) {
        const {argument, cancellable} = request;
        if (this._gen.get_state() === Agen.GeneratorState.FINISHED) {
            // ECMAScript: throw() on a completed generator rejects with its
            // argument.
            this._busy = false;
            request.reject(argument);
            return;
        }
        this._gen.throw_async(errorFromValue(argument), cancellable, (self, result) =>
            this._complete(request, () => {
                const [produced, item] = self.throw_finish(result);
                request.resolve(iteratorResult(produced, item));
            }));
    }

    // C's foreach; collect() is a foreach too, as GJS 1.74 cannot convert
    // the GPtrArray of GValue of collect_finish(). What the function throws
    // stops the loop, which closes the generator, and the promise rejects
    // with it.
    _issueForeach(request) {
        const {argument: fn, cancellable} = request;
        let failed = null;
        this._gen.foreach_async((_self, item) => {
            fromC.calls++;
            try {
                return fn(fromValue(item)) !== false;
            } catch (e) {
                failed = {value: e};
                return false;
            } finally {
                fromC.calls--;
            }
        }, cancellable, (self, result) => this._complete(request, () => {
            if (failed !== null) {
                request.reject(failed.value);
                return;
            }
            self.foreach_finish(result);
            request.resolve(undefined);
        }));
    }

    _issueReturn(request) {
        const {argument, cancellable} = request;
        this._gen.close_async(cancellable, (self, result) =>
            this._complete(request, () => {
                self.close_finish(result);
                request.resolve({value: argument, done: true});
            }));
    }
}

// A promise of the result of a request to @gen; @kind is 'next', 'throw',
// 'return' or 'foreach'.
const enqueue = function (gen, kind, argument, cancellable) {
    return new Promise((resolve, reject) => {
        RequestQueue.of(gen).add({kind, argument, cancellable: cancellable ?? null, resolve, reject});
    });
};

// The AgenMapFunc or AgenFilterFunc of map() and filter(): gives C
// result(fn(item)). What fn throws goes into C as its GError (GJS sets the
// GError of a callback that throws a GLib.Error): the combinator closes its
// source and raises it, and a promise rejects with the very value thrown.
const combinatorFunc = function (fn, result) {
    return (...items) => {
        fromC.calls++;
        try {
            return result(fn(...items.map(fromValue)));
        } catch (e) {
            throw errorFromValue(e);
        } finally {
            fromC.calls--;
        }
    };
};

// The AgenFlatMapFunc of flatMap() and its kin: fn(item) as an
// Agen.Generator (any other async iterable goes through fromAsyncIterable);
// anything else is a TypeError, which the operator raises.
const innerFunc = function (what, fn) {
    if (typeof fn !== 'function')
        throw new TypeError(`Agen.Generator.${what}: the function must be a function`);
    return combinatorFunc(item => {
        const inner = fn(item);
        if (inner instanceof Agen.Generator)
            return inner;
        if (inner !== null && typeof inner === 'object' && typeof inner[Symbol.asyncIterator] === 'function')
            return fromAsyncIterable(inner);
        throw new TypeError(`Agen.Generator.${what}: the function returned ${inner === null ? 'null' : typeof inner}, ` +
            'not a generator or an async iterable');
    }, inner => inner);
};

// The typed forms of next_now() (agen_generator_next_int_now() and its
// kin), by the JS type of the item they return: GJS 1.74 converts a plain
// return value by its fast path, next_now()'s out GValue and its [status,
// item] array by its generic one (a `for await` over a bare iterator took
// 3.7 µs an item with next_now(), 2.9 with next_int_now() and a status
// asked only for a falsy item, 3.2 with [item, status] as an out argument,
// 3.3 with [status, item]). A number may come from an int, a double
// or an int64, tried in that order; an item of another type is
// Agen.NowStatus.OTHER_TYPE and stays for next_now(). Set by _init.
let TYPED_FORMS = null;

// next(): in the common case, `for await` (nothing queued, nothing sent),
// an item that is ready is taken in one call into C, without a request, a
// callback or a main-loop round trip, and the promise is settled already.
// The first item is taken with next_now(), the next ones with the typed form
// its type suggests (RequestQueue._chooseTypedForm()), which returns the
// item itself: only an item that is 0, false, '' or null (or no item) costs
// a second call, get_now_status(), to tell it from the end.
//
// Made by a function, and using only names of that function's scope: GJS
// 1.74 loads this file as a legacy module, where each use of a name of the
// file's top level is a lookup by name (some 20 to 30 ns); the dozen this
// path used cost about 0.3 µs an item. _init makes it once Agen.NowStatus
// and the introspected functions are known.
const makeNext = function ({ITEM, END, OTHER_TYPE}, nextNow, statusOf) {
    const P = Promise;
    const queues = requestQueues;
    const running = fromC;
    const convert = fromValue;
    const reject = translate;
    const queueOf = RequestQueue.of;
    const request = enqueue;

    const settled = function (item) {
        return P.resolve({
            value: typeof item !== 'object' || item === null ? item : convert(item),
            done: false,
        });
    };

    return function next(value, cancellable = null) {
        // arguments.length first: `for await` passes nothing, and reading
        // the missing `value` made each item some 5% slower in GJS 1.74.
        if ((arguments.length !== 0 && value !== undefined && value !== null) || running.calls !== 0)
            return request(this, 'next', value, cancellable);
        const queue = queues.get(this) ?? queueOf(this);
        if (queue._busy || queue._requests.length > 0)
            return request(this, 'next', value, cancellable);

        const take = queue._take;
        let status;
        if (take) {
            let item;
            try {
                item = take.call(this, cancellable);
            } catch (e) {
                return P.reject(reject(e));
            }
            // A primitive item settles here, not through settled(): in
            // GJS 1.74 that call cost some 5% an item.
            if (item) {
                return typeof item !== 'object'
                    ? P.resolve({value: item, done: false})
                    : settled(item);
            }
            status = statusOf.call(this);
            if (status === ITEM)
                return settled(item);
        }
        // No typed form yet, none for this generator, or an item of
        // another type (OTHER_TYPE), which next_now() takes.
        if (status === undefined || status === OTHER_TYPE) {
            let taken;
            try {
                taken = nextNow.call(this, cancellable);
            } catch (e) {
                return P.reject(reject(e));
            }
            // Indexed rather than destructured: destructuring goes
            // through the array's iterator.
            status = taken[0];
            if (status === ITEM) {
                if (take !== null)
                    queue._chooseTypedForm(taken[1]);
                return settled(taken[1]);
            }
        }
        if (status === END)
            return P.resolve({value: undefined, done: true});
        return queue.waitForReady();
    };
};

// Installed on Agen.Generator.prototype by _init.
const consumerMethods = {
    throw(error, cancellable = null) {
        return enqueue(this, 'throw', error, cancellable);
    },

    return(value, cancellable = null) {
        // Inside a body call of this generator: the producer's return.
        if (bodyCalls.has(this))
            return producerMethods.return_.call(this);
        return enqueue(this, 'return', value, cancellable);
    },

    [Symbol.asyncIterator]() {
        return this;
    },

    foreach(fn, cancellable = null) {
        if (typeof fn !== 'function')
            throw new TypeError('Agen.Generator.foreach: the function must be a function');
        return enqueue(this, 'foreach', fn, cancellable);
    },

    async collect(cancellable = null) {
        const items = [];
        await this.foreach(item => {
            items.push(item);
        }, cancellable);
        return items;
    },

    map(fn) {
        if (typeof fn !== 'function')
            throw new TypeError('Agen.Generator.map: the map function must be a function');
        return introspected.map.call(this, combinatorFunc(fn, v => [true, toMapResult(v)]));
    },

    filter(fn) {
        if (typeof fn !== 'function')
            throw new TypeError('Agen.Generator.filter: the predicate must be a function');
        return introspected.filter.call(this, combinatorFunc(fn, Boolean));
    },

    flat_map(fn) {
        return introspected.flat_map.call(this, innerFunc('flat_map', fn));
    },

    flat_map_merge(concurrency, fn) {
        return introspected.flat_map_merge.call(this, concurrency, innerFunc('flat_map_merge', fn));
    },

    switch_map(fn) {
        return introspected.switch_map.call(this, innerFunc('switch_map', fn));
    },

    scan(fn, ...initial) {
        if (typeof fn !== 'function')
            throw new TypeError('Agen.Generator.scan: the function must be a function');
        if (initial.length > 0)
            return introspected.scan.call(this, toValue(initial[0]), combinatorFunc(fn, v => [true, toMapResult(v)]));
        // GJS 1.74 passes a null for a nullable GValue as a GValue holding
        // NULL, not as NULL: without an initial value, the scan starts from
        // a marker that the first item replaces, and the marker is skipped.
        const first = {};
        return introspected.scan.call(this, toValue(first),
            combinatorFunc((acc, item) => acc === first ? item : fn(acc, item), v => [true, toMapResult(v)])).skip(1);
    },

    distinct(equal = (a, b) => a === b) {
        if (typeof equal !== 'function')
            throw new TypeError('Agen.Generator.distinct: the equality must be a function');
        return introspected.distinct.call(this, combinatorFunc(equal, Boolean));
    },

    tee(n = 2, bufferSize = 0) {
        return introspected.tee.call(this, n, bufferSize);
    },
};

// The time operators (agen-combinators-time.c): a time must be a positive
// integer of milliseconds, as C takes it (GJS alone would wrap a negative
// one around and pass 0 to a critical).
const UINT32_MAX = 2 ** 32 - 1;
const milliseconds = function (what, ms, least = 1) {
    if (!Number.isInteger(ms) || ms < least || ms > UINT32_MAX)
        throw new RangeError(`Agen.${what}: the time must be an integer of milliseconds >= ${least}, not ${describe(ms)}`);
    return ms;
};

const timeMethods = {
    debounce(ms) {
        return introspected.debounce.call(this, milliseconds('Generator.debounce', ms));
    },

    throttle(ms) {
        return introspected.throttle.call(this, milliseconds('Generator.throttle', ms));
    },

    timeout(ms) {
        return introspected.timeout.call(this, milliseconds('Generator.timeout', ms));
    },
};

// Agen.Generator.retry(factory, maxAttempts[, backoffMs[, afterItems]]):
// factory(attempt) returns an Agen.Generator or an async iterable; what it
// throws comes out of the retry as itself.
const retry = function (factory, maxAttempts, backoffMs = 0, afterItems = false) {
    if (typeof factory !== 'function')
        throw new TypeError('Agen.Generator.retry: the factory must be a function');
    milliseconds('Generator.retry (maxAttempts)', maxAttempts);
    milliseconds('Generator.retry (backoffMs)', backoffMs, 0);
    return introspected.retry(attempt => {
        fromC.calls++;
        try {
            const made = factory(attempt);
            if (made instanceof Agen.Generator)
                return made;
            if (made !== null && typeof made === 'object' && Symbol.asyncIterator in made)
                return fromAsyncIterable(made);
            throw new TypeError(`Agen.Generator.retry: the factory returned ${describe(made)}, ` +
                'not a generator or an async iterable');
        } catch (e) {
            throw errorFromValue(e);
        } finally {
            fromC.calls--;
        }
    }, maxAttempts, backoffMs, Boolean(afterItems));
};

// Agen.sleep(ms[, cancellable]): a Promise that resolves after ms, with
// agen-glib's timer (agen_sleep_async()); a cancellation rejects it with
// G_IO_ERROR_CANCELLED.
const sleep = function (ms, cancellable = null) {
    milliseconds('sleep', ms, 0);
    return new Promise((resolve, reject) => {
        Agen.sleep_async(ms, cancellable, (_source, result) => {
            try {
                Agen.sleep_finish(result);
                resolve();
            } catch (e) {
                reject(e);
            }
        });
    });
};

// ------------------------------------------------------------ the producer

// So that a body written by hand (Agen.Generator.new(body)) neither loses
// an exception nor crashes GJS. Such a body ends each call in exactly one
// producer call (yield, return_, raise, suspend); the producer methods note
// that it has, and until then a JS exception escaping the call raises it
// (mapped) instead of being only logged, and gen.return() in it is the
// producer's return.

// Per generator whose body runs now: {ended}, whether that call has ended.
const bodyCalls = new WeakMap();

const endBodyCall = function (gen) {
    const call = bodyCalls.get(gen);
    if (call !== undefined)
        call.ended = true;
};

// Installed on Agen.Generator.prototype by _init.
const producerMethods = {
    yield(item) {
        const value = toValue(item);
        endBodyCall(this);
        return introspected.yield.call(this, value);
    },

    raise(error) {
        const gerror = errorFromValue(error);
        endBodyCall(this);
        return introspected.raise.call(this, gerror);
    },

    return_() {
        endBodyCall(this);
        return introspected.return.call(this);
    },
};
producerMethods.yield_ = producerMethods.yield;
producerMethods.raise_ = producerMethods.raise;
for (const name of ['yield_int', 'yield_string', 'yield_object', 'suspend']) {
    producerMethods[name] = function (...args) {
        endBodyCall(this);
        return introspected[name].apply(this, args);
    };
}

// One body call of a generator made by Agen.Generator.new(body).
const callBody = function (gen, body) {
    const previous = bodyCalls.get(gen);
    const call = {ended: false};
    bodyCalls.set(gen, call);
    try {
        body(gen);
    } catch (e) {
        if (!call.ended) {
            call.ended = true;
            introspected.raise.call(gen, errorFromValue(e));
        } else {
            logError(e, 'Agen: exception in a generator body after it ended its call');
        }
    } finally {
        if (previous !== undefined)
            bodyCalls.set(gen, previous);
        else
            bodyCalls.delete(gen);
    }
};

// Agen.Generator.new(body).
const newGenerator = function (body) {
    if (typeof body !== 'function')
        throw new TypeError('Agen.Generator.new: the body must be a function');
    const gen = introspected.new.call(this, self => callBody(self, body));
    // The body's JavaScript never runs inside a call into agen-glib: GJS
    // 1.74 crashes when such code calls the same C function again, as a
    // body that awaits another generator does.
    gen.set_dispatch_body(true);
    return gen;
};

// Agen.Generator.prototype._init: a GObject-constructed generator has no
// body and would crash at its first resumption. (Wrapping an existing
// generator does not call _init.)
const refuseGeneratorWithoutBody = function () {
    throw new TypeError('Use Agen.Generator.new(body) or ' +
        'Agen.Generator.fromAsyncIterable(iterable), not new Agen.Generator()');
};

// ------------------------------------------------------ a JavaScript body

// So that C, Vala and Python code can consume a JavaScript async generator
// (or any async or sync iterable) as an Agen.Generator.

const asyncIteratorOf = function (iterable) {
    if (iterable === null || iterable === undefined)
        throw new TypeError('Agen.Generator.fromAsyncIterable: not iterable');
    if (typeof iterable[Symbol.asyncIterator] === 'function')
        return iterable[Symbol.asyncIterator]();
    if (typeof iterable[Symbol.iterator] === 'function') {
        // Async-from-sync, forwarding throw and return.
        return (async function* fromSync() {
            yield* iterable;
        })();
    }
    if (typeof iterable.next === 'function')
        return iterable;
    throw new TypeError('Agen.Generator.fromAsyncIterable: not an async iterable');
};

// Resumes a body's await from a promise job, running the body here rather
// than from another main-loop iteration: no call into C is on the stack
// but this resume, and the body and what its consumer then does (in C, or
// in JavaScript through a promise job) call other C functions. Without it
// (dispatch-body), each item of a JavaScript body consumed by C would cost
// two more main-loop iterations.
const resumeHere = function (gen, awaitId) {
    gen.set_dispatch_body(false);
    try {
        gen.resume(awaitId, null);
    } finally {
        gen.set_dispatch_body(true);
    }
};

// The body of fromAsyncIterable(): drives a JavaScript async iterator. Each
// operation starts one step (next, throw or return of the iterator); the
// body suspends until the step's promise settles and then yields, returns
// or raises what it gave. Between body calls the state lives here; only a
// step in flight refers to the generator, to resume it.
//
// An item is yielded with agen_generator_resume_yield(), without a body
// call (a call from C into JavaScript costs more than the item); when the
// consumer then asks for the next item at once, as a C consumer does, the
// body is left suspended at a new await and the next step starts here,
// again without a body call. Anything else (the end, an error, a send, a
// throw, a close, a cancellation) resumes or calls the body. The state of
// the step is kept in fields, and its callbacks are made once, rather than
// objects and closures per item: with them, the JavaScript side of an item
// cost half as much again.
const STEP_YIELD = 0, STEP_RETURN = 1, STEP_RAISE = 2;

class JavaScriptBody {
    constructor(iterator) {
        this._iterator = iterator;
        // Only while a step is in flight: the generator keeps this body,
        // which must not keep the generator.
        this._gen = null;
        this._awaitId = 0;
        // The step in flight, if any, and once settled what it gave: a
        // STEP_* and the value yielded (converted for C) or raised.
        this._inFlight = false;
        this._settled = false;
        this._outcome = STEP_RETURN;
        this._value = undefined;
        this._promise = null;
        this._onFulfilled = r => this._onSettled(r);
        this._onRejected = e => this._onFailed(e);
    }

    run(gen) {
        const iterator = this._iterator;
        const thrown = gen.catch_error();

        if (this._inFlight) {
            if (!this._settled) {
                // Only a cancellation ends our await early.
                if (thrown === null) {
                    this._awaitId = gen.suspend();
                    return;
                }
                // A cancellation. An async function cannot be interrupted
                // at its await, so the operation fails with it at once, and
                // the JS generator is closed once the step in flight settles
                // (what it produced is dropped).
                this._inFlight = false;
                this._gen = null;
                this._promise.then(() => {
                    if (typeof iterator.return === 'function')
                        return iterator.return();
                    return undefined;
                }).catch(e => logError(e,
                    'Agen: closing a JavaScript generator after a cancellation failed'));
                gen.raise(thrown);
                return;
            }
            // Our resume. A cancellation that came after the step was done
            // is too late: the step has yielded or finished.
            this._inFlight = false;
            this._gen = null;
            this._settle(gen);
            return;
        }

        if (thrown !== null) {
            // The very value a JavaScript consumer threw, if one did.
            const value = translate(thrown);
            if (value === thrown && isError(thrown, Agen.error_quark(), Agen.Error.EXIT)) {
                if (typeof iterator.return !== 'function') {
                    gen.return_();
                    return;
                }
                this._start(gen, () => iterator.return());
                return;
            }
            if (typeof iterator.throw !== 'function') {
                if (typeof iterator.return === 'function')
                    Promise.resolve().then(() => iterator.return()).catch(() => {});
                gen.raise(value);
                return;
            }
            this._start(gen, () => iterator.throw(value));
            return;
        }

        const sent = fromValue(gen.get_sent());
        this._start(gen, () => sent === null || sent === undefined
            ? iterator.next() : iterator.next(sent));
    }

    _start(gen, run) {
        let result;
        try {
            result = run();
        } catch (e) {
            result = Promise.reject(e);
        }
        this._begin(gen, result);
        this._awaitId = gen.suspend();
    }

    // Waits for the step whose result (a promise, or a value) is @result.
    _begin(gen, result) {
        this._gen = gen;
        this._inFlight = true;
        this._settled = false;
        this._promise = Promise.resolve(result).then(this._onFulfilled, this._onRejected);
    }

    _onSettled(r) {
        if (!this._inFlight)
            return;    // abandoned by a cancellation
        this._settled = true;
        if (r === null || (typeof r !== 'object' && typeof r !== 'function')) {
            this._outcome = STEP_RAISE;
            this._value = new TypeError(`iterator result ${describe(r)} is not an object`);
        } else {
            try {
                if (r.done) {
                    this._outcome = STEP_RETURN;
                    this._value = undefined;
                } else {
                    this._outcome = STEP_YIELD;
                    this._value = toValue(r.value);
                }
            } catch (e) {
                this._outcome = STEP_RAISE;
                this._value = e;
            }
        }
        if (this._outcome !== STEP_YIELD) {
            resumeHere(this._gen, this._awaitId);
            return;
        }
        const gen = this._gen;
        const value = this._value;
        this._inFlight = false;
        this._gen = null;
        this._value = undefined;
        const nextAwaitId = gen.resume_yield(this._awaitId, value);
        if (nextAwaitId === 0)
            return;
        this._awaitId = nextAwaitId;
        let result;
        try {
            result = this._iterator.next();
        } catch (e) {
            result = Promise.reject(e);
        }
        this._begin(gen, result);
    }

    _onFailed(e) {
        if (!this._inFlight)
            return;
        this._settled = true;
        this._outcome = STEP_RAISE;
        this._value = e;
        resumeHere(this._gen, this._awaitId);
    }

    _settle(gen) {
        const value = this._value;
        this._value = undefined;
        if (this._outcome === STEP_RAISE)
            gen.raise(value);
        else if (this._outcome === STEP_YIELD)
            gen.yield(value);
        else
            gen.return_();
    }
}

// Agen.Generator.fromAsyncIterable(iterable[, {name}]).
const fromAsyncIterable = function (iterable, {name} = {}) {
    if (iterable instanceof Agen.Generator)
        return iterable;
    const body = new JavaScriptBody(asyncIteratorOf(iterable));
    const gen = Agen.Generator.new(self => body.run(self));
    gen.set_name(name ?? 'JavaScript async iterable');
    return gen;
};

// ------------------------------------------------------------------ wiring

// GJS calls _init with the namespace once it is loaded: only then can the
// class be registered and the introspected methods be kept and replaced.

// The oldest agen-glib whose Agen-1.0 typelib this override works with.
const REQUIRED_LIBRARY_VERSION = [1, 0, 0];

// Throws, saying what was found where, when the typelib `agen` comes from an
// agen-glib older than this override.
const checkLibrary = function (agen, required = REQUIRED_LIBRARY_VERSION) {
    const why = typeof agen.check_version === 'function'
        ? agen.check_version(...required)
        : 'it is older than 1.0 (it has no agen_check_version())';
    if (why === null)
        return;
    let path = 'an unknown path';
    try {
        path = imports.gi.GIRepository.Repository.get_default().get_typelib_path('Agen');
    } catch {
        // Without GIRepository's typelib the message names no path.
    }
    throw new Error(`agen-glib's GJS override (overrides/Agen.js) needs the Agen-1.0 typelib ` +
        `of agen-glib ${required.join('.')} or newer, but the one found, ${path} ` +
        '(searched: GI_TYPELIB_PATH, then the system\'s girepository-1.0), does not ' +
        `match: ${why}. Install both from the same agen-glib, or put the right ` +
        'typelib first on GI_TYPELIB_PATH.');
};

function _init() {
    checkLibrary(this);
    Agen = this;
    Agen._checkLibrary = checkLibrary;
    const proto = Agen.Generator.prototype;

    GObject.registerClass({GTypeName: 'AgenJsValue'}, AgenJsValue);
    Agen.JsValue = AgenJsValue;
    Agen.GC_INTERVAL = 10000;
    ({ITEM: NOW_ITEM, END: NOW_END, PENDING: NOW_PENDING} = Agen.NowStatus);
    TYPED_FORMS = {
        number: [proto.next_int_now, proto.next_double_now, proto.next_int64_now],
        boolean: [proto.next_boolean_now],
        string: [proto.next_string_now],
        object: [proto.next_object_now],
    };
    Agen.JS_EXCEPTION_DOMAIN = JS_EXCEPTION_DOMAIN;
    Agen.toValue = toValue;
    Agen.errorFromValue = errorFromValue;
    Agen.set_close_error_func(reportCloseError);

    for (const name of REPLACED_METHODS) {
        introspected[name] = proto[name];
        if (typeof introspected[name] !== 'function')
            throw new Error(`Agen override: Agen.Generator.prototype.${name} is missing`);
    }
    introspected.new = Agen.Generator.new;

    introspected.retry = Agen.Generator.retry;

    Object.assign(proto, producerMethods, consumerMethods, timeMethods);
    proto.next = makeNext(Agen.NowStatus, proto.next_now, proto.get_now_status);
    proto._init = refuseGeneratorWithoutBody;
    Agen.Generator.new = newGenerator;
    Agen.Generator.fromAsyncIterable = fromAsyncIterable;
    Agen.Generator.retry = retry;
    Agen.sleep = sleep;
    Object.assign(Agen.Tuple.prototype, tupleMethods);
    Object.defineProperty(Agen.ValueItem.prototype, 'value', valueItemValue);
}
