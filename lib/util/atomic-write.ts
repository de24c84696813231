/**
 * Whole files written so that no reader ever sees a partial one and no failure leaves debris:
 * the bytes go to a temporary file in the same directory (created exclusively, never through a
 * symbolic link), every byte is written (a short write, as when a disk fills, is continued or
 * fails), the file is fsynced and its size checked against what was meant, and only then is it
 * renamed over the target and the directory fsynced. Any failure removes the temporary file and
 * throws ERR_DLN_IO naming the target path. A target that is a symbolic link is refused rather
 * than replaced: inside a results directory a link would send results somewhere else.
 * `writeFileAtomic` does the I/O off the event loop (fsync takes milliseconds); the Sync variant
 * is for small files where the caller cannot wait.
 */
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DlnError } from '../errors';

/** ERR_DLN_IO naming the path, with the system's reason (ENOSPC, EACCES, ...). */
export function ioError(path: string, err: unknown, verb = 'write'): DlnError {
  if (err instanceof DlnError) return err;
  const e = err as NodeJS.ErrnoException;
  const reason = e && typeof e.message === 'string' ? e.message : String(err);
  return new DlnError('ERR_DLN_IO', `cannot ${verb} ${path}: ${reason}`, { cause: err });
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false; // absent: nothing to follow
  }
}

/** Throws ERR_DLN_IO if `path` is a symbolic link (dlnflow never writes through one). */
export function refuseSymlink(path: string): void {
  if (isSymlink(path)) {
    throw new DlnError(
      'ERR_DLN_IO',
      `cannot write ${path}: it is a symbolic link, and dlnflow does not write through links in a results directory (replace it by a regular file or directory)`,
    );
  }
}

/** Writes all of `bytes` at the file position, continuing after short writes. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const n = writeSync(fd, bytes, offset, bytes.length - offset);
    if (!(n > 0)) throw new Error(`the system wrote ${offset} of ${bytes.length} bytes`);
    offset += n;
  }
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function tmpName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
}

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/** fsync of a directory, so that a rename in it survives a crash (not supported everywhere: best effort). */
function syncDirSync(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory (EINVAL, EISDIR): the rename itself is done.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Writes `data` to `path` atomically (see the header), blocking the event loop meanwhile. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  refuseSymlink(path);
  const dir = dirname(path);
  const tmp = tmpName(path);
  let fd = -1;
  let created = false;
  try {
    fd = openSync(tmp, CREATE_NEW | NOFOLLOW, 0o666);
    created = true;
    writeAll(fd, bytes);
    fsyncSync(fd);
    const size = fstatSync(fd).size;
    if (size !== bytes.length) throw new Error(`the file holds ${size} bytes after writing ${bytes.length}`);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
    created = false;
  } catch (err) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the first error is the one to report
      }
    }
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // the directory may have vanished; nothing else to clean
      }
    }
    throw ioError(path, err);
  }
  syncDirSync(dir);
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // as syncDirSync: best effort
  }
}

/** Writes `data` to `path` atomically (see the header), the I/O off the event loop. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  refuseSymlink(path);
  const dir = dirname(path);
  const tmp = tmpName(path);
  let created = false;
  try {
    const handle = await open(tmp, CREATE_NEW | NOFOLLOW, 0o666);
    created = true;
    try {
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        if (!(bytesWritten > 0)) throw new Error(`the system wrote ${offset} of ${bytes.length} bytes`);
        offset += bytesWritten;
      }
      await handle.sync();
      const { size } = await handle.stat();
      if (size !== bytes.length) throw new Error(`the file holds ${size} bytes after writing ${bytes.length}`);
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    created = false;
  } catch (err) {
    if (created) await unlink(tmp).catch(() => undefined);
    throw ioError(path, err);
  }
  await syncDir(dir);
}

/** Copies a file atomically (read whole, then written as above). */
export async function copyFileAtomic(from: string, to: string): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(from);
  } catch (err) {
    throw ioError(from, err, 'read');
  }
  await writeFileAtomic(to, bytes);
}

/** Reads a whole file, or undefined if it does not exist (other errors: ERR_DLN_IO). */
export function readIfExistsSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, err, 'read');
  }
}
