/**
 * scripts/prebuild/abi-report.js: the portable binary may use AVX/AVX-512 registers only inside
 * the kernels that runtime CPU dispatch selects after checking the CPU (docs/algorithms.md §4.9).
 * Tiny shared libraries compiled here feed the check a true case (wide registers only in
 * dln::kernels::avx2), and false cases (the same code outside those namespaces; a stripped file
 * with no symbols; a symbols file from another build).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const script = path.join(__dirname, '..', 'scripts', 'prebuild', 'abi-report.js');
const x64Linux = process.platform === 'linux' && process.arch === 'x64';
const haveCompiler = x64Linux && spawnSync('g++', ['--version']).status === 0;

/** Builds a shared library from C++ source with AVX2 enabled (the wide registers to find). */
function build(dir: string, name: string, source: string, strip = false): string {
  const src = path.join(dir, `${name}.cpp`);
  const out = path.join(dir, `${name}.so`);
  fs.writeFileSync(src, source + entry);
  const r = spawnSync('g++', ['-O3', '-mavx2', '-fvisibility=hidden', '-shared', '-fPIC', src, '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  if (strip) {
    const stripped = path.join(dir, `${name}.stripped.so`);
    fs.copyFileSync(out, stripped);
    expect(spawnSync('strip', ['--strip-all', stripped]).status).toBe(0);
    return stripped;
  }
  return out;
}

/** The one exported symbol a Node-API addon has (the report flags any other export). */
const entry = 'extern "C" __attribute__((visibility("default"))) void* napi_register_module_v1() { return nullptr; }\n';

/** A loop the compiler vectorizes with ymm registers at -O3 -mavx2, in the given namespace. */
const kernel = (ns: string) => `
namespace ${ns} {
__attribute__((noinline)) void scale(double* x, const double* y, double a, unsigned long n) {
#pragma GCC ivdep
  for (unsigned long i = 0; i < n; ++i) x[i] = a * x[i] + y[i];
}
}
__attribute__((used)) static void (*keep_${ns.replace(/::/g, '_')})(double*, const double*, double, unsigned long) = &${ns}::scale;
`;

function report(file: string, ...extra: string[]) {
  const r = spawnSync(process.execPath, [script, file, ...extra], { encoding: 'utf8' });
  return { status: r.status, json: JSON.parse(r.stdout), stderr: r.stderr };
}

(haveCompiler ? describe : describe.skip)('abi-report: wide registers only in the CPU-dispatched kernels', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlnflow-abi-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('AVX inside dln::kernels::avx2 passes, unstripped or stripped with --symbols', () => {
    const lib = build(dir, 'inside', kernel('dln::kernels::avx2'));
    const r = report(lib);
    expect(r.json.x86.avxOperands).toBeGreaterThan(0);
    expect(r.json.x86.inDispatchedKernels).toBe(r.json.x86.avxOperands);
    expect(r.json.x86.outsideKernels).toEqual([]);
    expect(r.status).toBe(0);
    const stripped = build(dir, 'inside', kernel('dln::kernels::avx2'), true);
    expect(report(stripped, '--symbols', lib).status).toBe(0);
  });

  test('AVX inside dln::lanczos_passes::avx512 (the eigensolver passes, chosen by cpuid) passes', () => {
    const lib = build(dir, 'passes', kernel('dln::lanczos_passes::avx512'));
    const r = report(lib);
    expect(r.json.x86.avxOperands).toBeGreaterThan(0);
    expect(r.json.x86.inDispatchedKernels).toBe(r.json.x86.avxOperands);
    expect(r.status).toBe(0);
  });

  test('false case: the same code outside the dispatched namespaces fails, naming the function', () => {
    const lib = build(dir, 'outside', kernel('dln::engine'));
    const r = report(lib);
    expect(r.status).toBe(1);
    expect(r.json.x86.inDispatchedKernels).toBe(0);
    expect(r.stderr).toMatch(/outside the CPU-dispatched kernels.*_ZN3dln6engine5scale/);
  });

  test('false case: a stripped file alone cannot show where its wide registers are', () => {
    const stripped = build(dir, 'inside', kernel('dln::kernels::avx2'), true);
    const r = report(stripped);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--symbols UNSTRIPPED.node');
  });

  test('false case: a symbols file from another build is refused', () => {
    const stripped = build(dir, 'inside', kernel('dln::kernels::avx2'), true);
    const other = build(dir, 'other', kernel('dln::lanes::avx512') + kernel('dln::kernels::avx2'));
    const r = report(stripped, '--symbols', other);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not the same build');
  });
});
