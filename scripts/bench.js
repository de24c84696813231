#!/usr/bin/env node
// Benchmarks, run on demand (never as timed tests):
//   npm run bench -- [name ...] [--format json|github-action-benchmark|bencher] [--only counts|times|ratios]
//                    [--out FILE] [--from RESULTS.json]
// Each benchmark is scripts/bench/<name>.js exporting `run()` -> JSON-able result. Results are
// ratios measured within one run wherever possible: this machine is shared and noisy.
// --format turns the results into the metrics CI tools read (scripts/bench/_format.js), with the
// deterministic counts (HVPs, gradient evaluations, steps) beside the times; --from formats a
// results file written earlier by --format json instead of running anything. Progress goes to
// stderr, the result to stdout (or --out).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { FORMATS, ONLY, format } = require('./bench/_format');

const dir = path.join(__dirname, 'bench');
const available = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

/** Removes `--flag value` (or `--flag=value`) from args and returns the value. */
function option(args, flag) {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  if (args[i].includes('=')) return args.splice(i, 1)[0].slice(flag.length + 1);
  if (i + 1 >= args.length) throw new Error(`${flag} needs a value`);
  return args.splice(i, 2)[1];
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      `usage: npm run bench -- [${available.join('|')}|all] [--format ${FORMATS.join('|')}] [--only ${ONLY.join('|')}] [--out FILE] [--from RESULTS.json]`,
    );
    return;
  }
  const out = option(args, '--out');
  const from = option(args, '--from');
  const opts = { format: option(args, '--format') ?? 'json', only: option(args, '--only') ?? 'all' };
  const unknown = args.filter((a) => a.startsWith('-'));
  if (unknown.length) throw new Error(`unknown option ${unknown.join(', ')} (see --help)`);
  format({}, opts); // validates the options before any benchmark runs

  let results;
  if (from) {
    if (args.length) throw new Error('--from formats a results file: name no benchmarks');
    results = JSON.parse(fs.readFileSync(from, 'utf8'));
  } else {
    const names = args.length === 0 || args.includes('all') ? available : args;
    for (const n of names) {
      if (!available.includes(n)) throw new Error(`unknown benchmark "${n}" (available: ${available.join(', ')})`);
    }
    results = { date: new Date().toISOString(), node: process.version, platform: `${process.platform}-${process.arch}` };
    for (const name of names) {
      process.stderr.write(`bench ${name} ...\n`);
      results[name] = await require(path.join(dir, `${name}.js`)).run();
      process.stderr.write(`${JSON.stringify(results[name], null, 2)}\n`);
    }
  }
  const text = format(results, opts);
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
