// Deterministic log and exp built only from IEEE-754 basic operations (+, -, *, /, sqrt are correctly rounded
// everywhere), so normal, gamma and beta draws are bit-identical on every JavaScript engine and platform.
// Math.log / Math.exp are not required by ECMAScript to be correctly rounded and do differ between engines.

const view = new DataView(new ArrayBuffer(8));
const LN2_HI = 6.9314718036912381649e-1; // fdlibm split of ln 2: the high part has its low 32 bits zero
const LN2_LO = 1.90821492927058770002e-10;
const SQRT2 = 1.4142135623730951;
const TWO54 = 18014398509481984;

/** 2^k as a double for integer k in [-1022, 1023], built from its exponent bits. */
function pow2(k: number): number {
  view.setUint32(0, (k + 1023) << 20, false);
  view.setUint32(4, 0, false);
  return view.getFloat64(0, false);
}

/** Natural logarithm, deterministic across platforms (error within a couple of ulps). */
export function detLog(x: number): number {
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    x *= TWO54; // subnormal: scale into the normal range
    e = -54;
  }
  view.setFloat64(0, x, false);
  const hi = view.getUint32(0, false);
  e += ((hi >>> 20) & 0x7ff) - 1023;
  view.setUint32(0, (hi & 0x000fffff) | 0x3ff00000, false);
  let m = view.getFloat64(0, false); // m in [1, 2)
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  // log(m) = 2 atanh(f), f = (m-1)/(m+1), |f| <= 0.1716: the odd series converges fast.
  const f = (m - 1) / (m + 1);
  const s = f * f;
  const series =
    1 +
    s *
      (1 / 3 +
        s *
          (1 / 5 +
            s *
              (1 / 7 +
                s * (1 / 9 + s * (1 / 11 + s * (1 / 13 + s * (1 / 15 + s * (1 / 17 + s * (1 / 19 + s / 21)))))))));
  return e * LN2_HI + (e * LN2_LO + 2 * f * series);
}

// 1/16!, 1/15!, ..., 1/1!, 1/0!
const EXP_COEF = [
  1 / 20922789888000,
  1 / 1307674368000,
  1 / 87178291200,
  1 / 6227020800,
  1 / 479001600,
  1 / 39916800,
  1 / 3628800,
  1 / 362880,
  1 / 40320,
  1 / 5040,
  1 / 720,
  1 / 120,
  1 / 24,
  1 / 6,
  1 / 2,
  1,
  1,
];

/** e^x, deterministic across platforms (error within a couple of ulps). */
export function detExp(x: number): number {
  if (x !== x) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x / 0.6931471805599453);
  const r = x - k * LN2_HI - k * LN2_LO; // |r| <= ~0.35
  // Taylor series to r^17 / 17!: truncation below 1e-19 relative.
  let t = 1 / 355687428096000; // 1/17!
  for (let i = 0; i < EXP_COEF.length; i++) t = t * r + EXP_COEF[i]!;
  if (k > 1023) return t * pow2(1023) * pow2(k - 1023);
  if (k < -1022) return t * pow2(-1022) * pow2(k + 1022);
  return t * pow2(k);
}
