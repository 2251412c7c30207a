# conftest.py: the event loop, the timeout guard and the error traps of the
# Python binding's tests.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import faulthandler
import gc
import sys

import gi

gi.require_version('Agen', '1.0')
gi.require_version('AgenTest', '1.0')
gi.require_version('AgenExample', '1.0')

from gi.repository import Agen, GLib  # noqa: E402

import pytest  # noqa: E402

# One coroutine of a test may take this long; the whole test is killed (with
# every thread's traceback) after three times as long, so nothing hangs.
TIMEOUT = 20


class _Trap:
    """Collects what would otherwise only be logged: exceptions raised in
    GLib callbacks (PyGObject prints them with sys.excepthook), asyncio's
    exception handler reports, and GLib warnings and criticals."""

    def __init__(self):
        self.errors = []

    def excepthook(self, kind, value, tb):
        self.errors.append('exception in a callback: %r' % (value,))
        sys.__excepthook__(kind, value, tb)

    def exception_handler(self, loop, context):
        self.errors.append('asyncio: %s: %r' % (context.get('message'), context.get('exception')))
        loop.default_exception_handler(context)

    def log_handler(self, domain, level, message, _data=None):
        self.errors.append('GLib %s: %s' % (domain, message))
        print('(%s) %s' % (domain, message), file=sys.stderr)


@pytest.fixture
def loop():
    return Agen.get_event_loop()


@pytest.fixture
def trap(loop):
    """The trap of the current test; a test expecting a warning clears it."""
    trap = _Trap()
    old_hook = sys.excepthook
    sys.excepthook = trap.excepthook
    loop.set_exception_handler(trap.exception_handler)
    handlers = [(domain, GLib.log_set_handler(domain,
                                              GLib.LogLevelFlags.LEVEL_WARNING
                                              | GLib.LogLevelFlags.LEVEL_CRITICAL,
                                              trap.log_handler, None))
                for domain in ('Agen', 'GLib', 'GLib-GObject', 'GLib-GIO')]
    faulthandler.dump_traceback_later(TIMEOUT * 3, exit=True)
    try:
        yield trap
    finally:
        faulthandler.cancel_dump_traceback_later()
        for domain, handler in handlers:
            GLib.log_remove_handler(domain, handler)
        loop.set_exception_handler(None)
        sys.excepthook = old_hook


async def _settle(rounds=5):
    """Lets pending idles run: closes on last unref (at
    G_PRIORITY_DEFAULT_IDLE, which needs the loop to go idle), late
    callbacks."""
    for _ in range(rounds):
        await asyncio.sleep(0.001)


@pytest.fixture
def run(loop, trap):
    """run(coroutine): runs it on the GLib main loop, at most TIMEOUT
    seconds, and fails the test on any trapped error."""

    def runner(coroutine, timeout=TIMEOUT):
        return loop.run_until_complete(asyncio.wait_for(coroutine, timeout))

    yield runner
    gc.collect()
    runner(_settle())
    if trap.errors:
        pytest.fail('errors reported outside the test code:\n  ' + '\n  '.join(trap.errors))
