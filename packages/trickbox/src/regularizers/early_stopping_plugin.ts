// The trainer plug-in of early stopping (regularizers/early_stopping.ts) on a validation metric: it stops training
// after `patience` epochs without improvement and, with `restoreBest`, makes the saved model the best epoch's weights
// (model selection on the validation split; the test set never chooses).
import * as tf from '@tensorflow/tfjs';
import type { SelectedWeights, TrainPlugin } from '../plugin/index.js';
import { EarlyStopping, type EarlyStoppingState } from './early_stopping.js';

export interface EarlyStoppingPluginOptions {
  patience: number;
  minDelta: number;
  metric: 'valAccuracy' | 'valLoss';
  restoreBest: boolean;
}

export function earlyStoppingPlugin(opts: EarlyStoppingPluginOptions): TrainPlugin {
  const rule = new EarlyStopping({
    patience: opts.patience,
    minDelta: opts.minDelta,
    mode: opts.metric === 'valAccuracy' ? 'max' : 'min',
    restoreBest: opts.restoreBest,
  });
  let best: SelectedWeights | undefined;
  const keep = (weights: tf.Tensor[], epoch: number): void => {
    if (best) tf.dispose(best.weights);
    best = { weights: weights.map((w) => w.clone()), epoch, reason: `best ${opts.metric} (early stopping)` };
  };
  return {
    name: 'earlyStopping',
    afterEpoch(m, control) {
      const value = opts.metric === 'valAccuracy' ? m.valTop1 : m.valLoss;
      if (value === undefined) throw new Error(`early stopping on ${opts.metric} needs a validation split`);
      const d = rule.update(value);
      if (d.improved && opts.restoreBest) keep(control.evaluatedWeights(), m.epoch);
      if (d.stop) {
        const bestEpoch = m.epoch - d.state.wait;
        control.stop(
          `early stopping after epoch ${m.epoch}: no improvement of ${opts.metric} for ${opts.patience} epochs (best at epoch ${bestEpoch})`,
        );
      }
    },
    selectedWeights() {
      return best;
    },
    getState() {
      return {
        json: { rule: rule.getState(), bestEpoch: best?.epoch ?? null },
        tensors: best?.weights.map((tensor, i) => ({ name: `#${i}`, tensor })) ?? [],
      };
    },
    setState({ json, tensors = [] }) {
      const s = json as { rule: EarlyStoppingState; bestEpoch: number | null };
      rule.setState(s.rule);
      if (s.bestEpoch !== null && tensors.length > 0)
        keep(
          tensors.map((t) => t.tensor),
          s.bestEpoch,
        );
    },
    dispose() {
      if (best) tf.dispose(best.weights);
    },
  };
}
