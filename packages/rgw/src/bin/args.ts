import { cephError } from '@ts-ceph/common';

/** The command line radosgw and radosgw-admin share: -c CONF, -n NAME (or --id), and the rest. */
export interface CommonArgs {
  conf: string;
  name: string;
  /** Long options after the common ones ("--rgw-frontends" → "rgw_frontends"). */
  options: Map<string, string>;
  positional: string[];
  flags: Set<string>;
}

const booleans = new Set(['-f', '-d', '--foreground', '--include-all', '--purge-objects', '--purge-data', '--gen-access-key', '--gen-secret']);

export function parseCommonArgs(argv: string[], defaultName: string): CommonArgs {
  const a: CommonArgs = { conf: process.env.CEPH_CONF ?? '/etc/ceph/ceph.conf', name: defaultName, options: new Map(), positional: [], flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw cephError('EINVAL', `${x} needs a value`);
      return v;
    };
    if (x === '-c' || x === '--conf') a.conf = next();
    else if (x === '-n' || x === '--name') a.name = next();
    else if (x === '-i' || x === '--id') a.name = `client.${next()}`;
    else if (booleans.has(x)) a.flags.add(x);
    else if (x.startsWith('--')) {
      const eq = x.indexOf('=');
      const key = (eq > 0 ? x.slice(2, eq) : x.slice(2)).replace(/-/g, '_');
      a.options.set(key, eq > 0 ? x.slice(eq + 1) : next());
    } else a.positional.push(x);
  }
  return a;
}
