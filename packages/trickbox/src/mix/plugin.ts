// The trainer plug-in of batch mixing: mixup (Zhang et al. 2018), CutMix (Yun et al. 2019) or RICAP (Takahashi et al.
// 2018) applied to each training batch, with the integer labels turned into one-hot probabilities first.
import * as tf from '@tensorflow/tfjs';
import type { TrainPlugin } from '../plugin/index.js';
import { mixers } from './registry.js';

export interface MixingPluginOptions {
  /** A row of the mixer registry (mix/registry.ts). */
  name: string;
  /** Probability that a batch is mixed; unmixed batches still train on one-hot targets. */
  prob: number;
  /** The row's fields (alpha, beta, …). */
  [field: string]: unknown;
}

export function mixingPlugin(opts: MixingPluginOptions): TrainPlugin {
  const mix = mixers.get(opts.name).build(opts);
  let numClasses = 0;
  return {
    name: 'mixing',
    beforeFit(info) {
      numClasses = info.numClasses;
    },
    transformBatch({ x, y }, { rng }) {
      const target = y.rank === 1 ? (tf.oneHot(y as tf.Tensor1D, numClasses).toFloat() as tf.Tensor2D) : y;
      if (opts.prob < 1 && rng.next() >= opts.prob) return { x, y: target };
      const mixed = mix(x, target as tf.Tensor2D, rng);
      return { x: mixed.x as tf.Tensor4D, y: mixed.y };
    },
  };
}
