/**
 * MonMap against the real monmaptool: maps it creates (v1, v2, dual and IPv6 addresses; with and
 * without the persistent feature set, which decides between address-ordered legacy ranks and
 * append-ordered ranks) decode, re-encode byte for byte, print identically, and are rebuilt byte for
 * byte by our MonMap construction.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AddrType, Reader, encodeWith, parseAddrvec } from '@ts-ceph/denc';
import { requireBinary, run, tempDir } from '@ts-ceph/testkit';
import { MON_FEATURES_PERSISTENT, decodeMonMap, encodeMonMap, monMapAdd, monMapInitWithAddrs, newMonInfo, newMonMap, parseMonHost, printMonMap } from '../src';

requireBinary('monmaptool');
const dir = tempDir('ts-ceph-monmaptool-');
t.teardown(dir.cleanup);

const mons: [string, string, string][] = [
  ['--add', 'a', '127.0.0.1:6789'],
  ['--addv', 'b', '[v2:127.0.0.2:3300,v1:127.0.0.2:6789]'],
  ['--add', 'c', '[::1]:3300'],
  ['--add', 'd', '10.0.0.4'],
  ['--addv', 'e', '[v2:10.0.0.5:3300]'],
];

for (const [label, extra] of [
  ['legacy ranks (no persistent features)', [] as string[]],
  ['all features (nautilus+ ranks)', ['--enable-all-features', '--set-min-mon-release', '16']],
] as const) {
  t.test(label, async (t) => {
    const file = join(dir.path, `mm-${extra.length}`);
    const args = ['--create', '--clobber', '--fsid', 'a6c7bebf-40b0-47a7-a6ea-2967e3d757b1', ...extra, ...mons.flat(), file];
    const c = await run('monmaptool', args, { timeoutMs: 30_000 });
    t.equal(c.code, 0, `monmaptool ${args.join(' ')}`);
    const bytes = readFileSync(file);
    const m = decodeMonMap(new Reader(bytes));
    t.same(
      encodeWith((w) => encodeMonMap(w, m)),
      bytes,
      're-encodes byte for byte',
    );
    const p = await run('monmaptool', ['--print', file], { timeoutMs: 30_000 });
    t.equal(printMonMap(m), p.stdout.split('\n').filter((l) => !l.startsWith('monmaptool:')).join('\n'), 'monmaptool --print');
    // Rebuild it: the features first (they decide how ranks are assigned), then the monitors in order.
    const b = newMonMap();
    b.fsid = m.fsid;
    b.created = m.created;
    b.lastChanged = m.lastChanged;
    b.minMonRelease = m.minMonRelease;
    b.persistentFeatures = m.persistentFeatures;
    b.optionalFeatures = m.optionalFeatures;
    if (extra.length) t.equal(b.persistentFeatures & MON_FEATURES_PERSISTENT, MON_FEATURES_PERSISTENT, 'all persistent mon features');
    // monmaptool adds the --add monitors (by name), then the --addv ones (by name); an --add address
    // without a port gets both default ports once the map has nautilus features, a 6789 port is v1,
    // and any other port is v2 (the parse default) or forced v2 with nautilus.
    const nautilus = (b.persistentFeatures & MON_FEATURES_PERSISTENT) !== 0n;
    const byName = (o: string) => mons.filter(([x]) => x === o).sort((x, y) => (x[1] < y[1] ? -1 : 1));
    for (const [, name, addr] of byName('--add')) {
      const a = parseAddrvec(addr, AddrType.MSGR2)![0]!;
      const port = a.sa.readUInt16BE(0);
      const withPort = (type: number, p: number) => {
        const sa = Buffer.from(a.sa);
        sa.writeUInt16BE(p, 0);
        return { ...a, type, sa };
      };
      let v;
      if (port === 0) v = nautilus ? [withPort(AddrType.MSGR2, 3300), withPort(AddrType.LEGACY, 6789)] : [withPort(AddrType.LEGACY, 6789)];
      else if (port === 6789) v = [withPort(AddrType.LEGACY, port)];
      else v = [nautilus ? withPort(AddrType.MSGR2, port) : a];
      monMapAdd(b, newMonInfo(name, v));
    }
    for (const [, name, addr] of byName('--addv')) monMapAdd(b, newMonInfo(name, parseAddrvec(addr, AddrType.MSGR2)!));
    t.same(b.ranks, m.ranks, 'ranks');
    t.same(
      encodeWith((w) => encodeMonMap(w, b)),
      bytes,
      'rebuilt byte for byte',
    );
  });
}

t.test('monmaptool --generate from mon_host (MonMap::build_initial for mkfs)', async (t) => {
  const monHost = '127.0.0.1:6789, [v2:127.0.0.2:3300,v1:127.0.0.2:6789] 127.0.0.3,127.0.0.4:3300 [::1] v1:127.0.0.5 10.0.0.1:7000';
  const conf = join(dir.path, 'gen.conf');
  writeFileSync(conf, `[global]\nmon_host = ${monHost}\n`);
  const file = join(dir.path, 'gen.map');
  const r = await run('monmaptool', ['--create', '--generate', '--clobber', '--fsid', 'a6c7bebf-40b0-47a7-a6ea-2967e3d757b1', '-c', conf, file], { timeoutMs: 30_000 });
  t.equal(r.code, 0);
  const bytes = readFileSync(file);
  const real = decodeMonMap(new Reader(bytes));
  const m = newMonMap();
  m.fsid = real.fsid;
  m.created = real.created;
  m.lastChanged = real.lastChanged;
  monMapInitWithAddrs(m, parseMonHost(monHost), true);
  t.same(
    encodeWith((w) => encodeMonMap(w, m)),
    bytes,
    'the same seven monitors, names, address types and ranks, byte for byte',
  );
  t.throws(() => parseMonHost('mon1.example.com'), { code: 'EINVAL' }, 'host names need DNS');
});
