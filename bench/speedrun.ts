// Side-by-side run of the Fashion-MNIST speedrun recipe (recipes/fashion-speedrun.json, issue 17): trickbox's CLI
// on the recipe, and the same recipe in PyTorch (bench/speedrun_torch.py, which reads the recipe resolved by
// `trickbox recipe` and refuses any field it does not implement). For each seed the two run back to back, each in
// a child process with the same thread count, the order alternating from seed to seed (trickbox first for the 1st,
// 3rd, … seed) so that a drift of the machine's load does not always hit the same contender.
//   node --import tsx bench/speedrun.ts [--recipe recipes/fashion-speedrun.json] [--seeds 0,1,2] [--threads N]
//     [--epochs E] [--subset N] [--test-subset N] [--skip-torch] [--skip-trickbox] [--tag name]
// Reports per contender: training time (sum of the epochs' training seconds, evaluation excluded: trickbox's
// metrics.jsonl `epochSeconds`, PyTorch's `trainSeconds`), wall time from spawn to exit (data loading, whitening,
// every evaluation with the recipe's test-time augmentation), and the final test top-1 (with the recipe's TTA, as
// both sides evaluate after every epoch); the ratios trickbox / PyTorch. Saves everything to
// bench/results/speedrun-<date>-<time>.json.
// --subset / --test-subset are smoke-test options (data.subset / data.testSubset of both sides; each side draws its
// own seeded subset, so on a test subset the two are scored on different images).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timedRun } from './timed_run.js';
import { PYTHON, pythonCannotImport } from './python.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages/trickbox/dist/src/cli/main.js');
const { values } = parseArgs({
  options: {
    recipe: { type: 'string', default: 'recipes/fashion-speedrun.json' },
    seeds: { type: 'string', default: '0' },
    threads: { type: 'string', default: String(cpus().length) },
    epochs: { type: 'string', default: '0' },
    subset: { type: 'string', default: '0' },
    'test-subset': { type: 'string', default: '0' },
    'skip-torch': { type: 'boolean', default: false },
    'skip-trickbox': { type: 'boolean', default: false },
    tag: { type: 'string', default: '' },
  },
});

function nonNegativeInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new Error(`--${flag}: a non-negative integer, got ${v}`);
  return n;
}
const seeds = values.seeds.split(',').map((s) => nonNegativeInt('seeds', s.trim()));
const threads = nonNegativeInt('threads', values.threads);
const epochs = nonNegativeInt('epochs', values.epochs);
const subset = nonNegativeInt('subset', values.subset);
const testSubset = nonNegativeInt('test-subset', values['test-subset']);
if (threads < 1) throw new Error('--threads: at least 1');

interface EpochRow {
  epoch: number;
  testTop1: number;
  trainSeconds: number;
  wallSeconds: number;
}
interface ContenderRun {
  contender: 'trickbox' | 'pytorch';
  seed: number;
  order: number;
  command: string;
  /** Sum of the epochs' training seconds (no evaluation). */
  trainSeconds: number;
  /** Spawn to exit. */
  wallSeconds: number;
  /** Test top-1 after the last epoch, with the recipe's TTA. */
  testTop1: number;
  epochs: EpochRow[];
  loadBefore: number[];
  loadAfter: number[];
}

const run = (cmd: string, args: string[], logPath: string, env: NodeJS.ProcessEnv) =>
  timedRun(cmd, args, logPath, { cwd: root, env });

const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
const outDir = join(root, 'runs', `speedrun-bench-${stamp}${values.tag ? '-' + values.tag : ''}`);
mkdirSync(outDir, { recursive: true });
const env = { ...process.env, TFJS_ONEDNN_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
const rel = (a: string): string => a.replace(root + '/', '');
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** The recipe's `--set` overrides for one seed (and the smoke-test options). */
function overrides(seed: number): string[] {
  const sets = [`training.seed=${seed}`];
  if (epochs > 0) sets.push(`training.epochs=${epochs}`);
  if (subset > 0) sets.push(`data.subset=${subset}`);
  if (testSubset > 0) sets.push(`data.testSubset=${testSubset}`);
  return sets.flatMap((s) => ['--set', s]);
}

/** A contender's run from its epoch rows: the training time is their sum, the accuracy the last epoch's. */
function contenderRun(
  head: Pick<ContenderRun, 'contender' | 'seed' | 'order' | 'command' | 'wallSeconds' | 'loadBefore'>,
  epochs: EpochRow[],
): ContenderRun {
  return {
    ...head,
    trainSeconds: sum(epochs.map((r) => r.trainSeconds)),
    testTop1: epochs[epochs.length - 1]!.testTop1,
    epochs,
    loadAfter: loadavg(),
  };
}

async function runTrickbox(seed: number, order: number): Promise<ContenderRun> {
  const runDir = join(outDir, `trickbox-seed${seed}`);
  const args = [cli, 'train', values.recipe, ...overrides(seed), '--out', runDir, '--quiet'];
  const loadBefore = loadavg();
  console.log(`seed ${seed}: trickbox: TFJS_ONEDNN_THREADS=${threads} node ${args.map(rel).join(' ')}`);
  const { wallSeconds } = await run(process.execPath, args, join(outDir, `trickbox-seed${seed}.log`), env);
  // trickbox's `epochSeconds` is the epoch's training loop alone (train/trainer.ts: measured before endEpoch's
  // evaluation); it is PyTorch's `trainSeconds`.
  const rows = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"epoch"'))
    .map((l) => JSON.parse(l) as { epoch: number; testTop1: number; epochSeconds: number; wallSeconds: number });
  return contenderRun(
    {
      contender: 'trickbox',
      seed,
      order,
      command: `TFJS_ONEDNN_THREADS=${threads} node ${args.map(rel).join(' ')}`,
      wallSeconds,
      loadBefore,
    },
    rows.map((r) => ({
      epoch: r.epoch,
      testTop1: r.testTop1,
      trainSeconds: r.epochSeconds,
      wallSeconds: r.wallSeconds,
    })),
  );
}

let torchVersion = '';
async function runTorch(seed: number, order: number): Promise<ContenderRun> {
  // the recipe exactly as trickbox resolves it, overrides and defaults included
  const resolved = join(outDir, `recipe-seed${seed}.json`);
  const { stdout: json } = await run(
    process.execPath,
    [cli, 'recipe', values.recipe, ...overrides(seed)],
    join(outDir, `recipe-seed${seed}.log`),
    env,
  );
  writeFileSync(resolved, json);
  const args = [join(root, 'bench/speedrun_torch.py'), '--recipe', resolved, '--threads', String(threads)];
  const loadBefore = loadavg();
  console.log(`seed ${seed}: pytorch: ${PYTHON} ${args.map(rel).join(' ')}`);
  const { wallSeconds, stdout } = await run(PYTHON, args, join(outDir, `pytorch-seed${seed}.log`), env);
  const lines = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EpochRow & { type: string; torch?: string });
  const rows = lines.filter((l) => l.type === 'epoch');
  torchVersion = lines.find((l) => l.type === 'summary')?.torch ?? '';
  return contenderRun(
    { contender: 'pytorch', seed, order, command: `${PYTHON} ${args.map(rel).join(' ')}`, wallSeconds, loadBefore },
    rows.map((r) => ({
      epoch: r.epoch,
      testTop1: r.testTop1,
      trainSeconds: r.trainSeconds,
      wallSeconds: r.wallSeconds,
    })),
  );
}

let skipTorch = values['skip-torch'];
if (!skipTorch) {
  const missing = pythonCannotImport('torch, torchvision');
  if (missing) {
    console.log(`pytorch: skipped (${missing})`);
    skipTorch = true;
  }
}
const runs: ContenderRun[] = [];
for (const [i, seed] of seeds.entries()) {
  const order: Array<'trickbox' | 'pytorch'> = i % 2 === 0 ? ['trickbox', 'pytorch'] : ['pytorch', 'trickbox'];
  for (const [k, c] of order.entries()) {
    if (c === 'trickbox' && !values['skip-trickbox']) runs.push(await runTrickbox(seed, k));
    if (c === 'pytorch' && !skipTorch) runs.push(await runTorch(seed, k));
  }
}

const mean = (xs: number[]): number => sum(xs) / Math.max(1, xs.length);
const of = (c: string) => runs.filter((r) => r.contender === c);
const summary = (['trickbox', 'pytorch'] as const)
  .filter((c) => of(c).length > 0)
  .map((c) => ({
    contender: c,
    seeds: of(c).map((r) => r.seed),
    trainSeconds: mean(of(c).map((r) => r.trainSeconds)),
    wallSeconds: mean(of(c).map((r) => r.wallSeconds)),
    testTop1: mean(of(c).map((r) => r.testTop1)),
  }));
const paired = seeds.flatMap((seed) => {
  const t = runs.find((r) => r.contender === 'trickbox' && r.seed === seed);
  const p = runs.find((r) => r.contender === 'pytorch' && r.seed === seed);
  return t && p
    ? [{ seed, trainRatio: t.trainSeconds / p.trainSeconds, wallRatio: t.wallSeconds / p.wallSeconds }]
    : [];
});

const name = (c: string): string => (c === 'trickbox' ? 'trickbox (onednn)' : `PyTorch ${torchVersion}`);
console.log('\n| contender | seed | train s | wall s | test top-1 (TTA) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of runs)
  console.log(
    `| ${name(r.contender)} | ${r.seed} | ${r.trainSeconds.toFixed(1)} | ${r.wallSeconds.toFixed(1)} | ${(r.testTop1 * 100).toFixed(2)} % |`,
  );
for (const s of summary)
  console.log(
    `| ${name(s.contender)} | mean | ${s.trainSeconds.toFixed(1)} | ${s.wallSeconds.toFixed(1)} | ${(s.testTop1 * 100).toFixed(2)} % |`,
  );
if (paired.length > 0) {
  for (const p of paired)
    console.log(
      `seed ${p.seed}: trickbox / PyTorch: training ${p.trainRatio.toFixed(2)}×, wall ${p.wallRatio.toFixed(2)}×`,
    );
  console.log(
    `mean over seeds: trickbox / PyTorch: training ${(summary[0]!.trainSeconds / summary[1]!.trainSeconds).toFixed(2)}×, wall ${(summary[0]!.wallSeconds / summary[1]!.wallSeconds).toFixed(2)}× (below 1: trickbox faster)`,
  );
}

const file = join(root, 'bench/results', `speedrun-${stamp}${values.tag ? '-' + values.tag : ''}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      recipe: values.recipe,
      seeds,
      threads,
      epochs: epochs || 'recipe',
      subset,
      testSubset,
      cpus: cpus().length,
      torch: torchVersion,
      summary,
      paired,
      runs,
    },
    null,
    2,
  ) + '\n',
);
console.log(`saved ${rel(file)}; logs, resolved recipes and the trickbox run directories in ${rel(outDir)}`);
