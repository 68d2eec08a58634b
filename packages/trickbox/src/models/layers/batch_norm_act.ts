/**
 * Batch norm + optional residual add + optional ReLU as one tfjs-layers layer, built on the fused training op of
 * `tfjs-backend-onednn` (native on 'onednn', composed from tfjs ops elsewhere). Inputs: x, or [x, residual].
 * Weights are those of a Keras/tfjs BatchNormalization (gamma, beta, moving_mean, moving_variance), so an exported
 * model can use the standard layer with the same weights.
 * Momentum follows PyTorch (weight of the batch statistics, default 0.1); ε defaults to PyTorch's 1e-5.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../../check/index.js';
import { batchNormTrain } from 'tfjs-backend-onednn/ops';

export interface BatchNormActConfig {
  relu?: boolean;
  momentum?: number;
  epsilon?: number;
  /** 'zeros' gives zero-γ (Goyal et al. 2017 §5.1; Bag of Tricks §3.1). */
  gammaInitializer?: 'ones' | 'zeros';
  name?: string;
  trainable?: boolean;
}

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export class BatchNormAct extends tf.layers.Layer {
  static className = 'TrickboxBatchNormAct';
  readonly relu: boolean;
  readonly momentum: number;
  readonly epsilon: number;
  readonly gammaInitializer: 'ones' | 'zeros';
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(config: BatchNormActConfig = {}) {
    super(config as LayerArgs);
    this.relu = config.relu ?? false;
    this.momentum = config.momentum ?? 0.1;
    this.epsilon = config.epsilon ?? 1e-5;
    this.gammaInitializer = config.gammaInitializer ?? 'ones';
    checkNumber('BatchNormAct', 'momentum', this.momentum, { min: 0, max: 1, range: 'in [0, 1] (PyTorch convention)' });
    checkNumber('BatchNormAct', 'epsilon', this.epsilon, { min: 0, minOpen: true, range: '> 0' });
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[shape.length - 1];
    if (c == null) throw new Error(`BatchNormAct: the channel dimension must be known, got shape [${shape}]`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers[this.gammaInitializer]());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const [x, residual] = list;
    if (kwargs.training) {
      return batchNormTrain(
        x,
        this.gamma.read(),
        this.beta.read(),
        this.movingMean.read() as tf.Variable,
        this.movingVariance.read() as tf.Variable,
        { relu: this.relu, residual, momentum: this.momentum, epsilon: this.epsilon },
      );
    }
    return tf.tidy(() => {
      // Inference: y = x·a + b with a = γ/sqrt(var + ε), b = β - mean·a.
      const a = tf.mul(this.gamma.read(), tf.rsqrt(tf.add(this.movingVariance.read(), this.epsilon)));
      const b = tf.sub(this.beta.read(), tf.mul(this.movingMean.read(), a));
      let y = tf.add(tf.mul(x, a), b);
      if (residual) y = tf.add(y, residual);
      return this.relu ? tf.relu(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      relu: this.relu,
      momentum: this.momentum,
      epsilon: this.epsilon,
      gammaInitializer: this.gammaInitializer,
    };
  }
}
tf.serialization.registerClass(BatchNormAct);
