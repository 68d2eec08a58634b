// The image type every transform works on, its check, and the pixel-buffer pool. Argument errors come from the
// neutral check/ module, named by the public function (`augment.randomCrop: size must be …`).
import { argError } from '../check/index.js';

/** An 8-bit image, HWC interleaved: pixel (y, x), channel c is `data[(y * width + x) * channels + c]`. */
export interface Image {
  data: Uint8Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * Where an image is in training, for the transforms that depend on that rather than on a fresh draw
 * (`alternatingFlip`). The data loader passes it; the other transforms ignore it.
 */
export interface SampleInfo {
  /** 0-based epoch. */
  epoch: number;
  /** The image's index in its dataset. */
  index: number;
  /** A seed of this image under the run's seed: the same in every epoch, independent of the epoch's `rng`. */
  imageSeed: number;
}

/**
 * A random transform: draws its parameters from `rng` and returns a new image (the input is not modified).
 * `sample` says which image of which epoch it is, when the caller knows (the data loader does).
 */
export type Transform = (img: Image, rng: import('../rng/index.js').Rng, sample?: SampleInfo) => Image;

/**
 * Throws unless `img` is a well-formed Image (channels 1 or 3, positive integer sizes, buffer length H·W·C); `fn` is
 * the function named in the error (`augment.ops.crop`, `myTransform`).
 */
export function checkImage(fn: string, img: Image, channels?: readonly number[]): void {
  if (!img || typeof img !== 'object') throw argError(fn, 'img', 'an Image { data, height, width, channels }', img);
  const { data, height, width } = img;
  if (!(data instanceof Uint8Array))
    throw argError(fn, 'img.data', 'a Uint8Array', (data as unknown as object | undefined)?.constructor?.name);
  if (!Number.isInteger(height) || height < 1) throw argError(fn, 'img.height', 'an integer >= 1', height);
  if (!Number.isInteger(width) || width < 1) throw argError(fn, 'img.width', 'an integer >= 1', width);
  if (img.channels !== 1 && img.channels !== 3) throw argError(fn, 'img.channels', '1 or 3', img.channels);
  if (channels && !channels.includes(img.channels))
    throw argError(fn, 'img.channels', channels.join(' or '), img.channels);
  const n = height * width * img.channels;
  if (data.length !== n)
    throw argError(
      fn,
      'img.data.length',
      `height·width·channels = ${height}·${width}·${img.channels} = ${n}`,
      data.length,
    );
}

// Recycled pixel buffers. Allocating an ArrayBuffer costs about as much as a pass over a 32×32 image, so
// pipelines (compose, AutoAugment's two steps, RandAugment's chain) hand back the intermediate images that only
// they have seen, and the next op takes its output buffer from here. Bounded; per module instance (per worker).
const pool = new Map<number, Uint8Array[]>();
let pooledBytes = 0;
const POOL_MAX_BYTES = 8 << 20;

/** A new image of the given size, zero-filled (its buffer may be a recycled one). */
export function makeImage(height: number, width: number, channels: 1 | 3): Image {
  const n = height * width * channels;
  const list = pool.get(n);
  if (list && list.length > 0) {
    const data = list.pop()!;
    pooledBytes -= n;
    data.fill(0);
    return { data, height, width, channels };
  }
  return { data: new Uint8Array(n), height, width, channels };
}

/**
 * A new image of the given size whose contents are unspecified (a recycled buffer is not cleared): for ops that
 * write every byte of their output.
 */
export function allocImage(height: number, width: number, channels: 1 | 3): Image {
  const n = height * width * channels;
  const data = pool.get(n)?.pop();
  if (data) {
    pooledBytes -= n;
    return { data, height, width, channels };
  }
  return { data: new Uint8Array(n), height, width, channels };
}

/**
 * Gives an intermediate image's buffer back for reuse. Only for buffers nobody else can see: the caller created
 * the image and is about to drop it.
 */
export function recycle(data: Uint8Array): void {
  const n = data.length;
  if (n < 64 || data.byteOffset !== 0 || data.buffer.byteLength !== n || pooledBytes + n > POOL_MAX_BYTES) return;
  let list = pool.get(n);
  if (!list) {
    if (pool.size >= 32) return;
    list = [];
    pool.set(n, list);
  }
  if (list.length >= 8 || list.includes(data)) return;
  list.push(data);
  pooledBytes += n;
}

/**
 * Hands an image you are done with back to the pixel-buffer pool (e.g. in a loader, right after normalising it
 * into the batch tensor). Optional — unreleased images are simply garbage-collected — and only safe when
 * nothing else holds the image or its `data`: the buffer will be overwritten by a later op.
 */
export function release(img: Image): void {
  if (img && img.data instanceof Uint8Array) recycle(img.data);
}

/**
 * Drops `prev` (an intermediate of a chain that started at `input`) after `next` was made from it: its buffer is
 * recycled unless it is the chain's input or shared with `next`.
 */
export function releaseIntermediate(input: Image, prev: Image, next: Image): void {
  if (prev !== input && prev !== next && prev.data !== next.data && prev.data !== input.data) recycle(prev.data);
}

export function cloneImage(img: Image): Image {
  return { data: img.data.slice(), height: img.height, width: img.width, channels: img.channels };
}

/** A pixel fill value (0–255) for every channel: a number, or one number per channel. */
export type Fill = number | readonly number[];

/**
 * Resolves a fill to one uint8 value per channel, as torchvision does for uint8 tensors (round half to even,
 * then cast).
 */
export function resolveFill(where: string, fill: Fill | undefined, channels: number): Uint8Array {
  const out = new Uint8Array(channels);
  if (fill === undefined) return out;
  const vals = typeof fill === 'number' ? new Array<number>(channels).fill(fill) : fill;
  if (!Array.isArray(vals) || (vals.length !== channels && vals.length !== 1))
    throw argError(where, 'fill', `a number or an array of ${channels} numbers in [0, 255]`, fill);
  for (let c = 0; c < channels; c++) {
    const v = vals.length === 1 ? vals[0] : vals[c];
    if (typeof v !== 'number' || !(v >= 0 && v <= 255)) throw argError(where, 'fill', 'pixel values in [0, 255]', fill);
    out[c] = roundHalfEven(v);
  }
  return out;
}

/** Round half to even, like torch.round / numpy.rint. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) === 1 ? r - 1 : r;
}
