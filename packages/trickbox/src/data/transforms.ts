// Recipe transform specs (plain JSON, so they can cross into worker threads) → augment transforms, and the
// per-sample seeding that makes a batch independent of how many workers produced it.
import type { Image, SampleInfo } from '../augment/image.js';
import { Rng } from '../rng/index.js';
import { transformRegistry, type SampleTransform } from './transform_registry.js';

/** The rows the registry starts with: every worker has them without importing anything. */
const BUILT_IN = new Set(transformRegistry.names());

/** One augmentation step of a recipe: the transform's name in the registry and its options. */
export interface TransformSpec {
  name: string;
  options?: Record<string, unknown>;
}

export type { SampleTransform } from './transform_registry.js';

/** Names usable in a recipe's `augment` list: the rows of the transform registry. */
export function availableTransforms(): string[] {
  return transformRegistry.names();
}

/** Builds the transforms of `specs`, applied in order. Unknown names throw an error listing the accepted ones. */
export function buildTransform(specs: readonly TransformSpec[]): SampleTransform {
  const fns = specs.map((s, i) => {
    if (!transformRegistry.names().includes(s.name))
      throw new RangeError(
        `augment[${i}].name: unknown transform '${s.name}'; accepted: ${availableTransforms().join(', ')}`,
      );
    const t = transformRegistry.get(s.name).build(s.options);
    if (typeof t !== 'function')
      throw new RangeError(`augment[${i}]: transform '${s.name}' (options) did not return a transform`);
    return t;
  });
  return (img, rng, sample) => fns.reduce((im, f) => f(im, rng, sample), img);
}

/**
 * The modules worker threads import to get the rows of `specs` registered on this thread (a user's transforms);
 * a user row without a module cannot reach a worker: an error naming it and the two ways out.
 */
export function workerModules(specs: readonly TransformSpec[]): string[] {
  const modules = new Set<string>();
  specs.forEach((s, i) => {
    const row = transformRegistry.get(s.name);
    if (row.module) modules.add(row.module);
    else if (!BUILT_IN.has(row.name))
      throw new RangeError(
        `augment[${i}].name: transform '${s.name}' was registered without a module, so the loader's worker threads cannot import it; give its row \`module: import.meta.url\` (docs/architecture.md) or set data.workers to 0`,
      );
  });
  return [...modules];
}

/** 32-bit finaliser of MurmurHash3 (Appleby), used to mix (seed, epoch, index) into independent seeds. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed (< 2^53) for the Rng of one (seed, epoch, index) triple; depends on nothing else (not the worker). */
export function derivedSeed(seed: number, epoch: number, index: number): number {
  const s = fmix32((seed >>> 0) ^ fmix32(Math.floor(seed / 4294967296) + 0x9e3779b9));
  const lo = fmix32(s ^ fmix32(epoch + 0x632be5ab) ^ fmix32(fmix32(index) + 0x7f4a7c15));
  const hi = fmix32(lo ^ s ^ (index * 0x27d4eb2d) ^ (epoch * 0x165667b1)) & 0x1fffff;
  return hi * 4294967296 + lo;
}

/** The Rng that augments sample `index` in `epoch`. */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return new Rng(derivedSeed(seed, epoch, index));
}

/** The stream id, in `derivedSeed`'s epoch slot, of the seeds that stay with an image across epochs (above any epoch). */
const IMAGE_STREAM = 0x494d4147;

/** What a transform may know of sample `index` in `epoch` (augment's SampleInfo), from the run's seed alone. */
export function sampleInfo(seed: number, epoch: number, index: number): SampleInfo {
  return { epoch, index, imageSeed: derivedSeed(seed, IMAGE_STREAM, index) };
}

/** The order in which `epoch` visits the N samples (shuffled) — the same for every worker count. */
export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  if (!shuffle) return Int32Array.from({ length: n }, (_, i) => i);
  return new Rng(derivedSeed(seed, epoch, -1)).permutation(n);
}

/** The augmented image of sample `index` in `epoch` (its own Rng and SampleInfo, so any thread gets the same). */
export function augmentSample(
  img: Image,
  transform: SampleTransform | undefined,
  seed: number,
  epoch: number,
  index: number,
): Image {
  return transform ? transform(img, sampleRng(seed, epoch, index), sampleInfo(seed, epoch, index)) : img;
}

/**
 * Writes augmented images, one at a time, normalised as `(p/255 − mean[c]) / std[c]` (torchvision ToTensor +
 * Normalize convention: mean/std on the [0, 1] scale) into a Float32Array [B, H', W', C]; H'×W' is the first
 * image's size and every other image must have it.
 */
export class BatchWriter {
  private x: Float32Array | undefined;
  private oh = 0;
  private ow = 0;
  // One float32 table per channel: the same values as computing p·scale − shift per pixel, without the arithmetic.
  private readonly luts: Float32Array[];

  constructor(
    private readonly count: number,
    private readonly channels: 1 | 3,
    mean: readonly number[],
    std: readonly number[],
  ) {
    this.luts = Array.from({ length: channels }, (_, c) => {
      const scale = 1 / (255 * std[c]!),
        shift = mean[c]! / std[c]!;
      return Float32Array.from({ length: 256 }, (_, p) => p * scale - shift);
    });
  }

  /** Normalises `img` into slot `b` of the batch. */
  write(b: number, img: Image): void {
    const { channels } = this;
    if (!this.x) {
      this.oh = img.height;
      this.ow = img.width;
      this.x = new Float32Array(this.count * this.oh * this.ow * channels);
    } else if (img.height !== this.oh || img.width !== this.ow) {
      throw new RangeError(
        `data loader: augmentations produced images of different sizes (${this.oh}×${this.ow} and ${img.height}×${img.width}); ` +
          'end the pipeline with a fixed-size transform such as randomCrop or randomResizedCrop',
      );
    }
    if (img.channels !== channels)
      throw new RangeError(`data loader: a transform changed channels ${channels} → ${img.channels}`);
    const x = this.x;
    const d = img.data;
    const base = b * this.oh * this.ow * channels;
    if (channels === 3) {
      const [l0, l1, l2] = this.luts as [Float32Array, Float32Array, Float32Array];
      for (let p = 0; p < d.length; p += 3) {
        x[base + p] = l0[d[p]!]!;
        x[base + p + 1] = l1[d[p + 1]!]!;
        x[base + p + 2] = l2[d[p + 2]!]!;
      }
    } else {
      const l0 = this.luts[0]!;
      for (let p = 0; p < d.length; p++) x[base + p] = l0[d[p]!]!;
    }
  }

  /** The batch; an empty batch has the given size. */
  result(height: number, width: number): { x: Float32Array; height: number; width: number } {
    return { x: this.x ?? new Float32Array(0), height: this.oh || height, width: this.ow || width };
  }
}

/**
 * Augments `indices` of a dataset (`images`: the whole in-memory set, or the batch's images already decoded, one per
 * index) and writes them normalised (`BatchWriter`) into a Float32Array [B, H', W', C].
 */
export function produceBatch(
  images: Uint8Array | readonly Image[],
  shape: { height: number; width: number; channels: 1 | 3 },
  indices: ArrayLike<number>,
  epoch: number,
  seed: number,
  transform: SampleTransform | undefined,
  mean: readonly number[],
  std: readonly number[],
): { x: Float32Array; height: number; width: number } {
  const { height, width, channels } = shape;
  const per = height * width * channels;
  const writer = new BatchWriter(indices.length, channels, mean, std);
  for (let b = 0; b < indices.length; b++) {
    const j = indices[b]!;
    const img: Image =
      images instanceof Uint8Array
        ? { data: images.subarray(j * per, (j + 1) * per), height, width, channels }
        : images[b]!;
    writer.write(b, augmentSample(img, transform, seed, epoch, j));
  }
  return writer.result(height, width);
}
