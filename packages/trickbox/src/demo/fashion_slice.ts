// The Fashion-MNIST slice the in-tab training page trains on, written by `trickbox demo` from the dataset on the
// machine (a few thousand images: small enough for a page, and never part of the npm package).
import { join } from 'node:path';
import { encodeSlice, type SliceManifest, type TrainingSlice } from '../browser/slice.js';
import { channelStats, subset, type Dataset } from '../data/dataset.js';
import { DEFAULT_FASHION_MNIST_DIR, fashionMnist } from '../data/idx.js';
import { writeFileAtomic } from '../fs/atomic.js';

export const SLICE_BASENAME = 'fashion-slice';

export interface FashionSliceOptions {
  /** Folder of the four IDX files, default Debian's dataset-fashion-mnist. */
  dataDir?: string;
  /** Images drawn from the training set, default 4000. */
  trainCount?: number;
  /** Hold-out images drawn from the test set, default 1000. */
  holdOutCount?: number;
  seed?: number;
}

const split = (ds: Dataset) => ({ images: ds.images, labels: Uint8Array.from(ds.labels) });

/** Writes `<dir>/fashion-slice.json` and `.bin`; returns the manifest. Throws DataFileError when the data is missing. */
export function writeFashionSlice(dir: string, options: FashionSliceOptions = {}): SliceManifest {
  const dataDir = options.dataDir ?? DEFAULT_FASHION_MNIST_DIR;
  const seed = options.seed ?? 0;
  const sets = fashionMnist({ dir: dataDir });
  const train = subset(sets.train, options.trainCount ?? 4000, seed);
  const holdOut = subset(sets.test, options.holdOutCount ?? 1000, seed + 1);
  const { mean, std } = channelStats(train);
  const slice: TrainingSlice = {
    height: train.height,
    width: train.width,
    channels: train.channels,
    classNames: train.classNames,
    mean,
    std,
    train: split(train),
    holdOut: split(holdOut),
  };
  const source = `drawn (seed ${seed}) from the Fashion-MNIST training and test files in ${dataDir}`;
  const { manifest, bytes } = encodeSlice(slice, source);
  writeFileAtomic(join(dir, `${SLICE_BASENAME}.bin`), bytes);
  writeFileAtomic(join(dir, `${SLICE_BASENAME}.json`), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}
