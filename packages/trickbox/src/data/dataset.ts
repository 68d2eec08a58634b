// The in-memory dataset type shared by every loader, and the operations on it: seeded split, subset, statistics.
import { Rng } from '../rng/index.js';

/** N images of one size, HWC interleaved uint8, with int32 labels in [0, classNames.length). */
export interface Dataset {
  images: Uint8Array; // N·H·W·C
  labels: Int32Array; // N
  height: number;
  width: number;
  channels: 1 | 3;
  classNames: string[];
}

/** A training set and a held-out test set (the files' own split when the format has one). */
export interface DatasetSplits {
  train: Dataset;
  test: Dataset;
}

/** Error for a bad argument of a `data.*` function: names the function, the field, what is accepted and the value. */
export function dataArgError(where: string, field: string, expected: string, got: unknown): RangeError {
  return new RangeError(`data.${where}: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
}

export function numSamples(ds: Dataset): number {
  return ds.labels.length;
}

/** Throws unless the buffers of `ds` agree with its shape and every label is a valid class index. */
export function checkDataset(where: string, ds: Dataset): void {
  const n = ds.labels.length;
  const per = ds.height * ds.width * ds.channels;
  if (ds.images.length !== n * per)
    throw dataArgError(
      where,
      'images.length',
      `N·H·W·C = ${n}·${ds.height}·${ds.width}·${ds.channels}`,
      ds.images.length,
    );
  const k = ds.classNames.length;
  for (let i = 0; i < n; i++) {
    const y = ds.labels[i];
    if (y < 0 || y >= k) throw dataArgError(where, `labels[${i}]`, `in [0, ${k})`, y);
  }
}

/** The samples at `indices`, in that order, as a new Dataset (buffers copied). */
export function take(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const per = ds.height * ds.width * ds.channels;
  const images = new Uint8Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = ds.labels[j];
  }
  return { ...ds, images, labels };
}

/**
 * Seeded train/validation split: a permutation drawn from `new Rng(seed)`; the first ⌊N·valFraction⌉ samples
 * form the validation set. Stratified by default (each class keeps its share), so small validation sets see every class.
 */
export function splitDataset(
  ds: Dataset,
  { valFraction, seed = 0, stratified = true }: { valFraction: number; seed?: number; stratified?: boolean },
): { train: Dataset; val: Dataset } {
  if (!(valFraction >= 0 && valFraction < 1))
    throw dataArgError('splitDataset', 'valFraction', 'in [0, 1)', valFraction);
  const n = numSamples(ds);
  const rng = new Rng(seed);
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  if (stratified) {
    const byClass: number[][] = ds.classNames.map(() => []);
    for (let i = 0; i < n; i++) byClass[ds.labels[i]].push(i);
    for (const members of byClass) {
      const perm = rng.permutation(members.length);
      const nVal = Math.round(members.length * valFraction);
      for (let i = 0; i < members.length; i++) (i < nVal ? valIdx : trainIdx).push(members[perm[i]]);
    }
    trainIdx.sort((a, b) => a - b);
    valIdx.sort((a, b) => a - b);
  } else {
    const perm = rng.permutation(n);
    const nVal = Math.round(n * valFraction);
    for (let i = 0; i < n; i++) (i < nVal ? valIdx : trainIdx).push(perm[i]);
  }
  return { train: take(ds, trainIdx), val: take(ds, valIdx) };
}

/** A seeded random subset of `size` samples (kept in their original order); the whole set when size >= N. */
export function subset(ds: Dataset, size: number, seed = 0): Dataset {
  if (!Number.isInteger(size) || size < 1) throw dataArgError('subset', 'size', 'an integer >= 1', size);
  const n = numSamples(ds);
  if (size >= n) return ds;
  const perm = new Rng(seed).permutation(n);
  const idx = Array.from(perm.subarray(0, size)).sort((a, b) => a - b);
  return take(ds, idx);
}

/** Per-channel mean and standard deviation of the pixels scaled to [0, 1] (the torchvision Normalize convention). */
export function channelStats(ds: Dataset): { mean: number[]; std: number[] } {
  const c = ds.channels;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  const img = ds.images;
  for (let i = 0; i < img.length; i += c) {
    for (let k = 0; k < c; k++) {
      const v = img[i + k] / 255;
      sum[k] += v;
      sq[k] += v * v;
    }
  }
  const count = img.length / c;
  const mean = Array.from(sum, (s) => s / count);
  // population variance E[x²] − E[x]² (as numpy's default std, ddof = 0)
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(0, s / count - mean[k] * mean[k])));
  return { mean, std };
}

/**
 * PCA of the RGB pixel colours (scaled to [0, 1]) for AlexNet-style lighting noise (Krizhevsky et al. 2012, §4.1):
 * eigenvalues (descending) and eigenvectors (columns) of the 3×3 covariance, by the cyclic Jacobi method.
 */
export function pixelPca(ds: Dataset): { eigval: number[]; eigvec: number[][] } {
  if (ds.channels !== 3) throw dataArgError('pixelPca', 'channels', '3', ds.channels);
  const { mean } = channelStats(ds);
  const cov = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const img = ds.images;
  const count = img.length / 3;
  for (let i = 0; i < img.length; i += 3) {
    const r = img[i] / 255 - mean[0];
    const g = img[i + 1] / 255 - mean[1];
    const b = img[i + 2] / 255 - mean[2];
    cov[0] += r * r;
    cov[1] += r * g;
    cov[2] += r * b;
    cov[4] += g * g;
    cov[5] += g * b;
    cov[8] += b * b;
  }
  cov[3] = cov[1];
  cov[6] = cov[2];
  cov[7] = cov[5];
  const a = cov.map((v) => v / count);
  const { values, vectors } = jacobiEigen3(a);
  const order = [0, 1, 2].sort((i, j) => values[j] - values[i]);
  return {
    eigval: order.map((i) => values[i]),
    // eigvec[row][col]: column j is the j-th eigenvector, as the AlexNet/fb.resnet.torch tables
    eigvec: [0, 1, 2].map((row) => order.map((col) => vectors[row * 3 + col])),
  };
}

/** Eigen-decomposition of a symmetric 3×3 matrix (row-major) by cyclic Jacobi rotations (Golub & Van Loan §8.5). */
function jacobiEigen3(m: number[]): { values: number[]; vectors: number[] } {
  const a = m.slice();
  const v = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5];
    if (off < 1e-30) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      const apq = a[p * 3 + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k * 3 + p];
        const akq = a[k * 3 + q];
        a[k * 3 + p] = c * akp - s * akq;
        a[k * 3 + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p * 3 + k];
        const aqk = a[q * 3 + k];
        a[p * 3 + k] = c * apk - s * aqk;
        a[q * 3 + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k * 3 + p];
        const vkq = v[k * 3 + q];
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [a[0], a[4], a[8]], vectors: v };
}
