// Models (README.md, trick table): tfjs-layers models built on trickbox's fused layers; see registry.ts for names.
export { resnet, resnetFields, type ResNetOptions } from './resnet.js';
export { wideResnet, wideResnetFields, type WideResNetOptions } from './wide_resnet.js';
export { simpleCnn, simpleCnnFields, type SimpleCnnOptions } from './simple_cnn.js';
export {
  speednet,
  speednetFields,
  WHITENING_LAYER,
  type SpeedNetOptions,
  type SpeedNetActivation,
} from './speednet.js';
export { BatchNormAct, type BatchNormActConfig } from './layers/batch_norm_act.js';
export { PadShortcut, type PadShortcutConfig } from './layers/shortcut.js';
export { countParams, type InputShape, type KernelInit, type ModelInputs } from './common.js';
export {
  createModel,
  modelNames,
  modelRegistry,
  registerModel,
  type ModelArgs,
  type ModelBuild,
  type ModelRow,
  type ModelSpec,
} from './registry.js';
export { ConvResidual, type ConvResidualConfig } from './layers/conv_residual.js';
export { fastInference, foldForInference, toStandardLayers, type StandardLayersOptions } from './standard.js';
export { seedSource, drawSeedOnApply, reseedDropout, type SeedSource } from './seeding.js';
