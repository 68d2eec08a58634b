// `trickbox study` and `trickbox worker` (docs/studies.md).
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { RecipeError } from '../train/recipe.js';
import type { CliIo } from './main.js';

/** The study file as the study directory keeps it (recipe path made absolute), for `--report` and restarts. */
const INPUT = 'study-input.json';

export async function cmdStudy(
  studyFile: string | undefined,
  o: { out?: string; workers: number; threads?: number; queue?: string; only?: string; report?: string | boolean },
  io: CliIo,
): Promise<number> {
  const { runStudy } = await import('../study/run_study.js');
  const { writeFileAtomic } = await import('../fs/atomic.js');
  const reportOnly = o.report !== undefined && o.report !== false;
  const outDir = typeof o.report === 'string' ? o.report : o.out;
  if (!outDir) throw new RecipeError('study: --out DIR is required (or --report DIR)');
  const only = o.only === undefined ? undefined : o.only.split(',').map((c) => c.trim());
  if (only && reportOnly) throw new RecipeError('study: --only chooses what trains; --report trains nothing');
  let file = studyFile;
  if (!file) {
    if (!reportOnly) throw new RecipeError('study: a study file is required (or --report DIR)');
    file = join(outDir, INPUT);
    if (!existsSync(file)) throw new RecipeError(`study --report ${outDir}: not a study directory (no ${INPUT})`);
  }
  const { loadStudyFile } = await import('../study/study_file.js');
  const study = loadStudyFile(file);
  const stopSignal = { stop: false };
  const onSigint = (): void => {
    if (stopSignal.stop) process.exit(130);
    stopSignal.stop = true;
    io.err('\ntrickbox: interrupt — the running trials write a checkpoint and stop (Ctrl-C again to abort)\n');
  };
  let executor = null;
  let closeExecutor = async (): Promise<void> => undefined;
  if (!reportOnly) {
    const { planStudy, withAbsolutePaths } = await import('../study/expand.js');
    const plan = planStudy(study, file); // every config resolves before anything is written
    const unknown = only?.find((c) => !plan.configs.has(c));
    if (unknown !== undefined)
      throw new RecipeError(
        `study --only: '${unknown}' is not a config of ${file}; accepted: ${[...plan.configs.keys()].join(', ')}`,
      );
    if (o.queue) {
      const { queueExecutor } = await import('../study/queue.js');
      const q = await queueExecutor(o.queue, { log: (m) => io.err(m + '\n') });
      executor = q;
      closeExecutor = () => q.close();
    } else {
      const { initBackend } = await import('../backend.js');
      const backend = await initBackend((m) => io.err(m + '\n'));
      const { localExecutor } = await import('../study/local.js');
      const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / o.workers));
      executor = await localExecutor({ workers: o.workers, threads, backend });
    }
    // written once the study resolves and its queue answers, so a bad start leaves nothing behind
    writeFileAtomic(join(outDir, INPUT), JSON.stringify(withAbsolutePaths(study, file), null, 2) + '\n');
    process.on('SIGINT', onSigint);
  }
  try {
    const run = await runStudy(file, outDir, executor, {
      log: (m) => io.err(m + '\n'),
      stopSignal,
      ...(only && { only }),
    });
    io.out(readFileSync(run.files[1], 'utf8') + `\nwritten: ${run.files.join(', ')}\n`);
    if (run.interrupted) return 130;
    return run.failed ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await closeExecutor();
  }
}

export async function cmdWorker(
  o: { queue: string; threads: number; concurrency: number; dir?: string; stallSeconds: number },
  io: CliIo,
): Promise<number> {
  const { startWorker } = await import('../study/worker.js');
  const worker = await startWorker(o.queue, {
    threads: o.threads,
    concurrency: o.concurrency,
    dir: o.dir && resolve(o.dir),
    stallSeconds: o.stallSeconds,
    log: (m) => io.err(m + '\n'),
  });
  // first Ctrl-C / SIGTERM: finish the running trials and take no new ones; second: leave at once (the trials
  // are taken again after the stall interval and resume from their checkpoints)
  await new Promise<void>((done) => {
    let asked = false;
    const onSignal = (): void => {
      if (asked) process.exit(130);
      asked = true;
      io.err('worker: finishing the running trials, taking no new ones (Ctrl-C again to leave now)\n');
      worker.close().then(done, done);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}

export async function cmdLrFind(
  recipePath: string,
  o: { set: string[]; steps: number; startLr: number; endLr: number; plot: string; out?: string },
  io: CliIo,
): Promise<number> {
  const { loadRecipe } = await import('../train/recipe.js');
  const recipe = loadRecipe(recipePath, o.set);
  if (!(o.startLr > 0 && o.endLr > o.startLr))
    throw new RecipeError(`lr-find: expected 0 < --start-lr < --end-lr, got ${o.startLr} and ${o.endLr}`);
  const { initBackend } = await import('../backend.js');
  await initBackend((m) => io.err(m + '\n'));
  const { lrFind } = await import('../study/lr_find.js');
  const r = await lrFind({ recipe, steps: o.steps, startLr: o.startLr, endLr: o.endLr, log: (m) => io.err(m + '\n') });
  const { renderSvg, lineChart } = await import('../report/index.js');
  const { writeFileAtomic } = await import('../fs/atomic.js');
  const rows = r.points.map((p) => ({ 'log10(lr)': Math.log10(p.lr), 'smoothed loss': p.smoothed }));
  const svg = await renderSvg(
    lineChart(rows, {
      x: 'log10(lr)',
      y: 'smoothed loss',
      title: `${recipe.name}: learning-rate range test`,
      width: 600,
    }),
  );
  const plot = o.out ? join(o.out, 'lr-find.svg') : o.plot;
  writeFileAtomic(plot, svg);
  if (o.out) writeFileAtomic(join(o.out, 'lr-find.json'), JSON.stringify(r, null, 2) + '\n');
  const e = (v: number | null): string => (v === null ? '– (the loss never fell)' : v.toPrecision(3));
  io.out(
    `lr-find: ${r.points.length} steps from ${o.startLr} ${r.diverged ? 'until the loss diverged at' : 'to'} ${r.points[r.points.length - 1]?.lr.toPrecision(3)}\n` +
      `suggested lr: ${e(r.steepestLr)} (steepest fall of the smoothed loss); minimum/10: ${e(r.minimumLr)}\n` +
      `plot: ${plot}${o.out ? `, points: ${join(o.out, 'lr-find.json')}` : ''}\n`,
  );
  return 0;
}

export async function cmdSearchAugment(
  recipePath: string,
  o: {
    out: string;
    set: string[];
    proxySubset: number;
    proxyEpochs: number;
    seeds: string;
    n: string;
    m: string;
    workers: number;
    threads?: number;
  },
  io: CliIo,
): Promise<number> {
  const list = (flag: string, v: string): number[] => {
    const xs = v.split(',').map(Number);
    if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 0))
      throw new RecipeError(`search-augment: ${flag} expects comma-separated integers, got '${v}'`);
    return xs;
  };
  const options = {
    recipeFile: recipePath,
    sets: o.set,
    outDir: o.out,
    proxySubset: o.proxySubset,
    proxyEpochs: o.proxyEpochs,
    seeds: list('--seeds', o.seeds),
    n: list('--n', o.n),
    m: list('--m', o.m),
    selectBy: 'valTop1' as const,
  };
  const { searchStudy, searchAugment } = await import('../study/search_augment.js');
  searchStudy(options); // the recipe and its overrides resolve before anything runs
  const { initBackend } = await import('../backend.js');
  const backend = await initBackend((m) => io.err(m + '\n'));
  const { localExecutor } = await import('../study/local.js');
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / o.workers));
  const executor = await localExecutor({ workers: o.workers, threads, backend });
  const { run, best } = await searchAugment(options, executor, { log: (m) => io.err(m + '\n') });
  io.out(readFileSync(run.files[1], 'utf8'));
  if (best) io.out(`\nbest: ${best.config} (mean valTop1 ${best.value.toFixed(4)}) → ${best.file}\n`);
  if (run.interrupted) return 130;
  return run.failed || !best ? 1 : 0;
}
