/**
 * Locks on a results directory, so that two processes never write the same results at once (they
 * would mix two experiments' runs, or one would cut off lines the other is appending).
 *
 * A lock is a small JSON file naming its holder {pid, host, boot, start, started, command}. It is
 * created whole and exclusively: written to a temporary name, then hard-linked to the lock's name
 * (link(2) fails when the name exists, atomically, on local file systems and NFS alike; where hard
 * links are unsupported, an exclusive create). While it lives the holder touches the file every
 * HEARTBEAT_MS, and before it appends the records of a unit of work (runner.ts) it checks that the
 * lock is still its own (docs/algorithms.md §4.6).
 *
 * A lock found in place is respected unless it is stale:
 *  - held on this host (same host name and boot): its process has ended, or its pid now names a
 *    process started at another time (a reused pid);
 *  - held on another host, whose processes cannot be seen from here: not refreshed for
 *    STALE_AFTER_MS (10 minutes; hosts' clocks are assumed to agree within a few minutes);
 *  - or the caller forces it (`--force-unlock`, `forceUnlock: true`), having checked the holder is gone.
 * A stale lock is broken under a second, short lock (NAME.break), after checking that the file is
 * still the stale one, so two processes breaking it at once cannot both take it.
 *
 * The locks of a results directory (README, "Errors", locking rules):
 *  - OUT/runs/all.jsonl.lock: an unsharded run, for its whole run; OUT/runs/merge.lock: a merge into
 *    OUT. Both are exclusive: no other live lock may exist in OUT/runs.
 *  - OUT/runs/shard-i-of-N.jsonl.lock: shard i/N, for its whole run. Shards of one experiment run
 *    side by side (the Slurm case, even from several hosts): each holds only the lock of its file.
 *  - OUT/experiment.json.lock: held for milliseconds while the manifest is checked and written;
 *    others wait for it (up to MANIFEST_WAIT_MS).
 * Each writer takes its own lock first, then looks for conflicting live locks, so of two writers
 * that start together at least one sees the other: never both proceed.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DlnError } from '../errors';
import { ioError } from '../util/atomic-write';

/** How often a holder refreshes its lock's mtime. */
export const HEARTBEAT_MS = 30_000;
/** A lock of another host not refreshed for this long is taken as abandoned. */
export const STALE_AFTER_MS = 10 * 60_000;
/** How long a writer waits for the manifest lock (held for milliseconds by others). */
export const MANIFEST_WAIT_MS = 30_000;
/** A lock file that cannot be parsed is damage once it is older than this (a creator writes it whole). */
const GARBLED_AFTER_MS = 10_000;

export interface LockHolder {
  pid: number;
  host: string;
  /** Linux boot id: a lock from before a reboot is stale. */
  boot: string | null;
  /** The process's start time (Linux clock ticks since boot): tells a reused pid apart. */
  start: string | null;
  /** When the lock was taken (ISO 8601). */
  started: string;
  command: string;
}

let cachedBoot: string | null | undefined;
function bootId(): string | null {
  if (cachedBoot === undefined) {
    try {
      cachedBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      cachedBoot = null;
    }
  }
  return cachedBoot;
}

/** Field 22 of /proc/PID/stat (after the command name, which may hold spaces and parentheses). */
function startTimeOf(pid: number): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function me(): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    boot: bootId(),
    start: startTimeOf(process.pid),
    started: new Date().toISOString(),
    command: process.argv.slice(1).join(' ').slice(0, 300),
  };
}

interface FoundLock {
  path: string;
  text: string;
  holder: LockHolder | null;
  mtimeMs: number;
}

function parseLock(path: string, text: string, mtimeMs: number): FoundLock {
  let holder: LockHolder | null = null;
  try {
    const v = JSON.parse(text) as LockHolder;
    if (typeof v === 'object' && v !== null && Number.isInteger(v.pid) && typeof v.host === 'string') holder = v;
  } catch {
    holder = null;
  }
  return { path, text, holder, mtimeMs };
}

async function readLock(path: string): Promise<FoundLock | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return parseLock(path, text, st.mtimeMs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, err, 'read');
  }
}

/**
 * The text of a lock file, or undefined if there is none: what a holder compares with its own
 * (one read, no stat: it runs before every unit's records, on the main thread).
 */
async function readLockText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, err, 'read');
  }
}

/** The text of a lock file, or undefined (for release at exit, which cannot wait). */
function readLockTextSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Why a found lock is stale, or null while its holder may be alive. */
export function staleReason(found: { holder: LockHolder | null; mtimeMs: number }, now = Date.now()): string | null {
  const age = now - found.mtimeMs;
  const h = found.holder;
  if (!h) return age > GARBLED_AFTER_MS ? 'the lock file is unreadable' : null;
  if (h.host === hostname()) {
    const boot = bootId();
    if (h.boot && boot && h.boot !== boot) return 'this host has restarted since it was taken';
    if (!isAlive(h.pid)) return `its process (pid ${h.pid}) has ended`;
    const start = startTimeOf(h.pid);
    if (h.start && start && h.start !== start) return `pid ${h.pid} now belongs to another process`;
    return null;
  }
  if (age > STALE_AFTER_MS) return `not refreshed for ${Math.round(age / 60_000)} min (limit ${STALE_AFTER_MS / 60_000} min)`;
  return null;
}

const FALLBACK_CODES = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** Creates a new file `p` holding `bytes` (fails with EEXIST if it exists). */
async function writeNew(p: string, bytes: Buffer): Promise<void> {
  const handle = await open(p, 'wx');
  try {
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
}

/** Creates `path` holding `text`, whole and exclusively; false if it exists. */
async function tryCreate(path: string, text: string): Promise<boolean> {
  const bytes = Buffer.from(text, 'utf8');
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    await writeNew(tmp, bytes);
  } catch (err) {
    throw ioError(path, err);
  }
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!FALLBACK_CODES.has(code)) throw ioError(path, err);
    try {
      await writeNew(path, bytes);
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw ioError(path, err2);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Removes the lock at `path` if it still holds `staleText`; false when another process is breaking it. */
async function breakLock(path: string, staleText: string): Promise<boolean> {
  const breaker = `${path}.break`;
  if (!(await tryCreate(breaker, JSON.stringify(me())))) {
    const b = await readLock(breaker);
    // A breaker is held for microseconds: an old one was left by a crash in between.
    if (b && Date.now() - b.mtimeMs > GARBLED_AFTER_MS) await unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    const again = await readLock(path);
    if (again && again.text === staleText) await unlink(path).catch(() => undefined);
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

function describeHolder(found: FoundLock): string {
  const h = found.holder;
  if (!h) return `an unreadable lock (${found.path})`;
  return `pid ${h.pid} on ${h.host === hostname() ? `this host (${h.host})` : `host ${h.host}`}, since ${h.started}${h.command ? ` (${h.command})` : ''}`;
}

function busyError(dir: string, label: string, found: FoundLock): DlnError {
  const other = found.holder && found.holder.host !== hostname();
  return new DlnError(
    'ERR_DLN_BUSY',
    `${dir} is busy: ${label} is locked by ${describeHolder(found)}. Two writers would mix or lose results: wait until it ends. ` +
      `If that process is gone${other ? ` (on another host its lock counts as abandoned ${STALE_AFTER_MS / 60_000} min after its last refresh)` : ''}, ` +
      `rerun with --force-unlock (API: forceUnlock: true), or delete ${found.path}.`,
    { field: 'out' },
  );
}

/** Every lock this process holds, refreshed by one timer and released at exit. */
const held = new Set<Lock>();
let heartbeat: NodeJS.Timeout | undefined;
let exitHook = false;

function refreshAll(): void {
  for (const lock of held) void lock.check(true);
}

export class Lock {
  private lostWhy: string | null = null;

  constructor(
    readonly path: string,
    private readonly text: string,
    readonly label: string,
    private readonly dir: string,
  ) {
    held.add(this);
    if (!heartbeat) {
      heartbeat = setInterval(refreshAll, HEARTBEAT_MS);
      heartbeat.unref();
    }
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const l of [...held]) l.release();
      });
    }
  }

  /** Whether the lock file is still ours; `touch` refreshes its mtime too (the heartbeat). */
  async check(touch = false): Promise<boolean> {
    if (this.lostWhy) return false;
    let text: string | undefined;
    try {
      text = await readLockText(this.path);
    } catch {
      return true; // unreadable for a moment: judged on the next check
    }
    if (text !== this.text) {
      this.lostWhy = text !== undefined ? `it is now held by ${describeHolder(parseLock(this.path, text, NaN))}` : 'its lock file was removed';
      return false;
    }
    if (touch) {
      const now = new Date();
      await utimes(this.path, now, now).catch(() => undefined); // a missed heartbeat is retried on the next tick
    }
    return true;
  }

  /** Throws ERR_DLN_BUSY if the lock was broken by another process (forced, or taken as stale). */
  async assertHeld(): Promise<void> {
    if (!(await this.check())) {
      throw new DlnError(
        'ERR_DLN_BUSY',
        `${this.dir}: lost the lock of ${this.label} (${this.lostWhy}): stopped writing so that results are not mixed`,
        { field: 'out' },
      );
    }
  }

  release(): void {
    if (!held.delete(this)) return;
    if (held.size === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
    try {
      if (readLockTextSync(this.path) === this.text) unlinkSync(this.path);
    } catch {
      // leaving a lock behind is safe: it is stale once this process ends
    }
  }
}

export interface LockOptions {
  /** Break a lock even though its holder may be alive (the user checked it is gone). */
  forceUnlock?: boolean;
  /** Wait up to this long for a live holder to release it (default 0: fail at once). */
  waitMs?: number;
}

/**
 * Takes the lock file `path` (`label` says what it protects in messages, `dir` is the results
 * directory they name). Throws ERR_DLN_BUSY naming the holder when it is held by a live process.
 */
export async function acquireLock(path: string, label: string, dir: string, options: LockOptions = {}): Promise<Lock> {
  const text = `${JSON.stringify(me())}\n`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(path, text)) return new Lock(path, text, label, dir);
    const found = await readLock(path);
    if (!found) continue; // released in between
    const stale = options.forceUnlock || staleReason(found) !== null;
    if (stale && attempt < 50) {
      if (!(await breakLock(path, found.text))) await sleep(5 + Math.random() * 20);
      continue;
    }
    if (Date.now() < deadline) {
      await sleep(20 + Math.random() * 30);
      continue;
    }
    throw busyError(dir, label, found);
  }
}

/** Runs `fn` holding the lock at `path`, then releases it. */
export async function withLock<T>(path: string, label: string, dir: string, options: LockOptions, fn: () => T | Promise<T>): Promise<T> {
  const lock = await acquireLock(path, label, dir, options);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Who writes into OUT/runs: an unsharded run, one shard, or a merge. */
export type WriterRole = { kind: 'all' } | { kind: 'shard'; index: number; count: number } | { kind: 'merge' };

export function lockFileName(role: WriterRole): string {
  if (role.kind === 'all') return 'all.jsonl.lock';
  if (role.kind === 'merge') return 'merge.lock';
  return `shard-${role.index}-of-${role.count}.jsonl.lock`;
}

const EXCLUSIVE = new Set(['all.jsonl.lock', 'merge.lock']);

function lockLabel(name: string): string {
  if (name === 'merge.lock') return 'runs/ (a merge into it)';
  if (name === 'all.jsonl.lock') return 'runs/all.jsonl (an unsharded run)';
  const m = /^shard-(\d+)-of-(\d+)\.jsonl\.lock$/.exec(name);
  return m ? `runs/shard-${m[1]}-of-${m[2]}.jsonl (shard ${m[1]}/${m[2]})` : `runs/${name}`;
}

/**
 * Takes the lock of a writer of OUT/runs (`runs` is that directory, already created), then
 * checks that no conflicting writer holds a live lock there (see the header).
 */
export async function lockResultsWriter(out: string, runs: string, role: WriterRole, options: LockOptions = {}): Promise<Lock> {
  const name = lockFileName(role);
  const lock = await acquireLock(join(runs, name), lockLabel(name), out, options);
  try {
    let names: string[];
    try {
      names = await readdir(runs);
    } catch (err) {
      throw ioError(runs, err, 'read');
    }
    for (const other of names) {
      if (other === name || !other.endsWith('.lock')) continue;
      if (!EXCLUSIVE.has(name) && !EXCLUSIVE.has(other)) continue; // two shards: no conflict
      const found = await readLock(join(runs, other));
      if (!found) continue;
      if (options.forceUnlock || staleReason(found) !== null) {
        await breakLock(found.path, found.text);
        continue;
      }
      throw busyError(out, lockLabel(other), found);
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  return lock;
}
