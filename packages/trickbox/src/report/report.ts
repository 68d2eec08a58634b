// report.html of a run: loss/accuracy curves, the LR curve, the confusion matrix and augmentation samples, as one
// self-contained file (inline SVG and base64 PNG). It reads the run directory only; it does not import the trainer.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { confusionChart, lineChart, renderSvg } from './charts.js';
import { lrCurve, runSchedule } from './lr.js';
import { readRunDir, writeFileAtomic, type RunInfo } from './run.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const STYLE = `body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.pos{color:#070}.neg{color:#a00}code{background:#f5f5f5;padding:1px 4px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%}`;

const pct = (v: unknown): string => (typeof v === 'number' ? `${(100 * v).toFixed(2)}%` : '–');

/** The run's changes to its recipe file, shown beside the recipe's own description (which they may contradict). */
function overridesLine(o: RunInfo['overrides']): string {
  if (!o?.set?.length) return '';
  const from = o.recipe ? ` of <code>${escapeHtml(o.recipe)}</code>` : '';
  return `<p>Overrides${from}: ${o.set.map((s) => `<code>--set ${escapeHtml(s)}</code>`).join(' ')}</p>`;
}

/** Writes `<runDir>/report.html` atomically and returns its path. `augmentGridPng`: a PNG to inline, if any. */
export async function writeReport(
  runDir: string,
  { augmentGridPng }: { augmentGridPng?: Uint8Array } = {},
): Promise<string> {
  const run = readRunDir(runDir);
  const epochs = run.epochs;
  const sections: string[] = [];
  if (epochs.length) {
    const lossRows = epochs.flatMap((e) => [
      { epoch: e.epoch, value: e.trainLoss, split: 'train' },
      ...(e.valLoss !== undefined ? [{ epoch: e.epoch, value: e.valLoss, split: 'validation' }] : []),
      { epoch: e.epoch, value: e.testLoss, split: 'test' },
    ]);
    const accRows = epochs.flatMap((e) => [
      { epoch: e.epoch, value: e.trainAccuracy, split: 'train' },
      ...(e.valTop1 !== undefined ? [{ epoch: e.epoch, value: e.valTop1, split: 'validation' }] : []),
      { epoch: e.epoch, value: e.testTop1, split: 'test' },
    ]);
    const charts = [
      await renderSvg(
        lineChart(lossRows, { x: 'epoch', y: 'value', series: 'split', title: 'Loss', yTitle: 'cross-entropy' }),
      ),
      await renderSvg(
        lineChart(accRows, { x: 'epoch', y: 'value', series: 'split', title: 'Top-1 accuracy', yTitle: 'accuracy' }),
      ),
    ];
    const fromRecipe = runSchedule(run.recipe);
    // runs written before recipe.json held resolvedSchedule: the logged values are all there is
    const lrRows: { step: number; lr: number }[] = fromRecipe
      ? lrCurve(fromRecipe.schedule, fromRecipe.totalSteps)
      : run.steps.length
        ? run.steps.map((s) => ({ step: s.step, lr: s.lr }))
        : epochs.map((e) => ({ step: e.step, lr: e.lr }));
    if (lrRows.length)
      charts.push(
        await renderSvg(
          lineChart(lrRows, { x: 'step', y: 'lr', title: 'Learning rate (per iteration)', yTitle: 'learning rate' }),
        ),
      );
    sections.push(
      `<h2>Training curves</h2><div class="charts">${charts.map((c) => `<figure>${c}</figure>`).join('')}</div>`,
    );
    const rows = epochs
      .map(
        (e) =>
          `<tr><td>${e.epoch}</td><td>${e.trainLoss.toFixed(4)}</td><td>${pct(e.trainAccuracy)}</td><td>${e.valTop1 !== undefined ? pct(e.valTop1) : '–'}</td><td>${e.testLoss.toFixed(4)}</td><td>${pct(e.testTop1)}</td><td>${pct(e.testTop5)}</td><td>${e.lr.toPrecision(3)}</td><td>${e.epochSeconds.toFixed(1)}</td><td>${(100 * e.dataWaitFraction).toFixed(1)}%</td></tr>`,
      )
      .join('');
    sections.push(
      `<h2>Epochs</h2><table><tr><th>epoch</th><th>train loss</th><th>train acc</th><th>val top-1</th><th>test loss</th><th>test top-1</th><th>test top-5</th><th>lr</th><th>seconds</th><th>data wait</th></tr>${rows}</table>`,
    );
  } else sections.push('<p>No epoch has finished yet.</p>');
  if (run.confusion)
    sections.push(
      `<h2>Confusion matrix (epoch ${run.confusion.epoch})</h2>${await renderSvg(confusionChart(run.confusion.matrix, run.confusion.classNames))}`,
    );
  const gridFile = join(runDir, 'augment-grid.png');
  const png = augmentGridPng ?? (existsSync(gridFile) ? readFileSync(gridFile) : undefined);
  if (png)
    sections.push(
      `<h2>Augmented training samples</h2><img alt="augmented samples" style="image-rendering:pixelated;max-width:100%" src="data:image/png;base64,${Buffer.from(png).toString('base64')}">`,
    );
  const r = run.recipe ?? {};
  const final = epochs[epochs.length - 1];
  const summary = run.summary;
  const head = `<h1>trickbox run: ${escapeHtml(String(r.name ?? runDir))}</h1>
<p>${escapeHtml(String(r.description ?? ''))}</p>${overridesLine(run.overrides)}
<table><tr><th>status</th><td>${escapeHtml(String(summary?.status ?? 'in progress'))}</td></tr>
<tr><th>final test top-1</th><td>${final ? pct(final.testTop1) : '–'}</td></tr>
<tr><th>saved model</th><td>${summary?.selected ? `epoch ${summary.selected.epoch} (${escapeHtml(summary.selected.reason)})${summary.selected.metrics ? `, test top-1 ${pct(summary.selected.metrics.testTop1)}` : ''}` : '–'}</td></tr>
<tr><th>epochs</th><td>${epochs.length}</td></tr><tr><th>wall time</th><td>${final ? `${final.wallSeconds.toFixed(1)} s` : '–'}</td></tr></table>`;
  const recipeBlock = `<h2>Resolved recipe</h2><pre>${escapeHtml(JSON.stringify(r, null, 2))}</pre>`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>trickbox report – ${escapeHtml(String(r.name ?? ''))}</title><style>${STYLE}</style></head><body>${head}${sections.join('\n')}${recipeBlock}</body></html>\n`;
  const out = join(runDir, 'report.html');
  writeFileAtomic(out, html);
  return out;
}
