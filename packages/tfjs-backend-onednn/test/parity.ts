// Runs the same computation on the 'cpu' backend (the oracle) and on 'onednn', and compares the results.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import '../src/index.js';

export interface InputSpec {
  shape: number[];
  dtype?: 'float32' | 'int32';
  /** Inclusive range of values; default [-1, 1]. */
  range?: [number, number];
}

let seed = 12345;
/** Deterministic pseudo-random numbers so a failing case can be re-run. */
export function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
export function randInt(lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}
export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

export function makeData(spec: InputSpec): Float32Array | Int32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const [lo, hi] = spec.range ?? [-1, 1];
  if (spec.dtype === 'int32') return Int32Array.from({ length: size }, () => randInt(lo, hi));
  return Float32Array.from({ length: size }, () => lo + (hi - lo) * random());
}

type Result = tf.Tensor | tf.Tensor[];

function runOn(
  backend: string,
  fn: (...xs: tf.Tensor[]) => Result,
  data: Array<Float32Array | Int32Array>,
  specs: InputSpec[],
) {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = data.map((d, i) => tf.tensor(d, specs[i].shape, specs[i].dtype ?? 'float32'));
    const out = fn(...xs);
    const list = Array.isArray(out) ? out : [out];
    return list.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
  });
}

type Outputs = ReturnType<typeof runOn>;

/** Asserts that `actual` has the shapes, dtypes and values (relative tolerance `rtol`) of `expected`, the cpu result. */
export function assertSameOutputs(label: string, expected: Outputs, actual: Outputs, rtol = 1e-4, atol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${label}: number of outputs`);
  for (let k = 0; k < expected.length; k++) {
    assert.deepEqual(actual[k].shape, expected[k].shape, `${label}: shape of output ${k}`);
    assert.equal(actual[k].dtype, expected[k].dtype, `${label}: dtype of output ${k}`);
    const e = expected[k].values;
    const a = actual[k].values;
    let scale = 0;
    for (const v of e) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < e.length; i++) {
      const tol = atol + rtol * Math.max(Math.abs(e[i]), scale * 1e-2);
      if (!(Math.abs(a[i] - e[i]) <= tol) && !(Number.isNaN(a[i]) && Number.isNaN(e[i]))) {
        assert.fail(`${label}: output ${k}[${i}] = ${a[i]}, cpu backend gives ${e[i]} (tolerance ${tol})`);
      }
    }
  }
}

/** Asserts that `fn` gives the same shapes, dtypes and values (relative tolerance `rtol`) on 'onednn' as on 'cpu'. */
export function assertParity(
  label: string,
  fn: (...xs: tf.Tensor[]) => Result,
  specs: InputSpec[],
  rtol = 1e-4,
  atol = 1e-5,
): void {
  const data = specs.map(makeData);
  const expected = runOn('cpu', fn, data, specs);
  const actual = runOn('onednn', fn, data, specs);
  tf.setBackend('onednn');
  assertSameOutputs(label, expected, actual, rtol, atol);
}

/**
 * Like assertParity, but runs `fn` on 'onednn' `repeats` times on the same inputs and checks every result: a kernel
 * that reads or writes memory it should not can give a right answer most of the time.
 */
export function assertRepeatedParity(
  label: string,
  fn: (...xs: tf.Tensor[]) => Result,
  specs: InputSpec[],
  repeats: number,
  rtol = 1e-4,
  atol = 1e-5,
): void {
  const data = specs.map(makeData);
  const expected = runOn('cpu', fn, data, specs);
  for (let r = 0; r < repeats; r++) {
    const actual = runOn('onednn', fn, data, specs);
    assertSameOutputs(`${label} (run ${r + 1} of ${repeats})`, expected, actual, rtol, atol);
  }
  tf.setBackend('onednn');
}
