import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import * as augment from '../../src/augment/index.js';
import { renderAugmentationGrid } from '../../src/report/augmentGrid.js';

function gradient(h: number, w: number, c: 1 | 3): augment.Image {
  const data = new Uint8Array(h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
  return { data, height: h, width: w, channels: c };
}

test('renderAugmentationGrid: PNG with the original and N samples per image, reproducible by seed', async () => {
  const imgs = [gradient(8, 10, 3), gradient(6, 6, 1)];
  const t = augment.compose([
    augment.randomHorizontalFlip({ p: 1 }),
    augment.randomCrop({ size: 8, padding: 2, padIfNeeded: true }),
  ]);
  const png = await renderAugmentationGrid(imgs, t, { samplesPerImage: 3, seed: 5, scale: 2, gap: 1 });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  // cells are 8×10 (largest image), scaled ×2, 4 columns, 2 rows, 1-px gaps
  assert.equal(info.width, 4 * 20 + 5);
  assert.equal(info.height, 2 * 16 + 3);
  assert.equal(info.channels, 3);
  // first cell = the original, nearest-magnified
  const px = (x: number, y: number) =>
    Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
  assert.deepEqual(px(1, 1), Array.from(imgs[0]!.data.subarray(0, 3)));
  assert.deepEqual(
    px(1 + 2 * 3 + 1, 1 + 2 * 2),
    Array.from(imgs[0]!.data.subarray((2 * 10 + 3) * 3, (2 * 10 + 3) * 3 + 3)),
  );
  // gray row drawn as gray RGB
  const g = px(1, 1 + 16 + 1);
  assert.equal(g[0], imgs[1]!.data[0]);
  assert.equal(g[1], g[0]);
  const again = await renderAugmentationGrid(imgs, t, { samplesPerImage: 3, seed: 5, scale: 2, gap: 1 });
  assert.ok(png.equals(again));
  const other = await renderAugmentationGrid(imgs, augment.randomErasing({ p: 1 }), { samplesPerImage: 3, seed: 6 });
  assert.ok(!png.equals(other));
  await assert.rejects(renderAugmentationGrid([], t), /renderAugmentationGrid: images must be a non-empty array/);
  await assert.rejects(
    renderAugmentationGrid(imgs, t, { samplesPerImage: -1 }),
    /samplesPerImage must be an integer in \[0, 256\]/,
  );
});
