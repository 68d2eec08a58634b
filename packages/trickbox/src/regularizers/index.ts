// Regularisers (README.md, trick table): L1/L2 penalties, early stopping (pure state machine), EMA of weights.
// Dropout and batch norm are tfjs layers (tf.layers.dropout, tf.layers.batchNormalization).
export { penalty, l1, l2, type PenaltyOptions } from './penalty.js';
export {
  EarlyStopping,
  EARLY_STOPPING_DEFAULT_PATIENCE,
  earlyStoppingStep,
  initialEarlyStoppingState,
  resolveEarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
  type EarlyStoppingDecision,
} from './early_stopping.js';
export { WeightEma, EMA_DEFAULT_DECAY, type EmaOptions } from './ema.js';
export { lookaheadPlugin, lookaheadDecay, LOOKAHEAD_DEFAULTS, type LookaheadOptions } from './lookahead_plugin.js';
