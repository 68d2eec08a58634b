import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeReport, writeAblation, readRunDir } from '../../src/report/index.js';
import { lrCurve, runSchedule } from '../../src/report/lr.js';
import { cosine, multiStep } from '../../src/schedules/index.js';

/** A run directory as the trainer writes it: recipe.json, metrics.jsonl (with a torn last line), confusion.json. */
function makeRun(name: string, accs: number[], torn = false): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'trickbox-report-')), name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ name, description: 'a <test> run' }));
  const lines: string[] = [];
  accs.forEach((a, i) => {
    lines.push(JSON.stringify({ type: 'step', step: i * 10 + 5, epoch: i + 1, loss: 1 - a, lr: 0.1 / (i + 1) }));
    lines.push(
      JSON.stringify({
        type: 'epoch',
        epoch: i + 1,
        step: (i + 1) * 10,
        lr: 0.1 / (i + 1),
        trainLoss: 1 - a,
        trainAccuracy: a,
        testLoss: 1.1 - a,
        testTop1: a - 0.01,
        testTop5: 0.99,
        epochSeconds: 3,
        dataWaitFraction: 0.02,
        wallSeconds: 3 * (i + 1),
      }),
    );
  });
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n' + (torn ? '{"type":"epoch","epo' : ''));
  writeFileSync(
    join(dir, 'confusion.json'),
    JSON.stringify({
      epoch: accs.length,
      classNames: ['cat', 'dog'],
      matrix: [
        [8, 2],
        [1, 9],
      ],
    }),
  );
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({
      status: 'completed',
      selected: { epoch: accs.length, reason: 'last epoch', metrics: { testTop1: accs[accs.length - 1] - 0.01 } },
      wallSeconds: 9,
      epochs: accs.length,
    }),
  );
  return dir;
}

test('report.html is self-contained: inline SVG charts, confusion matrix, base64 grid, escaped text', async () => {
  const dir = makeRun('base', [0.5, 0.7, 0.8], true);
  assert.equal(readRunDir(dir).epochs.length, 3); // the torn line is ignored
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
    .png()
    .toBuffer();
  const file = await writeReport(dir, { augmentGridPng: png });
  const html = readFileSync(file, 'utf8');
  assert.equal((html.match(/<svg/g) ?? []).length, 4); // loss, accuracy, lr, confusion
  assert.match(html, /data:image\/png;base64,/);
  assert.match(html, /a &lt;test&gt; run/);
  assert.match(html, /79\.00%/); // final test top-1
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org|vega\.github\.io)/);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp')),
    [],
  );
});

test('ablation table: accuracy, delta to the first (baseline) run, epochs, wall time', () => {
  const a = makeRun('baseline', [0.8, 0.9]);
  const b = makeRun('mixup', [0.8, 0.92]);
  const out = mkdtempSync(join(tmpdir(), 'trickbox-abl-'));
  const { markdown, html, rows } = writeAblation([a, b], out);
  assert.equal(rows.length, 2);
  const md = readFileSync(markdown, 'utf8');
  // the saved model's test top-1 and epoch (never the best test epoch)
  assert.match(md, /\| baseline \| 89\.00 \| baseline \| 2 \| 2 \| 6 \| completed \|/);
  assert.doesNotMatch(md, /best/);
  assert.match(md, /\| mixup \| 91\.00 \| \+2\.00 \|/);
  assert.match(readFileSync(html, 'utf8'), /class="pos">\+2\.00/);
  assert.throws(() => writeAblation([out], out), /not a run directory/);
});

/** recipe.json of a run as the trainer writes it: 5 epochs of 10 iterations, cosine with 1 epoch of warmup. */
function scheduledRecipe(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'scheduled',
    description: 'ResNet-20 at lr 0.1',
    training: { batchSize: 128, epochs: 5 },
    optimizer: { lr: 0.1, linearScalingReference: 256 }, // effective lr 0.05
    schedule: { name: 'cosine', warmupEpochs: 1, warmupInit: 0, warmupMode: 'linear', minLr: 0, gamma: 0.1 },
    resolvedSchedule: { stepsPerEpoch: 10, totalSteps: 50, warmupSteps: 10, stepSize: 10, milestones: [] },
    ...extra,
  };
}

/** The points of the line drawn in the `index`-th SVG chart of a report. */
function linePoints(html: string, index: number): number[][] {
  const svg = html.split('<svg').slice(1)[index];
  const d = /aria-roledescription="line mark" d="M([^"]+)"/.exec(svg)?.[1];
  assert.ok(d, 'no line in the chart');
  return d.split('L').map((p) => p.split(',').map(Number));
}

test("the LR chart is the run's schedule at every iteration (not the logEvery samples)", async () => {
  const dir = makeRun('lr', [0.5, 0.6]); // logs one step line per epoch
  writeFileSync(join(dir, 'recipe.json'), JSON.stringify(scheduledRecipe()));
  const html = readFileSync(await writeReport(dir), 'utf8');
  const pts = linePoints(html, 2);
  assert.equal(pts.length, 50);
  // the warmup rises from the bottom of the chart (lr 0) to its top (lr 0.05) at iteration 10, then decays
  const ys = pts.map((p) => p[1]);
  assert.equal(Math.max(...ys), ys[0]);
  assert.equal(Math.min(...ys), ys[10]);
  for (let i = 1; i <= 10; i++) assert.ok(ys[i] < ys[i - 1], `warmup at ${i}`);
  for (let i = 11; i < 50; i++) assert.ok(ys[i] > ys[i - 1], `decay at ${i}`);
});

test('runSchedule rebuilds the trainer schedule from recipe.json; lrCurve keeps every jump of a long run', () => {
  const built = runSchedule(scheduledRecipe());
  assert.ok(built);
  const reference = cosine({ lr: 0.05, steps: 50, warmupSteps: 10 });
  assert.deepEqual(
    lrCurve(built.schedule, built.totalSteps),
    Array.from({ length: 50 }, (_, s) => ({ step: s, lr: reference(s) })),
  );
  assert.equal(runSchedule({ name: 'old run without resolvedSchedule' }), undefined);
  // 100,000 iterations, 3 of constant warmup, decays ÷10 at 30,000 and 60,000: thinned, every level still drawn
  const long = multiStep({
    lr: 0.1,
    milestones: [30000, 60000],
    warmupSteps: 3,
    warmupInit: 0.001,
    warmupMode: 'constant',
  });
  const curve = lrCurve(long, 100000, 400);
  assert.ok(curve.length <= 4 * 400, `${curve.length} points`);
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i].step > curve[i - 1].step);
  for (const lr of [0.001, 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1])
    assert.ok(
      curve.some((p) => Math.abs(p.lr - lr) < 1e-12),
      `lr ${lr} missing`,
    );
  // each jump is drawn within one pixel column (250 iterations) of where it happens
  const near = (step: number, lr: number): boolean =>
    curve.some((p) => Math.abs(p.step - step) < 250 && Math.abs(p.lr - lr) < 1e-12);
  assert.ok(near(2, 0.001) && near(3, 0.1), 'the warmup switch');
  assert.ok(near(29999, 0.1) && near(30000, 0.01) && near(59999, 0.01) && near(60000, 0.001), 'the decays');
  assert.equal(curve[curve.length - 1].step, 99999);
});

test('the report shows the --set overrides beside the description; the recipe block wraps', async () => {
  const dir = makeRun('overridden', [0.5]);
  writeFileSync(join(dir, 'recipe.json'), JSON.stringify(scheduledRecipe({ description: 'x'.repeat(400) })));
  writeFileSync(
    join(dir, 'overrides.json'),
    JSON.stringify({ recipe: 'recipes/base.json', set: ['optimizer.lr=0.05', 'mixing.name=<mixup>'] }),
  );
  const html = readFileSync(await writeReport(dir), 'utf8');
  assert.match(
    html,
    /<p>x{400}<\/p><p>Overrides of <code>recipes\/base\.json<\/code>: <code>--set optimizer\.lr=0\.05<\/code> <code>--set mixing\.name=&lt;mixup&gt;<\/code><\/p>/,
  );
  assert.match(html, /<style>[^<]*pre\{white-space:pre-wrap;overflow-wrap:anywhere/);
  // no overrides file (a run trained from TypeScript): no line
  const plain = makeRun('plain', [0.5]);
  assert.doesNotMatch(readFileSync(await writeReport(plain), 'utf8'), /Overrides/);
});
