// A PNG grid of augmented training samples: one row per sample, the original first, then `cols` augmentations.
import sharp from 'sharp';
import type { Dataset } from '../data/index.js';
import { buildTransform, sampleRng, type TransformSpec } from '../data/index.js';

export async function augmentationGridPng(
  ds: Dataset,
  specs: TransformSpec[],
  { rows = 6, cols = 8, seed = 0, scale = 3 }: { rows?: number; cols?: number; seed?: number; scale?: number } = {},
): Promise<Buffer> {
  const transform = specs.length ? buildTransform(specs) : undefined;
  const { height: h, width: w, channels: c } = ds;
  const per = h * w * c;
  const pad = 2;
  const W = (cols + 1) * (w + pad) + pad;
  const H = rows * (h + pad) + pad;
  const canvas = new Uint8Array(W * H * 3).fill(255);
  const n = ds.labels.length;
  for (let r = 0; r < Math.min(rows, n); r++) {
    const idx = Math.floor((r * n) / Math.min(rows, n));
    const src = { data: ds.images.subarray(idx * per, (idx + 1) * per), height: h, width: w, channels: c };
    for (let k = 0; k <= cols; k++) {
      // column 0: the original; column k: the augmentation of epoch k-1 (what the loader would produce)
      const img = k === 0 || !transform ? src : transform(src, sampleRng(seed, k - 1, idx));
      const ox = pad + k * (w + pad);
      const oy = pad + r * (h + pad);
      for (let y = 0; y < Math.min(h, img.height); y++)
        for (let x = 0; x < Math.min(w, img.width); x++)
          for (let ch = 0; ch < 3; ch++)
            canvas[((oy + y) * W + ox + x) * 3 + ch] =
              img.data[(y * img.width + x) * img.channels + (img.channels === 1 ? 0 : ch)];
    }
  }
  return sharp(Buffer.from(canvas), { raw: { width: W, height: H, channels: 3 } })
    .resize(W * scale, H * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
}
