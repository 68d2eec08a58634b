// Seeded, splittable PRNG: xoshiro128** (Blackman & Vigna 2018, https://prng.di.unimi.it/) on 32-bit integer
// math, seeded by splitmix32. Same seed → same stream on every platform: uniform and integer draws use only
// integer operations; normal/gamma/beta use a deterministic log/exp built from IEEE basic operations.
import { detExp, detLog } from './detmath.js';

/** Plain JSON-serialisable snapshot of an Rng; `setState` restores it exactly. */
export interface RngState {
  algorithm: 'xoshiro128**';
  /** The four 32-bit words of the xoshiro state, as unsigned integers. */
  s: [number, number, number, number];
  /** Second normal deviate of the last Marsaglia polar pair, if not yet used. */
  spareNormal: number | null;
}

const TWO_POW_M32 = 1 / 4294967296;

/** splitmix32 step (Steele et al., "Fast splittable pseudorandom number generators", 32-bit variant). */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rangeError(method: string, field: string, expected: string, got: unknown): Error {
  return new RangeError(`Rng.${method}: ${field} must be ${expected}, got ${String(got)}`);
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** `seed`: any finite number; integers up to 2^53 are distinct seeds (the high part is mixed in). */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isFinite(seed))
      throw rangeError('constructor', 'seed', 'a finite number', seed);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    this.seedWords(lo, hi);
  }

  private seedWords(lo: number, hi: number): void {
    const st = { x: lo ^ Math.imul(hi, 0x27d4eb2d) };
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is forbidden
    this.spare = null;
  }

  /** Next raw 32-bit output, an unsigned integer in [0, 2^32). */
  uint32(): number {
    const s0 = this.s0,
      s1 = this.s1,
      s2 = this.s2,
      s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** Uniform double in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.uint32() * TWO_POW_M32;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n), unbiased (rejection), for integer 1 <= n <= 2^32. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && Math.floor(n) === n)) throw rangeError('int', 'n', 'an integer in [1, 2^32]', n);
    if (n === 1) return 0;
    const limit = 4294967296 - (4294967296 % n);
    let r = this.uint32();
    while (r >= limit) r = this.uint32();
    return r % n;
  }

  /** Uniform integer in [lo, hi] inclusive (like Python's random.randint). */
  intBetween(lo: number, hi: number): number {
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && hi >= lo))
      throw rangeError('intBetween', 'lo, hi', 'integers with lo <= hi', `${lo}, ${hi}`);
    return lo + this.int(hi - lo + 1);
  }

  /** Normal deviate (Marsaglia polar method); one pair gives two draws, the spare is kept in the state. */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * detLog(s)) / s);
    this.spare = v * f;
    return mean + std * (u * f);
  }

  /** Gamma(shape, scale) deviate (Marsaglia & Tsang 2000; shape < 1 via Gamma(shape+1)·U^(1/shape)). */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0 && Number.isFinite(shape))) throw rangeError('gamma', 'shape', 'a finite number > 0', shape);
    if (!(scale > 0 && Number.isFinite(scale))) throw rangeError('gamma', 'scale', 'a finite number > 0', scale);
    if (shape < 1) {
      const g = this.gamma(shape + 1, 1);
      let u = this.next();
      while (u === 0) u = this.next();
      return scale * g * detExp(detLog(u) / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return scale * d * v;
      if (u > 0 && detLog(u) < 0.5 * x2 + d * (1 - v + detLog(v))) return scale * d * v;
    }
  }

  /** Beta(a, b) deviate as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    if (!(a > 0 && Number.isFinite(a))) throw rangeError('beta', 'a', 'a finite number > 0', a);
    if (!(b > 0 && Number.isFinite(b))) throw rangeError('beta', 'b', 'a finite number > 0', b);
    const x = this.gamma(a);
    const y = this.gamma(b);
    const sum = x + y;
    // Both tiny (very small a, b): fall back to the limit distribution, Bernoulli(a / (a + b)).
    if (sum === 0) return this.next() < a / (a + b) ? 1 : 0;
    return x / sum;
  }

  /** true with probability p, for p in [0, 1]. */
  bernoulli(p = 0.5): boolean {
    if (!(p >= 0 && p <= 1)) throw rangeError('bernoulli', 'p', 'a probability in [0, 1]', p);
    return this.next() < p;
  }

  /** Uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 31)) throw rangeError('permutation', 'n', 'an integer >= 0', n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }

  /** Uniformly chosen element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw rangeError('choice', 'items', 'a non-empty array', '[]');
    return items[this.int(items.length)]!;
  }

  /**
   * An independent child stream. Four outputs of this stream are hashed by splitmix32 into the child's state, so
   * parent and child (and children of children) do not overlap in practice; the parent advances by 4 draws.
   */
  split(): Rng {
    const child = Object.create(Rng.prototype) as Rng;
    const st = { x: (this.uint32() ^ 0x6a09e667) | 0 };
    const a = this.uint32(),
      b = this.uint32(),
      c = this.uint32();
    child.s0 = splitmix32(st) ^ a;
    child.s1 = splitmix32(st) ^ b;
    child.s2 = splitmix32(st) ^ c;
    child.s3 = splitmix32(st);
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1;
    child.spare = null;
    return child;
  }

  /** A copy at the same position (same future stream). */
  clone(): Rng {
    const r = Object.create(Rng.prototype) as Rng;
    r.setState(this.getState());
    return r;
  }

  getState(): RngState {
    return {
      algorithm: 'xoshiro128**',
      s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spare,
    };
  }

  setState(state: RngState): void {
    if (!state || typeof state !== 'object') throw rangeError('setState', 'state', 'an object from getState()', state);
    if (state.algorithm !== 'xoshiro128**')
      throw rangeError('setState', 'state.algorithm', "'xoshiro128**'", state.algorithm);
    const s = state.s;
    if (!Array.isArray(s) || s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w < 4294967296))
      throw rangeError('setState', 'state.s', 'four unsigned 32-bit integers', JSON.stringify(s));
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw rangeError('setState', 'state.s', 'not all zero', JSON.stringify(s));
    const spare = state.spareNormal ?? null;
    if (spare !== null && !(typeof spare === 'number' && Number.isFinite(spare)))
      throw rangeError('setState', 'state.spareNormal', 'a finite number or null', spare);
    this.s0 = s[0] | 0;
    this.s1 = s[1] | 0;
    this.s2 = s[2] | 0;
    this.s3 = s[3] | 0;
    this.spare = spare;
  }
}
