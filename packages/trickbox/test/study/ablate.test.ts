// `trickbox ablate` as a front end on the study engine: recipe files become configs (named after their files, the
// first the baseline), --seeds gives intervals and p-values; run directories are compared untrained; bad input is
// refused in one line with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { ablationStudy, parseSeeds } from '../../src/cli/ablate.js';
import { parseStudy } from '../../src/study/study_file.js';
import { planStudy } from '../../src/study/expand.js';
import { summarize, welch } from '../../src/study/stats.js';
import { cli, recipesDir, tempDir, TINY } from './helpers.js';

const quick = join(recipesDir, 'fashion-quick.json');
const sets = TINY.flatMap((s) => ['--set', s]);

function smoothingRecipe(dir: string): string {
  const file = join(dir, 'smooth.json');
  writeFileSync(file, JSON.stringify({ extends: quick, name: 'smooth', loss: { labelSmoothing: 0.1 } }));
  return file;
}

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(args, { out: () => undefined, err: (t) => void (stderr += t) });
  return { code, stderr };
}

test('the study of an ablation: one config per recipe file, its overrides on every trial, the seeds', () => {
  const dir = tempDir();
  const smooth = smoothingRecipe(dir);
  const study = ablationStudy([quick, smooth], { out: join(dir, 'abl'), set: ['data.subset=500'], epochs: 3 });
  assert.deepEqual(study.configs, { 'fashion-quick': { recipe: quick, set: [] }, smooth: { recipe: smooth, set: [] } });
  assert.equal(study.baseline, 'fashion-quick');
  assert.deepEqual(study.seeds, [0]);
  assert.deepEqual(study.set, ['data.subset=500', 'training.epochs=3']);
  const plan = planStudy(parseStudy(study, 'ablate'), 'ablate');
  const t = plan.trials.find((x) => x.config === 'smooth')!;
  assert.equal(t.recipe.loss.labelSmoothing, 0.1);
  assert.equal(t.recipe.training.epochs, 3);
  assert.equal(t.recipe.data.subset, 500);
  assert.deepEqual(parseSeeds('2,0,5'), [2, 0, 5]);
});

test('ablate --seeds 0,1 trains every recipe per seed as a study: intervals and a p-value; run again, nothing trains', () => {
  const dir = tempDir();
  const out = join(dir, 'abl');
  const args = ['ablate', quick, smoothingRecipe(dir), '--seeds', '0,1', ...sets, '--workers', '2', '--threads', '1'];
  const r = cli([...args, '--out', out], 300_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stderr.match(/^study: start /gm) ?? []).length, 4);
  assert.match(r.stdout, /\| smooth \| 2 \| [\d.]+ ± [\d.]+ \|/);
  for (const f of ['ablate-study.json', 'study-input.json', 'study.json', 'study.md', 'study.html'])
    assert.ok(existsSync(join(out, f)), f);
  const sj = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  assert.equal(sj.baseline, 'fashion-quick');
  assert.deepEqual(Object.keys(sj.configs), ['fashion-quick', 'smooth']);
  const metrics = (c: string): number[] => sj.configs[c].trials.map((t: any) => t.metric);
  for (const c of ['fashion-quick', 'smooth']) {
    assert.equal(sj.configs[c].n, 2);
    assert.deepEqual(sj.configs[c].ci95, summarize(metrics(c)).ci95);
    for (const s of [0, 1]) {
      const stored = JSON.parse(readFileSync(join(out, 'trials', c, `seed-${s}`, 'recipe.json'), 'utf8'));
      assert.equal(stored.training.seed, s);
      assert.equal(stored.loss.labelSmoothing, c === 'smooth' ? 0.1 : 0);
      assert.equal(stored.data.subset, 1000);
    }
  }
  const w = welch(metrics('fashion-quick'), metrics('smooth'));
  assert.equal(typeof w.pValue, 'number');
  assert.equal(sj.configs.smooth.pValue, w.pValue);
  assert.deepEqual(sj.configs.smooth.deltaCi95, w.deltaCi95);
  assert.equal(sj.configs['fashion-quick'].pValue, null);

  const again = cli([...args, '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /study: start/);
});

test('ablate refuses in one line, exit 2, nothing written: mixed items, options for run directories, bad seeds', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'a-run');
  mkdirSync(runDir);
  const old = join(dir, 'old');
  mkdirSync(join(old, 'fashion-quick'), { recursive: true });
  writeFileSync(join(old, 'fashion-quick', 'recipe.json'), '{}');
  const other = join(dir, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'fashion-quick.json'), JSON.stringify({ extends: quick }));
  const out = join(dir, 'out');
  const cases: [string[], RegExp][] = [
    [['ablate', runDir, quick, '--out', out], /a-run is a run directory and .*fashion-quick\.json a recipe file;/],
    [['ablate', runDir, '--seeds', '0,1', '--out', out], /ablate: --seeds only apply to recipe files; run directories/],
    [['ablate', quick, '--seeds', '0,x', '--out', out], /ablate: --seeds expects comma-separated integers >= 0/],
    [['ablate', quick, '--seeds', '1,1', '--out', out], /ablate: --seeds lists a seed twice/],
    [['ablate', quick, join(other, 'fashion-quick.json'), '--out', out], /would both be config 'fashion-quick'/],
    [
      ['ablate', quick, '--set', 'loss.labelSmoothin=1', '--out', out],
      /ablate: config 'fashion-quick': .*labelSmoothin/,
    ],
    [['ablate', join(dir, 'missing.json'), '--out', out], /missing\.json: cannot read recipe \(ENOENT\)/],
    [['ablate', quick, '--out', old], /is a run of an earlier ablate .*choose another --out/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(out), `${args.join(' ')} created ${out}`);
  }
});
