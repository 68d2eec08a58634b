// Trains a recipe for N steps `runs` times in this process and returns, per run, the backend, thread setting,
// per-step losses and the weights after the last step. Run as a script (a child process of determinism.test.ts, since
// TFJS_ONEDNN_THREADS is read when the addon loads) it prints one JSON line per run.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/cli/backend.js';
import { loadRecipe, train } from '../../src/train/index.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';

export interface DeterminismRun {
  backend: string;
  threads: string;
  step: number;
  losses: number[];
  sha256: string;
  weights: string;
}

export async function determinismRuns(
  recipeFile: string,
  outBase: string,
  steps: number,
  runs: number,
): Promise<DeterminismRun[]> {
  const backend = await initBackend(() => undefined);
  const out: DeterminismRun[] = [];
  for (let k = 0; k < runs; k++) {
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
    out.push({
      backend,
      threads: process.env.TFJS_ONEDNN_THREADS ?? '',
      step: res.step,
      losses,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      weights: bytes.toString('base64'),
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [recipeFile, outBase, steps, runs] = process.argv.slice(2);
  for (const r of await determinismRuns(recipeFile, outBase, Number(steps), Number(runs)))
    process.stdout.write(JSON.stringify(r) + '\n');
}
