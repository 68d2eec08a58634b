import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as schedules from '../../src/schedules/index.js';
import { fixturePath, packageRoot } from '../helpers/paths.js';

const fx = JSON.parse(readFileSync(fixturePath('training_math', 'schedules.json'), 'utf8'));

/** Relative tolerance 1e-5 (issue 4), with a 1e-12 absolute floor for exact zeros. */
function close(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    assert.ok(Math.abs(a - e) <= 1e-5 * Math.abs(e) + 1e-12, `${what}[${i}]: got ${a}, torch ${e}`);
  }
}

describe('schedules vs torch.optim.lr_scheduler', () => {
  it('cosine = CosineAnnealingLR (with and without floor)', () => {
    for (const key of ['cosine', 'cosine_no_floor']) {
      const c = fx[key];
      close(schedules.sample(schedules.cosine(c.opts), c.values.length), c.values, key);
    }
  });
  it('cosine with linear warmup = SequentialLR(LinearLR, CosineAnnealingLR)', () => {
    const c = fx.cosine_warmup;
    close(schedules.sample(schedules.cosine(c.opts), c.values.length), c.values, 'cosine_warmup');
  });
  it('step = StepLR, multiStep = MultiStepLR, exponential = ExponentialLR', () => {
    close(schedules.sample(schedules.step(fx.step.opts), 40), fx.step.values, 'step');
    close(schedules.sample(schedules.multiStep(fx.multistep.opts), 40), fx.multistep.values, 'multistep');
    close(schedules.sample(schedules.exponential(fx.exponential.opts), 30), fx.exponential.values, 'exponential');
  });
  it('linear warmup = LinearLR, constant warmup = ConstantLR', () => {
    const a = fx.linear_warmup_constant;
    close(schedules.sample(schedules.constant(a.opts), a.values.length), a.values, 'linear warmup');
    const b = fx.constant_warmup;
    close(schedules.sample(schedules.constant(b.opts), b.values.length), b.values, 'constant warmup');
  });
  it("gradualWarmup reproduces the seed's GradualWarmupScheduler epoch by epoch, hand-over included", () => {
    const c = fx.gradual_warmup_cosine;
    const cos = schedules.gradualWarmup({
      lr: c.opts.lr,
      multiplier: c.opts.multiplier,
      totalEpochs: c.opts.totalEpochs,
      after: (lr) => schedules.cosine({ lr, steps: c.opts.after.steps }),
    });
    close(schedules.sample(cos, c.values.length), c.values, 'gradual_warmup_cosine');
    // The hand-over epoch repeats the peak: lr·multiplier at epochs totalEpochs and totalEpochs + 1.
    assert.equal(cos(5), cos(6));
    const s = fx.gradual_warmup_step;
    const st = schedules.gradualWarmup({
      lr: s.opts.lr,
      multiplier: s.opts.multiplier,
      totalEpochs: s.opts.totalEpochs,
      after: (lr) => schedules.step({ lr, stepSize: s.opts.after.stepSize, gamma: s.opts.after.gamma }),
    });
    close(schedules.sample(st, s.values.length), s.values, 'gradual_warmup_step');
    const n = fx.gradual_warmup_none;
    close(schedules.sample(schedules.gradualWarmup(n.opts), n.values.length), n.values, 'gradual_warmup_none');
  });
});

describe('schedules: semantics', () => {
  it('the first batch trains at schedule(0) = warmupInit (docs/architecture.md, "Pitfalls we test": no un-warmed first step)', () => {
    const s = schedules.cosine({ lr: 0.1, steps: 100, warmupSteps: 10, warmupInit: 0.001 });
    assert.equal(s(0), 0.001);
    assert.equal(s(10), 0.1);
    assert.ok(Math.abs(s(5) - (0.001 + (0.1 - 0.001) * 0.5)) < 1e-15);
  });
  it('cosine stays at minLr after the end and is pure (same input, same output, any order)', () => {
    const s = schedules.cosine({ lr: 0.1, steps: 20, minLr: 0.01 });
    assert.equal(s(20), 0.01);
    assert.equal(s(1000), 0.01);
    const a = s(7);
    s(3);
    s(19);
    assert.equal(s(7), a);
  });
  it('step decay points are absolute iterations, unaffected by warmup', () => {
    const s = schedules.step({ lr: 1, stepSize: 10, gamma: 0.5, warmupSteps: 4 });
    assert.equal(s(4), 1);
    assert.equal(s(10), 0.5);
    assert.equal(s(25), 0.25);
  });
  it('linear scaling rule and epoch → iteration conversion', () => {
    assert.equal(schedules.linearScaledLr(0.1, 1024), 0.4);
    assert.equal(schedules.linearScaledLr(0.1, 128, 128), 0.1);
    assert.equal(schedules.stepsPerEpoch(50000, 128), 391);
    assert.equal(schedules.stepsPerEpoch(50000, 128, true), 390);
    assert.equal(schedules.epochsToSteps(5, { datasetSize: 50000, batchSize: 128 }), 1955);
    const perIt = schedules.perIteration(schedules.gradualWarmup({ lr: 0.1, multiplier: 2, totalEpochs: 2 }), 3);
    assert.deepEqual(
      schedules.sample(perIt, 7),
      [0.1, 0.1, 0.1, 0.15000000000000002, 0.15000000000000002, 0.15000000000000002, 0.2],
    );
  });
  it('bad arguments name the function, the field and the range', () => {
    assert.throws(
      () => schedules.cosine({ lr: -0.1, steps: 10 }),
      /schedules\.cosine: lr must be a finite number >= 0, got -0\.1/,
    );
    assert.throws(
      () => schedules.cosine({ lr: 0.1, steps: 10, warmupSteps: 11 }),
      /schedules\.cosine: warmupSteps must be <= steps \(10\).*got 11/,
    );
    assert.throws(
      () => schedules.cosine({ lr: 0.1, steps: 10, minLr: 0.2 }),
      /minLr must be a finite number in \[0, lr = 0\.1\]/,
    );
    assert.throws(
      () => schedules.step({ lr: 0.1, stepSize: 0 }),
      /schedules\.step: stepSize must be an integer >= 1, got 0/,
    );
    assert.throws(() => schedules.multiStep({ lr: 0.1, milestones: [5, 3] }), /schedules\.multiStep: milestones/);
    assert.throws(
      () => schedules.gradualWarmup({ lr: 0.1, multiplier: 1, totalEpochs: 5 }),
      /gradualWarmup: multiplier must be a finite number > 1/,
    );
    assert.throws(
      () => schedules.constant({ lr: 0.1, warmupMode: 'cubic' as 'linear' }),
      /warmupMode must be 'linear' or 'constant'/,
    );
    assert.throws(() => schedules.constant({ lr: 0.1 })(-1), /schedules\.constant: step must be a finite number >= 0/);
    assert.throws(() => schedules.linearScaledLr(0.1, 0), /linearScaledLr: batchSize must be an integer >= 1, got 0/);
  });
});

describe('schedules: dependency rule (docs/architecture.md, "Areas and their arrows")', () => {
  it('imports neither tfjs nor Node built-ins (runs in workers and browsers): only its own files, the plain check/ and registry/ areas, and TypeBox', () => {
    const dir = join(packageRoot, 'src', 'schedules');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 3);
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8');
      const imports = [...src.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
      const plain = (i: string) =>
        i.startsWith('./') || i === '../check/index.js' || i === '../registry/index.js' || i === '@sinclair/typebox';
      for (const i of imports) assert.ok(plain(i), `${f} imports ${i}`);
    }
  });
});
