// Alternating flip through the data loader: the transform learns each image's index and epoch (data/transforms.ts,
// sampleInfo), on the calling thread and on worker threads alike, from the run's seed alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader, type Batch, type Dataset } from '../../src/data/index.js';

/** n gray 4×6 images, none symmetric (a left-to-right ramp plus the index); label i = image i. */
function rampImages(n: number): Dataset {
  const h = 4;
  const w = 6;
  const images = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) images[(i * h + y) * w + x] = (x * 40 + y + i) % 256;
  return {
    images,
    labels: Int32Array.from({ length: n }, (_, i) => i),
    height: h,
    width: w,
    channels: 1,
    classNames: [],
  };
}

/** For each image index: was it mirrored in this epoch? Read from the pixels (mean 0, std 1/255: x is the pixel value). */
async function flipsOf(loader: DataLoader, ds: Dataset, epoch: number): Promise<boolean[]> {
  const per = ds.height * ds.width;
  const out: boolean[] = new Array<boolean>(ds.labels.length);
  const batches: Batch[] = [];
  for await (const b of loader.epoch(epoch)) batches.push(b);
  for (const b of batches)
    for (let k = 0; k < b.y.length; k++) {
      const i = b.y[k]!;
      const got = Array.from(b.x.subarray(k * per, (k + 1) * per), (v) => Math.round(v));
      const src = Array.from(ds.images.subarray(i * per, (i + 1) * per));
      const mirrored = src.map((_, p) => src[Math.floor(p / ds.width) * ds.width + (ds.width - 1 - (p % ds.width))]!);
      if (got.every((v, p) => v === src[p])) out[i] = false;
      else if (got.every((v, p) => v === mirrored[p])) out[i] = true;
      else assert.fail(`image ${i} in epoch ${epoch} is neither itself nor its mirror`);
    }
  return out;
}

const loaderFor = (ds: Dataset, seed: number, workers: number) =>
  new DataLoader(ds, {
    batchSize: 64,
    mean: [0],
    std: [1 / 255],
    seed,
    workers,
    transforms: [{ name: 'alternatingFlip' }],
  });

test('alternating flip in the loader: each image alternates over 4 epochs, about half in epoch 0, same seed same flips', async () => {
  const ds = rampImages(600);
  const loader = loaderFor(ds, 3, 0);
  const epochs = [];
  for (let e = 0; e < 4; e++) epochs.push(await flipsOf(loader, ds, e));
  for (let i = 0; i < 600; i++)
    assert.deepEqual(
      epochs.map((f) => f[i]),
      [epochs[0]![i], !epochs[0]![i], epochs[0]![i], !epochs[0]![i]],
      `image ${i}`,
    );
  const flipped = epochs[0]!.filter(Boolean).length;
  assert.ok(Math.abs(flipped - 300) < 62, `${flipped} of 600 flipped in epoch 0`); // ±5 sd of Binomial(600, ½)
  assert.deepEqual(await flipsOf(loaderFor(ds, 3, 0), ds, 2), epochs[2]);
  assert.notDeepEqual(await flipsOf(loaderFor(ds, 4, 0), ds, 0), epochs[0]);
  await loader.close();
});

test('alternating flip on worker threads gives the same images as the calling thread', async () => {
  const ds = rampImages(300);
  const here = loaderFor(ds, 9, 0);
  const threads = loaderFor(ds, 9, 2);
  try {
    for (const epoch of [0, 1]) {
      const a: Batch[] = [];
      const b: Batch[] = [];
      for await (const x of here.epoch(epoch)) a.push(x);
      for await (const x of threads.epoch(epoch)) b.push(x);
      assert.deepEqual(
        b.map((x) => Array.from(x.x)),
        a.map((x) => Array.from(x.x)),
      );
    }
  } finally {
    await threads.close();
  }
});
