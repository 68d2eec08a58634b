// Separable bilinear resampling of a window of an Image (the work behind ops.resize / ops.resizedCrop): PIL's
// triangle filter, widened when shrinking with antialias (torchvision's `antialias=True`), in fixed point.
// The passes run as WebAssembly SIMD kernels (native-wasm/resample.c, the same integer arithmetic, identical results)
// where WebAssembly is available, else as the TypeScript loops below.
// Taps are integers summing to 2^WEIGHT_BITS; the intermediate pass keeps EXTRA_BITS fraction bits, so the result
// is within ~0.01 of the exact float filter before rounding: ±1 of torchvision's float result at worst, where a
// value sits on .5. Integer math is what makes it fast in JavaScript (no float→uint8 rounding calls per sample).
import { allocImage, makeImage, type Image } from './image.js';
import { wasmKernels, wasmLayout } from './wasm.js';

const WEIGHT_BITS = 14;
const EXTRA_BITS = 7;
const MID_SHIFT = WEIGHT_BITS - EXTRA_BITS;
const MID_ROUND = 1 << (MID_SHIFT - 1);
const OUT_SHIFT = WEIGHT_BITS + EXTRA_BITS;
const OUT_ROUND = 1 << (OUT_SHIFT - 1);
const OUT_MAX = 255 << OUT_SHIFT;

interface Taps {
  start: Int32Array;
  count: Int32Array;
  w: Int32Array;
  /** Taps per output sample in `w`. */
  stride: number;
  maxCount: number;
  /** The taps as int16 pairs, w[2j] | w[2j + 1] << 16, ceil(stride / 2) per output (the WebAssembly columns pass). */
  pairs: Int32Array;
}

const tapCache = new Map<string, Taps>();
function taps(inSize: number, outSize: number, antialias: boolean): Taps {
  const key = `${inSize}/${outSize}/${antialias ? 1 : 0}`;
  let t = tapCache.get(key);
  if (!t) {
    if (tapCache.size >= 512) tapCache.clear();
    t = makeTaps(inSize, outSize, antialias);
    tapCache.set(key, t);
  }
  return t;
}

/** PIL's ImagingResample scheme: the float weights, normalised, zero taps dropped, then quantised to integers. */
function makeTaps(inSize: number, outSize: number, antialias: boolean): Taps {
  const scale = inSize / outSize;
  const widen = antialias && scale > 1;
  const support = widen ? scale : 1;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize),
    count = new Int32Array(outSize);
  const w = new Int32Array(outSize * stride);
  const f = new Float64Array(stride);
  let maxCount = 0;
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    let lo: number, hi: number;
    const src = Math.max(center - 0.5, 0);
    if (widen) {
      lo = Math.max(0, Math.trunc(center - support + 0.5));
      hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    } else {
      // plain bilinear: the two nearest pixel centres, clamped at the borders
      lo = Math.min(Math.floor(src), inSize - 1);
      hi = Math.min(lo + 2, inSize);
    }
    const n = hi - lo;
    let total = 0;
    for (let k = 0; k < n; k++) {
      f[k] = widen
        ? Math.max(0, 1 - Math.abs((lo + k - center + 0.5) / scale))
        : Math.max(0, 1 - Math.abs(lo + k - src));
      total += f[k]!;
    }
    let first = 0,
      last = n - 1;
    while (first < last && f[first] === 0) first++;
    while (last > first && f[last] === 0) last--;
    // Quantise; the rounding remainder goes to the largest tap so that the taps sum to exactly 2^WEIGHT_BITS.
    let sum = 0,
      big = first;
    for (let k = first; k <= last; k++) {
      const q = Math.round((total > 0 ? f[k]! / total : 0) * (1 << WEIGHT_BITS));
      w[o * stride + k - first] = q;
      sum += q;
      if (f[k]! > f[big]!) big = k;
    }
    w[o * stride + big - first] += (1 << WEIGHT_BITS) - sum;
    start[o] = lo + first;
    count[o] = last - first + 1;
    if (count[o]! > maxCount) maxCount = count[o]!;
  }
  // Plain bilinear (and upsampling): every sample gets exactly two taps (a zero one added where needed), so the
  // passes run one unrolled two-tap loop.
  if (maxCount === 2) {
    for (let o = 0; o < outSize; o++) {
      if (count[o] === 2) continue;
      const at = o * stride;
      if (start[o]! + 1 < inSize) w[at + 1] = 0;
      else {
        w[at + 1] = w[at]!;
        w[at] = 0;
        start[o]!--;
      }
      count[o] = 2;
    }
  }
  const pairStride = (stride + 1) >> 1;
  const pairs = new Int32Array(outSize * pairStride);
  for (let o = 0; o < outSize; o++)
    for (let j = 0; j < pairStride; j++) {
      const lo = w[o * stride + 2 * j]!,
        hi = 2 * j + 1 < stride ? w[o * stride + 2 * j + 1]! : 0;
      pairs[o * pairStride + j] = (hi << 16) | (lo & 0xffff);
    }
  return { start, count, w, stride, maxCount, pairs };
}

let midScratch = new Int32Array(0);
let accScratch = new Int32Array(0);
/** The intermediate image between the two passes. */
function mid(n: number): Int32Array {
  if (midScratch.length < n) midScratch = new Int32Array(n);
  return midScratch;
}
/** One row of sums for filters of more than two taps. */
function acc(n: number): Int32Array {
  if (accScratch.length < n) accScratch = new Int32Array(n);
  return accScratch;
}

/**
 * Rows pass: dst row y (rowLen values, row stride rowLen) = Σ_k w·src row (start + k), src rows `srcStride` apart
 * from `srcOff`. `final` rounds to uint8 (src is the intermediate), else writes the intermediate (src is uint8).
 */
function rowsPass(
  src: Uint8Array | Int32Array,
  srcOff: number,
  srcStride: number,
  rowLen: number,
  t: Taps,
  outRows: number,
  dst: Uint8Array | Int32Array,
  final: boolean,
): void {
  const { start, count, w, stride } = t;
  const shift = final ? OUT_SHIFT : MID_SHIFT;
  const round = final ? OUT_ROUND : MID_ROUND;
  for (let y = 0; y < outRows; y++) {
    const n = count[y]!,
      wo = y * stride,
      to = y * rowLen,
      so = srcOff + start[y]! * srcStride;
    if (n === 1) {
      for (let i = 0; i < rowLen; i++)
        dst[to + i] = final ? clampRound(src[so + i]! << WEIGHT_BITS) : src[so + i]! << EXTRA_BITS;
    } else if (n === 2) {
      const w0 = w[wo]!,
        w1 = w[wo + 1]!,
        s1 = so + srcStride;
      if (final) for (let i = 0; i < rowLen; i++) dst[to + i] = clampRound(w0 * src[so + i]! + w1 * src[s1 + i]!);
      else for (let i = 0; i < rowLen; i++) dst[to + i] = (w0 * src[so + i]! + w1 * src[s1 + i]! + round) >> shift;
    } else {
      const a = acc(rowLen);
      a.fill(round, 0, rowLen);
      for (let k = 0; k < n; k++) {
        const wk = w[wo + k]!,
          sk = so + k * srcStride;
        for (let i = 0; i < rowLen; i++) a[i] += wk * src[sk + i]!;
      }
      if (final) for (let i = 0; i < rowLen; i++) dst[to + i] = clampShifted(a[i]!);
      else for (let i = 0; i < rowLen; i++) dst[to + i] = a[i]! >> shift;
    }
  }
}

/** Final rounding of a full-scale sum (2^OUT_SHIFT per unit) to uint8. */
function clampRound(v: number): number {
  return clampShifted(v + OUT_ROUND);
}
function clampShifted(v: number): number {
  return v <= 0 ? 0 : v >= OUT_MAX ? 255 : v >> OUT_SHIFT;
}

/**
 * Columns pass over `rows` rows: dst pixel x = Σ_k w·src pixel (start + k), `ch` interleaved channels; src rows are
 * `srcStride` apart from `srcOff`, dst rows `outCols·ch`.
 */
function colsPass(
  src: Uint8Array | Int32Array,
  srcOff: number,
  srcStride: number,
  rows: number,
  ch: number,
  t: Taps,
  outCols: number,
  dst: Uint8Array | Int32Array,
  final: boolean,
): void {
  const { start, count, w, stride } = t;
  const shift = final ? OUT_SHIFT : MID_SHIFT;
  const round = final ? OUT_ROUND : MID_ROUND;
  const dstRow = outCols * ch;
  if (ch === 3 && t.maxCount === 2) {
    colsPass2Taps(src, srcOff, srcStride, rows, t, outCols, dst, final);
    return;
  }
  for (let y = 0; y < rows; y++) {
    const ri = srcOff + y * srcStride,
      ro = y * dstRow;
    for (let x = 0; x < outCols; x++) {
      const n = count[x]!,
        wo = x * stride,
        o = ro + x * ch;
      let si = ri + start[x]! * ch;
      if (ch === 3) {
        let a0 = round,
          a1 = round,
          a2 = round;
        for (let k = 0; k < n; k++, si += 3) {
          const wk = w[wo + k]!;
          a0 += wk * src[si]!;
          a1 += wk * src[si + 1]!;
          a2 += wk * src[si + 2]!;
        }
        if (final) {
          dst[o] = clampShifted(a0);
          dst[o + 1] = clampShifted(a1);
          dst[o + 2] = clampShifted(a2);
        } else {
          dst[o] = a0 >> shift;
          dst[o + 1] = a1 >> shift;
          dst[o + 2] = a2 >> shift;
        }
      } else {
        for (let c = 0; c < ch; c++) {
          let a = round;
          for (let k = 0; k < n; k++) a += w[wo + k]! * src[si + k * ch + c]!;
          dst[o + c] = final ? clampShifted(a) : a >> shift;
        }
      }
    }
  }
}

/** colsPass for RGB with exactly two taps per sample (see makeTaps). */
function colsPass2Taps(
  src: Uint8Array | Int32Array,
  srcOff: number,
  srcStride: number,
  rows: number,
  t: Taps,
  outCols: number,
  dst: Uint8Array | Int32Array,
  final: boolean,
): void {
  const { start, w, stride } = t;
  const dstRow = outCols * 3;
  for (let y = 0; y < rows; y++) {
    const ri = srcOff + y * srcStride;
    for (let x = 0, o = y * dstRow; x < outCols; x++, o += 3) {
      const w0 = w[x * stride]!,
        w1 = w[x * stride + 1]!,
        si = ri + start[x]! * 3;
      const a0 = w0 * src[si]! + w1 * src[si + 3]!,
        a1 = w0 * src[si + 1]! + w1 * src[si + 4]!,
        a2 = w0 * src[si + 2]! + w1 * src[si + 5]!;
      if (final) {
        dst[o] = clampRound(a0);
        dst[o + 1] = clampRound(a1);
        dst[o + 2] = clampRound(a2);
      } else {
        dst[o] = (a0 + MID_ROUND) >> MID_SHIFT;
        dst[o + 1] = (a1 + MID_ROUND) >> MID_SHIFT;
        dst[o + 2] = (a2 + MID_ROUND) >> MID_SHIFT;
      }
    }
  }
}

/** One resampling job: the ih×iw window at (top, left) of `img` to height×width, its taps and pass order. */
interface Plan {
  img: Image;
  top: number;
  left: number;
  ih: number;
  iw: number;
  height: number;
  width: number;
  tx: Taps;
  ty: Taps;
  /** Rows pass first (when that costs fewer multiply-adds: shrinking vertically), else columns first. */
  byRows: boolean;
}

/**
 * Resample the ih×iw window at (top, left) of `img` to height×width, with the WebAssembly kernels where they run,
 * else with the TypeScript passes (identical results).
 */
export function resampleWindow(
  img: Image,
  top: number,
  left: number,
  ih: number,
  iw: number,
  height: number,
  width: number,
  antialias: boolean,
): Image {
  const tx = taps(iw, width, antialias);
  const ty = taps(ih, height, antialias);
  const byRows =
    height * iw * ty.maxCount + height * width * tx.maxCount <= ih * width * tx.maxCount + height * width * ty.maxCount;
  const plan: Plan = { img, top, left, ih, iw, height, width, tx, ty, byRows };
  return wasmKernels() ? resampleWasm(plan) : resampleJs(plan);
}

function resampleJs({ img, top, left, ih, iw, height, width, tx, ty, byRows }: Plan): Image {
  const ch = img.channels;
  const srcStride = img.width * ch;
  const srcOff = top * srcStride + left * ch;
  const out = makeImage(height, width, ch);
  if (byRows) {
    const tmp = mid(height * iw * ch);
    rowsPass(img.data, srcOff, srcStride, iw * ch, ty, height, tmp, false);
    colsPass(tmp, 0, iw * ch, height, ch, tx, width, out.data, true);
  } else {
    const tmp = mid(ih * width * ch);
    colsPass(img.data, srcOff, srcStride, ih, ch, tx, width, tmp, false);
    rowsPass(tmp, 0, width * ch, width * ch, ty, height, out.data, true);
  }
  return out;
}

/** Lays the buffers out in the kernels' linear memory and runs the two passes there (the intermediate is int16). */
function resampleWasm({ img, top, left, ih, iw, height, width, tx, ty, byRows }: Plan): Image {
  const k = wasmKernels()!;
  const ch = img.channels;
  const midLen = byRows ? height * iw * ch : ih * width * ch;
  const rowLen = iw * ch;
  const { at, heap, i32 } = wasmLayout([
    tx.start.byteLength,
    tx.count.byteLength,
    tx.w.byteLength,
    tx.pairs.byteLength,
    ty.start.byteLength,
    ty.count.byteLength,
    ty.w.byteLength,
    ih * rowLen,
    midLen * 2,
    height * width * ch,
  ]);
  const txAt = at.slice(0, 3),
    pairsAt = at[3]!,
    tyAt = at.slice(4, 7);
  const [srcAt, midAt, outAt] = at.slice(7) as [number, number, number];
  i32.set(tx.pairs, pairsAt >> 2);
  for (const [t, [s, c, w]] of [
    [tx, txAt],
    [ty, tyAt],
  ] as const) {
    i32.set(t.start, s! >> 2);
    i32.set(t.count, c! >> 2);
    i32.set(t.w, w! >> 2);
  }
  const srcStride = img.width * ch;
  if (rowLen === srcStride) heap.set(img.data.subarray(top * srcStride, (top + ih) * srcStride), srcAt);
  else
    for (let y = 0; y < ih; y++) {
      const from = (top + y) * srcStride + left * ch;
      heap.set(img.data.subarray(from, from + rowLen), srcAt + y * rowLen);
    }
  if (byRows) {
    k.rowsFirst(srcAt, rowLen, rowLen, tyAt[0]!, tyAt[1]!, tyAt[2]!, ty.stride, height, midAt);
    k.colsFinal(
      midAt,
      rowLen,
      height,
      ch,
      txAt[0]!,
      txAt[1]!,
      txAt[2]!,
      pairsAt,
      tx.stride,
      tx.maxCount === 2 ? 1 : 0,
      width,
      outAt,
    );
  } else {
    k.colsFirst(
      srcAt,
      rowLen,
      ih,
      ch,
      txAt[0]!,
      txAt[1]!,
      txAt[2]!,
      pairsAt,
      tx.stride,
      tx.maxCount === 2 ? 1 : 0,
      width,
      midAt,
    );
    k.rowsFinal(midAt, width * ch, width * ch, tyAt[0]!, tyAt[1]!, tyAt[2]!, ty.stride, height, outAt);
  }
  const out = allocImage(height, width, ch);
  out.data.set(heap.subarray(outAt, outAt + out.data.length));
  return out;
}
