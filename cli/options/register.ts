/**
 * From the option table to a command: commander flags with grouped help (bounds and defaults written from the
 * table, never by hand), and one parser that checks every value and says what is wrong in the tool's words.
 */
import { Option, type Command } from 'commander';
import { CproxError } from '../../pipeline/errors.js';
import { attributeOf, GROUPS, longFlag, type OptionDef, type OptionValues } from './spec.js';

const fmt = (v: unknown) => String(v);

/** "8 to 8192", "≥ 1", "> 0 and ≤ 1": the allowed range of a numeric option. */
function range(d: OptionDef): string | null {
  if (d.kind !== 'int' && d.kind !== 'number') return null;
  const low = d.gt !== undefined ? `> ${fmt(d.gt)}` : d.min !== undefined ? `≥ ${fmt(d.min)}` : null;
  if (d.min !== undefined && d.max !== undefined) return `${fmt(d.min)} to ${fmt(d.max)}`;
  if (low && d.max !== undefined) return `${low} and ≤ ${fmt(d.max)}`;
  return low ?? (d.max !== undefined ? `≤ ${fmt(d.max)}` : null);
}

/** The help line: the table's text plus the choices, the range and the default it applies. */
export function helpLine(d: OptionDef): string {
  const parts: string[] = [];
  if (d.kind === 'enum') parts.push(d.choices.join(' | '));
  const r = range(d);
  if (r) parts.push(r);
  if (d.kind === 'list') parts.push('repeatable');
  const shown = d.kind === 'switch' || d.kind === 'list' ? undefined : (d.default ?? d.laterDefault);
  if (shown !== undefined && shown !== '') parts.push(`default ${fmt(shown)}`);
  return parts.length ? `${d.help} (${parts.join('; ')})` : d.help;
}

/** Adds the options of `set` to `cmd`, each under its help group. */
export function addOptions(cmd: Command, set: Record<string, OptionDef>): Command {
  for (const [key, d] of Object.entries(set)) {
    if (attributeOf(d.flags) !== key) throw new Error(`option table: "${key}" is declared with flags "${d.flags}"`);
    const flags = d.kind === 'switch' && d.negatable ? d.flags.replace('--', '--no-') : d.flags;
    const opt = new Option(flags, helpLine(d)).helpGroup(GROUPS[d.group]);
    if (d.required) opt.makeOptionMandatory();
    if (d.hidden) opt.hideHelp();
    if (d.kind === 'list') opt.argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), v]);
    cmd.addOption(opt);
  }
  // -h with the other general options, not alone under "Options:".
  return cmd.addHelpOption(new Option('-h, --help', 'show this help').helpGroup(GROUPS.general));
}

function expected(d: OptionDef): string {
  switch (d.kind) {
    case 'int':
    case 'number': {
      const r = range(d);
      const what = d.kind === 'int' ? 'an integer' : 'a number';
      return r ? `${what} ${r.includes(' to ') ? `from ${r}` : r}` : what;
    }
    case 'enum':
      return `one of ${d.choices.join(', ')}`;
    case 'string':
      return d.expected ?? 'a non-empty value';
    case 'list':
      return d.expected ?? 'a non-empty value';
    case 'switch':
      return 'no value';
  }
}

function check(d: OptionDef, raw: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (d.kind) {
    case 'switch':
      return { ok: true, value: raw === undefined ? d.default : Boolean(raw) };
    case 'int':
    case 'number': {
      const v = typeof raw === 'number' ? raw : String(raw).trim() === '' ? NaN : Number(raw);
      const fits =
        Number.isFinite(v) &&
        (d.kind === 'number' || Number.isInteger(v)) &&
        (d.min === undefined || v >= d.min) &&
        (d.gt === undefined || v > d.gt) &&
        (d.max === undefined || v <= d.max);
      return fits ? { ok: true, value: v } : { ok: false };
    }
    case 'enum':
      return d.choices.includes(String(raw)) ? { ok: true, value: String(raw) } : { ok: false };
    case 'list': {
      const values = (Array.isArray(raw) ? raw : [raw]).map(String);
      return values.every((s) => s.length > 0 && (!d.pattern || d.pattern.test(s))) ? { ok: true, value: values } : { ok: false };
    }
    case 'string': {
      const s = String(raw);
      return s.length > 0 && (!d.pattern || d.pattern.test(s)) ? { ok: true, value: s } : { ok: false };
    }
  }
}

/** Checks the values commander collected against the table; defaults applied, errors named by flag. */
export function parseOptions<S extends Record<string, OptionDef>>(command: string, set: S, given: unknown): OptionValues<S> {
  // Commander hands the action its option values as an untyped object.
  const raw: Record<string, unknown> = typeof given === 'object' && given !== null ? { ...given } : {};
  const out: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(set)) {
    const value = raw[key];
    if (value === undefined && d.kind !== 'switch') {
      out[key] = Array.isArray(d.default) ? [...(d.default as unknown[])] : d.default;
      continue;
    }
    const r = check(d, value);
    if (!r.ok) {
      throw new CproxError('BAD_INPUT', `${command}: invalid ${longFlag(d.flags)} "${String(value)}": expected ${expected(d)}`, {
        hint: `see \`corpus-proximity ${command} --help\``,
      });
    }
    out[key] = r.value;
  }
  return out as OptionValues<S>;
}
