// Reading recipe files: JSON (syntax errors with line and column) or YAML (.yaml / .yml), and `extends` chains — a
// recipe names the file it builds on, relative to itself; objects are merged key by key, arrays and values replaced.
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RecipeError } from './errors.js';

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function parseText(file: string, text: string): unknown {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    try {
      return parseYaml(text);
    } catch (e) {
      throw new RecipeError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const at = /at position (\d+)/.exec(msg);
    const where = at ? ` at ${lineColumn(text, Number(at[1]))}` : '';
    throw new RecipeError(`${file}: not valid JSON${where} (${msg.replace(/ in JSON at position \d+.*$/, '')})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `over` on top of `base`: objects merged key by key, everything else (arrays included) replaced. */
export function mergeRecipes(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return structuredClone(over);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeRecipes(out[k], v) : structuredClone(v);
  return out;
}

/** The raw recipe of `file` with its `extends` chain applied (the key itself removed); cycles are refused. */
export function readRecipeFile(file: string, chain: string[] = []): unknown {
  const path = resolve(file);
  if (chain.includes(path))
    throw new RecipeError(`${chain[0]}: extends forms a cycle: ${[...chain, path].join(' -> ')}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const from = chain.length ? ` (extended by ${chain[chain.length - 1]})` : '';
    throw new RecipeError(`${file}: cannot read recipe (${code})${from}`);
  }
  const raw = parseText(file, text);
  if (!isObject(raw) || raw.extends === undefined) return raw;
  const { extends: parent, ...own } = raw;
  if (typeof parent !== 'string' || parent === '')
    throw new RecipeError(
      `${file}: extends is ${JSON.stringify(parent)}; accepted: the path of a recipe file, relative to this one`,
    );
  const base = readRecipeFile(resolve(dirname(path), parent), [...chain, path]);
  return mergeRecipes(base, own);
}
