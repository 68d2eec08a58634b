// Reports: self-contained report.html of a run, and ablation tables comparing runs.
export { writeReport, escapeHtml } from './report.js';
export { renderSvg, lineChart, confusionChart } from './charts.js';
export { readRunDir, type RunInfo, type EpochLine } from './run.js';
export { writeAblation, ablationRows, ablationMarkdown, ablationHtml, type AblationRow } from './ablation.js';
export { renderAugmentationGrid, type AugmentationGridOptions } from './augmentGrid.js';
