// lines.js: agen-glib from JavaScript (GJS), both ways.
//
//   gjs -m lines.js FILE
//
// 1. consumes a generator written in C (the lines of FILE, read by
//    agen_generator_new_lines()) with `for await`;
// 2. writes a JavaScript async generator and hands it to a consumer written
//    in C (agen_generator_foreach_async()), which calls back for each item.
//
// Needs the Agen override (installed in <datadir>/gjs-1.0/overrides/, or its
// directory on GJS_PATH) for `for await` and Agen.Generator.fromAsyncIterable:
// installed in a prefix other than /usr, run it with
// tools/prefix-env PREFIX gjs -m lines.js FILE.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Agen from 'gi://Agen?version=1.0';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

// The lines of a file, as a generator written in C.
function linesOf(path) {
    return Agen.Generator.new_lines(Gio.File.new_for_path(path).read(null), GLib.PRIORITY_DEFAULT);
}

// A JavaScript async generator: the `count` longest lines of a file, read
// with the C generator.
async function* longestFirst(path, count) {
    const lines = [];
    for await (const line of linesOf(path))
        lines.push(line);
    lines.sort((a, b) => b.length - a.length);
    for (const line of lines.slice(0, count))
        yield `${String(line.length).padStart(3)}  ${line}`;
}

async function main(path) {
    // 1. A C generator, consumed with `for await` (a `break` would close it,
    //    which closes the file).
    let nLines = 0;
    for await (const line of linesOf(path)) {
        nLines++;
        if (nLines <= 3)
            print(`line ${nLines}: ${line}`);
    }
    print(`${path} has ${nLines} lines`);

    // 2. A JavaScript generator, consumed in C by agen_generator_foreach_async().
    print('The longest lines, as C consumes them:');
    const printed = [];
    await Agen.Generator.fromAsyncIterable(longestFirst(path, 3)).foreach(line => {
        print(line);
        printed.push(line);
    });
    if (printed.length !== Math.min(3, nLines))
        throw new Error(`printed ${printed.length} lines`);
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
