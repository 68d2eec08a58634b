// Child process of determinism.test.ts: loads the backend the CLI would (TFJS_ONEDNN_THREADS is read by the addon at
// load time, hence a process per thread count), trains a recipe for N steps `runs` times in this process, and prints
// one JSON line per run: backend, threads, per-step losses and the weights after the last step.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { initBackend } from '../../src/cli/backend.js';
import { loadRecipe, train } from '../../src/train/index.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';

const [recipeFile, outBase, stepsArg, runsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const backend = await initBackend(() => undefined);
for (let k = 0; k < Number(runsArg); k++) {
  const losses: number[] = [];
  const res = await train({
    recipe: loadRecipe(recipeFile),
    runDir: `${outBase}-${k}`,
    stopAtStep: steps,
    log: () => undefined,
    callbacks: [{ onStepEnd: (s) => void losses.push(s.loss) }],
  });
  const ck = decodeCheckpoint(res.checkpoint!, readFileSync(res.checkpoint!));
  const model = [...ck.tensors.values()].filter((t) => t.entry.group === 'model');
  const bytes = Buffer.concat(model.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
  process.stdout.write(
    JSON.stringify({
      backend,
      threads: process.env.TFJS_ONEDNN_THREADS ?? '',
      step: res.step,
      losses,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      weights: bytes.toString('base64'),
    }) + '\n',
  );
}
