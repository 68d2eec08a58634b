// The streaming loader keeps the process's RSS within its memory budget on a folder whose decoded set is larger
// than the budget; measured in a child process (rss_child.ts) from the kernel's maxRSS. The in-memory loader on the
// same folder is measured the same way and must exceed the budget, so the check is one that can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodedBytes } from '../../src/data/index.js';
import { tempDir } from './files.js';

const MiB = 2 ** 20;
const BUDGET = 320 * MiB;
const COUNT = 720; // decoded at 400×400×3 (rss_child.ts): 330 MiB, more than the budget

interface ChildResult {
  images: number;
  rssBefore: number;
  peakRss: number;
  streamed: boolean;
  prefetch: number;
}

/** Small JPEGs (48–52 × 40–46 px): quick to write, upscaled to 400×400 by the decode. */
async function writeJpegFolder(dir: string): Promise<void> {
  for (const c of ['a', 'b']) mkdirSync(join(dir, c), { recursive: true });
  for (let i = 0; i < COUNT; i++) {
    const w = 48 + (i % 5),
      h = 40 + (i % 7);
    const px = Buffer.alloc(w * h * 3);
    for (let p = 0; p < px.length; p++) px[p] = (p * 13 + i * 29) % 256;
    const jpeg = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .jpeg()
      .toBuffer();
    writeFileSync(join(dir, i % 2 ? 'b' : 'a', `${i}.jpg`), jpeg);
  }
}

function runChild(dir: string, streaming: boolean, workers: number): ChildResult {
  const child = fileURLToPath(new URL('./rss_child.js', import.meta.url));
  const r = spawnSync(process.execPath, [child, dir, String(BUDGET), String(streaming), String(workers)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

test('a streaming loader (2 workers) stays within its memory budget on a folder larger than it', async (t) => {
  const dir = tempDir();
  await writeJpegFolder(dir);
  assert.ok(decodedBytes(COUNT, 400, 400, 3) > BUDGET);
  const streamed = runChild(dir, true, 2);
  assert.ok(streamed.streamed);
  assert.equal(streamed.images, 2 * COUNT, 'two epochs');
  const grew = streamed.peakRss - streamed.rssBefore;
  assert.ok(grew <= BUDGET, `streaming grew the RSS by ${(grew / MiB).toFixed(0)} MiB, budget 320 MiB`);
  const inMemory = runChild(dir, false, 2);
  assert.ok(!inMemory.streamed);
  const grewInMemory = inMemory.peakRss - inMemory.rssBefore;
  t.diagnostic(
    `RSS growth: streaming ${(grew / MiB).toFixed(0)} MiB (prefetch ${streamed.prefetch}), ` +
      `in memory ${(grewInMemory / MiB).toFixed(0)} MiB; budget 320 MiB`,
  );
  assert.ok(grewInMemory > BUDGET, `in memory grew the RSS by only ${(grewInMemory / MiB).toFixed(0)} MiB`);
});
