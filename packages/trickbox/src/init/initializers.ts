import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';

/** (fan_in, fan_out) of a weight shape, channels-last as tfjs: dense [in, out]; conv [kh, kw, (kd,) in, out]. */
export function fans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  if (shape.length >= 3 && shape.length <= 5) {
    const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return [shape[shape.length - 2]! * rf, shape[shape.length - 1]! * rf];
  }
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  throw new RangeError(`init.fans: shape must have rank 1 to 5, got [${shape}]`);
}

/** tfjs-layers' `Initializer` type and class (the class is not exported by name; `Zeros` extends it). */
export type LayersInitializer = ReturnType<typeof tf.initializers.ones>;
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as new () => LayersInitializer;

type Kind = 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform';

export interface InitOptions {
  /** Seed for reproducible draws; each call of `apply` uses seed + call index. */
  seed?: number;
  /** Gain (default 1 for Glorot; He uses √2 built in). */
  gain?: number;
  /** He: 'fanIn' (He et al. 2015 eq. 10, forward; default) or 'fanOut' (eq. 14, backward; torchvision ResNet). */
  mode?: 'fanIn' | 'fanOut';
}

/**
 * Xavier/Glorot and He/Kaiming initialisers with the papers' plain (untruncated) distributions, as torch.nn.init
 * (tfjs's own `heNormal`/`glorotNormal` draw a truncated normal without variance correction, std ≈ 0.88× the
 * paper's). Usable as `kernelInitializer` of tfjs layers.
 */
export class TrickboxInitializer extends InitializerBase {
  static get className(): string {
    return 'trickbox.Initializer';
  }
  private calls = 0;
  constructor(
    readonly kind: Kind,
    readonly options: InitOptions = {},
  ) {
    super();
    const fn = `init.${kind}`;
    if (options.seed !== undefined) checkNumber(fn, 'seed', options.seed, { integer: true });
    if (options.gain !== undefined) checkNumber(fn, 'gain', options.gain, { min: 0, minOpen: true });
    if (options.mode !== undefined && options.mode !== 'fanIn' && options.mode !== 'fanOut')
      throw argError(fn, 'mode', "'fanIn' or 'fanOut'", options.mode);
  }

  /** Standard deviation (normal) or limit (uniform) for a shape. */
  scaleFor(shape: number[]): number {
    const [fi, fo] = fans(shape);
    const gain = this.options.gain ?? 1;
    switch (this.kind) {
      case 'glorotUniform':
        return gain * Math.sqrt(6 / (fi + fo)); // Glorot & Bengio 2010 eq. 16: U[-√6/√(n_in+n_out), +…]
      case 'glorotNormal':
        return gain * Math.sqrt(2 / (fi + fo)); // Var = 2/(n_in + n_out), Glorot & Bengio 2010 eq. 12
      case 'heNormal':
        return gain * Math.sqrt(2 / (this.options.mode === 'fanOut' ? fo : fi)); // He et al. 2015 eq. 10 / 14
      case 'heUniform':
        return gain * Math.sqrt(6 / (this.options.mode === 'fanOut' ? fo : fi)); // same variance, uniform
    }
  }

  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    const s = this.scaleFor(shape);
    const seed = this.options.seed === undefined ? undefined : this.options.seed + this.calls;
    this.calls++;
    const dt = (dtype ?? 'float32') as 'float32';
    return this.kind === 'glorotUniform' || this.kind === 'heUniform'
      ? tf.randomUniform(shape, -s, s, dt, seed)
      : tf.randomNormal(shape, 0, s, dt, seed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { kind: this.kind, ...(this.options as tf.serialization.ConfigDict) };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { kind, ...rest } = config;
    return new (cls as any)(kind, rest) as T;
  }
}
tf.serialization.registerClass(
  TrickboxInitializer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** Xavier uniform (Glorot & Bengio 2010; the seed's reference [12]). */
export const glorotUniform = (o: InitOptions = {}) => new TrickboxInitializer('glorotUniform', o);
/** Xavier normal (torch `xavier_normal_`). */
export const glorotNormal = (o: InitOptions = {}) => new TrickboxInitializer('glorotNormal', o);
/** He normal (He et al. 2015, "Delving Deep into Rectifiers", §2.2). */
export const heNormal = (o: InitOptions = {}) => new TrickboxInitializer('heNormal', o);
/** He uniform (torch `kaiming_uniform_` with a = 0). */
export const heUniform = (o: InitOptions = {}) => new TrickboxInitializer('heUniform', o);
/** Aliases by the other common names. */
export const xavierUniform = glorotUniform;
export const xavierNormal = glorotNormal;
export const kaimingNormal = heNormal;
export const kaimingUniform = heUniform;

/** Re-initialises existing variables in place with an initialiser. */
export function reinitialize(variables: tf.Variable[], initializer: LayersInitializer): void {
  for (const v of variables) tf.tidy(() => v.assign(initializer.apply(v.shape, v.dtype)));
}
