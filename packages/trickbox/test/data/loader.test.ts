import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader, availableTransforms, derivedSeed, type Dataset, type Batch } from '../../src/data/index.js';

function toy(n: number, h = 8, w = 8): Dataset {
  const images = new Uint8Array(n * h * w);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37 + (i >> 6)) % 256;
  return {
    images,
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    height: h,
    width: w,
    channels: 1,
    classNames: ['a', 'b', 'c'],
  };
}

async function collect(loader: DataLoader, epoch: number, start = 0): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader.epoch(epoch, start)) out.push(b);
  return out;
}

test('loader yields normalised, shuffled batches covering the epoch, odd last batch included', async () => {
  const ds = toy(10);
  const loader = new DataLoader(ds, { batchSize: 4, mean: [0.5], std: [0.25], seed: 1 });
  const batches = await collect(loader, 0);
  assert.deepEqual(
    batches.map((b) => b.shape[0]),
    [4, 4, 2],
  );
  assert.deepEqual(batches[0].shape, [4, 8, 8, 1]);
  // every sample appears once: match each yielded image to its source by its normalised pixels
  const seen = new Set<number>();
  for (const b of batches)
    for (let i = 0; i < b.shape[0]; i++) {
      const first = Math.round((b.x[i * 64] * 0.25 + 0.5) * 255);
      const src = [...Array(10).keys()].find((j) => ds.images[j * 64] === first && !seen.has(j))!;
      assert.notEqual(src, undefined);
      assert.equal(b.y[i], ds.labels[src]);
      assert.ok(Math.abs(b.x[i * 64 + 5] - (ds.images[src * 64 + 5] / 255 - 0.5) / 0.25) < 1e-6);
      seen.add(src);
    }
  assert.equal(seen.size, 10);
  const again = await collect(loader, 0);
  assert.deepEqual(
    again.map((b) => Array.from(b.y)),
    batches.map((b) => Array.from(b.y)),
  );
  const next = await collect(loader, 1);
  assert.notDeepEqual(
    next.map((b) => Array.from(b.x.subarray(0, 64))),
    batches.map((b) => Array.from(b.x.subarray(0, 64))),
  );
  assert.equal(new DataLoader(ds, { batchSize: 4, mean: [0], std: [1], dropLast: true }).batchesPerEpoch, 2);
  // resuming in the middle of an epoch gives the remaining batches unchanged
  const tail = await collect(loader, 0, 1);
  assert.deepEqual(
    tail.map((b) => Array.from(b.x)),
    batches.slice(1).map((b) => Array.from(b.x)),
  );
  assert.ok(loader.waitMs >= 0);
});

test('loader rejects bad options naming the field', () => {
  const ds = toy(4);
  assert.throws(
    () => new DataLoader(ds, { batchSize: 0, mean: [0], std: [1] }),
    /data\.DataLoader: batchSize must be an integer >= 1, got 0/,
  );
  assert.throws(
    () => new DataLoader(ds, { batchSize: 2, mean: [0, 0, 0], std: [1] }),
    /data\.DataLoader: mean must be an array of 1 numbers/,
  );
  assert.throws(() => new DataLoader(ds, { batchSize: 2, mean: [0], std: [0] }), /std must be positive/);
  assert.throws(
    () => new DataLoader(ds, { batchSize: 2, mean: [0], std: [1], transforms: [{ name: 'noSuchTransform' }] }),
    /augment\[0\]\.name: unknown transform 'noSuchTransform'; accepted:/,
  );
});

test('derivedSeed separates seeds, epochs and indices', () => {
  const seen = new Set<number>();
  for (const s of [0, 1, 2 ** 40])
    for (let e = 0; e < 5; e++) for (let i = -1; i < 50; i++) seen.add(derivedSeed(s, e, i));
  assert.equal(seen.size, 3 * 5 * 51);
});

const hasAug = availableTransforms().includes('randomCrop') && availableTransforms().includes('randomHorizontalFlip');
test(
  'augmented batches are identical for 0, 1 and 3 workers (per-sample Rng from seed, epoch, index)',
  { skip: !hasAug && 'augment.randomCrop not landed yet' },
  async () => {
    const ds = toy(23);
    const transforms = [
      { name: 'randomCrop', options: { size: 8, padding: 2 } },
      { name: 'randomHorizontalFlip', options: { p: 0.5 } },
    ];
    const results: number[][][] = [];
    for (const workers of [0, 1, 3]) {
      const loader = new DataLoader(ds, {
        batchSize: 5,
        mean: [0.5],
        std: [0.5],
        seed: 3,
        transforms,
        workers,
        prefetch: 4,
      });
      try {
        const b = await collect(loader, 2);
        results.push(b.map((x) => Array.from(x.x)));
      } finally {
        await loader.close();
      }
    }
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
    // the augmentation did something: epoch-2 batches differ from the un-augmented pixels
    const plain = new DataLoader(ds, { batchSize: 5, mean: [0.5], std: [0.5], seed: 3 });
    assert.notDeepEqual(
      (await collect(plain, 2)).map((x) => Array.from(x.x)),
      results[0],
    );
  },
);

test('worker threads load the TypeScript worker under tsx and produce the same batches as the main thread', async () => {
  const ds = toy(9);
  const a = new DataLoader(ds, { batchSize: 4, mean: [0.1], std: [0.3], seed: 5 });
  const b = new DataLoader(ds, { batchSize: 4, mean: [0.1], std: [0.3], seed: 5, workers: 2 });
  try {
    const xa = (await collect(a, 0)).map((x) => Array.from(x.x));
    const xb = (await collect(b, 0)).map((x) => Array.from(x.x));
    assert.deepEqual(xb, xa);
  } finally {
    await b.close();
  }
});
