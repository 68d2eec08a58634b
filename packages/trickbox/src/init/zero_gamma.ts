import * as tf from '@tensorflow/tfjs';
import { argError } from '../check/index.js';

/**
 * Zero-γ (Goyal et al. 2017 §5.1; Bag of Tricks §3.1): set γ = 0 in the last batch norm of each residual block so
 * every block starts as the identity. Takes BN layers (their `gamma` weight is zeroed) and/or γ variables; returns
 * how many were zeroed. Call it after the model is built (the layers' weights must exist).
 */
export function zeroGamma(items: Array<tf.layers.Layer | tf.Variable>): number {
  const fn = 'init.zeroGamma';
  if (!Array.isArray(items)) throw argError(fn, 'items', 'an array of BatchNormalization layers or γ variables', items);
  let n = 0;
  items.forEach((item, i) => {
    if (item instanceof tf.Variable) {
      tf.tidy(() => {
        item.assign(tf.zerosLike(item));
      });
      n++;
      return;
    }
    if (item instanceof tf.layers.Layer) {
      const w = item.weights.find(
        (lw) => /(^|\/)gamma(_\d+)?$/.test(lw.originalName) || /(^|\/)gamma(_\d+)?$/.test(lw.name),
      );
      if (w === undefined)
        throw argError(fn, `items[${i}]`, 'a built BatchNormalization layer with scale (a gamma weight)', item.name);
      tf.tidy(() => {
        w.write(tf.zeros(w.shape as number[]));
      });
      n++;
      return;
    }
    throw argError(fn, `items[${i}]`, 'a BatchNormalization layer or a γ variable', item);
  });
  return n;
}
