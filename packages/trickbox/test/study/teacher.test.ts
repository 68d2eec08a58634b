// Distillation in a study (docs/studies.md): a config whose teacher is another config of the same study. The
// study file's checks, the plan (each student's recipe names its teacher trial, relative to the study directory), the
// order trials start in, a local study (teachers finish before their students start, the study directory moves,
// a teacher trained again takes its students along, a failed teacher fails its students), resume after Ctrl-C, and
// the model that travels through the queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrder, planStudy } from '../../src/study/expand.js';
import { parseStudy } from '../../src/study/study_file.js';
import { MAX_TRAVELLING_MODEL_BYTES, packModel, unpackModel } from '../../src/study/travelling_model.js';
import { main } from '../../src/cli/main.js';
import type { TrialOutcome } from '../../src/study/run_dir.js';
import { runStudy, type TrialExecutor } from '../../src/study/run_study.js';
import { cli, epochLines, recipesDir, start, tempDir, TINY, waitFor, writeStudy } from './helpers.js';

const recipe = join(recipesDir, 'fashion-quick.json');
const KD = ['distillation.alpha=0.5', 'distillation.temperature=2'];
const WIDE = ['model.options.filters=[16,32]'];

const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

test('a student names its teacher trial relative to the study directory; teacherSeed picks one teacher for all', () => {
  const study = parseStudy(
    {
      name: 'kd',
      recipe,
      seeds: [0, 1],
      configs: {
        baseline: [],
        kd: { set: KD, teacher: 'wide' },
        wide: WIDE,
        'kd-seed1': { recipe, set: KD, teacher: 'wide', teacherSeed: 1 },
      },
    },
    'kd.json',
  );
  const plan = planStudy(study, join(recipesDir, 'kd.json'));
  const trial = (c: string, s: number) => plan.trials.find((t) => t.config === c && t.seed === s)!;
  for (const s of [0, 1]) {
    assert.equal(trial('kd', s).recipe.distillation.teacher, join('trials', 'wide', `seed-${s}`));
    assert.equal(trial('kd', s).teacher, join('trials', 'wide', `seed-${s}`));
    assert.equal(trial('kd', s).recipe.distillation.alpha, 0.5);
    assert.equal(trial('kd-seed1', s).recipe.distillation.teacher, join('trials', 'wide', 'seed-1'));
    assert.equal(trial('baseline', s).recipe.distillation.teacher, null);
    assert.equal(trial('wide', s).teaches, true);
    assert.equal(trial('kd', s).teaches, undefined);
  }
  assert.deepEqual(
    [...plan.teachers],
    [
      ['kd', { teacher: 'wide' }],
      ['kd-seed1', { teacher: 'wide', teacherSeed: 1 }],
    ],
  );
  // teachers first, then the students, then the rest, each in the study's order
  assert.deepEqual(
    startOrder(plan, plan.trials).map((t) => `${t.config}/${t.seed}`),
    ['wide/0', 'wide/1', 'kd/0', 'kd/1', 'kd-seed1/0', 'kd-seed1/1', 'baseline/0', 'baseline/1'],
  );
});

test('a teacher of a teacher starts first', () => {
  const study = parseStudy(
    {
      name: 'chain',
      recipe,
      seeds: [0],
      configs: { small: { set: KD, teacher: 'mid' }, other: [], mid: { set: KD, teacher: 'big' }, big: WIDE },
    },
    'chain.json',
  );
  const plan = planStudy(study, join(recipesDir, 'chain.json'));
  assert.deepEqual(
    startOrder(plan, plan.trials).map((t) => t.config),
    ['big', 'mid', 'small', 'other'],
  );
});

/** An executor whose trials end when the test says so; it records the order they were started in. */
function heldExecutor(concurrency: number) {
  const started: string[] = [];
  const ends = new Map<string, { finish(): void; fail(m: string): void }>();
  const stops: (() => void)[] = [];
  const executor: TrialExecutor = {
    concurrency,
    run: (job) => {
      started.push(job.label);
      let stop = (): void => undefined;
      const done = new Promise<TrialOutcome | 'interrupted'>((resolve, reject) => {
        stop = () => resolve('interrupted');
        ends.set(job.label, {
          finish: () =>
            resolve({
              recipe: job.recipe,
              summary: { final: { testTop1: 0.5 } },
              epochs: [],
              provenance: { commit: 'test', isa: 'avx2', backend: 'cpu', threads: 1 },
            }),
          fail: (m) => reject(new Error(m)),
        });
      });
      stops.push(stop);
      return { done, stop, prune: () => undefined };
    },
  };
  return { executor, started, ends };
}

/** Runs the study on the held executor; a failing assertion stops it, so that no timer outlives the test. */
async function heldStudy(
  file: string,
  out: string,
  concurrency: number,
  body: (h: ReturnType<typeof heldExecutor>, lines: string[]) => Promise<void>,
  only?: string[],
): Promise<Awaited<ReturnType<typeof runStudy>>> {
  const held = heldExecutor(concurrency);
  const lines: string[] = [];
  const stopSignal = { stop: false };
  const run = runStudy(file, out, held.executor, { log: (l) => void lines.push(l), stopSignal, ...(only && { only }) });
  try {
    await body(held, lines);
  } catch (e) {
    stopSignal.stop = true;
    await run.catch(() => undefined);
    throw e;
  }
  return run;
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

test('scheduling: the other trials keep the workers busy while a teacher trains; its student starts when it has finished', async () => {
  const dir = tempDir();
  const file = writeStudy(dir, {
    seeds: [0],
    configs: { baseline: [], kd: { set: KD, teacher: 'wide' }, wide: WIDE, other: [] },
  });
  const { failed, results } = await heldStudy(file, join(dir, 'out'), 2, async ({ started, ends }) => {
    await settle();
    assert.deepEqual(started, ['wide/seed-0', 'baseline/seed-0']);
    ends.get('baseline/seed-0')!.finish();
    await settle();
    assert.deepEqual(started, ['wide/seed-0', 'baseline/seed-0', 'other/seed-0'], 'the student waits for its teacher');
    ends.get('wide/seed-0')!.finish();
    await settle();
    assert.deepEqual(started.slice(3), ['kd/seed-0']);
    ends.get('other/seed-0')!.finish();
    ends.get('kd/seed-0')!.finish();
  });
  assert.equal(failed, 0);
  assert.deepEqual(
    Object.values(results.configs).map((c) => c.n),
    [1, 1, 1, 1],
  );
});

test('--only trains the chosen configs (and their teachers) and leaves the rest for a later run; the report covers all', async () => {
  const dir = tempDir();
  const file = writeStudy(dir, {
    seeds: [0],
    configs: { baseline: [], kd: { set: KD, teacher: 'wide' }, wide: WIDE, other: [] },
  });
  const out = join(dir, 'out');
  let log: string[] = [];
  const first = await heldStudy(
    file,
    out,
    2,
    async ({ started, ends }, lines) => {
      log = lines;
      await settle();
      assert.deepEqual(started, ['baseline/seed-0']);
      ends.get('baseline/seed-0')!.finish();
    },
    ['baseline'],
  );
  assert.match(log[0], /running 1 \(--only: 3 others left for later\), 2 at a time$/);
  assert.deepEqual(
    Object.entries(first.results.configs).map(([c, r]) => [c, r.n, r.trials[0].status]),
    [
      ['baseline', 1, 'finished'],
      ['kd', 0, 'pending'],
      ['wide', 0, 'pending'],
      ['other', 0, 'pending'],
    ],
  );
  // a student brings its teacher along; the finished baseline is kept, `other` still waits
  const second = await heldStudy(
    file,
    out,
    2,
    async ({ started, ends }) => {
      await settle();
      assert.deepEqual(started, ['wide/seed-0']);
      ends.get('wide/seed-0')!.finish();
      await settle();
      assert.deepEqual(started, ['wide/seed-0', 'kd/seed-0']);
      ends.get('kd/seed-0')!.finish();
    },
    ['kd'],
  );
  assert.equal(second.failed, 0);
  assert.deepEqual(
    Object.values(second.results.configs).map((r) => r.n),
    [1, 1, 1, 0],
  );
  let stderr = '';
  const code = await main(['study', file, '--out', join(dir, 'other-out'), '--only', 'baseline,nope'], {
    out: () => undefined,
    err: (t) => void (stderr += t),
  });
  assert.equal(code, 2, stderr);
  assert.match(stderr, /study --only: 'nope' is not a config of .*study\.json; accepted: baseline, kd, wide, other$/m);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.ok(!existsSync(join(dir, 'other-out')));
});

test('scheduling: a teacher that fails fails its students (and theirs) without starting them; a waiting worker is freed', async () => {
  const dir = tempDir();
  const file = writeStudy(dir, {
    seeds: [0, 1],
    configs: { kd: { set: KD, teacher: 'wide' }, wide: WIDE, small: { set: KD, teacher: 'kd', teacherSeed: 1 } },
  });
  let log: string[] = [];
  let order: string[] = [];
  const { failed, results } = await heldStudy(file, join(dir, 'out'), 3, async ({ started, ends }, lines) => {
    log = lines;
    order = started;
    await settle();
    assert.deepEqual(started, ['wide/seed-0', 'wide/seed-1']);
    ends.get('wide/seed-0')!.finish();
    await settle();
    assert.deepEqual(started.slice(2), ['kd/seed-0']);
    ends.get('wide/seed-1')!.fail('out of memory');
    await settle();
    ends.get('kd/seed-0')!.finish();
  });
  assert.equal(order.length, 3);
  assert.equal(failed, 4);
  assert.equal(results.configs.kd.trials[1].status, 'failed');
  assert.equal(results.configs.kd.trials[1].note, 'teacher wide/seed-1 failed: out of memory');
  assert.deepEqual(
    results.configs.small.trials.map((t) => t.note),
    [0, 1].map(() => 'teacher kd/seed-1 failed: teacher wide/seed-1 failed: out of memory'),
  );
  assert.equal(results.configs.kd.n, 1);
  assert.ok(log.some((l) => l.startsWith('study: FAILED kd/seed-1: teacher wide/seed-1 failed: out of memory')));
});

test('bad teachers: one line naming the field, exit 2, nothing written', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'with-teacher.json'),
    JSON.stringify({ extends: recipe, distillation: { teacher: 'runs/x' } }),
  );
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { kd: { set: KD, teacher: 'wid' }, wide: WIDE },
      /study\.json: configs\.kd\.teacher 'wid' is not a config; accepted: wide$/m,
    ],
    [
      { kd: { set: KD, teacher: 'kd' } },
      /study\.json: configs\.kd\.teacher is 'kd': a config cannot be its own teacher/,
    ],
    [
      { a: { teacher: 'b' }, b: { teacher: 'c' }, c: { teacher: 'a' } },
      /study\.json: configs\.a\.teacher: a cycle of teachers \(a → b → c → a\)/,
    ],
    [
      { kd: { set: KD, teacher: 'wide', teacherSeed: 7 }, wide: WIDE },
      /study\.json: configs\.kd\.teacherSeed is 7; accepted: one of the seeds of 'wide' \(0, 1\)/,
    ],
    [
      { kd: { set: KD, teacher: 'wide', seeds: [0, 1, 2] }, wide: { set: WIDE, seeds: [1] } },
      /study\.json: configs\.kd\.teacher 'wide' has no trial of seed 0, 2 \(its seeds: 1\); give configs\.kd\.teacherSeed or the same seeds/,
    ],
    [{ kd: { set: KD, teacherSeed: 0 } }, /study\.json: configs\.kd\.teacherSeed needs configs\.kd\.teacher/],
    [{ kd: { teacher: 'wide', teacherSeed: 'x' }, wide: [] }, /study\.json: configs\.kd\.teacherSeed must be integer/],
    [{ kd: { teacher: '' }, wide: [] }, /study\.json: configs\.kd\.teacher must NOT have fewer than 1 characters/],
    [
      { kd: { teachr: 'wide' }, wide: [] },
      /unknown field 'configs\.kd\.teachr'; accepted: recipe, set, seeds, teacher, teacherSeed/,
    ],
    [
      { kd: 3 },
      /configs\.kd must be a list of --set overrides or \{ "recipe": file, "set": \[\.\.\.\], "seeds": \[\.\.\.\], "teacher": config, "paper": \{\.\.\.\} \}/,
    ],
    [
      { kd: { recipe: 'with-teacher.json', teacher: 'wide' }, wide: [] },
      /study\.json: config 'kd': its recipe already names distillation\.teacher "runs\/x"; drop it or drop configs\.kd\.teacher/,
    ],
  ];
  for (const [configs, re] of cases) {
    const out = join(dir, 'out');
    let stderr = '';
    const code = await main(['study', writeStudy(dir, { configs }), '--out', out], {
      out: () => undefined,
      err: (t) => void (stderr += t),
    });
    assert.equal(code, 2, `${JSON.stringify(configs)}: ${stderr}`);
    assert.match(stderr, re);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.ok(!existsSync(out), `${out} was created`);
  }
});

test('a teacher model travels up to its size limit: refused above it, written only where it differs', () => {
  const dir = tempDir();
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'model.json'), '{"modelTopology":{}}');
  writeFileSync(join(model, 'weights.bin'), Buffer.alloc(1000, 7));
  const files = packModel(model);
  assert.deepEqual(Object.keys(files).sort(), ['model.json', 'weights.bin']);
  assert.throws(
    () => packModel(model, 1000),
    /model: the teacher model is 0\.0 MiB; at most 0\.0 MiB travels through the queue — train this study locally/,
  );
  assert.equal(MAX_TRAVELLING_MODEL_BYTES, 64 * 1024 * 1024);
  assert.throws(() => packModel(join(dir, 'none')), /none: no model\.json \(no saved model\)/);
  const copy = join(dir, 'copy', 'model');
  unpackModel(copy, files);
  assert.deepEqual(readFileSync(join(copy, 'weights.bin')), Buffer.alloc(1000, 7));
  assert.equal(readFileSync(join(copy, 'model.json'), 'utf8'), '{"modelTopology":{}}');
  assert.throws(() => unpackModel(copy, { '../x': '' }), /model file name '\.\.\/x' leaves the model directory/);
});

test('a local study: the teacher finishes before its student starts, whose recipe names it; the directory moves; a retrained teacher retrains its students', () => {
  const dir = tempDir();
  const configs = {
    baseline: [],
    kd: { set: KD, teacher: 'wide' },
    'kd-seed0': { set: KD, teacher: 'wide', teacherSeed: 0 },
    wide: WIDE,
  };
  const file = writeStudy(dir, { configs });
  const out = join(dir, 'out');
  const r = cli(['study', file, '--out', out, '--workers', '2', '--threads', '1'], 900_000);
  assert.equal(r.code, 0, r.stderr);
  const at = (line: string): number => {
    const i = r.stderr.indexOf(line);
    assert.ok(i >= 0, `no '${line}' in:\n${r.stderr}`);
    return i;
  };
  for (const s of [0, 1]) {
    const doneTeacher = at(`study: done   wide/seed-${s}:`);
    assert.ok(doneTeacher < at(`study: start  kd/seed-${s} (teacher trials/wide/seed-${s})`), r.stderr);
    assert.ok(at('study: done   wide/seed-0:') < at(`study: start  kd-seed0/seed-${s} (teacher trials/wide/seed-0)`));
    const stored = readJson(join(out, 'trials', 'kd', `seed-${s}`, 'recipe.json'));
    assert.equal(stored.distillation.teacher, join('trials', 'wide', `seed-${s}`));
    assert.equal(
      readJson(join(out, 'trials', 'kd-seed0', `seed-${s}`, 'recipe.json')).distillation.teacher,
      join('trials', 'wide', 'seed-0'),
    );
    // the same recipe as the baseline but for the teacher: it trained differently
    assert.notDeepEqual(
      epochLines(join(out, 'trials', 'kd', `seed-${s}`)),
      epochLines(join(out, 'trials', 'baseline', `seed-${s}`)),
    );
  }
  const sj = readJson(join(out, 'study.json'));
  assert.equal(sj.configs.kd.teacher, 'wide');
  assert.equal(sj.configs.kd.teacherSeed, undefined);
  assert.deepEqual([sj.configs['kd-seed0'].teacher, sj.configs['kd-seed0'].teacherSeed], ['wide', 0]);
  assert.equal(sj.configs.wide.teacher, undefined);
  assert.equal(sj.configs.wide.n, 2);
  assert.equal(typeof sj.configs.wide.mean, 'number');
  assert.deepEqual(
    sj.configs.kd.trials.map((t: any) => [t.status, t.teacher]),
    [0, 1].map((s) => ['finished', join('trials', 'wide', `seed-${s}`)]),
  );
  const md = readFileSync(join(out, 'study.md'), 'utf8');
  assert.match(md, /^\| kd \(teacher: wide\) \| 2 \| /m);
  assert.match(md, /^\| kd-seed0 \(teacher: wide\/seed-0\) \| 2 \| /m);
  assert.match(md, /^\| wide \| 2 \| /m);

  // moved elsewhere, the study finds every trial finished: the students' recipes are relative to the study directory
  const moved = join(dir, 'moved');
  renameSync(out, moved);
  const again = cli(['study', file, '--out', moved, '--workers', '2', '--threads', '1'], 900_000);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /study: start/);
  assert.deepEqual(readJson(join(moved, 'study.json')).configs.kd.trials, sj.configs.kd.trials);

  // a teacher that trains again (here: its run is gone) takes its students along, and only those
  rmSync(join(moved, 'trials', 'wide', 'seed-1'), { recursive: true });
  const third = cli(['study', file, '--out', moved, '--workers', '2', '--threads', '1'], 900_000);
  assert.equal(third.code, 0, third.stderr);
  const started = (third.stderr.match(/^study: start {2}\S+/gm) ?? []).map((l) => l.slice(14)).sort();
  assert.deepEqual(started, ['kd/seed-1', 'wide/seed-1']);
  assert.match(
    readFileSync(join(moved, 'study.md'), 'utf8'),
    /kd\/seed-1: trained again: its teacher wide\/seed-1 trains again \(the old run is in trials\/kd\/seed-1\.replaced-/,
  );
  assert.ok(third.stderr.indexOf('study: done   wide/seed-1') < third.stderr.indexOf('study: start  kd/seed-1'));
});

test('a teacher that fails fails its students with the reason; the other trials run', () => {
  const dir = tempDir();
  const file = writeStudy(dir, {
    seeds: [0],
    configs: {
      baseline: [],
      broken: ['data.dataset=image-folder', `data.dir=${join(dir, 'no-such-folder')}`],
      kd: { set: KD, teacher: 'broken' },
      'kd-of-kd': { set: KD, teacher: 'kd' },
    },
  });
  const out = join(dir, 'out');
  const r = cli(['study', file, '--out', out, '--threads', '1']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /study: FAILED broken\/seed-0: /);
  assert.match(r.stderr, /study: FAILED kd\/seed-0: teacher broken\/seed-0 failed: broken\/seed-0: .*no-such-folder/);
  assert.match(r.stderr, /study: FAILED kd-of-kd\/seed-0: teacher kd\/seed-0 failed: teacher broken\/seed-0 failed: /);
  assert.doesNotMatch(r.stderr, /study: start {2}kd/);
  const sj = readJson(join(out, 'study.json'));
  assert.equal(sj.configs.baseline.trials[0].status, 'finished');
  assert.equal(sj.configs.kd.trials[0].status, 'failed');
  assert.match(sj.configs.kd.trials[0].note, /^teacher broken\/seed-0 failed: /);
  assert.match(readFileSync(join(out, 'study.md'), 'utf8'), /^\| kd \(teacher: broken\) \| 0 \(1 failed\) \|/m);
});

test('Ctrl-C during a student; the same command keeps the finished teacher and resumes the student to the undisturbed metrics', async () => {
  const dir = tempDir();
  const file = writeStudy(dir, {
    set: [...TINY, 'training.epochs=3'],
    seeds: [0],
    configs: { kd: { set: KD, teacher: 'wide' }, wide: WIDE },
  });
  const calm = join(dir, 'calm');
  const c = cli(['study', file, '--out', calm, '--threads', '1']);
  assert.equal(c.code, 0, c.stderr);
  const out = join(dir, 'cut');
  const ckpts = join(out, 'trials', 'kd', 'seed-0', 'checkpoints');
  const study = start(['study', file, '--out', out, '--threads', '1']);
  await waitFor("the student's first checkpoint", () => existsSync(ckpts) && readdirSync(ckpts).length > 0, 120_000);
  study.child.kill('SIGINT');
  assert.equal(await study.exited, 130, study.output());
  assert.ok(existsSync(join(out, 'trials', 'wide', 'seed-0', 'summary.json')));
  assert.ok(!existsSync(join(out, 'trials', 'kd', 'seed-0', 'summary.json')), 'the student finished before the stop');
  const again = cli(['study', file, '--out', out, '--threads', '1']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /study: start {2}kd\/seed-0 \(resuming\) \(teacher trials\/wide\/seed-0\)/);
  assert.doesNotMatch(again.stderr, /study: start {2}wide/);
  assert.deepEqual(epochLines(join(out, 'trials', 'kd', 'seed-0')), epochLines(join(calm, 'trials', 'kd', 'seed-0')));
});
