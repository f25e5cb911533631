import { CephError, Errno } from '@ts-ceph/common/core';

/**
 * A small backtracking parser for the cap grammars. Ceph writes MonCap, OSDCap and MgrCap as Boost
 * Spirit Qi grammars; Qi is a PEG: alternatives are ordered and commit to the first that succeeds,
 * a failing sequence restores the input position, `-x` / `*x` / `+x` are greedy and never give back
 * what they matched. The combinators here have exactly those semantics, so the same strings are
 * accepted and rejected as by Ceph.
 */

/** Longest cap string we parse (Ceph has no limit; ours keeps a hostile cap from costing much). */
export const capBytesMax = 64 * 1024;

export class Cursor {
  pos = 0;
  constructor(readonly s: string) {}

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  /** Run `fn`; if it fails, put the position back (a Qi sequence). */
  attempt<T>(fn: () => T | undefined): T | undefined {
    const save = this.pos;
    const v = fn();
    if (v === undefined) this.pos = save;
    return v;
  }

  /** Ordered choice: the first alternative that succeeds. */
  first<T>(...alts: (() => T | undefined)[]): T | undefined {
    for (const a of alts) {
      const v = this.attempt(a);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  lit(text: string): boolean {
    if (this.s.startsWith(text, this.pos)) {
      this.pos += text.length;
      return true;
    }
    return false;
  }

  /** +char_(set): one or more characters for which `ok` holds. */
  plus(ok: (c: string) => boolean): string | undefined {
    const start = this.pos;
    while (this.pos < this.s.length && ok(this.s[this.pos]!)) this.pos++;
    return this.pos > start ? this.s.slice(start, this.pos) : undefined;
  }

  /** *char_(set): zero or more. */
  star(ok: (c: string) => boolean): string {
    return this.plus(ok) ?? '';
  }

  rest(): string {
    return this.s.slice(this.pos);
  }
}

export const isUnquotedWordChar = (c: string): boolean => /[a-zA-Z0-9_./-]/.test(c);
export const isNetworkChar = (c: string): boolean => /[/.:a-fA-F0-9\]\[]/.test(c);

/** quoted_string: "..." or '...' with at least one character (allowEmpty: equoted_string). */
export function quotedString(p: Cursor, allowEmpty = false): string | undefined {
  for (const q of ['"', "'"]) {
    const v = p.attempt(() => {
      if (!p.lit(q)) return undefined;
      const body = p.star((c) => c !== q);
      if (!allowEmpty && body === '') return undefined;
      return p.lit(q) ? body : undefined;
    });
    if (v !== undefined) return v;
  }
  return undefined;
}

/** str := quoted_string | unquoted_word */
export function str(p: Cursor): string | undefined {
  return p.first(
    () => quotedString(p),
    () => p.plus(isUnquotedWordChar),
  );
}

/** A cap string that did not parse: EINVAL, with where Ceph's parser stopped. */
export class CapParseError extends CephError {
  constructor(
    readonly kind: 'mon' | 'osd' | 'mgr',
    readonly input: string,
    readonly position: number,
    detail?: string,
  ) {
    super(
      'CAP_PARSE',
      Errno.EINVAL,
      // Ceph's wording: OSDCap always quotes the rest, MonCap/MgrCap say "end of" at the end
      detail ??
        (position < input.length || kind === 'osd'
          ? `${kind} capability parse failed, stopped at '${input.slice(position)}' of '${input}' (position ${position})`
          : `${kind} capability parse failed, stopped at end of '${input}'`),
    );
    this.name = 'CapParseError';
  }
}

export function checkCapLength(kind: 'mon' | 'osd' | 'mgr', text: string): void {
  if (text.length > capBytesMax) throw new CapParseError(kind, text.slice(0, 64), 0, `${kind} capability of ${text.length} characters exceeds capBytesMax ${capBytesMax}`);
}

/** Ceph's maybe_quote_string: quote unless only letters, digits, '-' and '_'. */
export function maybeQuote(s: string): string {
  return /^[A-Za-z0-9_-]*$/.test(s) ? s : `"${s}"`;
}
