// Stops and concurrency: SIGTERM mid-epoch, the time-based checkpoint, the run-directory lock, and what --resume
// refuses or leaves alone and ablate keeps or trains again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readLatestCheckpoint } from '../../src/train/checkpoint.js';
import { LOCK_FILE, lockRunDir, loadRecipe, train } from '../../src/train/index.js';
import {
  cliChild,
  cliInProcess,
  collect,
  comparableMetrics,
  exited,
  tempDir,
  tinyIdx,
  tinyRecipeFile,
} from './helpers.js';

const data = tinyIdx(96, 32);
const dir = tempDir();
const q = ['--no-report', '-q'];
// 6 iterations per epoch
const recipe = tinyRecipeFile(join(dir, 'r.json'), data, {
  training: { epochs: 3, batchSize: 16, seed: 4, logEvery: 1 },
});
const reference = join(dir, 'reference');

test('setup: an uninterrupted reference run', async () => {
  const r = await cliInProcess(['train', recipe, '--out', reference, ...q]);
  assert.equal(r.code, 0, r.stderr);
});

test('SIGTERM mid-epoch: the step finishes, a checkpoint is written, exit 143; --resume ends like the reference', async () => {
  const run = join(dir, 'sigterm');
  const child = cliChild(['train', recipe, '--out', run, '--no-report']);
  const out = collect(child);
  // wait for the 8th step line (epoch 2, batch 2 of 6)
  await new Promise<void>((res) => {
    const poll = setInterval(() => {
      const metrics = join(run, 'metrics.jsonl');
      const steps = existsSync(metrics)
        ? readFileSync(metrics, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"step"'))
        : [];
      if (steps.filter((l) => l.includes('"type":"step"')).length >= 8 || child.exitCode !== null) {
        clearInterval(poll);
        res();
      }
    }, 2);
  });
  child.kill('SIGTERM');
  const { code } = await exited(child);
  assert.equal(code, 143, out.text());
  assert.match(out.text(), /SIGTERM — finishing the current step and writing a checkpoint/);
  const ck = readLatestCheckpoint(run)!;
  assert.ok(
    ck.checkpoint.state.batch > 0 && ck.checkpoint.state.batch < 6,
    `mid-epoch: batch ${ck.checkpoint.state.batch}`,
  );
  assert.ok(!existsSync(join(run, LOCK_FILE)), 'the lock is released on exit');
  const r = await cliInProcess(['train', '--resume', run, ...q]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(comparableMetrics(run), comparableMetrics(reference));
  assert.ok(
    readFileSync(join(run, 'model', 'weights.bin')).equals(readFileSync(join(reference, 'model', 'weights.bin'))),
  );
});

test('training.checkpointMinutes writes checkpoints inside an epoch; resuming from one ends like the reference', async () => {
  const run = join(dir, 'timed');
  const seen: number[] = [];
  const r = loadRecipe(recipe, ['training.checkpointMinutes=0.000001', 'data.workers=0']);
  await train({
    recipe: r,
    runDir: run,
    log: () => undefined,
    stopAtStep: 10,
    callbacks: [{ onStepEnd: () => void seen.push(readLatestCheckpoint(run)?.checkpoint.state.batch ?? -1) }],
  });
  assert.ok(
    seen.some((b) => b > 0 && b < 6),
    `checkpoints at batches ${seen}`,
  );
  const ck = readLatestCheckpoint(run)!;
  assert.equal(ck.checkpoint.state.step, 10);
  await train({ recipe: r, runDir: run, resume: true, log: () => undefined });
  assert.deepEqual(comparableMetrics(run), comparableMetrics(reference));
});

test('the run-directory lock: a live holder is refused naming host and PID; a dead or silent one is taken over', async () => {
  const run = join(dir, 'locked');
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    const release0 = lockRunDir(run);
    release0();
    const lock = (info: object) => writeFileSync(join(run, LOCK_FILE), JSON.stringify(info));
    const now = new Date().toISOString();
    lock({ host: hostname(), pid: sleeper.pid, startedAt: now, refreshedAt: now });
    assert.throws(() => lockRunDir(run), new RegExp(`in use by process ${sleeper.pid} on ${hostname()}`));
    const r = await cliInProcess(['train', recipe, '--out', run, ...q]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`in use by process ${sleeper.pid}`));
    lock({ host: 'elsewhere', pid: 1, startedAt: now, refreshedAt: now });
    assert.throws(() => lockRunDir(run), /in use by process 1 on elsewhere/);
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    lock({ host: 'elsewhere', pid: 1, startedAt: old, refreshedAt: old });
    lockRunDir(run)(); // silent for 10 minutes: taken over
    sleeper.kill('SIGKILL');
    await exited(sleeper);
    lock({ host: hostname(), pid: sleeper.pid, startedAt: now, refreshedAt: now });
    const release = lockRunDir(run); // its PID is dead: taken over
    assert.equal(JSON.parse(readFileSync(join(run, LOCK_FILE), 'utf8')).pid, process.pid);
    release();
    assert.ok(!existsSync(join(run, LOCK_FILE)));
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('--resume refuses recipe changes (exit 2, naming the option) and leaves recipe.json as it was', async () => {
  const run = join(dir, 'partial');
  await train({ recipe: loadRecipe(recipe), runDir: run, log: () => undefined, stopAtStep: 4 });
  const before = readFileSync(join(run, 'recipe.json'), 'utf8');
  for (const [args, re] of [
    [['--set', 'optimizer.lr=0.5'], /--set optimizer\.lr=0\.5 would change the run's recipe; a resumed run keeps/],
    [['--epochs', '5'], /--epochs 5 would change the run's recipe/],
    [['--workers', '2'], /--workers 2 would change the run's recipe/],
    [[recipe], /a recipe argument \(.*r\.json\) cannot go with --resume/],
  ] as Array<[string[], RegExp]>) {
    const r = await cliInProcess(['train', '--resume', run, ...args, ...q]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
    assert.equal(readFileSync(join(run, 'recipe.json'), 'utf8'), before);
  }
});

test('--resume of a finished run says so, exits 0 and changes no byte of the run directory', async () => {
  const snapshot = () =>
    readdirSync(reference, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => [join(f.parentPath, f.name), readFileSync(join(f.parentPath, f.name)).toString('base64')]);
  const before = snapshot();
  const r = await cliInProcess(['train', '--resume', reference]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /finished \(completed, 3 epochs, test top-1 [\d.]+ %\); nothing to resume/);
  assert.deepEqual(snapshot(), before);
});

test('ablate (a study) keeps a trial only for the identical recipe; a changed one is trained again, and says so', async () => {
  const out = join(dir, 'ablate');
  const first = await cliInProcess(['ablate', recipe, '--out', out, '--epochs', '2']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /study: done {3}r\/seed-0/);
  const again = await cliInProcess(['ablate', recipe, '--out', out, '--epochs', '2']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /study: start/);
  const other = await cliInProcess(['ablate', recipe, '--out', out, '--epochs', '3', '--set', 'optimizer.lr=0.01']);
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stderr, /study: start {2}r\/seed-0\n/);
  const trial = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8')).configs.r.trials[0];
  assert.equal(trial.epochs, 3);
  assert.match(
    trial.note,
    /^trained again: its recipe changed \(the old run is in trials\/r\/seed-0\.replaced-\d{8}-\d{6}\)$/,
  );
  assert.ok(existsSync(join(out, trial.note.match(/in (\S+)\)$/)[1], 'summary.json')));
});
