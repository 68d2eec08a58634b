import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, shouldPrune } from '../../src/study/prune.js';
import { cli, tempDir, TINY, writeStudy } from './helpers.js';

test('median pruning: worse than the median of at least two others; for losses higher is worse', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(shouldPrune(0.5, [0.9], 'valTop1'), null); // one other trial is not enough
  assert.equal(shouldPrune(0.5, [0.9, 0.8, 0.1], 'valTop1'), 0.8);
  assert.equal(shouldPrune(0.5, [0.75, 0.25], 'valTop1'), null); // the median itself is not worse
  assert.equal(shouldPrune(0.49, [0.75, 0.25], 'valTop1'), 0.5);
  assert.equal(shouldPrune(0.7, [0.3, 0.5], 'valLoss'), 0.4);
  assert.equal(shouldPrune(0.2, [0.3, 0.5], 'valLoss'), null);
});

test('a study with prune stops a trial below the median and leaves it out of the statistics', () => {
  const dir = tempDir();
  const file = writeStudy(dir, {
    set: [...TINY, 'training.epochs=6', 'data.valSplit=0.2'],
    seeds: [0],
    configs: { a: [], b: ['optimizer.lr=0.05'], starved: ['optimizer.lr=0.00001'] },
    prune: { rule: 'median', afterEpochs: 1 },
  });
  const out = join(dir, 'out');
  // one trial at a time: a and b finish first, then starved meets their median at the first epoch the study reads
  // (it polls the trial's metrics, so on a fast machine that can be epoch 2 or later; never the last)
  const r = cli(['study', file, '--out', out, '--workers', '1', '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /study: pruned starved\/seed-0 after epoch [1-5]: valTop1 [\d.]+ < median [\d.]+/);
  const sj = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  assert.equal(sj.configs.starved.n, 0);
  assert.equal(sj.configs.starved.mean, null);
  assert.equal(sj.configs.starved.trials[0].status, 'pruned');
  assert.match(sj.configs.starved.trials[0].note, /^pruned after epoch [1-5]: valTop1/);
  assert.ok(!existsSync(join(out, 'trials', 'starved', 'seed-0', 'summary.json')));
  assert.equal(sj.configs.a.trials[0].status, 'finished');
  assert.match(readFileSync(join(out, 'study.md'), 'utf8'), /\| starved \| 0 \(1 pruned\) \|/);
  // run again: the pruned trial is neither resumed nor counted
  const again = cli(['study', file, '--out', out, '--workers', '1', '--threads', '1']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /study: start/);
});

test('prune needs the validation split its selectBy reads', () => {
  const dir = tempDir();
  const file = writeStudy(dir, { prune: { rule: 'median' } });
  const r = cli(['study', file, '--out', join(dir, 'out')]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /prune looks at selectBy 'valTop1', which needs a validation split: add "data\.valSplit=0\.1" to set/,
  );
});
