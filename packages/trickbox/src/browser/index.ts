// Browser-safe parts of trickbox for pages (the demo's in-tab training): no Node built-ins, no DOM.
export {
  trainInTab,
  inTabModel,
  holdOutAccuracy,
  type InTabTrainingOptions,
  type InTabTrainingResult,
  type StepProgress,
} from './train_loop.js';
export {
  encodeSlice,
  decodeSlice,
  SLICE_FORMAT,
  type TrainingSlice,
  type SliceManifest,
  type SliceSplit,
} from './slice.js';
export { registerWasmConv2DBackpropFilter } from './wasm_conv_grad.js';
export type { Preprocessing } from './preprocessing.js';
