/**
 * The package's entry points and its load-failure messages, from the source tree. (The installed
 * tarball, without compilers, is proven by scripts/ci/test-tarball.sh in CI.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadFailureHints } from '../lib/load-help';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

function node(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('package entry points', () => {
  test('every file the exports map names exists, and types come first in each condition', () => {
    const dot = pkg.exports['.'];
    for (const condition of ['import', 'require']) {
      expect(Object.keys(dot[condition])[0]).toBe('types'); // TypeScript takes the first match
      for (const file of Object.values(dot[condition]) as string[]) expect(existsSync(path.join(root, file))).toBe(true);
    }
    expect(existsSync(path.join(root, pkg.bin.dlnflow))).toBe(true);
  });

  test('import and require resolve to one module instance with the same names', () => {
    // Self-reference by package name goes through the exports map, as for a dependent package.
    const r = node([
      '--input-type=module',
      '-e',
      `import * as ns from 'dlnflow';
       import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       const cjs = require('dlnflow');
       console.log(JSON.stringify({
         esm: import.meta.resolve('dlnflow'), cjs: require.resolve('dlnflow'),
         esmNames: Object.keys(ns).filter((k) => k !== 'default').sort(), cjsNames: Object.keys(cjs).sort(),
         sameDefault: ns.default === cjs, sameClass: ns.Problem === cjs.Problem,
       }));`,
    ]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.esm).toMatch(/\/dist\/index\.mjs$/);
    expect(out.cjs).toMatch(/[\\/]dist[\\/]index\.js$/);
    expect(out.esmNames).toEqual(out.cjsNames);
    expect(out.cjsNames).toEqual(expect.arrayContaining(['Problem', 'train', 'DlnError', 'initWeights']));
    expect(out.sameDefault).toBe(true);
    expect(out.sameClass).toBe(true);
  });
});

describe('native load failures name the fix', () => {
  // DLNFLOW_PREBUILD is node-gyp-build's own override of where the binary is looked up: the
  // child loads the compiled package normally, only the addon comes from the directory given.
  function loadWith(dir: string) {
    const r = node(['-e', `try { require('./dist').buildInfo(); console.log('loaded'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`], {
      DLNFLOW_PREBUILD: dir,
    });
    expect(r.stdout).not.toMatch(/^loaded/);
    return JSON.parse(r.stdout) as { code: string; message: string };
  }

  test('no binary for this platform: build from source, with what that needs', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'dlnflow-empty-'));
    writeFileSync(path.join(empty, 'package.json'), '{"name":"dlnflow"}');
    const e = loadWith(empty);
    expect(e.code).toBe('ERR_DLN_NATIVE_LOAD');
    expect(e.message).toContain('No native build was found');
    expect(e.message).toContain('npm rebuild dlnflow --build-from-source');
    expect(e.message).toContain('sudo apt-get install cmake g++ libopenblas-dev');
  });

  // Linux binaries link the system OpenBLAS: a same-length rename of the NEEDED entry in a copy
  // makes the dlopen fail exactly as on a machine without libopenblas0, touching nothing else.
  // macOS binaries use Accelerate, part of the OS: nothing to install.
  test('the one runtime requirement: missing OpenBLAS says to install libopenblas0 (Linux); none on macOS', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { inspectBinary } = require('../scripts/prebuild-inspect.js');
    // The binary the package loads here: build/Release after a source build, else the prebuild.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const built: string = require('node-gyp-build').resolve(root);
    const report = inspectBinary(built);
    if (report.format === 'macho') {
      for (const slice of report.slices) {
        expect(slice.dylibs.some((d: string) => d.includes('Accelerate.framework'))).toBe(true);
        expect(slice.dylibs.filter((d: string) => !d.startsWith('/usr/lib/') && !d.startsWith('/System/'))).toEqual([]);
      }
      return;
    }
    expect(report.needed).toContain('libopenblas.so.0');
    const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-noblas-'));
    mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"name":"dlnflow"}');
    const copy = path.join(dir, 'build', 'Release', 'dlnflow.node');
    copyFileSync(built, copy);
    const bytes = readFileSync(copy);
    bytes.write('libopenblas.so.9', report.neededOffsets['libopenblas.so.0'], 'latin1');
    writeFileSync(copy, bytes);

    const e = loadWith(dir);
    expect(e.code).toBe('ERR_DLN_NATIVE_LOAD');
    expect(e.message).toContain('libopenblas.so.9: cannot open shared object file');
    expect(e.message).toContain('sudo apt-get install libopenblas0');
    expect(e.message).toContain('no rebuild needed');
    expect(e.message).not.toContain('--build-from-source');
  });

  test.each([
    [
      "/x/dlnflow.glibc.node: /lib/x86_64-linux-gnu/libm.so.6: version `GLIBC_2.29' not found (required by /x/dlnflow.glibc.node)",
      ['glibc 2.29', 'glibc >= 2.29', '--build-from-source'],
    ],
    ["/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.30' not found", ['GLIBCXX_3.4.30', 'libstdc++6', '--build-from-source']],
    ['libgfortran.so.5: cannot open shared object file: No such file or directory', ['libopenblas0']],
    ['/x/dlnflow.node: wrong ELF class: ELFCLASS32', ['another platform or architecture']],
    ['Cannot load native addon because loading addons is disabled. [ERR_DLOPEN_DISABLED]', ['--no-addons']],
  ])('%s', (message, expected) => {
    const hints = loadFailureHints(message, root).join('\n');
    for (const text of expected) expect(hints).toContain(text);
  });
});
