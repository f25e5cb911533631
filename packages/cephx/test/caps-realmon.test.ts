/**
 * Cap grammars, differentially against a real ceph-mon 16.2.15: `auth get-or-create` validates the
 * mon, osd and mgr caps it is given (AuthMonitor::valid_caps, mon_auth_validate_all_caps = true).
 * Every cap string of Ceph's unit tests plus our own edge cases goes to the real mon (through
 * python3-rados, one process for all commands) and to our parsers: both must accept or refuse it,
 * and where the mon says where its parser stopped, ours must stop at the same place.
 */
import t from 'tap';
import { startRealMon, run, requireBinary } from '@ts-ceph/testkit';
import { MonCap, OSDCap, MgrCap, CapParseError } from '../src/index';
import * as cases from './data/cap-parse-cases';

requireBinary('/usr/bin/python3');

const extra: [string, string][] = [
  ['mon', 'allow rw'],
  ['mon', 'allow r, allow w'],
  ['mon', 'allow command "auth get" with entity=client.x'],
  ['mon', 'allow command "osd pool ls"'],
  ['mon', 'allow profile osd, allow service mon x'],
  ['mon', 'allow r fsname=cephfs'],
  ['mon', 'allow all'],
  ['mon', 'allow rwxa'],
  ['mon', 'allow r network 10.0.0.0/8'],
  ['mon', 'profile'],
  ['mon', 'allow profile bootstrap-osd'],
  ['mon', 'allow command foo with a=b a=c'],
  ['mon', ''],
  ['osd', 'allow rwx pool=rbd namespace=ns object_prefix rbd_data'],
  ['osd', 'profile rbd pool=rbd'],
  ['osd', 'profile rbd-read-only pool=images namespace=ns1'],
  ['osd', 'allow class-read object_prefix rbd_children'],
  ['osd', 'allow r tag cephfs data=x'],
  ['osd', 'allow profile rbd'],
  ['osd', 'allow rw pool=p1 network 10.0.0.0/8'],
  ['osd', 'allow r tag app allkeys=v'],
  ['osd', 'allow class rbd metadata_list pool=rbd'],
  ['osd', 'allow *, allow r pool=a'],
  ['osd', 'allow rw\n'],
  ['osd', ' \tallow r'],
  ['osd', ''],
  ['mgr', 'profile rbd pool=rbd'],
  ['mgr', 'profile foo'],
  ['mgr', 'profile rbd-read-only namespace=x pool=y'],
  ['mgr', 'allow module rbd_support with pool=rbd rw'],
  ['mgr', 'allow command "osd purge" with id=4'],
  ['mgr', 'allow profile osd'],
  ['mgr', ''],
];

const PY = `
import json, sys, rados
cases = json.load(sys.stdin)
c = rados.Rados(conffile=sys.argv[1], conf={'keyring': sys.argv[2]}, name='client.admin')
c.connect(timeout=20)
out = []
for i, (typ, cap) in enumerate(cases):
    r, outb, outs = c.mon_command(json.dumps({'prefix': 'auth get-or-create', 'entity': 'client.cap%d' % i, 'caps': [typ, cap]}), b'')
    out.append([r, outs])
c.shutdown()
print(json.dumps(out))
`;

function ours(type: string, cap: string): CapParseError | undefined {
  try {
    if (type === 'mon') MonCap.parse(cap);
    else if (type === 'osd') OSDCap.parse(cap);
    else MgrCap.parse(cap);
    return undefined;
  } catch (e) {
    if (e instanceof CapParseError) return e;
    throw e;
  }
}

t.test('cap strings: our verdict equals the real mon', async (t) => {
  const mon = await startRealMon({ mode: 'crc' });
  t.teardown(() => mon.stop());
  const all: [string, string][] = [
    ...[...cases.monParseGood, ...cases.monParseBad, ...cases.monParseIdentity].map((s): [string, string] => ['mon', s]),
    ...[...cases.osdParseGood, ...cases.osdParseBad].map((s): [string, string] => ['osd', s]),
    ...[...cases.mgrParseGood, ...cases.mgrParseBad, ...cases.mgrParseIdentity].map((s): [string, string] => ['mgr', s]),
    ...extra,
  ];
  const r = await run('/usr/bin/python3', ['-c', PY, mon.conf, mon.adminKeyring], { input: JSON.stringify(all), timeoutMs: 120_000 });
  t.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as [number, string][];
  t.equal(res.length, all.length);
  let agreed = 0;
  let positions = 0;
  all.forEach(([type, cap], i) => {
    const [rc, outs] = res[i]!;
    const e = ours(type, cap);
    const theirs = rc === 0 ? 'accepts' : rc === -22 ? 'refuses' : `fails ${rc}: ${outs}`;
    if ((e === undefined) !== (rc === 0) || (rc !== 0 && rc !== -22)) {
      t.fail(`${type} cap ${JSON.stringify(cap)}: the mon ${theirs}, we ${e ? 'refuse' : 'accept'} ${e?.message ?? ''}`);
      return;
    }
    agreed++;
    const stop = /stopped at '([\s\S]*)' of '/.exec(outs);
    if (e && stop) {
      const ourStop = /stopped at '([\s\S]*)' of '/.exec(e.message);
      t.equal(ourStop?.[1], stop[1], `${type} ${JSON.stringify(cap)}: stopped at the same place`);
      positions++;
    }
  });
  t.equal(agreed, all.length, `all ${all.length} verdicts agree`);
  t.comment(`${agreed} cap strings agreed, ${positions} error positions compared`);
});
