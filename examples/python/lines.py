#!/usr/bin/python3
# lines.py: agen-glib from Python, both ways.
#
#   /usr/bin/python3 lines.py FILE
#
# 1. consumes a generator written in C (the lines of FILE, read by
#    agen_generator_new_lines()) with `async for`;
# 2. writes a Python async generator and hands it to a consumer written in C
#    (agen_generator_foreach_async()), which calls back for each item.
#
# It needs only agen-glib: installed in a prefix other than /usr, run it
# with tools/prefix-env PREFIX /usr/bin/python3 lines.py FILE.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi

gi.require_version('Agen', '1.0')
from gi.repository import Agen, GLib, Gio  # noqa: E402


def lines_of(path):
    """The lines of a file, as a generator written in C."""
    return Agen.Generator.new_lines(Gio.File.new_for_path(path).read(None), GLib.PRIORITY_DEFAULT)


async def longest_first(path, count):
    """A Python async generator: the `count` longest lines of a file, read
    with the C generator."""
    lines = [line async for line in lines_of(path)]
    for line in sorted(lines, key=len, reverse=True)[:count]:
        yield '%3d  %s' % (len(line), line)


async def main(path):
    # 1. A C generator, consumed with `async for`.
    n_lines = 0
    async for line in lines_of(path):
        n_lines += 1
        if n_lines <= 3:
            print('line %d: %s' % (n_lines, line))
    print('%s has %d lines' % (path, n_lines))

    # 2. A Python generator, consumed in C by agen_generator_foreach_async().
    generator = Agen.Generator.from_async_iterable(longest_first(path, 3))
    printed = []

    def show(line):
        print(line)
        printed.append(line)

    print('The longest lines, as C consumes them:')
    await generator.foreach(show)
    assert len(printed) == min(3, n_lines), printed
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: %s FILE' % sys.argv[0])
    sys.exit(Agen.run(main(sys.argv[1])))
