// Shared pieces of the reliability tests: the CLI in this process or as a child, a tiny synthetic dataset and
// recipe, and an integrity check of a run directory (every file complete, no torn line).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../helpers/paths.js';
import { writeIdxSet } from '../data/files.js';
import { main } from '../../src/cli/main.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';

export const mainPath = join(packageRoot, 'src', 'cli', 'main.ts');
export const recipesDir = join(packageRoot, '..', '..', 'recipes');

/** Lines tfjs prints when no tfjs-node is installed; not ours. */
export const dropBanner = (s: string): string =>
  s.replace(/^.*(=====|Hi, looks like you are running TensorFlow\.js).*\n?/gm, '');

const made: string[] = [];
// temp folders go when the test process ends (TRICKBOX_KEEP_TMP=1 keeps them for a post-mortem)
process.on('exit', () => {
  if (process.env.TRICKBOX_KEEP_TMP !== '1') for (const d of made) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'trickbox-rel-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/**
 * Runs the CLI's `main` in this process (much cheaper than a child per case), capturing its stderr, and its stdout
 * through main's output argument. process.stdout itself is never replaced: the test runner reports on it, and a
 * replaced stdout swallowed the result lines of other tests.
 */
export async function cliInProcess(
  args: string[],
  backend = 'cpu',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const writeErr = process.stderr.write.bind(process.stderr);
  let stderr = '';
  let stdout = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  process.env.TRICKBOX_BACKEND = backend;
  process.exitCode = undefined;
  const io = { out: (t: string) => void (stdout += t), err: (t: string) => void (stderr += t) };
  try {
    const code = await (main as (argv: string[], output?: typeof io) => Promise<number>)(args, io);
    return { code, stdout, stderr: dropBanner(stderr) };
  } finally {
    process.stderr.write = writeErr;
    process.exitCode = undefined;
  }
}

/** Starts the CLI as a child process (for kills and signals). */
export function cliChild(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', mainPath, ...args], {
    env: { ...process.env, TRICKBOX_BACKEND: 'cpu', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Waits for a child to exit; returns its exit code (or null) and signal. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
}

/** Collected stderr of a child. */
export function collect(child: ChildProcess): { text: () => string } {
  let s = '';
  child.stderr?.on('data', (d) => (s += d.toString()));
  child.stdout?.on('data', (d) => (s += d.toString()));
  return { text: () => dropBanner(s) };
}

/** `--set` overrides that make training diverge within a few steps (the lr ramps up, so the first checkpoints stay finite). */
export const DIVERGING_OVERRIDES = [
  '--set',
  'schedule.warmupEpochs=2',
  '--set',
  'optimizer.lr=100',
  '--set',
  'optimizer.weightDecay=1',
  '--set',
  'schedule.name=constant',
];

/** A small Fashion-MNIST-format IDX set (8×8 grey, 10 classes) in a new folder. */
export function tinyIdx(n = 64, m = 32): string {
  const dir = tempDir('trickbox-rel-idx-');
  writeIdxSet(dir, { n, m, h: 8, w: 8 });
  return dir;
}

/** A recipe for models.simpleCnn on 8×8 images (tiny filters), written to `file`; `extra` is merged per section. */
export function tinyRecipeFile(file: string, dataDir: string, extra: Record<string, any> = {}): string {
  const base: Record<string, any> = {
    name: 'rel-tiny',
    data: { dataset: 'fashion-mnist', dir: dataDir, workers: 0 },
    model: { name: 'simpleCnn', options: { filters: [4, 8], denseUnits: 16 } },
    training: { epochs: 3, batchSize: 16, seed: 3, logEvery: 1 },
    optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
    schedule: { name: 'cosine', warmupEpochs: 1 },
  };
  for (const [k, v] of Object.entries(extra))
    base[k] = v && typeof v === 'object' && !Array.isArray(v) ? { ...(base[k] ?? {}), ...v } : v;
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(base, null, 2));
  return file;
}

export interface Integrity {
  metricsLines: number;
  checkpoints: number;
  /** Temp files of an atomic write that a kill interrupted (`.<name>.tmp-<pid>`): proof a write was cut. */
  leftoverTemps: string[];
}

/**
 * Checks that nothing in a run directory is torn: metrics.jsonl ends with a newline and every line parses,
 * every checkpoint decodes completely, and every JSON file parses. Throws naming the file otherwise.
 */
export function checkRunIntegrity(runDir: string): Integrity {
  const leftoverTemps: string[] = [];
  let metricsLines = 0;
  const metrics = join(runDir, 'metrics.jsonl');
  if (existsSync(metrics)) {
    const text = readFileSync(metrics, 'utf8');
    if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${metrics}: torn last line`);
    for (const line of text.split('\n').filter(Boolean)) {
      JSON.parse(line); // throws on a torn line
      metricsLines++;
    }
  }
  const scan = (dir: string): void => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, f.name);
      if (f.isDirectory()) scan(p);
      else if (/\.tmp-\d+$/.test(f.name)) leftoverTemps.push(p);
      else if (f.name.endsWith('.json')) JSON.parse(readFileSync(p, 'utf8'));
    }
  };
  if (existsSync(runDir)) scan(runDir);
  let checkpoints = 0;
  const ckDir = join(runDir, 'checkpoints');
  if (existsSync(ckDir))
    for (const f of readdirSync(ckDir).filter((x) => x.endsWith('.tbx'))) {
      const ck = decodeCheckpoint(f, readFileSync(join(ckDir, f)));
      for (const t of ck.tensors.values())
        if (t.data.length !== t.entry.shape.reduce((a, b) => a * b, 1)) throw new Error(`${f}: short tensor`);
      checkpoints++;
    }
  return { metricsLines, checkpoints, leftoverTemps };
}

/** metrics.jsonl without the wall-clock fields (they differ between any two runs). */
export function comparableMetrics(runDir: string): Record<string, unknown>[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const {
        epochSeconds: _a,
        dataWaitFraction: _b,
        wallSeconds: _c,
        imagesPerSecond: _d,
        ...rest
      } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}
