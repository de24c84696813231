/**
 * Packaging: what a user sees when the addon cannot load (simulated failures of the real loader
 * path, node-gyp-build + dlopen, on scratch package roots), and the exports map of this repo
 * (require and import resolve, the ESM face re-exports the CommonJS build). The installed tarball
 * itself is exercised by scripts/ci/test-tarball.sh.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DlnError } from '../lib';
import { loadNative, native, packageRoot } from '../lib/native';

const tuple = `${process.platform}-${process.arch}`;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- node-gyp-build is CommonJS without type declarations
const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
/** The binary this process loads: build/Release after a source build, else the prebuild. */
const addonInUse = () => nodeGypBuild.resolve(packageRoot);
const scratch: string[] = [];

/** A package root holding only package.json and the given prebuilds/<dir>/<file> binaries. */
function fakePackage(files: Record<string, Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlnflow-load-'));
  scratch.push(root);
  fs.writeFileSync(path.join(root, 'package.json'), '{ "name": "dlnflow-load-test" }\n');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

function loadError(root: string): DlnError {
  try {
    loadNative(root);
  } catch (err) {
    expect(err).toBeInstanceOf(DlnError);
    expect((err as DlnError).code).toBe('ERR_DLN_NATIVE_LOAD');
    return err as DlnError;
  }
  throw new Error(`the addon under ${root} loaded`);
}

/** Where the dynamic string table (.dynstr: sonames, symbol and version names) lies in an ELF64. */
function dynstr(elf: Buffer): { start: number; end: number } {
  expect(elf.readUInt32BE(0)).toBe(0x7f454c46);
  expect(elf[4]).toBe(2); // ELFCLASS64
  expect(elf[5]).toBe(1); // little-endian
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const section = (i: number) => {
    const h = shoff + i * shentsize;
    return { name: elf.readUInt32LE(h), offset: Number(elf.readBigUInt64LE(h + 0x18)), size: Number(elf.readBigUInt64LE(h + 0x20)) };
  };
  const names = section(elf.readUInt16LE(0x3e));
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const end = elf.indexOf(0, names.offset + s.name);
    if (elf.toString('latin1', names.offset + s.name, end) === '.dynstr') return { start: s.offset, end: s.offset + s.size };
  }
  throw new Error('no .dynstr section');
}

/** The built addon with one string of its dynamic string table replaced (same length). */
function patchedAddon(from: string, to: string): Buffer {
  expect(to.length).toBe(from.length); // same length: every offset in the ELF stays valid
  const addon = fs.readFileSync(addonInUse());
  const { start, end } = dynstr(addon);
  const table = addon.subarray(start, end);
  const needle = Buffer.from(`\0${from}\0`); // a whole string, not the tail of a longer one
  const at = table.indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(table.indexOf(needle, at + 1)).toBe(-1);
  const copy = Buffer.from(addon);
  copy.write(to, start + at + 1, 'latin1');
  return copy;
}

afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

describe('load failures name their fix', () => {
  if (process.platform === 'linux') {
    beforeAll(() => {
      // The patches start from the binary in use (the source build, or the prebuild in CI's
      // prebuild jobs), which must be the OpenBLAS build Linux ships.
      expect(native().buildInfo().blasVendor).toBe('openblas');
    });

    test('a missing OpenBLAS runtime: the dlopen error, then the package to install per distribution', () => {
      // The addon's DT_NEEDED entry renamed to a soname no system has: exactly the loader's
      // failure on a machine without libopenblas0, without touching this machine's libraries.
      const root = fakePackage({ [`prebuilds/${tuple}/dlnflow.node`]: patchedAddon('libopenblas.so.0', 'libopenblas.so.9') });
      const { message } = loadError(root);
      expect(message).toContain('libopenblas.so.9: cannot open shared object file');
      expect(message).toContain('The OpenBLAS runtime library (libopenblas.so.9) is missing');
      expect(message).toContain('sudo apt-get install libopenblas0');
      expect(message).toContain("sudo dnf install 'libopenblas.so.0()(64bit)'");
      expect(message).toContain('no rebuild needed');
    });

    test('too old a glibc: the version required and the version found, then the source build', () => {
      const addon = fs.readFileSync(addonInUse());
      const { start, end } = dynstr(addon);
      const versions = [...addon.toString('latin1', start, end).matchAll(/\0GLIBC_2\.(\d\d)(?=\0)/g)].map((m) => m[1]);
      expect(versions.length).toBeGreaterThan(0);
      const root = fakePackage({ [`prebuilds/${tuple}/dlnflow.node`]: patchedAddon(`GLIBC_2.${versions[0]}`, 'GLIBC_2.99') });
      const { message } = loadError(root);
      const found = (process.report.getReport() as { header: { glibcVersionRuntime: string } }).header.glibcVersionRuntime;
      expect(message).toMatch(/version [`']GLIBC_2\.99' not found/);
      expect(message).toContain(`The prebuilt binary needs glibc >= 2.99; this system has glibc ${found}.`);
      expect(message).toContain('npm rebuild dlnflow --build-from-source');
    });
  }

  test('no binary for this platform: what the package ships and how to build one', () => {
    const root = fakePackage({ 'prebuilds/sunos-x64/dlnflow.node': Buffer.from('not for this platform') });
    const { message } = loadError(root);
    expect(message).toContain(`Could not load the dlnflow native addon (${tuple}, node ${process.version})`);
    expect(message).toContain('No native build was found');
    expect(message).toContain(`No prebuilt binary matches ${tuple}`);
    expect(message).toContain('this package ships: sunos-x64');
    expect(message).toContain('npm rebuild dlnflow --build-from-source (a source build needs cmake (>= 3.18)');
  });

  test('a file that is not a binary for this machine (node_modules copied across platforms)', () => {
    const root = fakePackage({ [`prebuilds/${tuple}/dlnflow.node`]: Buffer.alloc(4096, 0x5a) });
    const { message } = loadError(root);
    expect(message).toContain('The binary was built for another platform or architecture');
    expect(message).toContain('rm -rf node_modules && npm install');
  });
});

describe('exports map (self-reference from the repository)', () => {
  function node(args: string[]): string {
    const r = spawnSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.trim();
  }

  test('require() and import resolve to the CommonJS build and its ESM face, with the same exports', () => {
    const cjs = JSON.parse(node(['-p', 'JSON.stringify({ entry: require.resolve("dlnflow"), names: Object.keys(require("dlnflow")) })']));
    expect(cjs.entry).toBe(path.join(packageRoot, 'dist', 'index.js'));
    expect(cjs.names).toEqual(expect.arrayContaining(['Problem', 'train', 'DlnError', 'loadProblemFile']));

    const esm = JSON.parse(
      node([
        '--input-type=module',
        '-e',
        `import * as ns from 'dlnflow';
         import { createRequire } from 'node:module';
         import { fileURLToPath } from 'node:url';
         const cjs = createRequire(import.meta.url)('dlnflow');
         const same = Object.keys(cjs).every((k) => ns[k] === cjs[k]) && ns.default === cjs;
         console.log(JSON.stringify({ entry: fileURLToPath(import.meta.resolve('dlnflow')),
           names: Object.keys(ns).filter((k) => k !== 'default'), same }));`,
      ]),
    );
    expect(esm.entry).toBe(path.join(packageRoot, 'dist', 'index.mjs'));
    expect([...esm.names].sort()).toEqual([...cjs.names].sort());
    expect(esm.same).toBe(true);
  });
});

describe('publish gate (scripts/prebuild/check.js) reads the promises from the binary itself', () => {
  const check = path.join(packageRoot, 'scripts', 'prebuild', 'check.js');
  const gate = (root: string, only: string) => spawnSync(process.execPath, [check, '--only', only, '--root', root], { encoding: 'utf8' });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of scripts/prebuild, without type declarations
  const { inspectBinary } = require('../scripts/prebuild/inspect.js');

  if (process.platform === 'linux') {
    test('a source build is refused (system libstdc++, RPATH), a DLN_PORTABLE prebuild passes', () => {
      const inUse = addonInUse();
      const only = `linux-${process.arch}`;
      const r = gate(fakePackage({ [`prebuilds/${only}/dlnflow.glibc.node`]: fs.readFileSync(inUse) }), only);
      if (inUse.includes(`${path.sep}prebuilds${path.sep}`)) {
        // CI's prebuild job runs this suite against the portable binary alone.
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
      } else {
        // A development build links libstdc++ dynamically: never publishable, whatever the distro.
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/needs the system C\+\+ runtime \(GLIBCXX_[0-9.]+\): not a DLN_PORTABLE build/);
        expect(r.stderr).toMatch(/links [^\n]*libstdc\+\+\.so\.6[^\n]*: users are told OpenBLAS is the only library/);
      }
    });
  }

  if (process.platform === 'darwin') {
    test('a binary edited after linking (as strip does) fails its arm64 signature check', () => {
      const addon = fs.readFileSync(addonInUse());
      const intact = inspectBinary(addonInUse()).slices.find((s: { arch: string }) => s.arch === 'arm64');
      expect(intact.signatureValid).toBe(true); // the linker's ad-hoc signature
      const edited = Buffer.from(addon);
      edited[edited.length >> 1] ^= 0xff; // inside the signed code range, away from the headers
      const r = gate(fakePackage({ 'prebuilds/darwin-arm64/dlnflow.node': edited }), 'darwin-arm64');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('arm64: code signature does not match the code');
    });
  }

  test('a missing platform is refused, naming the file', () => {
    const r = gate(fakePackage({}), 'linux-x64');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing prebuilds/linux-x64/dlnflow.glibc.node');
  });
});
