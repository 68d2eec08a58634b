// The BullMQ queue on a redis-server of the test's own: identical results to a local run, a SIGKILLed worker's
// trial taken again and resumed, a restarted study picking up the queue's state, an unreachable Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import {
  cli,
  freePort,
  redisAvailable,
  start,
  startRedis,
  tempDir,
  TINY,
  waitFor,
  writeStudy,
  type Running,
} from './helpers.js';

const skip = redisAvailable ? false : 'redis-server is not installed (setup.sh installs it)';

/** config/seed → the trial's metric and its epoch lines without the timings. */
function trialResults(out: string): Record<string, unknown> {
  const sj = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  const r: Record<string, unknown> = {};
  for (const [c, cfg] of Object.entries<any>(sj.configs))
    for (const t of cfg.trials) {
      const epochs = readFileSync(join(out, t.runDir, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"epoch"'))
        .map((l) => {
          const { epochSeconds: _a, wallSeconds: _b, dataWaitFraction: _c, ...rest } = JSON.parse(l);
          return rest;
        });
      r[`${c}/seed-${t.seed}`] = { status: t.status, metric: t.metric, epochs };
    }
  return r;
}

const stopAll = async (procs: Running[]): Promise<void> => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
};

test(
  'queue with two 1-thread workers = local --threads 1; a SIGKILLed worker and a killed study lose nothing',
  { skip },
  async () => {
    const dir = tempDir();
    // 3 epochs so that a worker can be killed between the first checkpoint and the end
    const file = writeStudy(dir, { set: [...TINY, 'training.epochs=3'], seeds: [0] });
    const local = join(dir, 'local');
    const l = cli(['study', file, '--out', local, '--workers', '2', '--threads', '1']);
    assert.equal(l.code, 0, l.stderr);
    const expected = trialResults(local);
    assert.equal(Object.keys(expected).length, 2);

    const redis = await startRedis();
    const procs: Running[] = [];
    try {
      // undisturbed: two workers of one thread each
      const workerArgs = ['worker', '--queue', redis.url, '--threads', '1', '--stall-seconds', '2'];
      procs.push(start(workerArgs), start(workerArgs));
      const queued = join(dir, 'queued');
      const q = cli(['study', file, '--out', queued, '--queue', redis.url]);
      assert.equal(q.code, 0, q.stderr);
      assert.deepEqual(trialResults(queued), expected);
      await stopAll(procs.splice(0));

      // one worker, killed with SIGKILL once its first trial has a checkpoint; the study is killed too, then both
      // are started again: every trial finishes once, with the undisturbed metrics
      const out = join(dir, 'disturbed');
      const victim = start(workerArgs);
      procs.push(victim);
      let study = start(['study', file, '--out', out, '--queue', redis.url]);
      procs.push(study);
      const trials = join(out, 'trials');
      const checkpointed = (): string | undefined => {
        if (!existsSync(trials)) return undefined;
        for (const c of readdirSync(trials))
          for (const s of readdirSync(join(trials, c))) {
            const d = join(trials, c, s);
            if (
              existsSync(join(d, 'checkpoints')) &&
              readdirSync(join(d, 'checkpoints')).length &&
              !existsSync(join(d, 'summary.json'))
            )
              return d;
          }
        return undefined;
      };
      await waitFor('a checkpoint of a running trial', () => checkpointed() !== undefined);
      const interrupted = checkpointed()!;
      victim.child.kill('SIGKILL');
      study.child.kill('SIGKILL');
      await Promise.all([victim.exited, study.exited]);
      const rescuer = start(workerArgs);
      procs.push(rescuer);
      study = start(['study', file, '--out', out, '--queue', redis.url]);
      procs.push(study);
      assert.equal(await study.exited, 0, study.output());
      assert.deepEqual(trialResults(out), expected);
      // the interrupted trial was resumed from its checkpoint by the second worker, not started over
      const log = rescuer.output();
      const label = interrupted.split('/').slice(-2).join('/');
      assert.match(log, new RegExp(`worker: ${label.replace(/[.+=,]/g, '\\$&')}: resuming .* from .*checkpoints`));
      // every trial was completed once across both workers
      const done = (victim.output() + log).match(/^worker: done {3}\S+/gm) ?? [];
      assert.deepEqual([...new Set(done)].sort(), done.sort());
      assert.equal(done.length, 2);
    } finally {
      await stopAll(procs);
      await redis.stop();
    }
  },
);

test('an unreachable Redis: one line naming the URL, exit 1, nothing written', { skip }, async () => {
  const dir = tempDir();
  const url = `redis://127.0.0.1:${await freePort()}`;
  let stderr = '';
  const io = { out: () => undefined, err: (t: string) => void (stderr += t) };
  const out = join(dir, 'out');
  assert.equal(await main(['study', writeStudy(dir), '--out', out, '--queue', url], io), 1);
  assert.match(stderr, new RegExp(`^trickbox: error: cannot reach Redis at ${url} \\(.*ECONNREFUSED.*\\)\\n$`));
  assert.ok(!existsSync(out));
  stderr = '';
  assert.equal(await main(['worker', '--queue', url], io), 1);
  assert.match(stderr, new RegExp(`cannot reach Redis at ${url}`));
  stderr = '';
  assert.equal(await main(['study', writeStudy(dir), '--out', out, '--queue', 'http://x:1'], io), 2);
  assert.match(stderr, /--queue http:\/\/x:1: expected a redis:\/\/HOST:PORT URL/);
});
