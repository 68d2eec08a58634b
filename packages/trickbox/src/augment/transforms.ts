// Random transforms `(img, rng) => Image`. As in torchvision, each one only draws its parameters (`sample`) and
// then calls deterministic ops (`apply`); both halves are exposed on the returned function, so tests and tools can
// look at the drawn parameters. The input image is never modified; when a transform changes nothing it may
// return the input itself.
import { detExp, detLog } from '../rng/detmath.js';
import { Rng } from '../rng/index.js';
import { argError, checkInt, checkNumber, checkProbability, Shown } from '../check/index.js';
import {
  type Fill,
  type Image,
  type SampleInfo,
  type Transform,
  checkImage,
  releaseIntermediate,
  resolveFill,
  roundHalfEven,
} from './image.js';
import * as ops from './ops.js';
import {
  AUTO_AUGMENT_POLICIES,
  type AugmentOpName,
  type AugmentationSpace,
  type AutoAugmentPolicyName,
  applyOp,
  standardSpace,
  wideSpace,
} from './policies.js';

/** A random transform whose parameter draw and application are also available separately. */
export interface RandomTransform<P> extends Transform {
  /** Name used in error messages and docs, e.g. 'randomCrop'. */
  readonly transformName: string;
  /** Draws the parameters for `img` (consumes `rng` exactly as the transform does). */
  sample(img: Image, rng: Rng): P;
  /** Applies drawn parameters (deterministic). */
  apply(img: Image, params: P): Image;
}

/** `fn` is the public name (`augment.randomCrop`); the transform's own name drops the area (`randomCrop`). */
function makeTransform<P>(fn: string, sample: (img: Image, rng: Rng) => P, apply: (img: Image, p: P) => Image) {
  const name = fn.replace(/^augment\./, '');
  const t = ((img: Image, rng: Rng) => {
    checkImage(fn, img);
    return apply(img, sample(img, rng));
  }) as RandomTransform<P>;
  Object.defineProperty(t, 'transformName', { value: name });
  Object.defineProperty(t, 'name', { value: name });
  t.sample = (img, rng) => {
    checkImage(fn, img);
    return sample(img, rng);
  };
  t.apply = (img, p) => {
    checkImage(fn, img);
    return apply(img, p);
  };
  return t;
}

function size2(where: string, field: string, size: unknown): [number, number] {
  if (typeof size === 'number') {
    checkInt(where, field, size, 1);
    return [size, size];
  }
  if (Array.isArray(size) && size.length === 2) {
    checkInt(where, `${field}[0] (height)`, size[0], 1);
    checkInt(where, `${field}[1] (width)`, size[1], 1);
    return [size[0], size[1]];
  }
  throw argError(where, field, 'an integer >= 1 or [height, width]', size);
}

function range2(where: string, field: string, v: unknown, lo: number, hi: number): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw argError(where, field, `[min, max] within [${lo}, ${hi}]`, v);
  const [a, b] = v as number[];
  if (typeof a !== 'number' || typeof b !== 'number' || !(a >= lo && b <= hi && a <= b))
    throw argError(where, field, `[min, max] with ${lo} <= min <= max <= ${hi}`, v);
  return [a, b];
}

/** Validates a fill value early (at construction), whatever the channel count it will meet. */
function checkFill(where: string, fill: Fill | undefined): void {
  if (fill === undefined) return;
  resolveFill(where, fill, typeof fill === 'number' || !Array.isArray(fill) ? 1 : Math.max(1, fill.length));
}

function knownKeys(where: string, opts: object, keys: readonly string[]): void {
  for (const k of Object.keys(opts))
    if (!keys.includes(k))
      throw argError(where, k, `one of the options ${keys.join(', ')}`, new Shown('an unknown option'));
}

// ------------------------------------------------------------------------------------------------ crops, flips

export interface RandomCropOptions {
  /** Output size, square or [height, width]. */
  size: number | readonly [number, number];
  /** Zero padding on every side (or [left/right, top/bottom], or [left, top, right, bottom]) before cropping;
   *  default 0. CIFAR: 4 (He et al. 2016, §4.2). */
  padding?: number | readonly number[];
  /** Pixel value of the padding, default 0 (torchvision RandomCrop). */
  fill?: Fill;
  /** Pad images smaller than `size` up to it, default false (torchvision). */
  padIfNeeded?: boolean;
}

/** torchvision RandomCrop: pad, then crop a uniformly placed `size` window (no buffer for the padded image). */
export function randomCrop(opts: RandomCropOptions): RandomTransform<{ top: number; left: number }> {
  const name = 'augment.randomCrop';
  if (!opts || typeof opts !== 'object') throw argError(name, 'options', 'an object { size, padding? }', opts);
  knownKeys(name, opts, ['size', 'padding', 'fill', 'padIfNeeded']);
  const [th, tw] = size2(name, 'size', opts.size);
  const p = opts.padding ?? 0;
  let pl: number, pt: number, pr: number, pb: number;
  if (typeof p === 'number') pl = pt = pr = pb = p;
  else if (Array.isArray(p) && p.length === 2) [pl, pt, pr, pb] = [p[0], p[1], p[0], p[1]];
  else if (Array.isArray(p) && p.length === 4) [pl, pt, pr, pb] = p as number[];
  else throw argError(name, 'padding', 'an integer >= 0, [lr, tb] or [left, top, right, bottom]', p);
  for (const v of [pl, pt, pr, pb]) checkInt(name, 'padding', v, 0);
  const fill = opts.fill ?? 0;
  const padIfNeeded = opts.padIfNeeded ?? false;
  // Padded geometry: offsets of the original image inside the padded one.
  const geometry = (img: Image) => {
    let h = img.height + pt! + pb!,
      w = img.width + pl! + pr!;
    let offT = pt!,
      offL = pl!;
    if (padIfNeeded && w < tw) {
      offL += tw - w;
      w += 2 * (tw - w);
    }
    if (padIfNeeded && h < th) {
      offT += th - h;
      h += 2 * (th - h);
    }
    if (h < th || w < tw)
      throw argError(name, 'size', `at most the padded image size ${h}x${w} (or set padIfNeeded)`, [th, tw]);
    return { h, w, offT, offL };
  };
  checkFill(name, fill);
  return makeTransform(
    name,
    (img, rng) => {
      const { h, w } = geometry(img);
      if (h === th && w === tw) return { top: 0, left: 0 };
      return { top: rng.int(h - th + 1), left: rng.int(w - tw + 1) };
    },
    (img, { top, left }) => {
      const { offT, offL } = geometry(img);
      return ops.crop(img, top - offT, left - offL, th, tw, fill);
    },
  );
}

export interface RandomResizedCropOptions {
  size: number | readonly [number, number];
  /** Range of the crop area as a fraction of the image, default [0.08, 1] (Szegedy et al. 2015; torchvision). */
  scale?: readonly [number, number];
  /** Range of the aspect ratio w/h, sampled log-uniformly, default [3/4, 4/3] (torchvision). */
  ratio?: readonly [number, number];
  /** Antialiased bilinear resize (as PIL / torchvision antialias=True), default true. */
  antialias?: boolean;
}

/** torchvision RandomResizedCrop: 10 attempts at a random area/aspect crop, else a centre crop; then resize. */
export function randomResizedCrop(
  opts: RandomResizedCropOptions,
): RandomTransform<{ top: number; left: number; height: number; width: number }> {
  const name = 'augment.randomResizedCrop';
  if (!opts || typeof opts !== 'object') throw argError(name, 'options', 'an object { size, scale?, ratio? }', opts);
  knownKeys(name, opts, ['size', 'scale', 'ratio', 'antialias']);
  const [oh, ow] = size2(name, 'size', opts.size);
  const [s0, s1] = range2(name, 'scale', opts.scale ?? [0.08, 1], 0, Infinity);
  const [r0, r1] = range2(name, 'ratio', opts.ratio ?? [3 / 4, 4 / 3], Number.MIN_VALUE, Infinity);
  const antialias = opts.antialias ?? true;
  const lr0 = detLog(r0),
    lr1 = detLog(r1);
  return makeTransform(
    name,
    (img, rng) => {
      const { height, width } = img;
      const area = height * width;
      for (let k = 0; k < 10; k++) {
        const target = area * rng.uniform(s0, s1);
        const aspect = detExp(rng.uniform(lr0, lr1));
        const w = roundHalfEven(Math.sqrt(target * aspect));
        const h = roundHalfEven(Math.sqrt(target / aspect));
        if (w > 0 && w <= width && h > 0 && h <= height) {
          const top = rng.int(height - h + 1);
          const left = rng.int(width - w + 1);
          return { top, left, height: h, width: w };
        }
      }
      const inRatio = width / height;
      let w = width,
        h = height;
      if (inRatio < r0) h = roundHalfEven(w / r0);
      else if (inRatio > r1) w = roundHalfEven(h * r1);
      return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
    },
    (img, p) => ops.resizedCrop(img, p.top, p.left, p.height, p.width, oh, ow, antialias),
  );
}

/** Mirror left–right with probability p (default 0.5, torchvision RandomHorizontalFlip). */
export function randomHorizontalFlip(opts: { p?: number } = {}): RandomTransform<boolean> {
  const name = 'augment.randomHorizontalFlip';
  knownKeys(name, opts, ['p']);
  const p = checkProbability(name, 'p', opts.p ?? 0.5);
  return makeTransform(
    name,
    (_img, rng) => rng.next() < p,
    (img, flip) => (flip ? ops.hflip(img) : img),
  );
}

/** A transform of `augment` that reads the sample's epoch and index (`SampleInfo`) instead of drawing from `rng`. */
export interface SampleTransform extends Transform {
  readonly transformName: string;
}

/**
 * Alternating flip's decision for one image in one epoch (Jordan 2024, airbench, arXiv:2404.00498): in epoch
 * 0 a coin of the image's own stream (`imageSeed`, p = 0.5), in every later epoch that decision XOR (epoch is odd),
 * so each image is seen mirrored in every other epoch.
 */
export function alternatingFlipDecision(sample: SampleInfo): boolean {
  const where = 'augment.alternatingFlip';
  if (!sample || typeof sample !== 'object')
    throw argError(where, 'sample', "the image's { epoch, index, imageSeed } (the data loader passes it)", sample);
  checkInt(where, 'sample.epoch', sample.epoch, 0);
  if (typeof sample.imageSeed !== 'number' || !Number.isFinite(sample.imageSeed))
    throw argError(where, 'sample.imageSeed', 'a finite number', sample.imageSeed);
  const firstEpoch = new Rng(sample.imageSeed).next() < 0.5;
  return firstEpoch !== (sample.epoch % 2 === 1);
}

/**
 * Derandomised horizontal flip (airbench): mirrors an image in the epochs `alternatingFlipDecision` says. It draws
 * nothing from `rng`, so the transforms after it draw as they would without it.
 */
export function alternatingFlip(opts: Record<string, never> = {}): SampleTransform {
  const name = 'alternatingFlip';
  for (const k of Object.keys(opts)) throw new RangeError(`augment.${name}: takes no options, got '${k}'`);
  const fnName = `augment.${name}`;
  const fn = ((img: Image, _rng: Rng, sample?: SampleInfo) => {
    checkImage(fnName, img);
    return alternatingFlipDecision(sample!) ? ops.hflip(img) : img;
  }) as SampleTransform;
  Object.defineProperty(fn, 'transformName', { value: name });
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

/** Mirror top–bottom with probability p (default 0.5, torchvision RandomVerticalFlip). */
export function randomVerticalFlip(opts: { p?: number } = {}): RandomTransform<boolean> {
  const name = 'augment.randomVerticalFlip';
  knownKeys(name, opts, ['p']);
  const p = checkProbability(name, 'p', opts.p ?? 0.5);
  return makeTransform(
    name,
    (_img, rng) => rng.next() < p,
    (img, flip) => (flip ? ops.vflip(img) : img),
  );
}

/** Rotate by an angle uniform in [-degrees, degrees] (or [min, max]); nearest, fill default 0 (torchvision). */
export function randomRotation(opts: {
  degrees: number | readonly [number, number];
  fill?: Fill;
}): RandomTransform<number> {
  const name = 'augment.randomRotation';
  if (!opts || typeof opts !== 'object') throw argError(name, 'options', 'an object { degrees, fill? }', opts);
  knownKeys(name, opts, ['degrees', 'fill']);
  let lo: number, hi: number;
  if (typeof opts.degrees === 'number') {
    checkNumber(name, 'degrees', opts.degrees, { min: 0, max: 360, range: 'a number in [0, 360] or [min, max]' });
    [lo, hi] = [-opts.degrees, opts.degrees];
  } else [lo, hi] = range2(name, 'degrees', opts.degrees, -360, 360);
  const fill = opts.fill;
  checkFill(name, fill);
  return makeTransform(
    name,
    (_img, rng) => rng.uniform(lo, hi),
    (img, angle) => ops.rotate(img, angle, fill),
  );
}

// ------------------------------------------------------------------------------------------------ colour

export interface ColorJitterOptions {
  /** Factor uniform in [max(0, 1 - b), 1 + b], or [min, max]; 0/undefined = off. */
  brightness?: number | readonly [number, number];
  contrast?: number | readonly [number, number];
  saturation?: number | readonly [number, number];
  /** Hue shift uniform in [-h, h] turns (h <= 0.5), or [min, max] within [-0.5, 0.5]. */
  hue?: number | readonly [number, number];
}

export interface ColorJitterParams {
  order: Int32Array;
  brightness: number | null;
  contrast: number | null;
  saturation: number | null;
  hue: number | null;
}

/** torchvision ColorJitter: the four adjustments in random order, each factor uniform in its range. */
export function colorJitter(opts: ColorJitterOptions = {}): RandomTransform<ColorJitterParams> {
  const name = 'augment.colorJitter';
  knownKeys(name, opts, ['brightness', 'contrast', 'saturation', 'hue']);
  const factor = (field: string, v: unknown): [number, number] | null => {
    if (v === undefined) return null;
    let r: [number, number];
    if (typeof v === 'number') {
      checkNumber(name, field, v, { min: 0, range: 'a number >= 0 or [min, max]' });
      r = [Math.max(0, 1 - v), 1 + v];
    } else r = range2(name, field, v, 0, Infinity);
    return r[0] === 1 && r[1] === 1 ? null : r;
  };
  const b = factor('brightness', opts.brightness);
  const c = factor('contrast', opts.contrast);
  const s = factor('saturation', opts.saturation);
  let h: [number, number] | null = null;
  if (opts.hue !== undefined) {
    if (typeof opts.hue === 'number') {
      checkNumber(name, 'hue', opts.hue, {
        min: 0,
        max: 0.5,
        range: 'a number in [0, 0.5] or [min, max] within [-0.5, 0.5]',
      });
      h = [-opts.hue, opts.hue];
    } else h = range2(name, 'hue', opts.hue, -0.5, 0.5);
    if (h[0] === 0 && h[1] === 0) h = null;
  }
  return makeTransform(
    name,
    (_img, rng) => ({
      order: rng.permutation(4),
      brightness: b ? rng.uniform(b[0], b[1]) : null,
      contrast: c ? rng.uniform(c[0], c[1]) : null,
      saturation: s ? rng.uniform(s[0], s[1]) : null,
      hue: h ? rng.uniform(h[0], h[1]) : null,
    }),
    (img, p) => {
      let out = img;
      for (const k of p.order) {
        if (k === 0 && p.brightness !== null) out = ops.brightness(out, p.brightness);
        else if (k === 1 && p.contrast !== null) out = ops.contrast(out, p.contrast);
        else if (k === 2 && p.saturation !== null) out = ops.color(out, p.saturation);
        else if (k === 3 && p.hue !== null) out = ops.hue(out, p.hue);
      }
      return out;
    },
  );
}

// ------------------------------------------------------------------------------------------------ erasing

/** Where an erased/cut-out region's values come from. All fills are in pixel space (uint8, before normalise). */
export type EraseFill = 'mean' | 'random' | number | readonly number[];

/** Random Erasing's mean pixel (Zhong et al. 2020, official code: mean = [0.4914, 0.4822, 0.4465]) in 0–255. */
export const ZHONG_MEAN_PIXEL: readonly number[] = [0.4914 * 255, 0.4822 * 255, 0.4465 * 255];

function eraseFiller(where: string, fill: EraseFill, mean: readonly number[] | undefined) {
  if (fill === 'random') return null;
  if (fill === 'mean') {
    const m = mean ?? ZHONG_MEAN_PIXEL;
    if (!Array.isArray(m) || m.length < 1 || m.length > 3 || m.length === 2)
      throw argError(where, 'mean', 'an array of 1 or 3 pixel values in [0, 255]', m);
    for (const v of m) checkNumber(where, 'mean', v, { min: 0, max: 255, range: 'pixel values in [0, 255]' });
    // gray images use the first value, as the official code (img[0] = mean[0])
    return (channels: number) =>
      resolveFill(where, channels === 1 ? [m[0]!] : m.length === 1 ? [m[0]!, m[0]!, m[0]!] : m, channels);
  }
  if (typeof fill === 'number' || Array.isArray(fill)) {
    resolveFill(where, fill as Fill, typeof fill === 'number' ? 1 : (fill as number[]).length);
    return (channels: number) => resolveFill(where, fill as Fill, channels);
  }
  throw argError(where, 'fill', "'mean', 'random', a pixel value or one per channel (0–255)", fill);
}

function eraseRect(
  img: Image,
  top: number,
  left: number,
  h: number,
  w: number,
  fill: Uint8Array | null,
  rng: Rng | null,
  randomValues?: Uint8Array,
): Image {
  const out: Image = { ...img, data: img.data.slice() };
  if (fill) ops.eraseInPlace(out, top, left, h, w, fill);
  else {
    const ch = img.channels;
    const y0 = Math.max(0, top),
      y1 = Math.min(img.height, top + h);
    const x0 = Math.max(0, left),
      x1 = Math.min(img.width, left + w);
    let k = 0;
    for (let y = y0; y < y1; y++)
      for (let i = (y * img.width + x0) * ch; i < (y * img.width + x1) * ch; i++)
        out.data[i] = randomValues ? randomValues[k++]! : rng!.int(256);
  }
  return out;
}

export interface RandomErasingOptions {
  /** 'zhong' (default): the seed's/official code's defaults; 'torchvision': transforms.RandomErasing's defaults. */
  preset?: 'zhong' | 'torchvision';
  /** Probability of erasing: 0.5 in both presets. */
  p?: number;
  /** Erased area / image area range: zhong [0.02, 0.4] (sl, sh); torchvision [0.02, 0.33]. */
  scale?: readonly [number, number];
  /** Aspect ratio h/w range: zhong [0.3, 1/0.3] (r1, 1/r1); torchvision [0.3, 3.3]. */
  ratio?: readonly [number, number];
  /** How the aspect ratio is drawn: zhong 'uniform'; torchvision 'log' (log-uniform). */
  ratioSampling?: 'uniform' | 'log';
  /** Attempts before giving up: zhong 100, torchvision 10. */
  attempts?: number;
  /** Pixel-space fill: zhong 'mean'; torchvision 0. 'random' draws every value uniformly in 0..255. */
  fill?: EraseFill;
  /** Mean pixel for fill 'mean', 0–255 per channel; default the official code's CIFAR mean × 255. */
  mean?: readonly number[];
}

export interface EraseParams {
  erase: boolean;
  top: number;
  left: number;
  height: number;
  width: number;
  /** Random values (fill 'random'), row-major over the rectangle, channels interleaved. */
  values?: Uint8Array;
}

/**
 * Random Erasing (Zhong et al. 2020, arXiv:1708.04896, Alg. 1): with probability p, pick a rectangle of area
 * S_e ∈ [sl, sh]·S and aspect r_e ∈ [r1, 1/r1] (H_e = √(S_e r_e), W_e = √(S_e / r_e)) that fits, and fill it.
 */
export function randomErasing(opts: RandomErasingOptions = {}): RandomTransform<EraseParams> {
  const name = 'augment.randomErasing';
  knownKeys(name, opts, ['preset', 'p', 'scale', 'ratio', 'ratioSampling', 'attempts', 'fill', 'mean']);
  const preset = opts.preset ?? 'zhong';
  if (preset !== 'zhong' && preset !== 'torchvision')
    throw argError(name, 'preset', "'zhong' or 'torchvision'", preset);
  const tv = preset === 'torchvision';
  const p = checkProbability(name, 'p', opts.p ?? 0.5);
  const [sl, sh] = range2(name, 'scale', opts.scale ?? (tv ? [0.02, 0.33] : [0.02, 0.4]), 0, 1);
  const [r1, r2] = range2(name, 'ratio', opts.ratio ?? (tv ? [0.3, 3.3] : [0.3, 1 / 0.3]), Number.MIN_VALUE, Infinity);
  const sampling = opts.ratioSampling ?? (tv ? 'log' : 'uniform');
  if (sampling !== 'uniform' && sampling !== 'log')
    throw argError(name, 'ratioSampling', "'uniform' or 'log'", sampling);
  const attempts = checkInt(name, 'attempts', opts.attempts ?? (tv ? 10 : 100), 1);
  const fillOf = eraseFiller(name, opts.fill ?? (tv ? 0 : 'mean'), opts.mean);
  const lr1 = detLog(r1),
    lr2 = detLog(r2);
  const noErase: EraseParams = { erase: false, top: 0, left: 0, height: 0, width: 0 };
  return makeTransform(
    name,
    (img, rng) => {
      if (!(rng.next() < p)) return noErase;
      const { height: H, width: W } = img;
      const area = H * W;
      for (let k = 0; k < attempts; k++) {
        const target = area * rng.uniform(sl, sh);
        const aspect = sampling === 'log' ? detExp(rng.uniform(lr1, lr2)) : rng.uniform(r1, r2);
        const h = roundHalfEven(Math.sqrt(target * aspect));
        const w = roundHalfEven(Math.sqrt(target / aspect));
        if (h < H && w < W) {
          const top = rng.int(H - h + 1);
          const left = rng.int(W - w + 1);
          const params: EraseParams = { erase: true, top, left, height: h, width: w };
          if (!fillOf) {
            const values = new Uint8Array(h * w * img.channels);
            for (let i = 0; i < values.length; i++) values[i] = rng.int(256);
            params.values = values;
          }
          return params;
        }
      }
      return noErase;
    },
    (img, q) => {
      if (!q.erase) return img;
      if (fillOf) return eraseRect(img, q.top, q.left, q.height, q.width, fillOf(img.channels), null);
      if (!q.values || q.values.length !== q.height * q.width * img.channels)
        throw argError(name, 'params.values', `${q.height * q.width * img.channels} random values`, q.values?.length);
      return eraseRect(img, q.top, q.left, q.height, q.width, null, null, q.values);
    },
  );
}

export interface CutoutOptions {
  /** Number of holes, default 1 (DeVries & Taylor 2017, CIFAR-10). */
  holes?: number;
  /** Hole side in pixels, default 16 (DeVries & Taylor 2017, CIFAR-10); the hole spans length//2 each side. */
  length?: number;
  /** Pixel-space fill, default 0. The paper zeroes the normalised image, i.e. fills with the dataset mean:
   *  pass fill: 'mean' with `mean` (0–255) to reproduce it. */
  fill?: EraseFill;
  mean?: readonly number[];
  /** Probability of applying, default 1 (the paper always applies it). */
  p?: number;
}

/**
 * Cutout (DeVries & Taylor 2017, arXiv:1708.04552): `holes` squares centred uniformly anywhere in the image,
 * rows [y - length//2, y + length//2) and the same for columns, clipped at the borders (holes may overlap).
 */
export function cutout(opts: CutoutOptions = {}): RandomTransform<{ centers: Int32Array; values?: Uint8Array[] }> {
  const name = 'augment.cutout';
  knownKeys(name, opts, ['holes', 'length', 'fill', 'mean', 'p']);
  const holes = checkInt(name, 'holes', opts.holes ?? 1, 0);
  const length = checkInt(name, 'length', opts.length ?? 16, 0);
  const p = checkProbability(name, 'p', opts.p ?? 1);
  const fillOf = eraseFiller(name, opts.fill ?? 0, opts.mean);
  const half = Math.floor(length / 2);
  const rect = (img: Image, cy: number, cx: number) => {
    const y1 = Math.max(0, cy - half),
      y2 = Math.min(img.height, cy + half);
    const x1 = Math.max(0, cx - half),
      x2 = Math.min(img.width, cx + half);
    return [y1, x1, y2 - y1, x2 - x1] as const;
  };
  return makeTransform(
    name,
    (img, rng) => {
      if (!(p === 1 || rng.next() < p)) return { centers: new Int32Array(0) };
      const centers = new Int32Array(holes * 2);
      const values: Uint8Array[] | undefined = fillOf ? undefined : [];
      for (let k = 0; k < holes; k++) {
        centers[2 * k] = rng.int(img.height);
        centers[2 * k + 1] = rng.int(img.width);
        if (values) {
          const [, , h, w] = rect(img, centers[2 * k]!, centers[2 * k + 1]!);
          const v = new Uint8Array(h * w * img.channels);
          for (let i = 0; i < v.length; i++) v[i] = rng.int(256);
          values.push(v);
        }
      }
      return values ? { centers, values } : { centers };
    },
    (img, q) => {
      if (q.centers.length === 0) return img;
      let out: Image = { ...img, data: img.data.slice() };
      const fill = fillOf ? fillOf(img.channels) : null;
      for (let k = 0; k < q.centers.length / 2; k++) {
        const [t, l, h, w] = rect(img, q.centers[2 * k]!, q.centers[2 * k + 1]!);
        if (fill) ops.eraseInPlace(out, t, l, h, w, fill);
        else out = eraseRect(out, t, l, h, w, null, null, q.values![k]);
      }
      return out;
    },
  );
}

// ------------------------------------------------------------------------------------------------ policies

export interface AutoAugmentParams {
  /** Index of the chosen sub-policy. */
  policy: number;
  /** Uniform draws compared with each step's probability (applied when <= p). */
  probs: [number, number];
  /** 0 → the magnitude of a signed op is negated (torchvision: signs[i] == 0). */
  signs: [number, number];
}

/** AutoAugment with the ImageNet (default, as torchvision), CIFAR-10 or SVHN policy; 10 magnitude bins. */
export function autoAugment(
  opts: { policy?: AutoAugmentPolicyName; fill?: Fill } = {},
): RandomTransform<AutoAugmentParams> {
  const name = 'augment.autoAugment';
  knownKeys(name, opts, ['policy', 'fill']);
  const policyName = opts.policy ?? 'imagenet';
  const policy = AUTO_AUGMENT_POLICIES[policyName];
  if (!Object.hasOwn(AUTO_AUGMENT_POLICIES, policyName) || !policy)
    throw argError(name, 'policy', "'imagenet', 'cifar10' or 'svhn'", policyName);
  const fill = opts.fill;
  checkFill(name, fill);
  const spaces = new SpaceCache((h, w) => standardSpace(10, h, w, 'auto'));
  return makeTransform(
    name,
    (_img, rng) => ({
      policy: rng.int(policy.length),
      probs: [rng.next(), rng.next()],
      signs: [rng.int(2), rng.int(2)],
    }),
    (img, q) => {
      const sub = policy[q.policy];
      if (!sub) throw argError(name, 'params.policy', `an integer in [0, ${policy.length - 1}]`, q.policy);
      const space = spaces.get(img.height, img.width);
      let out = img;
      for (let i = 0; i < 2; i++) {
        const [op, prob, bin] = sub[i]!;
        // torch compares its float32 draw with the probability cast to float32
        if (Math.fround(q.probs[i]!) <= Math.fround(prob)) {
          const meta = space.get(op)!;
          let m = bin === null ? 0 : meta.magnitudes[bin]!;
          if (meta.signed && q.signs[i] === 0) m = -m;
          const next = applyOp(out, op, m, fill);
          releaseIntermediate(img, out, next);
          out = next;
        }
      }
      return out;
    },
  );
}

/** Caches the augmentation space per image size (translate bins depend on it). */
class SpaceCache {
  private readonly cache = new Map<number, Map<AugmentOpName, { magnitudes: readonly number[]; signed: boolean }>>();
  constructor(private readonly make: (h: number, w: number) => AugmentationSpace) {}
  get(h: number, w: number) {
    const key = h * 65536 + w;
    let s = this.cache.get(key);
    if (!s) {
      s = new Map(this.make(h, w));
      if (this.cache.size > 64) this.cache.clear();
      this.cache.set(key, s);
    }
    return s;
  }
  list(h: number, w: number) {
    return [...this.get(h, w).entries()];
  }
}

export interface OpChoice {
  op: AugmentOpName;
  magnitude: number;
}

/** RandAugment: n ops chosen uniformly (with replacement) from 14, all at magnitude bin m of `bins` (31). */
export function randAugment(
  opts: { n?: number; m?: number; bins?: number; fill?: Fill } = {},
): RandomTransform<OpChoice[]> {
  const name = 'augment.randAugment';
  knownKeys(name, opts, ['n', 'm', 'bins', 'fill']);
  // Defaults N = 2, M = 9, 31 bins: torchvision RandAugment.
  const n = checkInt(name, 'n', opts.n ?? 2, 0);
  const bins = checkInt(name, 'bins', opts.bins ?? 31, 2);
  const m = checkInt(name, 'm', opts.m ?? 9, 0, bins - 1);
  const fill = opts.fill;
  checkFill(name, fill);
  const spaces = new SpaceCache((h, w) => standardSpace(bins, h, w, 'rand'));
  return makeTransform(
    name,
    (img, rng) => {
      const space = spaces.list(img.height, img.width);
      const out: OpChoice[] = [];
      for (let k = 0; k < n; k++) {
        const [op, meta] = space[rng.int(space.length)]!;
        let magnitude = meta.magnitudes.length ? meta.magnitudes[m]! : 0;
        if (meta.signed && rng.int(2) === 1) magnitude = -magnitude;
        out.push({ op, magnitude });
      }
      return out;
    },
    (img, choices) => {
      let out = img;
      for (const c of choices) {
        const next = applyOp(out, c.op, c.magnitude, fill);
        releaseIntermediate(img, out, next);
        out = next;
      }
      return out;
    },
  );
}

/** TrivialAugment Wide: one op chosen uniformly from 14, at a magnitude bin chosen uniformly from `bins` (31). */
export function trivialAugment(opts: { bins?: number; fill?: Fill } = {}): RandomTransform<OpChoice> {
  const name = 'augment.trivialAugment';
  knownKeys(name, opts, ['bins', 'fill']);
  const bins = checkInt(name, 'bins', opts.bins ?? 31, 2);
  const fill = opts.fill;
  checkFill(name, fill);
  const space = wideSpace(bins);
  return makeTransform(
    name,
    (_img, rng) => {
      const [op, meta] = space[rng.int(space.length)]!;
      let magnitude = meta.magnitudes.length ? meta.magnitudes[rng.int(meta.magnitudes.length)]! : 0;
      if (meta.signed && rng.int(2) === 1) magnitude = -magnitude;
      return { op, magnitude };
    },
    (img, c) => applyOp(img, c.op, c.magnitude, fill),
  );
}

/**
 * Applies transforms in order with the same rng (and the same sample information). Intermediate images (made by one transform, consumed by the
 * next, never returned) have their buffers recycled, so a transform in a pipeline must not keep a reference to
 * the image it was given.
 */
export function compose(transforms: readonly Transform[]): Transform {
  if (!Array.isArray(transforms)) throw argError('augment.compose', 'transforms', 'an array of transforms', transforms);
  transforms.forEach((t, i) => {
    if (typeof t !== 'function')
      throw argError('augment.compose', `transforms[${i}]`, 'a function (img, rng) => Image', typeof t);
  });
  const list = transforms.slice();
  const fn: Transform = (img, rng, sample) => {
    let out = img;
    for (let i = 0; i < list.length; i++) {
      const next = list[i]!(out, rng, sample);
      releaseIntermediate(img, out, next);
      out = next;
    }
    return out;
  };
  return fn;
}
