#!/usr/bin/env node
// Benchmarks, run on demand (never as timed tests): `npm run bench -- [name ...] [--out FILE]`.
// Each benchmark is scripts/bench/<name>.js exporting `run()` -> JSON-able result. Results are
// ratios measured within one run wherever possible: this machine is shared and noisy.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, 'bench');
const available = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

async function main() {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : undefined;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`usage: npm run bench -- [${available.join('|')}|all] [--out results.json]`);
    return;
  }
  const names = args.length === 0 || args.includes('all') ? available : args;
  for (const n of names) {
    if (!available.includes(n)) throw new Error(`unknown benchmark "${n}" (available: ${available.join(', ')})`);
  }
  const results = { date: new Date().toISOString(), node: process.version, platform: `${process.platform}-${process.arch}` };
  for (const name of names) {
    process.stderr.write(`bench ${name} ...\n`);
    results[name] = await require(path.join(dir, `${name}.js`)).run();
    process.stderr.write(`${JSON.stringify(results[name], null, 2)}\n`);
  }
  if (out) fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  else console.log(JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
