// bench/speedrun_torch.py (the speedrun recipe in plain PyTorch) against trickbox, without Python at test time: the
// committed fixture (scripts/fixtures/speedrun_torch.mjs: `speedrun_torch.py --describe` on variants of
// recipes/fashion-speedrun.json) holds what the PyTorch side builds for each recipe; trickbox builds the same recipe
// here through its recipe path (model factory, optimizer with parameter groups, schedule, lookahead decay).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { DataLoader } from '../../src/data/loader.js';
import { BatchNormAct } from '../../src/models/layers/batch_norm_act.js';
import type { TrickboxOptimizer } from '../../src/optim/base.js';
import { patchWhitening } from '../../src/init/whitening.js';
import { lookaheadDecay } from '../../src/regularizers/index.js';
import { baseLr, buildOptimizer, buildSchedule, modelFactory } from '../../src/train/build.js';
import { resolveRecipe, type Recipe } from '../../src/train/recipe.js';
import { fixturePath } from '../helpers/paths.js';

await tf.setBackend('cpu');

interface Described {
  trainCount: number;
  modelOptions: {
    widths: number[];
    whiteningKernel: number;
    activation: string;
    outputScale: number;
    bnMomentum: number;
    bnEpsilon: number;
    diracInit: boolean;
  };
  stepsPerEpoch: number;
  totalSteps: number;
  parameters: number;
  optimizedParameters: number;
  floatBuffers: number;
  groups: Array<{ lr: number; weightDecay: number; size: number }>;
  lr: Array<[number, number]>;
  lookaheadDecay: Array<[number, number]>;
  heInit: { stdOverHe: number; maxOverHe: number };
  whitening: { count: number; size: number; mean: number; std: number; kernel: number[][][][] };
}
const fixture = JSON.parse(readFileSync(fixturePath('speedrun_torch', 'describe.json'), 'utf8')) as Record<
  string,
  { sets: string[]; recipe: Recipe; torch: Described }
>;
const regenerate = 'regenerate the fixture: npm run build && node scripts/fixtures/speedrun_torch.mjs';
const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b) + 1e-15, `${what}: trickbox ${a}, PyTorch ${b}`);

for (const [name, { recipe, torch }] of Object.entries(fixture)) {
  describe(`speedrun_torch.py vs trickbox: ${name}`, () => {
    it('the fixture recipe is what trickbox resolves today (no field added or default changed)', () => {
      assert.deepEqual(resolveRecipe(recipe), recipe, regenerate);
    });

    it('the model: parameter counts, moving statistics and the speednet defaults the script assumes', () => {
      const model = modelFactory(recipe)({ inputShape: [28, 28, 1], numClasses: 10, seed: 0 });
      const moving = model.weights.filter((w) => /moving_(mean|variance)$/.test(w.originalName));
      const params = model.weights.filter((w) => !moving.includes(w));
      assert.equal(sum(params.map((w) => size(w.shape as number[]))), torch.parameters);
      assert.equal(sum(moving.map((w) => size(w.shape as number[]))), torch.floatBuffers);
      const o = torch.modelOptions;
      const bns = model.layers.filter((l) => l instanceof BatchNormAct) as unknown as Array<{
        momentum: number;
        epsilon: number;
      }>;
      assert.equal(bns.length, 2 * o.widths.length);
      for (const bn of bns) {
        assert.equal(bn.momentum, o.bnMomentum);
        assert.equal(bn.epsilon, o.bnEpsilon);
      }
      assert.equal(model.getLayer('logits').getConfig().scale, o.outputScale);
      assert.deepEqual(model.getLayer('whiten').getConfig().kernelSize, [o.whiteningKernel, o.whiteningKernel]);
      assert.equal(model.getLayer('whiten_relu').getClassName(), o.activation === 'relu' ? 'ReLU' : 'Activation');
      // Dirac: block 1's second convolution passes channel 0 through at its centre
      const k = model.getLayer('block1_conv2').getWeights()[0]!.arraySync() as number[][][][];
      assert.equal(o.diracInit, k[1]![1]![0]![0] === 1 && k[1]![1]![1]![0] === 0);
      // the He-drawn filters of the last block's first convolution (those past its input channels): the same
      // distribution, a normal cut at 2 std without rescaling (std ≈ 0.88 of He's)
      const last = model.getLayer(`block${o.widths.length}_conv1`).getWeights()[0]!;
      const [kh, kw, cin, cout] = last.shape as number[];
      const a = last.arraySync() as number[][][][];
      const he: number[] = [];
      for (let y = 0; y < kh!; y++)
        for (let x = 0; x < kw!; x++)
          for (let i = 0; i < cin!; i++)
            for (let f = cin!; f < cout!; f++) he.push(a[y]![x]![i]![f]! / Math.sqrt(2 / (kh! * kw! * cin!)));
      const std = Math.sqrt(sum(he.map((v) => v * v)) / he.length);
      assert.ok(
        Math.abs(std / torch.heInit.stdOverHe - 1) < 0.05,
        `std/He: trickbox ${std}, PyTorch ${torch.heInit.stdOverHe}`,
      );
      assert.ok(Math.max(...he.map(Math.abs)) <= 2 + 1e-6 && torch.heInit.maxOverHe <= 2 + 1e-6);
      model.dispose();
    });

    it('the optimizer: torch parameter groups (lr, weight decay, size) and the frozen parameters', () => {
      const model = modelFactory(recipe)({ inputShape: [28, 28, 1], numClasses: 10, seed: 0 });
      const opt = buildOptimizer(recipe, baseLr(recipe)) as unknown as TrickboxOptimizer;
      const groups = new Map<string, { lr: number; weightDecay: number; size: number }>();
      for (const w of model.trainableWeights) {
        const v = w.read() as tf.Variable;
        const s = opt.settingsFor(v.name, v);
        if (s.frozen) continue;
        const lr = baseLr(recipe) * s.lrMultiplier;
        const key = `${lr}/${s.weightDecay}`;
        const g = groups.get(key) ?? { lr, weightDecay: s.weightDecay, size: 0 };
        g.size += v.size;
        groups.set(key, g);
      }
      const ours = [...groups.values()].sort((a, b) => a.lr - b.lr);
      const theirs = [...torch.groups].sort((a, b) => a.lr - b.lr);
      assert.equal(ours.length, theirs.length);
      ours.forEach((g, i) => {
        close(g.lr, theirs[i]!.lr, `group ${i} lr`);
        close(g.weightDecay, theirs[i]!.weightDecay, `group ${i} weight decay`);
        assert.equal(g.size, theirs[i]!.size, `group ${i} size`);
      });
      assert.equal(sum(ours.map((g) => g.size)), torch.optimizedParameters);
      model.dispose();
    });

    it('steps per epoch (the last partial batch kept), the lr per step and the lookahead decay', () => {
      const n = torch.trainCount;
      const ds = {
        images: new Uint8Array(n),
        labels: new Int32Array(n),
        height: 1,
        width: 1,
        channels: 1 as const,
        classNames: ['a'],
      };
      const loader = new DataLoader(ds, { batchSize: recipe.training.batchSize, mean: [0], std: [1], workers: 0 });
      assert.equal(loader.batchesPerEpoch, torch.stepsPerEpoch);
      const { schedule, steps } = buildSchedule(recipe, loader.batchesPerEpoch);
      assert.equal(steps.totalSteps, torch.totalSteps);
      for (const [step, lr] of torch.lr) close(schedule(step), lr, `lr at step ${step}`);
      const la = recipe.regularization.lookahead!;
      assert.ok(torch.lookaheadDecay.length > 0);
      for (const [step, rho] of torch.lookaheadDecay)
        close(lookaheadDecay(step, steps.totalSteps, la), rho, `lookahead decay after step ${step}`);
    });

    it('the patch-whitening stem of the same images (torch layout [out, C, k, k] against tfjs [k, k, C, out])', () => {
      const { count, size: side, mean, std, kernel } = torch.whitening;
      const pixels = new Uint8Array(count * side * side);
      for (let n = 0; n < count; n++)
        for (let y = 0; y < side; y++)
          for (let x = 0; x < side; x++)
            pixels[(n * side + y) * side + x] = (n * 31 + y * 7 + x * 13 + ((x * y) % 11)) % 256;
      const k = torch.modelOptions.whiteningKernel;
      const w = patchWhitening(
        { pixels, count, height: side, width: side, channels: 1, mean: [mean], std: [std] },
        k,
        recipe.init.whitening!.eps,
      );
      const filters = w.kernelShape[3];
      assert.equal(filters, kernel.length);
      for (let o = 0; o < filters; o++)
        for (let dy = 0; dy < k; dy++)
          for (let dx = 0; dx < k; dx++) {
            const ours = w.kernel[(dy * k + dx) * filters + o]!;
            const theirs = kernel[o]![0]![dy]![dx]!;
            assert.ok(
              Math.abs(ours - theirs) <= 1e-4 * Math.max(1, Math.abs(theirs)),
              `filter ${o} at (${dy}, ${dx}): trickbox ${ours}, PyTorch ${theirs}`,
            );
          }
    });
  });
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
