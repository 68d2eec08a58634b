// Streaming image folders (data/streamingFolder.ts): the choice by memory budget, the same batches as the in-memory
// loader for any worker count, and bad files handled as the in-memory loader handles them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  DataLoader,
  imageFolder,
  isFileDataset,
  openImageFolder,
  streamingMemoryBound,
  streamingRuntimeReserve,
  type Batch,
  type Dataset,
  type FileDataset,
} from '../../src/data/index.js';
import { decodeImageFileOriginal } from '../../src/data/decodeImage.js';
import { bombPng, tempDir, writeImageFolder } from './files.js';

/** Textured images (so that crops and flips change pixels), of sizes that differ per file, in PNG and JPEG. */
async function writeTexturedFolder(dir: string, classes: string[], perClass: number): Promise<void> {
  for (const [ci, c] of classes.entries()) {
    mkdirSync(join(dir, c), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const h = 20 + 3 * i,
        w = 24 + 2 * ci;
      const px = Buffer.alloc(h * w * 3);
      for (let p = 0; p < px.length; p++) px[p] = (p * 13 + i * 29 + ci * 71 + ((p / 3) % w) * 5) % 256;
      const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
      const jpeg = i % 2 === 1;
      writeFileSync(join(dir, c, `img${i}.${jpeg ? 'jpg' : 'png'}`), await (jpeg ? img.jpeg() : img.png()).toBuffer());
    }
  }
}

async function epochs(ds: Dataset | FileDataset, workers: number, n = 2): Promise<number[][]> {
  const loader = new DataLoader(ds, {
    batchSize: 5,
    mean: [0.5, 0.4, 0.3],
    std: [0.2, 0.25, 0.3],
    seed: 11,
    workers,
    transforms: [
      { name: 'randomResizedCrop', options: { size: 12 } },
      { name: 'randomHorizontalFlip', options: { p: 0.5 } },
    ],
  });
  const out: number[][] = [];
  try {
    for (let e = 0; e < n; e++)
      for await (const b of loader.epoch(e)) out.push([...Array.from(b.y), ...Array.from(b.x)]);
  } finally {
    await loader.close();
  }
  return out;
}

test("openImageFolder streams when the decoded set exceeds the memory budget ('auto'), or when asked", async () => {
  const dir = tempDir();
  await writeTexturedFolder(dir, ['a', 'b'], 4);
  const bytes = 8 * 16 * 18 * 3;
  const inMemory = await openImageFolder({ dir, height: 16, width: 18, memoryBudget: bytes });
  assert.ok(!isFileDataset(inMemory), 'exactly the budget: in memory');
  const streamed = await openImageFolder({ dir, height: 16, width: 18, memoryBudget: bytes - 1 });
  assert.ok(isFileDataset(streamed), 'over the budget: streamed');
  assert.equal(streamed.files.length, 8);
  assert.deepEqual(Array.from(streamed.labels), [0, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(streamed.classNames, ['a', 'b']);
  assert.ok(isFileDataset(await openImageFolder({ dir, height: 16, width: 18, streaming: true })));
  assert.ok(!isFileDataset(await openImageFolder({ dir, height: 16, width: 18, streaming: false, memoryBudget: 1 })));
  await assert.rejects(openImageFolder({ dir, memoryBudget: 0 }), /data\.openImageFolder: memoryBudget must be/);
  await assert.rejects(
    openImageFolder({ dir, streaming: 'yes' as unknown as boolean }),
    /data\.openImageFolder: streaming must be true, false or 'auto', got "yes"/,
  );
});

test('a streaming loader prefetches within the memory budget (streamingMemoryBound + runtime reserve)', async () => {
  const dir = tempDir();
  await writeTexturedFolder(dir, ['a'], 3);
  const opts = { batchSize: 2, mean: [0, 0, 0], std: [1, 1, 1], workers: 2 };
  const transforms = [{ name: 'randomResizedCrop', options: { size: 8 } }];
  const roomy = await openImageFolder({ dir, height: 16, width: 18, streaming: true });
  assert.equal(new DataLoader(roomy, { ...opts, transforms }).prefetchDepth, 4, 'the default, 2 per worker');
  // bound = (prefetch + 1)·batch + workers·(decoded + augmented): batch = 2·8·8·3·4 B, one image 16·18·3 B, its crop 8·8·3 B
  const batch = 2 * 8 * 8 * 3 * 4,
    decoded = 16 * 18 * 3,
    augmented = 8 * 8 * 3;
  const bound = (p: number) => (p + 1) * batch + 2 * (decoded + augmented);
  assert.equal(
    streamingMemoryBound({ ...opts, prefetch: 3, height: 16, width: 18, channels: 3, outHeight: 8, outWidth: 8 }),
    bound(3),
  );
  const reserve = streamingRuntimeReserve(2);
  assert.equal(reserve, (96 + 2 * 64) * 2 ** 20);
  const tight = await openImageFolder({
    dir,
    height: 16,
    width: 18,
    streaming: true,
    memoryBudget: reserve + bound(3),
  });
  assert.equal(new DataLoader(tight, { ...opts, transforms }).prefetchDepth, 3);
  const tiny = await openImageFolder({ dir, height: 16, width: 18, streaming: true, memoryBudget: 1 });
  assert.equal(new DataLoader(tiny, { ...opts, transforms }).prefetchDepth, 2, 'never below one batch per worker');
  assert.equal(new DataLoader(tiny, { ...opts, workers: 0, transforms }).prefetchDepth, 1, 'or below 1');
  assert.equal(
    new DataLoader(tiny, { ...opts, transforms, prefetch: 5 }).prefetchDepth,
    5,
    'an explicit prefetch wins',
  );
});

test('streamed batches equal the in-memory batches for 0, 1 and 3 workers (augmented, two epochs)', async () => {
  const dir = tempDir();
  await writeTexturedFolder(dir, ['a', 'b', 'c'], 5);
  const mem = await imageFolder({ dir, height: 16, width: 18 });
  const files = await openImageFolder({ dir, height: 16, width: 18, streaming: true });
  const want = await epochs(mem, 0);
  assert.equal(want.length, 6); // 15 images, batches of 5, two epochs
  for (const workers of [0, 1, 3]) assert.deepEqual(await epochs(files, workers), want, `${workers} workers`);
  // the augmentation did something: the two epochs of the same samples differ
  assert.notDeepEqual(want.slice(0, 3), want.slice(3));
});

test('streaming: bad files are named, or skipped and logged, as by the in-memory loader', async () => {
  const bad: [string, Buffer | string][] = [
    ['corrupt.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(50, 7)])],
    ['empty.png', Buffer.alloc(0)],
    ['notes.txt', 'this is not an image'],
    ['bomb.png', bombPng(100000, 100000)],
  ];
  // A JPEG cut short: its header reads fine, only a full decode fails ('header' validation finds it at the epoch).
  const px = Buffer.from(Array.from({ length: 40 * 40 * 3 }, (_, p) => (p * 13) % 256));
  const jpeg = await sharp(px, { raw: { width: 40, height: 40, channels: 3 } })
    .jpeg()
    .toBuffer();
  bad.push(['truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.6))]);
  let foundAtEpoch = 0;
  for (const [name, content] of bad) {
    const dir = tempDir();
    await writeImageFolder(dir, ['a', 'b'], 2);
    const path = join(dir, 'b', name);
    writeFileSync(path, content);
    // validate 'decode': exactly the in-memory loader's behaviour, at open
    await assert.rejects(
      openImageFolder({ dir, height: 4, width: 4, streaming: true, validate: 'decode' }),
      (e: Error) => e.message.includes(path),
    );
    const logs: string[] = [];
    const ds = await openImageFolder({
      dir,
      height: 4,
      width: 4,
      streaming: true,
      validate: 'decode',
      skipBadImages: true,
      log: (m) => logs.push(m),
    });
    assert.ok(isFileDataset(ds));
    assert.equal(ds.files.length, 4, name);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, new RegExp(`skipping .*${name.replace('.', '\\.')}`));
    // validate 'header' (default): refused at open, or — data that only a full decode finds bad — at the epoch,
    // with the file named either way
    let opened: Dataset | FileDataset | undefined;
    try {
      opened = await openImageFolder({ dir, height: 4, width: 4, streaming: true });
    } catch (e) {
      assert.ok((e as Error).message.includes(path), `${name}: ${(e as Error).message}`);
    }
    if (opened) {
      const loader = new DataLoader(opened, { batchSize: 5, mean: [0, 0, 0], std: [1, 1, 1], workers: 1 });
      const drain = async (): Promise<Batch[]> => {
        const out: Batch[] = [];
        for await (const b of loader.epoch(0)) out.push(b);
        return out;
      };
      try {
        await assert.rejects(drain(), (e: Error) => e.message.includes(path) && /while streaming/.test(e.message));
        foundAtEpoch++;
      } finally {
        await loader.close();
      }
    }
  }
  assert.equal(foundAtEpoch, 1, 'only the truncated JPEG passes the header check');
});

test('resizeOnDecode false: each image decoded at its own size, the same batches for 0, 1 and 3 workers', async () => {
  const dir = tempDir();
  await writeTexturedFolder(dir, ['a', 'b', 'c'], 5);
  const ds = await openImageFolder({ dir, height: 16, width: 18, resizeOnDecode: false });
  assert.ok(isFileDataset(ds), "'auto' streams: in memory every image has one size");
  assert.equal(ds.resizeOnDecode, false);
  // the largest decoded size is what the memory bound counts: heights 20 + 3i (i < 5), widths 24 + 2·class
  assert.deepEqual([ds.height, ds.width], [32, 28]);
  const decoded = await decodeImageFileOriginal(ds.files[4]!, { channels: 3 });
  const meta = await sharp(ds.files[4]!).metadata();
  assert.deepEqual([decoded.height, decoded.width], [meta.height, meta.width]);
  const want = await epochs(ds, 0);
  for (const workers of [1, 3]) assert.deepEqual(await epochs(ds, workers), want, `${workers} workers`);
  // the crop resamples the original, not the 16×18 image: the batches differ from the in-memory loader's
  assert.notDeepEqual(want, await epochs(await imageFolder({ dir, height: 16, width: 18 }), 0));
  await assert.rejects(
    openImageFolder({ dir, streaming: false, resizeOnDecode: false }),
    /data\.openImageFolder: resizeOnDecode must be true when streaming is false/,
  );
  // without a fixed-size transform the batch cannot be formed: an error saying what to add
  const loader = new DataLoader(ds, { batchSize: 5, mean: [0, 0, 0], std: [1, 1, 1] });
  await assert.rejects(async () => {
    for await (const b of loader.epoch(0)) void b;
  }, /different sizes .* randomResizedCrop/);
});
