import { Shown, argError } from '../check/index.js';

export interface SymmetricEigen {
  /** Descending. */
  values: Float64Array;
  /** Row r (n numbers from r·n) is the unit eigenvector of values[r], its largest-magnitude component positive. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition of a real symmetric n×n matrix (row-major) by the cyclic Jacobi method (Golub & Van Loan,
 * "Matrix Computations", 4th ed., §8.5.3, Algorithm 8.5.2 with the stable rotation of §8.5.2): plane rotations
 * zero the off-diagonal until it is below machine precision. For the small matrices here (n ≤ ~50) it is exact to
 * rounding and deterministic. Each eigenvector's sign is fixed so that its largest-magnitude component (the first
 * such) is positive, a convention numerical libraries do not share.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  const fn = 'init.symmetricEigen';
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n)
    throw argError(fn, 'matrix', `an n×n array (n = ${n}, ${n * n} numbers)`, new Shown(`${matrix.length} numbers`));
  const a = Float64Array.from(matrix);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const x = a[i * n + j]!;
      const y = a[j * n + i]!;
      if (!Number.isFinite(x) || Math.abs(x - y) > 1e-9 * (Math.abs(x) + Math.abs(y) + 1e-300))
        throw argError(fn, 'matrix', 'symmetric and finite', new Shown(`a[${i}][${j}] = ${x}, a[${j}][${i}] = ${y}`));
    }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const offNorm = () => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += a[i * n + j]! ** 2;
    return Math.sqrt(s);
  };
  let total = 0;
  for (const x of a) total += x * x;
  const tolerance = Number.EPSILON * Math.sqrt(total);
  for (let sweep = 0; sweep < 100 && offNorm() > tolerance; sweep++) {
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        // the rotation (c, s) that zeroes a[p][q] (Golub & Van Loan Algorithm 8.5.1)
        const tau = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]! || i - j);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((col, r) => {
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(v[k * n + col]!) > Math.abs(v[big * n + col]!)) big = k;
    const sign = v[big * n + col]! < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[r * n + k] = sign * v[k * n + col]!;
  });
  return { values, vectors };
}
