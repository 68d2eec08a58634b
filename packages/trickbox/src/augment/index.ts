export type { Image, Transform, Fill } from './image.js';
export * as ops from './ops.js';
