// The trainer plug-in of batch mixing: mixup (Zhang et al. 2018), CutMix (Yun et al. 2019) or RICAP (Takahashi et al.
// 2018) applied to each training batch, with the integer labels turned into one-hot probabilities first.
import * as tf from '@tensorflow/tfjs';
import type { TrainPlugin } from '../plugin/index.js';
import { cutmix } from './cutmix.js';
import { mixup } from './mixup.js';
import { ricap } from './ricap.js';

export interface MixingPluginOptions {
  name: 'mixup' | 'cutmix' | 'ricap';
  /** Beta(α, α) of mixup and CutMix. */
  alpha: number;
  /** Beta(β, β) of RICAP's boundary. */
  beta: number;
  /** Probability that a batch is mixed; unmixed batches still train on one-hot targets. */
  prob: number;
}

export function mixingPlugin(opts: MixingPluginOptions): TrainPlugin {
  let numClasses = 0;
  return {
    name: 'mixing',
    beforeFit(info) {
      numClasses = info.numClasses;
    },
    transformBatch({ x, y }, { rng }) {
      const target = y.rank === 1 ? (tf.oneHot(y as tf.Tensor1D, numClasses).toFloat() as tf.Tensor2D) : y;
      if (opts.prob < 1 && rng.next() >= opts.prob) return { x, y: target };
      const mixed =
        opts.name === 'ricap'
          ? ricap(x, target, { beta: opts.beta, rng })
          : (opts.name === 'mixup' ? mixup : cutmix)(x, target, { alpha: opts.alpha, rng });
      return { x: mixed.x as tf.Tensor4D, y: mixed.y };
    },
  };
}
