import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel, modelNames, reseedDropout, seedSource } from '../../src/models/index.js';
import { Rng } from '../../src/rng/index.js';

/** The reference: tfjs's own seeding, with Math.random drawing from new Rng(seed) while `fn` runs (test only). */
function withMathRandomFrom<T>(seed: number, fn: () => T): T {
  const rng = new Rng(seed);
  const saved = Math.random;
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = saved;
  }
}

const small = { inputShape: [12, 12, 3] as [number, number, number], numClasses: 4 };

test('a seed gives every registered model the weights tfjs draws with Math.random from the same Rng', () => {
  for (const name of modelNames()) {
    if (/wrn_28_10|wide_resnet|wideResnet|resnet110|preact/.test(name)) continue; // large; same code paths as the ones below
    for (const seed of [0, 7]) {
      const reference = withMathRandomFrom(seed, () => createModel({ name, ...small, dropout: 0.1 }));
      const seeded = createModel({ name, ...small, dropout: 0.1, seed });
      const a = reference.getWeights();
      const b = seeded.getWeights();
      assert.equal(a.length, b.length, name);
      a.forEach((w, i) =>
        assert.deepEqual(w.dataSync(), b[i].dataSync(), `${name} seed ${seed}: weight ${reference.weights[i].name}`),
      );
      const other = createModel({ name, ...small, dropout: 0.1, seed: seed + 1 });
      // (not only the first weight: speednet's is its frozen stem's zero bias)
      const differs = other.getWeights().some((w, i) => w.dataSync().some((v, j) => v !== a[i].dataSync()[j]));
      assert.ok(differs, `${name}: another seed, other weights`);
      [reference, seeded, other].forEach((m) => m.dispose());
    }
  }
});

test('reseedDropout gives the dropout masks of Math.random drawing from the same Rng, and leaves Math.random alone', () => {
  const model = createModel({ name: 'wrn_16_4', ...small, dropout: 0.3, seed: 1 });
  const x = tf.randomNormal([2, 12, 12, 3], 0, 1, 'float32', 5);
  const reference = withMathRandomFrom(42, () => model.apply(x, { training: true }) as tf.Tensor);
  const before = Math.random;
  reseedDropout(model, seedSource(42)!);
  const seeded = model.apply(x, { training: true }) as tf.Tensor;
  assert.equal(Math.random, before);
  assert.deepEqual(seeded.dataSync(), reference.dataSync());
  reseedDropout(model, seedSource(43)!);
  const other = model.apply(x, { training: true }) as tf.Tensor;
  assert.notDeepEqual(other.dataSync(), reference.dataSync());
  tf.dispose([x, reference, seeded, other]);
  model.dispose();
});
