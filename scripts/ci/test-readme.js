#!/usr/bin/env node
// The README's code blocks, run as a user would: the packed tarball is installed into an empty
// project (like scripts/ci/test-tarball.sh: prebuilt binary, no build), then every block runs
// there as README.md's "The README is tested" says (scripts/ci/readme-blocks.js classifies them).
// Slow (the shell blocks reproduce presets), hence not part of `npm test`; .ci/run runs it.
// Prints one line per block and ends with "readme: N passed, N failed, N skipped"; with --json
// FILE also writes { passed, failed, skipped, blocks } there. Exit status 1 when a block failed.
// Usage: node scripts/ci/test-readme.js [--json FILE] [--tarball FILE.tgz] [--readme FILE] [--keep]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { readmeBlocks } = require('./readme-blocks');

const root = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, status: r.status, error: r.error };
}

function main() {
  const blocks = readmeBlocks(fs.readFileSync(opt('--readme') ?? path.join(root, 'README.md'), 'utf8'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dlnflow-readme-'));
  const project = path.join(work, 'project');
  fs.mkdirSync(project);
  const results = [];
  const record = (b, status, detail = '') => {
    results.push({ line: b.line, lang: b.lang, status, detail });
    const head = b.code.split('\n')[0].slice(0, 70);
    process.stdout.write(
      `readme: ${status.padEnd(7)} README.md:${b.line} [${b.lang}] ${head}${detail && status !== 'passed' ? `\n${detail.replace(/^/gm, '    ')}` : ''}\n`,
    );
  };
  try {
    let tarball = opt('--tarball');
    if (!tarball) {
      const packed = run('npm', ['pack', '--silent', '--pack-destination', work, '--json'], { cwd: root });
      if (!packed.ok) throw new Error(`npm pack failed:\n${packed.out}`);
      tarball = path.join(work, JSON.parse(packed.out.slice(packed.out.indexOf('[')))[0].filename);
    }
    fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "readme-test", "version": "1.0.0", "private": true, "type": "module" }\n');
    const installed = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project });
    if (!installed.ok) throw new Error(`npm install ${tarball} failed:\n${installed.out}`);
    process.stdout.write(`readme: installed ${path.basename(tarball)} into ${project}\n`);

    const env = { ...process.env, CI: '1', PATH: `${path.join(project, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` };
    // Files first: later blocks use them whatever their order in the README.
    for (const b of blocks.filter((x) => x.file && !x.skip)) fs.writeFileSync(path.join(project, b.file), `${b.code}\n`);

    for (const b of blocks) {
      if (b.lang === 'text') continue;
      if (b.skip) {
        record(b, 'skipped', b.skip);
        continue;
      }
      if (b.lang === 'sh') {
        const t0 = Date.now();
        const r = run('bash', ['-euo', 'pipefail', '-c', b.code], { cwd: project, env });
        record(b, r.ok ? 'passed' : 'failed', r.ok ? `${((Date.now() - t0) / 1000).toFixed(1)} s` : r.out.split('\n').slice(-30).join('\n'));
      } else if (b.lang === 'json') {
        try {
          JSON.parse(b.code);
          record(b, 'passed');
        } catch (err) {
          record(b, 'failed', err.message);
        }
      } else if (b.lang === 'yaml') {
        const r = run(
          process.execPath,
          ['-e', `require('yaml').parse(require('fs').readFileSync(${JSON.stringify(path.join(project, b.file))}, 'utf8'))`],
          {
            cwd: project,
            env,
          },
        );
        // Parsed here; validated by the block that runs it (an experiment config is checked when loaded).
        record(b, r.ok ? 'passed' : 'failed', r.out);
      }
    }

    // The ts blocks, in order, as one module: each continues the one before (a tutorial).
    const ts = blocks.filter((b) => b.lang === 'ts' && !b.skip);
    if (ts.length) {
      const source = ts.map((b) => `// README.md:${b.line}\n${b.code}`).join('\n\n');
      fs.writeFileSync(path.join(project, 'readme.mts'), `${source}\n`);
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const compiled = run(
        process.execPath,
        [
          tsc,
          '--strict',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--target',
          'es2022',
          '--types',
          'node',
          '--typeRoots',
          path.join(root, 'node_modules', '@types'),
          '--outDir',
          'out',
          'readme.mts',
        ],
        { cwd: project, env },
      );
      let outcome = compiled.ok ? null : `tsc:\n${compiled.out}`;
      if (!outcome) {
        const ran = run(process.execPath, ['out/readme.mjs'], { cwd: project, env });
        if (!ran.ok) outcome = `node:\n${ran.out.split('\n').slice(-30).join('\n')}`;
      }
      for (const b of ts) record(b, outcome ? 'failed' : 'passed', outcome ?? '');
    }
  } catch (err) {
    process.stdout.write(`readme: setup failed: ${err.message}\n`);
    results.push({ line: 0, lang: 'setup', status: 'failed', detail: err.message });
  } finally {
    if (!args.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
    else process.stdout.write(`readme: kept ${work}\n`);
  }
  const count = (s) => results.filter((r) => r.status === s).length;
  const summary = { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), blocks: results };
  if (opt('--json')) fs.writeFileSync(opt('--json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`readme: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped\n`);
  process.exitCode = summary.failed ? 1 : 0;
}

main();
