/**
 * Rebuilds a trickbox model with tfjs-layers' built-in layers only, with the same weights, so that a browser (or any
 * tfjs user) loads it with `tf.loadLayersModel` and no trickbox code: BatchNormAct becomes BatchNormalization
 * (+ Add) (+ ReLU); the option-A shortcut becomes a fixed 1x1 strided convolution that copies each channel into the
 * padded position (exactly the same function).
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormAct } from './layers/batch_norm_act.js';
import { PadShortcut } from './layers/shortcut.js';
import { ConvResidual } from './layers/conv_residual.js';
import { PlainConv2D } from './layers/plain_conv.js';

type Sym = tf.SymbolicTensor;

function inputsOf(layer: tf.layers.Layer): Sym[] {
  const input = layer.input as Sym | Sym[];
  return Array.isArray(input) ? input : [input];
}

export interface StandardLayersOptions {
  /**
   * Fold each batch norm into the convolution before it (W' = W·a, b' = β - μ·a with a = γ/sqrt(σ² + ε)) and fuse its
   * ReLU into the convolution, for inference: one FusedConv2D kernel instead of conv + BN + ReLU. The model is then
   * inference-only (no BN statistics left). Default false.
   */
  foldBatchNorm?: boolean;
}

interface RebuildOptions extends StandardLayersOptions {
  /** With foldBatchNorm: a folded conv whose BN adds a residual becomes one ConvResidual layer (trickbox's). */
  fuseResidual?: boolean;
}

/** Inference model: BN folded into convolutions, conv + bias + ReLU fused (see `toStandardLayers`). */
export function foldForInference(model: tf.LayersModel): tf.LayersModel {
  return rebuild(model, { foldBatchNorm: true });
}

/**
 * The fastest inference form: as `foldForInference`, and in each residual block the last convolution, the shortcut
 * add and the ReLU are one `ConvResidual` layer (one oneDNN primitive on 'onednn'). Loading it needs trickbox's
 * layers; for a browser export use `foldForInference`, which has the same outputs with standard layers.
 */
export function fastInference(model: tf.LayersModel): tf.LayersModel {
  return rebuild(model, { foldBatchNorm: true, fuseResidual: true });
}

/** Square kernel and strides, no dilation: what ConvResidual takes. */
function convResidualConfig(
  conv: tf.layers.Layer,
  relu: boolean,
): ConstructorParameters<typeof ConvResidual>[0] | null {
  const c = conv.getConfig() as {
    filters: number;
    kernelSize: number | number[];
    strides: number | number[];
    dilationRate: number | number[];
    padding: string;
  };
  const square = (v: number | number[]): number | null =>
    typeof v === 'number' ? v : v.every((e) => e === v[0]) ? v[0] : null;
  const kernelSize = square(c.kernelSize);
  const strides = square(c.strides);
  if (kernelSize === null || strides === null || square(c.dilationRate ?? 1) !== 1) return null;
  if (c.padding !== 'same' && c.padding !== 'valid') return null;
  return { filters: c.filters, kernelSize, strides, padding: c.padding, relu, name: conv.name };
}

/** tfjs-layers' Conv2D or trickbox's PlainConv2D (the same layer with a cheaper gradient). */
function isConv2D(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === 'Conv2D' || layer instanceof PlainConv2D;
}

/** The conv layer feeding `bn` when it can absorb it: a bias-free, linear Conv2D whose output only `bn` reads. */
function foldableConv(bn: BatchNormAct): tf.layers.Layer | null {
  const source = (inputsOf(bn)[0] as Sym).sourceLayer as tf.layers.Layer;
  if (!isConv2D(source)) return null;
  const config = source.getConfig();
  if (config.useBias || (config.activation !== 'linear' && config.activation != null)) return null;
  if (source.outboundNodes.length !== 1) return null;
  return source;
}

/**
 * Copies a layer's weights by name: a layer with a frozen variable (speednet's whitening kernel) lists its weights
 * trainable first, in another order than the copy, whose variables are all trainable.
 */
function copyWeightsByName(from: tf.layers.Layer, to: tf.layers.Layer): void {
  const byName = new Map(from.weights.map((w) => [w.originalName, w.read()]));
  to.setWeights(
    to.weights.map((w) => {
      const t = byName.get(w.originalName);
      if (!t) throw new Error(`models.toStandardLayers: layer ${from.name} has no weight ${w.originalName}`);
      return t;
    }),
  );
}

export function toStandardLayers(model: tf.LayersModel, options: StandardLayersOptions = {}): tf.LayersModel {
  return rebuild(model, { foldBatchNorm: options.foldBatchNorm });
}

function rebuild(model: tf.LayersModel, options: RebuildOptions): tf.LayersModel {
  const mapped = new Map<string, Sym>();
  const weightCopies: Array<() => void> = [];
  const get = (t: Sym): Sym => {
    const m = mapped.get(t.name);
    if (!m) throw new Error(`models.toStandardLayers: tensor ${t.name} used before it was built`);
    return m;
  };
  // The model's inputs first: a Sequential model does not list its InputLayer among `layers`.
  const newInputs: Sym[] = model.inputs.map((old) => {
    const input = tf.input({ shape: (old.shape as number[]).slice(1), name: old.sourceLayer.name });
    mapped.set(old.name, input);
    return input;
  });
  for (const layer of model.layers) {
    const output = layer.output as Sym;
    if (layer.getClassName() === 'InputLayer') continue;
    if (Array.isArray(layer.output))
      throw new Error(`models.toStandardLayers: layer ${layer.name} has several outputs`);
    if (options.foldBatchNorm && isConv2D(layer)) {
      const consumer = layer.outboundNodes.length === 1 ? layer.outboundNodes[0].outboundLayer : null;
      if (consumer instanceof BatchNormAct && foldableConv(consumer) === layer) {
        // Built together with its batch norm below.
        continue;
      }
    }
    if (options.foldBatchNorm && layer instanceof BatchNormAct && foldableConv(layer)) {
      const convOld = foldableConv(layer)!;
      const convIn = inputsOf(convOld).map(get)[0];
      const residual = inputsOf(layer).length > 1 ? get(inputsOf(layer)[1]) : null;
      const residualConfig = residual && options.fuseResidual ? convResidualConfig(convOld, layer.relu) : null;
      const fused = residualConfig
        ? new ConvResidual(residualConfig)
        : tf.layers.conv2d({
            ...(convOld.getConfig() as object),
            useBias: true,
            activation: layer.relu && !residual ? 'relu' : 'linear',
            name: convOld.name,
          } as Parameters<typeof tf.layers.conv2d>[0]);
      let y = (residualConfig ? fused.apply([convIn, residual!]) : fused.apply(convIn)) as Sym;
      if (residual && !residualConfig) {
        y = tf.layers.add({ name: `${layer.name}_add` }).apply([y, residual]) as Sym;
        if (layer.relu) y = tf.layers.reLU({ name: `${layer.name}_relu` }).apply(y) as Sym;
      }
      mapped.set(output.name, y);
      weightCopies.push(() => {
        const [gamma, beta, mean, variance] = layer.getWeights();
        const [kernel] = convOld.getWeights();
        const folded = tf.tidy(() => {
          const a = tf.mul(gamma, tf.rsqrt(tf.add(variance, layer.epsilon)));
          return [tf.mul(kernel, a), tf.sub(beta, tf.mul(mean, a))];
        });
        fused.setWeights(folded);
        tf.dispose(folded);
      });
      continue;
    }
    const ins = inputsOf(layer).map(get);
    if (layer instanceof BatchNormAct) {
      const bnLayer = tf.layers.batchNormalization({
        axis: -1,
        momentum: 1 - layer.momentum, // Keras keeps this fraction of the running average
        epsilon: layer.epsilon,
        name: layer.name,
      });
      let y = bnLayer.apply(ins[0]) as Sym;
      weightCopies.push(() => bnLayer.setWeights(layer.getWeights()));
      if (ins.length > 1) y = tf.layers.add({ name: `${layer.name}_add` }).apply([y, ins[1]]) as Sym;
      if (layer.relu) y = tf.layers.reLU({ name: `${layer.name}_relu` }).apply(y) as Sym;
      mapped.set(output.name, y);
      continue;
    }
    if (layer instanceof PadShortcut) {
      const inChannels = ins[0].shape[3] as number;
      const convLayer = tf.layers.conv2d({
        filters: layer.outChannels,
        kernelSize: 1,
        strides: layer.stride,
        padding: 'same',
        useBias: false,
        trainable: false,
        name: layer.name,
      });
      mapped.set(output.name, convLayer.apply(ins[0]) as Sym);
      weightCopies.push(() => {
        const before = Math.floor((layer.outChannels - inChannels) / 2);
        const w = tf.buffer([1, 1, inChannels, layer.outChannels]);
        for (let c = 0; c < inChannels; c++) w.set(1, 0, 0, c, c + before);
        convLayer.setWeights([w.toTensor()]);
      });
      continue;
    }
    const ctor = layer.constructor as new (config: tf.serialization.ConfigDict) => tf.layers.Layer;
    const copy =
      layer instanceof PlainConv2D
        ? tf.layers.conv2d(layer.getConfig() as unknown as Parameters<typeof tf.layers.conv2d>[0])
        : new ctor(layer.getConfig());
    mapped.set(output.name, copy.apply(ins.length === 1 ? ins[0] : ins) as Sym);
    weightCopies.push(() => copyWeightsByName(layer, copy));
  }
  const outputs = (Array.isArray(model.output) ? model.output : [model.output]).map(get);
  const standard = tf.model({
    inputs: newInputs,
    outputs: outputs.length === 1 ? outputs[0] : outputs,
    name: model.name,
  });
  for (const copyWeights of weightCopies) copyWeights();
  return standard;
}
