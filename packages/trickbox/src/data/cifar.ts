// CIFAR-10 / CIFAR-100 "binary version" batches (Krizhevsky 2009; https://www.cs.toronto.edu/~kriz/cifar.html):
// each record is the label byte(s) then 3072 bytes, the 1024 red, 1024 green, 1024 blue values of a 32×32 image.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, DatasetSplits } from './dataset.js';
import { DataFileError } from './idx.js';

const SIDE = 32;
const PIXELS = SIDE * SIDE * 3;

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Parses concatenated CIFAR records; `labelBytes` is 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine). */
export function parseCifarBatches(
  files: string[],
  labelBytes: 1 | 2,
  numClasses: number,
  labelByte: number,
): Omit<Dataset, 'classNames'> {
  const record = labelBytes + PIXELS;
  const bufs = files.map((f) => {
    let b: Buffer;
    try {
      b = readFileSync(f);
    } catch (e) {
      throw new DataFileError(f, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (b.length === 0 || b.length % record !== 0)
      throw new DataFileError(
        f,
        `length ${b.length} is not a positive multiple of the ${record}-byte CIFAR record ` +
          `(${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + 3072 pixels)`,
      );
    return b;
  });
  const n = bufs.reduce((s, b) => s + b.length / record, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  bufs.forEach((b, fi) => {
    for (let off = 0; off < b.length; off += record, i++) {
      const y = b[off + labelByte];
      if (y >= numClasses)
        throw new DataFileError(files[fi], `label ${y} of record ${off / record} is out of range [0, ${numClasses})`);
      labels[i] = y;
      const src = off + labelBytes;
      const dst = i * PIXELS;
      for (let p = 0; p < SIDE * SIDE; p++) {
        images[dst + 3 * p] = b[src + p];
        images[dst + 3 * p + 1] = b[src + 1024 + p];
        images[dst + 3 * p + 2] = b[src + 2048 + p];
      }
    }
  });
  return { images, labels, height: SIDE, width: SIDE, channels: 3 };
}

function resolveDir(dir: string, sub: string, probe: string): string {
  if (existsSync(join(dir, probe))) return dir;
  if (existsSync(join(dir, sub, probe))) return join(dir, sub);
  throw new DataFileError(
    join(dir, probe),
    `not found (nor in ${join(dir, sub)}); download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html`,
  );
}

function readNames(file: string, fallback: string[]): string[] {
  if (!existsSync(file)) return fallback;
  const names = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length === fallback.length ? names : fallback;
}

/** CIFAR-10 from `dir` (or `dir/cifar-10-batches-bin`): data_batch_1..5.bin and test_batch.bin. */
export function cifar10({ dir }: { dir: string }): DatasetSplits {
  const d = resolveDir(dir, 'cifar-10-batches-bin', 'test_batch.bin');
  const names = readNames(join(d, 'batches.meta.txt'), CIFAR10_CLASSES);
  const trainFiles = [1, 2, 3, 4, 5].map((k) => join(d, `data_batch_${k}.bin`));
  for (const f of trainFiles) if (!existsSync(f)) throw new DataFileError(f, 'not found');
  return {
    train: { ...parseCifarBatches(trainFiles, 1, 10, 0), classNames: names },
    test: { ...parseCifarBatches([join(d, 'test_batch.bin')], 1, 10, 0), classNames: names },
  };
}

/** CIFAR-100 from `dir` (or `dir/cifar-100-binary`): train.bin and test.bin; fine labels (100 classes) by default. */
export function cifar100({ dir, labels = 'fine' }: { dir: string; labels?: 'fine' | 'coarse' }): DatasetSplits {
  const d = resolveDir(dir, 'cifar-100-binary', 'test.bin');
  const k = labels === 'fine' ? 100 : 20;
  const fallback = Array.from({ length: k }, (_, i) => `class_${i}`);
  const names = readNames(join(d, labels === 'fine' ? 'fine_label_names.txt' : 'coarse_label_names.txt'), fallback);
  const byte = labels === 'fine' ? 1 : 0;
  const trainFile = join(d, 'train.bin');
  if (!existsSync(trainFile)) throw new DataFileError(trainFile, 'not found');
  return {
    train: { ...parseCifarBatches([trainFile], 2, k, byte), classNames: names },
    test: { ...parseCifarBatches([join(d, 'test.bin')], 2, k, byte), classNames: names },
  };
}
