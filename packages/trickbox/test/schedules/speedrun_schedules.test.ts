// onecycle, triangular and linear against torch (OneCycleLR, LinearLR) and the triangular formula; their recipe rows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as schedules from '../../src/schedules/index.js';
import { resolveRecipe } from '../../src/train/recipe.js';
import { fixturePath } from '../helpers/paths.js';

const fx = JSON.parse(readFileSync(fixturePath('training_math', 'schedules_speedrun.json'), 'utf8'));

/** Relative tolerance 1e-12: these schedules are float64 arithmetic on both sides. */
function close(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    assert.ok(Math.abs(a - e) <= 1e-12 * Math.abs(e) + 1e-15, `${what}[${i}]: got ${a}, reference ${e}`);
  }
}

describe('onecycle = torch OneCycleLR (three_phase=False)', () => {
  for (const key of ['onecycle_cos', 'onecycle_linear', 'onecycle_defaults']) {
    it(`${key}: ${JSON.stringify(fx[key].opts)}`, () => {
      const c = fx[key];
      close(schedules.sample(schedules.onecycle(c.opts), c.values.length), c.values, key);
    });
  }
  it('holds the final lr after the last iteration', () => {
    const s = schedules.onecycle({ lr: 0.4, steps: 20, divFactor: 4, finalDivFactor: 10 });
    assert.equal(s(19), 0.01);
    assert.equal(s(25), 0.01);
  });
  it('refuses warmup, a rising phase shorter than two iterations and unknown anneal strategies', () => {
    assert.throws(() => schedules.onecycle({ lr: 0.1, steps: 100, warmupSteps: 5 }), /warmupSteps must be 0/);
    assert.throws(() => schedules.onecycle({ lr: 0.1, steps: 10, pctStart: 0.1 }), /pctStart must be > 1 \/ steps/);
    assert.throws(() => schedules.onecycle({ lr: 0.1, steps: 10, anneal: 'exp' as never }), /anneal must be/);
  });
});

describe('triangular', () => {
  it("= torch OneCycleLR(anneal 'linear') with total_steps = steps + 1 and the same peak", () => {
    for (const c of fx.triangular_vs_onecycle)
      close(schedules.sample(schedules.triangular(c.opts), c.values.length), c.values, JSON.stringify(c.opts));
  });
  it('= linear interpolation through (0, start·lr), (floor(peakFraction·steps), lr), (steps, end·lr)', () => {
    for (const c of fx.triangular_formula)
      close(schedules.sample(schedules.triangular(c.opts), c.values.length), c.values, JSON.stringify(c.opts));
  });
  it('holds endFactor·lr from iteration `steps` on and refuses warmup', () => {
    const s = schedules.triangular({ lr: 2, steps: 10, endFactor: 0.25 });
    assert.equal(s(10), 0.5);
    assert.equal(s(40), 0.5);
    assert.throws(() => schedules.triangular({ lr: 1, steps: 10, warmupSteps: 2 }), /warmupSteps must be 0/);
    assert.throws(() => schedules.triangular({ lr: 1, steps: 10, startFactor: 1.5 }), /startFactor must be/);
  });
});

describe('linear = torch LinearLR', () => {
  it('after a linear warmup (SequentialLR(LinearLR, LinearLR)), to minLr, held after the end', () => {
    const c = fx.linear_warmup;
    close(schedules.sample(schedules.linear(c.opts), c.values.length), c.values, 'linear_warmup');
  });
  it('linear to zero without warmup', () => {
    const c = fx.linear_to_zero;
    close(schedules.sample(schedules.linear(c.opts), c.values.length), c.values, 'linear_to_zero');
  });
  it('refuses minLr above lr', () => {
    assert.throws(() => schedules.linear({ lr: 0.1, steps: 10, minLr: 0.2 }), /minLr must be/);
  });
});

describe('recipe rows', () => {
  const base = { data: { dataset: 'fashion-mnist' }, model: { name: 'resnet20' }, training: { epochs: 4 } };
  it('build the same curves from the resolved recipe fields (iterations from epochs)', () => {
    const r = resolveRecipe({ ...base, schedule: { name: 'onecycle', pctStart: 0.25, anneal: 'linear' } });
    const spec = { ...r.schedule, lr: 0.1, stepsPerEpoch: 10, totalSteps: 40, warmupSteps: 0, stepSize: 1 };
    const fromRow = schedules.sample(schedules.fromResolved(spec), 40);
    const direct = schedules.onecycle({ lr: 0.1, steps: 40, pctStart: 0.25, anneal: 'linear' });
    assert.deepEqual(fromRow, schedules.sample(direct, 40));
    const t = resolveRecipe({ ...base, schedule: { name: 'triangular' } });
    const tri = schedules.fromResolved({
      ...t.schedule,
      lr: 1,
      stepsPerEpoch: 10,
      totalSteps: 40,
      warmupSteps: 0,
      stepSize: 1,
    });
    assert.deepEqual(schedules.sample(tri, 40), schedules.sample(schedules.triangular({ lr: 1, steps: 40 }), 40));
    const l = resolveRecipe({ ...base, schedule: { name: 'linear', warmupEpochs: 1, minLr: 0.01 } });
    const lin = schedules.fromResolved({
      ...l.schedule,
      lr: 0.1,
      stepsPerEpoch: 10,
      totalSteps: 40,
      warmupSteps: 10,
      stepSize: 1,
    });
    const linDirect = schedules.linear({ lr: 0.1, steps: 40, warmupSteps: 10, minLr: 0.01 });
    assert.deepEqual(schedules.sample(lin, 40), schedules.sample(linDirect, 40));
  });
  it('refuse warmupEpochs for the schedules that warm up by themselves, naming the field', () => {
    for (const name of ['onecycle', 'triangular'])
      assert.throws(
        () => resolveRecipe({ ...base, schedule: { name, warmupEpochs: 1 } }),
        new RegExp(`schedule.warmupEpochs is 1; accepted: 0 with schedule.name '${name}'`),
      );
  });
});
