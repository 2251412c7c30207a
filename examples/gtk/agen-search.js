// agen-search in JavaScript: the core of examples/gtk/agen-search.c, with GJS.
//
// The search is a JavaScript async generator that awaits agen-glib's own
// generators with `for await` (the directory listings, the lines of each
// file, numbered by enumerate()); Agen.Generator.fromAsyncIterable() hands
// it to C, where an Agen.ListModel pulls it page by page behind a
// Gtk.ColumnView.
//
//   gjs -m agen-search.js [FOLDER]
//   gjs -m agen-search.js --self-test=user FOLDER   (tests/gtk/run-gtk-test runs it under Xvfb)
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Agen from 'gi://Agen?version=1.0';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk?version=4.0';
import System from 'system';

Gio._promisify(Gio.File.prototype, 'read_async', 'read_finish');

const PAGE_SIZE = 100;
const FIRST_ROWS = 200;     // the rows the model loads by itself
const MORE_ROWS = 200;      // and more each time the view reaches its end
const ANNOUNCE_MS = 100;    // new rows shown at most ten times a second

// Every generator a search made: the self-test checks that each has
// finished. (GJS has no weak reference to a C object.)
const made = [];
function tracked(generator) {
    made.push(generator);
    return generator;
}

function isCancelled(e) {
    return e instanceof GLib.Error && e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
}

const Match = GObject.registerClass({
    GTypeName: 'AgenSearchMatch',
    Properties: {
        path: GObject.ParamSpec.string('path', 'Path', 'The file', GObject.ParamFlags.READWRITE, ''),
        line: GObject.ParamSpec.int('line', 'Line', 'The line number', GObject.ParamFlags.READWRITE, 0, GLib.MAXINT32, 0),
        text: GObject.ParamSpec.string('text', 'Text', 'The line', GObject.ParamFlags.READWRITE, ''),
    },
}, class Match extends GObject.Object {});

// The regular files under folder, depth first (a folder that cannot be
// listed is skipped). `for await` closes the listing however the loop ends.
async function* walk(folder) {
    const listing = tracked(Agen.Generator.new_file_infos(folder, 'standard::name,standard::type',
        Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, GLib.PRIORITY_DEFAULT));
    try {
        for await (const info of listing) {
            const child = folder.get_child(info.get_name());
            if (info.get_file_type() === Gio.FileType.DIRECTORY)
                yield* walk(child);
            else if (info.get_file_type() === Gio.FileType.REGULAR)
                yield child;
        }
    } catch (e) {
        if (isCancelled(e))
            throw e;
    }
}

// A Match for each line that holds query, in the text files under folder.
async function* search(folder, query) {
    for await (const file of walk(folder)) {
        try {
            const stream = await file.read_async(GLib.PRIORITY_DEFAULT, null);
            const lines = tracked(Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT));
            for await (const [number, line] of tracked(lines.enumerate())) {
                if (line.includes(query))
                    yield new Match({path: folder.get_relative_path(file), line: number + 1, text: line});
            }
        } catch (e) {       // unreadable, or not text: skipped
            if (isCancelled(e))
                throw e;
        }
    }
}

// Calls finished() once iterable has finished, closed or not, and closed
// what it opened: the window waits for it before it shuts down. (When
// the search is cancelled, the generator that wraps it finishes at once,
// while the JavaScript side is still finishing its step.)
async function* untilFinished(iterable, finished) {
    try {
        yield* iterable;
    } finally {
        finished();
    }
}

const SearchWindow = GObject.registerClass(
class SearchWindow extends Gtk.ApplicationWindow {
    _init(application, folder) {
        super._init({application, title: 'Search in Files', default_width: 960, default_height: 640});
        this.folder = folder;
        this.results = null;        // the Agen.ListModel shown
        this.binding = null;
        this.running = new Set();   // the searches that have not finished
        this.closing = this.shutDown = false;

        const header = new Gtk.HeaderBar();
        this.spinner = new Gtk.Spinner();
        header.pack_end(this.spinner);
        this.set_titlebar(header);

        this.entry = new Gtk.SearchEntry({
            placeholder_text: 'Search text in files', margin_start: 12, margin_end: 12, margin_top: 8, margin_bottom: 8,
        });
        this.entry.connect('search-changed', () => this.start());
        this.entry.connect('stop-search', () => this.stop());
        this.entry.set_key_capture_widget(this);

        this.selection = new Gtk.SingleSelection({autoselect: false, can_unselect: true});
        this.view = new Gtk.ColumnView({model: this.selection, show_row_separators: true});
        for (const [title, name, width] of [['File', 'path', 260], ['Line', 'line', 70], ['Text', 'text', -1]]) {
            const factory = new Gtk.SignalListItemFactory();
            factory.connect('setup', (_f, item) => item.set_child(new Gtk.Label({xalign: 0})));
            factory.connect('bind', (_f, item) => item.get_child().set_text(String(item.get_item()[name])));
            const column = new Gtk.ColumnViewColumn({title, factory, resizable: true});
            if (width > 0)
                column.set_fixed_width(width);
            else
                column.set_expand(true);
            this.view.append_column(column);
        }
        this.scrolled = new Gtk.ScrolledWindow({child: this.view, vexpand: true});
        this.scrolled.connect('edge-reached', (_s, position) => this.onEdgeReached(position));

        this.status = new Gtk.Label({xalign: 0, margin_start: 12, margin_end: 12, margin_top: 6, margin_bottom: 6});
        const box = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL});
        for (const child of [this.entry, this.scrolled, this.status])
            box.append(child);
        this.set_child(box);
        this.connect('close-request', () => this.onCloseRequest());
    }

    // Typing cancels the search shown, and starts another.
    start() {
        if (this.results !== null) {
            this.results.cancel();
            this.binding.unbind();
            this.results = null;
        }
        const query = this.entry.get_text();
        if (query !== '' && !this.closing) {
            // A search has finished once its JavaScript side has (its files
            // are closed) and the generator that wraps it has.
            const search_ = {js: false, generator: null};
            this.running.add(search_);
            search_.generator = Agen.Generator.fromAsyncIterable(untilFinished(search(this.folder, query), () => {
                search_.js = true;
                this.finished(search_);
            }), {name: 'search'});
            search_.generator.connect('notify::state', () => this.finished(search_));
            const generator = search_.generator;
            this.results = Agen.ListModel.new(tracked(generator), Match.$gtype, PAGE_SIZE);
            this.results.set_autoload_limit(FIRST_ROWS);
            this.results.set_announce_interval(ANNOUNCE_MS);
            this.binding = this.results.bind_property('loading', this.spinner, 'spinning',
                GObject.BindingFlags.SYNC_CREATE);
            this.results.connect('notify::n-items', () => this.updateStatus());
        }
        this.selection.set_model(this.results);
        this.updateStatus();
    }

    // Escape.
    stop() {
        if (this.results !== null) {
            this.results.cancel();
            this.updateStatus();
        }
    }

    onEdgeReached(position) {
        if (position !== Gtk.PositionType.BOTTOM || this.results === null)
            return;
        const limit = this.results.get_n_items() + MORE_ROWS;
        if (limit > this.results.get_autoload_limit())
            this.results.set_autoload_limit(limit);
    }

    updateStatus() {
        this.status.set_text(this.results !== null ? `${this.results.get_n_items()} matches` : '');
    }

    finished(search_) {
        if (!search_.js || search_.generator.get_state() !== Agen.GeneratorState.FINISHED ||
            !this.running.delete(search_))
            return;
        if (this.closing && this.running.size === 0)
            this.shutDownNow();
    }

    // Hides at once; quits once the searches have closed their files and
    // agen_shutdown_async() has closed whatever generator is left.
    onCloseRequest() {
        if (this.shutDown)
            return false;
        if (!this.closing) {
            this.closing = true;
            this.set_visible(false);
            this.results?.cancel();
            if (this.running.size === 0)
                this.shutDownNow();
        }
        return true;
    }

    shutDownNow() {
        Agen.shutdown_async(null, (_source, result) => {
            Agen.shutdown_finish(result);
            this.shutDown = true;
            this.results = this.binding = null;
            this.selection.set_model(null);
            this.destroy();
        });
    }
});

// ------------------------------------------------------------------ self-test

function check(condition, what) {
    if (!condition) {
        printerr(`agen-search.js self-test: FAILED: ${what}`);
        System.exit(1);
    }
}

function sleep(ms) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

async function waitUntil(condition, what) {
    for (let i = 0; i < 12000; i++) {
        if (condition())
            return;
        await sleep(10);
    }
    check(false, `${what}, within 120 s`);
}

function openFiles(root) {
    const fds = Gio.File.new_for_path('/proc/self/fd');
    const targets = [];
    const children = fds.enumerate_children('standard::name,standard::symlink-target',
        Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    for (let info; (info = children.next_file(null)) !== null;)
        targets.push(info.get_symlink_target() ?? '');
    children.close(null);
    return targets.filter(t => t === root || t.startsWith(`${root}/`));
}

function grep(root, query) {
    const [, out] = GLib.spawn_sync(null, ['grep', '-rnIF', '-e', query, '--', root], null,
        GLib.SpawnFlags.SEARCH_PATH, null);
    return new TextDecoder().decode(out).split('\n').filter(l => l !== '').map(l => l.slice(root.length + 1)).sort();
}

function shown(window) {
    const rows = [];
    for (let i = 0; i < window.results.get_n_items(); i++) {
        const m = window.results.get_item(i);
        rows.push(`${m.path}:${m.line}:${m.text}`);
    }
    return rows.sort();
}

function same(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function typeQuery(window, query) {
    const before = window.results;
    window.entry.set_text(query);
    // Setting the text empties the entry first, which shows no search at once.
    await waitUntil(() => window.results !== null && window.results !== before, 'a search to start');
    await waitUntil(() => !window.results.loading, 'the rows to load');
}

async function loadEverything(window) {
    while (!window.results.complete) {
        const adjustment = window.scrolled.get_vadjustment();
        adjustment.set_value(adjustment.get_upper() - adjustment.get_page_size());
        await sleep(50);
        await waitUntil(() => !window.results.loading, 'the rows to load');
    }
}

async function userSession(window, root) {
    check(openFiles(root).length === 0, 'no file is open before a search');

    await typeQuery(window, 'generator');
    check(!window.results.complete && window.results.get_n_items() >= FIRST_ROWS, 'the first screens load');
    await loadEverything(window);
    check(same(shown(window), grep(root, 'generator')), 'the rows are what grep finds');
    check(window.status.get_text() === `${window.results.get_n_items()} matches`, 'the count label');

    // Typing again while a search is suspended: it closes its files.
    await typeQuery(window, 'stream');
    check(openFiles(root).length > 0, 'a suspended search holds files open');
    await typeQuery(window, 'main loop');
    await loadEverything(window);
    check(same(shown(window), grep(root, 'main loop')), 'the rows are what grep finds');

    // Escape while the model loads.
    await typeQuery(window, 'e');
    window.onEdgeReached(Gtk.PositionType.BOTTOM);
    check(window.results.loading, 'scrolling to the end loads more');
    window.entry.emit('stop-search');
    check(!window.results.loading, 'Escape stops the loading');
    await waitUntil(() => window.running.size === 0, 'the stopped search to finish');
    check(openFiles(root).length === 0, 'a stopped search leaves no file open');

    await typeQuery(window, 'generator');     // left suspended: closing the window closes it
    window.close();
    await waitUntil(() => window.shutDown, 'the window to shut down');
    await waitUntil(() => made.every(g => g.get_state() === Agen.GeneratorState.FINISHED),
        'every generator to finish');
    check(openFiles(root).length === 0, 'no file is open once the window has gone');
    made.length = 0;
}

// ------------------------------------------------------------------ main

let selfTest = false;
let folderPath = '.';
for (const arg of ARGV) {
    if (arg === '--self-test=user')
        selfTest = true;
    else
        folderPath = arg;
}
const root = Gio.File.new_for_path(folderPath).get_path();

const application = new Gtk.Application({
    application_id: 'org.example.AgenSearchJs', flags: Gio.ApplicationFlags.NON_UNIQUE,
});
application.connect('activate', () => {
    const window = new SearchWindow(application, Gio.File.new_for_path(root));
    window.present();
    if (selfTest) {
        application.hold();     // until the checks after the window has gone
        userSession(window, root).then(() => {
            print('agen-search.js self-test user: passed');
            application.release();
        }, e => {
            printerr(`agen-search.js self-test: FAILED: ${e}\n${e.stack}`);
            System.exit(1);
        });
    }
});
application.run([System.programInvocationName]);
