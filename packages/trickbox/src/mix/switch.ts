import type * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import { checkBatch, needRng, prepareTargets, finishTargets, type MixCommonOptions, type Mixed } from './common.js';
import { cutmix } from './cutmix.js';
import { mixup } from './mixup.js';

export interface MixupOrCutmixOptions extends MixCommonOptions {
  /** mixup α (0 disables mixup). timm `mixup_alpha` default 1.0. */
  mixupAlpha?: number;
  /** CutMix α (0 disables CutMix). timm `cutmix_alpha` default 0.0. */
  cutmixAlpha?: number;
  /** Probability of CutMix when both are enabled (timm `switch_prob`, default 0.5). */
  switchProb?: number;
  /** Probability of mixing a batch at all (timm `mix_prob`, default 1.0). */
  prob?: number;
}

export interface MixupOrCutmixResult extends Mixed {
  kind: 'mixup' | 'cutmix' | 'none';
  lambda: number;
}

/**
 * Per-batch choice between mixup and CutMix as timm's `Mixup` (batch mode): with probability `prob` the batch is
 * mixed; when both alphas are > 0, CutMix is chosen with probability `switchProb`, else mixup. Label smoothing is
 * applied only if given here (timm defaults it to 0.1 inside `Mixup`; trickbox never smooths implicitly, docs/architecture.md, "Pitfalls we test").
 * Draw order: mix?, switch?, then the chosen mixer's draws.
 */
export function mixupOrCutmix(x: tf.Tensor, y: tf.Tensor, opts: MixupOrCutmixOptions): MixupOrCutmixResult {
  const fn = 'mix.mixupOrCutmix';
  checkBatch(fn, x, y);
  const ma = checkNumber(fn, 'mixupAlpha', opts.mixupAlpha ?? 1.0, { min: 0 });
  const ca = checkNumber(fn, 'cutmixAlpha', opts.cutmixAlpha ?? 0.0, { min: 0 });
  const switchProb = checkNumber(fn, 'switchProb', opts.switchProb ?? 0.5, {
    min: 0,
    max: 1,
    range: 'a probability in [0, 1]',
  });
  const prob = checkNumber(fn, 'prob', opts.prob ?? 1.0, { min: 0, max: 1, range: 'a probability in [0, 1]' });
  if (ma === 0 && ca === 0)
    throw argError(fn, 'mixupAlpha, cutmixAlpha', 'not both 0 (enable at least one mixer)', '0, 0');
  const rng = needRng(fn, opts.rng, 'the mixing choice');
  if (!(rng.next() < prob)) {
    const t = prepareTargets(fn, y, opts.labelSmoothing);
    const xc = x.clone() as tf.Tensor4D;
    const yc = t.y === y ? (y.clone() as tf.Tensor2D) : t.y;
    return { x: xc, y: finishTargets(yc, t.smoothed), kind: 'none', lambda: 1 };
  }
  const useCutmix = ma > 0 && ca > 0 ? rng.next() < switchProb : ca > 0;
  const common = { rng, labelSmoothing: opts.labelSmoothing };
  if (useCutmix) {
    const r = cutmix(x, y, { ...common, alpha: ca });
    return { x: r.x, y: r.y, kind: 'cutmix', lambda: r.lambda };
  }
  const r = mixup(x, y, { ...common, alpha: ma });
  return { x: r.x, y: r.y, kind: 'mixup', lambda: r.lambda };
}
