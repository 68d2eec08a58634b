// Public API of trickbox (docs/architecture.md, "Public API"). Each area is a namespace; see the area's index for what it holds.
export * as augment from './augment/index.js';
export * as schedules from './schedules/index.js';
export * as losses from './losses/index.js';
export * as mix from './mix/index.js';
export * as optim from './optim/index.js';
export * as regularizers from './regularizers/index.js';
export * as init from './init/index.js';
export * as models from './models/index.js';
export * as data from './data/index.js';
export * as train from './train/index.js';
export * as report from './report/index.js';
export { Rng } from './rng/index.js';
