#!/usr/bin/env bash
# The package as a user gets it: build this platform's prebuilt binary, `npm pack`, install the
# tarball into an empty project with no compiler, cmake or make on PATH, then use it: the CLI on a
# small problem, require() and import, TypeScript types for both, the error when OpenBLAS is
# missing (Linux), and the message of a source build that cannot work.
#
#   bash scripts/ci/test-tarball.sh [--no-build]
#     --no-build       test the binaries already in prebuilds/ (CI "package" job)
#   TARBALL_DIR=DIR    keep the tarball there (default: a temporary directory)
#
# Needs: node/npm, the repository's node_modules (typescript, @types/node), a built dist/ and
# native addon for the reference output (npm install has made them), the npm registry or cache.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    *) echo "test-tarball: unknown argument $arg" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/dlnflow-tarball.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "test-tarball: FAIL: $*" >&2; exit 1; }
step() { echo "test-tarball: $*"; }

# ---- 1. prebuilt binary and tarball ------------------------------------------------------------
if [ "$build" = 1 ]; then
  step "building this platform's prebuilt binary (npm run build:prebuild)"
  npm run --silent build:prebuild >"$work/prebuild.log" 2>&1 || { cat "$work/prebuild.log"; fail "build:prebuild"; }
  grep -A20 '^prebuild: prebuilds/' "$work/prebuild.log" || true
fi
ls prebuilds/*/*.node >/dev/null 2>&1 || fail "no prebuilt binary in prebuilds/"

tarball_dir="${TARBALL_DIR:-$work}"
mkdir -p "$tarball_dir"
step "npm pack"
npm pack --silent --pack-destination "$tarball_dir" >"$work/pack.out" 2>"$work/pack.err" || { cat "$work/pack.err"; fail "npm pack"; }
tarball="$tarball_dir/$(tail -1 "$work/pack.out")"
[ -f "$tarball" ] || fail "npm pack produced no tarball ($(cat "$work/pack.out"))"
tar -tzf "$tarball" | sed 's|^package/||' | sort >"$work/contents"
step "$(basename "$tarball"): $(wc -l <"$work/contents") files, $(du -k "$tarball" | cut -f1) kB"
for must in package.json README.md LICENSE CHANGELOG.md bin/dlnflow.js dist/index.js dist/index.mjs \
            dist/index.d.ts dist/index.d.mts dist/cli/main.js scripts/install.js CMakeLists.txt \
            cmake/DlnBlas.cmake cmake/dlnflow.exports.map src/evaluator.cpp binding/addon.cpp; do
  grep -qx "$must" "$work/contents" || fail "tarball lacks $must"
done
grep -q '^prebuilds/[^/]*/dlnflow\.\(glibc\.\|musl\.\)\?node$' "$work/contents" || fail "tarball has no prebuilt binary"
if grep -E '^(test|build|node_modules|lib|\.ci|\.github)/|\.(js|mjs|ts)\.map$|^scripts/(bench|ci|native)' "$work/contents"; then
  fail "tarball ships files it should not (above)"
fi

# ---- 2. a PATH without compilers ----------------------------------------------------------------
# node and npm may live next to gcc (/usr/bin): link just them, and the shell npm runs scripts
# with, into a directory of their own.
sandbox="$work/bin"
mkdir -p "$sandbox"
for tool in node npm npx sh; do
  ln -s "$(command -v "$tool")" "$sandbox/$tool"
done
run_sandboxed() { env PATH="$sandbox" "$@"; }
run_sandboxed /bin/sh -c 'for t in cmake c++ g++ gcc cc clang make gmake ninja; do
  if command -v "$t" >/dev/null 2>&1; then echo "still on PATH: $t"; exit 1; fi; done' ||
  fail "the sandbox PATH still reaches a build tool"
step "sandbox PATH has node, npm, npx, sh and no cmake, c++, g++, gcc, cc, clang, make, ninja"

# ---- 3. install into an empty project -----------------------------------------------------------
proj="$work/project"
mkdir -p "$proj"
cd "$proj"
printf '{ "name": "dlnflow-smoke", "version": "1.0.0", "private": true }\n' >package.json
step "npm install <tarball> (no compiler)"
run_sandboxed npm install --no-audit --no-fund --prefer-offline --foreground-scripts "$tarball" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "npm install of the tarball"; }
grep -E '^dlnflow: ' "$work/install.log" || true
grep -q 'dlnflow: using the prebuilt binary prebuilds/' "$work/install.log" ||
  { cat "$work/install.log"; fail "the install script did not report the prebuilt binary"; }
[ ! -e node_modules/dlnflow/build ] || fail "the install compiled something (node_modules/dlnflow/build exists)"

# ---- 4. the CLI ---------------------------------------------------------------------------------
fixture="$repo/test/fixtures/mc-small.json"
run_sandboxed npx --no-install dlnflow inspect "$fixture" --json >"$work/cli.json" || fail "npx dlnflow inspect"
(cd "$repo" && node bin/dlnflow.js inspect "$fixture" --json) >"$work/reference.json" || fail "reference run in the repository"
node -e '
const [got, want] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")));
const { deepStrictEqual } = require("assert");
if (!(got.loss > 0 && Number.isFinite(got.loss) && got.theory.sMin > 0)) throw new Error("implausible output");
// Same source, same runtime libm and OpenBLAS, IEEE arithmetic without fast-math: the prebuilt
// binary must reproduce the repository build bit for bit.
deepStrictEqual(got, want);
console.log(`test-tarball: CLI ok (loss ${got.loss}, sMin ${got.theory.sMin}, identical to the repository build)`);
' "$work/cli.json" "$work/reference.json" || fail "CLI output differs from the repository build"

# ---- 5. require, import, types ------------------------------------------------------------------
cat >use.cjs <<'EOF'
const assert = require('node:assert');
const d = require('dlnflow');
assert.match(require.resolve('dlnflow'), /node_modules[\\/]dlnflow[\\/]dist[\\/]index\.js$/);
assert.strictEqual(require('dlnflow/package.json').name, 'dlnflow');
assert.throws(() => require('dlnflow/dist/native.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
const data = d.marionChizatData({ n: 20, d: 3, noise: 0.5, seed: 1 });
const widths = [3, 3, 1];
const problem = d.Problem.regression({ X: data.X, y: data.y, widths });
const w0 = d.initWeights(widths, { kind: 'gaussian', scale: 0.5, seed: 2 });
const before = problem.evaluate(w0).loss;
d.train(problem, w0, { learningRate: 0.05, steps: 200 }).then((run) => {
  const after = problem.evaluate(run.weights).loss;
  assert.ok(after < before, `training did not reduce the loss (${before} -> ${after})`);
  assert.strictEqual(d.buildInfo().napiVersion, 8);
  console.log(`test-tarball: require ok (${d.buildInfo().blasVendor}; loss ${before.toFixed(4)} -> ${after.toFixed(4)})`);
});
EOF
cat >use.mjs <<'EOF'
import assert from 'node:assert';
import { createRequire } from 'node:module';
import dlnflow, { Problem, train, marionChizatData, initWeights, DlnError } from 'dlnflow';
import * as ns from 'dlnflow';
const cjs = createRequire(import.meta.url)('dlnflow');
assert.match(import.meta.resolve('dlnflow'), /\/dlnflow\/dist\/index\.mjs$/);
// One module instance whichever way it is loaded (no dual-package hazard).
assert.strictEqual(dlnflow, cjs);
assert.strictEqual(Problem, cjs.Problem);
assert.deepStrictEqual(Object.keys(ns).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
const data = marionChizatData({ n: 20, d: 3, noise: 0.5, seed: 1 });
const problem = Problem.regression({ X: data.X, y: data.y, widths: [3, 3, 1] });
const run = await train(problem, initWeights([3, 3, 1], { kind: 'gaussian', scale: 0.5, seed: 2 }), { learningRate: 0.05, steps: 200 });
assert.ok(['completed', 'converged'].includes(run.status));
assert.throws(() => Problem.regression({ X: data.X, y: data.y, widths: [4, 1] }), (e) => e instanceof DlnError && e.code === 'ERR_DLN_SHAPE');
console.log(`test-tarball: import ok (${Object.keys(ns).length - 1} named exports, same instance as require)`);
EOF
run_sandboxed node use.cjs || fail "require('dlnflow')"
run_sandboxed node use.mjs || fail "import 'dlnflow'"

cat >types.mts <<'EOF'
import dlnflow, { Problem, type RunResult } from 'dlnflow';
const p: typeof Problem = dlnflow.Problem;
export const status: RunResult['status'] | undefined = undefined;
export { p };
EOF
cat >types.cts <<'EOF'
import dlnflow = require('dlnflow');
export const e: dlnflow.DlnErrorCode = 'ERR_DLN_SHAPE';
export const P: typeof dlnflow.Problem = dlnflow.Problem;
EOF
cat >tsconfig.json <<EOF
{ "compilerOptions": { "module": "node16", "moduleResolution": "node16", "target": "ES2022", "strict": true,
    "noEmit": true, "typeRoots": ["$repo/node_modules/@types"], "types": ["node"] },
  "files": ["types.mts", "types.cts"] }
EOF
run_sandboxed node "$repo/node_modules/typescript/bin/tsc" -p tsconfig.json || fail "TypeScript (node16, ESM and CJS) cannot type the package"
step "types ok (exports' types for import and require, module node16)"

# ---- 6. failure messages -----------------------------------------------------------------------
# A source build without compilers must fail with what to install, and leave the prebuild usable.
if run_sandboxed npm rebuild dlnflow --build-from-source --foreground-scripts >"$work/rebuild.log" 2>&1; then
  fail "npm rebuild --build-from-source succeeded without a compiler?"
fi
grep -q 'building from source as requested' "$work/rebuild.log" || { cat "$work/rebuild.log"; fail "--build-from-source was not honoured"; }
grep -q 'sudo apt-get install cmake g++ libopenblas-dev' "$work/rebuild.log" || { cat "$work/rebuild.log"; fail "no install advice after a failed source build"; }
run_sandboxed npx --no-install dlnflow inspect "$fixture" --json >/dev/null || fail "the prebuild stopped working after a failed source build"
step "--build-from-source without compilers: fails naming what to install; the prebuild still loads"

# Linux: the prebuild needs libopenblas.so.0 from the system. Rename the dependency inside the
# installed binary (same length, so nothing moves) to one that exists nowhere: the dlopen fails
# exactly as on a machine without the library, without touching this machine's libraries.
if [ "$(uname -s)" = Linux ]; then
  node -e '
const fs = require("fs");
const { inspectBinary } = require(process.argv[1]);
for (const f of process.argv.slice(2)) {
  const at = inspectBinary(f).neededOffsets["libopenblas.so.0"];
  if (at === undefined) throw new Error(`${f} does not link libopenblas.so.0`);
  const buf = fs.readFileSync(f);
  buf.write("libopenblas.so.9", at, "latin1");
  fs.writeFileSync(f, buf);
}' "$repo/scripts/prebuild-inspect.js" node_modules/dlnflow/prebuilds/linux-*/*.node
  if run_sandboxed npx --no-install dlnflow inspect "$fixture" >"$work/noblas.log" 2>&1; then
    fail "the CLI ran without its OpenBLAS library?"
  fi
  grep -q 'ERR_DLN_NATIVE_LOAD' "$work/noblas.log" && grep -q 'sudo apt-get install libopenblas0' "$work/noblas.log" ||
    { cat "$work/noblas.log"; fail "the missing-OpenBLAS error does not say what to install"; }
  step "missing OpenBLAS runtime: ERR_DLN_NATIVE_LOAD naming libopenblas0"
fi

step "all checks passed"
