// The trainer plug-in of knowledge distillation (Hinton et al. 2015): the step's loss becomes losses.distillation of
// the student's logits against a fixed teacher's, on the same (possibly mixed) batch.
import type * as tf from '@tensorflow/tfjs';
import type { TrainPlugin } from '../plugin/index.js';
import { distillation } from './distillation.js';

export interface DistillationPluginOptions {
  teacher: tf.LayersModel;
  temperature: number;
  alpha: number;
  /** Label smoothing of the hard term (the run's loss.labelSmoothing). */
  labelSmoothing: number;
}

export function distillationPlugin(opts: DistillationPluginOptions): TrainPlugin {
  return {
    name: 'distillation',
    loss({ x, target, logits }) {
      const teacherLogits = opts.teacher.predict(x, { batchSize: Math.max(1, x.shape[0]) }) as tf.Tensor2D;
      return distillation(target, logits, teacherLogits, {
        temperature: opts.temperature,
        alpha: opts.alpha,
        labelSmoothing: opts.labelSmoothing,
      });
    },
    dispose() {
      opts.teacher.dispose();
    },
  };
}
