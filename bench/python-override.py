"""agen-bench's Python case: `async for` over a C generator through the override.

Compared, in the same run, with an asyncio loop doing `await asyncio.sleep(0)`
per item on the same event loop (asyncio on the GLib main loop). Prints JSON
lines like agen-bench. Run by bench/run-bench with the uninstalled build on
GI_TYPELIB_PATH, LD_LIBRARY_PATH and PYTHONPATH.
"""
import asyncio
import json
import sys
import time

import gi

gi.require_version('Agen', '1.0')
gi.require_version('AgenTest', '1.0')
from gi.repository import Agen, AgenTest  # noqa: E402

QUICK = "--quick" in sys.argv


def report(what, value):
    print(json.dumps({"case": "python", "what": what, "unit": "ns/item", "value": round(value, 2)}))


async def override_async_for(n):
    count = 0
    async for _ in AgenTest.counter(n, AgenTest.Log.new()):
        count += 1
    assert count == n


async def sleep_zero_loop(n):
    for _ in range(n):
        await asyncio.sleep(0)


async def best_ns_per_item(make_coroutine, n, rounds=2 if QUICK else 5):
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        await make_coroutine(n)
        best = min(best, (time.perf_counter() - start) * 1e9 / n)
    return best


async def main():
    n = 2000 if QUICK else 20000
    report("asyncio sleep(0) loop", await best_ns_per_item(sleep_zero_loop, n))
    report("override async for", await best_ns_per_item(override_async_for, n))


if __name__ == "__main__":
    Agen.run(main())
