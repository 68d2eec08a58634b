// A PNG grid of augmented samples for the CLI (`trickbox augment`) and the HTML report: one row per input image,
// the original in the first column, then `samplesPerImage` draws of the transform.
import sharp from 'sharp';
import type { Image, Transform } from '../augment/index.js';
import { checkImage } from '../augment/index.js';
import { Rng } from '../rng/index.js';

export interface AugmentationGridOptions {
  /** Augmented samples per input image (columns after the original), default 8. */
  samplesPerImage?: number;
  /** Seed of the Rng that drives the transform, default 0: same seed → same PNG. */
  seed?: number;
  /** Integer nearest-neighbour magnification; default: the smallest that makes cells at least 64 px, at most 8. */
  scale?: number;
  /** Gap between cells in output pixels, default 2; background 255 (white). */
  gap?: number;
}

function fail(field: string, expected: string, got: unknown): never {
  throw new RangeError(`renderAugmentationGrid: ${field} must be ${expected}, got ${String(got)}`);
}

/**
 * Renders `images` and `samplesPerImage` augmentations of each (drawn in order from one `Rng(seed)`) into a PNG.
 * Cells are as large as the largest image (original or augmented); gray images are drawn as gray RGB.
 */
export async function renderAugmentationGrid(
  images: readonly Image[],
  transform: Transform,
  opts: AugmentationGridOptions = {},
): Promise<Buffer> {
  if (!Array.isArray(images) || images.length === 0) fail('images', 'a non-empty array of images', images);
  images.forEach((img, i) => checkImage(`renderAugmentationGrid(images[${i}])`, img));
  if (typeof transform !== 'function') fail('transform', 'a function (img, rng) => Image', typeof transform);
  const samples = opts.samplesPerImage ?? 8;
  if (!Number.isInteger(samples) || samples < 0 || samples > 256)
    fail('samplesPerImage', 'an integer in [0, 256]', samples);
  const seed = opts.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) fail('seed', 'a finite number', seed);
  const gap = opts.gap ?? 2;
  if (!Number.isInteger(gap) || gap < 0 || gap > 64) fail('gap', 'an integer in [0, 64]', gap);

  const rng = new Rng(seed);
  // Transforms that follow the epoch (alternatingFlip) see column k as epoch k of image r; a stream of their own
  // gives the images' seeds, so the draws of `rng` are those of a grid without them.
  const imageSeeds = new Rng(seed).split();
  const rows: Image[][] = images.map((img, r) => {
    const row = [img];
    const imageSeed = imageSeeds.uint32();
    for (let k = 0; k < samples; k++) {
      const out = transform(img, rng, { epoch: k, index: r, imageSeed });
      checkImage('renderAugmentationGrid(transform output)', out);
      row.push(out);
    }
    return row;
  });
  const cellH = Math.max(...rows.flat().map((i) => i.height));
  const cellW = Math.max(...rows.flat().map((i) => i.width));
  const scale = opts.scale ?? Math.min(8, Math.max(1, Math.ceil(64 / Math.max(cellH, cellW))));
  if (!Number.isInteger(scale) || scale < 1 || scale > 32) fail('scale', 'an integer in [1, 32]', scale);
  const cols = samples + 1;
  const W = cols * cellW * scale + (cols + 1) * gap;
  const H = rows.length * cellH * scale + (rows.length + 1) * gap;
  if (W * H > 64e6) fail('images × samplesPerImage × scale', 'a grid of at most 64 megapixels', `${W}x${H}`);
  const canvas = Buffer.alloc(W * H * 3, 255);
  rows.forEach((row, r) => {
    row.forEach((img, c) => {
      const ox = gap + c * (cellW * scale + gap);
      const oy = gap + r * (cellH * scale + gap);
      for (let y = 0; y < img.height * scale; y++) {
        const sy = Math.floor(y / scale);
        let o = ((oy + y) * W + ox) * 3;
        for (let x = 0; x < img.width * scale; x++, o += 3) {
          const s = (sy * img.width + Math.floor(x / scale)) * img.channels;
          const v0 = img.data[s]!;
          canvas[o] = v0;
          canvas[o + 1] = img.channels === 3 ? img.data[s + 1]! : v0;
          canvas[o + 2] = img.channels === 3 ? img.data[s + 2]! : v0;
        }
      }
    });
  });
  return sharp(canvas, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
}
