/**
 * What to tell a user whose machine cannot load the native addon: the raw loader error, then the
 * specific fix for the failures seen in practice (a missing OpenBLAS runtime, too old a glibc, no
 * binary for this platform, a binary from another machine). Used by lib/native.ts and, through
 * dist/native.js, by the install script.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SOURCE_BUILD_NEEDS =
  'a source build needs cmake (>= 3.18), make or ninja, a C++17 compiler and libopenblas-dev (Debian/Ubuntu) / openblas-devel (Fedora/RHEL)';

/** The glibc version this process runs on, or undefined on other C libraries and platforms. */
function glibcVersion(): string | undefined {
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return report?.header?.glibcVersionRuntime;
  } catch {
    return undefined;
  }
}

function shippedPrebuilds(root: string): string[] {
  try {
    return fs.readdirSync(path.join(root, 'prebuilds')).sort();
  } catch {
    return [];
  }
}

/** One hint per recognised cause, most specific first. */
export function loadFailureHints(message: string, root: string): string[] {
  const hints: string[] = [];
  const missing = /([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file/.exec(message);
  if (missing && /openblas|gfortran|blas/i.test(missing[1])) {
    hints.push(
      `The OpenBLAS runtime library (${missing[1]}) is missing: the one system library dlnflow needs at run time. Install it (no rebuild needed):`,
      '  Debian/Ubuntu:      sudo apt-get install libopenblas0',
      "  Fedora/RHEL/Rocky:  sudo dnf install 'libopenblas.so.0()(64bit)'",
      '  Arch:               sudo pacman -S openblas',
    );
  } else if (missing) {
    hints.push(
      `A shared library the addon links against is missing: ${missing[1]}. Install the package that provides it, or rebuild: npm rebuild dlnflow --build-from-source (${SOURCE_BUILD_NEEDS}).`,
    );
  }

  const glibc = /version [`']GLIBC_([0-9.]+)' not found/.exec(message);
  if (glibc) {
    const found = glibcVersion();
    hints.push(
      `The prebuilt binary needs glibc >= ${glibc[1]}${found ? `; this system has glibc ${found}` : ''}. Build from source instead: npm rebuild dlnflow --build-from-source (${SOURCE_BUILD_NEEDS}).`,
    );
  } else if (/version [`'](GLIBCXX|CXXABI)_[0-9.]+' not found/.test(message)) {
    hints.push(
      'The C++ runtime (libstdc++) found at load time is older than the one the addon was compiled with -- often a conda or other environment shadowing the system library through LD_LIBRARY_PATH. Load with the system libstdc++, or rebuild inside that environment: npm rebuild dlnflow --build-from-source.',
    );
  }

  if (/No native build was found/.test(message)) {
    const shipped = shippedPrebuilds(root);
    const musl = /libc=musl/.test(message);
    hints.push(
      `No prebuilt binary matches ${process.platform}-${process.arch}${musl ? ' (musl)' : ''}${shipped.length ? ` (this package ships: ${shipped.join(', ')}${musl ? ', all for glibc' : ''})` : ''}, and no source build is present. Build one: npm rebuild dlnflow --build-from-source (${musl ? 'Alpine: apk add cmake make g++ pkgconf openblas-dev' : SOURCE_BUILD_NEEDS}).`,
    );
  }

  if (
    /invalid ELF header|wrong ELF class|ELFCLASS|mach-o, but wrong architecture|incompatible architecture|not a mach-o file|not valid mach-o/i.test(
      message,
    )
  ) {
    hints.push(
      'The binary was built for another platform or architecture -- node_modules copied from another machine (a host into a container, x64 into arm64)? Reinstall the dependencies on this machine: rm -rf node_modules && npm install.',
    );
  }
  if (/loading addons is disabled|ERR_DLOPEN_DISABLED/.test(message) || process.execArgv.includes('--no-addons')) {
    hints.push('Node runs with --no-addons: dlnflow needs its native addon. Remove the flag (check NODE_OPTIONS).');
  }
  if (/Cannot find module 'node-gyp-build'/.test(message)) {
    hints.push('The installation is incomplete (node-gyp-build is missing): reinstall dlnflow.');
  }
  return hints;
}

/** The message of ERR_DLN_NATIVE_LOAD: what failed, where, and what to do about it. */
export function loadFailureHelp(err: unknown, root: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return [
    `Could not load the dlnflow native addon (${process.platform}-${process.arch}, node ${process.version}).`,
    message.trim(),
    ...loadFailureHints(message, root),
  ].join('\n');
}
