/**
 * md_config_t::injectargs (src/common/config.cc parse_option, src/common/ceph_argparse.cc): the
 * argument words of `ceph tell mon.X injectargs ...` joined with spaces and split again at each space,
 * then read as "--name value", "--name=value", a bare "--<bool>" (true, or the next word when that
 * is true/false/1/0), "--<bool>=true|false|1|0" and "--no-<bool>", with dashes and underscores
 * alike in the name. Words no option takes are left over and reported together; each option word
 * is applied as it is read, so the ones before an error stay set, as in Ceph. Ceph's
 * "--default-<name>" (a new compiled-in default) is not taken: ts-mon keeps no default level to set,
 * so it is reported among the words left over. Pure: the caller applies each value and reports what
 * changed.
 */
import { OptionSchema } from './options';

export interface InjectTarget {
  find(name: string): OptionSchema | undefined;
  /** Set one option from its raw text (CONF_OVERRIDE); the reason it was refused, or undefined. */
  set(o: OptionSchema, raw: string): string | undefined;
}

export interface InjectResult {
  /** False (Ceph's -EINVAL) when a value was refused or words were left over. */
  ok: boolean;
  /** Ceph's error lines ("Parse error setting ...", " failed to parse arguments: ..."), or ''. */
  errors: string;
}

/** Ceph's injectargs string splitting: every space ends a word, runs of spaces after a word are skipped. */
export function splitInjectArgs(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const start = i;
    while (i < s.length && s[i] !== ' ') i++;
    out.push(s.slice(start, i));
    if (i >= s.length) break;
    i++;
    while (i < s.length && s[i] === ' ') i++;
  }
  return out;
}

/** dashes_to_underscores: the first two characters as they are, then '-' to '_' up to the first '='. */
export function dashesToUnderscores(word: string): string {
  const eq = word.indexOf('=', 2);
  const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
  return word.slice(0, 2) + name.replace(/-/g, '_') + (eq < 0 ? '' : word.slice(eq));
}

/** One option word read: how many words it took, the value and any error text Ceph prints. */
interface Reading {
  o: OptionSchema;
  taken: number;
  value?: string;
  /** The argparse error that ends in "Parse error setting ..." (error_message in parse_option). */
  argError?: string;
  /** Written before the "Parse error setting" line (a bad binary flag). */
  flagError?: string;
}

/** check_bool_str: "true"/"1" and "false"/"0", nothing else. */
function boolWord(w: string | undefined): 'true' | 'false' | undefined {
  if (w === 'true' || w === '1') return 'true';
  if (w === 'false' || w === '0') return 'false';
  return undefined;
}

function read(words: readonly string[], i: number, t: InjectTarget): Reading | undefined {
  const word = words[i]!;
  const norm = dashesToUnderscores(word);
  if (!norm.startsWith('--')) return undefined;
  const eq = norm.indexOf('=');
  const name = eq < 0 ? norm.slice(2) : norm.slice(2, eq);
  const o = t.find(name);
  if (o && o.type === 'bool') {
    if (eq < 0) {
      // A bare flag takes the next word when that is a boolean ("--flag false").
      const next = boolWord(words[i + 1]);
      return next === undefined ? { o, taken: 1, value: 'true' } : { o, taken: 2, value: next };
    }
    const v = norm.slice(eq + 1);
    const b = boolWord(v);
    if (b !== undefined) return { o, taken: 1, value: b };
    return { o, taken: 1, flagError: `Parse error parsing binary flag  --${o.name}. Expected true or false, but got '${v}'\n` };
  }
  if (o) {
    if (eq >= 0) return { o, taken: 1, value: norm.slice(eq + 1) };
    if (i + 1 === words.length) return { o, taken: 1, argError: `Option ${word} requires an argument.\n` };
    return { o, taken: 2, value: words[i + 1]! };
  }
  // ceph_argparse_flag("--no-<name>") matches the whole word only.
  const neg = eq < 0 && name.startsWith('no_') ? t.find(name.slice(3)) : undefined;
  if (neg && neg.type === 'bool') return { o: neg, taken: 1, value: 'false' };
  return undefined;
}

/** Apply the injected arguments (the injected_args strings of the command). */
export function injectArgs(args: readonly string[], t: InjectTarget): InjectResult {
  const words = args.length ? splitInjectArgs(args.join(' ')) : [];
  const left: string[] = [];
  let errors = '';
  let ok = true;
  for (let i = 0; i < words.length; ) {
    const r = read(words, i, t);
    if (!r) {
      left.push(words[i]!);
      i++;
      continue;
    }
    i += r.taken;
    errors += r.flagError ?? '';
    const why = r.argError ?? (r.value === undefined ? undefined : t.set(r.o, r.value));
    if (r.flagError === undefined && why === undefined) continue;
    ok = false;
    errors += `Parse error setting ${r.o.name} to '${r.value ?? ''}' using injectargs${why ? ` (${why})` : ''}.\n`;
  }
  if (left.length) {
    ok = false;
    errors += ` failed to parse arguments: ${left.join(',')}\n`;
  }
  return { ok, errors };
}
