#!/usr/bin/python3
# lines.py: agen-glib from Python, both ways.
#
#   /usr/bin/python3 lines.py FILE
#
# 1. consumes a generator written in C (the lines of FILE) with `async for`;
# 2. writes a Python async generator and hands it to a consumer written in C,
#    which prints its items.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi

gi.require_version('Agen', '1.0')
gi.require_version('AgenExample', '1.0')
from gi.repository import Agen, AgenExample, Gio  # noqa: E402


async def longest_first(path, count):
    """A Python async generator: the `count` longest lines of a file, read
    with the C generator."""
    lines = [line async for line in AgenExample.lines_new(Gio.File.new_for_path(path))]
    for line in sorted(lines, key=len, reverse=True)[:count]:
        yield '%3d  %s' % (len(line), line)


async def main(path):
    # 1. A C generator, consumed with `async for`.
    n_lines = 0
    async for line in AgenExample.lines_new(Gio.File.new_for_path(path)):
        n_lines += 1
        if n_lines <= 3:
            print('line %d: %s' % (n_lines, line))
    print('%s has %d lines' % (path, n_lines))

    # 2. A Python generator, consumed in C by AgenExample.print_all_async().
    generator = Agen.Generator.from_async_iterable(longest_first(path, 3))
    future = Agen.get_event_loop().create_future()

    def printed(source, result, _data):
        try:
            future.set_result(AgenExample.print_all_finish(source, result))
        except Exception as error:      # a GLib callback must not raise
            future.set_exception(error)

    print('The longest lines, printed by C:')
    sys.stdout.flush()                  # C's g_print() writes the same stdout
    AgenExample.print_all_async(generator, None, printed, None)
    n_printed = await future
    assert n_printed == min(3, n_lines), n_printed
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: %s FILE' % sys.argv[0])
    sys.exit(Agen.run(main(sys.argv[1])))
