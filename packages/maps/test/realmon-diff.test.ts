/**
 * Against a real Ceph 16.2.15 monitor (testkit's startRealMon): a cluster map exercised with the
 * commands an operator uses (OSDs, CRUSH hosts/racks/device classes, replicated and erasure pools with
 * pg_num not a power of two, options, quotas, pool snaps, applications, primary affinity, pg_upmap,
 * blocklists incl. range blocklists, cluster flags, group flags, rules), then:
 *  - the full map decodes and re-encodes byte for byte, prints as osdmaptool prints it and dumps as
 *    `ceph osd dump -f json[-pretty]`;
 *  - `ceph osd map` (object -> raw pg -> pg, with namespaces) and osdmaptool's placement agree with ours;
 *  - every incremental the monitor stored re-encodes exactly and, applied in order, reproduces every
 *    stored full map byte for byte; the stored MgrMap, MonMap and creating_pgs_t round-trip.
 */
import t from 'tap';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CEPH_FEATURES_ALL, Reader, encodeWith } from '@ts-ceph/denc';
import { RealMon, requireBinary, run, startRealMon, tempDir } from '@ts-ceph/testkit';
import {
  applyIncremental,
  decodeCreatingPgs,
  decodeIncremental,
  decodeMgrMap,
  decodeMonMap,
  decodeOSDMap,
  dumpJson,
  dumpMonMap,
  dumpOSDMap,
  encodeCreatingPgs,
  encodeIncremental,
  encodeMgrMap,
  encodeMonMap,
  encodeOSDMap,
  formatPg,
  mapObject,
  newOSDMap,
  objectLocator,
  printMonMap,
  printOSDMap,
  printOsdTree,
  dumpOsdTree,
  JsonFormatter,
} from '../src';
import { osdmaptoolMain } from '../src/tool/osdmaptool';
import { parseKvDump } from './lib/traces';

for (const b of ['osdmaptool', 'monmaptool', 'ceph-kvstore-tool']) requireBinary(b);
const work = tempDir('ts-ceph-maps-realmon-');
t.teardown(work.cleanup);

const commands: string[][] = [
  ['osd', 'create'],
  ['osd', 'create'],
  ['osd', 'create'],
  ['osd', 'create'],
  ['osd', 'create'],
  ['osd', 'create'],
  ...[0, 1, 2, 3, 4, 5].map((i) => ['osd', 'crush', 'add', `osd.${i}`, String(1 + i / 4), `host=h${i % 3}`, `rack=r${i % 2}`, 'root=default']),
  ['osd', 'crush', 'set-device-class', 'ssd', 'osd.0', 'osd.1'],
  ['osd', 'crush', 'set-device-class', 'hdd', 'osd.2', 'osd.3', 'osd.4', 'osd.5'],
  ['osd', 'pool', 'create', 'rep', '37', '37'],
  ['osd', 'pool', 'create', 'ecp', '20', '20', 'erasure'],
  ['osd', 'erasure-code-profile', 'set', 'k4m2', 'k=4', 'm=2', 'crush-failure-domain=osd'],
  ['osd', 'pool', 'create', 'ec2', '12', '12', 'erasure', 'k4m2'],
  ['osd', 'pool', 'set', 'rep', 'bulk', 'true'],
  ['osd', 'pool', 'set', 'rep', 'compression_mode', 'aggressive'],
  ['osd', 'pool', 'set', 'rep', 'target_size_ratio', '0.25'],
  ['osd', 'pool', 'set', 'ecp', 'pg_num_min', '8'],
  ['osd', 'pool', 'mksnap', 'rep', 'snap1'],
  ['osd', 'pool', 'application', 'enable', 'rep', 'rgw'],
  ['osd', 'pool', 'application', 'set', 'rep', 'rgw', 'key', 'value'],
  ['osd', 'pool', 'set-quota', 'rep', 'max_bytes', '1000000'],
  ['osd', 'primary-affinity', 'osd.1', '0.5'],
  ['osd', 'pg-upmap', '1.6', '1', '2', '3'],
  ['osd', 'blocklist', 'add', '127.0.0.1:0/1234'],
  ['osd', 'blocklist', 'range', 'add', '10.1.0.0/16'],
  ['osd', 'set', 'noout'],
  ['osd', 'set', 'noscrub'],
  ['osd', 'set-group', 'noup', 'h1'],
  ['osd', 'set-group', 'nodown', 'ssd'],
  ['osd', 'crush', 'rule', 'create-replicated', 'fast', 'default', 'host', 'ssd'],
  ['osd', 'pool', 'create', 'fastpool', '10', '10', 'replicated', 'fast'],
  ['osd', 'set-full-ratio', '0.97'],
  ['osd', 'tier', 'add', 'rep', 'fastpool', '--force-nonempty'],
  ['osd', 'tier', 'cache-mode', 'fastpool', 'writeback'],
  ['osd', 'tier', 'set-overlay', 'rep', 'fastpool'],
  ['osd', 'pool', 'set', 'fastpool', 'hit_set_type', 'bloom'],
  ['osd', 'pool', 'set', 'fastpool', 'hit_set_count', '4'],
  ['osd', 'pool', 'set', 'fastpool', 'hit_set_period', '60'],
  ['osd', 'pool', 'set', 'fastpool', 'hit_set_fpp', '0.01'],
  ['osd', 'pool', 'set', 'fastpool', 'hit_set_grade_decay_rate', '20'],
  ['osd', 'pool', 'set', 'fastpool', 'target_max_bytes', '1000000'],
  ['osd', 'crush', 'weight-set', 'create-compat'],
  ['osd', 'crush', 'weight-set', 'reweight-compat', 'osd.0', '0.8'],
  ['osd', 'crush', 'weight-set', 'create', 'rep', 'positional'],
  ['osd', 'crush', 'weight-set', 'reweight', 'rep', 'osd.2', '0.5', '0.6', '0.7'],
];

let mon: RealMon;
let osdmapBytes: Buffer;
const objects: { pool: string; name: string; nspace: string; json: string }[] = [];

t.before(async () => {
  // Propose each change at once instead of batching for a second: the commands run back to back.
  mon = await startRealMon({ extraConf: 'paxos_propose_interval = 0.01\npaxos_min_wait = 0.001' });
});
t.teardown(async () => {
  await mon?.stop();
});

t.test('build a cluster map with the real monitor', async (t) => {
  for (const c of commands) {
    const r = await mon.ceph(c);
    t.equal(r.code, 0, `ceph ${c.join(' ')}${r.code ? `: ${r.stderr}` : ''}`);
  }
  const r = await mon.ceph(['osd', 'getmap', '-o', join(work.path, 'osdmap.bin')]);
  t.equal(r.code, 0);
  osdmapBytes = readFileSync(join(work.path, 'osdmap.bin'));
  for (const [pool, nspace] of [
    ['rep', ''],
    ['rep', 'ns1'],
    ['ecp', ''],
    ['ec2', 'other'],
    ['fastpool', ''],
  ] as const) {
    for (const name of ['foo', 'rbd_header.1234', 'x'.repeat(40), 'ü-utf8']) {
      const args = ['osd', 'map', pool, name, ...(nspace ? [nspace] : []), '-f', 'json'];
      const m = await mon.ceph(args);
      t.equal(m.code, 0, `ceph ${args.join(' ')}`);
      objects.push({ pool, name, nspace, json: m.stdout });
    }
  }
});

/** Raw replies to plain mon commands through python3-rados (what a client receives, byte for byte). */
async function monCommandRaw(prefixes: string[]): Promise<string[]> {
  const py = requireBinary('/usr/bin/python3');
  const script = `import rados, sys, json
c = rados.Rados(conffile=sys.argv[1], conf={'keyring': sys.argv[2]})
c.connect()
out = []
for p in sys.argv[3:]:
    r, o, e = c.mon_command(json.dumps({'prefix': p}), b'')
    out.append(o.decode())
print(json.dumps(out))`;
  const r = await run(py, ['-c', script, mon.conf, mon.adminKeyring, ...prefixes], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`python3-rados: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

t.test('the full map: bytes, print, dumps', async (t) => {
  const m = decodeOSDMap(new Reader(osdmapBytes));
  t.same(encodeOSDMap(m, CEPH_FEATURES_ALL), osdmapBytes, 'byte for byte');
  t.equal(m.rangeBlocklist.length, 1, 'the range blocklist (osd section v11)');
  const tool = await run('osdmaptool', [join(work.path, 'osdmap.bin'), '--print'], { timeoutMs: 30_000 });
  t.equal(printOSDMap(m), tool.stdout, 'osdmaptool --print');
  for (const fmt of ['json-pretty', 'json']) {
    const d = await mon.ceph(['osd', 'dump', '-f', fmt]);
    const ours = dumpJson((f) => dumpOSDMap(f, m), fmt === 'json-pretty');
    // The ceph CLI writes a newline before json-pretty output and after compact json.
    t.equal(ours.trim(), d.stdout.trim(), `ceph osd dump -f ${fmt}`);
    const tr = await mon.ceph(['osd', 'tree', '-f', fmt]);
    const f = new JsonFormatter(fmt === 'json-pretty');
    f.openObject('tree');
    dumpOsdTree(f, m);
    f.close();
    t.equal(f.toString().trim(), tr.stdout.trim(), `ceph osd tree -f ${fmt} (with compat and per-pool weight sets)`);
  }
  const tree = await run('osdmaptool', [join(work.path, 'osdmap.bin'), '--tree=plain'], { timeoutMs: 30_000 });
  t.equal(printOsdTree(m), tree.stdout, 'osdmaptool --tree=plain');
  // The monitor's raw plain replies (librados mon_command, before the CLI touches them).
  const raw = await monCommandRaw(['osd dump', 'osd tree']);
  t.equal(printOSDMap(m, { blankLines: false }), raw[0], 'the monitor\'s plain `osd dump` reply');
  t.equal(printOsdTree(m), raw[1], 'the monitor\'s plain `osd tree` reply');
});

t.test('placement: ceph osd map and osdmaptool', async (t) => {
  const m = decodeOSDMap(new Reader(osdmapBytes));
  for (const o of objects) {
    const want = JSON.parse(o.json) as { pool_id: number; raw_pgid: string; pgid: string; up: number[]; up_primary: number; acting: number[]; acting_primary: number };
    const got = mapObject(m, o.name, objectLocator(want.pool_id, o.nspace));
    const raw = `${got.rawPg.pool}.${got.rawPg.seed.toString(16).padStart(8, '0')}`;
    t.same(
      { raw_pgid: raw, pgid: formatPg(got.pgid), up: got.up, up_primary: got.upPrimary, acting: got.acting, acting_primary: got.actingPrimary },
      { raw_pgid: want.raw_pgid, pgid: want.pgid, up: want.up, up_primary: want.up_primary, acting: want.acting, acting_primary: want.acting_primary },
      `${o.pool}/${o.nspace}/${o.name}`,
    );
  }
  for (const args of [['--mark-up-in', '--test-map-pgs-dump-all'], ['--mark-up-in', '--mark-out', '2', '--test-map-pgs-dump'], ['--test-map-pgs']]) {
    const file = join(work.path, 'osdmap.bin');
    const real = await run('osdmaptool', [file, ...args], { timeoutMs: 30_000 });
    let out = '';
    const code = osdmaptoolMain([file, ...args], { stdout: (s) => (out += s), stderr: () => undefined, now: () => ({ sec: 0, nsec: 0 }) }, 'osdmaptool');
    t.equal(code, real.code);
    t.equal(out, real.stdout, `osdmaptool ${args.join(' ')}`);
  }
});

t.test('the monitor store: incrementals, full maps, MgrMap, MonMap, creating_pgs_t', async (t) => {
  const monmap = await mon.ceph(['mon', 'getmap', '-o', join(work.path, 'monmap.bin')]);
  t.equal(monmap.code, 0);
  const monDump = await mon.ceph(['mon', 'dump', '-f', 'json-pretty']);
  // Copy the store while the monitor runs (it is idle), then read it with Ceph's own kv tool.
  const store = join(work.path, 'store');
  cpSync(join(mon.dir, 'mon.a'), store, { recursive: true });
  await mon.stop();
  const db = join(store, 'store.db');
  const dumps = new Map<string, Map<string, Buffer>>();
  for (const prefix of ['osdmap', 'mgr', 'osd_pg_creating']) {
    const r = await run('ceph-kvstore-tool', ['rocksdb', db, 'dump', prefix], { timeoutMs: 30_000 });
    t.equal(r.code, 0, `ceph-kvstore-tool dump ${prefix}`);
    dumps.set(prefix, parseKvDump(r.stdout));
  }
  const kv = async (prefix: string, key: string): Promise<Buffer> => {
    const v = dumps.get(prefix)?.get(key);
    if (!v) throw new Error(`no ${prefix}/${key} in the store`);
    return v;
  };
  const last = (await kv('osdmap', 'last_committed')).readUInt32LE(0);
  t.ok(last > 30, `the monitor stored ${last} epochs`);
  let m = newOSDMap();
  let crcs = 0;
  for (let e = 1; e <= last; e++) {
    const incBytes = await kv('osdmap', String(e));
    const inc = decodeIncremental(new Reader(incBytes));
    t.same(encodeIncremental(inc, inc.encodeFeatures), incBytes, `e${e}: the incremental re-encodes byte for byte`);
    m = applyIncremental(m, inc);
    const full = encodeOSDMap(m, inc.encodeFeatures);
    if (m.crc === inc.fullCrc) crcs++;
    t.same(full, await kv('osdmap', `full_${e}`), `e${e}: applying it gives the stored full map`);
  }
  t.equal(crcs, last, 'every full_crc matched');
  const mgrBytes = await kv('mgr', '1');
  t.same(
    encodeWith((w) => encodeMgrMap(w, decodeMgrMap(new Reader(mgrBytes)))),
    mgrBytes,
    'MgrMap e1 re-encodes',
  );
  const creating = await kv('osd_pg_creating', 'creating');
  t.same(
    encodeWith((w) => encodeCreatingPgs(w, decodeCreatingPgs(new Reader(creating)))),
    creating,
    'creating_pgs_t re-encodes',
  );
  const monBytes = readFileSync(join(work.path, 'monmap.bin'));
  const mm = decodeMonMap(new Reader(monBytes));
  t.same(
    encodeWith((w) => encodeMonMap(w, mm)),
    monBytes,
    'MonMap re-encodes',
  );
  const json = dumpJson((f) => {
    dumpMonMap(f, mm);
    f.openArray('quorum');
    f.dumpInt('mon', 0);
    f.close();
  });
  t.equal(json.trim(), monDump.stdout.trim(), 'ceph mon dump -f json-pretty');
  const mt = await run('monmaptool', ['--print', join(work.path, 'monmap.bin')], { timeoutMs: 30_000 });
  t.equal(printMonMap(mm), mt.stdout.split('\n').filter((l) => !l.startsWith('monmaptool:')).join('\n'), 'monmaptool --print');
});
