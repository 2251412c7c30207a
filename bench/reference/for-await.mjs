// Node reference for agen-bench: for await over a native async generator.
// Prints one JSON line per measurement, like agen-bench.
const quick = process.argv.includes('--quick');

function report(kase, what, value, unit = 'ns/item') {
  console.log(JSON.stringify({ case: kase, what, unit, value: Math.round(value * 100) / 100 }));
}

async function* count(n) {
  for (let i = 0; i < n; i++)
    yield i;
}

async function bestNsPerItem(n, rounds = quick ? 2 : 5) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    // eslint-disable-next-line no-unused-vars
    for await (const _ of count(n))
      ;
    best = Math.min(best, Number(process.hrtime.bigint() - start) / n);
  }
  return best;
}

async function memoryPerGenerator(n) {
  const generators = [];
  global.gc?.();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < n; i++) {
    const generator = count(2 ** 30);
    await generator.next();
    generators.push(generator);
  }
  global.gc?.();
  return (process.memoryUsage().rss - before) / n - 8;
}

report('foreach', 'Node for await', await bestNsPerItem(quick ? 100000 : 1000000));
report('memory', 'Node', await memoryPerGenerator(quick ? 100000 : 1000000), 'bytes/generator');
