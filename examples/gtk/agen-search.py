#!/usr/bin/python3
"""agen-search in Python: the core of examples/gtk/agen-search.c, with PyGObject.

The search is a Python async generator that awaits agen-glib's own
generators (the directory listings, the lines of each file, numbered by
enumerate()); Agen.Generator.from_async_iterable() hands it to C, where an
Agen.ListModel pulls it page by page behind a Gtk.ColumnView. asyncio runs
on the GLib main loop (Agen.get_event_loop(), gbulb), which runs the
Gtk.Application.

    agen-search.py [FOLDER]
    agen-search.py --self-test=user FOLDER   (tests/gtk/run-gtk-test runs it under Xvfb)

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import argparse
import asyncio
import contextlib
import gc
import os
import subprocess
import sys
import traceback

import gi
gi.require_version('Agen', '1.0')
gi.require_version('Gtk', '4.0')
from gi.repository import Agen, Gio, GLib, GObject, Gtk  # noqa: E402

PAGE_SIZE = 100
FIRST_ROWS = 200          # the rows the model loads by itself
MORE_ROWS = 200           # and more each time the view reaches its end
ANNOUNCE_MS = 100         # new rows shown at most ten times a second
CANCELLED = (Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)

#: Every generator a search made, by a weak reference: the self-test checks
#: that none is left alive.
alive = {}


def tracked(generator):
    token = object()
    alive[token] = generator.get_name()
    generator.weak_ref(lambda: alive.pop(token) and None)
    return generator


class Match(GObject.Object):
    """A row: a line that holds the query."""
    __gtype_name__ = 'AgenSearchMatch'
    path = GObject.Property(type=str)
    line = GObject.Property(type=int)
    text = GObject.Property(type=str)


def gio(start, finish, *args):
    """A GIO call as an awaitable; cancelling the awaiting task cancels it."""
    future = asyncio.get_running_loop().create_future()
    cancellable = Gio.Cancellable()

    def done(_source, result, _data):
        if future.cancelled():
            return
        try:
            future.set_result(finish(result))
        except GLib.Error as error:
            future.set_exception(error)

    future.add_done_callback(lambda f: f.cancelled() and cancellable.cancel())
    start(*args, cancellable, done, None)
    return future


async def walk(folder):
    """The regular files under folder, depth first (a folder that cannot be
    listed is skipped)."""
    listing = tracked(Agen.Generator.new_file_infos(
        folder, 'standard::name,standard::type', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS,
        GLib.PRIORITY_DEFAULT))
    try:
        async with contextlib.aclosing(listing):
            async for info in listing:
                child = folder.get_child(info.get_name())
                if info.get_file_type() == Gio.FileType.DIRECTORY:
                    async with contextlib.aclosing(walk(child)) as files:
                        async for file in files:
                            yield file
                elif info.get_file_type() == Gio.FileType.REGULAR:
                    yield child
    except GLib.Error as error:
        if error.matches(*CANCELLED):
            raise


async def search(folder, query):
    """A Match for each line that holds query, in the text files under
    folder. Whatever ends it (the end, a close, a cancellation), it closes
    every listing and stream it opened before it finishes."""
    async with contextlib.aclosing(walk(folder)) as files:
        async for file in files:
            try:
                stream = await gio(file.read_async, file.read_finish, GLib.PRIORITY_DEFAULT)
                lines = tracked(Agen.Generator.new_lines(stream, GLib.PRIORITY_DEFAULT))
                async with contextlib.aclosing(tracked(lines.enumerate())) as numbered:
                    async for number, line in numbered:
                        if query in line:
                            yield Match(path=folder.get_relative_path(file), line=number + 1, text=line)
            except GLib.Error as error:      # unreadable, or not text: skipped
                if error.matches(*CANCELLED):
                    raise


class SearchWindow(Gtk.ApplicationWindow):
    def __init__(self, application, folder):
        super().__init__(application=application, title='Search in Files',
                         default_width=960, default_height=640)
        self.folder = folder
        self.results = None            # the Agen.ListModel shown
        self.binding = None
        self.running = set()           # the search generators that have not finished
        self.closing = self.shut_down = False

        header = Gtk.HeaderBar()
        self.spinner = Gtk.Spinner()
        header.pack_end(self.spinner)
        self.set_titlebar(header)

        self.entry = Gtk.SearchEntry(placeholder_text='Search text in files', margin_start=12,
                                     margin_end=12, margin_top=8, margin_bottom=8)
        self.entry.connect('search-changed', lambda _entry: self.start())
        self.entry.connect('stop-search', lambda _entry: self.stop())
        self.entry.set_key_capture_widget(self)

        self.selection = Gtk.SingleSelection(autoselect=False, can_unselect=True)
        self.view = Gtk.ColumnView(model=self.selection, show_row_separators=True)
        for title, name, width in (('File', 'path', 260), ('Line', 'line', 70), ('Text', 'text', -1)):
            factory = Gtk.SignalListItemFactory()
            factory.connect('setup', lambda _f, item: item.set_child(Gtk.Label(xalign=0)))
            factory.connect('bind', lambda _f, item, name=name:
                            item.get_child().set_text(str(item.get_item().get_property(name))))
            column = Gtk.ColumnViewColumn(title=title, factory=factory, resizable=True)
            if width > 0:
                column.set_fixed_width(width)
            else:
                column.set_expand(True)
            self.view.append_column(column)
        self.scrolled = Gtk.ScrolledWindow(child=self.view, vexpand=True)
        self.scrolled.connect('edge-reached', self.on_edge_reached)

        self.status = Gtk.Label(xalign=0, margin_start=12, margin_end=12, margin_top=6, margin_bottom=6)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
        for child in (self.entry, self.scrolled, self.status):
            box.append(child)
        self.set_child(box)
        self.connect('close-request', self.on_close_request)

    def start(self):
        """Typing cancels the search shown, and starts another."""
        if self.results is not None:
            self.results.cancel()
            self.binding.unbind()
            self.results = None
        query = self.entry.get_text()
        if query and not self.closing:
            generator = Agen.Generator.from_async_iterable(search(self.folder, query), name='search')
            self.running.add(generator)
            generator.connect('notify::state', self.on_search_state)
            self.results = Agen.ListModel.new(tracked(generator), Match, PAGE_SIZE)
            self.results.set_autoload_limit(FIRST_ROWS)
            self.results.set_announce_interval(ANNOUNCE_MS)
            self.binding = self.results.bind_property('loading', self.spinner, 'spinning',
                                                      GObject.BindingFlags.SYNC_CREATE)
            self.results.connect('notify::n-items', self.update_status)
        self.selection.set_model(self.results)
        self.update_status()

    def stop(self):
        """Escape."""
        if self.results is not None:
            self.results.cancel()
            self.update_status()

    def on_edge_reached(self, _scrolled, position):
        if position == Gtk.PositionType.BOTTOM and self.results is not None:
            limit = len(self.results) + MORE_ROWS
            if limit > self.results.get_autoload_limit():
                self.results.set_autoload_limit(limit)

    def update_status(self, *_args):
        self.status.set_text(f'{len(self.results)} matches' if self.results is not None else '')

    def on_search_state(self, generator, _pspec):
        if generator.get_state() != Agen.GeneratorState.FINISHED:
            return
        generator.disconnect_by_func(self.on_search_state)
        self.running.discard(generator)
        if self.closing and not self.running:
            asyncio.get_running_loop().create_task(self.shut_down_now())

    def on_close_request(self, _window):
        """Hides at once; quits once the searches have closed their files
        and Agen.shutdown() has closed whatever generator is left."""
        if self.shut_down:
            return False
        if not self.closing:
            self.closing = True
            self.set_visible(False)
            if self.results is not None:
                self.results.cancel()
            if not self.running:
                asyncio.get_running_loop().create_task(self.shut_down_now())
        return True

    async def shut_down_now(self):
        await Agen.shutdown()
        self.shut_down = True
        self.results = self.binding = None
        self.selection.set_model(None)
        self.destroy()


# ------------------------------------------------------------------ self-test

def check(condition, what):
    if not condition:
        print(f'agen-search.py self-test: FAILED: {what}', file=sys.stderr)
        os._exit(1)


async def wait_until(condition, what):
    for _ in range(12000):
        if condition():
            return
        await asyncio.sleep(0.01)
    check(False, f'{what}, within 120 s (alive: {sorted(alive.values())})')


def open_files(root):
    targets = []
    for fd in os.listdir('/proc/self/fd'):
        with contextlib.suppress(OSError):      # the listing's own descriptor
            targets.append(os.readlink(f'/proc/self/fd/{fd}'))
    return [t for t in targets if t == root or t.startswith(root + '/')]


def grep(root, query):
    out = subprocess.run(['grep', '-rnIF', '-e', query, '--', root], stdout=subprocess.PIPE,
                         text=True).stdout
    return sorted(line[len(root) + 1:] for line in out.splitlines())


def shown(window):
    return sorted(f'{m.props.path}:{m.props.line}:{m.props.text}' for m in window.results)


async def type_query(window, query):
    before = window.results
    window.entry.set_text(query)
    # Setting the text empties the entry first, which shows no search at once.
    await wait_until(lambda: window.results not in (None, before), 'a search to start')
    await wait_until(lambda: not window.results.props.loading, 'the rows to load')


async def load_everything(window):
    while not window.results.props.complete:
        adjustment = window.scrolled.get_vadjustment()
        adjustment.set_value(adjustment.get_upper() - adjustment.get_page_size())
        await asyncio.sleep(0.05)
        await wait_until(lambda: not window.results.props.loading, 'the rows to load')


def labels(widget):
    if isinstance(widget, Gtk.Label) and widget.get_mapped():
        yield widget.get_text()
    child = widget.get_first_child()
    while child is not None:
        yield from labels(child)
        child = child.get_next_sibling()


async def self_test(application, window, root):
    application.hold()          # until the checks after the window has gone
    try:
        await user_session(window, root)
    except BaseException:       # an exception in a task is only logged: fail now
        traceback.print_exc()
        os._exit(1)
    print('agen-search.py self-test user: passed')
    application.release()


async def user_session(window, root):
    check(not open_files(root), 'no file is open before a search')

    await type_query(window, 'generator')
    check(not window.results.props.complete and len(window.results) >= FIRST_ROWS, 'the first screens load')
    await load_everything(window)
    check(shown(window) == grep(root, 'generator'), 'the rows are what grep finds')
    window.scrolled.get_vadjustment().set_value(0)
    await asyncio.sleep(0.2)
    on_screen = set(labels(window.view))
    check(all(m.props.text in on_screen for m in list(window.results)[:10]), 'the first rows are on screen')
    check(window.status.get_text() == f'{len(window.results)} matches', 'the count label')

    # Typing again while a search is suspended: it closes its files and goes.
    await type_query(window, 'stream')
    check(open_files(root), 'a suspended search holds files open')
    gone = []
    window.results.get_generator().weak_ref(gone.append, True)
    await type_query(window, 'main loop')
    await wait_until(lambda: gc.collect() is not None and gone, 'the search typed over to be finalised')
    await load_everything(window)
    check(shown(window) == grep(root, 'main loop'), 'the rows are what grep finds')

    # Escape while the model loads.
    await type_query(window, 'e')
    window.on_edge_reached(window.scrolled, Gtk.PositionType.BOTTOM)
    check(window.results.props.loading, 'scrolling to the end loads more')
    window.entry.emit('stop-search')
    check(not window.results.props.loading, 'Escape stops the loading')
    await wait_until(lambda: len(window.running) == 0, 'the stopped search to finish')
    check(not open_files(root), 'a stopped search leaves no file open')

    await type_query(window, 'generator')       # left suspended: closing the window closes it
    window.close()
    await wait_until(lambda: window.shut_down, 'the window to shut down')
    await wait_until(lambda: gc.collect() is not None and not alive, 'every generator to be finalised')
    check(not open_files(root), 'no file is open once the window has gone')


def main():
    parser = argparse.ArgumentParser(description='Find text in the files of a folder, as you type.')
    parser.add_argument('folder', nargs='?', default='.')
    parser.add_argument('--self-test', choices=['user'])
    args = parser.parse_args()
    root = os.path.realpath(args.folder)

    application = Gtk.Application(application_id='org.example.AgenSearchPython',
                                  flags=Gio.ApplicationFlags.NON_UNIQUE)
    loop = Agen.get_event_loop()

    def activate(application):
        window = SearchWindow(application, Gio.File.new_for_path(root))
        window.present()
        if args.self_test:
            loop.create_task(self_test(application, window, root))

    application.connect('activate', activate)
    loop.run_forever(application=application)
    return 0


if __name__ == '__main__':
    sys.exit(main())
