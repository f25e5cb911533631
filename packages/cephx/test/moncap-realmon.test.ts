/**
 * MonCap evaluation, differentially against a real ceph-mon 16.2.15: entities with various mon caps
 * (blanket, service, command with argument constraints, profiles) run mon commands through
 * python3-rados; the mon answers EACCES exactly when our MonCap.isCapable says no for the command's
 * module and required r/w/x (from the mon's own command table, ceph-traces/maps/
 * get_command_descriptions.json), as Monitor::_allowed_command asks.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { EntityType } from '@ts-ceph/denc';
import { startRealMon, run, requireBinary } from '@ts-ceph/testkit';
import { MonCap } from '../src/index';

requireBinary('/usr/bin/python3');

const caps = [
  'allow r',
  'allow rw',
  'allow rwx',
  'allow service osd r',
  'allow service osd rw, allow service mon r',
  'allow command "osd pool ls", allow command "mon dump"',
  'allow command "config-key get" with key prefix daemon-private/',
  'allow command "osd blocklist" with blocklistop=add addr regex "^[^/]+/[0-9]+$"',
  'allow profile osd',
  'allow profile mgr',
  'profile rbd',
  'profile read-only',
  'allow profile bootstrap-osd',
  'allow profile simple-rados-client',
  'allow *',
];

/** [prefix, string arguments] */
const commands: [string, Record<string, string>][] = [
  ['status', {}],
  ['mon dump', {}],
  ['osd pool ls', {}],
  ['osd dump', {}],
  ['osd tree', {}],
  ['fs ls', {}],
  ['auth ls', {}],
  ['config-key get', { key: 'daemon-private/x' }],
  ['config-key get', { key: 'other/x' }],
  ['config-key set', { key: 'k1', val: 'v' }],
  ['osd blocklist', { blocklistop: 'add', addr: '1.2.3.4:0/3' }],
  ['osd blocklist', { blocklistop: 'rm', addr: '1.2.3.4:0/3' }],
  ['auth get-or-create', { entity: 'client.someone' }],
];

const PY = `
import json, sys, rados, os
conf, admin_keyring, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
caps, commands = json.load(sys.stdin)
a = rados.Rados(conffile=conf, conf={'keyring': admin_keyring}, name='client.admin')
a.connect(timeout=20)
out = []
for i, cap in enumerate(caps):
    name = 'client.ev%d' % i
    r, kr, outs = a.mon_command(json.dumps({'prefix': 'auth get-or-create', 'entity': name, 'caps': ['mon', cap]}), b'')
    if r != 0:
        out.append({'error': outs}); continue
    path = os.path.join(tmp, name + '.keyring')
    open(path, 'wb').write(kr)
    c = rados.Rados(conffile=conf, conf={'keyring': path}, name=name)
    try:
        c.connect(timeout=15)
    except Exception as e:
        out.append({'error': 'connect: %s' % e}); continue
    res = []
    for prefix, args in commands:
        cmd = dict(args); cmd['prefix'] = prefix
        r, _, outs = c.mon_command(json.dumps(cmd), b'', timeout=15)
        res.append(r)
    c.shutdown()
    out.append({'results': res})
a.shutdown()
print(json.dumps(out))
`;

interface CmdDesc {
  sig: (string | { name: string })[];
  module: string;
  perm: string;
}

function commandTable(): Map<string, { module: string; perm: string }> {
  const d = JSON.parse(readFileSync(join(sharedDir(), 'ceph-traces', 'maps', 'get_command_descriptions.json'), 'utf8')) as Record<string, CmdDesc>;
  const m = new Map<string, { module: string; perm: string }>();
  for (const c of Object.values(d)) m.set(c.sig.filter((x): x is string => typeof x === 'string').join(' '), { module: c.module, perm: c.perm });
  return m;
}

t.test('MonCap.isCapable decides as the real mon does', async (t) => {
  const table = commandTable();
  const mon = await startRealMon({ mode: 'crc' });
  t.teardown(() => mon.stop());
  const r = await run('/usr/bin/python3', ['-c', PY, mon.conf, mon.adminKeyring, mon.dir], { input: JSON.stringify([caps, commands]), timeoutMs: 240_000 });
  t.equal(r.code, 0, r.stderr.slice(-2000));
  const res = JSON.parse(r.stdout) as { results?: number[]; error?: string }[];
  let compared = 0;
  caps.forEach((cap, i) => {
    const row = res[i]!;
    if (!row.results) return void t.fail(`${cap}: ${row.error}`);
    const mc = MonCap.parse(cap);
    commands.forEach(([prefix, args], j) => {
      const desc = table.get(prefix);
      if (!desc) return void t.fail(`no command ${prefix} in the mon's table`);
      const ours = mc.isCapable({
        name: { type: EntityType.CLIENT, id: `ev${i}` },
        service: desc.module,
        command: prefix,
        args,
        read: desc.perm.includes('r'),
        write: desc.perm.includes('w'),
        exec: desc.perm.includes('x'),
      });
      const theirs = row.results![j] !== -13;
      if (ours !== theirs) t.fail(`'${cap}' ${prefix} ${JSON.stringify(args)}: mon says ${row.results![j]}, we say ${ours ? 'allowed' : 'EACCES'}`);
      compared++;
    });
  });
  t.equal(compared, caps.length * commands.length, `${compared} decisions compared`);
  const denied = res.flatMap((x) => x.results ?? []).filter((x) => x === -13).length;
  t.ok(denied > 20 && denied < compared - 20, `a mix of allowed and denied (${denied} EACCES)`);
});
