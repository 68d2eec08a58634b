// Initialisation (README.md, trick table): Xavier/Glorot and He initialisers, zero-γ for residual blocks.
export {
  TrickboxInitializer,
  glorotUniform,
  glorotNormal,
  heNormal,
  heUniform,
  xavierUniform,
  xavierNormal,
  kaimingNormal,
  kaimingUniform,
  reinitialize,
  fans,
  type InitOptions,
  type LayersInitializer,
} from './initializers.js';
export { zeroGamma } from './zero_gamma.js';
export { DiracInitializer, dirac, setDiracFilters } from './dirac.js';
export { symmetricEigen, type SymmetricEigen } from './eigh.js';
export { patchWhitening, type PatchWhitening } from './whitening.js';
export { whiteningPlugin, whiteningSample, type WhiteningPluginOptions } from './whitening_plugin.js';
