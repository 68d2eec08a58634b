// Vega-Lite specs compiled and rendered to SVG on the server (no browser, no script in the output).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type Row = Record<string, number | string>;

/** Lines of `series` (one colour per name) over x. */
export function lineChart(
  rows: Row[],
  {
    x,
    y,
    series,
    title,
    yTitle,
    width = 420,
    height = 240,
    logY = false,
  }: {
    x: string;
    y: string;
    series?: string;
    title: string;
    yTitle?: string;
    width?: number;
    height?: number;
    logY?: boolean;
  },
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width,
    height,
    data: { values: rows },
    mark: { type: 'line', point: rows.length <= 60 },
    encoding: {
      x: { field: x, type: 'quantitative', ...(x === 'epoch' ? { axis: { tickMinStep: 1, format: 'd' } } : {}) },
      y: { field: y, type: 'quantitative', title: yTitle ?? y, scale: logY ? { type: 'log' } : { zero: false } },
      ...(series ? { color: { field: series, type: 'nominal', title: null } } : {}),
    },
  } as TopLevelSpec;
}

/** Heat map of a confusion matrix (rows: true class, columns: predicted), with counts. */
export function confusionChart(
  matrix: number[][],
  classNames: string[],
  title = 'Confusion matrix (test set)',
): TopLevelSpec {
  const values: Row[] = [];
  matrix.forEach((row, i) =>
    row.forEach((count, j) =>
      values.push({ actual: classNames[i] ?? String(i), predicted: classNames[j] ?? String(j), count }),
    ),
  );
  const maxCount = Math.max(1, ...matrix.flat());
  const size = Math.min(560, Math.max(200, 28 * classNames.length));
  const order = classNames;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: size,
    height: size,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order },
      y: { field: 'actual', type: 'nominal', sort: order },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } } } },
      ...(classNames.length <= 20
        ? [
            {
              mark: { type: 'text', fontSize: 9 },
              encoding: {
                text: { field: 'count', type: 'quantitative' },
                // white on the dark half of the colour scale
                color: { condition: { test: `datum.count > ${maxCount / 2}`, value: 'white' }, value: 'black' },
              },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}
