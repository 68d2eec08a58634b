// Deterministic image ops with the semantics of torchvision.transforms.functional on uint8 tensors
// (torchvision 0.14, `functional_tensor.py`). Arithmetic that torchvision does in float32 is done here in float32
// too (Math.fround after every operation), so results are bit-exact where torchvision's are well defined.
// Every op returns a new image; none allocates per pixel.
import { argError, checkInt, checkNumber } from '../check/index.js';
import { type Fill, type Image, allocImage, checkImage, makeImage, resolveFill } from './image.js';
import { resampleWindow } from './resample.js';
import { wasmKernels, wasmLayout } from './wasm.js';

const f32 = Math.fround;

// Scratch memory reused across calls (ops are synchronous and each worker has its own module instance), so an op
// allocates nothing but its output image: LUTs, histograms, gray planes and intermediate rows live here.
const LUT = [new Uint8Array(256), new Uint8Array(256), new Uint8Array(256)];
const TA = new Float64Array(256);
const TB = new Float64Array(256);
const HIST = new Int32Array(768);
let scratchU8 = new Uint8Array(4096);
let scratchF64 = new Float64Array(1024);
let scratchI32 = new Int32Array(256);
function i32Scratch(n: number): Int32Array {
  if (scratchI32.length < n) scratchI32 = new Int32Array(Math.max(n, scratchI32.length * 2));
  return scratchI32;
}
let scratchCols = new Int32Array(1024);
function colScratch(n: number): Int32Array {
  if (scratchCols.length < n) scratchCols = new Int32Array(Math.max(n, scratchCols.length * 2));
  return scratchCols;
}
/** round(s / 13) for every 3×3 sharpness sum s (at most 13 · 255). */
const DIV13 = Uint8Array.from({ length: 13 * 255 + 1 }, (_, s) => Math.round(s / 13));
function u8Scratch(n: number): Uint8Array {
  if (scratchU8.length < n) scratchU8 = new Uint8Array(Math.max(n, scratchU8.length * 2));
  return scratchU8;
}
function f64Scratch(n: number): Float64Array {
  if (scratchF64.length < n) scratchF64 = new Float64Array(Math.max(n, scratchF64.length * 2));
  return scratchF64;
}

/** Small bounded cache of LUTs whose contents depend only on the op's argument (AutoAugment reuses a few). */
class LutCache {
  private readonly map = new Map<number, Uint8Array>();
  get(key: number, make: (lut: Uint8Array) => void): Uint8Array {
    let lut = this.map.get(key);
    if (!lut) {
      if (this.map.size >= 256) this.map.clear();
      lut = new Uint8Array(256);
      make(lut);
      this.map.set(key, lut);
    }
    return lut;
  }
}
const INVERT_LUT = new Uint8Array(256).map((_, v) => 255 - v);
const POSTERIZE_LUTS = Array.from({ length: 9 }, (_, bits) =>
  new Uint8Array(256).map((_, v) => v & ((0xff << (8 - bits)) & 0xff)),
);
const solarizeCache = new LutCache();
const brightnessCache = new LutCache();

function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) === 1 ? r - 1 : r;
}

/** float32 value → uint8 as torch `.clamp(0, 255).to(torch.uint8)` does (clamp, then truncate). */
function clampTrunc(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
}

function mapLut(img: Image, lut: Uint8Array): Image {
  if (wasmKernels()) return mapLutWasm(img, [lut, lut, lut]);
  const out = makeImage(img.height, img.width, img.channels);
  const src = img.data,
    dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = lut[src[i]!]!;
  return out;
}

/** Per-channel LUTs (`luts[c]` has 256 entries). */
function mapLutPerChannel(img: Image, luts: Uint8Array[]): Image {
  if (img.channels === 1) return mapLut(img, luts[0]!);
  if (wasmKernels()) return mapLutWasm(img, luts);
  const out = makeImage(img.height, img.width, img.channels);
  const src = img.data,
    dst = out.data;
  const l0 = luts[0]!,
    l1 = luts[1]!,
    l2 = luts[2]!;
  for (let i = 0; i < src.length; i += 3) {
    dst[i] = l0[src[i]!]!;
    dst[i + 1] = l1[src[i + 1]!]!;
    dst[i + 2] = l2[src[i + 2]!]!;
  }
  return out;
}

/** mapLut / mapLutPerChannel as the WebAssembly kernel (native-wasm/pixels.c). */
function mapLutWasm(img: Image, luts: readonly Uint8Array[]): Image {
  const len = img.data.length;
  const { at, heap } = wasmLayout([len, 768, len]);
  const [src, tables, dst] = at as [number, number, number];
  heap.set(img.data, src);
  return mapResidentLut(img, heap, src, tables, dst, luts);
}

/**
 * The table lookup of `img`, whose pixels are already at `src` in the kernels' memory (ops that first compute
 * their tables from the pixels copy them in once): the tables go to `tables`, the result to `dst` and out.
 */
function mapResidentLut(
  img: Image,
  heap: Uint8Array,
  src: number,
  tables: number,
  dst: number,
  luts: readonly Uint8Array[],
): Image {
  const n = img.height * img.width;
  if (img.channels === 1 || (luts[0] === luts[1] && luts[1] === luts[2])) {
    // one table for every channel: a plain lookup over all the values
    heap.set(luts[0]!.subarray(0, 256), tables);
    wasmKernels()!.lutMap(src, n * img.channels, 1, tables, dst);
  } else {
    for (let c = 0; c < img.channels; c++) heap.set(luts[c]!.subarray(0, 256), tables + 256 * c);
    wasmKernels()!.lutMap(src, n, img.channels, tables, dst);
  }
  return copyOut(img, heap, dst);
}

/** A new image of img's size holding the kernel result at `dst`. */
function copyOut(img: Image, heap: Uint8Array, dst: number): Image {
  const out = allocImage(img.height, img.width, img.channels);
  out.data.set(heap.subarray(dst, dst + out.data.length));
  return out;
}

/** (x >= t ? 255 - x : x) & keep on every value, as the WebAssembly kernel: invert, solarize, posterize. */
function invertMaskWasm(img: Image, t: number, keep: number): Image {
  const len = img.data.length;
  const { at, heap } = wasmLayout([len, len]);
  heap.set(img.data, at[0]!);
  wasmKernels()!.invertMask(at[0]!, len, t, keep, at[1]!);
  return copyOut(img, heap, at[1]!);
}

/** LUT of torchvision's `_blend(img, other, ratio)` for a constant `other` (a float32 value). */
function blendConstLut(ratio: number, other: number, lut: Uint8Array = LUT[0]!): Uint8Array {
  const r = f32(ratio);
  const term = f32(f32(1 - ratio) * f32(other));
  for (let v = 0; v < 256; v++) lut[v] = clampTrunc(f32(f32(r * v) + term));
  return lut;
}

// ---------------------------------------------------------------------------------------------- pixel ops

/** 255 - x (F.invert). */
export function invert(img: Image): Image {
  checkImage('augment.ops.invert', img);
  if (wasmKernels()) return invertMaskWasm(img, 0, 0xff);
  return mapLut(img, INVERT_LUT);
}

/** Keep the `bits` high bits of every value (F.posterize: x & ~(2^(8-bits) - 1)); bits in [0, 8]. */
export function posterize(img: Image, bits: number): Image {
  checkImage('augment.ops.posterize', img);
  checkInt('augment.ops.posterize', 'bits', bits, 0, 8);
  if (wasmKernels()) return invertMaskWasm(img, 256, (0xff << (8 - bits)) & 0xff);
  return mapLut(img, POSTERIZE_LUTS[bits]!);
}

/** Invert every value >= threshold (F.solarize); threshold in [0, 255]. */
export function solarize(img: Image, threshold: number): Image {
  checkImage('augment.ops.solarize', img);
  checkNumber('augment.ops.solarize', 'threshold', threshold, { min: 0, max: 255, range: 'a number in [0, 255]' });
  // an integer v is >= threshold exactly when v >= ceil(threshold)
  if (wasmKernels()) return invertMaskWasm(img, Math.ceil(threshold), 0xff);
  const lut = solarizeCache.get(threshold, (l) => {
    for (let v = 0; v < 256; v++) l[v] = v >= threshold ? 255 - v : v;
  });
  return mapLut(img, lut);
}

/** Multiply by `factor` (F.adjust_brightness: blend with black); factor >= 0. */
export function brightness(img: Image, factor: number): Image {
  checkImage('augment.ops.brightness', img);
  checkNumber('augment.ops.brightness', 'factor', factor, { min: 0, range: 'a number >= 0' });
  return mapLut(
    img,
    brightnessCache.get(factor, (l) => blendConstLut(factor, 0, l)),
  );
}

/** Gray value per pixel as torchvision's rgb_to_grayscale on uint8 (0.2989 R + 0.587 G + 0.114 B, truncated). */
export function grayValues(img: Image): Uint8Array {
  const n = img.height * img.width;
  if (img.channels === 1) return img.data.slice();
  return grayInto(img, new Uint8Array(n));
}

/** Writes the gray values of an RGB image into `out` (length >= H·W). */
function grayInto(img: Image, out: Uint8Array): Uint8Array {
  const n = img.height * img.width;
  const k = wasmKernels();
  if (k) {
    const { at, heap } = wasmLayout([3 * n, n]);
    const [src, dst] = at as [number, number];
    heap.set(img.data.subarray(0, 3 * n), src);
    k.gray(src, n, GRAY_R, GRAY_G, GRAY_B, dst);
    out.set(heap.subarray(dst, dst + n));
    return out;
  }
  const lr = GRAY_LUT_R,
    lg = GRAY_LUT_G,
    lb = GRAY_LUT_B;
  const src = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = Math.trunc(f32(f32(lr[src[j]!]! + lg[src[j + 1]!]!) + lb[src[j + 2]!]!));
  }
  return out;
}

// ITU-R 601-2 luma weights as torchvision uses them (functional_tensor.rgb_to_grayscale), in float32.
const GRAY_R = f32(0.2989);
const GRAY_G = f32(0.587);
const GRAY_B = f32(0.114);

function grayLut(coef: number): Float64Array {
  const c = f32(coef);
  const lut = new Float64Array(256);
  for (let v = 0; v < 256; v++) lut[v] = f32(c * v);
  return lut;
}
const GRAY_LUT_R = grayLut(GRAY_R);
const GRAY_LUT_G = grayLut(GRAY_G);
const GRAY_LUT_B = grayLut(GRAY_B);

/** Grayscale (F.rgb_to_grayscale), with 1 or 3 output channels. */
export function grayscale(img: Image, outputChannels: 1 | 3 = 1): Image {
  checkImage('augment.ops.grayscale', img);
  if (outputChannels !== 1 && outputChannels !== 3)
    throw argError('augment.ops.grayscale', 'outputChannels', '1 or 3', outputChannels);
  const g = grayValues(img);
  if (outputChannels === 1) return { data: g, height: img.height, width: img.width, channels: 1 };
  const out = makeImage(img.height, img.width, 3);
  for (let i = 0, j = 0; i < g.length; i++, j += 3) out.data[j] = out.data[j + 1] = out.data[j + 2] = g[i]!;
  return out;
}

/** Blend with the mean gray level (F.adjust_contrast); factor >= 0. */
export function contrast(img: Image, factor: number): Image {
  checkImage('augment.ops.contrast', img);
  checkNumber('augment.ops.contrast', 'factor', factor, { min: 0, range: 'a number >= 0' });
  const k = wasmKernels();
  if (k && img.channels === 3) {
    // One copy in: the gray levels' sum and the table lookup both read the resident pixels.
    const n = img.height * img.width,
      len = 3 * n;
    const { at, heap } = wasmLayout([len, n, 768, len]);
    const [src, gray, tables, dst] = at as [number, number, number, number];
    heap.set(img.data, src);
    const sum = k.gray(src, n, GRAY_R, GRAY_G, GRAY_B, gray);
    const lut = blendConstLut(factor, f32(f32(sum) / n));
    return mapResidentLut(img, heap, src, tables, dst, [lut, lut, lut]);
  }
  let sum = 0;
  if (img.channels === 3) {
    const n = img.height * img.width;
    const g = grayInto(img, u8Scratch(n));
    for (let i = 0; i < n; i++) sum += g[i]!;
  } else {
    const d = img.data;
    for (let i = 0; i < d.length; i++) sum += d[i]!;
  }
  // torch.mean on CPU = sum (float32; exact for sums below 2^24) divided by the count.
  const mean = f32(f32(sum) / (img.height * img.width));
  return mapLut(img, blendConstLut(factor, mean));
}

/** Blend with the grayscale image (F.adjust_saturation, PIL's ImageEnhance.Color); gray images unchanged. */
export function color(img: Image, factor: number): Image {
  checkImage('augment.ops.color', img);
  checkNumber('augment.ops.color', 'factor', factor, { min: 0, range: 'a number >= 0' });
  if (img.channels === 1) return { ...img, data: img.data.slice() };
  const k = wasmKernels();
  if (k) {
    // One copy in, one out: gray levels and the blend on the resident pixels.
    const n = img.height * img.width,
      len = 3 * n;
    const { at, heap } = wasmLayout([len, n, len]);
    const [src, gray, dst] = at as [number, number, number];
    heap.set(img.data, src);
    k.gray(src, n, GRAY_R, GRAY_G, GRAY_B, gray);
    k.blend(src, len, 1, gray, f32(factor), f32(1 - factor), dst);
    return copyOut(img, heap, dst);
  }
  const g = grayInto(img, u8Scratch(img.height * img.width));
  return blendPerPixel(img, factor, g, 3);
}

/**
 * blend(img, other, ratio) where `other` has one value per pixel (shared by all channels when stride 3), in
 * TypeScript (the WebAssembly paths of color and sharpness call the blend kernel on resident buffers).
 */
function blendPerPixel(img: Image, ratio: number, other: Uint8Array, otherPerPixel: 1 | 3): Image {
  const r = f32(ratio);
  const s = f32(1 - ratio);
  const ta = TA,
    tb = TB;
  for (let v = 0; v < 256; v++) {
    ta[v] = f32(r * v);
    tb[v] = f32(s * v);
  }
  const out = makeImage(img.height, img.width, img.channels);
  const src = img.data,
    dst = out.data;
  const perPixel = otherPerPixel === 3 && img.channels === 3;
  if (perPixel) {
    for (let i = 0, p = 0, n = img.height * img.width; p < n; p++, i += 3) {
      const b = tb[other[p]!]!;
      dst[i] = clampTrunc(f32(ta[src[i]!]! + b));
      dst[i + 1] = clampTrunc(f32(ta[src[i + 1]!]! + b));
      dst[i + 2] = clampTrunc(f32(ta[src[i + 2]!]! + b));
    }
  } else {
    for (let i = 0; i < src.length; i++) dst[i] = clampTrunc(f32(ta[src[i]!]! + tb[other[i]!]!));
  }
  return out;
}

/**
 * Blend with a smoothed copy (F.adjust_sharpness, PIL's ImageEnhance.Sharpness): kernel [[1,1,1],[1,5,1],[1,1,1]]/13
 * on the interior, border pixels kept; images of height or width <= 2 are returned unchanged.
 */
export function sharpness(img: Image, factor: number): Image {
  checkImage('augment.ops.sharpness', img);
  checkNumber('augment.ops.sharpness', 'factor', factor, { min: 0, range: 'a number >= 0' });
  const { height: h, width: w, channels: ch } = img;
  if (h <= 2 || w <= 2) return { ...img, data: img.data.slice() };
  const src = img.data;
  const k = wasmKernels();
  if (k) {
    const len = src.length;
    const { at, heap } = wasmLayout([len, len, len]);
    const [s, blur, dst] = at as [number, number, number];
    heap.set(src, s);
    k.sharpenBlur(s, h, w, ch, blur);
    k.blend(s, len, 0, blur, f32(factor), f32(1 - factor), dst);
    return copyOut(img, heap, dst);
  }
  const blurred = u8Scratch(src.length);
  blurred.set(src);
  const row = w * ch;
  // 3×3 sum = sum of three column sums (each over rows y-1..y+1); + 4·centre gives the kernel's weights.
  const cols = colScratch(row);
  for (let y = 1; y < h - 1; y++) {
    const up = (y - 1) * row,
      mid = y * row,
      dn = (y + 1) * row;
    for (let i = 0; i < row; i++) cols[i] = src[up + i]! + src[mid + i]! + src[dn + i]!;
    for (let i = ch, e = row - ch; i < e; i++) {
      // s/13 is never a tie (13 is odd), so float32 conv + torch.round equals rounding the exact quotient.
      blurred[mid + i] = DIV13[cols[i - ch]! + cols[i]! + cols[i + ch]! + 4 * src[mid + i]!]!;
    }
  }
  return blendPerPixel(img, factor, blurred, 1);
}

/** Stretch each channel to the full [0, 255] range (F.autocontrast); constant channels unchanged. */
export function autoContrast(img: Image): Image {
  checkImage('augment.ops.autoContrast', img);
  const ch = img.channels;
  const src = img.data;
  const lo = [0, 0, 0],
    hi = [0, 0, 0];
  const k = wasmKernels();
  if (k) {
    // One copy in: the channel ranges and the table lookup both read the resident pixels.
    const { at, heap } = wasmLayout([src.length, 6, 768, src.length]);
    const [s, range, tables, dst] = at as [number, number, number, number];
    heap.set(src, s);
    k.channelRange(s, img.height * img.width, ch, range);
    for (let c = 0; c < ch; c++) {
      lo[c] = heap[range + c]!;
      hi[c] = heap[range + 3 + c]!;
    }
    return mapResidentLut(img, heap, s, tables, dst, autoContrastLuts(ch, lo, hi));
  }
  // A 256-entry presence table per channel is cheaper than comparisons per value.
  const seen = HIST;
  seen.fill(0, 0, 768);
  if (ch === 1) for (let i = 0; i < src.length; i++) seen[src[i]!] = 1;
  else
    for (let i = 0; i < src.length; i += 3) {
      seen[src[i]!] = 1;
      seen[256 + src[i + 1]!] = 1;
      seen[512 + src[i + 2]!] = 1;
    }
  for (let c = 0; c < ch; c++) {
    let a = 0,
      b = 255;
    while (seen[c * 256 + a] === 0) a++;
    while (seen[c * 256 + b] === 0) b--;
    lo[c] = a;
    hi[c] = b;
  }
  return mapLutPerChannel(img, autoContrastLuts(ch, lo, hi));
}

/** autocontrast's table of each channel from its smallest and largest value. */
function autoContrastLuts(ch: number, lo: readonly number[], hi: readonly number[]): Uint8Array[] {
  const luts: Uint8Array[] = [];
  for (let c = 0; c < ch; c++) {
    const lut = LUT[c]!;
    // torch evaluates `bound / (max - min)` as reciprocal(max - min) * bound (Tensor.__rtruediv__)
    let min = lo[c]!,
      scale = f32(f32(1 / (hi[c]! - min)) * 255);
    if (!Number.isFinite(scale)) {
      min = 0;
      scale = 1;
    }
    for (let v = 0; v < 256; v++) lut[v] = clampTrunc(f32((v - min) * scale));
    luts.push(lut);
  }
  return luts;
}

/** Histogram equalization per channel (F.equalize, PIL's ImageOps.equalize). */
export function equalize(img: Image): Image {
  checkImage('augment.ops.equalize', img);
  const ch = img.channels;
  const src = img.data;
  const k = wasmKernels();
  if (k) {
    // One copy in: the histograms and the table lookup both read the resident pixels.
    const { at, heap, i32 } = wasmLayout([src.length, 768 * 4, 768, src.length]);
    const [s, hist, tables, dst] = at as [number, number, number, number];
    heap.set(src, s);
    k.histogram(s, img.height * img.width, ch, hist);
    const luts = equalizeLuts(ch, i32.subarray(hist >> 2, (hist >> 2) + 768));
    return mapResidentLut(img, heap, s, tables, dst, luts);
  }
  const all = HIST;
  all.fill(0, 0, 768);
  if (ch === 1) for (let i = 0; i < src.length; i++) all[src[i]!]!++;
  else
    for (let i = 0; i < src.length; i += 3) {
      all[src[i]!]!++;
      all[256 + src[i + 1]!]!++;
      all[512 + src[i + 2]!]!++;
    }
  return mapLutPerChannel(img, equalizeLuts(ch, all));
}

/** equalize's table of each channel from its histogram (`all[256·c + v]`). */
function equalizeLuts(ch: number, all: Int32Array): Uint8Array[] {
  const luts: Uint8Array[] = [];
  for (let c = 0; c < ch; c++) {
    const hist = all.subarray(c * 256, c * 256 + 256);
    // step = (sum of the histogram without its last non-zero bin) // 255
    let total = 0,
      last = 0;
    for (let v = 0; v < 256; v++) {
      if (hist[v]! !== 0) {
        total += hist[v]!;
        last = hist[v]!;
      }
    }
    const step = Math.floor((total - last) / 255);
    const lut = LUT[c]!;
    if (step === 0) {
      for (let v = 0; v < 256; v++) lut[v] = v;
    } else {
      // lut[v] = (cumsum(hist)[v-1] + step // 2) // step, lut[0] = 0, clamped to 255
      let cum = 0;
      const half = Math.floor(step / 2);
      for (let v = 0; v < 256; v++) {
        lut[v] = Math.min(255, Math.floor((cum + half) / step));
        cum += hist[v]!;
      }
    }
    luts.push(lut);
  }
  return luts;
}

/**
 * Shift the hue by `factor` turns (F.adjust_hue on uint8: RGB→HSV→RGB in float32, truncated back to uint8);
 * factor in [-0.5, 0.5]; gray images unchanged.
 */
export function hue(img: Image, factor: number): Image {
  checkImage('augment.ops.hue', img);
  checkNumber('augment.ops.hue', 'factor', factor, { min: -0.5, max: 0.5, range: 'a number in [-0.5, 0.5]' });
  if (img.channels === 1) return { ...img, data: img.data.slice() };
  const hf = f32(factor);
  const out = makeImage(img.height, img.width, 3);
  const src = img.data,
    dst = out.data;
  for (let i = 0; i < src.length; i += 3) {
    const r = UNIT[src[i]!]!,
      g = UNIT[src[i + 1]!]!,
      b = UNIT[src[i + 2]!]!;
    const maxc = Math.max(r, g, b),
      minc = Math.min(r, g, b);
    const eqc = maxc === minc;
    const cr = f32(maxc - minc);
    const s = f32(cr / (eqc ? 1 : maxc));
    const crd = eqc ? 1 : cr;
    const rc = f32(f32(maxc - r) / crd),
      gc = f32(f32(maxc - g) / crd),
      bc = f32(f32(maxc - b) / crd);
    const hr = maxc === r ? f32(bc - gc) : 0;
    const hg = maxc === g && maxc !== r ? f32(f32(2 + rc) - bc) : 0;
    const hb = maxc !== g && maxc !== r ? f32(f32(4 + gc) - rc) : 0;
    let hh = f32(f32(hr + hg) + hb);
    hh = f32(f32(hh / 6) + 1) % 1; // torch.fmod
    hh = f32(hh + hf);
    hh = hh % 1; // torch.remainder(h, 1): result in [0, 1)
    if (hh < 0) hh = f32(hh + 1);
    const v = maxc;
    // _hsv2rgb
    const h6 = f32(hh * 6);
    const fi = Math.floor(h6);
    const f = f32(h6 - fi);
    const p = clamp01(f32(v * f32(1 - s)));
    const q = clamp01(f32(v * f32(1 - f32(s * f))));
    const t = clamp01(f32(v * f32(1 - f32(s * f32(1 - f)))));
    let r2: number, g2: number, b2: number;
    switch (((fi % 6) + 6) % 6) {
      case 0: r2 = v; g2 = t; b2 = p; break; // prettier-ignore
      case 1: r2 = q; g2 = v; b2 = p; break; // prettier-ignore
      case 2: r2 = p; g2 = v; b2 = t; break; // prettier-ignore
      case 3: r2 = p; g2 = q; b2 = v; break; // prettier-ignore
      case 4: r2 = t; g2 = p; b2 = v; break; // prettier-ignore
      default: r2 = v; g2 = p; b2 = q; // prettier-ignore
    }
    dst[i] = Math.trunc(f32(r2 * 255));
    dst[i + 1] = Math.trunc(f32(g2 * 255));
    dst[i + 2] = Math.trunc(f32(b2 * 255));
  }
  return out;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
const UNIT = new Float64Array(256).map((_, v) => f32(v / 255));

// ---------------------------------------------------------------------------------------------- geometry

/** Fills pixels [from, to) (pixel indices) of `d` with a per-channel value. */
function fillPixels(d: Uint8Array, ch: number, value: Uint8Array, from: number, to: number): void {
  if (to <= from) return;
  if (ch === 1 || (value[0] === value[1] && value[1] === value[2])) {
    d.fill(value[0]!, from * ch, to * ch);
    return;
  }
  const v0 = value[0]!,
    v1 = value[1]!,
    v2 = value[2]!;
  for (let i = from * 3, e = to * 3; i < e; i += 3) {
    d[i] = v0;
    d[i + 1] = v1;
    d[i + 2] = v2;
  }
}

/** Copies `len` bytes; a plain loop beats subarray + set for short rows. */
function copyBytes(dst: Uint8Array, di: number, src: Uint8Array, si: number, len: number): void {
  if (len > 48) dst.set(src.subarray(si, si + len), di);
  else for (let k = 0; k < len; k++) dst[di + k] = src[si + k]!;
}

/** Mirror left–right (F.hflip). */
export function hflip(img: Image): Image {
  checkImage('augment.ops.hflip', img);
  const { height: h, width: w, channels: ch } = img;
  const src = img.data;
  const k = wasmKernels();
  if (k) {
    const { at, heap } = wasmLayout([src.length, src.length]);
    heap.set(src, at[0]!);
    k.hflip(at[0]!, h, w, ch, at[1]!);
    return copyOut(img, heap, at[1]!);
  }
  const out = makeImage(h, w, ch);
  const dst = out.data;
  if (ch === 1) {
    for (let y = 0; y < h; y++) {
      const o = y * w;
      for (let x = 0; x < w; x++) dst[o + x] = src[o + w - 1 - x]!;
    }
  } else {
    for (let y = 0; y < h; y++) {
      const o = y * w * 3;
      for (let x = 0; x < w; x++) {
        const d = o + x * 3,
          s = o + (w - 1 - x) * 3;
        dst[d] = src[s]!;
        dst[d + 1] = src[s + 1]!;
        dst[d + 2] = src[s + 2]!;
      }
    }
  }
  return out;
}

/** Mirror top–bottom (F.vflip). */
export function vflip(img: Image): Image {
  checkImage('augment.ops.vflip', img);
  const { height: h, width: w, channels: ch } = img;
  const out = makeImage(h, w, ch);
  const row = w * ch;
  for (let y = 0; y < h; y++) out.data.set(img.data.subarray((h - 1 - y) * row, (h - y) * row), y * row);
  return out;
}

/**
 * Inverse affine matrix of torchvision's `_get_inverse_affine_matrix` (angles in degrees, centre relative to the
 * image centre, as in functional_tensor): M^-1 = C · RSS^-1 · C^-1 · T^-1.
 */
export function inverseAffineMatrix(
  center: readonly [number, number],
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: readonly [number, number],
): number[] {
  const rad = Math.PI / 180;
  const rot = angle * rad;
  const sx = shear[0] * rad;
  const sy = shear[1] * rad;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0]! * (-cx - tx) + m[1]! * (-cy - ty);
  m[5] += m[3]! * (-cx - tx) + m[4]! * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/**
 * Nearest-neighbour warp with an inverse affine matrix in torchvision's tensor convention (coordinates relative
 * to the image centre, pixel centres at ±0.5): the affine grid and grid_sample(align_corners=False) computed in
 * float32 as torch does; samples outside the image get `fill`.
 */
export function warpAffine(
  img: Image,
  matrix: readonly number[],
  fill?: Fill,
  where = 'augment.ops.warpAffine',
): Image {
  checkImage(where, img);
  if (!Array.isArray(matrix) || matrix.length !== 6 || !matrix.every((v) => Number.isFinite(v)))
    throw argError(where, 'matrix', 'an array of 6 finite numbers', matrix);
  const { height: h, width: w, channels: ch } = img;
  const fillPx = resolveFill(where, fill, ch);
  const t = matrix.map(f32);
  const hw = f32(0.5 * w),
    hh = f32(0.5 * h);
  // rescaled_theta = theta^T / [0.5 w, 0.5 h]
  const r00 = f32(t[0]! / hw),
    r10 = f32(t[1]! / hw),
    r20 = f32(t[2]! / hw);
  const r01 = f32(t[3]! / hh),
    r11 = f32(t[4]! / hh),
    r21 = f32(t[5]! / hh);
  const sw = f32(w / 2),
    sh = f32(h / 2);
  if (wasmKernels()) return warpWasm(img, [r00, r10, r20, r01, r11, r21, sw, sh], fillPx);
  const xs = f64Scratch(w * 2);
  for (let j = 0; j < w; j++) {
    const x = f32(-w * 0.5 + 0.5 + j);
    xs[2 * j] = f32(x * r00);
    xs[2 * j + 1] = f32(x * r01);
  }
  // Pass 1: the source pixel of every output pixel (-1 outside). When a cross term is exactly zero (shears), the
  // source column depends on the output column only (or the source row on the output row only): computed once,
  // with the same float32 steps.
  const n = h * w;
  const idx = i32Scratch(n + w);
  const colX = r10 === 0 ? idx.subarray(n, n + w) : null;
  if (colX) for (let j = 0; j < w; j++) colX[j] = roundEven(f32(f32(f32(f32(xs[2 * j]! + r20) + 1) * sw) - 0.5));
  for (let i = 0; i < h; i++) {
    const y = f32(-h * 0.5 + 0.5 + i);
    const yx = f32(y * r10),
      yy = f32(y * r11);
    const o = i * w;
    if (r01 === 0) {
      const iy = roundEven(f32(f32(f32(f32(yy + r21) + 1) * sh) - 0.5));
      const rowOk = iy >= 0 && iy < h;
      for (let j = 0; j < w; j++) {
        // grid_sample unnormalize (align_corners=False): ((g + 1) * size / 2) - 0.5, then round half to even
        const ix = colX ? colX[j]! : roundEven(f32(f32(f32(f32(f32(xs[2 * j]! + yx) + r20) + 1) * sw) - 0.5));
        idx[o + j] = rowOk && ix >= 0 && ix < w ? iy * w + ix : -1;
      }
    } else {
      for (let j = 0; j < w; j++) {
        const ix = colX ? colX[j]! : roundEven(f32(f32(f32(f32(f32(xs[2 * j]! + yx) + r20) + 1) * sw) - 0.5));
        const iy = roundEven(f32(f32(f32(f32(f32(xs[2 * j + 1]! + yy) + r21) + 1) * sh) - 0.5));
        idx[o + j] = ix >= 0 && ix < w && iy >= 0 && iy < h ? iy * w + ix : -1;
      }
    }
  }
  // Pass 2: gather.
  const out = makeImage(h, w, ch);
  const src = img.data,
    dst = out.data;
  if (ch === 1) {
    const f0 = fillPx[0]!;
    for (let p = 0; p < n; p++) {
      const q = idx[p]!;
      dst[p] = q >= 0 ? src[q]! : f0;
    }
  } else {
    const f0 = fillPx[0]!,
      f1 = fillPx[1]!,
      f2 = fillPx[2]!;
    for (let p = 0, d = 0; p < n; p++, d += 3) {
      const q = idx[p]!;
      if (q >= 0) {
        const s3 = q * 3;
        dst[d] = src[s3]!;
        dst[d + 1] = src[s3 + 1]!;
        dst[d + 2] = src[s3 + 2]!;
      } else {
        dst[d] = f0;
        dst[d + 1] = f1;
        dst[d + 2] = f2;
      }
    }
  }
  return out;
}

/** warpAffine's sampling as the WebAssembly kernel (native-wasm/pixels.c), from the same float32 coefficients. */
function warpWasm(img: Image, coefficients: readonly number[], fill: Uint8Array): Image {
  const len = img.data.length;
  const { at, heap } = wasmLayout([len, 4, len]);
  const [src, fillAt, dst] = at as [number, number, number];
  heap.set(img.data, src);
  heap.set(fill.subarray(0, img.channels), fillAt);
  wasmKernels()!.warpNearest(src, img.height, img.width, img.channels, ...coefficients, fillAt, dst);
  return copyOut(img, heap, dst);
}

/** Rotate counter-clockwise by `degrees` about the image centre (F.rotate, nearest, no expand). */
export function rotate(img: Image, degrees: number, fill?: Fill): Image {
  checkNumber('augment.ops.rotate', 'degrees', degrees, { range: 'a finite number' });
  return warpAffine(img, inverseAffineMatrix([0, 0], -degrees, [0, 0], 1, [0, 0]), fill, 'augment.ops.rotate');
}

/**
 * Shear along x by `v` (the AutoAugment magnitude: shear angle atan(v)) about the top-left corner, as
 * torchvision's AutoAugment (`F.affine(shear=[degrees(atan(v)), 0], center=[0, 0])`).
 */
export function shearX(img: Image, v: number, fill?: Fill): Image {
  checkImage('augment.ops.shearX', img);
  checkNumber('augment.ops.shearX', 'v', v, { range: 'a finite number' });
  const center: [number, number] = [-img.width * 0.5, -img.height * 0.5];
  const deg = Math.atan(v) * (180 / Math.PI);
  return warpAffine(img, inverseAffineMatrix(center, 0, [0, 0], 1, [deg, 0]), fill, 'augment.ops.shearX');
}

/** Shear along y by `v` (angle atan(v)) about the top-left corner, as torchvision's AutoAugment. */
export function shearY(img: Image, v: number, fill?: Fill): Image {
  checkImage('augment.ops.shearY', img);
  checkNumber('augment.ops.shearY', 'v', v, { range: 'a finite number' });
  const center: [number, number] = [-img.width * 0.5, -img.height * 0.5];
  const deg = Math.atan(v) * (180 / Math.PI);
  return warpAffine(img, inverseAffineMatrix(center, 0, [0, 0], 1, [0, deg]), fill, 'augment.ops.shearY');
}

/** Shift right by `px` pixels (truncated to an integer, as AutoAugment's `int(magnitude)`); vacated area = fill. */
export function translateX(img: Image, px: number, fill?: Fill): Image {
  checkImage('augment.ops.translateX', img);
  if (typeof px !== 'number' || !Number.isFinite(px))
    throw argError('augment.ops.translateX', 'px', 'a finite number', px);
  return shift(img, Math.trunc(px), 0, fill, 'augment.ops.translateX');
}

/** Shift down by `px` pixels (truncated to an integer); vacated area = fill. */
export function translateY(img: Image, px: number, fill?: Fill): Image {
  checkImage('augment.ops.translateY', img);
  if (typeof px !== 'number' || !Number.isFinite(px))
    throw argError('augment.ops.translateY', 'px', 'a finite number', px);
  return shift(img, 0, Math.trunc(px), fill, 'augment.ops.translateY');
}

/** Integer translation: the affine warp with an integer offset samples exactly (x - dx, y - dy). */
function shift(img: Image, dx: number, dy: number, fill: Fill | undefined, where: string): Image {
  const { height: h, width: w, channels: ch } = img;
  const fillPx = resolveFill(where, fill, ch);
  const out = makeImage(h, w, ch);
  const dst = out.data;
  const x0 = Math.max(0, dx),
    x1 = Math.min(w, w + dx);
  const y0 = Math.max(0, dy),
    y1 = Math.min(h, h + dy);
  if (x1 <= x0 || y1 <= y0) {
    fillPixels(dst, ch, fillPx, 0, h * w);
    return out;
  }
  const fillNeeded = fillPx.some((v) => v !== 0); // the new buffer is already zero
  if (fillNeeded) {
    fillPixels(dst, ch, fillPx, 0, y0 * w);
    fillPixels(dst, ch, fillPx, y1 * w, h * w);
  }
  for (let y = y0; y < y1; y++) {
    if (fillNeeded) {
      fillPixels(dst, ch, fillPx, y * w, y * w + x0);
      fillPixels(dst, ch, fillPx, y * w + x1, (y + 1) * w);
    }
    copyBytes(dst, (y * w + x0) * ch, img.data, ((y - dy) * w + (x0 - dx)) * ch, (x1 - x0) * ch);
  }
  return out;
}

/** The `height`×`width` window whose top-left corner is (top, left); parts outside the image are `fill` (F.crop). */
export function crop(img: Image, top: number, left: number, height: number, width: number, fill?: Fill): Image {
  checkImage('augment.ops.crop', img);
  checkInt('augment.ops.crop', 'top', top, -Number.MAX_SAFE_INTEGER);
  checkInt('augment.ops.crop', 'left', left, -Number.MAX_SAFE_INTEGER);
  checkInt('augment.ops.crop', 'height', height, 1);
  checkInt('augment.ops.crop', 'width', width, 1);
  const ch = img.channels;
  const out = makeImage(height, width, ch);
  const inside = top >= 0 && left >= 0 && top + height <= img.height && left + width <= img.width;
  const fillPx = inside ? null : resolveFill('augment.ops.crop', fill, ch);
  const fillNeeded = fillPx !== null && fillPx.some((v) => v !== 0); // the new buffer is already zero
  const y0 = Math.max(0, top),
    y1 = Math.min(img.height, top + height);
  const x0 = Math.max(0, left),
    x1 = Math.min(img.width, left + width);
  if (y1 <= y0 || x1 <= x0) {
    if (fillNeeded) fillPixels(out.data, ch, fillPx, 0, height * width);
    return out;
  }
  if (fillNeeded) {
    fillPixels(out.data, ch, fillPx, 0, (y0 - top) * width);
    fillPixels(out.data, ch, fillPx, (y1 - top) * width, height * width);
  }
  const len = (x1 - x0) * ch;
  for (let y = y0; y < y1; y++) {
    const row = (y - top) * width;
    if (fillNeeded) {
      fillPixels(out.data, ch, fillPx, row, row + (x0 - left));
      fillPixels(out.data, ch, fillPx, row + (x1 - left), row + width);
    }
    copyBytes(out.data, (row + (x0 - left)) * ch, img.data, (y * img.width + x0) * ch, len);
  }
  return out;
}

/** Constant padding (F.pad, padding_mode 'constant'): [left, top, right, bottom] or one value for all sides. */
export function pad(img: Image, padding: number | readonly number[], fill?: Fill): Image {
  checkImage('augment.ops.pad', img);
  let l: number, t: number, r: number, b: number;
  if (typeof padding === 'number') l = t = r = b = padding;
  else if (Array.isArray(padding) && padding.length === 2)
    [l, t, r, b] = [padding[0], padding[1], padding[0], padding[1]];
  else if (Array.isArray(padding) && padding.length === 4) [l, t, r, b] = padding as number[];
  else
    throw argError(
      'augment.ops.pad',
      'padding',
      'an integer >= 0 or an array [lr, tb] or [left, top, right, bottom]',
      padding,
    );
  for (const v of [l, t, r, b]) checkInt('augment.ops.pad', 'padding', v, 0);
  return crop(img, -t!, -l!, img.height + t! + b!, img.width + l! + r!, fill);
}

/** Fill the `h`×`w` rectangle at (top, left) with `value` (F.erase); the rectangle is clipped to the image. */
export function erase(img: Image, top: number, left: number, h: number, w: number, value: Fill = 0): Image {
  checkImage('augment.ops.erase', img);
  const out = { ...img, data: img.data.slice() };
  eraseInPlace(out, top, left, h, w, resolveFill('augment.ops.erase', value, img.channels));
  return out;
}

/** In-place erase with a resolved per-channel value (internal fast path). */
export function eraseInPlace(img: Image, top: number, left: number, h: number, w: number, value: Uint8Array): void {
  const ch = img.channels;
  const y0 = Math.max(0, top),
    y1 = Math.min(img.height, top + h);
  const x0 = Math.max(0, left),
    x1 = Math.min(img.width, left + w);
  for (let y = y0; y < y1; y++) fillPixels(img.data, ch, value, y * img.width + x0, y * img.width + x1);
}

/**
 * Resize to `height`×`width` with bilinear interpolation (align_corners=False). With `antialias` (default) the
 * triangle filter is widened when shrinking, as PIL and torchvision's `antialias=True` do; values are rounded.
 */
export function resize(img: Image, height: number, width: number, antialias = true): Image {
  checkImage('augment.ops.resize', img);
  checkInt('augment.ops.resize', 'height', height, 1);
  checkInt('augment.ops.resize', 'width', width, 1);
  if (height === img.height && width === img.width) return { ...img, data: img.data.slice() };
  return resampleWindow(img, 0, 0, img.height, img.width, height, width, antialias);
}

/**
 * Crop the `h`×`w` window at (top, left) and resize it to `outHeight`×`outWidth` (F.resized_crop), in one pass
 * without copying the window first. The window must lie inside the image.
 */
export function resizedCrop(
  img: Image,
  top: number,
  left: number,
  h: number,
  w: number,
  outHeight: number,
  outWidth: number,
  antialias = true,
): Image {
  checkImage('augment.ops.resizedCrop', img);
  checkInt('augment.ops.resizedCrop', 'top', top, 0, img.height - 1);
  checkInt('augment.ops.resizedCrop', 'left', left, 0, img.width - 1);
  checkInt('augment.ops.resizedCrop', 'h', h, 1, img.height - top);
  checkInt('augment.ops.resizedCrop', 'w', w, 1, img.width - left);
  checkInt('augment.ops.resizedCrop', 'outHeight', outHeight, 1);
  checkInt('augment.ops.resizedCrop', 'outWidth', outWidth, 1);
  if (h === outHeight && w === outWidth) return crop(img, top, left, h, w);
  return resampleWindow(img, top, left, h, w, outHeight, outWidth, antialias);
}
