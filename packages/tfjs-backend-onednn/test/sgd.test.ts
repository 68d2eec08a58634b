import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alsoUnderAvx2 } from '../src/testing.js';
import { sgdMomentumUpdate } from '../src/index.js';
import { makeData } from './parity.js';

const p0 = makeData({ shape: [37] }) as Float32Array;

function trajectory(backend: string, nesterov: boolean, weightDecay: number, dampening: number): number[] {
  tf.setBackend(backend);
  const param = tf.variable(tf.tensor(p0.slice()));
  const velocity = tf.variable(tf.zeros([37]));
  for (let step = 0; step < 5; step++) {
    tf.tidy(() => {
      const grad = tf.add(tf.mul(param, 0.5), tf.sin(tf.mul(param, step + 1))); // any deterministic gradient
      sgdMomentumUpdate(param, grad, velocity, { lr: 0.1, momentum: 0.9, nesterov, weightDecay, dampening });
    });
  }
  const out = [...param.dataSync(), ...velocity.dataSync()];
  param.dispose();
  velocity.dispose();
  tf.setBackend('onednn');
  return out;
}

test('native momentum SGD follows the same trajectory as the composite update', () => {
  for (const [nesterov, wd, damp] of [
    [false, 0, 0],
    [true, 5e-4, 0],
    [false, 1e-2, 0.1],
  ] as const) {
    const expected = trajectory('cpu', nesterov, wd, damp);
    const actual = trajectory('onednn', nesterov, wd, damp);
    for (let i = 0; i < expected.length; i++) {
      assert.ok(
        Math.abs(actual[i] - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])),
        `nesterov=${nesterov} wd=${wd} [${i}]`,
      );
    }
  }
});

test('in-place updates never change a tensor that shares the variable buffer, nor an array read by dataSync', () => {
  const initial = tf.tensor([1, 2, 3]);
  const param = tf.variable(initial); // shares its data with `initial`
  const velocity = tf.variable(tf.zeros([3]));
  const grad = tf.ones([3]);
  sgdMomentumUpdate(param, grad, velocity, { lr: 1, momentum: 0 });
  assert.deepEqual(Array.from(initial.dataSync()), [1, 2, 3]);
  const seen = param.dataSync();
  const snapshot = Array.from(seen);
  sgdMomentumUpdate(param, grad, velocity, { lr: 1, momentum: 0 });
  assert.deepEqual(Array.from(seen), snapshot, 'an array handed out by dataSync() stays as it was');
  assert.deepEqual(Array.from(param.dataSync()), [-1, 0, 1]);
  tf.dispose([initial, param, velocity, grad]);
});

test('momentum SGD keeps the tensor count flat over 1,000 steps', () => {
  const param = tf.variable(tf.randomNormal([64]));
  const velocity = tf.variable(tf.zeros([64]));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 1000; i++) {
    tf.tidy(() => sgdMomentumUpdate(param, tf.mul(param, 0.1), velocity, { lr: 0.01, momentum: 0.9 }));
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([param, velocity]);
});

alsoUnderAvx2(import.meta.url);
