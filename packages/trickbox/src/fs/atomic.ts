// Crash-safe whole-file writes, shared by the trainer (checkpoints, recipe, summary) and the reports. A failed write
// leaves the old file as it was and no temp file behind; a full disk is reported as a DiskFullError naming the file.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The disk (or the user's quota) is full: `file` could not be written. */
export class DiskFullError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(`${file}: cannot write it: the disk is full (${code}: no space left on device)`);
    this.name = 'DiskFullError';
  }
}

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** `e` as a DiskFullError naming `file` when it says the disk is full; otherwise `e` itself. */
export function diskFullAware(e: unknown, file: string): unknown {
  if (e instanceof DiskFullError) return e; // already names its file
  const code = (e as NodeJS.ErrnoException)?.code;
  return code && DISK_FULL_CODES.has(code) ? new DiskFullError(file, code) : e;
}

/** The temp file name of an atomic write of `file` by the process `pid`. */
function tempPath(file: string, pid = process.pid): string {
  return join(dirname(file), `.${basename(file)}.tmp-${pid}`);
}

const TEMP_NAME = /^\..+\.tmp-(\d+)$/;

/** Writes `data` to `file` atomically: readers see the old file or the complete new one, never a part. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file);
  const tmp = tempPath(file);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw diskFullAware(e, file);
  }
  // fsync the directory so the rename itself survives a power cut
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* not supported on every platform */
  }
}

/**
 * Removes the temp files that atomic writes of other processes left in `dir` (and its sub-folders when
 * `recursive`): a write cut by a kill or a crash. They are never read (only complete files are renamed in).
 * Returns the paths removed.
 */
export function removeStaleTempFiles(dir: string, { recursive = false } = {}): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) removed.push(...removeStaleTempFiles(path, { recursive }));
      continue;
    }
    const m = TEMP_NAME.exec(entry.name);
    if (m && Number(m[1]) !== process.pid) {
      rmSync(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
