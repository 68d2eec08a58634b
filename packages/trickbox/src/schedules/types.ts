/** A learning-rate schedule: a pure function of the iteration index (counted from 0) to the learning rate. */
export type Schedule = (step: number) => number;

/** Warmup options shared by every schedule (docs/architecture.md, "Public API"). */
export interface WarmupOptions {
  /** Iterations of warmup; 0 = none (default 0). */
  warmupSteps?: number;
  /** Learning rate at step 0 of the warmup (default 0, as Goyal et al. 2017 §2.2 ramp from ~0; timm `warmup_lr_init`). */
  warmupInit?: number;
  /**
   * 'linear' (gradual warmup, Goyal et al. 2017 §2.2; default) or 'constant' (ResNet paper, He et al. 2016 §4.2:
   * train at a small constant lr, here `warmupInit`, then switch to `lr`).
   */
  warmupMode?: 'linear' | 'constant';
}
