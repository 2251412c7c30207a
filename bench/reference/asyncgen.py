"""CPython references for agen-bench: the same loops with native async generators.

Prints one JSON line per measurement, like agen-bench. Run with the Python
under test (bench/run-bench uses /usr/bin/python3, CPython 3.11 on Debian 12).
"""
import asyncio
import json
import sys
import time

QUICK = "--quick" in sys.argv


def report(case, what, value, unit="ns/item"):
    print(json.dumps({"case": case, "what": what, "unit": unit, "value": round(value, 2)}))


def best_ns_per_item(make_coroutine, n, rounds=2 if QUICK else 5):
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        asyncio.run(make_coroutine(n))
        best = min(best, (time.perf_counter() - start) * 1e9 / n)
    return best


async def count(n):
    for i in range(n):
        yield i


async def count_awaiting(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


async def consume(generator):
    async for _ in generator:
        pass


async def async_for(n):
    await consume(count(n))


async def async_for_awaiting(n):
    await consume(count_awaiting(n))


def memory_per_generator(n):
    """Resident-set growth per generator suspended at its first yield."""
    import resource  # noqa: F401  (keeps the interpreter's own start-up out of the count)

    def resident():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096

    async def hold():
        generators = []
        await anext(count(1))
        before = resident()
        for _ in range(n):
            generator = count(1 << 30)
            await anext(generator)
            generators.append(generator)
        after = resident()
        return (after - before) / n - 8  # the list's pointer is ours

    return asyncio.run(hold())


def main():
    scale = 10 if QUICK else 1
    report("foreach", "CPython async for", best_ns_per_item(async_for, 1000000 // scale))
    report("await", "CPython await sleep(0)", best_ns_per_item(async_for_awaiting, 200000 // scale))
    report("memory", "CPython", memory_per_generator(1000000 // scale), unit="bytes/generator")


if __name__ == "__main__":
    main()
