// Recipe `data` section → train / validation / test datasets and the normalisation statistics.
import * as data from '../data/index.js';
import type { Dataset } from '../data/index.js';
import { RecipeError, type Recipe } from './recipe.js';

export interface RunData {
  train: Dataset;
  /** Held-out part of the training set (data.valSplit > 0). */
  val?: Dataset;
  test: Dataset;
  mean: number[];
  std: number[];
}

/** Loads the dataset named by the recipe; errors name the file or folder. */
export async function loadDatasets(
  recipe: Recipe,
  log: (m: string) => void = () => undefined,
): Promise<{ train: Dataset; test: Dataset }> {
  const d = recipe.data;
  switch (d.dataset) {
    case 'fashion-mnist':
      return data.fashionMnist({ dir: d.dir });
    case 'cifar10':
      return data.cifar10({ dir: d.dir! });
    case 'cifar100':
      return data.cifar100({ dir: d.dir! });
    case 'image-folder': {
      const opts = { height: d.height, width: d.width, channels: d.channels, skipBadImages: d.skipBadImages, log };
      const train = await data.imageFolder({ dir: d.dir!, ...opts });
      if (d.testDir) {
        // a data.testDir that does not exist is an error naming it (it was silently replaced by a 10% hold-out)
        const test = await data.imageFolder({ dir: d.testDir, ...opts });
        if (test.classNames.join('\n') !== train.classNames.join('\n'))
          throw new data.DataFileError(
            d.testDir,
            `classes [${test.classNames}] differ from the training folder's [${train.classNames}]`,
          );
        return { train, test };
      }
      // no test folder: hold out 10% (seeded) as the test set
      const { train: tr, val } = data.splitDataset(train, { valFraction: 0.1, seed: recipe.training.seed + 1 });
      log(`image-folder: no data.testDir, holding out ${val.labels.length} images (10%) as the test set`);
      return { train: tr, test: val };
    }
  }
}

/** Applies subset / split and computes the normalisation. */
export function prepareData(recipe: Recipe, sets: { train: Dataset; test: Dataset }): RunData {
  const d = recipe.data;
  const seed = recipe.training.seed;
  let train = sets.train;
  let test = sets.test;
  if (d.subset > 0) train = data.subset(train, d.subset, seed);
  if (d.testSubset > 0) test = data.subset(test, d.testSubset, seed + 2);
  let val: Dataset | undefined;
  if (d.valSplit > 0) ({ train, val } = data.splitDataset(train, { valFraction: d.valSplit, seed }));
  let mean: number[];
  let std: number[];
  if (d.normalize === 'dataset') ({ mean, std } = data.channelStats(train));
  else {
    const n = d.normalize;
    const pick = (v: number[]): number[] =>
      v.length === train.channels ? v : v.length === 1 ? new Array(train.channels).fill(v[0]) : v;
    mean = pick(n.mean);
    std = pick(n.std);
    if (mean.length !== train.channels || std.length !== train.channels)
      throw new RecipeError(
        `recipe: data.normalize is ${JSON.stringify(n)}; accepted: 1 or ${train.channels} values in mean and std (the dataset's channels)`,
      );
  }
  std = std.map((s) => (s > 0 ? s : 1));
  return { train, val, test, mean, std };
}
