import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as init from '../../src/init/index.js';

function stats(t: tf.Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.dataSync();
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  return { mean, std: Math.sqrt(s2 / d.length - mean * mean), min, max };
}

describe('init', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('fans follow tfjs channels-last shapes', () => {
    assert.deepEqual(init.fans([64, 10]), [64, 10]);
    assert.deepEqual(init.fans([3, 3, 16, 32]), [144, 288]);
  });

  it('Glorot uniform: U(±√(6/(fan_in+fan_out))) (Glorot & Bengio 2010 eq. 16)', () => {
    const t = init.glorotUniform({ seed: 1 }).apply([200, 300]);
    const a = Math.sqrt(6 / 500);
    const s = stats(t);
    assert.ok(s.min >= -a && s.max <= a);
    assert.ok(Math.abs(s.std - a / Math.sqrt(3)) / (a / Math.sqrt(3)) < 0.02, `std ${s.std}`);
    t.dispose();
  });

  it('He normal: plain N(0, 2/fan_in) (He et al. 2015 eq. 10), not tfjs truncated normal; fanOut mode', () => {
    const t = init.heNormal({ seed: 2 }).apply([3, 3, 64, 64]);
    const want = Math.sqrt(2 / (9 * 64));
    const s = stats(t);
    assert.ok(Math.abs(s.std - want) / want < 0.03, `std ${s.std} vs ${want}`);
    assert.ok(s.max > 2.5 * want, 'tails beyond 2σ exist (untruncated)');
    const o = init.heNormal({ seed: 3, mode: 'fanOut' }).apply([3, 3, 16, 128]);
    const wantOut = Math.sqrt(2 / (9 * 128));
    assert.ok(Math.abs(stats(o).std - wantOut) / wantOut < 0.03);
    const n = init.glorotNormal({ seed: 4 }).apply([300, 300]);
    assert.ok(Math.abs(stats(n).std - Math.sqrt(2 / 600)) / Math.sqrt(2 / 600) < 0.02);
    tf.dispose([t, o, n]);
  });

  it('seeded initialisers are reproducible; usable as a tfjs layer kernelInitializer', () => {
    const a = init.heUniform({ seed: 9 }).apply([4, 4]);
    const b = init.heUniform({ seed: 9 }).apply([4, 4]);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    const layer = tf.layers.dense({ units: 8, inputShape: [16], kernelInitializer: init.heNormal({ seed: 1 }) as any });
    const m = tf.sequential({ layers: [layer] });
    const k = m.getWeights()[0]!;
    assert.deepEqual(k.shape, [16, 8]);
    assert.ok(stats(k).std > 0);
    tf.dispose([a, b]);
    m.dispose();
  });

  it('zeroGamma zeroes γ of the given BN layers or variables', () => {
    const bn = tf.layers.batchNormalization();
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3] }), bn] });
    const g = tf.variable(tf.ones([5]), true, 'zg_block/bn2/gamma');
    assert.equal(init.zeroGamma([bn, g]), 2);
    const gamma = bn.getWeights()[0]!;
    assert.deepEqual(Array.from(gamma.dataSync()), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(bn.getWeights()[1]!.dataSync()), [0, 0, 0, 0], 'beta untouched (0)');
    assert.deepEqual(Array.from(g.dataSync()), [0, 0, 0, 0, 0]);
    assert.throws(
      () => init.zeroGamma([tf.layers.dense({ units: 2, inputShape: [2] })]),
      /init\.zeroGamma: items\[0\] must be a built BatchNormalization layer/,
    );
    assert.throws(() => init.heNormal({ mode: 'fan' as 'fanIn' }), /init\.heNormal: mode must be 'fanIn' or 'fanOut'/);
    g.dispose();
    m.dispose();
  });
});
