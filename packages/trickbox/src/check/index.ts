/**
 * Argument checks shared by every area (schedules, losses, mix, optim, regularizers, init, models, augment).
 * Plain TypeScript with no imports, so the plain areas (schedules, augment) stay importable from workers and browsers.
 * Every error names the function, the field, the value received and the accepted range.
 */

/** A description shown as is (not quoted) in an error, e.g. `shape [2,4]`. */
export class Shown {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Error for a bad argument: `fn: field must be <range>, got <value>`. */
export function argError(fn: string, field: string, range: string, value: unknown): RangeError {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value); // Shown: as is
    if (Array.isArray(value)) shown = `[${value.join(', ')}]`;
  } catch {
    shown = typeof value;
  }
  return new RangeError(`${fn}: ${field} must be ${range}, got ${shown}`);
}

/** Finite number check with an optional open/closed interval. */
export function checkNumber(
  fn: string,
  field: string,
  value: unknown,
  opts: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean; integer?: boolean; range?: string } = {},
): number {
  const { min, max, minOpen = false, maxOpen = false, integer = false } = opts;
  const range =
    opts.range ??
    [
      integer ? 'an integer' : 'a finite number',
      min !== undefined ? `${minOpen ? '>' : '>='} ${min}` : '',
      max !== undefined ? `${min !== undefined ? 'and ' : ''}${maxOpen ? '<' : '<='} ${max}` : '',
    ]
      .filter((s) => s !== '')
      .join(' ');
  if (typeof value !== 'number' || !Number.isFinite(value)) throw argError(fn, field, range, value);
  if (integer && !Number.isInteger(value)) throw argError(fn, field, range, value);
  if (min !== undefined && (minOpen ? !(value > min) : !(value >= min))) throw argError(fn, field, range, value);
  if (max !== undefined && (maxOpen ? !(value < max) : !(value <= max))) throw argError(fn, field, range, value);
  return value;
}

/** An integer in [lo, hi] (hi unbounded by default). */
export function checkInt(fn: string, field: string, value: unknown, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  const range = hi === Number.MAX_SAFE_INTEGER ? `an integer >= ${lo}` : `an integer in [${lo}, ${hi}]`;
  return checkNumber(fn, field, value, { min: lo, max: hi, integer: true, range });
}

/** A probability in [0, 1]. */
export function checkProbability(fn: string, field: string, value: unknown): number {
  return checkNumber(fn, field, value, { min: 0, max: 1, range: 'a probability in [0, 1]' });
}
