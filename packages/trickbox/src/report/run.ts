// Reading a run directory (recipe.json, metrics.jsonl, confusion.json, summary.json) — shared by reports and tables.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EpochLine {
  epoch: number;
  step: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valTop1?: number;
  testLoss: number;
  testTop1: number;
  testTop5: number;
  epochSeconds: number;
  dataWaitFraction: number;
  wallSeconds: number;
}

export interface RunInfo {
  dir: string;
  recipe?: Record<string, any>;
  epochs: EpochLine[];
  steps: { step: number; lr: number; loss: number }[];
  confusion?: { epoch: number; classNames: string[]; matrix: number[][] };
  /** overrides.json, written by `trickbox train`: the recipe file and the `--set` overrides applied to it. */
  overrides?: { recipe?: string; set: string[] };
  summary?: {
    status: string;
    /** The saved model's epoch and its metrics (model selection uses the validation split only). */
    selected?: { epoch: number; reason: string; metrics?: { testTop1: number } };
    wallSeconds: number;
    epochs: number;
  };
}

function readJson(file: string): any {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

export function readRunDir(dir: string): RunInfo {
  if (!existsSync(join(dir, 'recipe.json')) && !existsSync(join(dir, 'metrics.jsonl')))
    throw new Error(`${dir}: not a run directory (no recipe.json or metrics.jsonl)`);
  const epochs: EpochLine[] = [];
  const steps: RunInfo['steps'] = [];
  const mf = join(dir, 'metrics.jsonl');
  if (existsSync(mf)) {
    const lines = readFileSync(mf, 'utf8').split('\n');
    lines.pop(); // a torn last line (no newline) is not a record
    for (const l of lines) {
      if (!l.trim()) continue;
      const rec = JSON.parse(l);
      if (rec.type === 'epoch') epochs.push(rec);
      else if (rec.type === 'step') steps.push(rec);
    }
  }
  return {
    dir,
    recipe: readJson(join(dir, 'recipe.json')),
    epochs,
    steps,
    confusion: readJson(join(dir, 'confusion.json')),
    overrides: readJson(join(dir, 'overrides.json')),
    summary: readJson(join(dir, 'summary.json')),
  };
}

export { writeFileAtomic } from '../fs/atomic.js';
