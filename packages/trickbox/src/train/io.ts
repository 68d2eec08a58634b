// Crash-safe files: atomic writes (temp file + fsync + rename) and append-only JSON lines with fsync.
import {
  closeSync,
  fsyncSync,
  openSync,
  writeSync,
  existsSync,
  readFileSync,
  truncateSync,
  statSync,
  rmSync,
} from 'node:fs';

import { diskFullAware } from '../fs/atomic.js';

export { writeFileAtomic, DiskFullError, removeStaleTempFiles } from '../fs/atomic.js';

/**
 * Appends one JSON line and fsyncs: a line is either entirely present or absent after a crash (with `readJsonl`).
 * A failed append (a full disk: DiskFullError) cuts the file back to its old length, so no torn line stays.
 */
export function appendJsonl(file: string, record: unknown): void {
  const line = Buffer.from(JSON.stringify(record) + '\n');
  const before = fileSize(file);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'a');
    let off = 0;
    while (off < line.length) off += writeSync(fd, line, off, line.length - off);
    fsyncSync(fd);
  } catch (e) {
    if (existsSync(file)) truncateTo(file, before);
    throw diskFullAware(e, file);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Current size of a file (0 when absent). */
export function fileSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** Cuts `file` to `bytes` (drops lines written after a checkpoint, and any torn last line). */
export function truncateTo(file: string, bytes: number): void {
  if (existsSync(file) && statSync(file).size > bytes) truncateSync(file, bytes);
}

/** Parses a JSON-lines file, ignoring a torn (unterminated) last line. */
export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  lines.pop(); // after the last '\n': empty, or a torn line
  return lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    /* ignore */
  }
}
