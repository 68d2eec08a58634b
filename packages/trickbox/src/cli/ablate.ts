// `trickbox ablate` (docs/cli.md): recipe files compared as a study — one config per recipe, named after its file,
// the first the baseline, one trial per seed of --seeds — run by `trickbox study`'s code, so resuming, the trial
// directories, study.json/md/html and the statistics are the study's. Finished run directories are compared as
// they are (no training) in DIR/ablation.md/html.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { RecipeError } from '../train/recipe.js';
import type { CliIo } from './main.js';
import { cmdStudy } from './study.js';

/** The study file ablate writes into its output directory (and runs). */
export const ABLATE_STUDY = 'ablate-study.json';

export interface AblateOptions {
  out: string;
  set: string[];
  epochs?: number;
  seeds?: string;
  workers?: number;
  threads?: number;
  queue?: string;
}

const isRunDir = (item: string): boolean => existsSync(item) && statSync(item).isDirectory();

/** A config name from a recipe file name (study names allow letters, digits and . _ = , + -). */
const configName = (file: string): string =>
  basename(file)
    .replace(/\.(json|ya?ml)$/i, '')
    .replace(/[^A-Za-z0-9._=,+-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '') || 'recipe';

export function parseSeeds(v: string): number[] {
  const seeds = v.split(',').map((s) => Number(s.trim()));
  if (!v.trim() || seeds.some((s) => !Number.isInteger(s) || s < 0))
    throw new RecipeError(`ablate: --seeds expects comma-separated integers >= 0, got '${v}'`);
  if (new Set(seeds).size !== seeds.length) throw new RecipeError(`ablate: --seeds lists a seed twice: '${v}'`);
  return seeds;
}

/** The study of an ablation: configs = the recipes (their own files), `--set`/`--epochs` on every trial. */
export function ablationStudy(recipes: string[], o: Pick<AblateOptions, 'out' | 'set' | 'epochs' | 'seeds'>) {
  const configs: Record<string, { recipe: string; set: string[] }> = {};
  for (const file of recipes) {
    const name = configName(file);
    if (configs[name])
      throw new RecipeError(
        `ablate: ${configs[name].recipe} and ${resolve(file)} would both be config '${name}'; rename one`,
      );
    configs[name] = { recipe: resolve(file), set: [] };
  }
  return {
    name: configName(resolve(o.out)) || 'ablation',
    set: o.epochs === undefined ? o.set : [...o.set, `training.epochs=${o.epochs}`],
    seeds: parseSeeds(o.seeds ?? '0'),
    baseline: Object.keys(configs)[0],
    configs,
    metric: 'testTop1',
  };
}

/** Finished run directories: the table of report/ablation.ts, nothing trained. */
async function compareRuns(dirs: string[], o: AblateOptions, io: CliIo): Promise<number> {
  const given = (
    [
      ['--seeds', o.seeds],
      ['--epochs', o.epochs],
      ['--set', o.set.length ? o.set : undefined],
      ['--workers', o.workers],
      ['--threads', o.threads],
      ['--queue', o.queue],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (given.length)
    throw new RecipeError(
      `ablate: ${given.map(([f]) => f).join(', ')} only apply to recipe files; run directories are compared as they are, untrained`,
    );
  const { writeAblation } = await import('../report/index.js');
  const { markdown, html } = writeAblation(dirs, o.out);
  io.out(readFileSync(markdown, 'utf8') + `\nwritten: ${markdown}, ${html}\n`);
  return 0;
}

export async function cmdAblate(items: string[], o: AblateOptions, io: CliIo): Promise<number> {
  const dirs = items.filter(isRunDir);
  if (dirs.length === items.length) return compareRuns(dirs, o, io);
  if (dirs.length)
    throw new RecipeError(
      `ablate: ${dirs[0]} is a run directory and ${items.find((i) => !isRunDir(i))} a recipe file; give recipe files (trained as a study) or finished run directories (compared as they are), not both`,
    );
  // the layout of ablate before it ran studies: DIR/<recipe name>/ (a run directory of its own)
  const old = items.map((i) => join(o.out, configName(i))).find((d) => existsSync(join(d, 'recipe.json')));
  if (old)
    throw new RecipeError(
      `ablate: ${old} is a run of an earlier ablate (one run per recipe, not trials/<config>/seed-<s>); compare finished runs with 'trickbox ablate ${old} …', or choose another --out`,
    );
  const study = ablationStudy(items, o);
  const { parseStudy } = await import('../study/study_file.js');
  const { planStudy } = await import('../study/expand.js');
  // every recipe resolves (and the queue answers) before anything is written
  planStudy(parseStudy(study, 'ablate'), 'ablate');
  if (o.queue) {
    const { assertReachable } = await import('../study/redis.js');
    await assertReachable(o.queue);
  }
  const { writeFileAtomic } = await import('../fs/atomic.js');
  const file = join(o.out, ABLATE_STUDY);
  writeFileAtomic(file, JSON.stringify(study, null, 2) + '\n');
  return cmdStudy(file, { out: o.out, workers: o.workers ?? 1, threads: o.threads, queue: o.queue }, io);
}
