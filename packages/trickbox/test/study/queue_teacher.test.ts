// Distillation in a study on the BullMQ queue, on a redis-server of the test's own: the student's job is added once
// its teacher's result is back, and takes the teacher's model to a worker with storage of its own (--dir), which has
// never seen the teacher; the student trains as it does locally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Queue } from 'bullmq';
import { QUEUE_NAME, type QueuedResult, type QueuedTrial } from '../../src/study/queue.js';
import {
  cli,
  epochLines,
  redisAvailable,
  start,
  startRedis,
  tempDir,
  waitFor,
  writeStudy,
  type Running,
} from './helpers.js';

const skip = redisAvailable ? false : 'redis-server is not installed (setup.sh installs it)';

test(
  "queue: a student is queued after its teacher's result, and its worker gets the teacher's model with the job",
  { skip },
  async () => {
    const dir = tempDir();
    const file = writeStudy(dir, {
      seeds: [0],
      configs: {
        kd: { set: ['distillation.alpha=0.5', 'distillation.temperature=2'], teacher: 'wide' },
        wide: ['model.options.filters=[16,32]'],
      },
    });
    const local = join(dir, 'local');
    const l = cli(['study', file, '--out', local, '--threads', '1']);
    assert.equal(l.code, 0, l.stderr);

    const redis = await startRedis();
    const procs: Running[] = [];
    const queue = new Queue<QueuedTrial, QueuedResult>(QUEUE_NAME, { connection: { url: redis.url } });
    try {
      const out = join(dir, 'queued');
      const [storageA, storageB] = [join(dir, 'storage-a'), join(dir, 'storage-b')];
      const worker = (storage: string): Running =>
        start(['worker', '--queue', redis.url, '--threads', '1', '--stall-seconds', '2', '--dir', storage]);
      const study = start(['study', file, '--out', out, '--queue', redis.url]);
      procs.push(study);
      // worker A trains the teacher and, told to stop once it has taken it, nothing else
      const a = worker(storageA);
      procs.push(a);
      await waitFor('worker A to take the teacher', () => a.output().includes('worker: start  wide/seed-0'));
      a.child.kill('SIGINT');
      const b = worker(storageB);
      procs.push(b);
      assert.equal(await study.exited, 0, study.output());
      assert.equal(await a.exited, 0, a.output());
      assert.doesNotMatch(a.output(), /worker: start {2}kd/);
      assert.match(b.output(), /worker: start {2}kd\/seed-0/);

      const name = basename(out);
      const teacherModel = (root: string): Buffer[] =>
        ['model.json', 'weights.bin'].map((f) => readFileSync(join(root, 'trials', 'wide', 'seed-0', 'model', f)));
      // the teacher's model came back with its result, and went on with the student's job to worker B, which has
      // the model only: it never trained the teacher
      assert.deepEqual(teacherModel(out), teacherModel(join(storageA, name)));
      assert.deepEqual(teacherModel(join(storageB, name)), teacherModel(out));
      assert.ok(!existsSync(join(storageB, name, 'trials', 'wide', 'seed-0', 'recipe.json')));
      assert.equal(
        JSON.parse(readFileSync(join(out, 'trials', 'kd', 'seed-0', 'recipe.json'), 'utf8')).distillation.teacher,
        join('trials', 'wide', 'seed-0'),
      );
      // the same teacher and student as locally
      for (const c of ['wide', 'kd'])
        assert.deepEqual(epochLines(join(out, 'trials', c, 'seed-0')), epochLines(join(local, 'trials', c, 'seed-0')));

      const jobs = await queue.getJobs(['completed']);
      const job = (label: string) => jobs.find((j) => j.data.trial.label === label)!;
      assert.equal(jobs.length, 2);
      assert.ok(
        job('kd/seed-0').timestamp >= job('wide/seed-0').finishedOn!,
        'the student was queued before its teacher finished',
      );
      assert.equal(job('wide/seed-0').data.returnModel, true);
      assert.equal(job('kd/seed-0').data.teacherModel?.runDir, join('trials', 'wide', 'seed-0'));
      assert.ok(!('model' in job('kd/seed-0').returnvalue), 'a student brings no model back');
      const sj = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
      assert.equal(sj.configs.kd.teacher, 'wide');
      assert.deepEqual(
        Object.values<any>(sj.configs).map((c) => c.n),
        [1, 1],
      );
    } finally {
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await queue.close();
      await redis.stop();
    }
  },
);
