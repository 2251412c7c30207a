"""The Python soak: `async for` over AGEN_SOAK_ITEMS items (10,000,000 by
default) of a C generator whose body does not await, asserting that
resident memory and the time per tenth of the run stay flat; then of one
that awaits every item (a tenth as many), reported only. Not in CI: tests/soak/run-soak runs it.

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import sys
import time

import gi

gi.require_version('Agen', '1.0')
gi.require_version('AgenTest', '1.0')
from gi.repository import Agen, AgenTest  # noqa: E402

ITEMS = int(os.environ.get('AGEN_SOAK_ITEMS', 10_000_000))
CHUNK = max(ITEMS // 10, 1)
# Flat: at most this many bytes per item over the second half, and the
# later tenths of the run (their median) at most this factor slower than
# the earlier ones (the first tenth warms up): a median, because the
# machine's other load makes single tenths jump.
MAX_BYTES_PER_ITEM = 8
MAX_SLOWDOWN = 1.3


def resident_bytes():
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


async def soak(name, gen, n, check=True):
    samples = []
    count = 0
    start = time.perf_counter()
    async for _ in gen:
        count += 1
        if count % (n // 10) == 0:
            samples.append((time.perf_counter(), resident_bytes()))
    assert count == n, (name, count)
    times = [b[0] - a[0] for a, b in zip([(start, 0)] + samples, samples)]
    half = samples[len(samples) // 2 - 1][1]
    per_item = (samples[-1][1] - half) / (n - n // 2)
    slowdown = median(times[5:]) / median(times[1:5])
    print(f'{name}: {n} items, {times[-1] / (n // 10) * 1e9:.0f} ns/item in the last tenth, '
          f'{per_item:.2f} bytes/item over the second half, later tenths {slowdown:.2f} x the earlier',
          flush=True)
    failures = []
    if not check:
        return failures
    if per_item > MAX_BYTES_PER_ITEM:
        failures.append(f'{name}: memory grows by {per_item:.1f} bytes an item')
    if slowdown > MAX_SLOWDOWN:
        failures.append(f'{name}: the later tenths took {slowdown:.2f} x the earlier')
    return failures


async def main():
    failures = await soak('python, a C body that does not await',
                          AgenTest.counter(ITEMS, AgenTest.Log.new()), ITEMS)
    gate = AgenTest.Gate.new()
    gate.leave_open()
    awaiting = max(ITEMS // 10, 10)
    # Each item that is not ready wakes the awaiting task up once, and
    # gbulb 0.6.3 on PyGObject 3.42 leaks about 110 bytes per callback it
    # schedules (asyncio.sleep(0) does as much), which slows the run down
    # as it grows: reported, not asserted.
    failures += await soak('python, a C body that awaits every item',
                           AgenTest.gated(awaiting, gate, AgenTest.Log.new()), awaiting,
                           check=False)
    return failures


if __name__ == '__main__':
    problems = Agen.run(main())
    for problem in problems:
        print('FAIL:', problem, file=sys.stderr)
    sys.exit(1 if problems else 0)
