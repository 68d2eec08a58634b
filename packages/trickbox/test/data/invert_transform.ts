// A user's transform as docs/architecture.md describes it: a module whose default export is the row, naming itself
// as the module worker threads import.
import { Type } from '@sinclair/typebox';
import type { TransformRow } from '../../src/data/index.js';

const row: TransformRow = {
  name: 'invertPixels',
  doc: 'p → level − p on every channel (test row)',
  reference: 'none',
  fields: { level: Type.Integer({ minimum: 0, maximum: 255, default: 255, description: 'the value of white' }) },
  module: import.meta.url,
  build: (options) => {
    const level = (options?.level as number | undefined) ?? 255;
    return (img) => ({ ...img, data: img.data.map((p) => Math.max(0, level - p)) });
  },
};
export default row;
