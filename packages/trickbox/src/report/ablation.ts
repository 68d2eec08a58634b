// Comparison table of several runs (Markdown + HTML): the saved model's test accuracy, delta to the baseline, the
// saved model's epoch, epochs, time. (No "best test epoch": choosing by the test set would bias the figure.)
import { join } from 'node:path';
import { escapeHtml, STYLE } from './report.js';
import { readRunDir, writeFileAtomic } from './run.js';

export interface AblationRow {
  name: string;
  dir: string;
  /** Test top-1 of the saved model (`summary.json` `selected`; the last epoch's while a run is unfinished). */
  testTop1: number;
  /** Epoch of the saved model (chosen on the validation split by early stopping, else the last). */
  selectedEpoch: number;
  epochs: number;
  wallSeconds: number;
  status: string;
}

export function ablationRows(runDirs: string[]): AblationRow[] {
  return runDirs.map((dir) => {
    const run = readRunDir(dir);
    const last = run.epochs[run.epochs.length - 1];
    return {
      name: String(run.recipe?.name ?? dir),
      dir,
      testTop1: run.summary?.selected?.metrics?.testTop1 ?? last?.testTop1 ?? NaN,
      selectedEpoch: run.summary?.selected?.epoch ?? last?.epoch ?? NaN,
      epochs: run.epochs.length,
      wallSeconds: last?.wallSeconds ?? NaN,
      status: run.summary?.status ?? 'incomplete',
    };
  });
}

const pct = (v: number): string => (Number.isFinite(v) ? (100 * v).toFixed(2) : '–');
const delta = (v: number, base: number): string =>
  Number.isFinite(v) && Number.isFinite(base) ? `${v >= base ? '+' : ''}${(100 * (v - base)).toFixed(2)}` : '–';

/** Markdown table; the first row is the baseline. */
export function ablationMarkdown(rows: AblationRow[]): string {
  const base = rows[0]?.testTop1 ?? NaN;
  const lines = [
    '| recipe | test top-1 (%) | Δ vs baseline (pp) | saved epoch | epochs | wall time (s) | status |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${pct(r.testTop1)} | ${rows.indexOf(r) === 0 ? 'baseline' : delta(r.testTop1, base)} | ${Number.isFinite(r.selectedEpoch) ? r.selectedEpoch : '–'} | ${r.epochs} | ${Number.isFinite(r.wallSeconds) ? r.wallSeconds.toFixed(0) : '–'} | ${r.status} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}

export function ablationHtml(rows: AblationRow[]): string {
  const base = rows[0]?.testTop1 ?? NaN;
  const body = rows
    .map((r, i) => {
      const d = r.testTop1 - base;
      const cls = i === 0 || !Number.isFinite(d) ? '' : d >= 0 ? 'pos' : 'neg';
      return `<tr><td>${escapeHtml(r.name)}</td><td>${pct(r.testTop1)}</td><td class="${cls}">${i === 0 ? 'baseline' : delta(r.testTop1, base)}</td><td>${Number.isFinite(r.selectedEpoch) ? r.selectedEpoch : '–'}</td><td>${r.epochs}</td><td>${Number.isFinite(r.wallSeconds) ? r.wallSeconds.toFixed(0) : '–'}</td><td>${escapeHtml(r.status)}</td></tr>`;
    })
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>trickbox ablation</title><style>${STYLE}</style></head><body><h1>Ablation</h1><table><tr><th>recipe</th><th>test top-1 (%)</th><th>Δ vs baseline (pp)</th><th>saved epoch</th><th>epochs</th><th>wall time (s)</th><th>status</th></tr>${body}</table></body></html>\n`;
}

/** Writes ablation.md and ablation.html into outDir; returns their paths. */
export function writeAblation(
  runDirs: string[],
  outDir: string,
): { markdown: string; html: string; rows: AblationRow[] } {
  const rows = ablationRows(runDirs);
  const markdown = join(outDir, 'ablation.md');
  const html = join(outDir, 'ablation.html');
  writeFileAtomic(markdown, ablationMarkdown(rows));
  writeFileAtomic(html, ablationHtml(rows));
  return { markdown, html, rows };
}
