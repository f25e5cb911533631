/**
 * Differential (cache tier fields, pool quotas, the monmap in plain text): the same `ceph` CLI
 * commands against a fresh real 16.2.15 ceph-mon and a fresh ts-mon, crc mode; exit code, stdout
 * and stderr equal once fsid, port, keys and stamps are normalized. The pools' tier fields show in
 * `osd pool ls detail` and `osd dump -f json`, so the map edits are compared, not only the messages.
 */
import t from 'tap';
import { realAndOurs } from './mon-lib';

const tierCommands: string[][] = [
  ['osd', 'pool', 'create', 'base', '8'],
  ['osd', 'pool', 'create', 'cache', '8'],
  ['osd', 'pool', 'create', 'other', '8'],
  ['osd', 'pool', 'create', 'snappy', '8'],
  ['osd', 'pool', 'mksnap', 'snappy', 's1'],
  ['osd', 'tier', 'add', 'base', 'cache'],
  ['osd', 'tier', 'add', 'base', 'cache'],
  ['osd', 'tier', 'add', 'cache', 'other'],
  ['osd', 'tier', 'add', 'other', 'base'],
  ['osd', 'tier', 'add', 'other', 'cache'],
  ['osd', 'tier', 'add', 'other', 'snappy'],
  ['osd', 'tier', 'add', 'nosuch', 'cache'],
  ['osd', 'tier', 'add', 'base', 'nosuch'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'tier', 'cache-mode', 'base', 'writeback'],
  ['osd', 'tier', 'cache-mode', 'cache', 'readonly'],
  ['osd', 'tier', 'cache-mode', 'cache', 'bogus'],
  ['osd', 'tier', 'set-overlay', 'base', 'other'],
  ['osd', 'tier', 'set-overlay', 'base', 'cache'],
  ['osd', 'tier', 'set-overlay', 'base', 'cache'],
  ['osd', 'tier', 'cache-mode', 'cache', 'writeback'],
  ['osd', 'tier', 'cache-mode', 'cache', 'writeback'],
  ['osd', 'tier', 'cache-mode', 'cache', 'none'],
  ['osd', 'tier', 'cache-mode', 'cache', 'proxy'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'dump', '-f', 'json'],
  ['osd', 'tier', 'rm', 'base', 'cache'],
  ['osd', 'pool', 'delete', 'cache', 'cache', '--yes-i-really-really-mean-it'],
  ['osd', 'pool', 'delete', 'base', 'base', '--yes-i-really-really-mean-it'],
  ['osd', 'tier', 'rm-overlay', 'base'],
  ['osd', 'tier', 'remove-overlay', 'base'],
  ['osd', 'tier', 'cache-mode', 'cache', 'none'],
  ['osd', 'tier', 'remove', 'base', 'cache'],
  ['osd', 'tier', 'rm', 'base', 'cache'],
  ['osd', 'tier', 'cache-mode', 'cache', 'none'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'dump', '-f', 'json'],
];

const quotaCommands: string[][] = [
  ['osd', 'pool', 'create', 'q', '8'],
  ['osd', 'pool', 'set-quota', 'q', 'max_objects', '10'],
  ['osd', 'pool', 'set-quota', 'q', 'max_bytes', '10G'],
  ['osd', 'pool', 'set-quota', 'q', 'max_bytes', '1500'],
  ['osd', 'pool', 'set-quota', 'q', 'max_objects', '2k'],
  ['osd', 'pool', 'set-quota', 'q', 'max_objects', '2K'],
  ['osd', 'pool', 'set-quota', 'q', 'max_bytes', 'lots'],
  ['osd', 'pool', 'set-quota', 'q', 'max_bytes', '3Mi'],
  ['osd', 'pool', 'set-quota', 'q', 'max_things', '1'],
  ['osd', 'pool', 'set-quota', 'nosuch', 'max_objects', '1'],
  ['osd', 'pool', 'get-quota', 'nosuch'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'dump', '-f', 'json'],
  ['mon', 'dump'],
  ['mon', 'dump', '1'],
  ['mon', 'dump', '2'],
];

t.test('osd tier add/rm/set-overlay/rm-overlay/cache-mode: real ceph-mon and ts-mon answer alike', async (t) => {
  const { same } = await realAndOurs(t, 'mon_warn_on_too_few_osds = false');
  for (const args of tierCommands) await same(args);
});

t.test('osd pool set-quota and mon dump: real ceph-mon and ts-mon answer alike; get-quota as with a mgr', async (t) => {
  const { real, ours, same } = await realAndOurs(t, 'mon_warn_on_too_few_osds = false');
  for (const args of quotaCommands) await same(args);
  // A mgr-less real mon has no pool statistics and refuses get-quota; ts-mon serves the statistics a
  // mgr would, so it answers in the layout OSDMonitor prints when they exist (si_u_t, byte_u_t).
  const noStats = await real.ceph(['osd', 'pool', 'get-quota', 'q']);
  t.equal(noStats.stderr, "Error ENOENT: no stats for pool 'q'\n");
  const text = await ours.ceph(['osd', 'pool', 'get-quota', 'q']);
  t.equal(text.stdout, "quotas for pool 'q':\n  max objects: 2k objects  (current num objects: 0 objects)\n  max bytes  : 3 MiB  (current num bytes: 0 bytes)\n");
  const js = await ours.ceph(['osd', 'pool', 'get-quota', 'q', '-f', 'json']);
  t.same(JSON.parse(js.stdout), { pool_name: 'q', pool_id: 1, quota_max_objects: 2000, current_num_objects: 0, quota_max_bytes: 3 * 1024 * 1024, current_num_bytes: 0 });
  await ours.ceph(['osd', 'pool', 'set-quota', 'q', 'max_objects', '0']);
  const cleared = await ours.ceph(['osd', 'pool', 'get-quota', 'q']);
  t.equal(cleared.stdout, "quotas for pool 'q':\n  max objects: N/A\n  max bytes  : 3 MiB  (current num bytes: 0 bytes)\n");
});
