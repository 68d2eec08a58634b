import { normalizeLuts } from '../augment/normalize.js';
import { Shown, argError, checkNumber } from '../check/index.js';
import type { TrainingImages } from '../plugin/index.js';
import { symmetricEigen } from './eigh.js';

export interface PatchWhitening {
  /** Second-moment matrix of the patches, d×d row-major (d = k·k·C, patch elements in HWC order). */
  moment: Float64Array;
  /** Eigenvalues of `moment`, descending, and the matching unit eigenvectors as rows (symmetricEigen's signs). */
  eigenvalues: Float64Array;
  eigenvectors: Float64Array;
  /** Convolution kernel [k, k, C, 2d] (tfjs HWIO): filter r is eigenvector r / √(λ_r + ε), filter d + r its negation. */
  kernel: Float32Array;
  kernelShape: [number, number, number, number];
}

/**
 * Patch whitening (Page 2018, the DAWNBench ResNet; Jordan 2024, airbench, arXiv:2404.00498): the filters of
 * a k×k stem convolution (no padding) from the eigendecomposition Σ = V Λ Vᵀ of the patches' second-moment matrix
 * Σ = (1/n) Σ_p p pᵀ over every k×k patch p of the normalised images. Filter r = v_r / √(λ_r + ε) maps the patches to
 * coordinates of variance λ_r/(λ_r + ε) ≈ 1, uncorrelated; the negated copies make the pair (relu(z), relu(−z))
 * keep all of z after the stem's activation (airbench concatenates them the same way, doubling the channels to
 * 2·k²·C). Σ is not centred, as airbench's: the images are normalised to about zero mean per channel.
 * Sums are float64 in a fixed order, so the filters are deterministic for given images.
 */
export function patchWhitening(images: TrainingImages, kernelSize: number, eps: number): PatchWhitening {
  const fn = 'init.patchWhitening';
  const { pixels, count, height, width, channels } = images;
  checkNumber(fn, 'kernelSize', kernelSize, { integer: true, min: 1 });
  checkNumber(fn, 'eps', eps, { min: 0, minOpen: true });
  checkNumber(fn, 'count', count, { integer: true, min: 1 });
  if (kernelSize > height || kernelSize > width)
    throw argError(fn, 'kernelSize', `at most the image size ${height}×${width}`, kernelSize);
  if (pixels.length !== count * height * width * channels)
    throw argError(
      fn,
      'pixels',
      `${count}·${height}·${width}·${channels} values`,
      new Shown(`${pixels.length} values`),
    );
  const luts = normalizeLuts(channels, images.mean, images.std, fn);
  const k = kernelSize;
  const d = k * k * channels;
  const sums = new Float64Array(d * d);
  const image = new Float64Array(height * width * channels);
  const patch = new Float64Array(d);
  const rowLength = width * channels;
  for (let n = 0; n < count; n++) {
    const base = n * height * rowLength;
    for (let i = 0; i < image.length; i++) image[i] = luts[i % channels]![pixels[base + i]!]!;
    for (let y = 0; y + k <= height; y++)
      for (let x = 0; x + k <= width; x++) {
        let e = 0;
        for (let dy = 0; dy < k; dy++) {
          const start = (y + dy) * rowLength + x * channels;
          for (let j = 0; j < k * channels; j++) patch[e++] = image[start + j]!;
        }
        for (let a = 0; a < d; a++) {
          const pa = patch[a]!;
          for (let b = a; b < d; b++) sums[a * d + b] += pa * patch[b]!;
        }
      }
  }
  const patches = count * (height - k + 1) * (width - k + 1);
  const moment = new Float64Array(d * d);
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) moment[a * d + b] = moment[b * d + a] = sums[a * d + b]! / patches;
  const { values, vectors } = symmetricEigen(moment, d);
  // HWIO: element e of a patch (HWC order) is kernel[e, filter]
  const kernel = new Float32Array(d * 2 * d);
  for (let r = 0; r < d; r++) {
    const scale = 1 / Math.sqrt(Math.max(values[r]!, 0) + eps);
    for (let e = 0; e < d; e++) {
      const w = vectors[r * d + e]! * scale;
      kernel[e * 2 * d + r] = w;
      kernel[e * 2 * d + d + r] = -w;
    }
  }
  return { moment, eigenvalues: values, eigenvectors: vectors, kernel, kernelShape: [k, k, channels, 2 * d] };
}
