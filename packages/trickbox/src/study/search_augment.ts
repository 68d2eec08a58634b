// Augmentation-policy search, the cheap modern form of AutoAugment's search (Cubuk et al. 2019): a RandAugment
// (N, M) grid (Cubuk et al. 2020) and TrivialAugment (Müller & Hutter 2021) as configs of a study on a proxy task
// (a subset, a short schedule), chosen on the validation split; the winner is written as a recipe.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { applyOverrides, loadRecipe, RecipeError, type TransformSpec } from '../train/recipe.js';
import { trialMetric } from './results.js';
import { readOutcome, trialState } from './run_dir.js';
import { runStudy, type StudyRun, type TrialExecutor } from './run_study.js';
import type { Metric } from './study_file.js';

/** Policies the search replaces (every other transform of the recipe is kept, in order, before the policy). */
const POLICIES = new Set(['autoAugment', 'randAugment', 'trivialAugment']);

export interface SearchAugmentOptions {
  recipeFile: string;
  sets: string[];
  outDir: string;
  proxySubset: number;
  proxyEpochs: number;
  seeds: number[];
  n: number[];
  m: number[];
  selectBy: Metric;
}

/** The study file of a search: `none` (the recipe's own transforms minus any policy), each (N, M), TrivialAugment. */
export function searchStudy(o: SearchAugmentOptions): Record<string, unknown> {
  const recipe = loadRecipe(o.recipeFile, o.sets);
  const kept: TransformSpec[] = recipe.augment.filter((t) => !POLICIES.has(t.name));
  const withPolicy = (p: TransformSpec): string[] => [`augment=${JSON.stringify([...kept, p])}`];
  const configs: Record<string, string[]> = { none: [`augment=${JSON.stringify(kept)}`] };
  for (const n of o.n)
    for (const m of o.m) configs[`randAugment-n${n}-m${m}`] = withPolicy({ name: 'randAugment', options: { n, m } });
  configs.trivialAugment = withPolicy({ name: 'trivialAugment' });
  return {
    name: `search-augment-${recipe.name}`.replace(/[^A-Za-z0-9._=,+-]/g, '-'),
    recipe: resolve(o.recipeFile),
    set: [
      ...o.sets,
      `data.subset=${o.proxySubset}`,
      `training.epochs=${o.proxyEpochs}`,
      ...(recipe.data.valSplit > 0 ? [] : ['data.valSplit=0.1']),
    ],
    seeds: o.seeds,
    baseline: 'none',
    configs,
    metric: 'testTop1',
    selectBy: o.selectBy,
  };
}

/** The config with the best mean `selectBy` over its finished trials (losses: lowest). */
export function winner(run: StudyRun, outDir: string, selectBy: Metric): { config: string; value: number } | undefined {
  let best: { config: string; value: number } | undefined;
  for (const [config, result] of Object.entries(run.results.configs)) {
    const values = result.trials
      .filter((t) => t.status === 'finished' && trialState(join(outDir, t.runDir)) === 'finished')
      .map((t) => trialMetric(readOutcome(join(outDir, t.runDir)).summary, selectBy))
      .filter((v): v is number => v !== null);
    if (!values.length) continue;
    const value = values.reduce((a, b) => a + b, 0) / values.length;
    const better = !best || (selectBy.endsWith('Loss') ? value < best.value : value > best.value);
    if (better) best = { config, value };
  }
  return best;
}

export async function searchAugment(
  o: SearchAugmentOptions,
  executor: TrialExecutor,
  io: { log: (m: string) => void; stopSignal?: { stop: boolean } },
): Promise<{ run: StudyRun; best?: { config: string; value: number; file: string } }> {
  const studyFile = join(o.outDir, 'search-study.json');
  writeFileAtomic(studyFile, JSON.stringify(searchStudy(o), null, 2) + '\n');
  const run = await runStudy(studyFile, o.outDir, executor, io);
  const w = winner(run, o.outDir, o.selectBy);
  if (!w || run.interrupted) return { run };
  // the input recipe (with the user's --set) and the winner's transforms; the full schedule, not the proxy's
  const raw = applyOverrides(JSON.parse(readFileSync(o.recipeFile, 'utf8')), o.sets) as Record<string, any>;
  const won = run.plan.trials.find((t) => t.config === w.config)!.recipe.augment;
  const best = {
    ...raw,
    $schema: undefined,
    name: `${raw.name ?? 'recipe'}-${w.config}`,
    description:
      `${raw.description ?? ''} Augmentation chosen by trickbox search-augment: ${w.config} (mean ${o.selectBy} ${w.value.toFixed(4)} on the proxy task).`.trim(),
    augment: won,
  };
  const file = join(o.outDir, 'best.json');
  writeFileAtomic(file, JSON.stringify(best, null, 2) + '\n');
  try {
    loadRecipe(file);
  } catch (e) {
    throw new RecipeError(`search-augment: the winning recipe ${file} does not validate: ${(e as Error).message}`);
  }
  return { run, best: { ...w, file } };
}
