// The trainer plug-in of the exponential moving average of weights (regularizers/ema.ts): updated after every step,
// over all model weights including batch-norm statistics (as timm's ModelEmaV2 averages the whole state dict);
// evaluation and the saved model use the averages.
import * as tf from '@tensorflow/tfjs';
import type { TrainPlugin } from '../plugin/index.js';
import { WeightEma } from './ema.js';

export function emaPlugin(opts: { decay: number }): TrainPlugin {
  let ema: WeightEma | undefined;
  let names: string[] = [];
  return {
    name: 'ema',
    beforeFit({ model }) {
      const variables = model.weights.map((w) => w.read() as tf.Variable);
      names = variables.map((v) => v.name);
      ema = new WeightEma(variables, { decay: opts.decay });
    },
    afterStep() {
      ema!.update();
    },
    evaluationWeights() {
      return ema!.averages();
    },
    // Checkpointed by position (`#i`): variable names get suffixes when a process builds several models.
    getState() {
      const [updates, ...shadows] = ema!.getWeights();
      const count = updates.tensor.dataSync()[0];
      updates.tensor.dispose();
      return { json: { updates: count }, tensors: shadows.map((s, i) => ({ name: `#${i}`, tensor: s.tensor })) };
    },
    setState({ json, tensors = [] }) {
      const updates = tf.scalar((json as { updates: number }).updates, 'int32');
      ema!.setWeights([
        { name: 'ema/updates', tensor: updates },
        ...tensors.map((t) => ({ name: `${names[Number(t.name.slice(1))]}/ema`, tensor: t.tensor })),
      ]);
      updates.dispose();
    },
    dispose() {
      ema?.dispose();
    },
  };
}
