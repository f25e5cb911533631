/**
 * Acceptance 1 and 3 (mon issue) in secure mode, ts-mon's default for mon sessions as in Ceph:
 * Debian's `ceph` CLI against ts-mon: status, health, df, mon dump, osd tree, the pool life cycle,
 * config and config-key, then a restricted client made with `auth get-or-create`. The expected
 * texts are what a 16.2.15 cluster prints (mon-diff-*.test.ts compares the same commands with a
 * real ceph-mon byte for byte in crc mode); here they are spelled out.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { waitFor } from '@ts-ceph/testkit';
import { json, startTsMon } from './mon-lib';

type Obj = Record<string, unknown>;

/** The key tree of a JSON value down to `depth` (objects only). */
function keyTree(v: unknown, depth: number): unknown {
  if (depth === 0 || typeof v !== 'object' || v === null || Array.isArray(v)) return typeof v;
  return Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, keyTree(x, depth - 1)]));
}

t.test('ceph CLI against ts-mon, secure mode', async (t) => {
  const m = await startTsMon();
  t.teardown(m.stop);

  // The session really is secure: the client's own messenger log says so.
  const dbg = await m.ceph(['--debug-ms', '1', 'fsid']);
  t.equal(dbg.code, 0);
  const modes = [...dbg.stderr.matchAll(/ (secure|crc) :-1 s=READY/g)].map((x) => x[1]);
  t.ok(modes.length > 0 && modes.every((x) => x === 'secure'), `the CLI's mon sessions are secure (${modes.join(',')})`);

  let r = await m.ceph(['-s']);
  t.equal(r.code, 0, 'ceph -s');
  t.match(
    r.stdout,
    new RegExp(
      [
        '^  cluster:',
        `    id:     ${m.fsid}`,
        '    health: HEALTH_WARN',
        '            OSD count 0 < osd_pool_default_size 3',
        ' ',
        '  services:',
        '    mon: 1 daemons, quorum a \\(age [\\d.]+s\\)',
        '    mgr: a\\(active, since [\\d.]+s\\)',
        '    osd: 0 osds: 0 up, 0 in',
        ' ',
        '  data:',
        '    pools:   0 pools, 0 pgs',
        '    objects: 0 objects, 0 B',
        '    usage:   0 B used, 0 B / 0 B avail',
        '    pgs:     ',
        ' ',
        '$',
      ].join('\n'),
    ),
  );
  r = await m.ceph(['health', 'detail']);
  t.same([r.code, r.stdout], [0, 'HEALTH_WARN OSD count 0 < osd_pool_default_size 3\n[WRN] TOO_FEW_OSDS: OSD count 0 < osd_pool_default_size 3\n'], 'ceph health detail');
  r = await m.ceph(['health', 'detail', '-f', 'json']);
  t.same(json(r), { status: 'HEALTH_WARN', checks: { TOO_FEW_OSDS: { severity: 'HEALTH_WARN', summary: { message: 'OSD count 0 < osd_pool_default_size 3', count: 3 }, detail: [], muted: false } }, mutes: [] });

  // `ceph -s -f json`: the keys of a real cluster's status (ceph-traces/maps/status.json); the
  // client I/O rates appear only while there is client I/O (PGMapDigest::client_io_rate_summary).
  const golden = JSON.parse(readFileSync(join(sharedDir(), 'ceph-traces', 'maps', 'status.json'), 'utf8')) as Obj;
  const pgmap = golden.pgmap as Obj;
  for (const k of ['read_bytes_sec', 'write_bytes_sec', 'read_op_per_sec', 'write_op_per_sec']) delete pgmap[k];
  r = await m.ceph(['-s', '-f', 'json']);
  const st = json(r);
  t.same(Object.keys(st), Object.keys(golden), 'status JSON: top-level keys in order');
  for (const k of ['health', 'monmap', 'osdmap', 'pgmap', 'fsmap', 'mgrmap', 'servicemap']) {
    t.same(Object.keys(st[k] as Obj), Object.keys(golden[k] as Obj), `status JSON: ${k} keys`);
  }
  t.same(keyTree(st.osdmap, 1), keyTree(golden.osdmap, 1), 'status JSON: osdmap value types');
  t.match(st, { fsid: m.fsid, quorum: [0], quorum_names: ['a'], monmap: { epoch: 1, num_mons: 1, min_mon_release_name: 'pacific' }, health: { status: 'HEALTH_WARN' } });

  r = await m.ceph(['mon', 'dump']);
  t.equal(r.code, 0);
  t.match(r.stdout, new RegExp(`^epoch 1\nfsid ${m.fsid}\nlast_changed .*\ncreated .*\nmin_mon_release 16 \\(pacific\\)\nelection_strategy: 1\n0: v2:127\\.0\\.0\\.1:${m.port}/0 mon\\.a\n$`), 'mon dump');
  t.equal(r.stderr, 'dumped monmap epoch 1\n');
  r = await m.ceph(['osd', 'tree']);
  t.same([r.code, r.stdout], [0, 'ID  CLASS  WEIGHT  TYPE NAME     STATUS  REWEIGHT  PRI-AFF\n-1              0  root default                           \n'], 'osd tree');

  // The pool life cycle.
  r = await m.ceph(['osd', 'pool', 'create', 'p', '32']);
  t.same([r.code, r.stderr], [0, "pool 'p' created\n"], 'osd pool create p 32');
  r = await m.ceph(['osd', 'pool', 'ls', 'detail']);
  t.match(r.stdout, /^pool 1 'p' replicated size 3 min_size 2 crush_rule 0 object_hash rjenkins pg_num 32 pgp_num 32 autoscale_mode on last_change \d+ flags hashpspool,creating stripe_width 0\n\n$/, 'osd pool ls detail');
  r = await m.ceph(['osd', 'pool', 'set', 'p', 'size', '2']);
  t.same([r.code, r.stderr], [0, 'set pool 1 size to 2\n'], 'osd pool set p size 2');
  r = await m.ceph(['osd', 'pool', 'ls', 'detail']);
  t.match(r.stdout, /^pool 1 'p' replicated size 2 min_size 1 crush_rule 0 /, 'size 2, min_size follows');
  r = await m.ceph(['df']);
  t.same(
    [r.code, r.stdout],
    [0, '--- RAW STORAGE ---\nCLASS  SIZE  AVAIL  USED  RAW USED  %RAW USED\nTOTAL   0 B    0 B   0 B       0 B          0\n \n--- POOLS ---\nPOOL  ID  PGS  STORED  OBJECTS  USED  %USED  MAX AVAIL\np      1   32     0 B        0   0 B      0        0 B\n'],
    'ceph df shows the pool',
  );
  r = await m.ceph(['-s']);
  t.match(r.stdout, /    pools:   1 pools, 32 pgs\n[^]*    pgs:     100\.000% pgs unknown\n             32 unknown\n/, 'ceph -s counts the pool and its PGs');

  // Acceptance 3: a restricted client.
  r = await m.ceph(['auth', 'get-or-create', 'client.app', 'mon', 'allow r', 'osd', 'allow rw pool=p']);
  t.equal(r.code, 0, 'auth get-or-create');
  const key = /^\[client\.app\]\n\tkey = (AQ[A-Za-z0-9+/]{36}==)\n$/.exec(r.stdout)?.[1];
  t.ok(key, `a keyring section with a key: ${r.stdout}`);
  const appKeyring = join(m.dir, 'app.keyring');
  writeFileSync(appKeyring, r.stdout, { mode: 0o600 });
  const app = (args: string[]) => m.ceph(['-n', 'client.app', '-k', appKeyring, ...args]);
  r = await app(['-s']);
  t.equal(r.code, 0, `client.app: ceph -s works (${r.stderr.trim()})`);
  t.match(r.stdout, new RegExp(`id:     ${m.fsid}`));
  r = await app(['osd', 'pool', 'create', 'q', '8']);
  t.same([r.code, r.stderr], [13, 'Error EACCES: access denied\n'], 'client.app: osd pool create fails with EACCES');
  r = await app(['config-key', 'set', 'x', 'y']);
  t.same([r.code, r.stderr], [13, 'Error EACCES: access denied\n'], 'client.app: config-key set fails with EACCES');
  r = await m.ceph(['osd', 'pool', 'ls']);
  t.equal(r.stdout, 'p\n', 'no pool q');
  r = await m.ceph(['auth', 'ls']);
  t.equal(r.code, 0);
  t.match(r.stdout, `client.app\n\tkey: ${key}\n\tcaps: [mon] allow r\n\tcaps: [osd] allow rw pool=p\n`, 'auth ls shows the caps');
  t.equal(r.stderr, 'installed auth entries:\n\n');
  r = await m.ceph(['auth', 'get-key', 'client.app']);
  t.equal(r.stdout, key, 'auth get-key');

  r = await m.ceph(['osd', 'pool', 'delete', 'p', 'p', '--yes-i-really-really-mean-it']);
  t.same([r.code, r.stderr], [0, "pool 'p' removed\n"], 'osd pool delete');
  r = await m.ceph(['osd', 'pool', 'ls']);
  t.same([r.code, r.stdout], [0, ''], 'no pools left');

  // config and config-key
  r = await m.ceph(['config', 'set', 'osd', 'osd_max_backfills', '2']);
  t.same([r.code, r.stdout, r.stderr], [0, '', ''], 'config set osd osd_max_backfills 2');
  r = await m.ceph(['config', 'get', 'osd.0', 'osd_max_backfills']);
  t.same([r.code, r.stdout], [0, '2\n'], 'config get osd.0 osd_max_backfills');
  r = await m.ceph(['config', 'get', 'osd.0', 'osd_max_write_size']);
  t.same([r.code, r.stdout], [0, '90\n'], 'an unset option reads its default');
  r = await m.ceph(['config-key', 'set', 'k1', 'v1']);
  t.same([r.code, r.stderr], [0, 'set k1\n'], 'config-key set');
  r = await m.ceph(['config-key', 'get', 'k1']);
  t.same([r.code, r.stdout], [0, 'v1'], 'config-key get');

  // Bad input: Ceph's errno and message, and the monitor is still there.
  r = await m.ceph(['osd', 'pool', 'get', 'nosuchpool', 'size']);
  t.same([r.code, r.stderr], [2, "Error ENOENT: unrecognized pool 'nosuchpool'\n"]);
  r = await m.ceph(['osd', 'pool', 'create', 'bad', '-1']);
  t.same([r.code, r.stderr], [2, "Error ENOENT: specified rule -1 doesn't exist\n"], 'the CLI reads -1 as the rule, as with a real mon');
  r = await m.ceph(['osd', 'pool', 'set', 'nosuchpool', 'size', '2']);
  t.same([r.code, r.stderr], [2, "Error ENOENT: unrecognized pool 'nosuchpool'\n"]);
  r = await m.ceph(['fsid']);
  t.same([r.code, r.stdout.trim()], [0, m.fsid], 'still answering');

  // The audit log: every mutating command, who, what, when; "finished" once it is committed. The
  // log's entries become visible when the log monitor commits them (a proposal after the command
  // returned), so the last command's may take a moment: wait for it, then check them all.
  await waitFor(async () => /"config-key set","key":"k1"\}\]': finished/.test((r = await m.ceph(['log', 'last', '200', 'info', 'audit'])).stdout), 15_000, 'the last command in the audit log', 250).catch(() => undefined);
  t.match(r.stdout, /audit \[INF\] from='client\.\? 127\.0\.0\.1:0\/\d+' entity='client\.admin' cmd='\[\{"prefix": "osd pool create", "pool": "p", "pg_num": 32\}\]': finished/);
  t.match(r.stdout, /entity='client\.app' cmd=\[\{"prefix": "osd pool create", "pool": "q", "pg_num": 8\}\]:  access denied/);
  t.match(r.stdout, /cmd='\[\{"prefix":"config-key set","key":"k1"\}\]': finished/, 'config-key set is audited without its value');
  t.notMatch(r.stdout, /v1/, 'the value is not in the audit log');
  const auditFile = readFileSync(join(m.dir, 'cluster.log'), 'utf8');
  t.match(auditFile, /: audit \[INF\] .*"osd pool delete".*': finished\n/, 'the audit lines are in the log file too');
});

t.test('auth none: the CLI and python3-rados get in without keys and with every cap', async (t) => {
  const m = await startTsMon({ mode: 'crc', extraConf: 'auth_cluster_required = none\nauth_service_required = none\nauth_client_required = none' });
  t.teardown(m.stop);
  const env = { CEPH_KEYRING: '/nonexistent' };
  let r = await m.ceph(['osd', 'pool', 'create', 'n', '8'], { env });
  t.same([r.code, r.stderr], [0, "pool 'n' created\n"]);
  r = await m.ceph(['-n', 'client.whoever', 'osd', 'pool', 'ls'], { env });
  t.same([r.code, r.stdout], [0, 'n\n'], 'any name, no key');
});
