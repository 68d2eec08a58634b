// The schedule registry: the rows a recipe's `schedule.name` chooses from, with their fields. Epoch-valued fields are
// converted to iterations once, by the trainer, before a row builds its per-iteration schedule.
import { Type } from '@sinclair/typebox';
import { oneOfValues, Registry } from '../registry/index.js';
import { cosine } from './cosine.js';
import { linear } from './linear.js';
import { onecycle } from './onecycle.js';
import { constant, exponential, multiStep, step } from './step.js';
import { triangular } from './triangular.js';
import type { Schedule } from './types.js';

export interface ScheduleArgs {
  lr: number;
  stepsPerEpoch: number;
  totalSteps: number;
  warmup: { warmupSteps: number; warmupInit: number; warmupMode: 'linear' | 'constant' };
  /** `schedule.stepEpochs` and `schedule.milestones` in iterations. */
  stepSize: number;
  milestones: number[];
  fields: Record<string, unknown>;
}
export type ScheduleBuild = (args: ScheduleArgs) => Schedule;

const gamma = Type.Number({
  exclusiveMinimum: 0,
  maximum: 1,
  default: 0.1,
  description: 'decay factor: per step (step), per milestone (multistep), per epoch (exponential)',
});

export const scheduleFields = {
  minLr: Type.Number({ minimum: 0, default: 0, description: 'cosine and linear floor η_min' }),
  stepEpochs: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'step: decay every this many epochs' }),
  milestones: Type.Array(Type.Number({ exclusiveMinimum: 0 }), {
    default: [],
    description: 'multistep: epochs (fractional allowed) at which the rate is multiplied by gamma',
  }),
  gamma,
  pctStart: Type.Number({
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 0.3,
    description: 'onecycle: fraction of the iterations spent rising (torch OneCycleLR pct_start)',
  }),
  divFactor: Type.Number({
    exclusiveMinimum: 0,
    default: 25,
    description: 'onecycle: starting lr = lr / divFactor (torch div_factor)',
  }),
  finalDivFactor: Type.Number({
    exclusiveMinimum: 0,
    default: 1e4,
    description: 'onecycle: final lr = starting lr / finalDivFactor (torch final_div_factor)',
  }),
  anneal: oneOfValues(['cos', 'linear'] as const, {
    default: 'cos',
    description: 'onecycle: interpolation inside each phase (torch anneal_strategy)',
  }),
  peakFraction: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.23,
    description: 'triangular: the peak is at iteration floor(peakFraction × iterations) (airbench94: 0.23)',
  }),
  startFactor: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.2,
    description: 'triangular: lr at iteration 0 = startFactor × lr (airbench94: 0.2)',
  }),
  endFactor: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.07,
    description: 'triangular: lr at the end of training = endFactor × lr (airbench94: 0.07)',
  }),
};

/** Schedules whose first phase is their warmup: a recipe's warmupEpochs is refused for them. */
export const selfWarmingSchedules: readonly string[] = ['onecycle', 'triangular'];

export const scheduleRegistry = new Registry<ScheduleBuild>('schedule', [
  {
    name: 'constant',
    doc: 'the base learning rate after warmup',
    reference: 'He et al. 2016 §4.2 (constant warmup)',
    fields: {},
    build: (a) => constant({ lr: a.lr, ...a.warmup }),
  },
  {
    name: 'cosine',
    doc: 'per-iteration cosine decay from the base rate to minLr over the iterations after warmup',
    reference: 'Loshchilov & Hutter 2017; Bag of Tricks eq. 3',
    fields: { minLr: scheduleFields.minLr },
    build: (a) => cosine({ lr: a.lr, steps: a.totalSteps, minLr: a.fields.minLr as number, ...a.warmup }),
  },
  {
    name: 'linear',
    doc: 'per-iteration linear decay from the base rate to minLr over the iterations after warmup',
    reference: 'torch LinearLR; linear-to-zero of transformer recipes',
    fields: { minLr: scheduleFields.minLr },
    build: (a) => linear({ lr: a.lr, steps: a.totalSteps, minLr: a.fields.minLr as number, ...a.warmup }),
  },
  {
    name: 'onecycle',
    doc: 'one cycle: from lr/divFactor up to lr over pctStart of the iterations, then down to lr/divFactor/finalDivFactor',
    reference: 'Smith & Topin 2018; torch OneCycleLR',
    fields: {
      pctStart: scheduleFields.pctStart,
      divFactor: scheduleFields.divFactor,
      finalDivFactor: scheduleFields.finalDivFactor,
      anneal: scheduleFields.anneal,
    },
    build: (a) =>
      onecycle({
        lr: a.lr,
        steps: a.totalSteps,
        pctStart: a.fields.pctStart as number,
        divFactor: a.fields.divFactor as number,
        finalDivFactor: a.fields.finalDivFactor as number,
        anneal: a.fields.anneal as 'cos' | 'linear',
        warmupSteps: a.warmup.warmupSteps,
      }),
  },
  {
    name: 'triangular',
    doc: 'piecewise linear: startFactor·lr up to lr at peakFraction of the iterations, down to endFactor·lr at the end',
    reference: 'Page 2018 (DAWNBench ResNet); Jordan 2024 (airbench94)',
    fields: {
      peakFraction: scheduleFields.peakFraction,
      startFactor: scheduleFields.startFactor,
      endFactor: scheduleFields.endFactor,
    },
    build: (a) =>
      triangular({
        lr: a.lr,
        steps: a.totalSteps,
        peakFraction: a.fields.peakFraction as number,
        startFactor: a.fields.startFactor as number,
        endFactor: a.fields.endFactor as number,
        warmupSteps: a.warmup.warmupSteps,
      }),
  },
  {
    name: 'step',
    doc: '×gamma every stepEpochs',
    reference: 'He et al. 2016; torch StepLR',
    fields: { stepEpochs: scheduleFields.stepEpochs, gamma },
    build: (a) => step({ lr: a.lr, stepSize: a.stepSize, gamma: a.fields.gamma as number, ...a.warmup }),
  },
  {
    name: 'multistep',
    doc: '×gamma at each milestone',
    reference: 'He et al. 2016 §4.2; torch MultiStepLR',
    fields: { milestones: scheduleFields.milestones, gamma },
    build: (a) => multiStep({ lr: a.lr, milestones: a.milestones, gamma: a.fields.gamma as number, ...a.warmup }),
  },
  {
    name: 'exponential',
    doc: '×gamma per epoch, applied per iteration as gamma^(1 / iterations per epoch)',
    reference: 'torch ExponentialLR',
    fields: { gamma },
    build: (a) =>
      exponential({ lr: a.lr, gamma: Math.pow(a.fields.gamma as number, 1 / a.stepsPerEpoch), ...a.warmup }),
  },
]);

/** Adds a schedule a recipe can name (`schedule.name`); its fields join the schedule section of the schema. */
export function registerSchedule(row: Parameters<typeof scheduleRegistry.register>[0]): void {
  scheduleRegistry.register(row);
}
