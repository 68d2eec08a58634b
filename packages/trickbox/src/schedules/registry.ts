// The schedule registry: the rows a recipe's `schedule.name` chooses from, with their fields. Epoch-valued fields are
// converted to iterations once, by the trainer, before a row builds its per-iteration schedule.
import { Type } from '@sinclair/typebox';
import { Registry } from '../registry/index.js';
import { cosine } from './cosine.js';
import { constant, exponential, multiStep, step } from './step.js';
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
  minLr: Type.Number({ minimum: 0, default: 0, description: 'cosine floor η_min' }),
  stepEpochs: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'step: decay every this many epochs' }),
  milestones: Type.Array(Type.Number({ exclusiveMinimum: 0 }), {
    default: [],
    description: 'multistep: epochs (fractional allowed) at which the rate is multiplied by gamma',
  }),
  gamma,
};

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
