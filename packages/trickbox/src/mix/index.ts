// Batch mixing (docs/architecture.md, "Public API"): mixup, CutMix, RICAP and timm-style mixup/CutMix switching on [B,H,W,C] batches.
export { mixup, type MixupOptions, type MixupResult } from './mixup.js';
export { cutmix, cutmixBox, type CutmixOptions, type CutmixResult, type Box } from './cutmix.js';
export { ricap, type RicapOptions, type RicapResult } from './ricap.js';
export { mixupOrCutmix, type MixupOrCutmixOptions, type MixupOrCutmixResult } from './switch.js';
export type { Mixed, MixCommonOptions } from './common.js';
export { mixers, registerMixer, type MixerBuild } from './registry.js';
export { mixingPlugin, type MixingPluginOptions } from './plugin.js';
