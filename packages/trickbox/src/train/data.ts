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
      const { train: tr, test } = holdOutTestSet(train, recipe.training.seed);
      log(`image-folder: no data.testDir, holding out ${test.labels.length} images (10%) as the test set`);
      return { train: tr, test };
    }
  }
}

/** An image folder without data.testDir: 10% held out (seeded, stratified) as the test set. */
function holdOutTestSet(train: Dataset, seed: number): { train: Dataset; test: Dataset } {
  const { train: tr, val } = data.splitDataset(train, { valFraction: 0.1, seed: seed + 1 });
  return { train: tr, test: val };
}

/** data.subset, then the data.valSplit validation split, of the training set. */
function trainingSplit(recipe: Recipe, train: Dataset): { train: Dataset; val?: Dataset } {
  const d = recipe.data;
  const seed = recipe.training.seed;
  if (d.subset > 0) train = data.subset(train, d.subset, seed);
  return d.valSplit > 0 ? data.splitDataset(train, { valFraction: d.valSplit, seed }) : { train };
}

/** Training-set sizes of the datasets whose files are not read to count them. */
const KNOWN_TRAINING_SIZES: Partial<Record<Recipe['data']['dataset'], number>> = {
  'fashion-mnist': 60000,
  cifar10: 50000,
  cifar100: 50000,
};

/**
 * The training images of one epoch, without decoding anything: an image folder's files are listed and split as
 * training splits them (undecodable files skipped with data.skipBadImages would lower the count); the other
 * datasets have their published sizes (the validation split rounded over all classes at once).
 */
export function countTrainingImages(recipe: Recipe): number {
  const d = recipe.data;
  if (d.dataset === 'image-folder') {
    // the split functions only look at labels: 1-pixel stand-ins cost a byte per file
    const { classNames, files } = data.listImageFolder(d.dir!, () => undefined);
    let train: Dataset = {
      images: new Uint8Array(files.length),
      labels: Int32Array.from(files, (f) => f.label),
      height: 1,
      width: 1,
      channels: 1,
      classNames,
    };
    if (!d.testDir) train = holdOutTestSet(train, recipe.training.seed).train;
    return trainingSplit(recipe, train).train.labels.length;
  }
  const all = KNOWN_TRAINING_SIZES[d.dataset]!;
  const n = d.subset > 0 ? Math.min(d.subset, all) : all;
  return n - Math.round(n * d.valSplit);
}

/** Applies subset / split and computes the normalisation. */
export function prepareData(recipe: Recipe, sets: { train: Dataset; test: Dataset }): RunData {
  const d = recipe.data;
  const seed = recipe.training.seed;
  const { train, val } = trainingSplit(recipe, sets.train);
  let test = sets.test;
  if (d.testSubset > 0) test = data.subset(test, d.testSubset, seed + 2);
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
        `recipe: data.normalize is ${JSON.stringify(n)}; accepted: ${train.channels === 1 ? '1 value' : `1 or ${train.channels} values`} in mean and std (the dataset has ${train.channels} channel${train.channels === 1 ? '' : 's'})`,
      );
  }
  std = std.map((s) => (s > 0 ? s : 1));
  return { train, val, test, mean, std };
}
