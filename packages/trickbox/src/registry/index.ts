// Registries: one per kind of named thing a recipe can choose (models, optimizers, schedules, mixers, transforms,
// trainer plug-ins). A row holds the name, a one-line doc, the reference it follows, its recipe fields as TypeBox
// schemas (with defaults and descriptions) and its constructor. The recipe schema, the `Recipe` type and the field tables of docs/recipes.md
// are made from the rows (scripts/generate.mjs writes the files; a test fails when a committed copy is stale).
// Plain TypeScript and TypeBox only: the rows of plain areas (schedules) stay importable from browsers.
import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';

export interface RegistryRow<Build> {
  name: string;
  doc: string;
  reference: string;
  /** Recipe fields this row adds to its section (shared names must have the same schema in every row). */
  fields: TProperties;
  build: Build;
}

export class Registry<Build, Row extends RegistryRow<Build> = RegistryRow<Build>> {
  private readonly rows: Row[] = [];
  constructor(
    /** What the rows are, for messages: 'optimizer', 'schedule', … */
    readonly kind: string,
    rows: Row[] = [],
    /**
     * 'section': the rows' fields join one recipe section (a name shared by rows must have one schema);
     * 'own': each row's fields are its own options (models, transforms: `depth` may differ between models).
     */
    readonly fieldScope: 'section' | 'own' = 'section',
  ) {
    for (const r of rows) this.register(r);
  }
  register(row: Row): void {
    if (this.rows.some((r) => r.name === row.name))
      throw new Error(`register ${this.kind}: '${row.name}' is registered already`);
    if (this.fieldScope === 'section') this.checkSharedFields(row);
    this.rows.push(row);
    version++;
  }
  private checkSharedFields(row: Row): void {
    for (const [field, schema] of Object.entries(row.fields)) {
      const other = this.rows.find((r) => field in r.fields);
      if (other && JSON.stringify(other.fields[field]) !== JSON.stringify(schema))
        throw new Error(
          `register ${this.kind} '${row.name}': field '${field}' differs from the one of '${other.name}'`,
        );
    }
  }
  list(): readonly Row[] {
    return this.rows;
  }
  names(): string[] {
    return this.rows.map((r) => r.name);
  }
  get(name: string): Row {
    const row = this.rows.find((r) => r.name === name);
    if (!row) throw new RangeError(`unknown ${this.kind} '${name}'; accepted: ${this.names().join(', ')}`);
    return row;
  }
  /** Every row's fields, merged (a field shared by rows appears once). */
  fields(): TProperties {
    return Object.assign({}, ...this.rows.map((r) => r.fields));
  }
}

let version = 0;
/** Changes whenever any registry gains a row (the recipe schema is rebuilt then). */
export function registryVersion(): number {
  return version;
}
/** Marks the registries changed (for rows kept outside a Registry, such as plug-in fields). */
export function registryChanged(): void {
  version++;
}

/** The defaults of a row's fields (undefined where a field has none), for constructors that share them. */
export function defaultsOf<P extends TProperties>(fields: P): { [K in keyof P]: Static<P[K]> } {
  return Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, (f as { default?: unknown }).default])) as {
    [K in keyof P]: Static<P[K]>;
  };
}

/** A JSON-schema `enum` of the given values, typed as their union. */
export function oneOfValues<const T extends readonly (string | number)[]>(
  values: T,
  options: { default?: T[number]; description?: string } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ enum: [...values], ...options });
}

/**
 * null, or an object of `properties` whose own defaults apply: one node typed ['null', 'object'] (ajv fills defaults
 * only outside anyOf/oneOf branches, so a union would leave `{}` without them).
 */
export function nullableObject<P extends TProperties>(properties: P, description: string) {
  return Type.Unsafe<Static<TObject<P>> | null>({
    type: ['null', 'object'],
    default: null,
    additionalProperties: false,
    properties,
    description,
  });
}

/**
 * A recipe section: an object that refuses unknown keys and defaults to {} (every field has a default). `required`
 * lists the fields a recipe must give; the resolved type has every field.
 */
export function section<P extends TProperties>(
  properties: P,
  options: { required?: string[]; description?: string } = {},
) {
  const s = Type.Object(properties, { additionalProperties: false, description: options.description });
  const node = s as unknown as Record<string, unknown>;
  if (options.required?.length) node.required = options.required;
  else {
    delete node.required;
    node.default = {};
  }
  return s;
}

export type { TSchema, TProperties };
