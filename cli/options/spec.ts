/**
 * What an option is: its flag, its value's type, bounds and default, its help and help group, and whether an `index`
 * run request carries it to a remote build. The table (table.ts) declares every option of every command with these
 * builders; commander's flags, the validation and the help text are all generated from it (register.ts).
 *
 * An option that sets an index config field takes its type, bounds and default from the config schema
 * (`fromConfig`), so the CLI and the config cannot disagree.
 */
import { z } from 'zod';

export const GROUPS = {
  input: 'Input and output:',
  corpus: 'Corpus and output:',
  embed: 'Chunking and embedding:',
  search: 'Search:',
  cluster: 'Clustering:',
  name: 'Naming:',
  runner: 'Store and runner:',
  batch: 'Batch pipeline steps:',
  cloud: 'Cloud build (--deploy-gpu):',
  display: 'Display:',
  check: 'Bounds (exit 1 when one fails):',
  general: 'General:',
} as const;
export type Group = keyof typeof GROUPS;

interface Common {
  /** Commander flags: '--chunk-tokens <n>', '-q, --quiet'. */
  readonly flags: string;
  readonly help: string;
  readonly group: Group;
  /** `index` options that change what a build computes: a run request carries them to a remote build. */
  readonly remote?: boolean;
  /** A switch with a `--no-…` twin, on by default. */
  readonly negatable?: boolean;
  /** A default applied later (by the index config or the stack), shown in the help. */
  readonly laterDefault?: unknown;
  /** Accepted but left out of the help (an old name kept as an alias). */
  readonly hidden?: boolean;
}

type Kind =
  | { kind: 'int' | 'number'; min?: number; max?: number; gt?: number }
  | { kind: 'string'; pattern?: RegExp; expected?: string }
  | { kind: 'enum'; choices: readonly string[] }
  | { kind: 'list'; pattern?: RegExp; expected?: string }
  | { kind: 'switch' };

/**
 * One option. `T` is its parsed value; `Always` says whether a value is always present (a default or a required
 * option) or may be undefined (not given; a later layer, e.g. the config, decides).
 */
export type OptionDef<T = unknown, Always extends boolean = boolean> = Common &
  Kind & {
    readonly required?: boolean;
    /** Applied by the parser when the option is not given. */
    readonly default?: T;
    /** Phantom fields carrying the value type. */
    readonly _value?: T;
    readonly _always?: Always;
  };

export type ValueOf<D> = D extends OptionDef<infer T, infer A> ? (A extends true ? T : T | undefined) : never;
export type OptionValues<S extends Record<string, OptionDef>> = { [K in keyof S]: ValueOf<S[K]> };

type Bounds = { min?: number; max?: number; gt?: number };

export function int(c: Common & Bounds & { default: number }): OptionDef<number, true>;
export function int(c: Common & Bounds & { required: true }): OptionDef<number, true>;
export function int(c: Common & Bounds): OptionDef<number, false>;
export function int(c: Common & Bounds & { default?: number; required?: boolean }): OptionDef<number> {
  return { ...c, kind: 'int' };
}

export function num(c: Common & Bounds & { default: number }): OptionDef<number, true>;
export function num(c: Common & Bounds): OptionDef<number, false>;
export function num(c: Common & Bounds & { default?: number }): OptionDef<number> {
  return { ...c, kind: 'number' };
}

type TextExtra = { pattern?: RegExp; expected?: string };
export function text(c: Common & TextExtra & { default: string }): OptionDef<string, true>;
export function text(c: Common & TextExtra & { required: true }): OptionDef<string, true>;
export function text(c: Common & TextExtra): OptionDef<string, false>;
export function text(c: Common & TextExtra & { default?: string; required?: boolean }): OptionDef<string> {
  return { ...c, kind: 'string' };
}

export function choice<const C extends readonly string[]>(choices: C, c: Common & { default: C[number] }): OptionDef<C[number], true>;
export function choice<const C extends readonly string[]>(choices: C, c: Common): OptionDef<C[number], false>;
export function choice(choices: readonly string[], c: Common & { default?: string }): OptionDef<string> {
  return { ...c, kind: 'enum', choices };
}

/** A repeatable option: every value given, in order ([] when none). */
export function list(c: Common & TextExtra): OptionDef<string[], true> {
  return { ...c, kind: 'list', default: [] };
}

/** A boolean switch: false unless given (or true unless `--no-…` is given, with `negatable`). */
export function toggle(c: Common): OptionDef<boolean, true> {
  return { ...c, kind: 'switch', default: Boolean(c.negatable) };
}

/**
 * An option that sets one field of the index config: type, bounds and the default shown in the help come from the
 * field's schema; the value stays undefined when the option is not given, so the config's default applies.
 */
export function fromConfig<S extends z.ZodType>(field: S, c: Common): OptionDef<z.output<S>, false> {
  let inner: z.ZodType = field;
  let laterDefault: unknown;
  for (;;) {
    const def = (inner as unknown as { def: { type: string; innerType?: z.ZodType; defaultValue?: unknown } }).def;
    if (def.type === 'default') laterDefault = def.defaultValue;
    if ((def.type === 'default' || def.type === 'optional') && def.innerType) inner = def.innerType;
    else break;
  }
  if (inner instanceof z.ZodNumber) {
    const b: Bounds = {};
    for (const check of inner.def.checks ?? []) {
      const d = (check as unknown as { _zod: { def: { check: string; value: number; inclusive: boolean } } })._zod.def;
      if (d.check === 'greater_than') Object.assign(b, d.inclusive ? { min: d.value } : { gt: d.value });
      if (d.check === 'less_than') b.max = d.value;
    }
    return { ...c, ...b, kind: inner.isInt ? 'int' : 'number', laterDefault };
  }
  if (inner instanceof z.ZodEnum) return { ...c, kind: 'enum', choices: inner.options as string[], laterDefault };
  if (inner instanceof z.ZodString) return { ...c, kind: 'string', laterDefault };
  throw new Error(`fromConfig: unsupported field type for ${c.flags}`);
}

/** '--chunk-tokens <n>' → 'chunkTokens' (commander's attribute name). */
export function attributeOf(flags: string): string {
  const long = /--(?:no-)?([a-z0-9-]+)/.exec(flags)?.[1];
  if (!long) throw new Error(`no long flag in "${flags}"`);
  return long.replace(/-([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}

export function longFlag(flags: string): string {
  return `--${/--(?:no-)?([a-z0-9-]+)/.exec(flags)![1]}`;
}
