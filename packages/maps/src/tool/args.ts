/**
 * Ceph's command-line argument conventions (src/common/ceph_argparse.cc) as osdmaptool uses them:
 * "-" and "_" are interchangeable in option names, a value follows as "--opt value" or "--opt=value",
 * and everything that is not a recognised option stays behind as a positional argument.
 */
export class ArgParser {
  readonly rest: string[] = [];
  private i = 0;
  constructor(private readonly args: string[]) {}

  done(): boolean {
    return this.i >= this.args.length;
  }
  private static norm(s: string): string {
    return s.replace(/_/g, '-');
  }
  /** "--" ends option parsing: everything after it is positional. */
  doubleDash(): boolean {
    if (this.args[this.i] !== '--') return false;
    this.i++;
    while (this.i < this.args.length) this.rest.push(this.args[this.i++]!);
    return true;
  }
  flag(...names: string[]): boolean {
    const a = this.args[this.i]!;
    if (names.some((n) => ArgParser.norm(n) === ArgParser.norm(a))) {
      this.i++;
      return true;
    }
    return false;
  }
  /** The option's value, undefined if the current argument is not this option. Throws on a missing value. */
  withArg(...names: string[]): string | undefined {
    const a = this.args[this.i]!;
    for (const n of names) {
      const nn = ArgParser.norm(n);
      const eq = a.indexOf('=');
      if (eq > 0 && ArgParser.norm(a.slice(0, eq)) === nn) {
        this.i++;
        return a.slice(eq + 1);
      }
      if (ArgParser.norm(a) === nn) {
        if (this.i + 1 >= this.args.length) throw new ArgError(`Option ${n} requires an argument.`);
        this.i += 2;
        return this.args[this.i - 1]!;
      }
    }
    return undefined;
  }
  /** An integer option (strict_strtol): the value, undefined if absent; throws ArgError when not an integer. */
  withInt(...names: string[]): number | undefined {
    const v = this.withArg(...names);
    if (v === undefined) return undefined;
    if (!/^[-+]?\d+$/.test(v.trim())) throw new ArgError(`The option value '${v}' is invalid`);
    return Number(v);
  }
  skip(): void {
    this.rest.push(this.args[this.i++]!);
  }
}

export class ArgError extends Error {}
