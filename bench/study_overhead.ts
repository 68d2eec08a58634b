// Overhead of the study queue (issue 14's target: under 5% for ten 1-minute trials; docs/benchmarks.md, "Study
// queue overhead"): the same study run locally (`trickbox study --workers 1 --threads T`) and through BullMQ (a
// private redis-server with the persistence docs/studies.md recommends, one `trickbox worker --threads T` on this
// machine), in pairs of alternating order. Prints each pair's wall times and the median of the queue/local ratios,
// checks that both ways gave the same metric for every trial, and writes everything to a JSON file.
//   node --import tsx bench/study_overhead.ts [--trials 10] [--epochs 4] [--subset 0] [--pairs 3] [--threads 2]
//     [--quick] [--json FILE]
// Defaults: a trial is fashion-quick for 4 epochs on all 60,000 images, about a minute on 2 idle cores (about
// 70 minutes in all). --quick (2 trials of 1 epoch on 2,000 images, 2 pairs, 1 thread) only shows that it works.
// Needs `npm run build` (it runs the compiled CLI) and redis-server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const root = join(HERE, '..');
const cliMain = join(root, 'packages', 'trickbox', 'dist', 'src', 'cli', 'main.js');
const { values } = parseArgs({
  options: {
    trials: { type: 'string' },
    epochs: { type: 'string' },
    subset: { type: 'string' },
    pairs: { type: 'string' },
    threads: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const defaults = values.quick
  ? { trials: 2, epochs: 1, subset: 2000, pairs: 2, threads: 1 }
  : { trials: 10, epochs: 4, subset: 0, pairs: 3, threads: 2 };
const opt = (k: keyof typeof defaults): number => {
  const v = values[k] === undefined ? defaults[k] : Number(values[k]);
  if (!Number.isInteger(v) || v < (k === 'subset' ? 0 : 1))
    throw new Error(`bench/study_overhead: --${k} must be an integer >= ${k === 'subset' ? 0 : 1}, got '${values[k]}'`);
  return v;
};
const [trials, epochs, subset, pairs, threads] = (['trials', 'epochs', 'subset', 'pairs', 'threads'] as const).map(opt);

const round2 = (v: number): number => Math.round(v * 100) / 100;
const load = (): number[] => loadavg().map(round2);

const dir = mkdtempSync(join(tmpdir(), 'trickbox-overhead-'));
const studyFile = join(dir, 'study.json');
const set = [`training.epochs=${epochs}`, `data.subset=${subset}`, ...(values.quick ? ['data.testSubset=1000'] : [])];
writeFileSync(
  studyFile,
  JSON.stringify({
    name: 'overhead',
    recipe: join(root, 'recipes', 'fashion-quick.json'),
    set,
    seeds: Array.from({ length: trials }, (_, i) => i),
    configs: { quick: [] },
  }),
);

const freePort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`bench/study_overhead: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A child whose stderr is kept (the last lines are shown if it fails). */
function startKept(cmd: string, args: string[]): { child: ChildProcess; text: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => void (text = (text + t).slice(-20_000)));
  return { child, text: () => text };
}

interface Run {
  kind: 'local' | 'queue';
  seconds: number;
  loadBefore: number[];
  loadAfter: number[];
  /** seed → the trial's testTop1 in study.json */
  metrics: Record<string, number | null>;
  /** Sum of the trials' own wall times (their summary.json `wallSeconds`: trainer start to end). */
  trialSeconds: number;
  /** The study's wall time outside its trials: process start-up, queue pick-up, results, the report. */
  outsideSeconds: number;
  /** Median of every trial's epoch training seconds (metrics.jsonl `epochSeconds`). */
  medianEpochSeconds: number;
}

/** The median epoch of the trials, read from their run directories (the script removes them at the end). */
function medianEpoch(out: string): number {
  const epochs = Array.from({ length: trials }, (_, seed) =>
    readFileSync(join(out, 'trials', 'quick', `seed-${seed}`, 'metrics.jsonl'), 'utf8'),
  ).flatMap((text) =>
    text
      .split('\n')
      .filter((l) => l.includes('"type":"epoch"'))
      .map((l) => JSON.parse(l).epochSeconds as number),
  );
  return median(epochs);
}

async function timed(kind: Run['kind'], out: string, url: string): Promise<Run> {
  const args =
    kind === 'local'
      ? ['study', studyFile, '--out', out, '--workers', '1', '--threads', String(threads)]
      : ['study', studyFile, '--out', out, '--queue', url];
  const loadBefore = load();
  const t0 = performance.now();
  // not spawnSync: this process must keep reading the worker's stderr meanwhile, or a full pipe stalls the worker
  const study = startKept(process.execPath, [cliMain, ...args]);
  const code = await new Promise<number | null>((r) => study.child.on('exit', (c) => r(c)));
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0)
    throw new Error(`trickbox ${args.join(' ')}: exit ${code}\n${study.text().split('\n').slice(-15).join('\n')}`);
  const sj = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  const rows: { seed: number; metric: number | null; wallSeconds: number }[] = sj.configs.quick.trials;
  const metrics = Object.fromEntries(rows.map((t) => [String(t.seed), t.metric]));
  // study.json's trial wallSeconds is each trial's summary.json wallSeconds
  const inTrials = rows.reduce((a, t) => a + t.wallSeconds, 0);
  return {
    kind,
    seconds,
    loadBefore,
    loadAfter: load(),
    metrics,
    trialSeconds: inTrials,
    outsideSeconds: seconds - inTrials,
    medianEpochSeconds: medianEpoch(out),
  };
}

const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
const redis = spawn(
  'redis-server',
  [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
  ],
  { stdio: 'ignore' },
);
const redisUp = (): boolean =>
  spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG';
let worker: ReturnType<typeof startKept> | undefined;
const runs: Run[][] = [];
try {
  await until('redis-server', redisUp, 10_000);
  worker = startKept(process.execPath, [cliMain, 'worker', '--queue', url, '--threads', String(threads)]);
  await until('the worker', () => /worker: taking trials from/.test(worker!.text()), 60_000);
  console.log(
    `study overhead: ${trials} trials of fashion-quick (${set.join(' ')}), ${threads} thread(s), ${pairs} pairs; ` +
      `${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load ${load().join(' ')}`,
  );
  for (let p = 0; p < pairs; p++) {
    const order: Run['kind'][] = p % 2 ? ['queue', 'local'] : ['local', 'queue'];
    const pair: Run[] = [];
    for (const k of order) pair.push(await timed(k, join(dir, `${k}-${p}`), url));
    runs.push(pair);
    const [l, q] = (['local', 'queue'] as const).map((k) => pair.find((r) => r.kind === k)!);
    console.log(
      `pair ${p + 1} (${order.join(' first, ')} second): local ${l.seconds.toFixed(1)} s, queue ${q.seconds.toFixed(1)} s, ` +
        `ratio ${(q.seconds / l.seconds).toFixed(3)}; load ${l.loadBefore[0]}–${q.loadAfter[0]}`,
    );
    // the ratio mixes what the queue adds with how fast the trials trained: the time outside the trials is the
    // queue's own cost, the median epoch says whether the trials ran at the same speed both ways
    for (const r of [l, q])
      console.log(
        `  ${r.kind}: trials ${r.trialSeconds.toFixed(1)} s, outside them ${r.outsideSeconds.toFixed(1)} s ` +
          `(${(r.outsideSeconds / trials).toFixed(2)} s per trial), median epoch ${r.medianEpochSeconds.toFixed(2)} s`,
      );
  }
} catch (e) {
  if (worker) console.error(`worker's last lines:\n${worker.text().split('\n').slice(-10).join('\n')}`);
  throw e;
} finally {
  worker?.child.kill('SIGKILL');
  redis.kill('SIGTERM');
}

const ratios = runs.map(
  (pair) => pair.find((r) => r.kind === 'queue')!.seconds / pair.find((r) => r.kind === 'local')!.seconds,
);
const all = runs.flat();
const reference = JSON.stringify(all[0].metrics);
const identical = all.every((r) => JSON.stringify(r.metrics) === reference);
const medianRatio = median(ratios);
const trialSeconds = median(all.filter((r) => r.kind === 'local').map((r) => r.seconds / trials));
const outsidePerTrial = (kind: Run['kind']): number =>
  median(all.filter((r) => r.kind === kind).map((r) => r.outsideSeconds / trials));
console.log(
  `median queue/local over ${pairs} pair(s): ${medianRatio.toFixed(3)} (target < 1.05); about ${trialSeconds.toFixed(0)} s ` +
    `per trial locally; per-trial metrics ${identical ? 'identical' : 'DIFFER'} in every run`,
);
console.log(
  `outside the trials (median per trial): local ${outsidePerTrial('local').toFixed(2)} s, queue ` +
    `${outsidePerTrial('queue').toFixed(2)} s`,
);
const result = {
  date: new Date().toISOString(),
  command: `node --import tsx bench/study_overhead.ts ${process.argv.slice(2).join(' ')}`.trim(),
  quick: values.quick,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model.trim() },
  study: { trials, set, threads, redis: '--appendonly yes --appendfsync always' },
  pairs: runs,
  ratios,
  medianRatio,
  localSecondsPerTrial: trialSeconds,
  outsideSecondsPerTrial: { local: outsidePerTrial('local'), queue: outsidePerTrial('queue') },
  identicalMetrics: identical,
};
const stamp = result.date.slice(0, 16).replace(/[T:]/g, '-');
const path = values.json ?? join(HERE, 'results', `study-overhead-${stamp}${values.quick ? '-quick' : ''}.json`);
mkdirSync(dirname(resolve(path)), { recursive: true });
writeFileSync(path, JSON.stringify(result, null, 1) + '\n');
console.log(`raw results: ${relative(process.cwd(), resolve(path))}`);
rmSync(dir, { recursive: true, force: true });
if (!identical) process.exitCode = 1;
