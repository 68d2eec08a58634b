// Conversion of uint8 images to float tensors for the loader: [B, H, W, C] (NHWC, TensorFlow.js layout).
import { argError } from '../check/index.js';
import { type Image, checkImage } from './image.js';

/** ImageNet channel mean/std on [0, 1] pixels (torchvision reference scripts). */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];
/** CIFAR-10 mean/std on [0, 1] pixels (training set; the values of the Random Erasing / Cutout code). */
export const CIFAR10_MEAN: readonly number[] = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD: readonly number[] = [0.247, 0.2435, 0.2616];

const f32 = Math.fround;

/**
 * Per-channel lookup tables of (v/255 - mean)/std in float32, exactly as torchvision's ToTensor + Normalize
 * compute them. `mean`/`std` are on the [0, 1] scale, one value or one per channel.
 */
export function normalizeLuts(
  channels: number,
  mean: number | readonly number[],
  std: number | readonly number[],
  where = 'augment.normalize',
): Float32Array[] {
  const pick = (field: string, v: number | readonly number[], c: number) => {
    const x = typeof v === 'number' ? v : v.length === 1 ? v[0] : v[c];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw argError(where, field, `a finite number or ${channels} of them`, v);
    return x;
  };
  if (Array.isArray(mean) && mean.length !== 1 && mean.length !== channels)
    throw argError(where, 'mean', `1 or ${channels} values (one per channel)`, mean);
  if (Array.isArray(std) && std.length !== 1 && std.length !== channels)
    throw argError(where, 'std', `1 or ${channels} values (one per channel)`, std);
  const luts: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const m = f32(pick('mean', mean, c));
    const s = f32(pick('std', std, c));
    if (!(s > 0)) throw argError(where, 'std', 'positive numbers', std);
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = f32(f32(f32(v / 255) - m) / s);
    luts.push(lut);
  }
  return luts;
}

/** Writes one normalised image into `out` at element `offset` (HWC); returns the next offset. */
export function normalizeInto(out: Float32Array, offset: number, img: Image, luts: Float32Array[]): number {
  const src = img.data;
  if (offset + src.length > out.length)
    throw argError('augment.normalizeInto', 'out', `room for ${src.length} values at ${offset}`, out.length);
  if (img.channels === 1) {
    const l = luts[0]!;
    for (let i = 0; i < src.length; i++) out[offset + i] = l[src[i]!]!;
  } else {
    const l0 = luts[0]!,
      l1 = luts[1]!,
      l2 = luts[2]!;
    for (let i = 0; i < src.length; i += 3) {
      out[offset + i] = l0[src[i]!]!;
      out[offset + i + 1] = l1[src[i + 1]!]!;
      out[offset + i + 2] = l2[src[i + 2]!]!;
    }
  }
  return offset + src.length;
}

/**
 * Normalises a batch of same-sized images to one Float32Array laid out [B, H, W, C]: (x/255 - mean) / std,
 * mean/std on the [0, 1] scale (torchvision's Normalize after ToTensor). `out` may be passed to reuse a buffer.
 */
export function normalize(
  images: readonly Image[],
  mean: number | readonly number[],
  std: number | readonly number[],
  out?: Float32Array,
): Float32Array {
  if (!Array.isArray(images) || images.length === 0)
    throw argError('augment.normalize', 'images', 'a non-empty array of images', images);
  const first = images[0]!;
  checkImage('augment.normalize', first);
  const per = first.height * first.width * first.channels;
  images.forEach((img, i) => {
    checkImage('augment.normalize', img);
    if (img.height !== first.height || img.width !== first.width || img.channels !== first.channels)
      throw argError(
        'augment.normalize',
        `images[${i}]`,
        `the size of images[0], ${first.height}x${first.width}x${first.channels}`,
        `${img.height}x${img.width}x${img.channels}`,
      );
  });
  const total = per * images.length;
  if (out && out.length !== total)
    throw argError('augment.normalize', 'out', `a Float32Array of length ${total}`, out.length);
  const buf = out ?? new Float32Array(total);
  const luts = normalizeLuts(first.channels, mean, std);
  let off = 0;
  for (const img of images) off = normalizeInto(buf, off, img, luts);
  return buf;
}

/** One image as floats in [0, 1] (ToTensor), HWC. */
export function toFloat(img: Image): Float32Array {
  checkImage('augment.toFloat', img);
  const out = new Float32Array(img.data.length);
  return (normalizeInto(out, 0, img, normalizeLuts(img.channels, 0, 1, 'augment.toFloat')), out);
}

/** A batch as floats in [0, 1], [B, H, W, C]. */
export function toFloatBatch(images: readonly Image[]): Float32Array {
  return normalize(images, 0, 1);
}
