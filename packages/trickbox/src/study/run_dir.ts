// What a study reads from, and compares in, a trial's run directory: recipe.json, summary.json, the epoch lines
// of metrics.jsonl and provenance.json. Only the trainer's outputs, never its internals.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { readRunDir, type EpochLine } from '../report/run.js';
import type { Recipe } from '../train/recipe.js';
import { readRunRecipe } from '../train/run_recipe.js';
import { PRUNED_FILE, writePruned, type PruneRecord } from './prune.js';
import type { Provenance } from './provenance.js';

export type TrialState = 'finished' | 'pruned' | 'started' | 'absent';

const readJson = (file: string): any => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);

/** JSON with object keys sorted, so two equal recipes give the same text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** The resolved recipe a run directory was trained with (its recipe.json without the derived schedule). */
export function storedRecipe(runDir: string): Record<string, unknown> | undefined {
  const file = join(runDir, 'recipe.json');
  return existsSync(file) ? readRunRecipe(file) : undefined;
}

export const sameRecipe = (runDir: string, recipe: Recipe): boolean =>
  canonicalJson(storedRecipe(runDir)) === canonicalJson(recipe);

export function trialState(runDir: string): TrialState {
  if (existsSync(join(runDir, 'summary.json'))) return 'finished';
  if (existsSync(join(runDir, PRUNED_FILE))) return 'pruned';
  return existsSync(join(runDir, 'recipe.json')) ? 'started' : 'absent';
}

export interface TrialOutcome {
  /** recipe.json as the trainer wrote it. */
  recipe: Record<string, any>;
  summary: Record<string, any>;
  epochs: EpochLine[];
  provenance: Provenance;
}

/** A finished trial's results, as they travel through the queue and into study.json. */
export function readOutcome(runDir: string): TrialOutcome {
  return {
    recipe: readJson(join(runDir, 'recipe.json')),
    summary: readJson(join(runDir, 'summary.json')),
    epochs: readRunDir(runDir).epochs,
    provenance: readJson(join(runDir, 'provenance.json')),
  };
}

/** Writes an outcome that came back through the queue into a run directory (summary.json last). */
export function writeOutcome(runDir: string, o: TrialOutcome): void {
  writeFileAtomic(join(runDir, 'recipe.json'), JSON.stringify(o.recipe, null, 2) + '\n');
  writeFileAtomic(join(runDir, 'metrics.jsonl'), o.epochs.map((e) => JSON.stringify(e) + '\n').join(''));
  writeFileAtomic(join(runDir, 'provenance.json'), JSON.stringify(o.provenance, null, 2) + '\n');
  writeFileAtomic(join(runDir, 'summary.json'), JSON.stringify(o.summary, null, 2) + '\n');
}

/** The epoch lines of metrics.jsonl so far (none before the trainer started). */
export const epochLines = (runDir: string): EpochLine[] =>
  existsSync(join(runDir, 'metrics.jsonl')) ? readRunDir(runDir).epochs : [];

/** A pruned trial's results, as they travel back through the queue: no summary, the record of the decision. */
export interface PrunedOutcome extends Omit<TrialOutcome, 'summary'> {
  pruned: PruneRecord;
}

export const isPruned = (o: TrialOutcome | PrunedOutcome): o is PrunedOutcome => 'pruned' in o;

/** What a pruned run directory holds so far; the recipe falls back to the trial's own when it never started. */
export function readPrunedOutcome(runDir: string, pruned: PruneRecord, recipe: Recipe): PrunedOutcome {
  return {
    recipe: readJson(join(runDir, 'recipe.json')) ?? recipe,
    epochs: epochLines(runDir),
    provenance: readJson(join(runDir, 'provenance.json')),
    pruned,
  };
}

/** Writes a pruned outcome that came back through the queue into a run directory (pruned.json last). */
export function writePrunedOutcome(runDir: string, o: PrunedOutcome): void {
  writeFileAtomic(join(runDir, 'recipe.json'), JSON.stringify(o.recipe, null, 2) + '\n');
  writeFileAtomic(join(runDir, 'metrics.jsonl'), o.epochs.map((e) => JSON.stringify(e) + '\n').join(''));
  if (o.provenance) writeFileAtomic(join(runDir, 'provenance.json'), JSON.stringify(o.provenance, null, 2) + '\n');
  writePruned(runDir, o.pruned);
}

export const readProvenance = (runDir: string): Provenance | undefined => readJson(join(runDir, 'provenance.json'));
