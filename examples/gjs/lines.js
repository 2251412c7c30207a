// lines.js: agen-glib from JavaScript (GJS), both ways.
//
//   gjs -m lines.js FILE
//
// 1. consumes a generator written in C (the lines of FILE) with `for await`;
// 2. writes a JavaScript async generator and hands it to a consumer written
//    in C, which prints its items.
//
// Needs the Agen override (installed in <datadir>/gjs-1.0/overrides/, or its
// directory on GJS_PATH) for `for await` and Agen.Generator.fromAsyncIterable.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Agen from 'gi://Agen?version=1.0';
import AgenExample from 'gi://AgenExample?version=1.0';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

// A JavaScript async generator: the `count` longest lines of a file, read
// with the C generator.
async function* longestFirst(path, count) {
    const lines = [];
    for await (const line of AgenExample.lines_new(Gio.File.new_for_path(path)))
        lines.push(line);
    lines.sort((a, b) => b.length - a.length);
    for (const line of lines.slice(0, count))
        yield `${String(line.length).padStart(3)}  ${line}`;
}

// AgenExample.print_all_async as a promise.
function printAll(generator) {
    return new Promise((resolve, reject) => {
        AgenExample.print_all_async(generator, null, (source, result) => {
            try {
                resolve(AgenExample.print_all_finish(source, result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

async function main(path) {
    // 1. A C generator, consumed with `for await` (a `break` would close it,
    //    which closes the file).
    let nLines = 0;
    for await (const line of AgenExample.lines_new(Gio.File.new_for_path(path))) {
        nLines++;
        if (nLines <= 3)
            print(`line ${nLines}: ${line}`);
    }
    print(`${path} has ${nLines} lines`);

    // 2. A JavaScript generator, consumed in C by AgenExample.print_all_async().
    print('The longest lines, printed by C:');
    const nPrinted = await printAll(Agen.Generator.fromAsyncIterable(longestFirst(path, 3)));
    if (nPrinted !== Math.min(3, nLines))
        throw new Error(`printed ${nPrinted} lines`);
}

if (ARGV.length !== 1) {
    printerr('usage: gjs -m lines.js FILE');
    System.exit(2);
}

// The main loop runs at the top level (GJS runs promise jobs from it); exit
// after it returns, never from inside a promise callback.
const loop = new GLib.MainLoop(null, false);
let status = 0;
main(ARGV[0]).catch(e => {
    printerr(`lines.js: ${e}`);
    status = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(status);
