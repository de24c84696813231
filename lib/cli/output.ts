/** Printing helpers and the exit codes shared by CLI commands. */
import { InvalidArgumentError } from 'commander';
import YAML from 'yaml';
import type { ReportSummary } from '../report';

export { formatNumber } from '../util/format';

/**
 * The exit codes of `dlnflow` (README, "Errors"): CI can tell a failed command from a completed
 * one whose results are incomplete or contradict the paper.
 */
export const EXIT = {
  ok: 0,
  /** A usage error: unknown command or option, a missing or malformed argument. */
  usage: 1,
  /** A dlnflow error (ERR_DLN_*): bad input, I/O, a busy directory, ... */
  error: 2,
  /** Completed, but a checked finding failed, runs are missing after an unsharded run or a merge, or records conflict. */
  incomplete: 3,
  /** Interrupted (Ctrl-C, SIGTERM). */
  interrupted: 130,
} as const;

/** Raises the process's exit code to `code` (a worse outcome is never overwritten by a better one). */
export function setExitCode(code: number): void {
  const current = typeof process.exitCode === 'number' ? process.exitCode : 0;
  if (code === EXIT.interrupted || (current !== EXIT.interrupted && code > current)) process.exitCode = code;
}

let stdoutClosed = false;
let guarded = false;

/**
 * A reader that goes away (`dlnflow plan --runs | head`) closes stdout: the EPIPE that follows is
 * no error of ours. Writes after it are dropped quietly, and long listings stop (`stdoutOpen()`).
 */
export function guardStdout(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      stdoutClosed = true;
      return;
    }
    throw err;
  });
}

export function stdoutOpen(): boolean {
  return !stdoutClosed && !process.stdout.destroyed;
}

/** Resolves when stdout can take more (or has closed): long listings wait for slow readers. */
export function drainStdout(): Promise<void> {
  const out = process.stdout;
  if (!out.writableNeedDrain || !stdoutOpen()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done).off('error', done).off('close', done);
      resolve();
    };
    out.on('drain', done).on('error', done).on('close', done);
  });
}

/** Writes to stdout unless its reader has gone. */
export function print(text: string): void {
  if (stdoutOpen()) process.stdout.write(text);
}

/** commander parser for a path option: an empty path would mean the working directory. */
export function parsePathOption(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a path, got an empty string (to write into the working directory, say ".")');
  return value;
}

/** JSON with non-finite numbers as null and typed arrays as plain arrays. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      return v;
    },
    2,
  );
}

export function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

/**
 * Why a report's claims make the exit code 3: "N checked finding(s) failed: ..." and "N check(s)
 * of the config failed: ..." (empty when every checked finding and check held).
 */
export function failedClaims(summary: Pick<ReportSummary, 'findings' | 'checks'> | undefined): string[] {
  const why: string[] = [];
  const findings = summary?.findings.filter((f) => f.pass === false) ?? [];
  if (findings.length) why.push(`${findings.length} checked finding(s) failed: ${findings.map((f) => f.claim).join('; ')}`);
  const checks = summary?.checks?.filter((c) => c.pass === false) ?? [];
  if (checks.length)
    why.push(
      `${checks.length} check(s) of the config failed: ${checks.map((c) => `${c.id.replace(/^check:/, '')} (${c.observed}; expected ${c.expected})`).join('; ')}`,
    );
  return why;
}

/**
 * YAML a newcomer can read and edit: no anchors and aliases (`&a1` / `*a1`), which YAML writes for
 * an object the config holds twice (a preset's quick: patch sharing its sweep, say); each place
 * gets its own copy.
 */
export function plainYaml(value: unknown): string {
  return YAML.stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}
