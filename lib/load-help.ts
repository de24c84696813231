/**
 * The message shown when the native addon does not load: what failed, on which platform, and
 * the one thing to do about it (install a runtime library, update the OS, or build from source).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The source-build requirements, per system, as shell commands. */
export const SOURCE_BUILD_REQUIREMENTS = [
  'A source build needs cmake >= 3.18, a C++17 compiler and a CBLAS library:',
  '  Debian/Ubuntu:  sudo apt-get install cmake g++ libopenblas-dev pkg-config',
  '  Fedora/RHEL:    sudo dnf install cmake gcc-c++ openblas-devel   (RHEL: enable EPEL/CRB)',
  '  Alpine:         apk add cmake g++ make openblas-dev pkgconf',
  '  macOS:          xcode-select --install && brew install cmake     (BLAS: Accelerate)',
].join('\n');

const REBUILD = 'npm rebuild dlnflow --build-from-source';

function glibcVersion(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return report?.header?.glibcVersionRuntime;
  } catch {
    return undefined;
  }
}

function shippedPrebuilds(packageRoot: string): string[] {
  try {
    return fs
      .readdirSync(path.join(packageRoot, 'prebuilds'))
      .flatMap((dir) =>
        fs.readdirSync(path.join(packageRoot, 'prebuilds', dir)).map((file) => {
          const libc = /\.(glibc|musl)\.node$/.exec(file);
          return libc ? `${dir} (${libc[1]})` : dir;
        }),
      );
  } catch {
    return [];
  }
}

/** One line naming this runtime, e.g. `linux-x64, glibc 2.36, node v20.20.2`. */
export function runtimeDescription(): string {
  const glibc = glibcVersion();
  const libc = process.platform === 'linux' ? (glibc ? `glibc ${glibc}` : 'musl') : undefined;
  return [`${process.platform}-${process.arch}`, libc, `node ${process.version}`].filter(Boolean).join(', ');
}

/** Hints for a load failure, most specific first (empty when nothing is recognised). */
export function loadFailureHints(message: string, packageRoot: string): string[] {
  const hints: string[] = [];
  const missingLib = /(lib(?:openblas|gfortran|quadmath)[^\s:'"]*)(?::| \(no such file)/.exec(message);
  if (missingLib && process.platform === 'darwin') {
    hints.push(`This build links Homebrew OpenBLAS (${missingLib[1]}), which is missing: brew install openblas`);
  } else if (missingLib) {
    hints.push(
      [
        `The system OpenBLAS runtime library is missing (${missingLib[1]}); it is the only library the`,
        'prebuilt binary needs besides the C/C++ runtime. Install it (no rebuild needed):',
        '  Debian/Ubuntu:        sudo apt-get install libopenblas0',
        '  Fedora:               sudo dnf install openblas',
        '  RHEL/Rocky/Alma 9:    sudo dnf install epel-release && sudo dnf install openblas',
        '  Arch:                 sudo pacman -S openblas',
      ].join('\n'),
    );
  }
  const glibc = /version [`']GLIBC_([0-9.]+)' not found/.exec(message);
  if (glibc) {
    hints.push(
      `This system's C library (glibc ${glibcVersion() ?? 'unknown'}) is older than the binary needs ` +
        `(glibc ${glibc[1]}). Prebuilt binaries run on glibc >= 2.29 (Debian 11, Ubuntu 20.04, ` +
        `RHEL 9 and later); here, build from source: ${REBUILD}\n${SOURCE_BUILD_REQUIREMENTS}`,
    );
  }
  const cxx = /version [`']((?:GLIBCXX|CXXABI)_[0-9.]+)' not found/.exec(message);
  if (cxx) {
    hints.push(
      `This system's C++ runtime (libstdc++) is older than the binary needs (${cxx[1]}): ` +
        `update libstdc++6, or build from source: ${REBUILD}\n${SOURCE_BUILD_REQUIREMENTS}`,
    );
  }
  if (/No native build was found/.test(message)) {
    const shipped = shippedPrebuilds(packageRoot);
    hints.push(
      `No prebuilt binary fits this platform (this package ships: ${shipped.length ? shipped.join(', ') : 'none'}), ` +
        `and no source build was made (install scripts disabled?). Build from source: ${REBUILD}\n${SOURCE_BUILD_REQUIREMENTS}`,
    );
  }
  if (/invalid ELF header|wrong ELF class|incompatible architecture|wrong architecture|not a mach-o/i.test(message)) {
    hints.push(
      'The binary was built for another platform or architecture (node_modules copied between machines?): ' +
        'reinstall dlnflow on this machine.',
    );
  }
  if (/--no-addons|ERR_DLOPEN_DISABLED|Cannot load native addon because loading addons is disabled/.test(message)) {
    hints.push('Node runs with --no-addons (or the addons condition is off); dlnflow needs its native addon.');
  }
  return hints;
}

/** The full message of the ERR_DLN_NATIVE_LOAD error for `err`. */
export function loadFailureHelp(err: unknown, packageRoot: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const recognised = typeof code === 'string' ? `${message} [${code}]` : message;
  return [
    `Could not load the dlnflow native addon (${runtimeDescription()}).`,
    message,
    ...loadFailureHints(recognised, packageRoot),
  ].join('\n');
}
