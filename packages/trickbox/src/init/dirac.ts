import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import type { LayersInitializer } from './initializers.js';

const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as new () => LayersInitializer;

/** [kh, kw, in, out] of a 2-D convolution kernel (tfjs layout); `fn` names the caller in the error. */
function kernelShape(fn: string, shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0))
    throw argError(fn, 'shape', 'a 2-D convolution kernel [kh, kw, in, out]', [...shape]);
  return shape as [number, number, number, number];
}

/**
 * The filters Dirac initialisation sets and the element of each that is 1, in HWIO order: for group g and
 * d < min(out/groups, in), filter g·out/groups + d passes input channel d through at the kernel's centre
 * (⌊kh/2⌋, ⌊kw/2⌋), as torch.nn.init.dirac_ does.
 */
function diracTaps(fn: string, shape: readonly number[], groups: number): Array<{ filter: number; index: number }> {
  const [kh, kw, inC, outC] = kernelShape(fn, shape);
  checkNumber(fn, 'groups', groups, { integer: true, min: 1 });
  if (outC % groups !== 0) throw argError(fn, 'groups', `a divisor of the ${outC} output channels`, groups);
  const perGroup = outC / groups;
  const centre = (Math.floor(kh / 2) * kw + Math.floor(kw / 2)) * inC * outC;
  const taps: Array<{ filter: number; index: number }> = [];
  for (let g = 0; g < groups; g++)
    for (let d = 0; d < Math.min(perGroup, inC); d++) {
      const filter = g * perGroup + d;
      taps.push({ filter, index: centre + d * outC + filter });
    }
  return taps;
}

/**
 * Dirac (identity) initialisation of a convolution kernel, torch.nn.init.dirac_: every element 0 except, for each
 * of `groups` groups of output filters, filter d of the group passes input channel d through unchanged at the
 * kernel's centre, so a same-padded convolution starts as the identity on the first channels. A tfjs initializer
 * (`kernelInitializer`); shapes are tfjs's [kh, kw, in, out].
 */
export class DiracInitializer extends InitializerBase {
  static get className(): string {
    return 'trickbox.Dirac';
  }
  readonly groups: number;
  constructor(options: { groups?: number } = {}) {
    super();
    this.groups = checkNumber('init.dirac', 'groups', options.groups ?? 1, { integer: true, min: 1 });
  }

  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (const { index } of diracTaps('init.dirac', shape, this.groups)) values[index] = 1;
    return tf.tensor(values, shape, (dtype ?? 'float32') as 'float32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { groups: this.groups };
  }
}
tf.serialization.registerClass(
  DiracInitializer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** torch.nn.init.dirac_ as a tfjs initializer. */
export const dirac = (options: { groups?: number } = {}) => new DiracInitializer(options);

/**
 * Sets the first min(in, out) filters of a convolution kernel variable to the identity (torch's `dirac_(w[:in])`,
 * as airbench initialises its convolutions) and leaves the other filters as they are, in place. Returns how many
 * filters it set.
 */
export function setDiracFilters(kernel: tf.LayerVariable): number {
  const fn = 'init.setDiracFilters';
  const shape = kernelShape(fn, kernel.shape as number[]);
  const [, , inC, outC] = shape;
  const taps = diracTaps(fn, shape, 1);
  const values = kernel.read().dataSync().slice() as Float32Array;
  const set = Math.min(inC, outC);
  for (let i = 0; i < values.length; i++) if (i % outC < set) values[i] = 0;
  for (const { index } of taps) values[index] = 1;
  tf.tidy(() => {
    kernel.write(tf.tensor(values, shape));
  });
  return set;
}
