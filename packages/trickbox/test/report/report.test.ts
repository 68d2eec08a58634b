import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeReport, writeAblation, readRunDir } from '../../src/report/index.js';

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
