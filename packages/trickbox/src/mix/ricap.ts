import * as tf from '@tensorflow/tfjs';
import { argError, checkNumber } from '../check/index.js';
import {
  checkBatch,
  finishTargets,
  needRng,
  permuteRows,
  prepareTargets,
  resolvePermutation,
  type MixCommonOptions,
  type Mixed,
} from './common.js';

export interface RicapOptions extends MixCommonOptions {
  /** Beta(β, β) parameter of the boundary, β > 0 (RICAP paper's best on CIFAR: β = 0.3, also the seed's value). */
  beta?: number;
  /** Fixed boundary column w in [0, W] (otherwise round(W·Beta(β, β))). */
  w?: number;
  /** Fixed boundary row h in [0, H] (otherwise round(H·Beta(β, β))). */
  h?: number;
  /** Four fixed permutations of 0..B-1 (one per crop). */
  permutations?: ArrayLike<number>[];
  /** Four fixed crop offsets {x, y} (top-left corner inside the source image). */
  offsets?: { x: number; y: number }[];
}

export interface RicapResult extends Mixed {
  w: number;
  h: number;
  /** Label weights = crop area / (W·H), in crop order top-left, top-right, bottom-left, bottom-right. */
  weights: [number, number, number, number];
  permutations: Int32Array[];
  offsets: { x: number; y: number }[];
}

/**
 * RICAP (Takahashi et al. 2018, §3.1; the seed article's code): boundary w = round(W·Beta(β, β)),
 * h = round(H·Beta(β, β)); crop k (sizes [w, W-w, w, W-w] × [h, h, H-h, H-h]) comes from a random position of
 * x[π_k], with four independent permutations; the crops are patched top-left, top-right, bottom-left,
 * bottom-right; ŷ = Σ_k (w_k h_k / (W·H)) y[π_k]. Draw order (as the seed): w, h, then per crop π_k, x_k, y_k.
 */
export function ricap(x: tf.Tensor, y: tf.Tensor, opts: RicapOptions): RicapResult {
  const fn = 'mix.ricap';
  const [B, H, W] = checkBatch(fn, x, y);
  let beta = Number.NaN;
  if (opts.w === undefined || opts.h === undefined || opts.beta !== undefined)
    beta = checkNumber(fn, 'beta', opts.beta, {
      min: 0,
      minOpen: true,
      range: 'a finite number > 0 (Beta(β, β) parameter)',
    });
  const w =
    opts.w !== undefined
      ? checkNumber(fn, 'w', opts.w, { min: 0, max: W, integer: true })
      : Math.round(W * needRng(fn, opts.rng, 'w').beta(beta, beta));
  const h =
    opts.h !== undefined
      ? checkNumber(fn, 'h', opts.h, { min: 0, max: H, integer: true })
      : Math.round(H * needRng(fn, opts.rng, 'h').beta(beta, beta));
  if (opts.permutations !== undefined && (!Array.isArray(opts.permutations) || opts.permutations.length !== 4))
    throw argError(fn, 'permutations', 'an array of 4 permutations', opts.permutations);
  if (opts.offsets !== undefined && (!Array.isArray(opts.offsets) || opts.offsets.length !== 4))
    throw argError(fn, 'offsets', 'an array of 4 {x, y} offsets', JSON.stringify(opts.offsets));
  const ws = [w, W - w, w, W - w];
  const hs = [h, h, H - h, H - h];
  const permutations: Int32Array[] = [];
  const offsets: { x: number; y: number }[] = [];
  for (let k = 0; k < 4; k++) {
    permutations.push(resolvePermutation(fn, `permutations[${k}]`, opts.permutations?.[k], B, opts.rng));
    if (opts.offsets !== undefined) {
      const o = opts.offsets[k]!;
      offsets.push({
        x: checkNumber(fn, `offsets[${k}].x`, o?.x, { min: 0, max: W - ws[k]!, integer: true }),
        y: checkNumber(fn, `offsets[${k}].y`, o?.y, { min: 0, max: H - hs[k]!, integer: true }),
      });
    } else {
      const rng = needRng(fn, opts.rng, 'offsets');
      const ox = rng.int(W - ws[k]! + 1);
      const oy = rng.int(H - hs[k]! + 1);
      offsets.push({ x: ox, y: oy });
    }
  }
  const weights = [0, 1, 2, 3].map((k) => (ws[k]! * hs[k]!) / (W * H)) as [number, number, number, number];
  const t = prepareTargets(fn, y, opts.labelSmoothing);
  const out = tf.tidy(() => {
    const crops = [0, 1, 2, 3].map((k) =>
      ws[k]! === 0 || hs[k]! === 0
        ? null
        : tf.slice(permuteRows(x, permutations[k]!), [0, offsets[k]!.y, offsets[k]!.x, 0], [-1, hs[k]!, ws[k]!, -1]),
    );
    const row = (a: tf.Tensor | null, b: tf.Tensor | null): tf.Tensor | null =>
      a && b ? tf.concat([a, b], 2) : (a ?? b);
    const top = row(crops[0]!, crops[1]!);
    const bottom = row(crops[2]!, crops[3]!);
    const mx = (top && bottom ? tf.concat([top, bottom], 1) : (top ?? bottom)!) as tf.Tensor4D;
    let my = tf.zerosLike(t.y) as tf.Tensor2D;
    for (let k = 0; k < 4; k++)
      if (weights[k]! > 0) my = tf.add(my, tf.mul(permuteRows(t.y, permutations[k]!), weights[k]!));
    return { x: mx, y: my };
  });
  if (t.y !== y) t.y.dispose();
  return { x: out.x, y: finishTargets(out.y, t.smoothed), w, h, weights, permutations, offsets };
}
