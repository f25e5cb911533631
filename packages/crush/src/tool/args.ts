/**
 * Argument handling in the style of Ceph's ceph_argparse (src/common/ceph_argparse.cc), which
 * crushtool uses: options are matched with dashes and underscores after the leading "--" treated
 * alike, take their value from the next word or after "=", and are removed from the list as they are
 * recognised, so whatever is left over is either an error or, with --build, the layer triples.
 */

/** "--show-mappings" and "--show_mappings" are the same option. */
export function normaliseOption(a: string): string {
  if (!a.startsWith('--')) return a;
  const eq = a.indexOf('=');
  const head = eq < 0 ? a : a.slice(0, eq);
  const tail = eq < 0 ? '' : a.slice(eq);
  return '--' + head.slice(2).replace(/-/g, '_') + tail;
}

export class ArgList {
  i = 0;
  constructor(readonly args: string[]) {}

  get current(): string | undefined {
    return this.args[this.i];
  }
  done(): boolean {
    return this.i >= this.args.length;
  }
  skip(): void {
    this.i++;
  }
  /** Take and remove the word at the cursor (for options with several values). */
  take(): string | undefined {
    if (this.i >= this.args.length) return undefined;
    return this.args.splice(this.i, 1)[0];
  }

  /** "--" ends option parsing (it is removed). */
  doubleDash(): boolean {
    if (this.current !== '--') return false;
    this.args.splice(this.i, 1);
    return true;
  }

  /** A flag: removed and true if the cursor is at one of `names`. */
  flag(...names: string[]): boolean {
    const a = this.current;
    if (a === undefined) return false;
    const n = normaliseOption(a);
    if (!names.some((x) => normaliseOption(x) === n)) return false;
    this.args.splice(this.i, 1);
    return true;
  }

  /**
   * An option with a value ("--opt v" or "--opt=v"). Returns the value, null if the option is present
   * without a value, or undefined if the cursor is not at this option.
   */
  withArg(...names: string[]): string | null | undefined {
    const a = this.current;
    if (a === undefined) return undefined;
    const n = normaliseOption(a);
    for (const x of names) {
      const nx = normaliseOption(x);
      if (n === nx) {
        this.args.splice(this.i, 1);
        if (this.i >= this.args.length) return null;
        return this.args.splice(this.i, 1)[0];
      }
      if (n.startsWith(nx + '=')) {
        this.args.splice(this.i, 1);
        return a.slice(a.indexOf('=') + 1);
      }
    }
    return undefined;
  }
}

/** strict_strtol: the whole string must be a base-10 integer in int range. */
export function strictInt(s: string, opt: string): number | string {
  if (!/^\s*[+-]?\d+$/.test(s)) return `The option value '${s}' is invalid`;
  const v = Number(s);
  if (v > 0x7fffffff || v < -0x80000000) return `The option value '${s}' seems to be invalid`;
  void opt;
  return v;
}

/** strict_strtoll for --pool-id. */
export function strictLong(s: string): number | string {
  if (!/^\s*[+-]?\d+$/.test(s)) return `The option value '${s}' is invalid`;
  return Number(s);
}

/** The vector<const char*> stream operator Ceph uses in messages: "[a,b,c]". */
export function fmtArgs(a: readonly string[]): string {
  return `[${a.join(',')}]`;
}
