// Dirac initialisation against torch.nn.init.dirac_ and patch whitening against torch.linalg.eigh (fixtures made by
// scripts/fixtures/init.py).
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import * as init from '../../src/init/index.js';
import { fixturePath } from '../helpers/paths.js';

const diracFx = JSON.parse(readFileSync(fixturePath('init', 'dirac.json'), 'utf8'));
const whiteningFx = JSON.parse(readFileSync(fixturePath('init', 'whitening.json'), 'utf8'));

function maxRelError(got: ArrayLike<number>, want: number[]): number {
  assert.equal(got.length, want.length);
  const scale = Math.max(...want.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
  return worst;
}

describe('Dirac initialisation (torch.nn.init.dirac_)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('equals torch for square, wide, narrow, grouped, even and 1x1 kernels', () => {
    for (const c of diracFx.dirac) {
      const t = init.dirac({ groups: c.groups }).apply(c.shapeHWIO);
      assert.deepEqual(Array.from(t.dataSync()), c.values, `shape ${c.shapeHWIO} groups ${c.groups}`);
      t.dispose();
    }
  });

  it("setDiracFilters is airbench's dirac_(w[:in]): the first min(in, out) filters set, the others kept", () => {
    for (const c of diracFx.prefix) {
      const layer = tf.layers.conv2d({ filters: c.shapeHWIO[3], kernelSize: 3, useBias: false });
      layer.apply(tf.input({ shape: [5, 5, c.shapeHWIO[2]] }));
      layer.setWeights([tf.tensor(c.before, c.shapeHWIO)]);
      const before = tf.memory().numTensors;
      const set = init.setDiracFilters(layer.weights[0]!);
      assert.equal(tf.memory().numTensors, before);
      assert.equal(set, Math.min(c.shapeHWIO[2], c.shapeHWIO[3]));
      tf.test_util.expectArraysClose(layer.weights[0]!.read().dataSync(), c.after, 1e-6);
      layer.dispose();
    }
  });

  it('a dirac-initialised same-padded convolution is the identity on the first channels', () => {
    const x = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = init.dirac().apply([3, 3, 3, 5]) as tf.Tensor4D;
    const y = tf.conv2d(x, k, 1, 'same');
    tf.test_util.expectArraysClose(tf.slice(y, [0, 0, 0, 0], [2, 5, 6, 3]).dataSync(), x.dataSync(), 1e-6);
    assert.equal(tf.slice(y, [0, 0, 0, 3], [2, 5, 6, 2]).abs().max().dataSync()[0], 0);
    tf.dispose([x, k, y]);
  });

  it('refuses bad shapes and group counts in one line', () => {
    assert.throws(
      () => init.dirac({ groups: 3 }).apply([3, 3, 2, 4]),
      /init\.dirac: groups must be a divisor of the 4 output channels, got 3/,
    );
    assert.throws(() => init.dirac().apply([3, 4]), /init\.dirac: shape must be a 2-D convolution kernel/);
    assert.throws(() => init.dirac({ groups: 0 }), /init\.dirac: groups must be an integer >= 1, got 0/);
  });
});

describe('patch whitening (Page 2018; airbench)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('symmetricEigen equals torch.linalg.eigh (descending, largest-magnitude component positive)', () => {
    for (const c of whiteningFx.cases) {
      const d = c.eigenvalues.length;
      const { values, vectors } = init.symmetricEigen(c.moment, d);
      assert.ok(maxRelError(values, c.eigenvalues) < 1e-12, `eigenvalues of case ${c.seed}`);
      assert.ok(maxRelError(vectors, c.eigenvectors) < 1e-9, `eigenvectors of case ${c.seed}`);
    }
  });

  it('the filters, and the stem convolution with them, equal torch', () => {
    for (const c of whiteningFx.cases) {
      const [n, h, w, channels] = c.shape;
      const images = {
        pixels: Uint8Array.from(c.images),
        count: n,
        height: h,
        width: w,
        channels,
        mean: c.mean,
        std: c.std,
      };
      const got = init.patchWhitening(images, c.kernelSize, c.eps);
      assert.ok(maxRelError(got.moment, c.moment) < 1e-12, `moment of case ${c.seed}`);
      assert.deepEqual(got.kernelShape, [c.kernelSize, c.kernelSize, channels, 2 * c.eigenvalues.length]);
      assert.ok(maxRelError(got.kernel, c.kernel) < 1e-6, `kernel of case ${c.seed}`);
      const x = tf.tensor4d(
        Float32Array.from(
          c.images,
          (v: number, i: number) =>
            (Math.fround(v / 255) - Math.fround(c.mean[i % channels])) / Math.fround(c.std[i % channels]),
        ),
        c.shape,
      );
      const y = tf.conv2d(x, tf.tensor4d(got.kernel, got.kernelShape), 1, 'valid');
      assert.ok(maxRelError(y.dataSync(), c.conv) < 1e-5, `conv of case ${c.seed}`);
      tf.dispose([x, y]);
    }
  });

  it('whitens: the stem outputs are uncorrelated with variance λ/(λ + ε)', () => {
    const c = whiteningFx.cases[1];
    const [n, h, w, channels] = c.shape;
    const images = {
      pixels: Uint8Array.from(c.images),
      count: n,
      height: h,
      width: w,
      channels,
      mean: c.mean,
      std: c.std,
    };
    const got = init.patchWhitening(images, c.kernelSize, c.eps);
    const d = c.eigenvalues.length;
    // Wᵀ Σ W over the first d filters is diag(λ/(λ + ε))
    for (let r = 0; r < d; r++)
      for (let s = 0; s < d; s++) {
        let v = 0;
        for (let a = 0; a < d; a++)
          for (let b = 0; b < d; b++)
            v += got.kernel[a * 2 * d + r]! * got.moment[a * d + b]! * got.kernel[b * 2 * d + s]!;
        const want = r === s ? got.eigenvalues[r]! / (got.eigenvalues[r]! + c.eps) : 0;
        assert.ok(Math.abs(v - want) < 1e-5, `(${r}, ${s}): ${v} vs ${want}`);
      }
  });

  it('refuses bad inputs in one line', () => {
    const images = {
      pixels: new Uint8Array(2 * 4 * 4),
      count: 2,
      height: 4,
      width: 4,
      channels: 1,
      mean: [0.5],
      std: [0.5],
    };
    assert.throws(
      () => init.patchWhitening(images, 5, 1e-3),
      /init\.patchWhitening: kernelSize must be at most the image size 4×4, got 5/,
    );
    assert.throws(
      () => init.patchWhitening(images, 2, 0),
      /init\.patchWhitening: eps must be a finite number > 0, got 0/,
    );
    assert.throws(
      () => init.patchWhitening({ ...images, count: 3 }, 2, 1e-3),
      /pixels must be 3·4·4·1 values, got 32 values/,
    );
    assert.throws(
      () => init.symmetricEigen([1, 2, 3, 4], 2),
      /init\.symmetricEigen: matrix must be symmetric and finite/,
    );
  });

  it('whiteningSample: sorted distinct indices, the same for a seed, others for another seed', () => {
    const a = init.whiteningSample(1000, 50, 3);
    assert.equal(a.length, 50);
    for (let i = 1; i < a.length; i++) assert.ok(a[i]! > a[i - 1]!);
    assert.ok(a[0]! >= 0 && a[49]! < 1000);
    assert.deepEqual(init.whiteningSample(1000, 50, 3), a);
    assert.notDeepEqual(init.whiteningSample(1000, 50, 4), a);
    assert.deepEqual(Array.from(init.whiteningSample(5, 50, 3)), [0, 1, 2, 3, 4]);
  });
});
