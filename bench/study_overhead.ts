// Overhead of the study queue (docs/studies.md): the same study of ten trials run locally (`--workers 1 --threads T`)
// and through BullMQ (one `trickbox worker --threads T` on this machine, a private redis-server), in paired runs of
// alternating order; prints each wall time and the median of the queue/local ratios. Target: under 1.05.
//   node --import tsx bench/study_overhead.ts [--trials 10] [--epochs 4] [--subset 0] [--pairs 3] [--threads 2]
// With the defaults a trial is fashion-quick for 4 epochs (about a minute on 2 idle cores): about 1 h 10 min in all.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliMain = join(root, 'packages', 'trickbox', 'dist', 'src', 'cli', 'main.js');
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '10' },
    epochs: { type: 'string', default: '4' },
    subset: { type: 'string', default: '0' },
    pairs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
  },
});
const [trials, epochs, subset, pairs] = [values.trials, values.epochs, values.subset, values.pairs].map(Number);
const dir = mkdtempSync(join(tmpdir(), 'trickbox-overhead-'));
const studyFile = join(dir, 'study.json');
writeFileSync(
  studyFile,
  JSON.stringify({
    name: 'overhead',
    recipe: join(root, 'recipes', 'fashion-quick.json'),
    set: [`training.epochs=${epochs}`, `data.subset=${subset}`],
    seeds: Array.from({ length: trials }, (_, i) => i),
    configs: { quick: [] },
  }),
);

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function timed(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cliMain, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`trickbox ${args.join(' ')}: exit ${r.status}`);
  return (performance.now() - t0) / 1000;
}

const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], {
  stdio: 'ignore',
});
await new Promise((r) => setTimeout(r, 500));
const worker = spawn(process.execPath, [cliMain, 'worker', '--queue', url, '--threads', values.threads!], {
  stdio: 'ignore',
});
const ratios: number[] = [];
try {
  for (let p = 0; p < pairs; p++) {
    const run = (kind: 'local' | 'queue'): number =>
      timed(
        kind === 'local'
          ? ['study', studyFile, '--out', join(dir, `local-${p}`), '--workers', '1', '--threads', values.threads!]
          : ['study', studyFile, '--out', join(dir, `queue-${p}`), '--queue', url],
      );
    const order: ('local' | 'queue')[] = p % 2 ? ['queue', 'local'] : ['local', 'queue'];
    const t: Record<string, number> = {};
    for (const k of order) t[k] = run(k);
    ratios.push(t.queue / t.local);
    console.log(
      `pair ${p + 1}: local ${t.local.toFixed(1)} s, queue ${t.queue.toFixed(1)} s, ratio ${(t.queue / t.local).toFixed(3)}`,
    );
  }
  console.log(`median queue/local over ${pairs} pairs: ${median(ratios).toFixed(3)} (target < 1.05)`);
} finally {
  worker.kill('SIGKILL');
  redis.kill('SIGTERM');
}
