// Per-image augmentation (docs/architecture.md, "Public API"): deterministic ops with torchvision's semantics (`ops`), random transforms
// `(img, rng) => Image`, AutoAugment/RandAugment/TrivialAugment, and normalisation to float tensors.
// Plain TypeScript: no Node built-ins, no tfjs — runs in worker threads and browsers unchanged.
export type { Image, Transform, Fill, SampleInfo } from './image.js';
export { checkImage, makeImage, cloneImage, release } from './image.js';
export { useWasmKernels, wasmKernelsAvailable } from './wasm.js';
export * as ops from './ops.js';
export {
  type RandomTransform,
  type RandomCropOptions,
  type RandomResizedCropOptions,
  type ColorJitterOptions,
  type ColorJitterParams,
  type RandomErasingOptions,
  type EraseParams,
  type EraseFill,
  type CutoutOptions,
  type AutoAugmentParams,
  type OpChoice,
  type SampleTransform,
  ZHONG_MEAN_PIXEL,
  randomCrop,
  randomResizedCrop,
  randomHorizontalFlip,
  alternatingFlip,
  alternatingFlipDecision,
  randomVerticalFlip,
  randomRotation,
  colorJitter,
  randomErasing,
  cutout,
  autoAugment,
  randAugment,
  trivialAugment,
  compose,
} from './transforms.js';
export {
  type AugmentOpName,
  type AutoAugmentPolicyName,
  type PolicyStep,
  type SubPolicy,
  type OpSpace,
  type AugmentationSpace,
  AUTO_AUGMENT_POLICIES,
  standardSpace,
  wideSpace,
  applyOp,
  linspace32,
} from './policies.js';
export { type PcaLightingOptions, IMAGENET_EIGVAL, IMAGENET_EIGVEC, pcaLighting, computePcaLighting } from './pca.js';
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  CIFAR10_MEAN,
  CIFAR10_STD,
  normalize,
  normalizeInto,
  normalizeLuts,
  toFloat,
  toFloatBatch,
} from './normalize.js';
