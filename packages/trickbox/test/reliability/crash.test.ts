// Crashes: SIGKILL a `trickbox train` child at random moments (some aimed at checkpoint writes), check that nothing
// in the run directory is torn, resume, and compare the finished run with an uninterrupted one of the same seed.
// SIGINT: the step finishes, a checkpoint is written, exit code 130.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { longTests } from '../helpers/paths.js';
import {
  checkRunIntegrity,
  cliChild,
  cliInProcess,
  collect,
  comparableMetrics,
  exited,
  tempDir,
  tinyIdx,
  tinyRecipeFile,
} from './helpers.js';
import { readLatestCheckpoint } from '../../src/train/checkpoint.js';

const KILLS = longTests ? Number(process.env.TRICKBOX_KILLS ?? 24) : 3;

/** Deterministic "random" kill delays (ms after training began), so a failure can be replayed. */
function delays(n: number, seed: number, maxMs: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * maxMs);
  });
}

interface KillRecord {
  kill: number;
  mode: 'timer' | 'checkpoint-write';
  delayMs: number;
  signal: string | null;
  exitCode: number | null;
  newestCheckpointStep: number | null;
  tornTempFiles: number;
  metricsLines: number;
}

test(
  `SIGKILL ${KILLS}× at random moments (some during checkpoint writes), then SIGINT; --resume ends exactly like an uninterrupted run`,
  { timeout: 1_800_000 },
  async () => {
    const data = tinyIdx(32, 32);
    const dir = tempDir();
    // 2 iterations per epoch: a checkpoint (end of epoch) every 2 steps, so kills often land in or near one
    const recipe = tinyRecipeFile(join(dir, 'r.json'), data, {
      training: { epochs: longTests ? 40 : 10, batchSize: 16, seed: 11, logEvery: 1 },
      regularization: { ema: { decay: 0.9 } },
      augment: [{ name: 'randomCrop', options: { size: 8, padding: 1 } }],
    });
    const common = ['--no-report'];

    const ref = join(dir, 'reference');
    const t0 = performance.now();
    const r0 = await cliInProcess(['train', recipe, '--out', ref, '-q', '--workers', '0', ...common]);
    assert.equal(r0.code, 0, r0.stderr);
    // kill delays scaled to this machine: within the first 60% of a run's training time (or 4 s in the long variant)
    const refMs = performance.now() - t0;

    const run = join(dir, 'run');
    const records: KillRecord[] = [];
    const waits = delays(KILLS, 20261128, longTests ? 4000 : Math.max(100, 0.6 * refMs));
    let started = false;
    let finishedEarly = 0;
    for (let k = 0; k < KILLS; k++) {
      const args =
        started && existsSync(join(run, 'recipe.json'))
          ? ['train', '--resume', run, ...common]
          : ['train', recipe, '--out', run, '--workers', '0', ...common];
      started = true;
      const before = readLatestCheckpoint(run);
      const child = cliChild(args);
      const out = collect(child);
      const mode: KillRecord['mode'] = k % 2 === 1 ? 'checkpoint-write' : 'timer';
      // wait until training has begun (the CLI announces it), then kill after a delay or at the next checkpoint write
      await new Promise<void>((res) => {
        const poll = setInterval(() => {
          if (/training 'rel-tiny'/.test(out.text()) || child.exitCode !== null) {
            clearInterval(poll);
            res();
          }
        }, 5);
      });
      if (args[1] === '--resume') {
        // the resumed process starts from the newest complete checkpoint that existed before it
        const m = /resuming .* from (\S+) \(step (\d+)/.exec(out.text());
        if (before) assert.ok(m && m[1] === before.file, `kill ${k}: resumed from ${m?.[1]}, newest is ${before.file}`);
      }
      if (mode === 'timer') {
        await new Promise((r) => setTimeout(r, waits[k]));
        child.kill('SIGKILL');
      } else {
        const ckDir = join(run, 'checkpoints');
        await new Promise<void>((res) => {
          const tryWatch = (): void => {
            if (child.exitCode !== null) return res();
            if (!existsSync(ckDir)) return void setTimeout(tryWatch, 5);
            const w = watch(ckDir, (_e, name) => {
              if (name && /\.tmp-\d+$/.test(name)) {
                child.kill('SIGKILL');
                w.close();
                res();
              }
            });
            child.once('exit', () => {
              w.close();
              res();
            });
          };
          tryWatch();
        });
      }
      const { code, signal } = await exited(child);
      if (code === 0) finishedEarly++;
      const integ = checkRunIntegrity(run); // throws on any torn or half-written file
      const latest = readLatestCheckpoint(run);
      records.push({
        kill: k,
        mode,
        delayMs: mode === 'timer' ? waits[k] : -1,
        signal,
        exitCode: code,
        newestCheckpointStep: latest?.checkpoint.state.step ?? null,
        tornTempFiles: integ.leftoverTemps.length,
        metricsLines: integ.metricsLines,
      });
      if (code === 0) break; // the run finished before the kill landed
    }

    // SIGINT: finish the step, write a checkpoint, exit 130
    let sigint: { code: number | null; step: number; checkpointStep: number } | undefined;
    if (!existsSync(join(run, 'summary.json'))) {
      const child = cliChild(['train', '--resume', run, ...common]);
      const out = collect(child);
      await new Promise<void>((res) => {
        const poll = setInterval(() => {
          if (/epoch \d+: train loss/.test(out.text()) || child.exitCode !== null) {
            clearInterval(poll);
            res();
          }
        }, 5);
      });
      child.kill('SIGINT');
      const { code } = await exited(child);
      if (!existsSync(join(run, 'summary.json'))) {
        assert.equal(code, 130, out.text());
        const m = /interrupted at step (\d+); checkpoint (\S+)\. Resume with: trickbox train --resume/.exec(out.text());
        assert.ok(m, out.text());
        const latest = readLatestCheckpoint(run);
        assert.equal(latest?.file, m[2]);
        assert.equal(latest?.checkpoint.state.step, Number(m[1]));
        sigint = { code, step: Number(m[1]), checkpointStep: latest!.checkpoint.state.step };
      }
      checkRunIntegrity(run);
    }

    const fin = await cliInProcess(['train', '--resume', run, '-q', ...common]);
    assert.equal(fin.code, 0, fin.stderr);
    const integ = checkRunIntegrity(run);
    assert.deepEqual(comparableMetrics(run), comparableMetrics(ref));
    assert.ok(
      readFileSync(join(run, 'model', 'weights.bin')).equals(readFileSync(join(ref, 'model', 'weights.bin'))),
      'final weights differ from the uninterrupted run',
    );
    assert.deepEqual(
      JSON.parse(readFileSync(join(run, 'confusion.json'), 'utf8')),
      JSON.parse(readFileSync(join(ref, 'confusion.json'), 'utf8')),
    );
    const cut = records.filter((r) => r.signal === 'SIGKILL').length;
    console.log(
      `crash: ${cut} SIGKILLs (${records.filter((r) => r.signal === 'SIGKILL' && r.mode === 'checkpoint-write').length} at a checkpoint write, ` +
        `${records.reduce((s, r) => s + (r.tornTempFiles > 0 ? 1 : 0), 0)} left a cut temp file), ` +
        `${finishedEarly} finished before the kill; SIGINT ${sigint ? `at step ${sigint.step} → exit ${sigint.code}` : 'not needed'}; ` +
        `final metrics.jsonl ${integ.metricsLines} lines identical to the uninterrupted run, weights bit-identical`,
    );
    console.log(JSON.stringify(records));
    assert.ok(cut >= Math.min(KILLS, 2), `only ${cut} kills landed`);
    // temp files of cut writes are never taken for checkpoints
    assert.ok(readdirSync(join(run, 'checkpoints')).every((f) => /^ckpt-\d+\.tbx$/.test(f) || /\.tmp-\d+$/.test(f)));
  },
);
