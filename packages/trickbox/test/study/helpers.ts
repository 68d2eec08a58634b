// Tiny studies for the study tests: a small simpleCnn on a few hundred Fashion-MNIST images (Debian's
// dataset-fashion-mnist), run through the CLI in child processes; and a private redis-server for the queue tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../helpers/paths.js';

export const mainPath = join(packageRoot, 'src', 'cli', 'main.ts');
export const recipesDir = join(packageRoot, '..', '..', 'recipes');

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'trickbox-study-'));

/** Overrides that make fashion-quick a trial of about a second (one thread). */
export const TINY = [
  'data.subset=1000',
  'data.testSubset=200',
  'data.workers=0',
  'training.epochs=2',
  'training.batchSize=50',
  'optimizer.lr=0.05',
  'model.options.filters=[8,16]',
  'model.options.denseUnits=32',
];

export function writeStudy(dir: string, fields: Record<string, unknown> = {}, file = 'study.json'): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    JSON.stringify({
      name: 'tiny',
      recipe: join(recipesDir, 'fashion-quick.json'),
      set: TINY,
      seeds: [0, 1],
      configs: { baseline: [], smoothing: ['loss.labelSmoothing=0.1'] },
      ...fields,
    }),
  );
  return path;
}

const clean = (s: string): string => s.replace(/^.*(=====|Hi, looks like|tfjs-node).*\n?/gm, '');

export function cli(args: string[], timeout = 120_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', mainPath, ...args], { encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: clean(r.stderr) };
}

/** A CLI process left running (a worker, a study to be killed); its output is collected as it comes. */
export interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function start(args: string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => void (text += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => void (text += t));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => clean(text), exited };
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000, everyMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, on a free loopback port, in a temp dir, persisting nothing; stop() ends it. */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = tempDir();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const up = (): boolean =>
    spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG';
  await waitFor('redis-server', up, 10_000, 50);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

export const redisAvailable = spawnSync('redis-server', ['--version']).status === 0;

/** The epoch lines of a run directory without the timing fields (what two runs of one trial must share). */
export const epochLines = (runDir: string): unknown[] =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"epoch"'))
    .map((l) => {
      const { epochSeconds: _a, wallSeconds: _b, dataWaitFraction: _c, ...rest } = JSON.parse(l);
      return rest;
    });
