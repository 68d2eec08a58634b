// AlexNet-style PCA lighting noise (Krizhevsky et al. 2012, §4.1; fb.resnet.torch `Lighting`): add
// Σ_j eigvec[:, j] · α_j · eigval_j to every RGB pixel, α_j ~ N(0, alphaStd), on the [0, 1] image.
import type { Rng } from '../rng/index.js';
import { argError, checkNumber, Shown } from '../check/index.js';
import { type Image, checkImage, makeImage, roundHalfEven } from './image.js';
import type { RandomTransform } from './transforms.js';

/** ImageNet RGB eigenvalues (fb.resnet.torch, datasets/imagenet.lua `pca.eigval`; pixels in [0, 1]). */
export const IMAGENET_EIGVAL: readonly number[] = [0.2175, 0.0188, 0.0045];
/** ImageNet RGB eigenvectors, column j is eigenvector j (fb.resnet.torch `pca.eigvec`). */
export const IMAGENET_EIGVEC: readonly (readonly number[])[] = [
  [-0.5675, 0.7192, 0.4009],
  [-0.5808, -0.0045, -0.814],
  [-0.5836, -0.6948, 0.4203],
];

export interface PcaLightingOptions {
  /** Standard deviation of α, default 0.1 (AlexNet; fb.resnet.torch). 0 turns the transform off. */
  alphaStd?: number;
  /** Eigenvalues of the pixel covariance (pixels in [0, 1]); default ImageNet's. One per channel. */
  eigval?: readonly number[];
  /** Eigenvectors as columns (eigvec[i][j] = component i of eigenvector j); default ImageNet's. */
  eigvec?: readonly (readonly number[])[];
}

/**
 * PCA lighting on uint8 images: the per-channel offset 255·Σ_j eigvec[i][j]·α_j·eigval_j is added in pixel space
 * (same as adding it to the [0, 1] image), then rounded and clamped to [0, 255].
 */
export function pcaLighting(opts: PcaLightingOptions = {}): RandomTransform<Float64Array> {
  const name = 'augment.pcaLighting';
  for (const k of Object.keys(opts))
    if (!['alphaStd', 'eigval', 'eigvec'].includes(k))
      throw argError(name, k, 'one of alphaStd, eigval, eigvec', new Shown('an unknown option'));
  const alphaStd = checkNumber(name, 'alphaStd', opts.alphaStd ?? 0.1, { min: 0, range: 'a number >= 0' });
  const eigval = opts.eigval ?? IMAGENET_EIGVAL;
  const eigvec = opts.eigvec ?? IMAGENET_EIGVEC;
  const k = eigval.length;
  if (
    !Array.isArray(eigval) ||
    (k !== 1 && k !== 3) ||
    !eigval.every((v) => typeof v === 'number' && v >= 0 && Number.isFinite(v))
  )
    throw argError(name, 'eigval', '1 or 3 finite numbers >= 0 (one per channel)', eigval);
  if (
    !Array.isArray(eigvec) ||
    eigvec.length !== k ||
    !eigvec.every((r) => Array.isArray(r) && r.length === k && r.every((v) => Number.isFinite(v)))
  )
    throw argError(name, 'eigvec', `a ${k}x${k} matrix of finite numbers (columns are eigenvectors)`, eigvec);
  const sample = (img: Image, rng: Rng): Float64Array => {
    if (img.channels !== k) throw argError(name, 'img.channels', `${k} (the size of eigval)`, img.channels);
    const alpha = new Float64Array(k);
    if (alphaStd === 0) return alpha;
    for (let j = 0; j < k; j++) alpha[j] = rng.normal(0, alphaStd);
    return alpha;
  };
  const apply = (img: Image, alpha: Float64Array): Image => {
    if (img.channels !== k) throw argError(name, 'img.channels', `${k} (the size of eigval)`, img.channels);
    if (alpha.every((a) => a === 0)) return img;
    const luts: Uint8Array[] = [];
    for (let i = 0; i < k; i++) {
      let off = 0;
      for (let j = 0; j < k; j++) off += eigvec[i]![j]! * alpha[j]! * eigval[j]!;
      const lut = new Uint8Array(256);
      for (let v = 0; v < 256; v++) {
        const x = roundHalfEven(v + 255 * off);
        lut[v] = x < 0 ? 0 : x > 255 ? 255 : x;
      }
      luts.push(lut);
    }
    const out = makeImage(img.height, img.width, img.channels);
    const src = img.data,
      dst = out.data;
    if (k === 1) for (let i = 0; i < src.length; i++) dst[i] = luts[0]![src[i]!]!;
    else {
      const l0 = luts[0]!,
        l1 = luts[1]!,
        l2 = luts[2]!;
      for (let i = 0; i < src.length; i += 3) {
        dst[i] = l0[src[i]!]!;
        dst[i + 1] = l1[src[i + 1]!]!;
        dst[i + 2] = l2[src[i + 2]!]!;
      }
    }
    return out;
  };
  const fn = ((img: Image, rng: Rng) => {
    checkImage(name, img);
    return apply(img, sample(img, rng));
  }) as RandomTransform<Float64Array>;
  Object.defineProperty(fn, 'transformName', { value: 'pcaLighting' });
  Object.defineProperty(fn, 'name', { value: 'pcaLighting' });
  fn.sample = (img, rng) => (checkImage(name, img), sample(img, rng));
  fn.apply = (img, a) => (checkImage(name, img), apply(img, a));
  return fn;
}

/**
 * Eigen-decomposition of the RGB covariance of `images` (pixels scaled to [0, 1]), for `pcaLighting`'s eigval/eigvec.
 * Uses every `stride`-th pixel (default: enough to keep about `maxPixels`, 1e6). Eigenvalues descending; each
 * eigenvector has unit length and a non-positive first component (the sign convention of the ImageNet values).
 */
export function computePcaLighting(
  images: readonly Image[],
  opts: { maxPixels?: number } = {},
): { eigval: number[]; eigvec: number[][] } {
  const name = 'augment.computePcaLighting';
  if (!Array.isArray(images) || images.length === 0)
    throw argError(name, 'images', 'a non-empty array of RGB images', images);
  const maxPixels = checkNumber(name, 'maxPixels', opts.maxPixels ?? 1e6, { min: 1, range: 'a number >= 1' });
  let total = 0;
  images.forEach((img, i) => {
    checkImage(`${name}(images[${i}])`, img, [3]);
    total += img.height * img.width;
  });
  const stride = Math.max(1, Math.floor(total / maxPixels));
  const s = [0, 0, 0],
    ss = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0,
    t = 0;
  for (const img of images) {
    const d = img.data;
    for (let p = 0; p < d.length; p += 3, t++) {
      if (t % stride !== 0) continue;
      const v = [d[p]! / 255, d[p + 1]! / 255, d[p + 2]! / 255];
      for (let a = 0; a < 3; a++) {
        s[a] += v[a]!;
        for (let b = 0; b < 3; b++) ss[a * 3 + b] += v[a]! * v[b]!;
      }
      n++;
    }
  }
  const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => ss[a * 3 + b]! / n - (s[a]! / n) * (s[b]! / n)));
  const { values, vectors } = jacobiEigen3(cov);
  const order = [0, 1, 2].sort((a, b) => values[b]! - values[a]!);
  const eigval = order.map((j) => Math.max(0, values[j]!));
  const eigvec = [0, 1, 2].map(() => [0, 0, 0]);
  order.forEach((j, col) => {
    const sign = vectors[0]![j]! > 0 ? -1 : 1;
    for (let i = 0; i < 3; i++) eigvec[i]![col] = sign * vectors[i]![j]!;
  });
  return { eigval, eigvec };
}

/** Cyclic Jacobi eigenvalue iteration for a symmetric 3×3 matrix; vectors are columns. */
function jacobiEigen3(m: number[][]): { values: number[]; vectors: number[][] } {
  const a = m.map((r) => r.slice());
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0]![1]! ** 2 + a[0]![2]! ** 2 + a[1]![2]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < 2; p++) {
      for (let q = p + 1; q < 3; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < 3; k++) {
          const akp = a[k]![p]!,
            akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < 3; k++) {
          const apk = a[p]![k]!,
            aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 3; k++) {
          const vkp = v[k]![p]!,
            vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: [a[0]![0]!, a[1]![1]!, a[2]![2]!], vectors: v };
}
