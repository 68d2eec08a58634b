// The field tables of docs/recipes.md, made from the recipe schema and the registries' rows (written between the
// `<!-- generated:… -->` markers by scripts/generate.mjs; a test fails when the committed tables are stale).
import { transformRegistry } from '../data/transform_registry.js';
import { mixers } from '../mix/registry.js';
import { modelRegistry } from '../models/registry.js';
import { optimizers } from '../optim/registry.js';
import type { Registry } from '../registry/index.js';
import { scheduleRegistry } from '../schedules/registry.js';
import { pluginRows } from './plugins.js';
import { currentRecipeSchema } from './recipe_schema.js';

type Node = Record<string, any>;

const code = (v: unknown): string => '`' + JSON.stringify(v).replace(/\|/g, '\\|') + '`';
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** What a field accepts, in words, from its schema node. */
function accepted(n: Node): string {
  if (n.enum) return n.enum.map((v: unknown) => code(v)).join(', ');
  if (Array.isArray(n.type)) return n.type.join(' or ');
  if (n.oneOf)
    return n.oneOf.map((b: Node) => (b.const !== undefined ? code(b.const) : accepted(b) || 'object')).join(' or ');
  const bounds = [
    n.minimum !== undefined ? `≥ ${n.minimum}` : n.exclusiveMinimum !== undefined ? `> ${n.exclusiveMinimum}` : '',
    n.maximum !== undefined ? `≤ ${n.maximum}` : n.exclusiveMaximum !== undefined ? `< ${n.exclusiveMaximum}` : '',
  ].filter(Boolean);
  const kind =
    n.type === 'array' ? `list${n.minItems === n.maxItems && n.minItems ? ` of ${n.minItems}` : ''}` : n.type;
  return [kind, ...bounds].filter(Boolean).join(' ');
}

function rows(node: Node, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, n] of Object.entries<Node>(node.properties ?? {})) {
    if (k === '$schema') continue;
    const path = prefix ? `${prefix}.${k}` : k;
    const isSection = n.type === 'object' && n.properties && !Array.isArray(n.type);
    if (isSection) {
      out.push(...rows(n, path));
      continue;
    }
    const def = n.default === undefined ? '—' : code(n.default);
    out.push(`| \`${path}\` | ${def} | ${cell(accepted(n))} | ${cell(n.description ?? '')} |`);
    if (Array.isArray(n.type) && n.properties)
      for (const [sk, sn] of Object.entries<Node>(n.properties))
        out.push(`| \`${path}.${sk}\` | ${code(sn.default)} | ${cell(accepted(sn))} | ${cell(sn.description ?? '')} |`);
  }
  return out;
}

function registryTable(title: string, field: string, reg: Registry<unknown>): string[] {
  return [
    `**${title}** (\`${field}\`):`,
    '',
    '| name | what | reference | fields |',
    '| --- | --- | --- | --- |',
    ...reg.list().map(
      (r) =>
        `| \`${r.name}\` | ${cell(r.doc)} | ${cell(r.reference)} | ${
          Object.keys(r.fields)
            .map((f) => `\`${f}\``)
            .join(', ') || '—'
        } |`,
    ),
    '',
  ];
}

/** One line per option of a registry's rows (an option whose schema differs between rows: one line per schema). */
function optionsTable(title: string, column: string, reg: Registry<unknown>): string[] {
  const lines = new Map<string, { option: string; node: Node; names: string[] }>();
  for (const row of reg.list())
    for (const [option, node] of Object.entries<Node>(row.fields as Record<string, Node>)) {
      const key = `${option} ${JSON.stringify(node)}`;
      const line = lines.get(key) ?? { option, node, names: [] };
      line.names.push(row.name);
      lines.set(key, line);
    }
  return [
    title,
    '',
    `| option | ${column} | default | accepted | meaning |`,
    '| --- | --- | --- | --- | --- |',
    ...[...lines.values()].map(
      ({ option, node, names }) =>
        `| \`${option}\` | ${names.length === reg.list().length ? 'all' : names.map((m) => `\`${m}\``).join(', ')} | ${node.default === undefined ? '—' : code(node.default)} | ${cell(accepted(node))} | ${cell(node.description ?? '')} |`,
    ),
    '',
  ];
}

/** The generated part of docs/recipes.md. */
export function recipeFieldTables(): string {
  return [
    '| field | default | accepted | meaning |',
    '| --- | --- | --- | --- |',
    ...rows(currentRecipeSchema() as unknown as Node, ''),
    '',
    ...registryTable('Models', 'model.name', modelRegistry as Registry<unknown>),
    ...optionsTable(
      '**Model options** (`model.options`: the fields of the chosen model; unset ones take these defaults):',
      'models',
      modelRegistry as Registry<unknown>,
    ),
    ...registryTable('Transforms', 'augment[].name', transformRegistry as Registry<unknown>),
    ...optionsTable(
      "**Transform options** (`augment[].options`: the fields of the entry's transform; docs/augment.md has the details):",
      'transforms',
      transformRegistry as Registry<unknown>,
    ),
    ...registryTable('Optimizers', 'optimizer.name', optimizers as Registry<unknown>),
    ...registryTable('Schedules', 'schedule.name', scheduleRegistry as Registry<unknown>),
    ...registryTable('Mixers', 'mixing.name', mixers as Registry<unknown>),
    '**Trainer plug-ins** (turned on by their field; hooks in [architecture](architecture.md), "Plug-ins"):',
    '',
    '| plug-in | turned on by | what | reference |',
    '| --- | --- | --- | --- |',
    ...pluginRows().map((r) => `| \`${r.name}\` | \`${r.field}\` | ${cell(r.doc)} | ${cell(r.reference)} |`),
  ].join('\n');
}

export const GENERATED_BEGIN = '<!-- generated:fields (node scripts/generate.mjs; do not edit by hand) -->';
export const GENERATED_END = '<!-- /generated:fields -->';

/** `doc` with the text between the markers replaced by the current tables. */
export function withFieldTables(doc: string): string {
  const a = doc.indexOf(GENERATED_BEGIN);
  const b = doc.indexOf(GENERATED_END);
  if (a < 0 || b < a) throw new Error(`docs/recipes.md: the markers ${GENERATED_BEGIN} … ${GENERATED_END} are missing`);
  return `${doc.slice(0, a + GENERATED_BEGIN.length)}\n\n${recipeFieldTables()}\n\n${doc.slice(b)}`;
}
