import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../check/index.js';
import { argError } from '../check/index.js';
import {
  checkAlpha,
  checkBatch,
  checkLambda,
  finishTargets,
  needRng,
  permuteRows,
  prepareTargets,
  resolvePermutation,
  type MixCommonOptions,
  type Mixed,
} from './common.js';

/** A box of rows [y1, y2) and columns [x1, x2). */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface CutmixOptions extends MixCommonOptions {
  /** Beta(α, α) parameter, α > 0 (CutMix paper and official code: α = 1). */
  alpha?: number;
  /** Fixed λ in [0, 1] before box clipping (otherwise λ ~ Beta(α, α)). */
  lambda?: number;
  /** Fixed box centre (otherwise x ~ U{0..W-1}, y ~ U{0..H-1}). */
  center?: { x: number; y: number };
  /** Fixed box (overrides lambda and center). */
  box?: Box;
  /** Fixed permutation of 0..B-1. */
  permutation?: ArrayLike<number>;
}

export interface CutmixResult extends Mixed {
  /** λ adjusted to the clipped box: 1 - box area / (W·H). */
  lambda: number;
  box: Box;
  permutation: Int32Array;
}

/**
 * The box of the official CutMix code (Yun et al. 2019, `rand_bbox`): side ratio sqrt(1 - λ), cut_w = ⌊W·r⌋,
 * cut_h = ⌊H·r⌋, centred on (cx, cy), each edge cx ∓ ⌊cut_w/2⌋ clipped to [0, W] (likewise for y).
 */
export function cutmixBox(lambda: number, W: number, H: number, cx: number, cy: number): Box {
  const r = Math.sqrt(1 - lambda);
  const cw = Math.floor(W * r);
  const ch = Math.floor(H * r);
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return {
    x1: clip(cx - Math.floor(cw / 2), W),
    y1: clip(cy - Math.floor(ch / 2), H),
    x2: clip(cx + Math.floor(cw / 2), W),
    y2: clip(cy + Math.floor(ch / 2), H),
  };
}

/**
 * CutMix (Yun et al. 2019, eq. 1): the box of x[π] is pasted into x; ŷ = λ' y + (1-λ') y[π] with λ' = 1 - box area /
 * (W·H) (the area actually kept after clipping, as the official code). Draw order: λ, π, centre x, centre y.
 */
export function cutmix(x: tf.Tensor, y: tf.Tensor, opts: CutmixOptions): CutmixResult {
  const fn = 'mix.cutmix';
  const [B, H, W] = checkBatch(fn, x, y);
  let box: Box;
  let permutation: Int32Array;
  if (opts.box !== undefined) {
    const b = opts.box;
    const ok =
      b !== null &&
      typeof b === 'object' &&
      [b.x1, b.x2, b.y1, b.y2].every(Number.isInteger) &&
      0 <= b.x1 &&
      b.x1 <= b.x2 &&
      b.x2 <= W &&
      0 <= b.y1 &&
      b.y1 <= b.y2 &&
      b.y2 <= H;
    if (!ok) throw argError(fn, 'box', `integers 0 <= x1 <= x2 <= ${W}, 0 <= y1 <= y2 <= ${H}`, JSON.stringify(b));
    box = { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 };
    permutation = resolvePermutation(fn, 'permutation', opts.permutation, B, opts.rng);
  } else {
    let lambda: number;
    if (opts.lambda !== undefined) lambda = checkLambda(fn, opts.lambda);
    else {
      const alpha = checkAlpha(fn, 'alpha', opts.alpha);
      lambda = needRng(fn, opts.rng, 'lambda').beta(alpha, alpha);
    }
    permutation = resolvePermutation(fn, 'permutation', opts.permutation, B, opts.rng);
    let cx: number, cy: number;
    if (opts.center !== undefined) {
      cx = checkNumber(fn, 'center.x', opts.center?.x, { min: 0, max: W - 1, integer: true });
      cy = checkNumber(fn, 'center.y', opts.center?.y, { min: 0, max: H - 1, integer: true });
    } else {
      const rng = needRng(fn, opts.rng, 'center');
      cx = rng.int(W);
      cy = rng.int(H);
    }
    box = cutmixBox(lambda, W, H, cx, cy);
  }
  const area = (box.x2 - box.x1) * (box.y2 - box.y1);
  const lambda = 1 - area / (W * H);
  const t = prepareTargets(fn, y, opts.labelSmoothing);
  const mask = new Float32Array(H * W);
  for (let r = box.y1; r < box.y2; r++) mask.fill(1, r * W + box.x1, r * W + box.x2);
  const out = tf.tidy(() => {
    const m = tf.tensor4d(mask, [1, H, W, 1]);
    const mx = tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(permuteRows(x, permutation), m)) as tf.Tensor4D;
    const my = tf.add(tf.mul(t.y, lambda), tf.mul(permuteRows(t.y, permutation), 1 - lambda)) as tf.Tensor2D;
    return { x: mx, y: my };
  });
  if (t.y !== y) t.y.dispose();
  return { x: out.x, y: finishTargets(out.y, t.smoothed), lambda, box, permutation };
}
