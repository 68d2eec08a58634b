// Side-by-side run of the ResNet-20 Fashion-MNIST baseline recipe (recipes/fashion-resnet20-baseline.json):
// trickbox's CLI, then the same recipe in PyTorch (bench/baseline_torch.py) when `/usr/bin/python3 -c 'import torch'`
// works. The two run one after the other (each wants every core), each in a child process timed from spawn to exit.
// Prints a per-epoch table (test top-1, cumulative wall seconds) and the wall-time ratio; saves everything to
// bench/results/baseline-<date>.json.
//   node --import tsx bench/baseline.ts [--epochs 10] [--subset N] [--skip-torch] [--skip-trickbox] [--tag name]
// --subset N trains both on N training images (a smoke test; trickbox takes a seeded random subset, PyTorch the
// first N). The runs take about 12 + 20 minutes on 2 cores with the defaults.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timedRun } from './timed_run.js';
import { PYTHON, pythonCannotImport } from './python.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    subset: { type: 'string', default: '0' },
    'skip-torch': { type: 'boolean', default: false },
    'skip-trickbox': { type: 'boolean', default: false },
    tag: { type: 'string', default: '' },
  },
});
const epochs = Number(values.epochs);
const subset = Number(values.subset);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs: a positive integer, got ${values.epochs}`);
if (!Number.isInteger(subset) || subset < 0) throw new Error(`--subset: a non-negative integer, got ${values.subset}`);

interface EpochRow {
  epoch: number;
  testTop1: number;
  wallSeconds: number;
}
interface ContenderResult {
  name: string;
  command: string;
  wallSeconds: number;
  epochs: EpochRow[];
  loadBefore: number[];
  loadAfter: number[];
}

const run = (cmd: string, args: string[], logPath: string) => timedRun(cmd, args, logPath, { cwd: root });

const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
const outDir = join(root, 'runs', `baseline-bench-${stamp}`);
mkdirSync(outDir, { recursive: true });
const results: ContenderResult[] = [];

async function runTrickbox(): Promise<void> {
  const runDir = join(outDir, 'trickbox');
  const args = [
    join(root, 'packages/trickbox/dist/src/cli/main.js'),
    'train',
    'recipes/fashion-resnet20-baseline.json',
    '--epochs',
    String(epochs),
    '--out',
    runDir,
  ];
  if (subset > 0) args.push('--set', `data.subset=${subset}`);
  const loadBefore = loadavg();
  console.log(`trickbox: node ${args.join(' ')}`);
  const { wallSeconds } = await run(process.execPath, args, join(outDir, 'trickbox.log'));
  const rows = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"epoch"'))
    .map((l) => JSON.parse(l) as { epoch: number; testTop1: number; wallSeconds: number });
  results.push({
    name: 'trickbox (onednn)',
    command: `node ${args.map((a) => a.replace(root + '/', '')).join(' ')}`,
    wallSeconds,
    epochs: rows.map((r) => ({ epoch: r.epoch, testTop1: r.testTop1, wallSeconds: r.wallSeconds })),
    loadBefore,
    loadAfter: loadavg(),
  });
}

async function runTorch(): Promise<void> {
  const args = [join(root, 'bench/baseline_torch.py'), '--epochs', String(epochs), '--threads', String(cpus().length)];
  if (subset > 0) args.push('--subset', String(subset));
  const loadBefore = loadavg();
  console.log(`pytorch: ${PYTHON} ${args.join(' ')}`);
  const { wallSeconds, stdout } = await run(PYTHON, args, join(outDir, 'pytorch.log'));
  const lines = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; epoch: number; testTop1: number; wallSeconds: number });
  const summary = lines.find((l) => l.type === 'summary') as unknown as { torch: string };
  results.push({
    name: `PyTorch ${summary.torch}`,
    command: `${PYTHON} ${args.map((a) => a.replace(root + '/', '')).join(' ')}`,
    wallSeconds,
    epochs: lines
      .filter((l) => l.type === 'epoch')
      .map((r) => ({ epoch: r.epoch, testTop1: r.testTop1, wallSeconds: r.wallSeconds })),
    loadBefore,
    loadAfter: loadavg(),
  });
}

if (!values['skip-trickbox']) await runTrickbox();
if (!values['skip-torch']) {
  const missing = pythonCannotImport('torch, torchvision');
  if (missing) console.log(`pytorch: skipped (${missing})`);
  else await runTorch();
}

const pct = (v: number | undefined): string => (v === undefined ? '' : `${(v * 100).toFixed(2)} %`);
const secs = (v: number | undefined): string => (v === undefined ? '' : v.toFixed(0));
console.log(`\n| epoch | ${results.map((r) => `${r.name} top-1 | s`).join(' | ')} |`);
console.log(`| ---: | ${results.map(() => '---: | ---:').join(' | ')} |`);
for (let e = 1; e <= epochs; e++) {
  const cells = results.map((r) => {
    const row = r.epochs.find((x) => x.epoch === e);
    return `${pct(row?.testTop1)} | ${secs(row?.wallSeconds)}`;
  });
  console.log(`| ${e} | ${cells.join(' | ')} |`);
}
for (const r of results) console.log(`${r.name}: ${r.wallSeconds.toFixed(0)} s wall (process spawn to exit)`);
if (results.length === 2)
  console.log(
    `wall-time ratio ${results[1].name} / ${results[0].name}: ${(results[1].wallSeconds / results[0].wallSeconds).toFixed(2)}×`,
  );

const file = join(root, 'bench/results', `baseline-${stamp}${values.tag ? '-' + values.tag : ''}.json`);
writeFileSync(
  file,
  JSON.stringify({ date: new Date().toISOString(), epochs, subset, cpus: cpus().length, results }, null, 2) + '\n',
);
console.log(`saved ${file}; logs and the trickbox run directory in ${outDir}`);
