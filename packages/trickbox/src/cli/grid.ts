// The augmentation grid of a recipe: `rows` training samples, each followed by `cols` augmented draws, rendered
// by report.renderAugmentationGrid (PNG).
import type { Image } from '../augment/index.js';
import type { Dataset } from '../data/index.js';
import { buildTransform, type TransformSpec } from '../data/index.js';
import { renderAugmentationGrid } from '../report/index.js';

export async function augmentationGridPng(
  ds: Dataset,
  specs: TransformSpec[],
  { rows = 6, cols = 8, seed = 0 }: { rows?: number; cols?: number; seed?: number } = {},
): Promise<Buffer> {
  const transform = specs.length ? buildTransform(specs) : (img: Image) => img;
  const { height, width, channels } = ds;
  const per = height * width * channels;
  const n = ds.labels.length;
  const count = Math.min(rows, n);
  const images: Image[] = [];
  for (let r = 0; r < count; r++) {
    const idx = Math.floor((r * n) / count);
    images.push({ data: ds.images.slice(idx * per, (idx + 1) * per), height, width, channels });
  }
  return renderAugmentationGrid(images, transform, { samplesPerImage: cols, seed });
}
