#!/usr/bin/env node
// Copies a study directory's results into the repository (docs/results/studies/<study>/): the study's input and
// report files, and per trial the files its numbers come from (recipe.json, metrics.jsonl, summary.json,
// provenance.json, confusion.json, pruned.json) — never checkpoints or locks, and a model only for a distillation
// teacher's trials (their model/ directory: its students read it, so a later session can train them from the copy).
// `trickbox study --report` on the copy rebuilds study.json/md/html from these files alone.
//   node scripts/export-study.mjs <study dir> <destination dir>
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';

const [src, dest] = process.argv.slice(2);
if (!src || !dest) {
  console.error('usage: node scripts/export-study.mjs <study dir> <destination dir>');
  process.exit(2);
}
if (!existsSync(join(src, 'study-input.json'))) {
  console.error(`export-study: ${src} is not a study directory (no study-input.json)`);
  process.exit(2);
}
const STUDY_FILES = ['study-input.json', 'study.json', 'study.md', 'study.html'];
const TRIAL_FILES = [
  'recipe.json',
  'metrics.jsonl',
  'summary.json',
  'provenance.json',
  'confusion.json',
  'pruned.json',
];

mkdirSync(dest, { recursive: true });
for (const f of STUDY_FILES) if (existsSync(join(src, f))) copyFileSync(join(src, f), join(dest, f));
// The study directory keeps its recipe as an absolute path (often in a worktree pinned at the study's commit): the
// copy points at the same file of the destination's repository, relative to the copy.
const topLevel = (dir) => {
  const r = spawnSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};
const input = JSON.parse(readFileSync(join(dest, 'study-input.json'), 'utf8'));
const srcRepo = topLevel(dirname(input.recipe));
const destRepo = topLevel(resolve(dest));
if (srcRepo && destRepo) {
  input.recipe = relative(resolve(dest), join(destRepo, relative(srcRepo, input.recipe)));
  writeFileSync(join(dest, 'study-input.json'), JSON.stringify(input, null, 2) + '\n');
}
// configs that teach another config: their trials' saved models are part of the study's inputs
const teaching = new Set(
  Object.values(input.configs ?? {})
    .map((c) => (Array.isArray(c) ? undefined : c.teacher))
    .filter((t) => t !== undefined),
);
let finished = 0;
let partial = 0;
let models = 0;
const trials = join(src, 'trials');
for (const config of existsSync(trials) ? readdirSync(trials) : []) {
  for (const seed of readdirSync(join(trials, config))) {
    // trials moved aside because their recipe changed (seed-N.replaced-<time>) are not part of the study
    if (!/^seed-\d+$/.test(seed) || !statSync(join(trials, config, seed)).isDirectory()) continue;
    const from = join(trials, config, seed);
    if (!existsSync(join(from, 'summary.json')) && !existsSync(join(from, 'pruned.json'))) {
      partial++;
      continue; // still training: its metrics are not final
    }
    const to = join(dest, 'trials', config, seed);
    mkdirSync(to, { recursive: true });
    for (const f of TRIAL_FILES) if (existsSync(join(from, f))) copyFileSync(join(from, f), join(to, f));
    const model = join(from, 'model');
    if (teaching.has(config) && existsSync(join(model, 'model.json'))) {
      mkdirSync(join(to, 'model'), { recursive: true });
      for (const f of readdirSync(model))
        if (statSync(join(model, f)).isFile()) copyFileSync(join(model, f), join(to, 'model', f));
      models++;
    }
    finished++;
  }
}
console.log(
  `export-study: ${finished} finished trial(s) copied to ${dest} (${models} with a teacher's model); ${partial} unfinished left out`,
);
