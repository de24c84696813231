#!/usr/bin/env bash
# The package as a user gets it. Packs the npm tarball (with this machine's prebuilt binary, built
# by `npm run native:prebuild` as the release workflow does) and proves, in empty projects:
#   1. with no compiler, cmake or make on PATH, `npm install <tarball>` succeeds without building
#      (the prebuild loads; cmake-js is not installed), `npx dlnflow inspect` works, a preset runs
#      into a report with SVG, PNG and PDF figures, and the package is usable through both
#      require() and import, with types for both (tsc --module nodenext); prints the install's size;
#   1b. `--omit=optional` (a train-only install) leaves out the PNG/PDF stack, prints its size, and
#      still trains and writes SVG figures and report.html, saying how to get the rest;
#   2. --build-from-source is honoured: without the tools it fails, naming what to install;
#   3. with the tools, --build-from-source builds from the sources in the tarball alone (the
#      fallback for platforms without a prebuild), and that build agrees with the prebuild.
# Usage: scripts/ci/test-tarball.sh            (builds the prebuild for this machine first)
#        DLNFLOW_TARBALL_PREBUILDS=keep ...    (packs prebuilds/ as it is: CI's package job, which
#                                               collected every platform's prebuild)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
fixture=$root/test/fixtures/mc-small.json
here=$root/scripts/ci/tarball

work=$(mktemp -d "${TMPDIR:-/tmp}/dlnflow-tarball.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { printf '\ntarball: %s\n' "$*"; }
fail() { printf 'tarball: FAILED: %s\n' "$*" >&2; exit 1; }

if [ "${DLNFLOW_TARBALL_PREBUILDS:-build}" != keep ]; then
  step "building this machine's prebuild (npm run native:prebuild)"
  npm run --silent native:prebuild >"$work/prebuild.log" 2>&1 || { cat "$work/prebuild.log"; fail "native:prebuild"; }
  grep -E '^prebuild:native: loads' "$work/prebuild.log" || true
fi

step "npm pack"
npm pack --silent --pack-destination "$work" --json >"$work/pack.json"
tarball=$work/$(node -p 'require(process.argv[1])[0].filename' "$work/pack.json")
node - "$work/pack.json" "$(node -p 'process.platform + "-" + process.arch')" <<'EOF'
// What ships: the built JS with both entry points and types, the CLI, this platform's prebuild, and
// the sources a fallback build needs -- and nothing else (no tests, TS sources, maps, build/).
const [packJson, tuple] = process.argv.slice(2);
const pack = require(packJson)[0];
const files = pack.files.map((f) => f.path);
const must = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts',
  'dist/index.d.mts', 'dist/cli/main.js', 'bin/dlnflow.js', 'scripts/install.js', 'CMakeLists.txt', 'cmake/DlnBlas.cmake',
  'cmake/addon-exports.map', 'src/gd.cpp', 'src/lanes/lane_kernels.inc', 'binding/addon.cpp', 'dist/vendor/vega.min.js', 'dist/vendor/vega-lite.min.js',
  'dist/vendor/vega-embed.min.js', 'dist/vendor/fonts/DejaVuSans.ttf', 'dist/vendor/NOTICES.txt', 'docs/math.md',
  'scripts/slurm/dlnflow-array.sbatch',
  tuple.startsWith('linux') ? `prebuilds/${tuple}/dlnflow.glibc.node` : `prebuilds/${tuple}/dlnflow.node`];
const missing = must.filter((f) => !files.includes(f));
const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/.+\.(js|mjs|d\.ts|d\.mts)|dist\/vendor\/(NOTICES\.txt|fonts\/DejaVuSans(-Bold)?\.ttf)|bin\/dlnflow\.js|scripts\/install\.js|scripts\/slurm\/dlnflow-array\.sbatch|docs\/[a-z0-9-]+\.md|CMakeLists\.txt|cmake\/.+|src\/.+\.(cpp|hpp|inc)|binding\/.+\.(cpp|hpp)|prebuilds\/[a-z0-9]+-[a-z0-9]+\/dlnflow(\.glibc|\.musl)?\.node)$/;
const stray = files.filter((f) => !allowed.test(f));
if (missing.length || stray.length) {
  console.error(`missing: ${missing.join(', ') || '-'}\nnot meant to ship: ${stray.join(', ') || '-'}`);
  process.exit(1);
}
console.log(`${pack.filename}: ${files.length} files, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
EOF

# A PATH holding only node, npm, npx and sh (npm runs lifecycle scripts with it): no cmake, no
# compiler, no make -- checked, not assumed.
sandbox=$work/sandbox-bin
mkdir -p "$sandbox"
for tool in node npm npx sh; do ln -s "$(command -v "$tool")" "$sandbox/$tool"; done
for tool in cmake c++ g++ gcc cc clang clang++ make gmake ninja; do
  if PATH=$sandbox command -v "$tool" >/dev/null 2>&1; then fail "$tool is reachable on the stripped PATH"; fi
done
sandboxed() { env PATH="$sandbox" "$@"; }
sandboxed node -e 'require("node:child_process").execFileSync("cmake", ["--version"])' >/dev/null 2>&1 &&
  fail 'a child process found cmake on the stripped PATH'

new_project() {
  mkdir -p "$work/$1"
  printf '{ "name": "%s", "version": "1.0.0", "private": true }\n' "$1" >"$work/$1/package.json"
}
npm_flags=(--no-audit --no-fund --prefer-offline --foreground-scripts)

step "1. install with no compiler, cmake or make on PATH"
new_project plain
(cd "$work/plain" && sandboxed npm install "${npm_flags[@]}" "$tarball") >"$work/plain.log" 2>&1 || { cat "$work/plain.log"; fail 'install without tools'; }
pkg=$work/plain/node_modules/dlnflow
[ ! -e "$pkg/build" ] || fail "the install built from source although a prebuild loads ($pkg/build exists)"
# What the install costs: packages and megabytes of node_modules (dlnflow included). cmake-js is
# not among them (install.js fetches it only for a source build).
install_size() {
  node -e '
const fs = require("fs"); const path = require("path");
let n = 0;
const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
  if (!e.isDirectory() || e.name === ".bin") continue;
  const full = path.join(dir, e.name);
  if (e.name.startsWith("@")) { walk(full); continue; }
  if (fs.existsSync(path.join(full, "package.json"))) { n++; if (fs.existsSync(path.join(full, "node_modules"))) walk(path.join(full, "node_modules")); }
} };
walk(process.argv[1]);
console.log(n);' "$1/node_modules"
}
size_line() { echo "$(install_size "$1") packages, $(du -sm "$1/node_modules" | cut -f1) MB (dlnflow itself $(du -sm "$1/node_modules/dlnflow" | cut -f1) MB)"; }
echo "install: $(size_line "$work/plain")"
[ ! -e "$work/plain/node_modules/cmake-js" ] || fail 'cmake-js was installed although the prebuild loads'
grep -F 'install-scripts' "$work/plain.log" || echo 'npm printed no install-scripts notice'
(cd "$work/plain" && sandboxed npx --no-install dlnflow inspect "$fixture" --json) >"$work/inspect.json" ||
  fail 'npx dlnflow inspect'
node -e '
const r = require(process.argv[1]);
const ok = r.problem.kind === "regression" && r.problem.paramCount === 55 && Number.isFinite(r.loss) &&
  r.loss > r.problem.lossMinimum && Math.abs(r.theory.criticalLearningRate * r.theory.sMin - 2) < 1e-12 &&
  Math.abs(r.theory.wStarNorm - 1) < 1e-12;
if (!ok) { console.error(JSON.stringify(r, null, 2)); process.exit(1); }
console.log(`npx dlnflow inspect: loss ${r.loss}, S_min ${r.theory.sMin}, critical eta ${r.theory.criticalLearningRate}`);
' "$work/inspect.json" || fail 'inspect output'
# The main job as a user of the package runs it: a preset reproduced into a report.
(cd "$work/plain" && CI=1 sandboxed npx --no-install dlnflow run marion-chizat-fig1 --quick --out "$work/plain/fig1") >"$work/run.log" 2>&1 ||
  { cat "$work/run.log"; fail 'npx dlnflow run marion-chizat-fig1 --quick'; }
for f in report.html summary.json results.jsonl figures/sharpness.svg figures/sharpness.png figures/sharpness.pdf figures/sharpness.vl.json; do
  [ -s "$work/plain/fig1/$f" ] || { cat "$work/run.log"; fail "dlnflow run wrote no $f"; }
done
grep -q '✗' "$work/run.log" && { cat "$work/run.log"; fail 'a finding of the quick Fig. 1 reproduction failed'; }
echo "npx dlnflow run marion-chizat-fig1 --quick: $(grep -c '✓' "$work/run.log") findings hold, report written"
cp "$here/smoke.cjs" "$here/smoke.mjs" "$here/consumer.mts" "$here/consumer.cts" "$work/plain/"
(cd "$work/plain" && sandboxed node smoke.cjs "$fixture" "$work/inspect.json") || fail 'require()'
(cd "$work/plain" && sandboxed node smoke.mjs "$fixture") || fail 'import'
(cd "$work/plain" && sandboxed node "$root/node_modules/typescript/bin/tsc" --noEmit --strict --module nodenext \
  --moduleResolution nodenext --target es2022 --types node --typeRoots "$root/node_modules/@types" consumer.mts consumer.cts) ||
  fail 'types for import and require (tsc --module nodenext)'
echo 'tsc --module nodenext: consumer.mts (import) and consumer.cts (require) type-check'

step "1b. a train-only install (--omit=optional): no PNG/PDF stack; training, SVG figures and report.html still work"
new_project trainonly
(cd "$work/trainonly" && sandboxed npm install "${npm_flags[@]}" --omit=optional "$tarball") >"$work/trainonly.log" 2>&1 || { cat "$work/trainonly.log"; fail 'install --omit=optional'; }
echo "install --omit=optional: $(size_line "$work/trainonly")"
for gone in @resvg/resvg-js pdfkit svg-to-pdfkit; do [ ! -e "$work/trainonly/node_modules/$gone" ] || fail "--omit=optional still installed $gone"; done
cp "$here/smoke.cjs" "$work/trainonly/"
(cd "$work/trainonly" && sandboxed node smoke.cjs "$fixture" "$work/inspect.json") || fail 'require() in a train-only install'
(cd "$work/trainonly" && CI=1 sandboxed npx --no-install dlnflow run marion-chizat-fig1-traces --quick --out "$work/trainonly/traces") >"$work/trainonly-run.log" 2>&1 ||
  { cat "$work/trainonly-run.log"; fail 'dlnflow run in a train-only install'; }
grep -qF 'PNG and PDF figures not written: optional dependencies not installed (npm install @resvg/resvg-js pdfkit svg-to-pdfkit)' "$work/trainonly-run.log" ||
  { cat "$work/trainonly-run.log"; fail 'the train-only report does not say why PNG and PDF are missing'; }
[ -s "$work/trainonly/traces/figures/eta-0.1.svg" ] && [ ! -e "$work/trainonly/traces/figures/eta-0.1.png" ] && grep -q 'vegaEmbed' "$work/trainonly/traces/report.html" ||
  fail 'a train-only report should have SVG figures and the interactive page, and no PNG'
if (cd "$work/trainonly" && sandboxed npx --no-install dlnflow report "$work/trainonly/traces" --formats png) >"$work/trainonly-png.log" 2>&1; then
  fail '--formats png succeeded without @resvg/resvg-js'
fi
grep -qF 'npm install @resvg/resvg-js' "$work/trainonly-png.log" || { cat "$work/trainonly-png.log"; fail '--formats png without the library must name it'; }
echo 'train-only: trains, writes SVG figures and report.html, says how to get PNG/PDF, and --formats png names the package'

step "2. --build-from-source with no tools must fail and say what to install"
new_project forced
if (cd "$work/forced" && sandboxed npm install "${npm_flags[@]}" "$tarball" --build-from-source) >"$work/forced.log" 2>&1; then
  fail '--build-from-source succeeded with no compiler: it was not honoured'
fi
for needle in 'A source build was requested (--build-from-source)' 'cmake (>= 3.18)' 'sudo apt-get install cmake make g++ pkg-config libopenblas-dev' 'npm rebuild dlnflow --build-from-source'; do
  grep -qF -- "$needle" "$work/forced.log" || { cat "$work/forced.log"; fail "the failure message lacks: $needle"; }
done
echo 'failed as it must, naming cmake, a compiler and libopenblas-dev'

step "3. --build-from-source with the tools builds from the tarball's sources alone"
new_project source
(cd "$work/source" && npm install "${npm_flags[@]}" "$tarball" --build-from-source) >"$work/source.log" 2>&1 || { tail -40 "$work/source.log"; fail 'source build from the tarball'; }
[ -f "$work/source/node_modules/dlnflow/build/Release/dlnflow.node" ] || fail 'no build/Release/dlnflow.node after a source build'
(cd "$work/source" && npx --no-install dlnflow inspect "$fixture" --json) >"$work/inspect-source.json" || fail 'inspect (source build)'
node -e '
// The source build (system libstdc++, this compiler) and the prebuild (static libstdc++, possibly
// another compiler in CI) run the same code on the same input; they may differ only by rounding
// in differently scheduled floating point, far below 1e-12 relative on this 55-parameter problem.
const [a, b] = process.argv.slice(1).map((f) => require(f));
for (const k of ["loss", "gradNorm", "excessLoss", "distance"]) {
  const rel = Math.abs(a[k] - b[k]) / Math.abs(b[k]);
  if (!(rel <= 1e-12)) { console.error(`${k}: prebuild ${b[k]} vs source build ${a[k]}`); process.exit(1); }
}
console.log("source build agrees with the prebuild (loss, gradNorm, excessLoss, distance within 1e-12 relative)");
' "$work/inspect-source.json" "$work/inspect.json" || fail 'source build disagrees with the prebuild'

step "all tarball checks passed"
