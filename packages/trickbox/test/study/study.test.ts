import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../helpers/paths.js';
import { expandGrid, planStudy, withAbsolutePaths } from '../../src/study/expand.js';
import { welch, summarize } from '../../src/study/stats.js';
import { parseStudy } from '../../src/study/study_file.js';
import { main } from '../../src/cli/main.js';
import { cli, recipesDir, tempDir, writeStudy } from './helpers.js';

const recipe = join(recipesDir, 'fashion-quick.json');

test('a grid expands to configs named by their values, first key slowest; list indices reach into augment', () => {
  assert.deepEqual(expandGrid({ 'optimizer.lr': [0.05, 0.1], 'loss.labelSmoothing': [0, 0.1] }), [
    ['optimizer.lr=0.05,loss.labelSmoothing=0', ['optimizer.lr=0.05', 'loss.labelSmoothing=0']],
    ['optimizer.lr=0.05,loss.labelSmoothing=0.1', ['optimizer.lr=0.05', 'loss.labelSmoothing=0.1']],
    ['optimizer.lr=0.1,loss.labelSmoothing=0', ['optimizer.lr=0.1', 'loss.labelSmoothing=0']],
    ['optimizer.lr=0.1,loss.labelSmoothing=0.1', ['optimizer.lr=0.1', 'loss.labelSmoothing=0.1']],
  ]);
  const study = parseStudy(
    {
      name: 'g',
      recipe,
      seeds: [3, 4],
      configs: { plain: [] },
      grid: { 'augment.0.options.p': [0.25, 1] },
      baseline: 'plain',
    },
    'g.json',
  );
  const plan = planStudy(study, join(recipesDir, 'g.json'));
  assert.deepEqual([...plan.configs.keys()], ['plain', 'augment.0.options.p=0.25', 'augment.0.options.p=1']);
  assert.equal(plan.trials.length, 6);
  const t = plan.trials.find((x) => x.config === 'augment.0.options.p=0.25' && x.seed === 4)!;
  assert.equal(t.runDir, join('trials', 'augment.0.options.p=0.25', 'seed-4'));
  assert.equal(t.recipe.training.seed, 4);
  assert.deepEqual(t.recipe.augment[0].options, { p: 0.25 });
  assert.equal(study.metric, 'testTop1');
  assert.equal(study.selectBy, 'valTop1');
});

test('a config may bring its own recipe file, relative to the study file; the study then needs no recipe', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'smooth.json'), JSON.stringify({ extends: recipe, loss: { labelSmoothing: 0.1 } }));
  const file = join(dir, 'own.json');
  const study = parseStudy(
    {
      name: 'own',
      seeds: [0],
      configs: { quick: { recipe }, smooth: { recipe: 'smooth.json', set: ['data.subset=300'] } },
    },
    file,
  );
  assert.deepEqual(study.configs!.quick, { recipe, set: [] });
  const plan = planStudy(study, file);
  assert.deepEqual(plan.configs.get('smooth'), {
    recipe: join(dir, 'smooth.json'),
    set: ['data.subset=300'],
    seeds: [0],
  });
  const [quick, smooth] = plan.trials;
  assert.equal(quick.recipe.loss.labelSmoothing, 0);
  assert.equal(smooth.recipe.loss.labelSmoothing, 0.1);
  assert.equal(smooth.recipe.data.subset, 300);
  assert.equal((withAbsolutePaths(study, file).configs!.smooth as { recipe: string }).recipe, join(dir, 'smooth.json'));
});

test("a config's own seeds replace the study's for its trials (five for the full recipe, three per ablation row)", () => {
  const study = parseStudy(
    {
      name: 'loo',
      recipe,
      seeds: [0, 1, 2],
      configs: { full: { set: [], seeds: [0, 1, 2, 3, 4] }, 'no-flip': ['augment=[]'], 'no-smoothing': { set: [] } },
      baseline: 'full',
    },
    'loo.json',
  );
  const plan = planStudy(study, join(recipesDir, 'loo.json'));
  const seedsOf = (config: string): number[] => plan.trials.filter((t) => t.config === config).map((t) => t.seed);
  assert.deepEqual(seedsOf('full'), [0, 1, 2, 3, 4]);
  assert.deepEqual(seedsOf('no-flip'), [0, 1, 2]);
  assert.deepEqual(seedsOf('no-smoothing'), [0, 1, 2]);
  assert.equal(plan.trials.length, 11);
  assert.equal(plan.trials.find((t) => t.config === 'full' && t.seed === 4)!.recipe.training.seed, 4);
  for (const [seeds, re] of [
    [[], /configs\.full\.seeds must NOT have fewer than 1 items/],
    [[1, 1], /configs\.full\.seeds must NOT have duplicate items/],
    [[-1], /configs\.full\.seeds\.0 must be >= 0/],
  ] as const)
    assert.throws(
      () => parseStudy({ name: 'loo', recipe, configs: { full: { set: [], seeds } } }, 'loo.json'),
      (e: Error) => re.test(e.message),
    );
});

test('bad study files: one line naming the file and the field, exit 2, nothing written', async () => {
  const dir = tempDir();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ seed: [0] }, /study\.json: unknown field 'seed'; accepted: .*seeds/],
    [
      { configs: { baseline: [], typo: ['loss.labelSmoothin=0.1'] } },
      /study\.json: config 'typo': .*unknown field 'loss\.labelSmoothin'/,
    ],
    [
      { configs: { baseline: [], bad: ['loss.labelSmoothing=2'] } },
      /study\.json: config 'bad': .*loss\.labelSmoothing is 2/,
    ],
    [
      { recipe: join(dir, 'missing.json') },
      /study\.json: config 'baseline': .*missing\.json: cannot read recipe \(ENOENT\)/,
    ],
    [{ baseline: 'nope' }, /study\.json: baseline 'nope' is not a config; accepted: baseline, smoothing/],
    [{ selectBy: 'testTop1' }, /selectBy is 'testTop1'; choosing on the test set is refused/],
    [{ configs: undefined }, /needs "configs" or "grid"/],
    [{ metric: 'accuracy' }, /metric is "accuracy"; accepted: testTop1/],
    [
      { recipe: undefined },
      /study\.json: missing field 'recipe' \(needed by the grid and by configs without a recipe of their own\)/,
    ],
    [
      { configs: { baseline: [], own: { recipe: 'x.json', sets: [] } } },
      /study\.json: unknown field 'configs\.own\.sets'; accepted: recipe, set, seeds, teacher, teacherSeed, paper/,
    ],
    [
      { configs: { baseline: [], own: 'x.json' } },
      /study\.json: configs\.own must be a list of --set overrides or \{ "recipe": file, "set": \[\.\.\.\], "seeds": \[\.\.\.\], "teacher": config, "paper": \{\.\.\.\} \}/,
    ],
    [
      { configs: { baseline: [], mixup: { set: [], paper: { direction: 'up', source: 'Zhang et al. 2018' } } } },
      /study\.json: configs\.mixup\.paper\.direction is "up"; accepted: gain, loss/,
    ],
    [
      { configs: { baseline: [], mixup: { paper: { direction: 'gain' } } } },
      /study\.json: missing field 'configs\.mixup\.paper\.source'/,
    ],
    [
      { configs: { baseline: [], mixup: { paper: { direction: 'gain', source: 'x', figure: 2 } } } },
      /study\.json: unknown field 'configs\.mixup\.paper\.figure'; accepted: direction, source/,
    ],
    [
      {
        recipe: undefined,
        configs: { baseline: { recipe: join(recipesDir, 'fashion-quick.json') }, mixup: { set: [] } },
      },
      /study\.json: missing field 'recipe' \(needed by the grid and by configs without a recipe of their own\)/,
    ],
    [
      { configs: { baseline: { set: [], paper: { direction: 'gain', source: 'x' } }, smoothing: [] } },
      /study\.json: configs\.baseline\.paper: 'baseline' is the baseline/,
    ],
  ];
  for (const [fields, re] of cases) {
    const out = join(dir, 'out');
    let stderr = '';
    const code = await main(['study', writeStudy(dir, fields), '--out', out], {
      out: () => undefined,
      err: (t) => void (stderr += t),
    });
    const r = { code, stderr };
    assert.equal(r.code, 2, `${JSON.stringify(fields)}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(out), `${out} was created`);
  }
});

test('a local study: trial run directories, study.json/md/html, statistics from the trials; rerun reuses, changes retrain', () => {
  const dir = tempDir();
  const file = writeStudy(dir);
  const out = join(dir, 'out');
  const r = cli(['study', file, '--out', out, '--workers', '2', '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stderr.match(/^study: start /gm) ?? []).length, 4);
  assert.match(r.stderr, /study: done {3}smoothing\/seed-\d: testTop1 0\.\d+ in \d+ s {2}\[#+-*\] \d\/4/);
  for (const c of ['baseline', 'smoothing'])
    for (const s of [0, 1]) {
      const runDir = join(out, 'trials', c, `seed-${s}`);
      for (const f of ['recipe.json', 'metrics.jsonl', 'summary.json', 'provenance.json'])
        assert.ok(existsSync(join(runDir, f)), join(runDir, f));
      const stored = JSON.parse(readFileSync(join(runDir, 'recipe.json'), 'utf8'));
      assert.equal(stored.training.seed, s);
      assert.equal(stored.loss.labelSmoothing, c === 'smoothing' ? 0.1 : 0);
      assert.equal(stored.data.subset, 1000);
    }
  const sj = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  assert.equal(sj.name, 'tiny');
  assert.equal(sj.metric, 'testTop1');
  assert.equal(sj.baseline, 'baseline');
  assert.equal(sj.provenance.threads, 1);
  const metricOf = (c: string): number[] => sj.configs[c].trials.map((t: any) => t.metric);
  for (const c of ['baseline', 'smoothing']) {
    const cfg = sj.configs[c];
    assert.equal(cfg.n, 2);
    assert.deepEqual(
      cfg.trials.map((t: any) => [t.seed, t.status, t.epochs, t.runDir]),
      [0, 1].map((s) => [s, 'finished', 2, join('trials', c, `seed-${s}`)]),
    );
    for (const t of cfg.trials) {
      const summary = JSON.parse(readFileSync(join(out, t.runDir, 'summary.json'), 'utf8'));
      assert.equal(t.metric, summary.final.testTop1);
      assert.ok(t.metric > 0.5, `accuracy ${t.metric}: the tiny trial learned nothing`);
    }
    const s = summarize(metricOf(c));
    assert.equal(cfg.mean, s.mean);
    assert.deepEqual(cfg.ci95, s.ci95);
  }
  const w = welch(metricOf('baseline'), metricOf('smoothing'));
  assert.equal(sj.configs.smoothing.delta, w.delta);
  assert.equal(sj.configs.smoothing.pValue, w.pValue);
  assert.equal(sj.configs.baseline.pValue, null);
  assert.equal(sj.configs.baseline.delta, 0);
  const md = readFileSync(join(out, 'study.md'), 'utf8');
  assert.match(md, /\| smoothing \| 2 \| [\d.]+ ± [\d.]+ \| \[-?[\d.]+, [\d.]+\] \| [+-][\d.]+ \|/);
  const html = readFileSync(join(out, 'study.html'), 'utf8');
  assert.equal((html.match(/<svg/g) ?? []).length, 2);
  assert.ok(!/<script/i.test(html));

  // the same command again: nothing trains, the same table
  const again = cli(['study', file, '--out', out, '--workers', '2', '--threads', '1']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /study: start/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'study.json'), 'utf8')), sj);
  // --report trains nothing either
  writeFileSync(join(out, 'study.md'), '');
  const rep = cli(['study', '--report', out]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.equal(readFileSync(join(out, 'study.md'), 'utf8'), md);
  // a report of trials whose recipe no longer matches (other code, an edited recipe) moves nothing: it reports them
  // as trained, with a note
  const input = join(out, 'study-input.json');
  const kept = readFileSync(input, 'utf8');
  const edited = JSON.parse(kept);
  edited.configs.smoothing = ['loss.labelSmoothing=0.3'];
  writeFileSync(input, JSON.stringify(edited));
  const stale = cli(['study', '--report', out]);
  assert.equal(stale.code, 0, stale.stderr);
  assert.deepEqual(readdirSync(join(out, 'trials', 'smoothing')).sort(), ['seed-0', 'seed-1']);
  assert.match(readFileSync(join(out, 'study.md'), 'utf8'), /smoothing\/seed-0: reported as trained/);
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, 'study.json'), 'utf8')).configs.smoothing.mean,
    sj.configs.smoothing.mean,
  );
  writeFileSync(input, kept);
  // the export script copies the result files only, and a report of the copy gives the same statistics
  const copy = join(tempDir(), 'exported');
  const exported = spawnSync(
    process.execPath,
    [join(packageRoot, '..', '..', 'scripts', 'export-study.mjs'), out, copy],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(exported.status, 0, exported.stderr);
  assert.deepEqual(readdirSync(join(copy, 'trials', 'baseline', 'seed-0')).sort(), [
    'confusion.json',
    'metrics.jsonl',
    'provenance.json',
    'recipe.json',
    'summary.json',
  ]);
  const fromCopy = cli(['study', '--report', copy]);
  assert.equal(fromCopy.code, 0, fromCopy.stderr);
  const copied = JSON.parse(readFileSync(join(copy, 'study.json'), 'utf8'));
  assert.deepEqual(copied.configs.smoothing.mean, sj.configs.smoothing.mean);
  assert.deepEqual(copied.configs.smoothing.pValue, sj.configs.smoothing.pValue);

  // one config changes: only its trials train again, the old runs are moved aside and the report says so
  writeStudy(dir, { configs: { baseline: [], smoothing: ['loss.labelSmoothing=0.2'] } });
  const changed = cli(['study', file, '--out', out, '--workers', '2', '--threads', '1']);
  assert.equal(changed.code, 0, changed.stderr);
  assert.deepEqual((changed.stderr.match(/^study: start {2}(\S+)/gm) ?? []).sort(), [
    'study: start  smoothing/seed-0',
    'study: start  smoothing/seed-1',
  ]);
  assert.match(readFileSync(join(out, 'study.md'), 'utf8'), /smoothing\/seed-0: trained again: its recipe changed/);
  assert.equal(readdirSync(join(out, 'trials', 'smoothing')).filter((d) => d.includes('.replaced-')).length, 2);
  const sj2 = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  assert.deepEqual(sj2.configs.baseline.trials, sj.configs.baseline.trials);

  // another thread count is another provenance: refused, not mixed
  const mixed = cli(['study', file, '--out', out, '--threads', '2']);
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /1 thread; this run would use .*2 threads — a study does not mix them/);
});

test("a trial's metric is its saved model's epoch: selected.metrics when the summary has it, else final", async () => {
  const { trialMetric } = await import('../../src/study/results.js');
  const final = { testTop1: 0.9, valTop1: 0.88 };
  assert.equal(trialMetric({ final }, 'testTop1'), 0.9);
  assert.equal(
    trialMetric(
      { final, selected: { epoch: 3, reason: 'early stopping', metrics: { testTop1: 0.91, valTop1: 0.9 } } },
      'valTop1',
    ),
    0.9,
  );
  assert.equal(trialMetric({ final, selected: { epoch: 5, reason: 'last' } }, 'testTop1'), 0.9);
  assert.equal(trialMetric({ final }, 'valLoss'), null);
  assert.equal(trialMetric(undefined, 'testTop1'), null);
});

test('Ctrl-C stops a local study after a checkpoint (exit 130); the same command resumes it to the undisturbed metrics', async () => {
  const { start, waitFor, TINY } = await import('./helpers.js');
  const dir = tempDir();
  const file = writeStudy(dir, { set: [...TINY, 'training.epochs=3'], seeds: [0], configs: { baseline: [] } });
  const epochLines = (out: string): unknown[] =>
    readFileSync(join(out, 'trials', 'baseline', 'seed-0', 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"epoch"'))
      .map((l) => {
        const { epochSeconds: _a, wallSeconds: _b, dataWaitFraction: _c, ...rest } = JSON.parse(l);
        return rest;
      });
  const calm = join(dir, 'calm');
  assert.equal(cli(['study', file, '--out', calm, '--threads', '1']).code, 0);
  const out = join(dir, 'cut');
  const ckpts = join(out, 'trials', 'baseline', 'seed-0', 'checkpoints');
  const study = start(['study', file, '--out', out, '--threads', '1']);
  await waitFor('the first checkpoint', () => existsSync(ckpts) && readdirSync(ckpts).length > 0);
  study.child.kill('SIGINT');
  assert.equal(await study.exited, 130, study.output());
  assert.ok(
    !existsSync(join(out, 'trials', 'baseline', 'seed-0', 'summary.json')),
    'the trial finished before the stop',
  );
  const again = cli(['study', file, '--out', out, '--threads', '1']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /study: start {2}baseline\/seed-0 \(resuming\)/);
  assert.deepEqual(epochLines(out), epochLines(calm));
});
