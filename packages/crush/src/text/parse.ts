/**
 * The crushtool text grammar (src/crush/grammar.h), parsed into a small AST. The input is first
 * normalised as CrushCompiler::compile does (comments stripped, whitespace runs squashed, lines joined
 * with single spaces) so that a parse error can be reported with Ceph's "<file>:<line> error: parse
 * error at '<rest of line>'" message, pointing at the top-level item that failed.
 *
 *   crushmap    = *(tunable | device | type) *(bucket | rule) *choose_args
 *   tunable     = "tunable" name posint
 *   device      = "device" posint name ["class" name]
 *   type        = "type" posint name
 *   bucket      = name name "{" *("id" negint ["class" name]) "alg" name *("hash" (integer|"rjenkins1"))
 *                 *("item" name ["weight" real] ["pos" posint]) "}"
 *   rule        = "rule" [name] "{" ("id"|"ruleset") posint "type" ("replicated"|"erasure")
 *                 "min_size" posint "max_size" posint +("step" step) "}"
 *   choose_args = "choose_args" posint "{" *("{" "bucket_id" negint
 *                 ["weight_set" "[" *("[" *real "]") "]"] ["ids" "[" *integer "]"] "}") "}"
 */

export interface TunableNode {
  kind: 'tunable';
  name: string;
  value: string;
}
export interface DeviceNode {
  kind: 'device';
  id: string;
  name: string;
  className?: string;
}
export interface TypeNode {
  kind: 'type';
  id: string;
  name: string;
}
export interface BucketItemNode {
  name: string;
  weight?: string;
  pos?: string;
}
export interface BucketNode {
  kind: 'bucket';
  typeName: string;
  name: string;
  ids: { id: string; className?: string }[];
  alg: string;
  hashes: string[];
  items: BucketItemNode[];
}
export type StepNode =
  | { op: 'take'; item: string; className?: string }
  | { op: 'set_choose_tries' | 'set_choose_local_tries' | 'set_choose_local_fallback_tries' | 'set_chooseleaf_tries' | 'set_chooseleaf_vary_r' | 'set_chooseleaf_stable'; value: string }
  | { op: 'choose' | 'chooseleaf'; mode: 'firstn' | 'indep'; num: string; type: string }
  | { op: 'emit' };
export interface RuleNode {
  kind: 'rule';
  name?: string;
  id: string;
  type: 'replicated' | 'erasure';
  minSize: string;
  maxSize: string;
  steps: StepNode[];
}
export interface ChooseArgNode {
  bucketId: string;
  weightSet?: string[][];
  ids?: string[];
}
export interface ChooseArgsNode {
  kind: 'choose_args';
  index: string;
  args: ChooseArgNode[];
}
export type TopNode = TunableNode | DeviceNode | TypeNode | BucketNode | RuleNode | ChooseArgsNode;

const POSINT = /^\d+$/;
const NEGINT = /^-\d+$/;
const INTEGER = /^-?\d+$/;
const NAME = /^[A-Za-z0-9_.-]+$/;
// Spirit's real_p: optional sign, digits with an optional fraction (or a bare fraction), optional exponent.
const REAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

class Fail extends Error {}

/** A cursor over the words and braces of the normalised text. */
class Tokens {
  private i = 0;
  constructor(
    private readonly toks: string[],
    private readonly offs: number[],
  ) {}
  get pos(): number {
    return this.i;
  }
  set pos(p: number) {
    this.i = p;
  }
  offset(): number {
    return this.i < this.offs.length ? this.offs[this.i] : -1;
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }
  peek(k = 0): string | undefined {
    return this.toks[this.i + k];
  }
  lit(s: string): void {
    if (this.toks[this.i] !== s) throw new Fail();
    this.i++;
  }
  optLit(s: string): boolean {
    if (this.toks[this.i] !== s) return false;
    this.i++;
    return true;
  }
  match(re: RegExp): string {
    const t = this.toks[this.i];
    if (t === undefined || !re.test(t)) throw new Fail();
    this.i++;
    return t;
  }
  optMatch(re: RegExp): string | undefined {
    const t = this.toks[this.i];
    if (t === undefined || !re.test(t)) return undefined;
    this.i++;
    return t;
  }
}

function attempt<T>(t: Tokens, fn: () => T): T | undefined {
  const save = t.pos;
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    t.pos = save;
    return undefined;
  }
}

function parseBucket(t: Tokens): BucketNode {
  const typeName = t.match(NAME);
  const name = t.match(NAME);
  t.lit('{');
  const ids: BucketNode['ids'] = [];
  while (t.peek() === 'id') {
    const id = attempt(t, () => {
      t.lit('id');
      const id = t.match(NEGINT);
      const className = t.optLit('class') ? t.match(NAME) : undefined;
      return { id, className };
    });
    if (!id) break;
    ids.push(id);
  }
  t.lit('alg');
  const alg = t.match(NAME);
  const hashes: string[] = [];
  while (t.peek() === 'hash') {
    t.lit('hash');
    hashes.push(t.optLit('rjenkins1') ? 'rjenkins1' : t.match(INTEGER));
  }
  const items: BucketItemNode[] = [];
  while (t.peek() === 'item') {
    t.lit('item');
    const item: BucketItemNode = { name: t.match(NAME) };
    if (t.optLit('weight')) item.weight = t.match(REAL);
    if (t.optLit('pos')) item.pos = t.match(POSINT);
    items.push(item);
  }
  t.lit('}');
  return { kind: 'bucket', typeName, name, ids, alg, hashes, items };
}

const SET_STEPS = ['set_choose_tries', 'set_choose_local_tries', 'set_choose_local_fallback_tries', 'set_chooseleaf_tries', 'set_chooseleaf_vary_r', 'set_chooseleaf_stable'] as const;

function parseStep(t: Tokens): StepNode {
  t.lit('step');
  const w = t.peek();
  if (w === 'take') {
    t.lit('take');
    const item = t.match(NAME);
    const className = t.optLit('class') ? t.match(NAME) : undefined;
    return { op: 'take', item, className };
  }
  for (const s of SET_STEPS) {
    if (w === s) {
      t.lit(s);
      return { op: s, value: t.match(POSINT) };
    }
  }
  if (w === 'choose' || w === 'chooseleaf') {
    t.lit(w);
    const mode = t.optLit('indep') ? 'indep' : (t.lit('firstn'), 'firstn');
    const num = t.match(INTEGER);
    t.lit('type');
    return { op: w, mode, num, type: t.match(NAME) };
  }
  t.lit('emit');
  return { op: 'emit' };
}

function parseRule(t: Tokens): RuleNode {
  t.lit('rule');
  const name = t.peek() !== '{' ? t.match(NAME) : undefined;
  t.lit('{');
  if (!t.optLit('id')) t.lit('ruleset');
  const id = t.match(POSINT);
  t.lit('type');
  const type = t.optLit('replicated') ? 'replicated' : (t.lit('erasure'), 'erasure');
  t.lit('min_size');
  const minSize = t.match(POSINT);
  t.lit('max_size');
  const maxSize = t.match(POSINT);
  const steps = [parseStep(t)];
  while (t.peek() === 'step') steps.push(parseStep(t));
  t.lit('}');
  return { kind: 'rule', name, id, type, minSize, maxSize, steps };
}

function parseChooseArgs(t: Tokens): ChooseArgsNode {
  t.lit('choose_args');
  const index = t.match(POSINT);
  t.lit('{');
  const args: ChooseArgNode[] = [];
  while (t.peek() === '{') {
    t.lit('{');
    t.lit('bucket_id');
    const arg: ChooseArgNode = { bucketId: t.match(NEGINT) };
    if (t.optLit('weight_set')) {
      t.lit('[');
      arg.weightSet = [];
      while (t.optLit('[')) {
        const ws: string[] = [];
        while (t.peek() !== ']') ws.push(t.match(REAL));
        t.lit(']');
        arg.weightSet.push(ws);
      }
      t.lit(']');
    }
    if (t.optLit('ids')) {
      t.lit('[');
      arg.ids = [];
      while (t.peek() !== ']') arg.ids.push(t.match(INTEGER));
      t.lit(']');
    }
    t.lit('}');
    args.push(arg);
  }
  t.lit('}');
  return { kind: 'choose_args', index, args };
}

function parseHeadItem(t: Tokens): TopNode {
  const w = t.peek();
  if (w === 'tunable') {
    t.lit('tunable');
    return { kind: 'tunable', name: t.match(NAME), value: t.match(POSINT) };
  }
  if (w === 'device') {
    t.lit('device');
    const id = t.match(POSINT);
    const name = t.match(NAME);
    const className = t.optLit('class') ? t.match(NAME) : undefined;
    return { kind: 'device', id, name, className };
  }
  t.lit('type');
  return { kind: 'type', id: t.match(POSINT), name: t.match(NAME) };
}

/** Split the normalised text into words (and the offset of each) and single-character braces. */
function tokenize(big: string): { toks: string[]; offs: number[]; badAt: number } {
  const toks: string[] = [];
  const offs: number[] = [];
  const re = /\s*(?:([A-Za-z0-9_.+-]+)|([{}[\]])|(\S))/y;
  let m: RegExpExecArray | null;
  let badAt = -1;
  while (re.lastIndex < big.length && (m = re.exec(big))) {
    if (m[3] !== undefined) {
      badAt = m.index + m[0].length - 1;
      break;
    }
    toks.push(m[1] ?? m[2]);
    offs.push(m.index + m[0].length - (m[1] ?? m[2]).length);
  }
  return { toks, offs, badAt };
}

export interface ParseResult {
  nodes: TopNode[];
  /**
   * If the text did not parse to its end: the offset (in the normalised text) just after the last
   * top-level item that parsed, which is where Spirit's partial match stops and what Ceph reports.
   */
  stop?: number;
}

/** Parse normalised text into top-level items. */
export function parseCrushText(big: string): ParseResult {
  const { toks, offs, badAt } = tokenize(big);
  const t = new Tokens(toks, offs);
  const nodes: TopNode[] = [];
  let end = 0;
  const push = (n: TopNode): void => {
    nodes.push(n);
    end = offs[t.pos - 1] + toks[t.pos - 1].length;
  };
  for (;;) {
    const w = t.peek();
    if (w !== 'tunable' && w !== 'device' && w !== 'type') break;
    const n = attempt(t, () => parseHeadItem(t));
    if (!n) break;
    push(n);
  }
  while (!t.done() && t.peek() !== 'choose_args') {
    const n = attempt(t, () => parseBucket(t)) ?? attempt(t, () => parseRule(t));
    if (!n) break;
    push(n);
  }
  while (t.peek() === 'choose_args') {
    const n = attempt(t, () => parseChooseArgs(t));
    if (!n) break;
    push(n);
  }
  if (!t.done() || badAt >= 0) return { nodes, stop: end };
  return { nodes };
}

/**
 * CrushCompiler::compile's preprocessing: strip comments, squash whitespace, join lines with single
 * spaces. Returns the text and, for error messages, where each line's content starts.
 */
export function normaliseCrushText(text: string): { big: string; linePos: [number, number][]; lines: string[] } {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let big = '';
  const linePos: [number, number][] = [];
  lines.forEach((raw, idx) => {
    let s = raw;
    const hash = s.indexOf('#');
    if (hash >= 0) s = s.slice(0, hash);
    const stripped = s
      .split(/[ \t\r\f\v]+/)
      .filter((x) => x.length)
      .join(' ');
    if (stripped.length && big.length && big[big.length - 1] !== ' ') big += ' ';
    linePos.push([big.length, idx + 1]);
    big += stripped;
  });
  return { big, linePos, lines };
}
