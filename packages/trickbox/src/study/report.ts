// The study's report files: study.json (results.ts), study.md (the table) and a self-contained study.html with
// per-epoch curves (mean ± std band per config) and the deltas to the baseline with their 95% intervals, the bars
// that stay significant after Holm's correction marked.
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../fs/atomic.js';
import { renderSvg } from '../report/charts.js';
import { escapeHtml, STYLE } from '../report/report.js';
import type { ConfigResult, CurvePoint, StudyResults } from './results.js';

const isLoss = (metric: string): boolean => metric.endsWith('Loss');
/** Accuracies in percent, losses as they are. */
const fmt = (metric: string, v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '–'
    : isLoss(metric)
      ? v.toFixed(4)
      : (100 * v).toFixed(digits);
const signed = (metric: string, v: number | null): string =>
  v === null ? '–' : `${v >= 0 ? '+' : ''}${fmt(metric, v)}`;
const interval = (metric: string, ci: [number, number] | null): string =>
  ci ? `[${fmt(metric, ci[0])}, ${fmt(metric, ci[1])}]` : '–';
const pValue = (p: number | null): string => (p === null ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const paperCell = (c: ConfigResult): string => (c.paper ? `${c.paper.direction} (${c.paper.source})` : '–');
const significantAfterHolm = (r: StudyResults, c: ConfigResult): boolean => c.pHolm !== null && c.pHolm < r.alpha;

function tableRows(r: StudyResults): string[][] {
  return Object.entries(r.configs).map(([name, c]) => {
    const counts = ['failed', 'pruned', 'pending']
      .map((s) => [s, c.trials.filter((t) => t.status === s).length] as const)
      .filter(([, k]) => k > 0)
      .map(([s, k]) => `${k} ${s}`);
    const teacher = c.teacher && `${c.teacher}${c.teacherSeed === undefined ? '' : `/seed-${c.teacherSeed}`}`;
    return [
      teacher ? `${name} (teacher: ${teacher})` : name,
      String(c.n) + (counts.length ? ` (${counts.join(', ')})` : ''),
      c.std === null ? fmt(r.metric, c.mean) : `${fmt(r.metric, c.mean)} ± ${fmt(r.metric, c.std)}`,
      interval(r.metric, c.ci95),
      name === r.baseline ? 'baseline' : signed(r.metric, c.delta),
      interval(r.metric, c.deltaCi95),
      pValue(c.pValue),
      pValue(c.pHolm),
      fmt(r.metric, c.mde),
      fmt(r.metric, c.mdeHolm),
      c.wallSeconds === null ? '–' : c.wallSeconds.toFixed(0),
      paperCell(c),
      c.verdict ?? '–',
    ];
  });
}

function header(r: StudyResults): string[] {
  const unit = isLoss(r.metric) ? '' : ' (%)';
  return [
    'config',
    'n',
    `${r.metric}${unit} mean ± std`,
    '95% CI',
    `Δ vs ${r.baseline}${isLoss(r.metric) ? '' : ' (pp)'}`,
    'Δ 95% CI',
    'Welch p',
    `Holm p (m = ${r.holmFamily})`,
    `MDE α ${r.alpha}${unit === '' ? '' : ' (pp)'}`,
    `MDE Holm${unit === '' ? '' : ' (pp)'}`,
    'wall s (mean)',
    'paper',
    'verdict',
  ];
}

/** The counts of finished trials per row, as "3" or "2–3". */
function nRange(r: StudyResults): string {
  const ns = Object.values(r.configs)
    .map((c) => c.n)
    .filter((n) => n > 0);
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

/** The study-level power line and the rules behind the Holm, MDE and verdict columns. */
function significanceLines(r: StudyResults): string[] {
  const unit = isLoss(r.metric) ? '' : ' points';
  const lines = [
    `Holm's step-down correction (Holm 1979) over the m = ${r.holmFamily} configs compared with ${r.baseline} that have a p-value, family-wise α = ${r.alpha}. ` +
      `MDE: the smallest |Δ| a two-sided Welch test detects with power ${r.mdePower}, the observed stds taken as the true ones (noncentral t); "MDE Holm" at Holm's strictest level α/m.`,
  ];
  if (r.medianMde !== null)
    lines.push(
      `With n = ${nRange(r)} per row and the observed spread, this study could detect deltas of about ${fmt(r.metric, r.medianMde)}${unit} (median MDE) at α = ${r.alpha}, ` +
        `${fmt(r.metric, r.medianMdeHolm)}${unit} after Holm (α/m = ${r.alpha}/${r.holmFamily}).`,
    );
  if (Object.values(r.configs).some((c) => c.paper))
    lines.push(
      `Verdict on the paper's direction: agree when the Holm-adjusted p < ${r.alpha} and Δ moved the way the paper reports ` +
        `(a gain is ${isLoss(r.metric) ? 'a lower' : 'a higher'} ${r.metric}), disagree when Holm p < ${r.alpha} and it moved the other way, inconclusive otherwise.`,
    );
  return lines;
}

export function studyMarkdown(r: StudyResults): string {
  const h = header(r);
  const lines = [
    `# Study ${r.name}`,
    '',
    `Metric: ${r.metric} of each trial's saved model; baseline: ${r.baseline}.` +
      (r.provenance
        ? ` Trials ran on ${r.provenance.backend}, ISA ${r.provenance.isa}, ${r.provenance.threads} thread(s), commit ${r.provenance.commit}.`
        : ''),
    '',
    `| ${h.join(' | ')} |`,
    `| --- | ${h
      .slice(1)
      .map(() => '---:')
      .join(' | ')} |`,
    ...tableRows(r).map((row) => `| ${row.join(' | ')} |`),
    '',
    ...significanceLines(r).flatMap((l) => [l, '']),
  ];
  lines.pop();
  const notes = Object.entries(r.configs).flatMap(([name, c]) =>
    c.trials.filter((t) => t.note).map((t) => `- ${name}/seed-${t.seed}: ${t.note}`),
  );
  if (notes.length) lines.push('', 'Notes:', '', ...notes);
  return lines.join('\n') + '\n';
}

function curveChart(curves: CurvePoint[], metric: string): TopLevelSpec {
  const scale = isLoss(metric) ? 1 : 100;
  const values = curves.map((c) => ({
    config: c.config,
    epoch: c.epoch,
    mean: c.mean * scale,
    lo: (c.mean - c.std) * scale,
    hi: (c.mean + c.std) * scale,
  }));
  const title = `${metric}${isLoss(metric) ? '' : ' (%)'} per epoch`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${title}: mean ± std over seeds`,
    width: 520,
    height: 280,
    data: { values },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1, format: 'd' } },
      color: { field: 'config', type: 'nominal', title: null },
    },
    layer: [
      {
        mark: { type: 'errorband', opacity: 0.2 },
        encoding: { y: { field: 'lo', type: 'quantitative', title, scale: { zero: false } }, y2: { field: 'hi' } },
      },
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}

export function deltaChart(r: StudyResults): TopLevelSpec {
  const scale = isLoss(r.metric) ? 1 : 100;
  const values = Object.entries(r.configs)
    .filter(([name, c]) => name !== r.baseline && c.delta !== null)
    .map(([name, c]) => ({
      config: name,
      delta: c.delta! * scale,
      lo: (c.deltaCi95?.[0] ?? c.delta!) * scale,
      hi: (c.deltaCi95?.[1] ?? c.delta!) * scale,
      holm: significantAfterHolm(r, c),
    }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Δ ${r.metric} vs ${r.baseline}, with 95% intervals`,
      subtitle: `outlined and starred: Holm-adjusted p < ${r.alpha} (m = ${r.holmFamily})`,
    },
    width: 520,
    height: Math.max(60, 26 * values.length),
    data: { values },
    encoding: { y: { field: 'config', type: 'nominal', sort: null, title: null } },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x: { field: 'delta', type: 'quantitative', title: `Δ${isLoss(r.metric) ? '' : ' (pp)'}` },
          color: { condition: { test: 'datum.delta >= 0', value: '#4a8' }, value: '#c55' },
          stroke: { condition: { test: 'datum.holm', value: '#000' }, value: null },
          strokeWidth: { condition: { test: 'datum.holm', value: 2 }, value: 0 },
        },
      },
      // the star beyond the interval's outer end, away from zero
      {
        transform: [{ filter: 'datum.holm && datum.delta >= 0' }],
        mark: { type: 'text', text: '*', align: 'left', dx: 4, fontSize: 16, fontWeight: 'bold' },
        encoding: { x: { field: 'hi', type: 'quantitative' } },
      },
      {
        transform: [{ filter: 'datum.holm && datum.delta < 0' }],
        mark: { type: 'text', text: '*', align: 'right', dx: -4, fontSize: 16, fontWeight: 'bold' },
        encoding: { x: { field: 'lo', type: 'quantitative' } },
      },
      {
        mark: { type: 'rule', color: '#222' },
        encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
      },
    ],
  } as TopLevelSpec;
}

export async function studyHtml(r: StudyResults, curves: CurvePoint[]): Promise<string> {
  const h = header(r);
  const table =
    `<table><tr>${h.map((x) => `<th>${escapeHtml(x)}</th>`).join('')}</tr>` +
    tableRows(r)
      .map((row) => `<tr>${row.map((x) => `<td>${escapeHtml(x)}</td>`).join('')}</tr>`)
      .join('') +
    '</table>';
  const charts = [curves.length ? await renderSvg(curveChart(curves, r.metric)) : ''];
  if (Object.keys(r.configs).length > 1) charts.push(await renderSvg(deltaChart(r)));
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>trickbox study ${escapeHtml(r.name)}</title>` +
    `<style>${STYLE}</style></head><body><h1>Study ${escapeHtml(r.name)}</h1>` +
    `<p>Metric: ${escapeHtml(r.metric)} of each trial's saved model; baseline: ${escapeHtml(r.baseline)}; p: Welch's t-test against the baseline.</p>` +
    significanceLines(r)
      .map((l) => `<p>${escapeHtml(l)}</p>`)
      .join('') +
    `${table}<div class="charts">${charts.join('')}</div></body></html>\n`
  );
}

/** Writes study.json, study.md and study.html into outDir; returns their paths. */
export async function writeStudyReport(outDir: string, r: StudyResults, curves: CurvePoint[]): Promise<string[]> {
  const files = [join(outDir, 'study.json'), join(outDir, 'study.md'), join(outDir, 'study.html')];
  writeFileAtomic(files[0], JSON.stringify(r, null, 2) + '\n');
  writeFileAtomic(files[1], studyMarkdown(r));
  writeFileAtomic(files[2], await studyHtml(r, curves));
  return files;
}
