// Runs a study: plans its trials, keeps finished ones whose resolved recipe is unchanged, moves changed ones aside,
// hands the rest to an executor (local child processes or the BullMQ queue), prints one line per trial start and
// finish with an overall bar and ETA, then writes study.json/md/html. Teachers start first; a student starts once its
// teacher trial has finished, and fails (with the reason) when its teacher cannot finish.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { planStudy, startOrder, type StudyPlan, type Trial } from './expand.js';
import { provenanceKey, type Provenance } from './provenance.js';
import type { EpochLine } from '../report/run.js';
import { PRUNED_FILE, readPruned, type PruneRecord } from './prune.js';
import { watchForPruning } from './pruner.js';
import { collectResults, MixedProvenanceError, type StudyResults, type TrialStatus } from './results.js';
import { writeStudyReport } from './report.js';
import { sameRecipe, trialState, writeOutcome, type TrialOutcome } from './run_dir.js';
import { loadStudyFile } from './study_file.js';
import type { TrialJob } from './trial.js';

export interface TrialHandle {
  /** 'pruned': the trial stopped on `prune()`, and its run directory holds pruned.json. */
  done: Promise<TrialOutcome | 'interrupted' | 'pruned'>;
  /** Stops waiting for the trial (locally: stops it after its current step, with a checkpoint). */
  stop(): void;
  /** Stops the trial after its current step and marks it pruned (the trial may finish before it takes effect). */
  prune(record: PruneRecord): void;
  /** The epoch lines so far, when the trial runs where the study cannot read its run directory (a queue). */
  progress?(): EpochLine[] | undefined;
}

/** Where trials run: local child processes, or a queue that workers take them from. */
export interface TrialExecutor {
  /** How many trials may run at once. */
  concurrency: number;
  /** The provenance trials will have, when known in advance (local runs): finished trials must match it. */
  expectedProvenance?: Provenance;
  run(job: TrialJob, trial: Trial): TrialHandle;
}

export interface StudyRun {
  plan: StudyPlan;
  results: StudyResults;
  files: string[];
  failed: number;
  interrupted: boolean;
}

const stamp = (): string => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const minutes = (s: number): string =>
  s >= 3600
    ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
    : s >= 60
      ? `${Math.round(s / 60)} min`
      : `${Math.round(s)} s`;

/** The pending trials `--only` leaves out: those of other configs, except the teachers of chosen students. */
function deferred(pending: readonly Trial[], only: readonly string[]): Trial[] {
  const chosen = new Set(only);
  for (let grew = true; grew;) {
    grew = false;
    for (const t of pending)
      if (chosen.has(t.config) && t.teacher) {
        const teacher = pending.find((o) => o.runDir === t.teacher);
        if (teacher && !chosen.has(teacher.config)) {
          chosen.add(teacher.config);
          grew = true;
        }
      }
  }
  return pending.filter((t) => !chosen.has(t.config));
}

/** ' × 3 seeds' when every config has the same number of seeds, else nothing (the trial count says it). */
function seedCounts(plan: StudyPlan): string {
  const counts = new Set([...plan.configs.values()].map((c) => c.seeds.length));
  return counts.size === 1 ? ` × ${[...counts][0]} seeds` : '';
}

function bar(done: number, total: number, width = 20): string {
  const full = total ? Math.round((width * done) / total) : width;
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${done}/${total}`;
}

export async function runStudy(
  studyFile: string,
  outDir: string,
  executor: TrialExecutor | null,
  {
    log,
    stopSignal = { stop: false },
    only,
  }: {
    log: (line: string) => void;
    stopSignal?: { stop: boolean };
    /** Train only these configs' trials (and their teachers'); the others are left as they are. */
    only?: readonly string[];
  },
): Promise<StudyRun> {
  const plan = planStudy(loadStudyFile(studyFile), studyFile);
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const notes = new Map<string, { status?: TrialStatus; note?: string }>();
  const pending: Trial[] = [];
  const teacherOf = (t: Trial): Trial | undefined => plan.trials.find((o) => o.runDir === t.teacher);
  // teachers first: a student whose teacher trains again (or anew) trains again too
  for (const t of startOrder(plan, plan.trials)) {
    const dir = join(out, t.runDir);
    const state = trialState(dir);
    const teacher = teacherOf(t);
    if (executor && state !== 'absent' && teacher && pending.includes(teacher)) {
      const aside = `${dir}.replaced-${stamp()}`;
      renameSync(dir, aside);
      notes.set(t.runDir, {
        note: `trained again: its teacher ${teacher.config}/seed-${teacher.seed} trains again (the old run is in ${aside.slice(out.length + 1)})`,
      });
    } else if (state !== 'absent' && !sameRecipe(dir, t.recipe) && !executor) {
      // a report changes nothing: the trial is reported as it was trained (its own recipe.json), with a note
      notes.set(t.runDir, {
        note: 'reported as trained: its recipe.json differs from what the study file resolves to now',
      });
    } else if (state !== 'absent' && !sameRecipe(dir, t.recipe)) {
      const aside = `${dir}.replaced-${stamp()}`;
      renameSync(dir, aside);
      notes.set(t.runDir, {
        note: `trained again: its recipe changed (the old run is in ${aside.slice(out.length + 1)})`,
      });
    }
    const now = trialState(dir);
    if (now !== 'finished' && now !== 'pruned') pending.push(t);
  }
  // refuses to mix before anything trains: finished trials among themselves, and with this run's trials
  const before = collectResults(plan, out, notes).results.provenance;
  const expected = executor?.expectedProvenance;
  if (before && expected && provenanceKey(before) !== provenanceKey(expected))
    throw new MixedProvenanceError(
      `${out}: its finished trials ran on ${provenanceKey(before)}; this run would use ${provenanceKey(expected)} — a study does not mix them (finish it where it started, match --threads, or use a new --out)`,
    );
  const kept = plan.trials.length - pending.length;
  const later = only ? deferred(pending, only) : [];
  for (const t of later) pending.splice(pending.indexOf(t), 1);
  if (executor && pending.length)
    log(
      `study ${plan.study.name}: ${plan.trials.length} trials (${plan.configs.size} configs${seedCounts(plan)})` +
        `${kept ? `, ${kept} already finished` : ''}; running ${pending.length}` +
        `${later.length ? ` (--only: ${later.length} others left for later)` : ''}, ${executor.concurrency} at a time`,
    );

  let failed = 0;
  let interrupted = false;
  if (executor) {
    const total = pending.length;
    let finished = 0;
    const seconds: number[] = [];
    const running = new Map<Trial, TrialHandle>();
    const stopAll = (): void => running.forEach((h) => h.stop());
    // workers waiting for a teacher to finish
    let waiting: (() => void)[] = [];
    const wake = (): void => {
      waiting.forEach((w) => w());
      waiting = [];
    };
    const watch = setInterval(() => {
      if (!stopSignal.stop) return;
      stopAll();
      wake();
    }, 200);
    const queue = startOrder(plan, pending);
    const failures = new Map<Trial, string>();
    // taken by a worker and not ended yet
    const taken = new Set<Trial>();
    const failTrial = (t: Trial, reason: string): void => {
      failed++;
      finished++;
      failures.set(t, reason); // its students fail in turn
      notes.set(t.runDir, { status: 'failed', note: reason });
      log(`study: FAILED ${t.config}/seed-${t.seed}: ${reason}  ${bar(finished, total)}`);
    };
    /** Why a student cannot start: null when it can (no teacher, or a finished one), 'wait' while its teacher runs. */
    const blocked = (t: Trial): string | 'wait' | null => {
      const teacher = teacherOf(t);
      if (!teacher) return null;
      const name = `${teacher.config}/seed-${teacher.seed}`;
      const state = trialState(join(out, teacher.runDir));
      if (state === 'finished') return null;
      if (failures.has(teacher)) return `teacher ${name} failed: ${failures.get(teacher)}`;
      if (state === 'pruned')
        return `teacher ${name} was pruned (teacher trials are never pruned; an earlier study's mark)`;
      return queue.includes(teacher) || taken.has(teacher) ? 'wait' : `teacher ${name} did not finish`;
    };
    /** The next trial that can start, failing the students whose teacher cannot finish; undefined when none is left. */
    const next = async (): Promise<Trial | undefined> => {
      while (!stopSignal.stop) {
        let waits = false;
        for (let i = 0; i < queue.length; i++) {
          const t = queue[i];
          const why = blocked(t);
          if (why === 'wait') {
            waits = true;
            continue;
          }
          queue.splice(i--, 1);
          if (why === null) {
            taken.add(t);
            return t;
          }
          failTrial(t, why);
        }
        if (!waits) return undefined;
        await new Promise<void>((r) => waiting.push(r));
      }
      return undefined;
    };
    const worker = async (): Promise<void> => {
      for (let t = await next(); t && !stopSignal.stop; t = await next()) {
        const label = `${t.config}/seed-${t.seed}`;
        const dir = join(out, t.runDir);
        const resuming = trialState(dir) === 'started';
        log(`study: start  ${label}${resuming ? ' (resuming)' : ''}${t.teacher ? ` (teacher ${t.teacher})` : ''}`);
        const t0 = performance.now();
        const handle = executor.run({ runDir: dir, recipe: t.recipe, label, ...(t.teacher && { studyDir: out }) }, t);
        running.set(t, handle);
        const pruner = plan.study.prune && !t.teaches ? watchForPruning(plan, out, t, handle, running) : undefined;
        try {
          const outcome = await handle.done;
          if (pruner) clearInterval(pruner);
          if (outcome === 'pruned') {
            const r = readPruned(dir)!;
            finished++;
            const worse = plan.study.selectBy.endsWith('Loss') ? '>' : '<';
            log(
              `study: pruned ${label} after epoch ${r.epoch}: ${plan.study.selectBy} ${r.value} ${worse} median ${r.median}  ${bar(finished, total)}`,
            );
            continue;
          }
          if (outcome === 'interrupted') {
            interrupted = true;
            log(
              `study: stopped ${label} (locally: after a checkpoint; on a queue its worker goes on); run the command again to resume`,
            );
            continue;
          }
          // it ended before the prune reached it: a finished trial
          if (readPruned(dir)) rmSync(join(dir, PRUNED_FILE));
          if (trialState(dir) !== 'finished') writeOutcome(dir, outcome);
          const s = (performance.now() - t0) / 1000;
          // may throw (e.g. mixed provenance): before the trial is counted, so the catch counts it once
          const v = collectResults(plan, out, notes).results.configs[t.config].trials.find((r) => r.seed === t.seed);
          seconds.push(s);
          finished++;
          const left = total - finished;
          const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
          const eta = left ? `, ETA ${minutes((left * mean) / Math.min(executor.concurrency, left))}` : '';
          log(
            `study: done   ${label}: ${plan.study.metric} ${v?.metric ?? '–'} in ${Math.round(s)} s  ${bar(finished, total)}${eta}`,
          );
        } catch (e) {
          failTrial(t, (e as Error).message.split('\n')[0]);
        } finally {
          if (pruner) clearInterval(pruner);
          running.delete(t);
          taken.delete(t);
          wake();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(executor.concurrency, pending.length)) }, worker));
    } finally {
      clearInterval(watch);
    }
    if (stopSignal.stop) interrupted = true;
  }
  const { results, curves } = collectResults(plan, out, notes);
  const files = await writeStudyReport(out, results, curves);
  return { plan, results, files, failed, interrupted };
}
