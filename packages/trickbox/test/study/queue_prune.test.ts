// Median pruning on the BullMQ queue, with a redis-server of the test's own and two workers on separate storage
// (--dir): the epoch lines travel to the study as job progress, the prune request to the worker over the Relay,
// and the pruned trial back as the job's result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../../src/study/prune.js';
import { cli, redisAvailable, start, startRedis, tempDir, TINY, waitFor, writeStudy, type Running } from './helpers.js';

const skip = redisAvailable ? false : 'redis-server is not installed (setup.sh installs it)';

const valTop1 = (runDir: string): number[] =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"epoch"'))
    .map((l) => JSON.parse(l).valTop1);

test('on the queue a trial below the median of the others at its epoch is pruned and left out', { skip }, async () => {
  const dir = tempDir();
  const epochs = 6;
  const file = writeStudy(dir, {
    set: [...TINY, `training.epochs=${epochs}`, 'data.valSplit=0.2'],
    seeds: [0],
    configs: { a: [], b: ['optimizer.lr=0.1'], starved: ['optimizer.lr=0.00001'] },
    prune: { rule: 'median', afterEpochs: 1 },
  });
  const out = join(dir, 'out');
  const redis = await startRedis();
  const workers: Running[] = [];
  try {
    // the jobs enter the queue in the study's order: a and b are taken first, starved once one of them has finished,
    // so that at each of starved's epochs both others have a value and a or b can never see two others
    for (const w of ['w1', 'w2'])
      workers.push(
        start(['worker', '--queue', redis.url, '--threads', '1', '--stall-seconds', '5', '--dir', join(dir, w)]),
      );
    const r = cli(['study', file, '--out', out, '--queue', redis.url], 300_000);
    assert.equal(r.code, 0, r.stderr);
    const m = r.stderr.match(/study: pruned starved\/seed-0 after epoch (\d+): valTop1 ([\d.]+) < median ([\d.]+)/);
    assert.ok(m, r.stderr);

    const sj = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
    assert.deepEqual(
      Object.entries<any>(sj.configs).map(([c, x]) => [c, x.n, x.trials[0].status]),
      [
        ['a', 1, 'finished'],
        ['b', 1, 'finished'],
        ['starved', 0, 'pruned'],
      ],
    );
    assert.equal(sj.configs.starved.mean, null);
    assert.equal(sj.configs.starved.pValue, null);

    // the rule, recomputed from the epoch lines that travelled back into the study directory
    const record = JSON.parse(readFileSync(join(out, 'trials', 'starved', 'seed-0', 'pruned.json'), 'utf8'));
    const e = record.epoch;
    assert.equal(e, Number(m[1]));
    assert.ok(e >= 1 && e < epochs, `pruned at epoch ${e}`);
    const others = ['a', 'b'].map((c) => valTop1(join(out, 'trials', c, 'seed-0'))[e - 1]);
    assert.equal(record.others, 2);
    assert.equal(record.median, median(others));
    const starved = valTop1(join(out, 'trials', 'starved', 'seed-0'));
    assert.equal(record.value, starved[e - 1]);
    assert.ok(record.value < record.median);
    // stopped after its current step, not trained to the end: no summary, fewer epoch lines than the schedule
    assert.ok(starved.length < epochs, `${starved.length} epochs`);
    assert.ok(!existsSync(join(out, 'trials', 'starved', 'seed-0', 'summary.json')));
    assert.match(sj.configs.starved.trials[0].note, new RegExp(`^pruned after epoch ${e}: valTop1`));
    assert.match(readFileSync(join(out, 'study.md'), 'utf8'), /\| starved \| 0 \(1 pruned\) \|/);

    // the worker that ran it stopped it on the request and marked its own run directory; the job was not taken again
    const output = (): string => workers.map((w) => w.output()).join('');
    // the workers' output is read once this process runs its event loop again (cli() blocks it)
    await waitFor("the workers' lines", () => /worker: pruned starved/.test(output()), 10_000);
    const logs = output();
    assert.match(logs, /worker: prune {2}starved\/seed-0 after epoch \d+: stopping it after its current step/);
    assert.match(logs, /worker: pruned starved\/seed-0/);
    assert.equal(logs.match(/worker: start {2}starved\/seed-0/g)?.length, 1);
    const ran = ['w1', 'w2'].map((w) => join(dir, w, 'out', 'trials', 'starved', 'seed-0')).find(existsSync)!;
    assert.deepEqual(JSON.parse(readFileSync(join(ran, 'pruned.json'), 'utf8')), record);

    // run again: the pruned trial is neither resumed nor counted
    const again = cli(['study', file, '--out', out, '--queue', redis.url]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /study: start/);
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await redis.stop();
  }
});
