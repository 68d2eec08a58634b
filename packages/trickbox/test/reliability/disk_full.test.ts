// A full disk, for real: the run directory on a 4 MiB tmpfs (root only; skipped with the reason otherwise). The
// third checkpoint does not fit: the message names the file, says the disk is full, names the last good checkpoint
// and the resume command; no temp file stays; after freeing space (a remount) the resume ends exactly like an
// uninterrupted run. (test/fs/atomic.test.ts injects ENOSPC into the write layer.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkRunIntegrity, cliInProcess, comparableMetrics, tempDir, tinyIdx, tinyRecipeFile } from './helpers.js';

/** Fills the file system of `file` up to the last byte. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let size = chunk.length; size >= 1;) {
      try {
        writeSync(fd, chunk, 0, size);
      } catch {
        size = Math.floor(size / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
}

test('disk full during training: one line naming the file and the last good checkpoint; no temp file; exact resume', async (t) => {
  const data = tinyIdx(32, 16);
  const dir = tempDir();
  // a dense layer of 5,000 units: each checkpoint (weights + momentum) is about 1.7 MB, so two fit in 4 MiB
  // and the third (written beside them before the oldest is removed) does not
  const recipe = tinyRecipeFile(join(dir, 'r.json'), data, {
    model: { name: 'simpleCnn', options: { filters: [4, 8], denseUnits: 5000 } },
    training: { epochs: 4, batchSize: 16, seed: 5, logEvery: 1 },
  });
  const common = ['--no-report', '-q'];
  const fresh = [...common, '--workers', '0']; // a resume keeps the run's recipe, workers included
  const ref = join(dir, 'reference');
  const r0 = await cliInProcess(['train', recipe, '--out', ref, ...fresh]);
  assert.equal(r0.code, 0, r0.stderr);

  const mnt = join(dir, 'small-disk');
  spawnSync('mkdir', ['-p', mnt]);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) {
    t.skip(`cannot mount a tmpfs here: ${(mount.stderr || mount.error?.message || '').trim()}`);
    return;
  }
  t.after(() => void spawnSync('umount', [mnt]));
  const run = join(mnt, 'run');

  const r1 = await cliInProcess(['train', recipe, '--out', run, ...fresh]);
  assert.equal(r1.code, 1, r1.stderr);
  assert.equal(r1.stderr.trim().split('\n').length, 1, r1.stderr);
  const ck = (step: number): string => join(run, 'checkpoints', `ckpt-${String(step).padStart(9, '0')}.tbx`);
  assert.equal(
    r1.stderr.trim(),
    `trickbox: disk full: cannot write ${ck(6)} (ENOSPC). Last good checkpoint: ${ck(4)} (step 4). ` +
      `Free some space, then resume with: trickbox train --resume ${run}`,
  );
  assert.deepEqual(checkRunIntegrity(run).leftoverTemps, []);
  console.log(`disk full: checkpoint ${statSync(ck(4)).size} bytes; ${r1.stderr.trim()}`);

  // resuming on a disk still full: a write fails, and leaves no temp file either
  const filler = join(mnt, 'filler');
  fillDisk(filler);
  const r2 = await cliInProcess(['train', '--resume', run, ...common]);
  assert.equal(r2.code, 1, r2.stderr);
  assert.match(
    r2.stderr,
    // recipe.json today; whichever file of the run it is, the point is the message and the clean-up
    new RegExp(
      `(^|\\n)trickbox: disk full: cannot write ${run}\\S* \\(ENOSPC\\)\\. Last good checkpoint: ${ck(4)} \\(step 4\\)\\. `,
    ),
  );
  assert.deepEqual(checkRunIntegrity(run).leftoverTemps, []);

  // free space; a temp file a killed process left behind is removed at start
  rmSync(filler);
  assert.equal(spawnSync('mount', ['-o', 'remount,size=16m', mnt]).status, 0);
  const stale = join(run, 'checkpoints', '.ckpt-000000008.tbx.tmp-99999999');
  writeFileSync(stale, 'cut');
  const r3 = await cliInProcess(['train', '--resume', run, ...common]);
  assert.equal(r3.code, 0, r3.stderr);
  assert.deepEqual(checkRunIntegrity(run).leftoverTemps, []);
  assert.deepEqual(comparableMetrics(run), comparableMetrics(ref));
  assert.ok(readFileSync(join(run, 'model', 'weights.bin')).equals(readFileSync(join(ref, 'model', 'weights.bin'))));
});
