// The write layer under a full disk, by injecting ENOSPC into node:fs (the tmpfs end-to-end test is
// test/reliability/disk_full.test.ts).
import { test, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskFullError, diskFullAware, removeStaleTempFiles, writeFileAtomic } from '../../src/fs/atomic.js';
import { appendJsonl } from '../../src/train/io.js';

const enospc = (): never => {
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
};

/** Makes every fs.writeSync fail with ENOSPC after `okBytes` bytes were written (a disk filling up mid-write). */
function diskFullAfter(okBytes: number): void {
  const real = fs.writeSync;
  let budget = okBytes;
  mock.method(fs, 'writeSync', (fd: number, buf: Uint8Array | string, off = 0, len?: number) => {
    if (budget <= 0) enospc();
    const b = typeof buf === 'string' ? Buffer.from(buf) : buf;
    const n = Math.min(len ?? b.length - off, budget);
    budget -= n;
    return real(fd, b, off, n);
  });
  syncBuiltinESMExports();
}

afterEach(() => {
  mock.restoreAll();
  syncBuiltinESMExports();
});

test('writeFileAtomic on a full disk: DiskFullError naming the file, old content kept, no temp file left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trickbox-atomic-'));
  const file = join(dir, 'ckpt-000000004.tbx');
  writeFileSync(file, 'old');
  diskFullAfter(1000);
  assert.throws(
    () => writeFileAtomic(file, Buffer.alloc(5000, 1)),
    (e: unknown) =>
      e instanceof DiskFullError &&
      e.file === file &&
      e.code === 'ENOSPC' &&
      /ckpt-000000004\.tbx: cannot write it: the disk is full/.test(e.message),
  );
  assert.equal(readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['ckpt-000000004.tbx']);
});

test('appendJsonl on a full disk: DiskFullError naming the file and no torn line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trickbox-atomic-'));
  const file = join(dir, 'metrics.jsonl');
  appendJsonl(file, { type: 'step', step: 1 });
  const before = readFileSync(file, 'utf8');
  diskFullAfter(7); // part of the next line reaches the file before the disk is full
  assert.throws(
    () => appendJsonl(file, { type: 'step', step: 2, loss: 0.5 }),
    (e: unknown) => e instanceof DiskFullError && e.file === file,
  );
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('other write errors are passed on unchanged, and the temp file is still removed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trickbox-atomic-'));
  mock.method(fs, 'fsyncSync', () => {
    throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
  });
  syncBuiltinESMExports();
  assert.throws(
    () => writeFileAtomic(join(dir, 'x.json'), '{}'),
    (e: unknown) => !(e instanceof DiskFullError) && (e as NodeJS.ErrnoException).code === 'EIO',
  );
  assert.deepEqual(readdirSync(dir), []);
});

test("removeStaleTempFiles removes other processes' temp files, recursively, and keeps everything else", () => {
  const dir = mkdtempSync(join(tmpdir(), 'trickbox-atomic-'));
  fs.mkdirSync(join(dir, 'checkpoints'));
  fs.mkdirSync(join(dir, 'model'));
  const stale = [
    join(dir, '.recipe.json.tmp-99999991'),
    join(dir, 'checkpoints', '.ckpt-000000006.tbx.tmp-99999992'),
    join(dir, 'model', '.weights.bin.tmp-99999993'),
  ];
  const kept = [
    join(dir, 'recipe.json'),
    join(dir, `.summary.json.tmp-${process.pid}`), // this process's own write in progress
    join(dir, 'checkpoints', 'ckpt-000000004.tbx'),
    join(dir, 'model', 'weights.bin'),
    join(dir, 'notes.tmp-1'), // not hidden: not a temp file of an atomic write
  ];
  for (const f of [...stale, ...kept]) writeFileSync(f, 'x');
  assert.deepEqual(removeStaleTempFiles(dir, { recursive: true }).sort(), stale.sort());
  for (const f of kept) assert.ok(fs.existsSync(f), f);
  for (const f of stale) assert.ok(!fs.existsSync(f), f);
});

test('diskFullAware names the given file for ENOSPC/EDQUOT, keeps a DiskFullError and other errors as they are', () => {
  const raw = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const named = diskFullAware(raw, 'runs/x/run.lock');
  assert.ok(named instanceof DiskFullError && named.file === 'runs/x/run.lock', String(named));
  assert.equal(diskFullAware(named, 'runs/x'), named);
  const quota = diskFullAware(Object.assign(new Error('quota'), { code: 'EDQUOT' }), 'f');
  assert.ok(quota instanceof DiskFullError && quota.code === 'EDQUOT');
  const other = Object.assign(new Error('EACCES'), { code: 'EACCES' });
  assert.equal(diskFullAware(other, 'f'), other);
});
