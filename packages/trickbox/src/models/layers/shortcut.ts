/**
 * The parameter-free "option A" shortcut of the CIFAR ResNets (He et al. 2016, §4.2): subsample by the stride
 * (as x[:, ::s, ::s, :]) and pad the new channels with zeros, split evenly on both sides.
 */
import * as tf from '@tensorflow/tfjs';

export interface PadShortcutConfig {
  stride: number;
  outChannels: number;
  name?: string;
}

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export class PadShortcut extends tf.layers.Layer {
  static className = 'TrickboxPadShortcut';
  readonly stride: number;
  readonly outChannels: number;

  constructor(config: PadShortcutConfig) {
    super(config as LayerArgs);
    this.stride = config.stride;
    this.outChannels = config.outChannels;
  }

  override computeOutputShape(inputShape: tf.Shape): tf.Shape {
    const [b, h, w] = inputShape;
    const sub = (d: number | null) => (d == null ? null : Math.ceil(d / this.stride));
    return [b, sub(h), sub(w), this.outChannels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      // A 1x1 average pool with stride s is exactly the subsampling x[:, ::s, ::s, :].
      const sub = this.stride > 1 ? tf.avgPool(x, 1, this.stride, 'valid') : x;
      const extra = this.outChannels - x.shape[3];
      if (extra <= 0) return sub;
      const before = Math.floor(extra / 2);
      return tf.pad(sub, [
        [0, 0],
        [0, 0],
        [0, 0],
        [before, extra - before],
      ]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), stride: this.stride, outChannels: this.outChannels };
  }
}
tf.serialization.registerClass(PadShortcut);
