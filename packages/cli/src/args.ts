import { cephError } from '@ts-ceph/common';

/**
 * The options every `ts-ceph` subcommand shares, spelled as the `ceph` CLI spells them
 * (src/ceph.in, ceph_argparse.py): -c/--conf, -n/--name, -i/--id, -k/--keyring, -f/--format,
 * -m/--mon-host, --cluster, --connect-timeout. `--opt=value` and `--opt value` both work.
 */
export interface GlobalOptions {
  conf?: string;
  name?: string;
  id?: string;
  keyring?: string;
  format?: 'json' | 'json-pretty' | 'plain' | 'xml' | 'xml-pretty';
  monHost?: string;
  cluster: string;
  connectTimeoutMs?: number;
  /** Everything that is not a global option, in order (the subcommand and its arguments). */
  rest: string[];
}

const withValue: Record<string, keyof GlobalOptions> = {
  '-c': 'conf',
  '--conf': 'conf',
  '-n': 'name',
  '--name': 'name',
  '-i': 'id',
  '--id': 'id',
  '--user': 'id',
  '-k': 'keyring',
  '--keyring': 'keyring',
  '-f': 'format',
  '--format': 'format',
  '-m': 'monHost',
  '--mon-host': 'monHost',
  '--cluster': 'cluster',
  '--connect-timeout': 'connectTimeoutMs',
};

const formats = ['json', 'json-pretty', 'plain', 'xml', 'xml-pretty'];

export function parseGlobalOptions(argv: string[]): GlobalOptions {
  const o: GlobalOptions = { cluster: 'ceph', rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const key = withValue[flag];
    if (!key) {
      o.rest.push(a);
      continue;
    }
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw cephError('EINVAL', `${flag} needs a value`);
    if (key === 'format') {
      if (!formats.includes(v)) throw cephError('EINVAL', `unknown format '${v}' (json, json-pretty, plain, xml, xml-pretty)`);
      o.format = v as GlobalOptions['format'];
    } else if (key === 'connectTimeoutMs') {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw cephError('EINVAL', `--connect-timeout: '${v}' is not a positive number of seconds`);
      o.connectTimeoutMs = n * 1000;
    } else (o as unknown as Record<string, string>)[key] = v;
  }
  return o;
}
