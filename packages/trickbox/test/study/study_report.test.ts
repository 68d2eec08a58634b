// Holm, minimum detectable effects and the papers' directions, end to end: a study directory with finished trials
// written by hand (no training), reported by `trickbox study --report`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { planStudy, withAbsolutePaths } from '../../src/study/expand.js';
import { holmAdjust } from '../../src/study/holm.js';
import { minimumDetectableEffect } from '../../src/study/power.js';
import { deltaChart } from '../../src/study/report.js';
import type { StudyResults } from '../../src/study/results.js';
import { writeOutcome } from '../../src/study/run_dir.js';
import { summarize, welch } from '../../src/study/stats.js';
import { parseStudy } from '../../src/study/study_file.js';
import { verdict } from '../../src/study/verdict.js';
import { recipesDir, tempDir, writeStudy } from './helpers.js';

const recipe = join(recipesDir, 'fashion-quick.json');

test('a config in the object form may leave out its recipe (the study’s) and carry the paper’s direction', () => {
  const dir = tempDir();
  const file = join(dir, 'study.json');
  const paper = { direction: 'gain', source: 'Zhang et al. 2018, Table 1' } as const;
  const study = parseStudy(
    { name: 'p', recipe, configs: { baseline: [], mixup: { set: ['mixing.name=mixup'], paper }, plain: {} } },
    file,
  );
  assert.deepEqual(study.configs!.mixup, { set: ['mixing.name=mixup'], paper });
  assert.deepEqual(study.configs!.plain, { set: [] });
  const plan = planStudy(study, file);
  assert.deepEqual(plan.configs.get('mixup'), { recipe, set: ['mixing.name=mixup'], seeds: [0] });
  assert.equal(plan.trials.find((t) => t.config === 'mixup')!.recipe.mixing.name, 'mixup');
  assert.deepEqual(withAbsolutePaths(study, file).configs!.mixup, { set: ['mixing.name=mixup'], paper });
});

test('the verdict: agree / disagree only when Holm p < α, by the metric’s better direction', () => {
  const gain = { direction: 'gain', source: 's' } as const;
  const loss = { direction: 'loss', source: 's' } as const;
  assert.equal(verdict(gain, 0.01, 0.01, 'testTop1', 0.05), 'agree');
  assert.equal(verdict(gain, -0.01, 0.01, 'testTop1', 0.05), 'disagree');
  assert.equal(verdict(loss, -0.01, 0.01, 'testTop1', 0.05), 'agree');
  assert.equal(verdict(gain, -0.01, 0.01, 'testLoss', 0.05), 'agree', 'a lower loss is a gain');
  assert.equal(verdict(gain, 0.01, 0.01, 'valLoss', 0.05), 'disagree');
  assert.equal(verdict(gain, 0.01, 0.05, 'testTop1', 0.05), 'inconclusive', 'p = α is not below α');
  assert.equal(verdict(gain, 0.01, null, 'testTop1', 0.05), 'inconclusive');
});

// baseline, then: a clear gain the paper reports (agree), a gain where the paper reports a loss (disagree), noise
// (inconclusive), a clear loss with no paper
const VALUES: Record<string, number[]> = {
  baseline: [0.91, 0.912, 0.911],
  better: [0.93, 0.931, 0.929],
  contrary: [0.925, 0.927, 0.926],
  noise: [0.911, 0.913, 0.9105],
  worse: [0.905, 0.906, 0.9043],
};

function studyDir(): string {
  const dir = tempDir();
  const paper = (direction: string, source: string) => ({ set: [], paper: { direction, source } });
  const file = writeStudy(
    dir,
    {
      name: 'holm',
      seeds: [0, 1, 2],
      baseline: 'baseline',
      configs: {
        baseline: [],
        better: paper('gain', 'Paper A 2019, Figure 3'),
        contrary: paper('loss', 'Paper B 2020, Table 2'),
        noise: paper('gain', 'Paper C 2021, Table 1'),
        worse: ['loss.labelSmoothing=0.2'],
      },
    },
    'study-input.json',
  );
  const plan = planStudy(parseStudy(JSON.parse(readFileSync(file, 'utf8')), file), file);
  const provenance = { commit: 'abc', isa: 'avx2', backend: 'onednn', threads: 1 };
  for (const t of plan.trials) {
    const v = VALUES[t.config][t.seed];
    writeOutcome(join(dir, t.runDir), {
      recipe: t.recipe,
      summary: { final: { epoch: 1, testTop1: v }, epochs: 1, wallSeconds: 10 + t.seed },
      epochs: [],
      provenance,
    });
  }
  return dir;
}

test('study --report: Holm p over the compared configs, MDEs, paper and verdict in study.json, md and html', async () => {
  const dir = studyDir();
  let out = '';
  const code = await main(['study', '--report', dir], { out: (t) => void (out += t), err: () => undefined });
  assert.equal(code, 0, out);
  const r: StudyResults = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
  const compared = ['better', 'contrary', 'noise', 'worse'];
  const raw = compared.map((c) => welch(VALUES.baseline, VALUES[c]).pValue!);
  const holm = holmAdjust(raw);
  assert.equal(r.alpha, 0.05);
  assert.equal(r.holmFamily, 4);
  assert.equal(r.mdePower, 0.8);
  const base = summarize(VALUES.baseline);
  const mdes: number[] = [];
  compared.forEach((name, i) => {
    const c = r.configs[name];
    assert.ok(Math.abs(c.pValue! - raw[i]) < 1e-15);
    assert.ok(Math.abs(c.pHolm! - holm[i]) < 1e-15, `${name} pHolm`);
    const own = summarize(VALUES[name]);
    const mde = minimumDetectableEffect({ n: 3, std: base.std! }, { n: 3, std: own.std! }, 0.05)!;
    const mdeHolm = minimumDetectableEffect({ n: 3, std: base.std! }, { n: 3, std: own.std! }, 0.05 / 4)!;
    assert.ok(Math.abs(c.mde! - mde) < 1e-15 && Math.abs(c.mdeHolm! - mdeHolm) < 1e-15, `${name} mde`);
    assert.ok(c.mdeHolm! > c.mde!);
    mdes.push(mde);
  });
  mdes.sort((a, b) => a - b);
  assert.ok(Math.abs(r.medianMde! - (mdes[1] + mdes[2]) / 2) < 1e-15);
  assert.equal(r.configs.baseline.pHolm, null);
  assert.equal(r.configs.baseline.mde, null);
  assert.equal(r.configs.baseline.verdict, null);
  assert.deepEqual(r.configs.better.paper, { direction: 'gain', source: 'Paper A 2019, Figure 3' });
  assert.deepEqual(
    compared.map((c) => r.configs[c].verdict),
    ['agree', 'disagree', 'inconclusive', null],
  );
  assert.equal(r.configs.worse.paper, null);
  // the family is what the report says: three of the four stay significant after Holm, the noise does not
  assert.deepEqual(
    compared.map((c) => r.configs[c].pHolm! < 0.05),
    [true, true, false, true],
  );

  const md = readFileSync(join(dir, 'study.md'), 'utf8');
  assert.match(
    md,
    /\| Welch p \| Holm p \(m = 4\) \| MDE α 0\.05 \(pp\) \| MDE Holm \(pp\) \| wall s \(mean\) \| paper \| verdict \|/,
  );
  const row = md.split('\n').find((l) => l.startsWith('| better '))!;
  assert.ok(
    row.endsWith(`| ${(100 * r.configs.better.mdeHolm!).toFixed(2)} | 11 | gain (Paper A 2019, Figure 3) | agree |`),
    row,
  );
  assert.match(
    md.split('\n').find((l) => l.startsWith('| worse '))!,
    /\| – \| – \|$/,
  );
  const line = `With n = 3 per row and the observed spread, this study could detect deltas of about ${(100 * r.medianMde!).toFixed(2)} points (median MDE) at α = 0.05, ${(100 * r.medianMdeHolm!).toFixed(2)} points after Holm (α/m = 0.05/4).`;
  assert.ok(md.includes(line), md);
  assert.match(md, /Verdict on the paper's direction: agree when the Holm-adjusted p < 0\.05/);

  const html = readFileSync(join(dir, 'study.html'), 'utf8');
  assert.ok(html.includes(line.replace(/</g, '&lt;')));
  assert.match(html, /<td>gain \(Paper A 2019, Figure 3\)<\/td><td>agree<\/td>/);
  assert.match(html, /outlined and starred: Holm-adjusted p &lt; 0\.05 \(m = 4\)/);
  // one star per bar whose Holm p < α: better, contrary, worse
  assert.equal(html.match(/>\*<\/text>/g)?.length, 3);
  const spec = deltaChart(r) as unknown as { data: { values: { config: string; holm: boolean }[] } };
  assert.deepEqual(
    spec.data.values.map((v) => [v.config, v.holm]),
    [
      ['better', true],
      ['contrary', true],
      ['noise', false],
      ['worse', true],
    ],
  );
});
