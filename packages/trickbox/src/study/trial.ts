// One trial, in the process that trains it: an ordinary training run of its resolved recipe in its run directory,
// resumed from the newest checkpoint when the directory holds the same recipe, skipped when already finished.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { train } from '../train/trainer.js';
import type { Recipe } from '../train/recipe.js';
import { TrainingError } from '../train/trainer.js';
import { currentProvenance, provenanceKey, type Provenance } from './provenance.js';
import { readOutcome, readProvenance, sameRecipe, trialState, type TrialOutcome } from './run_dir.js';

export interface TrialJob {
  /** Absolute run directory. */
  runDir: string;
  recipe: Recipe;
  /** Name shown in messages: <config>/seed-<s>. */
  label: string;
  /** A student's study directory (absolute): its recipe's distillation.teacher is relative to it. */
  studyDir?: string;
}

export async function executeTrial(
  job: TrialJob,
  stopSignal: { stop: boolean },
  log: (m: string) => void,
  onEpoch: () => void = () => undefined,
): Promise<TrialOutcome | 'interrupted'> {
  const { runDir, recipe } = job;
  const state = trialState(runDir);
  if (state !== 'absent' && !sameRecipe(runDir, recipe))
    throw new TrainingError(`${job.label}: ${runDir} holds a run of another recipe; the study moves it aside first`);
  const provenance: Provenance = await currentProvenance();
  const before = readProvenance(runDir);
  if (state !== 'absent' && before && provenanceKey(before) !== provenanceKey(provenance))
    throw new TrainingError(
      `${job.label}: started on ${provenanceKey(before)}; this worker is ${provenanceKey(provenance)} — a trial is not resumed on another commit or instruction set`,
    );
  if (state === 'finished') return readOutcome(runDir);
  writeFileAtomic(join(runDir, 'provenance.json'), JSON.stringify(provenance, null, 2) + '\n');
  const result = await train({
    recipe,
    runDir,
    resume: existsSync(join(runDir, 'recipe.json')),
    stopSignal,
    teacherBase: job.studyDir,
    log,
    callbacks: [{ onEpochEnd: onEpoch }],
  });
  if (result.status === 'interrupted') return 'interrupted';
  return readOutcome(runDir);
}
