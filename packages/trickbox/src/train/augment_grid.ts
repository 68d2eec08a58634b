// The augmentation grid of a recipe: `rows` training samples, each followed by `cols` augmented draws, rendered
// by report.renderAugmentationGrid (PNG).
import type { Image } from '../augment/index.js';
import { buildTransform, subset, type Dataset, type TransformSpec } from '../data/index.js';
import { renderAugmentationGrid } from '../report/index.js';
import { loadDatasets } from './data.js';
import type { Recipe } from './recipe.js';

/**
 * The grid of a recipe's augmentations on its training images: `rows` of `sample` images drawn (seeded) from the
 * training set, spread evenly, each followed by `cols` augmented copies.
 */
export async function recipeAugmentationGrid(
  recipe: Recipe,
  { rows = 6, cols = 8, sample = rows }: { rows?: number; cols?: number; sample?: number } = {},
): Promise<Buffer> {
  const sets = await loadDatasets(recipe);
  const seed = recipe.training.seed;
  return augmentationGridPng(subset(sets.train, Math.max(sample, 1), seed), recipe.augment, { rows, cols, seed });
}

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
