/**
 * Differential (mon, config, config-key, auth): the same `ceph` CLI commands, in the same order,
 * against a real 16.2.15 ceph-mon and against ts-mon, both fresh and in crc mode; exit code, stdout
 * and stderr equal once fsid, port, keys and stamps are normalized. Status and health too: with
 * no pools and TOO_FEW_OSDS switched off, a monitor with no mgr and ts-mon see the same cluster.
 */
import t from 'tap';
import { waitFor } from '@ts-ceph/testkit';
import { realAndOurs } from './mon-lib';

const commands: string[][] = [
  ['fsid'],
  ['-s'],
  ['-s', '-f', 'json'],
  ['health'],
  ['health', 'detail'],
  ['health', 'detail', '-f', 'json'],
  ['mon', 'dump'],
  ['mon', 'stat'],
  ['mon', 'dump', '-f', 'json'],
  ['quorum_status'],
  ['versions'],
  ['config', 'set', 'osd', 'osd_max_backfills', '2'],
  ['config', 'get', 'osd.0', 'osd_max_backfills'],
  ['config', 'get', 'osd.0', 'osd_max_backfills', '-f', 'json'],
  ['config', 'set', 'osd', 'osd_max_backfills', 'notanumber'],
  ['config', 'set', 'osd', 'no_such_option', '1'],
  ['config', 'set', 'osd.1', 'debug_osd', '10/10'],
  ['config', 'dump'],
  ['config', 'dump', '-f', 'json'],
  ['config', 'get', 'osd.1'],
  ['config', 'rm', 'osd', 'osd_max_backfills'],
  ['config', 'get', 'osd.0', 'osd_max_backfills'],
  ['config-key', 'set', 'foo', 'bar'],
  ['config-key', 'get', 'foo'],
  ['config-key', 'exists', 'foo'],
  ['config-key', 'set', 'a/b', 'c'],
  ['config-key', 'dump', 'a/'],
  ['config-key', 'rm', 'foo'],
  ['config-key', 'get', 'foo'],
  ['config-key', 'exists', 'foo'],
  ['auth', 'get-or-create', 'client.app', 'mon', 'allow r', 'osd', 'allow rw pool=p'],
  ['auth', 'get', 'client.app'],
  ['auth', 'get-or-create', 'client.app', 'mon', 'allow *'],
  ['auth', 'caps', 'client.app', 'mon', 'allow rw'],
  ['auth', 'get', 'client.app', '-f', 'json'],
  ['auth', 'print-key', 'client.app'],
  ['auth', 'get', 'client.nobody'],
  ['auth', 'del', 'client.app'],
  ['auth', 'get', 'client.app'],
  ['auth', 'get-or-create', 'client.x', 'mon', 'allow bogus'],
  ['log', 'hello from the test'],
];

t.test('ceph mon/config/config-key/auth commands: real ceph-mon and ts-mon answer alike', async (t) => {
  // TOO_FEW_OSDS is the mgr's check (PGMap): ts-mon raises it, a mgr-less real mon cannot.
  const { same } = await realAndOurs(t, 'mon_warn_on_too_few_osds = false');
  for (const args of commands) await same(args);
});

t.test('AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED as a real mon raises it', async (t) => {
  // The later line wins over startRealMon's `auth_allow_insecure_global_id_reclaim = false`.
  const { real, same } = await realAndOurs(t, 'mon_warn_on_too_few_osds = false\nauth_allow_insecure_global_id_reclaim = true');
  // A real mon evaluates its member checks on its tick (mon_tick_interval, 5 s).
  await waitFor(async () => (await real.ceph(['health'])).stdout.startsWith('HEALTH_WARN'), 20_000, 'the real mon to raise the warning', 500);
  for (const args of [['health', 'detail'], ['health', 'detail', '-f', 'json'], ['-s']]) await same(args);
});
