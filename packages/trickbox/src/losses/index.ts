// Losses (docs/architecture.md, "Public API"): cross-entropy with label smoothing and soft targets, knowledge distillation.
export { crossEntropy, targetDistribution, type CrossEntropyOptions } from './cross_entropy.js';
export { distillation, type DistillationOptions } from './distillation.js';
export { smoothLabels, markSmoothed, isSmoothed } from './smoothing.js';
