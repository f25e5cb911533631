/**
 * The config database and config-key store against outputs captured from a real 16.2.15 mon
 * (same commands, same order), plus persistence across a restart.
 */
import t from 'tap';
import { Harness } from './lib/harness';
import { parseOptionValue } from '../src/core/config/options';
import { loadOptionTable } from '../src/config-schema';

t.test('option parsing matches Ceph (values and error texts from a real mon)', async (t) => {
  const o = loadOptionTable();
  const ok = (name: string, raw: string, want: string) => t.equal(parseOptionValue(o.find(name)!, raw), want, `${name}=${raw}`);
  const bad = (name: string, raw: string, msg: string) => t.throws(() => parseOptionValue(o.find(name)!, raw), { code: 'EINVAL', message: `error parsing value: ${msg}` }, `${name}=${raw}`);
  ok('mon_op_complaint_time', '30', '30');
  ok('mon_op_complaint_time', '1m', '60');
  ok('osd_max_write_size', '2K', '2048');
  ok('osd_max_write_size', '5Mi', '5242880');
  ok('osd_max_backfills', '2K', '2000');
  ok('mon_allow_pool_delete', '1', 'true');
  ok('mon_allow_pool_delete', 'TRUE', 'true');
  ok('ms_mon_client_mode', "'secure", "'secure");
  ok('public_addr', '1.2.3.4', 'v2:1.2.3.4:0/0');
  bad('mon_allow_pool_delete', 'yes', "Expected option value to be integer, got 'yes'");
  bad('osd_pool_default_type', 'foo', "'foo' is not one of the permitted values: replicated, erasure");
  bad('osd_pool_default_size', '11', "Value '11' exceeds maximum 10");
  bad('mon_osd_full_ratio', 'abc', "strict_strtod: expected double, got: 'abc'");
  bad('osd_max_backfills', '-1', 'strict_sistrtoll: value should not be negative');
  bad('osd_max_backfills', 'abc', 'strict_si_cast: unit prefix not recognized');
  bad('fsid', '1', '');
  t.equal(o.listed.length, 1744, 'the whole 16.2.15 schema, as `config ls` lists it');
  t.equal(o.options.length, 1744 + 64, 'and the debug_<subsys> levels `config set` accepts');
  t.equal(o.find('debug_osd')?.default, '1/5');
});

t.test('config set/get/dump/log as the real mon prints them', async (t) => {
  const h = await Harness.create();
  let r = await h.cmd({ prefix: 'config get', who: 'osd.0', key: 'osd_max_backfills' });
  t.same([r.r, r.out], [0, '1\n'], 'default for a daemon');
  r = await h.cmd({ prefix: 'config set', who: 'osd', name: 'osd_max_backfills', value: '2' });
  t.same([r.r, r.rs, r.out], [0, '', '']);
  r = await h.cmd({ prefix: 'config get', who: 'osd.0', key: 'osd_max_backfills' });
  t.equal(r.out, '2\n');
  r = await h.cmd({ prefix: 'config get', who: 'osd.0' });
  t.equal(r.out, 'WHO  MASK  LEVEL     OPTION             VALUE  RO\nosd        advanced  osd_max_backfills  2        \n');
  r = await h.cmd({ prefix: 'config dump' });
  t.equal(r.out, 'WHO    MASK  LEVEL     OPTION             VALUE  RO\n  osd        advanced  osd_max_backfills  2        \n');
  r = await h.cmd({ prefix: 'config dump', format: 'json-pretty' });
  t.equal(
    r.out,
    '[\n    {\n        "section": "osd",\n        "name": "osd_max_backfills",\n        "value": "2",\n        "level": "advanced",\n        "can_update_at_runtime": true,\n        "mask": ""\n    }\n]\n',
  );
  r = await h.cmd({ prefix: 'config get', who: 'osd.0', format: 'json-pretty' });
  t.equal(r.out, '{\n    "osd_max_backfills": {\n        "value": "2",\n        "section": "osd",\n        "mask": {},\n        "can_update_at_runtime": true\n    }\n}\n');
  for (const [who, name, value] of [
    ['mon', 'mon_allow_pool_delete', 'TRUE'],
    ['mon', 'public_addr', '1.2.3.4'],
    ['osd/class:ssd', 'osd_max_backfills', '3'],
    ['osd/host:h1', 'osd_max_backfills', '4'],
  ]) {
    r = await h.cmd({ prefix: 'config set', who, name, value });
    t.equal(r.r, 0, `set ${who} ${name}`);
  }
  r = await h.cmd({ prefix: 'config dump' });
  t.equal(
    r.out,
    [
      'WHO    MASK       LEVEL     OPTION                 VALUE           RO',
      '  mon             advanced  mon_allow_pool_delete  true              ',
      '  mon             basic     public_addr            v2:1.2.3.4:0/0  * ',
      '  osd  class:ssd  advanced  osd_max_backfills      3                 ',
      '  osd  host:h1    advanced  osd_max_backfills      4                 ',
      '  osd             advanced  osd_max_backfills      2                 ',
      '',
    ].join('\n'),
  );
  r = await h.cmd({ prefix: 'config set', who: 'mon', name: 'fsid', value: '1' });
  t.same([r.r, r.rs], [-22, 'error parsing value: ']);
  r = await h.cmd({ prefix: 'config set', who: 'mon', name: 'mon_host', value: '1.2.3.4' });
  t.same([r.r, r.rs], [-22, 'mon_host is special and cannot be stored by the mon']);
  r = await h.cmd({ prefix: 'config set', who: 'foo.bar', name: 'x', value: '1' });
  t.same([r.r, r.rs], [-22, "unrecognized config option 'x'"]);
  r = await h.cmd({ prefix: 'config set', who: 'foo.bar', name: 'x', value: '1', force: true });
  t.same([r.r, r.rs], [-22, "unrecognized config target 'foo.bar'"]);
  r = await h.cmd({ prefix: 'config get', who: 'client.admin', key: 'fsid' });
  t.equal(r.out, 'b6f5a4e2-1c3d-4e5f-8a9b-0c1d2e3f4a5b\n');
  r = await h.cmd({ prefix: 'config help', key: 'nosuch' });
  t.same([r.r, r.rs], [-2, '']);
  r = await h.cmd({ prefix: 'config help', key: 'osd_max_backfills' });
  t.equal(
    r.out,
    'osd_max_backfills - Maximum number of concurrent local and remote backfills or recoveries per OSD \n  (uint, advanced)\n  Default: 1\n  Can update at runtime: true\n\nThere can be osd_max_backfills local reservations AND the same remote reservations per OSD. So a value of 1 lets this OSD participate as 1 PG primary in recovery and 1 shard of another recovering PG.\n',
  );
  r = await h.cmd({ prefix: 'config log', num: 2 });
  t.match(r.out, /^--- 6 --- \d{4}-\d\d-\d\dT[\d:.]+\+0000 ---\n\+ osd\/host:h1\/osd_max_backfills = 4\n--- 5 --- .* ---\n\+ osd\/class:ssd\/osd_max_backfills = 3\n$/);
  r = await h.cmd({ prefix: 'config rm', who: 'osd', name: 'osd_max_backfills' });
  t.equal(r.r, 0);
  r = await h.cmd({ prefix: 'config get', who: 'osd.0', key: 'osd_max_backfills' });
  t.equal(r.out, '1\n', 'back to the default');
  r = await h.cmd({ prefix: 'config log', num: 1 });
  t.match(r.out, /--- 7 --- .* ---\n- osd\/osd_max_backfills = 2\n/);
  r = await h.cmd({ prefix: 'config reset', num: 6 });
  t.equal(r.r, 0);
  r = await h.cmd({ prefix: 'config get', who: 'osd.0', key: 'osd_max_backfills' });
  t.equal(r.out, '2\n', 'reset restores the removed value');

  await h.restart();
  r = await h.cmd({ prefix: 'config get', who: 'osd.0', key: 'osd_max_backfills' });
  t.equal(r.out, '2\n', 'survives a restart');
  t.equal(h.config.entityConfig({ name: 'osd.3', crushLocation: new Map([['host', 'h1']]), deviceClass: 'ssd', crushTypeId: (x) => (x === 'host' ? 1 : undefined), crushTypeCount: 11 }).get('osd_max_backfills'), '4', 'host mask beats class mask (more precise)');
});

t.test('config-key', async (t) => {
  const h = await Harness.create();
  let r = await h.cmd({ prefix: 'config-key set', key: 'foo', val: 'bar' });
  t.same([r.r, r.rs], [0, 'set foo']);
  r = await h.cmd({ prefix: 'config-key get', key: 'foo' });
  t.same([r.r, r.out], [0, 'bar']);
  r = await h.cmd({ prefix: 'config-key get', key: 'nope' });
  t.equal(r.r, -2);
  r = await h.cmd({ prefix: 'config-key exists', key: 'foo' });
  t.same([r.r, r.rs], [0, "key 'foo' exists"]);
  r = await h.cmd({ prefix: 'config-key exists', key: 'nope' });
  t.same([r.r, r.rs], [-2, "key 'nope' doesn't exist"]);
  r = await h.cmd({ prefix: 'config-key set', key: 'bin' }, { inbuf: Buffer.from([0, 1, 2, 200]) });
  r = await h.cmd({ prefix: 'config-key ls' });
  t.equal(r.out, '[\n    "bin",\n    "foo"\n]\n');
  r = await h.cmd({ prefix: 'config-key dump' });
  t.equal(r.out, '{\n    "bin": "<<< binary blob of length 4 >>>",\n    "foo": "bar"\n}\n');
  r = await h.cmd({ prefix: 'config-key set', key: 'big', val: 'x'.repeat(65537) });
  t.same([r.r, r.rs], [-27, "error: entry size limited to 65536 bytes. Use 'mon config key max entry size' to manually adjust"]);
  r = await h.cmd({ prefix: 'config-key rm', key: 'foo' });
  t.same([r.r, r.rs], [0, 'key deleted']);
  await h.restart();
  r = await h.cmd({ prefix: 'config-key get', key: 'bin' });
  t.same([...r.outbl], [0, 1, 2, 200], 'binary value survives a restart');
  r = await h.cmd({ prefix: 'config-key get', key: 'foo' });
  t.equal(r.r, -2, 'deleted key stays deleted');
});
