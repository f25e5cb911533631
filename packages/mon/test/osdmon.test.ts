/**
 * The OSDMap service through the monitor: mkfs's first map, pools (create, set, get, rename,
 * application, delete), OSD lifecycle (new, in/out/down, rm, purge), flags, CRUSH edits, and
 * persistence of all of it across a kill -9 restart. Messages and outputs as a real 16.2.15 mon.
 */
import t from 'tap';
import { Reader } from '@ts-ceph/denc';
import { decodeOSDMap } from '@ts-ceph/maps';
import { MonFixture } from './lib/mon-fixture';

t.test('the first OSDMap and osd dump', async (t) => {
  const f = await MonFixture.create();
  const m = f.mon.osd.osdmap;
  t.equal(m.epoch, 1);
  t.equal(m.maxOsd, 0);
  const r = await f.cmd({ prefix: 'osd dump' });
  t.match(r.out, /^epoch 1\nfsid b6f5a4e2-1c3d-4e5f-8a9b-0c1d2e3f4a5b\ncreated .*\nmodified .*\nflags sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit\ncrush_version 1\nfull_ratio 0.95\nbackfillfull_ratio 0.9\nnearfull_ratio 0.85\nrequire_min_compat_client luminous\nmin_compat_client jewel\nrequire_osd_release pacific\nstretch_mode_enabled false\nmax_osd 0\n$/);
  const tree = await f.cmd({ prefix: 'osd tree' });
  t.equal(tree.out, 'ID  CLASS  WEIGHT  TYPE NAME     STATUS  REWEIGHT  PRI-AFF\n-1              0  root default                           \n');
  const tj = await f.cmd({ prefix: 'osd tree', format: 'json' });
  t.equal(tj.out, '{"nodes":[{"id":-1,"name":"default","type":"root","type_id":11,"children":[]}],"stray":[]}\n', "16.2.15 ends it with a newline");
});

t.test('pools', async (t) => {
  const f = await MonFixture.create();
  let r = await f.cmd({ prefix: 'osd pool create', pool: 'p', pg_num: 32 });
  t.same([r.r, r.rs, r.version], [0, "pool 'p' created", 2]);
  r = await f.cmd({ prefix: 'osd pool ls', detail: 'detail' });
  t.equal(r.out, "pool 1 'p' replicated size 3 min_size 2 crush_rule 0 object_hash rjenkins pg_num 32 pgp_num 32 autoscale_mode on last_change 2 flags hashpspool,creating stripe_width 0\n\n");
  r = await f.cmd({ prefix: 'osd pool create', pool: 'p', pg_num: 32 });
  t.same([r.r, r.rs], [0, "pool 'p' already exists"]);
  r = await f.cmd({ prefix: 'osd pool set', pool: 'p', var: 'size', val: '2' });
  t.same([r.r, r.rs], [0, 'set pool 1 size to 2']);
  r = await f.cmd({ prefix: 'osd pool get', pool: 'p', var: 'size' });
  t.equal(r.out, 'size: 2\n');
  r = await f.cmd({ prefix: 'osd pool get', pool: 'p', var: 'all' });
  t.equal(
    r.out,
    'size: 2\nmin_size: 1\npg_num: 32\npgp_num: 32\ncrush_rule: replicated_rule\nhashpspool: true\nnodelete: false\nnopgchange: false\nnosizechange: false\nwrite_fadvise_dontneed: false\nnoscrub: false\nnodeep-scrub: false\nuse_gmt_hitset: 1\nfast_read: 0\npg_autoscale_mode: on\nbulk: false\n',
  );
  r = await f.cmd({ prefix: 'osd pool set', pool: 'p', var: 'size', val: '11' });
  t.same([r.r, r.rs], [-22, 'pool size must be between 1 and 10']);
  r = await f.cmd({ prefix: 'osd pool set', pool: 'nope', var: 'size', val: '2' });
  t.same([r.r, r.rs], [-2, "unrecognized pool 'nope'"]);
  r = await f.cmd({ prefix: 'osd pool application enable', pool: 'p', app: 'rbd' });
  t.same([r.r, r.rs], [0, "enabled application 'rbd' on pool 'p'"]);
  r = await f.cmd({ prefix: 'osd pool application get', pool: 'p', format: 'json' });
  t.equal(r.out, '{"rbd":{}}');
  r = await f.cmd({ prefix: 'osd pool rename', srcpool: 'p', destpool: 'q' });
  t.same([r.r, r.rs], [0, "pool 'p' renamed to 'q'"]);
  r = await f.cmd({ prefix: 'osd lspools' });
  t.equal(r.out, '1 q\n');
  r = await f.cmd({ prefix: 'osd pool delete', pool: 'q' });
  t.equal(r.r, -1);
  t.match(r.rs, /^WARNING: this will \*PERMANENTLY DESTROY\* all data stored in pool q/);
  await f.restart();
  r = await f.cmd({ prefix: 'osd pool get', pool: 'q', var: 'size' });
  t.equal(r.out, 'size: 2\n', 'pool survives a restart');
  r = await f.cmd({ prefix: 'osd pool delete', pool: 'q', pool2: 'q', yes_i_really_really_mean_it: true });
  t.same([r.r, r.rs], [0, "pool 'q' removed"]);
  r = await f.cmd({ prefix: 'osd pool ls' });
  t.equal(r.out, '');
  const bytes = f.mon.osd.fullBytes(f.mon.osd.epoch)!;
  t.equal(decodeOSDMap(new Reader(bytes)).pools.size, 0);
});

t.test('pool delete needs mon_allow_pool_delete', async (t) => {
  const f = await MonFixture.create('mon_allow_pool_delete = false');
  await f.cmd({ prefix: 'osd pool create', pool: 'p', pg_num: 8 });
  const r = await f.cmd({ prefix: 'osd pool delete', pool: 'p', pool2: 'p', yes_i_really_really_mean_it: true });
  t.same([r.r, r.rs], [-1, 'pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool']);
});

t.test('osds: new, in/out/down, tree, rm, purge; flags', async (t) => {
  const f = await MonFixture.create();
  let r = await f.cmd({ prefix: 'osd new', uuid: '11111111-2222-3333-4444-555555555555' }, { inbuf: Buffer.from(JSON.stringify({ cephx_secret: 'AQCQ4gJrwcg4GxAANHuG86XFNu8dmUBjEeeSjg==' })) });
  t.same([r.r, r.out], [0, '0\n']);
  r = await f.cmd({ prefix: 'osd new', uuid: '11111111-2222-3333-4444-555555555555' });
  t.same([r.r, r.out], [0, '0\n'], 'idempotent');
  r = await f.cmd({ prefix: 'auth get', entity: 'osd.0' });
  t.match(r.out, /caps mgr = "allow profile osd"\n\tcaps mon = "allow profile osd"\n\tcaps osd = "allow \*"/);
  r = await f.cmd({ prefix: 'osd crush add-bucket', name: 'h1', type: 'host', args: ['root=default'] });
  t.same([r.r, r.rs], [0, 'added bucket h1 type host to location {root=default}']);
  r = await f.cmd({ prefix: 'osd crush create-or-move', id: 0, weight: 0.0078, args: ['host=h1', 'root=default'] });
  t.equal(r.r, 0);
  t.match(r.rs, /^create-or-move updating item name 'osd.0' weight 0.0078 at location \{host=h1,root=default\} to crush map$/);
  r = await f.cmd({ prefix: 'osd tree' });
  t.equal(
    r.out,
    'ID  CLASS  WEIGHT   TYPE NAME      STATUS  REWEIGHT  PRI-AFF\n-1         0.00780  root default                            \n-2         0.00780      host h1                             \n 0         0.00780          osd.0    down   1.00000  1.00000\n',
  );
  r = await f.cmd({ prefix: 'osd out', ids: ['0'] });
  t.same([r.r, r.rs], [0, 'marked out osd.0. ']);
  r = await f.cmd({ prefix: 'osd out', ids: ['0'] });
  t.same([r.r, r.rs], [0, 'osd.0 is already out. ']);
  r = await f.cmd({ prefix: 'osd in', ids: ['osd.0'] });
  t.same([r.r, r.rs], [0, 'marked in osd.0. ']);
  r = await f.cmd({ prefix: 'osd down', ids: ['0'] });
  t.same([r.r, r.rs], [0, 'osd.0 is already down. ']);
  r = await f.cmd({ prefix: 'osd set', key: 'noout' });
  t.same([r.r, r.rs], [0, 'noout is set']);
  t.match(f.mon.health.plain(true, f.clock.wallNow()), /\[WRN\] OSDMAP_FLAGS: noout flag\(s\) set\n/);
  t.match(f.mon.health.plain(true, f.clock.wallNow()), /\[WRN\] OSD_DOWN: 1 osds down\n    osd\.0 \(root=default,host=h1\) is down\n/);
  r = await f.cmd({ prefix: 'osd unset', key: 'noout' });
  t.same([r.r, r.rs], [0, 'noout is unset']);
  r = await f.cmd({ prefix: 'osd ls' });
  t.equal(r.out, '0\n');
  await f.restart();
  r = await f.cmd({ prefix: 'osd purge', id: 0, yes_i_really_mean_it: true });
  t.same([r.r, r.rs], [0, 'purged osd.0']);
  r = await f.cmd({ prefix: 'osd ls' });
  t.equal(r.out, '');
  r = await f.cmd({ prefix: 'auth get', entity: 'osd.0' });
  t.equal(r.r, -2, 'purge removes the key');
  r = await f.cmd({ prefix: 'osd getmap' });
  t.equal(r.rs, `got osdmap epoch ${f.mon.osd.epoch}`);
  t.equal(decodeOSDMap(new Reader(r.outbl)).epoch, f.mon.osd.epoch);
});

t.test('crush rules', async (t) => {
  const f = await MonFixture.create();
  let r = await f.cmd({ prefix: 'osd crush rule ls' });
  t.equal(r.out, 'replicated_rule\n');
  r = await f.cmd({ prefix: 'osd crush rule create-replicated', name: 'fast', root: 'default', type: 'host' });
  t.equal(r.r, 0);
  r = await f.cmd({ prefix: 'osd crush rule ls' });
  t.equal(r.out, 'replicated_rule\nfast\n');
  r = await f.cmd({ prefix: 'osd crush rule dump', name: 'fast', format: 'json' });
  t.equal(
    r.out,
    '{"rule_id":1,"rule_name":"fast","ruleset":1,"type":1,"min_size":1,"max_size":10,"steps":[{"op":"take","item":-1,"item_name":"default"},{"op":"chooseleaf_firstn","num":0,"type":"host"},{"op":"emit"}]}\n',
  );
  r = await f.cmd({ prefix: 'osd pool create', pool: 'p', pg_num: 8, rule: 'fast' });
  t.equal(r.r, 0);
  r = await f.cmd({ prefix: 'osd crush rule rm', name: 'fast' });
  t.same([r.r, r.rs], [-16, 'crush ruleset fast 1 is in use']);
  r = await f.cmd({ prefix: 'osd getcrushmap' });
  t.same([r.r, r.rs], [0, String(f.mon.osd.osdmap.crushVersion)]);
});

t.test('blocklist entries expire at the tick, and survive a restart until then', async (t) => {
  const f = await MonFixture.create();
  let r = await f.cmd({ prefix: 'osd blocklist', blocklistop: 'add', addr: '1.2.3.4:0/1', expire: 5 });
  t.match(r.rs, /^blocklisting 1\.2\.3\.4:0\/1 until \S+ \(5 sec\)$/);
  r = await f.cmd({ prefix: 'osd blocklist', blocklistop: 'add', addr: '1.2.3.5:0/2' });
  t.match(r.rs, /\(3600 sec\)$/, 'mon_osd_blocklist_default_expire');
  const epoch = f.mon.osd.epoch;
  await f.restart();
  r = await f.cmd({ prefix: 'osd blocklist ls' });
  t.equal(r.rs, 'listed 2 entries');
  f.clock.advance(4000);
  await f.mon.tick();
  t.equal(f.mon.osd.epoch, epoch, 'nothing expired yet');
  f.clock.advance(2000);
  await f.mon.tick();
  t.equal(f.mon.osd.epoch, epoch + 1, 'the expiry is a new epoch');
  r = await f.cmd({ prefix: 'osd blocklist ls' });
  t.same([r.out, r.rs], [`1.2.3.5:0/2 ${r.out.split(' ')[1]}`, 'listed 1 entries']);
  r = await f.cmd({ prefix: 'osd blocklist', blocklistop: 'rm', addr: '1.2.3.4:0/1' });
  t.same([r.r, r.rs], [0, "1.2.3.4:0/1 isn't blocklisted"]);
  r = await f.cmd({ prefix: 'osd blocklist', blocklistop: 'add', addr: 'not-an-address' });
  t.same([r.r, r.rs], [-22, 'unable to parse address not-an-address']);
});
