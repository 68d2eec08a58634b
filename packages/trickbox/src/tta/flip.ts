// Test-time augmentation by horizontal flip (Krizhevsky et al. 2012 §4.1): the prediction is the mean of the image's
// and its mirror image's softmax.
import * as tf from '@tensorflow/tfjs';
import type { TrainPlugin } from '../plugin/index.js';

export function flipTtaPlugin(): TrainPlugin {
  return {
    name: 'flipTta',
    // mirror = reverse the width axis of NHWC
    inference: (x, next) => tf.mul(tf.add(next(x), next(tf.reverse(x, 2))), 0.5) as tf.Tensor2D,
  };
}
