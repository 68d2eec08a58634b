// Crash-safe files: atomic writes (temp file + fsync + rename) and append-only JSON lines with fsync.
import {
  closeSync,
  fsyncSync,
  openSync,
  renameSync,
  writeSync,
  existsSync,
  readFileSync,
  truncateSync,
  statSync,
  mkdirSync,
  rmSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Writes `data` to `file` atomically: readers see the old file or the complete new one, never a part. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.tmp-${process.pid}`);
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

/** Appends one JSON line and fsyncs: a line is either entirely present or absent after a crash (with `repairJsonl`). */
export function appendJsonl(file: string, record: unknown): void {
  const line = JSON.stringify(record) + '\n';
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
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
