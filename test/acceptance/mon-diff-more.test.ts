/**
 * Differential (flags, ratios, compat client, pool snapshots, erasure-code profiles, osd map,
 * primary affinity, CRUSH tree, mon features): the same `ceph` CLI commands against a fresh real
 * 16.2.15 ceph-mon and a fresh ts-mon, crc mode; exit code, stdout and stderr equal once fsid,
 * port, keys and stamps are normalized. The final maps print alike with osdmaptool.
 */
import t from 'tap';
import { join } from 'node:path';
import { run } from '@ts-ceph/testkit';
import { normalized, realAndOurs } from './mon-lib';

const commands: string[][] = [
  ['osd', 'pause'],
  ['osd', 'dump'],
  ['osd', 'unpause'],
  ['osd', 'set-full-ratio', '0.9'],
  ['osd', 'set-backfillfull-ratio', '0.85'],
  ['osd', 'set-nearfull-ratio', '0.8'],
  ['osd', 'set-require-min-compat-client', 'luminous'],
  ['osd', 'set-require-min-compat-client', 'nosuchrelease'],
  ['osd', 'dump'],
  ['osd', 'pool', 'create', 'p', '8'],
  ['osd', 'pool', 'mksnap', 'p', 's1'],
  ['osd', 'pool', 'mksnap', 'p', 's1'],
  ['osd', 'pool', 'mksnap', 'nopool', 's1'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'pool', 'rmsnap', 'p', 's1'],
  ['osd', 'pool', 'rmsnap', 'p', 's1'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'erasure-code-profile', 'ls'],
  ['osd', 'erasure-code-profile', 'ls', '-f', 'json'],
  ['osd', 'erasure-code-profile', 'get', 'default'],
  ['osd', 'erasure-code-profile', 'get', 'default', '-f', 'json'],
  ['osd', 'erasure-code-profile', 'get', 'nope'],
  ['osd', 'map', 'p', 'obj1'],
  ['osd', 'map', 'p', 'obj1', 'ns1'],
  ['osd', 'map', 'p', 'obj1', '-f', 'json'],
  ['osd', 'map', 'nopool', 'obj1'],
  ['osd', 'new', '11111111-2222-3333-4444-555555555550'],
  ['osd', 'primary-affinity', '0', '0.5'],
  ['osd', 'primary-affinity', '7', '0.5'],
  ['osd', 'crush', 'add-bucket', 'h0', 'host'],
  ['osd', 'crush', 'tree'],
  ['osd', 'crush', 'move', 'h0', 'root=default'],
  ['osd', 'crush', 'add', 'osd.0', '0.5', 'host=h0'],
  ['osd', 'crush', 'set-device-class', 'ssd', 'osd.0'],
  // Nothing to change: "no change" replies, and no new epoch for set/add (set-device-class commits).
  ['osd', 'crush', 'set-device-class', 'ssd', 'osd.0'],
  ['osd', 'crush', 'add', 'osd.0', '0.5', 'host=h0'],
  ['osd', 'crush', 'set', 'osd.0', '0.5', 'host=h0'],
  ['osd', 'dump'],
  ['osd', 'crush', 'tree'],
  ['osd', 'crush', 'tree', '-f', 'json'],
  ['osd', 'crush', 'tree', '--show-shadow'],
  ['osd', 'crush', 'tree', '--show-shadow', '-f', 'json'],
  ['osd', 'crush', 'weight-set', 'ls'],
  ['osd', 'tree'],
  ['osd', 'map', 'p', 'obj1'],
  ['mon', 'feature', 'ls'],
  ['mon', 'feature', 'ls', '--with-value'],
  ['mon', 'feature', 'ls', '-f', 'json'],
  ['osd', 'dump'],
];

t.test('more osd and mon commands: real ceph-mon and ts-mon answer alike', async (t) => {
  const { real, ours, same } = await realAndOurs(t, 'mon_warn_on_too_few_osds = false');
  for (const args of commands) await same(args);
  const prints = [];
  for (const m of [real, ours]) {
    const f = join(m.dir, 'osdmap.bin');
    t.equal((await m.ceph(['osd', 'getmap', '-o', f])).code, 0);
    const p = await run('osdmaptool', ['--print', f]);
    prints.push(normalized({ ...p, stdout: p.stdout.split(f).join('FILE'), stderr: p.stderr.split(f).join('FILE') }, m));
  }
  t.same(prints[1], prints[0], 'osdmaptool prints the same map');
});
