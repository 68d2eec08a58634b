// Alternating flip (augment/transforms.ts; docs/augment.md, "Alternating flip"): the definition on the decision and on
// images. The loader's side (index and epoch reach the transform, on worker threads too) is test/data/alternating_flip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as augment from '../../src/augment/index.js';
import { Rng } from '../../src/rng/index.js';

const seedStream = new Rng(17);
const seeds = Array.from({ length: 2000 }, () => seedStream.uint32());

test('alternating flip: every image alternates over 4 epochs, from an epoch-0 coin of its own seed', () => {
  for (const [index, imageSeed] of seeds.entries()) {
    const d = [0, 1, 2, 3].map((epoch) => augment.alternatingFlipDecision({ epoch, index, imageSeed }));
    assert.deepEqual(d, [d[0], !d[0], d[0], !d[0]], `image ${index}`);
    // epoch 0 is the first draw of the image's own stream against 1/2
    assert.equal(d[0], new Rng(imageSeed).next() < 0.5);
  }
});

test('alternating flip: about half the images are mirrored in epoch 0 (binomial, 2000 images)', () => {
  const flipped = seeds.filter((imageSeed, index) =>
    augment.alternatingFlipDecision({ epoch: 0, index, imageSeed }),
  ).length;
  // mean 1000, sd √500 ≈ 22.4: ±5 sd
  assert.ok(Math.abs(flipped - 1000) < 112, `${flipped} of 2000 flipped`);
});

test('alternating flip on images: the mirror or the image itself, nothing drawn from rng', () => {
  const img = augment.makeImage(3, 4, 3);
  img.data.forEach((_, i) => (img.data[i] = (i * 29) % 256));
  const t = augment.alternatingFlip();
  for (const [index, imageSeed] of seeds.slice(0, 20).entries())
    for (const epoch of [0, 1, 5]) {
      const rng = new Rng(3);
      const out = t(img, rng, { epoch, index, imageSeed });
      const want = augment.alternatingFlipDecision({ epoch, index, imageSeed }) ? augment.ops.hflip(img) : img;
      assert.deepEqual(out.data, want.data);
      assert.deepEqual(rng.getState(), new Rng(3).getState(), 'rng untouched');
    }
  // composed: the sample information reaches it
  const both = augment.compose([augment.alternatingFlip(), augment.alternatingFlip()]);
  assert.deepEqual(both(img, new Rng(0), { epoch: 1, index: 0, imageSeed: 5 }).data, img.data);
});

test('alternating flip: without the sample information, or with options, one clear error', () => {
  const img = augment.makeImage(2, 2, 1);
  assert.throws(
    () => augment.alternatingFlip()(img, new Rng(0)),
    /augment\.alternatingFlip: sample must be the image's \{ epoch, index, imageSeed \} \(the data loader passes it\), got undefined/,
  );
  assert.throws(
    () => augment.alternatingFlip({ p: 0.3 } as never),
    /augment\.alternatingFlip: takes no options, got 'p'/,
  );
});
