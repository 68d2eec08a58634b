// A user's transform reaches the loader's worker threads through the module its row names, and recipes validate
// its options like the built-in ones'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader, registerTransform, type Batch, type Dataset } from '../../src/data/index.js';
import { resolveRecipe } from '../../src/train/index.js';
import invertPixels from './invert_transform.js';

registerTransform(invertPixels);

const ds: Dataset = {
  images: Uint8Array.from({ length: 6 * 4 * 4 }, (_, i) => (i * 29) % 200),
  labels: Int32Array.from({ length: 6 }, (_, i) => i % 2),
  height: 4,
  width: 4,
  channels: 1,
  classNames: ['a', 'b'],
};

async function pixels(workers: number, options?: Record<string, unknown>): Promise<number[][]> {
  const loader = new DataLoader(ds, {
    batchSize: 4,
    mean: [0],
    std: [1 / 255], // x = pixel value, to compare with the bytes
    shuffle: false,
    workers,
    transforms: [{ name: 'invertPixels', options }],
  });
  const out: Batch[] = [];
  for await (const b of loader.epoch(0)) out.push(b);
  await loader.close();
  return out.map((b) => Array.from(b.x, (v) => Math.round(v)));
}

test('a registered transform with a module runs in the worker threads: the images come out inverted', async () => {
  const expected = (level: number) => [
    Array.from(ds.images.subarray(0, 64), (p) => level - p),
    Array.from(ds.images.subarray(64), (p) => level - p),
  ];
  assert.deepEqual(await pixels(2), expected(255));
  assert.deepEqual(await pixels(2, { level: 200 }), expected(200)); // the options travel too
  assert.deepEqual(await pixels(0, { level: 200 }), expected(200)); // and on the main thread, the same
});

test('a transform registered without a module is refused for worker threads, naming the way out', () => {
  registerTransform({ ...invertPixels, name: 'invertHere', module: undefined });
  const make = (workers: number) =>
    new DataLoader(ds, { batchSize: 2, mean: [0], std: [1], workers, transforms: [{ name: 'invertHere' }] });
  assert.throws(
    () => make(1),
    /augment\[0\]\.name: transform 'invertHere' was registered without a module, .*`module: import\.meta\.url` .* or set data\.workers to 0/,
  );
  make(0); // on the main thread it exists
});

test("a recipe's augment options are checked against the transform's schema, the user's included", () => {
  const recipe = (augment: unknown) =>
    resolveRecipe({ data: { dataset: 'fashion-mnist' }, model: { name: 'simpleCnn' }, augment }, 'r.json');
  assert.deepEqual(recipe([{ name: 'invertPixels', options: { level: 9 } }]).augment, [
    { name: 'invertPixels', options: { level: 9 } },
  ]);
  assert.throws(
    () => recipe([{ name: 'invertPixels', options: { levle: 9 } }]),
    /^RecipeError: r\.json: unknown field 'augment\.0\.options\.levle'; accepted fields of augment\.0\.options: level$/,
  );
  assert.throws(
    () => recipe([{ name: 'randomHorizontalFlip' }, { name: 'randomCrop', options: { size: -3 } }]),
    /r\.json: augment\.1\.options\.size is -3; accepted: an integer >= 1$/,
  );
  assert.throws(
    () => recipe([{ name: 'cutout', options: { fill: 'noise' } }]),
    /r\.json: augment\.0\.options\.fill is "noise"; accepted: /,
  );
  assert.throws(
    () => recipe([{ name: 'mosaic' }]),
    /r\.json: augment\[0\]\.name: unknown transform 'mosaic'; accepted: randomCrop, .*invertPixels/,
  );
});

test('a transform that takes no options refuses any, saying so', () => {
  assert.throws(
    () =>
      resolveRecipe({
        data: { dataset: 'fashion-mnist' },
        model: { name: 'simpleCnn' },
        augment: [{ name: 'alternatingFlip', options: { p: 0.5 } }],
      }),
    /unknown field 'augment\.0\.options\.p'; accepted fields of augment\.0\.options: none/,
  );
});
