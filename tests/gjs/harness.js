// harness.js: a tiny test harness for the GJS tests of agen-glib
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Each test script calls run(tests) at its top level: the GLib main loop runs
// there (GJS starves promise jobs when loop.run() follows an await), every
// test is awaited in turn, the loop quits in .finally() and the process exits
// after loop.run() returns, non-zero when a test failed or timed out.
// Exceptions in GLib callbacks are only logged by GJS: use check() there.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Agen from 'gi://Agen';
import System from 'system';

export class AssertionError extends Error {
    constructor(message) {
        super(message);
        this.name = 'AssertionError';
    }
}

function show(v) {
    if (typeof v === 'bigint')
        return `${v}n`;
    if (v instanceof GLib.Error)
        return `GLib.Error(${GLib.quark_to_string(v.domain)}, ${v.code}, ${JSON.stringify(v.message)})`;
    try {
        const s = JSON.stringify(v);
        return s === undefined ? String(v) : s;
    } catch (e) {
        return String(v);
    }
}

export function assert(condition, message = 'assertion failed') {
    if (!condition)
        throw new AssertionError(message);
}

export function assertEqual(actual, expected, message = '') {
    if (!Object.is(actual, expected))
        throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
}

export function assertDeepEqual(actual, expected, message = '') {
    const a = show(actual), e = show(expected);
    if (a !== e)
        throw new AssertionError(`${message ? `${message}: ` : ''}expected ${e}, got ${a}`);
}

// An iterator result, comparing undefined exactly (JSON would drop it).
export function assertResult(result, value, done, message = '') {
    assert(result !== null && typeof result === 'object',
        `${message}: not an iterator result: ${show(result)}`);
    assertEqual(result.done, done, `${message} (done)`);
    if (typeof value === 'object' && value !== null)
        assertDeepEqual(result.value, value, `${message} (value)`);
    else
        assertEqual(result.value, value, `${message} (value)`);
}

export function assertGError(error, domain, code, message = '') {
    assert(error instanceof GLib.Error, `${message}: expected a GLib.Error, got ${show(error)} (${error})`);
    const domainQuark = typeof domain === 'string' ? GLib.quark_from_string(domain) : domain;
    assertEqual(GLib.quark_to_string(error.domain), GLib.quark_to_string(domainQuark), `${message} (domain)`);
    assertEqual(error.code, code, `${message} (code)`);
}

// Awaits a promise that must reject; returns the rejection.
export async function rejection(promise, message = 'expected a rejection') {
    let value;
    try {
        value = await promise;
    } catch (e) {
        return e;
    }
    throw new AssertionError(`${message}: resolved with ${show(value)}`);
}

export const AGEN_DOMAIN = 'agen-error-quark';
export const IO_DOMAIN = 'g-io-error-quark';
export const JS_DOMAIN = 'agen-js-exception-quark';

// What C sees of a JavaScript value thrown into it: a GError of its own
// domain, whose message names the value.
export function assertJsError(error, message, what = '') {
    assert(error instanceof GLib.Error, `${what}: expected a GLib.Error, got ${show(error)} (${error})`);
    assertEqual(GLib.quark_to_string(error.domain), JS_DOMAIN, `${what} (domain)`);
    assert(error.code > 0, `${what}: a code of its own, not ${error.code}`);
    assertEqual(error.message, message, `${what} (message)`);
}

// A promise that resolves after the main loop has run `ms` milliseconds
// (0: after pending idles and promise jobs).
export function sleep(ms = 0) {
    return new Promise(resolve => {
        GLib.timeout_add(GLib.PRIORITY_DEFAULT_IDLE, ms, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

// Iterates the main loop until predicate() is true (or fails after ms).
export async function until(predicate, message, ms = 5000) {
    const deadline = GLib.get_monotonic_time() + ms * 1000;
    while (!predicate()) {
        if (GLib.get_monotonic_time() > deadline)
            throw new AssertionError(`timed out waiting: ${message}`);
        // eslint-disable-next-line no-await-in-loop
        await sleep(1);
    }
}

// Promisified Agen.shutdown_async.
export function shutdown() {
    return new Promise((resolve, reject) => {
        Agen.shutdown_async(null, (_source, result) => {
            try {
                resolve(Agen.shutdown_finish(result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

let failures = 0;

// Runs callback-style code: an exception is recorded as a failure instead of
// being only logged by GJS.
export function check(fn) {
    try {
        fn();
    } catch (e) {
        failures++;
        printerr(`FAIL in a callback: ${e}\n${e.stack ?? ''}`);
    }
}

export function run(tests, {timeoutSeconds = 60} = {}) {
    const loop = new GLib.MainLoop(null, false);
    let timedOut = false;
    const timeout = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, timeoutSeconds, () => {
        timedOut = true;
        printerr(`FAIL: timed out after ${timeoutSeconds} s`);
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });

    (async () => {
        for (const [name, test] of Object.entries(tests)) {
            try {
                // eslint-disable-next-line no-await-in-loop
                await test();
                print(`ok - ${name}`);
            } catch (e) {
                failures++;
                print(`not ok - ${name}`);
                printerr(`FAIL ${name}: ${e}\n${e?.stack ?? ''}`);
            }
        }
    })().catch(e => {
        failures++;
        printerr(`FAIL: ${e}`);
    }).finally(() => loop.quit());

    loop.run();
    if (!timedOut)
        GLib.source_remove(timeout);
    System.exit(failures > 0 || timedOut ? 1 : 0);
}

export {GLib, Gio, Agen};
