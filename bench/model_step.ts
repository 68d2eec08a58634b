// Median training-step time of a registered model on 'onednn' (trickbox's step: forward, cross-entropy, gradients of
// the trainable weights, SGD), to compare speednet's variants with ResNet-20 in one process, taking turns.
//   node --import tsx bench/model_step.ts [--shape 28x28x1] [--batch 128] [--steps 20] [--rounds 3]
//     --model resnet20 --model speednet:widths=32,64,128 --model speednet:widths=64,256,256,activation=gelu
// Each `--model name[:key=value,...]` is built with those options (lists as comma-separated numbers: widths=64,128
// is one option because every value after the first without '=' joins the previous key). Each round times --steps
// steps of every model in turn after 3 untimed ones; the median over all timed steps is printed.
// Environment: TFJS_ONEDNN_THREADS, GOMP_SPINCOUNT (see docs/backend.md).
import * as tf from '@tensorflow/tfjs';
import 'tfjs-backend-onednn';
import { loadNative } from '../packages/tfjs-backend-onednn/src/native.js';
import { createModel } from '../packages/trickbox/src/models/index.js';
import * as optim from '../packages/trickbox/src/optim/index.js';
import * as losses from '../packages/trickbox/src/losses/index.js';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: '28x28x1' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    model: { type: 'string', multiple: true, default: ['resnet20', 'speednet'] },
  },
});
loadNative();
await tf.setBackend('onednn');
const [h, w, c] = values.shape!.split('x').map(Number);
const batch = Number(values.batch);

/** `speednet:widths=32,64,128,activation=gelu` → ['speednet', { widths: [32, 64, 128], activation: 'gelu' }]. */
function parseSpec(spec: string): [string, Record<string, unknown>] {
  const [name, rest = ''] = spec.split(':');
  const options: Record<string, unknown> = {};
  let key = '';
  for (const part of rest.split(',').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const value = eq >= 0 ? part.slice(eq + 1) : part;
    const parsed =
      value === 'true' || value === 'false' ? value === 'true' : Number.isNaN(Number(value)) ? value : Number(value);
    if (eq >= 0) {
      key = part.slice(0, eq);
      options[key] = parsed;
    } else options[key] = [...(Array.isArray(options[key]) ? (options[key] as unknown[]) : [options[key]]), parsed];
  }
  if (Array.isArray(options.widths) === false && typeof options.widths === 'number') options.widths = [options.widths];
  return [name!, options];
}

const x = tf.randomNormal([batch, h, w, c]);
const labels = tf.randomUniform([batch], 0, 10, 'int32');
const contenders = values.model!.map((spec) => {
  const [name, options] = parseSpec(spec);
  const model = createModel({ name, inputShape: [h, w, c], numClasses: 10, seed: 0, ...options });
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const opt = optim.sgd({ lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const step = () => {
    const loss = opt.minimize(
      () => losses.crossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
      true,
      vars,
    )!;
    loss.dataSync();
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) step();
  return { spec, step, times: [] as number[] };
});
for (let r = 0; r < Number(values.rounds); r++)
  for (const m of contenders)
    for (let i = 0; i < Number(values.steps); i++) {
      const t0 = performance.now();
      m.step();
      m.times.push(performance.now() - t0);
    }
for (const m of contenders) {
  const ms = median(m.times);
  console.log(
    `${m.spec.padEnd(48)} [${h},${w},${c}] batch ${batch}: median ${ms.toFixed(1)} ms/step, ${((batch / ms) * 1000).toFixed(0)} img/s (best ${Math.min(...m.times).toFixed(1)} ms)`,
  );
}
